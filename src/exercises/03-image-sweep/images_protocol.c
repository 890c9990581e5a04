/*
 * images_protocol.c - exercise 03's side of the grader's protocol:
 * --make-inputs, --emit, --verify (images_driver.h says what each promises).
 */
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "exercise.h"
#include "imagegen.h"
#include "images.h"
#include "images_driver.h"
#include "kit.h"

/* ------------------------------------------------------------------------
 * The grader's protocol: --make-inputs, --emit, --verify
 */

#define RESULT_MAX (4u << 20)	/* the largest result.json --verify reads */
#define INPUTS_W 640		/* --make-inputs: the largest size by default */
#define INPUTS_H 480
#define MEDIAN_SAMPLES 64	/* --mpixels: rounds hashed, spread over the run */

static uint64_t seed_hash(uint64_t seed, uint64_t i)
{
	uint64_t z = seed * UINT64_C(0x9e3779b97f4a7c15) + i + 1;
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* --make-inputs DIR: COUNT PNGs of every kind in turn, sizes and pictures
 * drawn from the seed, up to --size (default 640x480). */
int make_inputs(const struct options *o)
{
	if (kit_mkdirs(o->make_inputs))
		return KIT_EXIT_USAGE;
	int count = o->count ? (int)o->count : IMAGEGEN_KINDS;
	int maxw = o->size_set ? o->w : INPUTS_W, maxh = o->size_set ? o->h : INPUTS_H;
	for (int i = 0; i < count; i++) {
		uint64_t z = seed_hash(o->seed, (uint64_t)i);
		int w = maxw / 2 + (int)(z % (uint64_t)(maxw - maxw / 2 + 1));
		int h = maxh / 2 + (int)((z >> 20) % (uint64_t)(maxh - maxh / 2 + 1));
		char *path = kit_xasprintf("%s/%02d-%s.png", o->make_inputs, i + 1,
					   imagegen_kind_name(i));
		int rc = imagegen_write_kind(path, w < 1 ? 1 : w, h < 1 ? 1 : h,
					     (int)((z >> 40) % 1000), i);
		free(path);
		if (rc)
			return KIT_EXIT_USAGE;
	}
	if (!o->quiet)
		fprintf(stderr, "%s: wrote %d PNG%s of %d kinds into '%s' (seed %llu)\n",
			kit_progname(), count, count == 1 ? "" : "s",
			count < IMAGEGEN_KINDS ? count : IMAGEGEN_KINDS, o->make_inputs,
			(unsigned long long)o->seed);
	return KIT_EXIT_OK;
}

/* The hash of the N doubles at M, bit for bit (FNV-1a on 64-bit words). */
static uint64_t hash_doubles(const double *m, size_t n)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	for (size_t k = 0; k < n; k++) {
		uint64_t b;
		memcpy(&b, &m[k], sizeof(b));
		h = (h ^ b) * UINT64_C(0x100000001b3);
	}
	return h;
}

/* The hash of image I's median: the student's image_median (STUDENT, again
 * until MPIXELS million pixels are done, at least once) or the exact one (median3 here). 0 with *HASH; -1 when the image
 * cannot be read or has no three channels (no median of the student's). */
static int median_hash(const struct imageset *s, int i, bool student, int mpixels,
		       uint64_t *hash, int *differ)
{
	kit_png_pixels p;
	char why[256];
	if (s->kind[i] != REF_COLOUR || s->channels[i] != 3 ||
	    load_png(s->paths[i], &p, why, sizeof(why)))
		return -1;
	size_t n = (size_t)p.h * (size_t)p.w;
	double *m = kit_xmalloc((n ? n : 1) * sizeof(double));
	*differ = 0;
	if (student) {
		/* every round's median must be the first's: MEDIAN_SAMPLES of them,
		 * spread over the run, are hashed (a race shows in some rounds only) */
		double r = ceil(mpixels * 1e6 / (double)(n ? n : 1));
		int rounds = r > 1 ? (r < 1e7 ? (int)r : 10000000) : 1;
		int every = rounds > MEDIAN_SAMPLES ? rounds / MEDIAN_SAMPLES : 1;
		for (int k = 0; k < rounds; k++) {
			image_median(p.px, p.h, p.w, m);
			if (k == 0)
				*hash = hash_doubles(m, n);
			else if (k % every == 0 || k == rounds - 1)
				*differ += hash_doubles(m, n) != *hash;
		}
		free(m), free(p.px);
		return 0;
	} else {
		for (size_t k = 0; k < n; k++) {
			const unsigned char *c = p.px + 3 * k;
			int lo = c[0] < c[1] ? c[0] : c[1], hi = c[0] < c[1] ? c[1] : c[0];
			int mid = hi < c[2] ? hi : c[2];
			m[k] = lo > mid ? lo : mid;
		}
	}
	*hash = hash_doubles(m, n);
	free(m), free(p.px);
	return 0;
}

