/*
 * hybrid_exercise.c - exercise 08 for the kit's exercise driver: the
 * functions of hybrid.h under MPI (students do not edit it).
 *
 * Every rank runs this program (mpirun -np R, or srun in a job). Rank 0 runs
 * the kit's driver (options, checks, timing, --emit) exactly as in the other
 * exercises; the other ranks follow it: before every run of the kernel rank
 * 0 broadcasts what to run (n, seed, threads), and every rank calls
 * hybrid_pi with it, so all ranks enter the same collective calls however
 * many runs the timing protocol decides on. When the driver is done, rank 0
 * broadcasts "stop" and every rank ends MPI.
 *
 * The answer is defined: the serial sum of pi_in_circle(pi_random_at(seed,
 * i)), i < n, exercise 01's step 4. Valid: exactly that count (at any ranks
 * and threads), and, with more than one thread per rank, MPI started with at
 * least MPI_THREAD_FUNNELED.
 * --verify needs no MPI: the reference computes the count itself.
 */
#include <cjson/cJSON.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

#include "exercise.h"
#include "hybrid.h"
#include "kit_omp.h"
#include "pi_rng.h"

enum { K_HYBRID };

static const kit_ex_kernel kernels[] = {
	{ "hybrid", 2, "hybrid_pi", "look at hybrid.c: TODO(1) starts MPI for threads, "
	  "TODO(2) gives rank r of R only samples [r*n/R, (r+1)*n/R), TODO(3) shares them "
	  "among the rank's threads",
	  KIT_EX_PARALLEL | KIT_EX_SAME_ANY, 0, 0 },
};

/* A run's result as rank 0 sees it. */
typedef struct result {
	uint64_t hits;
	int32_t level;	/* MPI_Query_thread after the run: the thread support provided */
	int32_t ranks;	/* MPI_COMM_WORLD's size */
} result;

/* What rank 0 tells the others before each run. */
typedef struct command {
	uint64_t n, seed;
	int64_t threads;	/* 0: stop */
} command;

typedef struct problem {
	uint64_t n, seed, ref;
	bool have_ref;
} problem;

static bool mpi_up;	/* MPI was started (not for --verify, --help, demos) */

static const char *level_name(int level)
{
	switch (level) {
	case MPI_THREAD_SINGLE: return "MPI_THREAD_SINGLE";
	case MPI_THREAD_FUNNELED: return "MPI_THREAD_FUNNELED";
	case MPI_THREAD_SERIALIZED: return "MPI_THREAD_SERIALIZED";
	case MPI_THREAD_MULTIPLE: return "MPI_THREAD_MULTIPLE";
	default: return "an unknown level";
	}
}

static void *make(const kit_ex_ctx *c)
{
	problem *p = kit_xcalloc(1, sizeof(*p));
	*p = (problem){ .n = c->n, .seed = c->seed };
	return p;
}

static void broadcast(command *cmd)
{
	MPI_Bcast(cmd, (int)sizeof(*cmd), MPI_BYTE, 0, MPI_COMM_WORLD);
}

static int run(void *prob, const kit_ex_ctx *c, void *out)
{
	const problem *p = prob;
	result *r = out;
	(void)c;
	if (!mpi_up) {
		kit_error("MPI is not started in this mode; run the kernel without --verify");
		return -1;
	}
	command cmd = { p->n, p->seed, kit_omp_max_threads() };
	broadcast(&cmd);
	int level = 0, ranks = 1;
	r->hits = hybrid_pi(p->n, p->seed);
	MPI_Query_thread(&level);
	MPI_Comm_size(MPI_COMM_WORLD, &ranks);
	r->level = level;
	r->ranks = ranks;
	return 0;
}

/* The defined count: serial, counter-based, computed once. */
static uint64_t reference_count(problem *p)
{
	for (uint64_t i = 0; !p->have_ref && i < p->n; i++)
		p->ref += pi_in_circle(pi_random_at(p->seed, i));
	p->have_ref = true;
	return p->ref;
}

static bool validate(void *prob, const kit_ex_ctx *c, const void *res, kit_buf *msg)
{
	problem *p = prob;
	const result *r = res;
	(void)c;
	uint64_t want = reference_count(p);
	if (r->hits != want) {
		double times = want ? (double)r->hits / (double)want : 0;
		kit_buf_printf(msg, "%llu hits at %d rank%s, not the %llu of one process",
			       (unsigned long long)r->hits, (int)r->ranks, r->ranks == 1 ? "" : "s",
			       (unsigned long long)want);
		if (r->ranks > 1 && times > 1.5)
			kit_buf_printf(msg, " (%.2f times it: ranks counted the same samples)", times);
		return false;
	}
	if (r->level < MPI_THREAD_FUNNELED && c->threads > 1) {
		kit_buf_printf(msg, "the count is right, but MPI was started with %s: OpenMP "
			       "threads inside a rank need at least MPI_THREAD_FUNNELED "
			       "(MPI_Init_thread)", level_name(r->level));
		return false;
	}
	kit_buf_printf(msg, "%llu hits at %d rank%s x %d thread%s, the one-process count (MPI "
		       "started with %s)", (unsigned long long)r->hits, (int)r->ranks,
		       r->ranks == 1 ? "" : "s", c->threads, c->threads == 1 ? "" : "s",
		       level_name(r->level));
	return true;
}

static void describe(const void *res, kit_buf *msg)
{
	const result *r = res;
	kit_buf_printf(msg, "%llu hits", (unsigned long long)r->hits);
}

