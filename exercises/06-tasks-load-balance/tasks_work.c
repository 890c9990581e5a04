/*
 * tasks_work.c - exercise 06's given pieces of work (tasks.h: mandel_row,
 * fib_serial, node_work), each recorded in the timeline when one is on, and
 * the serial references the checks compare with (tasks_work.h).
 */
#include <stdlib.h>

#include "kit.h"
#include "tasks_work.h"

kit_timeline *tasks_tl;

mandel tasks_mandel(int n, int iters)
{
	int h = n / 2 > 0 ? n / 2 : 1;
	return (mandel){ n, h, iters, -2.0, -0.3, 2.6 / n, 1.3 / h };
}

void mandel_row(const mandel *m, int y, uint32_t *counts)
{
	double t0 = tasks_tl ? kit_wtime() : 0;
	double ci = m->y0 + y * m->dy;
	uint32_t *out = counts + (size_t)y * (size_t)m->width;
	for (int x = 0; x < m->width; x++) {
		double cr = m->x0 + x * m->dx, zr = 0, zi = 0;
		int k = 0;
		while (k < m->iters && zr * zr + zi * zi <= 4.0) {
			double t = zr * zr - zi * zi + cr;
			zi = 2.0 * zr * zi + ci;
			zr = t;
			k++;
		}
		out[x] = (uint32_t)k;
	}
	if (tasks_tl)
		kit_tl_add(tasks_tl, t0, y);
}

void tasks_mandel_ref(const mandel *m, uint32_t *counts)
{
	for (int y = 0; y < m->height; y++)
		mandel_row(m, y, counts);
}

static uint64_t fib_plain(int n)
{
	return n < 2 ? (uint64_t)n : fib_plain(n - 1) + fib_plain(n - 2);
}

uint64_t fib_serial(int n)
{
	if (!tasks_tl || n < 10)
		return fib_plain(n);
	double t0 = kit_wtime();
	uint64_t r = fib_plain(n);
	kit_tl_add(tasks_tl, t0, n);
	return r;
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

static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* COST rounds of mixing from KEY: the work of a node. */
static uint64_t work_of(uint64_t key, uint32_t cost)
{
	uint64_t z = key;
	for (uint32_t i = 0; i < cost; i++)
		z = mix(z + i);
	return z;
}

void node_work(node *p)
{
	double t0 = tasks_tl ? kit_wtime() : 0;
	p->result = work_of(p->key, p->cost);
	if (tasks_tl)
		kit_tl_add(tasks_tl, t0, (int64_t)(p->key & 0xffffff));
}

node *tasks_list_new(uint64_t n, uint64_t seed, node **head)
{
	node *a = kit_xcalloc(n, sizeof(*a));
	uint64_t *order = kit_xmalloc(n * sizeof(*order));
	for (uint64_t i = 0; i < n; i++) {
		order[i] = i;
		uint64_t r = mix(seed * UINT64_C(0x9e3779b97f4a7c15) + i);
		a[i].key = r;
		/* most nodes cheap, one in 16 costly: 20 to 5000 rounds */
		a[i].cost = (r >> 60) == 0 ? 2000 + (uint32_t)(r % 3000) : 20 + (uint32_t)(r % 200);
	}
	for (uint64_t i = n; i > 1; i--) {	/* Fisher-Yates: the list's order */
		uint64_t j = mix(seed ^ (i * UINT64_C(0xd1b54a32d192ed03))) % i, t = order[i - 1];
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
		sum += work_of(p->key, p->cost);
	return sum;
}
