/*
 * images.h - the kernels of exercise 03, processes x threads over a set of
 * images, with fixed signatures.
 *
 * The driver (src/exercises/03-image-sweep/) reads the images, computes
 * each signature and times the sweep over (processes, threads); images.c holds the two kernels
 * and nothing else: the median of the colour channels (step 1) and the
 * process pool (step 2).
 */
#ifndef IMAGES_H
#define IMAGES_H

/* Step 1: M[y * w + x] = the median of the three channels of pixel (x, y);
 * RGB holds h * w pixels, 3 bytes each (r, g, b), row by row. */
void image_median(const unsigned char *rgb, int h, int w, double *m);

/* The most images one pool_run handles: their indices (4 bytes each) fit in
 * one pipe write of PIPE_BUF (4096) bytes, which never blocks. */
#define POOL_MAX_IMAGES 1024

/* What became of one image in pool_run. */
enum pool_status {
	POOL_LOST = 0,		/* no worker reported it (the worker died) */
	POOL_DONE = 1,		/* signature computed */
	POOL_FAILED = 2,	/* the work said it failed (unreadable file) */
};

typedef struct pool_result {
	int status;		/* enum pool_status */
	long long signature;	/* POOL_DONE: the image's signature */
	double seconds;		/* wall seconds the worker spent on it */
	int pid;		/* the process that did it */
} pool_result;

/*
 * The work of one image, given by the driver: reads image INDEX, computes its
 * signature (image_median, then BLAS) with the threads the calling process
 * is set to, and stores it in *SIGNATURE. Returns 0, or -1 after printing why
 * (an unreadable file). Call it in a worker, never in the parent of a pool.
 */
typedef int (*pool_work_fn)(void *ctx, int index, long long *signature);

/*
 * Step 2: runs WORK(CTX, i) for every image i in [0, NIMAGES) in NPROC worker
 * processes with NTHREADS threads each (OpenMP and OpenBLAS), the C form of
 * Python's Pool(nproc).map under OMP_NUM_THREADS=nthreads. RESULTS[i] gets
 * image i's status, signature, seconds and pid. Every image is worked on at
 * most once. The workers are forked before any OpenMP work and all of them
 * are reaped before it returns: none is left running, none as a zombie.
 * Returns 0 when every image was reported (POOL_DONE or POOL_FAILED); -1
 * after printing which workers died and which images were lost.
 * 1 <= NPROC, 1 <= NTHREADS, 0 <= NIMAGES <= POOL_MAX_IMAGES.
 */
int pool_run(int nproc, int nthreads, int nimages, pool_work_fn work, void *ctx,
	     pool_result *results);

#endif
