/* test-model-file.c: safetensors model files (nn-model-file.h).
 *
 * Round trips of real networks, the exact header of a saved MNIST-sized
 * model and its byte layout, hand-made files with one thing wrong each,
 * every truncation of a valid file, random damage to a header, and saves
 * that fail part way without harming the file they were replacing.
 */
#include "nn-model-file.h"
#include "test-util.h"
#include "test-params.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

static char *tmp_root;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmp_root, name, NULL);
}

static NnNetwork *
make_net (const char *text, NnShape in, guint64 seed)
{
  GError *error = NULL;
  NnNetSpec *spec = nn_net_spec_parse (text, &error);
  NnNetwork *net;

  g_assert_no_error (error);
  net = nn_network_new (spec, in, &error);
  g_assert_no_error (error);
  nn_network_init (net, NN_INIT_AUTO, seed);
  /* Biases start at zero; make them non-zero so a lost bias shows. */
  for (int i = 0; i < nn_network_get_n_layers (net); i++)
    {
      float *b;
      int len;
      if (test_layer_params (net, i, NULL, NULL, &b, &len))
        for (int k = 0; k < len; k++)
          b[k] = 0.01f * (k + 1) * (i + 1);
    }
  nn_net_spec_free (spec);
  return net;
}

static guint8 *
read_all (const char *path, gsize *len)
{
  char *data = NULL;
  GError *error = NULL;

  g_assert_true (g_file_get_contents (path, &data, len, &error));
  g_assert_no_error (error);
  return (guint8 *) data;
}

static void
write_all (const char *path, const void *data, gsize len)
{
  GError *error = NULL;

  g_assert_true (g_file_set_contents (path, data, (gssize) len, &error));
  g_assert_no_error (error);
}

