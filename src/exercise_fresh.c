/*
 * exercise_fresh.c - an exercise program run again in a fresh process, its
 * results read back (exercise.h: kit_ex_fresh_run).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "exercise.h"
#include "kit.h"

/* The path of this program. */
static const char *self_path(void)
{
	static char path[PATH_MAX];
	if (!path[0]) {
		ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
		if (n <= 0)
			snprintf(path, sizeof(path), "%s", kit_progname());
		else
			path[n] = '\0';
	}
	return path;
}

/* The last non-empty line of TEXT into BUF (the child's error). */
static void last_line(const char *text, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!text)
		return;
	const char *end = text + strlen(text);
	while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	const char *p = end;
	while (p > text && p[-1] != '\n')
		p--;
	snprintf(buf, len, "%.*s", (int)(end - p), p);
}

double kit_ex_num(const cJSON *obj, const char *key, double dflt)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsNumber(x) ? x->valuedouble : dflt;
}

/* Reads the results file at DIR/results.json into OUT. */
static void read_results(const char *dir, kit_ex_fresh *out)
{
	kit_buf msg = { 0 };
	char *text = kit_ex_read_text(dir, "results.json", 64u << 20, NULL, &msg);
	if (!text) {
		snprintf(out->why, sizeof(out->why), "it wrote no results file (%s)",
			 kit_buf_str(&msg));
		kit_buf_free(&msg);
		return;
	}
	out->doc = cJSON_Parse(text);
	free(text);
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(out->doc, "rows");
	out->columns = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(rows, 0), "columns");
	out->env = cJSON_GetObjectItemCaseSensitive(out->doc, "env");
	if (!out->columns || !out->env || !isfinite(kit_ex_num(out->columns, "median_s", NAN))) {
		snprintf(out->why, sizeof(out->why), "its results file has no row with median_s");
		cJSON_Delete(out->doc);
		out->doc = NULL;
		return;
	}
	out->ok = true;
}

/* ARGS, then "-q --json DIR/results.json", after PROG: a NULL-terminated argv. */
static char **child_argv(const char *prog, const char *const *args, const char *json)
{
	size_t n = 0;
	while (args && args[n])
		n++;
	char **argv = kit_xcalloc(n + 5, sizeof(*argv));
	argv[0] = (char *)prog;
	for (size_t i = 0; i < n; i++)
		argv[i + 1] = (char *)args[i];
	argv[n + 1] = (char *)"-q";
	argv[n + 2] = (char *)"--json";
	argv[n + 3] = (char *)json;
	return argv;
}

/* OMP_NUM_THREADS=T, an empty KIT_RESULTS_JSON (a child of a sweep must not
 * overwrite the sweep's own file), then SETENV. */
static const char **child_env(const char *omp, const char *const *setenv)
{
	size_t n = 0;
	while (setenv && setenv[n])
		n++;
	const char **env = kit_xcalloc(n + 3, sizeof(*env));
	env[0] = omp;
	env[1] = "KIT_RESULTS_JSON=";
	for (size_t i = 0; i < n; i++)
		env[i + 2] = setenv[i];
	return env;
}

void kit_ex_fresh_run(const char *prog, const char *const *args, int threads,
		      const char *const *setenv, double timeout, kit_ex_fresh *out)
{
	memset(out, 0, sizeof(*out));
	prog = prog ? prog : self_path();
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX], json[PATH_MAX + 32], omp[48];
	snprintf(dir, sizeof(dir), "%s/kit-fresh.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		snprintf(out->why, sizeof(out->why), "cannot make a temporary folder '%.200s': %s; "
			 "set TMPDIR to a writable folder", dir, strerror(errno));
		return;
	}
	snprintf(json, sizeof(json), "%s/results.json", dir);
	snprintf(omp, sizeof(omp), "OMP_NUM_THREADS=%d", threads);
	char **argv = child_argv(prog, args, json);
	const char **env = child_env(omp, setenv);
	kit_proc_opts po = { .timeout = timeout, .setenv = env, .capture = true };
	kit_proc_result r;
	if (kit_proc_run(argv, &po, &r) != 0)
		snprintf(out->why, sizeof(out->why), "%.300s could not start", prog);
	else if (r.timed_out || r.signal || r.exit_code != 0) {
		char line[256];
		last_line(r.err && *r.err ? r.err : r.out, line, sizeof(line));
		out->invalid = !r.timed_out && !r.signal && r.exit_code == KIT_EXIT_INVALID;
		snprintf(out->why, sizeof(out->why), "the run with %s %s%s%s", omp,
			 kit_proc_describe(&r), *line ? ": " : "", line);
	} else
		read_results(dir, out);
	kit_proc_result_free(&r);
	free(argv);
	free(env);
	unlink(json);
	rmdir(dir);
}

void kit_ex_fresh_free(kit_ex_fresh *out)
{
	if (!out)
		return;
	cJSON_Delete(out->doc);
	out->doc = NULL;
	out->columns = out->env = NULL;
}
