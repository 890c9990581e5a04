/*
 * notebook.c - ./kit notebook: run a lesson of notebooks-md/ as written.
 *
 * A lesson is markdown. Its fenced ```sh blocks are cells: each runs as
 * `bash -e -o pipefail -c CELL` in the kit's root folder, stderr merged into
 * stdout, PATH as the caller has it, under a time limit (kit_proc_run).
 * Around a cell (notebooks-md/README.md documents this for authors):
 *
 *   <!-- expect: REGEX -->     before the cell, may repeat: a POSIX extended
 *                              regular expression that must match somewhere
 *                              in the cell's output (^ and $ match at lines)
 *   <!-- skip-check -->        before the cell: shown, run by --update, not
 *                              run by --check (a long benchmark)
 *   <!-- predict: QUESTION --> before the cell, with <!-- answer: EXPR --> (a
 *                              number) or <!-- choice: LABEL if EXPR --> lines
 *                              (the one that holds is the measured answer)
 *   ```sh ... ```              the cell
 *   ```output ... ```          right after it (blank lines allowed between):
 *                              the cell's real output, written by --update
 *   <!-- let: NAME = EXPR -->  after the cell (prose may come between): names
 *                              a number read from its output, for later claims
 *   <!-- claim: EXPR -->       after the cell: must hold, or the cell fails
 * EXPR is the language of notebook_claim.h: numbers read from the output by
 * /regex/, names, arithmetic, comparisons, and/or/not, count() and friends.
 *
 * Modes: default, run every cell and show each command, its output and its
 * claims as a reader would see them, then a summary; --predict, the same,
 * asking the student's prediction before each cell that has a question and
 * showing it beside the measured answer (never blocking without a terminal);
 * --check, run silently and fail (exit 1) naming the lesson, the cell's line
 * and what was expected vs seen; --update, run every cell and rewrite the
 * output blocks with what they printed (trimmed, atomically), only when
 * every cell passed.
 *
 * USAGE
 *   ./kit notebook 01
 *   ./kit notebook 01 --predict
 *   ./kit notebook 01 --check
 *   ./kit notebook 01 --update
 *   ./kit notebook path/to/lesson.md --check --timeout 30
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "kit.h"
#include "notebook_claim.h"

#define MAX_EXPECTS 16
#define MAX_NOTES 16		/* lets, claims, choices per cell */
#define KEEP_HEAD 30		/* an output block keeps this many first lines ... */
#define KEEP_TAIL 10		/* ... and this many last ones */
#define MAX_WIDTH 240		/* characters per output line in the lesson */
#define SHOWN_LINES 12		/* lines of output a --check failure shows */
#define DEFAULT_TIMEOUT 120.0

/* The lesson as lines, each with its newline (the last may lack one). */
typedef struct text {
	char **line;
	size_t n;
} text;

/* An annotation's text and its 1-based line in the lesson. */
typedef struct note {
	char *text;
	size_t line;
} note;

typedef struct cell {
	size_t fence;		/* index of the ```sh line */
	size_t end;		/* index of its closing fence */
	size_t out_open, out_close;	/* the ```output block, or out_open == 0 */
	char *code;		/* the cell's text */
	char *expect[MAX_EXPECTS];
	size_t expect_line[MAX_EXPECTS];
	size_t nexpect;
	bool skip_check;
	note let[MAX_NOTES], claim[MAX_NOTES];	/* after the cell */
	size_t nlet, nclaim;
	note predict, answer;	/* before it: the question; a number's expression */
	note choice[MAX_NOTES];	/* or the choices, "LABEL if EXPRESSION" */
	size_t nchoice;
	/* after running */
	bool ran, failed;
	bool bad_exit;		/* failed by its exit status (else by a pattern) */
	char *output;		/* cleaned, untrimmed */
	char *why;		/* what went wrong, for the summary */
	char *checked;		/* the claims checked and what they read, for the reader */
	bool has_actual;	/* the prediction's measured answer: */
	double actual;		/* the number, or */
	size_t actual_choice;	/* the index of the choice that holds */
} cell;

typedef struct lesson {
	char *path;
	text t;
	cell *c;
	size_t n;
	nb_names names;		/* the numbers the lets named so far */
	bool recording;		/* --update: outputs are about to become the lesson's */
} lesson;

static int read_text(const char *path, text *t)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		kit_error("cannot read lesson '%s': %s", path, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t cap = 0, alloc = 0;
	ssize_t len;
	memset(t, 0, sizeof(*t));
	while ((len = getline(&line, &cap, f)) >= 0) {
		if (t->n == alloc) {
			alloc = alloc ? 2 * alloc : 256;
			t->line = kit_xrealloc(t->line, alloc * sizeof(*t->line));
		}
		t->line[t->n++] = kit_xstrdup(line);
	}
	free(line);
	fclose(f);
	return 0;
}

/* Backticks opening LINE (3 or more make a fence), 0 otherwise. */
static size_t fence_len(const char *line)
{
	size_t n = 0;
	while (line[n] == '`')
		n++;
	return n >= 3 ? n : 0;
}

/* The info string's first word after the fence, e.g. "sh". */
static bool fence_is(const char *line, const char *word)
{
	const char *p = line + fence_len(line);
	while (*p == ' ')
		p++;
	size_t n = strlen(word);
	return !strncmp(p, word, n) && (p[n] == '\0' || isspace((unsigned char)p[n]));
}

