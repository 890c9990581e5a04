/*
 * ipc_exercise.c - exercise 05 (processes and IPC) as the kit's exercise driver
 * sees it: the kernels of ipc.h as a table, how their answers are checked
 * (ipc --help). Shared by the skeleton and the reference; not edited. Every
 * answer is defined: task values, the count of ripe items and the Fibonacci
 * numbers are computed here and compared exactly. The forks of a run are
 * counted with the CPU time of the reaped children (kit_ex_children); --emit
 * writes both; --verify demands children for a process kernel (the grader
 * also watches the processes from outside).
 */
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "exercise.h"
#include "ipc.h"

enum { K_SERIAL, K_POOL, K_SHARED, K_PARTIAL, K_FIB_THREADS, K_FIB_PROCS };
#define PROC (KIT_EX_PROCESSES | KIT_EX_SAME_ANY)
#define MAX_TASKS 10000000u	/* values kept: 80 MB */

static const kit_ex_kernel kernels[] = {
	[K_SERIAL] = { "serial", 1, "ipc_map_serial", "ipc_map_serial is given: restore it "
		"from the original ipc.c", KIT_EX_SAME_ANY, 200000, 50000 },
	[K_POOL] = { "pool", 2, "ipc_map_pool", "look at TODO(2) in ipc.c: a task function and "
		"kit_pool_map with nproc workers, many tasks a chunk", PROC, 200000, 50000 },
	[K_SHARED] = { "shared", 3, "ipc_count_shared", "look at TODO(3) in ipc.c: an _Atomic "
		"counter in kit_shared_alloc memory, workers from kit_pool_run", PROC,
		20000000, 10000000 },
	[K_PARTIAL] = { "partial", 4, "ipc_count_partial", "look at TODO(4) in ipc.c: each "
		"worker's count in its record, added by the parent", PROC, 100000000, 40000000 },
	[K_FIB_THREADS] = { "fib-threads", 5, "ipc_fib_threads", "look at TODO(5) in ipc.c: "
		"'omp parallel for schedule(dynamic, 1)'", KIT_EX_PARALLEL | KIT_EX_SAME_ANY, 5, 8 },
	[K_FIB_PROCS] = { "fib-procs", 6, "ipc_fib_processes", "look at TODO(6) in ipc.c: "
		"kit_pool_map with nproc workers, chunks of 1", PROC, 5, 8 },
};

static uint64_t task_size = 1000;	/* --size */
static int fib_k = 35;			/* --fib */

static const kit_opt options[] = {
	KIT_OPT_GROUP("the work:"),
	KIT_OPT_U64(0, "size", &task_size, "S", "rounds of arithmetic per task of serial and "
		    "pool (~1 ns each;\ndefault 1000)", 0, 100000000),
	KIT_OPT_INT(0, "fib", &fib_k, "K", "Fibonacci tasks compute fib(K), fib(K-1) or "
		    "fib(K-2) (default 35)", 3, 45),
	KIT_OPT_END,
};

typedef struct problem {
	uint64_t n, seed;
	ipc_tasks tasks;
	int *k;			/* fib kernels: the task's K */
	uint64_t *values;	/* pool and fib kernels: the kernel's values */
	uint64_t *ref;		/* the defined values or count, when first needed */
	kit_ex_children children;	/* of the last run */
} problem;

/* The kernels with one value per task (the others: a count); Fibonacci's. */
#define has_values(k) ((k) != K_SHARED && (k) != K_PARTIAL)
#define is_fib(k) ((k) == K_FIB_THREADS || (k) == K_FIB_PROCS)

/* -n within what kernel C->kernel keeps in memory. 0, or -1 after a message. */
static int check_n(const kit_ex_ctx *c)
{
	if (!has_values(c->kernel))
		return 0;
	return kit_ex_n_at_most(c, is_fib(c->kernel) ? 10000 : MAX_TASKS, "tasks");
}

static void *make(const kit_ex_ctx *c)
{
	if (check_n(c))
		return NULL;
	problem *p = kit_xcalloc(1, sizeof(*p));
	p->n = c->n;
	p->seed = c->seed;
	p->tasks = (ipc_tasks){ .seed = c->seed, .size = task_size, .n = (size_t)c->n };
	if (has_values(c->kernel))
		p->values = kit_xcalloc((size_t)c->n, sizeof(uint64_t));
	if (is_fib(c->kernel)) {
		p->k = kit_xcalloc((size_t)c->n, sizeof(int));
		for (uint64_t i = 0; i < c->n; i++)
			p->k[i] = fib_k - (int)(ipc_mix(c->seed + i) % 3);
	}
	return p;
}

static void free_problem(void *prob)
{
	problem *p = prob;
	free(p->k);
	free(p->values);
	free(p->ref);
	free(p);
}

static int call_kernel(problem *p, const kit_ex_ctx *c, uint64_t *value)
{
	switch (c->kernel) {
	case K_SERIAL: ipc_map_serial(&p->tasks, p->values); return 0;
	case K_POOL: return ipc_map_pool(&p->tasks, c->procs, p->values);
	case K_SHARED: return ipc_count_shared(p->n, p->seed, c->procs, value);
	case K_PARTIAL: return ipc_count_partial(p->n, p->seed, c->procs, value);
	case K_FIB_THREADS: ipc_fib_threads(p->k, p->tasks.n, p->values); return 0;
	default: return ipc_fib_processes(p->k, p->tasks.n, c->procs, p->values);
	}
}

