/* bp-prediction-grid.c: sample predictions as a grid of tiles.
 *
 * set_state() picks BP_PREDICTION_GRID_SIZE evaluation indices spread evenly
 * over the test set (the same ones every epoch, since the evaluation keeps
 * the test rows in order) and prepares each tile: its image surface, label
 * strings, confidence and colour. Drawing only places tiles by the current
 * width. It does not evaluate anything itself.
 */
#include "bp-prediction-grid.h"

#include <math.h>

#include "bp-view-util.h"

#define TILE_IMAGE 84     /* 28 px at 3x */
#define TILE_W     124
#define TILE_GAP   10
#define PAD        12

typedef struct
{
  cairo_surface_t *image;   /* NULL for non-image data */
  char            *features;
  char            *predicted;
  char            *truth;
  float            confidence;
  gboolean         correct;
  gboolean         regression;
  int              row;       /* in the test set */
} Tile;

struct _BpPredictionGrid
{
  GtkWidget parent_instance;

  GArray  *tiles;       /* Tile */
  char    *empty_text;
  int      line_h;
  int      focus;
  guint    n_wrong;
  guint    n_images;
};

G_DEFINE_FINAL_TYPE (BpPredictionGrid, bp_prediction_grid, GTK_TYPE_WIDGET)

enum {
  SAMPLE_SELECTED,
  SAMPLE_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Tells the inspector which test sample the user picked. */
static void
emit_focus (BpPredictionGrid *self, guint signal)
{
  if (self->focus >= 0 && self->focus < (int) self->tiles->len)
    g_signal_emit (self, signals[signal], 0,
                   g_array_index (self->tiles, Tile, self->focus).row);
}

static void
tile_clear (gpointer data)
{
  Tile *t = data;

  g_clear_pointer (&t->image, cairo_surface_destroy);
  g_free (t->features);
  g_free (t->predicted);
  g_free (t->truth);
}

static int
tile_height (BpPredictionGrid *self, gboolean images)
{
  return (images ? TILE_IMAGE + 6 : self->line_h + 6) + 3 * self->line_h + 14;
}

static int
n_columns (int width)
{
  return MAX (1, (width - 2 * PAD + TILE_GAP) / (TILE_W + TILE_GAP));
}

static void
grid_draw (GtkWidget *widget, cairo_t *cr, PangoLayout *layout, int width, int height)
{
  BpPredictionGrid *self = BP_PREDICTION_GRID (widget);
  BpViewColors c;
  int cols, th, x0;
  gboolean images = self->n_images > 0;
  PangoFontDescription *normal, *bold;

  _bp_view_get_colors (widget, &c);
  if (self->tiles->len == 0)
    {
      _bp_draw_empty (cr, layout, &c, width, MIN (height, 400),
                      self->empty_text ? self->empty_text
                                       : "No predictions yet — press Train to see what the network says about test samples.");
      return;
    }

  cols = n_columns (width);
  th = tile_height (self, images);
  x0 = (width - (cols * (TILE_W + TILE_GAP) - TILE_GAP)) / 2;
  _bp_layout_fonts (layout, &normal, &bold);
  pango_layout_set_width (layout, (TILE_W - 8) * PANGO_SCALE);
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);

