/*
 * NAME
 *   bench.c - the benchmark of exercise 02 (demos.h: gemm_bench).
 *
 * PURPOSE
 *   GFLOP/s of gemm_blas at n = 1024, 2048, 4096 on 1 .. logical CPUs
 *   threads, each run a fresh process with OMP_NUM_THREADS set: with
 *   OpenBLAS's own choice of core and, when that is a generic fallback on an
 *   AVX2/AVX-512 CPU, again with OPENBLAS_CORETYPE set to the fix; the
 *   fraction of the FMA peak measured in this process (kit_machine_measure),
 *   speed-up and efficiency. Where /usr/bin/python3 has numpy, the Python lesson's
 *   `x @ x` (matmul.py) under the same settings in the same run: numpy calls
 *   the same OpenBLAS, so the two must agree within 15%; the gap is printed.
 *   Then the speed targets beside the measured values, each marked met
 *   or not met. Speed is reported, never asserted: the exit status says only
 *   whether every product passed its check.
 *
 * USAGE
 *   ./kit bench blas                      (gemm --bench)
 *   build/solutions/02-blas-threads/gemm --bench --quick --out /tmp/bench
 *
 * NOTES
 *   Runs: 3 timed products after a checked one (which is the warm-up); with
 *   the fallback core 1 (it is 4-5x slower, and the point is the gap).
 *   --quick: n = 256, 512, threads 1 .. min(2, CPUs), 1 timed run.
 *   numpy: one warm-up product, then the same number of timed ones, median;
 *   each setting a fresh /usr/bin/python3 (not the python3 on PATH, which may
 *   be another interpreter without numpy). Files: DIR/blas.csv,
 *   DIR/blas.json, DIR/blas.png (GFLOP/s by threads), DIR/blas-speedup.png
 *   and DIR/blas-time.png (the largest n), DIR = opts->out_dir or
 *   results/bench/blas.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "demos.h"
#include "kit.h"

#define PYTHON "/usr/bin/python3"
#define MAX_T 16		/* thread counts */
#define MAX_N 4
#define ROUNDS 3		/* every row measured this often, interleaved (--quick: 1) */

/* The speed targets this benchmark reports. */
#define TARGET_FRAC_1T 0.8	/* of the FMA peak, 1 thread, n = 2048, right core */
#define TARGET_SPEEDUP 1.6	/* 1 -> 2 threads at n = 4096 */
#define TARGET_NUMPY_GAP 0.15	/* |numpy / C - 1| */

struct py {
	bool ok;
	double median_s, gflops;
	char version[64];
	char why[256];
};

/* The Python lesson's x @ x at N with THREADS and CORE, REPS timed runs, fresh
 * /usr/bin/python3. */
static void time_numpy(struct py *py, const char *script, int n, int threads,
		       const char *core, int reps)
{
	char nbuf[32], rbuf[32], omp[48], cbuf[96];
	snprintf(nbuf, sizeof(nbuf), "%d", n);
	snprintf(rbuf, sizeof(rbuf), "%d", reps);
	snprintf(omp, sizeof(omp), "OMP_NUM_THREADS=%d", threads);
	char *argv[] = { PYTHON, (char *)script, nbuf, rbuf, NULL };
	const char *env[3] = { omp, NULL, NULL };
	if (core) {
		snprintf(cbuf, sizeof(cbuf), "OPENBLAS_CORETYPE=%s", core);
		env[1] = cbuf;
	}
	kit_proc_opts po = { .timeout = 600, .setenv = env, .capture = true };
	kit_proc_result r;
	memset(py, 0, sizeof(*py));
	if (kit_proc_run(argv, &po, &r) != 0) {
		snprintf(py->why, sizeof(py->why), "%s could not start", PYTHON);
		kit_proc_result_free(&r);
		return;
	}
	if (r.timed_out || r.signal || r.exit_code != 0) {
		if (!r.timed_out && !r.signal && r.exit_code == 3)
			snprintf(py->why, sizeof(py->why),
				 "numpy is not installed for %s (apt install python3-numpy)", PYTHON);
		else
			snprintf(py->why, sizeof(py->why), "matmul.py: %s", kit_proc_describe(&r));
		kit_proc_result_free(&r);
		return;
	}
	cJSON *j = cJSON_Parse(r.out ? r.out : "");
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "median_s");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "numpy");
	if (cJSON_IsNumber(s) && s->valuedouble > 0) {
		py->ok = true;
		py->median_s = s->valuedouble;
		py->gflops = 2.0 * n * (double)n * n / py->median_s / 1e9;
		snprintf(py->version, sizeof(py->version), "numpy %s",
			 cJSON_IsString(v) ? v->valuestring : "?");
	} else {
		snprintf(py->why, sizeof(py->why), "matmul.py printed no timing");
	}
	cJSON_Delete(j);
	kit_proc_result_free(&r);
}

