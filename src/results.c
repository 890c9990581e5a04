/*
 * results.c - rows of named columns, printed as an aligned table and written
 * as CSV and JSON (schema "ompkit-results/1", docs/results-schema.md).
 *
 * A row holds cells keyed by column name; the columns of a result set are the
 * union over its rows, in the order they were first seen. CSV and JSON carry
 * every column; the human table shows what a reader needs at a glance (the
 * label, the program's own columns, threads, median, its confidence interval,
 * the spread, the rates, the verdict) and leaves the rest to the files.
 *
 * An invalid row never shows a rate: rate columns print "-" in the table and
 * are empty in CSV and null in JSON.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "kit.h"
#include "kit_internal.h"

/* The table prints a number cell with this "format" as a duration with a unit
 * ("12.35 ms"); it is not a printf format and never reaches printf. */
static const char TIME_FMT[] = "<duration>";

struct cell {
	size_t col;		/* index into kit_results.cols */
	bool is_num;
	double v;
	char *s;
};

struct row {
	char *label;
	bool checked;		/* kit_results_valid was called */
	bool valid;
	char *why;
	struct cell *cells;
	size_t ncells, cap;
};

struct col {
	char *name;
	char *fmt;		/* from the first number set in it, or NULL */
};

struct conf {
	char *key, *value;
};

struct kit_results {
	char *program, *title;
	struct conf *conf;
	size_t nconf;
	struct col *cols;
	size_t ncols;
	struct row *rows;
	size_t nrows;
	long primary;		/* row index, -1: the first */
	kit_scaling *scaling;	/* a deep copy, or NULL */
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);
	return ls >= lx && !strcmp(s + ls - lx, suffix);
}

/* A rate: what an invalid row must not show. */
static bool is_rate(const char *name)
{
	return !strcmp(name, "gflops") || !strcmp(name, "gbs") ||
	       !strncmp(name, "frac_peak", 9) || !strncmp(name, "frac_bw", 7) ||
	       ends_with(name, "_per_s") || ends_with(name, "/s");
}

kit_results *kit_results_new(const char *program, const char *title)
{
	kit_results *r = kit_xcalloc(1, sizeof(*r));
	r->program = kit_xstrdup(program);
	r->title = kit_xstrdup(title);
	r->primary = -1;
	return r;
}

void kit_results_config(kit_results *r, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *value = kit_xvasprintf(fmt, ap);
	va_end(ap);
	/* Setting a key twice replaces its value and keeps its place. */
	for (size_t i = 0; i < r->nconf; i++) {
		if (!strcmp(r->conf[i].key, key)) {
			free(r->conf[i].value);
			r->conf[i].value = value;
			return;
		}
	}
	r->conf = kit_xrealloc(r->conf, (r->nconf + 1) * sizeof(*r->conf));
	r->conf[r->nconf].key = kit_xstrdup(key);
	r->conf[r->nconf].value = value;
	r->nconf++;
}

void kit_results_row(kit_results *r, const char *label)
{
	r->rows = kit_xrealloc(r->rows, (r->nrows + 1) * sizeof(*r->rows));
	struct row *w = &r->rows[r->nrows++];
	memset(w, 0, sizeof(*w));
	w->label = kit_xstrdup(label);
	w->valid = true;
}

/* The newest row; a set function called before any row starts an unnamed one. */
static struct row *newest(kit_results *r)
{
	if (!r->nrows)
		kit_results_row(r, "");
	return &r->rows[r->nrows - 1];
}

/* The index of column NAME, or -1. */
static long col_find(const kit_results *r, const char *name)
{
	for (size_t i = 0; i < r->ncols; i++)
		if (!strcmp(r->cols[i].name, name))
			return (long)i;
	return -1;
}

/* The index of column NAME, added when new. */
static size_t col_index(kit_results *r, const char *name)
{
	long i = col_find(r, name);
	if (i >= 0)
		return (size_t)i;
	r->cols = kit_xrealloc(r->cols, (r->ncols + 1) * sizeof(*r->cols));
	r->cols[r->ncols].name = kit_xstrdup(name);
	r->cols[r->ncols].fmt = NULL;
	return r->ncols++;
}

static const struct cell *find_cell(const struct row *w, long col)
{
	if (col < 0)
		return NULL;
	for (size_t i = 0; i < w->ncells; i++)
		if (w->cells[i].col == (size_t)col)
			return &w->cells[i];
	return NULL;
}

