/*
 * plot.c - charts through gnuplot: PNGs for slides (pngcairo, 1024x640) and
 * text charts for live demos and logs (the dumb terminal, no colour).
 *
 * Each plot gets a private temporary folder holding its data, its script and
 * gnuplot's own output streams. gnuplot runs as a child process (posix_spawn)
 * with stdout and stderr sent to files there, so its complaints can be shown
 * when it fails. A PNG is drawn into a temporary file beside the target and
 * renamed over it: a failed plot leaves the old picture, or none.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kit.h"

extern char **environ;

/* A temporary folder and the files gnuplot reads and writes there. */
struct job {
	char dir[256];
	char data[300], script[300], out[300], err[300];
};

static int job_open(struct job *j)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(j->dir, sizeof(j->dir), "%s/ompkit-plot.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(j->dir)) {
		kit_error("cannot create a temporary folder '%s' for gnuplot: %s; "
			  "set TMPDIR to a writable folder", j->dir, strerror(errno));
		return -1;
	}
	snprintf(j->data, sizeof(j->data), "%s/data", j->dir);
	snprintf(j->script, sizeof(j->script), "%s/plot.gp", j->dir);
	snprintf(j->out, sizeof(j->out), "%s/stdout", j->dir);
	snprintf(j->err, sizeof(j->err), "%s/stderr", j->dir);
	return 0;
}

static void job_close(struct job *j)
{
	unlink(j->data);
	unlink(j->script);
	unlink(j->out);
	unlink(j->err);
	rmdir(j->dir);
}

/* S as a gnuplot single-quoted string: only ' is special, written ''. */
static void gp_quote(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; s && *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
	fputc('\'', f);
}

/* The first line of gnuplot's complaint in FILE, for the error message. */
static void first_line(const char *path, char *buf, size_t len)
{
	buf[0] = '\0';
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	/* gnuplot echoes the offending script line before its message; keep the
	 * last non-empty line, which says what is wrong. */
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		char *p = line;
		while (*p == ' ' || *p == '^')
			p++;
		if (*p)
			snprintf(buf, len, "%s", p);
	}
	fclose(f);
}

/* Runs gnuplot on J's script, its stdout and stderr into J's files. */
static int run_gnuplot(struct job *j)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, j->out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, j->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	char *argv[] = { "gnuplot", j->script, NULL };
	pid_t pid;
	int rc = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc == ENOENT) {
		kit_error("gnuplot not found: install gnuplot-nox (./kit installs it)");
		return -1;
	}
	if (rc) {
		kit_error("cannot run gnuplot: %s", strerror(rc));
		return -1;
	}
	int st;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			kit_error("cannot wait for gnuplot: %s", strerror(errno));
			return -1;
		}
	}
	char why[512];
	first_line(j->err, why, sizeof(why));
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
		kit_error("gnuplot not found: install gnuplot-nox (./kit installs it)");
		return -1;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		kit_error("gnuplot failed (%s%d): %s", WIFEXITED(st) ? "exit " : "signal ",
			  WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
			  why[0] ? why : "no message");
		return -1;
	}
	return 0;
}

/* Writes the series of P to J's data file, one gnuplot "index" each. */
static int write_data(const struct job *j, const kit_plot *p)
{
	FILE *f = fopen(j->data, "w");
	if (!f) {
		kit_error("cannot write '%s': %s", j->data, strerror(errno));
		return -1;
	}
	for (size_t s = 0; s < p->nseries; s++) {
		const kit_series *ser = &p->series[s];
		/* an empty block would shift the indices: write a missing point */
		if (!ser->n)
			fputs("NaN NaN\n", f);
		for (size_t i = 0; i < ser->n; i++)
			fprintf(f, "%.17g %.17g\n", ser->x[i], ser->y[i]);
		fputs("\n\n", f);
	}
	if (fclose(f)) {
		kit_error("cannot write '%s': %s", j->data, strerror(errno));
		return -1;
	}
	return 0;
}

/* Series S of P as lines through its points. A text chart draws the line with
 * the series' own character and the points as 'o', keyed by the line alone
 * (gnuplot's dumb terminal would otherwise key each series with the letter
 * of its point type, "measured ***G***"). */
