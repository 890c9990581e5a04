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
	/* a wrong result: off by a factor of 2 */
	double s = 0;
#pragma omp parallel for reduction(+ : s)
	for (long i = 0; i < n; i++)
		s += (double)i;
	return 2 * s;
}
