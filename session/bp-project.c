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
  char       *spec;
  char       *dataset;
  GFile      *file;

  double      noise;
  int         n_samples;
  gboolean    modified;
};

G_DEFINE_FINAL_TYPE (BpProject, bp_project, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SETTINGS,
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
  properties[PROP_SPEC] = g_param_spec_string ("spec", NULL, NULL, "", FLAGS);
  properties[PROP_DATASET] = g_param_spec_string ("dataset", NULL, NULL, "xor", FLAGS);
  properties[PROP_NOISE] = g_param_spec_double ("noise", NULL, NULL, 0, G_MAXFLOAT, 0, FLAGS);
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
  self->spec = g_strdup ("");
  self->dataset = g_strdup ("xor");
  self->n_samples = 400;   /* the generated sets' own default */
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
  if (self->modified == modified)
    return;
  self->modified = modified;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODIFIED]);
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
