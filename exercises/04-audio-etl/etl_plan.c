/*
 * NAME
 *   etl_plan.c - the job of exercise 04 as data (etl_driver.h): the modes,
 *   the inputs (files, folders, the generated set), scratch folders, and the
 *   plan of a job (which outputs, what is refused, skipped after
 *   verification, or redone) and its run with one kernel. Shared by the
 *   exercise program (etl_main.c) and the demos; students do not edit it.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "etl.h"
#include "etl_driver.h"
#include "etl_io.h"
#include "etl_noise.h"
#include "kit.h"

#define MAX_FILES 10000		/* the most inputs of one run */

const struct etl_mode_info etl_modes[M_COUNT] = {
	[M_SERIAL] = { "serial", "etl_serial", "one file after another", 1 },
	[M_THREADS] = { "threads", "etl_threads", "threads over files", 2 },
	[M_PROCESSES] = { "processes", "etl_processes", "a pool of processes over files", 3 },
	[M_INNER] = { "inner", "etl_transform_threads", "threads inside each file", 4 },
	[M_COPY] = { "copy", "read(2) + write(2)", "plain copy of the same bytes: the I/O limit", 0 },
};

/* ------------------------------------------------------------------------
 * Inputs
 */

bool etl_ends_with_ci(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcasecmp(s + a - b, suffix);
}

void etl_inputs_free(char **list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		free(list[i]);
	free(list);
}

char **etl_inputs_expand(char *const *args, size_t nargs, size_t *n)
{
	size_t cap = 64, len = 0;
	char **list = malloc(cap * sizeof(*list));
	if (!list)
		abort();
	for (size_t a = 0; a < nargs; a++) {
		struct stat st;
		char safe[600];
		int e = stat(args[a], &st) ? errno : 0;
		if (e && !etl_ends_with_ci(args[a], ".wav")) {
			/* Not a file that failed: a folder that is not there. */
			kit_error("'%s': %s; give WAV files or folders of them",
				  kit_printable(args[a], safe, sizeof(safe)),
				  e == ENOENT ? "no such file or folder" : strerror(e));
			etl_inputs_free(list, len);
			return NULL;
		}
		if (!e && S_ISDIR(st.st_mode)) {
			struct dirent **names;
			int m = scandir(args[a], &names, NULL, alphasort);
			if (m < 0) {
				kit_error("cannot list folder '%s': %s",
					  kit_printable(args[a], safe, sizeof(safe)), strerror(errno));
				etl_inputs_free(list, len);
				return NULL;
			}
			size_t found = 0;
			for (int i = 0; i < m; i++) {
				const char *d = names[i]->d_name;
				if (etl_ends_with_ci(d, ".wav") && !etl_ends_with_ci(d, "-transformed.wav")) {
					if (len == cap && !(list = realloc(list, (cap *= 2) * sizeof(*list))))
						abort();
					list[len++] = kit_xasprintf("%s/%s", args[a], d);
					found++;
				}
				free(names[i]);
			}
			free(names);
			if (!found)
				kit_warn("folder '%s' has no .wav file to transform",
					 kit_printable(args[a], safe, sizeof(safe)));
		} else {
			if (len == cap && !(list = realloc(list, (cap *= 2) * sizeof(*list))))
				abort();
			list[len++] = kit_xstrdup(args[a]);
		}
	}
	if (len > MAX_FILES) {
		kit_error("%zu input files; at most %d in one run, split the job", len, MAX_FILES);
		etl_inputs_free(list, len);
		return NULL;
	}
	*n = len;
	return list;
}

/* The folder name of the generated set of SECONDS s: "audio-5s", "audio-0.5s". */
void etl_generated_name(double seconds, char *buf, size_t len)
{
	snprintf(buf, len, "audio-%gs", seconds);
}

