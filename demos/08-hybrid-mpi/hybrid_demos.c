/*
 * NAME
 *   hybrid_demos.c - the demo program of exercise 08: a ping-pong between
 *   2 MPI ranks (latency, bandwidth, the cost model), a ranks x threads
 *   sweep of the reference's pi count beside the mpi4py version (heat maps,
 *   ptsweep.h), and what mpirun's binding does to a rank's threads.
 *
 * USAGE
 *   hybrid-demos --demo pingpong [--quick] [--out DIR]
 *   hybrid-demos --demo ranks-threads [--quick] [-n N] [--out DIR]
 *   hybrid-demos --demo binding [--quick] [-n N]
 *   ./kit demo pingpong; ./kit demo ranks-threads   (the usual way in)
 *
 * NOTES
 *   pingpong starts itself again under mpirun -np 2 when it was not started
 *   by mpirun. ranks-threads runs the reference program (BUILD/solutions/08-hybrid-mpi/
 *   hybrid) under mpirun once per (ranks, threads), and the Python version
 *   (pi_mpi4py.py, Debian's python3-mpi4py) at 2 ranks on the same n and seed:
 *   the same count, and the time ratio of the same run. Every time is the
 *   program's own (its JSON's median_s): mpirun's start-up, a large part of a
 *   short run, is left out. binding runs one rank of 2 threads pinned to one
 *   core, to two, and unpinned.
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
#include "ptsweep.h"

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
				printf("wrote %s\n", kit_shown_path(csv_path));
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
 * captured stdout (malloc'd) or NULL after a message. With ERR, *ERR gets its
 * stderr (malloc'd, or NULL) when it worked. */
static char *run_captured(char *const argv[], int t, double *wall, char **err)
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
		if (err)
			*err = r.err ? kit_xstrdup(r.err) : NULL;
	} else {
		kit_error("%s %s: %s%s%s", argv[0], argv[1], kit_proc_describe(&r),
			  r.err ? "\n" : "", r.err ? r.err : "");
	}
	kit_proc_result_free(&r);
	return out;
}

/* The scratch place and the command of the sweep's and the binding demo's
 * runs: the reference at n samples, its own median time read from its JSON. */
struct runner {
	char *ref, *json, dir[32];
	char ns[32];
	double own;		/* the last run's median_s */
	char *bindings;		/* the last run's --report-bindings lines, or NULL */
};

/* Runs the reference under mpirun with the options in MPI_OPTS (NULL-ended)
 * at RANKS x T; 0 and R->own, or -1 after a message. */
static int run_ref(struct runner *r, int ranks, int t, const char *const *mpi_opts)
{
	char np[16];
	snprintf(np, sizeof(np), "%d", ranks);
	const char *argv[32] = { "mpirun", "-np", np, "--oversubscribe" };
	int k = 4;
	for (int i = 0; mpi_opts && mpi_opts[i]; i++)
		argv[k++] = mpi_opts[i];
	const char *tail[] = { r->ref, "-q", "--kernel", "hybrid", "-n", r->ns, "--reps", "3",
			       "--json", r->json, NULL };
	for (int i = 0; tail[i]; i++)
		argv[k++] = tail[i];
	argv[k] = NULL;
	double wall;
	free(r->bindings);
	r->bindings = NULL;
	char *out = run_captured((char *const *)argv, t, &wall, &r->bindings);
	if (!out)
		return -1;
	free(out);
	char *text = read_small(r->json);
	cJSON *j = text ? cJSON_Parse(text) : NULL;
	r->own = find_num(j, "median_s");
	cJSON_Delete(j);
	free(text);
	if (isnan(r->own)) {
		kit_error("the reference wrote no median_s in %s", r->json);
		return -1;
	}
	return 0;
}

/* Finds the reference beside this program's build and makes the scratch
 * folder. 0, or 2 after a message. */
