/*
 * cmd.c - ./kit check NN (students) and ./kit grade (instructors): options,
 * the session, and the order of things (grade.h):
 *
 *   load exercise.json -> build (sandboxed for grade) -> items -> kill every
 *   process student code left -> write the report (atomically, always).
 *
 *   check   the student's tree as it is: ninja in $KIT_BUILD, items, a table.
 *   grade   a copy of the kit's sources with only the exercise's "edit" files
 *           taken from the submission, built in a temporary folder; the
 *           reference is the kit's own build. Output as text, JSON or
 *           Gradescope results.json, which is always written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "grade.h"

static int parse_only(session *s, const char *arg)
{
	char *copy = kit_xstrdup(arg), *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char **v = kit_xrealloc(s->only, (s->nonly + 1) * sizeof(*v));
		s->only = v;
		s->only[s->nonly++] = kit_xstrdup(t);
	}
	free(copy);
	return 0;
}


/* The string value of the meson option NAME in BUILD, malloc'd, or NULL. */
static char *build_option(const char *build, const char *want)
{
	char *path = kit_xasprintf("%s/meson-info/intro-buildoptions.json", build);
	char *text = read_text(path, 0);
	cJSON *j = text ? cJSON_Parse(text) : NULL;
	char *value = NULL;
	const cJSON *o;
	cJSON_ArrayForEach(o, j) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
		const cJSON *val = cJSON_GetObjectItemCaseSensitive(o, "value");
		if (cJSON_IsString(name) && !strcmp(name->valuestring, want) && cJSON_IsString(val) &&
		    !value)
			value = kit_xstrdup(val->valuestring);
	}
	cJSON_Delete(j);
	free(text);
	free(path);
	return value;
}

/* True when the kit's build was made with a sanitizer (no address-space
 * limit then: sanitizers reserve terabytes of it). */
static bool sanitized_build(const char *build)
{
	const char *env = getenv("KIT_SANITIZED");
	if (env && !strcmp(env, "1"))
		return true;
	char *v = build_option(build, "b_sanitize");
	bool yes = v && strcmp(v, "none");
	free(v);
	return yes;
}

/* True when the kit's build has no OpenMP (-Dopenmp=disabled). */
static bool serial_build(const char *build)
{
	char *v = build_option(build, "openmp");
	bool yes = v && !strcmp(v, "disabled");
	free(v);
	return yes;
}

static void session_init(session *s, bool grade)
{
	memset(s, 0, sizeof(*s));
	s->grade = grade;
	s->root = kit_root();
	const char *b = getenv("KIT_BUILD");
	s->ref_build = b && *b ? kit_xstrdup(b) : kit_xasprintf("%s/build", s->root);
	s->rounds = DEFAULT_ROUNDS;
	s->retries = DEFAULT_RETRIES;
	kit_topo t;
	kit_topo_get(&t);
	s->cpus = t.pus > 0 ? t.pus : 1;
	s->cores = t.cores > 0 ? t.cores : s->cpus;
	const char *cpus = getenv("KIT_GRADE_CPUS");	/* tests: pretend a machine size */
	if (cpus && atoi(cpus) > 0)
		s->cpus = s->cores = atoi(cpus);
	s->tty = isatty(STDERR_FILENO) && !getenv("KIT_QUIET");
	sandbox_init(&s->sb, s->cpus, sanitized_build(s->ref_build));
	s->serial = serial_build(s->ref_build);
}

/* What student code must not see: the reference solutions' sources, the
 * programs built from them (which would compute any answer), the demos built
 * on them, and the kit's git history (which holds every solution). */
static void hide_reference(session *s)
{
	static const char *const in_root[] = { "solutions", ".git" };
	static const char *const in_build[] = { "solutions", "demos" };
	for (size_t i = 0; i < sizeof(in_root) / sizeof(in_root[0]); i++) {
		char *p = kit_xasprintf("%s/%s", s->root, in_root[i]);
		sandbox_hide(&s->sb, p);
		free(p);
	}
	for (size_t i = 0; i < sizeof(in_build) / sizeof(in_build[0]); i++) {
		char *p = kit_xasprintf("%s/%s", s->ref_build, in_build[i]);
		sandbox_hide(&s->sb, p);
		free(p);
	}
}

/* The session's temporary folder: the grader's, which the sandbox can pass
 * through (0711) and see read-only (input files, grade builds). */
