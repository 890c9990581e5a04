/*
 * exercise.c - the one exercise driver (exercise.h): options, the plain
 * timed run, students' checks, --emit, --verify, --make-inputs and the demos.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "exercise.h"
#include "kit.h"
#include "opt.h"

#define MAX_THREADS 4096
#define MAX_PROCS 256
#define MAX_DIRS 64

/* Everything the command line says. */
typedef struct drv {
	const kit_exercise *ex;
	int kernel;			/* index, or nkernels: all */
	uint64_t n, seed;
	bool n_set;
	const char *input;
	kit_opt_counts threads, same_across;
	int procs, reps, consistent, count;
	const char *json, *csv, *png, *emit, *verify, *make_inputs;
	bool chart, quiet, validate, expect_parallel, expect_children;
	const char *demo, *out;
	bool bench, quick;
	const char **choices;		/* kernel names and "all" */
} drv;

static const char *const hint_serial_fallback = "see the exercise's README";

/* ------------------------------------------------------------------------
 * Small helpers
 */

static const kit_ex_kernel *kern(const drv *d, int k)
{
	return &d->ex->kernels[k];
}

static bool all_kernels(const drv *d)
{
	return d->kernel == d->ex->nkernels;
}

static const char *plural(long n)
{
	return n == 1 ? "" : "s";
}

static bool has_flag(const kit_exercise *ex, unsigned flag)
{
	for (int k = 0; k < ex->nkernels; k++)
		if (ex->kernels[k].flags & flag)
			return true;
	return false;
}

/* The n of kernel K: -n, else the kernel's default, else the exercise's. */
static uint64_t n_for(const drv *d, int k, bool checking)
{
	if (d->n_set)
		return d->n;
	uint64_t kn = checking ? kern(d, k)->n_check : kern(d, k)->n_time;
	if (kn)
		return kn;
	return checking ? d->ex->n_check : d->ex->n_time;
}

static kit_ex_ctx ctx_for(const drv *d, int k, bool checking, int threads)
{
	return (kit_ex_ctx){
		.ex = d->ex, .kernel = k, .n = n_for(d, k, checking), .seed = d->seed,
		.input = d->input, .threads = threads,
		.procs = d->procs ? d->procs : threads, .checking = checking,
	};
}

static const char *hint_of(const drv *d, int k)
{
	return kern(d, k)->hint ? kern(d, k)->hint : hint_serial_fallback;
}

/* RESULT in a few words, into B (cleared first). */
static const char *describe(const drv *d, const void *result, kit_buf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
	if (d->ex->describe)
		d->ex->describe(result, b);
	else
		kit_buf_add_str(b, "a result");
	return kit_buf_str(b);
}

/* ------------------------------------------------------------------------
 * Options
 */

static kit_opt *common_table(drv *d)
{
	const kit_exercise *ex = d->ex;
	bool procs = has_flag(ex, KIT_EX_PROCESSES);
	kit_opt t[] = {
		KIT_OPT_GROUP("what to run:"),
		KIT_OPT_CHOICE(0, "kernel", &d->kernel, "K", "the kernel (one per step), or all "
			       "(default)", d->choices),
		KIT_OPT_U64('n', NULL, &d->n, "N", ex->n_help, ex->n_min, ex->n_max),
		KIT_OPT_U64(0, "seed", &d->seed, "S", "seed of the random inputs", 0, UINT64_MAX),
		KIT_OPT_STRING(0, "input", &d->input, "DIR", "the folder of input files"),
		KIT_OPT_COUNTS(0, "threads", &d->threads, "LIST", "thread counts to time, e.g. "
			       "1,2,4 or 1-8 or cores, cpus,\n2cpus (default: OMP_NUM_THREADS)",
			       1, MAX_THREADS),
		KIT_OPT_INT(0, "procs", &d->procs, "P", "worker processes of the process "
			    "kernels (default: as\nmany as threads)", 1, MAX_PROCS),
		KIT_OPT_INT(0, "reps", &d->reps, "R", "exactly R timed runs after the checked "
			    "one (default:\nat least 5 runs and 0.2 s)", 1, 100000),
		KIT_OPT_STRING(0, "json", &d->json, "FILE", "write the results as JSON"),
		KIT_OPT_STRING(0, "csv", &d->csv, "FILE", "write the results as CSV"),
		KIT_OPT_STRING(0, "png", &d->png, "PREFIX", "the scaling charts as PNGs"),
		KIT_OPT_BOOL(0, "chart", &d->chart, "a text chart of the speed-up"),
		KIT_OPT_BOOL('q', "quiet", &d->quiet, "only the table (checks: only the last line)"),
		KIT_OPT_GROUP("checks (at the thread count OMP_NUM_THREADS sets; last line "
			      "PASS: or FAIL:):"),
		KIT_OPT_BOOL(0, "validate", &d->validate, "the result is right"),
		KIT_OPT_BOOL(0, "expect-parallel", &d->expect_parallel,
			     "2 or more threads did work (77: only 1 thread here)"),
		KIT_OPT_INT(0, "consistent", &d->consistent, "R", "R runs give the same result",
			    2, 1000),
		KIT_OPT_COUNTS(0, "same-across", &d->same_across, "LIST",
			       "the same result at every thread count of LIST", 1, MAX_THREADS),
		KIT_OPT_BOOL(0, "expect-children", &d->expect_children,
			     "the kernel ran in child processes, all reaped"),
		KIT_OPT_GROUP("run and check apart (what ./kit grade does):"),
		KIT_OPT_STRING(0, "emit", &d->emit, "DIR", "run --kernel K once and write its "
			       "raw outputs into DIR"),
		KIT_OPT_STRING(0, "verify", &d->verify, "DIR[,DIR...]", "check the outputs "
			       "emitted into each DIR; one line\nPASS: or FAIL:"),
		KIT_OPT_STRING(0, "make-inputs", &d->make_inputs, "DIR",
			       "write the input files for --seed into DIR"),
		KIT_OPT_INT(0, "count", &d->count, "K", "input files --make-inputs writes", 1, 10000),
		KIT_OPT_GROUP("demos (from the reference solution):"),
		KIT_OPT_STRING(0, "demo", &d->demo, "NAME", "a live demo (./kit demo --list "
			       "names them)"),
		KIT_OPT_BOOL(0, "bench", &d->bench, "the benchmark"),
		KIT_OPT_BOOL(0, "quick", &d->quick, "test-sized demo or benchmark"),
		KIT_OPT_STRING(0, "out", &d->out, "DIR", "where the demo writes its files"),
		KIT_OPT_END,
	};
	t[2].seen = &d->n_set;	/* -n */
	/* Leave out what this exercise does not have. */
	kit_opt *keep = kit_xcalloc(sizeof(t) / sizeof(t[0]), sizeof(*keep));
	size_t n = 0;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *l = t[i].long_name ? t[i].long_name : "";
		if ((!strcmp(l, "input") && !ex->has_input) ||
		    ((!strcmp(l, "procs") || !strcmp(l, "expect-children")) && !procs) ||
		    ((!strcmp(l, "make-inputs") || !strcmp(l, "count")) && !ex->make_inputs) ||
		    (!ex->demo_program && (!strcmp(l, "demo") || !strcmp(l, "bench") ||
					   !strcmp(l, "quick") || !strcmp(l, "out"))) ||
		    (!ex->demo_program && t[i].kind == KIT_OPT_KIND_GROUP &&
		     strstr(t[i].help, "demos")))
			continue;
		keep[n++] = t[i];
	}
	return keep;
}