static int runner_open(struct runner *r, const char *self, uint64_t n)
{
	char *dir = kit_xstrdup(self);
	r->ref = kit_xasprintf("%s/../../solutions/08-hybrid-mpi/hybrid", dirname(dir));
	free(dir);
	snprintf(r->ns, sizeof(r->ns), "%llu", (unsigned long long)n);
	snprintf(r->dir, sizeof(r->dir), "/tmp/hybrid-demo.XXXXXX");
	if (access(r->ref, X_OK)) {
		kit_error("the reference program %s is missing; build it (ninja -C build)", r->ref);
		return 2;
	}
	if (!mkdtemp(r->dir)) {
		kit_error("cannot make a scratch folder in /tmp: %s", strerror(errno));
		return 2;
	}
	r->json = kit_xasprintf("%s/r.json", r->dir);
	return 0;
}

static void runner_close(struct runner *r)
{
	if (r->json)
		unlink(r->json), rmdir(r->dir);
	free(r->json), free(r->ref), free(r->bindings);
}

static const char *const unbound[] = { "--bind-to", "none", NULL };

static int cell_run(void *ctx, int p, int t, double *extra)
{
	(void)extra;
	return run_ref(ctx, p, t, unbound);
}

static double cell_seconds(void *ctx)
{
	return ((struct runner *)ctx)->own;
}

static const char *cell_why(void *ctx)
{
	(void)ctx;
	return "mpirun or the reference failed (above)";
}

/* Writes CSV to OUT_DIR/NAME (atomically, when --out or ./kit gave a folder),
 * says where, and frees CSV. */
static void save_csv(const char *name, kit_buf *csv)
{
	if (out_dir && !kit_mkdirs(out_dir)) {
		char *p = kit_xasprintf("%s/%s", out_dir, name);
		if (!kit_write_file(p, kit_buf_str(csv)))
			printf("wrote %s\n", kit_shown_path(p));
		free(p);
	}
	kit_buf_free(csv);
}

/* The table under the heat maps, and its CSV in OUT_DIR. */
static void sweep_table(const kit_ptsweep *w)
{
	printf("%6s %8s %6s %12s %9s\n", "ranks", "threads", "cores", "median (s)", "speed-up");
	kit_buf csv = { 0 };
	kit_buf_printf(&csv, "ranks,threads,median_s,speedup\n");
	for (int q = 0; q < w->np * w->nt; q++) {
		const kit_ptsweep_cell *x = &w->cells[q];
		if (!x->done)
			continue;
		double s = kit_ptsweep_speedup(w, q);
		printf("%6d %8d %6d %12.4f %8.2fx%s\n", x->p, x->t, x->p * x->t, x->median, s,
		       x->oversub ? "  (more than the cores)" : "");
		kit_buf_printf(&csv, "%d,%d,%.6g,%.4g\n", x->p, x->t, x->median, s);
	}
	save_csv("sweep.csv", &csv);
}

/* The Python version (mpi4py ranks, NumPy inside, the same stream) at 2
 * ranks x 1 thread, beside the C time T21 of the same cell. */
static void sweep_python(struct runner *r, double t21)
{
	char *py = kit_xasprintf("%s/demos/08-hybrid-mpi/pi_mpi4py.py", kit_root());
	char *argv[] = { "mpirun", "-np", "2", "--oversubscribe", "--bind-to", "none",
			 "/usr/bin/python3", py, r->ns, "2026", NULL };
	double wall;
	char *out = access("/usr/bin/python3", X_OK) ? NULL : run_captured(argv, 1, &wall, NULL);
	unsigned long long hits = 0;
	double secs = NAN;
	if (out && sscanf(out, "hits %llu seconds %lf", &hits, &secs) == 2) {
		char *vargv[] = { r->ref, "-q", "--kernel", "hybrid", "-n", r->ns, "--validate", NULL };
		char *v = run_captured(vargv, 2, &wall, NULL);
		unsigned long long want = 0;
		if (v)
			sscanf(v, "PASS: hybrid: %llu", &want);
		printf("\nPython (mpi4py + NumPy), 2 ranks x 1 thread: %.4f s, %llu hits (%s)\n", secs,
		       hits, hits == want ? "the C count" : "NOT the C count");
		if (!isnan(t21))
			printf("C / Python at 2 ranks x 1 thread, same n and seed, this run: "
			       "Python takes %.1fx the time\n", secs / t21);
		free(v);
	} else {
		printf("\nPython (mpi4py) did not run here (python3-mpi4py and python3-numpy "
		       "installed?)\n");
	}
	free(out);
	free(py);
}

