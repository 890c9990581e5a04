/*
 * NAME
 *   etl_main.c - the driver of exercise 04, the audio ETL (shared by the
 *   skeleton and the reference build; students do not edit it).
 *
 * PURPOSE
 *   The C form of the seed's etl_demo: for each WAV file, read it, add
 *   Gaussian noise (sigma 0.1), clip to [-1, 1] and write
 *   NAME-transformed.wav; time each file and the whole run. It plans the job
 *   (outputs, files already done, names it must refuse), runs one kernel of
 *   etl.h, prints one line per file and a summary, and exits 1 when any file
 *   failed. --time measures MB/s per kernel and thread count after checking
 *   the outputs. Check modes (--validate, --expect-parallel,
 *   --expect-serial-open, --expect-children, --same-across, --check-broken,
 *   --check-kill) are what ./kit check runs: each ends with one line "PASS:
 *   ..." or "FAIL: ...; hint" and the exit status is the verdict (0 pass,
 *   1 fail, 2 usage, 77 cannot check here).
 *
 * USAGE
 *   etl --help
 *   etl                                  the 24 generated files, threads kernel
 *   etl sounds/ --kernel processes --procs 2
 *   etl --kernel all --time --threads 1,2
 *   OMP_NUM_THREADS=2 etl --kernel threads --validate --expect-parallel
 *
 * NOTES
 *   Inputs: files or folders on the command line (outputs beside each input,
 *   as the seed), or by default the generated set data/cache/audio-5s/ (24
 *   files; --seconds 240 for the seed's 4-minute files, 1 GB in all), whose
 *   outputs go to results/etl/audio-5s/. --dest DIR puts outputs in DIR.
 *   Checks write into a scratch folder they remove, and run on the generated
 *   set unless files are given.
 *   MB/s counts the input's bytes (10^6 per MB) per second of the whole job.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "etl.h"
#include "etl_driver.h"
#include "etl_io.h"
#include "etl_noise.h"
#include "etl_probe.h"
#include "kit.h"
#include "opt.h"

#define MAX_WORKERS 256
#define BUSY_SPAN 0.3		/* seconds --expect-parallel keeps the kernel busy */
#define INNER_SAMPLES (1u << 22)	/* samples of --expect-parallel's transform (inner) */
#define PROBE_DELAY_US 3000	/* how long each sf_open lingers under --expect-serial-open */
#define KILL_FILES 8		/* --check-kill: this many files ... */
#define KILL_SECONDS 20.0	/* ... of this many seconds (3.5 MB each) */


/* What to look at when MODE fails a check. */
static const char *hint_of(int mode)
{
	switch (mode) {
	case M_SERIAL:
		return "etl_serial and etl_file are step 1, given; if they fail, restore "
		       "them from the original etl.c";
	case M_THREADS:
		return "look at TODO(2) in etl.c: 'parallel for schedule(dynamic)' over the "
		       "files, and both sf_open calls of etl_file inside one named critical "
		       "section";
	case M_PROCESSES:
		return "look at TODO(3) in etl.c: kit_pool_run with nproc workers running "
		       "etl_worker, a record of j->n etl_results each; file i's result from "
		       "worker i % nproc's record, and a result still pending failed";
	case M_INNER:
		return "look at TODO(4) in etl.c: 'parallel for' on the loop of "
		       "etl_transform_threads; sample i must stay etl_noisy(x[i], ..., i)";
	default:
		return "the copy is the driver's own; report this as a bug";
	}
}

/* ------------------------------------------------------------------------
 * Options
 */

struct options {
	int mode;			/* enum etl_mode, or -1: all */
	bool mode_set;
	int *threads;			/* --threads; NULL: the current max threads */
	size_t nthreads;
	int procs;			/* --procs; 0: as many as threads */
	const char *dest;
	bool force, time, verify;
	int files;
	double seconds;
	etl_params p;
	bool validate, expect_parallel, expect_serial_open, expect_children;
	bool check_broken, check_kill;
	int *same_across;
	size_t nsame;
	const char *json, *csv, *png;
	bool chart, quiet, cold;
	const char *demo, *out;
	bool bench, quick;
	const char *emit;		/* --emit DIR */
	const char *verify_dirs;	/* --verify DIR[,DIR...] */
	const char *input;		/* --input DIR */
	const char *make_inputs;	/* --make-inputs DIR */
	int count;			/* --count K */
	char **args;			/* input files and folders */
	size_t nargs;
};

static int workers_of(const struct options *o, int mode, int threads)
{
	return mode == M_PROCESSES && o->procs ? o->procs : threads;
}

/* The inputs of this run: the arguments, or the generated set. *DEFAULT_DEST
 * gets results/etl/audio-Ns for the generated set. */
static char **inputs_of(const struct options *o, bool verbose, size_t *n, char *default_dest,
			size_t len)
{
	default_dest[0] = '\0';
	if (o->input) {
		char *const one[] = { (char *)o->input };
		struct stat st;
		int e = stat(o->input, &st) ? errno : 0;
		if (e || !S_ISDIR(st.st_mode)) {
			kit_error("--input '%s': %s; give the folder of the input WAVs", o->input,
				  e == ENOENT ? "no such folder" : e ? strerror(e) : "not a folder");
			return NULL;
		}
		return etl_inputs_expand(one, 1, n);
	}
	if (o->nargs)
		return etl_inputs_expand(o->args, o->nargs, n);
	char dir[4096], name[64];
	char **list = etl_inputs_generated(o->files, o->seconds, verbose, dir, sizeof(dir));
	if (!list)
		return NULL;
	etl_generated_name(o->seconds, name, sizeof(name));
	snprintf(default_dest, len, "%s/results/etl/%s", kit_root(), name);
	*n = (size_t)o->files;
	return list;
}

/* Can we make a file in DIR? 0, or -1 after one line with the strerror of
 * the real call (a read-only file system is not "Permission denied"). WHERE
 * is said after the folder's name. */
static int probe_dir(const char *dir, const char *where)
{
	char *probe = kit_xasprintf("%s/.etl-probe-XXXXXX", dir);
	int fd = mkstemp(probe);
	if (fd < 0) {
		char safe[600];
		kit_error("cannot write in folder '%s' %s(making a file there: %s); choose a "
			  "writable folder with --dest (no file was touched)",
			  etl_printable(dir, safe, sizeof(safe)), where, strerror(errno));
		free(probe);
		return -1;
	}
	close(fd);
	unlink(probe);
	free(probe);
	return 0;
}

/* Did an input before INPUTS[I] have the same folder (probed already)? */
static bool dir_checked(char *const *inputs, size_t i)
{
	const char *s = strrchr(inputs[i], '/');
	size_t len = s ? (size_t)(s - inputs[i]) : 0;
	for (size_t k = 0; k < i; k++) {
		const char *t = strrchr(inputs[k], '/');
		size_t l2 = t ? (size_t)(t - inputs[k]) : 0;
		if (l2 == len && !strncmp(inputs[k], inputs[i], len))
			return true;
	}
	return false;
}

/* Can we write in DIR? Made if missing. 0, or -1 with a message. */
static int writable_dir(const char *dir)
{
	if (kit_mkdirs(dir))
		return -1;
	return probe_dir(dir, "");
}

/* ------------------------------------------------------------------------
 * The job: the seed's etl_demo
 */

