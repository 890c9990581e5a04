/*
 * demos.h - the live-class demos and the benchmark of exercise 02, run by the
 * driver as `gemm --demo NAME` and `gemm --bench` (./kit demo, ./kit bench),
 * and the helper that runs this program again in a fresh process, which the
 * demos, the benchmark and `gemm --check-sweep` share.
 *
 * Shared by the student's and the reference build; they call the kernels of
 * gemm.h, so a demo run from build/solutions/ shows the reference kernels.
 */
#ifndef GEMM_DEMOS_H
#define GEMM_DEMOS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gemm_demo_opts {
	int n, count;		/* 0: the demo's default */
	uint64_t seed;
	const int *threads;	/* thread counts to sweep; NULL: the demo's default */
	size_t nthreads;
	const char *out_dir;	/* CSV, JSON and PNGs go here (created); NULL: results/demos/NAME */
	bool quick;		/* test-sized: a few seconds */
	bool quiet;		/* no progress bar, no chart */
} gemm_demo_opts;

/* The demos by name: "blas", "batch". */
extern const char *const gemm_demo_names[];

/* Runs demo NAME. Returns an exit status (0 ok; 1 a product failed its
 * check; 2 unknown name, after listing the names, or files not written). */
int gemm_demo(const char *name, const gemm_demo_opts *o);

/* GFLOP/s of gemm_blas at n = 1024, 2048, 4096 on 1 .. logical CPUs
 * threads, each a fresh process, with OpenBLAS's own core and, when that is
 * a fallback, with the fix; the FMA peak measured in this process; numpy's
 * x @ x under the same settings where /usr/bin/python3 has numpy. Speed is
 * reported, never asserted: the exit status says only whether every product
 * passed its check. */
int gemm_bench(const gemm_demo_opts *o);

/* ------------------------------------------------------------------------
 * This program again, in a fresh process
 */

typedef struct gemm_child_opts {
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

/* Runs `gemm --kernel K -n N --reps R -q --json FILE` with OMP_NUM_THREADS
 * (and OPENBLAS_CORETYPE) set, and reads what it measured. Fills *OUT; never
 * fails otherwise (OUT->ok false and OUT->why say why). */
void gemm_run_child(const gemm_child_opts *o, gemm_child *out);

#endif
