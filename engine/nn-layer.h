/* nn-layer.h: layer kinds, their settings, and network specs.
 *
 * A layer spec is a small value (kind plus the few numbers that kind
 * takes); a net spec is a list of them, written as text the way the command
 * line takes it: "dense:128,relu,dropout:0.25,dense:10". Specs know how to
 * infer their output shape and parameter tensors from an input shape and say
 * in words why they do not fit; they hold no weights (see nn-network.h).
 * Everything a kind is, is its NnLayerOps table (engine/layers/).
 */
#pragma once

#include "nn-rng.h"
#include "nn-types.h"

G_BEGIN_DECLS

/* The kinds, one per line of the registry layers/nn-layer-kinds.h:
 * NN_LAYER_DENSE, NN_LAYER_RELU, ... Each kind's operations table
 * (NnLayerOps, below) lives in its own file under engine/layers/. */
typedef enum
{
#define NN_LAYER_KIND(ID, name) NN_LAYER_##ID,
#include "layers/nn-layer-kinds.h"
#undef NN_LAYER_KIND
  NN_N_LAYER_KINDS
} NnLayerKind;

#define NN_LAYER_MAX_ARGS    4   /* settings of one layer in a spec ("conv:F:K:S:P") */
#define NN_LAYER_MAX_TENSORS 8   /* named parameter tensors of one layer */
#define NN_PARAM_MAX_RANK    4

/* A layer as the spec text gives it: its kind and its settings, in the
 * order of its kind's NnLayerOps.args ("dense:128": arg[0] = 128 units).
 * Settings a kind does not take are 0. */
typedef struct
{
  NnLayerKind kind;
  float       arg[NN_LAYER_MAX_ARGS];
} NnLayerSpec;

/* One setting of a kind: what the spec parser reads after a colon, and
 * what the layer panel's row edits. */
typedef struct
{
  const char *name;      /* "units", "rate", "slope": for nn_layer_spec_get () */
  const char *label;     /* "Units": the panel's caption */
  const char *what;      /* "units", "rate", "slope": in messages */
  gboolean    integer;   /* a whole number */
  gboolean    required;  /* must be given in the text ("dense:128"), else it takes @def */
  double      min, max;  /* valid from @min to @max, or below @max with @max_open */
  gboolean    max_open;
  double      def;       /* the default, for the palette and an omitted setting */
  double      example;   /* a typical value, for messages ("e.g. “dense:128”") */
  int         def_from;  /* 1 + the index of the setting whose value an omitted one takes
                          * ("maxpool:2": stride = kernel); 0: it takes @def */
  gboolean    terse;     /* printed only when it differs from its default ("conv:6:5") */
  double      ui_max;    /* the panel's upper bound (a typing aid, not a limit) */
  double      step, page; /* the panel's steps */
  int         digits;    /* the panel's decimals */
} NnLayerArg;

/* What a spec becomes on a given input: for the layer panel and for checks. */
typedef struct
{
  NnShape in;
  NnShape out;
  size_t  n_params;   /* floats of all its tensors (NnParamInfo), buffers included */
  size_t  n_trainable; /* of those, its trainable parameters' (what PyTorch counts) */
  size_t  n_macs;     /* multiply-adds of one sample's forward pass */
} NnLayerInfo;

/* A tensor a layer keeps in the network's parameter block: a trainable
 * parameter (its gradient at the same offset in the gradient block) or a
 * buffer (statistics such as running means, no gradient). Named as the
 * last part of PyTorch's state_dict key: "weight" of layer 0 is "0.weight". */
typedef enum
{
  NN_PARAM_TRAINABLE,
  NN_PARAM_BUFFER,
} NnParamRole;

/* How a tensor is written to files. Every tensor lives in the float
 * parameter block, whatever its dtype: an I64 tensor (a count, such as
 * batch norm's num_batches_tracked) is held there as a float, which counts
 * exactly up to NN_PARAM_I64_MAX = 2^24 (past that a float cannot add 1),
 * and the model and project files write and read it as int64. Only a
 * buffer may be I64. */
typedef enum
{
  NN_PARAM_F32,
  NN_PARAM_I64,
} NnParamDtype;

#define NN_PARAM_I64_MAX 16777216.0f   /* 2^24 */

