/*
 * pi_protocol.c - the grader's run-and-check protocol for exercise 01, until
 * the common exercise driver provides it (a stand-in kept minimal):
 *
 *   pi --kernel K [-n N] [--seed S] [--procs P] --emit DIR
 *       runs kernel K once and writes DIR/result.json:
 *       {"exercise", "kernel", "n", "seed", "threads", "result": {"hits"}}
 *   pi --kernel K [-n N] [--seed S] --verify DIR[,DIR...]
 *       (the reference) reads each DIR/result.json as untrusted data and
 *       compares: serial, streams, same and processes exactly with its own
 *       count (streams at the thread count it runs at), reduction (rand()
 *       behind a lock, no defined order) within 5 standard errors of pi; with
 *       several DIRs every count must also be the same. One line, PASS: or
 *       FAIL:, exit 0 pass, 1 fail, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "kit.h"
#include "pi.h"
#include "pi_rng.h"

#define RESULT_MAX 65536	/* bytes of result.json read */

int pi_protocol(int argc, char **argv);

static const char *const names[] = { "serial", "reduction", "streams", "same", "processes" };

static int kernel_of(const char *s)
{
	for (int k = 0; k < 5; k++)
		if (s && !strcmp(s, names[k]))
			return k;
	return -1;
}

static int run(int k, uint64_t n, uint64_t seed, int procs, uint64_t *hits)
{
	switch (k) {
	case 0: *hits = pi_serial(n, seed); return 0;
	case 1: *hits = pi_reduction(n, seed); return 0;
	case 2: *hits = pi_streams(n, seed); return 0;
	case 3: *hits = pi_same_answer(n, seed); return 0;
	default: return pi_processes(n, seed, procs, hits);
	}
}

static int emit(const char *dir, int k, uint64_t n, uint64_t seed, int procs)
{
	uint64_t hits = 0;
	if (run(k, n, seed, procs, &hits))
		return KIT_EXIT_INVALID;
	char *path = kit_xasprintf("%s/result.json", dir);
	char *text = kit_xasprintf("{\"exercise\": \"01-monte-carlo-pi\", \"kernel\": \"%s\", "
				   "\"n\": %" PRIu64 ", \"seed\": %" PRIu64 ", \"threads\": %d, "
				   "\"result\": {\"hits\": %" PRIu64 "}}\n", names[k], n, seed,
				   kit_omp_max_threads(), hits);
	int rc = kit_write_file(path, text) ? KIT_EXIT_INVALID : KIT_EXIT_OK;
	free(text);
	free(path);
	return rc;
}

/* The hits DIR/result.json claims for (K, N, SEED); -1 with *WHY set. */
static int read_hits(const char *dir, int k, uint64_t n, uint64_t seed, uint64_t *hits,
		     char **why)
{
	char *path = kit_xasprintf("%s/result.json", dir);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	free(path);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > RESULT_MAX) {
		*why = kit_xstrdup("your program wrote no result.json (or not a small file)");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	char *buf = kit_xcalloc(1, RESULT_MAX + 1);
	ssize_t got = read(fd, buf, RESULT_MAX);
	close(fd);
	cJSON *j = got > 0 ? cJSON_Parse(buf) : NULL;
	free(buf);
	const cJSON *kn = cJSON_GetObjectItemCaseSensitive(j, "kernel");
	const cJSON *jn = cJSON_GetObjectItemCaseSensitive(j, "n");
	const cJSON *js = cJSON_GetObjectItemCaseSensitive(j, "seed");
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(j, "result");
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(res, "hits");
	int rc = -1;
	if (!j || !cJSON_IsString(kn) || !cJSON_IsNumber(jn) || !cJSON_IsNumber(js) ||
	    !cJSON_IsNumber(h))
		*why = kit_xstrdup("your result.json is not what pi --emit writes");
	else if (kernel_of(kn->valuestring) != k || jn->valuedouble != (double)n ||
		 js->valuedouble != (double)seed)
		*why = kit_xstrdup("your result.json is for another kernel, n or seed");
	else if (!(h->valuedouble >= 0 && h->valuedouble <= (double)n))
		*why = kit_xasprintf("your count %.0f is not between 0 and n = %" PRIu64,
				     h->valuedouble, n);
	else {
		*hits = (uint64_t)h->valuedouble;
		rc = 0;
	}
	cJSON_Delete(j);
	return rc;
}

