/*
 * images_set.c - exercise 03's images, their exact signatures and the work
 * of one image (images_driver.h says what each function promises).
 *
 * NOTES
 *   The exact signature is computed in the parent, serially and in
 *   integers: sum(m m^T) = sum over columns k of (sum over rows of m)^2, so
 *   mean(m m^T) needs no matrix product at all, and its integer part is
 *   exact. The workers' product (product_sum) is exact too: see there.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cblas.h>

#include "imagegen.h"
#include "images_driver.h"
#include "kit.h"

/* ------------------------------------------------------------------------
 * The images and their exact signatures
 */



static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_png(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && !strcasecmp(name + n - 4, ".png");
}

/* The *.png files of DIR, sorted; -1 with a message when none. */
static int list_dir(const char *dir, struct imageset *s)
{
	DIR *d = opendir(dir);
	if (!d) {
		kit_error("cannot read the folder '%s' given to --images: %s", dir, strerror(errno));
		return -1;
	}
	size_t cap = 16;
	char **names = malloc(cap * sizeof(*names));
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !ends_png(e->d_name))
			continue;
		if ((size_t)n == cap)
			names = realloc(names, (cap *= 2) * sizeof(*names));
		if (!names || !(names[n++] = strdup(e->d_name)))
			abort();
	}
	closedir(d);
	if (n == 0) {
		kit_error("no *.png file in '%s' (--images takes a folder of PNG images)", dir);
		free(names);
		return -1;
	}
	if (n > POOL_MAX_IMAGES) {
		kit_error("'%s' holds %d PNG files, more than the %d one sweep takes; "
			  "use a folder with fewer", dir, n, POOL_MAX_IMAGES);
		for (int i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return -1;
	}
	qsort(names, (size_t)n, sizeof(*names), by_name);
	s->n = n;
	s->paths = calloc((size_t)n, sizeof(char *));
	s->names = names;
	for (int i = 0; i < n; i++)
		if (asprintf(&s->paths[i], "%s/%s", dir, names[i]) < 0)
			abort();
	return 0;
}

static unsigned char median3(unsigned char a, unsigned char b, unsigned char c)
{
	unsigned char lo = a < b ? a : b, hi = a < b ? b : a;
	unsigned char mid = hi < c ? hi : c;
	return lo > mid ? lo : mid;
}

/* numpy's median over the channel axis, times SCALE(CHANNELS): an integer.
 * numpy's median of an even count is the mean of the two middle values, so
 * 2 and 4 channels give halves: twice the median is an integer. */
static int scale_of(int channels)
{
	return channels == 3 ? 1 : 2;
}

static inline int q_of(const unsigned char *c, int channels)
{
	switch (channels) {
	case 2:
		return c[0] + c[1];
	case 3:
		return median3(c[0], c[1], c[2]);
	default: {	/* 4: the two middle values = all four less the extremes */
		int lo = c[0], hi = c[0];
		for (int k = 1; k < 4; k++)
			lo = c[k] < lo ? c[k] : lo, hi = c[k] > hi ? c[k] : hi;
		return c[0] + c[1] + c[2] + c[3] - lo - hi;
	}
	}
}

/* The exact signature of the image P with a channel axis: floor(sum_k c_k^2
 * / (s h)^2), c_k the sum of column k of s * median, s = scale_of. Integers
 * only: sum(m m^T) = sum over columns of (column sum of m)^2. */
static long long exact_signature(const kit_png_pixels *p)
{
	uint64_t *col = kit_xmalloc((size_t)p->w * sizeof(*col));
	memset(col, 0, (size_t)p->w * sizeof(*col));
	int ch = p->channels;
	for (int y = 0; y < p->h; y++) {
		const unsigned char *px = p->px + (size_t)y * (size_t)p->w * (size_t)ch;
		for (int x = 0; x < p->w; x++)
			col[x] += (uint64_t)q_of(px + (size_t)ch * (size_t)x, ch);
	}
	unsigned __int128 total = 0;
	for (int x = 0; x < p->w; x++)
		total += (unsigned __int128)col[x] * col[x];
	free(col);
	unsigned __int128 sh = (unsigned __int128)scale_of(ch) * (unsigned __int128)p->h;
	return (long long)(total / (sh * sh));
}

/* A file name or path as it is safe to print: control characters and
 * backslashes escaped (\n, \t, \x1b, \\), so one file stays one line.
 * malloc'd. */
