/* nn-loss.h: losses with their gradients.
 *
 * Reduction, as PyTorch's default 'mean':
 *  - cross-entropy: mean over the batch of -log p(label).
 *  - mse, mae, bce: mean over every element of the (n, dim) output.
 * The gradient written to @dout is that of the reduced value.
 *
 * Cross-entropy takes logits and fuses softmax into a stable log-sum-exp;
 * binary cross-entropy likewise fuses a sigmoid. When the network already
 * ends in that softmax (or sigmoid) layer, the loss reads its probabilities
 * but still gives the fused gradient, p - target, with respect to that
 * layer's input, and backward skips the layer: going through the layer's
 * own backward instead multiplies by p, so a confidently wrong sample
 * (p of its class underflowing to 0) would stop contributing at all.
 * nn_loss_input() says which form applies.
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

/* What a loss reads from the network's output, and what its gradient is
 * with respect to. */
typedef enum
{
  NN_LOSS_FROM_LOGITS,         /* raw outputs; the gradient is with respect to them */
  NN_LOSS_FROM_PROBABILITIES,  /* probabilities of a last softmax read by bce: the gradient
                                * is with respect to them, the softmax's backward carries it */
  NN_LOSS_FROM_ACTIVATION,     /* probabilities of a last softmax (cross-entropy) or sigmoid
                                * (bce): the gradient is with respect to that layer's input,
                                * so backward starts below it (skip_last) */
} NnLossInput;

/* Which form @kind takes from a network whose last layer is @last. */
NnLossInput nn_loss_input   (NnLossKind kind, NnLayerKind last);

/* out (n, dim). For classification pass @labels (n) and @targets NULL: mse,
 * mae and bce compare against one-hot rows. For regression pass @targets
 * (n, dim). @dout (n, dim) may be NULL. Returns the reduced loss; a
 * probability is clamped at 1e-7 for it, so a saturated output gives a
 * large finite loss (the gradient is not clamped), while NaN stays NaN. */
float       nn_loss_compute (NnLossKind kind, NnLossInput input, float *dout,
                             const float *out, const gint32 *labels, const float *targets,
                             int n, int dim);

/* The kernels behind it. */
float nn_loss_softmax_cross_entropy (float *dout, const float *logits, const gint32 *labels,
                                     int n, int dim);  /* logits (n,dim), labels (n) */
/* probs (n,dim) a softmax's output; dout = (p - onehot) / n, with respect to its input. */
float nn_loss_softmax_nll           (float *dout, const float *probs, const gint32 *labels,
                                     int n, int dim);
float nn_loss_mse                   (float *dout, const float *out, const float *target,
                                     int n, int dim);
float nn_loss_mae                   (float *dout, const float *out, const float *target,
                                     int n, int dim);
float nn_loss_bce                   (float *dout, const float *probs, const float *target,
                                     int n, int dim);
/* probs (n,dim) a sigmoid's output; dout = (p - t) / (n dim), with respect to its input. */
float nn_loss_sigmoid_bce           (float *dout, const float *probs, const float *target,
                                     int n, int dim);
float nn_loss_bce_logits            (float *dout, const float *logits, const float *target,
                                     int n, int dim);

G_END_DECLS
