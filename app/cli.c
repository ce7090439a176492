/* cli.c: backprop-cli, the headless program.
 *
 *   backprop-cli train --dataset NAME (--net SPEC | --preset NAME) [...]
 *                      [--checkpoint FILE.backprop] [--init-from MODEL.safetensors]
 *   backprop-cli train --resume FILE.backprop [--epochs N] [--json]
 *   backprop-cli eval  --model FILE --dataset NAME [--data-dir DIR] [--json]
 *   backprop-cli info  (--model FILE | FILE.backprop)
 *   backprop-cli bench [--data-dir DIR] [--net SPEC] [--optimizer NAME] [--batch N]
 *                      [--epochs N] [--threads N] [--keep-denormals]
 *
 * It links the engine alone. Results go to stdout (one JSON object per
 * epoch with --json), progress and messages to stderr; any bad input ends
 * with one sentence on stderr and a non-zero exit status: 2 for a bad
 * command line, 1 for everything else.
 */
#include "nn-dataset.h"
#include "nn-kernels.h"
#include "nn-model-file.h"
#include "nn-presets.h"
#include "nn-project.h"
#include "nn-save.h"
#include "nn-train.h"

#include <cblas.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define EXIT_USAGE 2

typedef struct
{
  gboolean     json;
  gboolean     progress;    /* a bar on stderr: only when it is a terminal */
  gboolean     regression;
  double       last_draw;
  /* The run as a project records it; written to @checkpoint (if set)
   * after every epoch. */
  NnProject   *project;
  NnRunRecord *run;
  const char  *checkpoint;
  GError      *checkpoint_error;
} RunState;

static int
fail (int status, const GError *error, const char *fallback)
{
  const char *msg = error ? error->message : fallback;
  gsize len = strlen (msg);

  g_printerr ("backprop-cli: %s%s\n", msg, len > 0 && msg[len - 1] == '.' ? "" : ".");
  return status;
}

static int
usage_error (const char *format, ...) G_GNUC_PRINTF (1, 2);

static int
usage_error (const char *format, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("backprop-cli: %s. See “backprop-cli --help”.\n", msg);
  return EXIT_USAGE;
}

/* Progress and JSON output */

static void
on_batch (NnTrainer *trainer, const NnBatchReport *r, gpointer user_data)
{
  RunState *st = user_data;
  double now;
  const int width = 30;
  int filled;

  if (st->run != NULL)
    {
      NnBatchPoint p = { r->step, r->epoch + (float) (r->batch + 1) / r->n_batches, r->loss,
                         st->regression ? NAN : r->accuracy, r->lr };
      g_array_append_val (st->run->batches, p);
    }
  if (!st->progress)
    return;
  now = nn_now ();
  if (now - st->last_draw < 0.1 && r->batch + 1 < r->n_batches)
    return;
  st->last_draw = now;
  filled = (int) ((double) (r->batch + 1) / r->n_batches * width);
  g_printerr ("\rEpoch %d [", r->epoch + 1);
  for (int i = 0; i < width; i++)
    g_printerr ("%s", i < filled ? "█" : "·");
  g_printerr ("] %d/%d  loss %.4f", r->batch + 1, r->n_batches, (double) r->loss);
}

/* The one JSON writer, for train and eval alike. */

/* Member @name: @v, or null when there is none (@have FALSE) or it is not
 * finite: JSON has no NaN or infinity, and a model whose outputs are NaN
 * must still give valid JSON. */
static void
add_number (JsonBuilder *b, const char *name, gboolean have, double v)
{
  json_builder_set_member_name (b, name);
  if (have && isfinite (v))
    json_builder_add_double_value (b, v);
  else
    json_builder_add_null_value (b);
}

static void
add_int (JsonBuilder *b, const char *name, gint64 v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, v);
}

/* Ends the object begun in @b and prints it as one line on stdout. */
static void
print_json_line (JsonBuilder *b)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  printf ("%s\n", text);
  fflush (stdout);
}

static void
add_eval (JsonBuilder *b, const char *prefix, NnEvalResult *e, gboolean regression)
{
  g_autofree char *loss = g_strconcat (prefix, "_loss", NULL);
  g_autofree char *acc = g_strconcat (prefix, "_accuracy", NULL);
  g_autofree char *rmse = g_strconcat (prefix, "_rmse", NULL);
  g_autofree char *r2 = g_strconcat (prefix, "_r2", NULL);

  add_number (b, loss, e != NULL, e ? e->loss : 0);
  add_number (b, acc, e && !regression, e ? e->accuracy : 0);
  if (regression)
    {
      /* A set that is not there is null. */
      add_number (b, rmse, e != NULL, e ? e->rmse : 0);
      add_number (b, r2, e != NULL, e ? e->r2 : 0);
    }
}

/* The epoch in the run record and, with --checkpoint, the project on disk.
 * A checkpoint that cannot be written stops the run: going on would train
 * for hours with nothing kept. */
static void
record_epoch (NnTrainer *trainer, const NnEpochReport *r, RunState *st)
{
  NnEpochPoint p = {
    r->epoch + 1, r->train_loss, st->regression ? NAN : r->train_accuracy,
    r->val ? r->val->loss : NAN, r->val && !st->regression ? r->val->accuracy : NAN,
    r->test ? r->test->loss : NAN, r->test && !st->regression ? r->test->accuracy : NAN,
    r->epoch_seconds,
  };

  g_array_append_val (st->run->epochs, p);
  nn_train_state_free (st->run->state);
  st->run->state = nn_trainer_save_state (trainer);
  st->run->status = r->epoch + 1 >= r->epochs ? NN_RUN_FINISHED : NN_RUN_PAUSED;
  if (st->checkpoint != NULL && st->checkpoint_error == NULL
      && !nn_project_save (st->checkpoint, st->project, &st->checkpoint_error))
    nn_trainer_stop (trainer);
}

