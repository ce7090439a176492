/* bp-project.c: the document as a GObject.
 *
 * Every setter notifies only when the value changed, and every change but
 * of "modified" itself and of "file" sets "modified": the window shows it in
 * the title and asks before throwing the document away.
 */
#include "bp-project.h"

#include <string.h>

struct _BpProject
{
  GObject     parent_instance;

  /* Owned */
  BpSettings *settings;
  GListStore *runs;          /* BpRunRecord */
  char       *spec;
  char       *dataset;
  GFile      *file;

  double      noise;
  int         n_samples;
  gboolean    modified;
  guint       serial;        /* counts edits, so a save can tell one made while it ran */
};

G_DEFINE_FINAL_TYPE (BpProject, bp_project, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SETTINGS,
  PROP_RUNS,
  PROP_SPEC,
  PROP_DATASET,
  PROP_NOISE,
  PROP_N_SAMPLES,
  PROP_MODIFIED,
  PROP_FILE,
  PROP_TITLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
on_settings_changed_cb (BpProject *self)
{
  bp_project_set_modified (self, TRUE);
}

static void
bp_project_dispose (GObject *object)
{
  BpProject *self = BP_PROJECT (object);

  if (self->settings)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_clear_object (&self->runs);
  g_clear_object (&self->file);
  G_OBJECT_CLASS (bp_project_parent_class)->dispose (object);
}

static void
bp_project_finalize (GObject *object)
{
  BpProject *self = BP_PROJECT (object);

  g_free (self->spec);
  g_free (self->dataset);
  G_OBJECT_CLASS (bp_project_parent_class)->finalize (object);
}

static void
bp_project_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  BpProject *self = BP_PROJECT (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    case PROP_RUNS:
      g_value_set_object (value, self->runs);
      break;
    case PROP_SPEC:
      g_value_set_string (value, self->spec);
      break;
    case PROP_DATASET:
      g_value_set_string (value, self->dataset);
      break;
    case PROP_NOISE:
      g_value_set_double (value, self->noise);
      break;
    case PROP_N_SAMPLES:
      g_value_set_int (value, self->n_samples);
      break;
    case PROP_MODIFIED:
      g_value_set_boolean (value, self->modified);
      break;
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;
    case PROP_TITLE:
      g_value_take_string (value, bp_project_dup_title (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bp_project_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  BpProject *self = BP_PROJECT (object);

  switch (prop_id)
    {
    case PROP_SPEC:
      bp_project_set_spec (self, g_value_get_string (value));
      break;
    case PROP_DATASET:
      bp_project_set_dataset (self, g_value_get_string (value));
      break;
    case PROP_NOISE:
      bp_project_set_noise (self, g_value_get_double (value));
      break;
    case PROP_N_SAMPLES:
      bp_project_set_n_samples (self, g_value_get_int (value));
      break;
    case PROP_MODIFIED:
      bp_project_set_modified (self, g_value_get_boolean (value));
      break;
    case PROP_FILE:
      bp_project_set_file (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define FLAGS (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS)

static void
bp_project_class_init (BpProjectClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bp_project_dispose;
  object_class->finalize = bp_project_finalize;
  object_class->get_property = bp_project_get_property;
  object_class->set_property = bp_project_set_property;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, BP_TYPE_SETTINGS,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUNS] =
    g_param_spec_object ("runs", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SPEC] = g_param_spec_string ("spec", NULL, NULL, "", FLAGS);
  properties[PROP_DATASET] = g_param_spec_string ("dataset", NULL, NULL, "xor", FLAGS);
  /* < 0: the set's own default, as NnDataOptions has it. */
  properties[PROP_NOISE] = g_param_spec_double ("noise", NULL, NULL, -1, G_MAXFLOAT, -1, FLAGS);
  properties[PROP_N_SAMPLES] = g_param_spec_int ("n-samples", NULL, NULL, 0, G_MAXINT, 400, FLAGS);
  properties[PROP_MODIFIED] = g_param_spec_boolean ("modified", NULL, NULL, FALSE, FLAGS);
  properties[PROP_FILE] = g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE, FLAGS);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
bp_project_init (BpProject *self)
{
  self->settings = bp_settings_new ();
  self->runs = g_list_store_new (BP_TYPE_RUN_RECORD);
  self->spec = g_strdup ("");
  self->dataset = g_strdup ("xor");
  self->n_samples = 400;   /* the generated sets' own default */
  self->noise = -1;        /* the set's own */
  g_signal_connect_swapped (self->settings, "changed", G_CALLBACK (on_settings_changed_cb), self);
}

BpProject *
bp_project_new (void)
{
  return g_object_new (BP_TYPE_PROJECT, NULL);
}

BpSettings *
bp_project_get_settings (BpProject *self)
{
  g_return_val_if_fail (BP_IS_PROJECT (self), NULL);
  return self->settings;
}

/* Sets *@field to a copy of @value; TRUE (and "modified") if it changed. */
static gboolean
set_string (BpProject *self, char **field, const char *value, guint prop_id)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value ? value : "");
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
  bp_project_set_modified (self, TRUE);
  return TRUE;
}

const char *
bp_project_get_spec (BpProject *self)
{
  g_return_val_if_fail (BP_IS_PROJECT (self), NULL);
  return self->spec;
}

void
bp_project_set_spec (BpProject *self, const char *spec)
{
  g_return_if_fail (BP_IS_PROJECT (self));
  set_string (self, &self->spec, spec, PROP_SPEC);
}

const char *
bp_project_get_dataset (BpProject *self)
{
  g_return_val_if_fail (BP_IS_PROJECT (self), NULL);
  return self->dataset;
}

void
bp_project_set_dataset (BpProject *self, const char *dataset)
{
  g_return_if_fail (BP_IS_PROJECT (self));
  g_return_if_fail (dataset != NULL);
  set_string (self, &self->dataset, dataset, PROP_DATASET);
}

double
bp_project_get_noise (BpProject *self)
{
  g_return_val_if_fail (BP_IS_PROJECT (self), 0.0);
  return self->noise;
}

void
bp_project_set_noise (BpProject *self, double noise)
{
  g_return_if_fail (BP_IS_PROJECT (self));
  if (self->noise == noise)
    return;
  self->noise = noise;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NOISE]);
  bp_project_set_modified (self, TRUE);
}

int
bp_project_get_n_samples (BpProject *self)
{
  g_return_val_if_fail (BP_IS_PROJECT (self), 0);
  return self->n_samples;
}

void
bp_project_set_n_samples (BpProject *self, int n_samples)
{
  g_return_if_fail (BP_IS_PROJECT (self));
  if (self->n_samples == n_samples)
    return;
  self->n_samples = n_samples;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_SAMPLES]);
  bp_project_set_modified (self, TRUE);
}

