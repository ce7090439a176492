/* fuzz-model.c: libFuzzer harness for the model reader (nn_model_load).
 *
 * The input is a would-be safetensors file. A model that loads must also
 * run: one forward pass over a zero sample touches every weight the file
 * claimed to hold, so a network smaller than its spec fails under ASan.
 */
#include "fuzz-util.h"

#include "nn-model-file.h"

/* Inputs wider than this are not run forward: the harness's own buffer
 * would be the big allocation, not the reader's. */
#define MAX_FORWARD_INPUT (1u << 20)

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  FuzzFile f;
  GError *error = NULL;
  NnModelMeta *meta = NULL;
  NnNetwork *net;

  fuzz_file_open (&f, data, size);
  net = nn_model_load (f.path, &meta, &error);
  fuzz_check_result (net != NULL, error);
  if (net != NULL)
    {
      size_t in_size = nn_network_get_in_size (net);
      if (meta == NULL || meta->spec == NULL)
        abort ();
      if (in_size > 0 && in_size <= MAX_FORWARD_INPUT)
        {
          float *x = g_new0 (float, in_size);
          (void) nn_network_forward (net, x, 1, FALSE, NULL);
          g_free (x);
        }
    }
  nn_network_free (net);
  nn_model_meta_free (meta);
  g_clear_error (&error);
  fuzz_file_close (&f);
  return 0;
}
