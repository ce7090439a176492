/* test-ui-network.c: building a network in the layer panel of the real
 * window, under Xvfb: add and remove layers through the panel's actions,
 * see a network that does not fit marked on its row with Train disabled
 * and a tooltip saying why, reorder with the window's Alt+Up/Down actions,
 * and undo and redo all of it; Ctrl+Z typed in a layer's number field
 * undoes the network edit. Every setting of every kind is edited through
 * its own field, and the rows and the panel count parameters and
 * multiply-adds. */
#include "ui-test-util.h"

#include "bp-layer-row.h"

static char *
spec_text (BpWindow *window)
{
  return nn_net_spec_to_string (bp_layer_panel_get_spec (bp_window_get_panel (window)));
}

#define assert_spec(window, expected) \
  G_STMT_START { \
    g_autofree char *_s = spec_text (window); \
    g_assert_cmpstr (_s, ==, expected); \
  } G_STMT_END

static void
test_network_edit_undo (void)
{
  BpWindow *window = ui_test_window ("xor");
  BpLayerPanel *panel = bp_window_get_panel (window);
  GtkWidget *train = ui_test_find_actionable (GTK_WIDGET (window), "win.train");
  const char *tooltip;

  /* The first launch: XOR with its ready network, Train available. */
  assert_spec (window, "dense:8,tanh,dense:2");
  g_assert_nonnull (train);
  g_assert_true (bp_layer_panel_get_valid (panel));
  g_assert_true (gtk_widget_get_sensitive (train));

  /* Add a ReLU after the first layer, then a Dense before the output. */
  bp_layer_panel_select (panel, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "panel.add", "s", "relu"));
  assert_spec (window, "dense:8,relu,tanh,dense:2");
  bp_layer_panel_select (panel, -1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "panel.add", "s", "dense"));
  g_assert_cmpint (bp_layer_panel_get_spec (panel)->n_layers, ==, 5);
  g_assert_true (bp_layer_panel_get_valid (panel));

  /* Remove the output layer: the network ends with the wrong size. */
  bp_layer_panel_remove_layer (panel, 4);
  bp_layer_panel_remove_layer (panel, 3);
  assert_spec (window, "dense:8,relu,tanh");
  ui_test_iterate (100);
  g_assert_false (bp_layer_panel_get_valid (panel));
  g_assert_nonnull (strstr (bp_layer_panel_get_problem (panel), "needs 2"));
  g_assert_false (gtk_widget_get_sensitive (train));
  tooltip = gtk_widget_get_tooltip_text (train);
  g_assert_nonnull (tooltip);
  g_assert_nonnull (strstr (tooltip, "does not fit"));
  ui_test_screenshot (GTK_WIDGET (window), "ui-network-invalid.png");

  /* Reorder with the keyboard actions. */
  bp_layer_panel_select (panel, 2);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.layer-up", NULL));
  assert_spec (window, "dense:8,tanh,relu");
  g_assert_cmpint (bp_layer_panel_get_selected (panel), ==, 1);

  /* Undo everything, step by step, back to the start; then redo once. */
  for (int i = 0; i < 5; i++)
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  assert_spec (window, "dense:8,tanh,dense:2");
  g_assert_false (bp_layer_panel_get_can_undo (panel));
  g_assert_true (bp_layer_panel_get_valid (panel));
  g_assert_true (gtk_widget_get_sensitive (train));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.redo", NULL));
  assert_spec (window, "dense:8,relu,tanh,dense:2");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));

  /* An empty network is refused in words. */
  for (int i = 2; i >= 0; i--)
    bp_layer_panel_remove_layer (panel, i);
  g_assert_cmpint (bp_layer_panel_get_spec (panel)->n_layers, ==, 0);
  g_assert_false (bp_layer_panel_get_valid (panel));
  g_assert_nonnull (strstr (bp_layer_panel_get_problem (panel), "no layers"));

  /* A preset puts a working network back, as one undoable edit. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "panel.preset", "s", "xor"));
  assert_spec (window, "dense:8,tanh,dense:2");
  g_assert_true (bp_layer_panel_get_valid (panel));
  ui_test_screenshot (GTK_WIDGET (window), "ui-network.png");

  /* The shortcuts window and the about window open from their actions. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL));
  ui_test_iterate (300);
  g_assert_nonnull (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window)));
  gtk_window_close (GTK_WINDOW (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window))));
  g_action_group_activate_action (G_ACTION_GROUP (ui_test_app ()), "about", NULL);
  ui_test_iterate (300);

  ui_test_close (window, 5);
}

/* The number field of the first layer row. */
static GtkSpinButton *
first_value_spin (BpWindow *window)
{
  GtkWidget *row = ui_test_find_type (GTK_WIDGET (bp_window_get_panel (window)),
                                      BP_TYPE_LAYER_ROW);

  g_assert_nonnull (row);
  return GTK_SPIN_BUTTON (ui_test_find_type (row, GTK_TYPE_SPIN_BUTTON));
}

