/* test-ui-project.c: projects in the window, as a user works with them.
 *
 * Train, save, close, open the file in a new window: the network, the
 * settings and the curves are back, and Train continues from the saved
 * epoch. A model made by backprop-cli opens with its trained weights, and a
 * project its --checkpoint wrote opens when dropped on the window. A
 * corrupt file is refused in words and the project shown stays. Closing
 * with unsaved changes asks, and Cancel, Discard and Save do what they say.
 * The dialogs are screenshot at 1024x700.
 */
#include "ui-test-util.h"

#include <glib/gstdio.h>
#include <string.h>

static char *
test_path (const char *name)
{
  return g_build_filename (ui_test_output_dir (), name, NULL);
}

static gboolean
saved (gpointer data)
{
  BpProject *project = bp_window_get_project (data);

  return bp_project_get_file (project) != NULL && !bp_project_get_modified (project);
}

typedef struct
{
  BpWindow *window;
  GFile    *file;
} OpenWait;

static gboolean
opened (gpointer data)
{
  OpenWait *w = data;
  GFile *file = bp_project_get_file (bp_window_get_project (w->window));

  return file && g_file_equal (file, w->file) && ui_test_loaded (w->window);
}

static BpRunRecord *
current_run (BpWindow *window)
{
  return bp_project_get_current_run (bp_window_get_project (window));
}

static gboolean
finished_epochs (gpointer data)
{
  BpWindow *window = data;
  BpRunRecord *run = current_run (window);

  return bp_window_get_run_state (window) == BP_RUN_IDLE && run
         && bp_run_record_get_status (run) == NN_RUN_FINISHED;
}

static char *
panel_spec (BpWindow *window)
{
  return nn_net_spec_to_string (bp_layer_panel_get_spec (bp_window_get_panel (window)));
}

static void
test_save_reopen_continue (void)
{
  BpWindow *window = ui_test_window ("spiral");
  g_autofree char *path = test_path ("ui-project-spiral.backprop");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *spec = NULL;
  g_autofree char *reopened_spec = NULL;
  BpSettings *settings;
  OpenWait w;
  guint points, batches;
  const NnRunRecord *r;

  g_remove (path);
  bp_window_set_epochs (window, 2);
  bp_window_set_lr (window, 0.02);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  g_assert_true (ui_test_wait (finished_epochs, window, 60));
  g_assert_true (bp_project_get_modified (bp_window_get_project (window)));
  points = bp_plot_get_n_points (bp_window_get_loss_plot (window), 0);
  batches = bp_run_record_get_nn (current_run (window))->batches->len;
  g_assert_cmpuint (points, ==, batches);
  g_assert_cmpuint (batches, >, 0);
  spec = panel_spec (window);

  bp_window_save_as (window, file);
  g_assert_true (ui_test_wait (saved, window, 30));
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  /* The title names the project; no unsaved mark. */
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==,
                   "ui-project-spiral — Backprop");
  ui_test_close (window, 5);

  window = ui_test_window (NULL);
  w = (OpenWait) { window, file };
  bp_window_open (window, file);
  g_assert_true (ui_test_wait (opened, &w, 30));
  ui_test_iterate (300);
  reopened_spec = panel_spec (window);
  g_assert_cmpstr (reopened_spec, ==, spec);
  g_assert_cmpstr (bp_window_get_dataset (window), ==, "spiral");
  settings = bp_project_get_settings (bp_window_get_project (window));
  g_assert_cmpfloat_with_epsilon (bp_settings_get_learning_rate (settings), 0.02, 1e-7);
  g_assert_cmpint (bp_settings_get_epochs (settings), ==, 2);
  g_assert_cmpuint (bp_plot_get_n_points (bp_window_get_loss_plot (window), 0), ==, points);
  g_assert_false (bp_project_get_modified (bp_window_get_project (window)));
  ui_test_screenshot (GTK_WIDGET (window), "ui-project-reopened.png");

  /* Train goes on from epoch 2 with the same run: its curve grows, it
   * does not start over. */
  bp_window_set_epochs (window, 4);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  g_assert_true (ui_test_wait (finished_epochs, window, 60));
  r = bp_run_record_get_nn (current_run (window));
  g_assert_cmpuint (g_list_model_get_n_items (bp_project_get_runs (bp_window_get_project (window))),
                    ==, 1);
  g_assert_cmpint (bp_run_record_get_n_epochs (current_run (window)), ==, 4);
  g_assert_cmpuint (r->batches->len, ==, 2 * batches);
  g_assert_cmpuint (g_array_index (r->batches, NnBatchPoint, batches).step, ==, batches + 1);
  g_assert_cmpint (r->state->epoch, ==, 4);
  g_assert_cmpuint (bp_plot_get_n_points (bp_window_get_loss_plot (window), 0), ==, 2 * batches);
  ui_test_close (window, 5);
  g_remove (path);
}

