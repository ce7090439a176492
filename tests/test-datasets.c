/* test-datasets.c: the engine's datasets (nn-dataset.h).
 *
 * Generated sets, IDX files made here (raw and gzip, valid and broken), CSV
 * files made here, the dataset finder, the validation split, and the real
 * MNIST and Fashion-MNIST files from $BACKPROP_TEST_DATA.
 */
#include "nn-dataset.h"
#include "test-util.h"

#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <zlib.h>

static char *tmp_root;   /* removed at the end */
static char *user_data;  /* $XDG_DATA_HOME for this process */

/* A fresh folder under tmp_root. */
static char *
new_dir (const char *name)
{
  static int counter;
  char *dir = g_strdup_printf ("%s/%s-%d", tmp_root, name, counter++);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  return dir;
}

static void
put_be32 (GByteArray *b, guint32 v)
{
  guint8 bytes[4] = { v >> 24, v >> 16, v >> 8, v };
  g_byte_array_append (b, bytes, 4);
}

static void
write_file (const char *path, const guint8 *data, size_t len, gboolean gz)
{
  if (gz)
    {
      gzFile f = gzopen (path, "wb");
      g_assert_nonnull (f);
      if (len > 0)
        g_assert_cmpint (gzwrite (f, data, (unsigned) len), ==, (int) len);
      g_assert_cmpint (gzclose (f), ==, Z_OK);
    }
  else
    g_assert_true (g_file_set_contents (path, (const char *) data, (gssize) len, NULL));
}

/* An image file: n images of rows×cols, pixel (i, k) = (7 i + k) mod 256;
 * @claim replaces n in the header, @extra bytes are appended. */
static GByteArray *
image_bytes (guint32 magic, guint32 claim, int n, int rows, int cols, int extra)
{
  GByteArray *b = g_byte_array_new ();

  put_be32 (b, magic);
  put_be32 (b, claim);
  put_be32 (b, rows);
  put_be32 (b, cols);
  for (int i = 0; i < n; i++)
    for (int k = 0; k < rows * cols; k++)
      {
        guint8 v = (guint8) ((7 * i + k) & 0xff);
        g_byte_array_append (b, &v, 1);
      }
  for (int k = 0; k < extra; k++)
    {
      guint8 v = 0xab;
      g_byte_array_append (b, &v, 1);
    }
  return b;
}

static GByteArray *
label_bytes (guint32 claim, int n)
{
  GByteArray *b = g_byte_array_new ();

  put_be32 (b, 0x00000801);
  put_be32 (b, claim);
  for (int i = 0; i < n; i++)
    {
      guint8 v = (guint8) ((3 * i + 1) % 10);
      g_byte_array_append (b, &v, 1);
    }
  return b;
}

static char *
write_images (const char *dir, const char *name, gboolean gz, guint32 magic, guint32 claim,
              int n, int rows, int cols, int extra)
{
  GByteArray *b = image_bytes (magic, claim, n, rows, cols, extra);
  char *path = g_build_filename (dir, name, NULL);

  write_file (path, b->data, b->len, gz);
  g_byte_array_unref (b);
  return path;
}

static char *
write_labels (const char *dir, const char *name, gboolean gz, guint32 claim, int n)
{
  GByteArray *b = label_bytes (claim, n);
  char *path = g_build_filename (dir, name, NULL);

  write_file (path, b->data, b->len, gz);
  g_byte_array_unref (b);
  return path;
}

/* The four files of an MNIST-like set in @dir. */
static void
write_idx_set (const char *dir, int n_train, int n_train_labels, int n_test, gboolean gz)
{
  const char *sfx = gz ? ".gz" : "";
  char *names[4] = {
    g_strconcat ("train-images-idx3-ubyte", sfx, NULL),
    g_strconcat ("train-labels-idx1-ubyte", sfx, NULL),
    g_strconcat ("t10k-images-idx3-ubyte", sfx, NULL),
    g_strconcat ("t10k-labels-idx1-ubyte", sfx, NULL),
  };

  g_free (write_images (dir, names[0], gz, 0x803, n_train, n_train, 28, 28, 0));
  g_free (write_labels (dir, names[1], gz, n_train_labels, n_train_labels));
  g_free (write_images (dir, names[2], gz, 0x803, n_test, n_test, 28, 28, 0));
  g_free (write_labels (dir, names[3], gz, n_test, n_test));
  for (int i = 0; i < 4; i++)
    g_free (names[i]);
}

static void
assert_error_names (GError *error, int code, const char *needle)
{
  g_assert_nonnull (error);
  g_assert_true (error->domain == NN_ERROR);
  if (error->code != code || (needle && strstr (error->message, needle) == NULL))
    g_error ("unexpected error (code %d, wanted %d, wanted ‘%s’ in it): %s",
             error->code, code, needle ? needle : "", error->message);
  g_test_message ("error as expected: %s", error->message);
}

static NnData *
load_toy (const char *name, guint64 seed, int n_samples, float noise)
{
  NnDataOptions opts;
  GError *error = NULL;
  NnData *data;

  nn_data_options_init (&opts);
  opts.seed = seed;
  opts.n_samples = n_samples;
  opts.noise = noise;
  data = nn_data_load (name, &opts, &error);
  g_assert_no_error (error);
  g_assert_nonnull (data);
  return data;
}

/* ---- generated sets ---- */

static void
test_xor (void)
{
  static const float points[4][2] = { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } };
  static const gint32 labels[4] = { 0, 1, 1, 0 };
  NnData *data = load_toy ("xor", 7, 1000, 0.5f);

  g_assert_true (nn_data_is_generated ("xor"));
  for (int s = 0; s < 2; s++)
    {
      const NnDataset *ds = s ? data->test : data->train;
      g_assert_cmpint (ds->n, ==, 4);
      g_assert_cmpint (ds->task, ==, NN_TASK_CLASSIFICATION);
      g_assert_cmpint (ds->n_classes, ==, 2);
      g_assert_true (nn_shape_equal (ds->shape, nn_shape_1d (2)));
      g_assert_null (ds->bytes);
      for (int i = 0; i < 4; i++)
        {
          g_assert_cmpfloat (ds->floats[2 * i], ==, points[i][0]);
          g_assert_cmpfloat (ds->floats[2 * i + 1], ==, points[i][1]);
          g_assert_cmpint (ds->labels[i], ==, labels[i]);
        }
    }
  g_assert_cmpint (data->n_train, ==, 4);
  g_assert_cmpint (data->n_val, ==, 0);
  g_assert_cmpstr (data->class_names[1], ==, "1");
  g_assert_null (data->class_names[2]);
  g_assert_cmpfloat (data->xmin, <, 0.0f);
  g_assert_cmpfloat (data->xmax, >, 1.0f);
  g_assert_null (data->source);
  nn_data_unref (data);
}

