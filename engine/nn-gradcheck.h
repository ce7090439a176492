/* nn-gradcheck.h: analytic gradients against central differences.
 *
 * Each check returns the relative error ||a - n|| / (||a|| + ||n||) between
 * the analytic gradient a and the numerical one n, so a test (or a curious
 * user) can assert on it. Float32 arithmetic gives errors around 1e-4 to
 * 1e-3 for a correct backward pass; a wrong one gives errors near 1.
 */
#pragma once

#include "nn-loss.h"
#include "nn-network.h"

G_BEGIN_DECLS

/* The network @spec on @n random samples of shape @in: the gradient of
 * sum(r * f(x)) for a fixed random r, with respect to the parameters and
 * the input. Dropout draws the same mask for every evaluation. Returns a
 * negative number if the network cannot be built. */
double nn_grad_check_network (const NnNetSpec *spec, NnShape in, int n, guint64 seed);
/* The same with the analytic gradient multiplied by @grad_scale before the
 * comparison: a fault put in on purpose, to show what the check catches. */
double nn_grad_check_network_scaled (const NnNetSpec *spec, NnShape in, int n, guint64 seed,
                                     double grad_scale);

/* A loss on random outputs (n, dim): the gradient with respect to them,
 * or with NN_LOSS_FROM_ACTIVATION with respect to the random logits that a
 * softmax (cross-entropy) or sigmoid (bce) turned into them. Probabilities
 * are drawn strictly inside (0, 1). */
double nn_grad_check_loss    (NnLossKind kind, NnLossInput input, gboolean classification,
                              int n, int dim, guint64 seed);

G_END_DECLS
