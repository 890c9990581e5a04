/*
 * doctor.c - ./kit doctor: what the kit uses and whether it is right.
 *
 * One line per thing, "  OK    ...", "  WARN  ..." (works, but timings or
 * some checks will suffer; the line says what to do) or "  FAIL  ..." (the
 * kit cannot work as intended). Exit 0 unless something FAILed.
 *
 * USAGE: ./kit doctor [--json FILE]
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sndfile.h>

#include "cli.h"
#include "kit.h"
#include "kit_build.h"
#include "kit_version.h"

#if KIT_HAVE_BLAS
/* Referenced directly so the linker keeps OpenBLAS (--as-needed) and
 * kit_blas_get finds it in this process. */
char *openblas_get_config(void);
static char *(*volatile keep_blas)(void) = openblas_get_config;
#endif

#define ARCHER "/usr/lib/llvm-14/lib/libarcher.so"

static int fails, warns;

static void line(const char *verdict, const char *fmt, ...) KIT_PRINTF(2, 3);
static void line(const char *verdict, const char *fmt, ...)
{
	va_list ap;
	printf("  %-5s ", verdict);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!strcmp(verdict, "FAIL"))
		fails++;
	else if (!strcmp(verdict, "WARN"))
		warns++;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ./kit doctor [--json FILE]\n"
		"\n"
		"Checks what the kit uses: compiler and flags, OpenMP, OpenBLAS (must be\n"
		"the OpenMP variant, with a kernel for this CPU), libsndfile, gnuplot,\n"
		"clang + Archer for race checks, the CPU topology, governor and load, and\n"
		"whether ./kit machine has measured this machine. Each line is OK, WARN\n"
		"(works; the line says what to improve) or FAIL; the exit status is 1\n"
		"when something FAILed.\n"
		"\n"
		"  --json FILE   also write the environment snapshot (the \"env\" block of\n"
		"                every results file) to FILE\n"
		"\n"
		"examples:\n"
		"  ./kit doctor\n"
		"  ./kit doctor --json env.json\n");
}

/* True when NAME is an executable file in a folder of PATH. */
static bool in_path(const char *name)
{
	const char *path = getenv("PATH");
	char buf[4096];
	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t len = strcspn(path, ":");
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, len ? path : ".", name);
		if (access(buf, X_OK) == 0)
			return true;
		path += len;
		if (*path == ':')
			path++;
	}
	return false;
}

static void check_build(void)
{
	const char *sanitize = KIT_SANITIZE;
	const char *buildtype = KIT_BUILDTYPE;
	bool optimised = strcmp(buildtype, "debug") && strcmp(buildtype, "plain");
	char sanitized[64] = "";
	if (*sanitize && strcmp(sanitize, "none"))
		snprintf(sanitized, sizeof(sanitized), ", -fsanitize=%s", sanitize);
	if (!optimised)
		line("WARN", "build     %s, %s%s%s: not optimised, timings mean little; "
		     "reconfigure with --buildtype=release", KIT_COMPILER, KIT_BUILDTYPE,
		     *KIT_NATIVE ? ", " KIT_NATIVE : "", sanitized);
	else if (!*KIT_NATIVE)
		line("WARN", "build     %s, %s, no -march=native: no AVX in the kernels; "
		     "reconfigure with -Dnative=true", KIT_COMPILER, KIT_BUILDTYPE);
	else
		line("OK", "build     %s, %s, %s%s (git %s)", KIT_COMPILER, KIT_BUILDTYPE,
		     KIT_NATIVE, sanitized, KIT_GIT_DESCRIBE);
}

static void check_openmp(void)
{
	if (!kit_omp_enabled()) {
		line("WARN", "OpenMP    not enabled in this build: every program runs serially; "
		     "reconfigure with -Dopenmp=enabled");
		return;
	}
	const char *ont = getenv("OMP_NUM_THREADS");
	line("OK", "OpenMP    version %ld, %d threads (OMP_NUM_THREADS %s%s)",
	     kit_omp_version(), kit_omp_max_threads(), ont ? "=" : "unset", ont ? ont : "");
}

/* Length of the version in "OpenBLAS 0.3.21 ...", from offset 9. */
static int version_len(const char *config)
{
	if (strncmp(config, "OpenBLAS ", 9))
		return 0;
	return (int)strcspn(config + 9, " ");
}

