/*
 * poolmap.c - kit_pool_map: tasks handed out in chunks over one socket pair
 * per worker, a dead worker's chunk redone once; kit_shared_alloc (pool.h).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kit.h"
#include "pool.h"

#define SEND_BUF (64u << 10)	/* a worker sends its records in pieces of this */

/* One worker as the parent sees it. */
typedef struct mworker {
	pid_t pid;
	int fd;			/* the parent's end; -1 once closed */
	size_t start, count;	/* the chunk in flight; count 0: idle */
	int tries;		/* workers this chunk has been given to */
	size_t got;		/* bytes of the chunk's records received */
} mworker;

/* A chunk waiting for a second worker. */
typedef struct redo {
	size_t start, count;
} redo;

typedef struct mapstate {
	int n, alive;
	mworker *w;
	size_t ntasks, chunk, next, done, record_size;
	kit_pool_task_fn fn;
	void *arg;
	char *records;
	redo *queue;
	size_t nqueue;
	bool failed;
	kit_pool_map_report rep;
} mapstate;

/* Sends or receives all LEN bytes, retrying on EINTR. 0, or -1 (EOF or error). */
static int io_all(int fd, void *buf, size_t len, bool out)
{
	char *p = buf;
	while (len > 0) {
		ssize_t r = out ? send(fd, p, len, MSG_NOSIGNAL) : read(fd, p, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

/* The child: take a chunk, send its records, until the parent hangs up. */
static void worker_loop(int fd, kit_pool_task_fn fn, void *arg, size_t size)
{
	size_t cap = size > SEND_BUF ? size : SEND_BUF - SEND_BUF % size;
	char *buf = malloc(cap);
	if (!buf)
		_exit(127);
	uint64_t msg[2];
	while (io_all(fd, msg, sizeof(msg), false) == 0 && msg[1] > 0) {
		size_t fill = 0;
		for (uint64_t i = msg[0]; i < msg[0] + msg[1]; i++) {
			memset(buf + fill, 0, size);
			int rc = fn((size_t)i, arg, buf + fill);
			if (rc != 0) {	/* the records before it, then the verdict */
				io_all(fd, buf, fill, true);
				_exit((rc & 0x7f) ? (rc & 0x7f) : 1);
			}
			fill += size;
			if (fill + size > cap || i + 1 == msg[0] + msg[1]) {
				if (io_all(fd, buf, fill, true))
					_exit(0);	/* the parent is gone */
				fill = 0;
			}
		}
	}
	_exit(0);
}

/* Forks worker K. 0, or -1 with errno set. */
static int start(mapstate *m, int k)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	fflush(NULL);	/* nothing buffered is written twice */
	pid_t parent = getpid(), pid = fork();
	if (pid < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);	/* dies with the parent */
		if (getppid() != parent)	/* it died before prctl */
			_exit(127);
		close(sv[0]);
		for (int j = 0; j < k; j++)	/* the earlier workers' parent ends */
			if (m->w[j].fd >= 0)
				close(m->w[j].fd);
		worker_loop(sv[1], m->fn, m->arg, m->record_size);
	}
	close(sv[1]);
	m->w[k] = (mworker){ .pid = pid, .fd = sv[0] };
	m->alive++;
	return 0;
}

/* Gives worker W its next chunk: a redone one first, else a new one. */
static void assign(mapstate *m, mworker *w)
{
	w->count = w->got = 0;
	if (m->failed)
		return;
	if (m->nqueue) {
		redo r = m->queue[--m->nqueue];
		w->start = r.start;
		w->count = r.count;
		w->tries = 2;
		m->rep.redone++;
	} else if (m->next < m->ntasks) {
		w->start = m->next;
		w->count = m->ntasks - m->next < m->chunk ? m->ntasks - m->next : m->chunk;
		w->tries = 1;
		m->next += w->count;
	} else
		return;
	m->rep.chunks++;
	uint64_t msg[2] = { w->start, w->count };
	io_all(w->fd, msg, sizeof(msg), true);	/* a dead worker shows as EOF */
}

/* Reaps W, which closed its socket (it is exiting). *CODE gets its signal
 * (*SIGNALLED) or exit status. */
static void reap(const mworker *w, int *code, bool *signalled)
{
	int st;
	*code = 0;
	*signalled = false;
	while (waitpid(w->pid, &st, 0) < 0)
		if (errno != EINTR)
			return;
	*signalled = WIFSIGNALED(st);
	*code = WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st);
}

