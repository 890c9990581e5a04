/*
 * NAME
 *   sharing_exercise.c - exercise 00, threads and data sharing, as the kit's
 *   exercise driver sees it: the kernels of sharing.h as a table, the data
 *   they work on, and how each answer is checked. Shared by the skeleton and
 *   the reference build; students do not edit it.
 *
 * USAGE
 *   sharing --help
 *   OMP_NUM_THREADS=2 sharing --kernel all --validate
 *   sharing --kernel filter --emit out/ && sharing --kernel filter --verify out/
 *
 * NOTES
 *   Every answer is defined by the serial code (the skeleton's kernels), so
 *   it is exact and the same at any thread count, except step 1's shares,
 *   which are defined for the team size. The checks below recompute it here,
 *   serially, and compare every element. Emitted files are raw little-endian
 *   arrays: parts.u64 (step 1), y.i32 (2), out.i32 (3), buckets.i32 (head,
 *   count per bucket) and next.i32 (4).
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "exercise.h"
#include "kit_omp.h"
#include "sharing.h"

enum { K_TEAM, K_FILTER, K_COMPACT, K_INSERT, K_HANDOFF };
#define NB 64					/* step 4's buckets */
#define SLOTS 4096				/* per-thread slots: the driver's most threads */
#define UNSET UINT64_C(0x5eed5eed5eed5eed)	/* a share no thread stored */

static const kit_ex_kernel kernels[] = {
	[K_TEAM] = { "team", 1, "sh_team", "look at TODO(1) in sharing.c: '#pragma omp "
		"parallel' and a block; thread t of T sums i = t, t+T, ... into its own sum "
		"and stores it in part[t]", KIT_EX_PARALLEL | KIT_EX_SAME_ANY, UINT64_C(200000000),
		UINT64_C(100000000) },
	[K_FILTER] = { "filter", 2, "sh_filter", "look at TODO(2) in sharing.c: win private, "
		"cal firstprivate (it carries offset and gain), med lastprivate, n x y shared",
		KIT_EX_PARALLEL | KIT_EX_SAME_ANY, 0, 0 },
	[K_COMPACT] = { "compact", 3, "sh_compact", "look at TODO(3) in sharing.c: the limit "
		"read once in 'omp single', counts per thread, 'omp barrier', then each thread "
		"copies to the sum of the counts before its own", KIT_EX_PARALLEL | KIT_EX_SAME_ANY,
		0, UINT64_C(8000000) },
	[K_INSERT] = { "insert", 4, "sh_insert", "look at TODO(4) in sharing.c: 'parallel for' "
		"and one omp_lock_t per bucket, set around the three updates of a push",
		KIT_EX_PARALLEL | KIT_EX_SAME_ANY, 0, UINT64_C(6000000) },
	[K_HANDOFF] = { "handoff", 5, "sh_handoff", "look at TODO(5) in sharing.c: a team of "
		"two, and every read and write of the flag an 'omp atomic read/write seq_cst'",
		KIT_EX_SAME_ANY, UINT64_C(20000), UINT64_C(20000) },
};

struct sh_source {
	atomic_int reads;
	int32_t limit;
};

int32_t sh_read_limit(sh_source *src)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };	/* 20 ms: a slow device */
	nanosleep(&ts, NULL);
	atomic_fetch_add(&src->reads, 1);
	return src->limit;
}

/* What a run gives back: its scalars (the arrays stay in the problem). */
typedef struct result {
	int kernel;
	int64_t a;	/* team: T; filter: the last median; compact: readings kept;
			 * insert: items; handoff: the consumer's thread number */
	uint64_t b;	/* team: the shares' total; compact: limit reads; handoff: the sum */
} result;

typedef struct problem {
	size_t n;
	uint64_t seed;
	int32_t *x, *y, *next, offset, gain;
	uint64_t *part;
	sh_bucket b[NB];
	sh_source src;
	bool have_ref;
	int32_t *ref, ref_last;	/* filter: y and the last median; compact: out */
	size_t ref_kept;
} problem;

static bool arrays(int k) { return k == K_FILTER || k == K_COMPACT || k == K_INSERT; }

/* -n fits C's kernel. 0, or -1 after one line. */
static int check_options(const kit_ex_ctx *c)
{
	return arrays(c->kernel) ? kit_ex_n_at_most(c, 200000000, "readings") : 0;
}

