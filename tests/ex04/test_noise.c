/*
 * test_noise.c - the noise of exercise 04 (etl_noise.h) is Gaussian with the
 * stated sigma, in mean, spread AND shape, and the same bits in vector and
 * scalar code, for any split of a file's samples.
 *
 * On 10^6 samples of each of three streams: mean, standard deviation,
 * skewness and excess kurtosis each within 5 standard errors of a normal's
 * (0, 1, 0, 0); the Kolmogorov-Smirnov distance to the normal CDF below its
 * 0.1% critical value 1.95 / sqrt(n); the fractions beyond 1, 2 and 3 sigma
 * within 5 standard errors. The transform of one sample: x + sigma z clipped
 * to [-1, 1], a NaN becomes -1. The loop the compiler vectorises writes the
 * bits that sample-by-sample calls through a volatile function pointer write.
 * Each check can fail: a uniform, a Student-t or a sum of 12 uniforms (what a
 * cheap "Gaussian" might be) fails the shape checks, as the last cases show.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "etl_noise.h"
#include "tap.h"

#define N 1000000

/* ok() with a printf name (tap.h prints the name as given). */
static char tap_name[320];
#define okf(cond, ...) (snprintf(tap_name, sizeof(tap_name), __VA_ARGS__), \
			ok((cond), tap_name))

struct moments {
	double mean, sd, skew, kurt, ks, tail1, tail2, tail3;
};

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

static double phi(double z)
{
	return 0.5 * erfc(-z / sqrt(2.0));
}

/* The statistics of Z[0..n), sorted in place. */
static void moments_of(float *z, size_t n, struct moments *m)
{
	double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
	size_t t1 = 0, t2 = 0, t3 = 0;
	for (size_t i = 0; i < n; i++)
		s1 += z[i];
	double mean = s1 / (double)n;
	for (size_t i = 0; i < n; i++) {
		double d = z[i] - mean, d2 = d * d;
		s2 += d2;
		s3 += d2 * d;
		s4 += d2 * d2;
		double a = fabs((double)z[i]);
		t1 += a > 1;
		t2 += a > 2;
		t3 += a > 3;
	}
	double var = s2 / (double)n;
	m->mean = mean;
	m->sd = sqrt(var);
	m->skew = s3 / (double)n / (var * m->sd);
	m->kurt = s4 / (double)n / (var * var) - 3.0;
	m->tail1 = (double)t1 / (double)n;
	m->tail2 = (double)t2 / (double)n;
	m->tail3 = (double)t3 / (double)n;
	qsort(z, n, sizeof(*z), cmp_float);
	double d = 0;
	for (size_t i = 0; i < n; i++) {
		double f = phi(z[i]), lo = f - (double)i / (double)n, hi = (double)(i + 1) / (double)n - f;
		if (lo > d)
			d = lo;
		if (hi > d)
			d = hi;
	}
	m->ks = d;
}

/* True when M looks like a standard normal's sample of N, each within 5
 * standard errors; prints what is off. */
static int normal_like(const struct moments *m, size_t n, const char *what)
{
	double rn = sqrt((double)n), se_p;
	int good = 1;
#define OFF(cond, ...) do { if (!(cond)) { good = 0; fprintf(stderr, "#   %s: ", what); \
	fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)
	OFF(fabs(m->mean) < 5 / rn, "mean %.5f, more than 5 standard errors from 0", m->mean);
	OFF(fabs(m->sd - 1) < 5 * sqrt(0.5) / rn, "sd %.5f, more than 5 standard errors from 1", m->sd);
	OFF(fabs(m->skew) < 5 * sqrt(6.0) / rn, "skewness %.4f", m->skew);
	OFF(fabs(m->kurt) < 5 * sqrt(24.0) / rn, "excess kurtosis %.4f", m->kurt);
	OFF(m->ks < 1.95 / rn, "Kolmogorov-Smirnov distance %.5f >= %.5f", m->ks, 1.95 / rn);
	static const double p[3] = { 0.31731050786291415, 0.045500263896358417,
				     0.0026997960632601866 };
	double got[3] = { m->tail1, m->tail2, m->tail3 };
	for (int k = 0; k < 3; k++) {
		se_p = sqrt(p[k] * (1 - p[k]) / (double)n);
		OFF(fabs(got[k] - p[k]) < 5 * se_p, "P(|z| > %d) = %.6f, want %.6f", k + 1, got[k], p[k]);
	}
#undef OFF
	return good;
}

static float noisy_scalar(float x, double sigma, uint64_t seed, uint64_t key, uint64_t i)
{
	return etl_noisy(x, sigma, seed, key, i);
}

/* The loop as etl_transform writes it: vectorised at -O3. */
static void transform(float *x, size_t n, double sigma, uint64_t seed, uint64_t key,
		      uint64_t first)
{
	for (size_t i = 0; i < n; i++)
		x[i] = etl_noisy(x[i], sigma, seed, key, first + i);
}

