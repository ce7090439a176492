/* nn-graph.c: a tiny reverse-mode automatic differentiation graph.
 *
 * Each node keeps its value and its gradient as two (rows, cols) buffers.
 * Shapes are checked when a node is made, so forward and backward cannot
 * fail on shapes. Plain loops throughout, no BLAS: the matrices are small and
 * the point is that each backward reads like its derivation (see the header
 * for what this is not).
 */
#include "nn-graph.h"
#include "nn-kernels.h"

#include <math.h>
#include <string.h>

typedef enum
{
  OP_INPUT,
  OP_ADD,
  OP_MUL,
  OP_LINEAR,
  OP_SIGMOID,
  OP_SOFTMAX_CROSS_ENTROPY,
} Op;

typedef struct
{
  Op      op;
  int     rows, cols;
  int     arg[3];   /* input nodes, -1 when unused */
  float  *value;    /* (rows, cols) */
  float  *grad;     /* (rows, cols) */
  gint32 *labels;   /* softmax-cross-entropy: (rows of the logits) */
  float  *probs;    /* softmax-cross-entropy: softmax of the logits, for backward */
} Node;

struct _NnGraph
{
  GArray  *nodes;   /* of Node; creation order is a topological order */
  gboolean fresh;   /* values are up to date with the inputs */
};

static const char *
op_name (Op op)
{
  switch (op)
    {
    case OP_INPUT: return "input";
    case OP_ADD: return "add";
    case OP_MUL: return "multiply";
    case OP_LINEAR: return "linear";
    case OP_SIGMOID: return "sigmoid";
    case OP_SOFTMAX_CROSS_ENTROPY: return "softmax-cross-entropy";
    }
  return "unknown";
}

static Node *
node_at (const NnGraph *g, int i)
{
  return &g_array_index (g->nodes, Node, i);
}

static size_t
node_size (const Node *n)
{
  return (size_t) n->rows * n->cols;
}

NnGraph *
nn_graph_new (void)
{
  NnGraph *g = g_new0 (NnGraph, 1);

  g->nodes = g_array_new (FALSE, TRUE, sizeof (Node));
  g->fresh = TRUE;
  return g;
}

void
nn_graph_free (NnGraph *g)
{
  if (g == NULL)
    return;
  for (guint i = 0; i < g->nodes->len; i++)
    {
      Node *n = node_at (g, i);
      g_free (n->value);
      g_free (n->grad);
      g_free (n->labels);
      g_free (n->probs);
    }
  g_array_unref (g->nodes);
  g_free (g);
}

static gboolean
check_node (const NnGraph *g, int node, GError **error)
{
  if (node < 0 || (guint) node >= g->nodes->len)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "Node %d does not exist in this graph of %u nodes.", node, g->nodes->len);
      return FALSE;
    }
  return TRUE;
}

/* Appends a node with zeroed buffers; returns its index or -1. */
static int
add_node (NnGraph *g, Op op, int rows, int cols, int a, int b, int c, GError **error)
{
  Node n = { 0 };

  if (rows < 1 || cols < 1 || (gint64) rows * cols > NN_GRAPH_MAX_ELEMENTS)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_SHAPE,
                   "A graph matrix must have between 1 and %d elements, not %d×%d.",
                   NN_GRAPH_MAX_ELEMENTS, rows, cols);
      return -1;
    }
  n.op = op;
  n.rows = rows;
  n.cols = cols;
  n.arg[0] = a;
  n.arg[1] = b;
  n.arg[2] = c;
  n.value = g_try_new0 (float, node_size (&n));
  n.grad = g_try_new0 (float, node_size (&n));
  if (n.value == NULL || n.grad == NULL)
    {
      g_free (n.value);
      g_free (n.grad);
      g_set_error (error, NN_ERROR, NN_ERROR_NO_MEMORY,
                   "Out of memory for a %d×%d graph matrix.", rows, cols);
      return -1;
    }
  g_array_append_val (g->nodes, n);
  g->fresh = FALSE;
  return (int) g->nodes->len - 1;
}

