/* bp-window-files.c: BpWindow's actions that ask for a file or a folder.
 *
 * Projects: New, Open (a .backprop project or a .safetensors model), Open
 * Recent (GtkRecentManager), Open Model, Save and Save As, the question
 * about unsaved changes before any of them throws the document away (and
 * before the window closes), and opening a file dropped on the window.
 * Projects are read and written on a thread (BpProject); a file that cannot
 * be opened is refused in a dialog and the project shown stays as it was.
 *
 * Export the curves (PNG, SVG, PDF or CSV, told by the name's extension),
 * save the trained model, choose the folder datasets are looked for in
 * (remembered in GSettings) and open a CSV file as a dataset. Each uses a
 * GtkFileChooserNative, so it is the portal's dialog inside a sandbox.
 */
#include "bp-window-private.h"

#include <string.h>

#include "bp-model.h"
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
                   "Give the file a name ending in .png, .svg, .pdf or .csv.");
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
                   "Curves can be saved as .png, .svg, .pdf or .csv, not as %s.", dot);
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


/* ---- projects and models ------------------------------------------------ */

#define RECENT_GROUP "backprop"
#define MAX_RECENT   8

static void
add_recent (GFile *file, gboolean project)
{
  g_autofree char *uri = g_file_get_uri (file);
  char *groups[] = { (char *) RECENT_GROUP, NULL };
  GtkRecentData data = {
    .mime_type = (char *) (project ? "application/x-backprop-project" : "application/octet-stream"),
    .app_name = (char *) g_get_application_name (),
    .app_exec = (char *) "backprop %u",
    .groups = groups,
  };

  if (data.app_name == NULL)
    data.app_name = (char *) "Backprop";
  gtk_recent_manager_add_full (gtk_recent_manager_get_default (), uri, &data);
}

static void
show_error_dialog (BpWindow *self, const char *heading, const GError *error)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, NULL);

  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog), error->message);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", "_Close");
  gtk_window_present (GTK_WINDOW (dialog));
}

static gboolean
is_model_file (GFile *file)
{
  g_autofree char *base = g_file_get_basename (file);

  return base && g_str_has_suffix (base, ".safetensors");
}

/* A model file as a new project: its network with its weights as the
 * state of a run that has not trained yet, ready to be inspected,
 * evaluated or trained further. */
static void
open_model (BpWindow *self, GFile *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *base = g_file_get_basename (file);
  g_autofree char *spec = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BpProject) project = NULL;
  g_autoptr(BpRunRecord) record = NULL;
  NnModelMeta *meta = NULL;
  NnNetwork *net;
  NnTrainConfig config;
  NnDataChoice choice;
  NnLossKind loss;

  net = path ? nn_model_load (path, &meta, &error) : NULL;
  if (net == NULL)
    {
      if (error == NULL)
        g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                     "Models can only be opened from a local file.");
      show_error_dialog (self, "Could Not Open the Model", error);
      return;
    }
  project = bp_project_new ();
  spec = nn_net_spec_to_string (nn_network_get_spec (net));
  bp_project_set_spec (project, spec);
  if (meta->dataset && (nn_data_is_generated (meta->dataset)
                        || g_str_has_prefix (meta->dataset, "csv:")
                        || g_strv_contains (nn_data_names (), meta->dataset)))
    bp_project_set_dataset (project, meta->dataset);
  else
    bp_project_set_dataset (project, bp_project_get_dataset (self->project));
  if (meta->loss && nn_loss_from_name (meta->loss, &loss))
    g_object_set (bp_project_get_settings (project), "loss", (guint) loss, NULL);
  bp_settings_to_config (bp_project_get_settings (project), &config);

  bp_project_get_data_choice (project, &choice);
  name = g_strdup_printf ("Model %s", base);
  record = bp_run_record_new (name, spec, nn_network_get_in_shape (net), &choice, &config,
                              meta->class_names);
  nn_data_choice_clear (&choice);
  bp_run_record_take_state (record, bp_train_state_new_from_network (net, &config));
  bp_project_add_run (project, record);
  nn_network_free (net);
  nn_model_meta_free (meta);

  _bp_window_set_project (self, project);
  add_recent (file, FALSE);
  _bp_window_toast (self, "Opened the model %s", base);
}

static void
open_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(BpWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BpProject) project = bp_project_load_finish (result, &error);

  if (self->closing)
    return;
  if (project == NULL)
    {
      /* The project shown stays as it was. */
      show_error_dialog (self, "Could Not Open the Project", error);
      return;
    }
  _bp_window_set_project (self, project);
  add_recent (bp_project_get_file (project), TRUE);
}

/* Opens @file in place of the current document, without asking. */
static void
open_file (BpWindow *self, GFile *file)
{
  if (is_model_file (file))
    open_model (self, file);
  else
    bp_project_load_async (file, NULL, open_done_cb, g_object_ref (self));
}

