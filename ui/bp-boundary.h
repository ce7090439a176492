/* bp-boundary.h: the network's output over the plane for 2-D datasets, as a
 * heatmap with the training and test points on it; for regression, the
 * predicted against the true values of the test set.
 */
#pragma once

#include <gtk/gtk.h>

#include "bp-inspector.h"

G_BEGIN_DECLS

#define BP_TYPE_BOUNDARY (bp_boundary_get_type ())
G_DECLARE_FINAL_TYPE (BpBoundary, bp_boundary, BP, BOUNDARY, GtkWidget)

GtkWidget *bp_boundary_new         (void);
void       bp_boundary_set_state   (BpBoundary *self, BpInspectState *state);
gboolean   bp_boundary_has_map     (BpBoundary *self);
/* The class the heatmap shows at plane point (x, y), or -1 without a map. */
int        bp_boundary_class_at    (BpBoundary *self, double x, double y);
gboolean   bp_boundary_export_png  (BpBoundary *self, const char *path, int width, int height,
                                    GError **error);

G_END_DECLS