static guint64
le64 (const guint8 *p)
{
  guint64 v = 0;

  for (int i = 7; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

/* Loads @path expecting failure with @code; returns the message. */
static void
expect_error (const char *path, int code, const char *fragment)
{
  GError *error = NULL;
  NnModelMeta *meta = NULL;
  NnNetwork *net = nn_model_load (path, &meta, &error);

  g_assert_null (net);
  g_assert_null (meta);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  if (error->domain != NN_ERROR || error->code != code)
    g_error ("expected NN_ERROR code %d, got %s code %d: %s", code,
             g_quark_to_string (error->domain), error->code, error->message);
  /* One sentence naming the file. */
  g_assert_nonnull (strstr (error->message, path));
  g_assert_true (g_str_has_suffix (error->message, "."));
  if (fragment != NULL && strstr (error->message, fragment) == NULL)
    g_error ("message “%s” does not mention “%s”", error->message, fragment);
  g_error_free (error);
}

static void
assert_same_params (NnNetwork *a, NnNetwork *b)
{
  g_assert_cmpuint (nn_network_get_n_params (a), ==, nn_network_get_n_params (b));
  g_assert_cmpmem (nn_network_get_params (a), nn_network_get_n_params (a) * sizeof (float),
                   nn_network_get_params (b), nn_network_get_n_params (b) * sizeof (float));
}

static void
test_round_trip (void)
{
  const char *specs[] = {
    "dense:16,relu,dropout:0.25,dense:8,sigmoid,dense:3",
    "flatten,dense:12,leaky_relu:0.1,dense:5,softmax",
    "dense:7,tanh,dense:1",
    "sigmoid",  /* nothing to learn: a header and no data */
  };
  NnShape shapes[] = { nn_shape_1d (6), nn_shape_3d (2, 3, 4), nn_shape_3d (1, 5, 5),
                       nn_shape_1d (3) };

  for (guint t = 0; t < G_N_ELEMENTS (specs); t++)
    {
      char *path = tmp_path ("round-trip.safetensors");
      static const char *all_names[] = { "T-shirt/top", "Trouser", "Ankle \"boot\"", "Café ☕", "" };
      NnModelMeta *loaded_meta = NULL;
      NnNetwork *net = make_net (specs[t], shapes[t], 42 + t), *loaded;
      GError *error = NULL;
      size_t in = nn_network_get_in_size (net), out = nn_network_get_out_size (net);
      /* One name per output, as the reader insists. */
      char **names = g_new0 (char *, out + 1);
      NnModelMeta meta = { NULL, { 0 }, "fashion-mnist", "cross-entropy", names };
      int n = 37;
      float *x = g_new (float, n * in), *y1 = g_new (float, n * out), *y2 = g_new (float, n * out);
      char *spec_text = nn_net_spec_to_string (nn_network_get_spec (net));
      NnRng rng;

      for (size_t k = 0; k < out; k++)
        names[k] = g_strdup (all_names[k % G_N_ELEMENTS (all_names)]);
      g_assert_true (nn_model_save (path, net, &meta, &error));
      g_assert_no_error (error);
      loaded = nn_model_load (path, &loaded_meta, &error);
      g_assert_no_error (error);
      g_assert_nonnull (loaded);
      g_assert_nonnull (loaded_meta);

      g_assert_true (nn_net_spec_equal (nn_network_get_spec (net), nn_network_get_spec (loaded)));
      g_assert_true (nn_shape_equal (nn_network_get_in_shape (loaded), shapes[t]));
      assert_same_params (net, loaded);

      nn_rng_init (&rng, t, 1);
      for (size_t k = 0; k < n * in; k++)
        x[k] = nn_rng_range (&rng, -2, 2);
      g_assert_true (nn_network_predict (net, x, n, y1));
      g_assert_true (nn_network_predict (loaded, x, n, y2));
      g_assert_cmpmem (y1, n * out * sizeof (float), y2, n * out * sizeof (float));

      g_assert_cmpstr (loaded_meta->spec, ==, spec_text);
      g_assert_true (nn_shape_equal (loaded_meta->in_shape, shapes[t]));
      g_assert_cmpstr (loaded_meta->dataset, ==, "fashion-mnist");
      g_assert_cmpstr (loaded_meta->loss, ==, "cross-entropy");
      g_assert_nonnull (loaded_meta->class_names);
      g_assert_cmpstrv (loaded_meta->class_names, names);

      g_strfreev (names);
      nn_model_meta_free (loaded_meta);
      nn_network_free (loaded);
      nn_network_free (net);
      g_free (spec_text);
      g_free (x);
      g_free (y1);
      g_free (y2);
      g_free (path);
    }
}

/* Every kind of the registry, with its settings off their defaults and
 * followed by a dense layer, on a (C,H,W) input, survives a save and a
 * load: its spec, its parameter table, every float of its tensors (all set
 * at random, buffers too) and its outputs. Fails when a kind's settings are
 * lost in the spec text, when one of its tensors is not written or read
 * back, or when the model file refuses a kind. Nothing here names a kind:
 * a new one is tested by being registered. */
static void
test_round_trip_every_kind (void)
{
  for (int kind = 0; kind < NN_N_LAYER_KINDS; kind++)
    {
      const NnLayerOps *ops = nn_layer_ops ((NnLayerKind) kind);
      NnLayerSpec layer = nn_layer_spec_default ((NnLayerKind) kind);
      NnLayerSpec dense = nn_layer_spec_default (NN_LAYER_DENSE);
      g_autoptr(NnNetSpec) spec = nn_net_spec_new ();
      g_autofree char *path = tmp_path ("every-kind.safetensors");
      g_autofree char *spec_text = NULL;
      g_autoptr(NnModelMeta) meta = NULL;
      GError *error = NULL;
      /* Large enough for a window of each kind's middle settings. */
      NnShape in = nn_shape_3d (2, 12, 12);
      NnNetwork *net, *loaded;
      const NnParamInfo *ta, *tb;
      int na = 0, nb = 0, n = 5;
      float *p, x[5 * 2 * 12 * 12], y1[5 * 3], y2[5 * 3];
      NnRng rng;

      g_test_message ("%s", ops->name);
      for (int a = 0; a < ops->n_args; a++)
        g_assert_true (nn_layer_spec_set (&layer, ops->args[a].name,
                                          (ops->args[a].min + ops->args[a].ui_max) / 2));
      g_assert_true (nn_layer_spec_set (&dense, "units", 3));
      nn_net_spec_append (spec, &layer);
      nn_net_spec_append (spec, &dense);
      spec_text = nn_net_spec_to_string (spec);
      net = nn_network_new (spec, in, &error);
      g_assert_no_error (error);
      nn_network_init (net, NN_INIT_AUTO, 7 + kind);
      nn_rng_init (&rng, kind, 3);
      /* Every tensor something other than its start; a count a whole
       * number, and a buffer positive (a running variance is). */
      p = nn_network_get_params (net);
      ta = nn_network_get_param_table (net, &na);
      for (int t = 0; t < na; t++)
        for (size_t k = ta[t].offset; k < ta[t].offset + ta[t].size; k++)
          if (ta[t].dtype == NN_PARAM_I64)
            p[k] = (float) nn_rng_below (&rng, 1000);
          else if (ta[t].role == NN_PARAM_BUFFER)
            p[k] = nn_rng_range (&rng, 0.1f, 1);
          else
            p[k] = nn_rng_range (&rng, -1, 1);

      g_assert_true (nn_model_save (path, net, NULL, &error));
      g_assert_no_error (error);
      loaded = nn_model_load (path, &meta, &error);
      g_assert_no_error (error);
      g_assert_nonnull (loaded);

      g_assert_cmpstr (meta->spec, ==, spec_text);
      g_assert_true (nn_net_spec_equal (nn_network_get_spec (loaded), spec));
      ta = nn_network_get_param_table (net, &na);
      tb = nn_network_get_param_table (loaded, &nb);
      g_assert_cmpint (na, ==, nb);
      g_assert_cmpint (na, >=, 2);  /* at least the dense layer's */
      for (int k = 0; k < na; k++)
        {
          g_assert_cmpint (ta[k].layer, ==, tb[k].layer);
          g_assert_cmpstr (ta[k].name, ==, tb[k].name);
          g_assert_cmpint (ta[k].role, ==, tb[k].role);
          g_assert_cmpint (ta[k].dtype, ==, tb[k].dtype);
          g_assert_cmpint (ta[k].rank, ==, tb[k].rank);
          g_assert_cmpmem (ta[k].shape, sizeof ta[k].shape, tb[k].shape, sizeof tb[k].shape);
          g_assert_cmpuint (ta[k].offset, ==, tb[k].offset);
        }
      assert_same_params (net, loaded);

      for (size_t k = 0; k < G_N_ELEMENTS (x); k++)
        x[k] = nn_rng_range (&rng, -2, 2);
      g_assert_true (nn_network_predict (net, x, n, y1));
      g_assert_true (nn_network_predict (loaded, x, n, y2));
      g_assert_cmpmem (y1, sizeof y1, y2, sizeof y2);

      nn_network_free (loaded);
      nn_network_free (net);
    }
}

/* No metadata beyond what the network itself says; a NULL meta pointer. */
static void
test_round_trip_bare (void)
{
  char *path = tmp_path ("bare.safetensors");
  NnNetwork *net = make_net ("dense:4,relu,dense:2", nn_shape_1d (3), 7), *loaded;
  NnModelMeta *meta = NULL;
  GError *error = NULL;

  g_assert_true (nn_model_save (path, net, NULL, &error));
  g_assert_no_error (error);
  loaded = nn_model_load (path, &meta, &error);
  g_assert_no_error (error);
  assert_same_params (net, loaded);
  g_assert_cmpstr (meta->spec, ==, "dense:4,relu,dense:2");
  g_assert_null (meta->dataset);
  g_assert_null (meta->loss);
  g_assert_null (meta->class_names);
  nn_model_meta_free (meta);
  nn_network_free (loaded);

  /* Loading without asking for the metadata works too. */
  loaded = nn_model_load (path, NULL, &error);
  g_assert_no_error (error);
  assert_same_params (net, loaded);
  nn_network_free (loaded);

  /* Overwriting an existing model replaces it. */
  nn_network_init (net, NN_INIT_AUTO, 8);
  g_assert_true (nn_model_save (path, net, NULL, &error));
  loaded = nn_model_load (path, NULL, &error);
  g_assert_no_error (error);
  assert_same_params (net, loaded);
  nn_network_free (loaded);
  nn_network_free (net);
  g_free (path);
}

static void
assert_tensor (JsonObject *root, const char *name, gint64 rows, gint64 cols,
               gint64 begin, gint64 end)
{
  JsonObject *t;
  JsonArray *shape, *offsets;

  g_assert_true (json_object_has_member (root, name));
  t = json_object_get_object_member (root, name);
  g_assert_cmpstr (json_object_get_string_member (t, "dtype"), ==, "F32");
  shape = json_object_get_array_member (t, "shape");
  g_assert_cmpuint (json_array_get_length (shape), ==, cols < 0 ? 1 : 2);
  g_assert_cmpint (json_array_get_int_element (shape, 0), ==, rows);
  if (cols >= 0)
    g_assert_cmpint (json_array_get_int_element (shape, 1), ==, cols);
  offsets = json_object_get_array_member (t, "data_offsets");
  g_assert_cmpuint (json_array_get_length (offsets), ==, 2);
  g_assert_cmpint (json_array_get_int_element (offsets, 0), ==, begin);
  g_assert_cmpint (json_array_get_int_element (offsets, 1), ==, end);
}

/* The header and layout of the MNIST MLP, checked byte by byte as an
 * independent safetensors reader would see them. */
static void
test_header_layout (void)
{
  char *path = tmp_path ("mnist.safetensors");
  char *names[] = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", NULL };
  NnModelMeta meta = { NULL, { 0 }, "mnist", "cross-entropy", names };
  NnNetwork *net = make_net ("dense:128,relu,dense:64,relu,dense:10", nn_shape_3d (1, 28, 28), 1);
  GError *error = NULL;
  JsonParser *parser = json_parser_new ();
  JsonObject *root, *md;
  guint8 *file;
  gsize len;
  guint64 n;
  const gint64 w0 = 128 * 784 * 4, b0 = w0 + 128 * 4, w2 = b0 + 64 * 128 * 4, b2 = w2 + 64 * 4,
               w4 = b2 + 10 * 64 * 4, b4 = w4 + 10 * 4;
  const char *layer_tensors[][2] = { { "0.weight", "0.bias" }, { NULL, NULL },
                                     { "2.weight", "2.bias" }, { NULL, NULL },
                                     { "4.weight", "4.bias" } };

  g_assert_true (nn_model_save (path, net, &meta, &error));
  g_assert_no_error (error);
  file = read_all (path, &len);

  /* 8-byte little-endian length, a header padded to keep the data aligned. */
  g_assert_cmpuint (len, >=, 8);
  n = le64 (file);
  g_assert_cmpuint (n % 8, ==, 0);
  g_assert_cmpuint (8 + n + b4, ==, len);
  g_assert_cmpint (file[8], ==, '{');
  for (guint64 i = n; i > 0 && file[8 + i - 1] != '}'; i--)
    g_assert_cmpint (file[8 + i - 1], ==, ' ');

  g_assert_true (json_parser_load_from_data (parser, (char *) file + 8, (gssize) n, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpuint (json_object_get_size (root), ==, 7);
  assert_tensor (root, "0.weight", 128, 784, 0, w0);
  assert_tensor (root, "0.bias", 128, -1, w0, b0);
  assert_tensor (root, "2.weight", 64, 128, b0, w2);
  assert_tensor (root, "2.bias", 64, -1, w2, b2);
  assert_tensor (root, "4.weight", 10, 64, b2, w4);
  assert_tensor (root, "4.bias", 10, -1, w4, b4);

  md = json_object_get_object_member (root, "__metadata__");
  g_assert_nonnull (md);
  g_assert_cmpstr (json_object_get_string_member (md, "spec"), ==,
                   "dense:128,relu,dense:64,relu,dense:10");
  g_assert_cmpstr (json_object_get_string_member (md, "input_shape"), ==, "1,28,28");
  g_assert_cmpstr (json_object_get_string_member (md, "dataset"), ==, "mnist");
  g_assert_cmpstr (json_object_get_string_member (md, "loss"), ==, "cross-entropy");
  g_assert_cmpstr (json_object_get_string_member (md, "backprop_format_version"), ==, "1");
  g_assert_cmpstr (json_object_get_string_member (md, "class_names"), ==,
                   "[\"0\",\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"]");

  /* The data is each layer's parameters, as nn.Linear holds them. */
  for (int layer = 0; layer < 5; layer++)
    {
      float *w, *b;
      int w_shape[2], b_len;
      JsonArray *off;

      if (layer_tensors[layer][0] == NULL)
        {
          g_assert_false (test_layer_params (net, layer, &w, w_shape, &b, &b_len));
          continue;
        }
      g_assert_true (test_layer_params (net, layer, &w, w_shape, &b, &b_len));
      off = json_object_get_array_member (json_object_get_object_member (root, layer_tensors[layer][0]),
                                          "data_offsets");
      g_assert_cmpmem (file + 8 + n + json_array_get_int_element (off, 0),
                       (gsize) w_shape[0] * w_shape[1] * 4, w, (gsize) w_shape[0] * w_shape[1] * 4);
      off = json_object_get_array_member (json_object_get_object_member (root, layer_tensors[layer][1]),
                                          "data_offsets");
      g_assert_cmpmem (file + 8 + n + json_array_get_int_element (off, 0), (gsize) b_len * 4,
                       b, (gsize) b_len * 4);
    }

  g_object_unref (parser);
  g_free (file);
  nn_network_free (net);
  g_free (path);
}

/* A hand-made file for the network "dense:3,relu,dense:2" on 4 inputs:
 * 0.weight (3,4) [0,48), 0.bias (3) [48,60), 2.weight (2,3) [60,84),
 * 2.bias (2) [84,92). Data float k is k / 4. */
#define MD_BODY "\"spec\":\"dense:3,relu,dense:2\",\"input_shape\":\"4\""
#define MD "\"__metadata__\":{" MD_BODY "}"
#define T(name, dtype, shape, b, e) \
  "\"" name "\":{\"dtype\":\"" dtype "\",\"shape\":" shape ",\"data_offsets\":[" #b "," #e "]}"
#define W0 T ("0.weight", "F32", "[3,4]", 0, 48)
#define B0 T ("0.bias", "F32", "[3]", 48, 60)
#define W2 T ("2.weight", "F32", "[2,3]", 60, 84)
#define B2 T ("2.bias", "F32", "[2]", 84, 92)
#define GOOD "{" MD "," W0 "," B0 "," W2 "," B2 "}"

static char *
write_model (const char *name, const char *header, gsize data_bytes)
{
  char *path = tmp_path (name);
  gsize hlen = strlen (header), padded = (hlen + 7) & ~(gsize) 7;
  gsize len = 8 + padded + data_bytes;
  guint8 *buf = g_malloc0 (len);

  for (int i = 0; i < 8; i++)
    buf[i] = (guint8) ((guint64) padded >> (8 * i));
  memcpy (buf + 8, header, hlen);
  memset (buf + 8 + hlen, ' ', padded - hlen);
  for (gsize k = 0; k < data_bytes / 4; k++)
    {
      float f = k / 4.0f;
      guint32 u;
      memcpy (&u, &f, 4);
      u = GUINT32_TO_LE (u);
      memcpy (buf + 8 + padded + 4 * k, &u, 4);
    }
  write_all (path, buf, len);
  g_free (buf);
  return path;
}

/* The hand-made template is right, so each broken variant below fails for
 * the one thing it changes. */
static void
test_handmade_valid (void)
{
  char *path = write_model ("good.safetensors", GOOD, 92);
  char *reordered = write_model ("reordered.safetensors", "{" B2 "," W2 "," MD "," B0 "," W0 "}", 92);
  GError *error = NULL;
  NnModelMeta *meta = NULL;
  NnNetwork *net = nn_model_load (path, &meta, &error), *net2;
  float *w, *b;
  int w_shape[2], b_len;

  g_assert_no_error (error);
  g_assert_nonnull (net);
  g_assert_true (test_layer_params (net, 0, &w, w_shape, &b, &b_len));
  g_assert_cmpint (w_shape[0], ==, 3);
  g_assert_cmpint (w_shape[1], ==, 4);
  g_assert_cmpfloat (w[5], ==, 5 / 4.0f);
  g_assert_cmpfloat (b[2], ==, 14 / 4.0f);
  g_assert_true (test_layer_params (net, 2, &w, w_shape, &b, &b_len));
  g_assert_cmpfloat (w[0], ==, 15 / 4.0f);
  g_assert_cmpfloat (b[1], ==, 22 / 4.0f);
  g_assert_null (meta->dataset);

  net2 = nn_model_load (reordered, NULL, &error);
  g_assert_no_error (error);
  assert_same_params (net, net2);

  nn_network_free (net2);
  nn_network_free (net);
  nn_model_meta_free (meta);
  g_free (path);
  g_free (reordered);
}

typedef struct
{
  const char *name;
  const char *header;
  gsize       data_bytes;
  int         code;
  const char *fragment;  /* the message must mention this */
} Broken;

static const Broken broken[] = {
  { "garbage-json", "{\"__metadata__\": {\"spec\": ", 92, NN_ERROR_CORRUPT, "JSON" },
  { "not-object", "[1, 2, 3]", 92, NN_ERROR_CORRUPT, "object" },
  { "not-utf8", "{\"\xff\xfe\": 1}", 92, NN_ERROR_CORRUPT, "UTF-8" },
  { "wrong-dtype", "{" MD "," W0 "," T ("0.bias", "F16", "[3]", 48, 60) "," W2 "," B2 "}", 92,
    NN_ERROR_CORRUPT, "F16" },
  { "no-dtype", "{" MD "," W0 ",\"0.bias\":{\"shape\":[3],\"data_offsets\":[48,60]}," W2 "," B2 "}",
    92, NN_ERROR_CORRUPT, "0.bias" },
  { "entry-not-object", "{" MD "," W0 ",\"0.bias\":7," W2 "," B2 "}", 92, NN_ERROR_CORRUPT,
    "0.bias" },
  { "shape-float", "{" MD "," T ("0.weight", "F32", "[3.0,4]", 0, 48) "," B0 "," W2 "," B2 "}", 92,
    NN_ERROR_CORRUPT, "shape" },
  { "shape-negative", "{" MD "," T ("0.weight", "F32", "[-3,-4]", 0, 48) "," B0 "," W2 "," B2 "}",
    92, NN_ERROR_CORRUPT, "shape" },
  { "shape-not-list", "{" MD "," T ("0.weight", "F32", "12", 0, 48) "," B0 "," W2 "," B2 "}", 92,
    NN_ERROR_CORRUPT, "shape" },
  { "shape-huge", "{" MD "," T ("0.weight", "F32", "[4294967296,4294967296,16]", 0, 48) "," B0 ","
    W2 "," B2 "}", 92, NN_ERROR_CORRUPT, "0.weight" },
  { "offsets-out-of-range", "{" MD "," W0 "," B0 "," W2 "," T ("2.bias", "F32", "[2]", 88, 96) "}",
    92, NN_ERROR_CORRUPT, "2.bias" },
  { "offsets-reversed", "{" MD "," W0 "," T ("0.bias", "F32", "[3]", 60, 48) "," W2 "," B2 "}", 92,
    NN_ERROR_CORRUPT, "data_offsets" },
  { "offsets-negative", "{" MD "," W0 "," T ("0.bias", "F32", "[3]", -12, 0) "," W2 "," B2 "}", 92,
    NN_ERROR_CORRUPT, "data_offsets" },
  { "offsets-one", "{" MD "," W0 ",\"0.bias\":{\"dtype\":\"F32\",\"shape\":[3],"
    "\"data_offsets\":[48]}," W2 "," B2 "}", 92, NN_ERROR_CORRUPT, "data_offsets" },
  { "size-mismatch", "{" MD "," W0 "," T ("0.bias", "F32", "[4]", 48, 60) "," W2 "," B2 "}", 92,
    NN_ERROR_CORRUPT, "0.bias" },
  { "overlap", "{" MD "," W0 "," T ("0.bias", "F32", "[3]", 40, 52) "," W2 "," B2 "}", 92,
    NN_ERROR_CORRUPT, "overlap" },
  { "hole", "{" MD "," W0 "," B0 "," T ("2.weight", "F32", "[2,3]", 64, 88) ","
    T ("2.bias", "F32", "[2]", 88, 96) "}", 96, NN_ERROR_CORRUPT, "no tensor" },
  { "trailing-data", GOOD, 100, NN_ERROR_CORRUPT, "no tensor" },
  { "duplicate-tensor", "{" MD "," W0 "," B0 "," W2 "," B2 "," B2 "}", 92, NN_ERROR_CORRUPT,
    "twice" },
  { "duplicate-field", "{" MD "," W0 ",\"0.bias\":{\"dtype\":\"F32\",\"dtype\":\"F32\","
    "\"shape\":[3],\"data_offsets\":[48,60]}," W2 "," B2 "}", 92, NN_ERROR_CORRUPT, "twice" },
  { "missing-tensor", "{" MD "," W0 "," B0 "," W2 "}", 84, NN_ERROR_CORRUPT, "2.bias" },
  { "unexpected-tensor", "{" MD "," W0 "," B0 "," W2 "," B2 "," T ("1.weight", "F32", "[1]", 92, 96)
    "}", 96, NN_ERROR_CORRUPT, "1.weight" },
  { "shape-vs-spec", "{" MD "," T ("0.weight", "F32", "[4,3]", 0, 48) "," B0 "," W2 "," B2 "}", 92,
    NN_ERROR_CORRUPT, "[4, 3]" },
  { "rank-vs-spec", "{" MD "," T ("0.weight", "F32", "[12]", 0, 48) "," B0 "," W2 "," B2 "}", 92,
    NN_ERROR_CORRUPT, "0.weight" },
  { "spec-vs-tensors", "{\"__metadata__\":{\"spec\":\"dense:3,relu,dense:5\",\"input_shape\":\"4\"},"
    W0 "," B0 "," W2 "," B2 "}", 92, NN_ERROR_CORRUPT, "2.weight" },
  { "input-vs-tensors", "{\"__metadata__\":{\"spec\":\"dense:3,relu,dense:2\",\"input_shape\":\"5\"},"
    W0 "," B0 "," W2 "," B2 "}", 92, NN_ERROR_CORRUPT, "0.weight" },
  { "no-metadata", "{" W0 "," B0 "," W2 "," B2 "}", 92, NN_ERROR_CORRUPT, "__metadata__" },
  { "metadata-not-object", "{\"__metadata__\":\"dense:3\"," W0 "," B0 "," W2 "," B2 "}", 92,
    NN_ERROR_CORRUPT, "__metadata__" },
  { "no-spec", "{\"__metadata__\":{\"input_shape\":\"4\"}," W0 "," B0 "," W2 "," B2 "}", 92,
    NN_ERROR_CORRUPT, "spec" },
  { "no-input-shape", "{\"__metadata__\":{\"spec\":\"dense:3,relu,dense:2\"}," W0 "," B0 "," W2 ","
    B2 "}", 92, NN_ERROR_CORRUPT, "input_shape" },
  { "spec-not-string", "{\"__metadata__\":{\"spec\":3,\"input_shape\":\"4\"}," W0 "," B0 "," W2 ","
    B2 "}", 92, NN_ERROR_CORRUPT, "spec" },
  { "bad-spec", "{\"__metadata__\":{\"spec\":\"dense:3,banana\",\"input_shape\":\"4\"}," W0 "," B0
    "," W2 "," B2 "}", 92, NN_ERROR_CORRUPT, "banana" },
  { "bad-input-shape", "{\"__metadata__\":{\"spec\":\"dense:3,relu,dense:2\",\"input_shape\":\"0\"},"
    W0 "," B0 "," W2 "," B2 "}", 92, NN_ERROR_CORRUPT, "input shape" },
  { "huge-input-shape", "{\"__metadata__\":{\"spec\":\"flatten\",\"input_shape\":"
    "\"16777216,16777216,16777216\"}}", 0, NN_ERROR_CORRUPT, "input shape" },
  { "too-many-weights", "{\"__metadata__\":{\"spec\":\"dense:100000,dense:100000\","
    "\"input_shape\":\"4\"}," W0 "," B0 "," W2 "," B2 "}", 92, NN_ERROR_CORRUPT, "weights" },
  /* 400 MB of weights claimed by a 92-byte data section: refused before
   * the network is allocated. */
  { "spec-bigger-than-file", "{\"__metadata__\":{\"spec\":\"dense:10000,relu,dense:10000\","
    "\"input_shape\":\"4\"}," W0 "," B0 "," W2 "," B2 "}", 92, NN_ERROR_CORRUPT, "0.weight" },
  { "newer-version", "{\"__metadata__\":{" MD_BODY ",\"backprop_format_version\":\"2\"}," W0 ","
    B0 "," W2 "," B2 "}", 92, NN_ERROR_CORRUPT, "newer" },
  { "bad-class-names", "{\"__metadata__\":{" MD_BODY ",\"class_names\":\"[1,2]\"}," W0 "," B0 ","
    W2 "," B2 "}", 92, NN_ERROR_CORRUPT, "class names" },
  { "deep-class-names", "{\"__metadata__\":{" MD_BODY ",\"class_names\":\"[[[[[[[[[[[[[[[[[[[[[[[[[["
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}," W0 "," B0 "," W2 "," B2 "}", 92,
    NN_ERROR_CORRUPT, "class names" },
  { "unknown-loss", "{\"__metadata__\":{" MD_BODY ",\"loss\":\"hinge\"}," W0 "," B0 "," W2 "," B2
    "}", 92, NN_ERROR_CORRUPT, "hinge" },
  /* Class names are one per output: three (or one) for two outputs is a damaged file. */
  { "more-class-names", "{\"__metadata__\":{" MD_BODY ",\"class_names\":\"[\\\"a\\\",\\\"b\\\","
    "\\\"c\\\"]\"}," W0 "," B0 "," W2 "," B2 "}", 92, NN_ERROR_CORRUPT, "3 class names" },
  { "fewer-class-names", "{\"__metadata__\":{" MD_BODY ",\"class_names\":\"[\\\"a\\\"]\"}," W0 ","
    B0 "," W2 "," B2 "}", 92, NN_ERROR_CORRUPT, "1 class name" },
};

static void
test_broken (gconstpointer data)
{
  const Broken *b = data;
  char *name = g_strconcat (b->name, ".safetensors", NULL);
  char *path = write_model (name, b->header, b->data_bytes);

  expect_error (path, b->code, b->fragment);
  g_free (path);
  g_free (name);
}

static void
test_header_length (void)
{
  char *path = tmp_path ("length.safetensors");
  guint8 buf[64];
  char *dir = tmp_path ("a-directory");

  /* Empty, and shorter than the length prefix. */
  write_all (path, "", 0);
  expect_error (path, NN_ERROR_CORRUPT, "empty");
  write_all (path, "\x10\x00\x00", 3);
  expect_error (path, NN_ERROR_CORRUPT, "short");

  /* A length past the end of the file. */
  memset (buf, ' ', sizeof buf);
  memset (buf, 0, 8);
  buf[0] = 200;
  write_all (path, buf, sizeof buf);
  expect_error (path, NN_ERROR_CORRUPT, "truncated");

  /* An absurd length: refused before any allocation. */
  memset (buf, 0xff, 8);
  buf[7] = 0x7f;
  write_all (path, buf, sizeof buf);
  expect_error (path, NN_ERROR_CORRUPT, "100 MB");
  memset (buf, 0, 8);
  buf[3] = 0x40;  /* 1 GiB */
  write_all (path, buf, sizeof buf);
  expect_error (path, NN_ERROR_CORRUPT, "100 MB");

  /* Deep nesting, which would overflow a recursive parser's stack. */
  {
    gsize depth = 1000000, n = 8 + 5 + 2 * depth + 1, padded = (n + 7) & ~(gsize) 7;
    guint8 *deep = g_malloc (padded);

    memset (deep, ' ', padded);
    memcpy (deep + 8, "{\"a\":", 5);
    memset (deep + 13, '[', depth);
    memset (deep + 13 + depth, ']', depth);
    deep[13 + 2 * depth] = '}';
    for (int i = 0; i < 8; i++)
      deep[i] = (guint8) ((guint64) (padded - 8) >> (8 * i));
    write_all (path, deep, padded);
    expect_error (path, NN_ERROR_CORRUPT, "deep");
    g_free (deep);
  }

  /* A zero-length header is not JSON. */
  memset (buf, 0, 8);
  write_all (path, buf, 8);
  expect_error (path, NN_ERROR_CORRUPT, "JSON");

  /* Not there at all, and not a file. */
  g_remove (path);
  expect_error (path, NN_ERROR_NOT_FOUND, NULL);
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  expect_error (dir, NN_ERROR_IO, NULL);

  g_free (dir);
  g_free (path);
}

/* Every proper prefix of a valid file is refused with a clear error. */
static void
test_truncated (void)
{
  char *path = tmp_path ("whole.safetensors"), *cut = tmp_path ("cut.safetensors");
  NnModelMeta meta = { NULL, { 0 }, "xor", "mse", NULL };
  NnNetwork *net = make_net ("dense:3,tanh,dense:2", nn_shape_1d (2), 3);
  GError *error = NULL;
  guint8 *file;
  gsize len;

  g_assert_true (nn_model_save (path, net, &meta, &error));
  file = read_all (path, &len);
  for (gsize n = 0; n < len; n++)
    {
      NnNetwork *loaded;

      write_all (cut, file, n);
      loaded = nn_model_load (cut, NULL, &error);
      g_assert_null (loaded);
      g_assert_error (error, NN_ERROR, NN_ERROR_CORRUPT);
      g_clear_error (&error);
    }
  g_free (file);
  nn_network_free (net);
  g_free (path);
  g_free (cut);
}

/* Random damage to the header never crashes: either a clean error, or a
 * file that still reads as a consistent model. */
static void
test_damaged_header (void)
{
  char *path = tmp_path ("intact.safetensors"), *bad = tmp_path ("damaged.safetensors");
  NnNetwork *net = make_net ("dense:3,relu,dense:2", nn_shape_1d (4), 5);
  GError *error = NULL;
  guint8 *file;
  gsize len;
  guint64 n;
  NnRng rng;
  int failed = 0;

  g_assert_true (nn_model_save (path, net, NULL, &error));
  file = read_all (path, &len);
  n = le64 (file);
  nn_rng_init (&rng, 2024, 0);
  for (int trial = 0; trial < 400; trial++)
    {
      guint8 *copy = g_memdup2 (file, len);
      NnModelMeta *meta = NULL;
      NnNetwork *loaded;
      int hits = 1 + nn_rng_below (&rng, 3);

      for (int h = 0; h < hits; h++)
        copy[8 + nn_rng_below (&rng, (guint32) n)] = (guint8) nn_rng_below (&rng, 256);
      write_all (bad, copy, len);
      loaded = nn_model_load (bad, &meta, &error);
      g_assert_true ((loaded == NULL) == (error != NULL));
      g_assert_true ((loaded == NULL) == (meta == NULL));
      if (loaded == NULL)
        {
          g_assert_error (error, NN_ERROR, NN_ERROR_CORRUPT);
          failed++;
        }
      g_clear_error (&error);
      nn_model_meta_free (meta);
      nn_network_free (loaded);
      g_free (copy);
    }
  /* Most damage to a compact JSON header breaks it. */
  g_assert_cmpint (failed, >, 200);
  g_free (file);
  nn_network_free (net);
  g_free (path);
  g_free (bad);
}

static int
count_files (const char *dir_path)
{
  GDir *dir = g_dir_open (dir_path, 0, NULL);
  int n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  g_dir_close (dir);
  return n;
}

static void
test_save_fails (void)
{
  char *dir = tmp_path ("save-fails");
  char *path = g_build_filename (dir, "model.safetensors", NULL);
  char *missing = g_build_filename (dir, "no-such-dir", "model.safetensors", NULL);
  NnNetwork *small = make_net ("dense:3,relu,dense:2", nn_shape_1d (4), 11);
  NnNetwork *big = make_net ("dense:128,relu,dense:64,relu,dense:10", nn_shape_3d (1, 28, 28), 12);
  NnNetwork *loaded;
  GError *error = NULL;
  char *bad_names[] = { "ok", "\xff\xfe", NULL };
  NnModelMeta bad_meta = { NULL, { 0 }, NULL, NULL, bad_names };
  char *names3[] = { "a", "b", "c", NULL };
  NnModelMeta three_names = { NULL, { 0 }, NULL, NULL, names3 };
  gboolean ok;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  g_assert_true (nn_model_save (path, small, NULL, &error));
  g_assert_no_error (error);

  /* A folder that does not exist. */
  g_assert_false (nn_model_save (missing, small, NULL, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_IO);
  g_assert_nonnull (strstr (error->message, missing));
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* Metadata that cannot be written: refused before the file is touched. */
  g_assert_false (nn_model_save (path, small, &bad_meta, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (nn_model_save (path, small, &three_names, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* A write that fails part way (the file size limit stands in for a full
   * disk, and works for root too): the model being replaced survives and
   * no temporary file is left behind. */
  test_limit_file_size (64 * 1024);
  ok = nn_model_save (path, big, NULL, &error);
  test_limit_file_size (0);
  g_assert_false (ok);
  g_assert_error (error, NN_ERROR, NN_ERROR_IO);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_cmpint (count_files (dir), ==, 1);
  loaded = nn_model_load (path, NULL, &error);
  g_assert_no_error (error);
  assert_same_params (small, loaded);
  nn_network_free (loaded);

  /* A folder we may not write to, unless we are root (who may). */
  if (geteuid () != 0)
    {
      g_assert_cmpint (g_chmod (dir, 0500), ==, 0);
      g_assert_false (nn_model_save (path, big, NULL, &error));
      g_assert_error (error, NN_ERROR, NN_ERROR_IO);
      g_clear_error (&error);
      g_assert_cmpint (g_chmod (dir, 0700), ==, 0);
      loaded = nn_model_load (path, NULL, &error);
      g_assert_no_error (error);
      assert_same_params (small, loaded);
      nn_network_free (loaded);
    }

  nn_network_free (small);
  nn_network_free (big);
  g_free (missing);
  g_free (path);
  g_free (dir);
}

/* The model writer goes through nn-save.h: what is at the path decides. */
static void
test_save_onto (void)
{
  char *dir = tmp_path ("save-onto");
  char *fifo = g_build_filename (dir, "pipe.safetensors", NULL);
  char *real = g_build_filename (dir, "real.safetensors", NULL);
  char *link = g_build_filename (dir, "link.safetensors", NULL);
  NnNetwork *net = make_net ("dense:3,relu,dense:2", nn_shape_1d (4), 13);
  NnNetwork *loaded;
  GError *error = NULL;
  struct stat st;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_false (nn_model_save (fifo, net, NULL, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_NOT_REGULAR_FILE);
  g_clear_error (&error);
  g_assert_cmpint (g_lstat (fifo, &st), ==, 0);
  g_assert_true (S_ISFIFO (st.st_mode));
  /* Nor does loading from one wait for a writer. */
  test_guard_hang (10);
  g_assert_null (nn_model_load (fifo, NULL, &error));
  test_guard_hang (0);
  g_assert_error (error, NN_ERROR, NN_ERROR_IO);
  g_clear_error (&error);

  write_all (real, "old", 3);
  g_assert_cmpint (g_chmod (real, 0600), ==, 0);
  g_assert_cmpint (symlink ("real.safetensors", link), ==, 0);
  g_assert_true (nn_model_save (link, net, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_lstat (link, &st), ==, 0);
  g_assert_true (S_ISLNK (st.st_mode));
  g_assert_cmpint (g_stat (real, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
  loaded = nn_model_load (real, NULL, &error);
  g_assert_no_error (error);
  assert_same_params (net, loaded);
  g_assert_cmpint (count_files (dir), ==, 3);

  nn_network_free (loaded);
  nn_network_free (net);
  g_free (link);
  g_free (real);
  g_free (fifo);
  g_free (dir);
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  tmp_root = g_dir_make_tmp ("backprop-model-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/engine/model-file/round-trip", test_round_trip);
  g_test_add_func ("/engine/model-file/round-trip-bare", test_round_trip_bare);
  g_test_add_func ("/engine/model-file/round-trip-every-kind", test_round_trip_every_kind);
  g_test_add_func ("/engine/model-file/header-layout", test_header_layout);
  g_test_add_func ("/engine/model-file/handmade-valid", test_handmade_valid);
  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      char *test_path = g_strconcat ("/engine/model-file/broken/", broken[i].name, NULL);
      g_test_add_data_func (test_path, &broken[i], test_broken);
      g_free (test_path);
    }
  g_test_add_func ("/engine/model-file/header-length", test_header_length);
  g_test_add_func ("/engine/model-file/truncated", test_truncated);
  g_test_add_func ("/engine/model-file/damaged-header", test_damaged_header);
  g_test_add_func ("/engine/model-file/save-fails", test_save_fails);
  g_test_add_func ("/engine/model-file/save-onto", test_save_onto);

  status = g_test_run ();
  test_remove_tree (tmp_root);
  g_free (tmp_root);
  return status;
}
