/* test-ui-train.c: training in the real window, under Xvfb: XOR reaches
 * 4/4 from the first launch's settings within seconds, the curves get
 * every batch's point, and closing the window mid-run stops the worker
 * thread without a hang. */
#include "ui-test-util.h"

static void
test_train_xor (void)
{
  BpWindow *window = ui_test_window ("xor");
  BpPlot *loss = bp_window_get_loss_plot (window);
  BpPlot *accuracy = bp_window_get_accuracy_plot (window);
  int correct = 0, n = 0;
  double start, seconds;

  start = g_get_monotonic_time () / 1e6;
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  g_assert_cmpint (bp_window_get_run_state (window), ==, BP_RUN_RUNNING);
  g_assert_true (ui_test_wait (ui_test_run_idle, window, 30));
  seconds = g_get_monotonic_time () / 1e6 - start;
  g_test_message ("XOR trained in %.2f s", seconds);

  g_assert_null (bp_window_get_run_error (window));
  g_assert_true (bp_window_get_test_result (window, &correct, &n));
  g_assert_cmpint (n, ==, 4);
  g_assert_cmpint (correct, ==, 4);
  /* The preset is 200 epochs of one batch: every batch reached the plot,
   * however the updates were coalesced. */
  g_assert_cmpuint (bp_plot_get_n_points (loss, 0), ==, 200);
  g_assert_cmpuint (bp_plot_get_n_points (accuracy, 0), ==, 200);
  g_assert_cmpuint (bp_plot_get_n_points (loss, 2), ==, 200);
  g_assert_cmpfloat (seconds, <, 5.0);
  ui_test_screenshot (GTK_WIDGET (window), "ui-train-xor.png");

  /* The inspection views got the run's states too. */
  {
    AdwViewStack *stack = ADW_VIEW_STACK (ui_test_find_type (GTK_WIDGET (window), ADW_TYPE_VIEW_STACK));

    g_assert_nonnull (bp_inspector_get_state (bp_window_get_inspector (window)));
    adw_view_stack_set_visible_child_name (stack, "inspect");
    bp_inspector_set_visible_view (bp_window_get_inspector (window), "boundary");
    ui_test_screenshot (GTK_WIDGET (window), "ui-train-xor-inspect.png");
    adw_view_stack_set_visible_child_name (stack, "curves");
  }

  /* Reset clears the curves. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.reset", NULL));
  g_assert_cmpuint (bp_plot_get_n_points (loss, 0), ==, 0);
  ui_test_close (window, 5);
}

static gboolean
has_points (gpointer data)
{
  return bp_plot_get_n_points (bp_window_get_loss_plot (data), 0) >= 20;
}

static void
test_train_close_mid_run (void)
{
  BpWindow *window = ui_test_window ("spiral");

  bp_window_set_epochs (window, 100000);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  g_assert_true (ui_test_wait (has_points, window, 30));
  g_assert_cmpint (bp_window_get_run_state (window), ==, BP_RUN_RUNNING);
  ui_test_screenshot (GTK_WIDGET (window), "ui-train-spiral.png");
  /* The window goes away, its worker stopped and joined, within a second. */
  ui_test_close (window, 1.0);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/train/xor", test_train_xor);
  g_test_add_func ("/ui/train/close-mid-run", test_train_close_mid_run);
  return g_test_run ();
}
