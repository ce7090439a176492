/* tsan-glib.c: GLib's hand-offs, told to ThreadSanitizer.
 *
 * Linked into every program of a -Db_sanitize=thread build (meson.build),
 * with the linker's --wrap, so that our calls to these functions come here
 * first. GLib 2.74's GMutex, GRecMutex, GRWLock and GCond are futexes and
 * atomics inside libglib, which is not instrumented: TSan sees neither the
 * lock nor the unlock, and reports every access that a GLib lock protects
 * as a race. Each wrapper calls GLib's function and tells TSan what it
 * means: a lock acquires, an unlock releases, a wait releases and then
 * acquires the mutex again.
 *
 * The main-loop and GTask hand-offs get the same treatment: a function
 * handed to another thread (an idle or timeout source, a GTask's thread
 * function and its callback) is run through a trampoline that acquires
 * what the caller released when it handed the function over, and a GTask's
 * result is released by g_task_return_*() and acquired by
 * g_task_propagate_*(), and a task finalized on its pool thread first
 * acquires what our code released on it and on its source object.
 *
 * Only calls made by our own code are wrapped; GLib's calls to itself
 * (GAsyncQueue, GThreadPool, the main context's own lock) stay invisible.
 * What they hide is GLib's own memory (a source allocated by GLib in one
 * thread and freed by GLib in another), which TSan stops watching with
 * ignore_noninstrumented_modules=1 (tests/meson.build). A source attached
 * with g_source_attach() is not wrapped: its callback is ordered only by
 * what the two threads do themselves (atomics, a wrapped lock).
 * Not a part of any shipped program.
 */
#include <gio/gio.h>
#include <sanitizer/tsan_interface.h>

/* Every function is declared here because nothing else declares them. */
#define WRAP(ret, name, args) \
  ret __real_##name args;     \
  ret __wrap_##name args

/* ---- locks */

WRAP (void, g_mutex_lock, (GMutex *mutex));
WRAP (gboolean, g_mutex_trylock, (GMutex *mutex));
WRAP (void, g_mutex_unlock, (GMutex *mutex));
WRAP (void, g_rec_mutex_lock, (GRecMutex *mutex));
WRAP (gboolean, g_rec_mutex_trylock, (GRecMutex *mutex));
WRAP (void, g_rec_mutex_unlock, (GRecMutex *mutex));
WRAP (void, g_rw_lock_writer_lock, (GRWLock *lock));
WRAP (gboolean, g_rw_lock_writer_trylock, (GRWLock *lock));
WRAP (void, g_rw_lock_writer_unlock, (GRWLock *lock));
WRAP (void, g_rw_lock_reader_lock, (GRWLock *lock));
WRAP (gboolean, g_rw_lock_reader_trylock, (GRWLock *lock));
WRAP (void, g_rw_lock_reader_unlock, (GRWLock *lock));
WRAP (void, g_cond_wait, (GCond *cond, GMutex *mutex));
WRAP (gboolean, g_cond_wait_until, (GCond *cond, GMutex *mutex, gint64 end_time));
WRAP (gboolean, g_once_init_enter, (volatile void *location));
WRAP (void, g_once_init_leave, (volatile void *location, gsize result));

#define LOCK(name, type)                 \
  void __wrap_##name (type *lock)        \
  {                                      \
    __real_##name (lock);                \
    __tsan_acquire (lock);               \
  }
#define TRYLOCK(name, type)              \
  gboolean __wrap_##name (type *lock)    \
  {                                      \
    gboolean ok = __real_##name (lock);  \
    if (ok)                              \
      __tsan_acquire (lock);             \
    return ok;                           \
  }
#define UNLOCK(name, type)               \
  void __wrap_##name (type *lock)        \
  {                                      \
    __tsan_release (lock);               \
    __real_##name (lock);                \
  }

LOCK (g_mutex_lock, GMutex)
TRYLOCK (g_mutex_trylock, GMutex)
UNLOCK (g_mutex_unlock, GMutex)
LOCK (g_rec_mutex_lock, GRecMutex)
TRYLOCK (g_rec_mutex_trylock, GRecMutex)
UNLOCK (g_rec_mutex_unlock, GRecMutex)
LOCK (g_rw_lock_writer_lock, GRWLock)
TRYLOCK (g_rw_lock_writer_trylock, GRWLock)
UNLOCK (g_rw_lock_writer_unlock, GRWLock)
LOCK (g_rw_lock_reader_lock, GRWLock)
TRYLOCK (g_rw_lock_reader_trylock, GRWLock)
UNLOCK (g_rw_lock_reader_unlock, GRWLock)

void
__wrap_g_cond_wait (GCond *cond, GMutex *mutex)
{
  __tsan_release (mutex);
  __real_g_cond_wait (cond, mutex);
  __tsan_acquire (mutex);
}

gboolean
__wrap_g_cond_wait_until (GCond *cond, GMutex *mutex, gint64 end_time)
{
  gboolean signalled;

  __tsan_release (mutex);
  signalled = __real_g_cond_wait_until (cond, mutex, end_time);
  __tsan_acquire (mutex);
  return signalled;
}

