/* test-batchnorm.c: the batch norm kind and what it needs from the engine:
 * its kernels against their naive twins, its gradients against central
 * differences, training and evaluation modes, the running statistics
 * against hand-worked values, a batch of one, buffers kept out of every
 * optimizer, and its I64 scalar count through the model file. */
#include "nn-dataset.h"
#include "nn-gradcheck.h"
#include "nn-kernels.h"
#include "nn-model-file.h"
#include "nn-network.h"
#include "nn-optim.h"
#include "nn-project.h"
#include "nn-safetensors.h"
#include "nn-train.h"
#include "test-util.h"

#include <math.h>
#include <string.h>

static char *tmp_root;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmp_root, name, NULL);
}

static void
fill (float *v, size_t n, NnRng *rng, float lo, float hi)
{
  for (size_t i = 0; i < n; i++)
    v[i] = nn_rng_range (rng, lo, hi);
}

/* max |a - b| / (1 + |b|) */
static double
max_rel_diff (const float *a, const float *b, size_t n)
{
  double m = 0.0;

  for (size_t i = 0; i < n; i++)
    m = MAX (m, fabs ((double) a[i] - b[i]) / (1.0 + fabs ((double) b[i])));
  return m;
}

static NnNetwork *
network (const char *text, NnShape in)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse (text, &error);
  NnNetwork *net;

  g_assert_no_error (error);
  net = nn_network_new (spec, in, &error);
  g_assert_no_error (error);
  g_assert_nonnull (net);
  nn_network_init (net, NN_INIT_AUTO, 5);
  return net;
}

static float *
tensor (NnNetwork *net, int layer, const char *name)
{
  const NnParamInfo *p = nn_network_find_param (net, layer, name);

  g_assert_nonnull (p);
  return nn_network_get_params (net) + p->offset;
}

/* Kernels */

static void
test_kernels (void)
{
  static const int shapes[][3] = {   /* n, c, s */
    { 1, 3, 1 }, { 2, 1, 1 }, { 5, 17, 1 }, { 64, 33, 1 }, { 1, 2, 25 }, { 3, 4, 7 },
    { 2, 3, 64 }, { 7, 5, 9 }, { 64, 6, 17 }, { 1, 1, 3 },
  };
  NnRng rng;

  nn_rng_init (&rng, 1, 1);
  for (guint t = 0; t < G_N_ELEMENTS (shapes); t++)
    {
      int n = shapes[t][0], c = shapes[t][1], s = shapes[t][2];
      size_t m = (size_t) n * c * s;
      g_autofree float *x = g_new (float, m), *dout = g_new (float, m);
      g_autofree float *y = g_new (float, m), *y_ref = g_new (float, m);
      g_autofree float *din = g_new (float, m), *din_ref = g_new (float, m);
      g_autofree float *gamma = g_new (float, c), *beta = g_new (float, c);
      g_autofree float *mean = g_new (float, c), *var = g_new (float, c);
      g_autofree float *mean_ref = g_new (float, c), *var_ref = g_new (float, c);
      g_autofree float *inv_std = g_new (float, c), *scale = g_new (float, c);
      g_autofree float *dg = g_new (float, c), *db = g_new (float, c);
      g_autofree float *dg_ref = g_new (float, c), *db_ref = g_new (float, c);

      g_test_message ("n %d, c %d, s %d", n, c, s);
      /* An offset far from 0 shows a variance that cancels. */
      fill (x, m, &rng, 3.0f, 5.0f);
      fill (dout, m, &rng, -1.0f, 1.0f);
      fill (gamma, c, &rng, 0.5f, 1.5f);
      fill (beta, c, &rng, -0.5f, 0.5f);

      nn_batchnorm_stats (mean, var, x, n, c, s);
      for (int j = 0; j < c; j++)
        {
          inv_std[j] = 1.0f / sqrtf (var[j] + 1e-5f);
          scale[j] = gamma[j] * inv_std[j];
        }
      nn_batchnorm_apply (y, x, mean, scale, beta, n, c, s);
      nn_ref_batchnorm_forward (y_ref, mean_ref, var_ref, x, gamma, beta, 1e-5f, n, c, s);
      g_assert_cmpfloat (max_rel_diff (mean, mean_ref, c), <, 1e-6);
      g_assert_cmpfloat (max_rel_diff (var, var_ref, c), <, 1e-5);
      g_assert_cmpfloat (max_rel_diff (y, y_ref, m), <, 2e-4);

      nn_batchnorm_backward (din, dg, db, dout, x, mean, inv_std, gamma, n, c, s);
      nn_ref_batchnorm_backward (din_ref, dg_ref, db_ref, dout, x, gamma, 1e-5f, n, c, s);
      g_assert_cmpfloat (max_rel_diff (db, db_ref, c), <, 1e-5);
      g_assert_cmpfloat (max_rel_diff (dg, dg_ref, c), <, 2e-4);
      g_assert_cmpfloat (max_rel_diff (din, din_ref, m), <, 2e-3);
      /* Without din only the parameters' gradients, the same ones. */
      nn_batchnorm_backward (NULL, dg_ref, db_ref, dout, x, mean, inv_std, gamma, n, c, s);
      g_assert_cmpmem (dg, c * 4, dg_ref, c * 4);
      g_assert_cmpmem (db, c * 4, db_ref, c * 4);
    }
}

