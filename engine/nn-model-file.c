/* nn-model-file.c: models as safetensors files (see the header).
 *
 * Layout: an 8-byte little-endian header length N, N bytes of JSON padded
 * with spaces so the data starts at a multiple of 8, then the tensors' raw
 * little-endian F32 data, back to back and covering the data section with
 * no holes and no overlaps, as the safetensors format requires.
 *
 * The reader trusts nothing in the file. It reads the header (bounded by
 * the file's size and a fixed cap), checks every tensor entry and the
 * coverage of the data section, rebuilds the expected tensor list from the
 * spec and input shape in __metadata__, matches names and shapes, and only
 * then allocates the network, whose size now equals the data actually
 * present. The writer streams through nn-save.h, which refuses a FIFO or
 * device at the path and renames a temporary file over the target, so a
 * failed save leaves an existing file untouched.
 *
 * This file does not know PyTorch; it only names tensors the way
 * nn.Sequential's state_dict does. Conv layers (when they come) will need
 * 4-D weight shapes here and in nn_network_layer_params().
 */
#include "nn-model-file.h"
#include "nn-loss.h"
#include "nn-save.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#define FORMAT_VERSION      1
/* A Backprop header is a few hundred bytes per layer; the safetensors
 * reference reader refuses headers above 100 MB, and so do we. */
#define MAX_HEADER          ((guint64) 100 * 1000 * 1000)
/* Safetensors allows any rank; ours are 1 or 2, other files' rarely above 5. */
#define MAX_RANK            8
#define MAX_DEPTH           16
#define MAX_INPUT_DIM       (1 << 24)
#define MAX_INPUT_SIZE      ((guint64) 1 << 28)
/* Floats converted per write() when saving. */
#define WRITE_CHUNK         16384

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

/* One tensor entry of a file's header, checked against the data section. */
typedef struct
{
  const char *name;   /* borrowed from the JSON tree */
  int         rank;
  gint64      shape[MAX_RANK];
  gint64      begin, end;
} Entry;

/* One tensor a network needs: from its spec before it exists, then with
 * the place in its parameter block once it does (and, when loading, the
 * file's entry for it). */
typedef struct
{
  char    name[32];   /* "2.weight" */
  int     layer;
  int     rank;
  gint64  shape[2];
  float  *dst;
  const Entry *src;   /* loading: the file's entry of this name */
} Want;

static void
shape_to_string (GString *s, const gint64 *shape, int rank)
{
  g_string_append_c (s, '[');
  for (int i = 0; i < rank; i++)
    g_string_append_printf (s, i ? ", %" G_GINT64_FORMAT : "%" G_GINT64_FORMAT, shape[i]);
  g_string_append_c (s, ']');
}

/* The tensors of a network of @spec on @infos, in state_dict order. Every
 * layer with parameters is dense today: weight (units, in) and bias (units). */
static Want *
wanted_tensors (const NnNetSpec *spec, const NnLayerInfo *infos, int *n_want, GError **error)
{
  Want *want = g_new0 (Want, 2 * spec->n_layers + 1);
  int n = 0;

  for (int i = 0; i < spec->n_layers; i++)
    {
      if (!nn_layer_kind_has_params (spec->layers[i].kind))
        continue;
      if (spec->layers[i].kind != NN_LAYER_DENSE)
        {
          g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                       "Model files cannot hold %s layers yet.",
                       nn_layer_kind_label (spec->layers[i].kind));
          g_free (want);
          return NULL;
        }
      g_snprintf (want[n].name, sizeof want[n].name, "%d.weight", i);
      want[n].layer = i;
      want[n].rank = 2;
      want[n].shape[0] = (gint64) nn_shape_size (infos[i].out);
      want[n].shape[1] = (gint64) nn_shape_size (infos[i].in);
      n++;
      g_snprintf (want[n].name, sizeof want[n].name, "%d.bias", i);
      want[n].layer = i;
      want[n].rank = 1;
      want[n].shape[0] = (gint64) nn_shape_size (infos[i].out);
      n++;
    }
  *n_want = n;
  return want;
}

/* Points each wanted tensor at its place in @net's parameter block, and
 * checks that the network agrees with what the spec promised. */
