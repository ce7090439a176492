/* test-views.c: the Cairo views on synthetic data, under a real display.
 *
 * BpPlot gets curves of known shape; BpInspector gets a hand-built NnData of
 * a few 28x28 byte images and an NnEvalResult whose mistakes are known, so
 * every count can be checked exactly. Each view is also saved as a PNG in
 * $BACKPROP_TEST_OUTPUT for a person to look at. This does not train
 * anything; tests/test-ui-inspect.c does that through the window.
 */
#include "ui-test-util.h"
#include "test-util.h"

#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "bp-boundary.h"
#include "bp-confusion-matrix.h"
#include "bp-inspector.h"
#include "bp-misclassified.h"
#include "bp-plot.h"
#include "bp-prediction-grid.h"
#include "nn-types.h"
#include "test-params.h"

static GtkWidget *
show_in_window (GtkWidget *child, int width, int height)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_set_child (GTK_WINDOW (window), child);
  gtk_window_present (GTK_WINDOW (window));
  for (int i = 0; i < 200 && gtk_widget_get_width (child) == 0; i++)
    ui_test_iterate (10);
  ui_test_iterate (100);
  return window;
}

static void
assert_file_nonempty (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_size, >, 100);
}

/* (transfer full) a fresh FIFO in the output folder. */
static char *
make_fifo (const char *name)
{
  char *path = g_build_filename (ui_test_output_dir (), name, NULL);

  g_remove (path);
  g_assert_cmpint (mkfifo (path, 0600), ==, 0);
  return path;
}

/* An export onto a FIFO is refused with a sentence, and the FIFO stays. */
static void
assert_fifo_refused (gboolean ok, GError **error, const char *fifo)
{
  GStatBuf st;

  g_assert_false (ok);
  g_assert_error (*error, NN_ERROR, NN_ERROR_NOT_REGULAR_FILE);
  g_assert_nonnull (strstr ((*error)->message, fifo));
  g_clear_error (error);
  g_assert_cmpint (g_lstat (fifo, &st), ==, 0);
  g_assert_true (S_ISFIFO (st.st_mode));
}

/* ---- BpPlot ------------------------------------------------------------- */

static void
fill_loss_curves (BpPlot *plot, guint *train, guint *val, int n_batches, int epochs)
{
  g_autofree double *xy = g_new (double, 2 * n_batches * epochs);
  GRand *rand = g_rand_new_with_seed (7);

  *train = bp_plot_add_series (plot, "training (per batch)", BP_SERIES_RAW, NULL);
  *val = bp_plot_add_series (plot, "validation", BP_SERIES_POINTS, NULL);
  for (int i = 0; i < n_batches * epochs; i++)
    {
      double x = (double) (i + 1) / n_batches;

      xy[2 * i] = x;
      xy[2 * i + 1] = 2.3 * exp (-x * 1.5) + 0.05 + g_rand_double_range (rand, 0, 0.15) * exp (-x);
    }
  bp_plot_append_many (plot, *train, xy, n_batches * epochs);
  for (int e = 1; e <= epochs; e++)
    bp_plot_append (plot, *val, e, 2.3 * exp (-e * 1.5) + 0.09);
  g_rand_free (rand);
}

