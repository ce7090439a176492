/* nn-presets.c: the preset table. */
#include "nn-presets.h"

#include <string.h>

static const NnPreset presets[] = {
  { "xor",           "Tanh 8",           "xor",
    "dense:8,tanh", NN_LOSS_CROSS_ENTROPY, NN_OPTIM_ADAM, 0.05f, 4, 200 },
  { "xor-sigmoid",   "Sigmoid 4 (classic notebook)", "xor",
    "dense:4,sigmoid", NN_LOSS_CROSS_ENTROPY, NN_OPTIM_SGD, 2.0f, 4, 2000 },
  { "circles",       "ReLU 16-16",       "circles,gaussians",
    "dense:16,relu,dense:16,relu", NN_LOSS_CROSS_ENTROPY, NN_OPTIM_ADAM, 0.01f, 32, 100 },
  { "spiral",        "Tanh 32-32",       "spiral",
    "dense:32,tanh,dense:32,tanh", NN_LOSS_CROSS_ENTROPY, NN_OPTIM_ADAM, 0.01f, 32, 300 },
  { "gaussians",     "Logistic regression", "gaussians,circles,spiral",
    "", NN_LOSS_CROSS_ENTROPY, NN_OPTIM_SGD, 0.1f, 32, 50 },
  { "regression",    "ReLU 32",          "regression",
    "dense:32,relu", NN_LOSS_MSE, NN_OPTIM_ADAM, 0.01f, 32, 200 },
  { "mnist-mlp",     "MLP 128-64",       "mnist,fashion-mnist",
    "dense:128,relu,dense:64,relu", NN_LOSS_CROSS_ENTROPY, NN_OPTIM_ADAM, 0.001f, 64, 3 },
  { "mnist-wide",    "MLP 512 with dropout", "mnist,fashion-mnist",
    "dense:512,relu,dropout:0.2", NN_LOSS_CROSS_ENTROPY, NN_OPTIM_ADAM, 0.001f, 128, 10 },
  { "mnist-softmax", "Softmax regression", "mnist,fashion-mnist",
    "", NN_LOSS_CROSS_ENTROPY, NN_OPTIM_SGD, 0.1f, 64, 5 },
  /* Past 99 % on MNIST and 91 % on Fashion-MNIST within their 5 epochs
   * (tests/test-accuracy.c gives the figures per seed). */
  { "mnist-cnn",     "CNN 32-64 with batch norm", "mnist",
    "conv:32:3:1:1,batchnorm,relu,maxpool:2,conv:64:3:1:1,batchnorm,relu,maxpool:2,"
    "dense:128,batchnorm,relu,dropout:0.25",
    NN_LOSS_CROSS_ENTROPY, NN_OPTIM_ADAM, 0.001f, 64, 5 },
  { "fashion-cnn",   "CNN 32-64 with batch norm", "fashion-mnist",
    "conv:32:3:1:1,batchnorm,relu,maxpool:2,conv:64:3:1:1,batchnorm,relu,maxpool:2,"
    "dense:128,batchnorm,relu,dropout:0.25",
    NN_LOSS_CROSS_ENTROPY, NN_OPTIM_ADAM, 0.001f, 64, 5 },
  { "csv",           "ReLU 32-32",       "csv",
    "dense:32,relu,dense:32,relu", NN_LOSS_CROSS_ENTROPY, NN_OPTIM_ADAM, 0.01f, 32, 50 },
};

const NnPreset *
nn_presets (guint *n_presets)
{
  *n_presets = G_N_ELEMENTS (presets);
  return presets;
}

const NnPreset *
nn_preset_find (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    if (g_strcmp0 (presets[i].name, name) == 0)
      return &presets[i];
  return NULL;
}

gboolean
nn_preset_suits (const NnPreset *preset, const char *dataset)
{
  g_auto(GStrv) names = g_strsplit (preset->datasets, ",", -1);
  const char *key = g_str_has_prefix (dataset, "csv:") ? "csv" : dataset;

  return g_strv_contains ((const char * const *) names, key);
}

const NnPreset *
nn_preset_for_dataset (const char *dataset)
{
  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    if (nn_preset_suits (&presets[i], dataset))
      return &presets[i];
  return NULL;
}

NnNetSpec *
nn_preset_build_spec (const NnPreset *preset, int n_outputs)
{
  NnNetSpec *spec = preset->hidden[0] ? nn_net_spec_parse (preset->hidden, NULL) : nn_net_spec_new ();
  NnLayerSpec out = nn_layer_spec_default (NN_LAYER_DENSE);

  nn_layer_spec_set (&out, "units", MAX (n_outputs, 1));
  nn_net_spec_append (spec, &out);
  return spec;
}

void
nn_preset_apply (const NnPreset *preset, NnTrainConfig *config)
{
  config->loss = preset->loss;
  config->optim = nn_optim_config_default (preset->optim);
  config->optim.lr = preset->lr;
  config->batch_size = preset->batch_size;
  config->epochs = preset->epochs;
}
