/*
 * NAME
 *   etl_demo.c - the timed sweep of exercise 04 (etl --time), its live demo
 *   (etl --demo etl, ./kit demo etl) and its benchmark (etl --bench, ./kit
 *   bench etl). Shared; students do not edit it.
 *
 * PURPOSE
 *   Every mode of the ETL (serial, threads over files, a pool of processes,
 *   threads inside each file) at each worker count, validated then timed,
 *   in MB/s of input, beside a plain read(2) + write(2) copy of the same
 *   bytes through the same temporary-file-and-rename (fsync included): the
 *   fastest the job could go if the transform were free. The read /
 *   transform / write seconds of the serial run say where the time goes.
 *
 * USAGE
 *   ./kit demo etl                       etl --demo etl [--quick] [--out DIR]
 *   ./kit bench etl                      etl --bench [--quick] [--out DIR]
 *
 * NOTES
 *   Page cache: after the first run the inputs are in memory, so "read" is a
 *   memory copy and "write" is a copy into the cache plus fsync. --cold (on
 *   in the benchmark) evicts the inputs with posix_fadvise(DONTNEED) before
 *   each run, which is what a first read from disk costs, as far as a
 *   program without root can make it; the outputs' writes always go to disk
 *   (fsync). Processes are timed before any thread mode: a fork after an
 *   OpenMP region can hang a libgomp child that uses OpenMP (DESIGN.md 6).
 *   Files: DIR/etl.csv, DIR/etl.json, DIR/etl.png; DIR = --out or
 *   results/demos/etl (results/bench/etl).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "etl_driver.h"
#include "etl_io.h"
#include "kit.h"

#define MAX_SERIES 8
#define MAX_POINTS 64

struct run_ctx {
	etl_plan *pl;
	int mode, workers;
	bool cold;
	int failed;
};

/* Drops the inputs' pages from the page cache (clean pages only, no root). */
static void evict(const etl_plan *pl)
{
	for (size_t k = 0; k < pl->ntodo; k++) {
		int fd = open(pl->tasks[k].in, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
			close(fd);
		}
	}
}

static int timed_run(void *p)
{
	struct run_ctx *x = p;
	if (x->cold)
		evict(x->pl);
	x->failed = etl_plan_run(x->pl, x->mode, x->workers);
	return x->failed != 0;
}

/* Every output of PL as defined; 0, or -1 with WHY. */
static int outputs_ok(const etl_plan *pl, char *why, size_t len)
{
	for (size_t k = 0; k < pl->ntodo; k++) {
		etl_check c;
		if (etl_check_output(pl->tasks[k].in, pl->tasks[k].out, &pl->p, &c) || !c.ok) {
			snprintf(why, len, "%s", c.why);
			return -1;
		}
	}
	return 0;
}

/* One measurement, kept for the chart, the verdict and the warnings. */
struct point {
	int mode, workers;
	bool cold, valid;
	double mbs, median, read, transform, write;
	double cv, first;	/* spread of the runs; first run over the median */
	size_t runs, outliers;
};

static int measure(const etl_sweep *s, etl_plan *pl, kit_results *r, int mode, int w,
		   bool cold, struct point *pt)
{
	struct run_ctx x = { .pl = pl, .mode = mode, .workers = w, .cold = cold };
	char label[48], why[512] = "";
	snprintf(label, sizeof(label), "%s%s", etl_modes[mode].name, cold ? "-cold" : "");
	*pt = (struct point){ .mode = mode, .workers = w, .cold = cold };
	kit_results_row(r, label);
	kit_results_num(r, "workers", w, "%.0f");

	/* The validation run, also a warm-up. */
	if (timed_run(&x)) {
		kit_results_valid(r, false, x.failed < 0 ? "the kernel could not run" : "a file failed");
		for (size_t k = 0; k < pl->ntodo; k++)
			if (pl->todo_res[k].status != ETL_DONE) {
				kit_error("%s: %s", label, pl->todo_res[k].error);
				break;
			}
		return -1;
	}
	if (mode != M_COPY && outputs_ok(pl, why, sizeof(why))) {
		kit_results_valid(r, false, why);
		kit_error("%s at %d: %s", label, w, why);
		return -1;
	}
	kit_timing tm;
	if (kit_time(timed_run, &x, &s->timing, &tm)) {
		kit_results_valid(r, false, "a file failed while timing");
		return -1;
	}
	/* Phase seconds of the last run, summed over files (thread-seconds). */
	double rd = 0, tr = 0, wr = 0;
	for (size_t k = 0; k < pl->ntodo; k++) {
		rd += pl->todo_res[k].t_read;
		tr += pl->todo_res[k].t_transform;
		wr += pl->todo_res[k].t_write;
	}
	kit_kernel kk = { .name = etl_modes[mode].func, .flops = 0, .bytes = 2.0 * (double)pl->bytes };
	pt->median = tm.wall.median;
	pt->mbs = (double)pl->bytes / 1e6 / tm.wall.median;
	pt->read = rd;
	pt->transform = tr;
	pt->write = wr;
	pt->valid = true;
	kit_results_num(r, "MB_per_s", pt->mbs, "%.1f");
	kit_results_num(r, "read_s", rd, "%.4f");
	kit_results_num(r, "transform_s", tr, "%.4f");
	kit_results_num(r, "write_s", wr, "%.4f");
	pt->cv = tm.wall.cv;
	pt->runs = tm.wall.n;
	pt->outliers = tm.wall.outliers;
	pt->first = tm.first > 0 && tm.wall.median > 0 ? tm.first / tm.wall.median : 0;
	kit_results_timing(r, &tm, &kk);
	kit_results_valid(r, true, NULL);
	kit_timing_free(&tm);
	return 0;
}

