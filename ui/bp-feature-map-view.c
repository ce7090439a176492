/* bp-feature-map-view.c: the Feature maps page.
 *
 * BpFeatureMapGrid (internal) draws the maps of one BpFeatureMaps: each
 * layer's caption, then one greyscale tile per channel, from the
 * channel's lowest value (black) to its highest (white), scaled up to
 * about 56 px; its surfaces are made when the maps arrive, never in
 * snapshot(). BpFeatureMapView around it picks the sample and runs
 * bp_feature_maps_compute () in a GTask, one at a time, coalescing what
 * comes meanwhile.
 */
#include "bp-feature-map-view.h"

#include <math.h>

#include "bp-sample-view.h"
#include "bp-view-util.h"

#define PAD       12
#define GAP       6
#define LAYER_GAP 14
#define TILE_AIM  56   /* a tile's longer side, in pixels, give or take its scale's rounding */

/* ---- BpFeatureMapGrid -------------------------------------------------- */

typedef struct
{
  char             *caption;
  int               channels, height, width;
  int               scale;
  cairo_surface_t **tiles;   /* (channels) */
} MapLayer;

#define BP_TYPE_FEATURE_MAP_GRID (bp_feature_map_grid_get_type ())
G_DECLARE_FINAL_TYPE (BpFeatureMapGrid, bp_feature_map_grid, BP, FEATURE_MAP_GRID, GtkWidget)

struct _BpFeatureMapGrid
{
  GtkWidget  parent_instance;

  GArray    *layers;       /* MapLayer */
  char      *empty_text;   /* shown when there are no layers */
  int        line_h;
};

G_DEFINE_FINAL_TYPE (BpFeatureMapGrid, bp_feature_map_grid, GTK_TYPE_WIDGET)

static void
map_layer_clear (gpointer data)
{
  MapLayer *l = data;

  for (int c = 0; c < l->channels; c++)
    g_clear_pointer (&l->tiles[c], cairo_surface_destroy);
  g_free (l->tiles);
  g_free (l->caption);
}

static int
layer_columns (const MapLayer *l, int width)
{
  int tw = l->scale * l->width;

  return MAX (1, (width - 2 * PAD + GAP) / (tw + GAP));
}

static int
layer_height (const BpFeatureMapGrid *self, const MapLayer *l, int width)
{
  int cols = layer_columns (l, width);
  int rows = (l->channels + cols - 1) / cols;

  return self->line_h + 4 + rows * (l->scale * l->height + GAP) - GAP;
}

static int
grid_height (BpFeatureMapGrid *self, int width)
{
  int h = PAD;

  if (self->layers->len == 0)
    return 200;
  for (guint i = 0; i < self->layers->len; i++)
    h += layer_height (self, &g_array_index (self->layers, MapLayer, i), width) + LAYER_GAP;
  return h - LAYER_GAP + PAD;
}

static void
grid_draw (GtkWidget *widget, cairo_t *cr, PangoLayout *layout, int width, int height)
{
  BpFeatureMapGrid *self = BP_FEATURE_MAP_GRID (widget);
  PangoFontDescription *normal, *bold;
  BpViewColors c;
  double y = PAD;

  _bp_view_get_colors (widget, &c);
  if (self->layers->len == 0)
    {
      _bp_draw_empty (cr, layout, &c, width, MIN (height, 400),
                      self->empty_text ? self->empty_text : "No feature maps yet.");
      return;
    }
  _bp_layout_fonts (layout, &normal, &bold);
  for (guint i = 0; i < self->layers->len; i++)
    {
      MapLayer *l = &g_array_index (self->layers, MapLayer, i);
      int cols = layer_columns (l, width);
      int tw = l->scale * l->width, th = l->scale * l->height;

      pango_layout_set_font_description (layout, bold);
      _bp_set_source (cr, &c.fg, 0.9);
      _bp_show_text (cr, layout, l->caption, PAD, y, 0, 0);
      pango_layout_set_font_description (layout, normal);
      y += self->line_h + 4;
      for (int ch = 0; ch < l->channels; ch++)
        {
          double x = PAD + (ch % cols) * (tw + GAP);
          double ty = y + (ch / cols) * (th + GAP);

          _bp_paint_surface (cr, l->tiles[ch], x, ty, tw, th, CAIRO_FILTER_NEAREST);
          _bp_set_source (cr, &c.fg, 0.25);
          cairo_set_line_width (cr, 1);
          cairo_rectangle (cr, x - 0.5, ty - 0.5, tw + 1, th + 1);
          cairo_stroke (cr);
        }
      y += layer_height (self, l, width) - self->line_h - 4 + LAYER_GAP;
    }
  pango_font_description_free (normal);
  pango_font_description_free (bold);
}

