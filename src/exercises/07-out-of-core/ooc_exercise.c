/*
 * NAME
 *   ooc_exercise.c - exercise 07, larger than memory, as the kit's exercise
 *   driver sees it: the kernels of ooc.h, the .npy file they read, and how
 *   the means are checked. Shared by the skeleton and the reference build;
 *   students do not edit it.
 *
 * USAGE
 *   ooc --kernel serial --validate
 *   ooc --kernel threads --threads 1,2 -n 2e6 --mem 8M
 *   ooc --make-inputs in/ --seed 7 && ooc --kernel mmap --input in/ --validate
 *
 * NOTES
 *   The file: --input DIR reads DIR/data.npy (or --input FILE.npy); without
 *   it, n rows x --cols columns (ooc_io.c) are written to a temporary file.
 *   The check: the exact mean of column j (every sum kept as two doubles,
 *   TwoSum, so that nothing is lost) and the bound 64 u mean(|x_j|), u =
 *   2^-53: a compensated sum, also with threads' partial sums added, stays far
 *   within it; a plain running sum over 10^5 rows of 0.1 is ~10^4 u off.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "exercise.h"
#include "npy.h"
#include "ooc.h"

#define MAX_COLS OOC_MAX_COLS
#define BOUND_U 64.0	/* the bound, in u mean(|x|) */

enum { K_SERIAL, K_THREADS, K_OVERLAP, K_MMAP };

static const kit_ex_kernel kernels[] = {
	[K_SERIAL] = { "serial", 1, "ooc_serial",
		"look at TODO(1) in ooc.c: sum each column over the whole file with a "
		"compensated (Kahan) sum and divide by the number of rows once, at the end",
		0, 0, 0 },
	[K_THREADS] = { "threads", 2, "ooc_threads",
		"look at TODO(2) in ooc.c: 'parallel for reduction(+: s[:cols], c[:cols])' "
		"over a chunk's rows, compensated sums in each thread", KIT_EX_PARALLEL, 0, 0 },
	[K_OVERLAP] = { "overlap", 3, "ooc_overlap",
		"look at TODO(3) in ooc.c: 'parallel num_threads(2)', a buffer of f->mem / 2 "
		"per thread, and 'for schedule(static, 1)' over the chunks: each thread "
		"reads a chunk and sums it", KIT_EX_PARALLEL, 0, 0 },
	[K_MMAP] = { "mmap", 4, "ooc_mmap",
		"look at TODO(4) in ooc.c: mmap a window of at most f->mem bytes starting "
		"at a multiple of the page size, sum it, munmap it", 0, 0, 0 },
};

static uint64_t opt_mem = 4000000;
static int opt_cols = 8;
static int opt_passes = 1;	/* --passes */
static double g_bytes;	/* the file's data, for the rate */

static const kit_opt options[] = {
	KIT_OPT_U64(0, "mem", &opt_mem, "SIZE",
		    "memory budget for the kernel's buffers in bytes (default 4M = 4e6)",
		    4096, UINT64_C(1) << 40),
	KIT_OPT_INT(0, "cols", &opt_cols, "C",
		    "columns of the generated array (default 8; --input: the file's)", 1, MAX_COLS),
	KIT_OPT_INT(0, "passes", &opt_passes, "P", "checks and --emit: take the means P times, "
		    "the last over every row\n(a run long enough to see its threads and its "
		    "reads from outside)", 1, 10000),
	KIT_OPT_END,
};

typedef struct problem {
	ooc_file f;
	char *path;
	bool have_exact;
	double exact[MAX_COLS], absmean[MAX_COLS];
} problem;

/* ------------------------------------------------------------------------
 * The file
 */

static int fill_npy(FILE *f, void *seed)
{
	uint64_t s = *(uint64_t *)seed;
	return ooc_write_npy(f, 150001 + s % 50000, 4 + s % 5, s);
}

static int make_inputs(const char *dir, uint64_t seed, int count)
{
	(void)count;
	return kit_mkdirs(dir) || kit_ex_write_with(dir, "data.npy", fill_npy, &seed) ? -1 : 0;
}

