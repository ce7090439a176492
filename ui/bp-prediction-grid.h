/* bp-prediction-grid.h: a fixed set of test samples with what the network
 * says about each: the image (or the features), the predicted label, a
 * confidence bar and the true label; wrong answers stand out.
 */
#pragma once

#include <gtk/gtk.h>

#include "bp-inspector.h"

G_BEGIN_DECLS

#define BP_PREDICTION_GRID_SIZE 48   /* samples shown: the same ones every epoch */

#define BP_TYPE_PREDICTION_GRID (bp_prediction_grid_get_type ())
G_DECLARE_FINAL_TYPE (BpPredictionGrid, bp_prediction_grid, BP, PREDICTION_GRID, GtkWidget)

GtkWidget *bp_prediction_grid_new          (void);
/* Prepares tiles from @state (NULL: the empty state). */
void       bp_prediction_grid_set_state    (BpPredictionGrid *self, BpInspectState *state);
guint      bp_prediction_grid_get_n_tiles  (BpPredictionGrid *self);
guint      bp_prediction_grid_get_n_images (BpPredictionGrid *self);  /* tiles with pixels */
guint      bp_prediction_grid_get_n_wrong  (BpPredictionGrid *self);
int        bp_prediction_grid_get_focus    (BpPredictionGrid *self);
/* The test row tile @i shows, or -1. */
int        bp_prediction_grid_get_tile_row (BpPredictionGrid *self, guint i);
/* What a click (@n_press 1) or double click (2) on tile @i does: focus it
 * and emit "sample-selected" or "sample-activated". */
void       bp_prediction_grid_click_tile   (BpPredictionGrid *self, guint i, int n_press);
/* Tile @i in words, as assistive technology reads the focused one:
 * "predicted Sneaker (97 %), true Sneaker". NULL past the end. (transfer full) */
char      *bp_prediction_grid_get_tile_text (BpPredictionGrid *self, guint i);
/* Tiles for any evaluation indices of @state, e.g. a sheet of mistakes;
 * @empty_text is shown when there are none (NULL: the default). */
void       bp_prediction_grid_set_samples  (BpPredictionGrid *self, BpInspectState *state,
                                            const int *indices, guint n, const char *empty_text);
gboolean   bp_prediction_grid_export_png   (BpPredictionGrid *self, const char *path, int width,
                                            int height, GError **error);

G_END_DECLS