static void
on_epoch (NnTrainer *trainer, const NnEpochReport *r, gpointer user_data)
{
  RunState *st = user_data;

  if (st->progress)
    g_printerr ("\r\033[K");

  if (st->run != NULL)
    record_epoch (trainer, r, st);

  if (st->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      add_int (b, "epoch", r->epoch + 1);
      add_number (b, "train_loss", TRUE, r->train_loss);
      add_number (b, "train_accuracy", !st->regression, r->train_accuracy);
      add_eval (b, "val", r->val, st->regression);
      add_eval (b, "test", r->test, st->regression);
      add_number (b, "epoch_seconds", TRUE, r->epoch_seconds);
      add_number (b, "samples_per_second", TRUE, r->samples_per_second);
      add_number (b, "lr", TRUE, nn_trainer_get_config (trainer)->optim.lr);
      print_json_line (b);
    }

  /* Human-readable progress goes to stderr, always one line per epoch. */
  if (st->regression)
    g_printerr ("Epoch %d/%d  train loss %.4f  test loss %.4f  rmse %.4f  r² %.4f  %.2f s  %.0f samples/s\n",
                r->epoch + 1, r->epochs, (double) r->train_loss,
                r->test ? (double) r->test->loss : NAN, r->test ? (double) r->test->rmse : NAN,
                r->test ? (double) r->test->r2 : NAN, r->epoch_seconds, r->samples_per_second);
  else
    {
      char val[64] = "";

      if (r->val)
        g_snprintf (val, sizeof val, "  val acc %.2f%%", 100.0 * r->val->accuracy);
      g_printerr ("Epoch %d/%d  train loss %.4f  acc %.2f%%%s  test loss %.4f  acc %.2f%%  %.2f s  %.0f samples/s\n",
                r->epoch + 1, r->epochs, (double) r->train_loss, 100.0 * r->train_accuracy, val,
                r->test ? (double) r->test->loss : NAN, r->test ? 100.0 * r->test->accuracy : NAN,
                r->epoch_seconds, r->samples_per_second);
    }
}

/* Options shared by the commands */

static char *opt_dataset, *opt_data_dir, *opt_net, *opt_preset, *opt_loss, *opt_optimizer;
static char *opt_init, *opt_save, *opt_model, *opt_checkpoint, *opt_resume, *opt_init_from;
/* "Not given" is a value nobody types, so that whatever a user does type
 * (0, -1, nan) reaches the checks instead of passing for the default. */
#define UNSET_INT    G_MININT
#define UNSET_DOUBLE (-G_MAXDOUBLE)
static double opt_lr = UNSET_DOUBLE, opt_val_fraction = 0, opt_momentum = UNSET_DOUBLE;
static double opt_weight_decay = 0, opt_noise = UNSET_DOUBLE;
static int opt_batch = UNSET_INT, opt_epochs = UNSET_INT, opt_threads = 0, opt_samples = UNSET_INT;
static gint64 opt_seed = 1;
static gboolean opt_json, opt_nesterov, opt_no_standardize, opt_no_progress, opt_keep_denormals;

static const GOptionEntry data_entries[] = {
  { "dataset", 0, 0, G_OPTION_ARG_STRING, &opt_dataset,
    "xor, circles, spiral, gaussians, regression, mnist, fashion-mnist or csv:PATH", "NAME" },
  { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_data_dir, "Where to look for datasets first", "DIR" },
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print results as JSON on stdout", NULL },
  { NULL }
};

static const GOptionEntry train_entries[] = {
  { "net", 0, 0, G_OPTION_ARG_STRING, &opt_net, "Layers, e.g. dense:128,relu,dense:10", "SPEC" },
  { "preset", 0, 0, G_OPTION_ARG_STRING, &opt_preset, "A ready network and settings", "NAME" },
  { "loss", 0, 0, G_OPTION_ARG_STRING, &opt_loss, "cross-entropy, mse, mae or bce", "LOSS" },
  { "optimizer", 0, 0, G_OPTION_ARG_STRING, &opt_optimizer, "sgd, momentum or adam", "NAME" },
  { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &opt_lr, "Learning rate", "F" },
  { "momentum", 0, 0, G_OPTION_ARG_DOUBLE, &opt_momentum, "Momentum (default 0.9)", "F" },
  { "nesterov", 0, 0, G_OPTION_ARG_NONE, &opt_nesterov, "Nesterov momentum", NULL },
  { "weight-decay", 0, 0, G_OPTION_ARG_DOUBLE, &opt_weight_decay, "L2 weight decay", "F" },
  { "init", 0, 0, G_OPTION_ARG_STRING, &opt_init, "auto, he, glorot, uniform or normal", "NAME" },
  { "batch", 0, 0, G_OPTION_ARG_INT, &opt_batch, "Batch size", "N" },
  { "epochs", 0, 0, G_OPTION_ARG_INT, &opt_epochs, "Epochs", "N" },
  { "seed", 0, 0, G_OPTION_ARG_INT64, &opt_seed, "Seed for every random choice (default 1)", "N" },
  { "threads", 0, 0, G_OPTION_ARG_INT, &opt_threads, "BLAS threads (default: the library's)", "N" },
  { "val-fraction", 0, 0, G_OPTION_ARG_DOUBLE, &opt_val_fraction, "Training rows held out for validation", "F" },
  { "samples", 0, 0, G_OPTION_ARG_INT, &opt_samples, "Generated datasets: training samples", "N" },
  { "noise", 0, 0, G_OPTION_ARG_DOUBLE, &opt_noise, "Generated datasets: noise", "F" },
  { "no-standardize", 0, 0, G_OPTION_ARG_NONE, &opt_no_standardize,
    "CSV: keep the features as they are (default: mean 0, deviation 1)", NULL },
  { "save", 0, 0, G_OPTION_ARG_FILENAME, &opt_save, "Save the model as safetensors", "FILE" },
  { "checkpoint", 0, 0, G_OPTION_ARG_FILENAME, &opt_checkpoint,
    "Write the run to a project after every epoch (a new run if the project exists)",
    "FILE.backprop" },
  { "resume", 0, 0, G_OPTION_ARG_FILENAME, &opt_resume,
    "Continue a project's last run where it stopped (to --epochs in all)", "FILE.backprop" },
  { "init-from", 0, 0, G_OPTION_ARG_FILENAME, &opt_init_from,
    "Start from a saved model's weights (the network must be the model's)", "MODEL" },
  { "no-progress", 0, 0, G_OPTION_ARG_NONE, &opt_no_progress, "No progress bar", NULL },
  { NULL }
};