gboolean
bp_project_get_modified (BpProject *self)
{
  g_return_val_if_fail (BP_IS_PROJECT (self), FALSE);
  return self->modified;
}

void
bp_project_set_modified (BpProject *self, gboolean modified)
{
  g_return_if_fail (BP_IS_PROJECT (self));
  modified = !!modified;
  if (modified)
    self->serial++;
  if (self->modified == modified)
    return;
  self->modified = modified;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODIFIED]);
}

guint64
bp_project_get_serial (BpProject *self)
{
  g_return_val_if_fail (BP_IS_PROJECT (self), 0);
  return self->serial;
}

GFile *
bp_project_get_file (BpProject *self)
{
  g_return_val_if_fail (BP_IS_PROJECT (self), NULL);
  return self->file;
}

void
bp_project_set_file (BpProject *self, GFile *file)
{
  g_return_if_fail (BP_IS_PROJECT (self));
  g_return_if_fail (file == NULL || G_IS_FILE (file));
  if (self->file == file || (self->file && file && g_file_equal (self->file, file)))
    return;
  g_set_object (&self->file, file);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

char *
bp_project_dup_title (BpProject *self)
{
  g_autofree char *base = NULL;

  g_return_val_if_fail (BP_IS_PROJECT (self), NULL);
  if (self->file == NULL)
    return g_strdup ("Untitled Project");
  base = g_file_get_basename (self->file);
  if (base == NULL)
    return g_strdup ("Untitled Project");
  if (g_str_has_suffix (base, ".backprop") && strlen (base) > strlen (".backprop"))
    base[strlen (base) - strlen (".backprop")] = '\0';
  return g_filename_display_name (base);
}

/* ---- runs ---------------------------------------------------------------- */

static void
on_run_points_added_cb (BpProject *self)
{
  bp_project_set_modified (self, TRUE);
}

GListModel *
bp_project_get_runs (BpProject *self)
{
  g_return_val_if_fail (BP_IS_PROJECT (self), NULL);
  return G_LIST_MODEL (self->runs);
}

BpRunRecord *
bp_project_get_current_run (BpProject *self)
{
  guint n;
  g_autoptr(BpRunRecord) run = NULL;

  g_return_val_if_fail (BP_IS_PROJECT (self), NULL);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));
  if (n == 0)
    return NULL;
  /* The store keeps its reference: borrowed. */
  run = g_list_model_get_item (G_LIST_MODEL (self->runs), n - 1);
  return run;
}

