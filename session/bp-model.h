/* bp-model.h: networks and training states, one from the other.
 *
 * A run's record keeps its weights as an NnTrainState; the inspector and
 * "Open Model…" need a network, and a model file gives a network from
 * which a run can go on training. GLib and the engine only.
 */
#pragma once

#include "nn-train.h"

G_BEGIN_DECLS

/* (transfer full) A network of @spec on @in_shape with @state's weights;
 * NN_ERROR_INVALID_ARGUMENT if they do not fit. */
NnNetwork    *bp_network_new_from_state     (const char *spec, NnShape in_shape,
                                             const NnTrainState *state, GError **error);
/* (transfer full) The state a fresh run of @config would start from with
 * @net's weights: no step taken, the optimizer's moments zero. */
NnTrainState *bp_train_state_new_from_network (NnNetwork *net, const NnTrainConfig *config);

G_END_DECLS
