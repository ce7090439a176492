/* nn-idx.c: IDX files (MNIST, Fashion-MNIST), raw or gzip-compressed.
 *
 * An IDX file is a big-endian header (magic, then one 32-bit size per
 * dimension) followed by unsigned bytes. We trust nothing in the header:
 * the data must match it exactly (no less, no more), and memory is bounded
 * by the data actually present, not by what the header claims. A raw file's
 * length is known before reading; a gzip file's buffer is sized from the
 * gzip trailer and deflate's best possible ratio, and grows only as real
 * data arrives. Gzip data is inflated straight into the final buffer, so
 * loading MNIST is one pass with no copies.
 *
 * This file does not look for datasets (nn-data-find.c does) and does not
 * download anything.
 */
#include "nn-dataset-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <zlib.h>

#define IDX_MAGIC_LABELS 0x00000801u
#define IDX_MAGIC_IMAGES 0x00000803u

/* Compressed bytes per read(): large enough that syscalls cost nothing. */
#define IN_CHUNK   (1u << 20)
/* Raw bytes per read(), between two progress reports. */
#define RAW_CHUNK  (8u << 20)
/* Deflate never expands data by more than about 1032:1. */
#define DEFLATE_MAX_RATIO 1032u
/* One image of more than this many pixels is not an IDX image we can use. */
#define MAX_IMAGE_PIXELS (1u << 24)

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

typedef struct
{
  void    (*fn) (double fraction, gpointer user_data);
  gpointer  user_data;
  guint64   base;   /* file bytes of the earlier files of this load */
  guint64   total;  /* file bytes of the whole load */
} Progress;

typedef struct
{
  const char *path;
  int         fd;
  guint64     file_size;
  guint64     file_read;   /* bytes read from the file so far */
  gboolean    gz;
  guint32     isize;       /* gzip trailer: uncompressed size mod 2^32 */
  z_stream    zs;
  gboolean    zs_live;
  gboolean    member_end;  /* inflate finished a gzip member */
  guint8     *in;
  Progress   *progress;
} Reader;

static guint32
be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static void
report (Reader *r)
{
  Progress *p = r->progress;

  if (p != NULL && p->fn != NULL && p->total > 0)
    p->fn (CLAMP ((double) (p->base + r->file_read) / p->total, 0.0, 1.0), p->user_data);
}

/* Faults a fresh buffer's pages in with one call. Page by page, the first
 * touch of MNIST's 47 MB costs about 0.1 s, as much as inflating it; in one
 * batch it costs a tenth of that. Where the kernel lacks it, the pages
 * simply fault in as they are written. */
static void
prefault (void *buf, size_t len)
{
  gsize page = 4096;
  guintptr start = ((guintptr) buf + page - 1) & ~(guintptr) (page - 1);
  guintptr end = ((guintptr) buf + len) & ~(guintptr) (page - 1);

  if (len >= (1u << 20) && end > start)
    (void) madvise ((void *) start, end - start, MADV_POPULATE_WRITE);
}

static gboolean
read_fd (Reader *r, guint8 *buf, size_t len, size_t *got, GError **error)
{
  *got = 0;
  while (*got < len)
    {
      ssize_t k = read (r->fd, buf + *got, len - *got);
      if (k < 0 && errno == EINTR)
        continue;
      if (k < 0)
        {
          int saved = errno;
          g_set_error (error, NN_ERROR, NN_ERROR_IO, "Could not read %s: %s.",
                       r->path, g_strerror (saved));
          return FALSE;
        }
      if (k == 0)
        break;
      *got += (size_t) k;
      r->file_read += (guint64) k;
    }
  return TRUE;
}

static void
reader_close (Reader *r)
{
  if (r->zs_live)
    inflateEnd (&r->zs);
  r->zs_live = FALSE;
  if (r->fd >= 0)
    close (r->fd);
  r->fd = -1;
  g_clear_pointer (&r->in, g_free);
}

