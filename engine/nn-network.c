/* nn-network.c: a sequential network: weights, forward, backward.
 *
 * Layers are dispatched through their kind's NnLayerOps (engine/layers/),
 * one call per layer and batch; the per-layer state is the same for all
 * (NnLayerRun: an output buffer, scratch such as a dropout mask, a place
 * in the parameter block). Buffers grow to the largest batch seen and are
 * then reused. Nothing here knows a kind.
 */
#include "nn-network.h"
#include "nn-kernels.h"
#include "layers/nn-layer-run.h"

#include <math.h>
#include <string.h>

typedef NnLayerRun Layer;

struct _NnNetwork
{
  NnNetSpec   *spec;
  NnShape      in_shape;
  int          n_layers;
  Layer       *layers;
  size_t       n_params;
  float       *params;   /* (n_params) */
  float       *grads;    /* (n_params) */
  NnParamInfo *table;    /* (n_table) every layer's tensors */
  int          n_table;
  size_t       max_size; /* widest activation, for the gradient buffers */
  int          capacity; /* samples the buffers hold */
  float       *gbuf[2];  /* (capacity, max_size) ping-pong gradients */
  /* Input of the last training forward: borrowed, or the replicas of
   * nn_network_forward_rows() (one per part of the first layer's products). */
  const float *x[NN_MAX_TEAM];
  int          n_x;      /* 0: no training forward to go back through */
  float       *xrep[NN_MAX_TEAM];
  int          last_n;
  int          forward_n; /* samples of the last forward pass, training or not; 0: none */
};

const char *
nn_init_name (NnInit init)
{
  static const char *names[] = { "auto", "he", "glorot", "uniform", "normal" };
  return init <= NN_INIT_NORMAL ? names[init] : "auto";
}

gboolean
nn_init_from_name (const char *name, NnInit *init)
{
  for (int i = 0; i <= NN_INIT_NORMAL; i++)
    if (g_ascii_strcasecmp (name, nn_init_name ((NnInit) i)) == 0)
      {
        *init = (NnInit) i;
        return TRUE;
      }
  if (g_ascii_strcasecmp (name, "xavier") == 0)
    {
      *init = NN_INIT_GLOROT;
      return TRUE;
    }
  if (g_ascii_strcasecmp (name, "kaiming") == 0)
    {
      *init = NN_INIT_HE;
      return TRUE;
    }
  return FALSE;
}

NnNetwork *
nn_network_new (const NnNetSpec *spec, NnShape in, GError **error)
{
  NnNetwork *net = NULL;
  NnLayerInfo *infos = NULL;
  size_t offset = 0;

  /* nn_net_spec_check() reports a missing or empty spec. */
  infos = g_new0 (NnLayerInfo, spec != NULL ? spec->n_layers : 0);
  if (!nn_net_spec_check (spec, in, 0, infos, NULL, NULL, error))
    goto fail;

  net = g_new0 (NnNetwork, 1);
  net->spec = nn_net_spec_copy (spec);
  net->in_shape = in;
  net->n_layers = spec->n_layers;
  net->layers = g_new0 (Layer, spec->n_layers);
  net->max_size = nn_shape_size (in);

  for (int i = 0; i < spec->n_layers; i++)
    {
      Layer *l = &net->layers[i];

      l->spec = spec->layers[i];
      l->ops = nn_layer_ops (l->spec.kind);
      l->info = infos[i];
      l->in_size = nn_shape_size (infos[i].in);
      l->out_size = nn_shape_size (infos[i].out);
      l->offset = offset;
      offset += infos[i].n_params;
      net->max_size = MAX (net->max_size, l->out_size);
    }
  net->n_params = offset;
  net->params = g_try_new0 (float, MAX (net->n_params, 1));
  net->grads = g_try_new0 (float, MAX (net->n_params, 1));
  if (net->params == NULL || net->grads == NULL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_NO_MEMORY,
                   "Not enough memory for %zu weights.", net->n_params);
      goto fail;
    }
  for (int i = 0; i < net->n_layers; i++)
    {
      net->layers[i].params = net->params + net->layers[i].offset;
      net->layers[i].grads = net->grads + net->layers[i].offset;
    }
  net->table = nn_net_spec_param_table (spec, infos, &net->n_table);
  g_free (infos);
  return net;

