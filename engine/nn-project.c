/* nn-project.c: project files (see the header and docs/project-format.md).
 *
 * Writing: the model metadata and tensors of the newest run with weights
 * go in under the plain names through nn-model-file.c, the JSON document
 * in __metadata__["backprop.project"], then each run's "runs.<i>." tensors.
 *
 * Reading: the container is checked whole by nn_st_open(); the document is
 * parsed as strictly as a header, every field is type- and range-checked,
 * every count and shape it states is checked against the tensors before
 * anything of that size is allocated, and a tensor the document does not
 * account for is refused too.
 */
#include "nn-project.h"
#include "nn-model-file.h"

#include <math.h>
#include <string.h>

#define PROJECT_KEY  "backprop.project"
/* The document nests root > runs > run > epochs > point. */
#define MAX_DEPTH    32
#define MAX_INPUT_DIM  (1 << 24)
#define MAX_INPUT_SIZE ((gint64) 1 << 28)

/* Data choices */

void
nn_data_choice_init (NnDataChoice *c)
{
  NnDataOptions opts;

  nn_data_options_init (&opts);
  memset (c, 0, sizeof *c);
  c->n_samples = opts.n_samples;
  c->noise = opts.noise;
  c->val_fraction = opts.val_fraction;
  c->standardize = opts.standardize;
  c->seed = opts.seed;
}

void
nn_data_choice_clear (NnDataChoice *c)
{
  g_clear_pointer (&c->name, g_free);
  g_clear_pointer (&c->csv_sha256, g_free);
}

void
nn_data_choice_copy (NnDataChoice *dst, const NnDataChoice *src)
{
  *dst = *src;
  dst->name = g_strdup (src->name);
  dst->csv_sha256 = g_strdup (src->csv_sha256);
}

static char *
file_sha256 (const char *path, GError **error)
{
  GMappedFile *map = g_mapped_file_new (path, FALSE, error);
  char *sum;

  if (map == NULL)
    return NULL;
  sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                     (const guchar *) g_mapped_file_get_contents (map),
                                     g_mapped_file_get_length (map));
  g_mapped_file_unref (map);
  return sum;
}

gboolean
nn_data_choice_set (NnDataChoice *c, const char *name, const NnDataOptions *opts,
                    GError **error)
{
  char *sum = NULL;

  if (g_str_has_prefix (name, "csv:"))
    {
      GError *local = NULL;
      sum = file_sha256 (name + strlen ("csv:"), &local);
      if (sum == NULL)
        {
          g_set_error (error, NN_ERROR, NN_ERROR_IO, "Could not read %s: %s.",
                       name + strlen ("csv:"), local->message);
          g_error_free (local);
          return FALSE;
        }
    }
  nn_data_choice_clear (c);
  c->name = g_strdup (name);
  c->csv_sha256 = sum;
  c->n_samples = opts->n_samples;
  c->noise = opts->noise;
  c->val_fraction = opts->val_fraction;
  c->standardize = opts->standardize;
  c->seed = opts->seed;
  return TRUE;
}

NnData *
nn_data_choice_load (const NnDataChoice *c, const char *data_dir, GError **error)
{
  NnDataOptions opts;

  if (c->name == NULL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT, "No dataset was chosen.");
      return NULL;
    }
  if (g_str_has_prefix (c->name, "csv:") && c->csv_sha256 != NULL)
    {
      const char *path = c->name + strlen ("csv:");
      GError *local = NULL;
      char *sum = file_sha256 (path, &local);
      gboolean same = sum != NULL && g_ascii_strcasecmp (sum, c->csv_sha256) == 0;

      g_free (sum);
      if (local != NULL)
        {
          g_set_error (error, NN_ERROR, g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT)
                                        ? NN_ERROR_NOT_FOUND : NN_ERROR_IO,
                       "Could not read %s: %s.", path, local->message);
          g_error_free (local);
          return NULL;
        }
      if (!same)
        {
          g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT,
                       "%s has changed since the project was saved (its SHA-256 is not the "
                       "one recorded), so its rows are not the ones the run trained on.",
                       path);
          return NULL;
        }
    }
  nn_data_options_init (&opts);
  opts.data_dir = data_dir;
  opts.n_samples = c->n_samples;
  opts.noise = c->noise;
  opts.seed = c->seed;
  opts.val_fraction = c->val_fraction;
  opts.standardize = c->standardize;
  return nn_data_load (c->name, &opts, error);
}

/* Runs and projects */

static const char *status_names[NN_N_RUN_STATUSES] = { "paused", "stopped", "finished",
                                                       "failed" };

const char *
nn_run_status_name (NnRunStatus status)
{
  return status < NN_N_RUN_STATUSES ? status_names[status] : "unknown";
}

NnRunRecord *
nn_run_record_new (void)
{
  NnRunRecord *r = g_new0 (NnRunRecord, 1);

  nn_data_choice_init (&r->data);
  nn_train_config_init (&r->config);
  r->batches = g_array_new (FALSE, TRUE, sizeof (NnBatchPoint));
  r->epochs = g_array_new (FALSE, TRUE, sizeof (NnEpochPoint));
  r->lr_changes = g_array_new (FALSE, TRUE, sizeof (NnLrChange));
  return r;
}

void
nn_run_record_free (NnRunRecord *r)
{
  if (r == NULL)
    return;
  g_free (r->name);
  g_free (r->spec);
  nn_data_choice_clear (&r->data);
  g_clear_pointer (&r->batches, g_array_unref);
  g_clear_pointer (&r->epochs, g_array_unref);
  g_clear_pointer (&r->lr_changes, g_array_unref);
  nn_train_state_free (r->state);
  g_strfreev (r->class_names);
  g_free (r);
}

