/*
 * etl_driver.h - what the exercise program (etl_main.c) and the demo program
 * (demos/04-audio-etl) of exercise 04 share: the kernels as data, the plan of
 * a job (etl_plan.c: which files, which outputs, what is skipped or refused)
 * and the timed sweep of modes (etl_sweep.c).
 */
#ifndef ETL_DRIVER_H
#define ETL_DRIVER_H
#include <stdbool.h>
#include <stddef.h>

#include "etl.h"
#include "filejob.h"
#include "kit.h"

/* The modes: the four kernels of etl.h, and the plain copy (the I/O limit). */
enum etl_mode { M_SERIAL, M_THREADS, M_PROCESSES, M_INNER, M_COPY, M_COUNT };

extern const struct etl_mode_info {
	const char *name, *func, *about;
	int step;		/* 0: not a step (the copy) */
} etl_modes[M_COUNT];

#define ETL_FILES 24		/* generated inputs, as the seed */
#define ETL_SECONDS 5.0		/* ... of this many seconds each by default */
#define ETL_BENCH_SECONDS 30.0	/* ... and in the benchmark (127 MB in all) */
#define ETL_SIGMA 0.1
#define ETL_SEED 2026

/* One input of a job and what became of it. */
enum { P_TODO = KIT_PLAN_WORK, P_SKIP = KIT_PLAN_SKIP, P_REFUSED = KIT_PLAN_REFUSED };
typedef struct etl_plan {
	kit_fileplan f;		/* the files (filejob.h); the fields below alias it */
	size_t n;		/* inputs */
	char **in, **out;	/* out NULL when refused before a name was made */
	int *state;		/* P_TODO, P_SKIP or P_REFUSED */
	char **redo;		/* an output there but not verified: why (else NULL) */
	etl_result *res;	/* per input: the kernel's (or the refusal's) */
	size_t ntodo;		/* the kernel's job: tasks[k] is input todo[k] */
	etl_task *tasks;
	size_t *todo;
	etl_result *todo_res;
	etl_params p;
	long long bytes;	/* bytes of the inputs to do */
	int temps;		/* leftover temporary files removed */
} etl_plan;

/*
 * Plans a job over the N paths of INPUTS (files; folders are expanded by the
 * caller). Each output is DEST/NAME-transformed.wav (DEST NULL: beside its
 * input). Refused, with a per-file error: a name not ending in .wav, an input
 * named *-transformed.wav, an output that would replace an input or another
 * input's output. Skipped unless FORCE: an output already there that is
 * verified to be its input's for P (etl_output_done: its record, hashes and
 * sampled frames); one that is there but wrong is redone, and redo[i] says
 * why. Never blocks on a FIFO. Leftover
 * temporary files of an interrupted run (NAME-transformed.wav.tmp.*) are
 * removed. Returns 0 (cannot fail but on memory).
 */
int etl_plan_make(etl_plan *pl, char *const *inputs, size_t n, const char *dest,
		  bool force, const etl_params *p);

/* Runs MODE over the plan's tasks with WORKERS threads or processes. Fills
 * pl->res. Returns how many files failed, or -1 when the kernel could not run. */
int etl_plan_run(etl_plan *pl, int mode, int workers);

void etl_plan_free(etl_plan *pl);

/* The folder name of the generated set of SECONDS s: "audio-5s", "audio-0.5s". */
void etl_generated_name(double seconds, char *buf, size_t len);

/* Set by the check of outputs already there (--check-outputs), which must
 * change nothing: etl_plan_make then leaves leftover temporary files. */
extern bool etl_plan_keep_temps;

/* The generated inputs under KIT_ROOT/data/cache/audio-<S>s/ (made on first
 * use). Returns a malloc'd list of FILES paths (caller frees each and the
 * list) and the folder in DIR, or NULL after a message. */
char **etl_inputs_generated(int files, double seconds, bool verbose, char *dir, size_t len);

/* Expands ARGS: a folder gives its *.wav files, sorted, leaving out
 * *-transformed.wav; a file is kept as it is (even if missing: the kernel
 * reports it). Returns the list (count in *N), or NULL after a message. */
char **etl_inputs_expand(char *const *args, size_t nargs, size_t *n);

/* ------------------------------------------------------------------------
 * The timed sweep of modes (etl_sweep.c): --time, the demo, the benchmark
 */
#define MAX_WORKERS_SUMMARY 64
struct etl_sweep_summary;
typedef struct etl_sweep {
	char *const *inputs;	/* the files */
	size_t n;
	const char *dest;	/* outputs go here (scratch) */
	etl_params p;
	const int *workers;	/* worker counts, ascending */
	size_t nworkers;
	unsigned modes;		/* bit (1 << mode) per mode to run */
	kit_timing_opts timing;
	bool cold;		/* also copy and threads with the inputs evicted
				 * from the page cache before each run */
	bool quiet;
	bool chart;		/* a text chart of MB/s by workers on OUT */
	const char *png;	/* PREFIX: PREFIX.png of the same; NULL: none */
	const char *title;
	struct etl_sweep_summary *sum;	/* filled when not NULL */
} etl_sweep;

/* What a sweep measured, for side-by-side comparisons (MB/s; 0: none). */
typedef struct etl_sweep_summary {
	double serial;		/* the serial kernel */
	double copy;		/* the plain copy, best over worker counts */
	double best_at[MAX_WORKERS_SUMMARY + 1];	/* best ETL mode at W workers */
	int best_mode_at[MAX_WORKERS_SUMMARY + 1];
} etl_sweep_summary;

/* Times every mode of S at every worker count (serial and copy-serial once),
 * after validating each mode's outputs; adds one row per measurement to R
 * (columns mode, workers, MB_per_s, read_s, transform_s, write_s and the
 * timing) and prints the table, the chart and the I/O-or-CPU verdict.
 * Returns an exit status. */
int etl_sweep_run(const etl_sweep *s, kit_results *r, FILE *out);


#endif
