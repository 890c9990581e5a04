/*
 * pi_exercise.c - exercise 01 for the kit's exercise driver: the kernels of
 * pi.h and how a count is checked (students do not edit it). Valid: within 5
 * standard errors of n pi/4 (hits ~ Binomial(n, pi/4)). Defined: the serial
 * sum of pi_in_circle(pi_random_at(seed, i)), i < n, which step 5 always and
 * step 4 under --same-across and --verify must give exactly.
 */
#include <math.h>
#include <stdlib.h>

#include "exercise.h"
#include "pi.h"
#include "pi_rng.h"

enum { K_SERIAL, K_REDUCTION, K_STREAMS, K_SAME, K_PROCESSES };

static const kit_ex_kernel kernels[] = {
	{ "serial", 1, "pi_serial", "pi_serial is step 1, given and serial by design; if it "
	  "gives a wrong estimate, restore it from the original pi.c", 0, 0, 0 },
	{ "reduction", 2, "pi_reduction", "look at TODO(2) in pi.c: 'parallel for' shares the "
	  "loop, and reduction(+:hits) gives each thread its own count", KIT_EX_PARALLEL, 0, 0 },
	{ "streams", 3, "pi_streams", "look at TODO(3) in pi.c: a pi_stream per thread from "
	  "pi_stream_new(seed, thread number), made inside the parallel region, with 'omp for "
	  "schedule(static)' and a reduction", KIT_EX_PARALLEL | KIT_EX_REPEATABLE, 0, 0 },
	{ "same", 4, "pi_same_answer", "look at TODO(4) in pi.c: sample i must be "
	  "pi_in_circle(pi_random_at(seed, i)), shared with 'parallel for simd "
	  "reduction(+:hits)'", KIT_EX_PARALLEL | KIT_EX_SAME_ANY, 0, 0 },
	{ "processes", 5, "pi_processes", "look at TODO(5) in pi.c: kit_pool_run with nproc "
	  "workers, worker w counting samples [w*n/nw, (w+1)*n/nw) with count_range into its "
	  "record, the parent adding the records", KIT_EX_PROCESSES | KIT_EX_SAME_ANY, 0, 0 },
};

typedef struct problem {
	uint64_t n, seed, ref;	/* REF: the defined count, once computed */
	bool have_ref;
} problem;

static void *make(const kit_ex_ctx *c)
{
	problem *p = kit_xcalloc(1, sizeof(*p));
	*p = (problem){ .n = c->n, .seed = c->seed };
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
	for (uint64_t i = 0; !p->have_ref && i < p->n; i++)
		p->ref += pi_in_circle(pi_random_at(p->seed, i));
	p->have_ref = true;
	return p->ref;
}

/* How many standard errors 4 * HITS / N lies from pi (infinite when hits > n). */
static double sigmas_off(uint64_t hits, uint64_t n)
{
	double q = M_PI / 4, sigma = 4 * sqrt(q * (1 - q) / (double)n);
	return hits > n ? INFINITY : fabs(4.0 * (double)hits / (double)n - M_PI) / sigma;
}

static bool validate(void *prob, const kit_ex_ctx *c, const void *result, kit_buf *msg)
{
	problem *p = prob;
	uint64_t hits = *(const uint64_t *)result;
	double est = 4.0 * (double)hits / (double)p->n, z = sigmas_off(hits, p->n);
	bool defined = (c->exact && c->kernel == K_SAME) || c->kernel == K_PROCESSES;
	if (z > 5.0)
		kit_buf_printf(msg, "pi ~= %.6f (%llu hits of %llu), %.1f standard errors from pi, "
			       "more than 5", est, (unsigned long long)hits,
			       (unsigned long long)p->n, z);
	else if (defined && hits != reference_count(p))
		kit_buf_printf(msg, "%llu hits, not the %llu of the definition (pi_random_at "
			       "summed over all n samples)", (unsigned long long)hits,
			       (unsigned long long)p->ref);
	else {
		kit_buf_printf(msg, "pi ~= %.6f, %.2f standard errors from pi%s", est, z,
			       defined ? ", the defined count" : "");
		return true;
	}
	return false;
}

static void columns(kit_results *r, void *prob, const kit_ex_ctx *c, const void *result)
{
	(void)prob;
	uint64_t hits = *(const uint64_t *)result;
	kit_results_num(r, "pi", 4.0 * (double)hits / (double)c->n, "%.6f");
	kit_results_num(r, "err_sigma", sigmas_off(hits, c->n), "%.2f");
}

static const kit_exercise pi_exercise = {
	.name = "01-monte-carlo-pi", .title = "Monte Carlo pi", .program = "pi", .edit = "pi.c",
	.about = "Counts points of the unit square inside the quarter circle: pi ~= 4 hits / n.\n",
	.table_title = "Monte Carlo pi: ns per sample by kernel and threads",
	.examples = "  pi --kernel same --threads 1,2 --chart\n"
		    "  OMP_NUM_THREADS=2 pi --kernel reduction --validate --expect-parallel\n"
		    "  pi --kernel processes --procs 4 --validate --expect-children\n",
	.kernels = kernels, .nkernels = 5,
	.n_help = "samples (default 1e8; 2e7 in checks); 1e6, 5M, 2G work",
	.n_min = 1, .n_max = UINT64_C(10000000000000), .n_linear = true,
	.n_time = UINT64_C(100000000), .n_check = UINT64_C(20000000), .seed = 2026,
	.demo_program = "pi-demos",
	.make = make, .free = free, .run = run, .validate = validate, .columns = columns,
	.work = kit_ex_work_samples, .result_size = sizeof(uint64_t), .result_name = "hits",
};

int main(int argc, char **argv)
{
	return kit_exercise_main(argc, argv, &pi_exercise);
}
