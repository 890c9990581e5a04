/*
 * NAME
 *   bench.c - the benchmark of exercise 01 (demos.h: pi_bench).
 *
 * PURPOSE
 *   ns per sample, samples per second, speed-up and efficiency of
 *   pi_same_answer at 1 .. logical CPUs threads; and, where /usr/bin/python3
 *   with numpy is present, the Python lesson's calc_pi (pure Python and numpy,
 *   calc_pi.py) timed in the same run on the same machine, printed as ratios
 *   per core. Then the kit's speed targets beside the
 *   measured values, each marked met or not met. Speed is reported, never
 *   asserted: the exit status says only whether every C count validated.
 *
 * USAGE
 *   ./kit bench pi                        (pi-demos --bench)
 *   build/demos/01-monte-carlo-pi/pi-demos --bench --quick --out /tmp/bench
 *
 * NOTES
 *   n = 1e9 samples (--quick: 1e7), reduced when the kernel is so slow (the
 *   skeleton's rand()) that one run would last more than 4 s. Python: pure
 *   n = 2e6, numpy n = 2e7 (--quick: 1e5 and 1e6), median of 3 runs (--quick: 1), each
 *   a fresh /usr/bin/python3 (not the python3 on PATH, which may be another
 *   interpreter without numpy); the script times calc_pi alone, not the
 *   interpreter's start. Files: DIR/pi.csv, DIR/pi.json, DIR/pi-speedup.png,
 *   DIR/pi-time.png, DIR = opts->out_dir or results/bench/pi.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "demo.h"
#include "demos.h"
#include "exercise.h"
#include "kit.h"
#include "pi.h"

#define MAX_SWEEP 64
#define BENCH_PI 3.14159265358979323846
#define PY_RUNS 3

/* The speed targets this benchmark reports. */
#define TARGET_RATE_2T 1e9	/* samples/s on 2 threads */
#define TARGET_SPEEDUP_2T 1.85	/* 1 -> 2 threads, on a quiet machine */
#define TARGET_VS_PURE 300.0	/* C on 1 thread against pure Python */
#define TARGET_VS_NUMPY 20.0	/* C on 1 thread against numpy */

struct run {
	uint64_t n, seed, hits;
};

static int run_fn(void *ctx)
{
	struct run *c = ctx;
	c->hits = pi_same_answer(c->n, c->seed);
	return 0;
}

/* ------------------------------------------------------------------------
 * The Python version of this lesson
 */

struct py {
	const char *kind;	/* "pure" or "numpy" */
	uint64_t n;
	int nruns;		/* at most PY_RUNS */
	bool ok;
	double median, runs[PY_RUNS];
	double est;
	char version[64];
	char why[256];		/* when not ok */
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Times calc_pi.py KIND N, PY->nruns times, each in a fresh interpreter. */
static void time_python(struct py *py)
{
	char nbuf[32];
	snprintf(nbuf, sizeof(nbuf), "%llu", (unsigned long long)py->n);
	const char *args[] = { py->kind, nbuf, NULL };
	double sorted[PY_RUNS];

	py->ok = false;
	for (int k = 0; k < py->nruns; k++) {
		cJSON *j = kit_demo_python("demos/01-monte-carlo-pi/calc_pi.py", args, 120, py->why,
					   sizeof(py->why));
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "python");
		const cJSON *nv = cJSON_GetObjectItemCaseSensitive(j, "numpy");
		double sec = kit_ex_num(j, "seconds", 0), est = kit_ex_num(j, "pi", NAN);
		bool good = sec > 0 && isfinite(est);
		if (good) {
			py->runs[k] = sorted[k] = sec;
			py->est = est;
			if (cJSON_IsString(v))
				snprintf(py->version, sizeof(py->version), "Python %s%s%s",
					 v->valuestring, cJSON_IsString(nv) ? ", numpy " : "",
					 cJSON_IsString(nv) ? nv->valuestring : "");
		} else if (j) {
			snprintf(py->why, sizeof(py->why), "calc_pi.py %s printed no timing",
				 py->kind);
		}
		cJSON_Delete(j);
		if (!good)
			return;
	}
	qsort(sorted, (size_t)py->nruns, sizeof(double), cmp_double);
	py->median = sorted[py->nruns / 2];
	py->ok = true;
}

/* ------------------------------------------------------------------------
 * Targets
 */

struct target {
	const char *what, *want;
	double value;		/* NAN: not measured */
	double need;
	char shown[32];
	const char *why;	/* when not measured */
};

