/* test-project.c: project files (nn-project.h) and exact resume (nn-train.h).
 *
 * Round trips of a project with several runs, every field compared; runs
 * stopped after an epoch or paused mid-epoch, saved, loaded and continued,
 * against the same run never stopped, bit for bit; every truncation of a
 * small project, random damage, a file from a newer Backprop, and files
 * whose document disagrees with their tensors.
 */
#include "nn-model-file.h"
#include "nn-project.h"
#include "test-util.h"
#include "test-params.h"

#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

static char *tmp_root;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmp_root, name, NULL);
}

static float *
random_floats (NnRng *rng, size_t n)
{
  float *v = g_new (float, MAX (n, 1));

  for (size_t k = 0; k < n; k++)
    v[k] = nn_rng_range (rng, -3, 3);
  return v;
}

/* A state for @spec on @in with every field distinctive. */
static NnTrainState *
make_state (const char *spec_text, NnShape in, NnOptimKind kind, guint64 seed)
{
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse (spec_text, NULL);
  NnNetwork *net = nn_network_new (spec, in, NULL);
  NnTrainState *s = g_new0 (NnTrainState, 1);
  NnRng rng;

  nn_rng_init (&rng, seed, 3);
  s->n_params = nn_network_get_n_params (net);
  nn_network_free (net);
  s->params = random_floats (&rng, s->n_params);
  if (kind != NN_OPTIM_SGD)
    s->opt_m = random_floats (&rng, s->n_params);
  if (kind == NN_OPTIM_ADAM)
    s->opt_v = random_floats (&rng, s->n_params);
  s->opt_t = G_GUINT64_CONSTANT (9007199254740993) + seed;  /* 2^53 + 1: not a double */
  s->opt_lr = 0.00123f;
  s->epoch = 3;
  s->batch = 7;
  s->step = G_MAXUINT64 - seed;
  s->elapsed = 12.345678901234567;
  s->epoch_seconds = 1.0 / 3.0;
  s->sum_loss = 0.1 + 0.2;
  s->sum_correct = 99;
  s->sum_n = 112;
  nn_rng_init (&s->dropout_rng, seed * 1000003, 0xd40d);
  for (int k = 0; k < 5; k++)
    nn_rng_u32 (&s->dropout_rng);
  return s;
}

static void
fill_data_choice (NnDataChoice *c, const char *name, guint64 seed)
{
  nn_data_choice_init (c);
  c->name = g_strdup (name);
  c->csv_sha256 = g_str_has_prefix (name, "csv:") ? g_strdup ("00ff" "aa") : NULL;
  c->n_samples = 321;
  c->noise = 0.15f;
  c->val_fraction = 0.2f;
  c->standardize = FALSE;
  c->seed = seed;
}

static void
fill_config (NnTrainConfig *c, NnOptimKind kind, guint64 seed)
{
  nn_train_config_init (c);
  c->loss = NN_LOSS_MSE;
  c->optim = nn_optim_config_default (kind);
  c->optim.lr = 0.0371f;
  c->optim.momentum = 0.77f;
  c->optim.nesterov = TRUE;
  c->optim.beta1 = 0.81f;
  c->optim.beta2 = 0.991f;
  c->optim.eps = 1e-7f;
  c->optim.weight_decay = 1e-4f;
  c->init = NN_INIT_GLOROT;
  c->batch_size = 33;
  c->epochs = 17;
  c->seed = seed;
  c->threads = 1;
}

static NnRunRecord *
make_run (int i, const char *spec, NnShape in, NnOptimKind kind, gboolean with_state)
{
  NnRunRecord *r = nn_run_record_new ();
  const char *names[] = { "zero", "Ankle \"boot\"", "Café ☕", "", NULL };

  r->name = g_strdup_printf ("Run %d", i + 1);
  r->spec = g_strdup (spec);
  r->in_shape = in;
  fill_data_choice (&r->data, i == 1 ? "csv:/tmp/some file.csv" : "spiral", 5 + i);
  fill_config (&r->config, kind, G_GUINT64_CONSTANT (18446744073709551557) - i);
  r->status = (NnRunStatus) (i % NN_N_RUN_STATUSES);
  r->started = i == 0 ? -86400 : G_GINT64_CONSTANT (1764676800) + i;
  for (int k = 0; k < 50 + i; k++)
    {
      NnBatchPoint b = { (guint64) k + 1 + (G_GUINT64_CONSTANT (1) << 60), k / 7.0f,
                         1.0f / (k + 1), k % 3 ? NAN : 0.5f, 0.01f * (k + 1) };
      g_array_append_val (r->batches, b);
    }
  for (int k = 0; k < 3; k++)
    {
      NnEpochPoint e = { k + 1, 0.5f / (k + 1), 0.6f + k / 10.0f, NAN, NAN, 0.4f / (k + 1),
                         0.7f, 1.25 + k / 3.0 };
      g_array_append_val (r->epochs, e);
    }
  {
    NnLrChange c = { G_GUINT64_CONSTANT (12345678901234567), 0.05f };
    g_array_append_val (r->lr_changes, c);
  }
  if (with_state)
    r->state = make_state (spec, in, kind, 10 + i);
  if (i != 2)
    {
      /* One name per output, as the readers require. */
      g_autoptr(NnNetSpec) parsed = nn_net_spec_parse (spec, NULL);
      NnLayerInfo infos[8];
      size_t n_out;

      g_assert_true (nn_net_spec_check (parsed, in, 0, infos, NULL, NULL, NULL));
      n_out = nn_shape_size (infos[parsed->n_layers - 1].out);
      g_assert_cmpuint (n_out, <=, G_N_ELEMENTS (names) - 1);
      r->class_names = g_new0 (char *, n_out + 1);
      for (size_t k = 0; k < n_out; k++)
        r->class_names[k] = g_strdup (names[k]);
    }
  return r;
}

