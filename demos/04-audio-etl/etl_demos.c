/*
 * NAME
 *   etl_demos.c - the demo program of exercise 04, built with the reference
 *   etl.c only: the live demo (the Python lesson's etl_demo in C, then every mode at
 *   1 .. 2 x CPUs workers) and the benchmark (every mode, warm and cold,
 *   against a plain copy and the Python version of this lesson, etl.py).
 *
 * USAGE
 *   ./kit demo etl          etl-demos --demo etl [--quick] [--out DIR]
 *   ./kit bench etl         etl-demos --bench [--quick] [--out DIR]
 *   (etl --demo etl and etl --bench run this program)
 *
 * NOTES
 *   The benchmark's files: 24 float WAVs of 30 s (127 MB), generated under
 *   data/cache/ on first use; --quick: 8 of 1 s. Files: DIR/etl.csv,
 *   DIR/etl.json, DIR/etl.png; DIR = --out or results/demos/etl
 *   (results/bench/etl).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "demo.h"
#include "etl_driver.h"
#include "etl_io.h"
#include "kit.h"

#define MAX_POINTS 64

/* The demo's and the benchmark's options. */
typedef struct etl_demo_opts {
	const char *out_dir;	/* NULL: results/demos/etl or results/bench/etl */
	bool quick, quiet;
	int files;		/* 0: the default */
	double seconds;		/* 0: the default */
	const int *workers;	/* NULL: 1 .. logical CPUs */
	size_t nworkers;
	etl_params p;
} etl_demo_opts;


/* ------------------------------------------------------------------------
 * The Python version of this lesson, on the same files (etl.py)
 */

#define PYTHON "/usr/bin/python3"
#define PY_RUNS 3

struct py_run {
	const char *mode;	/* "serial" or "pool" */
	int workers;
	int nruns;
	bool ok;
	double mbs;		/* MB/s of input, median run */
	char version[96];
	char why[256];		/* when not ok */
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Runs etl.py PY->mode over IN into DEST, PY->nruns times, each in a fresh
 * /usr/bin/python3 (not the python3 on PATH, which may lack scipy); the
 * script times the job alone, as the lesson does. */
static void python_time(struct py_run *py, const char *script, char *const *in, size_t n,
			const char *dest)
{
	char **argv = calloc(n + 6, sizeof(*argv)), wbuf[16];
	size_t a = 0;
	double mbs[PY_RUNS];
	if (!argv)
		abort();
	snprintf(wbuf, sizeof(wbuf), "%d", py->workers);
	argv[a++] = (char *)PYTHON;
	argv[a++] = (char *)script;
	argv[a++] = (char *)py->mode;
	if (!strcmp(py->mode, "pool"))
		argv[a++] = wbuf;
	argv[a++] = (char *)dest;
	for (size_t i = 0; i < n; i++)
		argv[a++] = in[i];
	/* numpy's BLAS plays no part here; one thread, so nothing runs beside. */
	static const char *const env[] = { "OMP_NUM_THREADS=1", "OPENBLAS_NUM_THREADS=1", NULL };
	kit_proc_opts po = { .timeout = 600, .setenv = env, .capture = true };
	py->ok = false;
	for (int k = 0; k < py->nruns; k++) {
		kit_proc_result r;
		if (kit_proc_run(argv, &po, &r) != 0) {
			snprintf(py->why, sizeof(py->why), "%s could not start", PYTHON);
			kit_proc_result_free(&r);
			goto out;
		}
		if (r.timed_out || r.signal || r.exit_code != 0) {
			char first[200];
			snprintf(first, sizeof(first), "%s", r.err ? r.err : "");
			first[strcspn(first, "\n")] = '\0';
			snprintf(py->why, sizeof(py->why), "%s%s%s", kit_proc_describe(&r),
				 *first ? ": " : "", first);
			kit_proc_result_free(&r);
			goto out;
		}
		cJSON *j = cJSON_Parse(r.out ? r.out : "");
		const cJSON *sec = cJSON_GetObjectItemCaseSensitive(j, "seconds");
		const cJSON *by = cJSON_GetObjectItemCaseSensitive(j, "bytes");
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "python");
		const cJSON *nv = cJSON_GetObjectItemCaseSensitive(j, "numpy");
		const cJSON *sv = cJSON_GetObjectItemCaseSensitive(j, "scipy");
		bool good = cJSON_IsNumber(sec) && sec->valuedouble > 0 && cJSON_IsNumber(by);
		if (good) {
			mbs[k] = by->valuedouble / 1e6 / sec->valuedouble;
			if (cJSON_IsString(v) && cJSON_IsString(nv) && cJSON_IsString(sv))
				snprintf(py->version, sizeof(py->version),
					 "Python %s, numpy %s, scipy %s", v->valuestring,
					 nv->valuestring, sv->valuestring);
		} else {
			snprintf(py->why, sizeof(py->why), "etl.py printed no timing: '%.80s'",
				 r.out ? r.out : "");
		}
		cJSON_Delete(j);
		kit_proc_result_free(&r);
		if (!good)
			goto out;
	}
	qsort(mbs, (size_t)py->nruns, sizeof(double), cmp_double);
	py->mbs = mbs[py->nruns / 2];
	py->ok = true;
out:
	free(argv);
}