static const char *base_of(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static int run_job(const struct options *o)
{
	char ddest[4096];
	size_t n;
	int rc = KIT_EXIT_OK;
	char **inputs = inputs_of(o, !o->quiet, &n, ddest, sizeof(ddest));
	if (!inputs)
		return KIT_EXIT_USAGE;
	if (n == 0) {
		kit_error("nothing to do: no .wav file among the inputs (see above)");
		etl_inputs_free(inputs, n);
		return KIT_EXIT_USAGE;
	}
	const char *dest = o->dest ? o->dest : ddest[0] ? ddest : NULL;
	if (dest && writable_dir(dest)) {
		etl_inputs_free(inputs, n);
		return KIT_EXIT_USAGE;
	}
	/* Every folder outputs go to must be writable before anything starts:
	 * tried by making a file there, so the message is the real call's. */
	if (!dest)
		for (size_t i = 0; i < n; i++) {
			const char *s = strrchr(inputs[i], '/');
			char *dir = s ? strndup(inputs[i], (size_t)(s - inputs[i]) + (s == inputs[i])) : kit_xstrdup(".");
			struct stat st;
			int bad = !stat(dir, &st) && S_ISDIR(st.st_mode) && !dir_checked(inputs, i) &&
				  probe_dir(dir, "(outputs go beside their inputs) ");
			free(dir);
			if (bad) {
				etl_inputs_free(inputs, n);
				return KIT_EXIT_USAGE;
			}
		}

	int mode = o->mode < 0 ? M_THREADS : o->mode;
	int threads = o->threads ? o->threads[0] : kit_omp_max_threads();
	int workers = workers_of(o, mode, threads);
	etl_plan pl;
	etl_plan_make(&pl, inputs, n, dest, o->force, &o->p);
	if (!o->quiet) {
		kit_env_print(stdout);
		printf("files     %zu (%zu to do, %.1f MB), outputs %s\n", n, pl.ntodo,
		       (double)pl.bytes / 1e6, dest ? dest : "beside their inputs");
		printf("kernel    %s (%s), %d %s\n", etl_modes[mode].name, etl_modes[mode].func,
		       workers, mode == M_PROCESSES ? "processes" : mode == M_SERIAL ? "thread (serial)" : "threads");
		printf("noise     sigma %g, seed %llu\n\n", o->p.sigma, (unsigned long long)o->p.seed);
		fflush(stdout);
	}
	if (pl.temps)
		kit_warn("removed %d temporary file%s left by an interrupted run "
			 "(*-transformed.wav.tmp.*, never outputs)", pl.temps, pl.temps == 1 ? "" : "s");
	char safe[1200];
	for (size_t i = 0; i < n; i++)
		if (pl.redo[i]) {
			char *msg = kit_xasprintf("redoing '%s': it was there, but %s", pl.out[i],
						  pl.redo[i]);
			kit_warn("%s", etl_printable(msg, safe, sizeof(safe)));
			free(msg);
		}

	kit_progress pr;
	kit_progress_begin(&pr, "etl", 1);
	kit_progress_step(&pr, etl_modes[mode].name);
	double t0 = kit_wtime();
	int failed = etl_plan_run(&pl, mode, workers);
	double total = kit_wtime() - t0;
	kit_progress_end(&pr);
	if (failed < 0)
		rc = KIT_EXIT_INVALID;

	size_t done = 0, skipped = 0, bad = 0;
	kit_results *r = kit_results_new("etl", "audio ETL: one row per file");
	kit_results_config(r, "kernel", "%s", etl_modes[mode].name);
	kit_results_config(r, "workers", "%d", workers);
	for (size_t i = 0; i < n; i++) {
		const etl_result *e = &pl.res[i];
		const char *what = pl.state[i] == P_SKIP ? "skipped" : e->status == ETL_DONE ? "done" : "failed";
		kit_results_row(r, base_of(pl.in[i]));
		kit_results_str(r, "status", what);
		kit_results_num(r, "read_s", e->t_read, "%.4f");
		kit_results_num(r, "transform_s", e->t_transform, "%.4f");
		kit_results_num(r, "write_s", e->t_write, "%.4f");
		kit_results_num(r, "total_s", e->t_read + e->t_transform + e->t_write, "%.4f");
		kit_results_str(r, "error", e->status == ETL_FAILED ? e->error : "");
		if (pl.state[i] == P_SKIP) {
			skipped++;
			if (!o->quiet) {
				char so[600];
				printf("%s skipped: '%s' is already done and verified (--force "
				       "redoes it)\n", etl_printable(pl.in[i], safe, sizeof(safe)),
				       etl_printable(base_of(pl.out[i]), so, sizeof(so)));
			}
		} else if (e->status == ETL_DONE) {
			done++;
			if (!o->quiet)
				printf("%s completed in %.3fs (read %.3f, transform %.3f, write %.3f)\n",
				       etl_printable(pl.in[i], safe, sizeof(safe)),
				       e->t_read + e->t_transform + e->t_write, e->t_read,
				       e->t_transform, e->t_write);
		} else {
			bad++;
		}
	}
	fflush(stdout);
	for (size_t i = 0; i < n; i++)
		if (pl.state[i] != P_SKIP && pl.res[i].status != ETL_DONE)
			kit_error("%s", etl_printable(pl.res[i].error, safe, sizeof(safe)));
	printf("%setl took %.2fs total: %zu file%s, %zu written, %zu skipped (already done), "
	       "%zu failed\n", o->quiet ? "" : "\n", total, n, n == 1 ? "" : "s", done, skipped, bad);
	if (kit_results_write_json(r, o->json))
		rc = KIT_EXIT_USAGE;
	if (o->csv && kit_results_write_csv(r, o->csv))
		rc = KIT_EXIT_USAGE;
	if (bad && rc == KIT_EXIT_OK) {
		if (bad < n)
			kit_error("%zu of %zu files failed (listed above); the other %zu are done",
				  bad, n, n - bad);
		else
			kit_error("all %zu files failed (listed above)", n);
		rc = KIT_EXIT_INVALID;
	}
	kit_results_free(r);
	etl_plan_free(&pl);
	etl_inputs_free(inputs, n);
	return rc;
}

/* --verify: the outputs already there, checked against their inputs. */
static int run_verify(const struct options *o)
{
	char ddest[4096];
	size_t n, ok = 0, missing = 0, bad = 0;
	char **inputs = inputs_of(o, false, &n, ddest, sizeof(ddest));
	if (!inputs)
		return KIT_EXIT_USAGE;
	etl_plan pl;
	etl_plan_keep_temps = true;
	etl_plan_make(&pl, inputs, n, o->dest ? o->dest : ddest[0] ? ddest : NULL, true, &o->p);
	for (size_t i = 0; i < n; i++) {
		etl_check c;
		if (pl.state[i] == P_REFUSED) {
			kit_error("%s", pl.res[i].error);
			bad++;
		} else if (access(pl.out[i], F_OK)) {
			missing++;
		} else if (etl_check_output(pl.in[i], pl.out[i], &o->p, &c) || !c.ok) {
			kit_error("%s", c.why);
			bad++;
		} else {
			ok++;
		}
	}
	printf("%s: %zu of %zu outputs valid, %zu wrong, %zu not there\n",
	       bad ? "FAIL" : "PASS", ok, n, bad, missing);
	etl_plan_free(&pl);
	etl_inputs_free(inputs, n);
	return bad ? KIT_EXIT_INVALID : KIT_EXIT_OK;
}

/* ------------------------------------------------------------------------
 * Grading: --emit and --verify DIR[,DIR...] (two processes, never one)
 */

#define MAX_VERIFY_DIRS 16
#define RESULT_JSON_MAX (1u << 20)

/* --emit DIR: kernel K once on the inputs, outputs and result.json in DIR. */
static int run_emit(const struct options *o)
{
	char ddest[16];
	size_t n;
	struct stat st;
	if (stat(o->emit, &st) || !S_ISDIR(st.st_mode)) {
		kit_error("--emit '%s' is not a folder; make it (empty) first", o->emit);
		return KIT_EXIT_USAGE;
	}
	char **inputs = inputs_of(o, false, &n, ddest, sizeof(ddest));
	if (!inputs)
		return KIT_EXIT_USAGE;
	int threads = kit_omp_max_threads(), workers = workers_of(o, o->mode, threads);
	etl_plan pl;
	etl_plan_make(&pl, inputs, n, o->emit, true, &o->p);
	int failed = etl_plan_run(&pl, o->mode, workers);

	cJSON *root = cJSON_CreateObject(), *res = cJSON_CreateObject();
	cJSON *outs = cJSON_CreateArray(), *errs = cJSON_CreateArray();
	size_t written = 0;
	for (size_t i = 0; i < n; i++) {
		if (pl.state[i] == P_TODO && pl.res[i].status == ETL_DONE) {
			cJSON_AddItemToArray(outs, cJSON_CreateString(base_of(pl.out[i])));
			written++;
		} else {
			char safe[1200];
			cJSON_AddItemToArray(errs, cJSON_CreateString(pl.res[i].error));
			kit_error("%s", etl_printable(pl.res[i].error, safe, sizeof(safe)));
		}
	}
	cJSON_AddStringToObject(root, "exercise", "04-audio-etl");
	cJSON_AddStringToObject(root, "kernel", etl_modes[o->mode].name);
	cJSON_AddNumberToObject(root, "n", (double)n);
	cJSON_AddNumberToObject(root, "seed", (double)o->p.seed);
	cJSON_AddNumberToObject(root, "threads", threads);
	cJSON_AddNumberToObject(res, "files", (double)n);
	cJSON_AddNumberToObject(res, "written", (double)written);
	cJSON_AddNumberToObject(res, "failed", (double)(n - written));
	cJSON_AddNumberToObject(res, "sigma", o->p.sigma);
	if (o->mode == M_PROCESSES)
		cJSON_AddNumberToObject(res, "procs", workers);
	cJSON_AddItemToObject(res, "outputs", outs);
	cJSON_AddItemToObject(res, "errors", errs);
	cJSON_AddItemToObject(root, "result", res);
	char *text = cJSON_Print(root), path[4200];
	snprintf(path, sizeof(path), "%s/result.json", o->emit);
	int wrc = text ? kit_write_file(path, text) : -1;
	cJSON_free(text);
	cJSON_Delete(root);
	etl_plan_free(&pl);
	etl_inputs_free(inputs, n);
	if (wrc)
		return KIT_EXIT_INVALID;
	return failed != 0 ? KIT_EXIT_INVALID : KIT_EXIT_OK;
}

/* Checks DIR/result.json (untrusted): JSON of at most RESULT_JSON_MAX
 * bytes, this exercise, kernel K. Fills THREADS (-1 when not a number).
 * 0, or -1 with WHY. */
static int result_json_ok(const char *dir, int mode, int *threads, char *why, size_t len)
{
	char w[200], *path = kit_xasprintf("%s/result.json", dir);
	size_t n;
	unsigned char *text = etl_slurp(path, RESULT_JSON_MAX, &n, w, sizeof(w));
	if (!text) {
		snprintf(why, len, "'%s' %s (--emit writes it)", path, w);
		free(path);
		return -1;
	}
	cJSON *j = cJSON_ParseWithLength((const char *)text, n);
	free(text);
	const cJSON *ex = cJSON_GetObjectItemCaseSensitive(j, "exercise");
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(j, "kernel");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "threads");
	int rc = -1;
	if (!j)
		snprintf(why, len, "'%s' is not JSON", path);
	else if (!cJSON_IsString(ex) || strcmp(ex->valuestring, "04-audio-etl"))
		snprintf(why, len, "'%s' is not a result of exercise 04 (\"exercise\" should be "
			 "\"04-audio-etl\")", path);
	else if (!cJSON_IsString(k) || strcmp(k->valuestring, etl_modes[mode].name))
		snprintf(why, len, "'%s' holds the result of kernel %s%s%s, not %s", path,
			 cJSON_IsString(k) ? "'" : "", cJSON_IsString(k) ? k->valuestring : "(none)",
			 cJSON_IsString(k) ? "'" : "", etl_modes[mode].name);
	else
		rc = 0;
	*threads = cJSON_IsNumber(t) && t->valuedouble >= 1 && t->valuedouble < 1e6 ?
		   (int)t->valuedouble : -1;
	cJSON_Delete(j);
	free(path);
	return rc;
}

