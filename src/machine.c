/*
 * machine.c - this machine's limits (kit.h): the floating-point peak from an
 * FMA loop and the memory bandwidth from the STREAM triad, each on 1 thread
 * and on all logical CPUs, cached in results/machine.json so rates can be
 * printed as fractions of what the machine can do.
 *
 * NOTES
 *  - Peak: NACC independent vector accumulators, each updated by one fused
 *    multiply-add per iteration. An FMA has a latency of about 4 cycles and
 *    current cores issue two per cycle, so at least 8 must be in flight;
 *    12 leave a margin. Intrinsics, not plain C: the build is ISO C11, where
 *    GCC does not contract a * b + c into an FMA (-ffp-contract=off). The
 *    width follows the build (-march=native): AVX-512, AVX2+FMA, or scalar.
 *    Flops = 2 per FMA per lane. Best of several runs of about 0.2 s.
 *  - Triad a[i] = b[i] + s * c[i]: counted as 24 bytes per element (read b
 *    and c, write a), as STREAM does. The hardware really moves 32: writing a
 *    first reads its cache line (write-allocate) unless the compiler emits
 *    streaming stores. The figure is thus a conservative, comparable one.
 *    Arrays are at least 4x the last-level cache (and 64 MiB), first touched
 *    in parallel by the threads that use them. Best of several passes.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "kit.h"

#if defined(__AVX512F__)
#include <immintrin.h>
typedef __m512d vec;
#define LANES 8
#define ISA "AVX-512 FMA"
#define VSET(x) _mm512_set1_pd(x)
#define VFMA(a, b, c) _mm512_fmadd_pd((a), (b), (c))
#define VSUM(v) _mm512_reduce_add_pd(v)
#elif defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
typedef __m256d vec;
#define LANES 4
#define ISA "AVX2 FMA"
#define VSET(x) _mm256_set1_pd(x)
#define VFMA(a, b, c) _mm256_fmadd_pd((a), (b), (c))
static inline double vsum256(__m256d v)
{
	double x[4];
	_mm256_storeu_pd(x, v);
	return x[0] + x[1] + x[2] + x[3];
}
#define VSUM(v) vsum256(v)
#else
/* No FMA in this build: a multiply and an add, the same 2 flops. */
typedef double vec;
#define LANES 1
#define ISA "scalar multiply-add (no FMA in this build)"
#define VSET(x) (x)
#define VFMA(a, b, c) ((a) * (b) + (c))
#define VSUM(v) (v)
#endif

#define NACC 12			/* independent accumulators: latency x issue width, and more */
#define RUN_SECONDS 0.2		/* one timed run of the FMA loop */
#define FMA_RUNS 3		/* best of */
#define TRIAD_RUNS 3		/* best of, after one untimed pass */
#define MIB (1024.0 * 1024.0)

static volatile double sink;	/* keeps every result alive */

/* ITERS iterations of NACC independent FMA chains; returns their sum. The
 * chains converge to add / (1 - mul) = 0.1: no overflow, no denormals. */
static double fma_loop(long iters)
{
	const vec mul = VSET(0.999999), add = VSET(1e-7);
	vec a0 = VSET(0.01), a1 = VSET(0.02), a2 = VSET(0.03), a3 = VSET(0.04);
	vec a4 = VSET(0.05), a5 = VSET(0.06), a6 = VSET(0.07), a7 = VSET(0.08);
	vec a8 = VSET(0.09), a9 = VSET(0.10), a10 = VSET(0.11), a11 = VSET(0.12);

	for (long i = 0; i < iters; i++) {
		a0 = VFMA(a0, mul, add);
		a1 = VFMA(a1, mul, add);
		a2 = VFMA(a2, mul, add);
		a3 = VFMA(a3, mul, add);
		a4 = VFMA(a4, mul, add);
		a5 = VFMA(a5, mul, add);
		a6 = VFMA(a6, mul, add);
		a7 = VFMA(a7, mul, add);
		a8 = VFMA(a8, mul, add);
		a9 = VFMA(a9, mul, add);
		a10 = VFMA(a10, mul, add);
		a11 = VFMA(a11, mul, add);
	}
	return VSUM(a0) + VSUM(a1) + VSUM(a2) + VSUM(a3) + VSUM(a4) + VSUM(a5) +
	       VSUM(a6) + VSUM(a7) + VSUM(a8) + VSUM(a9) + VSUM(a10) + VSUM(a11);
}

