/* fuzz-idx.c: libFuzzer harnesses for the IDX reader, raw and gzip.
 *
 * Built twice (tests/fuzz/meson.build):
 *
 * fuzz-idx loads the input as it is. The reader tells gzip from raw by the
 * first two bytes, so the gzip seeds of its corpus fuzz the decompressing
 * path (truncated streams, lying size trailers, several members) and the
 * raw seeds the header checks.
 *
 * fuzz-idx-gz (FUZZ_IDX_GZIP) compresses the input before loading it, so
 * the fuzzer explores headers and sizes on the path where the data's length
 * is not known in advance (the buffer is sized from the gzip trailer and
 * grows as data arrives), which mutating gzip files directly rarely
 * reaches: most mutations break the CRC.
 *
 * The file is loaded both as images and as labels, and every byte of a
 * loaded buffer is read, so a buffer shorter than the sizes it came with
 * fails under ASan.
 */
#include "fuzz-util.h"

#include "nn-dataset.h"

#ifdef FUZZ_IDX_GZIP
#include <zlib.h>
#endif

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* The sum keeps the compiler from dropping the reads. */
static volatile unsigned fuzz_sink;

static void
touch (const guint8 *p, size_t len)
{
  unsigned sum = 0;

  for (size_t i = 0; i < len; i++)
    sum += p[i];
  fuzz_sink = sum;
}

#ifdef FUZZ_IDX_GZIP
/* @data as one gzip member, as gzip(1) writes it. (transfer full) */
static guint8 *
gzip (const uint8_t *data, size_t size, size_t *out_len)
{
  z_stream zs = { 0 };
  uLong cap;
  guint8 *out;

  if (deflateInit2 (&zs, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    abort ();
  cap = deflateBound (&zs, (uLong) size);
  out = g_malloc (cap);
  zs.next_in = (Bytef *) data;
  zs.avail_in = (uInt) size;
  zs.next_out = out;
  zs.avail_out = (uInt) cap;
  if (deflate (&zs, Z_FINISH) != Z_STREAM_END)
    abort ();
  *out_len = zs.total_out;
  deflateEnd (&zs);
  return out;
}
#endif

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  FuzzFile f;
  GError *error = NULL;
  guint8 *bytes = NULL;
  int n = -1, rows = -1, cols = -1;
  gboolean ok;

#ifdef FUZZ_IDX_GZIP
  size_t packed_len;
  guint8 *packed = gzip (data, size, &packed_len);
  fuzz_file_open (&f, packed, packed_len);
  g_free (packed);
#else
  fuzz_file_open (&f, data, size);
#endif

  ok = nn_idx_load_images (f.path, &bytes, &n, &rows, &cols, &error);
  fuzz_check_result (ok, error);
  if (ok)
    {
      if (n < 0 || rows <= 0 || cols <= 0)
        abort ();
      touch (bytes, (size_t) n * (size_t) rows * (size_t) cols);
    }
  g_clear_pointer (&bytes, g_free);
  g_clear_error (&error);

  ok = nn_idx_load_labels (f.path, &bytes, &n, &error);
  fuzz_check_result (ok, error);
  if (ok)
    {
      if (n < 0)
        abort ();
      touch (bytes, (size_t) n);
    }
  g_clear_pointer (&bytes, g_free);
  g_clear_error (&error);

  fuzz_file_close (&f);
  return 0;
}
