/*
 * NAME
 *   gemm_demos.c - the demo program of exercise 02: the live-class demos and
 *   the benchmark (demos.c, bench.c), built with the reference gemm.c only.
 *   They run the reference program (BUILD/solutions/02-blas-threads/gemm) in
 *   fresh processes where OMP_NUM_THREADS must be set before start-up.
 *
 * USAGE
 *   gemm-demos --demo blas [--quick] [--out DIR]
 *   gemm-demos --bench [--quick]
 *   ./kit demo batch; ./kit bench blas      (the usual way in)
 */
#include "demo.h"
#include "demos.h"
#include "kit.h"

static bool quiet;
static int n, count;
static uint64_t seed = 2026;
static kit_opt_counts threads;

static int run(const kit_demo_args *a, void *ctx)
{
	(void)ctx;
	gemm_demo_opts d = { .n = n, .count = count, .seed = seed, .threads = threads.v,
			     .nthreads = threads.n, .out_dir = a->out, .quick = a->quick,
			     .quiet = quiet };
	return a->bench ? gemm_bench(&d) : gemm_demo(a->name, &d);
}

static const kit_demo demos[] = {
	{ "blas", "one large dgemm per OMP_NUM_THREADS = 1 .. 2 x logical CPUs, fresh "
		  "processes: guess the core count", run },
	{ "batch", "many small dgemms: BLAS threads inside vs OpenMP threads outside vs "
		   "both, and the openblas_set_num_threads trap", run },
	KIT_DEMO_END,
};

static const kit_opt opts[] = {
	KIT_OPT_INT('n', NULL, &n, "N", "matrix order (default: the demo's own)", 1, 1000000),
	KIT_OPT_INT(0, "count", &count, "C", "matrices in a batch (default: the demo's own)", 1,
		    1000000),
	KIT_OPT_U64(0, "seed", &seed, "S", "seed of the random matrices (default 2026)", 0,
		    UINT64_MAX),
	KIT_OPT_COUNTS(0, "threads", &threads, "LIST", "thread counts to sweep (default: "
		       "the demo's own)", 1, 4096),
	KIT_OPT_BOOL('q', "quiet", &quiet, "no progress bar, no chart"),
	KIT_OPT_END,
};

static const kit_demo_table table = {
	.program = "gemm-demos",
	.about = "The live-class demos and the benchmark of exercise 02 (BLAS under\n"
		 "OMP_NUM_THREADS), run on the reference solution.",
	.demos = demos,
	.bench = run,
	.bench_about = "GFLOP/s at n = 1024, 2048, 4096 against the FMA peak and\nnumpy's x @ x",
	.out_help = "where the files go (default: results/demos/NAME,\nresults/bench/blas)",
	.options = opts,
};

int main(int argc, char **argv)
{
	return kit_demo_main(argc, argv, &table);
}
