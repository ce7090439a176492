/* nn-train.c: the training loop, its controls and evaluation.
 *
 * The loop keeps its position (epoch, batch, this epoch's shuffled order)
 * in the trainer, so a pause, a stop or the end of the configured epochs
 * leaves everything needed to go on: run() simply continues. Each epoch's
 * order comes from (seed, epoch) alone, so a run that was paused, stopped
 * and continued gives the same numbers as one that was not.
 */
#include "nn-train.h"
#include "nn-kernels.h"

#include <math.h>
#include <string.h>

#define EVAL_CHUNK 512

struct _NnTrainer
{
  NnNetwork     *net;
  NnData        *data;
  NnTrainConfig  config;
  NnOptimizer   *opt;
  NnRng          dropout_rng;
  NnLossInput    input;           /* what the loss reads, where its gradient enters */
  size_t         out_size;

  /* Position */
  int            epoch;           /* epochs finished */
  int            batch;           /* batches finished in the current epoch */
  int            n_batches;
  guint32       *order;           /* (n_train) this epoch's order */
  guint64        step;
  double         elapsed;
  double         epoch_time;
  double         sum_loss;
  int            sum_correct, sum_n;

  /* Batch buffers */
  gint32        *labels;          /* (batch) */
  float         *targets;         /* (batch, out_size) */
  float         *dout;            /* (batch, out_size) */

  /* Controls, under lock */
  GMutex         lock;
  GCond          cond;
  gboolean       pause_requested;
  gboolean       stop_requested;
  int            steps_pending;   /* single-batch steps asked for and not yet run */
  gboolean       step_to_epoch_end;
  gboolean       stepping;
  float          pending_lr;      /* > 0 when a change waits for the next batch */
  int            epochs;
};

void
nn_train_config_init (NnTrainConfig *config)
{
  memset (config, 0, sizeof *config);
  config->loss = NN_LOSS_CROSS_ENTROPY;
  config->optim = nn_optim_config_default (NN_OPTIM_ADAM);
  config->init = NN_INIT_AUTO;
  config->batch_size = 64;
  config->epochs = 10;
  config->seed = 1;
  config->threads = 0;
}

/* Evaluation results */

typedef struct
{
  NnEvalResult  pub;
  gatomicrefcount ref;
} EvalResult;

static NnEvalResult *
eval_result_new (int n, int n_outputs, gboolean classification)
{
  EvalResult *r = g_new0 (EvalResult, 1);

  g_atomic_ref_count_init (&r->ref);
  r->pub.n = n;
  r->pub.n_outputs = n_outputs;
  r->pub.rows = g_new (guint32, MAX (n, 1));
  r->pub.outputs = g_new (float, (size_t) MAX (n, 1) * n_outputs);
  if (classification)
    {
      r->pub.predicted = g_new (gint32, MAX (n, 1));
      r->pub.labels = g_new (gint32, MAX (n, 1));
    }
  else
    r->pub.targets = g_new (float, (size_t) MAX (n, 1) * n_outputs);
  return &r->pub;
}

NnEvalResult *
nn_eval_result_ref (NnEvalResult *result)
{
  EvalResult *r = (EvalResult *) result;

  g_return_val_if_fail (result != NULL, NULL);
  g_atomic_ref_count_inc (&r->ref);
  return result;
}

void
nn_eval_result_unref (NnEvalResult *result)
{
  EvalResult *r = (EvalResult *) result;

  if (result == NULL || !g_atomic_ref_count_dec (&r->ref))
    return;
  g_free (result->rows);
  g_free (result->predicted);
  g_free (result->labels);
  g_free (result->outputs);
  g_free (result->targets);
  g_free (r);
}

static NnLayerKind
last_kind (NnNetwork *net)
{
  const NnNetSpec *spec = nn_network_get_spec (net);
  return spec->layers[spec->n_layers - 1].kind;
}

static int
argmax (const float *v, int n)
{
  int best = 0;

  for (int j = 1; j < n; j++)
    if (v[j] > v[best])
      best = j;
  return best;
}

/* Turns raw outputs into what a user reads: class probabilities when the
 * network ends in logits for a probability loss. */
