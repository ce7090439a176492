/* nn-layer-maxpool.c: max pooling over k x k windows, exactly PyTorch's
 * nn.MaxPool2d (kernel k, stride defaulting to k, no padding, floor mode).
 *
 * Keeps the index of each window's maximum as its scratch, for backward
 * (a NaN wins, as in PyTorch, so a diverging run shows as NaN). The index
 * is a pixel's in its channel's plane, held in a float: exact only up to
 * 2^24, so larger planes are refused (past it an index would round to its
 * neighbour's, or to one past the plane's end, and backward would write
 * there).
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

#define MAX_PLANE 16777216   /* 2^24 pixels: a float counts them exactly */

static gboolean
maxpool_infer (const NnLayerSpec *spec, NnShape in, NnShape *out, GError **error)
{
  if (!nn_window_infer ("Max pooling", in, in.rank == 3 ? in.dim[0] : 0, kernel (spec),
                        stride (spec), 0, out, error))
    return FALSE;
  if ((size_t) in.dim[1] * in.dim[2] > MAX_PLANE)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_SHAPE,
                   "Max pooling takes images of at most %d pixels (4096×4096), but this one "
                   "is %d×%d; shrink it first with a strided convolution or an average pool.", MAX_PLANE, in.dim[1],
                   in.dim[2]);
      return FALSE;
    }
  return TRUE;
}

static char *
maxpool_torch_args (const NnLayerSpec *spec, NnShape in, NnShape out)
{
  if (stride (spec) == kernel (spec))
    return g_strdup_printf ("%d", kernel (spec));
  return g_strdup_printf ("%d, stride=%d", kernel (spec), stride (spec));
}

static size_t
maxpool_scratch (const NnLayerRun *l)
{
  return l->out_size;
}

static NnConvShape
shape_of (const NnLayerRun *l, int n)
{
  return nn_window_shape (l, l->info.in.dim[0], kernel (&l->spec), stride (&l->spec), 0, n);
}

static void
maxpool_forward (NnLayerRun *l, const float *const *x, int n_x, int n, gboolean training,
                 NnRng *rng)
{
  NnConvShape s = shape_of (l, n);

  nn_maxpool_forward (l->out, l->scratch, x[0], &s);
}

static void
maxpool_backward (NnLayerRun *l, float *din, const float *dout, const float *const *x, int n_x,
                  int n, const float *sgd)
{
  NnConvShape s = shape_of (l, n);

  if (din)
    nn_maxpool_backward (din, dout, l->scratch, &s);
}

const NnLayerOps nn_layer_maxpool_ops = {
  .name = "maxpool",
  .label = "Max pool",
  .torch = "nn.MaxPool2d",
  .noun = "max pool",
  .n_args = 2,
  .args = {
    { .name = "kernel", .label = "Pool size", .what = "pool size", .integer = TRUE,
      .required = TRUE, .min = 1, .max = 64, .def = 2, .example = 2, .ui_max = 8, .step = 1,
      .page = 1, .digits = 0 },
    { .name = "stride", .label = "Stride", .what = "stride", .integer = TRUE, .min = 0,
      .max = 64, .def = 2, .def_from = 1, .terse = TRUE, .example = 2, .ui_max = 8, .step = 1,
      .page = 1, .digits = 0 },
  },
  .infer = maxpool_infer,
  .torch_args = maxpool_torch_args,
  .scratch = maxpool_scratch,
  .forward = maxpool_forward,
  .backward = maxpool_backward,
};
