/*
 * exercise.c - the one exercise driver (exercise.h): options, dispatch to the
 * modes, the demo program, and the runner every mode uses. The modes are in
 * exercise_checks.c, exercise_time.c and exercise_emit.c.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exercise.h"
#include "exercise_internal.h"
#include "kit.h"
#include "opt.h"

static const char *const hint_serial_fallback = "see the exercise's README";

/* ------------------------------------------------------------------------
 * Small helpers
 */

const kit_ex_kernel *kern(const drv *d, int k)
{
	return &d->ex->kernels[k];
}

bool all_kernels(const drv *d)
{
	return d->kernel == d->ex->nkernels;
}

const char *plural(long n)
{
	return n == 1 ? "" : "s";
}

bool has_flag(const kit_exercise *ex, unsigned flag)
{
	for (int k = 0; k < ex->nkernels; k++)
		if (ex->kernels[k].flags & flag)
			return true;
	return false;
}

/* The n of kernel K: -n, else the kernel's default, else the exercise's. */
uint64_t n_for(const drv *d, int k, bool checking)
{
	if (d->n_set)
		return d->n;
	uint64_t kn = checking ? kern(d, k)->n_check : kern(d, k)->n_time;
	if (kn)
		return kn;
	return checking ? d->ex->n_check : d->ex->n_time;
}

kit_ex_ctx ctx_for(const drv *d, int k, bool checking, int threads)
{
	return (kit_ex_ctx){
		.ex = d->ex, .kernel = k, .n = n_for(d, k, checking), .n_given = d->n_set,
		.seed = d->seed,
		.input = d->input, .threads = threads,
		.procs = d->procs ? d->procs : threads, .checking = checking,
		.all_kernels = all_kernels(d), .quiet = d->quiet,
	};
}

const char *hint_of(const drv *d, int k)
{
	return kern(d, k)->hint ? kern(d, k)->hint : hint_serial_fallback;
}

/* RESULT in a few words, into B (cleared first). */
const char *describe(const drv *d, const void *result, kit_buf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
	const kit_exercise *ex = d->ex;
	if (ex->describe)
		ex->describe(result, b);
	else if (ex->result_name && ex->result_is_double)
		kit_buf_printf(b, "%s %.17g", ex->result_name, *(const double *)result);
	else if (ex->result_name)
		kit_buf_printf(b, "%llu %s", (unsigned long long)*(const uint64_t *)result,
			       ex->result_name);
	else
		kit_buf_add_str(b, "a result");
	return kit_buf_str(b);
}

/* ------------------------------------------------------------------------
 * Options
 */

