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

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/network/edit-undo", test_network_edit_undo);
  g_test_add_func ("/ui/network/field-undo", test_network_field_undo);
  return g_test_run ();
}
