/*
 * tsan_guard.c - the race check sees the code that is graded (grade.h).
 *
 * The race items run a second build of the student's files (clang,
 * ThreadSanitizer). A file could tell the two builds apart and give the race
 * check a fixed program (#if __has_feature(thread_sanitizer), or gcc's
 * __SANITIZE_THREAD__), or talk to the sanitizer itself: define
 * __tsan_default_options to turn reports off, call __tsan_ignore_* or the
 * Annotate* functions to hide accesses. So, for each of the student's files,
 * as the race-check build compiles it (its compile_commands.json):
 *   - preprocessed with the sanitizer and without, the lines that come from
 *     the student's file must be the same text;
 *   - its object file must neither define nor use a name of the sanitizer's
 *     interface other than what the compiler itself inserts (__tsan_read4,
 *     __tsan_func_entry, __tsan_atomic32_load, ...).
 * The grader also sets report_bugs=1 and empty suppressions in TSAN_OPTIONS,
 * which win over a program's defaults.
 */
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "grade.h"

/* The compile_commands.json entry of the student's file EDIT of E in BUILD,
 * or NULL. */
static const cJSON *entry_of(const cJSON *db, const exercise *e, const char *edit)
{
	char *tail = kit_xasprintf("exercises/%s/%s", e->dir, edit);
	const cJSON *it, *found = NULL;
	cJSON_ArrayForEach(it, db) {
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(it, "file");
		size_t lf = cJSON_IsString(f) ? strlen(f->valuestring) : 0, lt = strlen(tail);
		if (lf >= lt && !strcmp(f->valuestring + lf - lt, tail) &&
		    (lf == lt || f->valuestring[lf - lt - 1] == '/'))
			found = it;
	}
	free(tail);
	return found;
}

/* COMMAND (meson's: words separated by single spaces, none quoted) as argv
 * for preprocessing into OUT, with EXTRA appended; NULL when a word is quoted.
 * The output file, -c and the dependency file are left out. */
static char **preprocess_argv(const char *command, const char *out, const char *extra)
{
	if (strchr(command, '\'') || strchr(command, '"'))
		return NULL;
	char *copy = kit_xstrdup(command), *save = NULL;
	size_t n = 0, cap = 16;
	char **v = kit_xcalloc(cap, sizeof(*v));
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (!strcmp(w, "-o") || !strcmp(w, "-MQ") || !strcmp(w, "-MF")) {
			strtok_r(NULL, " ", &save);	/* and its value */
			continue;
		}
		if (!strcmp(w, "-c") || !strcmp(w, "-MD"))
			continue;
		if (n + 6 >= cap)
			v = kit_xrealloc(v, (cap *= 2) * sizeof(*v));
		char *exe = n == 0 && !strchr(w, '/') ? which_program(w) : NULL;
		v[n++] = exe ? exe : kit_xstrdup(w);
	}
	free(copy);
	v[n++] = kit_xstrdup("-E");
	v[n++] = kit_xstrdup("-o");
	v[n++] = kit_xstrdup(out);
	if (extra)
		v[n++] = kit_xstrdup(extra);
	v[n] = NULL;
	return v;
}

static void free_argv(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* The lines of preprocessed TEXT that come from a file whose name ends with
 * TAIL (line markers '# N "file"' say which), malloc'd. */
static char *lines_from_file(const char *text, const char *tail)
{
	kit_buf b = { 0 };
	bool ours = false;
	size_t lt = strlen(tail);
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len > 2 && p[0] == '#' && p[1] == ' ') {
			const char *q = memchr(p, '"', len), *r = q ? memchr(q + 1, '"', len - (size_t)(q + 1 - p)) : NULL;
			ours = q && r && (size_t)(r - q - 1) >= lt && !memcmp(r - lt, tail, lt);
		} else if (ours) {
			kit_buf_printf(&b, "%.*s\n", (int)len, p);
		}
		p = nl ? nl + 1 : NULL;
	}
	return kit_buf_take(&b);
}

/* Preprocesses entry EN into OUT (EXTRA appended to its command) and returns
 * the student's lines of it, or NULL when it could not be done. */