/* Four runs: two with weights (the model is run 3's), one without, one of
 * another network; a project-level editor state different from all. */
static NnProject *
make_project (void)
{
  NnProject *p = nn_project_new ();

  p->name = g_strdup ("My “project”");
  p->spec = g_strdup ("dense:8,tanh,dense:2");
  fill_data_choice (&p->data, "circles", 77);
  fill_config (&p->config, NN_OPTIM_MOMENTUM, 4);
  g_ptr_array_add (p->runs, make_run (0, "dense:5,relu,dropout:0.25,dense:3", nn_shape_1d (4),
                                      NN_OPTIM_ADAM, TRUE));
  g_ptr_array_add (p->runs, make_run (1, "flatten,dense:6,sigmoid,dense:2", nn_shape_3d (1, 3, 2),
                                      NN_OPTIM_MOMENTUM, FALSE));
  g_ptr_array_add (p->runs, make_run (2, "dense:3,relu,dense:2", nn_shape_1d (2), NN_OPTIM_SGD,
                                      TRUE));
  g_ptr_array_add (p->runs, make_run (3, "dense:4,relu,dense:2", nn_shape_1d (2),
                                      NN_OPTIM_ADAM, FALSE));
  return p;
}

static void
assert_same_float (float a, float b)
{
  if (isnan (a) || isnan (b))
    g_assert_true (isnan (a) && isnan (b));
  else
    g_assert_cmpmem (&a, sizeof a, &b, sizeof b);
}

static void
assert_same_double (double a, double b)
{
  if (isnan (a) || isnan (b))
    g_assert_true (isnan (a) && isnan (b));
  else
    g_assert_cmpmem (&a, sizeof a, &b, sizeof b);
}

static void
assert_same_choice (const NnDataChoice *a, const NnDataChoice *b)
{
  g_assert_cmpstr (a->name, ==, b->name);
  g_assert_cmpstr (a->csv_sha256, ==, b->csv_sha256);
  g_assert_cmpint (a->n_samples, ==, b->n_samples);
  assert_same_float (a->noise, b->noise);
  assert_same_float (a->val_fraction, b->val_fraction);
  g_assert_cmpint (a->standardize, ==, b->standardize);
  g_assert_cmpuint (a->seed, ==, b->seed);
}

static void
assert_same_config (const NnTrainConfig *a, const NnTrainConfig *b)
{
  g_assert_cmpint (a->loss, ==, b->loss);
  g_assert_cmpint (a->optim.kind, ==, b->optim.kind);
  assert_same_float (a->optim.lr, b->optim.lr);
  assert_same_float (a->optim.momentum, b->optim.momentum);
  g_assert_cmpint (a->optim.nesterov, ==, b->optim.nesterov);
  assert_same_double (a->optim.beta1, b->optim.beta1);
  assert_same_double (a->optim.beta2, b->optim.beta2);
  assert_same_float (a->optim.eps, b->optim.eps);
  assert_same_float (a->optim.weight_decay, b->optim.weight_decay);
  g_assert_cmpint (a->init, ==, b->init);
  g_assert_cmpint (a->batch_size, ==, b->batch_size);
  g_assert_cmpint (a->epochs, ==, b->epochs);
  g_assert_cmpuint (a->seed, ==, b->seed);
  g_assert_cmpint (a->threads, ==, b->threads);
}

static void
assert_same_state (const NnTrainState *a, const NnTrainState *b)
{
  if (a == NULL || b == NULL)
    {
      g_assert_true (a == b);
      return;
    }
  g_assert_cmpuint (a->n_params, ==, b->n_params);
  g_assert_cmpmem (a->params, a->n_params * 4, b->params, b->n_params * 4);
  g_assert_cmpuint (a->opt_t, ==, b->opt_t);
  assert_same_float (a->opt_lr, b->opt_lr);
  g_assert_true ((a->opt_m == NULL) == (b->opt_m == NULL));
  g_assert_true ((a->opt_v == NULL) == (b->opt_v == NULL));
  if (a->opt_m)
    g_assert_cmpmem (a->opt_m, a->n_params * 4, b->opt_m, b->n_params * 4);
  if (a->opt_v)
    g_assert_cmpmem (a->opt_v, a->n_params * 4, b->opt_v, b->n_params * 4);
  g_assert_cmpint (a->epoch, ==, b->epoch);
  g_assert_cmpint (a->batch, ==, b->batch);
  g_assert_cmpuint (a->step, ==, b->step);
  assert_same_double (a->elapsed, b->elapsed);
  assert_same_double (a->epoch_seconds, b->epoch_seconds);
  assert_same_double (a->sum_loss, b->sum_loss);
  g_assert_cmpint (a->sum_correct, ==, b->sum_correct);
  g_assert_cmpint (a->sum_n, ==, b->sum_n);
  g_assert_cmpuint (a->dropout_rng.state, ==, b->dropout_rng.state);
  g_assert_cmpuint (a->dropout_rng.inc, ==, b->dropout_rng.inc);
}

