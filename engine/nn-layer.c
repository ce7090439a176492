/* nn-layer.c: layer kinds, specs as text, and shape inference.
 *
 * Nothing here holds weights or runs a forward pass (that is nn-network.c);
 * it answers "what does this layer make of that input" in words a user of
 * the layer panel or the command line understands. Nothing here knows a
 * kind either: it all reads the kinds' NnLayerOps tables (engine/layers/).
 */
#include "nn-layer.h"
#include "layers/nn-layer-run.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const NnLayerOps *
ops_of (NnLayerKind kind)
{
  return nn_layer_ops (kind);
}

const char *
nn_layer_kind_name (NnLayerKind kind)
{
  return ops_of (kind) ? ops_of (kind)->name : "unknown";
}

const char *
nn_layer_kind_label (NnLayerKind kind)
{
  return ops_of (kind) ? ops_of (kind)->label : "Unknown";
}

const char *
nn_layer_kind_torch (NnLayerKind kind)
{
  return ops_of (kind) ? ops_of (kind)->torch : "?";
}

static const char *
noun (const NnLayerOps *ops)
{
  return ops->noun ? ops->noun : ops->name;
}

gboolean
nn_layer_kind_from_name (const char *name, NnLayerKind *kind)
{
  g_autofree char *norm = NULL;

  if (name == NULL)
    return FALSE;
  norm = g_ascii_strdown (name, -1);
  g_strdelimit (norm, "- ", '_');
  for (int i = 0; i < NN_N_LAYER_KINDS; i++)
    {
      const NnLayerOps *ops = ops_of ((NnLayerKind) i);
      gboolean match = g_str_equal (norm, ops->name);

      for (int a = 0; !match && ops->aliases && ops->aliases[a]; a++)
        match = g_str_equal (norm, ops->aliases[a]);
      if (match)
        {
          *kind = (NnLayerKind) i;
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
nn_layer_kind_has_params (NnLayerKind kind)
{
  return ops_of (kind) && ops_of (kind)->params != NULL;
}

NnLayerSpec
nn_layer_spec_default (NnLayerKind kind)
{
  NnLayerSpec spec = { kind, { 0 } };
  const NnLayerOps *ops = ops_of (kind);

  for (int a = 0; ops && a < ops->n_args; a++)
    spec.arg[a] = (float) ops->args[a].def;
  return spec;
}

/* What setting @a takes when the text leaves it out. */
static float
omitted_value (const NnLayerOps *ops, const NnLayerSpec *spec, int a)
{
  int from = ops->args[a].def_from - 1;

  return from >= 0 && from < a ? spec->arg[from] : (float) ops->args[a].def;
}

static int
arg_index (const NnLayerOps *ops, const char *name)
{
  for (int a = 0; ops && a < ops->n_args; a++)
    if (g_str_equal (ops->args[a].name, name))
      return a;
  return -1;
}

double
nn_layer_spec_get (const NnLayerSpec *spec, const char *name)
{
  int a = arg_index (ops_of (spec->kind), name);

  return a >= 0 ? spec->arg[a] : NAN;
}

gboolean
nn_layer_spec_set (NnLayerSpec *spec, const char *name, double value)
{
  const NnLayerOps *ops = ops_of (spec->kind);
  int a = arg_index (ops, name);

  if (a < 0)
    return FALSE;
  spec->arg[a] = (float) (ops->args[a].integer ? floor (value + 0.5) : value);
  return TRUE;
}

/* A setting as text: whole numbers in full, others as %g. */
static char *
format_arg (const NnLayerArg *arg, double v)
{
  char num[G_ASCII_DTOSTR_BUF_SIZE];

  if (arg->integer)
    return g_strdup_printf ("%.0f", v);
  return g_strdup (g_ascii_formatd (num, sizeof num, "%g", v));
}

static gboolean
arg_in_range (const NnLayerArg *arg, double v)
{
  if (!isfinite (v) || v < arg->min)
    return FALSE;
  if (arg->integer && v != floor (v))
    return FALSE;
  return arg->max_open ? v < arg->max : v <= arg->max;
}

gboolean
nn_layer_spec_validate (const NnLayerSpec *spec, GError **error)
{
  const NnLayerOps *ops = ops_of (spec->kind);

  if (ops == NULL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT, "Unknown layer kind %d.",
                   (int) spec->kind);
      return FALSE;
    }
  for (int a = 0; a < ops->n_args; a++)
    {
      const NnLayerArg *arg = &ops->args[a];
      g_autofree char *lo = NULL, *hi = NULL, *v = NULL;

      if (arg_in_range (arg, spec->arg[a]))
        continue;
      lo = format_arg (arg, arg->min);
      hi = format_arg (arg, arg->max);
      v = format_arg (arg, spec->arg[a]);
      if (arg->integer)
        g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                     "A %s layer needs a %s from %s to %s, not %s.", noun (ops), arg->what, lo,
                     hi, v);
      else
        g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                     "A %s %s must be at least %s and %s %s, not %s.", noun (ops), arg->name, lo,
                     arg->max_open ? "below" : "at most", hi, v);
      return FALSE;
    }
  return TRUE;
}

