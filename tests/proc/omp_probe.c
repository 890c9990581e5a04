/*
 * omp_probe.c - a small real OpenMP program, the end-to-end target of
 * ./kit sweep (tests/proc/test_sweep.sh).
 *
 * USAGE: omp_probe [-n N] [--json FILE]
 *   Sums sqrt(i) for i < N (default 2e6) in a parallel loop with a reduction,
 *   times it with kit_time, checks the sum against its integral estimate and
 *   prints a results table. With --json FILE, or KIT_RESULTS_JSON in the
 *   environment (./kit sweep sets it), it writes the results as JSON; its row
 *   carries threads = kit_omp_max_threads(), and the snapshot under "env"
 *   reports what the runtime used.
 * NOTES: N sqrt and N additions per call; about 8 ms at N = 2e6 on one core.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kit.h"

struct probe {
	long n;
	double sum;
};

static int kernel(void *ctx)
{
	struct probe *p = ctx;
	double sum = 0.0;
	long n = p->n;
#pragma omp parallel for reduction(+ : sum) schedule(static)
	for (long i = 0; i < n; i++)
		sum += sqrt((double)i);
	p->sum = sum;
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: omp_probe [-n N] [--json FILE]\n"
		"  e.g. OMP_NUM_THREADS=2 omp_probe -n 1e6 --json probe.json\n");
	return KIT_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	if (kit_init(argc, argv))
		return KIT_EXIT_USAGE;
	uint64_t n = 2000000;
	const char *json = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			if (kit_parse_u64(argv[++i], "-n", 1, 1000000000000ull, &n))
				return KIT_EXIT_USAGE;
		} else if (!strcmp(argv[i], "--json") && i + 1 < argc) {
			json = argv[++i];
		} else {
			if (strcmp(argv[i], "-h") && strcmp(argv[i], "--help"))
				kit_error("unknown argument '%s'; see --help", argv[i]);
			return usage();
		}
	}

	struct probe p = { .n = (long)n };
	kit_timing_opts opts = { .warmup = 1, .min_reps = 3, .min_time = 0.02, .max_reps = 50 };
	kit_timing t;
	if (kit_time(kernel, &p, &opts, &t))
		return KIT_EXIT_INVALID;

	/* sum sqrt(i), i < n, is (2/3) n^1.5 - sqrt(n)/2 + O(1) (Euler-Maclaurin) */
	double x = (double)n;
	double expect = 2.0 / 3.0 * x * sqrt(x) - 0.5 * sqrt(x);
	bool valid = fabs(p.sum - expect) <= 1e-6 * expect + 1.0;

	kit_kernel k = { .name = "sqrt-sum", .flops = 2.0 * x, .bytes = 0 };
	kit_results *r = kit_results_new("omp_probe", "parallel sum of sqrt(i)");
	kit_results_config(r, "n", "%llu", (unsigned long long)n);
	kit_results_row(r, "sqrt-sum");
	kit_results_timing(r, &t, &k);
	kit_results_valid(r, valid, valid ? NULL : "sum differs from its integral estimate");
	kit_results_primary(r);
	kit_env_print(stdout);
	kit_results_print(r, stdout);

	int rc = valid ? KIT_EXIT_OK : KIT_EXIT_INVALID;
	const char *extra = getenv("KIT_RESULTS_JSON");
	if (json || (extra && *extra)) {
		if (kit_results_write_json(r, json ? json : extra))
			rc = KIT_EXIT_USAGE;
	}
	printf("%s: sum %.6e, expected %.6e\n", valid ? "PASS" : "FAIL", p.sum, expect);
	kit_results_free(r);
	kit_timing_free(&t);
	return rc;
}