/* Seconds for THREADS threads each running fma_loop(ITERS). */
static double fma_run(int threads, long iters)
{
	double t0 = kit_wtime(), s = 0;
	(void)threads;	/* serial build */
#pragma omp parallel num_threads(threads) reduction(+ : s)
	s += fma_loop(iters);
	double t = kit_wtime() - t0;
	sink += s;
	return t;
}

/* Best GFLOP/s of FMA_RUNS runs on THREADS threads, ITERS per thread. */
static double fma_peak(int threads, long iters)
{
	double best = INFINITY;
	for (int r = 0; r < FMA_RUNS; r++) {
		double t = fma_run(threads, iters);
		if (t < best)
			best = t;
	}
	return 2.0 * LANES * NACC * (double)iters * threads / best * 1e-9;
}

/* Iterations that take about RUN_SECONDS on one thread. */
static long fma_calibrate(void)
{
	long iters = 1L << 16;
	for (;;) {
		double t = fma_run(1, iters);
		if (t > 0.02 || iters > (1L << 40))
			return (long)((double)iters * RUN_SECONDS / (t > 0 ? t : 1e-9)) + 1;
		iters *= 8;
	}
}

/* Bytes per triad array: 4x the last-level cache, at least 64 MiB, and at
 * most 1 GiB and an eighth of memory each (all three: 3/8). The cap keeps
 * ./kit machine to a few seconds where a virtual machine reports its host's
 * whole L3 (260 MiB here): 3 GiB already defeat any cache a VM can hold. */
static size_t triad_bytes(void)
{
	kit_topo t;
	kit_topo_get(&t);
	long llc = t.l3 > 0 ? t.l3 : t.l2 > 0 ? t.l2 : 0;
	double want = 4.0 * (double)llc;
	if (want < 64 * MIB)
		want = 64 * MIB;
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	if (want > 1024 * MIB)
		want = 1024 * MIB;
	if (pages > 0 && psize > 0 && want > (double)pages * psize / 8)
		want = (double)pages * psize / 8;
	if (want < 8 * MIB)
		want = 8 * MIB;
	/* whole 2 MiB, a multiple of any page size */
	return ((size_t)want + (2u << 20) - 1) & ~(size_t)((2u << 20) - 1);
}

static double *alloc_array(size_t bytes)
{
	/* Page-aligned; no MADV_HUGEPAGE: compacting 3 GiB into huge pages
	 * cost seconds here and did not change the bandwidth. */
	return aligned_alloc(4096, bytes);
}

static void triad(double *restrict a, const double *restrict b,
		  const double *restrict c, double s, long n, int threads)
{
	(void)threads;	/* serial build */
#pragma omp parallel for simd num_threads(threads) schedule(static)
	for (long i = 0; i < n; i++)
		a[i] = b[i] + s * c[i];
}

/* Best GB/s of TRIAD_RUNS passes on THREADS threads. */
static double triad_bw(double *a, const double *b, const double *c, long n,
		       int threads)
{
	double best = INFINITY;
	triad(a, b, c, 3.0, n, threads);	/* warm-up */
	for (int r = 0; r < TRIAD_RUNS; r++) {
		double t0 = kit_wtime();
		triad(a, b, c, 3.0, n, threads);
		double t = kit_wtime() - t0;
		if (t < best)
			best = t;
	}
	return 24.0 * (double)n / best * 1e-9;
}

