/*
 * tasks_work.c - exercise 06 on the kit's side: the given pieces of work
 * (a row of the picture, fib, a node's work), the problems (the picture's
 * window, the list) and the serial references the checks compare with,
 * shared by the descriptor (tasks_exercise.c) and the demos.
 */
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "kit.h"
#include "tasks.h"

kit_timeline *tasks_tl;

/* ------------------------------------------------------------------------
 * Who did the work: a count of pieces per thread. A thread takes a slot the
 * first time it does a piece and keeps it; only it writes its slot (a cache
 * line of its own), read after the run. Threads past the last slot share it.
 */
#define PIECE_SLOTS 512
static struct {
	alignas(64) uint64_t n;
} pieces[PIECE_SLOTS];
static atomic_int slots_taken;
static _Thread_local int my_slot = -1;

static void count_piece(void)
{
	if (my_slot < 0) {
		int s = atomic_fetch_add_explicit(&slots_taken, 1, memory_order_relaxed);
		my_slot = s < PIECE_SLOTS ? s : PIECE_SLOTS - 1;
	}
	pieces[my_slot].n++;
}

void tasks_pieces_reset(void)
{
	for (int s = 0; s < PIECE_SLOTS; s++)
		pieces[s].n = 0;
}

static int most_first(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x < y) - (x > y);
}

int tasks_pieces(uint64_t *per, int max)
{
	uint64_t all[PIECE_SLOTS];
	int k = 0;
	for (int s = 0; s < PIECE_SLOTS; s++)
		if (pieces[s].n)
			all[k++] = pieces[s].n;
	qsort(all, (size_t)k, sizeof(all[0]), most_first);
	for (int i = 0; i < k && i < max; i++)
		per[i] = all[i];
	return k;
}

/* ------------------------------------------------------------------------
 * The pieces of work the students' kernels share out (tasks.h: given). Each
 * records, when the kit asks (--timeline), which thread did it and when:
 * kit_tl_add. They live here, not in the student's file, so that the work
 * graded is the same for everyone: a kernel may share it out, not change it.
 */

/* Row Y of the picture: for each pixel, the steps z <- z^2 + c before
 * |z| > 2, at most m->iters. Writes only this row's counts. One product a
 * statement: no compiler may fuse a multiply and an add (FMA), so every
 * compiler gives the same counts, bit for bit. */
void mandel_row(const mandel *m, int y, uint32_t *counts)
{
	double t0 = tasks_tl ? kit_wtime() : 0;
	count_piece();
	double yy = y * m->dy, ci = m->y0 + yy;
	uint32_t *out = counts + (size_t)y * (size_t)m->width;
	for (int x = 0; x < m->width; x++) {
		double xx = x * m->dx, cr = m->x0 + xx, zr = 0, zi = 0;
		double zr2 = 0, zi2 = 0;
		int k = 0;
		while (k < m->iters && zr2 + zi2 <= 4.0) {
			double zrzi = zr * zi;
			zi = (zrzi + zrzi) + ci;
			zr = (zr2 - zi2) + cr;
			zr2 = zr * zr;
			zi2 = zi * zi;
			k++;
		}
		out[x] = (uint32_t)k;
	}
	if (tasks_tl)
		kit_tl_add(tasks_tl, t0, y);
}

static uint64_t fib_plain(int n)
{
	return n < 2 ? (uint64_t)n : fib_plain(n - 1) + fib_plain(n - 2);
}

/* fib(N) by plain recursion in this thread; recorded when N >= 10. */
uint64_t fib_serial(int n)
{
	count_piece();
	if (!tasks_tl || n < 10)
		return fib_plain(n);
	double t0 = kit_wtime();
	uint64_t r = fib_plain(n);
	kit_tl_add(tasks_tl, t0, n);
	return r;
}

/* COST rounds of a 64-bit mix from KEY: the work of a node. */
uint64_t node_value(uint64_t key, uint32_t cost)
{
	uint64_t z = key;
	for (uint32_t i = 0; i < cost; i++) {
		z += i + UINT64_C(0x9e3779b97f4a7c15);
		z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
		z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
		z ^= z >> 31;
	}
	return z;
}

