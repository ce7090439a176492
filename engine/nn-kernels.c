/* nn-kernels.c: the kernels, with BLAS for the products.
 *
 * The dense layer's three products map onto sgemm without any transposed
 * copies because W is kept as (out, in):
 *   forward   out  = in   W^T   (NoTrans, Trans)
 *   weights   dW   = dout^T in  (Trans, NoTrans)
 *   input     din  = dout W     (NoTrans, NoTrans)
 */
#include "nn-kernels.h"

#include <cblas.h>
#include <glib.h>
#include <math.h>
#include <stdatomic.h>
#include <string.h>

/* What nn_sgemm_set_threads() allows (0: every core, OpenBLAS's own
 * default), and what OpenBLAS was last told. */
static atomic_int max_threads = 0, blas_threads = 0;

void
nn_sgemm_set_threads (int n_threads)
{
  atomic_store (&max_threads, MAX (n_threads, 0));
}

int
nn_sgemm_get_threads (void)
{
  int n = atomic_load (&max_threads);

  return n > 0 ? n : (int) g_get_num_processors ();
}

void
nn_sgemm (bool trans_a, bool trans_b, int m, int n, int k, float alpha,
          const float *a, int lda, const float *b, int ldb, float beta,
          float *c, int ldc)
{
  /* A second thread costs a wake-up and a join, and on 2 cores whose
   * caches are far apart (a cache line takes 240 ns to cross here) that
   * outweighs its half of a small product. For the MNIST MLP at batch 64
   * its 0.5M products on one thread and its 6.4M ones on two gave 210-220k
   * samples/s against 195k with all on two; at batch 256 it is even. */
  int want = (double) m * n * k < NN_SGEMM_SMALL ? 1 : nn_sgemm_get_threads ();

  if (want != atomic_load (&blas_threads))
    {
      openblas_set_num_threads (want);
      atomic_store (&blas_threads, want);
    }
  cblas_sgemm (CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
               trans_b ? CblasTrans : CblasNoTrans,
               m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void
nn_dense_forward (float *out, const float *in, const float *w, const float *b,
                  int n, int in_dim, int out_dim)
{
  for (int i = 0; i < n; i++)
    memcpy (out + (size_t) i * out_dim, b, sizeof (float) * out_dim);
  nn_sgemm (false, true, n, out_dim, in_dim, 1.0f, in, in_dim, w, in_dim, 1.0f, out, out_dim);
}

void
nn_dense_backward (float *din, float *dw, float *db, const float *dout,
                   const float *in, const float *w, int n, int in_dim, int out_dim)
{
  nn_sgemm (true, false, out_dim, in_dim, n, 1.0f, dout, out_dim, in, in_dim, 0.0f, dw, in_dim);

  memset (db, 0, sizeof (float) * out_dim);
  for (int i = 0; i < n; i++)
    {
      const float *row = dout + (size_t) i * out_dim;
      for (int j = 0; j < out_dim; j++)
        db[j] += row[j];
    }

  if (din != NULL)
    nn_sgemm (false, false, n, in_dim, out_dim, 1.0f, dout, out_dim, w, in_dim, 0.0f, din, in_dim);
}

void
nn_dense_backward_sgd (float *din, float *w, float *b, const float *dout,
                       const float *in, int n, int in_dim, int out_dim,
                       float lr, float weight_decay)
{
  const float keep = 1.0f - lr * weight_decay;

  /* The input gradient needs the weights before this step. */
  if (din != NULL)
    nn_sgemm (false, false, n, in_dim, out_dim, 1.0f, dout, out_dim, w, in_dim, 0.0f, din, in_dim);
  nn_sgemm (true, false, out_dim, in_dim, n, -lr, dout, out_dim, in, in_dim, keep, w, in_dim);

  for (int j = 0; j < out_dim; j++)
    b[j] *= keep;
  for (int i = 0; i < n; i++)
    {
      const float *row = dout + (size_t) i * out_dim;
      for (int j = 0; j < out_dim; j++)
        b[j] -= lr * row[j];
    }
}

void
nn_relu_forward (float *y, const float *x, size_t m)
{
  /* Selects, not fmaxf or products, so GCC vectorises them at -O3. */
  for (size_t i = 0; i < m; i++)
    y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void
nn_relu_backward (float *din, const float *dout, const float *x, size_t m)
{
  for (size_t i = 0; i < m; i++)
    {
      float d = dout[i];
      din[i] = x[i] > 0.0f ? d : 0.0f;
    }
}

void
nn_leaky_relu_forward (float *y, const float *x, float slope, size_t m)
{
  for (size_t i = 0; i < m; i++)
    y[i] = x[i] > 0.0f ? x[i] : slope * x[i];
}

void
nn_leaky_relu_backward (float *din, const float *dout, const float *x, float slope, size_t m)
{
  for (size_t i = 0; i < m; i++)
    {
      float d = dout[i];
      din[i] = x[i] > 0.0f ? d : slope * d;
    }
}

void
nn_sigmoid_forward (float *y, const float *x, size_t m)
{
  for (size_t i = 0; i < m; i++)
    {
      /* Two branches so exp never overflows. */
      if (x[i] >= 0.0f)
        y[i] = 1.0f / (1.0f + expf (-x[i]));
      else
        {
          float e = expf (x[i]);
          y[i] = e / (1.0f + e);
        }
    }
}

void
nn_sigmoid_backward (float *din, const float *dout, const float *y, size_t m)
{
  for (size_t i = 0; i < m; i++)
    din[i] = dout[i] * y[i] * (1.0f - y[i]);
}

void
nn_tanh_forward (float *y, const float *x, size_t m)
{
  for (size_t i = 0; i < m; i++)
    y[i] = tanhf (x[i]);
}

void
nn_tanh_backward (float *din, const float *dout, const float *y, size_t m)
{
  for (size_t i = 0; i < m; i++)
    din[i] = dout[i] * (1.0f - y[i] * y[i]);
}

void
nn_softmax_forward (float *y, const float *x, int n, int dim)
{
  for (int i = 0; i < n; i++)
    {
      const float *xi = x + (size_t) i * dim;
      float *yi = y + (size_t) i * dim;
      float max = xi[0], sum = 0.0f;

      for (int j = 1; j < dim; j++)
        max = fmaxf (max, xi[j]);
      for (int j = 0; j < dim; j++)
        {
          yi[j] = expf (xi[j] - max);
          sum += yi[j];
        }
      for (int j = 0; j < dim; j++)
        yi[j] /= sum;
    }
}

void
nn_softmax_backward (float *din, const float *dout, const float *y, int n, int dim)
{
  for (int i = 0; i < n; i++)
    {
      const float *gi = dout + (size_t) i * dim;
      const float *yi = y + (size_t) i * dim;
      float *di = din + (size_t) i * dim;
      float dot = 0.0f;

      for (int j = 0; j < dim; j++)
        dot += gi[j] * yi[j];
      for (int j = 0; j < dim; j++)
        di[j] = yi[j] * (gi[j] - dot);
    }
}

void
nn_dropout_apply (float *y, const float *x, const float *mask, size_t m)
{
  for (size_t i = 0; i < m; i++)
    y[i] = x[i] * mask[i];
}

void
nn_softmax_rows (float *x, int n, int dim)
{
  nn_softmax_forward (x, x, n, dim);
}