static void
watch_run (BpProject *self, BpRunRecord *run)
{
  g_signal_connect_object (run, "points-added", G_CALLBACK (on_run_points_added_cb), self,
                           G_CONNECT_SWAPPED);
}

void
bp_project_add_run (BpProject *self, BpRunRecord *run)
{
  g_return_if_fail (BP_IS_PROJECT (self));
  g_return_if_fail (BP_IS_RUN_RECORD (run));
  watch_run (self, run);
  g_list_store_append (self->runs, run);
  bp_project_set_modified (self, TRUE);
}

void
bp_project_remove_run (BpProject *self, BpRunRecord *run)
{
  guint position;

  g_return_if_fail (BP_IS_PROJECT (self));
  if (!g_list_store_find (self->runs, run, &position))
    return;
  g_signal_handlers_disconnect_by_data (run, self);
  g_list_store_remove (self->runs, position);
  bp_project_set_modified (self, TRUE);
}

/* ---- to and from the engine's document ---------------------------------- */

gboolean
bp_dataset_has_sample_options (const char *name)
{
  return nn_data_is_generated (name) && !g_str_equal (name, "xor");
}

const char *
bp_project_get_data_options (BpProject *self, NnDataOptions *opts)
{
  g_return_val_if_fail (BP_IS_PROJECT (self), NULL);

  nn_data_options_init (opts);
  opts->seed = bp_settings_get_seed (self->settings);
  opts->val_fraction = (float) bp_settings_get_val_fraction (self->settings);
  if (bp_dataset_has_sample_options (self->dataset))
    {
      opts->noise = (float) self->noise;
      opts->n_samples = self->n_samples;
    }
  return self->dataset;
}

void
bp_project_get_data_choice (BpProject *self, NnDataChoice *choice)
{
  NnDataOptions opts;
  const char *name;

  g_return_if_fail (BP_IS_PROJECT (self));

  name = bp_project_get_data_options (self, &opts);
  nn_data_choice_init (choice);
  choice->name = g_strdup (name);
  choice->n_samples = opts.n_samples;
  choice->noise = opts.noise;
  choice->val_fraction = opts.val_fraction;
  choice->standardize = opts.standardize;
  choice->seed = opts.seed;
}

NnProject *
bp_project_to_nn (BpProject *self)
{
  NnProject *p;
  guint n;

  g_return_val_if_fail (BP_IS_PROJECT (self), NULL);

  p = nn_project_new ();
  p->spec = g_strdup (self->spec);
  nn_data_choice_clear (&p->data);
  bp_project_get_data_choice (self, &p->data);
  bp_settings_to_config (self->settings, &p->config);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BpRunRecord) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);

      g_ptr_array_add (p->runs, bp_run_record_dup_nn (run));
    }
  return p;
}

