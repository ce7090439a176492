/* bp-run.c: the trainer glue between the worker thread and the main loop.
 *
 * Everything the worker produces goes into the "pending" fields under
 * self->lock; the first producer after a drain schedules one idle source
 * and later ones only add to what it will drain. The worker holds no
 * reference on the object: dispose stops and joins it before anything is
 * freed, and sets `closing` so that no idle is scheduled after that.
 */
#include "bp-run.h"

#include <math.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* Mid-epoch inspector refreshes are for small sets, where a test pass is
 * cheap; large sets get theirs at epoch ends only. */
#define SMALL_DATASET      5000
#define INSPECT_INTERVAL   0.3
/* The shown rate is samples per second of wall clock over at least this
 * long, so that it means what a user sees: XOR's one-batch epochs take
 * microseconds of compute each, and a per-epoch figure said "4 million
 * samples/s" for a run that trains 800 samples in a third of a second. */
#define RATE_WINDOW        1.0
/* A run shorter than one window gets a figure over all of it, unless it
 * was too short for any figure to mean something. */
#define RATE_MIN_SPAN      0.2
/* Updates reach the main loop at most this often: enough for smooth
 * curves, and it leaves the main loop (and, under a software renderer, the
 * CPU) time for everything else. */
#define MIN_UPDATE_USEC    33000

struct _BpRun
{
  GObject          parent_instance;

  /* Owned */
  NnTrainer       *trainer;
  GThread         *thread;

  /* Main thread only */
  BpRunState       state;

  /* Worker thread only */
  double           last_inspect;      /* nn_now() of the last inspect state */
  double           rate_start;        /* nn_now() at the start of the rate window, < 0 to
                                       * restart it at the next batch (after a pause) */
  guint64          rate_samples;      /* samples since then */
  double           rate;              /* the last full window's samples per second */
  double           rate_provisional;  /* until the first window is full: since the start */

  /* Shared, under lock */
  GMutex           lock;
  gint             epochs;            /* atomic: the trainer keeps its own copy */
  guint            notify_source;
  gint64           last_update;       /* monotonic time the last update was emitted */
  gboolean         closing;
  BpRunUpdate     *pending;           /* (owned) accumulating; NULL when drained */
  BpRunUpdate     *sealed;            /* (owned) one that carries a state asked for with
                                       * bp_run_request_state(): nothing is added to it
                                       * after, so its points end where its state is;
                                       * emitted before pending */
  gint             state_requested;   /* atomic */
  /* Where the run is: every update starts from it, so one that only
   * carries a state computed on pausing still says where the run stands
   * (it said "Epoch 0/0" with an empty bar). */
  int              pos_epoch;
  int              pos_batch;
  int              pos_n_batches;
  double           pos_elapsed;
  double           pos_remaining;
};

G_DEFINE_FINAL_TYPE (BpRun, bp_run, G_TYPE_OBJECT)

