/*
 * test_proc.c - kit_proc_run (src/proc.c) against real processes: exit codes,
 * signals, time-outs that kill the whole process group, output capture under
 * a chatty child, start failures, the child's environment and folder.
 * TAP on stdout; meson test --suite proc.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kit.h"
#include "tap.h"
#include "testutil.h"

static kit_proc_result run(const char *cmd, const kit_proc_opts *o, int *rc)
{
	char *argv[] = { "sh", "-c", (char *)cmd, NULL };
	kit_proc_result r;
	*rc = kit_proc_run(argv, o, &r);
	return r;
}

/* The state letter of process PID from /proc, or 0 when it does not exist. */
static char proc_state(long pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/* Processes of group PGID that are still alive (zombies count as gone). */
static int group_alive(long pgid)
{
	int alive = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		char path[300], buf[512];
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		int fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		char state;
		long ppid, pgrp;
		const char *p = strrchr(buf, ')');
		if (p && sscanf(p + 1, " %c %ld %ld", &state, &ppid, &pgrp) == 3 &&
		    pgrp == pgid && state != 'Z' && state != 'X')
			alive++;
	}
	if (d)
		closedir(d);
	return alive;
}

/* A killed process is reaped by init a moment later: allow it 1 s. */
static bool gone(long pid)
{
	for (int i = 0; i < 100; i++) {
		char st = proc_state(pid);
		if (st == 0 || st == 'Z' || st == 'X')
			return true;
		usleep(10000);
	}
	return false;
}

