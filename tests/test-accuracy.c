/* test-accuracy.c: the CNN presets reach what their labels promise, as a
 * user would run them: MNIST past 99 % and Fashion-MNIST past 91 % within
 * the preset's 5 epochs, seed 1. Its own program, out of the engine suite,
 * so that the sanitizer stage of .ci/run (which runs that suite) does not
 * train them ten times slower.
 *
 * Two threads whatever the machine has: results depend on the thread
 * count alone (the same-numbers rule), so the figures below are the ones
 * every machine gets. Seeds 1-4 with `backprop-cli train --preset NAME
 * --seed N --threads 2` are in README.md. */
#include "nn-presets.h"
#include "nn-train.h"
#include "test-util.h"

typedef struct
{
  float acc[16];
  int   epochs;
} Curve;

static void
on_epoch (NnTrainer *t, const NnEpochReport *r, gpointer user_data)
{
  Curve *c = user_data;

  g_assert_nonnull (r->test);
  if (c->epochs < (int) G_N_ELEMENTS (c->acc))
    c->acc[c->epochs++] = r->test->accuracy;
}

static void
train_preset (const char *preset_name, const char *dataset, double at_least)
{
  g_autoptr(GError) error = NULL;
  const NnPreset *preset = nn_preset_find (preset_name);
  g_autoptr(NnNetSpec) spec = NULL;
  g_autoptr(NnData) data = NULL;
  NnTrainCallbacks callbacks = { .epoch_done = on_epoch };
  NnDataOptions opts;
  NnTrainConfig config;
  NnTrainer *t;
  Curve curve = { 0 };
  double t0;

  g_assert_nonnull (preset);
  g_assert_true (nn_preset_suits (preset, dataset));
  nn_data_options_init (&opts);
  opts.data_dir = g_getenv ("BACKPROP_TEST_DATA");
  data = nn_data_load (dataset, &opts, &error);
  g_assert_no_error (error);

  nn_train_config_init (&config);
  nn_preset_apply (preset, &config);
  config.seed = 1;
  config.threads = 2;
  g_assert_cmpint (config.epochs, ==, 5);
  spec = nn_preset_build_spec (preset, nn_dataset_n_outputs (data->train));
  t = nn_trainer_new (spec, data, &config, &error);
  g_assert_no_error (error);

  t0 = nn_now ();
  g_assert_true (nn_trainer_run (t, &callbacks, &curve, &error));
  g_assert_no_error (error);
  g_assert_cmpint (curve.epochs, ==, 5);
  for (int e = 0; e < curve.epochs; e++)
    g_test_message ("%s on %s, epoch %d: test accuracy %.4f", preset_name, dataset, e + 1,
                    (double) curve.acc[e]);
  g_test_message ("%s: %d epochs in %.1f s", preset_name, curve.epochs, nn_now () - t0);
  g_assert_cmpfloat (curve.acc[curve.epochs - 1], >=, at_least);
  nn_trainer_free (t);
}

static void
test_mnist_cnn (void)
{
  train_preset ("mnist-cnn", "mnist", 0.990);
}

static void
test_fashion_cnn (void)
{
  train_preset ("fashion-cnn", "fashion-mnist", 0.910);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/accuracy/mnist-cnn", test_mnist_cnn);
  g_test_add_func ("/accuracy/fashion-cnn", test_fashion_cnn);
  return g_test_run ();
}
