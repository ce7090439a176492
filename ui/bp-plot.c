/* bp-plot.c: the training-curve plot, drawn with Cairo.
 *
 * Points live in per-series arrays of doubles. When points arrive or the size
 * changes, a PlotGeom is computed: the view range, "nice" ticks with their
 * labels, and every series reduced to at most a few points per pixel column
 * (first, min, max and last of the column), in widget coordinates. snapshot()
 * and the exporters only draw that geometry, so 100k+ points cost one linear
 * pass per data change, not per frame. The same draw function paints the
 * widget, PNG, SVG and PDF.
 *
 * Rasterising is what the main loop pays for while a run streams points, so
 * the widget draws a dense per-batch series as one pixel-aligned bar per
 * column (the column's min..max, joined to its neighbour), which Cairo fills
 * without tessellating, and the smoothed line with one vertex per column;
 * stroking thousands of round-joined zigzag segments instead cost 15-30 ms a
 * frame under the Cairo renderer. The finished drawing is kept as a render
 * node until the data, the size or the style changes, so the pointer readout
 * redraws only itself. Exports still stroke the full zigzag, as vectors.
 * This file does not know about training; the window feeds it numbers.
 */
#include "bp-plot.h"
#include "bp-plot-axis.h"
#include "bp-view-util.h"
#include "nn-save.h"

#include <math.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>

#define SMOOTHING 0.9          /* EMA weight of the past, as TensorBoard's slider */

typedef struct
{
  double x, y;
} PlotPoint;

typedef struct
{
  char         *name;
  BpSeriesStyle style;
  GdkRGBA       color;
  GArray       *points;   /* PlotPoint, in append order */
  GArray       *smooth;   /* double, EMA of y (debiased), same length; RAW only */
  GArray       *logs;     /* PlotPoint: log10 of y and of smooth, NAN where not
                           * positive; a log axis refits every point per update,
                           * and log10() was most of that pass */
  double        ema;
  guint         n_finite; /* values folded into ema */
  double        decay;    /* SMOOTHING^n_finite, for the debiasing */
  gboolean      x_sorted; /* x never decreased, so the readout can bisect */
  /* Extents of the finite points, kept on append so that fitting the view
   * does not walk every point: y over all of them, and over the positive
   * ones for a log axis. */
  double        xmin, xmax, ymin, ymax;
  double        lxmin, lxmax, lymin, lymax;
} PlotSeries;

typedef struct
{
  double x;
  char  *label;
} PlotMarker;

/* Everything snapshot() needs, computed when the data or the size changes. */
typedef struct
{
  int      width, height;
  gboolean empty;
  double   left, top, pw, ph;      /* the plot area in widget coordinates */
  double   x0, x1, y0, y1;         /* the view; y in log10 units on a log axis */
  gboolean log_y;
  GArray  *xticks, *yticks;        /* BpPlotTick */
  GPtrArray *raw;                  /* per series: GArray of float (x, y), NaN breaks */
  GPtrArray *smooth;               /* per series: same, smoothed line, or NULL */
  GPtrArray *marks;                /* per series: GArray of float (x, y) markers, or NULL */
  GPtrArray *bands;                /* per series: GArray of float (x, top, bottom) one-pixel
                                    * columns for a dense RAW series (empty otherwise) */
  GPtrArray *links;                /* per series: GArray of float (x, y) pairs joining bands
                                    * across columns that hold no point */
} PlotGeom;

struct _BpPlot
{
  GtkWidget parent_instance;

  /* Owned */
  char      *title;
  char      *x_label;
  char      *y_label;
  GPtrArray *series;      /* PlotSeries */
  GArray    *markers;     /* PlotMarker */
  PlotGeom   geom;
  guint      prepare_source;
  GskRenderNode *cache;   /* everything but the readout, for geom; NULL when stale */

  gboolean   log_y;
  gboolean   fixed_y;
  double     fixed_y0, fixed_y1;
  gboolean   geom_valid;

  /* Pointer readout */
  gboolean   hover;
  double     hover_x, hover_y;
  int        hover_series;
  guint      hover_index;
  gboolean   hover_smooth;
};

G_DEFINE_FINAL_TYPE (BpPlot, bp_plot, GTK_TYPE_WIDGET)

/* GNOME's palette: readable on light and dark backgrounds alike. */
static const char *palette[] = {
  "#3584e4", "#e66100", "#2ec27e", "#9141ac", "#e01b24", "#c88800", "#1c71d8", "#865e3c",
};

static void
plot_series_free (gpointer data)
{
  PlotSeries *s = data;

  g_free (s->name);
  g_array_unref (s->points);
  g_array_unref (s->smooth);
  g_array_unref (s->logs);
  g_free (s);
}

static void
series_reset (PlotSeries *s)
{
  g_array_set_size (s->points, 0);
  g_array_set_size (s->smooth, 0);
  g_array_set_size (s->logs, 0);
  s->ema = 0;
  s->decay = 1;
  s->n_finite = 0;
  s->x_sorted = TRUE;
  s->xmin = s->ymin = s->lxmin = s->lymin = INFINITY;
  s->xmax = s->ymax = s->lxmax = s->lymax = -INFINITY;
}

static void
plot_marker_clear (gpointer data)
{
  PlotMarker *m = data;

  g_free (m->label);
}

