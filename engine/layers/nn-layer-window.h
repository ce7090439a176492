/* nn-layer-window.h: a k x k window sliding over an image, as convolution
 * and pooling slide it: the checks they share, with the errors in words.
 * (Not a kind; included by nn-layer-conv.c, -maxpool.c and -avgpool.c.)
 */
#pragma once

#include "nn-layer-run.h"
#include "nn-kernels.h"

/* The output (channels, oh, ow) of a window of @k at @stride with @pad on
 * @in, PyTorch's floor mode; FALSE with a sentence when the window does
 * not fit. @label names the layer ("Convolution"). */
static inline gboolean
nn_window_infer (const char *label, NnShape in, int channels, int k, int stride, int pad,
                 NnShape *out, GError **error)
{
  if (in.rank != 3)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_SHAPE,
                   "%s needs an image input (channels × height × width), but gets %zu features.",
                   label, nn_shape_size (in));
      return FALSE;
    }
  if (stride < 1)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_SHAPE,
                   "%s with a stride of %d would not move; use a stride of 1 or more.", label,
                   stride);
      return FALSE;
    }
  if (pad >= k)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_SHAPE,
                   "%s with a padding of %d needs a kernel larger than that, not %d; "
                   "use a padding of at most %d.", label, pad, k, k - 1);
      return FALSE;
    }
  if (k > in.dim[1] + 2 * pad || k > in.dim[2] + 2 * pad)
    {
      if (pad > 0)
        g_set_error (error, NN_ERROR, NN_ERROR_SHAPE,
                     "%s: kernel %d is larger than the %d×%d input even with a padding of %d.",
                     label, k, in.dim[1], in.dim[2], pad);
      else
        g_set_error (error, NN_ERROR, NN_ERROR_SHAPE,
                     "%s: kernel %d is larger than the %d×%d input.", label, k, in.dim[1],
                     in.dim[2]);
      return FALSE;
    }
  *out = nn_shape_3d (channels, (in.dim[1] + 2 * pad - k) / stride + 1,
                      (in.dim[2] + 2 * pad - k) / stride + 1);
  return TRUE;
}

/* The kernels' shape of layer @l on a batch of @n. */
static inline NnConvShape
nn_window_shape (const NnLayerRun *l, int channels, int k, int stride, int pad, int n)
{
  NnConvShape s;

  nn_conv_shape_init (&s, n, l->info.in.dim[0], l->info.in.dim[1], l->info.in.dim[2], channels,
                      k, stride, pad);
  return s;
}

/* What the two pooling kinds share: their settings (kernel, then a stride
 * that defaults to the kernel), their PyTorch arguments and their shape. */
#define NN_POOL_ARGS                                                                          \
  { .name = "kernel", .label = "Pool size", .what = "pool size", .integer = TRUE,             \
    .required = TRUE, .min = 1, .max = 64, .def = 2, .example = 2, .ui_max = 8, .step = 1,    \
    .page = 1, .digits = 0 },                                                                 \
  { .name = "stride", .label = "Stride", .what = "stride", .integer = TRUE, .min = 0,         \
    .max = 64, .def = 2, .def_from = 1, .terse = TRUE, .example = 2, .ui_max = 8, .step = 1,  \
    .page = 1, .digits = 0 }

static inline int
nn_pool_kernel (const NnLayerSpec *spec)
{
  return (int) spec->arg[0];
}

static inline int
nn_pool_stride (const NnLayerSpec *spec)
{
  return (int) spec->arg[1];
}

/* "2" or "3, stride=2" (transfer full). */
static inline char *
nn_pool_torch_args (const NnLayerSpec *spec, NnShape in, NnShape out)
{
  if (nn_pool_stride (spec) == nn_pool_kernel (spec))
    return g_strdup_printf ("%d", nn_pool_kernel (spec));
  return g_strdup_printf ("%d, stride=%d", nn_pool_kernel (spec), nn_pool_stride (spec));
}

static inline NnConvShape
nn_pool_shape (const NnLayerRun *l, int n)
{
  return nn_window_shape (l, l->info.in.dim[0], nn_pool_kernel (&l->spec),
                          nn_pool_stride (&l->spec), 0, n);
}