static void check_blas(void)
{
	kit_blas_info b;
	kit_blas_get(&b);
	if (!KIT_HAVE_BLAS) {
		line("WARN", "OpenBLAS  not built in (-Dblas=disabled): exercise 02 is skipped; "
		     "install libopenblas-openmp-dev and reconfigure");
		return;
	}
	if (!b.linked) {
		line("FAIL", "OpenBLAS  built in but not loaded in this process; reconfigure the "
		     "build (./kit does this)");
		return;
	}
	const char *variant = b.parallel == 2 ? "OpenMP" : b.parallel == 1 ? "pthreads" :
			      b.parallel == 0 ? "serial" : "unknown";
	if (b.parallel != 2)
		line("FAIL", "OpenBLAS  %s variant (\"%s\"): it ignores omp_set_num_threads and "
		     "nests its own threads in parallel regions; install "
		     "libopenblas-openmp-dev and configure with -Dpkg_config_path="
		     "/usr/lib/<triplet>/openblas-openmp/pkgconfig (./kit does this)",
		     variant, b.config);
	else
		line("OK", "OpenBLAS  %.*s %s variant, %d threads (%s)", version_len(b.config),
		     b.config + 9, variant, b.threads, b.config);
	if (b.fallback)
		line("WARN", "OpenBLAS  core %s: it does not recognise this CPU and uses its slow "
		     "generic kernels (dgemm about 5x slower); export %s (./kit sets it for what "
		     "it runs)", b.core, b.fix);
	else if (*b.note)
		line("NOTE", "OpenBLAS  core %s: %s", b.core, b.note);
	else if (*b.coretype)
		line("OK", "OpenBLAS  core %s (OPENBLAS_CORETYPE=%s, set by %s)", b.core, b.coretype,
		     b.coretype_by_kit ? "the kit: OpenBLAS fell back to a generic core" : "you");
	else
		line("OK", "OpenBLAS  core %s (chosen by OpenBLAS for this CPU)", b.core);
}

static void check_sndfile(void)
{
	const char *v = sf_version_string();
	line("OK", "sndfile   %s (exercise 04)", v ? v : "unknown version");
}

static void check_gnuplot(void)
{
	char *argv[] = { "gnuplot", "--version", NULL };
	kit_proc_opts o = { .timeout = 10, .capture = true };
	kit_proc_result r;
	if (!in_path("gnuplot")) {
		line("WARN", "gnuplot   not found: no PNG plots or text charts; "
		     "install gnuplot-nox");
		return;
	}
	if (kit_proc_run(argv, &o, &r) || r.exit_code || r.signal || !r.out) {
		line("WARN", "gnuplot   'gnuplot --version' failed (%s): plots may fail; "
		     "reinstall gnuplot-nox", kit_proc_describe(&r));
	} else {
		r.out[strcspn(r.out, "\n")] = '\0';
		line("OK", "gnuplot   %s", r.out);
	}
	kit_proc_result_free(&r);
}

static void check_archer(void)
{
	bool clang = in_path("clang") || in_path("clang-14");
	bool archer = access(ARCHER, R_OK) == 0;
	if (clang && archer)
		line("OK", "races     clang and Archer (%s): tsan checks run", ARCHER);
	else
		line("WARN", "races     %s missing: tsan checks are skipped; install clang-14 "
		     "and libomp-14-dev", !clang ? (archer ? "clang" : "clang and Archer") :
		     ARCHER);
	/* ThreadSanitizer finds llvm-symbolizer on PATH or, on Debian, as
	 * /usr/bin/llvm-symbolizer-14; without it a race reads "at ?" */
	if (in_path("llvm-symbolizer") || in_path("llvm-symbolizer-14"))
		line("OK", "races     llvm-symbolizer: race reports name file and line");
	else if (clang)
		line("WARN", "races     no llvm-symbolizer: race reports show '?' instead of file "
		     "and line; install llvm-14 (./kit does this)");
}

static void size_text(long bytes, char *buf, size_t size)
{
	if (bytes < 0)
		snprintf(buf, size, "?");
	else if (bytes >= (1L << 20))
		snprintf(buf, size, "%ld MiB", bytes >> 20);
	else
		snprintf(buf, size, "%ld KiB", bytes >> 10);
}

