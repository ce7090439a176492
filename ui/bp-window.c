/* bp-window.c: the workbench window.
 *
 * The window turns settings into an NnTrainConfig, the layer panel's spec
 * and the loaded NnData into a BpRun, and the run's coalesced updates into
 * curve points, status text and inspector states. Datasets load in a GTask
 * thread. Nothing here waits on the training thread: controls are requests
 * the trainer acts on at its next batch boundary, and the only join is in
 * bp_run_shutdown() when a run is thrown away or the window closes.
 *
 * This file is the layout, the lifecycle, the data and the runs; the
 * actions and their enabling are in bp-window-actions.c, the status line
 * in bp-window-status.c, and the actions that open files (export, save
 * model, dataset folder, CSV) in bp-window-files.c.
 */
#include "bp-window-private.h"

#include <math.h>

#include "bp-model.h"
#include "nn-presets.h"

G_DEFINE_FINAL_TYPE (BpWindow, bp_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_DATASET,
  PROP_LOADING,
  PROP_RUN_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

const BpDatasetEntry _bp_datasets[] = {
  { "xor",           "XOR",            0.0 },
  { "circles",       "Circles",        0.1 },
  { "spiral",        "Spiral",         0.2 },
  { "gaussians",     "Gaussians",      0.7 },
  { "regression",    "Regression",     1.0 },
  { "mnist",         "MNIST digits",   0.0 },
  { "fashion-mnist", "Fashion-MNIST",  0.0 },
  { "csv",           "CSV file…",      0.0 },
};
const guint _bp_n_datasets = G_N_ELEMENTS (_bp_datasets);

static const char *init_labels[] = {
  [NN_INIT_AUTO] = "Automatic",
  [NN_INIT_HE] = "He (normal)",
  [NN_INIT_GLOROT] = "Glorot (uniform)",
  [NN_INIT_UNIFORM] = "Uniform ±1",
  [NN_INIT_NORMAL] = "Normal, σ 0.01",
};

static void load_dataset   (BpWindow *self);
static void update_title   (BpWindow *self);
static void inspect_record (BpWindow *self);

/* ---- small helpers ----------------------------------------------------- */

void
_bp_window_toast (BpWindow *self, const char *format, ...)
{
  g_autofree char *text = NULL;
  AdwToast *toast;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  toast = adw_toast_new (text);
  adw_toast_set_timeout (toast, 4);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static int
dataset_index (const char *name)
{
  if (g_str_has_prefix (name, "csv:"))
    return _bp_n_datasets - 1;
  for (guint i = 0; i < _bp_n_datasets; i++)
    if (g_str_equal (_bp_datasets[i].name, name))
      return i;
  return -1;
}

/* Shows bp_project_get_dataset (self->project) in the dataset row without loading it again. */
void
_bp_window_select_dataset_row (BpWindow *self)
{
  int i = dataset_index (bp_project_get_dataset (self->project));

  if (i < 0)
    return;
  self->updating = TRUE;
  adw_combo_row_set_selected (self->dataset_row, i);
  self->updating = FALSE;
}

static BpPlot *
plot_for_curve (BpWindow *self, BpCurve curve)
{
  return curve % 2 == 0 ? self->loss_plot : self->accuracy_plot;
}

void
_bp_window_fill_config (BpWindow *self, NnTrainConfig *config)
{
  bp_settings_to_config (bp_project_get_settings (self->project), config);
  /* As many threads as the CLI would use (0: the trainer's policy). The
   * window's drawing delays one of them now and then; the caller then
   * takes over the delayed one's parts of a product instead of waiting
   * (see nn-kernels.c). */
  config->threads = self->blas_threads;
}

/* ---- runs -------------------------------------------------------------- */

void
_bp_window_set_run_state (BpWindow *self)
{
  BpRunState state = self->run ? bp_run_get_state (self->run) : BP_RUN_IDLE;

  if (state != self->run_state)
    {
      self->run_state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUN_STATE]);
    }
  _bp_window_update_status (self);
  _bp_window_update_actions (self);
}

/* Stops and joins the run's thread; its updates no longer reach us. */
static void
shutdown_run (BpWindow *self)
{
  if (self->run)
    {
      g_signal_handlers_disconnect_by_data (self->run, self);
      bp_run_shutdown (self->run);
    }
}

/* ---- the run's record and the curves ------------------------------------ */

/* The plots draw the record's points from these indices on. */
static void
feed_plots (BpWindow *self, guint first_batch, guint first_epoch)
{
  g_autoptr(GArray) xy = g_array_new (FALSE, FALSE, sizeof (double));

  for (int c = 0; c < BP_N_CURVES; c++)
    {
      gboolean per_batch = c == BP_CURVE_TRAIN_LOSS || c == BP_CURVE_TRAIN_ACCURACY;
      guint n;

      g_array_set_size (xy, 0);
      n = bp_run_record_get_curve (self->record, c, per_batch ? first_batch : first_epoch, xy);
      if (n > 0)
        bp_plot_append_many (plot_for_curve (self, c), self->series[c],
                             (const double *) xy->data, n);
    }
}

static void
on_record_points_added_cb (BpRunRecord *record, guint first_batch, guint first_epoch,
                           BpWindow *self)
{
  feed_plots (self, first_batch, first_epoch);
}

static void
add_lr_marker (BpWindow *self, guint i)
{
  const NnRunRecord *r = bp_run_record_get_nn (self->record);
  g_autofree char *label = g_strdup_printf ("lr %g", g_array_index (r->lr_changes,
                                                                    NnLrChange, i).lr);
  double x = bp_run_record_get_lr_change_x (self->record, i);

  bp_plot_add_marker (self->loss_plot, x, label);
  bp_plot_add_marker (self->accuracy_plot, x, label);
}