/* A user changes the units of the first layer with the keyboard, in the
 * field, then presses Ctrl+Z there: the edit is undone, the field shows
 * the value before it. (GtkText's own undo took the key: it turned the
 * field's text back, to nothing at first, and leaving the field recorded
 * what was left, 1, as a new edit.) */
static void
test_network_field_undo (void)
{
  BpWindow *window = ui_test_window ("xor");
  BpLayerPanel *panel = bp_window_get_panel (window);
  GtkSpinButton *spin = first_value_spin (window);

  assert_spec (window, "dense:8,tanh,dense:2");
  g_assert_true (gtk_widget_grab_focus (GTK_WIDGET (spin)));
  ui_test_iterate (100);
  ui_test_key (GTK_WIDGET (spin), GDK_KEY_Up, 0);
  assert_spec (window, "dense:9,tanh,dense:2");
  /* Typed over, and committed with Enter. */
  spin = first_value_spin (window);
  g_assert_true (gtk_widget_grab_focus (GTK_WIDGET (spin)));
  ui_test_key (GTK_WIDGET (spin), GDK_KEY_a, GDK_CONTROL_MASK);
  ui_test_key (GTK_WIDGET (spin), GDK_KEY_1, 0);
  ui_test_key (GTK_WIDGET (spin), GDK_KEY_2, 0);
  ui_test_key (GTK_WIDGET (spin), GDK_KEY_Return, 0);
  assert_spec (window, "dense:12,tanh,dense:2");

  /* Both edits of one field, close together, are one undo step. */
  spin = first_value_spin (window);
  g_assert_true (gtk_widget_grab_focus (GTK_WIDGET (spin)));
  ui_test_key (GTK_WIDGET (spin), GDK_KEY_z, GDK_CONTROL_MASK);
  assert_spec (window, "dense:8,tanh,dense:2");
  spin = first_value_spin (window);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (spin)), ==, "8");
  /* Leaving the field records nothing more. */
  gtk_window_set_focus (GTK_WINDOW (window), NULL);
  ui_test_iterate (100);
  assert_spec (window, "dense:8,tanh,dense:2");
  g_assert_false (bp_layer_panel_get_can_undo (panel));
  g_assert_true (bp_layer_panel_get_can_redo (panel));
  /* Redo from the field too. */
  spin = first_value_spin (window);
  g_assert_true (gtk_widget_grab_focus (GTK_WIDGET (spin)));
  ui_test_key (GTK_WIDGET (spin), GDK_KEY_z, GDK_CONTROL_MASK | GDK_SHIFT_MASK);
  assert_spec (window, "dense:12,tanh,dense:2");
  ui_test_close (window, 5);
}

