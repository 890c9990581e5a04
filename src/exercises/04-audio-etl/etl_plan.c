/*
 * NAME
 *   etl_plan.c - the job of exercise 04 as data (etl_driver.h): the modes,
 *   the inputs (files, folders, the generated set), and the plan of a job
 *   (kit_fileplan, filejob.h: which outputs, what is refused, skipped after
 *   etl_output_done's verification, or redone) and its run with one kernel. Shared by the
 *   exercise program (etl_main.c) and the demos; students do not edit it.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "etl.h"
#include "etl_driver.h"
#include "etl_io.h"
#include "etl_noise.h"
#include "filejob.h"
#include "kit.h"

#define MAX_FILES 10000		/* the most inputs of one run */

const struct etl_mode_info etl_modes[M_COUNT] = {
	[M_SERIAL] = { "serial", "etl_serial", "one file after another", 1 },
	[M_THREADS] = { "threads", "etl_threads", "threads over files", 2 },
	[M_PROCESSES] = { "processes", "etl_processes", "a pool of processes over files", 3 },
	[M_INNER] = { "inner", "etl_transform_threads", "threads inside each file", 4 },
	[M_COPY] = { "copy", "read(2) + write(2)", "plain copy of the same bytes: the I/O limit", 0 },
};

/* ------------------------------------------------------------------------
 * Inputs
 */

char **etl_inputs_expand(char *const *args, size_t nargs, size_t *n)
{
	return kit_files_expand(args, nargs, ".wav", "-transformed.wav", "WAV", MAX_FILES, n);
}

/* The folder name of the generated set of SECONDS s: "audio-5s", "audio-0.5s". */
void etl_generated_name(double seconds, char *buf, size_t len)
{
	snprintf(buf, len, "audio-%gs", seconds);
}

char **etl_inputs_generated(int files, double seconds, bool verbose, char *dir, size_t len)
{
	char name[64], here[4096], root[4096];
	etl_generated_name(seconds, name, sizeof(name));
	/* Relative when run from the kit's root, as a student types paths. */
	if (getcwd(here, sizeof(here)) && realpath(kit_root(), root) && !strcmp(here, root))
		snprintf(dir, len, "data/cache/%s", name);
	else
		snprintf(dir, len, "%s/data/cache/%s", kit_root(), name);
	if (kit_wav_tones(dir, files, seconds, ETL_RATE, 0.0, verbose))
		return NULL;
	char **list = malloc((size_t)files * sizeof(*list));
	if (!list)
		abort();
	for (int k = 0; k < files; k++)
		list[k] = kit_xasprintf("%s/example%d.wav", dir, k);
	return list;
}

/* ------------------------------------------------------------------------
 * The plan of a job
 */

bool etl_plan_keep_temps;

/* kit_fileplan's test of an output already there: etl_output_done for the
 * params at CTX. */
static bool output_done(const char *in, const char *out, void *ctx, char *why, size_t len)
{
	return etl_output_done(in, out, ctx, why, len) == 1;
}

int etl_plan_make(etl_plan *pl, char *const *inputs, size_t n, const char *dest,
		  bool force, const etl_params *p)
{
	memset(pl, 0, sizeof(*pl));
	pl->p = *p;
	kit_fileplan_rule rule = { .suffix = ".wav", .out_suffix = "-transformed.wav",
				   .dest = dest, .keep_temps = etl_plan_keep_temps,
				   .done = force ? NULL : output_done, .ctx = &pl->p };
	kit_fileplan_make(&pl->f, inputs, n, &rule);
	pl->n = n;
	pl->in = pl->f.in;
	pl->out = pl->f.out;
	pl->state = pl->f.state;
	pl->todo = pl->f.todo;
	pl->ntodo = pl->f.ntodo;
	pl->bytes = pl->f.bytes;
	pl->temps = pl->f.temps;
	pl->redo = kit_xcalloc(n + 1, sizeof(*pl->redo));
	pl->res = kit_xcalloc(n + 1, sizeof(*pl->res));
	pl->tasks = kit_xcalloc(n + 1, sizeof(*pl->tasks));
	pl->todo_res = kit_xcalloc(n + 1, sizeof(*pl->todo_res));
	for (size_t i = 0; i < n; i++) {
		if (pl->state[i] == P_REFUSED)
			etl_fail(&pl->res[i], "%s", pl->f.why[i]);
		else if (pl->state[i] == P_SKIP)
			pl->res[i].status = ETL_DONE;
		else
			pl->redo[i] = pl->f.why[i];	/* NULL, or why it is redone */
	}
	for (size_t k = 0; k < pl->ntodo; k++) {
		const char *in = pl->in[pl->todo[k]];
		pl->tasks[k] = (etl_task){ .in = in, .out = pl->out[pl->todo[k]],
					   .key = etl_key_of(in) };
	}
	return 0;
}

/* The copy over files with WORKERS threads (the copy's own loop). */
static int copy_files(etl_plan *pl, int workers)
{
	int failed = 0;
	kit_omp_set_threads(workers);
#pragma omp parallel for schedule(dynamic, 1) reduction(+:failed)
	for (size_t k = 0; k < pl->ntodo; k++)
		failed += etl_copy_file(pl->tasks[k].in, pl->tasks[k].out, &pl->todo_res[k]) != 0;
	return failed;
}

int etl_plan_run(etl_plan *pl, int mode, int workers)
{
	etl_job j = { .tasks = pl->tasks, .n = pl->ntodo, .p = pl->p, .results = pl->todo_res };
	int saved = kit_omp_max_threads(), rc;
	for (size_t k = 0; k < pl->ntodo; k++)
		memset(&pl->todo_res[k], 0, sizeof(pl->todo_res[k]));
	switch (mode) {
	case M_SERIAL:
		rc = etl_serial(&j);
		break;
	case M_THREADS:
		kit_omp_set_threads(workers);
		rc = etl_threads(&j);
		break;
	case M_PROCESSES:
		rc = etl_processes(&j, workers);
		break;
	case M_INNER:
		j.p.inner = true;
		kit_omp_set_threads(workers);
		rc = etl_serial(&j);
		break;
	default:
		rc = copy_files(pl, workers);
		break;
	}
	kit_omp_set_threads(saved);
	/* Trust the results, not the count: a kernel may count wrongly. */
	int failed = 0;
	for (size_t k = 0; k < pl->ntodo; k++) {
		etl_result *r = &pl->todo_res[k];
		if (r->status != ETL_DONE && r->status != ETL_FAILED)
			etl_fail(r, "'%s' was never processed (its result is empty)",
				 pl->tasks[k].in);
		if (r->status == ETL_FAILED && !r->error[0])
			snprintf(r->error, sizeof(r->error), "'%s' failed, and said nothing",
				 pl->tasks[k].in);
		failed += r->status != ETL_DONE;
		pl->res[pl->todo[k]] = *r;
	}
	return rc < 0 ? -1 : failed;
}

void etl_plan_free(etl_plan *pl)
{
	kit_fileplan_free(&pl->f);
	free(pl->redo);
	free(pl->res);
	free(pl->tasks);
	free(pl->todo_res);
	memset(pl, 0, sizeof(*pl));
}
