/* nn-kernels.c: the kernels, with BLAS for the products.
 *
 * The dense layer's three products map onto sgemm without any transposed
 * copies because W is kept as (out, in):
 *   forward   out  = in   W^T   (NoTrans, Trans)
 *   weights   dW   = dout^T in  (Trans, NoTrans)
 *   input     din  = dout W     (NoTrans, NoTrans)
 */
#include "nn-kernels.h"

#include <cblas.h>
#include <glib.h>
#include <math.h>
#include <stdatomic.h>
#include <string.h>
#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define HAVE_MXCSR 1
#define MXCSR_FLUSH 0x8040u  /* FTZ (bit 15): results; DAZ (bit 6): operands */
#endif

/* ---- denormals ---- */

unsigned
nn_fp_get_mode (void)
{
#ifdef HAVE_MXCSR
  return (_mm_getcsr () & MXCSR_FLUSH) == MXCSR_FLUSH ? NN_FP_FLUSH : 0;
#else
  return 0;
#endif
}

void
nn_fp_set_mode (unsigned mode)
{
#ifdef HAVE_MXCSR
  unsigned csr = _mm_getcsr ();
  unsigned want = (mode & NN_FP_FLUSH) ? (csr | MXCSR_FLUSH) : (csr & ~MXCSR_FLUSH);

  /* Writing the MXCSR waits for the instructions in flight: only on a change. */
  if (want != csr)
    _mm_setcsr (want);
#else
  (void) mode;
#endif
}

bool
nn_fp_can_flush (void)
{
#ifdef HAVE_MXCSR
  return true;
#else
  return false;
#endif
}

/* ---- the team and matrix products ----
 *
 * OpenBLAS runs on one thread; large products are shared out here instead,
 * by blocks of C: rows of C when A is transposed, columns otherwise. For
 * the dense layer that means by rows of W in both the forward product
 * (columns of out) and the weight product (rows of dW), so each core keeps
 * touching the same part of the weights and they stay in its cache. On
 * the 2 cores measured here (a cache line's round trip between them takes
 * 130-480 ns) this gave 165 us against OpenBLAS's own threads' 204 us for
 * an MNIST MLP's first-layer forward and weight products at batch 64.
 *
 * A fresh input batch would still have to cross to every core that reads
 * it (200 KB for MNIST at batch 64, 30 us here), so an input can be given
 * as replicas, one per part, that each core fills itself (see
 * nn_network_forward_rows()): 200 -> 170 us for the same products.
 *
 * Each part is one single-threaded sgemm on fixed bounds, and when the
 * team is busy with another thread's product the parts run one after the
 * other on the caller, so the numbers depend only on the thread count.
 * Which thread runs a part does not matter to its numbers, so parts are
 * claimed rather than assigned: the caller takes part 0, the workers the
 * others as they come, and the caller, done with its own, takes whatever
 * no worker has claimed yet. A worker that the scheduler holds off (the
 * window drawing on its core, another process) then costs nothing but
 * its part's share of parallelism, instead of the caller waiting out its
 * time slice: the window trains on both cores as fast as the CLI.
 * Small products stay whole on the calling thread: a hand-off costs more
 * than half of them. */

typedef struct
{
  bool trans_a, trans_b;
  int m, n, k;
  float alpha, beta;
  const float *const *a, *const *b;  /* one pointer per part */
  float *c;
  int lda, ldb, ldc;
} Product;

static struct
{
  GMutex busy;            /* held by the thread whose job the team runs */
  GMutex wake_lock;
  GCond wake;
  int n_workers;
  NnPartFunc fn;
  gpointer data;
  int parts;
  unsigned fp_mode;       /* the caller's nn_fp_get_mode (), for the workers */
  atomic_uint generation; /* bumped once per job */
  /* The job's generation (bits 32-63), its parts (16-31) and the next part
   * not yet claimed (0-15), in one word so that a claim names its job. */
  atomic_ullong claim;
  atomic_int remaining;   /* parts claimed by workers or not yet claimed, not finished */
  atomic_int sleeping;
  atomic_uint n_split;    /* jobs cut into parts so far (for the tests) */
} team;

/* Until when (monotonic us) jobs run on the caller alone. Sharing stops
 * paying when other processes hold the cores: a worker may then wait a
 * whole time slice for its turn, every job (under two busy processes a
 * shared MNIST batch took 15 ms, 30 times one core's), or in the app the
 * window's drawing may keep delaying it. So the caller keeps account over
 * windows of jobs of the time it worked on its own part against the time
 * it then waited for the workers; when it waited longer than it worked
 * (alone would have been faster), or once more than 5 ms, it goes alone
 * for a while, longer each time in a row, then tries again. Only the
 * holder of team.busy touches the accounts. */
static atomic_llong congested_until = 0;
static struct
{
  gint64 worked, waited;
  int jobs, strikes;
} account;
#define ACCOUNT_JOBS     64
#define CONGESTED_WAIT   5000    /* us */
#define CONGESTED_PAUSE  250000  /* us, doubled per strike up to 8 times */

static void
keep_account (gint64 start, gint64 own_done, gint64 end)
{
  gboolean congested;

  account.worked += own_done - start;
  account.waited += end - own_done;
  account.jobs++;
  congested = end - own_done > CONGESTED_WAIT ||
              (account.jobs >= ACCOUNT_JOBS && account.waited > account.worked);
  if (congested)
    {
      account.strikes = MIN (account.strikes + 1, 4);
      atomic_store (&congested_until, end + ((gint64) CONGESTED_PAUSE << (account.strikes - 1)));
    }
  else if (account.jobs >= ACCOUNT_JOBS)
    account.strikes = 0;
  if (congested || account.jobs >= ACCOUNT_JOBS)
    account.worked = account.waited = account.jobs = 0;
}

/* The generation each worker was started at; it waits for the next. */
static unsigned start_generation[NN_MAX_TEAM];

/* 0: every core */
static atomic_int max_threads = 0;

void
nn_team_set_threads (int n_threads)
{
  atomic_store (&max_threads, MAX (n_threads, 0));
}

int
nn_team_get_threads (void)
{
  int n = atomic_load (&max_threads);

  return MIN (n > 0 ? n : (int) g_get_num_processors (), NN_MAX_TEAM);
}

unsigned
nn_team_get_n_split (void)
{
  return atomic_load (&team.n_split);
}

/* One round of waiting for another thread: a pause at first, then giving
 * the core away. When other processes keep the cores busy the thread we
 * wait for may be queued on this very core, and spinning would hold it off
 * for a whole time slice (a shared product then took milliseconds). */
