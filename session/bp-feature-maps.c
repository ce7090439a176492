/* bp-feature-maps.c: one test sample through a copy of the network, every
 * image-shaped layer's output kept.
 *
 * A fresh network is built from the state's spec and weights on the
 * calling thread (a worker's), so the trainer's own network is never
 * touched and training goes on meanwhile; a forward pass of one sample in
 * evaluation mode, then each layer's output is read back with
 * nn_network_get_layer_output (). No GTK.
 */
#include "bp-feature-maps.h"

#include <math.h>
#include <string.h>

gboolean
bp_inspect_state_has_feature_maps (const BpInspectState *state)
{
  return state != NULL && state->params != NULL && state->spec != NULL
         && state->n_image_layers > 0 && state->data != NULL && state->data->test != NULL
         && state->data->test->n > 0;
}

static void
channel_ranges (BpFeatureMap *map)
{
  int c = map->shape.dim[0];
  size_t hw = (size_t) map->shape.dim[1] * map->shape.dim[2];

  map->lo = g_new0 (float, c);
  map->hi = g_new0 (float, c);
  for (int ch = 0; ch < c; ch++)
    {
      const float *v = map->values + (size_t) ch * hw;
      float lo = INFINITY, hi = -INFINITY;

      for (size_t k = 0; k < hw; k++)
        if (isfinite (v[k]))
          {
            lo = MIN (lo, v[k]);
            hi = MAX (hi, v[k]);
          }
      if (lo <= hi)
        {
          map->lo[ch] = lo;
          map->hi[ch] = hi;
        }
    }
}

BpFeatureMaps *
bp_feature_maps_compute (const BpInspectState *state, int sample, GError **error)
{
  const NnDataset *ds;
  g_autoptr(NnNetwork) net = NULL;
  g_autofree float *x = NULL;
  BpFeatureMaps *maps;
  const float *y;
  guint32 row;
  gint32 label = -1;
  int n_layers, k = 0;

  g_return_val_if_fail (state != NULL, NULL);

  if (!bp_inspect_state_has_feature_maps (state))
    {
      g_set_error_literal (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                           "This network has no convolution or pooling layers, nor any other "
                           "whose output is an image.");
      return NULL;
    }
  ds = state->data->test;
  if (sample < 0 || sample >= ds->n)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "There is no test sample %d: the test set has samples 0 to %d.", sample,
                   ds->n - 1);
      return NULL;
    }
  net = nn_network_new (state->spec, state->in_shape, error);
  if (net == NULL)
    return NULL;
  if (nn_network_get_n_params (net) != state->n_params
      || nn_dataset_size (ds) != nn_network_get_in_size (net))
    {
      g_set_error_literal (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                           "The network does not fit the test samples it was to be shown on.");
      return NULL;
    }
  memcpy (nn_network_get_params (net), state->params, sizeof (float) * state->n_params);

  x = g_try_new (float, nn_network_get_in_size (net));
  if (x == NULL)
    goto no_memory;
  row = (guint32) sample;
  nn_dataset_gather (ds, &row, 1, x, ds->task == NN_TASK_CLASSIFICATION ? &label : NULL, NULL);
  y = nn_network_forward (net, x, 1, FALSE, NULL);
  if (y == NULL)
    goto no_memory;

  n_layers = nn_network_get_n_layers (net);
  maps = g_new0 (BpFeatureMaps, 1);
  maps->ref_count = 1;
  maps->sample = sample;
  maps->step = state->step;
  maps->label = ds->task == NN_TASK_CLASSIFICATION ? label : -1;
  maps->predicted = -1;
  if (ds->task == NN_TASK_CLASSIFICATION)
    {
      size_t n_out = nn_network_get_out_size (net);

      /* The argmax is the same on logits as on probabilities. */
      maps->predicted = 0;
      for (size_t j = 1; j < n_out; j++)
        if (y[j] > y[maps->predicted])
          maps->predicted = (int) j;
    }
  maps->maps = g_new0 (BpFeatureMap, state->n_image_layers);
  for (int i = 0; i < n_layers && k < state->n_image_layers; i++)
    {
      BpFeatureMap *map = &maps->maps[k];
      const NnLayerInfo *info = nn_network_get_layer_info (net, i);

      if (!bp_layer_has_feature_map (net, i))
        continue;
      map->layer = i;
      map->kind = nn_network_get_spec (net)->layers[i].kind;
      map->shape = info->out;
      map->values = g_memdup2 (nn_network_get_layer_output (net, i, NULL),
                               sizeof (float) * nn_shape_size (info->out));
      channel_ranges (map);
      k++;
    }
  maps->n_maps = k;
  return maps;

no_memory:
  g_set_error_literal (error, NN_ERROR, NN_ERROR_NO_MEMORY,
                       "Not enough memory to show the feature maps.");
  return NULL;
}

BpFeatureMaps *
bp_feature_maps_ref (BpFeatureMaps *maps)
{
  g_return_val_if_fail (maps != NULL, NULL);

  g_atomic_int_inc (&maps->ref_count);
  return maps;
}

void
bp_feature_maps_unref (BpFeatureMaps *maps)
{
  if (!maps || !g_atomic_int_dec_and_test (&maps->ref_count))
    return;
  for (int i = 0; i < maps->n_maps; i++)
    {
      g_free (maps->maps[i].values);
      g_free (maps->maps[i].lo);
      g_free (maps->maps[i].hi);
    }
  g_free (maps->maps);
  g_free (maps);
}

char *
bp_feature_map_caption (const BpFeatureMap *map)
{
  g_autofree char *shape = nn_shape_to_string (map->shape);

  return g_strdup_printf ("%d · %s · %s", map->layer + 1, nn_layer_kind_label (map->kind), shape);
}