/* Whether LINE closes a fence of N backticks. */
static bool closes(const char *line, size_t n)
{
	size_t k = fence_len(line);
	if (k < n)
		return false;
	for (const char *p = line + k; *p; p++)
		if (!isspace((unsigned char)*p))
			return false;
	return true;
}

static bool blank(const char *line)
{
	for (; *line; line++)
		if (!isspace((unsigned char)*line))
			return false;
	return true;
}

/* "<!-- NAME: VALUE -->" or "<!-- NAME -->" on LINE: returns the value (malloc'd,
 * "" when none) if LINE is that comment, NULL otherwise. */
static char *comment(const char *line, const char *name)
{
	const char *p = line;
	while (*p == ' ')
		p++;
	if (strncmp(p, "<!--", 4))
		return NULL;
	p += 4;
	while (*p == ' ')
		p++;
	size_t n = strlen(name);
	if (strncmp(p, name, n))
		return NULL;
	p += n;
	const char *end = strstr(p, "-->");
	if (!end || !blank(end + 3))
		return NULL;
	if (*p == ':')
		p++;
	else if (*p != ' ' && p != end)
		return NULL;
	while (p < end && *p == ' ')
		p++;
	while (end > p && end[-1] == ' ')
		end--;
	char *v = kit_xmalloc((size_t)(end - p) + 1);
	memcpy(v, p, (size_t)(end - p));
	v[end - p] = '\0';
	return v;
}

static void free_notes(note *n, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(n[i].text);
}

static void free_cell(cell *c)
{
	free(c->code);
	for (size_t i = 0; i < c->nexpect; i++)
		free(c->expect[i]);
	free_notes(c->let, c->nlet);
	free_notes(c->claim, c->nclaim);
	free_notes(c->choice, c->nchoice);
	free(c->predict.text);
	free(c->answer.text);
	free(c->output);
	free(c->why);
	free(c->checked);
}

/* The expression of a choice "LABEL if EXPRESSION", and the label's length. */
static const char *choice_expr(const char *choice, size_t *label_len)
{
	const char *at = strstr(choice, " if ");
	*label_len = at ? (size_t)(at - choice) : 0;
	return at ? at + 4 : NULL;
}

/* Checks EXPR's syntax; on error reports it at LINE of PATH and returns -1. */
static int check_expr(const char *path, size_t line, const char *what, const char *expr)
{
	char *why;
	if (!nb_syntax(expr, &why))
		return 0;
	kit_error("%s:%zu: bad %s '%s': %s", path, line, what, expr, why);
	free(why);
	return -1;
}

/* Appends annotation V (at 0-based line I) to the MAX_NOTES-long list N. */
static int add_note(const char *path, size_t i, const char *kind, note *n, size_t *count,
		    char *v)
{
	if (*count == MAX_NOTES) {
		kit_error("%s:%zu: more than %d %s lines for one cell", path, i + 1, MAX_NOTES,
			  kind);
		free(v);
		return -1;
	}
	n[*count].text = v;
	n[(*count)++].line = i + 1;
	return 0;
}

/* Checks an annotation that comes before a cell: expect, skip-check, predict,
 * answer, choice. Returns 1 when LINE is one (added to P), 0 when not, -1 on
 * a format error (reported). */
static int before_note(const lesson *l, size_t i, cell *p)
{
	const char *line = l->t.line[i], *path = l->path;
	char *v;
	if ((v = comment(line, "expect"))) {
		regex_t re;
		int err = regcomp(&re, v, REG_EXTENDED | REG_NEWLINE | REG_NOSUB);
		if (!*v || err) {
			char msg[128] = "empty pattern";
			if (err)
				regerror(err, &re, msg, sizeof(msg));
			kit_error("%s:%zu: bad expect pattern '%s': %s", path, i + 1, v, msg);
			free(v);
			return -1;
		}
		regfree(&re);
		if (p->nexpect == MAX_EXPECTS) {
			kit_error("%s:%zu: more than %d expect lines for one cell", path, i + 1,
				  MAX_EXPECTS);
			free(v);
			return -1;
		}
		p->expect_line[p->nexpect] = i + 1;
		p->expect[p->nexpect++] = v;
		return 1;
	}
	if ((v = comment(line, "skip-check"))) {
		free(v);
		p->skip_check = true;
		return 1;
	}
	note *n = NULL;
	const char *kind = "predict";
	if ((v = comment(line, "predict")))
		n = &p->predict;
	else if ((v = comment(line, "answer")))
		n = &p->answer, kind = "answer";
	if (n) {
		if (!*v || n->text) {
			kit_error("%s:%zu: %s", path, i + 1, *v ? "one prediction per cell"
				  : "an empty annotation: write the question or the expression");
			free(v);
			return -1;
		}
		if (n == &p->answer && check_expr(path, i + 1, kind, v)) {
			free(v);
			return -1;
		}
		n->text = v;
		n->line = i + 1;
		return 1;
	}
	if ((v = comment(line, "choice"))) {
		size_t label;
		const char *expr = choice_expr(v, &label);
		if (!expr || !label) {
			kit_error("%s:%zu: a choice reads LABEL if EXPRESSION, e.g. <!-- choice: "
				  "slower if speedup < 0.9 -->, not '%s'", path, i + 1, v);
			free(v);
			return -1;
		}
		if (check_expr(path, i + 1, "choice", expr)) {
			free(v);
			return -1;
		}
		return add_note(path, i, "choice", p->choice, &p->nchoice, v) ? -1 : 1;
	}
	return 0;
}

/* Checks an annotation that comes after a cell: let, claim. Returns 1 when
 * LINE is one (added to C, which may be NULL: then it is an error), 0 when
 * not, -1 on a format error (reported). */
