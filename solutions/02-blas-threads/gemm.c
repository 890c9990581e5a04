/*
 * NAME
 *   gemm.c - the kernels of exercise 02, BLAS under OMP_NUM_THREADS: THE
 *   REFERENCE SOLUTION.
 *
 * PURPOSE
 *   Each kernel computes C = A * B for n x n row-major matrices (gemm.h).
 *   What changed from the skeleton (exercises/02-blas-threads/gemm.c):
 *     step 1: the triple loop replaced by one cblas_dgemm call, row-major,
 *             leading dimensions n: 20-100x faster on one core.
 *     step 2: "parallel for" over the rows of C, and the loops reordered
 *             i-k-j so that the inner loop streams through a row of B and a
 *             row of C ("omp simd": vectorised). Several times faster than
 *             the skeleton, still several times slower than the library.
 *     step 3: no code: ./kit sweep runs step 1 once per OMP_NUM_THREADS.
 *     step 4: "parallel for" over the batch. Inside the loop each
 *             cblas_dgemm runs on one thread by itself: OpenBLAS's OpenMP
 *             build checks omp_in_parallel() and does not start threads of
 *             its own there, so threads outside and BLAS threads never
 *             multiply (no oversubscription with this build).
 *
 * USAGE
 *   build/solutions/02-blas-threads/gemm --kernel all
 *   diff exercises/02-blas-threads/gemm.c solutions/02-blas-threads/gemm.c
 *
 * NOTES
 *   One product costs 2 n^3 floating-point operations. Pragmas are ignored in
 *   a build without OpenMP (then step 2 runs serially, still i-k-j).
 */
#include <stddef.h>

#include <cblas.h>

#include "gemm.h"

/* Step 1: the library's matrix product. */
void gemm_blas(int n, const double *A, const double *B, double *C)
{
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n,
		    1.0, A, n, B, n, 0.0, C, n);
}

/* Step 2: the same product by hand. */
void gemm_loops(int n, const double *A, const double *B, double *C)
{
	size_t m = (size_t)n;
#pragma omp parallel for schedule(static)
	for (size_t i = 0; i < m; i++) {
		double *c = C + i * m;
		for (size_t j = 0; j < m; j++)
			c[j] = 0.0;
		for (size_t k = 0; k < m; k++) {
			const double a = A[i * m + k];
			const double *b = B + k * m;
#pragma omp simd
			for (size_t j = 0; j < m; j++)
				c[j] += a * b[j];
		}
	}
}

/* Step 4: many small products. */
void gemm_batch(int count, int n, const double *A, const double *B, double *C)
{
	size_t nn = (size_t)n * (size_t)n;
	/* Each thread computes whole products; inside a parallel region
	 * OpenBLAS's OpenMP build runs every call on the calling thread alone. */
#pragma omp parallel for schedule(static)
	for (int b = 0; b < count; b++)
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0,
			    A + (size_t)b * nn, n, B + (size_t)b * nn, n, 0.0,
			    C + (size_t)b * nn, n);
}
