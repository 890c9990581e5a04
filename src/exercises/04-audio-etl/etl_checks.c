/*
 * NAME
 *   etl_checks.c - the checks of exercise 04 (etl --validate,
 *   --expect-parallel, --expect-serial-open, --expect-children,
 *   --same-across, --check-broken, --check-kill): what ./kit check runs. Each
 *   ends with one line "PASS: ..." or "FAIL: ...; hint" and the exit status
 *   is the verdict (0 pass, 1 fail, 2 usage, 77 cannot check here). Shared
 *   by the skeleton and the reference build; students do not edit it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "etl.h"
#include "etl_cli.h"
#include "etl_driver.h"
#include "etl_io.h"
#include "etl_noise.h"
#include "etl_probe.h"
#include "kit.h"

#define BUSY_SPAN 0.3		/* seconds --expect-parallel keeps the kernel busy */
#define INNER_SAMPLES (1u << 22)	/* samples of --expect-parallel's transform (inner) */
#define PROBE_DELAY_US 3000	/* how long each sf_open lingers under --expect-serial-open */
#define KILL_FILES 8		/* --check-kill: this many files ... */
#define KILL_SECONDS 20.0	/* ... of this many seconds (3.5 MB each) */

/* ------------------------------------------------------------------------
 * Check modes
 */

/* The verdicts of the checks run so far, and what they run on. */
struct checks {
	kit_checks v;
	char **inputs;		/* the files the checks run on */
	size_t n;
	char scratch[4096];	/* outputs go here */
};

/* Runs MODE over INPUTS into DEST (forced) with WORKERS; *PL is the plan,
 * freed by the caller. Returns the failed count, or -1. */
static int job_into(etl_plan *pl, char *const *inputs, size_t n, const char *dest,
		    const etl_params *p, int mode, int workers)
{
	etl_plan_make(pl, inputs, n, dest, true, p);
	return etl_plan_run(pl, mode, workers);
}

/* The first failure of a plan, for messages. */
static const char *first_error(const etl_plan *pl)
{
	for (size_t i = 0; i < pl->n; i++)
		if (pl->state[i] != P_SKIP && pl->res[i].status != ETL_DONE)
			return pl->res[i].error;
	return "none";
}

/* Checks every output of PL. 0 when all valid (*SIGMA the noise's standard
 * deviation over all files, *HASH a hash of every output's samples);
 * otherwise -1 with WHY. */
static int outputs_valid(const etl_plan *pl, double *sigma, uint64_t *hash, char *why, size_t len)
{
	double ss = 0;
	int64_t cnt = 0;
	uint64_t h = UINT64_C(0xCBF29CE484222325);
	for (size_t i = 0; i < pl->n; i++) {
		if (pl->state[i] == P_REFUSED)
			continue;
		etl_check c;
		if (etl_check_output(pl->in[i], pl->out[i], &pl->p, &c) || !c.ok) {
			snprintf(why, len, "%s", c.why);
			return -1;
		}
		ss += c.sum_sq;
		cnt += c.count;
		h = (h ^ c.hash) * UINT64_C(0x100000001B3);
	}
	*sigma = cnt ? sqrt(ss / (double)cnt) : 0;
	*hash = h;
	if (cnt >= 20000 && fabs(*sigma / pl->p.sigma - 1) > 0.02) {
		snprintf(why, len, "the noise's standard deviation over all files is %.5f, more "
			 "than 2%% from sigma = %g", *sigma, pl->p.sigma);
		return -1;
	}
	return 0;
}

static const char *unit_of(int mode, int w)
{
	if (mode == M_PROCESSES)
		return w == 1 ? "process" : "processes";
	return w == 1 ? "thread" : "threads";
}