char *shown(const char *s)
{
	kit_buf b = { 0 };
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '\n')
			kit_buf_add_str(&b, "\\n");
		else if (*c == '\t')
			kit_buf_add_str(&b, "\\t");
		else if (*c == '\\')
			kit_buf_add_str(&b, "\\\\");
		else if (*c < 0x20 || *c == 0x7f)
			kit_buf_printf(&b, "\\x%02x", *c);
		else
			kit_buf_add(&b, (const char *)c, 1);
	}
	return b.len ? kit_buf_take(&b) : kit_xstrdup("");
}

/* The memory budget of one image in one process (--mem), and what the work
 * of an image needs beyond its pixels: q (4 bytes a pixel), a block of the
 * median in doubles, a block of rows of the product (work below). */
uint64_t mem_budget = MEM_DEFAULT;

static uint64_t work_bytes(int w, int h, int channels)
{
	if (!channels)
		return 0;
	return 4 * (uint64_t)w * (uint64_t)h + 4 * (uint64_t)BLOCK_ROWS * (uint64_t)h +
	       8 * (uint64_t)BLOCK_ROWS * (uint64_t)w;
}

int load_png(const char *path, kit_png_pixels *p, char *why, size_t len)
{
	kit_png_budget b = { .bytes = mem_budget, .work_bytes = work_bytes };
	return kit_png_load(path, &b, p, why, len);
}

/* Finds or makes the images, reads each once here (serially: no OpenMP in
 * the parent) for its exact signature, and names every unreadable file. */
int load_set(const struct options *o, struct imageset *s)
{
	memset(s, 0, sizeof(*s));
	if (o->dir) {
		if (list_dir(o->dir, s))
			return -1;
		s->source = strdup(o->dir);
		const char *base = strrchr(o->dir, '/');
		base = base && base[1] ? base + 1 : o->dir;
		s->tag = strdup(base);
		for (char *c = s->tag; *c; c++)
			if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_')
				*c = '_';
	} else {
		s->n = IMAGEGEN_COUNT;
		s->paths = calloc(IMAGEGEN_COUNT, sizeof(char *));
		s->names = calloc(IMAGEGEN_COUNT, sizeof(char *));
		char *dir;
		if (asprintf(&dir, "%s/data/cache/images-%dx%d", kit_root(), o->w, o->h) < 0)
			abort();
		int rc = imagegen_set(dir, o->w, o->h, s->paths, !o->quiet);
		free(dir);
		if (rc)
			return -1;
		for (int i = 0; i < s->n; i++)
			if (!(s->names[i] = strdup(strrchr(s->paths[i], '/') + 1)))
				abort();
		if (asprintf(&s->source, "generated %dx%d", o->w, o->h) < 0 ||
		    asprintf(&s->tag, "%dx%d", o->w, o->h) < 0)
			abort();
	}
	s->kind = calloc((size_t)s->n, sizeof(int));
	s->sig = calloc((size_t)s->n, sizeof(long long));
	s->why = calloc((size_t)s->n, sizeof(char *));
	s->w = calloc((size_t)s->n, sizeof(int));
	s->h = calloc((size_t)s->n, sizeof(int));
	s->channels = calloc((size_t)s->n, sizeof(int));
	s->spaths = calloc((size_t)s->n, sizeof(char *));
	s->snames = calloc((size_t)s->n, sizeof(char *));
	if (!s->kind || !s->sig || !s->why || !s->w || !s->h || !s->channels || !s->spaths ||
	    !s->snames)
		abort();
	double t0 = kit_wtime();
	for (int i = 0; i < s->n; i++) {
		s->spaths[i] = shown(s->paths[i]);
		s->snames[i] = shown(s->names[i]);
		kit_png_pixels p;
		char why[256];
		if (load_png(s->paths[i], &p, why, sizeof(why))) {
			s->kind[i] = REF_BAD;
			s->why[i] = kit_xstrdup(why);
			if (!o->verify)
				kit_error("cannot read image '%s': %s", s->spaths[i], why);
			continue;
		}
		s->w[i] = p.w, s->h[i] = p.h, s->channels[i] = p.channels;
		if (!p.channels) {
			s->kind[i] = REF_GRAY;	/* no channel axis: -1, as in Python */
			s->sig[i] = -1;
		} else {
			s->kind[i] = REF_COLOUR;
			s->sig[i] = exact_signature(&p);
			s->flops += (double)p.h * (p.h + 1.0) * p.w;
		}
		free(p.px);
	}
	s->read_s = kit_wtime() - t0;
	return 0;
}

