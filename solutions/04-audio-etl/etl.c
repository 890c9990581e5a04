/*
 * NAME
 *   etl.c - the kernels of exercise 04, the audio ETL: THE REFERENCE SOLUTION.
 *
 * PURPOSE
 *   For each input WAV: extract (sf_open, sf_readf_float), transform (noise of
 *   standard deviation sigma, clip to [-1, 1]) and load (sf_writef_float into
 *   a temporary file renamed to NAME-transformed.wav when complete).
 *   What changed from the skeleton (exercises/04-audio-etl/etl.c):
 *     step 2: "omp critical (sndfile_open)" around the two sf_open calls of
 *             etl_file (libsndfile's open keeps its error state in globals),
 *             and "omp parallel for schedule(dynamic, 1)" over the files.
 *     step 3: kit_pool_run (pool.h) runs etl_worker in NPROC children
 *             forked before any OpenMP work, each filling a record of
 *             etl_results; the parent copies file i's from worker i % nproc's
 *             record and marks the files a dead worker never reported.
 *     step 4: "omp parallel for schedule(static)" on the transform loop.
 *
 * USAGE
 *   build/solutions/04-audio-etl/etl --kernel threads
 *   diff exercises/04-audio-etl/etl.c solutions/04-audio-etl/etl.c
 *
 * NOTES
 *   Bytes: each file is read once and written once (4 bytes per sample each
 *   way); the transform costs a log, a sqrt and a cos per sample (etl_noise.h).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sndfile.h>

#include "etl.h"
#include "etl_io.h"
#include "etl_noise.h"
#include "kit.h"
#include "pool.h"

/* Step 1 (given): the transform, serially. */
void etl_transform(float *x, size_t n, const etl_params *p, uint64_t key)
{
	for (size_t i = 0; i < n; i++)
		x[i] = etl_noisy(x[i], p->sigma, p->seed, key, i);
}

/* Step 4: the same loop, shared among the threads. Sample i depends on i
 * alone, so any split gives the same bits; static: equal shares of equal work. */
void etl_transform_threads(float *x, size_t n, const etl_params *p, uint64_t key)
{
#pragma omp parallel for schedule(static)
	for (size_t i = 0; i < n; i++)
		x[i] = etl_noisy(x[i], p->sigma, p->seed, key, i);
}

