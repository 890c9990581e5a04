/*
 * NAME
 *   gemm_exercise.c - exercise 02, BLAS under OMP_NUM_THREADS, as the kit's
 *   exercise driver sees it: the kernels of gemm.h as a table, how a product
 *   is checked (gemm_check.h), and the check of step 3 (--check-sweep).
 *   Shared by the skeleton and the reference build; students do not edit it.
 *
 * USAGE
 *   gemm --help
 *   gemm --kernel blas -n 2048
 *   OMP_NUM_THREADS=2 gemm --kernel loops --validate --expect-parallel
 *   gemm --check-sweep 1,2
 *
 * NOTES
 *   Flops: 2 n^3 per product, count times that for the batch. Check (CS267's
 *   bound, elementwise): |C - AB|_ij <= 3 eps n (|A| |B|)_ij; every element
 *   when n <= 512, else 4 whole rows and 4 whole columns (gemm_check.h). C is
 *   filled with NaN before every run, so a kernel that reads C before writing
 *   it fails. --emit writes C as raw little-endian doubles (C.f64, count
 *   matrices one after the other); --verify reads exactly that many bytes and
 *   checks them against A and B made again from the seed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "exercise.h"
#include "gemm.h"
#include "gemm_check.h"

#define COUNT_DEFAULT 256	/* matrices in the batch when timing */
#define COUNT_CHECK 32		/* ... in checks, --emit and --verify */

enum { K_BLAS, K_LOOPS, K_BATCH, K_COUNT };

static const kit_ex_kernel kernels[] = {
	[K_BLAS] = { "blas", 1, "gemm_blas",
		"look at TODO(1) in gemm.c: cblas_dgemm(CblasRowMajor, CblasNoTrans, "
		"CblasNoTrans, n, n, n, 1.0, A, n, B, n, 0.0, C, n)", KIT_EX_PARALLEL, 2048, 300 },
	[K_LOOPS] = { "loops", 2, "gemm_loops",
		"look at TODO(2) in gemm.c: 'omp parallel for' over the rows i, each row of C "
		"set to zero before the k loop adds A[i][k] * row k of B", KIT_EX_PARALLEL, 512, 300 },
	[K_BATCH] = { "batch", 4, "gemm_batch",
		"look at TODO(4) in gemm.c: 'omp parallel for' over the batch, each product b "
		"at offset b * n * n of A, B and C", KIT_EX_PARALLEL, 128, 128 },
};

#define PASS_SHIFT 8	/* elements (a cache line) each earlier pass reads further on */
static int opt_count;			/* --count; 0: the default */
static int opt_passes = 1;		/* --passes */
static kit_opt_counts opt_sweep;	/* --check-sweep LIST */

static const kit_opt options[] = {
	KIT_OPT_GROUP("exercise 02:"),
	KIT_OPT_INT(0, "count", &opt_count, "C", "matrices in the batch (default 256; checks 32)",
		    1, 1000000),
	KIT_OPT_INT(0, "passes", &opt_passes, "P", "checks and --emit: compute the product P times, the "
		    "last one written\n(a run long enough to see which threads worked)", 1, 10000),
	KIT_OPT_COUNTS(0, "check-sweep", &opt_sweep, "LIST", "runs gemm_blas once per "
		       "OMP_NUM_THREADS in LIST, each a\nfresh process, and checks that "
		       "OpenBLAS used that many\nthreads (openblas_get_num_threads)", 1, 4096),
	KIT_OPT_END,
};

/* Matrices in the batch: --count, else the default, fewer for large n so that
 * A, B and C stay under 256 MiB. */
static int count_for(const kit_ex_ctx *c)
{
	if (c->kernel != K_BATCH)
		return 1;
	if (opt_count)
		return opt_count;
	int count = c->checking ? COUNT_CHECK : COUNT_DEFAULT;
	double fit = 256.0 * (1 << 20) / (24.0 * (double)c->n * (double)c->n);
	return fit < count ? (fit < 1 ? 1 : (int)fit) : count;
}

typedef struct problem {
	gemm_mats m;
	uint64_t seed;
	gemm_verdict v;		/* of the last validate */
} problem;

