/*
 * kit.h - the ompkit harness (libkit): one API for timing, statistics, rates,
 * scaling, environment snapshots, results (table, CSV, JSON), plots, progress,
 * child processes, the verdicts of check modes and folders. Every exercise
 * driver, demo and the kit CLI use it. Beside it, built on it: opt.h (option
 * tables), exercise.h (the one exercise driver, kit_exercise_main) and pool.h
 * (the process pool students call).
 *
 * Conventions
 *  - Functions that can fail return 0 on success and -1 on failure, after
 *    printing one line to stderr that names the thing and says what to do
 *    ("pi: error: cannot write 'out/x.json': Permission denied; choose a
 *    writable folder with --json"). Functions documented "cannot fail" abort
 *    only when memory runs out.
 *  - Exit status is the verdict: KIT_EXIT_OK valid, KIT_EXIT_INVALID wrong
 *    answer, KIT_EXIT_USAGE bad arguments or environment, KIT_EXIT_SKIP
 *    (77, meson's and automake's skip code) cannot be checked here.
 *  - Files are written atomically: a temporary file beside the target, then
 *    rename(2). A failed or interrupted write leaves the old file, or none.
 *  - Times are seconds (double) from CLOCK_MONOTONIC.
 *
 * OpenMP calls go through kit_omp.h so every program builds without OpenMP.
 */
#ifndef KIT_H
#define KIT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kit_omp.h"

#define KIT_PRINTF(a, b) __attribute__((format(printf, a, b)))

enum {
	KIT_EXIT_OK = 0,
	KIT_EXIT_INVALID = 1,
	KIT_EXIT_USAGE = 2,
	KIT_EXIT_SKIP = 77,
};

/* ------------------------------------------------------------------------
 * Start-up, messages, command-line numbers
 */

/*
 * Call first in main(). Records the program name for messages and checks the
 * OMP_* variables the runtime would otherwise silently ignore or misread
 * (OMP_NUM_THREADS=abc or 0). Returns 0, or -1 after printing what is wrong
 * and how to fix it; the caller should then exit with KIT_EXIT_USAGE.
 */
int kit_init(int argc, char **argv);

/* The name kit_init() recorded ("pi"), or "kit" before it. Cannot fail. */
const char *kit_progname(void);

/* "PROG: error: ..." and "PROG: warning: ..." on stderr, one line each (a
 * progress bar on the terminal is cleared first). Warnings are also kept for
 * the next results file. Cannot fail. */
void kit_error(const char *fmt, ...) KIT_PRINTF(1, 2);
void kit_warn(const char *fmt, ...) KIT_PRINTF(1, 2);

/*
 * Parses a whole-number argument: decimal digits, optionally with an exponent
 * ("1e9", "2.5e6" when integral) or a k/M/G suffix (10^3, 10^6, 10^9).
 * Returns 0 and sets *out when MIN <= value <= MAX; otherwise -1 after
 * printing "WHAT must be a whole number from MIN to MAX, not 'S'".
 */
int kit_parse_u64(const char *s, const char *what, uint64_t min, uint64_t max,
		  uint64_t *out);

/* As kit_parse_u64 for a finite double in [MIN, MAX]. */
int kit_parse_double(const char *s, const char *what, double min, double max,
		     double *out);

/*
 * The value of option ARGV[*I]: EQ + 1 when the option came as --opt=VALUE
 * (EQ points at its '='), else the next argument, and *I moves past it.
 * NULL after printing "option '--opt' needs a value; see PROG --help".
 */
const char *kit_option_value(int argc, char **argv, int *i, const char *eq);

/*
 * Parses a list of thread or process counts: "1,2,4", ranges "1-8", and the
 * words "cores" (physical cores), "cpus" (logical CPUs) and "2cpus" (twice the
 * logical CPUs). On success *out is a malloc'd array (caller frees) of *n
 * values, each in [MIN, MAX]. Returns -1 with a message otherwise.
 */
int kit_parse_counts(const char *s, const char *what, int min, int max,
		     int **out, size_t *n);

/* ------------------------------------------------------------------------
 * Memory and strings
 *
 * Allocation that cannot fail and a growing string, for every program and the
 * kit CLI, so none keeps its own copy. "Aborts" means: prints
 * "PROG: error: out of memory" on stderr and calls abort().
 */