/* Gradients, training mode */

static double
grad_error (const char *text, NnShape in, int n)
{
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse (text, NULL);
  double err = nn_grad_check_network (spec, in, n, 42);

  g_test_message ("%-36s batch %d: relative error %.2e", text, n, err);
  g_assert_cmpfloat (err, >=, 0.0);
  return err;
}

static void
test_grad_check (void)
{
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse ("dense:4,batchnorm,tanh,dense:3", NULL);

  /* BatchNorm1d after a dense layer, and on its own. */
  g_assert_cmpfloat (grad_error ("dense:4,batchnorm,tanh,dense:3", nn_shape_1d (5), 6), <, 2e-3);
  g_assert_cmpfloat (grad_error ("batchnorm", nn_shape_1d (7), 5), <, 2e-3);
  /* BatchNorm2d on a C×H×W output. */
  g_assert_cmpfloat (grad_error ("relu,batchnorm,dense:3", nn_shape_3d (2, 5, 5), 3), <, 2e-3);
  g_assert_cmpfloat (grad_error ("batchnorm,sigmoid", nn_shape_3d (3, 2, 3), 2), <, 2e-3);
  /* After a convolution, as in a CNN. */
  g_assert_cmpfloat (grad_error ("conv:3:3,batchnorm,tanh,dense:2", nn_shape_3d (1, 5, 5), 3),
                     <, 2e-3);
  /* A batch of one C×H×W sample still has statistics per channel. */
  g_assert_cmpfloat (grad_error ("batchnorm,tanh", nn_shape_3d (2, 3, 3), 1), <, 2e-3);
  /* The check sees a gradient 10 % off. */
  g_assert_cmpfloat (nn_grad_check_network_scaled (spec, nn_shape_1d (5), 6, 42, 1.1), >, 2e-2);
}

/* Modes and running statistics */

static void
test_torch_module (void)
{
  NnLayerSpec bn = nn_layer_spec_default (NN_LAYER_BATCHNORM);
  NnLayerInfo info;
  g_autofree char *flat = NULL, *image = NULL;

  g_assert_true (nn_layer_infer (&bn, nn_shape_1d (128), &info, NULL));
  flat = nn_layer_torch_module (&bn, &info);
  g_assert_cmpstr (flat, ==, "nn.BatchNorm1d(128)");
  g_assert_cmpuint (info.n_params, ==, 4 * 128 + 1);
  g_assert_cmpuint (info.n_trainable, ==, 2 * 128);
  g_assert_true (nn_layer_infer (&bn, nn_shape_3d (16, 5, 5), &info, NULL));
  image = nn_layer_torch_module (&bn, &info);
  g_assert_cmpstr (image, ==, "nn.BatchNorm2d(16)");
  g_assert_true (nn_shape_equal (info.out, nn_shape_3d (16, 5, 5)));
}

/* Three training passes on C×H×W batches, then evaluation: every value
 * worked out here in double, as PyTorch's formulas say. */
