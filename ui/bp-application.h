/* bp-application.h: the Backprop application: app actions (quit, about),
 * accelerators, and the --bench-responsiveness mode. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define BP_TYPE_APPLICATION (bp_application_get_type ())
G_DECLARE_FINAL_TYPE (BpApplication, bp_application, BP, APPLICATION, AdwApplication)

BpApplication *bp_application_new (void);

G_END_DECLS