static const GOptionEntry bench_entries[] = {
  { "keep-denormals", 0, 0, G_OPTION_ARG_NONE, &opt_keep_denormals,
    "Compute denormal floats instead of flushing them to zero (to measure what that costs)",
    NULL },
  { NULL }
};

static const GOptionEntry model_entries[] = {
  { "model", 0, 0, G_OPTION_ARG_FILENAME, &opt_model, "A model file (safetensors)", "FILE" },
  { NULL }
};

static void
data_options (NnDataOptions *opts)
{
  nn_data_options_init (opts);
  opts->data_dir = opt_data_dir;
  opts->seed = (guint64) opt_seed;
  opts->val_fraction = (float) opt_val_fraction;
  opts->n_samples = opt_samples == UNSET_INT ? 0 : opt_samples;
  opts->noise = opt_noise == UNSET_DOUBLE ? -1.0f : (float) opt_noise;
  if (opt_no_standardize)
    opts->standardize = FALSE;
}

static NnData *
load_data (const char *name, GError **error)
{
  NnDataOptions opts;

  data_options (&opts);
  return nn_data_load (name, &opts, error);
}

/* Trains to the configured epochs, keeping the run in st->project (written
 * to st->checkpoint before the first epoch, so a path that cannot be
 * written fails at once, and after every epoch), then --save. */
static int
train_and_keep (NnTrainer *trainer, RunState *st)
{
  NnTrainCallbacks cb = { on_batch, on_epoch, NULL };
  g_autoptr(GError) error = NULL;
  gboolean ok;

  st->json = opt_json;
  st->progress = !opt_no_progress && isatty (STDERR_FILENO);
  if (st->checkpoint != NULL)
    {
      nn_train_state_free (st->run->state);
      st->run->state = nn_trainer_save_state (trainer);
      st->run->status = NN_RUN_PAUSED;
      if (!nn_project_save (st->checkpoint, st->project, &error))
        return fail (1, error, NULL);
    }

  ok = nn_trainer_run (trainer, &cb, st, &error);
  if (st->progress)
    g_printerr ("\r\033[K");
  if (st->checkpoint_error != NULL)
    {
      int status = fail (1, st->checkpoint_error, NULL);
      g_clear_error (&st->checkpoint_error);
      return status;
    }
  if (!ok)
    return fail (1, error, NULL);
  if (st->checkpoint != NULL)
    g_printerr ("Saved the project to %s\n", st->checkpoint);

  if (opt_save)
    {
      NnModelMeta meta = { 0 };

      meta.dataset = st->run->data.name;
      meta.loss = (char *) nn_loss_name (st->run->config.loss);
      meta.class_names = st->run->class_names;
      if (!nn_model_save (opt_save, nn_trainer_get_network (trainer), &meta, &error))
        return fail (1, error, NULL);
      g_printerr ("Saved the model to %s\n", opt_save);
    }
  return 0;
}

/* The project a new run goes into: the one at @path if there is one (the
 * run is added to it), else a new one. */
