/*
 * sandbox.c - where student code runs (grade.h), and how it is ended.
 *
 * As root (Gradescope, CI, an instructor's machine) student builds and runs
 * happen as an unprivileged uid of the session's own (no account, no other
 * process; "nobody" inside the sandbox): in Debian's bubblewrap when it works here
 * (read-only view of the system, private /tmp, no network, own process
 * namespace, only the work folder writable), else as the bare uid. Not as
 * root (a student's own ./kit check) the grader is a child subreaper: every
 * process a run leaves behind, whatever session it moved to, becomes the
 * grader's child and is killed. Either way each run gets a clean environment
 * (only what the item sets), limits on CPU time, address space, processes and
 * file size, its output in files only the grader reads, a time limit, and
 * afterwards every process below the grader (and as root every process of
 * the uid) is killed and reaped. docs/grading.md states the threat model.
 *
 * Between fork() and exec() the child calls only async-signal-safe functions.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <pwd.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "grade.h"

#define SANDBOX_UID_BASE 61000	/* a uid of its own per grading session ... */
#define SANDBOX_UID_SPAN 3000	/* ... from this range, in no passwd entry */
#define BWRAP "/usr/bin/bwrap"
#define OUTPUT_KEPT (1024 * 1024)	/* bytes of stdout and stderr read back */
#define FILE_LIMIT (256.0 * 1024 * 1024)	/* RLIMIT_FSIZE */
#define AS_LIMIT (8.0 * 1024 * 1024 * 1024)	/* RLIMIT_AS */
#define PROC_LIMIT 512		/* RLIMIT_NPROC above what the uid had */
#define POLL_MS 20		/* a look at the threads while a run goes */
#define SCAN_EVERY 5		/* a look for new processes every 5 polls */

const char *const sandbox_name[] = {
	"bubblewrap as an unprivileged uid (read-only system, private /tmp, no network, own pid namespace)",
	"an unprivileged uid without bubblewrap",
	"a child subreaper (not root: runs as you)",
	"none (KIT_SANDBOX=none)",
};

static pid_t *processes_of(uid_t uid, size_t *n);

/* ------------------------------------------------------------------------
 * Signals sent by student code are ignored; others end the run and the grader
 */

static volatile pid_t known[64];	/* processes of the current run */
static volatile sig_atomic_t nknown;
static volatile uid_t student_uid = (uid_t)-1;
static const int guarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM };

static void on_signal(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	if (si && si->si_code <= 0) {	/* sent by a process (kill, sigqueue) */
		if (student_uid != (uid_t)-1 && si->si_uid == student_uid)
			return;
		for (int i = 0; i < nknown; i++)
			if (known[i] == si->si_pid)
				return;
	}
	for (int i = 0; i < nknown; i++)
		if (known[i] > 0)
			kill(known[i], SIGKILL);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void remember(pid_t pid)
{
	for (int i = 0; i < nknown; i++)
		if (known[i] == pid)
			return;
	if (nknown < (int)(sizeof(known) / sizeof(known[0]))) {
		known[nknown] = pid;
		nknown = nknown + 1;
	}
}

/* ------------------------------------------------------------------------
 * Choosing the sandbox
 */

/* True when bubblewrap runs /bin/true as the sandbox uid here. */
static bool bwrap_works(const sandbox *sb, char **why)
{
	if (access(BWRAP, X_OK)) {
		*why = kit_xstrdup("bubblewrap is not installed (apt-get install bubblewrap)");
		return false;
	}
	pid_t pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		if (setgroups(0, NULL) || setgid(sb->gid) || setuid(sb->uid))
			_exit(126);
		char *argv[] = { BWRAP, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
				 "--tmpfs", "/tmp", "--unshare-user", "--uid", "65534", "--gid",
				 "65534", "--unshare-pid", "--unshare-net", "--die-with-parent",
				 "/bin/true", NULL };
		char *env[] = { "PATH=/usr/bin:/bin", NULL };
		execve(BWRAP, argv, env);
		_exit(127);
	}
	int st = 0;
	bool ran = pid > 0 && waitpid(pid, &st, 0) == pid;
	for (int i = 0; i < 200; i++) {	/* its namespace's init comes back to us */
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		size_t n;
		free(descendants(&n));
		if (!n)
			break;
		usleep(5000);
	}
	if (!ran || !WIFEXITED(st) || WEXITSTATUS(st)) {
		*why = kit_xstrdup("bubblewrap cannot make a sandbox here (user namespaces may be "
				   "off: sysctl kernel.unprivileged_userns_clone=1)");
		return false;
	}
	return true;
}

