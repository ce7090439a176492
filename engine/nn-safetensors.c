/* nn-safetensors.c: the safetensors container (see the header).
 *
 * The header JSON is padded with spaces so the data starts at a multiple
 * of 8, as the reference writer does. Reading checks, in order: the length
 * prefix against the file and the cap, the header's text (UTF-8, nesting,
 * JSON, duplicate keys), __metadata__ (an object of strings), then each
 * tensor entry on its own and the entries together against the data
 * section. Only then may a caller read tensor data, and each read is of
 * exactly the bytes an entry was checked to own.
 */
#include "nn-safetensors.h"
#include "nn-save.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

/* A Backprop header is a few hundred bytes per tensor; the safetensors
 * reference reader refuses headers above 100 MB, and so do we. */
#define MAX_HEADER   ((guint64) 100 * 1000 * 1000)
/* A safetensors header nests three deep. */
#define MAX_DEPTH    16
/* Elements converted per write on big-endian machines. */
#define WRITE_CHUNK  16384

#define CORRUPT(...) g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT, __VA_ARGS__)

static const struct
{
  const char *name;
  int         size;
} dtypes[] = {
  [NN_DTYPE_F32] = { "F32", 4 },
  [NN_DTYPE_I64] = { "I64", 8 },
};

/* Strict JSON */

/* The deepest nesting of objects and arrays in @text, outside strings.
 * json-glib parses recursively, so a text of a million '[' would crash it. */
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

JsonParser *
nn_json_parse_strict (const char *text, gsize len, int max_depth, char **problem)
{
  JsonParser *parser;
  GError *local = NULL;
  guint64 n_parsed = 0;

  *problem = NULL;
  if (json_depth (text, len) > max_depth)
    {
      *problem = g_strdup_printf ("nests more than %d levels deep", max_depth);
      return NULL;
    }
  parser = json_parser_new ();
  g_signal_connect (parser, "object-member", G_CALLBACK (count_member_cb), &n_parsed);
  if (!json_parser_load_from_data (parser, text, (gssize) len, &local))
    {
      *problem = g_strdup_printf ("is not valid JSON (%s)", local->message);
      g_error_free (local);
    }
  else if (json_parser_get_root (parser) == NULL)
    *problem = g_strdup ("is not valid JSON (it is empty)");
  /* json-glib keeps the last of two members with the same name; a text
   * that says two things about one key is refused instead. */
  else if (n_parsed != count_members (json_parser_get_root (parser)))
    *problem = g_strdup ("names the same key twice");
  if (*problem != NULL)
    {
      g_signal_handlers_disconnect_by_data (parser, &n_parsed);
      g_object_unref (parser);
      return NULL;
    }
  g_signal_handlers_disconnect_by_data (parser, &n_parsed);
  return parser;
}

/* Reading */

struct _NnStFile
{
  char       *path;
  int         fd;
  guint64     data_start;
  JsonParser *parser;       /* owns the names and metadata strings */
  JsonObject *metadata;     /* borrowed from parser, or NULL */
  NnStTensor *tensors;      /* (n_tensors) sorted by offset */
  int         n_tensors;
  GHashTable *by_name;      /* name -> NnStTensor *, borrowed */
};

