/* test-desktop.c: the desktop learns what a .backprop file is.
 *
 * The shared-mime-info XML is compiled with update-mime-database into a
 * temporary data folder, and GIO, pointed at that folder alone, is asked what
 * it makes of file names: a project must be application/x-backprop-project
 * with our description and icons, a plain model must not be. The .desktop
 * file must offer the program for that type and pass it files, the
 * metainfo must say so too, and the icons that GIO names must exist as SVG
 * files in resources/icons/hicolor. (update-mime-database exits 0 even on a
 * file it cannot parse, so only asking GIO proves the XML works.)
 */
#include <gio/gio.h>
#include <string.h>

#include "test-util.h"

#define MIME_TYPE "application/x-backprop-project"
#define APP_ID "io.github.backprop.Backprop"

static char *data_home;

static const char *
resources_dir (void)
{
  const char *dir = g_getenv ("BACKPROP_RESOURCES");

  g_assert_nonnull (dir);
  return dir;
}

static char *
resource_path (const char *first, ...)
{
  va_list args;
  GString *path = g_string_new (resources_dir ());

  va_start (args, first);
  for (const char *part = first; part; part = va_arg (args, const char *))
    {
      g_string_append_c (path, G_DIR_SEPARATOR);
      g_string_append (path, part);
    }
  va_end (args);
  return g_string_free (path, FALSE);
}

/* Compiles the XML into @data_home/mime, as `meson install` and the
 * post-install step do into share/mime. */
static void
build_mime_database (void)
{
  g_autofree char *mime_dir = g_build_filename (data_home, "mime", NULL);
  g_autofree char *packages = g_build_filename (mime_dir, "packages", NULL);
  g_autofree char *source = resource_path (APP_ID ".mime.xml", NULL);
  g_autofree char *target = g_build_filename (packages, APP_ID ".xml", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { g_getenv ("UPDATE_MIME_DATABASE"), mime_dir, NULL };
  gsize length;
  int status;

  g_assert_nonnull (argv[0]);
  g_assert_cmpint (g_mkdir_with_parents (packages, 0700), ==, 0);
  g_assert_true (g_file_get_contents (source, &contents, &length, &error));
  g_assert_true (g_file_set_contents (target, contents, length, &error));
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, &error));
  /* It reports a parse error on stderr and still succeeds. */
  g_assert_cmpstr (err, ==, "");
}

static void
test_mime_guess (void)
{
  const char *names[] = { "digits.backprop", "/home/a/My Runs/MNIST 3.BACKPROP" };
  g_autofree char *model = NULL;
  g_autofree char *description = NULL;
  gboolean uncertain = TRUE;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *type = g_content_type_guess (names[i], NULL, 0, &uncertain);

      g_assert_cmpstr (type, ==, MIME_TYPE);
      g_assert_false (uncertain);
    }
  /* A model is a safetensors file of its own kind, not a project. */
  model = g_content_type_guess ("digits.safetensors", NULL, 0, NULL);
  g_assert_cmpstr (model, !=, MIME_TYPE);
  g_assert_false (g_content_type_is_a (model, MIME_TYPE));

  description = g_content_type_get_description (MIME_TYPE);
  g_assert_cmpstr (description, ==, "Backprop project");
}

/* The names GIO gives the type's icon, and the files for them. */
static void
check_icon (GIcon *icon, const char *name, const char *folder)
{
  const char * const *names;
  g_autofree char *file = g_strconcat (name, ".svg", NULL);
  g_autofree char *path = resource_path ("icons", "hicolor", folder, "mimetypes", file, NULL);
  g_autofree char *svg = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (G_IS_THEMED_ICON (icon));
  names = g_themed_icon_get_names (G_THEMED_ICON (icon));
  g_assert_nonnull (names);
  g_assert_cmpstr (names[0], ==, name);
  g_assert_true (g_file_get_contents (path, &svg, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (svg, "<svg "));
  g_assert_nonnull (strstr (svg, "</svg>"));
}

static void
test_mime_icons (void)
{
  g_autoptr(GIcon) icon = g_content_type_get_icon (MIME_TYPE);
  g_autoptr(GIcon) symbolic = g_content_type_get_symbolic_icon (MIME_TYPE);

  check_icon (icon, "application-x-backprop-project", "scalable");
  check_icon (symbolic, "application-x-backprop-project-symbolic", "symbolic");
}

static void
test_desktop_file (void)
{
  g_autofree char *path = resource_path (APP_ID ".desktop", NULL);
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) types = NULL;
  g_autofree char *exec = NULL;

  g_assert_true (g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  types = g_key_file_get_string_list (file, G_KEY_FILE_DESKTOP_GROUP,
                                      G_KEY_FILE_DESKTOP_KEY_MIME_TYPE, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_contains ((const char * const *) types, MIME_TYPE));
  /* A file manager passes the files only where Exec says where. */
  exec = g_key_file_get_string (file, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_EXEC,
                                &error);
  g_assert_no_error (error);
  g_assert_true (strstr (exec, "%F") || strstr (exec, "%U"));
}

static void
test_metainfo (void)
{
  g_autofree char *path = resource_path (APP_ID ".metainfo.xml", NULL);
  g_autofree char *xml = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &xml, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (xml, "<mediatype>" MIME_TYPE "</mediatype>"));
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  /* Before GIO first looks at the MIME database: ours alone. */
  data_home = g_dir_make_tmp ("backprop-desktop-XXXXXX", NULL);
  g_assert_nonnull (data_home);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("XDG_DATA_DIRS", data_home, TRUE);
  build_mime_database ();

  g_test_add_func ("/desktop/mime/guess", test_mime_guess);
  g_test_add_func ("/desktop/mime/icons", test_mime_icons);
  g_test_add_func ("/desktop/desktop-file/mime-type", test_desktop_file);
  g_test_add_func ("/desktop/metainfo/mediatype", test_metainfo);
  status = g_test_run ();
  test_remove_tree (data_home);
  g_free (data_home);
  return status;
}