/* The cell of COL in the newest row, emptied for a new value. */
static struct cell *set_cell(kit_results *r, const char *col)
{
	struct row *w = newest(r);
	size_t c = col_index(r, col);
	for (size_t i = 0; i < w->ncells; i++) {
		if (w->cells[i].col == c) {
			free(w->cells[i].s);
			w->cells[i].s = NULL;
			return &w->cells[i];
		}
	}
	if (w->ncells == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 16;
		w->cells = kit_xrealloc(w->cells, w->cap * sizeof(*w->cells));
	}
	struct cell *x = &w->cells[w->ncells++];
	memset(x, 0, sizeof(*x));
	x->col = c;
	return x;
}

void kit_results_num(kit_results *r, const char *col, double v, const char *fmt)
{
	struct cell *x = set_cell(r, col);
	x->is_num = true;
	x->v = v;
	struct col *c = &r->cols[x->col];
	if (!c->fmt)
		c->fmt = kit_xstrdup(fmt ? fmt : "%g");
}

void kit_results_str(kit_results *r, const char *col, const char *v)
{
	struct cell *x = set_cell(r, col);
	x->is_num = false;
	x->s = kit_xstrdup(v);
}

void kit_results_timing(kit_results *r, const kit_timing *t, const kit_kernel *k)
{
	const kit_stats *s = &t->wall;
	kit_results_num(r, "median_s", s->median, TIME_FMT);
	kit_results_num(r, "ci_lo_s", s->ci_lo, TIME_FMT);
	kit_results_num(r, "ci_hi_s", s->ci_hi, TIME_FMT);
	kit_results_num(r, "min_s", s->min, TIME_FMT);
	kit_results_num(r, "mean_s", s->mean, TIME_FMT);
	kit_results_num(r, "stddev_s", s->stddev, TIME_FMT);
	kit_results_num(r, "mad_s", s->mad, TIME_FMT);
	kit_results_num(r, "cv", s->cv, "%.3f");
	kit_results_num(r, "reps", (double)s->n, "%.0f");
	kit_results_num(r, "outliers", (double)s->outliers, "%.0f");
	kit_results_num(r, "cpu_s", t->cpu, TIME_FMT);
	kit_results_num(r, "threads", t->threads, "%.0f");
	kit_results_num(r, "first_s", t->first, TIME_FMT);
	if (!k || !(s->median > 0))
		return;

	/* Peaks at this thread count: the 1-thread figure for one thread, else
	 * the all-CPU figure scaled down when fewer threads than CPUs ran. */
	kit_machine m;
	bool have_m = kit_machine_load(&m) == 0 && m.threads_all > 0;
	double share = 1.0;
	if (have_m && t->threads > 1)
		share = (double)(t->threads < m.threads_all ? t->threads : m.threads_all) /
			m.threads_all;

	if (k->flops > 0) {
		double gflops = k->flops / s->median / 1e9;
		kit_results_num(r, "gflops", gflops, "%.2f");
		double peak = !have_m ? 0 : t->threads <= 1 ? m.peak_gflops_1 :
			      m.peak_gflops_all * share;
		if (peak > 0)
			kit_results_num(r, "frac_peak", gflops / peak, "%.2f");
	}
	if (k->bytes > 0) {
		double gbs = k->bytes / s->median / 1e9;
		kit_results_num(r, "gbs", gbs, "%.2f");
		double bw = !have_m ? 0 : t->threads <= 1 ? m.bw_gbs_1 : m.bw_gbs_all * share;
		if (bw > 0)
			kit_results_num(r, "frac_bw", gbs / bw, "%.2f");
	}
}

void kit_results_valid(kit_results *r, bool valid, const char *why)
{
	struct row *w = newest(r);
	w->checked = true;
	w->valid = valid;
	free(w->why);
	w->why = why ? kit_xstrdup(why) : NULL;
}

void kit_results_primary(kit_results *r)
{
	newest(r);
	r->primary = (long)r->nrows - 1;
}

void kit_results_scaling(kit_results *r, const kit_scaling *s)
{
	if (r->scaling) {
		free(r->scaling->rows);
		free(r->scaling);
		r->scaling = NULL;
	}
	if (!s)
		return;
	r->scaling = kit_xrealloc(NULL, sizeof(*r->scaling));
	*r->scaling = *s;
	r->scaling->rows = kit_xrealloc(NULL, s->n * sizeof(*s->rows));
	if (s->n)
		memcpy(r->scaling->rows, s->rows, s->n * sizeof(*s->rows));
}

