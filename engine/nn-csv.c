/* nn-csv.c: a user's CSV file as a dataset.
 *
 * One header row, then one sample per line: numeric features and one label
 * column (named "label", else the last). Fields are comma-separated and may
 * be double-quoted ("" is a quote inside quotes); a quoted field cannot span
 * lines, and missing values are not supported: every problem is an error
 * naming the file, the line and, for a field, the column, quoting at most
 * MAX_QUOTED characters of any field. The file must be UTF-8 (checked
 * before anything else, so a Latin-1 file fails at load, naming the line,
 * and never later when its class names are shown or saved). Numbers are
 * decimal ("-1.5e3"): "0x10", "inf" and "nan" are not numbers (as a label
 * they are class names). A seeded 20 % of
 * the rows becomes the test set, and features (and regression targets) are
 * optionally standardised with the training rows' statistics.
 *
 * How labels are read is documented beside nn_data_load() in nn-dataset.h.
 */
#include "nn-dataset-private.h"

#include <math.h>
#include <string.h>

#define TEST_SPLIT_STREAM 4
#define TEST_FRACTION     0.2
/* Characters of a field or column name quoted in an error message: a 10 MB
 * field must not become a 10 MB line on stderr. */
#define MAX_QUOTED        40

/* (transfer full) @s, valid UTF-8, cut to MAX_QUOTED characters and "…". */
static char *
excerpt (const char *s)
{
  const char *end = s;

  for (int i = 0; i < MAX_QUOTED && *end != '\0'; i++)
    end = g_utf8_next_char (end);
  if (*end == '\0')
    return g_strdup (s);
  return g_strdup_printf ("%.*s…", (int) (end - s), s);
}

/* Sets @error to "PATH, line L, column C (“NAME”): PROBLEM", where PROBLEM
 * is @problem after “@field” when @field is given, with both quoted cut short. */
static void
field_error (GError **error, const char *path, int line_no, GPtrArray *header, int c,
             const char *field, const char *problem)
{
  char *name = excerpt (g_ptr_array_index (header, c));
  char *value = field ? excerpt (field) : NULL;

  if (value)
    g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT, "%s, line %d, column %d (“%s”): “%s” %s",
                 path, line_no, c + 1, name, value, problem);
  else
    g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT, "%s, line %d, column %d (“%s”): %s",
                 path, line_no, c + 1, name, problem);
  g_free (value);
  g_free (name);
}

/* Splits one line into fields; FALSE with @error on a broken quote. */
static gboolean
split_fields (const char *line, GPtrArray *fields, const char *path, int line_no,
              GError **error)
{
  const char *p = line;

  g_ptr_array_set_size (fields, 0);
  for (;;)
    {
      GString *field = g_string_new (NULL);

      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '"')
        {
          p++;
          for (;;)
            {
              if (*p == '\0')
                {
                  g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT,
                               "%s, line %d: a quoted field is not closed.", path, line_no);
                  g_string_free (field, TRUE);
                  return FALSE;
                }
              if (p[0] == '"' && p[1] == '"')
                {
                  g_string_append_c (field, '"');
                  p += 2;
                }
              else if (*p == '"')
                {
                  p++;
                  break;
                }
              else
                g_string_append_c (field, *p++);
            }
          while (*p == ' ' || *p == '\t')
            p++;
          if (*p != ',' && *p != '\0')
            {
              g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT,
                           "%s, line %d, column %u: text follows a closing quote.",
                           path, line_no, fields->len + 1);
              g_string_free (field, TRUE);
              return FALSE;
            }
        }
      else
        {
          while (*p != ',' && *p != '\0')
            g_string_append_c (field, *p++);
          /* Trailing blanks are not part of the value. */
          while (field->len > 0
                 && (field->str[field->len - 1] == ' ' || field->str[field->len - 1] == '\t'))
            g_string_truncate (field, field->len - 1);
        }
      g_ptr_array_add (fields, g_string_free (field, FALSE));
      if (*p == '\0')
        return TRUE;
      p++; /* the comma */
    }
}

/* A CSV number: [+-] digits [. digits] [(e|E) [+-] digits], at least one
 * digit before the exponent. g_ascii_strtod() alone also reads hex floats
 * ("0x10" is 16), "inf", "nan" and "infinity", which a spreadsheet never
 * writes as numbers. Too large a number (1e999) is still a number here;
 * fits_float() refuses it by name. */
