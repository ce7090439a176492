/* conv-dump.c: one forward and backward pass of a network on random data,
 * written out for check-conv.py to repeat in PyTorch.
 *
 *   conv-dump SPEC C H W N DIR
 *
 * writes DIR/model.safetensors (the model file, as nn_model_save () writes
 * it) and DIR/io.safetensors: the input x (N, C, H, W), the weights r of
 * the objective sum (r * y), the output y, the input gradient dx and the
 * parameter gradients, all of them in the parameter block's order (which
 * is the state_dict's), as one tensor "grads". Not a test by itself.
 */
#include "nn-model-file.h"
#include "nn-network.h"
#include "nn-safetensors.h"

#include <stdlib.h>

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnNetSpec) spec = NULL;
  g_autoptr(NnStWriter) w = NULL;
  g_autofree char *model = NULL, *io = NULL;
  g_autofree float *x = NULL, *r = NULL, *dx = NULL;
  NnNetwork *net;
  NnShape in;
  size_t in_size, out_size, n_params;
  const float *y;
  float *p;
  gint64 shape[4];
  NnRng rng;
  int n;

  if (argc != 7)
    {
      g_printerr ("Usage: conv-dump SPEC C H W N DIR\n");
      return 2;
    }
  spec = nn_net_spec_parse (argv[1], &error);
  in = nn_shape_3d (atoi (argv[2]), atoi (argv[3]), atoi (argv[4]));
  n = atoi (argv[5]);
  net = spec ? nn_network_new (spec, in, &error) : NULL;
  if (net == NULL)
    {
      g_printerr ("conv-dump: %s\n", error->message);
      return 1;
    }
  in_size = nn_network_get_in_size (net);
  out_size = nn_network_get_out_size (net);
  n_params = nn_network_get_n_params (net);
  nn_rng_init (&rng, 17, 0);
  p = nn_network_get_params (net);
  for (size_t k = 0; k < n_params; k++)
    p[k] = nn_rng_range (&rng, -0.5f, 0.5f);
  x = g_new (float, n * in_size);
  r = g_new (float, n * out_size);
  dx = g_new (float, n * in_size);
  for (size_t k = 0; k < n * in_size; k++)
    x[k] = nn_rng_range (&rng, -1.0f, 1.0f);
  for (size_t k = 0; k < n * out_size; k++)
    r[k] = nn_rng_range (&rng, -1.0f, 1.0f);

  model = g_build_filename (argv[6], "model.safetensors", NULL);
  io = g_build_filename (argv[6], "io.safetensors", NULL);
  if (!nn_model_save (model, net, NULL, &error))
    {
      g_printerr ("conv-dump: %s\n", error->message);
      return 1;
    }
  y = nn_network_forward (net, x, n, TRUE, NULL);
  w = nn_st_writer_new ();
  nn_st_writer_add_meta (w, "spec", argv[1]);
  shape[0] = n;
  shape[1] = in.dim[0];
  shape[2] = in.dim[1];
  shape[3] = in.dim[2];
  nn_st_writer_add_f32 (w, "x", x, 4, shape);
  shape[1] = (gint64) out_size;
  nn_st_writer_add_f32 (w, "r", r, 2, shape);
  nn_st_writer_add_f32 (w, "y", y, 2, shape);
  nn_network_backward (net, r, n, FALSE, dx);
  shape[1] = in.dim[0];
  nn_st_writer_add_f32 (w, "dx", dx, 4, shape);
  shape[0] = (gint64) n_params;
  nn_st_writer_add_f32 (w, "grads", nn_network_get_grads (net), 1, shape);
  if (!nn_st_writer_save (w, io, &error))
    {
      g_printerr ("conv-dump: %s\n", error->message);
      return 1;
    }
  nn_network_free (net);
  return 0;
}
