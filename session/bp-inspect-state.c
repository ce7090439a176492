/* bp-inspect-state.c: what the inspection views show, computed off the
 * main thread.
 *
 * bp_inspect_state_compute() runs on the training thread between batches
 * (or on any thread, for a network loaded from a file): it keeps a
 * reference to the epoch's test evaluation (no second pass), sorts its
 * mistakes, copies the first dense or convolution layer's weights with their
 * colour scales (and, for a network with image-shaped layers, all its weights,
 * for feature maps) and, on 2-D data, asks the network for its outputs over a grid of
 * the plane. All the work that needs no widget is done here, so applying a
 * state on the main thread stays a few milliseconds. No GTK.
 */
#include "bp-inspect-state.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

gboolean
bp_dataset_is_image (const NnDataset *ds, int *height, int *width)
{
  if (!ds || ds->shape.rank != 3 || ds->shape.dim[0] != 1)
    return FALSE;
  if (height)
    *height = ds->shape.dim[1];
  if (width)
    *width = ds->shape.dim[2];
  return ds->shape.dim[1] > 0 && ds->shape.dim[2] > 0;
}

#define BOUNDARY_RES 64

/* The k-th smallest of a[0..n) (0-based), reordering a: Hoare's selection,
 * linear on average where a full sort of every unit's weights was
 * n log n. */
static float
select_kth (float *a, int n, int k)
{
  int lo = 0, hi = n - 1;

  while (lo < hi)
    {
      float pivot = a[lo + (hi - lo) / 2];
      int i = lo, j = hi;

      while (i <= j)
        {
          while (a[i] < pivot)
            i++;
          while (a[j] > pivot)
            j--;
          if (i <= j)
            {
              float t = a[i];
              a[i++] = a[j];
              a[j--] = t;
            }
        }
      if (k <= j)
        hi = j;
      else if (k >= i)
        lo = i;
      else
        break;
    }
  return a[k];
}

static void
compute_weight_scales (BpInspectState *state)
{
  g_autofree float *mags = g_new (float, state->weight_in);

  state->weight_scale = g_new (float, state->weight_units);
  for (int u = 0; u < state->weight_units; u++)
    {
      const float *row = state->weights + (size_t) u * state->weight_in;
      int n_abs = 0;

      for (int k = 0; k < state->weight_in; k++)
        if (isfinite (row[k]))
          mags[n_abs++] = fabsf (row[k]);
      state->weight_scale[u] = n_abs ? select_kth (mags, n_abs, (n_abs - 1) * 99 / 100) : 0;
    }
}

typedef struct
{
  float confidence;   /* probability given to the wrong class */
  int   index;        /* into the evaluation */
} Mistake;

static int
compare_mistakes (const void *a, const void *b)
{
  const Mistake *x = a, *y = b;

  if (x->confidence != y->confidence)
    return x->confidence > y->confidence ? -1 : 1;
  return x->index - y->index;   /* stable across epochs for ties */
}

static void
sort_mistakes (BpInspectState *state)
{
  NnEvalResult *test = state->test;
  const NnDataset *ds = state->data->test;
  g_autofree Mistake *m = NULL;
  int n = 0;

  if (!test || !ds || ds->task != NN_TASK_CLASSIFICATION || !test->predicted || test->n <= 0)
    return;

  m = g_new (Mistake, test->n);
  for (int i = 0; i < test->n; i++)
    {
      int t = test->labels ? test->labels[i] : ds->labels[test->rows[i]];
      int p = test->predicted[i];

      if (t == p)
        continue;
      m[n].confidence = p >= 0 && p < test->n_outputs ? test->outputs[(size_t) i * test->n_outputs + p] : 0;
      m[n].index = i;
      n++;
    }
  if (n == 0)
    return;
  qsort (m, n, sizeof *m, compare_mistakes);
  state->mistakes = g_new (int, n);
  for (int i = 0; i < n; i++)
    state->mistakes[i] = m[i].index;
  state->n_mistakes = n;
}

/* The first trainable tensor that is a matrix over the image's pixels
 * (units, C*H*W), one template per unit, or a filter bank (filters, C, K,
 * K), one per filter and input channel; told apart by rank and shape in
 * the parameter table, not by kind. */