fail:
  g_free (infos);
  nn_network_free (net);
  return NULL;
}

static void
free_buffers (NnNetwork *net)
{
  for (int i = 0; i < net->n_layers; i++)
    {
      if (!(net->layers[i].ops->flags & NN_LAYER_VIEW))
        g_free (net->layers[i].out);
      g_clear_pointer (&net->layers[i].scratch, g_free);
      net->layers[i].out = NULL;
    }
  g_clear_pointer (&net->gbuf[0], g_free);
  g_clear_pointer (&net->gbuf[1], g_free);
  for (int i = 0; i < NN_MAX_TEAM; i++)
    g_clear_pointer (&net->xrep[i], g_free);
  net->n_x = 0;
  net->capacity = 0;
  net->forward_n = 0;
}

void
nn_network_free (NnNetwork *net)
{
  if (net == NULL)
    return;
  if (net->layers != NULL)
    free_buffers (net);
  g_free (net->layers);
  g_free (net->params);
  g_free (net->grads);
  g_free (net->table);
  nn_net_spec_free (net->spec);
  g_free (net);
}

static gboolean
ensure_capacity (NnNetwork *net, int n)
{
  if (n <= net->capacity)
    return TRUE;
  free_buffers (net);
  for (int i = 0; i < net->n_layers; i++)
    {
      Layer *l = &net->layers[i];
      size_t scratch = l->ops->scratch ? l->ops->scratch (l) : 0;

      if (scratch > 0)
        {
          l->scratch = g_try_new (float, (size_t) n * scratch);
          if (l->scratch == NULL)
            return FALSE;
        }
      /* A view (flatten) is its input: no buffer of its own. */
      if (l->ops->flags & NN_LAYER_VIEW)
        continue;
      l->out = g_try_new (float, (size_t) n * l->out_size);
      if (l->out == NULL)
        return FALSE;
    }
  net->gbuf[0] = g_try_new (float, (size_t) n * net->max_size);
  net->gbuf[1] = g_try_new (float, (size_t) n * net->max_size);
  if (net->gbuf[0] == NULL || net->gbuf[1] == NULL)
    return FALSE;
  net->capacity = n;
  return TRUE;
}

/* Whether NN_INIT_AUTO picks He for layer @i: the next layer, looking
 * past those that say so (dropout), asks for it (relu, leaky relu). */
static gboolean
he_follows (const NnNetwork *net, int i)
{
  for (int j = i + 1; j < net->n_layers; j++)
    if (!(net->layers[j].ops->flags & NN_LAYER_SEE_PAST))
      return (net->layers[j].ops->flags & NN_LAYER_HE_BEFORE) != 0;
  return FALSE;
}

void
nn_network_init (NnNetwork *net, NnInit init, guint64 seed)
{
  NnRng rng;

  nn_rng_init (&rng, seed, 0x5eed);
  for (int i = 0; i < net->n_layers; i++)
    {
      Layer *l = &net->layers[i];
      NnInit how = init;

      if (l->ops->init == NULL)
        continue;
      if (how == NN_INIT_AUTO)
        how = he_follows (net, i) ? NN_INIT_HE : NN_INIT_GLOROT;
      l->ops->init (l, how, &rng);
    }
}

const NnNetSpec *
nn_network_get_spec (const NnNetwork *net)
{
  return net->spec;
}

NnShape
nn_network_get_in_shape (const NnNetwork *net)
{
  return net->in_shape;
}

int
nn_network_get_n_layers (const NnNetwork *net)
{
  return net->n_layers;
}

const NnLayerInfo *
nn_network_get_layer_info (const NnNetwork *net, int layer)
{
  g_return_val_if_fail (layer >= 0 && layer < net->n_layers, NULL);
  return &net->layers[layer].info;
}

size_t
nn_network_get_in_size (const NnNetwork *net)
{
  return nn_shape_size (net->in_shape);
}

size_t
nn_network_get_out_size (const NnNetwork *net)
{
  return net->layers[net->n_layers - 1].out_size;
}

size_t
nn_network_get_n_params (const NnNetwork *net)
{
  return net->n_params;
}

