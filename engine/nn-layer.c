/* nn-layer.c: layer kinds, specs as text, and shape inference.
 *
 * Nothing here holds weights or runs a forward pass (that is nn-network.c);
 * it answers "what does this layer make of that input" in words a user of
 * the layer panel or the command line understands.
 */
#include "nn-layer.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* More weights than this (1 GiB of floats) is surely a typo in a spec. */
#define NN_MAX_PARAMS ((size_t) 1 << 28)
#define NN_MAX_UNITS  (1 << 20)

static const struct
{
  const char *name;
  const char *label;
  const char *torch;
} kinds[NN_N_LAYER_KINDS] = {
  [NN_LAYER_DENSE]      = { "dense",      "Dense",      "nn.Linear" },
  [NN_LAYER_RELU]       = { "relu",       "ReLU",       "nn.ReLU" },
  [NN_LAYER_LEAKY_RELU] = { "leaky_relu", "Leaky ReLU", "nn.LeakyReLU" },
  [NN_LAYER_SIGMOID]    = { "sigmoid",    "Sigmoid",    "nn.Sigmoid" },
  [NN_LAYER_TANH]       = { "tanh",       "Tanh",       "nn.Tanh" },
  [NN_LAYER_SOFTMAX]    = { "softmax",    "Softmax",    "nn.Softmax" },
  [NN_LAYER_DROPOUT]    = { "dropout",    "Dropout",    "nn.Dropout" },
  [NN_LAYER_FLATTEN]    = { "flatten",    "Flatten",    "nn.Flatten" },
};

const char *
nn_layer_kind_name (NnLayerKind kind)
{
  return kind < NN_N_LAYER_KINDS ? kinds[kind].name : "unknown";
}

const char *
nn_layer_kind_label (NnLayerKind kind)
{
  return kind < NN_N_LAYER_KINDS ? kinds[kind].label : "Unknown";
}

const char *
nn_layer_kind_torch (NnLayerKind kind)
{
  return kind < NN_N_LAYER_KINDS ? kinds[kind].torch : "?";
}

gboolean
nn_layer_kind_from_name (const char *name, NnLayerKind *kind)
{
  g_autofree char *norm = NULL;

  if (name == NULL)
    return FALSE;
  norm = g_ascii_strdown (name, -1);
  g_strdelimit (norm, "- ", '_');
  if (g_str_equal (norm, "leakyrelu"))
    {
      *kind = NN_LAYER_LEAKY_RELU;
      return TRUE;
    }
  if (g_str_equal (norm, "linear"))
    {
      *kind = NN_LAYER_DENSE;
      return TRUE;
    }
  for (int i = 0; i < NN_N_LAYER_KINDS; i++)
    if (g_str_equal (norm, kinds[i].name))
      {
        *kind = (NnLayerKind) i;
        return TRUE;
      }
  return FALSE;
}

gboolean
nn_layer_kind_has_params (NnLayerKind kind)
{
  return kind == NN_LAYER_DENSE;
}

NnLayerSpec
nn_layer_spec_default (NnLayerKind kind)
{
  NnLayerSpec spec = { kind, 0, 0.0f, 0.0f };

  switch (kind)
    {
    case NN_LAYER_DENSE:
      spec.units = 64;
      break;
    case NN_LAYER_DROPOUT:
      spec.rate = 0.25f;
      break;
    case NN_LAYER_LEAKY_RELU:
      spec.slope = 0.01f;
      break;
    default:
      break;
    }
  return spec;
}

gboolean
nn_layer_spec_validate (const NnLayerSpec *spec, GError **error)
{
  switch (spec->kind)
    {
    case NN_LAYER_DENSE:
      if (spec->units < 1 || spec->units > NN_MAX_UNITS)
        {
          g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                       "A dense layer needs between 1 and %d units, not %d",
                       NN_MAX_UNITS, spec->units);
          return FALSE;
        }
      return TRUE;
    case NN_LAYER_DROPOUT:
      if (!(spec->rate >= 0.0f && spec->rate < 1.0f))
        {
          g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                       "A dropout rate must be at least 0 and below 1, not %g",
                       (double) spec->rate);
          return FALSE;
        }
      return TRUE;
    case NN_LAYER_LEAKY_RELU:
      if (!isfinite (spec->slope) || spec->slope < 0.0f || spec->slope >= 1.0f)
        {
          g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                       "A leaky ReLU slope must be at least 0 and below 1, not %g",
                       (double) spec->slope);
          return FALSE;
        }
      return TRUE;
    case NN_LAYER_RELU:
    case NN_LAYER_SIGMOID:
    case NN_LAYER_TANH:
    case NN_LAYER_SOFTMAX:
    case NN_LAYER_FLATTEN:
      return TRUE;
    default:
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT, "Unknown layer kind %d",
                   (int) spec->kind);
      return FALSE;
    }
}

