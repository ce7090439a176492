/* bp-confusion-matrix.c: counts of (true, predicted) pairs as a heatmap.
 *
 * set_state() counts the evaluation's labels and predictions once, works out
 * each cell's colour (right answers in blue by their share of the row,
 * mistakes in red by their share of the largest mistake) and measures the
 * class names. Drawing places cells by the current size. It does not filter
 * anything itself: the inspector listens to "cell-activated".
 */
#include "bp-confusion-matrix.h"

#include <math.h>

#include "bp-view-util.h"
#include "nn-save.h"

typedef struct
{
  double left, top, cell, acc_x;
} MatrixLayout;

struct _BpConfusionMatrix
{
  GtkWidget parent_instance;

  int      k;             /* classes; 0 when empty */
  int     *counts;        /* (k, k) row = true class, column = predicted */
  int     *row_totals;    /* (k) */
  GdkRGBA *cell_colors;   /* (k, k) */
  gboolean *dark_cell;    /* (k, k) text goes white on these */
  char   **names;         /* (k) */
  int      n_total, n_off;
  int      label_w, line_h;
  int      focus_t, focus_p;
  char    *empty_text;
};

G_DEFINE_FINAL_TYPE (BpConfusionMatrix, bp_confusion_matrix, GTK_TYPE_WIDGET)

enum { CELL_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
matrix_layout (BpConfusionMatrix *self, int width, int height, MatrixLayout *l)
{
  double right, bottom = 8, avail_w, avail_h;

  l->left = 8 + self->line_h + 6 + self->label_w + 8;
  /* Room above for the column labels standing up, or for one line of
   * them lying down (and the "accuracy" heading) when they are short. */
  l->top = 8 + self->line_h + 6 + MAX (self->label_w, self->line_h) + 8;
  right = 8 + self->line_h * 4.5;
  avail_w = width - l->left - right;
  avail_h = height - l->top - bottom;
  l->cell = floor (MIN (avail_w, avail_h) / MAX (self->k, 1));
  l->cell = CLAMP (l->cell, 8, 72);
  /* Centre the block horizontally when there is room to spare. */
  l->left += MAX (0, floor ((avail_w - l->cell * self->k) / 2));
  l->acc_x = l->left + l->cell * self->k + 8;
}

static void
matrix_draw (GtkWidget *widget, cairo_t *cr, PangoLayout *layout, int width, int height)
{
  BpConfusionMatrix *self = BP_CONFUSION_MATRIX (widget);
  BpViewColors c;
  MatrixLayout l;
  int k = self->k;

  _bp_view_get_colors (widget, &c);
  if (k == 0)
    {
      _bp_draw_empty (cr, layout, &c, width, height,
                      self->empty_text ? self->empty_text
                                       : "No confusion matrix yet — it fills in after the first epoch.");
      return;
    }

  matrix_layout (self, width, height, &l);

  /* Axis titles */
  _bp_set_source (cr, &c.fg, 0.8);
  _bp_show_text (cr, layout, "predicted class →", l.left + l.cell * k / 2.0, 8, 0.5, 0);
  cairo_save (cr);
  cairo_translate (cr, 8, l.top + l.cell * k / 2.0);
  cairo_rotate (cr, -G_PI / 2);
  _bp_show_text (cr, layout, "← true class", 0, 0, 0.5, 0);
  cairo_restore (cr);

  for (int t = 0; t < k; t++)
    {
      double y = l.top + t * l.cell;

      _bp_set_source (cr, &c.fg, 0.85);
      _bp_show_text (cr, layout, self->names[t], l.left - 6, y + l.cell / 2, 1, 0.5);

      /* Predicted labels above their column: level when every name fits
       * the cell's width (digits), else running upwards (class names). */
      if (self->label_w <= l.cell - 4)
        _bp_show_text (cr, layout, self->names[t], l.left + t * l.cell + l.cell / 2, l.top - 6,
                       0.5, 1);
      else
        {
          cairo_save (cr);
          cairo_translate (cr, l.left + t * l.cell + l.cell / 2, l.top - 6);
          cairo_rotate (cr, -G_PI / 2);
          _bp_show_text (cr, layout, self->names[t], 0, 0, 0, 0.5);
          cairo_restore (cr);
        }

      for (int p = 0; p < k; p++)
        {
          double x = l.left + p * l.cell;
          int n = self->counts[t * k + p];

          gdk_cairo_set_source_rgba (cr, &self->cell_colors[t * k + p]);
          cairo_rectangle (cr, x, y, l.cell - 1, l.cell - 1);
          cairo_fill (cr);
          if (n > 0 && l.cell >= 22)
            {
              char buf[16];

              g_snprintf (buf, sizeof buf, "%d", n);
              if (self->dark_cell[t * k + p])
                cairo_set_source_rgb (cr, 1, 1, 1);
              else
                cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
              _bp_show_text (cr, layout, buf, x + l.cell / 2, y + l.cell / 2, 0.5, 0.5);
            }
        }

      /* Per-class accuracy: the diagonal's share of the row. */
      {
        char buf[32];

        if (self->row_totals[t] > 0)
          g_snprintf (buf, sizeof buf, "%.1f %%", 100.0 * self->counts[t * k + t] / self->row_totals[t]);
        else
          g_snprintf (buf, sizeof buf, "—");
        _bp_set_source (cr, &c.fg, 0.85);
        _bp_show_text (cr, layout, buf, l.acc_x, y + l.cell / 2, 0, 0.5);
      }
    }
  /* Level, so that it never runs off the top when the labels are short. */
  _bp_set_source (cr, &c.fg, 0.6);
  _bp_show_text (cr, layout, "accuracy", l.acc_x, l.top - 6, 0, 1);

  if (gtk_widget_has_visible_focus (widget) || gtk_widget_has_focus (widget))
    _bp_draw_focus (cr, &c, l.left + self->focus_p * l.cell + 1, l.top + self->focus_t * l.cell + 1,
                    l.cell - 3, l.cell - 3);
}

static void
bp_confusion_matrix_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  _bp_view_snapshot (widget, snapshot, matrix_draw);
}

