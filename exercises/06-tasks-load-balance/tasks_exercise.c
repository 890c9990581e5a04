/*
 * NAME
 *   tasks_exercise.c - exercise 06, tasks and load balance, as the kit's
 *   exercise driver sees it: the kernels of tasks.h as a table, how a result
 *   is checked, and --timeline. Students do not edit it.
 *
 * USAGE
 *   tasks --kernel all --threads 1,2
 *   tasks --kernel static --timeline --timeline-png static.png
 *
 * NOTES
 *   Every answer is defined: the picture's counts equal the serial
 *   tasks_mandel_ref bit for bit (counts.u32 in --emit), fib(n) and the
 *   list's sum equal their serial references exactly.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "exercise.h"
#include "tasks_work.h"

enum { K_STATIC, K_DYNAMIC, K_GUIDED, K_FIB, K_LIST, K_ARRAY, K_TASKLOOP };
#define PIC(k) ((k) <= K_GUIDED || (k) == K_TASKLOOP)
#define SAME (KIT_EX_PARALLEL | KIT_EX_SAME_ANY)

static const kit_ex_kernel kernels[] = {
	[K_STATIC] = { "static", 1, "mandel_static", "look at TODO(1) in tasks.c: 'parallel for "
		"schedule(static)' over the rows, each row by mandel_row", SAME, 0, 0 },
	[K_DYNAMIC] = { "dynamic", 2, "mandel_dynamic", "look at TODO(2) in tasks.c: 'parallel for "
		"schedule(dynamic, chunk)' over the rows", SAME, 0, 0 },
	[K_GUIDED] = { "guided", 3, "mandel_guided", "look at TODO(3) in tasks.c: 'parallel for "
		"schedule(guided)' over the rows", SAME, 0, 0 },
	[K_FIB] = { "fib", 4, "fib_tasks", "look at TODO(4) in tasks.c: 'task shared(x)', 'task "
		"shared(y)', then 'taskwait' before x + y; started in 'parallel' + 'single'",
		SAME, 32, 27 },
	[K_LIST] = { "list", 5, "list_tasks", "look at TODO(5) in tasks.c: 'parallel' + 'single', "
		"then 'task firstprivate(p)' calling node_work(p) for each node", SAME, 40000, 8000 },
	[K_ARRAY] = { "array", 5, "list_array", "look at TODO(5) in tasks.c: count, copy the node "
		"addresses into an array, then 'parallel for schedule(dynamic, ...)'", SAME, 40000, 8000 },
	[K_TASKLOOP] = { "taskloop", 6, "mandel_taskloop", "look at TODO(6) in tasks.c: 'parallel' "
		"+ 'single', then 'taskloop grainsize(grain)' over the rows", SAME, 0, 0 },
};

static int chunk_size = 4, cutoff = 20, grain = 4, iters = 1000;
static bool timeline;
static const char *timeline_png;

static const kit_opt options[] = {
	KIT_OPT_INT(0, "chunk", &chunk_size, "K", "dynamic: rows per chunk (default 4)", 1, 1000000),
	KIT_OPT_INT(0, "cutoff", &cutoff, "C", "fib: calls with n below C run serially "
		    "(default 20)", 0, 90),
	KIT_OPT_INT(0, "grain", &grain, "G", "taskloop: rows per task (default 4)", 1, 1000000),
	KIT_OPT_INT(0, "iters", &iters, "I", "most steps per pixel (default 1000)", 1, 1000000),
	KIT_OPT_BOOL(0, "timeline", &timeline, "run once and chart which thread did what, when"),
	KIT_OPT_STRING(0, "timeline-png", &timeline_png, "FILE", "the timeline as a PNG too"),
	KIT_OPT_END,
};

typedef struct problem {
	mandel m;
	uint32_t *counts, *ref;	/* the picture, and the reference's (made when needed) */
	node *nodes, *head;
	int fib_n;
	bool have_ref;
	uint64_t ref_value;
} problem;

typedef struct result {
	uint64_t value;		/* fib(n), the list's sum, or the picture's total steps */
	uint64_t hash;		/* the picture's FNV-1a hash (0 for fib and list) */
} result;

/* -n for kernel K: 0, or -1 after one line (exit 2). */
static int check_n(int k, uint64_t n)
{
	if ((k == K_FIB && n > 60) || (PIC(k) && (n < 2 || n > 40000))) {
		kit_error("-n %llu is out of range for --kernel %s: use %s", (unsigned long long)n,
			  kernels[k].name, k == K_FIB ? "0 to 60 (fib(n))"
						  : "2 to 40000 (the picture's width)");
		return -1;
	}
	return 0;
}

static int check_options(const kit_ex_ctx *c)
{
	for (int k = 0; c->n_given && k < (int)(sizeof(kernels) / sizeof(kernels[0])); k++)
		if ((c->all_kernels || k == c->kernel) && check_n(k, c->n))
			return -1;
	return 0;
}

