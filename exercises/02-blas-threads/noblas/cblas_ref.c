/*
 * cblas_ref.c - the plain dgemm behind cblas.h's stand-in, for builds
 * without OpenBLAS only (cblas.h says why). Serial: no OpenMP inside, so
 * the ThreadSanitizer build's race reports are the student's loops'.
 */
#include <stddef.h>

#include "cblas.h"
#include "kit_omp.h"

/* Element (I, J) of the matrix X (leading dimension LD) as op(X) sees it. */
static double at(const double *x, int ld, CBLAS_ORDER order, CBLAS_TRANSPOSE t, int i, int j)
{
	if (t != CblasNoTrans) {
		int s = i;
		i = j, j = s;
	}
	return order == CblasRowMajor ? x[(size_t)i * (size_t)ld + (size_t)j]
				      : x[(size_t)j * (size_t)ld + (size_t)i];
}

void cblas_dgemm(CBLAS_ORDER order, CBLAS_TRANSPOSE transa, CBLAS_TRANSPOSE transb, int m, int n,
		 int k, double alpha, const double *a, int lda, const double *b, int ldb,
		 double beta, double *c, int ldc)
{
	for (int i = 0; i < m; i++)
		for (int j = 0; j < n; j++) {
			double sum = 0.0;
			for (int l = 0; l < k; l++)
				sum += at(a, lda, order, transa, i, l) * at(b, ldb, order, transb, l, j);
			double *cij = order == CblasRowMajor ? &c[(size_t)i * (size_t)ldc + (size_t)j]
							     : &c[(size_t)j * (size_t)ldc + (size_t)i];
			*cij = alpha * sum + (beta == 0.0 ? 0.0 : beta * *cij);
		}
}

int openblas_get_num_threads(void)
{
	return kit_omp_max_threads();
}

void openblas_set_num_threads(int n)
{
	kit_omp_set_threads(n);
}

char *openblas_get_corename(void)
{
	static char name[] = "none (plain serial dgemm: a build without OpenBLAS)";
	return name;
}