bool kit_results_all_valid(const kit_results *r)
{
	for (size_t i = 0; i < r->nrows; i++)
		if (!r->rows[i].valid)
			return false;
	return true;
}

static bool is_primary(const kit_results *r, size_t i)
{
	return r->primary < 0 ? i == 0 : (size_t)r->primary == i;
}

/* ------------------------------------------------------------------------
 * The human table
 */

/* Columns the table leaves to CSV and JSON (ci_lo_s and ci_hi_s are shown
 * together as "ci95"). */
static bool table_hides(const char *name)
{
	static const char *const hidden[] = {
		"min_s", "mean_s", "stddev_s", "mad_s", "ci_lo_s", "ci_hi_s",
		"outliers", "cpu_s", "first_s",
	};
	for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
		if (!strcmp(name, hidden[i]))
			return true;
	return false;
}

/* "1.235 s", "12.35 ms", "123.5 us", "45.6 ns": four significant digits. */
static void fmt_duration(char *buf, size_t len, double s)
{
	static const struct { double scale; const char *unit; } units[] = {
		{ 1, "s" }, { 1e-3, "ms" }, { 1e-6, "us" }, { 1e-9, "ns" },
	};
	size_t u = 0;
	while (u + 1 < sizeof(units) / sizeof(units[0]) && fabs(s) < units[u].scale)
		u++;
	double v = s / units[u].scale;
	int prec = fabs(v) >= 100 ? 1 : fabs(v) >= 10 ? 2 : 3;
	if (s == 0)
		snprintf(buf, len, "0 s");
	else
		snprintf(buf, len, "%.*f %s", prec, v, units[u].unit);
}

static void fmt_number(char *buf, size_t len, double v, const char *fmt)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else if (fmt && !strcmp(fmt, TIME_FMT))
		fmt_duration(buf, len, v);
	else {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(buf, len, fmt ? fmt : "%g", v);
#pragma GCC diagnostic pop
	}
}

/* One table column: a result column, or the merged confidence interval. */
struct tcol {
	const char *head;
	long col;		/* index into r->cols; -1: ci95 */
	bool right;		/* numbers right-aligned */
	size_t width;
};

/* The text of table cell (ROW, TC) into BUF. */
static void table_cell(const kit_results *r, const struct row *w,
		       const struct tcol *tc, char *buf, size_t len)
{
	buf[0] = '\0';
	if (tc->col < 0) {
		const struct cell *lo = find_cell(w, col_find(r, "ci_lo_s"));
		const struct cell *hi = find_cell(w, col_find(r, "ci_hi_s"));
		if (lo && hi && lo->is_num && hi->is_num) {
			char a[32], b[32];
			fmt_duration(a, sizeof(a), lo->v);
			fmt_duration(b, sizeof(b), hi->v);
			snprintf(buf, len, "%s .. %s", a, b);
		}
		return;
	}
	const struct col *c = &r->cols[tc->col];
	const struct cell *x = find_cell(w, tc->col);
	if (!x)
		return;
	if (!w->valid && is_rate(c->name))
		snprintf(buf, len, "-");
	else if (x->is_num)
		fmt_number(buf, len, x->v, c->fmt);
	else
		snprintf(buf, len, "%s", x->s);
}

static const char *verdict(const struct row *w, char *buf, size_t len)
{
	if (!w->checked)
		return "";
	if (w->valid)
		return "ok";
	snprintf(buf, len, "INVALID: %s", w->why ? w->why : "wrong answer");
	return buf;
}

