/*
 * demos.h - the live-class demos and the benchmark of exercise 05: the
 * program ipc-demos (ipc_demos.c), built with the reference solution's
 * ipc.c only, run as `ipc-demos --demo NAME` and `ipc-demos --bench`
 * (./kit demo NAME, ./kit bench ipc; `ipc --demo NAME` runs it too).
 */
#ifndef IPC_DEMOS_H
#define IPC_DEMOS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kit.h"

typedef struct ipc_demo_opts {
	const char *out_dir;	/* CSV, JSON and PNGs go here (made); NULL:
				 * results/demos/NAME or results/bench/ipc */
	int procs;		/* worker processes (default 2) */
	uint64_t seed;
	uint64_t kill_sender;	/* messages: the sender dies after this many */
	bool quick;		/* test-sized: a few seconds */
	bool quiet;		/* no text charts */
} ipc_demo_opts;

/* The demos by name: "pool", "messages", "fork-memory", "counter", "fib". */
extern const char *const ipc_demo_names[];

/* Runs demo NAME. Returns an exit status: 0 ok; 1 a result that must be
 * right was not; 2 an unknown name (the names listed on stderr). */
int ipc_demo(const char *name, const ipc_demo_opts *o);

/* The C programs beside the Python version of this lesson (ipc_bench.py:
 * Pool.map with chunk sizes, Pipe, Queue), ratios and targets. Returns an
 * exit status (1 when a C result was wrong; speed is reported, not asserted). */
int ipc_bench(const ipc_demo_opts *o);

/* Shared by the demos and the benchmark (demos.c). */
typedef struct ipc_out {
	char dir[4096];
	const char *name;
	bool quiet;
} ipc_out;

/* Makes O's folder (DIR, or results/KIND/NAME under the kit). 0 or -1. */
int ipc_out_open(ipc_out *o, const char *dir, const char *kind, const char *name, bool quiet);
/* Writes NAME.csv and NAME.json of R into O's folder and prints the names;
 * PLOT (may be NULL) as NAME.png and, unless quiet, as a text chart. 0 or -1. */
int ipc_out_write(const ipc_out *o, const kit_results *r, const kit_plot *plot);

#endif
