/*
 * grade.c - the grader: ./kit check NN (students) and ./kit grade (instructors).
 *
 * An exercise's exercise.json lists check items (docs/conventions.md section 3);
 * this file builds the student's program, runs every item through
 * kit_proc_run (own process group, time limit, whole group killed) and scores
 * it. docs/grading.md is the user-facing description: scoring, speed formula,
 * hidden tests, the Gradescope setup and the results.json schema.
 *
 *   check   the student's tree as it is: ninja in $KIT_BUILD, items, a table.
 *   grade   a copy of the kit's sources with only the exercise's "edit" files
 *           taken from the submission, built in a temporary folder; the
 *           reference is the kit's own build. Output as text, JSON or
 *           Gradescope results.json, which is always written.
 *
 * Item kinds: run (exit status is the verdict), tsan (ThreadSanitizer +
 * Archer build), speed (interleaved against the reference, ratio of medians)
 * and speedup (1 thread to all physical cores, baseline the faster of the
 * two). The implicit first item "builds" shows compiler warnings.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "kit.h"

#define DEFAULT_TIMEOUT 60.0	/* seconds per item run */
#define DEFAULT_ROUNDS 5	/* speed rounds: student and reference, interleaved */
#define DEFAULT_RETRIES 2	/* more attempts when the rounds disagree */
#define NOISY_SPREAD 0.20	/* (max - min) / median of the round ratios */
#define SPEED_FULL 1.25		/* full speed credit within this ratio */
#define SPEED_ZERO 4.0		/* no speed credit at or beyond this ratio */
#define BUILD_TIMEOUT 1800.0	/* meson setup, ninja */
#define MAX_SUBMISSION (1024 * 1024)	/* bytes per submitted file */
#define SHOWN_LINES 12		/* compiler lines shown in a row */

/* ------------------------------------------------------------------------
 * Small helpers: memory, strings, a growing text buffer
 */

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* The line of TEXT that starts at P, without its newline, malloc'd. */
static char *line_at(const char *p)
{
	size_t n = strcspn(p, "\n");
	char *s = kit_xcalloc(1, n + 1);
	memcpy(s, p, n);
	return s;
}

/* The last line of TEXT that starts with PREFIX (after blanks), or NULL. */
static char *last_line_with_prefix(const char *text, const char *prefix)
{
	const char *found = NULL;
	for (const char *p = text; p && *p;) {
		const char *q = p;
		while (*q == ' ' || *q == '\t')
			q++;
		if (starts_with(q, prefix))
			found = q;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return found ? line_at(found) : NULL;
}

/* The first line of TEXT that contains NEEDLE, or NULL. */
static char *first_line_containing(const char *text, const char *needle)
{
	const char *hit = text ? strstr(text, needle) : NULL;
	if (!hit)
		return NULL;
	while (hit > text && hit[-1] != '\n')
		hit--;
	return line_at(hit);
}

static char *trimmed_last_line(const char *text)
{
	if (!text)
		return NULL;
	size_t n = strlen(text);
	while (n && isspace((unsigned char)text[n - 1]))
		n--;
	if (!n)
		return NULL;
	size_t start = n;
	while (start && text[start - 1] != '\n')
		start--;
	char *s = kit_xcalloc(1, n - start + 1);
	memcpy(s, text + start, n - start);
	return s;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median_of(const double *x, size_t n)
{
	kit_stats s;
	return kit_stats_of(x, n, &s) ? NAN : s.median;
}

/* ------------------------------------------------------------------------
 * Files and folders
 */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP || flag == FTW_D)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* Removes PATH and everything under it, links not followed. */
static void rm_rf(const char *path)
{
	if (path && *path)
		nftw(path, rm_entry, 32, FTW_DEPTH | FTW_PHYS);
}

static bool is_file(const char *path)
{
	struct stat st;
	return !stat(path, &st) && S_ISREG(st.st_mode);
}

static bool is_dir(const char *path)
{
	struct stat st;
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* Makes every folder of PATH's parent (mkdir -p of dirname). */
static int mkdir_parents(const char *path)
{
	char *dir = kit_xstrdup(path), *slash = strrchr(dir, '/');
	int rc = 0;
	if (slash && slash != dir) {
		*slash = '\0';
		rc = kit_mkdirs(dir);
	}
	free(dir);
	return rc;
}

/* True when A and B are regular files with the same bytes. */
static bool same_content(const char *a, const char *b)
{
	struct stat sa, sb;
	if (stat(a, &sa) || stat(b, &sb) || !S_ISREG(sa.st_mode) || !S_ISREG(sb.st_mode) ||
	    sa.st_size != sb.st_size)
		return false;
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	bool same = fa && fb;
	char x[8192], y[8192];
	size_t n;
	while (same && (n = fread(x, 1, sizeof(x), fa)) > 0)
		same = fread(y, 1, n, fb) == n && !memcmp(x, y, n);
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

/* Copies the regular file or link FROM to TO (parents made), keeping the mode. */
static int copy_entry(const char *from, const char *to)
{
	struct stat st;
	if (lstat(from, &st))
		return 0;	/* listed by git but deleted: nothing to copy */
	if (mkdir_parents(to))
		return -1;
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlink(from, target, sizeof(target) - 1);
		if (n < 0)
			return 0;
		target[n] = 0;
		unlink(to);
		return symlink(target, to) ? -1 : 0;
	}
	if (!S_ISREG(st.st_mode))
		return 0;
	if (same_content(from, to))
		return 0;	/* unchanged: keep its time stamp, so ninja rebuilds nothing */
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		kit_error("cannot read '%s': %s", from, strerror(errno));
		return -1;
	}
	unlink(to);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st.st_mode & 0777);
	if (out < 0) {
		kit_error("cannot write '%s': %s", to, strerror(errno));
		close(in);
		return -1;
	}
	char buf[65536];
	ssize_t n;
	int rc = 0;
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, (size_t)n) != n) {
			kit_error("cannot write '%s': %s", to, strerror(errno));
			rc = -1;
			break;
		}
	}
	close(in);
	if (close(out))
		rc = -1;
	return rc;
}

/* cp -r FROM TO, leaving out build*, results and .git at the top (REL ""). */
static int copy_tree(const char *from, const char *to, const char *rel)
{
	char *dir = *rel ? kit_xasprintf("%s/%s", from, rel) : kit_xstrdup(from);
	DIR *d = opendir(dir);
	if (!d) {
		kit_error("cannot read folder '%s': %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	while (!rc && (e = readdir(d))) {
		const char *n = e->d_name;
		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		if (!*rel && (starts_with(n, "build") || !strcmp(n, "results") || !strcmp(n, ".git")))
			continue;
		char *r = *rel ? kit_xasprintf("%s/%s", rel, n) : kit_xstrdup(n);
		char *src = kit_xasprintf("%s/%s", from, r);
		struct stat st;
		if (!lstat(src, &st) && S_ISDIR(st.st_mode)) {
			rc = copy_tree(from, to, r);
		} else {
			char *dst = kit_xasprintf("%s/%s", to, r);
			rc = copy_entry(src, dst);
			free(dst);
		}
		free(src);
		free(r);
	}
	closedir(d);
	free(dir);
	return rc;
}

/* ------------------------------------------------------------------------
 * Child processes
 */

/* Runs ARGV with ENV ("NAME=VALUE", NULL-terminated, may be NULL), output
 * captured, under TIMEOUT seconds. Returns kit_proc_run's status. */
static int run_captured(char *const argv[], const char *const *env, double timeout,
			kit_proc_result *r)
{
	kit_proc_opts o = { .timeout = timeout, .setenv = env, .capture = true };
	memset(r, 0, sizeof(*r));
	return kit_proc_run(argv, &o, r);
}

/* Compiler output without ninja's progress lines. */
static char *compiler_lines(const kit_proc_result *r)
{
	kit_buf b = { 0 };
	const char *streams[2] = { r->out, r->err };
	for (int s = 0; s < 2; s++) {
		for (const char *p = streams[s]; p && *p;) {
			size_t n = strcspn(p, "\n");
			bool skip = (p[0] == '[' && isdigit((unsigned char)p[1])) ||
				    starts_with(p, "ninja: Entering") ||
				    starts_with(p, "ninja: no work") || n == 0;
			if (!skip) {
				/* "../src/exercises/..." (grade), "../exercises/..." (check) */
				const char *l = p;
				size_t m = n;
				if (starts_with(l, "../src/exercises/") || starts_with(l, "../src/solutions/")) {
					l += 7;
					m -= 7;
				} else if (starts_with(l, "../exercises/") || starts_with(l, "../solutions/")) {
					l += 3;
					m -= 3;
				}
				kit_buf_printf(&b, "%.*s\n", (int)m, l);
			}
			p += n;
			if (*p)
				p++;
		}
	}
	return b.s ? b.s : kit_xstrdup("");
}

/* Up to MAX lines of TEXT from its first line containing NEEDLE (or its start). */
static char *lines_from(const char *text, const char *needle, int max)
{
	const char *p = needle ? strstr(text, needle) : NULL;
	if (!p)
		p = text;
	while (p > text && p[-1] != '\n')
		p--;
	kit_buf b = { 0 };
	for (int i = 0; i < max && *p; i++) {
		size_t n = strcspn(p, "\n");
		kit_buf_printf(&b, "%.*s\n", (int)n, p);
		p += n;
		if (*p)
			p++;
	}
	return b.s ? b.s : kit_xstrdup("");
}

/* ------------------------------------------------------------------------
 * The exercise and its items
 */

enum kind { K_BUILD, K_RUN, K_TSAN, K_SPEED, K_SPEEDUP };
enum status { ST_PENDING, ST_PASS, ST_FAIL, ST_SKIP };

static const char *kind_name[] = { "builds", "run", "tsan", "speed", "speedup" };
static const char *status_name[] = { "pending", "PASS", "FAIL", "SKIP" };

typedef struct item {
	char *id, *name, *hint, *visibility, *what;
	int step;
	double points;
	enum kind kind;
	char **args;
	size_t nargs;
	char **threads;
	size_t nthreads;
	double timeout;
	bool hidden;

	/* outcome */
	enum status st;
	double score;
	kit_buf out;		/* what the grader saw, several lines */
	char *observed;		/* the driver's FAIL: line or how the run ended */
	char *skip_why;
	/* speed and speedup */
	bool measured;
	int nthreads_used;
	double ratio, lo, hi;	/* speed: student / reference time; speedup: S */
	double ref_speedup;
	int rounds;
} item;

typedef struct exercise {
	char *dir;		/* "01-monte-carlo-pi" */
	char *title, *program;
	char **edit;
	size_t nedit;
	item *items;
	size_t nitems;
	/* grade: where each edit file was found in the submission (NULL: missing) */
	char **found;
	char *not_run;		/* every item fails with this when set */
	char *error;		/* the grader's own failure, when set */
	double seconds;
} exercise;

static void item_free(item *it)
{
	free(it->id);
	free(it->name);
	free(it->hint);
	free(it->visibility);
	free(it->what);
	for (size_t i = 0; i < it->nargs; i++)
		free(it->args[i]);
	free(it->args);
	for (size_t i = 0; i < it->nthreads; i++)
		free(it->threads[i]);
	free(it->threads);
	kit_buf_free(&it->out);
	free(it->observed);
	free(it->skip_why);
}

static void exercise_free(exercise *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nitems; i++)
		item_free(&e->items[i]);
	free(e->items);
	for (size_t i = 0; i < e->nedit; i++) {
		free(e->edit[i]);
		if (e->found)
			free(e->found[i]);
	}
	free(e->edit);
	free(e->found);
	free(e->dir);
	free(e->title);
	free(e->program);
	free(e->not_run);
	free(e->error);
	free(e);
}

