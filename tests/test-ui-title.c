/* test-ui-title.c: the header names the open project at every width.
 *
 * At 1024x700 and 1920x1080, light and dark, one label in the header bar
 * or atop the side panel shows the project's name, whole (not ellipsized), on screen; it gains the
 * unsaved mark "• " after an edit and loses it after Save. (The view
 * switcher's own title hides itself whenever the switcher fits, which at
 * these widths it does: a test of the window title alone passes then.)
 */
#include "ui-test-util.h"

#include <glib/gstdio.h>
#include <string.h>

#define NAME "Spiral experiment 3"

static gboolean
saved (gpointer data)
{
  BpProject *project = bp_window_get_project (data);

  return bp_project_get_file (project) != NULL && !bp_project_get_modified (project);
}

/* The mapped labels under @root whose text contains @text, appended to @found. */
static void
find_labels (GtkWidget *root, const char *text, GPtrArray *found)
{
  if (GTK_IS_LABEL (root) && gtk_widget_get_mapped (root)
      && strstr (gtk_label_get_text (GTK_LABEL (root)), text) != NULL)
    g_ptr_array_add (found, root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child;
       child = gtk_widget_get_next_sibling (child))
    find_labels (child, text, found);
}

/* The one label on screen in the header bar that names the project. */
static GtkLabel *
header_title (BpWindow *window)
{
  GtkWidget *header = ui_test_find_type (GTK_WIDGET (window), ADW_TYPE_HEADER_BAR);
  AdwFlap *flap = ADW_FLAP (ui_test_find_type (GTK_WIDGET (window), ADW_TYPE_FLAP));
  g_autoptr(GPtrArray) found = g_ptr_array_new ();
  GtkLabel *label;
  graphene_rect_t bounds;

  /* In the header bar or atop the side panel (not in a toast saying "Saved"). */
  g_assert_nonnull (header);
  find_labels (header, NAME, found);
  find_labels (adw_flap_get_flap (flap), NAME, found);
  g_assert_cmpuint (found->len, ==, 1);
  label = found->pdata[0];
  /* On screen: inside the window, not cut off, with room for its text. */
  g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (label), GTK_WIDGET (window), &bounds));
  g_assert_cmpfloat (bounds.origin.x, >=, 0);
  g_assert_cmpfloat (bounds.origin.x + bounds.size.width, <=,
                     gtk_widget_get_width (GTK_WIDGET (window)));
  g_assert_false (pango_layout_is_ellipsized (gtk_label_get_layout (label)));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (label)), >, 50);
  return label;
}

static void
check_at (int width, int height, gboolean dark)
{
  BpWindow *window = ui_test_window_sized ("spiral", width, height);
  g_autofree char *path = g_build_filename (ui_test_output_dir (), NAME ".backprop", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *shot = NULL;
  GtkLabel *label;

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      dark ? ADW_COLOR_SCHEME_FORCE_DARK
                                           : ADW_COLOR_SCHEME_FORCE_LIGHT);
  g_remove (path);
  bp_window_save_as (window, file);
  g_assert_true (ui_test_wait (saved, window, 30));
  ui_test_iterate (300);
  label = header_title (window);
  g_assert_cmpstr (gtk_label_get_text (label), ==, NAME);

  /* An edit: the mark shows. */
  bp_window_set_lr (window, 0.05);
  g_assert_true (bp_project_get_modified (bp_window_get_project (window)));
  ui_test_iterate (300);
  label = header_title (window);
  g_assert_cmpstr (gtk_label_get_text (label), ==, "• " NAME);
  shot = g_strdup_printf ("ui-title-%dx%d-%s.png", width, height, dark ? "dark" : "light");
  ui_test_screenshot (GTK_WIDGET (window), shot);

  /* Save: it goes. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.save", NULL));
  g_assert_true (ui_test_wait (saved, window, 30));
  ui_test_iterate (300);
  label = header_title (window);
  g_assert_cmpstr (gtk_label_get_text (label), ==, NAME);

  ui_test_close (window, 10);
  g_remove (path);
}

typedef struct
{
  const char *path;
  int         width, height;
  gboolean    dark;
} Case;

static const Case cases[] = {
  { "/ui/title/1024x700-light", 1024, 700, FALSE },
  { "/ui/title/1024x700-dark", 1024, 700, TRUE },
  { "/ui/title/1920x1080-light", 1920, 1080, FALSE },
  { "/ui/title/1920x1080-dark", 1920, 1080, TRUE },
};

static void
test_title (gconstpointer data)
{
  const Case *c = data;

  check_at (c->width, c->height, c->dark);
}

/* The project can outlive its window (a caller holds it): once the window
 * is gone no handler of the project or of its settings still points at it,
 * and a change to the project reaches nothing freed. */
static void
test_project_outlives_window (void)
{
  BpWindow *window = ui_test_window ("spiral");
  g_autoptr(BpProject) project = g_object_ref (bp_window_get_project (window));
  BpSettings *settings = bp_project_get_settings (project);
  gpointer gone = window;   /* compared only, once freed */

  g_assert_cmpuint (g_signal_handler_find (project, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, gone),
                    !=, 0);
  ui_test_close (window, 10);
  g_assert_cmpuint (g_signal_handler_find (project, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, gone),
                    ==, 0);
  g_assert_cmpuint (g_signal_handler_find (settings, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, gone),
                    ==, 0);
  bp_project_set_modified (project, TRUE);
  g_object_set (settings, "learning-rate", 0.05, NULL);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ui/title/project-outlives-window", test_project_outlives_window);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_test_add_data_func (cases[i].path, &cases[i], test_title);
  return g_test_run ();
}
