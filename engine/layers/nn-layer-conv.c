/* nn-layer-conv.c: 2-D convolution, exactly PyTorch's nn.Conv2d (square
 * kernel, the same stride and zero padding both ways, one group, a bias).
 *
 * W (filters, channels, k, k) and b (filters), in that order in the
 * parameter block. The kernels (nn-kernels.c) lower the input to columns
 * (im2col) and multiply, a few samples at a time, one part of the batch
 * per core; backward lowers the input again.
 */
#include "nn-layer-window.h"

#include <math.h>
#include <string.h>

enum { FILTERS, KERNEL, STRIDE, PADDING };

/* Floats of one sample's lowered input and output (256 MB). */
#define MAX_LOWERED ((size_t) 1 << 26)

static int
arg (const NnLayerSpec *spec, int a)
{
  return (int) spec->arg[a];
}

static gboolean
conv_infer (const NnLayerSpec *spec, NnShape in, NnShape *out, GError **error)
{
  int f = arg (spec, FILTERS), k = arg (spec, KERNEL);
  size_t lowered;

  if (!nn_window_infer ("Convolution", in, f, k, arg (spec, STRIDE), arg (spec, PADDING), out,
                        error))
    return FALSE;
  if ((size_t) in.dim[0] * k * k > NN_MAX_PARAMS / ((size_t) f + 1))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_SHAPE,
                   "Convolution of %d filters of %d×%d on %d channels would need %zu million "
                   "weights, too many to train.", f, k, k, in.dim[0],
                   (size_t) f * in.dim[0] * k * k / 1000000);
      return FALSE;
    }
  /* The kernels lower at least one sample's patches at a time (a chunk
   * buffer per thread that cannot fail gracefully), so keep that sane. */
  lowered = ((size_t) in.dim[0] * k * k + f) * nn_shape_size (*out) / f;
  if (lowered > MAX_LOWERED)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_SHAPE,
                   "Convolution of %d×%d on a %d×%d×%d input would need %zu MB per sample, "
                   "too much to train; use a smaller input, kernel or a stride.", k, k,
                   in.dim[0], in.dim[1], in.dim[2], lowered * sizeof (float) >> 20);
      return FALSE;
    }
  return TRUE;
}

static int
conv_params (const NnLayerSpec *spec, NnShape in, NnShape out, NnParamInfo *p)
{
  int f = arg (spec, FILTERS), k = arg (spec, KERNEL), c = in.dim[0];
  size_t n_w = (size_t) f * c * k * k;

  p[0] = (NnParamInfo) { .name = "weight", .description = "weight (filters, channels, k, k)",
                         .role = NN_PARAM_TRAINABLE, .rank = 4, .shape = { f, c, k, k },
                         .size = n_w, .offset = 0 };
  p[1] = (NnParamInfo) { .name = "bias", .description = "bias (filters)",
                         .role = NN_PARAM_TRAINABLE, .rank = 1, .shape = { f },
                         .size = (size_t) f, .offset = n_w };
  return 2;
}

static size_t
conv_macs (const NnLayerSpec *spec, NnShape in, NnShape out)
{
  int k = arg (spec, KERNEL);

  return (size_t) in.dim[0] * k * k * nn_shape_size (out);
}

static char *
conv_torch_args (const NnLayerSpec *spec, NnShape in, NnShape out)
{
  GString *str = g_string_new (NULL);

  g_string_printf (str, "%d, %d, kernel_size=%d", in.dim[0], arg (spec, FILTERS),
                   arg (spec, KERNEL));
  if (arg (spec, STRIDE) != 1)
    g_string_append_printf (str, ", stride=%d", arg (spec, STRIDE));
  if (arg (spec, PADDING) != 0)
    g_string_append_printf (str, ", padding=%d", arg (spec, PADDING));
  return g_string_free (str, FALSE);
}

static NnConvShape
shape_of (const NnLayerRun *l, int n)
{
  return nn_window_shape (l, arg (&l->spec, FILTERS), arg (&l->spec, KERNEL),
                          arg (&l->spec, STRIDE), arg (&l->spec, PADDING), n);
}