/* Shows @record's curves (NULL: none) and follows its new points. */
static void
show_record (BpWindow *self, BpRunRecord *record)
{
  if (self->record)
    g_signal_handlers_disconnect_by_data (self->record, self);
  g_set_object (&self->record, record);
  bp_plot_clear (self->loss_plot);
  bp_plot_clear (self->accuracy_plot);
  if (record == NULL)
    return;
  feed_plots (self, 0, 0);
  for (guint i = 0; i < bp_run_record_get_nn (record)->lr_changes->len; i++)
    add_lr_marker (self, i);
  g_signal_connect (record, "points-added", G_CALLBACK (on_record_points_added_cb), self);
}

/* Stops and joins the current run and clears the curves and the views. Its
 * record stays in the project (unless it has no point at all): a trained
 * model is not thrown away. */
void
_bp_window_reset_run (BpWindow *self)
{
  shutdown_run (self);
  /* A run that trained can be brought back from the toast. */
  _bp_window_shelve_run (self);
  g_clear_object (&self->run);
  g_clear_error (&self->run_error);
  if (self->record && bp_run_record_is_empty (self->record))
    bp_project_remove_run (self->project, self->record);
  show_record (self, NULL);
  g_clear_pointer (&self->pending_inspect, bp_inspect_state_unref);
  bp_inspector_apply (self->inspector, NULL);
  self->test_correct = self->test_n = 0;
  self->samples_per_second = 0.0;
  self->run_stale = FALSE;
  self->progress = (BpWindowProgress) { 0 };
  _bp_window_set_run_state (self);
}

static void
run_ended (BpWindow *self, const BpRunUpdate *u)
{
  if (u->error == NULL)
    {
      if (self->test_n > 0)
        _bp_window_toast (self, "Training finished: %d of %d test samples correct",
                          self->test_correct, self->test_n);
      else
        _bp_window_toast (self, "Training finished");
      return;
    }

  self->run_error = g_error_copy (u->error);
  if (g_error_matches (u->error, NN_ERROR, NN_ERROR_CANCELLED))
    return;
  if (g_error_matches (u->error, NN_ERROR, NN_ERROR_DIVERGED))
    {
      GtkWidget *dialog;

      /* The weights are NaN now: the next Train starts over. */
      self->run_stale = TRUE;
      dialog = adw_message_dialog_new (GTK_WINDOW (self), "Training Diverged", NULL);
      adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                      "%s The network and the curves so far are kept; Train "
                                      "starts over with new weights.", u->error->message);
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", "_Close");
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }
  _bp_window_toast (self, "Training failed: %s", u->error->message);
}

static void
apply_pending_inspect (BpWindow *self)
{
  g_autoptr(BpInspectState) state = g_steal_pointer (&self->pending_inspect);

  if (state)
    bp_inspector_apply (self->inspector, state);
}

static void
on_inspector_map_cb (GtkWidget *inspector, BpWindow *self)
{
  apply_pending_inspect (self);
}

static void
on_run_update_cb (BpRun *run, BpRunUpdate *u, BpWindow *self)
{
  /* An update posted by a run that was since replaced. */
  if (run != self->run)
    return;

  if (self->record)
    {
      bp_run_record_append (self->record, (const NnBatchPoint *) u->batches->data,
                            u->batches->len, (const NnEpochPoint *) u->epoch_points->data,
                            u->epoch_points->len);
      if (u->train_state)
        bp_run_record_take_state (self->record, nn_train_state_copy (u->train_state));
      if (u->train_state && self->pending_save)
        _bp_window_save_pending (self);
      if (u->finished)
        bp_run_record_set_status (self->record,
                                  u->error == NULL ? NN_RUN_FINISHED
                                  : g_error_matches (u->error, NN_ERROR, NN_ERROR_CANCELLED)
                                  ? NN_RUN_STOPPED : NN_RUN_FAILED);
      if (u->train_state)
        _bp_window_autosave_state_came (self);
    }
  if (u->test_accuracy >= 0)
    {
      self->test_correct = u->test_correct;
      self->test_n = u->test_n;
    }
  if (u->epoch_samples_per_second > 0)
    self->samples_per_second = u->epoch_samples_per_second;
  if (u->inspect)
    {
      g_clear_pointer (&self->pending_inspect, bp_inspect_state_unref);
      self->pending_inspect = bp_inspect_state_ref (u->inspect);
    }
  /* Handing a state to the views rebuilds their models (hundreds of
   * mistakes for MNIST: 15-20 ms of the main loop at every epoch end), so
   * while a run streams and the views are off screen only the newest
   * state is kept; it is applied when they are shown or the run stops. */
  if (self->pending_inspect
      && (u->finished || u->state != BP_RUN_RUNNING
          || gtk_widget_get_mapped (GTK_WIDGET (self->inspector))))
    apply_pending_inspect (self);
  _bp_window_take_progress (self, u);
  if (u->finished)
    run_ended (self, u);
  _bp_window_set_run_state (self);
}

/* The record shown has a state that continues with the network in the
 * panel, the data loaded and @config (the epochs may have grown). */
static gboolean
record_can_continue (BpWindow *self, const NnTrainConfig *config)
{
  const NnRunRecord *r;
  g_autofree char *spec = NULL;

  if (self->record == NULL)
    return FALSE;
  r = bp_run_record_get_nn (self->record);
  if (r->state == NULL || r->status == NN_RUN_FAILED || r->state->epoch >= config->epochs)
    return FALSE;
  spec = nn_net_spec_to_string (bp_layer_panel_get_spec (self->panel));
  return g_strcmp0 (spec, r->spec) == 0
         && g_strcmp0 (r->data.name, bp_project_get_dataset (self->project)) == 0
         && r->config.loss == config->loss && r->config.optim.kind == config->optim.kind
         && r->config.batch_size == config->batch_size && r->config.init == config->init
         && r->config.seed == config->seed;
}

