/*
 * NAME
 *   demos.c - the live-class demos of exercise 02 (demos.h).
 *
 * PURPOSE
 *   Two short experiments an instructor runs in front of a room, each with a
 *   title, one paragraph of what to notice, a progress bar, a checked table,
 *   a terminal chart, and CSV + JSON + PNG for the slides:
 *     blas   the Python lesson's experiment in C: one large dgemm timed once per
 *            OMP_NUM_THREADS = 1 .. 2 x logical CPUs, each a fresh process;
 *            speed-up against the ideal line: "how many cores does this
 *            machine have?"
 *     batch  many small dgemms: BLAS threads inside each call, OpenMP threads
 *            outside over the batch, both at once (nesting allowed), and the
 *            trap openblas_set_num_threads(1), at several matrix sizes
 *   Both run with OPENBLAS_CORETYPE set to the fix when OpenBLAS fell back to
 *   a generic core on this CPU, and say so.
 *
 * USAGE
 *   ./kit demo blas                       or: gemm-demos --demo NAME [--quick] [--out DIR]
 *   build/demos/02-blas-threads/gemm-demos --demo batch --quick --out /tmp/batch
 *
 * NOTES
 *   blas: n = 2048 (--quick 256), 3 timed runs per process. batch: about
 *   0.5 GFLOP per batch (--quick 0.05) and at most 64 MiB of matrices, at
 *   n = 16, 32, 64, 128, 256 (--quick 32, 128).
 *   Files: DIR/NAME.csv, DIR/NAME.json, DIR/NAME.png (blas: blas-speedup.png
 *   and blas-time.png), DIR = opts->out_dir or results/demos/NAME.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cblas.h>
#include <cjson/cJSON.h>

#include "demos.h"
#include "gemm.h"
#include "gemm_check.h"
#include "kit.h"

const char *const gemm_demo_names[] = { "blas", "batch", NULL };

const char *gemm_reference(void)
{
	static char path[PATH_MAX + 64];
	if (!path[0]) {
		char exe[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		exe[n > 0 ? n : 0] = '\0';
		/* BUILD/demos/02-blas-threads/gemm-demos -> BUILD */
		for (int up = 0; up < 3; up++) {
			char *slash = strrchr(exe, '/');
			if (slash)
				*slash = '\0';
		}
		snprintf(path, sizeof(path), "%s/solutions/02-blas-threads/gemm", exe);
	}
	return path;
}

#define MAX_SWEEP 64

/* ------------------------------------------------------------------------
 * What both demos share
 */

/* DIR for demo NAME: O->out_dir, or results/demos/NAME under the kit's root. */
static int demo_dir(char *dir, size_t len, const char *kind, const char *name,
		    const gemm_demo_opts *o)
{
	if (o->out_dir && *o->out_dir)
		snprintf(dir, len, "%s", o->out_dir);
	else
		snprintf(dir, len, "%s/results/%s/%s", kit_root(), kind, name);
	return kit_mkdirs(dir);
}

/* The core to run with: the fix when OpenBLAS fell back to a generic core
 * (and OPENBLAS_CORETYPE is not set already), else NULL. Prints a line. */
static const char *pick_coretype(char *buf, size_t len)
{
	kit_blas_info b;
	kit_blas_get(&b);
	if (!b.fallback || !b.fix[0])
		return NULL;
	const char *eq = strchr(b.fix, '=');
	snprintf(buf, len, "%s", eq ? eq + 1 : b.fix);
	printf("OpenBLAS chose its generic %s core on this CPU: this demo runs with %s,\n"
	       "the core that matches it (about 4-5x faster; README.md shows how).\n\n",
	       b.core, b.fix);
	return buf;
}

static void intro(const char *name, const char *title, const char *notice)
{
	printf("\n== Demo %s: %s ==\n\n", name, title);
	printf("What to notice: %s\n\n", notice);
	kit_env_print(stdout);
	if (!kit_omp_enabled())
		printf("This build has no OpenMP: OpenBLAS still follows OMP_NUM_THREADS, "
		       "the loops here do not.\n");
	printf("\n");
	fflush(stdout);
}

