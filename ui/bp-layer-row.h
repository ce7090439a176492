/* bp-layer-row.h: one layer of the network in the layer panel.
 *
 * Shows the layer's kind, every setting its kind declares (NnLayerArg: units,
 * rate, slope beside the name; filters, kernel, stride, padding under it)
 * as spin buttons, its output shape (C×H×W), parameter count and
 * multiply-adds per sample, and, when the layer is where the network stops
 * fitting its data, why, in words. It holds no spec: the panel owns the
 * network and tells each row what to show.
 */
#pragma once

#include <gtk/gtk.h>

#include "nn-layer.h"

G_BEGIN_DECLS

#define BP_TYPE_LAYER_ROW (bp_layer_row_get_type ())
G_DECLARE_FINAL_TYPE (BpLayerRow, bp_layer_row, BP, LAYER_ROW, GtkListBoxRow)

GtkWidget   *bp_layer_row_new       (void);
/* Shows @layer as layer @index without emitting "setting-changed". */
void         bp_layer_row_set_layer (BpLayerRow *self, int index, const NnLayerSpec *layer);
int          bp_layer_row_get_index (BpLayerRow *self);
NnLayerKind  bp_layer_row_get_kind  (BpLayerRow *self);
/* The spin button of setting @arg (an index into NnLayerOps.args), or NULL. */
GtkSpinButton *bp_layer_row_get_setting_spin (BpLayerRow *self, int arg);
/* @info NULL: the shape is unknown (an earlier layer does not fit). @problem
 * non-NULL marks this row as where the network stops fitting. */
void         bp_layer_row_set_info  (BpLayerRow *self, const NnLayerInfo *info, const char *problem);
/* What the row says: the shape and counts line, and its problem (NULL when
 * it has none). */
const char  *bp_layer_row_get_info_text (BpLayerRow *self);
const char  *bp_layer_row_get_problem   (BpLayerRow *self);

/* "100 480" with thin spaces, shared with the panel's total. (transfer full) */
char        *_bp_format_count       (size_t n);

G_END_DECLS