int
nn_graph_input (NnGraph *g, int rows, int cols, const float *values, GError **error)
{
  int i = add_node (g, OP_INPUT, rows, cols, -1, -1, -1, error);

  if (i >= 0 && values != NULL)
    memcpy (node_at (g, i)->value, values, node_size (node_at (g, i)) * sizeof (float));
  return i;
}

gboolean
nn_graph_set_input (NnGraph *g, int node, const float *values, GError **error)
{
  Node *n;

  if (!check_node (g, node, error))
    return FALSE;
  n = node_at (g, node);
  if (n->op != OP_INPUT)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "Node %d is a %s node, not an input, so its value cannot be set.",
                   node, op_name (n->op));
      return FALSE;
    }
  memcpy (n->value, values, node_size (n) * sizeof (float));
  g->fresh = FALSE;
  return TRUE;
}

int
nn_graph_add (NnGraph *g, int a, int b, GError **error)
{
  const Node *na, *nb;

  if (!check_node (g, a, error) || !check_node (g, b, error))
    return -1;
  na = node_at (g, a);
  nb = node_at (g, b);
  if (na->cols != nb->cols || (na->rows != nb->rows && na->rows != 1 && nb->rows != 1))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_SHAPE,
                   "Cannot add a %d×%d matrix to a %d×%d one: shapes must match, "
                   "or one must be a single row of the same width.",
                   nb->rows, nb->cols, na->rows, na->cols);
      return -1;
    }
  return add_node (g, OP_ADD, MAX (na->rows, nb->rows), na->cols, a, b, -1, error);
}

int
nn_graph_mul (NnGraph *g, int a, int b, GError **error)
{
  const Node *na, *nb;

  if (!check_node (g, a, error) || !check_node (g, b, error))
    return -1;
  na = node_at (g, a);
  nb = node_at (g, b);
  if (na->rows != nb->rows || na->cols != nb->cols)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_SHAPE,
                   "Cannot multiply a %d×%d matrix elementwise by a %d×%d one: "
                   "shapes must match.", na->rows, na->cols, nb->rows, nb->cols);
      return -1;
    }
  return add_node (g, OP_MUL, na->rows, na->cols, a, b, -1, error);
}

int
nn_graph_linear (NnGraph *g, int x, int w, int b, GError **error)
{
  const Node *nx, *nw, *nb;

  if (!check_node (g, x, error) || !check_node (g, w, error) || !check_node (g, b, error))
    return -1;
  nx = node_at (g, x);
  nw = node_at (g, w);
  nb = node_at (g, b);
  if (nx->cols != nw->rows)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_SHAPE,
                   "Cannot multiply X (%d×%d) by W (%d×%d): W needs as many rows "
                   "as X has columns.", nx->rows, nx->cols, nw->rows, nw->cols);
      return -1;
    }
  if (nb->rows != 1 || nb->cols != nw->cols)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_SHAPE,
                   "The bias of a linear node with %d outputs must be 1×%d, not %d×%d.",
                   nw->cols, nw->cols, nb->rows, nb->cols);
      return -1;
    }
  return add_node (g, OP_LINEAR, nx->rows, nw->cols, x, w, b, error);
}

int
nn_graph_sigmoid (NnGraph *g, int x, GError **error)
{
  const Node *nx;

  if (!check_node (g, x, error))
    return -1;
  nx = node_at (g, x);
  return add_node (g, OP_SIGMOID, nx->rows, nx->cols, x, -1, -1, error);
}

