/*
 * test_opt.c - option tables (opt.h): every kind, both spellings of a value,
 * the one error shape with its did-you-mean, range checks naming the option,
 * generated --help, operands.
 */
#include <stdlib.h>
#include <string.h>

#include "kit.h"
#include "opt.h"
#include "tap.h"
#include "testutil.h"

static bool quiet, quiet_seen;
static int reps, kernel = -1;
static uint64_t n = 7;
static double tol = 0.5;
static const char *json;
static kit_opt_counts threads;
static const char *const kernels[] = { "serial", "reduction", "streams", NULL };

static kit_opt table[] = {
	KIT_OPT_GROUP("run:"),
	KIT_OPT_CHOICE(0, "kernel", &kernel, "K", "serial, reduction or streams", kernels),
	KIT_OPT_U64('n', NULL, &n, "N", "samples; 1e6, 5M work", 1, 10000000000000ull),
	KIT_OPT_INT(0, "reps", &reps, "R", "timed runs", 1, 1000),
	KIT_OPT_DOUBLE(0, "tol", &tol, "X", "a tolerance\nwith a second line", 0, 1),
	KIT_OPT_COUNTS(0, "threads", &threads, "LIST", "thread counts", 1, 4096),
	KIT_OPT_STRING(0, "json", &json, "FILE", "write JSON"),
	KIT_OPT_BOOL('q', "quiet", &quiet, "only the table"),
	KIT_OPT_END,
};

static const kit_opt *tables[] = { table, NULL };
static const kit_opt_prog prog = {
	.name = "pi", .about = "Monte Carlo pi.", .tables = tables,
	.examples = "  pi -n 1e6\n",
};

/* Parses the blank-separated ARGS; returns kit_opt_parse's value and, in
 * *ERR (caller frees), what it printed on stderr. */
static int parse(const char *args, char **err)
{
	static char buf[512];
	char *argv[32] = { "pi" };
	int argc = 1;
	snprintf(buf, sizeof(buf), "%s", args);
	for (char *t = strtok(buf, " "); t && argc < 31; t = strtok(NULL, " "))
		argv[argc++] = t;
	capture_begin();
	int rc = kit_opt_parse(&prog, argc, argv);
	char *e = capture_end();
	if (err)
		*err = e;
	else
		free(e);
	return rc;
}

static bool one_line_with(const char *err, const char *text)
{
	return err && strstr(err, text) && strchr(err, '\n') == err + strlen(err) - 1;
}

int main(void)
{
	char *argv0[] = { "pi", NULL };
	kit_init(1, argv0);
	table[7].seen = &quiet_seen;
	char *err = NULL;

	ok(parse("-n 5M --reps=3 --tol 0.25 --kernel streams -q --json out.json", NULL) == 0,
	   "a full command line parses");
	ok(n == 5000000 && reps == 3 && tol == 0.25 && kernel == 2 && quiet && quiet_seen &&
	   json && !strcmp(json, "out.json"), "every target set");
	ok(parse("-n1e6", NULL) == 0 && n == 1000000, "-nVALUE attached");
	ok(parse("--threads 1-3", NULL) == 0 && threads.n == 3 && threads.v[2] == 3,
	   "--threads 1-3 is a list of three");
	ok(parse("--threads=2,4", NULL) == 0 && threads.n == 2 && threads.v[1] == 4,
	   "a repeated list replaces the earlier one");

	ok(parse("--tread 2", &err) == -1, "an unknown option fails");
	ok(one_line_with(err, "pi: error: unknown option '--tread'; did you mean '--threads'? "
			      "(pi --help lists them)"), "... one line with a did-you-mean");
	free(err);
	ok(parse("--zzzzzzzz", &err) == -1 && one_line_with(err, "unknown option '--zzzzzzzz' "
							  "(pi --help lists them)"),
	   "nothing close: no suggestion");
	free(err);
	ok(parse("-x", &err) == -1 && one_line_with(err, "unknown option '-x'"),
	   "an unknown short option fails");
	free(err);
	ok(parse("-n abc", &err) == -1 && one_line_with(err, "-n must be a whole number from 1 "
							     "to 10000000000000, not 'abc'"),
	   "a bad number names the option and the range");
	free(err);
	ok(parse("-n 0", NULL) == -1, "-n below its range fails");
	ok(parse("--reps 1001", NULL) == -1, "--reps above its range fails");
	ok(parse("--tol 2", &err) == -1 && one_line_with(err, "--tol must be a number"),
	   "a double out of range names the option");
	free(err);
	ok(parse("--kernel fast", &err) == -1 &&
	   one_line_with(err, "--kernel must be serial, reduction or streams, not 'fast'"),
	   "a bad choice lists the choices");
	free(err);
	ok(parse("--kernel stream", &err) == -1 && one_line_with(err, "did you mean 'streams'?"),
	   "a near choice is suggested");
	free(err);
	ok(parse("--quiet=yes", &err) == -1 && one_line_with(err, "option '--quiet' takes no value"),
	   "a flag given a value fails");
	free(err);
	ok(parse("--reps", &err) == -1 && one_line_with(err, "option '--reps' needs a value"),
	   "a missing value fails");
	free(err);
	ok(parse("--threads 0", &err) == -1 && one_line_with(err, "--threads must be a list"),
	   "a bad list names the option");
	free(err);
	ok(parse("--json=", &err) == -1 && one_line_with(err, "--json needs a non-empty value"),
	   "an empty string value fails");
	free(err);
	ok(parse("stray", &err) == -1 && one_line_with(err, "unexpected argument 'stray'"),
	   "an operand where none is allowed fails");
	free(err);

	/* --help: generated from the table, on stdout. */
	fflush(stdout);
	FILE *f = tmpfile();
	kit_opt_help(&prog, f);
	long len = ftell(f);
	rewind(f);
	char *help = calloc(1, (size_t)len + 1);
	ok(fread(help, 1, (size_t)len, f) == (size_t)len, "help written");
	fclose(f);
	ok(strstr(help, "usage: pi [options]\n") == help, "help starts with the usage line");
	ok(strstr(help, "\nrun:\n") != NULL, "group headings shown");
	ok(strstr(help, "  -n N                samples; 1e6, 5M work\n") != NULL,
	   "a short option with its value name and help");
	ok(strstr(help, "  -q, --quiet         only the table\n") != NULL, "both spellings shown");
	ok(strstr(help, "a tolerance\n                      with a second line\n") != NULL,
	   "continuation lines indented");
	ok(strstr(help, "\nexamples:\n  pi -n 1e6\n") != NULL, "examples at the end");
	free(help);

	ok(kit_opt_find(&prog, "--threads") == &table[5] && kit_opt_find(&prog, "-q") == &table[7] &&
	   kit_opt_find(&prog, "--nope") == NULL, "kit_opt_find by either spelling");
	ok(kit_opt_distance("tread", "threads") == 2 && kit_opt_distance("", "abc") == 3,
	   "edit distance");
	kit_opt_counts_free(&threads);
	ok(threads.v == NULL && threads.n == 0, "counts freed and emptied");
	return tap_done();
}