/* --validate */
static void check_validate(struct checks *c, const struct options *o, int mode)
{
	int w = mode == M_SERIAL ? 1 : etl_workers_of(o, mode, kit_omp_max_threads());
	etl_plan pl;
	int failed = job_into(&pl, c->inputs, c->n, c->scratch, &o->p, mode, w);
	char why[512];
	double sigma;
	uint64_t h;
	if (failed != 0)
		kit_check(&c->v, KIT_FAIL, "observed %d of %zu files fail with %s (first: %s); %s",
			  failed, c->n, etl_modes[mode].func, first_error(&pl), etl_hint_of(mode));
	else if (outputs_valid(&pl, &sigma, &h, why, sizeof(why)))
		kit_check(&c->v, KIT_FAIL, "observed a wrong output: %s; %s", why, etl_hint_of(mode));
	else
		kit_check(&c->v, KIT_PASS, "%s: %zu outputs valid at %d %s (frames, channels, rate, "
			  "samples in [-1, 1] and as defined, noise sigma %.4f within 2%% of %g)",
			  etl_modes[mode].name, c->n, w, unit_of(mode, w), sigma, o->p.sigma);
	etl_plan_free(&pl);
}

/* --expect-parallel for inner: etl_transform_threads alone, on a buffer of
 * INNER_SAMPLES, again and again for BUSY_SPAN: 2 or more threads used CPU
 * time, and its first run wrote the bits of etl_transform. (Inside whole
 * files the transform is a small part of the time: reading and writing
 * would hide the threads' work.) */
static void check_inner_parallel(struct checks *c, const struct options *o, int t)
{
	size_t n = INNER_SAMPLES;
	float *x = malloc(n * sizeof(*x)), *want = malloc(n * sizeof(*want));
	uint64_t key = etl_key_of("example0.wav");
	if (!x || !want)
		abort();
	for (size_t i = 0; i < n; i++)
		x[i] = want[i] = (float)((double)(i % 2001) / 1000.0 - 1.0);
	etl_transform(want, n, &o->p, key);
	int runs = 0, saved = kit_omp_max_threads();
	bool same = true;
	kit_omp_set_threads(t);
	kit_busy *b = kit_busy_begin();
	double t0 = kit_wtime();
	do {
		etl_transform_threads(x, n, &o->p, key);
		if (runs++ == 0)
			same = !memcmp(x, want, n * sizeof(*x));
	} while (same && kit_wtime() - t0 < BUSY_SPAN);
	double wall = kit_wtime() - t0;
	int busy = kit_busy_end(b, 0.25);
	kit_omp_set_threads(saved);
	if (!same)
		kit_check(&c->v, KIT_FAIL, "observed etl_transform_threads write other bits than "
			  "etl_transform on %zu samples; %s", n, etl_hint_of(M_INNER));
	else if (busy < 0)
		kit_check(&c->v, KIT_SKIP, "cannot see which threads worked (/proc/self/task is "
			  "not readable here)");
	else if (busy < 2)
		kit_check(&c->v, KIT_FAIL, "observed %d busy thread of %d over %d runs of "
			  "etl_transform_threads (%.2f s): the transform ran on one thread; %s",
			  busy, t, runs, wall, etl_hint_of(M_INNER));
	else
		kit_check(&c->v, KIT_PASS, "inner: %d of %d threads busy over %d runs of "
			  "etl_transform_threads on %zu samples (%.2f s), the same bits as serial",
			  busy, t, runs, n, wall);
	free(x);
	free(want);
}

/* --expect-parallel: threads: 2 or more threads opened files (the work of
 * threads over files is often waiting on the disk, which uses no CPU time);
 * inner: 2 or more threads used CPU time in the transform. */
