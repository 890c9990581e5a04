/*
 * bugs.h - the kernels of exercise 09, the bug hunt: seven small kernels,
 * one classic OpenMP bug each, with fixed signatures, and the functions
 * they share.
 *
 * Every answer is defined by the serial meaning of the code (what it
 * computes with one thread and no bug), so it is the same at any thread
 * count; the driver (src/exercises/09-bug-hunt/bugs_exercise.c) recomputes
 * it serially and checks it exactly. Whole-number answers are compared modulo 2^52 (exact in a
 * double). bugs.c holds the kernels and nothing else.
 */
#ifndef BUGS_H
#define BUGS_H
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#define BH_SLOTS 4096	/* step 1's shares: one per thread a team can have */
#define BH_START 1000000	/* step 2: each account's opening balance */
#define BH_BLOCK 1024	/* steps 5 and 7: values per block */

/* Step 1: the sum of bh_work(seed, i), i < n, made of per-thread shares
 * stored in part[thread number] (BH_SLOTS slots, zero on entry). */
uint64_t bh_shares(uint64_t n, uint64_t seed, uint64_t *part);

/* Step 2: two accounts, each opening with BH_START; transfer i < n moves
 * bh_work(seed, i) % 100 from account i % 2 to the other, under both
 * accounts' locks. Returns account 0's final balance (modulo 2^64). */
uint64_t bh_transfers(uint64_t n, uint64_t seed);

/* Step 3: the sum of bh_work(seed, i), i < n: thread t of T adds i = t,
 * t + T, ... into part[t] (BH_SLOTS slots); thread 0 adds the parts. */
uint64_t bh_team_total(uint64_t n, uint64_t seed, uint64_t *part);

/* Step 4: the team's last thread sums bh_work(seed, i), i < n, and hands
 * the sum S to thread 0 through a flag; thread 0 returns 3 S + 1 (a team of
 * one thread, as without OpenMP, does both). */
uint64_t bh_handoff(uint64_t n, uint64_t seed);

/* Step 5: the sum of x[0..n): each block of BH_BLOCK values summed in
 * order, then the block sums added in block order, in doubles. part has a
 * slot per block. */
double bh_float_sum(size_t n, const double *x, double *part);

/* Step 6: a[i] = bh_slow(seed, i, n) for every i < n, then the sum over i of
 * a[i] ^ (a[n - 1 - i] >> 1) (modulo 2^64). a's n slots are zero on entry. */
uint64_t bh_mirror(size_t n, uint64_t seed, uint64_t *a);

/* Step 7: one task per chunk c of BH_BLOCK values (the last may be shorter)
 * stores out[i] = bh_work(bh_work(seed, c), i) for its i; returns the sum of
 * out[0..n) (modulo 2^64). out's n slots are zero on entry. */
uint64_t bh_tasks(size_t n, uint64_t seed, uint64_t *out);

/* What step 7's task for chunk c needs to know. */
typedef struct bh_chunk {
	uint64_t seed, c;
} bh_chunk;

/* ------------------------------------------------------------------------
 * The functions the kernels share (given; change nothing here).
 */

/* A well-mixed 64-bit number made of (seed, i) alone: splitmix64's finaliser. */
static inline uint64_t bh_work(uint64_t seed, uint64_t i)
{
	uint64_t z = seed + (i + 1) * UINT64_C(0x9e3779b97f4a7c15);
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* bh_work mixed again 1 to 16 times, more for larger i: the later values
 * of step 6 take longer to make. */
static inline uint64_t bh_slow(uint64_t seed, uint64_t i, uint64_t n)
{
	uint64_t v = bh_work(seed, i);
	for (uint64_t r = 0; r <= 15 * i / n; r++)
		v = bh_work(v, r);
	return v;
}

/* Step 5's value i: +-m 2^e with m in [0, 1) and e in [-30, 30]: values of
 * very different sizes, whose sum rounds differently in another order. */
static inline double bh_value(uint64_t seed, uint64_t i)
{
	uint64_t h = bh_work(seed, i);
	double m = (double)(h >> 11) * 0x1p-53;
	return ldexp((h >> 10) & 1 ? -m : m, (int)(h % 61) - 30);
}

#endif