/* One configuration: a core, a size, a thread count. */
struct cfg {
	const char *core;	/* OPENBLAS_CORETYPE, or NULL: the library's own */
	int n, threads;
	gemm_child c;
	struct py py;
	bool have_py;
	double cg[ROUNDS], pg[ROUNDS];	/* GFLOP/s of C and numpy, a round each */
	int nc, np;
	double spread;		/* C's (max - min) / median over the rounds */
};

/* The median of the N figures at X, and (max - min) / median in *SPREAD. */
static double median_of(const double *x, int n, double *spread)
{
	kit_stats s;
	if (n < 1 || kit_stats_of(x, (size_t)n, &s))
		return NAN;
	if (spread)
		*spread = s.median > 0 ? (s.max - s.min) / s.median : NAN;
	return s.median;
}

/* Each row's figures become its medians over the rounds: a single product
 * on a machine whose speed drifts can be off by a third. */
static void keep_medians(struct cfg *x)
{
	double g = median_of(x->cg, x->nc, &x->spread);
	if (x->nc > 0 && g > 0) {
		x->c.gflops = g;
		x->c.median_s = 2.0 * x->n * x->n * (double)x->n / (g * 1e9);
	}
	if (x->np > 0)
		x->py.gflops = median_of(x->pg, x->np, NULL);
}

