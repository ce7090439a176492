/* nn-dataset.c: datasets in memory, NnData's life, and the validation split.
 *
 * This file knows the tables (NnDataset), turns rows into float batches,
 * dispatches a dataset name to its loader and splits the training rows into
 * train and validation. It does not read files or generate points: see
 * nn-idx.c, nn-csv.c and nn-toy.c.
 */
#include "nn-dataset-private.h"
#include "nn-rng.h"

#include <string.h>

/* Streams of the run's seed, so that the validation split does not change
 * when a loader draws more or fewer numbers. */
#define VAL_SPLIT_STREAM 3

static const char * const builtin_names[] = {
  "xor", "circles", "spiral", "gaussians", "regression", "mnist", "fashion-mnist", NULL,
};

NnDataset *
_nn_dataset_new_empty (NnTask task, NnShape shape, int n, int n_outputs)
{
  NnDataset *ds = g_new0 (NnDataset, 1);

  ds->task = task;
  ds->shape = shape;
  ds->n = n;
  if (task == NN_TASK_CLASSIFICATION)
    ds->n_classes = n_outputs;
  else
    ds->n_targets = n_outputs;
  return ds;
}

NnDataset *
nn_dataset_new (NnTask task, NnShape shape, int n, int n_outputs, gboolean as_bytes,
                GError **error)
{
  NnDataset *ds = NULL;
  size_t size = nn_shape_size (shape);
  size_t elem = as_bytes ? 1 : sizeof (float);

  if (n < 0 || size == 0 || n_outputs < 1)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "A dataset needs a non-negative sample count, a non-empty sample shape "
                   "and at least one output (got %d samples, %zu features, %d outputs).",
                   n, size, n_outputs);
      return NULL;
    }
  if (n > 0 && (size > G_MAXSIZE / elem / (size_t) n
                || (size_t) n_outputs > G_MAXSIZE / sizeof (float) / (size_t) n))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_NO_MEMORY,
                   "A dataset of %d samples of %zu features is too large for this machine.",
                   n, size);
      return NULL;
    }

  ds = _nn_dataset_new_empty (task, shape, n, n_outputs);
  /* Allocate at least one element so that an empty table still has arrays. */
  if (as_bytes)
    ds->bytes = g_try_malloc0 (MAX ((size_t) n * size, 1));
  else
    ds->floats = g_try_malloc0 (MAX ((size_t) n * size * sizeof (float), 1));
  if (task == NN_TASK_CLASSIFICATION)
    ds->labels = g_try_malloc0 (MAX ((size_t) n * sizeof (gint32), 1));
  else
    ds->targets = g_try_malloc0 (MAX ((size_t) n * n_outputs * sizeof (float), 1));

  if ((as_bytes ? (void *) ds->bytes : (void *) ds->floats) == NULL
      || (task == NN_TASK_CLASSIFICATION ? (void *) ds->labels : (void *) ds->targets) == NULL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_NO_MEMORY,
                   "Not enough memory for a dataset of %d samples of %zu features.", n, size);
      nn_dataset_free (ds);
      return NULL;
    }
  return ds;
}

void
nn_dataset_free (NnDataset *ds)
{
  if (ds == NULL)
    return;
  g_free (ds->bytes);
  g_free (ds->floats);
  g_free (ds->labels);
  g_free (ds->targets);
  g_free (ds);
}

size_t
nn_dataset_size (const NnDataset *ds)
{
  return nn_shape_size (ds->shape);
}

int
nn_dataset_n_outputs (const NnDataset *ds)
{
  return ds->task == NN_TASK_CLASSIFICATION ? ds->n_classes : ds->n_targets;
}

void
nn_dataset_gather (const NnDataset *ds, const guint32 *rows, int n,
                   float *x, gint32 *labels, float *targets)
{
  size_t size;

  g_return_if_fail (ds != NULL && rows != NULL);
  size = nn_dataset_size (ds);

  if (x != NULL && ds->bytes != NULL)
    {
      /* v / 255 without a division (which cost 9 us of an MNIST batch's
       * 320): 1/255 = R_HI + R_LO with R_HI = 257/65536, so v * R_HI is
       * exact for a byte and only v * R_LO rounds, far below the final
       * rounding. The result is the correctly rounded v / 255, as
       * PyTorch's ToTensor gives; test-datasets checks all 256 values.
       * (v * (1/255.0f) alone is one ulp off for 126 of them.) */
      const float R_HI = 0x1.01p-8f, R_LO = 0x1.010102p-24f;
      /* Rows are visited in shuffled order, so each one is a cache miss;
       * ask for a few rows ahead while converting this one. */
      const int ahead = 4;

      for (int i = 0; i < MIN (ahead, n); i++)
        for (size_t j = 0; j < size; j += 64)
          __builtin_prefetch (ds->bytes + (size_t) rows[i] * size + j);
      for (int i = 0; i < n; i++)
        {
          const guint8 *src = ds->bytes + (size_t) rows[i] * size;
          float *dst = x + (size_t) i * size;

          g_assert (rows[i] < (guint32) ds->n);
          if (i + ahead < n)
            for (size_t j = 0; j < size; j += 64)
              __builtin_prefetch (ds->bytes + (size_t) rows[i + ahead] * size + j);
          for (size_t j = 0; j < size; j++)
            dst[j] = src[j] * R_HI + src[j] * R_LO;
        }
    }
  else if (x != NULL && ds->floats != NULL)
    {
      for (int i = 0; i < n; i++)
        {
          g_assert (rows[i] < (guint32) ds->n);
          memcpy (x + (size_t) i * size, ds->floats + (size_t) rows[i] * size,
                  size * sizeof (float));
        }
    }

  if (labels != NULL && ds->labels != NULL)
    for (int i = 0; i < n; i++)
      labels[i] = ds->labels[rows[i]];

  if (targets != NULL && ds->targets != NULL)
    for (int i = 0; i < n; i++)
      memcpy (targets + (size_t) i * ds->n_targets,
              ds->targets + (size_t) rows[i] * ds->n_targets,
              (size_t) ds->n_targets * sizeof (float));
}