/* A target line: WHAT, the wanted value, the measured one, met or not. */
static void target_line(kit_results *r, const char *what, const char *want, double got,
			double need, const char *unit)
{
	char shown[32];
	const char *mark = got > 0 ? got >= need ? "met" : "NOT MET" : "not measured";
	if (got > 0)
		snprintf(shown, sizeof(shown), "%.2f%s", got, unit);
	else
		snprintf(shown, sizeof(shown), "-");
	printf("  %-44s %-8s %-9s %s\n", what, want, shown, mark);
	char key[128];
	snprintf(key, sizeof(key), "target: %s", what);
	kit_results_config(r, key, "%s; measured %s; %s", want, shown, mark);
}

/*
 * The bench's last part: the Python version on the same files, serially and
 * with a Pool of W workers for each W of the sweep up to the CPUs, then the
 * ratios and the targets (reported, not asserted).
 */
static void side_by_side(const etl_demo_opts *o, const etl_sweep_summary *u, char *const *in,
			 size_t n, const int *w, size_t nw, kit_results *r)
{
	char script[4200], dest[4096];
	snprintf(script, sizeof(script), "%s/demos/04-audio-etl/etl.py", kit_root());
	kit_topo t;
	kit_topo_get(&t);
	int cpus = t.pus > 0 ? t.pus : 1;
	struct py_run py[MAX_POINTS + 1];
	size_t npy = 0;
	py[npy++] = (struct py_run){ .mode = "serial", .workers = 1 };
	for (size_t k = 0; k < nw && npy <= MAX_POINTS; k++)
		if (w[k] > 1 && w[k] <= cpus)
			py[npy++] = (struct py_run){ .mode = "pool", .workers = w[k] };
	printf("\nSide by side: the Python version of this lesson (scipy.io.wavfile, "
	       "np.random.normal,\nnp.clip: etl.py) on the same %zu files, median of %d "
	       "run%s; MB/s of input.\n", n, o->quick ? 1 : PY_RUNS, o->quick ? "" : "s");
	bool have = access(PYTHON, X_OK) == 0 && access(script, R_OK) == 0;
	if (!have || kit_scratch_make("etl", dest, sizeof(dest))) {
		printf("  not run: %s\n", access(PYTHON, X_OK) ? PYTHON " is not installed "
		       "(apt install python3-numpy python3-scipy)" : "no scratch folder");
		return;
	}
	kit_progress pr;
	kit_progress_begin(&pr, "python", npy);
	for (size_t k = 0; k < npy; k++) {
		char what[48];
		snprintf(what, sizeof(what), "Python %s %d", py[k].mode, py[k].workers);
		kit_progress_step(&pr, what);
		py[k].nruns = o->quick ? 1 : PY_RUNS;
		python_time(&py[k], script, in, n, dest);
		kit_scratch_remove(dest);
		if (k + 1 < npy && mkdir(dest, 0700))
			break;
	}
	kit_progress_end(&pr);
	if (py[0].version[0])
		printf("  (%s; its outputs are float64, twice the bytes, and not synced to disk;\n"
		       "  the C outputs are float32, as the inputs, and synced)\n", py[0].version);
	printf("  %-26s %9s %9s %9s %12s\n", "workers", "C best", "Python", "C/Python",
	       "C/copy");
	double best2 = 0;
	for (size_t k = 0; k < npy; k++) {
		int wk = py[k].workers;
		bool in = wk >= 1 && wk <= MAX_WORKERS_SUMMARY;
		double c = wk == 1 ? u->serial : in ? u->best_at[wk] : 0;
		const char *cm = wk == 1 || !in ? "serial" : etl_modes[u->best_mode_at[wk]].name;
		char label[64];
		snprintf(label, sizeof(label), "%d (C %s, Python %s)", wk, cm,
			 wk == 1 ? "serial" : "Pool");
		if (wk == 2)
			best2 = c;
		if (!py[k].ok) {
			printf("  %-26s %9.1f %9s %9s %11.2f\n", label, c, "-", "-",
			       u->copy > 0 ? c / u->copy : 0);
			printf("    Python not measured: %s\n", py[k].why);
			continue;
		}
		printf("  %-26s %9.1f %9.1f %8.2fx %11.2f\n", label, c, py[k].mbs, c / py[k].mbs,
		       u->copy > 0 ? c / u->copy : 0);
		kit_results_row(r, wk == 1 ? "python-serial" : "python-pool");
		kit_results_num(r, "workers", wk, "%.0f");
		kit_results_num(r, "MB_per_s", py[k].mbs, "%.1f");
		kit_results_valid(r, true, NULL);
	}
	printf("  plain copy of the same bytes (the I/O limit): %.1f MB/s\n", u->copy);
	/* The targets: serial 3x the Python serial, or 0.7 of the copy where that
	 * is lower; the best mode at 2 workers 0.7 of the copy. */
	double need = py[0].ok ? 3.0 * py[0].mbs : 0;
	bool by_copy = u->copy > 0 && (!need || 0.7 * u->copy < need);
	printf("\nTargets (reported, not asserted):\n");
	if (by_copy)
		target_line(r, "C serial against the plain copy", ">= 0.70",
			    u->copy > 0 ? u->serial / u->copy : 0, 0.7, "");
	else
		target_line(r, "C serial against the Python serial", ">= 3x",
			    py[0].ok ? u->serial / py[0].mbs : 0, 3.0, "x");
	target_line(r, "C best at 2 workers against the plain copy", ">= 0.70",
		    u->copy > 0 ? best2 / u->copy : 0, 0.7, "");
	rmdir(dest);
}

