/*
 * gemm_check.c - the matrices of exercise 02, the check of a product, and a
 * gemm program run in a fresh process (gemm_check.h). Shared by the
 * exercise's descriptor (gemm_exercise.c), the demos and the benchmark.
 */
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "exercise.h"
#include "gemm_check.h"
#include "kit.h"

/* Physical memory in bytes, or 0 when unknown. */
static double phys_bytes(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	return pages > 0 && size > 0 ? (double)pages * (double)size : 0;
}

static void *alloc_doubles(size_t n)
{
	size_t bytes = (n * sizeof(double) + 63) / 64 * 64;
	return aligned_alloc(64, bytes ? bytes : 64);
}

/* Element I of matrix ID (A of product b is 2b, B is 2b + 1): uniform in [-1, 1), from (seed, id, i) alone. */
static double entry(uint64_t seed, uint64_t id, uint64_t i)
{
	uint64_t z = seed * 0x9E3779B97F4A7C15u + (id << 40) + i + 0x632BE59BD9B4E019u;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
	z ^= z >> 31;
	return (double)(z >> 11) * 0x1.0p-52 - 1.0;
}

/*
 * Allocates and fills COUNT pairs of n x n matrices (and C). Returns 0, or -1
 * after one line saying why (too large for this machine, out of memory).
 */
int gemm_mats_new(gemm_mats *m, int n, int count, uint64_t seed, size_t spare)
{
	memset(m, 0, sizeof(*m));
	m->n = n;
	m->count = count;
	m->nn = (size_t)n * (size_t)n;
	double need = 3.0 * (double)count * (double)n * (double)n * sizeof(double);
	double have = phys_bytes();
	if (need > (double)SIZE_MAX / 2 || (have > 0 && need > 0.8 * have)) {
		kit_error("n = %d%s needs %.1f GiB for A, B and C; this machine has %.1f GiB "
			  "of memory; choose a smaller -n%s", n, count > 1 ? " (batch)" : "",
			  need / (1 << 30), have / (1 << 30), count > 1 ? " or --count" : "");
		return -1;
	}
	size_t elems = m->nn * (size_t)count;
	m->A = alloc_doubles(elems + spare);
	m->B = alloc_doubles(elems + spare);
	m->C = alloc_doubles(elems);
	if (!m->A || !m->B || !m->C) {
		kit_error("cannot allocate 3 x %.1f GiB for n = %d: %s; choose a smaller -n",
			  (double)elems * sizeof(double) / (1 << 30), n, strerror(ENOMEM));
		free(m->A);
		free(m->B);
		free(m->C);
		memset(m, 0, sizeof(*m));
		return -1;
	}
	for (size_t b = 0; b < (size_t)count; b++)
		for (size_t i = 0; i < m->nn; i++) {
			m->A[b * m->nn + i] = entry(seed, 2 * b, i);
			m->B[b * m->nn + i] = entry(seed, 2 * b + 1, i);
		}
	for (size_t i = 0; i < spare; i++) {
		m->A[elems + i] = entry(seed, 2 * (size_t)count, i);
		m->B[elems + i] = entry(seed, 2 * (size_t)count + 1, i);
	}
	gemm_mats_poison(m);
	return 0;
}

void gemm_mats_poison(gemm_mats *m)
{
	size_t elems = m->nn * (size_t)m->count;
	for (size_t i = 0; i < elems; i++)
		m->C[i] = NAN;
}

void gemm_mats_free(gemm_mats *m)
{
	free(m->A);
	free(m->B);
	free(m->C);
	memset(m, 0, sizeof(*m));
}

/* ------------------------------------------------------------------------
 * The check
 */

/* (A B)_ij in long double, and (|A| |B|)_ij. */
static long double ref_elem(const double *A, const double *B, size_t n, size_t i, size_t j,
			    double *absab)
{
	long double s = 0;
	double a = 0;
	for (size_t k = 0; k < n; k++) {
		s += (long double)A[i * n + k] * B[k * n + j];
		a += fabs(A[i * n + k]) * fabs(B[k * n + j]);
	}
	*absab = a;
	return s;
}