/* --verify DIR[,DIR...]: the reference's own outputs for the same inputs
 * and seed, compared byte for byte with each DIR's. */
static int run_verify_dirs(const struct options *o)
{
	char *list = kit_xstrdup(o->verify_dirs), *dirs[MAX_VERIFY_DIRS], *save = NULL;
	size_t nd = 0, n = 0;
	for (char *d = strtok_r(list, ",", &save); d; d = strtok_r(NULL, ",", &save)) {
		if (nd == MAX_VERIFY_DIRS) {
			printf("FAIL: grader error: more than %d folders to --verify\n", MAX_VERIFY_DIRS);
			free(list);
			return KIT_EXIT_USAGE;
		}
		dirs[nd++] = d;
	}
	char ddest[16], scratch[4096], why[1024] = "", threads[256] = "";
	char **inputs = nd ? inputs_of(o, false, &n, ddest, sizeof(ddest)) : NULL;
	if (!inputs || etl_scratch_make(scratch, sizeof(scratch))) {
		printf("FAIL: grader error: %s\n", nd ? "the inputs cannot be read (above)"
		       : "--verify needs a folder");
		etl_inputs_free(inputs, n);
		free(list);
		return KIT_EXIT_USAGE;
	}
	/* The reference's outputs: the serial kernel (every kernel writes the
	 * same bytes); a file it cannot do is a grader error. */
	etl_plan pl;
	etl_plan_make(&pl, inputs, n, scratch, true, &o->p);
	int rc = KIT_EXIT_OK;
	if (etl_plan_run(&pl, M_SERIAL, 1) != 0) {
		for (size_t i = 0; i < n && !why[0]; i++)
			if (pl.res[i].status != ETL_DONE)
				snprintf(why, sizeof(why), "%s", pl.res[i].error);
		printf("FAIL: grader error: the reference cannot transform its inputs: %s\n", why);
		rc = KIT_EXIT_USAGE;
		goto out;
	}
	for (size_t d = 0; d < nd && !why[0]; d++) {
		int t;
		if (result_json_ok(dirs[d], o->mode, &t, why, sizeof(why)))
			break;
		size_t tl = strlen(threads);
		snprintf(threads + tl, sizeof(threads) - tl, "%s%d", tl ? ", " : "", t);
		for (size_t i = 0; i < n && !why[0]; i++) {
			char *got = kit_xasprintf("%s/%s", dirs[d], base_of(pl.out[i]));
			int c = etl_compare_output(pl.out[i], got, pl.res[i].channels, why, sizeof(why));
			free(got);
			if (c < 0) {
				printf("FAIL: grader error: %s\n", why);
				rc = KIT_EXIT_USAGE;
				goto out;
			}
		}
	}
	if (why[0]) {
		printf("FAIL: %s\n", why);
		rc = KIT_EXIT_INVALID;
	} else {
		printf("PASS: kernel %s: the %zu outputs in each of %zu folder%s (threads %s) are "
		       "byte for byte the reference's for seed %llu, sigma %g\n",
		       etl_modes[o->mode].name, n, nd, nd == 1 ? "" : "s", threads,
		       (unsigned long long)o->p.seed, o->p.sigma);
	}
out:
	etl_plan_free(&pl);
	etl_scratch_remove(scratch);
	etl_inputs_free(inputs, n);
	free(list);
	return rc;
}

/* ------------------------------------------------------------------------
 * Check modes
 */

/* The verdicts of the checks run so far, and what they run on. */
struct checks {
	kit_checks v;
	char **inputs;		/* the files the checks run on */
	size_t n;
	char scratch[4096];	/* outputs go here */
};

/* Runs MODE over INPUTS into DEST (forced) with WORKERS; *PL is the plan,
 * freed by the caller. Returns the failed count, or -1. */
static int job_into(etl_plan *pl, char *const *inputs, size_t n, const char *dest,
		    const etl_params *p, int mode, int workers)
{
	etl_plan_make(pl, inputs, n, dest, true, p);
	return etl_plan_run(pl, mode, workers);
}

/* The first failure of a plan, for messages. */
static const char *first_error(const etl_plan *pl)
{
	for (size_t i = 0; i < pl->n; i++)
		if (pl->state[i] != P_SKIP && pl->res[i].status != ETL_DONE)
			return pl->res[i].error;
	return "none";
}

/* Checks every output of PL. 0 when all valid (*SIGMA the noise's standard
 * deviation over all files, *HASH a hash of every output's samples);
 * otherwise -1 with WHY. */
static int outputs_valid(const etl_plan *pl, double *sigma, uint64_t *hash, char *why, size_t len)
{
	double ss = 0;
	int64_t cnt = 0;
	uint64_t h = UINT64_C(0xCBF29CE484222325);
	for (size_t i = 0; i < pl->n; i++) {
		if (pl->state[i] == P_REFUSED)
			continue;
		etl_check c;
		if (etl_check_output(pl->in[i], pl->out[i], &pl->p, &c) || !c.ok) {
			snprintf(why, len, "%s", c.why);
			return -1;
		}
		ss += c.sum_sq;
		cnt += c.count;
		h = (h ^ c.hash) * UINT64_C(0x100000001B3);
	}
	*sigma = cnt ? sqrt(ss / (double)cnt) : 0;
	*hash = h;
	if (cnt >= 20000 && fabs(*sigma / pl->p.sigma - 1) > 0.02) {
		snprintf(why, len, "the noise's standard deviation over all files is %.5f, more "
			 "than 2%% from sigma = %g", *sigma, pl->p.sigma);
		return -1;
	}
	return 0;
}

