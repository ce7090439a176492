/* bp-project.h: the document the window shows and edits.
 *
 * The network (as a spec string), the dataset chosen and its options, the
 * training settings (a BpSettings), the runs (a GListModel of BpRunRecord,
 * oldest first; the last is the current one) and where the document lives
 * (a GFile, NULL until saved). Any edit of these, and any point added to a
 * run, sets "modified"; saving clears it. It is written to and read from a
 * .backprop file through the engine's NnProject (engine/nn-project.h), on
 * a GTask thread. GLib and GIO only: widgets bind to the properties, tests
 * drive them without a display.
 */
#pragma once

#include <gio/gio.h>

#include "bp-run-record.h"
#include "bp-settings.h"

G_BEGIN_DECLS

#define BP_TYPE_PROJECT (bp_project_get_type ())
G_DECLARE_FINAL_TYPE (BpProject, bp_project, BP, PROJECT, GObject)

BpProject  *bp_project_new          (void);

BpSettings *bp_project_get_settings (BpProject *self);   /* borrowed, for the project's life */

/* The network, as nn_net_spec_to_string() writes it; "" when empty. */
const char *bp_project_get_spec     (BpProject *self);
void        bp_project_set_spec     (BpProject *self, const char *spec);
/* As nn_data_load() takes it: "xor", "mnist", "csv:/abs/path.csv". */
const char *bp_project_get_dataset  (BpProject *self);
void        bp_project_set_dataset  (BpProject *self, const char *dataset);
/* Generated sets' noise (< 0, as at first: the set's own default) and
 * training sample count (400 at first, as the sets have by default). */
double      bp_project_get_noise    (BpProject *self);
void        bp_project_set_noise    (BpProject *self, double noise);
int         bp_project_get_n_samples (BpProject *self);
void        bp_project_set_n_samples (BpProject *self, int n_samples);

/* A generated set with a noise level and a sample count: all but XOR,
 * whose four points are fixed. */
gboolean    bp_dataset_has_sample_options (const char *name);

/* What nn_data_load() needs to load the chosen data: @opts gets the seed,
 * the validation share and, for generated sets that have them, the noise
 * and the sample count (no data folder). Returns the name. */
const char *bp_project_get_data_options (BpProject *self, NnDataOptions *opts);

/* The same as an NnDataChoice (initialised here; clear it), without the
 * CSV checksum, which a save takes on its thread. */
void        bp_project_get_data_choice (BpProject *self, NnDataChoice *choice);

/* The runs, oldest first. (transfer none) */
GListModel  *bp_project_get_runs        (BpProject *self);
BpRunRecord *bp_project_get_current_run (BpProject *self);   /* borrowed, NULL when none */
void         bp_project_add_run         (BpProject *self, BpRunRecord *run);
void         bp_project_remove_run      (BpProject *self, BpRunRecord *run);

/* A deep copy as the engine's document, safe to hand to another thread.
 * (transfer full) */
NnProject  *bp_project_to_nn        (BpProject *self);
/* A document from the engine's (copied). (transfer full) */
BpProject  *bp_project_new_from_nn  (const NnProject *p);

/* Writes @file (atomically, through nn_project_save()) on a thread; on
 * success the project's file is @file and, unless it was edited meanwhile,
 * it is no longer modified. */
void        bp_project_save_async   (BpProject *self, GFile *file, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
gboolean    bp_project_save_finish  (BpProject *self, GAsyncResult *result, GError **error);
/* Reads @file on a thread; a corrupt or newer file is refused with the
 * engine's sentence. */
void        bp_project_load_async   (GFile *file, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
/* (transfer full) The project, its file set and not modified; NULL with @error. */
BpProject  *bp_project_load_finish  (GAsyncResult *result, GError **error);

gboolean    bp_project_get_modified (BpProject *self);
/* Grows at every change of the document (the count of edits so far): a
 * copy taken at one value is out of date once it has grown. */
guint64     bp_project_get_serial   (BpProject *self);
void        bp_project_set_modified (BpProject *self, gboolean modified);
GFile      *bp_project_get_file     (BpProject *self);   /* borrowed, NULL until saved */
void        bp_project_set_file     (BpProject *self, GFile *file);
/* The file's display name without ".backprop", or "Untitled Project". */
char       *bp_project_dup_title    (BpProject *self);

G_END_DECLS
