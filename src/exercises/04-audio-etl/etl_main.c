/*
 * NAME
 *   etl_main.c - the driver of exercise 04, the audio ETL (shared by the
 *   skeleton and the reference build; students do not edit it).
 *
 * PURPOSE
 *   The C form of the Python lesson's etl_demo: for each WAV file, read it, add
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
 *   files; --seconds 240 for the Python lesson's 4-minute files, 1 GB in all), whose
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
#include "etl_cli.h"
#include "etl_driver.h"
#include "etl_io.h"
#include "etl_noise.h"
#include "etl_probe.h"
#include "exercise.h"
#include "kit.h"
#include "opt.h"



/* What to look at when MODE fails a check. */
const char *etl_hint_of(int mode)
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


int etl_workers_of(const struct options *o, int mode, int threads)
{
	return mode == M_PROCESSES && o->procs ? o->procs : threads;
}

/* The inputs of this run: the arguments, or the generated set. *DEFAULT_DEST
 * gets results/etl/audio-Ns for the generated set. */
char **etl_inputs_of(const struct options *o, bool verbose, size_t *n, char *default_dest,
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
			  kit_printable(dir, safe, sizeof(safe)), where, strerror(errno));
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
 * The job: the Python lesson's etl_demo
 */

const char *etl_base_of(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static int run_job(const struct options *o)
{
	char ddest[4096];
	size_t n;
	int rc = KIT_EXIT_OK;
	char **inputs = etl_inputs_of(o, !o->quiet, &n, ddest, sizeof(ddest));
	if (!inputs)
		return KIT_EXIT_USAGE;
	if (n == 0) {
		kit_error("nothing to do: no .wav file among the inputs (see above)");
		kit_files_free(inputs, n);
		return KIT_EXIT_USAGE;
	}
	const char *dest = o->dest ? o->dest : ddest[0] ? ddest : NULL;
	if (dest && writable_dir(dest)) {
		kit_files_free(inputs, n);
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
				kit_files_free(inputs, n);
				return KIT_EXIT_USAGE;
			}
		}

	int mode = o->mode < 0 ? M_THREADS : o->mode;
	int threads = o->threads ? o->threads[0] : kit_omp_max_threads();
	int workers = etl_workers_of(o, mode, threads);
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
			kit_warn("%s", kit_printable(msg, safe, sizeof(safe)));
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
		kit_results_row(r, etl_base_of(pl.in[i]));
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
				       "redoes it)\n", kit_printable(pl.in[i], safe, sizeof(safe)),
				       kit_printable(etl_base_of(pl.out[i]), so, sizeof(so)));
			}
		} else if (e->status == ETL_DONE) {
			done++;
			if (!o->quiet)
				printf("%s completed in %.3fs (read %.3f, transform %.3f, write %.3f)\n",
				       kit_printable(pl.in[i], safe, sizeof(safe)),
				       e->t_read + e->t_transform + e->t_write, e->t_read,
				       e->t_transform, e->t_write);
		} else {
			bad++;
		}
	}
	fflush(stdout);
	for (size_t i = 0; i < n; i++)
		if (pl.state[i] != P_SKIP && pl.res[i].status != ETL_DONE)
			kit_error("%s", kit_printable(pl.res[i].error, safe, sizeof(safe)));
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
	kit_files_free(inputs, n);
	return rc;
}

/* --verify: the outputs already there, checked against their inputs. */
static int run_verify(const struct options *o)
{
	char ddest[4096];
	size_t n, ok = 0, missing = 0, bad = 0;
	char **inputs = etl_inputs_of(o, false, &n, ddest, sizeof(ddest));
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
	kit_files_free(inputs, n);
	return bad ? KIT_EXIT_INVALID : KIT_EXIT_OK;
}

/* ------------------------------------------------------------------------
 * Grading: --emit and --verify DIR[,DIR...] (two processes, never one)
 */

#define MAX_VERIFY_DIRS 16
#define RESULT_JSON_MAX (1u << 20)

/* --emit DIR: kernel K once on the inputs, outputs and result.json in DIR. */
#define INNER_SAMPLES (1u << 20)	/* --passes: the in-memory transforms' samples */

/* --emit --kernel inner --passes: PASSES transforms of INNER_SAMPLES samples
 * in memory by the student's etl_transform_threads, each with a noise key of
 * its own (no pass can hand back an earlier one's samples); the last one
 * checked against etl_noisy sample by sample. Returns the wrong samples (0
 * when PASSES is 0). */