static GtkWidget *
find_menu_button (GtkWidget *root, const char *tooltip)
{
  if (GTK_IS_MENU_BUTTON (root) && g_strcmp0 (gtk_widget_get_tooltip_text (root), tooltip) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_menu_button (c, tooltip);
      if (found)
        return found;
    }
  return NULL;
}

/* The palette lists every kind of the engine's registry, in its order,
 * and a layer of each kind added from it gets the kind's defaults and a
 * row whose number field is the kind's first setting (none for a kind
 * without settings). Fails when the palette or the rows are written per
 * kind again and a kind is missed. */
static void
test_network_palette (void)
{
  BpWindow *window = ui_test_window ("xor");
  BpLayerPanel *panel = bp_window_get_panel (window);
  GtkWidget *add = find_menu_button (GTK_WIDGET (panel), "Add Layer");
  GMenuModel *menu, *section;

  g_assert_nonnull (add);
  menu = gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (add));
  section = g_menu_model_get_item_link (menu, 0, G_MENU_LINK_SECTION);
  g_assert_nonnull (section);
  g_assert_cmpint (g_menu_model_get_n_items (section), ==, NN_N_LAYER_KINDS);
  for (int kind = 0; kind < NN_N_LAYER_KINDS; kind++)
    {
      const NnLayerOps *ops = nn_layer_ops ((NnLayerKind) kind);
      NnLayerSpec want = nn_layer_spec_default ((NnLayerKind) kind);
      g_autofree char *label = NULL, *target = NULL;
      const NnNetSpec *spec;
      GtkWidget *row, *spin;
      int at;

      g_assert_true (g_menu_model_get_item_attribute (section, kind, G_MENU_ATTRIBUTE_LABEL, "s",
                                                      &label));
      g_assert_true (g_menu_model_get_item_attribute (section, kind, G_MENU_ATTRIBUTE_TARGET, "s",
                                                      &target));
      g_assert_cmpstr (label, ==, ops->label);
      g_assert_cmpstr (target, ==, ops->name);
      if (kind == 0)
        {
          /* As a person sees it, for the record. */
          gtk_menu_button_popup (GTK_MENU_BUTTON (add));
          ui_test_screenshot (GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (add))),
                              "ui-network-palette.png");
          gtk_menu_button_popdown (GTK_MENU_BUTTON (add));
        }

      bp_layer_panel_select (panel, 0);
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "panel.add", "s", target));
      ui_test_iterate (20);
      spec = bp_layer_panel_get_spec (panel);
      at = 1;
      g_assert_cmpint (spec->layers[at].kind, ==, kind);
      g_assert_cmpmem (&spec->layers[at], sizeof want, &want, sizeof want);

      row = ui_test_find_type (GTK_WIDGET (panel), BP_TYPE_LAYER_ROW);
      g_assert_nonnull (row);
      for (int i = 0; i < at; i++)
        row = gtk_widget_get_next_sibling (row);
      g_assert_true (BP_IS_LAYER_ROW (row));
      g_assert_cmpint (bp_layer_row_get_kind (BP_LAYER_ROW (row)), ==, kind);
      /* A number field for every setting of the kind, none for one without. */
      g_assert_null (bp_layer_row_get_setting_spin (BP_LAYER_ROW (row), ops->n_args));
      if (ops->n_args == 0)
        g_assert_null (ui_test_find_type (row, GTK_TYPE_SPIN_BUTTON));
      for (int a = 0; a < ops->n_args; a++)
        {
          GtkAdjustment *adj;

          spin = GTK_WIDGET (bp_layer_row_get_setting_spin (BP_LAYER_ROW (row), a));
          g_assert_nonnull (spin);
          g_assert_true (gtk_widget_is_visible (spin));
          adj = gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (spin));
          g_assert_cmpfloat_with_epsilon (gtk_adjustment_get_value (adj), ops->args[a].def, 1e-6);
          g_assert_cmpfloat (gtk_adjustment_get_lower (adj), ==, ops->args[a].min);
          g_assert_cmpstr (gtk_widget_get_tooltip_text (spin), ==, ops->args[a].label);
        }
      if (kind == NN_LAYER_LEAKY_RELU)
        ui_test_screenshot (GTK_WIDGET (window), "ui-network-palette-leaky.png");
      bp_layer_panel_remove_layer (panel, at);
    }
  assert_spec (window, "dense:8,tanh,dense:2");
  ui_test_close (window, 5);
}