static gboolean
has_dialog (gpointer data)
{
  return ui_test_find_dialog () != NULL;
}

static gboolean
gone (gpointer data)
{
  return *(GtkWidget **) data == NULL;
}

static gboolean
inspected (gpointer data)
{
  return bp_inspector_get_state (bp_window_get_inspector (data)) != NULL;
}

static void
test_open_cli_model (void)
{
  const char *cli = g_getenv ("BACKPROP_CLI");
  g_autofree char *path = test_path ("ui-project-xor.safetensors");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *spec = NULL;
  const char *argv[] = { cli, "train", "--dataset", "xor", "--preset", "xor", "--save", path,
                         NULL };
  BpWindow *window;
  BpRunRecord *run;
  int status = -1, correct = 0, n = 0;

  g_assert_nonnull (cli);
  g_remove (path);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL
                               | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                               &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  window = ui_test_window ("spiral");
  bp_window_open (window, file);
  g_assert_true (ui_test_wait (ui_test_loaded, window, 30));
  g_assert_true (ui_test_wait (inspected, window, 30));
  g_assert_cmpstr (bp_window_get_dataset (window), ==, "xor");
  run = current_run (window);
  g_assert_nonnull (run);
  g_assert_nonnull (bp_run_record_get_state (run));
  spec = panel_spec (window);
  g_assert_cmpstr (spec, ==, bp_run_record_get_nn (run)->spec);
  /* The trained weights, evaluated: the CLI's preset solves XOR. */
  g_assert_true (bp_window_get_test_result (window, &correct, &n));
  g_assert_cmpint (n, ==, 4);
  g_assert_cmpint (correct, ==, 4);
  ui_test_screenshot (GTK_WIDGET (window), "ui-project-model.png");

  /* And it trains further from those weights, in the same record. */
  bp_window_set_epochs (window, 5);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  g_assert_true (ui_test_wait (finished_epochs, window, 60));
  g_assert_true (current_run (window) == run);
  g_assert_cmpint (bp_run_record_get_n_epochs (run), ==, 5);
  g_assert_true (bp_window_get_test_result (window, &correct, &n));
  g_assert_cmpint (correct, ==, 4);
  ui_test_close (window, 5);
  g_remove (path);
}

/* The training loss of the last epoch of `backprop-cli train --dataset
 * spiral --preset spiral --epochs @epochs --json`. */
static float
cli_epoch_loss (const char *cli, int epochs)
{
  g_autofree char *n = g_strdup_printf ("%d", epochs);
  const char *argv[] = { cli, "train", "--dataset", "spiral", "--preset", "spiral", "--epochs", n,
                         "--json", NULL };
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  const char *last, *field;
  int status = -1;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                               NULL, &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_strchomp (out);
  last = strrchr (out, '\n') ? strrchr (out, '\n') + 1 : out;
  field = strstr (last, "\"train_loss\":");
  g_assert_nonnull (field);
  return (float) g_ascii_strtod (field + strlen ("\"train_loss\":"), NULL);
}

