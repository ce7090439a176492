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

/* Shows self->dataset in the dataset row without loading it again. */
void
_bp_window_select_dataset_row (BpWindow *self)
{
  int i = dataset_index (self->dataset);

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
  nn_train_config_init (config);
  config->loss = (NnLossKind) adw_combo_row_get_selected (self->loss_row);
  config->optim = nn_optim_config_default ((NnOptimKind) adw_combo_row_get_selected (self->optimizer_row));
  config->optim.lr = (float) gtk_spin_button_get_value (self->lr_spin);
  config->init = (NnInit) adw_combo_row_get_selected (self->init_row);
  config->batch_size = gtk_spin_button_get_value_as_int (self->batch_spin);
  config->epochs = gtk_spin_button_get_value_as_int (self->epochs_spin);
  config->seed = (guint64) gtk_spin_button_get_value_as_int (self->seed_spin);
  /* One thread: the window's drawing needs a core too. With two, on 2
   * cores under Xvfb, the engine's second thread kept being delayed by the
   * drawing, found it faster to work alone (see nn-kernels.c) and the MNIST
   * MLP trained at 139-140k samples/s against 144-146k on one. */
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

/* Throws the current run away: stops and joins its thread, clears the curves
 * and the views. */
void
_bp_window_reset_run (BpWindow *self)
{
  shutdown_run (self);
  g_clear_object (&self->run);
  g_clear_error (&self->run_error);
  bp_plot_clear (self->loss_plot);
  bp_plot_clear (self->accuracy_plot);
  g_clear_pointer (&self->pending_inspect, bp_inspect_state_unref);
  bp_inspector_apply (self->inspector, NULL);
  self->test_correct = self->test_n = 0;
  self->samples_per_second = 0.0;
  self->last_x = 0.0;
  self->run_stale = FALSE;
  _bp_window_show_idle_status (self, self->data ? "Ready" : "");
  _bp_window_set_run_state (self);
}

static void
run_ended (BpWindow *self, const BpRunUpdate *u)
{
  if (u->error == NULL)
    {
      gtk_label_set_label (self->state_label, "Finished");
      if (self->test_n > 0)
        _bp_window_toast (self, "Training finished: %d of %d test samples correct",
                          self->test_correct, self->test_n);
      else
        _bp_window_toast (self, "Training finished");
      return;
    }

  self->run_error = g_error_copy (u->error);
  if (g_error_matches (u->error, NN_ERROR, NN_ERROR_CANCELLED))
    {
      gtk_label_set_label (self->state_label, "Stopped");
      return;
    }
  if (g_error_matches (u->error, NN_ERROR, NN_ERROR_DIVERGED))
    {
      GtkWidget *dialog;

      gtk_label_set_label (self->state_label, "Diverged");
      /* The weights are NaN now: the next Train starts over. */
      self->run_stale = TRUE;
      dialog = adw_message_dialog_new (GTK_WINDOW (self), "Training Diverged", NULL);
      adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                      "%s. The network and the curves so far are kept; Train "
                                      "starts over with new weights.", u->error->message);
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", "_Close");
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }
  gtk_label_set_label (self->state_label, "Failed");
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

  for (int c = 0; c < BP_N_CURVES; c++)
    if (u->points[c]->len >= 2)
      {
        const double *xy = (const double *) u->points[c]->data;
        guint n = u->points[c]->len / 2;

        bp_plot_append_many (plot_for_curve (self, c), self->series[c], xy, n);
        self->last_x = MAX (self->last_x, xy[2 * (n - 1)]);
      }
  if (u->test_accuracy >= 0)
    {
      self->test_correct = u->test_correct;
      self->test_n = u->test_n;
      _bp_window_show_result (self);
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
  /* While a new set loads, the status line is the load's. */
  if (!self->loading)
    _bp_window_show_update (self, u);
  if (u->finished)
    run_ended (self, u);
  else if (!self->loading)
    _bp_set_label (self->state_label, "%s", u->state == BP_RUN_PAUSED ? "Paused" : "Training");
  _bp_window_set_run_state (self);
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

  _bp_window_reset_run (self);
  _bp_window_fill_config (self, &config);
  run = bp_run_new (bp_layer_panel_get_spec (self->panel), self->data, &config, &error);
  if (run == NULL)
    {
      _bp_window_toast (self, "Could not start training: %s", error->message);
      return FALSE;
    }
  self->run = run;
  g_signal_connect (run, "update", G_CALLBACK (on_run_update_cb), self);
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
      gtk_label_set_label (self->state_label, "Training");
    }
  _bp_window_set_run_state (self);
}

