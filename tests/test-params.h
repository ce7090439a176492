/* test-params.h: a layer's "weight" and "bias" as the tests read them,
 * through the network's parameter table (header only). */
#pragma once

#include "nn-network.h"

/* FALSE for a layer without both; the weight as a matrix (shape[0], the
 * product of the rest). */
static inline gboolean
test_layer_params (NnNetwork *net, int layer, float **weight, int weight_shape[2], float **bias,
                   int *bias_len)
{
  const NnParamInfo *w = nn_network_find_param (net, layer, "weight");
  const NnParamInfo *b = nn_network_find_param (net, layer, "bias");

  if (weight)
    *weight = NULL;
  if (bias)
    *bias = NULL;
  if (bias_len)
    *bias_len = 0;
  if (weight_shape)
    weight_shape[0] = weight_shape[1] = 0;
  if (w == NULL || b == NULL)
    return FALSE;
  if (weight)
    *weight = nn_network_get_params (net) + w->offset;
  if (weight_shape)
    {
      weight_shape[0] = w->shape[0];
      weight_shape[1] = (int) (w->size / w->shape[0]);
    }
  if (bias)
    *bias = nn_network_get_params (net) + b->offset;
  if (bias_len)
    *bias_len = (int) b->size;
  return TRUE;
}