static int make_tmp(session *s)
{
	const char *base = getenv("TMPDIR");
	char *tmpl = kit_xasprintf("%s/ompkit-grade-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpl)) {
		kit_error("cannot create a temporary folder in %s: %s; set TMPDIR to a writable "
			  "folder", base && *base ? base : "/tmp", strerror(errno));
		free(tmpl);
		return -1;
	}
	chmod(tmpl, 0711);
	s->tmp = tmpl;
	if (!s->grade) {
		const char *where[] = { s->root, s->ref_build, s->tmp };
		sandbox_caller_if_unreachable(&s->sb, where, 3);
	}
	sandbox_add_ro(&s->sb, s->tmp);
	sandbox_add_ro(&s->sb, s->root);
	sandbox_add_ro(&s->sb, s->ref_build);
	if (s->workdir)
		sandbox_add_ro(&s->sb, s->workdir);
	hide_reference(s);
	return 0;
}

static void session_free(session *s)
{
	sandbox_sweep(&s->sb);
	if (s->tmp)
		rm_rf(s->tmp);
	free(s->tmp);
	if (s->src != s->root)
		free(s->src);
	free(s->ref_build);
	if (s->stu_build != s->ref_build)
		free(s->stu_build);
	free(s->tsan_build);
	free(s->tsan_why);
	free(s->archer);
	for (size_t i = 0; i < s->nspeed_args; i++)
		free(s->speed_args[i]);
	free(s->speed_args);
	for (size_t i = 0; i < s->nonly; i++)
		free(s->only[i]);
	free(s->only);
	sandbox_free(&s->sb);
}

/* A --step that names no step of E is an error, not an empty run. */
static int check_step(const session *s, const exercise *e)
{
	if (s->step <= 0)
		return 0;
	bool any = false;
	for (size_t i = 1; i < e->nitems && !any; i++)
		any = e->items[i].step == s->step;
	if (any)
		return 0;
	if (e->nsteps > 0)
		kit_error("exercise %s has steps 1 to %d; --step %d is not one of them",
			  e->dir, e->nsteps, s->step);
	else
		kit_error("exercise %s has no check items for step %d", e->dir, s->step);
	return -1;
}

/* Options both commands share. Returns 1 when ARGV[*I] was one, 0 when not,
 * -1 on a bad value. */
static int common_option(session *s, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	const char *v = *i + 1 < argc ? argv[*i + 1] : NULL;
	uint64_t u;
	if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
		s->verbose = true;
		return 1;
	}
	if (!strcmp(a, "--quick")) {
		s->rounds = 3;
		s->retries = 1;
		return 1;
	}
	bool takes = !strcmp(a, "--speed-arg") || !strcmp(a, "--step") || !strcmp(a, "--timeout") || !strcmp(a, "--rounds") ||
		     !strcmp(a, "--only") || !strcmp(a, "--retries");
	if (!takes)
		return 0;
	if (!v) {
		kit_error("%s needs a value (see --help)", a);
		return -1;
	}
	(*i)++;
	if (!strcmp(a, "--step")) {
		if (kit_parse_u64(v, "--step", 1, 1000, &u))
			return -1;
		s->step = (int)u;
	} else if (!strcmp(a, "--timeout")) {
		double t;
		if (kit_parse_double(v, "--timeout", 0.1, 86400, &t))
			return -1;
		s->timeout = t;
	} else if (!strcmp(a, "--rounds")) {
		if (kit_parse_u64(v, "--rounds", 1, 1000, &u))
			return -1;
		s->rounds = (int)u;
	} else if (!strcmp(a, "--speed-arg")) {
		const char *eq = strchr(v, '=');
		if (!eq || eq == v) {
			kit_error("--speed-arg must be FLAG=VALUE, e.g. -n=1e7, not '%s'", v);
			return -1;
		}
		char **w = kit_xrealloc(s->speed_args, (s->nspeed_args + 1) * sizeof(*w));
		s->speed_args = w;
		s->speed_args[s->nspeed_args++] = kit_xstrdup(v);
	} else if (!strcmp(a, "--retries")) {
		if (kit_parse_u64(v, "--retries", 0, 100, &u))
			return -1;
		s->retries = (int)u;
	} else {
		parse_only(s, v);
	}
	return 1;
}

static const char *COMMON_HELP =
	"  --step K        only step K's items (and builds)\n"
	"  --only LIST     only these items, by id or kind (run, tsan, speed, speedup)\n"
	"  --timeout S     seconds per run for every item (default: the item's, else 60)\n"
	"  --rounds N      speed rounds, student and reference interleaved (default 5)\n"
	"  --retries N     more attempts when the rounds disagree by > 20% (default 2)\n"
	"  --quick         3 rounds, 1 retry (for tests)\n"
	"  --speed-arg F=V in speed and speed-up items, run with V after flag F\n"
	"                  (e.g. -n=1e7: smaller timed runs; tests, quick looks)\n"
	"  --verbose       show the programs' output and every measurement\n";