typedef struct
{
  int          layer;                      /* index in the network */
  const char  *name;                       /* "weight", "bias" (static) */
  const char  *description;                /* "weight (units, in)", for people (static) */
  NnParamRole  role;
  NnParamDtype dtype;
  int          rank;                       /* 0 (a scalar, size 1) .. NN_PARAM_MAX_RANK */
  int          shape[NN_PARAM_MAX_RANK];   /* row-major, as PyTorch's */
  size_t       size;                       /* product of the shape */
  size_t       offset;                     /* in the parameter block (and gradient block) */
} NnParamInfo;

typedef enum
{
  NN_INIT_AUTO,     /* He before relu/leaky relu, Glorot otherwise */
  NN_INIT_HE,       /* normal(0, sqrt(2/in)) */
  NN_INIT_GLOROT,   /* uniform(+-sqrt(6/(in+out))) */
  NN_INIT_UNIFORM,  /* uniform(-1, 1), as the classic notebooks */
  NN_INIT_NORMAL,   /* normal(0, 0.01), as the classic notebooks */
} NnInit;

typedef enum
{
  NN_LAYER_VIEW      = 1 << 0,  /* its output is its input, reshaped: no buffer (flatten) */
  NN_LAYER_HE_BEFORE = 1 << 1,  /* NN_INIT_AUTO picks He for the layer that feeds it (relu) */
  NN_LAYER_SEE_PAST  = 1 << 2,  /* ... and looks past it for that activation (dropout) */
  NN_LAYER_FLAT_IN   = 1 << 3,  /* reads an image input flattened: PyTorch's module needs an
                                 * nn.Flatten before it (dense, softmax) */
} NnLayerFlags;

/* A layer inside a network, as its kind's forward and backward see it:
 * engine/layers/nn-layer-run.h (engine only). */
typedef struct _NnLayerRun NnLayerRun;

/* The operations table of one kind, as kann keeps one per operator. Every
 * function but forward and backward may be NULL (see each). */
typedef struct
{
  const char        *name;      /* "dense", "leaky_relu": as in specs */
  const char        *label;     /* "Dense", "Leaky ReLU": for people */
  const char        *torch;     /* "nn.Linear": its PyTorch module (or, with torch_for, the
                                 * prefix common to the modules it picks, "nn.BatchNorm") */
  const char        *noun;      /* "leaky ReLU": in messages ("A leaky ReLU slope ..."); NULL: name */
  const char *const *aliases;   /* more names the parser takes ("linear"), NULL-terminated */
  guint              flags;     /* NnLayerFlags */
  int                n_args;
  NnLayerArg         args[NN_LAYER_MAX_ARGS];

  /* The output shape for @in, or FALSE with a sentence a user understands.
   * NULL: the output has the input's shape. @spec is already validated. */
  gboolean (*infer)      (const NnLayerSpec *spec, NnShape in, NnShape *out, GError **error);
  /* Fills @params (NN_LAYER_MAX_TENSORS) with its tensors in state_dict
   * order, offsets from the layer's first float; returns how many.
   * NULL: none. */
  int      (*params)     (const NnLayerSpec *spec, NnShape in, NnShape out, NnParamInfo *params);
  /* Multiply-adds of one sample's forward pass, for the panel's counts
   * (a product's, not an elementwise kind's). NULL: none. */
  size_t   (*macs)       (const NnLayerSpec *spec, NnShape in, NnShape out);
  /* Its PyTorch module on @in when that depends on it ("nn.BatchNorm2d"
   * after a C×H×W output, "nn.BatchNorm1d" after a flat one), static.
   * NULL: @torch. */
  const char *(*torch_for) (const NnLayerSpec *spec, NnShape in);
  /* The PyTorch module's arguments, "784, 128" (transfer full). NULL: none. */
  char    *(*torch_args) (const NnLayerSpec *spec, NnShape in, NnShape out);
  /* Floats per sample that forward leaves for backward (a dropout mask).
   * NULL: none. */
  size_t   (*scratch)    (const NnLayerRun *l);
  /* Sets its parameters, drawing from @rng, as @init (never AUTO) says.
   * NULL: nothing to set. */
  void     (*init)       (NnLayerRun *l, NnInit init, NnRng *rng);
  /* As the first layer: how many copies of a batch of @n its products
   * read, one per core (see nn_network_forward_rows ()). NULL: 1. */
  int      (*input_parts) (const NnLayerRun *l, int n);
  /* x: @n_x copies of the input (n, in_size), @n_x > 1 only for the first
   * layer; writes the output (n, out_size). @rng is NULL outside training. */
  void     (*forward)    (NnLayerRun *l, const float *const *x, int n_x, int n,
                          gboolean training, NnRng *rng);
  /* After forward on the same x: writes its parameters' gradients and,
   * unless @din is NULL, the input gradient (n, in_size) from @dout
   * (n, out_size). With @sgd (lr, weight decay) a layer may instead step
   * its weights in place, leaving its gradients stale. */
  void     (*backward)   (NnLayerRun *l, float *din, const float *dout, const float *const *x,
                          int n_x, int n, const float *sgd);
  /* For the bench's floor (nn_network_time_floor ()): what its forward
   * (@backward FALSE) or backward spends in lowering its input and in
   * matrix products alone, the same calls on the same shapes, shared out
   * over the cores the same way, on a batch of @n: x (n, in_size), dout
   * (n, out_size), din (n, in_size) or NULL where backward skips it. It
   * may write its output, scratch and gradients, not its parameters; the
   * numbers are not used. NULL: it runs no product (elementwise kinds). */
  void     (*floor)      (NnLayerRun *l, gboolean backward, const float *x, float *din,
                          const float *dout, int n);
} NnLayerOps;

