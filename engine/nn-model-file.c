/* nn-model-file.c: models as safetensors files (see the header).
 *
 * The container (its header, tensor table and checks) is nn-safetensors.c.
 * This file maps a network onto it: it rebuilds the expected tensor list
 * from the spec and input shape in __metadata__, matches names and shapes,
 * and only then allocates the network, whose size now equals the data
 * actually present.
 *
 * A project file (nn-project.h) is a model file too: its newest run's
 * model is stored here under the plain names, and its other tensors are
 * all named "runs.…", which a model reader skips.
 *
 * This file does not know PyTorch, nor any layer kind; it walks the
 * parameter table (NnParamInfo, nn-layer.h) and names each tensor the way
 * nn.Sequential's state_dict does: "<index>.<name>", of any rank, where
 * the index counts the nn.Flatten modules PyTorch needs and the spec
 * leaves out (nn_net_spec_torch_index ()).
 */
#include "nn-model-file.h"
#include "nn-loss.h"

#include <math.h>
#include <string.h>

#define FORMAT_VERSION      1
#define MAX_DEPTH           16
#define MAX_INPUT_DIM       (1 << 24)
#define MAX_INPUT_SIZE      ((guint64) 1 << 28)

#define KEY_VERSION         "backprop_format_version"
#define KEY_SPEC            "spec"
#define KEY_INPUT_SHAPE     "input_shape"
#define KEY_DATASET         "dataset"
#define KEY_LOSS            "loss"
#define KEY_CLASS_NAMES     "class_names"

void
nn_model_meta_free (NnModelMeta *meta)
{
  if (meta == NULL)
    return;
  g_free (meta->spec);
  g_free (meta->dataset);
  g_free (meta->loss);
  g_strfreev (meta->class_names);
  g_free (meta);
}

/* One tensor a network needs: from its spec's parameter table before the
 * network exists, then with its place in the parameter block once it does
 * (and, when loading, the file's entry for it). */
typedef struct
{
  char    name[64];   /* "2.weight", "runs.0.2.weight" */
  int     layer;
  NnParamDtype dtype; /* in the file; the block holds floats either way */
  int     rank;       /* 0: a scalar */
  gint64  shape[NN_PARAM_MAX_RANK];
  size_t  offset;     /* in the parameter block */
  float  *dst;
  const NnStTensor *src;   /* loading: the file's entry of this name */
} Want;

/* The tensors of a network of @spec on @infos, in state_dict order, with
 * names after @prefix. */
static Want *
wanted_tensors (const NnNetSpec *spec, const NnLayerInfo *infos, const char *prefix,
                int *n_want)
{
  int n = 0;
  g_autofree NnParamInfo *table = nn_net_spec_param_table (spec, infos, &n);
  Want *want = g_new0 (Want, n + 1);

  for (int k = 0; k < n; k++)
    {
      g_snprintf (want[k].name, sizeof want[k].name, "%s%d.%s", prefix,
                  nn_net_spec_torch_index (spec, infos, table[k].layer), table[k].name);
      want[k].layer = table[k].layer;
      want[k].dtype = table[k].dtype;
      want[k].rank = table[k].rank;
      for (int d = 0; d < table[k].rank; d++)
        want[k].shape[d] = table[k].shape[d];
      want[k].offset = table[k].offset;
    }
  *n_want = n;
  return want;
}

/* Points each wanted tensor at its place in @net's parameter block, and
 * checks that the network agrees with what the spec promised. */
static gboolean
locate_tensors (NnNetwork *net, Want *want, int n_want, GError **error)
{
  int n_table = 0;
  const NnParamInfo *table = nn_network_get_param_table (net, &n_table);

  if (n_table != n_want)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "The network has %d parameter tensors, but its spec describes %d.", n_table,
                   n_want);
      return FALSE;
    }
  for (int k = 0; k < n_want; k++)
    {
      gboolean same = table[k].layer == want[k].layer && table[k].rank == want[k].rank
                      && table[k].dtype == want[k].dtype && table[k].offset == want[k].offset;

      for (int d = 0; same && d < want[k].rank; d++)
        same = table[k].shape[d] == want[k].shape[d];
      if (!same)
        {
          g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                       "Layer %d of the network does not have the parameters its spec "
                       "describes.", want[k].layer);
          return FALSE;
        }
      want[k].dst = nn_network_get_params (net) + table[k].offset;
    }
  return TRUE;
}