static kit_opt *common_table(drv *d)
{
	const kit_exercise *ex = d->ex;
	bool procs = has_flag(ex, KIT_EX_PROCESSES);
	kit_opt t[] = {
		KIT_OPT_GROUP("what to run:"),
		KIT_OPT_CHOICE(0, "kernel", &d->kernel, "K", "the kernel (one per step), or all "
			       "(default)", d->choices),
		KIT_OPT_U64('n', NULL, &d->n, "N", ex->n_help, ex->n_min, ex->n_max),
		KIT_OPT_U64(0, "seed", &d->seed, "S", d->seed_help, 0, UINT64_MAX),
		KIT_OPT_STRING(0, "input", &d->input, "DIR", "the folder of input files"),
		KIT_OPT_COUNTS(0, "threads", &d->threads, "LIST", "thread counts to time, e.g. "
			       "1,2,4 or 1-8 or cores, cpus,\n2cpus (default: OMP_NUM_THREADS)",
			       1, MAX_THREADS),
		KIT_OPT_INT(0, "procs", &d->procs, "P", "worker processes of the process "
			    "kernels (default: as\nmany as threads)", 1, MAX_PROCS),
		KIT_OPT_INT(0, "reps", &d->reps, "R", "exactly R timed runs after the checked "
			    "one (default:\nat least 5 runs and 0.2 s)", 1, 100000),
		KIT_OPT_STRING(0, "json", &d->json, "FILE", "write the results as JSON"),
		KIT_OPT_STRING(0, "csv", &d->csv, "FILE", "write the results as CSV"),
		KIT_OPT_STRING(0, "png", &d->png, "PREFIX", "the scaling charts as PNGs"),
		KIT_OPT_BOOL(0, "chart", &d->chart, "a text chart of the speed-up"),
		KIT_OPT_BOOL('q', "quiet", &d->quiet, "only the table (checks: only the last line)"),
		KIT_OPT_GROUP("checks (at the thread count OMP_NUM_THREADS sets; last line "
			      "PASS: or FAIL:):"),
		KIT_OPT_BOOL(0, "validate", &d->validate, "the result is right"),
		KIT_OPT_BOOL(0, "expect-parallel", &d->expect_parallel,
			     "2 or more threads did work (77: only 1 thread here)"),
		KIT_OPT_INT(0, "consistent", &d->consistent, "R", "R runs give the same result",
			    2, 1000),
		KIT_OPT_COUNTS(0, "same-across", &d->same_across, "LIST",
			       "the same result at every thread count of LIST", 1, MAX_THREADS),
		KIT_OPT_BOOL(0, "expect-children", &d->expect_children,
			     "the kernel ran in child processes, all reaped"),
		KIT_OPT_GROUP("run and check apart (what ./kit grade does):"),
		KIT_OPT_STRING(0, "emit", &d->emit, "DIR", "run --kernel K once and write its "
			       "raw outputs into DIR"),
		KIT_OPT_STRING(0, "verify", &d->verify, "DIR[,DIR...]", "check the outputs "
			       "emitted into each DIR; one line\nPASS: or FAIL:"),
		KIT_OPT_STRING(0, "make-inputs", &d->make_inputs, "DIR",
			       "write the input files for --seed into DIR"),
		KIT_OPT_INT(0, "count", &d->count, "K", "input files --make-inputs writes", 1, 10000),
		KIT_OPT_GROUP("demos (from the reference solution):"),
		KIT_OPT_STRING(0, "demo", &d->demo, "NAME", "a live demo (./kit demo --list "
			       "names them)"),
		KIT_OPT_BOOL(0, "bench", &d->bench, "the benchmark"),
		KIT_OPT_BOOL(0, "quick", &d->quick, "test-sized demo or benchmark"),
		KIT_OPT_STRING(0, "out", &d->out, "DIR", "where the demo writes its files"),
		KIT_OPT_END,
	};
	t[2].seen = &d->n_set;	/* -n */
	/* Leave out what this exercise does not have. */
	kit_opt *keep = kit_xcalloc(sizeof(t) / sizeof(t[0]), sizeof(*keep));
	size_t n = 0;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *l = t[i].long_name ? t[i].long_name : "";
		if ((!strcmp(l, "input") && !ex->has_input) ||
		    ((!strcmp(l, "procs") || !strcmp(l, "expect-children")) && !procs) ||
		    ((!strcmp(l, "make-inputs") || !strcmp(l, "count")) && !ex->make_inputs) ||
		    (!ex->demo_program && (!strcmp(l, "demo") || !strcmp(l, "bench") ||
					   !strcmp(l, "quick") || !strcmp(l, "out"))) ||
		    (!ex->demo_program && t[i].kind == KIT_OPT_KIND_GROUP &&
		     strstr(t[i].help, "demos")))
			continue;
		keep[n++] = t[i];
	}
	return keep;
}

/* The usage lines of --help. */
static char *usage_text(const kit_exercise *ex)
{
	const char *p = ex->program;
	kit_buf b = { 0 };
	kit_buf_printf(&b, "%s [--kernel K] [-n N] [--threads LIST] [--json F] [--chart]\n", p);
	kit_buf_printf(&b, "%s --kernel K [--validate] [--expect-parallel] [...]   PASS: or FAIL:\n",
		       p);
	kit_buf_printf(&b, "%s --kernel K [-n N] [--seed S]%s --emit DIR\n", p,
		       ex->has_input ? " [--input DIR]" : "");
	kit_buf_printf(&b, "%s --kernel K [-n N] [--seed S]%s --verify DIR[,DIR...]", p,
		       ex->has_input ? " [--input DIR]" : "");
	if (ex->make_inputs)
		kit_buf_printf(&b, "\n%s --make-inputs DIR --seed S [--count K]", p);
	if (ex->demo_program)
		kit_buf_printf(&b, "\n%s --demo NAME | --bench [--quick] [--out DIR]", p);
	return kit_buf_take(&b);
}

static int check_output(const char *opt, const char *file);