BpProject *
bp_project_new_from_nn (const NnProject *p)
{
  BpProject *self = bp_project_new ();

  g_return_val_if_fail (p != NULL, self);

  bp_project_set_spec (self, p->spec ? p->spec : "");
  if (p->data.name)
    bp_project_set_dataset (self, p->data.name);
  if (p->data.noise >= 0)
    bp_project_set_noise (self, p->data.noise);
  if (p->data.n_samples > 0)
    bp_project_set_n_samples (self, p->data.n_samples);
  bp_settings_set_config (self->settings, &p->config);
  g_object_set (self->settings, "val-fraction", (double) p->data.val_fraction, NULL);
  for (guint i = 0; i < p->runs->len; i++)
    {
      g_autoptr(BpRunRecord) run = bp_run_record_new_copy (g_ptr_array_index (p->runs, i));

      bp_project_add_run (self, run);
    }
  bp_project_set_modified (self, FALSE);
  return self;
}

/* ---- files -------------------------------------------------------------- */

typedef struct
{
  NnProject *nn;
  GFile     *file;
  guint      serial;   /* the project's edit count when the save began */
} SaveJob;

static void
save_job_free (gpointer data)
{
  SaveJob *job = data;

  nn_project_free (job->nn);
  g_clear_object (&job->file);
  g_free (job);
}

/* A CSV is referred to by path with its checksum: reading the file is the
 * thread's work, not the main loop's. */
static gboolean
fill_checksum (NnDataChoice *choice, GError **error)
{
  g_autofree char *name = NULL;
  NnDataOptions opts;

  if (choice->name == NULL || !g_str_has_prefix (choice->name, "csv:") || choice->csv_sha256)
    return TRUE;
  nn_data_options_init (&opts);
  opts.n_samples = choice->n_samples;
  opts.noise = choice->noise;
  opts.val_fraction = choice->val_fraction;
  opts.standardize = choice->standardize;
  opts.seed = choice->seed;
  name = g_strdup (choice->name);
  return nn_data_choice_set (choice, name, &opts, error);
}

static void
save_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  SaveJob *job = task_data;
  g_autofree char *path = g_file_get_path (job->file);
  GError *error = NULL;

  if (path == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "Projects can only be saved to a local file.");
      return;
    }
  if (!fill_checksum (&job->nn->data, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint i = 0; i < job->nn->runs->len; i++)
    {
      NnRunRecord *r = g_ptr_array_index (job->nn->runs, i);

      if (!fill_checksum (&r->data, &error))
        {
          g_task_return_error (task, error);
          return;
        }
    }
  if (!nn_project_save (path, job->nn, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
bp_project_save_async (BpProject *self, GFile *file, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  SaveJob *job;

  g_return_if_fail (BP_IS_PROJECT (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bp_project_save_async);
  g_task_set_name (task, "bp-project-save");
  job = g_new0 (SaveJob, 1);
  job->nn = bp_project_to_nn (self);
  job->file = g_object_ref (file);
  job->serial = self->serial;
  g_task_set_task_data (task, job, save_job_free);
  g_task_run_in_thread (task, save_thread);
}

gboolean
bp_project_save_finish (BpProject *self, GAsyncResult *result, GError **error)
{
  SaveJob *job;

  g_return_val_if_fail (BP_IS_PROJECT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  job = g_task_get_task_data (G_TASK (result));
  bp_project_set_file (self, job->file);
  if (self->serial == job->serial)
    bp_project_set_modified (self, FALSE);
  return TRUE;
}

static void
load_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  g_autofree char *path = g_file_get_path (task_data);
  GError *error = NULL;
  NnProject *p;

  if (path == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "Projects can only be opened from a local file.");
      return;
    }
  p = nn_project_load (path, &error);
  if (p == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, p, (GDestroyNotify) nn_project_free);
}

void
bp_project_load_async (GFile *file, GCancellable *cancellable, GAsyncReadyCallback callback,
                       gpointer user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bp_project_load_async);
  g_task_set_name (task, "bp-project-load");
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, load_thread);
}

BpProject *
bp_project_load_finish (GAsyncResult *result, GError **error)
{
  g_autoptr(NnProject) p = NULL;
  BpProject *self;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bp_project_load_async, NULL);

  p = g_task_propagate_pointer (G_TASK (result), error);
  if (p == NULL)
    return NULL;
  self = bp_project_new_from_nn (p);
  bp_project_set_file (self, g_task_get_task_data (G_TASK (result)));
  bp_project_set_modified (self, FALSE);
  return self;
}
