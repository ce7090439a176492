/* bp-window-files.c: BpWindow's actions that ask for a file or a folder.
 *
 * Export the curves (PNG, SVG, PDF or CSV, told by the name's extension),
 * save the trained model, choose the folder datasets are looked for in
 * (remembered in GSettings) and open a CSV file as a dataset. Each uses a
 * GtkFileChooserNative, so it is the portal's dialog inside a sandbox.
 */
#include "bp-window-private.h"

#include <string.h>

#include "nn-model-file.h"

static GtkFileChooserNative *
new_chooser (BpWindow *self, const char *title, GtkFileChooserAction action, const char *accept)
{
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self), action, accept, "_Cancel");
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  return chooser;
}

static void
add_filter (GtkFileChooserNative *chooser, const char *name, const char *pattern)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  gtk_file_filter_add_pattern (filter, pattern);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
}

static char *
chosen_path (GtkNativeDialog *dialog, int response)
{
  g_autoptr(GFile) file = NULL;

  if (response != GTK_RESPONSE_ACCEPT)
    return NULL;
  file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  return file ? g_file_get_path (file) : NULL;
}

/* ---- export curves ----------------------------------------------------- */

/* Writes the loss plot to @path and the accuracy plot beside it, with
 * "-accuracy" before the extension. Exposed to the tests through the
 * action's file name only. */
static gboolean
export_curves (BpWindow *self, const char *path, char **second, GError **error)
{
  const char *dot = strrchr (path, '.');
  const char *slash = strrchr (path, G_DIR_SEPARATOR);
  g_autofree char *stem = NULL;
  BpExportFormat format;

  if (dot == NULL || (slash && dot < slash))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                   "Give the file a name ending in .png, .svg, .pdf or .csv");
      return FALSE;
    }
  if (g_ascii_strcasecmp (dot, ".png") == 0)
    format = BP_EXPORT_PNG;
  else if (g_ascii_strcasecmp (dot, ".svg") == 0)
    format = BP_EXPORT_SVG;
  else if (g_ascii_strcasecmp (dot, ".pdf") == 0)
    format = BP_EXPORT_PDF;
  else if (g_ascii_strcasecmp (dot, ".csv") == 0)
    format = BP_EXPORT_CSV;
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                   "Curves can be saved as .png, .svg, .pdf or .csv, not as %s", dot);
      return FALSE;
    }
  stem = g_strndup (path, dot - path);
  *second = g_strdup_printf ("%s-accuracy%s", stem, dot);
  return bp_plot_export (self->loss_plot, path, format, 900, 500, error)
         && bp_plot_export (self->accuracy_plot, *second, format, 900, 500, error);
}

static void
on_export_response_cb (GtkNativeDialog *dialog, int response, BpWindow *self)
{
  g_autofree char *path = chosen_path (dialog, response);
  g_autofree char *second = NULL;
  g_autofree char *base = NULL;
  g_autoptr(GError) error = NULL;

  g_object_unref (dialog);
  if (path == NULL)
    return;
  if (!export_curves (self, path, &second, &error))
    _bp_window_toast (self, "Could not export the curves: %s", error->message);
  else
    {
      base = g_path_get_basename (second);
      _bp_window_toast (self, "Saved the loss curve, and the accuracy curve as %s", base);
    }
}

