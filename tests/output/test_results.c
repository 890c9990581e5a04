/*
 * test_results.c - results: the aligned table (rates of invalid rows hidden),
 * CSV and JSON that parse back, atomic writes that fail cleanly, the copy to
 * $KIT_RESULTS_JSON.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "kit.h"
#include "tap.h"
#include "testutil.h"

static double samples[] = { 0.010, 0.011, 0.012, 0.0105, 0.0115, 0.0108, 0.0112 };

/* A timing built by hand, so these tests do not depend on the clock. */
static kit_timing fake_timing(int threads, double scale)
{
	kit_timing t = { 0 };
	t.wall.n = 7;
	t.wall.min = 0.010 * scale;
	t.wall.max = 0.012 * scale;
	t.wall.mean = 0.0110 * scale;
	t.wall.median = 0.0110 * scale;
	t.wall.stddev = 0.0007 * scale;
	t.wall.mad = 0.0003 * scale;
	t.wall.cv = 0.0636;
	t.wall.ci_lo = 0.0105 * scale;
	t.wall.ci_hi = 0.0115 * scale;
	t.wall.outliers = 0;
	t.first = 0.02;
	t.cpu = 0.0111 * threads;
	t.threads = threads;
	t.samples = samples;
	return t;
}

/* Two rows: a valid one and an invalid one whose rates must not show. */
static kit_results *sample_results(void)
{
	kit_results *r = kit_results_new("sum", "Sum of an array");
	kit_results_config(r, "n", "%d", 1000000);
	kit_results_config(r, "kernel", "%s", "reduction");
	kit_kernel k = { .name = "sum", .flops = 1e6, .bytes = 8e6 };

	kit_timing t1 = fake_timing(1, 1.0);
	kit_results_row(r, "serial");
	kit_results_str(r, "note", "plain, \"quoted\"");
	kit_results_num(r, "sum", 499999.5, "%.1f");
	kit_results_timing(r, &t1, &k);
	kit_results_num(r, "items_per_s", 9.0e7, "%.3g");
	kit_results_valid(r, true, NULL);

	kit_timing t2 = fake_timing(2, 0.25);
	kit_results_row(r, "parallel-racy");
	kit_results_num(r, "sum", 123.0, "%.1f");
	kit_results_timing(r, &t2, &k);
	kit_results_num(r, "items_per_s", 3.6e8, "%.3g");
	kit_results_valid(r, false, "sum is 123, expected 499999.5");
	kit_results_primary(r);
	return r;
}

static char *print_to_string(const kit_results *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	kit_results_print(r, f);
	fclose(f);
	return buf;
}

/* The LINE-th line (0-based) of S, malloc'd, or NULL. */
static char *nth_line(const char *s, int line)
{
	for (int i = 0; i < line && s; i++) {
		s = strchr(s, '\n');
		if (s)
			s++;
	}
	if (!s || !*s)
		return NULL;
	return strndup(s, strcspn(s, "\n"));
}

/* The column where WORD ends in LINE, or -1. */
static long end_of(const char *line, const char *word)
{
	const char *p = strstr(line, word);
	return p ? (long)(p - line + strlen(word)) : -1;
}

