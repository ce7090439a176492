/* test-cli.c: backprop-cli as other tools use it: exit status, one JSON
 * object per epoch, one clear sentence on stderr for every bad input. */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "test-util.h"

static char *tmpdir;

typedef struct
{
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *r)
{
  g_free (r->out);
  g_free (r->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static void
run_cli (Run *r, const char *first, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) envp = g_get_environ ();
  const char *cli = g_getenv ("BACKPROP_CLI");
  va_list args;
  int wait_status;

  g_assert_nonnull (cli);
  /* No user-wide datasets: the tests say where data is. */
  envp = g_environ_unsetenv (envp, "BACKPROP_DATA_DIR");
  envp = g_environ_setenv (envp, "XDG_DATA_HOME", tmpdir, TRUE);
  g_ptr_array_add (argv, (char *) cli);
  va_start (args, first);
  for (const char *a = first; a != NULL; a = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) a);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  memset (r, 0, sizeof *r);
  g_spawn_sync (NULL, (char **) argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL, &r->out, &r->err,
                &wait_status, &error);
  g_assert_no_error (error);
  r->status = g_spawn_check_wait_status (wait_status, NULL) ? 0 : WEXITSTATUS (wait_status);
  if (g_test_verbose ())
    g_printerr ("status %d\nstdout: %s\nstderr: %s\n", r->status, r->out, r->err);
}

/* A failure: non-zero, and the last stderr line is one sentence naming the problem. */
static void
assert_clear_failure (Run *r, const char *needle)
{
  g_auto(GStrv) lines = NULL;
  guint n;

  g_assert_cmpint (r->status, !=, 0);
  g_assert_cmpstr (r->out, ==, "");
  lines = g_strsplit (g_strchomp (r->err), "\n", -1);
  n = g_strv_length (lines);
  g_assert_cmpuint (n, >=, 1);
  g_assert_true (g_str_has_prefix (lines[n - 1], "backprop-cli: "));
  test_assert_sentence (lines[n - 1]);
  if (needle && !strstr (lines[n - 1], needle))
    g_error ("expected “%s” in “%s”", needle, lines[n - 1]);
}

/* (transfer full) @text, which must be exactly one JSON object and a newline. */
static JsonObject *
parse_json_line (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  g_assert_true (g_str_has_suffix (text, "}\n"));
  g_assert_null (strchr (text, '\n') + 1 == text + strlen (text) ? NULL : "more than one line");
  if (!json_parser_load_from_data (parser, text, -1, &error))
    g_error ("not JSON (%s): %s", error->message, text);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

static void
test_train_xor_json (void)
{
  g_auto(Run) r;
  g_auto(GStrv) lines = NULL;
  const char *keys[] = { "epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy",
                         "epoch_seconds", "samples_per_second" };
  guint n;

  run_cli (&r, "train", "--dataset", "xor", "--preset", "xor", "--json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  lines = g_strsplit (g_strchomp (r.out), "\n", -1);
  n = g_strv_length (lines);
  g_assert_cmpuint (n, ==, 200);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *obj;

      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, NULL));
      obj = json_node_get_object (json_parser_get_root (parser));
      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        g_assert_true (json_object_has_member (obj, keys[k]));
      g_assert_cmpint (json_object_get_int_member (obj, "epoch"), ==, i + 1);
      if (i == n - 1)
        g_assert_cmpfloat (json_object_get_double_member (obj, "test_accuracy"), ==, 1.0);
    }
}

static void
test_train_regression_json (void)
{
  g_auto(Run) r;
  g_auto(GStrv) lines = NULL;
  guint n;

  /* No validation rows: their regression metrics are null, not NaN
   * (which is not JSON). */
  run_cli (&r, "train", "--dataset", "regression", "--epochs", "2", "--json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  lines = g_strsplit (g_strchomp (r.out), "\n", -1);
  n = g_strv_length (lines);
  g_assert_cmpuint (n, ==, 2);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      JsonObject *obj;

      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      obj = json_node_get_object (json_parser_get_root (parser));
      g_assert_true (json_object_get_null_member (obj, "val_rmse"));
      g_assert_true (json_object_get_null_member (obj, "val_r2"));
      g_assert_cmpfloat (json_object_get_double_member (obj, "test_rmse"), >, 0.0);
    }
}