/* "dense:UNITS, relu, leaky_relu[:SLOPE], ..." for the unknown-layer message. */
static char *
known_layers (void)
{
  GString *str = g_string_new (NULL);

  for (int i = 0; i < NN_N_LAYER_KINDS; i++)
    {
      const NnLayerOps *ops = ops_of ((NnLayerKind) i);

      if (i > 0)
        g_string_append (str, i == NN_N_LAYER_KINDS - 1 ? " and " : ", ");
      g_string_append (str, ops->name);
      for (int a = 0; a < ops->n_args; a++)
        {
          g_autofree char *up = g_ascii_strup (ops->args[a].name, -1);
          g_string_append_printf (str, ops->args[a].required ? ":%s" : "[:%s]", up);
        }
    }
  return g_string_free (str, FALSE);
}

static gboolean
parse_arg (const NnLayerOps *ops, const NnLayerArg *arg, const char *typed, const char *text,
           float *value, GError **error)
{
  char *end = NULL;

  errno = 0;
  if (arg->integer)
    {
      long v = strtol (text, &end, 10);
      if (*text == '\0' || *end != '\0' || errno != 0 || !arg_in_range (arg, (double) v))
        {
          g_autofree char *lo = format_arg (arg, arg->min), *hi = format_arg (arg, arg->max);
          g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                       "“%s” needs a whole number from %s to %s as its %s.", typed, lo, hi,
                       arg->what);
          return FALSE;
        }
      *value = (float) v;
    }
  else
    {
      double v = g_ascii_strtod (text, &end);
      if (*text == '\0' || *end != '\0' || errno != 0 || !isfinite (v))
        {
          g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                       "“%s” needs a number after the colon.", typed);
          return FALSE;
        }
      *value = (float) v;
    }
  return TRUE;
}

gboolean
nn_layer_spec_parse (const char *text, NnLayerSpec *spec, GError **error)
{
  g_autofree char *copy = g_strstrip (g_strdup (text ? text : ""));
  g_auto(GStrv) parts = g_strsplit (copy, ":", -1);
  const NnLayerOps *ops;
  NnLayerKind kind;
  NnLayerSpec parsed;
  int n_given;

  g_strstrip (parts[0] ? parts[0] : copy);
  if (parts[0] == NULL || !nn_layer_kind_from_name (parts[0], &kind))
    {
      g_autofree char *known = known_layers ();
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "Unknown layer “%s”; known layers are %s.", parts[0] ? parts[0] : "", known);
      return FALSE;
    }
  ops = ops_of (kind);
  parsed = nn_layer_spec_default (kind);
  n_given = (int) g_strv_length (parts) - 1;

  if (n_given > ops->n_args)
    {
      g_autofree char *rest = g_strjoinv (":", parts + 1 + ops->n_args);
      if (ops->n_args == 0)
        g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                     "The layer “%s” takes no setting, but got “%s”.", parts[0], rest);
      else
        g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                     "The layer “%s” takes %d setting%s, but got “%s” too.", parts[0],
                     ops->n_args, ops->n_args == 1 ? "" : "s", rest);
      return FALSE;
    }
  for (int a = 0; a < n_given; a++)
    if (!parse_arg (ops, &ops->args[a], copy, g_strstrip (parts[a + 1]), &parsed.arg[a],
                    error))
      return FALSE;
  for (int a = n_given; a < ops->n_args; a++)
    parsed.arg[a] = omitted_value (ops, &parsed, a);
  for (int a = n_given; a < ops->n_args; a++)
    if (ops->args[a].required)
      {
        /* The example goes on from what was typed, through every setting
         * still required, so that it parses ("conv:6" -> "conv:6:5"). */
        GString *ex = g_string_new (copy);

        for (int b = a; b < ops->n_args; b++)
          if (ops->args[b].required)
            {
              g_autofree char *v = format_arg (&ops->args[b], ops->args[b].example);
              g_string_append_printf (ex, ":%s", v);
            }
        g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                     "A %s layer needs its %s, e.g. “%s”.", noun (ops), ops->args[a].what,
                     ex->str);
        g_string_free (ex, TRUE);
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
  const NnLayerOps *ops = ops_of (spec->kind);
  GString *str;
  int n;

  if (ops == NULL)
    return g_strdup ("unknown");
  /* Terse settings at the end that have the value an omitted one would
   * take are left out, so that the text parses back to the same spec. */
  n = ops->n_args;
  while (n > 0 && ops->args[n - 1].terse && spec->arg[n - 1] == omitted_value (ops, spec, n - 1))
    n--;
  str = g_string_new (ops->name);
  for (int a = 0; a < n; a++)
    {
      g_autofree char *v = format_arg (&ops->args[a], spec->arg[a]);
      g_string_append_printf (str, ":%s", v);
    }
  return g_string_free (str, FALSE);
}