/* g_once_init_enter() is a macro whose fast path is an atomic load in our
 * code; the store that ends the initialisation is inside libglib. */
gboolean
__wrap_g_once_init_enter (volatile void *location)
{
  gboolean first = __real_g_once_init_enter (location);

  if (!first)
    __tsan_acquire ((void *) location);
  return first;
}

void
__wrap_g_once_init_leave (volatile void *location, gsize result)
{
  __tsan_release ((void *) location);
  __real_g_once_init_leave (location, result);
}

/* GObject's reference count is an atomic inside libgobject: the thread
 * that drops the last reference does not see the others drop theirs. Each
 * of our unrefs releases; task_dispose_cb acquires. */
WRAP (void, g_object_unref, (gpointer object));

void
__wrap_g_object_unref (gpointer object)
{
  __tsan_release (object);
  __real_g_object_unref (object);
}

/* ---- main-loop sources */

typedef struct
{
  GSourceFunc    fn;
  gpointer       data;
  GDestroyNotify notify;
} Source;

static gboolean
source_cb (gpointer data)
{
  Source *s = data;

  __tsan_acquire (s);
  return s->fn (s->data);
}

static void
source_free (gpointer data)
{
  Source *s = data;

  __tsan_acquire (s);
  if (s->notify)
    s->notify (s->data);
  g_free (s);
}

static Source *
source_new (GSourceFunc fn, gpointer data, GDestroyNotify notify)
{
  Source *s = g_new (Source, 1);

  s->fn = fn;
  s->data = data;
  s->notify = notify;
  __tsan_release (s);
  return s;
}

WRAP (guint, g_idle_add, (GSourceFunc fn, gpointer data));
WRAP (guint, g_idle_add_full, (gint priority, GSourceFunc fn, gpointer data, GDestroyNotify notify));
WRAP (guint, g_timeout_add, (guint interval, GSourceFunc fn, gpointer data));
WRAP (guint, g_timeout_add_full,
      (gint priority, guint interval, GSourceFunc fn, gpointer data, GDestroyNotify notify));
WRAP (guint, g_timeout_add_seconds, (guint interval, GSourceFunc fn, gpointer data));
WRAP (guint, g_timeout_add_seconds_full,
      (gint priority, guint interval, GSourceFunc fn, gpointer data, GDestroyNotify notify));
WRAP (void, g_main_context_invoke_full,
      (GMainContext *context, gint priority, GSourceFunc fn, gpointer data, GDestroyNotify notify));
WRAP (void, g_main_context_invoke, (GMainContext *context, GSourceFunc fn, gpointer data));

guint
__wrap_g_idle_add (GSourceFunc fn, gpointer data)
{
  Source *s = source_new (fn, data, NULL);

  return __real_g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, source_cb, s, source_free);
}

guint
__wrap_g_idle_add_full (gint priority, GSourceFunc fn, gpointer data, GDestroyNotify notify)
{
  Source *s = source_new (fn, data, notify);

  return __real_g_idle_add_full (priority, source_cb, s, source_free);
}

guint
__wrap_g_timeout_add (guint interval, GSourceFunc fn, gpointer data)
{
  Source *s = source_new (fn, data, NULL);

  return __real_g_timeout_add_full (G_PRIORITY_DEFAULT, interval, source_cb, s, source_free);
}

guint
__wrap_g_timeout_add_full (gint priority, guint interval, GSourceFunc fn, gpointer data,
                           GDestroyNotify notify)
{
  Source *s = source_new (fn, data, notify);

  return __real_g_timeout_add_full (priority, interval, source_cb, s, source_free);
}

guint
__wrap_g_timeout_add_seconds (guint interval, GSourceFunc fn, gpointer data)
{
  Source *s = source_new (fn, data, NULL);

  return __real_g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, interval, source_cb, s,
                                             source_free);
}

guint
__wrap_g_timeout_add_seconds_full (gint priority, guint interval, GSourceFunc fn, gpointer data,
                                   GDestroyNotify notify)
{
  Source *s = source_new (fn, data, notify);

  return __real_g_timeout_add_seconds_full (priority, interval, source_cb, s, source_free);
}

void
__wrap_g_main_context_invoke_full (GMainContext *context, gint priority, GSourceFunc fn,
                                   gpointer data, GDestroyNotify notify)
{
  __real_g_main_context_invoke_full (context, priority, source_cb,
                                     source_new (fn, data, notify), source_free);
}

void
__wrap_g_main_context_invoke (GMainContext *context, GSourceFunc fn, gpointer data)
{
  __real_g_main_context_invoke_full (context, G_PRIORITY_DEFAULT, source_cb,
                                     source_new (fn, data, NULL), source_free);
}

/* ---- GTask: the thread function, the result, the callback */

typedef struct
{
  GAsyncReadyCallback fn;
  gpointer            data;
} Ready;

static void
ready_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Ready r = *(Ready *) data;

  __tsan_acquire (result);
  g_free (data);
  if (r.fn)
    r.fn (source, result, r.data);
  /* For the thread that drops the task last (task_dispose_cb). */
  __tsan_release (result);
}