static char *
strip_timing (const char *json_lines)
{
  /* Everything but the timing fields must repeat exactly. */
  g_autoptr(GRegex) re = g_regex_new ("\"(epoch_seconds|samples_per_second)\":[^,}]*", 0, 0, NULL);
  return g_regex_replace_literal (re, json_lines, -1, 0, "", 0, NULL);
}

static void
test_same_seed_same_numbers (void)
{
  g_auto(Run) a;
  g_auto(Run) b;
  g_auto(Run) c;
  g_autofree char *sa = NULL, *sb = NULL, *sc = NULL;

  run_cli (&a, "train", "--dataset", "spiral", "--net", "dense:16,relu,dropout:0.2,dense:2",
           "--epochs", "5", "--seed", "3", "--json", NULL);
  run_cli (&b, "train", "--dataset", "spiral", "--net", "dense:16,relu,dropout:0.2,dense:2",
           "--epochs", "5", "--seed", "3", "--json", NULL);
  run_cli (&c, "train", "--dataset", "spiral", "--net", "dense:16,relu,dropout:0.2,dense:2",
           "--epochs", "5", "--seed", "4", "--json", NULL);
  g_assert_cmpint (a.status, ==, 0);
  sa = strip_timing (a.out);
  sb = strip_timing (b.out);
  sc = strip_timing (c.out);
  g_assert_cmpstr (sa, ==, sb);
  g_assert_cmpstr (sa, !=, sc);
}

static void
test_save_info_eval (void)
{
  g_autofree char *model = g_build_filename (tmpdir, "xor.safetensors", NULL);
  g_auto(Run) train;
  g_auto(Run) info;
  g_auto(Run) eval;

  run_cli (&train, "train", "--dataset", "xor", "--preset", "xor", "--save", model, NULL);
  g_assert_cmpint (train.status, ==, 0);
  g_assert_true (g_file_test (model, G_FILE_TEST_IS_REGULAR));

  run_cli (&info, "info", "--model", model, NULL);
  g_assert_cmpint (info.status, ==, 0);
  g_assert_nonnull (strstr (info.out, "dense:8,tanh,dense:2"));
  g_assert_nonnull (strstr (info.out, "0.weight [8, 2]"));
  g_assert_nonnull (strstr (info.out, "2.weight [2, 8]"));

  run_cli (&eval, "eval", "--model", model, "--dataset", "xor", "--json", NULL);
  g_assert_cmpint (eval.status, ==, 0);
  {
    g_autoptr(JsonObject) obj = parse_json_line (eval.out);
    g_assert_cmpfloat (json_object_get_double_member (obj, "test_accuracy"), ==, 1.0);
    g_assert_cmpint (json_object_get_int_member (obj, "correct"), ==, 4);
    g_assert_cmpint (json_object_get_int_member (obj, "samples"), ==, 4);
  }
}

/* A CNN's model file: info lists the nn.Flatten that PyTorch needs before
 * the dense layer and the spec leaves out, and names the tensors after
 * it by their index in the nn.Sequential; eval reads the file back. */
static void
test_cnn_info (void)
{
  g_autofree char *model = g_build_filename (tmpdir, "cnn.safetensors", NULL);
  const char *data = g_getenv ("BACKPROP_TEST_DATA");
  g_auto(Run) train;
  g_auto(Run) info;
  g_auto(Run) eval;

  run_cli (&train, "train", "--dataset", "mnist", "--data-dir", data, "--net",
           "conv:2:5:4,relu,dense:10", "--val-fraction", "0.9", "--epochs", "1", "--save", model,
           NULL);
  g_assert_cmpint (train.status, ==, 0);
  run_cli (&info, "info", "--model", model, NULL);
  g_assert_cmpint (info.status, ==, 0);
  g_assert_nonnull (strstr (info.out, "   0  nn.Conv2d(1, 2, kernel_size=5, stride=4) out 2×6×6"));
  g_assert_nonnull (strstr (info.out, "0.weight [2, 1, 5, 5]  0.bias [2]"));
  g_assert_nonnull (strstr (info.out, "   2  nn.Flatten()             out 72"));
  g_assert_nonnull (strstr (info.out, "   3  nn.Linear(72, 10)"));
  g_assert_nonnull (strstr (info.out, "3.weight [10, 72]  3.bias [10]"));
  run_cli (&eval, "eval", "--model", model, "--dataset", "mnist", "--data-dir", data, NULL);
  g_assert_cmpint (eval.status, ==, 0);
}