static char *read_text(const char *path, size_t limit)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	kit_buf b = { 0 };
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (limit && b.len + n > limit) {
			kit_buf_free(&b);
			fclose(f);
			errno = EFBIG;
			return NULL;
		}
		kit_buf_printf(&b, "%.*s", (int)n, buf);
	}
	fclose(f);
	return b.s ? b.s : kit_xstrdup("");
}

static cJSON *read_json(const char *path)
{
	char *text = read_text(path, 0);
	if (!text) {
		kit_error("cannot read '%s': %s", path, strerror(errno));
		return NULL;
	}
	cJSON *j = cJSON_Parse(text);
	if (!j)
		kit_error("'%s' is not valid JSON (near \"%.20s\"); fix it and run again", path,
			  cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() : "?");
	free(text);
	return j;
}

static char **string_array(const cJSON *a, size_t *n)
{
	*n = 0;
	if (!cJSON_IsArray(a))
		return NULL;
	size_t k = (size_t)cJSON_GetArraySize(a);
	char **v = kit_xcalloc(1, (k + 1) * sizeof(*v));
	const cJSON *e;
	cJSON_ArrayForEach(e, a) {
		if (cJSON_IsString(e))
			v[(*n)++] = kit_xstrdup(e->valuestring);
		else if (cJSON_IsNumber(e))
			v[(*n)++] = kit_xasprintf("%g", e->valuedouble);
	}
	return v;
}

static const char *json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double json_num(const cJSON *o, const char *key, double def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : def;
}

/* Parses one item of exercise.json (or of a hidden file, HIDDEN true) into IT.
 * Returns -1 with a message naming WHERE when it is malformed. */
static int parse_item(const cJSON *j, bool hidden, const char *where, item *it)
{
	const char *kind = json_str(j, "kind");
	const char *id = json_str(j, "id");
	if (!cJSON_IsObject(j) || !id || !kind) {
		kit_error("%s: every item needs an \"id\" and a \"kind\" (docs/conventions.md section 3)",
			  where);
		return -1;
	}
	memset(it, 0, sizeof(*it));
	if (!strcmp(kind, "run"))
		it->kind = K_RUN;
	else if (!strcmp(kind, "tsan"))
		it->kind = K_TSAN;
	else if (!strcmp(kind, "speed"))
		it->kind = K_SPEED;
	else if (!strcmp(kind, "speedup"))
		it->kind = K_SPEEDUP;
	else {
		kit_error("%s: item '%s' has kind '%s'; use run, tsan, speed or speedup", where, id,
			  kind);
		return -1;
	}
	it->id = kit_xstrdup(id);
	it->name = kit_xstrdup(json_str(j, "name") ? json_str(j, "name") : id);
	it->hint = json_str(j, "hint") ? kit_xstrdup(json_str(j, "hint")) : NULL;
	it->what = json_str(j, "what") ? kit_xstrdup(json_str(j, "what")) : NULL;
	it->hidden = hidden;
	it->visibility = kit_xstrdup(json_str(j, "visibility") ? json_str(j, "visibility")
				 : hidden ? "after_published" : "visible");
	it->step = (int)json_num(j, "step", 0);
	it->points = json_num(j, "points", 1);
	it->timeout = json_num(j, "timeout", DEFAULT_TIMEOUT);
	it->args = string_array(cJSON_GetObjectItemCaseSensitive(j, "args"), &it->nargs);
	if (!it->args)
		it->args = kit_xcalloc(1, sizeof(char *));
	it->threads = string_array(cJSON_GetObjectItemCaseSensitive(j, "threads"), &it->nthreads);
	if (!it->nthreads) {
		free(it->threads);
		it->threads = kit_xcalloc(1, 3 * sizeof(char *));
		if (it->kind == K_SPEEDUP) {
			it->threads[0] = kit_xstrdup("1");
			it->threads[1] = kit_xstrdup("cores");
			it->nthreads = 2;
		} else {
			it->threads[0] = kit_xstrdup(it->kind == K_SPEED ? "cores" : "1");
			it->nthreads = 1;
		}
	}
	return 0;
}

static int add_items(exercise *e, const cJSON *arr, bool hidden, const char *where)
{
	if (!cJSON_IsArray(arr)) {
		kit_error("%s: \"items\" must be a list of check items", where);
		return -1;
	}
	size_t n = (size_t)cJSON_GetArraySize(arr);
	item *v = kit_xrealloc(e->items, (e->nitems + n) * sizeof(*v));
	e->items = v;
	const cJSON *j;
	cJSON_ArrayForEach(j, arr) {
		if (parse_item(j, hidden, where, &e->items[e->nitems]))
			return -1;
		e->nitems++;
	}
	return 0;
}

/* The folder under ROOT/exercises that NAME names: "01", "1", "01-monte-carlo-pi". */
static char *find_exercise_dir(const char *root, const char *name)
{
	char *exdir = kit_xasprintf("%s/exercises", root);
	DIR *d = opendir(exdir);
	char *found = NULL;
	if (!d) {
		kit_error("cannot read '%s': %s", exdir, strerror(errno));
		free(exdir);
		return NULL;
	}
	char *end;
	long num = strtol(name, &end, 10);
	bool numeric = *name && !*end;
	struct dirent *e;
	while ((d && (e = readdir(d)))) {
		const char *n = e->d_name;
		if (!isdigit((unsigned char)n[0]))
			continue;
		bool match = !strcmp(n, name);
		if (!match && numeric) {
			char *dash;
			long k = strtol(n, &dash, 10);
			match = *dash == '-' && k == num;
		}
		if (!match) {
			const char *dash = strchr(n, '-');
			match = dash && !strcmp(dash + 1, name);
		}
		if (match) {
			found = kit_xstrdup(n);
			break;
		}
	}
	closedir(d);
	if (!found)
		kit_error("no exercise '%s' in %s; run ./kit check with a number such as 01",
			  name, exdir);
	free(exdir);
	return found;
}

/* Every exercise folder name under ROOT/exercises with an exercise.json, sorted. */
static char **all_exercises(const char *root, size_t *n)
{
	char *pattern = kit_xasprintf("%s/exercises/[0-9]*/exercise.json", root);
	glob_t g;
	*n = 0;
	char **v = NULL;
	if (!glob(pattern, 0, NULL, &g)) {
		v = kit_xcalloc(1, (g.gl_pathc + 1) * sizeof(*v));
		for (size_t i = 0; i < g.gl_pathc; i++) {
			char *p = g.gl_pathv[i];
			char *slash = strrchr(p, '/');
			*slash = 0;
			v[(*n)++] = kit_xstrdup(strrchr(p, '/') + 1);
		}
		globfree(&g);
	}
	free(pattern);
	return v;
}

