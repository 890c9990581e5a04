/*
 * NAME
 *   gemm_main.c - the driver of exercise 02, BLAS under OMP_NUM_THREADS
 *   (shared by the skeleton and the reference build; students do not edit it).
 *
 * PURPOSE
 *   Prints the configuration first (threads requested and used, OpenBLAS's
 *   variant, core and thread count, and the fix when OpenBLAS fell back to a
 *   generic core), then runs the kernels of gemm.h, checks every product
 *   against a reference before any rate is shown, times the valid ones with
 *   the kit's one protocol and prints GFLOP/s and the fraction of the peak
 *   ./kit machine measured. Check modes (--validate, --expect-parallel,
 *   --check-sweep) are what ./kit check runs: each ends with one line
 *   "PASS: ..." or "FAIL: ...; hint" and the exit status is the verdict
 *   (0 pass, 1 fail, 2 usage, 77 cannot check here).
 *
 * USAGE
 *   gemm --help
 *   gemm --kernel blas -n 2048
 *   OMP_NUM_THREADS=2 gemm --kernel loops --validate --expect-parallel
 *   gemm --check-sweep 1,2
 *   ./kit sweep --env OMP_NUM_THREADS=1-2cpus -- build/exercises/02-blas-threads/gemm --kernel blas -n 2048
 *
 * NOTES
 *   Flops: 2 n^3 per product (n^3 multiplies and n^3 adds), count times that
 *   for the batch. Check (CS267's bound, elementwise):
 *     |C - AB|_ij <= 3 eps n (|A| |B|)_ij,   eps = DBL_EPSILON = 2^-52,
 *   with AB_ij summed in long double (x87, 64-bit mantissa: its own error is
 *   2^11 times smaller than the bound's eps) and (|A||B|)_ij in double. Every
 *   element is checked when n <= 512; above, a spot check: 4 whole rows and 4
 *   whole columns of C (the first, the last and two drawn from the seed),
 *   8 n^2 multiply-adds instead of n^3. C is filled with NaN before every
 *   checked call, so a kernel that reads C before writing it fails. A, B have
 *   entries uniform in [-1, 1) from a counter-based generator (splitmix64 of
 *   seed, matrix and index): the same matrices on every machine.
 */
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "demos.h"
#include "gemm.h"
#include "gemm_check.h"
#include "kit.h"

#define N_MAX 1000000		/* -n is parsed up to this; memory decides below it */
#define COUNT_MAX 1000000
#define N_BLAS 2048		/* default n when timing, per kernel */
#define N_LOOPS 512
#define N_BATCH 128
#define COUNT_DEFAULT 256	/* matrices in the batch when timing */
#define COUNT_CHECK 10		/* ... in check modes */
#define N_SWEEP 256		/* n of each --check-sweep child */
#define SEED_DEFAULT UINT64_C(2026)
#define MAX_THREADS 4096
#define BUSY_SPAN 0.3		/* seconds --expect-parallel keeps the kernel busy */

enum kernel { K_BLAS, K_LOOPS, K_BATCH, K_COUNT };

/* The kernels as data: name on the command line, function in gemm.h, step. */
static const struct kernel_info {
	const char *name, *func;
	int step;
	int n_time;		/* default n when timing */
	int n_parallel;		/* n of --expect-parallel */
} kernels[K_COUNT] = {
	[K_BLAS] = { "blas", "gemm_blas", 1, N_BLAS, 512 },
	[K_LOOPS] = { "loops", "gemm_loops", 2, N_LOOPS, 300 },
	[K_BATCH] = { "batch", "gemm_batch", 4, N_BATCH, N_BATCH },
};

/* The sizes --validate checks when -n is not given: a tiny odd one (edges,
 * remainders of vector loops) and one above OpenBLAS's threading threshold. */
static const int check_sizes[K_COUNT][2] = {
	[K_BLAS] = { 7, 300 }, [K_LOOPS] = { 7, 300 }, [K_BATCH] = { 7, 128 },
};

