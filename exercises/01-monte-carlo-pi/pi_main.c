/*
 * NAME
 *   pi_main.c - the driver of exercise 01, Monte Carlo pi (shared by the
 *   skeleton and the reference build; students do not edit it).
 *
 * PURPOSE
 *   Runs the kernels of pi.h, validates each count before any rate is shown,
 *   times the valid ones with the kit's one protocol and prints ns/sample and
 *   samples/s per kernel and thread count, with a scaling table when several
 *   thread counts are given. Check modes (--validate, --expect-parallel,
 *   --consistent, --same-across, --expect-children) are what ./kit check runs:
 *   each ends with one line "PASS: ..." or "FAIL: ...; hint" and the exit
 *   status is the verdict (0 pass, 1 fail, 2 usage, 77 cannot check here).
 *
 * USAGE
 *   pi --help
 *   pi --kernel same --threads 1,2 --chart
 *   OMP_NUM_THREADS=2 pi --kernel reduction --validate --expect-parallel
 *
 * NOTES
 *   Validation: hits ~ Binomial(n, p) with p = pi/4, so 4 * hits / n has
 *   standard error sigma = 4 * sqrt(p (1 - p) / n); an estimate is valid
 *   within 5 sigma of pi (a false alarm once in 1.7 million runs).
 *   The answer of steps 4 and 5 is defined by reference_count() below: the
 *   counter-based generator of pi_rng.h, summed serially.
 *   No floating-point operations are counted (flops = 0): the rates are
 *   samples per second, one 64-bit random number per sample in steps 3-5.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "demos.h"
#include "kit.h"
#include "pi.h"
#include "pi_rng.h"

int pi_protocol(int argc, char **argv);

#define N_TIMING UINT64_C(100000000)	/* default n when timing */
#define N_CHECK UINT64_C(20000000)	/* default n in check modes */
#define N_MAX UINT64_C(10000000000000)	/* 1e13: k * n stays far below 2^64 */
#define SEED_DEFAULT UINT64_C(2026)
#define MAX_THREADS 4096
#define MAX_PROCS 256
#define BUSY_SPAN 0.3		/* seconds --expect-parallel keeps the kernel busy */

enum kernel { K_SERIAL, K_REDUCTION, K_STREAMS, K_SAME, K_PROCESSES, K_COUNT };

/* The kernels as data: name on the command line, function in pi.h, step. */
static const struct kernel_info {
	const char *name, *func;
	int step;
} kernels[K_COUNT] = {
	[K_SERIAL] = { "serial", "pi_serial", 1 },
	[K_REDUCTION] = { "reduction", "pi_reduction", 2 },
	[K_STREAMS] = { "streams", "pi_streams", 3 },
	[K_SAME] = { "same", "pi_same_answer", 4 },
	[K_PROCESSES] = { "processes", "pi_processes", 5 },
};

struct options {
	int kernel;			/* enum kernel, or -1: all */
	uint64_t n, seed;
	bool n_set;
	int *threads;			/* --threads; NULL: the current max threads */
	size_t nthreads;
	int procs;			/* --procs; 0: as many as threads */
	bool validate, expect_parallel, expect_children;
	int consistent;			/* --consistent K; 0: off */
	int *same_across;
	size_t nsame;
	const char *json, *csv, *png;
	bool chart, quiet;
	const char *demo, *out;
	bool bench, quick;
};