static void *make(const kit_ex_ctx *c)
{
	if (check_options(c))
		return NULL;
	problem *p = kit_xcalloc(1, sizeof(*p));
	p->n = (size_t)c->n;
	p->seed = c->seed;
	p->part = kit_xcalloc(SLOTS, sizeof(*p->part));	/* the team may change in sweeps */
	p->offset = (int32_t)(sh_work(c->seed, 1) % 2001) - 1000;
	p->gain = 1 + (int32_t)(sh_work(c->seed, 2) % 15);
	p->src.limit = (1 << 19) + (int32_t)(sh_work(c->seed, 3) % (1 << 18)) - (1 << 17);
	if (arrays(c->kernel)) {
		p->x = kit_xmalloc(p->n * sizeof(*p->x));
		p->y = kit_xcalloc(p->n, sizeof(*p->y));
		p->next = kit_xcalloc(p->n, sizeof(*p->next));
		for (size_t i = 0; i < p->n; i++)	/* serially: only the kernel's threads work */
			p->x[i] = sh_reading(c->seed, i);
	}
	return p;
}

static void release(void *prob)
{
	problem *p = prob;
	free(p->x);
	free(p->y);
	free(p->next);
	free(p->part);
	free(p->ref);
	free(p);
}

static int run(void *prob, const kit_ex_ctx *c, void *res)
{
	problem *p = prob;
	result *r = res;
	int consumer = 0;
	r->kernel = c->kernel;
	switch (c->kernel) {
	case K_TEAM:
		for (size_t t = 0; t < SLOTS; t++)
			p->part[t] = UNSET;
		r->a = sh_team(p->n, p->seed, p->part);
		r->b = 0;
		for (int64_t t = 0; t < r->a && t < SLOTS; t++)
			r->b += p->part[t];
		break;
	case K_FILTER: r->a = sh_filter(p->n, p->x, p->y, p->offset, p->gain); break;
	case K_COMPACT:
		atomic_store(&p->src.reads, 0);
		r->a = (int64_t)sh_compact(p->n, p->x, p->y, &p->src, (size_t *)p->part);
		r->b = (uint64_t)atomic_load(&p->src.reads);
		break;
	case K_INSERT:
		for (int k = 0; k < NB; k++)
			p->b[k] = (sh_bucket){ -1, 0 };
		sh_insert(p->n, p->x, NB, p->b, p->next);
		r->a = (int64_t)p->n;
		break;
	default:
		r->b = sh_handoff(p->n, p->seed, &consumer);
		r->a = consumer;
	}
	return 0;
}

/* The defined answers of steps 2 and 3: the skeleton's serial loops. */
static void reference(problem *p, int k)
{
	if (p->have_ref || (k != K_FILTER && k != K_COMPACT))
		return;
	p->ref = kit_xmalloc((p->n ? p->n : 1) * sizeof(*p->ref));
	int32_t w[SH_WIN];
	sh_calib cal = { .offset = p->offset, .gain = p->gain };
	for (size_t i = 0; i < p->n; i++) {
		if (k == K_FILTER) {
			sh_window(p->x, p->n, i, w);
			cal.raw = p->ref_last = sh_median(w);
			p->ref[i] = sh_calibrate(&cal);
		} else if (sh_score(p->x[i]) >= p->src.limit)
			p->ref[p->ref_kept++] = p->x[i];
	}
	p->have_ref = true;
}

/* GOT and WANT, LEN elements, are equal; else MSG gets the first difference. */
static bool same_array(const char *name, const int32_t *got, const int32_t *want, size_t len,
		       kit_buf *msg)
{
	size_t first = 0, bad = kit_ex_count_diff(got, want, len, sizeof(*got), &first);
	if (bad)
		kit_buf_printf(msg, "%s[%zu] = %d, expected %d (%zu of %zu wrong)", name, first,
			       got[first], want[first], bad, len);
	return !bad;
}

/* Step 1: a team of the run's size, every share as defined for that size. */
static bool judge_team(problem *p, const kit_ex_ctx *c, const result *r, kit_buf *msg)
{
	int T = c->threads;
	if (r->a != T) {
		kit_buf_printf(msg, "a team of %lld thread%s; the run had %d (OMP_NUM_THREADS)",
			       (long long)r->a, r->a == 1 ? "" : "s", T);
		return false;
	}
	kit_buf who = { 0 };
	for (int t = 0; t < T; t++)
		if (p->part[t] != UNSET)
			kit_buf_printf(&who, "%s%d", kit_buf_str(&who)[0] ? ", " : "", t);
	bool ok = true;
	for (int t = 0; t < T && ok; t++) {
		uint64_t want = 0;
		for (uint64_t i = (uint64_t)t; i < p->n; i += (uint64_t)T)
			want += sh_work(p->seed, i);
		if (p->part[t] != want) {
			kit_buf_printf(msg, "part[%d] = %llu, expected %llu, the sum over i = %d, %d, "
				       "%d, ... (threads that stored a share: {%s} of {0..%d})", t,
				       (unsigned long long)p->part[t], (unsigned long long)want, t,
				       t + T, t + 2 * T, kit_buf_str(&who), T - 1);
			ok = false;
		}
	}
	if (ok)
		kit_buf_printf(msg, "a team of %d, threads {%s} each stored its own share", T,
			       kit_buf_str(&who));
	kit_buf_free(&who);
	return ok;
}

