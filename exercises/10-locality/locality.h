/*
 * locality.h - exercise 10, locality, affinity and the roofline: where a
 * thread's data lives decides how fast it runs. The kernels, one per step,
 * are yours in locality.c; their signatures are fixed.
 *
 *   step 1  loc_hist: a histogram of N hashed values, counted by threads into
 *           per-thread histograms that do not share a cache line
 *   step 2  loc_init: the arrays of steps 3 and 4 first written (first
 *           touch) by the threads, in the loop schedule that later reads them
 *   step 3  loc_triad: a[i] = b[i] + 3 c[i], the memory-bound kernel, and its
 *           work per element (loc_triad_work)
 *   step 4  loc_poly: a polynomial of degree LOC_DEGREE at every c[i], the
 *           compute-bound kernel, and its work per element (loc_poly_work)
 *
 * Every answer is exact and the same at any thread count, except step 4's,
 * which may differ from the serial Horner loop by rounding only.
 */
#ifndef LOCALITY_H
#define LOCALITY_H

#include <stdint.h>

#define LOC_BINS 4		/* the histogram's bins: 4 counts, 32 bytes */
#define LOC_LINE 64		/* bytes in a cache line on x86-64 and most ARM cores */
#define LOC_MAX_THREADS 4096	/* the most threads a kernel is run with */
#define LOC_SCALAR 3.0		/* the triad's s */
#define LOC_DEGREE 32		/* step 4's polynomial */

/* The work of one element of a kernel, as you count it: floating-point
 * operations (an add, a multiply: 1 each; a fused multiply-add: 2) and bytes
 * moved between memory and the core (8 for every double read or written). */
typedef struct loc_work {
	double flops, bytes;
} loc_work;

/* Step 1: COUNTS[k] = how many i in [0, N) have loc_bin(SEED, i) == k. */
void loc_hist(uint64_t n, uint64_t seed, uint64_t counts[LOC_BINS]);
/* Step 2: for i in [0, N): a[i] = 0, b[i] = loc_b(SEED, i), c[i] = loc_c(SEED, i). */
void loc_init(double *a, double *b, double *c, uint64_t n, uint64_t seed);
/* Step 3: a[i] = b[i] + LOC_SCALAR * c[i] for i in [0, N). */
void loc_triad(double *a, const double *b, const double *c, uint64_t n);
/* Step 4: y[i] = loc_coef[0] + loc_coef[1] x + ... + loc_coef[LOC_DEGREE] x^LOC_DEGREE
 * at x = x[i], for i in [0, N). */
void loc_poly(double *y, const double *x, uint64_t n);
/* Steps 3 and 4: the work per element of loc_triad and loc_poly. */
extern const loc_work loc_triad_work, loc_poly_work;

/* Given: a 64-bit mix of Z (splitmix64's finaliser): every bit of the
 * result depends on every bit of Z. */
static inline uint64_t loc_mix(uint64_t z)
{
	z ^= z >> 30;
	z *= UINT64_C(0xbf58476d1ce4e5b9);
	z ^= z >> 27;
	z *= UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Value I's bin, 0 .. LOC_BINS - 1. */
static inline unsigned loc_bin(uint64_t seed, uint64_t i)
{
	return (unsigned)(loc_mix(seed + i * UINT64_C(0x9e3779b97f4a7c15)) >> 62);
}

/* b[i]: a whole number in [0, 2^20). */
static inline double loc_b(uint64_t seed, uint64_t i)
{
	return (double)(loc_mix(seed ^ (2 * i)) >> 44);
}

/* c[i]: a multiple of 2^-20 in [0, 1). b[i] + 3 c[i] is then exact. */
static inline double loc_c(uint64_t seed, uint64_t i)
{
	return (double)(loc_mix(seed ^ (2 * i + 1)) >> 44) * 0x1p-20;
}

/* Step 4's coefficients: 1, -1/2, 1/3, -1/4, ... (log(1 + x) / x, cut off). */
static const double loc_coef[LOC_DEGREE + 1] = {
	1.0 / 1, -1.0 / 2, 1.0 / 3, -1.0 / 4, 1.0 / 5, -1.0 / 6, 1.0 / 7, -1.0 / 8,
	1.0 / 9, -1.0 / 10, 1.0 / 11, -1.0 / 12, 1.0 / 13, -1.0 / 14, 1.0 / 15, -1.0 / 16,
	1.0 / 17, -1.0 / 18, 1.0 / 19, -1.0 / 20, 1.0 / 21, -1.0 / 22, 1.0 / 23, -1.0 / 24,
	1.0 / 25, -1.0 / 26, 1.0 / 27, -1.0 / 28, 1.0 / 29, -1.0 / 30, 1.0 / 31, -1.0 / 32,
	1.0 / 33,
};

#endif /* LOCALITY_H */
