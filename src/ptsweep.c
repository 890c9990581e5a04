/*
 * ptsweep.c - a processes x threads sweep, resumable, with heat maps
 * (ptsweep.h).
 *
 * The results file: {"schema", THINGS: {"source", "count", "fingerprint"},
 * "cpus", "cells": [{procs, threads, oversubscribed, median_s, min_s, max_s,
 * children_cpu_s, samples_s, EXTRAS_KEY: {...}}], "env"}, written
 * atomically after every cell; cells of an earlier run outside this grid
 * are kept in it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ptsweep.h"

kit_ptsweep_cell *kit_ptsweep_at(const kit_ptsweep *w, int p, int t)
{
	for (int j = 0; j < w->nt; j++)
		for (int i = 0; i < w->np; i++)
			if (w->ps[i] == p && w->ts[j] == t)
				return &w->cells[j * w->np + i];
	return NULL;
}

kit_ptsweep_cell *kit_ptsweep_best(const kit_ptsweep *w)
{
	kit_ptsweep_cell *best = NULL;
	for (int k = 0; k < w->np * w->nt; k++)
		if (w->cells[k].done && (!best || w->cells[k].median < best->median))
			best = &w->cells[k];
	return best;
}

double kit_ptsweep_speedup(const kit_ptsweep *w, int k)
{
	const kit_ptsweep_cell *base = kit_ptsweep_at(w, 1, 1);
	double b = base && base->done ? base->median : NAN;
	double t = w->cells[k].done ? w->cells[k].median : NAN;
	return t > 0 ? b / t : NAN;
}

static cJSON *cell_json(const kit_ptsweep *w, const kit_ptsweep_cell *c)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "procs", c->p);
	cJSON_AddNumberToObject(j, "threads", c->t);
	cJSON_AddBoolToObject(j, "oversubscribed", c->oversub);
	cJSON_AddNumberToObject(j, "median_s", c->median);
	cJSON_AddNumberToObject(j, "min_s", c->min);
	cJSON_AddNumberToObject(j, "max_s", c->max);
	cJSON_AddNumberToObject(j, "children_cpu_s", c->cpu);
	cJSON_AddItemToObject(j, "samples_s", cJSON_CreateDoubleArray(c->samples, c->reps));
	if (w->extras_key) {
		cJSON *x = cJSON_AddObjectToObject(j, w->extras_key);
		for (int k = 0; k < KIT_PTSWEEP_EXTRAS && w->extra_names[k]; k++)
			cJSON_AddNumberToObject(x, w->extra_names[k], c->extra[k]);
	}
	return j;
}

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* Writes the results file atomically: every finished cell, and the ones of
 * an earlier run outside this grid. */
static int save(const kit_ptsweep *w)
{
	if (!w->path)
		return 0;
	cJSON *root = cJSON_CreateObject();
	char fp[32];
	snprintf(fp, sizeof(fp), "%016llx", (unsigned long long)w->fingerprint);
	cJSON_AddStringToObject(root, "schema", w->schema);
	cJSON *im = cJSON_AddObjectToObject(root, w->things);
	cJSON_AddStringToObject(im, "source", w->source ? w->source : "");
	cJSON_AddNumberToObject(im, "count", w->count);
	cJSON_AddStringToObject(im, "fingerprint", fp);
	cJSON_AddNumberToObject(root, "cpus", w->cpus);
	cJSON *cells = cJSON_AddArrayToObject(root, "cells");
	for (int k = 0; k < w->np * w->nt; k++)
		if (w->cells[k].done)
			cJSON_AddItemToArray(cells, cell_json(w, &w->cells[k]));
	const cJSON *c;
	cJSON_ArrayForEach(c, w->kept)
		cJSON_AddItemToArray(cells, cJSON_Duplicate(c, 1));
	cJSON_AddItemToObject(root, "env", kit_env_json());
	char *text = cJSON_Print(root);
	cJSON_Delete(root);
	kit_atomic a;
	int rc = kit_atomic_open(&a, w->path);
	if (!rc) {
		fputs(text, a.f);
		fputc('\n', a.f);
		rc = kit_atomic_commit(&a);
	}
	free(text);
	return rc;
}

