/*
 * NAME
 *   images.c - the kernels of exercise 03, processes x threads over a set of
 *   images: THE REFERENCE SOLUTION.
 *
 * PURPOSE
 *   Step 1: the median of the colour channels, rows shared among OpenMP
 *   threads (one pragma). Step 2: a process pool, the C form of Python's
 *   Pool(nproc).map under OMP_NUM_THREADS=nthreads. Changed from the
 *   skeleton: (1) one pragma on the row loop; (2) pool_run's body: two
 *   pipes, fork, a worker loop, reading the results, reaping the workers.
 *
 * USAGE
 *   build/solutions/03-image-sweep/images --procs 1-3 --threads 1-3
 *
 * NOTES
 *   The pool: the parent writes every image index into a task pipe BEFORE it
 *   forks (12 ints fit in the pipe; no write can block or hit a closed pipe)
 *   and closes its write end; each worker reads one index at a time (reads of
 *   4 bytes from a pipe written in multiples of 4 never split an index),
 *   works, and writes one fixed-size message back through a result pipe
 *   (writes up to PIPE_BUF bytes are atomic: messages from several workers
 *   never interleave). When the task pipe is empty a worker reads end of
 *   file and leaves. The parent reads messages until every worker has closed
 *   the result pipe (end of file), then reaps each worker with waitpid. An
 *   image whose worker died before reporting is lost: the parent says which,
 *   and which worker, and still reaps them all.
 *
 *   Threads in a worker: omp_set_num_threads(nthreads) (kit_omp_set_threads).
 *   Setting OMP_NUM_THREADS in a forked child would change nothing: the
 *   runtime read it when the program started, in the parent. OpenBLAS's
 *   OpenMP build asks omp_get_max_threads() at every call, so the same call
 *   sets the BLAS threads too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "images.h"
#include "kit.h"

/* The median of three bytes: max(min(a, b), min(max(a, b), c)). */
static inline unsigned char median3(unsigned char a, unsigned char b, unsigned char c)
{
	unsigned char lo = a < b ? a : b, hi = a < b ? b : a;
	unsigned char mid = hi < c ? hi : c;
	return lo > mid ? lo : mid;
}

/* Step 1: the median of the three channels of every pixel. */
void image_median(const unsigned char *rgb, int h, int w, double *m)
{
	/* Step 1: share the rows among the OpenMP threads with one pragma. Each
	 * row writes its own part of m: nothing is shared, nothing to reduce. */
#pragma omp parallel for schedule(static)
	for (int y = 0; y < h; y++) {
		const unsigned char *px = rgb + (size_t)y * (size_t)w * 3;
		double *out = m + (size_t)y * (size_t)w;
		for (int x = 0; x < w; x++)
			out[x] = median3(px[3 * x], px[3 * x + 1], px[3 * x + 2]);
	}
}

/* Step 2: the worker's side of the pool, helpers for pool_run below:
 * what a worker sends back for one image (one fixed-size message), and the
 * worker's loop (set its threads, read an index, work, report, repeat; at
 * end of file leave with _exit). */
/* What a worker sends back for one image: one write, well under PIPE_BUF. */
struct report {
	int index, status, pid;
	long long signature;
	double seconds;
};

/* Reads N bytes unless end of file comes first; returns the bytes read, or
 * -1 on an error. Retries reads a signal interrupted. */
static ssize_t read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* A worker: takes indices from TASKS until none is left, sends a report for
 * each through DONE, and leaves with _exit (never returns). */
