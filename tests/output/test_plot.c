/*
 * test_plot.c - plots through gnuplot: PNGs that are PNGs, written
 * atomically with nothing left behind; text charts of the asked size; the
 * scaling pair; heat maps; clear failures without gnuplot or a folder.
 * Skipped (TAP "1..0 # SKIP") where gnuplot is not installed.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kit.h"
#include "tap.h"
#include "testutil.h"

static const double xs[] = { 1, 2, 4, 8 };
static const double ys[] = { 1, 1.9, 3.4, 5.5 };
static const kit_series series = { .title = "measured", .x = xs, .y = ys, .n = 4 };
static const kit_plot plot = { .title = "Speed-up of it's_sum", .xlabel = "threads",
			       .ylabel = "speed-up", .series = &series, .nseries = 1,
			       .logx = true, .ideal = true, .amdahl_f = 0.05 };

static int is_png(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char sig[8] = { 0 };
	size_t n = f ? fread(sig, 1, 8, f) : 0;
	if (f)
		fclose(f);
	return n == 8 && !memcmp(sig, "\x89PNG\r\n\x1a\n", 8);
}

static int have_gnuplot(void)
{
	const char *path = getenv("PATH");
	char *copy = strdup(path ? path : "/usr/bin:/bin");
	int found = 0;
	for (char *d = strtok(copy, ":"); d && !found; d = strtok(NULL, ":")) {
		char p[1024];
		snprintf(p, sizeof(p), "%s/gnuplot", d);
		found = access(p, X_OK) == 0;
	}
	free(copy);
	return found;
}

/* Width of the longest line of S. */
static int max_width(const char *s)
{
	int w = 0;
	while (*s) {
		int n = (int)strcspn(s, "\n");
		if (n > w)
			w = n;
		s += n + (s[n] == '\n');
	}
	return w;
}

static char *chart(const kit_plot *p, int w, int h, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	*rc = kit_plot_text(p, f, w, h);
	fclose(f);
	return buf;
}

static void test_png(const char *dir)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/speedup.png", dir);
	ok(kit_plot_png(&plot, path) == 0, "png: rendered");
	ok(is_png(path), "png: starts with the PNG signature");
	ok(count_entries(dir) == 1 && !has_temp(dir), "png: only the PNG in its folder");
	/* pngcairo writes the size into the IHDR chunk: 1024 x 640 */
	char *s = slurp(path);
	const unsigned char *u = (const unsigned char *)s;
	ok(u && !memcmp(s + 12, "IHDR", 4) &&
	   ((u[16] << 24) | (u[17] << 16) | (u[18] << 8) | u[19]) == 1024 &&
	   ((u[20] << 24) | (u[21] << 16) | (u[22] << 8) | u[23]) == 640,
	   "png: 1024 x 640");
	free(s);
	/* replacing an existing picture works the same */
	ok(kit_plot_png(&plot, path) == 0 && is_png(path) && count_entries(dir) == 1,
	   "png: overwrites atomically");
}

static void test_text(void)
{
	int rc;
	char *s = chart(&plot, 60, 15, &rc);
	fprintf(stderr, "%s", s);
	ok(rc == 0, "text: rendered");
	ok(count_lines(s) == 15, "text: 15 lines for height 15");
	ok(max_width(s) <= 60 && max_width(s) >= 50, "text: at most 60 columns, nearly all used");
	ok(strstr(s, "Speed-up of it's_sum") && strstr(s, "ideal") && strstr(s, "Amdahl"),
	   "text: title (quote and underscore kept) and legend");
	ok(!strchr(s, '\f') && !strchr(s, '\033'), "text: no form feed, no colour codes");
	free(s);
	s = chart(&plot, 0, 0, &rc);
	ok(rc == 0 && count_lines(s) == 22 && max_width(s) <= 78, "text: default 78 x 22");
	free(s);
}

/* True when the key entry TITLE in text chart S is followed by line
 * characters only (no point-type letter such as the "G" of "***G***"). */