static int emit(void *prob, const kit_ex_ctx *c, const void *res, cJSON *out, const char *dir)
{
	(void)prob, (void)c, (void)dir;
	const result *r = res;
	kit_ex_json_add_u64(out, "hits", r->hits);
	cJSON_AddNumberToObject(out, "thread_level", r->level);
	cJSON_AddNumberToObject(out, "ranks", r->ranks);
	return 0;
}

static int verify(void *prob, const kit_ex_ctx *c, const char *dir, const cJSON *res,
		  void *got, kit_buf *msg)
{
	(void)dir;
	result *r = got;
	uint64_t level, ranks;
	if (kit_ex_json_u64(res, "hits", &r->hits, msg) ||
	    kit_ex_json_u64(res, "thread_level", &level, msg) ||
	    kit_ex_json_u64(res, "ranks", &ranks, msg))
		return KIT_FAIL;
	if (ranks < 1 || ranks > 1 << 20 || level > 3) {
		kit_buf_printf(msg, "result.json holds ranks %llu and thread_level %llu: not a run",
			       (unsigned long long)ranks, (unsigned long long)level);
		return KIT_FAIL;
	}
	r->level = (int32_t)level;
	r->ranks = (int32_t)ranks;
	return validate(prob, c, r, msg) ? KIT_PASS : KIT_FAIL;
}

static void columns(kit_results *res, void *prob, const kit_ex_ctx *c, const void *out)
{
	(void)prob;
	const result *r = out;
	kit_results_num(res, "ranks", r->ranks, "%.0f");
	kit_results_num(res, "pi", 4.0 * (double)r->hits / (double)c->n, "%.6f");
}

static void print_config(const kit_ex_ctx *c)
{
	(void)c;
	if (!mpi_up)
		return;
	int ranks, level, len;
	char version[MPI_MAX_LIBRARY_VERSION_STRING];
	MPI_Comm_size(MPI_COMM_WORLD, &ranks);
	MPI_Query_thread(&level);
	MPI_Get_library_version(version, &len);
	char *nl = strchr(version, '\n');
	if (nl)
		*nl = 0;
	char *comma = strchr(version, ',');
	if (comma)
		*comma = 0;
	printf("MPI:       %d rank%s x %d thread%s each, %s (%s)\n", ranks, ranks == 1 ? "" : "s",
	       kit_omp_max_threads(), kit_omp_max_threads() == 1 ? "" : "s", level_name(level),
	       version);
}

static kit_ex_work work(const kit_ex_ctx *c)
{
	return (kit_ex_work){ .samples = (double)c->n };
}

static const kit_exercise hybrid_exercise = {
	.name = "08-hybrid-mpi", .title = "Hybrid MPI + OpenMP pi", .program = "hybrid",
	.edit = "hybrid.c",
	.about = "Exercise 01's Monte Carlo pi over MPI ranks (processes) x OpenMP threads:\n"
		 "every rank counts its share of the samples with its threads, and the\n"
		 "shares are summed on rank 0. Start it with mpirun -np R (or srun in a\n"
		 "Slurm job); rank 0 prints, times and checks.\n",
	.table_title = "Hybrid pi: ns per sample by threads (per rank)",
	.examples = "  mpirun -np 2 hybrid --validate\n"
		    "  OMP_NUM_THREADS=2 mpirun -np 2 --map-by slot:PE=2 hybrid --threads 1,2\n"
		    "  srun -n 2 -c 2 hybrid --validate     (in a Slurm job)\n",
	.kernels = kernels, .nkernels = 1,
	.n_help = "samples over all ranks (default 1e8; 2e7 in checks)",
	.n_min = 1, .n_max = UINT64_C(10000000000000), .n_linear = true,
	.n_time = UINT64_C(100000000), .n_check = UINT64_C(20000000), .seed = 2026,
	.make = make, .free = free, .run = run, .validate = validate, .describe = describe,
	.columns = columns, .work = work, .emit = emit, .verify = verify,
	.print_config = print_config, .result_size = sizeof(result),
};

/* True when ARGV asks for a mode that runs the kernel: MPI is then started. */
static bool runs_kernel(int argc, char **argv)
{
	static const char *const no_mpi[] = { "--verify", "--help", "-h", "--make-inputs",
					      "--demo", "--bench", NULL };
	for (int i = 1; i < argc; i++)
		for (size_t k = 0; no_mpi[k]; k++)
			if (!strncmp(argv[i], no_mpi[k], strlen(no_mpi[k])) &&
			    (argv[i][strlen(no_mpi[k])] == 0 || argv[i][strlen(no_mpi[k])] == '='))
				return false;
	return true;
}

/* Rank 0 at exit (however the driver ends): the others stop, MPI ends. */
static void finish(void)
{
	command stop = { 0, 0, 0 };
	broadcast(&stop);
	MPI_Finalize();
}

int main(int argc, char **argv)
{
	if (!runs_kernel(argc, argv))
		return kit_exercise_main(argc, argv, &hybrid_exercise);
	if (hybrid_init(&argc, &argv))
		return 2;
	mpi_up = true;
	int rank;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	if (rank == 0) {
		atexit(finish);
		return kit_exercise_main(argc, argv, &hybrid_exercise);
	}
	/* the other ranks: run what rank 0 says until it says stop */
	for (;;) {
		command cmd;
		broadcast(&cmd);
		if (cmd.threads <= 0)
			break;
		kit_omp_set_threads((int)cmd.threads);
		(void)hybrid_pi(cmd.n, cmd.seed);
	}
	MPI_Finalize();
	return 0;
}