static void
test_running_stats (void)
{
  const int n = 3, c = 2, s = 4, k_steps = 3;
  NnNetwork *net = network ("batchnorm", nn_shape_3d (c, 2, 2));
  float *w = tensor (net, 0, "weight"), *b = tensor (net, 0, "bias");
  float *rm = tensor (net, 0, "running_mean"), *rv = tensor (net, 0, "running_var");
  float *count = tensor (net, 0, "num_batches_tracked");
  double want_rm[2] = { 0, 0 }, want_rv[2] = { 1, 1 };
  float x[3 * 2 * 4];
  const float *y;
  NnRng rng;

  /* The identity to start with, as PyTorch's. */
  for (int j = 0; j < c; j++)
    {
      g_assert_cmpfloat (w[j], ==, 1.0f);
      g_assert_cmpfloat (b[j], ==, 0.0f);
      g_assert_cmpfloat (rm[j], ==, 0.0f);
      g_assert_cmpfloat (rv[j], ==, 1.0f);
    }
  g_assert_cmpfloat (*count, ==, 0.0f);
  w[0] = 2.0f;
  w[1] = 0.5f;
  b[0] = -1.0f;
  b[1] = 0.25f;

  nn_rng_init (&rng, 9, 9);
  for (int step = 0; step < k_steps; step++)
    {
      fill (x, G_N_ELEMENTS (x), &rng, -1.0f + step, 2.0f + 2 * step);
      y = nn_network_forward (net, x, n, TRUE, NULL);
      for (int j = 0; j < c; j++)
        {
          double mu = 0, v = 0, m = n * s;

          for (int i = 0; i < n; i++)
            for (int k = 0; k < s; k++)
              mu += x[(i * c + j) * s + k];
          mu /= m;
          for (int i = 0; i < n; i++)
            for (int k = 0; k < s; k++)
              v += pow (x[(i * c + j) * s + k] - mu, 2);
          /* Training: the batch's own mean and biased variance. */
          for (int i = 0; i < n; i++)
            for (int k = 0; k < s; k++)
              {
                int at = (i * c + j) * s + k;
                double want = (x[at] - mu) / sqrt (v / m + 1e-5) * w[j] + b[j];
                g_assert_cmpfloat_with_epsilon (y[at], want, 1e-5);
              }
          want_rm[j] = 0.9 * want_rm[j] + 0.1 * mu;
          want_rv[j] = 0.9 * want_rv[j] + 0.1 * v / (m - 1);
          g_assert_cmpfloat_with_epsilon (rm[j], want_rm[j], 1e-6);
          g_assert_cmpfloat_with_epsilon (rv[j], want_rv[j], 1e-6);
        }
      g_assert_cmpfloat (*count, ==, step + 1);
    }

  /* Evaluation: the running statistics, which it leaves alone. */
  fill (x, G_N_ELEMENTS (x), &rng, -3.0f, 3.0f);
  y = nn_network_forward (net, x, n, FALSE, NULL);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < c; j++)
      for (int k = 0; k < s; k++)
        {
          int at = (i * c + j) * s + k;
          double want = (x[at] - want_rm[j]) / sqrt (want_rv[j] + 1e-5) * w[j] + b[j];
          g_assert_cmpfloat_with_epsilon (y[at], want, 1e-5);
        }
  g_assert_cmpfloat (*count, ==, k_steps);
  for (int j = 0; j < c; j++)
    g_assert_cmpfloat_with_epsilon (rm[j], want_rm[j], 1e-6);
  nn_network_free (net);
}

/* One value per channel: normalised with variance 0 (each output is its
 * bias), no NaN anywhere, the running statistics untouched. */
