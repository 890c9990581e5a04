/*
 * channel.c - pipe, POSIX message queue and shared-memory ring behind one
 * interface (channel.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <mqueue.h>
#include <poll.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"

const char *const ch_names[CH_NKINDS] = { "pipe", "mq", "ring" };

#define RING_BYTES (4u << 20)		/* slots of the ring, in all (at least) */
#define RING_MAX_SLOT (512u << 10)	/* bytes per slot, at most */
#define WAKE_NS 50000000L		/* a receiver looks at the sender every 50 ms */
#define SPIN_NS 50000L			/* a ring side spins this long before it sleeps */

/* The ring in shared memory: NSLOTS slots of SLOT bytes, each with its length. */
typedef struct ring {
	sem_t free, full;	/* slots free to write, slots full to read */
	size_t nslots, slot;
	size_t len[];		/* NSLOTS lengths, then the data */
} ring;

struct channel {
	ch_kind kind;
	size_t piece;		/* the most bytes one message on the wire holds */
	int fd[2];		/* pipe: read, write ends */
	mqd_t mq;
	ring *r;
	size_t map_bytes;
	char *data;		/* ring: the slots */
	size_t next;		/* ring: this side's next slot */
	int life[2];		/* only the sender holds life[1] */
	char *tmp;		/* mq: one message */
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Runs with SIGINT, SIGTERM and SIGHUP held back: a name made and unlinked
 * inside cannot be left behind by a signal. */
static void hold_signals(bool hold, sigset_t *old)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGHUP);
	sigprocmask(hold ? SIG_BLOCK : SIG_SETMASK, hold ? &s : old, hold ? old : NULL);
}

static void object_name(char *name, size_t size)
{
	static unsigned serial;
	snprintf(name, size, "/ompkit-ipc-%d-%u", (int)getpid(), serial++);
}

static int open_ring(channel *c, size_t max_msg, kit_buf *why)
{
	size_t slot = max_msg < RING_MAX_SLOT ? max_msg : RING_MAX_SLOT;
	slot = (slot + 63) & ~(size_t)63;	/* slots start on cache lines */
	size_t nslots = RING_BYTES / slot < 4 ? 4 : RING_BYTES / slot;
	size_t head = (sizeof(ring) + nslots * sizeof(size_t) + 63) & ~(size_t)63;
	c->map_bytes = head + nslots * slot;
	char name[64];
	object_name(name, sizeof(name));
	sigset_t old;
	hold_signals(true, &old);
	int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	void *p = MAP_FAILED;
	if (fd >= 0) {
		shm_unlink(name);	/* the mapping stays; the name goes now */
		if (ftruncate(fd, (off_t)c->map_bytes) == 0)
			p = mmap(NULL, c->map_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
	}
	int e = errno;
	hold_signals(false, &old);
	if (p == MAP_FAILED) {
		kit_buf_printf(why, "shared memory (shm_open %s): %s", name, strerror(e));
		return -1;
	}
	c->r = p;
	c->r->nslots = nslots;
	c->r->slot = slot;
	c->data = (char *)p + head;
	sem_init(&c->r->free, 1, (unsigned)nslots);
	sem_init(&c->r->full, 1, 0);
	c->piece = slot;
	return 0;
}

/* The largest message a queue may hold here (/proc/sys/fs/mqueue/msgsize_max). */
static long mq_limit(void)
{
	long v = 8192;
	FILE *f = fopen("/proc/sys/fs/mqueue/msgsize_max", "r");
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = 8192;
		fclose(f);
	}
	return v;
}

