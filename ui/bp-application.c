/* bp-application.c: the Backprop application.
 *
 * One window per activation; app actions for quit and about; accelerators
 * that no text entry wants (the window binds the ones that entries use,
 * such as Space and Ctrl+Z, so that typing wins there). The shortcuts
 * window comes from resources/gtk/help-overlay.ui, which GtkApplication
 * loads by name and binds to Ctrl+?.
 */
#include "bp-application.h"

#include "bp-bench.h"
#include "bp-window.h"

struct _BpApplication
{
  AdwApplication  parent_instance;

  char           *bench_dataset;   /* --bench-responsiveness */
  int             bench_threads;
  int             bench_epochs;
};

G_DEFINE_FINAL_TYPE (BpApplication, bp_application, ADW_TYPE_APPLICATION)

static void
bp_application_activate (GApplication *app)
{
  BpApplication *self = BP_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL || self->bench_dataset != NULL)
    window = GTK_WINDOW (bp_window_new (ADW_APPLICATION (app)));
  gtk_window_present (window);
  if (self->bench_dataset != NULL)
    bp_bench_start (BP_WINDOW (window), app, self->bench_dataset, self->bench_epochs,
                    self->bench_threads);
}

/* `backprop FILE...` and the file manager: each project or model in a
 * window of its own, except that an untouched new window takes the first. */
static void
bp_application_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (app));

  for (int i = 0; i < n_files; i++)
    {
      BpWindow *window;

      if (i == 0 && BP_IS_WINDOW (active)
          && bp_project_get_file (bp_window_get_project (BP_WINDOW (active))) == NULL
          && !bp_project_get_modified (bp_window_get_project (BP_WINDOW (active))))
        window = BP_WINDOW (active);
      else
        window = bp_window_new (ADW_APPLICATION (app));
      gtk_window_present (GTK_WINDOW (window));
      bp_window_open (window, files[i]);
    }
}

static int
bp_application_handle_local_options (GApplication *app, GVariantDict *options)
{
  BpApplication *self = BP_APPLICATION (app);
  gboolean bench = FALSE;

  if (g_variant_dict_lookup (options, "bench-responsiveness", "b", &bench) && bench)
    {
      const char *dataset = "mnist";

      g_variant_dict_lookup (options, "bench-dataset", "&s", &dataset);
      self->bench_dataset = g_strdup (dataset);
      g_variant_dict_lookup (options, "bench-threads", "i", &self->bench_threads);
      g_variant_dict_lookup (options, "bench-epochs", "i", &self->bench_epochs);
      /* A measurement runs in its own process, never in a running instance. */
      g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);
    }
  return -1;
}

static void
quit_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  GList *windows = gtk_application_get_windows (app);

  /* Closing each window stops its run cleanly; one with unsaved changes
   * asks first, and stays if the user cancels. The application ends with
   * its last window. */
  while (windows != NULL)
    {
      GtkWindow *window = windows->data;

      windows = windows->next;
      gtk_window_close (window);
    }
}

static void
about_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  const char *developers[] = { "The Backprop developers", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (app),
                        "application-name", "Backprop",
                        "application-icon", "io.github.backprop.Backprop",
                        "version", PACKAGE_VERSION,
                        "developer-name", "The Backprop developers",
                        "developers", developers,
                        "comments", "Build a neural network from layers, train it on your "
                                    "computer and watch what it learns.",
                        "website", "https://github.com/backprop/backprop",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "copyright", "© 2024 The Backprop developers",
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated },
  { "about", about_activated },
};

static void
bp_application_startup (GApplication *app)
{
  static const char *train_accels[] = { "<Control>Return", NULL };
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *step_accels[] = { "<Control>period", NULL };
  static const struct { const char *action; const char *accel; } file_accels[] = {
    { "win.new", "<Control>n" },
    { "win.open", "<Control>o" },
    { "win.save", "<Control>s" },
    { "win.save-as", "<Control><Shift>s" },
  };

  G_APPLICATION_CLASS (bp_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.train", train_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.step-batch", step_accels);
  for (guint i = 0; i < G_N_ELEMENTS (file_accels); i++)
    {
      const char *accels[] = { file_accels[i].accel, NULL };

      gtk_application_set_accels_for_action (GTK_APPLICATION (app), file_accels[i].action, accels);
    }
}

static void
bp_application_finalize (GObject *object)
{
  BpApplication *self = BP_APPLICATION (object);

  g_free (self->bench_dataset);
  G_OBJECT_CLASS (bp_application_parent_class)->finalize (object);
}

static void
bp_application_class_init (BpApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = bp_application_finalize;
  app_class->activate = bp_application_activate;
  app_class->open = bp_application_open;
  app_class->startup = bp_application_startup;
  app_class->handle_local_options = bp_application_handle_local_options;
}

static const GOptionEntry options[] = {
  { "bench-responsiveness", 0, 0, G_OPTION_ARG_NONE, NULL,
    "Train one epoch of the MNIST MLP in the window and print how late a 10 ms timer fires", NULL },
  { "bench-dataset", 0, 0, G_OPTION_ARG_STRING, NULL,
    "The dataset for --bench-responsiveness (mnist)", "NAME" },
  { "bench-threads", 0, 0, G_OPTION_ARG_INT, NULL,
    "Engine threads for --bench-responsiveness (default: as the window trains)", "N" },
  { "bench-epochs", 0, 0, G_OPTION_ARG_INT, NULL,
    "Epochs for --bench-responsiveness (1)", "N" },
  { NULL }
};

static void
bp_application_init (BpApplication *self)
{
  self->bench_threads = 0;
  self->bench_epochs = 1;
  g_application_add_main_option_entries (G_APPLICATION (self), options);
}

BpApplication *
bp_application_new (void)
{
  return g_object_new (BP_TYPE_APPLICATION,
                       "application-id", "io.github.backprop.Backprop",
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/backprop/Backprop",
                       NULL);
}
