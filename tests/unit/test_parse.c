/*
 * test_parse.c - command-line numbers (kit_parse_u64, kit_parse_double,
 * kit_parse_counts), their messages, and kit_init's check of OMP_NUM_THREADS.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kit.h"
#include "tap.h"
#include "testutil.h"

static bool u64_is(const char *s, uint64_t min, uint64_t max, uint64_t want)
{
	uint64_t v = 0;
	return kit_parse_u64(s, "-n", min, max, &v) == 0 && v == want;
}

static bool u64_rejects(const char *s, uint64_t min, uint64_t max)
{
	uint64_t v = 12345;
	return kit_parse_u64(s, "-n", min, max, &v) == -1 && v == 12345;
}

static bool double_rejects(const char *s, double min, double max)
{
	double v = 42;
	return kit_parse_double(s, "--tol", min, max, &v) == -1 && v == 42;
}

/* Parses S into counts and compares with WANT (N values). */
static bool counts_are(const char *s, int min, int max, const int *want, size_t n)
{
	int *v = NULL;
	size_t nv = 0;
	if (kit_parse_counts(s, "--threads", min, max, &v, &nv))
		return false;
	bool same = nv == n && !memcmp(v, want, n * sizeof(*v));
	free(v);
	return same;
}

static bool counts_reject(const char *s, int min, int max)
{
	int *v = NULL;
	size_t nv = 0;
	return kit_parse_counts(s, "--threads", min, max, &v, &nv) == -1 && v == NULL;
}