static void *make(const kit_ex_ctx *c)
{
	problem *p = kit_xcalloc(1, sizeof(*p));
	p->seed = c->seed;
	size_t spare = c->checking ? PASS_SHIFT * (size_t)(opt_passes - 1) : 0;
	if (gemm_mats_new(&p->m, (int)c->n, count_for(c), c->seed, spare)) {
		free(p);
		return NULL;
	}
	return p;
}

static void free_problem(void *prob)
{
	problem *p = prob;
	gemm_mats_free(&p->m);
	free(p);
}

/* The result compared across runs: a fingerprint of C. */
static uint64_t fingerprint(const gemm_mats *m)
{
	return kit_ex_fingerprint(m->C, m->nn * (size_t)m->count * sizeof(double));
}

static int run(void *prob, const kit_ex_ctx *c, void *result)
{
	gemm_mats *m = &((problem *)prob)->m;
	/* --passes P (--emit): the product P times, so that the kernel, not the
	 * making of the matrices, fills the run that the grader watches. Pass p
	 * multiplies the matrices that start PASS_SHIFT p elements further on in
	 * A and B, other matrices each time: no pass can hand back an earlier
	 * one's C. The last pass, p = 0, A B, is the one emitted. */
	int passes = c->checking ? opt_passes : 1;
	for (int p = passes - 1; p >= 0; p--) {
		const double *A = m->A + PASS_SHIFT * (size_t)p, *B = m->B + PASS_SHIFT * (size_t)p;
		gemm_mats_poison(m);
		switch (c->kernel) {
		case K_BLAS: gemm_blas(m->n, A, B, m->C); break;
		case K_LOOPS: gemm_loops(m->n, A, B, m->C); break;
		default: gemm_batch(m->count, m->n, A, B, m->C); break;
		}
	}
	if (c->checking)	/* not while timing: n^2 more reads per run */
		*(uint64_t *)result = fingerprint(m);
	return 0;
}

static bool validate(void *prob, const kit_ex_ctx *c, const void *result, kit_buf *msg)
{
	(void)result;
	problem *p = prob;
	p->v = gemm_check(&p->m, p->seed);
	if (!p->v.ok) {
		kit_buf_printf(msg, "at n = %d: %s", p->m.n, p->v.why);
		return false;
	}
	kit_buf_printf(msg, "|C - AB| <= 3 eps n |A||B| at n = %d (%s)", p->m.n,
		       gemm_check_coverage(&p->m));
	if (c->kernel == K_BATCH)
		kit_buf_printf(msg, ", a batch of %d", p->m.count);
	kit_buf_printf(msg, ", largest error %.2g of the bound", p->v.worst);
	return true;
}

static void describe(const void *result, kit_buf *msg)
{
	kit_buf_printf(msg, "C with fingerprint %016llx",
		       (unsigned long long)*(const uint64_t *)result);
}

static void columns(kit_results *r, void *prob, const kit_ex_ctx *c, const void *result)
{
	(void)result;
	problem *p = prob;
	kit_blas_info b;
	kit_blas_get(&b);
	kit_results_num(r, "n", p->m.n, "%.0f");
	if (c->kernel == K_BATCH)
		kit_results_num(r, "count", p->m.count, "%.0f");
	kit_results_num(r, "blas_threads", b.threads, "%.0f");
	kit_results_num(r, "err_bound", p->v.worst, "%.2g");
}

static kit_ex_work work(const kit_ex_ctx *c)
{
	double n = (double)c->n;
	return (kit_ex_work){ .flops = 2.0 * n * n * n * count_for(c) };
}

static int emit(void *prob, const kit_ex_ctx *c, const void *result, cJSON *out,
		const char *dir)
{
	(void)c;
	(void)result;
	const gemm_mats *m = &((problem *)prob)->m;
	cJSON_AddNumberToObject(out, "count", m->count);
	cJSON_AddStringToObject(out, "C", "C.f64");
	return kit_ex_write_exact(dir, "C.f64", m->C, m->nn * (size_t)m->count * sizeof(double));
}