struct options {
	int kernel;			/* enum kernel, or -1: all */
	int n, count;			/* 0: the kernel's default */
	uint64_t seed;
	int *threads;			/* --threads; NULL: the current max threads */
	size_t nthreads;
	int reps;			/* --reps R: exactly R timed runs, no warm-up; 0: default */
	bool validate, expect_parallel;
	int *sweep;			/* --check-sweep LIST */
	size_t nsweep;
	const char *json, *csv, *png;
	bool chart, quiet;
	const char *demo, *out;
	bool bench, quick;
};

static void usage(FILE *out)
{
	fprintf(out,
"usage: gemm [--kernel K] [-n N] [--count C] [--threads LIST] [--reps R]\n"
"            [--json F] [--csv F] [--png PREFIX] [--chart] [-q]\n"
"       gemm --kernel K [--validate] [--expect-parallel]   PASS: or FAIL:, exit 0 or 1\n"
"       gemm [--kernel blas] --check-sweep LIST\n"
"       gemm --demo NAME [--quick] [--out DIR]\n"
"       gemm --bench [--quick] [--out DIR]\n"
"\n"
"Matrix product C = A B of n x n doubles (exercise 02). Prints the threads\n"
"and OpenBLAS's variant, core and threads first; checks every product against\n"
"a reference, |C - AB| <= 3 eps n |A||B| elementwise, then times it: GFLOP/s\n"
"(2 n^3 flops per product) and the fraction of ./kit machine's peak.\n"
"\n"
"  --kernel K       blas (step 1, gemm_blas), loops (step 2, gemm_loops),\n"
"                   batch (step 4, gemm_batch), or all (default)\n"
"  -n N             matrix order (default: blas 2048, loops 512, batch 128;\n"
"                   checks: 7 and 300, batch 7 and 128); 1k, 2e3 work\n"
"  --count C        matrices in the batch (default 256; checks 10)\n"
"  --seed S         seed of the random matrices (default 2026)\n"
"  --threads LIST   OpenMP thread counts to time in this process, e.g. 1,2 or\n"
"                   1-4, cores, cpus, 2cpus (default: the current OMP_NUM_THREADS).\n"
"                   Step 3 sweeps in fresh processes instead: ./kit sweep\n"
"  --reps R         exactly R timed runs after the checked one (default: the\n"
"                   kit's protocol: at least 5 runs and 0.2 s)\n"
"  --json F, --csv F  write the results; --png PREFIX  the scaling charts\n"
"  --chart          a text chart of the speed-up (with several thread counts)\n"
"  -q, --quiet      only the table (checks: only the verdict line)\n"
"\n"
"checks (at the thread count OMP_NUM_THREADS sets):\n"
"  --validate       every product within the error bound\n"
"  --expect-parallel  2 or more threads did work (77: only 1 thread here)\n"
"  --check-sweep LIST  runs this program once per OMP_NUM_THREADS in LIST, each\n"
"                   a fresh process, and checks that OpenBLAS used that many\n"
"                   threads (openblas_get_num_threads)\n"
"\n"
"  --demo NAME      a live demo: blas (the seed's thread sweep), batch\n"
"                   (threads outside vs inside the library)\n"
"  --bench          GFLOP/s at n = 1024, 2048, 4096 against the FMA peak and\n"
"                   numpy's x @ x\n"
"  --quick          test-sized demo or benchmark; --out DIR  where it writes\n"
"\n"
"environment: OMP_NUM_THREADS sets the threads of OpenMP and of OpenBLAS (its\n"
"OpenMP build ignores OPENBLAS_NUM_THREADS); OPENBLAS_CORETYPE=SkylakeX (or\n"
"Haswell) overrides the core OpenBLAS detected.\n"
"\n"
"examples:\n"
"  gemm --kernel blas -n 2048\n"
"  OPENBLAS_CORETYPE=SkylakeX gemm --kernel blas --threads 1,2 --chart\n"
"  OMP_NUM_THREADS=2 gemm --kernel loops --validate --expect-parallel\n"
"  gemm --check-sweep 1,2\n"
"  ./kit sweep --env OMP_NUM_THREADS=1-2cpus -- build/exercises/02-blas-threads/gemm --kernel blas -n 2048\n");
}