static inline void
wait_a_little (int round)
{
  if (round < 256)
    {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause ();
#elif defined(__aarch64__)
      __asm__ __volatile__ ("yield");
#endif
    }
  else
    g_thread_yield ();
}

/* The next unclaimed part of job @gen, or -1 when that job has none left
 * (or is over). A part claimed belongs to a job that is still running: its
 * caller waits for it, so the job's fields stay as they are until then. */
static int
claim_part (unsigned gen)
{
  unsigned long long w = atomic_load_explicit (&team.claim, memory_order_acquire);

  for (;;)
    {
      unsigned next = w & 0xffff, parts = (w >> 16) & 0xffff;

      if ((unsigned) (w >> 32) != gen || next >= parts)
        return -1;
      if (atomic_compare_exchange_weak_explicit (&team.claim, &w, w + 1, memory_order_acq_rel,
                                                 memory_order_acquire))
        return (int) next;
    }
}

static gpointer
worker_main (gpointer data)
{
  int index = GPOINTER_TO_INT (data);
  unsigned seen = start_generation[index];

  for (;;)
    {
      unsigned gen;
      gint64 spin_until = 0;

      /* Spin through the short gaps between a batch's products (tens of
       * microseconds), then sleep until the next job. */
      for (int round = 0; (gen = atomic_load_explicit (&team.generation, memory_order_acquire)) == seen;
           round++)
        {
          wait_a_little (round);
          if (round < 256 || (round & 15) != 0)
            continue;
          if (spin_until == 0)
            spin_until = g_get_monotonic_time () + 500;
          else if (g_get_monotonic_time () > spin_until)
            {
              g_mutex_lock (&team.wake_lock);
              atomic_fetch_add (&team.sleeping, 1);
              while (atomic_load (&team.generation) == seen)
                g_cond_wait (&team.wake, &team.wake_lock);
              atomic_fetch_sub (&team.sleeping, 1);
              g_mutex_unlock (&team.wake_lock);
              spin_until = 0;
            }
        }
      seen = gen;
      for (int part; (part = claim_part (gen)) >= 0;)
        {
          nn_fp_set_mode (team.fp_mode);
          team.fn (team.data, part, team.parts);
          atomic_fetch_sub_explicit (&team.remaining, 1, memory_order_release);
        }
    }
  return NULL;
}

void
nn_team_run (int parts, NnPartFunc fn, gpointer data)
{
  gint64 start, own_done;
  unsigned gen;

  g_return_if_fail (parts >= 1 && parts <= NN_MAX_TEAM);
  if (parts > 1)
    atomic_fetch_add (&team.n_split, 1);

  /* Running the parts one after the other gives the same numbers as
   * sharing them out. */
  if (parts == 1 || g_get_monotonic_time () < atomic_load (&congested_until) ||
      !g_mutex_trylock (&team.busy))
    {
      for (int part = 0; part < parts; part++)
        fn (data, part, parts);
      return;
    }

  while (team.n_workers < parts - 1)
    {
      team.n_workers++;
      start_generation[team.n_workers] = atomic_load (&team.generation);
      g_thread_unref (g_thread_new ("nn-team", worker_main, GINT_TO_POINTER (team.n_workers)));
    }
  team.fn = fn;
  team.data = data;
  team.parts = parts;
  team.fp_mode = nn_fp_get_mode ();
  atomic_store (&team.remaining, parts - 1);
  gen = atomic_load (&team.generation) + 1;
  /* Part 0 is the caller's. */
  atomic_store_explicit (&team.claim, (unsigned long long) gen << 32 | (unsigned) parts << 16 | 1u,
                         memory_order_release);
  g_mutex_lock (&team.wake_lock);
  atomic_store_explicit (&team.generation, gen, memory_order_release);
  if (atomic_load (&team.sleeping) > 0)
    g_cond_broadcast (&team.wake);
  g_mutex_unlock (&team.wake_lock);

  start = g_get_monotonic_time ();
  fn (data, 0, parts);
  for (int part; (part = claim_part (gen)) >= 0;)
    {
      fn (data, part, parts);
      atomic_fetch_sub_explicit (&team.remaining, 1, memory_order_relaxed);
    }
  own_done = g_get_monotonic_time ();
  for (int round = 0; atomic_load_explicit (&team.remaining, memory_order_acquire) > 0; round++)
    wait_a_little (round);
  keep_account (start, own_done, g_get_monotonic_time ());
  g_mutex_unlock (&team.busy);
}

static void
sgemm (const Product *p, int m, int n, const float *a, const float *b, float *c)
{
  cblas_sgemm (CblasRowMajor, p->trans_a ? CblasTrans : CblasNoTrans,
               p->trans_b ? CblasTrans : CblasNoTrans,
               m, n, p->k, p->alpha, a, p->lda, b, p->ldb, p->beta, c, p->ldc);
}

static void
product_part (gpointer data, int part, int parts)
{
  const Product *p = data;

  if (p->trans_a)
    {
      /* rows m0..m1 of C: columns of A as stored */
      int m0 = (int) ((gint64) p->m * part / parts);
      int m1 = (int) ((gint64) p->m * (part + 1) / parts);

      if (m1 > m0)
        sgemm (p, m1 - m0, p->n, p->a[part] + m0, p->b[part], p->c + (size_t) m0 * p->ldc);
    }
  else
    {
      /* columns n0..n1 of C: rows of B if it is transposed, else its columns */
      int n0 = (int) ((gint64) p->n * part / parts);
      int n1 = (int) ((gint64) p->n * (part + 1) / parts);
      const float *b = p->trans_b ? p->b[part] + (size_t) n0 * p->ldb : p->b[part] + n0;

      if (n1 > n0)
        sgemm (p, p->m, n1 - n0, p->a[part], b, p->c + n0);
    }
}

static void
openblas_one_thread (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      openblas_set_num_threads (1);
      g_once_init_leave (&done, 1);
    }
}

int
nn_sgemm_parts (int m, int n, int k)
{
  if ((double) m * n * k < NN_SGEMM_SMALL)
    return 1;
  return nn_team_get_threads ();
}

void
nn_sgemm_replicated (bool trans_a, bool trans_b, int m, int n, int k, float alpha,
                     const float *const *a, int lda, const float *const *b, int ldb,
                     float beta, float *c, int ldc, int parts)
{
  Product p = { trans_a, trans_b, m, n, k, alpha, beta, a, b, c, lda, ldb, ldc };

  openblas_one_thread ();
  if (parts == 1)
    sgemm (&p, m, n, a[0], b[0], c);
  else
    nn_team_run (parts, product_part, &p);
}

