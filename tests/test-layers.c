/* test-layers.c: kernels against their naive oracles, every layer's backward
 * against central differences, shape inference and specs. */
#include "nn-dataset.h"
#include "nn-gradcheck.h"
#include "nn-kernels.h"
#include "nn-loss.h"
#include "nn-network.h"
#include "nn-optim.h"
#include "test-util.h"
#include "test-params.h"

#include <float.h>
#include <math.h>
#include <string.h>

static void
fill (float *v, size_t n, NnRng *rng)
{
  for (size_t i = 0; i < n; i++)
    v[i] = nn_rng_range (rng, -1.0f, 1.0f);
}

static double
max_abs_diff (const float *a, const float *b, size_t n)
{
  double m = 0.0;
  for (size_t i = 0; i < n; i++)
    m = MAX (m, fabs ((double) a[i] - b[i]));
  return m;
}

static void
test_sgemm_matches_reference (void)
{
  NnRng rng;
  const int m = 37, n = 23, k = 51;

  nn_rng_init (&rng, 3, 0);
  for (int ta = 0; ta < 2; ta++)
    for (int tb = 0; tb < 2; tb++)
      {
        g_autofree float *a = g_new (float, m * k), *b = g_new (float, k * n);
        g_autofree float *c1 = g_new (float, m * n), *c2 = g_new (float, m * n);

        fill (a, m * k, &rng);
        fill (b, k * n, &rng);
        fill (c1, m * n, &rng);
        memcpy (c2, c1, sizeof (float) * m * n);
        nn_sgemm (ta, tb, m, n, k, 0.5f, a, ta ? m : k, b, tb ? k : n, 2.0f, c1, n);
        nn_ref_sgemm (ta, tb, m, n, k, 0.5f, a, ta ? m : k, b, tb ? k : n, 2.0f, c2, n);
        g_assert_cmpfloat (max_abs_diff (c1, c2, m * n), <, 1e-4);
      }
}

typedef struct
{
  const float *a, *b;
  float *c;
  int m, n, k;
} NestedProduct;

/* Part 0 runs on the caller while it holds the team, so its product's
 * parts run one after the other there. */
static void
nested_part (void *data, int part, int parts)
{
  NestedProduct *p = data;

  if (part == 0)
    nn_sgemm (false, true, p->m, p->n, p->k, 1.0f, p->a, p->k, p->b, p->k, 0.0f, p->c, p->n);
}

/* Large products are shared out by blocks of C, small ones are not, and
 * every way round gives the reference's numbers. */
static void
test_sgemm_threads (void)
{
  const int m = 131, n = 140, k = 121;  /* 2.2M multiply-adds */
  g_autofree float *a = g_new (float, m * k), *b = g_new (float, k * n);
  g_autofree float *c1 = g_new (float, m * n), *c2 = g_new (float, m * n);
  unsigned split;
  NnRng rng;

  g_assert_cmpfloat ((double) m * n * k, >=, NN_SGEMM_SMALL);
  nn_rng_init (&rng, 5, 0);
  fill (a, m * k, &rng);
  fill (b, k * n, &rng);

  for (int threads = 1; threads <= 3; threads++)
    for (int ta = 0; ta < 2; ta++)
      for (int tb = 0; tb < 2; tb++)
        {
          nn_team_set_threads (threads);
          fill (c1, m * n, &rng);
          memcpy (c2, c1, sizeof (float) * m * n);
          split = nn_team_get_n_split ();
          nn_sgemm (ta, tb, m, n, k, 0.5f, a, ta ? m : k, b, tb ? k : n, 0.75f, c1, n);
          g_assert_cmpuint (nn_team_get_n_split (), ==, split + (threads > 1));
          nn_ref_sgemm (ta, tb, m, n, k, 0.5f, a, ta ? m : k, b, tb ? k : n, 0.75f, c2, n);
          g_assert_cmpfloat (max_abs_diff (c1, c2, m * n), <, 1e-3);
        }

  /* with the team busy, the same parts on the caller give the same bits */
  {
    g_autofree float *c3 = g_new (float, m * n);
    NestedProduct job = { a, b, c3, m, n, k };

    nn_team_set_threads (2);
    nn_sgemm (false, true, m, n, k, 1.0f, a, k, b, k, 0.0f, c1, n);
    nn_team_run (2, nested_part, &job);
    g_assert_cmpmem (c1, sizeof (float) * m * n, c3, sizeof (float) * m * n);
  }

  /* a small product stays on the caller */
  nn_team_set_threads (2);
  split = nn_team_get_n_split ();
  nn_sgemm (false, false, 40, 40, 40, 1.0f, a, 40, b, 40, 0.0f, c1, 40);
  g_assert_cmpuint (nn_team_get_n_split (), ==, split);

  nn_team_set_threads (0);
  g_assert_cmpint (nn_team_get_threads (), ==, MIN ((int) g_get_num_processors (), 16));
}

/* Each part records whether its thread computed a denormal. */
static void
denormal_part (void *data, int part, int parts)
{
  int *kept = data;
  volatile float tiny = FLT_MIN, half = 0.5f;

  kept[part] = tiny * half > 0.0f;
}

/* A team job runs in the mode of the thread that started it, on every
 * worker, and a job after a flushing one computes denormals again. */
static void
test_team_fp_mode (void)
{
  int kept[3];

  if (!nn_fp_can_flush ())
    {
      g_test_skip ("This processor has no switch to flush denormals.");
      return;
    }
  nn_team_set_threads (3);
  for (int round = 0; round < 3; round++)
    {
      unsigned mode = round == 1 ? NN_FP_FLUSH : 0;

      nn_fp_set_mode (mode);
      g_assert_cmpuint (nn_fp_get_mode (), ==, mode);
      memset (kept, 0xff, sizeof kept);
      nn_team_run (3, denormal_part, kept);
      for (int part = 0; part < 3; part++)
        g_assert_cmpint (kept[part], ==, mode == 0);
    }
  nn_fp_set_mode (0);
  nn_team_set_threads (0);
}

