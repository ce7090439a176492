/* bp-window-status.c: BpWindow's status line under the curves.
 *
 * The state, epoch, batch, speed, time and result labels and the progress
 * bar, from a run's update, from the test result or from the loaded data.
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

void
_bp_set_label (GtkLabel *label, const char *format, ...)
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
_bp_window_show_idle_status (BpWindow *self, const char *state)
{
  gtk_label_set_label (self->state_label, state);
  gtk_label_set_label (self->epoch_label, "");
  gtk_label_set_label (self->batch_label, "");
  gtk_label_set_label (self->rate_label, "");
  gtk_label_set_label (self->time_label, "");
  gtk_label_set_label (self->result_label, "");
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
}

void
_bp_window_show_update (BpWindow *self, const BpRunUpdate *u)
{
  double total, done;

  _bp_set_label (self->epoch_label, "Epoch %d/%d", MIN (u->epoch + (u->batch > 0 ? 1 : 0), MAX (u->epochs, 1)),
             u->epochs);
  if (u->n_batches > 0)
    _bp_set_label (self->batch_label, "Batch %d/%d",
               u->batch == 0 && u->epoch > 0 ? u->n_batches : u->batch, u->n_batches);
  if (u->samples_per_second > 0)
    {
      g_autofree char *rate = _bp_format_count ((size_t) (u->samples_per_second + 0.5));
      _bp_set_label (self->rate_label, "%s samples/s", rate);
    }
  if (u->elapsed > 0)
    {
      g_autofree char *elapsed = format_duration (u->elapsed);
      g_autofree char *left = u->remaining >= 0 ? format_duration (u->remaining) : NULL;

      if (left && !u->finished)
        _bp_set_label (self->time_label, "%s elapsed · %s left", elapsed, left);
      else
        _bp_set_label (self->time_label, "%s elapsed", elapsed);
    }
  total = MAX (u->epochs, 1) * (double) MAX (u->n_batches, 1);
  done = u->epoch * (double) MAX (u->n_batches, 1) + u->batch;
  gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (done / total, 0.0, 1.0));
}

void
_bp_window_show_result (BpWindow *self)
{
  if (self->test_n <= 0)
    {
      gtk_label_set_label (self->result_label, "");
      return;
    }
  if (self->test_n <= 16)
    _bp_set_label (self->result_label, "Test: %d/%d correct", self->test_correct, self->test_n);
  else
    _bp_set_label (self->result_label, "Test: %.1f %% (%d/%d)",
               100.0 * self->test_correct / self->test_n, self->test_correct, self->test_n);
}

void
_bp_window_show_data_summary (BpWindow *self)
{
  if (self->test_n > 0)
    _bp_window_show_result (self);
  else
    _bp_set_label (self->result_label, "%s: %d training, %d test samples%s", self->data->title,
               self->data->n_train, self->data->test ? self->data->test->n : 0,
               self->data->source ? "" : " (generated)");
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
