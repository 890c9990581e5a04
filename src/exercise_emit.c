/*
 * exercise_emit.c - --emit DIR, --verify DIR[,DIR...] and the readers of untrusted emitted
 * files (exercise.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "exercise.h"
#include "exercise_internal.h"
#include "kit.h"

/* ------------------------------------------------------------------------
 * --emit DIR
 */

bool is_dir(const char *path)
{
	struct stat st;
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* A double written with 17 significant digits, so that reading it back gives
 * the same bits (cJSON's own printing may keep only 15). */
static void add_double(cJSON *o, const char *key, double v)
{
	char s[40];
	if (!isfinite(v)) {
		cJSON_AddNumberToObject(o, key, v);
		return;
	}
	snprintf(s, sizeof(s), "%.17g", v);
	cJSON_AddRawToObject(o, key, s);
}

static int write_result_json(const drv *d, runner *r, const char *dir)
{
	cJSON *root = cJSON_CreateObject(), *res = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "exercise", d->ex->name);
	cJSON_AddStringToObject(root, "kernel", kern(d, r->c.kernel)->name);
	kit_ex_json_add_u64(root, "n", r->c.n);
	kit_ex_json_add_u64(root, "seed", r->c.seed);
	cJSON_AddNumberToObject(root, "threads", r->c.threads);
	if (kern(d, r->c.kernel)->flags & KIT_EX_PROCESSES)
		cJSON_AddNumberToObject(root, "procs", r->c.procs);
	cJSON_AddItemToObject(root, "result", res);
	int rc = 0;
	if (d->ex->emit)
		rc = d->ex->emit(r->prob, &r->c, r->result, res, dir);
	else if (d->ex->result_is_double)
		add_double(res, d->ex->result_name, *(const double *)r->result);
	else
		kit_ex_json_add_u64(res, d->ex->result_name, *(const uint64_t *)r->result);
	if (rc == 0) {
		char *text = cJSON_Print(root), *path = kit_xasprintf("%s/result.json", dir);
		char *line = kit_xasprintf("%s\n", text);
		rc = kit_write_file(path, line);
		free(line);
		free(text);
		free(path);
	}
	cJSON_Delete(root);
	return rc;
}

int do_emit(const drv *d)
{
	if (!d->ex->emit && !d->ex->result_name) {
		kit_error("%s has no --emit yet (its descriptor gives no emit callback)",
			  d->ex->program);
		return KIT_EXIT_USAGE;
	}
	if (!is_dir(d->emit)) {
		kit_error("--emit '%s' is not a folder; make it first (mkdir)", d->emit);
		return KIT_EXIT_USAGE;
	}
	runner r;
	if (runner_open(&r, d, d->kernel, true, kit_omp_max_threads()))
		return KIT_EXIT_USAGE;
	int rc = KIT_EXIT_OK;
	if (runner_run(&r))
		rc = KIT_EXIT_INVALID;
	else if (write_result_json(d, &r, d->emit))
		rc = KIT_EXIT_USAGE;
	runner_close(&r);
	return rc;
}

/* ------------------------------------------------------------------------
 * --verify DIR[,DIR...]
 */

/* One emitted folder, as read and judged. */
typedef struct emitted {
	char *dir;
	int threads;
	unsigned char *got;
} emitted;

/* KEY of the student's result.json equals WANT (a number or its digits). */
static int header_u64(const cJSON *j, const char *key, uint64_t want, kit_buf *msg)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
	uint64_t got;
	if (cJSON_IsString(v)) {
		char *end;
		errno = 0;
		got = strtoull(v->valuestring, &end, 10);
		if (errno || *end || !*v->valuestring) {
			kit_buf_printf(msg, "result.json's \"%s\" is not a whole number", key);
			return -1;
		}
	} else if (kit_ex_json_u64(j, key, &got, msg))
		return -1;
	if (got != want) {
		kit_buf_printf(msg, "result.json says %s = %llu, but the run asked for %llu", key,
			       (unsigned long long)got, (unsigned long long)want);
		return -1;
	}
	return 0;
}

/* Checks result.json's header against the run D asked for. */
static int check_header(const drv *d, const kit_ex_ctx *c, const cJSON *j, int *threads,
			kit_buf *msg)
{
	const cJSON *ex = cJSON_GetObjectItemCaseSensitive(j, "exercise");
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(j, "kernel");
	uint64_t t;
	if (!cJSON_IsObject(j)) {
		kit_buf_add_str(msg, "result.json is not a JSON object");
		return -1;
	}
	if (!cJSON_IsString(ex) || strcmp(ex->valuestring, d->ex->name)) {
		kit_buf_printf(msg, "result.json is not from exercise %s", d->ex->name);
		return -1;
	}
	if (!cJSON_IsString(k) || strcmp(k->valuestring, kern(d, c->kernel)->name)) {
		kit_buf_printf(msg, "result.json is not from kernel %s", kern(d, c->kernel)->name);
		return -1;
	}
	if (header_u64(j, "n", c->n, msg) || header_u64(j, "seed", c->seed, msg) ||
	    kit_ex_json_u64(j, "threads", &t, msg))
		return -1;
	if (t < 1 || t > MAX_THREADS) {
		kit_buf_printf(msg, "result.json says threads = %llu", (unsigned long long)t);
		return -1;
	}
	*threads = (int)t;
	if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(j, "result"))) {
		kit_buf_add_str(msg, "result.json has no \"result\" object");
		return -1;
	}
	return 0;
}

