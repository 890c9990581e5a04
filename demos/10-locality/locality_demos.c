/*
 * locality_demos.c - exercise 10's demos and benchmark, on the reference
 * locality.c:
 *
 *   locality-demos --demo cache-lines
 *       The histogram of step 1 four ways at all threads: per-thread
 *       histograms side by side (two in one cache line), padded to whole
 *       lines (the reference), an array reduction, one shared histogram
 *       with atomic adds; the time of each and its ratio to the padded one.
 *   locality-demos --demo first-touch
 *       Fresh arrays first written by one thread or by all in the triad's
 *       schedule: the time of those first writes (page faults included)
 *       and the triad's bandwidth on the arrays each way.
 *   locality-demos --demo affinity
 *       The machine as hwloc sees it (the tree lstopo draws), then a
 *       parallel region started under several OMP_PLACES / OMP_PROC_BIND
 *       settings with OMP_DISPLAY_AFFINITY=true: where the runtime put each
 *       thread.
 *   locality-demos --demo roofline
 *       The machine's FMA peak and triad bandwidth (./kit machine), and the
 *       kit's kernels placed by arithmetic intensity and measured GFLOP/s:
 *       the triad and polynomial of this exercise, exercise 01's pi, 02's
 *       gemm loops and OpenBLAS dgemm, 04's noise transform, 07's column
 *       means. A table, and roofline.png with --out.
 *   locality-demos --bench
 *       The triad and the polynomial against the machine's limits and
 *       against numpy on arrays of the same size.
 *
 * Options: --quick (test-sized), --out DIR (CSV and PNG), -n N (array
 * elements). Threads: OMP_NUM_THREADS (default: every CPU). Times are the
 * best of a few runs; on a busy machine the ratios vary.
 */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <hwloc.h>

#include "exercise.h"
#include "kit.h"
#include "kit_omp.h"
#include "locality.h"
#include "opt.h"
#ifdef LOC_ETL
#include "etl_noise.h"
#endif

static int reps = 3;
static FILE *csv;

static double best_of(void (*fn)(void *), void *arg)
{
	double best = INFINITY;
	for (int r = 0; r < reps; r++) {
		double t0 = kit_wtime();
		fn(arg);
		double t = kit_wtime() - t0;
		best = t < best ? t : best;
	}
	return best;
}

static double *array(uint64_t n)
{
	double *x = aligned_alloc(64, (n * sizeof(double) + 63) / 64 * 64);
	if (!x) {
		kit_error("cannot allocate %.0f MB: try a smaller -n", (double)n * 8e-6);
		exit(KIT_EXIT_USAGE);
	}
	return x;
}

static FILE *open_csv(const char *out, const char *name, const char *header)
{
	if (!out || kit_mkdirs(out))
		return NULL;
	char *p = kit_xasprintf("%s/%s.csv", out, name);
	FILE *f = fopen(p, "w");
	if (!f)
		kit_error("cannot write %s: %s", p, strerror(errno));
	free(p);
	if (f)
		fprintf(f, "%s\n", header);
	return f;
}

/* ------------------------------------------------------------------------
 * False sharing
 */

typedef struct hist_arg {
	uint64_t n, seed, counts[LOC_BINS];
} hist_arg;

/* Per-thread histograms side by side: thread t's four counts at
 * h[4t..4t+3], 32 bytes, so threads 2k and 2k+1 share a 64-byte line. */
static void hist_adjacent(void *v)
{
	hist_arg *a = v;
	int nt = kit_omp_max_threads();
	uint64_t *h = aligned_alloc(LOC_LINE, ((size_t)nt * LOC_BINS * 8 + 63) / 64 * 64);
	memset(h, 0, (size_t)nt * LOC_BINS * 8);
#pragma omp parallel
	{
		uint64_t *mine = h + (size_t)kit_omp_thread_num() * LOC_BINS;
#pragma omp for schedule(static)
		for (uint64_t i = 0; i < a->n; i++)
			mine[loc_bin(a->seed, i)]++;
	}
	memset(a->counts, 0, sizeof(a->counts));
	for (int t = 0; t < nt; t++)
		for (int k = 0; k < LOC_BINS; k++)
			a->counts[k] += h[(size_t)t * LOC_BINS + k];
	free(h);
}

