/*
 * observe.c - watching a run from outside (grade.h): which processes are
 * below the grader, how much CPU time each of their threads used, and how
 * many bytes each process read.
 *
 * Everything is read from /proc: /proc/PID/stat for the parent of each
 * process (to find the grader's descendants, wherever they moved their
 * process group or session), /proc/PID/task/TID/stat for each thread's user
 * and system time, /proc/PID/io for the bytes a process read (rchar: every
 * read(), pread() and the like; pages of a mapped file are not counted, which
 * is how a run that maps its file tells itself from one that reads it),
 * /proc/PID/status for its peak resident memory (VmHWM: the kernel's
 * high-water mark, which only grows while the process lives). The largest
 * value seen per thread is kept, so a thread
 * that ended between two looks still counts with what it had done by the
 * last one. The clock is coarse (10 ms ticks): a span of 0.2 s of CPU work or
 * more tells busy threads from idle ones.
 *
 * Busy means "did a real share of the work": at least a fraction of the CPU
 * time of all threads divided by the number of threads asked for. A share,
 * not a time: on a loaded machine every thread of a parallel loop still
 * accumulates its share, only more slowly.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grade.h"

struct thread_seen {
	pid_t pid, tid;
	unsigned long long ticks;	/* utime + stime, the largest seen */
};

struct observer {
	pid_t self;
	pid_t *procs;			/* every process seen below self */
	unsigned long long *rchar;	/* each one's bytes read, the largest seen */
	unsigned long long *hwm;	/* each one's peak resident memory, KiB, the largest seen */
	size_t nprocs;
	bool io_seen;
	struct thread_seen *t;
	size_t nt, cap;
	long hz;
};

/* The start of /proc file PATH (one read: the kernel gives a small file
 * whole) into BUF of LEN bytes, NUL-terminated. 0, or -1 when it is gone. */
static int read_proc(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return 0;
}

/* Reads /proc/PATH's stat line: *PPID and *TICKS (utime + stime); *STATE.
 * 0, or -1 when it is gone or unreadable. */
static int read_stat(const char *path, pid_t *ppid, unsigned long long *ticks, char *state)
{
	char buf[1024];
	if (read_proc(path, buf, sizeof(buf)))
		return -1;
	/* the name is in parentheses and may hold anything: parse after the last ')' */
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	char st;
	int pp;
	unsigned long long ut = 0, sy = 0;
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
	if (sscanf(p + 1, " %c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &st, &pp, &ut,
		   &sy) != 4)
		return -1;
	if (ppid)
		*ppid = pp;
	if (ticks)
		*ticks = ut + sy;
	if (state)
		*state = st;
	return 0;
}

pid_t *descendants(size_t *n)
{
	*n = 0;
	DIR *d = opendir("/proc");
	if (!d)
		return kit_xcalloc(1, sizeof(pid_t));
	size_t cap = 256, all = 0;
	pid_t *pid = kit_xmalloc(cap * sizeof(*pid)), *par = kit_xmalloc(cap * sizeof(*par));
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		char path[300];
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		pid_t pp;
		if (read_stat(path, &pp, NULL, NULL))
			continue;
		if (all == cap) {
			cap *= 2;
			pid = kit_xrealloc(pid, cap * sizeof(*pid));
			par = kit_xrealloc(par, cap * sizeof(*par));
		}
		pid[all] = (pid_t)atoi(e->d_name);
		par[all++] = pp;
	}
	closedir(d);
	/* grow the set from this process down, to a fixed point */
	pid_t *out = kit_xmalloc((all + 1) * sizeof(*out));
	bool *in = kit_xcalloc(all + 1, sizeof(bool));
	pid_t self = getpid();
	for (bool grew = true; grew;) {
		grew = false;
		for (size_t i = 0; i < all; i++) {
			if (in[i])
				continue;
			bool below = par[i] == self;
			for (size_t k = 0; k < *n && !below; k++)
				below = par[i] == out[k];
			if (below) {
				in[i] = true;
				out[(*n)++] = pid[i];
				grew = true;
			}
		}
	}
	free(in);
	free(pid);
	free(par);
	return out;
}

observer *observe_begin(void)
{
	observer *o = kit_xcalloc(1, sizeof(*o));
	o->self = getpid();
	o->hz = sysconf(_SC_CLK_TCK);
	if (o->hz <= 0)
		o->hz = 100;
	return o;
}