NnProject *
nn_project_new (void)
{
  NnProject *p = g_new0 (NnProject, 1);

  p->format_version = NN_PROJECT_FORMAT_VERSION;
  nn_data_choice_init (&p->data);
  nn_train_config_init (&p->config);
  p->runs = g_ptr_array_new_with_free_func ((GDestroyNotify) nn_run_record_free);
  return p;
}

void
nn_project_free (NnProject *p)
{
  if (p == NULL)
    return;
  g_free (p->name);
  g_free (p->spec);
  nn_data_choice_clear (&p->data);
  g_clear_pointer (&p->runs, g_ptr_array_unref);
  g_free (p);
}

NnRunRecord *
nn_project_get_current_run (const NnProject *p)
{
  return p->runs->len > 0 ? g_ptr_array_index (p->runs, p->runs->len - 1) : NULL;
}

/* The run whose model is stored under the plain names: the newest with weights. */
static int
model_run_index (const NnProject *p)
{
  for (int i = (int) p->runs->len - 1; i >= 0; i--)
    if (((NnRunRecord *) g_ptr_array_index (p->runs, i))->state != NULL)
      return i;
  return -1;
}

static char *
run_prefix (int i, int model_run)
{
  return i == model_run ? g_strdup ("") : g_strdup_printf ("runs.%d.", i);
}

/* The outputs of @spec_text on @in, or 0 with @error if it does not parse or fit. */
static size_t
spec_outputs (const char *spec_text, NnShape in, GError **error)
{
  NnNetSpec *spec = nn_net_spec_parse (spec_text, error);
  NnLayerInfo *infos;
  size_t n = 0;

  if (spec == NULL)
    return 0;
  infos = g_new0 (NnLayerInfo, MAX (spec->n_layers, 1));
  if (nn_net_spec_check (spec, in, 0, infos, NULL, NULL, error))
    n = spec->n_layers > 0 ? nn_shape_size (infos[spec->n_layers - 1].out) : nn_shape_size (in);
  g_free (infos);
  nn_net_spec_free (spec);
  return n;
}

/* Writing */

static void
add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_int (JsonBuilder *b, const char *name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

/* 64-bit integers as decimal strings: a double holds only 53 bits. */
static void
add_u64 (JsonBuilder *b, const char *name, guint64 value)
{
  char text[24];

  g_snprintf (text, sizeof text, "%" G_GUINT64_FORMAT, value);
  add_string (b, name, text);
}

/* JSON has no NaN or infinity: null stands for both (read back as NaN). */
static void
add_double (JsonBuilder *b, const char *name, double value)
{
  json_builder_set_member_name (b, name);
  if (isfinite (value))
    json_builder_add_double_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_bool (JsonBuilder *b, const char *name, gboolean value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_boolean_value (b, value);
}

static void
add_data_choice (JsonBuilder *b, const char *name, const NnDataChoice *c)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  add_string (b, "name", c->name);
  add_string (b, "csv_sha256", c->csv_sha256);
  add_int (b, "n_samples", c->n_samples);
  add_double (b, "noise", c->noise);
  add_double (b, "val_fraction", c->val_fraction);
  add_bool (b, "standardize", c->standardize);
  add_u64 (b, "seed", c->seed);
  json_builder_end_object (b);
}

static void
add_config (JsonBuilder *b, const char *name, const NnTrainConfig *c)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  add_string (b, "loss", nn_loss_name (c->loss));
  add_string (b, "optimizer", nn_optim_name (c->optim.kind));
  add_double (b, "lr", c->optim.lr);
  add_double (b, "momentum", c->optim.momentum);
  add_bool (b, "nesterov", c->optim.nesterov);
  add_double (b, "beta1", c->optim.beta1);
  add_double (b, "beta2", c->optim.beta2);
  add_double (b, "eps", c->optim.eps);
  add_double (b, "weight_decay", c->optim.weight_decay);
  add_string (b, "init", nn_init_name (c->init));
  add_int (b, "batch_size", c->batch_size);
  add_int (b, "epochs", c->epochs);
  add_u64 (b, "seed", c->seed);
  add_int (b, "threads", c->threads);
  json_builder_end_object (b);
}

static void
add_state (JsonBuilder *b, const NnTrainState *s)
{
  json_builder_set_member_name (b, "state");
  if (s == NULL)
    {
      json_builder_add_null_value (b);
      return;
    }
  json_builder_begin_object (b);
  add_int (b, "n_params", (gint64) s->n_params);
  add_u64 (b, "opt_t", s->opt_t);
  add_double (b, "opt_lr", s->opt_lr);
  add_bool (b, "opt_m", s->opt_m != NULL);
  add_bool (b, "opt_v", s->opt_v != NULL);
  add_int (b, "epoch", s->epoch);
  add_int (b, "batch", s->batch);
  add_u64 (b, "step", s->step);
  add_double (b, "elapsed", s->elapsed);
  add_double (b, "epoch_seconds", s->epoch_seconds);
  add_double (b, "sum_loss", s->sum_loss);
  add_int (b, "sum_correct", s->sum_correct);
  add_int (b, "sum_n", s->sum_n);
  add_u64 (b, "rng_state", s->dropout_rng.state);
  add_u64 (b, "rng_inc", s->dropout_rng.inc);
  json_builder_end_object (b);
}

