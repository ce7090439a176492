/* test-ui-train.c: training in the real window, under Xvfb: XOR reaches
 * 4/4 from the first launch's settings within seconds, the curves get
 * every batch's point, closing the window mid-run stops the worker
 * thread without a hang, Space pauses and resumes and does nothing else,
 * the controls are off when there is nothing for them to do, the status
 * line is right while stepping, an edit during a run asks first, and data
 * that does not load leaves the run as it was. */
#include "ui-test-util.h"

#include <glib/gstdio.h>

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

static char *
spec_text (BpWindow *window)
{
  return nn_net_spec_to_string (bp_layer_panel_get_spec (bp_window_get_panel (window)));
}

static GtkWidget *
button_for (BpWindow *window, const char *action)
{
  GtkWidget *button = ui_test_find_actionable (GTK_WIDGET (window), action);

  g_assert_nonnull (button);
  return button;
}

/* Gives @action's button the focus, as a click does. */
static void
focus_button (BpWindow *window, const char *action)
{
  GtkWidget *button = button_for (window, action);

  g_assert_true (gtk_widget_is_sensitive (button));
  g_assert_true (gtk_widget_grab_focus (button));
  ui_test_iterate (50);
}

static void
press_space (BpWindow *window)
{
  ui_test_key (GTK_WIDGET (window), GDK_KEY_space, 0);
}

/* Space, a real key press, pauses and resumes whatever has the focus: the
 * Stop button does not stop, Step One Epoch does not step. */
static void
test_train_space (void)
{
  BpWindow *window = ui_test_window ("spiral");

  bp_window_set_epochs (window, 100000);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  g_assert_true (ui_test_wait (has_points, window, 30));
  focus_button (window, "win.stop");
  press_space (window);
  g_assert_cmpint (bp_window_get_run_state (window), ==, BP_RUN_PAUSED);
  g_assert_null (bp_window_get_run_error (window));
  press_space (window);
  g_assert_cmpint (bp_window_get_run_state (window), ==, BP_RUN_RUNNING);

  /* Paused, the step buttons can be pressed; Space still resumes. */
  press_space (window);
  g_assert_cmpint (bp_window_get_run_state (window), ==, BP_RUN_PAUSED);
  focus_button (window, "win.step-epoch");
  press_space (window);
  g_assert_cmpint (bp_window_get_run_state (window), ==, BP_RUN_RUNNING);
  ui_test_close (window, 1.0);
}

static int
loss_points (BpWindow *window)
{
  return bp_plot_get_n_points (bp_window_get_loss_plot (window), 0);
}

/* The user clicks Step One Epoch and then presses Space: that resumes the
 * run, it does not step again (the button kept the focus and took Space as
 * a press). */
static void
test_train_space_after_step (void)
{
  BpWindow *window = ui_test_window ("spiral");

  bp_window_set_epochs (window, 100000);
  focus_button (window, "win.step-epoch");
  /* A button's "activate" clicks it after its pressed look has shown. */
  g_assert_true (gtk_widget_activate (button_for (window, "win.step-epoch")));
  ui_test_iterate (400);
  g_assert_cmpint (bp_window_get_run_state (window), ==, BP_RUN_PAUSED);
  press_space (window);
  g_assert_cmpint (bp_window_get_run_state (window), ==, BP_RUN_RUNNING);
  ui_test_close (window, 1.0);
}

/* After a run finished, Space on the focused Train button must not start a
 * new run over the trained model, and there is nothing to pause or step:
 * those buttons are off, and Pause, if asked anyway, starts nothing. */
