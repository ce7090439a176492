/* test-ui-mnist.c: MNIST in the real window, under Xvfb: the dataset loads
 * from $BACKPROP_TEST_DATA (through the dataset folder setting, as a user
 * would choose it), training fills the curves, pause stops them growing,
 * resume starts them again, a learning-rate change is marked and trained
 * with, and closing the window mid-run is clean. A missing dataset is a
 * failure here, not a skip. */
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

/* The current run's record: its batches, with the rate each was trained at. */
static const NnRunRecord *
record_of (BpWindow *window)
{
  BpRunRecord *record = bp_project_get_current_run (bp_window_get_project (window));

  g_assert_nonnull (record);
  return bp_run_record_get_nn (record);
}

static const NnBatchPoint *
last_batch (BpWindow *window)
{
  GArray *batches = record_of (window)->batches;

  g_assert_cmpuint (batches->len, >, 0);
  return &g_array_index (batches, NnBatchPoint, batches->len - 1);
}

static gboolean
has_batches_after_change (gpointer data)
{
  const NnRunRecord *r = record_of (data);

  return r->lr_changes->len > 0
         && last_batch (data)->step >= g_array_index (r->lr_changes, NnLrChange, 0).step + 20;
}

static void
test_mnist_curves_pause_resume (void)
{
  const char *root = g_getenv ("BACKPROP_TEST_DATA");
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *mnist = NULL;
  g_autoptr(GdkTexture) before_marker = NULL, with_marker = NULL;
  BpWindow *window;
  BpPlot *loss;
  guint before, after;
  float old_lr;
  double end_x;

  g_assert_nonnull (root);
  mnist = g_build_filename (root, "mnist", NULL);
  if (!g_file_test (mnist, G_FILE_TEST_IS_DIR))
    g_error ("MNIST is not in %s: the test needs it", mnist);
  settings = g_settings_new ("io.github.backprop.Backprop");
  g_settings_set_string (settings, "data-folder", root);

  window = ui_test_window ("mnist");
  loss = bp_window_get_loss_plot (window);
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

  /* Changing the learning rate mid-run: made while paused so that nothing
   * else moves, it is marked on both plots at the end of the curves (a
   * dashed vertical line: the only pixels of the loss plot that change,
   * in a narrow band), and the batches after it are trained with it. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.pause-resume", NULL));
  g_assert_true (ui_test_wait (is_paused, window, 5));
  ui_test_iterate (300);
  old_lr = last_batch (window)->lr;
  g_assert_cmpfloat (old_lr, >, 0.0f);
  g_assert_cmpfloat (old_lr, !=, 0.0005f);
  g_assert_cmpuint (record_of (window)->lr_changes->len, ==, 0);
  g_assert_cmpuint (bp_plot_get_n_markers (loss), ==, 0);
  before_marker = ui_test_render (GTK_WIDGET (loss));
  g_assert_true (bp_plot_get_view (loss, NULL, &end_x, NULL, NULL));

  bp_window_set_lr (window, 0.0005);
  ui_test_iterate (300);
  for (int p = 0; p < 2; p++)
    {
      BpPlot *plot = p == 0 ? loss : bp_window_get_accuracy_plot (window);
      const char *label;
      double x;

      g_assert_cmpuint (bp_plot_get_n_markers (plot), ==, 1);
      g_assert_true (bp_plot_get_marker (plot, 0, &x, &label));
      g_assert_cmpfloat (x, >, 0.0);
      g_assert_cmpfloat (x, <=, end_x);
      g_assert_cmpstr (label, ==, "lr 0.0005");
    }
  with_marker = ui_test_render (GTK_WIDGET (loss));
  {
    int width = gdk_texture_get_width (with_marker), height = gdk_texture_get_height (with_marker);
    g_autofree guint *per_column = g_new (guint, width);
    GdkRectangle area;
    guint changed = ui_test_diff (before_marker, with_marker, per_column, &area), tallest = 0;

    for (int x = 0; x < width; x++)
      tallest = MAX (tallest, per_column[x]);
    if (g_test_verbose ())
      g_printerr ("marker: %u pixels in %dx%d at %d,%d, tallest column %u of %d\n", changed,
                  area.width, area.height, area.x, area.y, tallest, height);
    /* the dashed line is 4 of every 7 pixels of the plot area's height */
    g_assert_cmpuint (tallest, >, height * 0.3);
    /* the line and its label beside it, nothing else */
    g_assert_cmpint (area.width, <, 30);
    g_assert_cmpint (area.height, >, height * 0.5);
  }

  /* Every batch the record has before the change was trained at the old
   * rate, every one after it at the new one. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.pause-resume", NULL));
  g_assert_true (ui_test_wait (has_batches_after_change, window, 20));
  {
    const NnRunRecord *r = record_of (window);
    guint64 change = g_array_index (r->lr_changes, NnLrChange, 0).step;
    guint n_after = 0;

    g_assert_cmpuint (r->lr_changes->len, ==, 1);
    g_assert_cmpfloat (g_array_index (r->lr_changes, NnLrChange, 0).lr, ==, 0.0005f);
    for (guint i = 0; i < r->batches->len; i++)
      {
        const NnBatchPoint *b = &g_array_index (r->batches, NnBatchPoint, i);

        g_assert_cmpfloat (b->lr, ==, b->step > change ? 0.0005f : old_lr);
        n_after += b->step > change;
      }
    g_assert_cmpuint (n_after, >=, 20);
  }
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
