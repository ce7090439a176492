/* bp-window-actions.c: BpWindow's actions and when each is enabled.
 *
 * Train, pause and resume, the two steps, stop and reset; undo, redo and
 * moving a layer in the panel; their key bindings; and
 * _bp_window_update_actions(), the one place that says which of them can
 * run now and why Train cannot. The actions that open files are in
 * bp-window-files.c.
 */
#include "bp-window-private.h"

/* The same for tooltips and icons, which _bp_window_update_actions() sets at every
 * run update. */
static void
set_tooltip (GtkWidget *widget, const char *text)
{
  if (g_strcmp0 (gtk_widget_get_tooltip_text (widget), text) != 0)
    gtk_widget_set_tooltip_text (widget, text);
}

static void
train_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  BpWindow *self = BP_WINDOW (widget);

  if (self->run && bp_run_is_alive (self->run))
    {
      bp_run_resume (self->run);
      _bp_window_set_run_state (self);
      return;
    }
  if (!_bp_window_ensure_run (self))
    return;
  g_clear_error (&self->run_error);
  bp_run_start (self->run, FALSE);
  _bp_window_set_run_state (self);
}

/* Pauses a run that is going, resumes a paused one; nothing else. (It
 * used to start a run when there was none, so Pause on an idle window, or
 * Space after a run had finished, trained a new model over the old.) */
static void
pause_resume_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  BpWindow *self = BP_WINDOW (widget);

  if (self->run == NULL || !bp_run_is_alive (self->run))
    return;
  if (bp_run_get_state (self->run) == BP_RUN_PAUSED)
    bp_run_resume (self->run);
  else
    bp_run_pause (self->run);
  _bp_window_set_run_state (self);
}

static void
step_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  BpWindow *self = BP_WINDOW (widget);

  if (!_bp_window_ensure_run (self))
    return;
  if (g_str_equal (action_name, "win.step-epoch"))
    bp_run_step_epoch (self->run);
  else
    bp_run_step_batch (self->run);
  _bp_window_set_run_state (self);
}

static void
stop_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  BpWindow *self = BP_WINDOW (widget);

  if (self->run)
    bp_run_stop (self->run);
}

static void
reset_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  _bp_window_reset_run (BP_WINDOW (widget));
}

static void
undo_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  bp_layer_panel_undo (BP_WINDOW (widget)->panel);
}

static void
redo_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  bp_layer_panel_redo (BP_WINDOW (widget)->panel);
}

/* Shows or hides the side panel (over the views when they are folded). */
static void
toggle_panel_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  BpWindow *self = BP_WINDOW (widget);

  adw_flap_set_reveal_flap (self->flap, !adw_flap_get_reveal_flap (self->flap));
}

static void
layer_move_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  BpWindow *self = BP_WINDOW (widget);

  bp_layer_panel_move_selected (self->panel, g_str_equal (action_name, "win.layer-up") ? -1 : 1);
}

void
_bp_window_update_actions (BpWindow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean loaded = self->data != NULL && !self->loading;
  gboolean valid = loaded && bp_layer_panel_get_valid (self->panel);
  gboolean alive = self->run && bp_run_is_alive (self->run);
  gboolean paused = alive && bp_run_get_state (self->run) == BP_RUN_PAUSED;
  gboolean can_step;
  const char *why = NULL, *icon;
  g_autofree char *why_owned = NULL;

  /* A step goes on with the paused run, or one that was stopped short, or
   * starts the first; it never starts over from a run that is done. */
  can_step = valid && (paused || self->run == NULL
                       || (!alive && !self->run_stale
                           && bp_run_get_epochs_left (self->run) > 0));

  gtk_widget_action_set_enabled (widget, "win.train", valid && (!alive || paused));
  gtk_widget_action_set_enabled (widget, "win.pause-resume", alive && loaded);
  gtk_widget_action_set_enabled (widget, "win.step-batch", can_step);
  gtk_widget_action_set_enabled (widget, "win.step-epoch", can_step);
  gtk_widget_action_set_enabled (widget, "win.stop", alive);
  gtk_widget_action_set_enabled (widget, "win.reset", self->run != NULL || self->record != NULL);
  gtk_widget_action_set_enabled (widget, "win.restore-run", self->shelf != NULL);
  gtk_widget_action_set_enabled (widget, "win.save-model", self->run != NULL && !alive);
  gtk_widget_action_set_enabled (widget, "win.undo", bp_layer_panel_get_can_undo (self->panel));
  gtk_widget_action_set_enabled (widget, "win.redo", bp_layer_panel_get_can_redo (self->panel));

  /* Say why Train cannot go, where the user looks: on the button. */
  if (self->loading)
    why = "Loading the dataset…";
  else if (!loaded)
    why = why_owned = g_strdup_printf ("The dataset is not loaded: %s",
                                       self->load_error ? self->load_error : "choose one.");
  else if (!valid)
    why = why_owned = g_strdup_printf ("The network does not fit the data: %s",
                                       bp_layer_panel_get_problem (self->panel));
  else if (alive && !paused)
    why = "Training…";
  else
    why = "Train (Ctrl+Return)";
  set_tooltip (GTK_WIDGET (self->train_button), why);

  icon = paused ? "media-playback-start-symbolic" : "media-playback-pause-symbolic";
  if (g_strcmp0 (gtk_button_get_icon_name (self->pause_button), icon) != 0)
    gtk_button_set_icon_name (self->pause_button, icon);
  set_tooltip (GTK_WIDGET (self->pause_button), paused ? "Resume (Space)" : "Pause (Space)");
}