/* The sandbox uid: KIT_SANDBOX_UID, else one of SANDBOX_UID_BASE + 0 ...
 * SPAN - 1 that no account names and no process runs as, so that killing
 * "every process of the uid" touches this session's student code only (two
 * graders on one machine do not kill each other's runs). */
static uid_t pick_uid(void)
{
	const char *env = getenv("KIT_SANDBOX_UID");
	if (env && atoi(env) > 0)
		return (uid_t)atoi(env);
	uid_t start = SANDBOX_UID_BASE + (uid_t)(getpid() % SANDBOX_UID_SPAN);
	for (uid_t k = 0; k < SANDBOX_UID_SPAN; k++) {
		uid_t u = SANDBOX_UID_BASE + (start - SANDBOX_UID_BASE + k) % SANDBOX_UID_SPAN;
		size_t n;
		free(processes_of(u, &n));
		if (!n && !getpwuid(u) && !getgrgid(u))
			return u;
	}
	return 65534;
}

void sandbox_init(sandbox *sb, int cpus, bool sanitized)
{
	memset(sb, 0, sizeof(*sb));
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	sb->cpus = cpus;
	sb->sanitized = sanitized;
	sb->uid = getuid();
	sb->gid = getgid();
	const char *force = getenv("KIT_SANDBOX");
	bool root = geteuid() == 0;
	if (force && !strcmp(force, "none"))
		sb->kind = SB_NONE;
	else if (!root || (force && !strcmp(force, "subreaper")))
		sb->kind = SB_SUBREAPER;
	else if (force && !strcmp(force, "nobody"))
		sb->kind = SB_NOBODY;
	else
		sb->kind = SB_BWRAP;
	if (root && sb->kind != SB_NONE) {
		/* forced subreaper as root (tests) too: never root's code */
		sb->uid = sb->gid = pick_uid();
		student_uid = sb->uid;
	}
	if (sb->kind == SB_BWRAP && !bwrap_works(sb, &sb->why))
		sb->kind = SB_NOBODY;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(guarded) / sizeof(guarded[0]); i++)
		sigaction(guarded[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

void sandbox_free(sandbox *sb)
{
	for (size_t i = 0; i < sb->nro; i++)
		free(sb->ro[i]);
	free(sb->ro);
	free(sb->why);
	sb->ro = NULL;
	sb->nro = 0;
	for (size_t i = 0; i < sb->nhidden; i++)
		free(sb->hidden[i]);
	free(sb->hidden);
	sb->hidden = NULL;
	sb->nhidden = 0;
	sb->why = NULL;
}

/* True when the sandbox uid can reach PATH (every folder above it searchable). */
static bool reachable(const sandbox *sb, const char *path)
{
	if (geteuid() != 0 || sb->uid == 0)
		return true;
	pid_t p = fork();
	if (p == 0)
		_exit(setgroups(0, NULL) || setgid(sb->gid) || setuid(sb->uid) ||
		      access(path, X_OK) ? 1 : 0);
	int st = 0;
	return p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

char *sandbox_first_unreachable(const sandbox *sb, const char *const *paths, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!paths[i])
			continue;
		/* a folder still to be made (a new --workdir): its nearest existing parent */
		char *up = kit_xstrdup(paths[i]), *real, *slash;
		while (!(real = realpath(up, NULL)) && (slash = strrchr(up, '/')) && slash != up)
			*slash = 0;
		free(up);
		if (real && !reachable(sb, real))
			return real;
		free(real);
	}
	return NULL;
}

bool sandbox_caller_if_unreachable(sandbox *sb, const char *const *paths, size_t n)
{
	if (geteuid() != 0 || sb->uid == 0 || getenv("KIT_SANDBOX"))
		return false;
	for (size_t i = 0; i < n; i++) {
		char *real = paths[i] ? realpath(paths[i], NULL) : NULL;
		bool ok = !real || reachable(sb, real);
		if (!ok) {
			free(sb->why);
			sb->why = kit_xasprintf("your code ran as you (root): an unprivileged user "
						"cannot reach %s; for grading, make the folders "
						"above it searchable by others (chmod o+x)", real);
			free(real);
			sb->kind = SB_SUBREAPER;
			sb->uid = getuid();
			sb->gid = getgid();
			student_uid = (uid_t)-1;
			return true;
		}
		free(real);
	}
	return false;
}

void sandbox_add_ro(sandbox *sb, const char *path)
{
	char *real = realpath(path, NULL);
	if (!real)
		return;
	if (!reachable(sb, real))
		kit_warn("the sandbox user (uid %d) cannot reach '%s': student code run from or "
			 "reading it will fail; make every folder above it searchable by others "
			 "(chmod o+x)", (int)sb->uid, real);
	for (size_t i = 0; i < sb->nro; i++)
		if (!strcmp(sb->ro[i], real)) {
			free(real);
			return;
		}
	sb->ro = kit_xrealloc(sb->ro, (sb->nro + 1) * sizeof(char *));
	sb->ro[sb->nro++] = real;
}

void sandbox_hide(sandbox *sb, const char *path)
{
	char *real = realpath(path, NULL);
	struct stat st;
	if (!real || stat(real, &st) || !S_ISDIR(st.st_mode)) {
		free(real);
		return;
	}
	sb->hidden = kit_xrealloc(sb->hidden, (sb->nhidden + 1) * sizeof(char *));
	sb->hidden[sb->nhidden++] = real;
}

int sandbox_own(const sandbox *sb, const char *path)
{
	if (mkdir(path, 0700) && errno != EEXIST) {
		kit_error("cannot create the folder '%s': %s", path, strerror(errno));
		return -1;
	}
	if (geteuid() == 0 && sb->uid != 0 && chown(path, sb->uid, sb->gid)) {
		kit_error("cannot give '%s' to uid %d: %s", path, (int)sb->uid, strerror(errno));
		return -1;
	}
	return 0;
}

static uid_t own_uid;
static gid_t own_gid;
static int chown_entry(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return lchown(p, own_uid, own_gid) ? -1 : 0;
}

int sandbox_own_tree(const sandbox *sb, const char *path)
{
	if (geteuid() != 0 || sb->uid == 0)
		return 0;
	own_uid = sb->uid;
	own_gid = sb->gid;
	if (nftw(path, chown_entry, 32, FTW_PHYS)) {
		kit_error("cannot give '%s' to uid %d: %s", path, (int)sb->uid, strerror(errno));
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * Ending everything a run started
 */

/* Pids of every process of UID (any of its real, effective, saved ids). */
static pid_t *processes_of(uid_t uid, size_t *n)
{
	*n = 0;
	size_t cap = 64;
	pid_t *v = kit_xmalloc(cap * sizeof(*v));
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		char path[300], buf[2048];
		snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t got = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (got <= 0)
			continue;
		buf[got] = 0;
		char *u = strstr(buf, "\nUid:");
		unsigned r, ef, sv;
		if (!u || sscanf(u + 5, "%u %u %u", &r, &ef, &sv) != 3)
			continue;
		if (r != uid && ef != uid && sv != uid)
			continue;
		if (*n == cap) {
			cap *= 2;
			v = kit_xrealloc(v, cap * sizeof(*v));
		}
		v[(*n)++] = (pid_t)atoi(e->d_name);
	}
	if (d)
		closedir(d);
	return v;
}

static double cpu_of(const struct rusage *ru)
{
	return (double)ru->ru_utime.tv_sec + 1e-6 * (double)ru->ru_utime.tv_usec +
	       (double)ru->ru_stime.tv_sec + 1e-6 * (double)ru->ru_stime.tv_usec;
}

/* Reaps every child that has ended, except KEEP (0: none kept); adds their
 * CPU time to *CPU (may be NULL). */
static void reap_all(pid_t keep, double *cpu)
{
	struct rusage ru;
	int st;
	pid_t p;
	if (!keep) {
		while ((p = wait4(-1, &st, WNOHANG, &ru)) > 0)
			if (cpu)
				*cpu += cpu_of(&ru);
		return;
	}
	size_t n;
	pid_t *d = descendants(&n);
	for (size_t i = 0; i < n; i++)
		if (d[i] != keep && wait4(d[i], &st, WNOHANG, &ru) > 0 && cpu)
			*cpu += cpu_of(&ru);
	free(d);
}

/* As root: a helper process of the sandbox uid sends SIGKILL to every
 * process of that uid (kill -1), again and again until none is left: a fork
 * bomb cannot outrun it. Not as root this cannot be done (it would be the
 * user's own session); the scan below does it. */
static void kill_uid(const sandbox *sb)
{
	if (sb->kind != SB_BWRAP && sb->kind != SB_NOBODY)
		return;
	pid_t h = fork();
	if (h == 0) {
		if (setgroups(0, NULL) || setgid(sb->gid) || setuid(sb->uid))
			_exit(1);
		/* zombies count as signalled: a few passes, not until ESRCH */
		for (int i = 0; i < 50; i++) {
			if (kill(-1, SIGKILL) && errno == ESRCH)
				break;
			usleep(200);
		}
		_exit(0);
	}
	if (h > 0)
		while (waitpid(h, NULL, 0) < 0 && errno == EINTR)
			;
}

/* Kills everything below the grader except KEEP (a zombie kept for its
 * rusage) and, as root, every process of the sandbox uid, until none is
 * left. Returns how many it killed. */
/* The state letter of PID ('R', 'S', 'T', 'Z', ...), or 0 when it is gone. */
static char state_of(pid_t pid)
{
	char path[64], st = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%*d %*[^)]) %c", &st) != 1)
			st = 0;
		fclose(f);
	}
	return st;
}