/* The usage lines of --help. */
static char *usage_text(const kit_exercise *ex)
{
	const char *p = ex->program;
	kit_buf b = { 0 };
	kit_buf_printf(&b, "%s [--kernel K] [-n N] [--threads LIST] [--json F] [--chart]\n", p);
	kit_buf_printf(&b, "%s --kernel K [--validate] [--expect-parallel] [...]   PASS: or FAIL:\n",
		       p);
	kit_buf_printf(&b, "%s --kernel K [-n N] [--seed S]%s --emit DIR\n", p,
		       ex->has_input ? " [--input DIR]" : "");
	kit_buf_printf(&b, "%s --kernel K [-n N] [--seed S]%s --verify DIR[,DIR...]", p,
		       ex->has_input ? " [--input DIR]" : "");
	if (ex->make_inputs)
		kit_buf_printf(&b, "\n%s --make-inputs DIR --seed S [--count K]", p);
	if (ex->demo_program)
		kit_buf_printf(&b, "\n%s --demo NAME | --bench [--quick] [--out DIR]", p);
	return kit_buf_take(&b);
}

/* Combinations the table cannot say. 0, or -1 after one line. */
static int check_combinations(const drv *d)
{
	bool single = !all_kernels(d);
	unsigned f = single ? kern(d, d->kernel)->flags : 0;
	if ((d->emit || d->verify) && !single) {
		kit_error("%s needs one kernel: add --kernel K (%s --help lists them)",
			  d->emit ? "--emit" : "--verify", d->ex->program);
		return -1;
	}
	if (d->emit && d->verify) {
		kit_error("choose one of --emit and --verify");
		return -1;
	}
	if (d->expect_parallel && single && (f & KIT_EX_PROCESSES)) {
		kit_error("--expect-parallel watches threads; for the %s kernel use "
			  "--expect-children", kern(d, d->kernel)->name);
		return -1;
	}
	if (d->expect_children && !(single && (f & KIT_EX_PROCESSES))) {
		kit_error("--expect-children needs --kernel with a process kernel");
		return -1;
	}
	bool checks = d->validate || d->expect_parallel || d->consistent ||
		      d->same_across.n || d->expect_children;
	if ((d->demo || d->bench) && (checks || d->emit || d->verify)) {
		kit_error("--demo and --bench cannot be combined with checks, --emit or --verify");
		return -1;
	}
	if (d->demo && d->bench) {
		kit_error("choose one of --demo and --bench");
		return -1;
	}
	return 0;
}

/* Parses ARGV into D. 0, KIT_OPT_HELP or -1. */
static int parse(drv *d, int argc, char **argv)
{
	const kit_exercise *ex = d->ex;
	d->choices = kit_xcalloc((size_t)ex->nkernels + 2, sizeof(*d->choices));
	for (int k = 0; k < ex->nkernels; k++)
		d->choices[k] = ex->kernels[k].name;
	d->choices[ex->nkernels] = "all";
	d->kernel = ex->nkernels;
	d->seed = ex->seed;
	kit_opt *common = common_table(d);
	const kit_opt *tables[] = { common, ex->options, NULL };
	char *usage = usage_text(ex);
	kit_buf about = { 0 };
	kit_buf_printf(&about, "%s (exercise %.2s).\n%s", ex->title, ex->name,
		       ex->about ? ex->about : "");
	kit_opt_prog p = { .name = ex->program, .usage = usage, .about = kit_buf_str(&about),
			   .tables = tables, .examples = ex->examples };
	int rc = kit_opt_parse(&p, argc, argv);
	if (rc == 0)
		rc = check_combinations(d);
	free(common);
	free(usage);
	kit_buf_free(&about);
	return rc;
}

/* ------------------------------------------------------------------------
 * Running a kernel
 */

typedef struct runner {
	const drv *d;
	kit_ex_ctx c;
	void *prob;
	unsigned char *result;
} runner;