typedef struct
{
  GThread *caller;
  int      runs[4];         /* times each part ran */
  int      by_caller[4];    /* ... on the calling thread */
} ClaimJob;

static void
claim_part_fn (void *data, int part, int parts)
{
  ClaimJob *job = data;

  g_atomic_int_inc (&job->runs[part]);
  if (g_thread_self () == job->caller)
    g_atomic_int_inc (&job->by_caller[part]);
}

/* Parts are claimed: each runs once, whoever claims it, and part 0 on the
 * caller; with the workers asleep the caller may take their parts. */
static void
test_team_claims (void)
{
  int stolen = 0;

  nn_team_set_threads (4);
  for (int round = 0; round < 50; round++)
    {
      ClaimJob job = { g_thread_self () };

      /* Long enough for the workers to stop spinning and sleep. */
      g_usleep (2000);
      nn_team_run (4, claim_part_fn, &job);
      for (int part = 0; part < 4; part++)
        g_assert_cmpint (job.runs[part], ==, 1);
      g_assert_cmpint (job.by_caller[0], ==, 1);
      stolen += job.by_caller[1] + job.by_caller[2] + job.by_caller[3];
    }
  /* Not asserted: which thread gets there first is the scheduler's call
   * (alone here 96 of 150; beside the rest of the suite, none). */
  g_test_message ("the caller ran %d of 150 workers' parts", stolen);
  nn_team_set_threads (0);
}

static void
test_dense_matches_reference (void)
{
  const int n = 17, in = 45, out = 13;
  g_autofree float *x = g_new (float, n * in), *w = g_new (float, out * in), *b = g_new (float, out);
  g_autofree float *y1 = g_new (float, n * out), *y2 = g_new (float, n * out);
  g_autofree float *g = g_new (float, n * out);
  g_autofree float *dx1 = g_new (float, n * in), *dx2 = g_new (float, n * in);
  g_autofree float *dw1 = g_new (float, out * in), *dw2 = g_new (float, out * in);
  g_autofree float *db1 = g_new (float, out), *db2 = g_new (float, out);
  NnRng rng;

  nn_rng_init (&rng, 4, 0);
  fill (x, n * in, &rng);
  fill (w, out * in, &rng);
  fill (b, out, &rng);
  fill (g, n * out, &rng);
  nn_dense_forward (y1, x, w, b, n, in, out);
  nn_ref_dense_forward (y2, x, w, b, n, in, out);
  g_assert_cmpfloat (max_abs_diff (y1, y2, n * out), <, 1e-4);
  nn_dense_backward (dx1, dw1, db1, g, x, w, n, in, out);
  nn_ref_dense_backward (dx2, dw2, db2, g, x, w, n, in, out);
  g_assert_cmpfloat (max_abs_diff (dx1, dx2, n * in), <, 1e-4);
  g_assert_cmpfloat (max_abs_diff (dw1, dw2, out * in), <, 1e-4);
  g_assert_cmpfloat (max_abs_diff (db1, db2, out), <, 1e-4);
}

/* Bias gradients over a whole MNIST-sized batch: 60000 rows of about the
 * same value. Summed in float they came out up to 3.4e-4 off the double
 * sum (the column of 1.3s); in double only the final rounding is left.
 * The SGD pass's bias step, b - lr sum, likewise. */
static void
test_bias_sum_precision (void)
{
  const int n = 60000, out = 5;
  g_autofree float *dout = g_new (float, (size_t) n * out);
  g_autofree float *x = g_new (float, n);
  float w[5] = { 0 }, b[5], db[5], dw[5];
  double sums[5] = { 0 }, worst = 0.0, worst_sgd = 0.0;
  NnRng rng;

  nn_rng_init (&rng, 60, 0);
  for (int i = 0; i < n; i++)
    {
      x[i] = 1.0f;
      for (int j = 0; j < out; j++)
        {
          dout[(size_t) i * out + j] = (0.1f + 0.3f * j) * (1.0f + 1e-3f * nn_rng_range (&rng, -1, 1));
          sums[j] += dout[(size_t) i * out + j];
        }
    }
  nn_dense_backward (NULL, dw, db, dout, x, w, n, 1, out);
  for (int j = 0; j < out; j++)
    {
      b[j] = 0.25f;
      worst = MAX (worst, fabs (db[j] - sums[j]) / sums[j]);
    }
  nn_dense_backward_sgd_replicated (NULL, w, b, dout, (const float *const *) &x, 1, n, 1, out,
                                    1e-3f, 0.0f);
  for (int j = 0; j < out; j++)
    {
      double expect = 0.25 - (double) 1e-3f * sums[j];
      worst_sgd = MAX (worst_sgd, fabs (b[j] - expect) / fabs (expect));
    }
  if (g_test_verbose ())
    g_printerr ("bias gradient relative error %.1e, SGD bias step %.1e\n", worst, worst_sgd);
  g_assert_cmpfloat (worst, <, 1e-7);
  g_assert_cmpfloat (worst_sgd, <, 1e-7);
}

static void
check_spec (const char *text, NnShape in, double tolerance)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse (text, &error);
  double err;

  g_assert_no_error (error);
  err = nn_grad_check_network (spec, in, 5, 42);
  if (g_test_verbose ())
    g_printerr ("%-40s relative error %.2e\n", text, err);
  g_assert_cmpfloat (err, >=, 0.0);
  g_assert_cmpfloat (err, <, tolerance);
}