/* malloc(N) that never returns NULL: aborts with a message when memory runs
 * out. N may be 0 (a 1-byte block). The memory is not zeroed. */
void *kit_xmalloc(size_t n);

/* calloc(N, SIZE): zeroed, never NULL (aborts when memory runs out or
 * N * SIZE overflows). N or SIZE may be 0 (a 1-byte block). */
void *kit_xcalloc(size_t n, size_t size);

/* realloc(P, N) that never returns NULL: aborts with a message when memory
 * runs out. P may be NULL; N may be 0 (a 1-byte block, not a free). */
void *kit_xrealloc(void *p, size_t n);

/* A malloc'd copy of S (caller frees); NULL gives "". Never NULL. */
char *kit_xstrdup(const char *s);

/* The formatted string, malloc'd (caller frees), as vasprintf(3) but never
 * NULL: aborts when memory runs out. */
char *kit_xasprintf(const char *fmt, ...) KIT_PRINTF(1, 2);
char *kit_xvasprintf(const char *fmt, va_list ap) KIT_PRINTF(1, 0);

/*
 * A growing string. Start with kit_buf b = { 0 } (empty); S is NULL until the
 * first add, then always NUL-terminated with LEN bytes before the NUL. The
 * functions abort with a message when memory runs out.
 */
typedef struct kit_buf {
	char *s;
	size_t len, cap;
} kit_buf;

/* Appends the N bytes at S (which need no NUL). */
void kit_buf_add(kit_buf *b, const char *s, size_t n);
/* Appends the string S (NULL appends nothing). */
void kit_buf_add_str(kit_buf *b, const char *s);
/* Appends a formatted string; a format error appends nothing. */
void kit_buf_printf(kit_buf *b, const char *fmt, ...) KIT_PRINTF(2, 3);
void kit_buf_vprintf(kit_buf *b, const char *fmt, va_list ap) KIT_PRINTF(2, 0);
/* The string so far: "" when empty, never NULL. Valid until the next add or
 * kit_buf_free. */
const char *kit_buf_str(const kit_buf *b);
/* Hands the string over, malloc'd (caller frees; "" when empty), and leaves
 * B empty. */
char *kit_buf_take(kit_buf *b);
/* Frees the string and leaves B empty, ready for reuse. */
void kit_buf_free(kit_buf *b);

/* ------------------------------------------------------------------------
 * Checks: the verdicts of a driver's check modes and its last line
 * (docs/conventions.md section 2)
 */

/* A check's verdict, in rising order of weight: the last line reports the
 * weightiest one seen. */
enum { KIT_PASS, KIT_SKIP, KIT_FAIL };

/* The checks run so far. Start with kit_checks c = { .quiet = q }; the
 * fields are read by kit_checks_finish and need not be touched. */
typedef struct kit_checks {
	int worst;		/* KIT_PASS, KIT_SKIP or KIT_FAIL: the weightiest so far */
	bool quiet;		/* print only the last line */
	char pass[4096];	/* the PASS texts, "; "-joined (cut at 4095 bytes) */
	char fail[1024];	/* the first FAIL text */
	char skip[1024];	/* the first SKIP text */
} kit_checks;

/*
 * Records one check's VERDICT (KIT_PASS, KIT_SKIP or KIT_FAIL) and its text,
 * printed unless C->quiet as "  ok   TEXT", "  FAIL TEXT" or "  skip TEXT"
 * (stdout flushed, so a check that forks next prints nothing twice). A FAIL
 * text reads "observed ...; what to look at". Cannot fail.
 */
void kit_check(kit_checks *c, int verdict, const char *fmt, ...) KIT_PRINTF(3, 4);

/*
 * For a check that 2 or more threads did work, run at THREADS threads (the
 * OpenMP threads, or a library's). True when it can be judged here; false
 * after recording a skip that says why: built without OpenMP, or 1 thread.
 * Cannot fail.
 */
bool kit_check_parallel_possible(kit_checks *c, int threads);

/*
 * Prints the last line and returns the exit status: "FAIL: " and the first
 * FAIL text (KIT_EXIT_INVALID) if any check failed, else "SKIP: " and the
 * first SKIP text (KIT_EXIT_SKIP) if any was skipped, else "PASS: " and every
 * PASS text (KIT_EXIT_OK). Cannot fail.
 */
int kit_checks_finish(const kit_checks *c);

/* ------------------------------------------------------------------------
 * Clocks
 */

