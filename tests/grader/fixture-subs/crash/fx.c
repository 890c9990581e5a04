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
	/* a crash: a write through NULL */
	volatile double *p = 0;
	*p = (double)n;
	return *p;
}
