/* nn-save.h: the one way the project writes a file the user named.
 *
 * Every writer (models, curves as CSV/PNG/SVG/PDF, exports, project files)
 * goes through here, so they all behave as GIO's g_file_replace() promises:
 * a symlink is followed (its target is replaced, the link stays a link);
 * a FIFO, device node, folder or socket at the path is refused with one
 * sentence (NN_ERROR_NOT_REGULAR_FILE) before anything is opened, and is
 * left as it was; an existing file keeps its mode; a new one gets
 * 0666 minus the umask. The data goes to a temporary file in the same
 * folder, is flushed to disk and renamed over the target, so on any failure
 * (NN_ERROR_IO) the old file is intact and no temporary file remains.
 */
#pragma once

#include "nn-types.h"

G_BEGIN_DECLS

/* Writes @len bytes of @data to @path as described above. */
gboolean    nn_save_contents (const char *path, const void *data, size_t len, GError **error);

/* Whether a save to @path would be refused now, without writing anything:
 * for a caller about to do long work (a training run) before it saves.
 * FALSE with the error nn_save_begin() would give for what is at @path, or
 * NN_ERROR_IO when its folder is missing or not writable. A later save may
 * still fail (a full disk). */
gboolean    nn_save_check    (const char *path, GError **error);

/* The same, streamed, for writers too big to build in memory first:
 * begin, write any number of times, then commit (or abort). A write that
 * fails makes the commit fail too, so a caller may check only the commit. */
typedef struct _NnSaveFile NnSaveFile;

/* (transfer full) NULL with @error set if @path cannot be saved to; nothing
 * at @path has been touched then. */
NnSaveFile *nn_save_begin    (const char *path, GError **error);
gboolean    nn_save_write    (NnSaveFile *f, const void *data, size_t len, GError **error);
/* Renames the written data over the target. Frees @f, whatever the result. */
gboolean    nn_save_commit   (NnSaveFile *f, GError **error);
/* Drops what was written and removes the temporary file; the target is not
 * touched. Frees @f; NULL is allowed. */
void        nn_save_abort    (NnSaveFile *f);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnSaveFile, nn_save_abort)

G_END_DECLS
