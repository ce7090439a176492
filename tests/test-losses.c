/* test-losses.c: loss values and their gradients against central differences. */
#include "nn-gradcheck.h"
#include "nn-loss.h"

#include <math.h>

static void
test_softmax_cross_entropy_known (void)
{
  float logits[] = { 0.5f, 1.0f, 1.5f }, d[3];
  gint32 label = 1;
  float loss = nn_loss_softmax_cross_entropy (d, logits, &label, 1, 3);

  g_assert_cmpfloat_with_epsilon (loss, 1.1802f, 1e-4);
  g_assert_cmpfloat_with_epsilon (d[0], 0.1863f, 1e-4);
  g_assert_cmpfloat_with_epsilon (d[1], -0.6928f, 1e-4);
  g_assert_cmpfloat_with_epsilon (d[2], 0.5064f, 1e-4);
}

static void
test_softmax_cross_entropy_stable (void)
{
  /* Huge logits must not overflow exp. */
  float logits[] = { 1000.0f, 0.0f, -1000.0f }, d[3];
  gint32 label = 0;
  float loss = nn_loss_softmax_cross_entropy (d, logits, &label, 1, 3);

  g_assert_true (isfinite (loss));
  g_assert_cmpfloat_with_epsilon (loss, 0.0f, 1e-6);
  label = 2;
  loss = nn_loss_softmax_cross_entropy (d, logits, &label, 1, 3);
  g_assert_cmpfloat_with_epsilon (loss, 2000.0f, 1e-2);
  g_assert_true (isfinite (d[2]));
}

