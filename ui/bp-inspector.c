/* bp-inspector.c: the inspection views.
 *
 * bp_inspector_apply() runs on the main thread and hands a BpInspectState
 * (computed off it, in session/bp-inspect-state.c) to each view, which
 * prepares what it draws there and then. The inspector does not schedule
 * anything: the window decides when states are computed and applied.
 */
#include "bp-inspector.h"

#include <math.h>
#include <stdlib.h>

#include "bp-boundary.h"
#include "bp-confusion-matrix.h"
#include "bp-feature-map-view.h"
#include "bp-misclassified.h"
#include "bp-prediction-grid.h"
#include "bp-view-util.h"
#include "bp-weights.h"

/* ---- BpInspector ------------------------------------------------------- */

struct _BpInspector
{
  GtkWidget parent_instance;

  /* Template widgets */
  BpBoundary        *boundary;
  BpConfusionMatrix *confusion_matrix;
  BpFeatureMapView  *feature_maps;
  BpMisclassified   *misclassified;
  BpPredictionGrid  *prediction_grid;
  AdwViewStack      *stack;
  GtkLabel          *status_label;
  BpWeights         *weights;
  BpWeightsLegend   *weights_legend;

  /* Owned */
  BpInspectState    *state;
  GtkFileChooserNative *chooser;
  char              *chooser_view;
};

G_DEFINE_FINAL_TYPE (BpInspector, bp_inspector, GTK_TYPE_WIDGET)

static void
update_status (BpInspector *self)
{
  g_autofree char *text = NULL;
  BpInspectState *s = self->state;

  if (!s)
    text = g_strdup ("Nothing to inspect yet: the views fill in as the network trains.");
  else if (s->test && s->data->test && s->data->test->task == NN_TASK_CLASSIFICATION)
    text = g_strdup_printf ("After epoch %d · test accuracy %.2f %% · %d of %d misclassified",
                            s->epoch, 100.0 * s->test->accuracy, s->test->n - s->test->n_correct,
                            s->test->n);
  else if (s->test)
    text = g_strdup_printf ("After epoch %d · test RMSE %.4g", s->epoch, s->test->rmse);
  else
    text = g_strdup_printf ("After epoch %d", s->epoch);
  gtk_label_set_text (self->status_label, text);
}

void
bp_inspector_apply (BpInspector *self, BpInspectState *state)
{
  g_return_if_fail (BP_IS_INSPECTOR (self));

  if (state)
    bp_inspect_state_ref (state);
  g_clear_pointer (&self->state, bp_inspect_state_unref);
  self->state = state;

  bp_prediction_grid_set_state (self->prediction_grid, state);
  bp_misclassified_set_state (self->misclassified, state);
  bp_confusion_matrix_set_state (self->confusion_matrix, state);
  bp_boundary_set_state (self->boundary, state);
  bp_weights_set_state (self->weights, state);
  bp_feature_map_view_set_state (self->feature_maps, state);
  update_status (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "inspector.export-csv",
                                 bp_confusion_matrix_get_n_classes (self->confusion_matrix) > 0);
}

GtkWidget *
bp_inspector_get_view (BpInspector *self, const char *view_name)
{
  g_return_val_if_fail (BP_IS_INSPECTOR (self), NULL);
  g_return_val_if_fail (view_name != NULL, NULL);

  if (g_str_equal (view_name, "predictions"))
    return GTK_WIDGET (self->prediction_grid);
  if (g_str_equal (view_name, "mistakes"))
    return GTK_WIDGET (self->misclassified);
  if (g_str_equal (view_name, "confusion"))
    return GTK_WIDGET (self->confusion_matrix);
  if (g_str_equal (view_name, "boundary"))
    return GTK_WIDGET (self->boundary);
  if (g_str_equal (view_name, "weights"))
    return GTK_WIDGET (self->weights);
  if (g_str_equal (view_name, "features"))
    return GTK_WIDGET (self->feature_maps);
  return NULL;
}

const char *
bp_inspector_get_visible_view (BpInspector *self)
{
  return adw_view_stack_get_visible_child_name (self->stack);
}

void
bp_inspector_set_visible_view (BpInspector *self, const char *view_name)
{
  if (bp_inspector_get_view (self, view_name))
    adw_view_stack_set_visible_child_name (self->stack, view_name);
}

BpInspectState *
bp_inspector_get_state (BpInspector *self)
{
  return self->state;
}

gboolean
bp_inspector_export_view (BpInspector *self, const char *view_name, const char *path,
                          GError **error)
{
  g_return_val_if_fail (BP_IS_INSPECTOR (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!view_name || !bp_inspector_get_view (self, view_name))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "There is no view named “%s”.",
                   view_name ? view_name : "(null)");
      return FALSE;
    }

  if (g_str_equal (view_name, "confusion") && g_str_has_suffix (path, ".csv"))
    return bp_confusion_matrix_export_csv (self->confusion_matrix, path, error);
  if (g_str_equal (view_name, "predictions"))
    return bp_prediction_grid_export_png (self->prediction_grid, path, 0, 0, error);
  if (g_str_equal (view_name, "mistakes"))
    return bp_misclassified_export_png (self->misclassified, path, error);
  if (g_str_equal (view_name, "confusion"))
    return bp_confusion_matrix_export_png (self->confusion_matrix, path, 0, 0, error);
  if (g_str_equal (view_name, "boundary"))
    return bp_boundary_export_png (self->boundary, path, 0, 0, error);
  if (g_str_equal (view_name, "features"))
    return bp_feature_map_view_export_png (self->feature_maps, path, 0, 0, error);
  return bp_weights_export_png (self->weights, path, 0, 0, error);
}

