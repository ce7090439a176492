/* bp-weights.c: the first dense or convolution layer's weights as images.
 *
 * Each unit's row of W (units, in) is reshaped to (C, H, W) as the state
 * says (a dense layer's units to the input image, 28x28; a convolution's
 * filters to C tiles of KxK) and coloured blue (negative) through white
 * to red (positive), scaled by that unit's 99th-percentile magnitude
 * (found with the state, on the training thread) so every template is
 * readable. Surfaces are made in set_state(); drawing places them in a
 * grid by the current width. What is shown ("first 64 of 512 units") and
 * the colour key are a BpWeightsLegend of their own, outside the scrolled
 * grid, so they stay in view; an exported PNG has them under the grid.
 */
#include "bp-weights.h"

#include <math.h>

#include "bp-view-util.h"

#define TILE 72
#define GAP  10
#define PAD  12

typedef struct
{
  cairo_surface_t *image;   /* one channel of one unit */
  float            lo, hi;  /* the unit's range */
} Unit;

struct _BpWeights
{
  GtkWidget parent_instance;

  GArray *units;        /* Unit: tile i is channel i % channels of unit i / channels */
  int     channels;     /* tiles per unit */
  int     total;        /* units of the layer, shown or not */
  gboolean filters;     /* a convolution's filters, not dense units */
  char   *caption;      /* "Layer 1 · Dense: first 64 of 512 units, each over the 28×28 image" */
  int     focus;
  int     line_h;
  char   *empty_text;
  BpWeightsLegend *legend;  /* (weak) */
};

G_DEFINE_FINAL_TYPE (BpWeights, bp_weights, GTK_TYPE_WIDGET)

struct _BpWeightsLegend
{
  GtkWidget  parent_instance;

  BpWeights *weights;   /* (weak) */
};

G_DEFINE_FINAL_TYPE (BpWeightsLegend, bp_weights_legend, GTK_TYPE_WIDGET)

static void
unit_clear (gpointer data)
{
  Unit *u = data;

  g_clear_pointer (&u->image, cairo_surface_destroy);
}

static void
legend_changed (BpWeights *self)
{
  if (self->legend)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->legend), self->units->len > 0);
      gtk_widget_queue_resize (GTK_WIDGET (self->legend));
    }
}

#define KEY_W 160

/* The caption, the colour key and the focused unit's range, from @y:
 * returns the height it takes at @width. Draws only with @cr. */
static int
draw_legend (BpWeights *self, cairo_t *cr, PangoLayout *layout, const BpViewColors *c, int x,
             int y, int width)
{
  int caption_h, text_w, y0 = y;
  char buf[128];

  if (self->units->len == 0 || self->caption == NULL)
    return 0;
  pango_layout_set_width (layout, MAX (width - 2 * x, 1) * PANGO_SCALE);
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_text (layout, self->caption, -1);
  pango_layout_get_pixel_size (layout, &text_w, &caption_h);
  if (cr)
    {
      _bp_set_source (cr, &c->fg, 0.9);
      cairo_move_to (cr, x, y);
      pango_cairo_show_layout (cr, layout);
    }
  pango_layout_set_width (layout, -1);
  y += caption_h + 6;
  if (cr)
    {
      for (int s = 0; s < KEY_W; s++)
        {
          double r, g, b;

          _bp_diverging_color (2.0 * s / (KEY_W - 1) - 1, &r, &g, &b);
          cairo_set_source_rgb (cr, r, g, b);
          cairo_rectangle (cr, x + s, y, 1, 10);
          cairo_fill (cr);
        }
      _bp_set_source (cr, &c->fg, 0.25);
      cairo_rectangle (cr, x - 0.5, y - 0.5, KEY_W + 1, 11);
      cairo_stroke (cr);
      _bp_set_source (cr, &c->fg, 0.75);
      _bp_show_text (cr, layout, "negative", x, y + 13, 0, 0);
      _bp_show_text (cr, layout, "0", x + KEY_W / 2.0, y + 13, 0.5, 0);
      _bp_show_text (cr, layout, "positive", x + KEY_W, y + 13, 1, 0);
      if (self->focus >= 0 && self->focus < (int) self->units->len)
        {
          Unit *u = &g_array_index (self->units, Unit, self->focus);

          g_snprintf (buf, sizeof buf, "%s %d of %d: weights %.3f … %.3f",
                      self->filters ? "filter" : "unit", self->focus / self->channels + 1,
                      self->total, u->lo, u->hi);
          _bp_show_text (cr, layout, buf, x + KEY_W + 24, y - 2, 0, 0);
        }
    }
  y += 13 + self->line_h;
  return y - y0;
}