static void
test_one_sample (void)
{
  NnNetwork *net = network ("batchnorm", nn_shape_1d (4));
  float *b = tensor (net, 0, "bias"), *w = tensor (net, 0, "weight");
  size_t n_params = nn_network_get_n_params (net);
  float x[4] = { 3, -2, 0.5f, 7 }, dout[4] = { 1, -1, 0.5f, 2 }, dx[4];
  g_autofree float *before = NULL;
  const float *y, *grads;

  for (int j = 0; j < 4; j++)
    {
      b[j] = 0.1f * j;
      w[j] = 1.0f + j;
    }
  before = g_memdup2 (nn_network_get_params (net), n_params * 4);
  y = nn_network_forward (net, x, 1, TRUE, NULL);
  for (int j = 0; j < 4; j++)
    g_assert_cmpfloat (y[j], ==, b[j]);
  g_assert_cmpmem (nn_network_get_params (net), n_params * 4, before, n_params * 4);

  nn_network_backward (net, dout, 1, FALSE, dx);
  grads = nn_network_get_grads (net);
  for (int j = 0; j < 4; j++)
    {
      g_assert_cmpfloat (dx[j], ==, 0.0f);
      g_assert_cmpfloat (grads[j], ==, 0.0f);      /* weight: xhat is 0 */
      g_assert_cmpfloat (grads[4 + j], ==, dout[j]); /* bias */
    }
  /* The fused SGD step moves the bias alone, and no buffer. */
  nn_network_forward (net, x, 1, TRUE, NULL);
  nn_network_backward_sgd (net, dout, 1, FALSE, 0.5f, 0.0f);
  for (int j = 0; j < 4; j++)
    {
      g_assert_cmpfloat (b[j], ==, before[4 + j] - 0.5f * dout[j]);
      g_assert_cmpfloat (w[j], ==, before[j]);
    }
  g_assert_cmpmem (nn_network_get_params (net) + 8, (n_params - 8) * 4, before + 8,
                   (n_params - 8) * 4);
  nn_network_free (net);

  /* A C×H×W sample has H×W values per channel: statistics as usual. */
  net = network ("batchnorm", nn_shape_3d (1, 1, 2));
  {
    float x2[2] = { 1, 3 };
    y = nn_network_forward (net, x2, 1, TRUE, NULL);
    g_assert_cmpfloat_with_epsilon (y[0], -1.0, 1e-4);
    g_assert_cmpfloat_with_epsilon (y[1], 1.0, 1e-4);
    g_assert_cmpfloat_with_epsilon (*tensor (net, 0, "running_mean"), 0.2, 1e-6);
    g_assert_cmpfloat_with_epsilon (*tensor (net, 0, "running_var"), 0.9 + 0.1 * 2, 1e-6);
    g_assert_cmpfloat (*tensor (net, 0, "num_batches_tracked"), ==, 1.0f);
  }
  nn_network_free (net);
}

/* Buffers and optimizers */

/* Every float of the buffers of @net, in table order (transfer full). */
static float *
buffers_of (NnNetwork *net, size_t *n_out)
{
  int n_table = 0;
  const NnParamInfo *table = nn_network_get_param_table (net, &n_table);
  GArray *v = g_array_new (FALSE, FALSE, sizeof (float));

  for (int t = 0; t < n_table; t++)
    if (table[t].role == NN_PARAM_BUFFER)
      g_array_append_vals (v, nn_network_get_params (net) + table[t].offset, table[t].size);
  *n_out = v->len;
  return (float *) g_array_free (v, FALSE);
}

/* Steps by hand: forward, backward, an optimizer step with weight decay.
 * What the forward passes left in the buffers, the step leaves; a
 * whole-block optimizer (the bug this guards against) would not. */