/* P's work: sets P->result and nothing else. */
void node_work(node *p)
{
	double t0 = tasks_tl ? kit_wtime() : 0;
	count_piece();
	p->result = node_value(p->key, p->cost);
	if (tasks_tl)
		kit_tl_add(tasks_tl, t0, (int64_t)(p->key & 0xffffff));
}

mandel tasks_mandel(int n, int iters, uint64_t seed)
{
	int h = n / 2 > 0 ? n / 2 : 1;
	double dx = 2.6 / n, dy = 1.3 / h;
	/* SEED shifts the window by less than a pixel: another picture of the
	 * same costs, which no program can know before it is asked */
	return (mandel){ n, h, iters, -2.0 + dx * (double)(seed % 1024) / 1024,
			 -0.3 + dy * (double)(seed / 1024 % 1024) / 1024, dx, dy };
}

void tasks_mandel_ref(const mandel *m, uint32_t *counts)
{
	for (int y = 0; y < m->height; y++)
		mandel_row(m, y, counts);
}

uint64_t tasks_fib_ref(int n)
{
	uint64_t a = 0, b = 1;
	for (int i = 0; i < n; i++) {
		uint64_t t = a + b;
		a = b;
		b = t;
	}
	return a;
}

node *tasks_list_new(uint64_t n, uint64_t seed, node **head)
{
	node *a = kit_xcalloc(n ? n : 1, sizeof(*a));
	uint64_t *order = kit_xmalloc((n ? n : 1) * sizeof(*order));
	for (uint64_t i = 0; i < n; i++) {
		uint64_t r = node_value(seed * UINT64_C(0x9e3779b97f4a7c15) + i, 1);
		order[i] = i;
		a[i].key = r;
		/* one node in 16 costly (2000-5000 rounds), the others 20-220 */
		a[i].cost = (r >> 60) == 0 ? 2000 + (uint32_t)(r % 3000) : 20 + (uint32_t)(r % 200);
	}
	for (uint64_t i = n; i > 1; i--) {	/* Fisher-Yates: the list's order */
		uint64_t j = node_value(seed ^ (i * UINT64_C(0xd1b54a32d192ed03)), 1) % i;
		uint64_t t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
	for (uint64_t i = 0; i + 1 < n; i++)
		a[order[i]].next = &a[order[i + 1]];
	*head = n ? &a[order[0]] : NULL;
	free(order);
	return a;
}

uint64_t tasks_list_ref(const node *head)
{
	uint64_t sum = 0;
	for (const node *p = head; p; p = p->next)
		sum += node_value(p->key, p->cost);
	return sum;
}

uint64_t tasks_picture_hash(const uint32_t *counts, size_t n)
{
	uint64_t h = UINT64_C(14695981039346656037);
	for (size_t i = 0; i < n; i++)
		h = (h ^ counts[i]) * UINT64_C(1099511628211);
	return h;
}

bool tasks_picture_check(const uint32_t *got, const uint32_t *want, const mandel *m,
			 kit_buf *msg)
{
	size_t w = (size_t)m->width, n = w * (size_t)m->height, bad = 0, first = 0;
	for (size_t i = n; i-- > 0;)
		if (got[i] != want[i]) {
			bad++;
			first = i;
		}
	if (!bad)
		kit_buf_printf(msg, "the %d x %d picture equals the reference's, every pixel",
			       m->width, m->height);
	else
		kit_buf_printf(msg, "%zu of %zu pixels differ from the reference's; the first at "
			       "row %zu, column %zu: %u steps, not %u%s", bad, n, first / w,
			       first % w, got[first], want[first], got[first] == UINT32_MAX ?
			       " (never written: was that row computed?)" : "");
	return !bad;
}

int tasks_write_counts(const char *dir, const uint32_t *counts, size_t n)
{
	char *path = kit_xasprintf("%s/counts.u32", dir);
	kit_atomic a;
	int rc = kit_atomic_open(&a, path);
	if (!rc && fwrite(counts, sizeof(*counts), n, a.f) != n) {
		kit_atomic_abort(&a);
		kit_error("cannot write '%s'; is the disk full?", path);
		rc = -1;
	} else if (!rc)
		rc = kit_atomic_commit(&a);
	free(path);
	return rc;
}
