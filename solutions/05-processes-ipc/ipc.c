/*
 * NAME
 *   ipc.c - the kernels of exercise 05, processes and inter-process
 *   communication: the REFERENCE SOLUTION.
 *
 * PURPOSE
 *   The skeleton's serial kernels, moved into child processes. What changed,
 *   step by step: (2) a task function and kit_pool_map in chunks of about
 *   n / (8 * nproc) tasks; (3) a counter in shared memory, incremented
 *   atomically; (4) one partial count per worker, added by the parent;
 *   (5) one pragma, dynamic schedule; (6) kit_pool_map in chunks of 1.
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
/* Step 2: task I, in a worker. */
static int one_task(size_t i, void *arg, void *out)
{
	const ipc_tasks *t = arg;
	*(uint64_t *)out = ipc_task(t->seed, i, t->size);
	return 0;
}

int ipc_map_pool(const ipc_tasks *t, int nproc, uint64_t *out)
{
	/* Step 2: 8 chunks per worker: a round trip per chunk is nothing
	 * beside n / 8 tasks, and a slow worker delays the end by 1/8 of its
	 * share at most. */
	size_t chunk = t->n / (8 * (size_t)nproc);
	return kit_pool_map(nproc, t->n, chunk ? chunk : 1, one_task, (void *)t, out,
			    sizeof(*out), NULL);
}

/* Step 3: one counter shared by NPROC processes. */
/* Step 3: the count's problem, with the counter every worker shares. */
struct shared_count {
	uint64_t n, seed;
	_Atomic uint64_t *counter;
};

static int count_into_shared(int w, int nw, void *arg, void *out)
{
	const struct shared_count *c = arg;
	(void)out;
	for (uint64_t i = c->n * (uint64_t)w / (uint64_t)nw;
	     i < c->n * (uint64_t)(w + 1) / (uint64_t)nw; i++)
		if (ipc_is_ripe(c->seed, i))
			atomic_fetch_add_explicit(c->counter, 1, memory_order_relaxed);
	return 0;
}

int ipc_count_shared(uint64_t n, uint64_t seed, int nproc, uint64_t *count)
{
	/* Step 3: shared memory, an atomic increment. */
	_Atomic uint64_t *counter = kit_shared_alloc(sizeof(*counter));
	struct shared_count c = { n, seed, counter };
	char *unused = kit_xcalloc((size_t)nproc, 1);
	int rc = kit_pool_run(nproc, count_into_shared, &c, unused, 1, NULL);
	*count = atomic_load(counter);
	free(unused);
	kit_shared_free(counter, sizeof(*counter));
	return rc;
}

/* Step 4: nothing shared; partial counts added at the end. */
/* Step 4: a worker's own count, sent back as its record. */
struct share {
	uint64_t n, seed;
};

static int count_own(int w, int nw, void *arg, void *out)
{
	const struct share *s = arg;
	uint64_t ripe = 0;
	for (uint64_t i = s->n * (uint64_t)w / (uint64_t)nw;
	     i < s->n * (uint64_t)(w + 1) / (uint64_t)nw; i++)
		ripe += ipc_is_ripe(s->seed, i);
	*(uint64_t *)out = ripe;
	return 0;
}

int ipc_count_partial(uint64_t n, uint64_t seed, int nproc, uint64_t *count)
{
	/* Step 4: nothing shared while counting; one number per worker. */
	struct share s = { n, seed };
	uint64_t *part = kit_xcalloc((size_t)nproc, sizeof(*part));
	int rc = kit_pool_run(nproc, count_own, &s, part, sizeof(*part), NULL);
	*count = 0;
	for (int w = 0; w < nproc; w++)
		*count += part[w];
	free(part);
	return rc;
}

/* Step 5: Fibonacci on threads. */
void ipc_fib_threads(const int *k, size_t n, uint64_t *out)
{
	/* Step 5: few long tasks of unequal lengths: one at a time. */
#pragma omp parallel for schedule(dynamic, 1)
	for (size_t i = 0; i < n; i++)
		out[i] = ipc_fib(k[i]);
}

/* Step 6: Fibonacci in processes. */
/* Step 6: one Fibonacci task, in a worker. */
static int one_fib(size_t i, void *arg, void *out)
{
	const int *k = arg;
	*(uint64_t *)out = ipc_fib(k[i]);
	return 0;
}

int ipc_fib_processes(const int *k, size_t n, int nproc, uint64_t *out)
{
	/* Step 6: few long tasks: one per message, so no worker waits while
	 * another still holds two. */
	return kit_pool_map(nproc, n, 1, one_fib, (void *)k, out, sizeof(*out), NULL);
}