static void
add_run (JsonBuilder *b, const NnRunRecord *r)
{
  json_builder_begin_object (b);
  add_string (b, "name", r->name);
  add_string (b, "spec", r->spec);
  json_builder_set_member_name (b, "input_shape");
  json_builder_begin_array (b);
  for (int d = 0; d < r->in_shape.rank && d < NN_MAX_RANK; d++)
    json_builder_add_int_value (b, r->in_shape.dim[d]);
  json_builder_end_array (b);
  add_data_choice (b, "data", &r->data);
  add_config (b, "config", &r->config);
  add_string (b, "status", nn_run_status_name (r->status));
  add_u64 (b, "started", (guint64) r->started);   /* two's complement for times before 1970 */
  json_builder_set_member_name (b, "class_names");
  if (r->class_names != NULL)
    {
      json_builder_begin_array (b);
      for (int i = 0; r->class_names[i] != NULL; i++)
        json_builder_add_string_value (b, r->class_names[i]);
      json_builder_end_array (b);
    }
  else
    json_builder_add_null_value (b);
  add_int (b, "n_batches", r->batches->len);
  json_builder_set_member_name (b, "epochs");
  json_builder_begin_array (b);
  for (guint k = 0; k < r->epochs->len; k++)
    {
      const NnEpochPoint *e = &g_array_index (r->epochs, NnEpochPoint, k);

      json_builder_begin_object (b);
      add_int (b, "epoch", e->epoch);
      add_double (b, "train_loss", e->train_loss);
      add_double (b, "train_accuracy", e->train_accuracy);
      add_double (b, "val_loss", e->val_loss);
      add_double (b, "val_accuracy", e->val_accuracy);
      add_double (b, "test_loss", e->test_loss);
      add_double (b, "test_accuracy", e->test_accuracy);
      add_double (b, "seconds", e->seconds);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "lr_changes");
  json_builder_begin_array (b);
  for (guint k = 0; k < r->lr_changes->len; k++)
    {
      const NnLrChange *c = &g_array_index (r->lr_changes, NnLrChange, k);

      json_builder_begin_object (b);
      add_u64 (b, "step", c->step);
      add_double (b, "lr", c->lr);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  add_state (b, r->state);
  json_builder_end_object (b);
}

static char *
build_document (const NnProject *p)
{
  JsonBuilder *b = json_builder_new ();
  JsonNode *root;
  char *text;

  json_builder_begin_object (b);
  add_int (b, "format_version", NN_PROJECT_FORMAT_VERSION);
  add_string (b, "name", p->name);
  add_string (b, "spec", p->spec);
  add_data_choice (b, "data", &p->data);
  add_config (b, "config", &p->config);
  json_builder_set_member_name (b, "runs");
  json_builder_begin_array (b);
  for (guint i = 0; i < p->runs->len; i++)
    add_run (b, g_ptr_array_index (p->runs, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = json_to_string (root, FALSE);
  json_node_unref (root);
  g_object_unref (b);
  return text;
}

static gboolean
check_utf8 (const char *s, const char *what, GError **error)
{
  if (s == NULL || g_utf8_validate (s, -1, NULL))
    return TRUE;
  g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT, "The %s is not valid UTF-8.", what);
  return FALSE;
}

static gboolean
check_runs (const NnProject *p, GError **error)
{
  if (!check_utf8 (p->name, "project's name", error)
      || !check_utf8 (p->spec, "project's network", error)
      || !check_utf8 (p->data.name, "project's dataset", error))
    return FALSE;
  for (guint i = 0; i < p->runs->len; i++)
    {
      const NnRunRecord *r = g_ptr_array_index (p->runs, i);

      if (r->spec == NULL)
        {
          g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                       "Run %u of the project has no network.", i + 1);
          return FALSE;
        }
      if (!check_utf8 (r->name, "name of a run", error)
          || !check_utf8 (r->spec, "network of a run", error)
          || !check_utf8 (r->data.name, "dataset of a run", error)
          || !check_utf8 (r->data.csv_sha256, "checksum of a run's dataset", error))
        return FALSE;
      for (int k = 0; r->class_names != NULL && r->class_names[k] != NULL; k++)
        if (!check_utf8 (r->class_names[k], "class name of a run", error))
          return FALSE;
      if (r->class_names != NULL)
        {
          GError *local = NULL;
          size_t n_out = spec_outputs (r->spec, r->in_shape, &local);

          if (n_out == 0 || g_strv_length (r->class_names) != n_out)
            {
              g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                           "Run %u of the project has %u class names for %zu outputs; it "
                           "needs one per output%s%s", i + 1, g_strv_length (r->class_names),
                           n_out, local ? ": " : "", local ? local->message : ".");
              g_clear_error (&local);
              return FALSE;
            }
        }
    }
  return TRUE;
}

/* A network holding @r's weights, for naming and laying out its tensors. */
static NnNetwork *
run_network (const NnRunRecord *r, guint index, GError **error)
{
  NnNetSpec *spec;
  NnNetwork *net = NULL;
  GError *local = NULL;

  spec = nn_net_spec_parse (r->spec, &local);
  if (spec != NULL)
    net = nn_network_new (spec, r->in_shape, &local);
  nn_net_spec_free (spec);
  if (net == NULL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "Run %u of the project cannot be saved: %s", index + 1, local->message);
      g_error_free (local);
      return NULL;
    }
  if (nn_network_get_n_params (net) != r->state->n_params)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "Run %u of the project has %zu weights, but its network “%s” has %zu.",
                   index + 1, r->state->n_params, r->spec, nn_network_get_n_params (net));
      nn_network_free (net);
      return NULL;
    }
  memcpy (nn_network_get_params (net), r->state->params, r->state->n_params * sizeof (float));
  return net;
}

