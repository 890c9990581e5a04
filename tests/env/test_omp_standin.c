/*
 * test_omp_standin.c - standard OpenMP code builds and gives one answer with
 * and without OpenMP.
 *
 * The code below is what an OpenMP tutorial writes: <omp.h>, omp_get_thread_num,
 * omp_get_wtime, locks, a reduction. In an OpenMP build it runs on
 * OMP_NUM_THREADS=3 threads; in the build without OpenMP (-Dopenmp=disabled)
 * the pragmas vanish and src/serial/omp.h answers the calls as the OpenMP
 * specification's stubs do. Both give the same sums; the serial build also
 * checks each stub's answer, and that setting a lock twice (a deadlock on one
 * thread) stops the program with a message, as the stubs do.
 */
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

/* Sum of 1..n by a parallel reduction, each thread's share under a lock too. */
static void sums(long n, long *reduced, long *locked, int *threads_seen)
{
	long r = 0, l = 0;
	int seen = 0;
	omp_lock_t lock;
	omp_init_lock(&lock);
#pragma omp parallel reduction(+ : r)
	{
		long mine = 0;
#pragma omp for
		for (long i = 1; i <= n; i++)
			mine += i;
		r += mine;
		omp_set_lock(&lock);
		l += mine;
		if (omp_get_thread_num() + 1 > seen)
			seen = omp_get_thread_num() + 1;
		omp_unset_lock(&lock);
	}
	omp_destroy_lock(&lock);
	*reduced = r;
	*locked = l;
	*threads_seen = seen;
}

#ifndef _OPENMP
/* Runs F in a child; true when it exited 1 with MESSAGE on stderr. */
static int child_fails_with(void (*f)(void), const char *message)
{
	int fd[2];
	if (pipe(fd))
		return 0;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fd[1], 2);
		close(fd[0]);
		f();
		_exit(0);
	}
	close(fd[1]);
	char buf[512] = "";
	size_t len = 0;
	ssize_t k;
	while (len < sizeof(buf) - 1 && (k = read(fd[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)k;
	buf[len] = 0;
	close(fd[0]);
	int status;
	waitpid(pid, &status, 0);
	if (!strstr(buf, message))
		fprintf(stderr, "#   the child said: %s\n", buf);
	return WIFEXITED(status) && WEXITSTATUS(status) == 1 && strstr(buf, message);
}

static void set_twice(void)
{
	omp_lock_t l;
	omp_init_lock(&l);
	omp_set_lock(&l);
	omp_set_lock(&l);
}
#endif

int main(void)
{
	long n = 100000, reduced, locked;
	int seen;
	sums(n, &reduced, &locked, &seen);
	ok(reduced == n * (n + 1) / 2, "the reduction's sum is 1 + ... + n");
	ok(locked == reduced, "the sum under the lock equals the reduction's");
	double t0 = omp_get_wtime();
	ok(t0 > 0 && omp_get_wtick() > 0 && omp_get_wtick() < 1e-3, "omp_get_wtime and omp_get_wtick answer");
	double t1 = omp_get_wtime();
	ok(t1 >= t0, "omp_get_wtime does not go back");
#ifdef _OPENMP
	ok(seen == 3, "OpenMP: the parallel region ran on OMP_NUM_THREADS=3 threads");
	ok(omp_get_max_threads() == 3 && omp_get_thread_num() == 0 && omp_get_num_threads() == 1,
	   "OpenMP: outside a region, thread 0 of 1; the next region gets 3");
#else
	ok(KIT_OMP_STANDIN, "without OpenMP, the kit's <omp.h> stand-in is the one included");
	ok(seen == 1, "without OpenMP: one thread ran the region");
	omp_set_num_threads(4);
	ok(omp_get_max_threads() == 1 && omp_get_num_threads() == 1 && omp_get_thread_num() == 0,
	   "without OpenMP: thread 0 of 1, also after omp_set_num_threads(4)");
	ok(!omp_in_parallel() && omp_get_level() == 0 && omp_get_team_size(0) == 1 &&
	   omp_get_team_size(1) == -1 && omp_get_ancestor_thread_num(0) == 0,
	   "without OpenMP: level 0, a team of 1, no level 1");
	omp_lock_t l;
	omp_init_lock(&l);
	ok(omp_test_lock(&l) == 1 && omp_test_lock(&l) == 0, "omp_test_lock sets a free lock, not a set one");
	omp_unset_lock(&l);
	omp_destroy_lock(&l);
	omp_nest_lock_t nl;
	omp_init_nest_lock(&nl);
	omp_set_nest_lock(&nl);
	ok(omp_test_nest_lock(&nl) == 2, "a nestable lock counts how often it is set");
	omp_unset_nest_lock(&nl);
	omp_unset_nest_lock(&nl);
	omp_destroy_nest_lock(&nl);
	ok(child_fails_with(set_twice, "deadlock"),
	   "setting a simple lock twice stops the program, saying it is a deadlock");
#endif
	return tap_done();
}