static void
to_probabilities (float *out, int n, int dim, NnLossKind loss, NnLossInput input)
{
  if (input != NN_LOSS_FROM_LOGITS)
    return;
  if (loss == NN_LOSS_CROSS_ENTROPY)
    nn_softmax_rows (out, n, dim);
  else if (loss == NN_LOSS_BCE)
    for (size_t k = 0; k < (size_t) n * dim; k++)
      out[k] = 1.0f / (1.0f + expf (-out[k]));
}

NnEvalResult *
nn_evaluate (NnNetwork *net, NnLossKind loss, const NnDataset *ds,
             const guint32 *rows, int n, GError **error)
{
  gboolean classification = ds->task == NN_TASK_CLASSIFICATION;
  NnLossInput input = nn_loss_input (loss, last_kind (net));
  size_t in_size = nn_network_get_in_size (net);
  int dim = (int) nn_network_get_out_size (net);
  NnEvalResult *r = NULL;
  g_autofree float *x = NULL;
  double total_loss = 0.0, sse = 0.0, sst = 0.0, sum_t = 0.0;

  if (in_size != nn_dataset_size (ds) || dim != nn_dataset_n_outputs (ds))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_SHAPE,
                   "The network takes %zu inputs and gives %d outputs, but the data has %zu "
                   "inputs and %d outputs.", in_size, dim, nn_dataset_size (ds),
                   nn_dataset_n_outputs (ds));
      return NULL;
    }
  if (n <= 0)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT, "There are no samples to evaluate.");
      return NULL;
    }
  /* As nn_trainer_new(): these losses read labels, which regression rows lack. */
  if (!classification && (loss == NN_LOSS_CROSS_ENTROPY || loss == NN_LOSS_BCE))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "%s needs classes, but the data has regression targets; use mse or mae.",
                   nn_loss_label (loss));
      return NULL;
    }

  r = eval_result_new (n, dim, classification);
  x = g_new (float, (size_t) EVAL_CHUNK * in_size);
  for (int i = 0; i < n; i++)
    r->rows[i] = rows ? rows[i] : (guint32) i;

  for (int start = 0; start < n; start += EVAL_CHUNK)
    {
      int count = MIN (EVAL_CHUNK, n - start);
      float *out = r->outputs + (size_t) start * dim;
      const float *y;

      nn_dataset_gather (ds, r->rows + start, count, x,
                         classification ? r->labels + start : NULL,
                         classification ? NULL : r->targets + (size_t) start * dim);
      y = nn_network_forward (net, x, count, FALSE, NULL);
      if (y == NULL)
        {
          g_set_error (error, NN_ERROR, NN_ERROR_NO_MEMORY, "Not enough memory to evaluate.");
          nn_eval_result_unref (r);
          return NULL;
        }
      memcpy (out, y, sizeof (float) * count * dim);
      total_loss += (double) count * nn_loss_compute (loss, input, NULL, out,
                                                      classification ? r->labels + start : NULL,
                                                      classification ? NULL : r->targets + (size_t) start * dim,
                                                      count, dim);
    }

  r->loss = (float) (total_loss / n);
  if (classification)
    {
      to_probabilities (r->outputs, n, dim, loss, input);
      for (int i = 0; i < n; i++)
        {
          r->predicted[i] = argmax (r->outputs + (size_t) i * dim, dim);
          r->n_correct += r->predicted[i] == r->labels[i];
        }
      r->accuracy = (float) r->n_correct / n;
    }
  else
    {
      size_t m = (size_t) n * dim;
      double mean_t;

      /* Two passes: sum(t^2) - sum(t)^2/m cancels away the spread of
       * targets far from zero (unstandardised CSV targets). */
      for (size_t k = 0; k < m; k++)
        sum_t += r->targets[k];
      mean_t = sum_t / m;
      for (size_t k = 0; k < m; k++)
        {
          double d = r->outputs[k] - r->targets[k];
          sse += d * d;
          sst += (r->targets[k] - mean_t) * (r->targets[k] - mean_t);
        }
      r->rmse = (float) sqrt (sse / m);
      r->r2 = sst > 0.0 ? (float) (1.0 - sse / sst) : 0.0f;
    }
  return r;
}

/* The trainer */

