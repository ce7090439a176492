/* bp-view-util.c: helpers shared by the inspector's Cairo views.
 *
 * See bp-view-util.h. Everything here is either called when a snapshot
 * arrives (surfaces) or is a few Cairo calls used while drawing.
 */
#include "bp-view-util.h"
#include "nn-save.h"

#include <math.h>

void
_bp_view_get_colors (GtkWidget *widget, BpViewColors *c)
{
#if GTK_CHECK_VERSION (4, 10, 0)
  gtk_widget_get_color (widget, &c->fg);
#else
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &c->fg);
#endif
  /* Light text means a dark theme. */
  c->dark = (0.299 * c->fg.red + 0.587 * c->fg.green + 0.114 * c->fg.blue) > 0.5;
  c->bg = c->dark ? (GdkRGBA) { 0.14, 0.14, 0.14, 1 } : (GdkRGBA) { 0.98, 0.98, 0.98, 1 };
  gdk_rgba_parse (&c->accent, c->dark ? "#78aeed" : "#1c71d8");
  gdk_rgba_parse (&c->good, c->dark ? "#57e389" : "#26a269");
  gdk_rgba_parse (&c->bad, c->dark ? "#ff7b63" : "#e01b24");
}

void
_bp_set_source (cairo_t *cr, const GdkRGBA *c, double alpha)
{
  cairo_set_source_rgba (cr, c->red, c->green, c->blue, c->alpha * alpha);
}

void
_bp_show_text (cairo_t *cr, PangoLayout *layout, const char *text, double x, double y,
               double xalign, double yalign)
{
  int w, h;

  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, round (x - w * xalign), round (y - h * yalign));
  pango_cairo_show_layout (cr, layout);
}

void
_bp_layout_fonts (PangoLayout *layout, PangoFontDescription **normal, PangoFontDescription **bold)
{
  const PangoFontDescription *desc = pango_layout_get_font_description (layout);

  if (!desc)
    desc = pango_context_get_font_description (pango_layout_get_context (layout));
  *normal = pango_font_description_copy (desc);
  *bold = pango_font_description_copy (desc);
  pango_font_description_set_weight (*bold, PANGO_WEIGHT_BOLD);
}

void
_bp_draw_empty (cairo_t *cr, PangoLayout *layout, const BpViewColors *c, int width, int height,
                const char *message)
{
  int h, box = CLAMP (width - 40, 50, 520);

  /* Pango centres each line inside the box; the box is centred and no
   * wider than a comfortable line, so a long message wraps. */
  pango_layout_set_width (layout, box * PANGO_SCALE);
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD);
  pango_layout_set_text (layout, message, -1);
  pango_layout_get_pixel_size (layout, NULL, &h);
  _bp_set_source (cr, &c->fg, 0.55);
  cairo_move_to (cr, round ((width - box) / 2.0), round ((height - h) / 2.0));
  pango_cairo_show_layout (cr, layout);
  pango_layout_set_width (layout, -1);
  pango_layout_set_alignment (layout, PANGO_ALIGN_LEFT);
}

void
_bp_draw_focus (cairo_t *cr, const BpViewColors *c, double x, double y, double w, double h)
{
  cairo_save (cr);
  cairo_new_path (cr);
  _bp_set_source (cr, &c->accent, 1);
  cairo_set_line_width (cr, 2);
  cairo_rectangle (cr, x - 2, y - 2, w + 4, h + 4);
  cairo_stroke (cr);
  cairo_restore (cr);
}

int
_bp_view_line_height (GtkWidget *widget)
{
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (widget, "Ag");
  int height;

  pango_layout_get_pixel_size (layout, NULL, &height);
  return height;
}

void
_bp_paint_surface (cairo_t *cr, cairo_surface_t *surface, double x, double y, double width,
                   double height, cairo_filter_t filter)
{
  cairo_save (cr);
  cairo_translate (cr, x, y);
  cairo_scale (cr, width / cairo_image_surface_get_width (surface),
               height / cairo_image_surface_get_height (surface));
  cairo_set_source_surface (cr, surface, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), filter);
  cairo_paint (cr);
  cairo_restore (cr);
}

gboolean
_bp_export_size_ok (int width, int height, GError **error)
{
  if (width > 16384 || height > 16384)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "An export of %d×%d pixels is too large.", width, height);
      return FALSE;
    }
  return TRUE;
}

gboolean
_bp_export_status_ok (cairo_status_t status, const char *path, GError **error)
{
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Could not write “%s”: %s.", path,
                   cairo_status_to_string (status));
      return FALSE;
    }
  return TRUE;
}

