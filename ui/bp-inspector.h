/* bp-inspector.h: the views of what a network learned.
 *
 * A composite widget with one page per view: sample predictions, the
 * misclassified browser, the confusion matrix, the decision boundary (2-D
 * sets; predicted against true for regression), the feature maps of one
 * test sample (picked there or in Predictions and Mistakes) and the first
 * layer's weights. It is fed BpInspectState values: immutable, reference counted,
 * computed on the training thread from the epoch's test evaluation (no
 * second pass over the test set) and applied on the main thread, where each
 * view prepares what it draws once, not in snapshot().
 */
#pragma once

#include <adwaita.h>

#include "bp-inspect-state.h"

G_BEGIN_DECLS


#define BP_TYPE_INSPECTOR (bp_inspector_get_type ())
G_DECLARE_FINAL_TYPE (BpInspector, bp_inspector, BP, INSPECTOR, GtkWidget)

GtkWidget *bp_inspector_new   (void);
/* Main thread. NULL clears every view to its empty state (a new run). */
void       bp_inspector_apply (BpInspector *self, BpInspectState *state);

/* Views by name: "predictions", "mistakes", "confusion", "boundary", "features",
 * "weights". */
GtkWidget  *bp_inspector_get_view          (BpInspector *self, const char *view_name);  /* borrowed */
const char *bp_inspector_get_visible_view  (BpInspector *self);
void        bp_inspector_set_visible_view  (BpInspector *self, const char *view_name);
BpInspectState *bp_inspector_get_state     (BpInspector *self);  /* borrowed, may be NULL */
/* Saves a view as PNG; "confusion" with a path ending in ".csv" saves the
 * matrix's counts instead. The same path the "inspector.export-png" and
 * "inspector.export-csv" actions take after asking for a file. */
gboolean    bp_inspector_export_view       (BpInspector *self, const char *view_name,
                                            const char *path, GError **error);

G_END_DECLS