  for (guint i = 0; i < self->tiles->len; i++)
    {
      Tile *t = &g_array_index (self->tiles, Tile, i);
      double x = x0 + (i % cols) * (TILE_W + TILE_GAP);
      double y = PAD + (i / cols) * (th + TILE_GAP);
      double ty;
      const GdkRGBA *tone = t->regression ? &c.fg : t->correct ? &c.good : &c.bad;
      g_autofree char *pred = NULL;

      /* Tile background: wrong answers get a tinted card and a red frame. */
      cairo_new_path (cr);
      _bp_set_source (cr, t->correct || t->regression ? &c.fg : &c.bad,
                      t->correct || t->regression ? 0.05 : 0.14);
      cairo_rectangle (cr, x, y, TILE_W, th);
      cairo_fill (cr);
      if (!t->correct && !t->regression)
        {
          _bp_set_source (cr, &c.bad, 1);
          cairo_set_line_width (cr, 2);
          cairo_rectangle (cr, x + 1, y + 1, TILE_W - 2, th - 2);
          cairo_stroke (cr);
        }

      ty = y + 4;
      if (t->image)
        {
          _bp_paint_surface (cr, t->image, x + (TILE_W - TILE_IMAGE) / 2.0, ty, TILE_IMAGE,
                             TILE_IMAGE, CAIRO_FILTER_NEAREST);
          ty += TILE_IMAGE + 6;
        }
      else if (t->features)
        {
          _bp_set_source (cr, &c.fg, 0.7);
          _bp_show_text (cr, layout, t->features, x + 4, ty, 0, 0);
          ty += self->line_h + 6;
        }

      pango_layout_set_font_description (layout, bold);
      _bp_set_source (cr, tone, 1);
      pred = t->regression ? g_strdup_printf ("→ %s", t->predicted)
                           : g_strdup_printf ("%s %s", t->correct ? "✓" : "✗", t->predicted);
      _bp_show_text (cr, layout, pred, x + 4, ty, 0, 0);
      pango_layout_set_font_description (layout, normal);
      ty += self->line_h + 3;

      if (!t->regression)
        {
          /* Confidence bar: the predicted class's probability. */
          _bp_set_source (cr, &c.fg, 0.15);
          cairo_rectangle (cr, x + 4, ty, TILE_W - 8, 6);
          cairo_fill (cr);
          _bp_set_source (cr, tone, 1);
          cairo_rectangle (cr, x + 4, ty, (TILE_W - 8) * CLAMP (t->confidence, 0, 1), 6);
          cairo_fill (cr);
        }
      ty += 6 + 3;

      {
        g_autofree char *truth = g_strdup_printf ("true: %s", t->truth);

        _bp_set_source (cr, &c.fg, 0.75);
        _bp_show_text (cr, layout, truth, x + 4, ty, 0, 0);
      }

      if ((int) i == self->focus && gtk_widget_has_visible_focus (widget))
        _bp_draw_focus (cr, &c, x, y, TILE_W, th);
    }

  pango_layout_set_width (layout, -1);
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_NONE);
  pango_font_description_free (bold);
  pango_font_description_free (normal);
}

static void
bp_prediction_grid_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  _bp_view_snapshot (widget, snapshot, grid_draw);
}

/* The height of all tiles at @width; only for a grid with tiles. */
static int
height_for (BpPredictionGrid *self, int width)
{
  int cols = n_columns (width);
  int rows = (self->tiles->len + cols - 1) / cols;

  return PAD * 2 + rows * (tile_height (self, self->n_images > 0) + TILE_GAP);
}

static GtkSizeRequestMode
bp_prediction_grid_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
bp_prediction_grid_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                            int *minimum, int *natural, int *minimum_baseline,
                            int *natural_baseline)
{
  BpPredictionGrid *self = BP_PREDICTION_GRID (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = TILE_W + 2 * PAD;
      *natural = 8 * (TILE_W + TILE_GAP) - TILE_GAP + 2 * PAD;
    }
  else
    *minimum = *natural = self->tiles->len == 0
                            ? 200
                            : height_for (self, for_size < 0 ? 8 * (TILE_W + TILE_GAP) + 2 * PAD
                                                             : for_size);
}

char *
bp_prediction_grid_get_tile_text (BpPredictionGrid *self, guint i)
{
  Tile *t;

  g_return_val_if_fail (BP_IS_PREDICTION_GRID (self), NULL);

  if (i >= self->tiles->len)
    return NULL;
  t = &g_array_index (self->tiles, Tile, i);
  if (t->regression)
    return g_strdup_printf ("predicted %s, true %s", t->predicted, t->truth);
  return g_strdup_printf ("predicted %s (%.0f %%%s), true %s", t->predicted,
                          100.0 * CLAMP (t->confidence, 0, 1), t->correct ? "" : ", wrong",
                          t->truth);
}

/* The grid is one widget, so the focused tile is read out through its
 * description: arrow keys move it, and the screen reader follows. */
static void
update_accessible (BpPredictionGrid *self)
{
  g_autofree char *label = NULL;
  g_autofree char *tile = NULL;
  g_autofree char *description = NULL;

  if (self->tiles->len == 0)
    label = g_strdup ("Sample predictions: none yet");
  else
    label = g_strdup_printf ("Sample predictions: %u of %u test samples predicted wrongly",
                             self->n_wrong, self->tiles->len);
  tile = bp_prediction_grid_get_tile_text (self, (guint) MAX (self->focus, 0));
  if (tile)
    description = g_strdup_printf ("Sample %d of %u: %s", self->focus + 1, self->tiles->len, tile);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description ? description : "",
                                  -1);
}

static void
move_focus (BpPredictionGrid *self, int delta)
{
  int n = self->tiles->len;

  if (n == 0)
    return;
  self->focus = CLAMP (self->focus + delta, 0, n - 1);
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  emit_focus (self, SAMPLE_SELECTED);
}