static void hist_padded(void *v)
{
	hist_arg *a = v;
	loc_hist(a->n, a->seed, a->counts);
}

static void hist_reduction(void *v)
{
	hist_arg *a = v;
	uint64_t c[LOC_BINS] = { 0 };
	uint64_t n = a->n, seed = a->seed;
#pragma omp parallel for schedule(static) reduction(+: c[:LOC_BINS])
	for (uint64_t i = 0; i < n; i++)
		c[loc_bin(seed, i)]++;
	memcpy(a->counts, c, sizeof(c));
}

static void hist_atomic(void *v)
{
	hist_arg *a = v;
	uint64_t c[LOC_BINS] = { 0 };
	uint64_t n = a->n, seed = a->seed;
#pragma omp parallel for schedule(static)
	for (uint64_t i = 0; i < n; i++) {
		unsigned b = loc_bin(seed, i);
#pragma omp atomic
		c[b]++;
	}
	memcpy(a->counts, c, sizeof(c));
}

static void hist_serial(void *v)
{
	hist_arg *a = v;
	memset(a->counts, 0, sizeof(a->counts));
	for (uint64_t i = 0; i < a->n; i++)
		a->counts[loc_bin(a->seed, i)]++;
}

static int demo_false_sharing(uint64_t n)
{
	static const struct {
		const char *name, *about;
		void (*fn)(void *);
		bool one;
	} v[] = {
		{ "serial", "one thread, one histogram", hist_serial, true },
		{ "padded", "a histogram per thread, each on its own cache line", hist_padded, false },
		{ "adjacent", "a histogram per thread, two in one cache line", hist_adjacent, false },
		{ "reduction", "reduction(+: counts[:4]): copies on each thread's stack",
		  hist_reduction, false },
		{ "atomic", "one shared histogram, '#pragma omp atomic' on every count",
		  hist_atomic, false },
	};
	int nt = kit_omp_max_threads();
	hist_arg want = { n, 2026, { 0 } };
	hist_serial(&want);
	printf("A histogram of %.3g values into %d bins (%d bytes of counts), %d thread%s, best of "
	       "%d rounds, the versions taking turns;\n\"x padded\": the time over the padded "
	       "version's at the same threads\n", (double)n,
	       LOC_BINS, LOC_BINS * 8, nt, nt == 1 ? "" : "s", reps);
	printf("  %-10s %8s %10s %10s  %s\n", "version", "threads", "time (s)", "x padded", "");
	/* The versions take turns, round after round, and each keeps its best
	 * time: a change in the machine's load hits them all alike. */
	enum { NV = sizeof(v) / sizeof(v[0]) };
	double best[NV];
	bool ok[NV];
	int saved = kit_omp_max_threads();
	for (size_t k = 0; k < NV; k++)
		best[k] = INFINITY, ok[k] = true;
	for (int r = 0; r < reps; r++)
		for (size_t k = 0; k < NV; k++) {
			hist_arg a = { n, 2026, { 0 } };
			if (v[k].one)
				kit_omp_set_threads(1);
			double t0 = kit_wtime();
			v[k].fn(&a);
			double t = kit_wtime() - t0;
			kit_omp_set_threads(saved);
			best[k] = t < best[k] ? t : best[k];
			ok[k] = ok[k] && !memcmp(a.counts, want.counts, sizeof(a.counts));
		}
	bool all_ok = true;
	for (size_t k = 0; k < NV; k++) {
		printf("  %-10s %8d %10.4f %9.2fx  %s%s\n", v[k].name, v[k].one ? 1 : nt, best[k],
		       best[k] / best[1], v[k].about, ok[k] ? "" : " (WRONG COUNTS)");
		if (csv)
			fprintf(csv, "%s,%d,%.6f,%.3f,%d\n", v[k].name, v[k].one ? 1 : nt, best[k],
				best[k] / best[1], ok[k]);
		all_ok = all_ok && ok[k];
	}
	if (!all_ok)
		return KIT_EXIT_INVALID;
	return KIT_EXIT_OK;
}

