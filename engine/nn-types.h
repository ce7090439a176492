/* nn-types.h: shapes, errors and small helpers shared by the whole engine.
 *
 * The engine is plain C11 on top of GLib (for GError, GArray and friends).
 * It knows nothing of GTK, GDK or Cairo; backprop-cli links it alone.
 */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

#define NN_ERROR (nn_error_quark ())

typedef enum
{
  NN_ERROR_INVALID_ARGUMENT, /* a bad option or value from the caller */
  NN_ERROR_SHAPE,            /* a network that does not fit its data */
  NN_ERROR_IO,               /* a file could not be opened, read or written */
  NN_ERROR_CORRUPT,          /* a file is malformed, truncated or inconsistent */
  NN_ERROR_NOT_FOUND,        /* a dataset or file is not where we looked */
  NN_ERROR_NO_MEMORY,        /* an allocation failed */
  NN_ERROR_DIVERGED,         /* NaN or Inf in the loss */
  NN_ERROR_CANCELLED,        /* the caller asked to stop */
  NN_ERROR_NOT_REGULAR_FILE, /* a save onto a FIFO, device, folder or socket */
} NnError;

GQuark nn_error_quark (void);

/* The shape of one sample, the batch dimension excluded: (features) for
 * vectors, (channels, height, width) for images. Row-major. */
#define NN_MAX_RANK 3

typedef struct
{
  int rank;
  int dim[NN_MAX_RANK];
} NnShape;

static inline NnShape
nn_shape_1d (int n)
{
  NnShape s = { 1, { n, 0, 0 } };
  return s;
}

static inline NnShape
nn_shape_3d (int c, int h, int w)
{
  NnShape s = { 3, { c, h, w } };
  return s;
}

size_t   nn_shape_size      (NnShape s);
gboolean nn_shape_equal     (NnShape a, NnShape b);
char    *nn_shape_to_string (NnShape s); /* "784" or "1×28×28"; (transfer full) */

/* Opens @path for reading if it is a regular file, and gives its size.
 * -1 with @error otherwise: NN_ERROR_NOT_FOUND when nothing is there,
 * NN_ERROR_IO for a FIFO, device or folder (opened without blocking, so a
 * FIFO with no writer cannot hang the reader) or any other failure. */
int      nn_open_regular    (const char *path, guint64 *size, GError **error);

/* Seconds from a monotonic clock. */
double   nn_now             (void);

G_END_DECLS
