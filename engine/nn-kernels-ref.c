/* nn-kernels-ref.c: naive reference kernels, the oracle for the BLAS ones.
 * Plain loops in double precision; slow on purpose, never used for training. */
#include "nn-kernels.h"

#include <glib.h>
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

/* The input sample i, channel c at (iy, ix), or 0 in the padding. */
static double
at_padded (const float *x, const NnConvShape *s, int i, int c, int iy, int ix)
{
  if (iy < 0 || iy >= s->h || ix < 0 || ix >= s->w)
    return 0.0;
  return x[(((size_t) i * s->c + c) * s->h + iy) * s->w + ix];
}

void
nn_ref_conv2d_forward (float *y, const float *x, const float *w, const float *b,
                       const NnConvShape *s)
{
  const int k = s->k;

  for (int i = 0; i < s->n; i++)
    for (int f = 0; f < s->f; f++)
      for (int oy = 0; oy < s->oh; oy++)
        for (int ox = 0; ox < s->ow; ox++)
          {
            double acc = b[f];

            for (int c = 0; c < s->c; c++)
              for (int ki = 0; ki < k; ki++)
                for (int kj = 0; kj < k; kj++)
                  acc += w[(((size_t) f * s->c + c) * k + ki) * k + kj] *
                         at_padded (x, s, i, c, oy * s->stride - s->pad + ki,
                                    ox * s->stride - s->pad + kj);
            y[(((size_t) i * s->f + f) * s->oh + oy) * s->ow + ox] = (float) acc;
          }
}

void
nn_ref_conv2d_backward (float *dx, float *dw, float *db, const float *dy, const float *x,
                        const float *w, const NnConvShape *s)
{
  const int k = s->k;
  const size_t n_x = (size_t) s->n * s->c * s->h * s->w;
  double *acc_x = g_new0 (double, n_x);

  for (int f = 0; f < s->f; f++)
    {
      double acc_b = 0.0;

      for (int c = 0; c < s->c; c++)
        for (int ki = 0; ki < k; ki++)
          for (int kj = 0; kj < k; kj++)
            {
              size_t wi = (((size_t) f * s->c + c) * k + ki) * k + kj;
              double acc = 0.0;

              for (int i = 0; i < s->n; i++)
                for (int oy = 0; oy < s->oh; oy++)
                  for (int ox = 0; ox < s->ow; ox++)
                    {
                      int iy = oy * s->stride - s->pad + ki, ix = ox * s->stride - s->pad + kj;
                      double g = dy[(((size_t) i * s->f + f) * s->oh + oy) * s->ow + ox];

                      acc += g * at_padded (x, s, i, c, iy, ix);
                      if (iy >= 0 && iy < s->h && ix >= 0 && ix < s->w)
                        acc_x[(((size_t) i * s->c + c) * s->h + iy) * s->w + ix] += g * w[wi];
                    }
              dw[wi] = (float) acc;
            }
      for (int i = 0; i < s->n; i++)
        for (size_t q = 0; q < (size_t) s->oh * s->ow; q++)
          acc_b += dy[((size_t) i * s->f + f) * s->oh * s->ow + q];
      db[f] = (float) acc_b;
    }
  if (dx != NULL)
    for (size_t j = 0; j < n_x; j++)
      dx[j] = (float) acc_x[j];
  g_free (acc_x);
}

/* The index in its plane of window (oy, ox)'s maximum: the first of equals,
 * a NaN over any number (PyTorch's rule: v > max or v is NaN). */
static int
ref_argmax (const float *plane, const NnConvShape *s, int oy, int ox)
{
  int best = -1;
  float m = -INFINITY;

  for (int ki = 0; ki < s->k; ki++)
    for (int kj = 0; kj < s->k; kj++)
      {
        int at = (oy * s->stride + ki) * s->w + ox * s->stride + kj;

        if (best < 0 || plane[at] > m || isnan (plane[at]))
          {
            m = plane[at];
            best = at;
          }
      }
  return best;
}

void
nn_ref_maxpool_forward (float *y, const float *x, const NnConvShape *s)
{
  for (int plane = 0; plane < s->n * s->c; plane++)
    for (int oy = 0; oy < s->oh; oy++)
      for (int ox = 0; ox < s->ow; ox++)
        {
          const float *xp = x + (size_t) plane * s->h * s->w;
          y[((size_t) plane * s->oh + oy) * s->ow + ox] = xp[ref_argmax (xp, s, oy, ox)];
        }
}

