/* bp-bench.c: the responsiveness benchmark. See bp-bench.h. */
#include "bp-bench.h"

#include <stdio.h>

#include "bp-window-private.h"
#include "nn-presets.h"

#define TICK_MS 10

typedef struct
{
  BpWindow     *window;
  GApplication *app;
  GArray       *lateness;   /* (double) ms each tick fired after it was due */
  gint64        last_tick;
  guint         tick_source;
  int           epochs;
  char         *inspect_view;   /* --bench-inspect: the inspector view on screen, or NULL */
  gboolean      started;
  gboolean      seen_running;
  double        started_at;
  gint64        phase_start;   /* BP_BENCH_VERBOSE: when the frame clock's phase began */
} Bench;

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
percentile (GArray *sorted, double p)
{
  guint i;

  if (sorted->len == 0)
    return 0.0;
  i = (guint) (p * (sorted->len - 1) + 0.5);
  return g_array_index (sorted, double, MIN (i, sorted->len - 1));
}

static gboolean
tick_cb (gpointer user_data)
{
  Bench *b = user_data;
  gint64 now = g_get_monotonic_time ();

  if (b->last_tick)
    {
      double late = (now - b->last_tick - TICK_MS * 1000) / 1000.0;
      g_array_append_val (b->lateness, late);
      if (late > 16.0 && g_getenv ("BP_BENCH_VERBOSE"))
        g_printerr ("late %.1f ms at %.3f s, run state %d\n", late,
                    now / 1e6 - b->started_at, bp_window_get_run_state (b->window));
    }
  b->last_tick = now;
  return G_SOURCE_CONTINUE;
}

/* With BP_BENCH_VERBOSE, says which frame phase took long: layout (a
 * relayout, measuring) or paint (snapshot and render). */
static void
phase_begin_cb (GdkFrameClock *clock, Bench *b)
{
  b->phase_start = g_get_monotonic_time ();
}

static void
phase_end_cb (GdkFrameClock *clock, Bench *b, const char *phase)
{
  double ms = (g_get_monotonic_time () - b->phase_start) / 1000.0;

  if (ms > 8.0 && b->started)
    g_printerr ("  %s took %.1f ms at %.3f s\n", phase, ms,
                g_get_monotonic_time () / 1e6 - b->started_at);
  b->phase_start = g_get_monotonic_time ();
}

static void
layout_cb (GdkFrameClock *clock, Bench *b)
{
  phase_end_cb (clock, b, "update+layout");
}

static void
paint_cb (GdkFrameClock *clock, Bench *b)
{
  phase_end_cb (clock, b, "paint");
}

static void
bench_free (Bench *b)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (b->window));

  if (clock)
    g_signal_handlers_disconnect_by_data (clock, b);
  g_clear_handle_id (&b->tick_source, g_source_remove);
  g_array_unref (b->lateness);
  g_free (b->inspect_view);
  g_object_unref (b->app);
  g_free (b);
}

