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

/* Adam's step at step t, from zero moments (the earlier steps counted
 * only), against the formula in double with PyTorch's betas: in float,
 * 1 - b2^t cancels (at t = 2 with b2 = 0.9999, 1 - 0.9999f^2 is 3e-4 off)
 * and 1 - 0.999f is 1.3e-5 off 0.001, so steps came out 6e-6 to 1e-4
 * off; every t, small or up to 2^24 + 1 (where a float t rounds), must
 * now give the double step to 1e-6. */
static void
test_adam_bias_correction (void)
{
  const guint64 ts[] = { 1, 2, 3, 10, 1000, 100000, (1 << 24) + 1 };
  const double betas2[] = { 0.999, 0.9999 };
  double worst = 0.0;

  for (guint b = 0; b < G_N_ELEMENTS (betas2); b++)
    for (guint k = 0; k < G_N_ELEMENTS (ts); k++)
      {
        NnOptimConfig c = nn_optim_config_default (NN_OPTIM_ADAM);
        NnOptimizer *opt;
        float p[2] = { 0.0f, 0.0f }, g[2] = { 0.5f, -3.0f };

        c.beta2 = betas2[b];
        opt = nn_optimizer_new (&c, 2, NULL);
        for (guint64 t = 1; t < ts[k]; t++)
          nn_optimizer_count_step (opt);
        nn_optimizer_step (opt, p, g);
        g_assert_cmpuint (nn_optimizer_get_t (opt), ==, ts[k]);
        for (int i = 0; i < 2; i++)
          {
            double t = (double) ts[k];
            double m = 0.1 * g[i] / (1.0 - pow (0.9, t));
            double v = (1.0 - betas2[b]) * g[i] * g[i] / (1.0 - pow (betas2[b], t));
            double expect = -(double) c.lr * m / (sqrt (v) + 1e-8);
            double err = fabs (p[i] - expect) / fabs (expect);

            if (g_test_verbose ())
              g_printerr ("b2 %g t %" G_GUINT64_FORMAT ": step %.9g, double %.9g, %.1e\n",
                          betas2[b], ts[k], (double) p[i], expect, err);
            worst = MAX (worst, err);
          }
        nn_optimizer_free (opt);
      }
  g_assert_cmpfloat (worst, <, 1e-6);
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
  g_test_add_func ("/engine/optim/adam-bias-correction", test_adam_bias_correction);
  g_test_add_func ("/engine/optim/bad-config", test_bad_config);
  return g_test_run ();
}
