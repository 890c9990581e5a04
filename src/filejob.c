/*
 * filejob.c - a job over files (filejob.h): inputs expanded from folders,
 * the plan of outputs (refused, done already, to do), leftover temporary
 * files, scratch folders.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filejob.h"
#include "kit.h"
#include "safeio.h"

bool kit_ends_with_ci(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcasecmp(s + a - b, suffix);
}

void kit_files_free(char **list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		free(list[i]);
	free(list);
}

/* Appends S (taken) to *LIST of *LEN entries and room for *CAP. */
static void push(char ***list, size_t *len, size_t *cap, char *s)
{
	if (*len == *cap && !(*list = realloc(*list, (*cap *= 2) * sizeof(**list))))
		abort();
	(*list)[(*len)++] = s;
}

/* Appends the files *SUFFIX (not *EXCLUDE) of folder DIR, sorted. 0, or -1
 * after a message. */
static int push_folder(char ***list, size_t *len, size_t *cap, const char *dir,
		       const char *suffix, const char *exclude)
{
	char safe[600];
	struct dirent **names;
	int m = scandir(dir, &names, NULL, alphasort);
	if (m < 0) {
		kit_error("cannot list folder '%s': %s", kit_printable(dir, safe, sizeof(safe)),
			  strerror(errno));
		return -1;
	}
	size_t found = 0;
	for (int i = 0; i < m; i++) {
		const char *d = names[i]->d_name;
		if (kit_ends_with_ci(d, suffix) && !(exclude && kit_ends_with_ci(d, exclude))) {
			push(list, len, cap, kit_xasprintf("%s/%s", dir, d));
			found++;
		}
		free(names[i]);
	}
	free(names);
	if (!found)
		kit_warn("folder '%s' has no %s file to transform",
			 kit_printable(dir, safe, sizeof(safe)), suffix);
	return 0;
}

char **kit_files_expand(char *const *args, size_t nargs, const char *suffix,
			const char *exclude, const char *kind, size_t max, size_t *n)
{
	size_t cap = 64, len = 0;
	char **list = malloc(cap * sizeof(*list));
	if (!list)
		abort();
	for (size_t a = 0; a < nargs; a++) {
		struct stat st;
		char safe[600];
		int e = stat(args[a], &st) ? errno : 0;
		if (e && !kit_ends_with_ci(args[a], suffix)) {
			/* Not a file that failed: a folder that is not there. */
			kit_error("'%s': %s; give %s files or folders of them",
				  kit_printable(args[a], safe, sizeof(safe)),
				  e == ENOENT ? "no such file or folder" : strerror(e), kind);
			kit_files_free(list, len);
			return NULL;
		}
		if (!e && S_ISDIR(st.st_mode)) {
			if (push_folder(&list, &len, &cap, args[a], suffix, exclude)) {
				kit_files_free(list, len);
				return NULL;
			}
		} else {
			push(&list, &len, &cap, kit_xstrdup(args[a]));
		}
	}
	if (len > max) {
		kit_error("%zu input files; at most %zu in one run, split the job", len, max);
		kit_files_free(list, len);
		return NULL;
	}
	*n = len;
	return list;
}

int kit_atomic_remove_temps(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, (size_t)(slash - path)) : kit_xstrdup(".");
	const char *base = slash ? slash + 1 : path;
	size_t blen = strlen(base);
	int removed = 0;
	if (!dir)
		abort();
	DIR *d = opendir(dir[0] ? dir : "/");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, base, blen) || strncmp(e->d_name + blen, ".tmp.", 5) ||
		    strlen(e->d_name + blen + 5) != 6)
			continue;
		char *p = kit_xasprintf("%s/%s", dir, e->d_name);
		if (unlink(p) == 0)
			removed++;
		free(p);
	}
	if (d)
		closedir(d);
	free(dir);
	return removed;
}

int kit_scratch_make(const char *prefix, char *dir, size_t len)
{
	const char *t = getenv("TMPDIR");
	snprintf(dir, len, "%s/%s-XXXXXX", t && *t ? t : "/tmp", prefix);
	if (!mkdtemp(dir)) {
		kit_error("cannot make a scratch folder in '%s': %s; set TMPDIR to a "
			  "writable folder", t && *t ? t : "/tmp", strerror(errno));
		return -1;
	}
	return 0;
}

void kit_scratch_remove(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *p = kit_xasprintf("%s/%s", dir, e->d_name);
		unlink(p);
		free(p);
	}
	closedir(d);
	rmdir(dir);
}

/* ------------------------------------------------------------------------
 * The plan of a job
 */

