/* bp-plot.h: a live line plot for training curves, drawn with Cairo.
 *
 * Series of (x, y) points: per-batch values drawn faint with a smoothed line
 * over them, per-epoch values as points joined by a line. Axes with readable
 * ticks, a legend, a readout of the nearest point under the pointer, an
 * optional log scale for y, auto-fit, vertical markers (a learning-rate
 * change). Points are appended from the main thread; the widget normalises
 * them when they change, never inside snapshot().
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum
{
  BP_SERIES_RAW,       /* faint line of every point, with a smoothed line drawn over it */
  BP_SERIES_POINTS,    /* markers joined by a line, for per-epoch values */
} BpSeriesStyle;

typedef enum
{
  BP_EXPORT_PNG,
  BP_EXPORT_SVG,
  BP_EXPORT_PDF,
  BP_EXPORT_CSV,
} BpExportFormat;

#define BP_TYPE_PLOT (bp_plot_get_type ())
G_DECLARE_FINAL_TYPE (BpPlot, bp_plot, BP, PLOT, GtkWidget)

GtkWidget *bp_plot_new           (void);
void       bp_plot_set_title     (BpPlot *self, const char *title);
void       bp_plot_set_x_label   (BpPlot *self, const char *label);   /* "epoch" */
void       bp_plot_set_y_label   (BpPlot *self, const char *label);
void       bp_plot_set_log_y     (BpPlot *self, gboolean log_y);
gboolean   bp_plot_get_log_y     (BpPlot *self);
/* Returns the series index. @color as "#rrggbb" or NULL for the palette. */
guint      bp_plot_add_series    (BpPlot *self, const char *name, BpSeriesStyle style,
                                  const char *color);
void       bp_plot_append        (BpPlot *self, guint series, double x, double y);
void       bp_plot_append_many   (BpPlot *self, guint series, const double *xy, guint n_points);
guint      bp_plot_get_n_points  (BpPlot *self, guint series);
void       bp_plot_add_marker    (BpPlot *self, double x, const char *label);
guint      bp_plot_get_n_markers (BpPlot *self);
/* Marker @index's x and label (borrowed); FALSE past the last. */
gboolean   bp_plot_get_marker    (BpPlot *self, guint index, double *x, const char **label);
void       bp_plot_clear         (BpPlot *self);   /* points and markers; series stay */
/* Fixes the y axis to [min, max] (e.g. 0..1 for accuracy); NAN, NAN returns to auto-fit. */
void       bp_plot_set_y_limits  (BpPlot *self, double min, double max);
/* The range shown (auto-fit: the data's extent plus a margin), in data units. */
gboolean   bp_plot_get_view      (BpPlot *self, double *x0, double *x1, double *y0, double *y1);
/* Points left in @series after decimation to the current width (for tests). */
guint      bp_plot_get_n_drawn   (BpPlot *self, guint series);
gboolean   bp_plot_export        (BpPlot *self, const char *path, BpExportFormat format,
                                  int width, int height, GError **error);

G_END_DECLS
