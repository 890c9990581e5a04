/*
 * etl_noise.h - the transform of exercise 04: Gaussian noise from a
 * counter-based generator, then clipping. Provided: the lesson is the
 * parallelism around it, not the random numbers.
 *
 * Sample i of the file whose key is KEY gets the noise etl_gauss_at(seed,
 * key, i): a function of (seed, key, i) alone. Whoever transforms sample i,
 * in which thread or process and in whatever order, writes the same bits, so
 * every kernel's output is identical to the serial one (the lesson of
 * exercise 01, step 4). The key is a hash of the input's file name
 * (etl_key_of), so a file's output does not depend on the other files of the
 * job either.
 *
 * Noise: one splitmix64 number per sample (exercise 01's generator), then
 * Box-Muller in single precision: z = sqrt(-2 ln u) cos(theta), u in
 * (0, 1] from 31 bits (|z| <= 6.56), theta uniform on the circle from 26
 * bits. The logarithm and the cosine are short polynomials written here
 * (Cephes' logf, sinf and cosf coefficients, relative error about 1e-7), not
 * calls into libm: the function is straight-line arithmetic with no branch,
 * so gcc turns a loop over samples into SIMD code (16 samples per AVX-512
 * instruction), and the vector and the scalar code compute the same IEEE
 * operations, hence the same bits. About 0.3 ns a sample on one core,
 * against about 40 ns for a scalar Box-Muller through libm's log, sqrt and
 * cos; reading and writing a sample costs more than making its noise.
 *
 * Same bits everywhere: built with -ffp-contract=off (no fused multiply-add
 * where the source has a multiply and an add) and -fno-math-errno (sqrt
 * vectorises), never with -ffast-math (exercises/04-audio-etl/meson.build).
 *
 * Shared by the skeleton, the solution and the driver; students do not edit it.
 */
#ifndef ETL_NOISE_H
#define ETL_NOISE_H
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

static inline uint32_t etl_bits_of(float f)
{
	uint32_t b;
	memcpy(&b, &f, sizeof(b));
	return b;
}

static inline float etl_float_of(uint32_t b)
{
	float f;
	memcpy(&f, &b, sizeof(f));
	return f;
}

/* ln(X) for a normal float X > 0 (Cephes logf): X = m 2^e with m in
 * [sqrt(1/2), sqrt(2)), ln X = ln m + e ln 2, ln m by a polynomial in m - 1. */
static inline float etl_logf(float x)
{
	uint32_t b = etl_bits_of(x);
	int32_t e = (int32_t)(b >> 23) - 127;
	uint32_t mb = (b & 0x007FFFFFu) | 0x3F800000u;	/* m in [1, 2) */
	int32_t big = mb > 0x3FB504F3u;			/* m > sqrt(2): halve it */
	mb -= (uint32_t)big << 23;
	e += big;
	float f = etl_float_of(mb) - 1.0f, z = f * f, fe = (float)e;
	float y = 7.0376836292e-2f;
	y = y * f - 1.1514610310e-1f;
	y = y * f + 1.1676998740e-1f;
	y = y * f - 1.2420140846e-1f;
	y = y * f + 1.4249322787e-1f;
	y = y * f - 1.6668057665e-1f;
	y = y * f + 2.0000714765e-1f;
	y = y * f - 2.4999993993e-1f;
	y = y * f + 3.3333331174e-1f;
	y = y * f * z;
	y = y + -2.12194440e-4f * fe;
	y = y + -0.5f * z;
	return f + y + 0.693359375f * fe;
}

/* A standard normal number made of the 64 random bits R: Box-Muller. */
static inline float etl_gauss_bits(uint64_t r)
{
	uint32_t hi = (uint32_t)(r >> 32), lo = (uint32_t)r;
	/* The radius: u in [2^-31, 1]. */
	float u = ((float)(int32_t)(hi >> 1) + 1.0f) * 0x1p-31f;
	float rad = __builtin_sqrtf(-2.0f * etl_logf(u));
	/* The angle: quadrant q (2 bits) and t uniform in (-pi/4, pi/4) (24
	 * bits); cos(q pi/2 + t) is cos t, -sin t, -cos t, sin t for q = 0..3. */
	uint32_t q = lo >> 30;
	float t = ((float)(int32_t)((lo >> 6) & 0xFFFFFFu) - 8388607.5f) * 0x1p-23f *
		  0.78539816339744831f;
	float t2 = t * t;
	float s = -1.9515295891e-4f;
	s = s * t2 + 8.3321608736e-3f;
	s = s * t2 - 1.6666654611e-1f;
	s = s * t2 * t + t;
	float c = 2.443315711809948e-5f;
	c = c * t2 - 1.388731625493765e-3f;
	c = c * t2 + 4.166664568298827e-2f;
	c = c * t2 * t2 - 0.5f * t2 + 1.0f;
	uint32_t v = etl_bits_of((q & 1) ? s : c) ^ ((((q + 1) >> 1) & 1) << 31);
	return rad * etl_float_of(v);
}

/* The base of the stream (SEED, KEY): sample i draws from base + (i+1) golden. */
static inline uint64_t etl_stream(uint64_t seed, uint64_t key)
{
	return etl_mix64(seed ^ etl_mix64(key));
}

/* Standard normal number i of the stream (SEED, KEY). */
static inline float etl_gauss_at(uint64_t seed, uint64_t key, uint64_t i)
{
	return etl_gauss_bits(etl_mix64(etl_stream(seed, key) + (i + 1) * ETL_GOLDEN));
}

/* The transform of one sample: X plus noise of standard deviation SIGMA,
 * clipped to [-1, 1] (a NaN input becomes -1). */
static inline float etl_noisy(float x, double sigma, uint64_t seed, uint64_t key, uint64_t i)
{
	float y = x + (float)sigma * etl_gauss_at(seed, key, i);
	return y > 1.0f ? 1.0f : y >= -1.0f ? y : -1.0f;
}

#endif
