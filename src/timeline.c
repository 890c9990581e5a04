/*
 * timeline.c - each thread's busy intervals and their drawing (timeline.h).
 *
 * A row per thread, padded to its own cache lines so that threads recording
 * side by side do not slow each other (false sharing). The PNG goes through
 * kit_plot_bars (plot.c); the text chart is drawn here, one character per
 * time slice.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exercise.h"
#include "kit.h"
#include "kit_omp.h"
#include "timeline.h"

typedef struct ev {
	double t0, t1;
	int64_t id;
} ev;

typedef struct row {
	ev *ev;
	size_t n, cap, dropped;
	char pad[64 - sizeof(ev *) - 3 * sizeof(size_t)];	/* one cache line */
} row;

struct kit_timeline {
	int nrows;
	row *rows;
	double origin;
	size_t dropped;		/* by threads without a row (atomic adds) */
};

kit_timeline *kit_tl_new(int threads, size_t per_thread)
{
	kit_timeline *tl = kit_xcalloc(1, sizeof(*tl));
	tl->nrows = threads > 0 ? threads : 1;
	tl->rows = kit_xcalloc((size_t)tl->nrows, sizeof(row));
	for (int r = 0; r < tl->nrows; r++) {
		tl->rows[r].cap = per_thread ? per_thread : 1;
		tl->rows[r].ev = kit_xcalloc(tl->rows[r].cap, sizeof(ev));
	}
	return tl;
}

void kit_tl_free(kit_timeline *tl)
{
	if (!tl)
		return;
	for (int r = 0; r < tl->nrows; r++)
		free(tl->rows[r].ev);
	free(tl->rows);
	free(tl);
}

void kit_tl_start(kit_timeline *tl)
{
	for (int r = 0; r < tl->nrows; r++)
		tl->rows[r].n = tl->rows[r].dropped = 0;
	tl->dropped = 0;
	tl->origin = kit_wtime();
}

void kit_tl_add(kit_timeline *tl, double t0, int64_t id)
{
	if (!tl)
		return;
	double t1 = kit_wtime();
	int t = kit_omp_thread_num();
	if (t < 0 || t >= tl->nrows) {
		__atomic_fetch_add(&tl->dropped, 1, __ATOMIC_RELAXED);
		return;
	}
	row *r = &tl->rows[t];
	if (r->n == r->cap) {
		r->dropped++;
		return;
	}
	r->ev[r->n++] = (ev){ t0 - tl->origin, t1 - tl->origin, id };
}

void kit_tl_summarize(const kit_timeline *tl, kit_tl_summary *out)
{
	memset(out, 0, sizeof(*out));
	double first = INFINITY, last = -INFINITY, sum = 0;
	out->busy_min = INFINITY;
	out->dropped = tl->dropped;
	for (int r = 0; r < tl->nrows; r++) {
		const row *w = &tl->rows[r];
		out->dropped += w->dropped;
		if (!w->n)
			continue;
		double busy = 0;
		for (size_t i = 0; i < w->n; i++) {
			busy += w->ev[i].t1 - w->ev[i].t0;
			first = fmin(first, w->ev[i].t0);
			last = fmax(last, w->ev[i].t1);
		}
		out->threads++;
		out->pieces += w->n;
		out->busy_max = fmax(out->busy_max, busy);
		out->busy_min = fmin(out->busy_min, busy);
		sum += busy;
	}
	if (!out->threads) {
		out->busy_min = 0;
		return;
	}
	out->span = last - first;
	out->idle = out->span > 0 ? 1 - sum / (tl->nrows * out->span) : 0;
}

static int by_start(const void *a, const void *b)
{
	const ev *x = a, *y = b;
	return (x->t0 > y->t0) - (x->t0 < y->t0);
}

/* TL's intervals as bars, a piece's merged into the bar before it when
 * CHUNK says they are one chunk; *N set. Sorts the rows. */
static kit_bar *bars_of(const kit_timeline *tl, const int64_t *chunk, size_t nchunk,
			size_t *n)
{
	size_t total = 0;
	for (int r = 0; r < tl->nrows; r++)
		total += tl->rows[r].n;
	kit_bar *b = kit_xcalloc(total ? total : 1, sizeof(*b));
	size_t k = 0;
	for (int r = 0; r < tl->nrows; r++) {
		row *w = &tl->rows[r];
		qsort(w->ev, w->n, sizeof(ev), by_start);
		int colour = 0;
		for (size_t i = 0; i < w->n; i++) {
			const ev *e = &w->ev[i], *prev = i ? &w->ev[i - 1] : NULL;
			if (chunk && prev && e->id >= 0 && (size_t)e->id < nchunk &&
			    prev->id >= 0 && (size_t)prev->id < nchunk &&
			    chunk[e->id] == chunk[prev->id]) {
				b[k - 1].t1 = e->t1;
				continue;
			}
			b[k++] = (kit_bar){ r, e->t0, e->t1, colour };
			colour ^= 1;
		}
	}
	*n = k;
	return b;
}

enum { COLS = 64 };

