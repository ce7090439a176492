/* bp-run-record.c: a run's record, the engine's NnRunRecord with a signal.
 */
#include "bp-run-record.h"

#include <math.h>

struct _BpRunRecord
{
  GObject      parent_instance;

  /* Owned */
  NnRunRecord *record;
};

G_DEFINE_FINAL_TYPE (BpRunRecord, bp_run_record, G_TYPE_OBJECT)

enum {
  POINTS_ADDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
bp_run_record_finalize (GObject *object)
{
  BpRunRecord *self = BP_RUN_RECORD (object);

  g_clear_pointer (&self->record, nn_run_record_free);
  G_OBJECT_CLASS (bp_run_record_parent_class)->finalize (object);
}

static void
bp_run_record_class_init (BpRunRecordClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = bp_run_record_finalize;

  /**
   * BpRunRecord::points-added:
   * @first_batch: index of the first new batch point
   * @first_epoch: index of the first new epoch point
   */
  signals[POINTS_ADDED] = g_signal_new ("points-added", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                        G_TYPE_UINT, G_TYPE_UINT);
}

static void
bp_run_record_init (BpRunRecord *self)
{
}

BpRunRecord *
bp_run_record_new_take (NnRunRecord *record)
{
  BpRunRecord *self;

  g_return_val_if_fail (record != NULL, NULL);
  self = g_object_new (BP_TYPE_RUN_RECORD, NULL);
  self->record = record;
  return self;
}

BpRunRecord *
bp_run_record_new (const char *name, const char *spec, NnShape in_shape,
                   const NnDataChoice *data, const NnTrainConfig *config, char **class_names)
{
  NnRunRecord *r = nn_run_record_new ();

  r->name = g_strdup (name);
  r->spec = g_strdup (spec);
  r->in_shape = in_shape;
  nn_data_choice_clear (&r->data);
  nn_data_choice_copy (&r->data, data);
  r->config = *config;
  r->status = NN_RUN_PAUSED;
  r->started = g_get_real_time () / G_USEC_PER_SEC;
  r->class_names = g_strdupv (class_names);
  return bp_run_record_new_take (r);
}

static NnRunRecord *
record_copy (const NnRunRecord *r)
{
  NnRunRecord *c = nn_run_record_new ();

  c->name = g_strdup (r->name);
  c->spec = g_strdup (r->spec);
  c->in_shape = r->in_shape;
  nn_data_choice_clear (&c->data);
  nn_data_choice_copy (&c->data, &r->data);
  c->config = r->config;
  c->status = r->status;
  c->started = r->started;
  g_array_append_vals (c->batches, r->batches->data, r->batches->len);
  g_array_append_vals (c->epochs, r->epochs->data, r->epochs->len);
  g_array_append_vals (c->lr_changes, r->lr_changes->data, r->lr_changes->len);
  c->state = r->state ? nn_train_state_copy (r->state) : NULL;
  c->class_names = g_strdupv (r->class_names);
  return c;
}

BpRunRecord *
bp_run_record_new_copy (const NnRunRecord *record)
{
  g_return_val_if_fail (record != NULL, NULL);
  return bp_run_record_new_take (record_copy (record));
}

NnRunRecord *
bp_run_record_dup_nn (BpRunRecord *self)
{
  g_return_val_if_fail (BP_IS_RUN_RECORD (self), NULL);
  return record_copy (self->record);
}

const NnRunRecord *
bp_run_record_get_nn (BpRunRecord *self)
{
  g_return_val_if_fail (BP_IS_RUN_RECORD (self), NULL);
  return self->record;
}

const char *
bp_run_record_get_name (BpRunRecord *self)
{
  g_return_val_if_fail (BP_IS_RUN_RECORD (self), NULL);
  return self->record->name;
}

NnRunStatus
bp_run_record_get_status (BpRunRecord *self)
{
  g_return_val_if_fail (BP_IS_RUN_RECORD (self), NN_RUN_FAILED);
  return self->record->status;
}

void
bp_run_record_set_status (BpRunRecord *self, NnRunStatus status)
{
  g_return_if_fail (BP_IS_RUN_RECORD (self));
  self->record->status = status;
}

int
bp_run_record_get_n_epochs (BpRunRecord *self)
{
  GArray *epochs;

  g_return_val_if_fail (BP_IS_RUN_RECORD (self), 0);
  epochs = self->record->epochs;
  return epochs->len ? g_array_index (epochs, NnEpochPoint, epochs->len - 1).epoch : 0;
}

gboolean
bp_run_record_is_empty (BpRunRecord *self)
{
  g_return_val_if_fail (BP_IS_RUN_RECORD (self), TRUE);
  return self->record->batches->len == 0 && self->record->epochs->len == 0;
}

void
bp_run_record_append (BpRunRecord *self, const NnBatchPoint *batches, guint n_batches,
                      const NnEpochPoint *epochs, guint n_epochs)
{
  guint first_batch, first_epoch;

  g_return_if_fail (BP_IS_RUN_RECORD (self));
  if (n_batches == 0 && n_epochs == 0)
    return;
  first_batch = self->record->batches->len;
  first_epoch = self->record->epochs->len;
  g_array_append_vals (self->record->batches, batches, n_batches);
  g_array_append_vals (self->record->epochs, epochs, n_epochs);
  g_signal_emit (self, signals[POINTS_ADDED], 0, first_batch, first_epoch);
}

void
bp_run_record_add_lr_change (BpRunRecord *self, float lr)
{
  GArray *b;
  NnLrChange change = { 0, lr };

  g_return_if_fail (BP_IS_RUN_RECORD (self));
  b = self->record->batches;
  if (b->len > 0)
    change.step = g_array_index (b, NnBatchPoint, b->len - 1).step;
  g_array_append_val (self->record->lr_changes, change);
}

const NnTrainState *
bp_run_record_get_state (BpRunRecord *self)
{
  g_return_val_if_fail (BP_IS_RUN_RECORD (self), NULL);
  return self->record->state;
}

void
bp_run_record_take_state (BpRunRecord *self, NnTrainState *state)
{
  g_return_if_fail (BP_IS_RUN_RECORD (self));
  if (self->record->state == state)
    return;
  nn_train_state_free (self->record->state);
  self->record->state = state;
}

static void
append_xy (GArray *xy, double x, double y, guint *n)
{
  double p[2] = { x, y };

  if (!isfinite (x) || !isfinite (y))
    return;
  g_array_append_vals (xy, p, 2);
  (*n)++;
}

guint
bp_run_record_get_curve (BpRunRecord *self, BpCurve curve, guint from, GArray *xy)
{
  const NnRunRecord *r;
  guint n = 0;

  g_return_val_if_fail (BP_IS_RUN_RECORD (self), 0);
  r = self->record;
  if (curve == BP_CURVE_TRAIN_LOSS || curve == BP_CURVE_TRAIN_ACCURACY)
    {
      for (guint i = from; i < r->batches->len; i++)
        {
          const NnBatchPoint *b = &g_array_index (r->batches, NnBatchPoint, i);

          append_xy (xy, b->x, curve == BP_CURVE_TRAIN_LOSS ? b->loss : b->accuracy, &n);
        }
      return n;
    }
  for (guint i = from; i < r->epochs->len; i++)
    {
      const NnEpochPoint *e = &g_array_index (r->epochs, NnEpochPoint, i);
      float y = curve == BP_CURVE_VAL_LOSS ? e->val_loss
              : curve == BP_CURVE_VAL_ACCURACY ? e->val_accuracy
              : curve == BP_CURVE_TEST_LOSS ? e->test_loss
              : e->test_accuracy;

      append_xy (xy, e->epoch, y, &n);
    }
  return n;
}

double
bp_run_record_get_lr_change_x (BpRunRecord *self, guint i)
{
  const NnRunRecord *r;
  guint64 step;
  double x = 0;

  g_return_val_if_fail (BP_IS_RUN_RECORD (self), 0);
  r = self->record;
  g_return_val_if_fail (i < r->lr_changes->len, 0);
  step = g_array_index (r->lr_changes, NnLrChange, i).step;
  for (guint k = 0; k < r->batches->len; k++)
    {
      const NnBatchPoint *b = &g_array_index (r->batches, NnBatchPoint, k);

      if (b->step > step)
        break;
      x = b->x;
    }
  return x;
}