void
nn_st_close (NnStFile *f)
{
  if (f == NULL)
    return;
  if (f->fd >= 0)
    close (f->fd);
  g_clear_pointer (&f->by_name, g_hash_table_unref);
  g_free (f->tensors);
  g_clear_object (&f->parser);
  g_free (f->path);
  g_free (f);
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

void
nn_st_append_shape (GString *s, const gint64 *shape, int rank)
{
  g_string_append_c (s, '[');
  for (int i = 0; i < rank; i++)
    g_string_append_printf (s, i ? ", %" G_GINT64_FORMAT : "%" G_GINT64_FORMAT, shape[i]);
  g_string_append_c (s, ']');
}

/* Checks one tensor entry on its own and against a data section of
 * @data_size bytes. */
static gboolean
parse_entry (const char *path, const char *name, JsonNode *node, guint64 data_size,
             NnStTensor *e, GError **error)
{
  JsonObject *obj;
  JsonNode *dtype, *shape, *offsets;
  JsonArray *arr;
  guint64 count = 1, size;
  gboolean too_big = FALSE, has_zero = FALSE, known = FALSE;

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
  for (guint k = 0; k < G_N_ELEMENTS (dtypes) && !known; k++)
    if (strcmp (json_node_get_string (dtype), dtypes[k].name) == 0)
      {
        e->dtype = (NnDtype) k;
        known = TRUE;
      }
  if (!known)
    {
      CORRUPT ("%s holds tensor “%s” as %s, but only F32 and I64 tensors can be loaded.", path,
               name, json_node_get_string (dtype));
      return FALSE;
    }
  size = (guint64) dtypes[e->dtype].size;

  if (shape == NULL || !JSON_NODE_HOLDS_ARRAY (shape))
    {
      CORRUPT ("%s is corrupt: tensor “%s” has no shape list.", path, name);
      return FALSE;
    }
  arr = json_node_get_array (shape);
  if (json_array_get_length (arr) > NN_ST_MAX_RANK)
    {
      CORRUPT ("%s is corrupt: tensor “%s” has %u dimensions, more than %d.", path, name,
               json_array_get_length (arr), NN_ST_MAX_RANK);
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
      else if (too_big || count > (data_size / size) / (guint64) e->shape[d])
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
  if (too_big || (guint64) (e->end - e->begin) != count * size)
    {
      GString *s = g_string_new (NULL);
      nn_st_append_shape (s, e->shape, e->rank);
      CORRUPT ("%s is corrupt: tensor “%s” of shape %s spans %" G_GINT64_FORMAT
               " bytes, not %d for each of its elements.", path, name, s->str,
               e->end - e->begin, (int) size);
      g_string_free (s, TRUE);
      return FALSE;
    }
  e->count = (gint64) count;
  return TRUE;
}

static int
entry_cmp (gconstpointer a, gconstpointer b)
{
  const NnStTensor *x = a, *y = b;

  if (x->begin != y->begin)
    return x->begin < y->begin ? -1 : 1;
  return x->end < y->end ? -1 : x->end > y->end;
}

/* Safetensors requires the tensors to cover the data section exactly. */
static gboolean
check_coverage (const char *path, NnStTensor *entries, int n, guint64 data_size, GError **error)
{
  gint64 pos = 0;

  qsort (entries, n, sizeof (NnStTensor), entry_cmp);
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

/* __metadata__ is an object of strings, as safetensors requires. */
static gboolean
check_metadata (const char *path, JsonNode *node, JsonObject **metadata, GError **error)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      CORRUPT ("%s is corrupt: its __metadata__ is not an object.", path);
      return FALSE;
    }
  *metadata = json_node_get_object (node);
  json_object_iter_init (&iter, *metadata);
  while (json_object_iter_next (&iter, &key, &value))
    if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
      {
        CORRUPT ("%s is corrupt: its metadata “%s” is not a string.", path, key);
        return FALSE;
      }
  return TRUE;
}

NnStFile *
nn_st_open (const char *path, const char *kind, GError **error)
{
  NnStFile *f = NULL;
  JsonObject *root;
  GList *members = NULL;
  char *header = NULL, *problem = NULL;
  guint8 prefix[8];
  guint64 file_size, header_len = 0, data_size;

  if (path == NULL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT, "No %s was given.", kind);
      return NULL;
    }

  f = g_new0 (NnStFile, 1);
  f->path = g_strdup (path);
  f->fd = nn_open_regular (path, &file_size, error);
  if (f->fd < 0)
    goto fail;
  if (file_size == 0)
    {
      CORRUPT ("%s is empty, not a %s.", path, kind);
      goto fail;
    }
  if (file_size < 8 || !read_at (f->fd, prefix, 8, 0))
    {
      CORRUPT ("%s is too short to be a safetensors %s (%" G_GUINT64_FORMAT " bytes).",
               path, kind, file_size);
      goto fail;
    }
  for (int i = 7; i >= 0; i--)
    header_len = (header_len << 8) | prefix[i];
  if (header_len > MAX_HEADER)
    {
      CORRUPT ("%s is not a safetensors %s: it claims a header of %" G_GUINT64_FORMAT
               " bytes, more than the limit of 100 MB.", path, kind, header_len);
      goto fail;
    }
  if (header_len > file_size - 8)
    {
      CORRUPT ("%s is truncated: its header of %" G_GUINT64_FORMAT " bytes runs past the end "
               "of the file (%" G_GUINT64_FORMAT " bytes).", path, header_len, file_size);
      goto fail;
    }
  f->data_start = 8 + header_len;
  data_size = file_size - f->data_start;

  header = g_malloc (header_len + 1);
  if (!read_at (f->fd, header, header_len, 8))
    {
      int saved = errno;
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "Could not read %s: %s.", path,
                   saved ? g_strerror (saved) : "the file got shorter while reading");
      goto fail;
    }
  header[header_len] = '\0';
  if (!g_utf8_validate_len (header, header_len, NULL))
    {
      CORRUPT ("%s is not a safetensors %s: its header is not UTF-8 text.", path, kind);
      goto fail;
    }
  f->parser = nn_json_parse_strict (header, header_len, MAX_DEPTH, &problem);
  if (f->parser == NULL)
    {
      CORRUPT ("%s is not a safetensors %s: its header %s.", path, kind, problem);
      goto fail;
    }
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (f->parser)))
    {
      CORRUPT ("%s is not a safetensors %s: its header is not a JSON object.", path, kind);
      goto fail;
    }
  root = json_node_get_object (json_parser_get_root (f->parser));

  members = json_object_get_members (root);
  f->tensors = g_new0 (NnStTensor, g_list_length (members) + 1);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (root, name);

      if (strcmp (name, "__metadata__") == 0)
        {
          if (!check_metadata (path, node, &f->metadata, error))
            goto fail;
          continue;
        }
      if (!parse_entry (path, name, node, data_size, &f->tensors[f->n_tensors++], error))
        goto fail;
    }
  if (!check_coverage (path, f->tensors, f->n_tensors, data_size, error))
    goto fail;
  f->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  for (int k = 0; k < f->n_tensors; k++)
    g_hash_table_insert (f->by_name, (gpointer) f->tensors[k].name, &f->tensors[k]);

  g_list_free (members);
  g_free (header);
  return f;

