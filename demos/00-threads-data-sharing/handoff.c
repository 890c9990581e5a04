/*
 * NAME
 *   handoff.c - the demo program of exercise 00: a value handed from one
 *   thread to another through a flag, written four ways, each run in its own
 *   child process with a time limit, so one that hangs cannot hang the demo.
 *   The wait loops spin without a pause (the exercise's sh_pause), so what
 *   the compiler does to each loop shows.
 *
 * USAGE
 *   sharing-demos --demo handoff [--quick] [-n ROUNDS]
 *   ./kit demo handoff            (the usual way in)
 *
 * NOTES
 *   plain     int flag, plain reads and writes: a data race, so undefined
 *             behaviour; gcc -O2 reads the flag once and spins forever.
 *   volatile  volatile int flag: the flag is read every time, but nothing
 *             orders the value's accesses around it; gcc reads the value once,
 *             before the loop, and the consumer adds stale values.
 *   relaxed   '#pragma omp atomic' on the flag, relaxed (OpenMP's default):
 *             each flag access is atomic, and still nothing orders the value.
 *             It gives the right sum on x86 (whose hardware keeps stores in
 *             order) by luck; it is a data race, which ThreadSanitizer reports.
 *   seq_cst   'omp atomic read/write seq_cst' (or acquire/release): the write
 *             of the value happens before the flag's, the read after: right on
 *             every machine and compiler.
 */
#include <errno.h>
#include <inttypes.h>
#include <omp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "demo.h"
#include "kit.h"
#include "sharing.h"

#ifdef _OPENMP
/* The hand-off with the flag declared as FLAGDECL and read and written by
 * READ and WRITE: each a complete kernel. */
#define HANDOFF(NAME, FLAGDECL, READ, WRITE)                                          \
	static uint64_t NAME(uint64_t rounds, uint64_t seed)                          \
	{                                                                             \
		uint64_t value = 0, sum = 0;                                          \
		FLAGDECL full = 0;                                                    \
		_Pragma("omp parallel num_threads(2) shared(value, sum, full)")      \
		{                                                                     \
			int t = omp_get_thread_num(), f;                              \
			for (uint64_t r = 0; r < rounds; r++) {                       \
				if (t == 0) {                                         \
					do { READ } while (f);                        \
					value = sh_work(seed, r);                     \
					WRITE(1)                                      \
				} else {                                              \
					do { READ } while (!f);                       \
					sum += (r + 1) * value;                       \
					WRITE(0)                                      \
				}                                                     \
			}                                                             \
		}                                                                     \
		return sum;                                                           \
	}

#define PLAIN_READ f = full;
#define PLAIN_WRITE(v) full = (v);
#define RELAXED_READ _Pragma("omp atomic read") f = full;
#define RELAXED_WRITE(v) _Pragma("omp atomic write") full = (v);
#define SEQ_READ _Pragma("omp atomic read seq_cst") f = full;
#define SEQ_WRITE(v) _Pragma("omp atomic write seq_cst") full = (v);

HANDOFF(plain, int, PLAIN_READ, PLAIN_WRITE)
HANDOFF(volatile_flag, volatile int, PLAIN_READ, PLAIN_WRITE)
HANDOFF(relaxed, int, RELAXED_READ, RELAXED_WRITE)
HANDOFF(seq_cst, int, SEQ_READ, SEQ_WRITE)

static const struct variant {
	const char *name, *flag;
	uint64_t (*run)(uint64_t, uint64_t);
} variants[] = {
	{ "plain", "plain int", plain },
	{ "volatile", "volatile int", volatile_flag },
	{ "relaxed", "omp atomic (relaxed)", relaxed },
	{ "seq_cst", "omp atomic seq_cst", seq_cst },
};

/* Runs V in a child (forked before this process starts any thread) and
 * waits at most LIMIT seconds. Returns 0 with *SUM and *SECS set, 1 when it
 * ran past the limit (killed), -1 when it failed otherwise. */