size_t
nn_network_get_n_trainable (const NnNetwork *net)
{
  size_t n = 0;

  for (int i = 0; i < net->n_layers; i++)
    n += net->layers[i].info.n_trainable;
  return n;
}

float *
nn_network_get_params (NnNetwork *net)
{
  return net->params;
}

float *
nn_network_get_grads (NnNetwork *net)
{
  return net->grads;
}

const NnParamInfo *
nn_network_get_param_table (const NnNetwork *net, int *n_params)
{
  if (n_params)
    *n_params = net->n_table;
  return net->table;
}

const NnParamInfo *
nn_network_find_param (const NnNetwork *net, int layer, const char *name)
{
  for (int k = 0; k < net->n_table; k++)
    if (net->table[k].layer == layer && g_str_equal (net->table[k].name, name))
      return &net->table[k];
  return NULL;
}

const float *
nn_network_get_layer_output (const NnNetwork *net, int layer, int *n)
{
  g_return_val_if_fail (net != NULL, NULL);
  g_return_val_if_fail (layer >= 0 && layer < net->n_layers, NULL);

  if (n)
    *n = net->forward_n;
  return net->forward_n > 0 ? net->layers[layer].out : NULL;
}

/* x: n_x replicas of the input (1: one shared copy), already checked. */
static const float *
forward (NnNetwork *net, const float *const *x, int n_x, int n, gboolean training, NnRng *rng)
{
  const float *in = x[0];

  for (int i = 0; i < net->n_layers; i++)
    {
      Layer *l = &net->layers[i];

      /* Only the first layer reads the replicas of the input. */
      if (i == 0)
        l->ops->forward (l, x, n_x, n, training, rng);
      else
        l->ops->forward (l, &in, 1, n, training, rng);
      in = l->out;
    }

  /* Only a training pass leaves what backward needs; an evaluation pass
   * (predict, evaluate) overwrites the buffers and must not look usable. */
  net->n_x = training ? n_x : 0;
  for (int i = 0; i < n_x; i++)
    net->x[i] = x[i];
  net->last_n = training ? n : 0;
  net->forward_n = n;
  return in;
}

const float *
nn_network_forward (NnNetwork *net, const float *x, int n, gboolean training, NnRng *rng)
{
  if (n <= 0 || !ensure_capacity (net, n))
    return NULL;
  return forward (net, &x, 1, n, training, rng);
}

typedef struct
{
  const NnDataset *ds;
  const guint32 *rows;
  int n;
  float **x;
} GatherJob;

static void
gather_part (gpointer data, int part, int parts)
{
  const GatherJob *job = data;

  nn_dataset_gather (job->ds, job->rows, job->n, job->x[part], NULL, NULL);
}

const float *
nn_network_forward_rows (NnNetwork *net, const NnDataset *ds, const guint32 *rows, int n,
                         gboolean training, NnRng *rng)
{
  Layer *first = &net->layers[0];
  GatherJob job = { ds, rows, n, net->xrep };
  int parts = 1;

  g_return_val_if_fail (nn_dataset_size (ds) == first->in_size, NULL);
  if (n <= 0 || !ensure_capacity (net, n))
    return NULL;
  /* Each core that takes part in the first layer's products fills its own
   * copy of the batch: the gather is repeated, in parallel, instead of
   * the batch crossing between cores (see nn-kernels.c). */
  if (first->ops->input_parts != NULL)
    parts = first->ops->input_parts (first, n);
  for (int i = 0; i < parts; i++)
    {
      if (net->xrep[i] == NULL)
        net->xrep[i] = g_try_new (float, (size_t) net->capacity * first->in_size);
      if (net->xrep[i] == NULL)
        return NULL;
    }
  nn_team_run (parts, gather_part, &job);
  return forward (net, (const float *const *) net->xrep, parts, n, training, rng);
}

/* With @sgd, dense layers update their weights in place instead of writing
 * gradients (see nn_network_backward_sgd). */
