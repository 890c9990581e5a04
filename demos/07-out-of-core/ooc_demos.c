/*
 * ooc_demos.c - exercise 07's demo and benchmark, on the reference ooc.c:
 *
 *   ooc-demos --demo ooc [--quick] [--out DIR]
 *       MB/s of every kernel with a cold page cache (the file's pages dropped
 *       with posix_fadvise(DONTNEED) before each run, so the disk is read) and
 *       warm (the file in the page cache), each beside a plain sequential
 *       read() of the same file, the speed limit of any reader of it; steps 2
 *       and 3 also in their other forms: per-thread partial sums (partials
 *       below) and a reader thread feeding a summing thread (pipeline).
 *   ooc-demos --bench [--quick] [--out DIR]
 *       The plain read, the C overlap kernel and the Python version of this
 *       lesson (chunked numpy over np.load(mmap_mode='r'), and dask) on the
 *       same file, cold and warm, as ratios to the plain read.
 *
 * The file is made in $TMPDIR (rows x 8 columns) and removed at the end.
 * Times are the best of a few runs; on a busy machine the ratios vary.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "demo.h"
#include "kit.h"
#include "kit_omp.h"
#include "npy.h"
#include "ooc.h"

typedef int (*kernel_fn)(const ooc_file *f, double *means);

/* Step 2's other form: per-thread partial sums in one shared array, a
 * thread's row of it padded to whole cache lines (64 bytes), added after the
 * region. Compensated like the reference's. */
static int partials(const ooc_file *f, double *means)
{
	uint64_t chunk = ooc_rows_in(f, f->mem), cols = f->cols;
	uint64_t stride = (2 * cols + 7) / 8 * 8;	/* sum and comp, whole lines */
	int nt = kit_omp_max_threads();
	double *buf = kit_xmalloc(chunk * cols * sizeof(double));
	double *part = kit_xcalloc((size_t)nt * stride, sizeof(double));
	for (uint64_t first = 0; first < f->rows; first += chunk) {
		uint64_t n = f->rows - first < chunk ? f->rows - first : chunk;
		if (ooc_read_rows(f, first, n, buf)) {
			free(buf);
			free(part);
			return -1;
		}
#pragma omp parallel for schedule(static)
		for (uint64_t i = 0; i < n; i++) {
			double *p = part + (size_t)kit_omp_thread_num() * stride;
			for (uint64_t j = 0; j < cols; j++) {
				double y = buf[i * cols + j] - p[cols + j], t = p[j] + y;
				p[cols + j] = (t - p[j]) - y;
				p[j] = t;
			}
		}
	}
	for (uint64_t j = 0; j < cols; j++) {
		double s = 0;
		for (int t = 0; t < nt; t++)
			s += part[(size_t)t * stride + j] - part[(size_t)t * stride + cols + j];
		means[j] = s / (double)f->rows;
	}
	free(buf);
	free(part);
	return 0;
}

/* Adds rows BUF[0..N) of COLS columns into the compensated totals S, C:
 * as the reference's add_rows, a compensated total per position of a group
 * of rows (GROUP x COLS numbers, position e is column e % COLS), folded
 * into the columns at the end, so that the loop vectorises. */
#define GROUP_RUN 256
static void sum_rows(const double *restrict buf, uint64_t n, uint64_t cols,
		     double *restrict s, double *restrict c)
{
	uint64_t run = (GROUP_RUN + cols - 1) / cols * cols, len = n * cols;
	double rs[GROUP_RUN + 64] = { 0 }, rc[GROUP_RUN + 64] = { 0 };
	for (uint64_t at = 0; at < len; at += run) {
		uint64_t m = len - at < run ? len - at : run;
		for (uint64_t e = 0; e < m; e++) {
			double y = buf[at + e] - rc[e], t = rs[e] + y;
			rc[e] = (t - rs[e]) - y;
			rs[e] = t;
		}
	}
	for (uint64_t e = 0; e < run; e++) {
		double y = (rs[e] - rc[e]) - c[e % cols], t = s[e % cols] + y;
		c[e % cols] = (t - s[e % cols]) - y;
		s[e % cols] = t;
	}
}

/* Step 3's textbook form, a pipeline: in round k one 'section' reads chunk
 * k+1 into one buffer while the other sums chunk k from the other; the end
 * of 'sections' is the barrier that makes the swap safe. Either thread may
 * take either section, so a chunk is often read on one core and summed on
 * the other. BAD[b]: the read into buffer b (or one before it) failed. */