/* A record for the run just made, added to the project and shown. */
static void
new_record (BpWindow *self, const NnTrainConfig *config)
{
  g_autofree char *spec = nn_net_spec_to_string (bp_layer_panel_get_spec (self->panel));
  g_autofree char *name = NULL;
  g_autoptr(BpRunRecord) record = NULL;
  NnDataChoice choice;

  bp_project_get_data_choice (self->project, &choice);
  name = g_strdup_printf ("Run %u", g_list_model_get_n_items (bp_project_get_runs (self->project))
                                    + 1);
  record = bp_run_record_new (name, spec, self->data->train->shape, &choice, config,
                              self->data->class_names);
  nn_data_choice_clear (&choice);
  bp_project_add_run (self->project, record);
  show_record (self, record);
}

/* Makes sure there is a run that can go on: the current one unless it is
 * done, stale or gone; otherwise a fresh one. */
gboolean
_bp_window_ensure_run (BpWindow *self)
{
  g_autoptr(GError) error = NULL;
  NnTrainConfig config;
  BpRun *run;

  if (self->data == NULL || self->loading || !bp_layer_panel_get_valid (self->panel))
    return FALSE;
  if (self->run && !self->run_stale
      && (bp_run_is_alive (self->run) || bp_run_get_epochs_left (self->run) > 0))
    return TRUE;

  _bp_window_fill_config (self, &config);
  /* A record opened from a file (or a model) goes on where it stopped, if
   * it is the same network, data and settings. */
  if (self->run == NULL && !self->run_stale && record_can_continue (self, &config))
    {
      const NnRunRecord *r = bp_run_record_get_nn (self->record);

      run = bp_run_new_from_state (bp_layer_panel_get_spec (self->panel), self->data, &config,
                                   r->state, &error);
      if (run != NULL)
        {
          self->run = run;
          g_signal_connect (run, "update", G_CALLBACK (on_run_update_cb), self);
          return TRUE;
        }
      _bp_window_toast (self, "The saved run cannot go on, a new one starts: %s", error->message);
      g_clear_error (&error);
    }

  _bp_window_reset_run (self);
  run = bp_run_new (bp_layer_panel_get_spec (self->panel), self->data, &config, &error);
  if (run == NULL)
    {
      _bp_window_toast (self, "Could not start training: %s", error->message);
      return FALSE;
    }
  self->run = run;
  g_signal_connect (run, "update", G_CALLBACK (on_run_update_cb), self);
  new_record (self, &config);
  return TRUE;
}

/* ---- the panel and the settings --------------------------------------- */

static void
on_reset_confirm_cb (AdwMessageDialog *dialog, const char *response, BpWindow *self)
{
  if (g_str_equal (response, "reset"))
    {
      _bp_window_reset_run (self);
      return;
    }
  self->reverting = TRUE;
  bp_layer_panel_revert (self->panel);
  self->reverting = FALSE;
  /* "Keep Training" means it: the run goes on if it was going. */
  if (self->resume_on_keep && self->run && bp_run_is_alive (self->run))
    {
      bp_run_resume (self->run);
    }
  _bp_window_set_run_state (self);
}

static void
on_panel_changed_cb (BpWindow *self, BpLayerPanel *panel)
{
  g_autofree char *spec = nn_net_spec_to_string (bp_layer_panel_get_spec (panel));

  bp_project_set_spec (self->project, spec);
  if (!self->reverting && self->run != NULL)
    {
      if (bp_run_is_alive (self->run))
        {
          GtkWidget *dialog;

          /* Pause while the user decides; the edit is already shown. */
          self->resume_on_keep = bp_run_get_state (self->run) == BP_RUN_RUNNING;
          bp_run_pause (self->run);
          _bp_window_set_run_state (self);
          dialog = adw_message_dialog_new (GTK_WINDOW (self), "Reset the Run?",
                                           "Changing the network starts training over with new "
                                           "weights; the curves of this run are cleared.");
          adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                            "cancel", "_Keep Training",
                                            "reset", "_Reset",
                                            NULL);
          adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "reset",
                                                      ADW_RESPONSE_DESTRUCTIVE);
          adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
          g_signal_connect_object (dialog, "response", G_CALLBACK (on_reset_confirm_cb), self, 0);
          gtk_window_present (GTK_WINDOW (dialog));
        }
      else
        self->run_stale = TRUE;
    }
  _bp_window_update_actions (self);
}

static void
on_panel_valid_cb (BpWindow *self, GParamSpec *pspec, BpLayerPanel *panel)
{
  _bp_window_update_actions (self);
}

static void
on_panel_preset_applied_cb (BpWindow *self, const char *name, BpLayerPanel *panel)
{
  const NnPreset *preset = nn_preset_find (name);

  if (preset == NULL)
    return;
  self->updating = TRUE;
  g_object_set (bp_project_get_settings (self->project),
                "loss", (guint) preset->loss,
                "optimizer", (guint) preset->optim,
                "learning-rate", (double) preset->lr,
                "batch-size", preset->batch_size,
                "epochs", preset->epochs,
                NULL);
  self->updating = FALSE;
  if (self->run)
    self->run_stale = TRUE;
}

static void
on_train_option_changed_cb (BpWindow *self)
{
  if (self->updating || self->run == NULL)
    return;
  /* Loss, optimizer, batch size and initialisation shape a run from its
   * start: they apply to the next one. */
  self->run_stale = TRUE;
  if (bp_run_is_alive (self->run))
    _bp_window_toast (self, "The new setting applies to the next run");
}

static void
on_learning_rate_changed_cb (BpWindow *self)
{
  double lr = bp_settings_get_learning_rate (bp_project_get_settings (self->project));

  if (self->updating || self->run == NULL || self->run_stale)
    return;
  bp_run_set_lr (self->run, (float) lr);
  if (self->record && !bp_run_record_is_empty (self->record))
    {
      bp_run_record_add_lr_change (self->record, (float) lr);
      add_lr_marker (self, bp_run_record_get_nn (self->record)->lr_changes->len - 1);
    }
}

static void
on_epochs_changed_cb (BpWindow *self)
{
  if (self->updating || self->run == NULL)
    return;
  bp_run_set_epochs (self->run, bp_settings_get_epochs (bp_project_get_settings (self->project)));
  _bp_window_update_actions (self);
}