/* The row of layer @index. */
static BpLayerRow *
row_at (BpWindow *window, int index)
{
  GtkWidget *row = ui_test_find_type (GTK_WIDGET (bp_window_get_panel (window)),
                                      BP_TYPE_LAYER_ROW);

  for (int i = 0; row != NULL && i < index; i++)
    row = gtk_widget_get_next_sibling (row);
  g_assert_true (BP_IS_LAYER_ROW (row));
  g_assert_cmpint (bp_layer_row_get_index (BP_LAYER_ROW (row)), ==, index);
  return BP_LAYER_ROW (row);
}

/* A value of setting @arg other than @now, inside the panel's bounds. */
static double
other_value (const NnLayerArg *arg, double now)
{
  double v = now + arg->step;

  if (v > arg->ui_max)
    v = now - arg->step;
  g_assert_true (v >= arg->min);
  return v;
}

/* Every setting of every kind in the registry, through its row's number
 * field: the spec takes the new value for that setting and no other, and
 * Ctrl+Z's action takes it back. Fails when a row edits only its first
 * setting, or sends one setting's value to another. */
static void
test_network_settings (void)
{
  BpWindow *window = ui_test_window ("xor");
  BpLayerPanel *panel = bp_window_get_panel (window);
  int n_checked = 0;

  for (int kind = 0; kind < NN_N_LAYER_KINDS; kind++)
    {
      const NnLayerOps *ops = nn_layer_ops ((NnLayerKind) kind);

      if (ops->n_args == 0)
        continue;
      bp_layer_panel_select (panel, 0);
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "panel.add", "s", ops->name));
      ui_test_iterate (20);
      for (int a = 0; a < ops->n_args; a++)
        {
          NnLayerSpec before = bp_layer_panel_get_spec (panel)->layers[1];
          const NnLayerSpec *after;
          GtkSpinButton *spin = bp_layer_row_get_setting_spin (row_at (window, 1), a);
          double v = other_value (&ops->args[a], before.arg[a]);

          gtk_spin_button_set_value (spin, v);
          ui_test_iterate (20);
          after = &bp_layer_panel_get_spec (panel)->layers[1];
          g_assert_cmpint (after->kind, ==, kind);
          for (int b = 0; b < NN_LAYER_MAX_ARGS; b++)
            g_assert_cmpfloat_with_epsilon (after->arg[b], b == a ? v : before.arg[b], 1e-6);
          g_assert_cmpfloat_with_epsilon (nn_layer_spec_get (after, ops->args[a].name), v, 1e-6);
          /* The field shows it still (the row was not rebuilt under it). */
          spin = bp_layer_row_get_setting_spin (row_at (window, 1), a);
          g_assert_cmpfloat_with_epsilon (gtk_spin_button_get_value (spin), v, 1e-6);
          g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
          g_assert_cmpmem (&bp_layer_panel_get_spec (panel)->layers[1], sizeof before, &before,
                           sizeof before);
          spin = bp_layer_row_get_setting_spin (row_at (window, 1), a);
          g_assert_cmpfloat_with_epsilon (gtk_spin_button_get_value (spin), before.arg[a], 1e-6);
          n_checked++;
        }
      bp_layer_panel_remove_layer (panel, 1);
    }
  {
    int n_settings = 0;

    for (int kind = 0; kind < NN_N_LAYER_KINDS; kind++)
      n_settings += nn_layer_ops ((NnLayerKind) kind)->n_args;
    g_assert_cmpint (n_checked, ==, n_settings);
    /* Convolution's four are among them. */
    g_assert_cmpint (n_settings, >=, 4 + 1);
  }
  assert_spec (window, "dense:8,tanh,dense:2");
  ui_test_close (window, 5);
}

