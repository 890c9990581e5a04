/*
 * env.c - the environment a result was measured in (kit.h): topology and
 * caches from hwloc, OpenBLAS as linked into this process (found at run time
 * with dlsym, so libkit never links it), the JSON snapshot stored with every
 * result, and the configuration lines every program prints first.
 *
 * libkit must not link OpenBLAS: sanitizer builds (clang + libomp) would then
 * mix libgomp into the process. A program that links OpenBLAS itself makes
 * its symbols visible to dlsym(RTLD_DEFAULT, ...).
 */
#include <ctype.h>
#include <dlfcn.h>
#include <hwloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "kit.h"
#include "kit_internal.h"
#include "kit_build.h"
#include "kit_version.h"

extern char **environ;

/* ------------------------------------------------------------------------
 * OpenMP queries kit_omp.h does not wrap; the same pattern, serial without.
 */

static const char *omp_proc_bind_text(void)
{
#ifdef _OPENMP
	switch (omp_get_proc_bind()) {
	case omp_proc_bind_false: return "false";
	case omp_proc_bind_true: return "true";
	case omp_proc_bind_master: return "master";
	case omp_proc_bind_close: return "close";
	case omp_proc_bind_spread: return "spread";
	}
	return "unknown";
#else
	return "false";
#endif
}

static int omp_dynamic(void)
{
#ifdef _OPENMP
	return omp_get_dynamic();
#else
	return 0;
#endif
}

static int omp_num_procs(void)
{
#ifdef _OPENMP
	return omp_get_num_procs();
#else
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
#endif
}

/* "4.5" for 201511: the OpenMP specification a _OPENMP date stands for. */
static const char *omp_version_text(long v)
{
	static const struct {
		long date;
		const char *name;
	} versions[] = {
		{ 202111, "5.2" }, { 202011, "5.1" }, { 201811, "5.0" },
		{ 201511, "4.5" }, { 201307, "4.0" }, { 201107, "3.1" },
		{ 200805, "3.0" }, { 200505, "2.5" },
	};
	if (v == 0)
		return "none";
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
		if (v >= versions[i].date)
			return versions[i].name;
	return "older than 2.5";
}

/* ------------------------------------------------------------------------
 * Topology
 */

static kit_topo topo_cache;
static pthread_once_t topo_once = PTHREAD_ONCE_INIT;

/* The "model name" line of /proc/cpuinfo (x86; other CPUs name it otherwise). */
static int cpuinfo_model(char *buf, size_t size)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];
	int found = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "model name", 10) && strncmp(line, "Model", 5) &&
		    strncmp(line, "cpu model", 9))
			continue;
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		char *v = colon + 1;
		while (isspace((unsigned char)*v))
			v++;
		v[strcspn(v, "\n")] = '\0';
		if (*v) {
			snprintf(buf, size, "%s", v);
			found = 0;
			break;
		}
	}
	fclose(f);
	return found;
}

/* Size of the first data or unified cache of TYPE, or -1. */
static long hwloc_cache(hwloc_topology_t t, hwloc_obj_type_t type)
{
	int n = hwloc_get_nbobjs_by_type(t, type);
	for (int i = 0; i < n; i++) {
		hwloc_obj_t o = hwloc_get_obj_by_type(t, type, i);
		if (o && o->attr && o->attr->cache.type != HWLOC_OBJ_CACHE_INSTRUCTION &&
		    o->attr->cache.size > 0)
			return (long)o->attr->cache.size;
	}
	return -1;
}

static long sysconf_or(int name)
{
	long v = sysconf(name);
	return v > 0 ? v : -1;
}

