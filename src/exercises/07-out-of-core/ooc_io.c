/*
 * ooc_io.c - exercise 07: what ooc.h gives the kernels (reading rows) and the
 * arrays the exercise, its tests and its demos read (ooc_write_npy). Shared
 * by the skeleton, the reference and the demo program; students do not edit it.
 *
 * The columns take turns: 0.1 (a plain running sum drifts), 1e6 + u (a large
 * offset), i / 1000 + 2u - 1 (a trend: the last rows differ from the first),
 * +-1e3 (1 + u) alternating (cancellation), u uniform in [0, 1) from the seed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kit.h"
#include "npy.h"
#include "ooc.h"

uint64_t ooc_rows_in(const ooc_file *f, size_t bytes)
{
	uint64_t r = bytes / (f->cols * sizeof(double));
	return r ? r : 1;
}

int ooc_read_rows(const ooc_file *f, uint64_t first, uint64_t n, double *buf)
{
	size_t want = n * f->cols * sizeof(double), got = 0;
	off_t at = (off_t)(f->offset + first * f->cols * sizeof(double));
	if (first > f->rows || n > f->rows - first) {
		kit_error("%s: asked for rows %llu-%llu, but the array has %llu rows (0-%llu): "
			  "the last chunk is shorter than the others (rows - first)", f->name,
			  (unsigned long long)first, (unsigned long long)(first + n - 1),
			  (unsigned long long)f->rows, (unsigned long long)(f->rows - 1));
		return -1;
	}
	while (got < want) {
		ssize_t r = pread(f->fd, (char *)buf + got, want - got, at + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			kit_error("%s: cannot read rows %llu-%llu: %s", f->name,
				  (unsigned long long)first, (unsigned long long)(first + n - 1),
				  r < 0 ? strerror(errno) : "the file ended (was it truncated?)");
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

static uint64_t splitmix(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

static double value(uint64_t seed, uint64_t i, uint64_t j, uint64_t cols)
{
	double u = (double)(splitmix(seed * UINT64_C(0x100000001b3) ^ (i * cols + j)) >> 11) *
		   0x1p-53;
	switch (j % 4) {
	case 0: return 0.1;
	case 1: return 1e6 + u;
	case 2: return 1e-3 * (double)i + 2 * u - 1;
	default: return (i % 2 ? -1e3 : 1e3) * (1 + u);
	}
}

int ooc_write_npy(FILE *f, uint64_t rows, uint64_t cols, uint64_t seed)
{
	if (kit_npy_write_header(f, rows, cols))
		return -1;
	for (uint64_t i = 0; i < rows; i++)
		for (uint64_t j = 0; j < cols; j++) {
			double x = value(seed, i, j, cols);
			if (fwrite(&x, sizeof(x), 1, f) != 1)
				return -1;
		}
	return fflush(f) ? -1 : 0;
}