static char *
in_shape_to_string (NnShape s)
{
  GString *str = g_string_new (NULL);

  for (int i = 0; i < s.rank && i < NN_MAX_RANK; i++)
    g_string_append_printf (str, i ? ",%d" : "%d", s.dim[i]);
  return g_string_free (str, FALSE);
}

static gboolean
in_shape_parse (const char *text, NnShape *shape)
{
  char **parts = g_strsplit (text, ",", -1);
  guint64 size = 1;
  int n = g_strv_length (parts);
  gboolean ok = n >= 1 && n <= NN_MAX_RANK;

  shape->rank = n;
  for (int i = 0; ok && i < n; i++)
    {
      guint64 d;

      ok = g_ascii_string_to_unsigned (g_strstrip (parts[i]), 10, 1, MAX_INPUT_DIM, &d, NULL);
      if (ok)
        {
          shape->dim[i] = (int) d;
          size *= d;
          ok = size <= MAX_INPUT_SIZE;
        }
    }
  g_strfreev (parts);
  return ok;
}

static gboolean
utf8_or_null (const char *s)
{
  return s == NULL || g_utf8_validate (s, -1, NULL);
}

gboolean
_nn_model_write_meta (NnStWriter *w, NnNetwork *net, const NnModelMeta *meta, GError **error)
{
  char *spec_text, *shape_text, *version;

  if (meta != NULL && (!utf8_or_null (meta->dataset) || !utf8_or_null (meta->loss)))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "The model's dataset or loss name is not valid UTF-8.");
      return FALSE;
    }
  for (int i = 0; meta != NULL && meta->class_names != NULL && meta->class_names[i]; i++)
    if (!g_utf8_validate (meta->class_names[i], -1, NULL))
      {
        g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                     "Class name %d of the model is not valid UTF-8.", i);
        return FALSE;
      }

  if (meta != NULL && meta->class_names != NULL
      && g_strv_length (meta->class_names) != nn_network_get_out_size (net))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "The model has %u class names for %zu outputs; it needs one per output.",
                   g_strv_length (meta->class_names), nn_network_get_out_size (net));
      return FALSE;
    }

  spec_text = nn_net_spec_to_string (nn_network_get_spec (net));
  shape_text = in_shape_to_string (nn_network_get_in_shape (net));
  version = g_strdup_printf ("%d", FORMAT_VERSION);
  /* "pt" tells Hugging Face loaders these are PyTorch tensors. */
  nn_st_writer_add_meta (w, "format", "pt");
  nn_st_writer_add_meta (w, KEY_VERSION, version);
  nn_st_writer_add_meta (w, KEY_SPEC, spec_text);
  nn_st_writer_add_meta (w, KEY_INPUT_SHAPE, shape_text);
  if (meta != NULL && meta->dataset != NULL)
    nn_st_writer_add_meta (w, KEY_DATASET, meta->dataset);
  if (meta != NULL && meta->loss != NULL)
    nn_st_writer_add_meta (w, KEY_LOSS, meta->loss);
  if (meta != NULL && meta->class_names != NULL)
    {
      /* Safetensors metadata values are strings, so the list is JSON inside one. */
      JsonBuilder *names = json_builder_new ();
      JsonNode *node;
      char *text;

      json_builder_begin_array (names);
      for (int i = 0; meta->class_names[i] != NULL; i++)
        json_builder_add_string_value (names, meta->class_names[i]);
      json_builder_end_array (names);
      node = json_builder_get_root (names);
      text = json_to_string (node, FALSE);
      nn_st_writer_add_meta (w, KEY_CLASS_NAMES, text);
      g_free (text);
      json_node_unref (node);
      g_object_unref (names);
    }
  g_free (spec_text);
  g_free (shape_text);
  g_free (version);
  return TRUE;
}

/* Elements of a tensor of @rank dimensions @shape (1 for a scalar). */
static size_t
count_of (int rank, const gint64 *shape)
{
  size_t n = 1;

  for (int d = 0; d < rank; d++)
    n *= (size_t) shape[d];
  return n;
}

/* An I64 tensor from the floats that hold it in the block (see
 * NnParamDtype), each a whole number from 0 to 2^24 or refused. */