static NnProject *
checkpoint_project (const char *path, GError **error)
{
  GError *local = NULL;
  NnProject *p;

  if (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
    return nn_project_new ();
  p = nn_project_load (path, &local);
  if (p == NULL)
    g_set_error (error, NN_ERROR, local->code, "%s Nothing was trained, so as not to replace "
                 "it; give --checkpoint another file.", local->message);
  g_clear_error (&local);
  return p;
}

/* A CSV's path made absolute, so the project finds it from anywhere. */
static char *
absolute_data_name (const char *name)
{
  g_autofree char *path = NULL;

  if (!g_str_has_prefix (name, "csv:"))
    return g_strdup (name);
  path = g_canonicalize_filename (name + strlen ("csv:"), NULL);
  return g_strconcat ("csv:", path, NULL);
}

/* The first option given that --resume would ignore, or NULL: a resumed run
 * is the one that was set up, or its numbers would not be the same. */
static const char *
resume_conflict (void)
{
  const struct { gboolean given; const char *name; } options[] = {
    { opt_dataset != NULL, "--dataset" }, { opt_net != NULL, "--net" },
    { opt_preset != NULL, "--preset" }, { opt_loss != NULL, "--loss" },
    { opt_optimizer != NULL, "--optimizer" }, { opt_lr != UNSET_DOUBLE, "--lr" },
    { opt_momentum != UNSET_DOUBLE, "--momentum" }, { opt_nesterov, "--nesterov" },
    { opt_weight_decay != 0, "--weight-decay" }, { opt_init != NULL, "--init" },
    { opt_batch != UNSET_INT, "--batch" }, { opt_seed != 1, "--seed" },
    { opt_val_fraction != 0, "--val-fraction" }, { opt_samples != UNSET_INT, "--samples" },
    { opt_noise != UNSET_DOUBLE, "--noise" }, { opt_no_standardize, "--no-standardize" },
    { opt_checkpoint != NULL, "--checkpoint" }, { opt_init_from != NULL, "--init-from" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (options); i++)
    if (options[i].given)
      return options[i].name;
  return NULL;
}

/* train --resume: the project's last run, continued where it stopped, and
 * the project written back after every epoch. */
static int
cmd_resume (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnProject) project = NULL;
  g_autoptr(NnData) data = NULL;
  g_autoptr(NnNetSpec) spec = NULL;
  g_autoptr(NnTrainer) trainer = NULL;
  g_autofree char *have = NULL, *want = NULL;
  const char *conflict = resume_conflict ();
  NnRunRecord *run;
  NnTrainConfig config;
  RunState st = { 0 };

  if (conflict != NULL)
    return usage_error ("--resume continues the run as it was set up, so %s cannot be given "
                        "with it", conflict);
  if (opt_threads < 0 || opt_threads > 256)
    return usage_error ("--threads must be between 1 and 256");
  project = nn_project_load (opt_resume, &error);
  if (project == NULL)
    return fail (1, error, NULL);
  run = nn_project_get_current_run (project);
  if (run == NULL)
    return fail (1, NULL, "The project has no run to continue");
  if (run->state == NULL)
    {
      g_autoptr(GError) none = g_error_new (NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                                            "%s of %s kept no weights to continue from",
                                            run->name ? run->name : "The last run", opt_resume);
      return fail (1, none, NULL);
    }
  config = run->config;
  if (opt_epochs != UNSET_INT)
    config.epochs = opt_epochs;
  if (opt_threads > 0)
    config.threads = opt_threads;
  if (run->state->epoch >= config.epochs && run->state->batch == 0)
    {
      g_printerr ("%s of %s has trained %d epochs already; give --epochs N with N above %d "
                  "to train it further.\n", run->name ? run->name : "The last run", opt_resume,
                  run->state->epoch, run->state->epoch);
      return 0;
    }

  data = nn_data_choice_load (&run->data, opt_data_dir, &error);
  if (data == NULL)
    return fail (1, error, NULL);
  have = nn_shape_to_string (data->train->shape);
  want = nn_shape_to_string (run->in_shape);
  if (!nn_shape_equal (data->train->shape, run->in_shape))
    {
      g_autoptr(GError) shape = g_error_new (NN_ERROR, NN_ERROR_SHAPE,
                                             "%s has inputs of %s now, but the run trained on %s",
                                             data->title, have, want);
      return fail (1, shape, NULL);
    }
  spec = nn_net_spec_parse (run->spec, &error);
  if (spec == NULL)
    return fail (1, error, NULL);
  trainer = nn_trainer_new_from_state (spec, data, &config, run->state, &error);
  if (trainer == NULL)
    return fail (1, error, NULL);
  run->config.epochs = config.epochs;
  g_printerr ("Continuing %s of %s (%s on %s) after %d epochs%s, to %d epochs\n",
              run->name ? run->name : "the last run", opt_resume, run->spec, data->title,
              run->state->epoch, run->state->batch > 0 ? " and part of the next" : "",
              config.epochs);

  st.regression = data->train->task == NN_TASK_REGRESSION;
  st.project = project;
  st.run = run;
  st.checkpoint = opt_resume;
  return train_and_keep (trainer, &st);
}

static int
cmd_train (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnData) data = NULL;
  g_autoptr(NnNetSpec) spec = NULL;
  const NnPreset *preset = NULL;
  NnTrainConfig config;
  g_autoptr(NnModelMeta) init_meta = NULL;
  g_autoptr(NnNetwork) init_net = NULL;
  g_autoptr(NnProject) project = NULL;
  g_autoptr(NnTrainer) trainer = NULL;
  RunState st = { 0 };

  if (opt_resume != NULL)
    return cmd_resume ();
  if (opt_dataset == NULL)
    return usage_error ("train needs --dataset NAME");
  if (opt_net && opt_preset)
    return usage_error ("give either --net or --preset, not both");
  if (opt_preset && !(preset = nn_preset_find (opt_preset)))
    return usage_error ("there is no preset named “%s”", opt_preset);
  if (opt_init_from != NULL)
    {
      init_net = nn_model_load (opt_init_from, &init_meta, &error);
      if (init_net == NULL)
        return fail (1, error, NULL);
      /* Without --net or --preset, the model's own network. */
      if (opt_net == NULL && preset == NULL)
        spec = nn_net_spec_copy (nn_network_get_spec (init_net));
    }
  if (opt_net == NULL && preset == NULL && spec == NULL)
    preset = nn_preset_for_dataset (opt_dataset);
  if (opt_net && !(spec = nn_net_spec_parse (opt_net, &error)))
    return fail (EXIT_USAGE, error, NULL);
  if (opt_val_fraction < 0 || opt_val_fraction > 0.9)
    return usage_error ("--val-fraction must be between 0 and 0.9");
  if (opt_threads < 0 || opt_threads > 256)
    return usage_error ("--threads must be between 1 and 256");
  if (opt_samples != UNSET_INT && opt_samples < 1)
    return usage_error ("--samples must be at least 1");
  if (opt_noise != UNSET_DOUBLE && !(opt_noise >= 0))
    return usage_error ("--noise must be zero or more");

  nn_train_config_init (&config);
  if (preset)
    nn_preset_apply (preset, &config);
  if (opt_loss && !nn_loss_from_name (opt_loss, &config.loss))
    return usage_error ("unknown loss “%s”; use cross-entropy, mse, mae or bce", opt_loss);
  if (opt_optimizer)
    {
      NnOptimKind kind;
      if (!nn_optim_from_name (opt_optimizer, &kind))
        return usage_error ("unknown optimizer “%s”; use sgd, momentum or adam", opt_optimizer);
      config.optim = nn_optim_config_default (kind);
    }
  if (opt_lr != UNSET_DOUBLE)
    config.optim.lr = (float) opt_lr;
  if (opt_momentum != UNSET_DOUBLE)
    config.optim.momentum = (float) opt_momentum;
  config.optim.nesterov = opt_nesterov;
  config.optim.weight_decay = (float) opt_weight_decay;
  if (opt_init && !nn_init_from_name (opt_init, &config.init))
    return usage_error ("unknown initialisation “%s”; use auto, he, glorot, uniform or normal", opt_init);
  if (opt_batch != UNSET_INT)
    config.batch_size = opt_batch;
  if (opt_epochs != UNSET_INT)
    config.epochs = opt_epochs;
  config.seed = (guint64) opt_seed;
  config.threads = opt_threads;

  /* A --save that would be refused is refused now, not after the run. */
  if (opt_save && !nn_save_check (opt_save, &error))
    return fail (1, error, NULL);
  if (opt_checkpoint && !nn_save_check (opt_checkpoint, &error))
    return fail (1, error, NULL);

  /* The dataset first: "--dataset nope" is about the dataset, not --net. */
  data = load_data (opt_dataset, &error);
  if (data == NULL)
    return fail (1, error, NULL);
  if (spec == NULL && preset == NULL)
    return usage_error ("train needs --net SPEC or --preset NAME");
  st.regression = data->train->task == NN_TASK_REGRESSION;
  if (st.regression && opt_loss == NULL && config.loss == NN_LOSS_CROSS_ENTROPY)
    config.loss = NN_LOSS_MSE;
  if (spec == NULL)
    spec = nn_preset_build_spec (preset, nn_dataset_n_outputs (data->train));

  if (init_net != NULL
      && !(nn_net_spec_equal (spec, nn_network_get_spec (init_net))
           && nn_shape_equal (nn_network_get_in_shape (init_net), data->train->shape)))
    {
      g_autofree char *want = nn_net_spec_to_string (spec);
      g_autofree char *want_in = nn_shape_to_string (data->train->shape);
      g_autofree char *have_in = nn_shape_to_string (nn_network_get_in_shape (init_net));
      g_autoptr(GError) mismatch = g_error_new (NN_ERROR, NN_ERROR_SHAPE,
        "%s holds the network “%s” on %s inputs, not “%s” on %s as this run would train; "
        "leave out --net and --preset to train the model's own network",
        opt_init_from, init_meta->spec, have_in, want, want_in);
      return fail (1, mismatch, NULL);
    }

  trainer = nn_trainer_new (spec, data, &config, &error);
  if (trainer == NULL)
    return fail (1, error, NULL);
  if (init_net != NULL)
    memcpy (nn_network_get_params (nn_trainer_get_network (trainer)),
            nn_network_get_params (init_net),
            nn_network_get_n_params (init_net) * sizeof (float));

  /* The run as a project keeps it. */
  project = checkpoint_project (opt_checkpoint, &error);
  if (project == NULL)
    return fail (1, error, NULL);
  {
    NnDataOptions opts;
    g_autofree char *data_name = absolute_data_name (opt_dataset);
    NnRunRecord *run = nn_run_record_new ();

    data_options (&opts);
    run->name = g_strdup_printf ("Run %u", project->runs->len + 1);
    run->spec = nn_net_spec_to_string (spec);
    run->in_shape = data->train->shape;
    if (!nn_data_choice_set (&run->data, data_name, &opts, &error))
      {
        nn_run_record_free (run);
        return fail (1, error, NULL);
      }
    run->config = config;
    run->started = g_get_real_time () / G_USEC_PER_SEC;
    run->class_names = g_strdupv (data->class_names);
    g_ptr_array_add (project->runs, run);
    /* What the window's editor shows when it opens the project. */
    g_free (project->spec);
    project->spec = g_strdup (run->spec);
    nn_data_choice_clear (&project->data);
    nn_data_choice_copy (&project->data, &run->data);
    project->config = config;
    st.project = project;
    st.run = run;
    st.checkpoint = opt_checkpoint;
  }

  {
    g_autofree char *spec_text = nn_net_spec_to_string (spec);
    g_autofree char *shape = nn_shape_to_string (data->train->shape);
    g_printerr ("Training %s on %s (%s, %d train, %d validation, %d test samples), %zu weights, "
                "%s lr %g, batch %d, %d epochs, seed %" G_GINT64_FORMAT "\n",
                spec_text, data->title, shape, data->n_train, data->n_val,
                data->test ? data->test->n : 0,
                nn_network_get_n_trainable (nn_trainer_get_network (trainer)),
                nn_optim_label (config.optim.kind), (double) config.optim.lr, config.batch_size,
                config.epochs, opt_seed);
  }

  return train_and_keep (trainer, &st);
}