/* Batch norm in info: its PyTorch module, its buffers apart from the
 * weights, the count as int64; and eval uses its running statistics. */
static void
test_batchnorm_info (void)
{
  g_autofree char *model = g_build_filename (tmpdir, "bn.safetensors", NULL);
  g_auto(Run) train;
  g_auto(Run) info;
  g_auto(Run) eval;

  run_cli (&train, "train", "--dataset", "xor", "--net", "dense:8,batchnorm,tanh,dense:2",
           "--epochs", "3", "--batch", "2", "--save", model, NULL);
  g_assert_cmpint (train.status, ==, 0);
  g_assert_nonnull (strstr (train.err, "58 weights"));

  run_cli (&info, "info", "--model", model, NULL);
  g_assert_cmpint (info.status, ==, 0);
  g_assert_nonnull (strstr (info.out, "Weights:  58\n"));
  g_assert_nonnull (strstr (info.out, "Buffers:  17\n"));
  g_assert_nonnull (strstr (info.out, "nn.BatchNorm1d(8)"));
  g_assert_nonnull (strstr (info.out, "1.running_var [8] (buffer)"));
  g_assert_nonnull (strstr (info.out, "1.num_batches_tracked [] int64 (buffer)"));

  run_cli (&eval, "eval", "--model", model, "--dataset", "xor", "--json", NULL);
  g_assert_cmpint (eval.status, ==, 0);
}

/* A model whose outputs are NaN: eval --json still prints JSON, with null
 * (JSON has no NaN), as train --json does. */
static void
test_eval_json_nan (void)
{
  g_autofree char *model = g_build_filename (tmpdir, "nan.safetensors", NULL);
  g_autofree char *data = NULL;
  g_auto(Run) train;
  g_auto(Run) eval;
  gsize len = 0;
  guint64 header = 0;
  const guint32 nan_bits = GUINT32_TO_LE (0x7fc00000);

  run_cli (&train, "train", "--dataset", "xor", "--net", "dense:2", "--epochs", "1", "--save",
           model, NULL);
  g_assert_cmpint (train.status, ==, 0);
  /* Every weight NaN: the 8-byte header length, the header, then F32s. */
  g_assert_true (g_file_get_contents (model, &data, &len, NULL));
  for (int i = 0; i < 8; i++)
    header |= (guint64) (guint8) data[i] << (8 * i);
  g_assert_cmpuint (8 + header, <, len);
  for (gsize off = 8 + header; off + 4 <= len; off += 4)
    memcpy (data + off, &nan_bits, 4);
  g_assert_true (g_file_set_contents (model, data, (gssize) len, NULL));

  run_cli (&eval, "eval", "--model", model, "--dataset", "xor", "--json", NULL);
  g_assert_cmpint (eval.status, ==, 0);
  g_assert_null (strstr (eval.out, "nan"));
  {
    g_autoptr(JsonObject) obj = parse_json_line (eval.out);
    g_assert_true (json_object_has_member (obj, "test_loss"));
    g_assert_true (json_object_get_null_member (obj, "test_loss"));
    g_assert_cmpint (json_object_get_int_member (obj, "samples"), ==, 4);
  }
}

