/* test-ui-mnist.c: MNIST in the real window, under Xvfb: the dataset loads
 * from $BACKPROP_TEST_DATA (through the dataset folder setting, as a user
 * would choose it), training fills the curves, pause stops them growing,
 * resume starts them again, and closing the window mid-run is clean. A
 * missing dataset is a failure here, not a skip. */
#include "ui-test-util.h"

static guint
n_points (BpWindow *window)
{
  return bp_plot_get_n_points (bp_window_get_loss_plot (window), 0);
}

static gboolean
has_points (gpointer data)
{
  return n_points (data) >= 50;
}

static gboolean
is_paused (gpointer data)
{
  /* Paused, and the worker has said so (its last update came in). */
  return bp_window_get_run_state (data) == BP_RUN_PAUSED;
}

static void
test_mnist_curves_pause_resume (void)
{
  const char *root = g_getenv ("BACKPROP_TEST_DATA");
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *mnist = NULL;
  BpWindow *window;
  guint before, after;

  g_assert_nonnull (root);
  mnist = g_build_filename (root, "mnist", NULL);
  if (!g_file_test (mnist, G_FILE_TEST_IS_DIR))
    g_error ("MNIST is not in %s: the test needs it", mnist);
  settings = g_settings_new ("io.github.backprop.Backprop");
  g_settings_set_string (settings, "data-folder", root);

  window = ui_test_window ("mnist");
  g_assert_cmpstr (bp_window_get_data (window)->name, ==, "mnist");
  g_assert_cmpint (bp_window_get_data (window)->train->n, ==, 60000);
  {
    g_autofree char *spec = nn_net_spec_to_string (bp_layer_panel_get_spec (bp_window_get_panel (window)));
    g_assert_cmpstr (spec, ==, "dense:128,relu,dense:64,relu,dense:10");
  }

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  g_assert_true (ui_test_wait (has_points, window, 60));

  /* Pause: at most a batch or two more arrive, then nothing. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.pause-resume", NULL));
  g_assert_true (ui_test_wait (is_paused, window, 5));
  ui_test_iterate (300);
  before = n_points (window);
  ui_test_iterate (500);
  after = n_points (window);
  g_assert_cmpuint (after, ==, before);
  ui_test_screenshot (GTK_WIDGET (window), "ui-mnist-paused.png");

  /* Resume: the curves grow again. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.pause-resume", NULL));
  g_assert_cmpint (bp_window_get_run_state (window), ==, BP_RUN_RUNNING);
  ui_test_iterate (1000);
  g_assert_cmpuint (n_points (window), >, after);
  g_assert_null (bp_window_get_run_error (window));

  /* Changing the learning rate mid-run is allowed (and marked). */
  bp_window_set_lr (window, 0.0005);
  ui_test_iterate (300);
  ui_test_screenshot (GTK_WIDGET (window), "ui-mnist.png");

  ui_test_close (window, 2.0);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/mnist/curves-pause-resume", test_mnist_curves_pause_resume);
  return g_test_run ();
}