enum {
  UPDATE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- BpRunUpdate ------------------------------------------------------- */

static BpRunUpdate *
bp_run_update_new (void)
{
  BpRunUpdate *update = g_new0 (BpRunUpdate, 1);

  g_atomic_ref_count_init (&update->ref_count);
  update->test_accuracy = -1.0f;
  update->remaining = -1.0;
  update->batches = g_array_new (FALSE, FALSE, sizeof (NnBatchPoint));
  update->epoch_points = g_array_new (FALSE, FALSE, sizeof (NnEpochPoint));
  return update;
}

BpRunUpdate *
bp_run_update_ref (BpRunUpdate *update)
{
  g_atomic_ref_count_inc (&update->ref_count);
  return update;
}

void
bp_run_update_unref (BpRunUpdate *update)
{
  if (update == NULL || !g_atomic_ref_count_dec (&update->ref_count))
    return;
  g_array_unref (update->batches);
  g_array_unref (update->epoch_points);
  g_clear_pointer (&update->inspect, bp_inspect_state_unref);
  g_clear_pointer (&update->train_state, nn_train_state_free);
  g_clear_error (&update->error);
  g_free (update);
}

G_DEFINE_BOXED_TYPE (BpRunUpdate, bp_run_update, bp_run_update_ref, bp_run_update_unref)

/* ---- main thread side -------------------------------------------------- */

static gboolean
notify_idle_cb (gpointer user_data)
{
  BpRun *self = user_data;
  g_autoptr(BpRunUpdate) update = NULL;

  g_autoptr(BpRunUpdate) sealed = NULL;

  g_mutex_lock (&self->lock);
  self->notify_source = 0;
  self->last_update = g_get_monotonic_time ();
  sealed = g_steal_pointer (&self->sealed);
  update = g_steal_pointer (&self->pending);
  g_mutex_unlock (&self->lock);

  if (sealed)
    {
      sealed->state = self->state;
      g_signal_emit (self, signals[UPDATE], 0, sealed);
    }
  if (update == NULL)
    return G_SOURCE_REMOVE;

  if (update->finished)
    {
      /* The worker posted its last update and returns right after: the
       * join costs nothing. */
      g_clear_pointer (&self->thread, g_thread_join);
      self->state = BP_RUN_IDLE;
    }
  update->state = self->state;
  g_signal_emit (self, signals[UPDATE], 0, update);
  return G_SOURCE_REMOVE;
}

/* ---- worker thread side ------------------------------------------------ */

/* Called with self->lock held. */
static BpRunUpdate *
pending_locked (BpRun *self)
{
  BpRunUpdate *p;

  if (self->pending != NULL)
    return self->pending;
  p = self->pending = bp_run_update_new ();
  p->epoch = self->pos_epoch;
  p->batch = self->pos_batch;
  p->n_batches = self->pos_n_batches;
  p->epochs = g_atomic_int_get (&self->epochs);
  p->elapsed = self->pos_elapsed;
  p->remaining = self->pos_remaining;
  return p;
}

/* Called with self->lock held, after @p got the newest position. */
static void
keep_position_locked (BpRun *self, const BpRunUpdate *p)
{
  self->pos_epoch = p->epoch;
  self->pos_batch = p->batch;
  self->pos_n_batches = p->n_batches;
  self->pos_elapsed = p->elapsed;
  self->pos_remaining = p->remaining;
}

/* Called with self->lock held. */
static void
schedule_locked (BpRun *self)
{
  gint64 wait;

  if (self->closing || self->notify_source)
    return;
  wait = self->last_update + MIN_UPDATE_USEC - g_get_monotonic_time ();
  if (wait > 1000 && !self->pending->finished)
    self->notify_source = g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) (wait / 1000),
                                              notify_idle_cb, g_object_ref (self),
                                              g_object_unref);
  else
    self->notify_source = g_idle_add_full (G_PRIORITY_DEFAULT, notify_idle_cb,
                                           g_object_ref (self), g_object_unref);
}

/* Posts @state, the trainer's, replacing any not yet delivered. */
static void
publish_state (BpRun *self, NnTrainState *state)
{
  BpRunUpdate *p;

  g_mutex_lock (&self->lock);
  p = pending_locked (self);
  g_clear_pointer (&p->train_state, nn_train_state_free);
  p->train_state = state;
  schedule_locked (self);
  g_mutex_unlock (&self->lock);
}

/* If the main loop asked for the state (bp_run_request_state()), posts it
 * with the points so far, in an update nothing is added to after. Only
 * where nn_trainer_save_state() may be called: between batches of an
 * epoch, or at its end. */
static void
publish_requested_state (BpRun *self, NnTrainer *trainer)
{
  NnTrainState *state;
  BpRunUpdate *p;

  if (!g_atomic_int_get (&self->state_requested))
    return;
  g_mutex_lock (&self->lock);
  /* The last one asked for is not delivered yet: at the next batch. */
  if (self->sealed != NULL)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  g_mutex_unlock (&self->lock);
  g_atomic_int_set (&self->state_requested, FALSE);
  state = nn_trainer_save_state (trainer);

  g_mutex_lock (&self->lock);
  p = pending_locked (self);
  g_clear_pointer (&p->train_state, nn_train_state_free);
  p->train_state = state;
  schedule_locked (self);
  self->sealed = g_steal_pointer (&self->pending);
  g_mutex_unlock (&self->lock);
}