/* ------------------------------------------------------------------------
 * Demo and benchmark
 */

static int out_dir(const etl_demo_opts *o, const char *kind, char *dir, size_t len)
{
	if (o->out_dir)
		snprintf(dir, len, "%s", o->out_dir);
	else
		snprintf(dir, len, "%s/results/%s/etl", kit_root(), kind);
	return kit_mkdirs(dir);
}

/* The workers of a sweep: O's, or 1 .. logical CPUs (and 2x in full mode). */
static size_t workers_of(const etl_demo_opts *o, int *w, size_t max)
{
	if (o->workers) {
		size_t n = o->nworkers < max ? o->nworkers : max;
		memcpy(w, o->workers, n * sizeof(*w));
		return n;
	}
	kit_topo t;
	kit_topo_get(&t);
	int cpus = t.pus > 0 ? t.pus : 1;
	size_t n = 0;
	for (int k = 1; k <= cpus && n < max; k++)
		w[n++] = k;
	if (!o->quick && n < max)
		w[n++] = 2 * cpus;	/* oversubscribed: waiting on I/O leaves cores idle */
	return n;
}

static int write_files(kit_results *r, const char *dir)
{
	char path[4200];
	int rc = 0;
	snprintf(path, sizeof(path), "%s/etl.json", dir);
	rc |= kit_results_write_json(r, path);
	snprintf(path, sizeof(path), "%s/etl.csv", dir);
	rc |= kit_results_write_csv(r, path);
	return rc ? KIT_EXIT_USAGE : 0;
}