static void
test_grad_dense (void)
{
  check_spec ("dense:7", nn_shape_1d (6), 1e-3);
}

static void
test_grad_activations (void)
{
  check_spec ("relu", nn_shape_1d (9), 1e-3);
  check_spec ("leaky_relu:0.1", nn_shape_1d (9), 1e-3);
  check_spec ("sigmoid", nn_shape_1d (9), 1e-3);
  check_spec ("tanh", nn_shape_1d (9), 1e-3);
}

static void
test_grad_softmax (void)
{
  /* Softmax on its own: the Jacobian-vector product, not the fused loss. */
  check_spec ("softmax", nn_shape_1d (6), 1e-3);
}

static void
test_grad_dropout_flatten (void)
{
  check_spec ("dropout:0.5", nn_shape_1d (12), 1e-3);
  check_spec ("flatten,dense:4", nn_shape_3d (2, 3, 3), 1e-3);
}

static void
test_grad_composed (void)
{
  check_spec ("dense:8,relu,dense:6,tanh,dropout:0.3,dense:5,sigmoid,dense:3,softmax",
              nn_shape_1d (4), 2e-3);
  check_spec ("flatten,dense:10,leaky_relu:0.05,dense:4", nn_shape_3d (1, 4, 4), 2e-3);
}

static void
test_grad_check_values_and_errors (void)
{
  /* Two small networks check well, and a network that cannot be built is
   * reported as a negative error rather than a number that looks good. */
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse ("dense:3,tanh", NULL);
  g_autoptr(NnNetSpec) other = nn_net_spec_parse ("dense:3,sigmoid", NULL);
  double good = nn_grad_check_network (spec, nn_shape_1d (4), 3, 1);
  double also_good = nn_grad_check_network (other, nn_shape_1d (4), 3, 1);

  g_assert_cmpfloat (good, <, 1e-3);
  g_assert_cmpfloat (also_good, <, 1e-3);
  g_assert_cmpfloat (nn_grad_check_network (spec, nn_shape_1d (0), 3, 1), <, 0.0);
}

/* The check catches a backward pass that is 5 % off, or one that has the
 * sign wrong: the relative error is about half the fault, far above the
 * 1e-3 a correct pass gets. */
static void
test_grad_check_catches_faults (void)
{
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse ("dense:5,tanh,dense:4,softmax", NULL);
  double good = nn_grad_check_network_scaled (spec, nn_shape_1d (6), 4, 2, 1.0);
  double off = nn_grad_check_network_scaled (spec, nn_shape_1d (6), 4, 2, 1.05);
  double flipped = nn_grad_check_network_scaled (spec, nn_shape_1d (6), 4, 2, -1.0);

  g_assert_cmpfloat (good, <, 1e-3);
  g_assert_cmpfloat (off, >, 0.02);
  g_assert_cmpfloat (off, <, 0.03);
  g_assert_cmpfloat (flipped, >, 0.99);
}

static void
test_relu_forward_values (void)
{
  float x[] = { -2, -0.5f, 0, 0.5f, 3 }, y[5], d[5], ones[] = { 1, 1, 1, 1, 1 };

  nn_relu_forward (y, x, 5);
  g_assert_cmpfloat (y[0], ==, 0.0f);
  g_assert_cmpfloat (y[4], ==, 3.0f);
  nn_leaky_relu_forward (y, x, 0.1f, 5);
  g_assert_cmpfloat_with_epsilon (y[0], -0.2f, 1e-6);
  nn_leaky_relu_backward (d, ones, x, 0.1f, 5);
  g_assert_cmpfloat_with_epsilon (d[1], 0.1f, 1e-6);
  g_assert_cmpfloat_with_epsilon (d[3], 1.0f, 1e-6);
}

static void
test_dropout_modes (void)
{
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse ("dropout:0.5", NULL);
  NnNetwork *net = nn_network_new (spec, nn_shape_1d (1000), NULL);
  g_autofree float *x = g_new (float, 1000);
  const float *y;
  NnRng rng;
  int zeros = 0;

  for (int i = 0; i < 1000; i++)
    x[i] = 1.0f;
  nn_rng_init (&rng, 9, 0);
  y = nn_network_forward (net, x, 1, TRUE, &rng);
  for (int i = 0; i < 1000; i++)
    {
      g_assert_true (y[i] == 0.0f || y[i] == 2.0f);
      zeros += y[i] == 0.0f;
    }
  g_assert_cmpint (zeros, >, 400);
  g_assert_cmpint (zeros, <, 600);
  /* Evaluation mode is the identity. */
  y = nn_network_forward (net, x, 1, FALSE, NULL);
  for (int i = 0; i < 1000; i++)
    g_assert_cmpfloat (y[i], ==, 1.0f);
  nn_network_free (net);
}

/* What every kind's table must hold, checked for every registered kind:
 * its name finds it, its defaults are valid and print and parse back to
 * themselves, a value just outside each setting's range is refused, a
 * required setting cannot be left out, and its tensors tile its part of
 * the parameter block exactly (sizes, offsets, ranks, unique names). Fails
 * for a kind whose table contradicts itself, which the per-kind tests
 * elsewhere would each have to catch again. */
