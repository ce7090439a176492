/* bp-sample-view.c: one sample with its top-3 probabilities.
 *
 * set_sample() makes the image surface and picks the three most probable
 * classes once; drawing lays them out. Used large as the detail of the
 * misclassified browser and compact as its thumbnails.
 */
#include "bp-sample-view.h"

#include <math.h>

#include "bp-view-util.h"

#define TOP_K 3

struct _BpSampleView
{
  GtkWidget parent_instance;

  gboolean         compact;
  int              index;
  cairo_surface_t *image;
  char            *features;
  char            *truth;
  char            *predicted;
  int              n_top;
  char            *top_names[TOP_K];
  float            top_probs[TOP_K];
  gboolean         top_is_truth[TOP_K];
  int              line_h;
};

G_DEFINE_FINAL_TYPE (BpSampleView, bp_sample_view, GTK_TYPE_WIDGET)

static void
sample_draw (GtkWidget *widget, cairo_t *cr, PangoLayout *layout, int width, int height)
{
  BpSampleView *self = BP_SAMPLE_VIEW (widget);
  BpViewColors c;
  double side, x0, y;
  PangoFontDescription *normal, *bold;

  _bp_view_get_colors (widget, &c);
  if (self->index < 0)
    {
      if (!self->compact)
        _bp_draw_empty (cr, layout, &c, width, height, "Select a mistake to see it here.");
      return;
    }

  if (self->compact)
    {
      side = MIN (width, height);
      if (self->image)
        _bp_paint_surface (cr, self->image, (width - side) / 2, (height - side) / 2, side, side,
                           CAIRO_FILTER_GOOD);
      return;
    }

  _bp_layout_fonts (layout, &normal, &bold);

  side = MIN (width - 24, height - 24 - (TOP_K + 2) * (self->line_h + 10));
  side = CLAMP (side, 56, 336);
  x0 = (width - side) / 2;
  y = 12;
  if (self->image)
    {
      _bp_paint_surface (cr, self->image, x0, y, side, side, CAIRO_FILTER_NEAREST);
      y += side + 10;
    }
  else if (self->features)
    {
      _bp_set_source (cr, &c.fg, 0.8);
      _bp_show_text (cr, layout, self->features, width / 2.0, y, 0.5, 0);
      y += self->line_h + 10;
    }

  {
    g_autofree char *text = g_strdup_printf ("true: %s", self->truth);

    pango_layout_set_font_description (layout, bold);
    _bp_set_source (cr, &c.fg, 1);
    _bp_show_text (cr, layout, text, x0, y, 0, 0);
    pango_layout_set_font_description (layout, normal);
    y += self->line_h + 8;
  }

  /* Top-3 probabilities: the wrong winner in red, the true class in green. */
  for (int k = 0; k < self->n_top; k++)
    {
      char pct[16];
      double bar_x = x0, bar_w = side;
      const GdkRGBA *tone = self->top_is_truth[k] ? &c.good : k == 0 ? &c.bad : &c.fg;

      _bp_set_source (cr, &c.fg, 0.9);
      _bp_show_text (cr, layout, self->top_names[k], bar_x, y, 0, 0);
      g_snprintf (pct, sizeof pct, "%.1f %%", 100.0 * self->top_probs[k]);
      _bp_show_text (cr, layout, pct, bar_x + bar_w, y, 1, 0);
      y += self->line_h + 2;
      _bp_set_source (cr, &c.fg, 0.12);
      cairo_rectangle (cr, bar_x, y, bar_w, 8);
      cairo_fill (cr);
      _bp_set_source (cr, tone, self->top_is_truth[k] || k == 0 ? 1 : 0.5);
      cairo_rectangle (cr, bar_x, y, bar_w * CLAMP (self->top_probs[k], 0, 1), 8);
      cairo_fill (cr);
      y += 8 + 8;
    }
  pango_font_description_free (bold);
  pango_font_description_free (normal);
}

static void
bp_sample_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  _bp_view_snapshot (widget, snapshot, sample_draw);
}

static void
bp_sample_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                        int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  BpSampleView *self = BP_SAMPLE_VIEW (widget);

  if (self->compact)
    *minimum = *natural = 48;
  else if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 200;
      *natural = 300;
    }
  else
    {
      *minimum = 200;
      *natural = 300 + (TOP_K + 2) * (self->line_h + 10);
    }
}

