/* bp-layer-panel.h: the network editor.
 *
 * A list of layer rows with a palette to add layers, per-dataset presets,
 * drag and drop and keyboard reordering, and undo/redo of every edit (a
 * stack of NnNetSpec copies). It checks the network against the dataset's
 * input shape and output count after every edit and marks the offending
 * row in words; "valid" and "problem" say whether Train can go.
 *
 * It does not train and does not know about runs: the window listens to
 * "changed" and decides what an edit means for a run in progress.
 */
#pragma once

#include <gtk/gtk.h>

#include "nn-layer.h"
#include "nn-presets.h"

G_BEGIN_DECLS

#define BP_TYPE_LAYER_PANEL (bp_layer_panel_get_type ())
G_DECLARE_FINAL_TYPE (BpLayerPanel, bp_layer_panel, BP, LAYER_PANEL, GtkWidget)

GtkWidget       *bp_layer_panel_new           (void);
const NnNetSpec *bp_layer_panel_get_spec      (BpLayerPanel *self);
/* Replaces the network as one undoable edit. */
void             bp_layer_panel_set_spec      (BpLayerPanel *self, const NnNetSpec *spec);
/* What the network must fit; @dataset picks the presets offered. */
void             bp_layer_panel_set_data      (BpLayerPanel *self, const char *dataset,
                                               NnShape in, int n_outputs);
gboolean         bp_layer_panel_get_valid     (BpLayerPanel *self);
const char      *bp_layer_panel_get_problem   (BpLayerPanel *self);   /* NULL when valid */
/* Totals over the layers whose shapes are known (all, when it is valid). */
size_t           bp_layer_panel_get_n_params  (BpLayerPanel *self);
size_t           bp_layer_panel_get_n_macs    (BpLayerPanel *self);  /* per sample */
const char      *bp_layer_panel_get_total_text (BpLayerPanel *self);

void             bp_layer_panel_add_layer     (BpLayerPanel *self, NnLayerKind kind);
void             bp_layer_panel_remove_layer  (BpLayerPanel *self, int index);
void             bp_layer_panel_move_layer    (BpLayerPanel *self, int from, int to);
/* Sets setting @arg (an index into the kind's NnLayerOps.args) of layer
 * @index, as one undoable edit; edits of one setting in quick succession
 * are one. */
void             bp_layer_panel_set_setting   (BpLayerPanel *self, int index, int arg,
                                               double value);
void             bp_layer_panel_apply_preset  (BpLayerPanel *self, const NnPreset *preset);
/* The selected layer, or -1. */
int              bp_layer_panel_get_selected  (BpLayerPanel *self);
void             bp_layer_panel_select        (BpLayerPanel *self, int index);
/* Moves the selected layer by @delta places (Alt+Up, Alt+Down). */
gboolean         bp_layer_panel_move_selected (BpLayerPanel *self, int delta);

gboolean         bp_layer_panel_get_can_undo  (BpLayerPanel *self);
gboolean         bp_layer_panel_get_can_redo  (BpLayerPanel *self);
void             bp_layer_panel_undo          (BpLayerPanel *self);
void             bp_layer_panel_redo          (BpLayerPanel *self);
/* Takes back the last edit without keeping it for redo: for an edit the
 * user declined to make (it would have reset a run). */
void             bp_layer_panel_revert        (BpLayerPanel *self);
/* Forgets undo and redo, e.g. after the network the app starts with. */
void             bp_layer_panel_clear_history (BpLayerPanel *self);

G_END_DECLS
