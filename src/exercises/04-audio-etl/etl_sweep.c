/*
 * NAME
 *   etl_sweep.c - the timed sweep of exercise 04 (etl --time, and the demo
 *   and benchmark of demos/04-audio-etl). Shared; students do not edit it.
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
 *   etl --kernel all --time --threads 1,2 [--chart] [--cold]
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
	c->busy = kit_system_busy();
	c->own = kit_cputime();
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
