/*
 * exercise_checks.c - students' checks, in this process: --validate, --expect-parallel,
 * --consistent, --same-across, --expect-children (exercise.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "exercise.h"
#include "exercise_internal.h"
#include "kit.h"

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

/* --validate: at the small size first when the exercise has one and -n was
 * not given, then at R's size. */
static void check_validate_sizes(kit_checks *c, const drv *d, runner *r)
{
	if (d->ex->n_check_small && !d->n_set) {
		drv small = *d;
		small.n_set = true;
		small.n = d->ex->n_check_small;
		runner s;
		if (runner_open(&s, &small, r->c.kernel, true, kit_omp_max_threads()) == 0) {
			check_validate(c, &s);
			runner_close(&s);
		}
	}
	check_validate(c, r);
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
	int lib = d->ex->threads ? d->ex->threads(&r->c) : 0;
	if (lib >= 2 && lib > t)
		t = lib;	/* a library's threads: judged even without OpenMP */
	else if (!kit_check_parallel_possible(c, t))
		return;
	double t0 = kit_wtime(), wall;
	if (runner_run(r)) {
		fail_to_run(c, d, k);
		return;
	}
	double once = kit_wtime() - t0;
	runner big = { 0 };
	runner *use = r;
	drv grown = *d;		/* outlives BIG, which points at it */
	/* Long enough runs that computing, not waking threads, fills the span. */
	if (once < 0.02 && d->ex->n_linear) {
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
	kit_buf seen = { 0 }, counts = { 0 }, w = { 0 };
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
		kit_buf_printf(&counts, "%s%d", i ? ", " : "", t);
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
		kit_check(c, KIT_PASS, "the same %s at %zu thread count%s (%s); %s",
			  describe(d, first, &w), d->same_across.n, plural((long)d->same_across.n),
			  kit_buf_str(&counts), kit_buf_str(&m));
	kit_buf_free(&m);
out:
	kit_buf_free(&seen);
	kit_buf_free(&counts);
	kit_buf_free(&w);
	free(first);
}

static void check_children(kit_checks *c, runner *r)
{
	const drv *d = r->d;
	int k = r->c.kernel;
	double before = kit_ex_children_cpu();
	if (runner_run(r)) {
		fail_to_run(c, d, k);
		return;
	}
	double cpu = kit_ex_children_cpu() - before;
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

/* The checks of kernel K. -1 when its problem could not be made (a usage
 * error: the size, not the kernel, is wrong). */
static int checks_of_kernel(kit_checks *c, const drv *d, int k)
{
	runner r;
	if (runner_open(&r, d, k, true, kit_omp_max_threads())) {
		kit_check(c, KIT_FAIL, "observed no run: the problem for n = %llu could not be "
			  "made (message above)", (unsigned long long)n_for(d, k, true));
		return -1;
	}
	unsigned f = kern(d, k)->flags;
	if (d->validate)
		check_validate_sizes(c, d, &r);
	if (d->expect_parallel && !(f & KIT_EX_PROCESSES))
		check_parallel(c, &r);
	if (d->consistent)
		check_consistent(c, &r);
	if (d->same_across.n)
		check_same_across(c, &r);
	if (d->expect_children && (f & KIT_EX_PROCESSES))
		check_children(c, &r);
	runner_close(&r);
	return 0;
}

int run_checks(const drv *d)
{
	kit_checks c = { .quiet = d->quiet };
	if (!d->quiet) {
		kit_env_print(stdout);
		if (d->ex->print_config) {
			kit_ex_ctx c = ctx_for(d, all_kernels(d) ? 0 : d->kernel, true, 1);
			d->ex->print_config(&c);
		}
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
		if (checks_of_kernel(&c, d, k)) {
			kit_checks_finish(&c);
			return KIT_EXIT_USAGE;
		}
	}
	return kit_checks_finish(&c);
}

