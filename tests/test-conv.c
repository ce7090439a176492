/* test-conv.c: convolution and pooling, the kernels against their naive
 * oracles (nn-kernels-ref.c) on many shapes, the layers' backward against
 * central differences, the thread-count rule, the specs and the misfits. */
#include "nn-gradcheck.h"
#include "nn-kernels.h"
#include "nn-model-file.h"
#include "nn-safetensors.h"
#include "nn-network.h"
#include "nn-optim.h"
#include "test-util.h"

#include <math.h>
#include <string.h>

static void
fill (float *v, size_t n, NnRng *rng)
{
  for (size_t i = 0; i < n; i++)
    v[i] = nn_rng_range (rng, -1.0f, 1.0f);
}

/* max |a - b| over max(1, max |b|): the error relative to the values' size. */
static double
rel_diff (const float *a, const float *b, size_t n)
{
  double m = 0.0, scale = 1.0;

  for (size_t i = 0; i < n; i++)
    {
      m = MAX (m, fabs ((double) a[i] - b[i]));
      scale = MAX (scale, fabs ((double) b[i]));
    }
  return m / scale;
}

typedef struct
{
  int n, c, h, w, f, k, stride, pad;
} Case;

/* Strides, paddings, odd sizes, one channel and several, batch 1, a 1x1
 * kernel, a kernel as large as the padded input, and batches large enough
 * to be cut into parts (the last two: 2.8M and 2.4M multiply-adds). */
static const Case conv_cases[] = {
  { 1, 1, 5, 5, 2, 3, 1, 0 },
  { 3, 2, 7, 6, 4, 3, 2, 1 },
  { 2, 3, 9, 9, 5, 5, 1, 2 },
  { 1, 4, 6, 8, 3, 1, 1, 0 },
  { 5, 3, 11, 10, 7, 4, 3, 3 },
  { 2, 2, 4, 5, 3, 6, 1, 1 },
  { 1, 3, 13, 7, 2, 3, 2, 0 },
  { 32, 1, 28, 28, 6, 5, 1, 0 },
  { 33, 6, 12, 12, 16, 5, 1, 0 },
};

#define CONV_TOLERANCE 2e-5

