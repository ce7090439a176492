/* test-graph.c: the expression graph (nn-graph.h).
 *
 * The worked examples of the classic computational-graph exercise, with
 * their known values and gradients; a central-difference check of every
 * node kind on random inputs; and the errors for shapes that do not fit.
 */
#include "nn-graph.h"
#include "nn-rng.h"

#include <math.h>
#include <string.h>

static void
assert_floats (const float *got, const float *want, int n, float tol)
{
  for (int i = 0; i < n; i++)
    if (fabsf (got[i] - want[i]) > tol)
      g_error ("element %d: got %.6f, want %.6f (tolerance %g)", i, got[i], want[i], tol);
}

static int
input (NnGraph *g, int rows, int cols, const float *values)
{
  GError *error = NULL;
  int node = nn_graph_input (g, rows, cols, values, &error);

  g_assert_no_error (error);
  g_assert_cmpint (node, >=, 0);
  return node;
}

static void
test_scalar (void)
{
  NnGraph *g = nn_graph_new ();
  GError *error = NULL;
  float x = 3, y = 4, z = -5, one = 1;
  int nx = input (g, 1, 1, &x), ny = input (g, 1, 1, &y), nz = input (g, 1, 1, &z);
  int xy = nn_graph_mul (g, nx, ny, &error);
  int xz = nn_graph_mul (g, nx, nz, &error);
  int f = nn_graph_add (g, xy, xz, &error);

  g_assert_no_error (error);
  nn_graph_forward (g);
  g_assert_cmpfloat (nn_graph_value (g, f)[0], ==, -3.0f);
  g_assert_true (nn_graph_backward (g, f, NULL, &error));
  g_assert_no_error (error);
  /* x is used twice: both paths must add into its gradient. */
  g_assert_cmpfloat (nn_graph_grad (g, nx)[0], ==, -1.0f);
  g_assert_cmpfloat (nn_graph_grad (g, ny)[0], ==, 3.0f);
  g_assert_cmpfloat (nn_graph_grad (g, nz)[0], ==, 3.0f);

  /* A second backward starts from clean gradients rather than adding on. */
  g_assert_true (nn_graph_backward (g, f, &one, &error));
  g_assert_cmpfloat (nn_graph_grad (g, nx)[0], ==, -1.0f);

  /* New input values take effect at the next forward. */
  x = 2;
  g_assert_true (nn_graph_set_input (g, nx, &x, &error));
  nn_graph_forward (g);
  g_assert_cmpfloat (nn_graph_value (g, f)[0], ==, -2.0f);
  nn_graph_free (g);
}

static void
test_linear (void)
{
  NnGraph *g = nn_graph_new ();
  GError *error = NULL;
  const float xv[] = { -1, -2, -1, -2 }, wv[] = { 2, -3, 2, -3 }, bv[] = { -3, -3 };
  const float want_y[] = { -9, 6, -9, 6 };
  const float want_dx[] = { -1, -1, -1, -1 }, want_dw[] = { -2, -2, -4, -4 }, want_db[] = { 2, 2 };
  int x = input (g, 2, 2, xv), w = input (g, 2, 2, wv), b = input (g, 1, 2, bv);
  int y = nn_graph_linear (g, x, w, b, &error);
  int rows, cols;

  g_assert_no_error (error);
  g_assert_true (nn_graph_get_shape (g, y, &rows, &cols));
  g_assert_cmpint (rows, ==, 2);
  g_assert_cmpint (cols, ==, 2);
  nn_graph_forward (g);
  assert_floats (nn_graph_value (g, y), want_y, 4, 0);
  g_assert_true (nn_graph_backward (g, y, NULL, &error));
  assert_floats (nn_graph_grad (g, x), want_dx, 4, 0);
  assert_floats (nn_graph_grad (g, w), want_dw, 4, 0);
  assert_floats (nn_graph_grad (g, b), want_db, 2, 0);
  nn_graph_free (g);
}

static void
test_sigmoid (void)
{
  NnGraph *g = nn_graph_new ();
  GError *error = NULL;
  const float xv[] = { -10, 0, 10 }, want_y[] = { 0, 0.5f, 1 }, want_dx[] = { 0, 0.25f, 0 };
  const float big[] = { -1000, 1000, -90 };
  int x = input (g, 1, 3, xv), y = nn_graph_sigmoid (g, x, &error);

  g_assert_no_error (error);
  nn_graph_forward (g);
  assert_floats (nn_graph_value (g, y), want_y, 3, 1e-4f);
  g_assert_true (nn_graph_backward (g, y, NULL, &error));
  assert_floats (nn_graph_grad (g, x), want_dx, 3, 1e-4f);

  /* Far in the tails the value saturates instead of becoming NaN. */
  g_assert_true (nn_graph_set_input (g, x, big, &error));
  nn_graph_forward (g);
  g_assert_cmpfloat (nn_graph_value (g, y)[0], ==, 0.0f);
  g_assert_cmpfloat (nn_graph_value (g, y)[1], ==, 1.0f);
  g_assert_true (isfinite (nn_graph_value (g, y)[2]));
  nn_graph_free (g);
}

