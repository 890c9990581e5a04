/*
 * NAME
 *   ipc_demos.c - the demo program of exercise 05: the live-class demos and
 *   the benchmark (demos.c, bench.c), built with the reference ipc.c only.
 *
 * USAGE
 *   ipc-demos --demo messages [--quick] [--out DIR]
 *   ipc-demos --demo messages --kill-sender 500
 *   ipc-demos --bench [--quick]
 *   ./kit demo pool; ./kit bench ipc      (the usual way in)
 */
#include "demos.h"
#include "kit.h"
#include "opt.h"

int main(int argc, char **argv)
{
	ipc_demo_opts d = { .procs = 2, .seed = 2026 };
	const char *demo = NULL;
	bool bench = false;
	kit_opt opts[] = {
		KIT_OPT_STRING(0, "demo", &demo, "NAME", "a live demo: pool, messages, "
			       "fork-memory, counter, fib"),
		KIT_OPT_BOOL(0, "bench", &bench, "C beside the Python version of this lesson"),
		KIT_OPT_BOOL(0, "quick", &d.quick, "test-sized (a few seconds)"),
		KIT_OPT_STRING(0, "out", &d.out_dir, "DIR", "where the files go (default: "
			       "results/demos/NAME,\nresults/bench/ipc)"),
		KIT_OPT_INT(0, "procs", &d.procs, "P", "worker processes (default 2)", 1, 256),
		KIT_OPT_U64(0, "seed", &d.seed, "S", "seed of the tasks (default 2026)", 0,
			    UINT64_MAX),
		KIT_OPT_U64(0, "kill-sender", &d.kill_sender, "K", "messages: each sender dies "
			    "after K messages (a fault)", 1, 100000000),
		KIT_OPT_BOOL('q', "quiet", &d.quiet, "no text charts"),
		KIT_OPT_END,
	};
	const kit_opt *tables[] = { opts, NULL };
	kit_opt_prog p = {
		.name = "ipc-demos",
		.usage = "ipc-demos --demo NAME [--quick] [--out DIR]\nipc-demos --bench [--quick] "
			 "[--out DIR]",
		.about = "The live-class demos and the benchmark of exercise 05 (processes and\n"
			 "inter-process communication), run on the reference solution.\n",
		.tables = tables,
		.examples = "  ipc-demos --demo pool\n  ipc-demos --demo messages --kill-sender 500\n"
			    "  ipc-demos --bench --quick --out /tmp/bench\n",
	};
	if (kit_init(argc, argv))
		return KIT_EXIT_USAGE;
	int rc = kit_opt_parse(&p, argc, argv);
	if (rc == KIT_OPT_HELP)
		return KIT_EXIT_OK;
	if (rc == 0 && !demo == !bench) {
		kit_error("choose one of --demo NAME and --bench (ipc-demos --help lists them)");
		rc = -1;
	}
	if (rc)
		return KIT_EXIT_USAGE;
	return demo ? ipc_demo(demo, &d) : ipc_bench(&d);
}
