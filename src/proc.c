/*
 * proc.c - child processes with a time limit (kit.h): kit_proc_run,
 * kit_proc_result_free, kit_proc_describe.
 *
 * The child runs in its own process group, so a time-out or the end of the
 * run can kill everything it started (kill(-pgid)), grandchildren included.
 * An exec failure travels back through a close-on-exec pipe, so a missing
 * command is "could not start", not an exit 127 from a shell. Output is read
 * with poll() while waiting, so a chatty child never blocks on a full pipe.
 *
 * Between fork() and exec() the child calls only async-signal-safe functions:
 * the parent may run OpenMP or other threads, and malloc() in the child could
 * deadlock on a lock one of them held (DESIGN.md section 6). The child's
 * environment is therefore built in the parent.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kit.h"

extern char **environ;

#define DEFAULT_CAPTURE (1024 * 1024)
#define KILL_GRACE 1.0		/* seconds between SIGTERM and SIGKILL */
#define DRAIN_TIME 0.2		/* seconds to collect output after the group is killed */

/* What the child reports through the exec pipe when it cannot start. */
enum { STAGE_CWD = 1, STAGE_EXEC = 2 };
struct exec_failure {
	int stage;
	int err;
};

/* One captured stream: the first LIMIT bytes are kept, the rest dropped. */
struct stream {
	int fd;			/* -1 once at end of file */
	char *buf;
	size_t len, cap, limit;
};

/*
 * The group of the running child, for the signal handler below: when the
 * user interrupts the parent (Ctrl-C goes to the terminal's foreground group,
 * which the child's new group is not), the child's group dies with it.
 */
static volatile sig_atomic_t running_pgid;
static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
static struct sigaction saved[sizeof(forwarded) / sizeof(forwarded[0])];
static bool installed[sizeof(forwarded) / sizeof(forwarded[0])];

static void on_fatal_signal(int sig)
{
	if (running_pgid > 0)
		kill(-running_pgid, SIGKILL);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Installs the handler only where the program kept the default action. */
static void guard_begin(pid_t pgid)
{
	running_pgid = pgid;
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++) {
		struct sigaction sa;
		installed[i] = false;
		if (sigaction(forwarded[i], NULL, &saved[i]) || saved[i].sa_handler != SIG_DFL)
			continue;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_fatal_signal;
		sigemptyset(&sa.sa_mask);
		installed[i] = sigaction(forwarded[i], &sa, NULL) == 0;
	}
}

static void guard_end(void)
{
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		if (installed[i])
			sigaction(forwarded[i], &saved[i], NULL);
	running_pgid = 0;
}

/* The parent's environment with SETS ("NAME=VALUE") replacing or added. */
static char **build_env(const char *const *sets)
{
	size_t n = 0, nsets = 0;
	while (environ && environ[n])
		n++;
	while (sets && sets[nsets])
		nsets++;
	char **env = kit_xmalloc((n + nsets + 1) * sizeof(*env));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t len = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
		bool replaced = false;
		for (size_t j = 0; j < nsets && !replaced; j++)
			replaced = !strncmp(sets[j], environ[i], len) && sets[j][len] == '=';
		if (!replaced)
			env[k++] = environ[i];
	}
	for (size_t j = 0; j < nsets; j++)
		if (strchr(sets[j], '='))
			env[k++] = (char *)sets[j];
	env[k] = NULL;
	return env;
}

/* In the child, after fork: only async-signal-safe calls from here on. */
static void child(char *const argv[], const kit_proc_opts *o, char **env, int report,
		  int devnull, int out, int err)
{
	struct exec_failure f = { 0, 0 };
	sigset_t none;

	setpgid(0, 0);
	/* A parent that ignores SIGPIPE or blocks signals must not pass that on. */
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Its own group is not the terminal's foreground group: reading the
	 * terminal would stop it, so stdin is /dev/null. */
	if (devnull >= 0)
		dup2(devnull, STDIN_FILENO);
	if (out >= 0)
		dup2(out, STDOUT_FILENO);
	if (err >= 0)
		dup2(err, STDERR_FILENO);
	if (o->cwd && chdir(o->cwd)) {
		f.stage = STAGE_CWD;
		f.err = errno;
	} else {
		environ = env;	/* so execvp searches the child's PATH */
		execvp(argv[0], argv);
		f.stage = STAGE_EXEC;
		f.err = errno;
	}
	ssize_t w = write(report, &f, sizeof(f));
	(void)w;
	_exit(127);
}