static void
bp_confusion_matrix_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                             int *minimum, int *natural, int *minimum_baseline,
                             int *natural_baseline)
{
  BpConfusionMatrix *self = BP_CONFUSION_MATRIX (widget);
  int k = MAX (self->k, 2);
  int margin = 8 + self->line_h + 6 + self->label_w + 8;

  *minimum = margin + k * 12 + (orientation == GTK_ORIENTATION_HORIZONTAL ? self->line_h * 5 : 8);
  *natural = margin + k * 52 + (orientation == GTK_ORIENTATION_HORIZONTAL ? self->line_h * 5 : 8);
}

static void
update_accessible (BpConfusionMatrix *self)
{
  g_autofree char *label = NULL;

  if (self->k == 0)
    label = g_strdup ("Confusion matrix: empty");
  else
    label = g_strdup_printf ("Confusion matrix of %d classes: %d of %d test samples misclassified. "
                             "Cell: true %s, predicted %s, %d samples",
                             self->k, self->n_off, self->n_total, self->names[self->focus_t],
                             self->names[self->focus_p],
                             self->counts[self->focus_t * self->k + self->focus_p]);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static void
set_focus_cell (BpConfusionMatrix *self, int t, int p)
{
  if (self->k == 0)
    return;
  self->focus_t = CLAMP (t, 0, self->k - 1);
  self->focus_p = CLAMP (p, 0, self->k - 1);
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
bp_confusion_matrix_activate_cell (BpConfusionMatrix *self, int truth, int predicted)
{
  g_return_if_fail (BP_IS_CONFUSION_MATRIX (self));

  if (truth < 0 || truth >= self->k || predicted < 0 || predicted >= self->k)
    return;
  set_focus_cell (self, truth, predicted);
  g_signal_emit (self, signals[CELL_ACTIVATED], 0, truth, predicted);
}

static gboolean
key_pressed_cb (GtkEventControllerKey *key, guint keyval, guint keycode, GdkModifierType state,
                BpConfusionMatrix *self)
{
  switch (keyval)
    {
    case GDK_KEY_Left: case GDK_KEY_KP_Left:
      set_focus_cell (self, self->focus_t, self->focus_p - 1); return TRUE;
    case GDK_KEY_Right: case GDK_KEY_KP_Right:
      set_focus_cell (self, self->focus_t, self->focus_p + 1); return TRUE;
    case GDK_KEY_Up: case GDK_KEY_KP_Up:
      set_focus_cell (self, self->focus_t - 1, self->focus_p); return TRUE;
    case GDK_KEY_Down: case GDK_KEY_KP_Down:
      set_focus_cell (self, self->focus_t + 1, self->focus_p); return TRUE;
    case GDK_KEY_Return: case GDK_KEY_KP_Enter: case GDK_KEY_space:
      bp_confusion_matrix_activate_cell (self, self->focus_t, self->focus_p); return TRUE;
    default:
      return FALSE;
    }
}

static void
released_cb (GtkGestureClick *gesture, int n_press, double x, double y, BpConfusionMatrix *self)
{
  MatrixLayout l;
  int t, p;

  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (self->k == 0)
    return;
  matrix_layout (self, gtk_widget_get_width (GTK_WIDGET (self)),
                 gtk_widget_get_height (GTK_WIDGET (self)), &l);
  p = (int) floor ((x - l.left) / l.cell);
  t = (int) floor ((y - l.top) / l.cell);
  bp_confusion_matrix_activate_cell (self, t, p);
}

gboolean
bp_confusion_matrix_get_cell_center (BpConfusionMatrix *self, int truth, int predicted, double *x,
                                     double *y)
{
  MatrixLayout l;

  if (truth < 0 || truth >= self->k || predicted < 0 || predicted >= self->k)
    return FALSE;
  matrix_layout (self, gtk_widget_get_width (GTK_WIDGET (self)),
                 gtk_widget_get_height (GTK_WIDGET (self)), &l);
  *x = l.left + (predicted + 0.5) * l.cell;
  *y = l.top + (truth + 0.5) * l.cell;
  return TRUE;
}

static void
measure_labels (BpConfusionMatrix *self)
{
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  int w;

  self->line_h = _bp_view_line_height (GTK_WIDGET (self));
  self->label_w = 0;
  for (int t = 0; t < self->k; t++)
    {
      pango_layout_set_text (layout, self->names[t], -1);
      pango_layout_get_pixel_size (layout, &w, NULL);
      self->label_w = MAX (self->label_w, w);
    }
}

static void
bp_confusion_matrix_css_changed (GtkWidget *widget, GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (bp_confusion_matrix_parent_class)->css_changed (widget, change);
  measure_labels (BP_CONFUSION_MATRIX (widget));
  gtk_widget_queue_resize (widget);
}

static void
clear_data (BpConfusionMatrix *self)
{
  g_clear_pointer (&self->counts, g_free);
  g_clear_pointer (&self->row_totals, g_free);
  g_clear_pointer (&self->cell_colors, g_free);
  g_clear_pointer (&self->dark_cell, g_free);
  g_clear_pointer (&self->names, g_strfreev);
  self->k = 0;
  self->n_total = self->n_off = 0;
}

static void
bp_confusion_matrix_finalize (GObject *object)
{
  BpConfusionMatrix *self = BP_CONFUSION_MATRIX (object);

  clear_data (self);
  g_free (self->empty_text);

  G_OBJECT_CLASS (bp_confusion_matrix_parent_class)->finalize (object);
}

static void
bp_confusion_matrix_class_init (BpConfusionMatrixClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = bp_confusion_matrix_finalize;
  widget_class->snapshot = bp_confusion_matrix_snapshot;
  widget_class->measure = bp_confusion_matrix_measure;
  widget_class->css_changed = bp_confusion_matrix_css_changed;

  /**
   * BpConfusionMatrix::cell-activated:
   * @truth: the true class (row)
   * @predicted: the predicted class (column)
   */
  signals[CELL_ACTIVATED] = g_signal_new ("cell-activated", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                          G_TYPE_INT, G_TYPE_INT);

  gtk_widget_class_set_css_name (widget_class, "bpconfusionmatrix");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GRID);
}

static void
bp_confusion_matrix_init (BpConfusionMatrix *self)
{
  GtkEventController *key = gtk_event_controller_key_new ();
  GtkGesture *click = gtk_gesture_click_new ();

  self->line_h = 17;
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_focus_on_click (GTK_WIDGET (self), TRUE);
  g_signal_connect (key, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), key);
  g_signal_connect (click, "released", G_CALLBACK (released_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self),
                               "Click a cell, or press Enter on it, to list those mistakes");
  update_accessible (self);
}