static void
test_train_finished_controls (void)
{
  BpWindow *window = ui_test_window ("xor");
  GtkWidget *step_epoch = button_for (window, "win.step-epoch");
  AdwButtonContent *content;
  int correct = 0, n = 0;

  /* Before any run: nothing to pause; a step starts one. */
  g_assert_false (gtk_widget_is_sensitive (button_for (window, "win.pause-resume")));
  g_assert_true (gtk_widget_is_sensitive (button_for (window, "win.step-batch")));
  g_assert_true (gtk_widget_is_sensitive (step_epoch));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.pause-resume", NULL);
  ui_test_iterate (200);
  g_assert_cmpint (bp_window_get_run_state (window), ==, BP_RUN_IDLE);
  g_assert_cmpint (loss_points (window), ==, 0);
  /* Stepping one epoch does not look like fast-forward. */
  content = ADW_BUTTON_CONTENT (gtk_button_get_child (GTK_BUTTON (step_epoch)));
  g_assert_true (ADW_IS_BUTTON_CONTENT (content));
  g_assert_cmpstr (adw_button_content_get_icon_name (content), !=, "media-seek-forward-symbolic");
  g_assert_cmpstr (adw_button_content_get_label (content), ==, "Epoch");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  g_assert_true (ui_test_wait (ui_test_run_idle, window, 30));
  g_assert_true (bp_window_get_test_result (window, &correct, &n));
  g_assert_cmpint (correct, ==, 4);
  g_assert_cmpint (loss_points (window), ==, 200);
  ui_test_iterate (100);
  g_assert_false (gtk_widget_is_sensitive (button_for (window, "win.pause-resume")));
  g_assert_false (gtk_widget_is_sensitive (button_for (window, "win.step-batch")));
  g_assert_false (gtk_widget_is_sensitive (step_epoch));

  focus_button (window, "win.train");
  press_space (window);
  ui_test_iterate (300);
  g_assert_cmpint (bp_window_get_run_state (window), ==, BP_RUN_IDLE);
  g_assert_cmpint (loss_points (window), ==, 200);
  g_assert_true (bp_window_get_test_result (window, &correct, &n));
  g_assert_cmpint (correct, ==, 4);
  ui_test_close (window, 1.0);
}

static gboolean
status_has (BpWindow *window, const char *text)
{
  g_autofree char *status = bp_window_dup_status (window, NULL);

  return strstr (status, text) != NULL;
}

static gboolean
status_epoch_2 (gpointer data)
{
  return status_has (data, "Epoch 2/3") && status_has (data, "Paused");
}

/* Stepping, the status line says where the run is: "Epoch 2/3", paused,
 * the bar two thirds full; not "Epoch 0/0" and an empty bar, which is what
 * the state computed on pausing, posted without a position, used to show. */
static void
test_train_status_stepping (void)
{
  BpWindow *window = ui_test_window ("spiral");
  g_autofree char *status = NULL;
  double fraction = 0.0;

  bp_window_set_epochs (window, 3);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.step-epoch", NULL));
  g_assert_true (ui_test_wait (ui_test_loaded, window, 1));
  ui_test_iterate (500);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.step-epoch", NULL));
  g_assert_true (ui_test_wait (status_epoch_2, window, 10));
  /* Whatever else arrives while paused keeps it so. */
  ui_test_iterate (700);
  status = bp_window_dup_status (window, &fraction);
  g_test_message ("status: %s (%.3f)", status, fraction);
  g_assert_nonnull (strstr (status, "Paused"));
  g_assert_nonnull (strstr (status, "Epoch 2/3"));
  g_assert_cmpfloat_with_epsilon (fraction, 2.0 / 3.0, 1e-6);
  g_assert_cmpint (bp_window_get_run_state (window), ==, BP_RUN_PAUSED);

  /* One batch more: into the third epoch. */
  g_clear_pointer (&status, g_free);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.step-batch", NULL));
  ui_test_iterate (700);
  status = bp_window_dup_status (window, &fraction);
  g_test_message ("status: %s (%.3f)", status, fraction);
  g_assert_nonnull (strstr (status, "Paused"));
  g_assert_nonnull (strstr (status, "Epoch 3/3"));
  g_assert_nonnull (strstr (status, "Batch 1/"));
  g_assert_cmpfloat (fraction, >, 2.0 / 3.0);
  g_assert_cmpfloat (fraction, <, 1.0);
  ui_test_close (window, 1.0);
}

/* The toast that offers the run back, if one is on screen. */
static GtkWidget *
undo_toast (BpWindow *window)
{
  GType type = g_type_from_name ("AdwToastWidget");
  GtkWidget *toast = type ? ui_test_find_type (GTK_WIDGET (window), type) : NULL;
  GtkWidget *button = toast ? ui_test_find_actionable (toast, "win.restore-run") : NULL;

  return button && gtk_widget_get_mapped (button) ? toast : NULL;
}

