/* test-ui-inspect.c: the inspection views in the real window, under Xvfb.
 *
 * After one epoch of MNIST (the full set: the window has no subset option,
 * and an epoch takes a second or two) the prediction grid shows test images,
 * the misclassified count shown equals the test evaluation's errors, the
 * confusion matrix's off-diagonal sum and the reported accuracy; clicking a
 * matrix cell filters the browser to that pair. XOR's decision boundary puts
 * each of its four points on its own class's side; Fashion-MNIST's grid
 * speaks in class names. Every view is saved as a screenshot of the whole
 * window at its default size (from the GSettings schema, not a test size),
 * the way a user sees it. Missing datasets fail, they do not skip.
 *
 * /ui/inspect/throughput reports the training throughput with the Inspect
 * page visible next to backprop-cli's on the same run (issue 4 asks for
 * within 80 %); it asserts nothing about speed, which depends on what else
 * the machine runs.
 */
#include "ui-test-util.h"

#include <string.h>
#ifdef __linux__
#include <sys/resource.h>
#endif

#include "bp-boundary.h"
#include "bp-confusion-matrix.h"
#include "bp-feature-map-view.h"
#include "bp-misclassified.h"
#include "bp-prediction-grid.h"
#include "bp-weights.h"

static const char *views[] = { "predictions", "mistakes", "confusion", "boundary", "weights" };

static void
use_shared_datasets (const char *name)
{
  const char *root = g_getenv ("BACKPROP_TEST_DATA");
  g_autoptr (GSettings) settings = NULL;
  g_autofree char *dir = NULL;

  if (root == NULL)
    g_error ("BACKPROP_TEST_DATA is not set: the test needs the shared datasets");
  dir = g_build_filename (root, name, NULL);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    g_error ("%s is not in %s: the test needs it", name, dir);
  settings = g_settings_new ("io.github.backprop.Backprop");
  g_settings_set_string (settings, "data-folder", root);
}

static void
show_inspect_page (BpWindow *window, const char *view)
{
  AdwViewStack *stack = ADW_VIEW_STACK (ui_test_find_type (GTK_WIDGET (window), ADW_TYPE_VIEW_STACK));

  adw_view_stack_set_visible_child_name (stack, "inspect");
  bp_inspector_set_visible_view (bp_window_get_inspector (window), view);
  g_assert_cmpstr (bp_inspector_get_visible_view (bp_window_get_inspector (window)), ==, view);
}

static void
screenshot_views (BpWindow *window, const char *prefix)
{
  BpInspector *inspector = bp_window_get_inspector (window);
  const char *was = bp_inspector_get_visible_view (inspector);
  g_autofree char *keep = g_strdup (was);

  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      g_autofree char *name = g_strdup_printf ("%s-%s.png", prefix, views[i]);

      show_inspect_page (window, views[i]);
      ui_test_screenshot (GTK_WIDGET (window), name);
    }
  show_inspect_page (window, keep);
}

/* The first label under @root whose text starts with @prefix. */
static GtkLabel *
find_label (GtkWidget *root, const char *prefix)
{
  if (GTK_IS_LABEL (root) && g_str_has_prefix (gtk_label_get_text (GTK_LABEL (root)), prefix))
    return GTK_LABEL (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found = find_label (child, prefix);
      if (found)
        return found;
    }
  return NULL;
}

/* A real click as the matrix's click gesture receives it. */
static void
click_cell (BpConfusionMatrix *cm, int truth, int predicted)
{
  GtkEventController *click = ui_test_find_controller (GTK_WIDGET (cm), GTK_TYPE_GESTURE_CLICK);
  double x, y;

  g_assert_true (bp_confusion_matrix_get_cell_center (cm, truth, predicted, &x, &y));
  g_assert_cmpfloat (x, <, gtk_widget_get_width (GTK_WIDGET (cm)));
  g_assert_cmpfloat (y, <, gtk_widget_get_height (GTK_WIDGET (cm)));
  g_assert_nonnull (click);
  g_signal_emit_by_name (click, "pressed", 1, x, y);
  g_signal_emit_by_name (click, "released", 1, x, y);
}

/* Items in the browser's list view: what a user can scroll through. */
static guint
n_listed (BpMisclassified *mis)
{
  /* The one in the paned; the drop-downs have list views of their own. */
  GtkWidget *paned = ui_test_find_type (GTK_WIDGET (mis), GTK_TYPE_PANED);
  GtkListView *list;

  g_assert_nonnull (paned);
  list = GTK_LIST_VIEW (ui_test_find_type (paned, GTK_TYPE_LIST_VIEW));
  g_assert_nonnull (list);
  return g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (list)));
}

