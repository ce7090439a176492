/* bp-settings.c: the training settings as a GObject.
 *
 * One table says each property's name, type, range and where it lives in
 * the struct; get_property and set_property read it, so adding a setting
 * is one row and one field.
 */
#include "bp-settings.h"

#include <stddef.h>

struct _BpSettings
{
  GObject  parent_instance;

  guint    loss;
  guint    optimizer;
  double   learning_rate;
  double   momentum;
  double   weight_decay;
  int      batch_size;
  int      epochs;
  guint64  seed;
  guint    init;
  double   val_fraction;
};

G_DEFINE_FINAL_TYPE (BpSettings, bp_settings, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_LOSS,
  PROP_OPTIMIZER,
  PROP_LEARNING_RATE,
  PROP_MOMENTUM,
  PROP_WEIGHT_DECAY,
  PROP_BATCH_SIZE,
  PROP_EPOCHS,
  PROP_SEED,
  PROP_INIT,
  PROP_VAL_FRACTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];
static gsize offsets[N_PROPS];

enum { CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
bp_settings_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  char *field = (char *) object + offsets[prop_id];

  switch (G_PARAM_SPEC_VALUE_TYPE (pspec))
    {
    case G_TYPE_UINT:
      g_value_set_uint (value, *(guint *) field);
      break;
    case G_TYPE_INT:
      g_value_set_int (value, *(int *) field);
      break;
    case G_TYPE_UINT64:
      g_value_set_uint64 (value, *(guint64 *) field);
      break;
    case G_TYPE_DOUBLE:
      g_value_set_double (value, *(double *) field);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bp_settings_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  char *field = (char *) object + offsets[prop_id];
  gboolean changed = FALSE;

  switch (G_PARAM_SPEC_VALUE_TYPE (pspec))
    {
    case G_TYPE_UINT:
      changed = *(guint *) field != g_value_get_uint (value);
      *(guint *) field = g_value_get_uint (value);
      break;
    case G_TYPE_INT:
      changed = *(int *) field != g_value_get_int (value);
      *(int *) field = g_value_get_int (value);
      break;
    case G_TYPE_UINT64:
      changed = *(guint64 *) field != g_value_get_uint64 (value);
      *(guint64 *) field = g_value_get_uint64 (value);
      break;
    case G_TYPE_DOUBLE:
      changed = *(double *) field != g_value_get_double (value);
      *(double *) field = g_value_get_double (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  if (changed)
    g_object_notify_by_pspec (object, pspec);
}

static void
bp_settings_dispatch_properties_changed (GObject *object, guint n_pspecs, GParamSpec **pspecs)
{
  G_OBJECT_CLASS (bp_settings_parent_class)->dispatch_properties_changed (object, n_pspecs, pspecs);
  g_signal_emit (object, signals[CHANGED], 0);
}

#define FLAGS (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS)

static void
install (guint prop_id, gsize offset, GParamSpec *pspec)
{
  properties[prop_id] = pspec;
  offsets[prop_id] = offset;
}

static void
bp_settings_class_init (BpSettingsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  NnTrainConfig d;

  object_class->get_property = bp_settings_get_property;
  object_class->set_property = bp_settings_set_property;
  object_class->dispatch_properties_changed = bp_settings_dispatch_properties_changed;

  nn_train_config_init (&d);
  install (PROP_LOSS, G_STRUCT_OFFSET (BpSettings, loss),
           g_param_spec_uint ("loss", NULL, NULL, 0, NN_N_LOSSES - 1, d.loss, FLAGS));
  install (PROP_OPTIMIZER, G_STRUCT_OFFSET (BpSettings, optimizer),
           g_param_spec_uint ("optimizer", NULL, NULL, 0, NN_N_OPTIMS - 1, d.optim.kind, FLAGS));
  install (PROP_LEARNING_RATE, G_STRUCT_OFFSET (BpSettings, learning_rate),
           g_param_spec_double ("learning-rate", NULL, NULL, 0, G_MAXFLOAT, d.optim.lr, FLAGS));
  install (PROP_MOMENTUM, G_STRUCT_OFFSET (BpSettings, momentum),
           g_param_spec_double ("momentum", NULL, NULL, 0, 1, d.optim.momentum, FLAGS));
  install (PROP_WEIGHT_DECAY, G_STRUCT_OFFSET (BpSettings, weight_decay),
           g_param_spec_double ("weight-decay", NULL, NULL, 0, G_MAXFLOAT, d.optim.weight_decay,
                                FLAGS));
  install (PROP_BATCH_SIZE, G_STRUCT_OFFSET (BpSettings, batch_size),
           g_param_spec_int ("batch-size", NULL, NULL, 1, G_MAXINT, d.batch_size, FLAGS));
  install (PROP_EPOCHS, G_STRUCT_OFFSET (BpSettings, epochs),
           g_param_spec_int ("epochs", NULL, NULL, 1, G_MAXINT, d.epochs, FLAGS));
  install (PROP_SEED, G_STRUCT_OFFSET (BpSettings, seed),
           g_param_spec_uint64 ("seed", NULL, NULL, 0, G_MAXUINT64, d.seed, FLAGS));
  install (PROP_INIT, G_STRUCT_OFFSET (BpSettings, init),
           g_param_spec_uint ("init", NULL, NULL, 0, NN_INIT_NORMAL, d.init, FLAGS));
  install (PROP_VAL_FRACTION, G_STRUCT_OFFSET (BpSettings, val_fraction),
           g_param_spec_double ("val-fraction", NULL, NULL, 0, 0.9, 0, FLAGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * BpSettings::changed:
   *
   * After one or more settings changed (once per batch of notifications).
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
bp_settings_init (BpSettings *self)
{
  /* The defaults, from the param specs: one source for both. */
  for (guint i = 1; i < N_PROPS; i++)
    {
      GValue value = G_VALUE_INIT;

      g_value_init (&value, G_PARAM_SPEC_VALUE_TYPE (properties[i]));
      g_param_value_set_default (properties[i], &value);
      bp_settings_set_property (G_OBJECT (self), i, &value, properties[i]);
      g_value_unset (&value);
    }
}

BpSettings *
bp_settings_new (void)
{
  return g_object_new (BP_TYPE_SETTINGS, NULL);
}

void
bp_settings_to_config (BpSettings *self, NnTrainConfig *config)
{
  g_return_if_fail (BP_IS_SETTINGS (self));

  nn_train_config_init (config);
  config->loss = (NnLossKind) self->loss;
  config->optim = nn_optim_config_default ((NnOptimKind) self->optimizer);
  config->optim.lr = (float) self->learning_rate;
  config->optim.momentum = (float) self->momentum;
  config->optim.weight_decay = (float) self->weight_decay;
  config->init = (NnInit) self->init;
  config->batch_size = self->batch_size;
  config->epochs = self->epochs;
  config->seed = self->seed;
}

void
bp_settings_set_config (BpSettings *self, const NnTrainConfig *config)
{
  g_return_if_fail (BP_IS_SETTINGS (self));

  g_object_freeze_notify (G_OBJECT (self));
  g_object_set (self,
                "loss", (guint) config->loss,
                "optimizer", (guint) config->optim.kind,
                "learning-rate", (double) config->optim.lr,
                "momentum", (double) config->optim.momentum,
                "weight-decay", (double) config->optim.weight_decay,
                "init", (guint) config->init,
                "batch-size", config->batch_size,
                "epochs", config->epochs,
                "seed", config->seed,
                NULL);
  g_object_thaw_notify (G_OBJECT (self));
}

NnLossKind
bp_settings_get_loss (BpSettings *self)
{
  g_return_val_if_fail (BP_IS_SETTINGS (self), NN_LOSS_CROSS_ENTROPY);
  return (NnLossKind) self->loss;
}

NnOptimKind
bp_settings_get_optimizer (BpSettings *self)
{
  g_return_val_if_fail (BP_IS_SETTINGS (self), NN_OPTIM_ADAM);
  return (NnOptimKind) self->optimizer;
}

double
bp_settings_get_learning_rate (BpSettings *self)
{
  g_return_val_if_fail (BP_IS_SETTINGS (self), 0.0);
  return self->learning_rate;
}

int
bp_settings_get_batch_size (BpSettings *self)
{
  g_return_val_if_fail (BP_IS_SETTINGS (self), 1);
  return self->batch_size;
}

int
bp_settings_get_epochs (BpSettings *self)
{
  g_return_val_if_fail (BP_IS_SETTINGS (self), 1);
  return self->epochs;
}

guint64
bp_settings_get_seed (BpSettings *self)
{
  g_return_val_if_fail (BP_IS_SETTINGS (self), 1);
  return self->seed;
}

double
bp_settings_get_val_fraction (BpSettings *self)
{
  g_return_val_if_fail (BP_IS_SETTINGS (self), 0.0);
  return self->val_fraction;
}