static int
cmd_eval (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnData) data = NULL;
  g_autoptr(NnModelMeta) meta = NULL;
  NnNetwork *net = NULL;
  NnEvalResult *result = NULL;
  NnLossKind loss = NN_LOSS_CROSS_ENTROPY;
  gboolean regression;

  if (opt_model == NULL)
    return usage_error ("eval needs --model FILE");
  if (opt_dataset == NULL)
    return usage_error ("eval needs --dataset NAME");

  net = nn_model_load (opt_model, &meta, &error);
  if (net == NULL)
    return fail (1, error, NULL);
  data = load_data (opt_dataset, &error);
  if (data == NULL)
    {
      nn_network_free (net);
      return fail (1, error, NULL);
    }
  regression = data->test->task == NN_TASK_REGRESSION;
  if (meta->loss == NULL || !nn_loss_from_name (meta->loss, &loss))
    loss = regression ? NN_LOSS_MSE : NN_LOSS_CROSS_ENTROPY;

  result = nn_evaluate (net, loss, data->test, NULL, data->test->n, &error);
  nn_network_free (net);
  if (result != NULL && regression && data->target_std > 0.0f)
    result->rmse *= data->target_std;
  if (result == NULL)
    {
      g_autoptr(GError) wrapped = g_error_new (NN_ERROR, NN_ERROR_SHAPE,
                                               "The model does not fit %s: %s", data->title,
                                               error->message);
      return fail (1, wrapped, NULL);
    }

  if (opt_json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      add_eval (b, "test", result, regression);
      if (!regression)
        add_int (b, "correct", result->n_correct);
      add_int (b, "samples", result->n);
      print_json_line (b);
    }
  else if (regression)
    printf ("%s on %s: test loss %.4f, rmse %.4f, r² %.4f (%d samples)\n", opt_model, data->title,
            (double) result->loss, (double) result->rmse, (double) result->r2, result->n);
  else
    printf ("%s on %s: test loss %.4f, accuracy %.2f%% (%d of %d correct)\n", opt_model,
            data->title, (double) result->loss, 100.0 * result->accuracy, result->n_correct,
            result->n);
  nn_eval_result_unref (result);
  return 0;
}