static void
test_layer_registry (void)
{
  for (int kind = 0; kind < NN_N_LAYER_KINDS; kind++)
    {
      const NnLayerOps *ops = nn_layer_ops ((NnLayerKind) kind);
      NnLayerSpec spec = nn_layer_spec_default ((NnLayerKind) kind), parsed;
      NnParamInfo params[NN_LAYER_MAX_TENSORS];
      g_autofree char *text = NULL, *module = NULL;
      NnLayerKind found;
      NnLayerInfo info;
      GError *error = NULL;
      size_t offset = 0;
      int n;

      g_assert_nonnull (ops);
      g_test_message ("%s", ops->name);
      g_assert_true (ops->forward != NULL && ops->backward != NULL);
      g_assert_true (nn_layer_kind_from_name (ops->name, &found));
      g_assert_cmpint (found, ==, kind);
      g_assert_true (ops->label[0] != '\0' && g_str_has_prefix (ops->torch, "nn."));
      g_assert_cmpint (ops->n_args, <=, NN_LAYER_MAX_ARGS);

      g_assert_true (nn_layer_spec_validate (&spec, &error));
      g_assert_no_error (error);
      text = nn_layer_spec_to_string (&spec);
      g_assert_true (nn_layer_spec_parse (text, &parsed, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (&parsed, sizeof parsed, &spec, sizeof spec);
      for (int a = 0; a < ops->n_args; a++)
        {
          const NnLayerArg *arg = &ops->args[a];
          NnLayerSpec bad = spec;

          g_assert_cmpfloat (nn_layer_spec_get (&spec, arg->name), ==, (float) arg->def);
          bad.arg[a] = (float) (arg->min - 1);
          g_assert_false (nn_layer_spec_validate (&bad, NULL));
          bad.arg[a] = (float) (arg->max_open ? arg->max : arg->max + 1);
          g_assert_false (nn_layer_spec_validate (&bad, NULL));
          if (arg->required)
            g_assert_false (nn_layer_spec_parse (ops->name, &parsed, NULL));
        }

      g_assert_true (nn_layer_infer (&spec, nn_shape_3d (2, 3, 3), &info, &error));
      g_assert_no_error (error);
      if (kind == NN_LAYER_DENSE)
        g_assert_cmpuint (info.n_macs, ==, 18 * (size_t) spec.arg[0]);
      else if (kind == NN_LAYER_CONV)
        g_assert_cmpuint (info.n_macs, ==, 2 * spec.arg[1] * spec.arg[1] * nn_shape_size (info.out));
      else if (ops->macs == NULL)
        g_assert_cmpuint (info.n_macs, ==, 0);
      n = ops->params ? ops->params (&spec, info.in, info.out, params) : 0;
      g_assert_cmpint (n, <=, NN_LAYER_MAX_TENSORS);
      g_assert_cmpint (n > 0, ==, nn_layer_kind_has_params ((NnLayerKind) kind));
      for (int k = 0; k < n; k++)
        {
          size_t size = 1;

          /* A scalar (rank 0) only as an I64 buffer, a count. */
          g_assert_cmpint (params[k].rank, >=, params[k].dtype == NN_PARAM_I64 ? 0 : 1);
          g_assert_true (params[k].dtype == NN_PARAM_F32 || params[k].role == NN_PARAM_BUFFER);
          g_assert_cmpint (params[k].rank, <=, NN_PARAM_MAX_RANK);
          for (int d = 0; d < params[k].rank; d++)
            size *= params[k].shape[d];
          g_assert_cmpuint (params[k].size, ==, size);
          g_assert_cmpuint (params[k].offset, ==, offset);
          offset += size;
          for (int j = 0; j < k; j++)
            g_assert_cmpstr (params[j].name, !=, params[k].name);
        }
      g_assert_cmpuint (offset, ==, info.n_params);
      module = nn_layer_torch_module (&spec, &info);
      g_assert_true (g_str_has_prefix (module, ops->torch) && g_str_has_suffix (module, ")"));
    }
}

static void
test_spec_parse_and_print (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnNetSpec) spec =
    nn_net_spec_parse ("dense:128, relu,leaky-relu:0.2,dropout:0.25,flatten,Softmax,tanh,sigmoid",
                       &error);
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (spec->n_layers, ==, 8);
  g_assert_cmpint (nn_layer_spec_get (&spec->layers[0], "units"), ==, 128);
  g_assert_cmpfloat_with_epsilon (nn_layer_spec_get (&spec->layers[2], "slope"), 0.2f, 1e-6);
  text = nn_net_spec_to_string (spec);
  g_assert_cmpstr (text, ==, "dense:128,relu,leaky_relu:0.2,dropout:0.25,flatten,softmax,tanh,sigmoid");
}

static void
test_spec_errors (void)
{
  const char *bad[] = { "", "dense", "dense:0", "dense:-3", "dense:12x", "dropout:1.5",
                        "dropout", "conv9", "relu:3", "dense:128,,relu", "leaky_relu:abc" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      NnNetSpec *spec = nn_net_spec_parse (bad[i], &error);
      g_assert_null (spec);
      g_assert_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT);
      g_assert_cmpuint (strlen (error->message), >, 10);
      test_assert_sentence (error->message);
    }
}

/* A setting out of range is named with the layer as typed; a missing one
 * gets an example that parses, whatever the kind (no "conv:16" for a
 * convolution, which needs its kernel size too). */