static gboolean
locate_tensors (NnNetwork *net, Want *want, int n_want, GError **error)
{
  for (int k = 0; k < n_want; k += 2)
    {
      float *w = NULL, *b = NULL;
      int w_shape[2] = { 0, 0 }, b_len = 0;

      if (!nn_network_layer_params (net, want[k].layer, &w, w_shape, &b, &b_len)
          || w_shape[0] != want[k].shape[0] || w_shape[1] != want[k].shape[1]
          || b_len != want[k + 1].shape[0])
        {
          g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                       "Layer %d of the network does not have the parameters its spec "
                       "describes.", want[k].layer);
          return FALSE;
        }
      want[k].dst = w;
      want[k + 1].dst = b;
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

/* write() all of @len bytes, through EINTR and short writes. */
static gboolean
write_floats_le (NnSaveFile *f, const float *v, size_t n, GError **error)
{
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  return nn_save_write (f, v, n * sizeof (float), error);
#else
  guint32 buf[WRITE_CHUNK];

  while (n > 0)
    {
      size_t m = MIN (n, WRITE_CHUNK);
      memcpy (buf, v, m * sizeof (float));
      for (size_t i = 0; i < m; i++)
        buf[i] = GUINT32_TO_LE (buf[i]);
      if (!nn_save_write (f, buf, m * sizeof (float), error))
        return FALSE;
      v += m;
      n -= m;
    }
  return TRUE;
#endif
}

static gboolean
utf8_or_null (const char *s)
{
  return s == NULL || g_utf8_validate (s, -1, NULL);
}

/* The JSON header, unpadded. */
static char *
build_header (const NnNetSpec *spec, NnShape in, const NnModelMeta *meta, const Want *want,
              int n_want, gsize *length)
{
  JsonBuilder *b = json_builder_new ();
  JsonGenerator *gen = json_generator_new ();
  JsonNode *root;
  char *spec_text = nn_net_spec_to_string (spec);
  char *shape_text = in_shape_to_string (in);
  char *version = g_strdup_printf ("%d", FORMAT_VERSION);
  char *header;
  gint64 offset = 0;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "__metadata__");
  json_builder_begin_object (b);
  /* "pt" tells Hugging Face loaders these are PyTorch tensors. */
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, "pt");
  json_builder_set_member_name (b, KEY_VERSION);
  json_builder_add_string_value (b, version);
  json_builder_set_member_name (b, KEY_SPEC);
  json_builder_add_string_value (b, spec_text);
  json_builder_set_member_name (b, KEY_INPUT_SHAPE);
  json_builder_add_string_value (b, shape_text);
  if (meta != NULL && meta->dataset != NULL)
    {
      json_builder_set_member_name (b, KEY_DATASET);
      json_builder_add_string_value (b, meta->dataset);
    }
  if (meta != NULL && meta->loss != NULL)
    {
      json_builder_set_member_name (b, KEY_LOSS);
      json_builder_add_string_value (b, meta->loss);
    }
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
      json_builder_set_member_name (b, KEY_CLASS_NAMES);
      json_builder_add_string_value (b, text);
      g_free (text);
      json_node_unref (node);
      g_object_unref (names);
    }
  json_builder_end_object (b);

  for (int k = 0; k < n_want; k++)
    {
      gint64 bytes = (gint64) sizeof (float) * want[k].shape[0] * (want[k].rank == 2 ? want[k].shape[1] : 1);

      json_builder_set_member_name (b, want[k].name);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "dtype");
      json_builder_add_string_value (b, "F32");
      json_builder_set_member_name (b, "shape");
      json_builder_begin_array (b);
      for (int d = 0; d < want[k].rank; d++)
        json_builder_add_int_value (b, want[k].shape[d]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "data_offsets");
      json_builder_begin_array (b);
      json_builder_add_int_value (b, offset);
      json_builder_add_int_value (b, offset + bytes);
      json_builder_end_array (b);
      json_builder_end_object (b);
      offset += bytes;
    }
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  header = json_generator_to_data (gen, length);

  json_node_unref (root);
  g_object_unref (gen);
  g_object_unref (b);
  g_free (spec_text);
  g_free (shape_text);
  g_free (version);
  return header;
}

