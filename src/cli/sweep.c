/*
 * sweep.c - ./kit sweep: runs a command once per setting of an environment
 * variable, each run in a fresh process, and compares the times.
 *
 *	./kit sweep --env OMP_NUM_THREADS=1,2,4 --rounds 3 -- build/.../pi --bench
 *
 * Out of process on purpose: some libraries (OpenBLAS, the OpenMP runtime's
 * own settings) read their environment once, at load (DESIGN.md section 3).
 * Runs are interleaved: round r runs every setting, starting one setting
 * further along each round, so drift (turbo, heat, a neighbour's job) hits
 * every setting alike instead of the last ones.
 *
 * A run's time is what the command measured itself when it writes kit
 * results (KIT_RESULTS_JSON, schema ompkit-results/1: median_s of its primary
 * row), else the wall time of the whole process. Any failed run stops the
 * sweep with one error line and no output file: a scaling table with a hole
 * in it would mislead. The JSON it writes is described in
 * docs/results-schema.md ("ompkit-sweep/1").
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "kit.h"

#define MAX_RESULTS_BYTES (64L * 1024 * 1024)

struct setting {
	char *value;		/* as given to the child */
	double num;		/* its number, when the sweep is numeric */
	kit_stats st;
	int threads;		/* runtime threads, the same in every run; -1 unknown, -2 mixed */
	int threads_lo, threads_hi;
};

struct run {
	size_t setting;
	int round;		/* from 1 */
	double seconds;		/* the run's time: the command's median_s, or wall */
	double wall;
	int threads;		/* runtime threads the command reported, or -1 */
	int exit_code;
	bool from_results;	/* seconds came from the command's results JSON */
	bool serial;		/* its results say it was built without OpenMP */
};

struct sweep {
	char *name;		/* the variable */
	struct setting *set;
	size_t nset;
	bool numeric;		/* every value is a number */
	bool counts;		/* every value is a whole number > 0: scaling applies */
	unsigned rounds;
	double timeout;
	const char *json, *csv, *png;
	bool chart, quiet;
	char **cmd;
	struct run *runs;
	size_t nruns;
	char *tmpdir, *results;	/* the folder and file given as KIT_RESULTS_JSON */
	kit_scaling scaling;
	bool have_scaling;
};

static void usage(FILE *out)
{
	fputs("usage: ./kit sweep --env NAME=V1,V2,... [options] -- COMMAND ARGS...\n"
	      "Runs COMMAND once per value of NAME, each in a fresh process, in R interleaved\n"
	      "rounds, and prints each value's median time (the command's own median_s when it\n"
	      "writes kit results, else its wall time) and, for thread counts, the scaling.\n"
	      "  --env NAME=LIST    the variable and its values; for OMP_NUM_THREADS the list\n"
	      "                     takes 1,2,4 and 1-8 and the words cores, cpus, 2cpus\n"
	      "  --rounds R         runs per value, interleaved (default 3)\n"
	      "  --timeout S        seconds a run may take (default: no limit)\n"
	      "  --json FILE        write every run, the summary and the scaling (ompkit-sweep/1)\n"
	      "  --csv FILE         write one line per run\n"
	      "  --png PREFIX       write PREFIX-speedup.png and PREFIX-time.png\n"
	      "  --chart            print the speed-up chart as text\n"
	      "  -q, --quiet        print only errors and warnings\n"
	      "examples:\n"
	      "  ./kit sweep --env OMP_NUM_THREADS=1-2cpus -- build/solutions/01-monte-carlo-pi/pi --bench\n"
	      "  ./kit sweep --env OMP_NUM_THREADS=1,2,4 --rounds 5 --chart --json results/pi-sweep.json -- ./pi\n"
	      "  ./kit sweep --env OMP_SCHEDULE=static,dynamic,guided -- ./mandel\n", out);
}

/* "--opt VALUE" or "--opt=VALUE"; advances *I past what it used. */
static const char *opt_value(int argc, char **argv, int *i, const char *opt, bool *match)
{
	size_t len = strlen(opt);
	*match = false;
	if (strncmp(argv[*i], opt, len))
		return NULL;
	if (argv[*i][len] == '=') {
		*match = true;
		return argv[*i] + len + 1;
	}
	if (argv[*i][len] != '\0')
		return NULL;
	*match = true;
	if (*i + 1 >= argc) {
		kit_error("%s needs a value; run ./kit sweep --help", opt);
		return NULL;
	}
	return argv[++*i];
}

