/*
 * sharing.h - the kernels of exercise 00, threads and data sharing, one per
 * step, with fixed signatures, and the small functions they share.
 *
 * The data: x[i] = sh_reading(seed, i), sensor readings with occasional
 * spikes, made by the driver (src/exercises/00-threads-data-sharing/).
 * Every answer below is defined by the serial code of sharing.c as given,
 * so it is the same at any thread count; the driver checks it exactly.
 * sharing.c holds the kernels and nothing else.
 */
#ifndef SHARING_H
#define SHARING_H
#include <sched.h>
#include <stddef.h>
#include <stdint.h>

/* Step 1: fork/join. A team of T threads; thread t adds sh_work(seed, i) for
 * its own indices i = t, t + T, t + 2T, ... < n into part[t]. Returns T.
 * part has a slot for every thread a team can have. */
int sh_team(uint64_t n, uint64_t seed, uint64_t *part);

/* Step 2: y[i] = the calibrated median of the SH_WIN readings around i
 * (sh_window, sh_median, sh_calibrate) for every i < n; returns the median
 * at i = n - 1. */
int32_t sh_filter(size_t n, const int32_t *x, int32_t *y, int32_t offset, int32_t gain);

/* Where step 3's limit comes from (slow, like a file or a sensor). */
typedef struct sh_source sh_source;
/* Reads the limit: takes a few milliseconds; call it once. Thread-safe. */
int32_t sh_read_limit(sh_source *src);

/* Step 3: copies the readings x[i] with sh_score(x[i]) >= the limit read from
 * SRC, in order, into out; returns how many. count has a slot for every
 * thread of the team, for the kernel's own use. */
size_t sh_compact(size_t n, const int32_t *x, int32_t *out, sh_source *src, size_t *count);

/* Step 4's buckets: a linked list each, through next[] (-1 ends a list). */
typedef struct sh_bucket {
	int32_t head;	/* the first item's index, -1 when empty */
	int32_t count;	/* items in the list */
} sh_bucket;

/* Step 4: puts every item i < n at the front of the list of bucket
 * sh_bucket_of(x[i], nb): next[i] = its old head, head = i, count + 1. The
 * buckets start empty (head -1, count 0). Which order a list ends up in is
 * not defined; which items each list holds is. */
void sh_insert(size_t n, const int32_t *x, size_t nb, sh_bucket *b, int32_t *next);

/* Step 5: thread 0 of a team of two makes the value of each round r <
 * ROUNDS, sh_work(seed, r), and hands it to thread 1 through a shared
 * variable and a flag; thread 1 adds (r + 1) * value over the rounds and
 * returns the sum. *CONSUMER gets the number of the thread that added (0 when
 * the team has one thread, as without OpenMP). */
uint64_t sh_handoff(uint64_t rounds, uint64_t seed, int *consumer);

/* ------------------------------------------------------------------------
 * The functions the kernels share (given; change nothing here).
 */

/* A well-mixed 64-bit number made of (seed, i) alone: splitmix64's finaliser. */
static inline uint64_t sh_work(uint64_t seed, uint64_t i)
{
	uint64_t z = seed + (i + 1) * UINT64_C(0x9e3779b97f4a7c15);
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Reading i: a slow wave plus noise in [-2^16, 2^16), and about one reading in
 * 16 a spike of up to +-2^20. */
static inline int32_t sh_reading(uint64_t seed, uint64_t i)
{
	uint64_t h = sh_work(seed, i);
	int32_t wave = (int32_t)((i / 64) % 512) * 64 - 16384;
	int32_t noise = (int32_t)(h & 0x1ffff) - 0x10000;
	if (((h >> 20) & 15) == 0)
		return (int32_t)((h >> 24) & 0x1fffff) - 0x100000;
	return wave + noise;
}

#define SH_WIN 7	/* readings in a window: i - 3 .. i + 3 */

/* Copies the SH_WIN readings around I into W; indices past either end are
 * clamped to the first or the last reading. */
static inline void sh_window(const int32_t *x, size_t n, size_t i, int32_t *w)
{
	for (int k = 0; k < SH_WIN; k++) {
		long j = (long)i + k - SH_WIN / 2;
		w[k] = x[j < 0 ? 0 : (size_t)j >= n ? n - 1 : (size_t)j];
	}
}

/* Sorts W's SH_WIN readings in place (insertion sort) and returns the middle one. */
static inline int32_t sh_median(int32_t *w)
{
	for (int k = 1; k < SH_WIN; k++)
		for (int j = k; j > 0 && w[j - 1] > w[j]; j--) {
			int32_t t = w[j];
			w[j] = w[j - 1];
			w[j - 1] = t;
		}
	return w[SH_WIN / 2];
}

/* A calibration: the settings, set once, and the raw reading to convert. */
typedef struct sh_calib {
	int32_t offset, gain;	/* settings */
	int32_t raw;		/* this reading */
} sh_calib;

/* gain * (raw - offset), the calibrated reading. */
static inline int32_t sh_calibrate(const sh_calib *c)
{
	return (int32_t)((int64_t)c->gain * ((int64_t)c->raw - c->offset) / 8);
}

/* Step 3's score of a reading: a few rounds of mixing, in [0, 2^20). */
static inline int32_t sh_score(int32_t v)
{
	uint64_t h = (uint64_t)(uint32_t)v;
	for (int r = 0; r < 4; r++)
		h = sh_work(h, (uint64_t)r);
	return (int32_t)(h >> 44);
}

/* The bucket of reading V among NB. */
static inline size_t sh_bucket_of(int32_t v, size_t nb)
{
	return (size_t)(sh_work(0, (uint64_t)(uint32_t)v) % nb);
}

/* Lends this thread's core to another thread for a moment: call it in a
 * loop that waits for another thread. */
static inline void sh_pause(void)
{
	sched_yield();
}

#endif
