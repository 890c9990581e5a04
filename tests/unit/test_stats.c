/*
 * test_stats.c - kit_stats_of on samples whose figures were computed by hand.
 */
#include <string.h>

#include "kit.h"
#include "tap.h"

#define EPS 1e-12

int main(void)
{
	kit_stats s;

	/* n = 0: no figures, -1. */
	ok(kit_stats_of((const double[]){ 1 }, 0, &s) == -1, "n = 0 returns -1");

	/* n = 1: every figure is the value, no spread. */
	ok(kit_stats_of((const double[]){ 7 }, 1, &s) == 0, "n = 1 returns 0");
	ok(s.n == 1 && s.min == 7 && s.max == 7 && s.mean == 7 && s.median == 7,
	   "n = 1: min, max, mean, median are the value");
	ok(s.stddev == 0 && s.cv == 0 && s.mad == 0 && s.outliers == 0,
	   "n = 1: stddev, cv, mad 0, no outlier");
	ok(s.ci_lo == 7 && s.ci_hi == 7, "n = 1: CI is [x, x]");

	/* {1, 2, 3, 4, 100}: median 3, mean 22, deviations -21 -20 -19 -18 78,
	 * squares sum 7610, stddev sqrt(7610 / 4); |x - 3| = 2 1 0 1 97, MAD 1;
	 * 100 is 97 > 3.5 * 1.4826 = 5.19 from the median: one outlier, which
	 * still counts in the mean and the max. */
	double a[] = { 4, 100, 1, 3, 2 };
	double a_copy[5];
	memcpy(a_copy, a, sizeof(a));
	ok(kit_stats_of(a, 5, &s) == 0, "odd n returns 0");
	ok(!memcmp(a, a_copy, sizeof(a)), "input not modified (not sorted in place)");
	near(s.median, 3, EPS, "odd n: median is the middle value");
	near(s.mean, 22, EPS, "mean includes the outlier");
	near(s.stddev, sqrt(7610.0 / 4), 1e-9, "sample stddev (n - 1)");
	near(s.cv, sqrt(7610.0 / 4) / 22, 1e-12, "cv = stddev / mean");
	near(s.mad, 1, EPS, "MAD unscaled");
	ok(s.min == 1 && s.max == 100, "min and max (outlier kept)");
	ok(s.outliers == 1, "one outlier counted");
	ok(s.ci_lo == 1 && s.ci_hi == 100, "n < 6: CI is [min, max]");

	/* {4, 1, 3, 2}: even n, median (2 + 3) / 2; |x - 2.5| = 1.5 .5 .5 1.5, MAD 1;
	 * squares 2.25 + .25 + .25 + 2.25 = 5, stddev sqrt(5 / 3). */
	ok(kit_stats_of((const double[]){ 4, 1, 3, 2 }, 4, &s) == 0, "even n returns 0");
	near(s.median, 2.5, EPS, "even n: median is the mean of the middle two");
	near(s.mad, 1, EPS, "even n: MAD is the mean of the middle two deviations");
	near(s.stddev, sqrt(5.0 / 3), 1e-12, "even n: stddev");
	ok(s.outliers == 0, "even n: no outlier");

	/* MAD == 0: more than half equal, nothing is called an outlier. */
	ok(kit_stats_of((const double[]){ 5, 5, 9, 5, 5 }, 5, &s) == 0 && s.mad == 0 &&
	   s.outliers == 0, "MAD 0: no outliers, even for a far value");

	/* A value just inside and one just outside 3.5 * 1.4826 * MAD:
	 * {-1, -1, 0, 0, 0, 1, 1, X}: median 0, deviations 1 1 0 0 0 1 1 |X|,
	 * sorted 0 0 0 1 1 1 1 |X| -> MAD 1, limit 5.1891. */
	ok(kit_stats_of((const double[]){ -1, -1, 0, 0, 0, 1, 1, 5.18 }, 8, &s) == 0 &&
	   s.mad == 1 && s.outliers == 0, "5.18 MADs away: not an outlier");
	ok(kit_stats_of((const double[]){ -1, -1, 0, 0, 0, 1, 1, 5.20 }, 8, &s) == 0 &&
	   s.mad == 1 && s.outliers == 1, "5.20 MADs away: an outlier");

	/* 1..20 reversed: median 10.5, deviations .5 .5 1.5 1.5 ... 9.5 9.5,
	 * MAD (4.5 + 5.5) / 2 = 5; CI ranks floor(10 - 4.383) = 5 and
	 * ceil(11 + 4.383) = 16. */
	double x20[20];
	for (int i = 0; i < 20; i++)
		x20[i] = 20 - i;
	ok(kit_stats_of(x20, 20, &s) == 0, "n = 20 returns 0");
	near(s.median, 10.5, EPS, "n = 20: median");
	near(s.mad, 5, EPS, "n = 20: MAD");
	near(s.ci_lo, 5, EPS, "n = 20: CI lower is rank 5");
	near(s.ci_hi, 16, EPS, "n = 20: CI upper is rank 16");

	/* 1..10: ranks floor(5 - 3.099) = 1 and ceil(6 + 3.099) = 10. */
	double x10[10];
	for (int i = 0; i < 10; i++)
		x10[i] = i + 1;
	ok(kit_stats_of(x10, 10, &s) == 0 && s.ci_lo == 1 && s.ci_hi == 10,
	   "n = 10: CI ranks 1 and 10");

	/* 1..100: ranks floor(50 - 9.8) = 40 and ceil(51 + 9.8) = 61, the
	 * tabulated pair. */
	double x100[100];
	for (int i = 0; i < 100; i++)
		x100[i] = i + 1;
	ok(kit_stats_of(x100, 100, &s) == 0 && s.ci_lo == 40 && s.ci_hi == 61,
	   "n = 100: CI ranks 40 and 61");
	near(s.mean, 50.5, EPS, "n = 100: mean");
	near(s.median, 50.5, EPS, "n = 100: median");

	/* Equal values: no spread anywhere. */
	ok(kit_stats_of((const double[]){ 2, 2, 2, 2, 2, 2, 2 }, 7, &s) == 0 &&
	   s.stddev == 0 && s.cv == 0 && s.mad == 0 && s.ci_lo == 2 && s.ci_hi == 2,
	   "equal values: zero spread, CI [x, x]");

	return tap_done();
}
