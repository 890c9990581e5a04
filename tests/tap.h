/*
 * tap.h - a minimal TAP producer for the unit tests (meson test, protocol
 * 'tap'). Each ok() prints "ok N - NAME" or "not ok N - NAME" with the
 * failing expression and location; tap_done() prints the plan and returns the
 * exit status. Only TAP goes to stdout; diagnostics go to stderr.
 */
#ifndef TAP_H
#define TAP_H
#include <math.h>
#include <stdio.h>

static int tap_n, tap_failed;

#define ok(cond, ...) tap_ok((cond), #cond, __FILE__, __LINE__, __VA_ARGS__)
/* |a - b| <= tol, with both values shown on failure */
#define near(a, b, tol, ...) tap_near((a), (b), (tol), #a, __FILE__, __LINE__, __VA_ARGS__)

static inline int tap_ok(int cond, const char *expr, const char *file, int line,
			 const char *name, ...)
{
	tap_n++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, name);
	if (!cond) {
		tap_failed++;
		fprintf(stderr, "#   failed: %s (%s:%d)\n", expr, file, line);
	}
	fflush(stdout);
	return cond;
}

static inline int tap_near(double a, double b, double tol, const char *expr,
			   const char *file, int line, const char *name, ...)
{
	int cond = fabs(a - b) <= tol || (isinf(a) && a == b);
	if (!cond)
		fprintf(stderr, "#   %s = %.17g, expected %.17g +- %g\n", expr, a, b, tol);
	return tap_ok(cond, expr, file, line, name);
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
#endif
