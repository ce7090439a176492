/* nn-save.c: safe saves (see the header).
 *
 * Why not g_file_replace() itself: tried on GLib 2.74, with
 * G_FILE_CREATE_NONE it keeps a replaced file's mode and leaves the old
 * file intact when the write is cancelled, but
 *   - it opens the target for writing before it looks at what it is, so a
 *     save onto a FIFO blocks until someone reads the pipe;
 *   - for a symlink, a file with several hard links, or a file whose owner
 *     it cannot copy to the temporary file, it truncates the target in place
 *     and writes into it, so a save that fails part way leaves it clobbered.
 * So this file does what g_file_replace() does in its usual case, for every
 * case, with GLib's own pieces (g_mkstemp_full, g_file_read_link, g_rename):
 *   1. Follow symlinks by hand (g_file_read_link, at most MAX_LINKS hops) to
 *      the path that will really be replaced; the links themselves stay.
 *   2. lstat() that path, never open() it: anything there that is not a
 *      regular file is refused, untouched, before any file is opened, and
 *      so is a file we may not write to (read-only to us), as GIO does.
 *   3. Write a temporary ".NAME.XXXXXX" in the same folder (so the rename
 *      stays on one file system) with the old file's mode and, where we may,
 *      its owner; a new file is created 0666 and the umask does the rest.
 *   4. fsync() it, rename it over the target, fsync() the folder (best
 *      effort), so a crash leaves the old file or the new one, never neither.
 * Any failure unlinks the temporary file. A file with several hard links
 * is replaced by a new file under this name (its other names keep the old
 * contents), as an editor's safe save does; g_file_replace() would rewrite
 * it in place instead and lose it on a failed write.
 *
 * What this cannot guard against: something replacing the target by a
 * FIFO between the lstat() and the rename() would itself be replaced; and
 * a process killed in the middle of a save leaves its hidden temporary
 * file behind (the target itself is never half-written).
 */
#include "nn-save.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

/* As Linux's own limit on symlinks followed in one lookup (MAXSYMLINKS). */
#define MAX_LINKS 40
/* Keeps ".NAME.XXXXXX" within NAME_MAX for a long NAME. */
#define MAX_TEMP_BASE 200

struct _NnSaveFile
{
  char *display;   /* the path the caller gave, for messages */
  char *target;    /* the path renamed over: @display with its links followed */
  char *tmp;       /* the temporary file beside @target */
  int   fd;
  int   failed;    /* errno of the first failed write, or 0 */
};

static void
set_io_error (GError **error, const char *display, int err)
{
  g_set_error (error, NN_ERROR, NN_ERROR_IO, "Could not save “%s”: %s.", display,
               g_strerror (err));
}

static const char *
kind_of (mode_t mode)
{
  if (S_ISDIR (mode))
    return "a folder";
  if (S_ISFIFO (mode))
    return "a named pipe (FIFO)";
  if (S_ISCHR (mode))
    return "a character device";
  if (S_ISBLK (mode))
    return "a block device";
  if (S_ISSOCK (mode))
    return "a socket";
  return "something else";
}

/* (transfer full) @path with every symlink on its last component followed;
 * @st is what is there (lstat) and @exists says whether anything is. */
static char *
follow_links (const char *path, const char *display, struct stat *st, gboolean *exists,
              GError **error)
{
  char *p = g_strdup (path);

  for (int hops = 0;; hops++)
    {
      GError *link_error = NULL;
      char *to, *next;

      if (g_lstat (p, st) != 0)
        {
          int err = errno;
          if (err == ENOENT)
            {
              *exists = FALSE;
              return p;
            }
          set_io_error (error, display, err);
          g_free (p);
          return NULL;
        }
      if (!S_ISLNK (st->st_mode))
        {
          *exists = TRUE;
          return p;
        }
      if (hops == MAX_LINKS)
        {
          set_io_error (error, display, ELOOP);
          g_free (p);
          return NULL;
        }
      to = g_file_read_link (p, &link_error);
      if (to == NULL)
        {
          g_set_error (error, NN_ERROR, NN_ERROR_IO, "Could not save “%s”: %s.", display,
                       link_error->message);
          g_error_free (link_error);
          g_free (p);
          return NULL;
        }
      if (g_path_is_absolute (to))
        next = g_steal_pointer (&to);
      else
        {
          char *dir = g_path_get_dirname (p);
          next = g_build_filename (dir, to, NULL);
          g_free (dir);
        }
      g_free (to);
      g_free (p);
      p = next;
    }
}

static void
save_file_free (NnSaveFile *f)
{
  g_free (f->display);
  g_free (f->target);
  g_free (f->tmp);
  g_free (f);
}

/* (transfer full) the path a save to @path replaces, or NULL with @error
 * when there is none or what is there is not a regular file. */
