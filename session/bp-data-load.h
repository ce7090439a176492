/* bp-data-load.h: a dataset loaded off the main thread.
 *
 * nn_data_load() in a GTask thread, with its progress brought back to the
 * caller's main context (coalesced: at most one pending idle). Generated
 * sets take a millisecond; a caller that wants no flicker loads those with
 * nn_data_load() directly.
 */
#pragma once

#include <gio/gio.h>

#include "nn-dataset.h"

G_BEGIN_DECLS

/* Called on the main context bp_data_load_async() was called from. */
typedef void (*BpProgressFunc) (double fraction, gpointer user_data);

/* Loads @name with @opts (copied, with its strings; its own progress
 * callback is replaced). @progress, if given, is called with @user_data, so
 * @user_data must live until @callback runs: pass the source object. */
void    bp_data_load_async  (GObject             *source_object,
                             const char          *name,
                             const NnDataOptions *opts,
                             GCancellable        *cancellable,
                             BpProgressFunc       progress,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data);
/* (transfer full) the data, or NULL with @error set. */
NnData *bp_data_load_finish (GAsyncResult *result, GError **error);
/* The name the load in @result was for. */
const char *bp_data_load_get_name (GAsyncResult *result);

G_END_DECLS