static void check_parallel(struct checks *c, const struct options *o, int mode)
{
	int t = kit_omp_max_threads();
	if (!kit_check_parallel_possible(&c->v, t))
		return;
	if (mode == M_INNER) {
		check_inner_parallel(c, o, t);
		return;
	}
	etl_plan pl;
	etl_plan_make(&pl, c->inputs, c->n, c->scratch, true, &o->p);
	int runs = 0, failed = 0;
	etl_probe_reset(0);
	kit_busy *b = kit_busy_begin();
	double t0 = kit_wtime();
	do {
		failed = etl_plan_run(&pl, mode, t);
		runs++;
	} while (failed == 0 && kit_wtime() - t0 < BUSY_SPAN);
	double wall = kit_wtime() - t0;
	int busy = kit_busy_end(b, 0.25), openers = etl_probe_threads();
	if (failed)
		kit_check(&c->v, KIT_FAIL, "observed %s fail (first: %s); %s", etl_modes[mode].func,
			  first_error(&pl), etl_hint_of(mode));
	else if (mode == M_THREADS && openers < 2)
		kit_check(&c->v, KIT_FAIL, "observed %d thread of %d open every file over %d "
			  "run%s: the files were not shared among the threads; %s", openers,
			  t, runs, runs == 1 ? "" : "s", etl_hint_of(mode));
	else if (mode == M_THREADS)
		kit_check(&c->v, KIT_PASS, "%s: %d of %d threads opened files over %d run%s (%.2f s)",
			  etl_modes[mode].name, openers, t, runs, runs == 1 ? "" : "s", wall);
	else if (busy < 0)
		kit_check(&c->v, KIT_SKIP, "cannot see which threads worked (/proc/self/task is "
			  "not readable here)");
	else if (busy < 2)
		kit_check(&c->v, KIT_FAIL, "observed %d busy thread of %d over %d run%s (%.2f s): "
			  "the transform ran on one thread; %s", busy, t, runs,
			  runs == 1 ? "" : "s", wall, etl_hint_of(mode));
	else
		kit_check(&c->v, KIT_PASS, "%s: %d of %d threads busy over %d run%s (%.2f s)",
			  etl_modes[mode].name, busy, t, runs, runs == 1 ? "" : "s", wall);
	etl_plan_free(&pl);
}

/* --expect-serial-open: sf_open one thread at a time (DESIGN.md section 6). */
static void check_serial_open(struct checks *c, const struct options *o, int mode)
{
	int t = kit_omp_max_threads();
	if (!kit_check_parallel_possible(&c->v, t))
		return;
	etl_plan pl;
	etl_probe_reset(PROBE_DELAY_US);
	int failed = job_into(&pl, c->inputs, c->n, c->scratch, &o->p, mode, t);
	int most = etl_probe_most();
	long opens = etl_probe_opens();
	etl_probe_reset(0);
	if (failed)
		kit_check(&c->v, KIT_FAIL, "observed %s fail (first: %s); %s", etl_modes[mode].func,
			  first_error(&pl), etl_hint_of(mode));
	else if (most > 1)
		kit_check(&c->v, KIT_FAIL, "observed %d threads inside sf_open at once: "
			  "libsndfile keeps the error of sf_open in globals, so a failed "
			  "open can report another file's error; %s", most, etl_hint_of(mode));
	else
		kit_check(&c->v, KIT_PASS, "%s: %ld sf_open calls at %d threads, never two at once",
			  etl_modes[mode].name, opens, t);
	etl_plan_free(&pl);
}

/* --expect-children: the files were done in children, all reaped. */
static void check_children(struct checks *c, const struct options *o, int mode)
{
	int w = etl_workers_of(o, mode, kit_omp_max_threads());
	double before = kit_children_cputime();
	etl_plan pl;
	int failed = job_into(&pl, c->inputs, c->n, c->scratch, &o->p, mode, w);
	double cpu = kit_children_cputime() - before;
	int st, pids = 0, here = 0, seen[MAX_WORKERS] = { 0 };
	pid_t left = waitpid(-1, &st, WNOHANG);
	bool zombie = left != -1 || errno != ECHILD;
	for (size_t k = 0; k < pl.ntodo; k++) {
		int p = pl.todo_res[k].pid, s = 0;
		here += p == (int)getpid();
		while (s < pids && seen[s] != p)
			s++;
		if (s == pids && pids < MAX_WORKERS)
			seen[pids++] = p;
	}
	if (failed)
		kit_check(&c->v, KIT_FAIL, "observed %s fail (first: %s); %s", etl_modes[mode].func,
			  first_error(&pl), etl_hint_of(mode));
	else if (zombie)
		kit_check(&c->v, KIT_FAIL, "observed a child process left unreaped after %s "
			  "returned (a zombie, or one still running); %s",
			  etl_modes[mode].func, etl_hint_of(mode));
	else if (here || cpu <= 0)
		kit_check(&c->v, KIT_FAIL, "observed %d of %zu files done in this process, not "
			  "in a child (%.3f s of CPU in children); %s", here, pl.ntodo, cpu,
			  etl_hint_of(mode));
	else
		kit_check(&c->v, KIT_PASS, "%s: %zu files done by %d of %d child process%s "
			  "(%.3f s of CPU), none left behind", etl_modes[mode].name, pl.ntodo,
			  pids, w, w == 1 ? "" : "es", cpu);
	etl_plan_free(&pl);
}

