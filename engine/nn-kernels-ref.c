/* nn-kernels-ref.c: naive reference kernels, the oracle for the BLAS ones.
 * Plain loops in double precision; slow on purpose, never used for training. */
#include "nn-kernels.h"

#include <string.h>

void
nn_ref_sgemm (bool trans_a, bool trans_b, int m, int n, int k, float alpha,
              const float *a, int lda, const float *b, int ldb, float beta,
              float *c, int ldc)
{
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++)
      {
        double acc = 0.0;
        for (int p = 0; p < k; p++)
          {
            float av = trans_a ? a[(size_t) p * lda + i] : a[(size_t) i * lda + p];
            float bv = trans_b ? b[(size_t) j * ldb + p] : b[(size_t) p * ldb + j];
            acc += (double) av * bv;
          }
        c[(size_t) i * ldc + j] = (float) (alpha * acc + (beta == 0.0f ? 0.0 : beta * c[(size_t) i * ldc + j]));
      }
}

void
nn_ref_dense_forward (float *out, const float *in, const float *w, const float *b,
                      int n, int in_dim, int out_dim)
{
  for (int i = 0; i < n; i++)
    for (int o = 0; o < out_dim; o++)
      {
        double acc = b[o];
        for (int p = 0; p < in_dim; p++)
          acc += (double) in[(size_t) i * in_dim + p] * w[(size_t) o * in_dim + p];
        out[(size_t) i * out_dim + o] = (float) acc;
      }
}

void
nn_ref_dense_backward (float *din, float *dw, float *db, const float *dout,
                       const float *in, const float *w, int n, int in_dim, int out_dim)
{
  for (int o = 0; o < out_dim; o++)
    {
      double acc_b = 0.0;
      for (int i = 0; i < n; i++)
        acc_b += dout[(size_t) i * out_dim + o];
      db[o] = (float) acc_b;
      for (int p = 0; p < in_dim; p++)
        {
          double acc = 0.0;
          for (int i = 0; i < n; i++)
            acc += (double) dout[(size_t) i * out_dim + o] * in[(size_t) i * in_dim + p];
          dw[(size_t) o * in_dim + p] = (float) acc;
        }
    }
  if (din == NULL)
    return;
  for (int i = 0; i < n; i++)
    for (int p = 0; p < in_dim; p++)
      {
        double acc = 0.0;
        for (int o = 0; o < out_dim; o++)
          acc += (double) dout[(size_t) i * out_dim + o] * w[(size_t) o * in_dim + p];
        din[(size_t) i * in_dim + p] = (float) acc;
      }
}
