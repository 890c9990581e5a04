/*
 * tasks_work.h - exercise 06's given work and its references, shared by the
 * descriptor (tasks_exercise.c) and the demos; students do not edit it.
 */
#ifndef TASKS_WORK_H
#define TASKS_WORK_H
#include <stdint.h>

#include "tasks.h"
#include "timeline.h"

/* The timeline the given work records into, or NULL (the default: nothing
 * is recorded). Set it outside parallel regions only. */
extern kit_timeline *tasks_tl;

/* The picture of N x N/2 pixels, at most ITERS steps a pixel: the window
 * [-2, 0.6] x [-0.3, 1.0], its heavy rows on top. */
mandel tasks_mandel(int n, int iters);
/* The picture computed row by row in this thread into COUNTS. */
void tasks_mandel_ref(const mandel *m, uint32_t *counts);

/* fib(N) by iteration (N <= 93). */
uint64_t tasks_fib_ref(int n);

/* N nodes (malloc'd array, caller frees) linked in an order and with costs
 * drawn from SEED: node i of the array is not the i-th of the list. *HEAD
 * gets the first. */
node *tasks_list_new(uint64_t n, uint64_t seed, node **head);
/* The sum of the results node_work gives the list, computed here, serially,
 * without writing the nodes. */
uint64_t tasks_list_ref(const node *head);

#endif