/* The text chart: a line per thread, '#' and '=' alternating bars, '.' idle. */
static void draw_text(const kit_timeline *tl, const kit_bar *b, size_t n, const char *title,
		      FILE *out)
{
	kit_tl_summary s;
	kit_tl_summarize(tl, &s);
	double end = 0;
	for (size_t i = 0; i < n; i++)
		end = fmax(end, b[i].t1);
	double dt = end > 0 ? end / COLS : 1;
	fprintf(out, "%s\n", title);
	for (int r = 0; r < tl->nrows; r++) {
		char line[COLS + 1];
		memset(line, '.', COLS);
		line[COLS] = '\0';
		double busy = 0;
		for (size_t i = 0; i < n; i++) {
			if (b[i].row != r)
				continue;
			busy += b[i].t1 - b[i].t0;
			int c0 = (int)(b[i].t0 / dt), c1 = (int)ceil(b[i].t1 / dt);
			if (c1 <= c0)
				c1 = c0 + 1;
			for (int c = c0; c < c1 && c < COLS; c++)
				line[c] = b[i].colour ? '=' : '#';
		}
		fprintf(out, "  thread %-2d |%s| busy %7.4f s (%3.0f%%)\n", r, line, busy,
			end > 0 ? 100 * busy / end : 0);
	}
	fprintf(out, "  %-9s 0 s%*s%.4f s\n", "", COLS - 8, "", end);
	fprintf(out, "  # and = alternate pieces of work (a loop's chunks), . idle; "
		"%.0f%% of %d threads x %.4f s idle%s\n", 100 * s.idle, tl->nrows, s.span,
		s.dropped ? " (some pieces not recorded: too many)" : "");
}

int kit_tl_draw(const kit_timeline *tl, const char *title, const int64_t *chunk,
		size_t nchunk, const char *png, FILE *text)
{
	size_t n;
	kit_bar *b = bars_of(tl, chunk, nchunk, &n);
	if (!n) {
		kit_error("the timeline '%s' is empty: no piece of work was recorded", title);
		free(b);
		return -1;
	}
	if (text)
		draw_text(tl, b, n, title, text);
	int rc = 0;
	if (png)
		rc = kit_plot_bars(title, "seconds since the start", "thread", b, n, tl->nrows,
				   png);
	free(b);
	return rc;
}

void kit_tl_chunks(kit_tl_sched s, int n, int threads, int chunk, int64_t *out)
{
	int nt = threads > 0 ? threads : 1, c = chunk > 0 ? chunk : 1;
	/* static: NT blocks; grainsize: N / C tasks; the first N % blocks get one more */
	int blocks = s == KIT_TL_STATIC ? nt : n / c > 1 ? n / c : 1;
	int q = n / blocks, extra = n % blocks;
	int64_t label = -1;
	for (int i = 0, next = 0; i < n; i++) {
		if (s == KIT_TL_STATIC || s == KIT_TL_GRAINSIZE)
			out[i] = i < extra * (q + 1) ? i / (q + 1)
						     : extra + (i - extra * (q + 1)) / (q ? q : 1);
		else {
			if (i == next) {
				label++;
				next += s == KIT_TL_DYNAMIC ? c : (n - i + nt - 1) / nt;
			}
			out[i] = label;
		}
	}
}

/* kit_tl_exercise with the chunk labels made. */
static int tl_exercise(const kit_ex_ctx *c, kit_timeline **hook, const int64_t *chunk,
		       size_t nchunk, bool text, const char *png)
{
	const kit_exercise *ex = c->ex;
	void *prob = ex->make(c);
	if (!prob)
		return KIT_EXIT_USAGE;
	void *res = kit_xcalloc(1, ex->result_size);
	int nt = kit_omp_max_threads(), rc = ex->run(prob, c, res);	/* the warm-up */
	kit_timeline *tl = kit_tl_new(nt, 1 << 16);
	kit_tl_start(tl);
	*hook = tl;
	double t0 = kit_wtime();
	rc = rc ? rc : ex->run(prob, c, res);
	double t = kit_wtime() - t0;
	*hook = NULL;
	char *title = kit_xasprintf("%s (%s) on %d threads: %.4f s", ex->kernels[c->kernel].name,
				    ex->kernels[c->kernel].func, nt, t);
	int drawn = rc ? 0 : kit_tl_draw(tl, title, chunk, nchunk, png, text ? stdout : NULL);
	kit_buf msg = { 0 };
	bool ok = !rc && ex->validate(prob, c, res, &msg);
	printf("%s: %s\n", ok ? "PASS" : "FAIL", rc ? "the kernel reported an error" : msg.s);
	kit_buf_free(&msg);
	free(title);
	kit_tl_free(tl);
	free(res);
	ex->free(prob);
	return drawn ? KIT_EXIT_USAGE : ok ? KIT_EXIT_OK : KIT_EXIT_INVALID;
}

int kit_tl_exercise(const kit_ex_ctx *c, kit_timeline **hook, int sched, int n, int chunk,
		    bool text, const char *png)
{
	int64_t *label = sched >= 0 && n > 0 ? kit_xmalloc((size_t)n * sizeof(*label)) : NULL;
	if (label)
		kit_tl_chunks((kit_tl_sched)sched, n, kit_omp_max_threads(), chunk, label);
	int rc = tl_exercise(c, hook, label, label ? (size_t)n : 0, text, png);
	free(label);
	return rc;
}