/* Makes the problem for kernel K. 0, or -1 (make said why). */
static int runner_open(runner *r, const drv *d, int k, bool checking, int threads)
{
	r->d = d;
	r->c = ctx_for(d, k, checking, threads);
	r->result = kit_xcalloc(1, d->ex->result_size ? d->ex->result_size : 1);
	r->prob = d->ex->make(&r->c);
	if (!r->prob) {
		free(r->result);
		r->result = NULL;
		return -1;
	}
	return 0;
}

static void runner_close(runner *r)
{
	if (r->prob)
		r->d->ex->free(r->prob);
	free(r->result);
	r->prob = NULL;
	r->result = NULL;
}

/* One run at the current thread count into R->result. */
static int runner_run(runner *r)
{
	r->c.threads = kit_omp_max_threads();
	r->c.procs = r->d->procs ? r->d->procs : r->c.threads;
	return r->d->ex->run(r->prob, &r->c, r->result);
}

static int timed_fn(void *p)
{
	return runner_run(p);
}

/* ------------------------------------------------------------------------
 * Students' checks, in this process
 */

static void fail_to_run(kit_checks *c, const drv *d, int k)
{
	kit_check(c, KIT_FAIL, "observed %s fail to run (message above); %s",
		  kern(d, k)->func, hint_of(d, k));
}

static void check_validate(kit_checks *c, runner *r)
{
	const drv *d = r->d;
	int k = r->c.kernel, t = kit_omp_max_threads();
	if (runner_run(r)) {
		fail_to_run(c, d, k);
		return;
	}
	kit_buf m = { 0 };
	if (!d->ex->validate(r->prob, &r->c, r->result, &m))
		kit_check(c, KIT_FAIL, "observed %s; %s", kit_buf_str(&m), hint_of(d, k));
	else
		kit_check(c, KIT_PASS, "%s: %s (n = %llu, %d thread%s)", kern(d, k)->name,
			  kit_buf_str(&m), (unsigned long long)r->c.n, t, plural(t));
	kit_buf_free(&m);
}

/* Runs R's kernel again and again for the busy span; returns the busy threads. */
static int busy_threads(runner *r, int *runs, double *wall)
{
	double span = r->d->ex->busy_span > 0 ? r->d->ex->busy_span : 0.3;
	kit_busy *b = kit_busy_begin();
	double t0 = kit_wtime();
	*runs = 0;
	do {
		runner_run(r);
		++*runs;
	} while (kit_wtime() - t0 < span);
	*wall = kit_wtime() - t0;
	return kit_busy_end(b, 0.25);	/* a quarter of a fair share (kit.h) */
}

static void check_parallel(kit_checks *c, runner *r)
{
	const drv *d = r->d;
	int k = r->c.kernel, t = kit_omp_max_threads(), runs;
	if (!kit_check_parallel_possible(c, t))
		return;
	double t0 = kit_wtime(), wall;
	if (runner_run(r)) {
		fail_to_run(c, d, k);
		return;
	}
	double once = kit_wtime() - t0;
	runner big = { 0 };
	runner *use = r;
	/* Long enough runs that computing, not waking threads, fills the span. */
	if (once < 0.02 && d->ex->n_linear) {
		drv grown = *d;
		grown.n_set = true;
		grown.n = (uint64_t)fmin((double)r->c.n * 0.02 / fmax(once, 1e-6),
					 (double)d->ex->n_max);
		if (runner_open(&big, &grown, k, true, t) == 0)
			use = &big;
	}
	int busy = busy_threads(use, &runs, &wall);
	if (use == &big)
		runner_close(&big);
	if (busy < 0)
		kit_check(c, KIT_SKIP, "cannot see which threads worked (/proc/self/task is "
			  "not readable here)");
	else if (busy < 2)
		kit_check(c, KIT_FAIL, "observed %d busy thread of %d over %d run%s (%.2f s); "
			  "the work ran on one thread; %s", busy, t, runs, plural(runs), wall,
			  hint_of(d, k));
	else
		kit_check(c, KIT_PASS, "%d of %d threads busy over %d run%s (%.2f s)", busy, t,
			  runs, plural(runs), wall);
}

static void check_consistent(kit_checks *c, runner *r)
{
	const drv *d = r->d;
	int k = r->c.kernel, t = kit_omp_max_threads(), ndiff = 0;
	size_t size = d->ex->result_size;
	unsigned char *first = kit_xcalloc(1, size), *other = kit_xcalloc(1, size);
	for (int i = 0; i < d->consistent; i++) {
		if (runner_run(r)) {
			fail_to_run(c, d, k);
			goto out;
		}
		if (i == 0)
			memcpy(first, r->result, size);
		else if (memcmp(r->result, first, size) && ndiff++ == 0)
			memcpy(other, r->result, size);
	}
	kit_buf a = { 0 }, b = { 0 };
	if (ndiff)
		kit_check(c, KIT_FAIL, "observed %d of %d runs at %d thread%s differ from the "
			  "first (%s, then %s): the result depends on timing, a race or a "
			  "shared generator; %s", ndiff, d->consistent - 1, t, plural(t),
			  describe(d, first, &a), describe(d, other, &b), hint_of(d, k));
	else
		kit_check(c, KIT_PASS, "%d runs at %d thread%s gave the same %s", d->consistent,
			  t, plural(t), describe(d, first, &a));
	kit_buf_free(&a);
	kit_buf_free(&b);
out:
	free(first);
	free(other);
}