static void
on_data_option_changed_cb (BpWindow *self)
{
  if (self->updating)
    return;
  load_dataset (self);
}

static void
on_dataset_row_selected_cb (BpWindow *self)
{
  guint i = adw_combo_row_get_selected (self->dataset_row);

  if (self->updating || i >= _bp_n_datasets)
    return;
  if (g_str_equal (_bp_datasets[i].name, "csv"))
    {
      _bp_window_choose_csv (self);
      return;
    }
  bp_window_set_dataset (self, _bp_datasets[i].name);
}

/* ---- datasets ---------------------------------------------------------- */

static void
on_load_progress_cb (double fraction, gpointer user_data)
{
  BpWindow *self = user_data;

  if (!self->loading)
    return;
  self->load_fraction = fraction;
  gtk_progress_bar_set_fraction (self->progress_bar, fraction);
}

static void
on_not_found_response_cb (AdwMessageDialog *dialog, const char *response, BpWindow *self)
{
  if (g_str_equal (response, "choose"))
    _bp_window_choose_data_folder (self, g_object_get_data (G_OBJECT (dialog), "dataset"));
}

/* The rows that only those sets use. */
static void
show_data_rows (BpWindow *self)
{
  gboolean shown = bp_dataset_has_sample_options (bp_project_get_dataset (self->project));

  gtk_widget_set_visible (GTK_WIDGET (self->noise_row), shown);
  gtk_widget_set_visible (GTK_WIDGET (self->samples_row), shown);
}

static void
set_loading (BpWindow *self, gboolean loading)
{
  if (self->loading == loading)
    return;
  self->loading = loading;
  self->load_fraction = 0.0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

/* A load ended, with @data or @error (for @name). */
static void
load_finished (BpWindow *self, const char *name, NnData *data_in, const GError *error)
{
  g_autoptr(NnData) data = data_in;
  gboolean new_dataset;

  g_clear_object (&self->load_cancellable);
  set_loading (self, FALSE);
  if (data == NULL)
    self->restoring = FALSE;

  if (data == NULL && self->data != NULL)
    {
      /* Back to the set that is still loaded, with its run (paused) and
       * its curves: a bad file or a missing folder costs the user nothing. */
      self->updating = TRUE;
      bp_project_set_dataset (self->project, self->loaded_name);
      self->updating = FALSE;
      _bp_window_select_dataset_row (self);
      show_data_rows (self);
      bp_layer_panel_set_data (self->panel, self->loaded_name, self->data->train->shape,
                               nn_dataset_n_outputs (self->data->train));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATASET]);
    }
  else if (data == NULL)
    {
      g_free (self->load_error);
      self->load_error = g_strdup (error->message);
      bp_layer_panel_set_data (self->panel, name, nn_shape_1d (0), 0);
    }
  if (data == NULL)
    {
      _bp_window_update_status (self);
      if (g_error_matches (error, NN_ERROR, NN_ERROR_NOT_FOUND))
        {
          GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), "Dataset Not Found",
                                                      NULL);

          adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog), error->message);
          adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                            "cancel", "_Cancel",
                                            "choose", "_Choose Folder…",
                                            NULL);
          adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "choose",
                                                      ADW_RESPONSE_SUGGESTED);
          adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "choose");
          g_object_set_data_full (G_OBJECT (dialog), "dataset", g_strdup (name), g_free);
          g_signal_connect_object (dialog, "response", G_CALLBACK (on_not_found_response_cb),
                                   self, 0);
          gtk_window_present (GTK_WINDOW (dialog));
        }
      else
        _bp_window_toast (self, "Could not load %s: %s", name, error->message);
      _bp_window_update_actions (self);
      return;
    }

  /* The run trained on the old data; new data means a new run. Unless the
   * data is an opened project's: its run is the one to show. */
  if (!self->restoring)
    {
      if (self->run && bp_run_is_alive (self->run))
        _bp_window_toast (self, "Training was reset for the new data");
      _bp_window_reset_run (self);
    }
  g_clear_pointer (&self->load_error, g_free);
  new_dataset = g_strcmp0 (self->loaded_name, data->name) != 0;
  g_free (self->loaded_name);
  self->loaded_name = g_strdup (data->name);
  g_clear_pointer (&self->data, nn_data_unref);
  self->data = g_steal_pointer (&data);

  bp_layer_panel_set_data (self->panel, name, self->data->train->shape,
                           nn_dataset_n_outputs (self->data->train));
  if (self->restoring)
    {
      self->restoring = FALSE;
      self->first_load = FALSE;
      inspect_record (self);
    }
  else if (new_dataset)
    {
      const NnPreset *preset = nn_preset_for_dataset (name);

      if (preset)
        bp_layer_panel_apply_preset (self->panel, preset);
      if (self->first_load)
        {
          bp_layer_panel_clear_history (self->panel);
          /* The network and settings the app starts with are not an edit. */
          bp_project_set_modified (self->project, FALSE);
        }
      self->first_load = FALSE;
    }
  g_settings_set_string (self->settings, "last-dataset", name);
  bp_plot_set_log_y (self->loss_plot, TRUE);
  _bp_window_update_status (self);
  _bp_window_update_actions (self);
}

static void
load_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(BpWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  NnData *data = bp_data_load_finish (result, &error);

  /* A newer load started, or the window is closing. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->closing
      || g_task_get_cancellable (G_TASK (result)) != self->load_cancellable)
    {
      g_clear_pointer (&data, nn_data_unref);
      return;
    }
  load_finished (self, bp_data_load_get_name (result), data, error);
}

static void
load_dataset (BpWindow *self)
{
  const char *name = bp_project_get_dataset (self->project);
  g_autofree char *folder = NULL;
  NnDataOptions opts;

  /* The data and the run stay until the new set has loaded (a failed
   * load goes back to them); the worker waits meanwhile. */
  if (self->run && bp_run_is_alive (self->run))
    bp_run_pause (self->run);

  folder = g_settings_get_string (self->settings, "data-folder");
  bp_project_get_data_options (self->project, &opts);
  opts.data_dir = folder[0] ? folder : NULL;
  if (self->load_cancellable)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  self->load_cancellable = g_cancellable_new ();

  show_data_rows (self);
  bp_layer_panel_set_data (self->panel, name, nn_shape_1d (0), 0);
  set_loading (self, TRUE);
  _bp_window_update_status (self);
  _bp_window_update_actions (self);

  /* Generated sets take a millisecond: no thread, no flicker. */
  if (nn_data_is_generated (name))
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *copy = g_strdup (name);
      NnData *data = nn_data_load (copy, &opts, &error);

      load_finished (self, copy, data, error);
      return;
    }
  bp_data_load_async (G_OBJECT (self), name, &opts, self->load_cancellable, on_load_progress_cb,
                      load_done_cb, g_object_ref (self));
}

