/* bp-window-shelf.c: a run put aside comes back with Undo.
 *
 * Train again, Reset, a new dataset, a new network: each ends the shown run
 * through _bp_window_reset_run(). Its record stays in the project (a trained
 * model is never thrown away), but the window moves on to other data, a
 * network or a new run, and nothing on screen leads back to it. So a run
 * that trained goes "on the shelf" and a toast offers Undo: the window
 * shows that record again as the current run, with the data, network and
 * settings it was trained with (its frozen copies), and Train continues it
 * where it stopped. The run of the moment stays in the project and goes on
 * the shelf in its turn, so Undo loses nothing either.
 */
#include "bp-window-private.h"

#include <math.h>

static void
offer_undo (BpWindow *self, const char *title)
{
  AdwToast *toast = adw_toast_new (title);

  adw_toast_set_button_label (toast, "_Undo");
  adw_toast_set_action_name (toast, "win.restore-run");
  adw_toast_set_timeout (toast, 10);
  /* No adw_toast_dismiss() of the one before: with libadwaita 1.2,
   * dismissing the toast on screen (or one its button had dismissed) and
   * adding the next crashed the overlay's animations. An older toast's Undo
   * brings back what is on the shelf now, which is the last run put aside:
   * what it offers. */
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* Called by _bp_window_reset_run() before the shown record is let go. */
void
_bp_window_shelve_run (BpWindow *self)
{
  const NnRunRecord *r;
  g_autofree char *title = NULL;
  float accuracy = NAN;

  if (self->closing || self->no_shelve || self->record == NULL
      || bp_run_record_is_empty (self->record))
    return;
  g_set_object (&self->shelf, self->record);
  r = bp_run_record_get_nn (self->record);
  for (guint i = r->epochs->len; i-- > 0 && isnan (accuracy);)
    accuracy = g_array_index (r->epochs, NnEpochPoint, i).test_accuracy;
  if (!isnan (accuracy))
    title = g_strdup_printf ("%s was put aside (test accuracy %.1f %%)", r->name,
                             100.0 * accuracy);
  else
    title = g_strdup_printf ("%s was put aside", r->name);
  offer_undo (self, title);
}

/* Shows the shelved record again as the current run, with what it was
 * trained on. */
static void
restore_run_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  BpWindow *self = BP_WINDOW (widget);
  g_autoptr(BpRunRecord) record = g_steal_pointer (&self->shelf);
  const NnRunRecord *r;
  BpProject *project = self->project;

  if (record == NULL)
    return;
  r = bp_run_record_get_nn (record);
  /* The current run is the last; the record is kept in the project, so
   * this moves it, it does not copy it. */
  bp_project_remove_run (project, record);
  bp_project_add_run (project, record);
  /* The document only: _bp_window_set_project() shows and loads it. */
  self->updating = TRUE;
  bp_project_set_spec (project, r->spec);
  bp_project_set_dataset (project, r->data.name);
  if (r->data.noise >= 0)
    bp_project_set_noise (project, r->data.noise);
  bp_project_set_n_samples (project, r->data.n_samples);
  bp_settings_set_config (bp_project_get_settings (project), &r->config);
  self->updating = FALSE;
  /* The run shown until now goes on the shelf; then the document is shown
   * as it now is: the network, the settings, the record's curves, and its
   * data loaded without a preset. */
  _bp_window_reset_run (self);
  _bp_window_set_project (self, project);
  bp_project_set_modified (project, TRUE);
}

void
_bp_window_class_init_shelf (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.restore-run", NULL, restore_run_action);
}