static int run(void *prob, const kit_ex_ctx *c, void *result)
{
	problem *p = prob;
	uint64_t *value = result;
	kit_ex_children_begin();
	int rc = call_kernel(p, c, value);
	p->children = kit_ex_children_end();
	if (has_values(c->kernel))	/* the result compared across runs */
		*value = kit_ex_fingerprint(p->values, (size_t)p->n * sizeof(uint64_t));
	return rc;
}

/* The defined answer: the values (or the count at ref[0]), computed here. */
static const uint64_t *reference(problem *p, int kernel)
{
	if (p->ref)
		return p->ref;
	p->ref = kit_xcalloc(has_values(kernel) ? (size_t)p->n : 1, sizeof(uint64_t));
	for (uint64_t i = 0; i < p->n; i++)
		if (is_fib(kernel)) {
			uint64_t a = 0, b = 1;	/* fib(0), fib(1) */
			for (int j = 0; j < p->k[i]; j++) {
				uint64_t t = a + b;
				a = b;
				b = t;
			}
			p->ref[i] = a;
		} else if (has_values(kernel))
			p->ref[i] = ipc_task(p->seed, i, task_size);
		else
			p->ref[0] += (uint64_t)ipc_is_ripe(p->seed, i);
	return p->ref;
}

/* The values (or the count in RESULT) against the definition; MSG says what
 * differs or what held. */
static bool validate(void *prob, const kit_ex_ctx *c, const void *result, kit_buf *msg)
{
	problem *p = prob;
	const uint64_t *ref = reference(p, c->kernel), *values = p->values;
	uint64_t count = *(const uint64_t *)result;
	if (!has_values(c->kernel)) {
		if (count != ref[0])
			kit_buf_printf(msg, "%llu ripe items counted, not %llu (%s)",
				       (unsigned long long)count, (unsigned long long)ref[0],
				       count == 0 ? "no increment reached this process: each forked "
				       "worker added to its own copy of the counter" : count < ref[0]
				       ? "increments were lost" : "some counted twice");
		else
			kit_buf_printf(msg, "%llu ripe items of %llu, the defined count",
				       (unsigned long long)count, (unsigned long long)p->n);
		return count == ref[0];
	}
	size_t first = 0, bad = kit_ex_count_diff(values, ref, (size_t)p->n, sizeof(*ref), &first);
	if (bad)
		kit_buf_printf(msg, "%zu of %llu task values wrong, the first task %zu: %llu, "
			       "not %llu", bad, (unsigned long long)p->n, first, (unsigned long long)values[first],
			       (unsigned long long)ref[first]);
	else
		kit_buf_printf(msg, "all %llu task values are the defined ones",
			       (unsigned long long)p->n);
	return bad == 0;
}

static void describe(const void *result, kit_buf *msg)
{
	kit_buf_printf(msg, "result %llu", (unsigned long long)*(const uint64_t *)result);
}

static int emit(void *prob, const kit_ex_ctx *c, const void *result, cJSON *out,
		const char *dir)
{
	problem *p = prob;
	if (!has_values(c->kernel))	/* else values.u64, written below */
		kit_ex_json_add_u64(out, "count", *(const uint64_t *)result);
	kit_ex_children_emit(&p->children, out);
	if (!has_values(c->kernel))
		return 0;
	return kit_ex_write_exact(dir, "values.u64", p->values, (size_t)p->n * sizeof(uint64_t));
}

static int verify(void *prob, const kit_ex_ctx *c, const char *dir, const cJSON *result,
		  void *got, kit_buf *msg)
{
	problem *p = prob;
	uint64_t *count = got;
	if (has_values(c->kernel)) {
		if (kit_ex_read_exact(dir, "values.u64", p->values, (size_t)p->n * 8, msg))
			return KIT_FAIL;
		*count = kit_ex_fingerprint(p->values, (size_t)p->n * sizeof(uint64_t));
	} else if (kit_ex_json_u64(result, "count", count, msg))
		return KIT_FAIL;
	if (!validate(p, c, count, msg))
		return KIT_FAIL;
	if ((c->ex->kernels[c->kernel].flags & KIT_EX_PROCESSES) && !kit_ex_children_verify(result, c, msg))
		return KIT_FAIL;
	return KIT_PASS;
}

static const kit_exercise ipc_exercise = {
	.name = "05-processes-ipc",
	.title = "Processes and inter-process communication",
	.program = "ipc",
	.edit = "ipc.c",
	.about = "Runs independent tasks, a count of ripe tomatoes and Fibonacci numbers,\n"
		 "first in this process, then in child processes that communicate\n"
		 "through pipes, sockets and shared memory. Every answer is defined and\n"
		 "checked exactly. Kernels: serial (step 1), pool (2), shared (3),\n"
		 "partial (4), fib-threads (5), fib-procs (6).\n",
	.examples = "  ipc --kernel pool --procs 2 --validate --expect-children\n"
		    "  ipc --kernel pool -n 5e5 --size 20 --procs 2\n"
		    "  ipc --kernel fib-procs --procs 2 --emit out/ && ipc --kernel fib-procs "
		    "--procs 2 --verify out/\n",
	.kernels = kernels,
	.nkernels = sizeof(kernels) / sizeof(kernels[0]),
	.options = options,
	.n_help = "tasks (serial, pool, fib-*) or items to count (shared, partial)",
	.n_min = 1, .n_max = UINT64_C(100000000000),
	.n_time = 200000, .n_check = 50000, .seed = 2026, .n_linear = true,
	.demo_program = "ipc-demos",
	.make = make, .free = free_problem, .run = run, .result_size = sizeof(uint64_t),
	.validate = validate, .describe = describe,
	.emit = emit, .verify = verify, .check_options = check_n,
};

int main(int argc, char **argv)
{
	return kit_exercise_main(argc, argv, &ipc_exercise);
}