gboolean
nn_layer_spec_parse (const char *text, NnLayerSpec *spec, GError **error)
{
  g_autofree char *copy = g_strstrip (g_strdup (text ? text : ""));
  char *arg = strchr (copy, ':');
  NnLayerKind kind;
  NnLayerSpec parsed;

  if (arg != NULL)
    *arg++ = '\0';
  g_strstrip (copy);
  if (!nn_layer_kind_from_name (copy, &kind))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "Unknown layer “%s”; known layers are dense:N, relu, leaky_relu[:SLOPE], "
                   "sigmoid, tanh, softmax, dropout:RATE and flatten", copy);
      return FALSE;
    }
  parsed = nn_layer_spec_default (kind);

  if (arg != NULL)
    {
      char *end = NULL;

      g_strstrip (arg);
      errno = 0;
      if (kind == NN_LAYER_DENSE)
        {
          long v = strtol (arg, &end, 10);
          if (*arg == '\0' || *end != '\0' || errno != 0 || v < 1 || v > NN_MAX_UNITS)
            {
              g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                           "“dense:%s” needs a whole number of units between 1 and %d",
                           arg, NN_MAX_UNITS);
              return FALSE;
            }
          parsed.units = (int) v;
        }
      else if (kind == NN_LAYER_DROPOUT || kind == NN_LAYER_LEAKY_RELU)
        {
          double v = g_ascii_strtod (arg, &end);
          if (*arg == '\0' || *end != '\0' || errno != 0 || !isfinite (v))
            {
              g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                           "“%s:%s” needs a number after the colon", copy, arg);
              return FALSE;
            }
          if (kind == NN_LAYER_DROPOUT)
            parsed.rate = (float) v;
          else
            parsed.slope = (float) v;
        }
      else
        {
          g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                       "The layer “%s” takes no setting, but got “%s”", copy, arg);
          return FALSE;
        }
    }
  else if (kind == NN_LAYER_DENSE)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "A dense layer needs its number of units, e.g. “dense:128”");
      return FALSE;
    }
  else if (kind == NN_LAYER_DROPOUT)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "A dropout layer needs its rate, e.g. “dropout:0.25”");
      return FALSE;
    }

  if (!nn_layer_spec_validate (&parsed, error))
    return FALSE;
  *spec = parsed;
  return TRUE;
}

char *
nn_layer_spec_to_string (const NnLayerSpec *spec)
{
  char num[G_ASCII_DTOSTR_BUF_SIZE];

  switch (spec->kind)
    {
    case NN_LAYER_DENSE:
      return g_strdup_printf ("dense:%d", spec->units);
    case NN_LAYER_DROPOUT:
      g_ascii_formatd (num, sizeof num, "%g", spec->rate);
      return g_strdup_printf ("dropout:%s", num);
    case NN_LAYER_LEAKY_RELU:
      g_ascii_formatd (num, sizeof num, "%g", spec->slope);
      return g_strdup_printf ("leaky_relu:%s", num);
    default:
      return g_strdup (nn_layer_kind_name (spec->kind));
    }
}

gboolean
nn_layer_infer (const NnLayerSpec *spec, NnShape in, NnLayerInfo *info, GError **error)
{
  size_t in_size = nn_shape_size (in);

  if (!nn_layer_spec_validate (spec, error))
    return FALSE;
  if (in_size == 0)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_SHAPE, "%s gets an empty input",
                   nn_layer_kind_label (spec->kind));
      return FALSE;
    }

  info->in = in;
  info->out = in;
  info->n_params = 0;

  switch (spec->kind)
    {
    case NN_LAYER_DENSE:
      /* A dense layer reads any input as its flat features, as nn.Linear does
       * after nn.Flatten; the model file's weight is (units, in_size). */
      if (in_size > NN_MAX_PARAMS / ((size_t) spec->units + 1))
        {
          g_set_error (error, NN_ERROR, NN_ERROR_SHAPE,
                       "Dense %d on %zu inputs would need %zu million weights, too many to train",
                       spec->units, in_size, in_size * spec->units / 1000000);
          return FALSE;
        }
      info->out = nn_shape_1d (spec->units);
      info->n_params = (size_t) spec->units * in_size + spec->units;
      break;
    case NN_LAYER_FLATTEN:
      info->out = nn_shape_1d ((int) in_size);
      break;
    default:
      break;
    }
  return TRUE;
}

NnNetSpec *
nn_net_spec_new (void)
{
  return g_new0 (NnNetSpec, 1);
}

void
nn_net_spec_free (NnNetSpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->layers);
  g_free (spec);
}

NnNetSpec *
nn_net_spec_copy (const NnNetSpec *spec)
{
  NnNetSpec *copy = nn_net_spec_new ();

  copy->n_layers = spec->n_layers;
  copy->layers = g_memdup2 (spec->layers, sizeof (NnLayerSpec) * spec->n_layers);
  return copy;
}

