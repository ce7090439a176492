/* nn-optim.h: optimizers over one parameter block.
 *
 * The update rules are PyTorch's, so numbers can be compared with it:
 *   weight decay (L2):  g = g + wd * p
 *   sgd:                p = p - lr * g
 *   momentum:           v = mu * v + g;  p = p - lr * v
 *   nesterov:           v = mu * v + g;  p = p - lr * (g + mu * v)
 *   adam:               m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
 *                       p = p - lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
 * with, as in PyTorch, the moments and weights in float and the scalars
 * (1 - b, the bias corrections 1 - b^t, lr / (1 - b1^t)) in double.
 * The learning rate may change between any two steps; state is kept.
 * A network's optimizer steps its trainable tensors only, never its
 * buffers (nn_optimizer_new_for_table ()).
 */
#pragma once

#include "nn-layer.h"
#include "nn-types.h"

G_BEGIN_DECLS

typedef enum
{
  NN_OPTIM_SGD,
  NN_OPTIM_MOMENTUM,
  NN_OPTIM_ADAM,
  NN_N_OPTIMS
} NnOptimKind;

typedef struct
{
  NnOptimKind kind;
  float       lr;
  float       momentum;      /* momentum: mu */
  gboolean    nesterov;
  double      beta1, beta2;  /* in double, as PyTorch's: 1 - beta^t cancels badly in float */
  float       eps;
  float       weight_decay;  /* L2, all trainable parameters (never buffers) */
} NnOptimConfig;

const char   *nn_optim_name           (NnOptimKind kind);  /* "sgd", "momentum", "adam" */
const char   *nn_optim_label          (NnOptimKind kind);
gboolean      nn_optim_from_name      (const char *name, NnOptimKind *kind);
NnOptimConfig nn_optim_config_default (NnOptimKind kind);  /* lr 0.1 sgd/momentum, 0.001 adam */

typedef struct _NnOptimizer NnOptimizer;

/* An optimizer over a whole block of @n_params floats. */
NnOptimizer  *nn_optimizer_new    (const NnOptimConfig *config, size_t n_params, GError **error);
/* An optimizer over a network's block of @n_params floats that steps only
 * the trainable tensors of its parameter table (@n_table entries): the
 * buffers (NN_PARAM_BUFFER: running statistics, counts) get no step, no
 * weight decay and no momentum or Adam moments (theirs stay 0). */
NnOptimizer  *nn_optimizer_new_for_table (const NnOptimConfig *config, const NnParamInfo *table,
                                          int n_table, size_t n_params, GError **error);
void          nn_optimizer_free   (NnOptimizer *opt);
void          nn_optimizer_set_lr (NnOptimizer *opt, float lr);
float         nn_optimizer_get_lr (const NnOptimizer *opt);
guint64       nn_optimizer_get_t  (const NnOptimizer *opt);   /* steps taken */
void          nn_optimizer_step   (NnOptimizer *opt, float *params, const float *grads);
/* Counts a step taken elsewhere (plain SGD fused into backward). */
void          nn_optimizer_count_step (NnOptimizer *opt);

/* The state a step reads, for saving and restoring a run exactly: m is
 * momentum's velocity or Adam's first moment (NULL for SGD), v Adam's
 * second moment (NULL otherwise), each (n_params). */
size_t        nn_optimizer_get_n_params (const NnOptimizer *opt);
const float  *nn_optimizer_get_m      (const NnOptimizer *opt);
const float  *nn_optimizer_get_v      (const NnOptimizer *opt);
/* Sets the step count and copies @m and @v (each NULL exactly when the
 * getters above return NULL). */
void          nn_optimizer_restore    (NnOptimizer *opt, guint64 t, const float *m,
                                       const float *v);

G_END_DECLS