static void run_kernel(int k, const gemm_mats *m)
{
	switch (k) {
	case K_BLAS: gemm_blas(m->n, m->A, m->B, m->C); break;
	case K_LOOPS: gemm_loops(m->n, m->A, m->B, m->C); break;
	default: gemm_batch(m->count, m->n, m->A, m->B, m->C); break;
	}
}

static double flops_of(int k, int n, int count)
{
	double f = 2.0 * (double)n * (double)n * (double)n;
	return k == K_BATCH ? f * count : f;
}

/* What to look at when kernel K fails a check. */
static const char *hint_of(int k)
{
	switch (k) {
	case K_BLAS:
		return "look at TODO(1) in gemm.c: cblas_dgemm(CblasRowMajor, CblasNoTrans, "
		       "CblasNoTrans, n, n, n, 1.0, A, n, B, n, 0.0, C, n)";
	case K_LOOPS:
		return "look at TODO(2) in gemm.c: 'omp parallel for' over the rows i, each "
		       "row of C set to zero before the k loop adds A[i][k] * row k of B";
	default:
		return "look at TODO(4) in gemm.c: 'omp parallel for' over the batch, each "
		       "product b at offset b * n * n of A, B and C";
	}
}

/* ------------------------------------------------------------------------
 * Check modes
 */

/* Matrices in the batch: --count, else the default, fewer for large n so that
 * A, B and C stay under 256 MiB (gemm -n 2048 times the batch too). */
static int count_for(const struct options *o, bool checking)
{
	if (o->count)
		return o->count;
	int c = checking ? COUNT_CHECK : COUNT_DEFAULT;
	if (o->n) {
		double fit = 256.0 * (1 << 20) / (24.0 * o->n * (double)o->n);
		if (fit < c)
			c = fit < 1 ? 1 : (int)fit;
	}
	return c;
}

/* Exit status of a failed allocation: the size, not the kernel, is wrong. */
static int alloc_failed;

/* --validate: every size of the kernel within the bound. */
static void check_validate(kit_checks *c, const struct options *o, int k)
{
	int t = kit_omp_max_threads();
	int sizes[2], ns = 0;
	if (o->n)
		sizes[ns++] = o->n;
	else
		for (int i = 0; i < 2; i++)
			sizes[ns++] = check_sizes[k][i];
	int count = k == K_BATCH ? count_for(o, true) : 1;
	double worst = 0;
	char seen[128] = "";
	size_t len = 0;
	for (int i = 0; i < ns; i++) {
		gemm_mats m;
		if (gemm_mats_new(&m, sizes[i], count, o->seed)) {
			alloc_failed = 1;
			kit_check(c, KIT_FAIL, "observed no run: n = %d does not fit in memory "
				  "(message above)", sizes[i]);
			return;
		}
		run_kernel(k, &m);
		gemm_verdict v = gemm_check(&m, o->seed);
		const char *cov = gemm_check_coverage(&m);
		gemm_mats_free(&m);
		if (!v.ok) {
			kit_check(c, KIT_FAIL, "observed at n = %d, %d thread%s: %s; %s", sizes[i],
				  t, t == 1 ? "" : "s", v.why, hint_of(k));
			return;
		}
		worst = fmax(worst, v.worst);
		len += (size_t)snprintf(seen + len, sizeof(seen) - len, "%s%d (%s)",
					len ? ", " : "", sizes[i], cov);
		if (len >= sizeof(seen))
			len = sizeof(seen) - 1;
	}
	kit_check(c, KIT_PASS, "%s: |C - AB| <= 3 eps n |A||B| at n = %s%s, %d thread%s "
		  "(largest error %.2g of the bound)", kernels[k].name, seen,
		  k == K_BATCH ? (count == 1 ? ", 1 matrix" : "") : "", t, t == 1 ? "" : "s",
		  worst);
	if (k == K_BATCH && !c->quiet)
		printf("       (batch of %d matrices)\n", count);
}

/* Threads that could work in kernel K here: OpenMP's, or OpenBLAS's for the
 * library kernels (OpenBLAS threads even in a build without OpenMP). */