void
_bp_window_reload (BpWindow *self)
{
  load_dataset (self);
}

void
bp_window_set_dataset (BpWindow *self, const char *name)
{
  int i;

  g_return_if_fail (BP_IS_WINDOW (self));
  g_return_if_fail (name != NULL);

  i = dataset_index (name);
  if (i < 0)
    {
      _bp_window_toast (self, "There is no dataset called “%s”.", name);
      return;
    }
  self->updating = TRUE;
  bp_project_set_dataset (self->project, name);
  adw_combo_row_set_selected (self->dataset_row, i);
  if (_bp_datasets[i].noise > 0)
    bp_project_set_noise (self->project, _bp_datasets[i].noise);
  self->updating = FALSE;

  load_dataset (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATASET]);
}

/* ---- GObject ----------------------------------------------------------- */

static gboolean
bp_window_close_request (GtkWindow *window)
{
  BpWindow *self = BP_WINDOW (window);
  int width, height;

  /* Unsaved changes: ask first (Save, Discard, Cancel); the answer closes
   * the window again, or not. */
  if (!self->close_confirmed && bp_project_get_modified (self->project))
    {
      _bp_window_confirm_discard (self, "close");
      return TRUE;
    }
  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));

  /* Stop the worker now rather than when the last reference goes. */
  self->closing = TRUE;
  shutdown_run (self);
  /* A clean end: what is unsaved was dropped on purpose. */
  _bp_window_end_autosave (self, TRUE);
  return GTK_WINDOW_CLASS (bp_window_parent_class)->close_request (window);
}

static void unbind_document (BpWindow *self);

static void
bp_window_dispose (GObject *object)
{
  BpWindow *self = BP_WINDOW (object);

  self->closing = TRUE;
  shutdown_run (self);
  /* Gone without closing (destroyed): the autosave stays for next time. */
  _bp_window_end_autosave (self, FALSE);
  g_clear_object (&self->run);
  g_clear_object (&self->shelf);
  if (self->record)
    g_signal_handlers_disconnect_by_data (self->record, self);
  g_clear_object (&self->record);
  if (self->load_cancellable)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  g_clear_pointer (&self->pending_inspect, bp_inspect_state_unref);
  /* The project may outlive the window (a caller's reference): its
   * notifications must not reach a window that is gone. */
  unbind_document (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), BP_TYPE_WINDOW);
  G_OBJECT_CLASS (bp_window_parent_class)->dispose (object);
}

static void
bp_window_finalize (GObject *object)
{
  BpWindow *self = BP_WINDOW (object);

  g_clear_pointer (&self->data, nn_data_unref);
  g_clear_pointer (&self->loaded_name, g_free);
  g_clear_pointer (&self->load_error, g_free);
  g_clear_error (&self->run_error);
  g_clear_object (&self->settings);
  g_clear_object (&self->project);
  g_clear_pointer (&self->bindings, g_ptr_array_unref);
  g_clear_object (&self->pending_save);
  g_clear_pointer (&self->pending_then, g_free);
  G_OBJECT_CLASS (bp_window_parent_class)->finalize (object);
}

static void
bp_window_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  BpWindow *self = BP_WINDOW (object);

  switch (prop_id)
    {
    case PROP_DATASET:
      g_value_set_string (value, bp_project_get_dataset (self->project));
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    case PROP_RUN_STATE:
      g_value_set_int (value, self->run_state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bp_window_class_init (BpWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = bp_window_dispose;
  object_class->finalize = bp_window_finalize;
  object_class->get_property = bp_window_get_property;
  window_class->close_request = bp_window_close_request;

  properties[PROP_DATASET] =
    g_param_spec_string ("dataset", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUN_STATE] =
    g_param_spec_int ("run-state", NULL, NULL, BP_RUN_IDLE, BP_RUN_PAUSED, BP_RUN_IDLE,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (BP_TYPE_INSPECTOR);
  g_type_ensure (BP_TYPE_LAYER_PANEL);
  g_type_ensure (BP_TYPE_PLOT);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/backprop/Backprop/bp-window.ui");
  gtk_widget_class_bind_template_child (widget_class, BpWindow, accuracy_plot);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, batch_label);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, batch_spin);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, dataset_row);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, epoch_label);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, epochs_spin);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, flap);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, init_row);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, inspector);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, loss_plot);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, loss_row);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, lr_spin);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, noise_row);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, noise_spin);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, optimizer_row);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, panel);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, pause_button);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, recent_menu);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, rate_label);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, result_label);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, samples_row);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, samples_spin);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, seed_spin);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, state_label);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, project_title);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, time_label);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, train_button);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, val_spin);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, view_stack);
  gtk_widget_class_bind_template_callback (widget_class, on_dataset_row_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_panel_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_panel_preset_applied_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_panel_valid_cb);

  _bp_window_class_init_actions (widget_class);
  _bp_window_class_init_files (widget_class);
  _bp_window_class_init_shelf (widget_class);

}

static GListModel *
string_model (const char * const *strings, guint n)
{
  GtkStringList *list = gtk_string_list_new (NULL);

  for (guint i = 0; i < n; i++)
    gtk_string_list_append (list, strings[i]);
  return G_LIST_MODEL (list);
}

