/*
 * hybrid.h - the functions of exercise 08, one per step, with fixed
 * signatures: exercise 01's Monte Carlo pi over MPI ranks x OpenMP threads.
 *
 * Sample i of a run is pi_in_circle(pi_random_at(seed, i)) (pi_rng.h), the
 * counter-based stream of exercise 01 step 4: whoever computes sample i gets
 * the same number, so the count of n samples is the same at any number of
 * ranks (MPI processes) and threads. The driver
 * (src/exercises/08-hybrid-mpi/hybrid_exercise.c) starts and ends MPI
 * around these, times and checks; hybrid.c holds the functions and nothing
 * else.
 */
#ifndef HYBRID_H
#define HYBRID_H
#include <stdint.h>

/* Step 1: start MPI so that OpenMP threads may run inside each rank, with
 * only the thread that started MPI calling it (MPI_THREAD_FUNNELED).
 * 0, or -1 after a message on stderr. */
int hybrid_init(int *argc, char ***argv);

/* Step 3: the hits among samples [LO, HI) for SEED, shared among this
 * rank's OpenMP threads. */
uint64_t hybrid_count(uint64_t seed, uint64_t lo, uint64_t hi);

/* Step 2: called by every rank of MPI_COMM_WORLD with the same N and SEED:
 * this rank counts its own share of the N samples (hybrid_count) and the
 * shares are summed on rank 0. Returns the whole count on rank 0 (on the
 * other ranks: anything). */
uint64_t hybrid_pi(uint64_t n, uint64_t seed);

#endif
