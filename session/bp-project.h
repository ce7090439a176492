/* bp-project.h: the document the window shows and edits.
 *
 * The network (as a spec string), the dataset chosen and its options, the
 * training settings (a BpSettings) and where the document lives (a GFile,
 * NULL until saved). Any edit of these sets "modified"; saving clears it.
 * GLib and GIO only: widgets bind to the properties, tests drive them
 * without a display.
 */
#pragma once

#include <gio/gio.h>

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
/* Generated sets' noise and training sample count (400 at first, as the
 * sets have by default; 0 means the set's default). */
double      bp_project_get_noise    (BpProject *self);
void        bp_project_set_noise    (BpProject *self, double noise);
int         bp_project_get_n_samples (BpProject *self);
void        bp_project_set_n_samples (BpProject *self, int n_samples);

gboolean    bp_project_get_modified (BpProject *self);
void        bp_project_set_modified (BpProject *self, gboolean modified);
GFile      *bp_project_get_file     (BpProject *self);   /* borrowed, NULL until saved */
void        bp_project_set_file     (BpProject *self, GFile *file);
/* The file's display name without ".backprop", or "Untitled Project". */
char       *bp_project_dup_title    (BpProject *self);

G_END_DECLS
