/* test-ui-layout.c: the window at the sizes people use, under Xvfb.
 *
 * At 1024×700 nothing is cut off: every widget lies inside the window, no
 * label is ellipsized, each plot is as wide as its title and legend need.
 * At 1920×1080 the same; both in the light and the dark style. Narrower than the
 * side panel and the curves need together, the panel folds away behind a
 * header-bar button, which brings it back over the content. Toasts stay
 * clear of the status line's text. A CNN's rows keep the side panel at its
 * width, and its feature maps and filters fit. Each case leaves a screenshot in
 * $BACKPROP_TEST_OUTPUT. */
#include "ui-test-util.h"

static gboolean
has_points (gpointer data)
{
  return bp_plot_get_n_points (bp_window_get_loss_plot (data), 0) >= 20;
}

/* A window of @width x @height with a finished short spiral run: curves with
 * all three legends, a test result, every status label set. */
static BpWindow *
trained_window (int width, int height)
{
  BpWindow *window = ui_test_window_sized ("spiral", width, height);

  bp_window_set_epochs (window, 30);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  g_assert_true (ui_test_wait (ui_test_run_idle, window, 60));
  g_assert_true (has_points (window));
  ui_test_iterate (300);
  return window;
}

static void
set_dark (gboolean dark)
{
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      dark ? ADW_COLOR_SCHEME_FORCE_DARK
                                           : ADW_COLOR_SCHEME_FORCE_LIGHT);
}

static void
show_page (BpWindow *window, const char *name)
{
  AdwViewStack *stack = ADW_VIEW_STACK (ui_test_find_type (GTK_WIDGET (window),
                                                           ADW_TYPE_VIEW_STACK));

  adw_view_stack_set_visible_child_name (stack, name);
  ui_test_iterate (300);
}

static void
shoot (BpWindow *window, const char *what, int width, int height, gboolean dark)
{
  g_autofree char *name = g_strdup_printf ("ui-layout-%s-%dx%d-%s.png", what, width, height,
                                           dark ? "dark" : "light");

  ui_test_screenshot (GTK_WIDGET (window), name);
}

/* Everything drawn lies inside the window (give or take the 1-2 px that
 * borders and shadows reach out; what scrolls may go on below), and no
 * label on screen is ellipsized. (The window's content wanted 1040 px at 1024: the right edge,
 * with the legends, the export button and the test result, was cut.) */
static void
check_nothing_cut (GtkWidget *content, GtkWidget *widget, gboolean labels, gboolean scrolled,
                   int *n_checked)
{
  graphene_rect_t bounds;

  if (!gtk_widget_get_mapped (widget) || gtk_widget_get_native (widget) != gtk_widget_get_native (content))
    return;
  /* Internal parts (shadows, scrollbar sliders, handles) are no content. */
  if (g_str_has_suffix (G_OBJECT_TYPE_NAME (widget), "Gizmo"))
    return;
  g_assert_true (gtk_widget_compute_bounds (widget, content, &bounds));
  if (bounds.size.width > 0 && bounds.size.height > 0
      && (bounds.origin.x < -2.5 || bounds.origin.y < -2.5
          || bounds.origin.x + bounds.size.width > gtk_widget_get_width (content) + 2.5
          || (!scrolled
              && bounds.origin.y + bounds.size.height > gtk_widget_get_height (content) + 2.5)))
    g_error ("%s (%s) is cut off: %.0f+%.0f by %.0f+%.0f in a %dx%d window",
             G_OBJECT_TYPE_NAME (widget), gtk_widget_get_name (widget), bounds.origin.x,
             bounds.size.width, bounds.origin.y, bounds.size.height,
             gtk_widget_get_width (content), gtk_widget_get_height (content));
  if (labels && GTK_IS_LABEL (widget) && *gtk_label_get_label (GTK_LABEL (widget)) != '\0'
      && pango_layout_is_ellipsized (gtk_label_get_layout (GTK_LABEL (widget))))
    g_error ("The label “%s” is ellipsized", gtk_label_get_label (GTK_LABEL (widget)));
  /* A plot asks for the width its title and legend need. */
  if (BP_IS_PLOT (widget))
    {
      int min;

      gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &min, NULL, NULL, NULL);
      g_assert_cmpint (gtk_widget_get_width (widget), >=, min);
    }
  (*n_checked)++;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child;
       child = gtk_widget_get_next_sibling (child))
    check_nothing_cut (content, child, labels, scrolled || GTK_IS_SCROLLED_WINDOW (widget),
                       n_checked);
}

