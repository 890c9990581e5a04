/*
 * cblas.h - a stand-in for OpenBLAS's cblas.h, used ONLY in builds without
 * OpenBLAS (-Dblas=disabled: the grader's ThreadSanitizer build, where
 * OpenBLAS, not instrumented and built for libgomp, cannot be linked).
 *
 * It declares the few routines exercise 02 calls, with OpenBLAS's names and
 * arguments, so gemm.c compiles unchanged; cblas_ref.c implements them
 * plainly (a serial triple loop). There the race check sees only the
 * student's own loops: a race it reports is in gemm.c. Never faster than
 * OpenBLAS, never used for timing: the normal build links OpenBLAS.
 */
#ifndef KIT_NOBLAS_CBLAS_H
#define KIT_NOBLAS_CBLAS_H

typedef enum { CblasRowMajor = 101, CblasColMajor = 102 } CBLAS_ORDER;
typedef enum { CblasNoTrans = 111, CblasTrans = 112, CblasConjTrans = 113 } CBLAS_TRANSPOSE;
typedef CBLAS_ORDER CBLAS_LAYOUT;

/* C = ALPHA op(A) op(B) + BETA C, op(A) M x K, op(B) K x N, in ORDER with
 * leading dimensions LDA, LDB, LDC (as the reference BLAS dgemm; BETA 0:
 * C is not read). Serial. Cannot fail: arguments are the caller's to get
 * right, as with OpenBLAS (no argument checks). */
void cblas_dgemm(CBLAS_ORDER order, CBLAS_TRANSPOSE transa, CBLAS_TRANSPOSE transb, int m, int n,
		 int k, double alpha, const double *a, int lda, const double *b, int ldb,
		 double beta, double *c, int ldc);

/* As OpenBLAS's OpenMP build: the thread count is OpenMP's
 * (omp_get_max_threads()); setting it sets OpenMP's (omp_set_num_threads). */
int openblas_get_num_threads(void);
void openblas_set_num_threads(int n);

/* "none (plain serial dgemm: a build without OpenBLAS)". */
char *openblas_get_corename(void);

#endif
