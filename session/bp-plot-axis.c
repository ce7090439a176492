/* bp-plot-axis.c: the plot's model-free parts: ticks, decimation, bands.
 *
 * Nice tick steps (1, 2 or 5 times a power of ten) and their labels for a
 * linear or a log axis; the per-column decimation that reduces a series to
 * at most four vertices per pixel column (first, min, max, last, in the
 * order they occurred, so spikes stay visible); and the per-column bands a
 * dense series is filled as. GLib and libm only, so the maths is tested
 * without a display (tests/test-session.c).
 */
#include "bp-plot-axis.h"

#include <math.h>

/* ---- Ticks -------------------------------------------------------------- */

static double
nice_number (double x, gboolean round)
{
  double e = floor (log10 (x));
  double f = x / pow (10, e);
  double nf;

  if (round)
    nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  else
    nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;

  return nf * pow (10, e);
}

static void
format_value (char *buf, size_t len, double v, double step)
{
  int decimals;

  if (fabs (v) < step * 1e-6)
    v = 0;
  if (step >= 1 && fabs (v) < 1e6)
    {
      g_snprintf (buf, len, "%.0f", v);
      return;
    }
  if (fabs (v) >= 1e6 || (step < 1e-4 && v != 0))
    {
      g_snprintf (buf, len, "%.2g", v);
      return;
    }
  decimals = (int) ceil (-log10 (step) - 1e-9);
  g_snprintf (buf, len, "%.*f", CLAMP (decimals, 0, 8), v);
}