/* Monotonic wall-clock seconds since an arbitrary start. Cannot fail. */
double kit_wtime(void);

/* CPU seconds (user + system) used so far by all threads of this process and
 * by the child processes it has waited for. Cannot fail. */
double kit_cputime(void);

/* CPU seconds (user + system) of the child processes waited for so far (and
 * their own waited-for children): the work of a process pool. Cannot fail. */
double kit_children_cputime(void);

/* CPU seconds all CPUs of the machine spent busy since boot (/proc/stat:
 * user, nice, system, irq, softirq, steal; not idle or iowait), or -1 when
 * it cannot be read. The difference over a run, less this process's own
 * kit_cputime, is what other programs (or a virtual machine's host) took. */
double kit_system_busy(void);

/* ------------------------------------------------------------------------
 * Statistics of a sample (times, rates, ratios)
 */

typedef struct kit_stats {
	size_t n;
	double min, max, mean, median;
	double stddev;		/* sample standard deviation (n - 1) */
	double mad;		/* median absolute deviation, unscaled */
	double cv;		/* stddev / mean; 0 when n < 2 */
	double ci_lo, ci_hi;	/* 95% confidence interval of the median
				 * (distribution-free, order statistics);
				 * [min, max] when n < 6 */
	size_t outliers;	/* |x - median| > 3.5 * 1.4826 * MAD (modified
				 * z-score, Iglewicz-Hoaglin); counted, never
				 * dropped from any figure above */
} kit_stats;

/* Fills *out from the N values at X (not modified). -1 (no message) if N == 0. */
int kit_stats_of(const double *x, size_t n, kit_stats *out);

/* ------------------------------------------------------------------------
 * The timing protocol, the same everywhere
 */

typedef struct kit_timing_opts {
	int warmup;		/* runs discarded before timing (>= 0) */
	int min_reps;		/* time at least this many runs ... */
	double min_time;	/* ... and at least this many seconds in all */
	int max_reps;		/* but never more than this many runs */
	bool serial;		/* the kernel is serial on purpose: no "nothing ran in
				 * parallel" and no thread-count warnings */
} kit_timing_opts;

#define KIT_TIMING_DEFAULT { .warmup = 1, .min_reps = 5, .min_time = 0.2, .max_reps = 1000 }

typedef struct kit_timing {
	kit_stats wall;		/* seconds per run, warm-up excluded */
	double first;		/* seconds of the first (warm-up) run, or 0 */
	double cpu;		/* process CPU seconds per timed run (mean) */
	int threads;		/* kit_omp_max_threads() while timing */
	double *samples;	/* wall.n timed runs, in order; owned */
	int busy;		/* threads that each did a fair share of the timed CPU
				 * work (kit_busy_end, 0.25); 0 when unknown (under
				 * 0.1 s of CPU work in this process, worker processes
				 * did most of it, or no /proc) */
	double others;		/* CPUs other programs kept busy meanwhile (from
				 * /proc/stat, this process and its children taken
				 * off); -1 when unknown (under 0.2 s timed) */
	bool serial;		/* from kit_timing_opts */
} kit_timing;

/*
 * Times FN(CTX) under OPTS (NULL: KIT_TIMING_DEFAULT). FN returns 0 when the
 * run worked; a non-zero return stops timing and is returned as is (the
 * kernel's own failure, already reported). Returns 0 and fills *OUT, which
 * the caller releases with kit_timing_free(); on failure *OUT is zeroed.
 */
int kit_time(int (*fn)(void *ctx), void *ctx, const kit_timing_opts *opts,
	     kit_timing *out);
/* Frees T's samples and zeroes *T; T may be NULL or already freed. */
void kit_timing_free(kit_timing *t);

/*
 * Finds what makes T unreliable and what to do about it: one thread seen
 * doing all the work with several asked for (T->busy == 1 and CPU time close
 * to wall time: nothing ran in parallel; not for a serial kernel), more threads than logical CPUs or physical cores, other programs
 * using the CPUs this timing needed, spread (CV) above 5%, outliers, a first
 * run much slower than the median. Each one is kept for the next results file
 * (kit_results_*) and for kit_timing_warnings_flush, which prints them; none
 * is printed here. Returns how many it found. Cannot fail.
 */
int kit_timing_warnings(const kit_timing *t, const char *label);

