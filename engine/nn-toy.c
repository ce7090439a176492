/* nn-toy.c: the generated 2-D datasets (xor, circles, spiral, gaussians,
 * regression).
 *
 * Points are drawn from the run's seed with nn-rng, so a seed gives the same
 * set on every machine; training and test sets come from two streams of that
 * seed. What each set looks like, and what its noise means, is documented
 * beside NnDataOptions in nn-dataset.h. Nothing here reads a file.
 */
#include "nn-dataset-private.h"
#include "nn-rng.h"

#include <math.h>
#include <string.h>

#define TRAIN_STREAM 1
#define TEST_STREAM  2

#define DEFAULT_TRAIN 400
#define DEFAULT_TEST  200
/* More than any 2-D toy needs, and small enough to never exhaust memory. */
#define MAX_SAMPLES   10000000

typedef void (*PointFunc) (NnRng *rng, int i, float noise, float *xy, gint32 *label, float *target);

static void
circles_point (NnRng *rng, int i, float noise, float *xy, gint32 *label, float *target)
{
  int cls = i & 1;
  float radius = cls ? 0.5f : 1.0f;
  float angle = nn_rng_range (rng, 0.0f, 2.0f * (float) G_PI);

  xy[0] = radius * cosf (angle) + noise * nn_rng_normal (rng);
  xy[1] = radius * sinf (angle) + noise * nn_rng_normal (rng);
  *label = cls;
}

static void
spiral_point (NnRng *rng, int i, float noise, float *xy, gint32 *label, float *target)
{
  /* The two-arm version of the CS231n spiral: radius grows with t, the arms
   * are half a turn apart, and the angle is jittered. */
  int cls = i & 1;
  float t = nn_rng_uniform (rng);
  float angle = 4.0f * t + cls * (float) G_PI + noise * nn_rng_normal (rng);

  xy[0] = t * sinf (angle);
  xy[1] = t * cosf (angle);
  *label = cls;
}

static void
gaussians_point (NnRng *rng, int i, float noise, float *xy, gint32 *label, float *target)
{
  int cls = i & 1;
  float centre = cls ? 1.0f : -1.0f;

  xy[0] = centre + noise * nn_rng_normal (rng);
  xy[1] = centre + noise * nn_rng_normal (rng);
  *label = cls;
}

static void
regression_point (NnRng *rng, int i, float noise, float *xy, gint32 *label, float *target)
{
  float x = nn_rng_uniform (rng);
  float y = nn_rng_uniform (rng);

  xy[0] = x;
  xy[1] = y;
  *target = (x + 4.0f) * (x + 4.0f) * (x + 4.0f) + 4.0f * y + noise * nn_rng_normal (rng);
}

static NnDataset *
generate (PointFunc point, NnTask task, int n, float noise, guint64 seed, guint64 stream,
          GError **error)
{
  NnDataset *ds = nn_dataset_new (task, nn_shape_1d (2), n,
                                  task == NN_TASK_CLASSIFICATION ? 2 : 1, FALSE, error);
  NnRng rng;

  if (ds == NULL)
    return NULL;
  nn_rng_init (&rng, seed, stream);
  for (int i = 0; i < n; i++)
    {
      gint32 label = 0;
      float target = 0.0f;

      point (&rng, i, noise, ds->floats + 2 * (size_t) i, &label, &target);
      if (ds->labels)
        ds->labels[i] = label;
      if (ds->targets)
        ds->targets[i] = target;
    }
  return ds;
}

static gboolean
load_xor (NnData *data, GError **error)
{
  static const float points[4][2] = { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } };
  static const gint32 labels[4] = { 0, 1, 1, 0 };
  NnDataset *sets[2] = { NULL, NULL };

  for (int s = 0; s < 2; s++)
    {
      sets[s] = nn_dataset_new (NN_TASK_CLASSIFICATION, nn_shape_1d (2), 4, 2, FALSE, error);
      if (sets[s] == NULL)
        {
          nn_dataset_free (sets[0]);
          return FALSE;
        }
      memcpy (sets[s]->floats, points, sizeof points);
      memcpy (sets[s]->labels, labels, sizeof labels);
    }
  data->train = sets[0];
  data->test = sets[1];
  data->xmin = data->ymin = -0.5f;
  data->xmax = data->ymax = 1.5f;
  return TRUE;
}

