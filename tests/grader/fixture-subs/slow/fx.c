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
	/* 5x slower: the same sum five times */
	volatile double s = 0;
	for (int k = 0; k < 5; k++) {
		double t = 0;
#pragma omp parallel for reduction(+ : t)
		for (long i = 0; i < n; i++)
			t += (double)i;
		s = t;
	}
	return s;
}