static void usage(FILE *out)
{
	fprintf(out,
"usage: pi [--kernel K] [-n N] [--seed S] [--threads LIST] [--procs P]\n"
"          [--json F] [--csv F] [--png PREFIX] [--chart] [-q]\n"
"       pi --kernel K [check ...]         one line PASS: or FAIL:, exit 0 or 1\n"
"       pi --demo NAME [--quick] [--out DIR]\n"
"       pi --bench [--quick]\n"
"\n"
"Monte Carlo pi (exercise 01): draws n points in the unit square and counts\n"
"those inside the quarter circle, pi ~= 4 * hits / n. Validates each count\n"
"(within 5 standard errors of pi), then times it: ns/sample and samples/s.\n"
"\n"
"  --kernel K       serial (step 1), reduction (2), streams (3), same (4),\n"
"                   processes (5), or all (default)\n"
"  -n N             samples (default 1e8; 2e7 in check modes); 1e6, 5M, 2G work\n"
"  --seed S         seed of the random numbers (default 2026)\n"
"  --threads LIST   thread counts to time, e.g. 1,2,4 or 1-8 or cores, cpus,\n"
"                   2cpus (default: the current OMP_NUM_THREADS)\n"
"  --procs P        child processes of the processes kernel (default: as many\n"
"                   as threads)\n"
"  --json F, --csv F  write the results; --png PREFIX  the scaling charts\n"
"  --chart          a text chart of the speed-up (with several thread counts)\n"
"  -q, --quiet      only the table (checks: only the verdict line)\n"
"\n"
"checks (can be combined; at the thread count OMP_NUM_THREADS sets):\n"
"  --validate       the estimate is within 5 standard errors of pi\n"
"  --expect-parallel  2 or more threads did work (77: only 1 thread here)\n"
"  --consistent K   K runs give the same count\n"
"  --same-across LIST  the same count at every thread count of LIST, equal\n"
"                   to the serial sum over pi_random_at (the definition)\n"
"  --expect-children  the kernel ran in child processes, all reaped\n"
"\n"
"  --demo NAME      a live demo: pi, race, rand, gil, false-sharing\n"
"  --bench          ns/sample and speed-up, beside the seed's Python\n"
"  --quick          test-sized demo or benchmark; --out DIR  where it writes\n"
"\n"
"examples:\n"
"  pi --kernel same --threads 1,2 --chart\n"
"  pi --kernel all -n 1e7\n"
"  OMP_NUM_THREADS=2 pi --kernel reduction --validate --expect-parallel\n"
"  pi --kernel same --same-across 1,2,3,8\n"
"  pi --kernel processes --procs 4 --validate --expect-children\n");
}

/* ------------------------------------------------------------------------
 * Running and validating a kernel
 */

/* Runs kernel K once. Returns 0 and sets *HITS, or -1 (the kernel said why). */
static int run_kernel(int k, uint64_t n, uint64_t seed, int procs, uint64_t *hits)
{
	switch (k) {
	case K_SERIAL: *hits = pi_serial(n, seed); return 0;
	case K_REDUCTION: *hits = pi_reduction(n, seed); return 0;
	case K_STREAMS: *hits = pi_streams(n, seed); return 0;
	case K_SAME: *hits = pi_same_answer(n, seed); return 0;
	default: return pi_processes(n, seed, procs, hits);
	}
}

/* The answer of steps 4 and 5, by definition: serial, counter-based. */
static uint64_t reference_count(uint64_t n, uint64_t seed)
{
	uint64_t hits = 0;
	for (uint64_t i = 0; i < n; i++)
		hits += pi_in_circle(pi_random_at(seed, i));
	return hits;
}

/* How many standard errors 4 * HITS / N lies from pi (infinite when hits > n). */
static double sigmas_off(uint64_t hits, uint64_t n)
{
	if (hits > n)
		return INFINITY;
	double p = M_PI / 4, sigma = 4 * sqrt(p * (1 - p) / (double)n);
	return fabs(4.0 * (double)hits / (double)n - M_PI) / sigma;
}

static bool valid_count(uint64_t hits, uint64_t n)
{
	return sigmas_off(hits, n) <= 5.0;
}

/* What to look at when kernel K fails a check. */
static const char *hint_of(int k)
{
	switch (k) {
	case K_SERIAL:
		return "pi_serial is step 1, given and serial by design; if it gives a "
		       "wrong estimate, restore it from the original pi.c";
	case K_REDUCTION:
		return "look at TODO(2) in pi.c: 'parallel for' shares the loop, and "
		       "reduction(+:hits) gives each thread its own count";
	case K_STREAMS:
		return "look at TODO(3) in pi.c: a pi_stream per thread from "
		       "pi_stream_new(seed, thread number), made inside the parallel "
		       "region, with 'omp for schedule(static)' and a reduction";
	case K_SAME:
		return "look at TODO(4) in pi.c: sample i must be "
		       "pi_in_circle(pi_random_at(seed, i)), shared with "
		       "'parallel for simd reduction(+:hits)'";
	default:
		return "look at TODO(5) in pi.c: fork the children, let child k count "
		       "its share with count_range, send it through the pipe, and "
		       "waitpid for every child";
	}
}

/* ------------------------------------------------------------------------
 * Check modes
 */

