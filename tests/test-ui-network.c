/* test-ui-network.c: building a network in the layer panel of the real
 * window, under Xvfb: add and remove layers through the panel's actions,
 * see a network that does not fit marked on its row with Train disabled
 * and a tooltip saying why, reorder with the window's Alt+Up/Down actions,
 * and undo and redo all of it; Ctrl+Z typed in a layer's number field
 * undoes the network edit. */
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
      spin = ui_test_find_type (row, GTK_TYPE_SPIN_BUTTON);
      g_assert_nonnull (spin);
      g_assert_cmpint (gtk_widget_get_visible (spin), ==, ops->n_args > 0);
      if (ops->n_args > 0)
        {
          GtkAdjustment *adj = gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (spin));
          g_assert_cmpfloat_with_epsilon (gtk_adjustment_get_value (adj), ops->args[0].def, 1e-6);
          g_assert_cmpfloat (gtk_adjustment_get_lower (adj), ==, ops->args[0].min);
          g_assert_cmpstr (gtk_widget_get_tooltip_text (spin), ==, ops->args[0].label);
        }
      if (kind == NN_LAYER_LEAKY_RELU)
        ui_test_screenshot (GTK_WIDGET (window), "ui-network-palette-leaky.png");
      bp_layer_panel_remove_layer (panel, at);
    }
  assert_spec (window, "dense:8,tanh,dense:2");
  ui_test_close (window, 5);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/network/edit-undo", test_network_edit_undo);
  g_test_add_func ("/ui/network/field-undo", test_network_field_undo);
  g_test_add_func ("/ui/network/palette", test_network_palette);
  return g_test_run ();
}