static void
plot_geom_clear (PlotGeom *g)
{
  g_clear_pointer (&g->xticks, g_array_unref);
  g_clear_pointer (&g->yticks, g_array_unref);
  g_clear_pointer (&g->raw, g_ptr_array_unref);
  g_clear_pointer (&g->smooth, g_ptr_array_unref);
  g_clear_pointer (&g->marks, g_ptr_array_unref);
  g_clear_pointer (&g->bands, g_ptr_array_unref);
  g_clear_pointer (&g->links, g_ptr_array_unref);
  g->width = g->height = 0;
}

/* ---- Ranges ------------------------------------------------------------ */

static inline gboolean
point_usable (gboolean log_y, double y)
{
  return isfinite (y) && (!log_y || y > 0);
}

static inline double
axis_y (gboolean log_y, double y)
{
  return log_y ? log10 (y) : y;
}

/* The view: the data's extent with a margin, in axis units. Independent of
 * the size, so tests and the CSV agree with what is drawn. */
static gboolean
compute_range (BpPlot *self, double *x0, double *x1, double *y0, double *y1)
{
  double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;

  for (guint i = 0; i < self->series->len; i++)
    {
      PlotSeries *s = g_ptr_array_index (self->series, i);

      if (self->log_y)
        {
          if (!(s->lxmax >= s->lxmin))
            continue;
          xmin = MIN (xmin, s->lxmin);
          xmax = MAX (xmax, s->lxmax);
          ymin = MIN (ymin, log10 (s->lymin));
          ymax = MAX (ymax, log10 (s->lymax));
        }
      else
        {
          if (!(s->xmax >= s->xmin))
            continue;
          xmin = MIN (xmin, s->xmin);
          xmax = MAX (xmax, s->xmax);
          ymin = MIN (ymin, s->ymin);
          ymax = MAX (ymax, s->ymax);
        }
    }

  if (!isfinite (xmin))
    return FALSE;

  for (guint i = 0; i < self->markers->len; i++)
    {
      PlotMarker *m = &g_array_index (self->markers, PlotMarker, i);

      if (isfinite (m->x))
        {
          xmin = MIN (xmin, m->x);
          xmax = MAX (xmax, m->x);
        }
    }

  if (xmax - xmin < 1e-12)
    {
      xmin -= 0.5;
      xmax += 0.5;
    }

  if (self->fixed_y)
    {
      ymin = axis_y (self->log_y, self->fixed_y0);
      ymax = axis_y (self->log_y, self->fixed_y1);
    }
  else
    {
      double pad;

      if (ymax - ymin < 1e-12)
        pad = self->log_y ? 0.5 : MAX (fabs (ymax) * 0.1, 0.5);
      else
        pad = (ymax - ymin) * 0.05;
      ymin -= pad;
      ymax += pad;
    }

  *x0 = xmin;
  *x1 = xmax;
  *y0 = ymin;
  *y1 = ymax;
  return TRUE;
}

/* ---- Geometry ----------------------------------------------------------- */

static inline double
to_sx (const PlotGeom *g, double x)
{
  return g->left + (x - g->x0) / (g->x1 - g->x0) * g->pw;
}

static inline double
to_sy (const PlotGeom *g, double ay)
{
  return g->top + g->ph - (ay - g->y0) / (g->y1 - g->y0) * g->ph;
}

static int
text_width (PangoLayout *layout, const char *text, int *height)
{
  int w, h;

  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  if (height)
    *height = h;
  return w;
}