static gboolean
has_undo_toast (gpointer data)
{
  return undo_toast (data) != NULL;
}

static void
assert_xor_run (BpWindow *window)
{
  int correct = 0, n = 0;
  g_autofree char *spec = spec_text (window);

  g_assert_cmpstr (bp_window_get_dataset (window), ==, "xor");
  g_assert_cmpstr (bp_window_get_data (window)->name, ==, "xor");
  g_assert_cmpstr (spec, ==, "dense:8,tanh,dense:2");
  g_assert_cmpint (loss_points (window), ==, 200);
  g_assert_true (bp_window_get_test_result (window, &correct, &n));
  g_assert_cmpint (correct, ==, 4);
  g_assert_cmpint (n, ==, 4);
}

/* The XOR run is shown again, its data loaded and its network inspected. */
static gboolean
xor_run_back (gpointer data)
{
  int n = 0;

  return !bp_window_get_loading (data) && bp_window_get_data (data) != NULL
         && g_str_equal (bp_window_get_data (data)->name, "xor") && loss_points (data) == 200
         && bp_window_get_test_result (data, NULL, &n) && n == 4;
}

/* A finished run survives a switch to another dataset: the toast's Undo
 * brings back the data, the network, the curves and the result; the run
 * it replaced is not lost either (Undo again swaps back). Reset and Train
 * again put the run aside the same way. */
static void
test_train_switch_dataset_undo (void)
{
  BpWindow *window = ui_test_window ("xor");
  g_autofree char *spiral_spec = NULL;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  g_assert_true (ui_test_wait (ui_test_run_idle, window, 30));
  assert_xor_run (window);
  g_assert_null (undo_toast (window));

  bp_window_set_dataset (window, "spiral");
  g_assert_true (ui_test_wait (ui_test_loaded, window, 30));
  ui_test_iterate (300);
  g_assert_cmpstr (bp_window_get_data (window)->name, ==, "spiral");
  g_assert_cmpint (loss_points (window), ==, 0);
  g_assert_true (ui_test_wait (has_undo_toast, window, 8));
  ui_test_screenshot (GTK_WIDGET (window), "ui-train-undo-toast.png");
  spiral_spec = spec_text (window);

  /* The toast's own button. */
  g_assert_true (gtk_widget_activate (ui_test_find_actionable (undo_toast (window),
                                                               "win.restore-run")));
  g_assert_true (ui_test_wait (xor_run_back, window, 10));
  assert_xor_run (window);
  g_assert_cmpstr (spiral_spec, !=, "dense:8,tanh,dense:2");
  /* The inspector shows the restored network. */
  g_assert_nonnull (bp_inspector_get_state (bp_window_get_inspector (window)));

  /* Reset puts it aside; Undo brings it back. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.reset", NULL));
  g_assert_cmpint (loss_points (window), ==, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.restore-run", NULL));
  g_assert_true (ui_test_wait (xor_run_back, window, 10));
  assert_xor_run (window);

  /* Train again starts over; Undo swaps the first run back in, and the
   * second is kept in its place. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  g_assert_true (ui_test_wait (ui_test_run_idle, window, 30));
  g_assert_cmpint (loss_points (window), ==, 200);
  g_assert_true (ui_test_wait (has_undo_toast, window, 8));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.restore-run", NULL));
  g_assert_true (ui_test_wait (xor_run_back, window, 10));
  assert_xor_run (window);
  g_assert_true (ui_test_wait (has_undo_toast, window, 8));
  ui_test_close (window, 5);
}

/* An edit during a run asks first: "Keep Training" takes the edit back
 * and the run goes on; "Reset" keeps the edit and starts over. */
static void
test_train_edit_asks (void)
{
  BpWindow *window = ui_test_window ("spiral");
  BpLayerPanel *panel = bp_window_get_panel (window);
  g_autofree char *before = spec_text (window);
  g_autofree char *kept = NULL;
  g_autofree char *after = NULL;
  AdwMessageDialog *dialog;

  bp_window_set_epochs (window, 100000);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  g_assert_true (ui_test_wait (has_points, window, 30));

  bp_layer_panel_select (panel, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "panel.add", "s", "relu"));
  dialog = ui_test_find_dialog ();
  g_assert_nonnull (dialog);
  g_assert_cmpint (bp_window_get_run_state (window), ==, BP_RUN_PAUSED);
  adw_message_dialog_response (dialog, "cancel");
  ui_test_iterate (200);
  kept = spec_text (window);
  g_assert_cmpstr (kept, ==, before);
  g_assert_cmpint (bp_window_get_run_state (window), ==, BP_RUN_RUNNING);
  g_assert_cmpuint (bp_plot_get_n_points (bp_window_get_loss_plot (window), 0), >, 0);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "panel.add", "s", "relu"));
  dialog = ui_test_find_dialog ();
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, "reset");
  ui_test_iterate (200);
  after = spec_text (window);
  g_assert_cmpstr (after, !=, before);
  g_assert_cmpint (bp_window_get_run_state (window), ==, BP_RUN_IDLE);
  g_assert_cmpuint (bp_plot_get_n_points (bp_window_get_loss_plot (window), 0), ==, 0);
  ui_test_close (window, 1.0);
}

