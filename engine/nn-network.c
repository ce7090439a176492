/* nn-network.c: a sequential network: weights, forward, backward.
 *
 * Layers are dispatched with a switch on their kind: each kind is a few
 * lines around a kernel from nn-kernels.c, and the per-layer state is the
 * same for all (an output buffer, a dropout mask, a place in the parameter
 * block). Buffers grow to the largest batch seen and are then reused.
 */
#include "nn-network.h"
#include "nn-kernels.h"

#include <math.h>
#include <string.h>

typedef struct
{
  NnLayerSpec  spec;
  NnLayerInfo  info;
  size_t       in_size, out_size;
  size_t       offset;   /* of the weight in the parameter block; bias follows */
  float       *out;      /* (capacity, out_size); flatten: an alias of its input */
  float       *mask;     /* dropout: (capacity, out_size) */
} Layer;

struct _NnNetwork
{
  NnNetSpec   *spec;
  NnShape      in_shape;
  int          n_layers;
  Layer       *layers;
  size_t       n_params;
  float       *params;   /* (n_params) */
  float       *grads;    /* (n_params) */
  size_t       max_size; /* widest activation, for the gradient buffers */
  int          capacity; /* samples the buffers hold */
  float       *gbuf[2];  /* (capacity, max_size) ping-pong gradients */
  /* Input of the last training forward: borrowed, or the replicas of
   * nn_network_forward_rows() (one per part of the first layer's products). */
  const float *x[NN_MAX_TEAM];
  int          n_x;      /* 0: no training forward to go back through */
  float       *xrep[NN_MAX_TEAM];
  int          last_n;
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
                   "Not enough memory for %zu weights", net->n_params);
      goto fail;
    }
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
      if (net->layers[i].spec.kind != NN_LAYER_FLATTEN)
        g_free (net->layers[i].out);
      g_clear_pointer (&net->layers[i].mask, g_free);
      net->layers[i].out = NULL;
    }
  g_clear_pointer (&net->gbuf[0], g_free);
  g_clear_pointer (&net->gbuf[1], g_free);
  for (int i = 0; i < NN_MAX_TEAM; i++)
    g_clear_pointer (&net->xrep[i], g_free);
  net->n_x = 0;
  net->capacity = 0;
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

      /* Flatten is a view of its input: no buffer of its own. */
      if (l->spec.kind == NN_LAYER_FLATTEN)
        continue;
      l->out = g_try_new (float, (size_t) n * l->out_size);
      if (l->out == NULL)
        return FALSE;
      if (l->spec.kind == NN_LAYER_DROPOUT)
        {
          l->mask = g_try_new (float, (size_t) n * l->out_size);
          if (l->mask == NULL)
            return FALSE;
        }
    }
  net->gbuf[0] = g_try_new (float, (size_t) n * net->max_size);
  net->gbuf[1] = g_try_new (float, (size_t) n * net->max_size);
  if (net->gbuf[0] == NULL || net->gbuf[1] == NULL)
    return FALSE;
  net->capacity = n;
  return TRUE;
}

/* The activation a dense layer feeds, skipping dropout, to pick He or Glorot. */
static NnLayerKind
next_activation (const NnNetwork *net, int i)
{
  for (int j = i + 1; j < net->n_layers; j++)
    if (net->layers[j].spec.kind != NN_LAYER_DROPOUT)
      return net->layers[j].spec.kind;
  return NN_LAYER_DENSE;
}

