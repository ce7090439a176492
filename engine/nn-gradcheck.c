/* nn-gradcheck.c: central-difference gradient checks (see the header). */
#include "nn-gradcheck.h"
#include "nn-kernels.h"

#include <math.h>
#include <string.h>

#define GC_EPS 1e-3

typedef struct
{
  double diff2, a2, n2;
} Acc;

static void
acc_add (Acc *acc, double analytic, double numeric)
{
  acc->diff2 += (analytic - numeric) * (analytic - numeric);
  acc->a2 += analytic * analytic;
  acc->n2 += numeric * numeric;
}

static double
acc_error (const Acc *acc)
{
  double denom = sqrt (acc->a2) + sqrt (acc->n2);
  return denom > 0.0 ? sqrt (acc->diff2) / denom : 0.0;
}

static double
objective (NnNetwork *net, const float *x, const float *r, int n, guint64 seed)
{
  NnRng rng;
  const float *y;
  size_t m = (size_t) n * nn_network_get_out_size (net);
  double total = 0.0;

  nn_rng_init (&rng, seed, 77);
  y = nn_network_forward (net, x, n, TRUE, &rng);
  for (size_t k = 0; k < m; k++)
    total += (double) r[k] * y[k];
  return total;
}

/* Central difference in *value. A ReLU kink inside [v-eps, v+eps] makes the
 * function non-differentiable there; the two step sizes then disagree and the
 * coordinate is skipped rather than reported as a wrong gradient. */
static gboolean
numeric_derivative (NnNetwork *net, const float *x, const float *r, int n, guint64 seed,
                    float *value, double *derivative)
{
  float saved = *value;
  double d[2];

  for (int i = 0; i < 2; i++)
    {
      double eps = i == 0 ? GC_EPS : GC_EPS / 2, plus, minus;

      *value = saved + eps;
      plus = objective (net, x, r, n, seed);
      *value = saved - eps;
      minus = objective (net, x, r, n, seed);
      d[i] = (plus - minus) / (2 * eps);
    }
  *value = saved;
  *derivative = d[0];
  return fabs (d[0] - d[1]) <= 1e-2 + 0.05 * fabs (d[0]);
}

double
nn_grad_check_network (const NnNetSpec *spec, NnShape in, int n, guint64 seed)
{
  return nn_grad_check_network_scaled (spec, in, n, seed, 1.0);
}

double
nn_grad_check_network_scaled (const NnNetSpec *spec, NnShape in, int n, guint64 seed,
                              double grad_scale)
{
  NnNetwork *net = nn_network_new (spec, in, NULL);
  size_t in_size, out_size, n_params;
  float *x, *r, *dx, *grads, *params;
  const NnParamInfo *table;
  int n_table = 0;
  NnRng rng;
  Acc acc = { 0 };

  if (net == NULL)
    return -1.0;
  nn_network_init (net, NN_INIT_GLOROT, seed);
  in_size = nn_network_get_in_size (net);
  out_size = nn_network_get_out_size (net);
  n_params = nn_network_get_n_params (net);
  params = nn_network_get_params (net);

  nn_rng_init (&rng, seed, 1);
  x = g_new (float, (size_t) n * in_size);
  r = g_new (float, (size_t) n * out_size);
  dx = g_new (float, (size_t) n * in_size);
  grads = g_new (float, MAX (n_params, 1));
  for (size_t k = 0; k < (size_t) n * in_size; k++)
    x[k] = nn_rng_range (&rng, -2.0f, 2.0f);
  for (size_t k = 0; k < (size_t) n * out_size; k++)
    r[k] = nn_rng_range (&rng, -1.0f, 1.0f);
  /* Small biases too, so their gradients are not all trivially equal.
   * Buffers (running statistics) are no variable of the function: they
   * are left as the layer set them, and not differentiated. */
  table = nn_network_get_param_table (net, &n_table);
  for (int t = 0; t < n_table; t++)
    {
      size_t end = table[t].offset + table[t].size;

      if (table[t].role != NN_PARAM_TRAINABLE)
        continue;
      for (size_t k = table[t].offset; k < end; k++)
        if (params[k] == 0.0f)
          params[k] = nn_rng_range (&rng, -0.1f, 0.1f);
    }

  objective (net, x, r, n, seed);
  nn_network_backward (net, r, n, FALSE, dx);
  memcpy (grads, nn_network_get_grads (net), sizeof (float) * n_params);

  for (int t = 0; t < n_table; t++)
    {
      size_t end = table[t].offset + table[t].size;

      if (table[t].role != NN_PARAM_TRAINABLE)
        continue;
      for (size_t k = table[t].offset; k < end; k++)
        {
          double numeric;

          if (numeric_derivative (net, x, r, n, seed, &params[k], &numeric))
            acc_add (&acc, grad_scale * grads[k], numeric);
        }
    }
  for (size_t k = 0; k < (size_t) n * in_size; k++)
    {
      double numeric;

      if (numeric_derivative (net, x, r, n, seed, &x[k], &numeric))
        acc_add (&acc, grad_scale * dx[k], numeric);
    }

  g_free (x);
  g_free (r);
  g_free (dx);
  g_free (grads);
  nn_network_free (net);
  return acc_error (&acc);
}

