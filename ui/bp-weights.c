/* bp-weights.c: the first dense layer's weights as images.
 *
 * Each unit's row of W (units, in) is reshaped to the input image (28x28)
 * and coloured blue (negative) through white to red (positive), scaled by
 * that unit's 99th-percentile magnitude (found with the state, on the
 * training thread) so every template is readable. Surfaces are made in
 * set_state(); drawing places them in a grid by the current width.
 */
#include "bp-weights.h"

#include <math.h>

#include "bp-view-util.h"

#define TILE 72
#define GAP  10
#define PAD  12

typedef struct
{
  cairo_surface_t *image;
  float            lo, hi;
} Unit;

struct _BpWeights
{
  GtkWidget parent_instance;

  GArray *units;        /* Unit */
  int     focus;
  int     line_h;
  char   *empty_text;
};

G_DEFINE_FINAL_TYPE (BpWeights, bp_weights, GTK_TYPE_WIDGET)

static void
unit_clear (gpointer data)
{
  Unit *u = data;

  g_clear_pointer (&u->image, cairo_surface_destroy);
}

static int
n_columns (int width)
{
  return CLAMP ((width - 2 * PAD + GAP) / (TILE + GAP), 1, 16);
}

static void
weights_draw (GtkWidget *widget, cairo_t *cr, PangoLayout *layout, int width, int height)
{
  BpWeights *self = BP_WEIGHTS (widget);
  BpViewColors c;
  int cols, x0, rows;
  double y_end;
  char buf[96];

  _bp_view_get_colors (widget, &c);
  if (self->units->len == 0)
    {
      _bp_draw_empty (cr, layout, &c, width, height,
                      self->empty_text ? self->empty_text
                                       : "No weights yet — press Train. They are drawn for image data whose first layer is dense.");
      return;
    }

  cols = n_columns (width);
  rows = (self->units->len + cols - 1) / cols;
  x0 = (width - (cols * (TILE + GAP) - GAP)) / 2;

  for (guint i = 0; i < self->units->len; i++)
    {
      Unit *u = &g_array_index (self->units, Unit, i);
      double x = x0 + (i % cols) * (TILE + GAP);
      double y = PAD + (i / cols) * (TILE + GAP);

      _bp_paint_surface (cr, u->image, x, y, TILE, TILE, CAIRO_FILTER_NEAREST);
      _bp_set_source (cr, &c.fg, 0.25);
      cairo_set_line_width (cr, 1);
      cairo_rectangle (cr, x - 0.5, y - 0.5, TILE + 1, TILE + 1);
      cairo_stroke (cr);

      if ((int) i == self->focus && gtk_widget_has_visible_focus (widget))
        _bp_draw_focus (cr, &c, x, y, TILE, TILE);
    }

  /* Colour key and the focused unit's range */
  y_end = PAD + rows * (TILE + GAP) + 4;
  {
    double kx = x0, kw = 160;

    for (int s = 0; s < (int) kw; s++)
      {
        double r, g, b;

        _bp_diverging_color (2.0 * s / (kw - 1) - 1, &r, &g, &b);
        cairo_set_source_rgb (cr, r, g, b);
        cairo_rectangle (cr, kx + s, y_end, 1, 10);
        cairo_fill (cr);
      }
    _bp_set_source (cr, &c.fg, 0.25);
    cairo_rectangle (cr, kx - 0.5, y_end - 0.5, kw + 1, 11);
    cairo_stroke (cr);
    _bp_set_source (cr, &c.fg, 0.75);
    _bp_show_text (cr, layout, "negative", kx, y_end + 13, 0, 0);
    _bp_show_text (cr, layout, "0", kx + kw / 2, y_end + 13, 0.5, 0);
    _bp_show_text (cr, layout, "positive", kx + kw, y_end + 13, 1, 0);

    if (self->focus >= 0 && self->focus < (int) self->units->len)
      {
        Unit *u = &g_array_index (self->units, Unit, self->focus);

        g_snprintf (buf, sizeof buf, "unit %d of %u: weights %.3f … %.3f", self->focus + 1,
                    self->units->len, u->lo, u->hi);
        _bp_show_text (cr, layout, buf, kx + kw + 24, y_end - 2, 0, 0);
      }
  }
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

  return self->units->len ? PAD + rows * (TILE + GAP) + 4 + 14 + self->line_h + PAD : 200;
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
    label = g_strdup_printf ("First-layer weights of %u units, unit %d focused", self->units->len,
                             self->focus + 1);
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
  int h = 0, w = 0;

  g_return_if_fail (BP_IS_WEIGHTS (self));

  g_array_set_size (self->units, 0);
  g_clear_pointer (&self->empty_text, g_free);

  if (state && state->data && !bp_dataset_is_image (state->data->train, &h, &w))
    self->empty_text = g_strdup ("Weights are drawn as images for image datasets (MNIST, "
                                 "Fashion-MNIST); this dataset is not one.");
  else if (state && state->data && !state->weights)
    self->empty_text = g_strdup ("Weights are drawn when the network's first layer with "
                                 "weights is dense.");

  if (state && state->weights && state->weight_units > 0 && h > 0
      && state->weight_in == h * w)
    {
      /* bp_inspect_state_compute() copies at most BP_WEIGHTS_MAX_UNITS. */
      int n = MIN (state->weight_units, BP_WEIGHTS_MAX_UNITS);

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
          u.image = _bp_diverging_surface (row, h, w, state->weight_scale[i]);
          g_array_append_val (self->units, u);
        }
    }
  self->focus = CLAMP (self->focus, 0, MAX ((int) self->units->len - 1, 0));
  update_accessible (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

gboolean
bp_weights_export_png (BpWeights *self, const char *path, int width, int height, GError **error)
{
  if (width <= 0)
    width = 8 * (TILE + GAP) - GAP + 2 * PAD;
  if (height <= 0)
    height = height_for (self, width);
  return _bp_view_export_png (GTK_WIDGET (self), weights_draw, path, width, height, error);
}
