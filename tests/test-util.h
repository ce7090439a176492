/* test-util.h: small helpers shared by the engine tests (header only). */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

/* Deletes @path and, if it is a folder, everything below it. */
static inline void
test_remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);

  if (dir != NULL)
    {
      const char *name;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          char *child = g_build_filename (path, name, NULL);
          test_remove_tree (child);
          g_free (child);
        }
      g_dir_close (dir);
    }
  g_remove (path);
}

/* With @bytes > 0, makes any write past @bytes of a file fail with EFBIG:
 * a stand-in for a full disk that works for root too. 0 lifts it again. */
static inline void
test_limit_file_size (rlim_t bytes)
{
  static struct rlimit saved;
  static void (*saved_handler) (int);
  struct rlimit limit;

  if (bytes > 0)
    {
      g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
      limit = saved;
      limit.rlim_cur = bytes;
      saved_handler = signal (SIGXFSZ, SIG_IGN);
      g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
    }
  else
    {
      g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);
      signal (SIGXFSZ, saved_handler);
    }
}

static inline void
test_on_alarm (int sig)
{
  static const char msg[] = "Bail out! the test hung (did it open a FIFO?)\n";

  (void) sig;
  (void) !write (STDOUT_FILENO, msg, sizeof msg - 1);
  _exit (1);
}

/* Fails the test if it is still running after @seconds (0 disarms), so a
 * hang (a save that opened a FIFO, say) is a failure, not a stuck suite. */
static inline void
test_guard_hang (unsigned seconds)
{
  signal (SIGALRM, seconds ? test_on_alarm : SIG_DFL);
  alarm (seconds);
}

/* The whole of @path; fails the test if it cannot be read. */
static inline guint8 *
test_read_file (const char *path, gsize *len)
{
  char *data = NULL;
  GError *error = NULL;

  g_assert_true (g_file_get_contents (path, &data, len, &error));
  g_assert_no_error (error);
  return (guint8 *) data;
}

/* Writes @len bytes to @path, neither atomically nor flushed to disk:
 * quick enough for tests that write a file thousands of times. */
static inline void
test_write_file (const char *path, const void *data, gsize len)
{
  GError *error = NULL;

  g_assert_true (g_file_set_contents_full (path, data, (gssize) len, G_FILE_SET_CONTENTS_NONE,
                                           0644, &error));
  g_assert_no_error (error);
}

/* The house rule for messages (tests/README.md): sentences ending with one
 * period, quoting with “…”. Fails the test otherwise. */
static inline void
test_assert_sentence (const char *message)
{
  gsize len = message != NULL ? strlen (message) : 0;

  if (len < 2 || message[len - 1] != '.' || message[len - 2] == '.'
      || strstr (message, "‘") != NULL)
    g_error ("“%s” is not a sentence ending with one period, quoting with “…”.",
             message != NULL ? message : "(null)");
}
