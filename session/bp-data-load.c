/* bp-data-load.c: nn_data_load() on a GTask thread.
 *
 * The loading thread writes its progress into the job atomically and, if no
 * report is pending, schedules one idle on the caller's context; the idle
 * reads the newest figure. The idle holds a reference on the task, so the
 * job outlives it.
 */
#include "bp-data-load.h"

typedef struct
{
  char          *name;
  char          *data_dir;
  NnDataOptions  opts;
  GMainContext  *context;
  BpProgressFunc progress;
  gpointer       progress_data;
  GTask         *task;          /* borrowed: the task owns the job */
  gint           permille;      /* atomic */
  gint           pending;       /* atomic: an idle is scheduled */
} LoadJob;

static void
load_job_free (gpointer data)
{
  LoadJob *job = data;

  g_free (job->name);
  g_free (job->data_dir);
  g_main_context_unref (job->context);
  g_free (job);
}

static gboolean
progress_idle_cb (gpointer user_data)
{
  LoadJob *job = g_task_get_task_data (user_data);

  g_atomic_int_set (&job->pending, FALSE);
  if (!g_task_get_completed (user_data))
    job->progress (g_atomic_int_get (&job->permille) / 1000.0, job->progress_data);
  return G_SOURCE_REMOVE;
}

static void
load_progress_cb (double fraction, gpointer user_data)
{
  LoadJob *job = user_data;
  GSource *source;

  g_atomic_int_set (&job->permille, (int) (CLAMP (fraction, 0.0, 1.0) * 1000));
  if (job->progress == NULL || !g_atomic_int_compare_and_exchange (&job->pending, FALSE, TRUE))
    return;
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, progress_idle_cb, g_object_ref (job->task), g_object_unref);
  g_source_set_static_name (source, "bp-data-load-progress");
  g_source_attach (source, job->context);
  g_source_unref (source);
}

static void
load_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  LoadJob *job = task_data;
  GError *error = NULL;
  NnData *data;

  data = nn_data_load (job->name, &job->opts, &error);
  if (data == NULL)
    g_task_return_error (task, error);
  else if (g_task_return_error_if_cancelled (task))
    nn_data_unref (data);
  else
    g_task_return_pointer (task, data, (GDestroyNotify) nn_data_unref);
}

void
bp_data_load_async (GObject *source_object, const char *name, const NnDataOptions *opts,
                    GCancellable *cancellable, BpProgressFunc progress,
                    GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  LoadJob *job;

  g_return_if_fail (name != NULL);
  g_return_if_fail (opts != NULL);

  task = g_task_new (source_object, cancellable, callback, user_data);
  g_task_set_source_tag (task, bp_data_load_async);
  g_task_set_name (task, "bp-data-load");
  job = g_new0 (LoadJob, 1);
  job->name = g_strdup (name);
  job->data_dir = g_strdup (opts->data_dir);
  job->opts = *opts;
  job->opts.data_dir = job->data_dir;
  job->opts.progress = load_progress_cb;
  job->opts.progress_data = job;
  job->context = g_main_context_ref_thread_default ();
  job->progress = progress;
  job->progress_data = user_data;
  job->task = task;
  g_task_set_task_data (task, job, load_job_free);
  g_task_run_in_thread (task, load_thread);
}

NnData *
bp_data_load_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bp_data_load_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

const char *
bp_data_load_get_name (GAsyncResult *result)
{
  LoadJob *job = g_task_get_task_data (G_TASK (result));

  return job->name;
}
