/*
 * exercise_files.c - what exercise descriptors share beside the driver
 * (exercise.h, "Helpers for descriptors"): writing emitted files, whole
 * numbers in result.json beyond doubles, comparing and fingerprinting
 * results, and the child processes of a run.
 */
#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <pthread.h>

#include <cjson/cJSON.h>

#include "exercise.h"
#include "kit.h"
#include "pool.h"

int kit_ex_write_with(const char *dir, const char *name, int (*fill)(FILE *f, void *arg),
		      void *arg)
{
	char *path = kit_xasprintf("%s/%s", dir, name);
	kit_atomic a;
	int rc = kit_atomic_open(&a, path);
	errno = 0;
	if (rc == 0 && (fill(a.f, arg) || ferror(a.f))) {
		int err = errno;
		kit_atomic_abort(&a);
		kit_error("cannot write '%s': %s; nothing was written there", path,
			  err ? strerror(err) : "a write failed (is the disk full?)");
		rc = -1;
	} else if (rc == 0)
		rc = kit_atomic_commit(&a);
	free(path);
	return rc;
}

typedef struct bytes {
	const void *data;
	size_t size;
} bytes;

static int fill_bytes(FILE *f, void *arg)
{
	const bytes *b = arg;
	return b->size && fwrite(b->data, 1, b->size, f) != b->size ? -1 : 0;
}

int kit_ex_write_exact(const char *dir, const char *name, const void *data, size_t size)
{
	bytes b = { data, size };
	return kit_ex_write_with(dir, name, fill_bytes, &b);
}

void kit_ex_json_add_u64(struct cJSON *obj, const char *key, uint64_t v)
{
	char s[24];
	snprintf(s, sizeof(s), "%llu", (unsigned long long)v);
	if (v <= (UINT64_C(1) << 53))
		cJSON_AddRawToObject(obj, key, s);
	else
		cJSON_AddStringToObject(obj, key, s);
}

void kit_ex_json_add_u64_text(struct cJSON *obj, const char *key, uint64_t v)
{
	char s[24];
	snprintf(s, sizeof(s), "%llu", (unsigned long long)v);
	cJSON_AddStringToObject(obj, key, s);
}

int kit_ex_json_u64_text(const struct cJSON *obj, const char *key, uint64_t *out, kit_buf *msg)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	const char *s = cJSON_IsString(v) ? v->valuestring : NULL;
	size_t len = s ? strspn(s, "0123456789") : 0;
	if (!s || !len || s[len] || len > 20 || (len == 20 && strcmp(s, "18446744073709551615") > 0)) {
		kit_buf_printf(msg, "result.json's \"%s\" is not a whole number in decimal digits "
			       "(a string, 0 to 2^64 - 1)", key);
		return -1;
	}
	*out = strtoull(s, NULL, 10);
	return 0;
}

int kit_ex_json_i64(const struct cJSON *obj, const char *key, int64_t *out, kit_buf *msg)
{
	double d;
	if (kit_ex_json_double(obj, key, &d, msg))
		return -1;
	if (fabs(d) > 9007199254740992.0 || d != floor(d)) {
		kit_buf_printf(msg, "result.json's \"%s\" is %g, not a whole number from -2^53 to "
			       "2^53", key, d);
		return -1;
	}
	*out = (int64_t)d;
	return 0;
}

size_t kit_ex_count_diff(const void *got, const void *want, size_t n, size_t elem,
			 size_t *first)
{
	const unsigned char *g = got, *w = want;
	size_t bad = 0;
	for (size_t i = 0; i < n; i++)
		if (memcmp(g + i * elem, w + i * elem, elem) && !bad++ && first)
			*first = i;
	return bad;
}

uint64_t kit_ex_fingerprint(const void *data, size_t size)
{
	const unsigned char *p = data;
	uint64_t h = UINT64_C(14695981039346656037), w;
	for (; size >= 8; p += 8, size -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * UINT64_C(1099511628211);
	}
	for (; size; p++, size--)
		h = (h ^ *p) * UINT64_C(1099511628211);
	return h;
}

/* ------------------------------------------------------------------------
 * Child processes of a run
 */

static _Atomic unsigned *forks;	/* shared: each child adds one as it starts */
static double cpu_before;

static void note_fork(void)
{
	if (forks)
		atomic_fetch_add(forks, 1);
}

double kit_ex_children_cpu(void)
{
	return kit_children_cputime();
}

void kit_ex_children_begin(void)
{
	if (!forks) {
		forks = kit_shared_alloc(sizeof(*forks));
		pthread_atfork(NULL, NULL, note_fork);
	}
	atomic_store(forks, 0);
	cpu_before = kit_ex_children_cpu();
}

kit_ex_children kit_ex_children_end(void)
{
	return (kit_ex_children){ .forked = forks ? atomic_load(forks) : 0,
				  .cpu = kit_ex_children_cpu() - cpu_before };
}

void kit_ex_children_emit(const kit_ex_children *k, struct cJSON *out)
{
	cJSON_AddNumberToObject(out, "children", k->forked);
	cJSON_AddNumberToObject(out, "child_cpu_s", k->cpu);
}

bool kit_ex_children_verify(const struct cJSON *result, const kit_ex_ctx *c, kit_buf *msg)
{
	uint64_t n;
	double cpu;
	kit_buf why = { 0 };	/* MSG keeps what passed unless this fails */
	bool ok = false;
	uint64_t want = c->procs < 2 ? 1 : 2;
	if (kit_ex_json_u64(result, "children", &n, &why) ||
	    kit_ex_json_double(result, "child_cpu_s", &cpu, &why))
		ok = false;
	else if (n >= want && cpu > 0)
		ok = true;
	else
		kit_buf_printf(&why, "the work ran in this process: %llu child process%s forked "
			       "(%d asked for), %.3f s of CPU in children", (unsigned long long)n,
			       n == 1 ? "" : "es", c->procs, cpu);
	if (!ok) {	/* only this failure, not what passed before */
		msg->len = 0;
		kit_buf_add_str(msg, kit_buf_str(&why));
	}
	kit_buf_free(&why);
	return ok;
}

/* ------------------------------------------------------------------------
 * Ready-made callbacks and checks
 */

kit_ex_work kit_ex_work_samples(const kit_ex_ctx *c)
{
	return (kit_ex_work){ .samples = (double)c->n };
}

bool kit_ex_same_double(double got, double want, kit_buf *msg)
{
	if (memcmp(&got, &want, sizeof(got)) == 0) {
		kit_buf_printf(msg, "%.17g, the defined answer", got);
		return true;
	}
	kit_buf_printf(msg, "%.17g, not the defined %.17g (off by %.3g)", got, want, got - want);
	return false;
}

int kit_ex_n_at_most(const kit_ex_ctx *c, uint64_t most, const char *what)
{
	if (c->n <= most)
		return 0;
	kit_error("-n %llu is too large for the %s kernel: at most %llu %s (choose a smaller -n)",
		  (unsigned long long)c->n, c->ex->kernels[c->kernel].name,
		  (unsigned long long)most, what);
	return -1;
}