static void test_table(void)
{
	kit_results *r = sample_results();
	char *s = print_to_string(r);
	fprintf(stderr, "%s", s);

	ok(!strncmp(s, "  n        1000000\n  kernel   reduction\n\n", 40),
	   "table: configuration lines come first, keys aligned");
	char *title = nth_line(s, 3), *head = nth_line(s, 4), *rule = nth_line(s, 5);
	char *row1 = nth_line(s, 6), *row2 = nth_line(s, 7);
	ok(title && !strcmp(title, "Sum of an array"), "table: title above the header");
	ok(head && !strncmp(head, "label", 5), "table: header starts with label");
	ok(rule && strspn(rule, "-") == strlen(rule) && strlen(rule) == strlen(head),
	   "table: the rule is as wide as the header");
	ok(row1 && row2 && !nth_line(s, 8), "table: one line per row, nothing after");

	/* Right-aligned numbers end under the end of their header. */
	long h_thr = end_of(head, "threads"), h_gf = end_of(head, "gflops");
	ok(h_thr > 1 && row1[h_thr - 1] == '1' && row1[h_thr - 2] == ' ' && row1[h_thr] == ' ',
	   "table: threads aligned under its header (row 1)");
	ok(h_thr > 1 && row2[h_thr - 1] == '2' && row2[h_thr - 2] == ' ' && row2[h_thr] == ' ',
	   "table: threads aligned under its header (row 2)");
	/* gflops = 1e6 / 0.011 / 1e9 = 0.0909 -> "0.09" */
	ok(h_gf > 0 && end_of(row1, "0.09") == h_gf, "table: gflops of a valid row shown, aligned");
	ok(h_gf > 0 && row2[h_gf - 1] == '-' && row2[h_gf - 2] == ' ',
	   "table: gflops of an invalid row is '-'");
	ok(!strstr(row2, "3.6e+08") && !strstr(row2, "0.36"),
	   "table: no rate of the invalid row shows (items_per_s, gflops)");
	ok(strstr(row1, "9e+07") != NULL, "table: *_per_s rate of the valid row shown");
	ok(strstr(row2, "123.0") != NULL, "table: the invalid row's own value is shown");
	ok(strstr(row2, "  INVALID: sum is 123, expected 499999.5") &&
	   end_of(row2, "499999.5") == (long)strlen(row2),
	   "table: invalid row ends with INVALID: why");
	ok(row1 && end_of(row1, "  ok") == (long)strlen(row1), "table: valid row ends with ok");
	ok(strstr(head, "median_s") && strstr(head, "ci95") && strstr(head, "cv") &&
	   !strstr(head, "stddev_s") && !strstr(head, "mad_s") && !strstr(head, "first_s"),
	   "table: median, ci95 and cv shown; the detail columns left to CSV/JSON");
	ok(strstr(row1, "11.00 ms") && strstr(row1, "10.50 ms .. 11.50 ms"),
	   "table: times with units, the interval as lo .. hi");
	ok(row1[strlen(row1) - 1] != ' ' && head[strlen(head) - 1] != ' ',
	   "table: no trailing blanks");

	free(title), free(head), free(rule), free(row1), free(row2);
	free(s);
	kit_results_free(r);
}