gboolean
nn_model_save (const char *path, NnNetwork *net, const NnModelMeta *meta, GError **error)
{
  const NnNetSpec *spec;
  NnLayerInfo *infos = NULL;
  Want *want = NULL;
  NnSaveFile *f;
  int n_want = 0;
  char *header = NULL;
  gsize header_len = 0, padded;
  guint8 prefix[8];
  gboolean ok = FALSE;

  if (path == NULL || net == NULL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "Saving a model needs a file name and a network.");
      goto out;
    }
  if (meta != NULL && (!utf8_or_null (meta->dataset) || !utf8_or_null (meta->loss)))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "The model's dataset or loss name is not valid UTF-8.");
      goto out;
    }
  for (int i = 0; meta != NULL && meta->class_names != NULL && meta->class_names[i]; i++)
    if (!g_utf8_validate (meta->class_names[i], -1, NULL))
      {
        g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                     "Class name %d of the model is not valid UTF-8.", i);
        goto out;
      }

  if (meta != NULL && meta->class_names != NULL
      && g_strv_length (meta->class_names) != nn_network_get_out_size (net))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "The model has %u class names for %zu outputs; it needs one per output.",
                   g_strv_length (meta->class_names), nn_network_get_out_size (net));
      goto out;
    }
  spec = nn_network_get_spec (net);
  infos = g_new0 (NnLayerInfo, MAX (spec->n_layers, 1));
  for (int i = 0; i < spec->n_layers; i++)
    infos[i] = *nn_network_get_layer_info (net, i);
  want = wanted_tensors (spec, infos, &n_want, error);
  if (want == NULL || !locate_tensors (net, want, n_want, error))
    goto out;

  header = build_header (spec, nn_network_get_in_shape (net), meta, want, n_want, &header_len);
  padded = (header_len + 7) & ~(gsize) 7;
  /* Spaces, as the format allows, so the data that follows is 8-byte aligned. */
  header = g_realloc (header, padded);
  memset (header + header_len, ' ', padded - header_len);
  for (int i = 0; i < 8; i++)
    prefix[i] = (guint8) ((guint64) padded >> (8 * i));

  /* nn-save.c checks what is at @path, writes beside it and renames over. */
  f = nn_save_begin (path, error);
  if (f == NULL)
    goto out;
  ok = nn_save_write (f, prefix, 8, error) && nn_save_write (f, header, padded, error);
  for (int k = 0; ok && k < n_want; k++)
    ok = write_floats_le (f, want[k].dst,
                          (size_t) want[k].shape[0] * (want[k].rank == 2 ? want[k].shape[1] : 1),
                          error);
  if (ok)
    ok = nn_save_commit (f, error);
  else
    nn_save_abort (f);

out:
  g_free (header);
  g_free (want);
  g_free (infos);
  return ok;
}

/* pread() all of @len bytes at @offset; FALSE with errno (0 at end of file). */
static gboolean
read_at (int fd, void *buf, size_t len, guint64 offset)
{
  guint8 *p = buf;

  while (len > 0)
    {
      ssize_t done = pread (fd, p, len, (off_t) offset);
      if (done < 0 && errno == EINTR)
        continue;
      if (done <= 0)
        {
          if (done == 0)
            errno = 0;
          return FALSE;
        }
      p += done;
      len -= (size_t) done;
      offset += (guint64) done;
    }
  return TRUE;
}

static gboolean
json_int (JsonNode *node, gint64 *value)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *value = json_node_get_int (node);
  return TRUE;
}

/* The deepest nesting of objects and arrays in @text, outside strings.
 * json-glib parses recursively, so a header of a million '[' would crash
 * it; a safetensors header nests three deep. */
static int
json_depth (const char *text, gsize len)
{
  gboolean in_string = FALSE;
  int depth = 0, deepest = 0;

  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '{' || c == '[')
        {
          depth++;
          deepest = MAX (deepest, depth);
        }
      else if (c == '}' || c == ']')
        depth--;
    }
  return deepest;
}

static void
count_member_cb (JsonParser *parser, JsonObject *object, const char *name, gpointer data)
{
  (*(guint64 *) data)++;
}

/* Members in @node's objects, all the way down. */
static guint64
count_members (JsonNode *node)
{
  guint64 n = 0;

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      JsonNode *child;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, NULL, &child))
        n += 1 + count_members (child);
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *arr = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (arr); i++)
        n += count_members (json_array_get_element (arr, i));
    }
  return n;
}

#define CORRUPT(...) g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT, __VA_ARGS__)

