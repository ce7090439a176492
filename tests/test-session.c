/* test-session.c: the document layer without a display.
 *
 * Settings to and from an NnTrainConfig, the project's modified flag, the
 * dataset loader's progress, errors and cancellation, inspection states
 * and feature maps from a bare network, a run record fed by a real spiral run, a project
 * saved, opened and resumed, corrupt files refused, and the plot's tick
 * and decimation maths. */
#include "bp-data-load.h"
#include "bp-feature-maps.h"
#include "bp-inspect-state.h"
#include "bp-plot-axis.h"
#include "bp-project.h"
#include "bp-run.h"
#include "nn-presets.h"
#include "test-util.h"

#include <glib/gstdio.h>

#include <math.h>
#include <string.h>

static NnData *
load_data (const char *name)
{
  g_autoptr(GError) error = NULL;
  NnDataOptions opts;
  NnData *data;

  nn_data_options_init (&opts);
  opts.data_dir = g_getenv ("BACKPROP_TEST_DATA");
  data = nn_data_load (name, &opts, &error);
  g_assert_no_error (error);
  return data;
}

static NnNetSpec *
preset_spec (NnData *data, const char *preset_name, NnTrainConfig *config)
{
  const NnPreset *preset = nn_preset_find (preset_name);

  g_assert_nonnull (preset);
  nn_train_config_init (config);
  nn_preset_apply (preset, config);
  return nn_preset_build_spec (preset, nn_dataset_n_outputs (data->train));
}

/* ---- settings ---------------------------------------------------------- */

static void
count_notify_cb (GObject *object, GParamSpec *pspec, int *count)
{
  (*count)++;
}

static void
test_settings_round_trip (void)
{
  g_autoptr(BpSettings) settings = bp_settings_new ();
  NnTrainConfig defaults, in, out;
  int notified = 0;

  /* A new object holds the engine's defaults. */
  nn_train_config_init (&defaults);
  bp_settings_to_config (settings, &out);
  g_assert_cmpint (out.loss, ==, defaults.loss);
  g_assert_cmpint (out.optim.kind, ==, defaults.optim.kind);
  g_assert_cmpfloat (out.optim.lr, ==, defaults.optim.lr);
  g_assert_cmpint (out.batch_size, ==, defaults.batch_size);
  g_assert_cmpint (out.epochs, ==, defaults.epochs);
  g_assert_cmpuint (out.seed, ==, defaults.seed);

  /* Every field, none at its default, comes back exactly. */
  nn_train_config_init (&in);
  in.loss = NN_LOSS_MSE;
  in.optim = nn_optim_config_default (NN_OPTIM_MOMENTUM);
  in.optim.lr = 0.0371f;
  in.optim.momentum = 0.8125f;
  in.optim.weight_decay = 0.0005f;
  in.init = NN_INIT_GLOROT;
  in.batch_size = 17;
  in.epochs = 123;
  in.seed = G_GUINT64_CONSTANT (0x123456789abcdef);
  g_signal_connect (settings, "notify", G_CALLBACK (count_notify_cb), &notified);
  bp_settings_set_config (settings, &in);
  g_assert_cmpint (notified, ==, 9);
  bp_settings_to_config (settings, &out);
  g_assert_cmpint (out.loss, ==, in.loss);
  g_assert_cmpint (out.optim.kind, ==, in.optim.kind);
  g_assert_cmpfloat (out.optim.lr, ==, in.optim.lr);
  g_assert_cmpfloat (out.optim.momentum, ==, in.optim.momentum);
  g_assert_cmpfloat (out.optim.weight_decay, ==, in.optim.weight_decay);
  g_assert_cmpint (out.init, ==, in.init);
  g_assert_cmpint (out.batch_size, ==, in.batch_size);
  g_assert_cmpint (out.epochs, ==, in.epochs);
  g_assert_cmpuint (out.seed, ==, in.seed);
  g_assert_cmpfloat (bp_settings_get_learning_rate (settings), ==, (double) in.optim.lr);

  /* Setting the same values again notifies nobody. */
  notified = 0;
  bp_settings_set_config (settings, &in);
  g_object_set (settings, "epochs", 123, NULL);
  g_assert_cmpint (notified, ==, 0);
}

/* ---- project ----------------------------------------------------------- */