/* Cell C of the file into X. */
static void load_cell(const kit_ptsweep *w, const cJSON *c, kit_ptsweep_cell *x)
{
	const cJSON *smp = cJSON_GetObjectItemCaseSensitive(c, "samples_s");
	int ns = cJSON_GetArraySize(smp);
	x->samples = kit_xcalloc((size_t)(ns > 0 ? ns : 1), sizeof(double));
	for (int k = 0; k < ns; k++)
		x->samples[k] = cJSON_GetArrayItem(smp, k)->valuedouble;
	x->reps = ns;
	x->median = num(c, "median_s"), x->min = num(c, "min_s"), x->max = num(c, "max_s");
	x->cpu = num(c, "children_cpu_s");
	const cJSON *per = w->extras_key ? cJSON_GetObjectItemCaseSensitive(c, w->extras_key) : NULL;
	for (int k = 0; per && k < KIT_PTSWEEP_EXTRAS && w->extra_names[k]; k++)
		x->extra[k] = num(per, w->extra_names[k]);
	x->done = true;
}

/* The file's text, or NULL when there is none to resume. */
static cJSON *read_file(const kit_ptsweep *w)
{
	if (!w->path || w->force)
		return NULL;
	FILE *f = fopen(w->path, "r");
	if (!f)
		return NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, mem);
	fclose(f);
	fclose(mem);
	cJSON *root = cJSON_Parse(text);
	free(text);
	const cJSON *schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
	if (!root || !cJSON_IsString(schema) || strcmp(schema->valuestring, w->schema)) {
		kit_warn("'%s' is not a sweep results file (%s); starting it again", w->path,
			 w->schema);
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

/* Reads the cells an earlier run left in the results file. Returns 0 (also
 * when there is none), or -1 when it belongs to other work. */
static int load(kit_ptsweep *w)
{
	w->kept = cJSON_CreateArray();
	cJSON *root = read_file(w);
	if (!root)
		return 0;
	const cJSON *im = cJSON_GetObjectItemCaseSensitive(root, w->things);
	const cJSON *fp = cJSON_GetObjectItemCaseSensitive(im, "fingerprint");
	char want[32];
	snprintf(want, sizeof(want), "%016llx", (unsigned long long)w->fingerprint);
	if (!cJSON_IsString(fp) || strcmp(fp->valuestring, want)) {
		const cJSON *src = cJSON_GetObjectItemCaseSensitive(im, "source");
		kit_error("'%s' holds a sweep of other %s (%s); run with --force to "
			  "start it again, or choose another file with --results", w->path,
			  w->things, cJSON_IsString(src) ? src->valuestring : "unknown");
		cJSON_Delete(root);
		return -1;
	}
	if ((int)num(root, "cpus") != w->cpus)
		kit_warn("'%s' was measured with %g logical CPUs, this machine has %d; "
			 "--force measures again", w->path, num(root, "cpus"), w->cpus);
	const cJSON *c;
	int resumed = 0;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "cells")) {
		int p = (int)num(c, "procs"), t = (int)num(c, "threads");
		kit_ptsweep_cell *x = kit_ptsweep_at(w, p, t);
		if (!x || !isfinite(num(c, "median_s")) || x->done) {
			if (!x && p > 0 && t > 0)
				cJSON_AddItemToArray(w->kept, cJSON_Duplicate(c, 1));
			continue;
		}
		load_cell(w, c, x);
		resumed++;
	}
	cJSON_Delete(root);
	if (resumed && !w->quiet)
		printf("resuming '%s': %d of %d cells already measured (--force runs them "
		       "again)\n", w->path, resumed, w->np * w->nt);
	return 0;
}

/* The grid of median times (NAN: not measured), NP * NT, malloc'd. */
static double *time_grid(const kit_ptsweep *w)
{
	double *time = kit_xcalloc((size_t)(w->np * w->nt), sizeof(double));
	for (int k = 0; k < w->np * w->nt; k++)
		time[k] = w->cells[k].done ? w->cells[k].median : NAN;
	return time;
}

/* The live grid: redrawn in place on a terminal, one line per cell otherwise. */
static void show_progress(kit_ptsweep *w, const kit_ptsweep_cell *now, const char *status)
{
	if (w->quiet)
		return;
	if (!w->tty) {
		if (now && now->done)
			printf("P=%-2d T=%-2d %8.3f s  (median of %d)%s\n", now->p, now->t,
			       now->median, now->reps, now->oversub ? "  oversubscribed" : "");
		else if (now && now->failed)
			printf("P=%-2d T=%-2d  FAILED\n", now->p, now->t);
		fflush(stdout);
		return;
	}
	double *time = time_grid(w);
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	char *title = kit_xasprintf("seconds for %s (median), live", w->what);
	kit_plot_heatmap(title, "processes", "threads", time, w->np, w->nt, w->ps, w->ts, NULL,
			 mem);
	free(title);
	fprintf(mem, "%s\n", status);
	fclose(mem);
	if (w->drawn)
		printf("\033[%dA", w->drawn);
	int lines = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"), lines++)
		printf("%s\033[K\n", line);
	w->drawn = lines;
	fflush(stdout);
	free(text), free(time);
}

