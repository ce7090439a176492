/* bp-window-status.c: BpWindow's status line under the curves.
 *
 * _bp_window_update_status() is the one place that sets it: the state, the
 * epoch and batch, the speed, the time, the result and the progress bar are
 * all derived there from what the window knows (the load in flight, the
 * data, the run's state, its progress so far, its error, the latest test
 * result). Everything else only changes that state and calls it.
 */
#include "bp-window-private.h"

#include "bp-layer-row.h"

static char *
format_duration (double seconds)
{
  int s = (int) (seconds + 0.5);

  if (seconds < 10)
    return g_strdup_printf ("%.1f s", seconds);
  if (s >= 3600)
    return g_strdup_printf ("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  return g_strdup_printf ("%d:%02d", s / 60, s % 60);
}

static void
set_label (GtkLabel *label, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
set_label (GtkLabel *label, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  /* A new text queues a resize of the whole window: the status line is
   * set at every update, and most of its labels have not changed. */
  if (g_strcmp0 (gtk_label_get_label (label), text) != 0)
    gtk_label_set_label (label, text);
}

void
_bp_window_take_progress (BpWindow *self, const BpRunUpdate *u)
{
  BpWindowProgress *p = &self->progress;

  /* An update that only carries an inspection state (a pause) says
   * nothing about where the run is. */
  if (u->n_batches > 0 || u->epochs > 0)
    {
      p->epoch = u->epoch;
      p->batch = u->batch;
    }
  if (u->epochs > 0)
    p->epochs = u->epochs;
  if (u->n_batches > 0)
    {
      p->n_batches = u->n_batches;
      p->remaining = u->remaining;
    }
  if (u->elapsed > 0)
    p->elapsed = u->elapsed;
  if (u->samples_per_second > 0)
    p->samples_per_second = u->samples_per_second;
  if (u->finished)
    p->finished = TRUE;
}

static const char *
state_text (BpWindow *self)
{
  if (self->loading)
    return "Loading…";
  if (self->data == NULL)
    return self->load_error ? "No data" : "";
  if (self->run == NULL)
    return "Ready";
  if (bp_run_is_alive (self->run))
    return bp_run_get_state (self->run) == BP_RUN_PAUSED ? "Paused" : "Training";
  if (g_error_matches (self->run_error, NN_ERROR, NN_ERROR_CANCELLED))
    return "Stopped";
  if (g_error_matches (self->run_error, NN_ERROR, NN_ERROR_DIVERGED))
    return "Diverged";
  if (self->run_error)
    return "Failed";
  return self->progress.finished ? "Finished" : "Ready";
}

static void
show_progress (BpWindow *self)
{
  const BpWindowProgress *p = &self->progress;
  double total, done;

  if (p->epochs > 0)
    set_label (self->epoch_label, "Epoch %d/%d",
               MIN (p->epoch + (p->batch > 0 ? 1 : 0), MAX (p->epochs, 1)), p->epochs);
  else
    set_label (self->epoch_label, "%s", "");
  if (p->n_batches > 0)
    set_label (self->batch_label, "Batch %d/%d",
               p->batch == 0 && p->epoch > 0 ? p->n_batches : p->batch, p->n_batches);
  else
    set_label (self->batch_label, "%s", "");
  if (p->samples_per_second > 0)
    {
      g_autofree char *rate = _bp_format_count ((size_t) (p->samples_per_second + 0.5));
      set_label (self->rate_label, "%s samples/s", rate);
    }
  else
    set_label (self->rate_label, "%s", "");
  if (p->elapsed > 0)
    {
      g_autofree char *elapsed = format_duration (p->elapsed);
      g_autofree char *left = p->remaining >= 0 ? format_duration (p->remaining) : NULL;

      if (left && !p->finished && bp_run_is_alive (self->run))
        set_label (self->time_label, "%s elapsed · %s left", elapsed, left);
      else
        set_label (self->time_label, "%s elapsed", elapsed);
    }
  else
    set_label (self->time_label, "%s", "");
  total = MAX (p->epochs, 1) * (double) MAX (p->n_batches, 1);
  done = p->epoch * (double) MAX (p->n_batches, 1) + p->batch;
  gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (done / total, 0.0, 1.0));
}

static void
show_result (BpWindow *self)
{
  if (self->test_n > 16)
    set_label (self->result_label, "Test: %.1f %% (%d/%d)",
               100.0 * self->test_correct / self->test_n, self->test_correct, self->test_n);
  else if (self->test_n > 0)
    set_label (self->result_label, "Test: %d/%d correct", self->test_correct, self->test_n);
  else if (self->data && !self->loading)
    set_label (self->result_label, "%s: %d training, %d test samples%s", self->data->title,
               self->data->n_train, self->data->test ? self->data->test->n : 0,
               self->data->source ? "" : " (generated)");
  else
    set_label (self->result_label, "%s", "");
}

void
_bp_window_update_status (BpWindow *self)
{
  set_label (self->state_label, "%s", state_text (self));
  show_result (self);
  /* While a set loads, the status line is the load's. */
  if (self->loading || self->run == NULL)
    {
      set_label (self->epoch_label, "%s", "");
      set_label (self->batch_label, "%s", "");
      set_label (self->rate_label, "%s", "");
      set_label (self->time_label, "%s", "");
      gtk_progress_bar_set_fraction (self->progress_bar, self->loading ? self->load_fraction : 0);
      return;
    }
  show_progress (self);
}

/* ---- for tests --------------------------------------------------------- */

char *
bp_window_dup_status (BpWindow *self, double *fraction)
{
  GtkLabel *labels[] = { self->state_label, self->epoch_label, self->batch_label,
                         self->rate_label, self->time_label, self->result_label };
  GString *text = g_string_new (NULL);

  g_return_val_if_fail (BP_IS_WINDOW (self), NULL);
  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    {
      const char *label = gtk_label_get_label (labels[i]);

      if (label[0] == '\0' || !gtk_widget_get_visible (GTK_WIDGET (labels[i])))
        continue;
      if (text->len > 0)
        g_string_append (text, " · ");
      g_string_append (text, label);
    }
  if (fraction)
    *fraction = gtk_progress_bar_get_fraction (self->progress_bar);
  return g_string_free (text, FALSE);
}