static int key_is_plain(const char *s, const char *title)
{
	const char *k = strstr(s, title);
	if (!k)
		return 0;
	k += strlen(title);
	while (*k == ' ')
		k++;
	int n = 0;
	for (; *k && *k != ' ' && *k != '\n'; k++, n++)
		if ((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9'))
			return 0;
	return n > 0;
}

/* The number before the axis of S's last plotted row (the y axis' bottom label). */
static double bottom_y_label(const char *s)
{
	double y = NAN;
	for (const char *l = s; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] == '\n')) {
		char *end;
		double v = strtod(l, &end);
		if (end != l && strspn(end, " ") < 4 && end[strspn(end, " ")] == '+')
			y = v;
	}
	return y;
}

/* BLAS-style charts: a measured peak drawn as a line, the y axis from 0; keys
 * show each line's own character and nothing else. */
static void test_peak(void)
{
	static const double gx[] = { 1, 2, 3, 4 };
	static const double gy[] = { 30, 55, 70, 80 };
	kit_series g = { .title = "measured", .x = gx, .y = gy, .n = 4 };
	kit_plot p = { .title = "GFLOP/s", .xlabel = "threads", .ylabel = "GFLOP/s",
		       .series = &g, .nseries = 1, .peak = 120, .peak_title = "FMA peak 120",
		       .yzero = true };
	int rc;
	char *s = chart(&p, 70, 20, &rc);
	fprintf(stderr, "%s", s);
	ok(rc == 0 && strstr(s, "FMA peak 120"), "peak: the measured peak is a line in the key");
	ok(key_is_plain(s, "measured") && key_is_plain(s, "FMA peak 120"),
	   "text key: each entry shows its line, no stray point letter");
	ok(bottom_y_label(s) == 0, "peak: the y axis starts at 0");
	int top = 0;
	for (const char *l = s; (l = strstr(l, "120")); l++)
		top = 1;
	ok(top, "peak: the y axis reaches the peak (120)");
	free(s);
	p.yzero = false;
	p.peak = 0;
	s = chart(&p, 70, 20, &rc);
	ok(rc == 0 && bottom_y_label(s) > 0 && !strstr(s, "FMA peak"),
	   "without yzero and peak: the axis fits the data, no peak line");
	free(s);
	s = chart(&plot, 60, 15, &rc);
	ok(key_is_plain(s, "measured") && key_is_plain(s, "ideal"),
	   "scaling key: 'measured' and 'ideal' show their lines only");
	free(s);
}

static void test_scaling(const char *dir)
{
	kit_scaling_row rows[] = {
		{ .p = 1, .t = 2.0, .speedup = 1.0, .efficiency = 1.0, .karp_flatt = NAN },
		{ .p = 2, .t = 1.1, .speedup = 1.82, .efficiency = 0.91, .karp_flatt = 0.1 },
		{ .p = 4, .t = 0.65, .speedup = 3.08, .efficiency = 0.77, .karp_flatt = 0.1 },
	};
	kit_scaling s = { .n = 3, .rows = rows, .serial_fraction = 0.1, .t1_fit = 2.0,
			  .limit = 10, .r2 = 0.99 };
	char prefix[600], a[700], b[700];
	snprintf(prefix, sizeof(prefix), "%s/pi", dir);
	snprintf(a, sizeof(a), "%s-speedup.png", prefix);
	snprintf(b, sizeof(b), "%s-time.png", prefix);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc = kit_plot_scaling(&s, "pi", prefix, f);
	fclose(f);
	ok(rc == 0, "scaling: rendered");
	ok(is_png(a) && is_png(b), "scaling: PREFIX-speedup.png and PREFIX-time.png");
	ok(count_lines(buf) == 22 && strstr(buf, "pi: speed-up") && strstr(buf, "ideal") &&
	   strstr(buf, "Amdahl"), "scaling: the speed-up chart as text, ideal and Amdahl");
	free(buf);
	s.serial_fraction = 0;
	buf = NULL;
	f = open_memstream(&buf, &len);
	rc = kit_plot_scaling(&s, "pi", NULL, f);
	fclose(f);
	ok(rc == 0 && strstr(buf, "ideal") && !strstr(buf, "Amdahl"),
	   "scaling: no Amdahl curve when f = 0, no PNG without a prefix");
	free(buf);
}