/* As the dense kind, on the fans of a filter: fan_in = channels k k,
 * fan_out = filters k k. Biases start at zero. */
static void
conv_init (NnLayerRun *l, NnInit how, NnRng *rng)
{
  int k = arg (&l->spec, KERNEL), f = arg (&l->spec, FILTERS);
  size_t fan_in = (size_t) l->info.in.dim[0] * k * k, fan_out = (size_t) f * k * k;
  size_t n_w = fan_in * f;
  float *w = l->params;

  for (size_t j = 0; j < n_w; j++)
    {
      switch (how)
        {
        case NN_INIT_HE:
          w[j] = nn_rng_normal (rng) * sqrtf (2.0f / fan_in);
          break;
        case NN_INIT_GLOROT:
          {
            float a = sqrtf (6.0f / (fan_in + fan_out));
            w[j] = nn_rng_range (rng, -a, a);
          }
          break;
        case NN_INIT_UNIFORM:
          w[j] = nn_rng_range (rng, -1.0f, 1.0f);
          break;
        case NN_INIT_NORMAL:
        case NN_INIT_AUTO:
        default:
          w[j] = 0.01f * nn_rng_normal (rng);
          break;
        }
    }
  memset (w + n_w, 0, sizeof (float) * f);
}

static void
conv_forward (NnLayerRun *l, const float *const *x, int n_x, int n, gboolean training,
              NnRng *rng)
{
  NnConvShape s = shape_of (l, n);
  const float *w = l->params;

  nn_conv2d_forward (l->out, x[0], w, w + l->info.n_params - s.f, &s);
}

static void
conv_backward (NnLayerRun *l, float *din, const float *dout, const float *const *x, int n_x,
               int n, const float *sgd)
{
  NnConvShape s = shape_of (l, n);
  size_t n_w = l->info.n_params - s.f;

  if (sgd)
    nn_conv2d_backward_sgd (din, l->params, l->params + n_w, dout, x[0], &s, sgd[0], sgd[1]);
  else
    nn_conv2d_backward (din, l->grads, l->grads + n_w, dout, x[0], l->params, &s);
}

static void
conv_floor (NnLayerRun *l, gboolean backward, const float *x, float *din, const float *dout,
            int n)
{
  NnConvShape s = shape_of (l, n);

  nn_conv2d_floor (backward, din, x, l->params, &s);
}

static const char *const conv_aliases[] = { "conv2d", "convolution", NULL };

const NnLayerOps nn_layer_conv_ops = {
  .name = "conv",
  .label = "Convolution",
  .torch = "nn.Conv2d",
  .noun = "convolution",
  .aliases = conv_aliases,
  .n_args = 4,
  .args = {
    { .name = "filters", .label = "Filters", .what = "number of filters", .integer = TRUE,
      .required = TRUE, .min = 1, .max = 4096, .def = 16, .example = 16, .ui_max = 512,
      .step = 1, .page = 8, .digits = 0 },
    { .name = "kernel", .label = "Kernel size", .what = "kernel size", .integer = TRUE,
      .required = TRUE, .min = 1, .max = 64, .def = 3, .example = 5, .ui_max = 15, .step = 1,
      .page = 2, .digits = 0 },
    { .name = "stride", .label = "Stride", .what = "stride", .integer = TRUE, .min = 0,
      .max = 64, .def = 1, .terse = TRUE, .example = 2, .ui_max = 8, .step = 1, .page = 1,
      .digits = 0 },
    { .name = "padding", .label = "Padding", .what = "padding", .integer = TRUE, .min = 0,
      .max = 63, .def = 0, .terse = TRUE, .example = 1, .ui_max = 8, .step = 1, .page = 1,
      .digits = 0 },
  },
  .infer = conv_infer,
  .params = conv_params,
  .macs = conv_macs,
  .torch_args = conv_torch_args,
  .init = conv_init,
  .forward = conv_forward,
  .backward = conv_backward,
  .floor = conv_floor,
};
