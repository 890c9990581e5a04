/*
 * ooc.c - exercise 07, larger than memory: the column means of an array in
 * a .npy file, a chunk of rows at a time. THE REFERENCE SOLUTION.
 *
 * Changed from the skeleton:
 *   step 1: each column's sum is compensated (Kahan: the rounding error of
 *           every addition kept in comp[] and taken back), and the means are
 *           the whole sums divided by the number of rows once at the end: the
 *           chunk-by-chunk "mean / number of chunks" is wrong when the last
 *           chunk is shorter.
 *   step 2: '#pragma omp parallel for reduction(+: sum[:cols], comp[:cols])'
 *           over a chunk's rows; each chunk's total joins the file's total.
 *   step 3: two buffers; in each round one thread reads chunk k+1 ('omp
 *           section') while another sums chunk k, then they swap.
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

/* Adds rows BUF[0..N) into the compensated totals SUM, COMP. Odd rows go
 * to a second pair of totals first: two independent chains of additions
 * keep the floating-point unit busy twice as often (each Kahan step waits
 * for the one before it in its chain). */
static void add_rows(const ooc_file *f, const double *restrict buf, uint64_t n,
		     double *restrict sum, double *restrict comp)
{
	uint64_t cols = f->cols, i = 0;
	double s1[OOC_MAX_COLS] = { 0 }, c1[OOC_MAX_COLS] = { 0 };
	for (; i + 1 < n; i += 2)
		for (uint64_t j = 0; j < cols; j++) {
			kahan_add(&sum[j], &comp[j], buf[i * cols + j]);
			kahan_add(&s1[j], &c1[j], buf[(i + 1) * cols + j]);
		}
	for (uint64_t j = 0; j < cols; j++) {
		if (i < n)
			kahan_add(&sum[j], &comp[j], buf[i * cols + j]);
		kahan_add(&sum[j], &comp[j], s1[j] - c1[j]);
	}
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
 * file's compensated totals SUM, COMP (serially: one addition a column). */
static void add_rows_parallel(const ooc_file *f, const double *buf, uint64_t n,
			      double *sum, double *comp)
{
	uint64_t cols = f->cols;
	double s[OOC_MAX_COLS] = { 0 }, c[OOC_MAX_COLS] = { 0 };
	/* Step 2: every thread its own s[] and c[], added at the end */
#pragma omp parallel for schedule(static) reduction(+: s[:cols], c[:cols])
	for (uint64_t i = 0; i < n; i++)
		for (uint64_t j = 0; j < cols; j++)
			kahan_add(&s[j], &c[j], buf[i * cols + j]);
	for (uint64_t j = 0; j < cols; j++)
		kahan_add(&sum[j], &comp[j], s[j] - c[j]);
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
	uint64_t chunk = ooc_rows_in(f, f->mem / 2);	/* two buffers in the budget */
	uint64_t nchunks = (f->rows + chunk - 1) / chunk;
	double *buf[2] = { malloc(chunk * f->cols * sizeof(double)),
			   malloc(chunk * f->cols * sizeof(double)) };
	double sum[f->cols], comp[f->cols];
	int rc = buf[0] && buf[1] ? ooc_read_rows(f, 0, chunk < f->rows ? chunk : f->rows,
						  buf[0]) : -1;
	memset(sum, 0, sizeof(sum));
	memset(comp, 0, sizeof(comp));
	/* Step 3: read chunk k+1 into one buffer while chunk k is
	 * summed from the other; the end of 'sections' waits for both */
#pragma omp parallel num_threads(2) if (rc == 0)
	for (uint64_t k = 0; k < nchunks && rc == 0; k++) {
#pragma omp sections
		{
#pragma omp section
			if (k + 1 < nchunks) {
				uint64_t first = (k + 1) * chunk;
				uint64_t n = f->rows - first < chunk ? f->rows - first : chunk;
				if (ooc_read_rows(f, first, n, buf[(k + 1) % 2]))
					rc = -1;
			}
#pragma omp section
			{
				uint64_t n = f->rows - k * chunk < chunk ? f->rows - k * chunk : chunk;
				add_rows(f, buf[k % 2], n, sum, comp);
			}
		}
	}
	if (rc == 0)
		finish(f, sum, comp, means);
	free(buf[0]);
	free(buf[1]);
	return rc;
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