/* ------------------------------------------------------------------------
 * First touch
 */

typedef struct arrays {
	uint64_t n;
	double *a, *b, *c;
} arrays;

static void init_serial(void *v)
{
	arrays *x = v;
	for (uint64_t i = 0; i < x->n; i++) {
		x->a[i] = 0.0;
		x->b[i] = loc_b(2026, i);
		x->c[i] = loc_c(2026, i);
	}
}

static void init_parallel(void *v)
{
	arrays *x = v;
	loc_init(x->a, x->b, x->c, x->n, 2026);
}

static void triad(void *v)
{
	arrays *x = v;
	loc_triad(x->a, x->b, x->c, x->n);
}

static void poly(void *v)
{
	arrays *x = v;
	loc_poly(x->a, x->c, x->n);
}

static int demo_first_touch(uint64_t n)
{
	int nt = kit_omp_max_threads();
	printf("Two sets of three fresh arrays of %.3g doubles (%.0f MB a set), %d thread%s; the "
	       "first writes\n(a page gets its memory at its first write) timed once, then the "
	       "triad on each set, best of %d,\nthe sets taking turns\n", (double)n,
	       (double)n * 24e-6, nt, nt == 1 ? "" : "s", 2 * reps + 1);
	arrays x[2];
	double first[2], bw[2] = { 0, 0 };
	for (int k = 0; k < 2; k++) {
		x[k] = (arrays){ n, array(n), array(n), array(n) };
		double t0 = kit_wtime();
		(k ? init_parallel : init_serial)(&x[k]);
		first[k] = kit_wtime() - t0;
	}
	int rounds = 2 * reps + 1;	/* the triad is short: more rounds, less noise */
	for (int r = 0; r < rounds; r++)
		for (int k = 0; k < 2; k++) {
			double t0 = kit_wtime();
			triad(&x[k]);
			double g = 24e-9 * (double)n / (kit_wtime() - t0);
			bw[k] = g > bw[k] ? g : bw[k];
		}
	printf("  %-34s %12s %14s\n", "first written by", "first (s)", "triad GB/s");
	for (int k = 0; k < 2; k++) {
		printf("  %-34s %12.4f %14.2f\n",
		       k ? "all threads, schedule(static)" : "thread 0 alone (a serial loop)", first[k],
		       bw[k]);
		if (csv)
			fprintf(csv, "%s,%.6f,%.3f\n", k ? "parallel" : "serial", first[k], bw[k]);
		free(x[k].a);
		free(x[k].b);
		free(x[k].c);
	}
	printf("first writes: serial / parallel = %.2fx; triad: parallel-placed / serial-placed = "
	       "%.2fx\n", first[0] / first[1], bw[1] / bw[0]);
	hwloc_topology_t t;
	int nodes = 1;
	if (!hwloc_topology_init(&t) && !hwloc_topology_load(t)) {
		nodes = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_NUMANODE);
		hwloc_topology_destroy(t);
	}
	printf("memory nodes (NUMA) on this machine: %d%s\n", nodes,
	       nodes <= 1 ? ": every page is equally near every core, the placement cannot show"
			  : "");
	return KIT_EXIT_OK;
}

/* ------------------------------------------------------------------------
 * Affinity
 */

static void tree(hwloc_topology_t t, hwloc_obj_t o, int depth)
{
	char type[64], attr[128];
	hwloc_obj_type_snprintf(type, sizeof(type), o, 0);
	hwloc_obj_attr_snprintf(attr, sizeof(attr), o, " ", 0);
	printf("  %*s%s L#%u", 2 * depth, "", type, o->logical_index);
	if (o->type == HWLOC_OBJ_PU || o->type == HWLOC_OBJ_NUMANODE)
		printf(" P#%u", o->os_index);
	printf("%s%s%s\n", attr[0] ? " (" : "", attr, attr[0] ? ")" : "");
	for (hwloc_obj_t m = o->memory_first_child; m; m = m->next_sibling)
		tree(t, m, depth + 1);
	for (hwloc_obj_t c = o->first_child; c; c = c->next_sibling)
		tree(t, c, depth + 1);
}

