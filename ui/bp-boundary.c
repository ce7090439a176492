/* bp-boundary.c: the decision boundary of a 2-D classifier, or predicted
 * against true values for regression.
 *
 * The grid of outputs comes computed from the worker (BpInspectState's
 * boundary, res x res). set_state() turns it into a res x res image surface
 * once (each pixel the probability-weighted mix of the class colours, paler
 * where the network is unsure) and normalises the points to 0..1 of the
 * plane; drawing scales the surface and places the dots.
 */
#include "bp-boundary.h"

#include <math.h>

#include "bp-view-util.h"

#define MAX_POINTS 2000   /* per set; more only hides the map */
#define PAD 12

typedef struct
{
  float u, v;        /* 0..1 across the plane, v up */
  int   k;           /* class, or -1 */
  gboolean test;
} Dot;

struct _BpBoundary
{
  GtkWidget parent_instance;

  cairo_surface_t *map;        /* (res, res), row 0 at the top (ymax) */
  guint8  *argmax;             /* (res, res) row 0 at ymin, as computed */
  int      res;
  double   xmin, xmax, ymin, ymax;
  GArray  *dots;               /* Dot */
  char   **names;
  int      n_classes;
  gboolean regression;         /* axes: true (x) against predicted (y) */
  char    *empty_text;
  int      line_h;
};

G_DEFINE_FINAL_TYPE (BpBoundary, bp_boundary, GTK_TYPE_WIDGET)

static const double class_rgb[][3] = {
  { 0.21, 0.52, 0.89 }, { 0.90, 0.38, 0.00 }, { 0.18, 0.76, 0.49 }, { 0.57, 0.25, 0.67 },
  { 0.88, 0.11, 0.14 }, { 0.78, 0.53, 0.00 }, { 0.40, 0.40, 0.40 }, { 0.53, 0.37, 0.24 },
  { 0.00, 0.60, 0.60 }, { 0.80, 0.20, 0.60 },
};

static void
class_color (int k, double *r, double *g, double *b)
{
  const double *c = class_rgb[((k % 10) + 10) % 10];

  *r = c[0];
  *g = c[1];
  *b = c[2];
}