static gboolean
reader_open (Reader *r, const char *path, Progress *progress, GError **error)
{
  guint8 head[2] = { 0, 0 }, tail[4];

  memset (r, 0, sizeof *r);
  r->path = path;
  r->progress = progress;
  r->fd = nn_open_regular (path, &r->file_size, error);
  if (r->fd < 0)
    return FALSE;

  /* Told apart by content, not by name: a .gz that was unpacked in place
   * (or the reverse) still loads. */
  if (r->file_size >= 2 && pread (r->fd, head, 2, 0) == 2 && head[0] == 0x1f && head[1] == 0x8b)
    {
      r->gz = TRUE;
      if (r->file_size >= 18 && pread (r->fd, tail, 4, (off_t) r->file_size - 4) == 4)
        r->isize = (guint32) tail[0] | ((guint32) tail[1] << 8) | ((guint32) tail[2] << 16)
                   | ((guint32) tail[3] << 24);
      r->in = g_try_malloc (IN_CHUNK);
      /* 16 + MAX_WBITS: gzip wrapper only, with its CRC checked. */
      if (r->in == NULL || inflateInit2 (&r->zs, 16 + MAX_WBITS) != Z_OK)
        {
          g_set_error (error, NN_ERROR, NN_ERROR_NO_MEMORY,
                       "Not enough memory to decompress %s.", path);
          goto fail;
        }
      r->zs_live = TRUE;
    }
  return TRUE;

fail:
  reader_close (r);
  return FALSE;
}

/* Reads up to @len bytes of (decompressed) data; *got < len only at the end
 * of the data. */
static gboolean
reader_read (Reader *r, guint8 *buf, size_t len, size_t *got, GError **error)
{
  *got = 0;
  if (!r->gz)
    {
      while (*got < len)
        {
          size_t want = MIN (len - *got, RAW_CHUNK), k;
          if (!read_fd (r, buf + *got, want, &k, error))
            return FALSE;
          *got += k;
          report (r);
          if (k < want)
            break;
        }
      return TRUE;
    }

  while (*got < len)
    {
      int ret;

      if (r->zs.avail_in == 0)
        {
          size_t k;
          if (!read_fd (r, r->in, IN_CHUNK, &k, error))
            return FALSE;
          r->zs.next_in = r->in;
          r->zs.avail_in = (uInt) k;
          report (r);
          if (k == 0)
            {
              if (!r->member_end)
                {
                  g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT,
                               "%s is truncated: its gzip stream ends before its end marker.",
                               r->path);
                  return FALSE;
                }
              break;
            }
        }
      if (r->member_end)
        {
          /* More input after a complete member: gzip allows several
           * members back to back; anything else fails below as corrupt. */
          inflateReset (&r->zs);
          r->member_end = FALSE;
        }

      /* Large requests are split only because avail_out is 32 bits. */
      r->zs.next_out = buf + *got;
      r->zs.avail_out = (uInt) MIN (len - *got, (size_t) G_MAXUINT32 / 2);
      {
        uInt before = r->zs.avail_out;
        ret = inflate (&r->zs, Z_NO_FLUSH);
        *got += before - r->zs.avail_out;
      }
      if (ret == Z_STREAM_END)
        r->member_end = TRUE;
      else if (ret != Z_OK && ret != Z_BUF_ERROR)
        {
          g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT, "%s is not a valid gzip file (%s).",
                       r->path, r->zs.msg ? r->zs.msg : "corrupt data");
          return FALSE;
        }
    }
  return TRUE;
}

/* Reads an IDX file of unsigned bytes with @n_dims dimensions; dims[0] is
 * the item count. Returns the data after the header, exactly
 * dims[0] * ... * dims[n_dims-1] bytes of it. */
