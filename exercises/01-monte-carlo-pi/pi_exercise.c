/*
 * NAME
 *   pi_exercise.c - exercise 01, Monte Carlo pi, as the kit's exercise driver
 *   sees it: the kernels of pi.h as a table, and how a count is checked.
 *   Shared by the skeleton and the reference build; students do not edit it.
 *
 * USAGE
 *   pi --help
 *   pi --kernel same --threads 1,2 --chart
 *   OMP_NUM_THREADS=2 pi --kernel reduction --validate --expect-parallel
 *
 * NOTES
 *   Validation: hits ~ Binomial(n, p) with p = pi/4, so 4 * hits / n has
 *   standard error sigma = 4 * sqrt(p (1 - p) / n); an estimate is valid
 *   within 5 sigma of pi (a false alarm once in 1.7 million runs).
 *   The answer of steps 4 and 5 is defined: pi_in_circle(pi_random_at(seed,
 *   i)) summed over i < n, serially (reference_count below); --verify and
 *   --same-across demand it exactly, and so does every check of step 5.
 *   Rates are samples per second (no floating-point operations are counted).
 */
#include <math.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "exercise.h"
#include "pi.h"
#include "pi_rng.h"

enum { K_SERIAL, K_REDUCTION, K_STREAMS, K_SAME, K_PROCESSES };

static const kit_ex_kernel kernels[] = {
	[K_SERIAL] = { "serial", 1, "pi_serial",
		"pi_serial is step 1, given and serial by design; if it gives a wrong "
		"estimate, restore it from the original pi.c", 0, 0, 0 },
	[K_REDUCTION] = { "reduction", 2, "pi_reduction",
		"look at TODO(2) in pi.c: 'parallel for' shares the loop, and "
		"reduction(+:hits) gives each thread its own count", KIT_EX_PARALLEL, 0, 0 },
	[K_STREAMS] = { "streams", 3, "pi_streams",
		"look at TODO(3) in pi.c: a pi_stream per thread from pi_stream_new(seed, "
		"thread number), made inside the parallel region, with 'omp for "
		"schedule(static)' and a reduction", KIT_EX_PARALLEL | KIT_EX_REPEATABLE, 0, 0 },
	[K_SAME] = { "same", 4, "pi_same_answer",
		"look at TODO(4) in pi.c: sample i must be pi_in_circle(pi_random_at(seed, "
		"i)), shared with 'parallel for simd reduction(+:hits)'",
		KIT_EX_PARALLEL | KIT_EX_SAME_ANY, 0, 0 },
	[K_PROCESSES] = { "processes", 5, "pi_processes",
		"look at TODO(5) in pi.c: kit_pool_run with nproc workers, worker w counting "
		"samples [w*n/nw, (w+1)*n/nw) with count_range into its record, the parent "
		"adding the records", KIT_EX_PROCESSES | KIT_EX_SAME_ANY, 0, 0 },
};

typedef struct problem {
	uint64_t n, seed;
	bool have_ref;
	uint64_t ref;		/* reference_count, computed when first needed */
} problem;

static void *make(const kit_ex_ctx *c)
{
	problem *p = kit_xcalloc(1, sizeof(*p));
	p->n = c->n;
	p->seed = c->seed;
	return p;
}

static int run(void *prob, const kit_ex_ctx *c, void *result)
{
	const problem *p = prob;
	uint64_t *hits = result;
	switch (c->kernel) {
	case K_SERIAL: *hits = pi_serial(p->n, p->seed); return 0;
	case K_REDUCTION: *hits = pi_reduction(p->n, p->seed); return 0;
	case K_STREAMS: *hits = pi_streams(p->n, p->seed); return 0;
	case K_SAME: *hits = pi_same_answer(p->n, p->seed); return 0;
	default: return pi_processes(p->n, p->seed, c->procs, hits);
	}
}

/* The answer of steps 4 and 5, by definition: serial, counter-based. */
static uint64_t reference_count(problem *p)
{
	if (!p->have_ref) {
		uint64_t hits = 0;
		for (uint64_t i = 0; i < p->n; i++)
			hits += pi_in_circle(pi_random_at(p->seed, i));
		p->ref = hits;
		p->have_ref = true;
	}
	return p->ref;
}

/* How many standard errors 4 * HITS / N lies from pi (infinite when hits > n). */
static double sigmas_off(uint64_t hits, uint64_t n)
{
	if (hits > n)
		return INFINITY;
	double q = M_PI / 4, sigma = 4 * sqrt(q * (1 - q) / (double)n);
	return fabs(4.0 * (double)hits / (double)n - M_PI) / sigma;
}

