/*
 * test_busy.c - kit_busy counts the threads that worked: two for a 0.3 s
 * spin on two OpenMP threads, one for the same spin serially.
 */
#include "kit.h"
#include "tap.h"

/* A thread is busy when its CPU time reached a quarter of the wall time:
 * low enough for a machine shared with other programs (2 spinning threads
 * at load 4 still get ~50%), high enough that libgomp's idle workers, which
 * spin-wait a few ms after a region, are not counted. */
#define FRACTION 0.25

static volatile double sink;

/* Spins for SECONDS of wall time. */
static void spin(double seconds)
{
	double t0 = kit_wtime(), x = 0;
	while (kit_wtime() - t0 < seconds)
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
	spin(0.3);
	ok(kit_busy_end(b, FRACTION) == 1, "a serial spin: 1 busy thread");

	if (!kit_omp_enabled() || t.pus < 2) {
		printf("ok %d - two threads busy # SKIP %s\n", ++tap_n,
		       kit_omp_enabled() ? "only 1 logical CPU" : "built without OpenMP");
		return tap_done();
	}
	b = kit_busy_begin();	/* the team's threads are created inside the span */
#pragma omp parallel num_threads(2)
	spin(0.3);
	int n = kit_busy_end(b, FRACTION);
	if (n != 2)
		fprintf(stderr, "# %d busy threads\n", n);
	ok(n == 2, "a spin on 2 OpenMP threads: 2 busy threads (new threads count from 0)");

	b = kit_busy_begin();	/* the team exists now; only the master spins */
	spin(0.3);
	n = kit_busy_end(b, FRACTION);
	ok(n == 1, "after a parallel region, a serial spin: 1 busy thread");

	b = kit_busy_begin();
#pragma omp parallel num_threads(2)
	spin(0.3);
	ok(kit_busy_end(b, FRACTION) == 2, "the same team reused: 2 busy threads");
	return tap_done();
}
