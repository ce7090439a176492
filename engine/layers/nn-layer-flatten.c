/* nn-layer-flatten.c: (C,H,W) -> (C*H*W), as nn.Flatten: a view of its
 * input (NN_LAYER_VIEW), no buffer of its own. */
#include "nn-layer-run.h"

#include <string.h>

static gboolean
flatten_infer (const NnLayerSpec *spec, NnShape in, NnShape *out, GError **error)
{
  *out = nn_shape_1d ((int) nn_shape_size (in));
  return TRUE;
}

static void
flatten_forward (NnLayerRun *l, const float *const *x, int n_x, int n, gboolean training,
                 NnRng *rng)
{
  l->out = (float *) x[0];
}

static void
flatten_backward (NnLayerRun *l, float *din, const float *dout, const float *const *x, int n_x,
                  int n, const float *sgd)
{
  if (din)
    memcpy (din, dout, sizeof (float) * n * l->in_size);
}

const NnLayerOps nn_layer_flatten_ops = {
  .name = "flatten",
  .label = "Flatten",
  .torch = "nn.Flatten",
  .flags = NN_LAYER_VIEW,
  .infer = flatten_infer,
  .forward = flatten_forward,
  .backward = flatten_backward,
};