static int procs_for(const struct options *o, int threads)
{
	return o->procs ? o->procs : threads;
}

/* --validate; for steps 4 and 5 the count must also be the defined one. */
static void check_validate(kit_checks *c, const struct options *o, int k)
{
	int t = kit_omp_max_threads();
	uint64_t hits;
	if (run_kernel(k, o->n, o->seed, procs_for(o, t), &hits)) {
		kit_check(c, KIT_FAIL, "observed %s fail to run (message above); %s",
			  kernels[k].func, hint_of(k));
		return;
	}
	double est = 4.0 * (double)hits / (double)o->n, z = sigmas_off(hits, o->n);
	if (!valid_count(hits, o->n)) {
		kit_check(c, KIT_FAIL, "observed pi ~= %.6f (%llu hits of %llu), %.1f "
			  "standard errors from pi, more than 5; %s", est,
			  (unsigned long long)hits, (unsigned long long)o->n, z, hint_of(k));
		return;
	}
	if (k == K_PROCESSES) {
		uint64_t want = reference_count(o->n, o->seed);
		if (hits != want) {
			kit_check(c, KIT_FAIL, "observed %llu hits, not the %llu of "
				  "pi_same_answer's definition (pi_random_at over all n "
				  "samples); %s", (unsigned long long)hits,
				  (unsigned long long)want, hint_of(k));
			return;
		}
	}
	kit_check(c, KIT_PASS, "%s: pi ~= %.6f, %.2f standard errors from pi (n = %llu, %d thread%s)",
		  kernels[k].name, est, z, (unsigned long long)o->n, t, t == 1 ? "" : "s");
}

/* --expect-parallel: the kernel kept 2 or more threads busy. */
static void check_parallel(kit_checks *c, const struct options *o, int k)
{
	int t = kit_omp_max_threads();
	if (!kit_check_parallel_possible(c, t))
		return;
	/* Runs long enough that computing, not waking threads, fills the span:
	 * this check needs no particular count, so n may grow. */
	uint64_t hits, n = o->n;
	double t0 = kit_wtime();
	if (run_kernel(k, n, o->seed, procs_for(o, t), &hits)) {
		kit_check(c, KIT_FAIL, "observed %s fail to run (message above); %s",
			  kernels[k].func, hint_of(k));
		return;
	}
	double once = kit_wtime() - t0;
	if (once < 0.02)
		n = (uint64_t)fmin((double)n * 0.02 / fmax(once, 1e-6), (double)N_MAX);

	int runs = 0;
	kit_busy *b = kit_busy_begin();
	t0 = kit_wtime();
	do {
		run_kernel(k, n, o->seed, procs_for(o, t), &hits);
		runs++;
	} while (kit_wtime() - t0 < BUSY_SPAN);
	double wall = kit_wtime() - t0;
	/* busy: a quarter of a fair share of the CPU work done (kit.h) */
	int busy = kit_busy_end(b, 0.25);
	if (busy < 0) {
		kit_check(c, KIT_SKIP, "cannot see which threads worked (/proc/self/task "
			  "is not readable here)");
		return;
	}
	if (busy < 2) {
		kit_check(c, KIT_FAIL, "observed %d busy thread of %d over %d run%s (%.2f s); "
			  "the loop ran on one thread; %s", busy, t, runs,
			  runs == 1 ? "" : "s", wall, hint_of(k));
		return;
	}
	kit_check(c, KIT_PASS, "%d of %d threads busy over %d run%s (%.2f s)", busy, t,
		  runs, runs == 1 ? "" : "s", wall);
}

/* --consistent K: K runs at the current thread count give one count. */
static void check_consistent(kit_checks *c, const struct options *o, int k)
{
	int t = kit_omp_max_threads(), ndiff = 0;
	uint64_t first = 0, other = 0, hits;
	for (int i = 0; i < o->consistent; i++) {
		if (run_kernel(k, o->n, o->seed, procs_for(o, t), &hits)) {
			kit_check(c, KIT_FAIL, "observed %s fail to run (message above); %s",
				  kernels[k].func, hint_of(k));
			return;
		}
		if (i == 0)
			first = hits;
		else if (hits != first && ndiff++ == 0)
			other = hits;
	}
	if (ndiff) {
		kit_check(c, KIT_FAIL, "observed %d of %d runs at %d thread%s differ from "
			  "the first (%llu hits, then %llu): the count depends on timing, a "
			  "race or a shared generator; %s", ndiff, o->consistent - 1, t,
			  t == 1 ? "" : "s", (unsigned long long)first,
			  (unsigned long long)other, hint_of(k));
		return;
	}
	kit_check(c, KIT_PASS, "%d runs at %d thread%s gave the same %llu hits",
		  o->consistent, t, t == 1 ? "" : "s", (unsigned long long)first);
}

