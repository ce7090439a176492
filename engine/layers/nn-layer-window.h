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