static gboolean
parse_number (const char *s, double *value)
{
  const char *p = s;
  int digits = 0;

  if (*p == '+' || *p == '-')
    p++;
  for (; g_ascii_isdigit (*p); p++)
    digits++;
  if (*p == '.')
    for (p++; g_ascii_isdigit (*p); p++)
      digits++;
  if (digits == 0)
    return FALSE;
  if (*p == 'e' || *p == 'E')
    {
      p++;
      if (*p == '+' || *p == '-')
        p++;
      if (!g_ascii_isdigit (*p))
        return FALSE;
      while (g_ascii_isdigit (*p))
        p++;
    }
  if (*p != '\0')
    return FALSE;
  *value = g_ascii_strtod (s, NULL);
  return TRUE;
}

/* FALSE with @error when @v, the number in field @field of column @c,
 * would be infinite as a float: training would only say that the loss
 * diverged. */
static gboolean
fits_float (double v, const char *field, int c, GPtrArray *header, const char *path,
            int line_no, GError **error)
{
  if (!(fabs (v) <= G_MAXFLOAT))
    {
      field_error (error, path, line_no, header, c, field, "is too large for a 32-bit float.");
      return FALSE;
    }
  return TRUE;
}

static gboolean
is_blank (const char *line)
{
  for (; *line; line++)
    if (!g_ascii_isspace (*line))
      return FALSE;
  return TRUE;
}

/* Column statistics from the training rows, applied to every row of both
 * tables, so the test set is scaled exactly as the network saw training. */
static void
standardize_columns (float *train, int n_train, float *test, int n_test, int width,
                     float *mean_out, float *std_out)
{
  for (int c = 0; c < width; c++)
    {
      double sum = 0.0, sum2 = 0.0, mean, sd;

      for (int i = 0; i < n_train; i++)
        sum += train[(size_t) i * width + c];
      mean = sum / MAX (n_train, 1);
      for (int i = 0; i < n_train; i++)
        {
          double d = train[(size_t) i * width + c] - mean;
          sum2 += d * d;
        }
      sd = sqrt (sum2 / MAX (n_train, 1));
      /* A constant column is only centred. */
      if (sd < 1e-12)
        sd = 1.0;
      for (int i = 0; i < n_train; i++)
        train[(size_t) i * width + c] = (float) ((train[(size_t) i * width + c] - mean) / sd);
      for (int i = 0; i < n_test; i++)
        test[(size_t) i * width + c] = (float) ((test[(size_t) i * width + c] - mean) / sd);
      if (mean_out)
        mean_out[c] = (float) mean;
      if (std_out)
        std_out[c] = (float) sd;
    }
}