static gboolean
write_count (NnStWriter *w, const Want *want, GError **error)
{
  size_t n = count_of (want->rank, want->shape);
  gint64 *v = g_new (gint64, MAX (n, 1));

  for (size_t i = 0; i < n; i++)
    {
      float f = want->dst[i];

      if (!(f >= 0.0f && f <= NN_PARAM_I64_MAX && f == floorf (f)))
        {
          g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                       "The network's “%s” is %g, which is not a count: counts are whole "
                       "numbers from 0 to %.0f.", want->name, (double) f,
                       (double) NN_PARAM_I64_MAX);
          g_free (v);
          return FALSE;
        }
      v[i] = (gint64) f;
    }
  nn_st_writer_add_i64_copy (w, want->name, v, want->rank, want->shape);
  g_free (v);
  return TRUE;
}

gboolean
_nn_model_write_tensors (NnStWriter *w, const char *prefix, NnNetwork *net, GError **error)
{
  const NnNetSpec *spec = nn_network_get_spec (net);
  NnLayerInfo *infos = g_new0 (NnLayerInfo, MAX (spec->n_layers, 1));
  Want *want;
  int n_want = 0;
  gboolean ok;

  for (int i = 0; i < spec->n_layers; i++)
    infos[i] = *nn_network_get_layer_info (net, i);
  want = wanted_tensors (spec, infos, prefix, &n_want);
  ok = locate_tensors (net, want, n_want, error);
  for (int k = 0; ok && k < n_want; k++)
    if (want[k].dtype == NN_PARAM_I64)
      ok = write_count (w, &want[k], error);
    else
      nn_st_writer_add_f32 (w, want[k].name, want[k].dst, want[k].rank, want[k].shape);
  g_free (want);
  g_free (infos);
  return ok;
}

gboolean
nn_model_save (const char *path, NnNetwork *net, const NnModelMeta *meta, GError **error)
{
  NnStWriter *w;
  gboolean ok;

  if (path == NULL || net == NULL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "Saving a model needs a file name and a network.");
      return FALSE;
    }
  w = nn_st_writer_new ();
  ok = _nn_model_write_meta (w, net, meta, error)
       && _nn_model_write_tensors (w, "", net, error)
       && nn_st_writer_save (w, path, error);
  nn_st_writer_free (w);
  return ok;
}

#define CORRUPT(...) g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT, __VA_ARGS__)

/* A metadata string: TRUE with *value NULL when it is absent and optional. */
static gboolean
meta_string (NnStFile *f, const char *key, gboolean required, const char **value,
             GError **error)
{
  *value = nn_st_get_meta (f, key);
  if (*value == NULL && required)
    {
      CORRUPT ("%s is not a Backprop model: its metadata has no “%s”.", nn_st_get_path (f), key);
      return FALSE;
    }
  return TRUE;
}

static char **
parse_class_names (const char *path, const char *text, GError **error)
{
  JsonParser *parser;
  JsonNode *root;
  JsonArray *arr;
  char **names = NULL, *problem = NULL;
  guint n;

  parser = nn_json_parse_strict (text, strlen (text), MAX_DEPTH, &problem);
  if (parser == NULL || (root = json_parser_get_root (parser)) == NULL
      || !JSON_NODE_HOLDS_ARRAY (root))
    goto bad;
  arr = json_node_get_array (root);
  n = json_array_get_length (arr);
  names = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *el = json_array_get_element (arr, i);
      if (!JSON_NODE_HOLDS_VALUE (el) || json_node_get_value_type (el) != G_TYPE_STRING)
        goto bad;
      names[i] = g_strdup (json_node_get_string (el));
    }
  g_object_unref (parser);
  return names;

bad:
  CORRUPT ("%s is corrupt: its class names are not a JSON list of strings.", path);
  g_free (problem);
  g_strfreev (names);
  g_clear_object (&parser);
  return NULL;
}

/* An I64 tensor into the floats that hold it: only counts from 0 to 2^24,
 * which a float holds exactly (see NnParamDtype). */
static gboolean
read_count (NnStFile *f, const Want *want, GError **error)
{
  const NnStTensor *e = want->src;
  gint64 *v = g_new (gint64, MAX (e->count, 1));
  gboolean ok = nn_st_read_i64 (f, e, v, error);

  for (gint64 i = 0; ok && i < e->count; i++)
    {
      if (v[i] < 0)
        {
          CORRUPT ("%s is corrupt: tensor “%s” holds %" G_GINT64_FORMAT ", and a count cannot "
                   "be negative.", nn_st_get_path (f), want->name, v[i]);
          ok = FALSE;
        }
      else if (v[i] > (gint64) NN_PARAM_I64_MAX)
        {
          CORRUPT ("%s holds %" G_GINT64_FORMAT " in tensor “%s”, more than %.0f, the largest "
                   "count Backprop keeps exactly.", nn_st_get_path (f), v[i], want->name,
                   (double) NN_PARAM_I64_MAX);
          ok = FALSE;
        }
      else
        want->dst[i] = (float) v[i];
    }
  g_free (v);
  return ok;
}