static int child_region(void)
{
	int cpu[LOC_MAX_THREADS] = { 0 }, nt = 1;
#pragma omp parallel
	{
		cpu[kit_omp_thread_num()] = sched_getcpu();
#pragma omp single
		nt = kit_omp_num_threads();
	}
	fflush(stderr);
	printf("    after the region: thread ->");
	for (int i = 0; i < nt && i < LOC_MAX_THREADS; i++)
		printf(" %d:cpu%d", i, cpu[i]);
	printf("\n");
	return 0;
}

static int demo_affinity(bool quick)
{
	hwloc_topology_t t;
	if (hwloc_topology_init(&t) || hwloc_topology_load(t)) {
		kit_error("hwloc cannot read this machine's topology");
		return KIT_EXIT_INVALID;
	}
	printf("The machine as hwloc sees it (lstopo's tree: L# logical numbers, P# the "
	       "operating system's CPU numbers):\n");
	tree(t, hwloc_get_root_obj(t), 0);
	int pus = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU);
	hwloc_topology_destroy(t);
	if (!kit_omp_enabled()) {
		printf("This build has no OpenMP (-Dopenmp=disabled): no threads to place.\n");
		return KIT_EXIT_OK;
	}
	static const char *const set[][2] = {
		{ NULL, NULL }, { "cores", "close" }, { "cores", "spread" }, { "threads", "primary" },
	};
	int nset = quick ? 2 : 4;
	char threads[16];
	snprintf(threads, sizeof(threads), "%d", pus);
	for (int s = 0; s < nset; s++) {
		printf("\nOMP_NUM_THREADS=%s OMP_PLACES=%s OMP_PROC_BIND=%s OMP_DISPLAY_AFFINITY=true\n",
		       threads, set[s][0] ? set[s][0] : "(unset)", set[s][1] ? set[s][1] : "(unset)");
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			setenv("OMP_NUM_THREADS", threads, 1);
			setenv("OMP_DISPLAY_AFFINITY", "true", 1);
			setenv("OMP_AFFINITY_FORMAT", "    thread %n of %N may run on CPUs {%A}", 1);
			if (set[s][0]) {
				setenv("OMP_PLACES", set[s][0], 1);
				setenv("OMP_PROC_BIND", set[s][1], 1);
			} else {
				unsetenv("OMP_PLACES");
				unsetenv("OMP_PROC_BIND");
			}
			dup2(1, 2);
			execl("/proc/self/exe", "locality-demos", "--child", (char *)NULL);
			_exit(127);
		}
		int st = 0;
		if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
			kit_error("the child with these settings did not run");
			return KIT_EXIT_INVALID;
		}
	}
	return KIT_EXIT_OK;
}

/* ------------------------------------------------------------------------
 * The roofline
 */

typedef struct point {
	char name[48];
	double ai, gflops;	/* flops per byte (INFINITY: no memory traffic), rate */
	const char *how;
} point;

/* A reference program of the kit, run fresh: the figure KEY of its timed
 * row ("median_s", "gflops", "gbs"), or -1 after a line saying why. */
static double fresh(const char *rel, const char *const *args, int threads, const char *key)
{
	char *prog = kit_xasprintf("%s/%s", getenv("LOC_BUILD"), rel);
	kit_ex_fresh f;
	double v = -1;
	if (access(prog, X_OK)) {
		printf("  (%s not built: skipped)\n", rel);
	} else {
		kit_ex_fresh_run(prog, args, threads, NULL, 300, &f);
		if (f.ok)
			v = kit_ex_num(f.columns, key, -1);
		else
			printf("  (%s did not run: %s)\n", rel, f.why);
		kit_ex_fresh_free(&f);
	}
	free(prog);
	return v;
}