/* ------------------------------------------------------------------------
 * ./kit check NN
 */

static void check_usage(FILE *f)
{
	fprintf(f, "usage: ./kit check NN [--step K] [--json FILE] [--verbose] [options]\n"
		"  Builds your exercise NN and runs its check items: correctness at several\n"
		"  thread counts, races (ThreadSanitizer + Archer), speed against the\n"
		"  reference solution. One row per item; the exit status is 0 when every\n"
		"  item passed (skips allowed), 1 otherwise. docs/grading.md has the details.\n"
		"  --json FILE     also write the result as JSON (default: results/grades/NN-name.json)\n"
		"%s"
		"examples:\n"
		"  ./kit check 01\n"
		"  ./kit check 01 --step 2\n"
		"  ./kit check 01 --only speed --verbose\n", COMMON_HELP);
}

int cmd_check(int argc, char **argv)
{
	session s;
	const char *name = NULL, *json = NULL;
	session_init(&s, false);
	int rc = KIT_EXIT_USAGE;
	exercise *e = NULL;
	for (int i = 1; i < argc; i++) {
		int c = common_option(&s, argc, argv, &i);
		if (c < 0)
			goto out;
		if (c)
			continue;
		if (cli_is_help(argv[i])) {
			check_usage(stdout);
			rc = 0;
			goto out;
		} else if (!strcmp(argv[i], "--json") && i + 1 < argc) {
			json = argv[++i];
		} else if (argv[i][0] == '-' || name) {
			kit_error("unexpected argument '%s' for ./kit check (see ./kit check --help)",
				  argv[i]);
			goto out;
		} else {
			name = argv[i];
		}
	}
	if (!name) {
		kit_error("which exercise? e.g. ./kit check 01 (see ./kit check --help)");
		goto out;
	}
	char *dir = manifest_find_dir(s.root, name);
	if (!dir)
		goto out;
	e = manifest_load(s.root, dir);
	free(dir);
	if (!e || check_step(&s, e) || make_tmp(&s))
		goto out;
	s.src = (char *)s.root;
	s.stu_build = s.ref_build;
	const char *tb = getenv("KIT_BUILD_TSAN");
	s.tsan_build = tb && *tb ? kit_xstrdup(tb) : kit_xasprintf("%s/build-tsan", s.root);

	double t0 = kit_wtime();
	char *targets[3] = {
		kit_xasprintf("exercises/%s/%s", e->dir, e->program),
		kit_xasprintf("solutions/%s/%s", e->dir, e->program), NULL
	};
	build_targets(&s, e, s.ref_build, targets, false);
	free(targets[0]);
	free(targets[1]);
	items_run(&s, e);
	e->seconds = kit_wtime() - t0;

	sandbox_sweep(&s.sb);	/* nothing of the student's runs while the report is written */
	report_text(&s, &e, 1, stdout);
	cJSON *j = report_json(&s, &e, 1, e->seconds);
	char *def = NULL;
	if (!json) {
		def = kit_xasprintf("%s/results/grades/%s.json", s.root, e->dir);
		if (mkdir_parents(def) == 0)
			json = def;
	}
	if (json && write_json_file(j, json) == 0 && !def)
		fprintf(stdout, "wrote %s\n", json);
	cJSON_Delete(j);
	free(def);
	double score, max;
	int failed, skipped;
	totals(&s, &e, 1, &score, &max, &failed, &skipped);
	rc = failed ? KIT_EXIT_INVALID : KIT_EXIT_OK;
out:
	exercise_free(e);
	session_free(&s);
	return rc;
}

/* ------------------------------------------------------------------------
 * ./kit grade
 */

