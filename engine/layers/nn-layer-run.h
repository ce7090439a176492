/* nn-layer-run.h: a layer inside a network, for the kinds' forward and
 * backward (engine only; the UI and the CLI see NnLayerOps and the
 * parameter table).
 *
 * The network (nn-network.c) fills every field; a kind reads its settings
 * from @spec, its parameters at @params and writes their gradients at
 * @grads (both at the layer's offset in the network's blocks), its output
 * to @out and whatever backward needs to @scratch.
 */
#pragma once

#include "nn-layer.h"

/* More weights than this (1 GiB of floats) is surely a typo in a spec. */
#define NN_MAX_PARAMS ((size_t) 1 << 28)

struct _NnLayerRun
{
  NnLayerSpec       spec;
  const NnLayerOps *ops;
  NnLayerInfo       info;
  size_t            in_size, out_size;
  size_t            offset;     /* of its first parameter in the block */
  float            *params;     /* (info.n_params) its part of the parameter block */
  float            *grads;      /* (info.n_params) the same part of the gradient block */
  float            *out;        /* (capacity, out_size); NN_LAYER_VIEW: its input */
  float            *scratch;    /* (capacity, ops->scratch ()) or NULL */
};

/* The table of each kind, defined in engine/layers/nn-layer-<name>.c. */
#define NN_LAYER_KIND(ID, name) extern const NnLayerOps nn_layer_##name##_ops;
#include "nn-layer-kinds.h"
#undef NN_LAYER_KIND