NnTrainer *
nn_trainer_new (const NnNetSpec *spec, NnData *data, const NnTrainConfig *config, GError **error)
{
  NnTrainer *t = NULL;
  const NnDataset *train = data->train;
  gboolean classification = train->task == NN_TASK_CLASSIFICATION;
  int n_outputs = nn_dataset_n_outputs (train);
  int bad_layer, n_table = 0;
  const NnParamInfo *table;
  g_autoptr(GError) local = NULL;

  if (config->batch_size < 1 || config->batch_size > 65536)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "The batch size must be between 1 and 65536, not %d.", config->batch_size);
      return NULL;
    }
  if (config->epochs < 0 || config->epochs > 1000000)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "The number of epochs must be between 0 and 1000000, not %d.", config->epochs);
      return NULL;
    }
  if (data->n_train < 1)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "There are no training samples left after the validation split.");
      return NULL;
    }
  if (classification && config->loss == NN_LOSS_CROSS_ENTROPY && n_outputs < 2)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "Cross-entropy needs at least two classes.");
      return NULL;
    }
  if (!classification && (config->loss == NN_LOSS_CROSS_ENTROPY || config->loss == NN_LOSS_BCE))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "%s needs classes, but “%s” is a regression dataset; use mse or mae.",
                   nn_loss_label (config->loss), data->name);
      return NULL;
    }
  if (!nn_net_spec_check (spec, train->shape, n_outputs, NULL, NULL, &bad_layer, &local))
    {
      if (bad_layer >= 0)
        g_set_error (error, NN_ERROR, NN_ERROR_SHAPE, "Layer %d (%s): %s", bad_layer + 1,
                     nn_layer_kind_label (spec->layers[bad_layer].kind), local->message);
      else
        g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }

  t = g_new0 (NnTrainer, 1);
  g_mutex_init (&t->lock);
  g_cond_init (&t->cond);
  t->data = nn_data_ref (data);
  t->config = *config;
  t->epochs = config->epochs;
  t->net = nn_network_new (spec, train->shape, error);
  if (t->net == NULL)
    goto fail;
  nn_network_init (t->net, config->init, config->seed);
  /* Buffers (running statistics) are the layers' own business: the
   * optimizer neither steps nor decays them. */
  table = nn_network_get_param_table (t->net, &n_table);
  t->opt = nn_optimizer_new_for_table (&config->optim, table, n_table,
                                       nn_network_get_n_params (t->net), error);
  if (t->opt == NULL)
    goto fail;
  nn_rng_init (&t->dropout_rng, config->seed, 0xd40d);
  t->input = nn_loss_input (config->loss, last_kind (t->net));
  t->out_size = nn_network_get_out_size (t->net);
  t->n_batches = (data->n_train + config->batch_size - 1) / config->batch_size;
  t->order = g_new (guint32, data->n_train);
  t->labels = g_new (gint32, config->batch_size);
  t->targets = g_new (float, (size_t) config->batch_size * t->out_size);
  t->dout = g_new (float, (size_t) config->batch_size * t->out_size);
  return t;

fail:
  nn_trainer_free (t);
  return NULL;
}

void
nn_trainer_free (NnTrainer *t)
{
  if (t == NULL)
    return;
  nn_network_free (t->net);
  nn_optimizer_free (t->opt);
  g_clear_pointer (&t->data, nn_data_unref);
  g_free (t->order);
  g_free (t->labels);
  g_free (t->targets);
  g_free (t->dout);
  g_mutex_clear (&t->lock);
  g_cond_clear (&t->cond);
  g_free (t);
}

NnNetwork *
nn_trainer_get_network (NnTrainer *t)
{
  return t->net;
}

NnData *
nn_trainer_get_data (NnTrainer *t)
{
  return t->data;
}

const NnTrainConfig *
nn_trainer_get_config (NnTrainer *t)
{
  return &t->config;
}

/* Controls */

void
nn_trainer_pause (NnTrainer *t)
{
  g_mutex_lock (&t->lock);
  t->pause_requested = TRUE;
  t->steps_pending = 0;
  t->step_to_epoch_end = FALSE;
  g_cond_broadcast (&t->cond);
  g_mutex_unlock (&t->lock);
}

void
nn_trainer_resume (NnTrainer *t)
{
  g_mutex_lock (&t->lock);
  t->pause_requested = FALSE;
  t->steps_pending = 0;
  t->step_to_epoch_end = FALSE;
  g_cond_broadcast (&t->cond);
  g_mutex_unlock (&t->lock);
}

void
nn_trainer_stop (NnTrainer *t)
{
  g_mutex_lock (&t->lock);
  t->stop_requested = TRUE;
  g_cond_broadcast (&t->cond);
  g_mutex_unlock (&t->lock);
}

