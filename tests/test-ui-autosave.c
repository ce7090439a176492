/* test-ui-autosave.c: unsaved work survives a crash, under Xvfb.
 *
 * An edit is copied to $XDG_STATE_HOME/backprop/autosave.backprop a moment
 * later (the interval is shortened here); a window that goes away without
 * closing (destroyed, as a crash or a kill leaves it) leaves the copy, the
 * next window offers it, and Restore brings the network back as unsaved
 * work; closing cleanly removes the copy. A copy taken while a run trains
 * holds the weights where its curves end, and the restored run trains on
 * from there. With -m perf, the main loop's
 * timer lateness while MNIST trains, with and without autosave. */
#include "ui-test-util.h"

#include <glib/gstdio.h>
#include <string.h>

static char *
autosave_path (void)
{
  return g_build_filename (g_get_user_state_dir (), "backprop", "autosave.backprop", NULL);
}

/* The copy on disk holds the edited network (the project's JSON, in the
 * file's header, names it as text). */
static gboolean
autosaved (gpointer data)
{
  g_autofree char *path = autosave_path ();
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (bp_window_get_autosave_busy (data)
      || !g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;
  /* Past the header size's zero bytes. */
  return memmem (contents, length, "dense:8,relu,tanh,dense:2", 25) != NULL;
}

static gboolean
no_autosave (gpointer data)
{
  g_autofree char *path = autosave_path ();

  return !g_file_test (path, G_FILE_TEST_EXISTS);
}

static char *
spec_text (BpWindow *window)
{
  return nn_net_spec_to_string (bp_layer_panel_get_spec (bp_window_get_panel (window)));
}

static gboolean
spec_is_edited (gpointer data)
{
  g_autofree char *spec = spec_text (data);

  return g_strcmp0 (spec, "dense:8,relu,tanh,dense:2") == 0;
}

/* A window that is destroyed without closing, as a crash leaves it. */
static void
crash (BpWindow *window)
{
  GtkWidget *weak = GTK_WIDGET (window);

  g_object_add_weak_pointer (G_OBJECT (weak), (gpointer *) &weak);
  gtk_window_destroy (GTK_WINDOW (window));
  for (int i = 0; i < 2000 && weak != NULL; i++)
    ui_test_iterate (1);
  g_assert_null (weak);
}

/* A window with the XOR network edited, its copy written, then gone. */
static void
edit_and_crash (void)
{
  BpWindow *window = ui_test_window ("xor");
  BpLayerPanel *panel = bp_window_get_panel (window);

  /* The tests' state folder is their own. */
  g_assert_false (g_str_has_prefix (g_get_user_state_dir (), g_get_home_dir ())
                  && g_getenv ("XDG_STATE_HOME") == NULL);
  g_assert_true (no_autosave (window));
  bp_window_set_autosave_interval (window, 200);
  bp_layer_panel_select (panel, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "panel.add", "s", "relu"));
  g_assert_true (spec_is_edited (window));
  g_assert_true (ui_test_wait (autosaved, window, 10));
  crash (window);
  g_assert_false (no_autosave (NULL));
}

static gboolean
has_dialog (gpointer data)
{
  return ui_test_find_dialog () != NULL;
}

static void
test_autosave_restore (void)
{
  BpWindow *window;
  AdwMessageDialog *dialog;

  edit_and_crash ();

  /* The next launch: a window with the first-launch network, and the offer. */
  window = ui_test_window ("xor");
  g_assert_true (ui_test_wait (has_dialog, NULL, 5));
  dialog = ui_test_find_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Restore Unsaved Work?");
  ui_test_screenshot (GTK_WIDGET (dialog), "ui-autosave-offer.png");
  adw_message_dialog_response (dialog, "restore");
  g_assert_true (ui_test_wait (spec_is_edited, window, 10));
  g_assert_true (ui_test_wait (ui_test_loaded, window, 10));
  /* Restored work is unsaved work: closing would ask. */
  g_assert_true (bp_project_get_modified (bp_window_get_project (window)));
  g_assert_null (bp_project_get_file (bp_window_get_project (window)));
  ui_test_screenshot (GTK_WIDGET (window), "ui-autosave-restored.png");

  /* Closing it cleanly (the test answers Discard) removes the copy. */
  bp_window_set_autosave_interval (window, 200);
  ui_test_close (window, 5);
  g_assert_true (ui_test_wait (no_autosave, NULL, 5));
}