static int sweep(const char *self)
{
	struct runner r = { 0 };
	uint64_t n = n_samples ? n_samples : quick ? UINT64_C(20000000) : UINT64_C(400000000);
	if (runner_open(&r, self, n))
		return 2;
	static const int full[] = { 1, 2, 4 }, small[] = { 1, 2 };
	int nv = quick ? 2 : 3;
	printf("ranks x threads sweep: the reference's pi count, n = %s; a cell's time is the\n"
	       "program's own median of 3 runs (mpirun's start-up left out)\n"
	       "(cores here: %ld; past them ranks and threads take turns)\n", r.ns,
	       sysconf(_SC_NPROCESSORS_ONLN));
	kit_ptsweep w = {
		.ps = quick ? small : full, .np = nv, .ts = quick ? small : full, .nt = nv,
		.repeat = 1, .quiet = !isatty(STDOUT_FILENO), .schema = "hybrid-sweep/1",
		.things = "runs", .what = "the pi count", .run = cell_run, .why = cell_why,
		.seconds = cell_seconds, .ctx = &r, .p_name = "ranks",
	};
	kit_ptsweep_measure(&w);
	char *prefix = out_dir && !kit_mkdirs(out_dir) ? kit_xasprintf("%s/sweep", out_dir) : NULL;
	int rc = kit_ptsweep_heatmaps(&w, prefix, stdout) ? 1 : 0;
	sweep_table(&w);
	const kit_ptsweep_cell *c21 = kit_ptsweep_at(&w, 2, 1);
	if (!w.nfailed)
		sweep_python(&r, c21 && c21->done ? c21->median : NAN);
	rc |= w.nfailed != 0;
	kit_ptsweep_free(&w);
	free(prefix);
	runner_close(&r);
	return rc;
}

/* ------------------------------------------------------------------------
 * binding: one rank of 2 threads, pinned to one core (Open MPI's default),
 * to 2 cores, and not pinned.
 */

/* What the --report-bindings lines in B say of rank 0, shortened, or "". */
static const char *binding_of(const char *b, char *buf, size_t size)
{
	const char *s = b ? strstr(b, "bound") : NULL;
	if (s && s >= b + 4 && !strncmp(s - 4, "not ", 4))
		snprintf(buf, size, "not bound, or bound to every CPU: the same here");
	else if (s) {
		size_t len = strcspn(s, "\n");
		snprintf(buf, size, "%.*s", (int)(len < size ? len : size - 1), s);
	} else
		buf[0] = '\0';
	return buf;
}