static void note_thread(observer *o, pid_t pid, pid_t tid, unsigned long long ticks)
{
	for (size_t i = 0; i < o->nt; i++)
		if (o->t[i].tid == tid && o->t[i].pid == pid) {
			if (ticks > o->t[i].ticks)
				o->t[i].ticks = ticks;
			return;
		}
	if (o->nt == o->cap) {
		o->cap = o->cap ? 2 * o->cap : 64;
		o->t = kit_xrealloc(o->t, o->cap * sizeof(*o->t));
	}
	o->t[o->nt++] = (struct thread_seen){ pid, tid, ticks };
}

/* PID's bytes read so far (rchar: read, pread, readv ... whatever the
 * source; a mapped file's pages are not counted). 0 when unreadable. */
static int read_rchar(pid_t pid, unsigned long long *rchar)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
	return read_proc(path, buf, sizeof(buf)) ? -1 : sscanf(buf, "rchar: %llu", rchar) == 1 ? 0 : -1;
}

/* PID's peak resident memory so far (VmHWM of /proc/PID/status), KiB. 0,
 * or -1 when unreadable. */
static int read_hwm(pid_t pid, unsigned long long *kib)
{
	char path[64], buf[2048];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_proc(path, buf, sizeof(buf)))
		return -1;
	const char *p = strstr(buf, "\nVmHWM:");
	return p && sscanf(p, "\nVmHWM: %llu", kib) == 1 ? 0 : -1;
}

/* Reads every thread of process K; false when it is gone. */
static bool look_at(observer *o, size_t k)
{
	pid_t pid = o->procs[k];
	unsigned long long rc, kib;
	if (read_rchar(pid, &rc) == 0) {
		o->io_seen = true;
		if (rc > o->rchar[k])
			o->rchar[k] = rc;
	}
	if (read_hwm(pid, &kib) == 0 && kib > o->hwm[k])
		o->hwm[k] = kib;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return false;
	struct dirent *e;
	bool alive = false;
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		char sp[320];
		snprintf(sp, sizeof(sp), "/proc/%d/task/%s/stat", (int)pid, e->d_name);
		unsigned long long ticks;
		char st;
		if (read_stat(sp, NULL, &ticks, &st))
			continue;
		note_thread(o, pid, (pid_t)atoi(e->d_name), ticks);
		alive = alive || st != 'Z';
	}
	closedir(d);
	return alive;
}

int observe_poll(observer *o, bool full)
{
	if (full) {
		size_t n;
		pid_t *now = descendants(&n);
		for (size_t i = 0; i < n; i++) {
			bool known = false;
			for (size_t k = 0; k < o->nprocs && !known; k++)
				known = o->procs[k] == now[i];
			if (!known) {
				o->procs = kit_xrealloc(o->procs, (o->nprocs + 1) * sizeof(pid_t));
				o->rchar = kit_xrealloc(o->rchar, (o->nprocs + 1) * sizeof(*o->rchar));
				o->hwm = kit_xrealloc(o->hwm, (o->nprocs + 1) * sizeof(*o->hwm));
				o->rchar[o->nprocs] = 0;
				o->hwm[o->nprocs] = 0;
				o->procs[o->nprocs++] = now[i];
			}
		}
		free(now);
	}
	int alive = 0;
	for (size_t k = 0; k < o->nprocs; k++)
		alive += look_at(o, k);
	return alive;
}

void observe_end(observer *o, int expect, double fraction, observed *out)
{
	memset(out, 0, sizeof(*out));
	if (!o)
		return;
	unsigned long long total = 0, top = 0;
	for (size_t i = 0; i < o->nt; i++) {
		total += o->t[i].ticks;
		if (o->t[i].ticks > top)
			top = o->t[i].ticks;
	}
	out->cpu = (double)total / (double)o->hz;
	out->threads_seen = (int)o->nt;
	out->procs_seen = (int)o->nprocs;
	out->top_share = total ? (double)top / (double)total : 0;
	double fair = expect > 0 ? (double)total / expect : (double)total;
	for (size_t i = 0; i < o->nt; i++)
		out->busy_threads += total && o->t[i].ticks > 0 &&
				     (double)o->t[i].ticks >= fraction * fair;
	out->reads_seen = o->io_seen;
	/* processes: the sum of their threads */
	for (size_t k = 0; k < o->nprocs; k++) {
		out->read_bytes += (double)o->rchar[k];
		if ((double)o->hwm[k] * 1024e-6 > out->peak_mb)
			out->peak_mb = (double)o->hwm[k] * 1024e-6;
		unsigned long long p = 0;
		for (size_t i = 0; i < o->nt; i++)
			if (o->t[i].pid == o->procs[k])
				p += o->t[i].ticks;
		out->busy_procs += total && p > 0 && (double)p >= fraction * fair;
	}
	free(o->procs);
	free(o->rchar);
	free(o->hwm);
	free(o->t);
	free(o);
}