void
nn_data_options_init (NnDataOptions *opts)
{
  memset (opts, 0, sizeof *opts);
  opts->n_samples = 0;
  opts->noise = -1.0f;
  opts->seed = 1;
  opts->val_fraction = 0.0f;
  /* Features of a user's CSV are rarely on one scale; training on them raw
   * diverges more often than not. */
  opts->standardize = TRUE;
}

char **
_nn_class_names_numbered (int n)
{
  char **names = g_new0 (char *, n + 1);

  for (int i = 0; i < n; i++)
    names[i] = g_strdup_printf ("%d", i);
  return names;
}

const char * const *
nn_data_names (void)
{
  return builtin_names;
}

gboolean
nn_data_is_generated (const char *name)
{
  return name != NULL
         && (g_str_equal (name, "xor") || g_str_equal (name, "circles")
             || g_str_equal (name, "spiral") || g_str_equal (name, "gaussians")
             || g_str_equal (name, "regression"));
}

static int
compare_u32 (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

guint32 *
_nn_split_rows (guint64 seed, guint64 stream, int n, int n_first)
{
  guint32 *perm = g_new (guint32, MAX (n, 1));
  NnRng rng;

  for (int i = 0; i < n; i++)
    perm[i] = (guint32) i;
  if (n_first > 0)
    {
      nn_rng_init (&rng, seed, stream);
      nn_rng_shuffle (&rng, perm, (size_t) n);
    }
  qsort (perm, (size_t) n_first, sizeof (guint32), compare_u32);
  qsort (perm + n_first, (size_t) (n - n_first), sizeof (guint32), compare_u32);
  return perm;
}

/* A seeded split of the training rows. Both lists are sorted so that a
 * pass over them walks memory forwards; the trainer shuffles per epoch. */
static void
split_validation (NnData *data, const NnDataOptions *opts)
{
  int n = data->train->n;
  int n_val = (int) (n * (double) opts->val_fraction + 0.5);
  guint32 *perm;

  /* Keep at least one training row; a fraction of 0 means no validation. */
  n_val = CLAMP (n_val, 0, MAX (n - 1, 0));
  perm = _nn_split_rows (opts->seed, VAL_SPLIT_STREAM, n, n_val);

  data->n_val = n_val;
  data->n_train = n - n_val;
  data->val_rows = g_new (guint32, MAX (n_val, 1));
  data->train_rows = g_new (guint32, MAX (n - n_val, 1));
  memcpy (data->val_rows, perm, (size_t) n_val * sizeof (guint32));
  memcpy (data->train_rows, perm + n_val, (size_t) (n - n_val) * sizeof (guint32));
  g_free (perm);
}

static void
nn_data_free (NnData *data)
{
  g_free (data->name);
  g_free (data->title);
  g_free (data->source);
  g_strfreev (data->class_names);
  nn_dataset_free (data->train);
  nn_dataset_free (data->test);
  g_free (data->train_rows);
  g_free (data->val_rows);
  g_free (data);
}

NnData *
nn_data_load (const char *name, const NnDataOptions *opts, GError **error)
{
  NnDataOptions defaults;
  NnData *data = NULL;
  gboolean ok = FALSE;

  if (opts == NULL)
    {
      nn_data_options_init (&defaults);
      opts = &defaults;
    }
  if (name == NULL || *name == '\0')
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT, "No dataset name was given.");
      return NULL;
    }
  /* Written so that NaN fails too. */
  if (!(opts->val_fraction >= 0.0f && opts->val_fraction <= 0.9f))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "The validation fraction must be between 0 and 0.9, not %g.",
                   (double) opts->val_fraction);
      return NULL;
    }

  data = g_new0 (NnData, 1);
  g_atomic_ref_count_init (&data->ref_count);
  data->name = g_strdup (name);
  data->target_mean = 0.0f;
  data->target_std = 1.0f;

  if (opts->progress)
    opts->progress (0.0, opts->progress_data);

  if (nn_data_is_generated (name))
    ok = _nn_toy_load (data, name, opts, error);
  else if (g_str_equal (name, "mnist") || g_str_equal (name, "fashion-mnist"))
    ok = _nn_idx_load (data, name, opts, error);
  else if (g_str_has_prefix (name, "csv:"))
    ok = _nn_csv_load (data, name + strlen ("csv:"), opts, error);
  else
    {
      g_autofree char *known = g_strjoinv (", ", (char **) builtin_names);
      g_set_error (error, NN_ERROR, NN_ERROR_NOT_FOUND,
                   "There is no dataset named “%s”; the datasets are %s and csv:PATH.",
                   name, known);
    }
  if (!ok)
    goto out;

  g_assert (data->train != NULL && data->test != NULL);
  split_validation (data, opts);

  if (opts->progress)
    opts->progress (1.0, opts->progress_data);

out:
  if (!ok)
    {
      nn_data_free (data);
      return NULL;
    }
  return data;
}

NnData *
nn_data_ref (NnData *data)
{
  g_return_val_if_fail (data != NULL, NULL);
  g_atomic_ref_count_inc (&data->ref_count);
  return data;
}

void
nn_data_unref (NnData *data)
{
  if (data == NULL)
    return;
  if (g_atomic_ref_count_dec (&data->ref_count))
    nn_data_free (data);
}
