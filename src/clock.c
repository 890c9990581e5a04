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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "kit.h"

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

/* Linux counts every thread of the process, live and ended, in this clock. */
/* This process's threads, plus the children it has waited for: a kernel that
 * forks workers and reaps them (a process pool) is counted whole. */
double kit_cputime(void)
{
	struct rusage ru;
	double children = 0;
	if (getrusage(RUSAGE_CHILDREN, &ru) == 0)
		children = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
			   (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
	return seconds_of(CLOCK_PROCESS_CPUTIME_ID) + children;
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
	double total = 0, cpu0 = kit_cputime();
	while (n < (size_t)o.max_reps && (n < (size_t)o.min_reps || total < o.min_time)) {
		double t0 = kit_wtime();
		int rc = fn(ctx);
		double dt = kit_wtime() - t0;
		if (rc) {
			free(x);
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
	double cpu = kit_cputime() - cpu0;

	kit_stats_of(x, n, &out->wall);	/* n >= 1: cannot fail */
	out->first = first;
	out->cpu = cpu / (double)n;
	out->threads = threads;
	out->samples = x;
	return 0;
}

void kit_timing_free(kit_timing *t)
{
	if (!t)
		return;
	free(t->samples);
	memset(t, 0, sizeof(*t));
}

/* The 1-minute load average, or -1 when it cannot be read. */
static double load_1min(void)
{
	double l;
	return getloadavg(&l, 1) == 1 ? l : -1;
}

int kit_timing_warnings(const kit_timing *t, const char *label)
{
	const kit_stats *w = &t->wall;
	const char *L = label && *label ? label : "timing";
	int count = 0;
	kit_topo topo;
	kit_topo_get(&topo);

	if (w->n >= 2 && w->cv > 0.05) {
		kit_warn("%s: run times vary by %.0f%% (CV over %zu runs); close other programs, "
			 "pin threads (OMP_PROC_BIND=close OMP_PLACES=cores) or run longer",
			 L, 100 * w->cv, w->n);
		count++;
	}

	if (t->first > 0 && w->median > 0 && t->first > 1.5 * w->median) {
		kit_warn("%s: first run much slower (%.1fx the median): caches, page faults, "
			 "thread start-up; the warm-up was discarded", L, t->first / w->median);
		count++;
	}

	if (w->outliers > 0) {
		kit_warn("%s: %zu of %zu runs were outliers, far from the median (kept in every "
			 "figure); something else ran now and then: close other programs and "
			 "rerun if the median moved", L, w->outliers, w->n);
		count++;
	}

	if (topo.pus > 0 && t->threads > topo.pus) {
		kit_warn("%s: %d threads on %d logical CPUs: threads take turns on the CPUs, so "
			 "times grow; use at most %d threads", L, t->threads, topo.pus, topo.pus);
		count++;
	} else if (topo.cores > 0 && t->threads > topo.cores) {
		kit_warn("%s: %d threads on %d physical cores: hyper-threads share a core's "
			 "units, so expect less than linear speed-up past %d threads", L,
			 t->threads, topo.cores, topo.cores);
		count++;
	}

	/*
	 * Load average against the CPUs this timing left free. The load also
	 * counts this program's own threads while they ran: about cpu/wall
	 * runnable threads, weighted by 1 - exp(-seconds / 60) as the 1-minute
	 * average decays. That share is taken off so a long run with all CPUs
	 * busy does not blame itself. A margin of 0.3 absorbs the shell, the
	 * terminal and daemons, which always run a little.
	 */
	double load = load_1min();
	if (load >= 0 && topo.pus > 0 && w->mean > 0) {
		double busy = t->cpu > 0 ? t->cpu / w->mean : t->threads;
		double ran = (double)w->n * w->mean + t->first;
		double own = busy * (1 - exp(-ran / 60.0));
		int free_cpus = topo.pus - t->threads;
		if (free_cpus < 0)
			free_cpus = 0;
		if (load - own > free_cpus + 0.3) {
			kit_warn("%s: load average %.1f on %d CPUs: another program is running; "
				 "close it or expect noisy numbers", L, load, topo.pus);
			count++;
		}
	}

	if (t->threads > 1 && t->cpu > 0 && w->mean > 0 && t->cpu / w->mean < 1.2) {
		kit_warn("%s: CPU time is close to wall time with %d threads: nothing ran in "
			 "parallel; check the parallel pragma and that the program was built "
			 "with OpenMP", L, t->threads);
		count++;
	}

	return count;
}