static const char *unit_of(int mode, int w)
{
	if (mode == M_PROCESSES)
		return w == 1 ? "process" : "processes";
	return w == 1 ? "thread" : "threads";
}

/* --validate */
static void check_validate(struct checks *c, const struct options *o, int mode)
{
	int w = mode == M_SERIAL ? 1 : workers_of(o, mode, kit_omp_max_threads());
	etl_plan pl;
	int failed = job_into(&pl, c->inputs, c->n, c->scratch, &o->p, mode, w);
	char why[512];
	double sigma;
	uint64_t h;
	if (failed != 0)
		kit_check(&c->v, KIT_FAIL, "observed %d of %zu files fail with %s (first: %s); %s",
			  failed, c->n, etl_modes[mode].func, first_error(&pl), hint_of(mode));
	else if (outputs_valid(&pl, &sigma, &h, why, sizeof(why)))
		kit_check(&c->v, KIT_FAIL, "observed a wrong output: %s; %s", why, hint_of(mode));
	else
		kit_check(&c->v, KIT_PASS, "%s: %zu outputs valid at %d %s (frames, channels, rate, "
			  "samples in [-1, 1] and as defined, noise sigma %.4f within 2%% of %g)",
			  etl_modes[mode].name, c->n, w, unit_of(mode, w), sigma, o->p.sigma);
	etl_plan_free(&pl);
}

/* --expect-parallel for inner: etl_transform_threads alone, on a buffer of
 * INNER_SAMPLES, again and again for BUSY_SPAN: 2 or more threads used CPU
 * time, and its first run wrote the bits of etl_transform. (Inside whole
 * files the transform is a small part of the time: reading and writing
 * would hide the threads' work.) */
static void check_inner_parallel(struct checks *c, const struct options *o, int t)
{
	size_t n = INNER_SAMPLES;
	float *x = malloc(n * sizeof(*x)), *want = malloc(n * sizeof(*want));
	uint64_t key = etl_key_of("example0.wav");
	if (!x || !want)
		abort();
	for (size_t i = 0; i < n; i++)
		x[i] = want[i] = (float)((double)(i % 2001) / 1000.0 - 1.0);
	etl_transform(want, n, &o->p, key);
	int runs = 0, saved = kit_omp_max_threads();
	bool same = true;
	kit_omp_set_threads(t);
	kit_busy *b = kit_busy_begin();
	double t0 = kit_wtime();
	do {
		etl_transform_threads(x, n, &o->p, key);
		if (runs++ == 0)
			same = !memcmp(x, want, n * sizeof(*x));
	} while (same && kit_wtime() - t0 < BUSY_SPAN);
	double wall = kit_wtime() - t0;
	int busy = kit_busy_end(b, 0.25);
	kit_omp_set_threads(saved);
	if (!same)
		kit_check(&c->v, KIT_FAIL, "observed etl_transform_threads write other bits than "
			  "etl_transform on %zu samples; %s", n, hint_of(M_INNER));
	else if (busy < 0)
		kit_check(&c->v, KIT_SKIP, "cannot see which threads worked (/proc/self/task is "
			  "not readable here)");
	else if (busy < 2)
		kit_check(&c->v, KIT_FAIL, "observed %d busy thread of %d over %d runs of "
			  "etl_transform_threads (%.2f s): the transform ran on one thread; %s",
			  busy, t, runs, wall, hint_of(M_INNER));
	else
		kit_check(&c->v, KIT_PASS, "inner: %d of %d threads busy over %d runs of "
			  "etl_transform_threads on %zu samples (%.2f s), the same bits as serial",
			  busy, t, runs, n, wall);
	free(x);
	free(want);
}

/* --expect-parallel: threads: 2 or more threads opened files (the work of
 * threads over files is often waiting on the disk, which uses no CPU time);
 * inner: 2 or more threads used CPU time in the transform. */
static void check_parallel(struct checks *c, const struct options *o, int mode)
{
	int t = kit_omp_max_threads();
	if (!kit_check_parallel_possible(&c->v, t))
		return;
	if (mode == M_INNER) {
		check_inner_parallel(c, o, t);
		return;
	}
	etl_plan pl;
	etl_plan_make(&pl, c->inputs, c->n, c->scratch, true, &o->p);
	int runs = 0, failed = 0;
	etl_probe_reset(0);
	kit_busy *b = kit_busy_begin();
	double t0 = kit_wtime();
	do {
		failed = etl_plan_run(&pl, mode, t);
		runs++;
	} while (failed == 0 && kit_wtime() - t0 < BUSY_SPAN);
	double wall = kit_wtime() - t0;
	int busy = kit_busy_end(b, 0.25), openers = etl_probe_threads();
	if (failed)
		kit_check(&c->v, KIT_FAIL, "observed %s fail (first: %s); %s", etl_modes[mode].func,
			  first_error(&pl), hint_of(mode));
	else if (mode == M_THREADS && openers < 2)
		kit_check(&c->v, KIT_FAIL, "observed %d thread of %d open every file over %d "
			  "run%s: the files were not shared among the threads; %s", openers,
			  t, runs, runs == 1 ? "" : "s", hint_of(mode));
	else if (mode == M_THREADS)
		kit_check(&c->v, KIT_PASS, "%s: %d of %d threads opened files over %d run%s (%.2f s)",
			  etl_modes[mode].name, openers, t, runs, runs == 1 ? "" : "s", wall);
	else if (busy < 0)
		kit_check(&c->v, KIT_SKIP, "cannot see which threads worked (/proc/self/task is "
			  "not readable here)");
	else if (busy < 2)
		kit_check(&c->v, KIT_FAIL, "observed %d busy thread of %d over %d run%s (%.2f s): "
			  "the transform ran on one thread; %s", busy, t, runs,
			  runs == 1 ? "" : "s", wall, hint_of(mode));
	else
		kit_check(&c->v, KIT_PASS, "%s: %d of %d threads busy over %d run%s (%.2f s)",
			  etl_modes[mode].name, busy, t, runs, runs == 1 ? "" : "s", wall);
	etl_plan_free(&pl);
}

/* --expect-serial-open: sf_open one thread at a time (DESIGN.md section 6). */
static void check_serial_open(struct checks *c, const struct options *o, int mode)
{
	int t = kit_omp_max_threads();
	if (!kit_check_parallel_possible(&c->v, t))
		return;
	etl_plan pl;
	etl_probe_reset(PROBE_DELAY_US);
	int failed = job_into(&pl, c->inputs, c->n, c->scratch, &o->p, mode, t);
	int most = etl_probe_most();
	long opens = etl_probe_opens();
	etl_probe_reset(0);
	if (failed)
		kit_check(&c->v, KIT_FAIL, "observed %s fail (first: %s); %s", etl_modes[mode].func,
			  first_error(&pl), hint_of(mode));
	else if (most > 1)
		kit_check(&c->v, KIT_FAIL, "observed %d threads inside sf_open at once: "
			  "libsndfile keeps the error of sf_open in globals, so a failed "
			  "open can report another file's error; %s", most, hint_of(mode));
	else
		kit_check(&c->v, KIT_PASS, "%s: %ld sf_open calls at %d threads, never two at once",
			  etl_modes[mode].name, opens, t);
	etl_plan_free(&pl);
}