static void
test_plot_points (void)
{
  GtkWidget *plot = bp_plot_new ();
  GtkWidget *window;
  guint train, val, drawn;
  double x0, x1, y0, y1;
  gint64 t0;

  bp_plot_set_title (BP_PLOT (plot), "Loss");
  window = show_in_window (plot, 600, 360);

  /* Empty: no range, nothing drawn, but a snapshot must not crash. */
  g_assert_false (bp_plot_get_view (BP_PLOT (plot), NULL, NULL, NULL, NULL));
  ui_test_screenshot (window, "plot-empty.png");

  t0 = g_get_monotonic_time ();
  fill_loss_curves (BP_PLOT (plot), &train, &val, 20000, 10);
  g_assert_cmpuint (bp_plot_get_n_points (BP_PLOT (plot), train), ==, 200000);
  g_assert_cmpuint (bp_plot_get_n_points (BP_PLOT (plot), val), ==, 10);
  /* Decimated to a few points per pixel column, not 200k. */
  drawn = bp_plot_get_n_drawn (BP_PLOT (plot), train);
  g_test_message ("200k points appended and prepared in %.1f ms",
                  (g_get_monotonic_time () - t0) / 1000.0);
  ui_test_iterate (100);
  g_assert_cmpuint (drawn, >, 100);
  g_assert_cmpuint (drawn, <=, 4 * (guint) gtk_widget_get_width (plot) + 8);
  g_assert_cmpuint (bp_plot_get_n_drawn (BP_PLOT (plot), val), ==, 10);

  g_assert_true (bp_plot_get_view (BP_PLOT (plot), &x0, &x1, &y0, &y1));
  g_assert_cmpfloat_with_epsilon (x0, 1.0 / 20000, 1e-9);
  g_assert_cmpfloat_with_epsilon (x1, 10, 1e-9);

  bp_plot_clear (BP_PLOT (plot));
  g_assert_cmpuint (bp_plot_get_n_points (BP_PLOT (plot), train), ==, 0);
  g_assert_false (bp_plot_get_view (BP_PLOT (plot), NULL, NULL, NULL, NULL));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_plot_log_fit (void)
{
  g_autoptr (GtkWidget) plot = g_object_ref_sink (bp_plot_new ());
  double x0, x1, y0, y1;
  guint s = bp_plot_add_series (BP_PLOT (plot), "loss", BP_SERIES_RAW, "#3584e4");

  bp_plot_append (BP_PLOT (plot), s, 0, 10);
  bp_plot_append (BP_PLOT (plot), s, 1, 1);
  bp_plot_append (BP_PLOT (plot), s, 2, 0.001);
  bp_plot_append (BP_PLOT (plot), s, 3, 0);     /* unusable on a log axis */
  bp_plot_append (BP_PLOT (plot), s, 4, NAN);   /* a diverged batch */

  /* Linear auto-fit: the data's extent plus a margin on y. */
  g_assert_true (bp_plot_get_view (BP_PLOT (plot), &x0, &x1, &y0, &y1));
  g_assert_cmpfloat (x0, ==, 0);
  g_assert_cmpfloat (x1, ==, 3);
  g_assert_cmpfloat (y0, <, 0);
  g_assert_cmpfloat (y0, >, -1);
  g_assert_cmpfloat (y1, >, 10);
  g_assert_cmpfloat (y1, <, 11);

  /* Log: zero and NaN are left out; the range spans four decades, padded. */
  bp_plot_set_log_y (BP_PLOT (plot), TRUE);
  g_assert_true (bp_plot_get_log_y (BP_PLOT (plot)));
  g_assert_true (bp_plot_get_view (BP_PLOT (plot), &x0, &x1, &y0, &y1));
  g_assert_cmpfloat (x1, ==, 2);
  g_assert_cmpfloat (y0, >, 0);
  g_assert_cmpfloat (y0, <, 0.001);
  g_assert_cmpfloat (y0, >, 0.0005);
  g_assert_cmpfloat (y1, >, 10);
  g_assert_cmpfloat (y1, <, 20);

  /* Fixed limits override auto-fit, NAN returns to it. */
  bp_plot_set_log_y (BP_PLOT (plot), FALSE);
  bp_plot_set_y_limits (BP_PLOT (plot), 0, 1);
  g_assert_true (bp_plot_get_view (BP_PLOT (plot), NULL, NULL, &y0, &y1));
  g_assert_cmpfloat (y0, ==, 0);
  g_assert_cmpfloat (y1, ==, 1);
  bp_plot_set_y_limits (BP_PLOT (plot), NAN, NAN);
  g_assert_true (bp_plot_get_view (BP_PLOT (plot), NULL, NULL, NULL, &y1));
  g_assert_cmpfloat (y1, >, 10);
}

static void
test_plot_export (void)
{
  g_autoptr (GtkWidget) plot = g_object_ref_sink (bp_plot_new ());
  g_autofree char *csv_path = g_build_filename (ui_test_output_dir (), "plot-export.csv", NULL);
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GError) error = NULL;
  guint a = bp_plot_add_series (BP_PLOT (plot), "train, raw", BP_SERIES_RAW, NULL);
  guint b = bp_plot_add_series (BP_PLOT (plot), "val", BP_SERIES_POINTS, NULL);
  static const struct { BpExportFormat format; const char *name; } formats[] = {
    { BP_EXPORT_PNG, "plot-export.png" },
    { BP_EXPORT_SVG, "plot-export.svg" },
    { BP_EXPORT_PDF, "plot-export.pdf" },
  };

  bp_plot_set_title (BP_PLOT (plot), "Accuracy");
  bp_plot_set_x_label (BP_PLOT (plot), "epoch");
  bp_plot_set_y_label (BP_PLOT (plot), "accuracy");
  bp_plot_set_y_limits (BP_PLOT (plot), 0, 1);
  for (int i = 0; i < 300; i++)
    bp_plot_append (BP_PLOT (plot), a, i / 100.0, 1 - 0.9 * exp (-i / 60.0));
  bp_plot_append (BP_PLOT (plot), b, 1, 0.5);
  bp_plot_append (BP_PLOT (plot), b, 2, 0.75);
  bp_plot_append (BP_PLOT (plot), b, 3, 0.875);
  bp_plot_add_marker (BP_PLOT (plot), 1.5, "lr 0.01");

  g_assert_true (bp_plot_export (BP_PLOT (plot), csv_path, BP_EXPORT_CSV, 0, 0, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (csv_path, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "series,x,y");
  g_assert_cmpstr (lines[1], ==, "\"train, raw\",0,0.1");
  g_assert_cmpstr (lines[301], ==, "\"val\",1,0.5");
  g_assert_cmpstr (lines[303], ==, "\"val\",3,0.875");
  g_assert_cmpstr (lines[304], ==, "");
  g_assert_null (lines[305]);

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autofree char *path = g_build_filename (ui_test_output_dir (), formats[i].name, NULL);

      g_assert_true (bp_plot_export (BP_PLOT (plot), path, formats[i].format, 640, 360, &error));
      g_assert_no_error (error);
      assert_file_nonempty (path);
    }

  /* The PNG is the size asked for. */
  {
    g_autofree char *path = g_build_filename (ui_test_output_dir (), "plot-export.png", NULL);
    g_autoptr (GdkTexture) tex = gdk_texture_new_from_filename (path, &error);

    g_assert_no_error (error);
    g_assert_cmpint (gdk_texture_get_width (tex), ==, 640);
    g_assert_cmpint (gdk_texture_get_height (tex), ==, 360);
  }

  /* A path that cannot be written is an error, not a crash. */
  g_assert_false (bp_plot_export (BP_PLOT (plot), "/nonexistent/dir/x.png", BP_EXPORT_PNG, 100, 100,
                                  &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (bp_plot_export (BP_PLOT (plot), "/nonexistent/dir/x.csv", BP_EXPORT_CSV, 0, 0,
                                  &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* Every format goes through the safe save: a FIFO is refused and left
   * as it was, a symlink is followed and stays a link. */
  {
    g_autofree char *fifo = make_fifo ("plot-export.fifo");
    g_autofree char *target = g_build_filename (ui_test_output_dir (), "plot-linked.svg", NULL);
    g_autofree char *link = g_build_filename (ui_test_output_dir (), "plot-link.svg", NULL);
    static const BpExportFormat all[] = { BP_EXPORT_CSV, BP_EXPORT_PNG, BP_EXPORT_SVG,
                                          BP_EXPORT_PDF };
    GStatBuf st;

    test_guard_hang (30);
    for (guint i = 0; i < G_N_ELEMENTS (all); i++)
      assert_fifo_refused (bp_plot_export (BP_PLOT (plot), fifo, all[i], 100, 100, &error), &error,
                           fifo);
    test_guard_hang (0);

    g_remove (link);
    g_assert_true (g_file_set_contents (target, "old", -1, NULL));
    g_assert_cmpint (symlink ("plot-linked.svg", link), ==, 0);
    g_assert_true (bp_plot_export (BP_PLOT (plot), link, BP_EXPORT_SVG, 200, 100, &error));
    g_assert_no_error (error);
    g_assert_cmpint (g_lstat (link, &st), ==, 0);
    g_assert_true (S_ISLNK (st.st_mode));
    assert_file_nonempty (target);
    g_remove (fifo);
    g_remove (link);
  }
}

static void
test_plot_screenshot (void)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *loss = bp_plot_new (), *acc = bp_plot_new ();
  GtkWidget *window;
  guint train, val, a, b;

  gtk_widget_set_vexpand (loss, TRUE);
  gtk_widget_set_vexpand (acc, TRUE);
  gtk_box_append (GTK_BOX (box), loss);
  gtk_box_append (GTK_BOX (box), acc);

  bp_plot_set_title (BP_PLOT (loss), "Loss");
  bp_plot_set_x_label (BP_PLOT (loss), "epoch");
  bp_plot_set_y_label (BP_PLOT (loss), "cross-entropy");
  bp_plot_set_log_y (BP_PLOT (loss), TRUE);
  fill_loss_curves (BP_PLOT (loss), &train, &val, 938, 5);
  bp_plot_add_marker (BP_PLOT (loss), 3, "lr → 0.0001");

  bp_plot_set_title (BP_PLOT (acc), "Accuracy");
  bp_plot_set_x_label (BP_PLOT (acc), "epoch");
  bp_plot_set_y_label (BP_PLOT (acc), "accuracy");
  a = bp_plot_add_series (BP_PLOT (acc), "training (per batch)", BP_SERIES_RAW, NULL);
  b = bp_plot_add_series (BP_PLOT (acc), "validation", BP_SERIES_POINTS, NULL);
  for (int i = 1; i <= 938 * 5; i++)
    bp_plot_append (BP_PLOT (acc), a, i / 938.0,
                    MIN (1, 0.98 - 0.8 * exp (-i / 300.0) + g_random_double_range (-0.04, 0.04)));
  for (int e = 1; e <= 5; e++)
    bp_plot_append (BP_PLOT (acc), b, e, 0.975 - 0.1 * exp (-e));

  window = show_in_window (box, 720, 640);
  ui_test_screenshot (window, "plot-curves.png");

  /* The readout follows the pointer (driven through the motion controller):
   * a box of a few thousand pixels beside the pointer, the rest of the
   * plot as it was, and gone again when the pointer leaves. */
  {
    GtkEventController *motion = ui_test_find_controller (loss, GTK_TYPE_EVENT_CONTROLLER_MOTION);
    g_autoptr(GdkTexture) before = ui_test_render (loss);
    g_autoptr(GdkTexture) hovered = NULL, left = NULL;
    double px = gtk_widget_get_width (loss) * 0.4, py = gtk_widget_get_height (loss) * 0.5;
    GdkRectangle area;
    guint changed;

    g_assert_nonnull (motion);
    g_signal_emit_by_name (motion, "motion", px, py);
    hovered = ui_test_render (loss);
    changed = ui_test_diff (before, hovered, NULL, &area);
    if (g_test_verbose ())
      g_printerr ("readout: %u pixels in %dx%d at %d,%d\n", changed, area.width, area.height, area.x,
                  area.y);
    g_assert_cmpuint (changed, >, 2000);
    g_assert_cmpint (area.width, >, 100);
    g_assert_cmpint (area.height, >, 25);
    /* beside the point nearest the pointer, not over the whole plot */
    g_assert_cmpint (area.x, <, px + 20);
    g_assert_cmpint (area.x + area.width, >, px);
    g_assert_cmpint (area.width, <, gtk_widget_get_width (loss) * 0.8);
    ui_test_screenshot (window, "plot-readout.png");

    g_signal_emit_by_name (motion, "leave");
    left = ui_test_render (loss);
    g_assert_cmpuint (ui_test_diff (before, left, NULL, NULL), ==, 0);
  }

  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- BpInspector on synthetic images ------------------------------------ */

#define N_SAMPLES 40

static const char *fashion_names[] = {
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot", NULL,
};

/* Test samples the fake network gets wrong, and what it says instead. */
static const struct { int sample, predicted; } mistakes[] = {
  { 3, 5 }, { 13, 5 }, { 7, 1 }, { 18, 0 }, { 25, 3 }, { 36, 0 },
};

/* Beyond the hand-made set the speed tests want either mostly wrong
 * answers (about 9,000 mistakes in 10,000) or mostly right ones (about 450,
 * a trained MNIST network's count). */
static gboolean beyond_mostly_right;

static int
predicted_for (int sample)
{
  if (sample >= N_SAMPLES)
    return beyond_mostly_right && sample % 22 != 0 ? sample % 10 : (sample * 7 / 10) % 10;
  for (guint m = 0; m < G_N_ELEMENTS (mistakes); m++)
    if (mistakes[m].sample == sample)
      return mistakes[m].predicted;
  return sample % 10;
}

/* A stroke at an angle that depends on the class, so the images differ, and
 * in the top row a marker pixel that the fake network reads the answer from. */
static void
draw_sample (guint8 *px, int sample, int label)
{
  double angle = label * G_PI / 10 + (sample % 3) * 0.08;
  int pred = predicted_for (sample);

  memset (px, 0, 784);
  for (double t = -9; t <= 9; t += 0.25)
    for (int dx = -1; dx <= 1; dx++)
      for (int dy = -1; dy <= 1; dy++)
        {
          int x = (int) round (14 + t * cos (angle)) + dx;
          int y = (int) round (14 + t * sin (angle)) + dy;

          if (x >= 0 && x < 28 && y >= 2 && y < 28)
            px[y * 28 + x] = MAX (px[y * 28 + x], dx == 0 && dy == 0 ? 255 : 150);
        }
  /* Brighter markers make more confident answers: a spread to sort by. */
  px[2 + 2 * pred] = (guint8) (110 + (sample * 37) % 145);
}

static NnData *
make_image_data_n (int n)
{
  NnData *data = g_new0 (NnData, 1);
  GError *error = NULL;

  g_atomic_ref_count_init (&data->ref_count);
  data->name = g_strdup ("synthetic");
  data->title = g_strdup ("Synthetic");
  data->class_names = g_strdupv ((char **) fashion_names);
  data->train = nn_dataset_new (NN_TASK_CLASSIFICATION, nn_shape_3d (1, 28, 28), n, 10,
                                TRUE, &error);
  g_assert_no_error (error);
  data->test = nn_dataset_new (NN_TASK_CLASSIFICATION, nn_shape_3d (1, 28, 28), n, 10,
                               TRUE, &error);
  g_assert_no_error (error);
  data->train_rows = g_new (guint32, n);
  data->n_train = n;
  for (int i = 0; i < n; i++)
    {
      data->train_rows[i] = i;
      data->train->labels[i] = data->test->labels[i] = i % 10;
      draw_sample (data->train->bytes + i * 784, i, i % 10);
      draw_sample (data->test->bytes + i * 784, i, i % 10);
    }
  return data;
}

typedef struct
{
  NnData         *data;
  NnTrainer      *trainer;
  NnEvalResult   *test;
  BpInspectState *state;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer size)
{
  int n = size ? ABS (GPOINTER_TO_INT (size)) : N_SAMPLES;
  g_autoptr (NnNetSpec) spec = NULL;
  g_autoptr (GError) error = NULL;
  NnTrainConfig config;
  NnNetwork *net;
  float *w, *b;
  int shape[2], blen;
  g_autofree guint32 *rows = NULL;

  /* A negative size asks for mostly right answers. */
  beyond_mostly_right = size && GPOINTER_TO_INT (size) < 0;
  f->data = make_image_data_n (n);
  spec = nn_net_spec_parse ("flatten,dense:10", &error);
  g_assert_no_error (error);
  nn_train_config_init (&config);
  f->trainer = nn_trainer_new (spec, f->data, &config, &error);
  g_assert_no_error (error);

  /* Logit k = 8 * marker pixel k: the network answers what the marker says. */
  net = nn_trainer_get_network (f->trainer);
  g_assert_true (test_layer_params (net, 1, &w, shape, &b, &blen));
  g_assert_cmpint (shape[0], ==, 10);
  g_assert_cmpint (shape[1], ==, 784);
  memset (w, 0, sizeof (float) * 7840);
  memset (b, 0, sizeof (float) * blen);
  for (int k = 0; k < 10; k++)
    w[k * 784 + 2 + 2 * k] = 8;
  /* Some structure in the first units' templates, for the weights view. */
  for (int k = 0; k < 10; k++)
    for (int p = 28 * 4; p < 784; p++)
      w[k * 784 + p] = 0.01f * (float) sin ((p % 28) * 0.3 * (k + 1)) * cos ((p / 28) * 0.2 * (k + 1));

  rows = g_new (guint32, n);
  for (int i = 0; i < n; i++)
    rows[i] = i;
  f->test = nn_trainer_evaluate (f->trainer, f->data->test, rows, n, &error);
  g_assert_no_error (error);
  f->state = bp_inspect_state_compute (nn_trainer_get_network (f->trainer),
                                       nn_trainer_get_data (f->trainer),
                                       nn_trainer_get_config (f->trainer)->loss, f->test, 1, 40);
}

static void
fixture_teardown (Fixture *f, gconstpointer unused)
{
  bp_inspect_state_unref (f->state);
  nn_eval_result_unref (f->test);
  nn_trainer_free (f->trainer);
  nn_data_unref (f->data);
}

static void
test_inspect_state (Fixture *f, gconstpointer unused)
{
  /* The synthetic evaluation is what it was built to be. */
  g_assert_cmpint (f->test->n, ==, N_SAMPLES);
  g_assert_cmpint (f->test->n_correct, ==, N_SAMPLES - (int) G_N_ELEMENTS (mistakes));
  for (int i = 0; i < N_SAMPLES; i++)
    g_assert_cmpint (f->test->predicted[i], ==, predicted_for (i));

  /* The state reuses the evaluation rather than making its own. */
  g_assert_true (f->state->test == f->test);
  g_assert_true (f->state->data == f->data);
  g_assert_cmpint (f->state->epoch, ==, 1);
  g_assert_nonnull (f->state->weights);
  g_assert_cmpint (f->state->weight_units, ==, 10);
  g_assert_cmpint (f->state->weight_in, ==, 784);
  g_assert_cmpfloat (f->state->weights[3 * 784 + 8], ==, 8);
  g_assert_null (f->state->boundary);
}

static GtkWidget *
inspector_with (Fixture *f, GtkWidget **window)
{
  GtkWidget *inspector = bp_inspector_new ();

  *window = show_in_window (inspector, 1000, 720);
  bp_inspector_apply (BP_INSPECTOR (inspector), f->state);
  ui_test_iterate (100);
  return inspector;
}

static void
test_inspector_counts (Fixture *f, gconstpointer unused)
{
  GtkWidget *window, *inspector = inspector_with (f, &window);
  BpInspector *insp = BP_INSPECTOR (inspector);
  BpPredictionGrid *grid = BP_PREDICTION_GRID (bp_inspector_get_view (insp, "predictions"));
  BpMisclassified *mis = BP_MISCLASSIFIED (bp_inspector_get_view (insp, "mistakes"));
  BpConfusionMatrix *cm = BP_CONFUSION_MATRIX (bp_inspector_get_view (insp, "confusion"));
  int off = 0, errors = f->test->n - f->test->n_correct;
  float last = 2;

  g_assert_cmpuint (bp_prediction_grid_get_n_tiles (grid), ==, N_SAMPLES);
  g_assert_cmpuint (bp_prediction_grid_get_n_images (grid), ==, N_SAMPLES);
  g_assert_cmpuint (bp_prediction_grid_get_n_wrong (grid), ==, G_N_ELEMENTS (mistakes));

  /* Mistakes = n - n_correct = the matrix's off-diagonal sum. */
  g_assert_cmpint (bp_confusion_matrix_get_n_classes (cm), ==, 10);
  for (int t = 0; t < 10; t++)
    for (int p = 0; p < 10; p++)
      if (t != p)
        off += bp_confusion_matrix_get_count (cm, t, p);
  g_assert_cmpint (errors, ==, (int) G_N_ELEMENTS (mistakes));
  g_assert_cmpuint (bp_misclassified_get_n_total (mis), ==, errors);
  g_assert_cmpint (off, ==, errors);
  g_assert_cmpint (bp_confusion_matrix_get_n_off_diagonal (cm), ==, errors);
  g_assert_cmpint (bp_confusion_matrix_get_count (cm, 3, 5), ==, 2);
  g_assert_cmpint (bp_confusion_matrix_get_count (cm, 4, 4), ==, 4);

  /* Most confident mistakes first. */
  for (guint i = 0; i < bp_misclassified_get_n_shown (mis); i++)
    {
      int idx = bp_misclassified_get_shown (mis, i);
      float conf = f->test->outputs[idx * 10 + f->test->predicted[idx]];

      g_assert_cmpint (f->test->predicted[idx], !=, f->test->labels[idx]);
      g_assert_cmpfloat (conf, <=, last);
      last = conf;
    }

  /* Activating a matrix cell filters the browser to that pair and shows it. */
  bp_confusion_matrix_activate_cell (cm, 3, 5);
  g_assert_cmpstr (bp_inspector_get_visible_view (insp), ==, "mistakes");
  g_assert_cmpuint (bp_misclassified_get_n_shown (mis), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      int idx = bp_misclassified_get_shown (mis, i);

      g_assert_cmpint (f->test->labels[idx], ==, 3);
      g_assert_cmpint (f->test->predicted[idx], ==, 5);
    }
  g_assert_cmpint (bp_misclassified_get_selected (mis), ==, bp_misclassified_get_shown (mis, 0));
  ui_test_iterate (100);
  ui_test_screenshot (window, "inspector-mistakes-filtered.png");

  /* The same through a real click on the cell of (7, 1). */
  bp_inspector_set_visible_view (insp, "confusion");
  ui_test_iterate (100);
  {
    double x, y;
    GtkEventController *click = ui_test_find_controller (GTK_WIDGET (cm), GTK_TYPE_GESTURE_CLICK);

    g_assert_true (bp_confusion_matrix_get_cell_center (cm, 7, 1, &x, &y));
    g_assert_nonnull (click);
    g_signal_emit_by_name (click, "released", 1, x, y);
  }
  g_assert_cmpstr (bp_inspector_get_visible_view (insp), ==, "mistakes");
  g_assert_cmpuint (bp_misclassified_get_n_shown (mis), ==, 1);
  g_assert_cmpint (bp_misclassified_get_shown (mis, 0), ==, 7);

  /* "Any" again shows them all; an empty pair shows none. */
  bp_misclassified_set_filter (mis, -1, -1);
  g_assert_cmpuint (bp_misclassified_get_n_shown (mis), ==, errors);
  bp_misclassified_set_filter (mis, 0, 9);
  g_assert_cmpuint (bp_misclassified_get_n_shown (mis), ==, 0);
  bp_misclassified_set_filter (mis, -1, 0);
  g_assert_cmpuint (bp_misclassified_get_n_shown (mis), ==, 2);

  /* A new run clears everything. */
  bp_inspector_apply (insp, NULL);
  g_assert_cmpuint (bp_prediction_grid_get_n_tiles (grid), ==, 0);
  g_assert_cmpuint (bp_misclassified_get_n_total (mis), ==, 0);
  g_assert_cmpint (bp_confusion_matrix_get_n_classes (cm), ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_inspector_keyboard (Fixture *f, gconstpointer unused)
{
  GtkWidget *window, *inspector = inspector_with (f, &window);
  BpInspector *insp = BP_INSPECTOR (inspector);
  BpConfusionMatrix *cm = BP_CONFUSION_MATRIX (bp_inspector_get_view (insp, "confusion"));
  BpMisclassified *mis = BP_MISCLASSIFIED (bp_inspector_get_view (insp, "mistakes"));
  GtkEventController *key;
  gboolean handled = FALSE;
  static const guint keys[] = { GDK_KEY_Down, GDK_KEY_Down, GDK_KEY_Down, GDK_KEY_Right,
                                GDK_KEY_Right, GDK_KEY_Right, GDK_KEY_Right, GDK_KEY_Right,
                                GDK_KEY_Return };

  /* Every view can take focus and names itself to assistive technology. */
  bp_inspector_set_visible_view (insp, "confusion");
  ui_test_iterate (50);
  g_assert_true (gtk_widget_get_focusable (GTK_WIDGET (cm)));
  g_assert_true (gtk_widget_get_focusable (bp_inspector_get_view (insp, "predictions")));
  g_assert_true (gtk_widget_get_focusable (bp_inspector_get_view (insp, "weights")));
  gtk_widget_grab_focus (GTK_WIDGET (cm));

  /* Arrow keys move from (0, 0) to (3, 5); Enter opens those mistakes. */
  key = ui_test_find_controller (GTK_WIDGET (cm), GTK_TYPE_EVENT_CONTROLLER_KEY);
  g_assert_nonnull (key);
  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    {
      g_signal_emit_by_name (key, "key-pressed", keys[k], 0, 0, &handled);
      g_assert_true (handled);
    }
  g_assert_cmpstr (bp_inspector_get_visible_view (insp), ==, "mistakes");
  {
    int t, p;

    bp_misclassified_get_filter (mis, &t, &p);
    g_assert_cmpint (t, ==, 3);
    g_assert_cmpint (p, ==, 5);
  }

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_inspector_export (Fixture *f, gconstpointer unused)
{
  GtkWidget *window, *inspector = inspector_with (f, &window);
  BpInspector *insp = BP_INSPECTOR (inspector);
  static const char *views[] = { "predictions", "mistakes", "confusion", "boundary", "weights" };
  g_autoptr (GError) error = NULL;
  g_autofree char *csv = g_build_filename (ui_test_output_dir (), "confusion.csv", NULL);
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      g_autofree char *name = g_strdup_printf ("export-%s.png", views[i]);
      g_autofree char *path = g_build_filename (ui_test_output_dir (), name, NULL);
      g_autoptr (GdkTexture) tex = NULL;

      g_assert_true (bp_inspector_export_view (insp, views[i], path, &error));
      g_assert_no_error (error);
      assert_file_nonempty (path);
      tex = gdk_texture_new_from_filename (path, &error);
      g_assert_no_error (error);
      g_assert_cmpint (gdk_texture_get_width (tex), >=, 300);
    }

  g_assert_true (bp_inspector_export_view (insp, "confusion", csv, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (csv, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  g_assert_true (g_str_has_prefix (lines[0], "true \\ predicted,\"T-shirt/top\",\"Trouser\""));
  g_assert_true (g_str_has_suffix (lines[0], ",accuracy"));
  /* Dress (3): 2 right, 2 taken for Sandal (5). */
  g_assert_cmpstr (lines[4], ==, "\"Dress\",0,0,0,2,0,2,0,0,0,0,0.500000");

  g_assert_false (bp_inspector_export_view (insp, "nonsense", csv, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Each view's PNG, and the confusion CSV, refuse a FIFO and leave it. */
  {
    g_autofree char *fifo = make_fifo ("export-view.png");
    g_autofree char *fifo_csv = make_fifo ("export-view.csv");

    test_guard_hang (30);
    for (guint i = 0; i < G_N_ELEMENTS (views); i++)
      assert_fifo_refused (bp_inspector_export_view (insp, views[i], fifo, &error), &error, fifo);
    assert_fifo_refused (bp_inspector_export_view (insp, "confusion", fifo_csv, &error), &error,
                         fifo_csv);
    test_guard_hang (0);
    g_remove (fifo);
    g_remove (fifo_csv);
  }

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_inspector_screenshots (Fixture *f, gconstpointer unused)
{
  GtkWidget *window, *inspector = bp_inspector_new ();
  BpInspector *insp = BP_INSPECTOR (inspector);
  static const char *views[] = { "predictions", "mistakes", "confusion", "boundary", "weights" };

  window = show_in_window (inspector, 1000, 720);
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      g_autofree char *name = g_strdup_printf ("inspector-empty-%s.png", views[i]);

      bp_inspector_set_visible_view (insp, views[i]);
      ui_test_iterate (60);
      ui_test_screenshot (window, name);
    }

  bp_inspector_apply (insp, f->state);
  bp_misclassified_select (BP_MISCLASSIFIED (bp_inspector_get_view (insp, "mistakes")), 0);
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      g_autofree char *name = g_strdup_printf ("inspector-%s.png", views[i]);

      bp_inspector_set_visible_view (insp, views[i]);
      ui_test_iterate (60);
      ui_test_screenshot (window, name);
    }

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Applying a 10k-sample evaluation (about 9k mistakes) stays well inside a
 * frame budget or two: it runs once per epoch on the main thread. */
static void
test_inspector_apply_speed (Fixture *f, gconstpointer unused)
{
  GtkWidget *window, *inspector = bp_inspector_new ();
  BpMisclassified *mis;
  gint64 t0;
  double ms;

  window = show_in_window (inspector, 1000, 720);
  mis = BP_MISCLASSIFIED (bp_inspector_get_view (BP_INSPECTOR (inspector), "mistakes"));
  bp_inspector_set_visible_view (BP_INSPECTOR (inspector), "mistakes");
  t0 = g_get_monotonic_time ();
  bp_inspector_apply (BP_INSPECTOR (inspector), f->state);
  ms = (g_get_monotonic_time () - t0) / 1000.0;
  g_test_message ("apply of %d test samples with %u mistakes: %.1f ms", f->test->n,
                  bp_misclassified_get_n_total (mis), ms);
  g_assert_cmpuint (bp_misclassified_get_n_total (mis), ==, f->test->n - f->test->n_correct);
  g_assert_cmpfloat (ms, <, 500);
  ui_test_iterate (100);

  /* The case that repeats every epoch: a state replaces another, with one
   * of the views on screen. Busy is the main loop's work in the 200 ms
   * after (the frame that shows it, and anything deferred). */
  {
    static const char *views[] = { "mistakes", "predictions", "confusion", "weights" };

    for (guint v = 0; v < G_N_ELEMENTS (views); v++)
      {
        gint64 end, busy = 0;

        bp_inspector_set_visible_view (BP_INSPECTOR (inspector), views[v]);
        ui_test_iterate (100);
        t0 = g_get_monotonic_time ();
        bp_inspector_apply (BP_INSPECTOR (inspector), f->state);
        ms = (g_get_monotonic_time () - t0) / 1000.0;
        end = g_get_monotonic_time () + 200 * 1000;
        while (g_get_monotonic_time () < end)
          {
            gint64 t1 = g_get_monotonic_time ();

            if (g_main_context_iteration (NULL, FALSE))
              busy += g_get_monotonic_time () - t1;
            else
              g_usleep (500);
          }
        g_test_message ("re-apply with %s visible: %.2f ms, then busy %.2f ms", views[v], ms,
                        busy / 1000.0);
      }
  }
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- The decision boundary on XOR ---------------------------------------- */

static void
test_boundary_xor (void)
{
  g_autoptr (NnData) data = NULL;
  g_autoptr (NnNetSpec) spec = NULL;
  g_autoptr (GError) error = NULL;
  NnTrainConfig config;
  NnTrainer *trainer;
  BpInspectState *state;
  GtkWidget *window, *inspector = bp_inspector_new ();
  BpBoundary *boundary;
  guint32 rows[4] = { 0, 1, 2, 3 };
  NnEvalResult *test;

  data = nn_data_load ("xor", NULL, &error);
  g_assert_no_error (error);
  spec = nn_net_spec_parse ("dense:8,tanh,dense:2", &error);
  g_assert_no_error (error);
  nn_train_config_init (&config);
  config.optim.lr = 0.05f;
  config.batch_size = 4;
  config.epochs = 300;
  trainer = nn_trainer_new (spec, data, &config, &error);
  g_assert_no_error (error);
  g_assert_true (nn_trainer_run (trainer, NULL, NULL, &error));
  g_assert_no_error (error);

  test = nn_trainer_evaluate (trainer, data->test, rows, 4, &error);
  g_assert_no_error (error);
  g_assert_cmpint (test->n_correct, ==, 4);
  state = bp_inspect_state_compute (nn_trainer_get_network (trainer), nn_trainer_get_data (trainer),
                                     nn_trainer_get_config (trainer)->loss, test, 300, 300);
  g_assert_nonnull (state->boundary);
  g_assert_cmpint (state->boundary_res, ==, 64);
  g_assert_null (state->weights);   /* not image data */

  window = show_in_window (inspector, 700, 640);
  bp_inspector_apply (BP_INSPECTOR (inspector), state);
  bp_inspector_set_visible_view (BP_INSPECTOR (inspector), "boundary");
  boundary = BP_BOUNDARY (bp_inspector_get_view (BP_INSPECTOR (inspector), "boundary"));
  g_assert_true (bp_boundary_has_map (boundary));

  /* The map separates the four points: each lies in its own class's region. */
  for (int i = 0; i < 4; i++)
    g_assert_cmpint (bp_boundary_class_at (boundary, data->test->floats[2 * i],
                                           data->test->floats[2 * i + 1]),
                     ==, data->test->labels[i]);
  ui_test_iterate (60);
  ui_test_screenshot (window, "inspector-boundary-xor.png");

  gtk_window_destroy (GTK_WINDOW (window));
  bp_inspect_state_unref (state);
  nn_eval_result_unref (test);
  nn_trainer_free (trainer);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/views/plot/points", test_plot_points);
  g_test_add_func ("/views/plot/log-fit", test_plot_log_fit);
  g_test_add_func ("/views/plot/export", test_plot_export);
  g_test_add_func ("/views/plot/screenshot", test_plot_screenshot);
  g_test_add ("/views/inspector/state", Fixture, NULL, fixture_setup, test_inspect_state,
              fixture_teardown);
  g_test_add ("/views/inspector/counts-and-filter", Fixture, NULL, fixture_setup,
              test_inspector_counts, fixture_teardown);
  g_test_add ("/views/inspector/keyboard", Fixture, NULL, fixture_setup, test_inspector_keyboard,
              fixture_teardown);
  g_test_add ("/views/inspector/export", Fixture, NULL, fixture_setup, test_inspector_export,
              fixture_teardown);
  g_test_add ("/views/inspector/screenshots", Fixture, NULL, fixture_setup,
              test_inspector_screenshots, fixture_teardown);
  g_test_add ("/views/inspector/apply-speed", Fixture, GINT_TO_POINTER (10000), fixture_setup,
              test_inspector_apply_speed, fixture_teardown);
  g_test_add ("/views/inspector/apply-speed-few", Fixture, GINT_TO_POINTER (-10000),
              fixture_setup, test_inspector_apply_speed, fixture_teardown);
  g_test_add_func ("/views/boundary/xor", test_boundary_xor);

  return g_test_run ();
}