static void check_same_across(kit_checks *c, runner *r)
{
	const drv *d = r->d;
	int k = r->c.kernel, saved = kit_omp_max_threads();
	size_t size = d->ex->result_size;
	unsigned char *first = kit_xcalloc(1, size);
	kit_buf seen = { 0 }, w = { 0 };
	bool same = true;
	for (size_t i = 0; i < d->same_across.n; i++) {
		int t = d->same_across.v[i];
		kit_omp_set_threads(t);
		int rc = runner_run(r);
		kit_omp_set_threads(saved);
		if (rc) {
			kit_check(c, KIT_FAIL, "observed %s fail to run at %d threads (message "
				  "above); %s", kern(d, k)->func, t, hint_of(d, k));
			goto out;
		}
		if (i == 0)
			memcpy(first, r->result, size);
		same &= !memcmp(first, r->result, size);
		if (seen.len < 400)
			kit_buf_printf(&seen, "%s%d: %s", i ? ", " : "", t, describe(d, r->result, &w));
	}
	/* The promised answer: where it is defined, validate also checks it. */
	kit_buf m = { 0 };
	r->c.exact = true;
	bool valid = d->ex->validate(r->prob, &r->c, first, &m);
	r->c.exact = false;
	if (!same)
		kit_check(c, KIT_FAIL, "observed by threads {%s}, not one result; %s",
			  kit_buf_str(&seen), hint_of(d, k));
	else if (!valid)
		kit_check(c, KIT_FAIL, "observed the same result at every thread count, but %s; %s",
			  kit_buf_str(&m), hint_of(d, k));
	else
		kit_check(c, KIT_PASS, "the same %s at %zu thread count%s (%s)",
			  describe(d, first, &w), d->same_across.n, plural((long)d->same_across.n),
			  kit_buf_str(&seen));
	kit_buf_free(&m);
out:
	kit_buf_free(&seen);
	kit_buf_free(&w);
	free(first);
}

