/*
 * NAME
 *   tasks_demos.c - the demos and the benchmark of exercise 06, tasks and
 *   load balance, built with the reference tasks.c only.
 *
 * USAGE
 *   tasks-demos --demo schedules|cutoff|linked-list [--quick] [--out DIR]
 *   tasks-demos --bench [--quick] [--out DIR]
 *   ./kit demo schedules; ./kit bench tasks        (the usual way in)
 *
 * NOTES
 *   schedules: the picture under static, dynamic with chunks 1 to 64, guided
 *     and taskloop at all threads: time, speed-up over 1 thread, the idle
 *     share from a recorded run, and a timeline PNG of each.
 *   cutoff: fib(n) with tasks against the cut-off: time and the number of
 *     tasks; the cost of one task from the difference.
 *   linked-list: a task per node against copying the list to an array first.
 *   --bench: every kernel at 1 .. all threads, the speed-up table, the
 *     speed-up chart and the timelines of the schedules; and the Python
 *     version (mandel_pool.py: numpy, a multiprocessing.Pool sharing rows
 *     statically and dynamically) on the same picture, checked pixel for
 *     pixel against the C's, with the ratios C / Python.
 *   Files go to DIR (default results/demos/NAME, results/bench/tasks).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <cjson/cJSON.h>

#include "demo.h"
#include "exercise.h"
#include "kit.h"
#include "tasks.h"

static bool quick, quiet;
static const char *outdir;
static char dir[4096];

/* One kernel run: what demo_run times. */
typedef struct job {
	int kind;		/* 0 picture, 1 fib, 2 list (tasks), 3 list (array) */
	kit_tl_sched sched;	/* the picture's schedule */
	int arg;		/* chunk, grain or cut-off */
	mandel m;
	uint32_t *counts;
	int fib_n;
	node *head;
	uint64_t value;
} job;

static int job_run(void *ctx)
{
	job *j = ctx;
	switch (j->kind) {
	case 0:
		if (j->sched == KIT_TL_STATIC) mandel_static(&j->m, j->counts);
		else if (j->sched == KIT_TL_DYNAMIC) mandel_dynamic(&j->m, j->arg, j->counts);
		else if (j->sched == KIT_TL_GUIDED) mandel_guided(&j->m, j->counts);
		else mandel_taskloop(&j->m, j->arg, j->counts);
		return 0;
	case 1: j->value = fib_tasks(j->fib_n, j->arg); return 0;
	case 2: j->value = list_tasks(j->head); return 0;
	default: j->value = list_array(j->head); return 0;
	}
}

/* The median seconds of J at THREADS threads (a short protocol: demos). */
static double timed(job *j, int threads)
{
	kit_omp_set_threads(threads);
	kit_timing_opts o = { .warmup = 1, .min_reps = 3, .min_time = quick ? 0.02 : 0.3,
			      .max_reps = 50 };
	kit_timing t;
	double s = kit_time(job_run, j, &o, &t) ? NAN : t.wall.median;
	kit_timing_free(&t);
	return s;
}

/* One recorded run of picture job J at THREADS threads: the timeline to
 * PNG (DIR/timeline-NAME.png), TEXT on stdout when asked; the idle share. */
static double recorded(job *j, int threads, const char *name, bool text)
{
	kit_omp_set_threads(threads);
	kit_timeline *tl = kit_tl_new(threads, 1 << 16);
	int64_t *chunk = NULL;
	if (j->kind == 0) {
		chunk = kit_xmalloc((size_t)j->m.height * sizeof(*chunk));
		kit_tl_chunks(j->sched, j->m.height, threads, j->arg, chunk);
	}
	kit_tl_start(tl);
	tasks_tl = tl;
	job_run(j);
	tasks_tl = NULL;
	char *png = kit_xasprintf("%s/timeline-%s.png", dir, name);
	for (char *c = strrchr(png, '/'); *c; c++)	/* dynamic,4 -> dynamic-4 */
		*c = *c == ',' || *c == ' ' ? '-' : *c;
	char *title = kit_xasprintf("%s on %d threads", name, threads);
	if (kit_tl_draw(tl, title, chunk, chunk ? (size_t)j->m.height : 0, png,
			text && !quiet ? stdout : NULL))
		kit_warn("the timeline of %s was not drawn (above); the tables are complete", name);
	kit_tl_summary s;
	kit_tl_summarize(tl, &s);
	free(title);
	free(png);
	free(chunk);
	kit_tl_free(tl);
	return s.idle;
}