static void
test_project_modified (void)
{
  g_autoptr(BpProject) project = bp_project_new ();
  g_autoptr(GFile) file = g_file_new_for_path ("/tmp/My Net.backprop");
  g_autofree char *title = NULL;
  NnDataOptions opts;

  g_assert_false (bp_project_get_modified (project));
  title = bp_project_dup_title (project);
  g_assert_cmpstr (title, ==, "Untitled Project");
  /* Until set, a generated set gets its own noise and sample count. */
  bp_project_set_dataset (project, "spiral");
  bp_project_set_modified (project, FALSE);
  g_assert_cmpstr (bp_project_get_data_options (project, &opts), ==, "spiral");
  g_assert_cmpfloat (opts.noise, <, 0);
  g_assert_cmpint (opts.n_samples, ==, 400);

  bp_project_set_spec (project, "dense:8,tanh,dense:2");
  g_assert_true (bp_project_get_modified (project));
  bp_project_set_modified (project, FALSE);
  bp_project_set_spec (project, "dense:8,tanh,dense:2");
  g_assert_false (bp_project_get_modified (project));

  g_object_set (bp_project_get_settings (project), "learning-rate", 0.5, NULL);
  g_assert_true (bp_project_get_modified (project));
  bp_project_set_modified (project, FALSE);
  g_object_set (bp_project_get_settings (project), "learning-rate", 0.5, NULL);
  g_assert_false (bp_project_get_modified (project));

  bp_project_set_dataset (project, "circles");
  g_assert_true (bp_project_get_modified (project));
  bp_project_set_modified (project, FALSE);
  bp_project_set_noise (project, 0.3);
  g_assert_true (bp_project_get_modified (project));
  bp_project_set_modified (project, FALSE);
  bp_project_set_n_samples (project, 800);
  g_assert_true (bp_project_get_modified (project));
  bp_project_set_modified (project, FALSE);

  /* Where it lives is not an edit, but it names the project. */
  bp_project_set_file (project, file);
  g_assert_false (bp_project_get_modified (project));
  g_clear_pointer (&title, g_free);
  title = bp_project_dup_title (project);
  g_assert_cmpstr (title, ==, "My Net");
}

/* ---- the dataset loader ------------------------------------------------ */

typedef struct
{
  GMainLoop *loop;
  NnData    *data;
  GError    *error;
  GArray    *progress;   /* double */
  char      *name;
} LoadWait;

static void
load_progress_cb (double fraction, gpointer user_data)
{
  LoadWait *w = user_data;

  g_array_append_val (w->progress, fraction);
}

static void
load_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LoadWait *w = user_data;

  w->data = bp_data_load_finish (result, &w->error);
  w->name = g_strdup (bp_data_load_get_name (result));
  g_main_loop_quit (w->loop);
}

static void
run_load (LoadWait *w, const char *name, const char *data_dir, GCancellable *cancellable)
{
  NnDataOptions opts;

  nn_data_options_init (&opts);
  opts.data_dir = data_dir;
  *w = (LoadWait) { g_main_loop_new (NULL, FALSE), NULL, NULL,
                    g_array_new (FALSE, FALSE, sizeof (double)), NULL };
  bp_data_load_async (NULL, name, &opts, cancellable, load_progress_cb, load_done_cb, w);
  if (cancellable)
    g_cancellable_cancel (cancellable);
  g_main_loop_run (w->loop);
}

static void
load_wait_clear (LoadWait *w)
{
  g_main_loop_unref (w->loop);
  g_clear_pointer (&w->data, nn_data_unref);
  g_clear_error (&w->error);
  g_array_unref (w->progress);
  g_free (w->name);
}