static void plot_series(FILE *f, const struct job *j, const kit_plot *p, size_t s, bool text)
{
	gp_quote(f, j->data);
	if (text)
		fprintf(f, " index %zu using 1:2 with lines lt %zu title ", s, s + 1);
	else
		fprintf(f, " index %zu using 1:2 with linespoints lw 2 pt 7 title ", s);
	gp_quote(f, p->series[s].title ? p->series[s].title : "");
	if (text) {
		fputs(", ", f);
		gp_quote(f, j->data);
		fprintf(f, " index %zu using 1:2 with points lt %zu pt 'o' notitle", s, s + 1);
	}
}

/* The plot itself, after the terminal and output lines. */
static void write_plot(FILE *f, const struct job *j, const kit_plot *p, bool text)
{
	fputs("set title ", f);
	gp_quote(f, p->title);
	fputs("\nset xlabel ", f);
	gp_quote(f, p->xlabel);
	fputs("\nset ylabel ", f);
	gp_quote(f, p->ylabel);
	/* The key must never hide a line: under the chart in text, boxed on a PNG. */
	fputs(text ? "\nset key below width 2\n" : "\nset key top left opaque box\n", f);
	if (!text)
		fputs("set grid\n", f);
	if (p->logx)
		fputs("set logscale x 2\n", f);
	if (p->logy)
		fputs("set logscale y\n", f);
	/* Functions are sampled over the data's x range, not gnuplot's [-10:10]. */
	double lo = INFINITY, hi = -INFINITY;
	for (size_t s = 0; s < p->nseries; s++)
		for (size_t i = 0; i < p->series[s].n; i++) {
			double x = p->series[s].x[i];
			if (isfinite(x)) {
				lo = fmin(lo, x);
				hi = fmax(hi, x);
			}
		}
	if (lo < hi)
		fprintf(f, "set xrange [%.17g:%.17g]\n", lo, hi);
	/* Thread and process counts are whole: no tick at 1.5 threads. */
	bool whole = lo < hi && !p->logx;
	for (size_t s = 0; whole && s < p->nseries; s++)
		for (size_t i = 0; whole && i < p->series[s].n; i++)
			whole = !isfinite(p->series[s].x[i]) || p->series[s].x[i] == floor(p->series[s].x[i]);
	if (whole && hi - lo <= 16)
		fprintf(f, "set xtics %.0f, 1, %.0f\n", lo, hi);
	else if (whole)
		fputs("set format x '%.0f'\n", f);
	if ((p->ideal || p->amdahl_f > 0 || p->yzero) && !p->logy)
		fputs("set yrange [0:*]\n", f);

	fputs("plot", f);
	const char *sep = " ";
	for (size_t s = 0; s < p->nseries; s++) {
		fprintf(f, "%s", sep);
		plot_series(f, j, p, s, text);
		sep = ", \\\n     ";
	}
	if (p->peak > 0 && isfinite(p->peak)) {
		fprintf(f, "%s%.17g with lines dashtype 4 lw 2 lc rgb 'dark-blue' title ", sep, p->peak);
		gp_quote(f, p->peak_title ? p->peak_title : "peak");
		sep = ", \\\n     ";
	}
	if (p->ideal) {
		fprintf(f, "%sx with lines dashtype 2 lc rgb 'gray40' title 'ideal'", sep);
		sep = ", \\\n     ";
	}
	if (p->amdahl_f > 0) {
		fprintf(f, "%s1/(%.17g + (1 - %.17g)/x) with lines dashtype 3 lc rgb 'dark-red' "
			"title 'Amdahl, f = %.3g'", sep, p->amdahl_f, p->amdahl_f, p->amdahl_f);
		sep = ", \\\n     ";
	}
	if (!strcmp(sep, " "))
		fputs(" NaN notitle", f);	/* nothing to draw: an empty frame */
	fputc('\n', f);
}

/* A temporary file beside PATH for gnuplot to draw into; renamed over PATH by
 * png_commit. */
static int png_temp(const char *path, char *tmp, size_t len)
{
	snprintf(tmp, len, "%s.tmp.XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		kit_error("cannot write '%s': %s; check that its folder exists and is writable, "
			  "or choose another path", path, strerror(errno));
		return -1;
	}
	(void)fchmod(fd, 0644);
	close(fd);
	return 0;
}

