/*
 * exercise.h - the one exercise driver: an exercise is a table of kernels
 * and a few callbacks; kit_exercise_main() is its whole main().
 *
 *   int main(int argc, char **argv) { return kit_exercise_main(argc, argv, &pi_exercise); }
 *
 * Every exercise program then has these modes (PROG --help lists them):
 *
 *   PROG [--kernel K|all] [-n N] [--threads LIST] [--json F] [--csv F] [--png P] [--chart]
 *       Plain run: for each kernel and thread count, run once and validate (the
 *       run is also the warm-up), then time it with the kit's one protocol
 *       (kit_time) and print the table with the exercise's rates (ns/sample,
 *       GFLOP/s, GB/s from the work callback); several thread counts add the
 *       scaling table (and --chart, --png). An invalid result prints no rate;
 *       exit 1.
 *   PROG --kernel K [--validate] [--expect-parallel] [--consistent R]
 *        [--same-across LIST] [--expect-children]
 *       Students' own checks, in this process: one "  ok/FAIL" line each and a
 *       last line "PASS: ..." / "FAIL: ...; hint" (kit_checks_finish).
 *   PROG --kernel K [-n N] [--seed S] [--input DIR] --emit DIR
 *       Runs kernel K once at the thread count OMP_NUM_THREADS sets and writes
 *       DIR/result.json {"exercise", "kernel", "n", "seed", "threads", "result":
 *       {...}} plus the exercise's large outputs beside it. No validation, no
 *       timing. Exit 0 written, 1 the kernel failed, 2 usage.
 *   PROG --kernel K [-n N] [--seed S] [--input DIR] --verify DIR[,DIR...]
 *       The reference reads each DIR as untrusted data (bounded sizes, exact
 *       lengths), checks it with the exercise's rule against its own
 *       computation for the same (n, seed, input) and, with several DIRs,
 *       requires the same result where the kernel promises it
 *       (KIT_EX_SAME_ANY: every DIR; KIT_EX_REPEATABLE: DIRs of one thread
 *       count). Prints ONE line "PASS: ..." or "FAIL: ..." and exits 0, 1, or 2
 *       (usage, or the reference itself could not run).
 *   PROG --make-inputs DIR --seed S [--count K]    (exercises with input files)
 *   PROG --demo NAME | --bench [--quick] [--out DIR]
 *       Runs the exercise's demo program (built from the solution only, in
 *       BUILD/demos/NN-name/) with the same arguments.
 *
 * Callbacks get a kit_ex_ctx describing the run. Exercise-specific options
 * are an opt.h table fragment whose targets are the exercise's own variables.
 */
#ifndef KIT_EXERCISE_H
#define KIT_EXERCISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kit.h"
#include "opt.h"

struct cJSON;

/* What a kernel promises; the checks and --verify follow them. */
enum {
	KIT_EX_PARALLEL = 1 << 0,	/* OpenMP threads: --expect-parallel applies */
	KIT_EX_PROCESSES = 1 << 1,	/* child processes: --procs, --expect-children */
	KIT_EX_REPEATABLE = 1 << 2,	/* the same result at a fixed thread count */
	KIT_EX_SAME_ANY = 1 << 3,	/* the same result at any thread count */
};

/* One kernel: a step of the exercise, a function in the student's file. */
typedef struct kit_ex_kernel {
	const char *name;	/* --kernel NAME: "reduction" */
	int step;		/* the README's step */
	const char *func;	/* the function students write: "pi_reduction" */
	const char *hint;	/* what to look at when it fails, in the student's
				 * words: "look at TODO(2) in pi.c: ..." */
	unsigned flags;		/* KIT_EX_* */
	uint64_t n_time;	/* default n when timing; 0: the exercise's */
	uint64_t n_check;	/* default n in checks, --emit and --verify; 0: the
				 * exercise's */
} kit_ex_kernel;

/* The run the callbacks are asked about. */
typedef struct kit_ex_ctx {
	const struct kit_exercise *ex;
	int kernel;		/* index into ex->kernels */
	uint64_t n, seed;
	bool n_given;		/* -n was on the command line */
	const char *input;	/* --input DIR, or NULL */
	int threads;		/* threads of this run (--verify: as recorded in DIR) */
	int procs;		/* worker processes (KIT_EX_PROCESSES kernels) */
	bool checking;		/* a check, --emit or --verify rather than timing */
	bool all_kernels;	/* --kernel all (KERNEL is then the one asked about) */
	bool quiet;		/* -q: print only the table or the verdict */
	bool sanitized;		/* --verify: the output came from a sanitizer build
				 * (the grader's race check sets KIT_VERIFY_SANITIZED=1),
				 * whose schedule is not the program's own: judge the
				 * results, not how the threads shared the work */
	bool exact;		/* validate: demand the defined answer where the
				 * kernel has one (--same-across, --verify), not
				 * only a plausible one */
} kit_ex_ctx;

