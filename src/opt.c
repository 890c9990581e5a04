/*
 * opt.c - option tables: parsing, generated --help, did-you-mean (opt.h).
 */
#include <stdlib.h>
#include <string.h>

#include "kit.h"
#include "opt.h"

#define for_each_opt(p, o) \
	for (const kit_opt *const *t_ = (p)->tables; t_ && *t_; t_++) \
		for (const kit_opt *o = *t_; o->kind != KIT_OPT_KIND_END; o++)

int kit_opt_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return 100;
	int row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int diag = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int up = row[j];
			int best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb] > 100 ? 100 : row[lb];
}

const kit_opt *kit_opt_find(const kit_opt_prog *p, const char *name)
{
	if (!name)
		return NULL;
	const char *bare = name;
	bool dashed_short = name[0] == '-' && name[1] && name[1] != '-' && !name[2];
	while (*bare == '-')
		bare++;
	for_each_opt(p, o) {
		if (o->kind == KIT_OPT_KIND_GROUP)
			continue;
		if (dashed_short && o->short_name == name[1])
			return o;
		if (!dashed_short && o->long_name && !strcmp(o->long_name, bare))
			return o;
	}
	return NULL;
}

/* The closest long option to the unknown NAME (bare), if close enough. */
static const kit_opt *nearest(const kit_opt_prog *p, const char *name)
{
	const kit_opt *best = NULL;
	int bd = 100;
	for_each_opt(p, o) {
		if (o->kind == KIT_OPT_KIND_GROUP || !o->long_name)
			continue;
		int d = kit_opt_distance(name, o->long_name);
		if (strncmp(o->long_name, name, strlen(name)) == 0 && strlen(name) >= 3)
			d = 1;	/* a prefix: --thread for --threads */
		if (d < bd) {
			bd = d;
			best = o;
		}
	}
	int limit = (int)strlen(name) / 3 > 2 ? (int)strlen(name) / 3 : 2;
	return bd <= limit ? best : NULL;
}

static void unknown(const kit_opt_prog *p, const char *arg)
{
	char bare[128];
	snprintf(bare, sizeof(bare), "%s", arg);
	char *eq = strchr(bare, '=');
	if (eq)
		*eq = '\0';
	const kit_opt *o = bare[0] == '-' && bare[1] == '-' ? nearest(p, bare + 2) : NULL;
	if (o)
		kit_error("unknown option '%s'; did you mean '--%s'? (%s --help lists them)",
			  bare, o->long_name, p->name);
	else
		kit_error("unknown option '%s' (%s --help lists them)", bare, p->name);
}

static int parse_choice(const kit_opt *o, const char *name, const char *v)
{
	int best = -1, bd = 100;
	for (int i = 0; o->choices[i]; i++) {
		if (!strcmp(o->choices[i], v)) {
			if (o->target)
				*(int *)o->target = i;
			return 0;
		}
		int d = kit_opt_distance(v, o->choices[i]);
		if (d < bd) {
			bd = d;
			best = i;
		}
	}
	kit_buf b = { 0 };
	for (int i = 0; o->choices[i]; i++)
		kit_buf_printf(&b, "%s%s", i ? (o->choices[i + 1] ? ", " : " or ") : "",
			       o->choices[i]);
	if (best >= 0 && bd <= 2)
		kit_error("%s must be %s, not '%s'; did you mean '%s'?", name, kit_buf_str(&b),
			  v, o->choices[best]);
	else
		kit_error("%s must be %s, not '%s'", name, kit_buf_str(&b), v);
	kit_buf_free(&b);
	return -1;
}

/* Converts V for option O (shown as NAME) into its target. */
static int set_value(const kit_opt *o, const char *name, const char *v)
{
	uint64_t u;
	double d;
	switch (o->kind) {
	case KIT_OPT_KIND_INT:
	case KIT_OPT_KIND_U64:
		if (kit_parse_u64(v, name, o->lo, o->hi, &u))
			return -1;
		if (o->target && o->kind == KIT_OPT_KIND_INT)
			*(int *)o->target = (int)u;
		else if (o->target)
			*(uint64_t *)o->target = u;
		return 0;
	case KIT_OPT_KIND_DOUBLE:
		if (kit_parse_double(v, name, o->flo, o->fhi, &d))
			return -1;
		if (o->target)
			*(double *)o->target = d;
		return 0;
	case KIT_OPT_KIND_STRING:
		if (!*v) {
			kit_error("%s needs a non-empty value", name);
			return -1;
		}
		if (o->target)
			*(const char **)o->target = v;
		return 0;
	case KIT_OPT_KIND_COUNTS: {
		kit_opt_counts c = { 0 };
		if (kit_parse_counts(v, name, (int)o->lo, (int)o->hi, &c.v, &c.n))
			return -1;
		if (o->target) {
			kit_opt_counts_free(o->target);
			*(kit_opt_counts *)o->target = c;
		} else
			free(c.v);
		return 0;
	}
	case KIT_OPT_KIND_CHOICE:
		return parse_choice(o, name, v);
	default:
		return 0;
	}
}

/* Handles option O met as ARGV[*I] (NAME as typed, INLINE its attached value
 * or NULL). */
