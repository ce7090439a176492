/* fuzz-util.h: what the libFuzzer harnesses share (header only).
 *
 * The readers take a path, not bytes: the model reader reads with pread()
 * and the IDX reader streams from a file descriptor, so a from-memory
 * entry point would be a second reader to keep in step with the first.
 * Instead each input goes into an anonymous in-memory file (memfd) that
 * the reader opens as /proc/self/fd/N, the same open(), fstat() and read()
 * calls a real file gets, with no disk I/O and nothing left behind.
 */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

typedef struct
{
  int  fd;
  char path[64];
} FuzzFile;

/* Writes @len bytes of @data into a fresh in-memory file. A failure here is
 * the machine's, not the reader's: it stops the run loudly. */
static inline void
fuzz_file_open (FuzzFile *f, const uint8_t *data, size_t len)
{
  size_t done = 0;

  f->fd = memfd_create ("fuzz-input", MFD_CLOEXEC);
  if (f->fd < 0)
    {
      perror ("memfd_create");
      abort ();
    }
  while (done < len)
    {
      ssize_t k = write (f->fd, data + done, len - done);
      if (k <= 0)
        {
          perror ("write");
          abort ();
        }
      done += (size_t) k;
    }
  g_snprintf (f->path, sizeof f->path, "/proc/self/fd/%d", f->fd);
}

static inline void
fuzz_file_close (FuzzFile *f)
{
  close (f->fd);
  f->fd = -1;
}

/* A reader must either succeed or say why, in a sentence: a failure with
 * no error, or an error with an empty message, is a bug worth stopping for. */
static inline void
fuzz_check_result (gboolean ok, GError *error)
{
  if (!ok && (error == NULL || error->message == NULL || error->message[0] == '\0'))
    {
      fprintf (stderr, "A reader failed without saying why.\n");
      abort ();
    }
  /* The house rule: an error message is a sentence ending with a period. */
  if (!ok && !g_str_has_suffix (error->message, "."))
    {
      fprintf (stderr, "An error message does not end with a period: %s\n", error->message);
      abort ();
    }
  if (ok && error != NULL)
    {
      fprintf (stderr, "A reader succeeded but set an error: %s\n", error->message);
      abort ();
    }
}