static const NnRunRecord *
current_nn (BpWindow *window)
{
  BpRunRecord *run = bp_project_get_current_run (bp_window_get_project (window));

  return run ? bp_run_record_get_nn (run) : NULL;
}

static guint64
last_step (const NnRunRecord *run)
{
  return run->batches->len
         ? g_array_index (run->batches, NnBatchPoint, run->batches->len - 1).step : 0;
}

static gboolean
trained_a_while (gpointer data)
{
  const NnRunRecord *run = current_nn (data);

  return run && run->batches->len >= 100;
}

/* A copy written since the test removed the last. */
static gboolean
copy_written (gpointer data)
{
  g_autofree char *path = autosave_path ();

  return !bp_window_get_autosave_busy (data) && g_file_test (path, G_FILE_TEST_EXISTS);
}

typedef struct
{
  BpWindow *window;
  guint64   step;
} StepWait;

static gboolean
restored_at (gpointer data)
{
  StepWait *w = data;
  const NnRunRecord *run = current_nn (w->window);

  return ui_test_loaded (w->window) && run && run->state && run->state->step == w->step;
}

static gboolean
trained_past (gpointer data)
{
  StepWait *w = data;
  const NnRunRecord *run = current_nn (w->window);

  return run && last_step (run) >= w->step + 20;
}

/* Before, the copy held the weights of the last pause (none, in a run never
 * paused): a restore had curves but could not continue them. */
static void
test_autosave_mid_run (void)
{
  BpWindow *window = ui_test_window ("spiral");
  g_autofree char *path = autosave_path ();
  g_autoptr(GError) error = NULL;
  g_autoptr(NnProject) saved = NULL;
  const NnRunRecord *run;
  NnTrainState *state;
  StepWait wait;
  guint n_before;

  g_assert_true (no_autosave (NULL));
  bp_window_set_epochs (window, 100000);
  bp_window_set_autosave_interval (window, 300);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  g_assert_true (ui_test_wait (trained_a_while, window, 30));
  /* A copy taken while it runs (not the one of the edits before). */
  g_assert_true (ui_test_wait (copy_written, window, 10));
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_true (ui_test_wait (copy_written, window, 10));
  g_assert_cmpint (bp_window_get_run_state (window), ==, BP_RUN_RUNNING);
  crash (window);

  /* The file's weights are where its curves end. */
  saved = nn_project_load (path, &error);
  g_assert_no_error (error);
  run = nn_project_get_current_run (saved);
  g_assert_nonnull (run);
  g_assert_cmpuint (run->batches->len, >=, 100);
  state = run->state;
  g_assert_nonnull (state);
  g_assert_cmpuint (state->step, >=, 100);
  g_assert_cmpuint (state->step, ==, last_step (run));
  g_assert_cmpint (state->epoch, ==, (int) run->epochs->len);

  /* Restored, Train goes on from there: the next point is the next step. */
  window = ui_test_window ("xor");
  g_assert_true (ui_test_wait (has_dialog, NULL, 5));
  adw_message_dialog_response (ui_test_find_dialog (), "restore");
  wait = (StepWait) { window, state->step };
  g_assert_true (ui_test_wait (restored_at, &wait, 20));
  n_before = current_nn (window)->batches->len;
  g_assert_cmpuint (n_before, ==, run->batches->len);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  g_assert_true (ui_test_wait (trained_past, &wait, 30));
  g_assert_cmpuint (g_array_index (current_nn (window)->batches, NnBatchPoint, n_before).step,
                    ==, state->step + 1);
  ui_test_close (window, 10);
  g_assert_true (ui_test_wait (no_autosave, NULL, 5));
}