static bool valid_name(const char *s, size_t len)
{
	if (len == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return false;
	return true;
}

/* NAME=LIST into w->name and w->set. */
static int parse_env(struct sweep *w, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (!eq || !valid_name(arg, (size_t)(eq - arg))) {
		kit_error("--env takes NAME=V1,V2,... such as OMP_NUM_THREADS=1,2,4, not '%s'", arg);
		return -1;
	}
	w->name = kit_xstrdup(arg);
	w->name[eq - arg] = '\0';
	const char *list = eq + 1;

	if (!strcmp(w->name, "OMP_NUM_THREADS")) {
		int *v;
		size_t n;
		if (kit_parse_counts(list, "OMP_NUM_THREADS", 1, 4096, &v, &n))
			return -1;
		w->set = kit_xcalloc(n, sizeof(*w->set));
		for (size_t i = 0; i < n; i++) {
			char buf[16];
			snprintf(buf, sizeof(buf), "%d", v[i]);
			w->set[i].value = kit_xstrdup(buf);
		}
		w->nset = n;
		free(v);
	} else {
		size_t n = 1;
		for (const char *p = list; *p; p++)
			n += *p == ',';
		w->set = kit_xcalloc(n, sizeof(*w->set));
		const char *p = list;
		for (size_t i = 0; i < n; i++) {
			const char *c = strchr(p, ',');
			size_t len = c ? (size_t)(c - p) : strlen(p);
			if (len == 0) {
				kit_error("%s: an empty value in '%s'; give values such as %s=a,b,c",
					  w->name, list, w->name);
				return -1;
			}
			w->set[i].value = strndup(p, len);
			if (!w->set[i].value)
				abort();
			w->nset = i + 1;
			p += len + 1;
		}
	}
	for (size_t i = 0; i < w->nset; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(w->set[i].value, w->set[j].value)) {
				kit_error("%s=%s is given twice; give each value once (--rounds repeats them)",
					  w->name, w->set[i].value);
				return -1;
			}

	w->numeric = w->counts = true;
	for (size_t i = 0; i < w->nset; i++) {
		char *end;
		errno = 0;
		double x = strtod(w->set[i].value, &end);
		if (end == w->set[i].value || *end || errno || !isfinite(x)) {
			w->numeric = w->counts = false;
			break;
		}
		w->set[i].num = x;
		if (x < 1 || x > 1e6 || x != floor(x))
			w->counts = false;
	}
	return 0;
}

/* Is CMD something execvp can run? Checked before the first run so a typo
 * is one clear line, not a failure in the middle of the sweep. */
static int check_command(const char *cmd)
{
	struct stat sb;
	if (strchr(cmd, '/')) {
		if (stat(cmd, &sb)) {
			kit_error("command '%s' does not exist: %s; check the path (build it first?)",
				  cmd, strerror(errno));
			return -1;
		}
		if (S_ISDIR(sb.st_mode) || access(cmd, X_OK)) {
			kit_error("command '%s' is not an executable file; give the program to run after --",
				  cmd);
			return -1;
		}
		return 0;
	}
	const char *path = getenv("PATH");
	char *dirs = kit_xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	int found = 0;
	for (char *save, *d = strtok_r(dirs, ":", &save); d && !found;
	     d = strtok_r(NULL, ":", &save)) {
		char full[4096];
		snprintf(full, sizeof(full), "%s/%s", *d ? d : ".", cmd);
		found = !stat(full, &sb) && !S_ISDIR(sb.st_mode) && !access(full, X_OK);
	}
	free(dirs);
	if (!found) {
		kit_error("command '%s' not found in PATH; give its path (e.g. ./%s) after --",
			  cmd, cmd);
		return -1;
	}
	return 0;
}

/* Can PATH be written? Tried now, with a temporary file that is removed, so a
 * bad path fails before the sweep spends minutes running. */
static int check_writable(const char *path, const char *suffix)
{
	kit_atomic a;
	size_t len = strlen(path) + strlen(suffix) + 1;
	char *full = kit_xmalloc(len);
	snprintf(full, len, "%s%s", path, suffix);
	int rc = kit_atomic_open(&a, full);
	if (!rc)
		kit_atomic_abort(&a);
	free(full);
	return rc;
}

static int parse_args(struct sweep *w, int argc, char **argv)
{
	uint64_t rounds = 3;
	const char *env = NULL;
	int i;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		bool m;
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[0] != '-')
			break;	/* the command starts here */
		if (cli_is_help(a)) {
			usage(stdout);
			return 1;
		}
		if (!strcmp(a, "--chart")) {
			w->chart = true;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			w->quiet = true;
		} else if ((v = opt_value(argc, argv, &i, "--env", &m)) || m) {
			if (!v)
				return -1;
			if (env) {
				kit_error("--env is given twice; a sweep varies one variable");
				return -1;
			}
			env = v;
		} else if ((v = opt_value(argc, argv, &i, "--rounds", &m)) || m) {
			if (!v || kit_parse_u64(v, "--rounds", 1, 1000, &rounds))
				return -1;
		} else if ((v = opt_value(argc, argv, &i, "--timeout", &m)) || m) {
			if (!v || kit_parse_double(v, "--timeout", 0.001, 1e6, &w->timeout))
				return -1;
		} else if ((v = opt_value(argc, argv, &i, "--json", &m)) || m) {
			if (!v)
				return -1;
			w->json = v;
		} else if ((v = opt_value(argc, argv, &i, "--csv", &m)) || m) {
			if (!v)
				return -1;
			w->csv = v;
		} else if ((v = opt_value(argc, argv, &i, "--png", &m)) || m) {
			if (!v)
				return -1;
			w->png = v;
		} else {
			kit_error("unknown option '%s'; run ./kit sweep --help", a);
			return -1;
		}
	}
	w->rounds = (unsigned)rounds;
	if (!env) {
		kit_error("no --env NAME=V1,V2,...; say what to sweep, e.g. --env OMP_NUM_THREADS=1,2,4");
		return -1;
	}
	if (i >= argc) {
		kit_error("no command to run; put it after --, e.g. ./kit sweep --env OMP_NUM_THREADS=1,2 -- ./pi");
		return -1;
	}
	w->cmd = argv + i;
	if (parse_env(w, env))
		return -1;
	if ((w->png || w->chart) && !w->counts) {
		kit_error("%s needs whole-number values of %s (thread or process counts)",
			  w->png ? "--png" : "--chart", w->name);
		return -1;
	}
	if (check_command(w->cmd[0]))
		return -1;
	if ((w->json && check_writable(w->json, "")) || (w->csv && check_writable(w->csv, "")) ||
	    (w->png && check_writable(w->png, "-speedup.png")))
		return -1;
	return 0;
}

