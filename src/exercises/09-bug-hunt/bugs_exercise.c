/*
 * bugs_exercise.c - exercise 09, the bug hunt, for the kit's exercise
 * driver: the kernels of bugs.h as a table, the data they work on, and the
 * exact check of each answer (students do not edit it).
 *
 * Every answer is defined by the serial meaning of its kernel (bugs.h) and
 * recomputed here, serially; a result must equal it exactly, at any thread
 * count. Whole numbers are reported modulo 2^52, exact in a double; step 5's
 * sum is compared bit for bit.
 *
 * --passes P runs the kernel P times in one run, so that a check sees long
 * enough whether the threads share its work (a fix that deletes the
 * parallel region removes the bug, and the lesson with it). No pass can hand
 * back an earlier one's answer: pass k > 0 works on another seed (step 5: on
 * the values 8 k further on); the last pass, k = 0, is the one checked.
 */
#include <stdlib.h>
#include <string.h>

#include "bugs.h"
#include "exercise.h"

enum { K_SHARES, K_TRANSFERS, K_TOTAL, K_HANDOFF, K_FLOAT, K_MIRROR, K_TASKS, NK };
#define SAME (KIT_EX_PARALLEL | KIT_EX_SAME_ANY)
#define MASK ((UINT64_C(1) << 52) - 1)

static const kit_ex_kernel kernels[] = {
	{ "shares", 1, "bh_shares", "look at TODO(1) in bugs.c: tid is declared before "
	  "the region, so the team shares it; declare it inside (or private(tid))",
	  SAME, 0, 0 },
	{ "transfers", 2, "bh_transfers", "look at TODO(2) in bugs.c: take the two locks "
	  "in one order for every transfer (lock[0] first), whichever way the money goes",
	  SAME, 0, UINT64_C(1000000) },
	{ "total", 3, "bh_team_total", "look at TODO(3) in bugs.c: an 'omp barrier' before "
	  "the 'omp master' block, so that every part is stored before thread 0 adds them",
	  SAME, 0, 0 },
	{ "handoff", 4, "bh_handoff", "look at TODO(4) in bugs.c: write the flag with "
	  "'omp atomic write seq_cst' and read it with 'omp atomic read seq_cst' in the loop",
	  KIT_EX_SAME_ANY, 0, 0 },
	{ "floatsum", 5, "bh_float_sum", "look at TODO(5) in bugs.c: store each block's sum "
	  "in part[b] in the parallel loop, then add part[0], part[1], ... in order, serially",
	  SAME, 0, 0 },
	{ "mirror", 6, "bh_mirror", "look at TODO(6) in bugs.c: the first loop's 'nowait' "
	  "lets a thread read a[n - 1 - i] before another thread wrote it; remove it",
	  SAME, 0, 0 },
	{ "tasks", 7, "bh_tasks", "look at TODO(7) in bugs.c: shared(key) makes the task read "
	  "spawn's key, gone when spawn returns; firstprivate(key) gives the task its own copy",
	  SAME, 0, 0 },
};

static uint64_t opt_passes = 1;
static const kit_opt options[] = {
	KIT_OPT_U64(0, "passes", &opt_passes, "P",
		    "run the kernel P times in a run, the last answer kept (default 1)", 1, 100000),
	KIT_OPT_END,
};
#define PASS_SHIFT 8	/* step 5: values each earlier pass reads further on */

typedef struct problem {
	uint64_t n, seed;
	uint64_t *u;	/* steps 1, 3: BH_SLOTS parts; 6, 7: n values */
	double *x, *part;	/* step 5: the values (and the passes' further on), a slot per block */
} problem;

static void *make(const kit_ex_ctx *c)
{
	problem *p = kit_xcalloc(1, sizeof(*p));
	p->n = c->n;
	p->seed = c->seed;
	size_t slots = c->n > BH_SLOTS ? (size_t)c->n : BH_SLOTS;
	uint64_t len = c->kernel == K_FLOAT ? c->n + PASS_SHIFT * (opt_passes - 1) : 0;
	p->u = kit_xcalloc(slots, sizeof(*p->u));
	p->x = kit_xcalloc(len ? len : 1, sizeof(*p->x));
	p->part = kit_xcalloc(c->n / BH_BLOCK + 1, sizeof(*p->part));
	for (uint64_t i = 0; i < len; i++)
		p->x[i] = bh_value(c->seed, i);
	return p;
}