static char *preprocessed(session *s, const cJSON *en, const char *out, const char *extra,
			  const char *tail)
{
	const char *cmd = cJSON_GetObjectItemCaseSensitive(en, "command")->valuestring;
	const cJSON *dir = cJSON_GetObjectItemCaseSensitive(en, "directory");
	char **argv = preprocess_argv(cmd, out, extra);
	if (!argv || !cJSON_IsString(dir)) {
		free_argv(argv);
		return NULL;
	}
	kit_proc_result r;
	run_tool(s, dir->valuestring, argv, s->grade, &r);
	char *text = r.started && !r.timed_out && !r.signal && r.exit_code == 0
			     ? read_text(out, 64u << 20) : NULL;
	kit_proc_result_free(&r);
	free_argv(argv);
	unlink(out);
	char *mine = text ? lines_from_file(text, tail) : NULL;
	free(text);
	return mine;
}

/* Whether NAME is part of the sanitizer's interface that the compiler does
 * not insert by itself. */
static bool sanitizer_api(const char *name)
{
	static const char *const inserted[] = { "__tsan_read", "__tsan_write",
		"__tsan_unaligned_", "__tsan_func_", "__tsan_init", "__tsan_atomic",
		"__tsan_vptr_", "__tsan_mem", "__tsan_volatile_", NULL };
	if (strncmp(name, "__tsan_", 7) && strncmp(name, "__sanitizer_", 12) &&
	    strncmp(name, "Annotate", 8))
		return false;
	for (size_t i = 0; inserted[i]; i++)
		if (!strncmp(name, inserted[i], strlen(inserted[i])))
			return false;
	return true;
}

/* The first name of the sanitizer's interface that object OBJ (in DIR)
 * defines or uses, malloc'd, or NULL. */
static char *object_api(const char *dir, const char *obj)
{
	char *path = obj[0] == '/' ? kit_xstrdup(obj) : kit_xasprintf("%s/%s", dir, obj);
	char *argv[] = { "nm", path, NULL };
	kit_proc_result r;
	run_captured(argv, NULL, 60, &r);
	char *found = NULL;
	for (const char *p = r.out; p && *p && !found;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[512];
		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1), p);
		char *name = strrchr(line, ' ');
		if (name && sanitizer_api(name + 1))
			found = kit_xstrdup(name + 1);
		p = nl ? nl + 1 : NULL;
	}
	kit_proc_result_free(&r);
	free(path);
	return found;
}

char *tsan_guard(session *s, const exercise *e)
{
	char *db_path = kit_xasprintf("%s/compile_commands.json", s->tsan_build);
	cJSON *db = read_json(db_path);
	free(db_path);
	char *why = NULL;
	for (size_t i = 0; db && i < e->nedit && !why; i++) {
		const cJSON *en = entry_of(db, e, e->edit[i]);
		const cJSON *obj = en ? cJSON_GetObjectItemCaseSensitive(en, "output") : NULL;
		const cJSON *dir = en ? cJSON_GetObjectItemCaseSensitive(en, "directory") : NULL;
		if (!en || !cJSON_IsString(obj) || !cJSON_IsString(dir))
			continue;	/* not compiled on its own: nothing to compare */
		char *tail = kit_xasprintf("/%s", e->edit[i]);
		char *pa = kit_xasprintf("%s/.tsan-guard-a.i", s->tsan_build);
		char *pb = kit_xasprintf("%s/.tsan-guard-b.i", s->tsan_build);
		char *a = preprocessed(s, en, pa, NULL, tail);
		char *b = a ? preprocessed(s, en, pb, "-fno-sanitize=thread", tail) : NULL;
		if (a && b && strcmp(a, b))
			why = kit_xasprintf("%s reads differently for the race check than for the "
					    "other items (it tests for the sanitizer: "
					    "__has_feature(thread_sanitizer) or __SANITIZE_THREAD__): "
					    "the race check must see the code that is graded",
					    e->edit[i]);
		char *api = why ? NULL : object_api(dir->valuestring, obj->valuestring);
		if (api)
			why = kit_xasprintf("%s uses the race checker's own interface (%s): hiding "
					    "accesses from ThreadSanitizer or turning its reports off "
					    "does not make the code race-free", e->edit[i], api);
		free(api);
		free(a);
		free(b);
		free(pa);
		free(pb);
		free(tail);
	}
	cJSON_Delete(db);
	return why;
}
