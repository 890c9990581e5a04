/*
 * NAME
 *   hybrid.c - the functions of exercise 08, hybrid MPI + OpenMP pi: THE
 *   REFERENCE SOLUTION.
 *
 * PURPOSE
 *   Exercise 01's count of points inside the quarter circle, spread over
 *   MPI ranks (processes, possibly on several machines) and, inside each
 *   rank, OpenMP threads. What changed from the skeleton
 *   (exercises/08-hybrid-mpi/hybrid.c):
 *     step 1: MPI_Init_thread asking for MPI_THREAD_FUNNELED, and a check
 *             of what the library provides.
 *     step 2: rank r of R counts samples [r*n/R, (r+1)*n/R) only; the
 *             MPI_Reduce that was there adds the shares on rank 0.
 *     step 3: "parallel for simd reduction(+:hits)" in hybrid_count, as in
 *             exercise 01 step 4.
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
	/* Step 1: OpenMP threads inside, MPI called by this thread only (it
	 * calls MPI outside parallel regions): FUNNELED is enough, and what a
	 * library provides is not always what was asked for. */
	int provided;
	if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
		fprintf(stderr, "hybrid: error: MPI could not start\n");
		return -1;
	}
	if (provided < MPI_THREAD_FUNNELED) {
		fprintf(stderr, "hybrid: error: this MPI library provides no thread support "
			"(MPI_THREAD_SINGLE); use one built with threads\n");
		MPI_Finalize();
		return -1;
	}
	return 0;
}

/* Step 3: samples [LO, HI), shared among this rank's threads. */
uint64_t hybrid_count(uint64_t seed, uint64_t lo, uint64_t hi)
{
	uint64_t hits = 0;
	/* Step 3: sample i depends on (seed, i) alone: any split among threads
	 * and SIMD lanes gives the same count. */
#pragma omp parallel for simd reduction(+:hits)
	for (uint64_t i = lo; i < hi; i++)
		hits += pi_in_circle(pi_random_at(seed, i));
	return hits;
}

/* Step 2: the whole count, over the ranks. */
uint64_t hybrid_pi(uint64_t n, uint64_t seed)
{
	int rank, ranks;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &ranks);
	uint64_t total = 0;
	/* Step 2: disjoint shares that cover every sample once; n * r fits in
	 * 64 bits for any n the driver accepts (at most 1e13) and r < 2^20. */
	uint64_t r = (uint64_t)rank, nr = (uint64_t)ranks;
	uint64_t mine = hybrid_count(seed, r * n / nr, (r + 1) * n / nr);
	MPI_Reduce(&mine, &total, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
	return total;
}