GtkWidget *
bp_confusion_matrix_new (void)
{
  return g_object_new (BP_TYPE_CONFUSION_MATRIX, NULL);
}

static void
mix (GdkRGBA *out, const GdkRGBA *from, double r, double g, double b, double t)
{
  out->red = from->red + (r - from->red) * t;
  out->green = from->green + (g - from->green) * t;
  out->blue = from->blue + (b - from->blue) * t;
  out->alpha = 1;
}

void
bp_confusion_matrix_set_state (BpConfusionMatrix *self, BpInspectState *state)
{
  NnEvalResult *test;
  BpViewColors c;
  int k, max_off = 0;

  g_return_if_fail (BP_IS_CONFUSION_MATRIX (self));

  clear_data (self);
  g_clear_pointer (&self->empty_text, g_free);

  if (state && state->data && state->data->test && state->data->test->task == NN_TASK_REGRESSION)
    self->empty_text = g_strdup ("A confusion matrix needs classes; this dataset is regression.");

  if (!state || !state->test || !state->data || !state->data->test
      || state->data->test->task != NN_TASK_CLASSIFICATION || state->test->n == 0
      || !state->test->predicted)
    {
      update_accessible (self);
      gtk_widget_queue_resize (GTK_WIDGET (self));
      return;
    }

  test = state->test;
  k = self->k = MAX (state->data->test->n_classes, test->n_outputs);
  self->counts = g_new0 (int, (size_t) k * k);
  self->row_totals = g_new0 (int, k);
  self->cell_colors = g_new0 (GdkRGBA, (size_t) k * k);
  self->dark_cell = g_new0 (gboolean, (size_t) k * k);
  self->names = g_new0 (char *, k + 1);
  for (int t = 0; t < k; t++)
    self->names[t] = _bp_class_name (state->data->class_names, state->data->test->n_classes, t);

  for (int i = 0; i < test->n; i++)
    {
      int t = test->labels ? test->labels[i] : state->data->test->labels[test->rows[i]];
      int p = test->predicted[i];

      if (t < 0 || t >= k || p < 0 || p >= k)
        continue;
      self->counts[t * k + p]++;
      self->row_totals[t]++;
      self->n_total++;
      if (t != p)
        self->n_off++;
    }
  for (int t = 0; t < k; t++)
    for (int p = 0; p < k; p++)
      if (t != p)
        max_off = MAX (max_off, self->counts[t * k + p]);

  _bp_view_get_colors (GTK_WIDGET (self), &c);
  for (int t = 0; t < k; t++)
    for (int p = 0; p < k; p++)
      {
        int n = self->counts[t * k + p];
        GdkRGBA *cell = &self->cell_colors[t * k + p];
        GdkRGBA base = c.dark ? (GdkRGBA) { 0.22, 0.22, 0.22, 1 } : (GdkRGBA) { 0.94, 0.94, 0.94, 1 };
        double share;

        if (t == p)
          {
            share = self->row_totals[t] ? (double) n / self->row_totals[t] : 0;
            mix (cell, &base, 0.11, 0.44, 0.85, share);
            self->dark_cell[t * k + p] = share > 0.45 || c.dark;
          }
        else
          {
            /* sqrt, so a handful of mistakes is still visible next to many. */
            share = max_off ? sqrt ((double) n / max_off) : 0;
            mix (cell, &base, 0.80, 0.11, 0.14, n ? 0.12 + 0.88 * share : 0);
            self->dark_cell[t * k + p] = share > 0.5 || c.dark;
          }
      }

  self->focus_t = CLAMP (self->focus_t, 0, k - 1);
  self->focus_p = CLAMP (self->focus_p, 0, k - 1);
  measure_labels (self);
  update_accessible (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

int
bp_confusion_matrix_get_n_classes (BpConfusionMatrix *self)
{
  return self->k;
}

int
bp_confusion_matrix_get_count (BpConfusionMatrix *self, int truth, int predicted)
{
  if (truth < 0 || truth >= self->k || predicted < 0 || predicted >= self->k)
    return 0;
  return self->counts[truth * self->k + predicted];
}

int
bp_confusion_matrix_get_n_off_diagonal (BpConfusionMatrix *self)
{
  return self->n_off;
}

gboolean
bp_confusion_matrix_export_png (BpConfusionMatrix *self, const char *path, int width, int height,
                                GError **error)
{
  if (width <= 0 || height <= 0)
    {
      int k = MAX (self->k, 2);
      int margin = 16 + self->line_h + 6 + self->label_w + 8;

      width = margin + k * 56 + self->line_h * 5;
      height = margin + k * 56 + 8;
    }
  return _bp_view_export_png (GTK_WIDGET (self), matrix_draw, path, width, height, error);
}

static void
append_csv_field (GString *s, const char *text)
{
  g_autoptr (GString) quoted = g_string_new (text);

  g_string_replace (quoted, "\"", "\"\"", 0);
  g_string_append_printf (s, "\"%s\"", quoted->str);
}

gboolean
bp_confusion_matrix_export_csv (BpConfusionMatrix *self, const char *path, GError **error)
{
  g_autoptr (GString) s = g_string_new ("true \\ predicted");

  if (self->k == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "There is no confusion matrix yet; train for an epoch first.");
      return FALSE;
    }
  for (int p = 0; p < self->k; p++)
    {
      g_string_append_c (s, ',');
      append_csv_field (s, self->names[p]);
    }
  g_string_append (s, ",accuracy\n");
  for (int t = 0; t < self->k; t++)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      append_csv_field (s, self->names[t]);
      for (int p = 0; p < self->k; p++)
        g_string_append_printf (s, ",%d", self->counts[t * self->k + p]);
      g_string_append_printf (s, ",%s\n",
                              self->row_totals[t]
                                ? g_ascii_formatd (buf, sizeof buf, "%.6f",
                                                   (double) self->counts[t * self->k + t] / self->row_totals[t])
                                : "");
    }
  return nn_save_contents (path, s->str, s->len, error);
}
