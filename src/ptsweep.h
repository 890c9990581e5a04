/*
 * ptsweep.h - a processes x threads sweep: every cell (P worker processes,
 * T threads each) of a grid is timed (a few runs, the median kept), kept in
 * a results file as soon as it is measured (an interrupted sweep resumes
 * where it stopped), drawn live as a grid on a terminal; then heat maps of
 * time and of speed-up over P=1 T=1 (text and PNG) and a table of the cells.
 * Exercise 03 sweeps its pool of image workers with it.
 *
 *   kit_ptsweep w = { .ps = ps, .np = 3, .ts = ts, .nt = 2, .repeat = 3,
 *                     .path = "results/sweep.json", .schema = "my-sweep/1",
 *                     .things = "images", .what = "the whole set",
 *                     .source = "data/photos", .count = 12, .fingerprint = fp,
 *                     .run = time_once, .ctx = &job };
 *   if (kit_ptsweep_measure(&w))     // results file of other work: said why
 *           return 2;
 *   kit_ptsweep_heatmaps(&w, "the whole set", "out/sweep", stdout);
 *   kit_ptsweep_free(&w);
 *
 * What "processes" and "threads" mean is the caller's: RUN(CTX, P, T) does
 * one run of the work at that cell. Every cell's P x T above the machine's
 * logical CPUs is marked oversubscribed.
 */
#ifndef KIT_PTSWEEP_H
#define KIT_PTSWEEP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kit.h"

/* The most figures of its own the caller keeps per cell (EXTRA_NAMES). */
#define KIT_PTSWEEP_EXTRAS 4

/* One cell of the grid. */
typedef struct kit_ptsweep_cell {
	int p, t;
	bool done;		/* measured (now or by an earlier run in the file) */
	bool failed;		/* a run failed: not measured, not saved */
	bool oversub;		/* p * t above the logical CPUs */
	double median, min, max;	/* wall seconds of one run */
	double cpu;		/* CPU seconds of the waited-for children per run */
	double *samples;	/* the REPS run times, malloc'd */
	int reps;
	double extra[KIT_PTSWEEP_EXTRAS];	/* the caller's figures, mean per run */
} kit_ptsweep_cell;

typedef struct kit_ptsweep {
	/* Set by the caller. */
	const int *ps, *ts;	/* the processes and the threads of the grid */
	int np, nt;
	int repeat;		/* runs per cell (the median is kept) */
	const char *path;	/* the results file; NULL: none kept */
	bool force;		/* measure every cell again, whatever the file holds */
	bool quiet;		/* no progress and no grid on stdout */
	const char *schema;	/* the results file's "schema" ("my-sweep/1") */
	const char *things;	/* what is swept, one word: "images" (the file's key) */
	const char *what;	/* one run's work, for titles: "the whole set" */
	const char *source;	/* where the things come from, saved in the file */
	int count;		/* how many things are swept, saved */
	uint64_t fingerprint;	/* of what is swept: a file of other work is refused */
	const char *extras_key;	/* the file's object of the extras ("per_image_s") */
	const char *extra_names[KIT_PTSWEEP_EXTRAS];	/* NULL-ended within the array */
	/* One run of cell (P, T): 0, or -1 when it failed; may set EXTRA[k]
	 * (zeroed before each run) to figures of its own for the run. */
	int (*run)(void *ctx, int p, int t, double *extra);
	/* Why the last run failed, for the error line. */
	const char *(*why)(void *ctx);
	/* Optional: the last run's own time in seconds, the work alone (a
	 * program started by mpirun that times itself, without the launcher's
	 * start-up); a cell's figures are then these times. NULL: each run's
	 * wall time. */
	double (*seconds)(void *ctx);
	const char *p_name;	/* what P counts, on the heat maps' axis ("ranks");
				 * NULL: "processes" */
	void *ctx;

	/* Filled by kit_ptsweep_measure. */
	int cpus;		/* logical CPUs */
	kit_ptsweep_cell *cells;	/* np * nt: [j * np + i] for (ps[i], ts[j]) */
	int nfailed;		/* cells whose run failed */
	struct cJSON *kept;	/* cells of the file outside this grid */
	bool tty;
	int drawn;		/* lines of the live grid on screen */
} kit_ptsweep;

/*
 * Measures every cell of W not measured yet: reads W->path first (cells an
 * earlier run of the same work left are kept; a file of other work is
 * refused), then P=1 T=1 (the speed-up's base), then row by row, saving the
 * file after each cell, the grid drawn live on a terminal (one line per cell
 * otherwise). A cell whose run fails is reported on stderr and left out.
 * Returns 0, or -1 after a message when the results file holds other work
 * or its folder cannot be made (nothing measured).
 */
int kit_ptsweep_measure(kit_ptsweep *w);

/* The cell (P, T) of W, or NULL when the grid has none. Cannot fail. */
kit_ptsweep_cell *kit_ptsweep_at(const kit_ptsweep *w, int p, int t);

/* The measured cell with the smallest median, or NULL. Cannot fail. */
kit_ptsweep_cell *kit_ptsweep_best(const kit_ptsweep *w);

/* The speed-up of cell K over P=1 T=1 (NAN when either is unmeasured). */
double kit_ptsweep_speedup(const kit_ptsweep *w, int k);

/*
 * Prints the heat map of median seconds ("seconds for W->what (median; lower
 * is better)") and, with P=1 T=1 measured, of speed-up, to OUT; with PREFIX,
 * also PREFIX-time.png and PREFIX-speedup.png (atomically). Returns 0, or -1
 * when a PNG could not be written (a message said why).
 */
int kit_ptsweep_heatmaps(const kit_ptsweep *w, const char *prefix, FILE *out);

/*
 * Adds a row per measured cell to RES (procs, threads, oversub, median_s,
 * min_s, reps, cpu_s, speedup), then COLUMNS(CTX, RES, CELL) for the
 * caller's columns (may be NULL). Cannot fail.
 */
void kit_ptsweep_table(const kit_ptsweep *w, kit_results *res,
		       void (*columns)(void *ctx, kit_results *res, const kit_ptsweep_cell *c),
		       void *ctx);

/* Frees what kit_ptsweep_measure allocated. Cannot fail. */
void kit_ptsweep_free(kit_ptsweep *w);

#endif /* KIT_PTSWEEP_H */
