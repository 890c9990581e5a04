/*
 * tasks.h - the kernels of exercise 06, tasks and load balance, one per
 * step, with fixed signatures; and the given pieces of work they call.
 *
 * The given functions (the kit's: src/exercises/06-tasks-load-balance/
 * tasks_work.c) do one piece of work each and record which thread did it and
 * when, for the timelines (--timeline): call them from any thread. The rest of this header is for the
 * kit's side (src/exercises/06-tasks-load-balance/, the demos).
 */
#ifndef TASKS_H
#define TASKS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "timeline.h"

/* The timeline the given work records into, or NULL (nothing recorded). */
extern kit_timeline *tasks_tl;

/* A picture of the Mandelbrot set: pixel (x, y) is the point
 * c = (x0 + x dx) + i (y0 + y dy); its count is the number of steps
 * z <- z^2 + c, from z = 0, before |z| > 2, at most ITERS. The top rows
 * cross the set (every pixel costs ITERS steps), the bottom rows hardly:
 * the cost per row varies by 100x. */
typedef struct mandel {
	int width, height, iters;
	double x0, y0, dx, dy;
} mandel;

/* Given: computes row Y of M into COUNTS[Y * width ...] (writes nothing
 * else) and records it in the timeline. */
void mandel_row(const mandel *m, int y, uint32_t *counts);

/* Step 1: every row, the loop shared with schedule(static). */
void mandel_static(const mandel *m, uint32_t *counts);
/* Step 2: the same with schedule(dynamic, CHUNK). */
void mandel_dynamic(const mandel *m, int chunk, uint32_t *counts);
/* Step 3: the same with schedule(guided). */
void mandel_guided(const mandel *m, uint32_t *counts);

/* Given: Fibonacci number N (fib(0) = 0, fib(1) = 1) the slow way, by
 * recursion, in this thread; recorded in the timeline when N is 10 or more. */
uint64_t fib_serial(int n);
/* Step 4: fib(N) by recursion with a task per call, calls with n below
 * CUTOFF done by fib_serial. */
uint64_t fib_tasks(int n, int cutoff);

/* A list node: work of COST steps on KEY gives RESULT. */
typedef struct node {
	struct node *next;
	uint64_t key;
	uint32_t cost;
	uint64_t result;
} node;

/* Given: COST rounds of mixing from KEY, the value of a node. */
uint64_t node_value(uint64_t key, uint32_t cost);
/* Given: does P's work: P->result = node_value(key, cost), and records it. */
void node_work(node *p);
/* Step 5: node_work on every node of the list at HEAD, a task per node;
 * returns the sum of the results (modulo 2^64). */
uint64_t list_tasks(node *head);

/* Step 5, the other way: the same, the list first copied into an array of
 * node pointers, then a parallel loop over the array. */
uint64_t list_array(node *head);

/* Step 6: the picture of step 1 with taskloop, GRAIN rows a task. */
void mandel_taskloop(const mandel *m, int grain, uint32_t *counts);

/* The kit's side (src/exercises/06-tasks-load-balance/tasks_work.c): the
 * picture of N x N/2 pixels, at most ITERS steps a pixel, in the window
 * [-2, 0.6] x [-0.3, 1.0] (heavy rows on top) shifted by less than a pixel
 * by SEED; the serial references the checks compare with; the list of N
 * nodes linked in an order drawn from SEED (the array, *HEAD its first). */
mandel tasks_mandel(int n, int iters, uint64_t seed);
void tasks_mandel_ref(const mandel *m, uint32_t *counts);
uint64_t tasks_fib_ref(int n);
node *tasks_list_new(uint64_t n, uint64_t seed, node **head);
uint64_t tasks_list_ref(const node *head);
/* Who did the given work: every call of mandel_row, fib_serial and
 * node_work is counted for the thread that made it (the check at 2 or more
 * threads wants the pieces on more than one thread). tasks_pieces_reset()
 * before a run, outside parallel regions; after it, tasks_pieces(PER, MAX)
 * puts the counts of the threads that did any in PER, most first (at most
 * MAX of them), and returns how many threads that is. */
void tasks_pieces_reset(void);
int tasks_pieces(uint64_t *per, int max);
/* The FNV-1a hash of N counts. */
uint64_t tasks_picture_hash(const uint32_t *counts, size_t n);
/* True when M's picture GOT equals WANT pixel for pixel; MSG says so, or
 * how many pixels differ and the first of them. */
struct kit_buf;
bool tasks_picture_check(const uint32_t *got, const uint32_t *want, const mandel *m,
			 struct kit_buf *msg);
/* Writes the N COUNTS to DIR/counts.u32 (raw, little-endian) atomically. 0,
 * or -1 with a message. */
int tasks_write_counts(const char *dir, const uint32_t *counts, size_t n);

#endif
