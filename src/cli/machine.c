/*
 * machine.c - ./kit machine: measures this machine's limits (FMA peak and
 * triad bandwidth, 1 thread and all logical CPUs) once and caches them in
 * results/machine.json, from which every program prints its rates as a
 * fraction of what the machine can do.
 *
 * USAGE: ./kit machine [--force] [--json FILE]
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "kit.h"

#define MAX_AGE_DAYS 30

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ./kit machine [--force] [--json FILE]\n"
		"\n"
		"Measures the floating-point peak (an FMA loop) and the memory bandwidth\n"
		"(STREAM triad) on 1 thread and on all logical CPUs, in a few seconds,\n"
		"and saves them to results/machine.json. Rates elsewhere are printed as\n"
		"fractions of these. A measurement less than %d days old is reused.\n"
		"\n"
		"  --force       measure again even when results/machine.json is recent\n"
		"  --json FILE   also copy results/machine.json to FILE\n"
		"\n"
		"examples:\n"
		"  ./kit machine\n"
		"  ./kit machine --force --json machine-$(hostname).json\n", MAX_AGE_DAYS);
}

static void print_figures(const kit_machine *m)
{
	printf("  FMA peak        %7.1f GFLOP/s on 1 thread, %7.1f on %d (x%.2f)\n",
	       m->peak_gflops_1, m->peak_gflops_all, m->threads_all,
	       m->peak_gflops_all / m->peak_gflops_1);
	printf("  triad bandwidth %7.1f GB/s    on 1 thread, %7.1f on %d (x%.2f)\n",
	       m->bw_gbs_1, m->bw_gbs_all, m->threads_all, m->bw_gbs_all / m->bw_gbs_1);
}

/* Copies the file at FROM into A (opened before measuring, so that a bad
 * --json path fails at once) and commits it. */
static int copy_file(const char *from, kit_atomic *a)
{
	FILE *in = fopen(from, "r");
	char buf[65536];
	size_t n;
	if (!in) {
		kit_error("cannot read '%s'; run ./kit machine --force", from);
		kit_atomic_abort(a);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, a->f) != n)
			break;
	fclose(in);
	if (ferror(a->f)) {
		kit_error("cannot write '%s'; nothing was written there", a->path);
		kit_atomic_abort(a);
		return -1;
	}
	return kit_atomic_commit(a);
}

int cmd_machine(int argc, char **argv)
{
	const char *json = NULL;
	bool force = false;
	char path[4096];
	struct stat st;
	kit_machine m;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			usage(stdout);
			return KIT_EXIT_OK;
		} else if (!strcmp(argv[i], "--force")) {
			force = true;
		} else if (!strcmp(argv[i], "--json")) {
			if (i + 1 >= argc) {
				kit_error("machine: --json needs a FILE; run ./kit machine --help");
				return KIT_EXIT_USAGE;
			}
			json = argv[++i];
		} else {
			kit_error("machine: unknown argument '%s'; run ./kit machine --help",
				  argv[i]);
			return KIT_EXIT_USAGE;
		}
	}
	snprintf(path, sizeof(path), "%s/results/machine.json", kit_root());
	/* A --json path that cannot be written fails now, not after measuring. */
	kit_atomic out = { 0 };
	if (json && kit_atomic_open(&out, json))
		return KIT_EXIT_USAGE;

	if (!force && stat(path, &st) == 0 && kit_machine_load(&m) == 0) {
		double days = difftime(time(NULL), st.st_mtime) / 86400.0;
		if (days < MAX_AGE_DAYS) {
			printf("this machine, as measured %.1f days ago (%s):\n", days, path);
			print_figures(&m);
			printf("to measure again: ./kit machine --force\n");
			return json && copy_file(path, &out) ? KIT_EXIT_USAGE : KIT_EXIT_OK;
		}
		printf("%s is %.0f days old: measuring again\n", path, days);
	}

	kit_env_print(stdout);
	double load[3];
	kit_topo t;
	kit_topo_get(&t);
	if (getloadavg(load, 3) == 3 && load[0] > 0.5)
		kit_warn("load average %.2f on %d logical CPUs: other programs are running and "
			 "the figures will come out low; measure again when the machine is idle "
			 "(./kit machine --force)", load[0], t.pus);
	printf("measuring (a few seconds; keep the machine otherwise idle):\n");
	fflush(stdout);
	if (kit_machine_measure(&m, true)) {
		kit_atomic_abort(&out);
		return KIT_EXIT_INVALID;
	}
	printf("this machine:\n");
	print_figures(&m);
	if (kit_machine_save(&m)) {
		kit_atomic_abort(&out);
		return KIT_EXIT_USAGE;
	}
	printf("saved %s\n", path);
	if (json && copy_file(path, &out))
		return KIT_EXIT_USAGE;
	return KIT_EXIT_OK;
}