/* Steps count: two quick presses of Step run two batches. */
static void
request_step (NnTrainer *t, gboolean to_epoch_end)
{
  g_mutex_lock (&t->lock);
  t->pause_requested = TRUE;
  if (to_epoch_end)
    t->step_to_epoch_end = TRUE;
  else
    t->steps_pending++;
  g_cond_broadcast (&t->cond);
  g_mutex_unlock (&t->lock);
}

void
nn_trainer_step_batch (NnTrainer *t)
{
  request_step (t, FALSE);
}

void
nn_trainer_step_epoch (NnTrainer *t)
{
  request_step (t, TRUE);
}

void
nn_trainer_set_lr (NnTrainer *t, float lr)
{
  if (!(isfinite (lr) && lr > 0.0f))
    return;
  g_mutex_lock (&t->lock);
  t->pending_lr = lr;
  g_mutex_unlock (&t->lock);
}

void
nn_trainer_set_epochs (NnTrainer *t, int epochs)
{
  g_mutex_lock (&t->lock);
  t->epochs = MAX (epochs, 0);
  g_mutex_unlock (&t->lock);
}

gboolean
nn_trainer_is_paused (NnTrainer *t)
{
  gboolean paused;

  g_mutex_lock (&t->lock);
  paused = t->pause_requested && t->steps_pending == 0 && !t->step_to_epoch_end;
  g_mutex_unlock (&t->lock);
  return paused;
}

int
nn_trainer_get_epoch (NnTrainer *t)
{
  return g_atomic_int_get (&t->epoch);
}

/* Waits at a batch boundary while paused. Returns FALSE on stop. */
static gboolean
wait_if_paused (NnTrainer *t, const NnTrainCallbacks *cb, gpointer user_data)
{
  gboolean told = FALSE;

  g_mutex_lock (&t->lock);
  for (;;)
    {
      if (t->stop_requested)
        {
          t->stop_requested = FALSE;
          g_mutex_unlock (&t->lock);
          return FALSE;
        }
      if (!t->pause_requested || t->steps_pending > 0 || t->step_to_epoch_end)
        break;
      if (!told && cb && cb->paused)
        {
          /* Callbacks run unlocked so they may call the controls. */
          told = TRUE;
          g_mutex_unlock (&t->lock);
          cb->paused (t, user_data);
          g_mutex_lock (&t->lock);
          continue;
        }
      g_cond_wait (&t->cond, &t->lock);
    }
  if (t->pending_lr > 0.0f)
    {
      nn_optimizer_set_lr (t->opt, t->pending_lr);
      t->pending_lr = 0.0f;
    }
  g_mutex_unlock (&t->lock);
  return TRUE;
}

/* The current epoch's order, from (seed, epoch) alone. */
static void
shuffle_order (NnTrainer *t)
{
  NnRng rng;

  memcpy (t->order, t->data->train_rows, sizeof (guint32) * t->data->n_train);
  nn_rng_init (&rng, t->config.seed, 0x5eff1e00u + (guint64) t->epoch);
  nn_rng_shuffle (&rng, t->order, t->data->n_train);
}

static void
begin_epoch (NnTrainer *t)
{
  shuffle_order (t);
  t->sum_loss = 0.0;
  t->sum_correct = 0;
  t->sum_n = 0;
  t->epoch_time = 0.0;
}