/* The default verify of a one-number result: read it, then validate. */
static int verify_scalar(const drv *d, runner *r, const cJSON *res, void *got, kit_buf *msg)
{
	const kit_exercise *ex = d->ex;
	int rc = ex->result_is_double ? kit_ex_json_double(res, ex->result_name, got, msg)
				      : kit_ex_json_u64(res, ex->result_name, got, msg);
	if (rc)
		return KIT_FAIL;
	return ex->validate(r->prob, &r->c, got, msg) ? KIT_PASS : KIT_FAIL;
}

/* Reads and judges E->dir. KIT_PASS, KIT_FAIL, or -1 (the reference failed). */
static int verify_one(const drv *d, runner *r, emitted *e, kit_buf *msg)
{
	char *text = kit_ex_read_text(e->dir, "result.json", KIT_EX_MAX_JSON, NULL, msg);
	if (!text)
		return KIT_FAIL;
	cJSON *j = cJSON_Parse(text);
	free(text);
	int v = KIT_FAIL;
	if (!j)
		kit_buf_add_str(msg, "result.json is not valid JSON");
	else if (check_header(d, &r->c, j, &e->threads, msg) == 0) {
		r->c.threads = e->threads;
		r->c.procs = d->procs ? d->procs : e->threads;	/* --procs as asked */
		r->c.exact = true;
		const char *san = getenv("KIT_VERIFY_SANITIZED");
		r->c.sanitized = san && !strcmp(san, "1");
		const cJSON *res = cJSON_GetObjectItemCaseSensitive(j, "result");
		v = d->ex->verify ? d->ex->verify(r->prob, &r->c, e->dir, res, e->got, msg)
				  : verify_scalar(d, r, res, e->got, msg);
	}
	cJSON_Delete(j);
	return v;
}

/* Splits the comma-separated LIST into E (at most MAX_DIRS). Count, or -1. */
static int split_dirs(const char *list, emitted *e, size_t size)
{
	int n = 0;
	for (const char *p = list; *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (!len || n == MAX_DIRS) {
			kit_error("--verify must be a list of 1 to %d folders separated by commas, "
				  "not '%s'", MAX_DIRS, list);
			return -1;
		}
		e[n].dir = kit_xasprintf("%.*s", (int)len, p);
		e[n++].got = kit_xcalloc(1, size);
		p += len + (comma != NULL);
	}
	return n;
}

/* With several DIRs: the same result where the kernel promises it. */
static bool same_where_promised(const drv *d, const emitted *e, int n, kit_buf *msg)
{
	unsigned f = kern(d, d->kernel)->flags;
	size_t size = d->ex->result_size;
	kit_buf a = { 0 }, b = { 0 };
	for (int i = 1; i < n; i++)
		for (int j = 0; j < i; j++) {
			bool promised = (f & KIT_EX_SAME_ANY) ||
					((f & KIT_EX_REPEATABLE) && e[i].threads == e[j].threads);
			if (!promised || !memcmp(e[i].got, e[j].got, size))
				continue;
			kit_buf_printf(msg, "%s (%d thread%s) holds %s but %s (%d thread%s) holds "
				       "%s; %s promises the same result %s", e[j].dir, e[j].threads,
				       plural(e[j].threads), describe(d, e[j].got, &a), e[i].dir,
				       e[i].threads, plural(e[i].threads), describe(d, e[i].got, &b),
				       kern(d, d->kernel)->func,
				       (f & KIT_EX_SAME_ANY) ? "at any thread count"
							     : "at a fixed thread count");
			kit_buf_free(&a);
			kit_buf_free(&b);
			return false;
		}
	return true;
}

static int verify_all(const drv *d, runner *r, emitted *e, int n)
{
	kit_buf first = { 0 };
	for (int i = 0; i < n; i++) {
		kit_buf m = { 0 };
		int v = verify_one(d, r, &e[i], &m);
		if (v != KIT_PASS) {
			if (v < 0)
				kit_error("cannot check %s: %s", e[i].dir, kit_buf_str(&m));
			else
				printf("FAIL: %s: %s; %s\n", e[i].dir, kit_buf_str(&m), hint_of(d, d->kernel));
			kit_buf_free(&m);
			kit_buf_free(&first);
			return v < 0 ? KIT_EXIT_USAGE : KIT_EXIT_INVALID;
		}
		if (i == 0)
			kit_buf_add_str(&first, kit_buf_str(&m));
		kit_buf_free(&m);
	}
	kit_buf m = { 0 };
	int rc = KIT_EXIT_OK;
	if (!same_where_promised(d, e, n, &m)) {
		printf("FAIL: %s; %s\n", kit_buf_str(&m), hint_of(d, d->kernel));
		rc = KIT_EXIT_INVALID;
	} else if (n > 1)
		printf("PASS: %s: %s; %d folders checked\n", kern(d, d->kernel)->name,
		       kit_buf_str(&first), n);
	else
		printf("PASS: %s: %s\n", kern(d, d->kernel)->name, kit_buf_str(&first));
	kit_buf_free(&m);
	kit_buf_free(&first);
	return rc;
}

