/*
 * notebook_claim.c - evaluates the claims and named numbers of a lesson
 * (notebook_claim.h has the language). A recursive-descent parser that
 * evaluates as it reads; with no output it only checks the syntax.
 */
#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kit.h"
#include "notebook_claim.h"

#define SHOWN_REGEX 48		/* characters of a regex quoted in messages */
#define SHOWN_VALUES 8		/* values of a list quoted in messages */

typedef struct ev {
	const char *s;		/* the expression */
	size_t p;		/* where the parser is */
	const char *out;	/* the cell's output; NULL: check the syntax only */
	const nb_names *names;
	kit_buf seen;		/* what the operands read */
	char *err;		/* the first error, malloc'd */
} ev;

typedef struct vals {
	double *v;
	size_t n, cap;
} vals;

static double parse_or(ev *e);

static void push(vals *l, double v)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->v = kit_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = v;
}

/* Records the first error; returns 0 so callers can return it. */
static double fail(ev *e, const char *fmt, ...) KIT_PRINTF(2, 3);
static double fail(ev *e, const char *fmt, ...)
{
	if (!e->err) {
		va_list ap;
		va_start(ap, fmt);
		e->err = kit_xvasprintf(fmt, ap);
		va_end(ap);
	}
	return 0;
}

static void skip(ev *e)
{
	while (isspace((unsigned char)e->s[e->p]))
		e->p++;
}

static bool is_word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Whether the keyword W comes next (as a whole word); consumes it if so. */
static bool keyword(ev *e, const char *w)
{
	skip(e);
	size_t n = strlen(w);
	if (strncmp(e->s + e->p, w, n) || is_word_char(e->s[e->p + n]))
		return false;
	e->p += n;
	return true;
}

/* What is left of the expression, for messages. */
static char *rest(const ev *e)
{
	const char *r = e->s + e->p;
	return *r ? kit_xasprintf("'%.20s%s'", r, strlen(r) > 20 ? "…" : "")
		  : kit_xstrdup("the end");
}

/* Reads /REGEX/ at the parser's position (on its opening slash). */
static char *read_regex(ev *e)
{
	kit_buf re = { 0 };
	size_t start = e->p++;
	for (;; e->p++) {
		char c = e->s[e->p];
		if (!c) {
			kit_buf_free(&re);
			fail(e, "the /regex/ at column %zu is never closed with a /", start + 1);
			return NULL;
		}
		if (c == '/')
			break;
		if (c == '\\' && e->s[e->p + 1] == '/')
			c = e->s[++e->p];	/* \/ is a slash */
		kit_buf_add(&re, &c, 1);
	}
	e->p++;
	if (!re.len) {
		fail(e, "an empty // at column %zu: write a regular expression between the slashes",
		     start + 1);
		return NULL;
	}
	return kit_buf_take(&re);
}

/* TEXT (LEN bytes) as a number, commas ignored; false when it is not one. */
static bool to_number(const char *text, size_t len, double *v)
{
	kit_buf b = { 0 };
	for (size_t i = 0; i < len; i++)
		if (text[i] != ',')
			kit_buf_add(&b, text + i, 1);
	char *s = kit_buf_take(&b), *end;
	*v = strtod(s, &end);
	bool ok = *s && !*end && !isspace((unsigned char)*s) && isfinite(*v);
	free(s);
	return ok;
}

/* Appends ITEM to what the operands read, unless it is there already. */
static void note(ev *e, const char *item)
{
	const char *s = kit_buf_str(&e->seen), *at = s;
	size_t n = strlen(item);
	while ((at = strstr(at, item))) {
		if ((at == s || at[-1] == ' ') && (!at[n] || at[n] == ','))
			return;
		at++;
	}
	kit_buf_printf(&e->seen, "%s%s", e->seen.len ? ", " : "", item);
}

/* Appends "/re/ = VALUES" to what the operands read: the N values at V, or
 * their number when they are not numbers (COUNTED). */