/* A temporary file of N rows, removed at once (the open FD keeps it). */
static int temp_file(const kit_ex_ctx *c, problem *p)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	p->path = kit_xasprintf("%s/ooc-XXXXXX.npy", tmp);
	int fd = mkstemps(p->path, 4);
	FILE *f = fd >= 0 ? fdopen(dup(fd), "w") : NULL;
	if (fd >= 0)
		unlink(p->path);
	if (!f || ooc_write_npy(f, c->n, (uint64_t)opt_cols, c->seed) | fclose(f)) {
		kit_error("cannot write a temporary file in %s (%s): set TMPDIR to a folder with "
			  "room for %.0f MB", tmp, strerror(errno), c->n * opt_cols * 8e-6);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void *make(const kit_ex_ctx *c)
{
	problem *p = kit_xcalloc(1, sizeof(*p));
	int fd;
	if (c->input) {
		size_t len = strlen(c->input);
		p->path = len > 4 && !strcmp(c->input + len - 4, ".npy")
				  ? kit_xasprintf("%s", c->input)
				  : kit_xasprintf("%s/data.npy", c->input);
		fd = open(p->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			kit_error("--input: cannot open %s: %s", p->path, strerror(errno));
	} else {
		fd = temp_file(c, p);
	}
	kit_npy h;
	kit_buf msg = { 0 };
	if (fd >= 0 && kit_npy_read_header(fd, p->path, &h, &msg)) {
		kit_error("%s", kit_buf_str(&msg));
	} else if (fd >= 0 && h.rows == 0) {
		kit_error("%s has no rows: there is no mean to take", p->path);
	} else if (fd >= 0 && h.cols > MAX_COLS) {
		kit_error("%s has %llu columns; this exercise reads at most %d", p->path,
			  (unsigned long long)h.cols, MAX_COLS);
	} else if (fd >= 0) {
		kit_buf_free(&msg);
		p->f = (ooc_file){ fd, p->path, h.rows, h.cols, h.offset, (size_t)opt_mem };
		g_bytes = (double)h.bytes;
		return p;
	}
	kit_buf_free(&msg);
	if (fd >= 0)
		close(fd);
	free(p->path);
	free(p);
	return NULL;
}

static void free_problem(void *prob)
{
	problem *p = prob;
	close(p->f.fd);
	free(p->path);
	free(p);
}

/* ------------------------------------------------------------------------
 * Runs and checks
 */

static int run_once(const ooc_file *f, int kernel, double *means)
{
	memset(means, 0, MAX_COLS * sizeof(double));
	switch (kernel) {
	case K_SERIAL: return ooc_serial(f, means);
	case K_THREADS: return ooc_threads(f, means);
	case K_OVERLAP: return ooc_overlap(f, means);
	default: return ooc_mmap(f, means);
	}
}

/* --passes P (checks, --emit): the means P times, so that the kernel, not
 * the making of the file, fills the run the grader watches. Pass k takes the
 * first rows - (P - 1 - k) rows: no pass can hand back an earlier one's
 * means; the last, over every row, is the one emitted. */
static int run(void *prob, const kit_ex_ctx *c, void *result)
{
	problem *p = prob;
	uint64_t passes = c->checking ? (uint64_t)opt_passes : 1;
	for (uint64_t k = passes; k-- > 0;) {
		ooc_file f = p->f;
		f.rows = f.rows > k ? f.rows - k : 1;
		if (run_once(&f, c->kernel, result))
			return -1;
	}
	return 0;
}

/* The exact means: every column's sum as two doubles (TwoSum keeps each
 * addition's rounding error), read a budget's worth of rows at a time. */
static int exact_means(problem *p)
{
	const ooc_file *f = &p->f;
	uint64_t chunk = ooc_rows_in(f, f->mem), cols = f->cols;
	double hi[MAX_COLS] = { 0 }, lo[MAX_COLS] = { 0 }, abs[MAX_COLS] = { 0 };
	double *buf = kit_xmalloc(chunk * cols * sizeof(double));
	for (uint64_t first = 0; first < f->rows; first += chunk) {
		uint64_t n = f->rows - first < chunk ? f->rows - first : chunk;
		if (ooc_read_rows(f, first, n, buf)) {
			free(buf);
			return -1;
		}
		for (uint64_t i = 0; i < n; i++)
			for (uint64_t j = 0; j < cols; j++) {
				double x = buf[i * cols + j], s = hi[j] + x, bb = s - hi[j];
				lo[j] += (hi[j] - (s - bb)) + (x - bb);
				hi[j] = s;
				abs[j] += fabs(x);
			}
	}
	free(buf);
	for (uint64_t j = 0; j < cols; j++) {
		p->exact[j] = (hi[j] + lo[j]) / (double)f->rows;
		p->absmean[j] = abs[j] / (double)f->rows;
	}
	p->have_exact = true;
	return 0;
}

static bool validate(void *prob, const kit_ex_ctx *c, const void *result, kit_buf *msg)
{
	(void)c;
	problem *p = prob;
	const double *got = result, u = 0x1p-53;
	if (!p->have_exact && exact_means(p))
		return false;
	double worst = 0;
	for (uint64_t j = 0; j < p->f.cols; j++) {
		double off = fabs(got[j] - p->exact[j]) / (u * p->absmean[j]);
		if (!(fabs(got[j] - p->exact[j]) <= BOUND_U * u * p->absmean[j])) {
			kit_buf_printf(msg, "column %llu: mean %.17g, the exact mean is %.17g: %.3g u "
				       "mean|x| off, more than %.0f (u = 2^-53)",
				       (unsigned long long)j, got[j], p->exact[j], off, BOUND_U);
			return false;
		}
		worst = off > worst ? off : worst;
	}
	kit_buf_printf(msg, "%llu column means of %llu rows, within %.2g u mean|x| of the exact "
		       "means (bound %.0f)", (unsigned long long)p->f.cols,
		       (unsigned long long)p->f.rows, worst, BOUND_U);
	return true;
}

static void describe(const void *result, kit_buf *msg)
{
	const double *m = result;
	kit_buf_printf(msg, "means %.17g, %.17g, ...", m[0], m[1]);
}

static kit_ex_work work(const kit_ex_ctx *c)
{
	(void)c;
	return (kit_ex_work){ .bytes = g_bytes };
}

static int emit(void *prob, const kit_ex_ctx *c, const void *result, cJSON *out,
		const char *dir)
{
	(void)c;
	problem *p = prob;
	cJSON_AddNumberToObject(out, "rows", (double)p->f.rows);
	cJSON_AddNumberToObject(out, "cols", (double)p->f.cols);
	return kit_ex_write_exact(dir, "means.f64", result, p->f.cols * sizeof(double));
}

static int verify(void *prob, const kit_ex_ctx *c, const char *dir, const cJSON *result,
		  void *got, kit_buf *msg)
{
	(void)result;
	problem *p = prob;
	if (kit_ex_read_exact(dir, "means.f64", got, p->f.cols * sizeof(double), msg))
		return KIT_FAIL;
	if (!p->have_exact && exact_means(p)) {
		kit_buf_add_str(msg, "the reference could not read the input");
		return -1;
	}
	return validate(prob, c, got, msg) ? KIT_PASS : KIT_FAIL;
}

static void print_config(const kit_ex_ctx *c)
{
	if (c->input)
		printf("  input    %s\n", c->input);
	else
		printf("  input    a temporary file of %llu rows x %d columns (%.1f MB)\n",
		       (unsigned long long)c->n, opt_cols, (double)c->n * opt_cols * 8e-6);
	printf("  --mem    %.1f MB of buffers at most\n", (double)opt_mem * 1e-6);
}

static const kit_exercise ooc_exercise = {
	.name = "07-out-of-core",
	.title = "Larger than memory",
	.program = "ooc",
	.edit = "ooc.c",
	.about = "The mean of every column of a float64 array in a .npy file (NumPy's\n"
		 "format), read a chunk of rows at a time within a memory budget (--mem).\n"
		 "Checks the means against exact ones (within 64 u mean|x|, u = 2^-53).\n"
		 "Kernels: serial (step 1), threads (2), overlap (3), mmap (4).\n",
	.table_title = "Larger than memory: GB/s through the file by kernel and threads",
	.examples = "  ooc --kernel serial --validate\n"
		    "  ooc --kernel threads --threads 1,2 -n 2e6 --mem 8M\n"
		    "  ooc --make-inputs in/ --seed 7 && ooc --kernel mmap --input in/ --validate\n"
		    "  ooc --kernel overlap --input big.npy --mem 64M\n",
	.kernels = kernels,
	.nkernels = sizeof(kernels) / sizeof(kernels[0]),
	.options = options,
	.n_help = "rows of the generated array (default 1e6; 2e5+3 in checks)",
	.n_min = 1,
	.n_max = UINT64_C(1) << 34,
	.n_time = 1000000,
	.n_check = 200003,
	.seed = 2026,
	.has_input = true,
	.demo_program = "ooc-demos",
	.make = make,
	.free = free_problem,
	.run = run,
	.result_size = MAX_COLS * sizeof(double),
	.validate = validate,
	.describe = describe,
	.work = work,
	.emit = emit,
	.verify = verify,
	.make_inputs = make_inputs,
	.print_config = print_config,
};

int main(int argc, char **argv)
{
	return kit_exercise_main(argc, argv, &ooc_exercise);
}
