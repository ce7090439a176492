/* nn-train.h: the training loop.
 *
 * One function, nn_trainer_run(), drives epochs of seeded, shuffled batches
 * through forward, loss, backward and an optimizer step, evaluates on the
 * validation and test rows at the end of every epoch, and reports through
 * callbacks. The command line runs it directly; the app runs it on a worker
 * thread. Pause, resume, stop and single-step are requested from any thread
 * and act at batch boundaries; the network and optimizer state are kept, so
 * a stopped or finished run can be continued by calling run again.
 *
 * Callbacks run on the thread that called nn_trainer_run(), between batches:
 * they may call nn_trainer_predict() and read the network.
 */
#pragma once

#include "nn-dataset.h"
#include "nn-loss.h"
#include "nn-network.h"
#include "nn-optim.h"

G_BEGIN_DECLS

typedef struct
{
  NnLossKind    loss;
  NnOptimConfig optim;
  NnInit        init;
  int           batch_size;
  int           epochs;      /* run() returns after this many epochs in all */
  guint64       seed;
  int           threads;     /* BLAS threads; 0 picks by the work per batch */
  /* FALSE (the default): while run() trains a batch (forward, backward,
   * step) it flushes denormal floats to zero on the calling thread and the
   * workers sharing its products; callbacks and evaluations run in the
   * calling thread's own mode, which is back when run() returns. TRUE:
   * that mode is used throughout. Not saved with a project. */
  gboolean      keep_denormals;
} NnTrainConfig;

void nn_train_config_init (NnTrainConfig *config);  /* cross-entropy, adam 0.001, batch 64, 10 epochs, seed 1 */

/* An evaluation over a set of rows. Reference counted, immutable. */
typedef struct
{
  int     n;            /* samples evaluated */
  int     n_outputs;
  float   loss;
  float   accuracy;     /* classification, in [0, 1] */
  float   rmse, r2;     /* regression; nn_trainer_evaluate() gives rmse in the data's
                         * own units (nn_evaluate() in the units it was given) */
  int     n_correct;
  guint32 *rows;        /* (n) the dataset rows, in order */
  gint32  *predicted;   /* (n) argmax class; classification only */
  gint32  *labels;      /* (n) true class; classification only */
  float   *outputs;     /* (n, n_outputs) probabilities (classification) or predictions */
  float   *targets;     /* (n, n_outputs) regression only */
} NnEvalResult;

NnEvalResult *nn_eval_result_ref   (NnEvalResult *result);
void          nn_eval_result_unref (NnEvalResult *result);

typedef struct
{
  int     epoch;          /* 0-based epoch this batch belongs to */
  int     batch;          /* 0-based batch within the epoch */
  int     n_batches;      /* batches per epoch */
  guint64 step;           /* batches done in all, this one included */
  int     n;              /* samples in this batch */
  float   loss;
  float   accuracy;       /* classification */
  float   lr;             /* the learning rate used for this step */
  double  elapsed;        /* seconds spent running, pauses excluded */
} NnBatchReport;

typedef struct
{
  int           epoch;             /* 0-based epoch just finished */
  int           epochs;
  float         train_loss;        /* mean over the epoch's batches, by sample */
  float         train_accuracy;
  NnEvalResult *val;               /* (nullable) borrowed: ref to keep */
  NnEvalResult *test;              /* (nullable) borrowed: ref to keep */
  double        epoch_seconds;     /* training time of this epoch (evaluation excluded) */
  double        samples_per_second;
  double        elapsed;
} NnEpochReport;

typedef struct _NnTrainer NnTrainer;

typedef struct
{
  void (*batch_done) (NnTrainer *trainer, const NnBatchReport *report, gpointer user_data);
  void (*epoch_done) (NnTrainer *trainer, const NnEpochReport *report, gpointer user_data);
  /* Called whenever the run becomes paused (after a step, or on request). */
  void (*paused)     (NnTrainer *trainer, gpointer user_data);
} NnTrainCallbacks;

/* The trainer takes a reference on @data and owns a network built from
 * @spec. Fails with a clear error if the network does not fit the data. */
NnTrainer    *nn_trainer_new          (const NnNetSpec *spec, NnData *data,
                                       const NnTrainConfig *config, GError **error);
void          nn_trainer_free         (NnTrainer *trainer);
NnNetwork    *nn_trainer_get_network  (NnTrainer *trainer);
NnData       *nn_trainer_get_data     (NnTrainer *trainer);
const NnTrainConfig *nn_trainer_get_config (NnTrainer *trainer);

