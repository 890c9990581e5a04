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
 *     step 3: a pool of NPROC children forked before any OpenMP work; the
 *             parent writes task numbers into one pipe, each child reads one,
 *             does it, and writes its etl_result into another pipe; the parent
 *             collects, reaps every child, and marks files a dead child never
 *             reported.
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
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sndfile.h>

#include "etl.h"
#include "etl_io.h"
#include "etl_noise.h"
#include "kit.h"

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

/* What a child sends back for each task: which one, and its result. */
struct report {
	uint32_t task;
	etl_result r;
};

/* A worker: takes task numbers from TASKS until end of file, sends a report
 * for each into REPORTS. Reads of 4 bytes from a pipe whose writes are all 4
 * bytes never split a number, so the workers share one queue safely. */
static void worker(const etl_job *j, int tasks, int reports)
{
	uint32_t k;
	int rc;
	while ((rc = etl_read_full(tasks, &k, sizeof(k))) == 1) {
		struct report rep = { .task = k };
		if (k < j->n)
			etl_file(&j->tasks[k], &j->p, &rep.r);
		if (etl_write_full(reports, &rep, sizeof(rep)))
			_exit(3);
	}
	_exit(rc == 0 ? 0 : 3);
}

/* Step 3: the seed's Pool.map(etl, filenames) in C. */
int etl_processes(const etl_job *j, int nproc)
{
	int tasks[2], reports[2], started = 0, rc = 0;
	pid_t *pid = calloc((size_t)nproc, sizeof(*pid));
	_Static_assert(sizeof(struct report) <= PIPE_BUF, "a report must be one atomic write");

	for (size_t i = 0; i < j->n; i++) {
		memset(&j->results[i], 0, sizeof(j->results[i]));
		j->results[i].status = ETL_PENDING;
	}
	if (!pid || pipe(tasks)) {
		kit_error("cannot start the worker processes: %s", strerror(errno));
		free(pid);
		return -1;
	}
	if (pipe(reports)) {
		kit_error("cannot start the worker processes: %s", strerror(errno));
		close(tasks[0]);
		close(tasks[1]);
		free(pid);
		return -1;
	}
	/* Fork first, before this process does anything else: the children
	 * inherit the pipes and the job, and no OpenMP thread pool. */
	fflush(NULL);
	for (int k = 0; k < nproc; k++) {
		pid_t p = fork();
		if (p < 0) {
			kit_error("cannot fork worker %d of %d: %s; use fewer with --procs",
				  k + 1, nproc, strerror(errno));
			break;
		}
		if (p == 0) {
			close(tasks[1]);
			close(reports[0]);
			worker(j, tasks[0], reports[1]);
		}
		pid[started++] = p;
	}
	close(tasks[0]);
	close(reports[1]);
	if (started == 0) {
		close(tasks[1]);
		close(reports[0]);
		free(pid);
		return -1;
	}
	/* Hand out every task, then close: the workers see end of file when the
	 * queue is empty. A pipe holds 16384 numbers, more than any job here.
	 * SIGPIPE would kill us if every worker died: ignore it, see EPIPE. */
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	for (uint32_t k = 0; k < (uint32_t)j->n; k++)
		if (etl_write_full(tasks[1], &k, sizeof(k))) {
			kit_error("cannot hand out file %u: %s (did every worker die?)",
				  k + 1, strerror(errno));
			break;
		}
	close(tasks[1]);
	signal(SIGPIPE, old);

	/* Collect: end of file when the last worker has exited. */
	struct report rep;
	while (etl_read_full(reports[0], &rep, sizeof(rep)) == 1)
		if (rep.task < j->n)
			j->results[rep.task] = rep.r;
	close(reports[0]);

	/* Reap every worker: no zombies. */
	for (int k = 0; k < started; k++) {
		int st;
		pid_t w;
		while ((w = waitpid(pid[k], &st, 0)) < 0 && errno == EINTR)
			;
		if (w < 0)
			kit_error("cannot wait for worker %d (pid %d): %s", k + 1, (int)pid[k],
				  strerror(errno));
		else if (WIFSIGNALED(st))
			kit_error("worker %d (pid %d) was killed by signal %d (%s)", k + 1,
				  (int)pid[k], WTERMSIG(st), strsignal(WTERMSIG(st)));
		else if (WEXITSTATUS(st))
			kit_error("worker %d (pid %d) failed with exit status %d", k + 1,
				  (int)pid[k], WEXITSTATUS(st));
	}
	free(pid);

	/* A file no worker reported on failed: say so, never count it done. */
	for (size_t i = 0; i < j->n; i++) {
		if (j->results[i].status == ETL_PENDING)
			etl_fail(&j->results[i], "'%s' was not processed: its worker process "
				 "ended first (see above)", j->tasks[i].in);
		rc += j->results[i].status != ETL_DONE;
	}
	return rc;
}
