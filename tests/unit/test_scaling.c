/*
 * test_scaling.c - kit_scaling_of and kit_scaling_print against figures
 * computed by hand.
 */
#include <stdlib.h>
#include <string.h>

#include "kit.h"
#include "tap.h"

#define EPS 1e-9

/* The printed table of S, as a malloc'd string. */
static char *printed(const kit_scaling *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		abort();
	kit_scaling_print(s, "s", f);
	fclose(f);
	return buf;
}

int main(void)
{
	kit_scaling s;

	ok(kit_scaling_of(NULL, NULL, 0, &s) == -1, "n = 0 returns -1");

	/* Exact Amdahl, f = 0.1, t1 = 10: t(p) = 10 (0.1 + 0.9 / p) gives
	 * t = 10, 5.5, 4, 3.25 at p = 1, 2, 3, 4. Given out of order. */
	{
		int p[] = { 3, 1, 4, 2 };
		double t[] = { 4, 10, 3.25, 5.5 };
		ok(kit_scaling_of(p, t, 4, &s) == 0 && s.n == 4, "exact Amdahl: returns 4 rows");
		ok(s.rows[0].p == 1 && s.rows[1].p == 2 && s.rows[2].p == 3 && s.rows[3].p == 4,
		   "rows sorted by p");
		ok(s.rows[1].t == 5.5 && s.rows[3].t == 3.25, "times follow their p when sorted");
		near(s.rows[0].speedup, 1, EPS, "speed-up 1 at p = 1");
		near(s.rows[1].speedup, 10 / 5.5, EPS, "speed-up 10/5.5 at p = 2");
		near(s.rows[3].speedup, 10 / 3.25, EPS, "speed-up 10/3.25 at p = 4");
		near(s.rows[2].efficiency, 2.5 / 3, EPS, "efficiency S/p at p = 3");
		ok(isnan(s.rows[0].karp_flatt), "Karp-Flatt NAN at p = 1");
		near(s.rows[1].karp_flatt, 0.1, EPS, "Karp-Flatt 0.1 at p = 2");
		near(s.rows[2].karp_flatt, 0.1, EPS, "Karp-Flatt 0.1 at p = 3");
		near(s.rows[3].karp_flatt, 0.1, EPS, "Karp-Flatt 0.1 at p = 4");
		near(s.serial_fraction, 0.1, EPS, "fit: serial fraction 0.1");
		near(s.t1_fit, 10, EPS, "fit: t1 10");
		near(s.limit, 10, 1e-6, "fit: limit 1/f = 10");
		near(s.r2, 1, EPS, "fit: r2 = 1 on exact data");

		char *out = printed(&s);
		ok(strstr(out, "threads") && strstr(out, "speed-up") && strstr(out, "efficiency") &&
		   strstr(out, "Karp-Flatt") && strstr(out, "time (s)"), "table header");
		ok(strstr(out, "Amdahl fit: serial fraction 0.100, speed-up limit 10.0x "
			       "(r\u00b2 1.000)\n") != NULL, "Amdahl fit line");
		ok(strstr(out, "1.82x") && strstr(out, "0.100"), "speed-up and Karp-Flatt printed");
		/* Header, four rows and the fit line, all rows the header's width. */
		int lines = 0;
		size_t width = strcspn(out, "\n"), same = 0;
		for (char *l = out; *l; l = strchr(l, '\n') + 1) {
			lines++;
			if (lines >= 2 && lines <= 5 && strcspn(l, "\n") == width)
				same++;
		}
		ok(lines == 6 && same == 4, "six lines, rows aligned with the header");
		free(out);
		kit_scaling_free(&s);
		ok(s.rows == NULL && s.n == 0, "kit_scaling_free clears");
	}

	/* Exact Amdahl f = 0.1 at p = 1, 2, 4, 8: t = 10, 5.5, 3.25, 2.125. */
	{
		int p[] = { 1, 2, 4, 8 };
		double t[] = { 10, 5.5, 3.25, 2.125 };
		kit_scaling_of(p, t, 4, &s);
		near(s.serial_fraction, 0.1, EPS, "p = 1..8: f = 0.1");
		near(s.limit, 10, 1e-6, "p = 1..8: limit 10");
		near(s.r2, 1, EPS, "p = 1..8: r2 = 1");
		near(s.rows[3].karp_flatt, 0.1, EPS, "p = 8: Karp-Flatt 0.1");
		near(s.rows[3].efficiency, 10 / 2.125 / 8, EPS, "p = 8: efficiency");
		kit_scaling_free(&s);
	}

	/* The smallest p is 2: t(1) is counted as 2 * t(2) = 11. */
	{
		int p[] = { 8, 2, 4 };
		double t[] = { 2.125, 5.5, 3.25 };
		kit_scaling_of(p, t, 3, &s);
		near(s.rows[0].speedup, 2, EPS, "base p = 2: speed-up 2 at p = 2");
		near(s.rows[0].efficiency, 1, EPS, "base p = 2: efficiency 1 at p = 2");
		near(s.rows[0].karp_flatt, 0, EPS, "base p = 2: Karp-Flatt 0 at p = 2");
		near(s.rows[1].speedup, 11 / 3.25, EPS, "base p = 2: speed-up 11/3.25 at p = 4");
		near(s.rows[2].speedup, 11 / 2.125, EPS, "base p = 2: speed-up 11/2.125 at p = 8");
		near(s.serial_fraction, 0.1, EPS, "base p = 2: fit still finds f = 0.1");
		near(s.t1_fit, 10, EPS, "base p = 2: fitted t1 = 10");
		char *out = printed(&s);
		ok(strstr(out, "speed-up against 2 threads") != NULL, "base p = 2 said under the table");
		free(out);
		kit_scaling_free(&s);
	}

	/* Not exact: p = 1, 2, 4, t = 8, 5, 3. By hand: x = 1, .5, .25,
	 * Sxx = 0.291667, Sxt = 1.916667, b = 6.571429, a = 1.5, t1 = 8.071429,
	 * f = 0.185841, residuals -.071429 .214286 -.142857, SSres = .071429,
	 * SStot = 12.666667, r2 = 0.994361. */
	{
		int p[] = { 1, 2, 4 };
		double t[] = { 8, 5, 3 };
		kit_scaling_of(p, t, 3, &s);
		near(s.t1_fit, 8.071429, 1e-5, "noisy: fitted t1");
		near(s.serial_fraction, 0.185841, 1e-5, "noisy: serial fraction");
		near(s.limit, 1 / 0.185841, 1e-3, "noisy: limit");
		near(s.r2, 0.994361, 1e-5, "noisy: r2 below 1");
		kit_scaling_free(&s);
	}

	/* Super-linear (t = 10, 4, 2): the fit's a is negative, f clamps to 0
	 * and there is no limit. */
	{
		int p[] = { 1, 2, 4 };
		double t[] = { 10, 4, 2 };
		kit_scaling_of(p, t, 3, &s);
		ok(s.serial_fraction == 0 && isinf(s.limit), "super-linear: f 0, limit infinite");
		char *out = printed(&s);
		ok(strstr(out, "speed-up limit none") != NULL, "infinite limit printed as none");
		free(out);
		kit_scaling_free(&s);
	}

	/* Slower with more threads (t = 1, 2, 3): f clamps to 1, limit 1. */
	{
		int p[] = { 1, 2, 4 };
		double t[] = { 1, 2, 3 };
		kit_scaling_of(p, t, 3, &s);
		ok(s.serial_fraction == 1 && s.limit == 1, "slow-down: f 1, limit 1");
		near(s.rows[2].speedup, 1.0 / 3, EPS, "slow-down: speed-up 1/3 at p = 4");
		kit_scaling_free(&s);
	}

	/* One point: a row, but no fit. */
	{
		int p[] = { 4 };
		double t[] = { 2 };
		ok(kit_scaling_of(p, t, 1, &s) == 0 && s.n == 1, "n = 1 returns one row");
		near(s.rows[0].speedup, 4, EPS, "n = 1: speed-up p against itself");
		ok(isnan(s.serial_fraction) && isnan(s.limit) && isnan(s.r2), "n = 1: fit NAN");
		char *out = printed(&s);
		ok(strstr(out, "Amdahl fit: needs two thread counts") != NULL, "n = 1: fit says why");
		free(out);
		kit_scaling_free(&s);
	}

	return tap_done();
}
