/*
 * grade.h - the grader behind ./kit check and ./kit grade, one job a file:
 *
 *   text.c      strings and files the other parts share (no grading logic)
 *   manifest.c  exercise.json: the exercise, its check items
 *   sandbox.c   running student code: bubblewrap, an unprivileged uid or a
 *               child subreaper; limits, a clean environment, nothing left
 *   observe.c   watching a run from outside: CPU time per thread and process
 *   run.c       one checked run: inputs, the student's --emit, the
 *               reference's --verify in the grader's own process
 *   build.c     building the student's program (and the race-check build)
 *   items.c     the item kinds: correct, tsan; the loop over items
 *   speed.c     speed and speed-up items: interleaved, verified rounds
 *   report.c    text, JSON and Gradescope results.json
 *   cmd.c       ./kit check and ./kit grade: options, the session
 *
 * Calls go down this list's dependency order only (cmd -> report, items ->
 * speed -> run -> sandbox -> observe; everything -> text), never back up.
 * docs/grading.md is the user-facing description and the threat model.
 */
#ifndef KIT_GRADE_H
#define KIT_GRADE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kit.h"

#define DEFAULT_TIMEOUT 60.0	/* seconds per item run */
#define DEFAULT_ROUNDS 5	/* speed rounds: student and reference, interleaved */
#define DEFAULT_RETRIES 2	/* more attempts when the rounds disagree */
#define NOISY_SPREAD 0.20	/* (max - min) / median of the round ratios */
#define SPEED_FULL 1.25		/* full speed credit within this ratio */
#define SPEED_ZERO 4.0		/* no speed credit at or beyond this ratio */
#define BUILD_TIMEOUT 1800.0	/* meson setup, ninja */
#define VERIFY_TIMEOUT 600.0	/* the reference's --verify and --make-inputs */
#define MPIRUN "/usr/bin/mpirun"	/* items with "ranks" (Debian: openmpi-bin) */
#define MAX_SUBMISSION (1024 * 1024)	/* bytes per submitted file */
#define SHOWN_LINES 12		/* compiler lines shown in a row */

/* ------------------------------------------------------------------------
 * The exercise and its items (manifest.c)
 */

enum kind { K_BUILD, K_CORRECT, K_TSAN, K_SPEED, K_SPEEDUP };
enum status { ST_PENDING, ST_PASS, ST_FAIL, ST_SKIP };

extern const char *const kind_name[];	/* "builds", "correct", ... */
extern const char *const status_name[];	/* "pending", "PASS", "FAIL", "SKIP" */

typedef struct item {
	char *id, *name, *hint, *visibility, *what;
	int step;
	double points;
	enum kind kind;
	char **args;		/* the program's arguments (kernel, -n, ...) */
	size_t nargs;
	char **threads;		/* thread counts: "1", "2", "cores", "cpus", "cpus+1" */
	size_t nthreads;
	double timeout;
	bool hidden;
	/* correct and tsan items */
	int repeat;		/* runs per thread count, each its own seed (>= 1) */
	bool same;		/* one seed for every run: all must give the same result */
	bool parallel;		/* every run at T > 1 threads: T threads did the work */
	bool contended;		/* the work's threads contend (rand()'s lock): their CPU
				 * cannot tell who did the work, only how many worked */
	int procs;		/* > 0: that many child processes did the work */
	double read_at_most;	/* > 0: bytes the run may read with read() and the like
				 * in all, seen from outside (/proc/PID/io): the data
				 * is to be mapped (mmap), not read */
	double budget_mb;	/* > 0: the memory budget (MB) the item's arguments give
				 * the program's buffers: its peak resident memory may
				 * exceed the reference's on the same run by a quarter
				 * of it and 2 MB at most */
	int *ranks;		/* MPI ranks: each run under mpirun -np R, once per R
				 * (and thread count); NULL: no mpirun */
	size_t nranks;
	bool inputs;		/* the reference makes input files (--make-inputs) */
	char **inputs_args;	/* more arguments for --make-inputs ("--count", "24") */
	size_t ninputs_args;
	bool no_blas;		/* tsan: the race-check build without OpenBLAS */

	/* outcome */
	enum status st;
	double score;
	kit_buf out;		/* what the grader saw, several lines */
	char *observed;		/* the first thing that went wrong, in the student's words */
	bool gated;		/* failed because an earlier item of its step did: that
				 * item's hint is the one to follow, this one's is not shown */
	char *skip_why;
	/* speed and speedup */
	bool measured;
	int nthreads_used;
	double ratio, lo, hi;	/* speed: student / reference time; speedup: S */
	double ref_speedup;
	double wall_stu, wall_ref, cpu_stu, cpu_ref;	/* medians, seconds */
	int rounds;
} item;

