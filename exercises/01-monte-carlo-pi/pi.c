/*
 * NAME
 *   pi.c - the kernels of exercise 01, Monte Carlo pi: THE FILE YOU EDIT.
 *
 * PURPOSE
 *   Each kernel draws N points (x, y) uniformly in the unit square from SEED
 *   and returns how many fall inside the quarter circle x^2 + y^2 < 1; the
 *   driver turns the count into pi ~= 4 * hits / n, checks it and times it.
 *   Every kernel below already works, serially. Your task is in the blocks
 *   marked TODO(k) ... TODO end, one per step of README.md; change nothing
 *   outside them.
 *
 * USAGE
 *   ninja -C build                                       # rebuild
 *   build/exercises/01-monte-carlo-pi/pi --kernel reduction --threads 1,2
 *   ./kit check 01 --step 2                              # grade one step
 *
 * NOTES
 *   pi_rng.h has the random-number tools steps 3 to 5 need; pool.h the
 *   process pool of step 5. omp_* calls go
 *   through kit_omp.h (kit_omp_thread_num() is omp_get_thread_num()), so this
 *   file also builds without OpenMP; pragmas then are ignored.
 */
#include <stdint.h>
#include <stdlib.h>

#include "kit.h"
#include "pi.h"
#include "pool.h"
#include "pi_rng.h"

/* Samples [LO, HI) of the counter-based generator: the definition of the
 * answer for steps 4 and 5. */
static uint64_t count_range(uint64_t seed, uint64_t lo, uint64_t hi)
{
	uint64_t hits = 0;
	for (uint64_t i = lo; i < hi; i++)
		hits += pi_in_circle(pi_random_at(seed, i));
	return hits;
}

/* Step 1 (given): one thread, the C library's one generator. */
uint64_t pi_serial(uint64_t n, uint64_t seed)
{
	uint64_t hits = 0;
	srand((unsigned)seed);
	for (uint64_t i = 0; i < n; i++) {
		double x = rand() / (RAND_MAX + 1.0);
		double y = rand() / (RAND_MAX + 1.0);
		if (x * x + y * y < 1.0)
			hits++;
	}
	return hits;
}

/* Step 2: the same loop, shared among the threads. */
uint64_t pi_reduction(uint64_t n, uint64_t seed)
{
	uint64_t hits = 0;
	srand((unsigned)seed);
	/* TODO(2): share this loop among the OpenMP threads with one pragma.
	 * Every thread adds to hits: give each its own copy, summed at the end
	 * (a reduction), or they race on it and lose counts. Keep rand(). */
	for (uint64_t i = 0; i < n; i++) {
		double x = rand() / (RAND_MAX + 1.0);
		double y = rand() / (RAND_MAX + 1.0);
		if (x * x + y * y < 1.0)
			hits++;
	}
	/* TODO end */
	return hits;
}

/* Step 3: each thread draws from its own random stream. */
uint64_t pi_streams(uint64_t n, uint64_t seed)
{
	uint64_t hits = 0;
	/* TODO(3): rand() is one generator behind one lock: threads queue for it,
	 * and which thread gets which number changes from run to run. Open a
	 * parallel region; in it, each thread makes its own stream with
	 * pi_stream_new(seed, thread number) (pi_rng.h), then shares the loop
	 * (omp for, a fixed schedule, a reduction) drawing one number per
	 * sample with pi_stream_next and testing it with pi_in_circle. */
	srand((unsigned)seed);
	for (uint64_t i = 0; i < n; i++) {
		double x = rand() / (RAND_MAX + 1.0);
		double y = rand() / (RAND_MAX + 1.0);
		if (x * x + y * y < 1.0)
			hits++;
	}
	/* TODO end */
	return hits;
}

/* Step 4: the same count at any thread count. */
uint64_t pi_same_answer(uint64_t n, uint64_t seed)
{
	uint64_t hits = 0;
	/* TODO(4): with per-thread streams the count still depends on how many
	 * threads split the loop. Make sample i a function of (seed, i) alone:
	 * pi_in_circle(pi_random_at(seed, i)). Then any thread may compute any
	 * sample, so share the loop (with a reduction) and let the compiler
	 * vectorise it too (simd). */
	srand((unsigned)seed);
	for (uint64_t i = 0; i < n; i++) {
		double x = rand() / (RAND_MAX + 1.0);
		double y = rand() / (RAND_MAX + 1.0);
		if (x * x + y * y < 1.0)
			hits++;
	}
	/* TODO end */
	return hits;
}

/* TODO(5): the worker function for kit_pool_run goes here, with what it
 * must know (n and seed, in a struct passed as its argument). */
/* TODO end */

/* Step 5 (bonus): NPROC child processes instead of threads. */
int pi_processes(uint64_t n, uint64_t seed, int nproc, uint64_t *hits)
{
	/* TODO(5): this counts every sample here, in this process. Instead let
	 * kit_pool_run (pool.h) run NPROC worker processes: write a worker
	 * function (above this one) in which worker w of nw counts samples
	 * [w*n/nw, (w+1)*n/nw) with count_range into its record, one uint64_t;
	 * here, add up the NPROC records. If the pool returns -1 (it has said
	 * which worker failed), return -1. The workers must not use OpenMP: a
	 * fork after parallel regions can hang in them. */
	(void)nproc;
	*hits = count_range(seed, 0, n);
	return 0;
	/* TODO end */
}
