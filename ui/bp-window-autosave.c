/* bp-window-autosave.c: the open project survives a crash or a kill.
 *
 * A few seconds after the project changes (an edit, or a run's new points),
 * a copy of it is written to $XDG_STATE_HOME/backprop/autosave.backprop:
 * bp_project_to_nn() on the main thread (a copy of the document), then
 * nn_project_save() on a GTask thread, so the main loop never waits on the
 * disk. While a run trains, its weights in the document are those of its
 * last pause: the copy waits for the state the run is asked for, which
 * comes at its next batch boundary with the points up to it, so that the
 * file's weights continue its curves (_bp_window_autosave_state_came()).
 * The file is removed when the project is saved or no longer has
 * unsaved changes, and when its window closes cleanly; so if it is there
 * when a window opens, and no window of this process wrote it, the last
 * session ended without closing, and the window offers to restore it.
 *
 * One window's work is kept at a time: the first window that changes
 * something owns the file until it closes.
 */
#include "bp-window-private.h"

#include <glib/gstdio.h>

#define AUTOSAVE_INTERVAL_MS 3000

/* The window whose project the file holds (weak), for the whole process. */
static BpWindow *owner;

struct _AutosaveJob
{
  char      *path;
  NnProject *nn;
  gboolean   discard;   /* the window closed cleanly meanwhile: remove the file */
};

static void
autosave_job_free (gpointer data)
{
  AutosaveJob *job = data;

  g_free (job->path);
  g_clear_pointer (&job->nn, nn_project_free);
  g_free (job);
}

char *
_bp_window_autosave_path (void)
{
  return g_build_filename (g_get_user_state_dir (), "backprop", "autosave.backprop", NULL);
}

static void
autosave_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  AutosaveJob *job = task_data;
  g_autofree char *dir = g_path_get_dirname (job->path);
  GError *error = NULL;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               "Could not make the folder “%s”: %s.", dir, g_strerror (saved));
      return;
    }
  if (!nn_project_save (job->path, job->nn, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
remove_file (void)
{
  g_autofree char *path = _bp_window_autosave_path ();

  if (g_unlink (path) != 0 && errno != ENOENT)
    g_warning ("Could not remove the autosaved project %s: %s", path, g_strerror (errno));
}

static void
autosave_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  BpWindow *self = user_data;   /* a reference, held by the task's data */
  AutosaveJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  self->autosave_in_flight = FALSE;
  self->autosave_task_job = NULL;   /* the task frees it */
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      /* Said once, not every few seconds. */
      if (!self->autosave_failed)
        _bp_window_toast (self, "Your work could not be saved for recovery: %s", error->message);
      self->autosave_failed = TRUE;
    }
  else
    self->autosave_failed = FALSE;
  /* Closed cleanly, or saved by the user, while the copy was written. */
  if (job->discard || (!self->closing && !bp_project_get_modified (self->project)))
    remove_file ();
  g_application_release (g_application_get_default ());
  g_object_unref (self);
}

static void
autosave_now (BpWindow *self)
{
  g_autoptr(GTask) task = NULL;
  AutosaveJob *job;
  gint64 start = g_get_monotonic_time ();

  job = g_new0 (AutosaveJob, 1);
  job->path = _bp_window_autosave_path ();
  job->nn = bp_project_to_nn (self->project);
  /* The part the main loop pays for (G_MESSAGES_DEBUG=Backprop shows it). */
  g_debug ("Autosave: the project copied in %.2f ms",
           (g_get_monotonic_time () - start) / 1000.0);
  self->autosave_serial = bp_project_get_serial (self->project);
  self->autosave_in_flight = TRUE;
  /* The process stays until the file is written, even if this was the last
   * window. */
  g_application_hold (g_application_get_default ());
  task = g_task_new (NULL, NULL, autosave_done_cb, g_object_ref (self));
  g_task_set_name (task, "bp-autosave");
  g_task_set_task_data (task, job, autosave_job_free);
  self->autosave_task_job = job;
  g_task_run_in_thread (task, autosave_thread);
}

static gboolean
autosave_tick_cb (gpointer user_data)
{
  BpWindow *self = user_data;

  if (self->autosave_in_flight || self->closing)
    return G_SOURCE_CONTINUE;
  if (!bp_project_get_modified (self->project))
    {
      /* Saved, or back to nothing to lose. */
      if (owner == self)
        {
          remove_file ();
          g_clear_weak_pointer (&owner);
        }
      return G_SOURCE_CONTINUE;
    }
  if (bp_project_get_serial (self->project) == self->autosave_serial)
    return G_SOURCE_CONTINUE;
  if (owner != NULL && owner != self)
    return G_SOURCE_CONTINUE;
  if (self->run && bp_run_get_state (self->run) == BP_RUN_RUNNING)
    {
      if (self->autosave_asked != self->run)
        {
          self->autosave_asked = self->run;
          bp_run_request_state (self->run);
        }
      return G_SOURCE_CONTINUE;
    }
  self->autosave_asked = NULL;
  g_set_weak_pointer (&owner, self);
  autosave_now (self);
  return G_SOURCE_CONTINUE;
}