gboolean
_nn_csv_load (NnData *data, const char *path, const NnDataOptions *opts, GError **error)
{
  char *text = NULL, **class_names = NULL;
  gsize length = 0;
  GError *local = NULL;
  GPtrArray *fields = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *header = NULL;
  GPtrArray *label_text = g_ptr_array_new_with_free_func (g_free);
  GArray *features = g_array_new (FALSE, FALSE, sizeof (float));
  GHashTable *class_index = NULL;
  gint32 *class_of = NULL;
  GArray *label_value = g_array_new (FALSE, FALSE, sizeof (double)); /* while all are numbers */
  guint32 *perm = NULL;
  int n_cols = 0, label_col = -1, n_feat, n_rows = 0, line_no = 0, header_line = 0;
  int n_test, n_train, n_classes = 0;
  gboolean all_numeric = TRUE, all_classes = TRUE, ok = FALSE;
  NnTask task;
  char *line, *next;

  if (path == NULL || *path == '\0')
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID_ARGUMENT,
                   "A CSV dataset needs a file, as in csv:data.csv.");
      goto out;
    }
  /* A device or a pipe could be endless; a dataset is a file. */
  if (g_file_test (path, G_FILE_TEST_EXISTS) && !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "%s is not a regular file.", path);
      goto out;
    }
  if (!g_file_get_contents (path, &text, &length, &local))
    {
      g_set_error (error, NN_ERROR,
                   g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT)
                   ? NN_ERROR_NOT_FOUND : NN_ERROR_IO,
                   "Could not read %s: %s.", path, local->message);
      g_clear_error (&local);
      goto out;
    }
  if (strlen (text) != length)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT,
                   "%s is not a text file (it holds NUL bytes).", path);
      goto out;
    }
  {
    const char *bad = NULL;

    if (!g_utf8_validate (text, (gssize) length, &bad))
      {
        int bad_line = 1;

        for (const char *q = text; q < bad; q++)
          bad_line += *q == '\n';
        g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT,
                     "%s, line %d is not UTF-8 text; save the file as UTF-8 (from Latin-1, "
                     "iconv -f latin1 -t utf-8 converts it).", path, bad_line);
        goto out;
      }
  }

  /* A byte-order mark is not part of the first column's name. */
  line = text;
  if (g_str_has_prefix (line, "\xEF\xBB\xBF"))
    line += 3;

  for (; line != NULL; line = next)
    {
      size_t len;

      next = strchr (line, '\n');
      if (next != NULL)
        *next++ = '\0';
      line_no++;
      len = strlen (line);
      if (len > 0 && line[len - 1] == '\r')
        line[len - 1] = '\0';
      if (is_blank (line))
        continue;

      if (!split_fields (line, fields, path, line_no, error))
        goto out;

      if (header == NULL)
        {
          header = g_ptr_array_new_with_free_func (g_free);
          for (guint i = 0; i < fields->len; i++)
            g_ptr_array_add (header, g_strdup (g_ptr_array_index (fields, i)));
          header_line = line_no;
          n_cols = (int) header->len;
          if (n_cols < 2)
            {
              g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT,
                           "%s, line %d: the header has %d column, but a CSV dataset needs at "
                           "least two (features and a label).", path, line_no, n_cols);
              goto out;
            }
          for (int c = 0; c < n_cols && label_col < 0; c++)
            if (g_ascii_strcasecmp (g_ptr_array_index (header, c), "label") == 0)
              label_col = c;
          if (label_col < 0)
            label_col = n_cols - 1;
          continue;
        }

      if ((int) fields->len != n_cols)
        {
          g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT,
                       "%s, line %d has %u fields, but the header (line %d) has %d.",
                       path, line_no, fields->len, header_line, n_cols);
          goto out;
        }
      if (n_rows == G_MAXINT - 1)
        {
          g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT, "%s has too many rows.", path);
          goto out;
        }
      for (int c = 0; c < n_cols; c++)
        {
          const char *field = g_ptr_array_index (fields, c);
          double v;

          if (c == label_col)
            {
              if (*field == '\0')
                {
                  field_error (error, path, line_no, header, c, NULL, "the label is empty.");
                  goto out;
                }
              if (parse_number (field, &v))
                {
                  if (!fits_float (v, field, c, header, path, line_no, error))
                    goto out;
                  if (all_numeric)
                    g_array_append_val (label_value, v);
                }
              else
                all_numeric = FALSE;
              g_ptr_array_add (label_text, g_strdup (field));
              continue;
            }
          if (!parse_number (field, &v))
            {
              if (*field == '\0')
                field_error (error, path, line_no, header, c, NULL, "the value is missing.");
              else
                field_error (error, path, line_no, header, c, field, "is not a number.");
              goto out;
            }
          if (!fits_float (v, field, c, header, path, line_no, error))
            goto out;
          {
            float f = (float) v;
            g_array_append_val (features, f);
          }
        }
      n_rows++;
    }

  if (header == NULL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT, "%s is empty.", path);
      goto out;
    }
  if (n_rows == 0)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT,
                   "%s has a header but no data rows.", path);
      goto out;
    }
  if (n_rows < 2)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT,
                   "%s has only one data row; it needs at least two (to train and to test).",
                   path);
      goto out;
    }
  n_feat = n_cols - 1;

  /* What kind of labels: class numbers, numbers (all_numeric, read with
   * the rows), or names. */
  for (int i = 0; i < n_rows && all_numeric; i++)
    {
      double v = g_array_index (label_value, double, i);
      if (v != floor (v) || v < 0 || v >= NN_DATA_MAX_CLASSES)
        all_classes = FALSE;
      else
        n_classes = MAX (n_classes, (int) v + 1);
    }
  class_of = g_new (gint32, n_rows);
  if (all_numeric && all_classes)
    {
      task = NN_TASK_CLASSIFICATION;
      n_classes = MAX (n_classes, 2);
      for (int i = 0; i < n_rows; i++)
        class_of[i] = (gint32) g_array_index (label_value, double, i);
      class_names = _nn_class_names_numbered (n_classes);
    }
  else if (all_numeric)
    task = NN_TASK_REGRESSION;
  else
    {
      GPtrArray *names = g_ptr_array_new_with_free_func (g_free);

      task = NN_TASK_CLASSIFICATION;
      class_index = g_hash_table_new (g_str_hash, g_str_equal);
      for (int i = 0; i < n_rows; i++)
        {
          char *label = g_ptr_array_index (label_text, i);
          gpointer index;

          if (!g_hash_table_lookup_extended (class_index, label, NULL, &index))
            {
              if (names->len >= NN_DATA_MAX_CLASSES)
                {
                  char *name = excerpt (g_ptr_array_index (header, label_col));
                  g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT,
                               "%s: the label column (“%s”) has more than %d different values, "
                               "too many to be classes.", path, name, NN_DATA_MAX_CLASSES);
                  g_free (name);
                  /* Frees the names copied so far (the free function's job). */
                  g_ptr_array_free (names, TRUE);
                  goto out;
                }
              index = GINT_TO_POINTER (names->len);
              g_hash_table_insert (class_index, label, index);
              g_ptr_array_add (names, g_strdup (label));
            }
          class_of[i] = GPOINTER_TO_INT (index);
        }
      n_classes = (int) names->len;
      g_ptr_array_add (names, NULL);
      /* FALSE: the strings move to @class_names with the array's storage. */
      class_names = (char **) g_ptr_array_free (names, FALSE);
    }

  /* The held-out test rows, seeded; both tables keep the file's order. */
  n_test = MAX (1, (int) (n_rows * TEST_FRACTION + 0.5));
  n_train = n_rows - n_test;
  perm = _nn_split_rows (opts->seed, TEST_SPLIT_STREAM, n_rows, n_test);

  {
    int n_out = task == NN_TASK_CLASSIFICATION ? n_classes : 1;
    data->train = nn_dataset_new (task, nn_shape_1d (n_feat), n_train, n_out, FALSE, error);
    if (data->train == NULL)
      goto out;
    data->test = nn_dataset_new (task, nn_shape_1d (n_feat), n_test, n_out, FALSE, error);
    if (data->test == NULL)
      goto out;
  }
  for (int i = 0; i < n_rows; i++)
    {
      gboolean is_test = i < n_test;
      NnDataset *ds = is_test ? data->test : data->train;
      int k = is_test ? i : i - n_test;
      guint32 row = perm[i];

      memcpy (ds->floats + (size_t) k * n_feat,
              &g_array_index (features, float, (size_t) row * n_feat),
              (size_t) n_feat * sizeof (float));
      if (task == NN_TASK_CLASSIFICATION)
        ds->labels[k] = class_of[row];
      else
        ds->targets[k] = (float) g_array_index (label_value, double, row);
    }

  if (opts->standardize)
    {
      standardize_columns (data->train->floats, n_train, data->test->floats, n_test, n_feat,
                           NULL, NULL);
      if (task == NN_TASK_REGRESSION)
        standardize_columns (data->train->targets, n_train, data->test->targets, n_test, 1,
                             &data->target_mean, &data->target_std);
    }

  /* A two-feature file can be drawn on the plane like the generated sets. */
  if (n_feat == 2)
    {
      float lo[2] = { INFINITY, INFINITY }, hi[2] = { -INFINITY, -INFINITY };

      for (int s = 0; s < 2; s++)
        {
          const NnDataset *ds = s ? data->test : data->train;
          for (int i = 0; i < ds->n; i++)
            for (int c = 0; c < 2; c++)
              {
                lo[c] = MIN (lo[c], ds->floats[2 * (size_t) i + c]);
                hi[c] = MAX (hi[c], ds->floats[2 * (size_t) i + c]);
              }
        }
      for (int c = 0; c < 2; c++)
        {
          float margin = MAX ((hi[c] - lo[c]) * 0.1f, 0.5f);
          lo[c] -= margin;
          hi[c] += margin;
        }
      data->xmin = lo[0], data->xmax = hi[0], data->ymin = lo[1], data->ymax = hi[1];
    }

  data->title = g_path_get_basename (path);
  data->source = g_strdup (path);
  data->class_names = g_steal_pointer (&class_names);
  ok = TRUE;

out:
  g_free (text);
  g_strfreev (class_names);
  g_ptr_array_unref (fields);
  if (header)
    g_ptr_array_unref (header);
  g_ptr_array_unref (label_text);
  g_array_unref (features);
  if (class_index)
    g_hash_table_unref (class_index);
  g_free (class_of);
  g_array_unref (label_value);
  g_free (perm);
  return ok;
}
