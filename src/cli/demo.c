/*
 * demo.c - ./kit demo and ./kit bench: the live-class demos and the
 * benchmarks of every exercise, run from the reference build.
 *
 * Each exercises/NN-name/exercise.json lists its demos ("demos": [{name,
 * about, args, test_args}]) and its benchmark(s) ("bench": one object or a
 * list of them). A demo runs the exercise's demo program,
 * BUILD/demos/NN-name/DEMO_PROGRAM ("demo_program" in exercise.json, built
 * against the reference solution only), or, for an exercise without one, the
 * REFERENCE program BUILD/solutions/NN-name/PROG, with the entry's args
 * (test_args with --quick) and "--out DIR", stdout and stderr inherited so
 * that progress bars and charts show live. BUILD is $KIT_BUILD, else the build folder this
 * kit-cli was built in, else $KIT_ROOT/build.
 *
 * USAGE
 *   ./kit demo                 a short tour: every demo, test-sized
 *   ./kit demo race            one demo at its class size
 *   ./kit demo --list          the demos, one line each
 *   ./kit bench pi --quick     a benchmark, test-sized
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "kit.h"

/* One demo or benchmark, from an exercise's manifest. */
typedef struct entry {
	char *exercise;		/* "01-monte-carlo-pi" */
	char *program;		/* "pi" */
	char *path;		/* "demos/01-monte-carlo-pi/pi-demos" under BUILD */
	char *name;		/* "race" */
	char *about;		/* one line */
	char **args, **test_args;	/* NULL-terminated */
} entry;

typedef struct entries {
	entry *v;
	size_t n, cap;
} entries;

/* What a kind of entry is called, for messages and defaults. */
typedef struct kind {
	const char *cmd;	/* "demo" */
	const char *key;	/* "demos" in exercise.json */
	const char *plural;	/* "demos" */
	const char *results;	/* "results/demos" */
} kind;

static const kind DEMO = { "demo", "demos", "demos", "results/demos" };
static const kind BENCH = { "bench", "bench", "benchmarks", "results/bench" };

/* The build folder the reference programs live in. */
static char *build_dir(void)
{
	const char *b = getenv("KIT_BUILD");
	if (b && *b)
		return kit_xstrdup(b);
	/* kit-cli is BUILD/src/kit-cli */
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			slash = strrchr(exe, '/');
			if (slash && !strcmp(slash + 1, "src")) {
				*slash = '\0';
				return kit_xstrdup(exe);
			}
		}
	}
	return kit_xasprintf("%s/build", kit_root());
}

/* A JSON array of strings as a NULL-terminated list; NULL when ITEM is not one. */
static char **string_list(const cJSON *item)
{
	if (!cJSON_IsArray(item))
		return NULL;
	int n = cJSON_GetArraySize(item);
	char **v = kit_xcalloc((size_t)n + 1, sizeof(*v));
	for (int i = 0; i < n; i++) {
		const cJSON *s = cJSON_GetArrayItem(item, i);
		if (!cJSON_IsString(s)) {
			for (int j = 0; j < i; j++)
				free(v[j]);
			free(v);
			return NULL;
		}
		v[i] = kit_xstrdup(s->valuestring);
	}
	return v;
}

static void free_list(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* Adds the entry in OBJ (of exercise EX, run as BUILD/RUN, program PROG);
 * warns when malformed. */
static void add_entry(entries *es, const char *path, const char *ex, const char *prog,
		      const char *run, const cJSON *obj)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(obj, "name");
	if (!cJSON_IsString(name) || !*name->valuestring) {
		kit_warn("%s: an entry without a \"name\" string; skipped", path);
		return;
	}
	char **args = string_list(cJSON_GetObjectItemCaseSensitive(obj, "args"));
	if (!args) {
		kit_warn("%s: entry '%s' has no \"args\" list of strings; skipped", path,
			 name->valuestring);
		return;
	}
	char **test_args = string_list(cJSON_GetObjectItemCaseSensitive(obj, "test_args"));
	if (!test_args) {	/* without one, the quick mode is the full one */
		size_t n = 0;
		while (args[n])
			n++;
		test_args = kit_xcalloc(n + 1, sizeof(*test_args));
		for (size_t i = 0; i < n; i++)
			test_args[i] = kit_xstrdup(args[i]);
	}
	const cJSON *about = cJSON_GetObjectItemCaseSensitive(obj, "about");
	if (es->n == es->cap) {
		es->cap = es->cap ? 2 * es->cap : 8;
		es->v = kit_xrealloc(es->v, es->cap * sizeof(*es->v));
	}
	es->v[es->n++] = (entry){
		.exercise = kit_xstrdup(ex),
		.program = kit_xstrdup(prog),
		.path = kit_xstrdup(run),
		.name = kit_xstrdup(name->valuestring),
		.about = kit_xstrdup(cJSON_IsString(about) ? about->valuestring : ""),
		.args = args,
		.test_args = test_args,
	};
}

