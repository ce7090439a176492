/* nn-layer-dense.c: y = x W^T + b, exactly PyTorch's nn.Linear.
 *
 * W (units, in) and b (units), in that order in the parameter block. Any
 * input is read as its flat features, as nn.Linear after nn.Flatten. The
 * products are nn-kernels.c's, shared out between cores; as the first
 * layer each core reads its own copy of the batch.
 */
#include "nn-layer-run.h"
#include "nn-kernels.h"

#include <math.h>
#include <string.h>

#define MAX_UNITS (1 << 20)

static int
units (const NnLayerSpec *spec)
{
  return (int) spec->arg[0];
}

static gboolean
dense_infer (const NnLayerSpec *spec, NnShape in, NnShape *out, GError **error)
{
  size_t in_size = nn_shape_size (in);
  int n = units (spec);

  if (in_size > NN_MAX_PARAMS / ((size_t) n + 1))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_SHAPE,
                   "Dense %d on %zu inputs would need %zu million weights, too many to train.",
                   n, in_size, in_size * n / 1000000);
      return FALSE;
    }
  *out = nn_shape_1d (n);
  return TRUE;
}

static int
dense_params (const NnLayerSpec *spec, NnShape in, NnShape out, NnParamInfo *p)
{
  int n = units (spec), n_in = (int) nn_shape_size (in);

  p[0] = (NnParamInfo) { .name = "weight", .description = "weight (units, in)",
                         .role = NN_PARAM_TRAINABLE, .rank = 2, .shape = { n, n_in },
                         .size = (size_t) n * n_in, .offset = 0 };
  p[1] = (NnParamInfo) { .name = "bias", .description = "bias (units)",
                         .role = NN_PARAM_TRAINABLE, .rank = 1, .shape = { n },
                         .size = (size_t) n, .offset = (size_t) n * n_in };
  return 2;
}

static size_t
dense_macs (const NnLayerSpec *spec, NnShape in, NnShape out)
{
  return nn_shape_size (in) * (size_t) units (spec);
}

static char *
dense_torch_args (const NnLayerSpec *spec, NnShape in, NnShape out)
{
  return g_strdup_printf ("%zu, %d", nn_shape_size (in), units (spec));
}

/* Biases start at zero. */
static void
dense_init (NnLayerRun *l, NnInit how, NnRng *rng)
{
  size_t fan_in = l->in_size, fan_out = l->out_size;
  size_t n_w = fan_in * fan_out;
  float *w = l->params;

  for (size_t k = 0; k < n_w; k++)
    {
      switch (how)
        {
        case NN_INIT_HE:
          w[k] = nn_rng_normal (rng) * sqrtf (2.0f / fan_in);
          break;
        case NN_INIT_GLOROT:
          {
            float a = sqrtf (6.0f / (fan_in + fan_out));
            w[k] = nn_rng_range (rng, -a, a);
          }
          break;
        case NN_INIT_UNIFORM:
          w[k] = nn_rng_range (rng, -1.0f, 1.0f);
          break;
        case NN_INIT_NORMAL:
        case NN_INIT_AUTO:
        default:
          w[k] = 0.01f * nn_rng_normal (rng);
          break;
        }
    }
  memset (w + n_w, 0, sizeof (float) * fan_out);
}

static int
dense_input_parts (const NnLayerRun *l, int n)
{
  return nn_sgemm_parts (n, (int) l->out_size, (int) l->in_size);
}

static void
dense_forward (NnLayerRun *l, const float *const *x, int n_x, int n, gboolean training,
               NnRng *rng)
{
  const float *w = l->params;

  nn_dense_forward_replicated (l->out, x, n_x, w, w + l->in_size * l->out_size, n,
                               (int) l->in_size, (int) l->out_size);
}

static void
dense_backward (NnLayerRun *l, float *din, const float *dout, const float *const *x, int n_x,
                int n, const float *sgd)
{
  float *w = l->params, *dw = l->grads;
  size_t n_w = l->in_size * l->out_size;

  if (sgd)
    nn_dense_backward_sgd_replicated (din, w, w + n_w, dout, x, n_x, n, (int) l->in_size,
                                      (int) l->out_size, sgd[0], sgd[1]);
  else
    nn_dense_backward_replicated (din, dw, dw + n_w, dout, x, n_x, w, n, (int) l->in_size,
                                  (int) l->out_size);
}

/* Its three products as forward and backward run them, without the bias. */
static void
dense_floor (NnLayerRun *l, gboolean backward, const float *x, float *din, const float *dout,
             int n)
{
  int in = (int) l->in_size, out = (int) l->out_size;

  if (!backward)
    nn_sgemm (false, true, n, out, in, 1.0f, x, in, l->params, in, 0.0f, l->out, out);
  else
    {
      nn_sgemm (true, false, out, in, n, 1.0f, dout, out, x, in, 0.0f, l->grads, in);
      if (din != NULL)
        nn_sgemm (false, false, n, in, out, 1.0f, dout, out, l->params, in, 0.0f, din, in);
    }
}

static const char *const dense_aliases[] = { "linear", NULL };

const NnLayerOps nn_layer_dense_ops = {
  .name = "dense",
  .label = "Dense",
  .torch = "nn.Linear",
  .aliases = dense_aliases,
  .flags = NN_LAYER_FLAT_IN,
  .n_args = 1,
  .args = {
    { .name = "units", .label = "Units", .what = "number of units", .integer = TRUE,
      .required = TRUE, .min = 1, .max = MAX_UNITS, .def = 64, .example = 128,
      .ui_max = 4096, .step = 1, .page = 16, .digits = 0 },
  },
  .infer = dense_infer,
  .params = dense_params,
  .macs = dense_macs,
  .torch_args = dense_torch_args,
  .init = dense_init,
  .input_parts = dense_input_parts,
  .forward = dense_forward,
  .backward = dense_backward,
  .floor = dense_floor,
};
