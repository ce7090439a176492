/* bp-layer-panel.c: the network editor.
 *
 * The panel owns the current NnNetSpec and two stacks of copies for undo
 * and redo. Every edit goes through begin_edit() (which pushes a copy) and
 * then sync_rows() (which checks the network and brings the rows up to date).
 * Rows are rebuilt only when the layer kinds change, so editing a spin
 * button in place keeps its focus.
 */
#include "bp-layer-panel.h"

#include "bp-layer-row.h"

#define MERGE_SECONDS 1.5

struct _BpLayerPanel
{
  GtkWidget      parent_instance;

  /* Template widgets */
  GMenu         *add_section;
  GtkLabel      *input_label;
  GtkListBox    *list_box;
  GtkMenuButton *preset_button;
  GtkLabel      *problem_label;
  GtkLabel      *total_label;

  /* Owned */
  NnNetSpec     *spec;
  GPtrArray     *undo;        /* (element-type NnNetSpec) oldest first */
  GPtrArray     *redo;
  char          *dataset;
  char          *problem;
  GMenu         *preset_menu;

  NnShape        in;
  int            n_outputs;
  gboolean       valid;
  size_t         n_params;
  size_t         n_macs;
  int            merge_layer; /* edits of this setting within MERGE_SECONDS merge: the layer's
                               * index times NN_LAYER_MAX_ARGS plus the setting's */
  gint64         merge_time;
};

G_DEFINE_FINAL_TYPE (BpLayerPanel, bp_layer_panel, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CAN_UNDO,
  PROP_CAN_REDO,
  PROP_VALID,
  PROP_PROBLEM,
  N_PROPS
};

enum {
  CHANGED,
  PRESET_APPLIED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void sync_rows (BpLayerPanel *self);

/* ---- edits ------------------------------------------------------------- */

static void
begin_edit (BpLayerPanel *self, int merge_layer)
{
  gint64 now = g_get_monotonic_time ();
  gboolean merge = merge_layer >= 0 && merge_layer == self->merge_layer
                   && now - self->merge_time < MERGE_SECONDS * G_USEC_PER_SEC
                   && self->undo->len > 0;

  if (!merge)
    g_ptr_array_add (self->undo, nn_net_spec_copy (self->spec));
  g_ptr_array_set_size (self->redo, 0);
  self->merge_layer = merge_layer;
  self->merge_time = now;
}

static void
end_edit (BpLayerPanel *self)
{
  sync_rows (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_UNDO]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_REDO]);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
replace_spec (BpLayerPanel *self, NnNetSpec *spec)
{
  nn_net_spec_free (self->spec);
  self->spec = spec;
}

void
bp_layer_panel_add_layer (BpLayerPanel *self, NnLayerKind kind)
{
  NnLayerSpec layer = nn_layer_spec_default (kind);
  int selected, at;

  g_return_if_fail (BP_IS_LAYER_PANEL (self));

  /* After the selected layer; with none selected, just before the output
   * layer, so that the network keeps ending where it must. */
  selected = bp_layer_panel_get_selected (self);
  if (selected >= 0)
    at = selected + 1;
  else
    at = MAX (0, self->spec->n_layers - 1);
  /* The first layer of an empty network is its output layer. */
  if (self->n_outputs > 0 && self->spec->n_layers == 0)
    nn_layer_spec_set (&layer, "units", self->n_outputs);

  begin_edit (self, -1);
  nn_net_spec_insert (self->spec, at, &layer);
  end_edit (self);
  bp_layer_panel_select (self, at);
}

void
bp_layer_panel_remove_layer (BpLayerPanel *self, int index)
{
  g_return_if_fail (BP_IS_LAYER_PANEL (self));
  g_return_if_fail (index >= 0 && index < self->spec->n_layers);

  begin_edit (self, -1);
  nn_net_spec_remove (self->spec, index);
  end_edit (self);
  if (self->spec->n_layers > 0)
    bp_layer_panel_select (self, MIN (index, self->spec->n_layers - 1));
}

void
bp_layer_panel_move_layer (BpLayerPanel *self, int from, int to)
{
  g_return_if_fail (BP_IS_LAYER_PANEL (self));

  if (from < 0 || from >= self->spec->n_layers || to < 0 || to >= self->spec->n_layers
      || from == to)
    return;
  begin_edit (self, -1);
  nn_net_spec_move (self->spec, from, to);
  end_edit (self);
  bp_layer_panel_select (self, to);
}

