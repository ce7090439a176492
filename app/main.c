/* main.c: backprop, the desktop program. Everything is in ui/; this only
 * starts the application. */
#include <locale.h>

#include "bp-application.h"
#include "bp-bench.h"

/* Run from the build tree (the README's first command), the program's
 * GSettings schema is not installed yet: use the one compiled beside it.
 * Must happen before anything asks GIO for its schema source. */
static void
use_build_tree_schemas (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *exe_dir = exe ? g_path_get_dirname (exe) : NULL;
  const char *current = g_getenv ("GSETTINGS_SCHEMA_DIR");
  g_autofree char *dirs = NULL;

  if (exe_dir == NULL || g_strcmp0 (exe_dir, BP_BUILD_APP_DIR) != 0
      || !g_file_test (BP_BUILD_SCHEMA_DIR "/gschemas.compiled", G_FILE_TEST_EXISTS))
    return;
  dirs = current && *current ? g_strconcat (BP_BUILD_SCHEMA_DIR, G_SEARCHPATH_SEPARATOR_S, current, NULL)
                             : g_strdup (BP_BUILD_SCHEMA_DIR);
  g_setenv ("GSETTINGS_SCHEMA_DIR", dirs, TRUE);
}

int
main (int argc, char **argv)
{
  g_autoptr(BpApplication) app = NULL;

  use_build_tree_schemas ();
  setlocale (LC_ALL, "");
  app = bp_application_new ();
  bp_bench_add_options (G_APPLICATION (app));
  return g_application_run (G_APPLICATION (app), argc, argv);
}