static void
test_bad_inputs (void)
{
  g_autofree char *junk = g_build_filename (tmpdir, "junk.safetensors", NULL);
  g_autofree char *csv = g_build_filename (tmpdir, "bad.csv", NULL);
  g_autofree char *csv_arg = g_strconcat ("csv:", csv, NULL);
  g_autofree char *missing = g_build_filename (tmpdir, "nowhere", NULL);
  g_autofree char *model = g_build_filename (tmpdir, "xor2.safetensors", NULL);

  g_assert_true (g_file_set_contents (junk, "\xff\xff\xff\xff\xff\xff\xff\x7fgarbage", 16, NULL));
  g_assert_true (g_file_set_contents (csv, "a,b,label\n1,2,0\n3,x,1\n", -1, NULL));

  {
    g_auto(Run) r;
    run_cli (&r, "train", "--dataset", "nosuchset", "--net", "dense:2", NULL);
    assert_clear_failure (&r, "nosuchset");
  }
  {
    g_auto(Run) r;
    run_cli (&r, "train", "--dataset", "xor", "--net", "dense:8,frobnicate,dense:2", NULL);
    assert_clear_failure (&r, "frobnicate");
    g_assert_cmpint (r.status, ==, 2);
  }
  {
    g_auto(Run) r;
    run_cli (&r, "train", "--dataset", "xor", "--net", "dense:8,relu,dense:3", NULL);
    assert_clear_failure (&r, "Layer 3");
  }
  {
    g_auto(Run) r;
    run_cli (&r, "train", "--dataset", "xor", "--net", "dense:2", "--lr", "-1", NULL);
    assert_clear_failure (&r, "learning rate");
  }
  {
    g_auto(Run) r;
    run_cli (&r, "train", "--dataset", "regression", "--net", "dense:64,relu,dense:64,relu,dense:1",
             "--optimizer", "sgd", "--lr", "500", "--epochs", "20", NULL);
    assert_clear_failure (&r, "diverged");
  }
  {
    g_auto(Run) r;
    run_cli (&r, "train", "--dataset", "mnist", "--data-dir", missing, "--preset", "mnist-mlp", NULL);
    assert_clear_failure (&r, missing);
  }
  {
    g_auto(Run) r;
    run_cli (&r, "train", "--dataset", csv_arg, "--net", "dense:2", NULL);
    assert_clear_failure (&r, "line 3");
  }
  {
    g_auto(Run) r;
    run_cli (&r, "train", "--net", "dense:2", NULL);
    assert_clear_failure (&r, "--dataset");
    g_assert_cmpint (r.status, ==, 2);
  }
  {
    /* Values that look like "not given" are still checked. */
    const char *bad[][3] = {
      { "--batch", "0", "batch size" },
      { "--lr", "nan", "learning rate" },
      { "--momentum", "nan", "Momentum" },
      { "--samples", "0", "--samples" },
      { "--noise", "-1", "--noise" },
    };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_auto(Run) r;
        run_cli (&r, "train", "--dataset", "spiral", "--optimizer", "momentum", "--epochs", "1",
                 bad[i][0], bad[i][1], NULL);
        assert_clear_failure (&r, bad[i][2]);
      }
  }
  {
    g_auto(Run) r;
    run_cli (&r, "train", "--dataset", "xor", "--batch", "many", NULL);
    assert_clear_failure (&r, NULL);
    g_assert_cmpint (r.status, ==, 2);
  }
  {
    /* An unknown dataset is the problem to report, not the missing --net. */
    g_auto(Run) r;
    run_cli (&r, "train", "--dataset", "nope", NULL);
    assert_clear_failure (&r, "no dataset named “nope”");
  }
  {
    g_auto(Run) r;
    run_cli (&r, "frobnicate", NULL);
    assert_clear_failure (&r, "frobnicate");
  }
  {
    g_auto(Run) r;
    run_cli (&r, "info", "--model", junk, NULL);
    assert_clear_failure (&r, "junk.safetensors");
  }
  {
    g_auto(Run) r;
    run_cli (&r, "eval", "--model", missing, "--dataset", "xor", NULL);
    assert_clear_failure (&r, "nowhere");
  }
  {
    /* A model that does not fit the data it is evaluated on. */
    g_auto(Run) t;
    g_auto(Run) r;
    run_cli (&t, "train", "--dataset", "xor", "--net", "dense:2", "--epochs", "1", "--save", model, NULL);
    g_assert_cmpint (t.status, ==, 0);
    run_cli (&r, "eval", "--model", model, "--dataset", "regression", NULL);
    assert_clear_failure (&r, "does not fit");
  }
  {
    /* A failed save leaves no half-written file and says why. */
    g_autofree char *bad_path = g_build_filename (missing, "sub", "m.safetensors", NULL);
    g_auto(Run) r;
    run_cli (&r, "train", "--dataset", "xor", "--net", "dense:2", "--epochs", "1", "--save", bad_path, NULL);
    g_assert_cmpint (r.status, !=, 0);
    g_assert_true (g_str_has_prefix (strrchr (g_strchomp (r.err), '\n') ? strrchr (r.err, '\n') + 1 : r.err,
                                     "backprop-cli: "));
  }
}