static void
bp_feature_map_grid_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  _bp_view_snapshot (widget, snapshot, grid_draw);
}

static GtkSizeRequestMode
bp_feature_map_grid_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
bp_feature_map_grid_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                             int *minimum, int *natural, int *minimum_baseline,
                             int *natural_baseline)
{
  BpFeatureMapGrid *self = BP_FEATURE_MAP_GRID (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = TILE_AIM + 2 * PAD;
      *natural = 8 * (TILE_AIM + GAP) + 2 * PAD;
    }
  else
    *minimum = *natural = grid_height (self, for_size < 0 ? 8 * (TILE_AIM + GAP) + 2 * PAD
                                                          : for_size);
}

static void
bp_feature_map_grid_css_changed (GtkWidget *widget, GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (bp_feature_map_grid_parent_class)->css_changed (widget, change);
  BP_FEATURE_MAP_GRID (widget)->line_h = _bp_view_line_height (widget);
  gtk_widget_queue_resize (widget);
}

static void
bp_feature_map_grid_finalize (GObject *object)
{
  BpFeatureMapGrid *self = BP_FEATURE_MAP_GRID (object);

  g_array_unref (self->layers);
  g_free (self->empty_text);
  G_OBJECT_CLASS (bp_feature_map_grid_parent_class)->finalize (object);
}

static void
bp_feature_map_grid_class_init (BpFeatureMapGridClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = bp_feature_map_grid_finalize;
  widget_class->snapshot = bp_feature_map_grid_snapshot;
  widget_class->measure = bp_feature_map_grid_measure;
  widget_class->get_request_mode = bp_feature_map_grid_get_request_mode;
  widget_class->css_changed = bp_feature_map_grid_css_changed;
  gtk_widget_class_set_css_name (widget_class, "bpfeaturemapgrid");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
bp_feature_map_grid_init (BpFeatureMapGrid *self)
{
  self->layers = g_array_new (FALSE, TRUE, sizeof (MapLayer));
  g_array_set_clear_func (self->layers, map_layer_clear);
  self->line_h = 17;
}

/* One channel, (h, w) from @v, grey from @lo (black) to @hi (white). */
static cairo_surface_t *
grey_surface (const float *v, int h, int w, float lo, float hi)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, w, h);
  unsigned char *data;
  int stride;
  float span = hi - lo;

  cairo_surface_flush (s);
  data = cairo_image_surface_get_data (s);
  stride = cairo_image_surface_get_stride (s);
  for (int y = 0; y < h; y++)
    {
      guint32 *row = (guint32 *) (data + (size_t) y * stride);

      for (int x = 0; x < w; x++)
        {
          float t = span > 0 && isfinite (v[y * w + x]) ? (v[y * w + x] - lo) / span : 0;
          guint32 g = (guint32) lrintf (255 * CLAMP (t, 0, 1));

          row[x] = (g << 16) | (g << 8) | g;
        }
    }
  cairo_surface_mark_dirty (s);
  return s;
}

static void
grid_set_maps (BpFeatureMapGrid *self, BpFeatureMaps *maps, const char *empty_text)
{
  g_array_set_size (self->layers, 0);
  g_free (self->empty_text);
  self->empty_text = g_strdup (empty_text);
  for (int i = 0; maps && i < maps->n_maps; i++)
    {
      const BpFeatureMap *m = &maps->maps[i];
      MapLayer l = { 0 };
      size_t hw;

      l.caption = bp_feature_map_caption (m);
      l.channels = m->shape.dim[0];
      l.height = m->shape.dim[1];
      l.width = m->shape.dim[2];
      l.scale = CLAMP (TILE_AIM / MAX (l.height, l.width), 1, 16);
      l.tiles = g_new0 (cairo_surface_t *, l.channels);
      hw = (size_t) l.height * l.width;
      for (int c = 0; c < l.channels; c++)
        l.tiles[c] = grey_surface (m->values + c * hw, l.height, l.width, m->lo[c], m->hi[c]);
      g_array_append_val (self->layers, l);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  self->layers->len ? "Feature maps, one image per channel"
                                                    : self->empty_text ? self->empty_text : "",
                                  -1);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

/* ---- BpFeatureMapView -------------------------------------------------- */

struct _BpFeatureMapView
{
  GtkWidget         parent_instance;

  /* Template widgets */
  BpFeatureMapGrid *grid;
  GtkBox           *sample_bar;
  GtkLabel         *sample_label;
  GtkSpinButton    *sample_spin;

  /* Borrowed */
  BpSampleView     *thumb;

  /* Owned */
  BpInspectState   *state;
  BpFeatureMaps    *maps;
  char             *message;

  int               sample;
  gboolean          busy;      /* a computation runs */
  gboolean          dirty;     /* the state or the sample changed since it started */
  gboolean          disposed;
  gboolean          updating;  /* setting the spin button from here */
};

G_DEFINE_FINAL_TYPE (BpFeatureMapView, bp_feature_map_view, GTK_TYPE_WIDGET)

#define NO_MAPS_TEXT "This network has no convolution or pooling layers; add one to see its " \
                     "feature maps."
#define NOT_YET_TEXT "No feature maps yet — press Train. They show what each convolution and " \
                     "pooling layer makes of one test sample."

typedef struct
{
  BpInspectState *state;
  int             sample;
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;

  bp_inspect_state_unref (job->state);
  g_free (job);
}

static void
job_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Job *job = task_data;
  GError *error = NULL;
  BpFeatureMaps *maps = bp_feature_maps_compute (job->state, job->sample, &error);

  if (maps)
    g_task_return_pointer (task, maps, (GDestroyNotify) bp_feature_maps_unref);
  else
    g_task_return_error (task, error);
}

