/* bp-misclassified.h: every misclassified test sample of the latest
 * evaluation, most confident mistakes first, filterable by true and by
 * predicted class; the selected one is shown large with its top-3
 * probabilities.
 */
#pragma once

#include <gtk/gtk.h>

#include "bp-inspector.h"

G_BEGIN_DECLS

#define BP_TYPE_MISCLASSIFIED (bp_misclassified_get_type ())
G_DECLARE_FINAL_TYPE (BpMisclassified, bp_misclassified, BP, MISCLASSIFIED, GtkWidget)

GtkWidget *bp_misclassified_new          (void);
void       bp_misclassified_set_state    (BpMisclassified *self, BpInspectState *state);
/* -1 for "any". Updates the drop-downs too. */
void       bp_misclassified_set_filter   (BpMisclassified *self, int truth, int predicted);
void       bp_misclassified_get_filter   (BpMisclassified *self, int *truth, int *predicted);
guint      bp_misclassified_get_n_total  (BpMisclassified *self);  /* every mistake */
guint      bp_misclassified_get_n_shown  (BpMisclassified *self);  /* after the filter */
/* Evaluation index of the @position-th shown mistake, or -1. */
int        bp_misclassified_get_shown    (BpMisclassified *self, guint position);
int        bp_misclassified_get_selected (BpMisclassified *self);  /* evaluation index or -1 */
void       bp_misclassified_select       (BpMisclassified *self, guint position);
/* A sheet of the first shown mistakes and the selected one, as PNG. */
gboolean   bp_misclassified_export_png   (BpMisclassified *self, const char *path, GError **error);

G_END_DECLS