static gboolean
same_set (const NnDataset *a, const NnDataset *b)
{
  size_t size = nn_dataset_size (a);

  if (a->n != b->n || memcmp (a->floats, b->floats, a->n * size * sizeof (float)) != 0)
    return FALSE;
  if (a->labels)
    return memcmp (a->labels, b->labels, a->n * sizeof (gint32)) == 0;
  return memcmp (a->targets, b->targets, a->n * sizeof (float)) == 0;
}

static void
test_toy_classes (gconstpointer name)
{
  NnData *a = load_toy (name, 3, 0, -1.0f);
  NnData *b = load_toy (name, 3, 0, -1.0f);
  NnData *c = load_toy (name, 4, 0, -1.0f);
  NnData *small = load_toy (name, 3, 50, 0.0f);
  int count[2] = { 0, 0 }, inside = 0;

  g_assert_cmpint (a->train->n, ==, 400);
  g_assert_cmpint (a->test->n, ==, 200);
  g_assert_cmpint (a->train->n_classes, ==, 2);
  g_assert_cmpint (nn_dataset_n_outputs (a->train), ==, 2);
  g_assert_cmpint (nn_dataset_size (a->train), ==, 2);
  g_assert_nonnull (a->class_names);
  g_assert_cmpfloat (a->xmin, <, a->xmax);
  g_assert_cmpfloat (a->ymin, <, a->ymax);
  for (int i = 0; i < a->train->n; i++)
    {
      float x = a->train->floats[2 * i], y = a->train->floats[2 * i + 1];
      g_assert_true (a->train->labels[i] == 0 || a->train->labels[i] == 1);
      count[a->train->labels[i]]++;
      g_assert_true (isfinite (x) && isfinite (y));
      inside += x > a->xmin && x < a->xmax && y > a->ymin && y < a->ymax;
    }
  g_assert_cmpint (count[0], ==, 200);
  g_assert_cmpint (count[1], ==, 200);
  g_assert_cmpint (inside, >=, 396);

  /* Same seed, same points; another seed, other points; test differs from train. */
  g_assert_true (same_set (a->train, b->train));
  g_assert_true (same_set (a->test, b->test));
  g_assert_false (same_set (a->train, c->train));
  g_assert_false (memcmp (a->train->floats, a->test->floats, 200 * 2 * sizeof (float)) == 0);

  g_assert_cmpint (small->train->n, ==, 50);
  g_assert_cmpint (small->test->n, ==, 25);
  if (g_str_equal (name, "circles"))
    for (int i = 0; i < small->train->n; i++)
      {
        float x = small->train->floats[2 * i], y = small->train->floats[2 * i + 1];
        g_assert_cmpfloat_with_epsilon (sqrtf (x * x + y * y),
                                        small->train->labels[i] ? 0.5f : 1.0f, 1e-5);
      }
  if (g_str_equal (name, "gaussians"))
    for (int i = 0; i < small->train->n; i++)
      g_assert_cmpfloat (small->train->floats[2 * i], ==, small->train->labels[i] ? 1.0f : -1.0f);

  nn_data_unref (a);
  nn_data_unref (b);
  nn_data_unref (c);
  nn_data_unref (small);
}

static void
test_toy_regression (void)
{
  NnData *a = load_toy ("regression", 5, 0, -1.0f);
  NnData *b = load_toy ("regression", 5, 0, -1.0f);
  NnData *c = load_toy ("regression", 6, 0, -1.0f);
  NnData *exact = load_toy ("regression", 5, 300, 0.0f);
  double sum = 0, sum2 = 0;

  g_assert_cmpint (a->train->task, ==, NN_TASK_REGRESSION);
  g_assert_cmpint (a->train->n_targets, ==, 1);
  g_assert_cmpint (a->train->n_classes, ==, 0);
  g_assert_cmpint (nn_dataset_n_outputs (a->train), ==, 1);
  g_assert_null (a->train->labels);
  g_assert_null (a->class_names);
  g_assert_cmpint (a->train->n, ==, 400);
  g_assert_cmpint (a->test->n, ==, 200);
  for (int i = 0; i < a->train->n; i++)
    {
      sum += a->train->targets[i];
      sum2 += a->train->targets[i] * a->train->targets[i];
      g_assert_cmpfloat (a->train->floats[2 * i], >=, 0.0f);
      g_assert_cmpfloat (a->train->floats[2 * i], <, 1.0f);
    }
  g_assert_cmpfloat (fabs (sum / 400), <, 1e-4);
  g_assert_cmpfloat (fabs (sqrt (sum2 / 400) - 1.0), <, 1e-3);
  g_assert_true (same_set (a->train, b->train));
  g_assert_false (same_set (a->train, c->train));

  /* Without noise, the stored target undoes to the formula exactly. */
  g_assert_cmpint (exact->train->n, ==, 300);
  g_assert_cmpfloat (exact->target_std, >, 1.0f);
  for (int s = 0; s < 2; s++)
    {
      const NnDataset *ds = s ? exact->test : exact->train;
      for (int i = 0; i < ds->n; i++)
        {
          float x = ds->floats[2 * i], y = ds->floats[2 * i + 1];
          float f = (x + 4) * (x + 4) * (x + 4) + 4 * y;
          g_assert_cmpfloat_with_epsilon (ds->targets[i] * exact->target_std + exact->target_mean,
                                          f, 1e-3);
        }
    }
  nn_data_unref (a);
  nn_data_unref (b);
  nn_data_unref (c);
  nn_data_unref (exact);
}

