/*
 * wrong.c - a broken submission for the grader's tests (tests/grader/):
 * the reference pi.c with a wrong result in step 3: the count off by a factor of 2.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kit.h"
#include "pi.h"
#include "pi_rng.h"

/* Samples [LO, HI) of the counter-based generator: the definition of the
 * answer for steps 4 and 5. */
static uint64_t count_range(uint64_t seed, uint64_t lo, uint64_t hi)
{
	uint64_t hits = 0;
	for (uint64_t i = lo; i < hi; i++)
		hits += pi_in_circle(pi_random_at(seed, i));
	return hits;
}

/* Step 1 (given): one thread, the C library's one generator. */
uint64_t pi_serial(uint64_t n, uint64_t seed)
{
	uint64_t hits = 0;
	srand((unsigned)seed);
	for (uint64_t i = 0; i < n; i++) {
		double x = rand() / (RAND_MAX + 1.0);
		double y = rand() / (RAND_MAX + 1.0);
		if (x * x + y * y < 1.0)
			hits++;
	}
	return hits;
}

/* Step 2: the same loop, shared among the threads. */
uint64_t pi_reduction(uint64_t n, uint64_t seed)
{
	uint64_t hits = 0;
	srand((unsigned)seed);
	/* Step 2: each thread counts into its own private hits, and OpenMP adds
	 * the copies at the end. rand() stays: one shared state behind a lock. */
#pragma omp parallel for reduction(+:hits)
	for (uint64_t i = 0; i < n; i++) {
		double x = rand() / (RAND_MAX + 1.0);
		double y = rand() / (RAND_MAX + 1.0);
		if (x * x + y * y < 1.0)
			hits++;
	}
	return hits;
}

/* Step 3: each thread draws from its own random stream. */
uint64_t pi_streams(uint64_t n, uint64_t seed)
{
	uint64_t hits = 0;
	/* Step 3: a stream per thread, no lock and no sharing. schedule(static)
	 * gives thread t the same block of samples every run, so at a fixed
	 * thread count the count repeats; another thread count splits the
	 * samples differently and draws other numbers. */
#pragma omp parallel reduction(+:hits)
	{
		pi_stream s = pi_stream_new(seed, (uint64_t)kit_omp_thread_num());
#pragma omp for schedule(static)
		for (uint64_t i = 0; i < n; i++)
			hits += pi_in_circle(pi_stream_next(&s));
	}
	return 2 * hits; /* BUG: off by a factor */
}

/* Step 4: the same count at any thread count. */
uint64_t pi_same_answer(uint64_t n, uint64_t seed)
{
	uint64_t hits = 0;
	/* Step 4: sample i depends on (seed, i) alone, so any split among
	 * threads and SIMD lanes gives the same count; integer sums are exact. */
#pragma omp parallel for simd reduction(+:hits)
	for (uint64_t i = 0; i < n; i++)
		hits += pi_in_circle(pi_random_at(seed, i));
	return hits;
}

/* Writes all LEN bytes of BUF to FD; -1 on error. */
static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Step 5 (bonus): NPROC child processes instead of threads. */
int pi_processes(uint64_t n, uint64_t seed, int nproc, uint64_t *hits)
{
	/* Step 5: one pipe, NPROC writers. A write of 8 bytes (< PIPE_BUF) is
	 * atomic, so the counts never interleave. The children only count and
	 * _exit: no OpenMP (a fork after parallel regions can hang in libgomp)
	 * and no exit() (it would flush the parent's stdio buffers twice). */
	int fd[2], started = 0, rc = 0;
	pid_t *pid = malloc((size_t)nproc * sizeof(*pid));
	if (!pid || pipe(fd)) {
		kit_error("cannot start the processes: %s", strerror(errno));
		free(pid);
		return -1;
	}
	for (int k = 0; k < nproc; k++) {
		pid_t p = fork();
		if (p < 0) {
			kit_error("cannot fork child %d of %d: %s; use fewer with --procs",
				  k + 1, nproc, strerror(errno));
			rc = -1;
			break;
		}
		if (p == 0) {
			close(fd[0]);
			uint64_t c = count_range(seed, (uint64_t)k * n / (uint64_t)nproc,
						 (uint64_t)(k + 1) * n / (uint64_t)nproc);
			_exit(write_all(fd[1], &c, sizeof(c)) ? 1 : 0);
		}
		pid[started++] = p;
	}
	/* Only the children hold the write end now: read reaches end-of-file
	 * when the last of them has exited. */
	close(fd[1]);
	uint64_t sum = 0, c;
	int got = 0;
	for (;;) {
		ssize_t r = read(fd[0], &c, sizeof(c));
		if (r < 0 && errno == EINTR)
			continue;
		if (r != (ssize_t)sizeof(c))
			break;
		sum += c;
		got++;
	}
	close(fd[0]);
	for (int k = 0; k < started; k++) {
		int st;
		pid_t w;
		while ((w = waitpid(pid[k], &st, 0)) < 0 && errno == EINTR)
			;
		if (w < 0) {
			kit_error("cannot wait for child %d of %d (pid %d): %s",
				  k + 1, nproc, (int)pid[k], strerror(errno));
			rc = -1;
		} else if (WIFSIGNALED(st)) {
			kit_error("child %d of %d (pid %d) was killed by signal %d (%s)",
				  k + 1, nproc, (int)pid[k], WTERMSIG(st), strsignal(WTERMSIG(st)));
			rc = -1;
		} else if (WEXITSTATUS(st) != 0) {
			kit_error("child %d of %d (pid %d) failed with exit status %d "
				  "(it could not write its count to the pipe)",
				  k + 1, nproc, (int)pid[k], WEXITSTATUS(st));
			rc = -1;
		}
	}
	free(pid);
	if (rc == 0 && got != nproc) {
		kit_error("received %d counts from %d children; expected one from each", got, nproc);
		rc = -1;
	}
	if (rc == 0)
		*hits = sum;
	return rc;
}