/* Computes an inspection state from the trainer's network and posts it. */
static void
publish_inspect (BpRun *self, NnTrainer *trainer, NnEvalResult *test, int epoch, guint64 step)
{
  BpInspectState *state;
  BpRunUpdate *p;

  state = bp_inspect_state_compute (nn_trainer_get_network (trainer),
                                    nn_trainer_get_data (trainer),
                                    nn_trainer_get_config (trainer)->loss, test, epoch, step);

  g_mutex_lock (&self->lock);
  p = pending_locked (self);
  g_clear_pointer (&p->inspect, bp_inspect_state_unref);
  p->inspect = state;
  schedule_locked (self);
  g_mutex_unlock (&self->lock);
}

static void
on_batch_done (NnTrainer *trainer, const NnBatchReport *r, gpointer user_data)
{
  BpRun *self = user_data;
  NnData *data = nn_trainer_get_data (trainer);
  gboolean classification = data->train->task == NN_TASK_CLASSIFICATION;
  NnBatchPoint point = {
    .step = r->step,
    .x = r->epoch + (float) (r->batch + 1) / r->n_batches,
    .loss = r->loss,
    .accuracy = classification ? r->accuracy : NAN,
    .lr = r->lr,
  };
  guint64 total;
  double now;
  BpRunUpdate *p;

  /* A batch that straddles a pause (or the start) is left out: the window
   * starts when it ends. */
  now = nn_now ();
  if (self->rate_start < 0)
    {
      self->rate_start = now;
      self->rate_samples = 0;
    }
  else
    self->rate_samples += r->n;
  if (now - self->rate_start >= RATE_WINDOW)
    {
      self->rate = self->rate_samples / (now - self->rate_start);
      self->rate_start = now;
      self->rate_samples = 0;
    }
  else if (self->rate <= 0.0 && now - self->rate_start >= RATE_MIN_SPAN)
    self->rate_provisional = self->rate_samples / (now - self->rate_start);

  g_mutex_lock (&self->lock);
  p = pending_locked (self);
  g_array_append_val (p->batches, point);
  p->epoch = r->epoch;
  p->batch = r->batch + 1;
  p->n_batches = r->n_batches;
  p->epochs = g_atomic_int_get (&self->epochs);
  p->elapsed = r->elapsed;
  p->samples_per_second = self->rate > 0.0 ? self->rate : self->rate_provisional;
  total = (guint64) p->epochs * r->n_batches;
  p->remaining = total > r->step && r->step > 0 ? r->elapsed / r->step * (total - r->step) : 0.0;
  keep_position_locked (self, p);
  schedule_locked (self);
  g_mutex_unlock (&self->lock);

  if (data->n_train <= SMALL_DATASET && r->batch + 1 < r->n_batches
      && now - self->last_inspect >= INSPECT_INTERVAL)
    {
      self->last_inspect = now;
      publish_inspect (self, trainer, NULL, r->epoch, r->step);
    }
  /* An epoch's last batch is done but not the epoch: on_epoch_done. */
  if (r->batch + 1 < r->n_batches)
    publish_requested_state (self, trainer);
}

static void
on_epoch_done (NnTrainer *trainer, const NnEpochReport *r, gpointer user_data)
{
  BpRun *self = user_data;
  NnData *data = nn_trainer_get_data (trainer);
  gboolean classification = data->train->task == NN_TASK_CLASSIFICATION;
  NnEpochPoint point = {
    .epoch = r->epoch + 1,
    .train_loss = r->train_loss,
    .train_accuracy = classification ? r->train_accuracy : NAN,
    .val_loss = r->val ? r->val->loss : NAN,
    .val_accuracy = r->val && classification ? r->val->accuracy : NAN,
    .test_loss = r->test ? r->test->loss : NAN,
    .test_accuracy = r->test && classification ? r->test->accuracy : NAN,
    .seconds = r->epoch_seconds,
  };
  double now;
  BpRunUpdate *p;

  g_mutex_lock (&self->lock);
  p = pending_locked (self);
  p->epoch = r->epoch + 1;
  p->batch = 0;
  p->epochs = r->epochs;
  p->epoch_samples_per_second = r->samples_per_second;
  keep_position_locked (self, p);
  g_array_append_val (p->epoch_points, point);
  if (r->test && classification)
    {
      p->test_accuracy = r->test->accuracy;
      p->test_correct = r->test->n_correct;
      p->test_n = r->test->n;
    }
  schedule_locked (self);
  g_mutex_unlock (&self->lock);
  publish_requested_state (self, trainer);

  /* Every epoch end refreshes the views, except that epochs of a few
   * milliseconds (XOR is one batch) refresh a few times a second. */
  now = nn_now ();
  if (now - self->last_inspect >= INSPECT_INTERVAL || r->epoch + 1 >= r->epochs
      || data->n_train > SMALL_DATASET)
    {
      self->last_inspect = now;
      publish_inspect (self, trainer, r->test, r->epoch + 1, nn_trainer_get_epoch (trainer));
    }
}

