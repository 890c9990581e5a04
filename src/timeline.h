/*
 * timeline.h - who worked when: each thread's busy intervals, recorded from
 * inside a parallel loop or from task bodies, drawn as a timeline (one row
 * per thread, a bar per piece of work, the idle time visible) as a PNG and
 * as a text chart.
 *
 *   kit_timeline *tl = kit_tl_new(kit_omp_max_threads(), 4096);
 *   kit_tl_start(tl);
 *   ... in the loop or task:  double t0 = kit_wtime(); work(i); kit_tl_add(tl, t0, i);
 *   kit_tl_draw(tl, "schedule(static)", NULL, 0, "static.png", stdout);
 *   kit_tl_free(tl);
 *
 * Each thread writes only its own row (omp_get_thread_num() picks it), so
 * recording needs no lock and adds no data race. Recording costs two clock
 * reads per interval (about 40 ns): record pieces of work of a microsecond
 * or more. The OpenMP runtime's own tool interface (OMPT), which could
 * report this without help from the code, is not in GCC's libgomp (GCC 12,
 * Debian 12): the kit records around the work instead.
 */
#ifndef KIT_TIMELINE_H
#define KIT_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct kit_timeline kit_timeline;

/* A timeline for THREADS rows of at most PER_THREAD intervals each (more
 * are counted as dropped, not stored). Cannot fail (exits on no memory). */
kit_timeline *kit_tl_new(int threads, size_t per_thread);
/* Frees TL; NULL is allowed. */
void kit_tl_free(kit_timeline *tl);

/* Forgets every interval and starts the clock: times are drawn from here.
 * Call outside parallel regions. */
void kit_tl_start(kit_timeline *tl);

/* Records that the calling thread worked on piece ID from T0 (kit_wtime())
 * until now. Thread-safe across threads (each has its own row); a thread
 * number beyond the timeline's rows, or a full row, counts as dropped.
 * TL NULL: does nothing. */
void kit_tl_add(kit_timeline *tl, double t0, int64_t id);

/* The pieces each thread did, the busy time per thread, the span (first
 * start to last end) and how much of THREADS x span was idle. */
typedef struct kit_tl_summary {
	int threads;		/* rows that recorded at least one interval */
	size_t pieces, dropped;
	double span;		/* seconds from the first start to the last end */
	double busy_max, busy_min;	/* the busiest and idlest thread, seconds */
	double idle;		/* 1 - sum(busy) / (rows x span): the idle share */
} kit_tl_summary;

/* Fills *OUT from TL's intervals. Cannot fail. */
void kit_tl_summarize(const kit_timeline *tl, kit_tl_summary *out);

/*
 * Draws TL: a row per thread, a bar per piece, or per chunk: with CHUNK
 * (may be NULL), pieces with ids below NCHUNK that one thread did one after
 * the other and whose CHUNK[id] is the same are one bar (the rows of one
 * chunk of a loop). TEXT (may be NULL) gets a text chart with each thread's
 * busy share; PNG (may be NULL) a picture through gnuplot, atomically.
 * TITLE heads both. 0, or -1 with a message (no interval recorded, gnuplot
 * missing or failing: only the PNG needs gnuplot).
 */
int kit_tl_draw(const kit_timeline *tl, const char *title, const int64_t *chunk,
		size_t nchunk, const char *png, FILE *text);

/* How an OpenMP loop hands out its iterations (libgomp's algorithms). */
typedef enum kit_tl_sched {
	KIT_TL_STATIC,		/* schedule(static): one block per thread */
	KIT_TL_DYNAMIC,		/* schedule(dynamic, CHUNK): CHUNK at a time */
	KIT_TL_GUIDED,		/* schedule(guided): ceil(left / threads) at a time */
	KIT_TL_GRAINSIZE,	/* taskloop grainsize(CHUNK): N / CHUNK tasks */
} kit_tl_sched;

/* Fills OUT[i] (N entries) with the chunk that iteration i falls in under S
 * on THREADS threads with CHUNK (dynamic, grainsize): the labels
 * kit_tl_draw merges by. Chunks are numbered in loop order. Cannot fail. */
void kit_tl_chunks(kit_tl_sched s, int n, int threads, int chunk, int64_t *out);

struct kit_ex_ctx;

/*
 * The --timeline of an exercise program (exercise.h): runs kernel C->kernel
 * once (a warm-up), then once with *HOOK pointing at a new timeline (the
 * exercise's recorded work writes there), draws it (TEXT: on stdout; PNG:
 * to that file) and checks the result with the exercise's validate,
 * printing "PASS: ..." or "FAIL: ...". SCHED >= 0 (a kit_tl_sched): the
 * pieces are the N iterations of a loop with that schedule and CHUNK, drawn
 * a bar per chunk; -1: a bar per piece. Returns the exit status: 0 valid,
 * 1 invalid, 2 the problem could not be made or the chart not drawn.
 */
int kit_tl_exercise(const struct kit_ex_ctx *c, kit_timeline **hook, int sched, int n,
		    int chunk, bool text, const char *png);

#endif /* KIT_TIMELINE_H */