/* Writes DIR/NAME.csv and DIR/NAME.json and names them. 0, or -1. */
static int write_files(const char *dir, const char *name, const kit_results *r)
{
	char csv[PATH_MAX + 16], json[PATH_MAX + 16];
	snprintf(csv, sizeof(csv), "%s/%s.csv", dir, name);
	snprintf(json, sizeof(json), "%s/%s.json", dir, name);
	if (kit_results_write_csv(r, csv) || kit_results_write_json(r, json))
		return -1;
	printf("Wrote %s, %s", csv, json);
	return 0;
}

/* ------------------------------------------------------------------------
 * blas: the Python lesson's experiment, one fresh process per OMP_NUM_THREADS
 */

static int demo_blas(const gemm_demo_opts *o)
{
	char dir[PATH_MAX], corebuf[64];
	if (demo_dir(dir, sizeof(dir), "demos", "blas", o))
		return KIT_EXIT_USAGE;
	intro("blas", "one large matrix product, once per OMP_NUM_THREADS",
	      "each thread count runs in a fresh process, as the Python lesson's "
	      "`OMP_NUM_THREADS=4 python timing.py` did. The speed-up climbs while "
	      "threads get cores of their own and stops at the number of physical "
	      "cores: read the core count off the curve. Logical CPUs beyond the cores "
	      "(hyper-threads) add little to dgemm, which keeps the FMA units busy; "
	      "threads beyond the logical CPUs take turns.");
	const char *core = pick_coretype(corebuf, sizeof(corebuf));

	kit_topo topo;
	kit_topo_get(&topo);
	int pus = topo.pus > 0 ? topo.pus : 1;
	int th[MAX_SWEEP];
	size_t nth = 0;
	if (o->threads && o->nthreads) {
		for (size_t i = 0; i < o->nthreads && nth < MAX_SWEEP; i++)
			th[nth++] = o->threads[i];
	} else {
		int upto = o->quick ? (pus < 2 ? pus : 2) : 2 * pus;
		for (int t = 1; t <= upto && nth < MAX_SWEEP; t++)
			th[nth++] = t;
	}
	int n = o->n ? o->n : o->quick ? 256 : 2048;

	kit_results *r = kit_results_new("gemm", "gemm_blas: one product per OMP_NUM_THREADS");
	kit_results_config(r, "demo", "blas");
	kit_results_config(r, "n", "%d", n);
	kit_results_config(r, "processes", "one per thread count, 3 timed runs each");
	kit_results_config(r, "OPENBLAS_CORETYPE", "%s", core ? core : "(as detected)");
	kit_results_config(r, "cores", "%d physical, %d logical CPUs", topo.cores, pus);

	gemm_child ch[MAX_SWEEP];
	int p[MAX_SWEEP];
	double t[MAX_SWEEP];
	size_t done = 0;
	int rc = KIT_EXIT_OK;
	kit_progress pg;
	kit_progress_begin(&pg, "demo blas", nth);
	for (size_t i = 0; i < nth; i++) {
		char what[64];
		snprintf(what, sizeof(what), "OMP_NUM_THREADS=%d", th[i]);
		kit_progress_step(&pg, what);
		gemm_child_opts co = { .program = gemm_reference(), .kernel = "blas", .n = n, .count = 1, .threads = th[i],
				       .coretype = core, .reps = 3, .timeout = 300 };
		gemm_run_child(&co, &ch[i]);
		if (!ch[i].ok) {
			kit_progress_end(&pg);
			kit_error("%s", ch[i].why);
			rc = ch[i].invalid ? KIT_EXIT_INVALID : KIT_EXIT_USAGE;
			break;
		}
		p[done] = th[i];
		t[done++] = ch[i].median_s;
	}
	kit_progress_end(&pg);

	for (size_t i = 0; i < done; i++) {
		char label[64];
		snprintf(label, sizeof(label), "OMP_NUM_THREADS=%d", p[i]);
		kit_results_row(r, label);
		kit_results_num(r, "threads", p[i], "%.0f");
		kit_results_num(r, "blas_threads", ch[i].blas_threads, "%.0f");
		kit_results_num(r, "median_s", t[i], "%.4f");
		kit_results_num(r, "gflops", ch[i].gflops, "%.1f");
		kit_results_num(r, "speedup", t[0] * p[0] / t[i], "%.2f");
		kit_results_num(r, "efficiency", t[0] * p[0] / t[i] / p[i], "%.2f");
		kit_results_str(r, "core", ch[i].core);
		kit_results_valid(r, true, NULL);
	}
	kit_scaling s = { 0 };
	bool have_s = done > 1 && kit_scaling_of(p, t, done, &s) == 0;
	if (have_s)
		kit_results_scaling(r, &s);
	kit_results_print(r, stdout);

	/* Where the curve stops climbing: the first thread count whose speed-up
	 * is within 10% of the best. */
	if (done > 1) {
		double best = 0;
		for (size_t i = 0; i < done; i++)
			best = fmax(best, t[0] * p[0] / t[i]);
		int knee = p[0];
		for (size_t i = 0; i < done; i++)
			if (t[0] * p[0] / t[i] >= 0.9 * best) {
				knee = p[i];
				break;
			}
		printf("\nNotes:\n");
		printf("  - the speed-up reaches %.2f and stops climbing at %d thread%s: a guess of "
		       "%d core%s.\n    This machine: %d physical core%s, %d logical CPU%s (lscpu).\n",
		       best, knee, knee == 1 ? "" : "s", knee, knee == 1 ? "" : "s", topo.cores,
		       topo.cores == 1 ? "" : "s", pus, pus == 1 ? "" : "s");
		bool same = true;
		for (size_t i = 0; i < done; i++)
			same &= ch[i].blas_threads == (p[i] < 64 ? p[i] : 64);
		printf("  - openblas_get_num_threads() %s OMP_NUM_THREADS in every process%s.\n",
		       same ? "followed" : "did NOT follow",
		       same ? "" : " (is this OpenBLAS's OpenMP build? ./kit doctor)");
	}
	char prefix[PATH_MAX + 16];
	snprintf(prefix, sizeof(prefix), "%s/blas", dir);
	bool pngs = false;
	if (have_s) {
		fflush(stdout);
		printf("\n");
		pngs = kit_plot_scaling(&s, "dgemm: speed-up over OMP_NUM_THREADS", prefix,
					o->quiet ? NULL : stdout) == 0;
	}
	if (write_files(dir, "blas", r))
		rc = KIT_EXIT_USAGE;
	else if (pngs)
		printf(", %s-speedup.png, %s-time.png", prefix, prefix);
	printf("\n");
	if (have_s)
		kit_scaling_free(&s);
	kit_results_free(r);
	return rc;
}