static gboolean
idx_read (const char *path, guint32 magic, int n_dims, guint32 *dims, guint8 **out,
          Progress *progress, GError **error)
{
  const char *what = magic == IDX_MAGIC_IMAGES ? "image" : "label";
  Reader r;
  guint8 header[4 + 4 * 3];
  size_t header_len = 4 + 4 * (size_t) n_dims, got, have = 0, cap;
  guint64 item_size = 1, expected;
  guint8 *data = NULL, extra;
  gboolean ok = FALSE;

  *out = NULL;
  if (!reader_open (&r, path, progress, error))
    return FALSE;

  if (!reader_read (&r, header, header_len, &got, error))
    goto out;
  if (got < header_len)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT,
                   "%s is too short to be an IDX %s file (%zu bytes).", path, what, got);
      goto out;
    }
  if (be32 (header) != magic)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT,
                   "%s is not an IDX %s file: its magic number is 0x%08x, not 0x%08x.",
                   path, what, be32 (header), magic);
      goto out;
    }
  for (int d = 0; d < n_dims; d++)
    {
      dims[d] = be32 (header + 4 + 4 * d);
      if (d > 0)
        item_size *= dims[d];
    }
  if (dims[0] == 0 || item_size == 0)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT, "%s holds no %ss (its header has a zero size).",
                   path, what);
      goto out;
    }
  if (dims[0] > G_MAXINT)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT,
                   "%s claims %u %ss, more than can be loaded (at most %d).",
                   path, dims[0], what, G_MAXINT);
      goto out;
    }
  if (item_size > MAX_IMAGE_PIXELS)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT,
                   "%s claims %s of %" G_GUINT64_FORMAT " bytes each, which is not plausible.",
                   path, what, item_size);
      goto out;
    }
  expected = dims[0] * item_size; /* < 2^55, no overflow */
  if (expected > G_MAXSIZE / 2)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_NO_MEMORY, "%s is too large for this machine.", path);
      goto out;
    }

  if (!r.gz)
    {
      guint64 present = r.file_size - header_len;
      if (present != expected)
        {
          g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT,
                       present < expected
                       ? "%s is truncated: its header promises %" G_GUINT64_FORMAT
                         " bytes of data but only %" G_GUINT64_FORMAT " follow."
                       : "%s has trailing data: its header promises %" G_GUINT64_FORMAT
                         " bytes of data but %" G_GUINT64_FORMAT " follow.",
                       path, expected, present);
          goto out;
        }
      cap = (size_t) expected;
    }
  else
    {
      /* Trust the header only as far as the compressed size allows; when the
       * trailer agrees (a single-member file, as published) the first
       * allocation is the final one. */
      guint64 bound = r.file_size * DEFLATE_MAX_RATIO + 65536;
      cap = (size_t) MIN (expected, bound);
      if ((guint32) (expected + header_len) != r.isize)
        cap = MIN (cap, (size_t) 1 << 20);
    }

  data = g_try_malloc (MAX (cap, 1));
  if (data == NULL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_NO_MEMORY,
                   "Not enough memory to load %s (%zu bytes).", path, cap);
      goto out;
    }
  prefault (data, cap);

  for (;;)
    {
      if (!reader_read (&r, data + have, cap - have, &got, error))
        goto out;
      have += got;
      if (have < cap)
        {
          g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT,
                       "%s is truncated: its header promises %" G_GUINT64_FORMAT
                       " bytes of data but only %zu follow.", path, expected, have);
          goto out;
        }
      if (have == expected)
        break;
      /* The data is really there: grow, at most to what the header says. */
      {
        size_t new_cap = (size_t) MIN (expected, (guint64) cap * 2);
        guint8 *grown = g_try_realloc (data, new_cap);
        if (grown == NULL)
          {
            g_set_error (error, NN_ERROR, NN_ERROR_NO_MEMORY,
                         "Not enough memory to load %s (%zu bytes).", path, new_cap);
            goto out;
          }
        data = grown;
        cap = new_cap;
      }
    }

  /* For gzip this also reads the trailer, so the CRC is checked. */
  if (!reader_read (&r, &extra, 1, &got, error))
    goto out;
  if (got > 0)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT,
                   "%s has trailing data after the %" G_GUINT64_FORMAT
                   " bytes its header promises.", path, expected);
      goto out;
    }

  *out = g_steal_pointer (&data);
  ok = TRUE;

out:
  g_free (data);
  reader_close (&r);
  return ok;
}

static gboolean
load_images (const char *path, guint8 **pixels, int *n, int *rows, int *cols,
             Progress *progress, GError **error)
{
  guint32 dims[3];

  if (!idx_read (path, IDX_MAGIC_IMAGES, 3, dims, pixels, progress, error))
    return FALSE;
  *n = (int) dims[0];
  *rows = (int) dims[1];
  *cols = (int) dims[2];
  return TRUE;
}

static gboolean
load_labels (const char *path, guint8 **labels, int *n, Progress *progress, GError **error)
{
  guint32 dims[1];

  if (!idx_read (path, IDX_MAGIC_LABELS, 1, dims, labels, progress, error))
    return FALSE;
  *n = (int) dims[0];
  return TRUE;
}

gboolean
nn_idx_load_images (const char *path, guint8 **pixels, int *n, int *rows, int *cols,
                    GError **error)
{
  return load_images (path, pixels, n, rows, cols, NULL, error);
}

gboolean
nn_idx_load_labels (const char *path, guint8 **labels, int *n, GError **error)
{
  return load_labels (path, labels, n, NULL, error);
}

char *
_nn_idx_file_in (const char *dir, const char *base)
{
  char *gz_name = g_strconcat (base, ".gz", NULL);
  char *path = g_build_filename (dir, gz_name, NULL);

  g_free (gz_name);
  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return path;
  g_free (path);
  path = g_build_filename (dir, base, NULL);
  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return path;
  g_free (path);
  return NULL;
}

static const char * const fashion_classes[] = {
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot", NULL,
};

enum { TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS, N_FILES };

