/*
 * test_ptsweep.c - kit_ptsweep (ptsweep.h) on a made-up run: which cells are
 * run, their figures from the wall clock or from the runs' own times, the
 * speed-up, a failed cell, the heat maps' axis name.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ptsweep.h"
#include "tap.h"

struct fake {
	int calls;		/* runs so far */
	double own;		/* what the last run says it took */
	int fail_p;		/* a run at this P fails (0: none) */
};

/* Sleeps 2 ms (the wall clock sees start-up), says it took 1/(P*T) s. */
static int fake_run(void *ctx, int p, int t, double *extra)
{
	struct fake *f = ctx;
	f->calls++;
	if (p == f->fail_p)
		return -1;
	nanosleep(&(struct timespec){ 0, 2000000 }, NULL);
	f->own = 1.0 / (p * t) + 0.001 * (f->calls % 3);	/* three different runs */
	extra[0] = p * 10 + t;
	return 0;
}

static double fake_seconds(void *ctx)
{
	return ((struct fake *)ctx)->own;
}

static const char *fake_why(void *ctx)
{
	(void)ctx;
	return "made to fail";
}

/* The heat maps of W as text (no PNG), malloc'd. */
static char *maps(const kit_ptsweep *w)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		abort();
	kit_ptsweep_heatmaps(w, NULL, f);
	fclose(f);
	return buf;
}

int main(void)
{
	static const int ps[] = { 1, 2 }, ts[] = { 1, 2 };
	struct fake f = { 0 };
	kit_ptsweep w = { .ps = ps, .np = 2, .ts = ts, .nt = 2, .repeat = 3, .quiet = true,
			  .schema = "test-sweep/1", .things = "runs", .what = "one run",
			  .run = fake_run, .why = fake_why, .seconds = fake_seconds, .ctx = &f,
			  .p_name = "ranks", .extra_names = { "code" } };
	ok(kit_ptsweep_measure(&w) == 0, "own times: measured");
	ok(f.calls == 12, "own times: 4 cells x 3 runs");
	const kit_ptsweep_cell *c11 = kit_ptsweep_at(&w, 1, 1), *c22 = kit_ptsweep_at(&w, 2, 2);
	ok(c11 && c22 && c11->done && c22->done && c22->reps == 3, "own times: cells done, 3 runs each");
	near(c11->median, 1.001, 1e-12, "own times: P=1 T=1's median is the runs' own (1.001 s), "
	     "not the 2 ms they lasted");
	near(c22->min, 0.25, 1e-12, "own times: P=2 T=2's minimum 0.25 s");
	near(c22->max, 0.252, 1e-12, "own times: P=2 T=2's maximum 0.252 s");
	near(c22->extra[0], 22, 1e-12, "extras: the mean of the runs' figures");
	int k22 = (int)(c22 - w.cells);
	near(kit_ptsweep_speedup(&w, k22), 1.001 / 0.251, 1e-9, "speed-up over P=1 T=1 from own times");
	ok(kit_ptsweep_best(&w) == c22, "the fastest cell is P=2 T=2");
	char *text = maps(&w);
	ok(text && strstr(text, "ranks"), "heat maps: P's axis is named 'ranks'");
	ok(text && !strstr(text, "processes"), "heat maps: not 'processes'");
	free(text);
	kit_ptsweep_free(&w);

	/* wall-clock mode: the same runs, no own times */
	struct fake g = { 0 };
	kit_ptsweep v = { .ps = ps, .np = 2, .ts = ts, .nt = 2, .repeat = 2, .quiet = true,
			  .schema = "test-sweep/1", .things = "runs", .what = "one run",
			  .run = fake_run, .why = fake_why, .ctx = &g };
	ok(kit_ptsweep_measure(&v) == 0, "wall clock: measured");
	const kit_ptsweep_cell *v11 = kit_ptsweep_at(&v, 1, 1);
	ok(v11 && v11->median >= 0.002 && v11->median < 0.5,
	   "wall clock: P=1 T=1 took its 2 ms sleep, not its 1 s claim");
	text = maps(&v);
	ok(text && strstr(text, "processes"), "heat maps: P's axis is 'processes' by default");
	free(text);
	kit_ptsweep_free(&v);

	/* a cell whose run fails is left out, the others measured */
	struct fake h = { .fail_p = 2 };
	kit_ptsweep u = { .ps = ps, .np = 2, .ts = ts, .nt = 1, .repeat = 1, .quiet = true,
			  .schema = "test-sweep/1", .things = "runs", .what = "one run",
			  .run = fake_run, .why = fake_why, .seconds = fake_seconds, .ctx = &h };
	ok(kit_ptsweep_measure(&u) == 0, "a failing cell: the sweep still returns 0");
	const kit_ptsweep_cell *u21 = kit_ptsweep_at(&u, 2, 1), *u11 = kit_ptsweep_at(&u, 1, 1);
	ok(u.nfailed == 1 && u21 && u21->failed && !u21->done, "the failed cell is marked, not done");
	ok(u11 && u11->done, "the other cell is measured");
	ok(isnan(kit_ptsweep_speedup(&u, (int)(u21 - u.cells))), "no speed-up for the failed cell");
	kit_ptsweep_free(&u);
	return tap_done();
}