/*
 * Prints the warnings kit_timing_warnings kept since the last flush, as
 * "PROG: warning: ..." lines on stderr: one line per cause (the worst case,
 * and in how many other timings it also happened), the two most important
 * causes only, then one line counting the rest. With KIT_VERBOSE set (not
 * "0"), every warning of every timing. kit_results_print calls it after the
 * table, and it runs at exit for what is still kept. Cannot fail.
 */
void kit_timing_warnings_flush(void);

/* ------------------------------------------------------------------------
 * Kernels described as data, and rates
 */

typedef struct kit_kernel {
	const char *name;
	double flops;		/* floating-point operations per call (0: none) */
	double bytes;		/* bytes moved to and from memory per call */
} kit_kernel;

/* This machine's limits, as measured and cached by ./kit machine. */
typedef struct kit_machine {
	double peak_gflops_1;	/* FMA loop, 1 thread */
	double peak_gflops_all;	/* FMA loop, all logical CPUs */
	double bw_gbs_1;	/* triad, 1 thread */
	double bw_gbs_all;	/* triad, all logical CPUs */
	int threads_all;
} kit_machine;

/*
 * Reads results/machine.json under the kit's root (KIT_ROOT, else the source
 * tree). Returns 0, or -1 with no message when it has not been measured yet
 * (rates are then printed without fractions of peak).
 */
int kit_machine_load(kit_machine *m);

/*
 * Measures *M on this machine: a few seconds. VERBOSE prints one line per
 * figure. Returns 0, or -1 with a message when the triad's arrays cannot be
 * allocated or its result is wrong. kit_machine_save() writes *M atomically
 * to results/machine.json under kit_root() (-1 with a message when it cannot).
 * kit_machine_load() warns once per process about a file it ignores.
 */
int kit_machine_measure(kit_machine *m, bool verbose);
int kit_machine_save(const kit_machine *m);

/* ------------------------------------------------------------------------
 * Which threads worked: did a parallel region really run in parallel?
 */

typedef struct kit_busy kit_busy;

/* Snapshots the CPU time of every thread of this process (/proc/self/task).
 * Cannot fail: without /proc, kit_busy_end() returns -1. */
kit_busy *kit_busy_begin(void);

/*
 * Counts the threads that did at least FRACTION (e.g. 0.25) of a fair share
 * of the CPU work since kit_busy_begin(B), a fair share being the CPU time all
 * threads used divided by kit_omp_max_threads(); frees B. Shares, not wall
 * time, so a loaded machine does not hide a parallel region. The clock is
 * coarse (10 ms ticks): the span should hold 0.2 s of CPU work or more.
 * Returns -1 when /proc is not readable.
 */
int kit_busy_end(kit_busy *b, double fraction);

/* ------------------------------------------------------------------------
 * The environment a result was measured in
 */

typedef struct kit_topo {
	char cpu_model[128];
	int packages, cores, pus;	/* pus: logical CPUs */
	long l1d, l2, l3;		/* bytes per cache, -1 if unknown */
} kit_topo;

/* Fills *T from hwloc (falls back to sysconf). Cached after the first call.
 * Cannot fail: unknown figures are -1 or "unknown". */
void kit_topo_get(kit_topo *t);

/* OpenBLAS as linked into this process, found at run time (dlsym): a
 * program that does not link OpenBLAS reports linked = false. */
typedef struct kit_blas_info {
	bool linked;
	char config[256];	/* openblas_get_config() */
	char core[64];		/* openblas_get_corename() */
	int parallel;		/* openblas_get_parallel(): 0 serial, 1 pthreads, 2 OpenMP */
	int threads;		/* openblas_get_num_threads() */
	bool fallback;		/* a generic core on a CPU with AVX2/AVX-512, OPENBLAS_CORETYPE unset */
	char fix[64];		/* e.g. "OPENBLAS_CORETYPE=SkylakeX", or "" */
	char coretype[64];	/* OPENBLAS_CORETYPE as set, "" when unset */
	bool coretype_by_kit;	/* it was set by kit_blas_core_setup, not by the user */
	char cpu_best[32];	/* the fastest core this CPU runs: "SkylakeX", "Haswell", or "" */
	char note[192];		/* a user's OPENBLAS_CORETYPE slower than cpu_best: why, or "" */
} kit_blas_info;
/* Fills *B. Cannot fail: without OpenBLAS, B->linked is false. */
void kit_blas_get(kit_blas_info *b);