/* Loads ROOT/exercises/DIR/exercise.json, the "builds" item first. */
static exercise *load_exercise(const char *root, const char *dir)
{
	char *path = kit_xasprintf("%s/exercises/%s/exercise.json", root, dir);
	cJSON *j = read_json(path);
	exercise *e = NULL;
	if (!j)
		goto out;
	const char *program = json_str(j, "program");
	size_t nedit;
	char **edit = string_array(cJSON_GetObjectItemCaseSensitive(j, "edit"), &nedit);
	if (!program || !nedit) {
		kit_error("%s: needs \"program\" and \"edit\" (docs/conventions.md section 3)", path);
		for (size_t i = 0; i < nedit; i++)
			free(edit[i]);
		free(edit);
		goto out;
	}
	e = kit_xcalloc(1, sizeof(*e));
	e->dir = kit_xstrdup(dir);
	e->title = kit_xstrdup(json_str(j, "title") ? json_str(j, "title") : dir);
	e->program = kit_xstrdup(program);
	e->edit = edit;
	e->nedit = nedit;
	e->found = kit_xcalloc(1, nedit * sizeof(char *));
	e->items = kit_xcalloc(1, sizeof(item));
	item *b = &e->items[0];
	b->id = kit_xstrdup("builds");
	b->name = kit_xstrdup("builds");
	b->visibility = kit_xstrdup("visible");
	b->kind = K_BUILD;
	b->points = json_num(j, "build_points", 0);
	b->args = kit_xcalloc(1, sizeof(char *));
	b->threads = kit_xcalloc(1, sizeof(char *));
	e->nitems = 1;
	if (add_items(e, cJSON_GetObjectItemCaseSensitive(j, "items"), false, path)) {
		exercise_free(e);
		e = NULL;
	}
out:
	cJSON_Delete(j);
	free(path);
	return e;
}

/* Adds the items of HIDDEN/DIR.json, if that file exists. */
static int load_hidden(exercise *e, const char *hidden)
{
	char *path = kit_xasprintf("%s/%s.json", hidden, e->dir);
	int rc = 0;
	if (is_file(path)) {
		cJSON *j = read_json(path);
		if (!j)
			rc = -1;
		else
			rc = add_items(e, cJSON_IsArray(j) ? j
				       : cJSON_GetObjectItemCaseSensitive(j, "items"), true, path);
		cJSON_Delete(j);
	}
	free(path);
	return rc;
}

/* ------------------------------------------------------------------------
 * A grading session
 */

typedef struct session {
	bool grade;		/* ./kit grade (else ./kit check) */
	const char *root;	/* the kit's sources */
	char *src;		/* the sources built for the student (root, or a copy) */
	char *ref_build;	/* the kit's build: the reference programs */
	char *stu_build;	/* the student's build */
	char *tsan_build;	/* the ThreadSanitizer build (configured on first use) */
	char *tmp;		/* temporary folder, removed at the end */
	const char *workdir;	/* grade --workdir: sources and builds kept for the next */
	int tsan_state;		/* 0 not tried, 1 configured, -1 unavailable */
	char *tsan_why;		/* why tsan items are skipped */
	char *archer;		/* libarcher.so */
	double timeout;		/* > 0: overrides every item's timeout */
	int rounds, retries;
	int step;		/* > 0: only that step's items */
	char **speed_args;	/* "FLAG=VALUE": replaces FLAG's value in timed items */
	size_t nspeed_args;
	char **only;		/* item ids or kinds, NULL: all */
	size_t nonly;
	bool verbose;
	int cpus, cores;
	int json_seq;
} session;

static int resolve_threads(const session *s, const char *tok)
{
	if (!strcmp(tok, "cores"))
		return s->cores;
	if (!strcmp(tok, "cpus"))
		return s->cpus;
	if (!strcmp(tok, "cpus+1"))
		return s->cpus + 1;
	if (!strcmp(tok, "cores+1"))
		return s->cores + 1;
	char *end;
	long v = strtol(tok, &end, 10);
	return (*tok && !*end && v > 0 && v < 100000) ? (int)v : -1;
}

static double item_timeout(const session *s, const item *it)
{
	return s->timeout > 0 ? s->timeout : it->timeout > 0 ? it->timeout : DEFAULT_TIMEOUT;
}

static bool selected(const session *s, const item *it)
{
	if (it->kind == K_BUILD)
		return true;
	if (s->step > 0 && it->step != s->step)
		return false;
	if (!s->nonly)
		return true;
	for (size_t i = 0; i < s->nonly; i++)
		if (!strcmp(s->only[i], it->id) || !strcmp(s->only[i], kind_name[it->kind]))
			return true;
	return false;
}

static char *student_prog(const session *s, const exercise *e)
{
	return kit_xasprintf("%s/exercises/%s/%s", s->stu_build, e->dir, e->program);
}

static char *reference_prog(const session *s, const exercise *e)
{
	return kit_xasprintf("%s/solutions/%s/%s", s->ref_build, e->dir, e->program);
}

static void item_pass(item *it)
{
	it->st = ST_PASS;
	it->score = it->points;
}

static void item_fail(item *it, const char *observed)
{
	it->st = ST_FAIL;
	it->score = 0;
	if (observed && !it->observed)
		it->observed = kit_xstrdup(observed);
}

static void item_skip(item *it, const char *why)
{
	it->st = ST_SKIP;
	it->score = 0;
	free(it->skip_why);
	it->skip_why = kit_xstrdup(why);
}

/* What a run that did not pass showed: the driver's FAIL: line, a sanitizer's
 * report, or how it ended (signal, time-out). Malloc'd. */
static char *observed_of(const kit_proc_result *r)
{
	if (!r->started)
		return kit_xstrdup("could not start the program");
	if (r->timed_out || r->signal)
		return kit_xstrdup(kit_proc_describe(r));
	char *l = last_line_with_prefix(r->out, "FAIL:");
	if (!l)
		l = last_line_with_prefix(r->err, "FAIL:");
	if (!l)
		l = first_line_containing(r->err, "Sanitizer: SEGV");
	if (!l)
		l = first_line_containing(r->err, "ERROR: AddressSanitizer");
	if (!l)
		l = first_line_containing(r->err, "ERROR: ThreadSanitizer");
	if (!l)
		l = first_line_containing(r->err, "runtime error:");
	if (!l)
		l = first_line_containing(r->err, "error:");
	if (!l)
		l = trimmed_last_line(r->err);
	char *s = l ? kit_xasprintf("%s (%s)", l, kit_proc_describe(r)) : kit_xstrdup(kit_proc_describe(r));
	free(l);
	return s;
}

/* Program output for --verbose: the last lines of both streams. */
static void append_tail(kit_buf *b, const kit_proc_result *r)
{
	const char *streams[2] = { r->out, r->err };
	for (int k = 0; k < 2; k++) {
		const char *t = streams[k];
		if (!t || !*t)
			continue;
		size_t n = strlen(t), lines = 0;
		size_t i = n;
		while (i > 0 && lines < 15)
			if (t[--i] == '\n' && i + 1 < n)
				lines++;
		if (i > 0)
			i++;
		kit_buf_printf(b, "  | %s:\n", k ? "stderr" : "stdout");
		for (const char *p = t + i; *p;) {
			size_t m = strcspn(p, "\n");
			kit_buf_printf(b, "  | %.*s\n", (int)m, p);
			p += m;
			if (*p)
				p++;
		}
	}
}

/* argv for PROG ARGS [--json JSON]; strings borrowed. */
static char **make_argv(const session *s, const char *prog, const item *it, const char *json)
{
	char **argv = kit_xcalloc(1, (it->nargs + 4) * sizeof(*argv));
	size_t k = 0;
	argv[k++] = (char *)prog;
	for (size_t i = 0; i < it->nargs; i++) {
		argv[k++] = it->args[i];
		if ((it->kind != K_SPEED && it->kind != K_SPEEDUP) || i + 1 >= it->nargs)
			continue;
		for (size_t j = 0; j < s->nspeed_args; j++) {
			const char *sa = s->speed_args[j], *eq = strchr(sa, '=');
			if (strlen(it->args[i]) == (size_t)(eq - sa) &&
			    !strncmp(it->args[i], sa, (size_t)(eq - sa))) {
				argv[k++] = (char *)eq + 1;
				i++;
				break;
			}
		}
	}
	if (json) {
		argv[k++] = (char *)"--json";
		argv[k++] = (char *)json;
	}
	argv[k] = NULL;
	return argv;
}

/* One run of PROG for IT at THREADS, with EXTRA environment (may be NULL). */
static int run_prog(const session *s, const char *prog, const item *it, int threads,
		    const char *json, const char *const *extra, kit_proc_result *r)
{
	char nt[48];
	snprintf(nt, sizeof(nt), "OMP_NUM_THREADS=%d", threads);
	const char *env[16] = { nt, "OMP_WAIT_POLICY=passive" };
	size_t k = 2;
	for (size_t i = 0; extra && extra[i] && k < 15; i++)
		env[k++] = extra[i];
	env[k] = NULL;
	char **argv = make_argv(s, prog, it, json);
	int rc = run_captured(argv, env, item_timeout(s, it), r);
	free(argv);
	return rc;
}

/* ------------------------------------------------------------------------
 * Item kinds
 */

/* The two accesses of the first ThreadSanitizer report at W: "read at
 * fx.c:15 in fx_par() and write at fx.c:17 in fx_par()". Malloc'd. */