static void
plot_geom_compute (BpPlot *self, PangoLayout *layout, int width, int height, PlotGeom *g)
{
  int line_h, max_w = 0;
  gboolean have_x_label = self->x_label && *self->x_label;
  gboolean have_y_label = self->y_label && *self->y_label;

  plot_geom_clear (g);
  g->width = width;
  g->height = height;
  g->log_y = self->log_y;
  g->empty = !compute_range (self, &g->x0, &g->x1, &g->y0, &g->y1);
  g->xticks = g_array_new (FALSE, TRUE, sizeof (BpPlotTick));
  g->yticks = g_array_new (FALSE, TRUE, sizeof (BpPlotTick));
  g->raw = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g->smooth = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g->marks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g->bands = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g->links = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);

  text_width (layout, "0", &line_h);
  g->top = ((self->title && *self->title) || self->series->len > 0 ? line_h * 1.6 : line_h * 0.6) + 4;
  g->ph = height - g->top - line_h * (have_x_label ? 2.6 : 1.6) - 6;

  if (g->empty)
    {
      g->left = 8;
      g->pw = width - 16;
      return;
    }

  g_array_unref (g->yticks);
  g->yticks = self->log_y ? bp_plot_ticks_log (g->y0, g->y1, MAX (2, (int) (g->ph / 40)))
                          : bp_plot_ticks_linear (g->y0, g->y1, MAX (2, (int) (g->ph / 40)));
  for (guint i = 0; i < g->yticks->len; i++)
    max_w = MAX (max_w, text_width (layout, g_array_index (g->yticks, BpPlotTick, i).label, NULL));

  g->left = max_w + 10 + (have_y_label ? line_h * 1.3 : 0);
  g->pw = width - g->left - 16;
  if (g->pw < 10 || g->ph < 10)
    {
      g->empty = TRUE;
      return;
    }

  g_array_unref (g->xticks);
  g->xticks = bp_plot_ticks_linear (g->x0, g->x1, MAX (2, (int) (g->pw / 70)));

  for (guint i = 0; i < self->series->len; i++)
    {
      PlotSeries *s = g_ptr_array_index (self->series, i);
      BpDecimator raw, smooth;
      GArray *marks = g_array_new (FALSE, FALSE, sizeof (float));
      /* Bars only pay off, and only look like the line, once the series
       * has more points than there are columns. */
      gboolean banded = s->style == BP_SERIES_RAW && s->points->len > g->pw;
      BpBander bander;

      bp_decimator_init (&raw, FALSE);
      bp_decimator_init (&smooth, TRUE);
      bp_bander_init (&bander, (long) floor (g->left) - 1, (long) ceil (g->left + g->pw) + 1);
      for (guint j = 0; j < s->points->len; j++)
        {
          PlotPoint *p = &g_array_index (s->points, PlotPoint, j);
          const PlotPoint *l = &g_array_index (s->logs, PlotPoint, j);
          double sx, sy, ay = self->log_y ? l->x : p->y, asm_ = self->log_y ? l->y : NAN;

          if (!isfinite (p->x) || !isfinite (ay))
            {
              bp_decimator_break (&raw);
              if (banded)
                bp_bander_break (&bander);
              continue;
            }
          sx = to_sx (g, p->x);
          sy = to_sy (g, ay);
          bp_decimator_add (&raw, sx, sy, g->left, g->pw);
          if (banded)
            bp_bander_add (&bander, sx, sy);
          if (s->style == BP_SERIES_POINTS)
            {
              float xy[2] = { sx, sy };

              g_array_append_vals (marks, xy, 2);
            }
          else
            {
              if (!self->log_y)
                asm_ = g_array_index (s->smooth, double, j);
              if (isfinite (asm_))
                bp_decimator_add (&smooth, sx, to_sy (g, asm_), g->left, g->pw);
            }
        }
      bp_decimator_flush (&raw);
      bp_decimator_flush (&smooth);
      bp_bander_flush (&bander);

      /* Markers only while they stay apart; a dense series reads as a line. */
      if (marks->len / 2 > g->pw / 6)
        g_array_set_size (marks, 0);

      g_ptr_array_add (g->raw, raw.out);
      g_ptr_array_add (g->smooth, smooth.out);
      g_ptr_array_add (g->marks, marks);
      g_ptr_array_add (g->bands, bander.bands);
      g_ptr_array_add (g->links, bander.links);
    }
}

static void
bp_plot_prepare (BpPlot *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  g_autoptr (PangoLayout) layout = NULL;

  if (width <= 0 || height <= 0)
    return;
  layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  plot_geom_compute (self, layout, width, height, &self->geom);
  self->geom_valid = TRUE;
  g_clear_pointer (&self->cache, gsk_render_node_unref);
}