static int threads_for(int k)
{
	int t = kit_omp_max_threads();
	if (k != K_LOOPS) {
		kit_blas_info b;
		kit_blas_get(&b);
		if (b.threads > t)
			t = b.threads;
	}
	return t;
}

/* --expect-parallel: the kernel kept 2 or more threads busy. */
static void check_parallel(kit_checks *c, const struct options *o, int k)
{
	int t = threads_for(k);
	/* OpenBLAS runs threads of its own even in a build without OpenMP */
	if ((t < 2 || k == K_LOOPS) && !kit_check_parallel_possible(c, t))
		return;
	int n = o->n ? o->n : kernels[k].n_parallel;
	int count = k == K_BATCH ? (o->count ? o->count : 32) : 1;
	gemm_mats m;
	if (gemm_mats_new(&m, n, count, o->seed)) {
		alloc_failed = 1;
		kit_check(c, KIT_FAIL, "observed no run: n = %d does not fit in memory", n);
		return;
	}
	run_kernel(k, &m);	/* warm-up: threads started, buffers allocated */
	int runs = 0;
	kit_busy *b = kit_busy_begin();
	double t0 = kit_wtime();
	do {
		run_kernel(k, &m);
		runs++;
	} while (kit_wtime() - t0 < BUSY_SPAN);
	double wall = kit_wtime() - t0;
	int busy = kit_busy_end(b, 0.25);
	gemm_mats_free(&m);
	if (busy < 0) {
		kit_check(c, KIT_SKIP, "cannot see which threads worked (/proc/self/task "
			  "is not readable here)");
		return;
	}
	if (busy < 2) {
		kit_check(c, KIT_FAIL, "observed %d busy thread of %d over %d run%s at n = %d "
			  "(%.2f s): the product ran on one thread; %s", busy, t, runs,
			  runs == 1 ? "" : "s", n, wall, hint_of(k));
		return;
	}
	kit_check(c, KIT_PASS, "%d of %d threads busy over %d run%s at n = %d (%.2f s)",
		  busy, t, runs, runs == 1 ? "" : "s", n, wall);
}

/* --check-sweep LIST: OMP_NUM_THREADS reaches OpenBLAS, one fresh process each. */
static void check_sweep(kit_checks *c, const struct options *o, int k)
{
	int n = o->n ? o->n : N_SWEEP;
	char seen[512] = "";
	size_t len = 0;
	bool ok = true;
	for (size_t i = 0; i < o->nsweep; i++) {
		int want = o->sweep[i];
		gemm_child_opts co = { .kernel = kernels[k].name, .n = n, .count = 1,
				       .threads = want, .reps = 2, .timeout = 120 };
		gemm_child ch;
		gemm_run_child(&co, &ch);
		if (!ch.ok) {
			kit_check(c, KIT_FAIL, "observed the run with OMP_NUM_THREADS=%d fail: %s%s",
				  want, ch.why, ch.invalid ? "; fix step 1 first" : "");
			return;
		}
		if (!c->quiet)
			printf("       OMP_NUM_THREADS=%-3d omp_get_max_threads %d, "
			       "openblas_get_num_threads %d, %s variant, core %s, %.1f GFLOP/s\n",
			       want, ch.omp_threads, ch.blas_threads, ch.variant, ch.core, ch.gflops);
		if (strcmp(ch.variant, "openmp")) {
			kit_check(c, KIT_FAIL, "observed OpenBLAS's %s variant, not the OpenMP one: "
				  "it does not follow OMP_NUM_THREADS; install "
				  "libopenblas-openmp-dev and reconfigure (./kit does this)",
				  ch.variant);
			return;
		}
		/* OpenBLAS caps its threads at the MAX_THREADS it was built with
		 * (64 in Debian's build). */
		int expect = want < 64 ? want : 64;
		ok &= ch.blas_threads == expect;
		if (len < sizeof(seen))
			len += (size_t)snprintf(seen + len, sizeof(seen) - len, "%s%d -> %d",
						len ? ", " : "", want, ch.blas_threads);
	}
	if (!ok) {
		kit_check(c, KIT_FAIL, "observed OMP_NUM_THREADS -> openblas_get_num_threads "
			  "{%s}: the variable did not reach the library; is OMP_NUM_THREADS "
			  "set before the program starts (env, export)? Is the library the "
			  "OpenMP build (./kit doctor)?", seen);
		return;
	}
	kit_check(c, KIT_PASS, "OMP_NUM_THREADS reached OpenBLAS in every fresh process "
		  "(OMP_NUM_THREADS -> BLAS threads: %s)", seen);
}