/* Writes ROOT as DIR/result.json. 0, or -1 after a message. */
static int write_result(const char *dir, cJSON *root)
{
	char *text = cJSON_Print(root), *path = kit_xasprintf("%s/result.json", dir);
	cJSON_Delete(root);
	int wrc = kit_write_file(path, text);
	free(text), free(path);
	return wrc ? -1 : 0;
}

/* --emit --kernel median: each RGB image through the student's image_median
 * (again until --mpixels million pixels are done), the last median hashed; nothing else runs (no signature,
 * no BLAS), so the threads seen are the student's loop's. */
static int emit_median(const struct options *o, const struct imageset *s, cJSON *root)
{
	cJSON *files = cJSON_AddArrayToObject(cJSON_AddObjectToObject(root, "result"), "files");
	for (int i = 0; i < s->n; i++) {
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "name", s->names[i]);
		uint64_t h;
		int differ;
		if (!median_hash(s, i, true, o->mpixels, &h, &differ)) {
			char hex[17];
			snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)h);
			cJSON_AddStringToObject(f, "median", hex);
			cJSON_AddNumberToObject(f, "rounds_differ", differ);
		}
		cJSON_AddItemToArray(files, f);
	}
	return write_result(o->emit, root) ? KIT_EXIT_USAGE : KIT_EXIT_OK;
}

/* --emit DIR: runs the kernel once and writes DIR/result.json, nothing
 * else: no check, no timing. */
int emit(const struct options *o, struct run *r, int procs)
{
	const struct imageset *s = r->set;
	const char *kernel = o->kernel ? o->kernel : "pool";
	int threads = kit_omp_max_threads(), rc = 0;
	cJSON *root = cJSON_CreateObject(), *res;
	cJSON_AddStringToObject(root, "exercise", "03-image-sweep");
	cJSON_AddStringToObject(root, "kernel", kernel);
	cJSON_AddNumberToObject(root, "n", s->n);
	kit_ex_json_add_u64(root, "seed", o->seed);
	cJSON_AddNumberToObject(root, "threads", threads);
	fflush(NULL);
	if (!strcmp(kernel, "median"))
		return emit_median(o, s, root);
	for (int i = 0; i < s->n; i++)
		r->results[i] = (pool_result){ .status = POOL_LOST };
	rc = pool_run(procs, threads, s->n, work, &r->ctx, r->results);
	/* workers that ended but were never waited for: zombies until now */
	int unwaited = 0;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		unwaited++;
	cJSON_AddNumberToObject(root, "procs", procs);
	res = cJSON_AddObjectToObject(root, "result");
	cJSON_AddNumberToObject(res, "unwaited", unwaited);
	cJSON *files = cJSON_AddArrayToObject(res, "files");
	int lost = 0;
	for (int i = 0; i < s->n; i++) {
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "name", s->names[i]);
		const pool_result *x = &r->results[i];
		if (x->status == POOL_DONE)
			cJSON_AddNumberToObject(f, "signature", (double)x->signature);
		else if (x->status == POOL_FAILED)
			cJSON_AddStringToObject(f, "error", s->why[i] ? s->why[i] : "failed");
		else
			cJSON_AddBoolToObject(f, "lost", 1), lost++;
		cJSON_AddNumberToObject(f, "calls", r->ctx.sh->e[i].calls);
		/* where work() ran: a worker process, or this one (no pool) */
		int pid = r->ctx.sh->e[i].pid;
		cJSON_AddBoolToObject(f, "in_worker", pid > 0 && pid != r->ctx.sh->parent);
		cJSON_AddItemToArray(files, f);
	}
	if (write_result(o->emit, root))
		return KIT_EXIT_USAGE;
	return rc || lost ? KIT_EXIT_INVALID : KIT_EXIT_OK;
}

/* Reads DIR/result.json as untrusted data: a regular file of at most
 * RESULT_MAX bytes, valid JSON. NULL with WHY. */
static cJSON *read_result(const char *dir, char *why, size_t len)
{
	char *path = kit_xasprintf("%s/result.json", dir);
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	cJSON *root = NULL;
	if (fd < 0)
		snprintf(why, len, "cannot open %s: %s", path, strerror(errno));
	else if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		snprintf(why, len, "%s is not a regular file", path);
	else if (st.st_size > (off_t)RESULT_MAX)
		snprintf(why, len, "%s holds %lld bytes, more than the %u a result may have",
			 path, (long long)st.st_size, RESULT_MAX);
	else {
		char *text = kit_xmalloc((size_t)st.st_size + 1);
		ssize_t got = read(fd, text, (size_t)st.st_size);
		text[got > 0 ? got : 0] = '\0';
		root = got == st.st_size ? cJSON_Parse(text) : NULL;
		if (!root)
			snprintf(why, len, "%s is not valid JSON", path);
		free(text);
	}
	if (fd >= 0)
		close(fd);
	free(path);
	return root;
}