/* Reads the command's results JSON: its primary row's median_s and the
 * threads its OpenMP runtime used. 1: no file; -1: unusable (message). */
static int read_results(const struct sweep *w, const char *what, double *secs, int *threads,
			bool *serial)
{
	FILE *f = fopen(w->results, "r");
	if (!f)
		return 1;
	char *text = NULL;
	long len = -1;
	if (!fseek(f, 0, SEEK_END) && (len = ftell(f)) >= 0 && len <= MAX_RESULTS_BYTES &&
	    !fseek(f, 0, SEEK_SET)) {
		text = kit_xmalloc((size_t)len + 1);
		len = (long)fread(text, 1, (size_t)len, f);
		text[len] = '\0';
	}
	fclose(f);
	cJSON *o = text ? cJSON_Parse(text) : NULL;
	free(text);
	const cJSON *schema = cJSON_GetObjectItemCaseSensitive(o, "schema");
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(o, "rows");
	if (!o || !cJSON_IsString(schema) || strcmp(schema->valuestring, "ompkit-results/1") ||
	    !cJSON_IsArray(rows) || cJSON_GetArraySize(rows) == 0) {
		kit_error("%s: the results file the command wrote (KIT_RESULTS_JSON) is not "
			  "ompkit-results/1 with rows; write it with kit_results_write_json", what);
		cJSON_Delete(o);
		return -1;
	}
	const cJSON *row = cJSON_GetArrayItem(rows, 0), *r;
	cJSON_ArrayForEach(r, rows)
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "primary"))) {
			row = r;
			break;
		}
	const cJSON *cols = cJSON_GetObjectItemCaseSensitive(row, "columns");
	const cJSON *med = cJSON_GetObjectItemCaseSensitive(cols, "median_s");
	if (!cJSON_IsNumber(med) || !isfinite(med->valuedouble) || med->valuedouble < 0) {
		kit_error("%s: the command's results have no median_s in their primary row; "
			  "time it with kit_time and kit_results_timing", what);
		cJSON_Delete(o);
		return -1;
	}
	*secs = med->valuedouble;
	const cJSON *env = cJSON_GetObjectItemCaseSensitive(o, "env");
	const cJSON *omp = cJSON_GetObjectItemCaseSensitive(env, "openmp");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(omp, "max_threads");
	*serial = cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(omp, "enabled"));
	if (!cJSON_IsNumber(t))
		t = cJSON_GetObjectItemCaseSensitive(cols, "threads");
	*threads = cJSON_IsNumber(t) ? t->valueint : -1;
	cJSON_Delete(o);
	return 0;
}