static void
on_paused (NnTrainer *trainer, gpointer user_data)
{
  BpRun *self = user_data;

  self->last_inspect = nn_now ();
  /* Paused time is not running time: the window restarts on resume; what
   * it holds so far would be too short a span to trust. */
  self->rate_start = -1.0;
  /* The weights and the optimizer as they are now, for a save while
   * paused; the window keeps the newest in the run's record. */
  publish_state (self, nn_trainer_save_state (trainer));
  publish_inspect (self, trainer, NULL, nn_trainer_get_epoch (trainer), 0);
}

static gpointer
run_thread (gpointer user_data)
{
  BpRun *self = user_data;
  static const NnTrainCallbacks callbacks = { on_batch_done, on_epoch_done, on_paused };
  g_autoptr(GError) error = NULL;
  BpRunUpdate *p;
  double span;
  gboolean ok;

#ifdef __linux__
  /* A lower priority for this thread only (Linux keeps a nice value per
   * thread): when the main loop wakes to draw, the scheduler lets it run
   * at once instead of waiting out the trainer's time slice. The trainer
   * still gets every cycle the main loop leaves idle. */
  if (setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), 10) != 0)
    g_debug ("Could not lower the training thread's priority");
#endif
  self->rate_samples = 0;
  self->rate_start = -1.0;
  self->rate = self->rate_provisional = 0.0;
  self->last_inspect = nn_now ();
  ok = nn_trainer_run (self->trainer, &callbacks, self, &error);

  g_mutex_lock (&self->lock);
  p = pending_locked (self);
  p->finished = TRUE;
  /* run() has returned: the state can be read, and continues the run. */
  g_clear_pointer (&p->train_state, nn_train_state_free);
  p->train_state = nn_trainer_save_state (self->trainer);
  span = self->rate_start >= 0 ? nn_now () - self->rate_start : 0.0;
  if (self->rate <= 0.0 && self->rate_start >= 0 && span >= RATE_MIN_SPAN)
    p->samples_per_second = self->rate_samples / span;
  p->epoch = nn_trainer_get_epoch (self->trainer);
  p->epochs = g_atomic_int_get (&self->epochs);
  if (!ok)
    p->error = g_steal_pointer (&error);
  schedule_locked (self);
  g_mutex_unlock (&self->lock);
  return NULL;
}

/* ---- public API -------------------------------------------------------- */

void
bp_run_shutdown (BpRun *self)
{
  guint source;

  g_return_if_fail (BP_IS_RUN (self));

  g_mutex_lock (&self->lock);
  self->closing = TRUE;
  source = self->notify_source;
  self->notify_source = 0;
  g_mutex_unlock (&self->lock);

  if (self->thread)
    {
      nn_trainer_stop (self->trainer);
      g_clear_pointer (&self->thread, g_thread_join);
    }
  self->state = BP_RUN_IDLE;
  /* Last, as it may drop the last reference but one. */
  if (source)
    g_source_remove (source);
}

static void
bp_run_dispose (GObject *object)
{
  BpRun *self = BP_RUN (object);

  bp_run_shutdown (self);
  G_OBJECT_CLASS (bp_run_parent_class)->dispose (object);
}

static void
bp_run_finalize (GObject *object)
{
  BpRun *self = BP_RUN (object);

  g_clear_pointer (&self->sealed, bp_run_update_unref);
  g_clear_pointer (&self->pending, bp_run_update_unref);
  g_clear_pointer (&self->trainer, nn_trainer_free);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (bp_run_parent_class)->finalize (object);
}

