/* nn-dataset.h: datasets in memory, and where they come from.
 *
 * A dataset is a table of samples. Images stay bytes (0..255) and become
 * floats (divided by 255) one batch at a time in nn_dataset_gather(); 2-D
 * toys, CSV rows and regression data are floats. Classification samples have
 * an integer label; regression samples have n_targets float targets.
 *
 * NnData bundles what a run trains on: the training table, the test table,
 * and a seeded split of the training rows into train and validation indices.
 * It is reference counted and immutable once loaded, so a worker thread and
 * the UI can share it.
 *
 * This is not a data pipeline: there is no augmentation and no streaming;
 * a dataset fits in memory (MNIST's 60000 images are 47 MB of bytes).
 * The loaders live in nn-toy.c (generated sets), nn-idx.c (MNIST files),
 * nn-csv.c (CSV files) and nn-data-find.c (where the files are).
 */
#pragma once

#include "nn-types.h"

G_BEGIN_DECLS

typedef enum
{
  NN_TASK_CLASSIFICATION,
  NN_TASK_REGRESSION,
} NnTask;

typedef struct
{
  NnTask   task;
  NnShape  shape;        /* per sample: (2) for toys, (1,28,28) for MNIST */
  int      n;            /* samples */
  int      n_classes;    /* classification; 0 for regression */
  int      n_targets;    /* regression; 0 for classification */
  guint8  *bytes;        /* (n, size) pixels, or NULL */
  float   *floats;       /* (n, size) features, or NULL; exactly one of bytes/floats is set */
  gint32  *labels;       /* (n) in [0, n_classes), classification only */
  float   *targets;      /* (n, n_targets), regression only */
} NnDataset;

/* A zeroed table: bytes or floats for the features, labels (n_outputs is
 * n_classes) or targets (n_outputs is n_targets). (transfer full) */
NnDataset *nn_dataset_new     (NnTask task, NnShape shape, int n, int n_outputs,
                               gboolean as_bytes, GError **error);
void       nn_dataset_free    (NnDataset *ds);
size_t     nn_dataset_size    (const NnDataset *ds);   /* features per sample */
int        nn_dataset_n_outputs (const NnDataset *ds); /* n_classes or n_targets */
/* x (n, size) as floats; labels (n) and targets (n, n_targets) may be NULL. */
void       nn_dataset_gather  (const NnDataset *ds, const guint32 *rows, int n,
                               float *x, gint32 *labels, float *targets);

/* Generated sets (n_samples and noise do not apply to xor, which is always
 * its four points, for training and for testing):
 *   circles     outer circle of radius 1 (class 0) around one of radius 0.5
 *               (class 1); noise is the std of Gaussian jitter on x and y
 *               (default 0.1)
 *   spiral      two interleaved arms (classes 0 and 1); noise is the std of
 *               the jitter of the angle, in radians (default 0.2)
 *   gaussians   two blobs centred at (-1,-1) (class 0) and (1,1) (class 1);
 *               noise is their std (default 0.7)
 *   regression  f(x,y) = (x+4)^3 + 4y + noise * N(0,1) (default noise 1),
 *               x, y uniform in [0,1]; the target is standardised to mean 0,
 *               std 1 with the training rows' statistics (target_mean and
 *               target_std in NnData undo it)
 * Each has 400 training and 200 test samples by default; with n_samples
 * set, the test set has n_samples / 2 (at least 2). */
typedef struct
{
  const char *data_dir;     /* --data-dir, or NULL */
  int         n_samples;    /* generated sets: training samples (0: the set's default) */
  float       noise;        /* generated sets: noise level (< 0: the set's default) */
  guint64     seed;         /* generated sets, the CSV test split and the validation split */
  float       val_fraction; /* of the training rows, [0, 0.9] */
  gboolean    standardize;  /* CSV: scale features (and regression targets) to mean 0,
                             * std 1 with the training rows' statistics; on by default */
  /* Optional progress for slow loads, called on the loading thread. */
  void      (*progress) (double fraction, gpointer user_data);
  gpointer    progress_data;
} NnDataOptions;

/* Defaults: no data dir, the sets' own sample count and noise, seed 1, no
 * validation rows, CSV standardisation on. */
void nn_data_options_init (NnDataOptions *opts);

typedef struct
{
  char       *name;         /* "xor", "mnist", "csv:/path/x.csv" */
  char       *title;        /* "MNIST", "XOR", "x.csv" */
  char       *source;       /* the folder or file it was read from, or NULL if generated */
  char      **class_names;  /* (n_classes), NULL-terminated; NULL for regression */
  NnDataset  *train;
  NnDataset  *test;
  guint32    *train_rows;   /* rows of @train used for training */
  int         n_train;
  guint32    *val_rows;     /* rows of @train held out for validation */
  int         n_val;
  /* Generated 2-D sets: the plane their points lie in, for plots. */
  float       xmin, xmax, ymin, ymax;
  /* Regression: targets were stored as (t - target_mean) / target_std;
   * 0 and 1 when they were left as they are. */
  float       target_mean, target_std;

  /*< private >*/
  gatomicrefcount ref_count;
} NnData;

/* Names: xor, circles, spiral, gaussians, regression, mnist, fashion-mnist,
 * csv:PATH. A missing dataset is NN_ERROR_NOT_FOUND with a message listing
 * every place that was looked in.
 *
 * CSV files: a header row, then one sample per line, comma-separated (fields
 * may be wrapped in double quotes; no quoted commas). The label is the
 * column named "label", else the last one. Labels that are all integers in
 * [0, 1000) are classes 0..max; other numbers make a regression set; any
 * text makes classes named after the labels, in order of first appearance.
 * A seeded 20 % of the rows is the test set. (transfer full) */
NnData     *nn_data_load      (const char *name, const NnDataOptions *opts, GError **error);
NnData     *nn_data_ref       (NnData *data);
void        nn_data_unref     (NnData *data);
gboolean    nn_data_is_generated (const char *name);
const char * const *nn_data_names (void);  /* the built-in names, NULL-terminated */

/* Where an IDX dataset's folder is, in the order of DESIGN.md; on failure
 * NN_ERROR_NOT_FOUND naming the places looked in. (transfer full) */
char       *nn_data_find_dir  (const char *name, const char *data_dir, GError **error);

/* IDX files (raw or gzip, told apart by their first bytes). The header must
 * agree with the data exactly; memory is bounded by the data actually in the
 * file, whatever the header claims. Exposed for tests. (transfer full) */
gboolean    nn_idx_load_images (const char *path, guint8 **pixels, int *n, int *rows, int *cols,
                                GError **error);
gboolean    nn_idx_load_labels (const char *path, guint8 **labels, int *n, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnData, nn_data_unref)

G_END_DECLS
