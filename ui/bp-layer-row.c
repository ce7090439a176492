/* bp-layer-row.c: one layer of the network in the layer panel. */
#include "bp-layer-row.h"

#include <string.h>

struct _BpLayerRow
{
  GtkListBoxRow  parent_instance;

  /* Template widgets */
  GtkLabel      *index_label;
  GtkBox        *inline_box;
  GtkLabel      *kind_label;
  GtkLabel      *problem_label;
  GtkGrid       *settings_grid;
  GtkLabel      *shape_label;

  /* Borrowed: in inline_box or settings_grid, one per setting of the kind */
  GtkSpinButton *spins[NN_LAYER_MAX_ARGS];
  int            n_spins;

  int            index;
  NnLayerKind    kind;
  gboolean       built;     /* spins exist for kind */
  gboolean       updating;
};

G_DEFINE_FINAL_TYPE (BpLayerRow, bp_layer_row, GTK_TYPE_LIST_BOX_ROW)

enum {
  SETTING_CHANGED,
  REMOVE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
on_spin_value_changed_cb (GtkSpinButton *spin,
                          BpLayerRow    *self)
{
  int arg = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (spin), "bp-arg"));

  if (!self->updating)
    g_signal_emit (self, signals[SETTING_CHANGED], 0, arg, gtk_spin_button_get_value (spin));
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
  gtk_widget_class_bind_template_child (widget_class, BpLayerRow, inline_box);
  gtk_widget_class_bind_template_child (widget_class, BpLayerRow, kind_label);
  gtk_widget_class_bind_template_child (widget_class, BpLayerRow, problem_label);
  gtk_widget_class_bind_template_child (widget_class, BpLayerRow, settings_grid);
  gtk_widget_class_bind_template_child (widget_class, BpLayerRow, shape_label);
  gtk_widget_class_bind_template_callback (widget_class, on_remove_button_clicked_cb);

  /**
   * BpLayerRow::setting-changed:
   * @arg: which setting, an index into the kind's NnLayerOps.args
   * @value: its new value (units, rate, filters, kernel, ...)
   */
  signals[SETTING_CHANGED] = g_signal_new ("setting-changed", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_DOUBLE);
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

/* One spin button per setting @kind declares: beside the name when it is
 * the only one, else two to a line under it, each after its caption. */
static void
build_settings (BpLayerRow *self, NnLayerKind kind)
{
  const NnLayerOps *ops = nn_layer_ops (kind);
  GtkWidget *child;
  gboolean inline_one = ops->n_args == 1;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->inline_box))) != NULL)
    gtk_box_remove (self->inline_box, child);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->settings_grid))) != NULL)
    gtk_grid_remove (self->settings_grid, child);

  self->n_spins = ops->n_args;
  for (int a = 0; a < ops->n_args; a++)
    {
      const NnLayerArg *arg = &ops->args[a];
      GtkWidget *spin = gtk_spin_button_new (gtk_adjustment_new (arg->def, arg->min, arg->ui_max,
                                                                 arg->step, arg->page, 0),
                                             arg->step, arg->digits);

      gtk_editable_set_width_chars (GTK_EDITABLE (spin), inline_one ? 4 : 3);
      gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (spin, arg->label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      arg->label, -1);
      g_object_set_data (G_OBJECT (spin), "bp-arg", GINT_TO_POINTER (a));
      g_signal_connect (spin, "value-changed", G_CALLBACK (on_spin_value_changed_cb), self);
      self->spins[a] = GTK_SPIN_BUTTON (spin);
      if (inline_one)
        {
          /* No caption beside it: it would take the width the shape line
           * needs. Its tooltip and accessible name say what it is. */
          gtk_box_append (self->inline_box, spin);
        }
      else
        {
          GtkWidget *caption = gtk_label_new (arg->label);

          gtk_label_set_xalign (GTK_LABEL (caption), 0);
          gtk_widget_add_css_class (caption, "caption");
          gtk_widget_add_css_class (caption, "dim-label");
          gtk_widget_set_hexpand (caption, TRUE);
          gtk_grid_attach (self->settings_grid, caption, 2 * (a % 2), a / 2, 1, 1);
          gtk_grid_attach (self->settings_grid, spin, 2 * (a % 2) + 1, a / 2, 1, 1);
        }
    }
  gtk_widget_set_visible (GTK_WIDGET (self->inline_box), inline_one);
  gtk_widget_set_visible (GTK_WIDGET (self->settings_grid), ops->n_args > 1);
  self->kind = kind;
  self->built = TRUE;
}