/* For kit-cli, first thing: when OPENBLAS_CORETYPE is unset and OpenBLAS fell
 * back to a generic core on a CPU with AVX2/AVX-512, sets OPENBLAS_CORETYPE to
 * the right core (and KIT_OPENBLAS_CORETYPE_BY_KIT to the same, so reports can
 * tell it from a user's) for this process and every program it starts, prints
 * one line saying so, and returns 1: the caller re-executes itself so that its
 * own OpenBLAS loads that core. A value the user set is never changed. Returns
 * 0 when nothing changed. Cannot fail. */
int kit_blas_core_setup(void);

/*
 * The environment snapshot stored with every result, as a cJSON object the
 * caller owns: date, git commit, compiler and flags, CPU and caches, load,
 * governor, every OMP_* variable and what the runtime uses, OpenBLAS.
 * docs/results-schema.md lists its fields. Cannot fail.
 */
struct cJSON;
struct cJSON *kit_env_json(void);

/* Prints the configuration lines every program shows before its results:
 * threads as the runtime sees them, OpenMP, CPU and caches, OpenBLAS when
 * linked (with a warning when it is a fallback core or not the OpenMP
 * variant). Cannot fail. */
void kit_env_print(FILE *out);

/* ------------------------------------------------------------------------
 * Results: rows of named columns, printed as a table, CSV and JSON
 */

typedef struct kit_results kit_results;

/* A new, empty set of results for PROGRAM (e.g. "pi") and a TITLE. Cannot fail. */
kit_results *kit_results_new(const char *program, const char *title);

/* A configuration line ("n", "1000000"), printed before the table and stored
 * under "config" in JSON; setting KEY again replaces its value. The functions
 * from here to kit_results_free cannot fail; a set function called before
 * kit_results_row starts an unnamed row. */
void kit_results_config(kit_results *r, const char *key, const char *fmt, ...)
	KIT_PRINTF(3, 4);

/* Starts a row named LABEL; the set functions below fill the newest row. */
void kit_results_row(kit_results *r, const char *label);
/* A number column; FMT is its printf format in the table ("%.3f"). */
void kit_results_num(kit_results *r, const char *col, double v, const char *fmt);
void kit_results_str(kit_results *r, const char *col, const char *v);
/* Adds the timing columns (median_s, min_s, mean_s, stddev_s, mad_s, cv,
 * ci_lo_s, ci_hi_s, reps, outliers, cpu_s, threads, first_s) and, from K
 * (may be NULL), gflops / gbs and, when kit_machine_load() succeeds, their
 * fractions of the machine's peak at this thread count (frac_peak, frac_bw). */
void kit_results_timing(kit_results *r, const kit_timing *t, const kit_kernel *k);
/* The validation verdict of the newest row. An invalid row prints no rate:
 * its rate columns show "-" and are null in JSON. WHY may be NULL. */
void kit_results_valid(kit_results *r, bool valid, const char *why);
/* Marks the newest row as the one a sweep reads its time from (default: the first). */
void kit_results_primary(kit_results *r);
/* Attaches a copy of a scaling analysis (from kit_scaling_of; NULL: none). */
struct kit_scaling;
void kit_results_scaling(kit_results *r, const struct kit_scaling *s);

/* Prints the configuration and the aligned table to OUT, then the timing
 * warnings kept so far (kit_timing_warnings_flush). Cannot fail. */
void kit_results_print(const kit_results *r, FILE *out);

/* Writes CSV (one header line, one line per row) or JSON (schema
 * "ompkit-results/1", docs/results-schema.md) atomically to PATH. When the
 * environment variable KIT_RESULTS_JSON is set (./kit sweep sets it), the
 * JSON is also written there; PATH may be NULL to write only that copy, so a
 * program calls kit_results_write_json(r, json_flag_or_NULL) always. Return
 * 0, or -1 with a message. */
int kit_results_write_csv(const kit_results *r, const char *path);
int kit_results_write_json(const kit_results *r, const char *path);

/* Writes S to F as one CSV field (RFC 4180): as it is, or in double quotes
 * with its quotes doubled when it holds a comma, a quote or a line break. */
void kit_csv_field(FILE *f, const char *s);

/* True when every row is valid. */
bool kit_results_all_valid(const kit_results *r);
/* Frees R; NULL is allowed. */
void kit_results_free(kit_results *r);

/* ------------------------------------------------------------------------
 * Scaling analysis
 */