static void
show_error (BpInspector *self, const GError *error)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (error->message));
  else
    {
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
      GtkWidget *dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                  "Export Failed", error->message);

      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", "_Close");
      gtk_window_present (GTK_WINDOW (dialog));
    }
}

static void
chooser_response_cb (GtkNativeDialog *dialog, int response, BpInspector *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      g_autoptr (GError) error = NULL;

      if (path && !bp_inspector_export_view (self, self->chooser_view, path, &error))
        show_error (self, error);
    }
  g_clear_object (&self->chooser);
}

static void
ask_and_export (BpInspector *self, const char *view, const char *suffix)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *name = g_strdup_printf ("%s%s", view, suffix);

  g_free (self->chooser_view);
  self->chooser_view = g_strdup (view);
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new ("Export View", GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_SAVE, "_Export", "_Cancel");
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
export_png_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  BpInspector *self = BP_INSPECTOR (widget);
  const char *view = bp_inspector_get_visible_view (self);

  ask_and_export (self, view ? view : "predictions", ".png");
}

static void
export_csv_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  ask_and_export (BP_INSPECTOR (widget), "confusion", ".csv");
}

static void
cell_activated_cb (BpInspector *self, int truth, int predicted)
{
  /* The matrix answers "which samples are these?": show exactly those. */
  bp_misclassified_set_filter (self->misclassified, truth, predicted);
  if (truth != predicted)
    adw_view_stack_set_visible_child_name (self->stack, "mistakes");
}

/* A click on a sample in Predictions or Mistakes picks it for the feature
 * maps; a double click (or Enter) shows them. */
static void
sample_selected_cb (BpInspector *self, int row)
{
  bp_feature_map_view_set_sample (self->feature_maps, row);
}

static void
sample_activated_cb (BpInspector *self, int row)
{
  bp_feature_map_view_set_sample (self->feature_maps, row);
  adw_view_stack_set_visible_child_name (self->stack, "features");
}

static void
bp_inspector_dispose (GObject *object)
{
  BpInspector *self = BP_INSPECTOR (object);

  if (self->chooser)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  gtk_widget_dispose_template (GTK_WIDGET (self), BP_TYPE_INSPECTOR);
  /* Unbound template children (the tool bar) are ours to unparent. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self)));)
    gtk_widget_unparent (child);
  g_clear_pointer (&self->state, bp_inspect_state_unref);
  g_clear_pointer (&self->chooser_view, g_free);

  G_OBJECT_CLASS (bp_inspector_parent_class)->dispose (object);
}

static void
bp_inspector_class_init (BpInspectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bp_inspector_dispose;

  g_type_ensure (BP_TYPE_BOUNDARY);
  g_type_ensure (BP_TYPE_CONFUSION_MATRIX);
  g_type_ensure (BP_TYPE_FEATURE_MAP_VIEW);
  g_type_ensure (BP_TYPE_MISCLASSIFIED);
  g_type_ensure (BP_TYPE_PREDICTION_GRID);
  g_type_ensure (BP_TYPE_WEIGHTS);
  g_type_ensure (BP_TYPE_WEIGHTS_LEGEND);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/backprop/Backprop/bp-inspector.ui");
  gtk_widget_class_bind_template_child (widget_class, BpInspector, boundary);
  gtk_widget_class_bind_template_child (widget_class, BpInspector, confusion_matrix);
  gtk_widget_class_bind_template_child (widget_class, BpInspector, feature_maps);
  gtk_widget_class_bind_template_child (widget_class, BpInspector, misclassified);
  gtk_widget_class_bind_template_child (widget_class, BpInspector, prediction_grid);
  gtk_widget_class_bind_template_child (widget_class, BpInspector, stack);
  gtk_widget_class_bind_template_child (widget_class, BpInspector, status_label);
  gtk_widget_class_bind_template_child (widget_class, BpInspector, weights);
  gtk_widget_class_bind_template_child (widget_class, BpInspector, weights_legend);

  gtk_widget_class_install_action (widget_class, "inspector.export-png", NULL, export_png_action);
  gtk_widget_class_install_action (widget_class, "inspector.export-csv", NULL, export_csv_action);

  gtk_widget_class_set_css_name (widget_class, "bpinspector");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
bp_inspector_init (BpInspector *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  bp_weights_legend_set_weights (self->weights_legend, self->weights);
  g_signal_connect_swapped (self->confusion_matrix, "cell-activated",
                            G_CALLBACK (cell_activated_cb), self);
  g_signal_connect_swapped (self->prediction_grid, "sample-selected",
                            G_CALLBACK (sample_selected_cb), self);
  g_signal_connect_swapped (self->prediction_grid, "sample-activated",
                            G_CALLBACK (sample_activated_cb), self);
  g_signal_connect_swapped (self->misclassified, "sample-selected",
                            G_CALLBACK (sample_selected_cb), self);
  g_signal_connect_swapped (self->misclassified, "sample-activated",
                            G_CALLBACK (sample_activated_cb), self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "inspector.export-csv", FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "What the network learned", -1);
  update_status (self);
}

GtkWidget *
bp_inspector_new (void)
{
  return g_object_new (BP_TYPE_INSPECTOR, NULL);
}