void kit_results_print(const kit_results *r, FILE *out)
{
	size_t kw = 8;
	for (size_t i = 0; i < r->nconf; i++)
		if (strlen(r->conf[i].key) > kw)
			kw = strlen(r->conf[i].key);
	for (size_t i = 0; i < r->nconf; i++)
		fprintf(out, "  %-*s %s\n", (int)kw, r->conf[i].key, r->conf[i].value);
	if (r->nconf)
		fputc('\n', out);
	if (!r->nrows)
		return;

	/* The shown columns: label, then every column not hidden, with ci95 in
	 * place of ci_lo_s (after the median), then the verdict. */
	struct tcol *tc = kit_xrealloc(NULL, (r->ncols + 2) * sizeof(*tc));
	size_t nt = 0;
	tc[nt++] = (struct tcol){ .head = "label", .col = -2 };
	for (size_t i = 0; i < r->ncols; i++) {
		const char *name = r->cols[i].name;
		if (!strcmp(name, "ci_lo_s"))
			tc[nt++] = (struct tcol){ .head = "ci95", .col = -1, .right = true };
		if (table_hides(name))
			continue;
		bool num = false;
		for (size_t j = 0; j < r->nrows && !num; j++) {
			const struct cell *x = find_cell(&r->rows[j], (long)i);
			num = x && x->is_num;
		}
		tc[nt++] = (struct tcol){ .head = name, .col = (long)i, .right = num };
	}
	bool any_checked = false;
	for (size_t j = 0; j < r->nrows; j++)
		any_checked |= r->rows[j].checked;

	/* Widths from the header and every cell. */
	char buf[512];
	for (size_t k = 0; k < nt; k++) {
		tc[k].width = strlen(tc[k].head);
		for (size_t j = 0; j < r->nrows; j++) {
			const struct row *w = &r->rows[j];
			if (tc[k].col == -2)
				snprintf(buf, sizeof(buf), "%s", w->label);
			else
				table_cell(r, w, &tc[k], buf, sizeof(buf));
			if (strlen(buf) > tc[k].width)
				tc[k].width = strlen(buf);
		}
	}

	if (r->title[0])
		fprintf(out, "%s\n", r->title);
	size_t total = 0;
	for (size_t k = 0; k < nt; k++) {
		bool last = k + 1 == nt && !any_checked;
		if (last && !tc[k].right)
			fprintf(out, "%s%s", k ? "  " : "", tc[k].head);
		else
			fprintf(out, "%s%*s", k ? "  " : "",
				tc[k].right ? (int)tc[k].width : -(int)tc[k].width, tc[k].head);
		total += tc[k].width + (k ? 2 : 0);
	}
	if (any_checked) {
		fprintf(out, "  check");
		total += 7;
	}
	fputc('\n', out);
	for (size_t k = 0; k < total; k++)
		fputc('-', out);
	fputc('\n', out);

	for (size_t j = 0; j < r->nrows; j++) {
		const struct row *w = &r->rows[j];
		/* The last column is not padded: no trailing blanks. */
		for (size_t k = 0; k < nt; k++) {
			if (tc[k].col == -2)
				snprintf(buf, sizeof(buf), "%s", w->label);
			else
				table_cell(r, w, &tc[k], buf, sizeof(buf));
			bool last = k + 1 == nt && !any_checked;
			if (last && !tc[k].right)
				fprintf(out, "%s%s", k ? "  " : "", buf);
			else
				fprintf(out, "%s%*s", k ? "  " : "",
					tc[k].right ? (int)tc[k].width : -(int)tc[k].width, buf);
		}
		char why[512];
		const char *v = verdict(w, why, sizeof(why));
		if (any_checked && *v)
			fprintf(out, "  %s", v);
		fputc('\n', out);
	}
	free(tc);
	/* the timing warnings, one line per cause, after the table they are about */
	fflush(out);
	kit_timing_warnings_flush();
}

/* ------------------------------------------------------------------------
 * CSV and JSON
 */

