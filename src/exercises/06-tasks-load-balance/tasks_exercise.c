/*
 * tasks_exercise.c - exercise 06 as the kit's driver sees it: the kernels of
 * tasks.h as a table, how an answer is checked, --timeline. Not edited by
 * students. Every answer is defined: the picture's counts equal the serial
 * tasks_mandel_ref's bit for bit (counts.u32 in --emit), fib(n) and the
 * list's sum equal their references exactly.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "exercise.h"
#include "tasks.h"

enum { K_STATIC, K_DYNAMIC, K_GUIDED, K_FIB, K_LIST, K_ARRAY, K_TASKLOOP, NK };
#define PIC(k) ((k) <= K_GUIDED || (k) == K_TASKLOOP)
#define SAME (KIT_EX_PARALLEL | KIT_EX_SAME_ANY)
#define TODO(k) "look at TODO(" #k ") in tasks.c: "
#define LOW53(v) ((v) & ((UINT64_C(1) << 53) - 1))	/* exact in a JSON number */

static const kit_ex_kernel kernels[] = {
	{ "static", 1, "mandel_static", TODO(1) "'parallel for schedule(static)' over the rows", SAME, 0, 0 },
	{ "dynamic", 2, "mandel_dynamic", TODO(2) "'parallel for schedule(dynamic, chunk)'", SAME, 0, 0 },
	{ "guided", 3, "mandel_guided", TODO(3) "'parallel for schedule(guided)'", SAME, 0, 0 },
	{ "fib", 4, "fib_tasks", TODO(4) "'task shared(x)', 'task shared(y)', 'taskwait' before "
		"x + y; the first call in 'parallel' + 'single'", SAME, 32, 27 },
	{ "list", 5, "list_tasks", TODO(5) "'parallel' + 'single', then 'task firstprivate(p)' "
		"calling node_work(p)", SAME, 40000, 8000 },
	{ "array", 5, "list_array", TODO(5) "copy the node addresses into an array, then 'parallel "
		"for schedule(dynamic, 16)'", SAME, 40000, 8000 },
	{ "taskloop", 6, "mandel_taskloop", TODO(6) "'parallel' + 'single', then 'taskloop "
		"grainsize(grain)'", SAME, 0, 0 },
};

static int chunk_size = 4, cutoff = 20, grain = 4, iters = 1000;
static bool timeline;
static const char *timeline_png;

static const kit_opt options[] = {
	KIT_OPT_GROUP("exercise 06:"),
	KIT_OPT_INT(0, "chunk", &chunk_size, "K", "dynamic: rows per chunk (default 4)", 1, 1000000),
	KIT_OPT_INT(0, "cutoff", &cutoff, "C", "fib: n below C runs serially (default 20)", 0, 90),
	KIT_OPT_INT(0, "grain", &grain, "G", "taskloop: rows per task (default 4)", 1, 1000000),
	KIT_OPT_INT(0, "iters", &iters, "I", "most steps per pixel (default 1000)", 1, 1000000),
	KIT_OPT_BOOL(0, "timeline", &timeline, "run once and chart which thread did what, when"),
	KIT_OPT_STRING(0, "timeline-png", &timeline_png, "FILE", "the timeline as a PNG too"),
	KIT_OPT_END,
};

typedef struct problem {
	mandel m;
	size_t npix;
	uint32_t *counts, *ref;	/* the picture, the reference's (made when needed) */
	node *nodes, *head;
	int n;
} problem;

/* -n for each kernel asked for (make trusts it: this runs first). */
static int check_options(const kit_ex_ctx *c)
{
	for (int k = 0; c->n_given && k < NK; k++)
		if ((c->all_kernels || k == c->kernel) &&
		    ((k == K_FIB && c->n > 60) || (PIC(k) && (c->n < 2 || c->n > 40000)))) {
			kit_error("-n %llu is out of range for --kernel %s: use %s",
				  (unsigned long long)c->n, kernels[k].name,
				  k == K_FIB ? "0 to 60" : "2 to 40000 (the picture's width)");
			return -1;
		}
	return 0;
}