/* Combinations the table cannot say. 0, or -1 after one line. */
static int check_combinations(const drv *d)
{
	bool single = !all_kernels(d);
	unsigned f = single ? kern(d, d->kernel)->flags : 0;
	if ((d->emit || d->verify) && !single) {
		kit_error("%s needs one kernel: add --kernel K (%s --help lists them)",
			  d->emit ? "--emit" : "--verify", d->ex->program);
		return -1;
	}
	if (d->emit && d->verify) {
		kit_error("choose one of --emit and --verify");
		return -1;
	}
	if (d->expect_parallel && single && (f & KIT_EX_PROCESSES)) {
		kit_error("--expect-parallel watches threads; for the %s kernel use "
			  "--expect-children", kern(d, d->kernel)->name);
		return -1;
	}
	if (d->expect_children && !(single && (f & KIT_EX_PROCESSES))) {
		kit_error("--expect-children needs --kernel with a process kernel");
		return -1;
	}
	bool checks = d->validate || d->expect_parallel || d->consistent ||
		      d->same_across.n || d->expect_children;
	if ((d->demo || d->bench) && (checks || d->emit || d->verify)) {
		kit_error("--demo and --bench cannot be combined with checks, --emit or --verify");
		return -1;
	}
	if (d->demo && d->bench) {
		kit_error("choose one of --demo and --bench");
		return -1;
	}
	if (check_output("--json", d->json) || check_output("--csv", d->csv) ||
	    check_output("--png", d->png))
		return -1;
	if (d->emit && is_dir(d->emit) && access(d->emit, W_OK | X_OK)) {
		kit_error("--emit '%s': cannot write in this folder (%s); choose another folder",
			  d->emit, strerror(errno));
		return -1;
	}
	return 0;
}

/* An output FILE (--json, --csv; --png's prefix) can be written: its folder
 * exists and takes new files, and FILE is not a folder. Checked before any
 * work, so that a run never computes for minutes and then cannot keep its
 * result. 0, or -1 after one line naming the option and the path. */
static int check_output(const char *opt, const char *file)
{
	if (!file)
		return 0;
	const char *slash = strrchr(file, '/');
	char *dir = slash ? kit_xasprintf("%.*s", (int)(slash - file) + (slash == file), file)
			  : kit_xstrdup(".");
	int rc = 0;
	if (!*file || (slash && !slash[1]) || is_dir(file)) {
		kit_error("%s '%s' is a folder, not a file name; give a file name (e.g. "
			  "%s%sresults%s)", opt, file, file, slash && !slash[1] ? "" : "/",
			  !strcmp(opt, "--json") ? ".json" : !strcmp(opt, "--csv") ? ".csv" : "");
		rc = -1;
	} else if (!is_dir(dir)) {
		kit_error("%s '%s': the folder '%s' does not exist; make it first (mkdir -p) or "
			  "choose another path", opt, file, dir);
		rc = -1;
	} else if (access(dir, W_OK | X_OK)) {
		kit_error("%s '%s': cannot write in the folder '%s' (%s); choose another path",
			  opt, file, dir, strerror(errno));
		rc = -1;
	}
	free(dir);
	return rc;
}

/* "Kernels (--kernel): serial (step 1, pi_serial), ..." for --help, wrapped. */
static void kernel_list(const kit_exercise *ex, kit_buf *b)
{
	size_t col = 19;
	kit_buf_add_str(b, "Kernels (--kernel):");
	for (int k = 0; k < ex->nkernels; k++) {
		char item[160];
		int len = snprintf(item, sizeof(item), " %s (step %d, %s)%s", ex->kernels[k].name,
				   ex->kernels[k].step, ex->kernels[k].func,
				   k + 1 < ex->nkernels ? "," : ".");
		if (col + (size_t)len > 78) {
			kit_buf_add_str(b, "\n ");
			col = 1;
		}
		kit_buf_add_str(b, item);
		col += (size_t)len;
	}
	kit_buf_add_str(b, "\n");
}

/* Parses ARGV into D. 0, KIT_OPT_HELP or -1. */
static int parse(drv *d, int argc, char **argv)
{
	const kit_exercise *ex = d->ex;
	d->choices = kit_xcalloc((size_t)ex->nkernels + 2, sizeof(*d->choices));
	for (int k = 0; k < ex->nkernels; k++)
		d->choices[k] = ex->kernels[k].name;
	d->choices[ex->nkernels] = "all";
	d->kernel = ex->nkernels == 1 ? 0 : ex->nkernels;	/* one kernel: it */
	d->seed = ex->seed;
	d->seed_help = kit_xasprintf("seed of the random inputs (default %llu)",
				     (unsigned long long)ex->seed);
	kit_opt *common = common_table(d);
	const kit_opt *tables[] = { common, ex->options, NULL };
	char *usage = usage_text(ex);
	kit_buf about = { 0 };
	kit_buf_printf(&about, "%s (exercise %.2s).\n%s", ex->title, ex->name,
		       ex->about ? ex->about : "");
	kernel_list(ex, &about);
	kit_opt_prog p = { .name = ex->program, .usage = usage, .about = kit_buf_str(&about),
			   .tables = tables, .examples = ex->examples };
	int rc = kit_opt_parse(&p, argc, argv);
	if (rc == 0)
		rc = check_combinations(d);
	free(common);
	free(usage);
	kit_buf_free(&about);
	return rc;
}

