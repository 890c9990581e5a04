/*
 * NAME
 *   pi.c - the kernels of exercise 01, Monte Carlo pi: THE REFERENCE SOLUTION.
 *
 * PURPOSE
 *   Each kernel draws N points (x, y) uniformly in the unit square from SEED
 *   and returns how many fall inside the quarter circle x^2 + y^2 < 1; the
 *   driver turns the count into pi ~= 4 * hits / n, checks it and times it.
 *   What changed from the skeleton (exercises/01-monte-carlo-pi/pi.c):
 *     step 2: one line added, "parallel for reduction(+:hits)". Right, but
 *             rand() is one generator behind a lock: slower on 2 threads than
 *             on 1, and the count changes from run to run.
 *     step 3: rand() replaced by a pi_stream per thread, made inside a
 *             parallel region; "omp for schedule(static) reduction": fast, and
 *             repeatable at a fixed thread count, but not across counts.
 *     step 4: sample i is pi_random_at(seed, i), whoever draws it; one line,
 *             "parallel for simd reduction(+:hits)": vectorised, and the same
 *             count at any thread count.
 *     step 5: a worker function that counts share w of nw with count_range,
 *             run in NPROC processes by kit_pool_run (pool.h), whose records
 *             the parent adds. Same count as step 4.
 *
 * USAGE
 *   build/solutions/01-monte-carlo-pi/pi --kernel same --threads 1,2
 *   diff exercises/01-monte-carlo-pi/pi.c solutions/01-monte-carlo-pi/pi.c
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
	/* Step 2: each thread counts into its own private hits, and OpenMP adds
	 * the copies at the end. rand() stays: one shared state behind a lock. */
#pragma omp parallel for reduction(+:hits)
	for (uint64_t i = 0; i < n; i++) {
		double x = rand() / (RAND_MAX + 1.0);
		double y = rand() / (RAND_MAX + 1.0);
		if (x * x + y * y < 1.0)
			hits++;
	}
	return hits;
}

/* Step 3: each thread draws from its own random stream. */
uint64_t pi_streams(uint64_t n, uint64_t seed)
{
	uint64_t hits = 0;
	/* Step 3: a stream per thread, no lock and no sharing. schedule(static)
	 * gives thread t the same block of samples every run, so at a fixed
	 * thread count the count repeats; another thread count splits the
	 * samples differently and draws other numbers. */
#pragma omp parallel reduction(+:hits)
	{
		pi_stream s = pi_stream_new(seed, (uint64_t)kit_omp_thread_num());
#pragma omp for schedule(static)
		for (uint64_t i = 0; i < n; i++)
			hits += pi_in_circle(pi_stream_next(&s));
	}
	return hits;
}

/* Step 4: the same count at any thread count. */
uint64_t pi_same_answer(uint64_t n, uint64_t seed)
{
	uint64_t hits = 0;
	/* Step 4: sample i depends on (seed, i) alone, so any split among
	 * threads and SIMD lanes gives the same count; integer sums are exact. */
#pragma omp parallel for simd reduction(+:hits)
	for (uint64_t i = 0; i < n; i++)
		hits += pi_in_circle(pi_random_at(seed, i));
	return hits;
}

/* What every worker of step 5 is told: which samples exist. */
struct job {
	uint64_t n, seed;
};

/* Worker W of NW counts its share of the samples into its record. */
static int count_share(int w, int nw, void *arg, void *out)
{
	const struct job *j = arg;
	*(uint64_t *)out = count_range(j->seed, (uint64_t)w * j->n / (uint64_t)nw,
				       (uint64_t)(w + 1) * j->n / (uint64_t)nw);
	return 0;
}

/* Step 5 (bonus): NPROC child processes instead of threads. */
int pi_processes(uint64_t n, uint64_t seed, int nproc, uint64_t *hits)
{
	/* Step 5: the decision is how to split (NPROC equal ranges of sample
	 * numbers) and how many workers; kit_pool_run forks them, reads each
	 * one's record through its pipe and reaps every one. The workers only
	 * count: no OpenMP (a fork after parallel regions can hang in libgomp). */
	struct job j = { n, seed };
	uint64_t *counts = kit_xcalloc((size_t)nproc, sizeof(*counts));
	int rc = kit_pool_run(nproc, count_share, &j, counts, sizeof(*counts), NULL);
	if (rc == 0) {
		*hits = 0;
		for (int w = 0; w < nproc; w++)
			*hits += counts[w];
	}
	free(counts);
	return rc;
}
