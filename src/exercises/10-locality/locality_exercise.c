/*
 * NAME
 *   locality_exercise.c - exercise 10, locality, affinity and the roofline,
 *   as the kit's exercise driver sees it: the kernels of locality.h as a
 *   table and how each answer is checked. Shared by the skeleton and the
 *   reference build; students do not edit it.
 *
 * USAGE
 *   locality --kernel all --validate
 *   locality --kernel triad --threads 1,2 -n 2e7
 *   locality --kernel poly --emit out/ && locality --kernel poly --verify out/
 *
 * NOTES
 *   hist: the four counts, exact. init and triad: the arrays, exact (b and c
 *   are whole multiples of 2^-20, so b + 3c has no rounding), emitted as a
 *   64-bit hash. poly: every y[i] within 16 LOC_DEGREE u S(x) of Horner's
 *   value (u = 2^-53, S = sum |coef_k| x^k: any order of the same operations,
 *   fused or not, stays within it), emitted as y.f64. The stated work per
 *   element must be the kernel's. --passes P runs the kernel P times in one
 *   run, so that a check sees the threads work long enough; no pass can hand
 *   back an earlier one's result: init writes fresh arrays each time, hist
 *   counts another seed's values, triad and poly read their inputs
 *   8 (P - 1 - k) elements further on in pass k. The last pass is the one
 *   checked.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "exercise.h"
#include "locality.h"

enum { K_HIST, K_INIT, K_TRIAD, K_POLY };

static const kit_ex_kernel kernels[] = {
	[K_HIST] = { "hist", 1, "loc_hist", "look at TODO(1) in locality.c: a histogram per "
		"thread, each on cache lines of its own (alignas(LOC_LINE)), added after the loop",
		KIT_EX_PARALLEL | KIT_EX_SAME_ANY, UINT64_C(100000000), UINT64_C(20000000) },
	[K_INIT] = { "init", 2, "loc_init", "look at TODO(2) in locality.c: 'parallel for "
		"schedule(static)' around the loop that first writes a, b and c",
		KIT_EX_PARALLEL | KIT_EX_SAME_ANY, 0, 0 },
	[K_TRIAD] = { "triad", 3, "loc_triad", "look at TODO(3) in locality.c: 'parallel for "
		"schedule(static)', and loc_triad_work: flops and bytes of one a[i]",
		KIT_EX_PARALLEL | KIT_EX_SAME_ANY, 0, 0 },
	[K_POLY] = { "poly", 4, "loc_poly", "look at TODO(4) in locality.c: 'parallel for simd "
		"schedule(static)' around Horner's rule, and loc_poly_work: flops and bytes of one y[i]",
		KIT_EX_PARALLEL | KIT_EX_SAME_ANY, 0, 0 },
};

static uint64_t opt_passes = 1;
static const kit_opt options[] = {
	KIT_OPT_U64(0, "passes", &opt_passes, "P",
		    "run the kernel P times in a run, the last result kept (default 1)", 1, 100000),
	KIT_OPT_END,
};

typedef struct result {
	uint64_t counts[LOC_BINS];	/* hist */
	uint64_t hash;			/* init: a, b, c; triad, poly: a (--verify only:
					 * a run leaves the arrays in the problem) */
	loc_work work;			/* triad, poly: as stated in locality.c */
} result;

typedef struct problem {
	uint64_t n, seed;
	uint64_t len;		/* elements in each array: n and what the passes read past it */
	double *a, *b, *c;
} problem;

#define PASS_SHIFT 8	/* elements (one cache line) each earlier pass reads further on */

static double *array(uint64_t n)
{
	double *x = aligned_alloc(64, (n * sizeof(double) + 63) / 64 * 64);
	if (!x)
		{
		kit_error("cannot allocate %.0f MB for an array: try a smaller -n", (double)n * 8e-6);
		exit(KIT_EXIT_USAGE);
	}
	return x;
}

static void drop_arrays(problem *p)
{
	free(p->a);
	free(p->b);
	free(p->c);
	p->a = p->b = p->c = NULL;
}

/* Fresh arrays of p->len elements (no page touched yet), written by loc_init. */
static void fresh_arrays(problem *p)
{
	drop_arrays(p);
	p->a = array(p->len);
	p->b = array(p->len);
	p->c = array(p->len);
	loc_init(p->a, p->b, p->c, p->len, p->seed);
}