gboolean
bp_layer_panel_move_selected (BpLayerPanel *self, int delta)
{
  int selected = bp_layer_panel_get_selected (self);
  int to = selected + delta;

  if (selected < 0 || to < 0 || to >= self->spec->n_layers)
    return FALSE;
  bp_layer_panel_move_layer (self, selected, to);
  return TRUE;
}

void
bp_layer_panel_set_setting (BpLayerPanel *self, int index, int arg, double value)
{
  const NnLayerOps *ops;
  NnLayerSpec *layer;

  g_return_if_fail (BP_IS_LAYER_PANEL (self));
  g_return_if_fail (index >= 0 && index < self->spec->n_layers);

  layer = &self->spec->layers[index];
  ops = nn_layer_ops (layer->kind);
  if (arg < 0 || arg >= ops->n_args)
    return;
  begin_edit (self, index * NN_LAYER_MAX_ARGS + arg);
  nn_layer_spec_set (layer, ops->args[arg].name, value);
  end_edit (self);
}

void
bp_layer_panel_set_spec (BpLayerPanel *self, const NnNetSpec *spec)
{
  g_return_if_fail (BP_IS_LAYER_PANEL (self));
  g_return_if_fail (spec != NULL);

  if (nn_net_spec_equal (spec, self->spec))
    return;
  begin_edit (self, -1);
  replace_spec (self, nn_net_spec_copy (spec));
  end_edit (self);
}

void
bp_layer_panel_apply_preset (BpLayerPanel *self, const NnPreset *preset)
{
  g_autoptr(NnNetSpec) spec = NULL;

  g_return_if_fail (BP_IS_LAYER_PANEL (self));
  g_return_if_fail (preset != NULL);

  spec = nn_preset_build_spec (preset, self->n_outputs);
  bp_layer_panel_set_spec (self, spec);
  g_signal_emit (self, signals[PRESET_APPLIED], 0, preset->name);
}

gboolean
bp_layer_panel_get_can_undo (BpLayerPanel *self)
{
  return self->undo->len > 0;
}

gboolean
bp_layer_panel_get_can_redo (BpLayerPanel *self)
{
  return self->redo->len > 0;
}

static void
swap_with_stack (BpLayerPanel *self, GPtrArray *from, GPtrArray *to)
{
  if (from->len == 0)
    return;
  if (to != NULL)
    g_ptr_array_add (to, nn_net_spec_copy (self->spec));
  replace_spec (self, g_ptr_array_steal_index (from, from->len - 1));
  self->merge_layer = -1;
  end_edit (self);
}

void
bp_layer_panel_undo (BpLayerPanel *self)
{
  g_return_if_fail (BP_IS_LAYER_PANEL (self));
  swap_with_stack (self, self->undo, self->redo);
}

void
bp_layer_panel_redo (BpLayerPanel *self)
{
  g_return_if_fail (BP_IS_LAYER_PANEL (self));
  swap_with_stack (self, self->redo, self->undo);
}

void
bp_layer_panel_revert (BpLayerPanel *self)
{
  g_return_if_fail (BP_IS_LAYER_PANEL (self));
  swap_with_stack (self, self->undo, NULL);
}

void
bp_layer_panel_clear_history (BpLayerPanel *self)
{
  g_return_if_fail (BP_IS_LAYER_PANEL (self));
  g_ptr_array_set_size (self->undo, 0);
  g_ptr_array_set_size (self->redo, 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_UNDO]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_REDO]);
}

/* ---- rows -------------------------------------------------------------- */

static BpLayerRow *
get_row (BpLayerPanel *self, int index)
{
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->list_box, index);

  return row ? BP_LAYER_ROW (row) : NULL;
}

int
bp_layer_panel_get_selected (BpLayerPanel *self)
{
  GtkListBoxRow *row;

  g_return_val_if_fail (BP_IS_LAYER_PANEL (self), -1);
  row = gtk_list_box_get_selected_row (self->list_box);
  return row ? gtk_list_box_row_get_index (row) : -1;
}

void
bp_layer_panel_select (BpLayerPanel *self, int index)
{
  BpLayerRow *row;

  g_return_if_fail (BP_IS_LAYER_PANEL (self));
  row = index >= 0 ? get_row (self, index) : NULL;
  gtk_list_box_select_row (self->list_box, GTK_LIST_BOX_ROW (row));
}

