/* bp-weights.h: the first dense layer's weights on image data, one small
 * image per unit (up to 64), in a diverging colour map: what each unit
 * looks for in the input.
 */
#pragma once

#include <gtk/gtk.h>

#include "bp-inspector.h"

G_BEGIN_DECLS

#define BP_TYPE_WEIGHTS (bp_weights_get_type ())
G_DECLARE_FINAL_TYPE (BpWeights, bp_weights, BP, WEIGHTS, GtkWidget)

GtkWidget *bp_weights_new        (void);
void       bp_weights_set_state  (BpWeights *self, BpInspectState *state);
gboolean   bp_weights_export_png (BpWeights *self, const char *path, int width, int height,
                                  GError **error);

G_END_DECLS