int
nn_graph_softmax_cross_entropy (NnGraph *g, int logits, const gint32 *labels, GError **error)
{
  const Node *nz;
  gint32 *copy = NULL;
  float *probs = NULL;
  int i = -1;

  if (!check_node (g, logits, error))
    goto out;
  nz = node_at (g, logits);
  if (labels == NULL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "Softmax-cross-entropy needs one label per row of the logits.");
      goto out;
    }
  for (int r = 0; r < nz->rows; r++)
    if (labels[r] < 0 || labels[r] >= nz->cols)
      {
        g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                     "Label %d of row %d is not a class of logits with %d columns.",
                     (int) labels[r], r, nz->cols);
        goto out;
      }
  copy = g_try_new (gint32, nz->rows);
  probs = g_try_new0 (float, node_size (nz));
  if (copy == NULL || probs == NULL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_NO_MEMORY,
                   "Out of memory for softmax-cross-entropy over %d×%d logits.",
                   nz->rows, nz->cols);
      goto out;
    }
  memcpy (copy, labels, nz->rows * sizeof (gint32));
  i = add_node (g, OP_SOFTMAX_CROSS_ENTROPY, 1, 1, logits, -1, -1, error);
  if (i >= 0)
    {
      node_at (g, i)->labels = g_steal_pointer (&copy);
      node_at (g, i)->probs = g_steal_pointer (&probs);
    }

out:
  g_free (copy);
  g_free (probs);
  return i;
}

/* Index into a (rows, cols) operand that may be a broadcast (1, cols) row. */
static inline size_t
bcast (const Node *n, int r, int c)
{
  return (size_t) (n->rows == 1 ? 0 : r) * n->cols + c;
}

static void
forward_node (NnGraph *g, Node *n)
{
  const Node *a = n->arg[0] >= 0 ? node_at (g, n->arg[0]) : NULL;
  const Node *b = n->arg[1] >= 0 ? node_at (g, n->arg[1]) : NULL;
  const Node *c = n->arg[2] >= 0 ? node_at (g, n->arg[2]) : NULL;

  switch (n->op)
    {
    case OP_INPUT:
      break;

    case OP_ADD:
      for (int r = 0; r < n->rows; r++)
        for (int k = 0; k < n->cols; k++)
          n->value[(size_t) r * n->cols + k] = a->value[bcast (a, r, k)] + b->value[bcast (b, r, k)];
      break;

    case OP_MUL:
      for (size_t k = 0; k < node_size (n); k++)
        n->value[k] = a->value[k] * b->value[k];
      break;

    case OP_LINEAR:
      /* a = X (n, in), b = W (in, out), c = bias (1, out) */
      for (int r = 0; r < n->rows; r++)
        for (int o = 0; o < n->cols; o++)
          {
            double s = c->value[o];
            for (int k = 0; k < a->cols; k++)
              s += (double) a->value[(size_t) r * a->cols + k] * b->value[(size_t) k * b->cols + o];
            n->value[(size_t) r * n->cols + o] = (float) s;
          }
      break;

    case OP_SIGMOID:
      nn_sigmoid_forward (n->value, a->value, node_size (n));
      break;

    case OP_SOFTMAX_CROSS_ENTROPY:
      {
        double total = 0.0;

        /* log-sum-exp shifted by the row's maximum, so no exp overflows. */
        for (int r = 0; r < a->rows; r++)
          {
            const float *z = a->value + (size_t) r * a->cols;
            float *p = n->probs + (size_t) r * a->cols;
            float zmax = z[0];
            double sum = 0.0;

            for (int k = 1; k < a->cols; k++)
              zmax = MAX (zmax, z[k]);
            for (int k = 0; k < a->cols; k++)
              sum += exp ((double) z[k] - zmax);
            for (int k = 0; k < a->cols; k++)
              p[k] = (float) (exp ((double) z[k] - zmax) / sum);
            total += log (sum) + zmax - z[n->labels[r]];
          }
        n->value[0] = (float) (total / a->rows);
      }
      break;
    }
}

void
nn_graph_forward (NnGraph *g)
{
  for (guint i = 0; i < g->nodes->len; i++)
    forward_node (g, node_at (g, i));
  g->fresh = TRUE;
}

