/* nn-optim.c: SGD, momentum (optionally Nesterov) and Adam, one loop each
 * over the parameter block's trainable ranges (for a network: its tensors
 * but for the buffers, which lie between them as the state_dict orders
 * them; contiguous trainable tensors are one range). */
#include "nn-optim.h"
#include "nn-kernels.h"

#include <math.h>
#include <string.h>

typedef struct
{
  size_t begin, end;   /* floats [begin, end) of the block */
} Range;

struct _NnOptimizer
{
  NnOptimConfig config;
  size_t        n;
  guint64       t;
  float        *m;   /* (n) momentum velocity, or Adam's first moment */
  float        *v;   /* (n) Adam's second moment */
  int           n_ranges;
  Range        *ranges;   /* (n_ranges) the floats stepped, in order */
};

static const char *names[NN_N_OPTIMS] = { "sgd", "momentum", "adam" };
static const char *labels[NN_N_OPTIMS] = { "SGD", "SGD with momentum", "Adam" };

const char *
nn_optim_name (NnOptimKind kind)
{
  return kind < NN_N_OPTIMS ? names[kind] : "unknown";
}

const char *
nn_optim_label (NnOptimKind kind)
{
  return kind < NN_N_OPTIMS ? labels[kind] : "Unknown";
}

gboolean
nn_optim_from_name (const char *name, NnOptimKind *kind)
{
  for (int i = 0; i < NN_N_OPTIMS; i++)
    if (g_ascii_strcasecmp (name, names[i]) == 0)
      {
        *kind = (NnOptimKind) i;
        return TRUE;
      }
  return FALSE;
}

NnOptimConfig
nn_optim_config_default (NnOptimKind kind)
{
  NnOptimConfig c = {
    .kind = kind,
    .lr = kind == NN_OPTIM_ADAM ? 0.001f : 0.1f,
    .momentum = 0.9f,
    .nesterov = FALSE,
    .beta1 = 0.9,
    .beta2 = 0.999,
    .eps = 1e-8f,
    .weight_decay = 0.0f,
  };
  return c;
}

static gboolean
check_config (const NnOptimConfig *c, GError **error)
{
  if (c->kind >= NN_N_OPTIMS)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT, "Unknown optimizer.");
      return FALSE;
    }
  if (!isfinite (c->lr) || c->lr <= 0.0f || c->lr > 1e3f)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "The learning rate must be a positive number up to 1000, not %g.",
                   (double) c->lr);
      return FALSE;
    }
  if (!(c->momentum >= 0.0f && c->momentum < 1.0f))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "Momentum must be at least 0 and below 1, not %g.", (double) c->momentum);
      return FALSE;
    }
  if (!(c->beta1 >= 0.0 && c->beta1 < 1.0 && c->beta2 >= 0.0 && c->beta2 < 1.0
        && c->eps > 0.0f))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "Adam's betas must be in [0, 1) and its epsilon positive.");
      return FALSE;
    }
  if (!(c->weight_decay >= 0.0f && isfinite (c->weight_decay)))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "Weight decay must be zero or positive, not %g.", (double) c->weight_decay);
      return FALSE;
    }
  return TRUE;
}

NnOptimizer *
nn_optimizer_new (const NnOptimConfig *config, size_t n_params, GError **error)
{
  NnParamInfo all = { .role = NN_PARAM_TRAINABLE, .rank = 1, .shape = { (int) n_params },
                      .size = n_params, .offset = 0 };

  return nn_optimizer_new_for_table (config, &all, n_params > 0, n_params, error);
}

NnOptimizer *
nn_optimizer_new_for_table (const NnOptimConfig *config, const NnParamInfo *table, int n_table,
                            size_t n_params, GError **error)
{
  NnOptimizer *opt;

  if (!check_config (config, error))
    return NULL;
  opt = g_new0 (NnOptimizer, 1);
  opt->config = *config;
  opt->n = n_params;
  /* A parameter table lists its tensors in the order of the block. */
  opt->ranges = g_new (Range, MAX (n_table, 1));
  for (int k = 0; k < n_table; k++)
    {
      size_t begin = table[k].offset, end = table[k].offset + table[k].size;
      size_t last = opt->n_ranges > 0 ? opt->ranges[opt->n_ranges - 1].end : 0;

      g_assert (end <= n_params && begin >= last);
      if (table[k].role != NN_PARAM_TRAINABLE || begin == end)
        continue;
      if (opt->n_ranges > 0 && last == begin)
        opt->ranges[opt->n_ranges - 1].end = end;
      else
        opt->ranges[opt->n_ranges++] = (Range) { begin, end };
    }
  if (config->kind != NN_OPTIM_SGD)
    opt->m = g_try_new0 (float, MAX (n_params, 1));
  if (config->kind == NN_OPTIM_ADAM)
    opt->v = g_try_new0 (float, MAX (n_params, 1));
  if ((config->kind != NN_OPTIM_SGD && opt->m == NULL)
      || (config->kind == NN_OPTIM_ADAM && opt->v == NULL))
    {
      nn_optimizer_free (opt);
      g_set_error (error, NN_ERROR, NN_ERROR_NO_MEMORY, "Not enough memory for the optimizer.");
      return NULL;
    }
  return opt;
}