static void
on_row_setting_changed_cb (BpLayerRow *row, int arg, double value, BpLayerPanel *self)
{
  bp_layer_panel_set_setting (self, bp_layer_row_get_index (row), arg, value);
}

static void
on_row_remove_cb (BpLayerRow *row, BpLayerPanel *self)
{
  bp_layer_panel_remove_layer (self, bp_layer_row_get_index (row));
}

static GdkContentProvider *
on_drag_prepare_cb (GtkDragSource *source, double x, double y, BpLayerRow *row)
{
  GtkWidget *widget = GTK_WIDGET (row);
  g_autoptr(GdkPaintable) icon = gtk_widget_paintable_new (widget);

  gtk_drag_source_set_icon (source, icon, (int) x, (int) y);
  return gdk_content_provider_new_typed (BP_TYPE_LAYER_ROW, row);
}

static gboolean
on_drop_cb (GtkDropTarget *target, const GValue *value, double x, double y, BpLayerRow *row)
{
  BpLayerPanel *self;
  BpLayerRow *dragged;

  if (!G_VALUE_HOLDS (value, BP_TYPE_LAYER_ROW))
    return FALSE;
  dragged = g_value_get_object (value);
  self = BP_LAYER_PANEL (gtk_widget_get_ancestor (GTK_WIDGET (row), BP_TYPE_LAYER_PANEL));
  if (self == NULL || dragged == row)
    return FALSE;
  bp_layer_panel_move_layer (self, bp_layer_row_get_index (dragged), bp_layer_row_get_index (row));
  return TRUE;
}

static GtkWidget *
create_row (BpLayerPanel *self)
{
  GtkWidget *row = bp_layer_row_new ();
  GtkDragSource *source = gtk_drag_source_new ();
  GtkDropTarget *target = gtk_drop_target_new (BP_TYPE_LAYER_ROW, GDK_ACTION_MOVE);

  g_signal_connect (row, "setting-changed", G_CALLBACK (on_row_setting_changed_cb), self);
  g_signal_connect (row, "remove", G_CALLBACK (on_row_remove_cb), self);
  gtk_drag_source_set_actions (source, GDK_ACTION_MOVE);
  g_signal_connect (source, "prepare", G_CALLBACK (on_drag_prepare_cb), row);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (source));
  g_signal_connect (target, "drop", G_CALLBACK (on_drop_cb), row);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (target));
  return row;
}

/* Brings the rows and labels up to date with self->spec and checks it. */
static void
sync_rows (BpLayerPanel *self)
{
  const NnNetSpec *spec = self->spec;
  g_autofree NnLayerInfo *infos = g_new0 (NnLayerInfo, MAX (spec->n_layers, 1));
  g_autoptr(GError) error = NULL;
  g_autofree char *total = NULL;
  g_autofree char *total_macs = NULL;
  g_autofree char *total_text = NULL;
  gboolean same_kinds = TRUE;
  gboolean valid;
  int bad = -1, n_rows = 0, selected;
  int known = 0;  /* layers with a known shape */
  size_t n_params = 0, n_macs = 0;

  selected = bp_layer_panel_get_selected (self);
  while (get_row (self, n_rows) != NULL)
    n_rows++;
  if (n_rows != spec->n_layers)
    same_kinds = FALSE;
  for (int i = 0; same_kinds && i < spec->n_layers; i++)
    same_kinds = bp_layer_row_get_kind (get_row (self, i)) == spec->layers[i].kind;

  if (!same_kinds)
    {
      GtkListBoxRow *row;

      while ((row = gtk_list_box_get_row_at_index (self->list_box, 0)) != NULL)
        gtk_list_box_remove (self->list_box, GTK_WIDGET (row));
      for (int i = 0; i < spec->n_layers; i++)
        gtk_list_box_append (self->list_box, create_row (self));
    }

  if (self->n_outputs > 0)
    valid = nn_net_spec_check (spec, self->in, self->n_outputs, infos, &known, &bad, &error);
  else
    {
      valid = FALSE;
      g_set_error_literal (&error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                           "The dataset is not loaded yet.");
    }

  for (int i = 0; i < spec->n_layers; i++)
    {
      BpLayerRow *row = get_row (self, i);

      bp_layer_row_set_layer (row, i, &spec->layers[i]);
      bp_layer_row_set_info (row, i < known ? &infos[i] : NULL,
                             i == bad && error ? error->message : NULL);
      if (i < known)
        {
          n_params += infos[i].n_trainable;
          n_macs += infos[i].n_macs;
        }
    }
  if (!same_kinds && selected >= 0 && selected < spec->n_layers)
    bp_layer_panel_select (self, selected);

  /* Of the layers whose shapes are known: all of them when it fits. */
  total = _bp_format_count (n_params);
  total_macs = _bp_format_count (n_macs);
  total_text = g_strdup_printf ("%d %s · %s parameters · %s multiply-adds per sample",
                                spec->n_layers, spec->n_layers == 1 ? "layer" : "layers", total,
                                total_macs);
  gtk_label_set_label (self->total_label, total_text);

  /* A problem tied to a row is shown there; one about the whole network
   * (empty, nothing to learn) goes under the list. */
  gtk_label_set_label (self->problem_label, !valid && bad < 0 && error ? error->message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->problem_label), !valid && bad < 0);

  self->n_params = n_params;
  self->n_macs = n_macs;
  if (valid != self->valid)
    {
      self->valid = valid;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALID]);
    }
  if (g_strcmp0 (self->problem, valid ? NULL : error->message) != 0)
    {
      g_free (self->problem);
      self->problem = valid ? NULL : g_strdup (error->message);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBLEM]);
    }
}