/* The evaluation index of test row @row in @state, or -1. */
static int
eval_index (BpInspectState *state, int row)
{
  NnEvalResult *test = state ? state->test : NULL;

  if (!test || row < 0)
    return -1;
  if (row < test->n && (!test->rows || (int) test->rows[row] == row))
    return row;
  for (int i = 0; i < test->n; i++)
    if ((int) test->rows[i] == row)
      return i;
  return -1;
}

static void
show (BpFeatureMapView *self, BpFeatureMaps *maps, const char *message)
{
  g_autofree char *text = NULL;

  if (maps)
    bp_feature_maps_ref (maps);
  g_clear_pointer (&self->maps, bp_feature_maps_unref);
  self->maps = maps;
  g_free (self->message);
  self->message = maps ? NULL : g_strdup (message);
  grid_set_maps (self->grid, maps, message);

  if (maps && maps->label >= 0 && self->state && self->state->data->test)
    {
      int n_classes = self->state->data->test->n_classes;
      g_autofree char *truth = _bp_class_name (self->state->data->class_names, n_classes,
                                               maps->label);
      g_autofree char *predicted = _bp_class_name (self->state->data->class_names, n_classes,
                                                   maps->predicted);

      text = g_strdup_printf ("True %s, predicted %s. Each channel is drawn from its lowest "
                              "value (black) to its highest (white).", truth, predicted);
    }
  else if (maps)
    text = g_strdup ("Each channel is drawn from its lowest value (black) to its highest "
                     "(white).");
  gtk_label_set_label (self->sample_label, text ? text : "");
  bp_sample_view_set_sample (self->thumb, maps ? self->state : NULL,
                             maps ? eval_index (self->state, maps->sample) : -1);
}

static void start_job (BpFeatureMapView *self);

static void
job_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  BpFeatureMapView *self = BP_FEATURE_MAP_VIEW (source);
  Job *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(BpFeatureMaps) maps = g_task_propagate_pointer (G_TASK (result), &error);

  self->busy = FALSE;
  if (self->disposed)
    return;
  /* A newer state may be waiting; the maps of this sample are still
   * newer than what is shown. Another sample's are not shown at all. */
  if (job->sample == self->sample && self->state != NULL)
    show (self, maps, maps ? NULL : error->message);
  start_job (self);
}

/* Starts a computation when one is wanted, none runs and the page is on
 * screen (a state that arrives while it is not is computed on showing). */
static void
start_job (BpFeatureMapView *self)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  if (self->busy || !self->dirty || self->disposed || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  self->dirty = FALSE;
  if (!bp_inspect_state_has_feature_maps (self->state))
    {
      show (self, NULL, self->state ? NO_MAPS_TEXT : NOT_YET_TEXT);
      return;
    }
  job = g_new0 (Job, 1);
  job->state = bp_inspect_state_ref (self->state);
  job->sample = self->sample;
  self->busy = TRUE;
  task = g_task_new (self, NULL, job_done_cb, NULL);
  g_task_set_name (task, "bp-feature-maps");
  g_task_set_task_data (task, job, job_free);
  g_task_run_in_thread (task, job_thread);
}

static void
on_sample_spin_value_changed_cb (BpFeatureMapView *self, GtkSpinButton *spin)
{
  if (!self->updating)
    bp_feature_map_view_set_sample (self, gtk_spin_button_get_value_as_int (spin));
}

static void
bp_feature_map_view_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (bp_feature_map_view_parent_class)->map (widget);
  start_job (BP_FEATURE_MAP_VIEW (widget));
}

