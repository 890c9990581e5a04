/*
 * tasks_work.c - exercise 06 on the kit's side: the problems (the picture's
 * window, the list) and the serial references the checks compare with,
 * shared by the descriptor (tasks_exercise.c) and the demos.
 */
#include <stdlib.h>

#include "kit.h"
#include "tasks.h"

kit_timeline *tasks_tl;

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
