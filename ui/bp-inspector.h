/* bp-inspector.h: the views of what a network learned.
 *
 * A composite widget with one page per view: sample predictions, the
 * misclassified browser, the confusion matrix, the decision boundary (2-D
 * sets; predicted against true for regression) and the first layer's
 * weights. It is fed BpInspectState values: immutable, reference counted,
 * computed on the training thread from the epoch's test evaluation (no
 * second pass over the test set) and applied on the main thread, where each
 * view prepares what it draws once, not in snapshot().
 */
#pragma once

#include <adwaita.h>

#include "nn-train.h"

G_BEGIN_DECLS

typedef struct
{
  /* (ref) the run's data: test images, labels, class names, plane bounds */
  NnData       *data;
  /* (ref) the latest evaluation of the test set: predicted class and output
   * (probabilities) for every test sample */
  NnEvalResult *test;
  int           epoch;          /* epochs finished when it was computed */
  guint64       step;
  /* (owned) the first dense layer's weights (units, in) on image data, else NULL */
  float        *weights;
  int           weight_units;
  int           weight_in;
  /* (owned) 2-D sets: network outputs over a (res, res) grid spanning
   * [xmin,xmax] x [ymin,ymax] of the data's plane, row 0 at ymin;
   * (res*res, n_outputs) probabilities. NULL otherwise. */
  float        *boundary;
  int           boundary_res;
  int           boundary_outputs;
  /* (owned) classification: evaluation indices of the misclassified test
   * samples, the most confident wrong answer first (ties by index); sorted
   * here, on the training thread, so the browser on the main thread only
   * filters. n_mistakes == test->n - test->n_correct. NULL when none. */
  int          *mistakes;
  int           n_mistakes;
  /* (owned) (weight_units) when weights is set: each unit's colour scale,
   * the 99th percentile of its |w| (so one large weight does not wash the
   * rest of the template out to white). */
  float        *weight_scale;
  /* < private > */
  gint          ref_count;
} BpInspectState;

/* Worker thread: builds a state from the trainer's current network and the
 * evaluation @test (may be NULL: the state then has no test results, e.g. a
 * mid-epoch refresh on a small dataset computes its own with
 * nn_trainer_evaluate()). (transfer full) */
BpInspectState *bp_inspect_state_compute (NnTrainer *trainer, NnEvalResult *test, int epoch,
                                          guint64 step);
BpInspectState *bp_inspect_state_ref     (BpInspectState *state);
void            bp_inspect_state_unref   (BpInspectState *state);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpInspectState, bp_inspect_state_unref)

#define BP_TYPE_INSPECTOR (bp_inspector_get_type ())
G_DECLARE_FINAL_TYPE (BpInspector, bp_inspector, BP, INSPECTOR, GtkWidget)

GtkWidget *bp_inspector_new   (void);
/* Main thread. NULL clears every view to its empty state (a new run). */
void       bp_inspector_apply (BpInspector *self, BpInspectState *state);

/* Views by name: "predictions", "mistakes", "confusion", "boundary", "weights". */
GtkWidget  *bp_inspector_get_view          (BpInspector *self, const char *view_name);  /* borrowed */
const char *bp_inspector_get_visible_view  (BpInspector *self);
void        bp_inspector_set_visible_view  (BpInspector *self, const char *view_name);
BpInspectState *bp_inspector_get_state     (BpInspector *self);  /* borrowed, may be NULL */
/* Saves a view as PNG; "confusion" with a path ending in ".csv" saves the
 * matrix's counts instead. The same path the "inspector.export-png" and
 * "inspector.export-csv" actions take after asking for a file. */
gboolean    bp_inspector_export_view       (BpInspector *self, const char *view_name,
                                            const char *path, GError **error);

G_END_DECLS