void kit_csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* The shortest of %.15g and %.17g that reads back as V. */
static void csv_num(FILE *f, double v)
{
	char buf[40];
	if (!isfinite(v))
		return;
	snprintf(buf, sizeof(buf), "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, sizeof(buf), "%.17g", v);
	fputs(buf, f);
}

static void write_csv(const kit_results *r, FILE *f)
{
	fputs("label,valid,why,primary", f);
	for (size_t i = 0; i < r->ncols; i++) {
		fputc(',', f);
		kit_csv_field(f, r->cols[i].name);
	}
	fputc('\n', f);
	for (size_t j = 0; j < r->nrows; j++) {
		const struct row *w = &r->rows[j];
		kit_csv_field(f, w->label);
		fprintf(f, ",%s,", w->valid ? "true" : "false");
		kit_csv_field(f, w->why ? w->why : "");
		fprintf(f, ",%s", is_primary(r, j) ? "true" : "false");
		for (size_t i = 0; i < r->ncols; i++) {
			fputc(',', f);
			const struct cell *x = find_cell(w, (long)i);
			if (!x || (!w->valid && is_rate(r->cols[i].name)))
				continue;
			if (x->is_num)
				csv_num(f, x->v);
			else
				kit_csv_field(f, x->s);
		}
		fputc('\n', f);
	}
}

/* A number, or null when it is not finite (JSON has no NaN or infinity). */
static cJSON *json_num(double v)
{
	return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static cJSON *results_json(const kit_results *r)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		abort();
	cJSON_AddStringToObject(o, "schema", "ompkit-results/1");
	cJSON_AddStringToObject(o, "program", r->program);
	cJSON_AddStringToObject(o, "title", r->title);
	cJSON *conf = cJSON_AddObjectToObject(o, "config");
	for (size_t i = 0; i < r->nconf; i++)
		cJSON_AddStringToObject(conf, r->conf[i].key, r->conf[i].value);
	cJSON *env = kit_env_json();
	cJSON_AddItemToObject(o, "env", env ? env : cJSON_CreateObject());

	cJSON *rows = cJSON_AddArrayToObject(o, "rows");
	for (size_t j = 0; j < r->nrows; j++) {
		const struct row *w = &r->rows[j];
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "label", w->label);
		cJSON_AddBoolToObject(e, "valid", w->valid);
		if (w->why)
			cJSON_AddStringToObject(e, "why", w->why);
		else
			cJSON_AddNullToObject(e, "why");
		cJSON_AddBoolToObject(e, "primary", is_primary(r, j));
		/* Every column of the set, null where this row has none. */
		cJSON *cols = cJSON_AddObjectToObject(e, "columns");
		for (size_t i = 0; i < r->ncols; i++) {
			const struct cell *x = find_cell(w, (long)i);
			cJSON *v;
			if (!x || (!w->valid && is_rate(r->cols[i].name)))
				v = cJSON_CreateNull();
			else if (x->is_num)
				v = json_num(x->v);
			else
				v = cJSON_CreateString(x->s);
			cJSON_AddItemToObject(cols, r->cols[i].name, v);
		}
		cJSON_AddItemToArray(rows, e);
	}
	if (r->scaling)
		cJSON_AddItemToObject(o, "scaling", kit_scaling_json(r->scaling));

	cJSON *warn = cJSON_AddArrayToObject(o, "warnings");
	const char *const *list;
	size_t nw = kit__warnings(&list);
	for (size_t i = 0; i < nw; i++)
		cJSON_AddItemToArray(warn, cJSON_CreateString(list[i]));
	return o;
}

int kit_results_write_csv(const kit_results *r, const char *path)
{
	kit_atomic a;
	if (kit_atomic_open(&a, path))
		return -1;
	locale_t old = kit__c_numbers_begin();
	write_csv(r, a.f);
	kit__c_numbers_end(old);
	if (ferror(a.f)) {
		kit_atomic_abort(&a);
		kit_error("cannot write '%s': write failed; nothing was written there", path);
		return -1;
	}
	return kit_atomic_commit(&a);
}

int kit_results_write_json(const kit_results *r, const char *path)
{
	cJSON *o = results_json(r);
	char *text = cJSON_Print(o);
	cJSON_Delete(o);
	if (!text)
		abort();
	size_t len = strlen(text);
	char *line = kit_xrealloc(text, len + 2);
	line[len] = '\n';
	line[len + 1] = '\0';

	int rc = path ? kit_write_file(path, line) : 0;
	/* ./kit sweep reads every run's copy from here. */
	const char *extra = getenv("KIT_RESULTS_JSON");
	if (extra && *extra && (!path || strcmp(extra, path)) && kit_write_file(extra, line))
		rc = -1;
	free(line);
	return rc;
}

void kit_results_free(kit_results *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nconf; i++) {
		free(r->conf[i].key);
		free(r->conf[i].value);
	}
	for (size_t i = 0; i < r->ncols; i++) {
		free(r->cols[i].name);
		free(r->cols[i].fmt);
	}
	for (size_t j = 0; j < r->nrows; j++) {
		struct row *w = &r->rows[j];
		for (size_t i = 0; i < w->ncells; i++)
			free(w->cells[i].s);
		free(w->cells);
		free(w->label);
		free(w->why);
	}
	kit_results_scaling(r, NULL);
	free(r->conf);
	free(r->cols);
	free(r->rows);
	free(r->program);
	free(r->title);
	free(r);
}