/* --save onto a FIFO: refused with a sentence before training starts, the
 * FIFO left as it was (and nothing hangs waiting for a reader); info --model on it
 * does not hang waiting for a writer. */
static void
test_save_onto_fifo (void)
{
  g_autofree char *fifo = g_build_filename (tmpdir, "pipe.safetensors", NULL);
  g_auto(Run) r;
  GStatBuf st;

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  run_cli (&r, "train", "--dataset", "xor", "--net", "dense:2", "--epochs", "1", "--save", fifo,
           NULL);
  assert_clear_failure (&r, "not a regular file");
  g_assert_nonnull (strstr (r.err, fifo));
  /* Refused before training, not after a run whose result is then lost. */
  g_assert_null (strstr (r.err, "Epoch"));
  g_assert_cmpint (g_lstat (fifo, &st), ==, 0);
  g_assert_true (S_ISFIFO (st.st_mode));

  /* Reading a model from it does not wait for a writer either. */
  {
    g_auto(Run) info;
    run_cli (&info, "info", "--model", fifo, NULL);
    assert_clear_failure (&info, "not a regular file");
  }
}

/* The value of the line "@key VALUE" of a bench's output, or NAN. */
static double
bench_value (const char *out, const char *key)
{
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
  size_t len = strlen (key);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], key) && lines[i][len] == ' ')
      return g_ascii_strtod (lines[i] + len + 1, NULL);
  return NAN;
}

/* bench trains the network --net gives, with momentum unless told
 * otherwise, and sets it against the floor of its own products. */
static void
test_bench (void)
{
  const char *data_dir = g_getenv ("BACKPROP_TEST_DATA");
  const char *keys[] = { "train_samples_per_second", "gemm_floor_samples_per_second",
                         "fraction_of_gemm_floor" };
  double rate, floor_rate;

  g_assert_nonnull (data_dir);
  {
    g_auto(Run) r;

    run_cli (&r, "bench", "--data-dir", data_dir, "--net", "dense:32,relu,dense:10",
             "--epochs", "2", "--batch", "128", NULL);
    g_assert_cmpint (r.status, ==, 0);
    g_assert_nonnull (strstr (r.err, "Training dense:32,relu,dense:10 on MNIST, batch 128, "
                                     "SGD with momentum"));
    for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
      g_assert_cmpfloat (bench_value (r.out, keys[k]), >, 0.0);
    rate = bench_value (r.out, "train_samples_per_second");
    floor_rate = bench_value (r.out, "gemm_floor_samples_per_second");
    g_assert_cmpfloat (fabs (bench_value (r.out, "fraction_of_gemm_floor") - rate / floor_rate),
                       <, 0.002);
    /* Training does more than its products: the floor is above it. */
    g_assert_cmpfloat (floor_rate, >, rate);
  }
  {
    g_auto(Run) r;

    run_cli (&r, "bench", "--data-dir", data_dir, "--net", "dense:16,relu,dense:10",
             "--optimizer", "adam", "--epochs", "1", "--keep-denormals", NULL);
    g_assert_cmpint (r.status, ==, 0);
    g_assert_nonnull (strstr (r.err, "batch 64, Adam"));
    g_assert_nonnull (strstr (r.err, "denormals kept"));
  }
  {
    g_auto(Run) r;

    run_cli (&r, "bench", "--data-dir", data_dir, "--net", "dense:0", NULL);
    assert_clear_failure (&r, "dense");
    g_assert_cmpint (r.status, ==, 2);
  }
  {
    g_auto(Run) r;

    run_cli (&r, "bench", "--data-dir", data_dir, "--optimizer", "rmsprop", NULL);
    assert_clear_failure (&r, "rmsprop");
    g_assert_cmpint (r.status, ==, 2);
  }
}

