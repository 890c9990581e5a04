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
#include <stdlib.h>

#include "demos.h"
#include "kit.h"
#include "opt.h"

int main(int argc, char **argv)
{
	const char *demo = NULL, *out = NULL;
	bool bench = false, quick = false, quiet = false;
	int n = 0, count = 0;
	uint64_t seed = 2026;
	kit_opt_counts threads = { 0 };
	const kit_opt opts[] = {
		KIT_OPT_STRING(0, "demo", &demo, "NAME", "a live demo: blas, batch"),
		KIT_OPT_BOOL(0, "bench", &bench, "GFLOP/s at n = 1024, 2048, 4096 against the "
			     "FMA peak and\nnumpy's x @ x"),
		KIT_OPT_BOOL(0, "quick", &quick, "test-sized (a few seconds)"),
		KIT_OPT_STRING(0, "out", &out, "DIR", "where the files go (default: "
			       "results/demos/NAME,\nresults/bench/blas)"),
		KIT_OPT_INT('n', NULL, &n, "N", "matrix order (default: the demo's own)", 1,
			    1000000),
		KIT_OPT_INT(0, "count", &count, "C", "matrices in a batch (default: the demo's own)",
			    1, 1000000),
		KIT_OPT_U64(0, "seed", &seed, "S", "seed of the random matrices (default 2026)", 0,
			    UINT64_MAX),
		KIT_OPT_COUNTS(0, "threads", &threads, "LIST", "thread counts to sweep (default: "
			       "the demo's own)", 1, 4096),
		KIT_OPT_BOOL('q', "quiet", &quiet, "no progress bar, no chart"),
		KIT_OPT_END,
	};
	const kit_opt *tables[] = { opts, NULL };
	kit_opt_prog p = {
		.name = "gemm-demos",
		.usage = "gemm-demos --demo NAME [--quick] [--out DIR]\ngemm-demos --bench "
			 "[--quick] [--out DIR]",
		.about = "The live-class demos and the benchmark of exercise 02 (BLAS under\n"
			 "OMP_NUM_THREADS), run on the reference solution.\n",
		.tables = tables,
		.examples = "  gemm-demos --demo blas\n  gemm-demos --bench --quick --out /tmp/b\n",
	};
	if (kit_init(argc, argv))
		return KIT_EXIT_USAGE;
	int rc = kit_opt_parse(&p, argc, argv);
	if (rc == KIT_OPT_HELP)
		return KIT_EXIT_OK;
	if (rc == 0 && !demo == !bench) {
		kit_error("choose one of --demo NAME and --bench (gemm-demos --help lists them)");
		rc = -1;
	}
	if (rc) {
		kit_opt_counts_free(&threads);
		return KIT_EXIT_USAGE;
	}
	gemm_demo_opts d = { .n = n, .count = count, .seed = seed, .threads = threads.v,
			     .nthreads = threads.n, .out_dir = out, .quick = quick,
			     .quiet = quiet };
	rc = demo ? gemm_demo(demo, &d) : gemm_bench(&d);
	kit_opt_counts_free(&threads);
	return rc;
}