static void
on_panel_changed_cb (BpWindow *self, BpLayerPanel *panel)
{
  if (!self->reverting && self->run != NULL)
    {
      if (bp_run_is_alive (self->run))
        {
          GtkWidget *dialog;

          /* Pause while the user decides; the edit is already shown. */
          self->resume_on_keep = bp_run_get_state (self->run) == BP_RUN_RUNNING;
          bp_run_pause (self->run);
          gtk_label_set_label (self->state_label, "Paused");
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
  adw_combo_row_set_selected (self->loss_row, preset->loss);
  adw_combo_row_set_selected (self->optimizer_row, preset->optim);
  gtk_spin_button_set_value (self->lr_spin, preset->lr);
  gtk_spin_button_set_value (self->batch_spin, preset->batch_size);
  gtk_spin_button_set_value (self->epochs_spin, preset->epochs);
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
on_lr_spin_value_changed_cb (BpWindow *self, GtkSpinButton *spin)
{
  double lr = gtk_spin_button_get_value (spin);
  g_autofree char *label = NULL;

  if (self->updating || self->run == NULL || self->run_stale)
    return;
  bp_run_set_lr (self->run, (float) lr);
  if (self->last_x > 0)
    {
      label = g_strdup_printf ("lr %g", lr);
      bp_plot_add_marker (self->loss_plot, self->last_x, label);
      bp_plot_add_marker (self->accuracy_plot, self->last_x, label);
    }
}

static void
on_epochs_spin_value_changed_cb (BpWindow *self, GtkSpinButton *spin)
{
  if (self->updating || self->run == NULL)
    return;
  bp_run_set_epochs (self->run, gtk_spin_button_get_value_as_int (spin));
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

typedef struct _LoadJob
{
  gint          ref_count;
  gint          permille;     /* atomic: progress, written by the loading thread */
  guint         load_id;
  char         *name;
  char         *data_dir;
  NnDataOptions opts;
} LoadJob;

static LoadJob *
load_job_ref (LoadJob *job)
{
  g_atomic_int_inc (&job->ref_count);
  return job;
}

static void
load_job_unref (LoadJob *job)
{
  if (job == NULL || !g_atomic_int_dec_and_test (&job->ref_count))
    return;
  g_free (job->name);
  g_free (job->data_dir);
  g_free (job);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LoadJob, load_job_unref)

static void
load_progress_cb (double fraction, gpointer user_data)
{
  LoadJob *job = user_data;

  g_atomic_int_set (&job->permille, (int) (fraction * 1000));
}

static void
load_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  LoadJob *job = task_data;
  GError *error = NULL;
  NnData *data;

  job->opts.progress = load_progress_cb;
  job->opts.progress_data = job;
  job->opts.data_dir = job->data_dir;
  data = nn_data_load (job->name, &job->opts, &error);
  if (data)
    g_task_return_pointer (task, data, (GDestroyNotify) nn_data_unref);
  else
    g_task_return_error (task, error);
}

static gboolean
load_progress_tick_cb (gpointer user_data)
{
  BpWindow *self = user_data;

  if (self->load_job)
    gtk_progress_bar_set_fraction (self->progress_bar,
                                   g_atomic_int_get (&self->load_job->permille) / 1000.0);
  return G_SOURCE_CONTINUE;
}

static void
on_not_found_response_cb (AdwMessageDialog *dialog, const char *response, BpWindow *self)
{
  if (g_str_equal (response, "choose"))
    _bp_window_choose_data_folder (self, g_object_get_data (G_OBJECT (dialog), "dataset"));
}

/* A generated set with a noise level and a sample count: all but XOR,
 * whose four points are fixed. */
static gboolean
has_sample_options (const char *name)
{
  return nn_data_is_generated (name) && !g_str_equal (name, "xor");
}

/* The rows that only those sets use. */
static void
show_data_rows (BpWindow *self)
{
  gboolean shown = has_sample_options (self->dataset);

  gtk_widget_set_visible (GTK_WIDGET (self->noise_row), shown);
  gtk_widget_set_visible (GTK_WIDGET (self->samples_row), shown);
}

static void
set_loading (BpWindow *self, gboolean loading)
{
  if (self->loading == loading)
    return;
  self->loading = loading;
  if (!loading)
    g_clear_handle_id (&self->load_progress_source, g_source_remove);
  else if (!self->load_progress_source)
    self->load_progress_source = g_timeout_add (100, load_progress_tick_cb, self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
load_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  BpWindow *self = BP_WINDOW (source);
  LoadJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(NnData) data = NULL;
  gboolean new_dataset;

  data = g_task_propagate_pointer (G_TASK (result), &error);
  /* A newer load started, or the window is closing. */
  if (self->load_job != job || self->closing)
    return;
  g_clear_pointer (&self->load_job, load_job_unref);
  set_loading (self, FALSE);

  if (data == NULL && self->data != NULL)
    {
      gboolean alive = self->run && bp_run_is_alive (self->run);

      /* Back to the set that is still loaded, with its run (paused) and
       * its curves: a bad file or a missing folder costs the user nothing. */
      g_free (self->dataset);
      self->dataset = g_strdup (self->loaded_name);
      _bp_window_select_dataset_row (self);
      show_data_rows (self);
      bp_layer_panel_set_data (self->panel, self->dataset, self->data->train->shape,
                               nn_dataset_n_outputs (self->data->train));
      _bp_window_show_idle_status (self, alive ? "Paused" : "Ready");
      _bp_window_show_data_summary (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATASET]);
    }
  else if (data == NULL)
    {
      g_free (self->load_error);
      self->load_error = g_strdup (error->message);
      gtk_label_set_label (self->state_label, "No data");
      gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
      bp_layer_panel_set_data (self->panel, self->dataset, nn_shape_1d (0), 0);
    }
  if (data == NULL)
    {
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
          g_object_set_data_full (G_OBJECT (dialog), "dataset", g_strdup (job->name), g_free);
          g_signal_connect_object (dialog, "response", G_CALLBACK (on_not_found_response_cb),
                                   self, 0);
          gtk_window_present (GTK_WINDOW (dialog));
        }
      else
        _bp_window_toast (self, "Could not load %s: %s", job->name, error->message);
      _bp_window_update_actions (self);
      return;
    }

  /* The run trained on the old data; new data means a new run. */
  if (self->run && bp_run_is_alive (self->run))
    _bp_window_toast (self, "Training was reset for the new data");
  _bp_window_reset_run (self);
  g_clear_pointer (&self->load_error, g_free);
  new_dataset = g_strcmp0 (self->loaded_name, data->name) != 0;
  g_free (self->loaded_name);
  self->loaded_name = g_strdup (data->name);
  g_clear_pointer (&self->data, nn_data_unref);
  self->data = g_steal_pointer (&data);

  bp_layer_panel_set_data (self->panel, self->dataset, self->data->train->shape,
                           nn_dataset_n_outputs (self->data->train));
  if (new_dataset)
    {
      const NnPreset *preset = nn_preset_for_dataset (self->dataset);

      if (preset)
        bp_layer_panel_apply_preset (self->panel, preset);
      if (self->first_load)
        bp_layer_panel_clear_history (self->panel);
      self->first_load = FALSE;
    }
  g_settings_set_string (self->settings, "last-dataset", self->dataset);
  bp_plot_set_log_y (self->loss_plot, TRUE);
  _bp_window_show_idle_status (self, "Ready");
  _bp_window_show_data_summary (self);
  _bp_window_update_actions (self);
}

static void
load_dataset (BpWindow *self)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *folder = NULL;
  LoadJob *job;
  gboolean generated = nn_data_is_generated (self->dataset);

  /* The data and the run stay until the new set has loaded (a failed
   * load goes back to them); the worker waits meanwhile. */
  if (self->run && bp_run_is_alive (self->run))
    bp_run_pause (self->run);

  job = g_new0 (LoadJob, 1);
  job->ref_count = 1;
  job->name = g_strdup (self->dataset);
  folder = g_settings_get_string (self->settings, "data-folder");
  job->data_dir = folder[0] ? g_steal_pointer (&folder) : NULL;
  nn_data_options_init (&job->opts);
  job->opts.seed = (guint64) gtk_spin_button_get_value_as_int (self->seed_spin);
  job->opts.val_fraction = (float) gtk_spin_button_get_value (self->val_spin);
  if (has_sample_options (self->dataset))
    {
      job->opts.noise = (float) gtk_spin_button_get_value (self->noise_spin);
      job->opts.n_samples = gtk_spin_button_get_value_as_int (self->samples_spin);
    }
  g_clear_pointer (&self->load_job, load_job_unref);
  self->load_job = job;

  show_data_rows (self);

  bp_layer_panel_set_data (self->panel, self->dataset, nn_shape_1d (0), 0);
  set_loading (self, TRUE);
  _bp_window_show_idle_status (self, "Loading…");
  _bp_window_update_actions (self);

  task = g_task_new (self, NULL, load_done_cb, NULL);
  g_task_set_task_data (task, load_job_ref (job), (GDestroyNotify) load_job_unref);
  g_task_set_name (task, "bp-load-dataset");
  /* Generated sets take a millisecond: no thread, no flicker. */
  if (generated)
    g_task_run_in_thread_sync (task, load_thread);
  else
    g_task_run_in_thread (task, load_thread);
  if (generated)
    load_done_cb (G_OBJECT (self), G_ASYNC_RESULT (task), NULL);
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
      _bp_window_toast (self, "There is no dataset called “%s”", name);
      return;
    }
  g_free (self->dataset);
  self->dataset = g_strdup (name);

  self->updating = TRUE;
  adw_combo_row_set_selected (self->dataset_row, i);
  if (_bp_datasets[i].noise > 0)
    gtk_spin_button_set_value (self->noise_spin, _bp_datasets[i].noise);
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

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));

  /* Stop the worker now rather than when the last reference goes. */
  self->closing = TRUE;
  shutdown_run (self);
  return GTK_WINDOW_CLASS (bp_window_parent_class)->close_request (window);
}

