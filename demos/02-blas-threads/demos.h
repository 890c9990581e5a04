/*
 * demos.h - the live-class demos and the benchmark of exercise 02: the
 * program gemm-demos (gemm_demos.c), built with the reference solution's
 * gemm.c only, run as `gemm-demos --demo NAME` and `gemm-demos --bench`
 * (./kit demo, ./kit bench; `gemm --demo NAME` runs it too).
 */
#ifndef GEMM_DEMOS_H
#define GEMM_DEMOS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gemm_check.h"

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

/* BUILD/solutions/02-blas-threads/gemm, the reference program the demos and
 * the benchmark run in fresh processes (found from this program's path). */
const char *gemm_reference(void);

#endif