#ifdef LOC_ETL
typedef struct etl_arg {
	float *x;
	uint64_t n;
} etl_arg;

static void etl_run(void *v)
{
	etl_arg *e = v;
	float *x = e->x;
	uint64_t n = e->n;
#pragma omp parallel for schedule(static)
	for (uint64_t i = 0; i < n; i++)
		x[i] = etl_noisy(x[i], 0.1, 2026, 7, i);
}
#endif

static int demo_roofline(uint64_t n, bool quick, const char *out)
{
	kit_machine m = { 0 };
	int nt = kit_omp_max_threads();
	bool have = kit_machine_load(&m) == 0;
	if (!have && quick) {
		printf("No results/machine.json yet, and --quick does not measure: run ./kit machine "
		       "for the roof\n");
		m = (kit_machine){ .peak_gflops_1 = NAN, .peak_gflops_all = NAN, .bw_gbs_1 = NAN,
				   .bw_gbs_all = NAN };
	} else if (!have) {
		printf("No results/machine.json yet: measuring the machine, as ./kit machine does\n");
		if (kit_machine_measure(&m, true))
			return KIT_EXIT_INVALID;
		if (kit_machine_save(&m) == 0)
			printf("  saved in results/machine.json for the next runs\n");
	}
	double peak = nt > 1 ? m.peak_gflops_all : m.peak_gflops_1;
	double bw = nt > 1 ? m.bw_gbs_all : m.bw_gbs_1;
	printf("The roof at %d thread%s: FMA peak %.1f GFLOP/s, triad bandwidth %.1f GB/s (from "
	       "./kit machine);\nthe ridge, where they meet: %.2f flops per byte\n", nt,
	       nt == 1 ? "" : "s", peak, bw, peak / bw);
	point p[8];
	int np = 0;
	/* Arrays larger than the last cache, as ./kit machine's triad uses: in
	 * a cache the triad would be measured against the wrong roof. */
	kit_topo topo;
	kit_topo_get(&topo);
	double llc = (double)(topo.l3 > 0 ? topo.l3 : topo.l2 > 0 ? topo.l2 : 0);
	double want = fmin(fmax(2 * llc, 64.0 * (1 << 20)), 1024.0 * (1 << 20)) / 8;
	if (!quick && (double)n < want)
		n = (uint64_t)want;
	printf("triad and polynomial: 3 arrays of %.0f MB each (twice the last cache, at least "
	       "64 MiB%s)\n", (double)n * 8e-6, quick ? "; --quick: smaller" : "");
	arrays x = { n, array(n), array(n), array(n) };
	loc_init(x.a, x.b, x.c, n, 2026);
	double t = best_of(triad, &x);
	p[np++] = (point){ "triad (ex 10)", 2.0 / 24, 2e-9 * (double)n / t, "this process" };
	t = best_of(poly, &x);
	p[np++] = (point){ "polynomial (ex 10)", 2.0 * LOC_DEGREE / 16,
			   2e-9 * LOC_DEGREE * (double)n / t, "this process" };
#ifdef LOC_ETL
	etl_arg e = { (float *)x.b, 2 * n };	/* b's bytes as 2n floats */
	for (uint64_t i = 0; i < e.n; i++)
		e.x[i] = (float)(i % 2001) * 1e-3f - 1.0f;
	t = best_of(etl_run, &e);
	p[np++] = (point){ "noise transform (ex 04)", 56.0 / 8, 56e-9 * (double)e.n / t,
			   "this process, single precision" };
#endif
	free(x.a);
	free(x.b);
	free(x.c);
	const char *pi_args[] = { "--kernel", "same", "-n", quick ? "4e6" : "4e7", NULL };
	double s = fresh("solutions/01-monte-carlo-pi/pi", pi_args, nt, "median_s");
	if (s > 0)
		p[np++] = (point){ "pi (ex 01)", INFINITY, 5e-9 * atof(pi_args[3]) / s,
				   "no memory traffic" };
	const char *n_loops = quick ? "200" : "500", *n_blas = quick ? "400" : "1500";
	const char *loops_args[] = { "--kernel", "loops", "-n", n_loops, NULL };
	s = fresh("solutions/02-blas-threads/gemm", loops_args, nt, "gflops");
	if (s > 0)	/* A and B read, C read and written once: 4 n^2 doubles */
		p[np++] = (point){ "gemm loops (ex 02)", atof(n_loops) / 16, s,
				   "compulsory traffic" };
	const char *blas_args[] = { "--kernel", "blas", "-n", n_blas, NULL };
	s = fresh("solutions/02-blas-threads/gemm", blas_args, nt, "gflops");
	if (s > 0)
		p[np++] = (point){ "OpenBLAS dgemm (ex 02)", atof(n_blas) / 16, s,
				   "compulsory traffic" };
	const char *rows = quick ? "200000" : "2000000";
	const char *ooc_args[] = { "--kernel", "threads", "-n", rows, "--mem", "8M", NULL };
	s = fresh("solutions/07-out-of-core/ooc", ooc_args, nt, "gbs");
	if (s > 0)	/* a compensated add is 4 flops for 8 bytes */
		p[np++] = (point){ "column means (ex 07)", 4.0 / 8, s * 4.0 / 8,
				   "page cache, warm" };

	printf("\n  %-24s %10s %10s %10s %8s  %s\n", "kernel", "flops/B", "GFLOP/s", "roof",
	       "of roof", "bound by");
	kit_series ser[10];
	double xs[10], ys[10], rx[3], ry[3];
	double right = 256;
	bool above = false;
	for (int i = 0; i < np; i++) {
		double ai = isfinite(p[i].ai) ? p[i].ai : right;
		double roof = fmin(peak, bw * ai);
		char aitext[32] = "-";
		if (isfinite(p[i].ai))
			snprintf(aitext, sizeof(aitext), "%.3g", p[i].ai);
		if (isfinite(roof))
			printf("  %-24s %10s %10.2f %10.1f %7.0f%%  %s (%s)\n", p[i].name, aitext,
			       p[i].gflops, roof, 100 * p[i].gflops / roof,
			       bw * ai < peak ? "memory" : "compute", p[i].how);
		else
			printf("  %-24s %10s %10.2f %10s %8s  %s (%s)\n", p[i].name, aitext,
			       p[i].gflops, "-", "-", "unknown", p[i].how);
		above = above || p[i].gflops > roof;
		if (csv)
			fprintf(csv, "%s,%.6g,%.6g,%.6g\n", p[i].name, p[i].ai, p[i].gflops, roof);
		xs[i] = ai;
		ys[i] = p[i].gflops;
		ser[i + 1] = (kit_series){ p[i].name, &xs[i], &ys[i], 1 };
	}
	printf("(flops/B: flops per byte of memory traffic, counted from the code; \"-\": none, "
	       "drawn at %g)\n", right);
	if (above)
		printf("above the roof: the limits were measured at another moment than these runs, "
		       "under other load, or the data fit in a cache; ./kit machine on a quiet "
		       "machine gives limits to quote\n");
	rx[0] = 1.0 / 64, ry[0] = bw * rx[0];
	rx[1] = peak / bw, ry[1] = peak;
	rx[2] = right, ry[2] = peak;
	ser[0] = (kit_series){ "roof: min(peak, bandwidth x intensity)", rx, ry, 3 };
	if (out) {
		kit_mkdirs(out);
		char *png = kit_xasprintf("%s/roofline.png", out);
		char *title = isfinite(peak) && isfinite(bw) ?
			kit_xasprintf("Roofline, %d thread%s: peak %.0f GFLOP/s, triad %.1f GB/s",
				      nt, nt == 1 ? "" : "s", peak, bw) :
			kit_xasprintf("Kernels at %d thread%s (no roof: ./kit machine measures it)",
				      nt, nt == 1 ? "" : "s");
		kit_plot pl = { .title = title, .xlabel = "arithmetic intensity (flops per byte)",
				.ylabel = "GFLOP/s", .series = isfinite(peak) ? ser : ser + 1,
				.nseries = (size_t)np + isfinite(peak),
				.logx = true, .logy = true };
		if (kit_plot_png(&pl, png) == 0)
			printf("chart: %s\n", png);
		free(png);
		free(title);
	}
	return KIT_EXIT_OK;
}