static int finish(kit_results *r, const char *name)
{
	if (!quiet)
		kit_results_print(r, stdout);
	char *csv = kit_xasprintf("%s/%s.csv", dir, name), *js = kit_xasprintf("%s/%s.json", dir, name);
	int rc = kit_results_write_csv(r, csv) || kit_results_write_json(r, js) ? KIT_EXIT_USAGE : 0;
	if (!rc && !quiet)
		printf("files: %s/%s.{csv,json} and its PNGs\n", dir, name);
	free(csv);
	free(js);
	kit_results_free(r);
	return rc;
}

static const struct { const char *name; kit_tl_sched s; int arg; } scheds[] = {
	{ "static", KIT_TL_STATIC, 0 }, { "dynamic,1", KIT_TL_DYNAMIC, 1 },
	{ "dynamic,4", KIT_TL_DYNAMIC, 4 }, { "dynamic,16", KIT_TL_DYNAMIC, 16 },
	{ "dynamic,64", KIT_TL_DYNAMIC, 64 }, { "guided", KIT_TL_GUIDED, 0 },
	{ "taskloop,4", KIT_TL_GRAINSIZE, 4 },
};
enum { NSCHED = sizeof(scheds) / sizeof(scheds[0]) };

static job picture_job(void)
{
	job j = { .kind = 0, .m = tasks_mandel(quick ? 240 : 800, quick ? 300 : 1000, 2026) };
	j.counts = kit_xmalloc((size_t)j.m.width * j.m.height * sizeof(uint32_t));
	return j;
}

/* The schedules side by side at all threads, a timeline each. */
static int demo_schedules(void)
{
	int nt = kit_omp_max_threads();
	job j = picture_job();
	uint32_t *ref = kit_xmalloc((size_t)j.m.width * j.m.height * sizeof(uint32_t));
	tasks_mandel_ref(&j.m, ref);
	kit_results *r = kit_results_new("tasks-demos", "The picture's rows under each schedule");
	kit_results_config(r, "picture", "%d x %d, at most %d steps a pixel", j.m.width,
			   j.m.height, j.m.iters);
	kit_results_config(r, "threads", "%d", nt);
	j.sched = KIT_TL_STATIC;
	double t1 = timed(&j, 1);
	bool all_ok = true;
	for (int i = 0; i < NSCHED; i++) {
		j.sched = scheds[i].s;
		j.arg = scheds[i].arg;
		double t = timed(&j, nt);
		double idle = recorded(&j, nt, scheds[i].name, i == 0 || i == 2);
		bool ok = !memcmp(j.counts, ref, (size_t)j.m.width * j.m.height * sizeof(uint32_t));
		all_ok &= ok;
		kit_results_row(r, scheds[i].name);
		kit_results_num(r, "median_s", t, "%.4f");
		kit_results_num(r, "speedup", t1 / t, "%.2f");
		kit_results_num(r, "idle_pct", 100 * idle, "%.0f");
		kit_results_valid(r, ok, ok ? NULL : "the picture differs from the serial one");
	}
	free(ref);
	free(j.counts);
	int rc = finish(r, "schedules");
	return rc ? rc : all_ok ? 0 : KIT_EXIT_INVALID;
}