/* --same-across LIST: one count at every thread count, the defined one. */
static void check_same_across(kit_checks *c, const struct options *o, int k)
{
	uint64_t want = reference_count(o->n, o->seed), hits;
	int saved = kit_omp_max_threads();
	char seen[512] = "";
	size_t len = 0;
	bool same = true;
	for (size_t i = 0; i < o->nsame; i++) {
		int t = o->same_across[i];
		kit_omp_set_threads(t);
		int rc = run_kernel(k, o->n, o->seed, procs_for(o, t), &hits);
		kit_omp_set_threads(saved);
		if (rc) {
			kit_check(c, KIT_FAIL, "observed %s fail to run at %d threads "
				  "(message above); %s", kernels[k].func, t, hint_of(k));
			return;
		}
		same &= hits == want;
		if (len < sizeof(seen))
			len += (size_t)snprintf(seen + len, sizeof(seen) - len, "%s%d: %llu",
						len ? ", " : "", t, (unsigned long long)hits);
	}
	if (!same) {
		kit_check(c, KIT_FAIL, "observed hits by threads {%s}, expected %llu at "
			  "each (pi_random_at summed serially); %s", seen,
			  (unsigned long long)want, hint_of(k));
		return;
	}
	kit_check(c, KIT_PASS, "the same %llu hits at %zu thread count%s (%s), as defined",
		  (unsigned long long)want, o->nsame, o->nsame == 1 ? "" : "s", seen);
}