/* A project that backprop-cli's --checkpoint wrote, dropped on the window
 * from the file manager: the same format, its run and curves shown, and it
 * goes on training. Opening it puts it in Open Recent. */
static void
test_drop_cli_checkpoint (void)
{
  const char *cli = g_getenv ("BACKPROP_CLI");
  g_autofree char *path = test_path ("ui-project-cli.backprop");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = g_file_get_uri (file);
  g_autoptr(GtkRecentInfo) recent = NULL;
  const char *argv[] = { cli, "train", "--dataset", "spiral", "--preset", "spiral",
                         "--epochs", "3", "--checkpoint", path, NULL };
  GValue value = G_VALUE_INIT;
  GtkEventController *target;
  BpWindow *window;
  BpRunRecord *run;
  OpenWait w;
  gboolean accepted = FALSE;
  int status = -1;

  g_assert_nonnull (cli);
  g_remove (path);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL
                               | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                               &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  window = ui_test_window ("xor");
  target = ui_test_find_controller (GTK_WIDGET (window), GTK_TYPE_DROP_TARGET);
  g_assert_nonnull (target);
  g_value_init (&value, G_TYPE_FILE);
  g_value_set_object (&value, file);
  g_signal_emit_by_name (target, "drop", &value, 10.0, 10.0, &accepted);
  g_value_unset (&value);
  g_assert_true (accepted);
  w = (OpenWait) { window, file };
  g_assert_true (ui_test_wait (opened, &w, 30));
  g_assert_cmpstr (bp_window_get_dataset (window), ==, "spiral");
  run = current_run (window);
  g_assert_nonnull (run);
  g_assert_cmpint (bp_run_record_get_n_epochs (run), ==, 3);
  g_assert_cmpuint (bp_plot_get_n_points (bp_window_get_loss_plot (window), 0), ==,
                    bp_run_record_get_nn (run)->batches->len);
  recent = gtk_recent_manager_lookup_item (gtk_recent_manager_get_default (), uri, NULL);
  g_assert_nonnull (recent);
  g_assert_true (gtk_recent_info_has_group (recent, "backprop"));

  bp_window_set_epochs (window, 5);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  g_assert_true (ui_test_wait (finished_epochs, window, 60));
  g_assert_true (current_run (window) == run);
  g_assert_cmpint (bp_run_record_get_n_epochs (run), ==, 5);
  /* With the numbers of a straight 5-epoch run of the CLI: the same data
   * (the noise the CLI left at the set's default included), the same
   * weights, optimizer and shuffle. */
  g_assert_cmpfloat (g_array_index (bp_run_record_get_nn (run)->epochs, NnEpochPoint, 4).train_loss,
                     ==, cli_epoch_loss (cli, 5));
  ui_test_close (window, 5);
  g_remove (path);
}

static void
test_refuse_corrupt (void)
{
  BpWindow *window = ui_test_window_sized ("xor", 1024, 700);
  g_autofree char *good_path = test_path ("ui-project-good.backprop");
  g_autofree char *bad_path = test_path ("ui-project-bad.backprop");
  g_autoptr(GFile) good = g_file_new_for_path (good_path);
  g_autoptr(GFile) bad = g_file_new_for_path (bad_path);
  g_autofree char *spec = NULL;
  g_autofree char *after = NULL;
  g_autofree char *heading = NULL;
  BpProject *project;
  AdwMessageDialog *dialog;

  bp_window_save_as (window, good);
  g_assert_true (ui_test_wait (saved, window, 30));
  project = bp_window_get_project (window);
  spec = panel_spec (window);
  /* The start of a safetensors file whose header runs past its end. */
  g_assert_true (g_file_set_contents (bad_path, "\x40\x00\x00\x00\x00\x00\x00\x00{\"", 10, NULL));

  bp_window_open (window, bad);
  g_assert_true (ui_test_wait (has_dialog, NULL, 30));
  dialog = ui_test_find_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Could Not Open the Project");
  g_test_message ("refused: %s", adw_message_dialog_get_body (dialog));
  g_assert_true (g_str_has_suffix (adw_message_dialog_get_body (dialog), "."));
  ui_test_iterate (300);
  ui_test_screenshot (GTK_WIDGET (window), "ui-project-corrupt-window.png");
  ui_test_screenshot (GTK_WIDGET (dialog), "ui-project-corrupt.png");
  heading = ui_test_answer_dialog ("close", 1);
  g_assert_nonnull (heading);

  /* The project shown is the same, untouched. */
  g_assert_true (bp_window_get_project (window) == project);
  g_assert_true (g_file_equal (bp_project_get_file (project), good));
  g_assert_false (bp_project_get_modified (project));
  after = panel_spec (window);
  g_assert_cmpstr (after, ==, spec);
  ui_test_close (window, 5);
  g_remove (good_path);
  g_remove (bad_path);
}