/* The widgets that edit the document show its properties, both ways; the
 * window reacts to the document's notifications, not to the widgets. */
static void
bind_document (BpWindow *self)
{
  const GBindingFlags flags = G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE;
  BpSettings *settings = bp_project_get_settings (self->project);
  static const struct { const char *property; gsize widget; const char *widget_property; } binds[] = {
    { "loss", G_STRUCT_OFFSET (BpWindow, loss_row), "selected" },
    { "optimizer", G_STRUCT_OFFSET (BpWindow, optimizer_row), "selected" },
    { "init", G_STRUCT_OFFSET (BpWindow, init_row), "selected" },
    { "learning-rate", G_STRUCT_OFFSET (BpWindow, lr_spin), "value" },
    { "batch-size", G_STRUCT_OFFSET (BpWindow, batch_spin), "value" },
    { "epochs", G_STRUCT_OFFSET (BpWindow, epochs_spin), "value" },
    { "seed", G_STRUCT_OFFSET (BpWindow, seed_spin), "value" },
    { "val-fraction", G_STRUCT_OFFSET (BpWindow, val_spin), "value" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (binds); i++)
    g_ptr_array_add (self->bindings,
                     g_object_bind_property (settings, binds[i].property,
                                             G_STRUCT_MEMBER (GObject *, self, binds[i].widget),
                                             binds[i].widget_property, flags));
  g_ptr_array_add (self->bindings,
                   g_object_bind_property (self->project, "noise", self->noise_spin, "value",
                                           flags));
  g_ptr_array_add (self->bindings,
                   g_object_bind_property (self->project, "n-samples", self->samples_spin,
                                           "value", flags));
  g_signal_connect_swapped (self->project, "notify::modified", G_CALLBACK (update_title), self);
  g_signal_connect_swapped (self->project, "notify::title", G_CALLBACK (update_title), self);

  g_signal_connect_swapped (settings, "notify::loss", G_CALLBACK (on_train_option_changed_cb), self);
  g_signal_connect_swapped (settings, "notify::optimizer", G_CALLBACK (on_train_option_changed_cb),
                            self);
  g_signal_connect_swapped (settings, "notify::init", G_CALLBACK (on_train_option_changed_cb), self);
  g_signal_connect_swapped (settings, "notify::batch-size", G_CALLBACK (on_train_option_changed_cb),
                            self);
  g_signal_connect_swapped (settings, "notify::learning-rate",
                            G_CALLBACK (on_learning_rate_changed_cb), self);
  g_signal_connect_swapped (settings, "notify::epochs", G_CALLBACK (on_epochs_changed_cb), self);
  g_signal_connect_swapped (settings, "notify::seed", G_CALLBACK (on_data_option_changed_cb), self);
  g_signal_connect_swapped (settings, "notify::val-fraction", G_CALLBACK (on_data_option_changed_cb),
                            self);
  g_signal_connect_swapped (self->project, "notify::noise", G_CALLBACK (on_data_option_changed_cb),
                            self);
  g_signal_connect_swapped (self->project, "notify::n-samples",
                            G_CALLBACK (on_data_option_changed_cb), self);
}

static void
update_title (BpWindow *self)
{
  g_autofree char *name = NULL, *title = NULL, *window_title = NULL, *where = NULL;
  g_autoptr(GFile) folder = NULL;
  GFile *file;

  if (self->project == NULL)
    return;
  name = bp_project_dup_title (self->project);
  title = g_strdup_printf ("%s%s", bp_project_get_modified (self->project) ? "• " : "", name);
  window_title = g_strdup_printf ("%s — Backprop", title);
  file = bp_project_get_file (self->project);
  folder = file ? g_file_get_parent (file) : NULL;

  /* The folder under the name, as GNOME Text Editor shows it: home as "~". */
  if (folder && g_file_is_native (folder))
    {
      g_autofree char *path = g_file_get_path (folder);
      const char *home = g_get_home_dir ();
      size_t n = strlen (home);

      if (strncmp (path, home, n) == 0 && (path[n] == '\0' || path[n] == '/'))
        where = g_strconcat ("~", path + n, NULL);
      else
        where = g_steal_pointer (&path);
    }
  else if (folder)
    where = g_file_get_uri (folder);
  adw_window_title_set_title (self->project_title, title);
  /* The header's own title shows only when the switcher does not fit; the
   * panel's names the project unless the panel is folded away. */
  adw_view_switcher_title_set_title (self->switcher_title,
                                     adw_flap_get_folded (self->flap) ? title : "");
  adw_window_title_set_subtitle (self->project_title, where ? where : "");
  gtk_window_set_title (GTK_WINDOW (self), window_title);
}

static gboolean
update_title_idle_cb (gpointer data)
{
  update_title (data);
  return G_SOURCE_REMOVE;
}

/* The panel folds during an allocation: a title changed then would resize
 * the header bar in the middle of it, so it changes just after. */
static void
on_folded_cb (BpWindow *self)
{
  g_idle_add_full (G_PRIORITY_HIGH_IDLE, update_title_idle_cb, g_object_ref (self),
                   g_object_unref);
}

static void
unbind_document (BpWindow *self)
{
  for (guint i = 0; i < self->bindings->len; i++)
    g_binding_unbind (g_ptr_array_index (self->bindings, i));
  g_ptr_array_set_size (self->bindings, 0);
  g_signal_handlers_disconnect_by_data (bp_project_get_settings (self->project), self);
  g_signal_handlers_disconnect_by_data (self->project, self);
}

/* The inspector shows the opened record's network, once its data is here;
 * computed on a thread, as a run's states are. */
typedef struct
{
  BpRunRecord  *record;       /* the one it is for: a newer one drops the result */
  char         *spec;
  NnShape       in_shape;
  NnTrainState *state;
  NnLossKind    loss;
  NnData       *data;
} InspectJob;

static void
inspect_job_free (gpointer data)
{
  InspectJob *job = data;

  g_clear_object (&job->record);
  g_free (job->spec);
  nn_train_state_free (job->state);
  nn_data_unref (job->data);
  g_free (job);
}

static void
inspect_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  InspectJob *job = task_data;
  GError *error = NULL;
  NnNetwork *net = bp_network_new_from_state (job->spec, job->in_shape, job->state, &error);

  if (net == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, bp_inspect_state_compute (net, job->data, job->loss, NULL,
                                                         job->state->epoch, job->state->step),
                         (GDestroyNotify) bp_inspect_state_unref);
  nn_network_free (net);
}

