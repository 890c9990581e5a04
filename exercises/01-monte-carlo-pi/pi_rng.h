/*
 * pi_rng.h - the random numbers of exercise 01: splitmix64 (Steele, Lea and
 * Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014; the
 * seeding generator of xoshiro), in two forms.
 *
 *   pi_stream    sequential: a state that advances by a constant. Give each
 *                thread its own stream (step 3); the numbers a sample gets
 *                then depend on which thread draws it.
 *   pi_random_at counter-based: the i-th number for a seed, a function of
 *                (seed, i) alone. Whoever computes sample i, in any order, gets
 *                the same number, so the count is the same at any thread
 *                count (step 4) and in any process (step 5).
 *
 * One 64-bit number makes one point: pi_in_circle splits it into x (high 32
 * bits) and y (low 32 bits), each in [0, 1) with 2^-32 resolution.
 *
 * Everything is static inline and branch-free, so that gcc can inline it into
 * a loop and vectorise the loop (with AVX-512: 8 samples per instruction).
 * Shared by the skeleton, the solution and the driver; students do not edit it.
 */
#ifndef PI_RNG_H
#define PI_RNG_H
#include <stdbool.h>
#include <stdint.h>

/* The golden-ratio increment of splitmix64: odd, so the state visits all 2^64
 * values before it repeats. */
#define PI_GOLDEN UINT64_C(0x9E3779B97F4A7C15)

/* The splitmix64 finaliser: a bijection of 64-bit words whose every output
 * bit depends on every input bit (an avalanche), so consecutive inputs give
 * unrelated outputs. */
static inline uint64_t pi_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* True when the point made of R (x: high 32 bits, y: low 32 bits, each
 * scaled to [0, 1)) lies inside the quarter circle x^2 + y^2 < 1. */
static inline bool pi_in_circle(uint64_t r)
{
	double x = (double)(uint32_t)(r >> 32) * 0x1p-32;
	double y = (double)(uint32_t)r * 0x1p-32;
	return x * x + y * y < 1.0;
}

/* The i-th random number (i = 0, 1, ...) for SEED: counter-based splitmix64.
 * The same (seed, i) gives the same number in any thread, process or order. */
static inline uint64_t pi_random_at(uint64_t seed, uint64_t i)
{
	return pi_mix64(pi_mix64(seed) + (i + 1) * PI_GOLDEN);
}

/* A sequential stream of random numbers: one per thread, never shared. */
typedef struct pi_stream {
	uint64_t state;
} pi_stream;

/* Stream ID (e.g. the thread number) for SEED. Each stream starts at its own
 * pseudo-random point of splitmix64's 2^64-long sequence, so different IDs
 * give different numbers, and the same (seed, id) the same numbers. */
static inline pi_stream pi_stream_new(uint64_t seed, uint64_t id)
{
	pi_stream s = { pi_random_at(seed, id) };
	return s;
}

/* The next number of stream S. */
static inline uint64_t pi_stream_next(pi_stream *s)
{
	s->state += PI_GOLDEN;
	return pi_mix64(s->state);
}

#endif /* PI_RNG_H */
