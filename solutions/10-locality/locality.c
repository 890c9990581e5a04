/*
 * locality.c - exercise 10, locality, affinity and the roofline. THE
 * REFERENCE SOLUTION.
 *
 * Changed from the skeleton:
 *   step 1: per-thread histograms, each on cache lines of its own (a struct
 *           aligned to LOC_LINE), counted in 'omp for schedule(static)' and
 *           added after the region.
 *   step 2: the arrays written in 'parallel for schedule(static)': each
 *           page placed by the thread that later reads it.
 *   step 3: the triad in the same schedule; 2 flops and 24 bytes an element.
 *   step 4: Horner's rule in 'parallel for simd schedule(static)'; 2 x
 *           LOC_DEGREE flops and 16 bytes an element.
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
	/* Step 1: per-thread histograms, each on whole cache lines of its own:
	 * no two threads ever write one line. */
	typedef struct {
		alignas(LOC_LINE) uint64_t c[LOC_BINS];
	} padded;
	int nt = kit_omp_max_threads();
	padded *h = aligned_alloc(LOC_LINE, (size_t)nt * sizeof(padded));
	if (!h)
		abort();
	memset(h, 0, (size_t)nt * sizeof(padded));
#pragma omp parallel
	{
		uint64_t *mine = h[kit_omp_thread_num()].c;
#pragma omp for schedule(static)
		for (uint64_t i = 0; i < n; i++)
			mine[loc_bin(seed, i)]++;
	}
	memset(counts, 0, LOC_BINS * sizeof(counts[0]));
	for (int t = 0; t < nt; t++)
		for (int k = 0; k < LOC_BINS; k++)
			counts[k] += h[t].c[k];
	free(h);
}

/*
 * Step 2: first touch. The arrays a, b and c come straight from malloc: the
 * operating system has reserved their addresses but given them no memory
 * yet. Whichever thread writes a page first decides where it lives.
 */
void loc_init(double *a, double *b, double *c, uint64_t n, uint64_t seed)
{
	/* Step 2: first touch in the schedule the kernels read with. */
#pragma omp parallel for schedule(static)
	for (uint64_t i = 0; i < n; i++) {
		a[i] = 0.0;
		b[i] = loc_b(seed, i);
		c[i] = loc_c(seed, i);
	}
}

/*
 * Step 3: the triad, STREAM's kernel: two doubles read and one written per
 * element for one multiply and one add. Its speed is the memory's.
 */
void loc_triad(double *a, const double *b, const double *c, uint64_t n)
{
	/* Step 3: the same schedule as loc_init's. */
#pragma omp parallel for simd schedule(static)
	for (uint64_t i = 0; i < n; i++)
		a[i] = b[i] + LOC_SCALAR * c[i];
}

/* Step 3: one multiply and one add; b[i] and c[i] read, a[i] written. */
const loc_work loc_triad_work = { .flops = 2, .bytes = 24 };

/*
 * Step 4: a polynomial of degree LOC_DEGREE at every x[i], by Horner's rule:
 * y = coef[D]; then y = y * x + coef[k] for k = D-1 down to 0. It reads one
 * double and writes one per element, and computes LOC_DEGREE multiplies and
 * adds: far more arithmetic per byte than the triad.
 */
void loc_poly(double *y, const double *x, uint64_t n)
{
	/* Step 4: Horner's rule for several i at once (simd), the same schedule. */
#pragma omp parallel for simd schedule(static)
	for (uint64_t i = 0; i < n; i++) {
		double v = loc_coef[LOC_DEGREE];
		for (int k = LOC_DEGREE - 1; k >= 0; k--)
			v = v * x[i] + loc_coef[k];
		y[i] = v;
	}
}

/* Step 4: LOC_DEGREE multiplies and adds; x[i] read, y[i] written. */
const loc_work loc_poly_work = { .flops = 2 * LOC_DEGREE, .bytes = 16 };
