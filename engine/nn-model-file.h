/* nn-model-file.h: models as safetensors files.
 *
 * Tensors are named and shaped as PyTorch's nn.Sequential state_dict for
 * the same network ("0.weight" (128, 784), "0.bias" (128), "2.weight",
 * ...), F32 but for counts, which are I64 as PyTorch keeps them (batch
 * norm's "1.num_batches_tracked", shape []), so the file loads straight
 * into the equivalent PyTorch model with strict=True. The
 * network spec, input shape, dataset, loss and class names go in
 * __metadata__. The reader checks every offset and size against the file
 * before it touches the data and refuses anything inconsistent.
 *
 * A project file (nn-project.h) is also a model file: nn_model_load() reads
 * its newest run's model and skips the project's own "runs.…" tensors.
 */
#pragma once

#include "nn-network.h"
#include "nn-safetensors.h"

G_BEGIN_DECLS

typedef struct
{
  char     *spec;         /* "dense:128,relu,dense:10" */
  NnShape   in_shape;
  char     *dataset;      /* "mnist", or NULL */
  char     *loss;         /* "cross-entropy", or NULL */
  char    **class_names;  /* NULL-terminated, one per output, or NULL */
} NnModelMeta;

void        nn_model_meta_free (NnModelMeta *meta);

/* Writes @net to @path with nn-save.h: a failed save (NN_ERROR_IO) leaves any
 * existing file intact, and a FIFO, device or folder at @path is refused
 * (NN_ERROR_NOT_REGULAR_FILE) untouched. The spec and input
 * shape written are @net's own (@meta's spec and in_shape are not read);
 * @meta may be NULL, as may each of its other fields. */
gboolean    nn_model_save      (const char *path, NnNetwork *net, const NnModelMeta *meta,
                                GError **error);
/* (transfer full) the network with its weights, and its metadata in @meta
 * (may be NULL). A missing file is NN_ERROR_NOT_FOUND; anything malformed,
 * truncated or inconsistent with the network its metadata describes is
 * NN_ERROR_CORRUPT, found before any weights are allocated. */
NnNetwork  *nn_model_load      (const char *path, NnModelMeta **meta, GError **error);

/* Cross-file internals, for project files. */
/* The model __metadata__ keys for @net and @meta (whose spec and in_shape
 * are not read); NN_ERROR_INVALID_ARGUMENT for strings that are not UTF-8. */
gboolean    _nn_model_write_meta    (NnStWriter *w, NnNetwork *net, const NnModelMeta *meta,
                                     GError **error);
/* @net's tensors, named "<prefix>0.weight", ...; their data is borrowed
 * from @net until the writer is saved. */
gboolean    _nn_model_write_tensors (NnStWriter *w, const char *prefix, NnNetwork *net,
                                     GError **error);
/* (transfer full) The model metadata of @f, every key checked, and (if
 * @spec is not NULL) its spec parsed; NN_ERROR_CORRUPT otherwise. */
NnModelMeta *_nn_model_read_meta    (NnStFile *f, NnNetSpec **spec, GError **error);
/* (transfer full) A network of @spec on @in with its weights from @f's
 * tensors named "<prefix>0.weight", ..., each checked for name, dtype and
 * shape before the network is allocated. Adds the names it used to @used
 * (a set of borrowed strings, may be NULL). NN_ERROR_CORRUPT otherwise. */
NnNetwork  *_nn_model_read_tensors  (NnStFile *f, const char *prefix, const NnNetSpec *spec,
                                     NnShape in, GHashTable *used, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnModelMeta, nn_model_meta_free)

G_END_DECLS