/* Runs ARGV with stderr sent to a temporary file; returns what was printed. */
static char *stderr_of(char *const argv[], const kit_proc_opts *o, int *rc,
		       kit_proc_result *r)
{
	static char text[4096];
	char path[] = "/tmp/test_proc.XXXXXX";
	int fd = mkstemp(path);
	int saved = dup(STDERR_FILENO);
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	*rc = kit_proc_run(argv, o, r);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
	text[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return text;
}

int main(void)
{
	kit_proc_opts cap = { .capture = true };
	kit_proc_result r;
	int rc;

	/* Exit codes */
	r = run("exit 0", NULL, &rc);
	ok(rc == 0 && r.started && r.exit_code == 0 && r.signal == 0, "exit 0 runs");
	ok(!strcmp(kit_proc_describe(&r), "exit 0"), "describe: exit 0");
	ok(r.out == NULL && r.err == NULL, "nothing captured unless asked");
	kit_proc_result_free(&r);
	r = run("exit 3", NULL, &rc);
	ok(rc == 0 && r.exit_code == 3 && !r.timed_out, "exit 3 is a run, not a failure to start");
	ok(!strcmp(kit_proc_describe(&r), "exit 3"), "describe: exit 3");
	kit_proc_result_free(&r);

	/* A crash reports its signal */
	r = run("kill -SEGV $$", NULL, &rc);
	ok(rc == 0 && r.signal == SIGSEGV, "a crash reports SIGSEGV");
	ok(!strcmp(kit_proc_describe(&r), "killed by SIGSEGV (segmentation fault)"),
	   "describe: killed by SIGSEGV (segmentation fault)");
	kit_proc_result_free(&r);
	r = run("kill -ABRT $$", NULL, &rc);
	ok(r.signal == SIGABRT && strstr(kit_proc_describe(&r), "SIGABRT (abort"),
	   "describe names SIGABRT as an abort");
	kit_proc_result_free(&r);

	/* Wall and CPU time */
	r = run("sleep 0.2", NULL, &rc);
	ok(r.wall >= 0.19 && r.wall < 10, "wall time of sleep 0.2 is about 0.2 s (not seconds)");
	kit_proc_result_free(&r);
	r = run("i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done", NULL, &rc);
	ok(r.user + r.sys > 0.01 && r.user + r.sys <= r.wall + 0.05,
	   "CPU time of a busy child comes back from wait4");
	kit_proc_result_free(&r);

	/* Time-out kills the whole group, grandchildren included */
	kit_proc_opts to = { .timeout = 0.5, .capture = true };
	double t0 = kit_wtime();
	r = run("echo $$ $!; sleep 30", &to, &rc);
	ok(rc == 0 && r.timed_out && kit_wtime() - t0 < 15, "sleep 30 with a 0.5 s limit stops long before 30 s");
	ok(!strcmp(kit_proc_describe(&r), "timed out after 0.5 s"), "describe: timed out after 0.5 s");
	kit_proc_result_free(&r);

	r = run("sleep 30 & echo $$ $!; sleep 30", &to, &rc);
	long pgid = 0, grandchild = 0;
	ok(r.out && sscanf(r.out, "%ld %ld", &pgid, &grandchild) == 2 && r.timed_out,
	   "time-out: the shell's pid and its background sleep's pid were captured");
	ok(grandchild > 0 && gone(grandchild), "time-out: the grandchild is gone too");
	ok(pgid > 0 && group_alive(pgid) == 0, "time-out: no process of the group is left");
	kit_proc_result_free(&r);

	/* A child that ignores SIGTERM gets SIGKILL after 1 s */
	t0 = kit_wtime();
	r = run("trap '' TERM; sleep 30", &to, &rc);
	double took = kit_wtime() - t0;
	ok(r.timed_out && r.signal == SIGKILL && took > 1.3 && took < 15,
	   "a child that ignores SIGTERM is killed 1 s later");
	kit_proc_result_free(&r);

	/* A child that exits leaving a grandchild behind: it dies, and the run
	 * returns at once, although the grandchild held the output pipe. */
	t0 = kit_wtime();
	r = run("sleep 30 & echo $!", &cap, &rc);
	grandchild = 0;
	ok(rc == 0 && r.exit_code == 0 && kit_wtime() - t0 < 15,
	   "a grandchild holding stdout does not keep the run waiting");
	ok(r.out && sscanf(r.out, "%ld", &grandchild) == 1 && gone(grandchild),
	   "a grandchild left behind after a normal exit is killed");
	kit_proc_result_free(&r);

	/* Capture */
	r = run("printf 'hello\\n'; printf 'oops' >&2; exit 4", &cap, &rc);
	ok(r.out && !strcmp(r.out, "hello\n") && r.err && !strcmp(r.err, "oops") &&
	   r.exit_code == 4, "stdout and stderr captured separately");
	kit_proc_result_free(&r);
	r = run("true", &cap, &rc);
	ok(r.out && r.out[0] == '\0' && r.err && r.err[0] == '\0', "empty output is an empty string");
	kit_proc_result_free(&r);

	/* A chatty child: 4 MB on each stream, interleaved, must not deadlock. */
	kit_proc_opts big = { .capture = true, .timeout = 20 };
	r = run("i=0; while [ $i -lt 4 ]; do head -c 1000000 /dev/zero; "
		"head -c 1000000 /dev/zero >&2; i=$((i+1)); done", &big, &rc);
	ok(rc == 0 && !r.timed_out && r.exit_code == 0, "4 MB on each stream: no deadlock");
	ok(r.out && r.err && r.out[1048576] == '\0' && r.err[1048576] == '\0',
	   "default capture keeps 1 MiB per stream");
	kit_proc_result_free(&r);
	kit_proc_opts small = { .capture = true, .capture_limit = 1000, .timeout = 20 };
	r = run("yes 0123456789 | head -c 3000000", &small, &rc);
	ok(r.exit_code == 0 && r.out && strlen(r.out) == 1000 &&
	   !strncmp(r.out, "0123456789\n0123456789\n", 22),
	   "capture_limit 1000 keeps the first 1000 bytes, the rest is drained");
	kit_proc_result_free(&r);

	/* A missing command fails to start with a clear error */
	char *missing[] = { "nosuchcmd-ompkit", "x", NULL };
	char *msg = stderr_of(missing, &cap, &rc, &r);
	ok(rc == -1 && !r.started, "a missing command does not start (-1, started false)");
	ok(strstr(msg, "could not start 'nosuchcmd-ompkit': No such file or directory") &&
	   count_lines(msg) == 1, "one line: could not start 'nosuchcmd-ompkit': No such file or directory");
	ok(!strcmp(kit_proc_describe(&r), "could not start"), "describe: could not start");
	ok(r.out == NULL && r.err == NULL, "nothing captured when it did not start");
	kit_proc_result_free(&r);

	char plain[] = "/tmp/test_proc_plain.XXXXXX";
	int pfd = mkstemp(plain);
	if (pfd >= 0) {
		fchmod(pfd, 0644);
		close(pfd);
	}
	char *notexec[] = { plain, NULL };
	msg = stderr_of(notexec, NULL, &rc, &r);
	ok(rc == -1 && strstr(msg, "Permission denied"), "a file that is not executable: Permission denied");
	unlink(plain);
	kit_proc_result_free(&r);

	kit_proc_opts badcwd = { .cwd = "/nonexistent-ompkit" };
	char *pwd[] = { "pwd", NULL };
	msg = stderr_of(pwd, &badcwd, &rc, &r);
	ok(rc == -1 && strstr(msg, "cannot enter folder '/nonexistent-ompkit'"),
	   "a missing working folder is named");
	kit_proc_result_free(&r);

	/* Environment and working folder */
	const char *env[] = { "KIT_PROC_T=a b=c", "HOME=/kit-home", NULL };
	setenv("HOME", "/before", 1);
	kit_proc_opts eo = { .capture = true, .setenv = env, .cwd = "/" };
	r = run("printf '%s|%s|%s' \"$KIT_PROC_T\" \"$HOME\" \"$(pwd)\"", &eo, &rc);
	ok(r.out && !strcmp(r.out, "a b=c|/kit-home|/"), "setenv reaches the child, overrides, and cwd applies");
	ok(!strcmp(getenv("HOME"), "/before") && !getenv("KIT_PROC_T"),
	   "the parent's environment is unchanged");
	kit_proc_result_free(&r);

	/* The child's stdin is /dev/null: a read does not hang. */
	kit_proc_opts rd = { .capture = true, .timeout = 5 };
	r = run("cat; echo done", &rd, &rc);
	ok(!r.timed_out && r.out && !strcmp(r.out, "done\n"), "stdin is /dev/null");
	kit_proc_result_free(&r);

	return tap_done();
}