static int sweep_demo(const etl_demo_opts *o, bool bench)
{
	char dir[4096], gen[4096], scratch[4096], png[4200];
	int files = o->files ? o->files : ETL_FILES, w[MAX_POINTS], rc;
	/* The bench: 24 files of 30 s (127 MB), long enough that the time is the
	 * job's, not the start-up's; the demo: the 5 s files of a class. */
	double seconds = o->seconds > 0 ? o->seconds : o->quick ? 1.0 :
			 bench ? ETL_BENCH_SECONDS : ETL_SECONDS;
	if (o->quick && !o->files)
		files = 8;
	if (out_dir(o, bench ? "bench" : "demos", dir, sizeof(dir)))
		return KIT_EXIT_USAGE;
	char **in = etl_inputs_generated(files, seconds, false, gen, sizeof(gen));
	if (!in)
		return KIT_EXIT_USAGE;
	if (kit_scratch_make("etl", scratch, sizeof(scratch))) {
		kit_files_free(in, (size_t)files);
		return KIT_EXIT_USAGE;
	}
	size_t nw = workers_of(o, w, MAX_POINTS);
	if (!o->quiet) {
		printf("%s\n\n", bench
		       ? "Benchmark: the audio ETL in every mode, in MB/s of input, against a "
			 "plain copy\nof the same bytes (the I/O limit), warm and cold page cache."
		       : "Demo: the audio ETL, the Python lesson's etl_demo in C.");
		kit_env_print(stdout);
		printf("inputs    %d files of %g s (%s), outputs in a scratch folder\n\n", files,
		       seconds, gen);
		fflush(stdout);
	}
	if (!bench) {
		/* Part 1: the Python lesson's run, Pool.map(etl, filenames), one line per file. */
		etl_plan pl;
		int procs = w[nw - 1] > 0 ? (o->workers ? w[nw - 1] : kit_omp_max_threads()) : 1;
		etl_plan_make(&pl, in, (size_t)files, scratch, true, &o->p);
		printf("starting etl (a pool of %d processes, as the Python lesson's Pool())\n", procs);
		double t0 = kit_wtime();
		int failed = etl_plan_run(&pl, M_PROCESSES, procs);
		double t = kit_wtime() - t0;
		for (size_t i = 0; i < pl.n && !o->quiet; i++) {
			const etl_result *e = &pl.res[i];
			if (e->status == ETL_DONE)
				printf("%s completed in %.3fs\n", strrchr(pl.in[i], '/') + 1,
				       e->t_read + e->t_transform + e->t_write);
			else
				printf("%s FAILED: %s\n", strrchr(pl.in[i], '/') + 1, e->error);
		}
		printf("etl took %.2fs total\n\n", t);
		etl_plan_free(&pl);
		if (failed) {
			kit_scratch_remove(scratch);
			kit_files_free(in, (size_t)files);
			return KIT_EXIT_INVALID;
		}
		printf("Now every mode at 1 .. %d workers: which is faster, and is the job "
		       "waiting on the disk or on the CPU?\n\n", w[nw - 1]);
		fflush(stdout);
	}
	snprintf(png, sizeof(png), "%s/etl", dir);
	etl_sweep s = {
		.inputs = in, .n = (size_t)files, .dest = scratch, .p = o->p,
		.workers = w, .nworkers = nw, .modes = (1u << M_COUNT) - 1,
		.timing = bench ? (kit_timing_opts){ .warmup = 1, .min_reps = o->quick ? 2 : 5,
						     .min_time = o->quick ? 0 : 1.0, .max_reps = 50 }
				: (kit_timing_opts){ .warmup = 0, .min_reps = o->quick ? 1 : 3,
						     .min_time = 0, .max_reps = 5 },
		.cold = bench, .quiet = o->quiet, .chart = true, .png = png,
		.title = bench ? "audio ETL benchmark: MB/s by mode and workers"
			       : "audio ETL demo: MB/s by mode and workers",
	};
	etl_sweep_summary sum;
	s.sum = &sum;
	kit_results *r = kit_results_new("etl", s.title);
	rc = etl_sweep_run(&s, r, stdout);
	if (bench && rc == KIT_EXIT_OK)
		side_by_side(o, &sum, in, (size_t)files, w, nw, r);
	int frc = write_files(r, dir);
	if (!rc)
		rc = frc;
	if (!o->quiet)
		printf("\nfiles: %s/etl.csv, etl.json, etl.png\n", dir);
	kit_results_free(r);
	kit_scratch_remove(scratch);
	kit_files_free(in, (size_t)files);
	return rc;
}

static bool quiet;
static int files;
static double seconds, sigma = ETL_SIGMA;
static uint64_t seed = ETL_SEED;
static kit_opt_counts workers;

static int run(const kit_demo_args *a, void *ctx)
{
	(void)ctx;
	etl_demo_opts d = { .out_dir = a->out, .quick = a->quick, .quiet = quiet, .files = files,
			    .seconds = seconds, .workers = workers.v, .nworkers = workers.n,
			    .p = { .sigma = sigma, .seed = seed } };
	return sweep_demo(&d, a->bench);
}

static const kit_demo demos[] = {
	{ "etl", "the Python lesson's etl_demo in C, then every mode at 1 .. 2 x CPUs workers "
		 "in MB/s against a plain copy", run },
	KIT_DEMO_END,
};

static const kit_opt opts[] = {
	KIT_OPT_INT(0, "files", &files, "N", "generated files (default 24)", 1, 1000),
	KIT_OPT_DOUBLE(0, "seconds", &seconds, "S", "seconds each (default 5; the bench: 30)",
		       0.01, 3600),
	KIT_OPT_COUNTS(0, "threads", &workers, "LIST", "worker counts (default 1 .. CPUs, and "
		       "2 x CPUs)", 1, 256),
	KIT_OPT_DOUBLE(0, "sigma", &sigma, "S", "standard deviation of the noise (default 0.1)",
		       0, 10),
	KIT_OPT_U64(0, "seed", &seed, "S", "seed of the noise (default 2026)", 0, UINT64_MAX),
	KIT_OPT_BOOL('q', "quiet", &quiet, "only the tables"),
	KIT_OPT_END,
};

static const kit_demo_table table = {
	.program = "etl-demos",
	.about = "The live demo and the benchmark of exercise 04 (the audio ETL), run on\n"
		 "the reference solution.",
	.demos = demos,
	.bench = run,
	.bench_about = "MB/s of every mode against a plain copy and the Python\nversion of "
		       "this lesson (etl.py), side by side",
	.quick_help = "test-sized (8 files of 1 s)",
	.out_help = "where the files go (default: results/demos/etl,\nresults/bench/etl)",
	.options = opts,
};

int main(int argc, char **argv)
{
	return kit_demo_main(argc, argv, &table);
}