static double children_cpu(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_CHILDREN, &ru))
		return 0;
	return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
	       (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

/* --expect-children: the files were done in children, all reaped. */
static void check_children(struct checks *c, const struct options *o, int mode)
{
	int w = workers_of(o, mode, kit_omp_max_threads());
	double before = children_cpu();
	etl_plan pl;
	int failed = job_into(&pl, c->inputs, c->n, c->scratch, &o->p, mode, w);
	double cpu = children_cpu() - before;
	int st, pids = 0, here = 0, seen[MAX_WORKERS] = { 0 };
	pid_t left = waitpid(-1, &st, WNOHANG);
	bool zombie = left != -1 || errno != ECHILD;
	for (size_t k = 0; k < pl.ntodo; k++) {
		int p = pl.todo_res[k].pid, s = 0;
		here += p == (int)getpid();
		while (s < pids && seen[s] != p)
			s++;
		if (s == pids && pids < MAX_WORKERS)
			seen[pids++] = p;
	}
	if (failed)
		kit_check(&c->v, KIT_FAIL, "observed %s fail (first: %s); %s", etl_modes[mode].func,
			  first_error(&pl), hint_of(mode));
	else if (zombie)
		kit_check(&c->v, KIT_FAIL, "observed a child process left unreaped after %s "
			  "returned (a zombie, or one still running); %s",
			  etl_modes[mode].func, hint_of(mode));
	else if (here || cpu <= 0)
		kit_check(&c->v, KIT_FAIL, "observed %d of %zu files done in this process, not "
			  "in a child (%.3f s of CPU in children); %s", here, pl.ntodo, cpu,
			  hint_of(mode));
	else
		kit_check(&c->v, KIT_PASS, "%s: %zu files done by %d of %d child process%s "
			  "(%.3f s of CPU), none left behind", etl_modes[mode].name, pl.ntodo,
			  pids, w, w == 1 ? "" : "es", cpu);
	etl_plan_free(&pl);
}

/* --same-across LIST: one output at every count (and, with all, every mode). */
static void check_same_across(struct checks *c, const struct options *o, int only)
{
	/* Processes first: fork before this process runs any OpenMP region. */
	static const int order[] = { M_PROCESSES, M_SERIAL, M_THREADS, M_INNER };
	uint64_t want = 0;
	bool have = false;
	char seen[768] = "", why[512];
	size_t len = 0, runs = 0;
	for (size_t m = 0; m < sizeof(order) / sizeof(order[0]); m++) {
		int mode = order[m];
		if (only >= 0 && only != mode)
			continue;
		for (size_t i = 0; i < o->nsame; i++) {
			int w = o->same_across[i];
			if (mode == M_SERIAL && i > 0)
				break;
			etl_plan pl;
			int failed = job_into(&pl, c->inputs, c->n, c->scratch, &o->p, mode, w);
			double sigma;
			uint64_t h;
			if (failed) {
				kit_check(&c->v, KIT_FAIL, "observed %s fail at %d %s (first: %s); %s",
					  etl_modes[mode].func, w, unit_of(mode, w),
					  first_error(&pl), hint_of(mode));
				etl_plan_free(&pl);
				return;
			}
			if (outputs_valid(&pl, &sigma, &h, why, sizeof(why))) {
				kit_check(&c->v, KIT_FAIL, "observed %s at %d %s write an output "
					  "unlike the serial one: %s; %s", etl_modes[mode].name,
					  w, unit_of(mode, w), why, hint_of(mode));
				etl_plan_free(&pl);
				return;
			}
			etl_plan_free(&pl);
			if (!have)
				want = h;
			have = true;
			runs++;
			if (len < sizeof(seen))
				len += (size_t)snprintf(seen + len, sizeof(seen) - len, "%s%s %d",
							len ? ", " : "", etl_modes[mode].name,
							mode == M_SERIAL ? 1 : w);
			if (h != want) {
				kit_check(&c->v, KIT_FAIL, "observed different outputs at %s; %s",
					  seen, hint_of(mode));
				return;
			}
		}
	}
	kit_check(&c->v, KIT_PASS, "identical outputs in %zu runs (%s): every sample as defined",
		  runs, seen);
}

/* What each fixture of data/audio/ must fail with (a part of its message). */
static const struct {
	const char *file, *reason;
} fixtures[] = {
	{ "truncated.wav", "truncated" },
	{ "text.wav", "Format not recognised" },
	{ "empty.wav", "empty (0 bytes)" },
	{ "unsupported-codec.wav", "fmt" },
	{ "aiff-named.wav", "not a WAV file" },
	{ "lies/lying-size.wav", "data chunk claims 4294967040 bytes from byte 44; the file has 444" },
	{ "lies/partial-frame.wav", "not a whole number of 4-byte frames" },
	{ "lies/zero-channels.wav", "0 channels" },
	{ "lies/bad-block.wav", "(4 bytes a frame) but 3 bytes a frame" },
	{ "lies/chunk-past-end.wav", "claims 1048576 bytes; the file has 292" },
	{ "lies/no-data.wav", "no data chunk" },
};

/* Inputs --check-broken makes in its scratch folder: not regular files. */
static const struct {
	const char *file, *reason;
} specials[] = {
	{ "fifo.wav", "a FIFO (named pipe), not a file" },
	{ "folder.wav", "a folder, not a file" },
	{ "no-such-file.wav", "No such file or directory" },
};
#define NSPECIALS (sizeof(specials) / sizeof(specials[0]))

/* --check-broken: each broken input its own clear error; the others done. */
static void check_broken(struct checks *c, const struct options *o, int mode)
{
	size_t nf = sizeof(fixtures) / sizeof(fixtures[0]), nb = nf + NSPECIALS;
	size_t n = c->n + nb;
	char **in = calloc(n, sizeof(*in));
	const char **reason = calloc(n, sizeof(*reason));
	struct stat before[sizeof(fixtures) / sizeof(fixtures[0])];
	if (!in || !reason)
		abort();
	/* The special inputs: a FIFO (opening it for reading would wait for a
	 * writer forever), a folder, a name that is not there. */
	char *fifo = kit_xasprintf("%s/%s", c->scratch, specials[0].file);
	char *folder = kit_xasprintf("%s/%s", c->scratch, specials[1].file);
	if ((mkfifo(fifo, 0600) && errno != EEXIST) || (mkdir(folder, 0700) && errno != EEXIST)) {
		kit_check(&c->v, KIT_SKIP, "cannot check: cannot make a FIFO or a folder in '%s': %s",
			  c->scratch, strerror(errno));
		goto out;
	}
	/* Broken files among the good ones, so that threads meet both at once. */
	size_t k = 0, g = 0;
	for (size_t i = 0; i < n; i++) {
		if (k < nb && (g >= c->n || i % 2 == 1)) {
			if (k < nf) {
				in[i] = kit_xasprintf("%s/data/audio/%s", kit_root(), fixtures[k].file);
				reason[i] = fixtures[k].reason;
				if (stat(in[i], &before[k])) {
					kit_check(&c->v, KIT_SKIP, "cannot check: fixture '%s' is "
						  "missing", in[i]);
					goto out;
				}
			} else {
				in[i] = kit_xasprintf("%s/%s", c->scratch, specials[k - nf].file);
				reason[i] = specials[k - nf].reason;
			}
			k++;
		} else {
			in[i] = kit_xstrdup(c->inputs[g++]);
		}
	}
	int w = workers_of(o, mode, kit_omp_max_threads());
	etl_plan pl;
	int failed = job_into(&pl, in, n, c->scratch, &o->p, mode, w);
	char why[1024] = "";
	size_t good = 0;
	for (size_t i = 0; i < n && !why[0]; i++) {
		const etl_result *r = &pl.res[i];
		const char *base = base_of(in[i]);
		if (!reason[i]) {
			if (r->status != ETL_DONE)
				snprintf(why, sizeof(why), "a good file failed beside the broken "
					 "ones: %s", r->error);
			good++;
		} else if (r->status != ETL_FAILED) {
			snprintf(why, sizeof(why), "'%s' (broken) was reported done", base);
		} else if (!strstr(r->error, in[i]) || !strstr(r->error, reason[i])) {
			snprintf(why, sizeof(why), "the error of '%s' should name it and say "
				 "'%s'; it says: %s", base, reason[i], r->error);
		} else if (access(pl.out[i], F_OK) == 0) {
			snprintf(why, sizeof(why), "'%s' (broken) left an output '%s'", base,
				 base_of(pl.out[i]));
		}
	}
	for (size_t f = 0; f < nf && !why[0]; f++) {
		struct stat now;
		char *p = kit_xasprintf("%s/data/audio/%s", kit_root(), fixtures[f].file);
		if (stat(p, &now) || now.st_size != before[f].st_size ||
		    now.st_mtim.tv_sec != before[f].st_mtim.tv_sec ||
		    now.st_mtim.tv_nsec != before[f].st_mtim.tv_nsec)
			snprintf(why, sizeof(why), "the input '%s' was changed", p);
		free(p);
	}
	double sigma;
	uint64_t h;
	if (!why[0] && failed != (int)nb)
		snprintf(why, sizeof(why), "%s counted %d failures for %zu broken files",
			 etl_modes[mode].func, failed, nb);
	if (!why[0]) {
		/* Only the good files' outputs: a second plan without the broken. */
		etl_plan ok;
		etl_plan_make(&ok, c->inputs, c->n, c->scratch, false, &o->p);
		char w2[512];
		if (outputs_valid(&ok, &sigma, &h, w2, sizeof(w2)))
			snprintf(why, sizeof(why), "a good file's output is wrong: %s", w2);
		etl_plan_free(&ok);
	}
	if (why[0])
		kit_check(&c->v, KIT_FAIL, "observed %s; %s", why, hint_of(mode));
	else
		kit_check(&c->v, KIT_PASS, "%s: %zu broken inputs each failed with its own error "
			  "(truncated, not audio, empty, unsupported codec, not a WAV, headers "
			  "that lie about their file, a FIFO, a folder, missing), untouched; the "
			  "%zu good files done and valid", etl_modes[mode].name, nb, good);
	etl_plan_free(&pl);
out:
	unlink(fifo);
	rmdir(folder);
	free(fifo);
	free(folder);
	free(reason);
	etl_inputs_free(in, n);
}

/* Outputs (*-transformed.wav) and temporaries (*.tmp.*) in DIR. */
static void count_dir(const char *dir, int *outputs, int *temps)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	*outputs = *temps = 0;
	while (d && (e = readdir(d))) {
		*outputs += etl_ends_with_ci(e->d_name, "-transformed.wav");
		*temps += strstr(e->d_name, ".tmp.") != NULL;
	}
	if (d)
		closedir(d);
}