/* The last few lines of a failed run's stderr, so the error has its cause. */
static void show_tail(const char *err, const char *what)
{
	if (!err || !*err)
		return;
	const char *end = err + strlen(err), *p = end;
	int lines = 0;
	while (p > err && lines < 8)
		if (*--p == '\n' && p + 1 < end)
			lines++;
	if (*p == '\n')
		p++;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		int len = (int)(nl ? nl - p : end - p);
		fprintf(stderr, "  %s| %.*s\n", what, len, p);
		p += len + 1;
	}
}

static int run_all(struct sweep *w)
{
	const char *tmp = getenv("TMPDIR");
	char tmpl[4096];
	snprintf(tmpl, sizeof(tmpl), "%s/kit-sweep.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpl)) {
		kit_error("cannot make a temporary folder '%s': %s; set TMPDIR to a writable folder",
			  tmpl, strerror(errno));
		return KIT_EXIT_USAGE;
	}
	w->tmpdir = kit_xstrdup(tmpl);
	size_t len = strlen(tmpl) + 16;
	w->results = kit_xmalloc(len);
	snprintf(w->results, len, "%s/results.json", tmpl);

	size_t total = (size_t)w->rounds * w->nset;
	w->runs = kit_xcalloc(total, sizeof(*w->runs));
	size_t vlen = strlen(w->name) + 2;
	for (size_t i = 0; i < w->nset; i++)
		vlen = vlen > strlen(w->name) + strlen(w->set[i].value) + 2 ?
		       vlen : strlen(w->name) + strlen(w->set[i].value) + 2;
	char *assign = kit_xmalloc(vlen);
	char *resenv = kit_xmalloc(strlen(w->results) + 32);
	sprintf(resenv, "KIT_RESULTS_JSON=%s", w->results);
	const char *setenv[] = { assign, resenv, NULL };
	kit_proc_opts o = { .timeout = w->timeout, .setenv = setenv, .capture = true,
			    .capture_limit = 256 * 1024 };

	kit_progress pg;
	if (!w->quiet)
		kit_progress_begin(&pg, "sweep", total);
	int rc = KIT_EXIT_OK;
	for (unsigned r = 0; r < w->rounds && rc == KIT_EXIT_OK; r++) {
		for (size_t k = 0; k < w->nset; k++) {
			size_t s = (r + k) % w->nset;
			char what[256], now[256];
			snprintf(assign, vlen, "%s=%s", w->name, w->set[s].value);
			snprintf(what, sizeof(what), "%s (round %u of %u)", assign, r + 1, w->rounds);
			snprintf(now, sizeof(now), "%s, round %u/%u", assign, r + 1, w->rounds);
			unlink(w->results);

			kit_proc_result pr;
			if (kit_proc_run(w->cmd, &o, &pr)) {
				kit_error("%s: '%s' could not start; the sweep stopped and wrote nothing",
					  what, w->cmd[0]);
				rc = KIT_EXIT_USAGE;
				break;
			}
			if (pr.timed_out || pr.signal || pr.exit_code) {
				if (!w->quiet)
					kit_progress_end(&pg);
				show_tail(pr.err, "");
				kit_error("%s: '%s' failed: %s; the sweep stopped and wrote nothing", what,
					  w->cmd[0], kit_proc_describe(&pr));
				kit_proc_result_free(&pr);
				rc = KIT_EXIT_INVALID;
				break;
			}
			struct run *x = &w->runs[w->nruns];
			x->setting = s;
			x->round = (int)r + 1;
			x->wall = pr.wall;
			x->exit_code = pr.exit_code;
			x->threads = -1;
			kit_proc_result_free(&pr);
			int got = read_results(w, what, &x->seconds, &x->threads, &x->serial);
			if (got < 0) {
				rc = KIT_EXIT_INVALID;
				break;
			}
			x->from_results = got == 0;
			if (!x->from_results)
				x->seconds = x->wall;
			w->nruns++;
			if (!w->quiet)
				kit_progress_step(&pg, now);
		}
	}
	if (!w->quiet)
		kit_progress_end(&pg);
	free(assign);
	free(resenv);
	return rc;
}

