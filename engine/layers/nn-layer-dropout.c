/* nn-layer-dropout.c: inverted dropout, as nn.Dropout; the identity in
 * evaluation. The mask (kept / (1 - rate), or 0) is its scratch. */
#include "nn-layer-run.h"
#include "nn-kernels.h"

static char *
dropout_torch_args (const NnLayerSpec *spec, NnShape in, NnShape out)
{
  char num[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup_printf ("p=%s", g_ascii_formatd (num, sizeof num, "%g", spec->arg[0]));
}

static size_t
dropout_scratch (const NnLayerRun *l)
{
  return l->out_size;
}

static void
dropout_forward (NnLayerRun *l, const float *const *x, int n_x, int n, gboolean training,
                 NnRng *rng)
{
  size_t m = (size_t) n * l->out_size;
  float rate = l->spec.arg[0];
  float *mask = l->scratch;

  if (training && rate > 0.0f && rng != NULL)
    {
      float keep = 1.0f - rate, scale = 1.0f / keep;
      for (size_t k = 0; k < m; k++)
        mask[k] = nn_rng_uniform (rng) < keep ? scale : 0.0f;
    }
  else
    {
      for (size_t k = 0; k < m; k++)
        mask[k] = 1.0f;
    }
  nn_dropout_apply (l->out, x[0], mask, m);
}

static void
dropout_backward (NnLayerRun *l, float *din, const float *dout, const float *const *x, int n_x,
                  int n, const float *sgd)
{
  if (din)
    nn_dropout_apply (din, dout, l->scratch, (size_t) n * l->in_size);
}

const NnLayerOps nn_layer_dropout_ops = {
  .name = "dropout",
  .label = "Dropout",
  .torch = "nn.Dropout",
  .flags = NN_LAYER_SEE_PAST,
  .n_args = 1,
  .args = {
    { .name = "rate", .label = "Dropout rate", .what = "rate", .required = TRUE, .min = 0,
      .max = 1, .max_open = TRUE, .def = 0.25, .example = 0.25, .ui_max = 0.95, .step = 0.05,
      .page = 0.1, .digits = 2 },
  },
  .torch_args = dropout_torch_args,
  .scratch = dropout_scratch,
  .forward = dropout_forward,
  .backward = dropout_backward,
};