cairo_status_t
_bp_append_bytes (void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

gboolean
_bp_save_png (cairo_surface_t *surface, const char *path, GError **error)
{
  g_autoptr (GByteArray) bytes = g_byte_array_new ();

  if (!_bp_export_status_ok (cairo_surface_write_to_png_stream (surface, _bp_append_bytes, bytes),
                             path, error))
    return FALSE;
  return nn_save_contents (path, bytes->data, bytes->len, error);
}

gboolean
_bp_save_stream (cairo_surface_t *surface, GByteArray *bytes, const char *path, GError **error)
{
  cairo_surface_finish (surface);
  if (!_bp_export_status_ok (cairo_surface_status (surface), path, error))
    return FALSE;
  return nn_save_contents (path, bytes->data, bytes->len, error);
}

void
_bp_view_snapshot (GtkWidget *view, GtkSnapshot *snapshot, BpViewDrawFunc draw)
{
  int width = gtk_widget_get_width (view);
  int height = gtk_widget_get_height (view);
  g_autoptr (PangoLayout) layout = NULL;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;

  layout = gtk_widget_create_pango_layout (view, NULL);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  draw (view, cr, layout, width, height);
  cairo_destroy (cr);
}

gboolean
_bp_view_export_png (GtkWidget *view, BpViewDrawFunc draw, const char *path, int width,
                     int height, GError **error)
{
  cairo_surface_t *surface;
  cairo_t *cr;
  PangoLayout *layout;
  BpViewColors colors;
  gboolean ok;

  if (width <= 0 || height <= 0)
    {
      width = gtk_widget_get_width (view);
      height = gtk_widget_get_height (view);
      if (width < 100 || height < 100)
        {
          width = 900;
          height = 640;
        }
    }
  if (!_bp_export_size_ok (width, height, error))
    return FALSE;

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cr = cairo_create (surface);
  _bp_view_get_colors (view, &colors);
  _bp_set_source (cr, &colors.bg, 1);
  cairo_paint (cr);
  layout = pango_cairo_create_layout (cr);
  pango_layout_set_font_description (layout,
      pango_context_get_font_description (gtk_widget_get_pango_context (view)));
  draw (view, cr, layout, width, height);
  g_object_unref (layout);
  cairo_destroy (cr);

  ok = _bp_save_png (surface, path, error);
  cairo_surface_destroy (surface);
  return ok;
}

cairo_surface_t *
_bp_sample_surface (const NnDataset *ds, int row)
{
  cairo_surface_t *surface;
  int h, w, stride;
  guint8 *data;
  size_t size;

  if (!bp_dataset_is_image (ds, &h, &w) || row < 0 || row >= ds->n)
    return NULL;

  size = (size_t) h * w;
  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, w, h);
  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  for (int y = 0; y < h; y++)
    {
      guint32 *line = (guint32 *) (data + (size_t) y * stride);

      for (int x = 0; x < w; x++)
        {
          size_t k = (size_t) row * size + (size_t) y * w + x;
          double v = ds->bytes ? ds->bytes[k] / 255.0 : CLAMP (ds->floats[k], 0.f, 1.f);
          /* Ink on paper: dark strokes on a light tile read in both themes. */
          guint8 g = (guint8) round (255 - v * 235);

          line[x] = (0xffu << 24) | ((guint32) g << 16) | ((guint32) g << 8) | g;
        }
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}

void
_bp_diverging_color (double t, double *r, double *g, double *b)
{
  /* Blue (negative) through white to red (positive), as RdBu. */
  static const double neg[3] = { 0.13, 0.40, 0.67 };
  static const double pos[3] = { 0.70, 0.09, 0.17 };
  const double *end = t < 0 ? neg : pos;
  double a = MIN (fabs (t), 1.0);

  *r = 1 + (end[0] - 1) * a;
  *g = 1 + (end[1] - 1) * a;
  *b = 1 + (end[2] - 1) * a;
}

cairo_surface_t *
_bp_diverging_surface (const float *values, int height, int width, float scale)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  guint8 *data;
  int stride;

  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  for (int y = 0; y < height; y++)
    {
      guint32 *line = (guint32 *) (data + (size_t) y * stride);

      for (int x = 0; x < width; x++)
        {
          double r, g, b, v = values[(size_t) y * width + x];

          _bp_diverging_color (scale > 0 && isfinite (v) ? v / scale : 0, &r, &g, &b);
          line[x] = (0xffu << 24) | ((guint32) (r * 255) << 16) | ((guint32) (g * 255) << 8)
                    | (guint32) (b * 255);
        }
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}

char *
_bp_class_name (char **class_names, int n_classes, int k)
{
  if (class_names && k >= 0 && k < n_classes && (guint) k < g_strv_length (class_names))
    return g_strdup (class_names[k]);
  return g_strdup_printf ("%d", k);
}