/* Checks one tensor entry on its own and against a data section of
 * @data_size bytes. */
static gboolean
parse_entry (const char *path, const char *name, JsonNode *node, guint64 data_size,
             Entry *e, GError **error)
{
  JsonObject *obj;
  JsonNode *dtype, *shape, *offsets;
  JsonArray *arr;
  guint64 count = 1;
  gboolean too_big = FALSE, has_zero = FALSE;

  e->name = name;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      CORRUPT ("%s is corrupt: the header entry for tensor “%s” is not an object.", path, name);
      return FALSE;
    }
  obj = json_node_get_object (node);
  dtype = json_object_get_member (obj, "dtype");
  shape = json_object_get_member (obj, "shape");
  offsets = json_object_get_member (obj, "data_offsets");
  if (dtype == NULL || !JSON_NODE_HOLDS_VALUE (dtype)
      || json_node_get_value_type (dtype) != G_TYPE_STRING)
    {
      CORRUPT ("%s is corrupt: tensor “%s” has no dtype.", path, name);
      return FALSE;
    }
  if (strcmp (json_node_get_string (dtype), "F32") != 0)
    {
      CORRUPT ("%s holds tensor “%s” as %s, but only F32 tensors can be loaded.", path, name,
               json_node_get_string (dtype));
      return FALSE;
    }

  if (shape == NULL || !JSON_NODE_HOLDS_ARRAY (shape))
    {
      CORRUPT ("%s is corrupt: tensor “%s” has no shape list.", path, name);
      return FALSE;
    }
  arr = json_node_get_array (shape);
  if (json_array_get_length (arr) > MAX_RANK)
    {
      CORRUPT ("%s is corrupt: tensor “%s” has %u dimensions, more than %d.", path, name,
               json_array_get_length (arr), MAX_RANK);
      return FALSE;
    }
  e->rank = (int) json_array_get_length (arr);
  for (int d = 0; d < e->rank; d++)
    {
      if (!json_int (json_array_get_element (arr, d), &e->shape[d]) || e->shape[d] < 0)
        {
          CORRUPT ("%s is corrupt: the shape of tensor “%s” is not a list of non-negative "
                   "integers.", path, name);
          return FALSE;
        }
      /* Bounded by the data section, so the product cannot overflow. */
      if (e->shape[d] == 0)
        has_zero = TRUE;
      else if (too_big || count > (data_size / 4) / (guint64) e->shape[d])
        too_big = TRUE;
      else
        count *= (guint64) e->shape[d];
    }
  if (has_zero)
    {
      count = 0;
      too_big = FALSE;
    }

  if (offsets == NULL || !JSON_NODE_HOLDS_ARRAY (offsets)
      || json_array_get_length (json_node_get_array (offsets)) != 2
      || !json_int (json_array_get_element (json_node_get_array (offsets), 0), &e->begin)
      || !json_int (json_array_get_element (json_node_get_array (offsets), 1), &e->end)
      || e->begin < 0 || e->begin > e->end)
    {
      CORRUPT ("%s is corrupt: the data_offsets of tensor “%s” are not [begin, end] with "
               "0 <= begin <= end.", path, name);
      return FALSE;
    }
  if ((guint64) e->end > data_size)
    {
      CORRUPT ("%s is corrupt or truncated: tensor “%s” ends at byte %" G_GINT64_FORMAT
               " of a data section of %" G_GUINT64_FORMAT " bytes.", path, name, e->end,
               data_size);
      return FALSE;
    }
  if (too_big || (guint64) (e->end - e->begin) != count * 4)
    {
      GString *s = g_string_new (NULL);
      shape_to_string (s, e->shape, e->rank);
      CORRUPT ("%s is corrupt: tensor “%s” of shape %s spans %" G_GINT64_FORMAT
               " bytes, not 4 for each of its elements.", path, name, s->str, e->end - e->begin);
      g_string_free (s, TRUE);
      return FALSE;
    }
  return TRUE;
}

static int
entry_cmp (gconstpointer a, gconstpointer b)
{
  const Entry *x = a, *y = b;

  if (x->begin != y->begin)
    return x->begin < y->begin ? -1 : 1;
  return x->end < y->end ? -1 : x->end > y->end;
}