/* --same-across LIST: one output at every count (and, with all, every mode). */
static void check_same_across(struct checks *c, const struct options *o, int only)
{
	/* Processes first: fork before this process runs any OpenMP region. */
	static const int order[] = { M_PROCESSES, M_SERIAL, M_THREADS, M_INNER };
	uint64_t want = 0;
	bool have = false;
	char seen[768] = "", why[512];
	size_t len = 0, runs = 0;
	for (size_t m = 0; m < sizeof(order) / sizeof(order[0]); m++) {
		int mode = order[m];
		if (only >= 0 && only != mode)
			continue;
		for (size_t i = 0; i < o->nsame; i++) {
			int w = o->same_across[i];
			if (mode == M_SERIAL && i > 0)
				break;
			etl_plan pl;
			int failed = job_into(&pl, c->inputs, c->n, c->scratch, &o->p, mode, w);
			double sigma;
			uint64_t h;
			if (failed) {
				kit_check(&c->v, KIT_FAIL, "observed %s fail at %d %s (first: %s); %s",
					  etl_modes[mode].func, w, unit_of(mode, w),
					  first_error(&pl), etl_hint_of(mode));
				etl_plan_free(&pl);
				return;
			}
			if (outputs_valid(&pl, &sigma, &h, why, sizeof(why))) {
				kit_check(&c->v, KIT_FAIL, "observed %s at %d %s write an output "
					  "unlike the serial one: %s; %s", etl_modes[mode].name,
					  w, unit_of(mode, w), why, etl_hint_of(mode));
				etl_plan_free(&pl);
				return;
			}
			etl_plan_free(&pl);
			if (!have)
				want = h;
			have = true;
			runs++;
			if (len < sizeof(seen))
				len += (size_t)snprintf(seen + len, sizeof(seen) - len, "%s%s %d",
							len ? ", " : "", etl_modes[mode].name,
							mode == M_SERIAL ? 1 : w);
			if (h != want) {
				kit_check(&c->v, KIT_FAIL, "observed different outputs at %s; %s",
					  seen, etl_hint_of(mode));
				return;
			}
		}
	}
	kit_check(&c->v, KIT_PASS, "identical outputs in %zu runs (%s): every sample as defined",
		  runs, seen);
}

/* What each fixture of data/audio/ must fail with (a part of its message). */
static const struct {
	const char *file, *reason;
} fixtures[] = {
	{ "truncated.wav", "truncated" },
	{ "text.wav", "Format not recognised" },
	{ "empty.wav", "empty (0 bytes)" },
	{ "unsupported-codec.wav", "fmt" },
	{ "aiff-named.wav", "not a WAV file" },
	{ "lies/lying-size.wav", "data chunk claims 4294967040 bytes from byte 44; the file has 444" },
	{ "lies/partial-frame.wav", "not a whole number of 4-byte frames" },
	{ "lies/zero-channels.wav", "0 channels" },
	{ "lies/bad-block.wav", "(4 bytes a frame) but 3 bytes a frame" },
	{ "lies/chunk-past-end.wav", "claims 1048576 bytes; the file has 292" },
	{ "lies/no-data.wav", "no data chunk" },
};

/* Inputs --check-broken makes in its scratch folder: not regular files. */
static const struct {
	const char *file, *reason;
} specials[] = {
	{ "fifo.wav", "a FIFO (named pipe), not a file" },
	{ "folder.wav", "a folder, not a file" },
	{ "no-such-file.wav", "No such file or directory" },
};
#define NSPECIALS (sizeof(specials) / sizeof(specials[0]))

