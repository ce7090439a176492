/* nn-layer-leaky-relu.c: y = x for x >= 0, slope x below, as nn.LeakyReLU. */
#include "nn-layer-run.h"
#include "nn-kernels.h"

static char *
leaky_relu_torch_args (const NnLayerSpec *spec, NnShape in, NnShape out)
{
  char num[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup_printf ("negative_slope=%s",
                          g_ascii_formatd (num, sizeof num, "%g", spec->arg[0]));
}

static void
leaky_relu_forward (NnLayerRun *l, const float *const *x, int n_x, int n, gboolean training,
                    NnRng *rng)
{
  nn_leaky_relu_forward (l->out, x[0], l->spec.arg[0], (size_t) n * l->out_size);
}

static void
leaky_relu_backward (NnLayerRun *l, float *din, const float *dout, const float *const *x,
                     int n_x, int n, const float *sgd)
{
  if (din)
    nn_leaky_relu_backward (din, dout, x[0], l->spec.arg[0], (size_t) n * l->in_size);
}

static const char *const leaky_relu_aliases[] = { "leakyrelu", NULL };

const NnLayerOps nn_layer_leaky_relu_ops = {
  .name = "leaky_relu",
  .label = "Leaky ReLU",
  .torch = "nn.LeakyReLU",
  .noun = "leaky ReLU",
  .aliases = leaky_relu_aliases,
  .flags = NN_LAYER_HE_BEFORE,
  .n_args = 1,
  .args = {
    { .name = "slope", .label = "Slope for negative inputs", .what = "slope", .min = 0, .max = 1,
      .max_open = TRUE, .def = 0.01, .example = 0.1, .ui_max = 1, .step = 0.01, .page = 0.1,
      .digits = 2 },
  },
  .torch_args = leaky_relu_torch_args,
  .forward = leaky_relu_forward,
  .backward = leaky_relu_backward,
};
