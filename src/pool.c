/*
 * pool.c - fork, one pipe per worker, poll, reap (pool.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kit.h"
#include "pool.h"

/* Writes all LEN bytes of BUF to FD, retrying on EINTR; -1 on error. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* The child's side: run FN, send the record, never return. */
static void worker_main(int w, int nw, kit_pool_fn fn, void *arg, size_t size, int fd)
{
	char *rec = calloc(1, size);
	if (!rec)
		_exit(127);
	int rc = fn(w, nw, arg, rec);
	if (rc != 0)
		_exit((rc & 0x7f) ? (rc & 0x7f) : 1);
	_exit(write_all(fd, rec, size) ? 126 : 0);
}

/* Forks worker W; its pipe's read end goes to *RFD. -1 (errno set) on failure. */
static pid_t start(int w, int nw, kit_pool_fn fn, void *arg, size_t size, int *rfds,
		   int *rfd)
{
	int fd[2];
	if (pipe2(fd, O_CLOEXEC))
		return -1;
	fflush(NULL);	/* nothing buffered is written twice */
	pid_t parent = getpid(), pid = fork();
	if (pid < 0) {
		int e = errno;
		close(fd[0]);
		close(fd[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);	/* dies with the parent (SIGINT) */
		if (getppid() != parent)	/* it died before prctl */
			_exit(127);
		close(fd[0]);
		for (int k = 0; k < w; k++)	/* the earlier workers' read ends */
			if (rfds[k] >= 0)
				close(rfds[k]);
		signal(SIGPIPE, SIG_DFL);
		worker_main(w, nw, fn, arg, size, fd[1]);
	}
	close(fd[1]);
	*rfd = fd[0];
	return pid;
}

/* Reads what has arrived on worker W's pipe; closes it at end of file. */
static void drain(int *fd, char *rec, size_t size, size_t *got)
{
	char sink[4096];
	ssize_t r;
	do
		r = *got < size ? read(*fd, rec + *got, size - *got) : read(*fd, sink, sizeof(sink));
	while (r < 0 && errno == EINTR);
	if (r > 0 && *got < size)
		*got += (size_t)r;
	else if (r <= 0 && !(r < 0 && errno == EAGAIN)) {
		close(*fd);
		*fd = -1;
	}
}

/* Reads every pipe until each worker has closed its end. */
static void collect(int n, int *fds, char *records, size_t size, kit_pool_worker *rep)
{
	struct pollfd *p = kit_xcalloc((size_t)n, sizeof(*p));
	for (;;) {
		int open = 0;
		for (int w = 0; w < n; w++) {
			p[w].fd = fds[w];	/* negative: poll skips it */
			p[w].events = POLLIN;
			p[w].revents = 0;
			open += fds[w] >= 0;
		}
		if (!open)
			break;
		int r = poll(p, (nfds_t)n, -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			abort();	/* EFAULT or EINVAL: a bug here, not the workers' */
		for (int w = 0; w < n; w++)
			if (fds[w] >= 0 && p[w].revents)
				drain(&fds[w], records + (size_t)w * size, size, &rep[w].got);
	}
	free(p);
}

static void reap(kit_pool_worker *w, size_t size)
{
	int st;
	pid_t r;
	while ((r = waitpid(w->pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (r < 0) {
		w->state = KIT_POOL_FAILED;
		w->code = -1;
	} else if (WIFSIGNALED(st)) {
		w->state = KIT_POOL_KILLED;
		w->code = WTERMSIG(st);
	} else if (WEXITSTATUS(st) != 0) {
		w->state = KIT_POOL_FAILED;
		w->code = WEXITSTATUS(st);
	} else
		w->state = w->got == size ? KIT_POOL_OK : KIT_POOL_SHORT;
}

const char *kit_pool_describe(const kit_pool_worker *w, size_t record_size)
{
	static char buf[160];
	switch (w->state) {
	case KIT_POOL_OK:
		return "sent its record";
	case KIT_POOL_FAILED:
		if (w->code == -1)
			return "could not be waited for";
		snprintf(buf, sizeof(buf), "failed with exit status %d%s", w->code,
			 w->code == 126 ? " (it could not write its record to the pipe)" : "");
		return buf;
	case KIT_POOL_KILLED:
		snprintf(buf, sizeof(buf), "was killed by signal %d (%s)", w->code,
			 strsignal(w->code));
		return buf;
	case KIT_POOL_SHORT:
		snprintf(buf, sizeof(buf), "exited after sending %zu of %zu bytes", w->got,
			 record_size);
		return buf;
	default:
		snprintf(buf, sizeof(buf), "could not be started (%s)", strerror(w->code));
		return buf;
	}
}

int kit_pool_run(int nworkers, kit_pool_fn fn, void *arg, void *records,
		 size_t record_size, kit_pool_worker *report)
{
	if (nworkers < 1 || nworkers > KIT_POOL_MAX_WORKERS || record_size < 1 ||
	    record_size > KIT_POOL_MAX_RECORD || !fn || !records) {
		kit_error("kit_pool_run: %d workers with %zu-byte records: use 1 to %d workers "
			  "and records of 1 byte to %u MiB", nworkers, record_size,
			  KIT_POOL_MAX_WORKERS, KIT_POOL_MAX_RECORD >> 20);
		return -1;
	}
	kit_pool_worker *rep = kit_xcalloc((size_t)nworkers, sizeof(*rep));
	int *fds = kit_xmalloc((size_t)nworkers * sizeof(*fds));
	memset(records, 0, (size_t)nworkers * record_size);
	for (int w = 0; w < nworkers; w++) {
		fds[w] = -1;
		rep[w].pid = start(w, nworkers, fn, arg, record_size, fds, &fds[w]);
		if (rep[w].pid < 0) {
			rep[w] = (kit_pool_worker){ .state = KIT_POOL_NOT_STARTED, .code = errno };
			fds[w] = -1;
		}
	}
	collect(nworkers, fds, records, record_size, rep);
	int rc = 0;
	for (int w = 0; w < nworkers; w++) {
		if (rep[w].state != KIT_POOL_NOT_STARTED)
			reap(&rep[w], record_size);
		if (rep[w].state == KIT_POOL_OK)
			continue;
		rc = -1;
		if (rep[w].pid > 0)
			kit_error("worker %d of %d (pid %d) %s", w + 1, nworkers, (int)rep[w].pid,
				  kit_pool_describe(&rep[w], record_size));
		else
			kit_error("worker %d of %d %s; use fewer workers", w + 1, nworkers,
				  kit_pool_describe(&rep[w], record_size));
	}
	if (report)
		memcpy(report, rep, (size_t)nworkers * sizeof(*rep));
	free(rep);
	free(fds);
	return rc;
}
