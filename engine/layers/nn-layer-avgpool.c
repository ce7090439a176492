/* nn-layer-avgpool.c: average pooling over k x k windows, exactly PyTorch's
 * nn.AvgPool2d (kernel k, stride defaulting to k, no padding, floor mode).
 *
 * Every window is divided by k k (no padding, so nothing is left out).
 */
#include "nn-layer-window.h"

static gboolean
avgpool_infer (const NnLayerSpec *spec, NnShape in, NnShape *out, GError **error)
{
  return nn_window_infer ("Average pooling", in, in.rank == 3 ? in.dim[0] : 0,
                          nn_pool_kernel (spec), nn_pool_stride (spec), 0, out, error);
}

static void
avgpool_forward (NnLayerRun *l, const float *const *x, int n_x, int n, gboolean training,
                 NnRng *rng)
{
  NnConvShape s = nn_pool_shape (l, n);

  nn_avgpool_forward (l->out, x[0], &s);
}

static void
avgpool_backward (NnLayerRun *l, float *din, const float *dout, const float *const *x, int n_x,
                  int n, const float *sgd)
{
  NnConvShape s = nn_pool_shape (l, n);

  if (din)
    nn_avgpool_backward (din, dout, &s);
}

const NnLayerOps nn_layer_avgpool_ops = {
  .name = "avgpool",
  .label = "Average pool",
  .torch = "nn.AvgPool2d",
  .noun = "average pool",
  .n_args = 2,
  .args = { NN_POOL_ARGS },
  .infer = avgpool_infer,
  .torch_args = nn_pool_torch_args,
  .forward = avgpool_forward,
  .backward = avgpool_backward,
};