static int after_note(const lesson *l, size_t i, cell *c)
{
	const char *line = l->t.line[i], *path = l->path;
	char *v;
	bool is_let = false;
	if ((v = comment(line, "let")))
		is_let = true;
	else if (!(v = comment(line, "claim")))
		return 0;
	if (!c) {
		kit_error("%s:%zu: a %s belongs to the nearest ```sh cell above it: put it after "
			  "a cell, and before the next cell's own annotations", path, i + 1,
			  is_let ? "let" : "claim");
		free(v);
		return -1;
	}
	const char *expr = v;
	char *name = NULL, *why = NULL;
	if (is_let && nb_split_let(v, &name, &expr, &why)) {
		kit_error("%s:%zu: %s", path, i + 1, why);
		free(why);
		free(v);
		return -1;
	}
	free(name);
	if (check_expr(path, i + 1, is_let ? "let" : "claim", expr)) {
		free(v);
		return -1;
	}
	return add_note(path, i, is_let ? "let" : "claim", is_let ? c->let : c->claim,
			is_let ? &c->nlet : &c->nclaim, v) ? -1 : 1;
}

/* Whether the prediction of C is complete: a question with either an answer
 * or at least two choices. Reports what is wrong. */
static int check_predict(const char *path, const cell *c)
{
	const note *first = c->predict.text ? &c->predict : c->answer.text ? &c->answer
				: c->nchoice ? &c->choice[0] : NULL;
	if (!first)
		return 0;
	const char *why = NULL;
	if (!c->predict.text)
		why = "an answer or choice needs a <!-- predict: QUESTION --> before the cell";
	else if (c->answer.text && c->nchoice)
		why = "a prediction is a number (answer) or a choice, not both";
	else if (!c->answer.text && c->nchoice < 2)
		why = "a prediction needs <!-- answer: EXPRESSION --> (a number) or at least "
		      "two <!-- choice: LABEL if EXPRESSION --> lines";
	if (!why)
		return 0;
	kit_error("%s:%zu: %s", path, first->line, why);
	return -1;
}

/* The ```output block right after the cell closing at END, if any: sets
 * C's out_open and out_close. Returns the last line the cell uses, or
 * (size_t)-1 on an unclosed block (reported). */
static size_t output_block(const lesson *l, cell *c, size_t end)
{
	size_t k = end + 1;
	while (k < l->t.n && blank(l->t.line[k]))
		k++;
	if (k == l->t.n || !fence_len(l->t.line[k]) || !fence_is(l->t.line[k], "output"))
		return end;
	size_t ofl = fence_len(l->t.line[k]), oe = k + 1;
	while (oe < l->t.n && !closes(l->t.line[oe], ofl))
		oe++;
	if (oe == l->t.n) {
		kit_error("%s:%zu: this ```output block is never closed", l->path, k + 1);
		return (size_t)-1;
	}
	c->out_open = k;
	c->out_close = oe;
	return oe;
}

/*
 * Finds the cells of L and their annotations. A format error (an annotation
 * that belongs to no cell, a bad regular expression or claim, an unclosed
 * fence) is reported with its line and returns -1.
 */
static int parse(lesson *l)
{
	cell pending = { 0 };
	size_t pending_line = 0;	/* 1-based line of the first annotation, 0: none */
	size_t alloc = 0;
	const char *path = l->path;

	for (size_t i = 0; i < l->t.n; i++) {
		const char *line = l->t.line[i];
		int r = after_note(l, i, l->n && !pending_line ? &l->c[l->n - 1] : NULL);
		if (r < 0)
			goto fail;
		if (r)
			continue;
		if ((r = before_note(l, i, &pending)) < 0)
			goto fail;
		if (r) {
			if (!pending_line)
				pending_line = i + 1;
			continue;
		}
		if (blank(line))
			continue;
		size_t fl = fence_len(line);
		if (!fl) {
			if (pending_line) {
				kit_error("%s:%zu: the annotation on line %zu must come right before a "
					  "```sh block", path, i + 1, pending_line);
				goto fail;
			}
			continue;
		}
		/* a fenced block: find its end */
		size_t end = i + 1;
		while (end < l->t.n && !closes(l->t.line[end], fl))
			end++;
		if (end == l->t.n) {
			kit_error("%s:%zu: this ``` block is never closed", path, i + 1);
			goto fail;
		}
		if (!fence_is(line, "sh")) {
			if (pending_line) {
				kit_error("%s:%zu: the annotation on line %zu belongs to a ```sh block, "
					  "not this one", path, i + 1, pending_line);
				goto fail;
			}
			i = end;
			continue;
		}
		cell c = pending;
		memset(&pending, 0, sizeof(pending));
		pending_line = 0;
		c.fence = i;
		c.end = end;
		kit_buf code = { 0 };
		for (size_t k = i + 1; k < end; k++)
			kit_buf_add_str(&code, l->t.line[k]);
		c.code = kit_buf_take(&code);
		if (check_predict(path, &c) || (end = output_block(l, &c, end)) == (size_t)-1) {
			free_cell(&c);
			goto fail;
		}
		if (l->n == alloc) {
			alloc = alloc ? 2 * alloc : 16;
			l->c = kit_xrealloc(l->c, alloc * sizeof(*l->c));
		}
		l->c[l->n++] = c;
		i = end;
	}
	if (pending_line) {
		kit_error("%s:%zu: an annotation at the end of the lesson, with no ```sh block after it",
			  path, pending_line);
		goto fail;
	}
	return 0;
fail:
	free_cell(&pending);
	return -1;
}