int do_verify(const drv *d)
{
	if (!d->ex->verify && !d->ex->result_name) {
		kit_error("%s has no --verify yet (its descriptor gives no verify callback)",
			  d->ex->program);
		return KIT_EXIT_USAGE;
	}
	emitted e[MAX_DIRS] = { { 0 } };
	int n = split_dirs(d->verify, e, d->ex->result_size ? d->ex->result_size : 1);
	if (n < 0)
		return KIT_EXIT_USAGE;
	runner r;
	int rc = KIT_EXIT_USAGE;
	if (runner_open(&r, d, d->kernel, true, kit_omp_max_threads()) == 0) {
		rc = verify_all(d, &r, e, n);
		runner_close(&r);
	}
	for (int i = 0; i < n; i++) {
		free(e[i].dir);
		free(e[i].got);
	}
	return rc;
}

/* ------------------------------------------------------------------------
 * Reading untrusted emitted files
 */

/* Opens DIR/NAME for reading if it is a regular file; its size in *SIZE. */
static FILE *open_regular(const char *dir, const char *name, size_t *size, kit_buf *msg)
{
	char *path = kit_xasprintf("%s/%s", dir, name);
	struct stat st;
	FILE *f = NULL;
	/* O_NOFOLLOW: no link; O_NONBLOCK: a FIFO cannot block the open; then the
	 * opened file itself is checked, so nothing can be swapped in between. */
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		kit_buf_printf(msg, "%s is missing from %s", name, dir);
	else if (fd < 0 && errno == ELOOP)
		kit_buf_printf(msg, "%s in %s is a symbolic link, not a regular file", name, dir);
	else if (fd < 0)
		kit_buf_printf(msg, "cannot read %s in %s: %s", name, dir, strerror(errno));
	else if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		kit_buf_printf(msg, "%s in %s is not a regular file", name, dir);
	else if (fcntl(fd, F_SETFL, 0) || !(f = fdopen(fd, "rb")))
		kit_buf_printf(msg, "cannot read %s in %s: %s", name, dir, strerror(errno));
	else
		*size = (size_t)st.st_size;
	if (!f && fd >= 0)
		close(fd);
	free(path);
	return f;
}

int kit_ex_read_exact(const char *dir, const char *name, void *buf, size_t size,
		      kit_buf *msg)
{
	size_t have = 0;
	FILE *f = open_regular(dir, name, &have, msg);
	if (!f)
		return -1;
	int rc = -1;
	if (have != size)
		kit_buf_printf(msg, "%s holds %zu bytes; expected %zu", name, have, size);
	else if (fread(buf, 1, size, f) != size || fgetc(f) != EOF)
		kit_buf_printf(msg, "%s changed while it was read", name);
	else
		rc = 0;
	fclose(f);
	return rc;
}

char *kit_ex_read_text(const char *dir, const char *name, size_t limit, size_t *len,
		       kit_buf *msg)
{
	size_t have = 0;
	FILE *f = open_regular(dir, name, &have, msg);
	if (!f)
		return NULL;
	char *s = NULL;
	if (have > limit)
		kit_buf_printf(msg, "%s holds %zu bytes, more than the %zu allowed", name, have,
			       limit);
	else {
		s = kit_xmalloc(have + 1);
		size_t got = fread(s, 1, have, f);
		if (got != have || fgetc(f) != EOF || memchr(s, '\0', got)) {
			kit_buf_printf(msg, "%s changed while it was read, or holds a NUL byte", name);
			free(s);
			s = NULL;
		} else {
			s[got] = '\0';
			if (len)
				*len = got;
		}
	}
	fclose(f);
	return s;
}

int kit_ex_json_double(const cJSON *obj, const char *key, double *out, kit_buf *msg)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
		kit_buf_printf(msg, "result.json has no number \"%s\"", key);
		return -1;
	}
	*out = v->valuedouble;
	return 0;
}

int kit_ex_json_u64(const cJSON *obj, const char *key, uint64_t *out, kit_buf *msg)
{
	double d;
	if (kit_ex_json_double(obj, key, &d, msg))
		return -1;
	if (d < 0 || d > 9007199254740992.0 || d != floor(d)) {
		kit_buf_printf(msg, "result.json's \"%s\" is %g, not a whole number from 0 to 2^53",
			       key, d);
		return -1;
	}
	*out = (uint64_t)d;
	return 0;
}