static void note_regex(ev *e, const char *re, const double *v, size_t n, bool counted)
{
	if (!e->out)
		return;
	kit_buf item = { 0 };
	kit_buf_printf(&item, "/%.*s%s/ = ", SHOWN_REGEX, re, strlen(re) > SHOWN_REGEX ? "…" : "");
	if (!n)
		kit_buf_add_str(&item, "(no match)");
	else if (counted)
		kit_buf_printf(&item, "%zu match%s", n, n == 1 ? "" : "es");
	for (size_t i = 0; !counted && i < n && i < SHOWN_VALUES; i++)
		kit_buf_printf(&item, "%s%.10g", i ? " " : (n > 1 ? "[" : ""), v[i]);
	if (!counted && n > SHOWN_VALUES)
		kit_buf_printf(&item, " … %zu in all", n);
	if (!counted && n > 1)
		kit_buf_add_str(&item, "]");
	note(e, kit_buf_str(&item));
	kit_buf_free(&item);
}

/*
 * The numbers RE finds in the output, appended to L: its first group, or its
 * whole match, at every place it matches (ALL) or the first one only; with
 * COUNTED, a 0 per match, whatever it matched. Without output (a syntax
 * check) RE is compiled and stands for the number 1.
 */
static void find(ev *e, const char *re, bool all, bool counted, vals *l)
{
	size_t first = l->n;
	regex_t rx;
	int err = regcomp(&rx, re, REG_EXTENDED | REG_NEWLINE);
	if (err) {
		char msg[128];
		regerror(err, &rx, msg, sizeof(msg));
		fail(e, "bad regular expression /%s/: %s", re, msg);
		return;
	}
	if (!e->out) {
		push(l, 1);
		regfree(&rx);
		return;
	}
	const char *p = e->out;
	regmatch_t m[2];
	while (*p || p == e->out) {
		int flags = (p > e->out && p[-1] != '\n') ? REG_NOTBOL : 0;
		if (regexec(&rx, p, 2, m, flags))
			break;
		regmatch_t g = m[1].rm_so >= 0 ? m[1] : m[0];
		double v = 0;
		if (!counted && !to_number(p + g.rm_so, (size_t)(g.rm_eo - g.rm_so), &v)) {
			fail(e, "/%s/ captured '%.*s', which is not a number", re,
			     (int)(g.rm_eo - g.rm_so), p + g.rm_so);
			break;
		}
		push(l, v);
		if (!all)
			break;
		p += m[0].rm_eo > m[0].rm_so ? m[0].rm_eo : m[0].rm_so + 1;
		if (p > e->out + strlen(e->out))
			break;
	}
	regfree(&rx);
	note_regex(e, re, l->v + first, l->n - first, counted);
}

/* A name's value (1 when only the syntax is checked). */
static double lookup(ev *e, const char *name)
{
	if (!e->out)
		return 1;
	for (size_t i = e->names ? e->names->n : 0; i-- > 0;)
		if (!strcmp(e->names->name[i], name)) {
			char *item = kit_xasprintf("%s = %.10g", name, e->names->value[i]);
			note(e, item);
			free(item);
			return e->names->value[i];
		}
	return fail(e, "no number is named '%s' (a <!-- let: %s = ... --> after an earlier "
		    "cell names it)", name, name);
}

static const char *const functions[] = { "count", "sum", "min", "max", "same", "distinct",
					 "first", "last", "abs", NULL };

/* FN applied to the values L. */
static double apply(ev *e, const char *fn, const vals *l)
{
	if (!strcmp(fn, "count"))
		return (double)l->n;
	if (!strcmp(fn, "same") || !strcmp(fn, "distinct")) {
		size_t d = 0;
		for (size_t i = 0; i < l->n; i++) {
			size_t k = 0;
			while (k < i && l->v[k] != l->v[i])
				k++;
			d += k == i;
		}
		return !strcmp(fn, "distinct") ? (double)d : (l->n >= 2 && d == 1);
	}
	if (!strcmp(fn, "abs") && l->n != 1)
		return fail(e, "abs() takes one number, not %zu", l->n);
	if (!l->n && strcmp(fn, "sum"))
		return e->out ? fail(e, "%s() of nothing: its /regex/ matched nowhere", fn) : 0;
	double r = !strcmp(fn, "last") ? l->v[l->n - 1] : !strcmp(fn, "abs") ? fabs(l->v[0])
									   : l->n ? l->v[0] : 0;
	for (size_t i = 1; i < l->n; i++) {
		if (!strcmp(fn, "sum"))
			r += l->v[i];
		else if (!strcmp(fn, "min"))
			r = fmin(r, l->v[i]);
		else if (!strcmp(fn, "max"))
			r = fmax(r, l->v[i]);
	}
	return r;
}