static void
shared_parts (const float **reps, const float *x, int parts)
{
  for (int i = 0; i < parts; i++)
    reps[i] = x;
}

void
nn_sgemm (bool trans_a, bool trans_b, int m, int n, int k, float alpha,
          const float *a, int lda, const float *b, int ldb, float beta,
          float *c, int ldc)
{
  const float *as[NN_MAX_TEAM], *bs[NN_MAX_TEAM];
  int parts = nn_sgemm_parts (m, n, k);

  shared_parts (as, a, parts);
  shared_parts (bs, b, parts);
  nn_sgemm_replicated (trans_a, trans_b, m, n, k, alpha, as, lda, bs, ldb, beta, c, ldc, parts);
}

/* One pointer per part for an input given as n_in replicas (1: shared)
 * or for a shared matrix x; returns the parts of an (m,n,k) product. */
static int
input_parts (const float **reps, const float *const *in, int n_in, int m, int n, int k)
{
  int parts = n_in > 1 ? n_in : nn_sgemm_parts (m, n, k);

  for (int i = 0; i < parts; i++)
    reps[i] = in[n_in > 1 ? i : 0];
  return parts;
}

/* b (out_dim) = keep * b + scale * the column sums of dout (n, out_dim),
 * with keep 0 meaning b is only written. The sums are taken in double: in
 * float, 60000 rows of about the same value come out up to 3e-4 off.
 * Columns go in blocks of 16 with a fixed-width loop for full blocks, so
 * the accumulators stay in registers and the row loop vectorises (a
 * conversion and an add per element): 2.1 us against float's 1.5 us for
 * an MNIST MLP's 128 + 64 + 10 biases at batch 64 (a batch takes 500 us). */
#define BIAS_BLOCK 16

static void
bias_update (float *b, float keep, float scale, const float *dout, int n, int out_dim)
{
  for (int j0 = 0; j0 < out_dim; j0 += BIAS_BLOCK)
    {
      const int width = MIN (BIAS_BLOCK, out_dim - j0);
      double acc[BIAS_BLOCK] = { 0 };

      if (width == BIAS_BLOCK)
        for (int i = 0; i < n; i++)
          {
            const float *row = dout + (size_t) i * out_dim + j0;
            for (int j = 0; j < BIAS_BLOCK; j++)
              acc[j] += row[j];
          }
      else
        for (int i = 0; i < n; i++)
          {
            const float *row = dout + (size_t) i * out_dim + j0;
            for (int j = 0; j < width; j++)
              acc[j] += row[j];
          }
      for (int j = 0; j < width; j++)
        b[j0 + j] = (float) ((keep != 0.0f ? (double) keep * b[j0 + j] : 0.0) + scale * acc[j]);
    }
}

void
nn_dense_forward_replicated (float *out, const float *const *in, int n_in, const float *w,
                             const float *b, int n, int in_dim, int out_dim)
{
  const float *ins[NN_MAX_TEAM], *ws[NN_MAX_TEAM];
  int parts = input_parts (ins, in, n_in, n, out_dim, in_dim);

  shared_parts (ws, w, parts);
  for (int i = 0; i < n; i++)
    memcpy (out + (size_t) i * out_dim, b, sizeof (float) * out_dim);
  nn_sgemm_replicated (false, true, n, out_dim, in_dim, 1.0f, ins, in_dim, ws, in_dim, 1.0f,
                       out, out_dim, parts);
}

void
nn_dense_forward (float *out, const float *in, const float *w, const float *b,
                  int n, int in_dim, int out_dim)
{
  nn_dense_forward_replicated (out, &in, 1, w, b, n, in_dim, out_dim);
}

void
nn_dense_backward_replicated (float *din, float *dw, float *db, const float *dout,
                              const float *const *in, int n_in, const float *w,
                              int n, int in_dim, int out_dim)
{
  const float *ins[NN_MAX_TEAM], *douts[NN_MAX_TEAM];
  int parts = input_parts (ins, in, n_in, out_dim, in_dim, n);

  shared_parts (douts, dout, parts);
  nn_sgemm_replicated (true, false, out_dim, in_dim, n, 1.0f, douts, out_dim, ins, in_dim, 0.0f,
                       dw, in_dim, parts);
  bias_update (db, 0.0f, 1.0f, dout, n, out_dim);
  if (din != NULL)
    nn_sgemm (false, false, n, in_dim, out_dim, 1.0f, dout, out_dim, w, in_dim, 0.0f, din, in_dim);
}

void
nn_dense_backward (float *din, float *dw, float *db, const float *dout,
                   const float *in, const float *w, int n, int in_dim, int out_dim)
{
  nn_dense_backward_replicated (din, dw, db, dout, &in, 1, w, n, in_dim, out_dim);
}

void
nn_dense_backward_sgd_replicated (float *din, float *w, float *b, const float *dout,
                                  const float *const *in, int n_in, int n, int in_dim,
                                  int out_dim, float lr, float weight_decay)
{
  const float keep = 1.0f - lr * weight_decay;
  const float *ins[NN_MAX_TEAM], *douts[NN_MAX_TEAM];
  int parts = input_parts (ins, in, n_in, out_dim, in_dim, n);

  /* The input gradient needs the weights before this step. */
  if (din != NULL)
    nn_sgemm (false, false, n, in_dim, out_dim, 1.0f, dout, out_dim, w, in_dim, 0.0f, din, in_dim);
  shared_parts (douts, dout, parts);
  nn_sgemm_replicated (true, false, out_dim, in_dim, n, -lr, douts, out_dim, ins, in_dim, keep,
                       w, in_dim, parts);

  bias_update (b, keep, -lr, dout, n, out_dim);
}

