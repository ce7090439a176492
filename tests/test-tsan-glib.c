/* test-tsan-glib.c: checks tests/tsan-glib.c in a -Db_sanitize=thread build.
 *
 * test-tsan-glib MODE runs one hand-off between two threads. In the
 * correct modes every access is ordered by a GLib lock or hand-off, so
 * ThreadSanitizer must stay silent (exit 0): a report means a wrapper is
 * missing or wrong, and the TSan runs of the other tests would be noise
 * again. In the racy modes the accesses are ordered by nothing, so TSan
 * must report (exit 66): silence means a wrapper orders more than GLib
 * does, and would hide real races. meson.build runs every mode.
 */
#include <gio/gio.h>

/* Plain ints: what the threads hand over is only ordered by GLib. */
static int shared_value;
static GMutex lock_a, lock_b;
static GCond cond;
static gboolean ready;

static gpointer
add_under_a (gpointer data)
{
  g_mutex_lock (&lock_a);
  shared_value++;
  g_mutex_unlock (&lock_a);
  return NULL;
}

static gpointer
add_under_b (gpointer data)
{
  g_mutex_lock (&lock_b);
  shared_value++;
  g_mutex_unlock (&lock_b);
  return NULL;
}

/* Two threads, both alive at once, each adding under its lock. */
static void
two_threads (GThreadFunc first, GThreadFunc second)
{
  GThread *t1 = g_thread_new ("first", first, NULL);
  GThread *t2;

  g_usleep (20000);
  t2 = g_thread_new ("second", second, NULL);
  g_thread_join (t1);
  g_thread_join (t2);
}

static gpointer
produce (gpointer data)
{
  g_usleep (20000);
  g_mutex_lock (&lock_a);
  shared_value = 42;
  ready = TRUE;
  g_cond_signal (&cond);
  g_mutex_unlock (&lock_a);
  return NULL;
}

static int
consume (void)
{
  GThread *t = g_thread_new ("producer", produce, NULL);
  int v;

  g_mutex_lock (&lock_a);
  while (!ready)
    g_cond_wait (&cond, &lock_a);
  g_mutex_unlock (&lock_a);
  /* Read after the wait, outside the lock: ordered by the wait. */
  v = shared_value;
  g_thread_join (t);
  return v;
}

static GMainLoop *loop;

static gboolean
read_in_idle (gpointer data)
{
  int *value = data;

  g_assert_cmpint (*value, ==, 7);
  g_free (value);
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static gpointer
post_idle (gpointer data)
{
  int *value = g_new (int, 1);

  *value = 7;
  g_idle_add (read_in_idle, value);
  return NULL;
}

static void
idle_hand_off (void)
{
  GThread *t;

  loop = g_main_loop_new (NULL, FALSE);
  t = g_thread_new ("poster", post_idle, NULL);
  g_main_loop_run (loop);
  g_thread_join (t);
  g_main_loop_unref (loop);
}

static void
task_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  int *value = g_new (int, 1);

  *value = 9;
  shared_value = 9;
  g_task_return_pointer (task, value, g_free);
}

static void
task_done (GObject *source, GAsyncResult *result, gpointer data)
{
  int *value = g_task_propagate_pointer (G_TASK (result), NULL);

  g_assert_cmpint (*value, ==, 9);
  g_assert_cmpint (shared_value, ==, 9);
  g_free (value);
  g_main_loop_quit (loop);
}

static void
task_hand_off (void)
{
  GTask *task;

  loop = g_main_loop_new (NULL, FALSE);
  task = g_task_new (NULL, NULL, task_done, NULL);
  /* Written before the thread starts, read in it. */
  shared_value = 1;
  g_task_run_in_thread (task, task_thread);
  g_object_unref (task);
  g_main_loop_run (loop);
  g_main_loop_unref (loop);
}

int
main (int argc, char **argv)
{
  const char *mode = argc > 1 ? argv[1] : "";

  if (g_str_equal (mode, "same-mutex"))
    two_threads (add_under_a, add_under_a);
  else if (g_str_equal (mode, "other-mutex"))   /* racy */
    two_threads (add_under_a, add_under_b);
  else if (g_str_equal (mode, "cond"))
    g_assert_cmpint (consume (), ==, 42);
  else if (g_str_equal (mode, "idle"))
    idle_hand_off ();
  else if (g_str_equal (mode, "task"))
    task_hand_off ();
  else
    {
      g_printerr ("Usage: %s same-mutex|other-mutex|cond|idle|task\n", argv[0]);
      return 2;
    }
  return 0;
}