static void free_entries(entries *es)
{
	for (size_t i = 0; i < es->n; i++) {
		free(es->v[i].exercise);
		free(es->v[i].program);
		free(es->v[i].path);
		free(es->v[i].name);
		free(es->v[i].about);
		free_list(es->v[i].args);
		free_list(es->v[i].test_args);
	}
	free(es->v);
	memset(es, 0, sizeof(*es));
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, len = 0;
	char *buf = kit_xmalloc(cap);
	size_t got;
	while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += got;
		if (cap - len < 2) {
			cap *= 2;
			buf = kit_xrealloc(buf, cap);
		}
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int exercise_dir(const struct dirent *d)
{
	return d->d_name[0] >= '0' && d->d_name[0] <= '9';
}

/* Adds K's entries of manifest J (exercise EX). The program they run is
 * demos/EX/DEMO_PROGRAM when J names one, else solutions/EX/PROGRAM. */
static void add_entries(entries *es, const kind *k, const char *path, const char *ex,
			const cJSON *j)
{
	const cJSON *prog = cJSON_GetObjectItemCaseSensitive(j, "program");
	const cJSON *demo = cJSON_GetObjectItemCaseSensitive(j, "demo_program");
	char *run = cJSON_IsString(demo) && *demo->valuestring
			    ? kit_xasprintf("demos/%s/%s", ex, demo->valuestring)
			    : kit_xasprintf("solutions/%s/%s", ex, prog->valuestring);
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(j, k->key);
	const cJSON *e;
	if (cJSON_IsObject(list))
		add_entry(es, path, ex, prog->valuestring, run, list);
	else
		cJSON_ArrayForEach(e, list)
			if (cJSON_IsObject(e))
				add_entry(es, path, ex, prog->valuestring, run, e);
	free(run);
}

/* Collects K's entries of every exercises/NN-name/exercise.json, in order. */
static void collect(const kind *k, entries *es)
{
	char *dir = kit_xasprintf("%s/exercises", kit_root());
	struct dirent **names;
	int n = scandir(dir, &names, exercise_dir, by_name);
	if (n < 0) {
		kit_error("cannot read '%s': %s; is KIT_ROOT (%s) the ompkit folder?", dir,
			  strerror(errno), kit_root());
		free(dir);
		return;
	}
	for (int i = 0; i < n; i++) {
		char *path = kit_xasprintf("%s/%s/exercise.json", dir, names[i]->d_name);
		char *text = read_file(path);
		if (text) {
			cJSON *j = cJSON_Parse(text);
			const cJSON *prog = cJSON_GetObjectItemCaseSensitive(j, "program");
			if (!j)
				kit_warn("%s: not valid JSON; its %s are left out", kit_shown_path(path),
					 k->plural);
			else if (!cJSON_IsString(prog))
				kit_warn("%s: no \"program\"; its %s are left out", kit_shown_path(path),
					 k->plural);
			else
				add_entries(es, k, kit_shown_path(path), names[i]->d_name, j);
			cJSON_Delete(j);
			free(text);
		}
		free(path);
		free(names[i]);
	}
	free(names);
	free(dir);
}

static void list(const kind *k, const entries *es, FILE *out)
{
	if (!es->n) {
		fprintf(out, "  (no %s yet: no exercises/*/exercise.json lists any)\n", k->plural);
		return;
	}
	size_t w = 0;
	for (size_t i = 0; i < es->n; i++)
		if (strlen(es->v[i].name) > w)
			w = strlen(es->v[i].name);
	for (size_t i = 0; i < es->n; i++)
		fprintf(out, "  %-*s  %s (exercise %.2s)\n", (int)w, es->v[i].name,
			es->v[i].about, es->v[i].exercise);
}

static const entry *find(const entries *es, const char *name)
{
	for (size_t i = 0; i < es->n; i++)
		if (!strcmp(es->v[i].name, name))
			return &es->v[i];
	return NULL;
}

/* One line naming the files in DIR by kind ("3 PNG, 1 CSV, 1 JSON"). */
static void summarize_files(const char *dir, FILE *out)
{
	static const char *const exts[] = { "png", "csv", "json", "txt" };
	size_t count[4] = { 0 };
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(out, "  %s/  (nothing written)\n", kit_shown_path(dir));
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *dot = strrchr(e->d_name, '.');
		if (!dot || strstr(e->d_name, ".tmp."))
			continue;
		for (size_t i = 0; i < 4; i++)
			if (!strcasecmp(dot + 1, exts[i]))
				count[i]++;
	}
	closedir(d);
	fprintf(out, "  %s/ ", kit_shown_path(dir));
	const char *sep = "";
	for (size_t i = 0; i < 4; i++)
		if (count[i]) {
			char up[8];
			size_t j = 0;
			for (; exts[i][j]; j++)
				up[j] = (char)(exts[i][j] - 32);
			up[j] = '\0';
			fprintf(out, "%s %zu %s", sep, count[i], up);
			sep = ",";
		}
	fprintf(out, "%s\n", *sep ? "" : " (no PNG, CSV or JSON files)");
}