static void
test_softmax_cross_entropy (void)
{
  NnGraph *g = nn_graph_new ();
  GError *error = NULL;
  const float zv[] = { 0.5f, 1.0f, 1.5f }, want_dz[] = { 0.1863f, -0.6928f, 0.5064f };
  const float huge[] = { 1000, 0, -1000 };
  const gint32 label = 1;
  int z = input (g, 1, 3, zv), loss = nn_graph_softmax_cross_entropy (g, z, &label, &error);
  int rows, cols;

  g_assert_no_error (error);
  g_assert_true (nn_graph_get_shape (g, loss, &rows, &cols));
  g_assert_cmpint (rows * cols, ==, 1);
  nn_graph_forward (g);
  g_assert_cmpfloat_with_epsilon (nn_graph_value (g, loss)[0], 1.1802f, 1e-4);
  g_assert_true (nn_graph_backward (g, loss, NULL, &error));
  assert_floats (nn_graph_grad (g, z), want_dz, 3, 1e-4f);

  /* Logits far apart: the shifted log-sum-exp keeps the loss finite. */
  g_assert_true (nn_graph_set_input (g, z, huge, &error));
  nn_graph_forward (g);
  g_assert_cmpfloat_with_epsilon (nn_graph_value (g, loss)[0], 1000.0f, 1e-2);
  nn_graph_free (g);
}

/* sum(r * value(out)) in double, after a fresh forward. */
static double
objective (NnGraph *g, int out, const float *r)
{
  int rows, cols;
  const float *y;
  double s = 0.0;

  nn_graph_forward (g);
  nn_graph_get_shape (g, out, &rows, &cols);
  y = nn_graph_value (g, out);
  for (int k = 0; k < rows * cols; k++)
    s += (double) r[k] * y[k];
  return s;
}

/* Relative error ||a - n|| / (||a|| + ||n||) between the gradients from
 * backward and central differences, over every element of @inputs. */
static double
grad_check (NnGraph *g, int out, const int *inputs, int n_inputs, guint64 seed, float tamper)
{
  const double eps = 1e-2;
  double diff2 = 0, a2 = 0, n2 = 0;
  int rows, cols;
  float *r;
  NnRng rng;

  nn_rng_init (&rng, seed, 3);
  g_assert_true (nn_graph_get_shape (g, out, &rows, &cols));
  r = g_new (float, rows * cols);
  for (int k = 0; k < rows * cols; k++)
    r[k] = nn_rng_range (&rng, -1, 1);

  nn_graph_forward (g);
  g_assert_true (nn_graph_backward (g, out, r, NULL));
  for (int i = 0; i < n_inputs; i++)
    {
      int irows, icols;
      float *x, *analytic;

      g_assert_true (nn_graph_get_shape (g, inputs[i], &irows, &icols));
      x = g_memdup2 (nn_graph_value (g, inputs[i]), irows * icols * sizeof (float));
      analytic = g_memdup2 (nn_graph_grad (g, inputs[i]), irows * icols * sizeof (float));
      analytic[0] += tamper;
      for (int k = 0; k < irows * icols; k++)
        {
          float saved = x[k];
          double plus, minus, numeric;

          x[k] = saved + eps;
          g_assert_true (nn_graph_set_input (g, inputs[i], x, NULL));
          plus = objective (g, out, r);
          x[k] = saved - eps;
          g_assert_true (nn_graph_set_input (g, inputs[i], x, NULL));
          minus = objective (g, out, r);
          x[k] = saved;
          g_assert_true (nn_graph_set_input (g, inputs[i], x, NULL));
          numeric = (plus - minus) / (2 * eps);
          diff2 += (analytic[k] - numeric) * (analytic[k] - numeric);
          a2 += (double) analytic[k] * analytic[k];
          n2 += numeric * numeric;
        }
      g_free (x);
      g_free (analytic);
    }
  g_free (r);
  g_assert_cmpfloat (a2, >, 0.0);  /* a check of all-zero gradients proves nothing */
  return sqrt (diff2) / (sqrt (a2) + sqrt (n2));
}