static int binding(const char *self)
{
	struct runner r = { 0 };
	uint64_t n = n_samples ? n_samples : quick ? UINT64_C(40000000) : UINT64_C(400000000);
	if (runner_open(&r, self, n))
		return 2;
	static const char *const core[] = { "--bind-to", "core", "--report-bindings", NULL };
	static const char *const pe2[] = { "--map-by", "slot:PE=2", "--bind-to", "core",
					   "--report-bindings", NULL };
	static const char *const none[] = { "--bind-to", "none", "--report-bindings", NULL };
	struct {
		const char *what;
		int t;
		const char *const *opts;
	} rows[] = {
		{ "1 thread, --bind-to core", 1, core },
		{ "2 threads, --bind-to core (the default)", 2, core },
		{ "2 threads, --map-by slot:PE=2 --bind-to core", 2, pe2 },
		{ "2 threads, --bind-to none", 2, none },
	};
	printf("binding: one MPI rank running 2 OpenMP threads, n = %s, the program's own median\n"
	       "of 3 runs. mpirun binds each of 2 ranks or fewer to ONE core by default, and a\n"
	       "rank's threads stay where it is bound. (cores here: %ld)\n\n", r.ns,
	       sysconf(_SC_NPROCESSORS_ONLN));
	printf("%-46s %10s %9s  %s\n", "mpirun options", "median (s)", "speed-up", "where mpirun put it");
	double t1 = NAN;
	int failed = 0;
	kit_buf csv = { 0 };
	kit_buf_printf(&csv, "mpirun_options,threads,median_s,speedup,binding\n");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char where[160];
		if (run_ref(&r, 1, rows[i].t, rows[i].opts)) {
			printf("%-46s %10s %9s  %s\n", rows[i].what, "-", "-",
			       "could not run here (the message above says why)");
			failed++;
			continue;
		}
		if (i == 0)
			t1 = r.own;
		binding_of(r.bindings, where, sizeof(where));
		printf("%-46s %10.4f %8.2fx  %s\n", rows[i].what, r.own, t1 / r.own, where);
		kit_buf_printf(&csv, "\"%s\",%d,%.6g,%.4g,\"%s\"\n", rows[i].what, rows[i].t, r.own,
			       t1 / r.own, where);
	}
	printf("\n");
	save_csv("binding.csv", &csv);
	printf("\nPinned to one core, the second thread only takes turns with the first: no faster\n"
	       "than 1 thread. Give each rank as many cores as threads (--map-by slot:PE=T), or let\n"
	       "the system place the threads (--bind-to none, what this kit's grader uses).\n");
	runner_close(&r);
	return failed == (int)(sizeof(rows) / sizeof(rows[0])) ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *demo = NULL;
	bool bench = false;
	kit_opt opts[] = {
		KIT_OPT_STRING(0, "demo", &demo, "NAME", "pingpong (2 ranks: latency, bandwidth), "
			       "ranks-threads (a ranks x threads sweep) or binding (where "
			       "mpirun puts a rank's threads)"),
		KIT_OPT_BOOL(0, "bench", &bench, "(no benchmark: the sweep is this exercise's)"),
		KIT_OPT_BOOL(0, "quick", &quick, "test-sized (a few seconds)"),
		KIT_OPT_STRING(0, "out", &out_dir, "DIR", "where the CSV files go"),
		KIT_OPT_U64('n', NULL, &n_samples, "N", "samples of a run (default 4e8)", 1,
			    UINT64_C(10000000000000)),
		KIT_OPT_END,
	};
	const kit_opt *tables[] = { opts, NULL };
	kit_opt_prog p = {
		.name = "hybrid-demos",
		.usage = "hybrid-demos --demo pingpong|ranks-threads|binding [--quick] [--out DIR]",
		.about = "The demos of exercise 08 (hybrid MPI + OpenMP): a ping-pong between 2\n"
			 "MPI ranks, a ranks x threads sweep beside the mpi4py version (heat\n"
			 "maps), and where mpirun's binding puts a rank's threads.\n",
		.tables = tables,
		.examples = "  hybrid-demos --demo pingpong\n  hybrid-demos --demo ranks-threads --quick\n"
			    "  hybrid-demos --demo binding\n",
	};
	if (kit_init(argc, argv))
		return KIT_EXIT_USAGE;
	int rc = kit_opt_parse(&p, argc, argv);
	if (rc == KIT_OPT_HELP)
		return KIT_EXIT_OK;
	if (rc)
		return KIT_EXIT_USAGE;
	if (bench || !demo ||
	    (strcmp(demo, "pingpong") && strcmp(demo, "ranks-threads") && strcmp(demo, "binding"))) {
		kit_error("--demo must be pingpong, ranks-threads or binding (hybrid-demos --help)");
		return KIT_EXIT_USAGE;
	}
	const char *self = argv[0][0] == '/' ? argv[0] : realpath("/proc/self/exe", NULL);
	if (!strcmp(demo, "ranks-threads"))
		return sweep(self);
	if (!strcmp(demo, "binding"))
		return binding(self);
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