/* The table of @kind (NULL for a kind out of range). */
const NnLayerOps *nn_layer_ops         (NnLayerKind kind);

const char  *nn_layer_kind_name      (NnLayerKind kind);  /* "dense", "leaky_relu", ... as in specs */
const char  *nn_layer_kind_label     (NnLayerKind kind);  /* "Dense", "Leaky ReLU", ... for people */
const char  *nn_layer_kind_torch     (NnLayerKind kind);  /* "nn.Linear", "nn.ReLU", ... */
gboolean     nn_layer_kind_from_name (const char *name, NnLayerKind *kind);
gboolean     nn_layer_kind_has_params (NnLayerKind kind);

NnLayerSpec  nn_layer_spec_default   (NnLayerKind kind);
gboolean     nn_layer_spec_parse     (const char *text, NnLayerSpec *spec, GError **error);
char        *nn_layer_spec_to_string (const NnLayerSpec *spec);              /* (transfer full) */
gboolean     nn_layer_spec_validate  (const NnLayerSpec *spec, GError **error);
/* The setting named @name ("units"), or NAN when the kind has none. */
double       nn_layer_spec_get       (const NnLayerSpec *spec, const char *name);
/* Sets it (rounded for whole numbers); FALSE when the kind has none. The
 * value is not validated: nn_layer_spec_validate () says if it is right. */
gboolean     nn_layer_spec_set       (NnLayerSpec *spec, const char *name, double value);
gboolean     nn_layer_infer          (const NnLayerSpec *spec, NnShape in, NnLayerInfo *info,
                                      GError **error);
/* "nn.Linear(784, 128)" on @info (transfer full). */
char        *nn_layer_torch_module   (const NnLayerSpec *spec, const NnLayerInfo *info);

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

/* The parameter table of @spec on @infos (as nn_net_spec_check () fills
 * them): every layer's tensors in state_dict order, with their offsets in
 * the parameter block a network of @spec has (transfer full; @n_params
 * entries, NULL when there are none). */
NnParamInfo *nn_net_spec_param_table (const NnNetSpec *spec, const NnLayerInfo *infos,
                                      int *n_params);

/* PyTorch's nn.Sequential for @spec on @infos (as nn_net_spec_check ()
 * fills them) has an nn.Flatten the spec does not: before a layer that
 * reads its input flattened (NN_LAYER_FLAT_IN: dense, softmax) when that input is
 * an image (C×H×W), except at layer 0, whose module then takes the input
 * as [N, features] (so a multilayer perceptron's names are 0.weight,
 * 2.weight, ... on any data). Whether layer @layer has such a flatten
 * before it, and its index in the nn.Sequential, which names its tensors
 * ("4.weight" for the dense layer of conv:6:5,relu,maxpool:2,dense:10). */
gboolean     nn_net_spec_torch_flatten_before (const NnNetSpec *spec, const NnLayerInfo *infos,
                                               int layer);
int          nn_net_spec_torch_index (const NnNetSpec *spec, const NnLayerInfo *infos, int layer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnNetSpec, nn_net_spec_free)

G_END_DECLS
