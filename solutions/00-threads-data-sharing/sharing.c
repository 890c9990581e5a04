/*
 * NAME
 *   sharing.c - the kernels of exercise 00, threads and data sharing: THE
 *   REFERENCE SOLUTION.
 *
 * PURPOSE
 *   Five small kernels, one per step of README.md: a team of threads and
 *   their numbers; which variables threads share and which each gets its own
 *   copy of; one thread doing a job for all and a barrier between phases; a
 *   lock per list; a hand-off through a flag. What changed from the
 *   skeleton (exercises/00-threads-data-sharing/sharing.c):
 *     step 1: a parallel region; each thread sums its cyclic share into its
 *             own variable and stores it in part[t]; thread 0 stores T.
 *     step 2: one pragma: parallel for default(none) with win private, cal
 *             firstprivate, med lastprivate, n, x and y shared.
 *     step 3: one region: single reads the limit; each thread counts its
 *             block; a barrier; each copies to its offset; T kept by single.
 *     step 4: parallel for, and one omp_lock_t per bucket around each push.
 *     step 5: a team of two; the flag read and written only through
 *             'omp atomic ... seq_cst', which also orders the value.
 *
 * USAGE
 *   build/solutions/00-threads-data-sharing/sharing --kernel all --validate
 *   diff exercises/00-threads-data-sharing/sharing.c solutions/00-threads-data-sharing/sharing.c
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
	/* Step 1: every variable declared inside the region is the thread's own;
	 * part and team are shared, each written where only one thread writes. */
#pragma omp parallel
	{
		int t = omp_get_thread_num(), nt = omp_get_num_threads();
		uint64_t sum = 0;
		for (uint64_t i = (uint64_t)t; i < n; i += (uint64_t)nt)
			sum += sh_work(seed, i);
		part[t] = sum;
		if (t == 0)
			team = nt;
	}
	return team;
}

/* Step 2: a median filter and a calibration, point by point. */
int32_t sh_filter(size_t n, const int32_t *x, int32_t *y, int32_t offset, int32_t gain)
{
	int32_t win[SH_WIN];				/* scratch: this point's window */
	sh_calib cal = { .offset = offset, .gain = gain };	/* settings set once; raw per point */
	int32_t med = 0;				/* this point's median; we return the last */
	/* Step 2: win is scratch (private); cal carries the settings into each
	 * thread's copy (firstprivate); med must hold the last point's median
	 * after the loop (lastprivate); n, x and y are shared; i is private. */
#pragma omp parallel for default(none) shared(n, x, y) private(win) firstprivate(cal) \
	lastprivate(med)
	for (size_t i = 0; i < n; i++) {
		sh_window(x, n, i, win);
		med = sh_median(win);
		cal.raw = med;
		y[i] = sh_calibrate(&cal);
	}
	return med;
}

/* Step 3: keep the readings that score at least the limit, in order. */
size_t sh_compact(size_t n, const int32_t *x, int32_t *out, sh_source *src, size_t *count)
{
	size_t total = 0;
	/* Step 3: one region, three phases. single reads the limit once and keeps
	 * the team size; its implied barrier makes both visible to every thread.
	 * The explicit barrier makes every count visible before any offset is
	 * added up. */
	int32_t limit = 0;
	int team = 1;
#pragma omp parallel default(none) shared(n, x, out, src, count, limit, team)
	{
#pragma omp single
		{
			limit = sh_read_limit(src);
			team = omp_get_num_threads();
		}
		int t = omp_get_thread_num();
		size_t lo = (size_t)t * n / (size_t)team, hi = (size_t)(t + 1) * n / (size_t)team;
		size_t kept = 0;
		for (size_t i = lo; i < hi; i++)
			kept += sh_score(x[i]) >= limit;
		count[t] = kept;
#pragma omp barrier
		size_t at = 0;
		for (int s = 0; s < t; s++)
			at += count[s];
		for (size_t i = lo; i < hi; i++)
			if (sh_score(x[i]) >= limit)
				out[at++] = x[i];
	}
	for (int s = 0; s < team; s++)
		total += count[s];
	return total;
}

/* Step 4: every item onto the front of its bucket's list. */
void sh_insert(size_t n, const int32_t *x, size_t nb, sh_bucket *b, int32_t *next)
{
	/* Step 4: one lock per bucket: a push onto one list waits only for pushes
	 * onto the same list. */
	omp_lock_t *lock = malloc(nb * sizeof(*lock));
	if (!lock)
		abort();
	for (size_t k = 0; k < nb; k++)
		omp_init_lock(&lock[k]);
#pragma omp parallel for default(none) shared(n, x, nb, b, next, lock)
	for (size_t i = 0; i < n; i++) {
		size_t k = sh_bucket_of(x[i], nb);
		omp_set_lock(&lock[k]);
		next[i] = b[k].head;
		b[k].head = (int32_t)i;
		b[k].count++;
		omp_unset_lock(&lock[k]);
	}
	for (size_t k = 0; k < nb; k++)
		omp_destroy_lock(&lock[k]);
	free(lock);
}

/* Step 5: a value handed from one thread to another, round after round. */
uint64_t sh_handoff(uint64_t rounds, uint64_t seed, int *consumer)
{
	uint64_t sum = 0;
	/* Step 5: the flag is only touched by seq_cst atomics: the producer's write
	 * of value happens before its write of the flag, which the consumer's read
	 * of the flag sees, so the consumer then sees the value (and back). */
	uint64_t value = 0;
	int full = 0, who = 0;
#pragma omp parallel num_threads(2) default(none) shared(rounds, seed, sum, value, full, who)
	{
		int t = omp_get_thread_num(), nt = omp_get_num_threads(), f;
		for (uint64_t r = 0; r < rounds; r++) {
			if (t == 0) {	/* producer: wait while full */
				for (;;) {
#pragma omp atomic read seq_cst
					f = full;
					if (!f)
						break;
					sh_pause();
				}
				value = sh_work(seed, r);
#pragma omp atomic write seq_cst
				full = 1;
			}
			if (t == nt - 1) {	/* consumer (thread 0 too in a team of one) */
				for (;;) {
#pragma omp atomic read seq_cst
					f = full;
					if (f)
						break;
					sh_pause();
				}
				sum += (r + 1) * value;
#pragma omp atomic write seq_cst
				full = 0;
			}
		}
		if (t == nt - 1)
			who = t;
	}
	*consumer = who;
	return sum;
}
