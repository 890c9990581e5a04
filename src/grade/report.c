/*
 * report.c - what the grader says (grade.h): a text table for the student,
 * JSON (schema ompkit-grade/1, docs/grading.md) and Gradescope's
 * results.json. The callers write them only after every student process is
 * gone, atomically (kit_atomic_*), whatever happened.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "grade.h"

void totals(const session *s, exercise *const *ex, size_t n, double *score,
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
	const char *what = it->what ? it->what : "kernel";
	if (it->kind == K_SPEED)
		return kit_xasprintf("speed of your %s: %.2fx the reference's time on %d thread%s "
				     "(rounds %.2f-%.2fx; medians %.3f s vs %.3f s wall, %.3f s vs "
				     "%.3f s CPU)", what, it->ratio, it->nthreads_used,
				     it->nthreads_used == 1 ? "" : "s", it->lo, it->hi, it->wall_stu,
				     it->wall_ref, it->cpu_stu, it->cpu_ref);
	return kit_xasprintf("speed-up of your %s: %.2fx on %d threads, the reference's %.2fx",
			     what, it->ratio, it->nthreads_used, it->ref_speedup);
}

void report_text(const session *s, exercise *const *ex, size_t n, FILE *f)
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
			if (it->st == ST_FAIL && it->hint && !e->not_run && !it->gated)
				print_block(f, "hint", it->hint);
			/* a run item's per-thread lines below already say what was seen */
			if (it->st == ST_FAIL && it->observed &&
			    !((it->kind == K_CORRECT || it->kind == K_TSAN) && it->out.len))
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
	if (s->verbose)
		fprintf(f, "student code ran in: %s\n", sandbox_name[s->sb.kind]);
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
	if (it->st == ST_FAIL && it->hint && !it->gated &&
	    !(it->observed && starts_with(it->observed, "not run")))
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

cJSON *report_json(const session *s, exercise *const *ex, size_t n, double seconds)
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
	cJSON_AddStringToObject(o, "sandbox", sandbox_name[s->sb.kind]);
	cJSON_AddNumberToObject(o, "sandbox_uid", (double)s->sb.uid);
	if (s->sb.why)
		cJSON_AddStringToObject(o, "sandbox_note", s->sb.why);
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
cJSON *report_gradescope(const session *s, exercise *const *ex, size_t n, double seconds,
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
