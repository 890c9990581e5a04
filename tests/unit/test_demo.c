/*
 * test_demo.c - the demo programs' main (demo.h) and the descriptors'
 * helpers (exercise.h, "Helpers for descriptors"): dispatch by name, the
 * unknown-name error with its did-you-mean and the names listed, --demo and
 * --bench exclusive, the program's own options; emitted files written whole
 * and atomically, whole numbers in result.json, comparisons, fingerprints,
 * the -n limit, the children of a run.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "demo.h"
#include "exercise.h"
#include "kit.h"
#include "tap.h"
#include "testutil.h"

static const char *ran;		/* the demo the last call ran, "bench", or NULL */
static bool ran_quick;
static const char *ran_out;
static int size = 3;

static int run(const kit_demo_args *a, void *ctx)
{
	(void)ctx;
	ran = a->bench ? "bench" : a->name;
	ran_quick = a->quick;
	ran_out = a->out;
	return a->bench ? 0 : size;	/* the demo's exit status is passed on */
}

static const kit_demo demos[] = {
	{ "race", "threads adding to one counter", run },
	{ "false-sharing", "counters side by side", run },
	KIT_DEMO_END,
};
static const kit_opt opts[] = {
	KIT_OPT_INT(0, "size", &size, "N", "a size", 1, 100),
	KIT_OPT_END,
};
static kit_demo_table table = {
	.program = "t-demos", .about = "Demos for a test.", .demos = demos, .bench = run,
	.options = opts,
};

/* Runs kit_demo_main on the blank-separated ARGS; *ERR (caller frees) gets
 * what it printed on stderr. */
static int demo(const char *args, char **err)
{
	static char buf[512];
	char *argv[32] = { "t-demos" };
	int argc = 1;
	snprintf(buf, sizeof(buf), "%s", args);
	for (char *t = strtok(buf, " "); t && argc < 31; t = strtok(NULL, " "))
		argv[argc++] = t;
	ran = NULL;
	capture_begin();
	int rc = kit_demo_main(argc, argv, &table);
	char *e = capture_end();
	if (err)
		*err = e;
	else
		free(e);
	return rc;
}

static void test_demo_main(void)
{
	char *err;
	ok(demo("--demo race --size 5", NULL) == 5 && ran && !strcmp(ran, "race") &&
	   !ran_quick && !ran_out, "--demo NAME runs it with the program's option set");
	ok(demo("--demo false-sharing --quick --out /tmp/x", NULL) == 5 && ran &&
	   !strcmp(ran, "false-sharing") && ran_quick && ran_out && !strcmp(ran_out, "/tmp/x"),
	   "--quick and --out reach the demo");
	ok(demo("--bench", NULL) == 0 && ran && !strcmp(ran, "bench"), "--bench runs the bench");

	ok(demo("--demo rac", &err) == KIT_EXIT_USAGE && !ran && count_lines(err) == 1 &&
	   strstr(err, "unknown demo 'rac'; did you mean 'race'?") &&
	   strstr(err, "race, false-sharing") && strstr(err, "t-demos --help"),
	   "an unknown name: exit 2, one line, did-you-mean, every name, nothing run");
	free(err);
	ok(demo("--demo zzzzzzzz", &err) == KIT_EXIT_USAGE && !strstr(err, "did you mean") &&
	   strstr(err, "unknown demo 'zzzzzzzz'"), "no suggestion when no name is close");
	free(err);
	ok(demo("", &err) == KIT_EXIT_USAGE && !ran && strstr(err, "--demo NAME and --bench"),
	   "neither --demo nor --bench: exit 2");
	free(err);
	ok(demo("--demo race --bench", &err) == KIT_EXIT_USAGE && !ran, "both: exit 2");
	free(err);
	ok(demo("--demo race --size 0", &err) == KIT_EXIT_USAGE && !ran && strstr(err, "--size"),
	   "the program's own options are checked");
	free(err);
	table.bench = NULL;
	ok(demo("--bench", &err) == KIT_EXIT_USAGE && strstr(err, "unknown option '--bench'"),
	   "no bench in the table: --bench is unknown");
	free(err);
	ok(demo("", &err) == KIT_EXIT_USAGE && strstr(err, "--demo NAME") &&
	   !strstr(err, "--bench"), "no bench: the error asks for --demo only");
	free(err);
	table.bench = run;
	ok(kit_demo_find(&table, "false-sharing") == &demos[1] && !kit_demo_find(&table, "x"),
	   "kit_demo_find");
}