/* A task is often finalized on its pool thread, which drops the last
 * reference inside libgio after the callback ran on the main thread; the
 * finalization then frees the task data and drops the source object,
 * whose dispose may run right there. Before that, this thread acquires
 * what was released on the task (by the callback, the return, our
 * unrefs) and on the source object (our unrefs of it). */
static void
task_dispose_cb (gpointer source, GObject *where_the_task_was)
{
  __tsan_acquire (where_the_task_was);
  if (source)
    __tsan_acquire (source);
}

WRAP (GTask *, g_task_new,
      (gpointer source, GCancellable *cancellable, GAsyncReadyCallback fn, gpointer data));
WRAP (void, g_task_run_in_thread, (GTask *task, GTaskThreadFunc fn));
WRAP (void, g_task_run_in_thread_sync, (GTask *task, GTaskThreadFunc fn));
WRAP (void, g_task_return_pointer, (GTask *task, gpointer result, GDestroyNotify notify));
WRAP (void, g_task_return_boolean, (GTask *task, gboolean result));
WRAP (void, g_task_return_int, (GTask *task, gssize result));
WRAP (void, g_task_return_error, (GTask *task, GError *error));
WRAP (gboolean, g_task_return_error_if_cancelled, (GTask *task));
WRAP (void, g_task_return_value, (GTask *task, GValue *result));
WRAP (gpointer, g_task_propagate_pointer, (GTask *task, GError **error));
WRAP (gboolean, g_task_propagate_value, (GTask *task, GValue *value, GError **error));
WRAP (gboolean, g_task_propagate_boolean, (GTask *task, GError **error));
WRAP (gssize, g_task_propagate_int, (GTask *task, GError **error));

GTask *
__wrap_g_task_new (gpointer source, GCancellable *cancellable, GAsyncReadyCallback fn,
                   gpointer data)
{
  GTask *task;
  Ready *r = g_new (Ready, 1);

  r->fn = fn;
  r->data = data;
  task = __real_g_task_new (source, cancellable, ready_cb, r);
  g_object_weak_ref (G_OBJECT (task), task_dispose_cb, source);
  return task;
}

/* The thread function goes to the thread on the task itself, as qdata:
 * g_task_run_in_thread() has no user data of its own to carry it. */
static GQuark
thread_fn_quark (void)
{
  return g_quark_from_static_string ("tsan-glib-thread-fn");
}

static void
thread_cb (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GTaskThreadFunc fn;

  __tsan_acquire (task);
  fn = (GTaskThreadFunc) g_object_get_qdata (G_OBJECT (task), thread_fn_quark ());
  fn (task, source, task_data, cancellable);
}

static void
run_in_thread (GTask *task, GTaskThreadFunc fn, gboolean sync)
{
  g_object_set_qdata (G_OBJECT (task), thread_fn_quark (), (gpointer) fn);
  __tsan_release (task);
  if (sync)
    {
      __real_g_task_run_in_thread_sync (task, thread_cb);
      __tsan_acquire (task);
    }
  else
    __real_g_task_run_in_thread (task, thread_cb);
}

void
__wrap_g_task_run_in_thread (GTask *task, GTaskThreadFunc fn)
{
  run_in_thread (task, fn, FALSE);
}

void
__wrap_g_task_run_in_thread_sync (GTask *task, GTaskThreadFunc fn)
{
  run_in_thread (task, fn, TRUE);
}

void
__wrap_g_task_return_pointer (GTask *task, gpointer result, GDestroyNotify notify)
{
  __tsan_release (task);
  __real_g_task_return_pointer (task, result, notify);
}

void
__wrap_g_task_return_boolean (GTask *task, gboolean result)
{
  __tsan_release (task);
  __real_g_task_return_boolean (task, result);
}

void
__wrap_g_task_return_int (GTask *task, gssize result)
{
  __tsan_release (task);
  __real_g_task_return_int (task, result);
}

void
__wrap_g_task_return_error (GTask *task, GError *error)
{
  __tsan_release (task);
  __real_g_task_return_error (task, error);
}

gboolean
__wrap_g_task_return_error_if_cancelled (GTask *task)
{
  __tsan_release (task);
  return __real_g_task_return_error_if_cancelled (task);
}

void
__wrap_g_task_return_value (GTask *task, GValue *result)
{
  __tsan_release (task);
  __real_g_task_return_value (task, result);
}

gboolean
__wrap_g_task_propagate_value (GTask *task, GValue *value, GError **error)
{
  gboolean ok = __real_g_task_propagate_value (task, value, error);

  __tsan_acquire (task);
  return ok;
}

gpointer
__wrap_g_task_propagate_pointer (GTask *task, GError **error)
{
  gpointer result = __real_g_task_propagate_pointer (task, error);

  __tsan_acquire (task);
  return result;
}

gboolean
__wrap_g_task_propagate_boolean (GTask *task, GError **error)
{
  gboolean result = __real_g_task_propagate_boolean (task, error);

  __tsan_acquire (task);
  return result;
}

gssize
__wrap_g_task_propagate_int (GTask *task, GError **error)
{
  gssize result = __real_g_task_propagate_int (task, error);

  __tsan_acquire (task);
  return result;
}
