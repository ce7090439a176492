/* nn-kernels.h: the numerical kernels of the layers.
 *
 * Free functions on row-major float arrays: outputs first, const inputs,
 * then dimensions, shapes in the comments. Matrix products go through one
 * BLAS wrapper, nn_sgemm(). Each kernel that uses BLAS has a naive twin
 * (nn_ref_*) kept as the tests' oracle. This is internal to the engine.
 */
#pragma once

#include <math.h>
#include <stdbool.h>
#include <stddef.h>

/* The team: the calling thread and up to NN_MAX_TEAM - 1 workers that
 * spin briefly between jobs, then sleep. nn_team_run() calls fn for parts
 * 0 .. parts-1, part 0 on the caller, and returns when all are done; if
 * another thread is using the team, all parts run on the caller. */
#define NN_MAX_TEAM 16
typedef void (*NnPartFunc) (void *data, int part, int parts);
void     nn_team_run          (int parts, NnPartFunc fn, void *data);
unsigned nn_team_get_n_split  (void);  /* jobs cut into parts so far */

/* Denormal floats on the calling thread: NN_FP_FLUSH flushes them to
 * zero (FTZ and DAZ in x86's MXCSR), 0 computes them as IEEE says. Adam's
 * moments of rarely-lit pixels decay into denormals, each of which
 * costs a hundred cycles or more; the trainer flushes them on its threads
 * (see NnTrainConfig.keep_denormals). A team job runs on the workers in
 * the mode of the thread that started it. Where the processor has no such
 * switch (not x86), the mode stays 0 and setting it does nothing. */
#define NN_FP_FLUSH 1u
unsigned nn_fp_get_mode       (void);
void     nn_fp_set_mode       (unsigned mode);
bool     nn_fp_can_flush      (void);

/* The most threads a product may use, 0 for every core; process-wide.
 * Products under NN_SGEMM_SMALL multiply-adds run whole on the calling
 * thread whatever it is; nn_sgemm_parts() says how many parts a product
 * of that shape is cut into (see nn-kernels.c for how). */
#define NN_SGEMM_SMALL 2000000.0
void     nn_team_set_threads  (int n_threads);
int      nn_team_get_threads  (void);
int      nn_sgemm_parts        (int m, int n, int k);

/* C (m,n) = alpha * op(A) op(B) + beta * C, row-major; op(A) (m,k), op(B) (k,n). */
void nn_sgemm     (bool trans_a, bool trans_b, int m, int n, int k, float alpha,
                   const float *a, int lda, const float *b, int ldb, float beta,
                   float *c, int ldc);
/* The same with an operand given once per part (a[i], b[i] for part i, as
 * many as parts; replicas of one matrix, so that each core reads its own). */
void nn_sgemm_replicated (bool trans_a, bool trans_b, int m, int n, int k, float alpha,
                          const float *const *a, int lda, const float *const *b, int ldb,
                          float beta, float *c, int ldc, int parts);
void nn_ref_sgemm (bool trans_a, bool trans_b, int m, int n, int k, float alpha,
                   const float *a, int lda, const float *b, int ldb, float beta,
                   float *c, int ldc);

/* out (n,out_dim) = in (n,in_dim) w^T + b;  w (out_dim,in_dim), b (out_dim) */
void nn_dense_forward      (float *out, const float *in, const float *w, const float *b,
                            int n, int in_dim, int out_dim);
void nn_ref_dense_forward  (float *out, const float *in, const float *w, const float *b,
                            int n, int in_dim, int out_dim);
/* dw (out_dim,in_dim) = dout^T in;  db (out_dim) = column sums of dout;
 * din (n,in_dim) = dout w, skipped when din is NULL. Overwrites dw, db, din. */
void nn_dense_backward     (float *din, float *dw, float *db, const float *dout,
                            const float *in, const float *w, int n, int in_dim, int out_dim);
void nn_ref_dense_backward (float *din, float *dw, float *db, const float *dout,
                            const float *in, const float *w, int n, int in_dim, int out_dim);

