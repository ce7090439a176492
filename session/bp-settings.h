/* bp-settings.h: a project's training settings, as properties.
 *
 * The window's widgets bind to these (g_object_bind_property()); a run is
 * built from bp_settings_to_config(). "loss", "optimizer" and "init" hold
 * the engine's enum values (NnLossKind, NnOptimKind, NnInit) as unsigned
 * ints, so a combo row's "selected" binds to them directly. "val-fraction"
 * is the share of training rows held out for validation: it shapes the
 * data, not the trainer, so it is not part of an NnTrainConfig. Every
 * setter notifies only when the value changed; "changed" follows any
 * notification, for the project's modified flag.
 */
#pragma once

#include <glib-object.h>

#include "nn-train.h"

G_BEGIN_DECLS

#define BP_TYPE_SETTINGS (bp_settings_get_type ())
G_DECLARE_FINAL_TYPE (BpSettings, bp_settings, BP, SETTINGS, GObject)

BpSettings *bp_settings_new         (void);   /* nn_train_config_init()'s defaults */
/* Fills @config from the settings; threads 0 (the caller picks). */
void        bp_settings_to_config   (BpSettings *self, NnTrainConfig *config);
/* Sets every setting an NnTrainConfig holds (not val-fraction), with one
 * notification per value that changed. */
void        bp_settings_set_config  (BpSettings *self, const NnTrainConfig *config);

NnLossKind  bp_settings_get_loss          (BpSettings *self);
NnOptimKind bp_settings_get_optimizer     (BpSettings *self);
double      bp_settings_get_learning_rate (BpSettings *self);
int         bp_settings_get_batch_size    (BpSettings *self);
int         bp_settings_get_epochs        (BpSettings *self);
guint64     bp_settings_get_seed          (BpSettings *self);
double      bp_settings_get_val_fraction  (BpSettings *self);

G_END_DECLS
