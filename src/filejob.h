/*
 * filejob.h - a job over files, each input giving one output: which inputs
 * (files, folders of them), which outputs, which are refused, which are done
 * already, and scratch folders for checks.
 *
 *   size_t n;
 *   char **in = kit_files_expand(argv, argc, ".wav", "-transformed.wav", "WAV", 10000, &n);
 *   kit_fileplan pl;
 *   kit_fileplan_make(&pl, in, n, &(kit_fileplan_rule){ .suffix = ".wav",
 *                     .out_suffix = "-transformed.wav", .done = my_done });
 *   for (size_t k = 0; k < pl.ntodo; k++)
 *           transform(pl.in[pl.todo[k]], pl.out[pl.todo[k]]);
 *   kit_fileplan_free(&pl);
 *   kit_files_free(in, n);
 *
 * Outputs are written atomically (kit_atomic_open: NAME.tmp.XXXXXX renamed
 * over NAME when complete), so an output that is there is whole; whether it
 * is right is the DONE callback's to say. Messages name files through
 * kit_printable (safeio.h): one line each, whatever the names hold.
 */
#ifndef KIT_FILEJOB_H
#define KIT_FILEJOB_H

#include <stdbool.h>
#include <stddef.h>

/* Whether S ends with SUFFIX, ignoring case. */
bool kit_ends_with_ci(const char *s, const char *suffix);

/*
 * Expands the NARGS paths of ARGS into a list of files: a folder gives its
 * files named *SUFFIX (case ignored), sorted, leaving out *EXCLUDE (may be
 * NULL), with a warning when it has none; any other path is kept as it is,
 * even a missing one named *SUFFIX (the job reports it). A missing path not
 * named so is an error ("'x': no such file or folder; give KIND files or
 * folders of them"), as are more than MAX files. Returns the list (count in
 * *N; release with kit_files_free), or NULL after a message.
 */
char **kit_files_expand(char *const *args, size_t nargs, const char *suffix,
			const char *exclude, const char *kind, size_t max, size_t *n);

/* Frees LIST's N strings and LIST. LIST may be NULL. */
void kit_files_free(char **list, size_t n);

/* Removes PATH.tmp.XXXXXX beside PATH: what a killed atomic write leaves.
 * Returns how many were removed. Cannot fail. */
int kit_atomic_remove_temps(const char *path);

/* Makes a fresh folder PREFIX-XXXXXX in $TMPDIR (or /tmp) into DIR. 0, or
 * -1 after a message saying to set TMPDIR. */
int kit_scratch_make(const char *prefix, char *dir, size_t len);

/* Removes DIR's files and DIR itself (one level: no subfolders). Cannot fail. */
void kit_scratch_remove(const char *dir);

/* ------------------------------------------------------------------------
 * The plan of a job
 */

enum { KIT_PLAN_WORK, KIT_PLAN_SKIP, KIT_PLAN_REFUSED };

/* How inputs become outputs. */
typedef struct kit_fileplan_rule {
	const char *suffix;	/* inputs are NAME + SUFFIX: ".wav" */
	const char *out_suffix;	/* their outputs NAME + OUT_SUFFIX: "-transformed.wav" */
	const char *dest;	/* outputs go into DEST; NULL: beside each input */
	bool keep_temps;	/* leave leftover temporary files (a check that must
				 * change nothing) */
	/* True when OUT is already IN's output (verified, not merely there);
	 * else false, with WHY saying what is wrong with it ("" when OUT is not
	 * there). NULL: every output is redone (--force). */
	bool (*done)(const char *in, const char *out, void *ctx, char *why, size_t len);
	void *ctx;
} kit_fileplan_rule;

typedef struct kit_fileplan {
	size_t n;		/* inputs */
	char **in, **out;	/* out NULL when refused before a name was made */
	int *state;		/* KIT_PLAN_WORK, _SKIP or _REFUSED */
	char **why;		/* refused: why, naming the input; to do: why an
				 * output there is redone; else NULL */
	size_t ntodo;		/* the inputs to do: in[todo[k]] */
	size_t *todo;
	long long bytes;	/* bytes of the inputs to do */
	int temps;		/* leftover temporary files removed */
} kit_fileplan;

/*
 * Plans a job over the N paths of INPUTS by RULE: each output is named from
 * its input. Refused, with a message in why[i]: an input not named *SUFFIX,
 * one named like an output (*OUT_SUFFIX), an output that would replace an
 * input (same name, or the same file through a link) or another input's
 * output. Skipped: an output RULE->done says is done. Leftover temporary
 * files of an interrupted run are removed (kit_atomic_remove_temps) unless
 * KEEP_TEMPS. Never fails (aborts when memory runs out).
 */
void kit_fileplan_make(kit_fileplan *pl, char *const *inputs, size_t n,
		       const kit_fileplan_rule *rule);

/* Frees what kit_fileplan_make allocated and zeroes PL. */
void kit_fileplan_free(kit_fileplan *pl);

#endif /* KIT_FILEJOB_H */