static void target_print(const struct target *t, size_t n, kit_results *r)
{
	printf("\nTargets (reported, not asserted):\n");
	printf("  %-34s  %-9s  %-10s  %s\n", "target", "wanted", "measured", "verdict");
	for (size_t i = 0; i < n; i++) {
		const char *mark = isnan(t[i].value) ? "not measured" :
				   t[i].value >= t[i].need ? "met" : "NOT MET";
		printf("  %-34s  %-9s  %-10s  %s%s%s\n", t[i].what, t[i].want,
		       isnan(t[i].value) ? "-" : t[i].shown, mark, t[i].why ? ": " : "",
		       t[i].why ? t[i].why : "");
		char key[96];
		snprintf(key, sizeof(key), "target: %s", t[i].what);
		kit_results_config(r, key, "%s; measured %s; %s", t[i].want,
				   isnan(t[i].value) ? "-" : t[i].shown, mark);
	}
}

/* ------------------------------------------------------------------------
 * The benchmark
 */

int pi_bench(const pi_demo_opts *o)
{
	static const pi_demo_opts none = { 0 };
	if (!o)
		o = &none;
	int omp_before = kit_omp_max_threads();
	kit_topo topo;
	kit_topo_get(&topo);
	int pus = topo.pus > 0 ? topo.pus : 1;

	/* The sweep: 1 .. logical CPUs, or the caller's list; {1} without OpenMP. */
	int th[MAX_SWEEP];
	size_t nth = 0;
	if (!kit_omp_enabled()) {
		th[nth++] = 1;
	} else if (o->threads && o->nthreads) {
		for (size_t i = 0; i < o->nthreads && nth < MAX_SWEEP; i++)
			if (o->threads[i] > 0)
				th[nth++] = o->threads[i];
	} else {
		for (int t = 1; t <= pus && nth < MAX_SWEEP; t++)
			th[nth++] = t;
	}
	if (!nth)
		th[nth++] = 1;

	char dir[PATH_MAX];
	if (o->out_dir && *o->out_dir)
		snprintf(dir, sizeof(dir), "%s", o->out_dir);
	else
		snprintf(dir, sizeof(dir), "%s/results/bench/pi", kit_root());
	if (kit_mkdirs(dir))
		return KIT_EXIT_USAGE;

	printf("\n== Benchmark pi: pi_same_answer against the Python version of this lesson ==\n\n");
	kit_env_print(stdout);
	printf("\n");
	fflush(stdout);

	/* n: 1e9, unless one 1-thread run would last more than 4 s. */
	struct run c = { .seed = o->seed };
	uint64_t want = o->n ? o->n : o->quick ? 10000000 : 1000000000;
	c.n = want;
	const char *n_note = "";
	if (!o->n && !o->quick) {
		kit_omp_set_threads(1);
		c.n = 1000000;
		double t0 = kit_wtime();
		run_fn(&c);
		double per = (kit_wtime() - t0) / (double)c.n;
		c.n = want;
		if (per * (double)want > 4.0) {
			c.n = (uint64_t)(4.0 / per / 1e6) * 1000000;
			if (c.n < 1000000)
				c.n = 1000000;
			n_note = " (reduced from 1e9: this kernel is slow, so a run stays near 4 s)";
		}
	}

	struct py py[2] = {
		{ .kind = "pure", .n = o->quick ? 100000 : 2000000, .nruns = o->quick ? 1 : PY_RUNS },
		{ .kind = "numpy", .n = o->quick ? 1000000 : 20000000,
		  .nruns = o->quick ? 1 : PY_RUNS },
	};

	kit_results *r = kit_results_new("pi", "pi_same_answer: ns per sample");
	kit_results_config(r, "bench", "pi");
	kit_results_config(r, "n", "%llu samples%s", (unsigned long long)c.n, n_note);
	kit_results_config(r, "seed", "%llu", (unsigned long long)c.seed);
	kit_results_config(r, "logical CPUs", "%d (physical cores %d)", pus, topo.cores);

	kit_timing tm[MAX_SWEEP];
	char labels[MAX_SWEEP][64];
	uint64_t hits[MAX_SWEEP];
	kit_timing_opts topt = KIT_TIMING_DEFAULT;
	if (o->quick) {
		topt.min_reps = 3;
		topt.min_time = 0;
	}
	kit_progress pg;
	kit_progress_begin(&pg, "bench pi", nth + 2);
	size_t done = 0;
	for (size_t i = 0; i < nth; i++) {
		kit_omp_set_threads(th[i]);
		snprintf(labels[i], sizeof(labels[i]), "C, %d thread%s", th[i], th[i] > 1 ? "s" : "");
		if (kit_time(run_fn, &c, &topt, &tm[i]))
			break;
		hits[i] = c.hits;
		done++;
		kit_progress_step(&pg, labels[i]);
	}
	kit_omp_set_threads(omp_before);
	for (int k = 0; k < 2; k++) {
		time_python(&py[k]);
		kit_progress_step(&pg, py[k].kind);
	}
	kit_progress_end(&pg);
	fflush(stdout);
	for (size_t i = 0; i < done; i++)
		kit_timing_warnings(&tm[i], labels[i]);
	fflush(stderr);

	/* The C rows. */
	int rc = KIT_EXIT_OK;
	int p[MAX_SWEEP];
	double t[MAX_SWEEP];
	double ns1 = NAN, rate2 = NAN, speedup2 = NAN;
	for (size_t i = 0; i < done; i++) {
		p[i] = tm[i].threads;
		t[i] = tm[i].wall.median;
	}
	kit_scaling s = { 0 };
	bool have_s = done && kit_scaling_of(p, t, done, &s) == 0;
	for (size_t i = 0; i < done; i++) {
		double ns = t[i] / (double)c.n * 1e9;
		double sp = t[0] * p[0] / t[i];	/* as kit_scaling: against the smallest count */
		kit_results_row(r, labels[i]);
		kit_results_num(r, "ns_per_sample", ns, "%.3f");
		kit_results_num(r, "samples_per_s", 1e9 / ns, "%.3g");
		kit_results_num(r, "speedup", sp, "%.2f");
		kit_results_num(r, "efficiency", sp / p[i], "%.2f");
		kit_results_num(r, "pi", 4.0 * (double)hits[i] / (double)c.n, "%.8f");
		kit_results_timing(r, &tm[i], NULL);
		double q = BENCH_PI / 4;
		double z = fabs(4.0 * (double)hits[i] / (double)c.n - BENCH_PI) /
			   (4 * sqrt(q * (1 - q) / (double)c.n));
		char why[160];
		if (hits[i] != hits[0]) {
			snprintf(why, sizeof(why), "count %llu differs from %llu at %d thread(s)",
				 (unsigned long long)hits[i], (unsigned long long)hits[0], p[0]);
			kit_results_valid(r, false, why);
			rc = KIT_EXIT_INVALID;
			continue;
		}
		if (z > 5) {
			snprintf(why, sizeof(why), "%.1f standard errors from pi", z);
			kit_results_valid(r, false, why);
			rc = KIT_EXIT_INVALID;
			continue;
		}
		kit_results_valid(r, true, NULL);
		if (p[i] == 1)
			ns1 = ns;
		if (p[i] == 2) {
			rate2 = 1e9 / ns;
			if (!isnan(ns1))
				speedup2 = ns1 / ns;
		}
	}
	if (done)
		kit_results_primary(r);	/* the row with the most threads */

	/* The Python rows: ratios against C on one thread, per core. */
	double vs[2] = { NAN, NAN };
	for (int k = 0; k < 2; k++) {
		if (!py[k].ok)
			continue;
		double ns = py[k].median / (double)py[k].n * 1e9;
		char label[64];
		snprintf(label, sizeof(label), "Python %s (seed calc_pi%s)",
			 py[k].kind, k ? "_numpy" : "");
		kit_results_row(r, label);
		kit_results_num(r, "ns_per_sample", ns, "%.3f");
		kit_results_num(r, "samples_per_s", 1e9 / ns, "%.3g");
		kit_results_num(r, "pi", py[k].est, "%.8f");
		kit_results_num(r, "median_s", py[k].median, "%.4f");
		double lo = py[k].runs[0];
		for (int j = 1; j < py[k].nruns; j++)
			lo = fmin(lo, py[k].runs[j]);
		kit_results_num(r, "min_s", lo, "%.4f");
		kit_results_num(r, "reps", py[k].nruns, "%.0f");
		kit_results_num(r, "threads", 1, "%.0f");
		if (!isnan(ns1)) {
			vs[k] = ns / ns1;
			kit_results_num(r, "c_1thread_faster", vs[k], "%.0fx");
		}
		double q = BENCH_PI / 4;
		double z = fabs(py[k].est - BENCH_PI) / (4 * sqrt(q * (1 - q) / (double)py[k].n));
		/* Python's answer is reported, not part of the verdict. */
		kit_results_valid(r, z <= 5, z <= 5 ? NULL : "more than 5 standard errors from pi");
		kit_results_config(r, k ? "numpy" : "python", "%s, %llu samples, median of %d run%s",
				   py[k].version, (unsigned long long)py[k].n, py[k].nruns,
				   py[k].nruns > 1 ? "s" : "");
	}

	kit_results_print(r, stdout);
	if (have_s) {
		printf("\nScaling:\n");
		kit_scaling_print(&s, "s", stdout);
		kit_results_scaling(r, &s);
	}

	/* The comparison with the seed, per core. */
	printf("\nAgainst the Python version of this lesson, per core:\n");
	if (!isnan(ns1) && (py[0].ok || py[1].ok)) {
		printf("  C, 1 thread: ");
		if (py[0].ok)
			printf("%.0fx pure Python", vs[0]);
		if (py[0].ok && py[1].ok)
			printf(", ");
		if (py[1].ok)
			printf("%.0fx numpy", vs[1]);
		printf("  (%.2f ns per sample against %.0f and %.1f)\n", ns1,
		       py[0].ok ? py[0].median / (double)py[0].n * 1e9 : NAN,
		       py[1].ok ? py[1].median / (double)py[1].n * 1e9 : NAN);
		size_t last = done - 1;
		if (done > 1 && p[last] > 1 && rc == KIT_EXIT_OK) {
			double nsl = t[last] / (double)c.n * 1e9;
			printf("  C, %d threads: ", p[last]);
			if (py[0].ok)
				printf("%.0fx pure Python", py[0].median / (double)py[0].n * 1e9 / nsl);
			if (py[0].ok && py[1].ok)
				printf(", ");
			if (py[1].ok)
				printf("%.0fx numpy", py[1].median / (double)py[1].n * 1e9 / nsl);
			printf(" (Python's calc_pi uses one core)\n");
		}
	}
	for (int k = 0; k < 2; k++)
		if (!py[k].ok)
			printf("  Python %s: not measured: %s\n", py[k].kind, py[k].why);

	/* Targets. */
	double load = -1;
	FILE *lf = fopen("/proc/loadavg", "r");
	if (lf) {
		if (fscanf(lf, "%lf", &load) != 1)
			load = -1;
		fclose(lf);
	}
	static char no2[96];
	snprintf(no2, sizeof(no2), "no valid 2-thread run%s",
		 kit_omp_enabled() ? "" : " (built without OpenMP)");
	struct target tg[4] = {
		{ "samples/s on 2 threads", ">= 1e9", rate2, TARGET_RATE_2T, "", NULL },
		{ "speed-up 1 -> 2 threads (quiet)", ">= 1.85", speedup2, TARGET_SPEEDUP_2T, "",
		  NULL },
		{ "C 1 thread against pure Python", ">= 300x", vs[0], TARGET_VS_PURE, "", NULL },
		{ "C 1 thread against numpy", ">= 20x", vs[1], TARGET_VS_NUMPY, "", NULL },
	};
	snprintf(tg[0].shown, sizeof(tg[0].shown), "%.3g", rate2);
	snprintf(tg[1].shown, sizeof(tg[1].shown), "%.2f", speedup2);
	snprintf(tg[2].shown, sizeof(tg[2].shown), "%.0fx", vs[0]);
	snprintf(tg[3].shown, sizeof(tg[3].shown), "%.0fx", vs[1]);
	if (isnan(rate2))
		tg[0].why = no2;
	if (isnan(speedup2))
		tg[1].why = no2;
	if (isnan(vs[0]))
		tg[2].why = py[0].ok ? "no valid 1-thread run" : py[0].why;
	if (isnan(vs[1]))
		tg[3].why = py[1].ok ? "no valid 1-thread run" : py[1].why;
	target_print(tg, 4, r);
	if (load >= 0 && !isnan(speedup2) && load > pus + 0.5)
		printf("  (load average %.1f on %d CPUs: the machine was not quiet; the speed-up "
		       "target assumes it is)\n", load, pus);
	printf("\n");

	/* Files. */
	char csv[PATH_MAX + 16], json[PATH_MAX + 16], prefix[PATH_MAX + 16];
	snprintf(csv, sizeof(csv), "%s/pi.csv", dir);
	snprintf(json, sizeof(json), "%s/pi.json", dir);
	snprintf(prefix, sizeof(prefix), "%s/pi", dir);
	bool pngs = false;
	if (have_s) {
		fflush(stdout);
		pngs = kit_plot_scaling(&s, "pi_same_answer (bench)", prefix,
					o->quiet || s.n < 2 ? NULL : stdout) == 0;
		printf("\n");
	}
	if (kit_results_write_csv(r, csv) || kit_results_write_json(r, json)) {
		rc = KIT_EXIT_USAGE;
	} else {
		printf("Wrote %s, %s", csv, json);
		if (pngs)
			printf(", %s-speedup.png, %s-time.png", prefix, prefix);
		printf("\n");
	}

	if (have_s)
		kit_scaling_free(&s);
	for (size_t i = 0; i < done; i++)
		kit_timing_free(&tm[i]);
	kit_results_free(r);
	fflush(stdout);
	return done < nth && rc == KIT_EXIT_OK ? KIT_EXIT_INVALID : rc;
}