/* Reads what is there from S; returns false at end of file. */
static bool stream_read(struct stream *s)
{
	char scratch[65536];
	for (;;) {
		char *dst = scratch;
		size_t room = sizeof(scratch);
		if (s->len < s->limit) {
			if (s->cap - s->len < 1 + 65536 && s->cap < s->limit + 1) {
				size_t cap = s->cap ? 2 * s->cap : 65536;
				if (cap > s->limit + 1)
					cap = s->limit + 1;
				char *b = kit_xrealloc(s->buf, cap);
				s->buf = b;
				s->cap = cap;
			}
			dst = s->buf + s->len;
			room = s->cap - 1 - s->len;	/* keep a byte for the NUL */
		}
		ssize_t got = read(s->fd, dst, room);
		if (got > 0) {
			if (dst != scratch)
				s->len += (size_t)got;
			continue;
		}
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && errno == EAGAIN)
			return true;
		close(s->fd);	/* end of file, or an error: nothing more to read */
		s->fd = -1;
		return false;
	}
}

static char *stream_take(struct stream *s)
{
	if (s->fd >= 0)
		close(s->fd);
	if (!s->buf) {
		s->buf = kit_xmalloc(1);
	}
	s->buf[s->len] = '\0';
	char *b = s->buf;
	s->buf = NULL;
	return b;
}

/* A descriptor that becomes readable when PID exits, or -1 (old kernel). */
static int pid_fd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

/* True when PID has exited; it stays a zombie (WNOWAIT), so its pid, which is
 * also the group's id, cannot be reused before the group is killed. */
static bool has_exited(pid_t pid)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT)) {
		if (errno != EINTR)
			return true;	/* ECHILD: someone else reaped it */
	}
	return si.si_pid == pid;
}

