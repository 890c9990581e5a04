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
	/* a hang: never ends */
	volatile long k = 0;
	while (n > 0)
		k++;
	return (double)k;
}