void
nn_relu_forward (float *y, const float *x, size_t m)
{
  /* Selects, not fmaxf or products, so GCC vectorises them at -O3. */
  for (size_t i = 0; i < m; i++)
    y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void
nn_relu_backward (float *din, const float *dout, const float *x, size_t m)
{
  for (size_t i = 0; i < m; i++)
    {
      float d = dout[i];
      din[i] = x[i] > 0.0f ? d : 0.0f;
    }
}

void
nn_leaky_relu_forward (float *y, const float *x, float slope, size_t m)
{
  for (size_t i = 0; i < m; i++)
    y[i] = x[i] > 0.0f ? x[i] : slope * x[i];
}

void
nn_leaky_relu_backward (float *din, const float *dout, const float *x, float slope, size_t m)
{
  for (size_t i = 0; i < m; i++)
    {
      float d = dout[i];
      din[i] = x[i] > 0.0f ? d : slope * d;
    }
}

void
nn_sigmoid_forward (float *y, const float *x, size_t m)
{
  for (size_t i = 0; i < m; i++)
    y[i] = nn_sigmoid (x[i]);
}

void
nn_sigmoid_backward (float *din, const float *dout, const float *y, size_t m)
{
  for (size_t i = 0; i < m; i++)
    din[i] = dout[i] * y[i] * (1.0f - y[i]);
}

void
nn_tanh_forward (float *y, const float *x, size_t m)
{
  for (size_t i = 0; i < m; i++)
    y[i] = tanhf (x[i]);
}

void
nn_tanh_backward (float *din, const float *dout, const float *y, size_t m)
{
  for (size_t i = 0; i < m; i++)
    din[i] = dout[i] * (1.0f - y[i] * y[i]);
}

void
nn_softmax_forward (float *y, const float *x, int n, int dim)
{
  for (int i = 0; i < n; i++)
    {
      const float *xi = x + (size_t) i * dim;
      float *yi = y + (size_t) i * dim;
      float max = xi[0], sum = 0.0f;

      for (int j = 1; j < dim; j++)
        max = fmaxf (max, xi[j]);
      for (int j = 0; j < dim; j++)
        {
          yi[j] = expf (xi[j] - max);
          sum += yi[j];
        }
      for (int j = 0; j < dim; j++)
        yi[j] /= sum;
    }
}

void
nn_softmax_backward (float *din, const float *dout, const float *y, int n, int dim)
{
  for (int i = 0; i < n; i++)
    {
      const float *gi = dout + (size_t) i * dim;
      const float *yi = y + (size_t) i * dim;
      float *di = din + (size_t) i * dim;
      float dot = 0.0f;

      for (int j = 0; j < dim; j++)
        dot += gi[j] * yi[j];
      for (int j = 0; j < dim; j++)
        di[j] = yi[j] * (gi[j] - dot);
    }
}

void
nn_dropout_apply (float *y, const float *x, const float *mask, size_t m)
{
  for (size_t i = 0; i < m; i++)
    y[i] = x[i] * mask[i];
}

void
nn_softmax_rows (float *x, int n, int dim)
{
  nn_softmax_forward (x, x, n, dim);
}

/* ---- convolution and pooling ----
 *
 * A convolution is lowered to matrix products (im2col): the patches of a
 * few samples become the columns of cols (c k k, nb oh ow), sample after
 * sample, and then
 *   forward  Y  = W cols           (f, nb oh ow), scattered to y (n, f, oh, ow)
 *   weights  dW += dY cols^T       (f, c k k), computed as its transpose
 *   input    dcols = W^T dY        (c k k, nb oh ow), gathered back to dx (col2im)
 * with W (f, c k k) as PyTorch stores it. The batch is cut into parts, one
 * per core of the team, each with single-threaded BLAS; a part goes
 * through its samples in chunks whose columns fit in a core's L2 cache
 * (on the whole batch they were written out to memory and read back:
 * im2col alone then took 17 % of a LeNet's training time). Backward lowers
 * the input again rather than keeping the columns from forward. The
 * parts' weight gradients are summed in part order; the chunks depend on
 * the shapes alone, so the numbers depend only on the thread count. */

void
nn_conv_shape_init (NnConvShape *s, int n, int c, int h, int w, int f, int k, int stride,
                    int pad)
{
  *s = (NnConvShape) { n, c, h, w, f, k, stride, pad, 0, 0 };
  s->oh = (h + 2 * pad - k) / stride + 1;
  s->ow = (w + 2 * pad - k) / stride + 1;
}

/* Floats of a chunk's columns and products, at most (unless one sample
 * needs more): 384 KB, in a 1 MB L2 with room for the weights and the
 * products' packing. */
#define CONV_CHUNK_FLOATS (96 * 1024)

static size_t
conv_sample_floats (const NnConvShape *s)
{
  return ((size_t) s->c * s->k * s->k + s->f) * s->oh * s->ow;
}

static int
conv_chunk (const NnConvShape *s)
{
  return (int) MAX (1, CONV_CHUNK_FLOATS / conv_sample_floats (s));
}

/* Each thread's chunk buffer, kept between calls, freed when it ends. */
typedef struct
{
  size_t size;
  float data[];
} ChunkBuffer;

static GPrivate chunk_buffer = G_PRIVATE_INIT (g_free);

static float *
thread_buffer (size_t size)
{
  ChunkBuffer *b = g_private_get (&chunk_buffer);

  if (b == NULL || b->size < size)
    {
      b = g_malloc (sizeof (ChunkBuffer) + sizeof (float) * size);
      b->size = size;
      g_private_replace (&chunk_buffer, b);
    }
  return b->data;
}

/* The output columns ox with 0 <= ox * stride - pad + kj < w: [*lo, *hi). */
static void
valid_range (int kj, int stride, int pad, int w, int ow, int *lo, int *hi)
{
  int a = pad - kj, b = w + pad - kj;

  *lo = a <= 0 ? 0 : (a + stride - 1) / stride;
  *hi = b <= 0 ? 0 : MIN (ow, (b + stride - 1) / stride);
  if (*lo > *hi)
    *lo = *hi;
}

/* GCC turns a copy loop into a call to memcpy, which for the rows of a
 * few dozen floats that im2col copies costs more than the copy (8 % of a
 * LeNet's training time went to memmove). */
#if defined(__GNUC__) && !defined(__clang__)
#define NO_MEMCPY_CALLS __attribute__ ((optimize ("no-tree-loop-distribute-patterns")))
#else
#define NO_MEMCPY_CALLS
#endif

/* The lowering and pooling are bound by how many floats a core stores per
 * cycle, so they get an AVX2 twin chosen at run time where the CPU has it
 * (the engine is built for baseline x86-64, SSE2). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__ELF__) && \
    (defined(__x86_64__) || defined(__i386__))
#define WIDE_STORES __attribute__ ((target_clones ("avx2", "default")))
#else
#define WIDE_STORES
#endif

/* cols (c k k, (s1 - s0) oh ow) = the patches of samples s0..s1. */
NO_MEMCPY_CALLS WIDE_STORES static void
im2col (float *cols, const float *x, const NnConvShape *s, int s0, int s1)
{
  const int k = s->k, st = s->stride, pad = s->pad, oh = s->oh, ow = s->ow;
  const size_t p = (size_t) oh * ow, ld = (size_t) (s1 - s0) * p;

  for (int i = s0; i < s1; i++)
    for (int c = 0; c < s->c; c++)
      {
        const float *plane = x + ((size_t) i * s->c + c) * s->h * s->w;

        for (int ki = 0; ki < k; ki++)
          for (int kj = 0; kj < k; kj++)
            {
              float *dst = cols + ((size_t) (c * k + ki) * k + kj) * ld + (size_t) (i - s0) * p;
              int lo, hi;

              valid_range (kj, st, pad, s->w, ow, &lo, &hi);
              for (int oy = 0; oy < oh; oy++, dst += ow)
                {
                  int iy = oy * st - pad + ki;
                  const float *src;

                  if (iy < 0 || iy >= s->h)
                    {
                      for (int ox = 0; ox < ow; ox++)
                        dst[ox] = 0.0f;
                      continue;
                    }
                  src = plane + (size_t) iy * s->w - pad + kj;
                  for (int ox = 0; ox < lo; ox++)
                    dst[ox] = 0.0f;
                  if (st == 1)
                    for (int ox = lo; ox < hi; ox++)
                      dst[ox] = src[ox];
                  else
                    for (int ox = lo; ox < hi; ox++)
                      dst[ox] = src[(size_t) ox * st];
                  for (int ox = hi; ox < ow; ox++)
                    dst[ox] = 0.0f;
                }
            }
      }
}

/* dx (samples s0..s1) = the sums of their patches' gradients, cols as
 * im2col () lays them out. */
WIDE_STORES static void
col2im (float *dx, const float *cols, const NnConvShape *s, int s0, int s1)
{
  const int k = s->k, st = s->stride, pad = s->pad, oh = s->oh, ow = s->ow;
  const size_t p = (size_t) oh * ow, ld = (size_t) (s1 - s0) * p;

  memset (dx + (size_t) s0 * s->c * s->h * s->w, 0,
          sizeof (float) * (size_t) (s1 - s0) * s->c * s->h * s->w);
  for (int i = s0; i < s1; i++)
    for (int c = 0; c < s->c; c++)
      {
        float *plane = dx + ((size_t) i * s->c + c) * s->h * s->w;

        for (int ki = 0; ki < k; ki++)
          for (int kj = 0; kj < k; kj++)
            {
              const float *src = cols + ((size_t) (c * k + ki) * k + kj) * ld + (size_t) (i - s0) * p;
              int lo, hi;

              valid_range (kj, st, pad, s->w, ow, &lo, &hi);
              for (int oy = 0; oy < oh; oy++, src += ow)
                {
                  int iy = oy * st - pad + ki;
                  float *dst;

                  if (iy < 0 || iy >= s->h)
                    continue;
                  dst = plane + (size_t) iy * s->w - pad + kj;
                  if (st == 1)
                    for (int ox = lo; ox < hi; ox++)
                      dst[ox] += src[ox];
                  else
                    for (int ox = lo; ox < hi; ox++)
                      dst[(size_t) ox * st] += src[ox];
                }
            }
      }
}

typedef struct
{
  const NnConvShape *s;
  float *y, *dx;
  const float *x, *w, *b, *dy;
  float *dw_parts;    /* (parts, c k k, f): each part's dW^T */
  double *db_parts;   /* (parts, f) */
} ConvJob;

static void
part_bounds (int n, int part, int parts, int *s0, int *s1)
{
  *s0 = (int) ((gint64) n * part / parts);
  *s1 = (int) ((gint64) n * (part + 1) / parts);
}

static int
conv_parts (const NnConvShape *s)
{
  double macs = (double) s->n * s->f * s->c * s->k * s->k * s->oh * s->ow;

  if (macs < NN_SGEMM_SMALL)
    return 1;
  return MIN (nn_team_get_threads (), s->n);
}

static void
conv_forward_part (gpointer data, int part, int parts)
{
  const ConvJob *job = data;
  const NnConvShape *s = job->s;
  const int ckk = s->c * s->k * s->k, chunk = conv_chunk (s);
  const size_t p = (size_t) s->oh * s->ow;
  float *cols = thread_buffer ((size_t) chunk * conv_sample_floats (s));
  float *tmp = cols + (size_t) chunk * ckk * p;
  int s0, s1;

  part_bounds (s->n, part, parts, &s0, &s1);
  for (int c0 = s0; c0 < s1; c0 += chunk)
    {
      const int c1 = MIN (c0 + chunk, s1);
      const size_t ld = (size_t) (c1 - c0) * p;

      im2col (cols, job->x, s, c0, c1);
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, s->f, (int) ld, ckk, 1.0f, job->w,
                   ckk, cols, (int) ld, 0.0f, tmp, (int) ld);
      for (int i = c0; i < c1; i++)
        for (int f = 0; f < s->f; f++)
          {
            const float *src = tmp + (size_t) f * ld + (size_t) (i - c0) * p;
            float *dst = job->y + ((size_t) i * s->f + f) * p;
            const float bias = job->b[f];

            for (size_t q = 0; q < p; q++)
              dst[q] = src[q] + bias;
          }
    }
}

