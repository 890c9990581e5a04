/*
 * demo.h - the main() of every demo program (demos/NN-name/): a table of
 * named demos with one line each, an optional benchmark, and the program's
 * own options; kit_demo_main() parses, checks and dispatches.
 *
 *   static int run(const kit_demo_args *a, void *ctx);   // a->name, a->quick ...
 *   static const kit_demo demos[] = {
 *           { "race", "threads adding to one counter", run },
 *           { "rand", "rand() against a per-thread generator", run },
 *           KIT_DEMO_END,
 *   };
 *   static const kit_demo_table table = {
 *           .program = "pi-demos", .about = "The live-class demos of ...\n",
 *           .demos = demos, .bench = run, .bench_about = "ns/sample ...",
 *           .options = opts,   // the program's own, or NULL
 *   };
 *   int main(int argc, char **argv) { return kit_demo_main(argc, argv, &table); }
 *
 * Every demo program then takes
 *   PROG --demo NAME [--quick] [--out DIR] [the program's options]
 *   PROG --bench [--quick] [--out DIR] [...]       (when the table has a bench)
 *   PROG --help                                    (options, demos, examples)
 * which is how ./kit demo, ./kit bench and `PROG --demo` (the exercise
 * program) run it. The errors have the shape of opt.h's, one line on stderr,
 * exit 2:
 *   pi-demos: error: unknown demo 'rac'; did you mean 'race'? (the demos: pi,
 *   race, rand, gil, false-sharing; pi-demos --help says what each shows)
 */
#ifndef KIT_DEMO_H
#define KIT_DEMO_H

#include <stdbool.h>
#include <stddef.h>

#include "opt.h"

/* What the common options asked for, handed to a demo's function. */
typedef struct kit_demo_args {
	const char *name;	/* the demo's name; NULL for the benchmark */
	bool bench;		/* --bench */
	bool quick;		/* --quick: test-sized, a few seconds at most */
	const char *out;	/* --out DIR, or NULL: the demo's default folder */
} kit_demo_args;

/* Runs a demo (or the benchmark). CTX is the table's. Returns an exit
 * status: 0 ok, 1 a result failed its check, 2 usage, 77 nothing to show in
 * this build. Entries may share one function that looks at A->name. */
typedef int (*kit_demo_fn)(const kit_demo_args *a, void *ctx);

typedef struct kit_demo {
	const char *name;	/* --demo NAME: "race"; NULL ends the table */
	const char *about;	/* one line for --help: what the demo shows */
	kit_demo_fn run;
} kit_demo;

/* The end of a table of demos. */
#define KIT_DEMO_END { .name = NULL, .about = NULL, .run = NULL }

typedef struct kit_demo_table {
	const char *program;	/* "pi-demos": messages and --help */
	const char *about;	/* --help's paragraph(s) */
	const kit_demo *demos;	/* ended by KIT_DEMO_END */
	kit_demo_fn bench;	/* --bench, or NULL: the program has no benchmark */
	const char *bench_about;	/* --help of --bench */
	const char *quick_help;	/* --help of --quick; NULL: "test-sized (a few seconds)" */
	const char *out_help;	/* --help of --out; NULL: "where the files go (default:
				 * results/demos/NAME, results/bench/...)" */
	const kit_opt *options;	/* the program's own options (KIT_OPT_END-ended),
				 * or NULL; they must not reuse demo, bench, quick,
				 * out. Their COUNTS targets are freed after the run. */
	const char *examples;	/* lines under "examples:"; NULL: made from the
				 * first demo */
	void *ctx;		/* handed to every function */
} kit_demo_table;

/*
 * The demo program's main(): kit_init, parses ARGV against the common options
 * (--demo, --bench, --quick, --out) and T->options, then runs the demo named
 * by --demo or the benchmark. Exactly one of --demo and --bench must be given
 * (only --demo when T has no bench). An unknown name is refused before
 * anything runs, with the nearest name when one is close and every name
 * listed. Returns the function's exit status, 0 after --help, 2 on a usage
 * error (one line on stderr, nothing on stdout).
 */
int kit_demo_main(int argc, char **argv, const kit_demo_table *t);

/* The entry of T named NAME, or NULL. */
const kit_demo *kit_demo_find(const kit_demo_table *t, const char *name);

/* ------------------------------------------------------------------------
 * The Python version beside a benchmark
 */

/* Where benchmarks find Python: Debian's own, with its numpy, not the
 * python3 on PATH (a virtualenv or pyenv may lack numpy). */
#define KIT_DEMO_PYTHON "/usr/bin/python3"

struct cJSON;

/*
 * Runs KIT_DEMO_PYTHON KIT_ROOT/SCRIPT ARGS... (ARGS NULL-terminated) with
 * OMP_NUM_THREADS=1 and OPENBLAS_NUM_THREADS=1 (numpy's BLAS stays out of
 * the measurement), killed after TIMEOUT seconds, and parses the last line
 * it printed as a JSON object (the script's timings and versions). Returns
 * the object (cJSON_Delete it), or NULL with WHY saying, in the user's words,
 * why there is no Python figure: no Python, numpy missing (the script's exit
 * status 3: "apt-get install python3-numpy"), a crash, a time-out, no JSON.
 */
struct cJSON *kit_demo_python(const char *script, const char *const *args, double timeout,
			      char *why, size_t why_len);

#endif /* KIT_DEMO_H */