/* --check-broken: each broken input its own clear error; the others done. */
static void check_broken(struct checks *c, const struct options *o, int mode)
{
	size_t nf = sizeof(fixtures) / sizeof(fixtures[0]), nb = nf + NSPECIALS;
	size_t n = c->n + nb;
	char **in = calloc(n, sizeof(*in));
	const char **reason = calloc(n, sizeof(*reason));
	struct stat before[sizeof(fixtures) / sizeof(fixtures[0])];
	if (!in || !reason)
		abort();
	/* The special inputs: a FIFO (opening it for reading would wait for a
	 * writer forever), a folder, a name that is not there. */
	char *fifo = kit_xasprintf("%s/%s", c->scratch, specials[0].file);
	char *folder = kit_xasprintf("%s/%s", c->scratch, specials[1].file);
	if ((mkfifo(fifo, 0600) && errno != EEXIST) || (mkdir(folder, 0700) && errno != EEXIST)) {
		kit_check(&c->v, KIT_SKIP, "cannot check: cannot make a FIFO or a folder in '%s': %s",
			  c->scratch, strerror(errno));
		goto out;
	}
	/* Broken files among the good ones, so that threads meet both at once. */
	size_t k = 0, g = 0;
	for (size_t i = 0; i < n; i++) {
		if (k < nb && (g >= c->n || i % 2 == 1)) {
			if (k < nf) {
				in[i] = kit_xasprintf("%s/data/audio/%s", kit_root(), fixtures[k].file);
				reason[i] = fixtures[k].reason;
				if (stat(in[i], &before[k])) {
					kit_check(&c->v, KIT_SKIP, "cannot check: fixture '%s' is "
						  "missing", in[i]);
					goto out;
				}
			} else {
				in[i] = kit_xasprintf("%s/%s", c->scratch, specials[k - nf].file);
				reason[i] = specials[k - nf].reason;
			}
			k++;
		} else {
			in[i] = kit_xstrdup(c->inputs[g++]);
		}
	}
	int w = etl_workers_of(o, mode, kit_omp_max_threads());
	etl_plan pl;
	int failed = job_into(&pl, in, n, c->scratch, &o->p, mode, w);
	char why[1024] = "";
	size_t good = 0;
	for (size_t i = 0; i < n && !why[0]; i++) {
		const etl_result *r = &pl.res[i];
		const char *base = etl_base_of(in[i]);
		if (!reason[i]) {
			if (r->status != ETL_DONE)
				snprintf(why, sizeof(why), "a good file failed beside the broken "
					 "ones: %s", r->error);
			good++;
		} else if (r->status != ETL_FAILED) {
			snprintf(why, sizeof(why), "'%s' (broken) was reported done", base);
		} else if (!strstr(r->error, in[i]) || !strstr(r->error, reason[i])) {
			snprintf(why, sizeof(why), "the error of '%s' should name it and say "
				 "'%s'; it says: %s", base, reason[i], r->error);
		} else if (access(pl.out[i], F_OK) == 0) {
			snprintf(why, sizeof(why), "'%s' (broken) left an output '%s'", base,
				 etl_base_of(pl.out[i]));
		}
	}
	for (size_t f = 0; f < nf && !why[0]; f++) {
		struct stat now;
		char *p = kit_xasprintf("%s/data/audio/%s", kit_root(), fixtures[f].file);
		if (stat(p, &now) || now.st_size != before[f].st_size ||
		    now.st_mtim.tv_sec != before[f].st_mtim.tv_sec ||
		    now.st_mtim.tv_nsec != before[f].st_mtim.tv_nsec)
			snprintf(why, sizeof(why), "the input '%s' was changed", p);
		free(p);
	}
	double sigma;
	uint64_t h;
	if (!why[0] && failed != (int)nb)
		snprintf(why, sizeof(why), "%s counted %d failures for %zu broken files",
			 etl_modes[mode].func, failed, nb);
	if (!why[0]) {
		/* Only the good files' outputs: a second plan without the broken. */
		etl_plan ok;
		etl_plan_make(&ok, c->inputs, c->n, c->scratch, false, &o->p);
		char w2[512];
		if (outputs_valid(&ok, &sigma, &h, w2, sizeof(w2)))
			snprintf(why, sizeof(why), "a good file's output is wrong: %s", w2);
		etl_plan_free(&ok);
	}
	if (why[0])
		kit_check(&c->v, KIT_FAIL, "observed %s; %s", why, etl_hint_of(mode));
	else
		kit_check(&c->v, KIT_PASS, "%s: %zu broken inputs each failed with its own error "
			  "(truncated, not audio, empty, unsupported codec, not a WAV, headers "
			  "that lie about their file, a FIFO, a folder, missing), untouched; the "
			  "%zu good files done and valid", etl_modes[mode].name, nb, good);
	etl_plan_free(&pl);
out:
	unlink(fifo);
	rmdir(folder);
	free(fifo);
	free(folder);
	free(reason);
	kit_files_free(in, n);
}

