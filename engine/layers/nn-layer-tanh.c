/* nn-layer-tanh.c: y = tanh x, as nn.Tanh; backward reads y. */
#include "nn-layer-run.h"
#include "nn-kernels.h"

static void
tanh_forward (NnLayerRun *l, const float *const *x, int n_x, int n, gboolean training, NnRng *rng)
{
  nn_tanh_forward (l->out, x[0], (size_t) n * l->out_size);
}

static void
tanh_backward (NnLayerRun *l, float *din, const float *dout, const float *const *x, int n_x,
               int n, const float *sgd)
{
  if (din)
    nn_tanh_backward (din, dout, l->out, (size_t) n * l->in_size);
}

const NnLayerOps nn_layer_tanh_ops = {
  .name = "tanh",
  .label = "Tanh",
  .torch = "nn.Tanh",
  .forward = tanh_forward,
  .backward = tanh_backward,
};
