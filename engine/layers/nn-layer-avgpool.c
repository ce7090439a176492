/* nn-layer-avgpool.c: average pooling over k x k windows, exactly PyTorch's
 * nn.AvgPool2d (kernel k, stride defaulting to k, no padding, floor mode).
 *
 * Every window is divided by k k (no padding, so nothing is left out).
 */
#include "nn-layer-window.h"

static int
kernel (const NnLayerSpec *spec)
{
  return (int) spec->arg[0];
}

static int
stride (const NnLayerSpec *spec)
{
  return (int) spec->arg[1];
}

static gboolean
avgpool_infer (const NnLayerSpec *spec, NnShape in, NnShape *out, GError **error)
{
  return nn_window_infer ("Average pooling", in, in.rank == 3 ? in.dim[0] : 0, kernel (spec),
                          stride (spec), 0, out, error);
}

static char *
avgpool_torch_args (const NnLayerSpec *spec, NnShape in, NnShape out)
{
  if (stride (spec) == kernel (spec))
    return g_strdup_printf ("%d", kernel (spec));
  return g_strdup_printf ("%d, stride=%d", kernel (spec), stride (spec));
}

static NnConvShape
shape_of (const NnLayerRun *l, int n)
{
  return nn_window_shape (l, l->info.in.dim[0], kernel (&l->spec), stride (&l->spec), 0, n);
}

static void
avgpool_forward (NnLayerRun *l, const float *const *x, int n_x, int n, gboolean training,
                 NnRng *rng)
{
  NnConvShape s = shape_of (l, n);

  nn_avgpool_forward (l->out, x[0], &s);
}

static void
avgpool_backward (NnLayerRun *l, float *din, const float *dout, const float *const *x, int n_x,
                  int n, const float *sgd)
{
  NnConvShape s = shape_of (l, n);

  if (din)
    nn_avgpool_backward (din, dout, &s);
}

const NnLayerOps nn_layer_avgpool_ops = {
  .name = "avgpool",
  .label = "Average pool",
  .torch = "nn.AvgPool2d",
  .noun = "average pool",
  .n_args = 2,
  .args = {
    { .name = "kernel", .label = "Pool size", .what = "pool size", .integer = TRUE,
      .required = TRUE, .min = 1, .max = 64, .def = 2, .example = 2, .ui_max = 8, .step = 1,
      .page = 1, .digits = 0 },
    { .name = "stride", .label = "Stride", .what = "stride", .integer = TRUE, .min = 0,
      .max = 64, .def = 2, .def_from = 1, .terse = TRUE, .example = 2, .ui_max = 8, .step = 1,
      .page = 1, .digits = 0 },
  },
  .infer = avgpool_infer,
  .torch_args = avgpool_torch_args,
  .forward = avgpool_forward,
  .backward = avgpool_backward,
};