static void
assert_nothing_cut (BpWindow *window, gboolean labels)
{
  GtkWidget *content = adw_application_window_get_content (ADW_APPLICATION_WINDOW (window));
  int n = 0;

  ui_test_iterate (200);
  check_nothing_cut (content, content, labels, FALSE, &n);
  g_assert_cmpint (n, >, 50);
}

static AdwFlap *
window_flap (BpWindow *window)
{
  return ADW_FLAP (ui_test_find_type (GTK_WIDGET (window), ADW_TYPE_FLAP));
}

static void
check_layout (int width, int height, gboolean dark)
{
  BpWindow *window;
  AdwFlap *flap;
  GtkWidget *export_button;

  set_dark (dark);
  window = trained_window (width, height);
  flap = window_flap (window);
  /* Wide enough for the panel beside the views. */
  g_assert_false (adw_flap_get_folded (flap));
  g_assert_true (adw_flap_get_reveal_flap (flap));
  assert_nothing_cut (window, TRUE);
  shoot (window, "curves", width, height, dark);
  show_page (window, "inspect");
  export_button = ui_test_find_type (GTK_WIDGET (bp_window_get_inspector (window)),
                                     GTK_TYPE_MENU_BUTTON);
  g_assert_true (gtk_widget_get_mapped (export_button));
  assert_nothing_cut (window, TRUE);
  shoot (window, "inspect", width, height, dark);
  /* Every view of the inspector, not only the first. */
  {
    static const char *views[] = { "mistakes", "confusion", "boundary", "features", "weights" };

    for (guint i = 0; i < G_N_ELEMENTS (views); i++)
      {
        bp_inspector_set_visible_view (bp_window_get_inspector (window), views[i]);
        ui_test_iterate (300);
        assert_nothing_cut (window, TRUE);
      }
    bp_inspector_set_visible_view (bp_window_get_inspector (window), "predictions");
  }
  show_page (window, "curves");
  ui_test_close (window, 5);
  set_dark (FALSE);
}

static gboolean
has_state (gpointer data)
{
  BpInspectState *state = bp_inspector_get_state (bp_window_get_inspector (data));

  return state != NULL && state->test != NULL;
}

/* The network the CNN layout cases show. */
#define CNN_SPEC "conv:6:5,relu,maxpool:2,conv:16:5:1:2,relu,avgpool:2:1,batchnorm,dense:120,relu,dense:10"

/* A window of @width x @height on MNIST with a CNN in the panel: rows with
 * four settings each keep the side panel at its width, and nothing in it
 * is cut off or ellipsized. */
static void
check_cnn_panel (int width, int height, gboolean dark)
{
  const char *root = g_getenv ("BACKPROP_TEST_DATA");
  g_autoptr(GSettings) settings = g_settings_new ("io.github.backprop.Backprop");
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse (CNN_SPEC, NULL);
  BpWindow *window;
  AdwFlap *flap;

  g_assert_nonnull (root);
  g_assert_nonnull (spec);
  g_settings_set_string (settings, "data-folder", root);
  set_dark (dark);
  window = ui_test_window_sized ("mnist", width, height);
  bp_layer_panel_set_spec (bp_window_get_panel (window), spec);
  g_assert_true (bp_layer_panel_get_valid (bp_window_get_panel (window)));
  flap = window_flap (window);
  g_assert_false (adw_flap_get_folded (flap));
  shoot (window, "cnn-panel", width, height, dark);
  assert_nothing_cut (window, TRUE);
  /* Its width-request: the rows did not widen it. */
  g_assert_cmpint (gtk_widget_get_width (adw_flap_get_flap (flap)), <=, 370);

  /* Trained one batch (an epoch each made this case take 126 s, not 31):
   * its feature maps and its filters, nothing cut. */
  show_page (window, "inspect");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.step-batch", NULL));
  g_assert_true (ui_test_wait (has_state, window, 60));
  g_assert_null (bp_window_get_run_error (window));
  for (int v = 0; v < 2; v++)
    {
      const char *view = v == 0 ? "features" : "weights";
      g_autofree char *what = g_strdup_printf ("cnn-%s", view);

      bp_inspector_set_visible_view (bp_window_get_inspector (window), view);
      ui_test_iterate (800);
      assert_nothing_cut (window, TRUE);
      shoot (window, what, width, height, dark);
    }
  ui_test_close (window, 5);
  set_dark (FALSE);
}

