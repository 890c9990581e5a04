/*
 * locality.c - exercise 10, locality, affinity and the roofline. THE FILE
 * YOU EDIT.
 *
 * Every kernel here already works, serially: run
 *   build/exercises/10-locality/locality --kernel all --validate
 * and every check passes on one thread. Your work is to make each one use
 * the threads without losing to the memory system:
 *
 *   step 1  threads that count into their own histograms, each histogram on
 *           cache lines of its own (false sharing: README, step 1);
 *   step 2  arrays first written by the threads that will later read them,
 *           in the same loop schedule (first touch: README, step 2);
 *   step 3  the triad in that same schedule, and its work per element;
 *   step 4  a kernel that computes far more than it reads, and its work
 *           per element: the two ends of the roofline (README, step 4).
 *
 * A few words used below:
 *   cache line  the unit the caches move and keep coherent: 64 bytes here.
 *               Two threads writing different variables in ONE line make
 *               the line travel between their cores at every write, as if
 *               they shared the variable ("false sharing").
 *   first touch on Linux, a page of a fresh allocation gets its physical
 *               memory when it is first written, on the memory node of the
 *               core that wrote it. On a machine with two sockets, a page
 *               touched by thread 0 lives by socket 0: a thread on socket 1
 *               reading it goes through the link between the sockets.
 *   schedule(static)
 *               '#pragma omp for schedule(static)' gives thread t of T the
 *               same contiguous block of iterations in every loop of the
 *               same length and team size: the loop that first writes a[i]
 *               and the loop that later reads a[i] then run i on one thread.
 *
 * The header locality.h has the signatures, the constants (LOC_BINS,
 * LOC_LINE, LOC_DEGREE, LOC_SCALAR) and the given functions loc_bin, loc_b,
 * loc_c and the coefficients loc_coef. kit_omp.h's kit_omp_max_threads()
 * and kit_omp_thread_num() are omp_get_max_threads() and
 * omp_get_thread_num(), also in a build without OpenMP (1 and 0 there).
 */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "kit_omp.h"
#include "locality.h"

/*
 * Step 1: the histogram. Every i in [0, n) falls in bin loc_bin(seed, i);
 * counts[k] is the number of i in bin k. The answer is exact: the grader
 * compares your counts with its own, at 1, 2 and more threads.
 */
void loc_hist(uint64_t n, uint64_t seed, uint64_t counts[LOC_BINS])
{
	/* TODO(1): share the loop between the threads. Each thread counts into
	 * a histogram of its own (a shared counts[] would be a data race), and
	 * the histograms are added into counts[] after the loop.
	 *
	 * Where the threads' histograms live is the lesson. Four counts of 8
	 * bytes are 32 bytes: an array 'uint64_t h[T][LOC_BINS]' puts two
	 * threads' histograms in one 64-byte cache line, and each '++' of one
	 * thread takes the line away from the other (false sharing: right
	 * answer, slow). Give each thread's histogram whole cache lines:
	 *
	 *     typedef struct { alignas(LOC_LINE) uint64_t c[LOC_BINS]; } padded;
	 *
	 * (sizeof(padded) is then 64), an array of kit_omp_max_threads() of
	 * them from aligned_alloc(LOC_LINE, ...), zeroed; inside
	 * '#pragma omp parallel', thread t = kit_omp_thread_num() counts into
	 * h[t].c in an 'omp for schedule(static)' loop; after the region, add
	 * h[t].c[k] over t into counts[k]. ('reduction(+: counts[:LOC_BINS])'
	 * is the other right answer: each thread's copy is then on its own
	 * stack. The demo times all of them.) */
	memset(counts, 0, LOC_BINS * sizeof(counts[0]));
	for (uint64_t i = 0; i < n; i++)
		counts[loc_bin(seed, i)]++;
	/* TODO end */
}

/*
 * Step 2: first touch. The arrays a, b and c come straight from malloc: the
 * operating system has reserved their addresses but given them no memory
 * yet. Whichever thread writes a page first decides where it lives.
 */
void loc_init(double *a, double *b, double *c, uint64_t n, uint64_t seed)
{
	/* TODO(2): write the three arrays in a '#pragma omp parallel for
	 * schedule(static)' loop, the SAME schedule as loc_triad's and
	 * loc_poly's loops (step 3), so that the thread that later reads
	 * block t of the arrays is the one that placed it. On one memory node,
	 * as on most laptops and small virtual machines, the placement costs
	 * nothing either way, but the page faults (the operating system
	 * finding and zeroing a page at its first write) are shared by the
	 * threads; on two sockets the serial version below makes every
	 * thread of socket 1 read across the link (README, step 2). */
	for (uint64_t i = 0; i < n; i++) {
		a[i] = 0.0;
		b[i] = loc_b(seed, i);
		c[i] = loc_c(seed, i);
	}
	/* TODO end */
}

/*
 * Step 3: the triad, STREAM's kernel: two doubles read and one written per
 * element for one multiply and one add. Its speed is the memory's.
 */
void loc_triad(double *a, const double *b, const double *c, uint64_t n)
{
	/* TODO(3): share the loop with 'parallel for schedule(static)' (the
	 * schedule loc_init used: each thread reads the pages it placed). */
	for (uint64_t i = 0; i < n; i++)
		a[i] = b[i] + LOC_SCALAR * c[i];
	/* TODO end */
}

/* TODO(3): the triad's work per element, as the roofline counts it: the
 * floating-point operations of one a[i] (multiply, add) and the bytes it
 * moves between memory and the core (each double read or written: 8; the
 * convention STREAM and ./kit machine use; counting also the read of a[i]'s
 * line before it is written, the "write allocate", is accepted). The grader
 * compares these with its own count. */
const loc_work loc_triad_work = { .flops = 0, .bytes = 0 };
/* TODO end */

/*
 * Step 4: a polynomial of degree LOC_DEGREE at every x[i], by Horner's rule:
 * y = coef[D]; then y = y * x + coef[k] for k = D-1 down to 0. It reads one
 * double and writes one per element, and computes LOC_DEGREE multiplies and
 * adds: far more arithmetic per byte than the triad.
 */
void loc_poly(double *y, const double *x, uint64_t n)
{
	/* TODO(4): share the outer loop with 'parallel for simd
	 * schedule(static)' ('simd' asks the compiler to work on several i at
	 * once in the vector registers: the inner loop over k stays as it is,
	 * for each of them). Keep Horner's rule: the check allows rounding
	 * differences only. */
	for (uint64_t i = 0; i < n; i++) {
		double v = loc_coef[LOC_DEGREE];
		for (int k = LOC_DEGREE - 1; k >= 0; k--)
			v = v * x[i] + loc_coef[k];
		y[i] = v;
	}
	/* TODO end */
}

/* TODO(4): loc_poly's work per element: the floating-point operations of
 * one y[i] (each multiply and each add of Horner's rule) and the bytes it
 * moves (x[i] read, y[i] written; with the write allocate also accepted).
 * Its arithmetic intensity, flops / bytes, places it on the roofline. */
const loc_work loc_poly_work = { .flops = 0, .bytes = 0 };
/* TODO end */