fail:
  g_free (problem);
  g_list_free (members);
  g_free (header);
  nn_st_close (f);
  return NULL;
}

const char *
nn_st_get_path (const NnStFile *f)
{
  return f->path;
}

gboolean
nn_st_has_metadata (const NnStFile *f)
{
  return f->metadata != NULL;
}

const char *
nn_st_get_meta (const NnStFile *f, const char *key)
{
  JsonNode *node;

  if (f->metadata == NULL || (node = json_object_get_member (f->metadata, key)) == NULL)
    return NULL;
  return json_node_get_string (node);   /* checked to be a string when opened */
}

int
nn_st_get_n_tensors (const NnStFile *f)
{
  return f->n_tensors;
}

const NnStTensor *
nn_st_get_tensor (const NnStFile *f, int i)
{
  g_return_val_if_fail (i >= 0 && i < f->n_tensors, NULL);
  return &f->tensors[i];
}

const NnStTensor *
nn_st_find (const NnStFile *f, const char *name)
{
  return g_hash_table_lookup (f->by_name, name);
}

gboolean
nn_st_tensor_is (const NnStTensor *t, NnDtype dtype, int rank, const gint64 *shape)
{
  if (t == NULL || t->dtype != dtype || t->rank != rank)
    return FALSE;
  for (int d = 0; d < rank; d++)
    if (t->shape[d] != shape[d])
      return FALSE;
  return TRUE;
}