/* Step 1 (given): extract, transform and load one file. */
int etl_file(const etl_task *t, const etl_params *p, etl_result *r)
{
	SF_INFO info;
	SNDFILE *in = NULL, *out = NULL;
	kit_atomic tmp = { 0 };
	float *x = NULL;
	char why[160] = "";

	memset(r, 0, sizeof(*r));
	r->pid = (int)getpid();
	memset(&info, 0, sizeof(info));	/* sf_open_fd reads format 0 as "find out" */

	/* Extract. */
	double t0 = kit_wtime();
	int fd = etl_open_input(t->in, r);	/* a regular file whose header holds */
	if (fd < 0)
		return -1;
	/* Step 2: sf_open keeps its error in globals (sf_strerror(NULL) reads
	 * them): one thread at a time opens and reads the message. The handle
	 * it returns is this thread's alone afterwards. */
#pragma omp critical (sndfile_open)
	{
		in = sf_open_fd(fd, SFM_READ, &info, SF_FALSE);
		if (!in)
			snprintf(why, sizeof(why), "%s", sf_strerror(NULL));
	}
	if (!in) {
		etl_fail(r, "cannot read '%s': %s", t->in, why);
		goto close_fd;
	}
	if (etl_check_input(t->in, fd, &info, r))
		goto close_in;
	size_t n = (size_t)info.frames * (size_t)info.channels;
	x = malloc(n ? n * sizeof(*x) : 1);
	if (!x) {
		etl_fail(r, "cannot read '%s': %zu samples do not fit in memory", t->in, n);
		goto close_in;
	}
	sf_count_t got = sf_readf_float(in, x, info.frames);
	if (got != info.frames) {
		etl_fail(r, "cannot read '%s': %s (%lld of %lld frames read)", t->in,
			 sf_strerror(in), (long long)got, (long long)info.frames);
		goto free_x;
	}
	sf_close(in);
	in = NULL;
	close(fd);
	fd = -1;
	uint64_t in_hash = etl_hash_samples(x, n);	/* for the output's record */
	r->frames = info.frames;
	r->channels = info.channels;
	r->samplerate = info.samplerate;
	double t1 = kit_wtime();
	r->t_read = t1 - t0;

	/* Transform. */
	if (p->inner)
		etl_transform_threads(x, n, p, t->key);
	else
		etl_transform(x, n, p, t->key);
	double t2 = kit_wtime();
	r->t_transform = t2 - t1;

	/* Load: into a temporary file beside the output, renamed over it when
	 * complete and synced. Killed midway, the run leaves NAME.tmp.XXXXXX,
	 * never a half-written NAME-transformed.wav. */
	if (kit_atomic_open(&tmp, t->out)) {
		etl_fail(r, "cannot write '%s' (message above); '%s' is untouched", t->out, t->in);
		goto free_x;
	}
	SF_INFO oinfo = { .samplerate = info.samplerate, .channels = info.channels,
			  .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT };
#pragma omp critical (sndfile_open)
	{
		out = sf_open_fd(fileno(tmp.f), SFM_WRITE, &oinfo, SF_FALSE);
		if (!out)
			snprintf(why, sizeof(why), "%s", sf_strerror(NULL));
	}
	if (!out) {
		etl_fail(r, "cannot write '%s': %s", t->out, why);
		goto abort_tmp;
	}
	/* No PEAK chunk: it holds the time of writing, and the same input
	 * would give outputs that differ in bytes from run to run. */
	sf_command(out, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
	/* How it was made, so that a re-run can tell it is done. */
	etl_sign_output(out, p, t->key, in_hash, x, n);
	sf_count_t put = sf_writef_float(out, x, info.frames);
	if (put != info.frames) {
		etl_fail(r, "cannot write '%s': %s (%lld of %lld frames written)", t->out,
			 sf_strerror(out), (long long)put, (long long)info.frames);
		goto close_out;
	}
	int err = sf_close(out);
	out = NULL;
	if (err) {
		etl_fail(r, "cannot write '%s': %s", t->out, sf_error_number(err));
		goto abort_tmp;
	}
	if (kit_atomic_commit(&tmp)) {	/* fsync, close, rename; removes the temp on error */
		etl_fail(r, "cannot write '%s' (message above); '%s' is untouched", t->out, t->in);
		goto free_x;
	}
	r->t_write = kit_wtime() - t2;
	free(x);
	r->status = ETL_DONE;
	return 0;

close_out:
	sf_close(out);
abort_tmp:
	kit_atomic_abort(&tmp);
free_x:
	free(x);
close_in:
	if (in)
		sf_close(in);
close_fd:
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Step 1 (given): the files one after another. */
int etl_serial(const etl_job *j)
{
	int failed = 0;
	for (size_t i = 0; i < j->n; i++)
		failed += etl_file(&j->tasks[i], &j->p, &j->results[i]) != 0;
	return failed;
}

/* Step 2: one file per thread at a time. Files differ in length and in luck
 * with the disk: dynamic hands the next file to whichever thread is free.
 * Each thread writes only its own results[i]; the count is a reduction. */
int etl_threads(const etl_job *j)
{
	int failed = 0;
#pragma omp parallel for schedule(dynamic, 1) reduction(+:failed)
	for (size_t i = 0; i < j->n; i++)
		failed += etl_file(&j->tasks[i], &j->p, &j->results[i]) != 0;
	return failed;
}

/* Step 3 (given): the seed's etl, as a worker of the pool. Worker W of NW
 * transforms files W, W + NW, W + 2 NW ... into its record RES, an array of
 * one etl_result per file of the job (the others stay zeroed, ETL_PENDING).
 * It runs in a child process: its own copy of the job, no OpenMP. */
static int etl_worker(int w, int nw, void *arg, void *out)
{
	const etl_job *j = arg;
	etl_result *res = out;
	for (size_t i = (size_t)w; i < j->n; i += (size_t)nw)
		etl_file(&j->tasks[i], &j->p, &res[i]);
	return 0;
}

/* Step 3: the seed's Pool.map(etl, filenames) in C. kit_pool_run forks
 * NPROC workers before this process runs any OpenMP, reads back each one's
 * record (file i is in worker i % nproc's) and reaps them all. A file whose
 * worker died before reporting it failed: said so, never counted done. */
int etl_processes(const etl_job *j, int nproc)
{
	size_t rec = (j->n ? j->n : 1) * sizeof(etl_result);
	etl_result *all = calloc((size_t)nproc, rec);
	int failed = 0;
	if (!all) {
		kit_error("cannot start the worker processes: %zu results do not fit in memory",
			  (size_t)nproc * j->n);
		return -1;
	}
	kit_pool_run(nproc, etl_worker, (void *)j, all, rec, NULL);	/* reports dead workers */
	for (size_t i = 0; i < j->n; i++) {
		etl_result *r = &all[(i % (size_t)nproc) * (rec / sizeof(*all)) + i];
		if (r->status != ETL_DONE && r->status != ETL_FAILED)
			etl_fail(r, "'%s' was not processed: its worker process ended first "
				 "(see above)", j->tasks[i].in);
		j->results[i] = *r;
		failed += r->status != ETL_DONE;
	}
	free(all);
	return failed;
}