static void
assert_same_run (const NnRunRecord *a, const NnRunRecord *b)
{
  g_assert_cmpstr (a->name, ==, b->name);
  g_assert_cmpstr (a->spec, ==, b->spec);
  g_assert_true (nn_shape_equal (a->in_shape, b->in_shape));
  assert_same_choice (&a->data, &b->data);
  assert_same_config (&a->config, &b->config);
  g_assert_cmpint (a->status, ==, b->status);
  g_assert_cmpint (a->started, ==, b->started);
  g_assert_cmpuint (a->batches->len, ==, b->batches->len);
  for (guint k = 0; k < a->batches->len; k++)
    {
      const NnBatchPoint *x = &g_array_index (a->batches, NnBatchPoint, k);
      const NnBatchPoint *y = &g_array_index (b->batches, NnBatchPoint, k);
      g_assert_cmpuint (x->step, ==, y->step);
      assert_same_float (x->x, y->x);
      assert_same_float (x->loss, y->loss);
      assert_same_float (x->accuracy, y->accuracy);
      assert_same_float (x->lr, y->lr);
    }
  g_assert_cmpuint (a->epochs->len, ==, b->epochs->len);
  for (guint k = 0; k < a->epochs->len; k++)
    {
      const NnEpochPoint *x = &g_array_index (a->epochs, NnEpochPoint, k);
      const NnEpochPoint *y = &g_array_index (b->epochs, NnEpochPoint, k);
      g_assert_cmpint (x->epoch, ==, y->epoch);
      assert_same_float (x->train_loss, y->train_loss);
      assert_same_float (x->train_accuracy, y->train_accuracy);
      assert_same_float (x->val_loss, y->val_loss);
      assert_same_float (x->val_accuracy, y->val_accuracy);
      assert_same_float (x->test_loss, y->test_loss);
      assert_same_float (x->test_accuracy, y->test_accuracy);
      assert_same_double (x->seconds, y->seconds);
    }
  g_assert_cmpuint (a->lr_changes->len, ==, b->lr_changes->len);
  for (guint k = 0; k < a->lr_changes->len; k++)
    {
      const NnLrChange *x = &g_array_index (a->lr_changes, NnLrChange, k);
      const NnLrChange *y = &g_array_index (b->lr_changes, NnLrChange, k);
      g_assert_cmpuint (x->step, ==, y->step);
      assert_same_float (x->lr, y->lr);
    }
  assert_same_state (a->state, b->state);
  if (a->class_names == NULL || b->class_names == NULL)
    g_assert_true (a->class_names == b->class_names);
  else
    g_assert_cmpstrv (a->class_names, b->class_names);
}

static void
assert_same_project (const NnProject *a, const NnProject *b)
{
  g_assert_cmpint (b->format_version, ==, NN_PROJECT_FORMAT_VERSION);
  g_assert_cmpstr (a->name, ==, b->name);
  g_assert_cmpstr (a->spec, ==, b->spec);
  assert_same_choice (&a->data, &b->data);
  assert_same_config (&a->config, &b->config);
  g_assert_cmpuint (a->runs->len, ==, b->runs->len);
  for (guint i = 0; i < a->runs->len; i++)
    assert_same_run (g_ptr_array_index (a->runs, i), g_ptr_array_index (b->runs, i));
}

static void
test_round_trip (void)
{
  g_autofree char *path = tmp_path ("round-trip.backprop");
  g_autoptr(NnProject) p = make_project ();
  g_autoptr(NnProject) q = NULL;
  g_autoptr(NnProject) empty = nn_project_new ();
  g_autoptr(NnProject) e2 = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (nn_project_save (path, p, &error));
  g_assert_no_error (error);
  q = nn_project_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (q);
  assert_same_project (p, q);

  /* Saved again, it reads the same: nothing drifts through a round trip. */
  g_assert_true (nn_project_save (path, q, &error));
  g_clear_pointer (&q, nn_project_free);
  q = nn_project_load (path, &error);
  g_assert_no_error (error);
  assert_same_project (p, q);

  /* An empty project (a new document) round-trips too. */
  g_assert_true (nn_project_save (path, empty, &error));
  e2 = nn_project_load (path, &error);
  g_assert_no_error (error);
  assert_same_project (empty, e2);
  g_assert_null (nn_project_get_current_run (e2));
}

/* The newest run with weights is a model file as well, named as today;
 * the other runs' weights are under "runs.<i>.". */