/*
 * Runs E from the reference build (QUICK: its test_args) writing into OUT_DIR.
 * Returns the program's exit status, or KIT_EXIT_USAGE when it cannot run.
 */
static int run_entry(const entry *e, bool quick, const char *out_dir)
{
	char *build = build_dir();
	char *prog = kit_xasprintf("%s/%s", build, e->path);
	int rc = KIT_EXIT_USAGE;
	if (access(prog, X_OK)) {
		kit_error("the demo program '%s' is not built; run ./kit once (it builds "
			  "everything), or ninja -C %s", kit_shown_path(prog), kit_shown_path(build));
		goto out;
	}
	if (kit_mkdirs(out_dir))
		goto out;
	char **args = quick ? e->test_args : e->args;
	size_t n = 0;
	while (args[n])
		n++;
	char **argv = kit_xcalloc(n + 4, sizeof(*argv));
	argv[0] = prog;
	for (size_t i = 0; i < n; i++)
		argv[i + 1] = args[i];
	argv[n + 1] = (char *)"--out";
	argv[n + 2] = (char *)out_dir;
	char *root_env = kit_xasprintf("KIT_ROOT=%s", kit_root());
	const char *env[] = { root_env, NULL };
	kit_proc_opts o = { .timeout = 0, .setenv = env, .cwd = kit_root() };
	kit_proc_result r;
	fflush(stdout);
	fflush(stderr);
	if (kit_proc_run(argv, &o, &r) == 0) {
		if (r.signal) {
			kit_error("%s %s: %s", e->program, e->name, kit_proc_describe(&r));
			rc = KIT_EXIT_INVALID;
		} else
			rc = r.exit_code;
		kit_proc_result_free(&r);
	}
	free(root_env);
	free(argv);
out:
	free(prog);
	free(build);
	return rc;
}

static void usage(const kind *k, FILE *out)
{
	if (k == &DEMO)
		fputs("usage: ./kit demo [NAME] [--quick] [--out DIR]\n"
		      "       ./kit demo --list\n"
		      "  Runs a live-class demo from the reference solutions: progress and a\n"
		      "  chart on screen, CSV, JSON and PNG files in results/demos/NAME/.\n"
		      "  Without NAME: a short tour of every demo, each test-sized (under a minute).\n"
		      "  --quick     the test-sized run (a few seconds)\n"
		      "  --out DIR   write the files to DIR instead (the tour: DIR/NAME)\n"
		      "  --list      the demos, one line each\n"
		      "examples:\n"
		      "  ./kit demo\n"
		      "  ./kit demo race\n"
		      "  ./kit demo pi --quick --out /tmp/pi\n",
		      out);
	else
		fputs("usage: ./kit bench NAME [--quick] [--out DIR]\n"
		      "       ./kit bench --list\n"
		      "  Runs a benchmark of the reference solution: ns/sample, speed-up and\n"
		      "  efficiency per thread count, compared with the Python version of the lesson where\n"
		      "  /usr/bin/python3 has numpy. Files go to results/bench/NAME/.\n"
		      "  --quick     the test-sized run (a few seconds)\n"
		      "  --out DIR   write the files to DIR instead\n"
		      "  --list      the benchmarks, one line each\n"
		      "examples:\n"
		      "  ./kit bench pi\n"
		      "  ./kit bench pi --quick --out /tmp/bench\n",
		      out);
}