void free_set(struct imageset *s)
{
	for (int i = 0; i < s->n; i++) {
		if (s->paths)
			free(s->paths[i]);
		if (s->names)
			free(s->names[i]);
		if (s->why)
			free(s->why[i]);
		if (s->spaths)
			free(s->spaths[i]);
		if (s->snames)
			free(s->snames[i]);
	}
	free(s->spaths), free(s->snames), free(s->channels);
	free(s->paths), free(s->names), free(s->why), free(s->kind), free(s->sig);
	free(s->w), free(s->h), free(s->source), free(s->tag);
}

int count_kind(const struct imageset *s, int kind)
{
	int n = 0;
	for (int i = 0; i < s->n; i++)
		n += s->kind[i] == kind;
	return n;
}

/* A fingerprint of the set: names, sizes and exact signatures (FNV-1a). */
uint64_t fingerprint(const struct imageset *s)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	for (int i = 0; i < s->n; i++) {
		char buf[512];
		int n = snprintf(buf, sizeof(buf), "%s %d %d %d %lld;", s->names[i], s->kind[i],
				 s->w[i], s->h[i], s->sig[i]);
		for (int j = 0; j < n && j < (int)sizeof(buf); j++)
			h = (h ^ (unsigned char)buf[j]) * UINT64_C(0x100000001b3);
	}
	return h;
}

/* ------------------------------------------------------------------------
 * The work of one image, run in the workers, and what they did
 */




/* Q = s * the median of the channels of P (scale_of), as floats, block by
 * block of rows: for RGB through the student's image_median (step 1) into
 * MBLK (BLOCK_ROWS x w doubles), else here. Returns the largest value. */
static int median_q(const kit_png_pixels *p, double *mblk, float *q)
{
	int w = p->w, ch = p->channels, qmax = 0;
	for (int y0 = 0; y0 < p->h; y0 += BLOCK_ROWS) {
		int rows = p->h - y0 < BLOCK_ROWS ? p->h - y0 : BLOCK_ROWS;
		const unsigned char *px = p->px + (size_t)y0 * (size_t)w * (size_t)ch;
		float *out = q + (size_t)y0 * (size_t)w;
		size_t n = (size_t)rows * (size_t)w;
		float m = (float)qmax;	/* one pass: floats and their largest */
		if (ch == 3) {
			image_median(px, rows, w, mblk);
			for (size_t k = 0; k < n; k++)
				out[k] = (float)mblk[k], m = out[k] > m ? out[k] : m;
		} else {
			for (size_t k = 0; k < n; k++)
				out[k] = (float)q_of(px + (size_t)ch * k, ch), m = out[k] > m ? out[k] : m;
		}
		qmax = m < 1e9f ? (int)m : 1000000000;	/* a wrong median: no overflow */
	}
	return qmax;
}

/* The sum of the MB x N floats at C (leading dimension N), split into the
 * first MB columns (the block on the diagonal) and the rest. Every entry is
 * an integer of at most 2^24, so every partial sum, at most MB N 2^24 <=
 * 2^48, is exact in a double, in any order. */
static void block_sums(const float *c, int mb, int n, double *diag, double *off)
{
	double d = 0, o = 0;
#pragma omp parallel for reduction(+ : d, o) schedule(static)
	for (int r = 0; r < mb; r++) {
		const float *row = c + (size_t)r * (size_t)n;
		double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
		for (int k = 0; k < mb; k++)
			d += row[k];
		int k = mb;
		for (; k + 4 <= n; k += 4)
			a0 += row[k], a1 += row[k + 1], a2 += row[k + 2], a3 += row[k + 3];
		for (; k < n; k++)
			a0 += row[k];
		o += (a0 + a1) + (a2 + a3);
	}
	*diag += d, *off += o;
}

/*
 * sum(Q Q^T) for the H x W floats Q holding integers in [0, QMAX], through
 * BLAS, never holding the H x H product: block by block of BLOCK_ROWS rows,
 * only the blocks on and right of the diagonal (the product is symmetric:
 * the others count twice). Exact in float32: Q is first shifted to V = Q - c
 * (c about QMAX / 2, so |V| <= QMAX / 2), and V V^T is summed over KC
 * columns at a time, KC small enough that every entry, at most KC |V|^2,
 * stays within 2^24 and so is an exact integer in a float (1024 columns for
 * 8-bit medians). Then, all in integers,
 *   sum(Q Q^T) = sum(V V^T) + 2 c h sum(V) + h^2 w c^2.
 * About h^2 w multiply-adds, as dsyrk's, at the single-precision rate.
 * Q is changed (into V).
 */
