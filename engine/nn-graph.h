/* nn-graph.h: a tiny reverse-mode automatic differentiation graph.
 *
 * The classic "computational graph" exercise, for teaching: nodes hold small
 * row-major float matrices; an operation's node is created from nodes that
 * already exist, so the order of creation is a topological order, forward
 * walks it front to back and backward walks it back to front, adding each
 * node's contribution into the gradients of its inputs (a node used twice
 * collects both contributions).
 *
 * It is not the training engine: nn-network.h is, with BLAS and one
 * parameter block. Here everything is plain loops on separate buffers so
 * that each node's backward reads like the formula on the blackboard.
 *
 * Nodes are ints (>= 0); a function that cannot build a node returns -1 and
 * sets @error (NN_ERROR_SHAPE for shapes that do not fit, NN_ERROR_INVALID_
 * ARGUMENT for a node that does not exist or a bad label).
 */
#pragma once

#include "nn-types.h"

G_BEGIN_DECLS

typedef struct _NnGraph NnGraph;

/* Matrices are limited to this many elements: a teaching graph, not a tensor
 * library, and a typo in a size should not allocate gigabytes. */
#define NN_GRAPH_MAX_ELEMENTS (1 << 22)

NnGraph     *nn_graph_new          (void);
void         nn_graph_free         (NnGraph *g);

/* A constant or variable (rows, cols) matrix; @values (rows*cols) is copied,
 * or NULL for zeros. Every input gets a gradient in backward. */
int          nn_graph_input        (NnGraph *g, int rows, int cols, const float *values,
                                    GError **error);
/* Replaces an input's values (rows*cols, the shape it was made with). Values
 * computed from it are stale until the next nn_graph_forward(). */
gboolean     nn_graph_set_input    (NnGraph *g, int node, const float *values, GError **error);

/* a + b: same shape, or one of them a (1, c) row added to every row of the
 * other's (r, c). */
int          nn_graph_add          (NnGraph *g, int a, int b, GError **error);
/* a * b elementwise, same shape. */
int          nn_graph_mul          (NnGraph *g, int a, int b, GError **error);
/* x (n, in) @ w (in, out) + b (1, out) -> (n, out). W is (in, out) here as in
 * the exercise, unlike the network's dense layer. */
int          nn_graph_linear       (NnGraph *g, int x, int w, int b, GError **error);
/* 1 / (1 + exp(-x)) elementwise. */
int          nn_graph_sigmoid      (NnGraph *g, int x, GError **error);
/* Mean over the n rows of -log softmax(logits)[label]: logits (n, c), @labels
 * (n) in [0, c), copied -> (1, 1). */
int          nn_graph_softmax_cross_entropy (NnGraph *g, int logits, const gint32 *labels,
                                             GError **error);

/* Computes every node's value from the inputs. */
void         nn_graph_forward      (NnGraph *g);
/* Gradients of sum(upstream * value(@node)) with respect to every node that
 * @node depends on; @upstream has @node's shape, or NULL for all ones.
 * Earlier gradients are cleared first. Fails if the values are stale (no
 * forward since the graph or an input changed). */
gboolean     nn_graph_backward     (NnGraph *g, int node, const float *upstream, GError **error);

int          nn_graph_get_n_nodes  (const NnGraph *g);
/* FALSE for a node that does not exist. */
gboolean     nn_graph_get_shape    (const NnGraph *g, int node, int *rows, int *cols);
/* (rows*cols), owned by the graph, or NULL for a node that does not exist.
 * The gradient is zero for nodes the last backward did not reach. */
const float *nn_graph_value        (const NnGraph *g, int node);
const float *nn_graph_grad         (const NnGraph *g, int node);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnGraph, nn_graph_free)

G_END_DECLS
