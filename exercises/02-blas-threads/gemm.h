/*
 * gemm.h - the kernels of exercise 02, one per step, with fixed signatures.
 *
 * Every kernel computes C = A * B for n x n matrices of doubles stored
 * row-major: element (i, j) of A is A[i * n + j]. C is written, never read
 * (the driver fills it with NaN before checking, so a kernel that adds into
 * it fails). The driver (gemm_main.c) validates, times and prints; gemm.c
 * holds the kernels and nothing else. Step 3 is a sweep with ./kit sweep and
 * has no kernel of its own.
 */
#ifndef GEMM_H
#define GEMM_H

/* Step 1: one call of cblas_dgemm (OpenBLAS). */
void gemm_blas(int n, const double *A, const double *B, double *C);

/* Step 2: hand-written loops: OpenMP over the rows, a cache-friendly order. */
void gemm_loops(int n, const double *A, const double *B, double *C);

/* Step 4: COUNT independent products of n x n matrices, stored one after the
 * other: matrix b of A starts at A + b * n * n (the same for B and C), and
 * C_b = A_b * B_b. */
void gemm_batch(int count, int n, const double *A, const double *B, double *C);

#endif