void
bp_layer_row_set_layer (BpLayerRow *self, int index, const NnLayerSpec *layer)
{
  const NnLayerOps *ops = nn_layer_ops (layer->kind);
  g_autofree char *number = g_strdup_printf ("%d", index + 1);
  g_autofree char *name = NULL;

  g_return_if_fail (BP_IS_LAYER_ROW (self));

  self->index = index;
  self->updating = TRUE;
  if (!self->built || self->kind != layer->kind)
    build_settings (self, layer->kind);
  gtk_label_set_label (self->index_label, number);
  gtk_label_set_label (self->kind_label, nn_layer_kind_label (layer->kind));
  /* Every setting, as its kind's table describes it. */
  for (int a = 0; a < ops->n_args; a++)
    {
      const NnLayerArg *arg = &ops->args[a];
      GtkAdjustment *adj = gtk_spin_button_get_adjustment (self->spins[a]);

      gtk_spin_button_set_digits (self->spins[a], arg->digits);
      /* A value typed past the panel's bound stays what it is. */
      gtk_adjustment_configure (adj, layer->arg[a], arg->min, MAX (arg->ui_max, layer->arg[a]),
                                arg->step, arg->page, 0);
    }
  name = g_strdup_printf ("Layer %d, %s", index + 1, nn_layer_kind_label (layer->kind));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  self->updating = FALSE;
}

GtkSpinButton *
bp_layer_row_get_setting_spin (BpLayerRow *self, int arg)
{
  g_return_val_if_fail (BP_IS_LAYER_ROW (self), NULL);
  return arg >= 0 && arg < self->n_spins ? self->spins[arg] : NULL;
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
      GString *text = g_string_new (NULL);

      g_string_append_printf (text, "→ %s", shape);
      /* Trainable ones, as PyTorch counts them: a running mean is no parameter. */
      if (info->n_trainable > 0)
        {
          g_autofree char *params = _bp_format_count (info->n_trainable);

          g_string_append_printf (text, " · %s params", params);
        }
      if (info->n_macs > 0)
        {
          g_autofree char *macs = _bp_format_count (info->n_macs);

          g_string_append_printf (text, " · %s mult-adds", macs);
        }
      gtk_label_set_label (self->shape_label, text->str);
      g_string_free (text, TRUE);
    }
  else
    gtk_label_set_label (self->shape_label, problem ? "Does not fit" : "→ ?");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->shape_label),
                               info && info->n_macs > 0
                               ? "Output shape (channels×height×width), parameters, and "
                                 "multiply-adds of one sample’s forward pass"
                               : NULL);

  gtk_label_set_label (self->problem_label, problem ? problem : "");
  gtk_widget_set_visible (GTK_WIDGET (self->problem_label), problem != NULL);
  if (problem)
    gtk_widget_add_css_class (GTK_WIDGET (self), "bad-layer");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "bad-layer");
}

const char *
bp_layer_row_get_info_text (BpLayerRow *self)
{
  g_return_val_if_fail (BP_IS_LAYER_ROW (self), NULL);
  return gtk_label_get_label (self->shape_label);
}

const char *
bp_layer_row_get_problem (BpLayerRow *self)
{
  g_return_val_if_fail (BP_IS_LAYER_ROW (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->problem_label))
         ? gtk_label_get_label (self->problem_label) : NULL;
}