/* Outputs (*-transformed.wav) and temporaries (*.tmp.*) in DIR. */
static void count_dir(const char *dir, int *outputs, int *temps)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	*outputs = *temps = 0;
	while (d && (e = readdir(d))) {
		*outputs += kit_ends_with_ci(e->d_name, "-transformed.wav");
		*temps += strstr(e->d_name, ".tmp.") != NULL;
	}
	if (d)
		closedir(d);
}

/* Runs MODE over PL in a child process; the parent runs no OpenMP. With
 * KILL_AFTER_FIRST, SIGKILLs it as soon as one output is in DIR. Returns the
 * child's wait status, or -1; *KILLED tells whether it was killed midway. */
static int job_in_child(etl_plan *pl, int mode, int workers, const char *dir,
			bool kill_after_first, bool *killed)
{
	fflush(NULL);
	pid_t p = fork();
	if (p < 0) {
		kit_error("cannot fork: %s", strerror(errno));
		return -1;
	}
	setpgid(p, p);	/* also here: no window in which the group does not exist */
	if (p == 0) {
		/* Its own process group: the kill reaches step 3's workers too, as
		 * Ctrl-C reaches every process of a terminal's job. */
		setpgid(0, 0);
		int f = etl_plan_run(pl, mode, workers);
		_exit(f < 0 ? 3 : f > 0 ? 1 : 0);
	}
	*killed = false;
	int st;
	double t0 = kit_wtime();
	for (;;) {
		pid_t w = waitpid(p, &st, WNOHANG);
		if (w == p)
			return st;
		int outs, temps;
		count_dir(dir, &outs, &temps);
		/* Midway: one output done and another being written, if we see it. */
		if (kill_after_first && !*killed && ((outs >= 1 && temps >= 1) || outs >= 3)) {
			kill(-p, SIGKILL);
			kill(p, SIGKILL);
			*killed = true;
		}
		if (kit_wtime() - t0 > 120) {
			kill(-p, SIGKILL);
			kill(p, SIGKILL);
			waitpid(p, &st, 0);
			return -1;
		}
		struct timespec ts = { 0, 500000 };
		nanosleep(&ts, NULL);
	}
}

