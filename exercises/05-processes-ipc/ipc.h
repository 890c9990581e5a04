/*
 * ipc.h - the kernels of exercise 05 (processes and IPC), with fixed
 * signatures, and the work they do (given). Three problems, each solved
 * serially first, then in child processes: N tasks, task i = ipc_task(seed,
 * i, size) (steps 1-2); how many of items 0..N-1 are ripe (ipc_is_ripe),
 * counted by several processes (steps 3-4); N tasks fib(k[i]), CPU-bound
 * and long (steps 5-6). Every answer is defined exactly: the checks demand it.
 */
#ifndef IPC_H
#define IPC_H
#include <stddef.h>
#include <stdint.h>

typedef struct ipc_tasks {	/* the tasks of steps 1 and 2 */
	uint64_t seed;
	uint64_t size;		/* rounds of arithmetic per task, ~1 ns each */
	size_t n;		/* tasks */
} ipc_tasks;

/* Step 1 (given): every task, in this process: OUT[i] = ipc_task(...). */
void ipc_map_serial(const ipc_tasks *t, uint64_t *out);

/* Step 2: the same tasks in NPROC worker processes (kit_pool_map), in chunks
 * you choose. 0, or -1 after the pool reported a failure. */
int ipc_map_pool(const ipc_tasks *t, int nproc, uint64_t *out);

/* Step 3: NPROC processes count the ripe items among 0..N-1 into ONE counter
 * they share. 0 and *COUNT set, or -1 after a message. */
int ipc_count_shared(uint64_t n, uint64_t seed, int nproc, uint64_t *count);

/* Step 4: the same count, each process counting its share on its own and
 * sending it back; the parent adds the shares. 0, or -1. */
int ipc_count_partial(uint64_t n, uint64_t seed, int nproc, uint64_t *count);

/* Step 5: OUT[i] = ipc_fib(K[i]) for i < N, on the OpenMP threads. */
void ipc_fib_threads(const int *k, size_t n, uint64_t *out);

/* Step 6: the same in NPROC worker processes. 0, or -1 after a message. */
int ipc_fib_processes(const int *k, size_t n, int nproc, uint64_t *out);

/* ------------------------------------------------------------------------
 * The work (given; do not change it: the checks compute the same).
 */

/* A 64-bit mixing function (splitmix64's finaliser): every bit of the
 * result depends on every bit of X. */
static inline uint64_t ipc_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

/* Task I of seed SEED: SIZE dependent rounds of arithmetic (~1 ns each). */
static inline uint64_t ipc_task(uint64_t seed, uint64_t i, uint64_t size)
{
	uint64_t x = ipc_mix(seed ^ (i * UINT64_C(0x9e3779b97f4a7c15)));
	for (uint64_t r = 0; r < size; r++)
		x = x * UINT64_C(6364136223846793005) + (x >> 29) + r;
	return x;
}

/* Item I is ripe (a tomato ready to pick): true for about 3 items in 10. */
static inline int ipc_is_ripe(uint64_t seed, uint64_t i)
{
	return (ipc_mix(seed + i * UINT64_C(0x9e3779b97f4a7c15)) >> 32) % 10 < 3;
}

/* The K-th Fibonacci number (fib(1) = fib(2) = 1), by naive recursion as in
 * the Python version of this lesson: about fib(K) calls, CPU-bound. */
static inline uint64_t ipc_fib(int k)
{
	return k <= 2 ? (k > 0) : ipc_fib(k - 1) + ipc_fib(k - 2);
}

#endif
