/*
 * NAME
 *   sharing.c - the kernels of exercise 00, threads and data sharing: THE
 *   FILE YOU EDIT.
 *
 * PURPOSE
 *   Five small kernels, one per step of README.md: a team of threads and
 *   their numbers; which variables threads share and which each gets its own
 *   copy of; one thread doing a job for all and a barrier between phases; a
 *   lock per list; a hand-off through a flag. Every kernel below already
 *   works, serially. Your task is in the blocks marked TODO(k) ... TODO end;
 *   change nothing outside them.
 *
 * USAGE
 *   ninja -C build                                          # rebuild
 *   OMP_NUM_THREADS=2 build/exercises/00-threads-data-sharing/sharing \
 *       --kernel team --validate --expect-parallel
 *   ./kit check 00 --step 1                                 # grade one step
 *
 * NOTES
 *   sharing.h defines what each kernel computes and the helpers they use.
 *   <omp.h> gives omp_get_thread_num() and the lock functions; a build
 *   without OpenMP has a stand-in with one thread's answers, and ignores the
 *   pragmas, so this file builds and runs both ways.
 */
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>

#include "sharing.h"

/* Step 1: fork/join, each thread its own share. */
int sh_team(uint64_t n, uint64_t seed, uint64_t *part)
{
	int team = 1;
	/* TODO(1): open a parallel region (#pragma omp parallel, then a block).
	 * In it, each thread asks for its number t (omp_get_thread_num()) and
	 * the team size T (omp_get_num_threads()), adds sh_work(seed, i) for
	 * i = t, t + T, t + 2T, ... < n into a sum of its own, and stores it in
	 * part[t]. One of them (thread 0) stores T in team. Variables declared
	 * inside the block are each thread's own; those declared outside are
	 * shared by the whole team. */
	uint64_t sum = 0;
	for (uint64_t i = 0; i < n; i++)
		sum += sh_work(seed, i);
	part[0] = sum;
	/* TODO end */
	return team;
}

/* Step 2: a median filter and a calibration, point by point. */
int32_t sh_filter(size_t n, const int32_t *x, int32_t *y, int32_t offset, int32_t gain)
{
	int32_t win[SH_WIN];				/* scratch: this point's window */
	sh_calib cal = { .offset = offset, .gain = gain };	/* settings set once; raw per point */
	int32_t med = 0;				/* this point's median; we return the last */
	/* TODO(2): share this loop among the threads: put
	 *     #pragma omp parallel for default(none) ...
	 * right above the for, and list each variable the loop uses in the clause
	 * it needs (default(none) makes the compiler insist on it):
	 *   shared(...)       one copy for the whole team: inputs and outputs;
	 *   private(...)      each thread its own, uninitialised copy: scratch;
	 *   firstprivate(...) each thread its own copy, starting as the value
	 *                     before the loop;
	 *   lastprivate(...)  each its own, and after the loop the variable holds
	 *                     the value of the last iteration, as serially.
	 * Keep the declarations where they are; change only the pragma. */
	for (size_t i = 0; i < n; i++) {
		sh_window(x, n, i, win);
		med = sh_median(win);
		cal.raw = med;
		y[i] = sh_calibrate(&cal);
	}
	/* TODO end */
	return med;
}

/* Step 3: keep the readings that score at least the limit, in order. */
size_t sh_compact(size_t n, const int32_t *x, int32_t *out, sh_source *src, size_t *count)
{
	size_t total = 0;
	/* TODO(3): do this in one parallel region, in phases:
	 *   (a) one thread reads the limit (sh_read_limit, slow: exactly once)
	 *       into a shared variable: 'omp single' (it ends with a barrier, so
	 *       nobody uses the limit before it is there);
	 *   (b) thread t counts the readings it keeps in its own block of indices
	 *       [t*n/T, (t+1)*n/T) into count[t];
	 *   (c) 'omp barrier': every count must be in before anyone goes on;
	 *   (d) thread t starts writing at the sum of count[0..t-1] and copies
	 *       its kept readings there, in order;
	 *   (e) after the region, total = the sum of every count[t] (T from
	 *       omp_get_num_threads(), saved by one thread).
	 * Try 'omp master' instead of single, and leaving the barrier out: see
	 * what breaks and why. */
	(void)count;
	int32_t limit = sh_read_limit(src);
	for (size_t i = 0; i < n; i++)
		if (sh_score(x[i]) >= limit)
			out[total++] = x[i];
	/* TODO end */
	return total;
}

/* Step 4: every item onto the front of its bucket's list. */
void sh_insert(size_t n, const int32_t *x, size_t nb, sh_bucket *b, int32_t *next)
{
	/* TODO(4): share the loop among the threads. Two threads pushing onto one
	 * list at once lose items, so each push (three updates: next[i], head,
	 * count) must be done by one thread at a time. 'omp critical' works but
	 * makes every push wait for every other; 'omp atomic' protects one
	 * update, not three. Give each bucket its own lock: an array of nb
	 * omp_lock_t (malloc), omp_init_lock each before the loop, omp_set_lock /
	 * omp_unset_lock around the push, omp_destroy_lock each and free after.
	 * Pushes onto different buckets then go on at the same time. */
	for (size_t i = 0; i < n; i++) {
		size_t k = sh_bucket_of(x[i], nb);
		next[i] = b[k].head;
		b[k].head = (int32_t)i;
		b[k].count++;
	}
	/* TODO end */
}

/* Step 5: a value handed from one thread to another, round after round. */
uint64_t sh_handoff(uint64_t rounds, uint64_t seed, int *consumer)
{
	uint64_t sum = 0;
	/* TODO(5): in '#pragma omp parallel num_threads(2)', thread 0 produces
	 * and thread 1 consumes (with a team of one, as without OpenMP, thread 0
	 * does both, as below). Share a value and a flag (0: empty, 1: full).
	 * Round r: the producer waits while the flag is 1, writes
	 * value = sh_work(seed, r), then sets the flag to 1; the consumer waits
	 * while the flag is 0, adds (r + 1) * value to sum, then sets it to 0.
	 * Call sh_pause() in each wait loop, so a waiting thread lends its core
	 * to the other. Every read and write of the flag must be an
	 *     #pragma omp atomic read seq_cst     /    #pragma omp atomic write seq_cst
	 * (README.md, step 5, says why a plain or volatile flag is wrong). The
	 * consumer stores its thread number in *consumer. */
	*consumer = 0;
	for (uint64_t r = 0; r < rounds; r++)
		sum += (r + 1) * sh_work(seed, r);
	/* TODO end */
	return sum;
}