static char *tsan_where(const char *w)
{
	kit_buf b = { 0 };
	const char *p = w;
	for (int k = 0; k < 2 && p; k++) {
		const char *hdr = NULL;
		for (const char *q = strchr(p, '\n'); q; q = strchr(q + 1, '\n')) {
			const char *l = q + 1;
			if (starts_with(l, "  Read of") || starts_with(l, "  Write of") ||
			    starts_with(l, "  Previous read") || starts_with(l, "  Previous write") ||
			    starts_with(l, "  Atomic ") || starts_with(l, "  Previous atomic")) {
				hdr = l;
				break;
			}
			if (starts_with(l, "SUMMARY:") || starts_with(l, "=========="))
				break;
		}
		if (!hdr)
			break;
		const char *access = strstr(hdr, "rite") && (!strstr(hdr, "ead") ||
				     strstr(hdr, "rite") < strstr(hdr, "ead")) ? "write" : "read";
		char *loc = NULL, *fn = NULL;
		const char *q = strchr(hdr, '\n');
		while (q && starts_with(q + 1, "    #")) {
			char *l = line_at(q + 1);
			char *save = NULL;
			strtok_r(l, " ", &save);	/* #N */
			char *func = strtok_r(NULL, " ", &save);
			char *file = strtok_r(NULL, " ", &save);
			if (file && !loc) {
				char *base = strrchr(file, '/');
				base = base ? base + 1 : file;
				char *c1 = strchr(base, ':');
				if (c1 && isdigit((unsigned char)c1[1])) {
					char *c2 = strchr(c1 + 1, ':');
					if (c2)
						*c2 = 0;
					loc = kit_xstrdup(base);
				}
			}
			if (func && !fn && func[0] != '.' && func[0] != '<' && !starts_with(func, "__kmp"))
				fn = kit_xstrdup(func);
			free(l);
			q = strchr(q + 1, '\n');
		}
		kit_buf_printf(&b, "%s%s at %s%s%s%s", k ? " and " : "", access, loc ? loc : "?",
			  fn ? " in " : "", fn ? fn : "", fn ? "()" : "");
		free(loc);
		free(fn);
		p = q;
	}
	return b.s ? b.s : kit_xstrdup("(no location in the report)");
}

static void do_run(session *s, const exercise *e, item *it, const char *prog,
		   const char *const *extra, bool tsan)
{
	int passed = 0, skipped = 0, failed = 0;
	char *skip_why = NULL;
	for (size_t t = 0; t < it->nthreads; t++) {
		int n = resolve_threads(s, it->threads[t]);
		if (n < 1) {
			kit_buf_printf(&it->out, "bad thread token '%s' in %s's exercise.json\n",
				  it->threads[t], e->dir);
			item_fail(it, "the item's thread list is malformed (a grader set-up error)");
			free(skip_why);
			return;
		}
		kit_proc_result r;
		run_prog(s, prog, it, n, NULL, extra, &r);
		bool race = tsan && ((r.err && strstr(r.err, "WARNING: ThreadSanitizer:")) ||
				     (r.out && strstr(r.out, "WARNING: ThreadSanitizer:")));
		if (race) {
			failed++;
			const char *text = r.err && strstr(r.err, "WARNING: ThreadSanitizer:")
					   ? r.err : r.out;
			char *where = tsan_where(strstr(text, "WARNING: ThreadSanitizer:"));
			char *obs = kit_xasprintf("ThreadSanitizer: data race at %d threads: %s", n, where);
			item_fail(it, obs);
			kit_buf_printf(&it->out, "%s\n", obs);
			free(obs);
			free(where);
			if (s->verbose)
				append_tail(&it->out, &r);
		} else if (r.started && !r.timed_out && !r.signal && r.exit_code == 0) {
			passed++;
		} else if (r.started && !r.timed_out && !r.signal && r.exit_code == KIT_EXIT_SKIP) {
			skipped++;
			char *why = last_line_with_prefix(r.out, "SKIP");
			if (!why)
				why = trimmed_last_line(r.err);
			const char *w = why && starts_with(why, "SKIP: ") ? why + 6 : why;
			kit_buf_printf(&it->out, "at %d thread%s: not judged%s%s\n", n,
				  n == 1 ? "" : "s", w ? ": " : "", w ? w : "");
			if (w && !skip_why)
				skip_why = kit_xasprintf("the program cannot check this here: %s", w);
			free(why);
		} else {
			failed++;
			char *obs = observed_of(&r);
			kit_buf_printf(&it->out, "at %d thread%s: %s\n", n, n == 1 ? "" : "s", obs);
			if (!it->observed)
				it->observed = kit_xasprintf("%s (at %d thread%s)", obs, n,
							 n == 1 ? "" : "s");
			free(obs);
			if (s->verbose)
				append_tail(&it->out, &r);
		}
		bool stop = r.timed_out;
		kit_proc_result_free(&r);
		if (stop)
			break;	/* a hang costs one time-out, not one per thread count */
	}
	if (failed + skipped <= 1 && !s->verbose)
		kit_buf_free(&it->out);	/* one line, already the "saw" line */
	if (failed)
		item_fail(it, NULL);
	else if (passed)
		item_pass(it);
	else if (skipped)
		item_skip(it, skip_why ? skip_why
			  : "the program says it cannot be checked here (exit 77)");
	else
		item_fail(it, "no run");
	free(skip_why);
}

/* Reads the primary row's columns.median_s from a results JSON file. */
static double read_median(const char *path)
{
	char *text = read_text(path, 0);
	if (!text)
		return NAN;
	cJSON *j = cJSON_Parse(text);
	free(text);
	double v = NAN;
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(j, "rows"), *row, *first = NULL,
		    *primary = NULL;
	cJSON_ArrayForEach(row, rows) {
		if (!first)
			first = row;
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(row, "primary")) && !primary)
			primary = row;
	}
	if (!primary)
		primary = first;
	if (primary) {
		const cJSON *cols = cJSON_GetObjectItemCaseSensitive(primary, "columns");
		v = json_num(cols, "median_s", NAN);
		if (!(v > 0))
			v = NAN;
	}
	cJSON_Delete(j);
	return v;
}

/* Times PROG once (its own median_s). Returns the seconds, or NAN after
 * failing IT with what went wrong (WHO: "your program", "the reference"). */
static double time_once(session *s, item *it, const char *prog, const char *who, int threads)
{
	char *json = kit_xasprintf("%s/time-%d.json", s->tmp, s->json_seq++);
	kit_proc_result r;
	run_prog(s, prog, it, threads, json, NULL, &r);
	double t = NAN;
	if (r.started && !r.timed_out && !r.signal && r.exit_code == 0) {
		t = read_median(json);
		if (isnan(t)) {
			kit_buf_printf(&it->out, "%s wrote no primary row with median_s to --json\n", who);
			item_fail(it, "no time to compare: the program's --json has no median_s");
		}
	} else {
		char *obs = observed_of(&r);
		char *o = kit_xasprintf("%s at %d thread%s: %s", who, threads, threads == 1 ? "" : "s",
				    obs);
		item_fail(it, o);
		free(o);
		free(obs);
		if (s->verbose)
			append_tail(&it->out, &r);
	}
	kit_proc_result_free(&r);
	unlink(json);
	free(json);
	return t;
}

static double clamp01(double x)
{
	return x < 0 ? 0 : x > 1 ? 1 : x;
}

/* Speed: the student's time over the reference's, interleaved A B B A ... */
static void do_speed(session *s, const exercise *e, item *it)
{
	if (s->cpus < 2) {
		item_skip(it, "speed is not judged on a 1-CPU machine");
		return;
	}
	int n = resolve_threads(s, it->threads[it->nthreads - 1]);
	if (n < 1) {
		item_fail(it, "the item's thread list is malformed (a grader set-up error)");
		return;
	}
	char *stu = student_prog(s, e), *ref = reference_prog(s, e);
	int rounds = s->rounds;
	double *ts = kit_xcalloc(1, rounds * sizeof(double)), *tr = kit_xcalloc(1, rounds * sizeof(double));
	double *q = kit_xcalloc(1, rounds * sizeof(double));
	double best_spread = INFINITY;
	it->nthreads_used = n;
	bool hopeless = false;
	for (int attempt = 0; attempt <= s->retries && !hopeless; attempt++) {
		int nr = 0;	/* rounds measured in this attempt */
		for (int k = 0; k < rounds; k++) {
			bool stu_first = k % 2 == 0;
			for (int w = 0; w < 2; w++) {
				bool is_stu = (w == 0) == stu_first;
				double t = time_once(s, it, is_stu ? stu : ref,
						     is_stu ? "your program" : "the reference", n);
				if (isnan(t))
					goto out;
				(is_stu ? ts : tr)[k] = t;
			}
			q[k] = ts[k] / tr[k];
			nr = k + 1;
			/* Twice past the no-credit line: more rounds cannot change the
			 * score, and a slow program would only keep the student waiting. */
			if (k == 0 && q[0] > 2 * SPEED_ZERO) {
				hopeless = true;
				break;
			}
		}
		double ratio = median_of(ts, nr) / median_of(tr, nr);
		qsort(q, nr, sizeof(double), cmp_double);
		double spread = (q[nr - 1] - q[0]) / median_of(q, nr);
		kit_buf_printf(&it->out, "attempt %d: %.2fx the reference's time (rounds %.2f-%.2fx)%s\n",
			  attempt + 1, ratio, q[0], q[nr - 1],
			  hopeless ? ", far past no credit: one round is enough" :
			  spread > NOISY_SPREAD ? ", too noisy" : "");
		if (hopeless || spread < best_spread) {
			best_spread = hopeless ? 0 : spread;
			it->ratio = ratio;
			it->lo = q[0];
			it->hi = q[nr - 1];
			it->rounds = nr;
			it->measured = true;
		}
		if (spread <= NOISY_SPREAD)
			break;
	}
	double frac = clamp01((SPEED_ZERO - it->ratio) / (SPEED_ZERO - SPEED_FULL));
	if (it->ratio <= SPEED_FULL)
		frac = 1;
	it->score = it->points * frac;
	it->st = frac >= 1 ? ST_PASS : ST_FAIL;
	if (it->st == ST_FAIL)
		it->observed = kit_xasprintf("your program took %.2fx the reference's time on %d "
					 "threads (full credit within %.2fx, none at %.0fx)",
					 it->ratio, n, SPEED_FULL, SPEED_ZERO);
	if (best_spread > NOISY_SPREAD)
		kit_buf_printf(&it->out, "still noisy after %d attempts: the least noisy one counts; "
			  "close other programs and run again\n", s->retries + 1);
out:
	free(q);
	free(ts);
	free(tr);
	free(stu);
	free(ref);
}

