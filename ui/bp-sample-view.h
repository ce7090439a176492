/* bp-sample-view.h: one test sample drawn large, with the true label and
 * the network's top-3 class probabilities as bars; or, compact, just the
 * image (a thumbnail in the misclassified list).
 */
#pragma once

#include <gtk/gtk.h>

#include "bp-inspector.h"

G_BEGIN_DECLS

#define BP_TYPE_SAMPLE_VIEW (bp_sample_view_get_type ())
G_DECLARE_FINAL_TYPE (BpSampleView, bp_sample_view, BP, SAMPLE_VIEW, GtkWidget)

GtkWidget *bp_sample_view_new        (gboolean compact);
/* Evaluation index @index of @state; -1 or NULL clears it. */
void       bp_sample_view_set_sample (BpSampleView *self, BpInspectState *state, int index);

G_END_DECLS