static void test_files(void)
{
	char *dir = make_tmpdir();
	uint32_t v[5] = { 1, 2, 3, 4, 5 }, w[5] = { 0 };
	kit_buf msg = { 0 };
	ok(kit_ex_write_exact(dir, "v.u32", v, sizeof(v)) == 0 &&
	   kit_ex_read_exact(dir, "v.u32", w, sizeof(w), &msg) == 0 && !memcmp(v, w, sizeof(v)),
	   "kit_ex_write_exact: read back exactly");
	ok(!has_temp(dir) && count_entries(dir) == 1, "no temporary file left");
	ok(kit_ex_write_exact(dir, "empty", v, 0) == 0 &&
	   kit_ex_read_exact(dir, "empty", w, 0, &msg) == 0, "an empty file");
	capture_begin();
	int rc = kit_ex_write_exact("/nonexistent/folder", "v.u32", v, sizeof(v));
	char *err = capture_end();
	ok(rc == -1 && strstr(err, "/nonexistent/folder"), "a missing folder: -1, named");
	free(err);
	remove_tree(dir);
	free(dir);
	kit_buf_free(&msg);

	w[1] = 9;
	w[3] = 9;
	size_t first = 99;
	ok(kit_ex_count_diff(v, w, 5, sizeof(*v), &first) == 2 && first == 1,
	   "kit_ex_count_diff: how many and the first");
	ok(kit_ex_count_diff(v, v, 5, sizeof(*v), NULL) == 0, "equal arrays: 0");
	ok(kit_ex_fingerprint(v, sizeof(v)) == kit_ex_fingerprint(v, sizeof(v)) &&
	   kit_ex_fingerprint(v, sizeof(v)) != kit_ex_fingerprint(w, sizeof(w)) &&
	   kit_ex_fingerprint(v, 19) != kit_ex_fingerprint(v, 20),
	   "kit_ex_fingerprint: equal bytes equal, different differ, tail bytes count");

	msg = (kit_buf){ 0 };
	ok(kit_ex_same_double(0.5, 0.5, &msg) && strstr(kit_buf_str(&msg), "defined answer"),
	   "kit_ex_same_double: equal");
	msg.len = 0;
	ok(!kit_ex_same_double(0.5, 0.25, &msg) && strstr(kit_buf_str(&msg), "not the defined"),
	   "kit_ex_same_double: different");
	kit_buf_free(&msg);
}

static void test_json(void)
{
	cJSON *o = cJSON_CreateObject();
	kit_buf msg = { 0 };
	uint64_t u = 0;
	int64_t i = 0;
	kit_ex_json_add_u64_text(o, "big", UINT64_MAX);
	cJSON_AddNumberToObject(o, "neg", -42);
	cJSON_AddNumberToObject(o, "half", 0.5);
	cJSON_AddStringToObject(o, "x", "12x");
	cJSON_AddStringToObject(o, "over", "18446744073709551616");
	ok(kit_ex_json_u64_text(o, "big", &u, &msg) == 0 && u == UINT64_MAX,
	   "u64 as text: 2^64 - 1 exact");
	ok(kit_ex_json_u64_text(o, "x", &u, &msg) == -1 && strstr(kit_buf_str(&msg), "\"x\""),
	   "u64 as text: '12x' refused, KEY named");
	ok(kit_ex_json_u64_text(o, "over", &u, &msg) == -1, "u64 as text: 2^64 refused");
	ok(kit_ex_json_u64_text(o, "neg", &u, &msg) == -1, "u64 as text: a number refused");
	ok(kit_ex_json_i64(o, "neg", &i, &msg) == 0 && i == -42, "i64: -42");
	ok(kit_ex_json_i64(o, "half", &i, &msg) == -1, "i64: 0.5 refused");
	ok(kit_ex_json_i64(o, "missing", &i, &msg) == -1, "i64: missing refused");
	kit_buf_free(&msg);
	cJSON_Delete(o);
}