static void *make(const kit_ex_ctx *c)
{
	problem *p = kit_xcalloc(1, sizeof(*p));
	p->n = p->len = c->n;
	p->seed = c->seed;
	if (c->kernel == K_TRIAD || c->kernel == K_POLY) {
		p->len += PASS_SHIFT * (opt_passes - 1);
		fresh_arrays(p);	/* as step 2 wrote them */
	}
	return p;
}

static void release(void *prob)
{
	drop_arrays(prob);
	free(prob);
}

/* FNV-1a over the bits of X[0..N), from H. */
static uint64_t hash(uint64_t h, const double *x, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		uint64_t u;
		memcpy(&u, &x[i], sizeof(u));
		h = (h ^ u) * UINT64_C(0x100000001b3);
	}
	return h;
}
#define HASH0 UINT64_C(0xcbf29ce484222325)

static int run(void *prob, const kit_ex_ctx *c, void *res)
{
	problem *p = prob;
	result *r = res;
	memset(r, 0, sizeof(*r));
	for (uint64_t k = opt_passes; k-- > 0;) {	/* pass 0, the last, is checked */
		uint64_t seed = k ? loc_mix(p->seed ^ loc_mix(k)) : p->seed, at = PASS_SHIFT * k;
		switch (c->kernel) {
		case K_HIST: loc_hist(p->n, seed, r->counts); break;
		case K_INIT: fresh_arrays(p); break;
		case K_TRIAD: loc_triad(p->a, p->b + at, p->c + at, p->n); break;
		default: loc_poly(p->a, p->c + at, p->n);
		}
	}
	r->work = c->kernel == K_TRIAD ? loc_triad_work : c->kernel == K_POLY ? loc_poly_work
									      : r->work;
	return 0;
}

/* Horner's value at X and the bound on a rounding difference from it. */
static double horner(double x, double *bound)
{
	double v = loc_coef[LOC_DEGREE], s = fabs(loc_coef[LOC_DEGREE]);
	for (int k = LOC_DEGREE - 1; k >= 0; k--) {
		v = v * x + loc_coef[k];
		s = s * fabs(x) + fabs(loc_coef[k]);
	}
	*bound = 16.0 * LOC_DEGREE * 0x1p-53 * s;
	return v;
}

/* The defined arrays: the first element of A (B, C: NULL to skip) that
 * differs, in MSG; true when none does. */
static bool same_arrays(problem *p, int k, const double *a, const double *b, const double *c,
			kit_buf *msg)
{
	for (uint64_t i = 0; i < p->n; i++) {
		double bi = loc_b(p->seed, i), ci = loc_c(p->seed, i), bound = 0;
		double want = k == K_INIT ? 0.0 : k == K_TRIAD ? bi + LOC_SCALAR * ci
							       : horner(ci, &bound);
		const char *name = k == K_POLY ? "y" : "a";
		if (!(fabs(a[i] - want) <= bound))
			kit_buf_printf(msg, "%s[%llu] = %.17g, expected %.17g", name,
				       (unsigned long long)i, a[i], want);
		else if (b && b[i] != bi)
			kit_buf_printf(msg, "b[%llu] = %.17g, expected %.17g (loc_b)",
				       (unsigned long long)i, b[i], bi);
		else if (c && c[i] != ci)
			kit_buf_printf(msg, "c[%llu] = %.17g, expected %.17g (loc_c)",
				       (unsigned long long)i, c[i], ci);
		else
			continue;
		if (k != K_INIT)
			kit_buf_add_str(msg, " (b and c as loc_init wrote them: is step 2 right?)");
		return false;
	}
	return true;
}

/* The stated work per element against the kernel's own. */
static bool right_work(int k, loc_work w, kit_buf *msg)
{
	double flops = k == K_TRIAD ? 2 : 2 * LOC_DEGREE, bytes = k == K_TRIAD ? 24 : 16;
	if (w.flops == flops && (w.bytes == bytes || w.bytes == bytes + 8))
		return true;
	kit_buf_printf(msg, "%s states %g flops and %g bytes an element; one %s does %g "
		       "flops and moves %g bytes (%g counting the write allocate)",
		       k == K_TRIAD ? "loc_triad_work" : "loc_poly_work", w.flops, w.bytes,
		       k == K_TRIAD ? "a[i] = b[i] + 3 c[i]" : "y[i] by Horner's rule",
		       flops, bytes, bytes + 8);
	return false;
}