/* fib with tasks against the cut-off: the cost of too-small tasks. */
static int demo_cutoff(void)
{
	int nt = kit_omp_max_threads(), n = quick ? 24 : 36;
	job j = { .kind = 1, .fib_n = n, .arg = n + 1 };	/* above n: no task at all */
	double serial = timed(&j, 1);
	kit_results *r = kit_results_new("tasks-demos", "fib with tasks: time against the cut-off");
	kit_results_config(r, "fib", "fib(%d) on %d threads; serial (no task) %.4f s", n, nt, serial);
	double x[64], y[64], ntasks[64];
	size_t np = 0, best = 0;
	bool all_ok = true;
	for (int cut = 2; cut <= n && np < 64; cut += cut < 10 ? 2 : 3) {
		j.arg = cut;
		double t = timed(&j, nt);
		/* tasks made: two per call with n >= cut (calls(k) = 1 + calls(k-1) + calls(k-2)) */
		double calls[96] = { 0 };
		for (int k = 2; k <= n; k++)
			calls[k] = k >= cut ? 1 + calls[k - 1] + calls[k - 2] : 0;
		double tasks = 2 * calls[n];
		bool ok = j.value == tasks_fib_ref(n);
		all_ok &= ok;
		kit_results_row(r, NULL);
		kit_results_num(r, "cutoff", cut, "%.0f");
		kit_results_num(r, "tasks", tasks, "%.0f");
		kit_results_num(r, "median_s", t, "%.4f");
		kit_results_num(r, "vs_serial", t / serial, "%.2f");
		kit_results_valid(r, ok, ok ? NULL : "not fib(n)");
		x[np] = cut;
		ntasks[np] = tasks;
		y[np] = t;
		best = t < y[best] ? np : best;
		np++;
	}
	/* the CPU time one task costs: the slope from the fastest cut-off to cut-off 2 */
	if (best > 0)
		kit_results_config(r, "one task", "about %.2f us of CPU time (the extra time of "
				   "cut-off 2 over cut-off %.0f, x %d threads, per extra task)",
				   (y[0] - y[best]) * nt / (ntasks[0] - ntasks[best]) * 1e6, x[best], nt);
	kit_series s = { "fib with tasks", x, y, np };
	kit_plot p = { .title = "fib with tasks: time against the cut-off", .xlabel = "cut-off "
		"(calls with n below it run serially)", .ylabel = "seconds", .series = &s,
		.nseries = 1, .logy = true };
	char *png = kit_xasprintf("%s/cutoff.png", dir);
	if (kit_plot_png(&p, png) || (!quiet && kit_plot_text(&p, stdout, 0, 0)))
		kit_warn("the cut-off chart was not drawn (above); the table is complete");
	free(png);
	int rc = finish(r, "cutoff");
	return rc ? rc : all_ok ? 0 : KIT_EXIT_INVALID;
}

/* A task per node against an array first, at 1 .. all threads. */
static int demo_list(void)
{
	uint64_t n = quick ? 20000 : 200000;
	node *head, *nodes = tasks_list_new(n, 2026, &head);
	uint64_t want = tasks_list_ref(head);
	kit_results *r = kit_results_new("tasks-demos", "A linked list: tasks or an array first");
	kit_results_config(r, "list", "%llu nodes of 20 to 5000 steps each", (unsigned long long)n);
	bool all_ok = true;
	for (int t = 1; t <= kit_omp_max_threads(); t++) {
		for (int kind = 2; kind <= 3; kind++) {
			job j = { .kind = kind, .head = head };
			double s = timed(&j, t);
			bool ok = j.value == want;
			all_ok &= ok;
			kit_results_row(r, kind == 2 ? "task per node" : "array, then for");
			kit_results_num(r, "threads", t, "%.0f");
			kit_results_num(r, "median_s", s, "%.4f");
			kit_results_num(r, "ns_per_node", s / (double)n * 1e9, "%.0f");
			kit_results_valid(r, ok, ok ? NULL : "wrong sum");
			if (t == kit_omp_max_threads())
				recorded(&j, t, kind == 2 ? "list-tasks" : "list-array", false);
		}
	}
	free(nodes);
	int rc = finish(r, "linked-list");
	return rc ? rc : all_ok ? 0 : KIT_EXIT_INVALID;
}

/* The Python version of the picture (mandel_pool.py: numpy over blocks of 4
 * rows, a multiprocessing.Pool sharing them out statically and dynamically)
 * on the same picture at NT workers, beside C's static and dynamic,4 (C1 on
 * 1 thread, CS and CD at NT). Its picture must be the C's REF, pixel for
 * pixel, before its times count. Rows into R; the ratios printed after. */
