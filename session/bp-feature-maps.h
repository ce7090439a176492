/* bp-feature-maps.h: what every image-shaped layer of a network makes of
 * one test sample, as one immutable, reference-counted value.
 *
 * Computed off the main thread from a BpInspectState (its copy of the
 * network's weights, taken when the state was), in evaluation mode
 * (dropout off, batch norm on its running statistics), and applied to the
 * Feature maps page (ui/bp-feature-maps.h) on the main thread. GLib and
 * the engine only.
 */
#pragma once

#include "bp-inspect-state.h"

G_BEGIN_DECLS

/* The activations of one layer whose output is (C, H, W). */
typedef struct
{
  int          layer;     /* its index in the network */
  NnLayerKind  kind;
  NnShape      shape;     /* (C, H, W) */
  float       *values;    /* (owned) (C, H, W), row-major */
  float       *lo, *hi;   /* (owned) (C) each channel's smallest and largest finite value,
                           * for its greyscale (0 and 0 when it has none) */
} BpFeatureMap;

typedef struct
{
  int           sample;     /* the test sample: its row in data->test */
  int           label;      /* its true class, -1 for regression */
  int           predicted;  /* the network's class for it, -1 for regression */
  guint64       step;       /* of the state it was computed from */
  int           n_maps;
  BpFeatureMap *maps;       /* (owned) (n_maps), in the network's order */
  /* < private > */
  gint          ref_count;
} BpFeatureMaps;

/* Whether @state can give feature maps: its network has an image-shaped
 * layer and there is a test set. */
gboolean       bp_inspect_state_has_feature_maps (const BpInspectState *state);

/* Any thread: the feature maps of test sample @sample (a row of
 * state->data->test) through @state's copy of the network. NULL, with
 * @error set to a sentence, when @state has none to give or @sample is
 * out of range. (transfer full) */
BpFeatureMaps *bp_feature_maps_compute (const BpInspectState *state, int sample, GError **error);
BpFeatureMaps *bp_feature_maps_ref     (BpFeatureMaps *maps);
void           bp_feature_maps_unref   (BpFeatureMaps *maps);

/* "2 · Convolution · 6×24×24": a map's caption. (transfer full) */
char          *bp_feature_map_caption  (const BpFeatureMap *map);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpFeatureMaps, bp_feature_maps_unref)

G_END_DECLS