static int verify(char *list, int k, uint64_t n, uint64_t seed, int procs)
{
	uint64_t first = 0, ref = 0;
	int ndirs = 0, threads = kit_omp_max_threads();
	bool exact = k != 1;
	if (exact && run(k == 4 ? 3 : k, n, seed, procs, &ref)) {
		printf("FAIL: the reference could not compute its own count\n");
		return 2;
	}
	char *save = NULL;
	for (char *d = strtok_r(list, ",", &save); d; d = strtok_r(NULL, ",", &save)) {
		uint64_t hits;
		char *why = NULL;
		if (read_hits(d, k, n, seed, &hits, &why)) {
			printf("FAIL: %s\n", why);
			free(why);
			return 1;
		}
		if (ndirs++ && hits != first) {
			printf("FAIL: your count differs between runs (%" PRIu64 " and %" PRIu64
			       "): a race, or threads sharing one generator?\n", first, hits);
			return 1;
		}
		first = hits;
		if (exact && hits != ref) {
			printf("FAIL: your count %" PRIu64 " differs from the reference's %" PRIu64
			       " at %d thread%s (n = %" PRIu64 "): %s\n", hits, ref, threads,
			       threads == 1 ? "" : "s", n,
			       k == 2 ? "are two threads drawing the same numbers, or is the "
					"schedule not static?"
				      : "lost or repeated samples: a race, or a wrong share?");
			return 1;
		}
		if (!exact) {
			double p = M_PI / 4, sigma = 4 * sqrt(p * (1 - p) / (double)n);
			double off = fabs(4.0 * (double)hits / (double)n - M_PI) / sigma;
			if (off > 5) {
				printf("FAIL: your estimate %.6f is %.1f standard errors from pi "
				       "(n = %" PRIu64 "): lost counts from a race?\n",
				       4.0 * (double)hits / (double)n, off, n);
				return 1;
			}
		}
	}
	if (!ndirs) {
		printf("FAIL: no output folder to check\n");
		return 2;
	}
	printf("PASS: %s count %" PRIu64 " for n = %" PRIu64 "%s%s\n", names[k], first, n,
	       exact ? ", the reference's exactly" : ", within 5 standard errors of pi",
	       ndirs > 1 ? ", the same in every run" : "");
	return 0;
}

int pi_protocol(int argc, char **argv)
{
	const char *emit_dir = NULL, *verify_list = NULL;
	int k = -1, procs = 0;
	uint64_t n = 20000000, seed = 2026, u;
	for (int i = 1; i + 1 < argc; i++) {
		const char *a = argv[i], *v = argv[i + 1];
		if (!strcmp(a, "--emit"))
			emit_dir = v;
		else if (!strcmp(a, "--verify"))
			verify_list = v;
	}
	if (!emit_dir && !verify_list)
		return -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v) {
			kit_error("'%s' needs a value, or is not a protocol option", a);
			return KIT_EXIT_USAGE;
		}
		i++;
		if (!strcmp(a, "--kernel")) {
			if ((k = kernel_of(v)) < 0) {
				kit_error("--kernel must be serial, reduction, streams, same or "
					  "processes, not '%s'", v);
				return KIT_EXIT_USAGE;
			}
		} else if (!strcmp(a, "-n")) {
			if (kit_parse_u64(v, "-n (samples)", 1, UINT64_C(10000000000000), &n))
				return KIT_EXIT_USAGE;
		} else if (!strcmp(a, "--seed")) {
			if (kit_parse_u64(v, "--seed", 0, UINT64_MAX, &seed))
				return KIT_EXIT_USAGE;
		} else if (!strcmp(a, "--procs")) {
			if (kit_parse_u64(v, "--procs", 1, 256, &u))
				return KIT_EXIT_USAGE;
			procs = (int)u;
		} else if (strcmp(a, "--emit") && strcmp(a, "--verify")) {
			kit_error("unknown option '%s' with --emit or --verify", a);
			return KIT_EXIT_USAGE;
		}
	}
	if (k < 0) {
		kit_error("--emit and --verify need --kernel");
		return KIT_EXIT_USAGE;
	}
	if (!procs)
		procs = kit_omp_max_threads();
	if (emit_dir)
		return emit(emit_dir, k, n, seed, procs);
	char *list = kit_xstrdup(verify_list);
	int rc = verify(list, k, n, seed, procs);
	free(list);
	return rc;
}