static double children_cpu(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_CHILDREN, &ru))
		return 0;
	return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
	       (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

static void check_children(kit_checks *c, runner *r)
{
	const drv *d = r->d;
	int k = r->c.kernel;
	double before = children_cpu();
	if (runner_run(r)) {
		fail_to_run(c, d, k);
		return;
	}
	double cpu = children_cpu() - before;
	int st;
	pid_t left = waitpid(-1, &st, WNOHANG);
	if (left != -1 || errno != ECHILD)
		kit_check(c, KIT_FAIL, "observed a child process left unreaped after %s "
			  "returned (a zombie, or one still running); %s", kern(d, k)->func,
			  hint_of(d, k));
	else if (cpu <= 0)
		kit_check(c, KIT_FAIL, "observed no CPU time in child processes: the work "
			  "was done in this process; %s", hint_of(d, k));
	else
		kit_check(c, KIT_PASS, "%d child process%s used %.3f s of CPU, none left behind",
			  r->c.procs, r->c.procs == 1 ? "" : "es", cpu);
}

static void checks_of_kernel(kit_checks *c, const drv *d, int k)
{
	runner r;
	if (runner_open(&r, d, k, true, kit_omp_max_threads())) {
		kit_check(c, KIT_FAIL, "observed no problem to run %s on (message above)",
			  kern(d, k)->func);
		return;
	}
	unsigned f = kern(d, k)->flags;
	if (d->validate)
		check_validate(c, &r);
	if (d->expect_parallel && !(f & KIT_EX_PROCESSES))
		check_parallel(c, &r);
	if (d->consistent)
		check_consistent(c, &r);
	if (d->same_across.n)
		check_same_across(c, &r);
	if (d->expect_children && (f & KIT_EX_PROCESSES))
		check_children(c, &r);
	runner_close(&r);
}

static int run_checks(const drv *d)
{
	kit_checks c = { .quiet = d->quiet };
	if (!d->quiet) {
		kit_env_print(stdout);
		if (d->n_set)
			printf("n         %llu\n", (unsigned long long)d->n);
		printf("seed      %llu\nkernel    %s\n\n", (unsigned long long)d->seed,
		       all_kernels(d) ? "all" : kern(d, d->kernel)->name);
		fflush(stdout);
	}
	for (int k = 0; k < d->ex->nkernels; k++) {
		if (!all_kernels(d) && d->kernel != k)
			continue;
		if (!d->quiet)
			printf("%s (%s, step %d):\n", kern(d, k)->name, kern(d, k)->func,
			       kern(d, k)->step);
		checks_of_kernel(&c, d, k);
	}
	return kit_checks_finish(&c);
}

/* ------------------------------------------------------------------------
 * The plain run: validate, time, print
 */

typedef struct kept {
	kit_timing tm;
	char label[96];
} kept;

static void rate_columns(kit_results *res, const drv *d, const kit_ex_ctx *c, double med)
{
	if (!d->ex->work)
		return;
	kit_ex_work w = d->ex->work(c);
	if (w.samples > 0) {
		kit_results_num(res, "ns_per_sample", 1e9 * med / w.samples, "%.3f");
		kit_results_num(res, "samples_per_s", w.samples / med, "%.3g");
	}
}

/* The first run: validates and says how long one run takes. -1 when invalid. */
static double checked_run(kit_results *res, runner *r)
{
	double t0 = kit_wtime();
	int rc = runner_run(r);
	double once = kit_wtime() - t0;
	if (rc) {
		kit_results_valid(res, false, "the kernel failed to run");
		return -1;
	}
	if (r->d->ex->columns)
		r->d->ex->columns(res, r->prob, &r->c, r->result);
	kit_buf m = { 0 };
	bool ok = r->d->ex->validate(r->prob, &r->c, r->result, &m);
	if (!ok) {
		kit_buf why = { 0 };
		kit_buf_printf(&why, "%s; see TODO(%d) in %s", kit_buf_str(&m),
			       kern(r->d, r->c.kernel)->step, r->d->ex->edit);
		kit_results_valid(res, false, kit_buf_str(&why));
		kit_buf_free(&why);
	}
	kit_buf_free(&m);
	return ok ? once : -1;
}

static kit_timing_opts timing_opts(const drv *d, int k, int t, double once, uint64_t n)
{
	kit_timing_opts to = KIT_TIMING_DEFAULT;
	if (d->reps) {
		to.warmup = 0;
		to.min_reps = to.max_reps = d->reps;
		to.min_time = 0;
	} else if (once > 1.0) {	/* slow runs get fewer repetitions */
		to.warmup = 0;
		to.min_reps = 3;
		if (!d->quiet && d->ex->n_linear)
			kit_warn("one run of %s takes %.1f s at %d thread%s; -n %llu would be "
				 "quicker", kern(d, k)->name, once, t, plural(t),
				 (unsigned long long)(n / 10 ? n / 10 : 1));
	}
	return to;
}

/* One row: validate, then time into KEPT. The median, or -1. */
static double measure(kit_results *res, runner *r, int t, kept *kp)
{
	const drv *d = r->d;
	int k = r->c.kernel;
	kit_omp_set_threads(t);
	kit_results_row(res, kern(d, k)->name);
	kit_results_num(res, "threads", t, "%.0f");
	if (kern(d, k)->flags & KIT_EX_PROCESSES)
		kit_results_num(res, "procs", d->procs ? d->procs : t, "%.0f");
	double once = checked_run(res, r);
	if (once < 0)
		return -1;
	kit_timing_opts to = timing_opts(d, k, t, once, r->c.n);
	if (kit_time(timed_fn, r, &to, &kp->tm)) {
		kit_results_valid(res, false, "the kernel failed to run");
		return -1;
	}
	kit_ex_work w = d->ex->work ? d->ex->work(&r->c) : (kit_ex_work){ 0 };
	kit_kernel kk = { .name = kern(d, k)->func, .flops = w.flops, .bytes = w.bytes };
	kit_results_timing(res, &kp->tm, &kk);
	rate_columns(res, d, &r->c, kp->tm.wall.median);
	kit_results_valid(res, true, NULL);
	snprintf(kp->label, sizeof(kp->label), "%s at %d thread%s", kern(d, k)->name, t,
		 plural(t));
	return kp->tm.wall.median;
}

/* Times kernel K at every thread count; fills SC when 2 or more are valid. */
static bool time_kernel(kit_results *res, const drv *d, int k, kept *kp, kit_progress *pr,
			kit_scaling *sc)
{
	runner r;
	size_t nt = d->threads.n, ok = 0;
	int *p = kit_xcalloc(nt, sizeof(*p));
	double *tt = kit_xcalloc(nt, sizeof(*tt));
	bool have = false;
	if (runner_open(&r, d, k, false, d->threads.v[0]) == 0) {
		for (size_t i = 0; i < nt; i++) {
			char what[96];
			snprintf(what, sizeof(what), "%s at %d threads", kern(d, k)->name,
				 d->threads.v[i]);
			kit_progress_step(pr, what);
			double med = measure(res, &r, d->threads.v[i], &kp[i]);
			if (med > 0) {
				p[ok] = d->threads.v[i];
				tt[ok++] = med;
			}
		}
		runner_close(&r);
	} else {
		kit_results_row(res, kern(d, k)->name);
		kit_results_valid(res, false, "no problem to run it on (message above)");
	}
	if (nt > 1 && ok > 1 && kit_scaling_of(p, tt, ok, sc) == 0)
		have = true;
	free(p);
	free(tt);
	return have;
}

/* The scaling table of kernel K, and its charts. -1 when a chart failed. */
static int show_scaling(const drv *d, int k, const kit_scaling *sc, int nk)
{
	char title[128], prefix[1024];
	snprintf(title, sizeof(title), "%s (%s): speed-up over threads", kern(d, k)->name,
		 kern(d, k)->func);
	printf("\nscaling of %s\n", kern(d, k)->name);
	kit_scaling_print(sc, "s", stdout);
	if (d->png)
		snprintf(prefix, sizeof(prefix), nk > 1 ? "%s-%s" : "%s", d->png,
			 kern(d, k)->name);
	bool chart = d->chart && !d->quiet;
	if ((d->png || chart) &&
	    kit_plot_scaling(sc, title, d->png ? prefix : NULL, chart ? stdout : NULL))
		return -1;
	return 0;
}

static int finish_timing(const drv *d, kit_results *res, kit_scaling *sc, bool *have, int nk)
{
	int rc = KIT_EXIT_OK;
	const kit_scaling *attached = NULL;
	for (int k = 0; k < d->ex->nkernels; k++) {
		if (!have[k])
			continue;
		if (show_scaling(d, k, &sc[k], nk))
			rc = KIT_EXIT_USAGE;
		/* The results file carries one scaling: the last step's that ran. */
		attached = &sc[k];
	}
	if (attached)
		kit_results_scaling(res, attached);
	if (kit_results_write_json(res, d->json))
		rc = KIT_EXIT_USAGE;
	if (d->csv && kit_results_write_csv(res, d->csv))
		rc = KIT_EXIT_USAGE;
	if (!kit_results_all_valid(res)) {
		kit_error("a kernel gave a wrong result (marked in the table); check it with "
			  "--kernel K --validate");
		rc = KIT_EXIT_INVALID;
	}
	return rc;
}

static int run_timing(const drv *d)
{
	const kit_exercise *ex = d->ex;
	int nk = all_kernels(d) ? ex->nkernels : 1;
	size_t nt = d->threads.n;
	kept *kp = kit_xcalloc((size_t)ex->nkernels * nt, sizeof(*kp));
	kit_scaling *sc = kit_xcalloc((size_t)ex->nkernels, sizeof(*sc));
	bool *have = kit_xcalloc((size_t)ex->nkernels, sizeof(*have));
	char title[160];
	snprintf(title, sizeof(title), "%s: time by kernel and threads", ex->title);
	kit_results *res = kit_results_new(ex->program, title);
	if (d->n_set)
		kit_results_config(res, "n", "%llu", (unsigned long long)d->n);
	kit_results_config(res, "seed", "%llu", (unsigned long long)d->seed);
	kit_results_config(res, "kernel", "%s", d->choices[d->kernel]);
	kit_progress pr;
	kit_progress_begin(&pr, ex->program, (size_t)nk * nt);
	for (int k = 0; k < ex->nkernels; k++)
		if (all_kernels(d) || d->kernel == k) {
			if (!d->n_set)
				kit_results_config(res, nk > 1 ? "n (varies)" : "n", "%llu",
						   (unsigned long long)n_for(d, k, false));
			have[k] = time_kernel(res, d, k, &kp[(size_t)k * nt], &pr, &sc[k]);
		}
	kit_progress_end(&pr);
	kit_results_print(res, stdout);
	fflush(stdout);
	for (size_t i = 0; i < (size_t)ex->nkernels * nt; i++)
		if (kp[i].tm.samples)
			kit_timing_warnings(&kp[i].tm, kp[i].label);
	int rc = finish_timing(d, res, sc, have, nk);
	for (int k = 0; k < ex->nkernels; k++)
		if (have[k])
			kit_scaling_free(&sc[k]);
	for (size_t i = 0; i < (size_t)ex->nkernels * nt; i++)
		kit_timing_free(&kp[i].tm);
	free(kp);
	free(sc);
	free(have);
	kit_results_free(res);
	return rc;
}

/* ------------------------------------------------------------------------
 * --emit DIR
 */

static bool is_dir(const char *path)
{
	struct stat st;
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* A whole number for result.json: a JSON number when a double holds it
 * exactly, else its decimal digits as a string. */
static void add_u64(cJSON *o, const char *key, uint64_t v)
{
	if (v <= (UINT64_C(1) << 53))
		cJSON_AddNumberToObject(o, key, (double)v);
	else {
		char s[24];
		snprintf(s, sizeof(s), "%llu", (unsigned long long)v);
		cJSON_AddStringToObject(o, key, s);
	}
}

static int write_result_json(const drv *d, runner *r, const char *dir)
{
	cJSON *root = cJSON_CreateObject(), *res = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "exercise", d->ex->name);
	cJSON_AddStringToObject(root, "kernel", kern(d, r->c.kernel)->name);
	add_u64(root, "n", r->c.n);
	add_u64(root, "seed", r->c.seed);
	cJSON_AddNumberToObject(root, "threads", r->c.threads);
	if (kern(d, r->c.kernel)->flags & KIT_EX_PROCESSES)
		cJSON_AddNumberToObject(root, "procs", r->c.procs);
	cJSON_AddItemToObject(root, "result", res);
	int rc = d->ex->emit(r->prob, &r->c, r->result, res, dir);
	if (rc == 0) {
		char *text = cJSON_Print(root), *path = kit_xasprintf("%s/result.json", dir);
		char *line = kit_xasprintf("%s\n", text);
		rc = kit_write_file(path, line);
		free(line);
		free(text);
		free(path);
	}
	cJSON_Delete(root);
	return rc;
}

static int do_emit(const drv *d)
{
	if (!is_dir(d->emit)) {
		kit_error("--emit '%s' is not a folder; make it first (mkdir)", d->emit);
		return KIT_EXIT_USAGE;
	}
	runner r;
	if (runner_open(&r, d, d->kernel, true, kit_omp_max_threads()))
		return KIT_EXIT_USAGE;
	int rc = KIT_EXIT_OK;
	if (runner_run(&r))
		rc = KIT_EXIT_INVALID;
	else if (write_result_json(d, &r, d->emit))
		rc = KIT_EXIT_USAGE;
	runner_close(&r);
	return rc;
}

/* ------------------------------------------------------------------------
 * --verify DIR[,DIR...]
 */

/* One emitted folder, as read and judged. */
typedef struct emitted {
	char *dir;
	int threads;
	unsigned char *got;
} emitted;

/* KEY of the student's result.json equals WANT (a number or its digits). */
static int header_u64(const cJSON *j, const char *key, uint64_t want, kit_buf *msg)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
	uint64_t got;
	if (cJSON_IsString(v)) {
		char *end;
		errno = 0;
		got = strtoull(v->valuestring, &end, 10);
		if (errno || *end || !*v->valuestring) {
			kit_buf_printf(msg, "result.json's \"%s\" is not a whole number", key);
			return -1;
		}
	} else if (kit_ex_json_u64(j, key, &got, msg))
		return -1;
	if (got != want) {
		kit_buf_printf(msg, "result.json says %s = %llu, but the run asked for %llu", key,
			       (unsigned long long)got, (unsigned long long)want);
		return -1;
	}
	return 0;
}

