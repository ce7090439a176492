/* bp-plot-axis.h: the curve plot's model-free maths (no GTK).
 *
 * Ticks for a linear or log axis, the per-pixel-column decimation of a
 * series and the one-pixel bands a dense series is filled as. BpPlot
 * (ui/bp-plot.c) computes its geometry with these when the data or the size
 * changes; the tests check them without a display.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BP_PLOT_TICK_LABEL 32

typedef struct
{
  double v;                          /* in axis units (log10 for a log axis) */
  char   label[BP_PLOT_TICK_LABEL];
} BpPlotTick;

/* At most about @max_ticks ticks on [lo, hi] at a "nice" step (1, 2 or 5
 * times a power of ten), labelled with as many decimals as the step needs.
 * (transfer full) GArray of BpPlotTick, empty when hi <= lo. */
GArray *bp_plot_ticks_linear (double lo, double hi, int max_ticks);
/* The same for a log axis, [lo, hi] in log10 units: the decades (and 2 and
 * 5 between them when there is room); a view inside one decade gets four
 * evenly spaced ticks instead. (transfer full) */
GArray *bp_plot_ticks_log    (double lo, double hi, int max_ticks);

/* Reduces points in screen coordinates, added in order, to at most four
 * vertices per pixel column of the plot area [left, left + pw]: the first,
 * the column's extremes in the order they occurred, and the last. Output:
 * float (x, y) pairs in @out, a NaN pair where the line breaks. */
typedef struct
{
  GArray  *out;
  long     col;
  int      count;
  float    fx, fy, lx, ly, miny, maxy;
  gboolean min_first;
  gboolean last_only;   /* one vertex per column: for the smoothed line */
} BpDecimator;

void bp_decimator_init  (BpDecimator *d, gboolean last_only);   /* a new, empty @out */
void bp_decimator_add   (BpDecimator *d, double sx, double sy, double left, double pw);
void bp_decimator_break (BpDecimator *d);   /* a gap: non-finite values */
void bp_decimator_flush (BpDecimator *d);   /* call after the last point */

/* One bar per pixel column: the column's extent, stretched to reach the
 * last value of the column before it, so that the bars read as the same
 * zigzag the full line would draw. Columns that are apart (a sparse stretch)
 * are joined by a line segment instead. */
#define BP_BANDER_NO_COLUMN G_MINLONG

typedef struct
{
  GArray *bands;   /* float (x, top, bottom) */
  GArray *links;   /* float (x0, y0, x1, y1) */
  long    col, lo, hi;
  int     count;
  float   top, bottom, fx, fy, lx, ly;
  long    prev_col;
  float   prev_x, prev_y;
} BpBander;

/* Columns outside [lo, hi] are clamped to its ends. */
void bp_bander_init  (BpBander *b, long lo, long hi);
void bp_bander_add   (BpBander *b, double sx, double sy);
void bp_bander_break (BpBander *b);
void bp_bander_flush (BpBander *b);

G_END_DECLS
