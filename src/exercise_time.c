/*
 * exercise_time.c - the plain run: validate, time with the one protocol, print the table,
 * the scaling and the files (exercise.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exercise.h"
#include "exercise_internal.h"
#include "kit.h"

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
	kit_buf m = { 0 };
	bool ok = r->d->ex->validate(r->prob, &r->c, r->result, &m);
	if (r->d->ex->columns)	/* after validate, which may keep figures for them */
		r->d->ex->columns(res, r->prob, &r->c, r->result);
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
	if (!d->ex->own_threads_column)
		kit_results_num(res, "threads", t, "%.0f");
	if (kern(d, k)->flags & KIT_EX_PROCESSES)
		kit_results_num(res, "procs", d->procs ? d->procs : t, "%.0f");
	double once = checked_run(res, r);
	if (once < 0)
		return -1;
	kit_timing_opts to = timing_opts(d, k, t, once, r->c.n);
	kit_busy *busy = kit_busy_begin();
	if (kit_time(timed_fn, r, &to, &kp->tm)) {
		kit_busy_end(busy, 0.25);
		kit_results_valid(res, false, "the kernel failed to run");
		return -1;
	}
	/* Who really worked, when the span is long enough to see (kit.h). */
	int nbusy = kit_busy_end(busy, 0.25);
	if (nbusy >= 0 && kp->tm.wall.median * (double)kp->tm.wall.n >= 0.2)
		kit_results_num(res, "busy_threads", nbusy, "%.0f");
	kit_ex_work w = d->ex->work ? d->ex->work(&r->c) : (kit_ex_work){ 0 };
	kit_kernel kk = { .name = kern(d, k)->func, .flops = w.flops, .bytes = w.bytes };
	kit_results_timing(res, &kp->tm, &kk);
	if (d->ex->timed)
		d->ex->timed(&r->c, &kp->tm, w);
	rate_columns(res, d, &r->c, kp->tm.wall.median);
	kit_results_valid(res, true, NULL);
	snprintf(kp->label, sizeof(kp->label), "%s at %d thread%s", kern(d, k)->name, t,
		 plural(t));
	return kp->tm.wall.median;
}

/* Times kernel K at every thread count; fills SC and sets *HAVE when 2 or
 * more are valid. -1 when its problem could not be made (make said why). */
static int time_kernel(kit_results *res, const drv *d, int k, kept *kp, kit_progress *pr,
		       kit_scaling *sc, bool *have)
{
	runner r;
	size_t nt = d->threads.n, ok = 0;
	if (runner_open(&r, d, k, false, d->threads.v[0]))
		return -1;
	int *p = kit_xcalloc(nt, sizeof(*p));
	double *tt = kit_xcalloc(nt, sizeof(*tt));
	{
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
	}
	*have = nt > 1 && ok > 1 && kit_scaling_of(p, tt, ok, sc) == 0;
	free(p);
	free(tt);
	return 0;
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

int run_timing(const drv *d)
{
	const kit_exercise *ex = d->ex;
	int nk = all_kernels(d) ? ex->nkernels : 1;
	size_t nt = d->threads.n;
	kept *kp = kit_xcalloc((size_t)ex->nkernels * nt, sizeof(*kp));
	kit_scaling *sc = kit_xcalloc((size_t)ex->nkernels, sizeof(*sc));
	bool *have = kit_xcalloc((size_t)ex->nkernels, sizeof(*have));
	char title[160];
	snprintf(title, sizeof(title), "%s: time by kernel and threads", ex->title);
	if (ex->table_title)
		snprintf(title, sizeof(title), "%s", ex->table_title);
	kit_results *res = kit_results_new(ex->program, title);
	if (d->n_set)
		kit_results_config(res, "n", "%llu", (unsigned long long)d->n);
	kit_results_config(res, "seed", "%llu", (unsigned long long)d->seed);
	kit_results_config(res, "kernel", "%s", d->choices[d->kernel]);
	kit_progress pr;
	kit_progress_begin(&pr, ex->program, (size_t)nk * nt);
	int rc = KIT_EXIT_OK;
	for (int k = 0; k < ex->nkernels && rc == KIT_EXIT_OK; k++)
		if (all_kernels(d) || d->kernel == k) {
			if (!d->n_set && nk == 1)
				kit_results_config(res, "n", "%llu",
						   (unsigned long long)n_for(d, k, false));
			if (time_kernel(res, d, k, &kp[(size_t)k * nt], &pr, &sc[k], &have[k]))
				rc = KIT_EXIT_USAGE;
		}
	kit_progress_end(&pr);
	if (rc == KIT_EXIT_OK) {
		kit_results_print(res, stdout);
		fflush(stdout);
		for (size_t i = 0; i < (size_t)ex->nkernels * nt; i++)
			if (kp[i].tm.samples)
				kit_timing_warnings(&kp[i].tm, kp[i].label);
		fflush(stderr);
		if (ex->summary)
			ex->summary();
		rc = finish_timing(d, res, sc, have, nk);
	}
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

