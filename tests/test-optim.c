/* test-optim.c: optimizer steps against values computed by hand. */
#include "nn-optim.h"

#include <math.h>

static void
run (NnOptimConfig *c, float *p, const float *g, int steps, const float *lrs)
{
  g_autoptr(GError) error = NULL;
  NnOptimizer *opt = nn_optimizer_new (c, 1, &error);

  g_assert_no_error (error);
  for (int i = 0; i < steps; i++)
    {
      if (lrs)
        nn_optimizer_set_lr (opt, lrs[i]);
      nn_optimizer_step (opt, p, g);
    }
  g_assert_cmpuint (nn_optimizer_get_t (opt), ==, steps);
  nn_optimizer_free (opt);
}

static void
test_sgd (void)
{
  NnOptimConfig c = nn_optim_config_default (NN_OPTIM_SGD);
  float p = 1.0f, g = 0.5f;
  float lrs[] = { 0.1f, 0.01f };

  run (&c, &p, &g, 1, NULL);
  g_assert_cmpfloat_with_epsilon (p, 0.95f, 1e-6);

  /* L2 weight decay adds wd * p to the gradient. */
  p = 1.0f;
  c.weight_decay = 0.1f;
  run (&c, &p, &g, 1, NULL);
  g_assert_cmpfloat_with_epsilon (p, 0.94f, 1e-6);

  /* The learning rate may change between steps. */
  p = 1.0f;
  c.weight_decay = 0.0f;
  run (&c, &p, &g, 2, lrs);
  g_assert_cmpfloat_with_epsilon (p, 1.0f - 0.05f - 0.005f, 1e-6);
}

static void
test_momentum (void)
{
  NnOptimConfig c = nn_optim_config_default (NN_OPTIM_MOMENTUM);
  float p = 1.0f, g = 0.5f;

  c.lr = 0.1f;
  c.momentum = 0.9f;
  run (&c, &p, &g, 1, NULL);
  g_assert_cmpfloat_with_epsilon (p, 0.95f, 1e-6);
  p = 1.0f;
  run (&c, &p, &g, 2, NULL);
  /* v1 = 0.5, v2 = 0.95 */
  g_assert_cmpfloat_with_epsilon (p, 0.855f, 1e-6);
}

static void
test_nesterov (void)
{
  NnOptimConfig c = nn_optim_config_default (NN_OPTIM_MOMENTUM);
  float p = 1.0f, g = 0.5f;

  c.lr = 0.1f;
  c.momentum = 0.9f;
  c.nesterov = TRUE;
  run (&c, &p, &g, 2, NULL);
  /* 1 - 0.1 (0.5 + 0.45) = 0.905; then - 0.1 (0.5 + 0.855) */
  g_assert_cmpfloat_with_epsilon (p, 0.7695f, 1e-6);
}

static void
test_adam (void)
{
  NnOptimConfig c = nn_optim_config_default (NN_OPTIM_ADAM);
  float p = 1.0f, g = 0.5f;

  c.lr = 0.1f;
  run (&c, &p, &g, 1, NULL);
  /* bias-corrected m = 0.5, v = 0.25: a step of lr */
  g_assert_cmpfloat_with_epsilon (p, 0.9f, 1e-5);
  p = 1.0f;
  run (&c, &p, &g, 2, NULL);
  g_assert_cmpfloat_with_epsilon (p, 0.8f, 1e-5);

  /* A changing gradient: m and v as PyTorch computes them. */
  {
    float q = 0.0f, g2[] = { 1.0f, -2.0f };
    NnOptimizer *opt = nn_optimizer_new (&c, 1, NULL);
    double m = 0, v = 0, expect = 0;

    for (int t = 1; t <= 2; t++)
      {
        m = 0.9 * m + 0.1 * g2[t - 1];
        v = 0.999 * v + 0.001 * g2[t - 1] * g2[t - 1];
        expect -= 0.1 * (m / (1 - pow (0.9, t))) / (sqrt (v / (1 - pow (0.999, t))) + 1e-8);
        nn_optimizer_step (opt, &q, &g2[t - 1]);
      }
    g_assert_cmpfloat_with_epsilon (q, expect, 1e-5);
    nn_optimizer_free (opt);
  }
}

static void
test_bad_config (void)
{
  NnOptimConfig c = nn_optim_config_default (NN_OPTIM_SGD);
  g_autoptr(GError) error = NULL;

  c.lr = -1.0f;
  g_assert_null (nn_optimizer_new (&c, 10, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  c.lr = NAN;
  g_assert_null (nn_optimizer_new (&c, 10, &error));
  g_clear_error (&error);
  c = nn_optim_config_default (NN_OPTIM_MOMENTUM);
  c.momentum = 1.5f;
  g_assert_null (nn_optimizer_new (&c, 10, &error));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/optim/sgd", test_sgd);
  g_test_add_func ("/engine/optim/momentum", test_momentum);
  g_test_add_func ("/engine/optim/nesterov", test_nesterov);
  g_test_add_func ("/engine/optim/adam", test_adam);
  g_test_add_func ("/engine/optim/bad-config", test_bad_config);
  return g_test_run ();
}
