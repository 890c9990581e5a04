/*
 * test_timeline.c - timeline.h: the chunk labels kit_tl_chunks gives match
 * how libgomp really hands out loop iterations (every iteration of one label
 * ran on one thread, for static, dynamic and guided), by hand-checked cases;
 * recording from threads, the summary and the text chart.
 */
#include <stdlib.h>
#include <string.h>

#include "kit.h"
#include "tap.h"
#include "timeline.h"

enum { N = 1000 };

/* Every label of LABEL (N entries) ran on one thread, per OWNER. */
static bool labels_hold(const int64_t *label, const int *owner)
{
	for (int i = 1; i < N; i++)
		if (label[i] == label[i - 1] && owner[i] != owner[i - 1])
			return false;
	return true;
}

int main(void)
{
	int64_t l[10], label[N];
	static int owner[N];
	const int64_t st[] = { 0, 0, 0, 0, 1, 1, 1, 2, 2, 2 }, dy[] = { 0, 0, 0, 1, 1, 1, 2, 2, 2, 3 },
		      gu[] = { 0, 0, 0, 0, 1, 1, 2, 2, 3, 4 };
	kit_tl_chunks(KIT_TL_STATIC, 10, 3, 0, l);
	ok(!memcmp(l, st, sizeof(l)), "static: 10 over 3 threads is 4, 3, 3");
	kit_tl_chunks(KIT_TL_DYNAMIC, 10, 3, 3, l);
	ok(!memcmp(l, dy, sizeof(l)), "dynamic,3: chunks of 3, the last of 1");
	kit_tl_chunks(KIT_TL_GUIDED, 10, 3, 0, l);
	ok(!memcmp(l, gu, sizeof(l)), "guided: ceil(left / 3): 4, 2, 2, 1, 1");
	kit_tl_chunks(KIT_TL_GRAINSIZE, 10, 3, 3, l);
	ok(!memcmp(l, st, sizeof(l)), "grainsize 3: 3 tasks of 4, 3, 3");

	/* the labels against the runtime: who ran each iteration */
	int nt = kit_omp_max_threads() < 3 ? 3 : kit_omp_max_threads();
	kit_omp_set_threads(nt);
#pragma omp parallel for schedule(static)
	for (int i = 0; i < N; i++)
		owner[i] = kit_omp_thread_num();
	kit_tl_chunks(KIT_TL_STATIC, N, kit_omp_enabled() ? nt : 1, 0, label);
	ok(labels_hold(label, owner), "static: each block on one thread");
	bool in_order = true;
	for (int i = 0; i < N; i++)
		in_order &= !kit_omp_enabled() || label[i] == owner[i];
	ok(in_order, "static: block t on thread t");
#pragma omp parallel for schedule(dynamic, 7)
	for (int i = 0; i < N; i++)
		owner[i] = kit_omp_thread_num();
	kit_tl_chunks(KIT_TL_DYNAMIC, N, nt, 7, label);
	ok(labels_hold(label, owner), "dynamic,7: each chunk on one thread");
#pragma omp parallel for schedule(guided)
	for (int i = 0; i < N; i++)
		owner[i] = kit_omp_thread_num();
	kit_tl_chunks(KIT_TL_GUIDED, N, kit_omp_enabled() ? nt : 1, 0, label);
	ok(labels_hold(label, owner), "guided: each chunk on one thread");

	/* recording from every thread, then the summary and the chart */
	kit_timeline *tl = kit_tl_new(nt, 4);
	kit_tl_start(tl);
#pragma omp parallel for schedule(static, 1)
	for (int i = 0; i < 5 * nt; i++) {
		double t0 = kit_wtime();
		while (kit_wtime() - t0 < 1e-4)
			;
		kit_tl_add(tl, t0, i);
	}
	kit_tl_summary s;
	kit_tl_summarize(tl, &s);
	ok(s.pieces == (size_t)(4 * (kit_omp_enabled() ? nt : 1)), "4 pieces a thread kept: %zu",
	   s.pieces);
	ok(s.dropped == (size_t)(5 * nt) - s.pieces, "the rest counted as dropped: %zu", s.dropped);
	ok(s.span >= 4e-4 && s.busy_max >= 4e-4 && s.idle >= 0 && s.idle < 1, "span %g, idle %g",
	   s.span, s.idle);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ok(kit_tl_draw(tl, "test", NULL, 0, NULL, f) == 0, "the text chart is drawn");
	fclose(f);
	ok(buf && strstr(buf, "  thread 0  |") && strstr(buf, "not recorded"),
	   "a row for thread 0 and the dropped pieces said");
	free(buf);
	kit_tl_start(tl);
	ok(kit_tl_draw(tl, "empty", NULL, 0, NULL, NULL) == -1, "an empty timeline is an error");
	kit_tl_free(tl);
	return tap_done();
}