gboolean
nn_project_save (const char *path, const NnProject *p, GError **error)
{
  NnStWriter *w = NULL;
  GPtrArray *owned = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *nets = g_ptr_array_new_with_free_func ((GDestroyNotify) nn_network_free);
  int model_run = model_run_index (p);
  char *doc = NULL;
  gboolean ok = FALSE;

  if (path == NULL || p == NULL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "Saving a project needs a file name and a project.");
      goto out;
    }
  if (!check_runs (p, error))
    goto out;

  for (guint i = 0; i < p->runs->len; i++)
    {
      const NnRunRecord *r = g_ptr_array_index (p->runs, i);
      NnNetwork *net = NULL;

      if (r->state != NULL && (net = run_network (r, i, error)) == NULL)
        goto out;
      g_ptr_array_add (nets, net);
    }

  w = nn_st_writer_new ();
  if (model_run >= 0)
    {
      const NnRunRecord *r = g_ptr_array_index (p->runs, model_run);
      NnModelMeta meta = { NULL, { 0 }, r->data.name, (char *) nn_loss_name (r->config.loss),
                           r->class_names };

      if (!_nn_model_write_meta (w, g_ptr_array_index (nets, model_run), &meta, error))
        goto out;
    }
  else
    nn_st_writer_add_meta (w, "format", "pt");
  doc = build_document (p);
  nn_st_writer_add_meta (w, PROJECT_KEY, doc);

  for (guint i = 0; i < p->runs->len; i++)
    {
      const NnRunRecord *r = g_ptr_array_index (p->runs, i);
      char *prefix = run_prefix ((int) i, model_run);
      char name[64];

      if (r->state != NULL)
        {
          gint64 n = (gint64) r->state->n_params;

          ok = _nn_model_write_tensors (w, prefix, g_ptr_array_index (nets, i), error);
          g_free (prefix);
          if (!ok)
            goto out;
          ok = FALSE;
          g_snprintf (name, sizeof name, "runs.%u.optim.m", i);
          if (r->state->opt_m != NULL)
            nn_st_writer_add_f32 (w, name, r->state->opt_m, 1, &n);
          g_snprintf (name, sizeof name, "runs.%u.optim.v", i);
          if (r->state->opt_v != NULL)
            nn_st_writer_add_f32 (w, name, r->state->opt_v, 1, &n);
        }
      else
        g_free (prefix);

      if (r->batches->len > 0)
        {
          gint64 n = r->batches->len, shape[2] = { n, 4 };
          gint64 *steps = g_new (gint64, n);
          float *values = g_new (float, n * 4);

          for (gint64 k = 0; k < n; k++)
            {
              const NnBatchPoint *bp = &g_array_index (r->batches, NnBatchPoint, k);
              steps[k] = (gint64) bp->step;
              values[4 * k + 0] = bp->x;
              values[4 * k + 1] = bp->loss;
              values[4 * k + 2] = bp->accuracy;
              values[4 * k + 3] = bp->lr;
            }
          g_ptr_array_add (owned, steps);
          g_ptr_array_add (owned, values);
          g_snprintf (name, sizeof name, "runs.%u.batches.step", i);
          nn_st_writer_add_i64 (w, name, steps, 1, &n);
          g_snprintf (name, sizeof name, "runs.%u.batches.values", i);
          nn_st_writer_add_f32 (w, name, values, 2, shape);
        }
    }
  ok = nn_st_writer_save (w, path, error);

out:
  g_free (doc);
  nn_st_writer_free (w);
  g_ptr_array_unref (nets);
  g_ptr_array_unref (owned);
  return ok;
}

/* Reading */

typedef struct
{
  NnStFile   *f;
  const char *path;
  GHashTable *used;    /* tensor names the document accounts for */
  GError    **error;
} Reader;

#define CORRUPT(r, ...) g_set_error ((r)->error, NN_ERROR, NN_ERROR_CORRUPT, __VA_ARGS__)

/* "%s is corrupt: “runs[0].config.lr” in its project document is not …" */
static gboolean
bad (Reader *r, const char *where, const char *key, const char *what)
{
  CORRUPT (r, "%s is corrupt: “%s%s” in its project document is not %s.", r->path, where, key,
           what);
  return FALSE;
}

static JsonNode *
member (JsonObject *o, const char *key)
{
  return json_object_get_member (o, key);
}

static gboolean
is_null (JsonNode *n)
{
  return n != NULL && JSON_NODE_HOLDS_NULL (n);
}

static gboolean
is_value (JsonNode *n, GType type)
{
  return n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == type;
}

static gboolean
get_object (Reader *r, JsonObject *o, const char *where, const char *key, JsonObject **out)
{
  JsonNode *n = member (o, key);

  if (n == NULL || !JSON_NODE_HOLDS_OBJECT (n))
    return bad (r, where, key, "an object");
  *out = json_node_get_object (n);
  return TRUE;
}

static gboolean
get_array (Reader *r, JsonObject *o, const char *where, const char *key, JsonArray **out)
{
  JsonNode *n = member (o, key);

  if (n == NULL || !JSON_NODE_HOLDS_ARRAY (n))
    return bad (r, where, key, "a list");
  *out = json_node_get_array (n);
  return TRUE;
}

/* A string, or NULL for null when @nullable. Borrowed from the document. */
static gboolean
get_string (Reader *r, JsonObject *o, const char *where, const char *key, gboolean nullable,
            const char **out)
{
  JsonNode *n = member (o, key);

  *out = NULL;
  if (nullable && is_null (n))
    return TRUE;
  if (!is_value (n, G_TYPE_STRING))
    return bad (r, where, key, nullable ? "a string or null" : "a string");
  *out = json_node_get_string (n);
  return TRUE;
}

static gboolean
get_strdup (Reader *r, JsonObject *o, const char *where, const char *key, gboolean nullable,
            char **out)
{
  const char *s;

  if (!get_string (r, o, where, key, nullable, &s))
    return FALSE;
  *out = g_strdup (s);
  return TRUE;
}

static gboolean
get_int (Reader *r, JsonObject *o, const char *where, const char *key, gint64 min, gint64 max,
         int *out)
{
  JsonNode *n = member (o, key);
  gint64 v;

  if (!is_value (n, G_TYPE_INT64) || (v = json_node_get_int (n)) < min || v > max)
    {
      char *what = g_strdup_printf ("an integer from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
                                    min, max);
      bad (r, where, key, what);
      g_free (what);
      return FALSE;
    }
  *out = (int) v;
  return TRUE;
}