void
nn_optimizer_free (NnOptimizer *opt)
{
  if (opt == NULL)
    return;
  g_free (opt->m);
  g_free (opt->v);
  g_free (opt->ranges);
  g_free (opt);
}

void
nn_optimizer_set_lr (NnOptimizer *opt, float lr)
{
  if (isfinite (lr) && lr > 0.0f)
    opt->config.lr = lr;
}

float
nn_optimizer_get_lr (const NnOptimizer *opt)
{
  return opt->config.lr;
}

guint64
nn_optimizer_get_t (const NnOptimizer *opt)
{
  return opt->t;
}

void
nn_optimizer_count_step (NnOptimizer *opt)
{
  opt->t++;
}

size_t
nn_optimizer_get_n_params (const NnOptimizer *opt)
{
  return opt->n;
}

const float *
nn_optimizer_get_m (const NnOptimizer *opt)
{
  return opt->m;
}

const float *
nn_optimizer_get_v (const NnOptimizer *opt)
{
  return opt->v;
}

void
nn_optimizer_restore (NnOptimizer *opt, guint64 t, const float *m, const float *v)
{
  g_return_if_fail ((m != NULL) == (opt->m != NULL) && (v != NULL) == (opt->v != NULL));
  opt->t = t;
  if (m != NULL)
    memcpy (opt->m, m, opt->n * sizeof (float));
  if (v != NULL)
    memcpy (opt->v, v, opt->n * sizeof (float));
}

/* Below this many weights, one core updates them all. */
#define NN_STEP_SHARED 65536

typedef struct
{
  NnOptimizer *opt;
  float *params;
  const float *grads;
  /* Adam's coefficients, worked out in double and rounded once */
  float b1, one_minus_b1, b2, one_minus_b2;
  float step, inv_sqrt_bc2;  /* lr / (1 - b1^t), 1 / sqrt (1 - b2^t) */
} Step;

static void
step_range (const Step *s, size_t i0, size_t i1)
{
  const NnOptimConfig *c = &s->opt->config;
  const float lr = c->lr, wd = c->weight_decay, mu = c->momentum;
  const gboolean nesterov = c->nesterov;
  float *params = s->params, *ms = s->opt->m, *vs = s->opt->v;
  const float *grads = s->grads;

  switch (c->kind)
    {
    case NN_OPTIM_SGD:
      for (size_t i = i0; i < i1; i++)
        params[i] -= lr * (grads[i] + wd * params[i]);
      break;

    case NN_OPTIM_MOMENTUM:
      for (size_t i = i0; i < i1; i++)
        {
          float g = grads[i] + wd * params[i];
          float v = mu * ms[i] + g;
          ms[i] = v;
          params[i] -= lr * (nesterov ? g + mu * v : v);
        }
      break;

    case NN_OPTIM_ADAM:
      {
        /* in locals: a store through a float pointer could change them */
        const float b1 = s->b1, a1 = s->one_minus_b1, b2 = s->b2, a2 = s->one_minus_b2;
        const float eps = c->eps, step = s->step, inv_sqrt_bc2 = s->inv_sqrt_bc2;

        for (size_t i = i0; i < i1; i++)
          {
            float g = grads[i] + wd * params[i];
            float m = b1 * ms[i] + a1 * g;
            float v = b2 * vs[i] + a2 * g * g;
            ms[i] = m;
            vs[i] = v;
            params[i] -= step * m / (sqrtf (v) * inv_sqrt_bc2 + eps);
          }
      }
      break;

    default:
      break;
    }
}

static void
step_part (void *data, int part, int parts)
{
  const Step *s = data;
  size_t n = s->opt->n;
  /* whole cache lines to each part */
  size_t i0 = part == 0 ? 0 : (n * part / parts) & ~(size_t) 15;
  size_t i1 = part == parts - 1 ? n : (n * (part + 1) / parts) & ~(size_t) 15;

  /* The part's share of the block, as far as it is trainable. */
  for (int r = 0; r < s->opt->n_ranges; r++)
    {
      size_t b = MAX (i0, s->opt->ranges[r].begin), e = MIN (i1, s->opt->ranges[r].end);

      if (b < e)
        step_range (s, b, e);
    }
}

void
nn_optimizer_step (NnOptimizer *opt, float *params, const float *grads)
{
  const NnOptimConfig *c = &opt->config;
  Step s = { opt, params, grads };

  opt->t++;
  if (c->kind == NN_OPTIM_ADAM)
    {
      s.b1 = (float) c->beta1;
      s.one_minus_b1 = (float) (1.0 - c->beta1);
      s.b2 = (float) c->beta2;
      s.one_minus_b2 = (float) (1.0 - c->beta2);
      s.step = (float) (c->lr / (1.0 - pow (c->beta1, (double) opt->t)));
      s.inv_sqrt_bc2 = (float) (1.0 / sqrt (1.0 - pow (c->beta2, (double) opt->t)));
    }
  /* Every weight's update is independent, so sharing them out between the
   * cores changes no number. Each core updates about the part of the
   * weights its share of the products touched (see nn-kernels.c). */
  nn_team_run (opt->n >= NN_STEP_SHARED ? nn_team_get_threads () : 1, step_part, &s);
}