/* info FILE.backprop: the project's network, dataset and runs. */
static int
info_project (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnProject) p = nn_project_load (path, &error);

  if (p == NULL)
    return fail (1, error, NULL);
  printf ("Project:  %s%s%s%s\n", path, p->name ? " (“" : "", p->name ? p->name : "",
          p->name ? "”)" : "");
  printf ("Network:  %s\n", p->spec ? p->spec : "(none)");
  printf ("Dataset:  %s\n", p->data.name ? p->data.name : "(none)");
  printf ("Runs:     %u\n", p->runs->len);
  for (guint i = 0; i < p->runs->len; i++)
    {
      const NnRunRecord *r = g_ptr_array_index (p->runs, i);
      int done = r->epochs->len > 0
                 ? g_array_index (r->epochs, NnEpochPoint, r->epochs->len - 1).epoch : 0;
      const NnEpochPoint *best = NULL;
      gboolean regression = r->class_names == NULL;
      g_autofree char *shape = nn_shape_to_string (r->in_shape);

      /* Best by test accuracy, or by test loss where there are no classes. */
      for (guint k = 0; k < r->epochs->len; k++)
        {
          const NnEpochPoint *e = &g_array_index (r->epochs, NnEpochPoint, k);
          if (regression ? !isnan (e->test_loss) && (!best || e->test_loss < best->test_loss)
                         : !isnan (e->test_accuracy)
                           && (!best || e->test_accuracy > best->test_accuracy))
            best = e;
        }
      printf ("  %s: %s, %d of %d epochs", r->name ? r->name : "(unnamed)",
              nn_run_status_name (r->status), done, r->config.epochs);
      if (best && regression)
        printf (", best test loss %.4f (epoch %d)", (double) best->test_loss, best->epoch);
      else if (best)
        printf (", best test accuracy %.2f%% (epoch %d)", 100.0 * best->test_accuracy,
                best->epoch);
      printf ("%s\n", r->state ? ", weights kept" : "");
      printf ("    %s on %s (%s), %s lr %g, batch %d, seed %" G_GUINT64_FORMAT "\n", r->spec,
              r->data.name ? r->data.name : "(no dataset)", shape,
              nn_optim_label (r->config.optim.kind), (double) r->config.optim.lr,
              r->config.batch_size, r->config.seed);
    }
  return 0;
}