/* CPU seconds: every CPU's busy time (/proc/stat, steal included) and this
 * process's own with its children. The difference over a sweep is what other
 * programs (or the virtual machine's host) took. */
struct cpu_snap {
	double busy, own, wall;
};

static void cpu_snap(struct cpu_snap *c)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	c->busy = -1;
	if (f) {
		if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
			   &v[3], &v[4], &v[5], &v[6], &v[7]) == 8)
			c->busy = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) /
				  (double)sysconf(_SC_CLK_TCK);
		fclose(f);
	}
	struct rusage a, b;
	getrusage(RUSAGE_SELF, &a);
	getrusage(RUSAGE_CHILDREN, &b);
	c->own = (double)(a.ru_utime.tv_sec + a.ru_stime.tv_sec + b.ru_utime.tv_sec +
			  b.ru_stime.tv_sec) +
		 1e-6 * (double)(a.ru_utime.tv_usec + a.ru_stime.tv_usec + b.ru_utime.tv_usec +
				 b.ru_stime.tv_usec);
	c->wall = kit_wtime();
}

/* The warnings of a sweep, after its table: one line per cause, each true of
 * this run. Modes that are serial on purpose are never blamed for it, and the
 * thread counts above the CPUs are the sweep's own choice (I/O waits leave
 * cores idle). */
static void sweep_warnings(const struct point *pts, size_t np, const struct cpu_snap *a,
			   const struct cpu_snap *b)
{
	size_t spread = 0, outl = 0, rows = 0;
	const struct point *worst = NULL;
	for (size_t i = 0; i < np; i++) {
		if (!pts[i].valid)
			continue;
		rows++;
		if (pts[i].runs >= 2 && pts[i].cv > 0.05) {
			spread++;
			if (!worst || pts[i].cv > worst->cv)
				worst = &pts[i];
		}
		outl += pts[i].outliers > 0;
	}
	if (spread)
		kit_warn("run times varied by more than 5%% in %zu of %zu rows (most: %s%s at %d, "
			 "CV %.0f%%): disk writes (fsync) and other programs vary; read the "
			 "medians, and rerun to see them move", spread, rows,
			 etl_modes[worst->mode].name, worst->cold ? "-cold" : "", worst->workers,
			 100 * worst->cv);
	if (outl)
		kit_warn("%zu of %zu rows had runs far from their median (outliers, kept in every "
			 "figure): something else ran now and then", outl, rows);
	kit_topo t;
	kit_topo_get(&t);
	double wall = b->wall - a->wall, other = (b->busy - a->busy) - (b->own - a->own);
	if (a->busy >= 0 && b->busy >= 0 && t.pus > 0 && wall > 0.5 &&
	    other > 0.1 * wall * t.pus)
		kit_warn("other programs (or the virtual machine's host) used %.0f%% of the %d "
			 "CPUs while this ran (%.1f of %.1f CPU-seconds): every figure is lower "
			 "and noisier than on a quiet machine", 100 * other / (wall * t.pus), t.pus,
			 other, wall * t.pus);
}