static void
test_reductions (void)
{
  float out[] = { 1, 2, 3, 4 }, target[] = { 0, 2, 5, 4 }, d[4];

  /* mean over all n*dim elements */
  g_assert_cmpfloat_with_epsilon (nn_loss_mse (d, out, target, 2, 2), (1 + 0 + 4 + 0) / 4.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (d[0], 2.0f * 1 / 4, 1e-6);
  g_assert_cmpfloat_with_epsilon (nn_loss_mae (d, out, target, 2, 2), (1 + 0 + 2 + 0) / 4.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (d[2], -0.25f, 1e-6);
}

static void
test_bce_values (void)
{
  float p[] = { 0.9f, 0.2f }, t[] = { 1, 0 }, z[2];
  float expected = -(logf (0.9f) + logf (0.8f)) / 2;

  g_assert_cmpfloat_with_epsilon (nn_loss_bce (NULL, p, t, 1, 2), expected, 1e-5);
  /* The logits form gives the same value for the same probabilities. */
  z[0] = logf (0.9f / 0.1f);
  z[1] = logf (0.2f / 0.8f);
  g_assert_cmpfloat_with_epsilon (nn_loss_bce_logits (NULL, z, t, 1, 2), expected, 1e-5);
}

static void
test_onehot_for_classification (void)
{
  float out[] = { 0.1f, 0.9f, 0.7f, 0.3f };
  gint32 labels[] = { 1, 0 };
  float mse = nn_loss_compute (NN_LOSS_MSE, NN_LOSS_FROM_LOGITS, NULL, out, labels, NULL, 2, 2);

  g_assert_cmpfloat_with_epsilon (mse, (0.01f + 0.01f + 0.09f + 0.09f) / 4, 1e-6);
}

static void
test_loss_input (void)
{
  g_assert_cmpint (nn_loss_input (NN_LOSS_CROSS_ENTROPY, NN_LAYER_SOFTMAX), ==,
                   NN_LOSS_FROM_ACTIVATION);
  g_assert_cmpint (nn_loss_input (NN_LOSS_CROSS_ENTROPY, NN_LAYER_DENSE), ==, NN_LOSS_FROM_LOGITS);
  g_assert_cmpint (nn_loss_input (NN_LOSS_BCE, NN_LAYER_SIGMOID), ==, NN_LOSS_FROM_ACTIVATION);
  g_assert_cmpint (nn_loss_input (NN_LOSS_BCE, NN_LAYER_SOFTMAX), ==, NN_LOSS_FROM_PROBABILITIES);
  g_assert_cmpint (nn_loss_input (NN_LOSS_BCE, NN_LAYER_DENSE), ==, NN_LOSS_FROM_LOGITS);
  g_assert_cmpint (nn_loss_input (NN_LOSS_MSE, NN_LAYER_SIGMOID), ==, NN_LOSS_FROM_LOGITS);
}

/* Saturated probabilities: the true class at exactly 0 (or a sigmoid at
 * exactly 1 for a 0 target) still gives the full gradient p - target, and
 * a large finite loss; a NaN output stays NaN, so divergence is seen. */
static void
test_saturated_probabilities (void)
{
  float p[] = { 1.0f, 0.0f }, t[] = { 0.0f, 1.0f }, d[2], nan_p[] = { NAN, NAN };
  gint32 label = 1;
  float loss = nn_loss_softmax_nll (d, p, &label, 1, 2);

  g_assert_cmpfloat_with_epsilon (loss, -logf (1e-7f), 1e-3);
  g_assert_cmpfloat (d[0], ==, 1.0f);
  g_assert_cmpfloat (d[1], ==, -1.0f);
  loss = nn_loss_sigmoid_bce (d, p, t, 1, 2);
  g_assert_true (isfinite (loss));
  g_assert_cmpfloat (loss, >, 15.0f);
  g_assert_cmpfloat (d[0], ==, 0.5f);
  g_assert_cmpfloat (d[1], ==, -0.5f);
  g_assert_true (isnan (nn_loss_softmax_nll (NULL, nan_p, &label, 1, 2)));
  g_assert_true (isnan (nn_loss_sigmoid_bce (NULL, nan_p, t, 1, 2)));
  g_assert_true (isnan (nn_loss_bce (NULL, nan_p, t, 1, 2)));
}

static void
test_grad_checks (void)
{
  struct { NnLossKind kind; NnLossInput input; gboolean cls; } cases[] = {
    { NN_LOSS_CROSS_ENTROPY, NN_LOSS_FROM_LOGITS, TRUE },
    { NN_LOSS_CROSS_ENTROPY, NN_LOSS_FROM_ACTIVATION, TRUE },
    { NN_LOSS_MSE, NN_LOSS_FROM_LOGITS, TRUE },
    { NN_LOSS_MSE, NN_LOSS_FROM_LOGITS, FALSE },
    { NN_LOSS_MAE, NN_LOSS_FROM_LOGITS, FALSE },
    { NN_LOSS_BCE, NN_LOSS_FROM_PROBABILITIES, TRUE },
    { NN_LOSS_BCE, NN_LOSS_FROM_ACTIVATION, TRUE },
    { NN_LOSS_BCE, NN_LOSS_FROM_ACTIVATION, FALSE },
    { NN_LOSS_BCE, NN_LOSS_FROM_LOGITS, TRUE },
    { NN_LOSS_BCE, NN_LOSS_FROM_LOGITS, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      double err = nn_grad_check_loss (cases[i].kind, cases[i].input, cases[i].cls, 6, 4, 10 + i);
      if (g_test_verbose ())
        g_printerr ("%s input=%d cls=%d: %.2e\n", nn_loss_name (cases[i].kind), cases[i].input,
                    cases[i].cls, err);
      g_assert_cmpfloat (err, <, 2e-3);
    }
}

static void
test_names (void)
{
  NnLossKind kind;

  for (int i = 0; i < NN_N_LOSSES; i++)
    {
      g_assert_true (nn_loss_from_name (nn_loss_name ((NnLossKind) i), &kind));
      g_assert_cmpint (kind, ==, i);
    }
  g_assert_false (nn_loss_from_name ("hinge", &kind));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/loss/softmax-cross-entropy/known", test_softmax_cross_entropy_known);
  g_test_add_func ("/engine/loss/softmax-cross-entropy/stable", test_softmax_cross_entropy_stable);
  g_test_add_func ("/engine/loss/reductions", test_reductions);
  g_test_add_func ("/engine/loss/bce", test_bce_values);
  g_test_add_func ("/engine/loss/one-hot", test_onehot_for_classification);
  g_test_add_func ("/engine/loss/input", test_loss_input);
  g_test_add_func ("/engine/loss/saturated", test_saturated_probabilities);
  g_test_add_func ("/engine/loss/grad-check", test_grad_checks);
  g_test_add_func ("/engine/loss/names", test_names);
  return g_test_run ();
}
