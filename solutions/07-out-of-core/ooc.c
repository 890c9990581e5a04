/*
 * ooc.c - exercise 07, larger than memory: the column means of an array in
 * a .npy file, a chunk of rows at a time. THE REFERENCE SOLUTION.
 *
 * Changed from the skeleton:
 *   step 1: each column's sum is compensated (Kahan: the rounding error of
 *           every addition kept in comp[] and taken back), and the means are
 *           the whole sums divided by the number of rows once at the end: the
 *           chunk-by-chunk "mean / number of chunks" is wrong when the last
 *           chunk is shorter. The rows are summed a group at a time, with a
 *           compensated total per position in the group (add_rows): the loop
 *           vectorises.
 *   step 2: '#pragma omp parallel for reduction(+: s[:run], c[:run])' over a
 *           chunk's groups of rows; each chunk's total joins the file's total.
 *   step 3: two threads, a buffer each, take the chunks in turn ('for
 *           schedule(static, 1)'), each reading a chunk and summing it: one
 *           reads while the other sums.
 *   step 4: windows of the file mapped with mmap, summed, unmapped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kit_omp.h"
#include "ooc.h"

/* A column's running total: Kahan's compensated sum (total = sum - comp). */
static inline void kahan_add(double *sum, double *comp, double x)
{
	double y = x - *comp;
	double t = *sum + y;
	*comp = (t - *sum) - y;	/* what the addition lost (negated) */
	*sum = t;
}

/* Rows are added a group at a time: G rows, G = ceil(RUN / cols), are one
 * run of G * cols numbers in the buffer, and each position of the run keeps
 * a compensated total of its own (position e is column e % cols). The loop
 * over a run then has no dependence from one number to the next, so the
 * compiler turns it into vector instructions, and RUN independent chains keep
 * the adder busy (one Kahan step waits for the one before it in its chain:
 * with one total per column, 8 columns were 3.4 times slower here). The
 * totals of a run are folded into the columns' at the end. */
#define RUN 256
#define RUN_MAX (RUN + OOC_MAX_COLS)

/* Rows in one group for COLS columns. */
static uint64_t group_rows(uint64_t cols)
{
	return (RUN + cols - 1) / cols;
}

/* Adds the LEN numbers X[0..LEN) into the compensated totals S, C. */
static void add_run(const double *restrict x, uint64_t len, double *restrict s,
		    double *restrict c)
{
	for (uint64_t e = 0; e < len; e++)
		kahan_add(&s[e], &c[e], x[e]);
}

/* Adds a run's totals S, C (LEN of them) into the columns' SUM, COMP. */
static void fold_run(uint64_t cols, uint64_t len, const double *s, const double *c,
		     double *sum, double *comp)
{
	for (uint64_t e = 0; e < len; e++)
		kahan_add(&sum[e % cols], &comp[e % cols], s[e] - c[e]);
}

/* Adds rows BUF[0..N) into the compensated totals SUM, COMP: whole groups
 * of rows as runs, then the rows after the last whole group (the start
 * of a run: their positions are their columns too). */
static void add_rows(const ooc_file *f, const double *restrict buf, uint64_t n,
		     double *restrict sum, double *restrict comp)
{
	uint64_t cols = f->cols, g = group_rows(cols), run = g * cols, i = 0;
	double s[RUN_MAX] = { 0 }, c[RUN_MAX] = { 0 };
	for (; i + g <= n; i += g)
		add_run(buf + i * cols, run, s, c);
	add_run(buf + i * cols, (n - i) * cols, s, c);	/* a part of a run */
	fold_run(cols, run, s, c, sum, comp);
}

static void finish(const ooc_file *f, const double *sum, const double *comp, double *means)
{
	for (uint64_t j = 0; j < f->cols; j++)
		means[j] = (sum[j] - comp[j]) / (double)f->rows;
}

int ooc_serial(const ooc_file *f, double *means)
{
	uint64_t chunk = ooc_rows_in(f, f->mem);
	double *buf = malloc(chunk * f->cols * sizeof(double));
	double sum[f->cols], comp[f->cols];
	if (!buf)
		return -1;
	memset(sum, 0, sizeof(sum));
	memset(comp, 0, sizeof(comp));
	/* Step 1: compensated sums, one division by rows at the end */
	for (uint64_t first = 0; first < f->rows; first += chunk) {
		uint64_t n = f->rows - first < chunk ? f->rows - first : chunk;
		if (ooc_read_rows(f, first, n, buf)) {
			free(buf);
			return -1;
		}
		add_rows(f, buf, n, sum, comp);
	}
	finish(f, sum, comp, means);
	free(buf);
	return 0;
}

