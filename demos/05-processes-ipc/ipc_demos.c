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
#include "demo.h"
#include "demos.h"
#include "kit.h"

static ipc_demo_opts d = { .procs = 2, .seed = 2026 };

static int run(const kit_demo_args *a, void *ctx)
{
	(void)ctx;
	d.quick = a->quick;
	d.out_dir = a->out;
	return a->bench ? ipc_bench(&d) : ipc_demo(a->name, &d);
}

static const kit_demo demos[] = {
	{ "pool", "a pool's cost against task size: serial, 1 task a message, chunks; "
		  "break-even; log-log plot", run },
	{ "messages", "pipe, message queue and shared-memory ring from 8 B to 8 MB, beside "
		      "memcpy; latency", run },
	{ "fork-memory", "a child's write is its own; fork time and copy-on-write cost", run },
	{ "counter", "the tomato count by processes: no lock, mutex, atomics, partial counts",
	  run },
	{ "fib", "Fibonacci serially, on threads and in processes", run },
	KIT_DEMO_END,
};

static const kit_opt opts[] = {
	KIT_OPT_INT(0, "procs", &d.procs, "P", "worker processes (default 2)", 1, 256),
	KIT_OPT_U64(0, "seed", &d.seed, "S", "seed of the tasks (default 2026)", 0, UINT64_MAX),
	KIT_OPT_U64(0, "kill-sender", &d.kill_sender, "K", "messages: each sender dies after K "
		    "messages (a fault)", 1, 100000000),
	KIT_OPT_BOOL('q', "quiet", &d.quiet, "no text charts"),
	KIT_OPT_END,
};

static const kit_demo_table table = {
	.program = "ipc-demos",
	.about = "The live-class demos and the benchmark of exercise 05 (processes and\n"
		 "inter-process communication), run on the reference solution.",
	.demos = demos,
	.bench = run,
	.bench_about = "C beside the Python version of this lesson",
	.out_help = "where the files go (default: results/demos/NAME,\nresults/bench/ipc)",
	.options = opts,
	.examples = "  ipc-demos --demo pool\n  ipc-demos --demo messages --kill-sender 500\n"
		    "  ipc-demos --bench --quick --out /tmp/bench\n",
};

int main(int argc, char **argv)
{
	return kit_demo_main(argc, argv, &table);
}
