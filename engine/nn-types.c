/* nn-types.c: shapes, the error domain and the clock. */
#include "nn-types.h"

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
