/* ui-test-util.h: helpers shared by the UI tests (tests/test-ui-*.c).
 *
 * Each UI test drives a real BpWindow of a registered BpApplication under
 * Xvfb, through the window's actions and widgets, iterating the main loop
 * itself; screenshots go to $BACKPROP_TEST_OUTPUT. Header-only so each test
 * stays one executable from one table row.
 */
#pragma once

#include <adwaita.h>
#include <gdk/x11/gdkx.h>
#include <gmodule.h>
#include <string.h>

#include "bp-application.h"
#include "bp-window.h"

static inline const char *
ui_test_output_dir (void)
{
  const char *dir = g_getenv ("BACKPROP_TEST_OUTPUT");

  return dir && *dir ? dir : g_get_tmp_dir ();
}

static inline void
ui_test_iterate (int ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
}

typedef gboolean (*UiTestCondition) (gpointer data);

/* Iterates the main loop until @cond holds or @seconds pass. */
static inline gboolean
ui_test_wait (UiTestCondition cond, gpointer data, double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (g_get_monotonic_time () < end)
    {
      if (cond (data))
        return TRUE;
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  return cond (data);
}

static inline gboolean
ui_test_loaded (gpointer data)
{
  return !bp_window_get_loading (data) && bp_window_get_data (data) != NULL;
}

static inline gboolean
ui_test_run_idle (gpointer data)
{
  return bp_window_get_run_state (data) == BP_RUN_IDLE;
}

static inline GApplication *
ui_test_app (void)
{
  static GApplication *app;
  g_autoptr(GError) error = NULL;

  if (app == NULL)
    {
      app = G_APPLICATION (bp_application_new ());
      g_application_set_flags (app, G_APPLICATION_NON_UNIQUE);
      g_assert_true (g_application_register (app, NULL, &error));
      g_assert_no_error (error);
      /* A test owns its windows; keep the app from quitting between them. */
      g_application_hold (app);
    }
  return app;
}

/* A new window of @width x @height (0: the window's own default size, from
 * GSettings) showing @dataset, loaded. */
static inline BpWindow *
ui_test_window_sized (const char *dataset, int width, int height)
{
  BpWindow *window = bp_window_new (ADW_APPLICATION (ui_test_app ()));

  if (width > 0 && height > 0)
    gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_present (GTK_WINDOW (window));
  if (dataset)
    bp_window_set_dataset (window, dataset);
  g_assert_true (ui_test_wait (ui_test_loaded, window, 60));
  ui_test_iterate (200);
  return window;
}

/* A new window showing @dataset, loaded. */
static inline BpWindow *
ui_test_window (const char *dataset)
{
  return ui_test_window_sized (dataset, 1200, 760);
}

/* The first widget under @root whose action-name is @action. */
static inline GtkWidget *
ui_test_find_actionable (GtkWidget *root, const char *action)
{
  if (GTK_IS_ACTIONABLE (root)
      && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (root)), action) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = ui_test_find_actionable (child, action);
      if (found)
        return found;
    }
  return NULL;
}

/* The first widget of @type under @root, @root included. */
static inline GtkWidget *
ui_test_find_type (GtkWidget *root, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = ui_test_find_type (child, type);
      if (found)
        return found;
    }
  return NULL;
}

/* The first event controller of @type on @widget, or NULL. (transfer none:
 * the widget owns it) */
static inline GtkEventController *
ui_test_find_controller (GtkWidget *widget, GType type)
{
  GListModel *controllers = gtk_widget_observe_controllers (widget);
  GtkEventController *found = NULL;

  for (guint i = 0; found == NULL && i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (controller, type))
        found = GTK_EVENT_CONTROLLER (controller);
    }
  g_object_unref (controllers);
  return found;
}

/* Presses and releases @keyval, with @mods held, as a user does: through
 * the X server's XTEST extension, so the key reaches the focused widget and
 * travels GTK's whole event path (capture, the widget's own bindings,
 * bubbling to the window). Emitting signals or activating actions would
 * skip exactly the path where keys go wrong. libXtst is opened at run time:
 * no build dependency for one test helper. */
static inline void
ui_test_key (GtkWidget *widget, guint keyval, GdkModifierType mods)
{
  typedef int (*FakeKeyFunc) (Display *display, unsigned int keycode, int press,
                              unsigned long delay);
  static FakeKeyFunc fake_key;
  static const struct { GdkModifierType mask; KeySym sym; } modifiers[] = {
    { GDK_CONTROL_MASK, XK_Control_L }, { GDK_SHIFT_MASK, XK_Shift_L }, { GDK_ALT_MASK, XK_Alt_L },
  };
  GdkDisplay *display = gtk_widget_get_display (widget);
  GtkNative *native = gtk_widget_get_native (widget);
  Display *xdisplay;
  KeyCode code;

  if (fake_key == NULL)
    {
      GModule *module = g_module_open ("libXtst.so.6", G_MODULE_BIND_LAZY);

      g_assert_nonnull (module);
      g_assert_true (g_module_symbol (module, "XTestFakeKeyEvent", (gpointer *) &fake_key));
    }
  g_assert_true (GDK_IS_X11_DISPLAY (display));
  xdisplay = gdk_x11_display_get_xdisplay (display);
  /* No window manager under Xvfb: give the window the X focus itself. */
  XSetInputFocus (xdisplay, gdk_x11_surface_get_xid (gtk_native_get_surface (native)),
                  RevertToParent, CurrentTime);
  for (guint i = 0; i < G_N_ELEMENTS (modifiers); i++)
    if (mods & modifiers[i].mask)
      fake_key (xdisplay, XKeysymToKeycode (xdisplay, modifiers[i].sym), True, 0);
  code = XKeysymToKeycode (xdisplay, keyval);
  g_assert_cmpuint (code, !=, 0);
  fake_key (xdisplay, code, True, 0);
  fake_key (xdisplay, code, False, 0);
  for (guint i = G_N_ELEMENTS (modifiers); i-- > 0;)
    if (mods & modifiers[i].mask)
      fake_key (xdisplay, XKeysymToKeycode (xdisplay, modifiers[i].sym), False, 0);
  XFlush (xdisplay);
  ui_test_iterate (150);
}