/* The kind with the most settings (convolution, once there is one). */
static NnLayerKind
kind_with_most_settings (void)
{
  int best = 0;

  for (int kind = 1; kind < NN_N_LAYER_KINDS; kind++)
    if (nn_layer_ops ((NnLayerKind) kind)->n_args > nn_layer_ops ((NnLayerKind) best)->n_args)
      best = kind;
  return (NnLayerKind) best;
}

/* The keys of a number field work in the last setting of the kind with
 * the most: Up raises it, Ctrl+Z typed there undoes it, Ctrl+Shift+Z
 * redoes it. */
static void
test_network_settings_keys (void)
{
  BpWindow *window = ui_test_window ("xor");
  BpLayerPanel *panel = bp_window_get_panel (window);
  NnLayerKind kind = kind_with_most_settings ();
  const NnLayerOps *ops = nn_layer_ops (kind);
  int a = ops->n_args - 1;
  NnLayerSpec before;
  GtkSpinButton *spin;
  double v;

  bp_layer_panel_select (panel, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "panel.add", "s", ops->name));
  ui_test_iterate (20);
  before = bp_layer_panel_get_spec (panel)->layers[1];
  spin = bp_layer_row_get_setting_spin (row_at (window, 1), a);
  g_assert_true (gtk_widget_grab_focus (GTK_WIDGET (spin)));
  ui_test_iterate (100);
  ui_test_key (GTK_WIDGET (spin), GDK_KEY_Up, 0);
  v = before.arg[a] + ops->args[a].step;
  g_assert_cmpfloat_with_epsilon (bp_layer_panel_get_spec (panel)->layers[1].arg[a], v, 1e-6);
  spin = bp_layer_row_get_setting_spin (row_at (window, 1), a);
  g_assert_true (gtk_widget_grab_focus (GTK_WIDGET (spin)));
  ui_test_key (GTK_WIDGET (spin), GDK_KEY_z, GDK_CONTROL_MASK);
  g_assert_cmpfloat_with_epsilon (bp_layer_panel_get_spec (panel)->layers[1].arg[a],
                                  before.arg[a], 1e-6);
  spin = bp_layer_row_get_setting_spin (row_at (window, 1), a);
  g_assert_true (gtk_widget_grab_focus (GTK_WIDGET (spin)));
  ui_test_key (GTK_WIDGET (spin), GDK_KEY_z, GDK_CONTROL_MASK | GDK_SHIFT_MASK);
  g_assert_cmpfloat_with_epsilon (bp_layer_panel_get_spec (panel)->layers[1].arg[a], v, 1e-6);
  gtk_window_set_focus (GTK_WINDOW (window), NULL);
  ui_test_close (window, 5);
}

/* The datasets folder setting, as a user sets it, at the shared datasets. */
static void
use_shared_datasets (void)
{
  const char *root = g_getenv ("BACKPROP_TEST_DATA");
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *mnist = NULL;

  if (root == NULL)
    g_error ("BACKPROP_TEST_DATA is not set: the test needs the shared datasets");
  mnist = g_build_filename (root, "mnist", NULL);
  if (!g_file_test (mnist, G_FILE_TEST_IS_DIR))
    g_error ("MNIST is not in %s: the test needs it", mnist);
  settings = g_settings_new ("io.github.backprop.Backprop");
  g_settings_set_string (settings, "data-folder", root);
}

/* Each row says its output shape, parameters and multiply-adds per sample
 * as the engine counts them, and the panel totals them. */