NnNetwork *
_nn_model_read_tensors (NnStFile *f, const char *prefix, const NnNetSpec *spec, NnShape in,
                        GHashTable *used, GError **error)
{
  const char *path = nn_st_get_path (f);
  NnNetwork *net = NULL;
  NnLayerInfo *infos = g_new0 (NnLayerInfo, MAX (spec->n_layers, 1));
  Want *want = NULL;
  int n_want = 0;
  GError *local = NULL;
  char *spec_text = nn_net_spec_to_string (spec);

  if (!nn_net_spec_check (spec, in, 0, infos, NULL, NULL, &local))
    {
      CORRUPT ("%s is corrupt: its network “%s” does not fit its input shape (%s).", path,
               spec_text, local->message);
      goto out;
    }
  want = wanted_tensors (spec, infos, prefix, &n_want);

  /* Names and shapes against the network. */
  for (int k = 0; k < n_want; k++)
    {
      const NnStTensor *e = nn_st_find (f, want[k].name);
      NnDtype dtype = want[k].dtype == NN_PARAM_I64 ? NN_DTYPE_I64 : NN_DTYPE_F32;

      want[k].src = e;
      if (e == NULL)
        {
          CORRUPT ("%s is corrupt: it has no tensor “%s” for layer %d (%s) of its network.",
                   path, want[k].name, want[k].layer,
                   nn_layer_kind_name (spec->layers[want[k].layer].kind));
          goto out;
        }
      if (e->dtype != dtype)
        {
          if (dtype == NN_DTYPE_F32)
            CORRUPT ("%s is corrupt: tensor “%s” holds integers (I64), not the F32 values of "
                     "layer %d.", path, want[k].name, want[k].layer);
          else
            CORRUPT ("%s is corrupt: tensor “%s” holds F32 numbers, not the I64 count of "
                     "layer %d.", path, want[k].name, want[k].layer);
          goto out;
        }
      if (!nn_st_tensor_is (e, dtype, want[k].rank, want[k].shape))
        {
          GString *got = g_string_new (NULL), *need = g_string_new (NULL);
          nn_st_append_shape (got, e->shape, e->rank);
          nn_st_append_shape (need, want[k].shape, want[k].rank);
          CORRUPT ("%s is corrupt: tensor “%s” has shape %s but its network needs %s.", path,
                   want[k].name, got->str, need->str);
          g_string_free (got, TRUE);
          g_string_free (need, TRUE);
          goto out;
        }
      if (used != NULL)
        g_hash_table_add (used, (gpointer) e->name);
    }

  /* Every tensor matches, so the network's parameters are no more bytes
   * than the file holds: safe to allocate. */
  net = nn_network_new (spec, in, &local);
  if (net == NULL)
    {
      g_propagate_error (error, local);
      local = NULL;
      goto out;
    }
  if (!locate_tensors (net, want, n_want, error))
    goto fail;
  for (int k = 0; k < n_want; k++)
    if (want[k].dtype == NN_PARAM_I64 ? !read_count (f, &want[k], error)
                                      : !nn_st_read_f32 (f, want[k].src, want[k].dst, error))
      goto fail;
  goto out;

fail:
  g_clear_pointer (&net, nn_network_free);
out:
  g_clear_error (&local);
  g_free (spec_text);
  g_free (want);
  g_free (infos);
  return net;
}

/* A project's key in __metadata__; its own tensors are all "runs.…". */
#define PROJECT_KEY    "backprop.project"
#define PROJECT_PREFIX "runs."