/* The success line of kernel K. */
static bool passed(problem *p, int k, const result *r, kit_buf *msg)
{
	if (k == K_HIST)
		kit_buf_printf(msg, "the %d counts of %llu values exact", LOC_BINS,
			       (unsigned long long)p->n);
	else
		kit_buf_printf(msg, "all %llu elements %s", (unsigned long long)p->n,
			       k == K_POLY ? "within rounding of Horner's rule" : "exact");
	if (k == K_TRIAD || k == K_POLY)
		kit_buf_printf(msg, "; %g flops and %g bytes an element", r->work.flops,
			       r->work.bytes);
	return true;
}

static bool hist_right(problem *p, const result *r, kit_buf *msg)
{
	uint64_t want[LOC_BINS] = { 0 };
	for (uint64_t i = 0; i < p->n; i++)
		want[loc_bin(p->seed, i)]++;
	for (int b = 0; b < LOC_BINS; b++)
		if (r->counts[b] != want[b]) {
			kit_buf_printf(msg, "counts[%d] = %llu, expected %llu (of %llu values)", b,
				       (unsigned long long)r->counts[b],
				       (unsigned long long)want[b], (unsigned long long)p->n);
			return false;
		}
	return true;
}

/* The hash of the defined arrays of kernel K (init: a, b, c; triad: a). */
static uint64_t defined_hash(problem *p, int k)
{
	uint64_t h = HASH0;
	for (int w = 0; w < (k == K_INIT ? 3 : 1); w++)
		for (uint64_t i = 0; i < p->n; i++) {
			double b = loc_b(p->seed, i), c = loc_c(p->seed, i);
			double v = k == K_TRIAD ? b + LOC_SCALAR * c : w == 0 ? 0.0 : w == 1 ? b : c;
			h = hash(h, &v, 1);
		}
	return h;
}

static bool validate(void *prob, const kit_ex_ctx *c, const void *res, kit_buf *msg)
{
	problem *p = prob;
	const result *r = res;
	int k = c->kernel;
	bool init = k == K_INIT;
	if (k == K_HIST ? !hist_right(p, r, msg)
			: (k != K_INIT && !right_work(k, r->work, msg)) ||
				  !same_arrays(p, k, p->a, init ? p->b : NULL, init ? p->c : NULL, msg))
		return false;
	return passed(p, k, r, msg);
}

static void describe(const void *res, kit_buf *msg)
{
	const result *r = res;
	kit_buf_printf(msg, "counts %llu %llu %llu %llu, hash %016llx",
		       (unsigned long long)r->counts[0], (unsigned long long)r->counts[1],
		       (unsigned long long)r->counts[2], (unsigned long long)r->counts[3],
		       (unsigned long long)r->hash);
}

static kit_ex_work work(const kit_ex_ctx *c)
{
	double n = (double)c->n * (double)opt_passes;
	switch (c->kernel) {
	case K_HIST: return (kit_ex_work){ .samples = n };
	case K_INIT: return (kit_ex_work){ .bytes = 24 * n };
	case K_TRIAD: return (kit_ex_work){ .flops = 2 * n, .bytes = 24 * n };
	default: return (kit_ex_work){ .flops = 2 * LOC_DEGREE * n, .bytes = 16 * n };
	}
}

static int emit(void *prob, const kit_ex_ctx *c, const void *res, cJSON *out, const char *dir)
{
	problem *p = prob;
	const result *r = res;
	char h[20];
	uint64_t hv = c->kernel == K_HIST ? 0 : hash(HASH0, p->a, p->n);	/* not timed */
	if (c->kernel == K_INIT)
		hv = hash(hash(hv, p->b, p->n), p->c, p->n);
	snprintf(h, sizeof(h), "%016llx", (unsigned long long)hv);
	for (int b = 0; b < LOC_BINS; b++) {
		char key[8];
		snprintf(key, sizeof(key), "bin%d", b);
		cJSON_AddNumberToObject(out, key, (double)r->counts[b]);
	}
	cJSON_AddStringToObject(out, "hash", h);
	cJSON_AddNumberToObject(out, "flops_per_element", r->work.flops);
	cJSON_AddNumberToObject(out, "bytes_per_element", r->work.bytes);
	if (c->kernel != K_POLY)
		return 0;
	char *path = kit_xasprintf("%s/y.f64", dir);
	kit_atomic a;
	int rc = kit_atomic_open(&a, path);
	if (rc == 0 && fwrite(p->a, sizeof(double), p->n, a.f) != p->n) {
		kit_error("cannot write %s", path);
		kit_atomic_abort(&a);
		rc = -1;
	} else if (rc == 0)
		rc = kit_atomic_commit(&a);
	free(path);
	return rc;
}