gboolean
nn_layer_infer (const NnLayerSpec *spec, NnShape in, NnLayerInfo *info, GError **error)
{
  const NnLayerOps *ops;
  NnParamInfo params[NN_LAYER_MAX_TENSORS];
  int n;

  if (!nn_layer_spec_validate (spec, error))
    return FALSE;
  ops = ops_of (spec->kind);
  if (nn_shape_size (in) == 0)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_SHAPE, "%s gets an empty input.", ops->label);
      return FALSE;
    }

  info->in = in;
  info->out = in;
  info->n_params = 0;
  info->n_trainable = 0;
  info->n_macs = 0;
  if (ops->infer != NULL && !ops->infer (spec, in, &info->out, error))
    return FALSE;
  n = ops->params ? ops->params (spec, in, info->out, params) : 0;
  g_assert (n <= NN_LAYER_MAX_TENSORS);
  for (int k = 0; k < n; k++)
    {
      info->n_params += params[k].size;
      if (params[k].role == NN_PARAM_TRAINABLE)
        info->n_trainable += params[k].size;
    }
  if (ops->macs != NULL)
    info->n_macs = ops->macs (spec, in, info->out);
  return TRUE;
}

char *
nn_layer_torch_module (const NnLayerSpec *spec, const NnLayerInfo *info)
{
  const NnLayerOps *ops = ops_of (spec->kind);
  g_autofree char *args = NULL;

  if (ops == NULL)
    return g_strdup ("?");
  args = ops->torch_args ? ops->torch_args (spec, info->in, info->out) : NULL;
  return g_strdup_printf ("%s(%s)", ops->torch_for ? ops->torch_for (spec, info->in) : ops->torch,
                          args ? args : "");
}

NnParamInfo *
nn_net_spec_param_table (const NnNetSpec *spec, const NnLayerInfo *infos, int *n_params)
{
  GArray *table = g_array_new (FALSE, TRUE, sizeof (NnParamInfo));
  size_t offset = 0;

  for (int i = 0; i < spec->n_layers; i++)
    {
      const NnLayerOps *ops = ops_of (spec->layers[i].kind);
      NnParamInfo params[NN_LAYER_MAX_TENSORS];
      int n = ops->params ? ops->params (&spec->layers[i], infos[i].in, infos[i].out, params) : 0;

      for (int k = 0; k < n; k++)
        {
          params[k].layer = i;
          params[k].offset += offset;
          g_array_append_val (table, params[k]);
        }
      offset += infos[i].n_params;
    }
  *n_params = (int) table->len;
  if (table->len == 0)
    {
      g_array_free (table, TRUE);
      return NULL;
    }
  return (NnParamInfo *) g_array_free (table, FALSE);
}

gboolean
nn_net_spec_torch_flatten_before (const NnNetSpec *spec, const NnLayerInfo *infos, int layer)
{
  const NnLayerOps *ops;

  g_return_val_if_fail (layer >= 0 && layer < spec->n_layers, FALSE);
  ops = ops_of (spec->layers[layer].kind);
  return layer > 0 && ops != NULL && (ops->flags & NN_LAYER_FLAT_IN) && infos[layer].in.rank > 1;
}

int
nn_net_spec_torch_index (const NnNetSpec *spec, const NnLayerInfo *infos, int layer)
{
  int index = layer;

  for (int i = 1; i <= layer; i++)
    index += nn_net_spec_torch_flatten_before (spec, infos, i);
  return index;
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
                   "The network is empty; give layers such as “dense:128,relu,dense:10”.");
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
      if (x->kind != y->kind)
        return FALSE;
      for (int j = 0; j < NN_LAYER_MAX_ARGS; j++)
        if (x->arg[j] != y->arg[j])
          return FALSE;
    }
  return TRUE;
}

gboolean
nn_net_spec_check (const NnNetSpec *spec, NnShape in, int n_outputs,
                   NnLayerInfo *infos, int *n_fit, int *bad_layer, GError **error)
{
  NnShape shape = in;
  size_t total = 0, trainable = 0;
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
                   "The network has no layers; add at least one Dense layer.");
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
      trainable += info.n_trainable;
      if (total > NN_MAX_PARAMS)
        {
          *bad_layer = i;
          g_set_error (error, NN_ERROR, NN_ERROR_SHAPE,
                       "The network has more than %zu million weights, too many to train.",
                       NN_MAX_PARAMS / 1000000);
          return FALSE;
        }
      shape = info.out;
    }
  *n_fit = spec->n_layers;

  /* Only a network meant for data must have something to learn; a lone
   * activation is still a valid network for checks and teaching. */
  if (trainable == 0 && n_outputs > 0)
    {
      *bad_layer = -1;
      g_set_error (error, NN_ERROR, NN_ERROR_SHAPE,
                   "The network has nothing to learn; add a Dense layer.");
      return FALSE;
    }

  if (n_outputs > 0 && nn_shape_size (shape) != (size_t) n_outputs)
    {
      *bad_layer = spec->n_layers - 1;
      g_set_error (error, NN_ERROR, NN_ERROR_SHAPE,
                   "The network ends with %zu outputs but the data needs %d; "
                   "end with a Dense layer of %d units.",
                   nn_shape_size (shape), n_outputs, n_outputs);
      return FALSE;
    }
  return TRUE;
}