/* Step 4: every item in exactly one list, its own bucket's; counts right. */
static bool judge_insert(problem *p, kit_buf *msg)
{
	unsigned char *seen = kit_xcalloc(p->n ? p->n : 1, 1);
	size_t listed = 0;
	bool ok = true;
	for (int k = 0; k < NB && ok; k++) {
		size_t len = 0;
		for (int64_t i = p->b[k].head; i != -1 && ok; i = p->next[i], len++) {
			if (i < 0 || (size_t)i >= p->n) {
				kit_buf_printf(msg, "bucket %d's list leads to item %lld, not one of "
					       "0..%zu", k, (long long)i, p->n - 1);
				ok = false;
			} else if (seen[i]) {
				kit_buf_printf(msg, "item %lld appears twice in the lists (bucket "
					       "%d's list loops or joins another)", (long long)i, k);
				ok = false;
			} else if (sh_bucket_of(p->x[i], NB) != (size_t)k) {
				kit_buf_printf(msg, "item %lld is in bucket %d's list; it belongs in "
					       "bucket %zu", (long long)i, k, sh_bucket_of(p->x[i], NB));
				ok = false;
			} else
				seen[i] = 1;
		}
		if (ok && (int64_t)len != p->b[k].count) {
			kit_buf_printf(msg, "bucket %d's list holds %zu items but its count says %d",
				       k, len, p->b[k].count);
			ok = false;
		}
		listed += len;
	}
	if (ok && listed != p->n) {
		size_t lost = 0;
		while (seen[lost])
			lost++;
		kit_buf_printf(msg, "%zu of %zu items are in no list (item %zu, for one): pushes "
			       "lost when two threads updated one list at once", p->n - listed,
			       p->n, lost);
		ok = false;
	}
	free(seen);
	if (ok)
		kit_buf_printf(msg, "each of the %zu items in its bucket's list, the counts right",
			       p->n);
	return ok;
}

/* Step 2: every point, and the median at the last one. */
static bool judge_filter(problem *p, const result *r, kit_buf *msg)
{
	if (!same_array("y", p->y, p->ref, p->n, msg))
		return false;
	if (r->a != p->ref_last) {
		kit_buf_printf(msg, "returned median %lld, expected %d, the median at the last "
			       "point", (long long)r->a, p->ref_last);
		return false;
	}
	kit_buf_printf(msg, "all %zu points and the last median right", p->n);
	return true;
}

/* Step 3: the limit read once; the kept readings, in order. */
static bool judge_compact(problem *p, const result *r, kit_buf *msg)
{
	if (r->b != 1)
		kit_buf_printf(msg, "sh_read_limit called %llu times; once was expected",
			       (unsigned long long)r->b);
	else if ((size_t)r->a != p->ref_kept)
		kit_buf_printf(msg, "%lld readings kept, expected %zu", (long long)r->a, p->ref_kept);
	else if (same_array("out", p->y, p->ref, p->ref_kept, msg)) {
		kit_buf_printf(msg, "the %zu readings kept, in order; the limit read once",
			       p->ref_kept);
		return true;
	}
	return false;
}

/* Step 5: every value added once, by thread 1 of a team of two (thread 0
 * without OpenMP; at 1 thread also as serially). */
static bool judge_handoff(problem *p, const kit_ex_ctx *c, const result *r, kit_buf *msg)
{
	uint64_t want = 0;
	for (uint64_t i = 0; i < p->n; i++)
		want += (i + 1) * sh_work(p->seed, i);
	int consumer = kit_omp_enabled() && !(c->threads == 1 && r->a == 0);
	if (r->b != want)
		kit_buf_printf(msg, "sum %llu, expected %llu: a value was read before it was "
			       "written, twice, or not at all", (unsigned long long)r->b,
			       (unsigned long long)want);
	else if (r->a != consumer)
		kit_buf_printf(msg, "the right sum, added by thread %lld; thread %d of a team of "
			       "two must add it", (long long)r->a, consumer);
	else {
		kit_buf_printf(msg, "%zu values handed from thread 0 to thread %d", p->n, consumer);
		return true;
	}
	return false;
}

static bool validate(void *prob, const kit_ex_ctx *c, const void *res, kit_buf *msg)
{
	problem *p = prob;
	const result *r = res;
	reference(p, c->kernel);
	switch (c->kernel) {
	case K_TEAM: return judge_team(p, c, r, msg);
	case K_FILTER: return judge_filter(p, r, msg);
	case K_COMPACT: return judge_compact(p, r, msg);
	case K_INSERT: return judge_insert(p, msg);
	default: return judge_handoff(p, c, r, msg);
	}
}