/* The loss of @z (n, dim): of its softmax or sigmoid first, for a loss
 * fused with that layer; @p (n, dim) is scratch for it. */
static double
loss_of (NnLossKind kind, NnLossInput input, float *dout, const float *z, float *p,
         const gint32 *labels, const float *targets, int n, int dim)
{
  size_t m = (size_t) n * dim;

  if (input != NN_LOSS_FROM_ACTIVATION)
    return nn_loss_compute (kind, input, dout, z, labels, targets, n, dim);
  if (kind == NN_LOSS_CROSS_ENTROPY)
    nn_softmax_forward (p, z, n, dim);
  else
    nn_sigmoid_forward (p, z, m);
  return nn_loss_compute (kind, input, dout, p, labels, targets, n, dim);
}

double
nn_grad_check_loss (NnLossKind kind, NnLossInput input, gboolean classification,
                    int n, int dim, guint64 seed)
{
  size_t m = (size_t) n * dim;
  float *out = g_new (float, m), *dout = g_new (float, m), *p = g_new (float, m);
  float *targets = NULL;
  const gint32 *cls_labels;
  gint32 *labels = g_new (gint32, n);
  NnRng rng;
  Acc acc = { 0 };
  double eps = GC_EPS;

  nn_rng_init (&rng, seed, 2);
  for (int i = 0; i < n; i++)
    labels[i] = (gint32) nn_rng_below (&rng, dim);
  cls_labels = classification ? labels : NULL;
  /* Logits for the fused forms, probabilities strictly inside (0, 1) otherwise. */
  for (size_t k = 0; k < m; k++)
    out[k] = input == NN_LOSS_FROM_PROBABILITIES ? nn_rng_range (&rng, 0.1f, 0.9f)
                                                 : nn_rng_range (&rng, -2.0f, 2.0f);
  if (!classification)
    {
      targets = g_new (float, m);
      for (size_t k = 0; k < m; k++)
        targets[k] = kind == NN_LOSS_BCE ? nn_rng_uniform (&rng) : nn_rng_range (&rng, -2.0f, 2.0f);
    }

  loss_of (kind, input, dout, out, p, cls_labels, targets, n, dim);
  for (size_t k = 0; k < m; k++)
    {
      float saved = out[k];
      double plus, minus;

      out[k] = saved + eps;
      plus = loss_of (kind, input, NULL, out, p, cls_labels, targets, n, dim);
      out[k] = saved - eps;
      minus = loss_of (kind, input, NULL, out, p, cls_labels, targets, n, dim);
      out[k] = saved;
      acc_add (&acc, dout[k], (plus - minus) / (2 * eps));
    }

  g_free (out);
  g_free (dout);
  g_free (p);
  g_free (targets);
  g_free (labels);
  return acc_error (&acc);
}