static void
test_model_inside (void)
{
  g_autofree char *path = tmp_path ("model-inside.backprop");
  g_autoptr(NnProject) p = make_project ();
  g_autoptr(NnModelMeta) meta = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NnStFile) f = NULL;
  const NnRunRecord *model_run = g_ptr_array_index (p->runs, 2);
  const NnRunRecord *other = g_ptr_array_index (p->runs, 0);
  NnNetwork *net;
  float *w;
  int w_shape[2];

  g_assert_true (nn_project_save (path, p, &error));
  net = nn_model_load (path, &meta, &error);
  g_assert_no_error (error);
  g_assert_nonnull (net);
  g_assert_cmpstr (meta->spec, ==, model_run->spec);
  g_assert_cmpstr (meta->dataset, ==, "spiral");
  g_assert_cmpstr (meta->loss, ==, "mse");
  g_assert_null (model_run->class_names);
  g_assert_null (meta->class_names);
  g_assert_cmpuint (nn_network_get_n_params (net), ==, model_run->state->n_params);
  g_assert_cmpmem (nn_network_get_params (net), model_run->state->n_params * 4,
                   model_run->state->params, model_run->state->n_params * 4);
  nn_network_free (net);

  f = nn_st_open (path, "project file", &error);
  g_assert_no_error (error);
  g_assert_nonnull (nn_st_find (f, "0.weight"));
  g_assert_nonnull (nn_st_find (f, "runs.0.3.weight"));
  g_assert_nonnull (nn_st_find (f, "runs.0.optim.v"));
  g_assert_null (nn_st_find (f, "runs.2.0.weight"));
  g_assert_null (nn_st_find (f, "runs.2.optim.m"));   /* sgd */
  g_assert_nonnull (nn_st_find (f, "runs.1.batches.step"));
  g_assert_cmpint (nn_st_find (f, "runs.1.batches.step")->dtype, ==, NN_DTYPE_I64);
  g_assert_cmpstr (nn_st_get_meta (f, "format"), ==, "pt");
  {
    /* Run 1's first layer, as a state_dict of the same network would hold it. */
    const NnStTensor *t = nn_st_find (f, "runs.0.0.weight");
    g_autofree float *got = g_new (float, t->count);
    g_autoptr(NnNetSpec) spec = nn_net_spec_parse (other->spec, NULL);
    NnNetwork *n2 = nn_network_new (spec, other->in_shape, NULL);

    g_assert_cmpint (t->rank, ==, 2);
    g_assert_cmpint (t->shape[0], ==, 5);
    g_assert_cmpint (t->shape[1], ==, 4);
    g_assert_true (nn_st_read_f32 (f, t, got, &error));
    memcpy (nn_network_get_params (n2), other->state->params, other->state->n_params * 4);
    g_assert_true (test_layer_params (n2, 0, &w, w_shape, NULL, NULL));
    g_assert_cmpmem (got, t->count * 4, w, (gsize) w_shape[0] * w_shape[1] * 4);
    nn_network_free (n2);
  }
}

/* Resume */

typedef struct
{
  GArray *losses;        /* every batch's loss */
  GArray *epoch_losses;  /* train, test per epoch */
  int     pause_at;      /* step after which to pause, or 0 */
  NnTrainState *paused_state;
} Trace;

static void
trace_batch (NnTrainer *t, const NnBatchReport *r, gpointer data)
{
  Trace *tr = data;

  g_array_append_val (tr->losses, r->loss);
  if (tr->pause_at > 0 && r->step == (guint64) tr->pause_at)
    nn_trainer_pause (t);
}

static void
trace_epoch (NnTrainer *t, const NnEpochReport *r, gpointer data)
{
  Trace *tr = data;

  g_array_append_val (tr->epoch_losses, r->train_loss);
  g_array_append_val (tr->epoch_losses, r->test->loss);
}

/* Paused mid-epoch: save, as the window would, and stop. */
static void
trace_paused (NnTrainer *t, gpointer data)
{
  Trace *tr = data;

  tr->paused_state = nn_trainer_save_state (t);
  nn_trainer_stop (t);
}

static const NnTrainCallbacks trace_callbacks = { trace_batch, trace_epoch, trace_paused };

static void
trace_init (Trace *tr)
{
  memset (tr, 0, sizeof *tr);
  tr->losses = g_array_new (FALSE, FALSE, sizeof (float));
  tr->epoch_losses = g_array_new (FALSE, FALSE, sizeof (float));
}

static void
trace_clear (Trace *tr)
{
  g_array_unref (tr->losses);
  g_array_unref (tr->epoch_losses);
  nn_train_state_free (tr->paused_state);
}

static NnData *
load_spiral (void)
{
  NnDataOptions opts;
  GError *error = NULL;
  NnData *data;

  nn_data_options_init (&opts);
  opts.seed = 3;
  opts.val_fraction = 0.1f;
  data = nn_data_load ("spiral", &opts, &error);
  g_assert_no_error (error);
  return data;
}

typedef struct
{
  const char *spec;
  NnOptimKind optim;
  int         pause_at;   /* 0: stop after epoch 2; else the step to pause after */
} ResumeCase;

/* Saves @state in a project, loads it back and continues to 4 epochs. */
static NnTrainer *
continue_through_file (const char *file, const NnNetSpec *spec, NnData *data,
                       const NnTrainConfig *config, const NnTrainState *state)
{
  g_autofree char *path = tmp_path (file);
  g_autoptr(NnProject) p = nn_project_new ();
  g_autoptr(NnProject) q = NULL;
  NnRunRecord *run = nn_run_record_new ();
  g_autoptr(GError) error = NULL;
  NnTrainer *t;

  run->spec = nn_net_spec_to_string (spec);
  run->in_shape = data->train->shape;
  run->config = *config;
  run->status = NN_RUN_PAUSED;
  run->state = nn_train_state_copy (state);
  g_ptr_array_add (p->runs, run);
  g_assert_true (nn_project_save (path, p, &error));
  g_assert_no_error (error);
  q = nn_project_load (path, &error);
  g_assert_no_error (error);
  run = nn_project_get_current_run (q);
  assert_same_state (state, run->state);

  t = nn_trainer_new_from_state (spec, data, &run->config, run->state, &error);
  g_assert_no_error (error);
  g_assert_nonnull (t);
  return t;
}