void
nn_conv2d_forward (float *y, const float *x, const float *w, const float *b,
                   const NnConvShape *s)
{
  ConvJob job = { .s = s, .y = y, .x = x, .w = w, .b = b };

  openblas_one_thread ();
  nn_team_run (conv_parts (s), conv_forward_part, &job);
}

static void
conv_backward_part (gpointer data, int part, int parts)
{
  const ConvJob *job = data;
  const NnConvShape *s = job->s;
  const int ckk = s->c * s->k * s->k, chunk = conv_chunk (s);
  const size_t p = (size_t) s->oh * s->ow;
  float *cols = thread_buffer ((size_t) chunk * conv_sample_floats (s));
  float *tmp = cols + (size_t) chunk * ckk * p;
  float *dw = job->dw_parts + (size_t) part * s->f * ckk;
  double *db = job->db_parts + (size_t) part * s->f;
  int s0, s1;

  part_bounds (s->n, part, parts, &s0, &s1);
  memset (dw, 0, sizeof (float) * s->f * ckk);
  for (int f = 0; f < s->f; f++)
    db[f] = 0.0;
  for (int c0 = s0; c0 < s1; c0 += chunk)
    {
      const int c1 = MIN (c0 + chunk, s1);
      const size_t ld = (size_t) (c1 - c0) * p;

      /* dY in the columns' order; the bias gradient's sums in float over
       * one sample's positions (a few hundred), in double over samples. */
      for (int f = 0; f < s->f; f++)
        for (int i = c0; i < c1; i++)
          {
            const float *src = job->dy + ((size_t) i * s->f + f) * p;
            float *dst = tmp + (size_t) f * ld + (size_t) (i - c0) * p;
            float row = 0.0f;

            for (size_t q = 0; q < p; q++)
              {
                dst[q] = src[q];
                row += src[q];
              }
            db[f] += row;
          }
      im2col (cols, job->x, s, c0, c1);
      /* As dW^T = cols dY^T (c k k, f): 15-20 % faster than dY cols^T at
       * these shapes (OpenBLAS 0.3.21; 6 x 25 x 2880 and 16 x 150 x 576). */
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, ckk, s->f, (int) ld, 1.0f, cols,
                   (int) ld, tmp, (int) ld, 1.0f, dw, s->f);
      if (job->dx == NULL)
        continue;
      /* The chunk's columns are spent: their place takes their gradient. */
      cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, ckk, (int) ld, s->f, 1.0f, job->w,
                   ckk, tmp, (int) ld, 0.0f, cols, (int) ld);
      col2im (job->dx, cols, s, c0, c1);
    }
}