static void
test_toy_bad_options (void)
{
  NnDataOptions opts;
  GError *error = NULL;

  nn_data_options_init (&opts);
  opts.n_samples = -5;
  g_assert_null (nn_data_load ("circles", &opts, &error));
  assert_error_names (error, NN_ERROR_INVALID_ARGUMENT, "-5");
  g_clear_error (&error);

  nn_data_options_init (&opts);
  g_assert_null (nn_data_load ("no-such-set", &opts, &error));
  assert_error_names (error, NN_ERROR_NOT_FOUND, "no-such-set");
  g_clear_error (&error);
}

/* ---- the validation split, gather, ref counting ---- */

static void
test_val_split (void)
{
  NnDataOptions opts;
  GError *error = NULL;
  NnData *a, *b, *c;
  gboolean *seen;
  const float bad[] = { -0.1f, 0.95f, NAN };

  nn_data_options_init (&opts);
  opts.val_fraction = 0.25f;
  opts.seed = 11;
  a = nn_data_load ("circles", &opts, &error);
  g_assert_no_error (error);
  b = nn_data_load ("circles", &opts, &error);
  g_assert_no_error (error);
  opts.seed = 12;
  c = nn_data_load ("circles", &opts, &error);
  g_assert_no_error (error);

  g_assert_cmpint (a->n_val, ==, 100);
  g_assert_cmpint (a->n_train, ==, 300);
  seen = g_new0 (gboolean, 400);
  for (int i = 0; i < a->n_train; i++)
    {
      g_assert_cmpuint (a->train_rows[i], <, 400);
      g_assert_false (seen[a->train_rows[i]]);
      seen[a->train_rows[i]] = TRUE;
    }
  for (int i = 0; i < a->n_val; i++)
    {
      g_assert_cmpuint (a->val_rows[i], <, 400);
      g_assert_false (seen[a->val_rows[i]]);
      seen[a->val_rows[i]] = TRUE;
    }
  g_free (seen);
  g_assert_cmpmem (a->val_rows, 100 * 4, b->val_rows, 100 * 4);
  g_assert_false (memcmp (a->val_rows, c->val_rows, 100 * 4) == 0);
  nn_data_unref (a);
  nn_data_unref (b);
  nn_data_unref (c);

  nn_data_options_init (&opts);
  a = nn_data_load ("spiral", &opts, &error);
  g_assert_no_error (error);
  g_assert_cmpint (a->n_val, ==, 0);
  g_assert_cmpint (a->n_train, ==, 400);
  for (int i = 0; i < 400; i++)
    g_assert_cmpuint (a->train_rows[i], ==, i);
  nn_data_unref (a);

  opts.val_fraction = 0.9f;
  a = nn_data_load ("gaussians", &opts, &error);
  g_assert_no_error (error);
  g_assert_cmpint (a->n_val, ==, 360);
  g_assert_cmpint (a->n_train, ==, 40);
  nn_data_unref (a);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      opts.val_fraction = bad[i];
      g_assert_null (nn_data_load ("xor", &opts, &error));
      assert_error_names (error, NN_ERROR_INVALID_ARGUMENT, "validation fraction");
      g_clear_error (&error);
    }
}

static void
test_gather (void)
{
  GError *error = NULL;
  NnDataset *ds = nn_dataset_new (NN_TASK_CLASSIFICATION, nn_shape_3d (1, 2, 2), 3, 4, TRUE,
                                  &error);
  guint32 rows[2] = { 2, 0 };
  float x[8];
  gint32 labels[2];

  g_assert_no_error (error);
  for (int k = 0; k < 12; k++)
    ds->bytes[k] = (guint8) (k * 23);
  for (int i = 0; i < 3; i++)
    ds->labels[i] = i + 1;
  nn_dataset_gather (ds, rows, 2, x, labels, NULL);
  for (int k = 0; k < 4; k++)
    {
      g_assert_cmpfloat (x[k], ==, ds->bytes[8 + k] / 255.0f);
      g_assert_cmpfloat (x[4 + k], ==, ds->bytes[k] / 255.0f);
    }
  g_assert_cmpint (labels[0], ==, 3);
  g_assert_cmpint (labels[1], ==, 1);
  nn_dataset_free (ds);

  /* Every byte value converts to exactly v / 255, the division's result. */
  {
    NnDataset *all = nn_dataset_new (NN_TASK_CLASSIFICATION, nn_shape_1d (256), 1, 2, TRUE,
                                     &error);
    guint32 row = 0;
    float v[256];

    g_assert_no_error (error);
    for (int k = 0; k < 256; k++)
      all->bytes[k] = (guint8) k;
    nn_dataset_gather (all, &row, 1, v, NULL, NULL);
    for (int k = 0; k < 256; k++)
      g_assert_cmpfloat (v[k], ==, (float) k / 255.0f);
    nn_dataset_free (all);
  }

  g_assert_null (nn_dataset_new (NN_TASK_REGRESSION, nn_shape_1d (2), -1, 1, FALSE, &error));
  assert_error_names (error, NN_ERROR_INVALID_ARGUMENT, NULL);
  g_clear_error (&error);
}

static void
test_refcount (void)
{
  NnData *data = load_toy ("xor", 1, 0, -1.0f);

  g_assert_true (nn_data_ref (data) == data);
  nn_data_unref (data);
  g_assert_cmpint (data->train->n, ==, 4); /* still alive */
  nn_data_unref (data);

  {
    const char * const *names = nn_data_names ();
    g_assert_cmpstr (names[0], ==, "xor");
    g_assert_true (g_strv_contains (names, "fashion-mnist"));
    g_assert_false (nn_data_is_generated ("mnist"));
  }
}

/* ---- IDX files ---- */

static void
test_idx_valid (gconstpointer gz_p)
{
  gboolean gz = GPOINTER_TO_INT (gz_p);
  char *dir = new_dir ("idx-valid");
  char *ipath = write_images (dir, "img", gz, 0x803, 5, 5, 3, 4, 0);
  char *lpath = write_labels (dir, "lbl", gz, 5, 5);
  guint8 *pixels = NULL, *labels = NULL;
  int n = 0, rows = 0, cols = 0, nl = 0;
  GError *error = NULL;

  g_assert_true (nn_idx_load_images (ipath, &pixels, &n, &rows, &cols, &error));
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 5);
  g_assert_cmpint (rows, ==, 3);
  g_assert_cmpint (cols, ==, 4);
  for (int i = 0; i < 5; i++)
    for (int k = 0; k < 12; k++)
      g_assert_cmpint (pixels[i * 12 + k], ==, (7 * i + k) & 0xff);
  g_assert_true (nn_idx_load_labels (lpath, &labels, &nl, &error));
  g_assert_no_error (error);
  g_assert_cmpint (nl, ==, 5);
  for (int i = 0; i < 5; i++)
    g_assert_cmpint (labels[i], ==, (3 * i + 1) % 10);

  g_free (pixels);
  g_free (labels);
  g_free (ipath);
  g_free (lpath);
  g_free (dir);
}