/* Speed-up from 1 thread to all physical cores against the reference's. */
static void do_speedup(session *s, const exercise *e, item *it)
{
	if (s->cores < 2) {
		item_skip(it, "speed-up is not judged on a 1-core machine");
		return;
	}
	int p1 = resolve_threads(s, it->threads[0]);
	int pn = resolve_threads(s, it->threads[it->nthreads - 1]);
	if (p1 < 1 || pn < 1 || pn <= p1) {
		if (pn == p1 && pn > 0)
			item_skip(it, "one thread count only on this machine: no speed-up to judge");
		else
			item_fail(it, "the item's thread list is malformed (a grader set-up error)");
		return;
	}
	char *stu = student_prog(s, e), *ref = reference_prog(s, e);
	int rounds = s->rounds;
	double *t[4];		/* student 1, reference 1, student n, reference n */
	for (int k = 0; k < 4; k++)
		t[k] = kit_xcalloc(1, rounds * sizeof(double));
	double *q = kit_xcalloc(1, rounds * sizeof(double));
	double best_spread = INFINITY, s_stu = 0, s_ref = 0;
	it->nthreads_used = pn;
	for (int attempt = 0; attempt <= s->retries; attempt++) {
		for (int k = 0; k < rounds; k++) {
			static const int fwd[4] = { 0, 1, 2, 3 }, rev[4] = { 3, 2, 1, 0 };
			const int *order = k % 2 ? rev : fwd;
			for (int w = 0; w < 4; w++) {
				int m = order[w];
				bool is_stu = m % 2 == 0;
				double v = time_once(s, it, is_stu ? stu : ref,
						     is_stu ? "your program" : "the reference",
						     m < 2 ? p1 : pn);
				if (isnan(v))
					goto out;
				t[m][k] = v;
			}
			q[k] = fmin(t[0][k], t[1][k]) / t[2][k];
		}
		double t1 = fmin(median_of(t[0], rounds), median_of(t[1], rounds));
		double a = t1 / median_of(t[2], rounds), b = t1 / median_of(t[3], rounds);
		qsort(q, rounds, sizeof(double), cmp_double);
		double spread = (q[rounds - 1] - q[0]) / median_of(q, rounds);
		kit_buf_printf(&it->out, "attempt %d: speed-up %.2fx on %d threads (rounds %.2f-%.2fx), "
			  "reference %.2fx, baseline %.4f s at %d thread%s%s\n", attempt + 1, a, pn,
			  q[0], q[rounds - 1], b, t1, p1, p1 == 1 ? "" : "s",
			  spread > NOISY_SPREAD ? ", too noisy" : "");
		if (spread < best_spread) {
			best_spread = spread;
			s_stu = a;
			s_ref = b;
			it->lo = q[0];
			it->hi = q[rounds - 1];
			it->rounds = rounds;
		}
		if (spread <= NOISY_SPREAD)
			break;
	}
	it->measured = true;
	it->ratio = s_stu;
	it->ref_speedup = s_ref;
	double full = s_ref / SPEED_FULL;
	if (full <= 1.05) {
		it->measured = false;
		char *why = kit_xasprintf("the reference itself speeds up only %.2fx here (%d threads), "
				      "too little to judge yours", s_ref, pn);
		item_skip(it, why);
		free(why);
		goto out;
	}
	double frac = s_stu >= full ? 1 : clamp01((s_stu - 1) / (full - 1));
	it->score = it->points * frac;
	it->st = frac >= 1 ? ST_PASS : ST_FAIL;
	if (it->st == ST_FAIL)
		it->observed = kit_xasprintf("your speed-up on %d threads is %.2fx; the reference's is "
					 "%.2fx (full credit from %.2fx, none at 1x)", pn, s_stu,
					 s_ref, full);
	if (best_spread > NOISY_SPREAD)
		kit_buf_printf(&it->out, "still noisy after %d attempts: the least noisy one counts; "
			  "close other programs and run again\n", s->retries + 1);
out:
	for (int k = 0; k < 4; k++)
		free(t[k]);
	free(q);
	free(stu);
	free(ref);
}

/* The Archer runtime library, or NULL. */
static char *find_archer(void)
{
	const char *env = getenv("KIT_ARCHER");
	if (env && *env)
		return is_file(env) ? kit_xstrdup(env) : NULL;
	if (is_file("/usr/lib/llvm-14/lib/libarcher.so"))
		return kit_xstrdup("/usr/lib/llvm-14/lib/libarcher.so");
	glob_t g;
	char *found = NULL;
	if (!glob("/usr/lib/llvm-*/lib/libarcher.so", 0, NULL, &g)) {
		found = kit_xstrdup(g.gl_pathv[g.gl_pathc - 1]);
		globfree(&g);
	}
	return found;
}

static bool have_program(const char *name)
{
	const char *path = getenv("PATH");
	if (!path)
		return false;
	char *copy = kit_xstrdup(path), *save = NULL;
	bool found = false;
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *p = kit_xasprintf("%s/%s", *d ? d : ".", name);
		found = access(p, X_OK) == 0;
		free(p);
	}
	free(copy);
	return found;
}

/* The pkg-config path of OpenBLAS's OpenMP variant, as ./kit uses. */
static char *blas_pkgconfig(void)
{
	glob_t g;
	char *found = NULL;
	if (!glob("/usr/lib/*/openblas-openmp/pkgconfig", GLOB_ONLYDIR, NULL, &g)) {
		found = kit_xstrdup(g.gl_pathv[0]);
		globfree(&g);
	}
	return found ? found : kit_xstrdup("");
}

/* Configures the ThreadSanitizer build once. Returns 0, or -1 with
 * s->tsan_why set. */
static int tsan_configure(session *s)
{
	if (s->tsan_state)
		return s->tsan_state > 0 ? 0 : -1;
	s->tsan_state = -1;
	if (!have_program("clang")) {
		s->tsan_why = kit_xstrdup("clang is not installed (apt-get install clang libomp-14-dev "
				      "libclang-rt-14-dev), so no race check here");
		return -1;
	}
	s->archer = find_archer();
	if (!s->archer) {
		s->tsan_why = kit_xstrdup("Archer (libarcher.so, from libomp-14-dev) is not installed, "
				      "so no race check here");
		return -1;
	}
	char *ninja = kit_xasprintf("%s/build.ninja", s->tsan_build);
	bool configured = is_file(ninja);
	free(ninja);
	if (!configured) {
		char *pc = blas_pkgconfig();
		char *pcopt = kit_xasprintf("-Dpkg_config_path=%s", pc);
		char *argv[] = { "meson", "setup", s->tsan_build, s->src, "-Db_sanitize=thread",
				 "-Db_lundef=false", "-Dblas=disabled", "-Dbuildtype=debugoptimized",
				 "-Dwerror=false", pcopt, NULL };
		const char *env[] = { "CC=clang", NULL };
		kit_proc_result r;
		run_captured(argv, env, BUILD_TIMEOUT, &r);
		bool ok = r.started && !r.timed_out && !r.signal && r.exit_code == 0;
		if (!ok) {
			char *l = first_line_containing(r.out, "ERROR:");
			s->tsan_why = kit_xasprintf("the ThreadSanitizer build could not be configured "
						"in %s: %s", s->tsan_build,
						l ? l : kit_proc_describe(&r));
			free(l);
			rm_rf(s->tsan_build);
		}
		kit_proc_result_free(&r);
		free(pc);
		free(pcopt);
		if (!ok)
			return -1;
	}
	s->tsan_state = 1;
	return 0;
}

static void do_tsan(session *s, const exercise *e, item *it)
{
	if (tsan_configure(s)) {
		item_skip(it, s->tsan_why);
		return;
	}
	char *target = kit_xasprintf("exercises/%s/%s", e->dir, e->program);
	char *argv[] = { "ninja", "-C", s->tsan_build, target, NULL };
	kit_proc_result r;
	run_captured(argv, NULL, BUILD_TIMEOUT, &r);
	bool built = r.started && !r.timed_out && !r.signal && r.exit_code == 0;
	if (!built) {
		char *lines = compiler_lines(&r);
		if (strstr(lines, "unknown target")) {
			item_skip(it, "this exercise needs OpenBLAS, which the ThreadSanitizer build "
				  "leaves out: no race check for it");
		} else {
			bool theirs = false;
			for (size_t i = 0; i < e->nedit; i++)
				theirs = theirs || strstr(lines, e->edit[i]);
			char *first = lines_from(lines, "error", SHOWN_LINES);
			kit_buf_printf(&it->out, "%s", first);
			if (theirs) {
				item_fail(it, "your file does not build with clang -fsanitize=thread "
					  "(the lines above say why)");
			} else {
				char *why = kit_xasprintf("the ThreadSanitizer build of the kit failed: %s",
						      strtok(first, "\n") ? first : "see --verbose");
				item_skip(it, why);
				free(why);
			}
			free(first);
		}
		free(lines);
		kit_proc_result_free(&r);
		free(target);
		return;
	}
	kit_proc_result_free(&r);
	char *prog = kit_xasprintf("%s/%s", s->tsan_build, target);
	char *tool = kit_xasprintf("OMP_TOOL_LIBRARIES=%s", s->archer);
	const char *extra[] = {
		"TSAN_OPTIONS=ignore_noninstrumented_modules=1 halt_on_error=0 exitcode=66",
		tool, "ARCHER_OPTIONS=verbose=0", NULL
	};
	do_run(s, e, it, prog, extra, true);
	free(tool);
	free(prog);
	free(target);
}