static void
test_close_asks (void)
{
  BpWindow *window = ui_test_window_sized ("xor", 1024, 700);
  GtkWidget *weak = GTK_WIDGET (window);
  g_autofree char *path = test_path ("ui-project-asked.backprop");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *heading = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NnProject) p = NULL;

  g_remove (path);
  bp_window_save_as (window, file);
  g_assert_true (ui_test_wait (saved, window, 30));
  /* An edit: the title says so. */
  bp_window_set_lr (window, 0.05);
  g_assert_true (bp_project_get_modified (bp_window_get_project (window)));
  g_assert_true (g_str_has_prefix (gtk_window_get_title (GTK_WINDOW (window)), "• "));

  /* Cancel: nothing happens. */
  gtk_window_close (GTK_WINDOW (window));
  g_assert_true (ui_test_wait (has_dialog, NULL, 5));
  ui_test_iterate (300);
  ui_test_screenshot (GTK_WIDGET (window), "ui-project-ask-window.png");
  ui_test_screenshot (GTK_WIDGET (ui_test_find_dialog ()), "ui-project-ask.png");
  heading = ui_test_answer_dialog ("cancel", 1);
  g_assert_cmpstr (heading, ==, "Save Changes?");
  ui_test_iterate (200);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
  g_assert_true (bp_project_get_modified (bp_window_get_project (window)));

  /* Save: the file gets the edit, then the window goes. */
  g_object_add_weak_pointer (G_OBJECT (weak), (gpointer *) &weak);
  gtk_window_close (GTK_WINDOW (window));
  g_clear_pointer (&heading, g_free);
  heading = ui_test_answer_dialog ("save", 5);
  g_assert_cmpstr (heading, ==, "Save Changes?");
  g_assert_true (ui_test_wait (gone, &weak, 10));
  p = nn_project_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (p->config.optim.lr, 0.05, 1e-7);

  /* Discard: the window goes and the file keeps what was saved. */
  window = ui_test_window ("xor");
  bp_window_set_lr (window, 0.07);
  weak = GTK_WIDGET (window);
  g_object_add_weak_pointer (G_OBJECT (weak), (gpointer *) &weak);
  gtk_window_close (GTK_WINDOW (window));
  g_clear_pointer (&heading, g_free);
  heading = ui_test_answer_dialog ("discard", 5);
  g_assert_cmpstr (heading, ==, "Save Changes?");
  g_assert_true (ui_test_wait (gone, &weak, 10));
  g_remove (path);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ui/project/save-reopen-continue", test_save_reopen_continue);
  g_test_add_func ("/ui/project/open-cli-model", test_open_cli_model);
  g_test_add_func ("/ui/project/drop-cli-checkpoint", test_drop_cli_checkpoint);
  g_test_add_func ("/ui/project/refuse-corrupt", test_refuse_corrupt);
  g_test_add_func ("/ui/project/close-asks", test_close_asks);
  return g_test_run ();
}
