/* nn-rng.c: PCG32 (O'Neill, pcg-random.org), minimal variant. */
#include "nn-rng.h"

#include <math.h>

void
nn_rng_init (NnRng *rng, guint64 seed, guint64 stream)
{
  rng->state = 0;
  rng->inc = (stream << 1u) | 1u;
  nn_rng_u32 (rng);
  rng->state += seed;
  nn_rng_u32 (rng);
}

guint32
nn_rng_u32 (NnRng *rng)
{
  guint64 old = rng->state;
  guint32 xorshifted, rot;

  rng->state = old * 6364136223846793005ULL + rng->inc;
  xorshifted = (guint32) (((old >> 18u) ^ old) >> 27u);
  rot = (guint32) (old >> 59u);
  return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

guint32
nn_rng_below (NnRng *rng, guint32 bound)
{
  guint32 threshold;

  if (bound <= 1)
    return 0;
  /* Reject the few values that would bias the modulo. */
  threshold = -bound % bound;
  for (;;)
    {
      guint32 r = nn_rng_u32 (rng);
      if (r >= threshold)
        return r % bound;
    }
}

float
nn_rng_uniform (NnRng *rng)
{
  return (nn_rng_u32 (rng) >> 8) * (1.0f / 16777216.0f);
}

float
nn_rng_range (NnRng *rng, float lo, float hi)
{
  return lo + (hi - lo) * nn_rng_uniform (rng);
}

float
nn_rng_normal (NnRng *rng)
{
  /* Box-Muller; one value per call keeps the state simple to copy. */
  double u1 = ((nn_rng_u32 (rng) >> 8) + 1.0) / 16777217.0;
  double u2 = (nn_rng_u32 (rng) >> 8) / 16777216.0;

  return (float) (sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2));
}

void
nn_rng_shuffle (NnRng *rng, guint32 *items, size_t n)
{
  for (size_t i = n; i > 1; i--)
    {
      size_t j = nn_rng_below (rng, (guint32) i);
      guint32 t = items[i - 1];
      items[i - 1] = items[j];
      items[j] = t;
    }
}