static void
clear_sample (BpSampleView *self)
{
  g_clear_pointer (&self->image, cairo_surface_destroy);
  g_clear_pointer (&self->features, g_free);
  g_clear_pointer (&self->truth, g_free);
  g_clear_pointer (&self->predicted, g_free);
  for (int k = 0; k < TOP_K; k++)
    g_clear_pointer (&self->top_names[k], g_free);
  self->n_top = 0;
  self->index = -1;
}

static void
bp_sample_view_css_changed (GtkWidget *widget, GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (bp_sample_view_parent_class)->css_changed (widget, change);
  BP_SAMPLE_VIEW (widget)->line_h = _bp_view_line_height (widget);
}

static void
bp_sample_view_finalize (GObject *object)
{
  clear_sample (BP_SAMPLE_VIEW (object));

  G_OBJECT_CLASS (bp_sample_view_parent_class)->finalize (object);
}

static void
bp_sample_view_class_init (BpSampleViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = bp_sample_view_finalize;
  widget_class->snapshot = bp_sample_view_snapshot;
  widget_class->measure = bp_sample_view_measure;
  widget_class->css_changed = bp_sample_view_css_changed;

  gtk_widget_class_set_css_name (widget_class, "bpsampleview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
bp_sample_view_init (BpSampleView *self)
{
  self->index = -1;
  self->line_h = 17;
}

GtkWidget *
bp_sample_view_new (gboolean compact)
{
  BpSampleView *self = g_object_new (BP_TYPE_SAMPLE_VIEW, NULL);

  self->compact = compact;
  return GTK_WIDGET (self);
}

void
bp_sample_view_set_sample (BpSampleView *self, BpInspectState *state, int index)
{
  NnEvalResult *test;
  const NnDataset *ds;
  g_autofree char *label = NULL;
  int row, truth, n_out, n_classes;

  g_return_if_fail (BP_IS_SAMPLE_VIEW (self));

  clear_sample (self);
  if (!state || !state->test || !state->data || !state->data->test || index < 0
      || index >= state->test->n || state->data->test->task != NN_TASK_CLASSIFICATION)
    {
      gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      "No sample selected", -1);
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return;
    }

  test = state->test;
  ds = state->data->test;
  row = test->rows ? (int) test->rows[index] : index;
  n_out = test->n_outputs;
  n_classes = ds->n_classes;
  truth = test->labels ? test->labels[index] : ds->labels[row];

  self->index = index;
  self->image = _bp_sample_surface (ds, row);
  if (!self->image)
    {
      size_t size = nn_dataset_size (ds);
      g_autoptr (GString) s = g_string_new ("features:");

      for (size_t k = 0; k < MIN (size, 6); k++)
        g_string_append_printf (s, " %.3g", ds->floats ? ds->floats[(size_t) row * size + k]
                                                       : ds->bytes[(size_t) row * size + k]);
      self->features = g_string_free (g_steal_pointer (&s), FALSE);
    }
  self->truth = _bp_class_name (state->data->class_names, n_classes, truth);
  self->predicted = _bp_class_name (state->data->class_names, n_classes, test->predicted[index]);

  /* Top three by a partial selection: n_out is small (10), no sort needed. */
  {
    const float *p = test->outputs + (size_t) index * n_out;
    gboolean taken[256] = { FALSE };

    for (int k = 0; k < MIN (TOP_K, MIN (n_out, 256)); k++)
      {
        int best = -1;

        for (int j = 0; j < MIN (n_out, 256); j++)
          if (!taken[j] && (best < 0 || p[j] > p[best]))
            best = j;
        taken[best] = TRUE;
        self->top_names[k] = _bp_class_name (state->data->class_names, n_classes, best);
        self->top_probs[k] = p[best];
        self->top_is_truth[k] = best == truth;
        self->n_top++;
      }
  }

  label = g_strdup_printf ("Test sample %d: true %s, predicted %s with %.0f %% confidence", row,
                           self->truth, self->predicted,
                           100.0 * (self->n_top ? self->top_probs[0] : 0));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