static void
backward (NnNetwork *net, const float *dout, int n, gboolean skip_last, float *dx,
          const float *sgd)
{
  const Layer *last = &net->layers[net->n_layers - 1];
  const float *g = dout;
  int top = net->n_layers - 1, which = 0;

  g_return_if_fail (n == net->last_n && net->n_x > 0);
  g_return_if_fail (!skip_last || last->in_size == last->out_size);

  if (skip_last)
    {
      top--;
      /* A network that is only that layer: its input gradient is dout. */
      if (top < 0 && dx != NULL)
        memcpy (dx, dout, sizeof (float) * n * last->in_size);
    }
  for (int i = top; i >= 0; i--)
    {
      Layer *l = &net->layers[i];
      const float *in = i > 0 ? net->layers[i - 1].out : NULL;
      float *din;

      /* The first layer's input gradient is only wanted when asked for. */
      if (i == 0)
        din = dx;
      else
        {
          din = net->gbuf[which];
          which ^= 1;
        }
      if (i > 0)
        l->ops->backward (l, din, g, &in, 1, n, sgd);
      else
        l->ops->backward (l, din, g, net->x, net->n_x, n, sgd);
      g = din;
    }
}

void
nn_network_backward (NnNetwork *net, const float *dout, int n, gboolean skip_last, float *dx)
{
  backward (net, dout, n, skip_last, dx, NULL);
}

void
nn_network_backward_sgd (NnNetwork *net, const float *dout, int n, gboolean skip_last,
                         float lr, float weight_decay)
{
  const float sgd[2] = { lr, weight_decay };

  backward (net, dout, n, skip_last, NULL, sgd);
}

gboolean
nn_network_predict (NnNetwork *net, const float *x, int n, float *out)
{
  const int chunk = 256;
  size_t in_size = nn_network_get_in_size (net);
  size_t out_size = nn_network_get_out_size (net);

  for (int start = 0; start < n; start += chunk)
    {
      int count = MIN (chunk, n - start);
      const float *y = nn_network_forward (net, x + (size_t) start * in_size, count, FALSE, NULL);

      if (y == NULL)
        return FALSE;
      memcpy (out + (size_t) start * out_size, y, sizeof (float) * count * out_size);
    }
  return TRUE;
}

static void
fill_random (float *v, size_t m, NnRng *rng)
{
  for (size_t k = 0; k < m; k++)
    v[k] = nn_rng_range (rng, -1.0f, 1.0f);
}

double
nn_network_time_floor (NnNetwork *net, int n, int n_batches)
{
  size_t in_size = nn_network_get_in_size (net), out_size = nn_network_get_out_size (net);
  g_autofree float *x = NULL, *dout = NULL;
  double t0;
  NnRng rng;

  if (n <= 0 || !ensure_capacity (net, n))
    return -1.0;
  x = g_try_new (float, (size_t) n * in_size);
  dout = g_try_new (float, (size_t) n * out_size);
  if (x == NULL || dout == NULL)
    return -1.0;
  /* Numbers of the sizes training sees (no NaN or denormal from fresh
   * memory to slow the products), and every activation buffer written by
   * one evaluation pass. */
  nn_rng_init (&rng, 1, 0xf1002);
  fill_random (x, (size_t) n * in_size, &rng);
  fill_random (dout, (size_t) n * out_size, &rng);
  fill_random (net->gbuf[0], (size_t) n * net->max_size, &rng);
  fill_random (net->gbuf[1], (size_t) n * net->max_size, &rng);
  forward (net, (const float *const *) &x, 1, n, FALSE, NULL);

  t0 = nn_now ();
  for (int b = 0; b < n_batches; b++)
    {
      const float *g = dout;
      int which = 0;

      for (int i = 0; i < net->n_layers; i++)
        {
          Layer *l = &net->layers[i];

          if (l->ops->floor != NULL)
            l->ops->floor (l, FALSE, i > 0 ? net->layers[i - 1].out : x, NULL, NULL, n);
        }
      for (int i = net->n_layers - 1; i >= 0; i--)
        {
          Layer *l = &net->layers[i];
          float *din = NULL;

          if (i > 0)
            {
              din = net->gbuf[which];
              which ^= 1;
            }
          if (l->ops->floor != NULL)
            l->ops->floor (l, TRUE, i > 0 ? net->layers[i - 1].out : x, din, g, n);
          g = din;
        }
    }
  return nn_now () - t0;
}
