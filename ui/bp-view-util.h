/* bp-view-util.h: small helpers shared by the inspector's Cairo views.
 *
 * Theme colours, sample images as Cairo surfaces, a diverging colour map, the
 * empty-state message, and PNG export through the same draw function a view
 * uses in snapshot(). Every export is rendered in memory and written with
 * nn_save_contents(), the project's one safe save. Internal to ui/ (the
 * leading underscore); not a widget.
 */
#pragma once

#include <gtk/gtk.h>

#include "bp-inspect-state.h"

G_BEGIN_DECLS

typedef struct
{
  GdkRGBA  fg;
  GdkRGBA  bg;
  GdkRGBA  accent;   /* selection, focus */
  GdkRGBA  good;     /* a right answer */
  GdkRGBA  bad;      /* a wrong answer */
  gboolean dark;
} BpViewColors;

/* Draws the whole view into @cr of @width x @height with text in @layout. */
typedef void (*BpViewDrawFunc) (GtkWidget *view, cairo_t *cr, PangoLayout *layout, int width,
                                int height);

void             _bp_view_get_colors   (GtkWidget *widget, BpViewColors *colors);
void             _bp_set_source        (cairo_t *cr, const GdkRGBA *color, double alpha);
/* Text at (x, y) aligned by (xalign, yalign) in 0..1 of its size. */
void             _bp_show_text         (cairo_t *cr, PangoLayout *layout, const char *text,
                                        double x, double y, double xalign, double yalign);
/* Copies of the layout's font and a bold one; free both. */
void             _bp_layout_fonts      (PangoLayout *layout, PangoFontDescription **normal,
                                        PangoFontDescription **bold);
void             _bp_draw_empty        (cairo_t *cr, PangoLayout *layout, const BpViewColors *c,
                                        int width, int height, const char *message);
void             _bp_draw_focus        (cairo_t *cr, const BpViewColors *c, double x, double y,
                                        double w, double h);
/* The height of a line of @widget's text, in pixels. */
int              _bp_view_line_height  (GtkWidget *widget);
/* Paints @surface scaled to @width x @height at (@x, @y) with @filter. */
void             _bp_paint_surface     (cairo_t *cr, cairo_surface_t *surface, double x, double y,
                                        double width, double height, cairo_filter_t filter);
/* FALSE with an error when an export of @width x @height is too large. */
gboolean         _bp_export_size_ok    (int width, int height, GError **error);
/* FALSE with an error naming @path when @status is not a success. */
gboolean         _bp_export_status_ok  (cairo_status_t status, const char *path, GError **error);
/* A cairo_write_func_t appending to the GByteArray @closure. */
cairo_status_t   _bp_append_bytes      (void *closure, const unsigned char *data,
                                        unsigned int length);
/* Encodes the image @surface as PNG and saves it at @path through nn-save.h
 * (so a FIFO or folder at @path is refused, a symlink followed). */
gboolean         _bp_save_png          (cairo_surface_t *surface, const char *path,
                                        GError **error);
/* Finishes @surface, a stream surface (SVG, PDF) writing with
 * _bp_append_bytes into @bytes, and saves @bytes at @path through nn-save.h. */
gboolean         _bp_save_stream       (cairo_surface_t *surface, GByteArray *bytes,
                                        const char *path, GError **error);
/* Paints @draw into a PNG of @width x @height (0: the widget's size, else a default). */
gboolean         _bp_view_export_png   (GtkWidget *view, BpViewDrawFunc draw, const char *path,
                                        int width, int height, GError **error);
/* Snapshot glue: calls @draw with a Cairo context covering the widget. */
void             _bp_view_snapshot     (GtkWidget *view, GtkSnapshot *snapshot, BpViewDrawFunc draw);

/* Row @row of @ds as a paper-like grey image (ink dark on light), or NULL
 * when the samples are not images. (transfer full) */
cairo_surface_t *_bp_sample_surface    (const NnDataset *ds, int row);
/* @values (h*w) as a blue-white-red image, symmetric around 0 by @scale. */
cairo_surface_t *_bp_diverging_surface (const float *values, int height, int width, float scale);
/* The diverging map itself: t in [-1, 1]. */
void             _bp_diverging_color   (double t, double *r, double *g, double *b);
/* Class @k's name, or its number when the dataset has no names. (transfer full) */
char            *_bp_class_name        (char **class_names, int n_classes, int k);

G_END_DECLS
