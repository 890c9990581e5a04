/*
 * manifest.c - an exercise's exercise.json (grade.h): its program, the files
 * a student edits, its steps and its check items (docs/conventions.md
 * section 3 lists the fields; docs/grading.md what each kind checks).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "grade.h"

const char *const kind_name[] = { "builds", "correct", "tsan", "speed", "speedup" };
const char *const status_name[] = { "pending", "PASS", "FAIL", "SKIP" };

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
	free(it->ranks);
	for (size_t i = 0; i < it->ninputs_args; i++)
		free(it->inputs_args[i]);
	free(it->inputs_args);
	kit_buf_free(&it->out);
	free(it->observed);
	free(it->skip_why);
}

void exercise_free(exercise *e)
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
static int bool_field(const cJSON *o, const char *key, bool *out, const char *where,
		      const char *id)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!v)
		return 0;
	if (!cJSON_IsBool(v)) {
		kit_error("%s: item '%s': \"%s\" must be true or false", where, id, key);
		return -1;
	}
	*out = cJSON_IsTrue(v);
	return 0;
}

/* Parses one item of exercise.json (or of a hidden file, HIDDEN true) into IT.
 * Returns -1 with a message naming WHERE when it is malformed. */
static int parse_item(const cJSON *j, bool hidden, const char *where, item *it)
{
	const char *kind = json_str(j, "kind");
	const char *id = json_str(j, "id");
	memset(it, 0, sizeof(*it));
	if (!cJSON_IsObject(j) || !id || !kind) {
		kit_error("%s: every item needs an \"id\" and a \"kind\" (docs/conventions.md section 3)",
			  where);
		return -1;
	}
	int k;
	for (k = K_CORRECT; k <= K_SPEEDUP; k++)
		if (!strcmp(kind, kind_name[k]))
			break;
	if (k > K_SPEEDUP) {
		kit_error("%s: item '%s' has kind '%s'; use correct, tsan, speed or speedup", where,
			  id, kind);
		return -1;
	}
	it->kind = (enum kind)k;
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
	it->repeat = (int)json_num(j, "repeat", 1);
	it->procs = (int)json_num(j, "procs", 0);
	it->read_at_most = json_num(j, "read_at_most", 0);
	if (it->read_at_most < 0 || (it->read_at_most > 0 && it->kind != K_CORRECT)) {
		kit_error("%s: item '%s': \"read_at_most\" (bytes) must be positive, in a "
			  "correct item", where, id);
		return -1;
	}
	it->budget_mb = json_num(j, "budget_mb", 0);
	if (it->budget_mb < 0 || (it->budget_mb > 0 && it->kind != K_CORRECT)) {
		kit_error("%s: item '%s': \"budget_mb\" (the buffers' memory budget, MB) must be "
			  "positive, in a correct item", where, id);
		return -1;
	}
	if (it->repeat < 1 || it->repeat > 100 || it->procs < 0 || it->procs > 256) {
		kit_error("%s: item '%s': \"repeat\" must be 1-100 and \"procs\" 0-256", where, id);
		return -1;
	}
	if (bool_field(j, "same", &it->same, where, id) ||
	    bool_field(j, "parallel", &it->parallel, where, id) ||
	    bool_field(j, "contended", &it->contended, where, id) ||
	    bool_field(j, "inputs", &it->inputs, where, id) ||
	    bool_field(j, "no_blas", &it->no_blas, where, id))
		return -1;
	it->args = string_array(cJSON_GetObjectItemCaseSensitive(j, "args"), &it->nargs);
	if (!it->args)
		it->args = kit_xcalloc(1, sizeof(char *));
	it->inputs_args = string_array(cJSON_GetObjectItemCaseSensitive(j, "inputs_args"),
				       &it->ninputs_args);
	it->threads = string_array(cJSON_GetObjectItemCaseSensitive(j, "threads"), &it->nthreads);
	const cJSON *ranks = cJSON_GetObjectItemCaseSensitive(j, "ranks");
	if (ranks) {
		const cJSON *r;
		bool ok = cJSON_IsArray(ranks) && cJSON_GetArraySize(ranks) > 0 &&
			  (it->kind == K_CORRECT);
		it->ranks = kit_xcalloc((size_t)cJSON_GetArraySize(ranks) + 1, sizeof(int));
		cJSON_ArrayForEach(r, ranks) {
			ok = ok && cJSON_IsNumber(r) && r->valuedouble >= 1 && r->valuedouble <= 16 &&
			     r->valuedouble == (int)r->valuedouble;
			if (ok)
				it->ranks[it->nranks++] = (int)r->valuedouble;
		}
		if (!ok) {
			kit_error("%s: item '%s': \"ranks\" must be a list of MPI rank counts 1-16, "
				  "in a correct item", where, id);
			return -1;
		}
	}
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
char *manifest_find_dir(const char *root, const char *name)
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
char **manifest_all(const char *root, size_t *n)
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
exercise *manifest_load(const char *root, const char *dir)
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
	const cJSON *steps = cJSON_GetObjectItemCaseSensitive(j, "steps");
	e->nsteps = cJSON_IsObject(steps) ? cJSON_GetArraySize(steps) : 0;
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
	b->repeat = 1;
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
int manifest_load_hidden(exercise *e, const char *hidden)
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


void item_pass(item *it)
{
	it->st = ST_PASS;
	it->score = it->points;
}

void item_fail(item *it, const char *observed)
{
	it->st = ST_FAIL;
	it->score = 0;
	if (observed && !it->observed)
		it->observed = kit_xstrdup(observed);
}

void item_skip(item *it, const char *why)
{
	it->st = ST_SKIP;
	it->score = 0;
	free(it->skip_why);
	it->skip_why = kit_xstrdup(why);
}
