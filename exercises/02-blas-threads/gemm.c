/*
 * NAME
 *   gemm.c - the kernels of exercise 02, BLAS under OMP_NUM_THREADS: THE FILE
 *   YOU EDIT.
 *
 * PURPOSE
 *   Each kernel computes C = A * B for n x n row-major matrices (gemm.h); the
 *   driver checks every element against a reference, |C - AB| <= 3 eps n |A||B|,
 *   and only then prints GFLOP/s. Every kernel below already works, slowly.
 *   Your task is in the blocks marked TODO(k) ... TODO end, one per step of
 *   README.md; change nothing outside them.
 *
 * USAGE
 *   ninja -C build                                          # rebuild
 *   build/exercises/02-blas-threads/gemm --kernel blas --validate
 *   ./kit check 02 --step 1                                 # grade one step
 *
 * NOTES
 *   One product costs 2 n^3 floating-point operations (n^3 multiplies, n^3
 *   adds). cblas.h is OpenBLAS's C interface; the kit links its OpenMP build,
 *   which takes its thread count from OMP_NUM_THREADS (README.md, step 3).
 *   Pragmas are ignored in a build without OpenMP.
 */
#include <stddef.h>

#include <cblas.h>

#include "gemm.h"

/* Step 1: the library's matrix product. */
void gemm_blas(int n, const double *A, const double *B, double *C)
{
	/* TODO(1): replace these loops with one call of cblas_dgemm computing
	 * C = 1.0 * A * B + 0.0 * C. The matrices are row-major (CblasRowMajor),
	 * neither is transposed (CblasNoTrans), M = N = K = n, and each leading
	 * dimension (lda, ldb, ldc) is the length of a stored row: n. */
	size_t m = (size_t)n;
	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < m; j++) {
			double sum = 0.0;
			for (size_t k = 0; k < m; k++)
				sum += A[i * m + k] * B[k * m + j];
			C[i * m + j] = sum;
		}
	/* TODO end */
}

/* Step 2: the same product by hand. */
void gemm_loops(int n, const double *A, const double *B, double *C)
{
	size_t m = (size_t)n;
	/* TODO(2): two changes. (a) The rows of C are independent: share the
	 * loop over i among the OpenMP threads with one pragma. (b) The inner
	 * loop walks down a column of B, n * 8 bytes per step, so nearly every
	 * load misses the cache. Reorder the loops i-k-j: set row i of C to
	 * zero, then for each k add A[i][k] times row k of B to row i of C. The
	 * inner loop then reads B and writes C one element after the other, and
	 * the compiler can vectorise it ('omp simd' asks for that). */
	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < m; j++) {
			double sum = 0.0;
			for (size_t k = 0; k < m; k++)
				sum += A[i * m + k] * B[k * m + j];
			C[i * m + j] = sum;
		}
	/* TODO end */
}

/* Step 4: many small products. */
void gemm_batch(int count, int n, const double *A, const double *B, double *C)
{
	size_t nn = (size_t)n * (size_t)n;
	/* TODO(4): this loop runs the products one after the other, and each
	 * cblas_dgemm shares its one small product among the BLAS threads: a
	 * lot of starting and waiting for little work. Put the threads outside
	 * instead: share the loop over b among the OpenMP threads, so each
	 * thread computes whole products. Find out (README.md, step 4) what
	 * OpenBLAS then does inside each call, and do NOT call
	 * openblas_set_num_threads(1) here: in this build it also sets the
	 * OpenMP thread count of your loop to 1. */
	for (int b = 0; b < count; b++)
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0,
			    A + (size_t)b * nn, n, B + (size_t)b * nn, n, 0.0,
			    C + (size_t)b * nn, n);
	/* TODO end */
}
