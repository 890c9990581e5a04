/*
 * gemm_check.h - the matrices of exercise 02 and the check of a product,
 * shared by the driver (gemm_main.c), the demos and the benchmark.
 *
 * The check is CS267's bound, elementwise:
 *     |C - AB|_ij <= 3 eps n (|A| |B|)_ij,   eps = DBL_EPSILON = 2^-52,
 * with AB_ij summed in long double (x87, 64-bit mantissa: its own error is
 * 2^11 times smaller than the bound's eps) and (|A||B|)_ij in double. Every
 * element is checked when n <= 512; above, a spot check of 4 whole rows and 4
 * whole columns of C (the first, the last and two drawn from the seed): 8 n^2
 * multiply-adds instead of n^3.
 */
#ifndef GEMM_CHECK_H
#define GEMM_CHECK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GEMM_FULL_CHECK_MAX 512	/* every element checked up to this n */

/* COUNT products of n x n row-major matrices, one after the other. */
typedef struct gemm_mats {
	int n, count;
	size_t nn;		/* n * n */
	double *A, *B, *C;	/* count matrices each, 64-byte aligned */
} gemm_mats;

/*
 * Allocates A, B and C and fills A and B with entries uniform in [-1, 1)
 * from (SEED, matrix, index) alone (splitmix64): the same matrices on every
 * machine and at any thread count. A and B go on for SPARE more elements,
 * filled the same way (inputs read further on: A + k and B + k are other
 * matrices, for k <= SPARE). C is filled with NaN, so a kernel that reads C
 * before writing it fails the check. Returns 0, or -1 after one line saying
 * why (more than 80% of this machine's memory, or out of memory).
 */
int gemm_mats_new(gemm_mats *m, int n, int count, uint64_t seed, size_t spare);
void gemm_mats_free(gemm_mats *m);
/* Sets every element of C to NaN again (before a checked run). */
void gemm_mats_poison(gemm_mats *m);

typedef struct gemm_verdict {
	bool ok;
	double worst;		/* largest |C - AB| / bound over the checked elements */
	size_t checked;		/* elements checked */
	char why[384];		/* the first bad element, and a guess at the cause */
} gemm_verdict;

/* Checks the products of M: every one when count <= 3 or the work is at most
 * 512^3, else the first, middle and last. Cannot fail. */
gemm_verdict gemm_check(const gemm_mats *m, uint64_t seed);

/* What gemm_check covers for M, for messages: "every element", "4 rows and
 * 4 columns", "... of matrices first, middle, last". */
const char *gemm_check_coverage(const gemm_mats *m);

/* ------------------------------------------------------------------------
 * A gemm program again, in a fresh process (--check-sweep, the demos)
 */

typedef struct gemm_child_opts {
	const char *program;	/* the gemm program to run; NULL: this program */
	const char *kernel;	/* "blas", "batch" */
	int n, count;
	int threads;		/* OMP_NUM_THREADS of the child */
	const char *coretype;	/* OPENBLAS_CORETYPE of the child; NULL: inherited */
	int reps;		/* timed runs after the checked one */
	double timeout;		/* seconds; 0: none */
} gemm_child_opts;

typedef struct gemm_child {
	bool ok;		/* ran, its product passed the check, results read */
	bool invalid;		/* it ran and its product failed the check (exit 1) */
	char why[512];		/* when not ok: what happened, with its last error line */
	double median_s, min_s, gflops, err_bound;
	int blas_threads;	/* openblas_get_num_threads() after the runs */
	int omp_threads;	/* omp_get_max_threads() */
	char core[64];		/* openblas_get_corename() */
	char variant[16];	/* "openmp", "pthreads", "serial" */
	bool fallback;		/* core is a generic fallback on this CPU */
	char fix[64];		/* "OPENBLAS_CORETYPE=SkylakeX", or "" */
} gemm_child;

/* Runs `PROGRAM --kernel K -n N --reps R -q --json FILE` with OMP_NUM_THREADS
 * (and OPENBLAS_CORETYPE) set, and reads what it measured. Fills *OUT; never
 * fails otherwise (OUT->ok false and OUT->why say why). */
void gemm_run_child(const gemm_child_opts *o, gemm_child *out);

#endif
