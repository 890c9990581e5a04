/*
 * run.c - one checked run (grade.h), the run-and-check protocol seen from
 * the grader:
 *
 *   PROG ARGS --seed S [--input IN] --emit DIR     the student's program, in
 *        the sandbox, at the thread count the item sets; it only computes and
 *        writes its raw outputs into DIR.
 *   REF ARGS --seed S [--input IN] --verify DIR,...   the reference program,
 *        in the grader's own process tree (no student code runs there), reads
 *        a copy of DIR as untrusted data, computes what it needs itself and
 *        prints one line, PASS: or FAIL:, the only verdict that counts.
 *   REF --make-inputs IN --seed S                 input files for exercises
 *        that read files, made at grading time.
 *
 * Seeds come from getrandom(2): a submission cannot predict its inputs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grade.h"

#define EMIT_MAX_FILES 256
#define EMIT_MAX_BYTES (1024.0 * 1024 * 1024)	/* all files of one emit folder */

char **item_args(const session *s, const item *it, size_t *n)
{
	char **argv = kit_xcalloc(it->nargs + 1, sizeof(*argv));
	size_t k = 0;
	bool timed = it->kind == K_SPEED || it->kind == K_SPEEDUP;
	for (size_t i = 0; i < it->nargs; i++) {
		argv[k++] = it->args[i];
		if (!timed || i + 1 >= it->nargs)
			continue;
		for (size_t j = 0; j < s->nspeed_args; j++) {
			const char *sa = s->speed_args[j], *eq = strchr(sa, '=');
			if (strlen(it->args[i]) == (size_t)(eq - sa) &&
			    !strncmp(it->args[i], sa, (size_t)(eq - sa))) {
				argv[k++] = (char *)eq + 1;
				i++;
				break;
			}
		}
	}
	*n = k;
	return argv;
}

/* The environment of a student run: only what the item sets. */
static char **student_env(const run_spec *rs, const char *work, char **owned)
{
	static const char *const passed[] = { "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
					      "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", NULL };
	char **env = kit_xcalloc(32, sizeof(char *));
	size_t k = 0, o = 0;
	env[k++] = owned[o++] = kit_xasprintf("OMP_NUM_THREADS=%d", rs->threads);
	env[k++] = "OMP_WAIT_POLICY=passive";
	env[k++] = "PATH=/usr/local/bin:/usr/bin:/bin";
	env[k++] = "LC_ALL=C";
	env[k++] = "KIT_QUIET=1";
	env[k++] = owned[o++] = kit_xasprintf("HOME=%s", work);
	env[k++] = owned[o++] = kit_xasprintf("TMPDIR=%s", work);
	for (size_t i = 0; passed[i]; i++) {
		const char *v = getenv(passed[i]);
		if (v)
			env[k++] = owned[o++] = kit_xasprintf("%s=%s", passed[i], v);
	}
	/* Open MPI refuses to start as root without both (a grader run as root
	 * without a sandbox user) */
	if (rs->ranks > 0 && geteuid() == 0) {
		env[k++] = "OMPI_ALLOW_RUN_AS_ROOT=1";
		env[k++] = "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1";
	}
	/* a rank that waits (in MPI_Reduce) yields its core to the threads
	 * still working instead of spinning on it */
	if (rs->ranks > 0)
		env[k++] = "OMPI_MCA_mpi_yield_when_idle=1";
	for (size_t i = 0; rs->extra_env && rs->extra_env[i] && k < 30; i++)
		env[k++] = (char *)rs->extra_env[i];
	env[k] = NULL;
	return env;
}

/* Copies the regular files at the top of FROM into TO (made, grader-owned):
 * links, folders and devices are left out, sizes bounded. 0, or -1 with
 * *WHY set. */