int main(void)
{
	float *z = malloc(N * sizeof(*z));
	if (!z)
		return 1;
	static const uint64_t streams[3][2] = { { 2026, 0 }, { 1, 0x1234567 }, { 99, 42 } };
	for (int s = 0; s < 3; s++) {
		for (size_t i = 0; i < N; i++)
			z[i] = etl_gauss_at(streams[s][0], streams[s][1], i);
		struct moments m;
		moments_of(z, N, &m);
		okf(normal_like(&m, N, "noise"), "stream %d: 1e6 samples normal (mean %.4f, sd "
		    "%.4f, skew %.4f, kurt %.4f, KS %.5f)", s, m.mean, m.sd, m.skew, m.kurt, m.ks);
		okf(fabs(z[0]) < 6.6f && fabs(z[N - 1]) < 6.6f, "stream %d: |z| <= 6.56", s);
	}

	/* Sigma 0.1 on a silent signal: sd 0.1. */
	for (size_t i = 0; i < N; i++)
		z[i] = 0.0f;
	transform(z, N, 0.1, 2026, etl_key_of("sounds/example0.wav"), 0);
	double ss = 0;
	for (size_t i = 0; i < N; i++)
		ss += (double)z[i] * z[i];
	near(sqrt(ss / N), 0.1, 5 * 0.1 * sqrt(0.5 / N), "sigma 0.1: the noise's sd is 0.1");

	/* Vector and scalar code, and every split: the same bits. */
	float *v = malloc(N * sizeof(*v));
	if (!v)
		return 1;
	float (*volatile scalar)(float, double, uint64_t, uint64_t, uint64_t) = noisy_scalar;
	size_t differ = 0;
	for (size_t i = 0; i < 100000; i++)
		v[i] = (float)((double)(i % 2001) / 1000.0 - 1.0);
	memcpy(z, v, 100000 * sizeof(*z));
	transform(v, 100000, 0.1, 7, 8, 0);
	for (size_t i = 0; i < 100000; i++) {
		float want = scalar(z[i], 0.1, 7, 8, i);
		differ += memcmp(&want, &v[i], sizeof(want)) != 0;
	}
	okf(differ == 0, "vector and scalar code write the same bits (%zu of 1e5 differ)", differ);
	memcpy(v, z, 100000 * sizeof(*z));
	transform(v, 37, 0.1, 7, 8, 0);
	transform(v + 37, 100000 - 37, 0.1, 7, 8, 37);
	differ = 0;
	for (size_t i = 0; i < 100000; i++) {
		float want = scalar(z[i], 0.1, 7, 8, i);
		differ += memcmp(&want, &v[i], sizeof(want)) != 0;
	}
	okf(differ == 0, "a split at sample 37 writes the same bits (%zu differ)", differ);

	/* Clipping. */
	ok(etl_noisy(1.0f, 10.0, 1, 2, 3) <= 1.0f && etl_noisy(1.0f, 10.0, 1, 2, 3) >= -1.0f,
	   "clipped to [-1, 1]");
	size_t ones = 0, out = 0;
	for (size_t i = 0; i < 10000; i++) {
		float y = etl_noisy(0.95f, 0.1, 1, 2, i);
		ones += y == 1.0f;
		out += y > 1.0f || y < -1.0f;
	}
	okf(out == 0 && ones > 2500 && ones < 3400, "0.95 + noise: %zu of 1e4 clipped at 1 "
	   "(P(z > 0.5) = 0.31), none outside", ones);
	ok(etl_noisy(NAN, 0.1, 1, 2, 3) == -1.0f, "NaN becomes -1");
	ok(etl_noisy(0.5f, 0.0, 1, 2, 3) == 0.5f, "sigma 0: the signal unchanged");

	/* The checks can fail: three look-alikes are caught. */
	for (size_t i = 0; i < N; i++) {
		uint64_t r = etl_mix64(i + 1);
		z[i] = (float)(((double)(r >> 11) * 0x1p-53 - 0.5) * sqrt(12.0));	/* uniform, sd 1 */
	}
	struct moments m;
	moments_of(z, N, &m);
	ok(!normal_like(&m, N, "uniform (expected)"), "a uniform of sd 1 is caught");
	for (size_t i = 0; i < N; i++) {
		double s = 0;
		for (int k = 0; k < 12; k++)
			s += (double)(etl_mix64(12 * i + (uint64_t)k + 1) >> 11) * 0x1p-53;
		z[i] = (float)(s - 6.0);					/* Irwin-Hall 12 */
	}
	moments_of(z, N, &m);
	ok(!normal_like(&m, N, "sum of 12 uniforms (expected)"), "a sum of 12 uniforms is caught");
	for (size_t i = 0; i < N; i++) {
		/* Student t with 10 degrees of freedom, scaled to sd 1 */
		double g = etl_gauss_at(5, 6, i), c = 0;
		for (int k = 0; k < 10; k++) {
			double h = etl_gauss_at(5, 7 + (uint64_t)k, i);
			c += h * h;
		}
		z[i] = (float)(g / sqrt(c / 10) * sqrt(8.0 / 10.0));
	}
	moments_of(z, N, &m);
	ok(!normal_like(&m, N, "Student t, 10 dof (expected)"), "a Student t (10 dof, sd 1) is caught");
	free(z);
	free(v);
	return tap_done();
}
