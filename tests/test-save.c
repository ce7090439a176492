/* test-save.c: safe saves (nn-save.h).
 *
 * What is at the path before a save decides what happens: a regular file
 * is replaced keeping its mode, a symlink's target is replaced and the link
 * stays, a FIFO or folder is refused and left as it was (and a FIFO does
 * not make the save hang). Saves that fail part way leave the old file and
 * no temporary file.
 */
#include "nn-save.h"
#include "test-util.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static char *tmp_root;

/* (transfer full) a new, empty folder for one test. */
static char *
fresh_dir (const char *name)
{
  char *dir = g_build_filename (tmp_root, name, NULL);

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  return dir;
}

static int
count_entries (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  int n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d) != NULL)
    n++;
  g_dir_close (d);
  return n;
}

static void
assert_contents (const char *path, const char *want)
{
  char *data = NULL;
  GError *error = NULL;

  g_assert_true (g_file_get_contents (path, &data, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (data, ==, want);
  g_free (data);
}

static void
put (const char *path, const char *text)
{
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static void
test_new_file (void)
{
  char *dir = fresh_dir ("new");
  char *path = g_build_filename (dir, "a.txt", NULL);
  GError *error = NULL;
  struct stat st;
  mode_t old_mask;

  /* The umask decides a new file's mode, as for any program's new file. */
  old_mask = umask (027);
  g_assert_true (nn_save_contents (path, "hello\n", 6, &error));
  umask (old_mask);
  g_assert_no_error (error);
  assert_contents (path, "hello\n");
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0640);
  g_assert_cmpint (count_entries (dir), ==, 1);

  /* An empty save is a valid empty file. */
  g_assert_true (nn_save_contents (path, "", 0, &error));
  g_assert_no_error (error);
  assert_contents (path, "");

  g_free (path);
  g_free (dir);
}

static void
test_keeps_mode (void)
{
  char *dir = fresh_dir ("mode");
  char *path = g_build_filename (dir, "secret.txt", NULL);
  GError *error = NULL;
  struct stat before, after;

  put (path, "old");
  g_assert_cmpint (g_chmod (path, 0600), ==, 0);
  g_assert_cmpint (g_stat (path, &before), ==, 0);
  g_assert_true (nn_save_contents (path, "new", 3, &error));
  g_assert_no_error (error);
  assert_contents (path, "new");
  g_assert_cmpint (g_stat (path, &after), ==, 0);
  g_assert_cmpint (after.st_mode & 07777, ==, 0600);
  /* Replaced by a rename, not rewritten in place. */
  g_assert_cmpuint (after.st_ino, !=, before.st_ino);

  g_assert_cmpint (g_chmod (path, 0751), ==, 0);
  g_assert_true (nn_save_contents (path, "newer", 5, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &after), ==, 0);
  g_assert_cmpint (after.st_mode & 07777, ==, 0751);
  g_assert_cmpint (count_entries (dir), ==, 1);

  g_free (path);
  g_free (dir);
}

static void
test_symlink (void)
{
  char *dir = fresh_dir ("link");
  char *sub = g_build_filename (dir, "sub", NULL);
  char *target = g_build_filename (sub, "real.txt", NULL);
  char *link = g_build_filename (dir, "link.txt", NULL);
  char *link2 = g_build_filename (dir, "link2.txt", NULL);
  char *dangling = g_build_filename (dir, "dangling.txt", NULL);
  char *made = g_build_filename (dir, "made.txt", NULL);
  char *to = NULL;
  GError *error = NULL;
  struct stat st;

  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
  put (target, "old");
  g_assert_cmpint (g_chmod (target, 0600), ==, 0);
  /* A relative link (resolved from the link's folder, not ours) and a
   * link to that link. */
  g_assert_cmpint (symlink ("sub/real.txt", link), ==, 0);
  g_assert_cmpint (symlink (link, link2), ==, 0);

  g_assert_true (nn_save_contents (link2, "new", 3, &error));
  g_assert_no_error (error);
  assert_contents (target, "new");
  g_assert_cmpint (g_lstat (link, &st), ==, 0);
  g_assert_true (S_ISLNK (st.st_mode));
  g_assert_cmpint (g_lstat (link2, &st), ==, 0);
  g_assert_true (S_ISLNK (st.st_mode));
  to = g_file_read_link (link, NULL);
  g_assert_cmpstr (to, ==, "sub/real.txt");
  g_assert_cmpint (g_stat (target, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
  /* No temporary file beside the links or beside the target. */
  g_assert_cmpint (count_entries (dir), ==, 3);
  g_assert_cmpint (count_entries (sub), ==, 1);

  /* A link to nothing yet: the file it names is created, as the shell's
   * "echo > link" does. */
  g_assert_cmpint (symlink ("made.txt", dangling), ==, 0);
  g_assert_true (nn_save_contents (dangling, "made", 4, &error));
  g_assert_no_error (error);
  assert_contents (made, "made");
  g_assert_cmpint (g_lstat (dangling, &st), ==, 0);
  g_assert_true (S_ISLNK (st.st_mode));

  g_free (to);
  g_free (made);
  g_free (dangling);
  g_free (link2);
  g_free (link);
  g_free (target);
  g_free (sub);
  g_free (dir);
}

static void
test_symlink_loop (void)
{
  char *dir = fresh_dir ("loop");
  char *a = g_build_filename (dir, "a", NULL);
  char *b = g_build_filename (dir, "b", NULL);
  GError *error = NULL;
  struct stat st;

  g_assert_cmpint (symlink ("b", a), ==, 0);
  g_assert_cmpint (symlink ("a", b), ==, 0);
  g_assert_false (nn_save_contents (a, "x", 1, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_IO);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_cmpint (g_lstat (a, &st), ==, 0);
  g_assert_true (S_ISLNK (st.st_mode));
  g_assert_cmpint (count_entries (dir), ==, 2);

  g_free (b);
  g_free (a);
  g_free (dir);
}

static void
test_fifo (void)
{
  char *dir = fresh_dir ("fifo");
  char *fifo = g_build_filename (dir, "pipe", NULL);
  char *link = g_build_filename (dir, "to-pipe", NULL);
  const char *paths[] = { fifo, link };
  struct stat st;

  g_assert_cmpint (mkfifo (fifo, 0640), ==, 0);
  g_assert_cmpint (symlink ("pipe", link), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      GError *error = NULL;
      NnSaveFile *f;

      test_guard_hang (10);
      g_assert_false (nn_save_contents (paths[i], "data", 4, &error));
      g_assert_error (error, NN_ERROR, NN_ERROR_NOT_REGULAR_FILE);
      g_assert_nonnull (strstr (error->message, paths[i]));
      g_assert_nonnull (strstr (error->message, "FIFO"));
      g_assert_true (g_str_has_suffix (error->message, "."));
      g_test_message ("%s", error->message);
      g_clear_error (&error);

      f = nn_save_begin (paths[i], &error);
      test_guard_hang (0);
      g_assert_null (f);
      g_assert_error (error, NN_ERROR, NN_ERROR_NOT_REGULAR_FILE);
      g_clear_error (&error);
    }
  g_assert_cmpint (g_lstat (fifo, &st), ==, 0);
  g_assert_true (S_ISFIFO (st.st_mode));
  g_assert_cmpint (st.st_mode & 07777, ==, 0640);
  g_assert_cmpint (g_lstat (link, &st), ==, 0);
  g_assert_true (S_ISLNK (st.st_mode));
  g_assert_cmpint (count_entries (dir), ==, 2);

  g_free (link);
  g_free (fifo);
  g_free (dir);
}

/* A device node: as root, `--save /dev/full` once turned the system's
 * /dev/full into a regular file. The node made here is a private twin of
 * /dev/null (char 1:3), so a save that wrongly replaced it harms nothing. */
static void
test_device (void)
{
  char *dir = fresh_dir ("device");
  char *node = g_build_filename (dir, "null", NULL);
  GError *error = NULL;
  struct stat st;

  if (mknod (node, S_IFCHR | 0644, makedev (1, 3)) != 0)
    {
      g_test_skip ("Making a device node needs root (CAP_MKNOD).");
      g_free (node);
      g_free (dir);
      return;
    }
  test_guard_hang (10);
  g_assert_false (nn_save_contents (node, "data", 4, &error));
  test_guard_hang (0);
  g_assert_error (error, NN_ERROR, NN_ERROR_NOT_REGULAR_FILE);
  g_assert_nonnull (strstr (error->message, node));
  g_assert_true (g_str_has_suffix (error->message, "."));
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_cmpint (g_lstat (node, &st), ==, 0);
  g_assert_true (S_ISCHR (st.st_mode));
  g_assert_cmpuint (st.st_rdev, ==, makedev (1, 3));
  g_assert_cmpint (count_entries (dir), ==, 1);

  g_free (node);
  g_free (dir);
}

static void
test_folder (void)
{
  char *dir = fresh_dir ("folder");
  char *folder = g_build_filename (dir, "a-folder", NULL);
  char *inside = g_build_filename (folder, "kept.txt", NULL);
  char *missing = g_build_filename (dir, "no-such-folder", "x.txt", NULL);
  GError *error = NULL;
  struct stat st;

  g_assert_cmpint (g_mkdir (folder, 0700), ==, 0);
  put (inside, "kept");
  g_assert_false (nn_save_contents (folder, "x", 1, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_NOT_REGULAR_FILE);
  g_assert_nonnull (strstr (error->message, "folder"));
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_cmpint (g_lstat (folder, &st), ==, 0);
  g_assert_true (S_ISDIR (st.st_mode));
  assert_contents (inside, "kept");
  g_assert_cmpint (count_entries (folder), ==, 1);

  /* A folder that is not there: an I/O error naming the path. */
  g_assert_false (nn_save_contents (missing, "x", 1, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_IO);
  g_assert_nonnull (strstr (error->message, missing));
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* No name at all. */
  g_assert_false (nn_save_contents ("", "x", 1, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpint (count_entries (dir), ==, 1);

  g_free (missing);
  g_free (inside);
  g_free (folder);
  g_free (dir);
}

static void
test_failed_write (void)
{
  char *dir = fresh_dir ("fails");
  char *path = g_build_filename (dir, "keep.txt", NULL);
  GError *error = NULL;
  gsize big_len = 256 * 1024;
  char *big = g_malloc (big_len);
  gboolean ok;

  memset (big, 'x', big_len);
  put (path, "old");
  test_limit_file_size (64 * 1024);
  ok = nn_save_contents (path, big, big_len, &error);
  test_limit_file_size (0);
  g_assert_false (ok);
  g_assert_error (error, NN_ERROR, NN_ERROR_IO);
  g_assert_nonnull (strstr (error->message, path));
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  assert_contents (path, "old");
  g_assert_cmpint (count_entries (dir), ==, 1);

  /* The same through the stream: a failed write makes the commit fail
   * even if the caller did not look at the write's result. */
  {
    NnSaveFile *f = nn_save_begin (path, &error);
    g_assert_no_error (error);
    test_limit_file_size (64 * 1024);
    ok = nn_save_write (f, big, big_len, NULL);
    test_limit_file_size (0);
    g_assert_false (ok);
    g_assert_false (nn_save_write (f, "more", 4, NULL));
    g_assert_false (nn_save_commit (f, &error));
    g_assert_error (error, NN_ERROR, NN_ERROR_IO);
    g_clear_error (&error);
  }
  assert_contents (path, "old");
  g_assert_cmpint (count_entries (dir), ==, 1);

  /* A file or a folder we may not write to, unless we are root (who may):
   * the rename alone would replace a read-only file, GIO refuses it. */
  if (geteuid () != 0)
    {
      g_assert_cmpint (g_chmod (path, 0444), ==, 0);
      g_assert_false (nn_save_contents (path, "new", 3, &error));
      g_assert_error (error, NN_ERROR, NN_ERROR_IO);
      g_test_message ("%s", error->message);
      g_clear_error (&error);
      g_assert_false (nn_save_check (path, &error));
      g_assert_error (error, NN_ERROR, NN_ERROR_IO);
      g_clear_error (&error);
      assert_contents (path, "old");
      g_assert_cmpint (g_chmod (path, 0644), ==, 0);

      g_assert_cmpint (g_chmod (dir, 0500), ==, 0);
      g_assert_false (nn_save_contents (path, "new", 3, &error));
      g_assert_error (error, NN_ERROR, NN_ERROR_IO);
      g_clear_error (&error);
      g_assert_cmpint (g_chmod (dir, 0700), ==, 0);
      assert_contents (path, "old");
      g_assert_cmpint (count_entries (dir), ==, 1);
    }

  g_free (big);
  g_free (path);
  g_free (dir);
}

static void
test_stream (void)
{
  char *dir = fresh_dir ("stream");
  char *path = g_build_filename (dir, "out.txt", NULL);
  GError *error = NULL;
  NnSaveFile *f;

  put (path, "old");
  /* Written in pieces, nothing visible until the commit. */
  f = nn_save_begin (path, &error);
  g_assert_no_error (error);
  g_assert_true (nn_save_write (f, "one ", 4, &error));
  g_assert_true (nn_save_write (f, "two", 3, &error));
  g_assert_no_error (error);
  assert_contents (path, "old");
  g_assert_cmpint (count_entries (dir), ==, 2);
  g_assert_true (nn_save_commit (f, &error));
  g_assert_no_error (error);
  assert_contents (path, "one two");
  g_assert_cmpint (count_entries (dir), ==, 1);

  /* Aborted: the old file stays, the temporary file goes. */
  f = nn_save_begin (path, &error);
  g_assert_no_error (error);
  g_assert_true (nn_save_write (f, "half", 4, &error));
  nn_save_abort (f);
  nn_save_abort (NULL);
  assert_contents (path, "one two");
  g_assert_cmpint (count_entries (dir), ==, 1);

  /* g_autoptr aborts a save that was not committed. */
  {
    g_autoptr(NnSaveFile) g = nn_save_begin (path, &error);
    g_assert_no_error (error);
    g_assert_true (nn_save_write (g, "dropped", 7, &error));
  }
  assert_contents (path, "one two");
  g_assert_cmpint (count_entries (dir), ==, 1);

  g_free (path);
  g_free (dir);
}

static void
test_hard_link (void)
{
  char *dir = fresh_dir ("hard");
  char *path = g_build_filename (dir, "a.txt", NULL);
  char *other = g_build_filename (dir, "b.txt", NULL);
  GError *error = NULL;

  /* Replaced as a new file under this name (never rewritten in place, so
   * a failed save cannot clobber it); the other name keeps the old text. */
  put (path, "old");
  g_assert_cmpint (link (path, other), ==, 0);
  g_assert_true (nn_save_contents (path, "new", 3, &error));
  g_assert_no_error (error);
  assert_contents (path, "new");
  assert_contents (other, "old");
  g_assert_cmpint (count_entries (dir), ==, 2);

  g_free (other);
  g_free (path);
  g_free (dir);
}

/* The look before a long run: the same verdicts, and nothing written. */
static void
test_check (void)
{
  char *dir = fresh_dir ("check");
  char *fifo = g_build_filename (dir, "pipe", NULL);
  char *file = g_build_filename (dir, "old.txt", NULL);
  char *fresh = g_build_filename (dir, "new.txt", NULL);
  char *missing = g_build_filename (dir, "no-such-folder", "x.txt", NULL);
  GError *error = NULL;

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  put (file, "old");
  test_guard_hang (10);
  g_assert_false (nn_save_check (fifo, &error));
  test_guard_hang (0);
  g_assert_error (error, NN_ERROR, NN_ERROR_NOT_REGULAR_FILE);
  g_clear_error (&error);
  g_assert_false (nn_save_check (dir, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_NOT_REGULAR_FILE);
  g_clear_error (&error);
  g_assert_false (nn_save_check (missing, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_IO);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);
  g_assert_false (nn_save_check ("", &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_true (nn_save_check (file, &error));
  g_assert_true (nn_save_check (fresh, &error));
  g_assert_no_error (error);
  assert_contents (file, "old");
  g_assert_false (g_file_test (fresh, G_FILE_TEST_EXISTS));
  g_assert_cmpint (count_entries (dir), ==, 2);

  /* A folder we may not write to, unless we are root (who may). */
  if (geteuid () != 0)
    {
      g_assert_cmpint (g_chmod (dir, 0500), ==, 0);
      g_assert_false (nn_save_check (fresh, &error));
      g_assert_error (error, NN_ERROR, NN_ERROR_IO);
      g_clear_error (&error);
      g_assert_cmpint (g_chmod (dir, 0700), ==, 0);
    }

  g_free (missing);
  g_free (fresh);
  g_free (file);
  g_free (fifo);
  g_free (dir);
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  tmp_root = g_dir_make_tmp ("backprop-save-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/engine/save/new-file", test_new_file);
  g_test_add_func ("/engine/save/keeps-mode", test_keeps_mode);
  g_test_add_func ("/engine/save/symlink", test_symlink);
  g_test_add_func ("/engine/save/symlink-loop", test_symlink_loop);
  g_test_add_func ("/engine/save/fifo", test_fifo);
  g_test_add_func ("/engine/save/device", test_device);
  g_test_add_func ("/engine/save/folder", test_folder);
  g_test_add_func ("/engine/save/failed-write", test_failed_write);
  g_test_add_func ("/engine/save/stream", test_stream);
  g_test_add_func ("/engine/save/hard-link", test_hard_link);
  g_test_add_func ("/engine/save/check", test_check);

  status = g_test_run ();
  test_remove_tree (tmp_root);
  g_free (tmp_root);
  return status;
}