/* Checks result.json's header against the run D asked for. */
static int check_header(const drv *d, const kit_ex_ctx *c, const cJSON *j, int *threads,
			kit_buf *msg)
{
	const cJSON *ex = cJSON_GetObjectItemCaseSensitive(j, "exercise");
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(j, "kernel");
	uint64_t t;
	if (!cJSON_IsObject(j)) {
		kit_buf_add_str(msg, "result.json is not a JSON object");
		return -1;
	}
	if (!cJSON_IsString(ex) || strcmp(ex->valuestring, d->ex->name)) {
		kit_buf_printf(msg, "result.json is not from exercise %s", d->ex->name);
		return -1;
	}
	if (!cJSON_IsString(k) || strcmp(k->valuestring, kern(d, c->kernel)->name)) {
		kit_buf_printf(msg, "result.json is not from kernel %s", kern(d, c->kernel)->name);
		return -1;
	}
	if (header_u64(j, "n", c->n, msg) || header_u64(j, "seed", c->seed, msg) ||
	    kit_ex_json_u64(j, "threads", &t, msg))
		return -1;
	if (t < 1 || t > MAX_THREADS) {
		kit_buf_printf(msg, "result.json says threads = %llu", (unsigned long long)t);
		return -1;
	}
	*threads = (int)t;
	if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(j, "result"))) {
		kit_buf_add_str(msg, "result.json has no \"result\" object");
		return -1;
	}
	return 0;
}

