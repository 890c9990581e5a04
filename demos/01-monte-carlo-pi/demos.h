/*
 * demos.h - the live-class demos and the benchmark of exercise 01: the
 * program pi-demos (pi_demos.c), built with the reference solution's pi.c
 * only, run as `pi-demos --demo NAME` and `pi-demos --bench` (./kit demo,
 * ./kit bench; `pi --demo NAME` runs it too).
 */
#ifndef PI_DEMOS_H
#define PI_DEMOS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pi_demo_opts {
	uint64_t n;		/* samples per run; 0: the demo's default */
	uint64_t seed;
	const int *threads;	/* thread counts to sweep; NULL: the demo's default */
	size_t nthreads;
	const char *out_dir;	/* CSV, JSON and PNGs go here (created); NULL: results/demos/NAME */
	bool quick;		/* test-sized: a few seconds at most */
	bool quiet;		/* no progress bar, no chart */
} pi_demo_opts;

/* The demos by name: "pi", "race", "rand", "gil", "false-sharing". */
extern const char *const pi_demo_names[];

/* Runs demo NAME. Returns an exit status (0 ok; 1 a result failed
 * validation; 2 unknown name, after listing the names). */
int pi_demo(const char *name, const pi_demo_opts *o);

/* ns/sample, samples/s, speed-up and efficiency per thread count, and the
 * seed's Python calc_pi (pure and numpy) timed in the same run when
 * /usr/bin/python3 with numpy is present. Returns an exit status. */
int pi_bench(const pi_demo_opts *o);

#endif