static void describe(const void *res, kit_buf *msg)
{
	const result *r = res;
	static const char *const what[] = { "team %lld, total %llu", "last median %lld",
		"%lld readings kept, limit reads: %llu", "%lld items listed", "consumer %lld, sum %llu" };
	kit_buf_printf(msg, what[r->kernel], (long long)r->a, (unsigned long long)r->b);
}

static int emit(void *prob, const kit_ex_ctx *c, const void *res, cJSON *out, const char *dir)
{
	problem *p = prob;
	const result *r = res;
	cJSON_AddNumberToObject(out, "a", (double)r->a);
	kit_ex_json_add_u64_text(out, "b", r->b);
	switch (c->kernel) {
	case K_TEAM:
		return kit_ex_write_exact(dir, "parts.u64", p->part,
					  (size_t)c->threads * sizeof(*p->part));
	case K_FILTER: return kit_ex_write_exact(dir, "y.i32", p->y, p->n * sizeof(*p->y));
	case K_COMPACT:
		return kit_ex_write_exact(dir, "out.i32", p->y,
					  (r->a > 0 ? (size_t)r->a : 0) * sizeof(*p->y));
	case K_INSERT:
		return kit_ex_write_exact(dir, "buckets.i32", p->b, sizeof(p->b)) ||
		       kit_ex_write_exact(dir, "next.i32", p->next, p->n * sizeof(*p->next));
	}
	return 0;
}

static int verify(void *prob, const kit_ex_ctx *c, const char *dir, const cJSON *res,
		  void *got, kit_buf *msg)
{
	problem *p = prob;
	result *r = got;
	r->kernel = c->kernel;
	if (kit_ex_json_i64(res, "a", &r->a, msg) || kit_ex_json_u64_text(res, "b", &r->b, msg))
		return KIT_FAIL;
	int rc = 0;
	switch (c->kernel) {
	case K_TEAM:	/* c->threads <= the driver's most, SLOTS */
		rc = kit_ex_read_exact(dir, "parts.u64", p->part, (size_t)c->threads *
				       sizeof(*p->part), msg);
		break;
	case K_FILTER: rc = kit_ex_read_exact(dir, "y.i32", p->y, p->n * sizeof(*p->y), msg); break;
	case K_COMPACT:
		if (r->a < 0 || (size_t)r->a > p->n) {
			kit_buf_printf(msg, "%lld readings kept, of %zu", (long long)r->a, p->n);
			return KIT_FAIL;
		}
		rc = kit_ex_read_exact(dir, "out.i32", p->y, (size_t)r->a * sizeof(*p->y), msg);
		break;
	case K_INSERT:
		rc = kit_ex_read_exact(dir, "buckets.i32", p->b, sizeof(p->b), msg) ||
		     kit_ex_read_exact(dir, "next.i32", p->next, p->n * sizeof(*p->next), msg);
		r->a = (int64_t)p->n;
	}
	if (rc)
		return KIT_FAIL;
	bool ok = validate(prob, c, got, msg);
	if (c->kernel == K_TEAM)
		r->a = 0;	/* compared across folders: the total, not the team */
	return ok ? KIT_PASS : KIT_FAIL;
}

static const kit_exercise sharing_exercise = {
	.name = "00-threads-data-sharing",
	.title = "threads and data sharing",
	.program = "sharing",
	.edit = "sharing.c",
	.about = "Five small kernels, one per step: a team of threads and their numbers\n"
		 "(team), data-sharing clauses (filter), single and barrier (compact),\n"
		 "a lock per list (insert), a hand-off through a flag (handoff). Each\n"
		 "answer is defined by the serial code and checked exactly.\n",
	.examples = "  OMP_NUM_THREADS=2 sharing --kernel all --validate\n"
		    "  OMP_NUM_THREADS=2 sharing --kernel team --validate --expect-parallel\n"
		    "  sharing --kernel filter --same-across 1,2,3\n"
		    "  sharing --kernel insert --threads 1,2\n"
		    "  sharing --kernel compact --emit out/ && sharing --kernel compact --verify out/\n",
	.kernels = kernels,
	.nkernels = sizeof(kernels) / sizeof(kernels[0]),
	.n_help = "work items: sums (team), readings (filter, compact, insert;\n"
		  "at most 2e8), rounds (handoff); 1e6, 5M work",
	.n_min = 1,
	.n_max = UINT64_C(1000000000000),
	.n_time = UINT64_C(4000000),
	.n_check = UINT64_C(4000000),
	.seed = 2026,
	.n_linear = true,
	.make = make,
	.free = release,
	.run = run,
	.result_size = sizeof(result),
	.validate = validate,
	.describe = describe,
	.work = kit_ex_work_samples,
	.emit = emit,
	.verify = verify,
	.check_options = check_options,
};

int main(int argc, char **argv)
{
	return kit_exercise_main(argc, argv, &sharing_exercise);
}