static void
bp_run_class_init (BpRunClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bp_run_dispose;
  object_class->finalize = bp_run_finalize;

  /**
   * BpRun::update:
   * @update: (transfer none): what the worker did since the last update
   *
   * Emitted on the main thread, coalesced.
   */
  signals[UPDATE] = g_signal_new ("update", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                  BP_TYPE_RUN_UPDATE | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
bp_run_init (BpRun *self)
{
  g_mutex_init (&self->lock);
}

BpRun *
bp_run_new (const NnNetSpec *spec, NnData *data, const NnTrainConfig *config, GError **error)
{
  NnTrainer *trainer;
  BpRun *self;

  trainer = nn_trainer_new (spec, data, config, error);
  if (trainer == NULL)
    return NULL;
  self = g_object_new (BP_TYPE_RUN, NULL);
  self->trainer = trainer;
  self->epochs = config->epochs;
  return self;
}

BpRun *
bp_run_new_from_state (const NnNetSpec *spec, NnData *data, const NnTrainConfig *config,
                       const NnTrainState *state, GError **error)
{
  NnTrainer *trainer;
  BpRun *self;

  trainer = nn_trainer_new_from_state (spec, data, config, state, error);
  if (trainer == NULL)
    return NULL;
  self = g_object_new (BP_TYPE_RUN, NULL);
  self->trainer = trainer;
  self->epochs = config->epochs;
  self->pos_epoch = state->epoch;
  self->pos_batch = state->batch;
  self->pos_elapsed = state->elapsed;
  self->pos_remaining = -1.0;
  return self;
}

BpRunState
bp_run_get_state (BpRun *self)
{
  g_return_val_if_fail (BP_IS_RUN (self), BP_RUN_IDLE);
  return self->state;
}

NnTrainer *
bp_run_get_trainer (BpRun *self)
{
  g_return_val_if_fail (BP_IS_RUN (self), NULL);
  return self->trainer;
}

gboolean
bp_run_is_alive (BpRun *self)
{
  g_return_val_if_fail (BP_IS_RUN (self), FALSE);
  return self->thread != NULL;
}

int
bp_run_get_epochs_left (BpRun *self)
{
  g_return_val_if_fail (BP_IS_RUN (self), 0);
  return MAX (0, g_atomic_int_get (&self->epochs) - nn_trainer_get_epoch (self->trainer));
}

void
bp_run_start (BpRun *self, gboolean paused)
{
  g_return_if_fail (BP_IS_RUN (self));

  if (self->thread != NULL || self->closing)
    return;
  if (paused)
    nn_trainer_pause (self->trainer);
  else
    nn_trainer_resume (self->trainer);
  self->state = paused ? BP_RUN_PAUSED : BP_RUN_RUNNING;
  self->thread = g_thread_new ("bp-train", run_thread, self);
}

void
bp_run_pause (BpRun *self)
{
  g_return_if_fail (BP_IS_RUN (self));
  if (self->thread == NULL)
    return;
  nn_trainer_pause (self->trainer);
  self->state = BP_RUN_PAUSED;
}

void
bp_run_resume (BpRun *self)
{
  g_return_if_fail (BP_IS_RUN (self));
  if (self->thread == NULL)
    {
      bp_run_start (self, FALSE);
      return;
    }
  nn_trainer_resume (self->trainer);
  self->state = BP_RUN_RUNNING;
}

void
bp_run_step_batch (BpRun *self)
{
  g_return_if_fail (BP_IS_RUN (self));
  if (self->thread == NULL)
    bp_run_start (self, TRUE);
  nn_trainer_step_batch (self->trainer);
  self->state = BP_RUN_PAUSED;
}

void
bp_run_step_epoch (BpRun *self)
{
  g_return_if_fail (BP_IS_RUN (self));
  if (self->thread == NULL)
    bp_run_start (self, TRUE);
  nn_trainer_step_epoch (self->trainer);
  self->state = BP_RUN_PAUSED;
}

void
bp_run_set_lr (BpRun *self, float lr)
{
  g_return_if_fail (BP_IS_RUN (self));
  nn_trainer_set_lr (self->trainer, lr);
}

void
bp_run_set_epochs (BpRun *self, int epochs)
{
  g_return_if_fail (BP_IS_RUN (self));
  g_atomic_int_set (&self->epochs, epochs);
  nn_trainer_set_epochs (self->trainer, epochs);
}

void
bp_run_stop (BpRun *self)
{
  g_return_if_fail (BP_IS_RUN (self));
  if (self->thread != NULL)
    nn_trainer_stop (self->trainer);
}

void
bp_run_request_state (BpRun *self)
{
  g_return_if_fail (BP_IS_RUN (self));
  g_atomic_int_set (&self->state_requested, TRUE);
}