static gboolean
not_loading (gpointer data)
{
  return !bp_window_get_loading (data);
}

/* A CSV file with errors (what the file chooser's response loads) and a
 * dataset folder without MNIST each say what is wrong in words, and the
 * set that was loaded stays, with its run and curves. */
static void
test_train_bad_data_keeps_run (void)
{
  BpWindow *window = ui_test_window ("spiral");
  g_autoptr(GSettings) settings = g_settings_new ("io.github.backprop.Backprop");
  g_autofree char *dir = g_dir_make_tmp ("backprop-test-XXXXXX", NULL);
  g_autofree char *csv = g_build_filename (dir, "bad.csv", NULL);
  AdwMessageDialog *dialog;
  guint points;

  g_assert_nonnull (dir);
  g_assert_true (g_file_set_contents (csv, "x,y,label\n1,2,a\n3,,b\n", -1, NULL));
  bp_window_set_epochs (window, 100000);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  g_assert_true (ui_test_wait (has_points, window, 30));

  for (int i = 0; i < 2; i++)
    {
      if (i == 0)
        {
          g_autofree char *name = g_strconcat ("csv:", csv, NULL);
          bp_window_set_dataset (window, name);
        }
      else
        {
          g_settings_set_string (settings, "data-folder", dir);
          bp_window_set_dataset (window, "mnist");
        }
      g_assert_true (ui_test_wait (not_loading, window, 30));
      ui_test_iterate (200);
      points = bp_plot_get_n_points (bp_window_get_loss_plot (window), 0);
      g_assert_cmpstr (bp_window_get_dataset (window), ==, "spiral");
      g_assert_nonnull (bp_window_get_data (window));
      g_assert_cmpstr (bp_window_get_data (window)->name, ==, "spiral");
      g_assert_true (bp_layer_panel_get_valid (bp_window_get_panel (window)));
      g_assert_cmpuint (points, >=, 20);
      g_assert_cmpint (bp_window_get_run_state (window), ==, BP_RUN_PAUSED);
      if (i == 1)
        {
          dialog = ui_test_find_dialog ();
          g_assert_nonnull (dialog);
          g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), dir));
          adw_message_dialog_response (dialog, "cancel");
        }
      /* The run goes on from where it was. */
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.pause-resume", NULL));
      ui_test_iterate (500);
      g_assert_cmpuint (bp_plot_get_n_points (bp_window_get_loss_plot (window), 0), >, points);
    }
  g_settings_reset (settings, "data-folder");
  ui_test_close (window, 1.0);
  g_unlink (csv);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/train/xor", test_train_xor);
  g_test_add_func ("/ui/train/close-mid-run", test_train_close_mid_run);
  g_test_add_func ("/ui/train/space", test_train_space);
  g_test_add_func ("/ui/train/space-after-step", test_train_space_after_step);
  g_test_add_func ("/ui/train/finished-controls", test_train_finished_controls);
  g_test_add_func ("/ui/train/status-stepping", test_train_status_stepping);
  g_test_add_func ("/ui/train/edit-asks", test_train_edit_asks);
  g_test_add_func ("/ui/train/switch-dataset-undo", test_train_switch_dataset_undo);
  g_test_add_func ("/ui/train/bad-data-keeps-run", test_train_bad_data_keeps_run);
  return g_test_run ();
}
