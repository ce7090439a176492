/* bp-inspect-state.h: what the inspection views show, as one immutable,
 * reference-counted value.
 *
 * Computed off the main thread from a network, its data and its loss (the
 * epoch's test evaluation is reused, not repeated), applied to the views
 * (ui/bp-inspector.h) on the main thread. GLib and the engine only.
 */
#pragma once

#include "nn-train.h"

G_BEGIN_DECLS

/* The first layer's templates (dense units, convolution filters): at most
 * this many are copied. */
#define BP_WEIGHTS_MAX_UNITS 64

typedef struct
{
  /* (ref) the run's data: test images, labels, class names, plane bounds */
  NnData       *data;
  /* (ref) the latest evaluation of the test set: predicted class and output
   * (probabilities) for every test sample */
  NnEvalResult *test;
  int           epoch;          /* epochs finished when it was computed */
  guint64       step;
  /* (owned) on image data, the templates of the first layer with a weight
   * matrix over the image's pixels (dense: (units, C*H*W)) or a filter
   * bank (convolution: (filters, C*K*K)), as (weight_units, weight_in),
   * each unit's row a (weight_channels, weight_height, weight_width)
   * image; the first BP_WEIGHTS_MAX_UNITS of weight_units_total. Buffers
   * (NN_PARAM_BUFFER) are never taken. NULL otherwise. */
  float        *weights;
  int           weight_units;
  int           weight_in;
  int           weight_units_total;
  int           weight_layer;      /* its index in the network */
  int           weight_rank;       /* 2: dense units, 4: convolution filters */
  NnLayerKind   weight_kind;
  int           weight_channels, weight_height, weight_width;
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
  /* (owned) when some layer's output is an image, (C, H, W) (convolution,
   * pooling, an activation on the input): the network's spec, input shape
   * and a copy of its parameter block (buffers too) as they were, for the
   * feature maps of any test sample, computed off the main thread when
   * asked for (bp_feature_maps_compute ()). NULL otherwise. */
  NnNetSpec    *spec;
  NnShape       in_shape;
  float        *params;
  size_t        n_params;
  int           n_image_layers; /* layers whose output is (C, H, W) */
  /* < private > */
  gint          ref_count;
} BpInspectState;

/* Any thread that may use @net (the training thread between batches):
 * builds a state from @net, trained on @data with @loss, and the evaluation
 * @test of data->test (may be NULL: the state then evaluates the test set
 * itself, e.g. for a mid-epoch refresh on a small dataset). (transfer full) */
BpInspectState *bp_inspect_state_compute (NnNetwork *net, NnData *data, NnLossKind loss,
                                          NnEvalResult *test, int epoch, guint64 step);
BpInspectState *bp_inspect_state_ref     (BpInspectState *state);
void            bp_inspect_state_unref   (BpInspectState *state);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpInspectState, bp_inspect_state_unref)

/* Whether layer @layer of @net gives an image, (C, H, W): a feature map. */
gboolean        bp_layer_has_feature_map (const NnNetwork *net, int layer);

/* Whether a dataset's samples are images (one channel, rank 3: MNIST);
 * their height and width. */
gboolean        bp_dataset_is_image      (const NnDataset *ds, int *height, int *width);

G_END_DECLS