/*
 * What a terminal would show of RAW: for each line the text after its last
 * carriage return (progress bars redraw), colour codes removed, trailing
 * spaces and trailing blank lines dropped.
 */
static char *clean(const char *raw)
{
	kit_buf out = { 0 };
	const char *p = raw;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		/* the part after the last \r that is not at the very end */
		size_t start = 0, stop = len;
		while (stop > 0 && p[stop - 1] == '\r')
			stop--;
		for (size_t k = 0; k < stop; k++)
			if (p[k] == '\r')
				start = k + 1;
		kit_buf line = { 0 };
		for (size_t k = start; k < stop; k++) {
			if (p[k] == '\x1b' && k + 1 < stop && p[k + 1] == '[') {
				k += 2;
				while (k < stop && !(p[k] >= 0x40 && p[k] <= 0x7e))
					k++;
				continue;
			}
			kit_buf_add(&line, p + k, 1);
		}
		char *s = kit_buf_take(&line);
		size_t n = strlen(s);
		while (n && isspace((unsigned char)s[n - 1]))
			n--;
		kit_buf_add(&out, s, n);
		kit_buf_add(&out, "\n", 1);
		free(s);
		p += len + (nl ? 1 : 0);
	}
	char *s = kit_buf_take(&out);
	size_t n = strlen(s);
	while (n && s[n - 1] == '\n')
		n--;
	s[n] = '\0';
	return s;
}

/* Lines of S; a final newline ends the last line, it starts no new one. */
static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (*s == '\n' || !s[1])
			n++;
	return n;
}

/* Line I (0-based) of S, as a pointer and a length. */
static const char *nth_line(const char *s, size_t i, size_t *len)
{
	while (i-- && s)
		if ((s = strchr(s, '\n')))
			s++;
	if (!s)
		return *len = 0, "";
	const char *nl = strchr(s, '\n');
	*len = nl ? (size_t)(nl - s) : strlen(s);
	return s;
}

/* Appends line LINE (LEN bytes) to B, cut to MAX_WIDTH characters. */
static void add_line(kit_buf *b, const char *line, size_t len)
{
	size_t chars = 0, k = 0;
	for (; k < len; k++) {
		if (((unsigned char)line[k] & 0xc0) != 0x80 && ++chars > MAX_WIDTH)
			break;
	}
	kit_buf_add(b, line, k);
	if (k < len)
		kit_buf_add_str(b, " …");
	kit_buf_add_str(b, "\n");
}

/* OUTPUT as the lesson shows it: at most KEEP_HEAD + KEEP_TAIL lines, with a
 * "…" line saying what was cut. */
static char *trimmed(const char *output)
{
	kit_buf b = { 0 };
	size_t n = count_lines(output), len;
	for (size_t i = 0; i < n; i++) {
		if (n > KEEP_HEAD + KEEP_TAIL + 1 && i == KEEP_HEAD) {
			char *note = kit_xasprintf("… (%zu lines cut)\n", n - KEEP_HEAD - KEEP_TAIL);
			kit_buf_add_str(&b, note);
			free(note);
			i = n - KEEP_TAIL;
		}
		const char *s = nth_line(output, i, &len);
		add_line(&b, s, len);
	}
	return kit_buf_take(&b);
}

/* MAX lines of S, the first ones or (LAST) the last ones, indented, for messages. */
static void show_lines(FILE *out, const char *s, size_t max, bool last)
{
	size_t n = count_lines(s), len;
	if (!n) {
		fprintf(out, "    (no output)\n");
		return;
	}
	size_t from = last && n > max ? n - max : 0;
	if (from)
		fprintf(out, "    | … (%zu lines before)\n", from);
	for (size_t i = from; i < n && i < from + max; i++) {
		const char *l = nth_line(s, i, &len);
		fprintf(out, "    | %.*s\n", (int)(len > 200 ? 200 : len), l);
	}
	if (n > from + max)
		fprintf(out, "    | … (%zu more lines)\n", n - from - max);
}

/* Adds "; " and the formatted text to the reasons WHY. */
static void add_why(kit_buf *why, const char *fmt, ...) KIT_PRINTF(2, 3);
static void add_why(kit_buf *why, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (why->len)
		kit_buf_add_str(why, "; ");
	kit_buf_vprintf(why, fmt, ap);
	va_end(ap);
}

/* Evaluates EXPR on C's output; on error adds a reason to WHY. Returns 0 or -1. */
static int eval_note(lesson *l, const cell *c, const char *expr, size_t line, double *v,
		     char **seen, kit_buf *why)
{
	char *err;
	if (!nb_eval(expr, c->output, &l->names, v, seen, &err))
		return 0;
	add_why(why, "line %zu: cannot read '%s': %s", line, expr, err);
	free(err);
	return -1;
}

/*
 * Whether the machine is so busy that no timing means anything: the 1-minute
 * load average above OVERLOAD_PER_CPU times the logical CPUs plus the
 * OVERLOAD_OWN threads a cell may run itself, or above KIT_NOTEBOOK_MAX_LOAD
 * when that is set (a machine whose other load runs at a lower priority than
 * the lesson, e.g. under nice). A 2-CPU CI runner at work stays well below
 * the default; a machine running a dozen other jobs does not.
 */