/* Runs MODE over PL in a child process; the parent runs no OpenMP. With
 * KILL_AFTER_FIRST, SIGKILLs it as soon as one output is in DIR. Returns the
 * child's wait status, or -1; *KILLED tells whether it was killed midway. */
static int job_in_child(etl_plan *pl, int mode, int workers, const char *dir,
			bool kill_after_first, bool *killed)
{
	fflush(NULL);
	pid_t p = fork();
	if (p < 0) {
		kit_error("cannot fork: %s", strerror(errno));
		return -1;
	}
	setpgid(p, p);	/* also here: no window in which the group does not exist */
	if (p == 0) {
		/* Its own process group: the kill reaches step 3's workers too, as
		 * Ctrl-C reaches every process of a terminal's job. */
		setpgid(0, 0);
		int f = etl_plan_run(pl, mode, workers);
		_exit(f < 0 ? 3 : f > 0 ? 1 : 0);
	}
	*killed = false;
	int st;
	double t0 = kit_wtime();
	for (;;) {
		pid_t w = waitpid(p, &st, WNOHANG);
		if (w == p)
			return st;
		int outs, temps;
		count_dir(dir, &outs, &temps);
		/* Midway: one output done and another being written, if we see it. */
		if (kill_after_first && !*killed && ((outs >= 1 && temps >= 1) || outs >= 3)) {
			kill(-p, SIGKILL);
			kill(p, SIGKILL);
			*killed = true;
		}
		if (kit_wtime() - t0 > 120) {
			kill(-p, SIGKILL);
			kill(p, SIGKILL);
			waitpid(p, &st, 0);
			return -1;
		}
		struct timespec ts = { 0, 500000 };
		nanosleep(&ts, NULL);
	}
}

/* --check-kill: killed midway, no partial output; the re-run finishes. */
static void check_kill(struct checks *c, const struct options *o, int mode)
{
	char dir[4096];
	size_t n = KILL_FILES;
	char **in = o->nargs ? NULL : etl_inputs_generated(KILL_FILES, KILL_SECONDS, false,
							   dir, sizeof(dir));
	if (o->nargs) {
		n = c->n;
		in = malloc(n * sizeof(*in));
		if (!in)
			abort();
		for (size_t i = 0; i < n; i++)
			in[i] = kit_xstrdup(c->inputs[i]);
	}
	if (!in) {
		kit_check(&c->v, KIT_SKIP, "cannot check: the inputs could not be generated");
		return;
	}
	char sub[4096 + 16];
	snprintf(sub, sizeof(sub), "%s/kill", c->scratch);
	kit_mkdirs(sub);
	int w = workers_of(o, mode, kit_omp_max_threads());
	etl_plan pl;
	bool killed;
	etl_plan_make(&pl, in, n, sub, true, &o->p);
	int st = job_in_child(&pl, mode, w, sub, true, &killed);
	etl_plan_free(&pl);
	int outs, temps;
	count_dir(sub, &outs, &temps);
	char why[512] = "";
	if (st == -1) {
		snprintf(why, sizeof(why), "the run could not be started or hung");
	} else if (!killed) {
		kit_check(&c->v, KIT_SKIP, "cannot check: the run finished before it could be "
			  "killed (exit %d); use bigger files", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		etl_inputs_free(in, n);
		return;
	} else {
		/* Every output present must be whole and right. */
		etl_plan_make(&pl, in, n, sub, false, &o->p);
		for (size_t i = 0; i < n && !why[0]; i++) {
			etl_check ck;
			if (access(pl.out[i], F_OK))
				continue;
			if (etl_check_output(pl.in[i], pl.out[i], &o->p, &ck) || !ck.ok)
				snprintf(why, sizeof(why), "a partial or wrong output after the "
					 "kill: %s", ck.why);
		}
		size_t skip = pl.n - pl.ntodo;
		if (!why[0] && (int)skip != outs)
			snprintf(why, sizeof(why), "the re-run would skip %zu files, but %d "
				 "outputs are there", skip, outs);
		/* The re-run: skips the done, removes the temporaries, does the rest. */
		bool k2;
		int st2 = why[0] ? 0 : job_in_child(&pl, mode, w, sub, false, &k2);
		int outs2, temps2;
		count_dir(sub, &outs2, &temps2);
		if (!why[0] && (st2 == -1 || !WIFEXITED(st2) || WEXITSTATUS(st2)))
			snprintf(why, sizeof(why), "the re-run failed (%s)", first_error(&pl));
		else if (!why[0] && (outs2 != (int)n || temps2))
			snprintf(why, sizeof(why), "after the re-run %d of %zu outputs and %d "
				 "temporary files are there", outs2, n, temps2);
		double sigma;
		uint64_t h;
		if (!why[0] && outputs_valid(&pl, &sigma, &h, why, sizeof(why)) == 0 && !why[0]) {
			kit_check(&c->v, KIT_PASS, "%s: killed after %d of %zu files with %d "
				  "temporary file%s and no partial output; the re-run removed "
				  "them, skipped %zu and finished %zu, all valid",
				  etl_modes[mode].name, outs, n, temps, temps == 1 ? "" : "s",
				  skip, pl.ntodo);
		}
		etl_plan_free(&pl);
	}
	if (why[0])
		kit_check(&c->v, KIT_FAIL, "observed %s; %s", why, hint_of(mode));
	etl_scratch_remove(sub);
	etl_inputs_free(in, n);
}

static int run_checks(const struct options *o)
{
	struct checks c = { .v = { .quiet = o->quiet } };
	char ddest[16];
	c.inputs = inputs_of(o, false, &c.n, ddest, sizeof(ddest));
	if (!c.inputs)
		return KIT_EXIT_USAGE;
	if (etl_scratch_make(c.scratch, sizeof(c.scratch))) {
		etl_inputs_free(c.inputs, c.n);
		return KIT_EXIT_USAGE;
	}
	/* The kill check forks a run that may use OpenMP: before any region here. */
	for (int m = 0; o->check_kill && m < M_COPY; m++)
		if (o->mode < 0 || o->mode == m) {
			if (!o->quiet)
				printf("%s (%s, step %d): killed midway\n", etl_modes[m].name,
				       etl_modes[m].func, etl_modes[m].step);
			check_kill(&c, o, m);
		}
	/* Then the processes: fork before this process runs OpenMP. */
	static const int order[] = { M_PROCESSES, M_SERIAL, M_THREADS, M_INNER };
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		int m = order[i];
		if (o->mode >= 0 && o->mode != m)
			continue;
		bool any = o->validate || (o->expect_parallel && (m == M_THREADS || m == M_INNER)) ||
			   (o->expect_serial_open && m == M_THREADS) ||
			   (o->expect_children && m == M_PROCESSES) || o->check_broken;
		if (!any)
			continue;
		if (!o->quiet)
			printf("%s (%s, step %d):\n", etl_modes[m].name, etl_modes[m].func,
			       etl_modes[m].step);
		if (o->expect_children && m == M_PROCESSES)
			check_children(&c, o, m);
		if (o->validate)
			check_validate(&c, o, m);
		if (o->check_broken)
			check_broken(&c, o, m);
		if (o->expect_parallel && (m == M_THREADS || m == M_INNER))
			check_parallel(&c, o, m);
		if (o->expect_serial_open && m == M_THREADS)
			check_serial_open(&c, o, m);
	}
	if (o->nsame) {
		if (!o->quiet)
			printf("%s: the same outputs across counts\n",
			       o->mode < 0 ? "every kernel" : etl_modes[o->mode].name);
		check_same_across(&c, o, o->mode);
	}
	etl_scratch_remove(c.scratch);
	etl_inputs_free(c.inputs, c.n);
	return kit_checks_finish(&c.v);
}