NnModelMeta *
_nn_model_read_meta (NnStFile *f, NnNetSpec **spec_out, GError **error)
{
  const char *path = nn_st_get_path (f);
  NnModelMeta *meta = NULL;
  NnNetSpec *spec = NULL;
  const char *s;
  GError *local = NULL;

  if (!nn_st_has_metadata (f))
    {
      CORRUPT ("%s is not a Backprop model: it has no __metadata__ with the network spec.",
               path);
      goto fail;
    }
  meta = g_new0 (NnModelMeta, 1);
  if (!meta_string (f, KEY_VERSION, FALSE, &s, error))
    goto fail;
  if (s != NULL)
    {
      guint64 v;
      if (!g_ascii_string_to_unsigned (s, 10, 1, G_MAXINT, &v, NULL))
        {
          CORRUPT ("%s is corrupt: its format version “%s” is not a number.", path, s);
          goto fail;
        }
      if (v > FORMAT_VERSION)
        {
          CORRUPT ("%s was written by a newer Backprop (model format %s; this one reads %d).",
                   path, s, FORMAT_VERSION);
          goto fail;
        }
    }
  if (!meta_string (f, KEY_SPEC, TRUE, &s, error))
    goto fail;
  meta->spec = g_strdup (s);
  if (!meta_string (f, KEY_INPUT_SHAPE, TRUE, &s, error))
    goto fail;
  if (!in_shape_parse (s, &meta->in_shape))
    {
      CORRUPT ("%s is corrupt: its input shape “%s” is not a list such as “1,28,28”.", path, s);
      goto fail;
    }
  meta->dataset = g_strdup (nn_st_get_meta (f, KEY_DATASET));
  meta->loss = g_strdup (nn_st_get_meta (f, KEY_LOSS));
  if (meta->loss != NULL)
    {
      NnLossKind kind;
      if (!nn_loss_from_name (meta->loss, &kind))
        {
          CORRUPT ("%s is corrupt: its loss “%s” is not one Backprop knows.", path, meta->loss);
          goto fail;
        }
    }
  s = nn_st_get_meta (f, KEY_CLASS_NAMES);
  if (s != NULL && (meta->class_names = parse_class_names (path, s, error)) == NULL)
    goto fail;

  spec = nn_net_spec_parse (meta->spec, &local);
  if (spec == NULL)
    {
      CORRUPT ("%s is corrupt: its network spec “%s” is invalid (%s).", path, meta->spec,
               local->message);
      g_error_free (local);
      goto fail;
    }
  if (spec_out != NULL)
    *spec_out = spec;
  else
    nn_net_spec_free (spec);
  return meta;

fail:
  nn_model_meta_free (meta);
  return NULL;
}

NnNetwork *
nn_model_load (const char *path, NnModelMeta **meta_out, GError **error)
{
  NnNetwork *net = NULL;
  NnModelMeta *meta = NULL;
  NnNetSpec *spec = NULL;
  NnStFile *f = NULL;
  GHashTable *used = NULL;
  gboolean project;

  if (meta_out != NULL)
    *meta_out = NULL;
  if (path == NULL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT, "No model file was given.");
      goto fail;
    }
  f = nn_st_open (path, "model file", error);
  if (f == NULL)
    goto fail;

  meta = _nn_model_read_meta (f, &spec, error);
  if (meta == NULL)
    goto fail;

  used = g_hash_table_new (g_str_hash, g_str_equal);
  net = _nn_model_read_tensors (f, "", spec, meta->in_shape, used, error);
  if (net == NULL)
    goto fail;
  if (meta->class_names != NULL)
    {
      /* One name per output, or the window and eval would label the wrong
       * outputs (or read past the names). */
      guint n_names = g_strv_length (meta->class_names);
      size_t n_out = nn_network_get_out_size (net);
      if (n_names != n_out)
        {
          CORRUPT ("%s is corrupt: it has %u class name%s, but its network has %zu output%s.",
                   path, n_names, n_names == 1 ? "" : "s", n_out, n_out == 1 ? "" : "s");
          goto fail;
        }
    }
  /* Every tensor is the network's, but for a project's own. */
  project = nn_st_get_meta (f, PROJECT_KEY) != NULL;
  for (int j = 0; j < nn_st_get_n_tensors (f); j++)
    {
      const char *name = nn_st_get_tensor (f, j)->name;
      if (!g_hash_table_contains (used, name)
          && !(project && g_str_has_prefix (name, PROJECT_PREFIX)))
        {
          CORRUPT ("%s is corrupt: tensor “%s” belongs to no layer of its network “%s”.",
                   path, name, meta->spec);
          goto fail;
        }
    }

  if (meta_out != NULL)
    *meta_out = g_steal_pointer (&meta);
  goto out;

fail:
  g_clear_pointer (&net, nn_network_free);
out:
  g_clear_pointer (&used, g_hash_table_unref);
  nn_net_spec_free (spec);
  nn_st_close (f);
  nn_model_meta_free (meta);
  return net;
}