static gboolean
get_u64 (Reader *r, JsonObject *o, const char *where, const char *key, guint64 *out)
{
  const char *s;

  if (!get_string (r, o, where, key, FALSE, &s))
    return FALSE;
  if (!g_ascii_string_to_unsigned (s, 10, 0, G_MAXUINT64, out, NULL))
    return bad (r, where, key, "a decimal string of an unsigned 64-bit integer");
  return TRUE;
}

/* A number; null is NaN when @nullable. */
static gboolean
get_double (Reader *r, JsonObject *o, const char *where, const char *key, gboolean nullable,
            double *out)
{
  JsonNode *n = member (o, key);

  if (nullable && is_null (n))
    *out = NAN;
  else if (is_value (n, G_TYPE_DOUBLE))
    *out = json_node_get_double (n);
  else if (is_value (n, G_TYPE_INT64))
    *out = (double) json_node_get_int (n);
  else
    return bad (r, where, key, nullable ? "a number or null" : "a number");
  return TRUE;
}

static gboolean
get_float (Reader *r, JsonObject *o, const char *where, const char *key, gboolean nullable,
           float *out)
{
  double v;

  if (!get_double (r, o, where, key, nullable, &v))
    return FALSE;
  *out = (float) v;
  return TRUE;
}

static gboolean
get_bool (Reader *r, JsonObject *o, const char *where, const char *key, gboolean *out)
{
  JsonNode *n = member (o, key);

  if (!is_value (n, G_TYPE_BOOLEAN))
    return bad (r, where, key, "true or false");
  *out = json_node_get_boolean (n);
  return TRUE;
}

static gboolean
read_data_choice (Reader *r, JsonObject *parent, const char *where, NnDataChoice *c)
{
  char *here = g_strconcat (where, "data.", NULL);
  JsonObject *o = NULL;
  gboolean ok;

  ok = get_object (r, parent, where, "data", &o)
       && get_strdup (r, o, here, "name", TRUE, &c->name)
       && get_strdup (r, o, here, "csv_sha256", TRUE, &c->csv_sha256)
       && get_int (r, o, here, "n_samples", 0, G_MAXINT, &c->n_samples)
       && get_float (r, o, here, "noise", FALSE, &c->noise)
       && get_float (r, o, here, "val_fraction", FALSE, &c->val_fraction)
       && get_bool (r, o, here, "standardize", &c->standardize)
       && get_u64 (r, o, here, "seed", &c->seed);
  g_free (here);
  return ok;
}

static gboolean
read_config (Reader *r, JsonObject *parent, const char *where, NnTrainConfig *c)
{
  char *here = g_strconcat (where, "config.", NULL);
  const char *loss, *optim, *init;
  JsonObject *o = NULL;
  gboolean ok;

  ok = get_object (r, parent, where, "config", &o)
       && get_string (r, o, here, "loss", FALSE, &loss)
       && get_string (r, o, here, "optimizer", FALSE, &optim)
       && get_string (r, o, here, "init", FALSE, &init)
       && get_float (r, o, here, "lr", FALSE, &c->optim.lr)
       && get_float (r, o, here, "momentum", FALSE, &c->optim.momentum)
       && get_bool (r, o, here, "nesterov", &c->optim.nesterov)
       && get_double (r, o, here, "beta1", FALSE, &c->optim.beta1)
       && get_double (r, o, here, "beta2", FALSE, &c->optim.beta2)
       && get_float (r, o, here, "eps", FALSE, &c->optim.eps)
       && get_float (r, o, here, "weight_decay", FALSE, &c->optim.weight_decay)
       && get_int (r, o, here, "batch_size", 1, 65536, &c->batch_size)
       && get_int (r, o, here, "epochs", 0, 1000000, &c->epochs)
       && get_u64 (r, o, here, "seed", &c->seed)
       && get_int (r, o, here, "threads", 0, 256, &c->threads);
  if (ok && !nn_loss_from_name (loss, &c->loss))
    ok = bad (r, here, "loss", "a loss Backprop knows");
  if (ok && !nn_optim_from_name (optim, &c->optim.kind))
    ok = bad (r, here, "optimizer", "an optimizer Backprop knows");
  if (ok && !nn_init_from_name (init, &c->init))
    ok = bad (r, here, "init", "an initialisation Backprop knows");
  g_free (here);
  return ok;
}

static gboolean
read_in_shape (Reader *r, JsonObject *o, const char *where, NnShape *shape)
{
  JsonArray *a = NULL;
  gint64 size = 1;
  guint n;

  if (!get_array (r, o, where, "input_shape", &a))
    return FALSE;
  n = json_array_get_length (a);
  if (n < 1 || n > NN_MAX_RANK)
    return bad (r, where, "input_shape", "a list of 1 to 3 sizes");
  shape->rank = (int) n;
  for (guint d = 0; d < n; d++)
    {
      JsonNode *el = json_array_get_element (a, d);
      gint64 v;

      if (!is_value (el, G_TYPE_INT64) || (v = json_node_get_int (el)) < 1 || v > MAX_INPUT_DIM
          || (size *= v) > MAX_INPUT_SIZE)
        return bad (r, where, "input_shape", "a list of positive sizes of at most 2^28 inputs");
      shape->dim[d] = (int) v;
    }
  return TRUE;
}

static gboolean
read_class_names (Reader *r, JsonObject *o, const char *where, char ***out)
{
  JsonNode *n = member (o, "class_names");
  JsonArray *a = NULL;
  guint len;

  *out = NULL;
  if (is_null (n))
    return TRUE;
  if (n == NULL || !JSON_NODE_HOLDS_ARRAY (n))
    return bad (r, where, "class_names", "a list of strings or null");
  a = json_node_get_array (n);
  len = json_array_get_length (a);
  *out = g_new0 (char *, len + 1);
  for (guint i = 0; i < len; i++)
    {
      JsonNode *el = json_array_get_element (a, i);
      if (!is_value (el, G_TYPE_STRING))
        return bad (r, where, "class_names", "a list of strings or null");
      (*out)[i] = g_strdup (json_node_get_string (el));
    }
  return TRUE;
}