/* ------------------------------------------------------------------------
 * Building
 */

/* Builds TARGETS in BUILD; fills the "builds" item. Returns 0 when built. */
static int build_targets(session *s, exercise *e, const char *build, char **targets)
{
	item *b = &e->items[0];
	size_t nt = 0;
	while (targets[nt])
		nt++;
	char **argv = kit_xcalloc(1, (nt + 4) * sizeof(*argv));
	argv[0] = "ninja";
	argv[1] = "-C";
	argv[2] = (char *)build;
	for (size_t i = 0; i < nt; i++)
		argv[3 + i] = targets[i];
	argv[3 + nt] = NULL;
	kit_proc_result r;
	run_captured(argv, NULL, BUILD_TIMEOUT, &r);
	free(argv);
	char *lines = compiler_lines(&r);
	bool ok = r.started && !r.timed_out && !r.signal && r.exit_code == 0;
	if (s->verbose)
		kit_buf_printf(&b->out, "%s", lines);
	if (ok) {
		item_pass(b);
		if (strstr(lines, "warning:")) {
			char *w = lines_from(lines, "warning:", SHOWN_LINES);
			kit_buf_printf(&b->out, "compiler warnings (fix them: most are bugs):\n%s", w);
			free(w);
		}
	} else {
		char *err = lines_from(lines, strstr(lines, "error:") ? "error:" : NULL, SHOWN_LINES);
		kit_buf_printf(&b->out, "%s", *err ? err : kit_proc_describe(&r));
		char *first = first_line_containing(lines, "error:");
		char *obs = first ? kit_xasprintf("the build failed: %s", first)
				  : kit_xasprintf("the build failed (%s)", kit_proc_describe(&r));
		item_fail(b, obs);
		free(obs);
		free(first);
		free(err);
		free(e->not_run);
		e->not_run = kit_xstrdup("not run: the build failed");
	}
	free(lines);
	kit_proc_result_free(&r);
	return ok ? 0 : -1;
}

/* Runs every selected item of E (after "builds"). */
/*
 * An earlier run item of item I's step that failed, or NULL. Speed is only
 * judged for a step whose correctness items pass (as CS149's checkers do): a
 * wrong or serial kernel gets no speed credit, and a slow skeleton is not
 * timed for minutes to learn that.
 */
static const item *failed_run_of_step(const exercise *e, size_t i)
{
	for (size_t j = 1; j < i; j++) {
		const item *r = &e->items[j];
		if (r->kind == K_RUN && r->step == e->items[i].step && r->st == ST_FAIL)
			return r;
	}
	return NULL;
}

static void run_items(session *s, exercise *e)
{
	kit_progress pr;
	size_t total = 0;
	for (size_t i = 1; i < e->nitems; i++)
		total += selected(s, &e->items[i]);
	kit_progress_begin(&pr, e->dir, total);
	for (size_t i = 1; i < e->nitems; i++) {
		item *it = &e->items[i];
		if (!selected(s, it))
			continue;
		kit_progress_step(&pr, it->name);
		if (e->not_run) {
			item_fail(it, e->not_run);
			continue;
		}
		switch (it->kind) {
		case K_RUN: {
			char *prog = student_prog(s, e);
			do_run(s, e, it, prog, NULL, false);
			free(prog);
			break;
		}
		case K_TSAN:
			do_tsan(s, e, it);
			break;
		case K_SPEED:
		case K_SPEEDUP: {
			const item *wrong = failed_run_of_step(e, i);
			if (wrong) {
				char *why = kit_xasprintf("not timed: \"%s\" failed; speed counts once the "
						      "step is right", wrong->name);
				item_fail(it, why);
				free(why);
			} else if (it->kind == K_SPEED) {
				do_speed(s, e, it);
			} else {
				do_speedup(s, e, it);
			}
			break;
		}
		case K_BUILD:
			break;
		}
	}
	kit_progress_end(&pr);
}

/* ------------------------------------------------------------------------
 * Output: text, JSON, Gradescope
 */

static void totals(const session *s, exercise *const *ex, size_t n, double *score,
		   double *max, int *failed, int *skipped)
{
	*score = *max = 0;
	*failed = *skipped = 0;
	for (size_t k = 0; k < n; k++) {
		if (ex[k]->error)
			(*failed)++;
		for (size_t i = 0; i < ex[k]->nitems; i++) {
			const item *it = &ex[k]->items[i];
			if (!selected(s, it) || it->st == ST_PENDING)
				continue;
			if (it->st == ST_SKIP) {
				(*skipped)++;
				continue;
			}
			*score += it->score;
			*max += it->points;
			*failed += it->st == ST_FAIL;
		}
	}
}

static void print_block(FILE *f, const char *label, const char *text)
{
	bool first = true;
	for (const char *p = text; p && *p;) {
		size_t n = strcspn(p, "\n");
		fprintf(f, "      %-6s %.*s\n", first ? label : "", (int)n, p);
		first = false;
		p += n;
		if (*p)
			p++;
	}
}

/* One line about a speed or speed-up item, for the summary. */
static char *speed_line(const item *it)
{
	if (!it->measured)
		return NULL;
	const char *what = it->what ? it->what : it->id;
	if (it->kind == K_SPEED)
		return kit_xasprintf("your %s: %.2fx the reference's time on %d thread%s "
				 "(rounds %.2f-%.2fx)", what, it->ratio, it->nthreads_used,
				 it->nthreads_used == 1 ? "" : "s", it->lo, it->hi);
	return kit_xasprintf("your %s: speed-up %.2fx on %d threads, the reference's %.2fx",
			 what, it->ratio, it->nthreads_used, it->ref_speedup);
}

static void print_text(const session *s, exercise *const *ex, size_t n, FILE *f)
{
	for (size_t k = 0; k < n; k++) {
		exercise *e = ex[k];
		fprintf(f, "%s: %s\n", e->dir, e->title);
		if (e->error)
			fprintf(f, "ERROR  the grader could not grade this: %s\n", e->error);
		for (size_t i = 0; i < e->nitems; i++) {
			const item *it = &e->items[i];
			if (!selected(s, it) || it->st == ST_PENDING)
				continue;
			char pts[32];
			snprintf(pts, sizeof(pts), "%g/%g", round(it->score * 100) / 100, it->points);
			fprintf(f, "%-4s  %-7s %s\n", status_name[it->st], pts, it->name);
			if (it->st == ST_SKIP)
				print_block(f, "why", it->skip_why);
			if (it->st == ST_FAIL && it->hint && !e->not_run)
				print_block(f, "hint", it->hint);
			/* a run item's per-thread lines below already say what was seen */
			if (it->st == ST_FAIL && it->observed &&
			    !((it->kind == K_RUN || it->kind == K_TSAN) && it->out.len))
				print_block(f, "saw", it->observed);
			if ((it->st == ST_FAIL && !e->not_run) || it->kind == K_BUILD || s->verbose ||
			    it->kind == K_SPEED || it->kind == K_SPEEDUP)
				if (it->st != ST_SKIP && it->out.len)
					print_block(f, "", kit_buf_str(&it->out));
		}
	}
	double score, max;
	int failed, skipped;
	totals(s, ex, n, &score, &max, &failed, &skipped);
	fprintf(f, "\nscore: %g/%g", round(score * 100) / 100, max);
	if (failed)
		fprintf(f, ", %d item%s not full marks", failed, failed == 1 ? "" : "s");
	if (skipped)
		fprintf(f, ", %d skipped (not counted)", skipped);
	fputc('\n', f);
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < ex[k]->nitems; i++) {
			const item *it = &ex[k]->items[i];
			char *l = selected(s, it) ? speed_line(it) : NULL;
			if (l)
				fprintf(f, "%s\n", l);
			free(l);
		}
}

/* The text of one item for JSON and Gradescope "output". */
static char *item_output(const item *it)
{
	kit_buf b = { 0 };
	switch (it->st) {
	case ST_PASS:
		kit_buf_printf(&b, "PASS");
		break;
	case ST_FAIL:
		kit_buf_printf(&b, "FAIL");
		break;
	case ST_SKIP:
		kit_buf_printf(&b, "SKIP: %s (worth %g points, not counted)", it->skip_why, it->points);
		break;
	default:
		kit_buf_printf(&b, "not run");
	}
	if (it->st == ST_FAIL && it->observed)
		kit_buf_printf(&b, ": %s", it->observed);
	if (it->st == ST_FAIL && it->hint && !(it->observed && starts_with(it->observed, "not run")))
		kit_buf_printf(&b, "\nhint: %s", it->hint);
	char *sl = speed_line(it);
	if (sl)
		kit_buf_printf(&b, "\n%s", sl);
	free(sl);
	if (it->out.len && it->st != ST_SKIP)
		kit_buf_printf(&b, "\n%s", kit_buf_str(&it->out));
	while (b.len && b.s[b.len - 1] == '\n')
		b.s[--b.len] = 0;
	return b.s;
}