/* The work of one run, for rates: each non-zero figure gives its rate once,
 * for every exercise (ns/sample and samples/s, GFLOP/s, GB/s). */
typedef struct kit_ex_work {
	double samples, flops, bytes;
} kit_ex_work;

typedef struct kit_exercise {
	const char *name;	/* "01-monte-carlo-pi": folder, result.json, demos */
	const char *title;	/* "Monte Carlo pi" */
	const char *program;	/* "pi" */
	const char *edit;	/* the student's file, "pi.c" */
	const char *about;	/* --help's paragraph: what the program computes */
	const char *table_title;	/* the plain run's table; NULL: "TITLE: time by
					 * kernel and threads" */
	bool own_threads_column;	/* no "threads" column from the driver: the
					 * exercise's columns say who worked */
	const char *examples;	/* --help's examples, one a line */
	const kit_ex_kernel *kernels;
	int nkernels;
	const kit_opt *options;	/* the exercise's own options (KIT_OPT_END-ended), or NULL */
	const char *n_help;	/* --help text of -n: "samples" */
	uint64_t n_min, n_max;	/* -n's range */
	uint64_t n_time, n_check;	/* default n when timing / checking */
	uint64_t seed;		/* default seed */
	bool has_input;		/* --input DIR is accepted */
	const char *demo_program;	/* "pi-demos" in BUILD/demos/NAME/, or NULL */
	double busy_span;	/* seconds --expect-parallel keeps the kernel busy; 0: 0.3 */
	uint64_t n_check_small;	/* --validate without -n first checks this small size
				 * too (odd sizes catch loop remainders); 0: none */
	bool n_linear;		/* the work grows as n: --expect-parallel may raise n
				 * so that each run lasts 20 ms, and a slow run
				 * suggests -n / 10 */

	/* The problem for C (n, seed, input and the exercise's options): a
	 * pointer the other callbacks get, or NULL after a message (exit 2). */
	void *(*make)(const kit_ex_ctx *c);
	/* Frees what make returned. */
	void (*free)(void *prob);
	/* Runs kernel C->kernel once, writing RESULT_SIZE bytes at RESULT.
	 * 0, or -1 when the kernel reported an error (already printed). */
	int (*run)(void *prob, const kit_ex_ctx *c, void *result);
	size_t result_size;	/* bytes of a result; compared bytewise for "same" */
	const char *result_name;	/* a result that is ONE number (a uint64_t, or a
					 * double with RESULT_IS_DOUBLE): its name in
					 * result.json and messages ("hits"). describe,
					 * emit and verify may then be NULL: the driver
					 * writes {"hits": N}, and --verify reads it back
					 * and calls validate with EXACT set. */
	bool result_is_double;
	/* Students' plain check: true when RESULT is right. MSG gets what was
	 * observed, in the student's words ("pi ~= 3.1416, 0.3 standard errors
	 * from pi"); the driver adds the kernel's hint to a failure. */
	bool (*validate)(void *prob, const kit_ex_ctx *c, const void *result, kit_buf *msg);
	/* Appends RESULT in a few words ("785398 hits") for messages. */
	void (*describe)(const void *result, kit_buf *msg);
	/* Optional: extra columns of the plain run's table for RESULT. */
	void (*columns)(kit_results *r, void *prob, const kit_ex_ctx *c, const void *result);
	/* The work of one run of C, for rates. Optional (no rates). */
	kit_ex_work (*work)(const kit_ex_ctx *c);

	/* make, free, run, result_size and validate are required; the rest are
	 * optional (without emit or verify, and no RESULT_NAME, --emit or
	 * --verify exits 2). */
	/* --emit: adds RESULT's scalars to OUT (the "result" object) and writes
	 * large outputs into DIR (atomically). 0, or -1 after a message. */
	int (*emit)(void *prob, const kit_ex_ctx *c, const void *result, struct cJSON *out,
		    const char *dir);
	/* --verify, one DIR: reads the student's RESULT object (and files in DIR:
	 * kit_ex_read_exact) into GOT (RESULT_SIZE bytes, zeroed) and checks it
	 * against the reference's own computation for C. Returns KIT_PASS or
	 * KIT_FAIL with MSG saying what was checked or what differs, with numbers;
	 * -1 when the reference itself cannot run (MSG says why; exit 2). */
	int (*verify)(void *prob, const kit_ex_ctx *c, const char *dir,
		      const struct cJSON *result, void *got, kit_buf *msg);
	/* --make-inputs DIR --seed S [--count K]: writes the input files (COUNT 0:
	 * the exercise's default). 0 or -1 after a message. NULL: the exercise has
	 * no input files. With it the driver owns the option --count, so the
	 * exercise's own options must not use that name. */
	int (*make_inputs)(const char *dir, uint64_t seed, int count);
	/* Optional: the threads that could work in kernel C->kernel, when a
	 * library runs threads of its own (OpenBLAS threads even in a build
	 * without OpenMP); default: OpenMP's. --expect-parallel runs whenever
	 * this is 2 or more. */
	int (*threads)(const kit_ex_ctx *c);
	/* Optional: lines of the exercise's own after the configuration the
	 * driver prints (kit_env_print) before checks and timed runs. */
	void (*print_config)(const kit_ex_ctx *c);
	/* Optional: told of every row timed (T valid, W its work), and asked
	 * for lines after the table (e.g. a comparison of kernels). */
	void (*timed)(const kit_ex_ctx *c, const kit_timing *t, kit_ex_work w);
	void (*summary)(void);
	/* Optional: a mode of the exercise's own, called after parsing. Returns an
	 * exit status, or -1 when none of its options was given. */
	int (*mode)(const kit_ex_ctx *c);
	/* Optional: checks combinations of the exercise's options after parsing.
	 * 0, or -1 after one line (exit 2). */
	int (*check_options)(const kit_ex_ctx *c);
} kit_exercise;