/* Sends SIG to every live process below the grader (and, UID, of the
 * sandbox uid) but KEEP; returns how many were not yet stopped (STOPPING)
 * or alive. */
static int signal_all(const sandbox *sb, pid_t keep, int sig, bool stopping)
{
	size_t n, m = 0;
	pid_t *d = descendants(&n);
	pid_t *u = (sb->kind == SB_BWRAP || sb->kind == SB_NOBODY)
		   ? processes_of(sb->uid, &m) : kit_xcalloc(1, sizeof(pid_t));
	int count = 0;
	for (size_t i = 0; i < n + m; i++) {
		pid_t p = i < n ? d[i] : u[i - n];
		if (p == keep || p == getpid())
			continue;
		char st = state_of(p);
		if (!st || st == 'Z' || st == 'X' || (stopping && st == 'T'))
			continue;
		kill(p, sig);
		count++;
	}
	free(d);
	free(u);
	return count;
}

/* Kills everything below the grader except KEEP (a zombie kept for its
 * rusage) and, as root, every process of the sandbox uid, until none is
 * left: first every process is stopped (a stopped process cannot fork, so
 * a fork bomb stops growing), then killed. Returns how many it killed. */
static int kill_all(const sandbox *sb, pid_t keep, double *cpu)
{
	int killed = 0;
	kill_uid(sb);
	for (int round = 0; round < 100 && signal_all(sb, keep, SIGSTOP, true); round++)
		usleep(round < 10 ? 500 : 5000);
	for (int round = 0; round < 200; round++) {
		int alive = signal_all(sb, keep, SIGKILL, false);
		reap_all(keep, cpu);
		killed += alive;
		if (!alive)
			break;
		kill_uid(sb);
		usleep(round < 10 ? 1000 : 10000);
	}
	return killed;
}