static void
test_spec_error_words (void)
{
  static const struct { const char *text, *words; } cases[] = {
    { "dense:0", "“dense:0” needs a whole number from 1 to " },
    { "conv:6:65", "“conv:6:65” needs a whole number from 1 to 64 as its kernel size." },
    { "conv:6:5:1.5", "“conv:6:5:1.5” needs a whole number from 0 to 64 as its stride." },
    { "maxpool:2:-1", "“maxpool:2:-1” needs a whole number from 0 to 64 as its stride." },
    { "conv:6", "A convolution layer needs its kernel size, e.g. “conv:6:5”." },
    { "conv", "A convolution layer needs its number of filters, e.g. “conv:16:5”." },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      NnLayerSpec spec;

      g_assert_false (nn_layer_spec_parse (cases[i].text, &spec, &error));
      g_assert_nonnull (error);
      g_test_message ("%s: %s", cases[i].text, error->message);
      g_assert_nonnull (strstr (error->message, cases[i].words));
      test_assert_sentence (error->message);
    }
  /* The same words for a spec made without text (the panel's). */
  {
    g_autoptr(GError) error = NULL;
    NnLayerSpec spec = nn_layer_spec_default (NN_LAYER_CONV);

    spec.arg[1] = 65.0f;
    g_assert_false (nn_layer_spec_validate (&spec, &error));
    g_assert_cmpstr (error->message, ==,
                     "A convolution layer needs a kernel size from 1 to 64, not 65.");
  }
  for (int k = 0; k < NN_N_LAYER_KINDS; k++)
    {
      const NnLayerOps *ops = nn_layer_ops ((NnLayerKind) k);
      g_autoptr(GError) error = NULL;
      NnLayerSpec spec;
      const char *open, *close;
      g_autofree char *example = NULL;

      if (nn_layer_spec_parse (ops->name, &spec, &error))
        continue;
      open = strstr (error->message, "e.g. “");
      g_assert_nonnull (open);
      open += strlen ("e.g. “");
      close = strstr (open, "”");
      g_assert_nonnull (close);
      example = g_strndup (open, close - open);
      g_test_message ("%s: %s", ops->name, example);
      g_assert_true (nn_layer_spec_parse (example, &spec, NULL));
    }
}