/* The message dialog on screen, or NULL. (transfer none) */
static inline AdwMessageDialog *
ui_test_find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

/* Renders @widget as it is on screen. (transfer full) */
static inline GdkTexture *
ui_test_render (GtkWidget *widget)
{
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot;
  g_autoptr(GskRenderNode) node = NULL;
  GskRenderer *renderer;

  /* Let pending layouts and frames happen first: a widget waiting for its
   * allocation draws nothing. */
  for (int i = 0; i < 50 && node == NULL; i++)
    {
      ui_test_iterate (100);
      width = gtk_widget_get_width (widget);
      height = gtk_widget_get_height (widget);
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, snapshot, width, height);
      node = gtk_snapshot_free_to_node (snapshot);
    }
  g_assert_cmpint (width, >, 0);
  g_assert_nonnull (node);
  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  return gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
}

/* Renders @widget as it is on screen into $BACKPROP_TEST_OUTPUT/@name. */
static inline void
ui_test_screenshot (GtkWidget *widget, const char *name)
{
  g_autoptr(GdkTexture) texture = ui_test_render (widget);
  g_autofree char *path = g_build_filename (ui_test_output_dir (), name, NULL);

  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

/* The pixels that differ between two renderings of one size: how many,
 * how many in each column (@per_column, the width long, may be NULL) and
 * their bounding box (@bounds, may be NULL; empty when none differ). */
static inline guint
ui_test_diff (GdkTexture *a, GdkTexture *b, guint *per_column, GdkRectangle *bounds)
{
  int width = gdk_texture_get_width (a), height = gdk_texture_get_height (a);
  size_t stride = (size_t) width * 4;
  g_autofree guchar *pa = g_malloc (stride * height), *pb = g_malloc (stride * height);
  int x0 = width, y0 = height, x1 = -1, y1 = -1;
  guint total = 0;

  g_assert_cmpint (gdk_texture_get_width (b), ==, width);
  g_assert_cmpint (gdk_texture_get_height (b), ==, height);
  gdk_texture_download (a, pa, stride);
  gdk_texture_download (b, pb, stride);
  if (per_column)
    memset (per_column, 0, sizeof (guint) * width);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      if (memcmp (pa + y * stride + 4 * x, pb + y * stride + 4 * x, 4) != 0)
        {
          total++;
          if (per_column)
            per_column[x]++;
          x0 = MIN (x0, x);
          x1 = MAX (x1, x);
          y0 = MIN (y0, y);
          y1 = MAX (y1, y);
        }
  if (bounds)
    *bounds = total ? (GdkRectangle) { x0, y0, x1 - x0 + 1, y1 - y0 + 1 } : (GdkRectangle) { 0 };
  return total;
}

/* Waits up to @seconds for a message dialog and answers it with @response,
 * as a click would; returns a copy of its heading, NULL if none came. */
static inline char *
ui_test_answer_dialog (const char *response, double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  AdwMessageDialog *dialog;
  char *heading;

  while ((dialog = ui_test_find_dialog ()) == NULL && g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  if (dialog == NULL)
    return NULL;
  heading = g_strdup (adw_message_dialog_get_heading (dialog));
  /* Emitting the response does not close it (libadwaita 1.2): a click does. */
  adw_message_dialog_response (dialog, response);
  gtk_window_close (GTK_WINDOW (dialog));
  return heading;
}

/* Closes @window and checks that it goes away (the run stopped, joined,
 * nothing holding it) within @seconds; unsaved changes are discarded. */
static inline void
ui_test_close (BpWindow *window, double seconds)
{
  GtkWidget *weak = GTK_WIDGET (window);
  gint64 start = g_get_monotonic_time ();

  g_object_add_weak_pointer (G_OBJECT (weak), (gpointer *) &weak);
  gtk_window_close (GTK_WINDOW (window));
  while (weak != NULL && g_get_monotonic_time () - start < seconds * G_USEC_PER_SEC)
    {
      GListModel *toplevels = gtk_window_get_toplevels ();

      for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
        {
          g_autoptr(GObject) dialog = g_list_model_get_item (toplevels, i);

          if (ADW_IS_MESSAGE_DIALOG (dialog) && gtk_widget_get_visible (GTK_WIDGET (dialog))
              && adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (dialog), "discard"))
            {
              adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "discard");
              gtk_window_close (GTK_WINDOW (dialog));
              break;
            }
        }
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  g_assert_null (weak);
}