/* F(ARG, ...): a bare /REGEX/ argument stands for all its matches. */
static double call(ev *e, const char *fn)
{
	vals l = { 0 };
	e->p++;		/* ( */
	skip(e);
	if (e->s[e->p] == ')') {
		e->p++;
		double r = apply(e, fn, &l);
		return r;
	}
	for (;;) {
		skip(e);
		size_t at = e->p;
		bool listed = false;
		if (e->s[e->p] == '/') {
			char *re = read_regex(e);
			skip(e);
			if (re && (e->s[e->p] == ',' || e->s[e->p] == ')')) {
				find(e, re, true, !strcmp(fn, "count"), &l);
				listed = true;
			} else
				e->p = at;
			free(re);
		}
		if (!listed)
			push(&l, parse_or(e));
		skip(e);
		if (e->err)
			break;
		if (e->s[e->p] == ')') {
			e->p++;
			break;
		}
		if (e->s[e->p] != ',') {
			char *r = rest(e);
			fail(e, "expected , or ) in %s(...) at %s", fn, r);
			free(r);
			break;
		}
		e->p++;
	}
	double r = e->err ? 0 : apply(e, fn, &l);
	free(l.v);
	return r;
}

static double parse_atom(ev *e)
{
	skip(e);
	const char *s = e->s + e->p;
	if (*s == '(') {
		e->p++;
		double v = parse_or(e);
		skip(e);
		if (e->s[e->p] != ')') {
			char *r = rest(e);
			fail(e, "expected ) at %s", r);
			free(r);
		}
		e->p++;
		return v;
	}
	if (*s == '/') {
		char *re = read_regex(e);
		vals l = { 0 };
		if (re)
			find(e, re, false, false, &l);
		if (re && !l.n && !e->err)
			fail(e, "/%s/ matches nowhere in the output", re);
		double v = l.n ? l.v[0] : 0;
		free(l.v);
		free(re);
		return v;
	}
	if (isdigit((unsigned char)*s) || *s == '.') {
		char *end;
		double v = strtod(s, &end);
		e->p += (size_t)(end - s);
		return v;
	}
	if (isalpha((unsigned char)*s) || *s == '_') {
		size_t n = 0;
		while (is_word_char(s[n]))
			n++;
		char *name = kit_xasprintf("%.*s", (int)n, s);
		e->p += n;
		skip(e);
		double v;
		if (e->s[e->p] == '(') {
			size_t k = 0;
			while (functions[k] && strcmp(functions[k], name))
				k++;
			v = functions[k] ? call(e, name)
					 : fail(e, "no function '%s'; there are count, sum, min, max, "
						"same, distinct, first, last, abs", name);
		} else
			v = lookup(e, name);
		free(name);
		return v;
	}
	char *r = rest(e);
	fail(e, "expected a number, a name, a /regex/ or ( at %s", r);
	free(r);
	return 0;
}

static double parse_unary(ev *e)
{
	skip(e);
	if (e->s[e->p] == '-') {
		e->p++;
		return -parse_unary(e);
	}
	return parse_atom(e);
}

static double parse_prod(ev *e)
{
	double v = parse_unary(e);
	for (;;) {
		skip(e);
		char op = e->s[e->p];
		if (e->err || (op != '*' && op != '/'))
			return v;
		e->p++;
		double w = parse_unary(e);
		if (op == '*')
			v *= w;
		else if (w != 0)
			v /= w;
		else
			v = e->out ? fail(e, "division by zero") : 0;
	}
}

static double parse_sum(ev *e)
{
	double v = parse_prod(e);
	for (;;) {
		skip(e);
		char op = e->s[e->p];
		if (e->err || (op != '+' && op != '-'))
			return v;
		e->p++;
		double w = parse_prod(e);
		v = op == '+' ? v + w : v - w;
	}
}