static void
export_curves_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  BpWindow *self = BP_WINDOW (widget);
  GtkFileChooserNative *chooser;

  chooser = new_chooser (self, "Export Curves", GTK_FILE_CHOOSER_ACTION_SAVE, "_Export");
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "curves.png");
  add_filter (chooser, "PNG image", "*.png");
  add_filter (chooser, "SVG image", "*.svg");
  add_filter (chooser, "PDF document", "*.pdf");
  add_filter (chooser, "CSV numbers", "*.csv");
  g_signal_connect (chooser, "response", G_CALLBACK (on_export_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ---- save model -------------------------------------------------------- */

static void
on_save_model_response_cb (GtkNativeDialog *dialog, int response, BpWindow *self)
{
  g_autofree char *path = chosen_path (dialog, response);
  g_autoptr(GError) error = NULL;
  NnTrainer *trainer;
  NnNetwork *net;
  NnData *data;
  g_autofree char *spec = NULL;
  NnModelMeta meta = { 0 };

  g_object_unref (dialog);
  /* The run may have been reset or started again while the dialog was up. */
  if (path == NULL || self->run == NULL || bp_run_is_alive (self->run))
    return;

  trainer = bp_run_get_trainer (self->run);
  net = nn_trainer_get_network (trainer);
  data = nn_trainer_get_data (trainer);
  spec = nn_net_spec_to_string (nn_network_get_spec (net));
  meta.spec = spec;
  meta.in_shape = nn_network_get_in_shape (net);
  meta.dataset = data->name;
  meta.loss = (char *) nn_loss_name (nn_trainer_get_config (trainer)->loss);
  meta.class_names = data->class_names;
  if (!nn_model_save (path, net, &meta, &error))
    _bp_window_toast (self, "Could not save the model: %s", error->message);
  else
    {
      g_autofree char *base = g_path_get_basename (path);
      _bp_window_toast (self, "Saved the model as %s", base);
    }
}

static void
save_model_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  BpWindow *self = BP_WINDOW (widget);
  GtkFileChooserNative *chooser;
  g_autofree char *name = g_strdup_printf ("%s.safetensors",
                                           self->data ? self->data->name : "model");

  g_strdelimit (name, ":/", '-');
  chooser = new_chooser (self, "Save Model", GTK_FILE_CHOOSER_ACTION_SAVE, "_Save");
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  add_filter (chooser, "Safetensors model", "*.safetensors");
  g_signal_connect (chooser, "response", G_CALLBACK (on_save_model_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ---- dataset folder ---------------------------------------------------- */

static void
on_folder_response_cb (GtkNativeDialog *dialog, int response, BpWindow *self)
{
  g_autofree char *path = chosen_path (dialog, response);
  g_autofree char *dataset = g_strdup (g_object_get_data (G_OBJECT (dialog), "dataset"));

  g_object_unref (dialog);
  if (path == NULL)
    return;
  g_settings_set_string (self->settings, "data-folder", path);
  if (dataset != NULL)
    bp_window_set_dataset (self, dataset);
  else if (!nn_data_is_generated (bp_project_get_dataset (self->project))
           && !g_str_has_prefix (bp_project_get_dataset (self->project), "csv:"))
    /* Only the sets that live in the folder change with it: a run on
     * a generated set or a CSV file goes on. */
    _bp_window_reload (self);
}

/* @dataset: (nullable) the set to load from the folder chosen, e.g. the
 * one that was not found; NULL reloads the current one if it is read
 * from the folder. */
void
_bp_window_choose_data_folder (BpWindow *self, const char *dataset)
{
  GtkFileChooserNative *chooser;

  chooser = new_chooser (self, "Choose the Folder With the Datasets",
                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, "_Choose");
  g_object_set_data_full (G_OBJECT (chooser), "dataset", g_strdup (dataset), g_free);
  g_signal_connect (chooser, "response", G_CALLBACK (on_folder_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
choose_data_folder_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  _bp_window_choose_data_folder (BP_WINDOW (widget), NULL);
}

/* ---- CSV files --------------------------------------------------------- */

static void
on_csv_response_cb (GtkNativeDialog *dialog, int response, BpWindow *self)
{
  g_autofree char *path = chosen_path (dialog, response);
  g_autofree char *name = NULL;

  g_object_unref (dialog);
  if (path == NULL)
    {
      /* Back to the dataset that is still loaded. */
      _bp_window_select_dataset_row (self);
      return;
    }
  name = g_strconcat ("csv:", path, NULL);
  bp_window_set_dataset (self, name);
}

void
_bp_window_choose_csv (BpWindow *self)
{
  GtkFileChooserNative *chooser;

  chooser = new_chooser (self, "Open a CSV File", GTK_FILE_CHOOSER_ACTION_OPEN, "_Open");
  add_filter (chooser, "CSV files", "*.csv");
  g_signal_connect (chooser, "response", G_CALLBACK (on_csv_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

void
_bp_window_class_init_files (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.export-curves", NULL, export_curves_action);
  gtk_widget_class_install_action (widget_class, "win.save-model", NULL, save_model_action);
  gtk_widget_class_install_action (widget_class, "win.choose-data-folder", NULL,
                                   choose_data_folder_action);
}