static long long inner_passes(const etl_params *p, int passes)
{
	if (passes < 1)
		return 0;
	float *x = malloc(INNER_SAMPLES * sizeof(float));
	if (!x)
		abort();
	long long wrong = 0;
	uint64_t key = etl_mix64(p->seed ^ UINT64_C(0x1a2b3c4d5e6f7081));
	for (int pass = passes; pass-- > 0;) {	/* pass 0, the last, is checked */
		for (size_t i = 0; i < INNER_SAMPLES; i++)
			x[i] = (float)((double)(i % 2001) / 1000.0 - 1.0);
		uint64_t k = pass ? etl_mix64(key + (uint64_t)pass) : key;
		etl_transform_threads(x, INNER_SAMPLES, p, k);
	}
	for (size_t i = 0; i < INNER_SAMPLES; i++) {
		float want = etl_noisy((float)((double)(i % 2001) / 1000.0 - 1.0), p->sigma,
				       p->seed, key, i);
		wrong += memcmp(&x[i], &want, sizeof(want)) != 0;
	}
	free(x);
	return wrong;
}

static int run_emit(const struct options *o)
{
	char ddest[16];
	size_t n;
	struct stat st;
	if (stat(o->emit, &st) || !S_ISDIR(st.st_mode)) {
		kit_error("--emit '%s' is not a folder; make it (empty) first", o->emit);
		return KIT_EXIT_USAGE;
	}
	char **inputs = etl_inputs_of(o, false, &n, ddest, sizeof(ddest));
	if (!inputs)
		return KIT_EXIT_USAGE;
	int threads = kit_omp_max_threads(), workers = etl_workers_of(o, o->mode, threads);
	etl_plan pl;
	int failed = 0;
	/* --passes P: a run long enough to watch which threads work. Kernel
	 * inner: the job once, then P - 1 more transforms in memory (I/O, done
	 * by one thread, would hide the loop's threads); the others: the whole
	 * job P times, every output redone (force), the last pass's kept. */
	int passes = o->passes > 1 ? o->passes : 1, jobs = o->mode == M_INNER ? 1 : passes;
	for (int pass = 0; pass < jobs; pass++) {
		if (pass)
			etl_plan_free(&pl);
		etl_plan_make(&pl, inputs, n, o->emit, true, &o->p);
		failed = etl_plan_run(&pl, o->mode, workers);
	}
	long long wrong = o->mode == M_INNER ? inner_passes(&o->p, passes - 1) : 0;

	cJSON *root = cJSON_CreateObject(), *res = cJSON_CreateObject();
	cJSON *outs = cJSON_CreateArray(), *errs = cJSON_CreateArray();
	size_t written = 0;
	for (size_t i = 0; i < n; i++) {
		if (pl.state[i] == P_TODO && pl.res[i].status == ETL_DONE) {
			cJSON_AddItemToArray(outs, cJSON_CreateString(etl_base_of(pl.out[i])));
			written++;
		} else {
			char safe[1200];
			cJSON_AddItemToArray(errs, cJSON_CreateString(pl.res[i].error));
			kit_error("%s", kit_printable(pl.res[i].error, safe, sizeof(safe)));
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
	if (o->mode == M_INNER)
		cJSON_AddNumberToObject(res, "inner_wrong", (double)wrong);
	if (o->mode == M_PROCESSES) {	/* files done here, in no worker (etl_result.pid) */
		int here = 0;
		for (size_t i = 0; i < n; i++)
			here += pl.res[i].status == ETL_DONE &&
				(pl.res[i].pid <= 0 || pl.res[i].pid == (int)getpid());
		cJSON_AddNumberToObject(res, "in_parent", here);
	}
	cJSON_AddItemToObject(res, "outputs", outs);
	cJSON_AddItemToObject(res, "errors", errs);
	cJSON_AddItemToObject(root, "result", res);
	char *text = cJSON_Print(root), path[4200];
	snprintf(path, sizeof(path), "%s/result.json", o->emit);
	int wrc = text ? kit_write_file(path, text) : -1;
	cJSON_free(text);
	cJSON_Delete(root);
	etl_plan_free(&pl);
	kit_files_free(inputs, n);
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
	unsigned char *text = kit_slurp(path, RESULT_JSON_MAX, &n, w, sizeof(w));
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
	const cJSON *iw = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(j, "result"), "inner_wrong");
	const cJSON *ip = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(j, "result"), "in_parent");
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
	else if (mode == M_INNER && (!cJSON_IsNumber(iw) || iw->valuedouble != 0))
		snprintf(why, len, "'%s': etl_transform_threads, run again in memory (--passes), "
			 "gave %s%.0f wrong samples of %u: sample i must stay etl_noisy(x[i], ..., i)",
			 path, cJSON_IsNumber(iw) ? "" : "(not said) ",
			 cJSON_IsNumber(iw) ? iw->valuedouble : 0.0, INNER_SAMPLES);
	else if (mode == M_PROCESSES && (!cJSON_IsNumber(ip) || ip->valuedouble != 0))
		snprintf(why, len, "'%s': %s%.0f file%s done in your program's own process, not "
			 "in a worker process: etl_processes must run etl_worker with kit_pool_run",
			 path, cJSON_IsNumber(ip) ? "" : "(not said) ",
			 cJSON_IsNumber(ip) ? ip->valuedouble : 0.0,
			 cJSON_IsNumber(ip) && ip->valuedouble == 1 ? " was" : "s were");
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
	char **inputs = nd ? etl_inputs_of(o, false, &n, ddest, sizeof(ddest)) : NULL;
	if (!inputs || kit_scratch_make("etl", scratch, sizeof(scratch))) {
		printf("FAIL: grader error: %s\n", nd ? "the inputs cannot be read (above)"
		       : "--verify needs a folder");
		kit_files_free(inputs, n);
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
			char *got = kit_xasprintf("%s/%s", dirs[d], etl_base_of(pl.out[i]));
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
	kit_scratch_remove(scratch);
	kit_files_free(inputs, n);
	free(list);
	return rc;
}

/* ------------------------------------------------------------------------
 * Timing mode: validate, then MB/s per kernel and thread count
 */

static int run_timing(const struct options *o)
{
	char ddest[16], scratch[4096];
	size_t n;
	int rc;
	char **inputs = etl_inputs_of(o, !o->quiet, &n, ddest, sizeof(ddest));
	if (!inputs)
		return KIT_EXIT_USAGE;
	if (o->dest ? writable_dir(o->dest) : kit_scratch_make("etl", scratch, sizeof(scratch))) {
		kit_files_free(inputs, n);
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
		kit_scratch_remove(scratch);
	kit_files_free(inputs, n);
	return rc;
}

/* ------------------------------------------------------------------------
 * Arguments
 */

static const char *const kernel_names[] = { "serial", "threads", "processes", "inner", "all",
					    NULL };

static const char about_text[] =
"Audio ETL (exercise 04), the Python lesson's etl_demo in C: for each WAV file, read it,\n"
"add Gaussian noise (sigma 0.1), clip to [-1, 1], write NAME-transformed.wav\n"
"(a temporary file renamed when complete). One line per file, then a summary.\n"
"Exit status: 0 every file done, 1 some failed, 2 nothing could run. Without\n"
"FILEs: the 24 generated files of data/cache/audio-5s/ (made on first use),\n"
"outputs in results/etl/audio-5s/. Checks end with one line PASS: or FAIL:.\n";

static const char examples_text[] =
"  etl                                   the Python lesson's job, threads over files\n"
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
		KIT_OPT_GROUP("the job (the Python lesson's etl_demo):"),
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
			       "(default 5; 240 is the Python lesson's)", 0.01, 3600),
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
		KIT_OPT_INT(0, "passes", &o->passes, "P", "--emit: the whole job P times over "
			    "the inputs, the last\noutputs kept (default 1): a run long enough "
			    "to watch", 1, 1000),
		KIT_OPT_DOUBLE(0, "length", &o->length, "S", "the longest file --make-inputs "
			       "writes, in seconds\n(default 1; lengths drawn from S/20 to S)", 0.001, 600),
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

int main(int argc, char **argv)
{
	struct options o = { .mode = -1, .files = ETL_FILES, .seconds = ETL_SECONDS, .count = 8, .length = 1, .passes = 1,
			     .p = { .sigma = ETL_SIGMA, .seed = ETL_SEED } };
	int rc;

	if (kit_init(argc, argv))
		return KIT_EXIT_USAGE;
	if (parse_args(argc, argv, &o)) {
		rc = KIT_EXIT_USAGE;
		goto out;
	}
	if (o.demo || o.bench) {
		rc = kit_ex_exec_demos("04-audio-etl", "etl-demos", argc, argv);
		goto out;
	}
	if (o.make_inputs) {
		int e = kit_wav_make_inputs(o.make_inputs, o.p.seed, o.count, o.length);
		rc = e ? KIT_EXIT_USAGE : KIT_EXIT_OK;
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
		rc = etl_run_checks(&o);
		goto out;
	}
	rc = o.verify ? run_verify(&o) : run_job(&o);
out:
	free(o.threads);
	free(o.same_across);
	free(o.args);
	return rc;
}