static gboolean
prepare_idle_cb (gpointer user_data)
{
  BpPlot *self = user_data;

  self->prepare_source = 0;
  bp_plot_prepare (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return G_SOURCE_REMOVE;
}

/* Coalesces bursts of appends into one geometry pass before the next frame
 * is drawn (redraws run at G_PRIORITY_HIGH_IDLE + 20). */
static void
bp_plot_data_changed (BpPlot *self)
{
  self->geom_valid = FALSE;
  if (self->prepare_source == 0)
    self->prepare_source = g_idle_add_full (G_PRIORITY_HIGH_IDLE + 10, prepare_idle_cb,
                                            self, NULL);
}

/* ---- Drawing ------------------------------------------------------------ */

/* The views' colours, but on white in a light theme (the export's
 * background and the readout's backing). */
static void
get_colors (BpPlot *self, BpViewColors *c)
{
  _bp_view_get_colors (GTK_WIDGET (self), c);
  if (!c->dark)
    c->bg = (GdkRGBA) { 1, 1, 1, 1 };
}

static void
stroke_path (cairo_t *cr, GArray *path)
{
  gboolean pen_down = FALSE;

  for (guint k = 0; k + 1 < path->len; k += 2)
    {
      float x = g_array_index (path, float, k);
      float y = g_array_index (path, float, k + 1);

      if (isnan (x))
        {
          pen_down = FALSE;
          continue;
        }
      if (pen_down)
        cairo_line_to (cr, x, y);
      else
        cairo_move_to (cr, x, y);
      pen_down = TRUE;
    }
  cairo_stroke (cr);
}

static void
fill_bands (cairo_t *cr, GArray *bands, GArray *links)
{
  /* Whole-pixel rectangles: Cairo composites them as boxes, with no
   * tessellation and no coverage to compute. */
  for (guint k = 0; k + 2 < bands->len; k += 3)
    {
      float x = g_array_index (bands, float, k);
      float top = g_array_index (bands, float, k + 1);
      float bottom = g_array_index (bands, float, k + 2);

      cairo_rectangle (cr, x, top, 1, bottom - top);
    }
  cairo_fill (cr);

  for (guint k = 0; k + 3 < links->len; k += 4)
    {
      cairo_move_to (cr, g_array_index (links, float, k), g_array_index (links, float, k + 1));
      cairo_line_to (cr, g_array_index (links, float, k + 2), g_array_index (links, float, k + 3));
    }
  cairo_stroke (cr);
}

/* @fast: the widget's own frames, which draw dense series as bars; exports
 * stroke every column's zigzag. */
static void
plot_draw (BpPlot *self, cairo_t *cr, PangoLayout *layout, const PlotGeom *g,
           const BpViewColors *c, gboolean fast)
{
  g_autoptr(PangoFontDescription) base = NULL;
  g_autoptr(PangoFontDescription) bold = NULL;
  int line_h;

  text_width (layout, "0", &line_h);
  /* Copies: the layout frees its own description when given the bold one. */
  _bp_layout_fonts (layout, &base, &bold);

  if (self->title && *self->title)
    {
      pango_layout_set_font_description (layout, bold);
      _bp_set_source (cr, &c->fg, 1);
      _bp_show_text (cr, layout, self->title, 8, 4, 0, 0);
      pango_layout_set_font_description (layout, base);
    }

  if (g->empty)
    {
      _bp_set_source (cr, &c->fg, 0.55);
      _bp_show_text (cr, layout, "No data yet — press Train", g->width / 2.0,
                 g->top + MAX (g->ph, 0) / 2.0, 0.5, 0.5);
      return;
    }

  cairo_set_line_width (cr, 1);

  /* Grid and tick labels */
  for (guint i = 0; i < g->yticks->len; i++)
    {
      BpPlotTick *t = &g_array_index (g->yticks, BpPlotTick, i);
      double sy = round (to_sy (g, t->v)) + 0.5;

      _bp_set_source (cr, &c->fg, 0.10);
      cairo_move_to (cr, g->left, sy);
      cairo_line_to (cr, g->left + g->pw, sy);
      cairo_stroke (cr);
      _bp_set_source (cr, &c->fg, 0.75);
      _bp_show_text (cr, layout, t->label, g->left - 6, sy, 1, 0.5);
    }
  for (guint i = 0; i < g->xticks->len; i++)
    {
      BpPlotTick *t = &g_array_index (g->xticks, BpPlotTick, i);
      double sx = round (to_sx (g, t->v)) + 0.5;

      _bp_set_source (cr, &c->fg, 0.10);
      cairo_move_to (cr, sx, g->top);
      cairo_line_to (cr, sx, g->top + g->ph);
      cairo_stroke (cr);
      _bp_set_source (cr, &c->fg, 0.75);
      _bp_show_text (cr, layout, t->label, sx, g->top + g->ph + 4, 0.5, 0);
    }

  /* Axes frame */
  _bp_set_source (cr, &c->fg, 0.35);
  cairo_rectangle (cr, round (g->left) + 0.5, round (g->top) + 0.5, round (g->pw), round (g->ph));
  cairo_stroke (cr);

  _bp_set_source (cr, &c->fg, 0.8);
  if (self->x_label && *self->x_label)
    _bp_show_text (cr, layout, self->x_label, g->left + g->pw / 2, g->height - 4, 0.5, 1);
  if (self->y_label && *self->y_label)
    {
      const char *label = self->y_label;
      g_autofree char *with_scale = NULL;

      if (g->log_y)
        label = with_scale = g_strdup_printf ("%s (log)", self->y_label);
      cairo_save (cr);
      cairo_translate (cr, 4, g->top + g->ph / 2);
      cairo_rotate (cr, -G_PI / 2);
      _bp_show_text (cr, layout, label, 0, 0, 0.5, 0);
      cairo_restore (cr);
    }

  cairo_save (cr);
  cairo_rectangle (cr, g->left, g->top, g->pw, g->ph);
  cairo_clip (cr);

  /* Vertical markers, e.g. a learning-rate change */
  for (guint i = 0; i < self->markers->len; i++)
    {
      PlotMarker *m = &g_array_index (self->markers, PlotMarker, i);
      static const double dash[] = { 4, 3 };
      /* A marker at the end of the curves (a change made while paused)
       * would fall on the frame, outside the clip: keep it inside, with
       * its label on its left when there is no room on its right. */
      double right = round (g->left + g->pw) - 1.5;
      double sx = MIN (round (to_sx (g, m->x)) + 0.5, right);
      double label_x = sx + 3 + line_h <= right ? sx + 3 : sx - 3 - line_h;

      _bp_set_source (cr, &c->fg, 0.5);
      cairo_set_dash (cr, dash, 2, 0);
      cairo_move_to (cr, sx, g->top);
      cairo_line_to (cr, sx, g->top + g->ph);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      if (m->label)
        {
          _bp_set_source (cr, &c->fg, 0.75);
          cairo_save (cr);
          cairo_translate (cr, label_x, g->top + g->ph - 4);
          cairo_rotate (cr, -G_PI / 2);
          _bp_show_text (cr, layout, m->label, 0, 0, 0, 0);
          cairo_restore (cr);
        }
    }

  /* Series: faint raw values first, then the lines that carry the reading. */
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  for (guint i = 0; i < self->series->len && i < g->raw->len; i++)
    {
      PlotSeries *s = g_ptr_array_index (self->series, i);

      if (s->style == BP_SERIES_RAW)
        {
          GArray *bands = g_ptr_array_index (g->bands, i);

          cairo_set_line_width (cr, 1);
          _bp_set_source (cr, &s->color, 0.3);
          if (fast && bands->len > 0)
            fill_bands (cr, bands, g_ptr_array_index (g->links, i));
          else
            stroke_path (cr, g_ptr_array_index (g->raw, i));
          cairo_set_line_width (cr, 2);
          _bp_set_source (cr, &s->color, 1);
          stroke_path (cr, g_ptr_array_index (g->smooth, i));
        }
      else
        {
          GArray *marks = g_ptr_array_index (g->marks, i);

          cairo_set_line_width (cr, 2);
          _bp_set_source (cr, &s->color, 1);
          stroke_path (cr, g_ptr_array_index (g->raw, i));
          for (guint k = 0; k + 1 < marks->len; k += 2)
            {
              cairo_new_sub_path (cr);
              cairo_arc (cr, g_array_index (marks, float, k), g_array_index (marks, float, k + 1),
                         3.5, 0, 2 * G_PI);
              cairo_fill (cr);
            }
        }
    }
  cairo_restore (cr);

  /* Legend on the title line, right-aligned, so it never hides a curve.
   * Only series with points are named: "validation" when nothing is held
   * out for it would promise a line that never comes. */
  if (self->series->len > 0)
    {
      double x = g->left + g->pw, ly = 4 + line_h / 2.0;

      for (int i = (int) self->series->len - 1; i >= 0; i--)
        {
          PlotSeries *s = g_ptr_array_index (self->series, i);

          if (s->points->len == 0)
            continue;
          x -= text_width (layout, s->name, NULL);
          _bp_set_source (cr, &c->fg, 0.9);
          _bp_show_text (cr, layout, s->name, x, ly, 0, 0.5);
          x -= 24;
          cairo_new_path (cr);
          _bp_set_source (cr, &s->color, 1);
          cairo_set_line_width (cr, 2);
          cairo_move_to (cr, x, ly);
          cairo_line_to (cr, x + 18, ly);
          cairo_stroke (cr);
          if (s->style == BP_SERIES_POINTS)
            {
              cairo_arc (cr, x + 9, ly, 3.5, 0, 2 * G_PI);
              cairo_fill (cr);
            }
          x -= 16;
        }
    }
}

/* The readout of the point nearest the pointer, drawn over the cached plot. */
static void
plot_draw_readout (BpPlot *self, cairo_t *cr, PangoLayout *layout, const PlotGeom *g,
                   const BpViewColors *c)
{
  if (!g->empty && self->hover && self->hover_series >= 0
      && (guint) self->hover_series < self->series->len)
    {
      PlotSeries *s = g_ptr_array_index (self->series, self->hover_series);

      if (self->hover_index < s->points->len)
        {
          PlotPoint *p = &g_array_index (s->points, PlotPoint, self->hover_index);
          double y = self->hover_smooth ? g_array_index (s->smooth, double, self->hover_index) : p->y;
          double sx = to_sx (g, p->x), sy = to_sy (g, axis_y (g->log_y, y));
          g_autofree char *text = NULL;
          int tw, th;
          double bx, by;

          if (s->style == BP_SERIES_RAW)
            text = g_strdup_printf ("%s\nx %.4g   y %.4g   smoothed %.4g", s->name, p->x, p->y,
                                    g_array_index (s->smooth, double, self->hover_index));
          else
            text = g_strdup_printf ("%s\nx %.4g   y %.4g", s->name, p->x, p->y);

          cairo_new_path (cr);
          _bp_set_source (cr, &s->color, 1);
          cairo_arc (cr, sx, sy, 5, 0, 2 * G_PI);
          cairo_stroke (cr);

          pango_layout_set_text (layout, text, -1);
          pango_layout_get_pixel_size (layout, &tw, &th);
          bx = sx + 10 + tw + 8 > g->left + g->pw ? sx - 10 - tw - 8 : sx + 10;
          by = CLAMP (sy - th - 10, g->top + 2, g->top + g->ph - th - 8);
          _bp_set_source (cr, &c->bg, 0.92);
          cairo_rectangle (cr, bx, by, tw + 8, th + 6);
          cairo_fill (cr);
          _bp_set_source (cr, &s->color, 1);
          cairo_set_line_width (cr, 1);
          cairo_rectangle (cr, round (bx) + 0.5, round (by) + 0.5, tw + 8, th + 6);
          cairo_stroke (cr);
          _bp_set_source (cr, &c->fg, 1);
          cairo_move_to (cr, bx + 4, by + 3);
          pango_cairo_show_layout (cr, layout);
        }
    }
}

static void
bp_plot_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  BpPlot *self = BP_PLOT (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr (PangoLayout) layout = NULL;
  BpViewColors colors;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;

  /* Normally prepared by size_allocate() or the idle; this covers a frame
   * that arrives first (one pass, then cached). */
  if (!self->geom_valid || self->geom.width != width || self->geom.height != height)
    bp_plot_prepare (self);

  get_colors (self, &colors);
  layout = gtk_widget_create_pango_layout (widget, NULL);
  if (self->cache == NULL)
    {
      GtkSnapshot *inner = gtk_snapshot_new ();

      cr = gtk_snapshot_append_cairo (inner, &GRAPHENE_RECT_INIT (0, 0, width, height));
      plot_draw (self, cr, layout, &self->geom, &colors, TRUE);
      cairo_destroy (cr);
      self->cache = gtk_snapshot_free_to_node (inner);
    }
  if (self->cache)
    gtk_snapshot_append_node (snapshot, self->cache);

  if (self->hover && self->hover_series >= 0)
    {
      cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
      plot_draw_readout (self, cr, layout, &self->geom, &colors);
      cairo_destroy (cr);
    }
}

static void
bp_plot_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  BpPlot *self = BP_PLOT (widget);

  if (!self->geom_valid || self->geom.width != width || self->geom.height != height)
    bp_plot_prepare (self);
}