/* Mean and (population) std of the training targets; the test targets are
 * scaled with the same numbers so that the two stay comparable. */
static void
standardize_targets (NnData *data)
{
  const NnDataset *train = data->train;
  double sum = 0.0, sum2 = 0.0, mean, var;

  for (int i = 0; i < train->n; i++)
    sum += train->targets[i];
  mean = sum / MAX (train->n, 1);
  for (int i = 0; i < train->n; i++)
    sum2 += (train->targets[i] - mean) * (train->targets[i] - mean);
  var = sum2 / MAX (train->n, 1);
  data->target_mean = (float) mean;
  data->target_std = var > 1e-12 ? (float) sqrt (var) : 1.0f;

  for (int s = 0; s < 2; s++)
    {
      NnDataset *ds = s ? data->test : data->train;
      for (int i = 0; i < ds->n; i++)
        ds->targets[i] = (ds->targets[i] - data->target_mean) / data->target_std;
    }
}

gboolean
_nn_toy_load (NnData *data, const char *name, const NnDataOptions *opts, GError **error)
{
  PointFunc point = NULL;
  NnTask task = NN_TASK_CLASSIFICATION;
  float default_noise = 0.0f, margin = 0.0f, extent = 0.0f;
  int n_train = opts->n_samples > 0 ? opts->n_samples : DEFAULT_TRAIN;
  int n_test = opts->n_samples > 0 ? MAX (opts->n_samples / 2, 2) : DEFAULT_TEST;
  float noise;

  if (g_str_equal (name, "xor"))
    {
      data->title = g_strdup ("XOR");
      data->class_names = _nn_class_names_numbered (2);
      return load_xor (data, error);
    }

  if (opts->n_samples < 0 || opts->n_samples > MAX_SAMPLES)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "The number of samples must be between 1 and %d, not %d.",
                   MAX_SAMPLES, opts->n_samples);
      return FALSE;
    }
  if (!isfinite (opts->noise) || opts->noise > 100.0f)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "The noise level must be a number no greater than 100, not %g.",
                   (double) opts->noise);
      return FALSE;
    }

  if (g_str_equal (name, "circles"))
    {
      point = circles_point, default_noise = 0.1f, extent = 1.0f, margin = 0.5f;
      data->title = g_strdup ("Circles");
    }
  else if (g_str_equal (name, "spiral"))
    {
      point = spiral_point, default_noise = 0.2f, extent = 1.0f, margin = 0.3f;
      data->title = g_strdup ("Spiral");
    }
  else if (g_str_equal (name, "gaussians"))
    {
      point = gaussians_point, default_noise = 0.7f, extent = 1.0f, margin = 2.5f;
      data->title = g_strdup ("Gaussians");
    }
  else if (g_str_equal (name, "regression"))
    {
      point = regression_point, default_noise = 1.0f, task = NN_TASK_REGRESSION;
      data->title = g_strdup ("Regression");
    }
  else
    g_return_val_if_reached (FALSE);

  noise = opts->noise < 0.0f ? default_noise : opts->noise;
  data->train = generate (point, task, n_train, noise, opts->seed, TRAIN_STREAM, error);
  if (data->train == NULL)
    return FALSE;
  data->test = generate (point, task, n_test, noise, opts->seed, TEST_STREAM, error);
  if (data->test == NULL)
    return FALSE;

  if (task == NN_TASK_REGRESSION)
    {
      /* The raw target runs from 64 to 129: MSE on it would start in the
       * thousands and need a tiny learning rate. */
      standardize_targets (data);
      data->xmin = data->ymin = -0.1f;
      data->xmax = data->ymax = 1.1f;
    }
  else
    {
      data->class_names = _nn_class_names_numbered (2);
      data->xmin = data->ymin = -extent - margin;
      data->xmax = data->ymax = extent + margin;
    }
  return TRUE;
}