static int run_child(const struct variant *v, uint64_t rounds, uint64_t seed, double limit,
		     uint64_t *sum, double *secs)
{
	int fd[2];
	if (pipe(fd))
		return -1;
	double t0 = kit_wtime();
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(fd[0]);
		uint64_t s = v->run(rounds, seed);
		_exit(write(fd[1], &s, sizeof(s)) == (ssize_t)sizeof(s) ? 0 : 1);
	}
	close(fd[1]);
	struct pollfd p = { .fd = fd[0], .events = POLLIN };
	int ready;
	do
		ready = poll(&p, 1, (int)(limit * 1000));
	while (ready < 0 && errno == EINTR);
	int rc = -1;
	if (ready == 0) {
		kill(pid, SIGKILL);
		rc = 1;
	} else if (read(fd[0], sum, sizeof(*sum)) == (ssize_t)sizeof(*sum))
		rc = 0;
	*secs = kit_wtime() - t0;
	close(fd[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return rc;
}

/* Writes CSV into OUT/handoff.csv (OUT made). 0, or -1 after a message. */
static int write_csv(const char *out, const kit_buf *csv)
{
	if (kit_mkdirs(out))
		return -1;
	char *path = kit_xasprintf("%s/handoff.csv", out);
	int rc = kit_write_file(path, kit_buf_str(csv));
	size_t root = strlen(kit_root());
	if (rc == 0)	/* the kit's own folders relative to its root, as a student types them */
		printf("\nwrote %s\n", strncmp(path, kit_root(), root) || path[root] != '/' ? path
											     : path + root + 1);
	free(path);
	return rc;
}

static int demo_handoff(uint64_t rounds, uint64_t seed, double limit, const char *out)
{
	kit_buf csv = { 0 };
	kit_buf_add_str(&csv, "variant,flag,result,sum,expected,us_per_handoff\n");
	uint64_t want = 0;
	for (uint64_t r = 0; r < rounds; r++)
		want += (r + 1) * sh_work(seed, r);
	printf("a value handed from thread 0 to thread 1 through a flag, %" PRIu64 " rounds;\n"
	       "the right sum is %" PRIu64 "\n\n", rounds, want);
	printf("%-9s %-28s %-7s %s\n", "variant", "the flag", "result", "what happened");
	int bad = 0;
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		const struct variant *v = &variants[i];
		uint64_t sum = 0;
		double secs = 0;
		/* the plain flag is expected to hang: the others get longer on a busy machine */
		double lim = v->run == plain ? limit : 5 * limit;
		int rc = run_child(v, rounds, seed, lim, &sum, &secs);
		printf("%-9s %-28s ", v->name, v->flag);
		const char *res = rc == 1 ? (v->run == plain ? "hung" : "slow") : rc < 0 ? "error"
			: sum != want ? "wrong" : "right";
		kit_buf_printf(&csv, "%s,%s,%s,%" PRIu64 ",%" PRIu64 ",%.3f\n", v->name, v->flag, res,
			       sum, want, rc ? 0.0 : 1e6 * secs / (double)rounds);
		if (rc == 1 && v->run == plain)
			printf("%-7s still waiting after %.1f s: gcc reads a plain flag once and "
			       "loops on its copy\n", "HUNG", lim);
		else if (rc == 1)
			printf("%-7s not done after %.1f s: a very busy machine?\n", "SLOW", lim);
		else if (rc < 0)
			printf("%-7s the child failed\n", "ERROR");
		else if (sum != want)
			printf("%-7s sum %" PRIu64 ": stale values read, the flag ordered nothing\n",
			       "WRONG", sum);
		else
			printf("%-7s %.2f us a hand-off%s\n", "right", 1e6 * secs / (double)rounds,
			       strcmp(v->name, "seq_cst") ? " (here; a data race all the same)" : "");
		if (v->run == seq_cst && (rc < 0 || (rc == 0 && sum != want)))
			bad = 1;	/* too slow is no error: a loaded machine */
	}
	printf("\nOnly seq_cst is right by the rules: a data race (two threads, one writing, no\n"
	       "synchronisation between them) makes the whole program undefined, so what the\n"
	       "other rows show depends on the compiler, its options and the machine.\n");
	int wrote = write_csv(out, &csv);
	kit_buf_free(&csv);
	return bad ? KIT_EXIT_INVALID : wrote ? KIT_EXIT_USAGE : KIT_EXIT_OK;
}
#endif

static bool n_set;
static uint64_t n, seed = 2026;

static int run(const kit_demo_args *a, void *ctx)
{
	(void)ctx;
#ifndef _OPENMP
	(void)a;
	printf("the hand-off needs two threads, and this build has no OpenMP "
	       "(-Dopenmp=disabled): nothing to show\n");
	return KIT_EXIT_SKIP;
#else
	char *dflt = kit_xasprintf("%s/results/demos/handoff", kit_root());
	int rc = demo_handoff(n_set ? n : a->quick ? 100 : 200000, seed, 2.0,
			      a->out ? a->out : dflt);
	free(dflt);
	return rc;
#endif
}

static const kit_demo demos[] = {
	{ "handoff", "a flag hand-off done wrong (plain, volatile, relaxed) and right "
		     "(seq_cst atomics)", run },
	KIT_DEMO_END,
};

static kit_opt opts[] = {
	KIT_OPT_U64('n', NULL, &n, "ROUNDS", "hand-offs per variant (default 2e5; --quick 100)",
		    1, UINT64_C(100000000)),
	KIT_OPT_U64(0, "seed", &seed, "S", "seed of the values (default 2026)", 0, UINT64_MAX),
	KIT_OPT_END,
};

int main(int argc, char **argv)
{
	opts[0].seen = &n_set;
	const kit_demo_table t = {
		.program = "sharing-demos",
		.about = "The live-class demo of exercise 00 (threads and data sharing): a flag\n"
			 "hand-off between two threads written plain, volatile, with relaxed\n"
			 "atomics and with seq_cst atomics, each in its own child process.",
		.demos = demos,
		.quick_help = "test-sized (a second or two)",
		.out_help = "where handoff.csv goes (default results/demos/handoff)",
		.options = opts,
	};
	return kit_demo_main(argc, argv, &t);
}