typedef struct
{
  const char *what;
  guint32     magic;
  guint32     claim;
  int         n;
  int         extra;
  int         code;
  const char *needle;
} BadIdx;

static const BadIdx bad_idx[] = {
  { "truncated", 0x803, 6, 5, 0, NN_ERROR_CORRUPT, "truncated" },
  { "trailing", 0x803, 5, 5, 3, NN_ERROR_CORRUPT, "trailing" },
  { "wrong magic", 0x801, 5, 5, 0, NN_ERROR_CORRUPT, "magic" },
  { "2^31 images", 0x803, 0x80000000u, 5, 0, NN_ERROR_CORRUPT, "2147483648" },
  { "2^31-1 images", 0x803, 0x7fffffffu, 5, 0, NN_ERROR_CORRUPT, "truncated" },
  { "no images", 0x803, 0, 0, 0, NN_ERROR_CORRUPT, "no image" },
};

static void
test_idx_bad (gconstpointer gz_p)
{
  gboolean gz = GPOINTER_TO_INT (gz_p);
  char *dir = new_dir ("idx-bad");

  for (guint t = 0; t < G_N_ELEMENTS (bad_idx); t++)
    {
      const BadIdx *b = &bad_idx[t];
      char *path = write_images (dir, b->what, gz, b->magic, b->claim, b->n, 28, 28, b->extra);
      guint8 *pixels = NULL;
      int n = -1, rows, cols;
      GError *error = NULL;
      double start = nn_now ();

      g_test_message ("%s (%s)", b->what, gz ? "gzip" : "raw");
      g_assert_false (nn_idx_load_images (path, &pixels, &n, &rows, &cols, &error));
      g_assert_null (pixels);
      assert_error_names (error, b->code, path);
      assert_error_names (error, b->code, b->needle);
      /* An absurd header is refused at once, not after allocating it. */
      g_assert_cmpfloat (nn_now () - start, <, 1.0);
      g_clear_error (&error);
      g_free (path);
    }

  /* Labels: wrong magic (an image file) and truncated. */
  {
    char *ipath = write_images (dir, "as-labels", gz, 0x803, 2, 2, 2, 2, 0);
    char *lpath = write_labels (dir, "short-labels", gz, 9, 8);
    guint8 *labels = NULL;
    int n;
    GError *error = NULL;

    g_assert_false (nn_idx_load_labels (ipath, &labels, &n, &error));
    assert_error_names (error, NN_ERROR_CORRUPT, "0x00000801");
    g_clear_error (&error);
    g_assert_false (nn_idx_load_labels (lpath, &labels, &n, &error));
    assert_error_names (error, NN_ERROR_CORRUPT, lpath);
    g_clear_error (&error);
    g_assert_null (labels);
    g_free (ipath);
    g_free (lpath);
  }

  /* Too short for a header, and missing altogether. */
  {
    char *path = g_build_filename (dir, "tiny", NULL);
    guint8 *pixels = NULL;
    int n, rows, cols;
    GError *error = NULL;

    write_file (path, (const guint8 *) "\0\0\x08", 3, gz);
    g_assert_false (nn_idx_load_images (path, &pixels, &n, &rows, &cols, &error));
    assert_error_names (error, NN_ERROR_CORRUPT, path);
    g_clear_error (&error);
    g_free (path);

    path = g_build_filename (dir, "missing", NULL);
    g_assert_false (nn_idx_load_images (path, &pixels, &n, &rows, &cols, &error));
    assert_error_names (error, NN_ERROR_NOT_FOUND, path);
    g_clear_error (&error);
    g_free (path);

    /* A FIFO with no writer: refused at once (open() would wait for one). */
    path = g_build_filename (dir, "fifo", NULL);
    g_remove (path);
    g_assert_cmpint (mkfifo (path, 0600), ==, 0);
    test_guard_hang (10);
    g_assert_false (nn_idx_load_images (path, &pixels, &n, &rows, &cols, &error));
    test_guard_hang (0);
    assert_error_names (error, NN_ERROR_IO, "not a regular file");
    g_clear_error (&error);
    g_free (path);
  }
  g_free (dir);
}

static void
test_idx_corrupt_gzip (void)
{
  char *dir = new_dir ("idx-gz");
  char *path = write_images (dir, "good.gz", TRUE, 0x803, 50, 50, 28, 28, 0);
  char *contents = NULL;
  gsize len = 0;
  guint8 *pixels = NULL;
  int n, rows, cols;
  GError *error = NULL;
  char *bad_path, *cut_path, *crc_path;

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpuint (len, >, 40);

  /* Garbage in the middle of the deflate data. */
  bad_path = g_build_filename (dir, "garbage.gz", NULL);
  {
    char *copy = g_memdup2 (contents, len);
    memset (copy + 12, 0xff, 16);
    write_file (bad_path, (guint8 *) copy, len, FALSE);
    g_free (copy);
  }
  g_assert_false (nn_idx_load_images (bad_path, &pixels, &n, &rows, &cols, &error));
  assert_error_names (error, NN_ERROR_CORRUPT, bad_path);
  g_clear_error (&error);

  /* The stream cut short (no trailer). */
  cut_path = g_build_filename (dir, "cut.gz", NULL);
  write_file (cut_path, (guint8 *) contents, len - 6, FALSE);
  g_assert_false (nn_idx_load_images (cut_path, &pixels, &n, &rows, &cols, &error));
  assert_error_names (error, NN_ERROR_CORRUPT, cut_path);
  g_clear_error (&error);

  /* A wrong CRC in the trailer. */
  crc_path = g_build_filename (dir, "crc.gz", NULL);
  {
    char *copy = g_memdup2 (contents, len);
    copy[len - 8] ^= 0x55;
    write_file (crc_path, (guint8 *) copy, len, FALSE);
    g_free (copy);
  }
  g_assert_false (nn_idx_load_images (crc_path, &pixels, &n, &rows, &cols, &error));
  assert_error_names (error, NN_ERROR_CORRUPT, crc_path);
  g_clear_error (&error);
  g_assert_null (pixels);

  /* The good file loads. */
  g_assert_true (nn_idx_load_images (path, &pixels, &n, &rows, &cols, &error));
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 50);
  g_free (pixels);

  g_free (contents);
  g_free (path);
  g_free (bad_path);
  g_free (cut_path);
  g_free (crc_path);
  g_free (dir);
}