/* Fills S->sum from the points. */
static void sweep_summary(const etl_sweep *s, const struct point *pts, size_t np)
{
	etl_sweep_summary *u = s->sum;
	if (!u)
		return;
	memset(u, 0, sizeof(*u));
	for (size_t i = 0; i < np; i++) {
		const struct point *p = &pts[i];
		if (!p->valid || p->cold)
			continue;
		if (p->mode == M_COPY) {
			if (p->mbs > u->copy)
				u->copy = p->mbs;
			continue;
		}
		if (p->mode == M_SERIAL)
			u->serial = p->mbs;
		int w = p->workers;
		if (w >= 0 && w <= MAX_WORKERS_SUMMARY && p->mbs > u->best_at[w]) {
			u->best_at[w] = p->mbs;
			u->best_mode_at[w] = p->mode;
		}
	}
}

int etl_sweep_run(const etl_sweep *s, kit_results *r, FILE *out)
{
	struct cpu_snap cpu0, cpu1;
	etl_plan pl;
	struct point pts[5 * MAX_POINTS + 4];
	size_t np = 0, total = 0;
	int rc = KIT_EXIT_OK;
	/* Processes first (fork before OpenMP), then what needs no threads. */
	static const int order[] = { M_PROCESSES, M_SERIAL, M_COPY, M_THREADS, M_INNER };

	etl_plan_make(&pl, s->inputs, s->n, s->dest, true, &s->p);
	if (pl.ntodo == 0) {
		kit_error("no file to time: every input was refused");
		etl_plan_free(&pl);
		return KIT_EXIT_USAGE;
	}
	kit_results_config(r, "files", "%zu", pl.ntodo);
	kit_results_config(r, "MB", "%.2f", (double)pl.bytes / 1e6);
	kit_results_config(r, "sigma", "%g", s->p.sigma);
	kit_results_config(r, "page_cache", "%s", s->cold ? "warm, and cold rows evicted "
			   "before each run" : "warm (inputs read from memory after the first run)");
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (s->modes & (1u << order[i]))
			total += order[i] == M_SERIAL ? 1 : s->nworkers;
	total += s->cold ? 2 : 0;
	kit_progress pr;
	kit_progress_begin(&pr, "etl", total);
	cpu_snap(&cpu0);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		int m = order[i];
		if (!(s->modes & (1u << m)))
			continue;
		for (size_t k = 0; k < s->nworkers && np < MAX_POINTS * 5; k++) {
			int w = m == M_SERIAL ? 1 : s->workers[k];
			char what[64];
			snprintf(what, sizeof(what), "%s at %d", etl_modes[m].name, w);
			kit_progress_step(&pr, what);
			if (measure(s, &pl, r, m, w, false, &pts[np++]))
				rc = KIT_EXIT_INVALID;
			if (m == M_SERIAL)
				break;
		}
	}
	if (s->cold) {
		int w = s->workers[s->nworkers - 1];
		int cm[2] = { M_COPY, M_THREADS };
		for (int i = 0; i < 2; i++) {
			kit_progress_step(&pr, "cold page cache");
			if (measure(s, &pl, r, cm[i], w, true, &pts[np++]))
				rc = KIT_EXIT_INVALID;
		}
	}
	cpu_snap(&cpu1);
	kit_progress_end(&pr);
	kit_results_print(r, out);
	sweep_summary(s, pts, np);

	/* The chart: MB/s by workers, one series per mode (serial: flat). */
	if (s->chart || s->png) {
		kit_series ser[MAX_SERIES];
		double xs[MAX_SERIES][MAX_POINTS], ys[MAX_SERIES][MAX_POINTS];
		size_t ns = 0;
		static const char *titles[M_COUNT] = { "serial", "threads over files",
			"processes", "threads inside a file", "copy (I/O limit)" };
		for (int m = 0; m < M_COUNT; m++) {
			size_t c = 0;
			for (size_t i = 0; i < np; i++) {
				if (pts[i].mode != m || pts[i].cold || !pts[i].valid)
					continue;
				if (m == M_SERIAL) {	/* flat across the sweep */
					for (size_t k = 0; k < s->nworkers && c < MAX_POINTS; k++) {
						xs[ns][c] = s->workers[k];
						ys[ns][c++] = pts[i].mbs;
					}
				} else if (c < MAX_POINTS) {
					xs[ns][c] = pts[i].workers;
					ys[ns][c++] = pts[i].mbs;
				}
			}
			if (c)
				ser[ns] = (kit_series){ titles[m], xs[ns], ys[ns], c }, ns++;
		}
		kit_plot pl_ = { .title = "audio ETL: MB/s by workers (threads or processes)",
				 .xlabel = "workers", .ylabel = "MB/s of input", .series = ser,
				 .nseries = ns };
		if (ns && s->chart && !s->quiet) {
			fprintf(out, "\n");
			if (kit_plot_text(&pl_, out, 0, 0))
				rc = rc ? rc : KIT_EXIT_USAGE;
		}
		if (ns && s->png) {
			char path[4096];
			snprintf(path, sizeof(path), "%s.png", s->png);
			if (kit_plot_png(&pl_, path))
				rc = rc ? rc : KIT_EXIT_USAGE;
		}
	}

	/* Where the time goes, and the verdict. */
	const struct point *ser1 = NULL, *best = NULL, *copy = NULL, *cold_copy = NULL;
	for (size_t i = 0; i < np; i++) {
		const struct point *p = &pts[i];
		if (!p->valid)
			continue;
		if (p->mode == M_SERIAL)
			ser1 = p;
		else if (p->mode == M_COPY && !p->cold && (!copy || p->mbs > copy->mbs))
			copy = p;
		else if (p->mode == M_COPY && p->cold)
			cold_copy = p;
		else if (p->mode != M_COPY && !p->cold && (!best || p->mbs > best->mbs))
			best = p;
	}
	if (!best || (ser1 && ser1->mbs > best->mbs))
		best = ser1;
	fprintf(out, "\n");
	if (ser1) {
		double sum = ser1->read + ser1->transform + ser1->write;
		fprintf(out, "where the serial time goes: read %.0f%%, transform %.0f%%, write "
			"%.0f%% (%.3f s per run)\n", 100 * ser1->read / sum,
			100 * ser1->transform / sum, 100 * ser1->write / sum, ser1->median);
		fprintf(out, "verdict: %s here: %s\n",
			ser1->transform > ser1->read + ser1->write ? "CPU-bound" : "I/O-bound",
			ser1->transform > ser1->read + ser1->write
			? "the transform (the noise of every sample) costs more than reading and "
			  "writing the bytes; more cores help, up to the copy's limit"
			: "reading and writing cost more than the transform; more cores help "
			  "little, a faster disk (or fewer bytes) would");
	}
	if (best && copy)
		fprintf(out, "best: %s at %d, %.1f MB/s = %.0f%% of the plain copy's %.1f MB/s "
			"(the I/O limit, page cache warm%s)\n", etl_modes[best->mode].name,
			best->workers, best->mbs, 100 * best->mbs / copy->mbs, copy->mbs,
			cold_copy ? "" : "; --cold for disk reads");
	if (cold_copy)
		fprintf(out, "cold page cache: the copy reaches %.1f MB/s when the inputs come "
			"from disk\n", cold_copy->mbs);
	fflush(out);
	if (!s->quiet)
		sweep_warnings(pts, np, &cpu0, &cpu1);
	etl_plan_free(&pl);
	return rc;
}

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
	snprintf(script, sizeof(script), "%s/exercises/04-audio-etl/etl.py", kit_root());
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
	if (!have || etl_scratch_make(dest, sizeof(dest))) {
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
		etl_scratch_remove(dest);
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
	if (etl_scratch_make(scratch, sizeof(scratch))) {
		etl_inputs_free(in, (size_t)files);
		return KIT_EXIT_USAGE;
	}
	size_t nw = workers_of(o, w, MAX_POINTS);
	if (!o->quiet) {
		printf("%s\n\n", bench
		       ? "Benchmark: the audio ETL in every mode, in MB/s of input, against a "
			 "plain copy\nof the same bytes (the I/O limit), warm and cold page cache."
		       : "Demo: the audio ETL, the seed's etl_demo in C.");
		kit_env_print(stdout);
		printf("inputs    %d files of %g s (%s), outputs in a scratch folder\n\n", files,
		       seconds, gen);
		fflush(stdout);
	}
	if (!bench) {
		/* Part 1: the seed's run, Pool.map(etl, filenames), one line per file. */
		etl_plan pl;
		int procs = w[nw - 1] > 0 ? (o->workers ? w[nw - 1] : kit_omp_max_threads()) : 1;
		etl_plan_make(&pl, in, (size_t)files, scratch, true, &o->p);
		printf("starting etl (a pool of %d processes, as the seed's Pool())\n", procs);
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
			etl_scratch_remove(scratch);
			etl_inputs_free(in, (size_t)files);
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
	etl_scratch_remove(scratch);
	etl_inputs_free(in, (size_t)files);
	return rc;
}

int etl_demo(const char *name, const etl_demo_opts *o)
{
	if (strcmp(name, "etl")) {
		kit_error("unknown demo '%s'; exercise 04 has one demo: etl", name);
		return KIT_EXIT_USAGE;
	}
	return sweep_demo(o, false);
}

int etl_bench(const etl_demo_opts *o)
{
	return sweep_demo(o, true);
}