/* Same file (device and inode) as an existing PATH? */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	if (!strcmp(a, b))
		return true;
	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Names input I's output by RULE, or refuses it (why[i]). */
static void name_output(kit_fileplan *pl, size_t i, const kit_fileplan_rule *rule)
{
	const char *in = pl->in[i], *slash = strrchr(in, '/');
	const char *base = slash ? slash + 1 : in;
	pl->state[i] = KIT_PLAN_REFUSED;
	if (!kit_ends_with_ci(base, rule->suffix)) {
		pl->why[i] = kit_xasprintf("refused '%s': not named *%s; this job reads NAME%s "
					   "and writes NAME%s", in, rule->suffix, rule->suffix,
					   rule->out_suffix);
		return;
	}
	if (kit_ends_with_ci(base, rule->out_suffix)) {
		pl->why[i] = kit_xasprintf("refused '%s': it is named like an output of this job "
					   "(*%s); rename it if it really is an input", in,
					   rule->out_suffix);
		return;
	}
	int stem = (int)(strlen(base) - strlen(rule->suffix));
	if (rule->dest)
		pl->out[i] = kit_xasprintf("%s/%.*s%s", rule->dest, stem, base, rule->out_suffix);
	else
		pl->out[i] = kit_xasprintf("%.*s%.*s%s", (int)(base - in), in, stem, base,
					   rule->out_suffix);
	pl->state[i] = KIT_PLAN_WORK;
}

/* Refuses input I when its output would replace an input or an earlier
 * input's output. */
static void refuse_clash(kit_fileplan *pl, size_t i)
{
	for (size_t k = 0; k < pl->n; k++) {
		if (same_file(pl->out[i], pl->in[k])) {
			pl->why[i] = kit_xasprintf("refused '%s': its output '%s' would overwrite "
						   "the input '%s'", pl->in[i], pl->out[i],
						   pl->in[k]);
			pl->state[i] = KIT_PLAN_REFUSED;
			return;
		}
		if (k < i && pl->state[k] == KIT_PLAN_WORK && !strcmp(pl->out[i], pl->out[k])) {
			pl->why[i] = kit_xasprintf("refused '%s': '%s' already writes '%s' (two "
						   "inputs of one name; give them separate output "
						   "folders)", pl->in[i], pl->in[k], pl->out[i]);
			pl->state[i] = KIT_PLAN_REFUSED;
			return;
		}
	}
}

/* Input I (to do): skipped when RULE says its output is done, else added to
 * the work. */
static void add_work(kit_fileplan *pl, size_t i, const kit_fileplan_rule *rule)
{
	char why[300];
	if (!rule->keep_temps)
		pl->temps += kit_atomic_remove_temps(pl->out[i]);
	if (rule->done) {
		why[0] = '\0';
		if (rule->done(pl->in[i], pl->out[i], rule->ctx, why, sizeof(why))) {
			pl->state[i] = KIT_PLAN_SKIP;
			return;
		}
		if (why[0])
			pl->why[i] = kit_xstrdup(why);
	}
	pl->todo[pl->ntodo++] = i;
	long long b = kit_file_size(pl->in[i]);
	pl->bytes += b > 0 ? b : 0;
}

void kit_fileplan_make(kit_fileplan *pl, char *const *inputs, size_t n,
		       const kit_fileplan_rule *rule)
{
	memset(pl, 0, sizeof(*pl));
	pl->n = n;
	pl->in = kit_xcalloc(n + 1, sizeof(*pl->in));
	pl->out = kit_xcalloc(n + 1, sizeof(*pl->out));
	pl->state = kit_xcalloc(n + 1, sizeof(*pl->state));
	pl->why = kit_xcalloc(n + 1, sizeof(*pl->why));
	pl->todo = kit_xcalloc(n + 1, sizeof(*pl->todo));
	for (size_t i = 0; i < n; i++) {
		pl->in[i] = kit_xstrdup(inputs[i]);
		name_output(pl, i, rule);
	}
	for (size_t i = 0; i < n; i++)
		if (pl->state[i] == KIT_PLAN_WORK)
			refuse_clash(pl, i);
	for (size_t i = 0; i < n; i++)
		if (pl->state[i] == KIT_PLAN_WORK)
			add_work(pl, i, rule);
}

void kit_fileplan_free(kit_fileplan *pl)
{
	for (size_t i = 0; i < pl->n; i++) {
		free(pl->in[i]);
		free(pl->out[i]);
		free(pl->why[i]);
	}
	free(pl->in);
	free(pl->out);
	free(pl->state);
	free(pl->why);
	free(pl->todo);
	memset(pl, 0, sizeof(*pl));
}