/* Safetensors requires the tensors to cover the data section exactly. */
static gboolean
check_coverage (const char *path, Entry *entries, int n, guint64 data_size, GError **error)
{
  gint64 pos = 0;

  qsort (entries, n, sizeof (Entry), entry_cmp);
  for (int k = 0; k < n; k++)
    {
      if (entries[k].begin < pos)
        {
          CORRUPT ("%s is corrupt: tensors “%s” and “%s” overlap.", path, entries[k - 1].name,
                   entries[k].name);
          return FALSE;
        }
      if (entries[k].begin > pos)
        {
          CORRUPT ("%s is corrupt: bytes %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
                   " of its data belong to no tensor.", path, pos, entries[k].begin);
          return FALSE;
        }
      pos = entries[k].end;
    }
  if ((guint64) pos != data_size)
    {
      CORRUPT ("%s is corrupt: its last %" G_GUINT64_FORMAT " bytes of data belong to no "
               "tensor.", path, data_size - (guint64) pos);
      return FALSE;
    }
  return TRUE;
}

/* A metadata string: TRUE with *value NULL when it is absent and optional. */
static gboolean
meta_string (const char *path, JsonObject *md, const char *key, gboolean required,
             const char **value, GError **error)
{
  JsonNode *node = json_object_get_member (md, key);

  *value = NULL;
  if (node == NULL)
    {
      if (!required)
        return TRUE;
      CORRUPT ("%s is not a Backprop model: its metadata has no “%s”.", path, key);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      CORRUPT ("%s is corrupt: its metadata “%s” is not a string.", path, key);
      return FALSE;
    }
  *value = json_node_get_string (node);
  return TRUE;
}

