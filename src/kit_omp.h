/*
 * kit_omp.h - OpenMP calls that also build without OpenMP.
 *
 * Pragmas vanish in a serial build; calls to omp_* do not, so programs call
 * these instead. Without OpenMP there is one thread and it is thread 0.
 */
#ifndef KIT_OMP_H
#define KIT_OMP_H

#ifdef _OPENMP
#include <omp.h>
#endif

/* True when this program was compiled with OpenMP. */
static inline int kit_omp_enabled(void)
{
#ifdef _OPENMP
	return 1;
#else
	return 0;
#endif
}

/* Threads the next parallel region will use (omp_get_max_threads). */
static inline int kit_omp_max_threads(void)
{
#ifdef _OPENMP
	return omp_get_max_threads();
#else
	return 1;
#endif
}

/* Sets the threads for later parallel regions (omp_set_num_threads). */
static inline void kit_omp_set_threads(int n)
{
#ifdef _OPENMP
	omp_set_num_threads(n);
#else
	(void)n;
#endif
}

/* This thread's number in the current team, 0 outside parallel regions. */
static inline int kit_omp_thread_num(void)
{
#ifdef _OPENMP
	return omp_get_thread_num();
#else
	return 0;
#endif
}

/* Threads in the current team, 1 outside parallel regions. */
static inline int kit_omp_num_threads(void)
{
#ifdef _OPENMP
	return omp_get_num_threads();
#else
	return 1;
#endif
}

/* The OpenMP version as _OPENMP's date (201511 for 4.5), 0 without OpenMP. */
static inline long kit_omp_version(void)
{
#ifdef _OPENMP
	return _OPENMP;
#else
	return 0;
#endif
}

#endif /* KIT_OMP_H */