static void
record_progress (double fraction, gpointer user_data)
{
  GArray *calls = user_data;

  g_array_append_val (calls, fraction);
}

static void
test_idx_dataset (gconstpointer gz_p)
{
  gboolean gz = GPOINTER_TO_INT (gz_p);
  char *base = new_dir ("idx-set");
  char *dir = g_build_filename (base, "fashion-mnist", NULL);
  NnDataOptions opts;
  GError *error = NULL;
  GArray *calls = g_array_new (FALSE, FALSE, sizeof (double));
  NnData *data;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  write_idx_set (dir, 30, 30, 10, gz);
  nn_data_options_init (&opts);
  opts.data_dir = base;
  opts.val_fraction = 0.2f;
  opts.progress = record_progress;
  opts.progress_data = calls;
  data = nn_data_load ("fashion-mnist", &opts, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (data->title, ==, "Fashion-MNIST");
  g_assert_cmpstr (data->source, ==, dir);
  g_assert_cmpint (data->train->n, ==, 30);
  g_assert_cmpint (data->test->n, ==, 10);
  g_assert_cmpint (data->n_train, ==, 24);
  g_assert_cmpint (data->n_val, ==, 6);
  g_assert_true (nn_shape_equal (data->train->shape, nn_shape_3d (1, 28, 28)));
  g_assert_nonnull (data->train->bytes);
  g_assert_null (data->train->floats);
  g_assert_cmpint (data->train->n_classes, ==, 10);
  g_assert_cmpint (data->train->labels[4], ==, 3);
  g_assert_cmpint (data->test->bytes[784 * 2 + 5], ==, 19);
  g_assert_cmpstr (data->class_names[0], ==, "T-shirt/top");
  g_assert_cmpstr (data->class_names[9], ==, "Ankle boot");
  g_assert_null (data->class_names[10]);

  g_assert_cmpuint (calls->len, >=, 2);
  for (guint i = 1; i < calls->len; i++)
    g_assert_cmpfloat (g_array_index (calls, double, i), >=, g_array_index (calls, double, i - 1));
  g_assert_cmpfloat (g_array_index (calls, double, calls->len - 1), ==, 1.0);
  nn_data_unref (data);

  /* Counts that disagree name both files. */
  write_idx_set (dir, 30, 29, 10, gz);
  g_assert_null (nn_data_load ("fashion-mnist", &opts, &error));
  assert_error_names (error, NN_ERROR_CORRUPT, "30 images");
  assert_error_names (error, NN_ERROR_CORRUPT, "train-labels-idx1-ubyte");
  g_clear_error (&error);

  g_array_unref (calls);
  g_free (dir);
  g_free (base);
}

/* ---- where datasets are found ---- */

static void
test_find (void)
{
  char *a = new_dir ("find-a"), *b = new_dir ("find-b");
  char *a_sub = g_build_filename (a, "mnist", NULL);
  char *user = g_build_filename (user_data, "backprop", "datasets", "fashion-mnist", NULL);
  char *found;
  GError *error = NULL;

  /* <dir>/<name>/ and <dir>/ itself. */
  g_assert_cmpint (g_mkdir (a_sub, 0700), ==, 0);
  write_idx_set (a_sub, 2, 2, 1, TRUE);
  write_idx_set (b, 2, 2, 1, FALSE);
  found = nn_data_find_dir ("mnist", a, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, a_sub);
  g_free (found);
  found = nn_data_find_dir ("mnist", b, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, b);
  g_free (found);

  /* The environment, behind --data-dir. */
  g_setenv ("BACKPROP_DATA_DIR", b, TRUE);
  found = nn_data_find_dir ("mnist", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, b);
  g_free (found);
  found = nn_data_find_dir ("mnist", a, &error);
  g_assert_cmpstr (found, ==, a_sub);
  g_free (found);

  /* The user's data dir. */
  g_setenv ("BACKPROP_DATA_DIR", "/nonexistent/backprop-env", TRUE);
  g_assert_cmpint (g_mkdir_with_parents (user, 0700), ==, 0);
  write_idx_set (user, 2, 2, 1, TRUE);
  found = nn_data_find_dir ("fashion-mnist", "/nonexistent/backprop-arg", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, user);
  g_free (found);

  /* Missing: every place is named. */
  g_assert_null (nn_data_find_dir ("backprop-test-missing", "/nonexistent/backprop-arg", &error));
  assert_error_names (error, NN_ERROR_NOT_FOUND, "/nonexistent/backprop-arg/backprop-test-missing");
  assert_error_names (error, NN_ERROR_NOT_FOUND, "/nonexistent/backprop-env/backprop-test-missing");
  assert_error_names (error, NN_ERROR_NOT_FOUND, "backprop/datasets/backprop-test-missing");
  assert_error_names (error, NN_ERROR_NOT_FOUND, "/usr/share/datasets/backprop-test-missing");
  g_assert_nonnull (strstr (error->message, user_data));
  g_clear_error (&error);

  /* A folder without a file the set needs. */
  {
    char *f = g_build_filename (user, "t10k-labels-idx1-ubyte.gz", NULL);
    NnDataOptions opts;

    g_assert_cmpint (g_remove (f), ==, 0);
    nn_data_options_init (&opts);
    g_assert_null (nn_data_load ("fashion-mnist", &opts, &error));
    assert_error_names (error, NN_ERROR_NOT_FOUND, "t10k-labels-idx1-ubyte");
    g_clear_error (&error);
    g_free (f);
  }
  g_unsetenv ("BACKPROP_DATA_DIR");

  g_free (a);
  g_free (b);
  g_free (a_sub);
  g_free (user);
}

/* ---- CSV ---- */

static char *
write_csv (const char *name, const char *text)
{
  char *dir = new_dir ("csv");
  char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_free (dir);
  return path;
}

static NnData *
load_csv (const char *path, gboolean standardize, GError **error)
{
  NnDataOptions opts;
  char *name = g_strconcat ("csv:", path, NULL);
  NnData *data;

  nn_data_options_init (&opts);
  opts.standardize = standardize;
  opts.seed = 9;
  data = nn_data_load (name, &opts, error);
  g_free (name);
  return data;
}

static void
test_csv_label_column (void)
{
  GString *text = g_string_new ("a, label ,b\n");
  char *path;
  NnData *data;
  GError *error = NULL;
  gboolean seen[20] = { FALSE };

  for (int i = 0; i < 20; i++)
    g_string_append_printf (text, "%d,%d,%g\r\n", i, i % 3, i * 0.5);
  g_string_append (text, "\n");
  path = write_csv ("rows.csv", text->str);
  data = load_csv (path, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (data->title, ==, "rows.csv");
  g_assert_cmpint (data->train->task, ==, NN_TASK_CLASSIFICATION);
  g_assert_cmpint (data->train->n_classes, ==, 3);
  g_assert_cmpstr (data->class_names[2], ==, "2");
  g_assert_cmpint (data->test->n, ==, 4);
  g_assert_cmpint (data->train->n, ==, 16);
  g_assert_true (nn_shape_equal (data->train->shape, nn_shape_1d (2)));
  for (int s = 0; s < 2; s++)
    {
      const NnDataset *ds = s ? data->test : data->train;
      for (int i = 0; i < ds->n; i++)
        {
          int row = (int) ds->floats[2 * i];
          g_assert_false (seen[row]);
          seen[row] = TRUE;
          g_assert_cmpfloat (ds->floats[2 * i + 1], ==, row * 0.5f);
          g_assert_cmpint (ds->labels[i], ==, row % 3);
        }
    }
  /* Two features: a plane to draw on. */
  g_assert_cmpfloat (data->xmin, <, 0.0f);
  g_assert_cmpfloat (data->xmax, >, 19.0f);
  nn_data_unref (data);
  g_string_free (text, TRUE);
  g_free (path);
}

static void
test_csv_names_and_regression (void)
{
  char *path = write_csv ("pets.csv",
                          "weight,height,kind\n"
                          "4,30,cat\n30,60,dog\n5,28,cat\n\"3.5\",25,\"bird, small\"\n"
                          "28,55,dog\n4.5,31,cat\n");
  char *reg = write_csv ("reg.csv", "x,y\n1,0.5\n2,1.5\n3,2.25\n4,3\n5,4.5\n6,5\n");
  GError *error = NULL;
  NnData *data = load_csv (path, FALSE, &error);

  g_assert_no_error (error);
  g_assert_cmpint (data->train->n_classes, ==, 3);
  g_assert_cmpstr (data->class_names[0], ==, "cat");
  g_assert_cmpstr (data->class_names[1], ==, "dog");
  g_assert_cmpstr (data->class_names[2], ==, "bird, small");
  g_assert_null (data->class_names[3]);
  g_assert_cmpint (data->train->n + data->test->n, ==, 6);
  for (int s = 0; s < 2; s++)
    {
      const NnDataset *ds = s ? data->test : data->train;
      for (int i = 0; i < ds->n; i++)
        g_assert_cmpint (ds->labels[i], ==,
                         ds->floats[2 * i] > 20 ? 1 : ds->floats[2 * i] == 3.5f ? 2 : 0);
    }
  nn_data_unref (data);

  data = load_csv (reg, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (data->train->task, ==, NN_TASK_REGRESSION);
  g_assert_cmpint (data->train->n_targets, ==, 1);
  g_assert_null (data->class_names);
  g_assert_cmpint (data->train->n + data->test->n, ==, 6);
  nn_data_unref (data);
  g_free (path);
  g_free (reg);
}

static void
test_csv_standardize (void)
{
  GString *text = g_string_new ("big,small,constant,label\n");
  char *path;
  NnData *data;
  GError *error = NULL;

  for (int i = 0; i < 50; i++)
    g_string_append_printf (text, "%d,%g,7,%d\n", 1000 + 37 * i, 0.001 * (i % 7), i % 2);
  path = write_csv ("scale.csv", text->str);
  data = load_csv (path, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (data->train->n, ==, 40);
  for (int c = 0; c < 3; c++)
    {
      double sum = 0, sum2 = 0;
      for (int i = 0; i < data->train->n; i++)
        {
          double v = data->train->floats[3 * i + c];
          sum += v;
          sum2 += v * v;
        }
      g_assert_cmpfloat (fabs (sum / 40), <, 1e-4);
      /* The constant column is only centred. */
      g_assert_cmpfloat (fabs (sqrt (sum2 / 40) - (c == 2 ? 0.0 : 1.0)), <, 1e-3);
    }
  /* The test rows use the training statistics: on the same scale. */
  for (int i = 0; i < data->test->n; i++)
    g_assert_cmpfloat (fabs (data->test->floats[3 * i]), <, 2.5);
  nn_data_unref (data);
  g_string_free (text, TRUE);
  g_free (path);
}

typedef struct
{
  const char *name;
  const char *text;
  const char *needle;
} BadCsv;

static const BadCsv bad_csv[] = {
  { "empty", "", "is empty" },
  { "blank", "\n  \n", "is empty" },
  { "header-only", "a,b,label\n", "no data rows" },
  { "one-row", "a,label\n1,0\n", "only one data row" },
  { "one-column", "label\n1\n2\n", "line 1" },
  { "ragged", "a,b,label\n1,2,0\n3,0\n4,5,1\n", "line 3 has 2 fields" },
  { "non-numeric", "a,b,label\n1,2,0\n3,4,1\n\n5,x7,1\n", "line 5, column 2 (“b”): “x7” is not" },
  { "missing", "a,b,label\n1,2,0\n,4,1\n", "line 3, column 1 (“a”): the value is missing" },
  { "no-label", "a,b,label\n1,2,0\n3,4,\n", "line 3, column 3" },
  { "quote", "a,b,label\n1,\"2,0\n", "line 2: a quoted field" },
  { "huge-feature", "a,b,label\n1,2,0\n1e39,4,1\n", "line 3, column 1 (“a”): “1e39” is too large" },
  { "huge-target", "a,b,y\n1,2,0.5\n3,4,-1e300\n", "line 3, column 3 (“y”): “-1e300” is too large" },
  /* Only decimal numbers: strtod's hex floats and words are not CSV numbers. */
  { "hex-feature", "a,b,label\n1,2,0\n0x10,4,1\n", "line 3, column 1 (“a”): “0x10” is not a number" },
  { "inf-feature", "a,b,label\n1,2,0\n3,inf,1\n", "line 3, column 2 (“b”): “inf” is not a number" },
  { "nan-feature", "a,b,label\n1,2,0\nnan,4,1\n", "“nan” is not a number" },
  { "dot-feature", "a,b,label\n1,2,0\n.,4,1\n", "“.” is not a number" },
  { "exponent-only", "a,b,label\n1,2,0\n1e,4,1\n", "“1e” is not a number" },
  { "overflow", "a,b,label\n1,2,0\n1e999,4,1\n", "“1e999” is too large" },
  /* Not UTF-8 (here Latin-1 "é"): refused at load, naming the line, not
   * after training when the class names are saved. */
  { "latin1-label", "a,b,label\n1,2,chat\n3,4,caf\xe9\n5,6,chat\n", "line 3 is not UTF-8" },
  { "latin1-header", "a,\xe9t\xe9,label\n1,2,0\n3,4,1\n", "line 1 is not UTF-8" },
};

/* A label the reader takes as a number in C but not in a CSV is a name. */
static void
test_csv_hex_label (void)
{
  char *path = write_csv ("hex.csv", "a,label\n1,0x10\n2,16\n3,0x10\n4,16\n");
  GError *error = NULL;
  NnData *data = load_csv (path, FALSE, &error);

  g_assert_no_error (error);
  g_assert_cmpint (data->train->task, ==, NN_TASK_CLASSIFICATION);
  g_assert_cmpint (data->train->n_classes, ==, 2);
  g_assert_cmpstr (data->class_names[0], ==, "0x10");
  g_assert_cmpstr (data->class_names[1], ==, "16");
  nn_data_unref (data);
  g_free (path);
}

/* UTF-8 class names pass through as they are. */
static void
test_csv_utf8 (void)
{
  char *path = write_csv ("utf8.csv", "poids,étiquette\n1,café\n2,thé\n3,café\n");
  GError *error = NULL;
  NnData *data = load_csv (path, FALSE, &error);

  g_assert_no_error (error);
  g_assert_cmpint (data->train->n_classes, ==, 2);
  g_assert_cmpstr (data->class_names[0], ==, "café");
  g_assert_cmpstr (data->class_names[1], ==, "thé");
  nn_data_unref (data);
  g_free (path);
}

/* An error quotes a few dozen characters of a huge field, not all of it. */
static void
test_csv_long_field (void)
{
  gsize big = 10 * 1024 * 1024;
  GString *text = g_string_new ("a,b,label\n1,2,0\n3,");
  char *path;
  GError *error = NULL;

  g_string_append_c (text, 'x');
  for (gsize i = 1; i < big; i++)
    g_string_append_c (text, "0123456789"[i % 10]);
  g_string_append (text, ",1\n");
  path = write_csv ("long-field.csv", text->str);
  g_assert_null (load_csv (path, FALSE, &error));
  assert_error_names (error, NN_ERROR_CORRUPT, "line 3, column 2 (“b”): “x123456789");
  g_assert_nonnull (strstr (error->message, "…” is not a number."));
  g_assert_cmpuint (strlen (error->message), <, strlen (path) + 120);
  g_clear_error (&error);
  g_free (path);

  /* The same for a huge column name, and multi-byte characters are not cut. */
  g_string_assign (text, "a,");
  for (gsize i = 0; i < big / 2; i++)
    g_string_append (text, "é");
  g_string_append (text, ",label\n1,,0\n3,4,1\n");
  path = write_csv ("long-name.csv", text->str);
  g_assert_null (load_csv (path, FALSE, &error));
  assert_error_names (error, NN_ERROR_CORRUPT, "the value is missing.");
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_assert_nonnull (strstr (error->message, "éé…”"));
  g_assert_cmpuint (strlen (error->message), <, strlen (path) + 160);
  g_clear_error (&error);
  g_free (path);
  g_string_free (text, TRUE);
}

/* More different labels than classes allowed: an error, and (under ASan or
 * valgrind) nothing leaks on the way out. */
static void
test_csv_too_many_classes (void)
{
  GString *text = g_string_new ("a,label\n");
  char *path;
  GError *error = NULL;

  for (int i = 0; i < 1001; i++)
    g_string_append_printf (text, "%d,class-%d\n", i, i);
  path = write_csv ("many.csv", text->str);
  g_assert_null (load_csv (path, FALSE, &error));
  assert_error_names (error, NN_ERROR_CORRUPT, "more than 1000 different values");
  g_clear_error (&error);
  g_free (path);
  g_string_free (text, TRUE);
}

static void
test_csv_malformed (void)
{
  for (guint t = 0; t < G_N_ELEMENTS (bad_csv); t++)
    {
      char *path = write_csv (bad_csv[t].name, bad_csv[t].text);
      GError *error = NULL;

      g_test_message ("csv: %s", bad_csv[t].name);
      g_assert_null (load_csv (path, TRUE, &error));
      assert_error_names (error, NN_ERROR_CORRUPT, path);
      assert_error_names (error, NN_ERROR_CORRUPT, bad_csv[t].needle);
      g_clear_error (&error);
      g_free (path);
    }

  {
    GError *error = NULL;
    g_assert_null (load_csv ("/nonexistent/backprop.csv", TRUE, &error));
    assert_error_names (error, NN_ERROR_NOT_FOUND, "/nonexistent/backprop.csv");
    g_clear_error (&error);
  }
}

/* ---- the real datasets ---- */

static char *
real_dir (const char *name)
{
  const char *root = g_getenv ("BACKPROP_TEST_DATA");
  char *dir;

  if (root == NULL)
    g_error ("BACKPROP_TEST_DATA is not set; it must point at the shared datasets folder");
  dir = g_build_filename (root, name, NULL);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    g_error ("%s does not exist; the real %s files are needed for this test", dir, name);
  return dir;
}

static NnData *
load_real (const char *name)
{
  char *dir = real_dir (name);
  NnDataOptions opts;
  GError *error = NULL;
  NnData *data;
  double start;

  nn_data_options_init (&opts);
  opts.data_dir = dir;
  opts.val_fraction = 0.1f;
  start = nn_now ();
  data = nn_data_load (name, &opts, &error);
  g_assert_no_error (error);
  g_test_message ("%s loaded in %.3f s", name, nn_now () - start);
  g_assert_cmpstr (data->source, ==, dir);
  g_assert_cmpint (data->train->n, ==, 60000);
  g_assert_cmpint (data->test->n, ==, 10000);
  g_assert_cmpint (data->n_train, ==, 54000);
  g_assert_cmpint (data->n_val, ==, 6000);
  g_assert_true (nn_shape_equal (data->train->shape, nn_shape_3d (1, 28, 28)));
  g_assert_cmpint (data->train->n_classes, ==, 10);
  for (int s = 0; s < 2; s++)
    {
      const NnDataset *ds = s ? data->test : data->train;
      int counts[10] = { 0 };
      for (int i = 0; i < ds->n; i++)
        {
          g_assert_cmpint (ds->labels[i], >=, 0);
          g_assert_cmpint (ds->labels[i], <, 10);
          counts[ds->labels[i]]++;
        }
      for (int k = 0; k < 10; k++)
        g_assert_cmpint (counts[k], >, ds->n / 20);
    }
  g_free (dir);
  return data;
}

static void
test_real_mnist (void)
{
  NnData *data = load_real ("mnist");
  guint32 rows[2] = { 0, 59999 };
  float *x = g_new (float, 2 * 784);
  gint32 labels[2];
  float ink = 0;

  g_assert_cmpstr (data->title, ==, "MNIST");
  g_assert_cmpstr (data->class_names[5], ==, "5");
  g_assert_cmpint (data->train->labels[0], ==, 5);
  g_assert_cmpint (data->test->labels[0], ==, 7);
  nn_dataset_gather (data->train, rows, 2, x, labels, NULL);
  g_assert_cmpint (labels[0], ==, 5);
  for (int k = 0; k < 784; k++)
    {
      g_assert_cmpfloat (x[k], >=, 0.0f);
      g_assert_cmpfloat (x[k], <=, 1.0f);
      ink += x[k];
    }
  g_assert_cmpfloat (x[0], ==, 0.0f);      /* corners are blank */
  g_assert_cmpfloat (ink, >, 50.0f);       /* a digit has ink */
  g_free (x);
  nn_data_unref (data);
}

static void
test_real_fashion (void)
{
  static const char * const names[] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot", NULL,
  };
  NnData *data = load_real ("fashion-mnist");

  g_assert_cmpstr (data->title, ==, "Fashion-MNIST");
  g_assert_true (g_strv_equal ((const char * const *) data->class_names, names));
  g_assert_cmpint (data->train->labels[0], ==, 9);
  nn_data_unref (data);
}

int
main (int argc, char **argv)
{
  int status;

  tmp_root = g_dir_make_tmp ("backprop-datasets-XXXXXX", NULL);
  g_assert_nonnull (tmp_root);
  /* Before GLib caches the user data dir, so the finder looks in ours. */
  user_data = g_build_filename (tmp_root, "user-data", NULL);
  g_setenv ("XDG_DATA_HOME", user_data, TRUE);
  g_unsetenv ("BACKPROP_DATA_DIR");

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/toy/xor", test_xor);
  g_test_add_data_func ("/engine/toy/circles", "circles", test_toy_classes);
  g_test_add_data_func ("/engine/toy/spiral", "spiral", test_toy_classes);
  g_test_add_data_func ("/engine/toy/gaussians", "gaussians", test_toy_classes);
  g_test_add_func ("/engine/toy/regression", test_toy_regression);
  g_test_add_func ("/engine/toy/bad-options", test_toy_bad_options);
  g_test_add_func ("/engine/data/val-split", test_val_split);
  g_test_add_func ("/engine/data/gather", test_gather);
  g_test_add_func ("/engine/data/refcount", test_refcount);
  g_test_add_data_func ("/engine/idx/valid-raw", GINT_TO_POINTER (FALSE), test_idx_valid);
  g_test_add_data_func ("/engine/idx/valid-gz", GINT_TO_POINTER (TRUE), test_idx_valid);
  g_test_add_data_func ("/engine/idx/bad-raw", GINT_TO_POINTER (FALSE), test_idx_bad);
  g_test_add_data_func ("/engine/idx/bad-gz", GINT_TO_POINTER (TRUE), test_idx_bad);
  g_test_add_func ("/engine/idx/corrupt-gzip", test_idx_corrupt_gzip);
  g_test_add_data_func ("/engine/idx/dataset-raw", GINT_TO_POINTER (FALSE), test_idx_dataset);
  g_test_add_data_func ("/engine/idx/dataset-gz", GINT_TO_POINTER (TRUE), test_idx_dataset);
  g_test_add_func ("/engine/find/places", test_find);
  g_test_add_func ("/engine/csv/label-column", test_csv_label_column);
  g_test_add_func ("/engine/csv/names-and-regression", test_csv_names_and_regression);
  g_test_add_func ("/engine/csv/standardize", test_csv_standardize);
  g_test_add_func ("/engine/csv/malformed", test_csv_malformed);
  g_test_add_func ("/engine/csv/hex-label", test_csv_hex_label);
  g_test_add_func ("/engine/csv/utf8", test_csv_utf8);
  g_test_add_func ("/engine/csv/long-field", test_csv_long_field);
  g_test_add_func ("/engine/csv/too-many-classes", test_csv_too_many_classes);
  g_test_add_func ("/engine/mnist/real", test_real_mnist);
  g_test_add_func ("/engine/fashion-mnist/real", test_real_fashion);

  status = g_test_run ();
  test_remove_tree (tmp_root);
  g_free (tmp_root);
  g_free (user_data);
  return status;
}