static gboolean
read_tensor (NnStFile *f, const NnStTensor *t, NnDtype dtype, void *dst, GError **error)
{
  g_return_val_if_fail (t->dtype == dtype, FALSE);
  if (!read_at (f->fd, dst, (size_t) (t->end - t->begin), f->data_start + (guint64) t->begin))
    {
      int saved = errno;
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "Could not read %s: %s.", f->path,
                   saved ? g_strerror (saved) : "the file got shorter while reading");
      return FALSE;
    }
#if G_BYTE_ORDER != G_LITTLE_ENDIAN
  for (gint64 i = 0; i < t->count; i++)
    {
      if (dtype == NN_DTYPE_F32)
        {
          guint32 u;
          memcpy (&u, (guint8 *) dst + 4 * i, 4);
          u = GUINT32_FROM_LE (u);
          memcpy ((guint8 *) dst + 4 * i, &u, 4);
        }
      else
        {
          guint64 u;
          memcpy (&u, (guint8 *) dst + 8 * i, 8);
          u = GUINT64_FROM_LE (u);
          memcpy ((guint8 *) dst + 8 * i, &u, 8);
        }
    }
#endif
  return TRUE;
}

gboolean
nn_st_read_f32 (NnStFile *f, const NnStTensor *t, float *dst, GError **error)
{
  return read_tensor (f, t, NN_DTYPE_F32, dst, error);
}

gboolean
nn_st_read_i64 (NnStFile *f, const NnStTensor *t, gint64 *dst, GError **error)
{
  return read_tensor (f, t, NN_DTYPE_I64, dst, error);
}

/* Writing */

typedef struct
{
  char        *name;
  NnDtype      dtype;
  int          rank;
  gint64       shape[NN_ST_MAX_RANK];
  gint64       count;
  const void  *data;
  void        *owned;   /* @data when the writer holds a copy, else NULL */
} Pending;

struct _NnStWriter
{
  GPtrArray *meta;      /* key, value, key, value, ... (owned) */
  GArray    *tensors;   /* Pending */
};

NnStWriter *
nn_st_writer_new (void)
{
  NnStWriter *w = g_new0 (NnStWriter, 1);

  w->meta = g_ptr_array_new_with_free_func (g_free);
  w->tensors = g_array_new (FALSE, TRUE, sizeof (Pending));
  return w;
}

void
nn_st_writer_free (NnStWriter *w)
{
  if (w == NULL)
    return;
  for (guint k = 0; k < w->tensors->len; k++)
    {
      g_free (g_array_index (w->tensors, Pending, k).name);
      g_free (g_array_index (w->tensors, Pending, k).owned);
    }
  g_array_unref (w->tensors);
  g_ptr_array_unref (w->meta);
  g_free (w);
}

void
nn_st_writer_add_meta (NnStWriter *w, const char *key, const char *value)
{
  g_ptr_array_add (w->meta, g_strdup (key));
  g_ptr_array_add (w->meta, g_strdup (value));
}

static Pending *
add_tensor (NnStWriter *w, const char *name, NnDtype dtype, const void *data, int rank,
            const gint64 *shape)
{
  Pending p = { g_strdup (name), dtype, rank, { 0 }, 1, data, NULL };

  g_return_val_if_fail (rank >= 0 && rank <= NN_ST_MAX_RANK, NULL);
  for (int d = 0; d < rank; d++)
    {
      p.shape[d] = shape[d];
      p.count *= shape[d];
    }
  g_array_append_val (w->tensors, p);
  return &g_array_index (w->tensors, Pending, w->tensors->len - 1);
}

void
nn_st_writer_add_f32 (NnStWriter *w, const char *name, const float *data, int rank,
                      const gint64 *shape)
{
  add_tensor (w, name, NN_DTYPE_F32, data, rank, shape);
}