typedef struct kit_scaling_row {
	int p;			/* threads (or processes) */
	double t;		/* median seconds */
	double speedup;		/* t(base) * base / t, base the smallest p (1 normally) */
	double efficiency;	/* speedup / p */
	double karp_flatt;	/* (1/S - 1/p) / (1 - 1/p); NAN for p == 1, 0 for
				 * a base p > 1 (its speed-up is taken as p) */
} kit_scaling_row;

typedef struct kit_scaling {
	size_t n;
	kit_scaling_row *rows;	/* owned */
	/* Amdahl fit t(p) = t1 * (f + (1 - f) / p), least squares in 1/p;
	 * the four figures are NAN when N < 2 (one point fixes no line) */
	double serial_fraction;	/* f in [0, 1] */
	double t1_fit;		/* fitted t(1) */
	double limit;		/* 1 / f: the speed-up no thread count exceeds (INFINITY if f == 0) */
	double r2;		/* goodness of fit */
} kit_scaling;

/*
 * Scaling of N measurements (P[i] threads, T[i] median seconds; any order, P
 * distinct and > 0). Rows come back sorted by p. Returns 0, or -1 (no message)
 * when N == 0. Release with kit_scaling_free.
 */
int kit_scaling_of(const int *p, const double *t, size_t n, kit_scaling *out);
/* Frees S's rows and zeroes *S; NULL is allowed. */
void kit_scaling_free(kit_scaling *s);
/* The aligned scaling table and the Amdahl fit's line. Cannot fail. */
void kit_scaling_print(const kit_scaling *s, const char *unit, FILE *out);
/* S as the "scaling" object of ompkit-results/1 and ompkit-sweep/1 (rows, the
 * fit; non-finite figures null), a cJSON object the caller owns. Cannot fail. */
struct cJSON *kit_scaling_json(const kit_scaling *s);

/* ------------------------------------------------------------------------
 * Plots through gnuplot
 */

typedef struct kit_series {
	const char *title;
	const double *x, *y;
	size_t n;
} kit_series;

typedef struct kit_plot {
	const char *title, *xlabel, *ylabel;
	const kit_series *series;
	size_t nseries;
	bool logx, logy;
	bool ideal;		/* draw y = x, "ideal" (speed-up plots) */
	double amdahl_f;	/* > 0: draw the Amdahl curve 1 / (f + (1-f)/x) */
	double peak;		/* > 0: a horizontal line at this y, e.g. a measured peak */
	const char *peak_title;	/* its key entry; NULL: "peak" */
	bool yzero;		/* the y axis starts at 0 (also with ideal or amdahl_f) */
} kit_plot;

/* Renders P as a PNG (1024x640, for slides) to PATH, atomically. -1 with a
 * message when gnuplot is missing or fails. */
int kit_plot_png(const kit_plot *p, const char *path);

/* Renders P as a text chart on OUT (gnuplot's dumb terminal), WIDTH x HEIGHT
 * characters (0: 78 x 22). -1 with a message when gnuplot is missing. */
int kit_plot_text(const kit_plot *p, FILE *out, int width, int height);

/* The two standard scaling plots: speed-up vs threads with the ideal line and
 * the Amdahl curve, and time vs threads. PNGs are PREFIX-speedup.png and
 * PREFIX-time.png (PREFIX NULL: none); TEXT_OUT (may be NULL) gets the
 * speed-up chart as text. Returns 0, or -1 with a message as above. */
int kit_plot_scaling(const kit_scaling *s, const char *title,
		     const char *prefix, FILE *text_out);

/* A heat map of NY rows by NX columns (e.g. threads by processes): Z is
 * row-major, Z[j * NX + i] the cell of column XS[i] and row YS[j] (XS, YS
 * NULL: 1..n); non-finite values are blank ("-"). PNG_PATH (may be NULL) gets
 * the coloured map with each value written in its cell, atomically; TEXT_OUT
 * (may be NULL) the values as an aligned grid. -1 with a message when there
 * are no cells or gnuplot is missing or fails (only a PNG needs gnuplot). */
int kit_plot_heatmap(const char *title, const char *xlabel, const char *ylabel,
		     const double *z, int nx, int ny, const int *xs, const int *ys,
		     const char *png_path, FILE *text_out);

/* One bar of a timeline: row ROW (a thread) busy from T0 to T1 seconds;
 * COLOUR 0 or 1 (alternate bars, so that neighbours stay apart). */
