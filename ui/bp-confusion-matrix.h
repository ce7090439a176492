/* bp-confusion-matrix.h: the confusion matrix of the latest test evaluation
 * as a heatmap with counts and per-class accuracy. Activating a cell (click,
 * Enter, Space) emits "cell-activated" with the (true, predicted) pair.
 */
#pragma once

#include <gtk/gtk.h>

#include "bp-inspector.h"

G_BEGIN_DECLS

#define BP_TYPE_CONFUSION_MATRIX (bp_confusion_matrix_get_type ())
G_DECLARE_FINAL_TYPE (BpConfusionMatrix, bp_confusion_matrix, BP, CONFUSION_MATRIX, GtkWidget)

GtkWidget *bp_confusion_matrix_new            (void);
void       bp_confusion_matrix_set_state      (BpConfusionMatrix *self, BpInspectState *state);
int        bp_confusion_matrix_get_n_classes  (BpConfusionMatrix *self);  /* 0 when empty */
int        bp_confusion_matrix_get_count      (BpConfusionMatrix *self, int truth, int predicted);
int        bp_confusion_matrix_get_n_off_diagonal (BpConfusionMatrix *self);
/* Focuses the cell and emits "cell-activated", as a click does. */
void       bp_confusion_matrix_activate_cell  (BpConfusionMatrix *self, int truth, int predicted);
/* The widget coordinates of the cell's centre, for tests that click. */
gboolean   bp_confusion_matrix_get_cell_center (BpConfusionMatrix *self, int truth, int predicted,
                                                double *x, double *y);
gboolean   bp_confusion_matrix_export_png     (BpConfusionMatrix *self, const char *path,
                                               int width, int height, GError **error);
gboolean   bp_confusion_matrix_export_csv     (BpConfusionMatrix *self, const char *path,
                                               GError **error);

G_END_DECLS