/* Adds node @n's contribution to the gradients of its inputs. */
static void
backward_node (NnGraph *g, const Node *n)
{
  Node *a = n->arg[0] >= 0 ? node_at (g, n->arg[0]) : NULL;
  Node *b = n->arg[1] >= 0 ? node_at (g, n->arg[1]) : NULL;
  Node *c = n->arg[2] >= 0 ? node_at (g, n->arg[2]) : NULL;
  const float *dy = n->grad;

  switch (n->op)
    {
    case OP_INPUT:
      break;

    case OP_ADD:
      /* A broadcast row was added to every row, so its gradient sums them. */
      for (int r = 0; r < n->rows; r++)
        for (int k = 0; k < n->cols; k++)
          {
            float d = dy[(size_t) r * n->cols + k];
            a->grad[bcast (a, r, k)] += d;
            b->grad[bcast (b, r, k)] += d;
          }
      break;

    case OP_MUL:
      for (size_t k = 0; k < node_size (n); k++)
        {
          a->grad[k] += dy[k] * b->value[k];
          b->grad[k] += dy[k] * a->value[k];
        }
      break;

    case OP_LINEAR:
      /* dX = dY W^T, dW = X^T dY, db = column sums of dY */
      for (int r = 0; r < n->rows; r++)
        for (int o = 0; o < n->cols; o++)
          {
            float d = dy[(size_t) r * n->cols + o];
            for (int k = 0; k < a->cols; k++)
              {
                a->grad[(size_t) r * a->cols + k] += d * b->value[(size_t) k * b->cols + o];
                b->grad[(size_t) k * b->cols + o] += d * a->value[(size_t) r * a->cols + k];
              }
            c->grad[o] += d;
          }
      break;

    case OP_SIGMOID:
      /* s' = s (1 - s), from the output we already have. */
      for (size_t k = 0; k < node_size (n); k++)
        a->grad[k] += dy[k] * n->value[k] * (1.0f - n->value[k]);
      break;

    case OP_SOFTMAX_CROSS_ENTROPY:
      {
        float scale = dy[0] / a->rows;

        for (int r = 0; r < a->rows; r++)
          for (int k = 0; k < a->cols; k++)
            {
              size_t at = (size_t) r * a->cols + k;
              a->grad[at] += scale * (n->probs[at] - (k == n->labels[r] ? 1.0f : 0.0f));
            }
      }
      break;
    }
}

gboolean
nn_graph_backward (NnGraph *g, int node, const float *upstream, GError **error)
{
  Node *top;

  if (!check_node (g, node, error))
    return FALSE;
  if (!g->fresh)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "The graph changed since its last forward pass; run forward before backward.");
      return FALSE;
    }
  for (guint i = 0; i < g->nodes->len; i++)
    memset (node_at (g, i)->grad, 0, node_size (node_at (g, i)) * sizeof (float));
  top = node_at (g, node);
  if (upstream != NULL)
    memcpy (top->grad, upstream, node_size (top) * sizeof (float));
  else
    for (size_t k = 0; k < node_size (top); k++)
      top->grad[k] = 1.0f;
  /* Every node a node depends on was made before it, so walking back from
   * @node visits each one after all of its consumers have added to it. */
  for (int i = node; i >= 0; i--)
    backward_node (g, node_at (g, i));
  return TRUE;
}

int
nn_graph_get_n_nodes (const NnGraph *g)
{
  return (int) g->nodes->len;
}

gboolean
nn_graph_get_shape (const NnGraph *g, int node, int *rows, int *cols)
{
  if (!check_node (g, node, NULL))
    return FALSE;
  if (rows != NULL)
    *rows = node_at (g, node)->rows;
  if (cols != NULL)
    *cols = node_at (g, node)->cols;
  return TRUE;
}

const float *
nn_graph_value (const NnGraph *g, int node)
{
  if (!check_node (g, node, NULL))
    return NULL;
  return node_at (g, node)->value;
}

const float *
nn_graph_grad (const NnGraph *g, int node)
{
  if (!check_node (g, node, NULL))
    return NULL;
  return node_at (g, node)->grad;
}
