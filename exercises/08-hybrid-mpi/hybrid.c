/*
 * NAME
 *   hybrid.c - the functions of exercise 08, hybrid MPI + OpenMP pi: THE
 *   FILE YOU EDIT.
 *
 * PURPOSE
 *   Exercise 01's count of points inside the quarter circle, spread over
 *   MPI ranks (processes, possibly on several machines) and, inside each
 *   rank, OpenMP threads. Every function below already works: one rank, one
 *   thread. Your task is in the blocks marked TODO(k) ... TODO end, one per
 *   step of README.md; change nothing outside them.
 *
 * USAGE
 *   ninja -C build
 *   mpirun -np 2 build/exercises/08-hybrid-mpi/hybrid --validate
 *   ./kit check 08 --step 2
 *
 * NOTES
 *   MPI calls: mpi.h (man MPI_Reduce). omp_* calls go through kit_omp.h, so
 *   this file also builds without OpenMP; pragmas are then ignored.
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>

#include "hybrid.h"
#include "kit.h"
#include "pi_rng.h"

/* Step 1: start MPI. */
int hybrid_init(int *argc, char ***argv)
{
	/* TODO(1): MPI_Init promises nothing about threads (MPI_THREAD_SINGLE:
	 * one thread in the whole process). Ask for MPI_THREAD_FUNNELED with
	 * MPI_Init_thread instead (threads may run, only this one calls MPI),
	 * and when the library provides less, say so on stderr and return -1. */
	if (MPI_Init(argc, argv) != MPI_SUCCESS) {
		fprintf(stderr, "hybrid: error: MPI could not start\n");
		return -1;
	}
	/* TODO end */
	return 0;
}

/* Step 3: samples [LO, HI), shared among this rank's threads. */
uint64_t hybrid_count(uint64_t seed, uint64_t lo, uint64_t hi)
{
	uint64_t hits = 0;
	/* TODO(3): one thread counts every sample of this rank. Share the loop
	 * among the OpenMP threads as in exercise 01 step 4 (one pragma: a
	 * parallel loop, simd, a reduction on hits). */
	for (uint64_t i = lo; i < hi; i++)
		hits += pi_in_circle(pi_random_at(seed, i));
	/* TODO end */
	return hits;
}

/* Step 2: the whole count, over the ranks. */
uint64_t hybrid_pi(uint64_t n, uint64_t seed)
{
	int rank, ranks;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &ranks);
	uint64_t total = 0;
	/* TODO(2): every rank counts all N samples, and the sum below adds
	 * them up RANKS times. Give rank r of R only its share, samples
	 * [r*n/R, (r+1)*n/R): the shares are disjoint and cover every sample
	 * once, so their sum is the one-process count. */
	uint64_t mine = hybrid_count(seed, 0, n);
	(void)rank;
	/* TODO end */
	MPI_Reduce(&mine, &total, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
	return total;
}