static char **
parse_class_names (const char *path, const char *text, GError **error)
{
  JsonParser *parser = json_parser_new ();
  JsonNode *root;
  JsonArray *arr;
  char **names = NULL;
  guint n;

  if (json_depth (text, strlen (text)) > MAX_DEPTH
      || !json_parser_load_from_data (parser, text, -1, NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_ARRAY (root))
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
  g_strfreev (names);
  g_object_unref (parser);
  return NULL;
}

NnNetwork *
nn_model_load (const char *path, NnModelMeta **meta_out, GError **error)
{
  NnNetwork *net = NULL;
  NnModelMeta *meta = NULL;
  NnNetSpec *spec = NULL;
  NnLayerInfo *infos = NULL;
  JsonParser *parser = NULL;
  JsonObject *root, *md = NULL;
  Entry *entries = NULL;
  Want *want = NULL;
  GList *members = NULL;
  char *header = NULL;
  const char *s;
  guint8 prefix[8];
  guint64 file_size, header_len = 0, data_start, data_size, n_parsed_members = 0;
  int fd = -1, n_entries = 0, n_want = 0;
  struct stat st;
  GError *local = NULL;

  if (meta_out != NULL)
    *meta_out = NULL;
  if (path == NULL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT, "No model file was given.");
      goto fail;
    }

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, NN_ERROR, saved == ENOENT ? NN_ERROR_NOT_FOUND : NN_ERROR_IO,
                   "Could not open %s: %s.", path, g_strerror (saved));
      goto fail;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "%s is not a regular file.", path);
      goto fail;
    }
  file_size = (guint64) st.st_size;
  if (file_size == 0)
    {
      CORRUPT ("%s is empty, not a model file.", path);
      goto fail;
    }
  if (file_size < 8 || !read_at (fd, prefix, 8, 0))
    {
      CORRUPT ("%s is too short to be a safetensors model file (%" G_GUINT64_FORMAT " bytes).",
               path, file_size);
      goto fail;
    }
  for (int i = 7; i >= 0; i--)
    header_len = (header_len << 8) | prefix[i];
  if (header_len > MAX_HEADER)
    {
      CORRUPT ("%s is not a safetensors model file: it claims a header of %" G_GUINT64_FORMAT
               " bytes, more than the limit of 100 MB.", path, header_len);
      goto fail;
    }
  if (header_len > file_size - 8)
    {
      CORRUPT ("%s is truncated: its header of %" G_GUINT64_FORMAT " bytes runs past the end "
               "of the file (%" G_GUINT64_FORMAT " bytes).", path, header_len, file_size);
      goto fail;
    }
  data_start = 8 + header_len;
  data_size = file_size - data_start;

  header = g_malloc (header_len + 1);
  if (!read_at (fd, header, header_len, 8))
    {
      int saved = errno;
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "Could not read %s: %s.", path,
                   saved ? g_strerror (saved) : "the file got shorter while reading");
      goto fail;
    }
  header[header_len] = '\0';
  if (!g_utf8_validate_len (header, header_len, NULL))
    {
      CORRUPT ("%s is not a safetensors model file: its header is not UTF-8 text.", path);
      goto fail;
    }
  if (json_depth (header, header_len) > MAX_DEPTH)
    {
      CORRUPT ("%s is not a safetensors model file: its header nests more than %d levels deep.",
               path, MAX_DEPTH);
      goto fail;
    }
  parser = json_parser_new ();
  g_signal_connect (parser, "object-member", G_CALLBACK (count_member_cb), &n_parsed_members);
  if (!json_parser_load_from_data (parser, header, (gssize) header_len, &local))
    {
      CORRUPT ("%s is not a safetensors model file: its header is not valid JSON (%s).",
               path, local->message);
      goto fail;
    }
  if (json_parser_get_root (parser) == NULL || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      CORRUPT ("%s is not a safetensors model file: its header is not a JSON object.", path);
      goto fail;
    }
  /* json-glib keeps the last of two members with the same name; a header
   * that says two things about one tensor is refused instead. */
  if (n_parsed_members != count_members (json_parser_get_root (parser)))
    {
      CORRUPT ("%s is corrupt: its header names the same key twice.", path);
      goto fail;
    }
  root = json_node_get_object (json_parser_get_root (parser));

  /* The tensors on their own: each entry, then the data section as a whole. */
  members = json_object_get_members (root);
  entries = g_new0 (Entry, g_list_length (members) + 1);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      if (strcmp (name, "__metadata__") == 0)
        continue;
      if (!parse_entry (path, name, json_object_get_member (root, name), data_size,
                        &entries[n_entries++], error))
        goto fail;
    }
  if (!check_coverage (path, entries, n_entries, data_size, error))
    goto fail;

  /* The network the metadata describes. */
  if (!json_object_has_member (root, "__metadata__")
      || !JSON_NODE_HOLDS_OBJECT (json_object_get_member (root, "__metadata__")))
    {
      CORRUPT ("%s is not a Backprop model: it has no __metadata__ with the network spec.",
               path);
      goto fail;
    }
  md = json_object_get_object_member (root, "__metadata__");
  meta = g_new0 (NnModelMeta, 1);
  if (!meta_string (path, md, KEY_VERSION, FALSE, &s, error))
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
  if (!meta_string (path, md, KEY_SPEC, TRUE, &s, error))
    goto fail;
  meta->spec = g_strdup (s);
  if (!meta_string (path, md, KEY_INPUT_SHAPE, TRUE, &s, error))
    goto fail;
  if (!in_shape_parse (s, &meta->in_shape))
    {
      CORRUPT ("%s is corrupt: its input shape “%s” is not a list such as “1,28,28”.", path, s);
      goto fail;
    }
  if (!meta_string (path, md, KEY_DATASET, FALSE, &s, error))
    goto fail;
  meta->dataset = g_strdup (s);
  if (!meta_string (path, md, KEY_LOSS, FALSE, &s, error))
    goto fail;
  meta->loss = g_strdup (s);
  if (meta->loss != NULL)
    {
      NnLossKind kind;
      if (!nn_loss_from_name (meta->loss, &kind))
        {
          CORRUPT ("%s is corrupt: its loss “%s” is not one Backprop knows.", path, meta->loss);
          goto fail;
        }
    }
  if (!meta_string (path, md, KEY_CLASS_NAMES, FALSE, &s, error))
    goto fail;
  if (s != NULL && (meta->class_names = parse_class_names (path, s, error)) == NULL)
    goto fail;

  spec = nn_net_spec_parse (meta->spec, &local);
  if (spec == NULL)
    {
      CORRUPT ("%s is corrupt: its network spec “%s” is invalid (%s).", path, meta->spec,
               local->message);
      goto fail;
    }
  infos = g_new0 (NnLayerInfo, spec->n_layers);
  if (!nn_net_spec_check (spec, meta->in_shape, 0, infos, NULL, NULL, &local))
    {
      CORRUPT ("%s is corrupt: its network “%s” does not fit its input shape (%s).", path,
               meta->spec, local->message);
      goto fail;
    }
  if (meta->class_names != NULL)
    {
      /* One name per output, or the window and eval would label the wrong
       * outputs (or read past the names). */
      guint n_names = g_strv_length (meta->class_names);
      size_t n_out = nn_shape_size (spec->n_layers > 0 ? infos[spec->n_layers - 1].out
                                                       : meta->in_shape);
      if (n_names != n_out)
        {
          CORRUPT ("%s is corrupt: it has %u class name%s, but its network has %zu output%s.",
                   path, n_names, n_names == 1 ? "" : "s", n_out, n_out == 1 ? "" : "s");
          goto fail;
        }
    }
  want = wanted_tensors (spec, infos, &n_want, &local);
  if (want == NULL)
    {
      CORRUPT ("%s cannot be loaded: %s", path, local->message);
      goto fail;
    }

  /* Names and shapes against the network. Entries are sorted by offset now. */
  for (int k = 0; k < n_want; k++)
    {
      const Entry *e = NULL;

      for (int j = 0; j < n_entries && e == NULL; j++)
        if (strcmp (entries[j].name, want[k].name) == 0)
          e = &entries[j];
      want[k].src = e;
      if (e == NULL)
        {
          CORRUPT ("%s is corrupt: it has no tensor “%s” for layer %d (%s) of its network.",
                   path, want[k].name, want[k].layer,
                   nn_layer_kind_name (spec->layers[want[k].layer].kind));
          goto fail;
        }
      if (e->rank != want[k].rank || e->shape[0] != want[k].shape[0]
          || (e->rank == 2 && e->shape[1] != want[k].shape[1]))
        {
          GString *got = g_string_new (NULL), *need = g_string_new (NULL);
          shape_to_string (got, e->shape, e->rank);
          shape_to_string (need, want[k].shape, want[k].rank);
          CORRUPT ("%s is corrupt: tensor “%s” has shape %s but its network needs %s.", path,
                   want[k].name, got->str, need->str);
          g_string_free (got, TRUE);
          g_string_free (need, TRUE);
          goto fail;
        }
    }
  if (n_entries != n_want)
    for (int j = 0; j < n_entries; j++)
      {
        gboolean known = FALSE;
        for (int k = 0; k < n_want && !known; k++)
          known = want[k].src == &entries[j];
        if (!known)
          {
            CORRUPT ("%s is corrupt: tensor “%s” belongs to no layer of its network “%s”.",
                     path, entries[j].name, meta->spec);
            goto fail;
          }
      }

  /* Every tensor matches and they cover the data exactly, so the network's
   * parameters are as many bytes as the file holds: safe to allocate. */
  net = nn_network_new (spec, meta->in_shape, &local);
  if (net == NULL)
    {
      g_propagate_error (error, local);
      local = NULL;
      goto fail;
    }
  if (!locate_tensors (net, want, n_want, error))
    goto fail;
  for (int k = 0; k < n_want; k++)
    {
      const Entry *e = want[k].src;
      if (!read_at (fd, want[k].dst, (size_t) (e->end - e->begin), data_start + (guint64) e->begin))
        {
          int saved = errno;
          g_set_error (error, NN_ERROR, NN_ERROR_IO, "Could not read %s: %s.", path,
                       saved ? g_strerror (saved) : "the file got shorter while reading");
          goto fail;
        }
#if G_BYTE_ORDER != G_LITTLE_ENDIAN
      for (gint64 i = 0; i < (e->end - e->begin) / 4; i++)
        {
          guint32 u;
          memcpy (&u, want[k].dst + i, 4);
          u = GUINT32_FROM_LE (u);
          memcpy (want[k].dst + i, &u, 4);
        }
#endif
    }

  if (meta_out != NULL)
    *meta_out = g_steal_pointer (&meta);
  goto out;

fail:
  g_clear_pointer (&net, nn_network_free);
out:
  if (fd >= 0)
    close (fd);
  g_clear_error (&local);
  g_list_free (members);
  g_free (entries);
  g_free (want);
  g_free (infos);
  nn_net_spec_free (spec);
  if (parser != NULL)
    g_object_unref (parser);
  g_free (header);
  nn_model_meta_free (meta);
  return net;
}