static void
assert_filtered (BpInspector *inspector, BpMisclassified *mis, BpConfusionMatrix *cm, int t, int p)
{
  BpInspectState *state = bp_inspector_get_state (inspector);
  int ft, fp;
  guint count = bp_confusion_matrix_get_count (cm, t, p);
  g_autofree char *shown = g_strdup_printf ("%u shown · ", count);

  g_assert_cmpstr (bp_inspector_get_visible_view (inspector), ==, "mistakes");
  bp_misclassified_get_filter (mis, &ft, &fp);
  g_assert_cmpint (ft, ==, t);
  g_assert_cmpint (fp, ==, p);
  g_assert_cmpuint (bp_misclassified_get_n_shown (mis), ==, count);
  g_assert_cmpuint (n_listed (mis), ==, count);
  g_assert_nonnull (find_label (GTK_WIDGET (mis), shown));
  for (guint i = 0; i < count; i++)
    {
      int idx = bp_misclassified_get_shown (mis, i);

      g_assert_cmpint (state->test->labels[idx], ==, t);
      g_assert_cmpint (state->test->predicted[idx], ==, p);
    }
  /* The first one is selected and shown large. */
  g_assert_cmpint (bp_misclassified_get_selected (mis), ==, bp_misclassified_get_shown (mis, 0));
}

static gboolean
has_epoch_state (gpointer data)
{
  BpInspectState *state = bp_inspector_get_state (bp_window_get_inspector (data));

  return state && state->test && state->epoch >= 1 && ui_test_run_idle (data);
}