static void grade_usage(FILE *f)
{
	fprintf(f, "usage: ./kit grade NN --submission DIR [--hidden DIR] [--format text|json|gradescope]\n"
		"                  [--out FILE] [options]\n"
		"       ./kit grade --all --submission DIR [...]\n"
		"  Grades a student's copy of the files exercise NN lets them edit (exercise.json\n"
		"  \"edit\"), looked up as DIR/FILE, DIR/NN-name/FILE or DIR/exercises/NN-name/FILE;\n"
		"  nothing else from DIR is built or trusted. The kit's sources are copied to a\n"
		"  temporary folder, the files overlaid, the program built there; the reference\n"
		"  is the kit's own build. With --format gradescope, results.json is always\n"
		"  written, also when the build fails or the grader hits an error.\n"
		"  --hidden DIR    add the items in DIR/NN-name.json (instructor-only tests)\n"
		"  --format F      text (default), json, or gradescope (results.json)\n"
		"  --out FILE      write there instead of standard output\n"
		"  --workdir DIR   keep the copy and its builds in DIR and reuse them for the\n"
		"                  next submission (only the changed files rebuild; one grade\n"
		"                  at a time per DIR)\n"
		"%s"
		"examples:\n"
		"  ./kit grade 01 --submission ~/submissions/ada\n"
		"  ./kit grade 01 --submission /autograder/submission --format gradescope \\\n"
		"      --out /autograder/results/results.json\n"
		"  ./kit grade --all --submission ~/submissions/ada --hidden ~/hidden-tests\n",
		COMMON_HELP);
}

static void grade_exercise(session *s, exercise *e)
{
	double t0 = kit_wtime();
	if (!e->not_run) {
		char *ref = reference_prog(s, e);
		if (access(ref, X_OK)) {
			/* the kit's build lacks the reference: build it there */
			char *target = kit_xasprintf("solutions/%s/%s", e->dir, e->program);
			char *argv[] = { "ninja", "-C", s->ref_build, target, NULL };
			kit_proc_result r;
			run_captured(argv, NULL, BUILD_TIMEOUT, &r);
			kit_proc_result_free(&r);
			free(target);
		}
		if (access(ref, X_OK)) {
			e->error = kit_xasprintf("the reference program %s is missing and could not be "
					     "built; run ./kit once in the kit's folder", ref);
			free(ref);
			e->seconds = kit_wtime() - t0;
			return;
		}
		free(ref);
		char *targets[2] = { kit_xasprintf("exercises/%s/%s", e->dir, e->program), NULL };
		build_targets(s, e, s->stu_build, targets, true);
		free(targets[0]);
	}
	items_run(s, e);
	e->seconds = kit_wtime() - t0;
}