/* Worker K hung up: reap it, say what it was doing, redo or fail its chunk. */
static void lost(mapstate *m, int k)
{
	mworker *w = &m->w[k];
	close(w->fd);
	w->fd = -1;
	m->alive--;
	int code;
	bool sig;
	reap(w, &code, &sig);
	w->pid = -w->pid;	/* reaped */
	if (!w->count)
		return;		/* idle: nothing lost */
	m->rep.lost++;
	size_t a = w->start, b = w->start + w->count;
	char how[96];
	if (sig)
		snprintf(how, sizeof(how), "was killed by signal %d (%s)", code, strsignal(code));
	else
		snprintf(how, sizeof(how), "exited with status %d", code);
	if (!sig && code != 0 && code < 126) {
		kit_error("task %zu failed (its worker, pid %d, exited with status %d)",
			  a + w->got / m->record_size, (int)-w->pid, code);
		m->failed = true;
	} else if (w->tries < 2 && m->alive > 0) {
		kit_error("worker %d of %d (pid %d) %s during tasks %zu-%zu; they are given to "
			  "another worker", k + 1, m->n, (int)-w->pid, how, a, b - 1);
		m->queue[m->nqueue++] = (redo){ a, w->count };
	} else {
		kit_error("worker %d of %d (pid %d) %s during tasks %zu-%zu; %s", k + 1, m->n,
			  (int)-w->pid, how, a, b - 1,
			  m->alive ? "they had already lost a worker: not redone"
				   : "no worker is left to redo them");
		m->failed = true;
	}
	w->count = 0;
	/* an idle live worker takes the redone chunk */
	for (int j = 0; j < m->n && m->nqueue; j++)
		if (m->w[j].fd >= 0 && !m->w[j].count)
			assign(m, &m->w[j]);
}

/* What has arrived from worker K. */
static void receive(mapstate *m, int k)
{
	mworker *w = &m->w[k];
	size_t want = w->count * m->record_size;
	char sink[64];
	char *to = w->count ? m->records + w->start * m->record_size + w->got : sink;
	ssize_t r;
	do
		r = read(w->fd, to, w->count ? want - w->got : sizeof(sink));
	while (r < 0 && errno == EINTR);
	if (r <= 0) {
		lost(m, k);
		return;
	}
	if (!w->count)
		return;	/* bytes nobody asked for: ignored */
	w->got += (size_t)r;
	if (w->got == want) {
		m->done += w->count;
		assign(m, w);
	}
}

/* Polls the workers until every task is done, the map failed, or none is left. */
static void run(mapstate *m)
{
	struct pollfd *p = kit_xcalloc((size_t)m->n, sizeof(*p));
	while (m->done < m->ntasks && !m->failed && m->alive > 0) {
		for (int k = 0; k < m->n; k++)
			p[k] = (struct pollfd){ .fd = m->w[k].fd, .events = POLLIN };
		int r = poll(p, (nfds_t)m->n, -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			abort();	/* EFAULT or EINVAL: a bug here, not the workers' */
		for (int k = 0; k < m->n; k++)
			if (m->w[k].fd >= 0 && p[k].revents)
				receive(m, k);
	}
	free(p);
}

/* Hangs up on every worker (killing busy ones after a failure) and reaps them. */
static void finish(mapstate *m)
{
	for (int k = 0; k < m->n; k++)
		if (m->w[k].fd >= 0) {
			close(m->w[k].fd);	/* end of file: the worker exits */
			m->w[k].fd = -1;
			if (m->w[k].count)
				kill(m->w[k].pid, SIGKILL);
		}
	for (int k = 0; k < m->n; k++)
		if (m->w[k].pid > 0)
			while (waitpid(m->w[k].pid, NULL, 0) < 0 && errno == EINTR)
				;
}

int kit_pool_map(int nworkers, size_t ntasks, size_t chunk, kit_pool_task_fn fn, void *arg,
		 void *records, size_t record_size, kit_pool_map_report *report)
{
	if (nworkers < 1 || nworkers > KIT_POOL_MAX_WORKERS || record_size < 1 ||
	    record_size > KIT_POOL_MAX_RECORD || chunk < 1 || !fn || (!records && ntasks)) {
		kit_error("kit_pool_map: %d workers, chunks of %zu tasks, %zu-byte records: use 1 "
			  "to %d workers, chunks of 1 or more and records of 1 byte to %u MiB",
			  nworkers, chunk, record_size, KIT_POOL_MAX_WORKERS,
			  KIT_POOL_MAX_RECORD >> 20);
		return -1;
	}
	mapstate m = { .n = nworkers, .ntasks = ntasks, .chunk = chunk, .fn = fn, .arg = arg,
		       .records = records, .record_size = record_size };
	if (ntasks == 0)
		goto out;
	m.w = kit_xcalloc((size_t)nworkers, sizeof(*m.w));
	m.queue = kit_xcalloc((size_t)nworkers, sizeof(*m.queue));
	for (int k = 0; k < nworkers; k++) {
		m.w[k].fd = -1;
		if (start(&m, k)) {
			kit_error("worker %d of %d could not be started (%s)%s", k + 1, nworkers,
				  strerror(errno), m.alive ? "; going on with fewer" : "");
			m.n = k;	/* the ones started */
			break;
		}
	}
	for (int k = 0; k < m.n; k++)
		assign(&m, &m.w[k]);
	run(&m);
	finish(&m);
	if (!m.failed && m.done < ntasks) {
		kit_error("kit_pool_map: %zu of %zu tasks were not done: every worker was lost",
			  ntasks - m.done, ntasks);
		m.failed = true;
	}
	free(m.w);
	free(m.queue);
out:
	if (report)
		*report = m.rep;
	return m.failed ? -1 : 0;
}

void *kit_shared_alloc(size_t size)
{
	void *p = mmap(NULL, size ? size : 1, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		       -1, 0);
	if (p == MAP_FAILED) {
		kit_error("out of memory: cannot map %zu bytes of shared memory (%s)", size,
			  strerror(errno));
		abort();
	}
	return p;
}

void kit_shared_free(void *p, size_t size)
{
	if (p)
		munmap(p, size ? size : 1);
}