static void
test_help (void)
{
  g_auto(Run) r;
  g_auto(Run) t;

  run_cli (&r, "--help", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "train"));
  /* The program is named, not "(null)". */
  g_assert_null (strstr (r.out, "(null)"));
  g_assert_true (g_str_has_prefix (r.out, "Usage:\n  backprop-cli [OPTION…] COMMAND"));
  run_cli (&t, "train", "--help-all", NULL);
  g_assert_cmpint (t.status, ==, 0);
  g_assert_nonnull (strstr (t.out, "--val-fraction"));
  g_assert_null (strstr (t.out, "(null)"));
  g_assert_true (g_str_has_prefix (t.out, "Usage:\n  backprop-cli train [OPTION…]"));
}

/* The per-epoch JSON lines of @out, as objects. */
static GPtrArray *
json_lines (const char *out)
{
  GPtrArray *objs = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      {
        g_autofree char *line = g_strconcat (lines[i], "\n", NULL);
        g_ptr_array_add (objs, parse_json_line (line));
      }
  return objs;
}

/* Epoch @a of one run and @b of another gave the same numbers. */
static void
assert_same_epoch (JsonObject *a, JsonObject *b)
{
  const char *keys[] = { "epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy",
                         "test_loss", "test_accuracy" };

  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    {
      JsonNode *x = json_object_get_member (a, keys[k]), *y = json_object_get_member (b, keys[k]);
      g_assert_nonnull (x);
      g_assert_nonnull (y);
      g_assert_true (json_node_equal (x, y));
    }
}

/* 2 epochs with --checkpoint, then --resume to 4: the same numbers as 4
 * straight, and the project says so. */
static void
test_checkpoint_resume (void)
{
  g_autofree char *full = g_build_filename (tmpdir, "full.backprop", NULL);
  g_autofree char *part = g_build_filename (tmpdir, "part.backprop", NULL);
  g_autoptr(GPtrArray) a = NULL, b = NULL, c = NULL;
  g_auto(Run) straight;
  g_auto(Run) first;
  g_auto(Run) resumed;
  g_auto(Run) again;
  g_auto(Run) info;
  g_auto(Run) eval_full;
  g_auto(Run) eval_part;
  const char *args[] = { "--dataset", "spiral", "--net", "dense:16,relu,dropout:0.3,dense:2",
                         "--optimizer", "adam", "--lr", "0.01", "--batch", "16",
                         "--val-fraction", "0.2", "--seed", "5" };

  run_cli (&straight, "train", args[0], args[1], args[2], args[3], args[4], args[5], args[6],
           args[7], args[8], args[9], args[10], args[11], args[12], args[13], "--epochs", "4",
           "--json", "--checkpoint", full, NULL);
  g_assert_cmpint (straight.status, ==, 0);
  run_cli (&first, "train", args[0], args[1], args[2], args[3], args[4], args[5], args[6],
           args[7], args[8], args[9], args[10], args[11], args[12], args[13], "--epochs", "2",
           "--json", "--checkpoint", part, NULL);
  g_assert_cmpint (first.status, ==, 0);
  run_cli (&resumed, "train", "--resume", part, "--epochs", "4", "--json", NULL);
  g_assert_cmpint (resumed.status, ==, 0);
  g_assert_nonnull (strstr (resumed.err, "Continuing"));

  a = json_lines (straight.out);
  b = json_lines (first.out);
  c = json_lines (resumed.out);
  g_assert_cmpuint (a->len, ==, 4);
  g_assert_cmpuint (b->len, ==, 2);
  g_assert_cmpuint (c->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      assert_same_epoch (g_ptr_array_index (a, i), g_ptr_array_index (b, i));
      assert_same_epoch (g_ptr_array_index (a, i + 2), g_ptr_array_index (c, i));
    }

  /* Nothing left to do is said, and is no failure. */
  run_cli (&again, "train", "--resume", part, NULL);
  g_assert_cmpint (again.status, ==, 0);
  g_assert_cmpstr (again.out, ==, "");
  g_assert_nonnull (strstr (again.err, "trained 4 epochs already"));

  run_cli (&info, "info", part, NULL);
  g_assert_cmpint (info.status, ==, 0);
  g_assert_nonnull (strstr (info.out, "dense:16,relu,dropout:0.3,dense:2"));
  g_assert_nonnull (strstr (info.out, "Runs:     1"));
  g_assert_nonnull (strstr (info.out, "finished, 4 of 4 epochs, best test accuracy"));

  /* The project is a model file too, with the same final weights. */
  run_cli (&eval_full, "eval", "--model", full, "--dataset", "spiral", "--json", NULL);
  run_cli (&eval_part, "eval", "--model", part, "--dataset", "spiral", "--json", NULL);
  g_assert_cmpint (eval_full.status, ==, 0);
  g_assert_cmpint (eval_part.status, ==, 0);
  g_assert_cmpstr (eval_full.out, ==, eval_part.out);
}