static int open_mq(channel *c, size_t max_msg, kit_buf *why)
{
	long limit = mq_limit();
	struct mq_attr a = { .mq_maxmsg = 10,
			     .mq_msgsize = (long)max_msg < limit ? (long)max_msg : limit };
	char name[64];
	object_name(name, sizeof(name));
	sigset_t old;
	hold_signals(true, &old);
	c->mq = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &a);
	int e = errno;
	if (c->mq != (mqd_t)-1)
		mq_unlink(name);
	hold_signals(false, &old);
	if (c->mq == (mqd_t)-1) {
		kit_buf_printf(why, "POSIX message queue (mq_open %s, %ld-byte messages): %s",
			       name, a.mq_msgsize, strerror(e));
		return -1;
	}
	c->piece = (size_t)a.mq_msgsize;
	c->tmp = kit_xmalloc(c->piece);
	return 0;
}

channel *ch_open(ch_kind kind, size_t max_msg, kit_buf *why)
{
	channel *c = kit_xcalloc(1, sizeof(*c));
	c->kind = kind;
	c->fd[0] = c->fd[1] = c->life[0] = c->life[1] = -1;
	c->mq = (mqd_t)-1;
	if (max_msg < 1)
		max_msg = 1;
	int rc = pipe2(c->life, O_CLOEXEC);
	if (rc == 0 && kind == CH_PIPE) {
		rc = pipe2(c->fd, O_CLOEXEC);
		c->piece = max_msg;
	} else if (rc == 0 && kind == CH_MQ)
		rc = open_mq(c, max_msg, why);
	else if (rc == 0)
		rc = open_ring(c, max_msg, why);
	if (rc) {
		if (!why->len)
			kit_buf_printf(why, "pipe: %s", strerror(errno));
		ch_close(c);
		return NULL;
	}
	return c;
}

void ch_side(channel *c, bool sender)
{
	close_fd(&c->life[sender ? 0 : 1]);
	if (c->kind == CH_PIPE)
		close_fd(&c->fd[sender ? 0 : 1]);
}

void ch_close(channel *c)
{
	if (!c)
		return;
	close_fd(&c->fd[0]);
	close_fd(&c->fd[1]);
	close_fd(&c->life[0]);
	close_fd(&c->life[1]);
	if (c->mq != (mqd_t)-1)
		mq_close(c->mq);
	if (c->r)
		munmap(c->r, c->map_bytes);
	free(c->tmp);
	free(c);
}

/* The sender has exited (its end of the life pipe is closed). */
static bool sender_gone(const channel *c)
{
	struct pollfd p = { .fd = c->life[0], .events = POLLIN };
	return poll(&p, 1, 0) == 1;
}

static struct timespec soon(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_nsec += WAKE_NS;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* Takes S if it becomes free within SPIN_NS: 0, or -1 (S still taken).
 * Waking a process that sleeps on a semaphore costs tens of microseconds
 * (more on a virtual machine, whose idle CPU the host must wake), as long as
 * copying a slot: while slots flow, a side that spins briefly never sleeps.
 * Not on one CPU, where the spinner would only keep the other side out. */
static int spin_take(sem_t *s)
{
	static long cpus;
	if (!cpus)
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 2)
		return sem_trywait(s);
	double end = now_ns() + SPIN_NS;
	do {
		for (int k = 0; k < 64; k++) {
			if (sem_trywait(s) == 0)
				return 0;
#if defined(__x86_64__) || defined(__i386__)
			__builtin_ia32_pause();
#endif
		}
	} while (now_ns() < end);
	return -1;
}

/* Waits for a full slot. 0, or -1 when the sender is gone and none is full. */
static int wait_full(channel *c)
{
	if (spin_take(&c->r->full) == 0)
		return 0;
	for (;;) {
		if (sem_trywait(&c->r->full) == 0)
			return 0;
		struct timespec t = soon();
		if (sem_timedwait(&c->r->full, &t) == 0)
			return 0;
		if (errno != EINTR && errno != ETIMEDOUT)
			return -1;
		if (errno == ETIMEDOUT && sender_gone(c))
			return sem_trywait(&c->r->full);	/* a last message, maybe */
	}
}