static void
bp_plot_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                 int *natural, int *minimum_baseline, int *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      /* Wide enough for the title line: the title, then the legend as
       * plot_draw() lays it out, every series named (a narrower plot drew
       * the legend over the title, or cut it at the edge). */
      BpPlot *self = BP_PLOT (widget);
      g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, NULL);
      g_autoptr(PangoFontDescription) base = NULL;
      g_autoptr(PangoFontDescription) bold = NULL;
      int line = 8 + 16;

      _bp_layout_fonts (layout, &base, &bold);
      if (self->title && *self->title)
        {
          pango_layout_set_font_description (layout, bold);
          line += text_width (layout, self->title, NULL) + 16;
          pango_layout_set_font_description (layout, base);
        }
      for (guint i = 0; i < self->series->len; i++)
        line += text_width (layout, ((PlotSeries *) g_ptr_array_index (self->series, i))->name,
                            NULL) + 24 + 16;
      *minimum = MAX (200, line);
      *natural = MAX (480, *minimum);
    }
  else
    {
      *minimum = 150;
      *natural = 280;
    }
}

/* ---- Pointer readout ---------------------------------------------------- */

static guint
nearest_index (PlotSeries *s, double x)
{
  guint lo = 0, hi = s->points->len;

  if (!s->x_sorted)
    {
      guint best = 0;
      double best_d = INFINITY;

      for (guint j = 0; j < s->points->len; j++)
        {
          double d = fabs (g_array_index (s->points, PlotPoint, j).x - x);

          if (d < best_d)
            {
              best_d = d;
              best = j;
            }
        }
      return best;
    }

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (g_array_index (s->points, PlotPoint, mid).x < x)
        lo = mid + 1;
      else
        hi = mid;
    }
  if (lo >= s->points->len)
    return s->points->len - 1;
  if (lo > 0 && x - g_array_index (s->points, PlotPoint, lo - 1).x
                < g_array_index (s->points, PlotPoint, lo).x - x)
    return lo - 1;
  return lo;
}