#define OVERLOAD_PER_CPU 2.0
#define OVERLOAD_OWN 2.0
static bool overloaded(void)
{
	double load[1], max;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (getloadavg(load, 1) != 1 || cpus < 1)
		return false;
	max = OVERLOAD_PER_CPU * (double)cpus + OVERLOAD_OWN;
	const char *env = getenv("KIT_NOTEBOOK_MAX_LOAD");
	char *end;
	if (env && *env) {
		double v = strtod(env, &end);
		if (!*end && v > 0)
			max = v;
	}
	return load[0] > max;
}

/* The lets (names set), the claims and the prediction's answer of C, after it
 * ran: a claim that is false or cannot be read, or a prediction whose choices
 * do not single out one answer, fails the cell. The name `overloaded` is set
 * first, for claims on timings to say `overloaded or ...`. */
static void judge_claims(lesson *l, cell *c, kit_buf *why)
{
	kit_buf checked = { 0 };
	double v;
	char *seen;
	bool busy = overloaded();
	nb_names_set(&l->names, "overloaded", busy);
	for (size_t i = 0; busy && l->recording && i < c->nclaim; i++)
		if (strstr(c->claim[i].text, "overloaded")) {
			double load[1] = { 0 };
			getloadavg(load, 1);
			add_why(why, "the machine is too busy to record timings (load average %.1f on "
				"%ld CPUs): its claims on them would not be judged; run --update on a "
				"quieter machine", load[0], sysconf(_SC_NPROCESSORS_ONLN));
			break;
		}
	for (size_t i = 0; i < c->nlet; i++) {
		char *name, *err;
		const char *expr;
		if (nb_split_let(c->let[i].text, &name, &expr, &err)) {
			free(err);	/* parse() split it once already */
			continue;
		}
		if (!eval_note(l, c, expr, c->let[i].line, &v, &seen, why)) {
			nb_names_set(&l->names, name, v);
			kit_buf_printf(&checked, "  let %s = %.10g\n", name, v);
		}
		free(seen);
		free(name);
	}
	for (size_t i = 0; i < c->nclaim; i++) {
		const note *n = &c->claim[i];
		if (!eval_note(l, c, n->text, n->line, &v, &seen, why)) {
			kit_buf_printf(&checked, "  %s claim: %s%s%s%s\n", v ? "✓" : "✗", n->text,
				       *seen ? "  (" : "", seen, *seen ? ")" : "");
			if (!v)
				add_why(why, "line %zu: the claim %s is false here (%s)", n->line,
					n->text, seen);
		}
		free(seen);
	}
	if (c->answer.text &&
	    !eval_note(l, c, c->answer.text, c->answer.line, &c->actual, &seen, why))
		c->has_actual = true;
	if (c->answer.text)
		free(seen);
	size_t holds = 0;
	for (size_t i = 0; i < c->nchoice; i++) {
		size_t label;
		const char *expr = choice_expr(c->choice[i].text, &label);
		if (!eval_note(l, c, expr, c->choice[i].line, &v, &seen, why) && v) {
			holds++;
			c->actual_choice = i;
		}
		free(seen);
	}
	if (c->nchoice && holds == 1)
		c->has_actual = true;
	else if (c->nchoice)
		add_why(why, "line %zu: %s of the prediction's choices hold%s here: they must "
			"single out one", c->predict.line, holds ? "several" : "none",
			holds ? "" : "s");
	c->checked = kit_buf_take(&checked);
}

/* Judges C after it ran with exit status 0: its expect patterns, then its
 * claims. Sets failed and why. */
static void judge(lesson *l, cell *c)
{
	kit_buf why = { 0 };
	for (size_t i = 0; i < c->nexpect; i++) {
		regex_t re;
		if (regcomp(&re, c->expect[i], REG_EXTENDED | REG_NEWLINE | REG_NOSUB))
			continue;	/* parse() compiled it once already */
		if (regexec(&re, c->output, 0, NULL, 0))
			add_why(&why, "expected /%s/ (line %zu) in the output", c->expect[i],
				c->expect_line[i]);
		regfree(&re);
	}
	if (!why.len)
		judge_claims(l, c, &why);
	if (why.len) {
		c->failed = true;
		c->why = kit_buf_take(&why);
	}
}

/* Runs cell C; sets its output and verdict. */
static void run_cell(lesson *l, cell *c, double timeout)
{
	/* stderr into stdout on the same line as the cell's first, so bash's
	 * "line N" messages count the cell's own lines */
	char *script = kit_xasprintf("exec 2>&1; %s", c->code);
	char *argv[] = { (char *)"bash", (char *)"-e", (char *)"-o", (char *)"pipefail",
			 (char *)"-c", script, NULL };
	char *root_env = kit_xasprintf("KIT_ROOT=%s", kit_root());
	const char *env[] = { root_env, NULL };
	kit_proc_opts o = { .timeout = timeout, .setenv = env, .cwd = kit_root(),
			    .capture = true, .capture_limit = 4u << 20 };
	kit_proc_result r;
	c->ran = true;
	if (kit_proc_run(argv, &o, &r)) {
		c->failed = c->bad_exit = true;
		c->output = kit_xstrdup("");
		c->why = kit_xstrdup("bash could not start");
		goto out;
	}
	kit_buf all = { 0 };
	kit_buf_add_str(&all, r.out ? r.out : "");
	kit_buf_add_str(&all, r.err ? r.err : "");
	char *raw = kit_buf_take(&all);
	c->output = clean(raw);
	free(raw);
	if (r.timed_out || r.signal || r.exit_code) {
		c->failed = c->bad_exit = true;
		c->why = kit_xasprintf("%s%s", kit_proc_describe(&r),
				 r.timed_out ? " (raise it with --timeout S)" : "");
	} else
		judge(l, c);
	kit_proc_result_free(&r);
out:
	free(root_env);
	free(script);
}