static gboolean
train_batch_in_mode (NnTrainer *t, NnBatchReport *report, GError **error)
{
  const NnDataset *ds = t->data->train;
  gboolean classification = ds->task == NN_TASK_CLASSIFICATION;
  int start = t->batch * t->config.batch_size;
  int n = MIN (t->config.batch_size, t->data->n_train - start);
  int dim = (int) t->out_size;
  gboolean skip_last = t->input == NN_LOSS_FROM_ACTIVATION;
  double t0 = nn_now (), dt;
  const float *y;
  float loss;
  int correct = 0;

  nn_dataset_gather (ds, t->order + start, n, NULL, classification ? t->labels : NULL,
                     classification ? NULL : t->targets);
  y = nn_network_forward_rows (t->net, ds, t->order + start, n, TRUE, &t->dropout_rng);
  if (y == NULL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_NO_MEMORY, "Not enough memory for a batch of %d.",
                   n);
      return FALSE;
    }
  loss = nn_loss_compute (t->config.loss, t->input, t->dout, y,
                          classification ? t->labels : NULL,
                          classification ? NULL : t->targets, n, dim);
  if (!isfinite (loss))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_DIVERGED,
                   "Training diverged: the loss became %s at epoch %d, batch %d; "
                   "try a smaller learning rate.", isnan (loss) ? "NaN" : "infinite",
                   t->epoch + 1, t->batch + 1);
      return FALSE;
    }
  if (classification)
    for (int i = 0; i < n; i++)
      correct += argmax (y + (size_t) i * dim, dim) == t->labels[i];

  if (t->config.optim.kind == NN_OPTIM_SGD)
    {
      /* Plain SGD folds into the weight-gradient products: the gradient
       * block is never written and read back (about 10 % of an MNIST
       * MLP batch). */
      nn_network_backward_sgd (t->net, t->dout, n, skip_last, nn_optimizer_get_lr (t->opt),
                               t->config.optim.weight_decay);
      nn_optimizer_count_step (t->opt);
    }
  else
    {
      nn_network_backward (t->net, t->dout, n, skip_last, NULL);
      nn_optimizer_step (t->opt, nn_network_get_params (t->net), nn_network_get_grads (t->net));
    }

  dt = nn_now () - t0;
  t->elapsed += dt;
  t->epoch_time += dt;
  t->sum_loss += (double) loss * n;
  t->sum_correct += correct;
  t->sum_n += n;
  t->step++;

  report->epoch = t->epoch;
  report->batch = t->batch;
  report->n_batches = t->n_batches;
  report->step = t->step;
  report->n = n;
  report->loss = loss;
  report->accuracy = classification ? (float) correct / n : 0.0f;
  report->lr = nn_optimizer_get_lr (t->opt);
  report->elapsed = t->elapsed;
  t->batch++;
  return TRUE;
}

/* Only the batch's own work flushes denormals: the caller's callbacks and
 * anything else on its thread keep the mode it set. */
static gboolean
train_batch (NnTrainer *t, NnBatchReport *report, GError **error)
{
  unsigned mode = nn_fp_get_mode ();
  gboolean ok;

  if (!t->config.keep_denormals)
    nn_fp_set_mode (NN_FP_FLUSH);
  ok = train_batch_in_mode (t, report, error);
  nn_fp_set_mode (mode);
  return ok;
}

static gboolean
finish_epoch (NnTrainer *t, const NnTrainCallbacks *cb, gpointer user_data, GError **error)
{
  NnData *d = t->data;
  NnEpochReport report = { 0 };
  gboolean classification = d->train->task == NN_TASK_CLASSIFICATION;

  report.epoch = t->epoch;
  g_mutex_lock (&t->lock);  /* nn_trainer_set_epochs() may write it meanwhile */
  report.epochs = t->epochs;
  g_mutex_unlock (&t->lock);
  report.train_loss = (float) (t->sum_loss / MAX (t->sum_n, 1));
  report.train_accuracy = classification ? (float) t->sum_correct / MAX (t->sum_n, 1) : 0.0f;
  report.epoch_seconds = t->epoch_time;
  report.samples_per_second = t->epoch_time > 0.0 ? t->sum_n / t->epoch_time : 0.0;

  if (d->n_val > 0)
    {
      report.val = nn_trainer_evaluate (t, d->train, d->val_rows, d->n_val, error);
      if (report.val == NULL)
        return FALSE;
    }
  if (d->test != NULL && d->test->n > 0)
    {
      report.test = nn_trainer_evaluate (t, d->test, NULL, d->test->n, error);
      if (report.test == NULL)
        {
          nn_eval_result_unref (report.val);
          return FALSE;
        }
    }

  g_atomic_int_inc (&t->epoch);
  t->batch = 0;
  report.elapsed = t->elapsed;
  if (cb && cb->epoch_done)
    cb->epoch_done (t, &report, user_data);
  nn_eval_result_unref (report.val);
  nn_eval_result_unref (report.test);
  return TRUE;
}