static const char * const idx_files[N_FILES] = {
  "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
  "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
};

/* Takes @pixels and reads @labels; one table of images and their labels. */
static NnDataset *
make_set (guint8 **pixels, int n_images, int rows, int cols, const guint8 *labels, int n_labels,
          const char *images_path, const char *labels_path, GError **error)
{
  NnDataset *ds = NULL;

  if (n_images != n_labels)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT,
                   "%s holds %d images but %s holds %d labels.",
                   images_path, n_images, labels_path, n_labels);
      return NULL;
    }
  for (int i = 0; i < n_labels; i++)
    if (labels[i] >= 10)
      {
        g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT,
                     "%s is corrupt: label %d (of sample %d) is not a digit from 0 to 9.",
                     labels_path, labels[i], i);
        return NULL;
      }

  ds = _nn_dataset_new_empty (NN_TASK_CLASSIFICATION, nn_shape_3d (1, rows, cols), n_images, 10);
  ds->labels = g_try_new (gint32, MAX (n_labels, 1));
  if (ds->labels == NULL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_NO_MEMORY, "Not enough memory for the labels of %s.",
                   labels_path);
      nn_dataset_free (ds);
      return NULL;
    }
  for (int i = 0; i < n_labels; i++)
    ds->labels[i] = labels[i];
  ds->bytes = g_steal_pointer (pixels);
  return ds;
}

gboolean
_nn_idx_load (NnData *data, const char *name, const NnDataOptions *opts, GError **error)
{
  char *dir = NULL, *paths[N_FILES] = { NULL };
  guint8 *images[2] = { NULL, NULL }, *labels[2] = { NULL, NULL };
  int n_images[2], n_labels[2], rows[2], cols[2];
  guint64 sizes[N_FILES] = { 0 };   /* for progress: 0 when stat fails */
  Progress progress = { opts->progress, opts->progress_data, 0, 0 };
  gboolean ok = FALSE;

  dir = nn_data_find_dir (name, opts->data_dir, error);
  if (dir == NULL)
    goto out;

  for (int f = 0; f < N_FILES; f++)
    {
      GStatBuf st;

      paths[f] = _nn_idx_file_in (dir, idx_files[f]);
      if (paths[f] == NULL)
        {
          g_set_error (error, NN_ERROR, NN_ERROR_NOT_FOUND,
                       "The folder %s has no %s.gz or %s, so %s cannot be loaded.",
                       dir, idx_files[f], idx_files[f], name);
          goto out;
        }
      if (g_stat (paths[f], &st) == 0)
        sizes[f] = (guint64) st.st_size;
      progress.total += sizes[f];
    }

  for (int s = 0; s < 2; s++)
    {
      int fi = s == 0 ? TRAIN_IMAGES : TEST_IMAGES, fl = fi + 1;

      if (!load_images (paths[fi], &images[s], &n_images[s], &rows[s], &cols[s],
                        &progress, error))
        goto out;
      progress.base += sizes[fi];
      if (!load_labels (paths[fl], &labels[s], &n_labels[s], &progress, error))
        goto out;
      progress.base += sizes[fl];
    }
  if (rows[0] != rows[1] || cols[0] != cols[1])
    {
      g_set_error (error, NN_ERROR, NN_ERROR_CORRUPT,
                   "The images of %s are %d×%d but those of %s are %d×%d.",
                   paths[TRAIN_IMAGES], rows[0], cols[0], paths[TEST_IMAGES], rows[1], cols[1]);
      goto out;
    }

  data->train = make_set (&images[0], n_images[0], rows[0], cols[0], labels[0], n_labels[0],
                          paths[TRAIN_IMAGES], paths[TRAIN_LABELS], error);
  if (data->train == NULL)
    goto out;
  data->test = make_set (&images[1], n_images[1], rows[1], cols[1], labels[1], n_labels[1],
                         paths[TEST_IMAGES], paths[TEST_LABELS], error);
  if (data->test == NULL)
    goto out;

  if (g_str_equal (name, "fashion-mnist"))
    {
      data->title = g_strdup ("Fashion-MNIST");
      data->class_names = g_strdupv ((char **) fashion_classes);
    }
  else
    {
      data->title = g_strdup ("MNIST");
      data->class_names = _nn_class_names_numbered (10);
    }
  data->source = g_steal_pointer (&dir);
  ok = TRUE;

out:
  g_free (dir);
  for (int f = 0; f < N_FILES; f++)
    g_free (paths[f]);
  for (int s = 0; s < 2; s++)
    {
      g_free (images[s]);
      g_free (labels[s]);
    }
  return ok;
}
