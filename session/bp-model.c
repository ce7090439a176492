/* bp-model.c: networks from training states and back. */
#include "bp-model.h"

#include <string.h>

NnNetwork *
bp_network_new_from_state (const char *spec_text, NnShape in_shape, const NnTrainState *state,
                           GError **error)
{
  g_autoptr(NnNetSpec) spec = NULL;
  NnNetwork *net;

  spec = nn_net_spec_parse (spec_text, error);
  if (spec == NULL)
    return NULL;
  net = nn_network_new (spec, in_shape, error);
  if (net == NULL)
    return NULL;
  if (nn_network_get_n_params (net) != state->n_params)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "The saved weights (%zu) do not fit the network “%s” (%zu parameters).",
                   state->n_params, spec_text, nn_network_get_n_params (net));
      nn_network_free (net);
      return NULL;
    }
  memcpy (nn_network_get_params (net), state->params, sizeof (float) * state->n_params);
  return net;
}

NnTrainState *
bp_train_state_new_from_network (NnNetwork *net, const NnTrainConfig *config)
{
  NnTrainState *s = g_new0 (NnTrainState, 1);
  size_t n = nn_network_get_n_params (net);

  s->n_params = n;
  s->params = g_memdup2 (nn_network_get_params (net), sizeof (float) * n);
  s->opt_lr = config->optim.lr;
  if (config->optim.kind != NN_OPTIM_SGD)
    s->opt_m = g_new0 (float, n);
  if (config->optim.kind == NN_OPTIM_ADAM)
    s->opt_v = g_new0 (float, n);
  /* A fresh run's dropout stream, as nn_trainer_new() seeds it. */
  nn_rng_init (&s->dropout_rng, config->seed, 0xd40d);
  return s;
}
