/* bp-feature-map-view.h: the Feature maps page of the inspector.
 *
 * One test sample (picked by index here, or by a click in Predictions or
 * Mistakes) and what every image-shaped layer of the network (convolution,
 * pooling, an activation after them) makes of it: one small greyscale
 * image per channel, each layer captioned with its name and shape. The
 * maps are computed off the main thread (bp_feature_maps_compute ()) from
 * each new inspection state while the page is on screen, so they follow
 * training live; at most one computation runs at a time, and a newer
 * state or sample waits for it and replaces its result.
 */
#pragma once

#include <gtk/gtk.h>

#include "bp-feature-maps.h"

G_BEGIN_DECLS

#define BP_TYPE_FEATURE_MAP_VIEW (bp_feature_map_view_get_type ())
G_DECLARE_FINAL_TYPE (BpFeatureMapView, bp_feature_map_view, BP, FEATURE_MAP_VIEW, GtkWidget)

GtkWidget     *bp_feature_map_view_new         (void);
/* Main thread. NULL: the empty state. */
void           bp_feature_map_view_set_state   (BpFeatureMapView *self, BpInspectState *state);
/* The test sample shown: a row of the test set. */
void           bp_feature_map_view_set_sample  (BpFeatureMapView *self, int sample);
int            bp_feature_map_view_get_sample  (BpFeatureMapView *self);
/* The maps on screen, NULL when none are (borrowed). */
BpFeatureMaps *bp_feature_map_view_get_maps    (BpFeatureMapView *self);
/* What the page says instead of maps, NULL when it shows maps. */
const char    *bp_feature_map_view_get_message (BpFeatureMapView *self);
gboolean       bp_feature_map_view_export_png  (BpFeatureMapView *self, const char *path,
                                                int width, int height, GError **error);

G_END_DECLS