/* Removes the temporary folder and whatever the command left in it (an
 * interrupted atomic write leaves its temporary file there). */
static void remove_tmpdir(struct sweep *w)
{
	if (!w->tmpdir)
		return;
	DIR *d = opendir(w->tmpdir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char path[8192];
		snprintf(path, sizeof(path), "%s/%s", w->tmpdir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(w->tmpdir);
}

static void summarize(struct sweep *w)
{
	double *x = kit_xcalloc(w->rounds, sizeof(double));
	bool serial = false, warned = false;
	for (size_t i = 0; i < w->nruns; i++)
		serial |= w->runs[i].serial;
	for (size_t s = 0; s < w->nset; s++) {
		struct setting *st = &w->set[s];
		size_t n = 0;
		st->threads = -1;
		for (size_t i = 0; i < w->nruns; i++) {
			const struct run *r = &w->runs[i];
			if (r->setting != s)
				continue;
			x[n++] = r->seconds;
			if (r->threads < 0)
				continue;
			if (st->threads == -1) {
				st->threads = st->threads_lo = st->threads_hi = r->threads;
			} else if (r->threads != st->threads_lo || st->threads == -2) {
				st->threads = -2;
				st->threads_lo = r->threads < st->threads_lo ? r->threads : st->threads_lo;
				st->threads_hi = r->threads > st->threads_hi ? r->threads : st->threads_hi;
			}
		}
		kit_stats_of(x, n, &st->st);
		/* The point of an out-of-process sweep: did the setting arrive? */
		if (!strcmp(w->name, "OMP_NUM_THREADS") && st->threads >= 0 &&
		    st->threads != (int)st->num && serial) {
			if (!warned)
				kit_warn("'%s' was built without OpenMP: every run used 1 thread, "
					 "whatever OMP_NUM_THREADS says; rebuild it with OpenMP",
					 w->cmd[0]);
			warned = true;
		} else if (!strcmp(w->name, "OMP_NUM_THREADS") && st->threads >= 0 &&
			   st->threads != (int)st->num)
			kit_warn("OMP_NUM_THREADS=%s but the program's runtime used %d threads; "
				 "does it call omp_set_num_threads or set num_threads itself?",
				 st->value, st->threads);
	}
	free(x);

	if (w->counts && w->nset >= 1) {
		int *p = kit_xcalloc(w->nset, sizeof(int));
		double *t = kit_xcalloc(w->nset, sizeof(double));
		for (size_t s = 0; s < w->nset; s++) {
			p[s] = (int)w->set[s].num;
			t[s] = w->set[s].st.median;
		}
		w->have_scaling = kit_scaling_of(p, t, w->nset, &w->scaling) == 0;
		free(p);
		free(t);
	}
}

/* "12.3 ms": a duration with a unit a reader takes in at a glance. */
static const char *fmt_time(double s, char *buf, size_t len)
{
	if (s < 1e-3)
		snprintf(buf, len, "%.3g us", s * 1e6);
	else if (s < 1)
		snprintf(buf, len, "%.3g ms", s * 1e3);
	else
		snprintf(buf, len, "%.4g s", s);
	return buf;
}

static void threads_text(const struct setting *st, char *buf, size_t len)
{
	if (st->threads == -1)
		snprintf(buf, len, "-");
	else if (st->threads == -2)
		snprintf(buf, len, "%d-%d", st->threads_lo, st->threads_hi);
	else
		snprintf(buf, len, "%d", st->threads);
}

static void print_tables(const struct sweep *w)
{
	int vw = (int)strlen(w->name);
	for (size_t s = 0; s < w->nset; s++)
		vw = (int)strlen(w->set[s].value) > vw ? (int)strlen(w->set[s].value) : vw;
	bool all_wall = true;
	for (size_t i = 0; i < w->nruns; i++)
		all_wall = all_wall && !w->runs[i].from_results;

	printf("command   ");
	for (char **a = w->cmd; *a; a++)
		printf("%s%s", a == w->cmd ? "" : " ", *a);
	printf("\nsweep     %s over %zu value%s, %u round%s interleaved; time: %s\n\n", w->name,
	       w->nset, w->nset == 1 ? "" : "s", w->rounds, w->rounds == 1 ? "" : "s",
	       all_wall ? "wall time of each run" : "the command's own median_s");
	printf("%-*s  %4s  %10s  %10s  %10s  %6s  %15s\n", vw, w->name, "runs", "median", "min",
	       "max", "CV", "runtime threads");
	for (size_t s = 0; s < w->nset; s++) {
		const struct setting *st = &w->set[s];
		char a[32], b[32], c[32], th[32];
		threads_text(st, th, sizeof(th));
		printf("%-*s  %4zu  %10s  %10s  %10s  %5.1f%%  %15s\n", vw, st->value, st->st.n,
		       fmt_time(st->st.median, a, sizeof(a)), fmt_time(st->st.min, b, sizeof(b)),
		       fmt_time(st->st.max, c, sizeof(c)), 100.0 * st->st.cv, th);
	}
	if (w->have_scaling && w->nset >= 2) {
		printf("\nscaling with %s\n", w->name);
		kit_scaling_print(&w->scaling, "s", stdout);
	}
	fflush(stdout);
}

static cJSON *json_num(double v)
{
	return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static cJSON *json_value(const struct sweep *w, size_t s)
{
	return w->numeric ? cJSON_CreateNumber(w->set[s].num) : cJSON_CreateString(w->set[s].value);
}

static cJSON *json_threads(int t)
{
	return t >= 0 ? cJSON_CreateNumber(t) : cJSON_CreateNull();
}

static char *sweep_json(const struct sweep *w)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "schema", "ompkit-sweep/1");
	cJSON_AddStringToObject(o, "name", w->name);
	cJSON *cmd = cJSON_AddArrayToObject(o, "command");
	for (char **a = w->cmd; *a; a++)
		cJSON_AddItemToArray(cmd, cJSON_CreateString(*a));
	cJSON *vals = cJSON_AddArrayToObject(o, "values");
	for (size_t s = 0; s < w->nset; s++)
		cJSON_AddItemToArray(vals, json_value(w, s));
	cJSON_AddNumberToObject(o, "rounds", w->rounds);
	cJSON_AddItemToObject(o, "timeout_s", w->timeout > 0 ? cJSON_CreateNumber(w->timeout) :
			      cJSON_CreateNull());

	cJSON *runs = cJSON_AddArrayToObject(o, "runs");
	for (size_t i = 0; i < w->nruns; i++) {
		const struct run *r = &w->runs[i];
		cJSON *e = cJSON_CreateObject();
		cJSON_AddItemToObject(e, "value", json_value(w, r->setting));
		cJSON_AddNumberToObject(e, "round", r->round);
		cJSON_AddNumberToObject(e, "seconds", r->seconds);
		cJSON_AddStringToObject(e, "source", r->from_results ? "results" : "wall");
		cJSON_AddNumberToObject(e, "wall_s", r->wall);
		cJSON_AddItemToObject(e, "runtime_threads", json_threads(r->threads));
		cJSON_AddNumberToObject(e, "exit", r->exit_code);
		cJSON_AddItemToArray(runs, e);
	}

	cJSON *sum = cJSON_AddArrayToObject(o, "summary");
	for (size_t s = 0; s < w->nset; s++) {
		const struct setting *st = &w->set[s];
		cJSON *e = cJSON_CreateObject();
		cJSON_AddItemToObject(e, "value", json_value(w, s));
		cJSON_AddNumberToObject(e, "runs", (double)st->st.n);
		cJSON_AddItemToObject(e, "median_s", json_num(st->st.median));
		cJSON_AddItemToObject(e, "min_s", json_num(st->st.min));
		cJSON_AddItemToObject(e, "max_s", json_num(st->st.max));
		cJSON_AddItemToObject(e, "mean_s", json_num(st->st.mean));
		cJSON_AddItemToObject(e, "cv", json_num(st->st.cv));
		cJSON_AddItemToObject(e, "runtime_threads", json_threads(st->threads));
		cJSON_AddItemToArray(sum, e);
	}

	if (w->have_scaling) {
		cJSON_AddItemToObject(o, "scaling", kit_scaling_json(&w->scaling));
	} else {
		cJSON_AddNullToObject(o, "scaling");
	}
	cJSON_AddItemToObject(o, "env", kit_env_json());
	char *text = cJSON_Print(o);
	cJSON_Delete(o);
	if (!text)
		abort();
	return text;
}


static void sweep_csv(const struct sweep *w, FILE *f)
{
	fputs("name,value,round,seconds,source,wall_s,runtime_threads,exit\n", f);
	for (size_t i = 0; i < w->nruns; i++) {
		const struct run *r = &w->runs[i];
		kit_csv_field(f, w->name);
		fputc(',', f);
		kit_csv_field(f, w->set[r->setting].value);
		fprintf(f, ",%d,%.9g,%s,%.9g,", r->round, r->seconds,
			r->from_results ? "results" : "wall", r->wall);
		if (r->threads >= 0)
			fprintf(f, "%d", r->threads);
		fprintf(f, ",%d\n", r->exit_code);
	}
}

/* Charts, then both files, each committed only once everything is ready. */
static int write_outputs(const struct sweep *w)
{
	char title[256];
	snprintf(title, sizeof(title), "%s over %s", w->cmd[0], w->name);
	if (w->chart && w->have_scaling && kit_plot_scaling(&w->scaling, title, NULL, stdout))
		return KIT_EXIT_USAGE;
	if (w->png && w->have_scaling && kit_plot_scaling(&w->scaling, title, w->png, NULL))
		return KIT_EXIT_USAGE;

	kit_atomic csv = { 0 }, json = { 0 };
	if (w->csv) {
		if (kit_atomic_open(&csv, w->csv))
			return KIT_EXIT_USAGE;
		sweep_csv(w, csv.f);
	}
	if (w->json) {
		if (kit_atomic_open(&json, w->json)) {
			kit_atomic_abort(&csv);
			return KIT_EXIT_USAGE;
		}
		char *text = sweep_json(w);
		fputs(text, json.f);
		fputc('\n', json.f);
		free(text);
	}
	int rc = KIT_EXIT_OK;
	if (w->csv && kit_atomic_commit(&csv))
		rc = KIT_EXIT_USAGE;
	if (w->json) {
		if (rc)
			kit_atomic_abort(&json);
		else if (kit_atomic_commit(&json))
			rc = KIT_EXIT_USAGE;
	}
	return rc;
}

int cmd_sweep(int argc, char **argv)
{
	struct sweep w = { 0 };
	int rc = parse_args(&w, argc, argv);
	if (rc) {
		rc = rc > 0 ? KIT_EXIT_OK : KIT_EXIT_USAGE;
		goto out;
	}
	rc = run_all(&w);
	remove_tmpdir(&w);
	if (rc)
		goto out;
	summarize(&w);
	if (!w.quiet)
		print_tables(&w);
	rc = write_outputs(&w);
out:
	if (w.have_scaling)
		kit_scaling_free(&w.scaling);
	for (size_t s = 0; s < w.nset; s++)
		free(w.set[s].value);
	free(w.set);
	free(w.name);
	free(w.runs);
	free(w.tmpdir);
	free(w.results);
	return rc;
}