struct once {
	kit_ptsweep *w;
	int p, t;
	double sum[KIT_PTSWEEP_EXTRAS];
	double *own;		/* the runs' own times (W->seconds), or NULL */
	int nown;
};

static int run_once(void *vctx)
{
	struct once *o = vctx;
	double extra[KIT_PTSWEEP_EXTRAS] = { 0 };
	if (o->w->run(o->w->ctx, o->p, o->t, extra))
		return 1;
	for (int k = 0; k < KIT_PTSWEEP_EXTRAS; k++)
		o->sum[k] += extra[k];
	if (o->own)
		o->own[o->nown++] = o->w->seconds(o->w->ctx);
	return 0;
}

/* The times of cell X: the runs' wall times, or their own (W->seconds). */
static void keep_times(kit_ptsweep_cell *x, const kit_timing *tm, const struct once *o)
{
	const double *s = o->own ? o->own : tm->samples;
	size_t n = o->own ? (size_t)o->nown : tm->wall.n;
	kit_stats st;
	kit_stats_of(s, n, &st);
	x->reps = (int)n;
	x->samples = kit_xmalloc(sizeof(double) * n);
	memcpy(x->samples, s, sizeof(double) * n);
	x->median = st.median, x->min = st.min, x->max = st.max;
}

/* Times cell X (REPEAT runs, the median kept) and saves the file. */
static void measure_cell(kit_ptsweep *w, kit_ptsweep_cell *x)
{
	struct once o = { .w = w, .p = x->p, .t = x->t };
	kit_timing_opts opts = { .warmup = 0, .min_reps = w->repeat, .min_time = 0,
				 .max_reps = w->repeat };
	kit_timing tm;
	if (w->seconds)
		o.own = kit_xcalloc((size_t)w->repeat, sizeof(double));
	double cpu0 = kit_children_cputime();
	if (kit_time(run_once, &o, &opts, &tm)) {
		free(o.own);
		x->failed = true;
		w->nfailed++;
		if (w->tty && w->drawn)
			w->drawn = 0;	/* the message scrolled the grid away */
		kit_error("cell P=%d T=%d failed: %s", x->p, x->t, w->why ? w->why(w->ctx) : "");
		return;
	}
	x->done = true;
	keep_times(x, &tm, &o);
	free(o.own);
	x->cpu = (kit_children_cputime() - cpu0) / (double)x->reps;
	for (int k = 0; k < KIT_PTSWEEP_EXTRAS; k++)
		x->extra[k] = o.sum[k] / (double)x->reps;
	kit_timing_free(&tm);
	save(w);
}

/* The grid's cells, and the folder of the results file. 0, or -1. */
static int prepare(kit_ptsweep *w)
{
	kit_topo topo;
	kit_topo_get(&topo);
	w->cpus = topo.pus > 0 ? topo.pus : 1;
	w->tty = isatty(STDOUT_FILENO);
	w->cells = kit_xcalloc((size_t)(w->np * w->nt), sizeof(*w->cells));
	for (int j = 0; j < w->nt; j++)
		for (int i = 0; i < w->np; i++) {
			kit_ptsweep_cell *x = &w->cells[j * w->np + i];
			x->p = w->ps[i], x->t = w->ts[j];
			x->oversub = x->p * x->t > w->cpus;
		}
	char *dir = w->path ? kit_xstrdup(w->path) : NULL, *slash = dir ? strrchr(dir, '/') : NULL;
	int rc = 0;
	if (slash && slash != dir) {
		*slash = '\0';	/* the folder of the file, made if missing */
		rc = kit_mkdirs(dir);
	}
	free(dir);
	return rc ? -1 : load(w);
}

