/* bp-window-private.h: BpWindow's instance struct, shared by the files
 * it is split into: bp-window.c (layout, lifecycle, data, runs),
 * bp-window-actions.c (the actions and their enabling), bp-window-status.c
 * (the status line) and bp-window-files.c (the actions that ask for a file
 * or folder). Not for other classes. */
#pragma once

#include "bp-window.h"

#include "bp-data-load.h"
#include "bp-project.h"

G_BEGIN_DECLS

typedef struct
{
  const char *name;    /* as nn_data_load() takes it; "csv" asks for a file */
  const char *title;   /* for the dataset list */
  double      noise;   /* the set's default noise, 0 when it has none */
} BpDatasetEntry;

/* Where the run is, merged from its updates (each carries only what
 * changed since the last); for the status line. */
typedef struct _AutosaveJob AutosaveJob;

typedef struct
{
  int      epoch;               /* epochs finished */
  int      epochs;
  int      batch;               /* batches done in the current epoch */
  int      n_batches;
  double   elapsed;
  double   samples_per_second;
  double   remaining;
  gboolean finished;
} BpWindowProgress;

extern const BpDatasetEntry _bp_datasets[];
extern const guint          _bp_n_datasets;

struct _BpWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets */
  BpPlot               *accuracy_plot;
  GtkLabel             *batch_label;
  GtkSpinButton        *batch_spin;
  AdwComboRow          *dataset_row;
  GtkLabel             *epoch_label;
  GtkSpinButton        *epochs_spin;
  AdwFlap              *flap;
  AdwComboRow          *init_row;
  BpInspector          *inspector;
  BpPlot               *loss_plot;
  AdwComboRow          *loss_row;
  GtkSpinButton        *lr_spin;
  AdwActionRow         *noise_row;
  GtkSpinButton        *noise_spin;
  AdwComboRow          *optimizer_row;
  BpLayerPanel         *panel;
  GtkButton            *pause_button;
  GtkProgressBar       *progress_bar;
  GtkLabel             *rate_label;
  GtkLabel             *result_label;
  AdwActionRow         *samples_row;
  GtkSpinButton        *samples_spin;
  GtkSpinButton        *seed_spin;
  GtkLabel             *state_label;
  AdwViewSwitcherTitle *switcher_title;
  AdwWindowTitle       *project_title;
  GtkLabel             *time_label;
  AdwToastOverlay      *toast_overlay;
  GtkButton            *train_button;
  GtkSpinButton        *val_spin;
  AdwViewStack         *view_stack;

  /* Owned */
  GSettings            *settings;
  BpProject            *project;        /* the document: network, dataset choice, settings */
  NnData               *data;           /* the loaded data; kept while a new set loads and after a failed load */
  char                 *loaded_name;    /* the name of @data's set, to spot a new dataset */
  char                 *load_error;
  GCancellable         *load_cancellable; /* the load in flight, NULL when none */
  BpRun                *run;
  BpRunRecord          *record;         /* the run shown: the current run's, or one opened */
  GPtrArray            *bindings;       /* GBinding from the document to the widgets */
  GMenu                *recent_menu;    /* the primary menu's Open Recent */
  GFile                *pending_save;   /* a save waiting for the run to pause */
  char                 *pending_then;   /* the step after that save (see proceed()) */
  GError               *run_error;
  BpRunRecord          *shelf;          /* the last run put aside, for Undo (in the project) */
  BpInspectState       *pending_inspect; /* newest state not yet shown: the views are hidden */

  AutosaveJob          *autosave_task_job; /* the copy being written, owned by its task */
  guint                 autosave_source;
  guint                 autosave_offer_source;
  guint                 autosave_interval;
  guint64               autosave_serial;  /* the project's serial when the last copy was taken */
  gboolean              autosave_in_flight;
  gboolean              autosave_failed;
  gboolean              autosave_offered;
  BpRun                *autosave_asked;  /* (not owned, compared only) the running run asked
                                          * for its state, the copy waiting for it */

  guint                 series[BP_N_CURVES];
  BpWindowProgress      progress;
  double                load_fraction;
  int                   blas_threads;
  BpRunState            run_state;
  int                   test_correct;
  int                   test_n;
  double                samples_per_second;
  guint                 loading : 1;
  guint                 updating : 1;   /* setting widgets from code: handlers stay quiet */
  guint                 reverting : 1;
  guint                 run_stale : 1;  /* settings changed: the next Train starts over */
  guint                 first_load : 1;
  guint                 restoring : 1;  /* a project opened: its data loads, its run stays */
  guint                 closing : 1;
  guint                 no_shelve : 1;  /* the run ends with its document: no Undo */
  guint                 close_confirmed : 1; /* the user chose to close with unsaved changes */
  guint                 resume_on_keep : 1; /* the run was going when an edit asked to reset it */
};

void _bp_window_toast            (BpWindow *self, const char *format, ...) G_GNUC_PRINTF (2, 3);
void _bp_window_reset_run        (BpWindow *self);
void _bp_window_reload           (BpWindow *self);
void _bp_window_select_dataset_row (BpWindow *self);
void _bp_window_fill_config      (BpWindow *self, NnTrainConfig *config);
void _bp_window_choose_csv       (BpWindow *self);
void _bp_window_choose_data_folder (BpWindow *self, const char *dataset);
void _bp_window_class_init_files (GtkWidgetClass *widget_class);
void _bp_window_init_files       (BpWindow *self);
void _bp_window_save_pending     (BpWindow *self);
/* Asks what to do with unsaved changes before @then ("close", "new",
 * "open:URI"); Save saves first, Discard goes ahead, Cancel does nothing. */
void _bp_window_confirm_discard  (BpWindow *self, const char *then);

/* bp-window.c */
void _bp_window_set_project      (BpWindow *self, BpProject *project);
BpProject *_bp_window_get_project (BpWindow *self);
gboolean _bp_window_ensure_run   (BpWindow *self);
void _bp_window_set_run_state    (BpWindow *self);

/* bp-window-autosave.c */
char *_bp_window_autosave_path   (void);
void _bp_window_init_autosave    (BpWindow *self);
void _bp_window_end_autosave     (BpWindow *self, gboolean clean);
void _bp_window_autosave_state_came (BpWindow *self);

/* bp-window-shelf.c */
void _bp_window_shelve_run       (BpWindow *self);
void _bp_window_class_init_shelf (GtkWidgetClass *widget_class);

/* bp-window-actions.c */
void _bp_window_update_actions   (BpWindow *self);
void _bp_window_class_init_actions (GtkWidgetClass *widget_class);
void _bp_window_init_actions     (BpWindow *self);

/* bp-window-status.c */
void _bp_window_take_progress    (BpWindow *self, const BpRunUpdate *u);
void _bp_window_update_status    (BpWindow *self);

G_END_DECLS