static void
check_conv_case (const Case *t, NnRng *rng, double *worst)
{
  NnConvShape s;
  size_t nx, ny, nw;
  float *x, *w, *b, *dy, *y1, *y2, *dx1, *dx2, *dw1, *dw2, *db1, *db2;
  double errs[4];

  nn_conv_shape_init (&s, t->n, t->c, t->h, t->w, t->f, t->k, t->stride, t->pad);
  g_assert_cmpint (s.oh, >=, 1);
  g_assert_cmpint (s.ow, >=, 1);
  nx = (size_t) s.n * s.c * s.h * s.w;
  ny = (size_t) s.n * s.f * s.oh * s.ow;
  nw = (size_t) s.f * s.c * s.k * s.k;
  x = g_new (float, nx); w = g_new (float, nw); b = g_new (float, s.f);
  dy = g_new (float, ny);
  y1 = g_new (float, ny); y2 = g_new (float, ny);
  dx1 = g_new (float, nx); dx2 = g_new (float, nx);
  dw1 = g_new (float, nw); dw2 = g_new (float, nw);
  db1 = g_new (float, s.f); db2 = g_new (float, s.f);
  fill (x, nx, rng);
  fill (w, nw, rng);
  fill (b, s.f, rng);
  fill (dy, ny, rng);

  nn_conv2d_forward (y1, x, w, b, &s);
  nn_ref_conv2d_forward (y2, x, w, b, &s);
  nn_conv2d_backward (dx1, dw1, db1, dy, x, w, &s);
  nn_ref_conv2d_backward (dx2, dw2, db2, dy, x, w, &s);
  errs[0] = rel_diff (y1, y2, ny);
  errs[1] = rel_diff (dx1, dx2, nx);
  errs[2] = rel_diff (dw1, dw2, nw);
  errs[3] = rel_diff (db1, db2, s.f);
  for (int e = 0; e < 4; e++)
    {
      worst[e] = MAX (worst[e], errs[e]);
      g_assert_cmpfloat (errs[e], <, CONV_TOLERANCE);
    }

  /* Without the input gradient, the parameters' are the same. */
  nn_conv2d_forward (y1, x, w, b, &s);
  nn_conv2d_backward (NULL, dw1, db1, dy, x, w, &s);
  g_assert_cmpfloat (rel_diff (dw1, dw2, nw), <, CONV_TOLERANCE);

  /* The SGD pass: dx from the old weights, then the step. */
  {
    const float lr = 0.1f, wd = 0.01f;
    g_autofree float *w2 = g_memdup2 (w, sizeof (float) * nw), *b2 = g_memdup2 (b, sizeof (float) * s.f);

    nn_conv2d_forward (y1, x, w, b, &s);
    nn_conv2d_backward_sgd (dx1, w2, b2, dy, x, &s, lr, wd);
    g_assert_cmpfloat (rel_diff (dx1, dx2, nx), <, CONV_TOLERANCE);
    for (size_t j = 0; j < nw; j++)
      dw2[j] = (1.0f - lr * wd) * w[j] - lr * dw2[j];
    for (int f = 0; f < s.f; f++)
      db2[f] = (1.0f - lr * wd) * b[f] - lr * db2[f];
    g_assert_cmpfloat (rel_diff (w2, dw2, nw), <, CONV_TOLERANCE);
    g_assert_cmpfloat (rel_diff (b2, db2, s.f), <, CONV_TOLERANCE);
  }

  g_free (x); g_free (w); g_free (b); g_free (dy);
  g_free (y1); g_free (y2); g_free (dx1); g_free (dx2);
  g_free (dw1); g_free (dw2); g_free (db1); g_free (db2);
}

static void
test_conv_matches_reference (void)
{
  double worst[4] = { 0 };
  NnRng rng;

  nn_rng_init (&rng, 21, 0);
  for (int threads = 1; threads <= 2; threads++)
    {
      nn_team_set_threads (threads);
      for (guint i = 0; i < G_N_ELEMENTS (conv_cases); i++)
        check_conv_case (&conv_cases[i], &rng, worst);
    }
  nn_team_set_threads (0);
  if (g_test_verbose ())
    g_printerr ("conv against the reference: y %.1e, dx %.1e, dw %.1e, db %.1e\n",
                worst[0], worst[1], worst[2], worst[3]);
}