int gemm_bench(const gemm_demo_opts *o)
{
	static const gemm_demo_opts none = { 0 };
	if (!o)
		o = &none;
	kit_topo topo;
	kit_topo_get(&topo);
	int pus = topo.pus > 0 ? topo.pus : 1;

	int th[MAX_T], sizes[MAX_N];
	size_t nth = 0, nn = 0;
	if (o->threads && o->nthreads) {
		for (size_t i = 0; i < o->nthreads && nth < MAX_T; i++)
			th[nth++] = o->threads[i];
	} else {
		int upto = o->quick ? (pus < 2 ? pus : 2) : pus;
		for (int t = 1; t <= upto && nth < MAX_T; t++)
			th[nth++] = t;
	}
	if (o->n) {
		sizes[nn++] = o->n;
	} else if (o->quick) {
		sizes[nn++] = 256;
		sizes[nn++] = 512;
	} else {
		sizes[nn++] = 1024;
		sizes[nn++] = 2048;
		sizes[nn++] = 4096;
	}

	char dir[PATH_MAX];
	if (o->out_dir && *o->out_dir)
		snprintf(dir, sizeof(dir), "%s", o->out_dir);
	else
		snprintf(dir, sizeof(dir), "%s/results/bench/blas", kit_root());
	if (kit_mkdirs(dir))
		return KIT_EXIT_USAGE;

	printf("\n== Benchmark blas: gemm_blas by size, threads and OpenBLAS core ==\n\n");
	/* A core type you set is used for every run; one the kit set (its fix for
	 * a fallback core) is taken away here, so that OpenBLAS's own choice is
	 * measured beside the fix. */
	const char *given = getenv("OPENBLAS_CORETYPE");
	const char *by_kit = getenv("KIT_OPENBLAS_CORETYPE_BY_KIT");
	bool yours = given && !(by_kit && !strcmp(by_kit, given));
	if (yours) {
		printf("(OPENBLAS_CORETYPE=%s is set by you: every run uses it)\n", given);
		given = NULL;	/* nothing to restore */
	} else if (given) {
		unsetenv("OPENBLAS_CORETYPE");
	}
	kit_env_print(stdout);
	fflush(stdout);

	/* The FMA peak, in this process; --quick takes ./kit machine's figure,
	 * if any (measuring also streams 3 GiB through memory). */
	kit_machine mach = { 0 };
	const char *peak_from = "this process";
	if (!o->quick) {
		printf("\nMeasuring the FMA peak in this process (kit_machine_measure):\n");
		fflush(stdout);
		kit_machine_measure(&mach, true);
	} else if (kit_machine_load(&mach) == 0) {
		peak_from = "results/machine.json";
	} else {
		peak_from = "not measured with --quick";
		mach.threads_all = 1;
	}

	/* What core does the library pick in a fresh process? */
	gemm_child probe;
	gemm_child_opts po = { .program = gemm_reference(), .kernel = "blas", .n = 64, .count = 1, .threads = 1, .reps = 1,
			       .timeout = 60 };
	gemm_run_child(&po, &probe);
	if (!probe.ok) {
		kit_error("%s", probe.why);
		return probe.invalid ? KIT_EXIT_INVALID : KIT_EXIT_USAGE;
	}
	char fixcore[64] = "";
	if (probe.fallback && probe.fix[0]) {
		const char *eq = strchr(probe.fix, '=');
		snprintf(fixcore, sizeof(fixcore), "%s", eq ? eq + 1 : probe.fix);
		printf("\nOpenBLAS picks its generic %s core on this CPU: every run is made "
		       "twice, as it is and with %s.\n", probe.core, probe.fix);
	} else {
		printf("\nOpenBLAS picks the %s core on this CPU (no fallback): one set of runs.\n",
		       probe.core);
	}

	char script[PATH_MAX + 64];
	snprintf(script, sizeof(script), "%s/demos/02-blas-threads/matmul.py", kit_root());
	bool have_python = access(PYTHON, X_OK) == 0 && access(script, R_OK) == 0;
	char nopy[256];
	snprintf(nopy, sizeof(nopy), "%s", access(PYTHON, X_OK) ?
		 PYTHON " is not installed (apt install python3-numpy)" :
		 "matmul.py not found under KIT_ROOT");

	/* The configurations: the right core first (its figures are the
	 * targets'), then the fallback. */
	const char *cores[2] = { fixcore[0] ? fixcore : NULL, NULL };
	int ncores = fixcore[0] ? 2 : 1;
	size_t ncfg = (size_t)ncores * nn * nth;
	struct cfg *cfg = calloc(ncfg, sizeof(*cfg));
	if (!cfg)
		abort();
	size_t k = 0;
	for (int c = 0; c < ncores; c++)
		for (size_t i = 0; i < nn; i++)
			for (size_t j = 0; j < nth; j++)
				cfg[k++] = (struct cfg){ .core = cores[c], .n = sizes[i],
							 .threads = th[j] };

	int rc = KIT_EXIT_OK, rounds = o->quick ? 1 : ROUNDS;
	kit_progress pg;
	kit_progress_begin(&pg, "bench blas", ncfg * (size_t)rounds);
	size_t done = 0;
	for (int round = 0; round < rounds && rc == KIT_EXIT_OK; round++)
	for (k = 0, done = 0; k < ncfg; k++) {
		struct cfg *x = &cfg[k];
		bool fallback_run = ncores == 2 && !x->core;
		int reps = o->quick || fallback_run ? 1 : 3;
		char what[96];
		snprintf(what, sizeof(what), "n = %d, %d thread%s, %s", x->n, x->threads,
			 x->threads == 1 ? "" : "s", x->core ? x->core : probe.core);
		kit_progress_step(&pg, what);
		gemm_child_opts co = { .program = gemm_reference(), .kernel = "blas", .n = x->n, .count = 1,
				       .threads = x->threads, .coretype = x->core, .reps = reps,
				       .timeout = 600 };
		gemm_run_child(&co, &x->c);
		if (!x->c.ok) {
			kit_progress_end(&pg);
			kit_error("%s", x->c.why);
			rc = x->c.invalid ? KIT_EXIT_INVALID : KIT_EXIT_USAGE;
			break;
		}
		x->cg[x->nc++] = x->c.gflops;
		/* numpy: every setting of the right core; with the fallback
		 * only the smallest n (it is the same slow core, and slow). */
		if (have_python && (!fallback_run || x->n == sizes[0])) {
			time_numpy(&x->py, script, x->n, x->threads, x->core, reps);
			x->have_py = true;
			if (x->py.ok)
				x->pg[x->np++] = x->py.gflops;
		}
		done++;
	}
	kit_progress_end(&pg);
	for (k = 0; k < done; k++)
		keep_medians(&cfg[k]);

	kit_results *r = kit_results_new("gemm", "gemm_blas: GFLOP/s by n, threads and core");
	kit_results_config(r, "bench", "blas");
	kit_results_config(r, "FMA peak", "%.1f GFLOP/s on 1 thread, %.1f on %d (%s)",
			   mach.peak_gflops_1, mach.peak_gflops_all, mach.threads_all, peak_from);
	kit_results_config(r, "library core", "%s%s", probe.core,
			   fixcore[0] ? " (a generic fallback on this CPU)" : "");
	kit_results_config(r, "cores", "%d physical, %d logical CPUs", topo.cores, pus);
	kit_results_config(r, "runs", "a fresh process per row; %s",
			   o->quick ? "1 timed product" :
			   "3 timed products (1 with the fallback core) after a checked one");
	if (rounds > 1)
		kit_results_config(r, "rounds", "%d: every row (C and numpy) measured once a "
				   "round, one after the other; each row shows its median over "
				   "the rounds, 'spread' the range over the median", rounds);

	double frac_1t_2048 = NAN, speedup_4096 = NAN, worst_gap = NAN;
	int speedup_n = 0, frac_n = 0;
	char gaps[1024] = "", over[512] = "";
	size_t glen = 0, olen = 0;
	for (k = 0; k < done; k++) {
		struct cfg *x = &cfg[k];
		/* the 1-thread row of the same core and n */
		const struct cfg *base = NULL;
		for (size_t b = 0; b < done; b++)
			if (cfg[b].core == x->core && cfg[b].n == x->n && cfg[b].threads == th[0])
				base = &cfg[b];
		double sp = base ? base->c.median_s * th[0] / x->c.median_s : NAN;
		double peak = x->threads <= 1 ? mach.peak_gflops_1 :
			      mach.peak_gflops_all * fmin(x->threads, mach.threads_all) /
			      mach.threads_all;
		double frac = peak > 0 ? x->c.gflops / peak : NAN;
		char label[96];
		snprintf(label, sizeof(label), "C, %s, n=%d, %d thr", x->c.core, x->n, x->threads);
		kit_results_row(r, label);
		kit_results_str(r, "core", x->c.core);
		kit_results_num(r, "n", x->n, "%.0f");
		kit_results_num(r, "threads", x->threads, "%.0f");
		kit_results_num(r, "blas_threads", x->c.blas_threads, "%.0f");
		kit_results_num(r, "median_s", x->c.median_s, "%.4f");
		kit_results_num(r, "gflops", x->c.gflops, "%.1f");
		if (rounds > 1)
			kit_results_num(r, "spread", x->spread, "%.2f");
		kit_results_num(r, "frac_fma_peak", frac, "%.2f");
		kit_results_num(r, "speedup", sp, "%.2f");
		kit_results_num(r, "efficiency", sp / x->threads, "%.2f");
		if (x->threads > 1 && sp / x->threads > 1.0 && olen < sizeof(over))
			olen += (size_t)snprintf(over + olen, sizeof(over) - olen, "%sn = %d, %d threads "
						 "%.0f%%", olen ? "; " : "", x->n, x->threads,
						 100 * sp / x->threads);
		if (x->have_py && x->py.ok) {
			double gap = x->py.gflops / x->c.gflops - 1;
			kit_results_num(r, "numpy_gflops", x->py.gflops, "%.1f");
			kit_results_num(r, "numpy_gap", gap, "%+.2f");
			/* the target: the right core's rows (3 timed runs each) */
			if ((x->core || ncores == 1) &&
			    (isnan(worst_gap) || fabs(gap) > fabs(worst_gap)))
				worst_gap = gap;
			if (glen < sizeof(gaps))
				glen += (size_t)snprintf(gaps + glen, sizeof(gaps) - glen,
							 "%s%s n=%d %dt %+.0f%%", glen ? ", " : "",
							 x->c.core, x->n, x->threads, 100 * gap);
		}
		kit_results_valid(r, true, NULL);
		bool right = x->core || ncores == 1;
		int n_frac = nn == 3 ? 2048 : sizes[nn > 1 ? 1 : 0];
		int n_sp = sizes[nn - 1];
		if (right && x->threads == 1 && x->n == n_frac) {
			frac_1t_2048 = frac;
			frac_n = x->n;
		}
		if (right && x->threads == 2 && x->n == n_sp) {
			speedup_4096 = sp;
			speedup_n = x->n;
		}
	}
	kit_results_print(r, stdout);
	if (*over)
		printf("\nEfficiency above 100%% (%s): faster than that many 1-thread runs, which "
		       "no more cores can do\nby themselves. The rows were measured at different "
		       "moments, and this machine's speed drifts\n(the 'spread' column); a split "
		       "product also has more cache per thread. Read it as about 100%%.\n", over);

	/* The fix, in one line per size at 1 thread. */
	if (ncores == 2 && done == ncfg) {
		printf("\nThe fix (%s) against the library's own %s core, 1 thread:\n", probe.fix,
		       probe.core);
		for (size_t i = 0; i < nn; i++) {
			const struct cfg *a = NULL, *b = NULL;
			for (k = 0; k < done; k++)
				if (cfg[k].n == sizes[i] && cfg[k].threads == th[0])
					*(cfg[k].core ? &a : &b) = &cfg[k];
			if (a && b)
				printf("  n = %-5d %6.1f GFLOP/s against %5.1f: %.1fx\n", sizes[i],
				       a->c.gflops, b->c.gflops, a->c.gflops / b->c.gflops);
		}
	}
	if (have_python) {
		printf("\nnumpy's x @ x against the C harness, same settings (gap = numpy / C - 1): "
		       "%s\n", *gaps ? gaps : "no run");
		for (k = 0; k < done; k++)
			if (cfg[k].have_py && !cfg[k].py.ok) {
				printf("  numpy not measured: %s\n", cfg[k].py.why);
				break;
			}
	} else {
		printf("\nnumpy: not measured: %s\n", nopy);
	}

	/* Targets. */
	printf("\nTargets (reported, not asserted):\n");
	struct {
		const char *what, *want;
		double v, need;
		bool lower_better;
		char shown[48];
	} tg[3] = {
		{ "1 thread, frac of FMA peak", ">= 0.80", frac_1t_2048, TARGET_FRAC_1T, false, "" },
		{ "speed-up 1 -> 2 threads", ">= 1.60", speedup_4096, TARGET_SPEEDUP, false, "" },
		{ "numpy vs C, largest gap (right core)", "<= 15%", fabs(worst_gap), TARGET_NUMPY_GAP, true, "" },
	};
	snprintf(tg[0].shown, sizeof(tg[0].shown), "%.2f (n = %d)", frac_1t_2048, frac_n);
	snprintf(tg[1].shown, sizeof(tg[1].shown), "%.2f (n = %d)", speedup_4096, speedup_n);
	snprintf(tg[2].shown, sizeof(tg[2].shown), "%+.0f%%", 100 * worst_gap);
	for (int i = 0; i < 3; i++) {
		const char *mark = isnan(tg[i].v) ? "not measured" :
				   (tg[i].lower_better ? tg[i].v <= tg[i].need : tg[i].v >= tg[i].need)
				   ? "met" : "NOT MET";
		printf("  %-38s  %-8s  %-16s  %s\n", tg[i].what, tg[i].want,
		       isnan(tg[i].v) ? "-" : tg[i].shown, mark);
		char key[96];
		snprintf(key, sizeof(key), "target: %s", tg[i].what);
		kit_results_config(r, key, "%s; measured %s; %s", tg[i].want,
				   isnan(tg[i].v) ? "-" : tg[i].shown, mark);
	}
	if (o->quick)
		printf("  (--quick: small n, so these are not the targets' sizes)\n");
	double load[1];
	if (getloadavg(load, 1) == 1 && load[0] > pus + 0.5)
		printf("  (load average %.1f on %d CPUs: the machine was not quiet; the "
		       "speed-up target assumes it is)\n", load[0], pus);

	/* Charts: GFLOP/s by threads per size (the right core), and the scaling
	 * of the largest size. */
	double xs[MAX_N][MAX_T], ys[MAX_N][MAX_T];
	char titles[MAX_N][48];
	kit_series series[MAX_N];
	size_t ns = 0;
	int sp_p[MAX_T];
	double sp_t[MAX_T];
	size_t nsp = 0;
	for (size_t i = 0; i < nn; i++) {
		size_t m = 0;
		for (k = 0; k < done; k++)
			if (cfg[k].core == cores[0] && cfg[k].n == sizes[i]) {
				xs[ns][m] = cfg[k].threads;
				ys[ns][m++] = cfg[k].c.gflops;
				if (i == nn - 1) {
					sp_p[nsp] = cfg[k].threads;
					sp_t[nsp++] = cfg[k].c.median_s;
				}
			}
		if (m) {
			snprintf(titles[ns], sizeof(titles[ns]), "n = %d", sizes[i]);
			series[ns] = (kit_series){ titles[ns], xs[ns], ys[ns], m };
			ns++;
		}
	}
	char png[PATH_MAX + 32], prefix[PATH_MAX + 16];
	snprintf(png, sizeof(png), "%s/blas.png", dir);
	snprintf(prefix, sizeof(prefix), "%s/blas", dir);
	kit_plot plot = { .title = "dgemm GFLOP/s by threads", .xlabel = "threads",
			  .ylabel = "GFLOP/s", .series = series, .nseries = ns,
			  .peak = mach.peak_gflops_all, .peak_title = "FMA peak, all CPUs",
			  .yzero = true };
	kit_scaling s = { 0 };
	bool have_s = nsp > 1 && kit_scaling_of(sp_p, sp_t, nsp, &s) == 0;
	if (have_s && !o->quiet) {
		printf("\nScaling at n = %d:\n", sizes[nn - 1]);
		kit_scaling_print(&s, "s", stdout);
		kit_results_scaling(r, &s);
	}
	fflush(stdout);
	bool pngs = false;
	if (have_s) {
		printf("\n");
		pngs = kit_plot_scaling(&s, "dgemm: speed-up (bench)", prefix,
					o->quiet ? NULL : stdout) == 0;
	}
	printf("\n");
	char csv[PATH_MAX + 16], json[PATH_MAX + 16];
	snprintf(csv, sizeof(csv), "%s/blas.csv", dir);
	snprintf(json, sizeof(json), "%s/blas.json", dir);
	if (kit_results_write_csv(r, csv) || kit_results_write_json(r, json)) {
		rc = KIT_EXIT_USAGE;
	} else {
		printf("Wrote %s, %s", csv, json);
		if (ns && kit_plot_png(&plot, png) == 0)
			printf(", %s", png);
		if (pngs)
			printf(", %s-speedup.png, %s-time.png", prefix, prefix);
		printf("\n");
	}
	if (have_s)
		kit_scaling_free(&s);
	kit_results_free(r);
	free(cfg);
	if (given)
		setenv("OPENBLAS_CORETYPE", given, 1);
	return done < ncfg && rc == KIT_EXIT_OK ? KIT_EXIT_INVALID : rc;
}