static void *make(const kit_ex_ctx *c)
{
	problem *p = kit_xcalloc(1, sizeof(*p));
	p->n = (int)c->n;
	if (PIC(c->kernel)) {
		p->m = tasks_mandel(p->n, iters, c->seed);
		p->npix = (size_t)p->m.width * (size_t)p->m.height;
		p->counts = kit_xmalloc(p->npix * sizeof(uint32_t));
	} else if (c->kernel == K_LIST || c->kernel == K_ARRAY)
		p->nodes = tasks_list_new(c->n, c->seed, &p->head);
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

/* The result: fib(n), the list's sum or the picture's FNV-1a hash, low 53 bits. */
static int run(void *prob, const kit_ex_ctx *c, void *out)
{
	problem *p = prob;
	uint64_t *r = out;
	if (p->counts)	/* a row left out shows */
		memset(p->counts, 0xff, p->npix * sizeof(uint32_t));
	tasks_pieces_reset();
	for (node *q = p->head; q; q = q->next)
		q->result = 0;
	switch (c->kernel) {
	case K_STATIC: mandel_static(&p->m, p->counts); break;
	case K_DYNAMIC: mandel_dynamic(&p->m, chunk_size, p->counts); break;
	case K_GUIDED: mandel_guided(&p->m, p->counts); break;
	case K_TASKLOOP: mandel_taskloop(&p->m, grain, p->counts); break;
	case K_FIB: *r = fib_tasks(p->n, cutoff); return 0;
	default: *r = LOW53(c->kernel == K_LIST ? list_tasks(p->head) : list_array(p->head));
		return 0;
	}
	*r = LOW53(tasks_picture_hash(p->counts, p->npix));
	return 0;
}

static bool validate(void *prob, const kit_ex_ctx *c, const void *res, kit_buf *msg)
{
	problem *p = prob;
	uint64_t got = *(const uint64_t *)res, want;
	if (!PIC(c->kernel)) {
		want = c->kernel == K_FIB ? tasks_fib_ref(p->n) : LOW53(tasks_list_ref(p->head));
		kit_buf_printf(msg, c->kernel == K_FIB ? "fib(%d) = %llu" : "the sum over %d nodes "
			       "is %llu (mod 2^53)", p->n, (unsigned long long)got);
		if (got != want)
			kit_buf_printf(msg, ", not %llu", (unsigned long long)want);
		return got == want;
	}
	if (!p->ref) {
		p->ref = kit_xmalloc(p->npix * sizeof(uint32_t));
		tasks_mandel_ref(&p->m, p->ref);
	}
	return tasks_picture_check(p->counts, p->ref, &p->m, msg);
}

static kit_ex_work work(const kit_ex_ctx *c)
{
	double n = (double)c->n;
	return (kit_ex_work){ .samples = PIC(c->kernel) ? n * (double)(c->n / 2)
						: c->kernel >= K_LIST ? n : 0 };
}

#define MAX_PIECE_THREADS 64	/* threads whose pieces --emit writes, most first */

/* The picture's counts go to counts.u32 beside result.json's "value"; the
 * pieces of given work each thread did to "pieces". */
static int emit(void *prob, const kit_ex_ctx *c, const void *res, cJSON *out, const char *dir)
{
	problem *p = prob;
	uint64_t per[MAX_PIECE_THREADS];
	int k = tasks_pieces(per, MAX_PIECE_THREADS);
	cJSON *a = cJSON_AddArrayToObject(out, "pieces");
	for (int i = 0; i < k && i < MAX_PIECE_THREADS; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber((double)per[i]));
	kit_ex_json_add_u64(out, "value", *(const uint64_t *)res);
	return PIC(c->kernel) ? tasks_write_counts(dir, p->counts, p->npix) : 0;
}

/* RES's "pieces" (untrusted): whole numbers, most first. Their count, or -1
 * with MSG. */
static int read_pieces(const cJSON *res, uint64_t *per, kit_buf *msg)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(res, "pieces"), *v;
	int k = 0;
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > MAX_PIECE_THREADS)
		goto bad;
	cJSON_ArrayForEach(v, a) {
		if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 0x1p53 ||
		    v->valuedouble != (double)(uint64_t)v->valuedouble ||
		    (k && (uint64_t)v->valuedouble > per[k - 1]))
			goto bad;
		per[k++] = (uint64_t)v->valuedouble;
	}
	return k;
bad:
	kit_buf_add_str(msg, "result.json: \"pieces\" is not the list of each thread's pieces of work");
	return -1;
}

/* The given work was done through the given functions, WANT pieces at
 * least (0: any), and at 2 or more threads not by one thread alone: the
 * second busiest did a thousandth of it at least (not judged on the race
 * check's build, whose schedule is the sanitizer's). Threads that only burn
 * time do no pieces; a row computed without mandel_row is not the given
 * work. */