/* Discard in the offer removes the copy; the window keeps its own work. */
static void
test_autosave_discard (void)
{
  BpWindow *window;
  AdwMessageDialog *dialog;
  g_autofree char *spec = NULL;

  edit_and_crash ();
  window = ui_test_window ("xor");
  g_assert_true (ui_test_wait (has_dialog, NULL, 5));
  dialog = ui_test_find_dialog ();
  adw_message_dialog_response (dialog, "discard");
  ui_test_iterate (200);
  g_assert_true (no_autosave (NULL));
  spec = spec_text (window);
  g_assert_cmpstr (spec, ==, "dense:8,tanh,dense:2");
  ui_test_close (window, 5);
  /* Nothing is offered after a clean end. */
  window = ui_test_window ("xor");
  ui_test_iterate (500);
  g_assert_null (ui_test_find_dialog ());
  ui_test_close (window, 5);
}

/* ---- the cost on the main loop (-m perf) -------------------------------- */

typedef struct
{
  gint64  expected;
  GArray *late_ms;   /* double */
} Lateness;

static gboolean
tick_cb (gpointer data)
{
  Lateness *l = data;
  gint64 now = g_get_monotonic_time ();

  g_array_append_val (l->late_ms, (double) { (now - l->expected) / 1000.0 });
  l->expected = now + 10000;
  return G_SOURCE_CONTINUE;
}

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Trains MNIST for @seconds with a 10 ms timeout on the main loop and
 * reports how late it fired: p50, p99, max. */
static void
measure (gboolean autosave, double seconds, double *p99)
{
  BpWindow *window = ui_test_window ("mnist");
  Lateness l = { 0, g_array_new (FALSE, FALSE, sizeof (double)) };
  guint source;
  guint n;
  double p50, max;

  bp_window_set_autosave_interval (window, autosave ? 3000 : 0);
  bp_window_set_epochs (window, 1000);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  ui_test_iterate (1000);
  l.expected = g_get_monotonic_time () + 10000;
  source = g_timeout_add (10, tick_cb, &l);
  ui_test_iterate ((int) (seconds * 1000));
  g_source_remove (source);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.stop", NULL));
  g_array_sort (l.late_ms, compare_double);
  n = l.late_ms->len;
  g_assert_cmpuint (n, >, 100);
  p50 = g_array_index (l.late_ms, double, n / 2);
  *p99 = g_array_index (l.late_ms, double, (guint) (n * 0.99));
  max = g_array_index (l.late_ms, double, n - 1);
  g_test_message ("MNIST training, autosave %s: %u ticks of 10 ms, late by p50 %.2f ms, "
                  "p99 %.2f ms, max %.2f ms; %.0f samples/s", autosave ? "on (3 s)" : "off",
                  n, p50, *p99, max, bp_window_get_samples_per_second (window));
  g_array_unref (l.late_ms);
  ui_test_close (window, 5);
}

static void
test_autosave_lateness (void)
{
  const char *root = g_getenv ("BACKPROP_TEST_DATA");
  g_autoptr(GSettings) settings = g_settings_new ("io.github.backprop.Backprop");
  double off = 0, on = 0;

  if (!g_test_perf ())
    {
      g_test_skip ("A measurement: run with -m perf");
      return;
    }
  g_assert_nonnull (root);
  g_settings_set_string (settings, "data-folder", root);
  measure (FALSE, 20, &off);
  measure (TRUE, 20, &on);
  g_test_message ("p99 lateness: %.2f ms off, %.2f ms on", off, on);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/autosave/restore", test_autosave_restore);
  g_test_add_func ("/ui/autosave/mid-run", test_autosave_mid_run);
  g_test_add_func ("/ui/autosave/discard", test_autosave_discard);
  g_test_add_func ("/ui/autosave/lateness", test_autosave_lateness);
  return g_test_run ();
}