static void
bp_window_dispose (GObject *object)
{
  BpWindow *self = BP_WINDOW (object);

  self->closing = TRUE;
  shutdown_run (self);
  g_clear_object (&self->run);
  g_clear_handle_id (&self->load_progress_source, g_source_remove);
  g_clear_pointer (&self->pending_inspect, bp_inspect_state_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), BP_TYPE_WINDOW);
  G_OBJECT_CLASS (bp_window_parent_class)->dispose (object);
}

static void
bp_window_finalize (GObject *object)
{
  BpWindow *self = BP_WINDOW (object);

  g_clear_pointer (&self->data, nn_data_unref);
  g_clear_pointer (&self->load_job, load_job_unref);
  g_clear_pointer (&self->dataset, g_free);
  g_clear_pointer (&self->loaded_name, g_free);
  g_clear_pointer (&self->load_error, g_free);
  g_clear_error (&self->run_error);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (bp_window_parent_class)->finalize (object);
}

static void
bp_window_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  BpWindow *self = BP_WINDOW (object);

  switch (prop_id)
    {
    case PROP_DATASET:
      g_value_set_string (value, self->dataset);
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
  gtk_widget_class_bind_template_child (widget_class, BpWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, rate_label);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, result_label);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, samples_row);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, samples_spin);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, seed_spin);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, state_label);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, time_label);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, train_button);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, val_spin);
  gtk_widget_class_bind_template_child (widget_class, BpWindow, view_stack);
  gtk_widget_class_bind_template_callback (widget_class, on_data_option_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_dataset_row_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_epochs_spin_value_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_lr_spin_value_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_panel_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_panel_preset_applied_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_panel_valid_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_train_option_changed_cb);

  _bp_window_class_init_actions (widget_class);
  _bp_window_class_init_files (widget_class);

}