/* ./kit demo with no name: every demo, test-sized, each under a title. */
static int tour(const entries *es, const char *out_base)
{
	if (!es->n) {
		kit_error("no demos yet: no exercises/*/exercise.json lists any");
		return KIT_EXIT_USAGE;
	}
	printf("A short tour: %zu demos, each in its test-sized mode (./kit demo NAME runs "
	       "one at class size).\n", es->n);
	double t0 = kit_wtime();
	int rc = KIT_EXIT_OK;
	char **dirs = kit_xcalloc(es->n, sizeof(*dirs));
	int *status = kit_xcalloc(es->n, sizeof(*status));
	for (size_t i = 0; i < es->n; i++) {
		const entry *e = &es->v[i];
		printf("\n=== %zu/%zu  %s: %s ===\n", i + 1, es->n, e->name, e->about);
		fflush(stdout);
		dirs[i] = out_base ? kit_xasprintf("%s/%s", out_base, e->name)
				   : kit_xasprintf("%s/%s/%s", kit_root(), DEMO.results, e->name);
		double t = kit_wtime();
		status[i] = run_entry(e, true, dirs[i]);
		printf("--- %s: %s in %.1f s\n", e->name,
		       status[i] == 0 ? "done" : "FAILED", kit_wtime() - t);
		if (status[i] && !rc)
			rc = status[i] == KIT_EXIT_USAGE ? KIT_EXIT_USAGE : KIT_EXIT_INVALID;
	}
	printf("\nTour done in %.1f s. The files (CSV and JSON for your own plots, PNGs for "
	       "slides):\n", kit_wtime() - t0);
	for (size_t i = 0; i < es->n; i++) {
		if (status[i])
			printf("  %s: FAILED (exit %d); its messages are above\n", es->v[i].name,
			       status[i]);
		else
			summarize_files(dirs[i], stdout);
		free(dirs[i]);
	}
	printf("Next: ./kit demo NAME at class size, ./kit bench pi, and the lesson "
	       "notebooks-md/01-monte-carlo-pi.md.\n");
	free(dirs);
	free(status);
	return rc;
}

static int run_cmd(const kind *k, int argc, char **argv)
{
	const char *name = NULL, *out = NULL;
	bool quick = false, want_list = false;
	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			usage(k, stdout);
			return KIT_EXIT_OK;
		} else if (!strcmp(argv[i], "--quick"))
			quick = true;
		else if (!strcmp(argv[i], "--list"))
			want_list = true;
		else if (!strcmp(argv[i], "--out")) {
			if (++i == argc || !*argv[i]) {
				kit_error("--out needs a folder, e.g. --out /tmp/%s", k->cmd);
				return KIT_EXIT_USAGE;
			}
			out = argv[i];
		} else if (!strncmp(argv[i], "--out=", 6) && argv[i][6])
			out = argv[i] + 6;
		else if (argv[i][0] == '-') {
			kit_error("unknown option '%s' for ./kit %s (see ./kit %s --help)", argv[i],
				  k->cmd, k->cmd);
			return KIT_EXIT_USAGE;
		} else if (name) {
			kit_error("one %s at a time: '%s' and '%s' (see ./kit %s --help)", k->cmd,
				  name, argv[i], k->cmd);
			return KIT_EXIT_USAGE;
		} else
			name = argv[i];
	}

	entries es = { 0 };
	collect(k, &es);
	int rc = KIT_EXIT_OK;
	char *abs_out = NULL;
	if (out) {
		char cwd[PATH_MAX];
		abs_out = out[0] == '/' || !getcwd(cwd, sizeof(cwd)) ? kit_xstrdup(out)
								       : kit_xasprintf("%s/%s", cwd, out);
	}
	if (want_list) {
		printf("%s (./kit %s NAME):\n", k->plural, k->cmd);
		list(k, &es, stdout);
	} else if (!name && k == &DEMO) {
		rc = tour(&es, abs_out);
	} else if (!name) {
		kit_error("which benchmark? ./kit bench NAME, one of:");
		list(k, &es, stderr);
		rc = KIT_EXIT_USAGE;
	} else {
		const entry *e = find(&es, name);
		if (!e) {
			kit_error("no %s named '%s'; the %s are:", k->cmd, name, k->plural);
			list(k, &es, stderr);
			rc = KIT_EXIT_USAGE;
		} else {
			char *dir = abs_out ? kit_xstrdup(abs_out)
					    : kit_xasprintf("%s/%s/%s", kit_root(), k->results, e->name);
			rc = run_entry(e, quick, dir);
			if (rc == KIT_EXIT_OK) {
				printf("\nFiles:\n");
				summarize_files(dir, stdout);
			}
			free(dir);
		}
	}
	free(abs_out);
	free_entries(&es);
	return rc;
}

int cmd_demo(int argc, char **argv)
{
	return run_cmd(&DEMO, argc, argv);
}

int cmd_bench(int argc, char **argv)
{
	return run_cmd(&BENCH, argc, argv);
}