static int
random_input (NnGraph *g, NnRng *rng, int rows, int cols)
{
  float *v = g_new (float, rows * cols);
  int node;

  for (int k = 0; k < rows * cols; k++)
    v[k] = nn_rng_range (rng, -2, 2);
  node = input (g, rows, cols, v);
  g_free (v);
  return node;
}

typedef enum { K_ADD, K_ADD_BROADCAST, K_ADD_BROADCAST_LEFT, K_MUL, K_MUL_SELF, K_LINEAR,
               K_SIGMOID, K_SCE, K_MLP, N_KINDS } Kind;

static const char *kind_names[] = { "add", "add-broadcast", "add-broadcast-left", "mul",
                                    "mul-self", "linear", "sigmoid", "softmax-cross-entropy",
                                    "mlp" };

static void
test_grad_check (void)
{
  for (Kind kind = 0; kind < N_KINDS; kind++)
    for (guint64 seed = 1; seed <= 3; seed++)
      {
        NnGraph *g = nn_graph_new ();
        GError *error = NULL;
        int in[5], n_in = 0, out = -1;
        gint32 labels[4];
        NnRng rng;
        double err;

        nn_rng_init (&rng, seed, kind);
        for (int k = 0; k < 4; k++)
          labels[k] = nn_rng_below (&rng, 3);
        switch (kind)
          {
          case K_ADD:
            in[n_in++] = random_input (g, &rng, 3, 4);
            in[n_in++] = random_input (g, &rng, 3, 4);
            out = nn_graph_add (g, in[0], in[1], &error);
            break;
          case K_ADD_BROADCAST:
            in[n_in++] = random_input (g, &rng, 3, 4);
            in[n_in++] = random_input (g, &rng, 1, 4);
            out = nn_graph_add (g, in[0], in[1], &error);
            break;
          case K_ADD_BROADCAST_LEFT:
            in[n_in++] = random_input (g, &rng, 1, 4);
            in[n_in++] = random_input (g, &rng, 3, 4);
            out = nn_graph_add (g, in[0], in[1], &error);
            break;
          case K_MUL:
            in[n_in++] = random_input (g, &rng, 3, 4);
            in[n_in++] = random_input (g, &rng, 3, 4);
            out = nn_graph_mul (g, in[0], in[1], &error);
            break;
          case K_MUL_SELF:  /* x * x: the same node on both sides */
            in[n_in++] = random_input (g, &rng, 2, 3);
            out = nn_graph_mul (g, in[0], in[0], &error);
            break;
          case K_LINEAR:
            in[n_in++] = random_input (g, &rng, 4, 3);
            in[n_in++] = random_input (g, &rng, 3, 5);
            in[n_in++] = random_input (g, &rng, 1, 5);
            out = nn_graph_linear (g, in[0], in[1], in[2], &error);
            break;
          case K_SIGMOID:
            in[n_in++] = random_input (g, &rng, 3, 4);
            out = nn_graph_sigmoid (g, in[0], &error);
            break;
          case K_SCE:
            in[n_in++] = random_input (g, &rng, 4, 3);
            out = nn_graph_softmax_cross_entropy (g, in[0], labels, &error);
            break;
          case K_MLP:  /* sce(linear(sigmoid(linear(x))) ) */
            {
              int h, a;
              in[n_in++] = random_input (g, &rng, 4, 2);
              in[n_in++] = random_input (g, &rng, 2, 5);
              in[n_in++] = random_input (g, &rng, 1, 5);
              in[n_in++] = random_input (g, &rng, 5, 3);
              in[n_in++] = random_input (g, &rng, 1, 3);
              h = nn_graph_linear (g, in[0], in[1], in[2], &error);
              a = nn_graph_sigmoid (g, h, &error);
              h = nn_graph_linear (g, a, in[3], in[4], &error);
              out = nn_graph_softmax_cross_entropy (g, h, labels, &error);
            }
            break;
          case N_KINDS:
            g_assert_not_reached ();
          }
        g_assert_no_error (error);
        g_assert_cmpint (out, >=, 0);
        err = grad_check (g, out, in, n_in, seed, 0.0f);
        g_test_message ("%s, seed %" G_GUINT64_FORMAT ": relative error %.2e",
                        kind_names[kind], seed, err);
        if (!(err < 1e-2))
          g_error ("%s: relative error %g is not below 1e-2", kind_names[kind], err);
        nn_graph_free (g);
      }
}

/* The gradient check must be able to fail: one analytic element off by a
 * little gives an error well above the threshold. */
static void
test_grad_check_detects (void)
{
  NnGraph *g = nn_graph_new ();
  NnRng rng;
  int x, y;

  nn_rng_init (&rng, 9, 9);
  x = random_input (g, &rng, 3, 4);
  y = nn_graph_sigmoid (g, x, NULL);
  g_assert_cmpfloat (grad_check (g, y, &x, 1, 9, 0.0f), <, 1e-2);
  g_assert_cmpfloat (grad_check (g, y, &x, 1, 9, 0.1f), >, 1e-2);
  nn_graph_free (g);
}