/* A tensor the document says is there, of this dtype and shape. */
static const NnStTensor *
want_tensor (Reader *r, const char *name, NnDtype dtype, int rank, const gint64 *shape)
{
  const NnStTensor *t = nn_st_find (r->f, name);

  if (!nn_st_tensor_is (t, dtype, rank, shape))
    {
      GString *s = g_string_new (NULL);
      nn_st_append_shape (s, shape, rank);
      CORRUPT (r, "%s is corrupt: its project document needs a tensor “%s” of %s %s, and %s.",
               r->path, name, dtype == NN_DTYPE_F32 ? "F32" : "I64", s->str,
               t == NULL ? "there is none" : "the one there is not that");
      g_string_free (s, TRUE);
      return NULL;
    }
  g_hash_table_add (r->used, (gpointer) t->name);
  return t;
}

static gboolean
read_state (Reader *r, JsonObject *run, const char *where, int index, int model_run,
            const NnRunRecord *rec, NnTrainState **out)
{
  char *here = g_strconcat (where, "state.", NULL), *prefix = NULL, name[64];
  NnTrainState *s = g_new0 (NnTrainState, 1);
  NnNetSpec *spec = NULL;
  NnNetwork *net = NULL;
  JsonObject *o = NULL;
  gboolean has_m, has_v, ok = FALSE;
  int n_params;
  gint64 n;
  const NnStTensor *t;

  if (!get_object (r, run, where, "state", &o)
      || !get_int (r, o, here, "n_params", 0, G_MAXINT, &n_params)
      || !get_u64 (r, o, here, "opt_t", &s->opt_t)
      || !get_float (r, o, here, "opt_lr", FALSE, &s->opt_lr)
      || !get_bool (r, o, here, "opt_m", &has_m)
      || !get_bool (r, o, here, "opt_v", &has_v)
      || !get_int (r, o, here, "epoch", 0, 1000000, &s->epoch)
      || !get_int (r, o, here, "batch", 0, G_MAXINT, &s->batch)
      || !get_u64 (r, o, here, "step", &s->step)
      || !get_double (r, o, here, "elapsed", FALSE, &s->elapsed)
      || !get_double (r, o, here, "epoch_seconds", FALSE, &s->epoch_seconds)
      || !get_double (r, o, here, "sum_loss", FALSE, &s->sum_loss)
      || !get_int (r, o, here, "sum_correct", 0, G_MAXINT, &s->sum_correct)
      || !get_int (r, o, here, "sum_n", 0, G_MAXINT, &s->sum_n)
      || !get_u64 (r, o, here, "rng_state", &s->dropout_rng.state)
      || !get_u64 (r, o, here, "rng_inc", &s->dropout_rng.inc))
    goto out;
  if (has_m != (rec->config.optim.kind != NN_OPTIM_SGD)
      || has_v != (rec->config.optim.kind == NN_OPTIM_ADAM))
    {
      CORRUPT (r, "%s is corrupt: the optimizer state of run %d is not that of %s.", r->path,
               index + 1, nn_optim_label (rec->config.optim.kind));
      goto out;
    }

  /* The weights: every tensor's name and shape checked against the
   * network before it is allocated. */
  spec = nn_net_spec_parse (rec->spec, NULL);
  prefix = run_prefix (index, model_run);
  net = _nn_model_read_tensors (r->f, prefix, spec, rec->in_shape, r->used, r->error);
  if (net == NULL)
    goto out;
  if (nn_network_get_n_params (net) != (size_t) n_params)
    {
      CORRUPT (r, "%s is corrupt: its project document gives run %d %d weights, but its "
               "network has %zu.", r->path, index + 1, n_params, nn_network_get_n_params (net));
      goto out;
    }
  s->n_params = (size_t) n_params;
  s->params = g_memdup2 (nn_network_get_params (net), MAX (s->n_params, 1) * sizeof (float));
  n = n_params;
  g_snprintf (name, sizeof name, "runs.%d.optim.m", index);
  if (has_m)
    {
      if ((t = want_tensor (r, name, NN_DTYPE_F32, 1, &n)) == NULL)
        goto out;
      s->opt_m = g_new (float, MAX (n, 1));
      if (!nn_st_read_f32 (r->f, t, s->opt_m, r->error))
        goto out;
    }
  g_snprintf (name, sizeof name, "runs.%d.optim.v", index);
  if (has_v)
    {
      if ((t = want_tensor (r, name, NN_DTYPE_F32, 1, &n)) == NULL)
        goto out;
      s->opt_v = g_new (float, MAX (n, 1));
      if (!nn_st_read_f32 (r->f, t, s->opt_v, r->error))
        goto out;
    }
  *out = g_steal_pointer (&s);
  ok = TRUE;

out:
  nn_network_free (net);
  nn_net_spec_free (spec);
  nn_train_state_free (s);
  g_free (prefix);
  g_free (here);
  return ok;
}

static gboolean
read_epoch (Reader *r, JsonObject *o, const char *here, GArray *epochs)
{
  NnEpochPoint e = { 0 };

  if (!get_int (r, o, here, "epoch", 1, 1000000, &e.epoch)
      || !get_float (r, o, here, "train_loss", TRUE, &e.train_loss)
      || !get_float (r, o, here, "train_accuracy", TRUE, &e.train_accuracy)
      || !get_float (r, o, here, "val_loss", TRUE, &e.val_loss)
      || !get_float (r, o, here, "val_accuracy", TRUE, &e.val_accuracy)
      || !get_float (r, o, here, "test_loss", TRUE, &e.test_loss)
      || !get_float (r, o, here, "test_accuracy", TRUE, &e.test_accuracy)
      || !get_double (r, o, here, "seconds", TRUE, &e.seconds))
    return FALSE;
  g_array_append_val (epochs, e);
  return TRUE;
}