static void worker(int tasks, int done, int nthreads, pool_work_fn work, void *ctx)
{
	kit_omp_set_threads(nthreads);	/* OpenMP and OpenBLAS (see NOTES) */
	int index;
	while (read_full(tasks, &index, sizeof(index)) == (ssize_t)sizeof(index)) {
		struct report r = { .index = index, .pid = (int)getpid() };
		double t0 = kit_wtime();
		r.status = work(ctx, index, &r.signature) ? POOL_FAILED : POOL_DONE;
		r.seconds = kit_wtime() - t0;
		if (write(done, &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(3);	/* the parent is gone: nobody to tell */
	}
	_exit(0);	/* not exit(): the parent's atexit handlers and stdio are its own */
}

/* Step 2: NPROC worker processes with NTHREADS threads each. */
int pool_run(int nproc, int nthreads, int nimages, pool_work_fn work, void *ctx,
	     pool_result *results)
{
	/* Step 2: a pool of nproc worker processes. Fork them here, before any
	 * OpenMP work in this process; hand out the image indices through a pipe;
	 * in each worker set the threads (kit_omp_set_threads), run work() on
	 * each index it gets and send (index, status, signature, seconds, pid)
	 * back through a second pipe; leave the worker with _exit. The parent
	 * fills results[] from what comes back, waitpid's every worker, and
	 * returns -1 after naming the images no worker reported. */
	for (int i = 0; i < nimages; i++)
		results[i] = (pool_result){ .status = POOL_LOST };
	int tasks[2], done[2];
	if (pipe(tasks)) {
		kit_error("cannot make the task pipe: %s", strerror(errno));
		return -1;
	}
	if (pipe(done)) {
		kit_error("cannot make the result pipe: %s", strerror(errno));
		close(tasks[0]), close(tasks[1]);
		return -1;
	}
	/* Every index goes in now, before any worker exists: 4 * nimages <=
	 * PIPE_BUF bytes, one write that cannot block. */
	int *all = malloc(sizeof(int) * (size_t)(nimages ? nimages : 1));
	if (!all)
		abort();
	for (int i = 0; i < nimages; i++)
		all[i] = i;
	ssize_t wrote = write(tasks[1], all, sizeof(int) * (size_t)nimages);
	free(all);
	close(tasks[1]);
	if (wrote != (ssize_t)(sizeof(int) * (size_t)nimages)) {
		kit_error("cannot hand out the %d images: %s", nimages,
			  wrote < 0 ? strerror(errno) : "short write");
		close(tasks[0]), close(done[0]), close(done[1]);
		return -1;
	}

	pid_t *pids = calloc((size_t)nproc, sizeof(*pids));
	if (!pids)
		abort();
	int started = 0;
	fflush(NULL);	/* or the children inherit unwritten output and write it again */
	for (int k = 0; k < nproc; k++) {
		pid_t pid = fork();
		if (pid < 0) {
			kit_warn("could start only %d of %d workers: fork: %s", started, nproc,
				 strerror(errno));
			break;
		}
		if (pid == 0) {
			close(done[0]);
			worker(tasks[0], done[1], nthreads, work, ctx);
		}
		pids[started++] = pid;
	}
	close(tasks[0]);
	close(done[1]);	/* now end of file comes when the last worker exits */

	struct report r;
	while (read_full(done[0], &r, sizeof(r)) == (ssize_t)sizeof(r)) {
		if (r.index < 0 || r.index >= nimages || results[r.index].status != POOL_LOST) {
			kit_warn("a worker reported image %d, which it was not given", r.index);
			continue;
		}
		results[r.index] = (pool_result){ r.status, r.signature, r.seconds, r.pid };
	}
	close(done[0]);

	int rc = 0;
	for (int k = 0; k < started; k++) {
		int st = 0;
		while (waitpid(pids[k], &st, 0) < 0 && errno == EINTR)
			;
		if (WIFSIGNALED(st)) {
			kit_error("worker %d (pid %d) was killed by signal %d (%s)", k,
				  (int)pids[k], WTERMSIG(st), strsignal(WTERMSIG(st)));
			rc = -1;
		} else if (WIFEXITED(st) && WEXITSTATUS(st)) {
			kit_error("worker %d (pid %d) failed with exit status %d", k,
				  (int)pids[k], WEXITSTATUS(st));
			rc = -1;
		}
	}
	free(pids);

	char lost[512] = "";
	int nlost = 0;
	size_t len = 0;
	for (int i = 0; i < nimages; i++) {
		if (results[i].status != POOL_LOST)
			continue;
		if (len < sizeof(lost))
			len += (size_t)snprintf(lost + len, sizeof(lost) - len, "%s%d",
						nlost ? ", " : "", i);
		nlost++;
	}
	if (nlost) {
		kit_error("%d image%s lost, no worker reported %s: %s", nlost,
			  nlost == 1 ? "" : "s", nlost == 1 ? "it" : "them", lost);
		rc = -1;
	}
	return rc;
}