/* What is wrong with the emitted median of image I (F: its entry: "median",
 * the hash, and "rounds_differ"; MED: the exact hashes) into MSG, or
 * nothing. */
static void median_problem(const struct imageset *s, const uint64_t *med, int i,
			   const cJSON *f, char *msg, size_t len)
{
	const cJSON *mh = cJSON_GetObjectItemCaseSensitive(f, "median");
	const cJSON *differ = cJSON_GetObjectItemCaseSensitive(f, "rounds_differ");
	bool rgb = s->kind[i] == REF_COLOUR && s->channels[i] == 3;
	char hex[17];
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)med[i]);
	if (rgb && !cJSON_IsString(mh))
		snprintf(msg, len, "'%s' (%d x %d, RGB) has no median", s->snames[i], s->w[i],
			 s->h[i]);
	else if (rgb && strcmp(mh->valuestring, hex))
		snprintf(msg, len, "the median of '%s' (%d x %d, RGB) is not the reference's: "
			 "m[y * w + x] must be the median of pixel (x, y)'s three bytes, for "
			 "every row", s->snames[i], s->w[i], s->h[i]);
	else if (rgb && (!cJSON_IsNumber(differ) || differ->valuedouble != 0))
		snprintf(msg, len, "the median of '%s' (%d x %d, RGB) changed from run to run "
			 "(%s%.0f of the rounds checked differ from the first): do threads share "
			 "something they write, a data race?", s->snames[i], s->w[i], s->h[i],
			 cJSON_IsNumber(differ) ? "" : "not said; ",
			 cJSON_IsNumber(differ) ? differ->valuedouble : 0.0);
	else if (!rgb && mh)
		snprintf(msg, len, "'%s' has no three colour channels, yet it has a median",
			 s->snames[i]);
}

/* Compares one emitted result with the exact signatures. 0, or 1 with WHY
 * in the student's words. */
static int verify_one(const struct options *o, const struct imageset *s, const uint64_t *med,
		      const cJSON *root, char *why, size_t len)
{
	const cJSON *ex = cJSON_GetObjectItemCaseSensitive(root, "exercise");
	const cJSON *kernel = cJSON_GetObjectItemCaseSensitive(root, "kernel");
	if (o->kernel && (!cJSON_IsString(kernel) || strcmp(kernel->valuestring, o->kernel))) {
		snprintf(why, len, "result.json holds a run of kernel '%s', not '%s'",
			 cJSON_IsString(kernel) ? kernel->valuestring : "(none)", o->kernel);
		return 1;
	}
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(root, "result");
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(res, "files");
	if (!cJSON_IsString(ex) || strcmp(ex->valuestring, "03-image-sweep") ||
	    !cJSON_IsArray(files)) {
		snprintf(why, len, "result.json is not a result of exercise 03 (no "
			 "\"result\": {\"files\": [...]})");
		return 1;
	}
	bool median = med != NULL;
	const cJSON *unwaited = cJSON_GetObjectItemCaseSensitive(res, "unwaited");
	if (!median && (!cJSON_IsNumber(unwaited) || unwaited->valuedouble != 0)) {
		if (cJSON_IsNumber(unwaited))
			snprintf(why, len, "%.0f worker process%s ended but %s never waited for "
				 "(waitpid): each stayed a zombie until your program ended",
				 unwaited->valuedouble, unwaited->valuedouble == 1 ? "" : "es",
				 unwaited->valuedouble == 1 ? "was" : "were");
		else
			snprintf(why, len, "result.json does not say whether every worker was "
				 "waited for (no \"unwaited\")");
		return 1;
	}
	int n = cJSON_GetArraySize(files), wrong = 0, seen_count = 0;
	char first[600] = "";
	char *seen = calloc((size_t)s->n + 1, 1);
	const cJSON *f;
	cJSON_ArrayForEach(f, files) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(f, "name");
		const cJSON *sig = cJSON_GetObjectItemCaseSensitive(f, "signature");
		const cJSON *err = cJSON_GetObjectItemCaseSensitive(f, "error");
		const cJSON *calls = cJSON_GetObjectItemCaseSensitive(f, "calls");
		const cJSON *inw = cJSON_GetObjectItemCaseSensitive(f, "in_worker");
		int i = 0;
		while (cJSON_IsString(name) && i < s->n && strcmp(s->names[i], name->valuestring))
			i++;
		char msg[600] = "";
		if (!cJSON_IsString(name) || i == s->n)
			snprintf(msg, sizeof(msg), "a file that is not among the inputs");
		else if (seen[i]++)
			snprintf(msg, sizeof(msg), "'%s' is reported twice", s->snames[i]);
		else if (median)
			median_problem(s, med, i, f, msg, sizeof(msg));
		else if (s->kind[i] != REF_BAD && !cJSON_IsTrue(inw))
			snprintf(msg, sizeof(msg), "'%s' was done in your program's own process, not "
				 "in a worker process: pool_run must fork the workers and let them "
				 "do the images", s->snames[i]);
		else if (!cJSON_IsNumber(calls) || calls->valuedouble != 1)
			snprintf(msg, sizeof(msg), "'%s' was worked on %s%.0f time%s: each image "
				 "must go to exactly one worker, once", s->snames[i],
				 cJSON_IsNumber(calls) ? "" : "(not said) ",
				 cJSON_IsNumber(calls) ? calls->valuedouble : 0.0,
				 cJSON_IsNumber(calls) && calls->valuedouble == 1 ? "" : "s");
		else if (!median && s->kind[i] == REF_BAD && !cJSON_IsString(err))
			snprintf(msg, sizeof(msg), "'%s' cannot be read (%s), yet it has no error",
				 s->snames[i], s->why[i]);
		else if (!median && s->kind[i] != REF_BAD && !cJSON_IsNumber(sig))
			snprintf(msg, sizeof(msg), "'%s' has no signature%s (expected %lld)",
				 s->snames[i], cJSON_IsString(err) ? ", an error instead" : "",
				 s->sig[i]);
		else if (!median && s->kind[i] != REF_BAD && sig->valuedouble != (double)s->sig[i])
			snprintf(msg, sizeof(msg), "'%s' has signature %.0f, the right one is %lld",
				 s->snames[i], sig->valuedouble, s->sig[i]);
		seen_count += msg[0] == '\0';
		if (msg[0] && !wrong++)
			snprintf(first, sizeof(first), "%s", msg);
	}
	free(seen);
	if (!wrong && (n != s->n || seen_count != s->n))
		snprintf(first, sizeof(first), "%d of the %d files reported", seen_count, s->n), wrong = 1;
	if (wrong)
		snprintf(why, len, "%s (%d problem%s among %d files)", first, wrong,
			 wrong == 1 ? "" : "s", s->n);
	return wrong ? 1 : 0;
}