/* Runs until the configured epochs are done, a stop is requested, or an
 * error (NN_ERROR_DIVERGED names the epoch and batch). Returns FALSE with
 * NN_ERROR_CANCELLED after a stop. */
gboolean      nn_trainer_run          (NnTrainer *trainer, const NnTrainCallbacks *callbacks,
                                       gpointer user_data, GError **error);

/* Thread-safe controls. */
void          nn_trainer_pause        (NnTrainer *trainer);
void          nn_trainer_resume       (NnTrainer *trainer);
void          nn_trainer_stop         (NnTrainer *trainer);
void          nn_trainer_step_batch   (NnTrainer *trainer);  /* while paused: one batch, then pause */
void          nn_trainer_step_epoch   (NnTrainer *trainer);  /* while paused: to the epoch's end */
void          nn_trainer_set_lr       (NnTrainer *trainer, float lr);   /* from the next batch */
void          nn_trainer_set_epochs   (NnTrainer *trainer, int epochs);
gboolean      nn_trainer_is_paused    (NnTrainer *trainer);
int           nn_trainer_get_epoch    (NnTrainer *trainer);  /* epochs finished */
int           nn_trainer_get_threads  (NnTrainer *trainer);  /* BLAS threads run() uses */

/* Everything needed to continue a run exactly where it stopped: the same
 * numbers bit for bit as if it had never stopped. The shuffled order of
 * the current epoch is not kept: it comes from (seed, epoch) alone. */
typedef struct
{
  size_t   n_params;
  float   *params;        /* (n_params) */
  /* optimizer */
  guint64  opt_t;         /* steps taken */
  float    opt_lr;        /* current learning rate (after manual changes) */
  float   *opt_m;         /* (n_params) or NULL (sgd) */
  float   *opt_v;         /* (n_params) or NULL (not adam) */
  /* position */
  int      epoch;         /* epochs finished */
  int      batch;         /* batches finished in the current epoch */
  guint64  step;          /* batches done in all */
  double   elapsed;       /* seconds spent training, pauses excluded */
  double   epoch_seconds; /* of that, in the current epoch */
  double   sum_loss;      /* partial sums of the current epoch */
  int      sum_correct, sum_n;
  NnRng    dropout_rng;
} NnTrainState;

/* (transfer full) The trainer's state. Call it when run() is not running,
 * or from the paused or epoch_done callbacks; not from batch_done, where an
 * epoch's last batch is done but the epoch is not yet finished, and not
 * from another thread during run(): nn_trainer_is_paused() is already TRUE
 * while the batch that was running when the pause was asked finishes. A
 * learning rate set with nn_trainer_set_lr() and not yet used is saved as
 * the current one. */
NnTrainState *nn_trainer_save_state     (NnTrainer *trainer);
/* A trainer that continues from @state: @spec, @data and @config must be
 * the ones the run was started with (but config->epochs, the target, may
 * differ). Fails with NN_ERROR_INVALID_ARGUMENT if @state does not fit them
 * (its weight count, its optimizer's moments, its batch position). */
NnTrainer    *nn_trainer_new_from_state (const NnNetSpec *spec, NnData *data,
                                         const NnTrainConfig *config,
                                         const NnTrainState *state, GError **error);
NnTrainState *nn_train_state_copy       (const NnTrainState *state);
void          nn_train_state_free       (NnTrainState *state);

/* Evaluation on the trainer's thread (or when not running). */
NnEvalResult *nn_trainer_evaluate     (NnTrainer *trainer, const NnDataset *ds,
                                       const guint32 *rows, int n, GError **error);
/* The same evaluation for any network, e.g. one loaded from a file. */
NnEvalResult *nn_evaluate             (NnNetwork *net, NnLossKind loss, const NnDataset *ds,
                                       const guint32 *rows, int n, GError **error);

/* nn_evaluate() with a regression's RMSE in the units of @data's targets
 * (which it trained on standardised), as nn_trainer_evaluate() gives it. */
NnEvalResult *nn_data_evaluate        (NnNetwork *net, NnLossKind loss, NnData *data,
                                       const NnDataset *ds, const guint32 *rows, int n,
                                       GError **error);

/* Evaluation-mode outputs for x (n, in_size) into out (n, out_size); for
 * classification these are probabilities (softmax applied if needed). */
gboolean      nn_trainer_predict      (NnTrainer *trainer, const float *x, int n, float *out);
/* The same for any network trained with @loss. */
gboolean      nn_predict              (NnNetwork *net, NnLossKind loss, const float *x, int n,
                                       float *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnTrainState, nn_train_state_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnTrainer, nn_trainer_free)

G_END_DECLS