static void
check_step_keeps_buffers (NnOptimKind kind, gboolean whole_block)
{
  NnNetwork *net = network ("dense:6,batchnorm,relu,dense:3,batchnorm", nn_shape_1d (4));
  NnOptimConfig c = nn_optim_config_default (kind);
  size_t n_params = nn_network_get_n_params (net);
  int n_table = 0;
  const NnParamInfo *table = nn_network_get_param_table (net, &n_table);
  NnOptimizer *opt;
  float x[8 * 4], dout[8 * 3];
  gboolean changed = FALSE;
  NnRng rng;

  c.weight_decay = 0.1f;
  opt = whole_block ? nn_optimizer_new (&c, n_params, NULL)
                    : nn_optimizer_new_for_table (&c, table, n_table, n_params, NULL);
  g_assert_nonnull (opt);
  nn_rng_init (&rng, 4, 4);
  for (int step = 0; step < 5; step++)
    {
      g_autofree float *after_forward = NULL, *after_step = NULL;
      size_t n_buf = 0;

      fill (x, G_N_ELEMENTS (x), &rng, -1, 1);
      fill (dout, G_N_ELEMENTS (dout), &rng, -1, 1);
      nn_network_forward (net, x, 8, TRUE, NULL);
      after_forward = buffers_of (net, &n_buf);
      nn_network_backward (net, dout, 8, FALSE, NULL);
      nn_optimizer_step (opt, nn_network_get_params (net), nn_network_get_grads (net));
      after_step = buffers_of (net, &n_buf);
      g_assert_cmpuint (n_buf, ==, (6 + 6 + 1) + (3 + 3 + 1));
      if (memcmp (after_forward, after_step, n_buf * 4) != 0)
        changed = TRUE;
    }
  g_assert_cmpint (changed, ==, whole_block);
  if (!whole_block)
    {
      /* No moments for the buffers either, and the counts are whole. */
      const float *m = nn_optimizer_get_m (opt), *v = nn_optimizer_get_v (opt);

      g_assert_cmpfloat (*tensor (net, 1, "num_batches_tracked"), ==, 5.0f);
      g_assert_cmpfloat (*tensor (net, 4, "num_batches_tracked"), ==, 5.0f);
      for (int t = 0; t < n_table; t++)
        for (size_t k = table[t].offset; k < table[t].offset + table[t].size; k++)
          {
            gboolean buffer = table[t].role == NN_PARAM_BUFFER;

            if (v != NULL && buffer)
              g_assert_cmpfloat (v[k], ==, 0.0f);
            if (m != NULL && buffer)
              g_assert_cmpfloat (m[k], ==, 0.0f);
          }
    }
  nn_optimizer_free (opt);
  nn_network_free (net);
}

static void
test_optimizers_skip_buffers (void)
{
  for (int kind = 0; kind < NN_N_OPTIMS; kind++)
    {
      g_test_message ("%s", nn_optim_name ((NnOptimKind) kind));
      check_step_keeps_buffers ((NnOptimKind) kind, FALSE);
      check_step_keeps_buffers ((NnOptimKind) kind, TRUE);
    }
}

static NnData *
load_spiral (void)
{
  NnDataOptions opts;
  GError *error = NULL;
  NnData *data;

  nn_data_options_init (&opts);
  opts.seed = 3;
  data = nn_data_load ("spiral", &opts, &error);
  g_assert_no_error (error);
  return data;
}

/* A trainer, every optimizer with weight decay (plain SGD through the
 * fused backward): the count is the number of batches, a whole number
 * that decay would have shrunk, and the running statistics stay sane. */
static void
test_trainer_keeps_buffers (void)
{
  g_autoptr(NnData) data = load_spiral ();
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse ("dense:12,batchnorm,relu,dense:2", NULL);

  for (int kind = 0; kind < NN_N_OPTIMS; kind++)
    {
      NnTrainConfig config;
      g_autoptr(GError) error = NULL;
      NnTrainer *t;
      NnNetwork *net;
      int n_batches;

      nn_train_config_init (&config);
      config.optim = nn_optim_config_default ((NnOptimKind) kind);
      config.optim.weight_decay = 0.05f;
      config.batch_size = 32;
      config.epochs = 2;
      t = nn_trainer_new (spec, data, &config, &error);
      g_assert_no_error (error);
      g_assert_true (nn_trainer_run (t, NULL, NULL, &error));
      g_assert_no_error (error);
      net = nn_trainer_get_network (t);
      n_batches = 2 * ((data->n_train + 31) / 32);
      /* Decayed, the count would no longer be a whole number. */
      g_assert_cmpfloat (*tensor (net, 1, "num_batches_tracked"), ==, (float) n_batches);
      for (int j = 0; j < 12; j++)
        {
          g_assert_true (isfinite (tensor (net, 1, "running_mean")[j]));
          g_assert_cmpfloat (tensor (net, 1, "running_var")[j], >, 0.0f);
        }
      nn_trainer_free (t);
    }
}

/* An epoch whose last batch is one sample (BatchNorm1d has one value per
 * channel there): training goes on, finite, and that batch is not counted
 * in the running statistics. */