static int png_commit(const char *tmp, const char *path)
{
	struct stat st;
	if (stat(tmp, &st) || st.st_size == 0) {
		kit_error("gnuplot wrote nothing to '%s'; is its pngcairo terminal installed "
			  "(gnuplot-nox)?", path);
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path)) {
		kit_error("cannot write '%s': %s; nothing was written there", path,
			  strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Writes J's script: the terminal and output lines given, then BODY. */
typedef void (*body_fn)(FILE *f, const struct job *j, const void *arg, bool text);

static int render(const char *terminal, const char *output, body_fn body,
		  const void *arg, bool text, struct job *j)
{
	FILE *f = fopen(j->script, "w");
	if (!f) {
		kit_error("cannot write '%s': %s", j->script, strerror(errno));
		return -1;
	}
	fprintf(f, "set terminal %s\nset output ", terminal);
	if (output)
		gp_quote(f, output);
	fputc('\n', f);
	body(f, j, arg, text);
	fputs("unset output\n", f);
	if (fclose(f)) {
		kit_error("cannot write '%s': %s", j->script, strerror(errno));
		return -1;
	}
	return run_gnuplot(j);
}

/* Draws BODY to PATH as a PNG, atomically. */
static int render_png(body_fn body, const void *arg, struct job *j, const char *path)
{
	size_t len = strlen(path) + 16;
	char *tmp = kit_xmalloc(len);
	int rc = png_temp(path, tmp, len);
	if (!rc) {
		rc = render("pngcairo size 1024,640 noenhanced font 'sans,12'", tmp, body, arg,
			    false, j);
		if (rc)
			unlink(tmp);
		else
			rc = png_commit(tmp, path);
	}
	free(tmp);
	return rc;
}

/* Copies gnuplot's text chart to OUT without the form feed it starts with
 * and without trailing blanks. */
static int copy_chart(const char *from, FILE *out)
{
	FILE *f = fopen(from, "r");
	if (!f) {
		kit_error("cannot read gnuplot's chart '%s': %s", from, strerror(errno));
		return -1;
	}
	char line[4096];
	while (fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, "\n");
		line[n] = '\0';
		char *p = line;
		if (*p == '\f')
			p++;
		n = strlen(p);
		while (n && p[n - 1] == ' ')
			p[--n] = '\0';
		fprintf(out, "%s\n", p);
	}
	fclose(f);
	fflush(out);
	return 0;
}

static void plot_body(FILE *f, const struct job *j, const void *arg, bool text)
{
	write_plot(f, j, arg, text);
}

int kit_plot_png(const kit_plot *p, const char *path)
{
	struct job j;
	if (job_open(&j))
		return -1;
	int rc = write_data(&j, p);
	if (!rc)
		rc = render_png(plot_body, p, &j, path);
	job_close(&j);
	return rc;
}

static int text_chart(body_fn body, const void *arg, struct job *j, FILE *out,
		      int width, int height)
{
	char term[96];
	snprintf(term, sizeof(term), "dumb nofeed size %d,%d mono noenhanced",
		 width > 0 ? width : 78, height > 0 ? height : 22);
	int rc = render(term, NULL, body, arg, true, j);
	if (!rc)
		rc = copy_chart(j->out, out);
	return rc;
}

int kit_plot_text(const kit_plot *p, FILE *out, int width, int height)
{
	struct job j;
	if (job_open(&j))
		return -1;
	int rc = write_data(&j, p);
	if (!rc)
		rc = text_chart(plot_body, p, &j, out, width, height);
	job_close(&j);
	return rc;
}

/* PREFIX + SUFFIX, malloc'd. */
static char *join(const char *prefix, const char *suffix)
{
	size_t len = strlen(prefix) + strlen(suffix) + 1;
	char *s = kit_xmalloc(len);
	snprintf(s, len, "%s%s", prefix, suffix);
	return s;
}

int kit_plot_scaling(const kit_scaling *s, const char *title, const char *prefix,
		     FILE *text_out)
{
	double *x = kit_xmalloc((s->n ? s->n : 1) * 3 * sizeof(double));
	double *sp = x + s->n, *t = sp + s->n;
	for (size_t i = 0; i < s->n; i++) {
		x[i] = s->rows[i].p;
		sp[i] = s->rows[i].speedup;
		t[i] = s->rows[i].t;
	}
	/* Doubling thread counts read best on a log2 axis. */
	bool logx = s->n > 1 && x[s->n - 1] / x[0] >= 8;
	char tsp[256], tt[256];
	snprintf(tsp, sizeof(tsp), "%s: speed-up", title ? title : "scaling");
	snprintf(tt, sizeof(tt), "%s: time", title ? title : "scaling");
	kit_series ssp = { .title = "measured", .x = x, .y = sp, .n = s->n };
	kit_series st = { .title = "median time", .x = x, .y = t, .n = s->n };
	kit_plot psp = { .title = tsp, .xlabel = "threads", .ylabel = "speed-up",
			 .series = &ssp, .nseries = 1, .logx = logx, .ideal = true,
			 .amdahl_f = s->serial_fraction > 0 ? s->serial_fraction : 0 };
	kit_plot pt = { .title = tt, .xlabel = "threads", .ylabel = "seconds",
			.series = &st, .nseries = 1, .logx = logx };

	int rc = 0;
	if (prefix) {
		char *a = join(prefix, "-speedup.png"), *b = join(prefix, "-time.png");
		if (kit_plot_png(&psp, a) || kit_plot_png(&pt, b))
			rc = -1;
		free(a);
		free(b);
	}
	if (text_out && kit_plot_text(&psp, text_out, 0, 0))
		rc = -1;
	free(x);
	return rc;
}

/* ------------------------------------------------------------------------
 * Heat maps
 */

struct heat {
	const char *title, *xlabel, *ylabel;
	const double *z;
	int nx, ny;
	const int *xs, *ys;
};

/* Column i and row j are drawn at i and j, labelled with xs[i] and ys[j]. */
static void heat_body(FILE *f, const struct job *j, const void *arg, bool text)
{
	const struct heat *h = arg;
	(void)text;
	fputs("set title ", f);
	gp_quote(f, h->title);
	fputs("\nset xlabel ", f);
	gp_quote(f, h->xlabel);
	fputs("\nset ylabel ", f);
	gp_quote(f, h->ylabel);
	fprintf(f, "\nset xrange [-0.5:%d.5]\nset yrange [-0.5:%d.5]\n", h->nx - 1, h->ny - 1);
	fputs("set xtics (", f);
	for (int i = 0; i < h->nx; i++)
		fprintf(f, "%s'%d' %d", i ? ", " : "", h->xs ? h->xs[i] : i + 1, i);
	fputs(")\nset ytics (", f);
	for (int i = 0; i < h->ny; i++)
		fprintf(f, "%s'%d' %d", i ? ", " : "", h->ys ? h->ys[i] : i + 1, i);
	/* light colours, so the values written on them stay readable */
	fputs(")\nset palette defined (0 '#ffffcc', 1 '#fed976', 2 '#fd8d3c', 3 '#f03b20')\n"
	      "set tics out nomirror\n", f);
	fputs("plot ", f);
	gp_quote(f, j->data);
	fputs(" using 1:2:3 with image notitle, \\\n     ", f);
	gp_quote(f, j->data);
	fputs(" using 1:2:(valid(3) ? sprintf('%.3g', $3) : '-') with labels "
	      "font ',14' notitle\n", f);
}

static int write_heat_data(const struct job *j, const struct heat *h)
{
	FILE *f = fopen(j->data, "w");
	if (!f) {
		kit_error("cannot write '%s': %s", j->data, strerror(errno));
		return -1;
	}
	/* One scan line per row: what "with image" expects. */
	for (int y = 0; y < h->ny; y++) {
		for (int x = 0; x < h->nx; x++) {
			double v = h->z[(size_t)y * h->nx + x];
			if (isfinite(v))
				fprintf(f, "%d %d %.17g\n", x, y, v);
			else
				fprintf(f, "%d %d NaN\n", x, y);
		}
		fputc('\n', f);
	}
	if (fclose(f)) {
		kit_error("cannot write '%s': %s", j->data, strerror(errno));
		return -1;
	}
	return 0;
}

/* The values as an aligned grid: a row per y, a column per x. */
static void heat_text(const struct heat *h, FILE *out)
{
	char corner[128], cell[32];
	snprintf(corner, sizeof(corner), "%s \\ %s", h->ylabel ? h->ylabel : "y",
		 h->xlabel ? h->xlabel : "x");
	int w = 6;
	for (int i = 0; i < h->nx * h->ny; i++) {
		int n = isfinite(h->z[i]) ? snprintf(cell, sizeof(cell), "%.4g", h->z[i]) : 1;
		if (n > w)
			w = n;
	}
	int cw = (int)strlen(corner);
	if (h->title && *h->title)
		fprintf(out, "%s\n", h->title);
	fprintf(out, "  %-*s", cw, corner);
	for (int x = 0; x < h->nx; x++)
		fprintf(out, "  %*d", w, h->xs ? h->xs[x] : x + 1);
	fputc('\n', out);
	for (int y = 0; y < h->ny; y++) {
		fprintf(out, "  %-*d", cw, h->ys ? h->ys[y] : y + 1);
		for (int x = 0; x < h->nx; x++) {
			double v = h->z[(size_t)y * h->nx + x];
			if (isfinite(v))
				snprintf(cell, sizeof(cell), "%.4g", v);
			else
				snprintf(cell, sizeof(cell), "-");
			fprintf(out, "  %*s", w, cell);
		}
		fputc('\n', out);
	}
	fflush(out);
}

int kit_plot_heatmap(const char *title, const char *xlabel, const char *ylabel,
		     const double *z, int nx, int ny, const int *xs, const int *ys,
		     const char *png_path, FILE *text_out)
{
	if (nx <= 0 || ny <= 0) {
		kit_error("heat map '%s' has no cells (%d x %d)", title ? title : "", nx, ny);
		return -1;
	}
	struct heat h = { title, xlabel, ylabel, z, nx, ny, xs, ys };
	if (text_out)
		heat_text(&h, text_out);
	if (!png_path)
		return 0;
	struct job j;
	if (job_open(&j))
		return -1;
	int rc = write_heat_data(&j, &h);
	if (!rc)
		rc = render_png(heat_body, &h, &j, png_path);
	job_close(&j);
	return rc;
}

/* ------------------------------------------------------------------------
 * Timelines: horizontal bars, a row per thread
 */

struct bars {
	const char *title, *xlabel, *row_label;
	int nrows;
};

static void bars_body(FILE *f, const struct job *j, const void *arg, bool text)
{
	const struct bars *b = arg;
	(void)text;
	fputs("set title ", f);
	gp_quote(f, b->title);
	fputs("\nset xlabel ", f);
	gp_quote(f, b->xlabel);
	fprintf(f, "\nset yrange [%d.5:-0.5]\nset xrange [0:*]\nset ytics (", b->nrows - 1);
	for (int r = 0; r < b->nrows; r++) {
		fprintf(f, "%s'", r ? ", " : "");
		for (const char *p = b->row_label; p && *p; p++)
			if (*p != '\'')
				fputc(*p, f);
		fprintf(f, " %d' %d", r, r);
	}
	fputs(")\nset grid xtics\nset tics out nomirror\n"
	      "set style fill solid 0.9 border lc rgb 'white'\nplot ", f);
	gp_quote(f, j->data);
	/* x centre, row, half width, half height, colour */
	fputs(" using (($1+$2)/2):3:(($2-$1)/2):(0.35):($4 > 0.5 ? 0x4a90d9 : 0xe07b39) "
	      "with boxxyerror lc rgb variable notitle\n", f);
}

int kit_plot_bars(const char *title, const char *xlabel, const char *row_label,
		  const kit_bar *bars, size_t n, int nrows, const char *png_path)
{
	if (!n || nrows <= 0) {
		kit_error("timeline '%s' has nothing to draw", title ? title : "");
		return -1;
	}
	struct job j;
	if (job_open(&j))
		return -1;
	int rc = 0;
	FILE *f = fopen(j.data, "w");
	if (!f) {
		kit_error("cannot write '%s': %s", j.data, strerror(errno));
		rc = -1;
	} else {
		for (size_t i = 0; i < n; i++)
			fprintf(f, "%.9g %.9g %d %d\n", bars[i].t0, bars[i].t1, bars[i].row,
				bars[i].colour);
		if (fclose(f)) {
			kit_error("cannot write '%s': %s", j.data, strerror(errno));
			rc = -1;
		}
	}
	struct bars b = { title, xlabel, row_label, nrows };
	if (!rc)
		rc = render_png(bars_body, &b, &j, png_path);
	job_close(&j);
	return rc;
}