static void
bp_feature_map_view_dispose (GObject *object)
{
  BpFeatureMapView *self = BP_FEATURE_MAP_VIEW (object);

  self->disposed = TRUE;
  gtk_widget_dispose_template (GTK_WIDGET (self), BP_TYPE_FEATURE_MAP_VIEW);
  /* Unbound template children (the scrolled window) are ours to unparent. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self)));)
    gtk_widget_unparent (child);
  g_clear_pointer (&self->state, bp_inspect_state_unref);
  g_clear_pointer (&self->maps, bp_feature_maps_unref);
  g_clear_pointer (&self->message, g_free);
  G_OBJECT_CLASS (bp_feature_map_view_parent_class)->dispose (object);
}

static void
bp_feature_map_view_class_init (BpFeatureMapViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bp_feature_map_view_dispose;
  widget_class->map = bp_feature_map_view_map;

  g_type_ensure (BP_TYPE_FEATURE_MAP_GRID);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/backprop/Backprop/bp-feature-map-view.ui");
  gtk_widget_class_bind_template_child (widget_class, BpFeatureMapView, grid);
  gtk_widget_class_bind_template_child (widget_class, BpFeatureMapView, sample_bar);
  gtk_widget_class_bind_template_child (widget_class, BpFeatureMapView, sample_label);
  gtk_widget_class_bind_template_child (widget_class, BpFeatureMapView, sample_spin);
  gtk_widget_class_bind_template_callback (widget_class, on_sample_spin_value_changed_cb);
  gtk_widget_class_set_css_name (widget_class, "bpfeaturemapview");
}

static void
bp_feature_map_view_init (BpFeatureMapView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->thumb = BP_SAMPLE_VIEW (bp_sample_view_new (TRUE));
  gtk_widget_set_valign (GTK_WIDGET (self->thumb), GTK_ALIGN_CENTER);
  gtk_box_insert_child_after (self->sample_bar, GTK_WIDGET (self->thumb),
                              GTK_WIDGET (self->sample_spin));
  self->dirty = TRUE;
  show (self, NULL, NOT_YET_TEXT);
}

GtkWidget *
bp_feature_map_view_new (void)
{
  return g_object_new (BP_TYPE_FEATURE_MAP_VIEW, NULL);
}

void
bp_feature_map_view_set_state (BpFeatureMapView *self, BpInspectState *state)
{
  int n = 0;

  g_return_if_fail (BP_IS_FEATURE_MAP_VIEW (self));

  if (state)
    bp_inspect_state_ref (state);
  g_clear_pointer (&self->state, bp_inspect_state_unref);
  self->state = state;
  if (state && state->data && state->data->test)
    n = state->data->test->n;
  self->updating = TRUE;
  gtk_adjustment_set_upper (gtk_spin_button_get_adjustment (self->sample_spin), MAX (n - 1, 0));
  if (self->sample >= n)
    self->sample = MAX (n - 1, 0);
  gtk_spin_button_set_value (self->sample_spin, self->sample);
  self->updating = FALSE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->sample_spin),
                            bp_inspect_state_has_feature_maps (state));
  if (state == NULL)
    show (self, NULL, NOT_YET_TEXT);
  self->dirty = TRUE;
  start_job (self);
}

void
bp_feature_map_view_set_sample (BpFeatureMapView *self, int sample)
{
  g_return_if_fail (BP_IS_FEATURE_MAP_VIEW (self));

  if (sample < 0 || sample == self->sample)
    return;
  self->sample = sample;
  self->updating = TRUE;
  gtk_spin_button_set_value (self->sample_spin, sample);
  self->updating = FALSE;
  self->dirty = TRUE;
  start_job (self);
}

int
bp_feature_map_view_get_sample (BpFeatureMapView *self)
{
  g_return_val_if_fail (BP_IS_FEATURE_MAP_VIEW (self), -1);
  return self->sample;
}

BpFeatureMaps *
bp_feature_map_view_get_maps (BpFeatureMapView *self)
{
  g_return_val_if_fail (BP_IS_FEATURE_MAP_VIEW (self), NULL);
  return self->maps;
}

const char *
bp_feature_map_view_get_message (BpFeatureMapView *self)
{
  g_return_val_if_fail (BP_IS_FEATURE_MAP_VIEW (self), NULL);
  return self->message;
}

gboolean
bp_feature_map_view_export_png (BpFeatureMapView *self, const char *path, int width, int height,
                                GError **error)
{
  if (width <= 0)
    width = 8 * (TILE_AIM + GAP) + 2 * PAD;
  if (height <= 0)
    height = grid_height (self->grid, width);
  return _bp_view_export_png (GTK_WIDGET (self->grid), grid_draw, path, width, height, error);
}