/* ------------------------------------------------------------------------
 * The benchmark: beside numpy
 */

static double numpy_seconds(uint64_t n, const char *what)
{
	char *cmd = kit_xasprintf(
		"/usr/bin/python3 -c '\n"
		"import sys, time\n"
		"try:\n"
		"    import numpy as np\n"
		"except ImportError:\n"
		"    sys.exit(3)\n"
		"n, what = %llu, \"%s\"\n"
		"b = np.floor(np.random.default_rng(1).random(n) * 2**20)\n"
		"c = b * 2.0**-20\n"
		"a = np.empty(n)\n"
		"coef = [(-1)**k / (k + 1) for k in range(%d)]\n"
		"best = 1e30\n"
		"for r in range(%d):\n"
		"    t = time.perf_counter()\n"
		"    if what == \"triad\":\n"
		"        np.multiply(c, 3.0, out=a); np.add(a, b, out=a)\n"
		"    else:\n"
		"        a.fill(coef[-1])\n"
		"        for k in coef[-2::-1]:\n"
		"            np.multiply(a, c, out=a); np.add(a, k, out=a)\n"
		"    best = min(best, time.perf_counter() - t)\n"
		"print(\"seconds\", best)' 2>&1", (unsigned long long)n, what, LOC_DEGREE + 1, reps);
	FILE *p = popen(cmd, "r");
	char line[256];
	double s = -1;
	while (p && fgets(line, sizeof(line), p))
		sscanf(line, "seconds %lf", &s);
	int st = p ? pclose(p) : -1;
	free(cmd);
	return st == 0 ? s : -1;
}

