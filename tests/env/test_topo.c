/*
 * test_topo.c - kit_topo_get is sane, kit_env_json has the documented fields
 * and survives a print/parse round trip, kit_env_print names the threads.
 * Run with OMP_NUM_THREADS=2 (meson.build).
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "kit.h"
#include "tap.h"

static const cJSON *get(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* X is the string S */
static int is(const cJSON *x, const char *s)
{
	return cJSON_IsString(x) && !strcmp(x->valuestring, s);
}

int main(void)
{
	kit_topo t, t2;
	kit_topo_get(&t);
	ok(t.cores >= 1, "at least one core");
	ok(t.pus >= t.cores, "logical CPUs >= cores");
	ok(t.packages >= 1 && t.packages <= t.cores, "1 <= packages <= cores");
	ok(t.l1d == -1 || (t.l1d >= 4096 && t.l1d <= (64L << 20)), "L1d unknown or plausible");
	ok(t.l2 == -1 || t.l1d == -1 || t.l2 > t.l1d, "L2 larger than L1d");
	ok(t.cpu_model[0] != '\0', "CPU model named");
	kit_topo_get(&t2);
	ok(!memcmp(&t, &t2, sizeof(t)), "second call returns the cached topology");

	cJSON *e = kit_env_json();
	ok(e && cJSON_IsObject(e), "kit_env_json returns an object");
	const char *strings[] = { "date", "host", "git", "compiler", "buildtype", "flags",
				  "sanitize", "governor" };
	int all = 1;
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		if (!cJSON_IsString(get(e, strings[i]))) {
			fprintf(stderr, "# missing string field %s\n", strings[i]);
			all = 0;
		}
	ok(all, "date, host, git, compiler, buildtype, flags, sanitize, governor are strings");
	const char *date = cJSON_GetStringValue(get(e, "date"));
	ok(date && strlen(date) == 20 && date[4] == '-' && date[10] == 'T' && date[19] == 'Z',
	   "date is ISO-8601 UTC");

	const cJSON *omp = get(e, "openmp");
	ok(cJSON_IsObject(omp) && cJSON_IsBool(get(omp, "enabled")) &&
	   cJSON_IsNumber(get(omp, "max_threads")) && cJSON_IsString(get(omp, "proc_bind")) &&
	   cJSON_IsBool(get(omp, "dynamic")) && cJSON_IsNumber(get(omp, "num_procs")),
	   "openmp has enabled, max_threads, proc_bind, dynamic, num_procs");
	if (kit_omp_enabled()) {
		ok(get(omp, "version")->valuedouble >= 200505, "openmp.version is _OPENMP");
		ok(get(omp, "max_threads")->valueint == 2, "openmp.max_threads follows OMP_NUM_THREADS=2");
	}
	const cJSON *env = get(e, "env");
	ok(cJSON_IsObject(env) &&
	   is(get(env, "OMP_NUM_THREADS"), "2") && is(get(env, "OPENBLAS_VERBOSE"), "0"),
	   "env holds OMP_* and OPENBLAS_* variables as set");
	const cJSON *cpu = get(e, "cpu");
	ok(cJSON_IsObject(cpu) && cJSON_IsString(get(cpu, "model")) &&
	   get(cpu, "cores") && get(cpu, "cores")->valueint == t.cores &&
	   get(cpu, "pus") && get(cpu, "pus")->valueint == t.pus &&
	   get(cpu, "packages") && get(cpu, "l1d") && get(cpu, "l2") && get(cpu, "l3"),
	   "cpu has model, packages, cores, pus, l1d, l2, l3");
	const cJSON *load = get(e, "load");
	ok(cJSON_IsArray(load) && cJSON_GetArraySize(load) == 3 &&
	   cJSON_GetArrayItem(load, 0)->valuedouble >= 0, "load is [1, 5, 15] minutes");
	const cJSON *blas = get(e, "blas");
	ok(cJSON_IsObject(blas) && cJSON_IsFalse(get(blas, "linked")),
	   "blas.linked is false in a program that does not link OpenBLAS");

	char *text = cJSON_Print(e);
	cJSON *back = text ? cJSON_Parse(text) : NULL;
	ok(back && cJSON_Compare(e, back, 1), "the snapshot prints as JSON that parses back equal");
	free(text);
	cJSON_Delete(back);
	cJSON_Delete(e);

	char buf[4096] = "";
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
	kit_env_print(f);
	fclose(f);
	fprintf(stderr, "%s", buf);
	ok(strstr(buf, "CPU ") != NULL, "kit_env_print names the CPU");
	if (kit_omp_enabled())
		ok(strstr(buf, "threads   2 (omp_get_max_threads; OMP_NUM_THREADS=2)") != NULL,
		   "kit_env_print shows the threads and OMP_NUM_THREADS");
	ok(strstr(buf, "OpenBLAS") == NULL, "no OpenBLAS line when it is not linked");
	return tap_done();
}
