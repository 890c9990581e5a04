/*
 * opt.h - command-line options described as data: one table per program,
 * from which parsing, --help, "unknown option" with a did-you-mean and the
 * value checks all come (after git's parse-options).
 *
 *   static bool quiet;
 *   static uint64_t n = 1000000;
 *   static const kit_opt opts[] = {
 *           KIT_OPT_U64('n', NULL, &n, "N", "samples (1e6, 5M work)", 1, 1e13),
 *           KIT_OPT_BOOL('q', "quiet", &quiet, "only the table"),
 *           KIT_OPT_END,
 *   };
 *   const kit_opt *tables[] = { opts, NULL };
 *   kit_opt_prog p = { .name = "pi", .tables = tables, .about = "..." };
 *   int rc = kit_opt_parse(&p, argc, argv);   // 0, KIT_OPT_HELP or -1
 *
 * Accepted forms: -n N, -nN, --threads LIST, --threads=LIST, --quiet. "--"
 * ends the options. A program takes no other arguments unless it sets
 * kit_opt_prog.operands (then they are collected in order).
 *
 * Errors are one line on stderr, "PROG: error: ..." (kit_error), naming the
 * option and saying what to do, e.g.
 *   pi: error: unknown option '--tread'; did you mean '--threads'? (pi --help lists them)
 *   pi: error: -n must be a whole number from 1 to 10000000000000, not 'abc'
 */
#ifndef KIT_OPT_H
#define KIT_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum kit_opt_kind {
	KIT_OPT_KIND_END,	/* ends a table */
	KIT_OPT_KIND_GROUP,	/* a heading in --help, HELP its text; parses nothing */
	KIT_OPT_KIND_BOOL,	/* bool *: set true; takes no value */
	KIT_OPT_KIND_INT,	/* int *: a whole number in [LO, HI] */
	KIT_OPT_KIND_U64,	/* uint64_t *: a whole number in [LO, HI]; 1e6, 5M, 2G */
	KIT_OPT_KIND_DOUBLE,	/* double *: a finite number in [FLO, FHI] */
	KIT_OPT_KIND_STRING,	/* const char **: the argument itself (not copied) */
	KIT_OPT_KIND_COUNTS,	/* kit_opt_counts *: "1,2,4", "1-8", cores, cpus, 2cpus */
	KIT_OPT_KIND_CHOICE,	/* int *: the index of the value in CHOICES */
} kit_opt_kind;

/* The target of a COUNTS option: a malloc'd list (kit_opt_counts_free). A
 * repeated option replaces the earlier list. */
typedef struct kit_opt_counts {
	int *v;
	size_t n;
} kit_opt_counts;

typedef struct kit_opt {
	char short_name;	/* 'n' for -n, or 0 */
	const char *long_name;	/* "threads" for --threads (no dashes), or NULL */
	kit_opt_kind kind;
	void *target;		/* see kit_opt_kind; NULL: parsed and checked only */
	const char *value_name;	/* "N", "LIST" in --help; NULL for BOOL */
	const char *help;	/* one or more lines ('\n' breaks them) */
	uint64_t lo, hi;	/* INT, U64, COUNTS: the allowed range */
	double flo, fhi;	/* DOUBLE: the allowed range */
	const char *const *choices;	/* CHOICE: NULL-terminated names */
	bool *seen;		/* set true when the option is given; may be NULL */
} kit_opt;

/* Table entries. HELP strings are shown as written, after the option. */
#define KIT_OPT_END { .kind = KIT_OPT_KIND_END }
#define KIT_OPT_GROUP(h) { .kind = KIT_OPT_KIND_GROUP, .help = (h) }
#define KIT_OPT_BOOL(s, l, t, h) \
	{ (s), (l), KIT_OPT_KIND_BOOL, (t), NULL, (h), 0, 0, 0, 0, NULL, NULL }
#define KIT_OPT_INT(s, l, t, v, h, lo_, hi_) \
	{ (s), (l), KIT_OPT_KIND_INT, (t), (v), (h), (lo_), (hi_), 0, 0, NULL, NULL }
#define KIT_OPT_U64(s, l, t, v, h, lo_, hi_) \
	{ (s), (l), KIT_OPT_KIND_U64, (t), (v), (h), (lo_), (hi_), 0, 0, NULL, NULL }
#define KIT_OPT_DOUBLE(s, l, t, v, h, lo_, hi_) \
	{ (s), (l), KIT_OPT_KIND_DOUBLE, (t), (v), (h), 0, 0, (lo_), (hi_), NULL, NULL }
#define KIT_OPT_STRING(s, l, t, v, h) \
	{ (s), (l), KIT_OPT_KIND_STRING, (t), (v), (h), 0, 0, 0, 0, NULL, NULL }
#define KIT_OPT_COUNTS(s, l, t, v, h, lo_, hi_) \
	{ (s), (l), KIT_OPT_KIND_COUNTS, (t), (v), (h), (lo_), (hi_), 0, 0, NULL, NULL }
#define KIT_OPT_CHOICE(s, l, t, v, h, c) \
	{ (s), (l), KIT_OPT_KIND_CHOICE, (t), (v), (h), 0, 0, 0, 0, (c), NULL }

/* A program: its name, the text of --help, and its tables. */
typedef struct kit_opt_prog {
	const char *name;		/* "pi": messages and the usage line */
	const char *usage;		/* lines after "usage: ", e.g. "pi [options]\n"
					 * "pi --kernel K --emit DIR"; NULL: "NAME [options]" */
	const char *about;		/* paragraph(s) after the usage lines, or NULL */
	const kit_opt *const *tables;	/* NULL-terminated list of tables, each
					 * ended by KIT_OPT_END; shown in order */
	const char *examples;		/* lines under "examples:", or NULL */
	const char **operands;		/* NULL: no operands allowed; else filled with
					 * the operands in order, NULL-terminated (the
					 * caller gives room for argc pointers) */
} kit_opt_prog;

/* kit_opt_parse's return when -h or --help was given (help printed). */
#define KIT_OPT_HELP 1

/*
 * Parses ARGV[1..ARGC-1] against P's tables, setting each option's target
 * (and *seen) in the order given; a later value replaces an earlier one.
 * -h and --help print kit_opt_help(P, stdout) and return KIT_OPT_HELP at
 * once. Returns 0 when every argument was understood; -1 after ONE line on
 * stderr naming the option: unknown (with the nearest known name when one is
 * close), a missing value, a value given to a BOOL, or a value out of range
 * or of the wrong form (the range is stated). Targets set before the error
 * keep their values.
 */
int kit_opt_parse(const kit_opt_prog *p, int argc, char **argv);

/* Prints P's help to OUT: the usage line(s), ABOUT, every table (GROUP
 * headings, "  -n N, --name N   help", the default noted by the caller in
 * HELP), the examples. Cannot fail. */
void kit_opt_help(const kit_opt_prog *p, FILE *out);

/* The option of P's tables named NAME ("--threads", "-n" or "threads"), or
 * NULL. For callers that check combinations after parsing. */
const kit_opt *kit_opt_find(const kit_opt_prog *p, const char *name);

/* Frees C's list and leaves it empty; NULL is allowed. */
void kit_opt_counts_free(kit_opt_counts *c);

/* Levenshtein distance of A and B (case-sensitive), capped at 100: the
 * measure of the did-you-mean suggestions. Cannot fail. */
int kit_opt_distance(const char *a, const char *b);

#endif /* KIT_OPT_H */