/* --checkpoint onto an existing project adds a run; onto anything else it
 * refuses before training and leaves the file alone. */
static void
test_checkpoint_existing (void)
{
  g_autofree char *project = g_build_filename (tmpdir, "two-runs.backprop", NULL);
  g_autofree char *model = g_build_filename (tmpdir, "keep.safetensors", NULL);
  g_autofree char *before = NULL, *after = NULL;
  g_auto(Run) one;
  g_auto(Run) two;
  g_auto(Run) info;
  g_auto(Run) save;
  g_auto(Run) onto_model;

  run_cli (&one, "train", "--dataset", "xor", "--preset", "xor", "--epochs", "3", "--checkpoint",
           project, NULL);
  g_assert_cmpint (one.status, ==, 0);
  run_cli (&two, "train", "--dataset", "circles", "--net", "dense:4,relu,dense:2", "--epochs",
           "2", "--checkpoint", project, NULL);
  g_assert_cmpint (two.status, ==, 0);
  run_cli (&info, "info", project, NULL);
  g_assert_cmpint (info.status, ==, 0);
  g_assert_nonnull (strstr (info.out, "Runs:     2"));
  g_assert_nonnull (strstr (info.out, "Run 1: finished, 3 of 3 epochs"));
  g_assert_nonnull (strstr (info.out, "Run 2: finished, 2 of 2 epochs"));
  g_assert_nonnull (strstr (info.out, "dense:4,relu,dense:2 on circles"));

  run_cli (&save, "train", "--dataset", "xor", "--preset", "xor", "--epochs", "1", "--save",
           model, NULL);
  g_assert_cmpint (save.status, ==, 0);
  g_assert_true (g_file_get_contents (model, &before, NULL, NULL));
  run_cli (&onto_model, "train", "--dataset", "xor", "--preset", "xor", "--epochs", "1",
           "--checkpoint", model, NULL);
  assert_clear_failure (&onto_model, "not a Backprop project");
  g_assert_true (g_file_get_contents (model, &after, NULL, NULL));
  g_assert_cmpstr (before, ==, after);
}

/* --init-from: the model's weights are where the run starts; a network
 * that is not the model's is refused in a sentence. */
static void
test_init_from (void)
{
  g_autofree char *model = g_build_filename (tmpdir, "init.safetensors", NULL);
  g_autofree char *copy = g_build_filename (tmpdir, "init-copy.safetensors", NULL);
  g_auto(Run) train;
  g_auto(Run) zero;
  g_auto(Run) eval_model;
  g_auto(Run) eval_copy;
  g_auto(Run) more;
  g_auto(Run) wrong;

  run_cli (&train, "train", "--dataset", "circles", "--net", "dense:8,tanh,dense:2", "--epochs",
           "3", "--save", model, NULL);
  g_assert_cmpint (train.status, ==, 0);
  /* Zero epochs from the model: what is saved is the model itself. */
  run_cli (&zero, "train", "--dataset", "circles", "--init-from", model, "--epochs", "0",
           "--save", copy, NULL);
  g_assert_cmpint (zero.status, ==, 0);
  run_cli (&eval_model, "eval", "--model", model, "--dataset", "circles", "--json", NULL);
  run_cli (&eval_copy, "eval", "--model", copy, "--dataset", "circles", "--json", NULL);
  g_assert_cmpstr (eval_model.out, ==, eval_copy.out);

  run_cli (&more, "train", "--dataset", "circles", "--net", "dense:8,tanh,dense:2", "--init-from",
           model, "--epochs", "1", "--json", NULL);
  g_assert_cmpint (more.status, ==, 0);

  run_cli (&wrong, "train", "--dataset", "circles", "--net", "dense:9,tanh,dense:2", "--init-from",
           model, "--epochs", "1", NULL);
  assert_clear_failure (&wrong, "holds the network “dense:8,tanh,dense:2”");
}