typedef struct exercise {
	char *dir;		/* "01-monte-carlo-pi" */
	char *title, *program;
	char **edit;
	size_t nedit;
	int nsteps;		/* the steps exercise.json lists (0: unknown) */
	item *items;		/* items[0] is "builds" */
	size_t nitems;
	char **found;		/* grade: where each edit file was found (NULL: missing) */
	char *not_run;		/* every item fails with this when set */
	char *error;		/* the grader's own failure, when set */
	double seconds;
} exercise;

/* The folder under ROOT/exercises that NAME names ("01", "1",
 * "01-monte-carlo-pi"), malloc'd; NULL with a message when none. */
char *manifest_find_dir(const char *root, const char *name);
/* Every exercise folder name under ROOT/exercises with an exercise.json,
 * sorted, malloc'd; *N set. */
char **manifest_all(const char *root, size_t *n);
/* Loads ROOT/exercises/DIR/exercise.json, the "builds" item first. NULL with
 * a message naming the file and the field when it is malformed. */
exercise *manifest_load(const char *root, const char *dir);
/* Adds the items of HIDDEN/DIR.json when that file exists. 0, or -1 with a
 * message. */
int manifest_load_hidden(exercise *e, const char *hidden);
void exercise_free(exercise *e);

void item_pass(item *it);
/* Fails IT; OBSERVED (may be NULL) is kept when IT has none yet. */
void item_fail(item *it, const char *observed);
void item_skip(item *it, const char *why);

/* ------------------------------------------------------------------------
 * Strings and files (text.c)
 */

bool starts_with(const char *s, const char *prefix);
/* The line at P without its newline, malloc'd. */
char *line_at(const char *p);
/* The last line of TEXT starting with PREFIX (after blanks), malloc'd, or NULL. */
char *last_line_with_prefix(const char *text, const char *prefix);
/* The first line of TEXT containing NEEDLE, malloc'd, or NULL. */
char *first_line_containing(const char *text, const char *needle);
/* The last non-blank line of TEXT, malloc'd, or NULL. */
char *trimmed_last_line(const char *text);
/* Up to MAX lines of TEXT from its first line containing NEEDLE (NULL or not
 * found: from its start), malloc'd. */
char *lines_from(const char *text, const char *needle, int max);
/* The last MAX lines of TEXT, malloc'd ("" when none). */
char *tail_lines(const char *text, int max);
/* The median of N values (NAN when N == 0). */
double median_of(const double *x, size_t n);
int cmp_double(const void *a, const void *b);

/* Removes PATH and everything under it; links are not followed. */
void rm_rf(const char *path);
bool is_file(const char *path);
bool is_dir(const char *path);
/* mkdir -p of PATH's folder. 0, or -1 with a message. */
int mkdir_parents(const char *path);
/* True when A and B are regular files with the same bytes. */
bool same_content(const char *a, const char *b);
/* Copies the regular file or link FROM to TO (parents made), mode kept;
 * unchanged files are left alone. 0, or -1 with a message. */
int copy_entry(const char *from, const char *to);
/* cp -r FROM TO (REL "" at the top), leaving out build*, results and .git. */
int copy_tree(const char *from, const char *to, const char *rel);
/* The file at PATH, at most LIMIT bytes (0: no limit), malloc'd and
 * NUL-terminated; NULL with errno set (EFBIG past LIMIT). No message. */
char *read_text(const char *path, size_t limit);
/* Parses PATH as JSON; NULL with a message naming it. */
struct cJSON *read_json(const char *path);
/* Writes J to PATH atomically ("-": standard output). 0, or -1 with a message. */
int write_json_file(struct cJSON *j, const char *path);
/* Runs ARGV (unsandboxed: the kit's own tools and the reference) with ENV
 * added, output captured, under TIMEOUT seconds: kit_proc_run's status. */
int run_captured(char *const argv[], const char *const *env, double timeout,
		 kit_proc_result *r);
/* Compiler output without ninja's progress lines, paths relative to the kit. */
char *compiler_lines(const kit_proc_result *r);
/* A fresh random 64-bit number from getrandom(2) (the clock mixed with the
 * pid if that fails). Cannot fail. */