static void
update_hover (BpPlot *self)
{
  const PlotGeom *g = &self->geom;
  double best = INFINITY, x;

  self->hover_series = -1;
  if (!self->geom_valid || g->empty || self->hover_x < g->left || self->hover_x > g->left + g->pw)
    return;

  x = g->x0 + (self->hover_x - g->left) / g->pw * (g->x1 - g->x0);
  for (guint i = 0; i < self->series->len; i++)
    {
      PlotSeries *s = g_ptr_array_index (self->series, i);
      guint j;

      if (s->points->len == 0)
        continue;
      j = nearest_index (s, x);
      for (int which = 0; which < (s->style == BP_SERIES_RAW ? 2 : 1); which++)
        {
          PlotPoint *p = &g_array_index (s->points, PlotPoint, j);
          double y = which ? g_array_index (s->smooth, double, j) : p->y;
          double dx, dy, d;

          if (!point_usable (g->log_y, y))
            continue;
          dx = to_sx (g, p->x) - self->hover_x;
          dy = to_sy (g, axis_y (g->log_y, y)) - self->hover_y;
          d = dx * dx + dy * dy;
          if (d < best)
            {
              best = d;
              self->hover_series = i;
              self->hover_index = j;
              self->hover_smooth = which;
            }
        }
    }
}

