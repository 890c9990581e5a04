/*
 * test_blas.c - the OpenBLAS this kit links is the OpenMP variant, follows
 * OMP_NUM_THREADS, and kit_blas_get / kit_env_json report it as it is.
 * Usage: test-env-blas EXPECTED_THREADS [EXPECTED_CORE]
 * (meson runs it with OMP_NUM_THREADS=EXPECTED_THREADS).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "kit.h"
#include "tap.h"

/* Called directly too: that keeps OpenBLAS linked (--as-needed) and gives
 * the answer kit_blas_get must find through dlsym. */
int openblas_get_parallel(void);
int openblas_get_num_threads(void);
char *openblas_get_corename(void);

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test-env-blas EXPECTED_THREADS [EXPECTED_CORE]\n");
		return 2;
	}
	int want = atoi(argv[1]);
	long procs = sysconf(_SC_NPROCESSORS_ONLN);
	if (procs > 0 && want > procs)
		want = (int)procs;	/* OpenBLAS caps its threads at the CPUs */

	kit_blas_info b;
	kit_blas_get(&b);
	ok(b.linked, "kit_blas_get finds the linked OpenBLAS");
	ok(b.parallel == openblas_get_parallel(), "parallel as openblas_get_parallel says");
	ok(b.parallel == 2, "OpenBLAS is the OpenMP variant (openblas_get_parallel() == 2)");
	ok(strstr(b.config, "USE_OPENMP") != NULL, "its config says USE_OPENMP");
	ok(!strcmp(b.core, openblas_get_corename()), "core as openblas_get_corename says");
	ok(b.threads == want, "openblas_get_num_threads follows OMP_NUM_THREADS");
	if (b.threads != want)
		fprintf(stderr, "# threads %d, expected %d\n", b.threads, want);
	ok(b.fallback == (b.fix[0] != '\0'), "a fix is given exactly when the core is a fallback");
	if (b.fallback)
		ok(!strcmp(b.fix, "OPENBLAS_CORETYPE=SkylakeX") ||
		   !strcmp(b.fix, "OPENBLAS_CORETYPE=Haswell"), "the fix names a core type");
	if (argc > 2) {
		ok(!strcasecmp(b.core, argv[2]), "OPENBLAS_CORETYPE selects the core");
		ok(!b.fallback, "a chosen AVX2 core is no fallback");
	}

	cJSON *e = kit_env_json();
	const cJSON *blas = cJSON_GetObjectItemCaseSensitive(e, "blas");
	const cJSON *variant = cJSON_GetObjectItemCaseSensitive(blas, "variant");
	const cJSON *threads = cJSON_GetObjectItemCaseSensitive(blas, "threads");
	ok(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(blas, "linked")), "snapshot: blas.linked");
	ok(cJSON_IsString(variant) && !strcmp(variant->valuestring, "openmp"),
	   "snapshot: blas.variant is \"openmp\"");
	ok(cJSON_IsNumber(threads) && threads->valueint == want, "snapshot: blas.threads");
	ok(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(blas, "core")) &&
	   cJSON_IsString(cJSON_GetObjectItemCaseSensitive(blas, "config")) &&
	   cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(blas, "fallback")) &&
	   cJSON_IsString(cJSON_GetObjectItemCaseSensitive(blas, "fix")),
	   "snapshot: blas has config, core, fallback, fix");
	cJSON_Delete(e);

	char buf[4096] = "";
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
	kit_env_print(f);
	fclose(f);
	fprintf(stderr, "%s", buf);
	ok(strstr(buf, "OpenBLAS  0.") && strstr(buf, "OpenMP variant"),
	   "kit_env_print shows the OpenBLAS line");
	return tap_done();
}