static gboolean
poll_cb (gpointer user_data)
{
  Bench *b = user_data;
  NnData *data;

  if (!b->started)
    {
      const NnPreset *preset = nn_preset_find ("mnist-mlp");

      if (bp_window_get_loading (b->window))
        return G_SOURCE_CONTINUE;
      data = bp_window_get_data (b->window);
      /* A failed load leaves the previous dataset (XOR) in place. */
      if (data == NULL || !g_str_equal (data->name, "mnist"))
        {
          g_printerr ("backprop: The benchmark needs MNIST; set BACKPROP_DATA_DIR or choose "
                      "the dataset folder in the app.\n");
          g_application_quit (b->app);
          bench_free (b);
          return G_SOURCE_REMOVE;
        }
      bp_layer_panel_apply_preset (bp_window_get_panel (b->window), preset);
      if (b->inspect_view)
        {
          /* As a user watching what the network learns: the inspector's
           * states are applied as they arrive, not deferred. */
          adw_view_stack_set_visible_child_name (b->window->view_stack, "inspect");
          bp_inspector_set_visible_view (bp_window_get_inspector (b->window), b->inspect_view);
        }
      bp_window_set_epochs (b->window, b->epochs);
      b->started = TRUE;
      b->started_at = g_get_monotonic_time () / 1e6;
      b->tick_source = g_timeout_add (TICK_MS, tick_cb, b);
      if (g_getenv ("BP_BENCH_VERBOSE"))
        {
          GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (b->window));

          g_signal_connect (clock, "before-paint", G_CALLBACK (phase_begin_cb), b);
          g_signal_connect (clock, "layout", G_CALLBACK (layout_cb), b);
          g_signal_connect_after (clock, "paint", G_CALLBACK (paint_cb), b);
        }
      gtk_widget_activate_action (GTK_WIDGET (b->window), "win.train", NULL);
      return G_SOURCE_CONTINUE;
    }

  if (bp_window_get_run_state (b->window) != BP_RUN_IDLE)
    {
      b->seen_running = TRUE;
      return G_SOURCE_CONTINUE;
    }
  if (!b->seen_running)
    return G_SOURCE_CONTINUE;

  g_clear_handle_id (&b->tick_source, g_source_remove);
  g_array_sort (b->lateness, compare_double);
  {
    int correct = 0, n = 0;
    const GError *error = bp_window_get_run_error (b->window);

    bp_window_get_test_result (b->window, &correct, &n);
    printf ("dataset: %s, preset mnist-mlp, %d epoch(s), wall %.1f s, page %s%s%s\n",
            bp_window_get_dataset (b->window), b->epochs,
            g_get_monotonic_time () / 1e6 - b->started_at,
            adw_view_stack_get_visible_child_name (b->window->view_stack),
            b->inspect_view ? " / " : "",
            b->inspect_view ? bp_inspector_get_visible_view (bp_window_get_inspector (b->window)) : "");
    printf ("timer lateness (10 ms timer, %u ticks): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
            b->lateness->len, percentile (b->lateness, 0.5), percentile (b->lateness, 0.99),
            percentile (b->lateness, 1.0));
    printf ("training: %.0f samples/s, test accuracy %.2f %% (%d/%d)%s%s\n",
            bp_window_get_samples_per_second (b->window), n ? 100.0 * correct / n : 0.0,
            correct, n, error ? ", error: " : "", error ? error->message : "");
    fflush (stdout);
  }
  g_application_quit (b->app);
  bench_free (b);
  return G_SOURCE_REMOVE;
}

static int
handle_local_options_cb (GApplication *app, GVariantDict *options)
{
  const char *view = NULL;

  if (g_variant_dict_lookup (options, "bench-inspect", "&s", &view))
    {
      if (!g_strv_contains ((const char *const[]) { "predictions", "mistakes", "confusion",
                                                    "boundary", "weights", NULL }, view))
        {
          g_printerr ("backprop: The option --bench-inspect takes predictions, mistakes, "
                      "confusion, boundary or weights, not “%s”.\n", view);
          return 1;
        }
      g_object_set_data_full (G_OBJECT (app), "bp-bench-inspect", g_strdup (view), g_free);
    }
  return -1;   /* the application's own handler reads the other options */
}

void
bp_bench_add_options (GApplication *app)
{
  g_application_add_main_option (app, "bench-inspect", 0, 0, G_OPTION_ARG_STRING,
                                 "Show this Inspect view during --bench-responsiveness "
                                 "(predictions, mistakes, confusion, boundary, weights)",
                                 "VIEW");
  /* Connected handlers run before the class handler of this RUN_LAST signal. */
  g_signal_connect (app, "handle-local-options", G_CALLBACK (handle_local_options_cb), NULL);
}

void
bp_bench_start (BpWindow *window, GApplication *app, const char *dataset, int epochs,
                int blas_threads)
{
  Bench *b = g_new0 (Bench, 1);

  b->epochs = MAX (epochs, 1);
  b->window = window;
  b->app = g_object_ref (app);
  b->lateness = g_array_new (FALSE, FALSE, sizeof (double));
  b->inspect_view = g_strdup (g_object_get_data (G_OBJECT (app), "bp-bench-inspect"));
  bp_window_set_blas_threads (window, blas_threads);
  bp_window_set_dataset (window, dataset);
  g_timeout_add (50, poll_cb, b);
}
