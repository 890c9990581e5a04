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
#include <stdlib.h>

#include "demos.h"
#include "kit.h"
#include "opt.h"

int main(int argc, char **argv)
{
	const char *demo = NULL, *out = NULL;
	bool bench = false, quick = false, quiet = false, n_set = false;
	uint64_t n = 0, seed = 2026;
	kit_opt_counts threads = { 0 };
	kit_opt opts[] = {
		KIT_OPT_STRING(0, "demo", &demo, "NAME", "a live demo: pi, race, rand, gil, "
			       "false-sharing"),
		KIT_OPT_BOOL(0, "bench", &bench, "ns/sample and speed-up, beside the Python version of this lesson"),
		KIT_OPT_BOOL(0, "quick", &quick, "test-sized (a few seconds)"),
		KIT_OPT_STRING(0, "out", &out, "DIR", "where the files go (default: "
			       "results/demos/NAME,\nresults/bench/pi)"),
		KIT_OPT_U64('n', NULL, &n, "N", "samples per run (default: the demo's own)", 1,
			    UINT64_C(10000000000000)),
		KIT_OPT_U64(0, "seed", &seed, "S", "seed of the random numbers (default 2026)", 0,
			    UINT64_MAX),
		KIT_OPT_COUNTS(0, "threads", &threads, "LIST", "thread counts to sweep (default: "
			       "the demo's own)", 1, 4096),
		KIT_OPT_BOOL('q', "quiet", &quiet, "no progress bar, no chart"),
		KIT_OPT_END,
	};
	opts[4].seen = &n_set;
	const kit_opt *tables[] = { opts, NULL };
	kit_opt_prog p = {
		.name = "pi-demos",
		.usage = "pi-demos --demo NAME [--quick] [--out DIR]\npi-demos --bench [--quick] "
			 "[--out DIR]",
		.about = "The live-class demos and the benchmark of exercise 01 (Monte Carlo pi),\n"
			 "run on the reference solution.\n",
		.tables = tables,
		.examples = "  pi-demos --demo race\n  pi-demos --bench --quick --out /tmp/bench\n",
	};
	if (kit_init(argc, argv))
		return KIT_EXIT_USAGE;
	int rc = kit_opt_parse(&p, argc, argv);
	if (rc == KIT_OPT_HELP)
		return KIT_EXIT_OK;
	if (rc == 0 && !demo == !bench) {
		kit_error("choose one of --demo NAME and --bench (pi-demos --help lists them)");
		rc = -1;
	}
	if (rc) {
		kit_opt_counts_free(&threads);
		return KIT_EXIT_USAGE;
	}
	pi_demo_opts d = { .n = n_set ? n : 0, .seed = seed, .threads = threads.v,
			   .nthreads = threads.n, .out_dir = out, .quick = quick, .quiet = quiet };
	rc = demo ? pi_demo(demo, &d) : pi_bench(&d);
	kit_opt_counts_free(&threads);
	return rc;
}
