/*
 * NAME
 *   tasks.c - the kernels of exercise 06, tasks and load balance: THE FILE
 *   YOU EDIT.
 *
 * PURPOSE
 *   Steps 1-3 share the rows of a Mandelbrot picture among the threads under
 *   three loop schedules; steps 4-6 use OpenMP tasks: a recursion
 *   (Fibonacci), a linked list, and a task loop. Every kernel below already
 *   works, serially, and gives the right answer. Your task is in the blocks
 *   marked TODO(k) ... TODO end, one per step of README.md; change nothing
 *   outside them.
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
	/* TODO(1): share the rows among the threads with one pragma, the
	 * schedule written out: schedule(static) gives thread t the t-th block
	 * of height / threads consecutive rows. Rows are independent: each
	 * writes only its own counts. */
	for (int y = 0; y < m->height; y++)
		mandel_row(m, y, counts);
	/* TODO end */
}

/* Step 2: rows handed out CHUNK at a time to whichever thread is free. */
void mandel_dynamic(const mandel *m, int chunk, uint32_t *counts)
{
	(void)chunk;	/* read only by a pragma: unused where OpenMP is off */
	/* TODO(2): as step 1 with schedule(dynamic, chunk): a thread that
	 * finishes its chunk takes the next one, so no thread idles while rows
	 * are left. */
	for (int y = 0; y < m->height; y++)
		mandel_row(m, y, counts);
	/* TODO end */
}

/* Step 3: chunks that shrink as the rows run out. */
void mandel_guided(const mandel *m, uint32_t *counts)
{
	/* TODO(3): as step 1 with schedule(guided): large chunks first (few
	 * hand-outs), smaller ones towards the end (an even finish). */
	for (int y = 0; y < m->height; y++)
		mandel_row(m, y, counts);
	/* TODO end */
}

/* fib(n) = fib(n - 1) + fib(n - 2), a task per call above the cut-off. */
static uint64_t fib_rec(int n, int cutoff)
{
	if (n < 2 || n < cutoff)
		return fib_serial(n);
	uint64_t x, y;
	/* TODO(4): make each of the two calls a task ('omp task', with x and
	 * y shared so that the result comes back), then wait for both
	 * (taskwait) before adding them. Below the cut-off fib_serial runs in
	 * the same thread: a task costs about a microsecond to make and run. */
	x = fib_rec(n - 1, cutoff);
	y = fib_rec(n - 2, cutoff);
	/* TODO end */
	return x + y;
}

/* Step 4: the recursion, started by one thread of a team. */
uint64_t fib_tasks(int n, int cutoff)
{
	uint64_t r;
	/* TODO(4): open a parallel region in which ONE thread (single) makes
	 * the first call; the tasks it makes are run by the whole team. */
	r = fib_rec(n, cutoff);
	/* TODO end */
	return r;
}

/* Step 5: a task per node of a linked list. */
uint64_t list_tasks(node *head)
{
	/* TODO(5): a 'for' cannot share this loop (the count of nodes is not
	 * known until the end). In a parallel region, one thread (single) walks
	 * the list and makes a task per node that calls node_work(p); p must be
	 * the task's own copy (firstprivate). The tasks are all done at the end
	 * of the single region. */
	for (node *p = head; p; p = p->next)
		node_work(p);
	/* TODO end */
	uint64_t sum = 0;
	for (const node *p = head; p; p = p->next)
		sum += p->result;
	return sum;
}

/* Step 5, the other way: the nodes' addresses copied into an array first. */
uint64_t list_array(node *head)
{
	/* TODO(5): count the nodes, copy their addresses into an array of that
	 * many node pointers (malloc; free it after), then share an ordinary
	 * loop over the array: 'parallel for', with a schedule that copes with
	 * nodes of very different costs. */
	for (node *p = head; p; p = p->next)
		node_work(p);
	/* TODO end */
	uint64_t sum = 0;
	for (const node *p = head; p; p = p->next)
		sum += p->result;
	return sum;
}

/* Step 6: the rows as tasks of GRAIN rows each. */
void mandel_taskloop(const mandel *m, int grain, uint32_t *counts)
{
	(void)grain;	/* read only by a pragma: unused where OpenMP is off */
	/* TODO(6): in a parallel region, one thread (single) makes the tasks
	 * with 'taskloop grainsize(grain)' over the rows: tasks of grain rows,
	 * run by every thread of the team. */
	for (int y = 0; y < m->height; y++)
		mandel_row(m, y, counts);
	/* TODO end */
}
