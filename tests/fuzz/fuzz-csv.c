/* fuzz-csv.c: libFuzzer harness for the CSV loader (nn_data_load "csv:PATH").
 *
 * A dataset that loads must hold what it says: every label in range, one
 * class name per class, every feature and target finite, and every row of
 * the training, validation and test sets readable (ASan checks the sizes).
 */
#include "fuzz-util.h"

#include "nn-dataset.h"

#include <math.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_set (const NnDataset *ds, const char *const *class_names)
{
  size_t width = nn_dataset_size (ds);

  if (ds->n < 0 || ds->floats == NULL)
    abort ();
  for (size_t i = 0; i < (size_t) ds->n * width; i++)
    if (!isfinite (ds->floats[i]))
      {
        fprintf (stderr, "Feature %zu is not finite.\n", i);
        abort ();
      }
  if (ds->task == NN_TASK_CLASSIFICATION)
    {
      if (class_names == NULL || (int) g_strv_length ((char **) class_names) != ds->n_classes)
        {
          fprintf (stderr, "The class names do not match the %d classes.\n", ds->n_classes);
          abort ();
        }
      for (int i = 0; i < ds->n; i++)
        if (ds->labels[i] < 0 || ds->labels[i] >= ds->n_classes)
          {
            fprintf (stderr, "Label %d of row %d is out of range.\n", ds->labels[i], i);
            abort ();
          }
    }
  else
    for (size_t i = 0; i < (size_t) ds->n * (size_t) ds->n_targets; i++)
      if (!isfinite (ds->targets[i]))
        {
          fprintf (stderr, "Target %zu is not finite.\n", i);
          abort ();
        }
}

static void
check_rows (const guint32 *rows, int n, const NnDataset *ds)
{
  for (int i = 0; i < n; i++)
    if (rows[i] >= (guint32) ds->n)
      {
        fprintf (stderr, "Row index %u is out of range.\n", rows[i]);
        abort ();
      }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  FuzzFile f;
  GError *error = NULL;
  NnDataOptions opts;
  NnData *ds;
  char *name;

  fuzz_file_open (&f, data, size);
  name = g_strconcat ("csv:", f.path, NULL);
  nn_data_options_init (&opts);
  /* A validation split too, as the window makes one. */
  opts.val_fraction = 0.25f;
  ds = nn_data_load (name, &opts, &error);
  fuzz_check_result (ds != NULL, error);
  if (ds != NULL)
    {
      check_set (ds->train, (const char *const *) ds->class_names);
      check_set (ds->test, (const char *const *) ds->class_names);
      check_rows (ds->train_rows, ds->n_train, ds->train);
      check_rows (ds->val_rows, ds->n_val, ds->train);
    }
  g_clear_pointer (&ds, nn_data_unref);
  g_clear_error (&error);
  g_free (name);
  fuzz_file_close (&f);
  return 0;
}
