/*
 * test_clock.c - the clocks, the timing protocol (warm-up, repetitions,
 * limits, failures) and the timing warnings.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kit.h"
#include "kit_internal.h"
#include "tap.h"

static void sleep_s(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s, .tv_nsec = (long)((s - (time_t)s) * 1e9) };
	while (nanosleep(&ts, &ts))
		;
}

/* Burns S seconds of this process's CPU time (10 s of wall at most: the
 * machine may be shared), returning the wall time it took. */
static double spin_cpu_s(double s)
{
	double t0 = kit_wtime(), c0 = kit_cputime();
	volatile double x = 0;
	while (kit_cputime() - c0 < s && kit_wtime() - t0 < 10)
		x += 1;
	(void)x;
	return kit_wtime() - t0;
}

/* A kernel: sleeps 1 ms, except the first call (a slow warm-up) sleeps
 * FIRST seconds; returns FAIL_RC on call number FAIL_AT (1-based). */
struct kern {
	int calls;
	double first;
	int fail_at, fail_rc;
};

static int kernel(void *ctx)
{
	struct kern *k = ctx;
	k->calls++;
	if (k->fail_at && k->calls == k->fail_at)
		return k->fail_rc;
	sleep_s(k->calls == 1 && k->first > 0 ? k->first : 1e-3);
	return 0;
}

/* A serial kernel: 40 ms of CPU on the calling thread. */
static int spin_kernel(void *ctx)
{
	(void)ctx;
	spin_cpu_s(0.04);
	return 0;
}

static int noop(void *ctx)
{
	(*(int *)ctx)++;
	return 0;
}

/* True when a recorded warning starts with PREFIX and contains TEXT. */
static bool warned(const char *prefix, const char *text)
{
	const char *const *list;
	size_t n = kit__warnings(&list);
	for (size_t i = 0; i < n; i++)
		if (!strncmp(list[i], prefix, strlen(prefix)) && strstr(list[i], text))
			return true;
	return false;
}

/* Recorded warnings whose text starts with PREFIX. */
static int warnings_for(const char *prefix)
{
	const char *const *list;
	size_t n = kit__warnings(&list);
	int c = 0;
	for (size_t i = 0; i < n; i++)
		c += !strncmp(list[i], prefix, strlen(prefix));
	return c;
}

/* What kit_timing_warnings_flush prints on stderr, malloc'd. */
static char *flushed(void)
{
	char path[] = "/tmp/test_clock.XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	fflush(stderr);
	dup2(fd, 2);
	kit_timing_warnings_flush();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	char *buf = calloc(1, 8192);
	ssize_t n = pread(fd, buf, 8191, 0);
	buf[n > 0 ? n : 0] = 0;
	close(fd);
	unlink(path);
	return buf;
}

static int count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* A synthetic timing: N samples around MEDIAN, spread SPREAD (relative). */
static kit_timing synthetic(size_t n, double median, double spread, double first,
			    int threads, double cpu)
{
	kit_timing t = { .first = first, .threads = threads, .cpu = cpu };
	t.samples = malloc(n * sizeof(double));
	for (size_t i = 0; i < n; i++)
		t.samples[i] = median * (1 + spread * ((double)i / (double)(n - 1) - 0.5));
	kit_stats_of(t.samples, n, &t.wall);
	return t;
}