static int pipeline(const ooc_file *f, double *means)
{
	uint64_t chunk = ooc_rows_in(f, f->mem / 2), cols = f->cols;
	uint64_t nchunks = (f->rows + chunk - 1) / chunk;
	double *buf[2] = { kit_xmalloc(chunk * cols * sizeof(double)),
			   kit_xmalloc(chunk * cols * sizeof(double)) };
	double s[64] = { 0 }, c[64] = { 0 };
	bool bad[2] = { ooc_read_rows(f, 0, chunk < f->rows ? chunk : f->rows, buf[0]) != 0,
			false };
#pragma omp parallel num_threads(2)
	for (uint64_t k = 0; k < nchunks; k++) {
#pragma omp sections
		{
#pragma omp section
			if (k + 1 < nchunks) {
				uint64_t first = (k + 1) * chunk;
				bad[(k + 1) % 2] = bad[k % 2] ||
					ooc_read_rows(f, first, f->rows - first < chunk ?
						      f->rows - first : chunk, buf[(k + 1) % 2]);
			}
#pragma omp section
			if (!bad[k % 2])
				sum_rows(buf[k % 2], f->rows - k * chunk < chunk ?
					 f->rows - k * chunk : chunk, cols, s, c);
		}
	}
	for (uint64_t j = 0; j < cols; j++)
		means[j] = (s[j] - c[j]) / (double)f->rows;
	free(buf[0]);
	free(buf[1]);
	return bad[0] || bad[1] ? -1 : 0;
}

static const struct { const char *name; kernel_fn fn; } kernels[] = {
	{ "serial (read)", ooc_serial }, { "threads (reduction)", ooc_threads },
	{ "threads (partials)", partials }, { "overlap", ooc_overlap },
	{ "overlap (pipeline)", pipeline }, { "mmap", ooc_mmap },
};

static void drop_cache(int fd)
{
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
}

/* The plain sequential read of F in buffers of F->mem: bytes through read(). */
static int plain_read(const ooc_file *f, double *unused)
{
	(void)unused;
	char *buf = kit_xmalloc(f->mem);
	ssize_t r;
	lseek(f->fd, 0, SEEK_SET);
	while ((r = read(f->fd, buf, f->mem)) > 0 || (r < 0 && errno == EINTR))
		;
	free(buf);
	return r < 0 ? -1 : 0;
}

/* Whether MEANS (F->cols) agree with WANT (NULL: nothing to compare) to
 * 1e-12 of each mean's size: every kernel's sums are compensated. */
static bool same_means(const ooc_file *f, const double *means, const double *want)
{
	for (uint64_t j = 0; want && j < f->cols; j++)
		if (fabs(means[j] - want[j]) > 1e-12 * (fabs(want[j]) + 1))
			return false;
	return true;
}

/* MB/s of FN over F, the best of REPS runs, cold or warm, each run's means
 * checked against WANT. -1 when a run failed or its means were wrong. */
static double rate(const ooc_file *f, kernel_fn fn, bool cold, int reps, const double *want)
{
	double means[64], best = 1e30;
	if (!cold && (fn(f, means) || !same_means(f, means, want)))
		return -1;	/* warm-up */
	for (int r = 0; r < reps; r++) {
		if (cold)
			drop_cache(f->fd);
		double t0 = kit_wtime();
		if (fn(f, means))
			return -1;
		double t = kit_wtime() - t0;
		if (!same_means(f, means, want))
			return -1;
		best = t < best ? t : best;
	}
	return (double)(f->rows * f->cols * 8) * 1e-6 / best;
}

/* Runs the Python version: its MB/s, or -1 with WHY set. */
static double python_rate(const ooc_file *f, const char *path, const char *mode, bool cold,
			  char *why, size_t whylen)
{
	char *script = kit_xasprintf("%s/demos/07-out-of-core/ooc_means.py", kit_root());
	char *cmd = kit_xasprintf("/usr/bin/python3 '%s' '%s' %zu %s %s 2>&1", script, path,
				  f->mem, mode, cold ? "cold" : "warm");
	FILE *p = popen(cmd, "r");
	char line[256] = "", first[256] = "";
	double secs = -1;
	while (p && fgets(line, sizeof(line), p)) {
		if (!first[0])
			snprintf(first, sizeof(first), "%s", line);
		sscanf(line, "seconds %lf", &secs);
	}
	int st = p ? pclose(p) : -1;
	first[strcspn(first, "\n")] = 0;
	if (st != 0 || secs <= 0)
		snprintf(why, whylen, "%s", WIFEXITED(st) && WEXITSTATUS(st) == 3
			 ? first : "it did not run (is /usr/bin/python3 there?)");
	free(script);
	free(cmd);
	return st == 0 && secs > 0 ? (double)(f->rows * f->cols * 8) * 1e-6 / secs : -1;
}

/* Prints a row of the table (and CSV); false when the kernel failed. */
static bool row(FILE *csv, const char *name, double cold, double warm, double pc, double pw)
{
	if (cold < 0 || warm < 0) {
		printf("  %-22s failed: it stopped with an error or its means differ from the "
		       "serial kernel's\n", name);
		return false;
	}
	printf("  %-22s %9.0f %7.2f x %9.0f %7.2f x\n", name, cold, cold / pc, warm, warm / pw);
	if (csv)
		fprintf(csv, "%s,%.1f,%.3f,%.1f,%.3f\n", name, cold, cold / pc, warm, warm / pw);
	return true;
}