/* ---- keys that must not reach the focused widget first ----------------- */

/* The focus, when it is in this window (not in a popover of it). */
static GtkWidget *
window_focus (BpWindow *self)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  if (focus == NULL || gtk_widget_get_native (focus) != GTK_NATIVE (self))
    return NULL;
  return focus;
}

static gboolean
in_number_field (GtkWidget *focus)
{
  return focus != NULL && gtk_widget_get_ancestor (focus, GTK_TYPE_SPIN_BUTTON) != NULL;
}

/* Space pauses and resumes, wherever the focus is: a focused button (Step
 * One Epoch after a click, Train after a run) would otherwise take Space
 * as a press and step again or start over. Only a text field that is not
 * a number keeps it, to type a space. */
static gboolean
space_cb (GtkWidget *widget, GVariant *args, gpointer user_data)
{
  BpWindow *self = BP_WINDOW (widget);
  GtkWidget *focus = window_focus (self);

  if (focus != NULL && GTK_IS_EDITABLE (focus) && !in_number_field (focus))
    return FALSE;
  if (focus == NULL && gtk_root_get_focus (GTK_ROOT (self)) != NULL)
    return FALSE;  /* a popover's list or menu */
  gtk_widget_activate_action (widget, "win.pause-resume", NULL);
  return TRUE;
}

/* Ctrl+Z in a number field undoes the network edit. The field's text has
 * an undo of its own, which took the key first: it turned the text back to
 * a value the network no longer had, or to nothing, and leaving the field
 * then recorded what was left as a new edit. */
static gboolean
field_undo_cb (GtkWidget *widget, GVariant *args, gpointer user_data)
{
  BpWindow *self = BP_WINDOW (widget);

  if (!in_number_field (window_focus (self)))
    return FALSE;
  gtk_widget_activate_action (widget, g_variant_get_string (args, NULL), NULL);
  return TRUE;
}

static void
add_capture_shortcut (GtkShortcutController *controller, guint keyval, GdkModifierType mods,
                      GtkShortcutFunc func, const char *action)
{
  GtkShortcut *shortcut = gtk_shortcut_new (gtk_keyval_trigger_new (keyval, mods),
                                            gtk_callback_action_new (func, NULL, NULL));

  if (action)
    gtk_shortcut_set_arguments (shortcut, g_variant_new_string (action));
  gtk_shortcut_controller_add_shortcut (controller, shortcut);
}

/* These run in the capture phase, before the focused widget sees the key;
 * each callback lets the key go on where it does not apply. */
void
_bp_window_init_actions (BpWindow *self)
{
  GtkEventController *controller = gtk_shortcut_controller_new ();
  GtkShortcutController *shortcuts = GTK_SHORTCUT_CONTROLLER (controller);

  gtk_event_controller_set_name (controller, "bp-window-capture-keys");
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  add_capture_shortcut (shortcuts, GDK_KEY_space, 0, space_cb, NULL);
  add_capture_shortcut (shortcuts, GDK_KEY_KP_Space, 0, space_cb, NULL);
  add_capture_shortcut (shortcuts, GDK_KEY_z, GDK_CONTROL_MASK, field_undo_cb, "win.undo");
  add_capture_shortcut (shortcuts, GDK_KEY_z, GDK_CONTROL_MASK | GDK_SHIFT_MASK, field_undo_cb,
                        "win.redo");
  add_capture_shortcut (shortcuts, GDK_KEY_Z, GDK_CONTROL_MASK | GDK_SHIFT_MASK, field_undo_cb,
                        "win.redo");
  add_capture_shortcut (shortcuts, GDK_KEY_y, GDK_CONTROL_MASK, field_undo_cb, "win.redo");
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

void
_bp_window_class_init_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.train", NULL, train_action);
  gtk_widget_class_install_action (widget_class, "win.pause-resume", NULL, pause_resume_action);
  gtk_widget_class_install_action (widget_class, "win.step-batch", NULL, step_action);
  gtk_widget_class_install_action (widget_class, "win.step-epoch", NULL, step_action);
  gtk_widget_class_install_action (widget_class, "win.stop", NULL, stop_action);
  gtk_widget_class_install_action (widget_class, "win.reset", NULL, reset_action);
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, undo_action);
  gtk_widget_class_install_action (widget_class, "win.redo", NULL, redo_action);
  gtk_widget_class_install_action (widget_class, "win.toggle-panel", NULL, toggle_panel_action);
  gtk_widget_class_install_action (widget_class, "win.layer-up", NULL, layer_move_action);
  gtk_widget_class_install_action (widget_class, "win.layer-down", NULL, layer_move_action);

  /* Bindings, not application accelerators: these run after the focused
   * widget had its chance, so Ctrl+Z still undoes typing in an entry (but
   * not in a number field, see _bp_window_init_actions(), which also
   * has Space). */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "win.undo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.redo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Z, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.redo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Up, GDK_ALT_MASK, "win.layer-up", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Down, GDK_ALT_MASK, "win.layer-down", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.stop", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F9, 0, "win.toggle-panel", NULL);
}
