/*
 * clock.c - clocks, the one timing protocol every program uses, and the
 * warnings that tell a student why a timing cannot be trusted (kit.h).
 *
 * The protocol (as STREAM and PRK do it): run the kernel WARMUP times and
 * discard those runs (the first touches cold caches, faults in pages and
 * starts the OpenMP threads); then time single runs until at least MIN_REPS
 * runs and MIN_TIME seconds are collected, never more than MAX_REPS. Each
 * run is timed on its own, so the spread is visible, not averaged away.
 */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "kit.h"
#include "kit_internal.h"

static double seconds_of(clockid_t id)
{
	struct timespec ts;
	if (clock_gettime(id, &ts))
		return 0;	/* cannot happen for the clocks used here */
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double kit_wtime(void)
{
	return seconds_of(CLOCK_MONOTONIC);
}

double kit_system_busy(void)
{
	FILE *f = fopen("/proc/stat", "r");
	unsigned long long v[8] = { 0 };
	int got = f ? fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
			     &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) : 0;
	if (f)
		fclose(f);
	long hz = sysconf(_SC_CLK_TCK);
	if (got < 8 || hz <= 0)
		return -1;
	/* v[3] idle and v[4] iowait are not busy */
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)hz;
}

double kit_children_cputime(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_CHILDREN, &ru))
		return 0;
	return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
	       (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

/* Linux counts every thread of the process, live and ended, in this clock;
 * with the children it has waited for, a kernel that forks workers and reaps
 * them (a process pool) is counted whole. */
double kit_cputime(void)
{
	return seconds_of(CLOCK_PROCESS_CPUTIME_ID) + kit_children_cputime();
}

/*
 * On success *OUT holds the timing; on failure it is zeroed, so that
 * kit_timing_free() is always safe.
 */
int kit_time(int (*fn)(void *ctx), void *ctx, const kit_timing_opts *opts,
	     kit_timing *out)
{
	static const kit_timing_opts defaults = KIT_TIMING_DEFAULT;
	kit_timing_opts o = opts ? *opts : defaults;
	if (o.warmup < 0)
		o.warmup = 0;
	if (o.max_reps < 1)
		o.max_reps = 1;
	if (o.min_reps < 1)
		o.min_reps = 1;
	if (o.min_reps > o.max_reps)
		o.min_reps = o.max_reps;

	memset(out, 0, sizeof(*out));
	int threads = kit_omp_max_threads();
	double first = 0;

	for (int i = 0; i < o.warmup; i++) {
		double t0 = kit_wtime();
		int rc = fn(ctx);
		double dt = kit_wtime() - t0;
		if (rc)
			return rc;
		if (i == 0)
			first = dt;
	}

	size_t cap = o.max_reps < 64 ? (size_t)o.max_reps : 64, n = 0;
	double *x = kit_xmalloc(cap * sizeof(*x));
	double sys0 = kit_system_busy();
	kit_busy *busy = kit_busy_begin();
	double total = 0, cpu0 = kit_cputime(), wall0 = kit_wtime();
	double own0 = seconds_of(CLOCK_PROCESS_CPUTIME_ID);
	while (n < (size_t)o.max_reps && (n < (size_t)o.min_reps || total < o.min_time)) {
		double t0 = kit_wtime();
		int rc = fn(ctx);
		double dt = kit_wtime() - t0;
		if (rc) {
			free(x);
			kit_busy_end(busy, 0.25);
			return rc;
		}
		if (n == cap) {
			cap *= 2;
			double *nx = kit_xrealloc(x, cap * sizeof(*x));
			x = nx;
		}
		x[n++] = dt;
		total += dt;
	}
	double cpu = kit_cputime() - cpu0, span = kit_wtime() - wall0;
	double own = seconds_of(CLOCK_PROCESS_CPUTIME_ID) - own0;
	double sys = kit_system_busy() - sys0;
	int nbusy = kit_busy_end(busy, 0.25);

	kit_stats_of(x, n, &out->wall);	/* n >= 1: cannot fail */
	out->first = first;
	out->cpu = cpu / (double)n;
	out->threads = threads;
	out->samples = x;
	out->serial = o.serial;
	/* 10 ms ticks: under 0.1 s of CPU work, or 0.2 s of wall, they cannot
	 * tell; and when worker processes did most of the work, this process's
	 * threads say nothing about it */
	out->busy = own >= 0.1 && cpu - own < 0.5 * own && nbusy > 0 ? nbusy : 0;
	out->others = span >= 0.2 && sys0 >= 0 && sys >= 0 ? fmax(0, (sys - cpu) / span) : -1;
	return 0;
}

void kit_timing_free(kit_timing *t)
{
	if (!t)
		return;
	free(t->samples);
	memset(t, 0, sizeof(*t));
}

/*
 * Warnings, one line per cause: kit_timing_warnings keeps them here, most
 * important cause first, and kit_timing_warnings_flush prints them.
 */
enum cause {
	C_SERIAL, C_OVERSUB, C_SMT, C_OTHERS, C_SPREAD, C_OUTLIERS, C_FIRST, C_COUNT
};
#define MAX_KEPT 64
static struct {
	int count;		/* timings with this cause since the last flush */
	double worst;		/* how bad the worst one was (cause's own measure) */
	char text[512];		/* the worst one's message */
	char *all[MAX_KEPT];	/* every message, for KIT_VERBOSE */
	int nall;
} kept[C_COUNT];
static pid_t flush_at_exit;	/* the process that registered at_exit, or 0 */

/* At exit, what is still kept; not in a forked child that calls exit(). */
static void at_exit(void)
{
	if (getpid() == flush_at_exit)
		kit_timing_warnings_flush();
}

static void keep(enum cause c, double how_bad, const char *fmt, ...) KIT_PRINTF(3, 4);
static void keep(enum cause c, double how_bad, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kit__warning_record(buf);
	if (kept[c].count++ == 0 || how_bad > kept[c].worst) {
		kept[c].worst = how_bad;
		snprintf(kept[c].text, sizeof(kept[c].text), "%s", buf);
	}
	if (kept[c].nall < MAX_KEPT)
		kept[c].all[kept[c].nall++] = kit_xstrdup(buf);
	if (flush_at_exit != getpid()) {
		flush_at_exit = getpid();
		atexit(at_exit);
	}
}

static bool verbose(void)
{
	const char *v = getenv("KIT_VERBOSE");
	return v && *v && strcmp(v, "0");
}

void kit_timing_warnings_flush(void)
{
	bool all = verbose();
	int shown = 0, more = 0;
	fflush(stdout);
	for (int c = 0; c < C_COUNT; c++) {
		if (!kept[c].count)
			continue;
		if (all) {
			for (int i = 0; i < kept[c].nall; i++)
				fprintf(stderr, "%s: warning: %s\n", kit_progname(), kept[c].all[i]);
		} else if (shown < 2) {
			kit__progress_interrupt();
			if (kept[c].count > 1)
				fprintf(stderr, "%s: warning: %s (also in %d other timing%s)\n",
					kit_progname(), kept[c].text, kept[c].count - 1,
					kept[c].count == 2 ? "" : "s");
			else
				fprintf(stderr, "%s: warning: %s\n", kit_progname(), kept[c].text);
			shown++;
		} else {
			more++;
		}
		for (int i = 0; i < kept[c].nall; i++)
			free(kept[c].all[i]);
		memset(&kept[c], 0, sizeof(kept[c]));
	}
	if (more)
		fprintf(stderr, "%s: warning: %d more cause%s of unreliable timings: KIT_VERBOSE=1 "
			"shows every warning, the results' JSON lists them\n", kit_progname(), more,
			more == 1 ? "" : "s");
}

int kit_timing_warnings(const kit_timing *t, const char *label)
{
	const kit_stats *w = &t->wall;
	const char *L = label && *label ? label : "timing";
	int count = 0;
	kit_topo topo;
	kit_topo_get(&topo);

	/* Nothing ran in parallel: one thread was seen doing the work (counted in
	 * each thread's CPU time, so a lock that makes threads wait, as rand()'s
	 * does, is not mistaken for it), and CPU time is close to wall time, so no
	 * worker processes did it either. Without the busy count (a short timing,
	 * worker processes) there is no evidence, and no warning. */
	if (!t->serial && t->threads > 1 && t->busy == 1 && t->cpu > 0 && w->mean > 0 &&
	    t->cpu / w->mean < 1.2) {
		keep(C_SERIAL, 1, "%s: one thread did all the work of %d: nothing ran in "
		     "parallel; check the parallel pragma and that the program was built with "
		     "OpenMP", L, t->threads);
		count++;
	}

	if (!t->serial && topo.pus > 0 && t->threads > topo.pus) {
		keep(C_OVERSUB, t->threads, "%s: %d threads on %d logical CPUs: threads take "
		     "turns on the CPUs, so times grow; use at most %d threads", L, t->threads,
		     topo.pus, topo.pus);
		count++;
	} else if (!t->serial && topo.cores > 0 && t->threads > topo.cores) {
		keep(C_SMT, t->threads, "%s: %d threads on %d physical cores: hyper-threads "
		     "share a core's units, so expect less than linear speed-up past %d threads",
		     L, t->threads, topo.cores, topo.cores);
		count++;
	}

	/* Other programs, measured while this timing ran (all CPUs' busy time
	 * less this process's and its children's), so a program that ended
	 * before, such as the kit's previous run, is not blamed, as a load
	 * average would. A margin of 0.3 CPU absorbs the terminal and daemons. */
	int used = t->serial ? 1 : t->threads;
	int free_cpus = topo.pus > used ? topo.pus - used : 0;
	if (t->others >= 0 && topo.pus > 0 && t->others > free_cpus + 0.3) {
		keep(C_OTHERS, t->others, "%s: other programs kept %.1f of %d CPUs busy while "
		     "this ran: the times are slower and noisier than on a quiet machine; close "
		     "them or run again later", L, t->others, topo.pus);
		count++;
	}

	if (w->n >= 2 && w->cv > 0.05) {
		keep(C_SPREAD, w->cv, "%s: run times vary by %.0f%% (CV over %zu runs); close "
		     "other programs, pin threads (OMP_PROC_BIND=close OMP_PLACES=cores) or run "
		     "longer", L, 100 * w->cv, w->n);
		count++;
	}

	if (w->outliers > 0) {
		keep(C_OUTLIERS, (double)w->outliers / (double)w->n, "%s: %zu of %zu runs were "
		     "outliers, far from the median (kept in every figure); something else ran "
		     "now and then: close other programs and rerun if the median moved", L,
		     w->outliers, w->n);
		count++;
	}

	if (t->first > 0 && w->median > 0 && t->first > 1.5 * w->median) {
		keep(C_FIRST, t->first / w->median, "%s: first run much slower (%.1fx the "
		     "median): caches, page faults, thread start-up; the warm-up was discarded",
		     L, t->first / w->median);
		count++;
	}
	return count;
}