static int take(const kit_opt_prog *p, const kit_opt *o, const char *name,
		const char *inl, int argc, char **argv, int *i)
{
	if (o->seen)
		*o->seen = true;
	if (o->kind == KIT_OPT_KIND_BOOL) {
		if (inl) {
			kit_error("option '%s' takes no value (%s --help lists the options)", name,
				  p->name);
			return -1;
		}
		if (o->target)
			*(bool *)o->target = true;
		return 0;
	}
	if (!inl) {
		if (*i + 1 >= argc) {
			kit_error("option '%s' needs a value (%s); see %s --help", name,
				  o->value_name ? o->value_name : "a value", p->name);
			return -1;
		}
		inl = argv[++*i];
	}
	return set_value(o, name, inl);
}

static int parse_long(const kit_opt_prog *p, int argc, char **argv, int *i)
{
	char name[128];
	const char *a = argv[*i], *eq = strchr(a, '=');
	snprintf(name, sizeof(name), "%.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
	const kit_opt *o = kit_opt_find(p, name);
	if (!o || !o->long_name) {
		unknown(p, a);
		return -1;
	}
	return take(p, o, name, eq ? eq + 1 : NULL, argc, argv, i);
}

static int parse_short(const kit_opt_prog *p, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	char name[3] = { '-', a[1], '\0' };
	const kit_opt *o = kit_opt_find(p, name);
	if (!o) {
		unknown(p, a);
		return -1;
	}
	if (a[2] && o->kind == KIT_OPT_KIND_BOOL) {
		unknown(p, a);	/* no bundling of flags: "-qv" is a typo more often */
		return -1;
	}
	return take(p, o, name, a[2] ? a + 2 : NULL, argc, argv, i);
}

int kit_opt_parse(const kit_opt_prog *p, int argc, char **argv)
{
	size_t nops = 0;
	bool ended = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!ended && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
			kit_opt_help(p, stdout);
			return KIT_OPT_HELP;
		}
		int rc = 0;
		if (!ended && !strcmp(a, "--"))
			ended = true;
		else if (!ended && a[0] == '-' && a[1] == '-')
			rc = parse_long(p, argc, argv, &i);
		else if (!ended && a[0] == '-' && a[1])
			rc = parse_short(p, argc, argv, &i);
		else if (p->operands)
			p->operands[nops++] = a;
		else {
			kit_error("unexpected argument '%s': %s takes options only (%s --help "
				  "lists them)", a, p->name, p->name);
			return -1;
		}
		if (rc)
			return -1;
	}
	if (p->operands)
		p->operands[nops] = NULL;
	return 0;
}

/* "  -n N, --name N" for the help's left column. */
static void left_column(const kit_opt *o, char *buf, size_t len)
{
	const char *v = o->kind == KIT_OPT_KIND_BOOL ? NULL : o->value_name;
	if (!v && o->kind != KIT_OPT_KIND_BOOL)
		v = "VALUE";
	if (o->short_name && o->long_name)
		snprintf(buf, len, "  -%c, --%s%s%s", o->short_name, o->long_name, v ? " " : "",
			 v ? v : "");
	else if (o->short_name)
		snprintf(buf, len, "  -%c%s%s", o->short_name, v ? " " : "", v ? v : "");
	else
		snprintf(buf, len, "  --%s%s%s", o->long_name, v ? " " : "", v ? v : "");
}

/* HELP with its continuation lines indented to column COL. */
static void print_help_text(FILE *out, const char *help, int col)
{
	for (const char *s = help ? help : ""; *s;) {
		const char *nl = strchr(s, '\n');
		int len = nl ? (int)(nl - s) : (int)strlen(s);
		fprintf(out, "%.*s\n", len, s);
		if (!nl || !nl[1])
			return;
		s = nl + 1;
		fprintf(out, "%*s", col, "");
	}
	fputc('\n', out);
}

void kit_opt_help(const kit_opt_prog *p, FILE *out)
{
	const int col = 22;
	if (p->usage) {
		const char *s = p->usage, *prefix = "usage: ";
		while (*s) {
			const char *nl = strchr(s, '\n');
			int len = nl ? (int)(nl - s) : (int)strlen(s);
			/* fwrite, not "%.*s": gcc -Og believes s may be null there */
			fputs(prefix, out);
			fwrite(s, 1, (size_t)len, out);
			fputc('\n', out);
			prefix = "       ";
			s = nl ? nl + 1 : s + len;
		}
	} else
		fprintf(out, "usage: %s [options]\n", p->name);
	if (p->about)
		fprintf(out, "\n%s%s", p->about, p->about[strlen(p->about) - 1] == '\n' ? "" : "\n");
	for_each_opt(p, o) {
		if (o->kind == KIT_OPT_KIND_GROUP) {
			fprintf(out, "\n%s\n", o->help);
			continue;
		}
		char left[96];
		left_column(o, left, sizeof(left));
		if ((int)strlen(left) + 2 > col)
			fprintf(out, "%s\n%*s", left, col, "");
		else
			fprintf(out, "%-*s", col, left);
		print_help_text(out, o->help, col);
	}
	if (p->examples)
		fprintf(out, "\nexamples:\n%s%s", p->examples,
			p->examples[strlen(p->examples) - 1] == '\n' ? "" : "\n");
}

void kit_opt_counts_free(kit_opt_counts *c)
{
	if (!c)
		return;
	free(c->v);
	c->v = NULL;
	c->n = 0;
}