static void
inspect_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  BpWindow *self = BP_WINDOW (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(BpInspectState) state = g_task_propagate_pointer (G_TASK (result), &error);
  InspectJob *job = g_task_get_task_data (G_TASK (result));

  /* Closing, another record shown, or a run has its own states now. */
  if (self->closing || job->record != self->record || self->run != NULL)
    return;
  if (state == NULL)
    {
      if (error)
        _bp_window_toast (self, "Could not show the saved network: %s", error->message);
      return;
    }
  if (state->test && state->data->test && state->data->test->task == NN_TASK_CLASSIFICATION)
    {
      self->test_correct = state->test->n_correct;
      self->test_n = state->test->n;
    }
  bp_inspector_apply (self->inspector, state);
  _bp_window_update_status (self);
}

static void
inspect_record (BpWindow *self)
{
  g_autoptr(GTask) task = NULL;
  const NnRunRecord *r;
  InspectJob *job;

  if (self->record == NULL || self->data == NULL)
    return;
  r = bp_run_record_get_nn (self->record);
  if (r->state == NULL || g_strcmp0 (r->data.name, self->data->name) != 0)
    return;
  job = g_new0 (InspectJob, 1);
  job->record = g_object_ref (self->record);
  job->spec = g_strdup (r->spec);
  job->in_shape = r->in_shape;
  job->state = nn_train_state_copy (r->state);
  job->loss = r->config.loss;
  job->data = nn_data_ref (self->data);
  task = g_task_new (self, NULL, inspect_done_cb, NULL);
  g_task_set_name (task, "bp-inspect-record");
  g_task_set_task_data (task, job, inspect_job_free);
  g_task_run_in_thread (task, inspect_thread);
}

/* Shows @project instead of the current document (which is dropped: the
 * caller asked about unsaved changes): its network in the panel, its
 * settings in the widgets, its current run's curves; then loads its data.
 * Train continues that run where it stopped. */
void
_bp_window_set_project (BpWindow *self, BpProject *project)
{
  g_autoptr(NnNetSpec) spec = NULL;
  const char *dataset = bp_project_get_dataset (project);
  BpRunRecord *current = bp_project_get_current_run (project);
  int i;

  g_return_if_fail (BP_IS_PROJECT (project));

  /* Another document: the run put aside was the old one's. */
  if (project != self->project)
    {
      g_clear_object (&self->shelf);
      self->no_shelve = TRUE;
    }
  _bp_window_reset_run (self);
  self->no_shelve = FALSE;
  unbind_document (self);
  g_set_object (&self->project, project);
  i = dataset_index (dataset);
  /* The noise spin cannot show "the set's own" (a file from backprop-cli
   * says -1): show the value nn_data_load() uses for it. */
  if (bp_project_get_noise (project) < 0 && i >= 0 && _bp_datasets[i].noise > 0)
    bp_project_set_noise (project, _bp_datasets[i].noise);
  self->updating = TRUE;
  bind_document (self);
  if (i >= 0)
    adw_combo_row_set_selected (self->dataset_row, i);
  self->updating = FALSE;

  spec = nn_net_spec_parse (bp_project_get_spec (project), NULL);
  self->reverting = TRUE;
  if (spec)
    bp_layer_panel_set_spec (self->panel, spec);
  bp_layer_panel_clear_history (self->panel);
  self->reverting = FALSE;
  show_record (self, current);
  /* Showing it is not editing it. */
  bp_project_set_modified (project, FALSE);
  update_title (self);

  /* A document with a network of its own keeps it: the dataset's preset
   * is for a new one. (An opened project without runs, or an autosave
   * made before the first run, lost its network to the preset.) */
  self->restoring = current != NULL || bp_project_get_spec (project)[0] != '\0';
  self->first_load = !self->restoring;
  g_free (self->loaded_name);
  self->loaded_name = NULL;
  load_dataset (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATASET]);
}

BpProject *
_bp_window_get_project (BpWindow *self)
{
  return self->project;
}