/* Runs the parts, then sums their gradients in part order into dw and db
 * (keep 0: overwritten) as w = keep w + scale dw. */
static void
conv_backward_run (float *dx, float *dw, float *db, float keep, float scale, const float *dy,
                   const float *x, const float *w, const NnConvShape *s)
{
  const int parts = conv_parts (s);
  const size_t ckk = (size_t) s->c * s->k * s->k, n_w = s->f * ckk;
  ConvJob job = { .s = s, .dx = dx, .x = x, .w = w, .dy = dy };

  openblas_one_thread ();
  job.dw_parts = g_new (float, parts * n_w);
  job.db_parts = g_new (double, (size_t) parts * s->f);
  nn_team_run (parts, conv_backward_part, &job);
  for (int f = 0; f < s->f; f++)
    for (size_t r = 0; r < ckk; r++)
      {
        const size_t j = (size_t) f * ckk + r, t = r * s->f + f;
        float sum = job.dw_parts[t];

        for (int part = 1; part < parts; part++)
          sum += job.dw_parts[part * n_w + t];
        dw[j] = keep != 0.0f ? keep * dw[j] + scale * sum : scale * sum;
      }
  for (int f = 0; f < s->f; f++)
    {
      double sum = job.db_parts[f];

      for (int part = 1; part < parts; part++)
        sum += job.db_parts[(size_t) part * s->f + f];
      db[f] = (float) ((keep != 0.0f ? (double) keep * db[f] : 0.0) + scale * sum);
    }
  g_free (job.dw_parts);
  g_free (job.db_parts);
}

void
nn_conv2d_backward (float *dx, float *dw, float *db, const float *dy, const float *x,
                    const float *w, const NnConvShape *s)
{
  conv_backward_run (dx, dw, db, 0.0f, 1.0f, dy, x, w, s);
}

void
nn_conv2d_backward_sgd (float *dx, float *w, float *b, const float *dy, const float *x,
                        const NnConvShape *s, float lr, float weight_decay)
{
  /* The parts read the old weights; the step comes after them. */
  conv_backward_run (dx, w, b, 1.0f - lr * weight_decay, -lr, dy, x, w, s);
}

/* The bench's floor: the lowering and the products alone, on the same
 * parts and chunks as forward and backward (backward lowers again, as
 * they do), with the chunk's forward Y in the thread's buffer standing in
 * for dY, of the same shape. The same calls as conv_forward_part () and
 * conv_backward_part (): keep them in step. */
typedef struct
{
  const NnConvShape *s;
  bool backward;
  float *dx, *dw_parts;
  const float *x, *w;
} ConvFloorJob;

static void
conv_floor_part (gpointer data, int part, int parts)
{
  const ConvFloorJob *job = data;
  const NnConvShape *s = job->s;
  const int ckk = s->c * s->k * s->k, chunk = conv_chunk (s);
  const size_t p = (size_t) s->oh * s->ow;
  float *cols = thread_buffer ((size_t) chunk * conv_sample_floats (s));
  float *tmp = cols + (size_t) chunk * ckk * p;
  float *dw = job->dw_parts + (size_t) part * s->f * ckk;
  int s0, s1;

  part_bounds (s->n, part, parts, &s0, &s1);
  for (int c0 = s0; c0 < s1; c0 += chunk)
    {
      const int c1 = MIN (c0 + chunk, s1);
      const size_t ld = (size_t) (c1 - c0) * p;

      im2col (cols, job->x, s, c0, c1);
      if (!job->backward)
        {
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, s->f, (int) ld, ckk, 1.0f,
                       job->w, ckk, cols, (int) ld, 0.0f, tmp, (int) ld);
          continue;
        }
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, ckk, s->f, (int) ld, 1.0f, cols,
                   (int) ld, tmp, (int) ld, c0 > s0 ? 1.0f : 0.0f, dw, s->f);
      if (job->dx == NULL)
        continue;
      cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, ckk, (int) ld, s->f, 1.0f, job->w,
                   ckk, tmp, (int) ld, 0.0f, cols, (int) ld);
      col2im (job->dx, cols, s, c0, c1);
    }
}

void
nn_conv2d_floor (bool backward, float *dx, const float *x, const float *w,
                 const NnConvShape *s)
{
  const int parts = conv_parts (s);
  ConvFloorJob job = { .s = s, .backward = backward, .dx = dx, .x = x, .w = w };

  openblas_one_thread ();
  job.dw_parts = g_new (float, (size_t) parts * s->f * s->c * s->k * s->k);
  nn_team_run (parts, conv_floor_part, &job);
  g_free (job.dw_parts);
}

/* Pooling is shared out over the team by blocks of planes (a plane is one
 * channel of one sample) when the batch is large enough to pay for the
 * hand-off; no sum crosses planes, so the numbers are the same any way. */
#define POOL_SMALL 65536   /* input floats */

typedef struct
{
  const NnConvShape *s;
  float *y, *arg, *dx;
  const float *x, *dy;
  void (*fn) (const NnConvShape *s, float *y, float *arg, float *dx, const float *x,
              const float *dy, size_t plane0, size_t plane1);
} PoolJob;

static void
pool_part (gpointer data, int part, int parts)
{
  const PoolJob *job = data;
  size_t planes = (size_t) job->s->n * job->s->c;

  job->fn (job->s, job->y, job->arg, job->dx, job->x, job->dy, planes * part / parts,
           planes * (part + 1) / parts);
}