/* ------------------------------------------------------------------------
 * batch: threads outside the library vs inside it
 */

enum strategy { S_ONE, S_INSIDE, S_OUTSIDE, S_BOTH, S_TRAP, S_COUNT };

static const char *const strategy_name[S_COUNT] = {
	[S_ONE] = "1 thread",
	[S_INSIDE] = "BLAS threads inside",
	[S_OUTSIDE] = "OpenMP threads outside",
	[S_BOTH] = "both (nesting allowed)",
	[S_TRAP] = "outside + set_num_threads(1)",
};

struct batch_run {
	int strategy, threads;
	gemm_mats *m;
};

static void dgemm_one(const gemm_mats *m, int b)
{
	size_t off = (size_t)b * m->nn;
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m->n, m->n, m->n, 1.0,
		    m->A + off, m->n, m->B + off, m->n, 0.0, m->C + off, m->n);
}

static int batch_fn(void *ctx)
{
	struct batch_run *x = ctx;
	const gemm_mats *m = x->m;
	if (x->strategy == S_ONE || x->strategy == S_INSIDE) {
		for (int b = 0; b < m->count; b++)
			dgemm_one(m, b);
		return 0;
	}
#pragma omp parallel for schedule(static)
	for (int b = 0; b < m->count; b++)
		dgemm_one(m, b);
	return 0;
}