static gboolean
key_pressed_cb (GtkEventControllerKey *key, guint keyval, guint keycode, GdkModifierType state,
                BpPredictionGrid *self)
{
  int cols = n_columns (gtk_widget_get_width (GTK_WIDGET (self)));

  switch (keyval)
    {
    case GDK_KEY_Left: case GDK_KEY_KP_Left:   move_focus (self, -1); return TRUE;
    case GDK_KEY_Right: case GDK_KEY_KP_Right: move_focus (self, 1); return TRUE;
    case GDK_KEY_Up: case GDK_KEY_KP_Up:       move_focus (self, -cols); return TRUE;
    case GDK_KEY_Down: case GDK_KEY_KP_Down:   move_focus (self, cols); return TRUE;
    case GDK_KEY_Home:                         move_focus (self, -G_MAXINT / 2); return TRUE;
    case GDK_KEY_End:                          move_focus (self, G_MAXINT / 2); return TRUE;
    case GDK_KEY_Return: case GDK_KEY_KP_Enter:
      emit_focus (self, SAMPLE_ACTIVATED);
      return TRUE;
    default: return FALSE;
    }
}

static void
pressed_cb (GtkGestureClick *gesture, int n_press, double x, double y, BpPredictionGrid *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int cols = n_columns (width);
  int x0 = (width - (cols * (TILE_W + TILE_GAP) - TILE_GAP)) / 2;
  int th = tile_height (self, self->n_images > 0);
  int col = (int) floor ((x - x0) / (TILE_W + TILE_GAP));
  int row = (int) floor ((y - PAD) / (th + TILE_GAP));
  int i = row * cols + col;

  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (col >= 0 && col < cols && row >= 0 && i < (int) self->tiles->len)
    bp_prediction_grid_click_tile (self, (guint) i, n_press);
}

static void
bp_prediction_grid_css_changed (GtkWidget *widget, GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (bp_prediction_grid_parent_class)->css_changed (widget, change);
  BP_PREDICTION_GRID (widget)->line_h = _bp_view_line_height (widget);
  gtk_widget_queue_resize (widget);
}

static void
bp_prediction_grid_finalize (GObject *object)
{
  BpPredictionGrid *self = BP_PREDICTION_GRID (object);

  g_array_unref (self->tiles);
  g_free (self->empty_text);

  G_OBJECT_CLASS (bp_prediction_grid_parent_class)->finalize (object);
}

static void
bp_prediction_grid_class_init (BpPredictionGridClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = bp_prediction_grid_finalize;
  widget_class->snapshot = bp_prediction_grid_snapshot;
  widget_class->measure = bp_prediction_grid_measure;
  widget_class->get_request_mode = bp_prediction_grid_get_request_mode;
  widget_class->css_changed = bp_prediction_grid_css_changed;

  /**
   * BpPredictionGrid::sample-selected:
   * @row: the test sample of the tile clicked or moved to, a row of the test set
   */
  signals[SAMPLE_SELECTED] = g_signal_new ("sample-selected", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 1, G_TYPE_INT);
  /**
   * BpPredictionGrid::sample-activated:
   * @row: the test sample of the tile double-clicked or given Enter
   */
  signals[SAMPLE_ACTIVATED] = g_signal_new ("sample-activated", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 1, G_TYPE_INT);
  gtk_widget_class_set_css_name (widget_class, "bppredictiongrid");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GRID);
}