static double children_cpu(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_CHILDREN, &ru))
		return 0;
	return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
	       (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

/* --expect-children: the work ran in child processes, and all were reaped. */
static void check_children(kit_checks *c, const struct options *o, int k)
{
	int procs = procs_for(o, kit_omp_max_threads());
	double before = children_cpu();
	uint64_t hits;
	if (run_kernel(k, o->n, o->seed, procs, &hits)) {
		kit_check(c, KIT_FAIL, "observed %s fail to run (message above); %s",
			  kernels[k].func, hint_of(k));
		return;
	}
	double cpu = children_cpu() - before;
	int st;
	pid_t left = waitpid(-1, &st, WNOHANG);
	if (left != -1 || errno != ECHILD) {
		kit_check(c, KIT_FAIL, "observed a child process left unreaped after "
			  "%s returned (a zombie, or one still running); %s",
			  kernels[k].func, hint_of(k));
		return;
	}
	if (cpu <= 0) {
		kit_check(c, KIT_FAIL, "observed no CPU time in child processes: the "
			  "samples were counted in this process; %s", hint_of(k));
		return;
	}
	kit_check(c, KIT_PASS, "%d child process%s used %.3f s of CPU, none left behind",
		  procs, procs == 1 ? "" : "es", cpu);
}

static int run_checks(const struct options *o)
{
	kit_checks c = { .quiet = o->quiet };
	for (int k = 0; k < K_COUNT; k++) {
		if (o->kernel >= 0 && o->kernel != k)
			continue;
		if (!o->quiet)
			printf("%s (%s, step %d):\n", kernels[k].name, kernels[k].func,
			       kernels[k].step);
		if (o->validate)
			check_validate(&c, o, k);
		if (o->expect_parallel && k != K_PROCESSES)
			check_parallel(&c, o, k);
		if (o->consistent)
			check_consistent(&c, o, k);
		if (o->nsame)
			check_same_across(&c, o, k);
		if (o->expect_children && k == K_PROCESSES)
			check_children(&c, o, k);
	}
	return kit_checks_finish(&c);
}

/* ------------------------------------------------------------------------
 * Timing mode
 */

struct run_ctx {
	int kernel, procs;
	uint64_t n, seed, hits;
};

static int timed_run(void *p)
{
	struct run_ctx *x = p;
	return run_kernel(x->kernel, x->n, x->seed, x->procs, &x->hits);
}

/* A timing kept for its warnings, printed after the table. */
struct kept {
	kit_timing tm;
	char label[64];
};

/* One row: validate, then (when valid) time into *KEPT (its tm.samples stay
 * NULL otherwise). Returns the median seconds, or -1 when invalid or failed. */
static double measure(kit_results *r, const struct options *o, int k, int t,
		      struct kept *kept)
{
	char label[64];
	struct run_ctx x = { .kernel = k, .n = o->n, .seed = o->seed,
			     .procs = procs_for(o, t) };
	snprintf(label, sizeof(label), "%s", kernels[k].name);
	kit_omp_set_threads(t);
	kit_results_row(r, label);
	kit_results_num(r, "threads", t, "%.0f");
	if (k == K_PROCESSES)
		kit_results_num(r, "procs", x.procs, "%.0f");

	/* The validation run: also the warm-up, and a measure of how long one run takes. */
	double t0 = kit_wtime();
	int rc = timed_run(&x);
	double once = kit_wtime() - t0;
	if (rc) {
		kit_results_valid(r, false, "the kernel failed to run");
		return -1;
	}
	double z = sigmas_off(x.hits, o->n);
	kit_results_num(r, "pi", 4.0 * (double)x.hits / (double)o->n, "%.6f");
	kit_results_num(r, "err_sigma", z, "%.2f");
	if (!valid_count(x.hits, o->n)) {
		char why[128];
		snprintf(why, sizeof(why), "%.1f standard errors from pi; %s", z,
			 kernels[k].step > 1 ? "see its TODO block in pi.c" : "restore pi_serial");
		kit_results_valid(r, false, why);
		return -1;
	}

	/* Slow runs (rand() is ~45 ns/sample) get fewer repetitions. */
	kit_timing_opts to = KIT_TIMING_DEFAULT;
	if (once > 1.0) {
		to.warmup = 0;
		to.min_reps = 3;
		if (!o->quiet)
			kit_warn("one run of %s takes %.1f s at %d thread%s; -n %llu would be "
				 "quicker", kernels[k].name, once, t, t == 1 ? "" : "s",
				 (unsigned long long)(o->n / 10 ? o->n / 10 : 1));
	}
	kit_timing *tm = &kept->tm;
	if (kit_time(timed_run, &x, &to, tm)) {
		kit_results_valid(r, false, "the kernel failed to run");
		return -1;
	}
	kit_kernel kk = { .name = kernels[k].func, .flops = 0, .bytes = 0 };
	kit_results_timing(r, tm, &kk);
	double med = tm->wall.median;
	kit_results_num(r, "ns_per_sample", 1e9 * med / (double)o->n, "%.3f");
	kit_results_num(r, "samples_per_s", (double)o->n / med, "%.3g");
	kit_results_valid(r, true, NULL);
	snprintf(kept->label, sizeof(kept->label), "%s at %d thread%s", kernels[k].name, t,
		 t == 1 ? "" : "s");
	return med;
}

static int run_timing(const struct options *o)
{
	int rc = KIT_EXIT_OK, nk = 0;
	int *p = malloc(o->nthreads * sizeof(*p));
	double *t = malloc(o->nthreads * sizeof(*t));
	struct kept *kept = calloc(K_COUNT * o->nthreads, sizeof(*kept));
	size_t nkept = 0;
	kit_results *r = kit_results_new("pi", "Monte Carlo pi: ns per sample by kernel and threads");
	kit_scaling *attached = NULL;
	if (!p || !t || !kept)
		abort();

	kit_results_config(r, "n", "%llu", (unsigned long long)o->n);
	kit_results_config(r, "seed", "%llu", (unsigned long long)o->seed);
	kit_results_config(r, "kernel", "%s", o->kernel < 0 ? "all" : kernels[o->kernel].name);
	for (int k = 0; k < K_COUNT; k++)
		nk += o->kernel < 0 || o->kernel == k;

	kit_progress pr;
	kit_progress_begin(&pr, "pi", (size_t)nk * o->nthreads);
	kit_scaling sc[K_COUNT];
	bool have_sc[K_COUNT] = { false };
	for (int k = 0; k < K_COUNT; k++) {
		if (o->kernel >= 0 && o->kernel != k)
			continue;
		size_t ok = 0;
		for (size_t i = 0; i < o->nthreads; i++) {
			char what[64];
			snprintf(what, sizeof(what), "%s at %d threads", kernels[k].name, o->threads[i]);
			kit_progress_step(&pr, what);
			double med = measure(r, o, k, o->threads[i], &kept[nkept++]);
			if (med > 0) {
				p[ok] = o->threads[i];
				t[ok++] = med;
			}
		}
		if (o->nthreads > 1 && ok > 1 && kit_scaling_of(p, t, ok, &sc[k]) == 0)
			have_sc[k] = true;
	}
	kit_progress_end(&pr);
	kit_results_print(r, stdout);
	fflush(stdout);
	for (size_t i = 0; i < nkept; i++)
		if (kept[i].tm.samples)
			kit_timing_warnings(&kept[i].tm, kept[i].label);

	for (int k = 0; k < K_COUNT; k++) {
		if (!have_sc[k])
			continue;
		char title[96], prefix[1024];
		snprintf(title, sizeof(title), "%s (%s): speed-up over threads",
			 kernels[k].name, kernels[k].func);
		printf("\nscaling of %s\n", kernels[k].name);
		kit_scaling_print(&sc[k], "s", stdout);
		if (o->png && nk > 1)
			snprintf(prefix, sizeof(prefix), "%s-%s", o->png, kernels[k].name);
		else if (o->png)
			snprintf(prefix, sizeof(prefix), "%s", o->png);
		if ((o->png || (o->chart && !o->quiet)) &&
		    kit_plot_scaling(&sc[k], title, o->png ? prefix : NULL,
				     o->chart && !o->quiet ? stdout : NULL))
			rc = KIT_EXIT_USAGE;
		/* The results file carries one scaling: step 4's when it ran. */
		if (!attached || k == K_SAME)
			attached = &sc[k];
	}
	if (attached)
		kit_results_scaling(r, attached);
	if (kit_results_write_json(r, o->json))
		rc = KIT_EXIT_USAGE;
	if (o->csv && kit_results_write_csv(r, o->csv))
		rc = KIT_EXIT_USAGE;
	if (!kit_results_all_valid(r)) {
		kit_error("a kernel gave a wrong estimate (marked in the table); "
			  "check it with --kernel K --validate");
		rc = KIT_EXIT_INVALID;
	}
	for (int k = 0; k < K_COUNT; k++)
		if (have_sc[k])
			kit_scaling_free(&sc[k]);
	for (size_t i = 0; i < nkept; i++)
		kit_timing_free(&kept[i].tm);
	free(kept);
	kit_results_free(r);
	free(p);
	free(t);
	return rc;
}

/* ------------------------------------------------------------------------
 * Arguments
 */

static int parse_kernel(const char *s, int *out)
{
	if (!strcmp(s, "all")) {
		*out = -1;
		return 0;
	}
	for (int k = 0; k < K_COUNT; k++)
		if (!strcmp(s, kernels[k].name)) {
			*out = k;
			return 0;
		}
	kit_error("--kernel must be serial, reduction, streams, same, processes or all, not '%s'", s);
	return -1;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	for (int i = 1; i < argc; i++) {
		char name[64];
		const char *a = argv[i], *eq = NULL, *v;
		uint64_t u;
		if (!strncmp(a, "--", 2) && (eq = strchr(a, '='))) {
			snprintf(name, sizeof(name), "%.*s", (int)(eq - a), a);
			a = name;
		}
#define IS(s) (!strcmp(a, s))
#define VALUE() do { if (!(v = kit_option_value(argc, argv, &i, eq))) return -1; } while (0)
		if (IS("-h") || IS("--help")) {
			usage(stdout);
			exit(KIT_EXIT_OK);
		} else if (IS("--kernel")) {
			VALUE();
			if (parse_kernel(v, &o->kernel))
				return -1;
		} else if (IS("-n")) {
			VALUE();
			if (kit_parse_u64(v, "-n (samples)", 1, N_MAX, &o->n))
				return -1;
			o->n_set = true;
		} else if (IS("--seed")) {
			VALUE();
			if (kit_parse_u64(v, "--seed", 0, UINT64_MAX, &o->seed))
				return -1;
		} else if (IS("--threads")) {
			VALUE();
			free(o->threads);
			if (kit_parse_counts(v, "--threads", 1, MAX_THREADS, &o->threads, &o->nthreads))
				return -1;
		} else if (IS("--procs")) {
			VALUE();
			if (kit_parse_u64(v, "--procs", 1, MAX_PROCS, &u))
				return -1;
			o->procs = (int)u;
		} else if (IS("--validate")) {
			o->validate = true;
		} else if (IS("--expect-parallel")) {
			o->expect_parallel = true;
		} else if (IS("--expect-children")) {
			o->expect_children = true;
		} else if (IS("--consistent")) {
			VALUE();
			if (kit_parse_u64(v, "--consistent (runs)", 2, 1000, &u))
				return -1;
			o->consistent = (int)u;
		} else if (IS("--same-across")) {
			VALUE();
			free(o->same_across);
			if (kit_parse_counts(v, "--same-across", 1, MAX_THREADS, &o->same_across,
					     &o->nsame))
				return -1;
		} else if (IS("--json")) {
			VALUE();
			o->json = v;
		} else if (IS("--csv")) {
			VALUE();
			o->csv = v;
		} else if (IS("--png")) {
			VALUE();
			o->png = v;
		} else if (IS("--chart")) {
			o->chart = true;
		} else if (IS("-q") || IS("--quiet")) {
			o->quiet = true;
		} else if (IS("--demo")) {
			VALUE();
			o->demo = v;
		} else if (IS("--bench")) {
			o->bench = true;
		} else if (IS("--quick")) {
			o->quick = true;
		} else if (IS("--out")) {
			VALUE();
			o->out = v;
		} else {
			kit_error("unknown option '%s'; see pi --help", argv[i]);
			return -1;
		}
		if (eq && (IS("--validate") || IS("--expect-parallel") || IS("--expect-children") ||
			   IS("--chart") || IS("--quiet") || IS("--bench") || IS("--quick"))) {
			kit_error("option '%s' takes no value; see pi --help", a);
			return -1;
		}
#undef IS
#undef VALUE
	}
	if (o->expect_parallel && o->kernel == K_PROCESSES) {
		kit_error("--expect-parallel watches threads; for the processes kernel use "
			  "--expect-children");
		return -1;
	}
	if ((o->expect_children) && o->kernel != K_PROCESSES) {
		kit_error("--expect-children needs --kernel processes");
		return -1;
	}
	if ((o->demo || o->bench) && (o->validate || o->expect_parallel || o->consistent ||
				      o->nsame || o->expect_children)) {
		kit_error("--demo and --bench cannot be combined with check options");
		return -1;
	}
	if (o->demo && o->bench) {
		kit_error("choose one of --demo and --bench");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = { .kernel = -1, .seed = SEED_DEFAULT };
	int rc;

	if (kit_init(argc, argv))
		return KIT_EXIT_USAGE;
	int protocol = pi_protocol(argc, argv);	/* --emit, --verify: pi_protocol.c */
	if (protocol >= 0)
		return protocol;
	if (parse_args(argc, argv, &o)) {
		rc = KIT_EXIT_USAGE;
		goto out;
	}

	if (o.demo || o.bench) {
		pi_demo_opts d = { .n = o.n_set ? o.n : 0, .seed = o.seed,
				   .threads = o.threads, .nthreads = o.nthreads,
				   .out_dir = o.out, .quick = o.quick, .quiet = o.quiet };
		rc = o.demo ? pi_demo(o.demo, &d) : pi_bench(&d);
		goto out;
	}

	bool checking = o.validate || o.expect_parallel || o.consistent || o.nsame ||
			o.expect_children;
	if (!o.n_set)
		o.n = checking ? N_CHECK : N_TIMING;
	if (!o.threads) {
		o.threads = malloc(sizeof(*o.threads));
		if (!o.threads)
			abort();
		o.threads[0] = kit_omp_max_threads();
		o.nthreads = 1;
	}
	if (!o.quiet) {
		kit_env_print(stdout);
		/* timing prints these with its table (kit_results_print) */
		if (checking)
			printf("n         %llu samples, seed %llu\nkernel    %s\n",
			       (unsigned long long)o.n, (unsigned long long)o.seed,
			       o.kernel < 0 ? "all" : kernels[o.kernel].name);
		putchar('\n');
		fflush(stdout);
	}
	rc = checking ? run_checks(&o) : run_timing(&o);
out:
	free(o.threads);
	free(o.same_across);
	return rc;
}