/* Kills and reaps until nothing is left below the grader, zombies included:
 * an ending process namespace hands its last processes to the grader (the
 * subreaper) a moment after the run's own process ends. At most 2 s. */
static int settle(const sandbox *sb, double *cpu)
{
	int k = 0;
	for (int i = 0; i < 400; i++) {
		k += kill_all(sb, 0, cpu);
		reap_all(0, cpu);
		size_t n;
		free(descendants(&n));
		if (!n)
			break;
		usleep(5000);
	}
	return k;
}

int sandbox_sweep(const sandbox *sb)
{
	return settle(sb, NULL);
}

/* Files of the sandbox uid in the shared scratch folders, outside KEEP. */
static const char *sweep_keep;
static const sandbox *sweep_sb;
static uid_t sweep_uid;
/* True when P is the grader's own: the kept folder or one it binds for the
 * sandbox (its temporary folder, the work folder, the builds). The student's
 * build, owned by the sandbox uid, lives there when TMPDIR is /tmp. */
static bool sweep_spared(const char *p)
{
	if (sweep_keep && starts_with(p, sweep_keep))
		return true;
	for (size_t i = 0; sweep_sb && i < sweep_sb->nro; i++)
		if (starts_with(p, sweep_sb->ro[i]))
			return true;
	return false;
}