static void
bp_window_init (BpWindow *self)
{
  const char *titles[G_N_ELEMENTS (_bp_datasets)];
  const char *losses[NN_N_LOSSES];
  const char *optims[NN_N_OPTIMS];
  g_autoptr(GListModel) datasets = NULL;
  g_autoptr(GListModel) loss_model = NULL;
  g_autoptr(GListModel) optim_model = NULL;
  g_autoptr(GListModel) init_model = NULL;
  g_autofree char *last = NULL;
  int width, height;

  gtk_widget_init_template (GTK_WIDGET (self));
  _bp_window_init_actions (self);
  _bp_window_init_files (self);
  _bp_window_init_autosave (self);
  g_signal_connect (self->inspector, "map", G_CALLBACK (on_inspector_map_cb), self);

  self->settings = g_settings_new ("io.github.backprop.Backprop");
  self->project = bp_project_new ();
  self->bindings = g_ptr_array_new ();
  g_signal_connect_swapped (self->flap, "notify::folded", G_CALLBACK (on_folded_cb), self);
  self->first_load = TRUE;
  self->blas_threads = 0;

  for (guint i = 0; i < _bp_n_datasets; i++)
    titles[i] = _bp_datasets[i].title;
  for (int i = 0; i < NN_N_LOSSES; i++)
    losses[i] = nn_loss_label (i);
  for (int i = 0; i < NN_N_OPTIMS; i++)
    optims[i] = nn_optim_label (i);
  datasets = string_model (titles, _bp_n_datasets);
  loss_model = string_model (losses, NN_N_LOSSES);
  optim_model = string_model (optims, NN_N_OPTIMS);
  init_model = string_model (init_labels, G_N_ELEMENTS (init_labels));

  self->updating = TRUE;
  adw_combo_row_set_model (self->dataset_row, datasets);
  adw_combo_row_set_model (self->loss_row, loss_model);
  adw_combo_row_set_model (self->optimizer_row, optim_model);
  adw_combo_row_set_model (self->init_row, init_model);
  bind_document (self);
  self->updating = FALSE;

  bp_plot_set_title (self->loss_plot, "Loss");
  bp_plot_set_x_label (self->loss_plot, "epoch");
  bp_plot_set_y_label (self->loss_plot, "loss");
  bp_plot_set_log_y (self->loss_plot, TRUE);
  bp_plot_set_title (self->accuracy_plot, "Accuracy");
  bp_plot_set_x_label (self->accuracy_plot, "epoch");
  bp_plot_set_y_label (self->accuracy_plot, "accuracy");
  bp_plot_set_y_limits (self->accuracy_plot, 0.0, 1.0);
  self->series[BP_CURVE_TRAIN_LOSS] = bp_plot_add_series (self->loss_plot, "training",
                                                          BP_SERIES_RAW, "#3584e4");
  self->series[BP_CURVE_VAL_LOSS] = bp_plot_add_series (self->loss_plot, "validation",
                                                        BP_SERIES_POINTS, "#e66100");
  self->series[BP_CURVE_TEST_LOSS] = bp_plot_add_series (self->loss_plot, "test",
                                                         BP_SERIES_POINTS, "#2ec27e");
  self->series[BP_CURVE_TRAIN_ACCURACY] = bp_plot_add_series (self->accuracy_plot, "training",
                                                              BP_SERIES_RAW, "#3584e4");
  self->series[BP_CURVE_VAL_ACCURACY] = bp_plot_add_series (self->accuracy_plot, "validation",
                                                            BP_SERIES_POINTS, "#e66100");
  self->series[BP_CURVE_TEST_ACCURACY] = bp_plot_add_series (self->accuracy_plot, "test",
                                                             BP_SERIES_POINTS, "#2ec27e");

  width = g_settings_get_int (self->settings, "window-width");
  height = g_settings_get_int (self->settings, "window-height");
  gtk_window_set_default_size (GTK_WINDOW (self), width, height);
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  _bp_window_update_status (self);
  last = g_settings_get_string (self->settings, "last-dataset");
  if (dataset_index (last) < 0
      || (g_str_has_prefix (last, "csv:") && !g_file_test (last + 4, G_FILE_TEST_EXISTS)))
    {
      g_free (last);
      last = g_strdup ("xor");
    }
  bp_window_set_dataset (self, last);
  update_title (self);
}

BpWindow *
bp_window_new (AdwApplication *application)
{
  return g_object_new (BP_TYPE_WINDOW, "application", application, NULL);
}

/* ---- for tests and the benchmark --------------------------------------- */

const char *
bp_window_get_dataset (BpWindow *self)
{
  g_return_val_if_fail (BP_IS_WINDOW (self), NULL);
  return bp_project_get_dataset (self->project);
}

gboolean
bp_window_get_loading (BpWindow *self)
{
  g_return_val_if_fail (BP_IS_WINDOW (self), FALSE);
  return self->loading;
}

NnData *
bp_window_get_data (BpWindow *self)
{
  g_return_val_if_fail (BP_IS_WINDOW (self), NULL);
  return self->data;
}

void
bp_window_set_epochs (BpWindow *self, int epochs)
{
  g_return_if_fail (BP_IS_WINDOW (self));
  g_object_set (bp_project_get_settings (self->project), "epochs", epochs, NULL);
}

void
bp_window_set_lr (BpWindow *self, double lr)
{
  g_return_if_fail (BP_IS_WINDOW (self));
  g_object_set (bp_project_get_settings (self->project), "learning-rate", lr, NULL);
}

void
bp_window_set_blas_threads (BpWindow *self, int threads)
{
  g_return_if_fail (BP_IS_WINDOW (self));
  self->blas_threads = MAX (threads, 0);
}

BpRunState
bp_window_get_run_state (BpWindow *self)
{
  g_return_val_if_fail (BP_IS_WINDOW (self), BP_RUN_IDLE);
  return self->run ? bp_run_get_state (self->run) : BP_RUN_IDLE;
}

gboolean
bp_window_get_test_result (BpWindow *self, int *n_correct, int *n)
{
  g_return_val_if_fail (BP_IS_WINDOW (self), FALSE);
  if (n_correct)
    *n_correct = self->test_correct;
  if (n)
    *n = self->test_n;
  return self->test_n > 0;
}

double
bp_window_get_samples_per_second (BpWindow *self)
{
  g_return_val_if_fail (BP_IS_WINDOW (self), 0.0);
  return self->samples_per_second;
}

BpProject *
bp_window_get_project (BpWindow *self)
{
  g_return_val_if_fail (BP_IS_WINDOW (self), NULL);
  return self->project;
}

const GError *
bp_window_get_run_error (BpWindow *self)
{
  g_return_val_if_fail (BP_IS_WINDOW (self), NULL);
  return self->run_error;
}

BpLayerPanel *
bp_window_get_panel (BpWindow *self)
{
  g_return_val_if_fail (BP_IS_WINDOW (self), NULL);
  return self->panel;
}

BpPlot *
bp_window_get_loss_plot (BpWindow *self)
{
  g_return_val_if_fail (BP_IS_WINDOW (self), NULL);
  return self->loss_plot;
}

BpPlot *
bp_window_get_accuracy_plot (BpWindow *self)
{
  g_return_val_if_fail (BP_IS_WINDOW (self), NULL);
  return self->accuracy_plot;
}

BpInspector *
bp_window_get_inspector (BpWindow *self)
{
  g_return_val_if_fail (BP_IS_WINDOW (self), NULL);
  return self->inspector;
}