static int run_checks(const struct options *o)
{
	kit_checks c = { .quiet = o->quiet };
	for (int k = 0; k < K_COUNT; k++) {
		if (o->kernel >= 0 && o->kernel != k)
			continue;
		if (o->nsweep && o->kernel < 0 && k != K_BLAS)
			continue;	/* the sweep is step 3's, of gemm_blas */
		if (!o->quiet)
			printf("%s (%s, step %d):\n", kernels[k].name, kernels[k].func,
			       kernels[k].step);
		if (o->validate)
			check_validate(&c, o, k);
		if (o->expect_parallel)
			check_parallel(&c, o, k);
		if (o->nsweep)
			check_sweep(&c, o, k);
		if (alloc_failed)
			break;	/* the size is wrong, not a kernel: once is enough */
	}
	int rc = kit_checks_finish(&c);
	return rc == KIT_EXIT_INVALID && alloc_failed ? KIT_EXIT_USAGE : rc;
}

/* ------------------------------------------------------------------------
 * Timing mode
 */

struct run_ctx {
	int kernel;
	const gemm_mats *m;
};

static int timed_run(void *p)
{
	struct run_ctx *x = p;
	run_kernel(x->kernel, x->m);
	return 0;
}

/* A timing kept for its warnings, printed after the table. */
struct kept {
	kit_timing tm;
	char label[64];
};

/* One row: check, then (when valid) time into *KEPT. Returns the median
 * seconds, -1 when invalid, -2 when the matrices do not fit (usage). */
static double measure(kit_results *r, const struct options *o, int k, int t,
		      struct kept *kept, double *gflops)
{
	int n = o->n ? o->n : kernels[k].n_time;
	int count = k == K_BATCH ? count_for(o, false) : 1;
	gemm_mats m;
	if (gemm_mats_new(&m, n, count, o->seed))
		return -2;
	kit_omp_set_threads(t);
	kit_results_row(r, kernels[k].name);
	kit_results_num(r, "n", n, "%.0f");
	if (k == K_BATCH)
		kit_results_num(r, "count", count, "%.0f");

	/* The checked run: also the warm-up, and a measure of one run's length. */
	struct run_ctx x = { .kernel = k, .m = &m };
	double t0 = kit_wtime();
	timed_run(&x);
	double once = kit_wtime() - t0;
	gemm_verdict v = gemm_check(&m, o->seed);
	kit_blas_info b;
	kit_blas_get(&b);
	kit_results_num(r, "blas_threads", b.threads, "%.0f");
	kit_results_num(r, "err_bound", v.worst, "%.2g");
	if (!v.ok) {
		char why[640];
		snprintf(why, sizeof(why), "%s; %s", v.why, hint_of(k));
		kit_results_valid(r, false, why);
		gemm_mats_free(&m);
		return -1;
	}

	kit_timing_opts to = KIT_TIMING_DEFAULT;
	if (o->reps) {
		to.warmup = 0;
		to.min_reps = to.max_reps = o->reps;
		to.min_time = 0;
	} else if (once > 1.0) {
		to.warmup = 0;
		to.min_reps = 3;
		if (!o->quiet)
			kit_warn("one run of %s at n = %d takes %.1f s at %d thread%s; timing 3 "
				 "runs", kernels[k].name, n, once, t, t == 1 ? "" : "s");
	}
	kit_timing *tm = &kept->tm;
	kit_busy *busy = kit_busy_begin();
	kit_time(timed_run, &x, &to, tm);
	/* Who really worked: openblas_get_num_threads() keeps the size of the
	 * library's pool, which a call on fewer threads does not shrink. */
	int nbusy = kit_busy_end(busy, 0.25);
	if (nbusy >= 0 && tm->wall.median * (double)tm->wall.n >= 0.2)
		kit_results_num(r, "busy_threads", nbusy, "%.0f");
	kit_kernel kk = { .name = kernels[k].func, .flops = flops_of(k, n, count), .bytes = 0 };
	kit_results_timing(r, tm, &kk);
	kit_results_valid(r, true, NULL);
	snprintf(kept->label, sizeof(kept->label), "%s at %d thread%s", kernels[k].name, t,
		 t == 1 ? "" : "s");
	*gflops = kk.flops / tm->wall.median / 1e9;
	gemm_mats_free(&m);
	return tm->wall.median;
}