static int
n_columns (int width)
{
  return CLAMP ((width - 2 * PAD + GAP) / (TILE + GAP), 1, 16);
}

/* The tiles, from the top; returns where they end. */
static double
draw_tiles (BpWeights *self, GtkWidget *widget, cairo_t *cr, const BpViewColors *c, int width)
{
  int cols = n_columns (width);
  int rows = (self->units->len + cols - 1) / cols;
  int x0 = (width - (cols * (TILE + GAP) - GAP)) / 2;

  for (guint i = 0; i < self->units->len; i++)
    {
      Unit *u = &g_array_index (self->units, Unit, i);
      double x = x0 + (i % cols) * (TILE + GAP);
      double y = PAD + (i / cols) * (TILE + GAP);

      _bp_paint_surface (cr, u->image, x, y, TILE, TILE, CAIRO_FILTER_NEAREST);
      _bp_set_source (cr, &c->fg, 0.25);
      cairo_set_line_width (cr, 1);
      cairo_rectangle (cr, x - 0.5, y - 0.5, TILE + 1, TILE + 1);
      cairo_stroke (cr);

      if ((int) i == self->focus && gtk_widget_has_visible_focus (widget))
        _bp_draw_focus (cr, c, x, y, TILE, TILE);
    }
  return PAD + rows * (TILE + GAP);
}

static void
weights_draw (GtkWidget *widget, cairo_t *cr, PangoLayout *layout, int width, int height)
{
  BpWeights *self = BP_WEIGHTS (widget);
  BpViewColors c;

  _bp_view_get_colors (widget, &c);
  if (self->units->len == 0)
    {
      _bp_draw_empty (cr, layout, &c, width, height,
                      self->empty_text ? self->empty_text
                                       : "No weights yet — press Train. They are drawn for image "
                                         "data whose first layer with weights is dense or a "
                                         "convolution.");
      return;
    }
  draw_tiles (self, widget, cr, &c, width);
}

/* For a PNG: the tiles, and the legend under them. */
static void
weights_draw_export (GtkWidget *widget, cairo_t *cr, PangoLayout *layout, int width, int height)
{
  BpWeights *self = BP_WEIGHTS (widget);
  BpViewColors c;
  double y;

  if (self->units->len == 0)
    {
      weights_draw (widget, cr, layout, width, height);
      return;
    }
  _bp_view_get_colors (widget, &c);
  y = draw_tiles (self, widget, cr, &c, width);
  draw_legend (self, cr, layout, &c, PAD, (int) y + 4, width);
}

static void
bp_weights_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  _bp_view_snapshot (widget, snapshot, weights_draw);
}

static GtkSizeRequestMode
bp_weights_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static int
height_for (BpWeights *self, int width)
{
  int cols = n_columns (width);
  int rows = (self->units->len + cols - 1) / cols;

  return self->units->len ? PAD + rows * (TILE + GAP) - GAP + PAD : 200;
}

static void
bp_weights_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                    int *natural, int *minimum_baseline, int *natural_baseline)
{
  BpWeights *self = BP_WEIGHTS (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = TILE + 2 * PAD;
      *natural = 8 * (TILE + GAP) - GAP + 2 * PAD;
    }
  else
    *minimum = *natural = height_for (self, for_size < 0 ? 8 * (TILE + GAP) + 2 * PAD : for_size);
}