/* --check-kill: killed midway, no partial output; the re-run finishes. */
static void check_kill(struct checks *c, const struct options *o, int mode)
{
	char dir[4096];
	size_t n = KILL_FILES;
	char **in = o->nargs ? NULL : etl_inputs_generated(KILL_FILES, KILL_SECONDS, false,
							   dir, sizeof(dir));
	if (o->nargs) {
		n = c->n;
		in = malloc(n * sizeof(*in));
		if (!in)
			abort();
		for (size_t i = 0; i < n; i++)
			in[i] = kit_xstrdup(c->inputs[i]);
	}
	if (!in) {
		kit_check(&c->v, KIT_SKIP, "cannot check: the inputs could not be generated");
		return;
	}
	char sub[4096 + 16];
	snprintf(sub, sizeof(sub), "%s/kill", c->scratch);
	kit_mkdirs(sub);
	int w = etl_workers_of(o, mode, kit_omp_max_threads());
	etl_plan pl;
	bool killed;
	etl_plan_make(&pl, in, n, sub, true, &o->p);
	int st = job_in_child(&pl, mode, w, sub, true, &killed);
	etl_plan_free(&pl);
	int outs, temps;
	count_dir(sub, &outs, &temps);
	char why[512] = "";
	if (st == -1) {
		snprintf(why, sizeof(why), "the run could not be started or hung");
	} else if (!killed) {
		kit_check(&c->v, KIT_SKIP, "cannot check: the run finished before it could be "
			  "killed (exit %d); use bigger files", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		kit_files_free(in, n);
		return;
	} else {
		/* Every output present must be whole and right. */
		etl_plan_make(&pl, in, n, sub, false, &o->p);
		for (size_t i = 0; i < n && !why[0]; i++) {
			etl_check ck;
			if (access(pl.out[i], F_OK))
				continue;
			if (etl_check_output(pl.in[i], pl.out[i], &o->p, &ck) || !ck.ok)
				snprintf(why, sizeof(why), "a partial or wrong output after the "
					 "kill: %s", ck.why);
		}
		size_t skip = pl.n - pl.ntodo;
		if (!why[0] && (int)skip != outs)
			snprintf(why, sizeof(why), "the re-run would skip %zu files, but %d "
				 "outputs are there", skip, outs);
		/* The re-run: skips the done, removes the temporaries, does the rest. */
		bool k2;
		int st2 = why[0] ? 0 : job_in_child(&pl, mode, w, sub, false, &k2);
		int outs2, temps2;
		count_dir(sub, &outs2, &temps2);
		if (!why[0] && (st2 == -1 || !WIFEXITED(st2) || WEXITSTATUS(st2)))
			snprintf(why, sizeof(why), "the re-run failed (%s)", first_error(&pl));
		else if (!why[0] && (outs2 != (int)n || temps2))
			snprintf(why, sizeof(why), "after the re-run %d of %zu outputs and %d "
				 "temporary files are there", outs2, n, temps2);
		double sigma;
		uint64_t h;
		if (!why[0] && outputs_valid(&pl, &sigma, &h, why, sizeof(why)) == 0 && !why[0]) {
			kit_check(&c->v, KIT_PASS, "%s: killed after %d of %zu files with %d "
				  "temporary file%s and no partial output; the re-run removed "
				  "them, skipped %zu and finished %zu, all valid",
				  etl_modes[mode].name, outs, n, temps, temps == 1 ? "" : "s",
				  skip, pl.ntodo);
		}
		etl_plan_free(&pl);
	}
	if (why[0])
		kit_check(&c->v, KIT_FAIL, "observed %s; %s", why, etl_hint_of(mode));
	kit_scratch_remove(sub);
	kit_files_free(in, n);
}

int etl_run_checks(const struct options *o)
{
	struct checks c = { .v = { .quiet = o->quiet } };
	char ddest[16];
	c.inputs = etl_inputs_of(o, false, &c.n, ddest, sizeof(ddest));
	if (!c.inputs)
		return KIT_EXIT_USAGE;
	if (kit_scratch_make("etl", c.scratch, sizeof(c.scratch))) {
		kit_files_free(c.inputs, c.n);
		return KIT_EXIT_USAGE;
	}
	/* The kill check forks a run that may use OpenMP: before any region here. */
	for (int m = 0; o->check_kill && m < M_COPY; m++)
		if (o->mode < 0 || o->mode == m) {
			if (!o->quiet)
				printf("%s (%s, step %d): killed midway\n", etl_modes[m].name,
				       etl_modes[m].func, etl_modes[m].step);
			check_kill(&c, o, m);
		}
	/* Then the processes: fork before this process runs OpenMP. */
	static const int order[] = { M_PROCESSES, M_SERIAL, M_THREADS, M_INNER };
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		int m = order[i];
		if (o->mode >= 0 && o->mode != m)
			continue;
		bool any = o->validate || (o->expect_parallel && (m == M_THREADS || m == M_INNER)) ||
			   (o->expect_serial_open && m == M_THREADS) ||
			   (o->expect_children && m == M_PROCESSES) || o->check_broken;
		if (!any)
			continue;
		if (!o->quiet)
			printf("%s (%s, step %d):\n", etl_modes[m].name, etl_modes[m].func,
			       etl_modes[m].step);
		if (o->expect_children && m == M_PROCESSES)
			check_children(&c, o, m);
		if (o->validate)
			check_validate(&c, o, m);
		if (o->check_broken)
			check_broken(&c, o, m);
		if (o->expect_parallel && (m == M_THREADS || m == M_INNER))
			check_parallel(&c, o, m);
		if (o->expect_serial_open && m == M_THREADS)
			check_serial_open(&c, o, m);
	}
	if (o->nsame) {
		if (!o->quiet)
			printf("%s: the same outputs across counts\n",
			       o->mode < 0 ? "every kernel" : etl_modes[o->mode].name);
		check_same_across(&c, o, o->mode);
	}
	kit_scratch_remove(c.scratch);
	kit_files_free(c.inputs, c.n);
	return kit_checks_finish(&c.v);
}