static int run_timing(const struct options *o)
{
	int rc = KIT_EXIT_OK, nk = 0;
	int *p = malloc(o->nthreads * sizeof(*p));
	double *t = malloc(o->nthreads * sizeof(*t));
	struct kept *kept = calloc(K_COUNT * o->nthreads, sizeof(*kept));
	size_t nkept = 0;
	double best[K_COUNT] = { 0 };	/* GFLOP/s at the most threads, per kernel */
	kit_results *r = kit_results_new("gemm", "C = A B: GFLOP/s by kernel and threads");
	kit_scaling *attached = NULL;
	if (!p || !t || !kept)
		abort();

	kit_results_config(r, "kernel", "%s", o->kernel < 0 ? "all" : kernels[o->kernel].name);
	if (o->n)
		kit_results_config(r, "n", "%d", o->n);
	kit_results_config(r, "seed", "%llu", (unsigned long long)o->seed);
	kit_results_config(r, "flops", "2 n^3 per product");
	for (int k = 0; k < K_COUNT; k++)
		nk += o->kernel < 0 || o->kernel == k;

	kit_progress pr;
	kit_progress_begin(&pr, "gemm", (size_t)nk * o->nthreads);
	kit_scaling sc[K_COUNT];
	bool have_sc[K_COUNT] = { false };
	for (int k = 0; k < K_COUNT && rc != KIT_EXIT_USAGE; k++) {
		if (o->kernel >= 0 && o->kernel != k)
			continue;
		size_t ok = 0;
		for (size_t i = 0; i < o->nthreads; i++) {
			char what[64];
			snprintf(what, sizeof(what), "%s at %d threads", kernels[k].name, o->threads[i]);
			kit_progress_step(&pr, what);
			double gf = 0;
			double med = measure(r, o, k, o->threads[i], &kept[nkept], &gf);
			if (med == -2) {
				rc = KIT_EXIT_USAGE;
				break;
			}
			nkept++;
			if (med > 0) {
				p[ok] = o->threads[i];
				t[ok++] = med;
				best[k] = gf;
			}
		}
		if (o->nthreads > 1 && ok > 1 && kit_scaling_of(p, t, ok, &sc[k]) == 0)
			have_sc[k] = true;
	}
	kit_progress_end(&pr);
	if (rc == KIT_EXIT_USAGE)
		goto out;
	kit_results_print(r, stdout);
	fflush(stdout);
	for (size_t i = 0; i < nkept; i++)
		if (kept[i].tm.samples)
			kit_timing_warnings(&kept[i].tm, kept[i].label);
	fflush(stderr);

	kit_machine mach;
	if (!o->quiet && kit_machine_load(&mach) != 0)
		printf("\n(no frac_peak column: ./kit machine measures this machine's peak once)\n");
	if (best[K_BLAS] > 0 && best[K_LOOPS] > 0)
		printf("\nThe library: %.1f GFLOP/s; gemm_loops: %.1f GFLOP/s: %.0fx slower.\n",
		       best[K_BLAS], best[K_LOOPS], best[K_BLAS] / best[K_LOOPS]);

	for (int k = 0; k < K_COUNT; k++) {
		if (!have_sc[k])
			continue;
		char title[96], prefix[1024];
		snprintf(title, sizeof(title), "%s (%s): speed-up over threads",
			 kernels[k].name, kernels[k].func);
		printf("\nscaling of %s\n", kernels[k].name);
		kit_scaling_print(&sc[k], "s", stdout);
		if (o->png && nk > 1)
			snprintf(prefix, sizeof(prefix), "%s-%s", o->png, kernels[k].name);
		else if (o->png)
			snprintf(prefix, sizeof(prefix), "%s", o->png);
		fflush(stdout);
		if ((o->png || (o->chart && !o->quiet)) &&
		    kit_plot_scaling(&sc[k], title, o->png ? prefix : NULL,
				     o->chart && !o->quiet ? stdout : NULL))
			rc = KIT_EXIT_USAGE;
		if (!attached || k == K_BLAS)
			attached = &sc[k];
	}
	if (attached)
		kit_results_scaling(r, attached);
	/* ./kit sweep reads the results from KIT_RESULTS_JSON: write them
	 * whenever it is set, --json or not. */
	if (kit_results_write_json(r, o->json))
		rc = KIT_EXIT_USAGE;
	if (o->csv && kit_results_write_csv(r, o->csv))
		rc = KIT_EXIT_USAGE;
	if (!kit_results_all_valid(r)) {
		kit_error("a kernel gave a wrong product (marked in the table); check it with "
			  "--kernel K --validate");
		rc = KIT_EXIT_INVALID;
	}
	for (int k = 0; k < K_COUNT; k++)
		if (have_sc[k])
			kit_scaling_free(&sc[k]);
out:
	for (size_t i = 0; i < nkept; i++)
		kit_timing_free(&kept[i].tm);
	free(kept);
	kit_results_free(r);
	free(p);
	free(t);
	return rc;
}

