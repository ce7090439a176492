/* nn-dataset-private.h: what the dataset loaders share between their files.
 *
 * nn-dataset.c owns NnData and NnDataset and dispatches on the name;
 * nn-toy.c, nn-idx.c and nn-csv.c each fill a fresh NnData (train, test,
 * class names, title); nn-dataset.c then makes the validation split. Not a
 * public header: the UI and the CLI use nn-dataset.h only.
 */
#pragma once

#include "nn-dataset.h"

G_BEGIN_DECLS

/* The most classes a dataset may have; more is a label column of ids. */
#define NN_DATA_MAX_CLASSES 1000

/* An NnDataset struct with no arrays yet (the caller attaches them). */
NnDataset *_nn_dataset_new_empty (NnTask task, NnShape shape, int n, int n_outputs);

/* A NULL-terminated array of "0", "1", ... (transfer full) */
char     **_nn_class_names_numbered (int n);

/* Rows 0 .. @n - 1 shuffled by @seed's stream @stream, then split into the
 * first @n_first and the rest, each part sorted so that a pass over it walks
 * memory forwards. With @n_first 0 nothing is drawn (sorted, the order would
 * be the same). At least one element is allocated. (transfer full) */
guint32   *_nn_split_rows (guint64 seed, guint64 stream, int n, int n_first);

gboolean   _nn_toy_load  (NnData *data, const char *name, const NnDataOptions *opts,
                          GError **error);
gboolean   _nn_idx_load  (NnData *data, const char *name, const NnDataOptions *opts,
                          GError **error);
gboolean   _nn_csv_load  (NnData *data, const char *path, const NnDataOptions *opts,
                          GError **error);

/* The IDX file @base (e.g. "train-images-idx3-ubyte") in @dir: the .gz if it
 * exists, else the raw file, else NULL. (transfer full) */
char      *_nn_idx_file_in (const char *dir, const char *base);

G_END_DECLS
