/*
 * items.c - the item kinds that check correctness (grade.h), and the loop
 * over an exercise's items.
 *
 *   correct  the student's program emits its outputs for inputs chosen now,
 *            at each thread count, REPEAT times (each run its own seed, or
 *            one seed for all with SAME); the reference verifies each run,
 *            or all runs together (the same answer everywhere). With
 *            PARALLEL each run at T > 1 threads must show T threads that did
 *            a share of the CPU work, seen from outside, and no more CPU time
 *            than the reference's for the same work (threads that only burn
 *            time do not count); with PROCS that many processes did it, and
 *            none outlived the program; with READ_AT_MOST the run read
 *            no more than that with read() (its data mapped instead); with
 *            BUDGET_MB its peak memory is about the reference's on the same
 *            run, not more (the program held its buffers to the budget).
 *   tsan     the same runs of the ThreadSanitizer + Archer build; any race
 *            report fails the item.
 * A result that is right on some runs and wrong on others is reported as
 * such, never passed.
 */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grade.h"

#define BUSY_MIN_CPU 0.15	/* seconds of CPU before threads can be told apart */
#define CPU_SLACK 2.5		/* student CPU / reference CPU beyond which work was wasted
				 * (items without a 1-thread run; slow code is the speed
				 * items' business, so this is lenient) */
#define SELF_SHARE 0.75		/* busiest thread / own 1-thread CPU: above, and above */
#define SHARE_SLACK 0.15	/* the reference's share plus this, one thread worked */
#define WHOLE_MIN 1.5		/* the run's CPU / its 1-thread run's: above this, and */
#define WHOLE_SLACK 0.4		/* above the reference's plus this, threads burned */
#define SHARE_RUNS 3		/* runs whose medians judge CPU shares a first run failed */


/* The two accesses of the first ThreadSanitizer report at W: "read at
 * fx.c:15 in fx_par() and write at fx.c:17 in fx_par()". Malloc'd. */
static char *tsan_where(const char *w)
{
	kit_buf b = { 0 };
	const char *p = w;
	for (int k = 0; k < 2 && p; k++) {
		const char *hdr = NULL;
		for (const char *q = strchr(p, '\n'); q; q = strchr(q + 1, '\n')) {
			const char *l = q + 1;
			if (starts_with(l, "  Read of") || starts_with(l, "  Write of") ||
			    starts_with(l, "  Previous read") || starts_with(l, "  Previous write") ||
			    starts_with(l, "  Atomic ") || starts_with(l, "  Previous atomic")) {
				hdr = l;
				break;
			}
			if (starts_with(l, "SUMMARY:") || starts_with(l, "=========="))
				break;
		}
		if (!hdr)
			break;
		const char *access = strstr(hdr, "rite") && (!strstr(hdr, "ead") ||
				     strstr(hdr, "rite") < strstr(hdr, "ead")) ? "write" : "read";
		char *loc = NULL, *fn = NULL;
		const char *q = strchr(hdr, '\n');
		while (q && starts_with(q + 1, "    #")) {
			char *l = line_at(q + 1);
			char *save = NULL;
			strtok_r(l, " ", &save);	/* #N */
			char *func = strtok_r(NULL, " ", &save);
			char *file = strtok_r(NULL, " ", &save);
			if (file && !loc) {
				char *base = strrchr(file, '/');
				base = base ? base + 1 : file;
				char *c1 = strchr(base, ':');
				if (c1 && isdigit((unsigned char)c1[1])) {
					char *c2 = strchr(c1 + 1, ':');
					if (c2)
						*c2 = 0;
					loc = kit_xstrdup(base);
				}
			}
			if (func && !fn && func[0] != '.' && func[0] != '<' && !starts_with(func, "__kmp"))
				fn = kit_xstrdup(func);
			free(l);
			q = strchr(q + 1, '\n');
		}
		kit_buf_printf(&b, "%s%s at %s%s%s%s", k ? " and " : "", access, loc ? loc : "?",
			  fn ? " in " : "", fn ? fn : "", fn ? "()" : "");
		free(loc);
		free(fn);
		p = q;
	}
	return b.s ? b.s : kit_xstrdup("(no location in the report)");
}

/* Whether the report starting at W is about memory the OpenMP runtime
 * allocated for itself ("Location is heap block ... allocated by", the frame
 * after malloc in libomp): a task's copy of its firstprivate data, in a task
 * record libomp hands back to the thread that made it and reuses for its
 * next task. The hand-back happens in libomp, which the sanitizer does not
 * see, so the next task's data written by its creator looks like a race with
 * the thread that read the last one (exercise 06's list of tasks, the
 * reference included, on every run under clang 14's libomp and Archer). The
 * student's own data is never in such a block. */
static bool runtime_memory(const char *w)
{
	const char *end = strstr(w + 1, "WARNING: ThreadSanitizer:");
	const char *loc = strstr(w, "Location is heap block");
	if (!loc || (end && loc > end))
		return false;
	const char *f1 = strstr(loc, "\n    #1 ");
	const char *eol = f1 ? strchr(f1 + 1, '\n') : NULL;
	if (!f1 || (end && f1 > end))
		return false;
	const char *lib = strstr(f1, "(libomp.so");
	return lib && (!eol || lib < eol);
}

/* A race report in TEXT, as "ThreadSanitizer: data race at 2 threads: ...",
 * the first not about the runtime's own memory; NULL when there is none. */
static char *race_in(const char *text, int threads)
{
	const char *w = text ? strstr(text, "WARNING: ThreadSanitizer:") : NULL;
	while (w && runtime_memory(w))
		w = strstr(w + 1, "WARNING: ThreadSanitizer:");
	if (!w)
		return NULL;
	char *where = tsan_where(w);
	char *s = kit_xasprintf("ThreadSanitizer: data race at %d threads: %s", threads, where);
	free(where);
	return s;
}

/* What the reference's run showed for the same run spec (sandboxed like
 * the student's), and its peak memory in *PEAK_MB (may be NULL): false when
 * it did not run. */
static bool reference_seen(session *s, const exercise *e, const run_spec *rs, observed *seen,
			   double *peak_mb)
{
	run_spec ref = *rs;
	char *prog = reference_prog(s, e);
	ref.prog = prog;
	ref.tsan = false;
	ref.extra_env = NULL;
	run_out o;
	run_emit(s, &ref, &o);
	bool ran = o.ran_ok;
	*seen = o.seen;
	if (peak_mb)
		*peak_mb = fmax(o.peak_mb, o.seen.peak_mb);
	run_out_free(&o);
	free(prog);
	return ran;
}

/* The reference's CPU seconds for the same run, or NAN; *TOP its busiest
 * thread's. */
static double reference_cpu(session *s, const exercise *e, const run_spec *rs, double *top)
{
	observed seen;
	bool ran = reference_seen(s, e, rs, &seen, NULL);
	*top = ran ? seen.top_share * seen.cpu : NAN;
	return ran ? seen.cpu : NAN;
}

/* A parallel item's run at 1 thread that kept more threads busy than the
 * reference's run does (one, unless its kernel asks for more): with
 * OMP_NUM_THREADS=1 the extra threads had no work to share, they burned
 * time (helper threads that spin whatever the thread count). NULL if not. */
static char *burners_at_one(session *s, const exercise *e, const run_spec *rs,
			    const run_out *o)
{
	observed ref;
	if (o->seen.busy_threads <= 1 || o->seen.cpu < BUSY_MIN_CPU ||
	    !reference_seen(s, e, rs, &ref, NULL) || o->seen.busy_threads <= ref.busy_threads)
		return NULL;
	return kit_xasprintf("at 1 thread: %d threads of your program did a share of the CPU "
			     "work (seen from outside: %.2f s of CPU), the reference's %d: with "
			     "OMP_NUM_THREADS=1 there is nothing to share, so the others only "
			     "burned time; threads that only burn time do not count",
			     o->seen.busy_threads, o->seen.cpu, ref.busy_threads);
}

/* "at 2 ranks x 3 threads" or "at 3 threads", malloc'd. */
static char *run_where(const run_spec *rs)
{
	int t = rs->threads;
	if (rs->ranks > 0)
		return kit_xasprintf("at %d rank%s x %d thread%s", rs->ranks,
				     rs->ranks == 1 ? "" : "s", t, t == 1 ? "" : "s");
	return kit_xasprintf("at %d thread%s", t, t == 1 ? "" : "s");
}

/* A run under BUSY_MIN_CPU of CPU cannot show which threads or processes
 * worked (WHAT: "which threads worked"). Never taken on trust: when the
 * reference's run of the same spec takes enough, the student's run did
 * too little for the work the item checks; when it does not either, the item's input is too small
 * (a set-up problem of the item). NULL when the run used enough. */
static char *too_little_cpu(session *s, const exercise *e, const run_spec *rs, const run_out *o,
			    const char *what)
{
	if (o->seen.cpu >= BUSY_MIN_CPU)
		return NULL;
	char *at = run_where(rs), *bad;
	observed ref;
	if (reference_seen(s, e, rs, &ref, NULL) && ref.cpu >= BUSY_MIN_CPU)
		bad = kit_xasprintf("%s: your program used %.2f s of CPU, too little for the work "
				    "this item checks (the reference's run on the same input used "
				    "%.2f s)", at, o->seen.cpu, ref.cpu);
	else
		bad = kit_xasprintf("%s: the run used %.2f s of CPU, too little to see %s (a grader "
				    "set-up problem: the item's input is too small)", at, o->seen.cpu,
				    what);
	free(at);
	return bad;
}

/* run_problem for a run under mpirun: how it ended, a process left behind,
 * fewer busy threads than ranks x threads (each rank must use its threads). */
static char *mpi_problem(session *s, const exercise *e, const item *it, const run_spec *rs,
			 const run_out *o)
{
	char *at = run_where(rs), *bad = NULL;
	int want = rs->ranks * rs->threads;
	if (!o->ran_ok || !o->emitted)
		bad = kit_xasprintf("%s: %s", at, o->problem ? o->problem : "no output");
	else if (o->left)
		bad = kit_xasprintf("%s: %d process%s still running after mpirun ended", at,
				    o->left, o->left == 1 ? " was" : "es were");
	else if (it->parallel && want > 1 && o->seen.cpu < BUSY_MIN_CPU)
		bad = too_little_cpu(s, e, rs, o, "which threads worked");
	else if (it->parallel && want > 1 && o->seen.busy_threads < want)
		bad = kit_xasprintf("%s: %d thread%s did a share of the work, not %d (seen from "
				    "outside: %.2f s of CPU in %d processes): every rank must share "
				    "its samples among its threads", at, o->seen.busy_threads,
				    o->seen.busy_threads == 1 ? "" : "s", want, o->seen.cpu,
				    o->seen.procs_seen);
	free(at);
	return bad;
}

/* run_problem for an item whose data is to be mapped, not read: more bytes
 * read than READ_AT_MOST (seen in /proc/PID/io, which counts read() and the
 * like, never a mapped file's pages). A run too short to have been seen
 * reading, or one whose reads could not be seen, is never taken on trust. */
static char *reads_problem(session *s, const exercise *e, const item *it, const run_spec *rs,
			   const run_out *o)
{
	int t = rs->threads;
	const char *ts = t == 1 ? "" : "s";
	if (!o->seen.reads_seen)
		return kit_xasprintf("at %d thread%s: the grader could not read /proc/PID/io to see "
				     "how your program read its file (a grader set-up problem: "
				     "run it where /proc shows other processes' counters)", t, ts);
	if (o->seen.read_bytes <= it->read_at_most && o->seen.cpu < BUSY_MIN_CPU)
		return too_little_cpu(s, e, rs, o, "how it read its file");
	if (o->seen.read_bytes > it->read_at_most)
		return kit_xasprintf("at %d thread%s: your program read %.1f MB with read() or "
				     "pread() (seen from outside: /proc/PID/io), more than the %.1f MB "
				     "allowed: the file's data is to be mapped with mmap, which reads "
				     "nothing", t, ts, o->seen.read_bytes * 1e-6,
				     it->read_at_most * 1e-6);
	return NULL;
}

/* What a CPU-share verdict rests on, for one run of the student's program
 * at T > 1 threads and the reference's runs beside it. RULE 1: the busiest
 * thread's CPU (MINE) and the whole run's (WHOLE) against the program's own
 * 1-thread run, the reference's THEIRS and REF_WHOLE measured the same way;
 * RULE 2 (items without a 1-thread run): the run's CPU against the
 * reference's; RULE 0: neither applies. */
typedef struct shares {
	int rule;
	double mine, theirs, whole, ref_whole;	/* rule 1 */
	double cpu, ref;			/* rule 2 */
} shares;

/* The shares of run O (RS at T > 1 threads, all of them busy), the
 * reference run beside it. CPU1: the CPU of the item's 1-thread run. */
static shares shares_of(session *s, const exercise *e, const item *it, const run_spec *rs,
			const run_out *o, double cpu1)
{
	shares v = { 0 };
	if (it->contended) {
		/* threads that contend for a lock (exercise 01's rand()) burn CPU
		 * waiting, the reference's too (its busiest thread kept 84-90% of
		 * its 1-thread work beside a CPU hog): the count of busy threads
		 * is what can be seen from outside */
		return v;
	}
	double ref_top;
	double ref = reference_cpu(s, e, rs, &ref_top);
	if (!isfinite(ref) || ref <= 0)
		return v;
	/* not past the cores: oversubscribed threads wait on locks and spin,
	 * and their CPU says little about who did the work */
	if (rs->threads <= s->cores && isfinite(cpu1) && cpu1 >= BUSY_MIN_CPU) {
		run_spec one = *rs;
		one.threads = 1;
		double unused, ref1 = reference_cpu(s, e, &one, &unused);
		if (isfinite(ref1) && ref1 > 0)
			return (shares){ .rule = 1, .mine = o->seen.top_share * o->seen.cpu / cpu1,
					 .theirs = ref_top / ref1, .whole = o->seen.cpu / cpu1,
					 .ref_whole = ref / ref1 };
	}
	if (!isfinite(cpu1))
		v = (shares){ .rule = 2, .cpu = o->seen.cpu, .ref = ref };
	return v;
}

/* The verdict on shares V at T threads (CPU1 for the message), or NULL.
 * Rule 1 is fair to slow but parallel code: a thread's CPU time is its work
 * however busy the machine, and shared work shrinks the busiest thread
 * against the whole job on one thread as far as it does for the reference; a
 * thread that did the shared work alone does not. And the other threads
 * burned: the whole run's CPU against the 1-thread run's (a dynamic schedule
 * on a loaded machine gives the thread that holds a core most of the work,
 * but burns nothing: the grader's runs wait passively). Rule 2 only counts
 * past the cores, where threads contending for a lock spin (exercise 01's
 * rand() used 3.3 times the reference's CPU at 3 threads), and the item's
 * runs up to the cores judged the work already. */
static char *shares_verdict(const shares *v, int t, double cpu1)
{
	if (v->rule == 1 && v->mine > fmax(SELF_SHARE, v->theirs + SHARE_SLACK) &&
	    v->whole > fmax(WHOLE_MIN, v->ref_whole + WHOLE_SLACK))
		return kit_xasprintf("at %d threads: your busiest thread used %.2f s of CPU, %.0f%% "
				     "of what your program needs on 1 thread (%.2f s), and the run "
				     "%.1f times that (the reference: %.0f%% and %.1f times): one "
				     "thread did the shared work; threads that only burn time do "
				     "not count", t, v->mine * cpu1, 100 * v->mine, cpu1, v->whole,
				     100 * v->theirs, v->ref_whole);
	if (v->rule == 2 && v->cpu > CPU_SLACK * v->ref + 0.05)
		return kit_xasprintf("at %d threads: your program used %.2f s of CPU for work the "
				     "reference does in %.2f s: threads that burn time without "
				     "sharing the work, or that wait for each other (every thread "
				     "writing the same shared data, a lock in the loop), do not "
				     "count", t, v->cpu, v->ref);
	return NULL;
}

/* The median over V[0..N) (N <= SHARE_RUNS) of the double at offset OFF. */
static double median_at(const shares *v, size_t n, size_t off)
{
	double x[SHARE_RUNS];
	for (size_t i = 0; i < n; i++)
		memcpy(&x[i], (const char *)&v[i] + off, sizeof(double));
	return median_of(x, n);
}

/* Each number of V[0..N) replaced by its median (the rule of V[0]). */
static shares median_shares(const shares *v, size_t n)
{
	shares m = v[0];
	m.mine = median_at(v, n, offsetof(shares, mine));
	m.theirs = median_at(v, n, offsetof(shares, theirs));
	m.whole = median_at(v, n, offsetof(shares, whole));
	m.ref_whole = median_at(v, n, offsetof(shares, ref_whole));
	m.cpu = median_at(v, n, offsetof(shares, cpu));
	m.ref = median_at(v, n, offsetof(shares, ref));
	return m;
}

/* What a run showed that fails the item, or NULL: how it ended, a race, a
 * process left behind, too few threads or processes doing the work. */
static char *run_problem(session *s, const exercise *e, const item *it, const run_spec *rs,
			 const run_out *o, bool *shared)
{
	*shared = false;
	int t = rs->threads;
	const char *ts = t == 1 ? "" : "s";
	if (rs->ranks > 0)
		return mpi_problem(s, e, it, rs, o);
	if (rs->tsan) {
		char *race = race_in(o->err_full, t);
		if (race)
			return race;
	}
	if (!o->ran_ok || !o->emitted)
		return kit_xasprintf("at %d thread%s: %s", t, ts,
				     o->problem ? o->problem : "no output");
	if (o->left)
		return kit_xasprintf("at %d thread%s: %d process%s still running after your program "
				     "ended (every child must be waited for)", t, ts, o->left,
				     o->left == 1 ? " was" : "es were");
	if (rs->tsan)
		return NULL;
	if (it->procs > 0) {
		/* a run too short to see processes is never taken on trust: the
		 * item's input is sized so that every run is long enough (and
		 * exercises 03 to 05's --verify also check, from the emitted
		 * record, that the work was done in workers) */
		if (o->seen.cpu < BUSY_MIN_CPU)
			return too_little_cpu(s, e, rs, o, "which processes worked");
		if (o->seen.busy_procs < it->procs)
			return kit_xasprintf("at %d thread%s: %d process%s did a share of the work, "
					     "not %d (seen from outside: %.2f s of CPU in %d "
					     "processes)", t, ts, o->seen.busy_procs,
					     o->seen.busy_procs == 1 ? "" : "es", it->procs,
					     o->seen.cpu, o->seen.procs_seen);
	}
	if (it->read_at_most > 0) {
		char *bad = reads_problem(s, e, it, rs, o);
		if (bad)
			return bad;
	}
	if (it->parallel && t == 1) {
		char *bad = burners_at_one(s, e, rs, o);
		if (bad)
			return bad;
	}
	if (it->parallel && t > 1 && o->seen.cpu < BUSY_MIN_CPU)
		return too_little_cpu(s, e, rs, o, "which threads worked");
	if (it->parallel && t > 1) {
		if (o->seen.busy_threads < t)
			return kit_xasprintf("at %d threads: %d thread%s did a share of the work "
					     "(seen from outside: %.2f s of CPU, the busiest thread "
					     "%.0f%% of it): the loop ran on one thread?", t,
					     o->seen.busy_threads,
					     o->seen.busy_threads == 1 ? "" : "s", o->seen.cpu,
					     100 * o->seen.top_share);
		*shared = true;	/* the shares are run_judged's to judge */
	}
	return NULL;
}

/* For an item with a memory budget: run O's peak resident memory (the
 * largest VmHWM the observer saw, or wait4's ru_maxrss where that is the
 * program's: the kernel's counts, from outside) against the reference's on
 * the same run, whose buffers hold the budget: more than a quarter of the
 * budget and 2 MB above it (allocators, threads' stacks) held more of the
 * data than the budget allows, e.g. the whole file, or a buffer of the whole
 * budget per thread. Not judged in a sanitizer build, where the sanitizer's
 * own memory is the peak (a note says so once). NULL when within. */
static char *memory_problem(session *s, const exercise *e, item *it, const run_spec *rs,
			    const run_out *o)
{
	if (s->sb.sanitized) {
		if (!strstr(kit_buf_str(&it->out), "memory budget"))
			kit_buf_printf(&it->out, "(the memory budget is not measured in a sanitizer "
				       "build: the sanitizer's own memory is the peak there)\n");
		return NULL;
	}
	observed unused;
	double ref = NAN;
	if (!reference_seen(s, e, rs, &unused, &ref) || !(ref > 0))
		return NULL;	/* the reference's own verdict on this run says what broke */
	double slack = it->budget_mb / 4 + 2, peak = fmax(o->peak_mb, o->seen.peak_mb);
	if (peak <= ref + slack)
		return NULL;
	int t = rs->threads;
	return kit_xasprintf("at %d thread%s: your program held %.1f MB at its peak (seen from "
			     "outside), the reference %.1f MB on the same run with the same "
			     "budget (%.0f MB for the buffers): more than the budget allows (the "
			     "limit here is the reference's peak + %.1f MB); hold at most the "
			     "budget's worth of the data at a time", t, t == 1 ? "" : "s",
			     peak, ref, it->budget_mb, slack);
}

/* Runs RS into *O and judges it: run_problem, then the CPU shares (for a
 * parallel run at T > 1 threads). A verdict on shares rests on how the run
 * met the machine's load at that moment: beside a CPU hog, exercise 06's list
 * of tasks graded against itself once showed its busiest thread at 117% of
 * its 1-thread CPU where the reference's run had just shown 81%. So a run the
 * shares fail is judged again on the medians of SHARE_RUNS runs, each beside
 * a fresh run of the reference: a kernel that leaves the work to one thread
 * does so in most runs, a busy machine does not. The median, not the best
 * run: more runs must not give a submission more chances to look right. */
static char *run_judged(session *s, const exercise *e, item *it, const run_spec *rs, run_out *o,
			double cpu1)
{
	bool shared;
	run_emit(s, rs, o);
	char *bad = run_problem(s, e, it, rs, o, &shared);
	if (bad || !shared)
		return bad;
	shares v[SHARE_RUNS];
	v[0] = shares_of(s, e, it, rs, o, cpu1);
	char *first = shares_verdict(&v[0], rs->threads, cpu1);
	if (!first)
		return NULL;
	for (size_t k = 1; k < SHARE_RUNS; k++) {
		say_doing(s, "%s: at %d threads again, %zu of %d (the CPU shares of the first run)",
			  it->name, rs->threads, k + 1, SHARE_RUNS);
		run_out_free(o);
		run_emit(s, rs, o);
		bad = run_problem(s, e, it, rs, o, &shared);
		if (bad || !shared) {
			free(first);
			return bad;
		}
		v[k] = shares_of(s, e, it, rs, o, cpu1);
	}
	shares m = median_shares(v, SHARE_RUNS);
	bad = shares_verdict(&m, rs->threads, cpu1);
	if (bad) {
		char *why = kit_xasprintf("%s (the medians of %d runs)", bad, SHARE_RUNS);
		free(bad);
		bad = why;
	} else {
		kit_buf_printf(&it->out, "%s (a busy machine? the medians of %d runs were fine)\n",
			       first, SHARE_RUNS);
	}
	free(first);
	return bad;
}

void do_correct(session *s, const exercise *e, item *it, const char *prog, bool tsan)
{
	if (s->serial && (it->parallel || tsan)) {
		item_skip(it, "the kit is built without OpenMP (-Dopenmp=disabled): no threads "
			  "to check here");
		return;
	}
	char *ref = reference_prog(s, e);
	size_t nargs;
	char **args = item_args(s, it, &nargs);
	const char *tsan_env[4] = { 0 };
	char *tool = NULL, *tsan_options = NULL;
	if (tsan) {
		tool = kit_xasprintf("OMP_TOOL_LIBRARIES=%s", s->archer);
		/* these win over the program's own defaults (__tsan_default_options) */
		/* exitcode=0: a report does not decide by itself (race_in reads
		 * them, and passes over those about the runtime's own memory) */
		char *sym = which_program("llvm-symbolizer");	/* file:line in reports; the
								 * sandbox's PATH may lack it */
		tsan_options = kit_xasprintf("TSAN_OPTIONS=ignore_noninstrumented_modules=1 "
					     "halt_on_error=0 exitcode=0 report_bugs=1 "
					     "log_path=stderr suppressions=%s%s",
					     sym ? " external_symbolizer_path=" : "", sym ? sym : "");
		free(sym);
		tsan_env[0] = tsan_options;
		tsan_env[1] = tool;
		tsan_env[2] = "ARCHER_OPTIONS=verbose=0";
	}
	if (it->nranks && access(MPIRUN, X_OK)) {
		item_skip(it, "mpirun is not installed here (Debian: apt-get install openmpi-bin "
			  "libopenmpi-dev)");
		return;
	}
	size_t nrank_counts = it->nranks ? it->nranks : 1;
	size_t nruns = nrank_counts * it->nthreads * (size_t)it->repeat, done = 0;
	char **dirs = kit_xcalloc(nruns + 1, sizeof(char *));
	uint64_t seed = fresh_seed();
	char *inputs = NULL;
	int passed = 0, failed = 0, wrong = 0, first_t = 0;
	double cpu1 = NAN;	/* CPU of this item's last good 1-thread run */
	bool stop = false;
	for (size_t ri = 0; ri < nrank_counts && !stop; ri++)
	for (size_t ti = 0; ti < it->nthreads && !stop; ti++) {
		int ranks = it->nranks ? it->ranks[ri] : 0;
		int t = resolve_threads(s, it->threads[ti]);
		if (t < 1) {
			item_fail(it, "the item's thread list is malformed (a grader set-up error)");
			stop = true;
			break;
		}
		if (!first_t)
			first_t = t;
		for (int rep = 0; rep < it->repeat && !stop; rep++) {
			if (!it->same || (!ri && !ti && !rep)) {
				if (!it->same)
					seed = fresh_seed();
				if (it->inputs) {
					if (inputs)
						rm_rf(inputs);
					free(inputs);
					char *err = NULL;
					inputs = run_make_inputs(s, it, ref, seed, &err);
					if (!inputs) {
						free(e->error);
						((exercise *)e)->error = err;
						item_fail(it, "the grader could not make input files");
						stop = true;
						break;
					}
				}
			}
			run_spec rs = { .prog = prog, .args = args, .nargs = nargs, .threads = t,
					.procs = it->procs, .ranks = ranks, .seed = seed, .inputs = inputs, .extra_env = tsan ? tsan_env : NULL,
					.timeout = item_timeout(s, it), .observe = !tsan, .tsan = tsan };
			char *at = run_where(&rs);
			say_doing(s, "%s: run %zu of %zu (%s)", it->name, done + 1, nruns, at + 3);
			run_out o;
			char *bad = run_judged(s, e, it, &rs, &o, cpu1);
			if (!bad && it->budget_mb > 0 && !tsan)
				bad = memory_problem(s, e, it, &rs, &o);
			done++;
			if (!bad && t == 1 && o.ran_ok)
				cpu1 = o.seen.cpu;
			if (!bad && !it->same) {
				char *line = NULL;
				int v = run_verify(s, ref, args, nargs, t, seed, inputs, &o.emitted, 1,
						   tsan, &line);
				if (v < 0) {
					free(e->error);
					((exercise *)e)->error = kit_xstrdup(line);
				}
				if (v != 1) {
					bad = kit_xasprintf("%s: %s", at, line);
					wrong++;
				}
				free(line);
			}
			if (bad) {
				failed++;
				kit_buf_printf(&it->out, "%s\n", bad);
				item_fail(it, bad);
				if (s->verbose && o.err_tail && *o.err_tail)
					kit_buf_printf(&it->out, "  | stderr:\n%s", o.err_tail);
				/* one time-out is enough; a first run that fails says it all */
				stop = strstr(bad, "timed out") != NULL || !passed;
				free(bad);
			} else {
				passed++;
				if (it->same) {
					dirs[done - 1] = o.emitted;
					o.emitted = NULL;
				}
			}
			free(at);
			run_out_free(&o);
		}
	}
	if (it->same && !failed && passed) {
		char *line = NULL;
		say_doing(s, "%s: checking all %d runs together", it->name, passed);
		int v = run_verify(s, ref, args, nargs, first_t, seed, inputs, dirs, (size_t)passed,
				   tsan, &line);
		if (v < 0) {
			free(e->error);
			((exercise *)e)->error = kit_xstrdup(line);
		}
		if (v != 1) {
			item_fail(it, line);
			failed++;
			passed = 0;
		}
		free(line);
	}
	if (wrong && wrong == failed && passed) {
		char *why = kit_xasprintf("right in %d of %d runs: the result changes from run to "
					  "run (a race, or threads sharing one generator); first "
					  "wrong: %s", passed, passed + failed, it->observed);
		free(it->observed);
		it->observed = why;
	}
	if (!failed && passed)
		item_pass(it);
	else if (!failed)
		item_fail(it, "no run");
	for (size_t i = 0; i < nruns; i++) {
		if (dirs[i])
			rm_rf(dirs[i]);
		free(dirs[i]);
	}
	free(dirs);
	if (inputs)
		rm_rf(inputs);
	free(inputs);
	free(tool);
	free(tsan_options);
	free(args);
	free(ref);
}

static void do_tsan(session *s, const exercise *e, item *it)
{
	char *prog = build_tsan_prog(s, e, it);
	if (!prog)
		return;
	do_correct(s, e, it, prog, true);
	free(prog);
}

/*
 * An earlier correctness item of item I's step that failed, or NULL. Speed is
 * only judged for a step whose correctness items pass (as CS149's checkers
 * do): a wrong or serial kernel gets no speed credit.
 */
static const item *failed_item_of_step(const exercise *e, size_t i)
{
	for (size_t j = 1; j < i; j++) {
		const item *r = &e->items[j];
		if ((r->kind == K_CORRECT || r->kind == K_TSAN) && r->step == e->items[i].step &&
		    r->st == ST_FAIL)
			return r;
	}
	return NULL;
}

void items_run(session *s, exercise *e)
{
	size_t total = 0, k = 0;
	for (size_t i = 1; i < e->nitems; i++)
		total += selected(s, &e->items[i]);
	for (size_t i = 1; i < e->nitems; i++) {
		item *it = &e->items[i];
		if (!selected(s, it))
			continue;
		double t0 = kit_wtime();
		k++;
		if (!s->tty && !getenv("KIT_QUIET"))
			fprintf(stderr, "kit: [%zu/%zu] %s ...\n", k, total, it->name);
		if (e->not_run) {
			item_fail(it, e->not_run);
			continue;
		}
		const item *wrong = failed_item_of_step(e, i);
		if (wrong && it->kind != K_TSAN) {
			char *why = kit_xasprintf("not %s: \"%s\" failed; this counts once the step "
						  "is right", it->kind == K_CORRECT ? "checked" : "timed",
						  wrong->name);
			item_fail(it, why);
			it->gated = true;
			free(why);
		} else if (it->kind == K_CORRECT) {
			char *prog = student_prog(s, e);
			do_correct(s, e, it, prog, false);
			free(prog);
		} else if (it->kind == K_TSAN) {
			do_tsan(s, e, it);
			/* a race found is news; any other failure here is the
			 * earlier item's again */
			bool raced = it->observed && strstr(it->observed, "ThreadSanitizer: data race");
			if (wrong && !raced) {
				char *why = kit_xasprintf("no race seen, but \"%s\" failed: the race "
							  "check counts once the step is right",
							  wrong->name);
				free(it->observed);
				it->observed = NULL;
				kit_buf_free(&it->out);
				item_fail(it, why);
				it->gated = true;
				free(why);
			}
		} else if (it->kind == K_SPEED) {
			do_speed(s, e, it);
		} else if (it->kind == K_SPEEDUP) {
			do_speedup(s, e, it);
		}
		if (s->tty)
			fprintf(stderr, "\r\033[K");
		else if (!getenv("KIT_QUIET"))
			fprintf(stderr, "kit: [%zu/%zu] %s %s (%.1f s)\n", k, total,
				status_name[it->st], it->name, kit_wtime() - t0);
	}
}