/* Is C_ij within the bound of X_ij = sum_k L(i,k) R(k,j) for another product
 * (B A, A^T B, A B^T)? Used only to name a likely mistake. */
static bool matches(const double *C, const double *L, bool lt, const double *R, bool rt,
		    size_t n, size_t i, size_t j)
{
	long double s = 0;
	double a = 0;
	for (size_t k = 0; k < n; k++) {
		double l = lt ? L[k * n + i] : L[i * n + k];
		double r = rt ? R[j * n + k] : R[k * n + j];
		s += (long double)l * r;
		a += fabs(l) * fabs(r);
	}
	return fabsl((long double)C[i * n + j] - s) <= 3.0L * DBL_EPSILON * n * a;
}

/* A guess at the mistake behind a wrong C_ij, or "". */
static const char *diagnose(const double *A, const double *B, const double *C, size_t n,
			    size_t i, size_t j)
{
	if (isnan(C[i * n + j]))
		return "C holds NaN there: that element was never written, or the kernel "
		       "added into C before setting it (beta must be 0.0)";
	if (n > 1 && matches(C, B, false, A, false, n, i, j))
		return "C is B*A there: the matrices are row-major (CblasRowMajor), or swap A and B";
	if (n > 1 && matches(C, A, true, B, false, n, i, j))
		return "C is A^T*B there: A must not be transposed (CblasNoTrans)";
	if (n > 1 && matches(C, A, false, B, true, n, i, j))
		return "C is A*B^T there: B must not be transposed (CblasNoTrans)";
	return "";
}

/* Checks element (i, j) of product b, updating V; false when it is out of bound. */
static bool check_elem(const gemm_mats *m, size_t b, size_t i, size_t j, gemm_verdict *v)
{
	size_t n = (size_t)m->n;
	const double *A = m->A + b * m->nn, *B = m->B + b * m->nn, *C = m->C + b * m->nn;
	double absab;
	long double want = ref_elem(A, B, n, i, j, &absab);
	double bound = 3.0 * DBL_EPSILON * (double)n * absab;
	double err = (double)fabsl((long double)C[i * n + j] - want);
	v->checked++;
	if (err <= bound) {
		double r = bound > 0 ? err / bound : 0;
		if (r > v->worst)
			v->worst = r;
		return true;
	}
	if (v->ok) {
		const char *guess = diagnose(A, B, C, n, i, j);
		char where[48] = "";
		if (m->count > 1)
			snprintf(where, sizeof(where), "matrix %zu of the batch: ", b);
		snprintf(v->why, sizeof(v->why), "%sC[%zu][%zu] = %.6g, A*B gives %.6g there "
			 "(error %.3g, bound %.3g)%s%s", where, i, j, C[i * n + j], (double)want,
			 err, bound, *guess ? "; " : "", guess);
	}
	v->ok = false;
	v->worst = INFINITY;
	return false;
}

/* Row or column index K of the spot check: first, last, two from the seed. */
static size_t spot_line(size_t n, int k, uint64_t seed)
{
	if (k == 0)
		return 0;
	if (k == 1)
		return n - 1;
	return (size_t)((entry(seed, 999 + (uint64_t)k, 0) + 1.0) / 2.0 * (double)n) % n;
}

/* Checks product B of M: every element when n <= 512, else 4 rows + 4 columns. */
static void check_product(const gemm_mats *m, size_t b, uint64_t seed, gemm_verdict *v)
{
	size_t n = (size_t)m->n;
	if (n <= GEMM_FULL_CHECK_MAX) {
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++)
				if (!check_elem(m, b, i, j, v))
					return;
		return;
	}
	for (int k = 0; k < 4; k++) {
		size_t line = spot_line(n, k, seed);
		for (size_t j = 0; j < n; j++)
			if (!check_elem(m, b, line, j, v))
				return;
		for (size_t i = 0; i < n; i++)
			if (!check_elem(m, b, i, line, v))
				return;
	}
}