/* ---- data and presets -------------------------------------------------- */

void
bp_layer_panel_set_data (BpLayerPanel *self, const char *dataset, NnShape in, int n_outputs)
{
  g_autofree char *shape = NULL;
  g_autofree char *text = NULL;
  const NnPreset *presets;
  guint n_presets;

  g_return_if_fail (BP_IS_LAYER_PANEL (self));

  g_free (self->dataset);
  self->dataset = g_strdup (dataset);
  self->in = in;
  self->n_outputs = n_outputs;

  if (n_outputs > 0)
    {
      shape = nn_shape_to_string (in);
      text = g_strdup_printf ("Input %s → output %d", shape, n_outputs);
    }
  gtk_label_set_label (self->input_label, text ? text : "Loading the dataset…");

  g_menu_remove_all (self->preset_menu);
  presets = nn_presets (&n_presets);
  for (guint i = 0; dataset && i < n_presets; i++)
    if (nn_preset_suits (&presets[i], dataset))
      {
        g_autoptr(GMenuItem) item = g_menu_item_new (presets[i].label, NULL);

        g_menu_item_set_action_and_target (item, "panel.preset", "s", presets[i].name);
        g_menu_append_item (self->preset_menu, item);
      }
  sync_rows (self);
}

const NnNetSpec *
bp_layer_panel_get_spec (BpLayerPanel *self)
{
  g_return_val_if_fail (BP_IS_LAYER_PANEL (self), NULL);
  return self->spec;
}

gboolean
bp_layer_panel_get_valid (BpLayerPanel *self)
{
  g_return_val_if_fail (BP_IS_LAYER_PANEL (self), FALSE);
  return self->valid;
}

const char *
bp_layer_panel_get_problem (BpLayerPanel *self)
{
  g_return_val_if_fail (BP_IS_LAYER_PANEL (self), NULL);
  return self->problem;
}

size_t
bp_layer_panel_get_n_params (BpLayerPanel *self)
{
  g_return_val_if_fail (BP_IS_LAYER_PANEL (self), 0);
  return self->n_params;
}

size_t
bp_layer_panel_get_n_macs (BpLayerPanel *self)
{
  g_return_val_if_fail (BP_IS_LAYER_PANEL (self), 0);
  return self->n_macs;
}

const char *
bp_layer_panel_get_total_text (BpLayerPanel *self)
{
  g_return_val_if_fail (BP_IS_LAYER_PANEL (self), NULL);
  return gtk_label_get_label (self->total_label);
}

/* ---- actions ----------------------------------------------------------- */

static void
add_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  NnLayerKind kind;

  if (nn_layer_kind_from_name (g_variant_get_string (param, NULL), &kind))
    bp_layer_panel_add_layer (BP_LAYER_PANEL (widget), kind);
}

static void
preset_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  const NnPreset *preset = nn_preset_find (g_variant_get_string (param, NULL));

  if (preset)
    bp_layer_panel_apply_preset (BP_LAYER_PANEL (widget), preset);
}

