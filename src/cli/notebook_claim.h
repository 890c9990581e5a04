/*
 * notebook_claim.h - the small language in which a lesson states what a
 * cell's output shows (./kit notebook; notebooks-md/README.md documents it
 * for authors).
 *
 * An expression reads numbers out of the output and compares them:
 *
 *   /REGEX/          the number captured by REGEX's first (group), or its
 *                    whole match, in the first place it matches (POSIX
 *                    extended; ^ and $ match at lines; write \/ for a /).
 *                    Commas in the number are ignored: 1,749,958.
 *   NAME             a number an earlier <!-- let: NAME = EXPR --> named
 *   1.2, 3e-4        numbers
 *   + - * / ( )      arithmetic
 *   < <= > >= == !=  comparisons, 1 when true and 0 when false; they chain:
 *                    0.8 < x < 1.2 is 0.8 < x and x < 1.2
 *   and or not       logic (non-zero is true)
 *   F(ARGS)          count sum min max same distinct first last abs: an
 *                    argument that is a bare /REGEX/ stands for every place
 *                    it matches, in order (count(/^ok/) counts lines);
 *                    same(...) is 1 when there are at least two values and
 *                    all are equal, distinct(...) the number of different
 *                    values
 *
 * A claim holds when its expression is non-zero.
 */
#ifndef KIT_NOTEBOOK_CLAIM_H
#define KIT_NOTEBOOK_CLAIM_H

#include <stddef.h>

/* Named numbers, shared by all the cells of one lesson. Start with
 * nb_names n = { 0 }; free with nb_names_free. */
typedef struct nb_names {
	char **name;
	double *value;
	size_t n;
} nb_names;

/* Sets NAME (copied) to V, replacing an earlier value. Cannot fail. */
void nb_names_set(nb_names *names, const char *name, double v);
/* Frees every name; leaves NAMES empty. */
void nb_names_free(nb_names *names);

/*
 * Checks that EXPR is well formed (its regular expressions compile, its
 * parentheses close, its functions exist), without output or names.
 * Returns 0, or -1 with *WHY set to what is wrong (malloc'd).
 */
int nb_syntax(const char *expr, char **why);

/*
 * Evaluates EXPR against OUTPUT (a cell's output) and NAMES. Returns 0 with
 * *VALUE set, or -1 with *WHY (malloc'd) when it cannot be evaluated: a
 * regular expression that matches nowhere, a capture that is not a number, a
 * name never set, a division by zero. Either way *SEEN (malloc'd, may be "")
 * lists what the operands read, "name = 1.39, /re/ = 0.16", for messages.
 */
int nb_eval(const char *expr, const char *output, const nb_names *names, double *value,
	    char **seen, char **why);

/*
 * Splits "NAME = EXPR" (a let annotation) into its name (malloc'd) and a
 * pointer to EXPR inside LET. Returns 0, or -1 with *WHY (malloc'd).
 */
int nb_split_let(const char *let, char **name, const char **expr, char **why);

#endif
