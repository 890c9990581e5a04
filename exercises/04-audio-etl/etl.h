/*
 * etl.h - the kernels of exercise 04, the audio ETL, with fixed signatures.
 *
 * Every kernel runs the same job: for each input WAV file, extract (read it
 * with libsndfile), transform (add Gaussian noise of standard deviation
 * sigma, clip to [-1, 1]) and load (write NAME-transformed.wav, atomically).
 * The driver (src/exercises/04-audio-etl/) plans the job (which files,
 * which outputs, what to skip or refuse), checks every output and times the run; etl.c holds the
 * kernels and nothing else.
 */
#ifndef ETL_H
#define ETL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One file to transform: input and output paths, and the key of its noise
 * stream (etl_noise.h; a hash of the input's name, so a file gets the same
 * noise whichever thread or process transforms it, in whatever order). */
typedef struct etl_task {
	const char *in, *out;
	uint64_t key;
} etl_task;

/* What the transform does: the same for every file of a job. */
typedef struct etl_params {
	double sigma;		/* standard deviation of the noise (0.1) */
	uint64_t seed;		/* seed of the noise */
	bool inner;		/* step 4: etl_file transforms with threads inside */
} etl_params;

enum etl_status { ETL_PENDING, ETL_DONE, ETL_FAILED };

/* What became of one file. Fixed size (no pointers): a child process of
 * step 3 sends it whole through a pipe in one write of under PIPE_BUF bytes. */
typedef struct etl_result {
	int status;		/* enum etl_status */
	int pid;		/* the process that did the work */
	char error[240];	/* ETL_FAILED: why, naming the file */
	int64_t frames;		/* frames read (and written) */
	int channels, samplerate;
	double t_read, t_transform, t_write;	/* seconds in each phase */
} etl_result;

/* A whole job: N tasks, and N results the kernels fill. */
typedef struct etl_job {
	const etl_task *tasks;
	size_t n;
	etl_params p;
	etl_result *results;
} etl_job;

/* Step 1 (given): the ETL of one file. Returns 0 and fills *R (status
 * ETL_DONE), or -1 with R->status ETL_FAILED and R->error saying why. Never
 * leaves a partial output: it writes a temporary file beside T->out and
 * renames it over T->out only when complete. Safe to call from several
 * threads at once once step 2 is done. */
int etl_file(const etl_task *t, const etl_params *p, etl_result *r);

/* Step 1 (given): the transform of one file's N samples, in place, serially:
 * sample i becomes etl_noisy(x[i], ...) (etl_noise.h). */
void etl_transform(float *x, size_t n, const etl_params *p, uint64_t key);

/* Step 4: the same transform, the loop shared among OpenMP threads. */
void etl_transform_threads(float *x, size_t n, const etl_params *p, uint64_t key);

/* The kernels over files. Each fills J->results[i] for every task i and
 * returns how many files failed (0: all done), or -1 when the kernel itself
 * could not run (after printing why). One file's failure never stops the
 * others. */
int etl_serial(const etl_job *j);			/* step 1 (given) */
int etl_threads(const etl_job *j);			/* step 2: threads over files */
int etl_processes(const etl_job *j, int nproc);	/* step 3: a pool of NPROC processes */

#endif