static void
test_trainer_last_batch_of_one (void)
{
  g_autoptr(NnData) data = load_spiral ();
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse ("dense:12,batchnorm,relu,dense:2", NULL);
  g_autoptr(GError) error = NULL;
  NnTrainConfig config;
  NnTrainer *t;
  NnNetwork *net;

  nn_train_config_init (&config);
  config.batch_size = data->n_train - 1;
  config.epochs = 3;
  t = nn_trainer_new (spec, data, &config, &error);
  g_assert_no_error (error);
  g_assert_true (nn_trainer_run (t, NULL, NULL, &error));
  g_assert_no_error (error);
  net = nn_trainer_get_network (t);
  g_assert_cmpfloat (*tensor (net, 1, "num_batches_tracked"), ==, 3.0f);
  for (size_t k = 0; k < nn_network_get_n_params (net); k++)
    g_assert_true (isfinite (nn_network_get_params (net)[k]));
  nn_trainer_free (t);
}

/* Files */

static NnNetwork *
trained_network (const char *text, NnShape in, int steps)
{
  NnNetwork *net = network (text, in);
  size_t in_size = nn_network_get_in_size (net), out_size = nn_network_get_out_size (net);
  g_autofree float *x = g_new (float, 16 * in_size), *dout = g_new (float, 16 * out_size);
  NnRng rng;

  nn_rng_init (&rng, 8, 8);
  for (int k = 0; k < steps; k++)
    {
      fill (x, 16 * in_size, &rng, -1, 2);
      fill (dout, 16 * out_size, &rng, -1, 1);
      nn_network_forward (net, x, 16, TRUE, NULL);
      nn_network_backward_sgd (net, dout, 16, FALSE, 0.1f, 0.0f);
    }
  return net;
}

/* The JSON header of the safetensors file at @path (transfer full). */
static JsonObject *
read_header (const char *path, char **bytes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len = 0;
  guint64 n = 0;

  g_assert_true (g_file_get_contents (path, bytes, &len, &error));
  g_assert_no_error (error);
  for (int i = 0; i < 8; i++)
    n |= (guint64) (guint8) (*bytes)[i] << (8 * i);
  g_assert_true (json_parser_load_from_data (parser, *bytes + 8, (gssize) n, &error));
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
assert_count_tensor (JsonObject *header, const char *name, gint64 n_header, const char *bytes,
                     gint64 want)
{
  JsonObject *t = json_object_get_object_member (header, name);
  JsonArray *offsets;
  gint64 value;

  g_test_message ("%s", name);
  g_assert_nonnull (t);
  g_assert_cmpstr (json_object_get_string_member (t, "dtype"), ==, "I64");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (t, "shape")), ==, 0);
  offsets = json_object_get_array_member (t, "data_offsets");
  g_assert_cmpint (json_array_get_int_element (offsets, 1) - json_array_get_int_element (offsets, 0),
                   ==, 8);
  memcpy (&value, bytes + 8 + n_header + json_array_get_int_element (offsets, 0), 8);
  g_assert_cmpint (GINT64_FROM_LE (value), ==, want);
}