static void print_plan(const kit_ptsweep *w)
{
	if (w->quiet)
		return;
	printf("sweep     P in {");
	for (int i = 0; i < w->np; i++)
		printf("%s%d", i ? "," : "", w->ps[i]);
	printf("} x T in {");
	for (int j = 0; j < w->nt; j++)
		printf("%s%d", j ? "," : "", w->ts[j]);
	printf("}, %d run%s per cell (median), %d logical CPUs\n", w->repeat,
	       w->repeat == 1 ? "" : "s", w->cpus);
	if (w->path)
		printf("results   %s (resumable; --force runs every cell again)\n", w->path);
	printf("\n");
}

int kit_ptsweep_measure(kit_ptsweep *w)
{
	if (prepare(w))
		return -1;
	print_plan(w);
	/* 1 x 1 first (the speed-up's base), then row by row */
	int ncell = w->np * w->nt, k = 0, todo = 0;
	for (int q = 0; q < ncell; q++)
		todo += !w->cells[q].done;
	show_progress(w, NULL, "");
	kit_ptsweep_cell *base = kit_ptsweep_at(w, 1, 1);
	for (int q = -1; q < ncell; q++) {
		kit_ptsweep_cell *x = q < 0 ? base : &w->cells[q];
		if (!x || x->done || x->failed || (q >= 0 && x == base))
			continue;
		char status[160];
		snprintf(status, sizeof(status), "running P=%d T=%d (cell %d of %d to run)%s",
			 x->p, x->t, ++k, todo, x->oversub ? ", oversubscribed" : "");
		show_progress(w, NULL, status);
		measure_cell(w, x);
		show_progress(w, x, "");
	}
	if (w->tty && !w->quiet)
		show_progress(w, NULL, "done");
	return 0;
}

int kit_ptsweep_heatmaps(const kit_ptsweep *w, const char *prefix, FILE *out)
{
	int n = w->np * w->nt;
	double *time = time_grid(w), *sp = kit_xcalloc((size_t)n, sizeof(double));
	for (int k = 0; k < n; k++)
		sp[k] = kit_ptsweep_speedup(w, k);
	char *png_t = prefix ? kit_xasprintf("%s-time.png", prefix) : NULL;
	char *png_s = prefix ? kit_xasprintf("%s-speedup.png", prefix) : NULL;
	char *title = kit_xasprintf("seconds for %s (median; lower is better)", w->what);
	fprintf(out, "\n");
	const char *pn = w->p_name ? w->p_name : "processes";
	int bad = kit_plot_heatmap(title, pn, "threads", time, w->np, w->nt, w->ps, w->ts, png_t,
				   out);
	fprintf(out, "\n");
	const kit_ptsweep_cell *base = kit_ptsweep_at(w, 1, 1);
	if (base && base->done)
		bad |= kit_plot_heatmap("speed-up over P=1 T=1 (higher is better)", pn, "threads",
					sp, w->np, w->nt, w->ps, w->ts, png_s, out);
	fprintf(out, "\n");
	free(title), free(time), free(sp), free(png_t), free(png_s);
	return bad ? -1 : 0;
}

void kit_ptsweep_table(const kit_ptsweep *w, kit_results *res,
		       void (*columns)(void *ctx, kit_results *res, const kit_ptsweep_cell *c),
		       void *ctx)
{
	for (int q = 0; q < w->np * w->nt; q++) {
		const kit_ptsweep_cell *x = &w->cells[q];
		if (!x->done)
			continue;
		char label[32];
		snprintf(label, sizeof(label), "%dx%d", x->p, x->t);
		kit_results_row(res, label);
		kit_results_num(res, "procs", x->p, "%.0f");
		kit_results_num(res, "threads", x->t, "%.0f");
		kit_results_str(res, "oversub", x->oversub ? "yes" : "");
		kit_results_num(res, "median_s", x->median, "%.3f");
		kit_results_num(res, "min_s", x->min, "%.3f");
		kit_results_num(res, "reps", x->reps, "%.0f");
		kit_results_num(res, "cpu_s", x->cpu, "%.2f");
		kit_results_num(res, "speedup", kit_ptsweep_speedup(w, q), "%.2f");
		if (columns)
			columns(ctx, res, x);
		kit_results_valid(res, true, NULL);
	}
}

void kit_ptsweep_free(kit_ptsweep *w)
{
	for (int q = 0; w->cells && q < w->np * w->nt; q++)
		free(w->cells[q].samples);
	free(w->cells);
	cJSON_Delete(w->kept);
	w->cells = NULL, w->kept = NULL;
}
