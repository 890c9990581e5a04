/*
 * test_busy.c - kit_busy counts the threads that worked: two for a spin on
 * two OpenMP threads, one for the same spin serially, whatever the load.
 */
#include <time.h>

#include "kit.h"
#include "tap.h"

/*
 * Each spinning thread burns a fixed 0.3 s of its own CPU time, however long
 * that takes on a shared machine, and a thread counts as busy when its CPU
 * time reached 2% of the span's wall time: a spinner has at least 0.3 s, so
 * it counts unless the span lasted beyond 15 s (a load above 40 on each
 * CPU), while an idle worker has none (OMP_WAIT_POLICY=passive in meson.build:
 * it sleeps at once instead of spin-waiting). The verdict depends on who
 * worked, not on how loaded the machine is.
 */
#define FRACTION 0.25	/* of a fair share of the CPU work */
#define SPIN_CPU 0.3

static volatile double sink;

static double thread_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Spins until this thread has used SECONDS of CPU time (60 s of wall at most). */
static void spin(double seconds)
{
	double c0 = thread_cpu(), t0 = kit_wtime(), x = 0;
	while (thread_cpu() - c0 < seconds && kit_wtime() - t0 < 60)
		for (int i = 0; i < 1000; i++)
			x += 1e-9 * i;
	sink += x;
}

int main(void)
{
	kit_topo t;
	kit_topo_get(&t);

	kit_busy *b = kit_busy_begin();
	ok(b != NULL, "kit_busy_begin");
	spin(SPIN_CPU);
	ok(kit_busy_end(b, FRACTION) == 1, "a serial spin: 1 busy thread");

	if (!kit_omp_enabled() || t.pus < 2) {
		printf("ok %d - two threads busy # SKIP %s\n", ++tap_n,
		       kit_omp_enabled() ? "only 1 logical CPU" : "built without OpenMP");
		return tap_done();
	}
	b = kit_busy_begin();	/* the team's threads are created inside the span */
#pragma omp parallel num_threads(2)
	spin(SPIN_CPU);
	int n = kit_busy_end(b, FRACTION);
	if (n != 2)
		fprintf(stderr, "# %d busy threads\n", n);
	ok(n == 2, "a spin on 2 OpenMP threads: 2 busy threads (new threads count from 0)");

	b = kit_busy_begin();	/* the team exists now; only the master spins */
	spin(SPIN_CPU);
	n = kit_busy_end(b, FRACTION);
	ok(n == 1, "after a parallel region, a serial spin: 1 busy thread");

	b = kit_busy_begin();
#pragma omp parallel num_threads(2)
	spin(SPIN_CPU);
	ok(kit_busy_end(b, FRACTION) == 2, "the same team reused: 2 busy threads");
	return tap_done();
}