/*
 * The exercise program's main(): parses ARGV (the common options and
 * EX->options), then runs the mode asked for (see the top of this file).
 * Returns the exit status: 0 ok/pass, 1 invalid/fail, 2 usage or grader
 * error, 77 a check that cannot be judged here.
 */
int kit_exercise_main(int argc, char **argv, const kit_exercise *ex);

/*
 * --demo and --bench: replaces this process with the demo program PROGRAM of
 * exercise NAME, built with the reference solution only (BUILD/demos/NAME/,
 * found from this program's BUILD/{exercises,solutions}/NAME/), with ARGV[1..]
 * as they are. Returns only when it cannot run it: 2 after one message
 * (not built: "run ./kit once").
 */
int kit_ex_exec_demos(const char *name, const char *program, int argc, char **argv);

/* ------------------------------------------------------------------------
 * An exercise program in a fresh process, for what must be set before a
 * program starts (OMP_NUM_THREADS for OpenBLAS, OPENBLAS_CORETYPE)
 */

typedef struct kit_ex_fresh {
	bool ok;		/* ran, exited 0 and its results were read */
	bool invalid;		/* it ran and a result failed its check (exit 1) */
	char why[512];		/* when not ok: what happened, with its last error line */
	struct cJSON *doc;	/* its results (ompkit-results/1), owned; NULL unless ok */
	const struct cJSON *columns;	/* the first row's "columns" in DOC */
	const struct cJSON *env;	/* DOC's "env" snapshot */
} kit_ex_fresh;

/*
 * Runs PROG (NULL: this program) with ARGS (NULL-terminated) and "-q --json
 * TMPFILE", OMP_NUM_THREADS=THREADS and the "NAME=VALUE" strings of SETENV
 * (NULL-terminated, may be NULL) in its environment, killed after TIMEOUT
 * seconds (0: none), and reads the results it wrote. Fills *OUT (release with
 * kit_ex_fresh_free); never fails otherwise: OUT->ok false and OUT->why say
 * why.
 */
void kit_ex_fresh_run(const char *prog, const char *const *args, int threads,
		      const char *const *setenv, double timeout, kit_ex_fresh *out);
/* Frees OUT's document; OUT may be NULL. */
void kit_ex_fresh_free(kit_ex_fresh *out);
/* OBJ[KEY] as a number, or DFLT when it is not one. */
double kit_ex_num(const struct cJSON *obj, const char *key, double dflt);

/* ------------------------------------------------------------------------
 * Helpers for verify callbacks: reading untrusted emitted files.
 */

/* The most bytes kit_ex_read_exact and result.json reading accept. */
#define KIT_EX_MAX_FILE ((size_t)1 << 32)
#define KIT_EX_MAX_JSON ((size_t)1 << 20)

/*
 * Reads DIR/NAME into BUF, which must be exactly SIZE bytes: the file must be
 * a regular file (not a link, FIFO or device) of exactly SIZE bytes. Returns
 * 0, or -1 with MSG saying what is wrong in the student's words ("C.f64 holds
 * 800 bytes; expected 8192 (n x n doubles)").
 */
int kit_ex_read_exact(const char *dir, const char *name, void *buf, size_t size,
		      kit_buf *msg);

/*
 * Reads DIR/NAME (a regular file of at most LIMIT bytes) as a NUL-terminated
 * malloc'd string (caller frees); *LEN (may be NULL) gets its length. NULL
 * with MSG saying why.
 */
char *kit_ex_read_text(const char *dir, const char *name, size_t limit, size_t *len,
		       kit_buf *msg);