static void
test_pool_matches_reference (void)
{
  static const Case cases[] = {
    { 1, 1, 4, 4, 1, 2, 2, 0 },
    { 3, 2, 7, 7, 2, 2, 2, 0 },   /* floor mode: the last row and column are left out */
    { 2, 3, 9, 8, 3, 3, 2, 0 },   /* overlapping windows */
    { 1, 2, 5, 6, 2, 3, 1, 0 },
    { 2, 1, 6, 9, 1, 1, 1, 0 },
    { 1, 4, 11, 5, 4, 5, 3, 0 },
    { 64, 6, 24, 24, 6, 2, 2, 0 },   /* shared out over two threads by planes */
    { 16, 16, 17, 17, 16, 3, 2, 0 },
  };
  NnRng rng;

  nn_team_set_threads (2);
  nn_rng_init (&rng, 22, 0);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const Case *t = &cases[i];
      NnConvShape s;
      size_t nx, ny;
      g_autofree float *x = NULL, *dy = NULL, *y1 = NULL, *y2 = NULL, *arg = NULL;
      g_autofree float *dx1 = NULL, *dx2 = NULL;

      nn_conv_shape_init (&s, t->n, t->c, t->h, t->w, t->c, t->k, t->stride, 0);
      nx = (size_t) s.n * s.c * s.h * s.w;
      ny = (size_t) s.n * s.c * s.oh * s.ow;
      x = g_new (float, nx); dy = g_new (float, ny); arg = g_new (float, ny);
      y1 = g_new (float, ny); y2 = g_new (float, ny);
      dx1 = g_new (float, nx); dx2 = g_new (float, nx);
      fill (x, nx, &rng);
      fill (dy, ny, &rng);
      unsigned split = nn_team_get_n_split ();

      if (i == 0)
        x[5] = x[4] = 2.0f;  /* a tie: the first wins, as in PyTorch */

      nn_maxpool_forward (y1, arg, x, &s);
      g_assert_cmpuint (nn_team_get_n_split (), ==, split + (nx >= 65536));
      nn_ref_maxpool_forward (y2, x, &s);
      g_assert_cmpmem (y1, sizeof (float) * ny, y2, sizeof (float) * ny);
      if (i == 0)
        g_assert_cmpfloat (arg[0], ==, 4.0f);
      nn_maxpool_backward (dx1, dy, arg, &s);
      nn_ref_maxpool_backward (dx2, dy, x, &s);
      g_assert_cmpfloat (rel_diff (dx1, dx2, nx), <, 1e-6);

      nn_avgpool_forward (y1, x, &s);
      nn_ref_avgpool_forward (y2, x, &s);
      g_assert_cmpfloat (rel_diff (y1, y2, ny), <, 1e-6);
      nn_avgpool_backward (dx1, dy, &s);
      nn_ref_avgpool_backward (dx2, dy, &s);
      g_assert_cmpfloat (rel_diff (dx1, dx2, nx), <, 1e-6);
    }
  nn_team_set_threads (0);
}

/* A NaN in a window is its maximum, as in PyTorch, so a diverging run
 * shows as NaN instead of being hidden by the pool. */
static void
test_maxpool_nan (void)
{
  float x[4] = { 1.0f, NAN, 3.0f, 2.0f }, y, arg;
  NnConvShape s;

  nn_conv_shape_init (&s, 1, 1, 2, 2, 1, 2, 2, 0);
  nn_maxpool_forward (&y, &arg, x, &s);
  g_assert_true (isnan (y));
  g_assert_cmpfloat (arg, ==, 1.0f);
}

static void
check_spec (const char *text, NnShape in, int n, double tolerance)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse (text, &error);
  double err;

  g_assert_no_error (error);
  err = nn_grad_check_network (spec, in, n, 42);
  if (g_test_verbose ())
    g_printerr ("%-50s relative error %.2e\n", text, err);
  g_assert_cmpfloat (err, >=, 0.0);
  g_assert_cmpfloat (err, <, tolerance);
}

static void
test_grad_conv (void)
{
  check_spec ("conv:3:3", nn_shape_3d (2, 5, 5), 3, 1e-3);
  check_spec ("conv:2:3:2:1", nn_shape_3d (3, 6, 7), 2, 1e-3);
  check_spec ("conv:4:1", nn_shape_3d (2, 3, 4), 1, 1e-3);
  check_spec ("conv:2:4:3:2", nn_shape_3d (1, 7, 6), 3, 1e-3);
}

static void
test_grad_pool (void)
{
  check_spec ("maxpool:2", nn_shape_3d (2, 4, 4), 3, 1e-3);
  check_spec ("maxpool:3:2", nn_shape_3d (1, 7, 8), 2, 1e-3);
  check_spec ("avgpool:2", nn_shape_3d (2, 5, 4), 3, 1e-3);
  check_spec ("avgpool:3:1", nn_shape_3d (3, 5, 5), 2, 1e-3);
}

static void
test_grad_cnn (void)
{
  check_spec ("conv:4:3:1:1,relu,maxpool:2,conv:3:2,tanh,avgpool:2:1,dense:3", 
              nn_shape_3d (2, 8, 8), 3, 2e-3);
}