static void
test_model_file (void)
{
  NnNetwork *net = trained_network ("dense:5,batchnorm,relu,dense:2", nn_shape_1d (3), 7);
  g_autofree char *path = tmp_path ("bn.safetensors"), *bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) header = NULL;
  JsonObject *mean;
  guint64 n_header = 0;
  NnNetwork *loaded;
  float x[4 * 3], y1[4 * 2], y2[4 * 2];
  NnRng rng;

  g_assert_true (nn_model_save (path, net, NULL, &error));
  g_assert_no_error (error);

  /* In the file: I64, shape [], the count itself; running statistics F32. */
  header = read_header (path, &bytes);
  g_assert_nonnull (strstr (bytes + 8, "\"1.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[]"));
  for (int i = 0; i < 8; i++)
    n_header |= (guint64) (guint8) bytes[i] << (8 * i);
  assert_count_tensor (header, "1.num_batches_tracked", n_header, bytes, 7);
  mean = json_object_get_object_member (header, "1.running_mean");
  g_assert_cmpstr (json_object_get_string_member (mean, "dtype"), ==, "F32");
  g_assert_cmpint (json_array_get_int_element (json_object_get_array_member (mean, "shape"), 0),
                   ==, 5);
  g_assert_true (json_object_has_member (header, "1.running_var"));
  g_assert_true (json_object_has_member (header, "1.weight"));
  g_assert_true (json_object_has_member (header, "1.bias"));

  loaded = nn_model_load (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (nn_network_get_params (loaded), nn_network_get_n_params (loaded) * 4,
                   nn_network_get_params (net), nn_network_get_n_params (net) * 4);
  nn_rng_init (&rng, 1, 2);
  fill (x, G_N_ELEMENTS (x), &rng, -1, 1);
  g_assert_true (nn_network_predict (net, x, 4, y1));
  g_assert_true (nn_network_predict (loaded, x, 4, y2));
  g_assert_cmpmem (y1, sizeof y1, y2, sizeof y2);
  nn_network_free (loaded);

  /* A count the file cannot say is refused on saving, in words. */
  *tensor (net, 1, "num_batches_tracked") = 2.5f;
  g_assert_false (nn_model_save (path, net, NULL, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "“1.num_batches_tracked” is 2.5"));
  test_assert_sentence (error->message);
  nn_network_free (net);
}

/* Two runs in a project: the newest one's count under the model's name,
 * the older one's under "runs.0.", both I64 [], and both states back as
 * they were. */
static void
test_project_file (void)
{
  g_autoptr(NnData) data = load_spiral ();
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse ("dense:6,batchnorm,relu,dense:2", NULL);
  g_autofree char *path = tmp_path ("bn.backprop"), *bytes = NULL;
  g_autoptr(NnProject) p = nn_project_new ();
  g_autoptr(NnProject) q = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) header = NULL;
  NnTrainConfig config;
  NnTrainer *t;
  guint64 n_header = 0;
  int n_batches;

  nn_train_config_init (&config);
  config.batch_size = 50;
  t = nn_trainer_new (spec, data, &config, &error);
  g_assert_no_error (error);
  n_batches = (data->n_train + 49) / 50;
  for (int i = 0; i < 2; i++)
    {
      NnRunRecord *run = nn_run_record_new ();

      nn_trainer_set_epochs (t, i + 1);
      g_assert_true (nn_trainer_run (t, NULL, NULL, &error));
      g_assert_no_error (error);
      run->spec = nn_net_spec_to_string (spec);
      run->in_shape = data->train->shape;
      run->config = config;
      run->status = NN_RUN_PAUSED;
      run->state = nn_trainer_save_state (t);
      g_ptr_array_add (p->runs, run);
    }
  nn_trainer_free (t);
  g_assert_true (nn_project_save (path, p, &error));
  g_assert_no_error (error);

  header = read_header (path, &bytes);
  for (int i = 0; i < 8; i++)
    n_header |= (guint64) (guint8) bytes[i] << (8 * i);
  assert_count_tensor (header, "1.num_batches_tracked", n_header, bytes, 2 * n_batches);
  assert_count_tensor (header, "runs.0.1.num_batches_tracked", n_header, bytes, n_batches);

  q = nn_project_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (q->runs->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      const NnTrainState *a = ((NnRunRecord *) g_ptr_array_index (p->runs, i))->state;
      const NnTrainState *b = ((NnRunRecord *) g_ptr_array_index (q->runs, i))->state;

      g_assert_cmpuint (a->n_params, ==, b->n_params);
      g_assert_cmpmem (a->params, a->n_params * 4, b->params, b->n_params * 4);
      g_assert_cmpmem (a->opt_m, a->n_params * 4, b->opt_m, b->n_params * 4);
      g_assert_cmpmem (a->opt_v, a->n_params * 4, b->opt_v, b->n_params * 4);
    }
}

typedef struct
{
  const char *name;
  const char *tensor;   /* replaced in the file */
  NnDtype     dtype;
  int         rank;
  gint64      dim;      /* of a rank 1 tensor */
  gint64      value;    /* I64: every element */
  const char *says;     /* in the message */
} Corrupt;

