/* nn-layer.h: layer kinds, their settings, and network specs.
 *
 * A layer spec is a small value (kind plus the one or two numbers that kind
 * takes); a net spec is a list of them, written as text the way the command
 * line takes it: "dense:128,relu,dropout:0.25,dense:10". Specs know how to
 * infer their output shape and parameter count from an input shape and say
 * in words why they do not fit; they hold no weights (see nn-network.h).
 */
#pragma once

#include "nn-types.h"

G_BEGIN_DECLS

typedef enum
{
  NN_LAYER_DENSE,       /* y = x W^T + b, W (units, in) as PyTorch's nn.Linear */
  NN_LAYER_RELU,
  NN_LAYER_LEAKY_RELU,  /* slope for x < 0 */
  NN_LAYER_SIGMOID,
  NN_LAYER_TANH,
  NN_LAYER_SOFTMAX,     /* over the features of each sample */
  NN_LAYER_DROPOUT,     /* inverted dropout; identity in evaluation */
  NN_LAYER_FLATTEN,     /* (C,H,W) -> (C*H*W) */
  NN_N_LAYER_KINDS
} NnLayerKind;

typedef struct
{
  NnLayerKind kind;
  int         units;   /* dense: output features (>= 1) */
  float       rate;    /* dropout: probability of dropping, [0, 1) */
  float       slope;   /* leaky relu: slope for negative inputs */
} NnLayerSpec;

/* What a spec becomes on a given input: for the layer panel and for checks. */
typedef struct
{
  NnShape in;
  NnShape out;
  size_t  n_params;
} NnLayerInfo;

const char  *nn_layer_kind_name      (NnLayerKind kind);  /* "dense", "leaky_relu", ... as in specs */
const char  *nn_layer_kind_label     (NnLayerKind kind);  /* "Dense", "Leaky ReLU", ... for people */
const char  *nn_layer_kind_torch     (NnLayerKind kind);  /* "nn.Linear", "nn.ReLU", ... */
gboolean     nn_layer_kind_from_name (const char *name, NnLayerKind *kind);
gboolean     nn_layer_kind_has_params (NnLayerKind kind);

NnLayerSpec  nn_layer_spec_default   (NnLayerKind kind);
gboolean     nn_layer_spec_parse     (const char *text, NnLayerSpec *spec, GError **error);
char        *nn_layer_spec_to_string (const NnLayerSpec *spec);              /* (transfer full) */
gboolean     nn_layer_spec_validate  (const NnLayerSpec *spec, GError **error);
gboolean     nn_layer_infer          (const NnLayerSpec *spec, NnShape in, NnLayerInfo *info,
                                      GError **error);

typedef struct
{
  int          n_layers;
  NnLayerSpec *layers;   /* (n_layers) */
} NnNetSpec;

NnNetSpec   *nn_net_spec_new         (void);
NnNetSpec   *nn_net_spec_parse       (const char *text, GError **error);
NnNetSpec   *nn_net_spec_copy        (const NnNetSpec *spec);
void         nn_net_spec_free        (NnNetSpec *spec);
char        *nn_net_spec_to_string   (const NnNetSpec *spec);                /* (transfer full) */
void         nn_net_spec_append      (NnNetSpec *spec, const NnLayerSpec *layer);
void         nn_net_spec_insert      (NnNetSpec *spec, int position, const NnLayerSpec *layer);
void         nn_net_spec_remove      (NnNetSpec *spec, int position);
void         nn_net_spec_move        (NnNetSpec *spec, int from, int to);
gboolean     nn_net_spec_equal       (const NnNetSpec *a, const NnNetSpec *b);

/* Checks @spec against data of per-sample shape @in with @n_outputs outputs
 * (classes or regression targets). Fills @infos (n_layers entries, may be
 * NULL) as far as the layers fit, and sets @n_fit (may be NULL) to how many
 * do: all of them when only the network as a whole is at fault (nothing to
 * learn, the wrong number of outputs). On failure sets @bad_layer to the
 * offending layer's index (or -1 when the network as a whole is at fault,
 * e.g. empty) and @error to one sentence a user understands. */
gboolean     nn_net_spec_check       (const NnNetSpec *spec, NnShape in, int n_outputs,
                                      NnLayerInfo *infos, int *n_fit, int *bad_layer,
                                      GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnNetSpec, nn_net_spec_free)

G_END_DECLS
