/*
 * NAME
 *   hybrid_demos.c - the demo program of exercise 08: a ping-pong between
 *   2 MPI ranks (latency, bandwidth, the cost model), and a ranks x threads
 *   sweep of the reference's pi count beside the mpi4py version.
 *
 * USAGE
 *   hybrid-demos --demo pingpong [--quick] [--out DIR]
 *   hybrid-demos --demo ranks-threads [--quick] [-n N] [--out DIR]
 *   ./kit demo pingpong; ./kit demo ranks-threads   (the usual way in)
 *
 * NOTES
 *   pingpong starts itself again under mpirun -np 2 when it was not started
 *   by mpirun. ranks-threads runs the reference program (BUILD/solutions/08-hybrid-mpi/
 *   hybrid) under mpirun once per (ranks, threads), and the Python version
 *   (pi_mpi4py.py, Debian's python3-mpi4py) at 2 ranks on the same n and seed:
 *   the same count, and the time ratio of the same run.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kit.h"
#include "opt.h"

#define MAX_ROUNDS 20000

static const char *out_dir;
static bool quick;
static uint64_t n_samples;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* ------------------------------------------------------------------------
 * pingpong: rank 0 sends M bytes, rank 1 sends them back; half the round
 * trip is one message's time. t(m) = alpha + m / beta fitted over the sizes.
 */