static void bench_python(kit_results *r, const mandel *m, const uint32_t *ref, int nt,
			 const double c[3], kit_buf *after)
{
	char a[9][32], why[512];
	char *counts = kit_xasprintf("%s/python-picture.u32", dir);
	snprintf(a[0], 32, "%d", m->width);
	snprintf(a[1], 32, "%d", m->height);
	snprintf(a[2], 32, "%d", m->iters);
	snprintf(a[3], 32, "%.17g", m->x0);
	snprintf(a[4], 32, "%.17g", m->y0);
	snprintf(a[5], 32, "%.17g", m->dx);
	snprintf(a[6], 32, "%.17g", m->dy);
	snprintf(a[7], 32, "%d", nt);
	const char *args[] = { a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], counts, NULL };
	cJSON *j = kit_demo_python("demos/06-tasks-load-balance/mandel_pool.py", args, 600,
				   why, sizeof(why));
	size_t npx = (size_t)m->width * (size_t)m->height;
	uint32_t *got = kit_xmalloc(npx * sizeof(*got));
	double py[3] = { kit_ex_num(j, "serial_s", NAN), kit_ex_num(j, "static_s", NAN),
			 kit_ex_num(j, "dynamic_s", NAN) };
	kit_buf msg = { 0 };
	if (j && kit_ex_read_exact(dir, "python-picture.u32", got, npx * sizeof(*got), &msg))
		snprintf(why, sizeof(why), "its picture could not be read back: %s",
			 kit_buf_str(&msg));
	else if (j && kit_ex_count_diff(got, ref, npx, sizeof(*got), NULL))
		snprintf(why, sizeof(why), "its picture differs from the C's in %zu of %zu pixels",
			 kit_ex_count_diff(got, ref, npx, sizeof(*got), NULL), npx);
	else if (j && !(py[0] > 0 && py[1] > 0 && py[2] > 0))
		snprintf(why, sizeof(why), "mandel_pool.py printed no times");
	else if (j) {
		const char *names[] = { "python serial", "python pool static", "python pool dynamic,4" };
		for (int k = 0; k < 3; k++) {
			kit_results_row(r, names[k]);
			kit_results_num(r, "threads", k ? nt : 1, "%.0f");
			kit_results_num(r, "median_s", py[k], "%.4f");
			kit_results_num(r, "speedup", py[0] / py[k], "%.2f");
		}
		kit_buf_printf(after, "C against Python (numpy over blocks of 4 rows, %d pool workers; "
			       "the same picture, pixel for pixel):\n"
			       "  serial                    C %.3f s, Python %.3f s: C %.1fx faster\n"
			       "  static (a block a worker) C %.3f s, Python %.3f s: C %.1fx faster\n"
			       "  dynamic, 4 rows at a time C %.3f s, Python %.3f s: C %.1fx faster\n",
			       nt, c[0], py[0], py[0] / c[0], c[1], py[1], py[1] / c[1], c[2], py[2],
			       py[2] / c[2]);
		*why = '\0';
	}
	if (*why)
		kit_buf_printf(after, "No Python beside the C: %s.\n", why);
	unlink(counts);
	kit_buf_free(&msg);
	free(got);
	free(counts);
	cJSON_Delete(j);
}