static void
boundary_draw (GtkWidget *widget, cairo_t *cr, PangoLayout *layout, int width, int height)
{
  BpBoundary *self = BP_BOUNDARY (widget);
  BpViewColors c;
  double side, ox, oy, legend_h = self->line_h + 10;
  char buf[64];

  _bp_view_get_colors (widget, &c);
  if (!self->map && self->dots->len == 0)
    {
      _bp_draw_empty (cr, layout, &c, width, height,
                      self->empty_text ? self->empty_text
                                       : "No decision boundary yet — press Train. It is drawn for the 2-D datasets.");
      return;
    }

  side = MIN (width - 2 * PAD - self->line_h * 4, height - 2 * PAD - legend_h - self->line_h * 2);
  side = MAX (side, 40);
  ox = floor ((width - side) / 2 + self->line_h * 1.5);
  oy = PAD;

  if (self->map)
    {
      cairo_save (cr);
      cairo_translate (cr, ox, oy);
      cairo_scale (cr, side / self->res, side / self->res);
      cairo_set_source_surface (cr, self->map, 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_GOOD);
      cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
      cairo_rectangle (cr, 0, 0, self->res, self->res);
      cairo_fill (cr);
      cairo_restore (cr);
    }
  else
    {
      _bp_set_source (cr, &c.fg, 0.04);
      cairo_rectangle (cr, ox, oy, side, side);
      cairo_fill (cr);
      /* Regression: the line a perfect model would sit on. */
      _bp_set_source (cr, &c.fg, 0.4);
      cairo_set_line_width (cr, 1);
      cairo_move_to (cr, ox, oy + side);
      cairo_line_to (cr, ox + side, oy);
      cairo_stroke (cr);
    }

  _bp_set_source (cr, &c.fg, 0.4);
  cairo_set_line_width (cr, 1);
  cairo_rectangle (cr, ox - 0.5, oy - 0.5, side + 1, side + 1);
  cairo_stroke (cr);

  for (guint i = 0; i < self->dots->len; i++)
    {
      Dot *d = &g_array_index (self->dots, Dot, i);
      double x = ox + d->u * side, y = oy + (1 - d->v) * side, r, g, b;

      if (d->k >= 0)
        class_color (d->k, &r, &g, &b);
      else
        {
          r = c.accent.red;
          g = c.accent.green;
          b = c.accent.blue;
        }
      /* A dark rim keeps a dot visible on its own class's colour. */
      cairo_new_sub_path (cr);
      cairo_arc (cr, x, y, d->test ? 5 : 4.5, 0, 2 * G_PI);
      if (d->test)
        {
          /* Test points: rings, so they read apart from the training dots. */
          cairo_set_source_rgba (cr, 0.1, 0.1, 0.1, 0.85);
          cairo_set_line_width (cr, 4);
          cairo_stroke_preserve (cr);
          cairo_set_source_rgb (cr, r, g, b);
          cairo_set_line_width (cr, 2);
          cairo_stroke (cr);
        }
      else
        {
          cairo_set_source_rgb (cr, r, g, b);
          cairo_fill_preserve (cr);
          cairo_set_source_rgba (cr, 0.1, 0.1, 0.1, 0.85);
          cairo_set_line_width (cr, 1.5);
          cairo_stroke (cr);
        }
    }

  /* Axis extents */
  _bp_set_source (cr, &c.fg, 0.75);
  g_snprintf (buf, sizeof buf, "%.3g", self->xmin);
  _bp_show_text (cr, layout, buf, ox, oy + side + 4, 0, 0);
  g_snprintf (buf, sizeof buf, "%.3g", self->xmax);
  _bp_show_text (cr, layout, buf, ox + side, oy + side + 4, 1, 0);
  g_snprintf (buf, sizeof buf, "%.3g", self->ymin);
  _bp_show_text (cr, layout, buf, ox - 4, oy + side, 1, 1);
  g_snprintf (buf, sizeof buf, "%.3g", self->ymax);
  _bp_show_text (cr, layout, buf, ox - 4, oy, 1, 0);
  _bp_show_text (cr, layout, self->regression ? "true value" : "x₁", ox + side / 2, oy + side + 4,
                 0.5, 0);
  cairo_save (cr);
  cairo_translate (cr, ox - 4, oy + side / 2);
  cairo_rotate (cr, -G_PI / 2);
  _bp_show_text (cr, layout, self->regression ? "predicted value" : "x₂", 0, 0, 0.5, 1);
  cairo_restore (cr);

  /* Legend */
  {
    double lx = ox, ly = oy + side + self->line_h + 12;

    if (self->regression)
      {
        _bp_set_source (cr, &c.fg, 0.8);
        _bp_show_text (cr, layout, "Each ring is a test sample; on the diagonal it is exact.", lx, ly,
                       0, 0);
      }
    else
      {
        for (int k = 0; k < self->n_classes; k++)
          {
            double r, g, b;
            int tw;

            class_color (k, &r, &g, &b);
            cairo_set_source_rgb (cr, r, g, b);
            cairo_new_sub_path (cr);
            cairo_arc (cr, lx + 5, ly + self->line_h / 2.0, 5, 0, 2 * G_PI);
            cairo_fill (cr);
            _bp_set_source (cr, &c.fg, 0.85);
            _bp_show_text (cr, layout, self->names[k], lx + 14, ly, 0, 0);
            pango_layout_get_pixel_size (layout, &tw, NULL);
            lx += 14 + tw + 14;
          }
        _bp_set_source (cr, &c.fg, 0.6);
        _bp_show_text (cr, layout, "● training   ○ test", lx + 6, ly, 0, 0);
      }
  }
}

static void
bp_boundary_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  _bp_view_snapshot (widget, snapshot, boundary_draw);
}

static void
bp_boundary_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                     int *natural, int *minimum_baseline, int *natural_baseline)
{
  *minimum = 200;
  *natural = 520;
}

static void
bp_boundary_css_changed (GtkWidget *widget, GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (bp_boundary_parent_class)->css_changed (widget, change);
  BP_BOUNDARY (widget)->line_h = _bp_view_line_height (widget);
  gtk_widget_queue_draw (widget);
}

static void
clear_data (BpBoundary *self)
{
  g_clear_pointer (&self->map, cairo_surface_destroy);
  g_clear_pointer (&self->argmax, g_free);
  g_clear_pointer (&self->names, g_strfreev);
  g_clear_pointer (&self->empty_text, g_free);
  g_array_set_size (self->dots, 0);
  self->res = 0;
  self->n_classes = 0;
  self->regression = FALSE;
}