static int verify(void *prob, const kit_ex_ctx *c, const char *dir, const cJSON *result,
		  void *got, kit_buf *msg)
{
	problem *p = prob;
	uint64_t count;
	if (kit_ex_json_u64(result, "count", &count, msg))
		return KIT_FAIL;
	if (count != (uint64_t)p->m.count) {
		kit_buf_printf(msg, "result.json says count = %llu; the run asked for %d",
			       (unsigned long long)count, p->m.count);
		return KIT_FAIL;
	}
	if (kit_ex_read_exact(dir, "C.f64", p->m.C, p->m.nn * (size_t)p->m.count * sizeof(double),
			      msg)) {
		kit_buf_printf(msg, " (%d matrices of %d x %d doubles)", p->m.count, p->m.n, p->m.n);
		return KIT_FAIL;
	}
	*(uint64_t *)got = fingerprint(&p->m);
	return validate(prob, c, got, msg) ? KIT_PASS : KIT_FAIL;
}

/* Threads that could work: OpenBLAS's too for the library kernels (it runs
 * threads of its own even in a build without OpenMP). */
static int threads(const kit_ex_ctx *c)
{
	int t = kit_omp_max_threads();
	if (c->kernel != K_LOOPS) {
		kit_blas_info b;
		kit_blas_get(&b);
		if (b.threads > t)
			t = b.threads;
	}
	return t;
}

static void print_config(const kit_ex_ctx *c)
{
	const char *obnt = getenv("OPENBLAS_NUM_THREADS");
	if (obnt)
		printf("note      OPENBLAS_NUM_THREADS=%s has no effect: OpenBLAS's OpenMP build "
		       "takes its threads from OMP_NUM_THREADS\n", obnt);
	if (c->kernel == K_BATCH || (c->all_kernels && !c->checking)) {
		kit_ex_ctx b = *c;
		b.kernel = K_BATCH;
		printf("batch     %d matrices\n", count_for(&b));
	}
}

/* GFLOP/s of each kernel at the last thread count timed. */
static double best[K_COUNT];

static void timed(const kit_ex_ctx *c, const kit_timing *t, kit_ex_work w)
{
	best[c->kernel] = w.flops / t->wall.median / 1e9;
}

static void summary(void)
{
	kit_machine mach;
	if (kit_machine_load(&mach) != 0)
		printf("\n(no frac_peak column: ./kit machine measures this machine's peak once)\n");
	if (best[K_BLAS] > 0 && best[K_LOOPS] > 0)
		printf("\nThe library: %.1f GFLOP/s; gemm_loops: %.1f GFLOP/s: %.0fx slower.\n",
		       best[K_BLAS], best[K_LOOPS], best[K_BLAS] / best[K_LOOPS]);
	fflush(stdout);
}

/* One fresh process at OMP_NUM_THREADS=WANT: its line, and "want -> got" in SEEN.
 * False after recording a failure. */
static bool sweep_one(kit_checks *k, const kit_ex_ctx *c, int want, kit_buf *seen, bool *ok)
{
	gemm_child_opts co = { .kernel = "blas", .n = (int)c->n, .count = 1, .threads = want,
			       .reps = 2, .timeout = 120 };
	gemm_child ch;
	gemm_run_child(&co, &ch);
	if (!ch.ok) {
		kit_check(k, KIT_FAIL, "observed the run with OMP_NUM_THREADS=%d fail: %s%s", want,
			  ch.why, ch.invalid ? "; fix step 1 first" : "");
		return false;
	}
	if (!c->quiet)
		printf("       OMP_NUM_THREADS=%-3d omp_get_max_threads %d, openblas_get_num_threads "
		       "%d, %s variant, core %s, %.1f GFLOP/s\n", want, ch.omp_threads,
		       ch.blas_threads, ch.variant, ch.core, ch.gflops);
	if (strcmp(ch.variant, "openmp")) {
		kit_check(k, KIT_FAIL, "observed OpenBLAS's %s variant, not the OpenMP one: it "
			  "does not follow OMP_NUM_THREADS; install libopenblas-openmp-dev and "
			  "reconfigure (./kit does this)", ch.variant);
		return false;
	}
	/* OpenBLAS caps its threads at the MAX_THREADS it was built with (64 in Debian's). */
	*ok &= ch.blas_threads == (want < 64 ? want : 64);
	kit_buf_printf(seen, "%s%d -> %d", seen->len ? ", " : "", want, ch.blas_threads);
	return true;
}