uint64_t fresh_seed(void);

/* ------------------------------------------------------------------------
 * Watching a run from outside (observe.c)
 */

typedef struct observer observer;

/* Starts watching the processes below this one (the grader). Cannot fail. */
observer *observe_begin(void);
/*
 * One look at every process below this one and each of its threads: their
 * CPU time and bytes read so far are kept (the largest seen per thread and
 * per process).
 * FULL also looks for new processes (a /proc scan); otherwise only the known
 * ones are read again. Returns how many processes are alive below this one.
 */
int observe_poll(observer *o, bool full);
/* What was seen. */
typedef struct observed {
	double cpu;		/* CPU seconds of every thread seen, summed */
	int threads_seen, procs_seen;
	int busy_threads;	/* threads with >= FRACTION of CPU / EXPECT */
	int busy_procs;		/* processes with >= FRACTION of CPU / EXPECT */
	double top_share;	/* the busiest thread's share of CPU */
	double read_bytes;	/* bytes read (rchar of /proc/PID/io), every process's
				 * largest seen, summed */
	bool reads_seen;	/* /proc/PID/io could be read for some process */
	double peak_mb;		/* the largest peak resident memory (VmHWM) of one
				 * process, MB, as last seen */
} observed;
/* Counts the busy threads and child processes: those that did at least
 * FRACTION of a fair share, a fair share being the CPU of all seen divided by
 * EXPECT (threads or processes asked for). Frees O. */
void observe_end(observer *o, int expect, double fraction, observed *out);
/* The pids of every process below this one now (a /proc scan), malloc'd,
 * *N set. Cannot fail: no /proc gives none. */
pid_t *descendants(size_t *n);

/* ------------------------------------------------------------------------
 * The sandbox (sandbox.c)
 */

enum sandbox_kind { SB_BWRAP, SB_NOBODY, SB_SUBREAPER, SB_NONE };
extern const char *const sandbox_name[];	/* for the report */

typedef struct sandbox {
	enum sandbox_kind kind;
	uid_t uid;		/* who student code runs as */
	gid_t gid;
	char **ro;		/* folders bound read-only (bwrap) */
	size_t nro;
	char **hidden;		/* folders replaced by an empty one (bwrap) */
	size_t nhidden;
	bool sanitized;		/* builds with sanitizers: no address-space limit */
	int cpus;
	char *why;		/* why the preferred sandbox is not used, or NULL */
} sandbox;

/* Picks the sandbox: as root bubblewrap as uid 65534 (nobody) when it works
 * here, else the bare uid; not as root a child subreaper. KIT_SANDBOX=bwrap,
 * nobody, subreaper or none forces one (tests). Makes this process a child
 * subreaper and ignores signals sent by its own descendants. Cannot fail. */
void sandbox_init(sandbox *sb, int cpus, bool sanitized);
void sandbox_free(sandbox *sb);
/* ./kit check as root on a tree the unprivileged sandbox uid cannot reach
 * (a clone in /root, mode 0700): runs the student's own code as the caller
 * under the subreaper instead, and says why in the report. Grading keeps the
 * unprivileged uid (the warning of sandbox_add_ro says what to chmod).
 * Returns true when it switched. */
bool sandbox_caller_if_unreachable(sandbox *sb, const char *const *paths, size_t n);
/* The first of PATHS (real path, to free) that the sandbox uid cannot reach
 * (a folder above it not searchable by others), or NULL when it reaches all.
 * Grading refuses such a tree: every item would fail for the machine's sake. */
char *sandbox_first_unreachable(const sandbox *sb, const char *const *paths, size_t n);
/* Adds PATH to the folders the sandbox sees (read-only). */
void sandbox_add_ro(sandbox *sb, const char *path);
/* Hides PATH (an existing folder) from student code: under bubblewrap it is
 * an empty folder there. The reference solutions, their programs and the
 * kit's history are hidden so that a submission can neither include the
 * reference's source nor run the reference program and hand in its output.
 * Without bubblewrap nothing is hidden (the report names the sandbox used).
 * A missing PATH is ignored. Cannot fail. */
void sandbox_hide(sandbox *sb, const char *path);
/* Makes PATH (a new folder) the sandbox user's, mode 0700. 0 or -1 with a message. */
int sandbox_own(const sandbox *sb, const char *path);
/* Gives PATH and everything under it to the sandbox user (builds). */
int sandbox_own_tree(const sandbox *sb, const char *path);

