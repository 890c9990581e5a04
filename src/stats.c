/*
 * stats.c - the statistics of a sample of times, rates or ratios (kit.h):
 * median and the robust spread around it (MAD), a distribution-free
 * confidence interval of the median, and outliers counted the same way
 * everywhere. Means and standard deviations are kept for the reader who
 * knows them, but the median is the figure every other part of the kit uses:
 * timing noise is one-sided (a run is only ever slowed down), so the mean is
 * pulled by the slow tail and the median is not.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kit.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Median of N >= 1 sorted values: the middle one, or the mean of the middle two. */
static double sorted_median(const double *s, size_t n)
{
	return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

/*
 * 95% confidence interval of the median from order statistics (Conover,
 * "Practical Nonparametric Statistics", the normal approximation to the
 * binomial B(n, 1/2) of the number of values below the median):
 *
 *	lower rank  l = floor(n/2 - 1.96 * sqrt(n) / 2)
 *	upper rank  u = ceil(1 + n/2 + 1.96 * sqrt(n) / 2)
 *
 * ranks 1-based into the sorted sample, clamped to [1, n]. For n = 100 this
 * gives ranks 40 and 61, the tabulated values. Below n = 6 no pair of ranks
 * covers the median with 95% confidence, so the interval is [min, max].
 */
static void median_ci(const double *s, size_t n, double *lo, double *hi)
{
	if (n < 6) {
		*lo = s[0];
		*hi = s[n - 1];
		return;
	}
	double half = 1.96 * sqrt((double)n) / 2.0;
	double l = floor((double)n / 2.0 - half);
	double u = ceil(1.0 + (double)n / 2.0 + half);
	if (l < 1)
		l = 1;
	if (u > (double)n)
		u = (double)n;
	*lo = s[(size_t)l - 1];
	*hi = s[(size_t)u - 1];
}

int kit_stats_of(const double *x, size_t n, kit_stats *out)
{
	if (n == 0)
		return -1;

	double *s = kit_xmalloc(n * sizeof(*s));
	memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);

	kit_stats st = { .n = n, .min = s[0], .max = s[n - 1] };
	st.median = sorted_median(s, n);

	/* Two passes: the mean first, then squares of deviations from it
	 * (one-pass sums of squares lose digits when the spread is small). */
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += s[i];
	st.mean = sum / (double)n;
	double ss = 0;
	for (size_t i = 0; i < n; i++)
		ss += (s[i] - st.mean) * (s[i] - st.mean);
	st.stddev = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
	st.cv = n > 1 && st.mean != 0 ? st.stddev / fabs(st.mean) : 0;

	median_ci(s, n, &st.ci_lo, &st.ci_hi);

	/* MAD: the median of the absolute deviations from the median. The
	 * sorted copy is no longer needed, so it holds the deviations. */
	for (size_t i = 0; i < n; i++)
		s[i] = fabs(s[i] - st.median);
	qsort(s, n, sizeof(*s), cmp_double);
	st.mad = sorted_median(s, n);

	/* Modified z-score 0.6745 (x - median) / MAD > 3.5 (Iglewicz and
	 * Hoaglin), i.e. |x - median| > 3.5 * 1.4826 * MAD. With MAD == 0 more
	 * than half the values are equal and nothing can be called far. */
	if (st.mad > 0) {
		double limit = 3.5 * 1.4826 * st.mad;
		for (size_t i = 0; i < n; i++)
			if (fabs(x[i] - st.median) > limit)
				st.outliers++;
	}

	free(s);
	*out = st;
	return 0;
}