static void
test_inspect_mnist (void)
{
  BpWindow *window;
  BpInspector *inspector;
  BpInspectState *state;
  BpPredictionGrid *grid;
  BpMisclassified *mis;
  BpConfusionMatrix *cm;
  int correct = 0, n = 0, errors, k, sum = 0, off = 0, best_t = -1, best_p = -1, second_t = -1,
      second_p = -1;
  double start;
  g_autofree char *shown = NULL;
  g_autofree char *result = NULL;

  use_shared_datasets ("mnist");
  window = ui_test_window_sized ("mnist", 0, 0);
  inspector = bp_window_get_inspector (window);
  grid = BP_PREDICTION_GRID (bp_inspector_get_view (inspector, "predictions"));
  mis = BP_MISCLASSIFIED (bp_inspector_get_view (inspector, "mistakes"));
  cm = BP_CONFUSION_MATRIX (bp_inspector_get_view (inspector, "confusion"));

  /* Before training: every view is in its empty state. */
  g_assert_null (bp_inspector_get_state (inspector));
  g_assert_cmpuint (bp_prediction_grid_get_n_tiles (grid), ==, 0);
  g_assert_cmpint (bp_confusion_matrix_get_n_classes (cm), ==, 0);
  screenshot_views (window, "ui-inspect-empty");

  /* One epoch with the views on screen, as a user watching them would. */
  show_inspect_page (window, "predictions");
  bp_window_set_epochs (window, 1);
  start = g_get_monotonic_time () / 1e6;
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  g_assert_true (ui_test_wait (has_epoch_state, window, 120));
  g_test_message ("MNIST: one epoch with the Inspect page visible: %.0f samples/s "
                  "(wall %.2f s including the test pass)",
                  bp_window_get_samples_per_second (window),
                  g_get_monotonic_time () / 1e6 - start);
  g_assert_null (bp_window_get_run_error (window));

  g_assert_true (bp_window_get_test_result (window, &correct, &n));
  g_assert_cmpint (n, ==, 10000);
  errors = n - correct;
  state = bp_inspector_get_state (inspector);
  g_assert_cmpint (state->epoch, ==, 1);
  g_assert_cmpint (state->test->n, ==, n);
  g_assert_cmpint (state->test->n_correct, ==, correct);
  /* One epoch of the MLP preset learns something, and not everything. */
  g_assert_cmpint (correct, >, 9000);
  g_assert_cmpint (errors, >, 0);

  /* The grid: test images with their pixels, the same count every time. */
  g_assert_cmpuint (bp_prediction_grid_get_n_tiles (grid), >=, 32);
  g_assert_cmpuint (bp_prediction_grid_get_n_images (grid), ==, bp_prediction_grid_get_n_tiles (grid));
  g_assert_cmpuint (bp_prediction_grid_get_n_wrong (grid), <=, bp_prediction_grid_get_n_tiles (grid));
  {
    g_autofree char *text = bp_prediction_grid_get_tile_text (grid, 0);

    g_assert_nonnull (text);
    g_assert_true (g_str_has_prefix (text, "predicted "));
  }

  /* The matrix: every test sample once, its mistakes off the diagonal. */
  k = bp_confusion_matrix_get_n_classes (cm);
  g_assert_cmpint (k, ==, 10);
  for (int t = 0; t < k; t++)
    for (int p = 0; p < k; p++)
      {
        int c = bp_confusion_matrix_get_count (cm, t, p);

        sum += c;
        if (t == p)
          continue;
        off += c;
        if (best_t < 0 || c > bp_confusion_matrix_get_count (cm, best_t, best_p))
          {
            second_t = best_t;
            second_p = best_p;
            best_t = t;
            best_p = p;
          }
        else if (second_t < 0 || c > bp_confusion_matrix_get_count (cm, second_t, second_p))
          {
            second_t = t;
            second_p = p;
          }
      }
  g_assert_cmpint (sum, ==, n);
  g_assert_cmpint (off, ==, errors);
  g_assert_cmpint (bp_confusion_matrix_get_n_off_diagonal (cm), ==, errors);

  /* The browser: the count it shows is the evaluation's, and so is the
   * accuracy beside it, and so is the window's result. */
  g_assert_cmpuint (bp_misclassified_get_n_total (mis), ==, (guint) errors);
  g_assert_cmpuint (n_listed (mis), ==, (guint) errors);
  shown = g_strdup_printf ("%d misclassified of %d · test accuracy %.2f %%", errors, n,
                           100.0 * correct / n);
  g_assert_nonnull (find_label (GTK_WIDGET (mis), shown));
  g_assert_cmpfloat_with_epsilon (state->test->accuracy, (double) correct / n, 1e-6);
  result = g_strdup_printf ("Test: %.1f %% (%d/%d)", 100.0 * correct / n, correct, n);
  g_assert_nonnull (find_label (GTK_WIDGET (window), result));

  /* Every view takes keyboard focus and names itself; arrow keys move
   * through the grid, and its description follows the focused tile. */
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      GtkWidget *view = bp_inspector_get_view (inspector, views[i]);

      g_assert_true (gtk_widget_get_focusable (view) || GTK_IS_WIDGET (ui_test_find_type (view, GTK_TYPE_LIST_VIEW)));
      if (!gtk_test_accessible_has_property (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_PROPERTY_LABEL))
        g_error ("the %s view has no accessible name", views[i]);
    }
  {
    GtkEventController *key = ui_test_find_controller (GTK_WIDGET (grid),
                                                       GTK_TYPE_EVENT_CONTROLLER_KEY);
    g_autofree char *second = bp_prediction_grid_get_tile_text (grid, 1);
    g_autofree char *description = g_strdup_printf ("Sample 2 of %u: %s",
                                                    bp_prediction_grid_get_n_tiles (grid), second);
    gboolean handled = FALSE;

    show_inspect_page (window, "predictions");
    gtk_widget_grab_focus (GTK_WIDGET (grid));
    g_assert_nonnull (key);
    g_signal_emit_by_name (key, "key-pressed", GDK_KEY_Right, 0, 0, &handled);
    g_assert_true (handled);
    g_assert_cmpint (bp_prediction_grid_get_focus (grid), ==, 1);
    gtk_test_accessible_assert_property (grid, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description);
  }

  /* The inspector's own status line says the same, in full at the
   * window's default width. */
  {
    g_autofree char *status = g_strdup_printf ("After epoch 1 · test accuracy %.2f %% · %d of %d "
                                               "misclassified", 100.0 * correct / n, errors, n);
    GtkLabel *label = find_label (GTK_WIDGET (inspector), "After epoch");

    g_assert_nonnull (label);
    g_assert_cmpstr (gtk_label_get_text (label), ==, status);
    g_assert_false (pango_layout_is_ellipsized (gtk_label_get_layout (label)));
  }

  screenshot_views (window, "ui-inspect-mnist");

  /* What a state costs the main loop: applying it (every view prepares
   * what it draws) and drawing each view from that. */
  {
    g_autoptr (BpInspectState) again = bp_inspect_state_ref (state);
    gint64 t0 = g_get_monotonic_time ();

    bp_inspector_apply (inspector, NULL);
    bp_inspector_apply (inspector, again);
    g_test_message ("MNIST: applying a state takes %.1f ms", (g_get_monotonic_time () - t0) / 1e3);
    state = bp_inspector_get_state (inspector);
    for (guint i = 0; i < G_N_ELEMENTS (views); i++)
      {
        GtkWidget *view = bp_inspector_get_view (inspector, views[i]);
        g_autoptr (GdkPaintable) paintable = NULL;
        GtkSnapshot *snapshot;
        g_autoptr (GskRenderNode) node = NULL;
        g_autoptr (GdkTexture) texture = NULL;

        show_inspect_page (window, views[i]);
        ui_test_iterate (100);
        paintable = gtk_widget_paintable_new (view);
        t0 = g_get_monotonic_time ();
        snapshot = gtk_snapshot_new ();
        gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (view),
                                gtk_widget_get_height (view));
        node = gtk_snapshot_free_to_node (snapshot);
        if (node)
          texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (view)),
                                                 node, &GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (view),
                                                                            gtk_widget_get_height (view)));
        g_test_message ("MNIST: drawing %s (%dx%d) takes %.1f ms", views[i],
                        gtk_widget_get_width (view), gtk_widget_get_height (view),
                        (g_get_monotonic_time () - t0) / 1e3);
      }
  }

  /* A real click on the most frequent confusion filters the browser. */
  show_inspect_page (window, "confusion");
  ui_test_iterate (100);
  click_cell (cm, best_t, best_p);
  assert_filtered (inspector, mis, cm, best_t, best_p);
  g_assert_cmpuint (bp_misclassified_get_n_shown (mis), >, 0);
  ui_test_screenshot (GTK_WIDGET (window), "ui-inspect-mnist-mistakes-filtered.png");

  /* The activate path (Enter on a focused cell) does the same. */
  show_inspect_page (window, "confusion");
  bp_confusion_matrix_activate_cell (cm, second_t, second_p);
  assert_filtered (inspector, mis, cm, second_t, second_p);

  /* A diagonal cell has no mistakes to show: the matrix stays. */
  show_inspect_page (window, "confusion");
  bp_confusion_matrix_activate_cell (cm, 0, 0);
  g_assert_cmpstr (bp_inspector_get_visible_view (inspector), ==, "confusion");
  g_assert_cmpuint (bp_misclassified_get_n_shown (mis), ==, 0);

  /* "Any" again: all of them. */
  bp_misclassified_set_filter (mis, -1, -1);
  g_assert_cmpuint (n_listed (mis), ==, (guint) errors);

  ui_test_close (window, 5.0);
}

