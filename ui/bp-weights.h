/* bp-weights.h: on image data, the weights of the first dense layer (one
 * small image per unit, up to 64) or convolution (one per filter and input
 * channel), in a diverging colour map: what each unit looks for in the
 * input. BpWeightsLegend says what is shown ("first 64 of 512 units") and
 * keys the colours, outside the scrolled grid so that it stays in view.
 */
#pragma once

#include <gtk/gtk.h>

#include "bp-inspector.h"

G_BEGIN_DECLS

#define BP_TYPE_WEIGHTS (bp_weights_get_type ())
G_DECLARE_FINAL_TYPE (BpWeights, bp_weights, BP, WEIGHTS, GtkWidget)

GtkWidget *bp_weights_new        (void);
void       bp_weights_set_state  (BpWeights *self, BpInspectState *state);
/* "Layer 1 · Dense: first 64 of 512 units, each over the 28×28 image", or
 * NULL when nothing is shown. */
const char *bp_weights_get_caption (BpWeights *self);
guint      bp_weights_get_n_tiles (BpWeights *self);
gboolean   bp_weights_export_png (BpWeights *self, const char *path, int width, int height,
                                  GError **error);

#define BP_TYPE_WEIGHTS_LEGEND (bp_weights_legend_get_type ())
G_DECLARE_FINAL_TYPE (BpWeightsLegend, bp_weights_legend, BP, WEIGHTS_LEGEND, GtkWidget)

/* Draws @weights' caption, colour key and focused unit from now on. */
void       bp_weights_legend_set_weights (BpWeightsLegend *self, BpWeights *weights);

G_END_DECLS