static int sweep_entry(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)f;
	if (sweep_spared(p))
		return 0;
	if (st->st_uid != sweep_uid)
		return 0;
	if (flag == FTW_DP)
		rmdir(p);
	else if (flag != FTW_D)
		unlink(p);
	return 0;
}

static void sweep_files(const sandbox *sb, const char *keep)
{
	if (sb->kind == SB_BWRAP || geteuid() != 0 || sb->uid == 0)
		return;	/* bubblewrap's /tmp is private; the rest is read-only there;
			 * not as root the files are the user's own */
	sweep_keep = keep;
	sweep_sb = sb;
	sweep_uid = sb->uid;
	static const char *const dirs[] = { "/tmp", "/var/tmp", "/dev/shm" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		nftw(dirs[i], sweep_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* ------------------------------------------------------------------------
 * One run
 */

/* True when PROG lies in a hidden folder: a reference program. */
static bool is_under_hidden(const sandbox *sb, const char *prog)
{
	char *real = realpath(prog, NULL);
	bool in = false;
	for (size_t i = 0; real && i < sb->nhidden && !in; i++) {
		size_t n = strlen(sb->hidden[i]);
		in = !strncmp(real, sb->hidden[i], n) && real[n] == '/';
	}
	free(real);
	return in;
}

/* The command line: bubblewrap's in front of O->argv, or O->argv itself. */
static char **full_argv(const sandbox *sb, const sb_opts *o)
{
	size_t n = 0;
	while (o->argv[n])
		n++;
	char **v = kit_xcalloc(n + 48 + 3 * sb->nro + 2 * sb->nhidden, sizeof(char *));
	size_t k = 0;
	if (sb->kind == SB_BWRAP) {
		static const char *const head[] = {
			BWRAP, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
			"--tmpfs", "/tmp", "--unshare-user", "--uid", "65534", "--gid", "65534",
			"--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
			"--die-with-parent", "--new-session", NULL };
		for (size_t i = 0; head[i]; i++)
			v[k++] = (char *)head[i];
		for (size_t i = 0; i < sb->nro; i++) {
			v[k++] = "--ro-bind";
			v[k++] = sb->ro[i];
			v[k++] = sb->ro[i];
		}
		/* the reference's own runs (timing, CPU for the same work) see it all */
		for (size_t i = 0; i < sb->nhidden && !is_under_hidden(sb, o->argv[0]); i++) {
			v[k++] = "--tmpfs";
			v[k++] = sb->hidden[i];
		}
		v[k++] = "--bind";
		v[k++] = (char *)o->work;
		v[k++] = (char *)o->work;
		v[k++] = "--chdir";
		v[k++] = (char *)o->work;
		v[k++] = "--";
	}
	for (size_t i = 0; i < n; i++)
		v[k++] = o->argv[i];
	v[k] = NULL;
	return v;
}

static void set_limit(int res, double v)
{
	rlim_t r = isfinite(v) && v < 1e18 ? (rlim_t)v : RLIM_INFINITY;
	struct rlimit l = { r, r };
	setrlimit(res, &l);
}

/* In the child, after fork: only async-signal-safe calls from here on. */
static void child(const sandbox *sb, const sb_opts *o, char **argv, int out, int err,
		  int report, rlim_t nproc)
{
	int e = 0;
	setpgid(0, 0);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < 32; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	int devnull = open("/dev/null", O_RDONLY);
	if (devnull >= 0)
		dup2(devnull, 0);
	dup2(out, 1);
	dup2(err, 2);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	set_limit(RLIMIT_CPU, o->timeout * (sb->cpus + 2) + 10);
	set_limit(RLIMIT_FSIZE, FILE_LIMIT);
	set_limit(RLIMIT_CORE, 0);
	if (!sb->sanitized && !o->no_as_limit)
		set_limit(RLIMIT_AS, AS_LIMIT);
	if (sb->kind != SB_NONE)
		set_limit(RLIMIT_NPROC, (double)nproc);
	if (geteuid() == 0 && sb->uid != 0) {
		if (setgroups(0, NULL) || setgid(sb->gid) || setuid(sb->uid) || setuid(0) == 0) {
			e = EPERM;
			goto fail;
		}
	}
	if (sb->kind != SB_BWRAP)
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (chdir(o->work)) {
		e = errno;
		goto fail;
	}
	execve(argv[0], argv, (char **)o->env);
	e = errno;
fail:;
	ssize_t w = write(report, &e, sizeof(e));
	(void)w;
	_exit(127);
}

/* How many processes below the grader, other than SKIP, are alive (not
 * zombies). */
static int alive_below(pid_t skip)
{
	size_t n;
	int alive = 0;
	pid_t *d = descendants(&n);
	for (size_t i = 0; i < n; i++) {
		char path[64], st = 0;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)d[i]);
		FILE *f = fopen(path, "re");
		if (f) {
			if (fscanf(f, "%*d %*[^)]) %c", &st) != 1)
				st = 0;
			fclose(f);
		}
		alive += d[i] != skip && st && st != 'Z';
	}
	free(d);
	return alive;
}

/* How many processes UID has now (not root: the limit counts them all). */
static size_t count_of(uid_t uid)
{
	size_t n;
	free(processes_of(uid, &n));
	return n;
}

static char *read_kept(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	kit_buf b = { 0 };
	if (fd >= 0) {
		char buf[65536];
		ssize_t n;
		while (b.len < OUTPUT_KEPT && (n = read(fd, buf, sizeof(buf))) > 0)
			kit_buf_add(&b, buf, (size_t)n);
		close(fd);
	}
	if (b.len > OUTPUT_KEPT) {
		b.len = OUTPUT_KEPT;
		b.s[b.len] = 0;
	}
	return b.s ? kit_buf_take(&b) : kit_xstrdup("");
}

int sandbox_run(const sandbox *sb, const sb_opts *o, sb_result *r)
{
	memset(r, 0, sizeof(*r));
	int out = open(o->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	int err = open(o->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	int report[2] = { -1, -1 };
	if (out < 0 || err < 0 || pipe2(report, O_CLOEXEC)) {
		kit_error("cannot make the output files of a run in %s: %s", o->out_path,
			  strerror(errno));
		if (out >= 0)
			close(out);
		if (err >= 0)
			close(err);
		return -1;
	}
	rlim_t nproc = PROC_LIMIT;
	if (sb->kind == SB_SUBREAPER)
		nproc += (rlim_t)count_of(sb->uid);
	char **argv = full_argv(sb, o);
	double t0 = kit_wtime();
	pid_t pid = fork();
	if (pid == 0)
		child(sb, o, argv, out, err, report[1], nproc);
	close(out);
	close(err);
	close(report[1]);
	free(argv);
	if (pid < 0) {
		close(report[0]);
		kit_error("could not start '%s': fork failed: %s", o->argv[0], strerror(errno));
		return -1;
	}
	nknown = 0;
	remember(pid);
	setpgid(pid, pid);
	int e = 0;
	ssize_t got;
	while ((got = read(report[0], &e, sizeof(e))) < 0 && errno == EINTR)
		;
	close(report[0]);
	if (got == (ssize_t)sizeof(e)) {
		waitpid(pid, NULL, 0);
		kit_error("could not start '%s' in the sandbox (%s): %s%s", o->argv[0],
			  sandbox_name[sb->kind], strerror(e),
			  e == EACCES ? "; the unprivileged user the grader runs code as must be "
			  "able to reach it: make the folders above it searchable by others "
			  "(chmod o+x), or move the kit out of /root" : "");
		return -1;
	}
	r->started = true;
	observer *obs = o->observe ? observe_begin() : NULL;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	double deadline = t0 + o->timeout;
	for (int tick = 0;; tick++) {
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		if (!waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) && si.si_pid == pid)
			break;
		double now = kit_wtime();
		if (now >= deadline) {
			r->timed_out = true;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			kill_all(sb, pid, NULL);
			continue;
		}
		if (obs) {
			observe_poll(obs, tick % SCAN_EVERY == 0);
		} else if (tick % SCAN_EVERY == 0) {
			size_t n;
			pid_t *d = descendants(&n);
			for (size_t i = 0; i < n; i++)
				remember(d[i]);
			free(d);
		}
		int ms = obs ? POLL_MS : 100;
		double left = (deadline - now) * 1000;
		if (left < ms)
			ms = left < 1 ? 1 : (int)left;
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		if (pidfd >= 0)
			poll(&p, 1, ms);
		else
			usleep((useconds_t)ms * 1000);
	}
	r->wall = kit_wtime() - t0;
	if (obs)
		observe_poll(obs, true);
	r->obs = obs;
	/* what is still alive below the grader a moment later outlived the
	 * program (bubblewrap's own init takes a few milliseconds to go) */
	for (int tries = 0; tries < 20 && (r->left = alive_below(pid)) > 0; tries++)
		usleep(5000);
	double orphans_cpu = 0;
	kill_all(sb, pid, &orphans_cpu);
	int status = 0;
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
		;
	settle(sb, &orphans_cpu);
	if (pidfd >= 0)
		close(pidfd);
	nknown = 0;
	sweep_files(sb, o->work);
	r->cpu = cpu_of(&ru) + orphans_cpu;
	r->peak_mb = (double)ru.ru_maxrss * 1024e-6;	/* KiB: the largest of what it reaped */
	if (WIFSIGNALED(status))
		r->signal = WTERMSIG(status);
	else
		r->exit_code = WEXITSTATUS(status);
	/* bubblewrap reports its program's signal as exit 128 + N */
	if (sb->kind == SB_BWRAP && !r->signal && r->exit_code > 128 && r->exit_code < 160) {
		r->signal = r->exit_code - 128;
		r->exit_code = 0;
	}
	r->out = read_kept(o->out_path);
	r->err = read_kept(o->err_path);
	return 0;
}

void sb_result_free(sb_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

const char *sb_describe(const sb_result *r, double timeout)
{
	kit_proc_result k = { .started = r->started, .timed_out = r->timed_out,
			      .exit_code = r->exit_code, .signal = r->signal,
			      .timeout = timeout };
	return kit_proc_describe(&k);
}