static void
assert_fails (int node, GError **error, int code)
{
  g_assert_cmpint (node, ==, -1);
  g_assert_error (*error, NN_ERROR, code);
  g_test_message ("error: %s", (*error)->message);
  g_assert_cmpstr ((*error)->message + strlen ((*error)->message) - 1, ==, ".");
  g_clear_error (error);
}

static void
test_errors (void)
{
  NnGraph *g = nn_graph_new ();
  GError *error = NULL;
  const gint32 bad_label = 3, negative_label = -1;
  int a = input (g, 2, 3, NULL), b = input (g, 3, 2, NULL), row = input (g, 1, 2, NULL);
  int w = input (g, 3, 4, NULL), bias = input (g, 1, 4, NULL), col = input (g, 4, 1, NULL);
  int n_nodes = nn_graph_get_n_nodes (g), ok;

  assert_fails (nn_graph_add (g, a, b, &error), &error, NN_ERROR_SHAPE);
  assert_fails (nn_graph_add (g, a, row, &error), &error, NN_ERROR_SHAPE);
  assert_fails (nn_graph_add (g, row, a, &error), &error, NN_ERROR_SHAPE);
  assert_fails (nn_graph_mul (g, a, b, &error), &error, NN_ERROR_SHAPE);
  assert_fails (nn_graph_mul (g, a, input (g, 1, 3, NULL), &error), &error, NN_ERROR_SHAPE);
  n_nodes++;
  assert_fails (nn_graph_linear (g, b, w, bias, &error), &error, NN_ERROR_SHAPE); /* X 3x2, W 3x4 */
  assert_fails (nn_graph_linear (g, a, w, row, &error), &error, NN_ERROR_SHAPE);  /* bias 1x2 */
  assert_fails (nn_graph_linear (g, a, w, col, &error), &error, NN_ERROR_SHAPE);  /* bias 4x1 */
  assert_fails (nn_graph_softmax_cross_entropy (g, row, &bad_label, &error), &error,
                NN_ERROR_INVALID_ARGUMENT);
  assert_fails (nn_graph_softmax_cross_entropy (g, row, &negative_label, &error), &error,
                NN_ERROR_INVALID_ARGUMENT);
  assert_fails (nn_graph_softmax_cross_entropy (g, row, NULL, &error), &error,
                NN_ERROR_INVALID_ARGUMENT);
  assert_fails (nn_graph_add (g, a, 999, &error), &error, NN_ERROR_INVALID_ARGUMENT);
  assert_fails (nn_graph_sigmoid (g, -1, &error), &error, NN_ERROR_INVALID_ARGUMENT);
  assert_fails (nn_graph_input (g, 0, 3, NULL, &error), &error, NN_ERROR_SHAPE);
  assert_fails (nn_graph_input (g, -2, 3, NULL, &error), &error, NN_ERROR_SHAPE);
  assert_fails (nn_graph_input (g, 1 << 16, 1 << 16, NULL, &error), &error, NN_ERROR_SHAPE);
  /* Failed calls leave no half-made nodes behind. */
  g_assert_cmpint (nn_graph_get_n_nodes (g), ==, n_nodes);
  g_assert_null (nn_graph_value (g, n_nodes));
  g_assert_null (nn_graph_grad (g, -1));
  g_assert_false (nn_graph_get_shape (g, n_nodes, NULL, NULL));

  /* Only inputs can be set; backward needs fresh values. */
  ok = nn_graph_sigmoid (g, a, &error);
  g_assert_no_error (error);
  g_assert_false (nn_graph_set_input (g, ok, (float[6]) { 0 }, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (nn_graph_backward (g, ok, NULL, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  nn_graph_forward (g);
  g_assert_true (nn_graph_backward (g, ok, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (nn_graph_backward (g, 12345, NULL, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  nn_graph_free (g);
  nn_graph_free (NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/graph/scalar", test_scalar);
  g_test_add_func ("/engine/graph/linear", test_linear);
  g_test_add_func ("/engine/graph/sigmoid", test_sigmoid);
  g_test_add_func ("/engine/graph/softmax-cross-entropy", test_softmax_cross_entropy);
  g_test_add_func ("/engine/graph/grad-check", test_grad_check);
  g_test_add_func ("/engine/graph/grad-check-detects", test_grad_check_detects);
  g_test_add_func ("/engine/graph/errors", test_errors);
  return g_test_run ();
}