void
nn_ref_maxpool_backward (float *dx, const float *dy, const float *x, const NnConvShape *s)
{
  memset (dx, 0, sizeof (float) * s->n * s->c * s->h * s->w);
  for (int plane = 0; plane < s->n * s->c; plane++)
    for (int oy = 0; oy < s->oh; oy++)
      for (int ox = 0; ox < s->ow; ox++)
        {
          size_t base = (size_t) plane * s->h * s->w;
          dx[base + ref_argmax (x + base, s, oy, ox)] +=
            dy[((size_t) plane * s->oh + oy) * s->ow + ox];
        }
}

void
nn_ref_avgpool_forward (float *y, const float *x, const NnConvShape *s)
{
  for (int plane = 0; plane < s->n * s->c; plane++)
    for (int oy = 0; oy < s->oh; oy++)
      for (int ox = 0; ox < s->ow; ox++)
        {
          double acc = 0.0;

          for (int ki = 0; ki < s->k; ki++)
            for (int kj = 0; kj < s->k; kj++)
              acc += x[((size_t) plane * s->h + oy * s->stride + ki) * s->w +
                       ox * s->stride + kj];
          y[((size_t) plane * s->oh + oy) * s->ow + ox] = (float) (acc / (s->k * s->k));
        }
}

void
nn_ref_avgpool_backward (float *dx, const float *dy, const NnConvShape *s)
{
  memset (dx, 0, sizeof (float) * s->n * s->c * s->h * s->w);
  for (int plane = 0; plane < s->n * s->c; plane++)
    for (int oy = 0; oy < s->oh; oy++)
      for (int ox = 0; ox < s->ow; ox++)
        for (int ki = 0; ki < s->k; ki++)
          for (int kj = 0; kj < s->k; kj++)
            dx[((size_t) plane * s->h + oy * s->stride + ki) * s->w + ox * s->stride + kj] +=
              dy[((size_t) plane * s->oh + oy) * s->ow + ox] / (float) (s->k * s->k);
}

/* One channel's values, x[i, j, k] for every sample i and pixel k. */
#define BN_AT(a, i, j, k) (a)[((size_t) (i) * c + (j)) * s + (k)]

void
nn_ref_batchnorm_forward (float *y, float *mean, float *var, const float *x,
                          const float *gamma, const float *beta, float eps,
                          int n, int c, int s)
{
  double m = (double) n * s;

  for (int j = 0; j < c; j++)
    {
      double mu = 0.0, v = 0.0;

      for (int i = 0; i < n; i++)
        for (int k = 0; k < s; k++)
          mu += BN_AT (x, i, j, k);
      mu /= m;
      for (int i = 0; i < n; i++)
        for (int k = 0; k < s; k++)
          v += (BN_AT (x, i, j, k) - mu) * (BN_AT (x, i, j, k) - mu);
      v /= m;
      mean[j] = (float) mu;
      var[j] = (float) v;
      for (int i = 0; i < n; i++)
        for (int k = 0; k < s; k++)
          BN_AT (y, i, j, k) = (float) ((BN_AT (x, i, j, k) - mu) / sqrt (v + eps) * gamma[j]
                                        + beta[j]);
    }
}

void
nn_ref_batchnorm_backward (float *din, float *dgamma, float *dbeta, const float *dout,
                           const float *x, const float *gamma, float eps,
                           int n, int c, int s)
{
  double m = (double) n * s;

  for (int j = 0; j < c; j++)
    {
      double mu = 0.0, v = 0.0, inv_std, sg = 0.0, sgx = 0.0;

      for (int i = 0; i < n; i++)
        for (int k = 0; k < s; k++)
          mu += BN_AT (x, i, j, k);
      mu /= m;
      for (int i = 0; i < n; i++)
        for (int k = 0; k < s; k++)
          v += (BN_AT (x, i, j, k) - mu) * (BN_AT (x, i, j, k) - mu);
      inv_std = 1.0 / sqrt (v / m + eps);
      for (int i = 0; i < n; i++)
        for (int k = 0; k < s; k++)
          {
            sg += BN_AT (dout, i, j, k);
            sgx += BN_AT (dout, i, j, k) * (BN_AT (x, i, j, k) - mu) * inv_std;
          }
      dbeta[j] = (float) sg;
      dgamma[j] = (float) sgx;
      if (din == NULL)
        continue;
      for (int i = 0; i < n; i++)
        for (int k = 0; k < s; k++)
          {
            double xhat = (BN_AT (x, i, j, k) - mu) * inv_std;
            BN_AT (din, i, j, k) = (float) (gamma[j] * inv_std
                                            * (BN_AT (dout, i, j, k) - sg / m - xhat * sgx / m));
          }
    }
}