/* With two threads a large enough batch is cut into two parts (the team
 * counts the split); the numbers do not depend on whether the team was free
 * (the parts then run one after the other on the caller), and they stay
 * within rounding of one thread's. */
typedef struct
{
  const NnConvShape *s;
  float *y, *dx, *dw, *db;
  const float *x, *w, *b, *dy;
} NestedConv;

static void
nested_conv (void *data, int part, int parts)
{
  NestedConv *p = data;

  if (part != 0)
    return;
  nn_conv2d_forward (p->y, p->x, p->w, p->b, p->s);
  nn_conv2d_backward (p->dx, p->dw, p->db, p->dy, p->x, p->w, p->s);
}

static void
test_conv_threads (void)
{
  NnConvShape s;
  size_t nx, ny, nw;
  float *x, *w, *b, *dy, *y[3], *dx[3], *dw[3], *db[3];
  unsigned split;
  NnRng rng;

  nn_conv_shape_init (&s, 40, 6, 12, 12, 16, 5, 1, 0);
  g_assert_cmpfloat ((double) s.n * s.f * s.c * s.k * s.k * s.oh * s.ow, >=, NN_SGEMM_SMALL);
  nx = (size_t) s.n * s.c * s.h * s.w;
  ny = (size_t) s.n * s.f * s.oh * s.ow;
  nw = (size_t) s.f * s.c * s.k * s.k;
  nn_rng_init (&rng, 23, 0);
  x = g_new (float, nx); w = g_new (float, nw); b = g_new (float, s.f);
  dy = g_new (float, ny);
  fill (x, nx, &rng);
  fill (w, nw, &rng);
  fill (b, s.f, &rng);
  fill (dy, ny, &rng);
  for (int r = 0; r < 3; r++)
    {
      y[r] = g_new (float, ny);
      dx[r] = g_new (float, nx);
      dw[r] = g_new (float, nw);
      db[r] = g_new (float, s.f);
    }

  nn_team_set_threads (1);
  split = nn_team_get_n_split ();
  nn_conv2d_forward (y[0], x, w, b, &s);
  nn_conv2d_backward (dx[0], dw[0], db[0], dy, x, w, &s);
  g_assert_cmpuint (nn_team_get_n_split (), ==, split);

  nn_team_set_threads (2);
  nn_conv2d_forward (y[1], x, w, b, &s);
  nn_conv2d_backward (dx[1], dw[1], db[1], dy, x, w, &s);
  g_assert_cmpuint (nn_team_get_n_split (), ==, split + 2);
  g_assert_cmpfloat (rel_diff (y[1], y[0], ny), <, CONV_TOLERANCE);
  g_assert_cmpfloat (rel_diff (dx[1], dx[0], nx), <, CONV_TOLERANCE);
  g_assert_cmpfloat (rel_diff (dw[1], dw[0], nw), <, CONV_TOLERANCE);
  g_assert_cmpfloat (rel_diff (db[1], db[0], s.f), <, CONV_TOLERANCE);

  {
    NestedConv job = { &s, y[2], dx[2], dw[2], db[2], x, w, b, dy };

    nn_team_run (2, nested_conv, &job);
  }
  g_assert_cmpmem (y[2], sizeof (float) * ny, y[1], sizeof (float) * ny);
  g_assert_cmpmem (dx[2], sizeof (float) * nx, dx[1], sizeof (float) * nx);
  g_assert_cmpmem (dw[2], sizeof (float) * nw, dw[1], sizeof (float) * nw);
  g_assert_cmpmem (db[2], sizeof (float) * s.f, db[1], sizeof (float) * s.f);
  nn_team_set_threads (0);

  for (int r = 0; r < 3; r++)
    {
      g_free (y[r]);
      g_free (dx[r]);
      g_free (dw[r]);
      g_free (db[r]);
    }
  g_free (x); g_free (w); g_free (b); g_free (dy);
}