static void
bp_prediction_grid_init (BpPredictionGrid *self)
{
  GtkEventController *key = gtk_event_controller_key_new ();
  GtkGesture *click = gtk_gesture_click_new ();

  self->tiles = g_array_new (FALSE, TRUE, sizeof (Tile));
  g_array_set_clear_func (self->tiles, tile_clear);
  self->line_h = 17;

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_focus_on_click (GTK_WIDGET (self), TRUE);
  g_signal_connect (key, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), key);
  g_signal_connect (click, "pressed", G_CALLBACK (pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  update_accessible (self);
}

GtkWidget *
bp_prediction_grid_new (void)
{
  return g_object_new (BP_TYPE_PREDICTION_GRID, NULL);
}

static char *
format_features (const NnDataset *ds, int row)
{
  size_t size = nn_dataset_size (ds);
  g_autoptr (GString) s = g_string_new (NULL);

  for (size_t k = 0; k < MIN (size, 4); k++)
    {
      size_t at = (size_t) row * size + k;
      double v = ds->floats ? ds->floats[at] : ds->bytes[at];

      g_string_append_printf (s, "%s%.2f", k ? ", " : "(", v);
    }
  g_string_append (s, size > 4 ? ", …)" : ")");
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* Fills tiles for the evaluation indices @indices of @state; used for the
 * fixed sample set and, by the inspector, for a sheet of mistakes. */
void
bp_prediction_grid_set_samples (BpPredictionGrid *self, BpInspectState *state, const int *indices,
                                guint n, const char *empty_text)
{
  NnEvalResult *test;
  const NnDataset *ds;
  int n_classes;

  g_return_if_fail (BP_IS_PREDICTION_GRID (self));

  g_array_set_size (self->tiles, 0);
  self->n_wrong = self->n_images = 0;
  self->focus = 0;
  g_free (self->empty_text);
  self->empty_text = g_strdup (empty_text);

  if (state && state->test && state->data && state->data->test && state->test->n > 0)
    {
      test = state->test;
      ds = state->data->test;
      n_classes = ds->n_classes;
      for (guint j = 0; j < n; j++)
        {
          int i = indices[j];
          int row = test->rows ? (int) test->rows[i] : i;
          Tile t = { 0 };

          if (i < 0 || i >= test->n || row < 0 || row >= ds->n)
            continue;
          t.row = row;
          t.image = _bp_sample_surface (ds, row);
          if (!t.image)
            t.features = format_features (ds, row);
          else
            self->n_images++;

          if (ds->task == NN_TASK_REGRESSION)
            {
              t.regression = TRUE;
              t.predicted = g_strdup_printf ("%.3g", test->outputs[(size_t) i * test->n_outputs]);
              t.truth = g_strdup_printf ("%.3g", test->targets ? test->targets[(size_t) i * test->n_outputs]
                                                              : ds->targets[(size_t) row * ds->n_targets]);
            }
          else
            {
              int p = test->predicted[i], l = test->labels ? test->labels[i] : ds->labels[row];

              t.predicted = _bp_class_name (state->data->class_names, n_classes, p);
              t.truth = _bp_class_name (state->data->class_names, n_classes, l);
              t.confidence = p >= 0 && p < test->n_outputs
                               ? test->outputs[(size_t) i * test->n_outputs + p] : 0;
              t.correct = p == l;
              if (!t.correct)
                self->n_wrong++;
            }
          g_array_append_val (self->tiles, t);
        }
    }

  update_accessible (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
bp_prediction_grid_set_state (BpPredictionGrid *self, BpInspectState *state)
{
  int indices[BP_PREDICTION_GRID_SIZE];
  guint n = 0;

  if (state && state->test && state->test->n > 0)
    {
      int total = state->test->n;

      n = MIN (BP_PREDICTION_GRID_SIZE, total);
      for (guint j = 0; j < n; j++)
        indices[j] = (int) ((gint64) j * total / n);
    }
  bp_prediction_grid_set_samples (self, state, indices, n, NULL);
}

guint
bp_prediction_grid_get_n_tiles (BpPredictionGrid *self)
{
  return self->tiles->len;
}

guint
bp_prediction_grid_get_n_images (BpPredictionGrid *self)
{
  return self->n_images;
}

guint
bp_prediction_grid_get_n_wrong (BpPredictionGrid *self)
{
  return self->n_wrong;
}

void
bp_prediction_grid_click_tile (BpPredictionGrid *self, guint i, int n_press)
{
  g_return_if_fail (BP_IS_PREDICTION_GRID (self));

  if (i >= self->tiles->len)
    return;
  self->focus = (int) i;
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  emit_focus (self, n_press >= 2 ? SAMPLE_ACTIVATED : SAMPLE_SELECTED);
}

int
bp_prediction_grid_get_tile_row (BpPredictionGrid *self, guint i)
{
  g_return_val_if_fail (BP_IS_PREDICTION_GRID (self), -1);
  return i < self->tiles->len ? g_array_index (self->tiles, Tile, i).row : -1;
}

int
bp_prediction_grid_get_focus (BpPredictionGrid *self)
{
  return self->focus;
}

gboolean
bp_prediction_grid_export_png (BpPredictionGrid *self, const char *path, int width, int height,
                               GError **error)
{
  if (width <= 0)
    width = MAX (gtk_widget_get_width (GTK_WIDGET (self)), 8 * (TILE_W + TILE_GAP) + 2 * PAD);
  if (height <= 0)
    height = self->tiles->len ? height_for (self, width) : 300;
  return _bp_view_export_png (GTK_WIDGET (self), grid_draw, path, width, height, error);
}