/* Sets the threads for strategy S; undone by batch_restore. */
static void batch_setup(int s, int threads)
{
	kit_omp_set_threads(s == S_ONE ? 1 : threads);
#ifdef _OPENMP
	omp_set_max_active_levels(s == S_BOTH ? 2 : 1);
#endif
	if (s == S_TRAP)
		openblas_set_num_threads(1);	/* also omp_set_num_threads(1) in 0.3.21 */
}

static void batch_restore(int threads)
{
	openblas_set_num_threads(threads);
	kit_omp_set_threads(threads);
#ifdef _OPENMP
	omp_set_max_active_levels(1);
#endif
}

static int demo_batch(const gemm_demo_opts *o)
{
	char dir[PATH_MAX];
	if (demo_dir(dir, sizeof(dir), "demos", "batch", o))
		return KIT_EXIT_USAGE;
	kit_blas_info b0;
	kit_blas_get(&b0);
	intro("batch", "many small products: threads outside or inside the library?",
	      "'BLAS threads inside' shares each small product among the threads: "
	      "they start, split a little work and wait, for every product (and below "
	      "about 64x64 OpenBLAS does not even try). 'OpenMP threads outside' gives "
	      "each thread whole products. 'Both' allows nesting, yet the busy threads "
	      "never exceed the CPUs: OpenBLAS's OpenMP build runs serially inside a "
	      "parallel region (it checks omp_in_parallel), so it cannot oversubscribe. "
	      "The last row is the trap: openblas_set_num_threads(1) also sets "
	      "OpenMP's thread count to 1 in this build, and the outer loop runs alone.");
	if (b0.fallback)
		printf("(OpenBLAS uses its generic %s core here: rerun with %s for 4-5x the "
		       "GFLOP/s; the comparison between rows holds either way.)\n\n",
		       b0.core, b0.fix);

	int threads = kit_omp_max_threads();
	if (o->threads && o->nthreads)
		threads = o->threads[o->nthreads - 1];
	static const int sizes_full[] = { 16, 32, 64, 128, 256 };
	static const int sizes_quick[] = { 32, 128 };
	int single[1] = { o->n };
	const int *sizes = o->n ? single : o->quick ? sizes_quick : sizes_full;
	size_t nsizes = o->n ? 1 : o->quick ? 2 : 5;
	double flops_target = o->quick ? 5e7 : 5e8;
	double mem_cap = 64.0 * (1 << 20);

	kit_results *r = kit_results_new("gemm", "many small dgemms: where the threads go");
	kit_results_config(r, "demo", "batch");
	kit_results_config(r, "threads", "%d (OMP_NUM_THREADS or --threads)", threads);
	kit_results_config(r, "batch", "about %.2g flops per batch, at most 64 MiB of matrices",
			   flops_target);

	kit_timing_opts topt = { .warmup = 1, .min_reps = 3, .min_time = o->quick ? 0.1 : 0.25,
				 .max_reps = 200 };
	double gf[8][S_COUNT];
	int rc = KIT_EXIT_OK;
	kit_progress pg;
	kit_progress_begin(&pg, "demo batch", nsizes * S_COUNT);
	for (size_t si = 0; si < nsizes; si++) {
		int n = sizes[si];
		double per = 2.0 * n * (double)n * n;
		double cnt = fmin(flops_target / per, mem_cap / (24.0 * n * n));
		int count = o->count ? o->count : (int)fmax(cnt, 2.0 * threads);
		gemm_mats m;
		if (gemm_mats_new(&m, n, count, o->seed, 0)) {
			rc = KIT_EXIT_USAGE;
			break;
		}
		for (int s = 0; s < S_COUNT; s++) {
			char what[96], label[96];
			snprintf(what, sizeof(what), "n = %d, %s", n, strategy_name[s]);
			kit_progress_step(&pg, what);
			struct batch_run x = { .strategy = s, .threads = threads, .m = &m };
			batch_setup(s, threads);
			gemm_mats_poison(&m);
			batch_fn(&x);
			gemm_verdict v = gemm_check(&m, o->seed);
			kit_timing tm;
			kit_busy *busy = kit_busy_begin();
			kit_time(batch_fn, &x, &topt, &tm);
			int nbusy = kit_busy_end(busy, 0.25);
			kit_blas_info b;
			kit_blas_get(&b);
			int omp_now = kit_omp_max_threads();
			batch_restore(threads);

			snprintf(label, sizeof(label), "n=%d %s", n, strategy_name[s]);
			kit_results_row(r, label);
			kit_results_num(r, "n", n, "%.0f");
			kit_results_num(r, "count", count, "%.0f");
			kit_results_num(r, "omp_threads", omp_now, "%.0f");
			kit_results_num(r, "busy_threads", nbusy, "%.0f");
			kit_kernel k = { .name = "batch", .flops = per * count };
			kit_results_timing(r, &tm, &k);
			gf[si][s] = k.flops / tm.wall.median / 1e9;
			kit_results_num(r, "vs_1_thread", gf[si][s] / gf[si][S_ONE], "%.2f");
			kit_results_valid(r, v.ok, v.ok ? NULL : v.why);
			if (!v.ok)
				rc = KIT_EXIT_INVALID;
			kit_timing_free(&tm);
		}
		gemm_mats_free(&m);
	}
	kit_progress_end(&pg);
	kit_results_print(r, stdout);

	if (rc != KIT_EXIT_USAGE && nsizes > 0) {
		printf("\nNotes:\n");
		printf("  - 'vs_1_thread' is the speed-up over one thread at the same n; "
		       "'busy_threads' counts the threads\n    that did work while timing "
		       "(never more than %d here: no oversubscription).\n", threads);
		size_t last = nsizes - 1;
		printf("  - at n = %d: outside %.1f GFLOP/s, inside %.1f, both %.1f; "
		       "the trap %.1f (one thread).\n", sizes[last], gf[last][S_OUTSIDE],
		       gf[last][S_INSIDE], gf[last][S_BOTH], gf[last][S_TRAP]);
	}

	/* GFLOP/s by n, one line per strategy. */
	double xs[8];
	double ys[S_COUNT][8];
	kit_series series[S_COUNT];
	for (size_t si = 0; si < nsizes; si++)
		xs[si] = sizes[si];
	for (int s = 0; s < S_COUNT; s++) {
		for (size_t si = 0; si < nsizes; si++)
			ys[s][si] = gf[si][s];
		series[s] = (kit_series){ strategy_name[s], xs, ys[s], nsizes };
	}
	kit_plot plot = { .title = "many small dgemms: GFLOP/s by matrix size",
			  .xlabel = "n (matrix order)", .ylabel = "GFLOP/s", .yzero = true,
			  .series = series, .nseries = S_COUNT, .logx = nsizes > 1 };
	if (rc != KIT_EXIT_USAGE && nsizes > 1 && !o->quiet) {
		fflush(stdout);
		printf("\n");
		kit_plot_text(&plot, stdout, 0, 0);
	}
	char png[PATH_MAX + 16];
	snprintf(png, sizeof(png), "%s/batch.png", dir);
	if (rc != KIT_EXIT_USAGE && write_files(dir, "batch", r))
		rc = KIT_EXIT_USAGE;
	else if (rc != KIT_EXIT_USAGE && kit_plot_png(&plot, png) == 0)
		printf(", %s", png);
	printf("\n");
	kit_results_free(r);
	return rc;
}

int gemm_demo(const char *name, const gemm_demo_opts *o)
{
	static const gemm_demo_opts none = { 0 };
	if (!o)
		o = &none;
	if (!strcmp(name, "blas"))
		return demo_blas(o);
	if (!strcmp(name, "batch"))
		return demo_batch(o);
	kit_error("no demo '%s'; the demos are: blas, batch", name);
	return KIT_EXIT_USAGE;
}