static void
update_accessible (BpWeights *self)
{
  g_autofree char *label = NULL;

  if (self->units->len == 0)
    label = g_strdup ("First-layer weights: none");
  else
    label = g_strdup_printf ("%s, %s %d focused", self->caption,
                             self->filters ? "filter" : "unit", self->focus / self->channels + 1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static void
move_focus (BpWeights *self, int delta)
{
  if (self->units->len == 0)
    return;
  self->focus = CLAMP (self->focus + delta, 0, (int) self->units->len - 1);
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  legend_changed (self);
}

static gboolean
key_pressed_cb (GtkEventControllerKey *key, guint keyval, guint keycode, GdkModifierType state,
                BpWeights *self)
{
  int cols = n_columns (gtk_widget_get_width (GTK_WIDGET (self)));

  switch (keyval)
    {
    case GDK_KEY_Left: case GDK_KEY_KP_Left:   move_focus (self, -1); return TRUE;
    case GDK_KEY_Right: case GDK_KEY_KP_Right: move_focus (self, 1); return TRUE;
    case GDK_KEY_Up: case GDK_KEY_KP_Up:       move_focus (self, -cols); return TRUE;
    case GDK_KEY_Down: case GDK_KEY_KP_Down:   move_focus (self, cols); return TRUE;
    default: return FALSE;
    }
}

static void
pressed_cb (GtkGestureClick *gesture, int n_press, double x, double y, BpWeights *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int cols = n_columns (width);
  int x0 = (width - (cols * (TILE + GAP) - GAP)) / 2;
  int col = (int) floor ((x - x0) / (TILE + GAP));
  int row = (int) floor ((y - PAD) / (TILE + GAP));

  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (col >= 0 && col < cols && row >= 0 && row * cols + col < (int) self->units->len)
    {
      self->focus = row * cols + col;
      update_accessible (self);
      gtk_widget_queue_draw (GTK_WIDGET (self));
      legend_changed (self);
    }
}

static void
bp_weights_css_changed (GtkWidget *widget, GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (bp_weights_parent_class)->css_changed (widget, change);
  BP_WEIGHTS (widget)->line_h = _bp_view_line_height (widget);
  gtk_widget_queue_resize (widget);
}

static void
bp_weights_finalize (GObject *object)
{
  BpWeights *self = BP_WEIGHTS (object);

  g_array_unref (self->units);
  g_free (self->empty_text);
  g_free (self->caption);
  if (self->legend)
    g_object_remove_weak_pointer (G_OBJECT (self->legend), (gpointer *) &self->legend);

  G_OBJECT_CLASS (bp_weights_parent_class)->finalize (object);
}

static void
bp_weights_class_init (BpWeightsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = bp_weights_finalize;
  widget_class->snapshot = bp_weights_snapshot;
  widget_class->measure = bp_weights_measure;
  widget_class->get_request_mode = bp_weights_get_request_mode;
  widget_class->css_changed = bp_weights_css_changed;

  gtk_widget_class_set_css_name (widget_class, "bpweights");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GRID);
}

static void
bp_weights_init (BpWeights *self)
{
  GtkEventController *key = gtk_event_controller_key_new ();
  GtkGesture *click = gtk_gesture_click_new ();

  self->units = g_array_new (FALSE, TRUE, sizeof (Unit));
  g_array_set_clear_func (self->units, unit_clear);
  self->line_h = 17;
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  g_signal_connect (key, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), key);
  g_signal_connect (click, "pressed", G_CALLBACK (pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  update_accessible (self);
}

GtkWidget *
bp_weights_new (void)
{
  return g_object_new (BP_TYPE_WEIGHTS, NULL);
}

void
bp_weights_set_state (BpWeights *self, BpInspectState *state)
{
  g_return_if_fail (BP_IS_WEIGHTS (self));

  g_array_set_size (self->units, 0);
  g_clear_pointer (&self->empty_text, g_free);
  g_clear_pointer (&self->caption, g_free);

  if (state && state->data && !bp_dataset_is_image (state->data->train, NULL, NULL))
    self->empty_text = g_strdup ("Weights are drawn as images for image datasets (MNIST, "
                                 "Fashion-MNIST); this dataset is not one.");
  else if (state && state->data && !state->weights)
    self->empty_text = g_strdup ("Weights are drawn when the network's first layer with "
                                 "weights is dense or a convolution.");

  if (state && state->weights && state->weight_units > 0 && state->weight_channels > 0
      && state->weight_in == state->weight_channels * state->weight_height * state->weight_width)
    {
      /* bp_inspect_state_compute() copies at most BP_WEIGHTS_MAX_UNITS. */
      int n = MIN (state->weight_units, BP_WEIGHTS_MAX_UNITS);
      int ch = state->weight_channels, hw = state->weight_height * state->weight_width;
      const char *label = nn_layer_kind_label (state->weight_kind);
      g_autofree char *shown = NULL;

      self->channels = ch;
      self->total = state->weight_units_total;
      self->filters = state->weight_rank == 4;
      for (int i = 0; i < n; i++)
        {
          const float *row = state->weights + (size_t) i * state->weight_in;
          Unit u = { NULL, INFINITY, -INFINITY };

          for (int k = 0; k < state->weight_in; k++)
            if (isfinite (row[k]))
              {
                u.lo = MIN (u.lo, row[k]);
                u.hi = MAX (u.hi, row[k]);
              }
          /* The scale (a percentile of |w|) was found on the training
           * thread; a sort per unit here cost the main loop milliseconds. */
          for (int c = 0; c < ch; c++)
            {
              Unit t = u;

              t.image = _bp_diverging_surface (row + (size_t) c * hw, state->weight_height,
                                               state->weight_width, state->weight_scale[i]);
              g_array_append_val (self->units, t);
            }
        }
      if (n < self->total)
        shown = g_strdup_printf ("first %d of %d %s", n, self->total,
                                 self->filters ? "filters" : "units");
      else
        shown = g_strdup_printf (n == 1 ? "its %d %s" : "all %d %s", n,
                                 self->filters ? (n == 1 ? "filter" : "filters")
                                               : (n == 1 ? "unit" : "units"));
      if (self->filters && ch > 1)
        self->caption = g_strdup_printf ("Layer %d · %s: %s of %d×%d, one tile for each of its "
                                         "%d input channels", state->weight_layer + 1, label,
                                         shown, state->weight_height, state->weight_width, ch);
      else if (self->filters)
        self->caption = g_strdup_printf ("Layer %d · %s: %s of %d×%d", state->weight_layer + 1,
                                         label, shown, state->weight_height, state->weight_width);
      else
        self->caption = g_strdup_printf ("Layer %d · %s: %s, each over the %d×%d image",
                                         state->weight_layer + 1, label, shown,
                                         state->weight_height, state->weight_width);
    }
  self->focus = CLAMP (self->focus, 0, MAX ((int) self->units->len - 1, 0));
  update_accessible (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
  legend_changed (self);
}

const char *
bp_weights_get_caption (BpWeights *self)
{
  g_return_val_if_fail (BP_IS_WEIGHTS (self), NULL);
  return self->caption;
}

guint
bp_weights_get_n_tiles (BpWeights *self)
{
  g_return_val_if_fail (BP_IS_WEIGHTS (self), 0);
  return self->units->len;
}

gboolean
bp_weights_export_png (BpWeights *self, const char *path, int width, int height, GError **error)
{
  if (width <= 0)
    width = 8 * (TILE + GAP) - GAP + 2 * PAD;
  if (height <= 0)
    {
      PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);

      height = height_for (self, width) + 4 + draw_legend (self, NULL, layout, NULL, PAD, 0, width)
               + PAD;
      g_object_unref (layout);
    }
  return _bp_view_export_png (GTK_WIDGET (self), weights_draw_export, path, width, height, error);
}

/* ---- BpWeightsLegend --------------------------------------------------- */

static void
legend_draw (GtkWidget *widget, cairo_t *cr, PangoLayout *layout, int width, int height)
{
  BpWeightsLegend *self = BP_WEIGHTS_LEGEND (widget);
  BpViewColors c;

  if (self->weights == NULL)
    return;
  _bp_view_get_colors (widget, &c);
  draw_legend (self->weights, cr, layout, &c, PAD, 6, width);
}

static void
bp_weights_legend_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  _bp_view_snapshot (widget, snapshot, legend_draw);
}

static GtkSizeRequestMode
bp_weights_legend_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
bp_weights_legend_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                           int *minimum, int *natural, int *minimum_baseline,
                           int *natural_baseline)
{
  BpWeightsLegend *self = BP_WEIGHTS_LEGEND (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = *natural = KEY_W + 2 * PAD;
  else
    {
      PangoLayout *layout = gtk_widget_create_pango_layout (widget, NULL);
      int width = for_size > 0 ? for_size : 8 * (TILE + GAP) + 2 * PAD;

      *minimum = *natural = self->weights
                            ? 6 + draw_legend (self->weights, NULL, layout, NULL, PAD, 0, width) + 6
                            : 0;
      g_object_unref (layout);
    }
}

static void
bp_weights_legend_dispose (GObject *object)
{
  BpWeightsLegend *self = BP_WEIGHTS_LEGEND (object);

  if (self->weights)
    {
      g_object_remove_weak_pointer (G_OBJECT (self), (gpointer *) &self->weights->legend);
      self->weights->legend = NULL;
      g_object_remove_weak_pointer (G_OBJECT (self->weights), (gpointer *) &self->weights);
      self->weights = NULL;
    }
  G_OBJECT_CLASS (bp_weights_legend_parent_class)->dispose (object);
}

static void
bp_weights_legend_class_init (BpWeightsLegendClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bp_weights_legend_dispose;
  widget_class->snapshot = bp_weights_legend_snapshot;
  widget_class->measure = bp_weights_legend_measure;
  widget_class->get_request_mode = bp_weights_legend_get_request_mode;
  gtk_widget_class_set_css_name (widget_class, "bpweightslegend");
}

static void
bp_weights_legend_init (BpWeightsLegend *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

void
bp_weights_legend_set_weights (BpWeightsLegend *self, BpWeights *weights)
{
  g_return_if_fail (BP_IS_WEIGHTS_LEGEND (self));
  g_return_if_fail (BP_IS_WEIGHTS (weights));

  self->weights = weights;
  g_object_add_weak_pointer (G_OBJECT (weights), (gpointer *) &self->weights);
  weights->legend = self;
  g_object_add_weak_pointer (G_OBJECT (self), (gpointer *) &weights->legend);
  legend_changed (weights);
}