int main(void)
{
	char *argv[] = { "/some/dir/test_parse", NULL };

	/* kit_init and OMP_NUM_THREADS. */
	ok(strcmp(kit_progname(), "kit") == 0, "progname is 'kit' before kit_init");
	unsetenv("OMP_NUM_THREADS");
	ok(kit_init(1, argv) == 0, "kit_init without OMP_NUM_THREADS: 0");
	ok(strcmp(kit_progname(), "test_parse") == 0, "progname is the base name of argv[0]");
	setenv("OMP_NUM_THREADS", "abc", 1);
	capture_begin();
	int rc = kit_init(1, argv);
	char *msg = capture_end();
	ok(rc == -1, "kit_init rejects OMP_NUM_THREADS=abc");
	ok(strstr(msg, "test_parse: error: OMP_NUM_THREADS='abc'") != NULL,
	   "the message names the variable and its value");
	setenv("OMP_NUM_THREADS", "0", 1);
	ok(kit_init(1, argv) == -1, "kit_init rejects OMP_NUM_THREADS=0");
	setenv("OMP_NUM_THREADS", "-2", 1);
	ok(kit_init(1, argv) == -1, "kit_init rejects OMP_NUM_THREADS=-2");
	setenv("OMP_NUM_THREADS", "4", 1);
	ok(kit_init(1, argv) == 0, "kit_init accepts OMP_NUM_THREADS=4");
	setenv("OMP_NUM_THREADS", "4,2", 1);
	ok(kit_init(1, argv) == 0, "kit_init accepts a nested list 4,2");
	setenv("OMP_NUM_THREADS", "4,", 1);
	ok(kit_init(1, argv) == -1, "kit_init rejects a trailing comma");
	unsetenv("OMP_NUM_THREADS");

	/* Whole numbers. */
	ok(u64_is("1e9", 1, UINT64_MAX, 1000000000ull), "'1e9' is 10^9");
	ok(u64_is("2.5e6", 1, UINT64_MAX, 2500000ull), "'2.5e6' is 2500000");
	ok(u64_is("10M", 1, UINT64_MAX, 10000000ull), "'10M' is 10^7");
	ok(u64_is("10k", 1, UINT64_MAX, 10000ull), "'10k' is 10^4");
	ok(u64_is("3G", 1, UINT64_MAX, 3000000000ull), "'3G' is 3 * 10^9");
	ok(u64_is("0", 0, 10, 0), "'0' accepted when min is 0");
	ok(u64_is("18446744073709551615", 0, UINT64_MAX, UINT64_MAX), "2^64 - 1 accepted");
	capture_begin();
	rc = u64_rejects("0", 1, 100);
	free(msg);
	msg = capture_end();
	ok(rc, "'0' rejected when min is 1, *out untouched");
	ok(strstr(msg, "test_parse: error: -n must be a whole number from 1 to 100, "
		       "not '0'\n") != NULL,
	   "the message: what, range, the text given");
	ok(u64_rejects("11", 1, 10), "above max rejected");
	ok(u64_rejects("-3", 0, 100), "'-3' rejected");
	ok(u64_rejects("abc", 0, 100), "'abc' rejected");
	ok(u64_rejects("1.5", 0, 100), "'1.5' rejected (not whole)");
	ok(u64_rejects("1e-3", 0, 100), "'1e-3' rejected (not whole)");
	ok(u64_rejects("18446744073709551616", 0, UINT64_MAX), "2^64 rejected (overflow)");
	ok(u64_rejects("20000000000G", 0, UINT64_MAX), "'20000000000G' rejected (overflow)");
	ok(u64_rejects("1e20", 0, UINT64_MAX), "'1e20' rejected (overflow)");
	ok(u64_rejects("10x", 0, 100), "'10x' rejected (unknown suffix)");
	ok(u64_rejects("", 0, 100), "'' rejected");
	ok(u64_rejects(NULL, 0, 100), "NULL rejected");

	/* Real numbers. */
	double d = 0;
	ok(kit_parse_double("1.5", "--tol", 0, 10, &d) == 0 && d == 1.5, "'1.5' is 1.5");
	ok(kit_parse_double("1e-9", "--tol", 0, 1, &d) == 0 && d == 1e-9, "'1e-9' is 1e-9");
	ok(double_rejects("abc", 0, 10), "'abc' rejected");
	ok(double_rejects("0.5", 1, 10), "below min rejected");
	ok(double_rejects("2x", 0, 10), "'2x' rejected");
	ok(double_rejects("nan", -1e300, 1e300), "'nan' rejected");
	ok(double_rejects("inf", -1e300, INFINITY), "'inf' rejected (not finite)");
	ok(double_rejects("1e400", 0, INFINITY), "'1e400' rejected (overflow)");
	ok(double_rejects("", 0, 10), "'' rejected");

	/* Lists of counts. */
	kit_topo topo;
	kit_topo_get(&topo);
	ok(counts_are("1,2,4", 1, 64, (int[]){ 1, 2, 4 }, 3), "'1,2,4'");
	ok(counts_are("1-4,8", 1, 64, (int[]){ 1, 2, 3, 4, 8 }, 5), "'1-4,8' expands the range");
	ok(counts_are("cpus", 1, 4096, (int[]){ topo.pus }, 1), "'cpus' is the logical CPUs");
	ok(counts_are("cores", 1, 4096, (int[]){ topo.cores }, 1), "'cores' is the physical cores");
	ok(counts_are("2cpus", 1, 4096, (int[]){ 2 * topo.pus }, 1), "'2cpus' is twice the CPUs");
	ok(counts_are("1-cpus", 1, 4096, (int[]){ 1, 2 }, topo.pus < 2 ? (size_t)topo.pus : 2),
	   "'1-cpus' starts 1, 2");
	capture_begin();
	rc = counts_reject("0", 1, 64);
	free(msg);
	msg = capture_end();
	ok(rc, "'0' rejected when min is 1");
	ok(strstr(msg, "--threads must be a list of whole numbers from 1 to 64") &&
	   strstr(msg, "not '0'"), "the message: what, range, the text given");
	ok(counts_reject("-3", 1, 64), "'-3' rejected");
	ok(counts_reject("abc", 1, 64), "'abc' rejected");
	ok(counts_reject("4-1", 1, 64), "a falling range rejected");
	ok(counts_reject("1,", 1, 64), "a trailing comma rejected");
	ok(counts_reject(",1", 1, 64), "an empty element rejected");
	ok(counts_reject("", 1, 64), "'' rejected");
	ok(counts_reject("65", 1, 64), "above max rejected");
	ok(counts_reject("1.5", 1, 64), "'1.5' rejected");
	ok(counts_reject("99999999999", 1, 64), "a number too long for int rejected");

	free(msg);
	return tap_done();
}