static void
remove_selected_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  BpLayerPanel *self = BP_LAYER_PANEL (widget);
  int selected = bp_layer_panel_get_selected (self);

  if (selected >= 0)
    bp_layer_panel_remove_layer (self, selected);
}

/* ---- GObject ----------------------------------------------------------- */

static void
bp_layer_panel_dispose (GObject *object)
{
  BpLayerPanel *self = BP_LAYER_PANEL (object);
  GtkWidget *child;

  /* The template's root box is a plain child of this widget. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (bp_layer_panel_parent_class)->dispose (object);
}

static void
bp_layer_panel_finalize (GObject *object)
{
  BpLayerPanel *self = BP_LAYER_PANEL (object);

  g_clear_pointer (&self->spec, nn_net_spec_free);
  g_clear_pointer (&self->undo, g_ptr_array_unref);
  g_clear_pointer (&self->redo, g_ptr_array_unref);
  g_clear_pointer (&self->dataset, g_free);
  g_clear_pointer (&self->problem, g_free);
  g_clear_object (&self->preset_menu);
  G_OBJECT_CLASS (bp_layer_panel_parent_class)->finalize (object);
}

static void
bp_layer_panel_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  BpLayerPanel *self = BP_LAYER_PANEL (object);

  switch (prop_id)
    {
    case PROP_CAN_UNDO:
      g_value_set_boolean (value, bp_layer_panel_get_can_undo (self));
      break;
    case PROP_CAN_REDO:
      g_value_set_boolean (value, bp_layer_panel_get_can_redo (self));
      break;
    case PROP_VALID:
      g_value_set_boolean (value, self->valid);
      break;
    case PROP_PROBLEM:
      g_value_set_string (value, self->problem);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bp_layer_panel_class_init (BpLayerPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bp_layer_panel_dispose;
  object_class->finalize = bp_layer_panel_finalize;
  object_class->get_property = bp_layer_panel_get_property;

  properties[PROP_CAN_UNDO] =
    g_param_spec_boolean ("can-undo", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAN_REDO] =
    g_param_spec_boolean ("can-redo", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VALID] =
    g_param_spec_boolean ("valid", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROBLEM] =
    g_param_spec_string ("problem", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * BpLayerPanel::changed:
   *
   * The network changed: an edit, an undo or a redo.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * BpLayerPanel::preset-applied:
   * @name: the preset's name, for the window to apply its training settings
   */
  signals[PRESET_APPLIED] = g_signal_new ("preset-applied", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/backprop/Backprop/bp-layer-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, BpLayerPanel, add_section);
  gtk_widget_class_bind_template_child (widget_class, BpLayerPanel, input_label);
  gtk_widget_class_bind_template_child (widget_class, BpLayerPanel, list_box);
  gtk_widget_class_bind_template_child (widget_class, BpLayerPanel, preset_button);
  gtk_widget_class_bind_template_child (widget_class, BpLayerPanel, problem_label);
  gtk_widget_class_bind_template_child (widget_class, BpLayerPanel, total_label);

  gtk_widget_class_install_action (widget_class, "panel.add", "s", add_action);
  gtk_widget_class_install_action (widget_class, "panel.preset", "s", preset_action);
  gtk_widget_class_install_action (widget_class, "panel.remove-selected", NULL,
                                   remove_selected_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0,
                                       "panel.remove-selected", NULL);
}

static void
bp_layer_panel_init (BpLayerPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->spec = nn_net_spec_new ();
  self->undo = g_ptr_array_new_with_free_func ((GDestroyNotify) nn_net_spec_free);
  self->redo = g_ptr_array_new_with_free_func ((GDestroyNotify) nn_net_spec_free);
  self->merge_layer = -1;
  self->preset_menu = g_menu_new ();
  gtk_menu_button_set_menu_model (self->preset_button, G_MENU_MODEL (self->preset_menu));
  /* The palette: every kind the engine has, in its registry's order. */
  for (int i = 0; i < NN_N_LAYER_KINDS; i++)
    {
      const NnLayerOps *ops = nn_layer_ops ((NnLayerKind) i);
      g_autoptr(GMenuItem) item = g_menu_item_new (ops->label, NULL);

      g_menu_item_set_action_and_target (item, "panel.add", "s", ops->name);
      g_menu_append_item (self->add_section, item);
    }
  sync_rows (self);
}

GtkWidget *
bp_layer_panel_new (void)
{
  return g_object_new (BP_TYPE_LAYER_PANEL, NULL);
}