static int
cmd_info (const char *project_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnModelMeta) meta = NULL;
  g_autofree char *shape = NULL;
  g_autofree NnLayerInfo *infos = NULL;
  const NnParamInfo *table;
  int n_table, n_layers;
  NnNetwork *net;

  if (project_path != NULL && opt_model != NULL)
    return usage_error ("give either --model FILE or a project, not both");
  if (project_path != NULL)
    return info_project (project_path);
  if (opt_model == NULL)
    return usage_error ("info needs --model FILE or FILE.backprop");
  net = nn_model_load (opt_model, &meta, &error);
  if (net == NULL)
    return fail (1, error, NULL);

  shape = nn_shape_to_string (nn_network_get_in_shape (net));
  printf ("Model:    %s\n", opt_model);
  printf ("Network:  %s\n", meta->spec);
  printf ("Input:    %s\n", shape);
  printf ("Dataset:  %s\n", meta->dataset ? meta->dataset : "(unknown)");
  printf ("Loss:     %s\n", meta->loss ? meta->loss : "(unknown)");
  if (meta->class_names)
    {
      g_autofree char *classes = g_strjoinv (", ", meta->class_names);
      printf ("Classes:  %s\n", classes);
    }
  printf ("Weights:  %zu\n", nn_network_get_n_trainable (net));
  /* Running statistics are not weights: PyTorch counts them apart too. */
  if (nn_network_get_n_params (net) > nn_network_get_n_trainable (net))
    printf ("Buffers:  %zu\n", nn_network_get_n_params (net) - nn_network_get_n_trainable (net));
  printf ("Layers (as PyTorch nn.Sequential):\n");
  n_table = 0;
  table = nn_network_get_param_table (net, &n_table);
  n_layers = nn_network_get_n_layers (net);
  infos = g_new (NnLayerInfo, n_layers);
  for (int i = 0; i < n_layers; i++)
    infos[i] = *nn_network_get_layer_info (net, i);
  for (int i = 0, k = 0; i < n_layers; i++)
    {
      const NnNetSpec *spec = nn_network_get_spec (net);
      const NnLayerInfo *info = &infos[i];
      g_autofree char *out = nn_shape_to_string (info->out);
      g_autofree char *module = nn_layer_torch_module (&spec->layers[i], info);
      int index = nn_net_spec_torch_index (spec, infos, i);

      /* The nn.Flatten that PyTorch needs and the spec leaves out. */
      if (nn_net_spec_torch_flatten_before (spec, infos, i))
        printf ("  %2d  %-24s out %-10zu\n", index - 1, "nn.Flatten()",
                nn_shape_size (info->in));
      printf ("  %2d  %-24s out %-10s", index, module, out);
      for (; k < n_table && table[k].layer == i; k++)
        {
          printf ("  %d.%s [", index, table[k].name);
          for (int d = 0; d < table[k].rank; d++)
            printf (d ? ", %d" : "%d", table[k].shape[d]);
          printf ("]%s%s", table[k].dtype == NN_PARAM_I64 ? " int64" : "",
                  table[k].role == NN_PARAM_BUFFER ? " (buffer)" : "");
        }
      printf ("\n");
    }
  nn_network_free (net);
  return 0;
}

/* bench: a network's training speed (the MNIST MLP with plain SGD unless
 * --net says otherwise) against the floor set by its lowering and matrix
 * products alone (nn_network_time_floor ()) */

static long
peak_rss_kb (void)
{
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

typedef struct
{
  double samples_per_second;  /* the best epoch's */
  double floor_seconds;       /* the best floor pass's */
  int n_batches, batch;
} BenchState;

/* The bench's network when --net is not given: the MNIST MLP. */
#define BENCH_SPEC "dense:128,relu,dense:64,relu,dense:10"

static void
bench_epoch (NnTrainer *trainer, const NnEpochReport *r, gpointer user_data)
{
  BenchState *st = user_data;
  NnNetwork *net = nn_trainer_get_network (trainer);
  unsigned mode = nn_fp_get_mode ();
  double floor_s;

  st->samples_per_second = MAX (st->samples_per_second, r->samples_per_second);
  /* A floor pass after every epoch, so both see the same spells of load
   * from other processes on a shared machine; the best of each is kept.
   * It runs on the trained weights with denormals treated as training
   * treats them. */
  if (!nn_trainer_get_config (trainer)->keep_denormals)
    nn_fp_set_mode (NN_FP_FLUSH);
  floor_s = nn_network_time_floor (net, st->batch, st->n_batches);
  nn_fp_set_mode (mode);
  if (floor_s > 0.0)
    st->floor_seconds = MIN (st->floor_seconds, floor_s);
  g_printerr ("  epoch %d: %.2f s, %.0f samples/s, test accuracy %.2f%%\n", r->epoch + 1,
              r->epoch_seconds, r->samples_per_second, r->test ? 100.0 * r->test->accuracy : NAN);
}

static int
cmd_bench (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnData) data = NULL;
  g_autoptr(NnNetSpec) spec = NULL;
  g_autofree char *spec_text = NULL;
  NnTrainConfig config;
  NnTrainer *trainer;
  BenchState st = { 0 };
  NnTrainCallbacks cb = { NULL, bench_epoch, NULL };
  NnOptimKind kind = opt_net != NULL ? NN_OPTIM_MOMENTUM : NN_OPTIM_SGD;
  double load_s, floor_rate;
  int batch = opt_batch != UNSET_INT ? opt_batch : 64;

  if (opt_optimizer && !nn_optim_from_name (opt_optimizer, &kind))
    return usage_error ("unknown optimizer “%s”; use sgd, momentum or adam", opt_optimizer);
  if (opt_threads < 0 || opt_threads > 256)
    return usage_error ("--threads must be between 1 and 256");
  if (opt_epochs != UNSET_INT && opt_epochs < 1)
    return usage_error ("--epochs must be at least 1");
  spec = nn_net_spec_parse (opt_net != NULL ? opt_net : BENCH_SPEC, &error);
  if (spec == NULL)
    return fail (EXIT_USAGE, error, NULL);

  nn_train_config_init (&config);
  config.optim = nn_optim_config_default (kind);
  /* SGD and momentum at the learning rate of the Python benches (bench/). */
  if (kind != NN_OPTIM_ADAM)
    config.optim.lr = 0.01f;
  if (opt_lr != UNSET_DOUBLE)
    config.optim.lr = (float) opt_lr;
  if (opt_momentum != UNSET_DOUBLE)
    config.optim.momentum = (float) opt_momentum;
  config.batch_size = batch;
  /* The best of a few epochs, and of as many floor passes between them:
   * on a shared machine the best of several is the least disturbed
   * figure of each (as timeit takes). */
  config.epochs = opt_epochs != UNSET_INT ? opt_epochs : 3;
  config.threads = opt_threads;
  config.keep_denormals = opt_keep_denormals;

  load_s = nn_now ();
  data = load_data (opt_dataset ? opt_dataset : "mnist", &error);
  if (data == NULL)
    return fail (1, error, NULL);
  load_s = nn_now () - load_s;
  trainer = nn_trainer_new (spec, data, &config, &error);
  if (trainer == NULL)
    return fail (1, error, NULL);

  st.batch = batch;
  st.n_batches = (data->n_train + batch - 1) / batch;
  st.floor_seconds = G_MAXDOUBLE;
  spec_text = nn_net_spec_to_string (spec);
  g_printerr ("Training %s on %s, batch %d, %s lr %g, %d thread(s), denormals %s, "
              "OpenBLAS %s kernels\n", spec_text, data->title, batch,
              nn_optim_label (kind), (double) config.optim.lr, nn_trainer_get_threads (trainer),
              config.keep_denormals ? "kept" : "flushed", openblas_get_corename ());
  if (!nn_trainer_run (trainer, &cb, &st, &error))
    {
      nn_trainer_free (trainer);
      return fail (1, error, NULL);
    }
  nn_trainer_free (trainer);

  floor_rate = st.n_batches * (double) batch / st.floor_seconds;

  printf ("load_seconds %.3f\n", load_s);
  printf ("train_samples_per_second %.0f\n", st.samples_per_second);
  printf ("gemm_floor_samples_per_second %.0f\n", floor_rate);
  printf ("fraction_of_gemm_floor %.3f\n", st.samples_per_second / floor_rate);
  printf ("peak_rss_mb %.1f\n", peak_rss_kb () / 1024.0);
  return 0;
}