char **etl_inputs_generated(int files, double seconds, bool verbose, char *dir, size_t len)
{
	char name[64], here[4096], root[4096];
	etl_generated_name(seconds, name, sizeof(name));
	/* Relative when run from the kit's root, as a student types paths. */
	if (getcwd(here, sizeof(here)) && realpath(kit_root(), root) && !strcmp(here, root))
		snprintf(dir, len, "data/cache/%s", name);
	else
		snprintf(dir, len, "%s/data/cache/%s", kit_root(), name);
	if (kit_wav_tones(dir, files, seconds, ETL_RATE, 0.0, verbose))
		return NULL;
	char **list = malloc((size_t)files * sizeof(*list));
	if (!list)
		abort();
	for (int k = 0; k < files; k++)
		list[k] = kit_xasprintf("%s/example%d.wav", dir, k);
	return list;
}

int etl_scratch_make(char *dir, size_t len)
{
	const char *t = getenv("TMPDIR");
	snprintf(dir, len, "%s/etl-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(dir)) {
		kit_error("cannot make a scratch folder in '%s': %s; set TMPDIR to a "
			  "writable folder", t && *t ? t : "/tmp", strerror(errno));
		return -1;
	}
	return 0;
}

void etl_scratch_remove(const char *dir)
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

/* Removes OUT.tmp.* beside OUT: what a killed run leaves. Returns how many. */
static int remove_temps(const char *out)
{
	const char *slash = strrchr(out, '/');
	char *dir = slash ? strndup(out, (size_t)(slash - out)) : kit_xstrdup(".");
	const char *base = slash ? slash + 1 : out;
	size_t blen = strlen(base);
	int removed = 0;
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

bool etl_plan_keep_temps;

int etl_plan_make(etl_plan *pl, char *const *inputs, size_t n, const char *dest,
		  bool force, const etl_params *p)
{
	memset(pl, 0, sizeof(*pl));
	pl->n = n;
	pl->p = *p;
	pl->in = calloc(n + 1, sizeof(*pl->in));
	pl->out = calloc(n + 1, sizeof(*pl->out));
	pl->state = calloc(n + 1, sizeof(*pl->state));
	pl->res = calloc(n + 1, sizeof(*pl->res));
	pl->tasks = calloc(n + 1, sizeof(*pl->tasks));
	pl->todo = calloc(n + 1, sizeof(*pl->todo));
	pl->todo_res = calloc(n + 1, sizeof(*pl->todo_res));
	pl->redo = calloc(n + 1, sizeof(*pl->redo));
	if (!pl->in || !pl->out || !pl->state || !pl->res || !pl->tasks || !pl->todo ||
	    !pl->todo_res || !pl->redo)
		abort();

	for (size_t i = 0; i < n; i++) {
		const char *in = inputs[i], *slash = strrchr(in, '/');
		const char *base = slash ? slash + 1 : in;
		etl_result *r = &pl->res[i];
		pl->in[i] = kit_xstrdup(in);
		pl->state[i] = P_REFUSED;
		if (!etl_ends_with_ci(base, ".wav")) {
			etl_fail(r, "refused '%s': not named *.wav; this ETL reads NAME.wav and "
				 "writes NAME-transformed.wav", in);
			continue;
		}
		if (etl_ends_with_ci(base, "-transformed.wav")) {
			etl_fail(r, "refused '%s': it is named like an output of this ETL "
				 "(*-transformed.wav); rename it if it really is an input", in);
			continue;
		}
		int stem = (int)(strlen(base) - 4);
		if (dest)
			pl->out[i] = kit_xasprintf("%s/%.*s-transformed.wav", dest, stem, base);
		else
			pl->out[i] = kit_xasprintf("%.*s%.*s-transformed.wav", (int)(base - in), in,
					       stem, base);
		pl->state[i] = P_TODO;
	}
	/* An output must never replace an input, nor another file's output. */
	for (size_t i = 0; i < n; i++) {
		if (pl->state[i] != P_TODO)
			continue;
		for (size_t k = 0; k < n; k++) {
			if (same_file(pl->out[i], pl->in[k])) {
				etl_fail(&pl->res[i], "refused '%s': its output '%s' would "
					 "overwrite the input '%s'", pl->in[i], pl->out[i], pl->in[k]);
				pl->state[i] = P_REFUSED;
				break;
			}
			if (k < i && pl->state[k] == P_TODO && !strcmp(pl->out[i], pl->out[k])) {
				etl_fail(&pl->res[i], "refused '%s': '%s' already writes '%s' "
					 "(two inputs of one name; give them separate --dest folders)",
					 pl->in[i], pl->in[k], pl->out[i]);
				pl->state[i] = P_REFUSED;
				break;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (pl->state[i] != P_TODO)
			continue;
		if (!etl_plan_keep_temps)
			pl->temps += remove_temps(pl->out[i]);
		/* Done only when verified: the output's record and samples. */
		char why[300];
		if (!force) {
			if (etl_output_done(pl->in[i], pl->out[i], p, why, sizeof(why))) {
				pl->state[i] = P_SKIP;
				pl->res[i].status = ETL_DONE;
				continue;
			}
			if (why[0])
				pl->redo[i] = kit_xstrdup(why);
		}
		size_t k = pl->ntodo++;
		pl->todo[k] = i;
		pl->tasks[k] = (etl_task){ .in = pl->in[i], .out = pl->out[i],
					   .key = etl_key_of(pl->in[i]) };
		long long b = kit_file_size(pl->in[i]);
		pl->bytes += b > 0 ? b : 0;
	}
	return 0;
}

/* The copy over files with WORKERS threads (the copy's own loop). */
static int copy_files(etl_plan *pl, int workers)
{
	int failed = 0;
	kit_omp_set_threads(workers);
#pragma omp parallel for schedule(dynamic, 1) reduction(+:failed)
	for (size_t k = 0; k < pl->ntodo; k++)
		failed += etl_copy_file(pl->tasks[k].in, pl->tasks[k].out, &pl->todo_res[k]) != 0;
	return failed;
}

int etl_plan_run(etl_plan *pl, int mode, int workers)
{
	etl_job j = { .tasks = pl->tasks, .n = pl->ntodo, .p = pl->p, .results = pl->todo_res };
	int saved = kit_omp_max_threads(), rc;
	for (size_t k = 0; k < pl->ntodo; k++)
		memset(&pl->todo_res[k], 0, sizeof(pl->todo_res[k]));
	switch (mode) {
	case M_SERIAL:
		rc = etl_serial(&j);
		break;
	case M_THREADS:
		kit_omp_set_threads(workers);
		rc = etl_threads(&j);
		break;
	case M_PROCESSES:
		rc = etl_processes(&j, workers);
		break;
	case M_INNER:
		j.p.inner = true;
		kit_omp_set_threads(workers);
		rc = etl_serial(&j);
		break;
	default:
		rc = copy_files(pl, workers);
		break;
	}
	kit_omp_set_threads(saved);
	/* Trust the results, not the count: a kernel may count wrongly. */
	int failed = 0;
	for (size_t k = 0; k < pl->ntodo; k++) {
		etl_result *r = &pl->todo_res[k];
		if (r->status != ETL_DONE && r->status != ETL_FAILED)
			etl_fail(r, "'%s' was never processed (its result is empty)",
				 pl->tasks[k].in);
		if (r->status == ETL_FAILED && !r->error[0])
			snprintf(r->error, sizeof(r->error), "'%s' failed, and said nothing",
				 pl->tasks[k].in);
		failed += r->status != ETL_DONE;
		pl->res[pl->todo[k]] = *r;
	}
	return rc < 0 ? -1 : failed;
}

void etl_plan_free(etl_plan *pl)
{
	for (size_t i = 0; i < pl->n; i++) {
		free(pl->in[i]);
		free(pl->out[i]);
		free(pl->redo[i]);
	}
	free(pl->redo);
	free(pl->in);
	free(pl->out);
	free(pl->state);
	free(pl->res);
	free(pl->tasks);
	free(pl->todo);
	free(pl->todo_res);
	memset(pl, 0, sizeof(*pl));
}