static bool shared_out(const kit_ex_ctx *c, const cJSON *res, uint64_t want, kit_buf *msg)
{
	static const char *const what[NK] = { "mandel_row", "mandel_row", "mandel_row",
		"fib_serial", "node_work", "node_work", "mandel_row" };
	uint64_t per[MAX_PIECE_THREADS], all = 0;
	int k = read_pieces(res, per, msg);
	if (k < 0)
		return false;
	for (int i = 0; i < k; i++)
		all += per[i];
	if (all < want || all == 0) {
		if (c->kernel == K_FIB)
			kit_buf_add_str(msg, "fib_serial was never called: below the cut-off the "
					"given fib_serial does the work");
		else
			kit_buf_printf(msg, "%s ran %llu times for %llu %s: each must be the given "
				       "%s's work", what[c->kernel], (unsigned long long)all,
				       (unsigned long long)want, PIC(c->kernel) ? "rows" : "nodes",
				       what[c->kernel]);
		return false;
	}
	if (c->threads < 2 || c->sanitized || all < 2 ||
	    (k >= 2 && per[1] >= (all + 999) / 1000))
		return true;
	kit_buf_printf(msg, "one thread of %d made %llu of the %llu calls of %s: the work was "
		       "not shared out (threads that only burn time do none of it)",
		       c->threads, (unsigned long long)per[0], (unsigned long long)all,
		       what[c->kernel]);
	return false;
}

/* The student's counts are read into p->counts and judged as a run's. */
static int verify(void *prob, const kit_ex_ctx *c, const char *dir, const cJSON *res,
		  void *got, kit_buf *msg)
{
	problem *p = prob;
	if (PIC(c->kernel) ? kit_ex_read_exact(dir, "counts.u32", p->counts, p->npix * 4, msg)
			   : kit_ex_json_u64(res, "value", got, msg))
		return KIT_FAIL;
	if (!validate(prob, c, got, msg))
		return KIT_FAIL;
	uint64_t want = PIC(c->kernel) ? (uint64_t)p->m.height
			: c->kernel == K_FIB ? 0 : (uint64_t)p->n;
	kit_buf why = { 0 };
	bool ok = shared_out(c, res, want, &why);
	if (!ok) {	/* what went wrong, not the right answer before it */
		kit_buf_free(msg);
		kit_buf_add_str(msg, kit_buf_str(&why));
	}
	kit_buf_free(&why);
	return ok ? KIT_PASS : KIT_FAIL;
}

/* --timeline: a recorded run, a bar per chunk of the picture's rows. */
static int timeline_mode(const kit_ex_ctx *c)
{
	static const int sched[] = { KIT_TL_STATIC, KIT_TL_DYNAMIC, KIT_TL_GUIDED, -1, -1, -1,
				     KIT_TL_GRAINSIZE };
	if (!timeline && !timeline_png)
		return -1;
	return kit_tl_exercise(c, &tasks_tl, sched[c->kernel], (int)(c->n / 2 ? c->n / 2 : 1),
			       c->kernel == K_DYNAMIC ? chunk_size : grain, timeline, timeline_png);
}

static const kit_exercise tasks_exercise = {
	.name = "06-tasks-load-balance",
	.title = "Tasks and load balance",
	.program = "tasks",
	.edit = "tasks.c",
	.about = "Steps 1-3: a Mandelbrot picture of n x n/2 pixels, rows of uneven cost,\n"
		 "under schedules static, dynamic and guided; steps 4-6: tasks for fib(n),\n"
		 "a list of n nodes, a taskloop. Answers are checked exactly, then timed;\n"
		 "--timeline charts which thread did which piece of work, and when.\n",
	.examples = "  tasks --kernel all --threads 1,2\n"
		    "  tasks --kernel dynamic --chunk 1 --timeline --timeline-png dyn.png\n"
		    "  tasks --kernel fib -n 32 --cutoff 25 --threads 1,2\n"
		    "  OMP_NUM_THREADS=2 tasks --kernel list --validate --expect-parallel\n",
	.kernels = kernels,
	.nkernels = NK,
	.options = options,
	.n_help = "picture width (default 800; 300 in checks), fib's n, or list nodes",
	.n_max = 10000000,
	.n_time = 800,
	.n_check = 300,
	.seed = 2026,
	.make = make, .free = pfree, .run = run, .validate = validate, .work = work,
	.result_size = sizeof(uint64_t), .result_name = "value", .emit = emit, .verify = verify,
	.mode = timeline_mode, .check_options = check_options,
};

int main(int argc, char **argv)
{
	return kit_exercise_main(argc, argv, &tasks_exercise);
}