static gboolean
read_lr_change (Reader *r, JsonObject *o, const char *here, GArray *changes)
{
  NnLrChange c = { 0 };

  if (!get_u64 (r, o, here, "step", &c.step) || !get_float (r, o, here, "lr", FALSE, &c.lr))
    return FALSE;
  g_array_append_val (changes, c);
  return TRUE;
}

/* The list @key of objects, each read by @one into @out. */
static gboolean
read_list (Reader *r, JsonObject *run, const char *where, const char *key,
           gboolean (*one) (Reader *, JsonObject *, const char *, GArray *), GArray *out)
{
  JsonArray *a = NULL;

  if (!get_array (r, run, where, key, &a))
    return FALSE;
  for (guint k = 0; k < json_array_get_length (a); k++)
    {
      JsonNode *el = json_array_get_element (a, k);
      char *here = g_strdup_printf ("%s%s[%u]", where, key, k);
      gboolean ok;

      if (!JSON_NODE_HOLDS_OBJECT (el))
        ok = bad (r, here, "", "an object");
      else
        {
          char *inside = g_strconcat (here, ".", NULL);
          ok = one (r, json_node_get_object (el), inside, out);
          g_free (inside);
        }
      g_free (here);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

static gboolean
read_batches (Reader *r, JsonObject *run, const char *where, int index, GArray *batches)
{
  const NnStTensor *ts, *tv;
  gint64 *steps = NULL;
  float *values = NULL;
  char name[64];
  int n;
  gint64 shape[2];
  gboolean ok = FALSE;

  if (!get_int (r, run, where, "n_batches", 0, G_MAXINT, &n))
    return FALSE;
  if (n == 0)
    return TRUE;
  shape[0] = n;
  shape[1] = 4;
  g_snprintf (name, sizeof name, "runs.%d.batches.step", index);
  if ((ts = want_tensor (r, name, NN_DTYPE_I64, 1, shape)) == NULL)
    return FALSE;
  g_snprintf (name, sizeof name, "runs.%d.batches.values", index);
  if ((tv = want_tensor (r, name, NN_DTYPE_F32, 2, shape)) == NULL)
    return FALSE;
  /* Both tensors are in the file at this size: safe to allocate. */
  steps = g_new (gint64, n);
  values = g_new (float, (gsize) n * 4);
  if (nn_st_read_i64 (r->f, ts, steps, r->error) && nn_st_read_f32 (r->f, tv, values, r->error))
    {
      g_array_set_size (batches, n);
      for (int k = 0; k < n; k++)
        {
          NnBatchPoint *b = &g_array_index (batches, NnBatchPoint, k);
          b->step = (guint64) steps[k];
          b->x = values[4 * k + 0];
          b->loss = values[4 * k + 1];
          b->accuracy = values[4 * k + 2];
          b->lr = values[4 * k + 3];
        }
      ok = TRUE;
    }
  g_free (steps);
  g_free (values);
  return ok;
}

static NnRunRecord *
read_run (Reader *r, JsonNode *node, int index, int model_run)
{
  NnRunRecord *rec = nn_run_record_new ();
  char *where = g_strdup_printf ("runs[%d].", index);
  const char *status;
  guint64 started;
  JsonObject *o = NULL;
  NnNetSpec *spec;
  GError *local = NULL;
  size_t n_out;
  gboolean ok = FALSE;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_free (where);
      where = g_strdup_printf ("runs[%d]", index);
      bad (r, where, "", "an object");
      goto out;
    }
  o = json_node_get_object (node);
  if (!get_strdup (r, o, where, "name", TRUE, &rec->name)
      || !get_strdup (r, o, where, "spec", FALSE, &rec->spec)
      || !read_in_shape (r, o, where, &rec->in_shape)
      || !read_data_choice (r, o, where, &rec->data)
      || !read_config (r, o, where, &rec->config)
      || !get_string (r, o, where, "status", FALSE, &status)
      || !get_u64 (r, o, where, "started", &started)
      || !read_class_names (r, o, where, &rec->class_names)
      || !read_list (r, o, where, "epochs", read_epoch, rec->epochs)
      || !read_list (r, o, where, "lr_changes", read_lr_change, rec->lr_changes)
      || !read_batches (r, o, where, index, rec->batches))
    goto out;
  rec->started = (gint64) started;
  rec->status = NN_N_RUN_STATUSES;
  for (int k = 0; k < NN_N_RUN_STATUSES; k++)
    if (strcmp (status, status_names[k]) == 0)
      rec->status = (NnRunStatus) k;
  if (rec->status == NN_N_RUN_STATUSES)
    {
      bad (r, where, "status", "“paused”, “stopped”, “finished” or “failed”");
      goto out;
    }
  spec = nn_net_spec_parse (rec->spec, &local);
  if (spec == NULL)
    {
      CORRUPT (r, "%s is corrupt: the network “%s” of run %d is invalid (%s).", r->path,
               rec->spec, index + 1, local->message);
      g_error_free (local);
      goto out;
    }
  nn_net_spec_free (spec);
  n_out = spec_outputs (rec->spec, rec->in_shape, &local);
  if (n_out == 0)
    {
      CORRUPT (r, "%s is corrupt: the network “%s” of run %d does not fit its input shape (%s).",
               r->path, rec->spec, index + 1, local->message);
      g_error_free (local);
      goto out;
    }
  if (rec->class_names != NULL && g_strv_length (rec->class_names) != n_out)
    {
      CORRUPT (r, "%s is corrupt: run %d has %u class names, but its network has %zu outputs.",
               r->path, index + 1, g_strv_length (rec->class_names), n_out);
      goto out;
    }
  /* model_run is the last run whose state is not null, so this one's
   * weights are under the plain names exactly when index == model_run. */
  ok = is_null (member (o, "state")) || read_state (r, o, where, index, model_run, rec,
                                                    &rec->state);

out:
  g_free (where);
  if (!ok)
    g_clear_pointer (&rec, nn_run_record_free);
  return rec;
}

static gboolean
state_present (JsonNode *run)
{
  JsonNode *s;

  return JSON_NODE_HOLDS_OBJECT (run)
         && (s = json_object_get_member (json_node_get_object (run), "state")) != NULL
         && !JSON_NODE_HOLDS_NULL (s);
}

/* The model metadata is valid as a model reader sees it, and describes the
 * model run: the same network, input, loss and class names. */
static gboolean
check_model_meta (Reader *r, const NnRunRecord *rec)
{
  NnNetSpec *model_spec = NULL, *run_spec = nn_net_spec_parse (rec->spec, NULL);
  NnModelMeta *meta = _nn_model_read_meta (r->f, &model_spec, r->error);
  gboolean ok;

  if (meta == NULL)
    {
      nn_net_spec_free (run_spec);
      return FALSE;
    }
  ok = nn_net_spec_equal (model_spec, run_spec) && nn_shape_equal (meta->in_shape, rec->in_shape)
       && g_strcmp0 (meta->loss, nn_loss_name (rec->config.loss)) == 0
       && (meta->class_names == NULL) == (rec->class_names == NULL)
       && (meta->class_names == NULL
           || g_strv_equal ((const char * const *) meta->class_names,
                            (const char * const *) rec->class_names));
  if (!ok)
    {
      g_autofree char *shape = nn_shape_to_string (rec->in_shape);
      CORRUPT (r, "%s is corrupt: its model metadata does not describe its newest run with "
               "weights (“%s” on %s, %s loss).", r->path, rec->spec, shape,
               nn_loss_name (rec->config.loss));
    }
  nn_net_spec_free (model_spec);
  nn_net_spec_free (run_spec);
  nn_model_meta_free (meta);
  return ok;
}

static NnProject *
read_document (Reader *r, JsonObject *root)
{
  NnProject *p = nn_project_new ();
  JsonArray *runs = NULL;
  int model_run = -1, version;
  gboolean ok = FALSE;

  if (!get_strdup (r, root, "", "name", TRUE, &p->name)
      || !get_strdup (r, root, "", "spec", TRUE, &p->spec)
      || !read_data_choice (r, root, "", &p->data)
      || !read_config (r, root, "", &p->config)
      || !get_array (r, root, "", "runs", &runs)
      || !get_int (r, root, "", "format_version", 1, NN_PROJECT_FORMAT_VERSION, &version))
    goto out;
  if (p->spec != NULL)
    {
      GError *local = NULL;
      NnNetSpec *spec = nn_net_spec_parse (p->spec, &local);
      if (spec == NULL)
        {
          CORRUPT (r, "%s is corrupt: its network “%s” is invalid (%s).", r->path, p->spec,
                   local->message);
          g_error_free (local);
          goto out;
        }
      nn_net_spec_free (spec);
    }
  for (guint i = 0; i < json_array_get_length (runs); i++)
    if (state_present (json_array_get_element (runs, i)))
      model_run = (int) i;
  for (guint i = 0; i < json_array_get_length (runs); i++)
    {
      NnRunRecord *rec = read_run (r, json_array_get_element (runs, i), (int) i, model_run);
      if (rec == NULL)
        goto out;
      g_ptr_array_add (p->runs, rec);
    }
  if (model_run >= 0 && !check_model_meta (r, g_ptr_array_index (p->runs, model_run)))
    goto out;
  ok = TRUE;

out:
  if (!ok)
    g_clear_pointer (&p, nn_project_free);
  return p;
}

NnProject *
nn_project_load (const char *path, GError **error)
{
  Reader r = { NULL, path, NULL, error };
  NnProject *p = NULL;
  JsonParser *parser = NULL;
  JsonNode *root, *version;
  const char *doc;
  char *problem = NULL;

  r.f = nn_st_open (path, "project file", error);
  if (r.f == NULL)
    return NULL;
  doc = nn_st_get_meta (r.f, PROJECT_KEY);
  if (doc == NULL)
    {
      CORRUPT (&r, "%s is not a Backprop project: its metadata has no “%s” (a model file "
               "opens with Open Model… or --model).", path, PROJECT_KEY);
      goto out;
    }
  parser = nn_json_parse_strict (doc, strlen (doc), MAX_DEPTH, &problem);
  if (parser == NULL)
    {
      CORRUPT (&r, "%s is corrupt: its project document %s.", path, problem);
      goto out;
    }
  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      CORRUPT (&r, "%s is corrupt: its project document is not a JSON object.", path);
      goto out;
    }
  /* The version first: a newer file may differ in anything else. */
  version = json_object_get_member (json_node_get_object (root), "format_version");
  if (is_value (version, G_TYPE_INT64) && json_node_get_int (version) > NN_PROJECT_FORMAT_VERSION)
    {
      CORRUPT (&r, "%s was written by a newer Backprop (format %" G_GINT64_FORMAT "); this one "
               "reads format %d.", path, json_node_get_int (version), NN_PROJECT_FORMAT_VERSION);
      goto out;
    }
  r.used = g_hash_table_new (g_str_hash, g_str_equal);
  p = read_document (&r, json_node_get_object (root));
  if (p == NULL)
    goto out;
  for (int k = 0; k < nn_st_get_n_tensors (r.f); k++)
    {
      const char *name = nn_st_get_tensor (r.f, k)->name;
      if (!g_hash_table_contains (r.used, name))
        {
          CORRUPT (&r, "%s is corrupt: its tensor “%s” belongs to nothing in its project "
                   "document.", path, name);
          g_clear_pointer (&p, nn_project_free);
          goto out;
        }
    }

out:
  g_free (problem);
  g_clear_object (&parser);
  g_clear_pointer (&r.used, g_hash_table_unref);
  nn_st_close (r.f);
  return p;
}