NnNetSpec *
nn_net_spec_parse (const char *text, GError **error)
{
  g_autoptr(NnNetSpec) spec = nn_net_spec_new ();
  g_auto(GStrv) parts = NULL;

  if (text == NULL || *text == '\0')
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "The network is empty; give layers such as “dense:128,relu,dense:10”");
      return NULL;
    }
  parts = g_strsplit (text, ",", -1);
  for (int i = 0; parts[i] != NULL; i++)
    {
      NnLayerSpec layer;
      g_autoptr(GError) local = NULL;

      if (!nn_layer_spec_parse (parts[i], &layer, &local))
        {
          g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT, "Layer %d: %s", i + 1,
                       local->message);
          return NULL;
        }
      nn_net_spec_append (spec, &layer);
    }
  return g_steal_pointer (&spec);
}

char *
nn_net_spec_to_string (const NnNetSpec *spec)
{
  GString *str = g_string_new (NULL);

  for (int i = 0; i < spec->n_layers; i++)
    {
      g_autofree char *one = nn_layer_spec_to_string (&spec->layers[i]);
      if (i > 0)
        g_string_append_c (str, ',');
      g_string_append (str, one);
    }
  return g_string_free (str, FALSE);
}

void
nn_net_spec_insert (NnNetSpec *spec, int position, const NnLayerSpec *layer)
{
  position = CLAMP (position, 0, spec->n_layers);
  spec->layers = g_renew (NnLayerSpec, spec->layers, spec->n_layers + 1);
  memmove (spec->layers + position + 1, spec->layers + position,
           sizeof (NnLayerSpec) * (spec->n_layers - position));
  spec->layers[position] = *layer;
  spec->n_layers++;
}

void
nn_net_spec_append (NnNetSpec *spec, const NnLayerSpec *layer)
{
  nn_net_spec_insert (spec, spec->n_layers, layer);
}

void
nn_net_spec_remove (NnNetSpec *spec, int position)
{
  if (position < 0 || position >= spec->n_layers)
    return;
  memmove (spec->layers + position, spec->layers + position + 1,
           sizeof (NnLayerSpec) * (spec->n_layers - position - 1));
  spec->n_layers--;
}

void
nn_net_spec_move (NnNetSpec *spec, int from, int to)
{
  NnLayerSpec layer;

  if (from < 0 || from >= spec->n_layers || to < 0 || to >= spec->n_layers || from == to)
    return;
  layer = spec->layers[from];
  nn_net_spec_remove (spec, from);
  nn_net_spec_insert (spec, to, &layer);
}

gboolean
nn_net_spec_equal (const NnNetSpec *a, const NnNetSpec *b)
{
  if (a->n_layers != b->n_layers)
    return FALSE;
  for (int i = 0; i < a->n_layers; i++)
    {
      const NnLayerSpec *x = &a->layers[i], *y = &b->layers[i];
      if (x->kind != y->kind || x->units != y->units || x->rate != y->rate || x->slope != y->slope)
        return FALSE;
    }
  return TRUE;
}

gboolean
nn_net_spec_check (const NnNetSpec *spec, NnShape in, int n_outputs,
                   NnLayerInfo *infos, int *n_fit, int *bad_layer, GError **error)
{
  NnShape shape = in;
  size_t total = 0;
  int bad_dummy, fit_dummy;

  if (bad_layer == NULL)
    bad_layer = &bad_dummy;
  if (n_fit == NULL)
    n_fit = &fit_dummy;
  *bad_layer = -1;
  *n_fit = 0;

  if (spec == NULL || spec->n_layers == 0)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_SHAPE,
                   "The network has no layers; add at least one Dense layer");
      return FALSE;
    }

  for (int i = 0; i < spec->n_layers; i++)
    {
      NnLayerInfo info;
      g_autoptr(GError) local = NULL;

      *n_fit = i;
      if (!nn_layer_infer (&spec->layers[i], shape, &info, &local))
        {
          *bad_layer = i;
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      if (infos != NULL)
        infos[i] = info;
      total += info.n_params;
      if (total > NN_MAX_PARAMS)
        {
          *bad_layer = i;
          g_set_error (error, NN_ERROR, NN_ERROR_SHAPE,
                       "The network has more than %zu million weights, too many to train",
                       NN_MAX_PARAMS / 1000000);
          return FALSE;
        }
      shape = info.out;
    }
  *n_fit = spec->n_layers;

  /* Only a network meant for data must have something to learn; a lone
   * activation is still a valid network for checks and teaching. */
  if (total == 0 && n_outputs > 0)
    {
      *bad_layer = -1;
      g_set_error (error, NN_ERROR, NN_ERROR_SHAPE,
                   "The network has nothing to learn; add a Dense layer");
      return FALSE;
    }

  if (n_outputs > 0 && nn_shape_size (shape) != (size_t) n_outputs)
    {
      *bad_layer = spec->n_layers - 1;
      g_set_error (error, NN_ERROR, NN_ERROR_SHAPE,
                   "The network ends with %zu outputs but the data needs %d; "
                   "end with a Dense layer of %d units",
                   nn_shape_size (shape), n_outputs, n_outputs);
      return FALSE;
    }
  return TRUE;
}