static void
pool_run (PoolJob *job)
{
  const NnConvShape *s = job->s;
  int parts = 1;

  if ((size_t) s->n * s->c * s->h * s->w >= POOL_SMALL)
    parts = MIN (nn_team_get_threads (), s->n * s->c);
  nn_team_run (parts, pool_part, job);
}

/* Max pooling: the index of each maximum in its plane goes to arg (as a
 * float: planes are far below 2^24). Row by row of the output, one window
 * position (ki, kj) at a time over the whole row, so that the compares and
 * selects vectorise; the scan is in the window's row-major order, so the
 * first of equals wins. */
WIDE_STORES static void
maxpool_planes (const NnConvShape *s, float *y, float *arg, float *dx, const float *x,
                const float *dy, size_t plane0, size_t plane1)
{
  const int k = s->k, st = s->stride, oh = s->oh, ow = s->ow;
  const size_t hw = (size_t) s->h * s->w, p = (size_t) oh * ow;

  for (size_t plane = plane0; plane < plane1; plane++)
    {
      const float *xp = x + plane * hw;

      for (int oy = 0; oy < oh; oy++)
        {
          float *yr = y + plane * p + (size_t) oy * ow, *ar = arg + plane * p + (size_t) oy * ow;

          if (k == 2 && st == 2)
            {
              /* The common 2x2 pool, its four candidates in scan order. */
              const float *r0 = xp + (size_t) 2 * oy * s->w, *r1 = r0 + s->w;
              const float i0 = (float) (2 * oy * s->w);

              for (int ox = 0; ox < ow; ox++)
                {
                  float a = r0[2 * ox], b = r0[2 * ox + 1], c = r1[2 * ox], d = r1[2 * ox + 1];
                  float m = a, at = i0 + 2 * ox;
                  gboolean take;

                  take = b > m || b != b;
                  m = take ? b : m;
                  at = take ? i0 + 2 * ox + 1 : at;
                  take = c > m || c != c;
                  m = take ? c : m;
                  at = take ? i0 + s->w + 2 * ox : at;
                  take = d > m || d != d;
                  m = take ? d : m;
                  at = take ? i0 + s->w + 2 * ox + 1 : at;
                  yr[ox] = m;
                  ar[ox] = at;
                }
              continue;
            }
          for (int ox = 0; ox < ow; ox++)
            {
              yr[ox] = -INFINITY;
              ar[ox] = (float) (oy * st * s->w + ox * st);
            }
          for (int ki = 0; ki < k; ki++)
            for (int kj = 0; kj < k; kj++)
              {
                const int base = (oy * st + ki) * s->w + kj;
                const float *src = xp + base;

                for (int ox = 0; ox < ow; ox++)
                  {
                    float v = src[(size_t) ox * st];
                    gboolean take = v > yr[ox] || v != v;

                    yr[ox] = take ? v : yr[ox];
                    ar[ox] = take ? (float) (base + ox * st) : ar[ox];
                  }
              }
        }
    }
}

void
nn_maxpool_forward (float *y, float *arg, const float *x, const NnConvShape *s)
{
  PoolJob job = { .s = s, .y = y, .arg = arg, .x = x, .fn = maxpool_planes };

  pool_run (&job);
}

static void
maxpool_back_planes (const NnConvShape *s, float *y, float *arg, float *dx, const float *x,
                     const float *dy, size_t plane0, size_t plane1)
{
  const size_t hw = (size_t) s->h * s->w, p = (size_t) s->oh * s->ow;

  memset (dx + plane0 * hw, 0, sizeof (float) * (plane1 - plane0) * hw);
  for (size_t plane = plane0; plane < plane1; plane++)
    {
      float *dp = dx + plane * hw;
      const float *gp = dy + plane * p, *ap = arg + plane * p;

      for (size_t q = 0; q < p; q++)
        dp[(size_t) ap[q]] += gp[q];
    }
}

void
nn_maxpool_backward (float *dx, const float *dy, const float *arg, const NnConvShape *s)
{
  PoolJob job = { .s = s, .arg = (float *) arg, .dx = dx, .dy = dy, .fn = maxpool_back_planes };

  pool_run (&job);
}

static void
avgpool_planes (const NnConvShape *s, float *y, float *arg, float *dx, const float *x,
                const float *dy, size_t plane0, size_t plane1)
{
  const int k = s->k, st = s->stride, oh = s->oh, ow = s->ow;
  const size_t hw = (size_t) s->h * s->w, p = (size_t) oh * ow;
  const float scale = 1.0f / (float) (k * k);

  for (size_t plane = plane0; plane < plane1; plane++)
    {
      const float *xp = x + plane * hw;
      float *yp = y + plane * p;

      for (int oy = 0; oy < oh; oy++)
        {
          float *row = yp + (size_t) oy * ow;

          for (int ox = 0; ox < ow; ox++)
            row[ox] = 0.0f;
          for (int ki = 0; ki < k; ki++)
            {
              const float *src = xp + (size_t) (oy * st + ki) * s->w;

              for (int kj = 0; kj < k; kj++)
                for (int ox = 0; ox < ow; ox++)
                  row[ox] += src[(size_t) ox * st + kj];
            }
          for (int ox = 0; ox < ow; ox++)
            row[ox] *= scale;
        }
    }
}

void
nn_avgpool_forward (float *y, const float *x, const NnConvShape *s)
{
  PoolJob job = { .s = s, .y = y, .x = x, .fn = avgpool_planes };

  pool_run (&job);
}

static void
avgpool_back_planes (const NnConvShape *s, float *y, float *arg, float *dx, const float *x,
                     const float *dy, size_t plane0, size_t plane1)
{
  const int k = s->k, st = s->stride, oh = s->oh, ow = s->ow;
  const size_t hw = (size_t) s->h * s->w, p = (size_t) oh * ow;
  const float scale = 1.0f / (float) (k * k);

  memset (dx + plane0 * hw, 0, sizeof (float) * (plane1 - plane0) * hw);
  for (size_t plane = plane0; plane < plane1; plane++)
    {
      float *dp = dx + plane * hw;
      const float *gp = dy + plane * p;

      for (int oy = 0; oy < oh; oy++)
        for (int ki = 0; ki < k; ki++)
          {
            float *dst = dp + (size_t) (oy * st + ki) * s->w;

            for (int kj = 0; kj < k; kj++)
              for (int ox = 0; ox < ow; ox++)
                dst[(size_t) ox * st + kj] += scale * gp[(size_t) oy * ow + ox];
          }
    }
}