static int measure_bw(kit_machine *m, int all, bool verbose)
{
	size_t bytes = triad_bytes();
	long n = (long)(bytes / sizeof(double));
	double *a = alloc_array(bytes), *b = alloc_array(bytes), *c = alloc_array(bytes);
	int ret = -1;

	if (!a || !b || !c) {
		kit_error("cannot allocate 3 arrays of %.0f MiB for the triad; free some "
			  "memory and run ./kit machine again", (double)bytes / MIB);
		goto out;
	}
	/* First touch by the threads that will use each part (NUMA placement). */
#pragma omp parallel for simd num_threads(all) schedule(static)
	for (long i = 0; i < n; i++) {
		a[i] = 0.0;
		b[i] = 1.0;
		c[i] = 2.0;
	}
	m->bw_gbs_1 = triad_bw(a, b, c, n, 1);
	if (verbose)
		printf("  triad bandwidth, 1 thread:    %6.1f GB/s  (3 arrays of %.0f MiB)\n",
		       m->bw_gbs_1, (double)bytes / MIB);
	m->bw_gbs_all = triad_bw(a, b, c, n, all);
	if (verbose)
		printf("  triad bandwidth, %d thread%s:   %6.1f GB/s\n", all,
		       all == 1 ? " " : "s", m->bw_gbs_all);
	/* The kernel's own check: every element is 1 + 3 * 2. */
	for (long i = 0; i < n; i += n / 97 + 1)
		if (a[i] != 7.0) {
			kit_error("the triad computed a[%ld] = %g, not 7; the compiler or the "
				  "machine is broken, the bandwidth is not valid", i, a[i]);
			goto out;
		}
	ret = 0;
out:
	free(a);
	free(b);
	free(c);
	return ret;
}

int kit_machine_measure(kit_machine *m, bool verbose)
{
	kit_topo t;
	kit_topo_get(&t);
	int all = kit_omp_enabled() ? (t.pus > 0 ? t.pus : 1) : 1;

	memset(m, 0, sizeof(*m));
	m->threads_all = all;

	long iters = fma_calibrate();
	m->peak_gflops_1 = fma_peak(1, iters);
	if (verbose) {
		printf("  FMA peak, 1 thread:           %6.1f GFLOP/s  (%s, %d accumulators)\n",
		       m->peak_gflops_1, ISA, NACC);
		fflush(stdout);
	}
	m->peak_gflops_all = all > 1 ? fma_peak(all, iters) : m->peak_gflops_1;
	if (verbose) {
		printf("  FMA peak, %d thread%s:          %6.1f GFLOP/s\n", all,
		       all == 1 ? " " : "s", m->peak_gflops_all);
		fflush(stdout);
	}
	if (measure_bw(m, all, verbose))
		return -1;
	if (verbose)
		fflush(stdout);
	return 0;
}

/* KIT_ROOT/results/machine.json, malloc'd. */
static char *machine_path(void)
{
	const char *root = kit_root();
	size_t len = strlen(root) + 32;
	char *p = kit_xmalloc(len);
	snprintf(p, len, "%s/results/machine.json", root);
	return p;
}

