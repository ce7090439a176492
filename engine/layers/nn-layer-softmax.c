/* nn-layer-softmax.c: softmax over the features of each sample, as
 * nn.Softmax(dim=1); backward reads y. A loss may be fused with it
 * (NN_LOSS_FROM_ACTIVATION, nn-loss.h), and then steps over it.
 *
 * On an image (C×H×W) it is over all C H W features, and its output is
 * flat: PyTorch's nn.Softmax(dim=1) on [N, C, H, W] would take each
 * pixel's softmax over the channels instead, so its module gets the
 * nn.Flatten before it (NN_LAYER_FLAT_IN) that makes it the same. */
#include "nn-layer-run.h"
#include "nn-kernels.h"

static gboolean
softmax_infer (const NnLayerSpec *spec, NnShape in, NnShape *out, GError **error)
{
  *out = nn_shape_1d ((int) nn_shape_size (in));
  return TRUE;
}

static char *
softmax_torch_args (const NnLayerSpec *spec, NnShape in, NnShape out)
{
  return g_strdup ("dim=1");
}

static void
softmax_forward (NnLayerRun *l, const float *const *x, int n_x, int n, gboolean training,
                 NnRng *rng)
{
  nn_softmax_forward (l->out, x[0], n, (int) l->out_size);
}

static void
softmax_backward (NnLayerRun *l, float *din, const float *dout, const float *const *x, int n_x,
                  int n, const float *sgd)
{
  if (din)
    nn_softmax_backward (din, dout, l->out, n, (int) l->out_size);
}

const NnLayerOps nn_layer_softmax_ops = {
  .name = "softmax",
  .label = "Softmax",
  .torch = "nn.Softmax",
  .flags = NN_LAYER_FLAT_IN,
  .infer = softmax_infer,
  .torch_args = softmax_torch_args,
  .forward = softmax_forward,
  .backward = softmax_backward,
};
