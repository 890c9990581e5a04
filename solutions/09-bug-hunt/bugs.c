/*
 * NAME
 *   bugs.c - exercise 09, the bug hunt: the reference solution.
 *
 * WHAT CHANGED FROM THE SKELETON (one bug, a few lines, per step)
 *   (1) tid declared inside the region: each thread its own.
 *   (2) both locks taken in one order, lock[0] first, for every transfer.
 *   (3) an 'omp barrier' before the 'omp master' block.
 *   (4) the flag written and read with seq_cst atomics.
 *   (5) block sums stored in part[b], then added in block order, serially.
 *   (6) no 'nowait' on the first loop: its barrier orders the two loops.
 *   (7) firstprivate(key): the task gets its own copy of key.
 *
 * PURPOSE
 *   Seven small kernels, one per step of README.md, each with one classic
 *   OpenMP bug: a variable that should be private, two locks taken in
 *   opposite orders, a missing barrier, a flag the compiler keeps in a
 *   register, a floating-point sum whose result depends on the thread
 *   count, a 'nowait' too many, a task that reads a variable of a function
 *   that has returned. All but the last are right with one thread. For
 *   each step: predict what goes wrong, run the detector (./kit check 09
 *   --step K), then fix the bug inside its step block, a
 *   few lines.
 *
 * USAGE
 *   ninja -C build                                          # rebuild
 *   OMP_NUM_THREADS=2 build/exercises/09-bug-hunt/bugs --kernel shares --validate
 *   ./kit check 09 --step 1                                 # the detector
 *
 * NOTES
 *   bugs.h defines what each kernel computes. A build without OpenMP
 *   ignores the pragmas and has one thread: every kernel is right there.
 */
#include <omp.h>
#include <stdint.h>

#include "bugs.h"

/* Step 1: per-thread shares. */
uint64_t bh_shares(uint64_t n, uint64_t seed, uint64_t *part)
{
	/* Step 1 (the bug was here): two threads end up writing the same slot. Which variable do
	 * they share that each should have its own copy of? */
#pragma omp parallel
	{
		int tid = omp_get_thread_num();
		uint64_t mine = 0;
#pragma omp for schedule(static)
		for (uint64_t i = 0; i < n; i++)
			mine += bh_work(seed, i);
		part[tid] = mine;
	}
	uint64_t sum = 0;
	for (int t = 0; t < BH_SLOTS; t++)
		sum += part[t];
	return sum;
}

/* Step 2: transfers between two accounts. */
uint64_t bh_transfers(uint64_t n, uint64_t seed)
{
	uint64_t bal[2] = { BH_START, BH_START };
	omp_lock_t lock[2];
	omp_init_lock(&lock[0]);
	omp_init_lock(&lock[1]);
#pragma omp parallel for schedule(static)
	for (uint64_t i = 0; i < n; i++) {
		int from = (int)(i % 2), to = 1 - from;
		/* Step 2 (the bug was here): with two threads this can stop for ever. In which order
		 * does each thread take the two locks? */
		omp_set_lock(&lock[0]);	/* lock[0] first, whichever way */
		uint64_t amount = bh_work(seed, i) % 100;
		omp_set_lock(&lock[1]);
		bal[from] -= amount;
		bal[to] += amount;
		omp_unset_lock(&lock[to]);
		omp_unset_lock(&lock[from]);
	}
	omp_destroy_lock(&lock[0]);
	omp_destroy_lock(&lock[1]);
	return bal[0];
}

/* Step 3: thread 0 adds the team's parts. */
uint64_t bh_team_total(uint64_t n, uint64_t seed, uint64_t *part)
{
	uint64_t total = 0;
#pragma omp parallel
	{
		int t = omp_get_thread_num(), nt = omp_get_num_threads();
		uint64_t mine = 0;
		for (uint64_t i = (uint64_t)t; i < n; i += (uint64_t)nt)
			mine += bh_work(seed, i);
		part[t] = mine;
		/* Step 3 (the bug was here): thread 0 may add the parts before the others stored
		 * theirs: 'omp master' has no barrier. */
#pragma omp barrier
#pragma omp master
		for (int s = 0; s < nt; s++)
			total += part[s];
	}
	return total;
}

/* Step 4: a hand-off through a flag. */
uint64_t bh_handoff(uint64_t n, uint64_t seed)
{
	uint64_t value = 0, answer = 0;
	int ready = 0;
#pragma omp parallel
	{
		int t = omp_get_thread_num(), nt = omp_get_num_threads();
		if (t == nt - 1) {
			uint64_t v = 0;
			for (uint64_t i = 0; i < n; i++)
				v += bh_work(seed, i);
			value = v;
			/* Step 4 (the bug was here): a plain write and a plain read of a flag that
			 * another thread reads and writes: a data race, and the
			 * compiler may read 'ready' once and keep it in a register. */
#pragma omp atomic write seq_cst
			ready = 1;
		}
		if (t == 0) {
			int seen = 0;
			while (!seen) {
#pragma omp atomic read seq_cst
				seen = ready;
			}
			answer = 3 * value + 1;
		}
	}
	return answer;
}

/* Step 5: a floating-point sum. */
double bh_float_sum(size_t n, const double *x, double *part)
{
	size_t nb = (n + BH_BLOCK - 1) / BH_BLOCK;
	double sum = 0;
	/* Step 5 (the bug was here): the result changes with the thread count: a reduction adds
	 * the threads' partial sums in an order of its own, and floating-point
	 * addition is not associative. Keep the blocks in parallel, and add
	 * their sums in block order. */
#pragma omp parallel for schedule(static)
	for (size_t b = 0; b < nb; b++) {
		double s = 0;
		for (size_t i = b * BH_BLOCK; i < n && i < (b + 1) * BH_BLOCK; i++)
			s += x[i];
		part[b] = s;
	}
	for (size_t b = 0; b < nb; b++)
		sum += part[b];
	return sum;
}

/* Step 6: fill, then read the mirror image. */
uint64_t bh_mirror(size_t n, uint64_t seed, uint64_t *a)
{
	uint64_t sum = 0;
#pragma omp parallel
	{
		/* Step 6 (the bug was here): the second loop reads values other threads write in
		 * the first. */
#pragma omp for schedule(static)
		for (size_t i = 0; i < n; i++)
			a[i] = bh_slow(seed, i, n);
#pragma omp for schedule(static) reduction(+:sum)
		for (size_t i = 0; i < n; i++)
			sum += a[i] ^ (a[n - 1 - i] >> 1);
	}
	return sum;
}

/* Step 7's task maker: a task that fills chunk c, out[lo..hi). */
static void spawn(uint64_t *out, uint64_t seed, size_t c, size_t lo, size_t hi)
{
	bh_chunk key = { seed, c };
	/* Step 7 (the bug was here): the task may run after spawn has returned. Whose key does
	 * it read then? */
#pragma omp task firstprivate(key)
	for (size_t i = lo; i < hi; i++)
		out[i] = bh_work(bh_work(key.seed, key.c), i);
}

/* Step 7: one task per chunk. */
uint64_t bh_tasks(size_t n, uint64_t seed, uint64_t *out)
{
#pragma omp parallel
#pragma omp single
	for (size_t c = 0; c * BH_BLOCK < n; c++)
		spawn(out, seed, c, c * BH_BLOCK, n < (c + 1) * BH_BLOCK ? n : (c + 1) * BH_BLOCK);
	uint64_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += out[i];
	return sum;
}