int
nn_trainer_get_threads (NnTrainer *t)
{
  int n_table = 0;
  const NnParamInfo *table = nn_network_get_param_table (t->net, &n_table);
  double biggest = 0.0;

  if (t->config.threads > 0)
    return t->config.threads;
  /* Every core when some product is large enough to be shared out (see
   * nn-kernels.c); the optimizer step is then shared the same way. With no
   * product shared, a shared step would pull the weights across to the
   * other core and back (Adam at batch 16: 65k samples/s on two, 72k on
   * one). MNIST MLP 784-128-64-10 on 2 cores, one thread against two: SGD
   * batch 64, 190k against 300k samples/s; batch 32, 181k against 226k;
   * Adam batch 64, 148k against 207-217k; batch 256, 189k against 259k. */
  for (int k = 0; k < n_table; k++)
    if (table[k].role == NN_PARAM_TRAINABLE)
      {
        const NnLayerInfo *info = nn_network_get_layer_info (t->net, table[k].layer);

        /* A convolution has few weights but many multiply-adds, which its
         * kernels share out by parts of the batch (LeNet-5 on MNIST at
         * batch 64: 5.5M for its first layer, which has 156 weights). */
        biggest = MAX (biggest, (double) t->config.batch_size *
                                MAX (info->n_trainable, info->n_macs));
      }
  return biggest >= NN_SGEMM_SMALL ? (int) g_get_num_processors () : 1;
}

gboolean
nn_trainer_run (NnTrainer *t, const NnTrainCallbacks *cb, gpointer user_data, GError **error)
{
  nn_team_set_threads (nn_trainer_get_threads (t));

  for (;;)
    {
      NnBatchReport report;
      int epochs;
      gboolean epoch_end;

      g_mutex_lock (&t->lock);
      epochs = t->epochs;
      if (t->epoch >= epochs)
        {
          /* A stop that raced with the natural end is moot; left pending it
           * would cancel the next run (a continuation) at once. */
          t->stop_requested = FALSE;
          g_mutex_unlock (&t->lock);
          return TRUE;
        }
      g_mutex_unlock (&t->lock);

      if (!wait_if_paused (t, cb, user_data))
        {
          g_set_error (error, NN_ERROR, NN_ERROR_CANCELLED, "Training was stopped.");
          return FALSE;
        }

      if (t->batch == 0)
        begin_epoch (t);
      if (!train_batch (t, &report, error))
        return FALSE;
      epoch_end = t->batch >= t->n_batches;

      g_mutex_lock (&t->lock);
      if (t->step_to_epoch_end)
        t->step_to_epoch_end = !epoch_end;
      else if (t->steps_pending > 0)
        t->steps_pending--;
      g_mutex_unlock (&t->lock);

      if (cb && cb->batch_done)
        cb->batch_done (t, &report, user_data);
      if (epoch_end && !finish_epoch (t, cb, user_data, error))
        return FALSE;
    }
}

/* Saving and continuing */

void
nn_train_state_free (NnTrainState *s)
{
  if (s == NULL)
    return;
  g_free (s->params);
  g_free (s->opt_m);
  g_free (s->opt_v);
  g_free (s);
}

static float *
floats_dup (const float *v, size_t n)
{
  return v != NULL ? g_memdup2 (v, MAX (n, 1) * sizeof (float)) : NULL;
}

NnTrainState *
nn_train_state_copy (const NnTrainState *state)
{
  NnTrainState *s = g_memdup2 (state, sizeof *state);

  s->params = floats_dup (state->params, state->n_params);
  s->opt_m = floats_dup (state->opt_m, state->n_params);
  s->opt_v = floats_dup (state->opt_v, state->n_params);
  return s;
}

NnTrainState *
nn_trainer_save_state (NnTrainer *t)
{
  NnTrainState *s = g_new0 (NnTrainState, 1);

  s->n_params = nn_network_get_n_params (t->net);
  s->params = floats_dup (nn_network_get_params (t->net), s->n_params);
  s->opt_t = nn_optimizer_get_t (t->opt);
  s->opt_m = floats_dup (nn_optimizer_get_m (t->opt), s->n_params);
  s->opt_v = floats_dup (nn_optimizer_get_v (t->opt), s->n_params);
  g_mutex_lock (&t->lock);
  s->opt_lr = t->pending_lr > 0.0f ? t->pending_lr : nn_optimizer_get_lr (t->opt);
  g_mutex_unlock (&t->lock);
  s->epoch = g_atomic_int_get (&t->epoch);
  s->batch = t->batch;
  s->step = t->step;
  s->elapsed = t->elapsed;
  /* Between epochs the sums still hold the finished epoch's, which the
   * next batch resets: nothing of them is needed to continue. */
  if (t->batch > 0)
    {
      s->epoch_seconds = t->epoch_time;
      s->sum_loss = t->sum_loss;
      s->sum_correct = t->sum_correct;
      s->sum_n = t->sum_n;
    }
  s->dropout_rng = t->dropout_rng;
  return s;
}

