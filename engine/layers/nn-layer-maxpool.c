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

#define MAX_PLANE 16777216   /* 2^24 pixels: a float counts them exactly */

static gboolean
maxpool_infer (const NnLayerSpec *spec, NnShape in, NnShape *out, GError **error)
{
  if (!nn_window_infer ("Max pooling", in, in.rank == 3 ? in.dim[0] : 0,
                        nn_pool_kernel (spec), nn_pool_stride (spec), 0, out, error))
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

static size_t
maxpool_scratch (const NnLayerRun *l)
{
  return l->out_size;
}

static void
maxpool_forward (NnLayerRun *l, const float *const *x, int n_x, int n, gboolean training,
                 NnRng *rng)
{
  NnConvShape s = nn_pool_shape (l, n);

  nn_maxpool_forward (l->out, l->scratch, x[0], &s);
}

static void
maxpool_backward (NnLayerRun *l, float *din, const float *dout, const float *const *x, int n_x,
                  int n, const float *sgd)
{
  NnConvShape s = nn_pool_shape (l, n);

  if (din)
    nn_maxpool_backward (din, dout, l->scratch, &s);
}

const NnLayerOps nn_layer_maxpool_ops = {
  .name = "maxpool",
  .label = "Max pool",
  .torch = "nn.MaxPool2d",
  .noun = "max pool",
  .n_args = 2,
  .args = { NN_POOL_ARGS },
  .infer = maxpool_infer,
  .torch_args = nn_pool_torch_args,
  .scratch = maxpool_scratch,
  .forward = maxpool_forward,
  .backward = maxpool_backward,
};