int cmd_grade(int argc, char **argv)
{
	session s;
	const char *name = NULL, *sub = NULL, *hidden = NULL, *out = NULL, *format = "text";
	bool all = false;
	int rc = KIT_EXIT_USAGE;
	exercise **ex = NULL;
	size_t n = 0;
	char *fatal = NULL, *workdir_abs = NULL;
	double t0 = kit_wtime();
	session_init(&s, true);
	/* The format and the output file first: a usage error still gets its
	 * results.json when Gradescope asked for one. */
	for (int i = 1; i + 1 < argc; i++) {
		if (!strcmp(argv[i], "--format"))
			format = argv[i + 1];
		else if (!strcmp(argv[i], "--out"))
			out = argv[i + 1];
	}
	bool gradescope = !strcmp(format, "gradescope");
	for (int i = 1; i < argc && !fatal; i++) {
		int c = common_option(&s, argc, argv, &i);
		if (c < 0)
			fatal = kit_xasprintf("bad value for %s (see ./kit grade --help)", argv[i]);
		if (c)
			continue;
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (cli_is_help(a)) {
			grade_usage(stdout);
			rc = 0;
			goto out;
		} else if (!strcmp(a, "--all")) {
			all = true;
		} else if (v && !strcmp(a, "--submission")) {
			sub = argv[++i];
		} else if (v && !strcmp(a, "--hidden")) {
			hidden = argv[++i];
		} else if (v && !strcmp(a, "--workdir")) {
			s.workdir = argv[++i];
		} else if (v && (!strcmp(a, "--out") || !strcmp(a, "--format"))) {
			i++;
		} else if (a[0] == '-' || name) {
			fatal = kit_xasprintf("unexpected argument '%s' for ./kit grade (see ./kit grade "
					  "--help)", a);
		} else {
			name = a;
		}
	}
	/* the sandbox binds the workdir's builds by path: a relative one would
	 * name nothing there */
	char cwd[4096];
	if (s.workdir && s.workdir[0] != '/' && getcwd(cwd, sizeof(cwd)))
		s.workdir = workdir_abs = kit_xasprintf("%s/%s", cwd, s.workdir);
	if (!fatal && strcmp(format, "text") && strcmp(format, "json") && !gradescope)
		fatal = kit_xasprintf("--format must be text, json or gradescope, not '%s'", format);
	if (!fatal && (!sub || (!name && !all) || (name && all)))
		fatal = kit_xstrdup("say which exercise (NN or --all) and --submission DIR "
				"(see ./kit grade --help)");
	if (fatal) {
		if (gradescope && out)
			goto report;
		kit_error("%s", fatal);
		goto out;
	}
	/* From here on a results file is always written. */
	if (!is_dir(sub)) {
		fatal = kit_xasprintf("the submission folder %s does not exist", sub);
		goto report;
	}
	if (hidden && !is_dir(hidden)) {
		fatal = kit_xasprintf("the hidden-tests folder %s does not exist", hidden);
		goto report;
	}
	size_t ndirs = 0;
	char **dirs = NULL;
	if (all) {
		dirs = manifest_all(s.root, &ndirs);
	} else {
		char *d = manifest_find_dir(s.root, name);
		if (d) {
			dirs = kit_xcalloc(1, sizeof(*dirs));
			dirs[ndirs++] = d;
		}
	}
	if (!ndirs) {
		fatal = kit_xasprintf("no exercise '%s' with an exercise.json in %s/exercises",
				  all ? "*" : name, s.root);
		free(dirs);
		goto report;
	}
	ex = kit_xcalloc(1, ndirs * sizeof(*ex));
	for (size_t k = 0; k < ndirs; k++) {
		exercise *e = manifest_load(s.root, dirs[k]);
		if (!e) {
			if (!fatal)
				fatal = kit_xasprintf("exercises/%s/exercise.json could not be read "
						  "(the message above says why)", dirs[k]);
		} else {
			ex[n++] = e;
			if (hidden && manifest_load_hidden(e, hidden) && !fatal)
				fatal = kit_xasprintf("the hidden tests for %s could not be read", e->dir);
			build_find_submission(e, sub);
		}
		free(dirs[k]);
	}
	free(dirs);
	if (fatal)
		goto report;
	if (make_tmp(&s)) {
		fatal = kit_xstrdup("cannot create a temporary folder (set TMPDIR)");
		goto report;
	}
	const char *reach[] = { s.root, s.ref_build, s.tmp, s.workdir };
	char *away = sandbox_first_unreachable(&s.sb, reach, 4);
	if (away) {
		fatal = kit_xasprintf("the unprivileged user that runs submissions (uid %d) cannot "
				      "reach %s, so every item would fail; make every folder above "
				      "it searchable by others (chmod o+x FOLDER), or move it (and "
				      "TMPDIR) out of a private folder such as /root",
				      (int)s.sb.uid, away);
		free(away);
		goto report;
	}
	char *err = NULL;
	if (build_prepare_grade(&s, ex, n, &err)) {
		fatal = err;
		goto report;
	}
	for (size_t k = 0; k < n; k++)
		grade_exercise(&s, ex[k]);

report:;
	sandbox_sweep(&s.sb);	/* nothing of the student's runs while the report is written */
	double seconds = kit_wtime() - t0;
	if (fatal)
		kit_error("%s", fatal);
	cJSON *j = NULL;
	if (gradescope)
		j = report_gradescope(&s, ex, n, seconds, fatal);
	else if (!strcmp(format, "json")) {
		j = report_json(&s, ex, n, seconds);
		if (fatal)
			cJSON_AddStringToObject(j, "error", fatal);
	}
	int wrote = 0;
	if (j) {
		wrote = write_json_file(j, out ? out : "-");
		cJSON_Delete(j);
	} else {
		FILE *f = stdout;
		kit_atomic a;
		bool atomic = out && strcmp(out, "-");
		if (atomic) {
			if (kit_atomic_open(&a, out))
				wrote = -1;
			else
				f = a.f;
		}
		if (!wrote) {
			if (fatal)
				fprintf(f, "ERROR  the grader could not grade this: %s\n", fatal);
			report_text(&s, ex, n, f);
			if (atomic)
				wrote = kit_atomic_commit(&a);
		}
	}
	if (out && !wrote && strcmp(out, "-"))
		fprintf(stderr, "kit: wrote %s\n", out);
	double score, max;
	int failed, skipped;
	totals(&s, ex, n, &score, &max, &failed, &skipped);
	rc = (fatal || wrote) ? KIT_EXIT_USAGE : failed ? KIT_EXIT_INVALID : KIT_EXIT_OK;
out:
	for (size_t k = 0; k < n; k++)
		exercise_free(ex[k]);
	free(ex);
	free(fatal);
	session_free(&s);
	free(workdir_abs);
	return rc;
}