static void
test_conv_specs (void)
{
  static const struct { const char *text, *printed; } specs[] = {
    { "conv:6:5", "conv:6:5" },
    { "conv:16:5:1:0", "conv:16:5" },
    { "conv:16:3:2", "conv:16:3:2" },
    { "conv:16:3:1:1", "conv:16:3:1:1" },
    { "Conv2d:8:3:2:1", "conv:8:3:2:1" },
    { "maxpool:2", "maxpool:2" },
    { "maxpool:2:2", "maxpool:2" },
    { "maxpool:3:2", "maxpool:3:2" },
    { "avgpool:3", "avgpool:3" },
    { "avgpool:2:1", "avgpool:2:1" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(NnNetSpec) spec = nn_net_spec_parse (specs[i].text, &error);
      g_autoptr(NnNetSpec) again = NULL;
      g_autofree char *text = NULL;

      g_assert_no_error (error);
      text = nn_net_spec_to_string (spec);
      g_assert_cmpstr (text, ==, specs[i].printed);
      again = nn_net_spec_parse (text, &error);
      g_assert_no_error (error);
      g_assert_true (nn_net_spec_equal (spec, again));
    }
  {
    g_autoptr(NnNetSpec) spec = nn_net_spec_parse ("avgpool:3", NULL);
    g_assert_cmpfloat (nn_layer_spec_get (&spec->layers[0], "stride"), ==, 3);
  }
}

/* Shapes, parameters, multiply-adds and the PyTorch modules of LeNet-5. */
static void
test_conv_infer (void)
{
  g_autoptr(NnNetSpec) spec =
    nn_net_spec_parse ("conv:6:5,relu,maxpool:2,conv:16:3:2:1,relu,avgpool:3:2,dense:10", NULL);
  static const char *modules[] = {
    "nn.Conv2d(1, 6, kernel_size=5)", "nn.ReLU()", "nn.MaxPool2d(2)",
    "nn.Conv2d(6, 16, kernel_size=3, stride=2, padding=1)", "nn.ReLU()",
    "nn.AvgPool2d(3, stride=2)", "nn.Linear(64, 10)",
  };
  NnLayerInfo infos[7];
  g_autoptr(GError) error = NULL;

  g_assert_true (nn_net_spec_check (spec, nn_shape_3d (1, 28, 28), 10, infos, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (nn_shape_equal (infos[0].out, nn_shape_3d (6, 24, 24)));
  g_assert_true (nn_shape_equal (infos[2].out, nn_shape_3d (6, 12, 12)));
  g_assert_true (nn_shape_equal (infos[3].out, nn_shape_3d (16, 6, 6)));
  g_assert_true (nn_shape_equal (infos[5].out, nn_shape_3d (16, 2, 2)));
  g_assert_cmpuint (infos[0].n_params, ==, 6 * 25 + 6);
  g_assert_cmpuint (infos[3].n_params, ==, 16 * 6 * 9 + 16);
  g_assert_cmpuint (infos[0].n_macs, ==, 6 * 25 * 24 * 24);
  g_assert_cmpuint (infos[3].n_macs, ==, 16 * 6 * 9 * 6 * 6);
  g_assert_cmpuint (infos[2].n_macs, ==, 0);
  for (int i = 0; i < 7; i++)
    {
      g_autofree char *module = nn_layer_torch_module (&spec->layers[i], &infos[i]);
      g_assert_cmpstr (module, ==, modules[i]);
    }
}

static void
test_conv_misfits (void)
{
  static const struct
  {
    const char *spec;
    NnShape in;
    int bad;
    const char *words;
  } cases[] = {
    { "dense:128,relu,conv:4:3", { 3, { 1, 8, 8 } }, 2,
      "Convolution needs an image input (channels × height × width), but gets 128 features." },
    { "maxpool:2", { 1, { 64, 0, 0 } }, 0, "Max pooling needs an image input" },
    { "flatten,avgpool:2", { 3, { 1, 8, 8 } }, 1, "Average pooling needs an image input" },
    { "conv:4:5", { 3, { 1, 4, 4 } }, 0, "kernel 5 is larger than the 4×4 input." },
    { "conv:4:7:1:1", { 3, { 1, 4, 4 } }, 0,
      "kernel 7 is larger than the 4×4 input even with a padding of 1." },
    { "conv:2:3,relu,maxpool:5", { 3, { 1, 6, 6 } }, 2, "kernel 5 is larger than the 4×4 input." },
    { "conv:4:3:0", { 3, { 1, 8, 8 } }, 0, "stride of 0" },
    { "maxpool:2:0", { 3, { 1, 8, 8 } }, 0, "stride of 0" },
    { "conv:4:3:1:3", { 3, { 1, 8, 8 } }, 0, "padding of 3" },
    { "conv:8:9", { 3, { 3, 3000, 3000 } }, 0, "MB per sample, too much to train" },
    /* Its argmax is a float: 4098×4098 - 1 would round up to one past
     * the plane, where backward would write. */
    { "conv:1:1,maxpool:2", { 3, { 1, 4098, 4098 } }, 1,
      "Max pooling takes images of at most 16777216 pixels (4096×4096), but this one is "
      "4098×4098;" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(NnNetSpec) spec = nn_net_spec_parse (cases[i].spec, &error);
      int bad = 99, fit = 99;

      g_assert_no_error (error);
      g_test_message ("%s", cases[i].spec);
      g_assert_false (nn_net_spec_check (spec, cases[i].in, 0, NULL, &fit, &bad, &error));
      g_assert_error (error, NN_ERROR, NN_ERROR_SHAPE);
      g_assert_cmpint (bad, ==, cases[i].bad);
      g_assert_cmpint (fit, ==, cases[i].bad);
      g_assert_nonnull (strstr (error->message, cases[i].words));
      test_assert_sentence (error->message);
    }
}

/* The fused SGD pass through a CNN equals backward and an SGD step. */
static void
test_conv_fused_sgd (void)
{
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse ("conv:4:3:1:1,relu,maxpool:2,conv:3:3,dense:5",
                                                 NULL);
  NnShape in = nn_shape_3d (2, 8, 8);
  NnNetwork *a = nn_network_new (spec, in, NULL);
  NnNetwork *b = nn_network_new (spec, in, NULL);
  NnOptimConfig c = nn_optim_config_default (NN_OPTIM_SGD);
  NnOptimizer *opt;
  size_t n_params = nn_network_get_n_params (a);
  const int n = 6;
  g_autofree float *x = g_new (float, n * 128), *g = g_new (float, n * 5);
  NnRng rng;

  c.lr = 0.05f;
  c.weight_decay = 0.01f;
  opt = nn_optimizer_new (&c, n_params, NULL);
  nn_network_init (a, NN_INIT_AUTO, 3);
  nn_network_init (b, NN_INIT_AUTO, 3);
  nn_rng_init (&rng, 8, 0);
  for (int step = 0; step < 5; step++)
    {
      fill (x, n * 128, &rng);
      fill (g, n * 5, &rng);
      nn_network_forward (a, x, n, TRUE, NULL);
      nn_network_backward (a, g, n, FALSE, NULL);
      nn_optimizer_step (opt, nn_network_get_params (a), nn_network_get_grads (a));
      nn_network_forward (b, x, n, TRUE, NULL);
      nn_network_backward_sgd (b, g, n, FALSE, c.lr, c.weight_decay);
    }
  g_assert_cmpfloat (rel_diff (nn_network_get_params (a), nn_network_get_params (b), n_params),
                     <, 1e-5);
  nn_network_init (b, NN_INIT_AUTO, 3);
  g_assert_cmpfloat (rel_diff (nn_network_get_params (a), nn_network_get_params (b), n_params),
                     >, 1e-2);
  nn_optimizer_free (opt);
  nn_network_free (a);
  nn_network_free (b);
}

/* He and Glorot on a filter's fans: fan_in = channels k k. */
static void
test_conv_init (void)
{
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse ("conv:64:5,relu", NULL);
  NnNetwork *net = nn_network_new (spec, nn_shape_3d (8, 9, 9), NULL);
  const size_t n = 64 * 8 * 25;
  float *w = nn_network_get_params (net);
  double sum2 = 0.0, max_abs = 0.0;

  nn_network_init (net, NN_INIT_AUTO, 5);
  for (size_t i = 0; i < n; i++)
    sum2 += (double) w[i] * w[i];
  g_assert_cmpfloat (fabs (sum2 / n - 2.0 / 200), <, 0.1 * 2.0 / 200);
  for (size_t i = n; i < n + 64; i++)
    g_assert_cmpfloat (w[i], ==, 0.0f);
  nn_network_init (net, NN_INIT_GLOROT, 5);
  for (size_t i = 0; i < n; i++)
    max_abs = MAX (max_abs, fabs (w[i]));
  g_assert_cmpfloat (max_abs, <=, sqrt (6.0 / (200 + 64 * 25)));
  g_assert_cmpfloat (max_abs, >, 0.95 * sqrt (6.0 / (200 + 64 * 25)));
  nn_network_free (net);
}

/* A LeNet-like CNN saved and loaded back: the same spec, tensors (rank 4
 * for the filters) and outputs. */
static void
test_cnn_model_file (void)
{
  g_autoptr(NnNetSpec) spec =
    nn_net_spec_parse ("conv:6:5,relu,maxpool:2,conv:16:3:1:1,relu,avgpool:2,dense:10", NULL);
  g_autofree char *dir = g_dir_make_tmp ("test-conv-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "cnn.safetensors", NULL);
  g_autoptr(NnModelMeta) meta = NULL;
  g_autoptr(GError) error = NULL;
  NnNetwork *net = nn_network_new (spec, nn_shape_3d (1, 16, 16), &error), *loaded;
  const NnParamInfo *w;
  float x[3 * 256], y1[30], y2[30];
  NnRng rng;

  g_assert_no_error (error);
  nn_network_init (net, NN_INIT_AUTO, 4);
  g_assert_true (nn_model_save (path, net, NULL, &error));
  g_assert_no_error (error);
  loaded = nn_model_load (path, &meta, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (meta->spec, ==, "conv:6:5,relu,maxpool:2,conv:16:3:1:1,relu,avgpool:2,dense:10");
  w = nn_network_find_param (loaded, 3, "weight");
  g_assert_nonnull (w);
  g_assert_cmpint (w->rank, ==, 4);
  g_assert_cmpint (w->shape[0], ==, 16);
  g_assert_cmpint (w->shape[1], ==, 6);
  g_assert_cmpint (w->shape[3], ==, 3);
  g_assert_cmpmem (nn_network_get_params (net), sizeof (float) * nn_network_get_n_params (net),
                   nn_network_get_params (loaded),
                   sizeof (float) * nn_network_get_n_params (loaded));
  nn_rng_init (&rng, 5, 0);
  fill (x, G_N_ELEMENTS (x), &rng);
  g_assert_true (nn_network_predict (net, x, 3, y1));
  g_assert_true (nn_network_predict (loaded, x, 3, y2));
  g_assert_cmpmem (y1, sizeof y1, y2, sizeof y2);
  nn_network_free (loaded);
  nn_network_free (net);
  test_remove_tree (dir);
}

/* PyTorch needs an nn.Flatten before a dense or softmax layer on an
 * image, except as the first layer; the spec has none, so the indices
 * shift after it. */
static void
test_torch_index (void)
{
  static const struct
  {
    const char *spec;
    int index[6];
  } cases[] = {
    { "dense:8,relu,dense:10", { 0, 1, 2 } },
    { "conv:2:3,flatten,dense:10", { 0, 1, 2 } },
    { "conv:6:5,relu,maxpool:2,dense:10", { 0, 1, 2, 4 } },
    { "conv:2:3,dense:4,relu,dense:10", { 0, 2, 3, 4 } },
    /* nn.Softmax(dim=1) on [N, C, H, W] is over the channels alone: it
     * gets the nn.Flatten, and its output is flat. */
    { "conv:2:3,softmax,dense:10", { 0, 2, 3 } },
    { "conv:2:3,maxpool:2,dense:4,conv:1:1,dense:10", { 0 } },  /* conv on flat: refused */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(NnNetSpec) spec = nn_net_spec_parse (cases[i].spec, NULL);
      NnLayerInfo infos[6];

      if (!nn_net_spec_check (spec, nn_shape_3d (1, 12, 12), 10, infos, NULL, NULL, NULL))
        {
          g_assert_cmpint (i, ==, G_N_ELEMENTS (cases) - 1);
          continue;
        }
      for (int l = 0; l < spec->n_layers; l++)
        {
          g_assert_cmpint (nn_net_spec_torch_index (spec, infos, l), ==, cases[i].index[l]);
          g_assert_cmpint (nn_net_spec_torch_flatten_before (spec, infos, l), ==,
                           l > 0 && cases[i].index[l] > cases[i].index[l - 1] + 1);
        }
    }
}

/* The model file names a CNN's tensors as PyTorch's nn.Sequential with
 * the implicit nn.Flatten does, and reads them back under those names. */
static void
test_torch_names_in_file (void)
{
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse ("conv:6:5,relu,maxpool:2,dense:10", NULL);
  g_autofree char *dir = g_dir_make_tmp ("test-conv-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "cnn.safetensors", NULL);
  static const char *names[] = { "0.weight", "0.bias", "4.weight", "4.bias" };
  g_autoptr(GError) error = NULL;
  NnNetwork *net = nn_network_new (spec, nn_shape_3d (1, 28, 28), &error), *loaded;
  NnStFile *f;

  g_assert_no_error (error);
  nn_network_init (net, NN_INIT_AUTO, 4);
  g_assert_true (nn_model_save (path, net, NULL, &error));
  g_assert_no_error (error);
  f = nn_st_open (path, "model", &error);
  g_assert_no_error (error);
  g_assert_cmpint (nn_st_get_n_tensors (f), ==, G_N_ELEMENTS (names));
  for (guint k = 0; k < G_N_ELEMENTS (names); k++)
    g_assert_nonnull (nn_st_find (f, names[k]));
  nn_st_close (f);
  loaded = nn_model_load (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (nn_network_get_params (net), sizeof (float) * nn_network_get_n_params (net),
                   nn_network_get_params (loaded),
                   sizeof (float) * nn_network_get_n_params (loaded));
  nn_network_free (loaded);
  nn_network_free (net);
  test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/kernels/conv", test_conv_matches_reference);
  g_test_add_func ("/engine/kernels/pool", test_pool_matches_reference);
  g_test_add_func ("/engine/kernels/maxpool-nan", test_maxpool_nan);
  g_test_add_func ("/engine/kernels/conv-threads", test_conv_threads);
  g_test_add_func ("/engine/conv/grad-check", test_grad_conv);
  g_test_add_func ("/engine/pool/grad-check", test_grad_pool);
  g_test_add_func ("/engine/cnn/grad-check", test_grad_cnn);
  g_test_add_func ("/engine/conv/specs", test_conv_specs);
  g_test_add_func ("/engine/conv/infer", test_conv_infer);
  g_test_add_func ("/engine/conv/misfits", test_conv_misfits);
  g_test_add_func ("/engine/conv/fused-sgd", test_conv_fused_sgd);
  g_test_add_func ("/engine/conv/init", test_conv_init);
  g_test_add_func ("/engine/conv/model-file", test_cnn_model_file);
  g_test_add_func ("/engine/conv/torch-index", test_torch_index);
  g_test_add_func ("/engine/conv/torch-names", test_torch_names_in_file);
  return g_test_run ();
}