static int send_piece(channel *c, const char *p, size_t n)
{
	if (c->kind == CH_MQ) {
		while (mq_send(c->mq, p, n, 0))
			if (errno != EINTR)
				return -1;
		return 0;
	}
	if (spin_take(&c->r->free))
		while (sem_wait(&c->r->free))
			if (errno != EINTR)
				return -1;
	memcpy(c->data + c->next * c->r->slot, p, n);
	c->r->len[c->next] = n;
	c->next = (c->next + 1) % c->r->nslots;
	return sem_post(&c->r->full);
}

int ch_send(channel *c, const void *buf, size_t len)
{
	const char *p = buf;
	if (c->kind == CH_PIPE) {
		while (len > 0) {
			ssize_t w = write(c->fd[1], p, len);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return -1;
			p += w;
			len -= (size_t)w;
		}
		return 0;
	}
	for (size_t off = 0; off < len; off += c->piece)
		if (send_piece(c, p + off, len - off < c->piece ? len - off : c->piece))
			return -1;
	return 0;
}

/* One message from the queue or the ring into TO (room for ROOM bytes). Its
 * length, or -1 when the sender is gone. */
static ssize_t recv_piece(channel *c, char *to, size_t room)
{
	if (c->kind == CH_MQ) {
		for (;;) {
			struct timespec t = soon();
			ssize_t r = mq_timedreceive(c->mq, c->tmp, c->piece, NULL, &t);
			if (r >= 0) {
				memcpy(to, c->tmp, (size_t)r < room ? (size_t)r : room);
				return r;
			}
			if (errno == ETIMEDOUT && sender_gone(c)) {
				struct timespec now = { 0, 0 };	/* in the past: no wait */
				r = mq_timedreceive(c->mq, c->tmp, c->piece, NULL, &now);
				if (r >= 0)
					memcpy(to, c->tmp, (size_t)r < room ? (size_t)r : room);
				return r;
			}
			if (errno != EINTR && errno != ETIMEDOUT)
				return -1;
		}
	}
	if (wait_full(c))
		return -1;
	size_t n = c->r->len[c->next];
	memcpy(to, c->data + c->next * c->r->slot, n < room ? n : room);
	c->next = (c->next + 1) % c->r->nslots;
	sem_post(&c->r->free);
	return (ssize_t)n;
}