GArray *
bp_plot_ticks_linear (double lo, double hi, int max_ticks)
{
  GArray *ticks = g_array_new (FALSE, TRUE, sizeof (BpPlotTick));
  double step, v;

  if (!(hi > lo))
    return ticks;

  step = nice_number (nice_number (hi - lo, FALSE) / MAX (max_ticks - 1, 1), TRUE);
  for (v = ceil (lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step)
    {
      BpPlotTick t = { v, "" };

      format_value (t.label, sizeof t.label, v, step);
      g_array_append_val (ticks, t);
      if (ticks->len > 50)
        break;
    }

  return ticks;
}

GArray *
bp_plot_ticks_log (double lo, double hi, int max_ticks)
{
  GArray *ticks = g_array_new (FALSE, TRUE, sizeof (BpPlotTick));
  static const double mult[] = { 1, 2, 5 };
  int decades = (int) ceil (hi) - (int) floor (lo);
  int every = MAX (1, (int) ceil ((double) decades / MAX (max_ticks, 1)));
  gboolean subdivide = (hi - lo) * 2.5 <= max_ticks;

  for (int e = (int) floor (lo); e <= (int) ceil (hi); e++)
    {
      if (e % every != 0)
        continue;
      for (guint i = 0; i < (subdivide ? G_N_ELEMENTS (mult) : 1); i++)
        {
          double value = mult[i] * pow (10, e);
          BpPlotTick t = { log10 (value), "" };

          if (t.v < lo - 1e-9 || t.v > hi + 1e-9)
            continue;
          g_snprintf (t.label, sizeof t.label, "%g", value);
          g_array_append_val (ticks, t);
        }
    }

  /* A view inside one decade would otherwise show no labels at all. */
  if (ticks->len < 2)
    {
      g_array_set_size (ticks, 0);
      for (int i = 0; i <= 3; i++)
        {
          BpPlotTick t = { lo + (hi - lo) * i / 3.0, "" };

          g_snprintf (t.label, sizeof t.label, "%.3g", pow (10, t.v));
          g_array_append_val (ticks, t);
        }
    }

  return ticks;
}

/* ---- Decimation --------------------------------------------------------- */

void
bp_decimator_init (BpDecimator *d, gboolean last_only)
{
  *d = (BpDecimator) { .out = g_array_new (FALSE, FALSE, sizeof (float)), .last_only = last_only };
}

void
bp_decimator_flush (BpDecimator *d)
{
  float pts[8];
  int n = 0;

  if (d->count == 0)
    return;
  if (d->last_only)
    {
      pts[n++] = d->lx;
      pts[n++] = d->ly;
      g_array_append_vals (d->out, pts, n);
      d->count = 0;
      return;
    }
  pts[n++] = d->fx;
  pts[n++] = d->fy;
  if (d->count > 2)
    {
      /* The column's extremes in the order they occurred keep spikes visible. */
      pts[n++] = d->fx;
      pts[n++] = d->min_first ? d->miny : d->maxy;
      pts[n++] = d->fx;
      pts[n++] = d->min_first ? d->maxy : d->miny;
    }
  if (d->count > 1)
    {
      pts[n++] = d->lx;
      pts[n++] = d->ly;
    }
  g_array_append_vals (d->out, pts, n);
  d->count = 0;
}

void
bp_decimator_break (BpDecimator *d)
{
  float nan2[2] = { NAN, NAN };

  bp_decimator_flush (d);
  if (d->out->len > 0 && !isnan (g_array_index (d->out, float, d->out->len - 1)))
    g_array_append_vals (d->out, nan2, 2);
}

void
bp_decimator_add (BpDecimator *d, double sx, double sy, double left, double pw)
{
  long col = (long) floor (sx - left);

  /* Everything left or right of the view collapses into one column each. */
  col = CLAMP (col, -1, (long) pw + 1);
  if (d->count > 0 && col != d->col)
    bp_decimator_flush (d);
  if (d->count == 0)
    {
      d->col = col;
      d->fx = sx;
      d->fy = d->miny = d->maxy = sy;
      d->min_first = TRUE;
    }
  else
    {
      if (sy < d->miny)
        {
          d->miny = sy;
          d->min_first = FALSE;  /* a new minimum (screen top) after the max */
        }
      if (sy > d->maxy)
        {
          d->maxy = sy;
          d->min_first = TRUE;
        }
    }
  d->lx = sx;
  d->ly = sy;
  d->count++;
}

void
bp_bander_init (BpBander *b, long lo, long hi)
{
  *b = (BpBander) {
    .bands = g_array_new (FALSE, FALSE, sizeof (float)),
    .links = g_array_new (FALSE, FALSE, sizeof (float)),
    .lo = lo,
    .hi = hi,
    .prev_col = BP_BANDER_NO_COLUMN,
  };
}

void
bp_bander_flush (BpBander *b)
{
  float band[3];

  if (b->count == 0)
    return;
  if (b->prev_col != BP_BANDER_NO_COLUMN && b->prev_col == b->col - 1)
    {
      b->top = MIN (b->top, b->prev_y);
      b->bottom = MAX (b->bottom, b->prev_y);
    }
  else if (b->prev_col != BP_BANDER_NO_COLUMN)
    {
      float seg[4] = { b->prev_x, b->prev_y, b->fx, b->fy };

      g_array_append_vals (b->links, seg, 4);
    }
  band[0] = b->col;
  band[1] = floorf (b->top);
  band[2] = MAX (ceilf (b->bottom), band[1] + 1);
  g_array_append_vals (b->bands, band, 3);
  b->prev_col = b->col;
  b->prev_x = b->lx;
  b->prev_y = b->ly;
  b->count = 0;
}

void
bp_bander_break (BpBander *b)
{
  bp_bander_flush (b);
  b->prev_col = BP_BANDER_NO_COLUMN;
}

void
bp_bander_add (BpBander *b, double sx, double sy)
{
  long col = CLAMP ((long) floor (sx), b->lo, b->hi);

  if (b->count > 0 && col != b->col)
    bp_bander_flush (b);
  if (b->count == 0)
    {
      b->col = col;
      b->top = b->bottom = sy;
      b->fx = sx;
      b->fy = sy;
    }
  else
    {
      b->top = MIN (b->top, sy);
      b->bottom = MAX (b->bottom, sy);
    }
  b->lx = sx;
  b->ly = sy;
  b->count++;
}
