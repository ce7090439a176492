/* nn-layer-batchnorm.c: batch normalisation, exactly PyTorch's
 * nn.BatchNorm2d(C) after a C×H×W output (statistics per channel over the
 * batch and the pixels) and nn.BatchNorm1d(N) after a flat one (per
 * feature over the batch), with momentum 0.1 and eps 1e-5.
 *
 * Training normalises with the batch's mean and biased variance and
 * updates running_mean = (1 - m) running_mean + m mean, running_var =
 * (1 - m) running_var + m (unbiased variance), num_batches_tracked += 1;
 * evaluation normalises with the running statistics. Tensors in
 * state_dict order: weight (C, starts at 1) and bias (C, 0), trainable;
 * running_mean (C, 0), running_var (C, 1) and num_batches_tracked (I64,
 * shape [], 0), buffers: the optimizers leave them alone, and so does
 * backward's fused SGD step.
 *
 * A batch with one value per channel (one sample of a flat input) has no
 * variance to speak of: PyTorch refuses it in training ("Expected more
 * than 1 value per channel"). Here it is normalised with variance 0, so
 * each output is its channel's bias and the input gradient is 0, and the
 * running statistics and num_batches_tracked are left as they were (an
 * unbiased variance of one value would be 0 / 0). A training run whose
 * last batch holds one sample thus goes on instead of failing or
 * learning NaN.
 *
 * The scratch holds the batch's mean and 1 / sqrt (var + eps) per channel
 * from forward for backward, and two more floats per channel of working
 * space: 4 C floats, asked for per sample because that is how scratch is
 * sized (so a batch of 64 keeps 64 times what it needs; small beside the
 * activations). Backward gets the input again, so xhat is not kept.
 */
#include "nn-layer-run.h"
#include "nn-kernels.h"

#include <math.h>
#include <string.h>

#define MOMENTUM 0.1f
#define EPS      1e-5f

/* Channels and the values per channel of one sample (1 for a flat input). */
static void
dims (NnShape in, int *c, int *s)
{
  *c = in.dim[0];
  *s = (int) (nn_shape_size (in) / (size_t) in.dim[0]);
}

static int
batchnorm_params (const NnLayerSpec *spec, NnShape in, NnShape out, NnParamInfo *p)
{
  gboolean flat = in.rank < 3;
  int c, s;

  dims (in, &c, &s);
  p[0] = (NnParamInfo) { .name = "weight",
                         .description = flat ? "weight (features)" : "weight (channels)",
                         .role = NN_PARAM_TRAINABLE, .rank = 1, .shape = { c },
                         .size = (size_t) c, .offset = 0 };
  p[1] = (NnParamInfo) { .name = "bias", .description = flat ? "bias (features)" : "bias (channels)",
                         .role = NN_PARAM_TRAINABLE, .rank = 1, .shape = { c },
                         .size = (size_t) c, .offset = (size_t) c };
  p[2] = (NnParamInfo) { .name = "running_mean", .description = "running mean (channels)",
                         .role = NN_PARAM_BUFFER, .rank = 1, .shape = { c },
                         .size = (size_t) c, .offset = 2 * (size_t) c };
  p[3] = (NnParamInfo) { .name = "running_var", .description = "running variance (channels)",
                         .role = NN_PARAM_BUFFER, .rank = 1, .shape = { c },
                         .size = (size_t) c, .offset = 3 * (size_t) c };
  p[4] = (NnParamInfo) { .name = "num_batches_tracked",
                         .description = "batches counted in the running statistics",
                         .role = NN_PARAM_BUFFER, .dtype = NN_PARAM_I64, .rank = 0,
                         .size = 1, .offset = 4 * (size_t) c };
  return 5;
}

static const char *
batchnorm_torch_for (const NnLayerSpec *spec, NnShape in)
{
  return in.rank == 3 ? "nn.BatchNorm2d" : "nn.BatchNorm1d";
}

static char *
batchnorm_torch_args (const NnLayerSpec *spec, NnShape in, NnShape out)
{
  return g_strdup_printf ("%d", in.dim[0]);
}