static int pingpong(void)
{
	int rank, size;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	if (size != 2) {
		if (rank == 0)
			kit_error("the ping-pong needs exactly 2 ranks, not %d (mpirun -np 2)", size);
		return 2;
	}
	size_t max = quick ? (size_t)1 << 16 : (size_t)1 << 22;
	double budget = quick ? 0.05 : 0.3;	/* seconds per size */
	char *buf = kit_xcalloc(max, 1);
	double xs[32], ts[32];
	double *rounds = kit_xcalloc(MAX_ROUNDS, sizeof(double));
	int k = 0;
	FILE *csv = NULL;
	char *csv_path = NULL;
	if (rank == 0) {
		const char *y = getenv("OMPI_MCA_mpi_yield_when_idle");
		printf("ping-pong between 2 ranks on this machine (%s)%s\n",
		       quick ? "quick: up to 64 KiB" : "up to 4 MiB",
		       y && !strcmp(y, "1") ? "; a waiting rank yields its core" : "");
		printf("%10s %8s %14s %14s\n", "bytes", "reps", "latency (us)", "bandwidth (MB/s)");
		if (out_dir && !kit_mkdirs(out_dir)) {
			csv_path = kit_xasprintf("%s/pingpong.csv", out_dir);
			csv = fopen(csv_path, "w");
			if (csv)
				fprintf(csv, "bytes,reps,seconds_one_way,mb_per_s\n");
		}
	}
	for (size_t m = 1; m <= max; m *= 8) {
		int reps = 0;
		double t0 = 0, t = 0;
		MPI_Barrier(MPI_COMM_WORLD);
		for (int warm = 0; warm < 2; warm++) {
			if (rank == 0) {
				MPI_Send(buf, (int)m, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
				MPI_Recv(buf, (int)m, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
			} else {
				MPI_Recv(buf, (int)m, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
				MPI_Send(buf, (int)m, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
			}
		}
		/* rank 0 decides when enough round trips were timed; rank 1 learns
		 * it from a flag sent after each round. A round's time is its own
		 * (MPI_Wtime around it): the median of the rounds keeps a busy
		 * machine's stalls out. */
		t0 = MPI_Wtime();
		for (int more = 1; more;) {
			if (rank == 0) {
				double r0 = MPI_Wtime();
				MPI_Send(buf, (int)m, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
				MPI_Recv(buf, (int)m, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
				rounds[reps++] = MPI_Wtime() - r0;
				t = MPI_Wtime() - t0;
				more = reps < MAX_ROUNDS && (t < budget || reps < 30);
				MPI_Send(&more, 1, MPI_INT, 1, 1, MPI_COMM_WORLD);
			} else {
				MPI_Recv(buf, (int)m, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
				MPI_Send(buf, (int)m, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
				MPI_Recv(&more, 1, MPI_INT, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
			}
		}
		if (rank == 0) {
			qsort(rounds, (size_t)reps, sizeof(double), cmp_double);
			double one = rounds[reps / 2] / 2;	/* one way: half a round trip */
			xs[k] = (double)m;
			ts[k++] = one;
			printf("%10zu %8d %14.2f %14.1f\n", m, reps, one * 1e6, (double)m / one / 1e6);
			if (csv)
				fprintf(csv, "%zu,%d,%.9g,%.6g\n", m, reps, one, (double)m / one / 1e6);
		}
	}
	if (rank == 0) {
		/* alpha: the fastest of the three smallest messages (all latency;
		 * the fastest, as a busy machine only ever adds time); beta: the
		 * largest message's bytes over its time beyond alpha */
		double alpha = fmin(ts[0], fmin(ts[1], ts[2])), extra = ts[k - 1] - alpha;
		double beta = extra > 0 ? xs[k - 1] / extra : INFINITY;
		printf("\ncost model: t(m) = alpha + m / beta, alpha = %.2f us (latency: the "
		       "smallest messages),\n", alpha * 1e6);
		if (isinf(beta)) {
			printf("            beta not measured: the largest message was no slower "
			       "than the smallest (a busy machine; run it again)\n");
			alpha = 0;
		} else {
			printf("            beta = %.2f GB/s (bandwidth: the largest message, past "
			       "alpha)\n", beta / 1e9);
		}
		if (alpha > 0)
			printf("a message costs twice its latency at m = alpha x beta = %.0f bytes: "
			       "smaller messages are\nall latency (send fewer, bigger ones), larger "
			       "ones all bandwidth.\n", alpha * beta);
		if (csv) {
			if (fclose(csv))
				kit_error("could not write %s", csv_path);
			else
				printf("wrote %s\n", csv_path);
		}
	}
	free(csv_path);
	free(rounds);
	free(buf);
	return 0;
}

/* ------------------------------------------------------------------------
 * sweep: the reference under mpirun at each (ranks, threads).
 */

/* The first number named KEY anywhere in J, or NAN. */
static double find_num(const cJSON *j, const char *key)
{
	if (!j)
		return NAN;
	if (j->string && !strcmp(j->string, key) && cJSON_IsNumber(j))
		return j->valuedouble;
	for (const cJSON *c = j->child; c; c = c->next) {
		double v = find_num(c, key);
		if (!isnan(v))
			return v;
	}
	return NAN;
}

/* The file at PATH (at most 1 MiB), malloc'd and NUL-terminated, or NULL. */
static char *read_small(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char *b = kit_xcalloc(1 << 20, 1);
	size_t n = fread(b, 1, (1 << 20) - 1, f);
	fclose(f);
	b[n] = 0;
	return b;
}

/* Runs ARGV with OMP_NUM_THREADS=T (and Open MPI's root variables); its
 * captured stdout (malloc'd) or NULL after a message. */
static char *run_captured(char *const argv[], int t, double *wall)
{
	char nt[32];
	snprintf(nt, sizeof(nt), "OMP_NUM_THREADS=%d", t);
	const char *env[] = { nt, "OMP_WAIT_POLICY=passive", "KIT_QUIET=1",
			      "OMPI_MCA_mpi_yield_when_idle=1",
			      geteuid() == 0 ? "OMPI_ALLOW_RUN_AS_ROOT=1" : NULL,
			      "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1", NULL };
	kit_proc_opts o = { .timeout = 600, .setenv = env, .capture = true };
	kit_proc_result r;
	if (kit_proc_run(argv, &o, &r))
		return NULL;
	char *out = NULL;
	if (r.exit_code == 0 && !r.signal && !r.timed_out) {
		out = r.out ? kit_xstrdup(r.out) : kit_xstrdup("");
		*wall = r.wall;
	} else {
		kit_error("%s %s: %s%s%s", argv[0], argv[1], kit_proc_describe(&r),
			  r.err ? "\n" : "", r.err ? r.err : "");
	}
	kit_proc_result_free(&r);
	return out;
}

static int sweep(const char *self)
{
	char *dir = kit_xstrdup(self);
	char *ref = kit_xasprintf("%s/../../solutions/08-hybrid-mpi/hybrid", dirname(dir));
	char *py = kit_xasprintf("%s/demos/08-hybrid-mpi/pi_mpi4py.py", kit_root());
	uint64_t n = n_samples ? n_samples : quick ? UINT64_C(20000000) : UINT64_C(400000000);
	char ns[32], tmpl[] = "/tmp/hybrid-sweep.XXXXXX";
	snprintf(ns, sizeof(ns), "%llu", (unsigned long long)n);
	if (access(ref, X_OK)) {
		kit_error("the reference program %s is missing; build it (ninja -C build)", ref);
		return 2;
	}
	if (!mkdtemp(tmpl)) {
		kit_error("cannot make a scratch folder in /tmp");
		return 2;
	}
	char *json = kit_xasprintf("%s/r.json", tmpl);
	static const int rt_full[][2] = { { 1, 1 }, { 1, 2 }, { 2, 1 }, { 2, 2 }, { 1, 4 }, { 4, 1 } };
	static const int rt_quick[][2] = { { 1, 1 }, { 1, 2 }, { 2, 1 } };
	int nrt = quick ? 3 : 6;
	const int (*rt)[2] = quick ? rt_quick : rt_full;
	double t11 = NAN, t21 = NAN;
	printf("ranks x threads sweep: the reference's pi count, n = %s, the median of 3 timed runs\n",
	       ns);
	printf("(cores here: %ld; past them ranks and threads take turns)\n\n",
	       sysconf(_SC_NPROCESSORS_ONLN));
	printf("%6s %8s %6s %12s %9s\n", "ranks", "threads", "cores", "median (s)", "speed-up");
	kit_buf csv = { 0 };
	kit_buf_printf(&csv, "ranks,threads,median_s,speedup\n");
	int rc = 0;
	for (int i = 0; i < nrt && !rc; i++) {
		char np[16];
		snprintf(np, sizeof(np), "%d", rt[i][0]);
		char *argv[] = { "mpirun", "-np", np, "--oversubscribe", "--bind-to", "none", ref,
				 "-q", "--kernel", "hybrid", "-n", ns, "--reps", "3", "--json", json,
				 NULL };
		double wall;
		char *out = run_captured(argv, rt[i][1], &wall);
		if (!out) {
			rc = 1;
			break;
		}
		free(out);
		char *text = read_small(json);
		cJSON *j = text ? cJSON_Parse(text) : NULL;
		double t = find_num(j, "median_s");
		cJSON_Delete(j);
		free(text);
		if (isnan(t)) {
			kit_error("no median_s in %s", json);
			rc = 1;
			break;
		}
		if (i == 0)
			t11 = t;
		if (rt[i][0] == 2 && rt[i][1] == 1)
			t21 = t;
		printf("%6d %8d %6d %12.4f %8.2fx\n", rt[i][0], rt[i][1], rt[i][0] * rt[i][1], t,
		       t11 / t);
		kit_buf_printf(&csv, "%d,%d,%.6g,%.4g\n", rt[i][0], rt[i][1], t, t11 / t);
	}
	/* the Python version: mpi4py ranks, NumPy inside, the same stream */
	if (!rc && access("/usr/bin/python3", X_OK) == 0) {
		char *argv[] = { "mpirun", "-np", "2", "--oversubscribe", "--bind-to", "none",
				 "/usr/bin/python3", py, ns, "2026", NULL };
		double wall;
		char *out = run_captured(argv, 1, &wall);
		unsigned long long hits = 0;
		double secs = NAN;
		if (out && sscanf(out, "hits %llu seconds %lf", &hits, &secs) == 2) {
			char *vargv[] = { ref, "-q", "--kernel", "hybrid", "-n", ns, "--validate", NULL };
			char *v = run_captured(vargv, 2, &wall);
			unsigned long long want = 0;
			if (v)
				sscanf(v, "PASS: hybrid: %llu", &want);
			printf("\nPython (mpi4py + NumPy), 2 ranks x 1 thread: %.4f s, %llu hits (%s)\n",
			       secs, hits, hits == want ? "the C count" : "NOT the C count");
			if (!isnan(t21))
				printf("C / Python at 2 ranks x 1 thread, same n and seed, this run: "
				       "Python takes %.1fx the time\n", secs / t21);
			free(v);
		} else {
			printf("\nPython (mpi4py) did not run here (python3-mpi4py and python3-numpy "
			       "installed?)\n");
		}
		free(out);
	}
	if (!rc && out_dir && !kit_mkdirs(out_dir)) {
		char *p = kit_xasprintf("%s/sweep.csv", out_dir);
		if (!kit_write_file(p, kit_buf_str(&csv)))
			printf("wrote %s\n", p);
		free(p);
	}
	kit_buf_free(&csv);
	unlink(json);
	rmdir(tmpl);
	free(json);
	free(ref);
	free(py);
	free(dir);
	return rc;
}

int main(int argc, char **argv)
{
	const char *demo = NULL;
	bool bench = false;
	kit_opt opts[] = {
		KIT_OPT_STRING(0, "demo", &demo, "NAME", "pingpong (2 ranks: latency, bandwidth) "
			       "or ranks-threads (a ranks x threads sweep)"),
		KIT_OPT_BOOL(0, "bench", &bench, "(no benchmark: the sweep is this exercise's)"),
		KIT_OPT_BOOL(0, "quick", &quick, "test-sized (a few seconds)"),
		KIT_OPT_STRING(0, "out", &out_dir, "DIR", "where the CSV files go"),
		KIT_OPT_U64('n', NULL, &n_samples, "N", "samples of the sweep (default 4e8)", 1,
			    UINT64_C(10000000000000)),
		KIT_OPT_END,
	};
	const kit_opt *tables[] = { opts, NULL };
	kit_opt_prog p = {
		.name = "hybrid-demos",
		.usage = "hybrid-demos --demo pingpong|ranks-threads [--quick] [--out DIR]",
		.about = "The demos of exercise 08 (hybrid MPI + OpenMP): a ping-pong between 2\n"
			 "MPI ranks, and a ranks x threads sweep beside the mpi4py version.\n",
		.tables = tables,
		.examples = "  hybrid-demos --demo pingpong\n  hybrid-demos --demo ranks-threads --quick\n",
	};
	if (kit_init(argc, argv))
		return KIT_EXIT_USAGE;
	int rc = kit_opt_parse(&p, argc, argv);
	if (rc == KIT_OPT_HELP)
		return KIT_EXIT_OK;
	if (rc)
		return KIT_EXIT_USAGE;
	if (bench || !demo || (strcmp(demo, "pingpong") && strcmp(demo, "ranks-threads"))) {
		kit_error("--demo must be pingpong or ranks-threads (hybrid-demos --help)");
		return KIT_EXIT_USAGE;
	}
	if (!strcmp(demo, "ranks-threads"))
		return sweep(argv[0][0] == '/' ? argv[0] : realpath("/proc/self/exe", NULL));
	if (!getenv("OMPI_COMM_WORLD_SIZE")) {
		/* not started by mpirun: start 2 copies of this program with it */
		char **v = kit_xcalloc((size_t)argc + 8, sizeof(char *));
		int k = 0;
		v[k++] = "mpirun";
		v[k++] = "-np";
		v[k++] = "2";
		v[k++] = "--oversubscribe";
		v[k++] = "--bind-to";
		v[k++] = "none";
		v[k++] = realpath("/proc/self/exe", NULL);
		for (int i = 1; i < argc; i++)
			v[k++] = argv[i];
		/* a rank waiting for a message gives up its core instead of
		 * spinning: on a machine busier than its cores a spinning rank
		 * keeps its partner from running, and every round trip takes a
		 * scheduler's time slice (milliseconds) */
		setenv("OMPI_MCA_mpi_yield_when_idle", "1", 0);
		if (geteuid() == 0) {
			setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
			setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
		}
		fflush(stdout);
		execvp("mpirun", v);
		kit_error("could not start mpirun (apt-get install openmpi-bin): %s", strerror(errno));
		return 2;
	}
	MPI_Init(&argc, &argv);
	rc = pingpong();
	MPI_Finalize();
	return rc;
}