void
nn_st_writer_add_i64 (NnStWriter *w, const char *name, const gint64 *data, int rank,
                      const gint64 *shape)
{
  add_tensor (w, name, NN_DTYPE_I64, data, rank, shape);
}

void
nn_st_writer_add_i64_copy (NnStWriter *w, const char *name, const gint64 *data, int rank,
                           const gint64 *shape)
{
  Pending *p = add_tensor (w, name, NN_DTYPE_I64, NULL, rank, shape);

  if (p == NULL)
    return;
  p->owned = g_memdup2 (data, MAX (p->count, 1) * sizeof (gint64));
  p->data = p->owned;
}

/* The JSON header, unpadded. */
static char *
build_header (const NnStWriter *w, gsize *length)
{
  JsonBuilder *b = json_builder_new ();
  JsonGenerator *gen = json_generator_new ();
  JsonNode *root;
  char *header;
  gint64 offset = 0;

  json_builder_begin_object (b);
  if (w->meta->len > 0)
    {
      json_builder_set_member_name (b, "__metadata__");
      json_builder_begin_object (b);
      for (guint k = 0; k + 1 < w->meta->len; k += 2)
        {
          json_builder_set_member_name (b, g_ptr_array_index (w->meta, k));
          json_builder_add_string_value (b, g_ptr_array_index (w->meta, k + 1));
        }
      json_builder_end_object (b);
    }
  for (guint k = 0; k < w->tensors->len; k++)
    {
      const Pending *p = &g_array_index (w->tensors, Pending, k);
      gint64 bytes = p->count * dtypes[p->dtype].size;

      json_builder_set_member_name (b, p->name);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "dtype");
      json_builder_add_string_value (b, dtypes[p->dtype].name);
      json_builder_set_member_name (b, "shape");
      json_builder_begin_array (b);
      for (int d = 0; d < p->rank; d++)
        json_builder_add_int_value (b, p->shape[d]);
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
  return header;
}

/* @p's data, little-endian, to @f. */
static gboolean
write_le (NnSaveFile *f, const Pending *p, GError **error)
{
  size_t size = (size_t) dtypes[p->dtype].size;
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  return nn_save_write (f, p->data, (size_t) p->count * size, error);
#else
  guint8 buf[WRITE_CHUNK * 8];
  const guint8 *src = p->data;
  size_t n = (size_t) p->count;

  while (n > 0)
    {
      size_t m = MIN (n, WRITE_CHUNK);
      for (size_t i = 0; i < m; i++)
        for (size_t b = 0; b < size; b++)
          buf[i * size + b] = src[i * size + size - 1 - b];
      if (!nn_save_write (f, buf, m * size, error))
        return FALSE;
      src += m * size;
      n -= m;
    }
  return TRUE;
#endif
}

gboolean
nn_st_writer_save (NnStWriter *w, const char *path, GError **error)
{
  char *header;
  gsize header_len = 0, padded;
  guint8 prefix[8];
  NnSaveFile *f;
  gboolean ok;

  header = build_header (w, &header_len);
  padded = (header_len + 7) & ~(gsize) 7;
  /* Spaces, as the format allows, so the data that follows is 8-byte aligned. */
  header = g_realloc (header, padded);
  memset (header + header_len, ' ', padded - header_len);
  for (int i = 0; i < 8; i++)
    prefix[i] = (guint8) ((guint64) padded >> (8 * i));

  /* nn-save.c checks what is at @path, writes beside it and renames over. */
  f = nn_save_begin (path, error);
  if (f == NULL)
    {
      g_free (header);
      return FALSE;
    }
  ok = nn_save_write (f, prefix, 8, error) && nn_save_write (f, header, padded, error);
  for (guint k = 0; ok && k < w->tensors->len; k++)
    ok = write_le (f, &g_array_index (w->tensors, Pending, k), error);
  g_free (header);
  if (ok)
    return nn_save_commit (f, error);
  nn_save_abort (f);
  return FALSE;
}