/* --check-sweep LIST: OMP_NUM_THREADS reaches OpenBLAS, one fresh process each. */
static int mode(const kit_ex_ctx *c)
{
	if (!opt_sweep.n)
		return -1;
	kit_checks k = { .quiet = c->quiet };
	kit_ex_ctx s = *c;
	s.n = c->n_given ? c->n : 256;
	if (!c->quiet) {
		kit_env_print(stdout);
		printf("\nblas (gemm_blas, step 3: one fresh process per OMP_NUM_THREADS):\n");
	}
	kit_buf seen = { 0 };
	bool ok = true;
	for (size_t i = 0; i < opt_sweep.n; i++)
		if (!sweep_one(&k, &s, opt_sweep.v[i], &seen, &ok))
			break;
	if (k.worst == KIT_PASS && !ok)
		kit_check(&k, KIT_FAIL, "observed OMP_NUM_THREADS -> openblas_get_num_threads {%s}: "
			  "the variable did not reach the library; is OMP_NUM_THREADS set before "
			  "the program starts (env, export)? Is the library the OpenMP build (./kit "
			  "doctor)?", kit_buf_str(&seen));
	else if (k.worst == KIT_PASS)
		kit_check(&k, KIT_PASS, "OMP_NUM_THREADS reached OpenBLAS in every fresh process "
			  "(OMP_NUM_THREADS -> BLAS threads: %s)", kit_buf_str(&seen));
	kit_buf_free(&seen);
	kit_opt_counts_free(&opt_sweep);
	return kit_checks_finish(&k);
}

static int check_options(const kit_ex_ctx *c)
{
	if (opt_sweep.n && !c->all_kernels && c->kernel != K_BLAS) {
		kit_error("--check-sweep runs gemm_blas (--kernel blas), whose threads are "
			  "OpenBLAS's; not --kernel %s", kernels[c->kernel].name);
		return -1;
	}
	return 0;
}

static const kit_exercise gemm_exercise = {
	.name = "02-blas-threads",
	.title = "BLAS under OMP_NUM_THREADS",
	.program = "gemm",
	.edit = "gemm.c",
	.about = "Matrix product C = A B of n x n doubles. Prints the threads and OpenBLAS's\n"
		 "variant, core and threads first; checks every product against a\n"
		 "reference, |C - AB| <= 3 eps n |A||B| elementwise, then times it: GFLOP/s\n"
		 "(2 n^3 flops per product) and the fraction of ./kit machine's peak.\n"
		 "Step 3 sweeps in fresh processes: ./kit sweep, or --check-sweep.\n"
		 "OMP_NUM_THREADS sets the threads of OpenMP and of OpenBLAS (its OpenMP\n"
		 "build ignores OPENBLAS_NUM_THREADS); OPENBLAS_CORETYPE=SkylakeX (or\n"
		 "Haswell) overrides the core OpenBLAS detected.\n",
	.table_title = "C = A B: GFLOP/s by kernel and threads",
	.own_threads_column = true,
	.examples = "  gemm --kernel blas -n 2048\n"
		    "  OPENBLAS_CORETYPE=SkylakeX gemm --kernel blas --threads 1,2 --chart\n"
		    "  OMP_NUM_THREADS=2 gemm --kernel loops --validate --expect-parallel\n"
		    "  gemm --check-sweep 1,2\n"
		    "  ./kit sweep --env OMP_NUM_THREADS=1-2cpus -- "
		    "build/exercises/02-blas-threads/gemm --kernel blas -n 2048\n",
	.kernels = kernels,
	.nkernels = K_COUNT,
	.options = options,
	.n_help = "matrix order (default: blas 2048, loops 512, batch 128;\n"
		  "checks: 7 and 300, batch 7 and 128); 1k, 2e3 work",
	.n_min = 1,
	.n_max = 1000000,
	.n_check_small = 7,
	.seed = 2026,
	.demo_program = "gemm-demos",
	.make = make,
	.free = free_problem,
	.run = run,
	.result_size = sizeof(uint64_t),
	.validate = validate,
	.describe = describe,
	.columns = columns,
	.work = work,
	.emit = emit,
	.verify = verify,
	.threads = threads,
	.print_config = print_config,
	.timed = timed,
	.summary = summary,
	.mode = mode,
	.check_options = check_options,
};

int main(int argc, char **argv)
{
	return kit_exercise_main(argc, argv, &gemm_exercise);
}