static GListModel *
string_model (const char * const *strings, guint n)
{
  GtkStringList *list = gtk_string_list_new (NULL);

  for (guint i = 0; i < n; i++)
    gtk_string_list_append (list, strings[i]);
  return G_LIST_MODEL (list);
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
  g_signal_connect (self->inspector, "map", G_CALLBACK (on_inspector_map_cb), self);

  self->settings = g_settings_new ("io.github.backprop.Backprop");
  self->first_load = TRUE;
  self->blas_threads = 1;

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
  adw_combo_row_set_selected (self->optimizer_row, NN_OPTIM_ADAM);
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

  _bp_window_show_idle_status (self, "");
  last = g_settings_get_string (self->settings, "last-dataset");
  if (dataset_index (last) < 0
      || (g_str_has_prefix (last, "csv:") && !g_file_test (last + 4, G_FILE_TEST_EXISTS)))
    {
      g_free (last);
      last = g_strdup ("xor");
    }
  bp_window_set_dataset (self, last);
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
  return self->dataset;
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
  gtk_spin_button_set_value (self->epochs_spin, epochs);
}

void
bp_window_set_lr (BpWindow *self, double lr)
{
  g_return_if_fail (BP_IS_WINDOW (self));
  gtk_spin_button_set_value (self->lr_spin, lr);
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