int main(int argc, char **argv)
{
	kit_init(argc, argv);

	/* Clocks. */
	double w0 = kit_wtime(), c0 = kit_cputime();
	sleep_s(0.02);
	double w1 = kit_wtime(), c1 = kit_cputime();
	ok(w1 - w0 >= 0.02 && w1 - w0 < 1, "kit_wtime measures a 20 ms sleep");
	ok(c1 - c0 < 0.01, "kit_cputime does not count a sleep");
	/* CPU time cannot run ahead of wall time on one thread. */
	double spun = spin_cpu_s(0.05);
	ok(kit_cputime() - c1 >= 0.05 && spun >= 0.05 && spun < 10,
	   "kit_cputime counts a spin, no faster than wall time");
	ok(kit_wtime() >= w1, "kit_wtime is monotonic");

	/* The protocol: a 200 ms first warm-up run, then 1 ms runs until at
	 * least 5 runs and 30 ms. */
	struct kern k = { .first = 0.2 };
	kit_timing_opts o = { .warmup = 2, .min_reps = 5, .min_time = 0.03, .max_reps = 1000 };
	kit_timing t;
	double total = 0, maxs = 0;
	ok(kit_time(kernel, &k, &o, &t) == 0, "kit_time returns 0");
	for (size_t i = 0; i < t.wall.n; i++) {
		total += t.samples[i];
		if (t.samples[i] > maxs)
			maxs = t.samples[i];
	}
	ok(t.wall.n >= 5, "at least min_reps runs timed");
	ok(total >= 0.03, "at least min_time seconds timed");
	ok(total - t.samples[t.wall.n - 1] < 0.03 || t.wall.n == 5,
	   "stopped as soon as both minimums were met");
	ok(k.calls == 2 + (int)t.wall.n, "warm-up runs called but not timed");
	ok(t.first >= 0.2, "first holds the slow warm-up run");
	ok(maxs < 0.2, "the warm-up is not among the samples");
	ok(t.wall.median >= 1e-3 && t.wall.median < 0.1, "median near the 1 ms sleep");
	ok(t.cpu >= 0 && t.cpu < 0.5 * t.wall.median, "CPU per run far below wall for a sleep");
	ok(t.threads == kit_omp_max_threads(), "threads recorded");
	ok(warnings_for("first-run: ") == 0 &&
	   kit_timing_warnings(&t, "first-run") >= 1 &&
	   warned("first-run: ", "first run much slower"),
	   "a slow first run is warned about, naming the label");
	kit_timing_free(&t);
	ok(t.samples == NULL && t.wall.n == 0, "kit_timing_free clears");

	/* min_reps dominates when min_time is 0; max_reps caps a long min_time. */
	int calls = 0;
	o = (kit_timing_opts){ .warmup = 0, .min_reps = 7, .min_time = 0, .max_reps = 100 };
	ok(kit_time(noop, &calls, &o, &t) == 0 && t.wall.n == 7 && calls == 7,
	   "min_time 0: exactly min_reps runs");
	ok(t.first == 0, "no warm-up: first is 0");
	kit_timing_free(&t);
	calls = 0;
	o = (kit_timing_opts){ .warmup = 1, .min_reps = 2, .min_time = 60, .max_reps = 4 };
	ok(kit_time(noop, &calls, &o, &t) == 0 && t.wall.n == 4 && calls == 5,
	   "max_reps caps a min_time that is not reached");
	kit_timing_free(&t);

	/* NULL options: the defaults, 1 warm-up, >= 5 runs and >= 0.2 s. */
	k = (struct kern){ 0 };
	ok(kit_time(kernel, &k, NULL, &t) == 0, "NULL options: returns 0");
	total = 0;
	for (size_t i = 0; i < t.wall.n; i++)
		total += t.samples[i];
	ok(t.wall.n >= 5 && total >= 0.2 && k.calls == 1 + (int)t.wall.n,
	   "NULL options: KIT_TIMING_DEFAULT");
	kit_timing_free(&t);

	/* A failing kernel: its return value, as is, and nothing to free. */
	k = (struct kern){ .fail_at = 4, .fail_rc = 3 };
	o = (kit_timing_opts){ .warmup = 1, .min_reps = 10, .min_time = 0, .max_reps = 10 };
	ok(kit_time(kernel, &k, &o, &t) == 3, "a kernel's failure (3) is returned as is");
	ok(k.calls == 4, "timing stops at the failing run");
	ok(t.samples == NULL && t.wall.n == 0, "failure leaves *out zeroed");
	k = (struct kern){ .fail_at = 1, .fail_rc = -1 };
	ok(kit_time(kernel, &k, &o, &t) == -1 && k.calls == 1,
	   "a failure in the warm-up is returned too");

	/* Warnings on synthetic timings, each checked by its own label. */
	t = synthetic(20, 1.0, 0.02, 1.0, 1, 1.0);
	int nw = kit_timing_warnings(&t, "clean");
	ok(!warned("clean: ", "vary") && !warned("clean: ", "first run") &&
	   !warned("clean: ", "outlier") && !warned("clean: ", "threads") &&
	   !warned("clean: ", "parallel"), "a steady 1-thread timing: no such warnings");
	ok(nw == warnings_for("clean: ") && nw <= 1,
	   "returns how many it printed; a steady timing: at most the load warning");
	kit_timing_free(&t);

	/* 20 values evenly from 0.75 to 1.25: stddev 0.5 * sqrt(35) / 19 = 0.156. */
	t = synthetic(20, 1.0, 0.5, 0, 1, 1.0);
	kit_timing_warnings(&t, "spread");
	ok(warned("spread: ", "vary by 16%"), "CV above 5% is warned about with its value");
	kit_timing_free(&t);

	t = synthetic(20, 1.0, 0.02, 0, 1, 1.0);
	t.samples[3] = 5.0;
	kit_stats_of(t.samples, 20, &t.wall);
	kit_timing_warnings(&t, "outlier");
	ok(warned("outlier: ", "1 of 20 runs were outliers"), "an outlier is warned about");
	kit_timing_free(&t);

	kit_topo topo;
	kit_topo_get(&topo);
	t = synthetic(20, 1.0, 0.02, 0, topo.pus > 0 ? topo.pus + 1 : 64, 3.0);
	kit_timing_warnings(&t, "oversub");
	ok(warned("oversub: ", "logical CPUs"), "more threads than logical CPUs is warned about");
	kit_timing_free(&t);

	t = synthetic(20, 1.0, 0.02, 0, 2, 1.05);
	kit_timing_warnings(&t, "unknownbusy");
	ok(!warned("unknownbusy: ", "parallel"),
	   "2 threads, cpu/wall 1.05, busy threads unknown: no evidence, no warning");
	t.busy = 1;
	kit_timing_warnings(&t, "serial");
	ok(warned("serial: ", "one thread did all the work of 2: nothing ran in parallel"),
	   "2 threads, cpu/wall 1.05, one busy thread: warned");
	kit_timing_free(&t);
	t = synthetic(20, 1.0, 0.02, 0, 2, 1.9);
	kit_timing_warnings(&t, "parallel");
	ok(!warned("parallel: ", "nothing ran in parallel"), "cpu/wall 1.9 on 2 threads: fine");
	kit_timing_free(&t);

	/* Threads that each did work: a lock that makes them wait (rand()'s)
	 * keeps CPU time near wall time, but two threads did work: no warning. */
	t = synthetic(20, 1.0, 0.02, 0, 2, 1.05);
	t.busy = 2;
	kit_timing_warnings(&t, "locked");
	ok(!warned("locked: ", "parallel"), "cpu/wall 1.05 but 2 threads busy (a lock): no warning");
	t.busy = 1;
	kit_timing_warnings(&t, "onebusy");
	ok(warned("onebusy: ", "one thread did all the work of 2"), "one busy thread of 2: warned");
	t.busy = 0;
	t.serial = true;
	kit_timing_warnings(&t, "serialmode");
	ok(!warned("serialmode: ", "parallel"), "a kernel serial on purpose: no parallel warning");
	kit_timing_free(&t);

	/* Other programs, measured during the timing, not a load average. */
	t = synthetic(20, 1.0, 0.02, 0, topo.pus > 0 ? topo.pus : 1, 1.0);
	t.others = 1.5;
	kit_timing_warnings(&t, "busymachine");
	ok(warned("busymachine: ", "other programs kept 1.5 of"), "others on the CPUs it used: warned");
	t.others = -1;
	kit_timing_warnings(&t, "unknownload");
	ok(!warned("unknownload: ", "other programs"), "others unknown: no load warning");
	kit_timing_free(&t);
	kit_time(noop, &(int){ 0 }, &(kit_timing_opts){ .min_reps = 3, .max_reps = 3 }, &t);
	ok(t.others == -1, "under 0.2 s timed: others unknown");
	kit_timing_free(&t);
	o = (kit_timing_opts){ .warmup = 0, .min_reps = 1, .min_time = 0.25, .max_reps = 100000 };
	k = (struct kern){ 0 };
	kit_time(kernel, &k, &o, &t);
	ok(t.others >= 0 && t.others <= (topo.pus > 0 ? topo.pus : 64) + 0.5,
	   "0.25 s timed: others measured, within the CPUs");
	kit_timing_free(&t);

	/* Measured, not synthetic: a serial kernel with 2 threads allowed. */
	kit_omp_set_threads(2);
	o = (kit_timing_opts){ .warmup = 0, .min_reps = 4, .min_time = 0.15, .max_reps = 8 };
	kit_time(spin_kernel, NULL, &o, &t);
	ok(t.busy == 1, "a serial kernel, measured: one busy thread");
	kit_timing_free(&t);

	/* One line per cause, after the table, two causes at most. */
	free(flushed());
	for (int i = 0; i < 3; i++) {
		t = synthetic(20, 1.0, 0.2 + 0.2 * i, 0, 1, 1.0);
		kit_timing_warnings(&t, i == 2 ? "worst" : "spready");
		kit_timing_free(&t);
	}
	char *out = flushed();
	fprintf(stderr, "%s", out);
	ok(count_lines(out) == 1 && strstr(out, "worst: run times vary") &&
	   strstr(out, "(also in 2 other timings)"), "three timings with one cause: one line, the worst");
	free(out);
	out = flushed();
	ok(!*out, "a flush prints each warning once");
	free(out);
	t = synthetic(20, 1.0, 0.5, 3.0, topo.pus > 0 ? topo.pus + 1 : 64, 1.0);
	t.busy = 1;
	t.samples[3] = 9.0;
	kit_stats_of(t.samples, 20, &t.wall);
	int causes = kit_timing_warnings(&t, "many");
	out = flushed();
	fprintf(stderr, "%s", out);
	ok(causes >= 4 && count_lines(out) == 3 && strstr(out, "threads take turns") &&
	   strstr(out, "more causes of unreliable timings"),
	   "four causes: the two most important, then a count of the rest");
	free(out);
	setenv("KIT_VERBOSE", "1", 1);
	kit_timing_warnings(&t, "many");
	out = flushed();
	ok(count_lines(out) == causes, "KIT_VERBOSE=1: every warning");
	free(out);
	unsetenv("KIT_VERBOSE");
	kit_timing_free(&t);

	return tap_done();
}