static bool validate(void *prob, const kit_ex_ctx *c, const void *result, kit_buf *msg)
{
	problem *p = prob;
	uint64_t hits = *(const uint64_t *)result;
	double est = 4.0 * (double)hits / (double)p->n, z = sigmas_off(hits, p->n);
	if (z > 5.0) {
		kit_buf_printf(msg, "pi ~= %.6f (%llu hits of %llu), %.1f standard errors from "
			       "pi, more than 5", est, (unsigned long long)hits,
			       (unsigned long long)p->n, z);
		return false;
	}
	bool defined = c->ex->kernels[c->kernel].flags & KIT_EX_SAME_ANY;
	if (defined && (c->exact || c->kernel == K_PROCESSES) && hits != reference_count(p)) {
		kit_buf_printf(msg, "%llu hits, not the %llu of the definition (pi_random_at "
			       "summed over all n samples)", (unsigned long long)hits,
			       (unsigned long long)reference_count(p));
		return false;
	}
	kit_buf_printf(msg, "pi ~= %.6f, %.2f standard errors from pi%s", est, z,
		       defined && (c->exact || c->kernel == K_PROCESSES) ? ", the defined count"
									  : "");
	return true;
}

static void describe(const void *result, kit_buf *msg)
{
	kit_buf_printf(msg, "%llu hits", (unsigned long long)*(const uint64_t *)result);
}

static void columns(kit_results *r, void *prob, const kit_ex_ctx *c, const void *result)
{
	(void)prob;
	uint64_t hits = *(const uint64_t *)result;
	kit_results_num(r, "pi", 4.0 * (double)hits / (double)c->n, "%.6f");
	kit_results_num(r, "err_sigma", sigmas_off(hits, c->n), "%.2f");
}

static kit_ex_work work(const kit_ex_ctx *c)
{
	return (kit_ex_work){ .samples = (double)c->n };
}

static int emit(void *prob, const kit_ex_ctx *c, const void *result, cJSON *out,
		const char *dir)
{
	(void)prob;
	(void)dir;
	uint64_t hits = *(const uint64_t *)result;
	cJSON_AddNumberToObject(out, "hits", (double)hits);
	cJSON_AddNumberToObject(out, "pi", 4.0 * (double)hits / (double)c->n);
	return 0;
}

static int verify(void *prob, const kit_ex_ctx *c, const char *dir, const cJSON *result,
		  void *got, kit_buf *msg)
{
	(void)dir;
	if (kit_ex_json_u64(result, "hits", got, msg))
		return KIT_FAIL;
	return validate(prob, c, got, msg) ? KIT_PASS : KIT_FAIL;
}

static const kit_exercise pi_exercise = {
	.name = "01-monte-carlo-pi",
	.title = "Monte Carlo pi",
	.program = "pi",
	.edit = "pi.c",
	.about = "Draws n points in the unit square and counts those inside the quarter\n"
		 "circle, pi ~= 4 * hits / n. Validates each count (within 5 standard\n"
		 "errors of pi; steps 4 and 5: the defined count), then times it.\n"
		 "Kernels: serial (step 1), reduction (2), streams (3), same (4),\n"
		 "processes (5, in child processes).\n",
	.table_title = "Monte Carlo pi: ns per sample by kernel and threads",
	.examples = "  pi --kernel same --threads 1,2 --chart\n"
		    "  pi --kernel all -n 1e7\n"
		    "  OMP_NUM_THREADS=2 pi --kernel reduction --validate --expect-parallel\n"
		    "  pi --kernel same --same-across 1,2,3,8\n"
		    "  pi --kernel processes --procs 4 --validate --expect-children\n"
		    "  pi --kernel same --emit out/ && pi --kernel same --verify out/\n",
	.kernels = kernels,
	.nkernels = sizeof(kernels) / sizeof(kernels[0]),
	.n_help = "samples (default 1e8; 2e7 in checks); 1e6, 5M, 2G work",
	.n_min = 1,
	.n_max = UINT64_C(10000000000000),	/* 1e13: k * n stays far below 2^64 */
	.n_time = UINT64_C(100000000),
	.n_check = UINT64_C(20000000),
	.seed = 2026,
	.demo_program = "pi-demos",
	.n_linear = true,
	.make = make,
	.free = free,
	.run = run,
	.result_size = sizeof(uint64_t),
	.validate = validate,
	.describe = describe,
	.columns = columns,
	.work = work,
	.emit = emit,
	.verify = verify,
};

int main(int argc, char **argv)
{
	return kit_exercise_main(argc, argv, &pi_exercise);
}