static void
test_network_counts (void)
{
  BpWindow *window;
  BpLayerPanel *panel;
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse ("dense:128,relu,dense:10", NULL);
  NnShape in = { 3, { 1, 28, 28 } };
  NnLayerInfo infos[3];
  size_t n_params = 0, n_macs = 0;
  g_autofree char *params_text = NULL, *macs_text = NULL;

  use_shared_datasets ();
  window = ui_test_window ("mnist");
  panel = bp_window_get_panel (window);
  bp_layer_panel_set_spec (panel, spec);
  ui_test_iterate (50);
  g_assert_true (bp_layer_panel_get_valid (panel));
  g_assert_true (nn_net_spec_check (spec, in, 10, infos, NULL, NULL, NULL));
  for (int i = 0; i < 3; i++)
    {
      const char *text = bp_layer_row_get_info_text (row_at (window, i));
      g_autofree char *shape = nn_shape_to_string (infos[i].out);
      g_autofree char *want = g_strdup_printf ("→ %s", shape);

      g_assert_true (g_str_has_prefix (text, want));
      if (infos[i].n_macs > 0)
        {
          g_autofree char *macs = _bp_format_count (infos[i].n_macs);
          g_autofree char *params = _bp_format_count (infos[i].n_params);

          g_assert_nonnull (strstr (text, macs));
          g_assert_nonnull (strstr (text, params));
        }
      else
        g_assert_null (strstr (text, "mult-adds"));
      g_assert_null (bp_layer_row_get_problem (row_at (window, i)));
      n_params += infos[i].n_params;
      n_macs += infos[i].n_macs;
    }
  /* Dense layers: one multiply-add per weight. */
  g_assert_cmpuint (n_macs, ==, 784 * 128 + 128 * 10);
  g_assert_cmpuint (bp_layer_panel_get_n_params (panel), ==, n_params);
  g_assert_cmpuint (bp_layer_panel_get_n_macs (panel), ==, n_macs);
  params_text = _bp_format_count (n_params);
  macs_text = _bp_format_count (n_macs);
  g_assert_nonnull (strstr (bp_layer_panel_get_total_text (panel), params_text));
  g_assert_nonnull (strstr (bp_layer_panel_get_total_text (panel), macs_text));
  g_assert_true (g_str_has_prefix (bp_layer_panel_get_total_text (panel), "3 layers"));
  ui_test_close (window, 5);
}

/* A convolution row on MNIST: its four fields give the spec its filters,
 * kernel, stride and padding; the row's shape line follows (C×H×W, the
 * parameters, the multiply-adds); a kernel larger than what reaches it is
 * marked on that row with the engine's sentence, and Train is off. */
