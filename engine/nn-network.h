/* nn-network.h: a sequential network with its weights.
 *
 * All parameters live in one float block and all gradients in a second block
 * with the same layout, so an optimizer step is one loop over n_params.
 * Where each layer's tensors lie in it is the parameter table (NnParamInfo):
 * a dense layer keeps W as (units, in) and b as (units), exactly PyTorch's
 * nn.Linear, so model files map one to one onto a state_dict.
 *
 * A network owns the activation buffers of its last forward pass; forward
 * and backward are not thread-safe on one network, use one thread per
 * network (the trainer's).
 */
#pragma once

#include "nn-dataset.h"
#include "nn-layer.h"
#include "nn-rng.h"

G_BEGIN_DECLS

const char *nn_init_name      (NnInit init);
gboolean    nn_init_from_name (const char *name, NnInit *init);

typedef struct _NnNetwork NnNetwork;

NnNetwork        *nn_network_new            (const NnNetSpec *spec, NnShape in, GError **error);
void              nn_network_free           (NnNetwork *net);
/* Biases start at zero; weights as @init says, from @seed alone. */
void              nn_network_init           (NnNetwork *net, NnInit init, guint64 seed);

const NnNetSpec  *nn_network_get_spec       (const NnNetwork *net);
NnShape           nn_network_get_in_shape   (const NnNetwork *net);
int               nn_network_get_n_layers   (const NnNetwork *net);
const NnLayerInfo *nn_network_get_layer_info (const NnNetwork *net, int layer);
size_t            nn_network_get_in_size    (const NnNetwork *net);
size_t            nn_network_get_out_size   (const NnNetwork *net);
size_t            nn_network_get_n_params   (const NnNetwork *net);  /* floats, buffers included */
size_t            nn_network_get_n_trainable (const NnNetwork *net); /* of them, trainable */
float            *nn_network_get_params     (NnNetwork *net);  /* (n_params) */
float            *nn_network_get_grads      (NnNetwork *net);  /* (n_params), same layout */

/* The parameter table: every layer's tensors in state_dict order, with
 * their places in the parameter block (@n_params entries, may be NULL). */
const NnParamInfo *nn_network_get_param_table (const NnNetwork *net, int *n_params);
/* The tensor @name ("weight") of layer @layer, or NULL when it has none. */
const NnParamInfo *nn_network_find_param    (const NnNetwork *net, int layer, const char *name);

/* x (n, in_size) -> returns (n, out_size), owned by the network, valid until
 * the next call. With @training, dropout is active (drawing from @rng) and
 * activations are kept for backward. Returns NULL only if a buffer for @n
 * samples could not be allocated. */
const float      *nn_network_forward        (NnNetwork *net, const float *x, int n,
                                             gboolean training, NnRng *rng);

/* After a forward pass (training or not, nn_network_forward () or
 * _forward_rows ()): the output of layer @layer, (n, out_size of the
 * layer's NnLayerInfo.out), @n set to the samples of that pass. Owned by
 * the network, valid until its next forward pass; for a view (flatten) it
 * is the previous layer's output, or the pass's input. NULL, with @n 0,
 * before any pass. For inspecting a network's activations (feature maps). */
const float      *nn_network_get_layer_output (const NnNetwork *net, int layer, int *n);

/* The same on the samples @rows of @ds (as nn_dataset_gather() gives them),
 * gathered by the network itself: when the first layer's products are
 * shared out between cores, each core gathers its own copy of the batch. */
const float      *nn_network_forward_rows   (NnNetwork *net, const NnDataset *ds,
                                             const guint32 *rows, int n,
                                             gboolean training, NnRng *rng);

/* After a training forward of the same @n samples: dout (n, out_size) is the
 * gradient of the loss with respect to the output or, with @skip_last, with
 * respect to the input of the last layer, which must keep its size (softmax,
 * sigmoid: a loss fused with it, NN_LOSS_FROM_ACTIVATION), and is then
 * stepped over. Overwrites the gradient block; writes the gradient for the
 * input into @dx (n, in_size) unless NULL (the first layer then skips that
 * product). */
void              nn_network_backward       (NnNetwork *net, const float *dout, int n,
                                             gboolean skip_last, float *dx);

/* Backward and a plain SGD step in one pass, for speed: each dense layer's
 * weight gradient goes straight into its weights, W = (1 - lr wd) W - lr dW,
 * as one matrix product, so the gradient block is neither written nor read
 * (it is left stale). The result equals nn_network_backward() followed by
 * an SGD step with weight decay @weight_decay, up to rounding. */
void              nn_network_backward_sgd   (NnNetwork *net, const float *dout, int n,
                                             gboolean skip_last, float lr, float weight_decay);

/* Seconds that @n_batches training batches of @n samples spend in the
 * layers' lowering and matrix products alone (NnLayerOps.floor: forward
 * through the layers, then backward, the first layer's input gradient
 * skipped as training skips it), on the network's own buffers filled with
 * random numbers: the floor the bench holds training speed against. The
 * weights stay as they were; the activations and gradients do not. -1
 * when the buffers for @n could not be allocated. */
double            nn_network_time_floor     (NnNetwork *net, int n, int n_batches);

/* Evaluation-mode outputs for any number of samples, in chunks. */
gboolean          nn_network_predict        (NnNetwork *net, const float *x, int n, float *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnNetwork, nn_network_free)

G_END_DECLS