/* Sums rows BUF[0..N) with the team, then adds the chunk's totals into the
 * file's compensated totals SUM, COMP (serially: one addition a position). */
static void add_rows_parallel(const ooc_file *f, const double *buf, uint64_t n,
			      double *sum, double *comp)
{
	uint64_t cols = f->cols, g = group_rows(cols), run = g * cols, groups = n / g;
	double s[RUN_MAX] = { 0 }, c[RUN_MAX] = { 0 };
	/* Step 2: every thread its own s[] and c[], added at the end */
#pragma omp parallel for schedule(static) reduction(+: s[:run], c[:run])
	for (uint64_t k = 0; k < groups; k++)
		add_run(buf + k * run, run, s, c);
	add_run(buf + groups * run, (n - groups * g) * cols, s, c);
	fold_run(cols, run, s, c, sum, comp);
}

int ooc_threads(const ooc_file *f, double *means)
{
	uint64_t chunk = ooc_rows_in(f, f->mem);
	double *buf = malloc(chunk * f->cols * sizeof(double));
	double sum[f->cols], comp[f->cols];
	if (!buf)
		return -1;
	memset(sum, 0, sizeof(sum));
	memset(comp, 0, sizeof(comp));
	for (uint64_t first = 0; first < f->rows; first += chunk) {
		uint64_t n = f->rows - first < chunk ? f->rows - first : chunk;
		if (ooc_read_rows(f, first, n, buf)) {
			free(buf);
			return -1;
		}
		add_rows_parallel(f, buf, n, sum, comp);
	}
	finish(f, sum, comp, means);
	free(buf);
	return 0;
}

int ooc_overlap(const ooc_file *f, double *means)
{
	uint64_t cols = f->cols;
	uint64_t chunk = ooc_rows_in(f, f->mem / 2);	/* a buffer per thread */
	uint64_t nchunks = (f->rows + chunk - 1) / chunk;
	double s[OOC_MAX_COLS] = { 0 }, c[OOC_MAX_COLS] = { 0 };
	int rc = 0;
	/* Step 3: two threads take the chunks in turn, each reading a chunk
	 * into its own buffer and summing it: while one waits for its read,
	 * the other sums, and a chunk is summed by the core its read copied
	 * it to (a reader thread handing buffers to a summing thread makes
	 * every byte cross between the cores, and ends each round at a
	 * barrier: 0.70-0.78 of the plain read warm here, against 0.89-0.98). */
#pragma omp parallel num_threads(2) reduction(+: s[:cols], c[:cols]) reduction(|: rc)
	{
		double *buf = malloc(chunk * cols * sizeof(double));
		rc = buf ? 0 : -1;
#pragma omp for schedule(static, 1)
		for (uint64_t k = 0; k < nchunks; k++) {
			uint64_t first = k * chunk;
			uint64_t n = f->rows - first < chunk ? f->rows - first : chunk;
			if (rc == 0 && (rc = ooc_read_rows(f, first, n, buf)) == 0)
				add_rows(f, buf, n, s, c);
		}
		free(buf);
	}
	if (rc == 0)
		for (uint64_t j = 0; j < cols; j++)
			means[j] = (s[j] - c[j]) / (double)f->rows;
	return rc ? -1 : 0;
}

int ooc_mmap(const ooc_file *f, double *means)
{
	/* a window starts at a multiple of the page size; whole rows in it */
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t chunk = ooc_rows_in(f, f->mem > 2 * page ? f->mem - page : f->mem);
	double sum[f->cols], comp[f->cols];
	memset(sum, 0, sizeof(sum));
	memset(comp, 0, sizeof(comp));
	/* Step 4: map a window, sum it, unmap it (its pages leave
	 * the process: the budget holds) */
	for (uint64_t first = 0; first < f->rows; first += chunk) {
		uint64_t n = f->rows - first < chunk ? f->rows - first : chunk;
		uint64_t start = f->offset + first * f->cols * sizeof(double);
		uint64_t at = start / page * page, len = start - at + n * f->cols * sizeof(double);
		char *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, f->fd, (off_t)at);
		if (map == MAP_FAILED) {
			perror(f->name);
			return -1;
		}
		madvise(map, len, MADV_SEQUENTIAL);
		add_rows(f, (const double *)(map + (start - at)), n, sum, comp);
		munmap(map, len);
	}
	finish(f, sum, comp, means);
	return 0;
}