static void
test_network_conv_row (void)
{
  BpWindow *window;
  BpLayerPanel *panel;
  g_autoptr(NnNetSpec) spec = nn_net_spec_parse ("conv:6:5,relu,maxpool:2,dense:10", NULL);
  g_autoptr(NnNetSpec) misfit = nn_net_spec_parse ("conv:6:5,maxpool:2,conv:16:5,maxpool:2,"
                                                   "conv:8:5,dense:10", NULL);
  g_autoptr(GError) error = NULL;
  NnShape in = { 3, { 1, 28, 28 } };
  NnLayerKind conv;
  BpLayerRow *row;
  const char *text;
  int bad = -1;

  g_assert_true (nn_layer_kind_from_name ("conv", &conv));
  use_shared_datasets ();
  window = ui_test_window_sized ("mnist", 1024, 700);
  panel = bp_window_get_panel (window);
  bp_layer_panel_set_spec (panel, spec);
  ui_test_iterate (50);
  row = row_at (window, 0);
  g_assert_cmpint (bp_layer_row_get_kind (row), ==, conv);
  g_assert_cmpstr (bp_layer_row_get_info_text (row), ==,
                   "→ 6×24×24 · 156 params · 86\u2009400 mult-adds");
  gtk_spin_button_set_value (bp_layer_row_get_setting_spin (row, 0), 8);
  gtk_spin_button_set_value (bp_layer_row_get_setting_spin (row_at (window, 0), 1), 3);
  gtk_spin_button_set_value (bp_layer_row_get_setting_spin (row_at (window, 0), 2), 2);
  gtk_spin_button_set_value (bp_layer_row_get_setting_spin (row_at (window, 0), 3), 1);
  ui_test_iterate (20);
  assert_spec (window, "conv:8:3:2:1,relu,maxpool:2,dense:10");
  /* (28 + 2 - 3) / 2 + 1 = 14; 8 × (9 + 1) parameters; 14 × 14 × 8 × 9 products. */
  text = bp_layer_row_get_info_text (row_at (window, 0));
  g_assert_cmpstr (text, ==, "→ 8×14×14 · 80 params · 14\u2009112 mult-adds");
  g_assert_true (g_str_has_prefix (bp_layer_row_get_info_text (row_at (window, 2)), "→ 8×7×7"));
  g_assert_true (bp_layer_panel_get_valid (panel));
  /* Each setting was its own edit: four undos take them back. */
  for (int i = 0; i < 4; i++)
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  assert_spec (window, "conv:6:5,relu,maxpool:2,dense:10");

  /* A misfit, on its row, in the engine's words. */
  g_assert_false (nn_net_spec_check (misfit, in, 10, NULL, NULL, &bad, &error));
  g_assert_cmpint (bad, ==, 4);
  g_assert_nonnull (strstr (error->message, "kernel 5 is larger than the 4×4 input"));
  bp_layer_panel_set_spec (panel, misfit);
  ui_test_iterate (100);
  g_assert_false (bp_layer_panel_get_valid (panel));
  for (int i = 0; i < misfit->n_layers; i++)
    {
      const char *problem = bp_layer_row_get_problem (row_at (window, i));

      if (i == bad)
        g_assert_cmpstr (problem, ==, error->message);
      else
        g_assert_null (problem);
    }
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (row_at (window, bad)), "bad-layer"));
  g_assert_cmpstr (bp_layer_row_get_info_text (row_at (window, bad)), ==, "Does not fit");
  g_assert_false (gtk_widget_get_sensitive (ui_test_find_actionable (GTK_WIDGET (window),
                                                                     "win.train")));
  /* The whole row in view, its sentence too, for the record. */
  {
    GtkWidget *scrolled = gtk_widget_get_ancestor (GTK_WIDGET (panel), GTK_TYPE_SCROLLED_WINDOW);
    GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
    GtkWidget *content = gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (scrolled));
    graphene_rect_t b;

    g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (row_at (window, bad)), content, &b));
    gtk_adjustment_set_value (adj, b.origin.y + b.size.height + 12
                                   - gtk_adjustment_get_page_size (adj));
    ui_test_iterate (300);
  }
  ui_test_screenshot (GTK_WIDGET (window), "ui-network-conv-misfit.png");
  /* Its kernel, made small enough in its row, makes it fit. */
  gtk_spin_button_set_value (bp_layer_row_get_setting_spin (row_at (window, bad), 1), 3);
  ui_test_iterate (50);
  g_assert_true (bp_layer_panel_get_valid (panel));
  g_assert_null (bp_layer_row_get_problem (row_at (window, bad)));
  g_assert_true (g_str_has_prefix (bp_layer_row_get_info_text (row_at (window, bad)), "→ 8×2×2"));
  ui_test_close (window, 5);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/network/edit-undo", test_network_edit_undo);
  g_test_add_func ("/ui/network/field-undo", test_network_field_undo);
  g_test_add_func ("/ui/network/palette", test_network_palette);
  g_test_add_func ("/ui/network/settings", test_network_settings);
  g_test_add_func ("/ui/network/settings-keys", test_network_settings_keys);
  g_test_add_func ("/ui/network/counts", test_network_counts);
  g_test_add_func ("/ui/network/conv-row", test_network_conv_row);
  return g_test_run ();
}