static void
test_layout_cnn (void)
{
  check_cnn_panel (1024, 700, FALSE);
  check_cnn_panel (1024, 700, TRUE);
  check_cnn_panel (1920, 1080, FALSE);
  check_cnn_panel (1920, 1080, TRUE);
}

static void
test_layout_1024 (void)
{
  check_layout (1024, 700, FALSE);
  check_layout (1024, 700, TRUE);
}

static void
test_layout_1920 (void)
{
  check_layout (1920, 1080, FALSE);
  check_layout (1920, 1080, TRUE);
}

static gboolean
flap_shown (gpointer data)
{
  return adw_flap_get_reveal_progress (data) >= 1.0;
}

/* At 700 px the panel folds away; the header-bar button brings it back
 * over the views, and it fits; F9 hides it. */
static void
test_layout_narrow (void)
{
  BpWindow *window = trained_window (700, 700);
  AdwFlap *flap = window_flap (window);
  GtkWidget *button = ui_test_find_type (GTK_WIDGET (window), GTK_TYPE_TOGGLE_BUTTON);

  g_assert_true (adw_flap_get_folded (flap));
  g_assert_false (adw_flap_get_reveal_flap (flap));
  g_assert_false (gtk_widget_get_child_visible (adw_flap_get_flap (flap)));
  /* The window title may give way to the controls here, nothing else. */
  assert_nothing_cut (window, FALSE);
  shoot (window, "curves", 700, 700, FALSE);

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_mapped (button));
  g_assert_true (gtk_widget_activate (button));
  g_assert_true (ui_test_wait (flap_shown, flap, 5));
  g_assert_true (adw_flap_get_reveal_flap (flap));
  assert_nothing_cut (window, FALSE);
  shoot (window, "panel", 700, 700, FALSE);
  /* F9 hides it again. */
  ui_test_key (GTK_WIDGET (window), GDK_KEY_F9, 0);
  ui_test_iterate (500);
  g_assert_false (adw_flap_get_reveal_flap (flap));
  ui_test_close (window, 5);
}

/* A toast (here the one a finished run shows) stays above the status
 * line: it covered "Finished" and the epoch count. */
static void
test_layout_toast (void)
{
  BpWindow *window = trained_window (1024, 700);
  GType toast_type = g_type_from_name ("AdwToastWidget");
  GtkWidget *toast, *status;
  graphene_rect_t toast_bounds, status_bounds;

  g_assert_true (toast_type != 0);
  toast = ui_test_find_type (GTK_WIDGET (window), toast_type);
  g_assert_nonnull (toast);
  g_assert_true (gtk_widget_get_mapped (toast));
  /* The status line is the progress bar's row and the row under it. */
  status = gtk_widget_get_parent (gtk_widget_get_parent (
    ui_test_find_type (GTK_WIDGET (window), GTK_TYPE_PROGRESS_BAR)));
  g_assert_true (gtk_widget_compute_bounds (toast, GTK_WIDGET (window), &toast_bounds));
  g_assert_true (gtk_widget_compute_bounds (status, GTK_WIDGET (window), &status_bounds));
  g_test_message ("toast %.0f..%.0f, status %.0f..%.0f", toast_bounds.origin.y,
                  toast_bounds.origin.y + toast_bounds.size.height, status_bounds.origin.y,
                  status_bounds.origin.y + status_bounds.size.height);
  g_assert_false (graphene_rect_intersection (&toast_bounds, &status_bounds, NULL));
  ui_test_close (window, 5);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/layout/1024x700", test_layout_1024);
  g_test_add_func ("/ui/layout/1920x1080", test_layout_1920);
  g_test_add_func ("/ui/layout/narrow", test_layout_narrow);
  g_test_add_func ("/ui/layout/cnn-panel", test_layout_cnn);
  g_test_add_func ("/ui/layout/toast", test_layout_toast);
  return g_test_run ();
}
