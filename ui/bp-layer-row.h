/* bp-layer-row.h: one layer of the network in the layer panel.
 *
 * Shows the layer's kind, its one setting (units, dropout rate, slope) as a
 * spin button, its output shape and parameter count, and, when the layer is
 * where the network stops fitting its data, why, in words. It holds no spec:
 * the panel owns the network and tells each row what to show.
 */
#pragma once

#include <gtk/gtk.h>

#include "nn-layer.h"

G_BEGIN_DECLS

#define BP_TYPE_LAYER_ROW (bp_layer_row_get_type ())
G_DECLARE_FINAL_TYPE (BpLayerRow, bp_layer_row, BP, LAYER_ROW, GtkListBoxRow)

GtkWidget   *bp_layer_row_new       (void);
/* Shows @layer as layer @index without emitting "value-changed". */
void         bp_layer_row_set_layer (BpLayerRow *self, int index, const NnLayerSpec *layer);
int          bp_layer_row_get_index (BpLayerRow *self);
NnLayerKind  bp_layer_row_get_kind  (BpLayerRow *self);
/* @info NULL: the shape is unknown (an earlier layer does not fit). @problem
 * non-NULL marks this row as where the network stops fitting. */
void         bp_layer_row_set_info  (BpLayerRow *self, const NnLayerInfo *info, const char *problem);

/* "100 480" with thin spaces, shared with the panel's total. (transfer full) */
char        *_bp_format_count       (size_t n);

G_END_DECLS