static const char *summary =
  "Commands:\n"
  "  train   Train a network on a dataset\n"
  "  eval    Evaluate a saved model on a dataset's test set\n"
  "  info    Describe a saved model (--model FILE) or a project (FILE.backprop)\n"
  "  bench   Measure training speed on MNIST against the floor of its matrix products\n"
  "          (the MLP with SGD, or --net SPEC with momentum; batch 64)\n"
  "\n"
  "Datasets: xor, circles, spiral, gaussians, regression, mnist, fashion-mnist, csv:PATH";

int
main (int argc, char *argv[])
{
  g_autoptr(GOptionContext) ctx = NULL;
  g_autoptr(GError) error = NULL;
  const char *cmd;
  GOptionGroup *group;
  int status;

  setlocale (LC_ALL, "");
  /* Numbers in JSON and on the command line use a dot whatever the locale. */
  setlocale (LC_NUMERIC, "C");

  cmd = argc > 1 ? argv[1] : NULL;
  /* GOption names the program in "Usage:" from g_get_prgname(), which is
   * only set by a parse: the top-level help has none ("Usage: (null)"). A
   * command's help reads "backprop-cli train [OPTION…]". */
  if (cmd != NULL && (g_str_equal (cmd, "train") || g_str_equal (cmd, "eval")
                      || g_str_equal (cmd, "info") || g_str_equal (cmd, "bench")))
    {
      g_autofree char *name = g_strconcat ("backprop-cli ", cmd, NULL);
      g_set_prgname (name);
      ctx = g_option_context_new (NULL);
    }
  else
    {
      g_set_prgname ("backprop-cli");
      ctx = g_option_context_new ("COMMAND [OPTIONS]");
    }
  g_option_context_set_summary (ctx, summary);

  if (cmd == NULL || g_str_equal (cmd, "--help") || g_str_equal (cmd, "-h")
      || g_str_equal (cmd, "help"))
    {
      g_autofree char *help = g_option_context_get_help (ctx, FALSE, NULL);
      printf ("%s", help);
      printf ("\nbackprop-cli COMMAND --help shows the options of a command.\n");
      return cmd == NULL ? EXIT_USAGE : 0;
    }

  g_option_context_add_main_entries (ctx, data_entries, NULL);
  if (g_str_equal (cmd, "train") || g_str_equal (cmd, "bench"))
    {
      group = g_option_group_new ("train", "Training options:", "Show training options", NULL, NULL);
      g_option_group_add_entries (group, train_entries);
      g_option_context_add_group (ctx, group);
      if (g_str_equal (cmd, "bench"))
        {
          group = g_option_group_new ("bench", "Bench options:", "Show bench options", NULL, NULL);
          g_option_group_add_entries (group, bench_entries);
          g_option_context_add_group (ctx, group);
        }
    }
  else if (g_str_equal (cmd, "eval") || g_str_equal (cmd, "info"))
    {
      group = g_option_group_new ("model", "Model options:", "Show model options", NULL, NULL);
      g_option_group_add_entries (group, model_entries);
      g_option_context_add_group (ctx, group);
    }
  else
    return usage_error ("unknown command “%s”; use train, eval, info or bench", cmd);

  /* Let the command's --help show its own options. */
  argv[1] = argv[0];
  argc--;
  argv++;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return usage_error ("%s", error->message);
  /* info takes a project as its one argument. */
  if (argc > (g_str_equal (cmd, "info") ? 2 : 1))
    return usage_error ("unexpected argument “%s”", argv[argc - 1]);

  if (g_str_equal (cmd, "train"))
    status = cmd_train ();
  else if (g_str_equal (cmd, "eval"))
    status = cmd_eval ();
  else if (g_str_equal (cmd, "info"))
    status = cmd_info (argc > 1 ? argv[1] : NULL);
  else
    status = cmd_bench ();
  return status;
}