/* ------------------------------------------------------------------------
 * Timing mode: validate, then MB/s per kernel and thread count
 */

static int run_timing(const struct options *o)
{
	char ddest[16], scratch[4096];
	size_t n;
	int rc;
	char **inputs = inputs_of(o, !o->quiet, &n, ddest, sizeof(ddest));
	if (!inputs)
		return KIT_EXIT_USAGE;
	if (o->dest ? writable_dir(o->dest) : etl_scratch_make(scratch, sizeof(scratch))) {
		etl_inputs_free(inputs, n);
		return KIT_EXIT_USAGE;
	}
	int one = kit_omp_max_threads();
	etl_sweep s = {
		.inputs = inputs, .n = n, .dest = o->dest ? o->dest : scratch, .p = o->p,
		.workers = o->threads ? o->threads : &one, .nworkers = o->threads ? o->nthreads : 1,
		.modes = o->mode < 0 ? (1u << M_COUNT) - 1 : 1u << o->mode,
		.timing = { .warmup = 1, .min_reps = 3, .min_time = 0.5, .max_reps = 50 },
		.cold = o->cold, .quiet = o->quiet, .chart = o->chart, .png = o->png,
		.title = "audio ETL: MB/s by kernel and workers",
	};
	if (o->procs && o->mode == M_PROCESSES) {
		s.workers = &o->procs;
		s.nworkers = 1;
	}
	kit_results *r = kit_results_new("etl", s.title);
	if (!o->quiet) {
		kit_env_print(stdout);
		printf("files     %zu inputs, outputs in %s\n\n", n, s.dest);
		fflush(stdout);
	}
	rc = etl_sweep_run(&s, r, stdout);
	if (kit_results_write_json(r, o->json))
		rc = KIT_EXIT_USAGE;
	if (o->csv && kit_results_write_csv(r, o->csv))
		rc = KIT_EXIT_USAGE;
	kit_results_free(r);
	if (!o->dest)
		etl_scratch_remove(scratch);
	etl_inputs_free(inputs, n);
	return rc;
}

/* ------------------------------------------------------------------------
 * Arguments
 */

static const char *const kernel_names[] = { "serial", "threads", "processes", "inner", "all",
					    NULL };

static const char about_text[] =
"Audio ETL (exercise 04), the seed's etl_demo in C: for each WAV file, read it,\n"
"add Gaussian noise (sigma 0.1), clip to [-1, 1], write NAME-transformed.wav\n"
"(a temporary file renamed when complete). One line per file, then a summary.\n"
"Exit status: 0 every file done, 1 some failed, 2 nothing could run. Without\n"
"FILEs: the 24 generated files of data/cache/audio-5s/ (made on first use),\n"
"outputs in results/etl/audio-5s/. Checks end with one line PASS: or FAIL:.\n";

static const char examples_text[] =
"  etl                                   the seed's job, threads over files\n"
"  etl sounds/ --kernel processes --procs 2\n"
"  etl --kernel all --time --threads 1,2 --chart\n"
"  OMP_NUM_THREADS=2 etl --kernel threads --validate --expect-serial-open\n"
"  etl --kernel all --same-across 1,2,3\n"
"  etl --make-inputs in --seed 7; etl --kernel threads --input in --seed 7 --emit out\n";

/* Parses ARGV into O through one option table (opt.h). 0, or -1 after one
 * line; exits 0 after --help. */
