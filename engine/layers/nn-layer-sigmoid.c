/* nn-layer-sigmoid.c: y = 1 / (1 + e^-x), as nn.Sigmoid; backward reads y. */
#include "nn-layer-run.h"
#include "nn-kernels.h"

static void
sigmoid_forward (NnLayerRun *l, const float *const *x, int n_x, int n, gboolean training,
                 NnRng *rng)
{
  nn_sigmoid_forward (l->out, x[0], (size_t) n * l->out_size);
}

static void
sigmoid_backward (NnLayerRun *l, float *din, const float *dout, const float *const *x, int n_x,
                  int n, const float *sgd)
{
  if (din)
    nn_sigmoid_backward (din, dout, l->out, (size_t) n * l->in_size);
}

const NnLayerOps nn_layer_sigmoid_ops = {
  .name = "sigmoid",
  .label = "Sigmoid",
  .torch = "nn.Sigmoid",
  .forward = sigmoid_forward,
  .backward = sigmoid_backward,
};