static cJSON *item_json(const item *it)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", it->id);
	cJSON_AddStringToObject(o, "name", it->name);
	cJSON_AddStringToObject(o, "kind", kind_name[it->kind]);
	cJSON_AddNumberToObject(o, "step", it->step);
	cJSON_AddStringToObject(o, "status", it->st == ST_PASS ? "pass"
				: it->st == ST_FAIL ? "fail" : it->st == ST_SKIP ? "skip" : "not run");
	cJSON_AddNumberToObject(o, "score", round(it->score * 100) / 100);
	cJSON_AddNumberToObject(o, "max_score", it->points);
	cJSON_AddStringToObject(o, "visibility", it->visibility);
	if (it->hint)
		cJSON_AddStringToObject(o, "hint", it->hint);
	if (it->observed && it->st == ST_FAIL)
		cJSON_AddStringToObject(o, "observed", it->observed);
	if (it->skip_why && it->st == ST_SKIP)
		cJSON_AddStringToObject(o, "skipped", it->skip_why);
	if (it->measured) {
		cJSON_AddNumberToObject(o, it->kind == K_SPEED ? "ratio" : "speedup", it->ratio);
		if (it->kind == K_SPEEDUP)
			cJSON_AddNumberToObject(o, "reference_speedup", it->ref_speedup);
		cJSON *sp = cJSON_AddArrayToObject(o, "spread");
		cJSON_AddItemToArray(sp, cJSON_CreateNumber(it->lo));
		cJSON_AddItemToArray(sp, cJSON_CreateNumber(it->hi));
		cJSON_AddNumberToObject(o, "rounds", it->rounds);
		cJSON_AddNumberToObject(o, "threads", it->nthreads_used);
	}
	char *out = item_output(it);
	cJSON_AddStringToObject(o, "output", out ? out : "");
	free(out);
	return o;
}

static cJSON *report_json(const session *s, exercise *const *ex, size_t n, double seconds)
{
	double score, max;
	int failed, skipped;
	totals(s, ex, n, &score, &max, &failed, &skipped);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "schema", "ompkit-grade/1");
	cJSON_AddStringToObject(o, "mode", s->grade ? "grade" : "check");
	cJSON_AddNumberToObject(o, "score", round(score * 100) / 100);
	cJSON_AddNumberToObject(o, "max_score", max);
	cJSON_AddBoolToObject(o, "passed", failed == 0);
	cJSON_AddNumberToObject(o, "skipped", skipped);
	cJSON_AddNumberToObject(o, "execution_time", round(seconds * 10) / 10);
	cJSON_AddNumberToObject(o, "cpus", s->cpus);
	cJSON_AddNumberToObject(o, "cores", s->cores);
	cJSON *arr = cJSON_AddArrayToObject(o, "exercises");
	for (size_t k = 0; k < n; k++) {
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "exercise", ex[k]->dir);
		cJSON_AddStringToObject(e, "title", ex[k]->title);
		if (ex[k]->error)
			cJSON_AddStringToObject(e, "error", ex[k]->error);
		cJSON *items = cJSON_AddArrayToObject(e, "items");
		for (size_t i = 0; i < ex[k]->nitems; i++)
			if (selected(s, &ex[k]->items[i]) && ex[k]->items[i].st != ST_PENDING)
				cJSON_AddItemToArray(items, item_json(&ex[k]->items[i]));
		cJSON_AddItemToArray(arr, e);
	}
	return o;
}

/* Gradescope's results.json: score, max_score, tests[], execution_time, output. */
static cJSON *gradescope_json(const session *s, exercise *const *ex, size_t n, double seconds,
			      const char *fatal)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *tests = cJSON_CreateArray();
	double score = 0, max = 0;
	int number = 0, failed = 0, skipped = 0;
	kit_buf summary = { 0 };
	if (fatal) {
		cJSON *t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "name", "grader error");
		cJSON_AddNumberToObject(t, "score", 0);
		cJSON_AddNumberToObject(t, "max_score", 0);
		cJSON_AddStringToObject(t, "status", "failed");
		cJSON_AddStringToObject(t, "output", fatal);
		cJSON_AddStringToObject(t, "visibility", "visible");
		cJSON_AddStringToObject(t, "number", "0");
		cJSON_AddItemToArray(tests, t);
		kit_buf_printf(&summary, "The grader could not grade this submission: %s\n", fatal);
	}
	for (size_t k = 0; k < n; k++) {
		const exercise *e = ex[k];
		if (e->error) {
			cJSON *t = cJSON_CreateObject();
			char *name = kit_xasprintf("%s: grader error", e->dir);
			cJSON_AddStringToObject(t, "name", name);
			free(name);
			cJSON_AddNumberToObject(t, "score", 0);
			cJSON_AddNumberToObject(t, "max_score", 0);
			cJSON_AddStringToObject(t, "status", "failed");
			cJSON_AddStringToObject(t, "output", e->error);
			cJSON_AddStringToObject(t, "visibility", "visible");
			char *num = kit_xasprintf("%d", ++number);
			cJSON_AddStringToObject(t, "number", num);
			free(num);
			cJSON_AddItemToArray(tests, t);
			kit_buf_printf(&summary, "%s: the grader could not grade this: %s\n", e->dir,
				  e->error);
			failed++;
		}
		for (size_t i = 0; i < e->nitems; i++) {
			const item *it = &e->items[i];
			if (!selected(s, it) || it->st == ST_PENDING)
				continue;
			cJSON *t = cJSON_CreateObject();
			char *name = n > 1 ? kit_xasprintf("%s: %s", e->dir, it->name) : kit_xstrdup(it->name);
			cJSON_AddStringToObject(t, "name", name);
			free(name);
			bool skip = it->st == ST_SKIP;
			double sc = skip ? 0 : round(it->score * 100) / 100;
			double mx = skip ? 0 : it->points;
			cJSON_AddNumberToObject(t, "score", sc);
			cJSON_AddNumberToObject(t, "max_score", mx);
			cJSON_AddStringToObject(t, "status", it->st == ST_FAIL ? "failed" : "passed");
			char *out = item_output(it);
			cJSON_AddStringToObject(t, "output", out ? out : "");
			free(out);
			cJSON_AddStringToObject(t, "visibility", it->visibility);
			char *num = kit_xasprintf("%d", ++number);
			cJSON_AddStringToObject(t, "number", num);
			free(num);
			cJSON_AddItemToArray(tests, t);
			score += sc;
			max += mx;
			failed += it->st == ST_FAIL;
			skipped += skip;
			char *sl = speed_line(it);
			if (sl)
				kit_buf_printf(&summary, "%s\n", sl);
			free(sl);
		}
	}
	kit_buf_printf(&summary, "score %g/%g%s", round(score * 100) / 100, max,
		  skipped ? " (skipped items are not counted)" : "");
	cJSON_AddNumberToObject(o, "score", round(score * 100) / 100);
	cJSON_AddNumberToObject(o, "max_score", max);
	cJSON_AddNumberToObject(o, "execution_time", round(seconds * 10) / 10);
	cJSON_AddStringToObject(o, "output", kit_buf_str(&summary));
	cJSON_AddStringToObject(o, "visibility", "visible");
	cJSON_AddStringToObject(o, "stdout_visibility", "hidden");
	cJSON_AddItemToObject(o, "tests", tests);
	kit_buf_free(&summary);
	return o;
}

static int write_json_file(cJSON *j, const char *path)
{
	char *text = cJSON_Print(j);
	if (!text)
		abort();
	int rc = 0;
	if (!strcmp(path, "-")) {
		fputs(text, stdout);
		fputc('\n', stdout);
	} else {
		kit_atomic a;
		if (kit_atomic_open(&a, path)) {
			rc = -1;
		} else {
			fputs(text, a.f);
			fputc('\n', a.f);
			rc = kit_atomic_commit(&a);
		}
	}
	free(text);
	return rc;
}

/* ------------------------------------------------------------------------
 * Options and the session
 */

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
}

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
	s->tmp = tmpl;
	return 0;
}

