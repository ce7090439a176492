/* bp-window.h: the workbench window.
 *
 * The data and training settings and the layer panel on the left, the
 * curves and the inspection views on the right, a status area under them.
 * The window owns the loaded dataset and the current run (BpRun); it
 * applies the run's updates on the main thread and drops stale ones.
 *
 * The getters below exist for the UI tests and the responsiveness
 * benchmark, which drive the real window through its actions.
 */
#pragma once

#include <adwaita.h>

#include "bp-inspector.h"
#include "bp-layer-panel.h"
#include "bp-plot.h"
#include "bp-project.h"
#include "bp-run.h"

G_BEGIN_DECLS

#define BP_TYPE_WINDOW (bp_window_get_type ())
G_DECLARE_FINAL_TYPE (BpWindow, bp_window, BP, WINDOW, AdwApplicationWindow)

BpWindow     *bp_window_new             (AdwApplication *application);

/* The dataset by name ("xor", "mnist", "csv:/path/x.csv"); loads it off the
 * main thread and applies its first preset. */
void          bp_window_set_dataset     (BpWindow *self, const char *name);
const char   *bp_window_get_dataset     (BpWindow *self);
gboolean      bp_window_get_loading     (BpWindow *self);
NnData       *bp_window_get_data        (BpWindow *self);   /* borrowed; the previous data while loading, NULL before any */
void          bp_window_set_epochs      (BpWindow *self, int epochs);
void          bp_window_set_lr          (BpWindow *self, double lr);
/* BLAS threads for the next run: 1 by default (see _bp_window_fill_config). */
void          bp_window_set_blas_threads (BpWindow *self, int threads);

BpRunState    bp_window_get_run_state   (BpWindow *self);
/* The latest test evaluation's correct count and size; FALSE before one. */
gboolean      bp_window_get_test_result (BpWindow *self, int *n_correct, int *n);
/* Samples per second over the last finished epoch (0 before one). */
double        bp_window_get_samples_per_second (BpWindow *self);
/* The document the window shows: settings, network, run records. */
BpProject    *bp_window_get_project     (BpWindow *self);   /* borrowed */
/* The last run's error (a stop is NN_ERROR_CANCELLED), or NULL. */
const GError *bp_window_get_run_error   (BpWindow *self);

/* The status line's texts, joined by " · ", and the progress bar's
 * fraction. (transfer full) */
char         *bp_window_dup_status      (BpWindow *self, double *fraction);

/* Opens a project (.backprop) or a model (.safetensors) in place of the
 * current document, asking first if it has unsaved changes. */
void          bp_window_open            (BpWindow *self, GFile *file);
/* Saves the project to @file (pausing a run that is going first). */
void          bp_window_save_as         (BpWindow *self, GFile *file);
/* How often unsaved changes are copied for crash recovery (ms; 0: never). */
void          bp_window_set_autosave_interval (BpWindow *self, guint ms);
/* A copy is being written. */
gboolean      bp_window_get_autosave_busy (BpWindow *self);

BpLayerPanel *bp_window_get_panel       (BpWindow *self);
BpPlot       *bp_window_get_loss_plot   (BpWindow *self);
BpPlot       *bp_window_get_accuracy_plot (BpWindow *self);
BpInspector  *bp_window_get_inspector   (BpWindow *self);

G_END_DECLS