/* Splits one CSV line (RFC 4180 quoting) into at most MAX fields, in place. */
static int csv_split(char *line, char **f, int max)
{
	int n = 0;
	char *p = line, *w = line;
	for (;;) {
		if (n == max)
			return -1;
		f[n++] = w;
		if (*p == '"') {
			p++;
			for (;;) {
				if (*p == '"' && p[1] == '"') {
					*w++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else if (!*p) {
					return -1;
				} else {
					*w++ = *p++;
				}
			}
		} else {
			while (*p && *p != ',')
				*w++ = *p++;
		}
		if (*p == ',') {
			*w++ = '\0';
			p++;
			continue;
		}
		*w = '\0';
		return *p ? -1 : n;
	}
}

static int field(char **names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

static void test_csv(const char *dir)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/r.csv", dir);
	kit_results *r = sample_results();
	ok(kit_results_write_csv(r, path) == 0, "csv: written");
	char *s = slurp(path);
	ok(s && count_lines(s) == 3, "csv: a header and one line per row");
	if (!s || count_lines(s) != 3) {
		kit_results_free(r);
		free(s);
		return;
	}
	char *l0 = nth_line(s, 0), *l1 = nth_line(s, 1), *l2 = nth_line(s, 2);
	char *h[64], *a[64], *b[64];
	int nh = csv_split(l0, h, 64), na = csv_split(l1, a, 64), nb = csv_split(l2, b, 64);
	ok(nh > 20 && na == nh && nb == nh, "csv: every line has the header's fields");
	ok(!strcmp(h[0], "label") && !strcmp(h[1], "valid") && !strcmp(h[2], "why") &&
	   !strcmp(h[3], "primary"), "csv: fixed leading fields");
	static const char *const want[] = { "note", "sum", "median_s", "min_s", "mean_s",
		"stddev_s", "mad_s", "cv", "ci_lo_s", "ci_hi_s", "reps", "outliers", "cpu_s",
		"threads", "first_s", "gflops", "gbs", "items_per_s" };
	int all = 1;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (field(h, nh, want[i]) < 0) {
			fprintf(stderr, "# missing column %s\n", want[i]);
			all = 0;
		}
	ok(all, "csv: every column of every row in the header");
	ok(field(h, nh, "note") == 4 && field(h, nh, "sum") == 5 &&
	   field(h, nh, "median_s") == 6, "csv: columns in first-seen order");
	ok(!strcmp(a[0], "serial") && !strcmp(a[1], "true") && !strcmp(a[3], "false"),
	   "csv: row 1 label, valid, not primary");
	ok(!strcmp(a[4], "plain, \"quoted\""), "csv: a string with a comma and quotes reads back");
	ok(strtod(a[field(h, nh, "median_s")], NULL) == 0.0110 &&
	   strtod(a[field(h, nh, "ci_hi_s")], NULL) == 0.0115 &&
	   strtod(a[field(h, nh, "sum")], NULL) == 499999.5,
	   "csv: numbers read back exactly");
	ok(fabs(strtod(a[field(h, nh, "gflops")], NULL) - 1e6 / 0.011 / 1e9) < 1e-12 &&
	   fabs(strtod(a[field(h, nh, "gbs")], NULL) - 8e6 / 0.011 / 1e9) < 1e-12,
	   "csv: gflops and gbs = work / median / 1e9");
	ok(!strcmp(b[1], "false") && !strcmp(b[2], "sum is 123, expected 499999.5") &&
	   !strcmp(b[3], "true"), "csv: row 2 invalid, why, primary");
	ok(!strcmp(b[field(h, nh, "gflops")], "") && !strcmp(b[field(h, nh, "gbs")], "") &&
	   !strcmp(b[field(h, nh, "items_per_s")], ""), "csv: rates of the invalid row are empty");
	ok(!strcmp(b[field(h, nh, "note")], ""), "csv: a column the row lacks is empty");
	ok(strtod(b[field(h, nh, "threads")], NULL) == 2, "csv: threads of row 2");
	free(l0), free(l1), free(l2), free(s);
	kit_results_free(r);
}

static void test_json(const char *dir)
{
	char path[512], copy[512];
	snprintf(path, sizeof(path), "%s/r.json", dir);
	snprintf(copy, sizeof(copy), "%s/copy.json", dir);
	kit_warn("test warning for the results file");

	kit_results *r = sample_results();
	kit_scaling_row rows[] = {
		{ .p = 1, .t = 2.0, .speedup = 1, .efficiency = 1, .karp_flatt = NAN },
		{ .p = 2, .t = 1.1, .speedup = 2 / 1.1, .efficiency = 1 / 1.1, .karp_flatt = 0.1 },
	};
	kit_scaling sc = { .n = 2, .rows = rows, .serial_fraction = 0.1, .t1_fit = 2.0,
			   .limit = 10, .r2 = 0.99 };
	kit_results_scaling(r, &sc);

	setenv("KIT_RESULTS_JSON", copy, 1);
	int rc = kit_results_write_json(r, path);
	unsetenv("KIT_RESULTS_JSON");
	ok(rc == 0, "json: written");
	char *s = slurp(path), *c = slurp(copy);
	ok(c && s && !strcmp(s, c), "json: $KIT_RESULTS_JSON gets the same copy");
	cJSON *o = cJSON_Parse(s ? s : "");
	ok(o != NULL, "json: parses back with cJSON");
	if (!o) {
		free(s), free(c);
		kit_results_free(r);
		return;
	}
	ok(cJSON_IsString(cJSON_GetObjectItem(o, "schema")) &&
	   !strcmp(cJSON_GetObjectItem(o, "schema")->valuestring, "ompkit-results/1"),
	   "json: schema is ompkit-results/1");
	ok(!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o, "program")), "sum") &&
	   !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o, "title")), "Sum of an array"),
	   "json: program and title");
	cJSON *conf = cJSON_GetObjectItem(o, "config");
	ok(conf && !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(conf, "n")), "1000000") &&
	   !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(conf, "kernel")), "reduction"),
	   "json: config keys and values");
	ok(cJSON_IsObject(cJSON_GetObjectItem(o, "env")), "json: env is an object");
	cJSON *jrows = cJSON_GetObjectItem(o, "rows");
	ok(cJSON_GetArraySize(jrows) == 2, "json: two rows");
	cJSON *r0 = cJSON_GetArrayItem(jrows, 0), *r1 = cJSON_GetArrayItem(jrows, 1);
	cJSON *c0 = cJSON_GetObjectItem(r0, "columns"), *c1 = cJSON_GetObjectItem(r1, "columns");
	ok(!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(r0, "label")), "serial") &&
	   cJSON_IsTrue(cJSON_GetObjectItem(r0, "valid")) &&
	   cJSON_IsNull(cJSON_GetObjectItem(r0, "why")) &&
	   cJSON_IsFalse(cJSON_GetObjectItem(r0, "primary")), "json: row 0 fields");
	ok(cJSON_IsFalse(cJSON_GetObjectItem(r1, "valid")) &&
	   !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(r1, "why")),
		   "sum is 123, expected 499999.5") &&
	   cJSON_IsTrue(cJSON_GetObjectItem(r1, "primary")), "json: row 1 invalid, why, primary");
	ok(cJSON_GetObjectItem(c0, "median_s") &&
	   cJSON_GetObjectItem(c0, "median_s")->valuedouble == 0.0110 &&
	   cJSON_GetObjectItem(c1, "median_s")->valuedouble == 0.0110 * 0.25,
	   "json: median_s of each row");
	static const char *const cols[] = { "median_s", "min_s", "mean_s", "stddev_s", "mad_s",
		"cv", "ci_lo_s", "ci_hi_s", "reps", "outliers", "cpu_s", "threads", "first_s" };
	int all = 1;
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		all &= cJSON_IsNumber(cJSON_GetObjectItem(c0, cols[i]));
	ok(all, "json: every timing column is a number");
	ok(cJSON_GetObjectItem(c0, "reps")->valueint == 7 &&
	   cJSON_GetObjectItem(c0, "first_s")->valuedouble == 0.02, "json: reps and first_s");
	ok(cJSON_IsNumber(cJSON_GetObjectItem(c0, "gflops")) &&
	   cJSON_IsNull(cJSON_GetObjectItem(c1, "gflops")) &&
	   cJSON_IsNull(cJSON_GetObjectItem(c1, "gbs")) &&
	   cJSON_IsNull(cJSON_GetObjectItem(c1, "items_per_s")),
	   "json: rates of the invalid row are null");
	ok(cJSON_IsNull(cJSON_GetObjectItem(c1, "note")) &&
	   !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(c0, "note")), "plain, \"quoted\""),
	   "json: string column, null where the row lacks it");
	cJSON *scal = cJSON_GetObjectItem(o, "scaling");
	cJSON *srows = cJSON_GetObjectItem(scal, "rows");
	ok(cJSON_GetArraySize(srows) == 2 &&
	   cJSON_GetObjectItem(cJSON_GetArrayItem(srows, 1), "p")->valueint == 2 &&
	   cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(srows, 0), "karp_flatt")) &&
	   cJSON_GetObjectItem(scal, "serial_fraction")->valuedouble == 0.1 &&
	   cJSON_GetObjectItem(scal, "limit")->valuedouble == 10 &&
	   cJSON_IsNumber(cJSON_GetObjectItem(scal, "t1_fit")) &&
	   cJSON_IsNumber(cJSON_GetObjectItem(scal, "r2")), "json: scaling attached");
	cJSON *w = cJSON_GetObjectItem(o, "warnings"), *e;
	int found = 0;
	cJSON_ArrayForEach(e, w)
		found |= cJSON_IsString(e) && strstr(e->valuestring, "test warning") != NULL;
	ok(found, "json: warnings carry kit_warn messages");
	cJSON_Delete(o);
	free(s), free(c);
	kit_results_free(r);
}