static void test_heatmap(const char *dir)
{
	double z[] = { 1.0, 1.9, 3.5,  1.8, 3.3, NAN };
	int px[] = { 1, 2, 4 }, ty[] = { 1, 2 };
	char path[600];
	snprintf(path, sizeof(path), "%s/heat.png", dir);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc = kit_plot_heatmap("speed-up", "processes", "threads", z, 3, 2, px, ty, path, f);
	fclose(f);
	fprintf(stderr, "%s", buf);
	ok(rc == 0 && is_png(path), "heatmap: PNG rendered");
	ok(count_lines(buf) == 4, "heatmap: title, header and one line per row");
	ok(strstr(buf, "threads \\ processes") != NULL, "heatmap: axes named in the corner");
	/* every line of the grid has the same width: aligned columns */
	char *l1 = strchr(buf, '\n') + 1, *l2 = strchr(l1, '\n') + 1, *l3 = strchr(l2, '\n') + 1;
	size_t w1 = strcspn(l1, "\n"), w2 = strcspn(l2, "\n"), w3 = strcspn(l3, "\n");
	ok(w1 == w2 && w2 == w3, "heatmap: grid lines equally wide");
	ok(strstr(l2, "1.9") && strstr(l2, "3.5") && strstr(l3, "3.3") &&
	   l3[w3 - 1] == '-', "heatmap: values in place, a missing one as '-'");
	free(buf);
	ok(kit_plot_heatmap("x", "a", "b", z, 0, 2, NULL, NULL, NULL, NULL) == -1,
	   "heatmap: no cells is an error");
}

static void test_failures(const char *dir)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/missing/p.png", dir);
	capture_begin();
	int rc = kit_plot_png(&plot, path);
	char *err = capture_end();
	ok(rc == -1 && count_lines(err) == 1 && strstr(err, path),
	   "png to a missing folder: -1, one error naming the path");
	free(err);

	/* No gnuplot in PATH: the error says what to install. */
	char *old = strdup(getenv("PATH") ? getenv("PATH") : "");
	setenv("PATH", dir, 1);
	snprintf(path, sizeof(path), "%s/none.png", dir);
	int before = count_entries(dir);
	capture_begin();
	rc = kit_plot_png(&plot, path);
	char *err2 = capture_end();
	setenv("PATH", old, 1);
	free(old);
	ok(rc == -1 && strstr(err2, "gnuplot not found: install gnuplot-nox (./kit installs it)"),
	   "no gnuplot: -1 and how to install it");
	ok(count_entries(dir) == before && !has_temp(dir), "no gnuplot: no file left");
	free(err2);
}

int main(int argc, char **argv)
{
	kit_init(argc, argv);
	if (!have_gnuplot()) {
		printf("1..0 # SKIP gnuplot not installed (./kit installs gnuplot-nox)\n");
		return 0;
	}
	char *dir = make_tmpdir();
	/* gnuplot's working folders go here, so any left behind would show */
	char *tmp = make_tmpdir();
	setenv("TMPDIR", tmp, 1);

	char *pngdir = make_tmpdir();
	test_png(pngdir);
	test_text();
	test_peak();
	test_scaling(dir);
	test_heatmap(dir);
	test_failures(pngdir);
	ok(count_entries(tmp) == 0, "no temporary folder left behind");

	remove_tree(pngdir);
	remove_tree(dir);
	remove_tree(tmp);
	free(pngdir), free(dir), free(tmp);
	return tap_done();
}