/* Poll OUT and ERR (and PIDFD) for at most MS milliseconds and read them. */
static void wait_some(struct stream *s, int pidfd, int ms)
{
	struct pollfd p[3];
	nfds_t n = 0;
	for (int i = 0; i < 2; i++)
		if (s[i].fd >= 0)
			p[n++] = (struct pollfd){ .fd = s[i].fd, .events = POLLIN };
	if (pidfd >= 0)
		p[n++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	if (poll(p, n, ms) <= 0)
		return;
	for (int i = 0; i < 2; i++)
		if (s[i].fd >= 0)
			stream_read(&s[i]);
}

int kit_proc_run(char *const argv[], const kit_proc_opts *opts, kit_proc_result *r)
{
	static const kit_proc_opts none = { 0 };
	const kit_proc_opts *o = opts ? opts : &none;
	int report[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	struct stream s[2] = { { .fd = -1 }, { .fd = -1 } };
	int devnull = -1, pidfd = -1;

	memset(r, 0, sizeof(*r));
	r->timeout = o->timeout;
	if (!argv || !argv[0] || !argv[0][0]) {
		kit_error("could not start a process: no command was given");
		return -1;
	}
	if (pipe2(report, O_CLOEXEC) ||
	    (o->capture && (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)))) {
		kit_error("could not start '%s': cannot make a pipe: %s", argv[0], strerror(errno));
		goto fail;
	}
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	char **env = build_env(o->setenv);

	double t0 = kit_wtime();
	pid_t pid = fork();
	if (pid == 0)
		child(argv, o, env, report[1], devnull, out[1], err[1]);
	int fork_errno = errno;
	free(env);
	if (devnull >= 0)
		close(devnull);
	close(report[1]);
	report[1] = -1;
	if (pid < 0) {
		kit_error("could not start '%s': fork failed: %s", argv[0], strerror(fork_errno));
		goto fail;
	}
	/* The child does this too; whichever runs first wins the race with a
	 * kill(-pid). EACCES: it has exec'd, so it already did it itself. */
	setpgid(pid, pid);

	/* End of file on the report pipe: exec succeeded (close-on-exec). */
	struct exec_failure f;
	ssize_t got;
	while ((got = read(report[0], &f, sizeof(f))) < 0 && errno == EINTR)
		;
	close(report[0]);
	report[0] = -1;
	if (got == (ssize_t)sizeof(f)) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		if (f.stage == STAGE_CWD)
			kit_error("could not start '%s': cannot enter folder '%s': %s", argv[0],
				  o->cwd, strerror(f.err));
		else
			kit_error("could not start '%s': %s", argv[0], strerror(f.err));
		goto fail;
	}
	r->started = true;
	guard_begin(pid);

	if (o->capture) {
		size_t limit = o->capture_limit ? o->capture_limit : DEFAULT_CAPTURE;
		close(out[1]);
		close(err[1]);
		out[1] = err[1] = -1;
		s[0] = (struct stream){ .fd = out[0], .limit = limit };
		s[1] = (struct stream){ .fd = err[0], .limit = limit };
		out[0] = err[0] = -1;
		for (int i = 0; i < 2; i++)
			fcntl(s[i].fd, F_SETFL, fcntl(s[i].fd, F_GETFL) | O_NONBLOCK);
	}
	pidfd = pid_fd(pid);

	/* Wait for the exit, reading output, enforcing the time limit. */
	double deadline = o->timeout > 0 ? t0 + o->timeout : INFINITY;
	double kill_at = INFINITY;
	for (;;) {
		if (has_exited(pid))
			break;
		double now = kit_wtime();
		if (now >= deadline && !r->timed_out) {
			r->timed_out = true;
			kill(-pid, SIGTERM);
			kill_at = now + KILL_GRACE;
		}
		if (now >= kill_at) {
			kill(-pid, SIGKILL);
			kill_at = INFINITY;
		}
		double next = r->timed_out ? kill_at : deadline;
		/* Without a pidfd, look at the child every 10 ms. */
		int ms = pidfd >= 0 ? -1 : 10;
		if (isfinite(next)) {
			double left = ceil((next - now) * 1000.0);
			if (ms < 0 || left < ms)
				ms = left < 0 ? 0 : (int)left;
		}
		wait_some(s, pidfd, ms);
	}
	r->wall = kit_wtime() - t0;

	/* Whatever it left behind dies with it; its pid is still reserved. */
	kill(-pid, SIGKILL);
	int status = 0;
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
		;
	guard_end();
	r->user = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec;
	r->sys = (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
	if (WIFSIGNALED(status))
		r->signal = WTERMSIG(status);
	else
		r->exit_code = WEXITSTATUS(status);

	/* Collect what is still in the pipes, until end of file (every writer
	 * is dead) or, if something escaped the group, a short while. */
	if (o->capture) {
		double stop = kit_wtime() + DRAIN_TIME;
		while (s[0].fd >= 0 || s[1].fd >= 0) {
			double left = stop - kit_wtime();
			if (left <= 0)
				break;
			wait_some(s, -1, (int)ceil(left * 1000.0));
		}
		r->out = stream_take(&s[0]);
		r->err = stream_take(&s[1]);
	}
	if (pidfd >= 0)
		close(pidfd);
	return 0;

fail:
	for (int i = 0; i < 2; i++) {
		if (report[i] >= 0)
			close(report[i]);
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	r->started = false;
	return -1;
}

void kit_proc_result_free(kit_proc_result *r)
{
	if (!r)
		return;
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

/* What a signal usually means to someone running a program they wrote. */
static const struct {
	int sig;
	const char *name, *meaning;
} signals[] = {
	{ SIGSEGV, "SIGSEGV", "segmentation fault" },
	{ SIGABRT, "SIGABRT", "abort, e.g. a failed assert or a sanitizer report" },
	{ SIGFPE, "SIGFPE", "arithmetic error, e.g. an integer division by zero" },
	{ SIGBUS, "SIGBUS", "bus error: a misaligned or unmapped access" },
	{ SIGILL, "SIGILL", "illegal instruction, e.g. built with -march=native for another CPU" },
	{ SIGKILL, "SIGKILL", "killed, e.g. by the out-of-memory killer" },
	{ SIGTERM, "SIGTERM", "terminated" },
	{ SIGINT, "SIGINT", "interrupted" },
	{ SIGHUP, "SIGHUP", "hang-up" },
	{ SIGQUIT, "SIGQUIT", "quit" },
	{ SIGPIPE, "SIGPIPE", "broken pipe: wrote to a reader that had gone" },
	{ SIGXCPU, "SIGXCPU", "CPU time limit exceeded" },
	{ SIGTRAP, "SIGTRAP", "trace trap, e.g. __builtin_trap or a debugger breakpoint" },
	{ SIGALRM, "SIGALRM", "alarm clock" },
	{ SIGUSR1, "SIGUSR1", "user signal 1" },
	{ SIGUSR2, "SIGUSR2", "user signal 2" },
};

const char *kit_proc_describe(const kit_proc_result *r)
{
	static char buf[160];
	if (!r->started)
		return "could not start";
	if (r->timed_out) {
		snprintf(buf, sizeof(buf), "timed out after %g s", r->timeout);
		return buf;
	}
	if (!r->signal) {
		snprintf(buf, sizeof(buf), "exit %d", r->exit_code);
		return buf;
	}
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		if (signals[i].sig == r->signal) {
			snprintf(buf, sizeof(buf), "killed by %s (%s)", signals[i].name,
				 signals[i].meaning);
			return buf;
		}
	}
	snprintf(buf, sizeof(buf), "killed by signal %d (%s)", r->signal, strsignal(r->signal));
	return buf;
}