void
nn_network_init (NnNetwork *net, NnInit init, guint64 seed)
{
  NnRng rng;

  nn_rng_init (&rng, seed, 0x5eed);
  for (int i = 0; i < net->n_layers; i++)
    {
      Layer *l = &net->layers[i];
      size_t fan_in = l->in_size, fan_out = l->out_size;
      size_t n_w = fan_in * fan_out;
      float *w = net->params + l->offset;
      NnInit how = init;

      if (l->spec.kind != NN_LAYER_DENSE)
        continue;
      if (how == NN_INIT_AUTO)
        {
          NnLayerKind next = next_activation (net, i);
          how = (next == NN_LAYER_RELU || next == NN_LAYER_LEAKY_RELU) ? NN_INIT_HE : NN_INIT_GLOROT;
        }
      for (size_t k = 0; k < n_w; k++)
        {
          switch (how)
            {
            case NN_INIT_HE:
              w[k] = nn_rng_normal (&rng) * sqrtf (2.0f / fan_in);
              break;
            case NN_INIT_GLOROT:
              {
                float a = sqrtf (6.0f / (fan_in + fan_out));
                w[k] = nn_rng_range (&rng, -a, a);
              }
              break;
            case NN_INIT_UNIFORM:
              w[k] = nn_rng_range (&rng, -1.0f, 1.0f);
              break;
            case NN_INIT_NORMAL:
            default:
              w[k] = 0.01f * nn_rng_normal (&rng);
              break;
            }
        }
      memset (w + n_w, 0, sizeof (float) * fan_out);
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

gboolean
nn_network_layer_params (NnNetwork *net, int layer, float **weight, int weight_shape[2],
                         float **bias, int *bias_len)
{
  Layer *l;

  g_return_val_if_fail (layer >= 0 && layer < net->n_layers, FALSE);
  l = &net->layers[layer];
  if (l->spec.kind != NN_LAYER_DENSE)
    return FALSE;
  if (weight)
    *weight = net->params + l->offset;
  if (weight_shape)
    {
      weight_shape[0] = (int) l->out_size;
      weight_shape[1] = (int) l->in_size;
    }
  if (bias)
    *bias = net->params + l->offset + l->in_size * l->out_size;
  if (bias_len)
    *bias_len = (int) l->out_size;
  return TRUE;
}

/* x: n_x replicas of the input (1: one shared copy), already checked. */
static const float *
forward (NnNetwork *net, const float *const *x, int n_x, int n, gboolean training, NnRng *rng)
{
  const float *in = x[0];

  for (int i = 0; i < net->n_layers; i++)
    {
      Layer *l = &net->layers[i];
      size_t m = (size_t) n * l->out_size;
      float *w = net->params + l->offset;

      switch (l->spec.kind)
        {
        case NN_LAYER_DENSE:
          if (i == 0)
            nn_dense_forward_replicated (l->out, x, n_x, w, w + l->in_size * l->out_size, n,
                                         (int) l->in_size, (int) l->out_size);
          else
            nn_dense_forward (l->out, in, w, w + l->in_size * l->out_size, n,
                              (int) l->in_size, (int) l->out_size);
          break;
        case NN_LAYER_RELU:
          nn_relu_forward (l->out, in, m);
          break;
        case NN_LAYER_LEAKY_RELU:
          nn_leaky_relu_forward (l->out, in, l->spec.slope, m);
          break;
        case NN_LAYER_SIGMOID:
          nn_sigmoid_forward (l->out, in, m);
          break;
        case NN_LAYER_TANH:
          nn_tanh_forward (l->out, in, m);
          break;
        case NN_LAYER_SOFTMAX:
          nn_softmax_forward (l->out, in, n, (int) l->out_size);
          break;
        case NN_LAYER_DROPOUT:
          if (training && l->spec.rate > 0.0f && rng != NULL)
            {
              float keep = 1.0f - l->spec.rate, scale = 1.0f / keep;
              for (size_t k = 0; k < m; k++)
                l->mask[k] = nn_rng_uniform (rng) < keep ? scale : 0.0f;
            }
          else
            {
              for (size_t k = 0; k < m; k++)
                l->mask[k] = 1.0f;
            }
          nn_dropout_apply (l->out, in, l->mask, m);
          break;
        case NN_LAYER_FLATTEN:
          l->out = (float *) in;
          break;
        default:
          g_assert_not_reached ();
        }
      in = l->out;
    }

  /* Only a training pass leaves what backward needs; an evaluation pass
   * (predict, evaluate) overwrites the buffers and must not look usable. */
  net->n_x = training ? n_x : 0;
  for (int i = 0; i < n_x; i++)
    net->x[i] = x[i];
  net->last_n = training ? n : 0;
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
  if (first->spec.kind == NN_LAYER_DENSE)
    parts = nn_sgemm_parts (n, (int) first->out_size, (int) first->in_size);
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
      const float *in = i > 0 ? net->layers[i - 1].out : net->x[0];
      size_t m = (size_t) n * l->in_size;
      float *w = net->params + l->offset;
      float *dw = net->grads + l->offset;
      float *din;

      /* The first layer's input gradient is only wanted when asked for. */
      if (i == 0)
        din = dx;
      else
        {
          din = net->gbuf[which];
          which ^= 1;
        }

      switch (l->spec.kind)
        {
        case NN_LAYER_DENSE:
          {
            const float *const *ins = i > 0 ? &in : net->x;
            int n_in = i > 0 ? 1 : net->n_x;

            if (sgd)
              nn_dense_backward_sgd_replicated (din, w, w + l->in_size * l->out_size, g, ins, n_in,
                                                n, (int) l->in_size, (int) l->out_size,
                                                sgd[0], sgd[1]);
            else
              nn_dense_backward_replicated (din, dw, dw + l->in_size * l->out_size, g, ins, n_in,
                                            w, n, (int) l->in_size, (int) l->out_size);
          }
          break;
        case NN_LAYER_RELU:
          if (din)
            nn_relu_backward (din, g, in, m);
          break;
        case NN_LAYER_LEAKY_RELU:
          if (din)
            nn_leaky_relu_backward (din, g, in, l->spec.slope, m);
          break;
        case NN_LAYER_SIGMOID:
          if (din)
            nn_sigmoid_backward (din, g, l->out, m);
          break;
        case NN_LAYER_TANH:
          if (din)
            nn_tanh_backward (din, g, l->out, m);
          break;
        case NN_LAYER_SOFTMAX:
          if (din)
            nn_softmax_backward (din, g, l->out, n, (int) l->out_size);
          break;
        case NN_LAYER_DROPOUT:
          if (din)
            nn_dropout_apply (din, g, l->mask, m);
          break;
        case NN_LAYER_FLATTEN:
          if (din)
            memcpy (din, g, sizeof (float) * m);
          break;
        default:
          g_assert_not_reached ();
        }
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
