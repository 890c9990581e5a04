/*
 * exercise_internal.h - what the parts of the exercise driver share
 * (exercise.c: options and dispatch; exercise_checks.c: students' checks;
 * exercise_time.c: the timed run; exercise_emit.c: --emit, --verify and the
 * readers of untrusted files). Not for exercises: they use exercise.h.
 */
#ifndef KIT_EXERCISE_INTERNAL_H
#define KIT_EXERCISE_INTERNAL_H

#include "exercise.h"
#include "kit.h"
#include "opt.h"

#define MAX_THREADS 4096
#define MAX_PROCS 256
#define MAX_DIRS 64

/* Everything the command line says. */
typedef struct drv {
	const kit_exercise *ex;
	int kernel;			/* index, or nkernels: all */
	uint64_t n, seed;
	bool n_set;
	const char *input;
	kit_opt_counts threads, same_across;
	int procs, reps, consistent, count;
	const char *json, *csv, *png, *emit, *verify, *make_inputs;
	bool chart, quiet, validate, expect_parallel, expect_children;
	const char *demo, *out;
	bool bench, quick;
	const char **choices;		/* kernel names and "all" */
	char *seed_help;		/* --help's line for --seed, with the default */
} drv;

/* One kernel's problem, and a place for its result. */
typedef struct runner {
	const drv *d;
	kit_ex_ctx c;
	void *prob;
	unsigned char *result;
} runner;

/* Kernel K of D's exercise. */
const kit_ex_kernel *kern(const drv *d, int k);
/* --kernel all. */
bool all_kernels(const drv *d);
/* "s" unless N is 1. */
const char *plural(long n);
/* Some kernel of EX has FLAG. */
bool has_flag(const kit_exercise *ex, unsigned flag);
/* The n of kernel K: -n, else the kernel's default, else the exercise's. */
uint64_t n_for(const drv *d, int k, bool checking);
/* The context of a run of kernel K at THREADS threads. */
kit_ex_ctx ctx_for(const drv *d, int k, bool checking, int threads);
/* Kernel K's hint. */
const char *hint_of(const drv *d, int k);
/* RESULT in a few words, into B (cleared first); B's string. */
const char *describe(const drv *d, const void *result, kit_buf *b);

/* Makes the problem for kernel K into R. 0, or -1 (make said why). */
int runner_open(runner *r, const drv *d, int k, bool checking, int threads);
/* Frees R's problem and result. */
void runner_close(runner *r);
/* One run at the current thread count into R->result; the kernel's verdict. */
int runner_run(runner *r);
/* runner_run for kit_time. */
int timed_fn(void *p);

/* The modes; each returns the exit status. */
int run_checks(const drv *d);
int run_timing(const drv *d);
int do_emit(const drv *d);
int do_verify(const drv *d);
/* PATH is a folder. */
bool is_dir(const char *path);

#endif /* KIT_EXERCISE_INTERNAL_H */
