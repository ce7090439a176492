/* nn-layer-registry.c: from a kind to its operations table.
 *
 * The list is nn-layer-kinds.h; nothing here changes when a kind is added.
 */
#include "nn-layer-run.h"

static const NnLayerOps *const registry[NN_N_LAYER_KINDS] = {
#define NN_LAYER_KIND(ID, name) [NN_LAYER_##ID] = &nn_layer_##name##_ops,
#include "nn-layer-kinds.h"
#undef NN_LAYER_KIND
};

const NnLayerOps *
nn_layer_ops (NnLayerKind kind)
{
  return (unsigned) kind < NN_N_LAYER_KINDS ? registry[kind] : NULL;
}