int kit_machine_save(const kit_machine *m)
{
	char *path = machine_path();
	char *dir = kit_xstrdup(path);
	int ret = -1;
	*strrchr(dir, '/') = '\0';
	if (mkdir(dir, 0755) && errno != EEXIST) {
		kit_error("cannot create '%s': %s; set KIT_ROOT to a writable copy of the kit",
			  dir, strerror(errno));
		goto out;
	}

	cJSON *o = cJSON_CreateObject();
	if (!o)
		abort();
	cJSON_AddStringToObject(o, "schema", "ompkit-machine/1");
	/* 3 decimals: far below the noise, and readable. */
	cJSON_AddNumberToObject(o, "peak_gflops_1", round(m->peak_gflops_1 * 1e3) / 1e3);
	cJSON_AddNumberToObject(o, "peak_gflops_all", round(m->peak_gflops_all * 1e3) / 1e3);
	cJSON_AddNumberToObject(o, "bw_gbs_1", round(m->bw_gbs_1 * 1e3) / 1e3);
	cJSON_AddNumberToObject(o, "bw_gbs_all", round(m->bw_gbs_all * 1e3) / 1e3);
	cJSON_AddNumberToObject(o, "threads_all", m->threads_all);
	cJSON *how = cJSON_AddObjectToObject(o, "method");
	cJSON_AddStringToObject(how, "peak", ISA);
	cJSON_AddNumberToObject(how, "peak_lanes", LANES);
	cJSON_AddNumberToObject(how, "peak_accumulators", NACC);
	cJSON_AddStringToObject(how, "triad", "a[i] = b[i] + s * c[i], 24 bytes per element "
				"(write-allocate not counted), best of passes");
	cJSON_AddNumberToObject(how, "triad_array_bytes", (double)triad_bytes());
	cJSON_AddItemToObject(o, "env", kit_env_json());
	char *text = cJSON_Print(o);
	cJSON_Delete(o);
	if (!text)
		abort();
	char *line = kit_xrealloc(text, strlen(text) + 2);
	strcat(line, "\n");
	ret = kit_write_file(path, line);
	free(line);
out:
	free(dir);
	free(path);
	return ret;
}

static int positive(const cJSON *o, const char *key, double *out)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble) || x->valuedouble <= 0)
		return -1;
	*out = x->valuedouble;
	return 0;
}

/* Each reason to ignore the file is said once per process: rates are
 * computed per row, and the same warning on every row says nothing new. */
static bool warned_broken, warned_other;

int kit_machine_load(kit_machine *m)
{
	char *path = machine_path();
	FILE *f = fopen(path, "r");
	char *text = NULL;
	cJSON *o = NULL;
	int ret = -1;
	double threads;
	if (!f)
		goto out;	/* not measured yet: no message */

	size_t len = 0, cap = 0, got;
	do {
		if (cap - len < 4096) {
			cap = cap ? 2 * cap : 16384;
			char *t = kit_xrealloc(text, cap);
			text = t;
		}
		got = fread(text + len, 1, cap - len - 1, f);
		len += got;
	} while (got > 0 && len < (16u << 20));
	fclose(f);
	text[len] = '\0';

	o = cJSON_Parse(text);
	if (!o || positive(o, "peak_gflops_1", &m->peak_gflops_1) ||
	    positive(o, "peak_gflops_all", &m->peak_gflops_all) ||
	    positive(o, "bw_gbs_1", &m->bw_gbs_1) || positive(o, "bw_gbs_all", &m->bw_gbs_all) ||
	    positive(o, "threads_all", &threads)) {
		if (!warned_broken)
			kit_warn("ignoring '%s': it is not a machine file this kit wrote; "
				 "run ./kit machine --force", path);
		warned_broken = true;
		goto out;
	}
	m->threads_all = (int)threads;

	/* A copy of the kit moved to another machine carries the old figures. */
	const cJSON *cpu = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(o, "env"), "cpu");
	const cJSON *model = cJSON_GetObjectItemCaseSensitive(cpu, "model");
	const cJSON *pus = cJSON_GetObjectItemCaseSensitive(cpu, "pus");
	kit_topo t;
	kit_topo_get(&t);
	if ((cJSON_IsString(model) && strcmp(model->valuestring, t.cpu_model)) ||
	    (cJSON_IsNumber(pus) && pus->valueint != t.pus)) {
		if (!warned_other)
			kit_warn("ignoring '%s': it was measured on another machine (%s, %d "
				 "logical CPUs); run ./kit machine --force", path,
				 cJSON_IsString(model) ? model->valuestring : "?",
				 cJSON_IsNumber(pus) ? pus->valueint : -1);
		warned_other = true;
		goto out;
	}
	ret = 0;
out:
	cJSON_Delete(o);
	free(text);
	free(path);
	return ret;
}