/* The comparison operator next, consumed: 0 none, else its index + 1. */
static int comparison(ev *e)
{
	static const char *const ops[] = { "<=", ">=", "==", "!=", "<", ">" };
	skip(e);
	for (int i = 0; i < 6; i++)
		if (!strncmp(e->s + e->p, ops[i], strlen(ops[i]))) {
			e->p += strlen(ops[i]);
			return i + 1;
		}
	return 0;
}

static double parse_cmp(ev *e)
{
	double a = parse_sum(e);
	int op = comparison(e);
	if (!op)
		return a;
	bool all = true;
	for (; op; op = comparison(e)) {
		double b = parse_sum(e);
		bool t = op == 1 ? a <= b : op == 2 ? a >= b : op == 3 ? a == b
			 : op == 4 ? a != b : op == 5 ? a < b : a > b;
		all = all && t;
		a = b;
	}
	return all;
}

static double parse_not(ev *e)
{
	if (keyword(e, "not"))
		return !parse_not(e);
	return parse_cmp(e);
}

static double parse_and(ev *e)
{
	double v = parse_not(e);
	while (!e->err && keyword(e, "and")) {
		double w = parse_not(e);
		v = v != 0 && w != 0;
	}
	return v;
}

static double parse_or(ev *e)
{
	double v = parse_and(e);
	while (!e->err && keyword(e, "or")) {
		double w = parse_and(e);
		v = v != 0 || w != 0;
	}
	return v;
}

/* Runs the parser over EXPR; returns 0 or -1 with *WHY. */
static int run(ev *e, double *value, char **why)
{
	double v = parse_or(e);
	skip(e);
	if (!e->err && e->s[e->p]) {
		char *r = rest(e);
		fail(e, "unexpected %s", r);
		free(r);
	}
	if (e->err) {
		*why = e->err;
		return -1;
	}
	*value = v;
	return 0;
}

int nb_syntax(const char *expr, char **why)
{
	ev e = { .s = expr };
	double v;
	int rc = run(&e, &v, why);
	kit_buf_free(&e.seen);
	return rc;
}

int nb_eval(const char *expr, const char *output, const nb_names *names, double *value,
	    char **seen, char **why)
{
	ev e = { .s = expr, .out = output ? output : "", .names = names };
	int rc = run(&e, value, why);
	*seen = kit_buf_take(&e.seen);
	return rc;
}

int nb_split_let(const char *let, char **name, const char **expr, char **why)
{
	size_t n = 0;
	while (is_word_char(let[n]))
		n++;
	const char *p = let + n;
	while (isspace((unsigned char)*p))
		p++;
	if (!n || isdigit((unsigned char)let[0]) || *p != '=' || p[1] == '=') {
		*why = kit_xasprintf("a let reads NAME = EXPRESSION, e.g. let: speedup = "
				     "/speed-up ([0-9.]+)/, not '%s'", let);
		return -1;
	}
	*name = kit_xasprintf("%.*s", (int)n, let);
	for (size_t k = 0; functions[k]; k++)
		if (!strcmp(*name, functions[k]) || !strcmp(*name, "and") ||
		    !strcmp(*name, "or") || !strcmp(*name, "not")) {
			*why = kit_xasprintf("'%s' is a word of the language; name the number "
					     "otherwise", *name);
			free(*name);
			*name = NULL;
			return -1;
		}
	*expr = p + 1;
	return 0;
}

void nb_names_set(nb_names *names, const char *name, double v)
{
	for (size_t i = 0; i < names->n; i++)
		if (!strcmp(names->name[i], name)) {
			names->value[i] = v;
			return;
		}
	names->name = kit_xrealloc(names->name, (names->n + 1) * sizeof(*names->name));
	names->value = kit_xrealloc(names->value, (names->n + 1) * sizeof(*names->value));
	names->name[names->n] = kit_xstrdup(name);
	names->value[names->n++] = v;
}

void nb_names_free(nb_names *names)
{
	for (size_t i = 0; i < names->n; i++)
		free(names->name[i]);
	free(names->name);
	free(names->value);
	memset(names, 0, sizeof(*names));
}
