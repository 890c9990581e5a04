/*
 * test_machine.c - kit_machine_measure gives positive, finite, plausible
 * figures; save writes results/machine.json under KIT_ROOT and load reads
 * the same figures back; a missing or broken file loads as "not measured".
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kit.h"
#include "tap.h"

static int fine(double x)
{
	return isfinite(x) && x > 0;
}

int main(void)
{
	char root[] = "/tmp/kit-test-machine.XXXXXX", path[256];
	kit_machine m, back;
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	setenv("KIT_ROOT", root, 1);
	snprintf(path, sizeof(path), "%s/results/machine.json", root);

	ok(kit_machine_load(&back) == -1, "load before any measurement: -1");

	double t0 = kit_wtime();
	ok(kit_machine_measure(&m, false) == 0, "measure");
	double took = kit_wtime() - t0;
	fprintf(stderr, "# peak %.1f / %.1f GFLOP/s, triad %.1f / %.1f GB/s, %d threads, %.1f s\n",
		m.peak_gflops_1, m.peak_gflops_all, m.bw_gbs_1, m.bw_gbs_all, m.threads_all, took);
	ok(fine(m.peak_gflops_1) && fine(m.peak_gflops_all), "peaks positive and finite");
	ok(fine(m.bw_gbs_1) && fine(m.bw_gbs_all), "bandwidths positive and finite");
	ok(m.peak_gflops_1 > 0.5 && m.peak_gflops_1 < 1e4, "1-thread peak plausible (0.5 to 10^4 GFLOP/s)");
	ok(m.bw_gbs_1 > 0.1 && m.bw_gbs_1 < 1e4, "1-thread triad plausible (0.1 to 10^4 GB/s)");
	kit_topo t;
	kit_topo_get(&t);
	ok(m.threads_all == (kit_omp_enabled() ? t.pus : 1), "threads_all is the logical CPUs");

	ok(kit_machine_save(&m) == 0, "save");
	struct stat st;
	ok(stat(path, &st) == 0 && st.st_size > 0, "results/machine.json written under KIT_ROOT");
	memset(&back, 0, sizeof(back));
	ok(kit_machine_load(&back) == 0, "load");
	/* The file keeps 3 decimals: far below the measurements' noise. */
	near(back.peak_gflops_1, m.peak_gflops_1, 5e-4, "load: peak_gflops_1 as saved");
	near(back.peak_gflops_all, m.peak_gflops_all, 5e-4, "load: peak_gflops_all as saved");
	near(back.bw_gbs_1, m.bw_gbs_1, 5e-4, "load: bw_gbs_1 as saved");
	near(back.bw_gbs_all, m.bw_gbs_all, 5e-4, "load: bw_gbs_all as saved");
	ok(back.threads_all == m.threads_all, "load: threads_all as saved");

	FILE *f = fopen(path, "w");
	fputs("{\"peak_gflops_1\": \"fast\"}\n", f);
	fclose(f);
	ok(kit_machine_load(&back) == -1, "a broken file loads as not measured");

	unlink(path);
	snprintf(path, sizeof(path), "%s/results", root);
	rmdir(path);
	rmdir(root);
	return tap_done();
}
