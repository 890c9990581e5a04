/*
 * pi.h - the kernels of exercise 01, one per step, with fixed signatures.
 *
 * Each kernel draws N points (x, y) uniformly in [0, 1)^2 from SEED and
 * returns how many fall inside the quarter circle x^2 + y^2 < 1, so that
 * pi ~= 4 * hits / n. The driver (pi_main.c) validates, times and prints;
 * pi.c holds the kernels and nothing else.
 */
#ifndef PI_H
#define PI_H
#include <stdint.h>

/* Step 1 (given): serial, with the C library's one shared generator (rand). */
uint64_t pi_serial(uint64_t n, uint64_t seed);

/* Step 2: the loop shared among OpenMP threads; the count is a reduction. */
uint64_t pi_reduction(uint64_t n, uint64_t seed);

/* Step 3: each thread draws from its own random stream. */
uint64_t pi_streams(uint64_t n, uint64_t seed);

/* Step 4: the same count at any thread count: sample i is a function of
 * (seed, i) alone (pi_rng.h: pi_random_at). */
uint64_t pi_same_answer(uint64_t n, uint64_t seed);

/* Step 5 (bonus): NPROC child processes each count a share and send it back
 * through a pipe. Returns 0 and sets *HITS, or -1 after printing why. The
 * count equals pi_same_answer(n, seed). */
int pi_processes(uint64_t n, uint64_t seed, int nproc, uint64_t *hits);

#endif