static int run(bool bench, bool quick, uint64_t rows, size_t mem, const char *out)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char *path = kit_xasprintf("%s/ooc-demo-XXXXXX.npy", tmp);
	int fd = mkstemps(path, 4);
	FILE *w = fd >= 0 ? fdopen(dup(fd), "w") : NULL;
	if (!w || ooc_write_npy(w, rows, 8, 2026) | fclose(w) || fsync(fd)) {
		kit_error("cannot write %s: set TMPDIR to a folder with room for %.0f MB", path,
			  (double)rows * 64e-6);
		if (fd >= 0)
			unlink(path);
		return KIT_EXIT_USAGE;
	}
	kit_npy h;
	kit_buf msg = { 0 };
	int rc = kit_npy_read_header(fd, path, &h, &msg);
	ooc_file f = { fd, path, h.rows, h.cols, h.offset, mem };
	int reps = quick ? 1 : 3;
	FILE *csv = NULL;
	if (out && kit_mkdirs(out) == 0) {
		char *p = kit_xasprintf("%s/%s.csv", out, bench ? "bench" : "ooc");
		csv = fopen(p, "w");
		free(p);
	}
	if (csv)
		fprintf(csv, "reader,cold_MBps,cold_ratio,warm_MBps,warm_ratio\n");
	printf("%.0f MB file (%llu rows x 8 float64), buffers %.1f MB, best of %d; "
	       "\"x\": the rate over a plain read of the same file\n",
	       (double)h.bytes * 1e-6, (unsigned long long)h.rows, (double)mem * 1e-6, reps);
	printf("  %-22s %9s %9s %9s %9s\n", "reader", "cold MB/s", "", "warm MB/s", "");
	/* one warm read unmeasured first, as every kernel's cold runs follow
	 * the warm runs of the one before: cold reads of the file just
	 * written, before it was ever read, were 4-5 times slower here than
	 * all later ones (a virtual disk's host keeps what was read), and
	 * every kernel looked 4-5 times faster than the plain read */
	rate(&f, plain_read, false, 1, NULL);
	double pc = rate(&f, plain_read, true, reps, NULL);
	double pw = rate(&f, plain_read, false, reps, NULL), want[64];
	int failed = !row(csv, "plain read", pc, pw, pc, pw);
	if (rc == 0 && ooc_serial(&f, want))
		failed++;	/* ooc_read_rows said why */
	for (size_t k = 0; rc == 0 && !failed && k < sizeof(kernels) / sizeof(kernels[0]); k++) {
		if (bench && strcmp(kernels[k].name, "overlap"))
			continue;
		failed += !row(csv, kernels[k].name, rate(&f, kernels[k].fn, true, reps, want),
			       rate(&f, kernels[k].fn, false, reps, want), pc, pw);
	}
	for (int m = 0; bench && m < 2; m++) {
		const char *mode = m ? "dask" : "numpy";
		char why[256] = "", name[64];
		double c = python_rate(&f, path, mode, true, why, sizeof(why));
		double wm = c > 0 ? python_rate(&f, path, mode, false, why, sizeof(why)) : -1;
		snprintf(name, sizeof(name), "Python %s", m ? "dask" : "numpy chunks");
		if (c > 0 && wm > 0)
			row(csv, name, c, wm, pc, pw);
		else
			printf("  %-22s not measured: %s%s\n", name, why,
			       m ? " (Debian: apt-get install python3-dask)"
				 : " (Debian: apt-get install python3-numpy)");
	}
	if (csv)
		fclose(csv);
	if (rc)
		kit_error("%s", kit_buf_str(&msg));
	kit_buf_free(&msg);
	unlink(path);
	close(fd);
	free(path);
	return rc ? KIT_EXIT_USAGE : failed ? KIT_EXIT_INVALID : KIT_EXIT_OK;
}

static uint64_t rows, mem = 8000000;

static int demo(const kit_demo_args *a, void *ctx)
{
	(void)ctx;
	return run(a->bench, a->quick, rows ? rows : a->quick ? 200000 : 4000000, (size_t)mem,
		   a->out);
}

static const kit_demo demos[] = {
	{ "ooc", "MB/s of each kernel, cold and warm page cache, against a plain sequential "
		 "read of the same file", demo },
	KIT_DEMO_END,
};

static const kit_opt opts[] = {
	KIT_OPT_U64('n', NULL, &rows, "N", "rows of the file (default 4e6: 256 MB)", 1,
		    UINT64_C(1) << 34),
	KIT_OPT_U64(0, "mem", &mem, "SIZE", "memory budget in bytes (default 8M)", 65536,
		    UINT64_C(1) << 40),
	KIT_OPT_END,
};

static const kit_demo_table table = {
	.program = "ooc-demos",
	.about = "The demo and the benchmark of exercise 07 (larger than memory), run on\n"
		 "the reference solution.",
	.demos = demos,
	.bench = demo,
	.bench_about = "MB/s beside a plain read and the Python version",
	.quick_help = "test-sized (a 13 MB file, one run each)",
	.out_help = "where the CSV goes (default: none)",
	.options = opts,
};

int main(int argc, char **argv)
{
	return kit_demo_main(argc, argv, &table);
}