/* The lesson file for ARG: a path to a .md file, or a number NN. */
static char *find_lesson(const char *arg)
{
	if (strchr(arg, '/') || strstr(arg, ".md")) {
		if (access(arg, R_OK)) {
			kit_error("cannot read lesson '%s': %s", arg, strerror(errno));
			return NULL;
		}
		return kit_xstrdup(arg);
	}
	char *end;
	long nn = strtol(arg, &end, 10);
	if (*end || end == arg || nn < 0 || nn > 99) {
		kit_error("lesson must be a number such as 01 or a path to a .md file, not '%s'", arg);
		return NULL;
	}
	char *dir = kit_xasprintf("%s/notebooks-md", kit_root());
	char prefix[8];
	snprintf(prefix, sizeof(prefix), "%02ld-", nn);
	char *found = NULL;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, prefix, 3) && strstr(e->d_name, ".md") &&
		    !strstr(e->d_name, ".tmp."))
			found = kit_xasprintf("%s/%s", dir, e->d_name);
	if (d)
		closedir(d);
	if (!found)
		kit_error("no lesson %02ld in %s; the lessons are listed in notebooks-md/README.md",
			  nn, dir);
	free(dir);
	return found;
}

/* Rewrites L's output blocks with the cells' output. Returns 0 or -1. */
static int update(const lesson *l, size_t *changed)
{
	kit_atomic a;
	*changed = 0;
	if (kit_atomic_open(&a, l->path))
		return -1;
	size_t next = 0;	/* next line of the old text to copy */
	for (size_t i = 0; i < l->n; i++) {
		const cell *c = &l->c[i];
		for (; next <= c->end; next++)
			fputs(l->t.line[next], a.f);
		char *body = trimmed(c->output);
		/* a fence longer than any run of backticks that opens a line of it */
		size_t fl = 3;
		for (const char *p = body; *p; p = strchr(p, '\n') + 1) {
			if (fence_len(p) >= fl)
				fl = fence_len(p) + 1;
			if (!strchr(p, '\n'))
				break;
		}
		kit_buf block = { 0 };
		for (size_t k = 0; k < fl; k++)
			kit_buf_add_str(&block, "`");
		kit_buf_add_str(&block, "output\n");
		kit_buf_add_str(&block, body);
		for (size_t k = 0; k < fl; k++)
			kit_buf_add_str(&block, "`");
		kit_buf_add_str(&block, "\n");
		char *nb = kit_buf_take(&block);
		if (c->out_open) {
			kit_buf old = { 0 };
			for (size_t k = c->out_open; k <= c->out_close; k++)
				kit_buf_add_str(&old, l->t.line[k]);
			char *ob = kit_buf_take(&old);
			*changed += strcmp(ob, nb) != 0;
			free(ob);
			for (; next < c->out_open; next++)	/* the blank lines between */
				fputs(l->t.line[next], a.f);
			next = c->out_close + 1;
		} else {
			fputs("\n", a.f);
			(*changed)++;
		}
		fputs(nb, a.f);
		free(nb);
		free(body);
	}
	for (; next < l->t.n; next++)
		fputs(l->t.line[next], a.f);
	if (!*changed) {
		kit_atomic_abort(&a);
		return 0;
	}
	return kit_atomic_commit(&a);
}

/* ---- --predict: ask before the cell, show both after it ---- */

#define PIPE_WAIT_MS 2000	/* how long a --predict without a terminal waits for a line */
#define ASK_TRIES 3		/* answers a terminal may get wrong before the cell runs */

typedef struct asker {
	bool tty;		/* stdin is a terminal: wait for the student */
	bool ended;		/* stdin ended (or never came): ask no more */
} asker;

typedef struct prediction {
	bool given;
	double number;
	size_t choice;
	char *text;		/* what the student typed, malloc'd */
} prediction;

/* A line from stdin without its newline (malloc'd), or NULL when there is
 * none: at the end of the input or, without a terminal, when nothing comes
 * within PIPE_WAIT_MS, so that a run under a script never blocks. */
static char *read_answer(asker *a)
{
	if (a->ended)
		return NULL;
	if (!a->tty) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		if (poll(&p, 1, PIPE_WAIT_MS) <= 0) {
			a->ended = true;
			return NULL;
		}
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);
	if (n < 0) {
		free(line);
		a->ended = true;
		return NULL;
	}
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
		line[--n] = '\0';
	return line;
}

/* TEXT as the number or choice C asks for; false when it is neither. */
static bool understand(const cell *c, const char *text, prediction *p)
{
	while (*text == ' ')
		text++;
	if (!c->nchoice) {
		char *end;
		p->number = strtod(text, &end);
		while (*end == ' ' || *end == 'x' || *end == 'X')
			end++;
		return end != text && !*end && isfinite(p->number);
	}
	size_t n = strlen(text), found = 0, which = 0;
	if (n == 1 && tolower((unsigned char)*text) >= 'a' &&
	    (size_t)(tolower((unsigned char)*text) - 'a') < c->nchoice) {
		p->choice = (size_t)(tolower((unsigned char)*text) - 'a');
		return true;
	}
	for (size_t i = 0; n && i < c->nchoice; i++)
		if (!strncasecmp(c->choice[i].text, text, n))
			found++, which = i;
	p->choice = which;
	return found == 1;
}

