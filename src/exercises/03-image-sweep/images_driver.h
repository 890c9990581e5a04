/*
 * images_driver.h - what the files of exercise 03's driver share: the
 * options, the set of images with their exact signatures, the work of one
 * image, one checked run of the pool, and the grader's protocol. The student
 * edits none of it (images.c and images.h are the lesson).
 *
 *   images_main.c      options (opt.h), checks, the (P, T) sweep (the kit's
 *                      ptsweep.h), the comparison with the Python version, main
 *   images_set.c       the images, their exact signatures, the work of one
 *                      image (median, then the product in blocks)
 *   images_protocol.c  --make-inputs, --emit, --verify
 */
#ifndef IMAGES_DRIVER_H
#define IMAGES_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "images.h"
#include "kit_png.h"

#define MEM_DEFAULT (UINT64_C(1) << 30)	/* --mem: 1 GiB per image in each process */
#define BLOCK_ROWS 256			/* rows per block of the median and the product */

/* The command line (images --help). */
struct options {
	int w, h;
	bool size_set;
	const char *dir;		/* --images DIR; NULL: generated */
	int *procs, *threads;
	size_t nprocs, nthreads;
	int repeat;
	const char *results;		/* --results FILE */
	bool force, no_results, signatures;
	bool validate, expect_parallel, expect_children, expect_lost;
	int kill_after;
	const char *json, *csv, *png;
	bool quiet;
	const char *demo, *out;
	bool bench, quick;
	uint64_t mem;			/* --mem bytes, 0: the default */
	const char *kernel;		/* --kernel pool|median */
	const char *emit, *verify;	/* the grader's protocol: --emit DIR, --verify DIRS */
	const char *make_inputs;	/* --make-inputs DIR */
	uint64_t seed, count;
	int mpixels;			/* --mpixels M: --emit --kernel median: M million pixels an image */
	bool seed_set;
	bool photos;			/* --photos: data/cache/photos */
	bool compare;			/* --compare: only the side-by-side run */
};

/* ------------------------------------------------------------------------
 * The images and their exact signatures (images_set.c)
 */

enum ref_kind { REF_COLOUR, REF_GRAY, REF_BAD };

struct imageset {
	int n;
	char *source;			/* "generated 2048x1536" or the folder */
	char *tag;			/* "2048x1536" or the folder's name, for file names */
	char **paths, **names;
	char **spaths, **snames;	/* the same, safe to print (shown()) */
	int *kind;			/* enum ref_kind */
	int *channels;			/* kit_png_pixels.channels */
	long long *sig;			/* the exact signature (REF_COLOUR, REF_GRAY) */
	char **why;			/* REF_BAD: what is wrong */
	int *w, *h;
	double flops;			/* per pass over the set: h(h+1)w per colour image */
	double read_s;			/* the parent's reading of the set, seconds */
};

/* What each call of work() did, in memory shared with the workers, so the
 * checks see it whatever pool_run does with its pipes. */
struct log_entry {
	int calls, pid, threads, blas_threads;
	long long signature;
	double t_read, t_median, t_blas, t_total;
};

struct shared {
	int kill_after;		/* > 0: the call that reaches this count kills its process */
	int parent;		/* the driver's pid: never killed */
	int counter;		/* work() calls since the program started */
	struct log_entry e[POOL_MAX_IMAGES];
};

/* What work() gets: the set, and the log shared with the workers. */
struct work_ctx {
	const struct imageset *set;
	struct shared *sh;
};

/* The memory one image may take in one process: --mem, else MEM_DEFAULT. */
extern uint64_t mem_budget;

/* NAME with control characters and backslashes escaped (\n, \t, \x1b, \\),
 * safe to print on one line. malloc'd; cannot fail. */
char *shown(const char *name);

/* kit_png_load with the budget mem_budget and what work() adds to an image. */
int load_png(const char *path, kit_png_pixels *p, char *why, size_t len);

/* Finds or makes the images O asks for (--images or --photos: a folder;
 * else generated at --size into data/cache/), reads each once in this
 * process, serially, for its exact signature, and names every unreadable
 * file on stderr (not with --verify). 0, or -1 after a message (no folder,
 * no PNG, too many files); free S with free_set either way. */
int load_set(const struct options *o, struct imageset *s);
/* Frees what load_set allocated. Cannot fail. */
void free_set(struct imageset *s);
/* How many images of S are of KIND (enum ref_kind). */
int count_kind(const struct imageset *s, int kind);
/* A fingerprint of S: names, sizes and exact signatures (FNV-1a). */
uint64_t fingerprint(const struct imageset *s);

/* pool_work_fn: the Python version's process_image() in C, for image INDEX
 * of the work_ctx VCTX: read, median (the student's image_median for RGB),
 * the product in blocks, never H x H; logs what it did in the shared log. 0,
 * or -1 after a message (an unreadable file). */
int work(void *vctx, int index, long long *signature);

/* ------------------------------------------------------------------------
 * One run of the pool, checked (images_main.c)
 */

struct run {
	struct imageset *set;
	struct work_ctx ctx;
	pool_result *results;
	char why[1024];		/* the last failure */
};

/* Runs pool_run once at (P, T) and checks every image; CHILDREN adds the
 * checks on processes. Returns 0, or 1 with R->why set. *SECONDS gets the
 * pool's wall time. */
int run_pool(struct run *r, int p, int t, bool children, double *seconds);

/* ------------------------------------------------------------------------
 * The grader's protocol (images_protocol.c)
 */

/* --make-inputs DIR: --count PNGs (default IMAGEGEN_KINDS: one of every
 * kind) with sizes and pictures drawn from --seed, up to --size (default
 * 640x480). An exit status: 0, or 2 after a message. */
int make_inputs(const struct options *o);
/* --emit DIR: runs --kernel once (pool: PROCS workers of OMP_NUM_THREADS
 * threads) and writes DIR/result.json: pool: each file's signature or error,
 * how many times work() ran it, how many ended workers the pool left
 * unwaited; median: for each RGB file a hash of the median image the
 * student's image_median made (again until --mpixels, the last one hashed), nothing
 * else (no BLAS: only the student's loop runs). An exit status: 0 written,
 * 1 the pool lost images, 2 not written. */
int emit(const struct options *o, struct run *r, int procs);
/* --verify DIR[,DIR...]: each DIR's result.json (untrusted: a regular file
 * of at most 4 MiB) against S's exact signatures; prints one line, PASS: or
 * FAIL:. An exit status: 0 pass, 1 fail, 2 no folder given. */
int verify(const struct options *o, const struct imageset *s);

#endif