static void
test_inspect_xor_boundary (void)
{
  BpWindow *window = ui_test_window_sized ("xor", 0, 0);
  BpInspector *inspector = bp_window_get_inspector (window);
  BpBoundary *boundary = BP_BOUNDARY (bp_inspector_get_view (inspector, "boundary"));
  BpInspectState *state;
  NnData *data;
  int correct = 0, n = 0;

  show_inspect_page (window, "boundary");
  g_assert_false (bp_boundary_has_map (boundary));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  g_assert_true (ui_test_wait (ui_test_run_idle, window, 30));
  g_assert_null (bp_window_get_run_error (window));
  g_assert_true (bp_window_get_test_result (window, &correct, &n));
  g_assert_cmpint (correct, ==, 4);

  /* The last epoch's state is the one shown. */
  state = bp_inspector_get_state (inspector);
  g_assert_nonnull (state);
  g_assert_nonnull (state->boundary);
  g_assert_true (bp_boundary_has_map (boundary));
  data = state->data;
  g_assert_cmpint (data->test->n, ==, 4);
  for (int i = 0; i < 4; i++)
    {
      double x = data->test->floats[2 * i], y = data->test->floats[2 * i + 1];
      int label = data->test->labels[i], res = state->boundary_res, best = 0;
      int gx = CLAMP ((int) ((x - data->xmin) / (data->xmax - data->xmin) * res), 0, res - 1);
      int gy = CLAMP ((int) ((y - data->ymin) / (data->ymax - data->ymin) * res), 0, res - 1);
      const float *out = state->boundary + ((size_t) gy * res + gx) * state->boundary_outputs;

      /* The computed grid at the point... */
      for (int c = 1; c < state->boundary_outputs; c++)
        if (out[c] > out[best])
          best = c;
      g_test_message ("XOR point (%g, %g), class %d: grid says %d (p = %.3f)", x, y, label, best,
                      out[best]);
      g_assert_cmpint (best, ==, label);
      /* ...and the map the view draws. */
      g_assert_cmpint (bp_boundary_class_at (boundary, x, y), ==, label);
    }
  ui_test_screenshot (GTK_WIDGET (window), "ui-inspect-xor-boundary.png");
  ui_test_close (window, 5.0);
}

static void
test_inspect_regression (void)
{
  /* Regression has no plane to colour: the Boundary page plots predicted
   * against true values from the epoch's test evaluation. */
  BpWindow *window = ui_test_window_sized ("regression", 0, 0);
  BpInspector *inspector = bp_window_get_inspector (window);
  BpBoundary *boundary = BP_BOUNDARY (bp_inspector_get_view (inspector, "boundary"));
  BpInspectState *state;
  double sse = 0, mean = 0, sst = 0;
  int n;

  show_inspect_page (window, "boundary");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  g_assert_true (ui_test_wait (ui_test_run_idle, window, 60));
  g_assert_null (bp_window_get_run_error (window));

  state = bp_inspector_get_state (inspector);
  g_assert_nonnull (state);
  g_assert_nonnull (state->test);
  g_assert_nonnull (state->test->targets);
  g_assert_null (state->boundary);
  g_assert_false (bp_boundary_has_map (boundary));
  n = state->test->n;
  g_assert_cmpint (n, >, 0);
  /* What the scatter shows is a fit, not noise. */
  for (int i = 0; i < n; i++)
    mean += state->test->targets[i] / n;
  for (int i = 0; i < n; i++)
    {
      double d = state->test->outputs[i] - state->test->targets[i];
      sse += d * d;
      sst += (state->test->targets[i] - mean) * (state->test->targets[i] - mean);
    }
  g_test_message ("regression: R² of the plotted points %.4f (reported %.4f)", 1 - sse / sst,
                  (double) state->test->r2);
  g_assert_cmpfloat (1 - sse / sst, >, 0.9);
  g_assert_cmpfloat_with_epsilon (1 - sse / sst, state->test->r2, 1e-3);
  ui_test_screenshot (GTK_WIDGET (window), "ui-inspect-regression.png");
  ui_test_close (window, 5.0);
}