static size_t
batchnorm_scratch (const NnLayerRun *l)
{
  return 4 * (size_t) l->info.in.dim[0];
}

/* Whatever @how says: the identity to start with, as PyTorch's. */
static void
batchnorm_init (NnLayerRun *l, NnInit how, NnRng *rng)
{
  size_t c = (size_t) l->info.in.dim[0];
  float *p = l->params;

  for (size_t j = 0; j < c; j++)
    {
      p[j] = 1.0f;
      p[c + j] = 0.0f;
      p[2 * c + j] = 0.0f;
      p[3 * c + j] = 1.0f;
    }
  p[4 * c] = 0.0f;
}

static void
batchnorm_forward (NnLayerRun *l, const float *const *x, int n_x, int n, gboolean training,
                   NnRng *rng)
{
  int c, s;
  float *p = l->params, *gamma = p, *beta = p + l->info.in.dim[0];
  float *run_mean = beta + l->info.in.dim[0], *run_var = run_mean + l->info.in.dim[0];
  float *count = run_var + l->info.in.dim[0];
  float *mean = l->scratch, *inv_std, *scale, *var;

  dims (l->info.in, &c, &s);
  inv_std = mean + c;
  scale = inv_std + c;
  var = scale + c;
  if (!training)
    {
      for (int j = 0; j < c; j++)
        scale[j] = gamma[j] / sqrtf (run_var[j] + EPS);
      nn_batchnorm_apply (l->out, x[0], run_mean, scale, beta, n, c, s);
      return;
    }

  nn_batchnorm_stats (mean, var, x[0], n, c, s);
  for (int j = 0; j < c; j++)
    {
      inv_std[j] = 1.0f / sqrtf (var[j] + EPS);
      scale[j] = gamma[j] * inv_std[j];
    }
  nn_batchnorm_apply (l->out, x[0], mean, scale, beta, n, c, s);

  /* One value per channel: no running statistics to learn (see above). */
  if ((size_t) n * s > 1)
    {
      float m = (float) ((size_t) n * s), unbias = m / (m - 1.0f);

      for (int j = 0; j < c; j++)
        {
          run_mean[j] = MOMENTUM * mean[j] + (1.0f - MOMENTUM) * run_mean[j];
          run_var[j] = MOMENTUM * (var[j] * unbias) + (1.0f - MOMENTUM) * run_var[j];
        }
      /* A float counts exactly up to 2^24 (NnParamDtype); there it stays. */
      if (*count < NN_PARAM_I64_MAX)
        *count += 1.0f;
    }
}

static void
batchnorm_backward (NnLayerRun *l, float *din, const float *dout, const float *const *x,
                    int n_x, int n, const float *sgd)
{
  int c, s;
  float *gamma = l->params, *beta = gamma + l->info.in.dim[0];
  const float *mean = l->scratch, *inv_std = mean + l->info.in.dim[0];
  float *dgamma, *dbeta;

  dims (l->info.in, &c, &s);
  /* The fused SGD step needs the gradients only until it has taken it. */
  dgamma = sgd ? l->scratch + 2 * c : l->grads;
  dbeta = dgamma + c;
  nn_batchnorm_backward (din, dgamma, dbeta, dout, x[0], mean, inv_std, gamma, n, c, s);
  if (sgd == NULL)
    return;
  /* As nn_optimizer_step () takes it, on weight and bias alone. */
  for (int j = 0; j < c; j++)
    {
      gamma[j] -= sgd[0] * (dgamma[j] + sgd[1] * gamma[j]);
      beta[j] -= sgd[0] * (dbeta[j] + sgd[1] * beta[j]);
    }
}

const NnLayerOps nn_layer_batchnorm_ops = {
  .name = "batchnorm",
  .label = "Batch norm",
  .torch = "nn.BatchNorm",
  .noun = "batch norm",
  .flags = NN_LAYER_SEE_PAST,
  .params = batchnorm_params,
  .torch_for = batchnorm_torch_for,
  .torch_args = batchnorm_torch_args,
  .scratch = batchnorm_scratch,
  .init = batchnorm_init,
  .forward = batchnorm_forward,
  .backward = batchnorm_backward,
};