static int bench(uint64_t n)
{
	kit_machine m;
	int nt = kit_omp_max_threads();
	bool have_m = kit_machine_load(&m) == 0;
	double peak = nt > 1 ? m.peak_gflops_all : m.peak_gflops_1;
	double bw = nt > 1 ? m.bw_gbs_all : m.bw_gbs_1;
	arrays x = { n, array(n), array(n), array(n) };
	loc_init(x.a, x.b, x.c, n, 2026);
	double tt = best_of(triad, &x), tp = best_of(poly, &x);
	free(x.a);
	free(x.b);
	free(x.c);
	double nt_s = numpy_seconds(n, "triad"), np_s = numpy_seconds(n, "poly");
	printf("%.3g elements, %d thread%s, best of %d%s\n", (double)n, nt, nt == 1 ? "" : "s", reps,
	       have_m ? "" : " (no results/machine.json: run ./kit machine for the limits)");
	printf("  %-12s %10s %10s %10s %12s %12s\n", "kernel", "C (s)", "GB/s", "GFLOP/s",
	       "of the limit", "numpy / C");
	for (int k = 0; k < 2; k++) {
		double t = k ? tp : tt, bytes = k ? 16.0 : 24.0, flops = k ? 2.0 * LOC_DEGREE : 2.0;
		double gbs = bytes * (double)n / t * 1e-9, gf = flops * (double)n / t * 1e-9;
		double py = k ? np_s : nt_s;
		char lim[32] = "-", ratio[32] = "not run";
		if (have_m)
			snprintf(lim, sizeof(lim), "%.0f%% %s", k ? 100 * gf / peak : 100 * gbs / bw,
				 k ? "peak" : "bw");
		if (py > 0)
			snprintf(ratio, sizeof(ratio), "%.2fx", py / t);
		printf("  %-12s %10.4f %10.2f %10.2f %12s %12s\n", k ? "polynomial" : "triad", t, gbs,
		       gf, lim, ratio);
		if (csv)
			fprintf(csv, "%s,%.6f,%.3f,%.3f,%.6f\n", k ? "poly" : "triad", t, gbs, gf, py);
	}
	if (nt_s < 0)
		printf("numpy: not measured (Debian: apt-get install python3-numpy)\n");
	printf("numpy's triad makes two passes over memory (3c, then + b); its polynomial %d "
	       "(one per coefficient), where the C loop makes one\n", 2 * LOC_DEGREE);
	return KIT_EXIT_OK;
}