typedef struct sb_opts {
	char *const *argv;		/* argv[0] an absolute path */
	const char *const *env;		/* the whole environment, "NAME=VALUE" */
	const char *work;		/* the one writable folder, and the working folder */
	double timeout;			/* seconds (> 0) */
	bool observe;			/* poll /proc while it runs */
	bool no_as_limit;		/* ThreadSanitizer: no address-space limit */
	const char *out_path, *err_path;	/* where stdout and stderr go (grader-owned) */
} sb_opts;

typedef struct sb_result {
	bool started, timed_out;
	int exit_code, signal;
	double wall, cpu;		/* from outside: wall, and wait4 user + sys of the tree */
	double peak_mb;			/* wait4's ru_maxrss of the process started, MB:
					 * the program's peak, or under bubblewrap only
					 * bubblewrap's (the observer's VmHWM sees the
					 * program's) */
	char *out, *err;		/* the first 1 MiB of each */
	int left;			/* processes still alive after the program ended (killed) */
	observer *obs;			/* when opts.observe: the caller calls observe_end */
} sb_result;

/* Runs O->argv in SB with O's environment, limits and folder, and waits at
 * most O->timeout seconds; then every process it started is killed, and as
 * root every process of the sandbox uid, and (uid sandbox) its files outside
 * the work folder in /tmp, /var/tmp and /dev/shm removed. 0 when it ran, -1
 * when it could not start (R->started false, message printed). */
int sandbox_run(const sandbox *sb, const sb_opts *o, sb_result *r);
void sb_result_free(sb_result *r);
/* "exit 3", "killed by SIGSEGV (segmentation fault)", "timed out after 10 s". */
const char *sb_describe(const sb_result *r, double timeout);
/* Kills every process below this one (and as root every process of the
 * sandbox uid) and reaps them. Returns how many it killed. */
int sandbox_sweep(const sandbox *sb);

/* ------------------------------------------------------------------------
 * The session (cmd.c fills it)
 */

typedef struct session {
	bool grade;		/* ./kit grade (else ./kit check) */
	const char *root;	/* the kit's sources */
	char *src;		/* the sources built for the student (root, or a copy) */
	char *ref_build;	/* the kit's build: the reference programs */
	char *stu_build;	/* the student's build */
	char *tsan_build;	/* the ThreadSanitizer build (configured on first use) */
	char *tmp;		/* temporary folder, removed at the end */
	const char *workdir;	/* grade --workdir: sources and builds kept for the next */
	int tsan_state;		/* 0 not tried, 1 configured, -1 unavailable */
	char *tsan_why;
	char *archer;		/* libarcher.so */
	double timeout;		/* > 0: overrides every item's timeout */
	int rounds, retries;
	int step;		/* > 0: only that step's items */
	char **speed_args;	/* "FLAG=VALUE": replaces FLAG's value in timed items */
	size_t nspeed_args;
	char **only;		/* item ids or kinds, NULL: all */
	size_t nonly;
	bool verbose;
	int cpus, cores;
	int seq;		/* numbers the run folders */
	sandbox sb;
	bool tty;		/* progress on a terminal (else a line per item) */
	bool serial;		/* the kit is built without OpenMP: threads cannot be checked */
} session;

bool selected(const session *s, const item *it);
/* A thread-count token as a number (-1 when malformed). */
int resolve_threads(const session *s, const char *tok);
double item_timeout(const session *s, const item *it);
char *student_prog(const session *s, const exercise *e);
char *reference_prog(const session *s, const exercise *e);
/* Says what is going on now ("timing the reference, round 3 of 5") on the
 * progress line (a terminal) or, with --verbose, on stderr. */
void say_doing(const session *s, const char *fmt, ...) KIT_PRINTF(2, 3);

/* ------------------------------------------------------------------------
 * One checked run (run.c)
 */

typedef struct run_spec {
	const char *prog;		/* the student's program (sandboxed) */
	char **args;			/* item arguments (speed args applied by the caller) */
	size_t nargs;
	int threads;
	int procs;			/* > 0: busy processes are counted against this */
	int ranks;			/* > 0: run under mpirun -np RANKS */
	uint64_t seed;
	const char *inputs;		/* --input DIR, or NULL */
	const char *const *extra_env;	/* more "NAME=VALUE" (tsan), or NULL */
	double timeout;
	bool observe;
	bool tsan;
} run_spec;