/* What --resume refuses, each with one sentence. */
static void
test_resume_refused (void)
{
  g_autofree char *project = g_build_filename (tmpdir, "refuse.backprop", NULL);
  g_autofree char *csv = g_build_filename (tmpdir, "rows.csv", NULL);
  g_autofree char *csv_project = g_build_filename (tmpdir, "csv.backprop", NULL);
  g_autofree char *csv_arg = g_strconcat ("csv:", csv, NULL);
  g_autofree char *missing = g_build_filename (tmpdir, "missing.backprop", NULL);
  g_autofree char *garbage = g_build_filename (tmpdir, "garbage.backprop", NULL);
  g_autoptr(GString) rows = g_string_new ("a,b,label\n");
  g_auto(Run) make;
  g_auto(Run) net;
  g_auto(Run) none;
  g_auto(Run) bad;
  g_auto(Run) csv_train;
  g_auto(Run) csv_changed;

  run_cli (&make, "train", "--dataset", "xor", "--preset", "xor", "--epochs", "2", "--checkpoint",
           project, NULL);
  g_assert_cmpint (make.status, ==, 0);
  run_cli (&net, "train", "--resume", project, "--net", "dense:3", NULL);
  assert_clear_failure (&net, "--net cannot be given");
  g_assert_cmpint (net.status, ==, 2);
  run_cli (&none, "train", "--resume", missing, NULL);
  assert_clear_failure (&none, missing);
  g_assert_true (g_file_set_contents (garbage, "not a project at all", -1, NULL));
  run_cli (&bad, "train", "--resume", garbage, NULL);
  assert_clear_failure (&bad, garbage);

  /* A CSV that changed after the checkpoint: not silently other rows. */
  for (int i = 0; i < 40; i++)
    g_string_append_printf (rows, "%d,%d,%d\n", i % 7, i % 5, i % 2);
  g_assert_true (g_file_set_contents (csv, rows->str, -1, NULL));
  run_cli (&csv_train, "train", "--dataset", csv_arg, "--net", "dense:4,relu,dense:2", "--epochs",
           "1", "--checkpoint", csv_project, NULL);
  g_assert_cmpint (csv_train.status, ==, 0);
  g_string_append (rows, "1,1,1\n");
  g_assert_true (g_file_set_contents (csv, rows->str, -1, NULL));
  run_cli (&csv_changed, "train", "--resume", csv_project, "--epochs", "2", NULL);
  assert_clear_failure (&csv_changed, "has changed since the project was saved");
}

int
main (int argc, char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("backprop-cli-XXXXXX", NULL);
  g_test_add_func ("/cli/train/xor-json", test_train_xor_json);
  g_test_add_func ("/cli/train/regression-json", test_train_regression_json);
  g_test_add_func ("/cli/train/same-seed", test_same_seed_same_numbers);
  g_test_add_func ("/cli/save-info-eval", test_save_info_eval);
  g_test_add_func ("/cli/cnn-info", test_cnn_info);
  g_test_add_func ("/cli/batchnorm-info", test_batchnorm_info);
  g_test_add_func ("/cli/eval-json-nan", test_eval_json_nan);
  g_test_add_func ("/cli/bad-inputs", test_bad_inputs);
  g_test_add_func ("/cli/help", test_help);
  g_test_add_func ("/cli/bench", test_bench);
  g_test_add_func ("/cli/save-onto-fifo", test_save_onto_fifo);
  g_test_add_func ("/cli/checkpoint-resume", test_checkpoint_resume);
  g_test_add_func ("/cli/checkpoint-existing", test_checkpoint_existing);
  g_test_add_func ("/cli/init-from", test_init_from);
  g_test_add_func ("/cli/resume-refused", test_resume_refused);
  status = g_test_run ();
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmpdir);
    (void) !system (cmd);
  }
  return status;
}