static int parse_args(int argc, char **argv, struct options *o)
{
	int kernel = 4;
	bool kernel_seen = false, check_outputs = false;
	kit_opt_counts threads = { 0 }, same = { 0 };
	const kit_opt opts[] = {
		KIT_OPT_GROUP("the job (the seed's etl_demo):"),
		{ 0, "kernel", KIT_OPT_KIND_CHOICE, &kernel, "K", "serial (step 1), threads (2), "
		  "processes (3), inner (4: threads\ninside each file); all with --time and "
		  "checks (default: threads)", 0, 0, 0, 0, kernel_names, &kernel_seen },
		KIT_OPT_COUNTS(0, "threads", &threads, "N", "threads (default: OMP_NUM_THREADS); "
			       "with --time a list,\ne.g. 1,2,4 or 1-8 or cores, cpus, 2cpus", 1,
			       MAX_WORKERS),
		KIT_OPT_INT(0, "procs", &o->procs, "P", "worker processes of the processes kernel "
			    "(default: threads)", 1, MAX_WORKERS),
		KIT_OPT_STRING(0, "dest", &o->dest, "DIR", "write the outputs in DIR (made if "
			       "missing); default beside\neach input"),
		KIT_OPT_BOOL(0, "force", &o->force, "redo files whose output is already there "
			     "and verified\n(default: skip them)"),
		KIT_OPT_BOOL(0, "check-outputs", &check_outputs, "transform nothing: check the "
			     "outputs already there against\ntheir inputs (as --validate does); "
			     "--verify with no folder\nis the same"),
		KIT_OPT_DOUBLE(0, "seconds", &o->seconds, "S", "length of each generated file "
			       "(default 5; 240 is the seed's)", 0.01, 3600),
		KIT_OPT_INT(0, "files", &o->files, "N", "how many generated files (default 24)",
			    1, 1000),
		KIT_OPT_DOUBLE(0, "sigma", &o->p.sigma, "S", "standard deviation of the noise "
			       "(default 0.1)", 0, 10),
		KIT_OPT_U64(0, "seed", &o->p.seed, "S", "seed of the noise (default 2026)", 0,
			    UINT64_MAX),
		KIT_OPT_STRING(0, "csv", &o->csv, "F", "per-file results (with --time: per kernel "
			       "and threads)"),
		KIT_OPT_STRING(0, "json", &o->json, "F", "the same as JSON"),
		KIT_OPT_BOOL('q', "quiet", &o->quiet, "only the summary (checks: only the "
			     "verdict line)"),
		KIT_OPT_GROUP("measuring:"),
		KIT_OPT_BOOL(0, "time", &o->time, "validate, then time each kernel: MB/s, read / "
			     "transform /\nwrite seconds, and the plain copy's MB/s (the I/O "
			     "limit)"),
		KIT_OPT_BOOL(0, "cold", &o->cold, "with --time: also evict the inputs from the "
			     "page cache\nbefore each run (posix_fadvise), as if read from disk"),
		KIT_OPT_BOOL(0, "chart", &o->chart, "MB/s by threads as a text chart (with "
			     "--time)"),
		KIT_OPT_STRING(0, "png", &o->png, "PREFIX", "the same as PREFIX.png"),
		KIT_OPT_GROUP("checks (OMP_NUM_THREADS sets the threads; last line PASS: or "
			      "FAIL:):"),
		KIT_OPT_BOOL(0, "validate", &o->validate, "every output: same frames, channels "
			     "and rate as its input,\nsamples in [-1, 1] and as defined "
			     "(etl_noise.h), noise\nstandard deviation within 2% of sigma"),
		KIT_OPT_BOOL(0, "expect-parallel", &o->expect_parallel, "2 or more threads did "
			     "work (77: only 1 thread here)"),
		KIT_OPT_BOOL(0, "expect-serial-open", &o->expect_serial_open, "no two threads "
			     "inside sf_open at once (threads kernel)"),
		KIT_OPT_BOOL(0, "expect-children", &o->expect_children, "the files were done in "
			     "child processes, all reaped"),
		KIT_OPT_COUNTS(0, "same-across", &same, "LIST", "identical outputs at each thread "
			       "(process) count of LIST,\nand for --kernel all across every "
			       "kernel", 1, MAX_WORKERS),
		KIT_OPT_BOOL(0, "check-broken", &o->check_broken, "with the broken files of "
			     "data/audio/, a FIFO, a folder and\na missing file: each gets its own "
			     "clear error, every\nother file is done"),
		KIT_OPT_BOOL(0, "check-kill", &o->check_kill, "a run killed midway leaves no "
			     "partial output, and a re-run\nskips what was done and finishes "
			     "the rest"),
		KIT_OPT_GROUP("grading (the grader runs these, each in its own process):"),
		KIT_OPT_STRING(0, "input", &o->input, "DIR", "the inputs: DIR's *.wav files (as "
			       "a FOLDER argument)"),
		KIT_OPT_STRING(0, "emit", &o->emit, "DIR", "run --kernel K once (OMP_NUM_THREADS "
			       "threads) on the inputs\nand write its outputs and result.json "
			       "into DIR; no checks"),
		KIT_OPT_STRING(0, "verify", &o->verify_dirs, "DIR[,DIR...]", "the reference: "
			       "every output in each DIR byte for byte\nequal to its own for the "
			       "same inputs and seed"),
		KIT_OPT_STRING(0, "make-inputs", &o->make_inputs, "DIR", "write --count K input "
			       "WAVs for --seed S into DIR:\n1 to 8 channels, 8 to 96 kHz, 16-bit, "
			       "24-bit and float,\npeaks at and past +-1"),
		KIT_OPT_INT(0, "count", &o->count, "K", "input files --make-inputs writes "
			    "(default 8)", 1, 1000),
		KIT_OPT_GROUP("demos (the demo program etl-demos, built with the reference):"),
		KIT_OPT_STRING(0, "demo", &o->demo, "NAME", "the live demo: etl"),
		KIT_OPT_BOOL(0, "bench", &o->bench, "MB/s of every mode against the copy and the "
			     "Python version"),
		KIT_OPT_BOOL(0, "quick", &o->quick, "test-sized demo or benchmark"),
		KIT_OPT_STRING(0, "out", &o->out, "DIR", "where the demo writes its files"),
		KIT_OPT_END,
	};
	const kit_opt *tables[] = { opts, NULL };
	o->args = kit_xcalloc((size_t)argc + 1, sizeof(*o->args));
	kit_opt_prog prog = {
		.name = "etl",
		.usage = "etl [FILE|FOLDER ...] [--kernel K] [--threads N] [--procs P] [--dest DIR]\n"
			 "etl --time [--kernel K|all] [--threads LIST] [--cold] [--chart]\n"
			 "etl --kernel K [check ...]                 PASS: or FAIL:\n"
			 "etl --kernel K [--input DIR] [--seed S] --emit DIR | --verify DIR[,...]\n"
			 "etl --make-inputs DIR --seed S [--count K]\n"
			 "etl --demo etl | --bench [--quick] [--out DIR]",
		.about = about_text,
		.tables = tables,
		.examples = examples_text,
		.operands = (const char **)o->args,
	};
	/* --verify with no folder after it (last, or before another option) is
	 * the older spelling of --check-outputs. */
	char **av = kit_xcalloc((size_t)argc + 1, sizeof(*av));
	for (int i = 0; i < argc; i++)
		av[i] = !strcmp(argv[i], "--verify") && (i + 1 == argc || argv[i + 1][0] == '-')
			? (char *)"--check-outputs" : argv[i];
	int rc = kit_opt_parse(&prog, argc, av);
	free(av);
	o->threads = threads.v;
	o->nthreads = threads.n;
	o->same_across = same.v;
	o->nsame = same.n;
	while (o->args[o->nargs])
		o->nargs++;
	if (rc == KIT_OPT_HELP)
		exit(KIT_EXIT_OK);
	if (rc)
		return -1;
	o->mode = kernel == 4 ? -1 : kernel;
	o->mode_set = kernel_seen;
	o->verify = check_outputs;
	if (o->dest && !*o->dest) {
		kit_error("--dest needs a folder name, not ''");
		return -1;
	}
	if (o->verify_dirs && !*o->verify_dirs) {
		kit_error("--verify needs a folder name, not ''");
		return -1;
	}
	bool checking = o->validate || o->expect_parallel || o->expect_serial_open ||
			o->expect_children || o->nsame || o->check_broken || o->check_kill;
	int grading = !!o->emit + !!o->verify_dirs + !!o->make_inputs;
	if (grading > 1 || (grading && (checking || o->time || o->demo || o->bench || o->verify))) {
		kit_error("--emit, --verify DIR and --make-inputs each run alone: no check, "
			  "--time, --demo or --bench beside them, and one at a time");
		return -1;
	}
	if ((o->emit || o->verify_dirs) && o->mode < 0) {
		kit_error("%s needs one kernel: --kernel serial, threads, processes or inner",
			  o->emit ? "--emit" : "--verify");
		return -1;
	}
	if (o->make_inputs && (o->nargs || o->input)) {
		kit_error("--make-inputs writes inputs; it reads none (no FILE or --input)");
		return -1;
	}
	if (grading)
		return 0;
	if (o->expect_children && o->mode != M_PROCESSES) {
		kit_error("--expect-children needs --kernel processes");
		return -1;
	}
	if (o->expect_serial_open && o->mode != M_THREADS) {
		kit_error("--expect-serial-open needs --kernel threads");
		return -1;
	}
	if (o->expect_parallel && o->mode != M_THREADS && o->mode != M_INNER) {
		kit_error("--expect-parallel needs --kernel threads or inner (for processes: "
			  "--expect-children)");
		return -1;
	}
	if ((o->demo || o->bench) && (checking || o->time)) {
		kit_error("--demo and --bench cannot be combined with --time or check options");
		return -1;
	}
	if (o->demo && o->bench) {
		kit_error("choose one of --demo and --bench");
		return -1;
	}
	if (checking && o->time) {
		kit_error("choose one of --time and the check options");
		return -1;
	}
	if (!checking && !o->time && !o->demo && !o->bench) {
		if (o->mode_set && o->mode < 0) {
			kit_error("--kernel all needs --time or a check; a job runs one kernel");
			return -1;
		}
		if (o->nthreads > 1) {
			kit_error("--threads takes one count for a job; a list needs --time");
			return -1;
		}
	}
	return 0;
}

/* --demo and --bench: the demo program, built with the reference solution
 * only (BUILD/demos/04-audio-etl/etl-demos, beside this program's
 * BUILD/exercises/... or BUILD/solutions/...), with the same arguments.
 * Returns only when it cannot be run. */
static int run_demo_program(int argc, char **argv)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		for (int up = 0; up < 3 && strrchr(exe, '/'); up++)
			*strrchr(exe, '/') = '\0';
	}
	char *path = kit_xasprintf("%s/demos/04-audio-etl/etl-demos", n > 0 ? exe : ".");
	if (access(path, X_OK)) {
		kit_error("the demos are a program of their own, built with the reference "
			  "solution: '%s' is not built; run ./kit once (it builds everything)", path);
		free(path);
		return KIT_EXIT_USAGE;
	}
	char **av = kit_xcalloc((size_t)argc + 1, sizeof(*av));
	av[0] = path;
	for (int i = 1; i < argc; i++)
		av[i] = argv[i];
	fflush(NULL);
	execv(path, av);
	kit_error("cannot run '%s': %s", path, strerror(errno));
	free(av);
	free(path);
	return KIT_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	struct options o = { .mode = -1, .files = ETL_FILES, .seconds = ETL_SECONDS, .count = 8,
			     .p = { .sigma = ETL_SIGMA, .seed = ETL_SEED } };
	int rc;

	if (kit_init(argc, argv))
		return KIT_EXIT_USAGE;
	if (parse_args(argc, argv, &o)) {
		rc = KIT_EXIT_USAGE;
		goto out;
	}
	if (o.demo || o.bench) {
		rc = run_demo_program(argc, argv);
		goto out;
	}
	if (o.make_inputs) {
		rc = etl_make_inputs(o.make_inputs, o.p.seed, o.count) ? KIT_EXIT_USAGE : KIT_EXIT_OK;
		goto out;
	}
	if (o.emit) {
		rc = run_emit(&o);
		goto out;
	}
	if (o.verify_dirs) {
		rc = run_verify_dirs(&o);
		goto out;
	}
	if (o.time) {
		rc = run_timing(&o);
		goto out;
	}
	if (o.validate || o.expect_parallel || o.expect_serial_open || o.expect_children ||
	    o.nsame || o.check_broken || o.check_kill) {
		if (!o.quiet) {
			kit_env_print(stdout);
			printf("kernel    %s\n\n", o.mode < 0 ? "all" : etl_modes[o.mode].name);
			fflush(stdout);
		}
		rc = run_checks(&o);
		goto out;
	}
	rc = o.verify ? run_verify(&o) : run_job(&o);
out:
	free(o.threads);
	free(o.same_across);
	free(o.args);
	return rc;
}