/* A write to BAD fails: -1, one error line naming it, nothing left in DIR. */
static void expect_failure(const char *dir, const char *bad, const char *what, int csv)
{
	kit_results *r = sample_results();
	int before = count_entries(dir);
	capture_begin();
	int rc = csv ? kit_results_write_csv(r, bad) : kit_results_write_json(r, bad);
	char *err = capture_end();
	char name[3][160];
	snprintf(name[0], sizeof(name[0]), "%s: returns -1", what);
	snprintf(name[1], sizeof(name[1]), "%s: one error line naming the path", what);
	snprintf(name[2], sizeof(name[2]), "%s: no file or temp file left", what);
	ok(rc == -1, name[0]);
	ok(count_lines(err) == 1 && strstr(err, "error: cannot write") && strstr(err, bad),
	   name[1]);
	ok(count_entries(dir) == before && !has_temp(dir), name[2]);
	free(err);
	kit_results_free(r);
}

static void test_failures(const char *dir)
{
	char bad[700], sub[600];
	snprintf(bad, sizeof(bad), "%s/no-such-folder/r.json", dir);
	expect_failure(dir, bad, "missing folder (json)", 0);
	snprintf(bad, sizeof(bad), "%s/no-such-folder/r.csv", dir);
	expect_failure(dir, bad, "missing folder (csv)", 1);

	/* A folder that is a file: cannot hold anything, even for root. */
	snprintf(sub, sizeof(sub), "%s/plainfile", dir);
	FILE *f = fopen(sub, "w");
	fclose(f);
	snprintf(bad, sizeof(bad), "%s/r.csv", sub);
	expect_failure(dir, bad, "folder that is a file", 1);

	/* The target is a folder: the temp file is made, the rename fails. */
	snprintf(bad, sizeof(bad), "%s/adir", dir);
	mkdir(bad, 0755);
	expect_failure(dir, bad, "target is a folder (rename fails)", 0);

	/* A folder without write permission (root ignores permissions). */
	snprintf(sub, sizeof(sub), "%s/ro", dir);
	mkdir(sub, 0555);
	snprintf(bad, sizeof(bad), "%s/r.json", sub);
	if (geteuid() != 0) {
		expect_failure(sub, bad, "unwritable folder", 0);
	} else {
		for (int i = 0; i < 3; i++)
			ok(1, "unwritable folder # SKIP running as root");
	}

	/* $KIT_RESULTS_JSON unwritable: the call fails and says where. */
	char good[600];
	snprintf(good, sizeof(good), "%s/good.json", dir);
	snprintf(bad, sizeof(bad), "%s/no-such-folder/copy.json", dir);
	setenv("KIT_RESULTS_JSON", bad, 1);
	kit_results *r = sample_results();
	capture_begin();
	int rc = kit_results_write_json(r, good);
	char *err = capture_end();
	unsetenv("KIT_RESULTS_JSON");
	ok(rc == -1 && strstr(err, bad) && access(good, F_OK) == 0,
	   "KIT_RESULTS_JSON unwritable: -1 naming it, the main file still written");
	free(err);
	kit_results_free(r);
}