static void topo_load(void)
{
	kit_topo *t = &topo_cache;
	hwloc_topology_t h;

	snprintf(t->cpu_model, sizeof(t->cpu_model), "unknown");
	t->packages = t->cores = t->pus = -1;
	t->l1d = t->l2 = t->l3 = -1;

	if (hwloc_topology_init(&h) == 0) {
		if (hwloc_topology_load(h) == 0) {
			t->packages = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_PACKAGE);
			t->cores = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_CORE);
			t->pus = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_PU);
			t->l1d = hwloc_cache(h, HWLOC_OBJ_L1CACHE);
			t->l2 = hwloc_cache(h, HWLOC_OBJ_L2CACHE);
			t->l3 = hwloc_cache(h, HWLOC_OBJ_L3CACHE);
			hwloc_obj_t pkg = hwloc_get_obj_by_type(h, HWLOC_OBJ_PACKAGE, 0);
			const char *m = pkg ? hwloc_obj_get_info_by_name(pkg, "CPUModel") : NULL;
			if (m && *m)
				snprintf(t->cpu_model, sizeof(t->cpu_model), "%s", m);
		}
		hwloc_topology_destroy(h);
	}
	/* What hwloc could not tell, sysconf can estimate. */
	if (t->pus < 1)
		t->pus = (int)(sysconf_or(_SC_NPROCESSORS_ONLN) > 0 ?
			       sysconf_or(_SC_NPROCESSORS_ONLN) : 1);
	if (t->cores < 1 || t->cores > t->pus)
		t->cores = t->pus;
	if (t->packages < 1)
		t->packages = 1;
	if (t->l1d < 0)
		t->l1d = sysconf_or(_SC_LEVEL1_DCACHE_SIZE);
	if (t->l2 < 0)
		t->l2 = sysconf_or(_SC_LEVEL2_CACHE_SIZE);
	if (t->l3 < 0)
		t->l3 = sysconf_or(_SC_LEVEL3_CACHE_SIZE);
	cpuinfo_model(t->cpu_model, sizeof(t->cpu_model));
}

void kit_topo_get(kit_topo *t)
{
	pthread_once(&topo_once, topo_load);
	*t = topo_cache;
}

/* ------------------------------------------------------------------------
 * OpenBLAS
 */

/* Cores OpenBLAS falls back to when it does not know a CPU: none of them
 * has AVX2 kernels (compared case-insensitively). */
static bool slow_core(const char *core)
{
	static const char *const slow[] = {
		"prescott", "katmai", "coppermine", "northwood", "banias", "core2",
		"penryn", "dunnington", "nehalem", "atom", "generic", "unknown",
	};
	for (size_t i = 0; i < sizeof(slow) / sizeof(slow[0]); i++)
		if (!strcasecmp(core, slow[i]))
			return true;
	return false;
}

/* How fast a core's kernels are: 0 generic (no AVX2), 1 AVX2, 2 AVX-512,
 * -1 a name not listed here (compared case-insensitively). */
static int core_rank(const char *core)
{
	static const char *const avx2[] = { "haswell", "zen", "skylake", "excavator" };
	static const char *const avx512[] = { "skylakex", "cooperlake", "sapphirerapids" };
	if (slow_core(core))
		return 0;
	for (size_t i = 0; i < sizeof(avx2) / sizeof(avx2[0]); i++)
		if (!strcasecmp(core, avx2[i]))
			return 1;
	for (size_t i = 0; i < sizeof(avx512) / sizeof(avx512[0]); i++)
		if (!strcasecmp(core, avx512[i]))
			return 2;
	return -1;
}

/* The OpenBLAS core for this CPU's widest vectors: "SkylakeX" (AVX-512),
 * "Haswell" (AVX2), or "" (neither, or not x86). */
static const char *cpu_best_core(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f"))
		return "SkylakeX";
	if (__builtin_cpu_supports("avx2"))
		return "Haswell";
#endif
	return "";
}