static unsigned __int128 product_sum(float *q, int h, int w, int qmax, float *blk)
{
	long long c = (qmax + 1) / 2, vmax = c > qmax - c ? c : qmax - c, sumv = 0;
	size_t n = (size_t)h * (size_t)w;
	for (size_t k = 0; k < n; k++) {
		q[k] -= (float)c;
		sumv += (long long)q[k];
	}
	long long v2 = vmax * vmax;	/* vmax <= 10^9 (median_q) */
	int kc = !v2 ? w : v2 > (1 << 24) ? 1 : (int)((1 << 24) / v2);
	kc = kc > w ? w : kc < 1 ? 1 : kc;
	__int128 total = 0;
	for (int i0 = 0; i0 < h; i0 += BLOCK_ROWS) {
		int mb = h - i0 < BLOCK_ROWS ? h - i0 : BLOCK_ROWS, nc = h - i0;
		for (int k0 = 0; k0 < w; k0 += kc) {
			int kb = w - k0 < kc ? w - k0 : kc;
			const float *a = q + (size_t)i0 * (size_t)w + (size_t)k0;
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, mb, nc, kb, 1.0f, a, w,
				    a, w, 0.0f, blk, nc);
			double diag = 0, off = 0;	/* each below 2^48: exact */
			block_sums(blk, mb, nc, &diag, &off);
			total += (__int128)(long long)diag + 2 * (__int128)(long long)off;
		}
	}
	total += 2 * (__int128)c * h * sumv + (__int128)h * h * w * c * c;
	return (unsigned __int128)total;
}

/* pool_work_fn: the Python version's process_image(), in C. */
int work(void *vctx, int index, long long *signature)
{
	struct work_ctx *c = vctx;
	const struct imageset *s = c->set;
	if (index < 0 || index >= s->n) {
		kit_error("work() called with image %d; there are %d (0 to %d)", index, s->n, s->n - 1);
		return -1;
	}
	struct log_entry *e = &c->sh->e[index];
	double t0 = kit_wtime();
	__atomic_fetch_add(&e->calls, 1, __ATOMIC_SEQ_CST);
	e->pid = (int)getpid();
	e->threads = kit_omp_max_threads();
	if (c->sh->kill_after > 0 &&
	    __atomic_add_fetch(&c->sh->counter, 1, __ATOMIC_SEQ_CST) == c->sh->kill_after) {
		if (getpid() != c->sh->parent)
			kill(getpid(), SIGKILL);	/* the test of a worker dying midway */
		kit_warn("image %d: --kill-after would kill this process, the driver itself: "
			 "the image runs here, not in a worker", index);
	}

	kit_png_pixels p;
	char why[256];
	if (load_png(s->paths[index], &p, why, sizeof(why))) {
		if (s->kind[index] != REF_BAD)	/* the parent named the others already */
			kit_error("cannot read image '%s': %s", s->spaths[index], why);
		return -1;
	}
	double t1 = kit_wtime();
	e->t_read = t1 - t0;
	if (!p.channels) {
		*signature = e->signature = -1;	/* no channel axis, as in Python */
		e->t_total = kit_wtime() - t0;
		return 0;
	}
	size_t hw = (size_t)p.h * (size_t)p.w;
	float *q = kit_xmalloc(hw * sizeof(float));
	double *mblk = kit_xmalloc((size_t)BLOCK_ROWS * (size_t)p.w * sizeof(double));
	int qmax = median_q(&p, mblk, q);
	free(mblk), free(p.px);
	double t2 = kit_wtime();
	float *blk = kit_xmalloc((size_t)BLOCK_ROWS * (size_t)p.h * sizeof(float));
	unsigned __int128 total = product_sum(q, p.h, p.w, qmax, blk);
	double t3 = kit_wtime();
	e->blas_threads = openblas_get_num_threads();
	free(q), free(blk);
	unsigned __int128 sh = (unsigned __int128)scale_of(p.channels) * (unsigned __int128)p.h;
	*signature = e->signature = (long long)(total / (sh * sh));
	e->t_median = t2 - t1;
	e->t_blas = t3 - t2;
	e->t_total = kit_wtime() - t0;
	return 0;
}
