/* nn-types.c: shapes, the error domain, opening a file to read, the clock. */
#include "nn-types.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

G_DEFINE_QUARK (nn-error-quark, nn_error)

size_t
nn_shape_size (NnShape s)
{
  size_t size = 1;

  if (s.rank <= 0)
    return 0;
  for (int i = 0; i < s.rank && i < NN_MAX_RANK; i++)
    size *= (size_t) MAX (s.dim[i], 0);
  return size;
}

gboolean
nn_shape_equal (NnShape a, NnShape b)
{
  if (a.rank != b.rank)
    return FALSE;
  for (int i = 0; i < a.rank && i < NN_MAX_RANK; i++)
    if (a.dim[i] != b.dim[i])
      return FALSE;
  return TRUE;
}

char *
nn_shape_to_string (NnShape s)
{
  GString *str = g_string_new (NULL);

  for (int i = 0; i < s.rank && i < NN_MAX_RANK; i++)
    g_string_append_printf (str, i ? "×%d" : "%d", s.dim[i]);
  if (s.rank <= 0)
    g_string_append (str, "0");
  return g_string_free (str, FALSE);
}

double
nn_now (void)
{
  return g_get_monotonic_time () / 1e6;
}

int
nn_open_regular (const char *path, guint64 *size, GError **error)
{
  struct stat st;
  int fd, flags;

  /* O_NONBLOCK: open() on a FIFO would otherwise wait for a writer. */
  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, NN_ERROR, saved == ENOENT ? NN_ERROR_NOT_FOUND : NN_ERROR_IO,
                   "Could not open %s: %s.", path, g_strerror (saved));
      return -1;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "%s is not a regular file.", path);
      close (fd);
      return -1;
    }
  /* Reads block as usual from here on (a no-op for a regular file on
   * Linux, but network file systems may look at it). */
  flags = fcntl (fd, F_GETFL);
  if (flags >= 0)
    (void) (fcntl (fd, F_SETFL, flags & ~O_NONBLOCK) != 0);
  if (size)
    *size = (guint64) st.st_size;
  return fd;
}
