/* nn-safetensors.h: the safetensors container, read and written in one place.
 *
 * A safetensors file is an 8-byte little-endian header length N, N bytes
 * of JSON (a table of named tensors with dtype, shape and data_offsets,
 * and an optional "__metadata__" object of strings), then the tensors' raw
 * little-endian data, which must cover the data section exactly. Model
 * files (nn-model-file.c) and project files (nn-project.c) are both this
 * container; this file knows nothing of networks or projects.
 *
 * The reader trusts nothing: the header is bounded by the file's size and a
 * 100 MB cap, nesting is bounded before json-glib's recursive parser sees
 * it, a key named twice is refused, every tensor's dtype, shape and offsets
 * are checked against the data section, and the tensors must tile it with
 * no holes and no overlaps, all before any tensor data is read. Only F32
 * and I64 tensors are accepted.
 */
#pragma once

#include "nn-types.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define NN_ST_MAX_RANK 8

typedef enum
{
  NN_DTYPE_F32,
  NN_DTYPE_I64,
} NnDtype;

typedef struct
{
  const char *name;
  NnDtype     dtype;
  int         rank;
  gint64      shape[NN_ST_MAX_RANK];
  gint64      count;        /* elements, the product of shape */
  gint64      begin, end;   /* bytes of the data section */
} NnStTensor;

/* "[128, 784]" appended to @s. */
void              nn_st_append_shape  (GString *s, const gint64 *shape, int rank);

/* Reading */

typedef struct _NnStFile NnStFile;

/* Opens and checks @path. @kind names the file in messages ("model file",
 * "project file"). A missing file is NN_ERROR_NOT_FOUND, a folder or
 * other non-regular file NN_ERROR_IO, anything malformed NN_ERROR_CORRUPT.
 * (transfer full) */
NnStFile         *nn_st_open          (const char *path, const char *kind, GError **error);
void              nn_st_close         (NnStFile *f);
const char       *nn_st_get_path      (const NnStFile *f);
/* Whether the header has a "__metadata__" object, and one of its strings
 * (NULL when absent). */
gboolean          nn_st_has_metadata  (const NnStFile *f);
const char       *nn_st_get_meta      (const NnStFile *f, const char *key);
int               nn_st_get_n_tensors (const NnStFile *f);
const NnStTensor *nn_st_get_tensor    (const NnStFile *f, int i);   /* in order of offset */
const NnStTensor *nn_st_find          (const NnStFile *f, const char *name);
/* Whether @t has this dtype and shape; @shape has @rank entries. */
gboolean          nn_st_tensor_is     (const NnStTensor *t, NnDtype dtype, int rank,
                                       const gint64 *shape);
/* The data of @t (its count elements) into @dst, converted from little
 * endian. The dtype must match. */
gboolean          nn_st_read_f32      (NnStFile *f, const NnStTensor *t, float *dst,
                                       GError **error);
gboolean          nn_st_read_i64      (NnStFile *f, const NnStTensor *t, gint64 *dst,
                                       GError **error);

/* Writing: tensors are laid out in the order they are added. The data is
 * borrowed until nn_st_writer_save() returns (but for _copy). A rank of 0
 * is a scalar: shape [], one element. */

typedef struct _NnStWriter NnStWriter;

NnStWriter       *nn_st_writer_new      (void);
void              nn_st_writer_free     (NnStWriter *w);
/* Metadata strings, written in the order added; @value is copied. */
void              nn_st_writer_add_meta (NnStWriter *w, const char *key, const char *value);
void              nn_st_writer_add_f32  (NnStWriter *w, const char *name, const float *data,
                                         int rank, const gint64 *shape);
void              nn_st_writer_add_i64  (NnStWriter *w, const char *name, const gint64 *data,
                                         int rank, const gint64 *shape);
/* The same with @data copied into the writer: it need not outlive the call. */
void              nn_st_writer_add_i64_copy (NnStWriter *w, const char *name,
                                             const gint64 *data, int rank, const gint64 *shape);
/* Writes the file through nn-save.h: atomically, refusing a FIFO, device
 * or folder at @path; on any failure an existing file is left intact. */
gboolean          nn_st_writer_save     (NnStWriter *w, const char *path, GError **error);

/* JSON text parsed as strictly as a header: at most @max_depth levels of
 * nesting (checked before parsing), no key named twice. On failure, NULL
 * and @problem set to a phrase such as "is not valid JSON (…)" to follow
 * a subject in a sentence. (transfer full) */
JsonParser       *nn_json_parse_strict  (const char *text, gsize len, int max_depth,
                                         char **problem);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnStFile, nn_st_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnStWriter, nn_st_writer_free)

G_END_DECLS