static int verify(void *prob, const kit_ex_ctx *c, const char *dir, const cJSON *res,
		  void *got, kit_buf *msg)
{
	problem *p = prob;
	result *r = got;
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(res, "hash");
	unsigned long long hv = 0;
	int used = 0;
	if (!cJSON_IsString(h) || sscanf(h->valuestring, "%16llx%n", &hv, &used) != 1 ||
	    used != 16 || h->valuestring[16]) {
		kit_buf_add_str(msg, "result.json: \"hash\" is not 16 hexadecimal digits");
		return KIT_FAIL;
	}
	r->hash = hv;
	for (int b = 0; b < LOC_BINS; b++) {
		char key[8];
		snprintf(key, sizeof(key), "bin%d", b);
		if (kit_ex_json_u64(res, key, &r->counts[b], msg))
			return KIT_FAIL;
	}
	if (kit_ex_json_double(res, "flops_per_element", &r->work.flops, msg) ||
	    kit_ex_json_double(res, "bytes_per_element", &r->work.bytes, msg))
		return KIT_FAIL;
	double *y = NULL;
	if (c->kernel == K_POLY) {
		if (p->a)
			drop_arrays(p);	/* the reference's own arrays are not needed */
		y = array(p->n);
		if (kit_ex_read_exact(dir, "y.f64", y, p->n * sizeof(double), msg)) {
			free(y);
			return KIT_FAIL;
		}
		r->hash = hash(HASH0, y, p->n);
	}
	int k = c->kernel;
	bool ok = k == K_HIST ? hist_right(p, r, msg)
		  : k != K_INIT && !right_work(k, r->work, msg) ? false
		  : y ? same_arrays(p, k, y, NULL, NULL, msg)
		      : r->hash == defined_hash(p, k);
	if (!ok && !y && k != K_HIST && !kit_buf_str(msg)[0])
		kit_buf_printf(msg, "the arrays' hash %016llx is not that of the defined %s: run "
			       "--kernel %s --validate to see the first wrong element",
			       (unsigned long long)r->hash, k == K_INIT ? "a, b and c" : "a",
			       kernels[k].name);
	free(y);
	return ok && passed(p, k, r, msg) ? KIT_PASS : KIT_FAIL;
}

static void print_config(const kit_ex_ctx *c)
{
	if (c->kernel != K_HIST)
		printf("  arrays   %llu doubles each (%.1f MB)\n", (unsigned long long)c->n,
		       (double)c->n * 8e-6);
	if (opt_passes > 1)
		printf("  --passes %llu runs of the kernel in each run\n",
		       (unsigned long long)opt_passes);
}

static const kit_exercise loc_exercise = {
	.name = "10-locality",
	.title = "Locality, affinity and the roofline",
	.program = "locality",
	.edit = "locality.c",
	.about = "Four kernels where the memory decides the speed: a histogram counted into\n"
		 "per-thread histograms (false sharing), arrays first written by the threads\n"
		 "that use them (first touch), the triad (memory-bound) and a polynomial\n"
		 "(compute-bound). Kernels: hist (step 1), init (2), triad (3), poly (4).\n",
	.table_title = "Locality: time and rates by kernel and threads",
	.examples = "  locality --kernel all --validate\n"
		    "  locality --kernel hist --threads 1,2\n"
		    "  locality --kernel triad --threads 1,2 -n 2e7\n",
	.kernels = kernels,
	.nkernels = sizeof(kernels) / sizeof(kernels[0]),
	.options = options,
	.n_help = "values (hist) or array elements (default 4e6; 1e6 in checks)",
	.n_min = 1,
	.n_max = UINT64_C(1) << 31,
	.n_time = 4000000,
	.n_check = 1000000,
	.n_check_small = 1001,
	.n_linear = true,
	.seed = 2026,
	.demo_program = "locality-demos",
	.make = make,
	.free = release,
	.run = run,
	.result_size = sizeof(result),
	.validate = validate,
	.describe = describe,
	.work = work,
	.emit = emit,
	.verify = verify,
	.print_config = print_config,
};

int main(int argc, char **argv)
{
	return kit_exercise_main(argc, argv, &loc_exercise);
}
