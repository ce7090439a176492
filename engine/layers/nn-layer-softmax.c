/* nn-layer-softmax.c: softmax over the features of each sample, as
 * nn.Softmax(dim=1); backward reads y. A loss may be fused with it
 * (NN_LOSS_FROM_ACTIVATION, nn-loss.h), and then steps over it. */
#include "nn-layer-run.h"
#include "nn-kernels.h"

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
  .torch_args = softmax_torch_args,
  .forward = softmax_forward,
  .backward = softmax_backward,
};