typedef struct kit_bar {
	int row;
	double t0, t1;
	int colour;
} kit_bar;

/* Draws N bars on NROWS rows (labelled "ROW_LABEL r") against time, XLABEL
 * under the axis, to PNG_PATH (1024x640) atomically: the timeline of
 * timeline.h. -1 with a message when N is 0 or gnuplot is missing or fails. */
int kit_plot_bars(const char *title, const char *xlabel, const char *row_label,
		  const kit_bar *bars, size_t n, int nrows, const char *png_path);

/* ------------------------------------------------------------------------
 * Progress on stderr (only when stderr is a terminal and KIT_QUIET is unset).
 * Call these from one thread (outside parallel regions). They cannot fail.
 */

typedef struct kit_progress {
	const char *label;
	size_t done, total;
	double start;
	bool on;
} kit_progress;

void kit_progress_begin(kit_progress *p, const char *label, size_t total);
/* One more unit done; WHAT (may be NULL) says what is running now. */
void kit_progress_step(kit_progress *p, const char *what);
/* Clears the bar. */
void kit_progress_end(kit_progress *p);

/* ------------------------------------------------------------------------
 * Child processes with a time limit
 */

typedef struct kit_proc_opts {
	double timeout;			/* seconds; 0: none */
	const char *const *setenv;	/* NULL-terminated "NAME=VALUE" to set, or NULL */
	const char *cwd;		/* NULL: inherit */
	bool capture;			/* collect stdout and stderr (else inherited) */
	size_t capture_limit;		/* bytes kept per stream; 0: 1 MiB */
} kit_proc_opts;

typedef struct kit_proc_result {
	bool started;		/* false: the command could not be run (err says why) */
	bool timed_out;		/* killed after opts.timeout */
	int exit_code;		/* valid when signal == 0 */
	int signal;		/* the signal that ended it, or 0 */
	double wall, user, sys;	/* seconds (user, sys from wait4) */
	double timeout;		/* opts.timeout, for kit_proc_describe */
	char *out, *err;	/* captured output, NUL-terminated, or NULL */
} kit_proc_result;

/*
 * Runs ARGV (ARGV[0] searched in PATH) in a new process group and waits for
 * it. On time-out the whole group gets SIGTERM, then SIGKILL after 1 s; no
 * process is left behind. Returns 0 when the child ran (whatever its exit);
 * -1 when it could not start (R->started false, message printed).
 */
int kit_proc_run(char *const argv[], const kit_proc_opts *opts, kit_proc_result *r);
/* Frees the captured output of R (not R itself); NULL is allowed. */
void kit_proc_result_free(kit_proc_result *r);

/* "exit 0", "exit 3", "killed by SIGSEGV (segmentation fault)", "timed out
 * after 10 s", "could not start". Points into static storage. */
const char *kit_proc_describe(const kit_proc_result *r);

/* ------------------------------------------------------------------------
 * Files
 */

typedef struct kit_atomic {
	FILE *f;
	char *path, *tmp;
} kit_atomic;

/* Opens a temporary file beside PATH (close-on-exec) for writing through
 * A->f. 0, or -1 with a message naming PATH when its folder is missing or not
 * writable. Every successful open ends in exactly one commit or abort. */
int kit_atomic_open(kit_atomic *a, const char *path);
/* Flushes, syncs and renames it over PATH. 0, or -1 with a message (the
 * temporary file removed, PATH untouched). Releases A either way. */
int kit_atomic_commit(kit_atomic *a);
/* Removes the temporary file and releases A. Cannot fail. */
void kit_atomic_abort(kit_atomic *a);
/* Writes TEXT to PATH atomically. 0, or -1 with a message naming PATH. */
int kit_write_file(const char *path, const char *text);

/* Creates PATH and its missing parents, like mkdir -p (mode 0777 less the
 * umask). 0 when PATH is a folder afterwards, or -1 with one message naming
 * the folder that could not be made and saying what to do. */
int kit_mkdirs(const char *path);

/* The kit's root folder: $KIT_ROOT, else the source tree it was built from.
 * Cannot fail. */
const char *kit_root(void);

/* PATH as a user reads it: relative to kit_root() when under it
 * ("results/demos/x.csv"), else PATH itself. Points into PATH; cannot fail. */
const char *kit_shown_path(const char *path);

#endif /* KIT_H */