static gboolean
close_idle_cb (gpointer user_data)
{
  gtk_window_close (GTK_WINDOW (user_data));
  return G_SOURCE_REMOVE;
}

/* The next step once the user said what to do with unsaved changes. */
static void
proceed (BpWindow *self, const char *then)
{
  if (then == NULL)
    return;
  if (g_str_equal (then, "close"))
    {
      /* Not from inside the dialog's response: the window takes its
       * dialog with it. */
      self->close_confirmed = TRUE;
      g_idle_add_full (G_PRIORITY_DEFAULT, close_idle_cb, g_object_ref (self), g_object_unref);
    }
  else if (g_str_equal (then, "new"))
    {
      g_autoptr(BpProject) project = bp_project_new ();

      bp_project_set_dataset (project, bp_project_get_dataset (self->project));
      _bp_window_set_project (self, project);
    }
  else if (g_str_has_prefix (then, "open:"))
    {
      g_autoptr(GFile) file = g_file_new_for_uri (then + strlen ("open:"));

      open_file (self, file);
    }
}

typedef struct
{
  BpWindow *self;
  char     *then;
} SaveJob;

static void
save_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SaveJob *job = user_data;
  BpWindow *self = job->self;
  g_autoptr(GError) error = NULL;

  if (!bp_project_save_finish (BP_PROJECT (source), result, &error))
    show_error_dialog (self, "Could Not Save the Project", error);
  else
    {
      g_autofree char *title = bp_project_dup_title (BP_PROJECT (source));

      add_recent (bp_project_get_file (BP_PROJECT (source)), TRUE);
      if (source == G_OBJECT (self->project))
        {
          if (job->then == NULL)
            _bp_window_toast (self, "Saved “%s”", title);
          proceed (self, job->then);
        }
    }
  g_object_unref (job->self);
  g_free (job->then);
  g_free (job);
}

static void
save_now (BpWindow *self, GFile *file, const char *then)
{
  SaveJob *job = g_new0 (SaveJob, 1);

  job->self = g_object_ref (self);
  job->then = g_strdup (then);
  bp_project_save_async (self->project, file, NULL, save_done_cb, job);
}

/* Saves to @file, then goes on with @then. A run that is going is paused
 * first, so the file holds the weights that match its curves; the save
 * happens when the trainer has stopped and handed its state over. */
static void
save_to (BpWindow *self, GFile *file, const char *then)
{
  if (self->run && bp_run_is_alive (self->run) && bp_run_get_state (self->run) == BP_RUN_RUNNING)
    {
      g_set_object (&self->pending_save, file);
      g_free (self->pending_then);
      self->pending_then = g_strdup (then);
      bp_run_pause (self->run);
      _bp_window_set_run_state (self);
      return;
    }
  save_now (self, file, then);
}

void
_bp_window_save_pending (BpWindow *self)
{
  g_autoptr(GFile) file = g_steal_pointer (&self->pending_save);
  g_autofree char *then = g_steal_pointer (&self->pending_then);

  if (file)
    save_now (self, file, then);
}

static void
on_save_as_response_cb (GtkNativeDialog *dialog, int response, BpWindow *self)
{
  g_autoptr(GFile) file = response == GTK_RESPONSE_ACCEPT
                          ? gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog)) : NULL;
  g_autofree char *then = g_strdup (g_object_get_data (G_OBJECT (dialog), "then"));

  g_object_unref (dialog);
  if (file == NULL)
    return;
  save_to (self, file, then);
}

static void
ask_save_as (BpWindow *self, const char *then)
{
  GtkFileChooserNative *chooser;
  g_autofree char *title = bp_project_dup_title (self->project);
  g_autofree char *name = g_strconcat (title, ".backprop", NULL);

  chooser = new_chooser (self, "Save Project", GTK_FILE_CHOOSER_ACTION_SAVE, "_Save");
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  add_filter (chooser, "Backprop projects", "*.backprop");
  g_object_set_data_full (G_OBJECT (chooser), "then", g_strdup (then), g_free);
  g_signal_connect (chooser, "response", G_CALLBACK (on_save_as_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
save (BpWindow *self, const char *then)
{
  GFile *file = bp_project_get_file (self->project);

  if (file)
    save_to (self, file, then);
  else
    ask_save_as (self, then);
}

static void
on_discard_response_cb (AdwMessageDialog *dialog, const char *response, BpWindow *self)
{
  const char *then = g_object_get_data (G_OBJECT (dialog), "then");

  if (g_str_equal (response, "discard"))
    proceed (self, then);
  else if (g_str_equal (response, "save"))
    save (self, then);
}

void
_bp_window_confirm_discard (BpWindow *self, const char *then)
{
  g_autofree char *title = bp_project_dup_title (self->project);
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_WINDOW (self), "Save Changes?", NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  "“%s” has changes that are not saved: its network, settings "
                                  "or runs. Unsaved changes are lost.", title);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", "_Cancel",
                                    "discard", "_Discard",
                                    "save", "_Save",
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "then", g_strdup (then), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_discard_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Goes on to @then at once, or after asking about unsaved changes. */
static void
request (BpWindow *self, const char *then)
{
  if (bp_project_get_modified (self->project))
    _bp_window_confirm_discard (self, then);
  else
    proceed (self, then);
}

void
bp_window_open (BpWindow *self, GFile *file)
{
  g_autofree char *uri = NULL;
  g_autofree char *then = NULL;

  g_return_if_fail (BP_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));
  uri = g_file_get_uri (file);
  then = g_strconcat ("open:", uri, NULL);
  request (self, then);
}

void
bp_window_save_as (BpWindow *self, GFile *file)
{
  g_return_if_fail (BP_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));
  save_to (self, file, NULL);
}

static void
on_open_response_cb (GtkNativeDialog *dialog, int response, BpWindow *self)
{
  g_autoptr(GFile) file = response == GTK_RESPONSE_ACCEPT
                          ? gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog)) : NULL;

  g_object_unref (dialog);
  if (file)
    bp_window_open (self, file);
}