/* Asks the question of C and reads the student's prediction into P. */
static void ask(asker *a, const cell *c, prediction *p)
{
	memset(p, 0, sizeof(*p));
	printf("\n? %s\n", c->predict.text);
	for (size_t i = 0; i < c->nchoice; i++) {
		size_t label;
		choice_expr(c->choice[i].text, &label);
		printf("    %c) %.*s\n", (int)('a' + i), (int)label, c->choice[i].text);
	}
	for (int tries = 0; tries < ASK_TRIES && !a->ended; tries++) {
		printf("  your prediction (%s; Enter to skip): ",
		       c->nchoice ? "a letter" : "a number");
		fflush(stdout);
		char *line = read_answer(a);
		if (!a->tty)
			printf("%s\n", line ? line : "(none: no terminal and no input)");
		if (!line || !*line) {
			free(line);
			return;
		}
		if (understand(c, line, p)) {
			p->given = true;
			p->text = line;
			return;
		}
		printf("  '%s' is not %s\n", line, c->nchoice ? "one of the letters above"
		       : "a number (e.g. 1.5)");
		free(line);
		if (!a->tty)
			return;
	}
}

/* Shows the prediction P beside what cell C measured. */
static void show_prediction(const cell *c, const prediction *p)
{
	char yours[160] = "(none)", measured[160] = "(not measured: the cell failed)";
	size_t label;
	if (c->nchoice) {
		if (p->given) {
			choice_expr(c->choice[p->choice].text, &label);
			snprintf(yours, sizeof(yours), "%c) %.*s", (int)('a' + p->choice), (int)label,
				 c->choice[p->choice].text);
		}
		if (c->has_actual) {
			choice_expr(c->choice[c->actual_choice].text, &label);
			snprintf(measured, sizeof(measured), "%c) %.*s",
				 (int)('a' + c->actual_choice), (int)label,
				 c->choice[c->actual_choice].text);
		}
	} else {
		if (p->given)
			snprintf(yours, sizeof(yours), "%g", p->number);
		if (c->has_actual)
			snprintf(measured, sizeof(measured), "%.3g", c->actual);
	}
	printf("  %-28s %s\n  %-28s %s\n", "you predicted", yours, "the run measured", measured);
	if (!p->given || !c->has_actual)
		return;
	if (c->nchoice)
		printf("  %s\n", p->choice == c->actual_choice ? "✓ as you predicted"
		       : "✗ not what you predicted: the text after this cell says why");
	else if (p->number != 0 && c->actual / p->number > 0)
		printf("  measured / predicted = %.2f%s\n", c->actual / p->number,
		       fabs(log(c->actual / p->number)) < log(1.25) ? ": close" : "");
}

/* ---- the command ---- */

typedef struct options {
	const char *which;
	bool check, update, predict;
	double timeout;
} options;

static void usage(FILE *out)
{
	fputs("usage: ./kit notebook NN [--predict | --check | --update] [--timeout S]\n"
	      "  Runs the ```sh cells of lesson notebooks-md/NN-*.md (or a .md path) in the\n"
	      "  kit's folder, one bash each, and shows each command with its output and\n"
	      "  the lesson's claims about it, checked against the numbers it printed.\n"
	      "  --predict     before each cell that asks, ask what you expect (a number or\n"
	      "                a choice), then run it and show yours beside the measured\n"
	      "                answer; without a terminal, reads answers from standard\n"
	      "                input and never waits for one\n"
	      "  --check       run silently; exit 1 naming each cell that failed, whose\n"
	      "                <!-- expect: REGEX --> did not match or whose\n"
	      "                <!-- claim: ... --> is false (what ./kit test does)\n"
	      "  --update      rewrite the lesson's ```output blocks with the real output\n"
	      "                (only when every cell passed)\n"
	      "  --timeout S   seconds a cell may take (default 120)\n"
	      "  The format is described in notebooks-md/README.md.\n"
	      "examples:\n"
	      "  ./kit notebook 01\n"
	      "  ./kit notebook 01 --predict\n"
	      "  ./kit notebook 01 --check\n"
	      "  ./kit notebook 01 --update\n",
	      out);
}

/* Reads the command line into O. Returns -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, options *o)
{
	*o = (options){ .timeout = DEFAULT_TIMEOUT };
	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			usage(stdout);
			return KIT_EXIT_OK;
		} else if (!strcmp(argv[i], "--check"))
			o->check = true;
		else if (!strcmp(argv[i], "--update"))
			o->update = true;
		else if (!strcmp(argv[i], "--predict"))
			o->predict = true;
		else if (!strcmp(argv[i], "--timeout")) {
			if (++i == argc) {
				kit_error("--timeout needs a number of seconds, e.g. --timeout 60");
				return KIT_EXIT_USAGE;
			}
			if (kit_parse_double(argv[i], "--timeout", 0.1, 86400, &o->timeout))
				return KIT_EXIT_USAGE;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			kit_error("unknown option '%s' for ./kit notebook (see ./kit notebook --help)",
				  argv[i]);
			return KIT_EXIT_USAGE;
		} else if (o->which) {
			kit_error("one lesson at a time: '%s' and '%s'", o->which, argv[i]);
			return KIT_EXIT_USAGE;
		} else
			o->which = argv[i];
	}
	if (!o->which) {
		kit_error("which lesson? e.g. ./kit notebook 01 (see ./kit notebook --help)");
		return KIT_EXIT_USAGE;
	}
	if (o->check + o->update + o->predict > 1) {
		kit_error("--check, --update and --predict do not go together: pick one");
		return KIT_EXIT_USAGE;
	}
	return -1;
}

/* Prints cell I of L as a reader sees it before it runs: its number and command. */
static void show_head(const lesson *l, size_t i)
{
	const cell *c = &l->c[i];
	printf("\n── cell %zu/%zu (line %zu) ──\n", i + 1, l->n, c->fence + 1);
	size_t n = count_lines(c->code), len;
	for (size_t k = 0; k < n; k++) {
		const char *s = nth_line(c->code, k, &len);
		if (len || k + 1 < n)
			printf("%s %.*s\n", k ? " " : "$", (int)len, s);
	}
	fflush(stdout);
}