/* Every kernel at 1 .. all threads: the speed-up table and chart. */
static int bench(void)
{
	int maxt = kit_omp_max_threads(), nt = 0;
	job pic = picture_job();
	node *head, *nodes = tasks_list_new(quick ? 20000 : 100000, 7, &head);
	job jobs[] = {
		{ .kind = 0, .sched = KIT_TL_STATIC, .m = pic.m, .counts = pic.counts },
		{ .kind = 0, .sched = KIT_TL_DYNAMIC, .arg = 4, .m = pic.m, .counts = pic.counts },
		{ .kind = 0, .sched = KIT_TL_GUIDED, .m = pic.m, .counts = pic.counts },
		{ .kind = 0, .sched = KIT_TL_GRAINSIZE, .arg = 4, .m = pic.m, .counts = pic.counts },
		{ .kind = 1, .fib_n = quick ? 26 : 34, .arg = quick ? 14 : 20 },
		{ .kind = 2, .head = head }, { .kind = 3, .head = head },
	};
	const char *names[] = { "static", "dynamic,4", "guided", "taskloop,4", "fib tasks",
				"list tasks", "list array" };
	enum { NJ = sizeof(jobs) / sizeof(jobs[0]) };
	int threads[64];
	for (int t = 1; t <= maxt && nt < 64; t++)
		threads[nt++] = t;
	double tm[NJ][64];
	kit_results *r = kit_results_new("tasks-demos", "Exercise 06: time and speed-up by kernel");
	kit_results_config(r, "picture", "%d x %d, at most %d steps", pic.m.width, pic.m.height,
			   pic.m.iters);
	for (int k = 0; k < NJ; k++)
		for (int i = 0; i < nt; i++) {
			tm[k][i] = timed(&jobs[k], threads[i]);
			kit_results_row(r, names[k]);
			kit_results_num(r, "threads", threads[i], "%.0f");
			kit_results_num(r, "median_s", tm[k][i], "%.4f");
			kit_results_num(r, "speedup", tm[k][0] / tm[k][i], "%.2f");
		}
	kit_series s[NJ];
	double x[64], y[NJ][64];
	for (int i = 0; i < nt; i++)
		x[i] = threads[i];
	for (int k = 0; k < NJ; k++) {
		for (int i = 0; i < nt; i++)
			y[k][i] = tm[k][0] / tm[k][i];
		s[k] = (kit_series){ names[k], x, y[k], (size_t)nt };
	}
	kit_plot p = { .title = "Exercise 06: speed-up by kernel", .xlabel = "threads",
		       .ylabel = "speed-up over 1 thread", .series = s, .nseries = NJ, .ideal = true };
	char *png = kit_xasprintf("%s/speedup.png", dir);
	if (kit_plot_png(&p, png))
		kit_warn("the speed-up chart was not drawn (above); the table is complete");
	free(png);
	for (int k = 0; k < 4; k++)
		recorded(&jobs[k], maxt, names[k], false);
	uint32_t *ref = kit_xmalloc((size_t)pic.m.width * pic.m.height * sizeof(uint32_t));
	tasks_mandel_ref(&pic.m, ref);
	kit_buf after = { 0 };
	bench_python(r, &pic.m, ref, maxt, (double[3]){ tm[0][0], tm[0][nt - 1], tm[1][nt - 1] },
		     &after);
	free(ref);
	free(nodes);
	free(pic.counts);
	int rc = finish(r, "bench");
	if (!quiet)
		printf("\n%s", kit_buf_str(&after));
	kit_buf_free(&after);
	return rc;
}

/* The common options into the statics, the folder made; then the demo NAME
 * (NULL: the benchmark). */
static int run(const kit_demo_args *a, void *ctx)
{
	(void)ctx;
	quick = a->quick;
	outdir = a->out;
	if (outdir && *outdir)
		snprintf(dir, sizeof(dir), "%s", outdir);
	else
		snprintf(dir, sizeof(dir), "%s/results/%s%s", kit_root(),
			 a->bench ? "bench/tasks" : "demos/", a->bench ? "" : a->name);
	if (kit_mkdirs(dir))
		return KIT_EXIT_USAGE;
	if (!quiet)
		kit_env_print(stdout);
	if (a->bench)
		return bench();
	return !strcmp(a->name, "schedules") ? demo_schedules() :
	       !strcmp(a->name, "cutoff") ? demo_cutoff() : demo_list();
}

static const kit_demo demos[] = {
	{ "schedules", "static, dynamic,1/4/16/64 and guided side by side, with a timeline of "
		       "each", run },
	{ "cutoff", "fib with tasks: time against the cut-off (the cost of too-small tasks)",
	  run },
	{ "linked-list", "a linked list: a task per node against copying to an array and a "
			 "dynamic loop", run },
	KIT_DEMO_END,
};

static const kit_opt opts[] = {
	KIT_OPT_BOOL('q', "quiet", &quiet, "no tables or charts on the terminal"),
	KIT_OPT_END,
};

static const kit_demo_table table = {
	.program = "tasks-demos",
	.about = "The demos and the benchmark of exercise 06 (tasks and load balance),\n"
		 "run on the reference solution.",
	.demos = demos,
	.bench = run,
	.bench_about = "every kernel at 1 .. all threads: speed-up; the picture in\n"
		       "Python (numpy, a process pool) beside the C",
	.out_help = "where the files go (default: results/demos/NAME,\nresults/bench/tasks)",
	.options = opts,
	.examples = "  tasks-demos --demo schedules\n  tasks-demos --bench --quick\n",
};

int main(int argc, char **argv)
{
	return kit_demo_main(argc, argv, &table);
}