typedef struct run_out {
	bool ran_ok;		/* exit 0, not killed */
	char *emitted;		/* grader-owned copy of the emit folder, or NULL */
	char *problem;		/* how the run went wrong (student's words), or NULL */
	double wall, cpu;
	double peak_mb;		/* the run's peak resident memory (sb_result) */
	observed seen;
	int left;
	char *err_tail;		/* last lines of stderr (for --verbose, tsan) */
	char *err_full;		/* stderr, first 1 MiB */
} run_out;

/* Runs the student's program once with --emit into a fresh folder in the
 * sandbox and copies what it wrote (regular files only, bounded) to a folder
 * only the grader can write. 0 when it ran; OUT says how. */
void run_emit(session *s, const run_spec *rs, run_out *out);
void run_out_free(run_out *o);

/* Runs the reference program REF with ARGS --seed SEED [--input INPUTS]
 * --verify DIRS (comma-joined) at THREADS threads, in the grader's process
 * (unsandboxed); SANITIZED: the outputs came from the race check's build
 * (KIT_VERIFY_SANITIZED=1: results judged, not how threads shared work).
 * Returns 1 pass, 0 fail, -1 grader error; *LINE (malloc'd) gets its
 * one-line verdict. */
int run_verify(session *s, const char *ref, char **args, size_t nargs, int threads,
	       uint64_t seed, const char *inputs, char **dirs, size_t ndirs, bool sanitized,
	       char **line);

/* Makes input files for SEED with the reference (--make-inputs, and IT's
 * "inputs_args") in a fresh folder the sandbox can read; malloc'd path, or
 * NULL with *ERR set. */
char *run_make_inputs(session *s, const item *it, const char *ref, uint64_t seed, char **err);

/* The item's arguments with the session's --speed-arg values applied
 * (timed items only), strings borrowed; *N set. */
char **item_args(const session *s, const item *it, size_t *n);

/* ------------------------------------------------------------------------
 * Building (build.c)
 */

/* Builds TARGETS (NULL-terminated) in BUILD, sandboxed when SANDBOXED; fills
 * the exercise's "builds" item (compiler warnings shown). 0 when built. */
int build_targets(session *s, exercise *e, const char *build, char **targets, bool sandboxed);
/* Sets up the student's build for ./kit grade: sources copied, submissions
 * overlaid, meson configured. 0, or -1 with *ERR set. */
int build_prepare_grade(session *s, exercise **ex, size_t n, char **err);
/* Looks for E's edit files in SUB; fails "builds" when one is missing. */
void build_find_submission(exercise *e, const char *sub);
/* Runs ARGV (ARGV[0] an absolute path to be sandboxed) in the sandbox with
 * only DIR writable when SANDBOXED (grading: student code is being built),
 * else as this user; R gets what a kit_proc_run would (build.c). */
void run_tool(session *s, const char *dir, char **argv, bool sandboxed, kit_proc_result *r);
/* The absolute path of program NAME in PATH, malloc'd, or NULL (build.c). */
char *which_program(const char *name);
/* Why the race check would not see the code that is graded, or NULL: one of
 * E's files reads differently with ThreadSanitizer than without, or uses the
 * sanitizer's own interface (tsan_guard.c). Malloc'd. */
char *tsan_guard(session *s, const exercise *e);

/* The race-check program of E (ThreadSanitizer + Archer), built on first
 * use; malloc'd path, or NULL after failing or skipping IT with why. */
char *build_tsan_prog(session *s, const exercise *e, item *it);

/* ------------------------------------------------------------------------
 * Items (items.c, speed.c)
 */

/* Runs every selected item of E after "builds". */
void items_run(session *s, exercise *e);
void do_correct(session *s, const exercise *e, item *it, const char *prog, bool tsan);
void do_speed(session *s, const exercise *e, item *it);
void do_speedup(session *s, const exercise *e, item *it);

/* ------------------------------------------------------------------------
 * Reports (report.c)
 */

void totals(const session *s, exercise *const *ex, size_t n, double *score, double *max,
	    int *failed, int *skipped);
void report_text(const session *s, exercise *const *ex, size_t n, FILE *f);
struct cJSON *report_json(const session *s, exercise *const *ex, size_t n, double seconds);
struct cJSON *report_gradescope(const session *s, exercise *const *ex, size_t n,
				double seconds, const char *fatal);

#endif