static char *
save_target (const char *path, const char *display, struct stat *st, gboolean *exists,
             GError **error)
{
  char *target;

  if (path == NULL || *path == '\0')
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT, "Saving needs a file name.");
      return NULL;
    }
  target = follow_links (path, display, st, exists, error);
  if (target != NULL && *exists && !S_ISREG (st->st_mode))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_NOT_REGULAR_FILE,
                   "Will not save to “%s”: it is %s, not a regular file.", display,
                   kind_of (st->st_mode));
      g_clear_pointer (&target, g_free);
    }
  /* A file its owner made read-only is not replaced behind their back,
   * though the rename alone would be allowed: g_file_replace() refuses it
   * too (it opens the file for writing). Root may, as with GIO. */
  else if (target != NULL && *exists && g_access (target, W_OK) != 0)
    {
      set_io_error (error, display, errno);
      g_clear_pointer (&target, g_free);
    }
  return target;
}

gboolean
nn_save_check (const char *path, GError **error)
{
  char *display = g_filename_display_name (path ? path : "");
  struct stat st;
  gboolean exists = FALSE, ok = FALSE;
  char *target = save_target (path, display, &st, &exists, error);

  if (target != NULL)
    {
      char *dir = g_path_get_dirname (target);

      /* What g_mkstemp_full() in that folder needs. */
      ok = g_access (dir, W_OK | X_OK) == 0;
      if (!ok)
        set_io_error (error, display, errno);
      g_free (dir);
    }
  g_free (target);
  g_free (display);
  return ok;
}

NnSaveFile *
nn_save_begin (const char *path, GError **error)
{
  NnSaveFile *f;
  struct stat st;
  gboolean exists = FALSE;
  char *dir, *base, *short_base, *templ;

  f = g_new0 (NnSaveFile, 1);
  f->fd = -1;
  f->display = g_filename_display_name (path ? path : "");
  f->target = save_target (path, f->display, &st, &exists, error);
  if (f->target == NULL)
    goto fail;

  dir = g_path_get_dirname (f->target);
  base = g_path_get_basename (f->target);
  short_base = g_strndup (base, MAX_TEMP_BASE);
  templ = g_strdup_printf (".%s.XXXXXX", short_base);
  f->tmp = g_build_filename (dir, templ, NULL);
  g_free (templ);
  g_free (short_base);
  g_free (base);
  g_free (dir);

  f->fd = g_mkstemp_full (f->tmp, O_WRONLY | O_CLOEXEC, 0666);
  if (f->fd < 0)
    {
      set_io_error (error, f->display, errno);
      g_clear_pointer (&f->tmp, g_free);
      goto fail;
    }
  if (exists)
    {
      /* Owner first: fchown() clears set-user-ID bits that fchmod() then
       * restores. Only root may give a file away; anyone else gets the new
       * file as their own, as with any editor's save. */
      if ((st.st_uid != geteuid () || st.st_gid != getegid ())
          && fchown (f->fd, st.st_uid, st.st_gid) != 0)
        (void) (fchown (f->fd, (uid_t) -1, st.st_gid) != 0);
      if (fchmod (f->fd, st.st_mode & 07777) != 0)
        {
          set_io_error (error, f->display, errno);
          goto fail;
        }
    }
  return f;

fail:
  nn_save_abort (f);
  return NULL;
}

gboolean
nn_save_write (NnSaveFile *f, const void *data, size_t len, GError **error)
{
  const guint8 *p = data;

  g_return_val_if_fail (f != NULL, FALSE);
  if (f->failed)
    {
      set_io_error (error, f->display, f->failed);
      return FALSE;
    }
  while (len > 0)
    {
      ssize_t done = write (f->fd, p, len);
      if (done < 0 && errno == EINTR)
        continue;
      if (done <= 0)
        {
          f->failed = done < 0 ? errno : EIO;
          set_io_error (error, f->display, f->failed);
          return FALSE;
        }
      p += done;
      len -= (size_t) done;
    }
  return TRUE;
}

/* Best effort: makes the rename itself survive a crash. */
static void
sync_folder (const char *target)
{
  char *dir = g_path_get_dirname (target);
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd >= 0)
    {
      (void) (fsync (fd) != 0);
      close (fd);
    }
  g_free (dir);
}

gboolean
nn_save_commit (NnSaveFile *f, GError **error)
{
  int err = 0;

  g_return_val_if_fail (f != NULL, FALSE);
  err = f->failed;
  /* Flushed before the rename, or a crash could leave an empty file where
   * the old one was. */
  if (err == 0 && fsync (f->fd) != 0)
    err = errno;
  if (close (f->fd) != 0 && err == 0)
    err = errno;
  f->fd = -1;
  if (err == 0 && g_rename (f->tmp, f->target) != 0)
    err = errno;
  if (err != 0)
    {
      set_io_error (error, f->display, err);
      nn_save_abort (f);
      return FALSE;
    }
  sync_folder (f->target);
  save_file_free (f);
  return TRUE;
}

void
nn_save_abort (NnSaveFile *f)
{
  if (f == NULL)
    return;
  if (f->fd >= 0)
    close (f->fd);
  if (f->tmp != NULL)
    g_unlink (f->tmp);
  save_file_free (f);
}

gboolean
nn_save_contents (const char *path, const void *data, size_t len, GError **error)
{
  NnSaveFile *f = nn_save_begin (path, error);

  if (f == NULL)
    return FALSE;
  if (!nn_save_write (f, data, len, error))
    {
      nn_save_abort (f);
      return FALSE;
    }
  return nn_save_commit (f, error);
}