/* How many images of S have three colour channels (a median of the student's). */
static int count_rgb(const struct imageset *s)
{
	int n = 0;
	for (int i = 0; i < s->n; i++)
		n += s->kind[i] == REF_COLOUR && s->channels[i] == 3;
	return n;
}

/* --verify DIR[,DIR2...]: every DIR right, hence all the same. */
int verify(const struct options *o, const struct imageset *s)
{
	char *list = kit_xstrdup(o->verify), *save = NULL;
	int ndirs = 0, bad = 0;
	bool median = o->kernel && !strcmp(o->kernel, "median");
	uint64_t *med = median ? calloc((size_t)s->n + 1, sizeof(*med)) : NULL;
	for (int i = 0; median && i < s->n; i++)
		if (median_hash(s, i, false, 1, &med[i], &(int){ 0 }))
			med[i] = 0;
	char why[1024] = "";
	for (char *d = strtok_r(list, ",", &save); d && !bad; d = strtok_r(NULL, ",", &save)) {
		ndirs++;
		char one[900];
		cJSON *root = read_result(d, one, sizeof(one));
		if (root)
			bad = verify_one(o, s, med, root, one, sizeof(one));
		else
			bad = 1;
		cJSON_Delete(root);
		if (bad)
			snprintf(why, sizeof(why), "%s: %s", d, one);
	}
	free(list), free(med);
	if (!ndirs) {
		kit_error("--verify needs one or more folders, separated by commas");
		return KIT_EXIT_USAGE;
	}
	int nbad = count_kind(s, REF_BAD);
	if (bad)
		printf("FAIL: %s\n", why);
	else if (median)
		printf("PASS: the median of %d RGB image%s exactly right, in %d result%s\n",
		       count_rgb(s), count_rgb(s) == 1 ? "" : "s", ndirs,
		       ndirs == 1 ? "" : "s (all the same)");
	else
		printf("PASS: %d signature%s exactly right, %d unreadable file%s reported as "
		       "errors, in %d result%s\n", s->n - nbad, s->n - nbad == 1 ? "" : "s", nbad,
		       nbad == 1 ? "" : "s", ndirs, ndirs == 1 ? "" : "s (all the same)");
	return bad ? KIT_EXIT_INVALID : KIT_EXIT_OK;
}