static void session_free(session *s)
{
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
	char *dir = find_exercise_dir(s.root, name);
	if (!dir)
		goto out;
	e = load_exercise(s.root, dir);
	free(dir);
	if (!e || make_tmp(&s))
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
	build_targets(&s, e, s.ref_build, targets);
	free(targets[0]);
	free(targets[1]);
	run_items(&s, e);
	e->seconds = kit_wtime() - t0;

	print_text(&s, &e, 1, stdout);
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

/* Looks for each edit file of E in SUB; sets e->found and e->not_run. */
static void find_submission(exercise *e, const char *sub)
{
	kit_buf missing = { 0 };
	for (size_t i = 0; i < e->nedit; i++) {
		char *cand[3] = {
			kit_xasprintf("%s/%s", sub, e->edit[i]),
			kit_xasprintf("%s/%s/%s", sub, e->dir, e->edit[i]),
			kit_xasprintf("%s/exercises/%s/%s", sub, e->dir, e->edit[i]),
		};
		for (int k = 0; k < 3; k++) {
			struct stat st;
			if (!e->found[i] && !stat(cand[k], &st) && S_ISREG(st.st_mode))
				e->found[i] = kit_xstrdup(cand[k]);
			free(cand[k]);
		}
		if (!e->found[i])
			kit_buf_printf(&missing, "%s%s", missing.len ? ", " : "", e->edit[i]);
	}
	if (missing.len) {
		item *b = &e->items[0];
		char *obs = kit_xasprintf("the submission has no %s (looked in %s, %s/%s/ and "
				      "%s/exercises/%s/)", kit_buf_str(&missing), sub, sub, e->dir, sub,
				      e->dir);
		item_fail(b, obs);
		free(obs);
		e->not_run = kit_xasprintf("not run: %s was not submitted", kit_buf_str(&missing));
	}
	kit_buf_free(&missing);
}

/* The kit's sources into DST: git's list of files (tracked and untracked but
 * not ignored), else a plain copy without build*, results and .git. */
static int copy_sources(const char *root, const char *dst)
{
	char *argv[] = { "git", "-C", (char *)root, "ls-files", "-z", "--cached", "--others",
			 "--exclude-standard", NULL };
	kit_proc_result r;
	int rc = 0;
	run_captured(argv, NULL, 120, &r);
	if (r.started && !r.timed_out && !r.signal && r.exit_code == 0 && r.out && *r.out) {
		/* the captured text is NUL-separated: walk it by the capture's length */
		const char *p = r.out;
		size_t len = 0;
		/* kit_proc_run NUL-terminates; the list ends with a NUL too, so find the
		 * end as the first empty entry */
		while (p[len] || p[len + 1])
			len++;
		len++;
		for (const char *q = p; q < p + len && *q && !rc; q += strlen(q) + 1) {
			char *from = kit_xasprintf("%s/%s", root, q);
			char *to = kit_xasprintf("%s/%s", dst, q);
			rc = copy_entry(from, to);
			free(from);
			free(to);
		}
	} else {
		if (mkdir(dst, 0777) && errno != EEXIST) {
			kit_error("cannot create '%s': %s", dst, strerror(errno));
			rc = -1;
		} else {
			rc = copy_tree(root, dst, "");
		}
	}
	kit_proc_result_free(&r);
	return rc;
}

/* The meson options of the kit's build that the student's build must share. */
static char **build_options(const char *build, size_t *n, char **cc)
{
	static const char *keep[] = { "openmp", "blas", "native", "buildtype", "optimization",
				      "debug", "b_ndebug", "b_sanitize", "b_lundef", "c_std",
				      "pkg_config_path", NULL };
	*n = 0;
	*cc = NULL;
	char **v = kit_xcalloc(1, 32 * sizeof(*v));
	char *path = kit_xasprintf("%s/meson-info/intro-buildoptions.json", build);
	char *text = read_text(path, 0);
	cJSON *j = text ? cJSON_Parse(text) : NULL;
	const cJSON *o;
	cJSON_ArrayForEach(o, j) {
		const char *name = json_str(o, "name");
		const cJSON *val = cJSON_GetObjectItemCaseSensitive(o, "value");
		const char *section = json_str(o, "section");
		if (!name || !val || (section && !strcmp(section, "user") && false))
			continue;
		bool wanted = false;
		for (size_t k = 0; keep[k] && !wanted; k++)
			wanted = !strcmp(keep[k], name);
		/* build-machine duplicates ("build.pkg_config_path") are left out */
		if (!wanted || *n >= 30)
			continue;
		kit_buf b = { 0 };
		kit_buf_printf(&b, "-D%s=", name);
		if (cJSON_IsString(val))
			kit_buf_printf(&b, "%s", val->valuestring);
		else if (cJSON_IsBool(val))
			kit_buf_printf(&b, "%s", cJSON_IsTrue(val) ? "true" : "false");
		else if (cJSON_IsNumber(val))
			kit_buf_printf(&b, "%d", val->valueint);
		else if (cJSON_IsArray(val)) {
			const cJSON *x;
			bool first = true;
			cJSON_ArrayForEach(x, val) {
				if (cJSON_IsString(x))
					kit_buf_printf(&b, "%s%s", first ? "" : ",", x->valuestring);
				first = false;
			}
		} else {
			kit_buf_free(&b);
			continue;
		}
		v[(*n)++] = b.s;
	}
	cJSON_Delete(j);
	free(text);
	free(path);
	path = kit_xasprintf("%s/meson-info/intro-compilers.json", build);
	text = read_text(path, 0);
	j = text ? cJSON_Parse(text) : NULL;
	const cJSON *host = cJSON_GetObjectItemCaseSensitive(j, "host");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(host, "c");
	const cJSON *exe = cJSON_GetObjectItemCaseSensitive(c, "exelist");
	if (cJSON_IsArray(exe)) {
		kit_buf b = { 0 };
		const cJSON *x;
		cJSON_ArrayForEach(x, exe)
			if (cJSON_IsString(x))
				kit_buf_printf(&b, "%s%s", b.len ? " " : "CC=", x->valuestring);
		*cc = b.s;
	}
	cJSON_Delete(j);
	free(text);
	free(path);
	return v;
}

/* Sets up the student's build: sources copied, submissions overlaid, meson
 * configured. Returns 0, or -1 with a message in *ERR. */
static int prepare_grade(session *s, exercise **ex, size_t n, char **err)
{
	const char *base = s->workdir ? s->workdir : s->tmp;
	if (s->workdir && mkdir(s->workdir, 0777) && errno != EEXIST) {
		*err = kit_xasprintf("cannot create the work folder %s: %s", s->workdir, strerror(errno));
		return -1;
	}
	s->src = kit_xasprintf("%s/src", base);
	s->stu_build = kit_xasprintf("%s/build", base);
	s->tsan_build = kit_xasprintf("%s/build-tsan", base);
	if (copy_sources(s->root, s->src)) {
		*err = kit_xasprintf("could not copy the kit's sources from %s to %s", s->root, s->src);
		return -1;
	}
	for (size_t k = 0; k < n; k++) {
		exercise *e = ex[k];
		for (size_t i = 0; i < e->nedit; i++) {
			if (!e->found[i])
				continue;
			char *to = kit_xasprintf("%s/exercises/%s/%s", s->src, e->dir, e->edit[i]);
			char *text = read_text(e->found[i], MAX_SUBMISSION);
			if (!text) {
				char *obs = kit_xasprintf("cannot read the submitted %s: %s", e->found[i],
						      strerror(errno));
				item_fail(&e->items[0], obs);
				free(obs);
				free(e->not_run);
				e->not_run = kit_xasprintf("not run: %s could not be read", e->edit[i]);
			} else if (!same_content(e->found[i], to)) {
				unlink(to);	/* a link in the kit's tree is replaced, not followed */
				kit_atomic a;
				if (kit_atomic_open(&a, to) || (fputs(text, a.f), kit_atomic_commit(&a))) {
					*err = kit_xasprintf("cannot write %s", to);
					free(text);
					free(to);
					return -1;
				}
			}
			free(text);
			free(to);
		}
	}
	size_t nopt;
	char *cc;
	char **opts = build_options(s->ref_build, &nopt, &cc);
	char **argv = kit_xcalloc(1, (nopt + 8) * sizeof(*argv));
	size_t k = 0;
	argv[k++] = "meson";
	argv[k++] = "setup";
	argv[k++] = s->stu_build;
	argv[k++] = s->src;
	argv[k++] = "-Dwerror=false";
	for (size_t i = 0; i < nopt; i++)
		argv[k++] = opts[i];
	argv[k] = NULL;
	const char *env[] = { cc, NULL };
	kit_proc_result r;
	char *ninja = kit_xasprintf("%s/build.ninja", s->stu_build);
	if (is_file(ninja)) {	/* a reused --workdir: configured already */
		memset(&r, 0, sizeof(r));
		r.started = true;
	} else {
		run_captured(argv, cc ? env : NULL, BUILD_TIMEOUT, &r);
	}
	free(ninja);
	int rc = 0;
	if (!(r.started && !r.timed_out && !r.signal && r.exit_code == 0)) {
		char *l = first_line_containing(r.out, "ERROR:");
		if (!l)
			l = trimmed_last_line(r.err);
		*err = kit_xasprintf("meson could not configure the copy of the kit: %s",
				 l ? l : kit_proc_describe(&r));
		free(l);
		rc = -1;
	}
	kit_proc_result_free(&r);
	for (size_t i = 0; i < nopt; i++)
		free(opts[i]);
	free(opts);
	free(argv);
	free(cc);
	return rc;
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
		build_targets(s, e, s->stu_build, targets);
		free(targets[0]);
	}
	run_items(s, e);
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
	char *fatal = NULL;
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
		dirs = all_exercises(s.root, &ndirs);
	} else {
		char *d = find_exercise_dir(s.root, name);
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
		exercise *e = load_exercise(s.root, dirs[k]);
		if (!e) {
			if (!fatal)
				fatal = kit_xasprintf("exercises/%s/exercise.json could not be read "
						  "(the message above says why)", dirs[k]);
		} else {
			ex[n++] = e;
			if (hidden && load_hidden(e, hidden) && !fatal)
				fatal = kit_xasprintf("the hidden tests for %s could not be read", e->dir);
			find_submission(e, sub);
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
	char *err = NULL;
	if (prepare_grade(&s, ex, n, &err)) {
		fatal = err;
		goto report;
	}
	for (size_t k = 0; k < n; k++)
		grade_exercise(&s, ex[k]);

report:;
	double seconds = kit_wtime() - t0;
	if (fatal)
		kit_error("%s", fatal);
	cJSON *j = NULL;
	if (gradescope)
		j = gradescope_json(&s, ex, n, seconds, fatal);
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
			print_text(&s, ex, n, f);
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
	return rc;
}