/* ------------------------------------------------------------------------
 * Running a kernel
 */


/* Makes the problem for kernel K. 0, or -1 (make said why). */
int runner_open(runner *r, const drv *d, int k, bool checking, int threads)
{
	r->d = d;
	r->c = ctx_for(d, k, checking, threads);
	r->result = kit_xcalloc(1, d->ex->result_size ? d->ex->result_size : 1);
	r->prob = d->ex->make(&r->c);
	if (!r->prob) {
		free(r->result);
		r->result = NULL;
		return -1;
	}
	return 0;
}

void runner_close(runner *r)
{
	if (r->prob)
		r->d->ex->free(r->prob);
	free(r->result);
	r->prob = NULL;
	r->result = NULL;
}

/* One run at the current thread count into R->result. */
int runner_run(runner *r)
{
	r->c.threads = kit_omp_max_threads();
	r->c.procs = r->d->procs ? r->d->procs : r->c.threads;
	return r->d->ex->run(r->prob, &r->c, r->result);
}

int timed_fn(void *p)
{
	return runner_run(p);
}

/* ------------------------------------------------------------------------
 * Demos: the demo program beside the build's other programs
 */

/* BUILD/demos/NAME/PROGRAM, from this program's BUILD/{exercises,solutions}/NAME/. */
static char *demo_path(const char *name, const char *program)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	for (int up = 0; up < 3; up++) {
		char *slash = strrchr(exe, '/');
		if (!slash)
			return NULL;
		*slash = '\0';
	}
	return kit_xasprintf("%s/demos/%s/%s", exe, name, program);
}

int kit_ex_exec_demos(const char *name, const char *program, int argc, char **argv)
{
	char *path = demo_path(name, program);
	if (!path || access(path, X_OK)) {
		kit_error("the demos are a program of their own, built with the reference "
			  "solution: %s is not built; run ./kit once (it builds everything)",
			  path ? path : program);
		free(path);
		return KIT_EXIT_USAGE;
	}
	char **av = kit_xcalloc((size_t)argc + 1, sizeof(*av));
	av[0] = path;
	for (int i = 1; i < argc; i++)
		av[i] = argv[i];
	fflush(NULL);
	execv(path, av);
	kit_error("cannot run %s: %s", path, strerror(errno));
	free(av);
	free(path);
	return KIT_EXIT_USAGE;
}

/* ------------------------------------------------------------------------
 * main
 */

static int dispatch(drv *d, int argc, char **argv)
{
	const kit_exercise *ex = d->ex;
	if (d->demo || d->bench)
		return kit_ex_exec_demos(d->ex->name, d->ex->demo_program, argc, argv);
	if (d->make_inputs)
		return ex->make_inputs(d->make_inputs, d->seed, d->count ? d->count : 0)
			       ? KIT_EXIT_USAGE : KIT_EXIT_OK;
	kit_ex_ctx c = ctx_for(d, all_kernels(d) ? 0 : d->kernel, true, kit_omp_max_threads());
	if (ex->check_options && ex->check_options(&c))
		return KIT_EXIT_USAGE;
	if (ex->mode) {
		int rc = ex->mode(&c);
		if (rc >= 0)
			return rc;
	}
	if (d->emit)
		return do_emit(d);
	if (d->verify)
		return do_verify(d);
	if (d->validate || d->expect_parallel || d->consistent || d->same_across.n ||
	    d->expect_children)
		return run_checks(d);
	if (!d->threads.n) {
		d->threads.v = kit_xmalloc(sizeof(int));
		d->threads.v[0] = kit_omp_max_threads();
		d->threads.n = 1;
	}
	if (!d->quiet) {
		kit_env_print(stdout);
		if (ex->print_config) {
			c.checking = false;
			ex->print_config(&c);
		}
		putchar('\n');
		fflush(stdout);
	}
	return run_timing(d);
}

int kit_exercise_main(int argc, char **argv, const kit_exercise *ex)
{
	if (kit_init(argc, argv))
		return KIT_EXIT_USAGE;
	drv d = { .ex = ex };
	int rc = parse(&d, argc, argv);
	if (rc == KIT_OPT_HELP)
		rc = KIT_EXIT_OK;
	else if (rc)
		rc = KIT_EXIT_USAGE;
	else
		rc = dispatch(&d, argc, argv);
	kit_opt_counts_free(&d.threads);
	kit_opt_counts_free(&d.same_across);
	free(d.choices);
	free(d.seed_help);
	return rc;
}