static int copy_emitted(const char *from, const char *to, char **why)
{
	if (mkdir(to, 0700)) {
		*why = kit_xasprintf("the grader cannot make %s: %s", to, strerror(errno));
		return -1;
	}
	DIR *d = opendir(from);
	if (!d) {
		*why = kit_xstrdup("your program's output folder is gone");
		return -1;
	}
	int nfiles = 0, rc = 0;
	double bytes = 0;
	struct dirent *e;
	while (!rc && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *src = kit_xasprintf("%s/%s", from, e->d_name);
		int in = open(src, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		free(src);
		struct stat st;
		if (in < 0 || fstat(in, &st) || !S_ISREG(st.st_mode)) {
			if (in >= 0)
				close(in);
			continue;	/* not a regular file: not an output */
		}
		bytes += (double)st.st_size;
		if (++nfiles > EMIT_MAX_FILES || bytes > EMIT_MAX_BYTES) {
			*why = kit_xasprintf("your program wrote more than %d files or %.0f MiB",
					     EMIT_MAX_FILES, EMIT_MAX_BYTES / 1048576);
			close(in);
			rc = -1;
			break;
		}
		char *dst = kit_xasprintf("%s/%s", to, e->d_name);
		int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		free(dst);
		char buf[65536];
		ssize_t n;
		while (out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n) {
				rc = -1;
				break;
			}
		if (out < 0 || close(out))
			rc = -1;
		close(in);
		if (rc)
			*why = kit_xasprintf("the grader cannot copy your output: %s", strerror(errno));
	}
	closedir(d);
	return rc;
}

/* How a run that did not end well ended, in the student's words. */
static char *problem_of(const sb_result *r, double timeout)
{
	const char *how = sb_describe(r, timeout);
	if (r->timed_out)
		return kit_xasprintf("%s (time limit %g s: an endless loop, threads waiting for each other (a deadlock), or far too slow?)", how,
				     timeout);
	if (r->signal == SIGXFSZ)
		return kit_xasprintf("%s: a file grew past the size limit", how);
	if (r->signal == SIGXCPU)
		return kit_xasprintf("%s: the CPU-time limit", how);
	char *l = first_line_containing(r->err, "ERROR: AddressSanitizer");
	if (!l)
		l = first_line_containing(r->err, "runtime error:");
	if (!l)
		l = first_line_containing(r->err, "error:");
	if (!l)
		l = trimmed_last_line(r->err);
	char *s = l ? kit_xasprintf("%s (%s)", l, how) : kit_xstrdup(how);
	free(l);
	return s;
}

void run_emit(session *s, const run_spec *rs, run_out *out)
{
	memset(out, 0, sizeof(*out));
	int seq = s->seq++;
	char *work = kit_xasprintf("%s/run-%d", s->tmp, seq);
	char *emit = kit_xasprintf("%s/emit", work);
	char *op = kit_xasprintf("%s/run-%d.out", s->tmp, seq);
	char *ep = kit_xasprintf("%s/run-%d.err", s->tmp, seq);
	char seed[32];
	snprintf(seed, sizeof(seed), "%" PRIu64, rs->seed);
	char **argv = kit_xcalloc(rs->nargs + 20, sizeof(char *));
	size_t k = 0;
	char np[16];
	if (rs->ranks > 0) {
		/* MPI: mpirun starts RANKS copies (their environment is this
		 * run's, OMP_NUM_THREADS included); more ranks than cores are
		 * allowed (--oversubscribe) and no rank is pinned to a core, so
		 * that the threads of a rank can use every core. The sandbox's
		 * time limit kills mpirun's whole process group, ranks included. */
		snprintf(np, sizeof(np), "%d", rs->ranks);
		argv[k++] = MPIRUN;
		argv[k++] = "-np";
		argv[k++] = np;
		argv[k++] = "--oversubscribe";
		argv[k++] = "--bind-to";
		argv[k++] = "none";
	}
	argv[k++] = (char *)rs->prog;
	for (size_t i = 0; i < rs->nargs; i++)
		argv[k++] = rs->args[i];
	argv[k++] = "--seed";
	argv[k++] = seed;
	if (rs->inputs) {
		argv[k++] = "--input";
		argv[k++] = (char *)rs->inputs;
	}
	argv[k++] = "--emit";
	argv[k++] = emit;
	char *owned[16] = { 0 };
	char **env = student_env(rs, work, owned);
	if (sandbox_own(&s->sb, work) || sandbox_own(&s->sb, emit)) {
		out->problem = kit_xstrdup("the grader could not make a work folder");
		goto done;
	}
	sb_opts o = { .argv = argv, .env = (const char *const *)env, .work = work,
		      .timeout = rs->timeout, .observe = rs->observe, .no_as_limit = rs->tsan,
		      .out_path = op, .err_path = ep };
	sb_result r;
	if (sandbox_run(&s->sb, &o, &r)) {
		out->problem = kit_xstrdup("could not start the program");
		goto done;
	}
	out->wall = r.wall;
	out->cpu = r.cpu;
	out->peak_mb = r.peak_mb;
	out->left = r.left;
	observe_end(r.obs, rs->procs > 0 ? rs->procs : rs->ranks > 0 ? rs->ranks * rs->threads
		    : rs->threads, 0.25, &out->seen);
	out->ran_ok = !r.timed_out && !r.signal && r.exit_code == 0;
	if (!out->ran_ok)
		out->problem = problem_of(&r, rs->timeout);	/* reads r.err */
	out->err_full = r.err;
	r.err = NULL;
	out->err_tail = tail_lines(out->err_full, 15);
	if (out->ran_ok) {
		char *copy = kit_xasprintf("%s/emitted-%d", s->tmp, seq);
		char *why = NULL;
		if (copy_emitted(emit, copy, &why)) {
			out->problem = why;
			free(copy);
		} else {
			out->emitted = copy;
		}
	}
	sb_result_free(&r);
done:
	rm_rf(work);
	unlink(op);
	unlink(ep);
	for (size_t i = 0; owned[i]; i++)
		free(owned[i]);
	free(env);
	free(argv);
	free(work);
	free(emit);
	free(op);
	free(ep);
}

void run_out_free(run_out *o)
{
	if (o->emitted)
		rm_rf(o->emitted);
	free(o->emitted);
	free(o->problem);
	free(o->err_tail);
	free(o->err_full);
	memset(o, 0, sizeof(*o));
}

int run_verify(session *s, const char *ref, char **args, size_t nargs, int threads,
	       uint64_t seed, const char *inputs, char **dirs, size_t ndirs, bool sanitized,
	       char **line)
{
	(void)s;
	char sd[32], nt[48];
	snprintf(sd, sizeof(sd), "%" PRIu64, seed);
	snprintf(nt, sizeof(nt), "OMP_NUM_THREADS=%d", threads);
	kit_buf joined = { 0 };
	for (size_t i = 0; i < ndirs; i++)
		kit_buf_printf(&joined, "%s%s", i ? "," : "", dirs[i]);
	char **argv = kit_xcalloc(nargs + 10, sizeof(char *));
	size_t k = 0;
	argv[k++] = (char *)ref;
	for (size_t i = 0; i < nargs; i++)
		argv[k++] = args[i];
	argv[k++] = "--seed";
	argv[k++] = sd;
	if (inputs) {
		argv[k++] = "--input";
		argv[k++] = (char *)inputs;
	}
	argv[k++] = "--verify";
	argv[k++] = (char *)kit_buf_str(&joined);
	const char *env[] = { nt, "OMP_WAIT_POLICY=passive", "KIT_QUIET=1",
			      sanitized ? "KIT_VERIFY_SANITIZED=1" : NULL, NULL };
	kit_proc_result r;
	run_captured(argv, env, VERIFY_TIMEOUT, &r);
	int verdict = -1;
	char *pass = last_line_with_prefix(r.out, "PASS:");
	char *fail = last_line_with_prefix(r.out, "FAIL:");
	bool exited = r.started && !r.timed_out && !r.signal;
	if (exited && r.exit_code == 0 && pass) {
		verdict = 1;
		*line = pass;
		pass = NULL;
	} else if (exited && r.exit_code == 1 && fail) {
		verdict = 0;
		*line = kit_xstrdup(fail + 6);
	} else {
		char *l = trimmed_last_line(r.err);
		*line = kit_xasprintf("the reference could not check the output (%s%s%s)",
				      kit_proc_describe(&r), l ? ": " : "", l ? l : "");
		free(l);
	}
	/* the grader's folder names mean nothing to a student: "DIR: " goes */
	for (size_t i = 0; i < ndirs; i++) {
		char *cut = kit_xasprintf("%s: ", dirs[i]);
		char *at;
		while ((at = strstr(*line, cut)))
			memmove(at, at + strlen(cut), strlen(at + strlen(cut)) + 1);
		free(cut);
	}
	free(pass);
	free(fail);
	kit_proc_result_free(&r);
	kit_buf_free(&joined);
	free(argv);
	return verdict;
}

char *run_make_inputs(session *s, const item *it, const char *ref, uint64_t seed, char **err)
{
	char *dir = kit_xasprintf("%s/inputs-%d", s->tmp, s->seq++);
	if (mkdir(dir, 0755)) {
		*err = kit_xasprintf("cannot make %s: %s", dir, strerror(errno));
		free(dir);
		return NULL;
	}
	char sd[32];
	snprintf(sd, sizeof(sd), "%" PRIu64, seed);
	char **argv = kit_xcalloc(it->ninputs_args + 6, sizeof(char *));
	size_t k = 0;
	argv[k++] = (char *)ref;
	argv[k++] = "--make-inputs";
	argv[k++] = dir;
	argv[k++] = "--seed";
	argv[k++] = sd;
	for (size_t i = 0; i < it->ninputs_args; i++)
		argv[k++] = it->inputs_args[i];
	const char *env[] = { "KIT_QUIET=1", NULL };
	kit_proc_result r;
	run_captured(argv, env, VERIFY_TIMEOUT, &r);
	free(argv);
	if (!(r.started && !r.timed_out && !r.signal && r.exit_code == 0)) {
		char *l = trimmed_last_line(r.err);
		*err = kit_xasprintf("the reference could not make the input files (%s%s%s)",
				     kit_proc_describe(&r), l ? ": " : "", l ? l : "");
		free(l);
		kit_proc_result_free(&r);
		rm_rf(dir);
		free(dir);
		return NULL;
	}
	kit_proc_result_free(&r);
	return dir;
}