/* Checks M's products: all when small, else the first, middle and last. */
gemm_verdict gemm_check(const gemm_mats *m, uint64_t seed)
{
	gemm_verdict v = { .ok = true };
	double work = (double)m->count * m->n * (double)m->n * m->n;
	size_t count = (size_t)m->count;
	if (count <= 3 || work <= (double)GEMM_FULL_CHECK_MAX * GEMM_FULL_CHECK_MAX * GEMM_FULL_CHECK_MAX) {
		for (size_t b = 0; b < count && v.ok; b++)
			check_product(m, b, seed, &v);
	} else {
		size_t pick[3] = { 0, count / 2, count - 1 };
		for (int k = 0; k < 3 && v.ok; k++)
			check_product(m, pick[k], seed, &v);
	}
	return v;
}

/* What the check covered, for messages: "every element", "4 rows and 4 columns". */
const char *gemm_check_coverage(const gemm_mats *m)
{
	double work = (double)m->count * m->n * (double)m->n * m->n;
	bool all = m->count <= 3 || work <= (double)GEMM_FULL_CHECK_MAX * GEMM_FULL_CHECK_MAX * GEMM_FULL_CHECK_MAX;
	if (m->n <= GEMM_FULL_CHECK_MAX)
		return all ? "every element" : "every element of matrices first, middle, last";
	return all ? "4 rows and 4 columns" : "4 rows and 4 columns of matrices first, middle, last";
}

/* ------------------------------------------------------------------------
 * A gemm program again, in a fresh process
 */

static void str_of(const cJSON *o, const char *key, char *buf, size_t len)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
	snprintf(buf, len, "%s", cJSON_IsString(x) ? x->valuestring : "?");
}

void gemm_run_child(const gemm_child_opts *o, gemm_child *out)
{
	memset(out, 0, sizeof(*out));
	out->blas_threads = out->omp_threads = -1;
	char nbuf[32], cbuf[32], rbuf[32], core[96];
	snprintf(nbuf, sizeof(nbuf), "%d", o->n);
	snprintf(cbuf, sizeof(cbuf), "%d", o->count > 0 ? o->count : 1);
	snprintf(rbuf, sizeof(rbuf), "%d", o->reps > 0 ? o->reps : 3);
	snprintf(core, sizeof(core), "OPENBLAS_CORETYPE=%s", o->coretype ? o->coretype : "");
	const char *args[] = { "--kernel", o->kernel, "-n", nbuf, "--count", cbuf, "--reps", rbuf,
			       NULL };
	const char *env[] = { o->coretype && *o->coretype ? core : NULL, NULL };
	kit_ex_fresh f;
	kit_ex_fresh_run(o->program, args, o->threads, env, o->timeout, &f);
	out->ok = f.ok;
	out->invalid = f.invalid;
	snprintf(out->why, sizeof(out->why), "gemm --kernel %s -n %d: %.400s", o->kernel, o->n,
		 f.why);
	if (f.ok) {
		const cJSON *blas = cJSON_GetObjectItemCaseSensitive(f.env, "blas");
		const cJSON *omp = cJSON_GetObjectItemCaseSensitive(f.env, "openmp");
		out->median_s = kit_ex_num(f.columns, "median_s", NAN);
		out->min_s = kit_ex_num(f.columns, "min_s", NAN);
		out->gflops = kit_ex_num(f.columns, "gflops", NAN);
		out->err_bound = kit_ex_num(f.columns, "err_bound", NAN);
		out->blas_threads = (int)kit_ex_num(f.columns, "blas_threads", -1);
		out->omp_threads = (int)kit_ex_num(omp, "max_threads", -1);
		str_of(blas, "core", out->core, sizeof(out->core));
		str_of(blas, "variant", out->variant, sizeof(out->variant));
		str_of(blas, "fix", out->fix, sizeof(out->fix));
		out->fallback = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(blas, "fallback"));
	}
	kit_ex_fresh_free(&f);
}