static void
test_resume (gconstpointer data_)
{
  const ResumeCase *c = data_;
  g_autoptr(NnData) data = load_spiral ();
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse (c->spec, NULL);
  g_autoptr(GError) error = NULL;
  NnTrainConfig config;
  NnTrainer *t;
  Trace straight, parts;
  NnTrainState *state;
  gboolean ok;

  nn_train_config_init (&config);
  config.optim = nn_optim_config_default (c->optim);
  config.optim.lr = c->optim == NN_OPTIM_ADAM ? 0.01f : 0.05f;
  config.batch_size = 16;
  config.epochs = 4;
  config.seed = 11;

  trace_init (&straight);
  t = nn_trainer_new (spec, data, &config, &error);
  g_assert_no_error (error);
  g_assert_true (nn_trainer_run (t, &trace_callbacks, &straight, &error));
  state = nn_trainer_save_state (t);
  nn_trainer_free (t);

  trace_init (&parts);
  parts.pause_at = c->pause_at;
  config.epochs = c->pause_at ? 4 : 2;
  t = nn_trainer_new (spec, data, &config, &error);
  ok = nn_trainer_run (t, &trace_callbacks, &parts, &error);
  if (c->pause_at)
    {
      g_assert_error (error, NN_ERROR, NN_ERROR_CANCELLED);
      g_clear_error (&error);
      g_assert_false (ok);
      g_assert_nonnull (parts.paused_state);
      g_assert_cmpint (parts.paused_state->batch, >, 0);
    }
  else
    {
      g_assert_no_error (error);
      g_assert_true (ok);
      parts.paused_state = nn_trainer_save_state (t);
      g_assert_cmpint (parts.paused_state->epoch, ==, 2);
      g_assert_cmpint (parts.paused_state->batch, ==, 0);
    }
  nn_trainer_free (t);

  /* The first part really stopped early, with its weights not yet the final ones. */
  g_assert_cmpuint (parts.losses->len, <, straight.losses->len);
  g_assert_true (memcmp (parts.paused_state->params, state->params, state->n_params * 4) != 0);

  config.epochs = 4;
  t = continue_through_file ("resume.backprop", spec, data, &config, parts.paused_state);
  g_assert_true (nn_trainer_run (t, &trace_callbacks, &parts, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (parts.losses->len, ==, straight.losses->len);
  g_assert_cmpmem (parts.losses->data, parts.losses->len * 4, straight.losses->data,
                   straight.losses->len * 4);
  g_assert_cmpuint (parts.epoch_losses->len, ==, 2 * 4);
  g_assert_cmpmem (parts.epoch_losses->data, parts.epoch_losses->len * 4,
                   straight.epoch_losses->data, straight.epoch_losses->len * 4);
  g_assert_cmpuint (nn_network_get_n_params (nn_trainer_get_network (t)), ==, state->n_params);
  g_assert_cmpmem (nn_network_get_params (nn_trainer_get_network (t)), state->n_params * 4,
                   state->params, state->n_params * 4);
  {
    /* The optimizer and the random draws end where the straight run's do. */
    NnTrainState *end = nn_trainer_save_state (t);
    g_assert_cmpuint (end->opt_t, ==, state->opt_t);
    g_assert_cmpuint (end->step, ==, state->step);
    g_assert_cmpuint (end->dropout_rng.state, ==, state->dropout_rng.state);
    if (state->opt_v)
      g_assert_cmpmem (end->opt_v, end->n_params * 4, state->opt_v, state->n_params * 4);
    nn_train_state_free (end);
  }

  nn_trainer_free (t);
  nn_train_state_free (state);
  trace_clear (&straight);
  trace_clear (&parts);
}

/* A state that does not fit the network, optimizer or data is refused. */
static void
test_resume_mismatch (void)
{
  g_autoptr(NnData) data = load_spiral ();
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse ("dense:8,relu,dense:2", NULL);
  g_autoptr(NnNetSpec) other = nn_net_spec_parse ("dense:9,relu,dense:2", NULL);
  g_autoptr(GError) error = NULL;
  NnTrainConfig config, sgd;
  NnTrainer *t;
  NnTrainState *s;

  nn_train_config_init (&config);
  config.epochs = 1;
  t = nn_trainer_new (spec, data, &config, &error);
  g_assert_true (nn_trainer_run (t, NULL, NULL, &error));
  s = nn_trainer_save_state (t);
  nn_trainer_free (t);

  g_assert_null (nn_trainer_new_from_state (other, data, &config, s, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "weights"));
  g_clear_error (&error);

  sgd = config;
  sgd.optim = nn_optim_config_default (NN_OPTIM_SGD);
  g_assert_null (nn_trainer_new_from_state (spec, data, &sgd, s, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  s->batch = 100000;
  g_assert_null (nn_trainer_new_from_state (spec, data, &config, s, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "batch"));
  g_clear_error (&error);

  /* A position that fits, with totals or a learning rate that do not: the
   * message names what is wrong, not the position. */
  s->batch = 1;
  s->sum_n = config.batch_size + 1;
  g_assert_null (nn_trainer_new_from_state (spec, data, &config, s, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "unfinished epoch"));
  g_clear_error (&error);
  s->sum_n = 0;
  s->sum_correct = 0;
  s->opt_lr = NAN;
  g_assert_null (nn_trainer_new_from_state (spec, data, &config, s, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "learning rate"));
  g_clear_error (&error);
  nn_train_state_free (s);
}

/* Damage */

/* A small real project: one run of a few epochs, with its curves. */
static char *
small_project (const char *name)
{
  char *path = tmp_path (name);
  g_autoptr(NnProject) p = nn_project_new ();
  g_autoptr(GError) error = NULL;
  NnRunRecord *r = make_run (0, "dense:3,relu,dense:2", nn_shape_1d (2), NN_OPTIM_ADAM, TRUE);

  g_array_set_size (r->batches, 3);
  g_ptr_array_add (p->runs, r);
  g_assert_true (nn_project_save (path, p, &error));
  g_assert_no_error (error);
  return path;
}

static void
expect_corrupt (const char *path, const char *fragment)
{
  GError *error = NULL;
  NnProject *p = nn_project_load (path, &error);

  g_assert_null (p);
  g_assert_error (error, NN_ERROR, NN_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_true (g_str_has_suffix (error->message, "."));
  if (fragment != NULL && strstr (error->message, fragment) == NULL)
    g_error ("message “%s” does not mention “%s”", error->message, fragment);
  g_error_free (error);
}

static void
test_truncated (void)
{
  g_autofree char *path = small_project ("whole.backprop");
  g_autofree char *cut = tmp_path ("cut.backprop");
  gsize len;
  g_autofree guint8 *file = test_read_file (path, &len);

  for (gsize n = 0; n < len; n++)
    {
      GError *error = NULL;
      NnProject *p;

      test_write_file (cut, file, n);
      p = nn_project_load (cut, &error);
      g_assert_null (p);
      g_assert_error (error, NN_ERROR, NN_ERROR_CORRUPT);
      g_clear_error (&error);
    }
}

/* Random bytes changed anywhere: a clean error or a consistent project. */
static void
test_flipped (void)
{
  g_autofree char *path = small_project ("intact.backprop");
  g_autofree char *bad = tmp_path ("flipped.backprop");
  gsize len;
  g_autofree guint8 *file = test_read_file (path, &len);
  NnRng rng;
  int failed = 0;

  nn_rng_init (&rng, 99, 0);
  for (int trial = 0; trial < 600; trial++)
    {
      g_autofree guint8 *copy = g_memdup2 (file, len);
      GError *error = NULL;
      NnProject *p;

      for (int h = 0, hits = 1 + nn_rng_below (&rng, 3); h < hits; h++)
        copy[nn_rng_below (&rng, (guint32) len)] ^= (guint8) (1 + nn_rng_below (&rng, 255));
      test_write_file (bad, copy, len);
      p = nn_project_load (bad, &error);
      g_assert_true ((p == NULL) == (error != NULL));
      if (p == NULL)
        {
          g_assert_error (error, NN_ERROR, NN_ERROR_CORRUPT);
          failed++;
        }
      g_clear_error (&error);
      nn_project_free (p);
    }
  /* Most of the file is header and document; the data are a few floats. */
  g_assert_cmpint (failed, >, 300);
}

/* Rewrites @src with its project document edited (each @from replaced by
 * @to) and, if @extra, one more F32 tensor of that name. */
static char *
edit_project (const char *src, const char *name, const char *from, const char *to,
              const char *extra, const char *meta_key, const char *meta_value)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnStFile) f = nn_st_open (src, "project file", &error);
  g_autoptr(NnStWriter) w = nn_st_writer_new ();
  g_autoptr(GPtrArray) bufs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) doc = NULL;
  static const char *keys[] = { "format", "backprop_format_version", "spec", "input_shape",
                                "dataset", "loss", "class_names", "backprop.project" };
  static float one = 1.0f;
  gint64 one_shape = 1;
  char *path = tmp_path (name);

  g_assert_no_error (error);
  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    {
      const char *v = nn_st_get_meta (f, keys[k]);
      if (v == NULL)
        continue;
      if (meta_key != NULL && strcmp (keys[k], meta_key) == 0)
        v = meta_value;
      if (strcmp (keys[k], "backprop.project") == 0)
        {
          doc = g_string_new (v);
          if (from != NULL)
            g_assert_cmpuint (g_string_replace (doc, from, to, 0), >, 0);
          v = doc->str;
        }
      nn_st_writer_add_meta (w, keys[k], v);
    }
  for (int k = 0; k < nn_st_get_n_tensors (f); k++)
    {
      const NnStTensor *t = nn_st_get_tensor (f, k);
      void *buf = g_malloc (MAX (t->end - t->begin, 1));

      g_ptr_array_add (bufs, buf);
      if (t->dtype == NN_DTYPE_F32)
        {
          g_assert_true (nn_st_read_f32 (f, t, buf, &error));
          nn_st_writer_add_f32 (w, t->name, buf, t->rank, t->shape);
        }
      else
        {
          g_assert_true (nn_st_read_i64 (f, t, buf, &error));
          nn_st_writer_add_i64 (w, t->name, buf, t->rank, t->shape);
        }
    }
  if (extra != NULL)
    nn_st_writer_add_f32 (w, extra, &one, 1, &one_shape);
  g_assert_true (nn_st_writer_save (w, path, &error));
  g_assert_no_error (error);
  return path;
}

typedef struct
{
  const char *name;
  const char *from, *to;   /* an edit of the document */
  const char *extra;       /* a tensor to add */
  const char *fragment;    /* the message must mention this */
  const char *meta_key, *meta_value;  /* a model metadata string to change */
} Disagree;

static const Disagree disagree[] = {
  { "unchanged", NULL, NULL, NULL, NULL },
  { "newer", "\"format_version\":1", "\"format_version\":2", NULL,
    "was written by a newer Backprop (format 2); this one reads format 1." },
  { "version-zero", "\"format_version\":1", "\"format_version\":0", NULL, "format_version" },
  { "version-string", "\"format_version\":1", "\"format_version\":\"1\"", NULL,
    "format_version" },
  { "n-batches", "\"n_batches\":3", "\"n_batches\":4", NULL, "runs.0.batches.step" },
  { "no-batches", "\"n_batches\":3", "\"n_batches\":0", NULL, "belongs to nothing" },
  { "n-params", "\"n_params\":17", "\"n_params\":18", NULL, "weights" },
  { "no-state", "\"state\":{", "\"state\":null,\"x\":{", NULL, "belongs to nothing" },
  { "other-spec", "\"spec\":\"dense:3,relu,dense:2\"", "\"spec\":\"dense:3,tanh,dense:2\"",
    NULL, "model metadata" },
  { "wider-spec", "\"spec\":\"dense:3,relu,dense:2\"", "\"spec\":\"dense:4,relu,dense:2\"",
    NULL, "0.weight" },
  { "input-shape", "\"input_shape\":[2]", "\"input_shape\":[3]", NULL, "0.weight" },
  { "sgd-with-moments", "\"optimizer\":\"adam\"", "\"optimizer\":\"sgd\"", NULL, "optimizer" },
  { "no-v", "\"opt_v\":true", "\"opt_v\":false", NULL, "optimizer" },
  { "extra-tensor", NULL, NULL, "runs.7.optim.m", "runs.7.optim.m" },
  { "bad-status", "\"status\":\"paused\"", "\"status\":\"dancing\"", NULL, "status" },
  { "bad-loss", "\"loss\":\"mse\"", "\"loss\":\"hinge\"", NULL, "loss" },
  { "step-number", "\"opt_t\":\"", "\"opt_t\":1,\"x\":\"", NULL, "opt_t" },
  { "step-signed", "\"opt_t\":\"", "\"opt_t\":\"-", NULL, "opt_t" },
  { "lr-string", "\"opt_lr\":", "\"opt_lr\":\"0.1\",\"x\":", NULL, "opt_lr" },
  { "batch-size", "\"batch_size\":33", "\"batch_size\":0", NULL, "batch_size" },
  { "runs-object", "\"runs\":[", "\"runs\":{\"a\":[", NULL, NULL },
  { "deep", "\"lr_changes\":[", "\"lr_changes\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", NULL,
    "deep" },
  { "duplicate-key", "\"format_version\":1", "\"format_version\":1,\"format_version\":1",
    NULL, "twice" },
  { "class-names", "\"class_names\":[\"zero\"", "\"class_names\":[7", NULL, "class_names" },
  { "class-count", "\"class_names\":[\"zero\",", "\"class_names\":[\"zero\",\"one\",", NULL,
    "class names" },
  { "epoch-point", "\"epoch\":1,", "\"epoch\":\"1\",", NULL, "epochs[0]" },
  /* The model inside must read as a model and describe the run (found by
   * fuzz-project: these loaded as projects, and nn_model_load refused them). */
  { "model-version", NULL, NULL, NULL, "format version", "backprop_format_version", "0" },
  { "model-class-names", NULL, NULL, NULL, "model metadata", "class_names", "[\"zero\"]" },
  { "model-bad-class-names", NULL, NULL, NULL, "class names", "class_names", "{" },
  { "model-loss", NULL, NULL, NULL, "model metadata", "loss", "mae" },
  { "model-spec", NULL, NULL, NULL, "model metadata", "spec", "dense:3,sigmoid,dense:2" },
};

static void
test_disagree (gconstpointer data)
{
  const Disagree *d = data;
  g_autofree char *src = small_project ("agree.backprop");
  g_autofree char *name = g_strconcat (d->name, ".backprop", NULL);
  g_autofree char *path = edit_project (src, name, d->from, d->to, d->extra, d->meta_key,
                                        d->meta_value);

  if (d->fragment == NULL && d->from == NULL && d->extra == NULL && d->meta_key == NULL)
    {
      /* The editing itself changes nothing: the other cases fail for their edit. */
      g_autoptr(GError) error = NULL;
      g_autoptr(NnProject) p = nn_project_load (path, &error);
      g_assert_no_error (error);
      g_assert_nonnull (p);
      return;
    }
  expect_corrupt (path, d->fragment);
}

/* A model file is not a project, and says so; a missing project is NOT_FOUND. */
static void
test_not_a_project (void)
{
  g_autofree char *model = tmp_path ("plain.safetensors");
  g_autofree char *missing = tmp_path ("missing.backprop");
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse ("dense:3,relu,dense:2", NULL);
  g_autoptr(GError) error = NULL;
  NnNetwork *net = nn_network_new (spec, nn_shape_1d (2), NULL);

  g_assert_true (nn_model_save (model, net, NULL, &error));
  nn_network_free (net);
  expect_corrupt (model, "not a Backprop project");
  g_assert_null (nn_project_load (missing, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_NOT_FOUND);
}

/* A save that fails leaves the project it would replace intact; a FIFO is
 * refused and left a FIFO; a project that cannot be written is refused
 * before anything is touched. */
static void
test_save_fails (void)
{
  g_autofree char *path = small_project ("kept.backprop");
  g_autofree char *fifo = tmp_path ("pipe.backprop");
  g_autofree char *missing = tmp_path ("no-such-dir/x.backprop");
  g_autoptr(NnProject) big = make_project ();
  g_autoptr(NnProject) bad = make_project ();
  g_autoptr(GError) error = NULL;
  gsize len, len2;
  g_autofree guint8 *before = test_read_file (path, &len);
  g_autofree guint8 *after = NULL;
  NnRunRecord *r = g_ptr_array_index (big->runs, 0);
  struct stat st;
  gboolean ok;

  /* Make the project big enough that the write fails part way. */
  nn_train_state_free (r->state);
  g_free (r->spec);
  r->spec = g_strdup ("dense:256,relu,dense:3");
  r->state = make_state (r->spec, r->in_shape, NN_OPTIM_ADAM, 1);
  test_limit_file_size (16 * 1024);
  ok = nn_project_save (path, big, &error);
  test_limit_file_size (0);
  g_assert_false (ok);
  g_assert_error (error, NN_ERROR, NN_ERROR_IO);
  g_clear_error (&error);
  after = test_read_file (path, &len2);
  g_assert_cmpmem (before, len, after, len2);

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_false (nn_project_save (fifo, big, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_NOT_REGULAR_FILE);
  g_clear_error (&error);
  g_assert_cmpint (g_lstat (fifo, &st), ==, 0);
  g_assert_true (S_ISFIFO (st.st_mode));
  test_guard_hang (10);
  g_assert_null (nn_project_load (fifo, &error));
  test_guard_hang (0);
  g_assert_error (error, NN_ERROR, NN_ERROR_IO);
  g_clear_error (&error);

  g_assert_false (nn_project_save (missing, big, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* Weights that do not fit the run's network. */
  r = g_ptr_array_index (bad->runs, 0);
  r->state->n_params--;
  g_assert_false (nn_project_save (path, bad, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_clear_pointer (&after, g_free);
  after = test_read_file (path, &len2);
  g_assert_cmpmem (before, len, after, len2);

  /* Class names for a network that does not check: the message quotes the
   * network's own sentence and ends with one period, not two. */
  r = g_ptr_array_index (bad->runs, 1);
  g_free (r->spec);
  r->spec = g_strdup ("nonsense");
  g_strfreev (r->class_names);
  r->class_names = g_strsplit ("a,b", ",", -1);
  g_assert_false (nn_project_save (path, bad, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "one per output: "));
  g_assert_true (g_str_has_suffix (error->message, "."));
  g_assert_false (g_str_has_suffix (error->message, ".."));
  g_clear_error (&error);
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  int status;
  static const ResumeCase cases[] = {
    { "dense:16,relu,dense:16,tanh,dense:2", NN_OPTIM_ADAM, 0 },
    { "dense:16,relu,dropout:0.3,dense:16,tanh,dense:2", NN_OPTIM_ADAM, 0 },
    { "dense:16,relu,dropout:0.3,dense:16,tanh,dense:2", NN_OPTIM_ADAM, 37 },
    { "dense:16,relu,dropout:0.3,dense:2", NN_OPTIM_MOMENTUM, 50 },
    { "dense:16,relu,dense:2", NN_OPTIM_SGD, 13 },
    /* Running statistics and an I64 count through the file; the fused SGD
     * step too. */
    { "dense:16,batchnorm,relu,dense:2", NN_OPTIM_ADAM, 37 },
    { "dense:16,batchnorm,relu,dense:2", NN_OPTIM_SGD, 13 },
  };
  static const char *case_names[] = { "adam-after-epoch-2", "dropout-after-epoch-2",
                                      "dropout-paused-mid-epoch", "momentum-paused-mid-epoch",
                                      "sgd-paused-mid-epoch", "batchnorm-adam-paused-mid-epoch",
                                      "batchnorm-sgd-paused-mid-epoch" };

  g_test_init (&argc, &argv, NULL);
  tmp_root = g_dir_make_tmp ("backprop-project-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/engine/project/round-trip", test_round_trip);
  g_test_add_func ("/engine/project/model-inside", test_model_inside);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strconcat ("/engine/project/resume/", case_names[i], NULL);
      g_test_add_data_func (name, &cases[i], test_resume);
    }
  g_test_add_func ("/engine/project/resume-mismatch", test_resume_mismatch);
  g_test_add_func ("/engine/project/truncated", test_truncated);
  g_test_add_func ("/engine/project/flipped", test_flipped);
  for (guint i = 0; i < G_N_ELEMENTS (disagree); i++)
    {
      g_autofree char *name = g_strconcat ("/engine/project/disagree/", disagree[i].name, NULL);
      g_test_add_data_func (name, &disagree[i], test_disagree);
    }
  g_test_add_func ("/engine/project/not-a-project", test_not_a_project);
  g_test_add_func ("/engine/project/save-fails", test_save_fails);

  status = g_test_run ();
  test_remove_tree (tmp_root);
  g_free (tmp_root);
  return status;
}