static void check_topology(void)
{
	kit_topo t;
	char l1[32], l2[32], l3[32];
	kit_topo_get(&t);
	size_text(t.l1d, l1, sizeof(l1));
	size_text(t.l2, l2, sizeof(l2));
	size_text(t.l3, l3, sizeof(l3));
	line("OK", "CPU       %s: %d package%s, %d physical core%s, %d logical CPU%s; "
	     "L1d %s, L2 %s, L3 %s", t.cpu_model, t.packages, t.packages == 1 ? "" : "s",
	     t.cores, t.cores == 1 ? "" : "s", t.pus, t.pus == 1 ? "" : "s", l1, l2, l3);
	if (t.cores < 2)
		line("WARN", "CPU       one core: speed-up items are skipped and no thread "
		     "count can run faster than one");
	if (kit_omp_enabled() && kit_omp_max_threads() > t.cores)
		line("WARN", "threads   %d OpenMP threads on %d physical cores: oversubscribed "
		     "or hyper-threaded, timings will vary; set OMP_NUM_THREADS=%d",
		     kit_omp_max_threads(), t.cores, t.cores);
}

static void check_governor_load(void)
{
	cJSON *e = kit_env_json();
	const char *gov = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "governor"));
	kit_topo t;
	kit_topo_get(&t);
	if (!gov || !strncmp(gov, "unknown", 7))
		line("OK", "governor  %s: a virtual machine or container; nothing to set",
		     gov ? gov : "unknown");
	else if (!strcmp(gov, "performance"))
		line("OK", "governor  performance");
	else
		line("WARN", "governor  %s: the clock changes with load, timings vary; "
		     "sudo cpupower frequency-set -g performance", gov);
	cJSON_Delete(e);

	double load[3];
	if (getloadavg(load, 3) != 3) {
		line("WARN", "load      unknown (getloadavg failed)");
	} else if (load[0] > 0.5 * t.pus) {
		line("WARN", "load      %.2f %.2f %.2f on %d logical CPUs: other programs are "
		     "running, timings will be noisy; stop them or wait", load[0], load[1],
		     load[2], t.pus);
	} else {
		line("OK", "load      %.2f %.2f %.2f on %d logical CPUs", load[0], load[1],
		     load[2], t.pus);
	}
}

static void check_machine(void)
{
	char path[4096];
	struct stat st;
	kit_machine m;
	snprintf(path, sizeof(path), "%s/results/machine.json", kit_root());
	if (stat(path, &st)) {
		line("WARN", "machine   not measured yet: rates show no fraction of peak; "
		     "run ./kit machine");
		return;
	}
	if (kit_machine_load(&m)) {
		line("WARN", "machine   %s cannot be used (see above); run ./kit machine --force",
		     path);
		return;
	}
	double days = difftime(time(NULL), st.st_mtime) / 86400.0;
	line(days > 30 ? "WARN" : "OK",
	     "machine   peak %.1f / %.1f GFLOP/s, triad %.1f / %.1f GB/s (1 / %d threads), "
	     "measured %.0f days ago%s", m.peak_gflops_1, m.peak_gflops_all, m.bw_gbs_1,
	     m.bw_gbs_all, m.threads_all, floor(days),
	     days > 30 ? "; run ./kit machine --force" : "");
}

/* Writes the snapshot into A, opened before the checks so that a bad
 * --json path fails at once. */
static int write_json(kit_atomic *a)
{
	cJSON *e = kit_env_json();
	char *text = cJSON_Print(e);
	cJSON_Delete(e);
	if (!text)
		abort();
	fprintf(a->f, "%s\n", text);
	free(text);
	return kit_atomic_commit(a);
}

int cmd_doctor(int argc, char **argv)
{
	const char *json = NULL;
	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			usage(stdout);
			return KIT_EXIT_OK;
		} else if (!strcmp(argv[i], "--json")) {
			if (i + 1 >= argc) {
				kit_error("doctor: --json needs a FILE; run ./kit doctor --help");
				return KIT_EXIT_USAGE;
			}
			json = argv[++i];
		} else {
			kit_error("doctor: unknown argument '%s'; run ./kit doctor --help", argv[i]);
			return KIT_EXIT_USAGE;
		}
	}
#if KIT_HAVE_BLAS
	(void)keep_blas;
#endif

	kit_atomic out = { 0 };
	if (json && kit_atomic_open(&out, json))
		return KIT_EXIT_USAGE;

	printf("ompkit doctor (%s)\n", kit_root());
	check_build();
	check_openmp();
	check_blas();
	check_sndfile();
	check_gnuplot();
	check_archer();
	check_topology();
	check_governor_load();
	check_machine();
	fflush(stdout);

	if (json && write_json(&out))
		return KIT_EXIT_USAGE;
	printf("%d FAIL, %d WARN%s\n", fails, warns,
	       fails ? ": fix the FAIL lines first" : warns ? ": the kit works; see the WARN lines" :
	       ": all good");
	return fails ? KIT_EXIT_INVALID : KIT_EXIT_OK;
}
