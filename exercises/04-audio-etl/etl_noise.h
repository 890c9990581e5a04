/*
 * etl_noise.h - the transform of exercise 04: Gaussian noise from a
 * counter-based generator, then clipping.
 *
 * Sample i of the file whose key is KEY gets the noise etl_gauss_at(seed,
 * key, i): a function of (seed, key, i) alone. Whoever transforms sample i,
 * in which thread or process and in whatever order, writes the same bits, so
 * every kernel's output is identical to the serial one (the lesson of
 * exercise 01, step 4). The key is a hash of the input's file name
 * (etl_key_of), so a file's output does not depend on the other files of the
 * job either.
 *
 * Noise: one splitmix64 number per sample, split into two 32-bit uniforms
 * u1 in (0, 1] and u2 in [0, 1), then Box-Muller: z = sqrt(-2 ln u1)
 * cos(2 pi u2) is a standard normal (|z| <= 6.7 with 32-bit u1). The costly
 * part of the whole transform is this log, sqrt and cos: about 10-20 ns per
 * sample, against under 1 ns to copy a sample from the page cache.
 *
 * Shared by the skeleton, the solution and the driver; students do not edit it.
 */
#ifndef ETL_NOISE_H
#define ETL_NOISE_H
#include <math.h>
#include <stdint.h>
#include <string.h>

#define ETL_GOLDEN UINT64_C(0x9E3779B97F4A7C15)

/* The splitmix64 finaliser (exercise 01, pi_rng.h). */
static inline uint64_t etl_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* The key of a file's noise stream: FNV-1a of its base name (no folder), so
 * "sounds/example3.wav" and "/tmp/example3.wav" get the same noise. */
static inline uint64_t etl_key_of(const char *path)
{
	const char *base = strrchr(path, '/');
	uint64_t h = UINT64_C(0xCBF29CE484222325);
	for (const unsigned char *c = (const unsigned char *)(base ? base + 1 : path); *c; c++)
		h = (h ^ *c) * UINT64_C(0x100000001B3);
	return h;
}

/* Standard normal number i of the stream (SEED, KEY). */
static inline double etl_gauss_at(uint64_t seed, uint64_t key, uint64_t i)
{
	uint64_t r = etl_mix64(etl_mix64(seed ^ etl_mix64(key)) + (i + 1) * ETL_GOLDEN);
	double u1 = ((double)(uint32_t)(r >> 32) + 1.0) * 0x1p-32;	/* (0, 1] */
	double u2 = (double)(uint32_t)r * 0x1p-32;			/* [0, 1) */
	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* The transform of one sample: X plus noise of standard deviation SIGMA,
 * clipped to [-1, 1] (a NaN input becomes -1). */
static inline float etl_noisy(float x, double sigma, uint64_t seed, uint64_t key, uint64_t i)
{
	float y = x + (float)(sigma * etl_gauss_at(seed, key, i));
	return y > 1.0f ? 1.0f : y >= -1.0f ? y : -1.0f;
}

#endif