void kit_blas_get(kit_blas_info *b)
{
	char *(*get_config)(void);
	char *(*get_corename)(void);
	int (*get_parallel)(void);
	int (*get_threads)(void);

	memset(b, 0, sizeof(*b));
	b->parallel = -1;
	b->threads = -1;
	*(void **)&get_config = dlsym(RTLD_DEFAULT, "openblas_get_config");
	*(void **)&get_corename = dlsym(RTLD_DEFAULT, "openblas_get_corename");
	*(void **)&get_parallel = dlsym(RTLD_DEFAULT, "openblas_get_parallel");
	*(void **)&get_threads = dlsym(RTLD_DEFAULT, "openblas_get_num_threads");
	if (!get_config)
		return;
	b->linked = true;
	const char *s = get_config();
	snprintf(b->config, sizeof(b->config), "%s", s ? s : "");
	s = get_corename ? get_corename() : NULL;
	snprintf(b->core, sizeof(b->core), "%s", s && *s ? s : "unknown");
	if (get_parallel)
		b->parallel = get_parallel();
	if (get_threads)
		b->threads = get_threads();

	const char *env = getenv("OPENBLAS_CORETYPE");
	const char *by_kit = getenv("KIT_OPENBLAS_CORETYPE_BY_KIT");
	snprintf(b->coretype, sizeof(b->coretype), "%s", env ? env : "");
	b->coretype_by_kit = env && by_kit && !strcmp(env, by_kit);
	snprintf(b->cpu_best, sizeof(b->cpu_best), "%s", cpu_best_core());
	if (!*b->cpu_best)
		return;
	if (!env && slow_core(b->core)) {
		b->fallback = true;
		snprintf(b->fix, sizeof(b->fix), "OPENBLAS_CORETYPE=%s", b->cpu_best);
	} else if (env && !b->coretype_by_kit && core_rank(b->core) >= 0 &&
		   core_rank(b->core) < core_rank(b->cpu_best)) {
		snprintf(b->note, sizeof(b->note),
			 "OPENBLAS_CORETYPE=%s is set (the kit keeps it); this CPU has %s, "
			 "which OPENBLAS_CORETYPE=%s uses", env,
			 core_rank(b->cpu_best) == 2 ? "AVX-512" : "AVX2", b->cpu_best);
	}
}

int kit_blas_core_setup(void)
{
	if (getenv("OPENBLAS_CORETYPE"))
		return 0;
	kit_blas_info b;
	kit_blas_get(&b);
	if (!b.linked || !b.fallback)
		return 0;
	setenv("OPENBLAS_CORETYPE", b.cpu_best, 1);
	setenv("KIT_OPENBLAS_CORETYPE_BY_KIT", b.cpu_best, 1);
	kit__progress_interrupt();
	fprintf(stderr, "kit: OpenBLAS chose its generic %s core on this CPU, which has %s: the "
		"kit runs every program with OPENBLAS_CORETYPE=%s (dgemm about 5x faster); "
		"set OPENBLAS_CORETYPE yourself to choose another core\n", b.core,
		core_rank(b.cpu_best) == 2 ? "AVX-512" : "AVX2", b.cpu_best);
	return 1;
}

static const char *blas_variant(int parallel)
{
	switch (parallel) {
	case 0: return "serial";
	case 1: return "pthreads";
	case 2: return "openmp";
	}
	return "unknown";
}

/* "0.3.21" from "OpenBLAS 0.3.21 DYNAMIC_ARCH ...", or "?". */
static void blas_version(const kit_blas_info *b, char *buf, size_t size)
{
	const char *p = b->config;
	if (!strncmp(p, "OpenBLAS ", 9))
		p += 9;
	size_t n = strcspn(p, " ");
	if (n == 0 || !isdigit((unsigned char)*p))
		snprintf(buf, size, "?");
	else
		snprintf(buf, size, "%.*s", (int)n, p);
}

/* ------------------------------------------------------------------------
 * The snapshot
 */

