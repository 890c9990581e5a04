/*
 * NAME
 *   ipc.c - the kernels of exercise 05, processes and inter-process
 *   communication: THE FILE YOU EDIT.
 *
 * PURPOSE
 *   Every kernel below already works, serially, in this one process. Your
 *   task is in the blocks marked TODO(k) ... TODO end, one per step of
 *   README.md: move the work into child processes and decide what they
 *   share, how they synchronise and how big a piece of work each message
 *   carries. Change nothing outside the blocks.
 *
 * USAGE
 *   ninja -C build                                            # rebuild
 *   build/exercises/05-processes-ipc/ipc --kernel pool --procs 2 --validate
 *   ./kit check 05 --step 2                                   # grade one step
 *
 * NOTES
 *   pool.h is the process pool: kit_pool_run (one job per worker, one record
 *   back from each), kit_pool_map (many tasks handed out in chunks) and
 *   kit_shared_alloc (memory every forked worker shares). ipc.h defines the
 *   work: ipc_task, ipc_is_ripe, ipc_fib. Workers must not use OpenMP.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "ipc.h"
#include "kit.h"
#include "pool.h"

/* Step 1 (given): every task, one after the other, in this process. */
void ipc_map_serial(const ipc_tasks *t, uint64_t *out)
{
	for (size_t i = 0; i < t->n; i++)
		out[i] = ipc_task(t->seed, i, t->size);
}

/* Step 2: the tasks in NPROC worker processes. */
/* TODO(2): kit_pool_map (pool.h) runs a task function (size_t i, void *arg,
 * void *out) for each task in the workers and hands them out CHUNK tasks
 * per message. Write that function here: it computes task i into out (one
 * uint64_t) from the ipc_tasks passed as arg. */
/* TODO end */

int ipc_map_pool(const ipc_tasks *t, int nproc, uint64_t *out)
{
	/* TODO(2): call kit_pool_map with NPROC workers instead of this loop,
	 * and choose the chunk. Each message costs a round trip of a few
	 * microseconds; a task takes t->size nanoseconds. A chunk of 1 pays
	 * the round trip per task; one chunk per worker leaves a worker idle
	 * when the others are slower. Aim for a few chunks per worker, each
	 * long compared with a round trip. Return -1 if the pool fails. */
	(void)nproc;
	ipc_map_serial(t, out);
	return 0;
	/* TODO end */
}

/* Step 3: one counter shared by NPROC processes. */
/* TODO(3): write the worker for kit_pool_run: worker w of nw looks at items
 * [w*n/nw, (w+1)*n/nw) and adds 1 to the shared counter for each ripe one.
 * Pass it n, seed and a pointer to the counter in a struct. */
/* TODO end */

int ipc_count_shared(uint64_t n, uint64_t seed, int nproc, uint64_t *count)
{
	/* TODO(3): a forked worker has its own copy of every variable: its
	 * increments of a plain counter never reach this process. Put the
	 * counter in memory the workers share (kit_shared_alloc), make it an
	 * _Atomic uint64_t so that two increments at once are not lost
	 * (atomic_fetch_add_explicit, memory_order_relaxed), run NPROC workers
	 * with kit_pool_run (their records are unused: 1 byte each), read the
	 * counter, free it. */
	(void)nproc;
	uint64_t ripe = 0;
	for (uint64_t i = 0; i < n; i++)
		ripe += ipc_is_ripe(seed, i);
	*count = ripe;
	return 0;
	/* TODO end */
}

/* Step 4: nothing shared; partial counts added at the end. */
/* TODO(4): a worker for kit_pool_run that counts the ripe items of its share
 * in a local variable and writes the total into its record (one uint64_t). */
/* TODO end */

int ipc_count_partial(uint64_t n, uint64_t seed, int nproc, uint64_t *count)
{
	/* TODO(4): run NPROC workers with kit_pool_run, one uint64_t record
	 * each, and add the records here. Compare the time with step 3's. */
	(void)nproc;
	uint64_t ripe = 0;
	for (uint64_t i = 0; i < n; i++)
		ripe += ipc_is_ripe(seed, i);
	*count = ripe;
	return 0;
	/* TODO end */
}

/* Step 5: Fibonacci on threads. */
void ipc_fib_threads(const int *k, size_t n, uint64_t *out)
{
	/* TODO(5): share the loop among the OpenMP threads. The tasks are few
	 * and long, of unequal lengths: hand them out one at a time
	 * (schedule(dynamic, 1)). */
	for (size_t i = 0; i < n; i++)
		out[i] = ipc_fib(k[i]);
	/* TODO end */
}

/* Step 6: Fibonacci in processes. */
/* TODO(6): the task function for kit_pool_map: fib of k[i] into out. */
/* TODO end */

int ipc_fib_processes(const int *k, size_t n, int nproc, uint64_t *out)
{
	/* TODO(6): kit_pool_map with NPROC workers. Few long tasks: what chunk
	 * keeps every worker busy to the end? */
	(void)nproc;
	for (size_t i = 0; i < n; i++)
		out[i] = ipc_fib(k[i]);
	return 0;
	/* TODO end */
}
