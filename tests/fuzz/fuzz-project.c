/* fuzz-project.c: libFuzzer harness for the project reader (nn_project_load).
 *
 * The input is a would-be .backprop file. A project that loads must hold
 * what it claims: every run's weights, moments and curves are read end to
 * end (a buffer shorter than its stated size fails under ASan), a run's
 * class names are one per output, and the newest run with weights is a
 * model that nn_model_load() reads too, with the same weights.
 */
#include "fuzz-util.h"

#include "nn-model-file.h"
#include "nn-project.h"

#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static volatile float sink;

static void
touch (const float *v, size_t n)
{
  float s = 0.0f;

  for (size_t i = 0; i < n; i++)
    s += v[i];
  sink = s;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  FuzzFile f;
  GError *error = NULL;
  NnProject *p;

  fuzz_file_open (&f, data, size);
  p = nn_project_load (f.path, &error);
  fuzz_check_result (p != NULL, error);
  if (p != NULL)
    {
      const NnTrainState *newest = NULL;

      if (p->format_version != NN_PROJECT_FORMAT_VERSION)
        abort ();
      for (guint i = 0; i < p->runs->len; i++)
        {
          const NnRunRecord *r = g_ptr_array_index (p->runs, i);

          if (r->spec == NULL || r->batches == NULL || r->epochs == NULL || r->lr_changes == NULL)
            abort ();
          for (guint k = 0; k < r->batches->len; k++)
            sink = g_array_index (r->batches, NnBatchPoint, k).loss;
          for (guint k = 0; k < r->epochs->len; k++)
            sink = g_array_index (r->epochs, NnEpochPoint, k).train_loss;
          if (r->state != NULL)
            {
              touch (r->state->params, r->state->n_params);
              if (r->state->opt_m)
                touch (r->state->opt_m, r->state->n_params);
              if (r->state->opt_v)
                touch (r->state->opt_v, r->state->n_params);
              newest = r->state;
            }
          for (int k = 0; r->class_names != NULL && r->class_names[k] != NULL; k++)
            sink = (float) strlen (r->class_names[k]);
        }
      if (newest != NULL)
        {
          /* The model inside: the same reader's view of the same bytes. */
          NnNetwork *net = nn_model_load (f.path, NULL, &error);

          fuzz_check_result (net != NULL, error);
          if (net == NULL || nn_network_get_n_params (net) != newest->n_params
              || memcmp (nn_network_get_params (net), newest->params,
                         newest->n_params * sizeof (float)) != 0)
            abort ();
          nn_network_free (net);
        }
    }
  nn_project_free (p);
  g_clear_error (&error);
  fuzz_file_close (&f);
  return 0;
}
