/* bp-layer-row.c: one layer of the network in the layer panel. */
#include "bp-layer-row.h"

#include <string.h>

struct _BpLayerRow
{
  GtkListBoxRow  parent_instance;

  /* Template widgets */
  GtkLabel      *index_label;
  GtkLabel      *kind_label;
  GtkLabel      *problem_label;
  GtkLabel      *shape_label;
  GtkSpinButton *value_spin;

  int            index;
  NnLayerKind    kind;
  gboolean       updating;
};

G_DEFINE_FINAL_TYPE (BpLayerRow, bp_layer_row, GTK_TYPE_LIST_BOX_ROW)

enum {
  VALUE_CHANGED,
  REMOVE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
on_value_spin_value_changed_cb (BpLayerRow    *self,
                                GtkSpinButton *spin)
{
  if (!self->updating)
    g_signal_emit (self, signals[VALUE_CHANGED], 0, gtk_spin_button_get_value (spin));
}

static void
on_remove_button_clicked_cb (BpLayerRow *self,
                             GtkButton  *button)
{
  g_signal_emit (self, signals[REMOVE], 0);
}

static void
bp_layer_row_class_init (BpLayerRowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/backprop/Backprop/bp-layer-row.ui");
  gtk_widget_class_bind_template_child (widget_class, BpLayerRow, index_label);
  gtk_widget_class_bind_template_child (widget_class, BpLayerRow, kind_label);
  gtk_widget_class_bind_template_child (widget_class, BpLayerRow, problem_label);
  gtk_widget_class_bind_template_child (widget_class, BpLayerRow, shape_label);
  gtk_widget_class_bind_template_child (widget_class, BpLayerRow, value_spin);
  gtk_widget_class_bind_template_callback (widget_class, on_remove_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_value_spin_value_changed_cb);

  /**
   * BpLayerRow::value-changed:
   * @value: the new units, rate or slope
   */
  signals[VALUE_CHANGED] = g_signal_new ("value-changed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 1, G_TYPE_DOUBLE);
  signals[REMOVE] = g_signal_new ("remove", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
bp_layer_row_init (BpLayerRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
bp_layer_row_new (void)
{
  return g_object_new (BP_TYPE_LAYER_ROW, NULL);
}

void
bp_layer_row_set_layer (BpLayerRow *self, int index, const NnLayerSpec *layer)
{
  GtkAdjustment *adj;
  const NnLayerOps *ops = nn_layer_ops (layer->kind);
  const char *caption = "";  /* what the value is, for its tooltip and accessible name */
  g_autofree char *number = g_strdup_printf ("%d", index + 1);
  g_autofree char *name = NULL;

  g_return_if_fail (BP_IS_LAYER_ROW (self));

  self->index = index;
  self->kind = layer->kind;
  self->updating = TRUE;
  gtk_label_set_label (self->index_label, number);
  gtk_label_set_label (self->kind_label, nn_layer_kind_label (layer->kind));
  adj = gtk_spin_button_get_adjustment (self->value_spin);
  /* The kind's first setting, as its table describes it. */
  if (ops->n_args > 0)
    {
      const NnLayerArg *arg = &ops->args[0];

      caption = arg->label;
      gtk_spin_button_set_digits (self->value_spin, arg->digits);
      gtk_adjustment_configure (adj, layer->arg[0], arg->min, arg->ui_max, arg->step, arg->page,
                                0);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->value_spin), caption[0] != '\0');
  /* No caption beside the spin button: it would take the width the shape
   * line needs. Its tooltip and accessible name say what it is. */
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->value_spin), caption);
  name = g_strdup_printf ("Layer %d, %s", index + 1, nn_layer_kind_label (layer->kind));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->value_spin),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, caption, -1);
  self->updating = FALSE;
}

int
bp_layer_row_get_index (BpLayerRow *self)
{
  g_return_val_if_fail (BP_IS_LAYER_ROW (self), -1);
  return self->index;
}

NnLayerKind
bp_layer_row_get_kind (BpLayerRow *self)
{
  g_return_val_if_fail (BP_IS_LAYER_ROW (self), NN_LAYER_DENSE);
  return self->kind;
}

char *
_bp_format_count (size_t n)
{
  /* Thousands separated by thin spaces: readable in any locale. */
  g_autofree char *digits = g_strdup_printf ("%zu", n);
  GString *out = g_string_new (NULL);
  size_t len = strlen (digits);

  for (size_t i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append (out, "\u2009");
      g_string_append_c (out, digits[i]);
    }
  return g_string_free (out, FALSE);
}

void
bp_layer_row_set_info (BpLayerRow *self, const NnLayerInfo *info, const char *problem)
{
  g_return_if_fail (BP_IS_LAYER_ROW (self));

  if (info != NULL)
    {
      g_autofree char *shape = nn_shape_to_string (info->out);
      g_autofree char *params = _bp_format_count (info->n_params);
      g_autofree char *text = NULL;

      if (info->n_params > 0)
        text = g_strdup_printf ("→ %s · %s params", shape, params);
      else
        text = g_strdup_printf ("→ %s", shape);
      gtk_label_set_label (self->shape_label, text);
    }
  else
    gtk_label_set_label (self->shape_label, problem ? "Does not fit" : "→ ?");

  gtk_label_set_label (self->problem_label, problem ? problem : "");
  gtk_widget_set_visible (GTK_WIDGET (self->problem_label), problem != NULL);
  if (problem)
    gtk_widget_add_css_class (GTK_WIDGET (self), "bad-layer");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "bad-layer");
}