/* Reads and judges E->dir. KIT_PASS, KIT_FAIL, or -1 (the reference failed). */
static int verify_one(const drv *d, runner *r, emitted *e, kit_buf *msg)
{
	char *text = kit_ex_read_text(e->dir, "result.json", KIT_EX_MAX_JSON, NULL, msg);
	if (!text)
		return KIT_FAIL;
	cJSON *j = cJSON_Parse(text);
	free(text);
	int v = KIT_FAIL;
	if (!j)
		kit_buf_add_str(msg, "result.json is not valid JSON");
	else if (check_header(d, &r->c, j, &e->threads, msg) == 0) {
		r->c.threads = e->threads;
		r->c.procs = d->procs ? d->procs : e->threads;
		r->c.exact = true;
		v = d->ex->verify(r->prob, &r->c, e->dir,
				  cJSON_GetObjectItemCaseSensitive(j, "result"), e->got, msg);
	}
	cJSON_Delete(j);
	return v;
}

/* Splits the comma-separated LIST into E (at most MAX_DIRS). Count, or -1. */
static int split_dirs(const char *list, emitted *e, size_t size)
{
	int n = 0;
	for (const char *p = list; *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (!len || n == MAX_DIRS) {
			kit_error("--verify must be a list of 1 to %d folders separated by commas, "
				  "not '%s'", MAX_DIRS, list);
			return -1;
		}
		e[n].dir = kit_xasprintf("%.*s", (int)len, p);
		e[n++].got = kit_xcalloc(1, size);
		p += len + (comma != NULL);
	}
	return n;
}

/* With several DIRs: the same result where the kernel promises it. */
static bool same_where_promised(const drv *d, const emitted *e, int n, kit_buf *msg)
{
	unsigned f = kern(d, d->kernel)->flags;
	size_t size = d->ex->result_size;
	kit_buf a = { 0 }, b = { 0 };
	for (int i = 1; i < n; i++)
		for (int j = 0; j < i; j++) {
			bool promised = (f & KIT_EX_SAME_ANY) ||
					((f & KIT_EX_REPEATABLE) && e[i].threads == e[j].threads);
			if (!promised || !memcmp(e[i].got, e[j].got, size))
				continue;
			kit_buf_printf(msg, "%s (%d thread%s) holds %s but %s (%d thread%s) holds "
				       "%s; %s promises the same result %s", e[j].dir, e[j].threads,
				       plural(e[j].threads), describe(d, e[j].got, &a), e[i].dir,
				       e[i].threads, plural(e[i].threads), describe(d, e[i].got, &b),
				       kern(d, d->kernel)->func,
				       (f & KIT_EX_SAME_ANY) ? "at any thread count"
							     : "at a fixed thread count");
			kit_buf_free(&a);
			kit_buf_free(&b);
			return false;
		}
	return true;
}

static int verify_all(const drv *d, runner *r, emitted *e, int n)
{
	kit_buf first = { 0 };
	for (int i = 0; i < n; i++) {
		kit_buf m = { 0 };
		int v = verify_one(d, r, &e[i], &m);
		if (v != KIT_PASS) {
			if (v < 0)
				kit_error("cannot check %s: %s", e[i].dir, kit_buf_str(&m));
			else
				printf("FAIL: %s: %s; %s\n", e[i].dir, kit_buf_str(&m), hint_of(d, d->kernel));
			kit_buf_free(&m);
			kit_buf_free(&first);
			return v < 0 ? KIT_EXIT_USAGE : KIT_EXIT_INVALID;
		}
		if (i == 0)
			kit_buf_add_str(&first, kit_buf_str(&m));
		kit_buf_free(&m);
	}
	kit_buf m = { 0 };
	int rc = KIT_EXIT_OK;
	if (!same_where_promised(d, e, n, &m)) {
		printf("FAIL: %s; %s\n", kit_buf_str(&m), hint_of(d, d->kernel));
		rc = KIT_EXIT_INVALID;
	} else if (n > 1)
		printf("PASS: %s: %s; %d folders checked\n", kern(d, d->kernel)->name,
		       kit_buf_str(&first), n);
	else
		printf("PASS: %s: %s\n", kern(d, d->kernel)->name, kit_buf_str(&first));
	kit_buf_free(&m);
	kit_buf_free(&first);
	return rc;
}

static int do_verify(const drv *d)
{
	emitted e[MAX_DIRS] = { { 0 } };
	int n = split_dirs(d->verify, e, d->ex->result_size ? d->ex->result_size : 1);
	if (n < 0)
		return KIT_EXIT_USAGE;
	runner r;
	int rc = KIT_EXIT_USAGE;
	if (runner_open(&r, d, d->kernel, true, kit_omp_max_threads()) == 0) {
		rc = verify_all(d, &r, e, n);
		runner_close(&r);
	}
	for (int i = 0; i < n; i++) {
		free(e[i].dir);
		free(e[i].got);
	}
	return rc;
}

/* ------------------------------------------------------------------------
 * Demos: the demo program beside the build's other programs
 */

/* BUILD/demos/NAME/PROGRAM, from this program's BUILD/{exercises,solutions}/NAME/. */
static char *demo_path(const kit_exercise *ex)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	for (int up = 0; up < 3; up++) {
		char *slash = strrchr(exe, '/');
		if (!slash)
			return NULL;
		*slash = '\0';
	}
	return kit_xasprintf("%s/demos/%s/%s", exe, ex->name, ex->demo_program);
}