static void governor(char *buf, size_t size)
{
	FILE *f = fopen("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "r");
	snprintf(buf, size, "unknown (no cpufreq)");
	if (!f)
		return;
	char line[64];
	if (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (*line)
			snprintf(buf, size, "%s", line);
	}
	fclose(f);
}

static cJSON *num_or_null(double v)
{
	return v < 0 ? cJSON_CreateNull() : cJSON_CreateNumber(v);
}

static bool env_of_interest(const char *e)
{
	return !strncmp(e, "OMP_", 4) || !strncmp(e, "OPENBLAS_", 9) ||
	       !strncmp(e, "GOMP_", 5);
}

cJSON *kit_env_json(void)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *x;
	char buf[256];
	kit_topo t;
	kit_blas_info b;
	if (!o)
		abort();

	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_AddStringToObject(o, "date", buf);
	if (gethostname(buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "unknown");
	buf[sizeof(buf) - 1] = '\0';
	cJSON_AddStringToObject(o, "host", buf);
	cJSON_AddStringToObject(o, "git", KIT_GIT_DESCRIBE);
	cJSON_AddStringToObject(o, "compiler", KIT_COMPILER);
	cJSON_AddStringToObject(o, "buildtype", KIT_BUILDTYPE);
	cJSON_AddStringToObject(o, "flags", KIT_NATIVE);
	cJSON_AddStringToObject(o, "sanitize", KIT_SANITIZE);

	x = cJSON_AddObjectToObject(o, "openmp");
	cJSON_AddBoolToObject(x, "enabled", kit_omp_enabled());
	if (kit_omp_enabled())
		cJSON_AddNumberToObject(x, "version", (double)kit_omp_version());
	else
		cJSON_AddNullToObject(x, "version");
	cJSON_AddNumberToObject(x, "max_threads", kit_omp_max_threads());
	cJSON_AddStringToObject(x, "proc_bind", omp_proc_bind_text());
	cJSON_AddBoolToObject(x, "dynamic", omp_dynamic());
	cJSON_AddNumberToObject(x, "num_procs", omp_num_procs());

	/* Every variable the OpenMP runtime or OpenBLAS reads, as set. */
	x = cJSON_AddObjectToObject(o, "env");
	for (char **e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		if (!eq || !env_of_interest(*e) || (size_t)(eq - *e) >= sizeof(buf))
			continue;
		snprintf(buf, sizeof(buf), "%.*s", (int)(eq - *e), *e);
		if (!cJSON_GetObjectItemCaseSensitive(x, buf))
			cJSON_AddStringToObject(x, buf, eq + 1);
	}

	kit_topo_get(&t);
	x = cJSON_AddObjectToObject(o, "cpu");
	cJSON_AddStringToObject(x, "model", t.cpu_model);
	cJSON_AddNumberToObject(x, "packages", t.packages);
	cJSON_AddNumberToObject(x, "cores", t.cores);
	cJSON_AddNumberToObject(x, "pus", t.pus);
	cJSON_AddItemToObject(x, "l1d", num_or_null((double)t.l1d));
	cJSON_AddItemToObject(x, "l2", num_or_null((double)t.l2));
	cJSON_AddItemToObject(x, "l3", num_or_null((double)t.l3));

	double load[3];
	if (getloadavg(load, 3) == 3) {
		x = cJSON_CreateDoubleArray(load, 3);
		cJSON_AddItemToObject(o, "load", x);
	} else {
		cJSON_AddNullToObject(o, "load");
	}
	governor(buf, sizeof(buf));
	cJSON_AddStringToObject(o, "governor", buf);

	kit_blas_get(&b);
	x = cJSON_AddObjectToObject(o, "blas");
	cJSON_AddBoolToObject(x, "linked", b.linked);
	if (b.linked) {
		cJSON_AddStringToObject(x, "config", b.config);
		cJSON_AddStringToObject(x, "core", b.core);
		cJSON_AddStringToObject(x, "variant", blas_variant(b.parallel));
		cJSON_AddNumberToObject(x, "threads", b.threads);
		cJSON_AddBoolToObject(x, "fallback", b.fallback);
		cJSON_AddStringToObject(x, "fix", b.fix);
		if (*b.coretype)
			cJSON_AddStringToObject(x, "coretype", b.coretype);
		else
			cJSON_AddNullToObject(x, "coretype");
		if (*b.coretype)
			cJSON_AddStringToObject(x, "coretype_set_by", b.coretype_by_kit ? "kit" : "user");
		else
			cJSON_AddNullToObject(x, "coretype_set_by");
		cJSON_AddStringToObject(x, "cpu_best_core", b.cpu_best);
		cJSON_AddStringToObject(x, "note", b.note);
	}
	return o;
}

/* "48 KiB", "2 MiB", "260 MiB" */
static void size_text(long bytes, char *buf, size_t size)
{
	if (bytes < 0)
		snprintf(buf, size, "?");
	else if (bytes >= (1L << 20) && bytes % (1L << 20) == 0)
		snprintf(buf, size, "%ld MiB", bytes >> 20);
	else
		snprintf(buf, size, "%ld KiB", bytes >> 10);
}

void kit_env_print(FILE *out)
{
	kit_topo t;
	kit_blas_info b;
	const char *ont = getenv("OMP_NUM_THREADS");
	char l1[32], l2[32], l3[32];

	if (kit_omp_enabled()) {
		if (ont)
			fprintf(out, "threads   %d (omp_get_max_threads; OMP_NUM_THREADS=%s)\n",
				kit_omp_max_threads(), ont);
		else
			fprintf(out, "threads   %d (omp_get_max_threads; OMP_NUM_THREADS unset)\n",
				kit_omp_max_threads());
		fprintf(out, "OpenMP    %s (%ld), proc_bind %s\n",
			omp_version_text(kit_omp_version()), kit_omp_version(),
			omp_proc_bind_text());
	} else {
		fprintf(out, "threads   1 (built without OpenMP)\n");
	}

	kit_topo_get(&t);
	size_text(t.l1d, l1, sizeof(l1));
	size_text(t.l2, l2, sizeof(l2));
	size_text(t.l3, l3, sizeof(l3));
	fprintf(out, "CPU       %s, %d package%s, %d core%s, %d logical CPU%s\n",
		t.cpu_model, t.packages, t.packages == 1 ? "" : "s", t.cores,
		t.cores == 1 ? "" : "s", t.pus, t.pus == 1 ? "" : "s");
	fprintf(out, "caches    L1d %s, L2 %s, L3 %s\n", l1, l2, l3);

	kit_blas_get(&b);
	if (!b.linked)
		return;
	char ver[32];
	blas_version(&b, ver, sizeof(ver));
	char why[160] = "";
	if (*b.coretype)
		snprintf(why, sizeof(why), " (OPENBLAS_CORETYPE=%s, set by %s)", b.coretype,
			 b.coretype_by_kit ? "the kit: OpenBLAS fell back to a generic core" : "you");
	fprintf(out, "OpenBLAS  %s %s variant, core %s%s, %d thread%s\n", ver,
		b.parallel == 2 ? "OpenMP" : b.parallel == 1 ? "pthreads" :
		b.parallel == 0 ? "serial" : "unknown",
		b.core, why, b.threads, b.threads == 1 ? "" : "s");
	fflush(out);
	if (b.fallback)
		kit_warn("OpenBLAS does not recognise this CPU and uses its slow %s kernels "
			 "(about 5x slower dgemm); run with %s", b.core, b.fix);
	if (*b.note)
		fprintf(out, "          note: %s\n", b.note);
	if (b.parallel != 2)
		kit_warn("OpenBLAS is the %s variant, not the OpenMP one: it ignores "
			 "omp_set_num_threads and nests its own threads in parallel regions; "
			 "install libopenblas-openmp-dev and reconfigure (./kit does this)",
			 blas_variant(b.parallel));
}