/* The current run's record has just taken a state from the run, with the
 * points up to it: if a copy waits for one, it is taken now. */
void
_bp_window_autosave_state_came (BpWindow *self)
{
  if (self->autosave_asked == NULL || self->autosave_asked != self->run)
    return;
  self->autosave_asked = NULL;
  if (self->autosave_in_flight || self->closing || !bp_project_get_modified (self->project)
      || (owner != NULL && owner != self))
    return;
  g_set_weak_pointer (&owner, self);
  autosave_now (self);
}

/* ---- restoring --------------------------------------------------------- */

static void
restore_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(BpWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BpProject) project = bp_project_load_finish (result, &error);

  if (self->closing)
    return;
  if (project == NULL)
    {
      _bp_window_toast (self, "The autosaved work could not be restored: %s", error->message);
      return;
    }
  /* An untitled document with unsaved changes: Save asks where. */
  bp_project_set_file (project, NULL);
  _bp_window_set_project (self, project);
  bp_project_set_modified (project, TRUE);
  /* This window owns the file now; it is rewritten at the next change. */
  g_set_weak_pointer (&owner, self);
  _bp_window_toast (self, "Your unsaved work was restored");
}

static void
on_restore_response_cb (AdwMessageDialog *dialog, const char *response, BpWindow *self)
{
  if (g_str_equal (response, "restore"))
    {
      g_autofree char *path = _bp_window_autosave_path ();
      g_autoptr(GFile) file = g_file_new_for_path (path);

      bp_project_load_async (file, NULL, restore_done_cb, g_object_ref (self));
    }
  else if (g_str_equal (response, "discard"))
    remove_file ();
}

/* If the last session left work behind, asks whether to bring it back. */
static gboolean
offer_restore_cb (gpointer user_data)
{
  BpWindow *self = user_data;
  g_autofree char *path = _bp_window_autosave_path ();
  g_autoptr(GDateTime) when = NULL;
  g_autofree char *time_text = NULL;
  GStatBuf st;
  GtkWidget *dialog;

  self->autosave_offer_source = 0;
  if (owner != NULL || self->closing || g_stat (path, &st) != 0)
    return G_SOURCE_REMOVE;
  when = g_date_time_new_from_unix_local (st.st_mtime);
  time_text = g_date_time_format (when, "%x %X");
  dialog = adw_message_dialog_new (GTK_WINDOW (self), "Restore Unsaved Work?", NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  "Backprop did not close normally last time. The project you "
                                  "were working on was saved for recovery at %s.", time_text);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "later", "_Not Now",
                                    "discard", "_Discard",
                                    "restore", "_Restore",
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "restore",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "restore");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "later");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_restore_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return G_SOURCE_REMOVE;
}

static void
on_map_cb (GtkWidget *widget, BpWindow *self)
{
  /* Once the window is on screen, so the dialog has a parent to sit on. */
  if (!self->autosave_offered)
    {
      self->autosave_offered = TRUE;
      self->autosave_offer_source = g_idle_add (offer_restore_cb, self);
    }
}

/* ---- the window's side --------------------------------------------------- */

void
_bp_window_init_autosave (BpWindow *self)
{
  self->autosave_interval = AUTOSAVE_INTERVAL_MS;
  self->autosave_source = g_timeout_add (self->autosave_interval, autosave_tick_cb, self);
  g_signal_connect (self, "map", G_CALLBACK (on_map_cb), self);
}

/* The window closes cleanly (its unsaved changes were saved or dropped on
 * purpose): its autosave goes, now or when the copy in flight is written. */
void
_bp_window_end_autosave (BpWindow *self, gboolean clean)
{
  g_clear_handle_id (&self->autosave_source, g_source_remove);
  g_clear_handle_id (&self->autosave_offer_source, g_source_remove);
  if (owner != self)
    return;
  g_clear_weak_pointer (&owner);
  if (!clean)
    return;
  if (self->autosave_in_flight && self->autosave_task_job)
    self->autosave_task_job->discard = TRUE;
  else
    remove_file ();
}

void
bp_window_set_autosave_interval (BpWindow *self, guint ms)
{
  g_return_if_fail (BP_IS_WINDOW (self));
  g_clear_handle_id (&self->autosave_source, g_source_remove);
  self->autosave_interval = ms;
  if (ms > 0)
    self->autosave_source = g_timeout_add (ms, autosave_tick_cb, self);
}

gboolean
bp_window_get_autosave_busy (BpWindow *self)
{
  g_return_val_if_fail (BP_IS_WINDOW (self), FALSE);
  return self->autosave_in_flight;
}