static void
test_data_load_async (void)
{
  g_autofree char *missing = g_build_filename (g_get_tmp_dir (), "bp-no-such-file.csv", NULL);
  g_autofree char *csv_name = g_strconcat ("csv:", missing, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  LoadWait w;

  run_load (&w, "mnist", g_getenv ("BACKPROP_TEST_DATA"), NULL);
  g_assert_no_error (w.error);
  g_assert_cmpstr (w.name, ==, "mnist");
  g_assert_cmpint (w.data->n_train, ==, 60000);
  /* Progress came back to this thread, in order, within [0, 1]. */
  g_assert_cmpuint (w.progress->len, >, 0);
  for (guint i = 0; i < w.progress->len; i++)
    {
      double f = g_array_index (w.progress, double, i);

      g_assert_cmpfloat (f, >=, 0.0);
      g_assert_cmpfloat (f, <=, 1.0);
      if (i > 0)
        g_assert_cmpfloat (f, >=, g_array_index (w.progress, double, i - 1));
    }
  load_wait_clear (&w);

  run_load (&w, csv_name, NULL, NULL);
  g_assert_null (w.data);
  g_assert_nonnull (w.error);
  g_assert_true (g_str_has_suffix (w.error->message, "."));
  load_wait_clear (&w);

  run_load (&w, "mnist", g_getenv ("BACKPROP_TEST_DATA"), cancellable);
  g_assert_error (w.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (w.data);
  load_wait_clear (&w);
}

/* ---- inspection states -------------------------------------------------- */

static void
test_inspect_from_network (void)
{
  g_autoptr(NnData) data = load_data ("spiral");
  g_autoptr(GError) error = NULL;
  g_autoptr(NnNetSpec) spec = NULL;
  g_autoptr(BpInspectState) state = NULL;
  NnTrainConfig config;
  NnTrainer *trainer;
  int n_wrong;

  spec = preset_spec (data, "spiral", &config);
  config.epochs = 3;
  trainer = nn_trainer_new (spec, data, &config, &error);
  g_assert_no_error (error);
  g_assert_true (nn_trainer_run (trainer, NULL, NULL, &error));

  /* No evaluation given: the state makes its own from the network. */
  state = bp_inspect_state_compute (nn_trainer_get_network (trainer), data, config.loss, NULL, 3,
                                    30);
  g_assert_nonnull (state->test);
  g_assert_cmpint (state->test->n, ==, data->test->n);
  n_wrong = state->test->n - state->test->n_correct;
  g_assert_cmpint (state->n_mistakes, ==, n_wrong);
  /* Most confident mistake first. */
  for (int i = 1; i < state->n_mistakes; i++)
    {
      const NnEvalResult *t = state->test;
      int a = state->mistakes[i - 1], b = state->mistakes[i];

      g_assert_cmpfloat (t->outputs[(size_t) a * t->n_outputs + t->predicted[a]], >=,
                         t->outputs[(size_t) b * t->n_outputs + t->predicted[b]]);
    }
  /* The boundary is probabilities (the network ends in logits): each
   * cell's outputs sum to one. */
  g_assert_nonnull (state->boundary);
  g_assert_cmpint (state->boundary_outputs, ==, nn_dataset_n_outputs (data->train));
  for (int c = 0; c < state->boundary_res * state->boundary_res; c++)
    {
      const float *p = state->boundary + (size_t) c * state->boundary_outputs;
      double sum = 0;

      for (int k = 0; k < state->boundary_outputs; k++)
        sum += p[k];
      g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-4);
    }
  /* Not image data: no weight templates. */
  g_assert_null (state->weights);
  nn_trainer_free (trainer);
}

/* ---- feature maps ------------------------------------------------------ */

/* Feature maps of one MNIST test sample through layers that keep its
 * (1, 28, 28) shape, by hand: leaky ReLU, dropout in evaluation mode (its
 * input unchanged: a training-mode pass would zero about half), tanh;
 * none for flatten and dense. They come from the state's copy of the
 * weights: changing the network after the state was taken changes
 * nothing. An MLP has none to give, and says so. */
static void
test_feature_maps (void)
{
  g_autoptr(NnData) data = load_data ("mnist");
  g_autoptr(GError) error = NULL;
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse ("leaky_relu:0.1,dropout:0.5,tanh,flatten,dense:10",
                                                 NULL);
  g_autoptr(NnNetSpec) mlp_spec = nn_net_spec_parse ("dense:16,relu,dense:10", NULL);
  g_autoptr(BpInspectState) state = NULL, mlp_state = NULL;
  g_autoptr(BpFeatureMaps) maps = NULL, again = NULL;
  g_autoptr(NnNetwork) net = NULL, mlp = NULL;
  g_autofree float *x = g_new (float, 784);
  const NnDataset *ds = data->test;
  const NnParamInfo *w, *b;
  guint32 row = 0;
  const float *y;
  int sample = -1;

  net = nn_network_new (spec, ds->shape, &error);
  g_assert_no_error (error);
  nn_network_init (net, NN_INIT_GLOROT, 3);
  state = bp_inspect_state_compute (net, data, NN_LOSS_CROSS_ENTROPY, NULL, 1, 7);
  g_assert_true (bp_inspect_state_has_feature_maps (state));
  g_assert_cmpint (state->n_image_layers, ==, 3);
  /* A sample the network does not call a 9 (for the copy check below). */
  for (int i = 0; i < ds->n && sample < 0; i++)
    if (state->test->predicted[i] != 9)
      sample = i;
  g_assert_cmpint (sample, >=, 0);

  maps = bp_feature_maps_compute (state, sample, &error);
  g_assert_no_error (error);
  g_assert_cmpint (maps->sample, ==, sample);
  g_assert_cmpuint (maps->step, ==, 7);
  g_assert_cmpint (maps->label, ==, ds->labels[sample]);
  g_assert_cmpint (maps->predicted, ==, state->test->predicted[sample]);
  g_assert_cmpint (maps->n_maps, ==, 3);
  row = (guint32) sample;
  nn_dataset_gather (ds, &row, 1, x, NULL, NULL);
  for (int m = 0; m < 3; m++)
    {
      const BpFeatureMap *map = &maps->maps[m];
      g_autofree char *caption = bp_feature_map_caption (map);
      gboolean lo_seen = FALSE, hi_seen = FALSE;

      g_assert_cmpint (map->layer, ==, m);
      g_assert_cmpint (map->kind, ==, spec->layers[m].kind);
      g_assert_cmpint (map->shape.rank, ==, 3);
      g_assert_cmpint (map->shape.dim[0], ==, 1);
      g_assert_cmpint (map->shape.dim[1], ==, 28);
      g_assert_cmpint (map->shape.dim[2], ==, 28);
      for (int k = 0; k < 784; k++)
        {
          float leaky = x[k] > 0 ? x[k] : 0.1f * x[k];
          float want = m < 2 ? leaky : tanhf (leaky);

          g_assert_cmpfloat_with_epsilon (map->values[k], want, 1e-6);
          g_assert_cmpfloat (map->values[k], >=, map->lo[0]);
          g_assert_cmpfloat (map->values[k], <=, map->hi[0]);
          lo_seen |= map->values[k] == map->lo[0];
          hi_seen |= map->values[k] == map->hi[0];
        }
      g_assert_true (lo_seen && hi_seen);
      g_assert_cmpfloat (map->hi[0], >, map->lo[0]);
      if (m == 0)
        g_assert_cmpstr (caption, ==, "1 · Leaky ReLU · 1×28×28");
    }

  /* The network changes (it now says 9 to everything); the state's maps
   * do not. */
  w = nn_network_find_param (net, 4, "weight");
  b = nn_network_find_param (net, 4, "bias");
  memset (nn_network_get_params (net) + w->offset, 0, sizeof (float) * w->size);
  nn_network_get_params (net)[b->offset + 9] = 100.0f;
  y = nn_network_forward (net, x, 1, FALSE, NULL);
  g_assert_cmpfloat (y[9], ==, 100.0f);
  again = bp_feature_maps_compute (state, sample, &error);
  g_assert_no_error (error);
  g_assert_cmpint (again->predicted, ==, maps->predicted);
  g_assert_cmpint (again->predicted, !=, 9);

  /* Samples that are not there. */
  g_assert_null (bp_feature_maps_compute (state, ds->n, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT);
  test_assert_sentence (error->message);
  g_assert_nonnull (strstr (error->message, "9999"));
  g_clear_error (&error);
  g_assert_null (bp_feature_maps_compute (state, -1, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* An MLP: no copy of its weights, no maps. */
  mlp = nn_network_new (mlp_spec, ds->shape, &error);
  g_assert_no_error (error);
  nn_network_init (mlp, NN_INIT_GLOROT, 3);
  mlp_state = bp_inspect_state_compute (mlp, data, NN_LOSS_CROSS_ENTROPY, NULL, 1, 7);
  g_assert_false (bp_inspect_state_has_feature_maps (mlp_state));
  g_assert_null (mlp_state->params);
  g_assert_null (bp_feature_maps_compute (mlp_state, 0, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT);
  test_assert_sentence (error->message);
}

/* The weights the Weights page draws: a convolution's filters (filters,
 * C*K*K), reshaped as (C, K, K), even after a batch norm (whose weight is
 * no template and whose buffers are never taken); an MLP's first dense
 * layer, its first 64 units of 100 over the 28×28 input. */
static void
test_inspect_weights (void)
{
  g_autoptr(NnData) data = load_data ("mnist");
  static const struct
  {
    const char *spec;
    int layer, units, total, in, channels, height, width;
  } cases[] = {
    { "conv:6:5,relu,maxpool:2,dense:10", 0, 6, 6, 25, 1, 5, 5 },
    { "batchnorm,conv:4:3:2,relu,dense:10", 1, 4, 4, 9, 1, 3, 3 },
    { "dense:100,relu,dense:10", 0, 64, 100, 784, 1, 28, 28 },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(NnNetSpec) spec = nn_net_spec_parse (cases[c].spec, &error);
      g_autoptr(NnNetwork) net = NULL;
      g_autoptr(BpInspectState) state = NULL;
      const NnParamInfo *table;
      const float *w = NULL;
      int n_table;

      g_assert_no_error (error);
      net = nn_network_new (spec, data->test->shape, &error);
      g_assert_no_error (error);
      nn_network_init (net, NN_INIT_GLOROT, 5);
      table = nn_network_get_param_table (net, &n_table);
      for (int k = 0; k < n_table; k++)
        if (table[k].layer == cases[c].layer && table[k].rank >= 2)
          w = nn_network_get_params (net) + table[k].offset;
      g_assert_nonnull (w);
      state = bp_inspect_state_compute (net, data, NN_LOSS_CROSS_ENTROPY, NULL, 0, 0);
      g_assert_nonnull (state->weights);
      g_assert_cmpint (state->weight_layer, ==, cases[c].layer);
      g_assert_cmpint (state->weight_rank, ==, cases[c].in == 784 ? 2 : 4);
      g_assert_cmpint (state->weight_kind, ==, spec->layers[cases[c].layer].kind);
      g_assert_cmpint (state->weight_units, ==, cases[c].units);
      g_assert_cmpint (state->weight_units_total, ==, cases[c].total);
      g_assert_cmpint (state->weight_in, ==, cases[c].in);
      g_assert_cmpint (state->weight_channels, ==, cases[c].channels);
      g_assert_cmpint (state->weight_height, ==, cases[c].height);
      g_assert_cmpint (state->weight_width, ==, cases[c].width);
      g_assert_cmpmem (state->weights, sizeof (float) * cases[c].units * cases[c].in, w,
                       sizeof (float) * cases[c].units * cases[c].in);
      for (int u = 0; u < cases[c].units; u++)
        g_assert_cmpfloat (state->weight_scale[u], >, 0);
    }
}

/* ---- BpRun feeding a record, and project files ------------------------- */

typedef struct
{
  GMainLoop   *loop;
  BpRunRecord *record;
  guint        n_signals;
  gboolean     finished;
  GError      *error;
} RunWait;

static void
points_added_cb (BpRunRecord *record, guint first_batch, guint first_epoch, RunWait *w)
{
  const NnRunRecord *r = bp_run_record_get_nn (record);

  g_assert_cmpuint (first_batch, <=, r->batches->len);
  g_assert_cmpuint (first_epoch, <=, r->epochs->len);
  w->n_signals++;
}

/* What the window does with an update. */
static void
run_update_cb (BpRun *run, BpRunUpdate *u, RunWait *w)
{
  bp_run_record_append (w->record, (const NnBatchPoint *) u->batches->data, u->batches->len,
                        (const NnEpochPoint *) u->epoch_points->data, u->epoch_points->len);
  if (u->train_state)
    bp_run_record_take_state (w->record, nn_train_state_copy (u->train_state));
  if (u->finished)
    {
      w->finished = TRUE;
      if (u->error)
        w->error = g_error_copy (u->error);
      bp_run_record_set_status (w->record, u->error ? NN_RUN_FAILED : NN_RUN_FINISHED);
      g_main_loop_quit (w->loop);
    }
}

/* Trains @run to its end on this thread's main loop into @record. */
static void
run_into_record (BpRun *run, BpRunRecord *record)
{
  RunWait w = { g_main_loop_new (NULL, FALSE), record };

  g_signal_connect (run, "update", G_CALLBACK (run_update_cb), &w);
  g_signal_connect (record, "points-added", G_CALLBACK (points_added_cb), &w);
  bp_run_start (run, FALSE);
  g_main_loop_run (w.loop);
  g_signal_handlers_disconnect_by_data (record, &w);
  g_assert_true (w.finished);
  g_assert_no_error (w.error);
  g_assert_cmpuint (w.n_signals, >, 0);
  g_assert_false (bp_run_is_alive (run));
  g_main_loop_unref (w.loop);
}

/* The batch losses the trainer reports, straight from its callbacks. */
static void
collect_loss_cb (NnTrainer *trainer, const NnBatchReport *r, gpointer user_data)
{
  g_array_append_val ((GArray *) user_data, r->loss);
}

static GArray *
reference_losses (NnNetSpec *spec, NnData *data, const NnTrainConfig *config)
{
  static const NnTrainCallbacks callbacks = { collect_loss_cb, NULL, NULL };
  g_autoptr(GError) error = NULL;
  GArray *losses = g_array_new (FALSE, FALSE, sizeof (float));
  NnTrainer *t = nn_trainer_new (spec, data, config, &error);

  g_assert_no_error (error);
  g_assert_true (nn_trainer_run (t, &callbacks, losses, &error));
  nn_trainer_free (t);
  return losses;
}

static BpRunRecord *
record_for (NnNetSpec *spec, NnData *data, const NnTrainConfig *config)
{
  g_autofree char *text = nn_net_spec_to_string (spec);
  NnDataChoice choice;
  BpRunRecord *record;

  nn_data_choice_init (&choice);
  choice.name = g_strdup (data->name);
  record = bp_run_record_new ("Run 1", text, data->train->shape, &choice, config,
                              data->class_names);
  nn_data_choice_clear (&choice);
  return record;
}

static void
test_run_record_spiral (void)
{
  g_autoptr(NnData) data = load_data ("spiral");
  g_autoptr(GError) error = NULL;
  g_autoptr(NnNetSpec) spec = NULL;
  g_autoptr(BpRun) run = NULL;
  g_autoptr(BpRunRecord) record = NULL;
  g_autoptr(GArray) reference = NULL;
  g_autoptr(GArray) xy = g_array_new (FALSE, FALSE, sizeof (double));
  const NnRunRecord *r;
  NnTrainConfig config;

  spec = preset_spec (data, "spiral", &config);
  config.epochs = 4;
  config.threads = 1;
  reference = reference_losses (spec, data, &config);
  record = record_for (spec, data, &config);
  run = bp_run_new (spec, data, &config, &error);
  g_assert_no_error (error);
  run_into_record (run, record);

  /* Every batch the trainer reported, in order, bit for bit, however the
   * updates were coalesced; one point per epoch with its test figures. */
  r = bp_run_record_get_nn (record);
  g_assert_cmpuint (r->batches->len, ==, reference->len);
  for (guint i = 0; i < reference->len; i++)
    {
      const NnBatchPoint *b = &g_array_index (r->batches, NnBatchPoint, i);

      g_assert_cmpfloat (b->loss, ==, g_array_index (reference, float, i));
      g_assert_cmpuint (b->step, ==, i + 1);
    }
  g_assert_cmpuint (r->epochs->len, ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      const NnEpochPoint *e = &g_array_index (r->epochs, NnEpochPoint, i);

      g_assert_cmpint (e->epoch, ==, i + 1);
      g_assert_true (isfinite (e->test_loss) && isfinite (e->test_accuracy));
      g_assert_true (isnan (e->val_loss));   /* no validation rows */
    }
  g_assert_cmpint (bp_run_record_get_n_epochs (record), ==, 4);
  /* The state at the end continues the run. */
  g_assert_nonnull (r->state);
  g_assert_cmpint (r->state->epoch, ==, 4);
  g_assert_cmpuint (r->state->step, ==, reference->len);
  /* The curves: one point per batch, one per epoch; none for the absent
   * validation figures. */
  g_assert_cmpuint (bp_run_record_get_curve (record, BP_CURVE_TRAIN_LOSS, 0, xy), ==,
                    reference->len);
  g_assert_cmpfloat (g_array_index (xy, double, 1), ==, g_array_index (reference, float, 0));
  g_array_set_size (xy, 0);
  g_assert_cmpuint (bp_run_record_get_curve (record, BP_CURVE_TEST_ACCURACY, 2, xy), ==, 2);
  g_assert_cmpfloat (g_array_index (xy, double, 0), ==, 3.0);
  g_array_set_size (xy, 0);
  g_assert_cmpuint (bp_run_record_get_curve (record, BP_CURVE_VAL_LOSS, 0, xy), ==, 0);
}

typedef struct
{
  GMainLoop *loop;
  gboolean   ok;
  BpProject *loaded;
  GError    *error;
} FileWait;

static void
saved_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  FileWait *w = user_data;

  w->ok = bp_project_save_finish (BP_PROJECT (source), result, &w->error);
  g_main_loop_quit (w->loop);
}

static void
loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  FileWait *w = user_data;

  w->loaded = bp_project_load_finish (result, &w->error);
  g_main_loop_quit (w->loop);
}

static gboolean
save_project (BpProject *project, GFile *file, GError **error)
{
  FileWait w = { g_main_loop_new (NULL, FALSE) };

  bp_project_save_async (project, file, NULL, saved_cb, &w);
  g_main_loop_run (w.loop);
  g_main_loop_unref (w.loop);
  if (w.error)
    g_propagate_error (error, w.error);
  return w.ok;
}

static BpProject *
load_project (GFile *file, GError **error)
{
  FileWait w = { g_main_loop_new (NULL, FALSE) };

  bp_project_load_async (file, NULL, loaded_cb, &w);
  g_main_loop_run (w.loop);
  g_main_loop_unref (w.loop);
  if (w.error)
    g_propagate_error (error, w.error);
  return w.loaded;
}

static void
test_project_save_load (void)
{
  g_autoptr(NnData) data = load_data ("spiral");
  g_autoptr(GError) error = NULL;
  g_autoptr(NnNetSpec) spec = NULL;
  g_autoptr(BpRun) run = NULL;
  g_autoptr(BpRun) resumed = NULL;
  g_autoptr(BpRunRecord) record = NULL;
  g_autoptr(BpProject) project = bp_project_new ();
  g_autoptr(BpProject) loaded = NULL;
  g_autoptr(GArray) reference = NULL;
  g_autofree char *dir = g_dir_make_tmp ("bp-session-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "spiral run.backprop", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *spec_text = NULL;
  g_autofree char *title = NULL;
  const NnRunRecord *a, *b;
  BpRunRecord *current;
  NnTrainConfig config, out;

  spec = preset_spec (data, "spiral", &config);
  config.threads = 1;
  config.epochs = 6;
  reference = reference_losses (spec, data, &config);

  /* A project with a run stopped after 3 of its 6 epochs. */
  config.epochs = 3;
  spec_text = nn_net_spec_to_string (spec);
  bp_project_set_spec (project, spec_text);
  bp_project_set_dataset (project, "spiral");
  bp_project_set_noise (project, 0.25);
  bp_settings_set_config (bp_project_get_settings (project), &config);
  record = record_for (spec, data, &config);
  bp_project_add_run (project, record);
  run = bp_run_new (spec, data, &config, &error);
  g_assert_no_error (error);
  run_into_record (run, record);
  g_assert_true (bp_project_get_modified (project));

  g_assert_true (save_project (project, file, &error));
  g_assert_no_error (error);
  g_assert_false (bp_project_get_modified (project));
  g_assert_true (g_file_equal (bp_project_get_file (project), file));

  loaded = load_project (file, &error);
  g_assert_no_error (error);
  g_assert_false (bp_project_get_modified (loaded));
  title = bp_project_dup_title (loaded);
  g_assert_cmpstr (title, ==, "spiral run");
  g_assert_cmpstr (bp_project_get_spec (loaded), ==, spec_text);
  g_assert_cmpstr (bp_project_get_dataset (loaded), ==, "spiral");
  g_assert_cmpfloat (bp_project_get_noise (loaded), ==, (double) 0.25f);
  bp_settings_to_config (bp_project_get_settings (loaded), &out);
  g_assert_cmpint (out.optim.kind, ==, config.optim.kind);
  g_assert_cmpfloat (out.optim.lr, ==, config.optim.lr);
  g_assert_cmpint (out.epochs, ==, 3);
  g_assert_cmpuint (g_list_model_get_n_items (bp_project_get_runs (loaded)), ==, 1);

  /* The run's curves and state, bit for bit. */
  current = bp_project_get_current_run (loaded);
  a = bp_run_record_get_nn (record);
  b = bp_run_record_get_nn (current);
  g_assert_cmpstr (b->spec, ==, a->spec);
  g_assert_cmpuint (b->batches->len, ==, a->batches->len);
  g_assert_cmpmem (b->batches->data, sizeof (NnBatchPoint) * b->batches->len,
                   a->batches->data, sizeof (NnBatchPoint) * a->batches->len);
  g_assert_cmpuint (b->epochs->len, ==, 3);
  g_assert_nonnull (b->state);
  g_assert_cmpmem (b->state->params, sizeof (float) * b->state->n_params,
                   a->state->params, sizeof (float) * a->state->n_params);

  /* And it goes on as if it had never stopped: epochs 4 to 6 give the
   * losses of a straight 6-epoch run. */
  config.epochs = 6;
  resumed = bp_run_new_from_state (spec, data, &config, b->state, &error);
  g_assert_no_error (error);
  run_into_record (resumed, current);
  g_assert_cmpuint (b->batches->len, ==, reference->len);
  for (guint i = 0; i < reference->len; i++)
    g_assert_cmpfloat (g_array_index (b->batches, NnBatchPoint, i).loss, ==,
                       g_array_index (reference, float, i));
  g_assert_true (bp_project_get_modified (loaded));

  g_remove (path);
  g_rmdir (dir);
}

static void
test_project_load_corrupt (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bp-session-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "bad.backprop", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(BpProject) project = bp_project_new ();
  BpProject *loaded;

  /* A safetensors header that claims more than the file holds. */
  g_assert_true (g_file_set_contents (path, "\xff\xff\x00\x00\x00\x00\x00\x00{\"a\"", 12,
                                      NULL));
  loaded = load_project (file, &error);
  g_assert_null (loaded);
  g_assert_error (error, NN_ERROR, NN_ERROR_CORRUPT);
  g_assert_true (g_str_has_suffix (error->message, "."));
  g_clear_error (&error);

  /* A missing file says so. */
  g_remove (path);
  loaded = load_project (file, &error);
  g_assert_null (loaded);
  g_assert_error (error, NN_ERROR, NN_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A save that fails leaves the project as it was: modified, no file. */
  bp_project_set_spec (project, "dense:2");
  g_rmdir (dir);
  g_assert_false (save_project (project, file, &error));
  g_assert_nonnull (error);
  g_assert_true (bp_project_get_modified (project));
  g_assert_null (bp_project_get_file (project));
}

/* ---- plot axis ---------------------------------------------------------- */

static void
assert_ticks (GArray *ticks, const double *values, const char * const *labels, guint n)
{
  g_assert_cmpuint (ticks->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      BpPlotTick *t = &g_array_index (ticks, BpPlotTick, i);

      g_assert_cmpfloat_with_epsilon (t->v, values[i], 1e-9);
      g_assert_cmpstr (t->label, ==, labels[i]);
    }
}

static void
test_plot_ticks (void)
{
  static const double lin_v[] = { 0, 0.2, 0.4, 0.6, 0.8, 1.0 };
  static const char *lin_l[] = { "0.0", "0.2", "0.4", "0.6", "0.8", "1.0" };
  static const double ep_v[] = { 0, 50, 100 };
  static const char *ep_l[] = { "0", "50", "100" };
  static const double log_v[] = { -3, -2, -1, 0 };
  static const char *log_l[] = { "0.001", "0.01", "0.1", "1" };
  GArray *t;

  t = bp_plot_ticks_linear (0.0, 1.0, 6);
  assert_ticks (t, lin_v, lin_l, G_N_ELEMENTS (lin_v));
  g_array_unref (t);
  /* The ends need not be ticks: the first is the next multiple of the
   * step, and the step is nice (103.7 / 5 rounds to 50, not 20.74). */
  t = bp_plot_ticks_linear (-0.7, 103.0, 6);
  assert_ticks (t, ep_v, ep_l, G_N_ELEMENTS (ep_v));
  g_array_unref (t);
  t = bp_plot_ticks_linear (1.0, 1.0, 6);
  g_assert_cmpuint (t->len, ==, 0);
  g_array_unref (t);

  t = bp_plot_ticks_log (-3.2, 0.1, 5);
  assert_ticks (t, log_v, log_l, G_N_ELEMENTS (log_v));
  g_array_unref (t);
  /* Room for more: 1, 2 and 5 in each decade. */
  t = bp_plot_ticks_log (-1.05, 0.75, 8);
  g_assert_cmpuint (t->len, ==, 6);
  g_assert_cmpstr (g_array_index (t, BpPlotTick, 0).label, ==, "0.1");
  g_assert_cmpstr (g_array_index (t, BpPlotTick, 1).label, ==, "0.2");
  g_assert_cmpstr (g_array_index (t, BpPlotTick, 3).label, ==, "1");
  g_assert_cmpstr (g_array_index (t, BpPlotTick, 5).label, ==, "5");
  g_array_unref (t);
  /* Inside one decade (0.3 .. 0.45): four evenly spaced labelled ticks. */
  t = bp_plot_ticks_log (log10 (0.3), log10 (0.45), 5);
  g_assert_cmpuint (t->len, ==, 4);
  g_assert_cmpstr (g_array_index (t, BpPlotTick, 0).label, ==, "0.3");
  g_assert_cmpstr (g_array_index (t, BpPlotTick, 3).label, ==, "0.45");
  g_array_unref (t);
}

static void
test_plot_decimate (void)
{
  BpDecimator d;
  float miny = INFINITY, maxy = -INFINITY;
  int n_nan = 0;

  /* 1000 points over 10 pixel columns, a spike at 503. */
  bp_decimator_init (&d, FALSE);
  for (int i = 0; i < 1000; i++)
    {
      double y = i == 503 ? -50.0 : sin (i * 0.1);

      if (i == 700)
        bp_decimator_break (&d);
      bp_decimator_add (&d, 100.0 + i / 100.0, y, 100.0, 10.0);
    }
  bp_decimator_flush (&d);
  /* At most four vertices per column, plus one gap. */
  g_assert_cmpuint (d.out->len / 2, <=, 4 * 11 + 1);
  for (guint i = 0; i < d.out->len / 2; i++)
    {
      float y = g_array_index (d.out, float, 2 * i + 1);

      if (isnan (y))
        {
          n_nan++;
          continue;
        }
      miny = MIN (miny, y);
      maxy = MAX (maxy, y);
    }
  g_assert_cmpint (n_nan, ==, 1);
  /* The spike and the top of the wave are kept. */
  g_assert_cmpfloat (miny, ==, -50.0f);
  g_assert_cmpfloat (maxy, >, 0.99f);
  g_array_unref (d.out);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_setenv ("BACKPROP_DATA_DIR", "/nonexistent", TRUE);

  g_test_add_func ("/session/settings/config-round-trip", test_settings_round_trip);
  g_test_add_func ("/session/project/modified", test_project_modified);
  g_test_add_func ("/session/data/load-async", test_data_load_async);
  g_test_add_func ("/session/inspect/from-network", test_inspect_from_network);
  g_test_add_func ("/session/inspect/feature-maps", test_feature_maps);
  g_test_add_func ("/session/inspect/weights", test_inspect_weights);
  g_test_add_func ("/session/run/record-spiral", test_run_record_spiral);
  g_test_add_func ("/session/project/save-load-resume", test_project_save_load);
  g_test_add_func ("/session/project/load-corrupt", test_project_load_corrupt);
  g_test_add_func ("/session/plot-axis/ticks", test_plot_ticks);
  g_test_add_func ("/session/plot-axis/decimate", test_plot_decimate);
  return g_test_run ();
}