int main(int argc, char **argv)
{
	const char *demo = NULL, *out = NULL;
	bool do_bench = false, quick = false, child = false;
	uint64_t n = 0;
	kit_opt opts[] = {
		KIT_OPT_STRING(0, "demo", &demo, "NAME",
			       "the demo: cache-lines, first-touch, affinity or roofline"),
		KIT_OPT_BOOL(0, "bench", &do_bench, "the triad and the polynomial beside numpy"),
		KIT_OPT_BOOL(0, "quick", &quick, "test-sized (small arrays, one run each)"),
		KIT_OPT_STRING(0, "out", &out, "DIR", "where the CSV and PNG go (default: none)"),
		KIT_OPT_U64('n', NULL, &n, "N",
			    "array elements (default 1e7; hist: 10x), or values of the histogram", 1000,
			    UINT64_C(1) << 31),
		KIT_OPT_BOOL(0, "child", &child, "(internal: the affinity demo's parallel region)"),
		KIT_OPT_END,
	};
	const kit_opt *tables[] = { opts, NULL };
	kit_opt_prog p = {
		.name = "locality-demos",
		.usage = "locality-demos --demo cache-lines|first-touch|affinity|roofline [--quick] "
			 "[--out DIR] [-n N]\nlocality-demos --bench [--quick] [--out DIR] [-n N]",
		.about = "The demos and the benchmark of exercise 10 (locality, affinity and the\n"
			 "roofline), run on the reference solution.\n",
		.tables = tables,
	};
	if (kit_init(argc, argv))
		return KIT_EXIT_USAGE;
	int rc = kit_opt_parse(&p, argc, argv);
	if (rc == KIT_OPT_HELP)
		return KIT_EXIT_OK;
	if (rc)
		return KIT_EXIT_USAGE;
	if (child)
		return child_region();
	static const char *const names[] = { "cache-lines", "first-touch", "affinity", "roofline" };
	int which = -1;
	for (int k = 0; demo && k < 4; k++)
		if (!strcmp(demo, names[k]))
			which = k;
	if (!demo == !do_bench || (demo && which < 0)) {
		kit_error("choose one of --demo cache-lines|first-touch|affinity|roofline and "
			  "--bench (locality-demos --help)");
		return KIT_EXIT_USAGE;
	}
	reps = quick ? 1 : 3;
	if (!n)
		n = quick ? 1000000 : 10000000;
	/* The build folder: this program is BUILD/demos/10-locality/locality-demos. */
	char exe[4096];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[len > 0 ? len : 0] = 0;
	for (int up = 0; up < 3; up++) {
		char *slash = strrchr(exe, '/');
		if (slash)
			*slash = 0;
	}
	setenv("LOC_BUILD", exe, 0);
	static const char *const headers[] = {
		"version,threads,seconds,x_padded,right", "first_written_by,first_seconds,triad_gbs",
		NULL, "kernel,flops_per_byte,gflops,roof_gflops",
	};
	if (do_bench)
		csv = open_csv(out, "bench", "kernel,seconds,gbs,gflops,numpy_seconds");
	else if (headers[which])
		csv = open_csv(out, names[which], headers[which]);
	switch (do_bench ? -1 : which) {
	case 0: rc = demo_false_sharing(10 * n); break;
	case 1: rc = demo_first_touch(n); break;
	case 2: rc = demo_affinity(quick); break;
	case 3: rc = demo_roofline(n, quick, out); break;
	default: rc = bench(n);
	}
	if (csv)
		fclose(csv);
	return rc;
}
