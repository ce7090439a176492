/* nn-rng.h: the engine's random numbers.
 *
 * A small PCG32 generator, so that every random choice (initialisation,
 * shuffles, dropout masks, generated datasets) comes from the run's seed and
 * gives the same numbers on every machine. Not for cryptography.
 */
#pragma once

#include "nn-types.h"

G_BEGIN_DECLS

typedef struct
{
  guint64 state;
  guint64 inc;
} NnRng;

void    nn_rng_init     (NnRng *rng, guint64 seed, guint64 stream);
guint32 nn_rng_u32      (NnRng *rng);
guint32 nn_rng_below    (NnRng *rng, guint32 bound);   /* uniform in [0, bound) without bias */
float   nn_rng_uniform  (NnRng *rng);                  /* [0, 1) */
float   nn_rng_range    (NnRng *rng, float lo, float hi);
float   nn_rng_normal   (NnRng *rng);                  /* N(0, 1) */
void    nn_rng_shuffle  (NnRng *rng, guint32 *items, size_t n);

G_END_DECLS