/* Tells, on stderr, why cell I of lesson NAME failed (--check, --update). */
static void report_failure(const char *name, const cell *c, size_t i)
{
	size_t len;
	const char *first = nth_line(c->code, 0, &len);
	fprintf(stderr, "%s:%zu: cell %zu failed: %s\n", name, c->fence + 1, i + 1, c->why);
	fprintf(stderr, "  command: %.*s%s\n", (int)len, first,
		count_lines(c->code) > 1 ? " …" : "");
	if (c->nexpect) {
		fprintf(stderr, "  expected (every one must match somewhere):\n");
		for (size_t k = 0; k < c->nexpect; k++)
			fprintf(stderr, "    /%s/\n", c->expect[k]);
	}
	if (c->checked && *c->checked)
		fprintf(stderr, "  claims and numbers read:\n%s", c->checked);
	/* a failed command says why at the end; a pattern is compared with
	 * the whole output */
	fprintf(stderr, "  seen (%s lines):\n", c->bad_exit ? "last" : "first");
	show_lines(stderr, c->output, SHOWN_LINES, c->bad_exit);
}

/* Runs every cell of L as O says; returns how many failed, and in SKIPPED
 * how many --check left out. */
static size_t run_all(lesson *l, const options *o, const char *name, size_t *skipped)
{
	bool show = !o->check && !o->update;
	asker a = { .tty = isatty(STDIN_FILENO) };
	size_t failed = 0;
	*skipped = 0;
	for (size_t i = 0; i < l->n; i++) {
		cell *c = &l->c[i];
		prediction p = { 0 };
		if (o->check && c->skip_check) {
			(*skipped)++;
			continue;
		}
		if (o->predict && c->predict.text)
			ask(&a, c, &p);
		if (show)
			show_head(l, i);
		else if (o->update)
			fprintf(stderr, "notebook: cell %zu/%zu (line %zu) ...\n", i + 1, l->n,
				c->fence + 1);
		double t = kit_wtime();
		run_cell(l, c, o->timeout);
		if (show) {
			if (*c->output)
				printf("%s\n", c->output);
			if (c->checked)
				fputs(c->checked, stdout);
			printf("%s %.1f s%s%s\n", c->failed ? "✗" : "✓", kit_wtime() - t,
			       c->failed ? ": " : "", c->failed ? c->why : "");
			if (o->predict && c->predict.text)
				show_prediction(c, &p);
		}
		free(p.text);
		if (c->failed) {
			failed++;
			if (!show)
				report_failure(name, c, i);
		}
	}
	return failed;
}

int cmd_notebook(int argc, char **argv)
{
	options o;
	int rc = parse_options(argc, argv, &o);
	if (rc >= 0)
		return rc;
	lesson l = { .recording = o.update };
	rc = KIT_EXIT_USAGE;
	l.path = find_lesson(o.which);
	if (!l.path || read_text(l.path, &l.t))
		goto out;
	const char *name = kit_shown_path(l.path);
	if (parse(&l))
		goto out;
	if (!l.n) {
		kit_error("%s has no ```sh cells to run", name);
		goto out;
	}

	bool show = !o.check && !o.update;
	size_t skipped;
	double t0 = kit_wtime();
	if (show)
		printf("Lesson %s: %zu cells, run in %s\n", name, l.n, kit_root());
	size_t failed = run_all(&l, &o, name, &skipped);
	double total = kit_wtime() - t0;
	size_t ran = l.n - skipped;
	rc = failed ? KIT_EXIT_INVALID : KIT_EXIT_OK;
	if (show) {
		printf("\n%s: %zu cells, %zu passed, %zu failed, in %.1f s\n", name, l.n,
		       ran - failed, failed, total);
		for (size_t i = 0; i < l.n; i++)
			if (l.c[i].failed)
				printf("  line %zu: %s\n", l.c[i].fence + 1, l.c[i].why);
	} else if (o.check) {
		char note[64] = "";
		if (skipped)
			snprintf(note, sizeof(note), " (%zu skip-check cell%s not run)", skipped,
				 skipped == 1 ? "" : "s");
		printf("%s: %s: %zu of %zu cells passed%s, %.1f s\n", name,
		       failed ? "FAIL" : "PASS", ran - failed, ran, note, total);
	} else if (failed) {
		fprintf(stderr, "notebook: %s not updated: %zu cell%s failed (above); fix them "
			"first so the lesson never shows a broken run\n", name, failed,
			failed == 1 ? "" : "s");
	} else {
		size_t changed;
		if (update(&l, &changed))
			rc = KIT_EXIT_USAGE;
		else
			printf("%s: %zu cells passed in %.1f s; %zu output block%s rewritten\n",
			       name, l.n, total, changed, changed == 1 ? "" : "s");
	}
out:
	for (size_t i = 0; i < l.n; i++)
		free_cell(&l.c[i]);
	free(l.c);
	for (size_t i = 0; i < l.t.n; i++)
		free(l.t.line[i]);
	free(l.t.line);
	nb_names_free(&l.names);
	free(l.path);
	return rc;
}