static void
test_inspect_fashion_names (void)
{
  BpWindow *window;
  BpInspector *inspector;
  BpPredictionGrid *grid;
  NnData *data;
  guint named = 0;

  use_shared_datasets ("fashion-mnist");
  window = ui_test_window_sized ("fashion-mnist", 0, 0);
  inspector = bp_window_get_inspector (window);
  grid = BP_PREDICTION_GRID (bp_inspector_get_view (inspector, "predictions"));
  data = bp_window_get_data (window);
  g_assert_nonnull (data->class_names);
  g_assert_cmpstr (data->class_names[0], ==, "T-shirt/top");

  show_inspect_page (window, "predictions");
  bp_window_set_epochs (window, 1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  g_assert_true (ui_test_wait (has_epoch_state, window, 120));
  g_assert_cmpuint (bp_prediction_grid_get_n_images (grid), >=, 32);

  /* Every tile says what it is in words: "predicted Sneaker, 97 %, true Sneaker". */
  for (guint i = 0; i < bp_prediction_grid_get_n_tiles (grid); i++)
    {
      g_autofree char *text = bp_prediction_grid_get_tile_text (grid, i);
      gboolean found = FALSE;

      for (int c = 0; data->class_names[c]; c++)
        {
          g_autofree char *truth = g_strdup_printf (", true %s", data->class_names[c]);

          found = found || g_str_has_suffix (text, truth);
        }
      g_assert_true (found);
      named++;
    }
  g_assert_cmpuint (named, >=, 32);
  screenshot_views (window, "ui-inspect-fashion");
  ui_test_close (window, 5.0);
}

#define BENCH_EPOCHS 4

/* Throughput is measured the same way on both sides, from the wall-clock
 * times at which epochs 1 and BENCH_EPOCHS were reported: each interval is
 * an epoch of training plus its test pass, so the figure includes whatever
 * the app does around them (applying and drawing the views, the main loop
 * sharing two cores with the trainer). Epoch 1's warm-up is left out. */
static double
rate_between (const double *t)
{
  return 60000.0 * (BENCH_EPOCHS - 1) / (t[BENCH_EPOCHS - 1] - t[0]);
}

/* backprop-cli on the same preset and epochs, with its own choice of
 * threads as the window makes it; its epoch lines go to stderr as each
 * epoch ends. 0 without the CLI. */
static double
cli_samples_per_second (const char *root)
{
  const char *cli = g_getenv ("BACKPROP_CLI");
  g_autofree char *epochs = g_strdup_printf ("%d", BENCH_EPOCHS);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GDataInputStream) in = NULL;
  g_autoptr (GError) error = NULL;
  double t[BENCH_EPOCHS];
  int n = 0;

  if (!cli || !g_file_test (cli, G_FILE_TEST_IS_EXECUTABLE))
    return 0;
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                           &error, cli, "train", "--dataset", "mnist", "--data-dir", root,
                           "--preset", "mnist-mlp", "--epochs", epochs, NULL);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_subprocess_get_stderr_pipe (proc));
  for (char *line; (line = g_data_input_stream_read_line (in, NULL, NULL, &error)); g_free (line))
    {
      if (g_str_has_prefix (line, "Epoch ") && n < BENCH_EPOCHS)
        t[n++] = g_get_monotonic_time () / 1e6;
      g_test_message ("cli: %s", line);
    }
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (proc, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, BENCH_EPOCHS);
  return rate_between (t);
}

static gboolean
keep_going (gpointer unused)
{
  return G_SOURCE_CONTINUE;
}

/* CPU seconds the calling thread has used (the main loop's cost), or -1. */
static double
thread_cpu_seconds (void)
{
#ifdef RUSAGE_THREAD
  struct rusage ru;

  if (getrusage (RUSAGE_THREAD, &ru) == 0)
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
#endif
  return -1;
}

/* Training throughput with the Inspect page on screen, a different view
 * shown every epoch, against backprop-cli on the same run (issue 4 asks for
 * within 80 %). Reported, not asserted: the machine is shared. */