/* ------------------------------------------------------------------------
 * Arguments
 */

static int parse_kernel(const char *s, int *out)
{
	if (!strcmp(s, "all")) {
		*out = -1;
		return 0;
	}
	for (int k = 0; k < K_COUNT; k++)
		if (!strcmp(s, kernels[k].name)) {
			*out = k;
			return 0;
		}
	kit_error("--kernel must be blas, loops, batch or all, not '%s'", s);
	return -1;
}

/* -n and --count: a whole number, with a clearer word for 0 and negatives. */
static int parse_size(const char *s, const char *what, uint64_t max, int *out)
{
	uint64_t u;
	if (s[0] == '-') {
		kit_error("%s must be a whole number from 1 to %llu, not '%s' (a negative "
			  "size)", what, (unsigned long long)max, s);
		return -1;
	}
	if (kit_parse_u64(s, what, 1, max, &u))
		return -1;
	*out = (int)u;
	return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	for (int i = 1; i < argc; i++) {
		char name[64];
		const char *a = argv[i], *eq = NULL, *v;
		uint64_t u;
		if (!strncmp(a, "--", 2) && (eq = strchr(a, '='))) {
			snprintf(name, sizeof(name), "%.*s", (int)(eq - a), a);
			a = name;
		}
#define IS(s) (!strcmp(a, s))
#define VALUE() do { if (!(v = kit_option_value(argc, argv, &i, eq))) return -1; } while (0)
		if (IS("-h") || IS("--help")) {
			usage(stdout);
			exit(KIT_EXIT_OK);
		} else if (IS("--kernel")) {
			VALUE();
			if (parse_kernel(v, &o->kernel))
				return -1;
		} else if (IS("-n")) {
			VALUE();
			if (parse_size(v, "-n (matrix order)", N_MAX, &o->n))
				return -1;
		} else if (IS("--count")) {
			VALUE();
			if (parse_size(v, "--count (matrices in the batch)", COUNT_MAX, &o->count))
				return -1;
		} else if (IS("--seed")) {
			VALUE();
			if (kit_parse_u64(v, "--seed", 0, UINT64_MAX, &o->seed))
				return -1;
		} else if (IS("--threads")) {
			VALUE();
			free(o->threads);
			o->threads = NULL;
			if (kit_parse_counts(v, "--threads", 1, MAX_THREADS, &o->threads, &o->nthreads))
				return -1;
		} else if (IS("--reps")) {
			VALUE();
			if (kit_parse_u64(v, "--reps", 1, 1000, &u))
				return -1;
			o->reps = (int)u;
		} else if (IS("--validate")) {
			o->validate = true;
		} else if (IS("--expect-parallel")) {
			o->expect_parallel = true;
		} else if (IS("--check-sweep")) {
			VALUE();
			free(o->sweep);
			o->sweep = NULL;
			if (kit_parse_counts(v, "--check-sweep", 1, MAX_THREADS, &o->sweep, &o->nsweep))
				return -1;
		} else if (IS("--json")) {
			VALUE();
			o->json = v;
		} else if (IS("--csv")) {
			VALUE();
			o->csv = v;
		} else if (IS("--png")) {
			VALUE();
			o->png = v;
		} else if (IS("--chart")) {
			o->chart = true;
		} else if (IS("-q") || IS("--quiet")) {
			o->quiet = true;
		} else if (IS("--demo")) {
			VALUE();
			o->demo = v;
		} else if (IS("--bench")) {
			o->bench = true;
		} else if (IS("--quick")) {
			o->quick = true;
		} else if (IS("--out")) {
			VALUE();
			o->out = v;
		} else {
			kit_error("unknown option '%s'; see gemm --help", argv[i]);
			return -1;
		}
		if (eq && (IS("--validate") || IS("--expect-parallel") || IS("--chart") ||
			   IS("--quiet") || IS("--bench") || IS("--quick"))) {
			kit_error("option '%s' takes no value; see gemm --help", a);
			return -1;
		}
#undef IS
#undef VALUE
	}
	if (o->nsweep && o->kernel != K_BLAS && o->kernel >= 0) {
		kit_error("--check-sweep runs gemm_blas (--kernel blas), whose threads are "
			  "OpenBLAS's; not --kernel %s", kernels[o->kernel].name);
		return -1;
	}
	if ((o->demo || o->bench) && (o->validate || o->expect_parallel || o->nsweep)) {
		kit_error("--demo and --bench cannot be combined with check options");
		return -1;
	}
	if (o->demo && o->bench) {
		kit_error("choose one of --demo and --bench");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = { .kernel = -1, .seed = SEED_DEFAULT };
	int rc;

	if (kit_init(argc, argv))
		return KIT_EXIT_USAGE;
	if (parse_args(argc, argv, &o)) {
		rc = KIT_EXIT_USAGE;
		goto out;
	}

	if (o.demo || o.bench) {
		gemm_demo_opts d = { .n = o.n, .count = o.count, .seed = o.seed,
				     .threads = o.threads, .nthreads = o.nthreads,
				     .out_dir = o.out, .quick = o.quick, .quiet = o.quiet };
		rc = o.demo ? gemm_demo(o.demo, &d) : gemm_bench(&d);
		goto out;
	}

	bool checking = o.validate || o.expect_parallel || o.nsweep;
	if (!o.threads) {
		o.threads = malloc(sizeof(*o.threads));
		if (!o.threads)
			abort();
		o.threads[0] = kit_omp_max_threads();
		o.nthreads = 1;
	}
	if (!o.quiet) {
		/* threads, OpenMP, CPU, caches, OpenBLAS (variant, core, threads)
		 * and, on stderr, the fix when its core is a slow fallback */
		kit_env_print(stdout);
		const char *obnt = getenv("OPENBLAS_NUM_THREADS");
		if (obnt)
			printf("note      OPENBLAS_NUM_THREADS=%s has no effect: OpenBLAS's OpenMP "
			       "build takes its threads from OMP_NUM_THREADS\n", obnt);
		if (o.kernel >= 0 && o.n)
			printf("n         %d\n", o.n);
		else if (o.n)
			printf("n         %d (every kernel)\n", o.n);
		if (o.kernel == K_BATCH || (o.kernel < 0 && !checking))
			printf("batch     %d matrices\n", count_for(&o, checking));
		printf("kernel    %s\n\n", o.kernel < 0 ? "all" : kernels[o.kernel].name);
		fflush(stdout);
	}
	rc = checking ? run_checks(&o) : run_timing(&o);
out:
	free(o.threads);
	free(o.sweep);
	return rc;
}