static void
open_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  BpWindow *self = BP_WINDOW (widget);
  gboolean model = g_str_equal (action_name, "win.open-model");
  GtkFileChooserNative *chooser;

  chooser = new_chooser (self, model ? "Open a Model" : "Open a Project",
                         GTK_FILE_CHOOSER_ACTION_OPEN, "_Open");
  if (!model)
    add_filter (chooser, "Backprop projects", "*.backprop");
  add_filter (chooser, "Safetensors models", "*.safetensors");
  g_signal_connect (chooser, "response", G_CALLBACK (on_open_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
open_recent_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  g_autoptr(GFile) file = g_file_new_for_uri (g_variant_get_string (param, NULL));

  bp_window_open (BP_WINDOW (widget), file);
}

static void
new_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  request (BP_WINDOW (widget), "new");
}

static void
save_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  BpWindow *self = BP_WINDOW (widget);

  if (g_str_equal (action_name, "win.save-as"))
    ask_save_as (self, NULL);
  else
    save (self, NULL);
}

static int
compare_recent (gconstpointer a, gconstpointer b)
{
  GDateTime *x = gtk_recent_info_get_modified (*(GtkRecentInfo **) a);
  GDateTime *y = gtk_recent_info_get_modified (*(GtkRecentInfo **) b);

  return g_date_time_compare (y, x);
}

/* The primary menu's Open Recent: the newest projects and models opened
 * or saved here. */
static void
fill_recent_menu (BpWindow *self)
{
  GList *items = gtk_recent_manager_get_items (gtk_recent_manager_get_default ());
  g_autoptr(GPtrArray) mine = g_ptr_array_new ();

  for (GList *l = items; l; l = l->next)
    if (gtk_recent_info_has_group (l->data, RECENT_GROUP) && gtk_recent_info_exists (l->data))
      g_ptr_array_add (mine, l->data);
  g_ptr_array_sort (mine, compare_recent);
  g_menu_remove_all (self->recent_menu);
  for (guint i = 0; i < MIN (mine->len, MAX_RECENT); i++)
    {
      GtkRecentInfo *info = g_ptr_array_index (mine, i);
      g_autoptr(GMenuItem) item = g_menu_item_new (gtk_recent_info_get_display_name (info), NULL);

      g_menu_item_set_action_and_target (item, "win.open-recent", "s",
                                         gtk_recent_info_get_uri (info));
      g_menu_append_item (self->recent_menu, item);
    }
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
}

static gboolean
on_drop_cb (GtkDropTarget *target, const GValue *value, double x, double y, BpWindow *self)
{
  GFile *file = g_value_get_object (value);

  if (file == NULL)
    return FALSE;
  bp_window_open (self, file);
  return TRUE;
}

void
_bp_window_init_files (BpWindow *self)
{
  GtkDropTarget *target = gtk_drop_target_new (G_TYPE_FILE, GDK_ACTION_COPY);

  g_signal_connect (target, "drop", G_CALLBACK (on_drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));
  g_signal_connect_object (gtk_recent_manager_get_default (), "changed",
                           G_CALLBACK (fill_recent_menu), self, G_CONNECT_SWAPPED);
  fill_recent_menu (self);
}

void
_bp_window_class_init_files (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.export-curves", NULL, export_curves_action);
  gtk_widget_class_install_action (widget_class, "win.save-model", NULL, save_model_action);
  gtk_widget_class_install_action (widget_class, "win.choose-data-folder", NULL,
                                   choose_data_folder_action);
  gtk_widget_class_install_action (widget_class, "win.new", NULL, new_action);
  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.open-model", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.open-recent", "s", open_recent_action);
  gtk_widget_class_install_action (widget_class, "win.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "win.save-as", NULL, save_action);
}