/* OBJ[KEY] as a whole number in [0, 2^53] (exact in a double). 0, or -1 with
 * MSG naming KEY and what it holds instead. */
int kit_ex_json_u64(const struct cJSON *obj, const char *key, uint64_t *out, kit_buf *msg);

/* OBJ[KEY] as a finite number. 0, or -1 with MSG. */
int kit_ex_json_double(const struct cJSON *obj, const char *key, double *out, kit_buf *msg);

/* ------------------------------------------------------------------------
 * Helpers for descriptors (exercise_files.c): what emit, verify and the
 * checks of every exercise would otherwise write again.
 */

/* Writes SIZE bytes at DATA to DIR/NAME atomically (a reader sees the old
 * file or the whole new one), in this machine's byte order. 0, or -1 after
 * one message naming the file. The emit side of kit_ex_read_exact. */
int kit_ex_write_exact(const char *dir, const char *name, const void *data, size_t size);

/* Writes DIR/NAME atomically through FILL(F, ARG), which returns 0, or -1
 * when it could not produce the contents. 0, or -1 after one message. */
int kit_ex_write_with(const char *dir, const char *name, int (*fill)(FILE *f, void *arg),
		      void *arg);

/* A whole number for JSON, kept exact: its decimal digits as a JSON number
 * when it is at most 2^53 (cJSON's own printing keeps 15 digits, and 16-digit
 * numbers came back off by one), else as a string of digits (read back with
 * kit_ex_json_u64_text). Read with kit_ex_json_u64. */
void kit_ex_json_add_u64(struct cJSON *obj, const char *key, uint64_t v);

/* A whole number that may exceed 2^53 (a sum of 64-bit values), kept exact
 * in result.json as a string of decimal digits: OBJ[KEY] = "V". */
void kit_ex_json_add_u64_text(struct cJSON *obj, const char *key, uint64_t v);
/* Reads it back: OBJ[KEY] must be a string of 1 to 20 decimal digits within
 * 2^64 - 1. 0, or -1 with MSG naming KEY. */
int kit_ex_json_u64_text(const struct cJSON *obj, const char *key, uint64_t *out, kit_buf *msg);

/* OBJ[KEY] as a whole number in [-2^53, 2^53]. 0, or -1 with MSG naming KEY. */
int kit_ex_json_i64(const struct cJSON *obj, const char *key, int64_t *out, kit_buf *msg);

/* How many of the N elements of ELEM bytes at GOT and WANT differ (bytewise);
 * *FIRST (may be NULL) gets the index of the first that does, when any.
 * Cannot fail. */
size_t kit_ex_count_diff(const void *got, const void *want, size_t n, size_t elem,
			 size_t *first);

/* A 64-bit fingerprint of SIZE bytes (FNV-1a over 64-bit words): the result
 * compared across runs and folders when the result itself is large. Equal
 * bytes, equal fingerprints; different bytes almost surely differ. */
uint64_t kit_ex_fingerprint(const void *data, size_t size);

/* The child processes of one run of a KIT_EX_PROCESSES kernel: how many were
 * forked (each counted as it starts, through pthread_atfork) and the CPU time
 * of those waited for. begin before the kernel, end after it. */
typedef struct kit_ex_children {
	unsigned forked;
	double cpu;		/* seconds, user + system */
} kit_ex_children;
void kit_ex_children_begin(void);
kit_ex_children kit_ex_children_end(void);
/* CPU seconds of this process's children waited for so far (getrusage). */
double kit_ex_children_cpu(void);
/* --emit: OUT["children"], OUT["child_cpu_s"]. */
void kit_ex_children_emit(const kit_ex_children *k, struct cJSON *out);
/* --verify: RESULT's children show the work was forked: at least
 * min(C->procs, 2) children, with CPU time. False with MSG (replaced) saying
 * what ran where. */
bool kit_ex_children_verify(const struct cJSON *result, const kit_ex_ctx *c, kit_buf *msg);

/* A work callback for exercises whose -n counts samples (rates: ns/sample,
 * samples/s): .work = kit_ex_work_samples. */
kit_ex_work kit_ex_work_samples(const kit_ex_ctx *c);

/* GOT is WANT bit for bit (the answer the serial code defines); MSG gets
 * "G, the defined answer" or "G, not the defined W (off by D)". */
bool kit_ex_same_double(double got, double want, kit_buf *msg);

/* An argument check for a kernel that keeps -n items in memory: 0 when C->n
 * is at most MOST, else -1 after one line naming -n, the kernel and the
 * limit ("-n 300000000 is too large for the filter kernel: at most 200000000
 * readings"). For make and check_options. */
int kit_ex_n_at_most(const kit_ex_ctx *c, uint64_t most, const char *what);

#endif /* KIT_EXERCISE_H */
