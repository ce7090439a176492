/* nn-loss.h: losses with their gradients.
 *
 * Reduction, as PyTorch's default 'mean':
 *  - cross-entropy: mean over the batch of -log p(label).
 *  - mse, mae, bce: mean over every element of the (n, dim) output.
 * The gradient written to @dout is that of the reduced value.
 *
 * Cross-entropy takes logits and fuses softmax into a stable log-sum-exp,
 * unless the network already ends in a softmax layer, in which case it takes
 * probabilities (negative log-likelihood) and the softmax layer's own
 * backward carries the gradient. Likewise binary cross-entropy takes
 * probabilities after a sigmoid layer and logits otherwise. nn_loss_takes_
 * probabilities() says which applies.
 */
#pragma once

#include "nn-layer.h"

G_BEGIN_DECLS

typedef enum
{
  NN_LOSS_CROSS_ENTROPY,
  NN_LOSS_MSE,
  NN_LOSS_MAE,
  NN_LOSS_BCE,
  NN_N_LOSSES
} NnLossKind;

const char *nn_loss_name      (NnLossKind kind);   /* "cross-entropy", "mse", "mae", "bce" */
const char *nn_loss_label     (NnLossKind kind);   /* for people */
gboolean    nn_loss_from_name (const char *name, NnLossKind *kind);

/* Whether @kind reads probabilities rather than logits from a network whose
 * last layer is @last (see above). */
gboolean    nn_loss_takes_probabilities (NnLossKind kind, NnLayerKind last);

/* out (n, dim). For classification pass @labels (n) and @targets NULL: mse,
 * mae and bce compare against one-hot rows. For regression pass @targets
 * (n, dim). @dout (n, dim) may be NULL. Returns the reduced loss. */
float       nn_loss_compute (NnLossKind kind, gboolean probabilities, float *dout,
                             const float *out, const gint32 *labels, const float *targets,
                             int n, int dim);

/* The kernels behind it. */
float nn_loss_softmax_cross_entropy (float *dout, const float *logits, const gint32 *labels,
                                     int n, int dim);  /* logits (n,dim), labels (n) */
float nn_loss_nll                   (float *dout, const float *probs, const gint32 *labels,
                                     int n, int dim);
float nn_loss_mse                   (float *dout, const float *out, const float *target,
                                     int n, int dim);
float nn_loss_mae                   (float *dout, const float *out, const float *target,
                                     int n, int dim);
float nn_loss_bce                   (float *dout, const float *probs, const float *target,
                                     int n, int dim);
float nn_loss_bce_logits            (float *dout, const float *logits, const float *target,
                                     int n, int dim);

G_END_DECLS
