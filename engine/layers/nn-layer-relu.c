/* nn-layer-relu.c: y = max(x, 0), as nn.ReLU. */
#include "nn-layer-run.h"
#include "nn-kernels.h"

static void
relu_forward (NnLayerRun *l, const float *const *x, int n_x, int n, gboolean training, NnRng *rng)
{
  nn_relu_forward (l->out, x[0], (size_t) n * l->out_size);
}

static void
relu_backward (NnLayerRun *l, float *din, const float *dout, const float *const *x, int n_x,
               int n, const float *sgd)
{
  if (din)
    nn_relu_backward (din, dout, x[0], (size_t) n * l->in_size);
}

const NnLayerOps nn_layer_relu_ops = {
  .name = "relu",
  .label = "ReLU",
  .torch = "nn.ReLU",
  .flags = NN_LAYER_HE_BEFORE,
  .forward = relu_forward,
  .backward = relu_backward,
};
