/* nn-data-find.c: where the IDX datasets are on disk.
 *
 * The places, in order (DESIGN.md): the caller's data dir (--data-dir),
 * $BACKPROP_DATA_DIR, the user's data dir ($XDG_DATA_HOME/backprop/datasets)
 * and the system data dirs ($XDG_DATA_DIRS/datasets, and always
 * /usr/share/datasets: Debian's dataset-fashion-mnist installs its .gz files
 * in /usr/share/datasets/fashion-mnist). Each base dir may hold the dataset
 * in <dir>/<name>/ or directly in <dir>/. Nothing is downloaded.
 */
#include "nn-dataset-private.h"

static void
add_base (GPtrArray *bases, const char *dir)
{
  if (dir == NULL || *dir == '\0')
    return;
  for (guint i = 0; i < bases->len; i++)
    if (g_str_equal (g_ptr_array_index (bases, i), dir))
      return;
  g_ptr_array_add (bases, g_strdup (dir));
}

/* A folder holds a dataset when its training images are there; a folder
 * with some files missing is reported by the loader, naming the file. */
static gboolean
holds_dataset (const char *dir)
{
  char *path = _nn_idx_file_in (dir, "train-images-idx3-ubyte");
  gboolean found = path != NULL;

  g_free (path);
  return found;
}

char *
nn_data_find_dir (const char *name, const char *data_dir, GError **error)
{
  GPtrArray *bases = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *looked = g_ptr_array_new_with_free_func (g_free);
  const char * const *system_dirs = g_get_system_data_dirs ();
  char *found = NULL, *list = NULL;

  g_return_val_if_fail (name != NULL, NULL);

  add_base (bases, data_dir);
  add_base (bases, g_getenv ("BACKPROP_DATA_DIR"));
  {
    char *user = g_build_filename (g_get_user_data_dir (), "backprop", "datasets", NULL);
    add_base (bases, user);
    g_free (user);
  }
  for (int i = 0; system_dirs[i] != NULL; i++)
    {
      char *sys = g_build_filename (system_dirs[i], "datasets", NULL);
      add_base (bases, sys);
      g_free (sys);
    }
  /* Where Debian installs datasets, even when XDG_DATA_DIRS leaves it out. */
  add_base (bases, "/usr/share/datasets");

  for (guint i = 0; i < bases->len && found == NULL; i++)
    {
      const char *base = g_ptr_array_index (bases, i);
      char *sub = g_build_filename (base, name, NULL);

      g_ptr_array_add (looked, g_strdup (sub));
      if (holds_dataset (sub))
        found = sub;
      else
        {
          g_free (sub);
          g_ptr_array_add (looked, g_strdup (base));
          if (holds_dataset (base))
            found = g_strdup (base);
        }
    }

  if (found == NULL)
    {
      g_ptr_array_add (looked, NULL);
      list = g_strjoinv (", ", (char **) looked->pdata);
      g_set_error (error, NN_ERROR, NN_ERROR_NOT_FOUND,
                   "Could not find the %s dataset (train-images-idx3-ubyte.gz and its "
                   "companions); looked in %s.", name, list);
    }

  g_free (list);
  g_ptr_array_unref (looked);
  g_ptr_array_unref (bases);
  return found;
}