int ch_recv(channel *c, void *buf, size_t len, kit_buf *why)
{
	char *p = buf;
	size_t got = 0;
	while (got < len) {
		ssize_t r;
		if (c->kind == CH_PIPE)
			while ((r = read(c->fd[0], p + got, len - got)) < 0 && errno == EINTR)
				;
		else
			r = recv_piece(c, p + got, len - got);
		if (r <= 0) {
			kit_buf_printf(why, "the sender %s after %zu of %zu bytes of a message",
				       r == 0 || c->kind != CH_PIPE ? "closed or died" : "failed",
				       got, len);
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

/* Forks the other side: it runs FN(C, ARG) and exits; dies with its parent. */
static pid_t fork_side(void (*fn)(channel *, channel *, void *), channel *a, channel *b,
		       void *arg)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fn(a, b, arg);
		_exit(0);
	}
	return pid;
}

static void reap(pid_t pid)
{
	while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

struct stream_job {
	size_t size;
	uint64_t count, die_after;
};

static void stream_sender(channel *c, channel *unused, void *arg)
{
	const struct stream_job *j = arg;
	(void)unused;
	ch_side(c, true);
	char *buf = kit_xcalloc(1, j->size);
	for (uint64_t i = 0; i < j->count; i++) {
		if (j->die_after && i == j->die_after)
			raise(SIGKILL);
		memcpy(buf, &i, sizeof(i));
		if (ch_send(c, buf, j->size))
			_exit(1);
	}
}

int ch_stream_run(ch_kind kind, size_t size, uint64_t count, uint64_t die_after,
		  ch_stream *out)
{
	kit_buf why = { 0 };
	*out = (ch_stream){ 0 };
	if (size < 8)
		size = 8;
	channel *c = ch_open(kind, size, &why);
	if (!c) {
		snprintf(out->why, sizeof(out->why), "%s", kit_buf_str(&why));
		kit_buf_free(&why);
		return -1;
	}
	struct stream_job j = { size, count, die_after };
	char *buf = kit_xmalloc(size);
	pid_t pid = fork_side(stream_sender, c, NULL, &j);
	ch_side(c, false);
	double t0 = kit_wtime();
	for (uint64_t i = 0; pid > 0 && i < count; i++) {
		if (i == 1)	/* the first message (start-up, first touches) is not timed */
			t0 = kit_wtime();
		uint64_t seq;
		if (ch_recv(c, buf, size, &why)) {
			snprintf(out->why, sizeof(out->why), "message %llu of %llu: %s",
				 (unsigned long long)i + 1, (unsigned long long)count,
				 kit_buf_str(&why));
			break;
		}
		memcpy(&seq, buf, sizeof(seq));
		if (seq != i) {
			snprintf(out->why, sizeof(out->why), "message %llu arrived as number %llu",
				 (unsigned long long)i, (unsigned long long)seq);
			break;
		}
		out->received++;
	}
	out->seconds = (kit_wtime() - t0) * (count > 1 ? (double)count / (double)(count - 1) : 1);
	out->ok = pid > 0 && out->received == count;
	if (!out->ok && pid > 0)
		kill(pid, SIGKILL);	/* it may be waiting for room that never comes */
	if (pid < 0)
		snprintf(out->why, sizeof(out->why), "fork: %s", strerror(errno));
	ch_close(c);	/* a sender still waiting sees the end */
	reap(pid);
	free(buf);
	kit_buf_free(&why);
	return 0;
}

static void echo(channel *in, channel *back, void *arg)
{
	int rounds = *(int *)arg;
	kit_buf why = { 0 };
	char msg[8];
	ch_side(in, false);
	ch_side(back, true);
	for (int i = 0; i < rounds; i++)
		if (ch_recv(in, msg, sizeof(msg), &why) || ch_send(back, msg, sizeof(msg)))
			_exit(1);
}

double ch_latency(ch_kind kind, int rounds, kit_buf *why)
{
	channel *a = ch_open(kind, 8, why), *b = a ? ch_open(kind, 8, why) : NULL;
	double t = -1;
	if (a && b) {
		pid_t pid = fork_side(echo, a, b, &rounds);
		ch_side(a, true);
		ch_side(b, false);
		char msg[8] = { 0 };
		double t0 = kit_wtime();
		int i = 0;
		while (pid > 0 && i < rounds && !ch_send(a, msg, 8) && !ch_recv(b, msg, 8, why))
			i++;
		if (i == rounds)
			t = (kit_wtime() - t0) / (2.0 * rounds);
		else if (pid > 0)
			kill(pid, SIGKILL);
		ch_close(a);
		ch_close(b);
		a = b = NULL;
		reap(pid);
	}
	ch_close(a);
	ch_close(b);
	return t;
}

double ch_memcpy_time(size_t size, uint64_t count)
{
	char *src = kit_xmalloc(size), *dst = kit_xmalloc(size);
	memset(src, 1, size);
	memcpy(dst, src, size);	/* every page touched before the clock starts */
	double t = INFINITY;
	for (int round = 0; round < 3; round++) {	/* the fastest of 3: a limit */
		double t0 = kit_wtime();
		for (uint64_t i = 0; i < count; i++) {
			memcpy(dst, src, size);
			__asm__ volatile("" : : "r"(dst) : "memory");	/* every copy happens */
		}
		t = fmin(t, (kit_wtime() - t0) / (double)count);
	}
	free(src);
	free(dst);
	return t;
}
