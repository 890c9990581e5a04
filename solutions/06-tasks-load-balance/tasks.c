/*
 * NAME
 *   tasks.c - the kernels of exercise 06, tasks and load balance: THE
 *   REFERENCE SOLUTION.
 *
 * PURPOSE
 *   Steps 1-3 share the rows of a Mandelbrot picture among the threads under
 *   three loop schedules; steps 4-6 use OpenMP tasks: a recursion
 *   (Fibonacci), a linked list, and a task loop. Every kernel below already
 *   works, serially, and gives the right answer.
 *   What changed from the skeleton (exercises/06-tasks-load-balance/tasks.c):
 *     steps 1-3: one line each, "parallel for schedule(static)",
 *             "schedule(dynamic, chunk)", "schedule(guided)".
 *     step 4: the two calls as tasks with x and y shared, a taskwait before
 *             x + y; the first call in "parallel" + "single".
 *     step 5: "parallel" + "single", a "task firstprivate(p)" per node;
 *             list_array: the addresses copied into an array, then
 *             "parallel for schedule(dynamic, 16)" over it.
 *     step 6: "parallel" + "single" + "taskloop grainsize(grain)".
 *
 * USAGE
 *   ninja -C build                                              # rebuild
 *   build/exercises/06-tasks-load-balance/tasks --kernel static --threads 1,2
 *   build/exercises/06-tasks-load-balance/tasks --kernel static --timeline
 *   ./kit check 06 --step 1                                     # grade one step
 *
 * NOTES
 *   The pieces of work the kernels share out (mandel_row, fib_serial,
 *   node_work) are given in tasks.h and written in the kit's side
 *   (src/exercises/06-tasks-load-balance/tasks_work.c): your kernels share
 *   them out, they do not change them. They record which thread ran them
 *   and when, and --timeline draws it. This file also builds without
 *   OpenMP; the pragmas are then ignored.
 */
#include <stdint.h>
#include <stdlib.h>

#include "kit.h"
#include "tasks.h"

/* ------------------------------------------------------------------------
 * The kernels: your steps
 */

/* Step 1: rows shared in equal blocks, one block a thread. */
void mandel_static(const mandel *m, uint32_t *counts)
{
	/* Step 1: thread t gets the t-th block of rows, whatever they cost;
	 * the threads with the cheap rows then wait at the end of the loop. */
#pragma omp parallel for schedule(static)
	for (int y = 0; y < m->height; y++)
		mandel_row(m, y, counts);
}

/* Step 2: rows handed out CHUNK at a time to whichever thread is free. */
void mandel_dynamic(const mandel *m, int chunk, uint32_t *counts)
{
	(void)chunk;	/* read only by a pragma: unused where OpenMP is off */
	/* Step 2: a free thread takes the next CHUNK rows: an even finish, for
	 * one hand-out (a few hundred nanoseconds) per chunk. */
#pragma omp parallel for schedule(dynamic, chunk)
	for (int y = 0; y < m->height; y++)
		mandel_row(m, y, counts);
}

/* Step 3: chunks that shrink as the rows run out. */
void mandel_guided(const mandel *m, uint32_t *counts)
{
	/* Step 3: chunks of (rows left) / threads, shrinking to 1. */
#pragma omp parallel for schedule(guided)
	for (int y = 0; y < m->height; y++)
		mandel_row(m, y, counts);
}

/* fib(n) = fib(n - 1) + fib(n - 2), a task per call above the cut-off. */
static uint64_t fib_rec(int n, int cutoff)
{
	if (n < 2 || n < cutoff)
		return fib_serial(n);
	uint64_t x, y;
	/* Step 4: two tasks; x and y are shared (a task's variables are
	 * firstprivate by default), and taskwait waits for both. */
#pragma omp task shared(x)
	x = fib_rec(n - 1, cutoff);
#pragma omp task shared(y)
	y = fib_rec(n - 2, cutoff);
#pragma omp taskwait
	return x + y;
}

/* Step 4: the recursion, started by one thread of a team. */
uint64_t fib_tasks(int n, int cutoff)
{
	uint64_t r;
	/* Step 4: one thread starts the recursion, the team runs its tasks; r
	 * is shared, written by the single thread before the region ends. */
#pragma omp parallel
#pragma omp single
	r = fib_rec(n, cutoff);
	return r;
}

/* Step 5: a task per node of a linked list. */
uint64_t list_tasks(node *head)
{
	/* Step 5: one thread walks, every thread works; the barrier at the end
	 * of single waits for every task. */
#pragma omp parallel
#pragma omp single
	for (node *p = head; p; p = p->next) {
#pragma omp task firstprivate(p)
		node_work(p);
	}
	uint64_t sum = 0;
	for (const node *p = head; p; p = p->next)
		sum += p->result;
	return sum;
}

/* Step 5, the other way: the nodes' addresses copied into an array first. */
uint64_t list_array(node *head)
{
	/* Step 5: one serial walk to count and one to copy (cheap: a pointer
	 * a node), then an ordinary loop, dynamic because costs vary. */
	size_t n = 0;
	for (node *p = head; p; p = p->next)
		n++;
	node **a = malloc((n ? n : 1) * sizeof(*a));
	if (!a)
		return 0;
	n = 0;
	for (node *p = head; p; p = p->next)
		a[n++] = p;
#pragma omp parallel for schedule(dynamic, 16)
	for (size_t i = 0; i < n; i++)
		node_work(a[i]);
	free(a);
	uint64_t sum = 0;
	for (const node *p = head; p; p = p->next)
		sum += p->result;
	return sum;
}

/* Step 6: the rows as tasks of GRAIN rows each. */
void mandel_taskloop(const mandel *m, int grain, uint32_t *counts)
{
	(void)grain;	/* read only by a pragma: unused where OpenMP is off */
	/* Step 6: tasks of GRAIN rows (between grain and 2 x grain - 1), run
	 * by whichever thread is free. */
#pragma omp parallel
#pragma omp single
#pragma omp taskloop grainsize(grain)
	for (int y = 0; y < m->height; y++)
		mandel_row(m, y, counts);
}
