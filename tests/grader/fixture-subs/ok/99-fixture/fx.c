/* fx.c - the fixture's reference solution. */
#include "fx.h"

double fx_sum(long n)
{
	double s = 0;
	for (long i = 0; i < n; i++)
		s += (double)i;
	return s;
}

double fx_par(long n)
{
	double s = 0;
#pragma omp parallel for reduction(+ : s)
	for (long i = 0; i < n; i++)
		s += (double)i;
	return s;
}
