/* bp-run-record.h: one run of a project, as the window shows it and a
 * project file keeps it.
 *
 * A GObject around the engine's NnRunRecord (engine/nn-project.h): the
 * frozen network, dataset choice and settings the run started with, its
 * per-batch and per-epoch points (the epochs carry the validation and test
 * evaluations), its learning-rate changes and, once it paused or ended,
 * its weights and optimizer state. The record owns the only copy of the
 * curves: the plots draw from it, and "points-added" says where the new
 * points start. Main thread only; BpRun's updates feed it.
 */
#pragma once

#include <glib-object.h>

#include "nn-project.h"

G_BEGIN_DECLS

/* The curves a record's points make; x is in epochs (fractional for
 * batches: epoch + (batch + 1) / n_batches). */
typedef enum
{
  BP_CURVE_TRAIN_LOSS,
  BP_CURVE_TRAIN_ACCURACY,
  BP_CURVE_VAL_LOSS,
  BP_CURVE_VAL_ACCURACY,
  BP_CURVE_TEST_LOSS,
  BP_CURVE_TEST_ACCURACY,
  BP_N_CURVES
} BpCurve;

#define BP_TYPE_RUN_RECORD (bp_run_record_get_type ())
G_DECLARE_FINAL_TYPE (BpRunRecord, bp_run_record, BP, RUN_RECORD, GObject)

/* A new, empty record of a run of @spec on @data with @config. */
BpRunRecord       *bp_run_record_new          (const char *name, const char *spec,
                                               NnShape in_shape, const NnDataChoice *data,
                                               const NnTrainConfig *config,
                                               char **class_names);
/* Takes @record. (transfer full) */
BpRunRecord       *bp_run_record_new_take     (NnRunRecord *record);
/* A record of a deep copy of @record. (transfer full) */
BpRunRecord       *bp_run_record_new_copy     (const NnRunRecord *record);
/* A deep copy of the record, e.g. for a save on another thread. (transfer full) */
NnRunRecord       *bp_run_record_dup_nn       (BpRunRecord *self);
const NnRunRecord *bp_run_record_get_nn       (BpRunRecord *self);   /* borrowed, read only */

const char        *bp_run_record_get_name     (BpRunRecord *self);
NnRunStatus        bp_run_record_get_status   (BpRunRecord *self);
void               bp_run_record_set_status   (BpRunRecord *self, NnRunStatus status);
/* Epochs finished, from the points (the state may lag behind them). */
int                bp_run_record_get_n_epochs (BpRunRecord *self);
gboolean           bp_run_record_is_empty     (BpRunRecord *self);   /* no point yet */

/* Appends @n_batches NnBatchPoint and @n_epochs NnEpochPoint and emits
 * "points-added" with the index of the first new one of each. */
void               bp_run_record_append       (BpRunRecord *self, const NnBatchPoint *batches,
                                               guint n_batches, const NnEpochPoint *epochs,
                                               guint n_epochs);
/* The learning rate changed to @lr after the last batch so far. */
void               bp_run_record_add_lr_change (BpRunRecord *self, float lr);
/* (nullable) The weights, optimizer state and position; borrowed. */
const NnTrainState *bp_run_record_get_state   (BpRunRecord *self);
void               bp_run_record_take_state   (BpRunRecord *self, NnTrainState *state);

/* Appends (x, y) doubles of @curve to @xy for the points from index @from
 * on (batch points for the training curves, epoch points for the others),
 * leaving out absent (NaN) and non-finite values. Returns how many. */
guint              bp_run_record_get_curve    (BpRunRecord *self, BpCurve curve, guint from,
                                               GArray *xy);
/* Where on the curves' x axis learning-rate change @i happened. */
double             bp_run_record_get_lr_change_x (BpRunRecord *self, guint i);

G_END_DECLS
