/*
 * NAME
 *   pi_demos.c - the demo program of exercise 01: the live-class demos and
 *   the benchmark (demos.c, bench.c), built with the reference pi.c only.
 *
 * USAGE
 *   pi-demos --demo race [--quick] [--out DIR]
 *   pi-demos --bench [--quick]
 *   ./kit demo race; ./kit bench pi      (the usual way in)
 */
#include "demo.h"
#include "demos.h"
#include "kit.h"

static bool quiet, n_set;
static uint64_t n, seed = 2026;
static kit_opt_counts threads;

static int run(const kit_demo_args *a, void *ctx)
{
	(void)ctx;
	pi_demo_opts d = { .n = n_set ? n : 0, .seed = seed, .threads = threads.v,
			   .nthreads = threads.n, .out_dir = a->out, .quick = a->quick,
			   .quiet = quiet };
	return a->bench ? pi_bench(&d) : pi_demo(a->name, &d);
}

static const kit_demo demos[] = {
	{ "pi", "threads 1 .. 2 x logical CPUs: scaling table and chart", run },
	{ "race", "the tomato count: unsynchronised counter vs atomic vs critical vs "
		  "reduction", run },
	{ "rand", "shared rand() vs per-thread generators as threads grow", run },
	{ "gil", "one global lock around each sample: what the GIL does to threads", run },
	{ "false-sharing", "per-thread counters in adjacent slots vs padded to a cache line",
	  run },
	KIT_DEMO_END,
};

static kit_opt opts[] = {
	KIT_OPT_U64('n', NULL, &n, "N", "samples per run (default: the demo's own)", 1,
		    UINT64_C(10000000000000)),
	KIT_OPT_U64(0, "seed", &seed, "S", "seed of the random numbers (default 2026)", 0,
		    UINT64_MAX),
	KIT_OPT_COUNTS(0, "threads", &threads, "LIST", "thread counts to sweep (default: "
		       "the demo's own)", 1, 4096),
	KIT_OPT_BOOL('q', "quiet", &quiet, "no progress bar, no chart"),
	KIT_OPT_END,
};

int main(int argc, char **argv)
{
	opts[0].seen = &n_set;
	const kit_demo_table t = {
		.program = "pi-demos",
		.about = "The live-class demos and the benchmark of exercise 01 (Monte Carlo pi),\n"
			 "run on the reference solution.",
		.demos = demos,
		.bench = run,
		.bench_about = "ns/sample and speed-up, beside the Python version of this lesson",
		.out_help = "where the files go (default: results/demos/NAME,\nresults/bench/pi)",
		.options = opts,
	};
	return kit_demo_main(argc, argv, &t);
}