static void *make(const kit_ex_ctx *c)
{
	int k = c->kernel;
	if (check_n(k, c->n))
		return NULL;
	problem *p = kit_xcalloc(1, sizeof(*p));
	if (PIC(k)) {
		p->m = tasks_mandel((int)c->n, iters);
		p->counts = kit_xmalloc((size_t)p->m.width * p->m.height * sizeof(uint32_t));
	} else if (k == K_LIST || k == K_ARRAY)
		p->nodes = tasks_list_new(c->n, c->seed, &p->head);
	p->fib_n = (int)c->n;
	return p;
}

static void pfree(void *prob)
{
	problem *p = prob;
	free(p->counts);
	free(p->ref);
	free(p->nodes);
	free(p);
}

static size_t npix(const problem *p)
{
	return (size_t)p->m.width * (size_t)p->m.height;
}

static result summary_of(const uint32_t *counts, size_t n)
{
	result r = { 0, UINT64_C(14695981039346656037) };
	for (size_t i = 0; i < n; i++) {
		r.value += counts[i];
		r.hash = (r.hash ^ counts[i]) * UINT64_C(1099511628211);
	}
	return r;
}

static int run(void *prob, const kit_ex_ctx *c, void *out)
{
	problem *p = prob;
	result *r = out;
	if (PIC(c->kernel))
		memset(p->counts, 0xff, npix(p) * sizeof(uint32_t));	/* a row left out shows */
	switch (c->kernel) {
	case K_STATIC: mandel_static(&p->m, p->counts); break;
	case K_DYNAMIC: mandel_dynamic(&p->m, chunk_size, p->counts); break;
	case K_GUIDED: mandel_guided(&p->m, p->counts); break;
	case K_TASKLOOP: mandel_taskloop(&p->m, grain, p->counts); break;
	case K_FIB: r->value = fib_tasks(p->fib_n, cutoff); return 0;
	default:
		for (node *q = p->head; q; q = q->next)
			q->result = 0;
		r->value = c->kernel == K_LIST ? list_tasks(p->head) : list_array(p->head);
		return 0;
	}
	*r = summary_of(p->counts, npix(p));
	return 0;
}

/* The reference's answer for P (the picture into P->ref). */
static uint64_t reference(problem *p, int k)
{
	if (!p->have_ref) {
		if (PIC(k)) {
			p->ref = kit_xmalloc(npix(p) * sizeof(uint32_t));
			tasks_mandel_ref(&p->m, p->ref);
		} else
			p->ref_value = k == K_FIB ? tasks_fib_ref(p->fib_n) : tasks_list_ref(p->head);
		p->have_ref = true;
	}
	return p->ref_value;
}

/* Compares the picture GOT with the reference's, pixel by pixel. */
static bool same_picture(problem *p, int k, const uint32_t *got, kit_buf *msg)
{
	reference(p, k);
	size_t bad = 0, first = 0;
	for (size_t i = npix(p); i-- > 0;)
		if (got[i] != p->ref[i]) {
			bad++;
			first = i;
		}
	if (!bad) {
		kit_buf_printf(msg, "the %d x %d picture equals the reference's, every pixel",
			       p->m.width, p->m.height);
		return true;
	}
	int w = p->m.width;
	kit_buf_printf(msg, "%zu of %zu pixels differ from the reference's; the first at row "
		       "%zu, column %zu: %u steps, not %u%s", bad, npix(p), first / w, first % w,
		       got[first], p->ref[first], got[first] == UINT32_MAX ? " (never written: "
		       "was that row computed?)" : "");
	return false;
}

static bool validate(void *prob, const kit_ex_ctx *c, const void *res, kit_buf *msg)
{
	problem *p = prob;
	const result *r = res;
	if (PIC(c->kernel))
		return same_picture(p, c->kernel, p->counts, msg);
	uint64_t want = reference(p, c->kernel);
	kit_buf_printf(msg, c->kernel == K_FIB ? "fib(%d) = %llu" : "the sum over %d nodes is "
		       "%llu", p->fib_n, (unsigned long long)r->value);
	if (r->value != want)
		kit_buf_printf(msg, ", not %llu", (unsigned long long)want);
	return r->value == want;
}

static void describe(const void *res, kit_buf *msg)
{
	kit_buf_printf(msg, "%llu", (unsigned long long)((const result *)res)->value);
}

static kit_ex_work work(const kit_ex_ctx *c)
{
	double n = (double)c->n;
	return (kit_ex_work){ .samples = PIC(c->kernel) ? n * (double)(c->n / 2)
						: c->kernel >= K_LIST ? n : 0 };
}

