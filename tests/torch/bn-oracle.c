/* bn-oracle.c: what check-batchnorm.py compares with PyTorch.
 *
 * For each network below: a few training steps, then the model file
 * (DIR/NAME.safetensors), and beside it DIR/NAME-io.safetensors with
 * evaluation outputs of the saved model on fixed inputs, and one more
 * training-mode forward and backward from there: its input, output
 * gradient, output, input gradient, every trainable tensor's gradient and
 * the buffers after it. Usage: bn-oracle DIR
 */
#include "nn-model-file.h"
#include "nn-network.h"
#include "nn-rng.h"
#include "nn-safetensors.h"

#include <stdio.h>
#include <string.h>

#define N_EVAL  8
#define N_TRAIN 6

static void
fill (float *v, size_t n, NnRng *rng, float lo, float hi)
{
  for (size_t i = 0; i < n; i++)
    v[i] = nn_rng_range (rng, lo, hi);
}

static gboolean
run (const char *dir, const char *name, const char *text, NnShape in, GError **error)
{
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse (text, error);
  g_autoptr(NnNetwork) net = spec ? nn_network_new (spec, in, error) : NULL;
  g_autofree char *model = NULL, *io = NULL;
  g_autoptr(NnStWriter) w = nn_st_writer_new ();
  g_autofree float *x = NULL, *dout = NULL, *y = NULL, *dx = NULL, *ex = NULL, *ey = NULL;
  size_t in_size, out_size;
  const NnParamInfo *table;
  int n_table = 0;
  gint64 xs[2], ys[2], es[2], os[2];
  gboolean ok = FALSE;
  NnRng rng;

  if (net == NULL)
    goto out;
  nn_network_init (net, NN_INIT_AUTO, 3);
  in_size = nn_network_get_in_size (net);
  out_size = nn_network_get_out_size (net);
  x = g_new (float, N_TRAIN * in_size);
  dout = g_new (float, N_TRAIN * out_size);
  y = g_new (float, N_TRAIN * out_size);
  dx = g_new (float, N_TRAIN * in_size);
  ex = g_new (float, N_EVAL * in_size);
  ey = g_new (float, N_EVAL * out_size);

  /* Training steps, so that nothing is at its start (not even the count). */
  nn_rng_init (&rng, 17, 1);
  for (int step = 0; step < 4; step++)
    {
      fill (x, N_TRAIN * in_size, &rng, -1.0f + step, 2.0f);
      fill (dout, N_TRAIN * out_size, &rng, -1, 1);
      nn_network_forward (net, x, N_TRAIN, TRUE, NULL);
      nn_network_backward_sgd (net, dout, N_TRAIN, FALSE, 0.2f, 0.01f);
    }
  model = g_strdup_printf ("%s/%s.safetensors", dir, name);
  if (!nn_model_save (model, net, NULL, error))
    goto out;

  fill (ex, N_EVAL * in_size, &rng, -2, 2);
  if (!nn_network_predict (net, ex, N_EVAL, ey))
    goto out;

  fill (x, N_TRAIN * in_size, &rng, -1, 3);
  fill (dout, N_TRAIN * out_size, &rng, -1, 1);
  memcpy (y, nn_network_forward (net, x, N_TRAIN, TRUE, NULL), sizeof (float) * N_TRAIN * out_size);
  nn_network_backward (net, dout, N_TRAIN, FALSE, dx);

  xs[0] = N_TRAIN;
  xs[1] = (gint64) in_size;
  ys[0] = N_TRAIN;
  ys[1] = (gint64) out_size;
  es[0] = N_EVAL;
  es[1] = (gint64) in_size;
  os[0] = N_EVAL;
  os[1] = (gint64) out_size;
  nn_st_writer_add_f32 (w, "eval.x", ex, 2, es);
  nn_st_writer_add_f32 (w, "eval.y", ey, 2, os);
  nn_st_writer_add_f32 (w, "train.x", x, 2, xs);
  nn_st_writer_add_f32 (w, "train.dout", dout, 2, ys);
  nn_st_writer_add_f32 (w, "train.y", y, 2, ys);
  nn_st_writer_add_f32 (w, "train.dx", dx, 2, xs);
  table = nn_network_get_param_table (net, &n_table);
  for (int k = 0; k < n_table; k++)
    {
      const NnParamInfo *p = &table[k];
      g_autofree char *key = g_strdup_printf ("%s.%d.%s", p->role == NN_PARAM_TRAINABLE ? "grad" : "after",
                                   p->layer, p->name);
      const float *src = (p->role == NN_PARAM_TRAINABLE ? nn_network_get_grads (net)
                                                        : nn_network_get_params (net)) + p->offset;
      gint64 shape[NN_PARAM_MAX_RANK];

      for (int d = 0; d < p->rank; d++)
        shape[d] = p->shape[d];
      nn_st_writer_add_f32 (w, key, src, p->rank, shape);
    }
  io = g_strdup_printf ("%s/%s-io.safetensors", dir, name);
  ok = nn_st_writer_save (w, io, error);

out:
  return ok;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;

  if (argc != 2)
    {
      fprintf (stderr, "Usage: bn-oracle DIR\n");
      return 2;
    }
  if (!run (argv[1], "bn1d", "dense:6,batchnorm,relu,dense:3", nn_shape_1d (4), &error)
      || !run (argv[1], "bn2d", "relu,batchnorm,flatten,dense:3", nn_shape_3d (2, 5, 5), &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  return 0;
}