static void
test_spec_check (void)
{
  NnLayerInfo infos[8];
  int bad = 99, fit = 99;
  g_autoptr(GError) error = NULL;
  g_autoptr(NnNetSpec) mlp = nn_net_spec_parse ("dense:128,relu,dense:64,relu,dense:10", NULL);
  g_autoptr(NnNetSpec) wrong_out = nn_net_spec_parse ("dense:128,relu,dense:7", NULL);
  g_autoptr(NnNetSpec) empty = nn_net_spec_new ();
  g_autoptr(NnNetSpec) no_params = nn_net_spec_parse ("relu", NULL);
  g_autoptr(NnNetSpec) huge = nn_net_spec_parse ("dense:1000000,dense:100000", NULL);

  g_assert_true (nn_net_spec_check (mlp, nn_shape_3d (1, 28, 28), 10, infos, &fit, &bad, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (infos[0].n_params, ==, 784 * 128 + 128);
  g_assert_cmpuint (infos[2].n_params, ==, 128 * 64 + 64);
  g_assert_cmpuint (nn_shape_size (infos[4].out), ==, 10);
  g_assert_cmpint (fit, ==, 5);

  g_assert_false (nn_net_spec_check (wrong_out, nn_shape_1d (2), 2, infos, &fit, &bad, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_SHAPE);
  g_assert_cmpint (bad, ==, 2);
  g_assert_cmpint (fit, ==, 3);  /* every layer fits; the network's end does not */
  g_assert_nonnull (strstr (error->message, "7 outputs"));
  test_assert_sentence (error->message);
  g_clear_error (&error);

  g_assert_false (nn_net_spec_check (empty, nn_shape_1d (2), 2, NULL, NULL, &bad, &error));
  g_assert_cmpint (bad, ==, -1);
  test_assert_sentence (error->message);
  g_clear_error (&error);

  g_assert_false (nn_net_spec_check (no_params, nn_shape_1d (2), 2, NULL, &fit, &bad, &error));
  g_assert_cmpint (fit, ==, 1);
  test_assert_sentence (error->message);
  g_clear_error (&error);

  g_assert_false (nn_net_spec_check (huge, nn_shape_1d (784), 0, NULL, &fit, &bad, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_SHAPE);
  g_assert_cmpint (bad, ==, 0);
  g_assert_cmpint (fit, ==, 0);
}

static void
test_spec_edit (void)
{
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse ("dense:8,relu,dense:2", NULL);
  NnLayerSpec tanh_layer = nn_layer_spec_default (NN_LAYER_TANH);
  g_autofree char *a = NULL, *b = NULL, *c = NULL;

  nn_net_spec_insert (spec, 1, &tanh_layer);
  a = nn_net_spec_to_string (spec);
  g_assert_cmpstr (a, ==, "dense:8,tanh,relu,dense:2");
  nn_net_spec_move (spec, 1, 2);
  b = nn_net_spec_to_string (spec);
  g_assert_cmpstr (b, ==, "dense:8,relu,tanh,dense:2");
  nn_net_spec_remove (spec, 2);
  c = nn_net_spec_to_string (spec);
  g_assert_cmpstr (c, ==, "dense:8,relu,dense:2");
}

static void
test_init_schemes (void)
{
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse ("dense:256,relu", NULL);
  NnNetwork *net = nn_network_new (spec, nn_shape_1d (400), NULL);
  NnNetwork *net2 = nn_network_new (spec, nn_shape_1d (400), NULL);
  size_t n = 400 * 256;
  float *w = nn_network_get_params (net);
  double sum2 = 0.0, max_abs = 0.0;

  nn_network_init (net, NN_INIT_HE, 5);
  for (size_t i = 0; i < n; i++)
    sum2 += (double) w[i] * w[i];
  /* He: variance 2 / fan_in */
  g_assert_cmpfloat (fabs (sum2 / n - 2.0 / 400), <, 0.1 * 2.0 / 400);

  nn_network_init (net, NN_INIT_UNIFORM, 5);
  for (size_t i = 0; i < n; i++)
    max_abs = MAX (max_abs, fabs (w[i]));
  g_assert_cmpfloat (max_abs, <=, 1.0);
  g_assert_cmpfloat (max_abs, >, 0.99);

  /* Same seed, same weights; biases zero. */
  nn_network_init (net, NN_INIT_AUTO, 11);
  nn_network_init (net2, NN_INIT_AUTO, 11);
  g_assert_cmpmem (w, sizeof (float) * nn_network_get_n_params (net),
                   nn_network_get_params (net2), sizeof (float) * nn_network_get_n_params (net2));
  g_assert_cmpfloat (w[n], ==, 0.0f);
  nn_network_init (net2, NN_INIT_AUTO, 12);
  g_assert_true (memcmp (w, nn_network_get_params (net2), sizeof (float) * n) != 0);
  nn_network_free (net);
  nn_network_free (net2);
}

static void
test_fused_sgd_matches_step (void)
{
  /* backward_sgd must equal backward followed by an SGD step, including
   * weight decay and the input gradients computed from the old weights. */
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse ("dense:16,relu,dense:12,tanh,dense:5", NULL);
  NnNetwork *a = nn_network_new (spec, nn_shape_1d (9), NULL);
  NnNetwork *b = nn_network_new (spec, nn_shape_1d (9), NULL);
  NnOptimConfig c = nn_optim_config_default (NN_OPTIM_SGD);
  NnOptimizer *opt;
  size_t n_params = nn_network_get_n_params (a);
  const int n = 7;
  g_autofree float *x = g_new (float, n * 9), *g = g_new (float, n * 5);
  NnRng rng;

  c.lr = 0.05f;
  c.weight_decay = 0.01f;
  opt = nn_optimizer_new (&c, n_params, NULL);
  nn_network_init (a, NN_INIT_GLOROT, 3);
  nn_network_init (b, NN_INIT_GLOROT, 3);
  nn_rng_init (&rng, 8, 0);
  for (int step = 0; step < 5; step++)
    {
      fill (x, n * 9, &rng);
      fill (g, n * 5, &rng);
      nn_network_forward (a, x, n, TRUE, NULL);
      nn_network_backward (a, g, n, FALSE, NULL);
      nn_optimizer_step (opt, nn_network_get_params (a), nn_network_get_grads (a));
      nn_network_forward (b, x, n, TRUE, NULL);
      nn_network_backward_sgd (b, g, n, FALSE, c.lr, c.weight_decay);
    }
  g_assert_cmpfloat (max_abs_diff (nn_network_get_params (a), nn_network_get_params (b), n_params),
                     <, 1e-5);
  /* And it did move the weights. */
  nn_network_init (b, NN_INIT_GLOROT, 3);
  g_assert_cmpfloat (max_abs_diff (nn_network_get_params (a), nn_network_get_params (b), n_params),
                     >, 1e-2);
  nn_optimizer_free (opt);
  nn_network_free (a);
  nn_network_free (b);
}

/* A batch gathered by the network itself, one copy per core, gives the
 * same outputs and the same training steps as the batch gathered once. */
static void
test_forward_rows (void)
{
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse ("dense:96,relu,dense:10", NULL);
  const int n_samples = 300, n = 64, in = 784;
  NnDataset *ds = nn_dataset_new (NN_TASK_CLASSIFICATION, nn_shape_1d (in), n_samples, 10, TRUE,
                                  NULL);
  NnNetwork *a = nn_network_new (spec, nn_shape_1d (in), NULL);
  NnNetwork *b = nn_network_new (spec, nn_shape_1d (in), NULL);
  NnOptimConfig c = nn_optim_config_default (NN_OPTIM_ADAM);
  NnOptimizer *opt_a, *opt_b;
  size_t n_params = nn_network_get_n_params (a);
  g_autofree float *x = g_new (float, n * in), *g = g_new (float, n * 10);
  guint32 rows[64];
  unsigned split;
  NnRng rng;

  /* the first product is shared out and the step too */
  g_assert_cmpfloat ((double) n * 96 * in, >=, NN_SGEMM_SMALL);
  g_assert_cmpuint (n_params, >=, 65536);
  nn_team_set_threads (2);
  nn_rng_init (&rng, 9, 0);
  for (size_t k = 0; k < (size_t) n_samples * in; k++)
    ds->bytes[k] = (guint8) nn_rng_below (&rng, 256);
  nn_network_init (a, NN_INIT_HE, 4);
  nn_network_init (b, NN_INIT_HE, 4);
  opt_a = nn_optimizer_new (&c, n_params, NULL);
  opt_b = nn_optimizer_new (&c, n_params, NULL);
  split = nn_team_get_n_split ();
  for (int step = 0; step < 4; step++)
    {
      const float *ya, *yb;

      for (int i = 0; i < n; i++)
        rows[i] = nn_rng_below (&rng, n_samples);
      fill (g, n * 10, &rng);
      nn_dataset_gather (ds, rows, n, x, NULL, NULL);
      ya = nn_network_forward (a, x, n, TRUE, NULL);
      yb = nn_network_forward_rows (b, ds, rows, n, TRUE, NULL);
      g_assert_cmpmem (ya, sizeof (float) * n * 10, yb, sizeof (float) * n * 10);
      nn_network_backward (a, g, n, FALSE, NULL);
      nn_network_backward (b, g, n, FALSE, NULL);
      nn_optimizer_step (opt_a, nn_network_get_params (a), nn_network_get_grads (a));
      nn_optimizer_step (opt_b, nn_network_get_params (b), nn_network_get_grads (b));
      g_assert_cmpmem (nn_network_get_params (a), sizeof (float) * n_params,
                       nn_network_get_params (b), sizeof (float) * n_params);
    }
  /* per step: the gather, two products on each side and two steps */
  g_assert_cmpuint (nn_team_get_n_split (), ==, split + 4 * 7);
  nn_team_set_threads (0);
  nn_optimizer_free (opt_a);
  nn_optimizer_free (opt_b);
  nn_network_free (a);
  nn_network_free (b);
  nn_dataset_free (ds);
}

/* Cross-entropy after a softmax layer gives the gradient of cross-entropy
 * on the logits: the same network without the softmax, trained on logits,
 * gets the same loss, parameter and input gradients, and the fused SGD
 * pass steps over the softmax the same way. */
static void
test_softmax_cross_entropy_fused (void)
{
  g_autoptr(NnNetSpec) with = nn_net_spec_parse ("dense:5,tanh,dense:3,softmax", NULL);
  g_autoptr(NnNetSpec) without = nn_net_spec_parse ("dense:5,tanh,dense:3", NULL);
  NnNetwork *a = nn_network_new (with, nn_shape_1d (4), NULL);
  NnNetwork *b = nn_network_new (without, nn_shape_1d (4), NULL);
  NnNetwork *c = nn_network_new (with, nn_shape_1d (4), NULL);
  NnLossInput in_a = nn_loss_input (NN_LOSS_CROSS_ENTROPY, NN_LAYER_SOFTMAX);
  NnLossInput in_b = nn_loss_input (NN_LOSS_CROSS_ENTROPY, NN_LAYER_DENSE);
  size_t n_params = nn_network_get_n_params (a);
  const int n = 6;
  float x[6 * 4], ga[6 * 3], gb[6 * 3], dxa[6 * 4], dxb[6 * 4];
  gint32 labels[6] = { 0, 1, 2, 2, 1, 0 };
  float la, lb;
  NnRng rng;

  g_assert_cmpint (in_a, ==, NN_LOSS_FROM_ACTIVATION);
  g_assert_cmpint (in_b, ==, NN_LOSS_FROM_LOGITS);
  g_assert_cmpuint (nn_network_get_n_params (b), ==, n_params);
  nn_network_init (a, NN_INIT_GLOROT, 6);
  nn_network_init (b, NN_INIT_GLOROT, 6);
  nn_network_init (c, NN_INIT_GLOROT, 6);
  nn_rng_init (&rng, 6, 0);
  fill (x, G_N_ELEMENTS (x), &rng);
  la = nn_loss_compute (NN_LOSS_CROSS_ENTROPY, in_a, ga, nn_network_forward (a, x, n, TRUE, NULL),
                        labels, NULL, n, 3);
  lb = nn_loss_compute (NN_LOSS_CROSS_ENTROPY, in_b, gb, nn_network_forward (b, x, n, TRUE, NULL),
                        labels, NULL, n, 3);
  g_assert_cmpfloat_with_epsilon (la, lb, 1e-6);
  g_assert_cmpfloat (max_abs_diff (ga, gb, G_N_ELEMENTS (ga)), <, 1e-6);
  nn_network_backward (a, ga, n, TRUE, dxa);
  nn_network_backward (b, gb, n, FALSE, dxb);
  g_assert_cmpfloat (max_abs_diff (nn_network_get_grads (a), nn_network_get_grads (b), n_params),
                     <, 1e-6);
  g_assert_cmpfloat (max_abs_diff (dxa, dxb, G_N_ELEMENTS (dxa)), <, 1e-6);

  /* backward_sgd steps over the softmax too: c ends where a's step would. */
  nn_network_forward (c, x, n, TRUE, NULL);
  nn_network_backward_sgd (c, ga, n, TRUE, 0.5f, 0.0f);
  for (size_t k = 0; k < n_params; k++)
    nn_network_get_params (a)[k] -= 0.5f * nn_network_get_grads (a)[k];
  g_assert_cmpfloat (max_abs_diff (nn_network_get_params (a), nn_network_get_params (c), n_params),
                     <, 1e-6);
  nn_network_free (a);
  nn_network_free (b);
  nn_network_free (c);
}

/* A confidently wrong sample: the softmax gives its class a probability
 * that underflows to 0. Its gradient is still p - onehot = (1, -1) at the
 * last layer and reaches the first; through the softmax's own backward,
 * as before, it was p times that, i.e. 0, and training stalled. */
static void
test_saturated_softmax_still_learns (void)
{
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse ("dense:3,tanh,dense:2,softmax", NULL);
  NnNetwork *net = nn_network_new (spec, nn_shape_1d (2), NULL);
  NnLossInput input = nn_loss_input (NN_LOSS_CROSS_ENTROPY, NN_LAYER_SOFTMAX);
  float x[2] = { 0.5f, -0.25f }, dout[2], dx[2], *w2, *b2;
  gint32 label = 1;
  const float *p;
  float loss, *grads;
  double first = 0.0;
  int shape[2];

  nn_network_init (net, NN_INIT_GLOROT, 2);
  g_assert_true (test_layer_params (net, 2, &w2, shape, &b2, NULL));
  b2[0] = 60.0f;
  b2[1] = -60.0f;
  p = nn_network_forward (net, x, 1, TRUE, NULL);
  g_assert_cmpfloat (p[1], ==, 0.0f);
  loss = nn_loss_compute (NN_LOSS_CROSS_ENTROPY, input, dout, p, &label, NULL, 1, 2);
  g_assert_true (isfinite (loss));
  g_assert_cmpfloat (loss, >, 15.0f);
  nn_network_backward (net, dout, 1, input == NN_LOSS_FROM_ACTIVATION, dx);

  grads = nn_network_get_grads (net);
  g_assert_cmpfloat_with_epsilon (grads[(b2 - nn_network_get_params (net)) + 0], 1.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (grads[(b2 - nn_network_get_params (net)) + 1], -1.0f, 1e-6);
  /* The first layer's weights and biases: (w2[0] - w2[1]) (1 - h^2) x, not 0. */
  for (int k = 0; k < 3 * 2 + 3; k++)
    first += fabs (grads[k]);
  g_assert_cmpfloat (first, >, 0.1);
  g_assert_cmpfloat (fabs (dx[0]) + fabs (dx[1]), >, 0.1);
  nn_network_free (net);
}

/* Every layer's output after a forward pass, by hand: relu on a (2,2,3)
 * input keeps its shape, flatten is a view of it, dense is W x + b and
 * tanh its last output. Fails if a layer's output is another layer's
 * buffer, or stale after a second pass of another batch size. */
static void
test_layer_outputs (void)
{
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse ("relu,flatten,dense:3,tanh", NULL);
  NnShape in = { 3, { 2, 2, 3 } };
  NnNetwork *net = nn_network_new (spec, in, NULL);
  const int d = 12, units = 3;
  float x[2 * 12], want_dense[2 * 3];
  const float *w, *b, *y, *out;
  NnRng rng;
  int n = -1;

  g_assert_nonnull (net);
  nn_network_init (net, NN_INIT_GLOROT, 3);
  nn_rng_init (&rng, 5, 0);
  fill (nn_network_get_params (net) + nn_network_find_param (net, 2, "bias")->offset, units, &rng);
  /* Before any pass there is nothing to show. */
  g_assert_null (nn_network_get_layer_output (net, 0, &n));
  g_assert_cmpint (n, ==, 0);
  w = nn_network_get_params (net) + nn_network_find_param (net, 2, "weight")->offset;
  b = nn_network_get_params (net) + nn_network_find_param (net, 2, "bias")->offset;

  for (int pass = 0; pass < 2; pass++)
    {
      int batch = pass == 0 ? 2 : 1;

      fill (x, (size_t) batch * d, &rng);
      y = nn_network_forward (net, x, batch, pass == 0, pass == 0 ? &rng : NULL);
      g_assert_nonnull (y);
      out = nn_network_get_layer_output (net, 0, &n);
      g_assert_cmpint (n, ==, batch);
      for (int k = 0; k < batch * d; k++)
        g_assert_cmpfloat (out[k], ==, MAX (x[k], 0.0f));
      g_assert_true (nn_network_get_layer_output (net, 1, NULL) == out);
      for (int i = 0; i < batch; i++)
        for (int u = 0; u < units; u++)
          {
            double sum = b[u];

            for (int k = 0; k < d; k++)
              sum += (double) w[u * d + k] * MAX (x[i * d + k], 0.0f);
            want_dense[i * units + u] = (float) sum;
          }
      out = nn_network_get_layer_output (net, 2, NULL);
      g_assert_cmpfloat (max_abs_diff (out, want_dense, (size_t) batch * units), <, 1e-5);
      out = nn_network_get_layer_output (net, 3, &n);
      g_assert_true (out == y);
      for (int k = 0; k < batch * units; k++)
        g_assert_cmpfloat_with_epsilon (out[k], tanhf (want_dense[k]), 1e-5);
    }
  nn_network_free (net);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/kernels/sgemm", test_sgemm_matches_reference);
  g_test_add_func ("/engine/kernels/sgemm-threads", test_sgemm_threads);
  g_test_add_func ("/engine/kernels/team-fp-mode", test_team_fp_mode);
  g_test_add_func ("/engine/kernels/team-claims", test_team_claims);
  g_test_add_func ("/engine/kernels/dense", test_dense_matches_reference);
  g_test_add_func ("/engine/kernels/bias-sum", test_bias_sum_precision);
  g_test_add_func ("/engine/dense/grad-check", test_grad_dense);
  g_test_add_func ("/engine/activations/grad-check", test_grad_activations);
  g_test_add_func ("/engine/activations/values", test_relu_forward_values);
  g_test_add_func ("/engine/softmax/grad-check", test_grad_softmax);
  g_test_add_func ("/engine/dropout-flatten/grad-check", test_grad_dropout_flatten);
  g_test_add_func ("/engine/dropout/modes", test_dropout_modes);
  g_test_add_func ("/engine/network/grad-check", test_grad_composed);
  g_test_add_func ("/engine/network/grad-check-errors", test_grad_check_values_and_errors);
  g_test_add_func ("/engine/network/grad-check-faults", test_grad_check_catches_faults);
  g_test_add_func ("/engine/layers/registry", test_layer_registry);
  g_test_add_func ("/engine/spec/parse", test_spec_parse_and_print);
  g_test_add_func ("/engine/spec/errors", test_spec_errors);
  g_test_add_func ("/engine/spec/error-words", test_spec_error_words);
  g_test_add_func ("/engine/spec/check", test_spec_check);
  g_test_add_func ("/engine/spec/edit", test_spec_edit);
  g_test_add_func ("/engine/init/schemes", test_init_schemes);
  g_test_add_func ("/engine/network/fused-sgd", test_fused_sgd_matches_step);
  g_test_add_func ("/engine/network/forward-rows", test_forward_rows);
  g_test_add_func ("/engine/network/layer-outputs", test_layer_outputs);
  g_test_add_func ("/engine/network/softmax-cross-entropy", test_softmax_cross_entropy_fused);
  g_test_add_func ("/engine/network/saturated-softmax", test_saturated_softmax_still_learns);
  return g_test_run ();
}