static int run_demo(const drv *d, int argc, char **argv)
{
	char *path = demo_path(d->ex);
	if (!path || access(path, X_OK)) {
		kit_error("the demos are a program of their own, built with the reference "
			  "solution: %s is not built; run ./kit once (it builds everything)",
			  path ? path : "the demo program");
		free(path);
		return KIT_EXIT_USAGE;
	}
	char **av = kit_xcalloc((size_t)argc + 1, sizeof(*av));
	av[0] = path;
	for (int i = 1; i < argc; i++)
		av[i] = argv[i];
	fflush(NULL);
	execv(path, av);
	kit_error("cannot run %s: %s", path, strerror(errno));
	free(av);
	free(path);
	return KIT_EXIT_USAGE;
}

/* ------------------------------------------------------------------------
 * main
 */

static int dispatch(drv *d, int argc, char **argv)
{
	const kit_exercise *ex = d->ex;
	if (d->demo || d->bench)
		return run_demo(d, argc, argv);
	if (d->make_inputs)
		return ex->make_inputs(d->make_inputs, d->seed, d->count ? d->count : 0)
			       ? KIT_EXIT_USAGE : KIT_EXIT_OK;
	kit_ex_ctx c = ctx_for(d, all_kernels(d) ? 0 : d->kernel, true, kit_omp_max_threads());
	if (ex->check_options && ex->check_options(&c))
		return KIT_EXIT_USAGE;
	if (ex->mode) {
		int rc = ex->mode(&c);
		if (rc >= 0)
			return rc;
	}
	if (d->emit)
		return do_emit(d);
	if (d->verify)
		return do_verify(d);
	if (d->validate || d->expect_parallel || d->consistent || d->same_across.n ||
	    d->expect_children)
		return run_checks(d);
	if (!d->threads.n) {
		d->threads.v = kit_xmalloc(sizeof(int));
		d->threads.v[0] = kit_omp_max_threads();
		d->threads.n = 1;
	}
	if (!d->quiet) {
		kit_env_print(stdout);
		putchar('\n');
		fflush(stdout);
	}
	return run_timing(d);
}

int kit_exercise_main(int argc, char **argv, const kit_exercise *ex)
{
	if (kit_init(argc, argv))
		return KIT_EXIT_USAGE;
	drv d = { .ex = ex };
	int rc = parse(&d, argc, argv);
	if (rc == KIT_OPT_HELP)
		rc = KIT_EXIT_OK;
	else if (rc)
		rc = KIT_EXIT_USAGE;
	else
		rc = dispatch(&d, argc, argv);
	kit_opt_counts_free(&d.threads);
	kit_opt_counts_free(&d.same_across);
	free(d.choices);
	return rc;
}

/* ------------------------------------------------------------------------
 * Reading untrusted emitted files
 */

/* Opens DIR/NAME for reading if it is a regular file; its size in *SIZE. */
static FILE *open_regular(const char *dir, const char *name, size_t *size, kit_buf *msg)
{
	char *path = kit_xasprintf("%s/%s", dir, name);
	struct stat st;
	FILE *f = NULL;
	if (lstat(path, &st))
		kit_buf_printf(msg, "%s is missing from %s", name, dir);
	else if (!S_ISREG(st.st_mode))
		kit_buf_printf(msg, "%s in %s is not a regular file", name, dir);
	else if (!(f = fopen(path, "rb")))
		kit_buf_printf(msg, "cannot read %s in %s: %s", name, dir, strerror(errno));
	else
		*size = (size_t)st.st_size;
	free(path);
	return f;
}

int kit_ex_read_exact(const char *dir, const char *name, void *buf, size_t size,
		      kit_buf *msg)
{
	size_t have = 0;
	FILE *f = open_regular(dir, name, &have, msg);
	if (!f)
		return -1;
	int rc = -1;
	if (have != size)
		kit_buf_printf(msg, "%s holds %zu bytes; expected %zu", name, have, size);
	else if (fread(buf, 1, size, f) != size || fgetc(f) != EOF)
		kit_buf_printf(msg, "%s changed while it was read", name);
	else
		rc = 0;
	fclose(f);
	return rc;
}

char *kit_ex_read_text(const char *dir, const char *name, size_t limit, size_t *len,
		       kit_buf *msg)
{
	size_t have = 0;
	FILE *f = open_regular(dir, name, &have, msg);
	if (!f)
		return NULL;
	char *s = NULL;
	if (have > limit)
		kit_buf_printf(msg, "%s holds %zu bytes, more than the %zu allowed", name, have,
			       limit);
	else {
		s = kit_xmalloc(have + 1);
		size_t got = fread(s, 1, have, f);
		if (got != have || fgetc(f) != EOF || memchr(s, '\0', got)) {
			kit_buf_printf(msg, "%s changed while it was read, or holds a NUL byte", name);
			free(s);
			s = NULL;
		} else {
			s[got] = '\0';
			if (len)
				*len = got;
		}
	}
	fclose(f);
	return s;
}

int kit_ex_json_double(const cJSON *obj, const char *key, double *out, kit_buf *msg)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
		kit_buf_printf(msg, "result.json has no number \"%s\"", key);
		return -1;
	}
	*out = v->valuedouble;
	return 0;
}

int kit_ex_json_u64(const cJSON *obj, const char *key, uint64_t *out, kit_buf *msg)
{
	double d;
	if (kit_ex_json_double(obj, key, &d, msg))
		return -1;
	if (d < 0 || d > 9007199254740992.0 || d != floor(d)) {
		kit_buf_printf(msg, "result.json's \"%s\" is %g, not a whole number from 0 to 2^53",
			       key, d);
		return -1;
	}
	*out = (uint64_t)d;
	return 0;
}