static void
bp_boundary_finalize (GObject *object)
{
  BpBoundary *self = BP_BOUNDARY (object);

  clear_data (self);
  g_array_unref (self->dots);

  G_OBJECT_CLASS (bp_boundary_parent_class)->finalize (object);
}

static void
bp_boundary_class_init (BpBoundaryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = bp_boundary_finalize;
  widget_class->snapshot = bp_boundary_snapshot;
  widget_class->measure = bp_boundary_measure;
  widget_class->css_changed = bp_boundary_css_changed;

  gtk_widget_class_set_css_name (widget_class, "bpboundary");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
bp_boundary_init (BpBoundary *self)
{
  self->dots = g_array_new (FALSE, FALSE, sizeof (Dot));
  self->line_h = 17;
  /* Focusable so keyboard users reach it (and hear its name) in the tab order. */
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Decision boundary: empty", -1);
}

GtkWidget *
bp_boundary_new (void)
{
  return g_object_new (BP_TYPE_BOUNDARY, NULL);
}

static void
add_dots (BpBoundary *self, const NnDataset *ds, const guint32 *rows, int n, gboolean test)
{
  int step;

  if (!ds || !ds->floats || nn_dataset_size (ds) != 2 || n <= 0)
    return;
  step = MAX (1, n / MAX_POINTS);
  for (int j = 0; j < n; j += step)
    {
      int row = rows ? (int) rows[j] : j;
      Dot d;

      if (row < 0 || row >= ds->n)
        continue;
      d.u = (ds->floats[2 * row] - self->xmin) / (self->xmax - self->xmin);
      d.v = (ds->floats[2 * row + 1] - self->ymin) / (self->ymax - self->ymin);
      d.k = ds->labels ? ds->labels[row] : -1;
      d.test = test;
      g_array_append_val (self->dots, d);
    }
}

static void
set_regression (BpBoundary *self, BpInspectState *state)
{
  NnEvalResult *test = state->test;
  const NnDataset *ds = state->data->test;
  double lo = INFINITY, hi = -INFINITY;
  int step = MAX (1, test->n / MAX_POINTS);
  /* Targets were standardised for training; show them in their own units. */
  double scale = state->data->target_std > 0 ? state->data->target_std : 1;
  double shift = state->data->target_std > 0 ? state->data->target_mean : 0;

  self->regression = TRUE;
  for (int i = 0; i < test->n; i++)
    {
      double t = test->targets ? test->targets[(size_t) i * test->n_outputs]
                               : ds->targets[(size_t) test->rows[i] * ds->n_targets];
      double p = test->outputs[(size_t) i * test->n_outputs];

      t = t * scale + shift;
      p = p * scale + shift;
      if (isfinite (t) && isfinite (p))
        {
          lo = MIN (lo, MIN (t, p));
          hi = MAX (hi, MAX (t, p));
        }
    }
  if (!isfinite (lo))
    return;
  if (hi - lo < 1e-9)
    {
      lo -= 0.5;
      hi += 0.5;
    }
  self->xmin = self->ymin = lo - (hi - lo) * 0.05;
  self->xmax = self->ymax = hi + (hi - lo) * 0.05;
  for (int i = 0; i < test->n; i += step)
    {
      double t = test->targets ? test->targets[(size_t) i * test->n_outputs]
                               : ds->targets[(size_t) test->rows[i] * ds->n_targets];
      double p = test->outputs[(size_t) i * test->n_outputs] * scale + shift;
      Dot d;

      t = t * scale + shift;
      d = (Dot) { (t - self->xmin) / (self->xmax - self->xmin),
                  (p - self->ymin) / (self->ymax - self->ymin), -1, TRUE };

      if (isfinite (t) && isfinite (p))
        g_array_append_val (self->dots, d);
    }
}

void
bp_boundary_set_state (BpBoundary *self, BpInspectState *state)
{
  NnData *data;
  BpViewColors c;
  g_autofree char *label = NULL;

  g_return_if_fail (BP_IS_BOUNDARY (self));

  clear_data (self);
  if (!state || !state->data)
    goto out;
  data = state->data;

  if (data->test && data->test->task == NN_TASK_REGRESSION)
    {
      if (state->test && state->test->n > 0 && state->test->outputs)
        set_regression (self, state);
      goto out;
    }

  if (!state->boundary || state->boundary_res <= 0)
    {
      if (data->train && nn_dataset_size (data->train) != 2)
        self->empty_text = g_strdup ("The decision boundary is drawn for the 2-D datasets "
                                     "(xor, circles, spiral, gaussians); this one has more inputs.");
      goto out;
    }

  self->res = state->boundary_res;
  self->xmin = data->xmin;
  self->xmax = data->xmax;
  self->ymin = data->ymin;
  self->ymax = data->ymax;
  if (!(self->xmax > self->xmin) || !(self->ymax > self->ymin))
    {
      self->xmin = self->ymin = -1;
      self->xmax = self->ymax = 1;
    }
  self->n_classes = MAX (data->train ? data->train->n_classes : 0, 1);
  self->names = g_new0 (char *, self->n_classes + 1);
  for (int k = 0; k < self->n_classes; k++)
    self->names[k] = _bp_class_name (data->class_names, self->n_classes, k);

  _bp_view_get_colors (GTK_WIDGET (self), &c);
  {
    int res = self->res, no = state->boundary_outputs;
    int stride;
    guint8 *pixels;

    self->map = cairo_image_surface_create (CAIRO_FORMAT_RGB24, res, res);
    self->argmax = g_new0 (guint8, (size_t) res * res);
    cairo_surface_flush (self->map);
    pixels = cairo_image_surface_get_data (self->map);
    stride = cairo_image_surface_get_stride (self->map);
    for (int gy = 0; gy < res; gy++)
      for (int gx = 0; gx < res; gx++)
        {
          const float *p = state->boundary + ((size_t) gy * res + gx) * no;
          double r = 0, g = 0, b = 0, best = -1, conf, a;
          int arg = 0, k_eff = no == 1 ? 2 : no;

          for (int k = 0; k < k_eff; k++)
            {
              /* One sigmoid output: probability of class 1. */
              double pk = no == 1 ? (k == 1 ? p[0] : 1 - p[0]) : p[k];
              double cr, cg, cb;

              if (!isfinite (pk))
                pk = 0;
              class_color (k, &cr, &cg, &cb);
              r += pk * cr;
              g += pk * cg;
              b += pk * cb;
              if (pk > best)
                {
                  best = pk;
                  arg = k;
                }
            }
          self->argmax[(size_t) gy * res + gx] = (guint8) MIN (arg, 255);
          conf = k_eff > 1 ? CLAMP ((best - 1.0 / k_eff) / (1 - 1.0 / k_eff), 0, 1) : 1;
          /* Pale where unsure, so the boundary itself reads as a light band. */
          a = 0.15 + 0.5 * conf;
          r = c.bg.red * (1 - a) + r * a;
          g = c.bg.green * (1 - a) + g * a;
          b = c.bg.blue * (1 - a) + b * a;
          {
            guint32 *line = (guint32 *) (pixels + (size_t) (res - 1 - gy) * stride);

            line[gx] = (0xffu << 24) | ((guint32) (CLAMP (r, 0, 1) * 255) << 16)
                       | ((guint32) (CLAMP (g, 0, 1) * 255) << 8) | (guint32) (CLAMP (b, 0, 1) * 255);
          }
        }
    cairo_surface_mark_dirty (self->map);
  }

  add_dots (self, data->train, data->train_rows, data->n_train, FALSE);
  add_dots (self, data->test, NULL, data->test ? data->test->n : 0, TRUE);

out:
  if (self->map)
    label = g_strdup_printf ("Decision boundary over the plane, with %u points", self->dots->len);
  else if (self->regression)
    label = g_strdup_printf ("Predicted against true values for %u test samples", self->dots->len);
  else
    label = g_strdup ("Decision boundary: empty");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
bp_boundary_has_map (BpBoundary *self)
{
  return self->map != NULL;
}

int
bp_boundary_class_at (BpBoundary *self, double x, double y)
{
  int gx, gy;

  if (!self->argmax)
    return -1;
  gx = (int) floor ((x - self->xmin) / (self->xmax - self->xmin) * self->res);
  gy = (int) floor ((y - self->ymin) / (self->ymax - self->ymin) * self->res);
  gx = CLAMP (gx, 0, self->res - 1);
  gy = CLAMP (gy, 0, self->res - 1);
  return self->argmax[(size_t) gy * self->res + gx];
}

gboolean
bp_boundary_export_png (BpBoundary *self, const char *path, int width, int height, GError **error)
{
  if (width <= 0 || height <= 0)
    {
      width = 640;
      height = 640;
    }
  return _bp_view_export_png (GTK_WIDGET (self), boundary_draw, path, width, height, error);
}