static void test_misc(void)
{
	kit_results *r = kit_results_new("p", "t");
	ok(kit_results_all_valid(r), "all_valid: no rows is valid");
	kit_results_row(r, "a");
	kit_results_num(r, "x", 1, "%.0f");
	ok(kit_results_all_valid(r), "all_valid: a row never checked counts as valid");
	kit_results_valid(r, true, NULL);
	kit_results_row(r, "b");
	kit_results_valid(r, false, NULL);
	ok(!kit_results_all_valid(r), "all_valid: false with one invalid row");
	kit_results_config(r, "a_rather_long_key", "%d", 1);
	kit_results_config(r, "k", "%s", "v");
	char *s = print_to_string(r);
	ok(!strncmp(s, "  a_rather_long_key 1\n  k                 v\n", 44),
	   "config: keys padded to the longest");
	ok(strstr(s, "INVALID: wrong answer") != NULL, "table: no why gives a default reason");
	free(s);
	kit_results_free(r);
}

/* Fractions of peak from a machine file: 1 thread against the 1-thread
 * figures, more threads against the all-CPU figures scaled by their share. */
static void test_frac_peak(const char *dir)
{
	char sub[600], path[700];
	snprintf(sub, sizeof(sub), "%s/root", dir);
	mkdir(sub, 0755);
	snprintf(path, sizeof(path), "%s/results", sub);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/results/machine.json", sub);
	FILE *f = fopen(path, "w");
	fputs("{\"peak_gflops_1\": 1, \"peak_gflops_all\": 4, \"bw_gbs_1\": 2,"
	      " \"bw_gbs_all\": 8, \"threads_all\": 4}\n", f);
	fclose(f);
	const char *old = getenv("KIT_ROOT");
	char *saved = old ? strdup(old) : NULL;
	setenv("KIT_ROOT", sub, 1);

	kit_kernel k = { .name = "k", .flops = 1e9, .bytes = 1e9 };
	kit_results *r = kit_results_new("p", "t");
	static const int threads[] = { 1, 2, 8 };
	static const double peak[] = { 1, 2, 4 }, bw[] = { 2, 4, 8 };
	for (int i = 0; i < 3; i++) {
		kit_timing t = fake_timing(threads[i], 1.0 / 0.011 / 2); /* median 0.5 s */
		kit_results_row(r, "x");
		kit_results_timing(r, &t, &k);
	}
	char out[700];
	snprintf(out, sizeof(out), "%s/peak.json", dir);
	int rc = kit_results_write_json(r, out);
	if (saved)
		setenv("KIT_ROOT", saved, 1);
	else
		unsetenv("KIT_ROOT");
	free(saved);
	char *s = slurp(out);
	cJSON *o = cJSON_Parse(s ? s : "");
	ok(rc == 0 && o, "frac_peak: results written and parsed");
	cJSON *rows = cJSON_GetObjectItem(o, "rows");
	for (int i = 0; i < 3; i++) {
		cJSON *c = cJSON_GetObjectItem(cJSON_GetArrayItem(rows, i), "columns");
		cJSON *gf = cJSON_GetObjectItem(c, "gflops"), *fp = cJSON_GetObjectItem(c, "frac_peak");
		cJSON *gb = cJSON_GetObjectItem(c, "gbs"), *fb = cJSON_GetObjectItem(c, "frac_bw");
		char name[128];
		snprintf(name, sizeof(name), "frac_peak, frac_bw at %d threads", threads[i]);
		ok(gf && fp && gb && fb && fabs(gf->valuedouble - 2.0) < 1e-9 &&
		   fabs(fp->valuedouble - 2.0 / peak[i]) < 1e-9 &&
		   fabs(fb->valuedouble - 2.0 / bw[i]) < 1e-9, name);
	}
	cJSON_Delete(o);
	free(s);
	kit_results_free(r);
}

int main(int argc, char **argv)
{
	kit_init(argc, argv);
	char *dir = make_tmpdir();
	/* no machine file: rates without fractions of peak, whatever this
	 * checkout holds in results/ (test_frac_peak makes its own) */
	setenv("KIT_ROOT", dir, 1);
	test_table();
	test_csv(dir);
	test_json(dir);
	test_failures(dir);
	test_misc();
	test_frac_peak(dir);
	remove_tree(dir);
	free(dir);
	return tap_done();
}
