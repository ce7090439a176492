/* bp-run.h: one training run on a worker thread, seen from the main loop.
 *
 * A BpRun owns an NnTrainer and the thread that calls nn_trainer_run(). The
 * worker never touches a widget: it appends curve points and replaces the
 * latest status under a mutex and schedules at most one idle source, which
 * drains everything pending and emits "update" on the main thread with an
 * immutable, reference-counted BpRunUpdate. Per-batch points are accumulated,
 * never dropped, however many batches one idle covers.
 *
 * This is not a scheduler: the window decides when runs start and end. A
 * run that finished or was stopped can be started again and continues where
 * it left off (the trainer keeps its network and optimizer state).
 */
#pragma once

#include <gio/gio.h>

#include "bp-inspect-state.h"
#include "bp-run-record.h"

G_BEGIN_DECLS

typedef enum
{
  BP_RUN_IDLE,       /* created or ended (finished, stopped, failed) */
  BP_RUN_RUNNING,
  BP_RUN_PAUSED,
} BpRunState;

typedef struct
{
  BpRunState      state;
  int             epoch;              /* epochs finished */
  int             epochs;
  int             batch;              /* batches done in the current epoch */
  int             n_batches;
  double          elapsed;            /* seconds of training, pauses excluded */
  double          samples_per_second; /* per second of running (wall clock, pauses
                                       * excluded) over the last second or so; over
                                       * the whole run if it was shorter; 0 when
                                       * unknown yet */
  double          epoch_samples_per_second; /* the epoch that ended with this update:
                                             * samples per second of batch compute, as
                                             * backprop-cli reports it; 0 otherwise */
  double          remaining;          /* seconds, < 0 when unknown */
  float           test_accuracy;      /* latest epoch's, < 0 before the first */
  int             test_correct;
  int             test_n;
  GArray         *batches;            /* NnBatchPoint new since the last update */
  GArray         *epoch_points;       /* NnEpochPoint new since the last update */
  BpInspectState *inspect;            /* (nullable) the newest, if one came since the last */
  NnTrainState   *train_state;        /* (nullable) the trainer's state, taken on pausing, at
                                       * the end, and when asked (bp_run_request_state()):
                                       * weights, optimizer, position */
  gboolean        finished;           /* the thread ended with this update */
  GError         *error;              /* (nullable) why it ended, unless finished normally */
  /*< private >*/
  gatomicrefcount ref_count;
} BpRunUpdate;

#define BP_TYPE_RUN_UPDATE (bp_run_update_get_type ())
GType        bp_run_update_get_type (void) G_GNUC_CONST;
BpRunUpdate *bp_run_update_ref   (BpRunUpdate *update);
void         bp_run_update_unref (BpRunUpdate *update);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpRunUpdate, bp_run_update_unref)

#define BP_TYPE_RUN (bp_run_get_type ())
G_DECLARE_FINAL_TYPE (BpRun, bp_run, BP, RUN, GObject)

/* Builds the trainer (the network must fit @data). (transfer full) */
BpRun      *bp_run_new            (const NnNetSpec *spec, NnData *data,
                                   const NnTrainConfig *config, GError **error);
/* Continues a run from @state (see nn_trainer_new_from_state()). (transfer full) */
BpRun      *bp_run_new_from_state (const NnNetSpec *spec, NnData *data,
                                   const NnTrainConfig *config, const NnTrainState *state,
                                   GError **error);
BpRunState  bp_run_get_state      (BpRun *self);
NnTrainer  *bp_run_get_trainer    (BpRun *self);   /* borrowed; only while no thread runs */
gboolean    bp_run_is_alive       (BpRun *self);   /* the worker thread exists */
int         bp_run_get_epochs_left (BpRun *self);

/* Starts (or continues) on a new worker thread; @paused starts it paused,
 * for single steps. Does nothing if the thread is alive. */
void        bp_run_start          (BpRun *self, gboolean paused);
void        bp_run_pause          (BpRun *self);
void        bp_run_resume         (BpRun *self);
void        bp_run_step_batch     (BpRun *self);
void        bp_run_step_epoch     (BpRun *self);
void        bp_run_set_lr         (BpRun *self, float lr);
void        bp_run_set_epochs     (BpRun *self, int epochs);
/* Asks the running worker for its state (weights, optimizer, position) at
 * the next batch boundary, without waiting: it comes as the train_state of
 * an update whose points end where the state is (points after it come in
 * the next). While paused, or once the run ends, the state comes anyway. */
void        bp_run_request_state  (BpRun *self);
/* Asks the worker to stop at the next batch boundary; the run ends with an
 * "update" whose error is NN_ERROR_CANCELLED. Does not wait. */
void        bp_run_stop           (BpRun *self);
/* Stops, joins the thread and drops any pending update without emitting it:
 * for the window going away. Waits at most one batch (or one evaluation). */
void        bp_run_shutdown       (BpRun *self);

G_END_DECLS
