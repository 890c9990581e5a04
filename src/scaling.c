/*
 * scaling.c - what a thread sweep says (kit.h): speed-up, efficiency, the
 * Karp-Flatt experimentally determined serial fraction per thread count, and
 * an Amdahl fit over all of them.
 *
 * The fit: Amdahl's law t(p) = t1 * (f + (1 - f) / p) is a straight line in
 * x = 1/p, t = a + b x with a = t1 f and b = t1 (1 - f). Ordinary least
 * squares gives a and b; then t1 = a + b and f = a / (a + b). The speed-up
 * can never exceed 1 / f however many threads run.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "kit.h"

static int cmp_row(const void *a, const void *b)
{
	const kit_scaling_row *x = a, *y = b;
	return (x->p > y->p) - (x->p < y->p);
}

/* Least squares t = a + b / p over the rows; sets f, t1, limit and r2. */
static void amdahl_fit(kit_scaling *s)
{
	size_t n = s->n;
	if (n < 2) {
		/* One point fixes no line: nothing to say about f. */
		s->serial_fraction = s->t1_fit = s->limit = s->r2 = NAN;
		return;
	}
	double mx = 0, mt = 0;
	for (size_t i = 0; i < n; i++) {
		mx += 1.0 / s->rows[i].p;
		mt += s->rows[i].t;
	}
	mx /= (double)n;
	mt /= (double)n;
	double sxx = 0, sxt = 0, stt = 0;
	for (size_t i = 0; i < n; i++) {
		double dx = 1.0 / s->rows[i].p - mx, dt = s->rows[i].t - mt;
		sxx += dx * dx;
		sxt += dx * dt;
		stt += dt * dt;
	}
	/* p are distinct, so the 1/p are too and sxx > 0. */
	double b = sxt / sxx, a = mt - b * mx;

	double f;
	if (a + b > 0)
		f = a / (a + b);
	else
		/* The fitted t(1) is not positive: times grow so fast with p
		 * that nothing scales (a > 0), or a nonsense fit (a <= 0). */
		f = a > 0 ? 1 : 0;
	if (f < 0)
		f = 0;	/* super-linear: the cache holds more with more threads */
	if (f > 1)
		f = 1;	/* slower with more threads than Amdahl allows */
	s->serial_fraction = f;
	s->t1_fit = a + b;
	s->limit = f > 0 ? 1.0 / f : INFINITY;

	double ss_res = 0;
	for (size_t i = 0; i < n; i++) {
		double r = s->rows[i].t - (a + b / s->rows[i].p);
		ss_res += r * r;
	}
	/* All times equal: a flat line fits them exactly. */
	s->r2 = stt > 0 ? 1.0 - ss_res / stt : 1.0;
}

int kit_scaling_of(const int *p, const double *t, size_t n, kit_scaling *out)
{
	memset(out, 0, sizeof(*out));
	if (n == 0)
		return -1;

	kit_scaling_row *rows = kit_xcalloc(n, sizeof(*rows));
	for (size_t i = 0; i < n; i++) {
		rows[i].p = p[i];
		rows[i].t = t[i];
	}
	qsort(rows, n, sizeof(*rows), cmp_row);

	/* The baseline is the smallest p. When it is not 1 (a sweep from 2
	 * threads), t(1) is estimated as base * t(base): the speed-up then
	 * assumes the baseline itself scaled perfectly, an upper bound. */
	double base = rows[0].p * rows[0].t;
	for (size_t i = 0; i < n; i++) {
		kit_scaling_row *r = &rows[i];
		double pp = r->p;
		r->speedup = base / r->t;
		r->efficiency = r->speedup / pp;
		r->karp_flatt = r->p == 1 ? NAN :
			(1.0 / r->speedup - 1.0 / pp) / (1.0 - 1.0 / pp);
	}

	out->n = n;
	out->rows = rows;
	amdahl_fit(out);
	return 0;
}

void kit_scaling_free(kit_scaling *s)
{
	if (!s)
		return;
	free(s->rows);
	memset(s, 0, sizeof(*s));
}

void kit_scaling_print(const kit_scaling *s, const char *unit, FILE *out)
{
	char tcol[32];
	snprintf(tcol, sizeof(tcol), "time (%s)", unit && *unit ? unit : "s");

	fprintf(out, "%7s  %12s  %8s  %10s  %10s\n", "threads", tcol, "speed-up",
		"efficiency", "Karp-Flatt");
	for (size_t i = 0; i < s->n; i++) {
		const kit_scaling_row *r = &s->rows[i];
		char kf[32];
		if (isnan(r->karp_flatt))
			snprintf(kf, sizeof(kf), "-");
		else
			snprintf(kf, sizeof(kf), "%.3f", r->karp_flatt);
		fprintf(out, "%7d  %12.4g  %7.2fx  %9.0f%%  %10s\n", r->p, r->t, r->speedup,
			100.0 * r->efficiency, kf);
	}
	if (s->n > 0 && s->rows[0].p != 1)
		fprintf(out, "(speed-up against %d threads, taken as a speed-up of %d)\n", s->rows[0].p,
			s->rows[0].p);

	if (isnan(s->serial_fraction)) {
		fprintf(out, "Amdahl fit: needs two thread counts or more\n");
		return;
	}
	char lim[32];
	if (isinf(s->limit))
		snprintf(lim, sizeof(lim), "none");
	else
		snprintf(lim, sizeof(lim), "%.1fx", s->limit);
	fprintf(out, "Amdahl fit: serial fraction %.3f, speed-up limit %s (r\u00b2 %.3f)\n",
		s->serial_fraction, lim, s->r2);
}

/* A number, or null when it is not finite (JSON has no NaN or infinity). */
static cJSON *json_num(double v)
{
	return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

cJSON *kit_scaling_json(const kit_scaling *s)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		abort();
	cJSON *rows = cJSON_AddArrayToObject(o, "rows");
	for (size_t i = 0; i < s->n; i++) {
		const kit_scaling_row *x = &s->rows[i];
		cJSON *e = cJSON_CreateObject();
		cJSON_AddNumberToObject(e, "p", x->p);
		cJSON_AddItemToObject(e, "t", json_num(x->t));
		cJSON_AddItemToObject(e, "speedup", json_num(x->speedup));
		cJSON_AddItemToObject(e, "efficiency", json_num(x->efficiency));
		cJSON_AddItemToObject(e, "karp_flatt", json_num(x->karp_flatt));
		cJSON_AddItemToArray(rows, e);
	}
	cJSON_AddItemToObject(o, "serial_fraction", json_num(s->serial_fraction));
	cJSON_AddItemToObject(o, "limit", json_num(s->limit));
	cJSON_AddItemToObject(o, "t1_fit", json_num(s->t1_fit));
	cJSON_AddItemToObject(o, "r2", json_num(s->r2));
	return o;
}