/* The dense kernels with their input given as n_in replicas (1: one shared
 * copy; otherwise as many as nn_sgemm_parts() gives for the products).
 * backward_sgd is the backward with an SGD step folded in: din (n,in_dim)
 * from the old w (skipped when NULL), then w = (1 - lr wd) w - lr dout^T in
 * and b = (1 - lr wd) b - lr colsum(dout), in place. */
void nn_dense_forward_replicated      (float *out, const float *const *in, int n_in,
                                       const float *w, const float *b,
                                       int n, int in_dim, int out_dim);
void nn_dense_backward_replicated     (float *din, float *dw, float *db, const float *dout,
                                       const float *const *in, int n_in, const float *w,
                                       int n, int in_dim, int out_dim);
void nn_dense_backward_sgd_replicated (float *din, float *w, float *b, const float *dout,
                                       const float *const *in, int n_in, int n, int in_dim,
                                       int out_dim, float lr, float weight_decay);

/* The dimensions of a 2-D convolution or pooling over a batch, as
 * PyTorch's Conv2d (square kernel, same stride and padding both ways,
 * floor mode): x (n, c, h, w) -> y (n, f, oh, ow), with
 * oh = (h + 2 pad - k) / stride + 1 and ow likewise. Pooling has f = c. */
typedef struct
{
  int n, c, h, w;    /* the input */
  int f, k, stride, pad;
  int oh, ow;        /* the output, from the above (nn_conv_shape_init) */
} NnConvShape;

void nn_conv_shape_init (NnConvShape *s, int n, int c, int h, int w, int f, int k, int stride,
                         int pad);

/* y (n,f,oh,ow) = conv (x (n,c,h,w), w (f,c,k,k)) + b (f), by im2col and
 * products, the batch cut into parts over the team (see nn-kernels.c). */
void nn_conv2d_forward      (float *y, const float *x, const float *w, const float *b,
                             const NnConvShape *s);
/* dw (f,c,k,k) and db (f) from dy (n,f,oh,ow) and the forward's input x,
 * and dx (n,c,h,w) unless it is NULL; all overwritten. The parts' weight
 * gradients are summed in part order, so the numbers depend only on the
 * thread count. */
void nn_conv2d_backward     (float *dx, float *dw, float *db, const float *dy, const float *x,
                             const float *w, const NnConvShape *s);
/* The same with an SGD step folded in: dx from the old weights, then
 * w = (1 - lr wd) w - lr dw and b likewise, in place. */
void nn_conv2d_backward_sgd (float *dx, float *w, float *b, const float *dy, const float *x,
                             const NnConvShape *s, float lr, float weight_decay);
/* The bench's floor of the above, their lowering and products alone on
 * the same parts and chunks: forward im2col and Y = W cols; backward
 * im2col, dW = dY cols^T and, unless @dx is NULL, dcols = W^T dY and
 * col2im into @dx; with the forward's Y standing in for dY. Writes @dx
 * only (and the threads' own buffers). */
void nn_conv2d_floor        (bool backward, float *dx, const float *x, const float *w,
                             const NnConvShape *s);
/* The oracle: direct loops in double. */
void nn_ref_conv2d_forward  (float *y, const float *x, const float *w, const float *b,
                             const NnConvShape *s);
void nn_ref_conv2d_backward (float *dx, float *dw, float *db, const float *dy, const float *x,
                             const float *w, const NnConvShape *s);

/* Pooling over k x k windows (no padding): y (n,c,oh,ow). Max pooling
 * keeps in @arg (n,c,oh,ow) the index in its channel's h x w plane of
 * each maximum (the first of equals; a NaN wins, as in PyTorch), which its
 * backward scatters dy to. Backward overwrites dx (n,c,h,w). */