static void
copy_first_weights (BpInspectState *state, NnNetwork *net)
{
  int n_table = 0;
  const NnParamInfo *table = nn_network_get_param_table (net, &n_table);
  NnShape in = nn_network_get_in_shape (net);
  const NnParamInfo *w = NULL;

  if (!bp_dataset_is_image (state->data->train, NULL, NULL) || n_table == 0 || in.rank != 3)
    return;
  for (int k = 0; k < n_table && w == NULL; k++)
    {
      const NnParamInfo *t = &table[k];

      if (t->role != NN_PARAM_TRAINABLE)
        continue;
      if ((t->rank == 2 && t->shape[0] > 0 && (size_t) t->shape[1] == nn_network_get_in_size (net))
          || (t->rank == 4 && t->shape[0] > 0 && t->shape[1] > 0 && t->shape[2] > 0
              && t->shape[3] > 0))
        w = t;
    }
  if (w == NULL)
    return;
  state->weight_units_total = w->shape[0];
  state->weight_units = MIN (w->shape[0], BP_WEIGHTS_MAX_UNITS);
  state->weight_in = (int) (w->size / w->shape[0]);
  state->weight_layer = w->layer;
  state->weight_rank = w->rank;
  state->weight_kind = nn_network_get_spec (net)->layers[w->layer].kind;
  if (w->rank == 4)
    {
      state->weight_channels = w->shape[1];
      state->weight_height = w->shape[2];
      state->weight_width = w->shape[3];
    }
  else
    {
      state->weight_channels = in.dim[0];
      state->weight_height = in.dim[1];
      state->weight_width = in.dim[2];
    }
  state->weights = g_memdup2 (nn_network_get_params (net) + w->offset,
                              sizeof (float) * (size_t) state->weight_units * state->weight_in);
  compute_weight_scales (state);
}

gboolean
bp_layer_has_feature_map (const NnNetwork *net, int layer)
{
  const NnLayerInfo *info = nn_network_get_layer_info (net, layer);

  return info != NULL && info->out.rank == 3 && info->out.dim[0] > 0 && info->out.dim[1] > 0
         && info->out.dim[2] > 0;
}

/* The network as it is now, for feature maps later: only when it has
 * layers to show, so an MLP's states stay as small as they were. */
static void
copy_network (BpInspectState *state, NnNetwork *net)
{
  int n = 0;

  for (int i = 0; i < nn_network_get_n_layers (net); i++)
    if (bp_layer_has_feature_map (net, i))
      n++;
  if (n == 0 || !state->data->test || state->data->test->n <= 0)
    return;
  state->params = g_try_new (float, MAX (nn_network_get_n_params (net), 1));
  if (state->params == NULL)
    return;   /* out of memory: no feature maps, the rest of the views as usual */
  memcpy (state->params, nn_network_get_params (net),
          sizeof (float) * nn_network_get_n_params (net));
  state->n_params = nn_network_get_n_params (net);
  state->spec = nn_net_spec_copy (nn_network_get_spec (net));
  state->in_shape = nn_network_get_in_shape (net);
  state->n_image_layers = n;
}

static void
compute_boundary (BpInspectState *state, NnNetwork *net, NnLossKind loss)
{
  NnData *data = state->data;
  int res = BOUNDARY_RES, n = res * res;
  int n_out = (int) nn_network_get_out_size (net);
  g_autofree float *x = NULL;
  float *out;

  if (!data->train || nn_network_get_in_size (net) != 2 || data->train->task != NN_TASK_CLASSIFICATION
      || !(data->xmax > data->xmin) || !(data->ymax > data->ymin) || n_out <= 0)
    return;

  x = g_new (float, 2 * n);
  for (int gy = 0; gy < res; gy++)
    for (int gx = 0; gx < res; gx++)
      {
        /* Cell centres, row 0 at ymin, as BpBoundary reads them. */
        x[2 * (gy * res + gx)] = data->xmin + (gx + 0.5f) / res * (data->xmax - data->xmin);
        x[2 * (gy * res + gx) + 1] = data->ymin + (gy + 0.5f) / res * (data->ymax - data->ymin);
      }
  out = g_new (float, (size_t) n * n_out);
  if (!nn_predict (net, loss, x, n, out))
    {
      g_free (out);
      return;
    }
  state->boundary = out;
  state->boundary_res = res;
  state->boundary_outputs = n_out;
}

BpInspectState *
bp_inspect_state_compute (NnNetwork *net, NnData *data, NnLossKind loss, NnEvalResult *test,
                          int epoch, guint64 step)
{
  BpInspectState *state;

  g_return_val_if_fail (net != NULL, NULL);
  g_return_val_if_fail (data != NULL, NULL);

  state = g_new0 (BpInspectState, 1);
  state->ref_count = 1;
  state->data = nn_data_ref (data);
  state->epoch = epoch;
  state->step = step;

  if (test)
    state->test = nn_eval_result_ref (test);
  else if (data->test && data->test->n > 0)
    /* A failed evaluation (out of memory) just leaves the views empty. */
    state->test = nn_data_evaluate (net, loss, data, data->test, NULL, data->test->n, NULL);

  sort_mistakes (state);
  copy_first_weights (state, net);
  copy_network (state, net);
  compute_boundary (state, net, loss);
  return state;
}

BpInspectState *
bp_inspect_state_ref (BpInspectState *state)
{
  g_return_val_if_fail (state != NULL, NULL);

  g_atomic_int_inc (&state->ref_count);
  return state;
}

void
bp_inspect_state_unref (BpInspectState *state)
{
  if (!state || !g_atomic_int_dec_and_test (&state->ref_count))
    return;

  g_clear_pointer (&state->data, nn_data_unref);
  g_clear_pointer (&state->test, nn_eval_result_unref);
  g_free (state->weights);
  g_free (state->weight_scale);
  g_free (state->boundary);
  g_free (state->mistakes);
  g_clear_pointer (&state->spec, nn_net_spec_free);
  g_free (state->params);
  g_free (state);
}
