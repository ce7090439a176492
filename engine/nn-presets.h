/* nn-presets.h: ready networks and settings for each dataset.
 *
 * What a first-time user gets when they pick a dataset, in the app and with
 * `backprop-cli train --preset NAME`. Each was checked to train well with
 * its own settings (see tests/test-train.c).
 */
#pragma once

#include "nn-train.h"

G_BEGIN_DECLS

typedef struct
{
  const char  *name;       /* "mnist-mlp" */
  const char  *label;      /* "MLP 128-64" */
  const char  *datasets;   /* comma-separated dataset names it suits */
  const char  *hidden;     /* the layers before the output layer, "" for none */
  NnLossKind   loss;
  NnOptimKind  optim;
  float        lr;
  int          batch_size;
  int          epochs;
} NnPreset;

const NnPreset *nn_presets              (guint *n_presets);
const NnPreset *nn_preset_find          (const char *name);
/* The first preset that suits @dataset ("csv:..." gets the CSV preset). */
const NnPreset *nn_preset_for_dataset   (const char *dataset);
gboolean        nn_preset_suits         (const NnPreset *preset, const char *dataset);
/* The preset's layers followed by a dense output layer of @n_outputs units
 * (classes or regression targets). (transfer full) */
NnNetSpec      *nn_preset_build_spec    (const NnPreset *preset, int n_outputs);
/* Fills @config from @preset (loss, optimizer, lr, batch, epochs). */
void            nn_preset_apply         (const NnPreset *preset, NnTrainConfig *config);

G_END_DECLS