void nn_maxpool_forward     (float *y, float *arg, const float *x, const NnConvShape *s);
void nn_maxpool_backward    (float *dx, const float *dy, const float *arg, const NnConvShape *s);
void nn_avgpool_forward     (float *y, const float *x, const NnConvShape *s);
void nn_avgpool_backward    (float *dx, const float *dy, const NnConvShape *s);
void nn_ref_maxpool_forward  (float *y, const float *x, const NnConvShape *s);
void nn_ref_maxpool_backward (float *dx, const float *dy, const float *x, const NnConvShape *s);
void nn_ref_avgpool_forward  (float *y, const float *x, const NnConvShape *s);
void nn_ref_avgpool_backward (float *dx, const float *dy, const NnConvShape *s);

/* 1 / (1 + e^-x), in the form whose exponential cannot overflow. */
static inline float
nn_sigmoid (float x)
{
  float e;

  if (x >= 0.0f)
    return 1.0f / (1.0f + expf (-x));
  e = expf (x);
  return e / (1.0f + e);
}

/* Elementwise activations over m values; backward writes din from dout and
 * the forward's input x or output y, whichever the derivative needs. */
void nn_relu_forward        (float *y, const float *x, size_t m);
void nn_relu_backward       (float *din, const float *dout, const float *x, size_t m);
void nn_leaky_relu_forward  (float *y, const float *x, float slope, size_t m);
void nn_leaky_relu_backward (float *din, const float *dout, const float *x, float slope, size_t m);
void nn_sigmoid_forward     (float *y, const float *x, size_t m);
void nn_sigmoid_backward    (float *din, const float *dout, const float *y, size_t m);
void nn_tanh_forward        (float *y, const float *x, size_t m);
void nn_tanh_backward       (float *din, const float *dout, const float *y, size_t m);

/* Row-wise softmax: y (n,dim). Backward is the Jacobian-vector product
 * din_i = y_i (dout_i - sum_j dout_j y_j). */
void nn_softmax_forward     (float *y, const float *x, int n, int dim);
void nn_softmax_backward    (float *din, const float *dout, const float *y, int n, int dim);

/* Inverted dropout: mask holds 0 or 1/(1-rate), y = x * mask. */
void nn_dropout_apply       (float *y, const float *x, const float *mask, size_t m);

/* In place: each row of x (n,dim) becomes its softmax. */
void nn_softmax_rows        (float *x, int n, int dim);

/* Batch normalisation over x (n, c, s): channel j holds x[i, j, :] of
 * every sample i, m = n s values (s = 1 for a flat input, whose features
 * are the channels; s = H W after a C×H×W one).
 * stats: mean (c) and the biased variance var (c) of each channel.
 * apply: y (n, c, s) = (x - mean[j]) scale[j] + shift[j].
 * backward, after a training forward with @mean and inv_std (c) =
 * 1 / sqrt (var + eps), and gamma (c): dgamma (c) = sum dout xhat,
 * dbeta (c) = sum dout (overwritten), and unless din is NULL
 * din = gamma inv_std (dout - dbeta / m - xhat dgamma / m), where
 * xhat = (x - mean) inv_std. */
void nn_batchnorm_stats        (float *mean, float *var, const float *x, int n, int c, int s);
void nn_batchnorm_apply        (float *y, const float *x, const float *mean, const float *scale,
                                const float *shift, int n, int c, int s);
void nn_batchnorm_backward     (float *din, float *dgamma, float *dbeta, const float *dout,
                                const float *x, const float *mean, const float *inv_std,
                                const float *gamma, int n, int c, int s);
/* The naive twins, channel by channel in double: the training forward
 * (batch statistics into mean and var (c), y from them and gamma, beta)
 * and its backward (the same outputs as nn_batchnorm_backward). */
void nn_ref_batchnorm_forward  (float *y, float *mean, float *var, const float *x,
                                const float *gamma, const float *beta, float eps,
                                int n, int c, int s);
void nn_ref_batchnorm_backward (float *din, float *dgamma, float *dbeta, const float *dout,
                                const float *x, const float *gamma, float eps,
                                int n, int c, int s);
