/* bp-bench.h: the responsiveness benchmark (`backprop --bench-responsiveness`).
 *
 * Trains the MNIST MLP preset for one epoch (or --bench-epochs) in the real window while a
 * 10 ms main-loop timer records how late it fires, then prints the
 * lateness percentiles and the training throughput and quits; with
 * --bench-inspect=VIEW the Inspect page shows VIEW meanwhile. It is a
 * measurement, not a test: it asserts nothing.
 */
#pragma once

#include "bp-window.h"

G_BEGIN_DECLS

/* Adds --bench-inspect=VIEW to @app's options: the benchmark then runs with
 * the Inspect page and that view on screen. Call before g_application_run(). */
void bp_bench_add_options (GApplication *app);
/* Starts the benchmark in @window; quits @app when done. */
void bp_bench_start (BpWindow *window, GApplication *app, const char *dataset, int epochs,
                     int blas_threads);

G_END_DECLS
