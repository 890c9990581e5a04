/*
 * ooc.c - exercise 07, larger than memory: the column means of an array in
 * a .npy file, a chunk of rows at a time. THE FILE YOU EDIT.
 *
 * Step 1 is here already, written as the Python version of this lesson
 * sketches it: each chunk's means divided by the number of chunks, added up.
 * It compiles, runs and is wrong: find out on which files (README, step 1).
 * Steps 2-4 start as step 1 and are yours to change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kit_omp.h"
#include "ooc.h"

/* TODO(1): helpers of step 1 go here (a compensated addition, say). */
/* TODO end */

int ooc_serial(const ooc_file *f, double *means)
{
	/* TODO(1): two faults. The last chunk is usually shorter than the
	 * others, and its mean then counts as much as theirs: keep each column's
	 * sum over the whole file and divide by f->rows once at the end. And a
	 * plain running sum loses a rounding error at every addition (sum 0.1 a
	 * million times and look): keep what each addition lost and give it
	 * back (compensated, or Kahan, summation: README step 1). */
	uint64_t chunk = ooc_rows_in(f, f->mem);	/* rows a buffer of f->mem holds */
	uint64_t nchunks = (f->rows + chunk - 1) / chunk;
	double *buf = malloc(chunk * f->cols * sizeof(double));
	if (!buf)
		return -1;
	memset(means, 0, f->cols * sizeof(double));
	for (uint64_t first = 0; first < f->rows; first += chunk) {
		uint64_t n = f->rows - first < chunk ? f->rows - first : chunk;
		if (ooc_read_rows(f, first, n, buf)) {
			free(buf);
			return -1;
		}
		for (uint64_t j = 0; j < f->cols; j++) {
			double sum = 0;
			for (uint64_t i = 0; i < n; i++)
				sum += buf[i * f->cols + j];
			means[j] += sum / (double)n / (double)nchunks;
		}
	}
	free(buf);
	return 0;
	/* TODO end */
}

/* TODO(2): helpers of step 2 go here. */
/* TODO end */

int ooc_threads(const ooc_file *f, double *means)
{
	/* TODO(2): as step 1, with each chunk's rows shared by the threads:
	 * with 'double s[OOC_MAX_COLS] = { 0 }, c[OOC_MAX_COLS] = { 0 };',
	 * '#pragma omp parallel for reduction(+: s[:cols], c[:cols])' gives
	 * every thread its own zeroed copy of s[0..cols) and c[0..cols) and adds
	 * the copies at the end; then add the chunk's totals s[j] - c[j] into the
	 * file's. */
	return ooc_serial(f, means);
	/* TODO end */
}

int ooc_overlap(const ooc_file *f, double *means)
{
	/* TODO(3): read and sum at the same time. Two threads
	 * ('#pragma omp parallel num_threads(2)'), each with its own buffer of
	 * f->mem / 2, take the chunks in turn ('#pragma omp for
	 * schedule(static, 1)'): each reads its chunk and sums it, so while
	 * one waits for its read the other sums. Each thread keeps its own
	 * compensated sums (a reduction on the region), added at the end, and
	 * its own error flag ('reduction(|: rc)': a return cannot leave the
	 * region). */
	return ooc_serial(f, means);
	/* TODO end */
}

int ooc_mmap(const ooc_file *f, double *means)
{
	/* TODO(4): no buffer: map a window of the file (mmap, its start a
	 * multiple of sysconf(_SC_PAGESIZE), at most f->mem bytes), sum the
	 * rows in it, munmap it, next window. */
	return ooc_serial(f, means);
	/* TODO end */
}