NnTrainer *
nn_trainer_new_from_state (const NnNetSpec *spec, NnData *data, const NnTrainConfig *config,
                           const NnTrainState *state, GError **error)
{
  NnTrainer *t = nn_trainer_new (spec, data, config, error);
  size_t n;
  NnOptimKind kind = config->optim.kind;

  if (t == NULL)
    return NULL;
  n = nn_network_get_n_params (t->net);
  if (state->n_params != n)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "The saved run has %zu weights, but its network has %zu on this data.",
                   state->n_params, n);
      goto fail;
    }
  if ((state->opt_m != NULL) != (kind != NN_OPTIM_SGD)
      || (state->opt_v != NULL) != (kind == NN_OPTIM_ADAM))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "The saved optimizer state is not that of %s.", nn_optim_label (kind));
      goto fail;
    }
  if (state->epoch < 0 || state->batch < 0 || state->batch >= t->n_batches)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "The saved run stopped at batch %d of epoch %d, which this data "
                   "(%d batches an epoch) does not have.", state->batch, state->epoch + 1,
                   t->n_batches);
      goto fail;
    }
  if (state->sum_n < 0 || state->sum_correct < 0 || state->sum_correct > state->sum_n
      || state->sum_n > state->batch * config->batch_size)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "The saved run's totals for its unfinished epoch (%d samples, %d right) do "
                   "not fit the %d samples it had trained on in it.", state->sum_n,
                   state->sum_correct, state->batch * config->batch_size);
      goto fail;
    }
  if (!(isfinite (state->opt_lr) && state->opt_lr > 0.0f))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "The saved learning rate, %g, is not a positive number.",
                   (double) state->opt_lr);
      goto fail;
    }

  memcpy (nn_network_get_params (t->net), state->params, n * sizeof (float));
  nn_optimizer_restore (t->opt, state->opt_t, state->opt_m, state->opt_v);
  nn_optimizer_set_lr (t->opt, state->opt_lr);
  t->epoch = state->epoch;
  t->batch = state->batch;
  t->step = state->step;
  t->elapsed = state->elapsed;
  t->epoch_time = state->epoch_seconds;
  t->sum_loss = state->sum_loss;
  t->sum_correct = state->sum_correct;
  t->sum_n = state->sum_n;
  t->dropout_rng = state->dropout_rng;
  /* Mid-epoch, run() does not begin the epoch again: its order is needed now. */
  if (t->batch > 0)
    shuffle_order (t);
  return t;

fail:
  nn_trainer_free (t);
  return NULL;
}

NnEvalResult *
nn_data_evaluate (NnNetwork *net, NnLossKind loss, NnData *data, const NnDataset *ds,
                  const guint32 *rows, int n, GError **error)
{
  NnEvalResult *r = nn_evaluate (net, loss, ds, rows, n, error);

  /* Targets are trained standardised; people read errors in their units. */
  if (r != NULL && ds->task == NN_TASK_REGRESSION && data->target_std > 0.0f)
    r->rmse *= data->target_std;
  return r;
}

NnEvalResult *
nn_trainer_evaluate (NnTrainer *t, const NnDataset *ds, const guint32 *rows, int n, GError **error)
{
  return nn_data_evaluate (t->net, t->config.loss, t->data, ds, rows, n, error);
}

gboolean
nn_trainer_predict (NnTrainer *t, const float *x, int n, float *out)
{
  gboolean classification = t->data->train->task == NN_TASK_CLASSIFICATION;

  if (!classification)
    return nn_network_predict (t->net, x, n, out);
  return nn_predict (t->net, t->config.loss, x, n, out);
}

gboolean
nn_predict (NnNetwork *net, NnLossKind loss, const float *x, int n, float *out)
{
  if (!nn_network_predict (net, x, n, out))
    return FALSE;
  to_probabilities (out, n, (int) nn_network_get_out_size (net), loss,
                    nn_loss_input (loss, last_kind (net)));
  return TRUE;
}