static void
test_corrupt (gconstpointer data)
{
  const Corrupt *c = data;
  NnNetwork *net = trained_network ("dense:5,batchnorm,relu,dense:2", nn_shape_1d (3), 2);
  g_autofree char *path = tmp_path ("corrupt.safetensors");
  g_autoptr(GError) error = NULL;
  int n_table = 0;
  const NnParamInfo *table = nn_network_get_param_table (net, &n_table);
  NnStWriter *w = nn_st_writer_new ();
  gint64 ints[8], shape[1] = { c->dim };
  float floats[8] = { 0 };

  g_assert_true (_nn_model_write_meta (w, net, NULL, &error));
  for (int i = 0; i < 8; i++)
    ints[i] = c->value;
  for (int k = 0; k < n_table; k++)
    {
      g_autofree char *name = g_strdup_printf ("%d.%s", table[k].layer, table[k].name);
      gint64 dims[NN_PARAM_MAX_RANK];

      for (int d = 0; d < table[k].rank; d++)
        dims[d] = table[k].shape[d];
      if (g_str_equal (name, c->tensor))
        {
          if (c->dtype == NN_DTYPE_I64)
            nn_st_writer_add_i64 (w, name, ints, c->rank, shape);
          else
            nn_st_writer_add_f32 (w, name, floats, c->rank, shape);
        }
      else if (table[k].dtype == NN_PARAM_I64)
        nn_st_writer_add_i64 (w, name, ints, 0, dims);
      else
        nn_st_writer_add_f32 (w, name, nn_network_get_params (net) + table[k].offset,
                              table[k].rank, dims);
    }
  g_assert_true (nn_st_writer_save (w, path, &error));
  g_assert_no_error (error);
  nn_st_writer_free (w);

  g_assert_null (nn_model_load (path, NULL, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_CORRUPT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, c->says));
  g_assert_nonnull (strstr (error->message, c->tensor));
  test_assert_sentence (error->message);
  nn_network_free (net);
}

static const Corrupt corrupt_cases[] = {
  { "count-as-f32", "1.num_batches_tracked", NN_DTYPE_F32, 0, 0, 0, "not the I64 count" },
  { "mean-as-i64", "1.running_mean", NN_DTYPE_I64, 1, 5, 0, "not the F32 values" },
  { "count-shape-1", "1.num_batches_tracked", NN_DTYPE_I64, 1, 1, 3, "has shape [1]" },
  { "var-shape", "1.running_var", NN_DTYPE_F32, 1, 4, 0, "has shape [4]" },
  { "count-negative", "1.num_batches_tracked", NN_DTYPE_I64, 0, 0, -2, "cannot be negative" },
  { "count-too-big", "1.num_batches_tracked", NN_DTYPE_I64, 0, 0, 16777217, "largest count" },
};

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  tmp_root = g_dir_make_tmp ("backprop-batchnorm-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/engine/batchnorm/kernels", test_kernels);
  g_test_add_func ("/engine/batchnorm/grad-check", test_grad_check);
  g_test_add_func ("/engine/batchnorm/torch-module", test_torch_module);
  g_test_add_func ("/engine/batchnorm/running-stats", test_running_stats);
  g_test_add_func ("/engine/batchnorm/one-sample", test_one_sample);
  g_test_add_func ("/engine/batchnorm/optimizers-skip-buffers", test_optimizers_skip_buffers);
  g_test_add_func ("/engine/batchnorm/trainer-keeps-buffers", test_trainer_keeps_buffers);
  g_test_add_func ("/engine/batchnorm/trainer-last-batch-of-one", test_trainer_last_batch_of_one);
  g_test_add_func ("/engine/batchnorm/model-file", test_model_file);
  g_test_add_func ("/engine/batchnorm/project-file", test_project_file);
  for (guint i = 0; i < G_N_ELEMENTS (corrupt_cases); i++)
    {
      g_autofree char *name = g_strconcat ("/engine/batchnorm/corrupt/", corrupt_cases[i].name,
                                           NULL);
      g_test_add_data_func (name, &corrupt_cases[i], test_corrupt);
    }
  status = g_test_run ();
  test_remove_tree (tmp_root);
  g_free (tmp_root);
  return status;
}