static void free_problem(void *prob)
{
	problem *p = prob;
	free(p->u);
	free(p->x);
	free(p->part);
	free(p);
}

/* A whole-number answer as the result: modulo 2^52, exact in a double. */
static double whole(uint64_t v)
{
	return (double)(v & MASK);
}

static int run(void *prob, const kit_ex_ctx *c, void *result)
{
	problem *p = prob;
	double *r = result;
	size_t slots = p->n > BH_SLOTS ? (size_t)p->n : BH_SLOTS;
	for (uint64_t k = opt_passes; k-- > 0;) {	/* pass 0, the last, is checked */
		uint64_t seed = k ? bh_work(p->seed, k) : p->seed;
		memset(p->u, 0, slots * sizeof(*p->u));	/* every pass starts from zeros */
		switch (c->kernel) {
		case K_SHARES: *r = whole(bh_shares(p->n, seed, p->u)); break;
		case K_TRANSFERS: *r = whole(bh_transfers(p->n, seed)); break;
		case K_TOTAL: *r = whole(bh_team_total(p->n, seed, p->u)); break;
		case K_HANDOFF: *r = whole(bh_handoff(p->n, seed)); break;
		case K_FLOAT:
			*r = bh_float_sum(p->n, p->x + PASS_SHIFT * k, p->part);
			break;
		case K_MIRROR: *r = whole(bh_mirror(p->n, seed, p->u)); break;
		default: *r = whole(bh_tasks(p->n, seed, p->u)); break;
		}
	}
	return 0;
}

/* The sum of bh_work(seed, i), i < n: steps 1, 3 and 4. */
static uint64_t work_sum(uint64_t n, uint64_t seed)
{
	uint64_t s = 0;
	for (uint64_t i = 0; i < n; i++)
		s += bh_work(seed, i);
	return s;
}

/* The defined answer of kernel K for P, serially. */
static double reference(const problem *p, int k)
{
	uint64_t n = p->n, seed = p->seed, s = 0;
	switch (k) {
	case K_SHARES: case K_TOTAL: return whole(work_sum(n, seed));
	case K_HANDOFF: return whole(3 * work_sum(n, seed) + 1);
	case K_TRANSFERS:
		s = BH_START;
		for (uint64_t i = 0; i < n; i++)
			s += i % 2 ? bh_work(seed, i) % 100 : -(bh_work(seed, i) % 100);
		return whole(s);
	case K_FLOAT: {
		double sum = 0;
		for (uint64_t b = 0; b * BH_BLOCK < n; b++) {
			double bs = 0;
			for (uint64_t i = b * BH_BLOCK; i < n && i < (b + 1) * BH_BLOCK; i++)
				bs += p->x[i];
			sum += bs;
		}
		return sum;
	}
	case K_MIRROR:
		for (uint64_t i = 0; i < n; i++)
			s += bh_slow(seed, i, n) ^ (bh_slow(seed, n - 1 - i, n) >> 1);
		return whole(s);
	default:
		for (uint64_t i = 0; i < n; i++)
			s += bh_work(bh_work(seed, i / BH_BLOCK), i);
		return whole(s);
	}
}

static bool validate(void *prob, const kit_ex_ctx *c, const void *result, kit_buf *msg)
{
	const problem *p = prob;
	return kit_ex_same_double(*(const double *)result, reference(p, c->kernel), msg);
}

static const kit_exercise bugs_exercise = {
	.name = "09-bug-hunt", .title = "the bug hunt", .program = "bugs", .edit = "bugs.c",
	.about = "Seven small kernels, each with a classic OpenMP bug to find with the kit's "
		 "detectors;\neach answer is defined serially and checked exactly.\n",
	.examples = "  OMP_NUM_THREADS=2 bugs --kernel shares --validate\n"
		    "  bugs --kernel floatsum --same-across 1,2,3\n"
		    "  ./kit check 09 --step 2\n",
	.kernels = kernels, .nkernels = NK, .options = options,
	.n_help = "work items (default 2e5)",
	.n_min = 1, .n_max = UINT64_C(1000000000),
	.n_time = UINT64_C(200000), .n_check = UINT64_C(200000), .seed = 2026,
	.make = make, .free = free_problem, .run = run, .validate = validate,
	.work = kit_ex_work_samples,
	.result_size = sizeof(double), .result_name = "answer", .result_is_double = true,
};

int main(int argc, char **argv)
{
	return kit_exercise_main(argc, argv, &bugs_exercise);
}