static int emit(void *prob, const kit_ex_ctx *c, const void *res, cJSON *out, const char *dir)
{
	problem *p = prob;
	const result *r = res;
	char v[24];	/* a string: 64-bit values do not fit a JSON number */
	snprintf(v, sizeof(v), "%llu", (unsigned long long)r->value);
	cJSON_AddStringToObject(out, "value", v);
	if (!PIC(c->kernel))
		return 0;
	char *path = kit_xasprintf("%s/counts.u32", dir);
	kit_atomic a;
	int rc = kit_atomic_open(&a, path);
	if (!rc && fwrite(p->counts, sizeof(uint32_t), npix(p), a.f) != npix(p)) {
		kit_atomic_abort(&a);
		kit_error("cannot write '%s'; is the disk full?", path);
		rc = -1;
	} else if (!rc)
		rc = kit_atomic_commit(&a);
	free(path);
	cJSON_AddStringToObject(out, "counts", "counts.u32");
	return rc;
}

/* True when V's digits overflow 64 bits (strtoull saturates). */
static bool overflows_u64(const cJSON *v)
{
	return strlen(v->valuestring) > 20 ||
	       (strlen(v->valuestring) == 20 && strcmp(v->valuestring, "18446744073709551615") > 0);
}

static int verify(void *prob, const kit_ex_ctx *c, const char *dir, const cJSON *res,
		  void *got, kit_buf *msg)
{
	problem *p = prob;
	result *r = got;
	if (!PIC(c->kernel)) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(res, "value");
		char *end = NULL;
		if (cJSON_IsString(v) && v->valuestring[0] >= '0' && v->valuestring[0] <= '9')
			r->value = strtoull(v->valuestring, &end, 10);
		if (!end || *end || overflows_u64(v)) {
			kit_buf_printf(msg, "result.json's \"value\" is not a whole number from 0 "
				       "to 2^64 - 1 written as a string");
			return KIT_FAIL;
		}
		return validate(prob, c, r, msg) ? KIT_PASS : KIT_FAIL;
	}
	if (kit_ex_read_exact(dir, "counts.u32", p->counts, npix(p) * sizeof(uint32_t), msg))
		return KIT_FAIL;
	*r = summary_of(p->counts, npix(p));
	return same_picture(p, c->kernel, p->counts, msg) ? KIT_PASS : KIT_FAIL;
}

/* --timeline: a recorded run, a bar per chunk of the picture's rows. */
static int timeline_mode(const kit_ex_ctx *c)
{
	if (!timeline && !timeline_png)
		return -1;
	static const kit_tl_sched sched[] = { [K_STATIC] = KIT_TL_STATIC,
		[K_DYNAMIC] = KIT_TL_DYNAMIC, [K_GUIDED] = KIT_TL_GUIDED,
		[K_TASKLOOP] = KIT_TL_GRAINSIZE };
	int h = (int)(c->n / 2 ? c->n / 2 : 1), k = c->kernel;
	int64_t *chunk = PIC(k) && c->n <= 40000 ? kit_xmalloc((size_t)h * sizeof(*chunk)) : NULL;
	if (chunk)
		kit_tl_chunks(sched[k], h, kit_omp_max_threads(), k == K_DYNAMIC ? chunk_size : grain,
			      chunk);
	int rc = kit_tl_exercise(c, &tasks_tl, chunk, chunk ? (size_t)h : 0, timeline, timeline_png);
	free(chunk);
	return rc;
}

static const kit_exercise tasks_exercise = {
	.name = "06-tasks-load-balance",
	.title = "Tasks and load balance",
	.program = "tasks",
	.edit = "tasks.c",
	.about = "Steps 1-3: a Mandelbrot picture of n x n/2 pixels whose rows cost from\n"
		 "1 to 1000 steps a pixel, under schedule static, dynamic and guided.\n"
		 "Steps 4-6: tasks for fib(n), a list of n nodes, a taskloop over the\n"
		 "picture's rows. Every answer is checked exactly, then timed;\n"
		 "--timeline charts which thread did which piece of work, and when.\n",
	.examples = "  tasks --kernel all --threads 1,2\n"
		    "  tasks --kernel dynamic --chunk 1 --timeline --timeline-png dyn.png\n"
		    "  tasks --kernel fib -n 32 --cutoff 25 --threads 1,2\n"
		    "  OMP_NUM_THREADS=2 tasks --kernel list --validate --expect-parallel\n",
	.kernels = kernels,
	.nkernels = sizeof(kernels) / sizeof(kernels[0]),
	.options = options,
	.n_help = "picture width (default 800; 300 in checks), fib's n, or list nodes",
	.n_min = 0,
	.n_max = 10000000,
	.n_time = 800,
	.n_check = 300,
	.seed = 2026,
	.make = make,
	.free = pfree,
	.run = run,
	.result_size = sizeof(result),
	.validate = validate,
	.describe = describe,
	.work = work,
	.emit = emit,
	.verify = verify,
	.mode = timeline_mode,
	.check_options = check_options,
};

int main(int argc, char **argv)
{
	return kit_exercise_main(argc, argv, &tasks_exercise);
}