void
nn_avgpool_backward (float *dx, const float *dy, const NnConvShape *s)
{
  PoolJob job = { .s = s, .dx = dx, .dy = dy, .fn = avgpool_back_planes };

  pool_run (&job);
}

/* Batch normalisation. A flat input (s == 1) is read row by row, each
 * row a vector over the channels; a C×H×W one channel row by channel row,
 * each a vector over its pixels. Sums over a row go into 8 partial sums,
 * which GCC vectorises without reassociating anything itself; the rows'
 * totals are added in double. */

#define BN_LANES 8

static inline void
row_sums (const float *x, int s, float mean, double *sum, double *sq)
{
  float a[BN_LANES] = { 0 }, b[BN_LANES] = { 0 };
  int k = 0;

  for (; k + BN_LANES <= s; k += BN_LANES)
    for (int l = 0; l < BN_LANES; l++)
      {
        float d = x[k + l] - mean;
        a[l] += d;
        b[l] += d * d;
      }
  for (; k < s; k++)
    {
      float d = x[k] - mean;
      a[0] += d;
      b[0] += d * d;
    }
  for (int l = 0; l < BN_LANES; l++)
    {
      *sum += a[l];
      *sq += b[l];
    }
}

void
nn_batchnorm_stats (float *mean, float *var, const float *x, int n, int c, int s)
{
  const double inv_m = 1.0 / ((double) n * s);

  if (s == 1)
    {
      /* Two passes: the mean, then squares about it (no cancellation). */
      for (int j = 0; j < c; j++)
        mean[j] = var[j] = 0.0f;
      for (int i = 0; i < n; i++)
        for (int j = 0; j < c; j++)
          mean[j] += x[(size_t) i * c + j];
      for (int j = 0; j < c; j++)
        mean[j] = (float) (mean[j] * inv_m);
      for (int i = 0; i < n; i++)
        for (int j = 0; j < c; j++)
          {
            float d = x[(size_t) i * c + j] - mean[j];
            var[j] += d * d;
          }
      for (int j = 0; j < c; j++)
        var[j] = (float) (var[j] * inv_m);
      return;
    }
  for (int j = 0; j < c; j++)
    {
      double sum = 0.0, sq = 0.0, dummy = 0.0;
      float mu;

      for (int i = 0; i < n; i++)
        row_sums (x + ((size_t) i * c + j) * s, s, 0.0f, &sum, &dummy);
      mu = (float) (sum * inv_m);
      sum = 0.0;
      for (int i = 0; i < n; i++)
        row_sums (x + ((size_t) i * c + j) * s, s, mu, &sum, &sq);
      mean[j] = mu;
      var[j] = (float) (sq * inv_m);
    }
}

void
nn_batchnorm_apply (float *y, const float *x, const float *mean, const float *scale,
                    const float *shift, int n, int c, int s)
{
  if (s == 1)
    {
      for (int i = 0; i < n; i++)
        {
          const float *xi = x + (size_t) i * c;
          float *yi = y + (size_t) i * c;

          for (int j = 0; j < c; j++)
            yi[j] = (xi[j] - mean[j]) * scale[j] + shift[j];
        }
      return;
    }
  for (int i = 0; i < n; i++)
    for (int j = 0; j < c; j++)
      {
        const float *xr = x + ((size_t) i * c + j) * s;
        float *yr = y + ((size_t) i * c + j) * s;
        const float mu = mean[j], a = scale[j], b = shift[j];

        for (int k = 0; k < s; k++)
          yr[k] = (xr[k] - mu) * a + b;
      }
}

void
nn_batchnorm_backward (float *din, float *dgamma, float *dbeta, const float *dout,
                       const float *x, const float *mean, const float *inv_std,
                       const float *gamma, int n, int c, int s)
{
  const float inv_m = (float) (1.0 / ((double) n * s));

  if (s == 1)
    {
      /* dgamma first holds sum dout (x - mean), scaled by inv_std after. */
      for (int j = 0; j < c; j++)
        dgamma[j] = dbeta[j] = 0.0f;
      for (int i = 0; i < n; i++)
        {
          const float *xi = x + (size_t) i * c, *gi = dout + (size_t) i * c;

          for (int j = 0; j < c; j++)
            {
              dbeta[j] += gi[j];
              dgamma[j] += gi[j] * (xi[j] - mean[j]);
            }
        }
      for (int j = 0; j < c; j++)
        dgamma[j] *= inv_std[j];
      if (din == NULL)
        return;
      for (int i = 0; i < n; i++)
        {
          const float *xi = x + (size_t) i * c, *gi = dout + (size_t) i * c;
          float *di = din + (size_t) i * c;

          for (int j = 0; j < c; j++)
            {
              float xhat = (xi[j] - mean[j]) * inv_std[j];
              di[j] = gamma[j] * inv_std[j]
                      * (gi[j] - dbeta[j] * inv_m - xhat * dgamma[j] * inv_m);
            }
        }
      return;
    }
  for (int j = 0; j < c; j++)
    {
      double sum_g = 0.0, sum_gx = 0.0;

      for (int i = 0; i < n; i++)
        {
          const float *xr = x + ((size_t) i * c + j) * s, *gr = dout + ((size_t) i * c + j) * s;
          float a[BN_LANES] = { 0 }, b[BN_LANES] = { 0 };
          const float mu = mean[j];
          int k = 0;

          for (; k + BN_LANES <= s; k += BN_LANES)
            for (int l = 0; l < BN_LANES; l++)
              {
                a[l] += gr[k + l];
                b[l] += gr[k + l] * (xr[k + l] - mu);
              }
          for (; k < s; k++)
            {
              a[0] += gr[k];
              b[0] += gr[k] * (xr[k] - mu);
            }
          for (int l = 0; l < BN_LANES; l++)
            {
              sum_g += a[l];
              sum_gx += b[l];
            }
        }
      dbeta[j] = (float) sum_g;
      dgamma[j] = (float) (sum_gx * inv_std[j]);
    }
  if (din == NULL)
    return;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < c; j++)
      {
        const float *xr = x + ((size_t) i * c + j) * s, *gr = dout + ((size_t) i * c + j) * s;
        float *dr = din + ((size_t) i * c + j) * s;
        const float mu = mean[j], is = inv_std[j], k0 = gamma[j] * inv_std[j];
        const float mb = dbeta[j] * inv_m, mg = dgamma[j] * inv_m;

        for (int k = 0; k < s; k++)
          dr[k] = k0 * (gr[k] - mb - (xr[k] - mu) * is * mg);
      }
}
