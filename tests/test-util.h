/* test-util.h: small helpers shared by the engine tests (header only). */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>

/* Deletes @path and, if it is a folder, everything below it. */
static inline void
test_remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);

  if (dir != NULL)
    {
      const char *name;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          char *child = g_build_filename (path, name, NULL);
          test_remove_tree (child);
          g_free (child);
        }
      g_dir_close (dir);
    }
  g_remove (path);
}