/* Whole numbers through printed JSON and back: every one up to 2^53 exact
 * (cJSON's own printing turned 7804943327253979 into ...980), larger ones as
 * digits. */
static void test_json_u64_printed(void)
{
	static const uint64_t v[] = { 0, 1, 7804943327253979, (UINT64_C(1) << 53) - 1,
				      UINT64_C(1) << 53, (UINT64_C(1) << 53) + 1, UINT64_MAX };
	cJSON *o = cJSON_CreateObject();
	char key[8];
	for (int i = 0; i < 7; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		kit_ex_json_add_u64(o, key, v[i]);
	}
	char *text = cJSON_Print(o);
	cJSON *back = cJSON_Parse(text);
	int exact = back != NULL;
	kit_buf msg = { 0 };
	for (int i = 0; back && i < 7; i++) {
		uint64_t u = 0;
		snprintf(key, sizeof(key), "k%d", i);
		int rc = v[i] <= (UINT64_C(1) << 53) ? kit_ex_json_u64(back, key, &u, &msg)
						       : kit_ex_json_u64_text(back, key, &u, &msg);
		exact &= rc == 0 && u == v[i];
	}
	ok(exact, "u64 printed and parsed back: exact up to 2^53 as numbers, beyond as digits");
	kit_buf_free(&msg);
	cJSON_Delete(back);
	cJSON_Delete(o);
	free(text);
}

static void test_n_and_children(void)
{
	static const kit_ex_kernel k[] = { { .name = "filter" } };
	static const kit_exercise ex = { .kernels = k, .nkernels = 1 };
	kit_ex_ctx c = { .ex = &ex, .kernel = 0, .n = 10, .procs = 2 };
	ok(kit_ex_n_at_most(&c, 10, "readings") == 0, "-n at the limit: 0");
	c.n = 11;
	capture_begin();
	int rc = kit_ex_n_at_most(&c, 10, "readings");
	char *err = capture_end();
	ok(rc == -1 && count_lines(err) == 1 && strstr(err, "-n 11") && strstr(err, "filter") &&
	   strstr(err, "at most 10 readings"), "-n over: one line naming -n, kernel, limit");
	free(err);

	kit_ex_children_begin();
	for (int j = 0; j < 2; j++) {
		pid_t pid = fork();
		if (pid == 0) {
			volatile double x = 0;	/* some CPU in the child */
			for (long t = 0; t < 20000000; t++)
				x += 1e-9;
			_exit(x > 0 ? 0 : 1);
		}
		waitpid(pid, NULL, 0);
	}
	kit_ex_children k2 = kit_ex_children_end();
	ok(k2.forked == 2, "two forks counted");
	cJSON *o = cJSON_CreateObject();
	kit_buf msg = { 0 };
	kit_ex_children_emit(&k2, o);
	ok(k2.cpu <= 0 || kit_ex_children_verify(o, &c, &msg),
	   "emitted children pass the check");
	cJSON_Delete(o);
	o = cJSON_CreateObject();
	kit_ex_children none = { 0, 0 };
	kit_ex_children_emit(&none, o);
	ok(!kit_ex_children_verify(o, &c, &msg) &&
	   strstr(kit_buf_str(&msg), "the work ran in this process"), "no children: refused");
	cJSON_Delete(o);
	kit_buf_free(&msg);
}

int main(void)
{
	test_demo_main();
	test_files();
	test_json();
	test_json_u64_printed();
	test_n_and_children();
	return tap_done();
}