static void
test_inspect_throughput (void)
{
  BpWindow *window;
  BpInspector *inspector;
  double t[BENCH_EPOCHS], start, app, cli, cpu0, cpu1;
  int seen = 0;
  guint wake;

  use_shared_datasets ("mnist");
  window = ui_test_window_sized ("mnist", 0, 0);
  inspector = bp_window_get_inspector (window);
  show_inspect_page (window, views[0]);
  bp_window_set_epochs (window, BENCH_EPOCHS);
  start = g_get_monotonic_time () / 1e6;
  cpu0 = thread_cpu_seconds ();
  wake = g_timeout_add (50, keep_going, NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  for (gboolean done = FALSE; !done && g_get_monotonic_time () / 1e6 - start < 120;)
    {
      BpInspectState *state;

      /* The last epoch's state comes with the update that ends the run. */
      done = ui_test_run_idle (window);
      state = bp_inspector_get_state (inspector);
      if (state && state->epoch > seen)
        {
          g_assert_cmpint (state->epoch, ==, seen + 1);
          t[seen++] = g_get_monotonic_time () / 1e6;
          show_inspect_page (window, views[seen % G_N_ELEMENTS (views)]);
        }
      /* Sleep until something happens, as the app's own loop does; the
       * timer only bounds the wait. */
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (wake);
  cpu1 = thread_cpu_seconds ();
  g_assert_null (bp_window_get_run_error (window));
  g_assert_cmpint (seen, ==, BENCH_EPOCHS);
  app = rate_between (t);
  /* The main loop's own work: updates, the views, drawing. */
  g_test_message ("app: %.2f s wall from Train to finished; main thread CPU %.2f s",
                  g_get_monotonic_time () / 1e6 - start, cpu1 - cpu0);
  g_test_message ("app: last epoch %.0f samples/s by the trainer's own clock",
                  bp_window_get_samples_per_second (window));
  ui_test_close (window, 5.0);

  cli = cli_samples_per_second (g_getenv ("BACKPROP_TEST_DATA"));
  g_test_message ("throughput, MNIST mnist-mlp (Adam), epochs 2-%d incl. test passes, the "
                  "trainer's own choice of threads: "
                  "app with the Inspect page visible %.0f samples/s, backprop-cli %.0f "
                  "samples/s: %.0f %%", BENCH_EPOCHS, app, cli, cli > 0 ? 100.0 * app / cli : 0.0);
}

/* ---- feature maps ------------------------------------------------------ */

typedef struct
{
  BpFeatureMapView *view;
  int               sample;
} MapsWait;

static gboolean
maps_shown (gpointer data)
{
  MapsWait *w = data;
  BpFeatureMaps *maps = bp_feature_map_view_get_maps (w->view);

  return maps != NULL && maps->sample == w->sample;
}

static gboolean
message_shown (gpointer data)
{
  return bp_feature_map_view_get_message (data) != NULL;
}

/* Trains @spec on MNIST for @epochs with the Feature maps page on screen;
 * returns how many different training steps the page showed maps of
 * while it trained (it follows training live). */
static int
train_watching_maps (BpWindow *window, const char *spec_text, int epochs)
{
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse (spec_text, NULL);
  BpFeatureMapView *view = BP_FEATURE_MAP_VIEW (bp_inspector_get_view (bp_window_get_inspector (window),
                                                                       "features"));
  guint64 last = G_MAXUINT64;
  int n_steps = 0;
  gint64 end = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  g_assert_nonnull (spec);
  bp_layer_panel_set_spec (bp_window_get_panel (window), spec);
  g_assert_true (bp_layer_panel_get_valid (bp_window_get_panel (window)));
  show_inspect_page (window, "features");
  bp_window_set_epochs (window, epochs);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train", NULL));
  ui_test_iterate (50);
  while (g_get_monotonic_time () < end)
    {
      BpFeatureMaps *maps = bp_feature_map_view_get_maps (view);
      BpInspectState *state = bp_inspector_get_state (bp_window_get_inspector (window));

      if (maps && maps->step != last)
        {
          last = maps->step;
          n_steps++;
        }
      /* Done: the run ended and the last state's maps are in. */
      if (ui_test_run_idle (window) && state && state->epoch >= epochs
          && (!bp_inspect_state_has_feature_maps (state) || (maps && maps->step == state->step)))
        break;
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  g_assert_true (ui_test_run_idle (window));
  g_assert_null (bp_window_get_run_error (window));
  return n_steps;
}

/* The Weights page shows @n_tiles tiles under @caption, and its caption
 * and colour key are on screen outside the scrolled grid. */
static void
assert_weights_page (BpWindow *window, const char *caption, guint n_tiles, const char *shot)
{
  BpInspector *inspector = bp_window_get_inspector (window);
  BpWeights *weights = BP_WEIGHTS (bp_inspector_get_view (inspector, "weights"));
  GtkWidget *legend = ui_test_find_type (GTK_WIDGET (inspector), BP_TYPE_WEIGHTS_LEGEND);
  graphene_rect_t bounds;

  show_inspect_page (window, "weights");
  ui_test_iterate (200);
  g_assert_cmpstr (bp_weights_get_caption (weights), ==, caption);
  g_assert_cmpuint (bp_weights_get_n_tiles (weights), ==, n_tiles);
  g_assert_nonnull (legend);
  g_assert_true (gtk_widget_get_mapped (legend));
  g_assert_null (gtk_widget_get_ancestor (legend, GTK_TYPE_SCROLLED_WINDOW));
  g_assert_true (gtk_widget_compute_bounds (legend, GTK_WIDGET (window), &bounds));
  g_assert_cmpfloat (bounds.size.height, >=, 30);
  g_assert_cmpfloat (bounds.origin.y + bounds.size.height, <=,
                     gtk_widget_get_height (GTK_WIDGET (window)));
  ui_test_screenshot (GTK_WIDGET (window), shot);
}

/* A network whose layers keep the image's shape (ReLU, tanh on 1×28×28)
 * shows a map for each of them, of the sample picked by index, by a click
 * in Predictions or in Mistakes, updating as it trains; a double click
 * opens the page. An MLP's page says why it has none. */
static void
test_inspect_feature_maps (void)
{
  BpWindow *window;
  BpInspector *inspector;
  BpFeatureMapView *view;
  BpPredictionGrid *grid;
  BpMisclassified *mis;
  BpFeatureMaps *maps;
  BpInspectState *state;
  GtkSpinButton *spin;
  MapsWait w;
  int n_steps, row, eval;

  use_shared_datasets ("mnist");
  window = ui_test_window_sized ("mnist", 1024, 700);
  inspector = bp_window_get_inspector (window);
  view = BP_FEATURE_MAP_VIEW (bp_inspector_get_view (inspector, "features"));
  grid = BP_PREDICTION_GRID (bp_inspector_get_view (inspector, "predictions"));
  mis = BP_MISCLASSIFIED (bp_inspector_get_view (inspector, "mistakes"));
  g_assert_nonnull (view);

  /* Before training: nothing to show, in words. */
  show_inspect_page (window, "features");
  g_assert_true (ui_test_wait (message_shown, view, 5));
  g_assert_nonnull (strstr (bp_feature_map_view_get_message (view), "press Train"));

  n_steps = train_watching_maps (window, "relu,tanh,flatten,dense:10", 2);
  g_test_message ("feature maps of %d training steps shown while training", n_steps);
  g_assert_cmpint (n_steps, >=, 2);
  state = bp_inspector_get_state (inspector);
  maps = bp_feature_map_view_get_maps (view);
  g_assert_nonnull (maps);
  g_assert_null (bp_feature_map_view_get_message (view));
  g_assert_cmpint (maps->sample, ==, 0);
  g_assert_cmpint (maps->n_maps, ==, 2);
  for (int m = 0; m < 2; m++)
    {
      g_autofree char *caption = bp_feature_map_caption (&maps->maps[m]);

      g_assert_cmpint (maps->maps[m].layer, ==, m);
      g_assert_cmpstr (caption, ==, m == 0 ? "1 · ReLU · 1×28×28" : "2 · Tanh · 1×28×28");
    }
  g_assert_cmpint (maps->label, ==, state->data->test->labels[0]);
  g_assert_cmpint (maps->predicted, ==, state->test->predicted[0]);
  ui_test_screenshot (GTK_WIDGET (window), "ui-inspect-feature-maps.png");

  /* By index, in the number field. */
  spin = GTK_SPIN_BUTTON (ui_test_find_type (GTK_WIDGET (view), GTK_TYPE_SPIN_BUTTON));
  g_assert_nonnull (spin);
  g_assert_cmpfloat (gtk_adjustment_get_upper (gtk_spin_button_get_adjustment (spin)), ==, 9999);
  gtk_spin_button_set_value (spin, 1234);
  w = (MapsWait) { view, 1234 };
  g_assert_true (ui_test_wait (maps_shown, &w, 10));
  maps = bp_feature_map_view_get_maps (view);
  g_assert_cmpint (maps->label, ==, state->data->test->labels[1234]);

  /* A click on a tile of Predictions picks its sample; a double click
   * shows its maps. */
  show_inspect_page (window, "predictions");
  row = bp_prediction_grid_get_tile_row (grid, 5);
  g_assert_cmpint (row, >, 0);
  g_assert_cmpint (row, !=, 1234);
  bp_prediction_grid_click_tile (grid, 5, 1);
  g_assert_cmpint (bp_feature_map_view_get_sample (view), ==, row);
  g_assert_cmpstr (bp_inspector_get_visible_view (inspector), ==, "predictions");
  row = bp_prediction_grid_get_tile_row (grid, 7);
  bp_prediction_grid_click_tile (grid, 7, 2);
  g_assert_cmpstr (bp_inspector_get_visible_view (inspector), ==, "features");
  w = (MapsWait) { view, row };
  g_assert_true (ui_test_wait (maps_shown, &w, 10));

  /* And a mistake picked in Mistakes. */
  show_inspect_page (window, "mistakes");
  g_assert_cmpuint (bp_misclassified_get_n_shown (mis), >, 1);
  bp_misclassified_select (mis, 1);
  eval = bp_misclassified_get_selected (mis);
  g_assert_cmpint (eval, >=, 0);
  g_assert_cmpint (bp_feature_map_view_get_sample (view), ==, (int) state->test->rows[eval]);
  show_inspect_page (window, "features");
  w = (MapsWait) { view, (int) state->test->rows[eval] };
  g_assert_true (ui_test_wait (maps_shown, &w, 10));
  maps = bp_feature_map_view_get_maps (view);
  g_assert_cmpint (maps->predicted, !=, maps->label);

  /* An MLP has none, and the page says so. */
  train_watching_maps (window, "dense:100,relu,dense:10", 1);
  g_assert_true (ui_test_wait (message_shown, view, 5));
  g_assert_null (bp_feature_map_view_get_maps (view));
  g_assert_cmpstr (bp_feature_map_view_get_message (view), ==,
                   "This network has no convolution or pooling layers; add one to see its "
                   "feature maps.");
  ui_test_screenshot (GTK_WIDGET (window), "ui-inspect-feature-maps-mlp.png");
  /* Its Weights page says it shows 64 of the 100 units, with the key in
   * view. */
  assert_weights_page (window, "Layer 1 · Dense: first 64 of 100 units, each over the 28×28 image",
                       64, "ui-inspect-weights-mlp.png");

  /* A CNN: the convolution, its ReLU and the pooling, each with a tile
   * per filter, pooled to half the size. */
  n_steps = train_watching_maps (window, "conv:6:5,relu,maxpool:2,dense:10", 1);
  g_assert_cmpint (n_steps, >=, 1);
  maps = bp_feature_map_view_get_maps (view);
  g_assert_nonnull (maps);
  g_assert_cmpint (maps->n_maps, ==, 3);
  {
    static const char *captions[] = { "1 · Convolution · 6×24×24", "2 · ReLU · 6×24×24",
                                      "3 · Max pool · 6×12×12" };

    for (int m = 0; m < 3; m++)
      {
        g_autofree char *caption = bp_feature_map_caption (&maps->maps[m]);

        g_assert_cmpstr (caption, ==, captions[m]);
      }
    /* Pooling: each value the largest of its 2×2 window of the ReLU's. */
    for (int c = 0; c < 6; c++)
      for (int y = 0; y < 12; y++)
        for (int x = 0; x < 12; x++)
          {
            const float *r = maps->maps[1].values + c * 576;
            float best = -INFINITY;

            for (int dy = 0; dy < 2; dy++)
              for (int dx = 0; dx < 2; dx++)
                best = MAX (best, r[(2 * y + dy) * 24 + 2 * x + dx]);
            g_assert_cmpfloat (maps->maps[2].values[c * 144 + y * 12 + x], ==, best);
          }
  }
  ui_test_screenshot (GTK_WIDGET (window), "ui-inspect-feature-maps-cnn.png");
  /* The page exports as PNG, as the export button does. */
  {
    g_autofree char *path = g_build_filename (ui_test_output_dir (), "ui-inspect-features-export.png",
                                              NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GdkTexture) png = NULL;

    g_assert_true (bp_inspector_export_view (inspector, "features", path, &error));
    g_assert_no_error (error);
    png = gdk_texture_new_from_filename (path, &error);
    g_assert_no_error (error);
    g_assert_cmpint (gdk_texture_get_height (png), >, 3 * 56);
  }
  /* The Weights page: the convolution's six 5×5 filters. */
  assert_weights_page (window, "Layer 1 · Convolution: all 6 filters of 5×5", 6,
                       "ui-inspect-weights-cnn.png");
  ui_test_close (window, 5);
}

int
main (int argc, char **argv)
{
  /* GTK's test accessibility backend keeps the properties the views set,
   * so the test can read their names back; like "none", it needs no bus. */
  g_setenv ("GTK_A11Y", "test", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/inspect/mnist", test_inspect_mnist);
  g_test_add_func ("/ui/inspect/feature-maps", test_inspect_feature_maps);
  g_test_add_func ("/ui/inspect/xor-boundary", test_inspect_xor_boundary);
  g_test_add_func ("/ui/inspect/regression", test_inspect_regression);
  g_test_add_func ("/ui/inspect/fashion-names", test_inspect_fashion_names);
  g_test_add_func ("/ui/inspect/throughput", test_inspect_throughput);
  return g_test_run ();
}
