/* nn-project.h: Backprop project files (.backprop), the one document format
 * for the window and backprop-cli (--checkpoint, --resume, info).
 *
 * The file IS a safetensors file (nn-safetensors.h, the container shared
 * with model files, hardened the same way). The newest run that has
 * weights stores them under today's model names ("0.weight", "0.bias", ...)
 * with today's model __metadata__ keys, so nn_model_load() and PyTorch's
 * safetensors.torch.load_file() read a project's model directly. Every
 * other tensor is named "runs.<i>.…" (other runs' weights, optimizer
 * moments, per-batch curves), and everything else is one JSON document in
 * __metadata__["backprop.project"] with "format_version": 1; a newer
 * version is refused with a clear sentence. 64-bit integers (seeds, step
 * counts, the RNG state) are decimal strings in the JSON, so nothing is
 * lost to doubles. docs/project-format.md describes the format in full.
 *
 * This is the document's data, not its behaviour: nothing here trains,
 * watches or notifies.
 */
#pragma once

#include "nn-train.h"

G_BEGIN_DECLS

#define NN_PROJECT_FORMAT_VERSION 1

/* The dataset as chosen, enough to load the same rows again. */
typedef struct
{
  char     *name;          /* "mnist", "spiral", "csv:/abs/path.csv" */
  char     *csv_sha256;    /* csv: hex SHA-256 of the file when saved, else NULL */
  int       n_samples;     /* generated sets; 0 = default */
  float     noise;         /* generated sets; < 0 = default */
  float     val_fraction;
  gboolean  standardize;   /* csv */
  guint64   seed;          /* generated sets, the CSV test split and the validation split */
} NnDataChoice;

/* Defaults as nn_data_options_init(), no name. */
void      nn_data_choice_init  (NnDataChoice *choice);
void      nn_data_choice_clear (NnDataChoice *choice);
void      nn_data_choice_copy  (NnDataChoice *dst, const NnDataChoice *src);
/* Fills @choice from @name and @opts; for a CSV, with the file's SHA-256. */
gboolean  nn_data_choice_set   (NnDataChoice *choice, const char *name,
                                const NnDataOptions *opts, GError **error);
/* (transfer full) The data, with @data_dir as --data-dir (may be NULL). A
 * CSV whose SHA-256 is no longer the one saved is refused (NN_ERROR_CORRUPT)
 * rather than silently trained on different rows. */
NnData   *nn_data_choice_load  (const NnDataChoice *choice, const char *data_dir,
                                GError **error);

typedef enum
{
  NN_RUN_PAUSED,     /* can continue (the CLI's checkpoints between epochs too) */
  NN_RUN_STOPPED,
  NN_RUN_FINISHED,
  NN_RUN_FAILED,
  NN_N_RUN_STATUSES
} NnRunStatus;

const char *nn_run_status_name (NnRunStatus status);  /* "paused", "stopped", ... */

typedef struct { guint64 step; float x; float loss; float accuracy; float lr; } NnBatchPoint;
/* NaN where a figure is absent (no validation rows, regression accuracy).
 * @epoch counts from 1. */
typedef struct { int epoch; float train_loss, train_accuracy, val_loss, val_accuracy,
                 test_loss, test_accuracy; double seconds; } NnEpochPoint;
typedef struct { guint64 step; float lr; } NnLrChange;

typedef struct
{
  char          *name;        /* "Run 1" */
  char          *spec;        /* frozen copy of the network */
  NnShape        in_shape;    /* the input the network was built on */
  NnDataChoice   data;        /* frozen copy of the dataset choice */
  NnTrainConfig  config;      /* frozen copy of the settings (epochs = the target) */
  NnRunStatus    status;
  gint64         started;     /* unix time, seconds */
  GArray        *batches;     /* NnBatchPoint */
  GArray        *epochs;      /* NnEpochPoint */
  GArray        *lr_changes;  /* NnLrChange */
  NnTrainState  *state;       /* (nullable) weights + optimizer + position */
  char         **class_names; /* NULL-terminated or NULL */
} NnRunRecord;

/* (transfer full) An empty record: no name, spec or state, empty arrays. */
NnRunRecord *nn_run_record_new  (void);
void         nn_run_record_free (NnRunRecord *run);

typedef struct
{
  int            format_version;  /* NN_PROJECT_FORMAT_VERSION when saved and loaded */
  char          *name;         /* display name, may be NULL (the file name is used) */
  char          *spec;         /* the editor's network now, may be NULL */
  NnDataChoice   data;         /* the editor's dataset now */
  NnTrainConfig  config;       /* the editor's settings now */
  GPtrArray     *runs;         /* NnRunRecord, oldest first; the last is "current" */
} NnProject;

/* (transfer full) No name, spec or runs; default data choice and settings. */
NnProject   *nn_project_new     (void);
void         nn_project_free    (NnProject *p);
/* (nullable) (transfer none) The last run, or NULL. */
NnRunRecord *nn_project_get_current_run (const NnProject *p);
/* Atomic: a failed save (NN_ERROR_IO) leaves any existing file intact.
 * NN_ERROR_INVALID_ARGUMENT for a project that cannot be written (a run
 * whose state does not fit its spec, strings that are not UTF-8). */
gboolean     nn_project_save    (const char *path, const NnProject *p, GError **error);
/* (transfer full) Every offset and size is checked before memory is
 * touched; NN_ERROR_CORRUPT for anything inconsistent (and for a file from
 * a newer Backprop, with a sentence saying so); NN_ERROR_NOT_FOUND for a
 * missing file. */
NnProject   *nn_project_load    (const char *path, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnRunRecord, nn_run_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnProject, nn_project_free)

G_END_DECLS