static void
motion_cb (GtkEventControllerMotion *motion, double x, double y, BpPlot *self)
{
  self->hover = TRUE;
  self->hover_x = x;
  self->hover_y = y;
  update_hover (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
leave_cb (GtkEventControllerMotion *motion, BpPlot *self)
{
  self->hover = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---- GObject ------------------------------------------------------------ */

static void
bp_plot_dispose (GObject *object)
{
  BpPlot *self = BP_PLOT (object);

  g_clear_handle_id (&self->prepare_source, g_source_remove);
  g_clear_pointer (&self->cache, gsk_render_node_unref);
  plot_geom_clear (&self->geom);

  G_OBJECT_CLASS (bp_plot_parent_class)->dispose (object);
}

static void
bp_plot_finalize (GObject *object)
{
  BpPlot *self = BP_PLOT (object);

  g_free (self->title);
  g_free (self->x_label);
  g_free (self->y_label);
  g_ptr_array_unref (self->series);
  g_array_unref (self->markers);

  G_OBJECT_CLASS (bp_plot_parent_class)->finalize (object);
}

static void
bp_plot_css_changed (GtkWidget *widget, GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (bp_plot_parent_class)->css_changed (widget, change);
  /* The font may have changed, and with it the margins; the colours too. */
  BP_PLOT (widget)->geom_valid = FALSE;
  g_clear_pointer (&BP_PLOT (widget)->cache, gsk_render_node_unref);
  gtk_widget_queue_allocate (widget);
}

static void
bp_plot_class_init (BpPlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bp_plot_dispose;
  object_class->finalize = bp_plot_finalize;
  widget_class->snapshot = bp_plot_snapshot;
  widget_class->measure = bp_plot_measure;
  widget_class->size_allocate = bp_plot_size_allocate;
  widget_class->css_changed = bp_plot_css_changed;

  gtk_widget_class_set_css_name (widget_class, "bpplot");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
bp_plot_init (BpPlot *self)
{
  GtkEventController *motion;

  self->series = g_ptr_array_new_with_free_func (plot_series_free);
  self->markers = g_array_new (FALSE, TRUE, sizeof (PlotMarker));
  g_array_set_clear_func (self->markers, plot_marker_clear);
  self->hover_series = -1;

  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (motion, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, "Plot", -1);
}

/* ---- Public API --------------------------------------------------------- */

GtkWidget *
bp_plot_new (void)
{
  return g_object_new (BP_TYPE_PLOT, NULL);
}

static void
replace_string (char **field, const char *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

void
bp_plot_set_title (BpPlot *self, const char *title)
{
  g_return_if_fail (BP_IS_PLOT (self));

  replace_string (&self->title, title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  title ? title : "Plot", -1);
  bp_plot_data_changed (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
bp_plot_set_x_label (BpPlot *self, const char *label)
{
  g_return_if_fail (BP_IS_PLOT (self));

  replace_string (&self->x_label, label);
  bp_plot_data_changed (self);
}

void
bp_plot_set_y_label (BpPlot *self, const char *label)
{
  g_return_if_fail (BP_IS_PLOT (self));

  replace_string (&self->y_label, label);
  bp_plot_data_changed (self);
}

void
bp_plot_set_log_y (BpPlot *self, gboolean log_y)
{
  g_return_if_fail (BP_IS_PLOT (self));

  log_y = !!log_y;
  if (self->log_y == log_y)
    return;
  self->log_y = log_y;
  bp_plot_data_changed (self);
}

gboolean
bp_plot_get_log_y (BpPlot *self)
{
  g_return_val_if_fail (BP_IS_PLOT (self), FALSE);

  return self->log_y;
}

void
bp_plot_set_y_limits (BpPlot *self, double min, double max)
{
  g_return_if_fail (BP_IS_PLOT (self));

  self->fixed_y = isfinite (min) && isfinite (max) && max > min;
  self->fixed_y0 = min;
  self->fixed_y1 = max;
  bp_plot_data_changed (self);
}

gboolean
bp_plot_get_view (BpPlot *self, double *x0, double *x1, double *y0, double *y1)
{
  double a, b, c, d;

  g_return_val_if_fail (BP_IS_PLOT (self), FALSE);

  if (!compute_range (self, &a, &b, &c, &d))
    return FALSE;
  if (self->log_y)
    {
      c = pow (10, c);
      d = pow (10, d);
    }
  if (x0) *x0 = a;
  if (x1) *x1 = b;
  if (y0) *y0 = c;
  if (y1) *y1 = d;
  return TRUE;
}

guint
bp_plot_add_series (BpPlot *self, const char *name, BpSeriesStyle style, const char *color)
{
  PlotSeries *s;

  g_return_val_if_fail (BP_IS_PLOT (self), 0);

  s = g_new0 (PlotSeries, 1);
  s->name = g_strdup (name ? name : "");
  s->style = style;
  if (!color || !gdk_rgba_parse (&s->color, color))
    gdk_rgba_parse (&s->color, palette[self->series->len % G_N_ELEMENTS (palette)]);
  s->points = g_array_new (FALSE, FALSE, sizeof (PlotPoint));
  s->smooth = g_array_new (FALSE, FALSE, sizeof (double));
  s->logs = g_array_new (FALSE, FALSE, sizeof (PlotPoint));
  series_reset (s);
  g_ptr_array_add (self->series, s);
  bp_plot_data_changed (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));  /* the legend's width */

  return self->series->len - 1;
}

static void
series_append (PlotSeries *s, double x, double y)
{
  PlotPoint p = { x, y };
  double smooth = y;

  if (s->points->len > 0 && x < g_array_index (s->points, PlotPoint, s->points->len - 1).x)
    s->x_sorted = FALSE;
  g_array_append_val (s->points, p);

  if (isfinite (x) && isfinite (y))
    {
      s->xmin = MIN (s->xmin, x);
      s->xmax = MAX (s->xmax, x);
      s->ymin = MIN (s->ymin, y);
      s->ymax = MAX (s->ymax, y);
      if (y > 0)
        {
          s->lxmin = MIN (s->lxmin, x);
          s->lxmax = MAX (s->lxmax, x);
          s->lymin = MIN (s->lymin, y);
          s->lymax = MAX (s->lymax, y);
        }
    }

  /* Debiased EMA, so the first points are not dragged towards zero. A
   * non-finite value (a diverged batch) is skipped rather than poisoning it. */
  if (isfinite (y))
    {
      s->n_finite++;
      s->decay *= SMOOTHING;
      s->ema = SMOOTHING * s->ema + (1 - SMOOTHING) * y;
      smooth = s->ema / (1 - s->decay);
    }
  else if (s->n_finite > 0)
    smooth = g_array_index (s->smooth, double, s->smooth->len - 1);
  g_array_append_val (s->smooth, smooth);

  {
    PlotPoint l = { point_usable (TRUE, y) ? log10 (y) : NAN,
                    point_usable (TRUE, smooth) ? log10 (smooth) : NAN };

    g_array_append_val (s->logs, l);
  }
}

void
bp_plot_append (BpPlot *self, guint series, double x, double y)
{
  g_return_if_fail (BP_IS_PLOT (self));
  g_return_if_fail (series < self->series->len);

  series_append (g_ptr_array_index (self->series, series), x, y);
  bp_plot_data_changed (self);
}

void
bp_plot_append_many (BpPlot *self, guint series, const double *xy, guint n_points)
{
  PlotSeries *s;

  g_return_if_fail (BP_IS_PLOT (self));
  g_return_if_fail (series < self->series->len);
  g_return_if_fail (xy != NULL || n_points == 0);

  s = g_ptr_array_index (self->series, series);
  for (guint i = 0; i < n_points; i++)
    series_append (s, xy[2 * i], xy[2 * i + 1]);
  bp_plot_data_changed (self);
}

guint
bp_plot_get_n_points (BpPlot *self, guint series)
{
  g_return_val_if_fail (BP_IS_PLOT (self), 0);
  g_return_val_if_fail (series < self->series->len, 0);

  return ((PlotSeries *) g_ptr_array_index (self->series, series))->points->len;
}

guint
bp_plot_get_n_drawn (BpPlot *self, guint series)
{
  g_return_val_if_fail (BP_IS_PLOT (self), 0);

  if (!self->geom_valid)
    bp_plot_prepare (self);
  if (!self->geom_valid || !self->geom.raw || series >= self->geom.raw->len)
    return 0;
  return ((GArray *) g_ptr_array_index (self->geom.raw, series))->len / 2;
}

void
bp_plot_add_marker (BpPlot *self, double x, const char *label)
{
  PlotMarker m;

  g_return_if_fail (BP_IS_PLOT (self));

  m.x = x;
  m.label = g_strdup (label);
  g_array_append_val (self->markers, m);
  bp_plot_data_changed (self);
}

guint
bp_plot_get_n_markers (BpPlot *self)
{
  g_return_val_if_fail (BP_IS_PLOT (self), 0);
  return self->markers->len;
}

gboolean
bp_plot_get_marker (BpPlot *self, guint index, double *x, const char **label)
{
  PlotMarker *m;

  g_return_val_if_fail (BP_IS_PLOT (self), FALSE);
  if (index >= self->markers->len)
    return FALSE;
  m = &g_array_index (self->markers, PlotMarker, index);
  if (x)
    *x = m->x;
  if (label)
    *label = m->label;
  return TRUE;
}

void
bp_plot_clear (BpPlot *self)
{
  g_return_if_fail (BP_IS_PLOT (self));

  for (guint i = 0; i < self->series->len; i++)
    {
      series_reset (g_ptr_array_index (self->series, i));
    }
  g_array_set_size (self->markers, 0);
  self->hover_series = -1;
  bp_plot_data_changed (self);
}

static gboolean
export_csv (BpPlot *self, const char *path, GError **error)
{
  g_autoptr (GString) out = g_string_new ("series,x,y\n");
  char xbuf[G_ASCII_DTOSTR_BUF_SIZE], ybuf[G_ASCII_DTOSTR_BUF_SIZE];

  for (guint i = 0; i < self->series->len; i++)
    {
      PlotSeries *s = g_ptr_array_index (self->series, i);
      g_autoptr (GString) name = g_string_new (s->name);

      /* RFC 4180 quoting: a name may hold commas or quotes. */
      g_string_replace (name, "\"", "\"\"", 0);
      for (guint j = 0; j < s->points->len; j++)
        {
          PlotPoint *p = &g_array_index (s->points, PlotPoint, j);

          g_string_append_printf (out, "\"%s\",%s,%s\n", name->str,
                                  g_ascii_formatd (xbuf, sizeof xbuf, "%.9g", p->x),
                                  g_ascii_formatd (ybuf, sizeof ybuf, "%.9g", p->y));
        }
    }

  return nn_save_contents (path, out->str, out->len, error);
}

gboolean
bp_plot_export (BpPlot *self, const char *path, BpExportFormat format, int width, int height,
                GError **error)
{
  cairo_surface_t *surface = NULL;
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  cairo_t *cr;
  gboolean ok;
  PlotGeom geom = { 0 };
  BpViewColors colors;
  PangoLayout *layout;

  g_return_val_if_fail (BP_IS_PLOT (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (format == BP_EXPORT_CSV)
    return export_csv (self, path, error);

  if (width <= 0 || height <= 0)
    {
      width = MAX (gtk_widget_get_width (GTK_WIDGET (self)), 0);
      height = MAX (gtk_widget_get_height (GTK_WIDGET (self)), 0);
      if (width == 0 || height == 0)
        {
          width = 800;
          height = 450;
        }
    }
  if (!_bp_export_size_ok (width, height, error))
    return FALSE;

  switch (format)
    {
    case BP_EXPORT_PNG:
      surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
      break;
    case BP_EXPORT_SVG:
      surface = cairo_svg_surface_create_for_stream (_bp_append_bytes, bytes, width, height);
      break;
    case BP_EXPORT_PDF:
      surface = cairo_pdf_surface_create_for_stream (_bp_append_bytes, bytes, width, height);
      break;
    case BP_EXPORT_CSV:
    default:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Unknown export format.");
      return FALSE;
    }

  cr = cairo_create (surface);
  get_colors (self, &colors);
  _bp_set_source (cr, &colors.bg, 1);
  cairo_paint (cr);

  layout = pango_cairo_create_layout (cr);
  pango_layout_set_font_description (layout,
      pango_context_get_font_description (gtk_widget_get_pango_context (GTK_WIDGET (self))));
  plot_geom_compute (self, layout, width, height, &geom);
  plot_draw (self, cr, layout, &geom, &colors, FALSE);
  plot_geom_clear (&geom);
  g_object_unref (layout);
  cairo_destroy (cr);

  /* Rendered in memory, then saved safely: never straight onto @path. */
  if (format == BP_EXPORT_PNG)
    ok = _bp_save_png (surface, path, error);
  else
    ok = _bp_save_stream (surface, bytes, path, error);
  cairo_surface_destroy (surface);
  return ok;
}
