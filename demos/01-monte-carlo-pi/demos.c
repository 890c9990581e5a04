/*
 * NAME
 *   demos.c - the live-class demos of exercise 01 (demos.h).
 *
 * PURPOSE
 *   Five short experiments an instructor runs in front of a room, each with a
 *   title, one paragraph of what to notice, a progress bar, a validated
 *   table, a terminal chart, and CSV + JSON + PNG for the slides:
 *     pi             pi_same_answer at 1 .. 2 x logical CPUs threads: scaling
 *                    table, Amdahl fit, oversubscription past the CPUs
 *     race           the tomato count (seed 003): one shared counter with no
 *                    synchronisation (wrong, differently each run), atomic,
 *                    critical, reduction
 *     rand           the C library's rand() (one state behind a lock) against
 *                    one pi_stream per thread, as threads grow
 *     gil            pi sampling with one global lock around every sample
 *                    (what the GIL does to Python threads) beside the free loop
 *     false-sharing  per-thread counters side by side in one cache line
 *                    against counters padded to 64 bytes each
 *
 * USAGE
 *   ./kit demo race                      or: pi-demos --demo NAME [--quick] [--out DIR]
 *   build/demos/01-monte-carlo-pi/pi-demos --demo gil --quick --out /tmp/gil
 *
 * NOTES
 *   Sizes: when opts->n is 0 each demo times one short probe of its slowest
 *   case and picks n so that the demo takes 10 to 40 s on a 2-core machine
 *   (capped, so a fast machine does not run for ever; a slow kernel, such as
 *   the skeleton's, gets a smaller n instead of minutes). --quick uses fixed,
 *   test-sized n: a few seconds at most.
 *   Files: DIR/NAME.csv, DIR/NAME.json, DIR/NAME.png (pi: pi-speedup.png and
 *   pi-time.png; gil: gil.png and gil-time.png), DIR = opts->out_dir or
 *   results/demos/NAME under kit_root().
 *   Without OpenMP every demo runs with one thread and says what cannot show.
 */
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demos.h"
#include "kit.h"
#include "pi.h"
#include "pi_rng.h"

const char *const pi_demo_names[] = { "pi", "race", "rand", "gil", "false-sharing", NULL };

#define MAX_SWEEP 64		/* thread counts in one sweep */
#define DEMO_PI 3.14159265358979323846

/* ------------------------------------------------------------------------
 * What every demo shares
 */

struct demo {
	const char *name;
	char dir[PATH_MAX];	/* where the files go */
	uint64_t seed;
	int threads[MAX_SWEEP];	/* the sweep, ascending */
	size_t nthreads;
	int pus;		/* logical CPUs */
	int omp_before;		/* threads before the demo, restored after */
	bool quick, quiet;
};

/* snprintf, truncating silently: for labels and paths whose length is
 * bounded in practice (gcc cannot see that through a struct). */
static void KIT_PRINTF(3, 4) fmt_to(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* DIR/NAME.EXT into BUF. */
static const char *file_in(char *buf, size_t len, const struct demo *d, const char *base,
			   const char *ext)
{
	fmt_to(buf, len, "%s/%s%s", d->dir, base, ext);
	return buf;
}

/* Adds T to the sweep unless it is already there; keeps it ascending. */
static void sweep_add(struct demo *d, int t)
{
	if (t < 1 || d->nthreads == MAX_SWEEP)
		return;
	size_t i = 0;
	while (i < d->nthreads && d->threads[i] < t)
		i++;
	if (i < d->nthreads && d->threads[i] == t)
		return;
	memmove(&d->threads[i + 1], &d->threads[i], (d->nthreads - i) * sizeof(int));
	d->threads[i] = t;
	d->nthreads++;
}

/*
 * Fills D from O. The default sweep is 1 .. UPTO logical CPUs (UPTO 1 or 2),
 * plus 2 x CPUs when WITH_DOUBLE. Without OpenMP the sweep is {1}.
 */
static int demo_begin(struct demo *d, const char *name, const pi_demo_opts *o, int upto,
		      bool with_double)
{
	memset(d, 0, sizeof(*d));
	d->name = name;
	d->seed = o->seed;
	d->quick = o->quick;
	d->quiet = o->quiet;
	d->omp_before = kit_omp_max_threads();
	kit_topo topo;
	kit_topo_get(&topo);
	d->pus = topo.pus > 0 ? topo.pus : 1;

	if (!kit_omp_enabled()) {
		sweep_add(d, 1);
	} else if (o->threads && o->nthreads) {
		for (size_t i = 0; i < o->nthreads; i++)
			sweep_add(d, o->threads[i]);
	} else {
		for (int t = 1; t <= upto * d->pus; t++)
			sweep_add(d, t);
		if (with_double)
			sweep_add(d, 2 * d->pus);
	}
	if (!d->nthreads)
		sweep_add(d, 1);

	if (o->out_dir && *o->out_dir)
		snprintf(d->dir, sizeof(d->dir), "%s", o->out_dir);
	else
		snprintf(d->dir, sizeof(d->dir), "%s/results/demos/%s", kit_root(), name);
	return kit_mkdirs(d->dir);
}

static void demo_end(struct demo *d)
{
	kit_omp_set_threads(d->omp_before);
}

/* TEXT on stdout, words wrapped at WIDTH columns (a projector's terminal). */
static void print_wrapped(const char *text, size_t width)
{
	size_t col = 0;
	while (*text) {
		size_t len = strcspn(text, " ");
		if (col > 0 && col + 1 + len > width) {
			putchar('\n');
			col = 0;
		} else if (col > 0) {
			putchar(' ');
			col++;
		}
		fwrite(text, 1, len, stdout);
		col += len;
		text += len;
		while (*text == ' ')
			text++;
	}
	putchar('\n');
}

/* The title and the paragraph of what to notice, then the configuration. */
static void demo_intro(const struct demo *d, const char *title, const char *notice)
{
	char para[1024];
	printf("\n== Demo %s: %s ==\n\n", d->name, title);
	snprintf(para, sizeof(para), "What to notice: %s", notice);
	print_wrapped(para, 78);
	printf("\n");
	kit_env_print(stdout);
	if (!kit_omp_enabled())
		printf("This build has no OpenMP: every run uses one thread.\n");

	/* The effects need idle CPUs: say so before, not after, the wait. */
	double load = -1;
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fscanf(f, "%lf", &load) != 1)
			load = -1;
		fclose(f);
	}
	if (load > d->pus + 0.5)
		printf("BUSY MACHINE: load average %.1f on %d logical CPUs. Other programs hold the "
		       "CPUs, so threads\nrarely run side by side and the effects below may not "
		       "show; close them and run again.\n", load, d->pus);
	printf("\n");
	fflush(stdout);
}

/* The sweep as "1, 2, 3, 4". */
static const char *sweep_text(const struct demo *d, char *buf, size_t len)
{
	size_t k = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < d->nthreads && k < len; i++)
		k += (size_t)snprintf(buf + k, len - k, "%s%d", i ? ", " : "", d->threads[i]);
	return buf;
}

/* Writes NAME.csv and NAME.json. 0, or -1 (message printed). */
static int write_results(const struct demo *d, const kit_results *r)
{
	char csv[PATH_MAX + 16], json[PATH_MAX + 16];
	file_in(csv, sizeof(csv), d, d->name, ".csv");
	file_in(json, sizeof(json), d, d->name, ".json");
	if (kit_results_write_csv(r, csv) || kit_results_write_json(r, json))
		return -1;
	printf("Wrote %s, %s", csv, json);
	return 0;
}

/* Shows P on stdout as a text chart, unless quiet. A missing gnuplot is
 * reported (by libkit) and is not a failure of the demo. */
static void show_chart(const struct demo *d, const kit_plot *p)
{
	if (d->quiet)
		return;
	fflush(stdout);
	if (kit_plot_text(p, stdout, 0, 0) == 0)
		printf("\n");
	fflush(stdout);
}

/* Draws P as DIR/BASE.png and names it after write_results' list. */
static void save_png(const struct demo *d, const kit_plot *p, const char *base)
{
	char png[PATH_MAX + 16];
	if (kit_plot_png(p, file_in(png, sizeof(png), d, base, ".png")) == 0)
		printf(", %s", png);
}

/* "1.234e+09" as "1,234,000,000": counts an audience reads at a glance. */
static const char *commas(char *buf, size_t len, uint64_t v)
{
	char raw[32];
	int n = snprintf(raw, sizeof(raw), "%llu", (unsigned long long)v);
	size_t k = 0;
	for (int i = 0; i < n && k + 2 < len; i++) {
		if (i && (n - i) % 3 == 0)
			buf[k++] = ',';
		buf[k++] = raw[i];
	}
	buf[k] = '\0';
	return buf;
}

/* The standard errors by which HITS of N is off pi: sigma = 4 sqrt(p(1-p)/n). */
static double sigmas_off(uint64_t hits, uint64_t n)
{
	double p = DEMO_PI / 4, est = 4.0 * (double)hits / (double)n;
	double sigma = 4 * sqrt(p * (1 - p) / (double)n);
	return fabs(est - DEMO_PI) / sigma;
}

/* V rounded down to two significant digits (at least LO): "130,000,000". */
static uint64_t round_down_nice(double v, uint64_t lo)
{
	if (!(v > (double)lo))
		return lo;
	double p = pow(10, floor(log10(v)) - 1);
	return (uint64_t)(floor(v / p) * p);
}

/*
 * Picks n for a demo: O->n when given, QUICK_N with --quick, else n such that
 * one call of PROBE (a run of the demo's slowest case at N samples) lasts
 * about TARGET seconds, from DEFAULT_N down to MIN_N.
 */
static uint64_t pick_n(const pi_demo_opts *o, uint64_t quick_n, uint64_t default_n,
		       uint64_t min_n, double target, void (*probe)(uint64_t n, void *ctx),
		       void *ctx)
{
	if (o->n)
		return o->n;
	if (o->quick)
		return quick_n;
	uint64_t n = min_n;
	double dt;
	for (;;) {
		double t0 = kit_wtime();
		probe(n, ctx);
		dt = kit_wtime() - t0;
		if (dt >= 0.15 || n >= default_n)
			break;
		n *= 4;
	}
	double per = dt / (double)n;
	uint64_t want = per > 0 ? round_down_nice(target / per, min_n) : default_n;
	return want < default_n ? want : default_n;
}

/* The timing protocol of the demos: short, since a room is waiting. */
static kit_timing_opts demo_timing(const struct demo *d, int min_reps)
{
	kit_timing_opts t = { .warmup = 1, .min_reps = min_reps, .min_time = 0.2,
			      .max_reps = 50 };
	if (d->quick) {
		t.min_reps = 2;
		t.min_time = 0;
	}
	return t;
}

/*
 * Prints libkit's warnings (spread, load, oversubscription) for the timings
 * in T whose entry in CHECK is true (NULL: all), after the table. Rows where
 * serial execution is the lesson (rand(), the lock, atomic) are left out:
 * "nothing ran in parallel" is what they show, not a fault. --quick runs are
 * too short to judge and print none.
 */
static void warn_rows(const struct demo *d, const kit_timing *t, char labels[][64],
		      const bool *check, size_t n)
{
	if (d->quick)
		return;
	fflush(stdout);
	for (size_t i = 0; i < n; i++)
		if (!check || check[i])
			kit_timing_warnings(&t[i], labels[i]);
	fflush(stderr);
}

/* ------------------------------------------------------------------------
 * pi: a thread sweep of pi_same_answer
 */

struct pi_run {
	uint64_t n, seed, hits;
};

static int pi_run_fn(void *ctx)
{
	struct pi_run *c = ctx;
	c->hits = pi_same_answer(c->n, c->seed);
	return 0;
}

static void pi_probe(uint64_t n, void *ctx)
{
	struct pi_run *c = ctx;
	kit_omp_set_threads(1);
	c->n = n;
	pi_run_fn(c);
}

static int demo_pi(const pi_demo_opts *o)
{
	struct demo d;
	if (demo_begin(&d, "pi", o, 2, false))
		return KIT_EXIT_USAGE;
	char sw[256];
	demo_intro(&d, "one estimate of pi on more and more threads",
		   "every thread count counts the same samples and gets the same count "
		   "(sample i depends on the seed and i alone), so only the time changes. "
		   "It falls as threads are added, up to the logical CPUs; past them the "
		   "threads take turns on the CPUs (oversubscription) and the time stops "
		   "falling. Speed-up is time(1) / time(p); the Amdahl fit turns the curve "
		   "into a serial fraction, the part no thread count speeds up.");

	struct pi_run c = { .seed = d.seed };
	c.n = pick_n(o, 10000000, 2000000000, 1000000, 2.0, pi_probe, &c);

	kit_results *r = kit_results_new("pi", "pi_same_answer: one count, any thread count");
	kit_results_config(r, "demo", "pi");
	kit_results_config(r, "n", "%llu samples", (unsigned long long)c.n);
	kit_results_config(r, "seed", "%llu", (unsigned long long)c.seed);
	kit_results_config(r, "threads", "%s (logical CPUs: %d)", sweep_text(&d, sw, sizeof(sw)),
			   d.pus);

	kit_timing tm[MAX_SWEEP];
	char labels[MAX_SWEEP][64];
	int p[MAX_SWEEP];
	double t[MAX_SWEEP];
	uint64_t hits[MAX_SWEEP];
	kit_timing_opts topt = demo_timing(&d, 3);
	kit_progress pg;
	int rc = KIT_EXIT_OK;
	size_t done = 0;

	kit_progress_begin(&pg, "demo pi", d.nthreads);
	for (size_t i = 0; i < d.nthreads; i++) {
		kit_omp_set_threads(d.threads[i]);
		snprintf(labels[i], sizeof(labels[i]), "%d thread%s", d.threads[i],
			 d.threads[i] > 1 ? "s" : "");
		if (kit_time(pi_run_fn, &c, &topt, &tm[i]))
			break;
		hits[i] = c.hits;
		p[i] = tm[i].threads;
		t[i] = tm[i].wall.median;
		done++;
		kit_progress_step(&pg, labels[i]);
	}
	kit_progress_end(&pg);
	kit_omp_set_threads(d.omp_before);

	for (size_t i = 0; i < done; i++) {
		kit_results_row(r, labels[i]);
		double ns = tm[i].wall.median / (double)c.n * 1e9;
		kit_results_num(r, "pi", 4.0 * (double)hits[i] / (double)c.n, "%.8f");
		kit_results_num(r, "hits", (double)hits[i], "%.0f");
		kit_results_num(r, "ns_per_sample", ns, "%.3f");
		kit_results_num(r, "samples_per_s", 1e9 / ns, "%.3g");
		kit_results_num(r, "speedup", t[0] / t[i], "%.2f");
		kit_results_timing(r, &tm[i], NULL);
		double z = sigmas_off(hits[i], c.n);
		char why[160];
		if (hits[i] != hits[0]) {
			snprintf(why, sizeof(why), "count %llu differs from %llu at %d thread(s); "
				 "see step 4", (unsigned long long)hits[i],
				 (unsigned long long)hits[0], p[0]);
			kit_results_valid(r, false, why);
			rc = KIT_EXIT_INVALID;
		} else if (z > 5) {
			snprintf(why, sizeof(why), "%.1f standard errors from pi", z);
			kit_results_valid(r, false, why);
			rc = KIT_EXIT_INVALID;
		} else {
			kit_results_valid(r, true, NULL);
		}
	}

	kit_scaling s = { 0 };
	bool have_s = done > 0 && kit_scaling_of(p, t, done, &s) == 0;
	if (have_s)
		kit_results_scaling(r, &s);
	kit_results_print(r, stdout);
	if (have_s) {
		printf("\nScaling:\n");
		kit_scaling_print(&s, "s", stdout);
	}
	warn_rows(&d, tm, labels, NULL, done);

	printf("\nNotes:\n");
	if (done < d.nthreads)
		printf("  - stopped after %zu of %zu thread counts: the kernel failed.\n", done,
		       d.nthreads);
	printf("  - the count is %s at every thread count: %s.\n",
	       rc == KIT_EXIT_OK ? "the same" : "NOT the same",
	       rc == KIT_EXIT_OK ? "sample i is a function of (seed, i) alone"
				 : "look at TODO(4) in pi.c");
	for (size_t i = 0; i < done; i++) {
		if (p[i] <= d.pus)
			continue;
		size_t at = 0;	/* the row with the most threads that fit the CPUs */
		for (size_t k = 0; k < done; k++)
			if (p[k] <= d.pus)
				at = k;
		printf("  - %d thread%s on %d logical CPUs: oversubscribed. Threads take turns "
		       "on the CPUs,\n    so the time cannot fall below the %d-thread time "
		       "(%.3g s there, %.3g s at %d).\n", p[i], p[i] > 1 ? "s" : "", d.pus,
		       p[at], t[i], t[at], p[at]);
		break;
	}
	if (have_s && s.n > 1 && s.r2 >= 0.9)
		printf("  - the Amdahl fit puts %.1f%% of the time in serial work: no thread "
		       "count beats %.1fx.\n", 100 * s.serial_fraction, s.limit);
	else if (have_s && s.n > 1)
		printf("  - the Amdahl fit is poor (r\u00b2 %.2f): the times are noisy (is "
		       "something else running?)\n    or past the CPUs; read the table, not "
		       "the fit.\n", s.r2);
	if (d.nthreads == 1)
		printf("  - one thread only: nothing to scale here.\n");

	/* The text chart, then the files: kit_plot_scaling draws both PNGs. */
	char prefix[PATH_MAX + 16];
	file_in(prefix, sizeof(prefix), &d, "pi", "");
	bool pngs = false;
	if (have_s) {
		fflush(stdout);
		pngs = kit_plot_scaling(&s, "pi_same_answer", prefix,
					d.quiet || s.n < 2 ? NULL : stdout) == 0;
	}
	if (write_results(&d, r) != 0)
		rc = KIT_EXIT_USAGE;
	else if (pngs)
		printf(", %s-speedup.png, %s-time.png", prefix, prefix);
	printf("\n");

	if (have_s)
		kit_scaling_free(&s);
	for (size_t i = 0; i < done; i++)
		kit_timing_free(&tm[i]);
	kit_results_free(r);
	demo_end(&d);
	return done < d.nthreads && rc == KIT_EXIT_OK ? KIT_EXIT_INVALID : rc;
}

/* ------------------------------------------------------------------------
 * race: the tomato count
 *
 * The pantry has N items; item i is a tomato 7 times in 8, decided by a hash
 * of (seed, i), so every chef can tell without looking at the others. The
 * sous-chefs (threads) split the shelves and add each tomato to one shared
 * tally.
 */

static inline int is_tomato(uint64_t seed, uint64_t i)
{
	return (pi_random_at(seed, i) & 7) != 0;
}

enum tally_kind { NO_SYNC, ATOMIC, CRITICAL, REDUCTION, NKINDS };

static const char *const tally_name[NKINDS] = {
	"no sync", "atomic", "critical", "reduction",
};

struct tally {
	uint64_t n, seed, count;
	enum tally_kind kind;
};

/* The head chef alone, the truth. */
static uint64_t tally_serial(uint64_t n, uint64_t seed)
{
	uint64_t count = 0;
	for (uint64_t i = 0; i < n; i++)
		count += (uint64_t)is_tomato(seed, i);
	return count;
}

/*
 * tally++ on a shared counter with no synchronisation: read, add 1, write
 * back. Two chefs who read the same value both write value + 1 and a tomato
 * is lost. The counter is volatile only so that the compiler does not keep it
 * in a register for the whole loop (one add per thread at the end would hide
 * the race); volatile makes nothing atomic.
 */
static uint64_t tally_no_sync(uint64_t n, uint64_t seed)
{
	volatile uint64_t tally = 0;
#pragma omp parallel for schedule(static)
	for (uint64_t i = 0; i < n; i++)
		if (is_tomato(seed, i))
			tally++;
	return tally;
}

/* Right: the read-add-write is one indivisible instruction (lock add). */
static uint64_t tally_atomic(uint64_t n, uint64_t seed)
{
	uint64_t tally = 0;
#pragma omp parallel for schedule(static)
	for (uint64_t i = 0; i < n; i++)
		if (is_tomato(seed, i)) {
#pragma omp atomic
			tally++;
		}
	return tally;
}

/* Right: one chef at a time in the pantry (a lock around the increment). */
static uint64_t tally_critical(uint64_t n, uint64_t seed)
{
	uint64_t tally = 0;
#pragma omp parallel for schedule(static)
	for (uint64_t i = 0; i < n; i++)
		if (is_tomato(seed, i)) {
#pragma omp critical
			tally++;
		}
	return tally;
}

/* Right and fast: each chef counts on a private slate; the slates are added
 * once at the end. */
static uint64_t tally_reduction(uint64_t n, uint64_t seed)
{
	uint64_t tally = 0;
#pragma omp parallel for schedule(static) reduction(+:tally)
	for (uint64_t i = 0; i < n; i++)
		if (is_tomato(seed, i))
			tally++;
	return tally;
}

static int tally_fn(void *ctx)
{
	struct tally *c = ctx;
	switch (c->kind) {
	case NO_SYNC: c->count = tally_no_sync(c->n, c->seed); break;
	case ATOMIC: c->count = tally_atomic(c->n, c->seed); break;
	case CRITICAL: c->count = tally_critical(c->n, c->seed); break;
	default: c->count = tally_reduction(c->n, c->seed); break;
	}
	return 0;
}

static void tally_probe(uint64_t n, void *ctx)
{
	struct tally *c = ctx;
	c->n = n;
	c->kind = CRITICAL;	/* the slowest, at the sweep's top thread count */
	tally_fn(c);
}

/* One measurement of the race demo. */
struct race_row {
	char label[64];
	enum tally_kind kind;
	int threads;
	uint64_t count;
	kit_timing tm;
};

static int demo_race(const pi_demo_opts *o)
{
	struct demo d;
	if (demo_begin(&d, "race", o, 1, false))
		return KIT_EXIT_USAGE;
	int top = d.threads[d.nthreads - 1];
	demo_intro(&d, "the tomato count (a race on one shared counter)",
		   "the sous-chefs (threads) count the tomatoes of one pantry into one "
		   "shared tally. With no synchronisation two chefs read the same number, "
		   "both write back number + 1, and a tomato is lost: the total is wrong, "
		   "and wrong by a different amount every run. atomic and critical are "
		   "right but make the chefs queue for the tally on every tomato; a "
		   "reduction gives each chef a private slate, added once at the end: "
		   "right, and the fastest. Compare the ns per tomato.");

	struct tally c = { .seed = d.seed };
	kit_omp_set_threads(top);
	c.n = pick_n(o, 2000000, 200000000, 100000, 2.5, tally_probe, &c);
	uint64_t truth = tally_serial(c.n, c.seed);
	char a[40], b[40], sw[256];

	kit_results *r = kit_results_new("pi", "the tomato count: one shared tally");
	kit_results_config(r, "demo", "race");
	kit_results_config(r, "pantry", "%s items, %s of them tomatoes (the head chef's "
			   "own count, one thread)", commas(a, sizeof(a), c.n),
			   commas(b, sizeof(b), truth));
	kit_results_config(r, "seed", "%llu", (unsigned long long)c.seed);
	kit_results_config(r, "threads", "%s (logical CPUs: %d)", sweep_text(&d, sw, sizeof(sw)),
			   d.pus);

	/* Three unsynchronised runs at the top thread count, then every method
	 * at every thread count, top first. */
	struct race_row rows[3 + NKINDS * MAX_SWEEP];
	size_t nrows = 0;
	for (int k = 0; k < 3; k++) {
		struct race_row *w = &rows[nrows++];
		memset(w, 0, sizeof(*w));
		w->kind = NO_SYNC;
		w->threads = top;
		snprintf(w->label, sizeof(w->label), "no sync, run %d", k + 1);
	}
	for (size_t j = d.nthreads; j-- > 0;) {
		for (int k = ATOMIC; k < NKINDS; k++) {
			struct race_row *w = &rows[nrows++];
			memset(w, 0, sizeof(*w));
			w->kind = (enum tally_kind)k;
			w->threads = d.threads[j];
			snprintf(w->label, sizeof(w->label), "%s", tally_name[k]);
		}
		if (d.threads[j] != top) {
			struct race_row *w = &rows[nrows++];
			memset(w, 0, sizeof(*w));
			w->kind = NO_SYNC;
			w->threads = d.threads[j];
			snprintf(w->label, sizeof(w->label), "no sync");
		}
	}

	kit_progress pg;
	kit_progress_begin(&pg, "demo race", nrows);
	kit_timing_opts topt = demo_timing(&d, 2);
	kit_timing_opts once = { .warmup = 0, .min_reps = 1, .min_time = 0, .max_reps = 1 };
	size_t done = 0;
	for (size_t i = 0; i < nrows; i++) {
		struct race_row *w = &rows[i];
		kit_omp_set_threads(w->threads);
		c.kind = w->kind;
		if (kit_time(tally_fn, &c, w->kind == NO_SYNC ? &once : &topt, &w->tm))
			break;
		w->count = c.count;
		done++;
		char what[80];
		fmt_to(what, sizeof(what), "%s, %d thread%s", w->label, w->threads,
		       w->threads > 1 ? "s" : "");
		kit_progress_step(&pg, what);
	}
	kit_progress_end(&pg);
	kit_omp_set_threads(d.omp_before);

	int rc = KIT_EXIT_OK;
	for (size_t i = 0; i < done; i++) {
		struct race_row *w = &rows[i];
		kit_results_row(r, w->label);
		long long off = (long long)w->count - (long long)truth;
		kit_results_num(r, "counted", (double)w->count, "%.0f");
		kit_results_num(r, "off_by", (double)off, "%+.0f");
		kit_results_num(r, "off_pct", 100.0 * (double)off / (double)truth, "%+.2f%%");
		kit_results_num(r, "ns_per_tomato", w->tm.wall.median / (double)c.n * 1e9,
				"%.2f");
		kit_results_timing(r, &w->tm, NULL);
		char why[200];
		if (w->count == truth) {
			kit_results_valid(r, true, NULL);
			if (w->kind == NO_SYNC)
				kit_results_str(r, "note", w->threads > 1 ?
						"right this time by luck; the race is still there" :
						"one thread: nothing to race with");
		} else if (w->kind == NO_SYNC) {
			snprintf(why, sizeof(why), "lost %s tomatoes: two chefs read the same "
				 "tally and both wrote back tally + 1",
				 commas(a, sizeof(a), truth > w->count ? truth - w->count : 0));
			kit_results_valid(r, false, why);
		} else {
			snprintf(why, sizeof(why), "counted %s, not %s: %s must never lose one",
				 commas(a, sizeof(a), w->count), commas(b, sizeof(b), truth),
				 tally_name[w->kind]);
			kit_results_valid(r, false, why);
			rc = KIT_EXIT_INVALID;
		}
	}
	kit_results_print(r, stdout);

	/* Warnings for the reduction rows only: the others queue on purpose. */
	char labels[3 + NKINDS * MAX_SWEEP][64];
	kit_timing tms[3 + NKINDS * MAX_SWEEP];
	bool check[3 + NKINDS * MAX_SWEEP];
	for (size_t i = 0; i < done; i++) {
		fmt_to(labels[i], sizeof(labels[i]), "%s, %d thread%s", rows[i].label,
		       rows[i].threads, rows[i].threads > 1 ? "s" : "");
		tms[i] = rows[i].tm;
		check[i] = rows[i].kind == REDUCTION;
	}
	warn_rows(&d, tms, labels, check, done);

	printf("\nNotes:\n");
	if (top == 1) {
		printf("  - one thread only (%s): the race cannot show, every row is right.\n"
		       "    Run it with 2 threads or more (OMP_NUM_THREADS=2 on a machine with "
		       "2 CPUs or more)\n    to see tomatoes go missing.\n",
		       kit_omp_enabled() ? "one CPU, or a thread list of 1" :
					   "this build has no OpenMP");
	} else if (done >= 3) {
		printf("  - the three unsynchronised runs on %d threads counted:\n", top);
		bool differ = false, right = true;
		for (int k = 0; k < 3; k++) {
			long long off = (long long)rows[k].count - (long long)truth;
			printf("      run %d: %15s   off by %s%s (%+.2f%%)\n", k + 1,
			       commas(a, sizeof(a), rows[k].count), off < 0 ? "-" : "+",
			       commas(b, sizeof(b), (uint64_t)(off < 0 ? -off : off)),
			       100.0 * (double)off / (double)truth);
			differ |= rows[k].count != rows[0].count;
			right &= rows[k].count == truth;
		}
		printf("      truth: %15s\n", commas(a, sizeof(a), truth));
		if (right)
			printf("    Right three times: the chefs never counted at the same moment "
			       "(a busy machine runs\n    one thread at a time, or the pantry is too "
			       "small). Run again on an idle machine\n    or with more items "
			       "(-n 1e8).\n");
		else if (differ)
			printf("    Differently wrong every run: the loss depends on how the chefs' "
			       "steps happen to\n    interleave, which no one controls.\n");
		else
			printf("    The same wrong total three times: rare, and luck; run it again.\n");
		printf("  - atomic, critical and reduction are right every time; compare their ns "
		       "per tomato:\n    the queue at the shared tally is what the first two pay "
		       "for.\n");
	}
	if (done < nrows)
		printf("  - stopped after %zu of %zu runs: a kernel failed.\n", done, nrows);

	/* The chart: ns per tomato against threads, one line per method. */
	double x[NKINDS][MAX_SWEEP], y[NKINDS][MAX_SWEEP];
	kit_series ser[NKINDS];
	for (int k = 0; k < NKINDS; k++) {
		ser[k] = (kit_series){ .title = tally_name[k], .x = x[k], .y = y[k], .n = 0 };
		for (size_t j = 0; j < d.nthreads; j++) {
			/* The fastest row of that method and thread count (the
			 * unsynchronised one may have three). */
			double best = INFINITY;
			for (size_t i = 0; i < done; i++)
				if (rows[i].kind == (enum tally_kind)k &&
				    rows[i].threads == d.threads[j] && rows[i].tm.wall.median < best)
					best = rows[i].tm.wall.median;
			if (isfinite(best)) {
				x[k][ser[k].n] = d.threads[j];
				y[k][ser[k].n] = best / (double)c.n * 1e9;
				ser[k].n++;
			}
		}
	}
	kit_plot plot = { .title = "The tomato count: ns per item", .xlabel = "threads",
			  .ylabel = "ns per item (log)", .series = ser, .nseries = NKINDS,
			  .logy = true };
	if (d.nthreads > 1)
		show_chart(&d, &plot);
	if (write_results(&d, r) != 0)
		rc = KIT_EXIT_USAGE;
	else
		save_png(&d, &plot, "race");
	printf("\n");

	for (size_t i = 0; i < done; i++)
		kit_timing_free(&rows[i].tm);
	kit_results_free(r);
	demo_end(&d);
	return done < nrows && rc == KIT_EXIT_OK ? KIT_EXIT_INVALID : rc;
}

/* ------------------------------------------------------------------------
 * rand: one locked generator against one stream per thread
 */

struct gen_run {
	uint64_t n, seed, hits;
	bool shared;		/* rand() */
};

/* The C library's rand(): one state for the whole process, behind a lock in
 * glibc. Every sample takes the lock twice. */
static uint64_t sample_rand(uint64_t n, uint64_t seed)
{
	uint64_t hits = 0;
	srand((unsigned)seed);
#pragma omp parallel for schedule(static) reduction(+:hits)
	for (uint64_t i = 0; i < n; i++) {
		double x = rand() / (RAND_MAX + 1.0);
		double y = rand() / (RAND_MAX + 1.0);
		hits += x * x + y * y < 1.0;
	}
	return hits;
}

/* One pi_stream per thread: nothing shared, nothing locked. */
static uint64_t sample_streams(uint64_t n, uint64_t seed)
{
	uint64_t hits = 0;
#pragma omp parallel reduction(+:hits)
	{
		pi_stream s = pi_stream_new(seed, (uint64_t)kit_omp_thread_num());
#pragma omp for schedule(static)
		for (uint64_t i = 0; i < n; i++)
			hits += pi_in_circle(pi_stream_next(&s));
	}
	return hits;
}

static int gen_fn(void *ctx)
{
	struct gen_run *c = ctx;
	c->hits = c->shared ? sample_rand(c->n, c->seed) : sample_streams(c->n, c->seed);
	return 0;
}

static void gen_probe(uint64_t n, void *ctx)
{
	struct gen_run *c = ctx;
	c->n = n;
	c->shared = true;	/* rand() at the sweep's top thread count */
	gen_fn(c);
}

static int demo_rand(const pi_demo_opts *o)
{
	struct demo d;
	if (demo_begin(&d, "rand", o, 1, true))
		return KIT_EXIT_USAGE;
	demo_intro(&d, "one shared rand() against a generator per thread",
		   "rand() keeps one state for the whole program, and glibc guards it with a "
		   "lock: every sample takes it twice. With more threads they queue for the "
		   "lock and the state's cache line bounces between cores, so the time per "
		   "sample GROWS with threads (slower on 2 threads than on 1). A generator "
		   "per thread (pi_stream) shares nothing: its time per sample falls as "
		   "threads are added, until they outnumber the CPUs.");

	struct gen_run c = { .seed = d.seed };
	kit_omp_set_threads(d.threads[d.nthreads - 1]);
	c.n = pick_n(o, 200000, 50000000, 100000, 2.0, gen_probe, &c);
	char a[40], sw[256];

	kit_results *r = kit_results_new("pi", "rand() against pi_stream: ns per sample");
	kit_results_config(r, "demo", "rand");
	kit_results_config(r, "n", "%s samples per run", commas(a, sizeof(a), c.n));
	kit_results_config(r, "seed", "%llu", (unsigned long long)c.seed);
	kit_results_config(r, "threads", "%s (logical CPUs: %d)", sweep_text(&d, sw, sizeof(sw)),
			   d.pus);

	size_t nm = 2 * d.nthreads;
	kit_timing tm[2 * MAX_SWEEP];
	char labels[2 * MAX_SWEEP][64];
	uint64_t hits[2 * MAX_SWEEP];
	kit_timing_opts topt = demo_timing(&d, 2);
	kit_progress pg;
	kit_progress_begin(&pg, "demo rand", nm);
	size_t done = 0;
	for (size_t i = 0; i < nm; i++) {
		c.shared = i < d.nthreads;
		int th = d.threads[i % d.nthreads];
		kit_omp_set_threads(th);
		snprintf(labels[i], sizeof(labels[i]), "%s, %d thread%s",
			 c.shared ? "rand()" : "pi_stream", th, th > 1 ? "s" : "");
		if (kit_time(gen_fn, &c, &topt, &tm[i]))
			break;
		hits[i] = c.hits;
		done++;
		kit_progress_step(&pg, labels[i]);
	}
	kit_progress_end(&pg);
	kit_omp_set_threads(d.omp_before);

	int rc = KIT_EXIT_OK;
	double x[2][MAX_SWEEP], y[2][MAX_SWEEP];
	for (size_t i = 0; i < done; i++) {
		size_t g = i / d.nthreads, j = i % d.nthreads;
		double ns = tm[i].wall.median / (double)c.n * 1e9;
		double ns1 = tm[g * d.nthreads].wall.median / (double)c.n * 1e9;
		x[g][j] = tm[i].threads;
		y[g][j] = ns;
		kit_results_row(r, labels[i]);
		kit_results_num(r, "ns_per_sample", ns, "%.2f");
		kit_results_num(r, "samples_per_s", 1e9 / ns, "%.3g");
		kit_results_num(r, "vs_1_thread", ns1 / ns, "%.2fx");
		kit_results_num(r, "pi", 4.0 * (double)hits[i] / (double)c.n, "%.6f");
		kit_results_timing(r, &tm[i], NULL);
		double z = sigmas_off(hits[i], c.n);
		if (z > 5) {
			char why[96];
			snprintf(why, sizeof(why), "%.1f standard errors from pi", z);
			kit_results_valid(r, false, why);
			rc = KIT_EXIT_INVALID;
		} else {
			kit_results_valid(r, true, NULL);
		}
	}
	kit_results_print(r, stdout);
	bool check[2 * MAX_SWEEP];
	for (size_t i = 0; i < done; i++)
		check[i] = i >= d.nthreads;	/* pi_stream only: rand() queues on purpose */
	warn_rows(&d, tm, labels, check, done);

	printf("\nNotes:\n");
	printf("  - vs_1_thread above 1 is a speed-up, below 1 a slow-down.\n");
	if (done == nm && d.nthreads > 1) {
		size_t last = d.nthreads - 1;
		double r1 = y[0][0], rl = y[0][last], s1 = y[1][0], sl = y[1][last];
		printf("  - rand(): %.1f ns per sample on 1 thread, %.1f on %d threads: %.1fx %s.\n",
		       r1, rl, d.threads[last], rl > r1 ? rl / r1 : r1 / rl,
		       rl > r1 ? "SLOWER with more threads" : "faster");
		printf("  - pi_stream: %.2f ns per sample on 1 thread, %.2f on %d threads; "
		       "%.0fx faster than rand() on 1 thread.\n", s1, sl, d.threads[last],
		       r1 / s1);
		if (d.threads[last] > d.pus)
			printf("  - %d threads on %d logical CPUs: oversubscribed; threads take "
			       "turns.\n", d.threads[last], d.pus);
	} else if (d.nthreads == 1) {
		printf("  - one thread only: the lock of rand() has no one to queue for it; "
		       "here it only costs time.\n");
	}

	kit_series ser[2] = {
		{ .title = "rand() (one shared, locked state)", .x = x[0], .y = y[0],
		  .n = done < d.nthreads ? done : d.nthreads },
		{ .title = "pi_stream (one per thread)", .x = x[1], .y = y[1],
		  .n = done > d.nthreads ? done - d.nthreads : 0 },
	};
	kit_plot plot = { .title = "ns per sample: rand() vs a generator per thread",
			  .xlabel = "threads", .ylabel = "ns per sample (log)", .series = ser,
			  .nseries = 2, .logy = true };
	if (d.nthreads > 1)
		show_chart(&d, &plot);
	if (write_results(&d, r) != 0)
		rc = KIT_EXIT_USAGE;
	else
		save_png(&d, &plot, "rand");
	printf("\n");

	for (size_t i = 0; i < done; i++)
		kit_timing_free(&tm[i]);
	kit_results_free(r);
	demo_end(&d);
	return done < nm && rc == KIT_EXIT_OK ? KIT_EXIT_INVALID : rc;
}

/* ------------------------------------------------------------------------
 * gil: one global lock around every sample
 */

static pthread_mutex_t gil = PTHREAD_MUTEX_INITIALIZER;

struct gil_run {
	uint64_t n, seed, hits;
	bool locked;
};

/* What the GIL does: a thread must hold the one lock to do any work, so one
 * thread works at a time, whatever the number of threads. */
static uint64_t sample_locked(uint64_t n, uint64_t seed)
{
	uint64_t hits = 0;
#pragma omp parallel for schedule(static) reduction(+:hits)
	for (uint64_t i = 0; i < n; i++) {
		pthread_mutex_lock(&gil);
		hits += pi_in_circle(pi_random_at(seed, i));
		pthread_mutex_unlock(&gil);
	}
	return hits;
}

/* The same samples, no lock: what C threads do. */
static uint64_t sample_free(uint64_t n, uint64_t seed)
{
	uint64_t hits = 0;
#pragma omp parallel for schedule(static) reduction(+:hits)
	for (uint64_t i = 0; i < n; i++)
		hits += pi_in_circle(pi_random_at(seed, i));
	return hits;
}

static int gil_fn(void *ctx)
{
	struct gil_run *c = ctx;
	c->hits = c->locked ? sample_locked(c->n, c->seed) : sample_free(c->n, c->seed);
	return 0;
}

static void gil_probe(uint64_t n, void *ctx)
{
	struct gil_run *c = ctx;
	c->n = n;
	c->locked = true;
	gil_fn(c);
}

static int demo_gil(const pi_demo_opts *o)
{
	struct demo d;
	if (demo_begin(&d, "gil", o, 1, false))
		return KIT_EXIT_USAGE;
	demo_intro(&d, "one global lock around every sample (the GIL) against none",
		   "both columns count the same samples and get the same count. The free "
		   "loop speeds up with every CPU. The locked loop lets one thread work at "
		   "a time, as Python's Global Interpreter Lock lets one thread run Python "
		   "code at a time: its speed-up stays at or below 1, and it slows down as "
		   "the threads fight over the lock. Python hands its GIL over every 5 ms "
		   "rather than every sample, so it loses less, but gains nothing either.");

	struct gil_run c = { .seed = d.seed };
	kit_omp_set_threads(d.threads[d.nthreads - 1]);
	c.n = pick_n(o, 1000000, 100000000, 100000, 3.0, gil_probe, &c);
	char a[40], sw[256];
	/* The truth: the same samples, one thread, no lock (not pi.c's kernel,
	 * so that the demo shows the lesson whatever state pi.c is in). */
	uint64_t truth = 0;
	for (uint64_t i = 0; i < c.n; i++)
		truth += pi_in_circle(pi_random_at(c.seed, i));

	kit_results *r = kit_results_new("pi", "one global lock (the GIL) against none");
	kit_results_config(r, "demo", "gil");
	kit_results_config(r, "n", "%s samples per run", commas(a, sizeof(a), c.n));
	kit_results_config(r, "seed", "%llu", (unsigned long long)c.seed);
	kit_results_config(r, "threads", "%s (logical CPUs: %d)", sweep_text(&d, sw, sizeof(sw)),
			   d.pus);

	size_t nm = 2 * d.nthreads;
	kit_timing tm[2 * MAX_SWEEP];
	char labels[2 * MAX_SWEEP][64];
	uint64_t hits[2 * MAX_SWEEP];
	kit_timing_opts topt = demo_timing(&d, 2);
	kit_progress pg;
	kit_progress_begin(&pg, "demo gil", nm);
	size_t done = 0;
	for (size_t i = 0; i < nm; i++) {
		c.locked = i >= d.nthreads;
		int th = d.threads[i % d.nthreads];
		kit_omp_set_threads(th);
		snprintf(labels[i], sizeof(labels[i]), "%s, %d thread%s",
			 c.locked ? "one lock (GIL)" : "free", th, th > 1 ? "s" : "");
		if (kit_time(gil_fn, &c, &topt, &tm[i]))
			break;
		hits[i] = c.hits;
		done++;
		kit_progress_step(&pg, labels[i]);
	}
	kit_progress_end(&pg);
	kit_omp_set_threads(d.omp_before);

	int rc = KIT_EXIT_OK;
	int p[2][MAX_SWEEP];
	double t[2][MAX_SWEEP];
	for (size_t i = 0; i < done; i++) {
		size_t g = i / d.nthreads, j = i % d.nthreads;
		p[g][j] = tm[i].threads;
		t[g][j] = tm[i].wall.median;
		kit_results_row(r, labels[i]);
		kit_results_num(r, "ns_per_sample", tm[i].wall.median / (double)c.n * 1e9, "%.2f");
		kit_results_num(r, "speedup", t[g][0] / t[g][j], "%.2fx");
		if (g == 1)
			kit_results_num(r, "slower_than_free", t[1][j] / t[0][j], "%.1fx");
		kit_results_timing(r, &tm[i], NULL);
		if (hits[i] != truth) {
			char why[160];
			snprintf(why, sizeof(why), "count %llu, not %llu (one thread, no lock)",
				 (unsigned long long)hits[i], (unsigned long long)truth);
			kit_results_valid(r, false, why);
			rc = KIT_EXIT_INVALID;
		} else {
			kit_results_valid(r, true, NULL);
		}
	}
	kit_results_print(r, stdout);

	kit_scaling sf = { 0 }, sl = { 0 };
	size_t nf = done < d.nthreads ? done : d.nthreads;
	size_t nl = done > d.nthreads ? done - d.nthreads : 0;
	bool have_f = nf && kit_scaling_of(p[0], t[0], nf, &sf) == 0;
	bool have_l = nl && kit_scaling_of(p[1], t[1], nl, &sl) == 0;
	if (have_f) {
		printf("\nScaling, free:\n");
		kit_scaling_print(&sf, "s", stdout);
		kit_results_scaling(r, &sf);
	}
	if (have_l) {
		printf("\nScaling, one lock (GIL):\n");
		kit_scaling_print(&sl, "s", stdout);
	}
	bool check[2 * MAX_SWEEP];
	for (size_t i = 0; i < done; i++)
		check[i] = i < d.nthreads;	/* the free loop only: the lock queues on purpose */
	warn_rows(&d, tm, labels, check, done);

	printf("\nWhy:\n");
	printf("  One lock around all the work lets one thread run at a time, as the GIL lets "
	       "one thread run\n  Python code: more threads add waiting and hand-offs, "
	       "never speed.\n");
	printf("  C threads that share nothing but a reduction run on every core at once: "
	       "that is why this\n  loop scales, and why Python needs processes (or numpy, "
	       "numba nogil: code outside the GIL).\n");
	if (have_f && have_l && sf.n > 1 && nl == nf) {
		size_t last = sf.n - 1;
		printf("  Here on %d threads: free %.2fx, locked %.2fx the 1-thread speed.\n",
		       sf.rows[last].p, sf.rows[last].speedup, sl.rows[last].speedup);
	}
	if (d.nthreads == 1)
		printf("  (One thread only here: the lock has no one to wait for; it only costs "
		       "its own time.)\n");

	double x[2][MAX_SWEEP], y[2][MAX_SWEEP], xt[2][MAX_SWEEP], yt[2][MAX_SWEEP];
	for (size_t j = 0; j < nf; j++) {
		x[0][j] = xt[0][j] = p[0][j];
		y[0][j] = t[0][0] / t[0][j];
		yt[0][j] = t[0][j];
	}
	for (size_t j = 0; j < nl; j++) {
		x[1][j] = xt[1][j] = p[1][j];
		y[1][j] = t[1][0] / t[1][j];
		yt[1][j] = t[1][j];
	}
	kit_series ser[2] = {
		{ .title = "free (C threads)", .x = x[0], .y = y[0], .n = nf },
		{ .title = "one global lock (the GIL)", .x = x[1], .y = y[1], .n = nl },
	};
	kit_series sert[2] = {
		{ .title = "free (C threads)", .x = xt[0], .y = yt[0], .n = nf },
		{ .title = "one global lock (the GIL)", .x = xt[1], .y = yt[1], .n = nl },
	};
	kit_plot plot = { .title = "Speed-up with and without one global lock",
			  .xlabel = "threads", .ylabel = "speed-up", .series = ser,
			  .nseries = 2, .ideal = true };
	kit_plot plott = { .title = "Time with and without one global lock",
			   .xlabel = "threads", .ylabel = "seconds per run (log)", .series = sert,
			   .nseries = 2, .logy = true };
	if (d.nthreads > 1)
		show_chart(&d, &plot);
	if (write_results(&d, r) != 0) {
		rc = KIT_EXIT_USAGE;
	} else {
		save_png(&d, &plot, "gil");
		save_png(&d, &plott, "gil-time");
	}
	printf("\n");

	if (have_f)
		kit_scaling_free(&sf);
	if (have_l)
		kit_scaling_free(&sl);
	for (size_t i = 0; i < done; i++)
		kit_timing_free(&tm[i]);
	kit_results_free(r);
	demo_end(&d);
	return done < nm && rc == KIT_EXIT_OK ? KIT_EXIT_INVALID : rc;
}

/* ------------------------------------------------------------------------
 * false-sharing: counters in one cache line against one line each
 */

#define CACHE_LINE 64

/* One counter per cache line: alignas pads the struct to 64 bytes. */
struct padded {
	alignas(CACHE_LINE) uint64_t v;
};

struct fs_run {
	uint64_t n, seed, total;
	bool padded;
	uint64_t *adjacent;	/* MAX_SWEEP counters, 8 to a cache line */
	struct padded *pads;	/* MAX_SWEEP counters, one line each */
};

/*
 * Each thread adds its tomatoes to its OWN counter: no race, no lock. The
 * counters are volatile so that every add goes to memory (the compiler would
 * otherwise keep the count in a register, which is the real fix: a local
 * variable). When the counters share a cache line, each write by one core
 * takes the line away from the other: the line ping-pongs between them.
 */
static uint64_t count_slots(struct fs_run *c)
{
	int nt = kit_omp_max_threads();
	for (int k = 0; k < MAX_SWEEP; k++)
		c->adjacent[k] = c->pads[k].v = 0;
	uint64_t n = c->n, seed = c->seed;
#pragma omp parallel
	{
		int me = kit_omp_thread_num() % MAX_SWEEP;
		volatile uint64_t *mine = c->padded ? &c->pads[me].v : &c->adjacent[me];
#pragma omp for schedule(static)
		for (uint64_t i = 0; i < n; i++)
			*mine += (uint64_t)is_tomato(seed, i);
	}
	uint64_t total = 0;
	for (int k = 0; k < MAX_SWEEP && k < nt; k++)
		total += c->padded ? c->pads[k].v : c->adjacent[k];
	return total;
}

static int fs_fn(void *ctx)
{
	struct fs_run *c = ctx;
	c->total = count_slots(c);
	return 0;
}

static void fs_probe(uint64_t n, void *ctx)
{
	struct fs_run *c = ctx;
	c->n = n;
	c->padded = false;
	fs_fn(c);
}

static int demo_false_sharing(const pi_demo_opts *o)
{
	struct demo d;
	if (demo_begin(&d, "false-sharing", o, 1, false))
		return KIT_EXIT_USAGE;
	demo_intro(&d, "per-thread counters side by side against one cache line each",
		   "each thread adds to its own counter, so there is no race and no lock. "
		   "Yet when the counters sit side by side in one 64-byte cache line, every "
		   "write by one core takes the whole line away from the others (false "
		   "sharing): the line bounces between cores and the adjacent layout runs "
		   "several times slower than the padded one (alignas(64), one line per "
		   "counter). With one thread there is no one to share with: the two "
		   "layouts take the same time.");

	struct fs_run c = { .seed = d.seed };
	c.adjacent = aligned_alloc(CACHE_LINE, MAX_SWEEP * sizeof(uint64_t));
	c.pads = aligned_alloc(CACHE_LINE, MAX_SWEEP * sizeof(struct padded));
	if (!c.adjacent || !c.pads)
		abort();
	kit_omp_set_threads(d.threads[d.nthreads - 1]);
	c.n = pick_n(o, 2000000, 500000000, 100000, 2.0, fs_probe, &c);
	uint64_t truth = tally_serial(c.n, c.seed);
	char a[40], sw[256];

	kit_results *r = kit_results_new("pi", "false sharing: adjacent against padded counters");
	kit_results_config(r, "demo", "false-sharing");
	kit_results_config(r, "n", "%s items (%s tomatoes)", commas(a, sizeof(a), c.n),
			   commas(sw, sizeof(sw), truth));
	kit_results_config(r, "seed", "%llu", (unsigned long long)c.seed);
	kit_results_config(r, "threads", "%s (logical CPUs: %d)", sweep_text(&d, sw, sizeof(sw)),
			   d.pus);
	kit_results_config(r, "layouts", "adjacent: uint64_t[%d], 8 per 64-byte line; "
			   "padded: alignas(64), %zu bytes each", MAX_SWEEP, sizeof(struct padded));

	size_t nm = 2 * d.nthreads;
	kit_timing tm[2 * MAX_SWEEP];
	char labels[2 * MAX_SWEEP][64];
	uint64_t totals[2 * MAX_SWEEP];
	kit_timing_opts topt = demo_timing(&d, 3);
	kit_progress pg;
	kit_progress_begin(&pg, "demo false-sharing", nm);
	size_t done = 0;
	/* Interleaved, adjacent then padded at each thread count, so both see
	 * the same machine state. */
	for (size_t i = 0; i < nm; i++) {
		size_t j = i / 2;
		c.padded = i % 2;
		kit_omp_set_threads(d.threads[j]);
		snprintf(labels[i], sizeof(labels[i]), "%s, %d thread%s",
			 c.padded ? "padded" : "adjacent", d.threads[j], d.threads[j] > 1 ? "s" : "");
		if (kit_time(fs_fn, &c, &topt, &tm[i]))
			break;
		totals[i] = c.total;
		done++;
		kit_progress_step(&pg, labels[i]);
	}
	kit_progress_end(&pg);
	kit_omp_set_threads(d.omp_before);

	int rc = KIT_EXIT_OK;
	double x[2][MAX_SWEEP], y[2][MAX_SWEEP];
	size_t ns[2] = { 0, 0 };
	for (size_t i = 0; i < done; i++) {
		size_t g = i % 2;
		double per = tm[i].wall.median / (double)c.n * 1e9;
		x[g][ns[g]] = tm[i].threads;
		y[g][ns[g]++] = per;
		kit_results_row(r, labels[i]);
		kit_results_num(r, "ns_per_item", per, "%.2f");
		if (g == 1)
			kit_results_num(r, "adjacent_vs_padded",
					tm[i - 1].wall.median / tm[i].wall.median, "%.2fx");
		kit_results_timing(r, &tm[i], NULL);
		if (totals[i] != truth) {
			char why[160];
			snprintf(why, sizeof(why), "counted %llu, not %llu",
				 (unsigned long long)totals[i], (unsigned long long)truth);
			kit_results_valid(r, false, why);
			rc = KIT_EXIT_INVALID;
		} else {
			kit_results_valid(r, true, NULL);
		}
	}
	kit_results_print(r, stdout);
	bool check[2 * MAX_SWEEP];
	for (size_t i = 0; i < done; i++)
		check[i] = i % 2 == 1;	/* padded only: the adjacent layout stalls on purpose */
	warn_rows(&d, tm, labels, check, done);

	printf("\nNotes:\n");
	for (size_t i = 1; i < done; i += 2)
		printf("  - %d thread%s: adjacent counters take %.2fx the time of padded ones%s\n",
		       tm[i].threads, tm[i].threads > 1 ? "s" : "",
		       tm[i - 1].wall.median / tm[i].wall.median,
		       tm[i].threads > 1 ? "." : " (no one to share with).");
	if (d.nthreads == 1)
		printf("  - one thread only: false sharing needs two cores writing one line.\n");
	printf("  - the real fix is simpler still: count in a local variable and add it "
	       "once (a reduction).\n");

	kit_series ser[2] = {
		{ .title = "adjacent (one cache line)", .x = x[0], .y = y[0], .n = ns[0] },
		{ .title = "padded (alignas(64))", .x = x[1], .y = y[1], .n = ns[1] },
	};
	kit_plot plot = { .title = "False sharing: ns per item", .xlabel = "threads",
			  .ylabel = "ns per item", .series = ser, .nseries = 2 };
	if (d.nthreads > 1)
		show_chart(&d, &plot);
	if (write_results(&d, r) != 0)
		rc = KIT_EXIT_USAGE;
	else
		save_png(&d, &plot, "false-sharing");
	printf("\n");

	for (size_t i = 0; i < done; i++)
		kit_timing_free(&tm[i]);
	kit_results_free(r);
	free(c.adjacent);
	free(c.pads);
	demo_end(&d);
	return done < nm && rc == KIT_EXIT_OK ? KIT_EXIT_INVALID : rc;
}

/* ------------------------------------------------------------------------
 * Dispatch
 */

int pi_demo(const char *name, const pi_demo_opts *o)
{
	static const pi_demo_opts none = { 0 };
	static int (*const run[])(const pi_demo_opts *) = {
		demo_pi, demo_race, demo_rand, demo_gil, demo_false_sharing,
	};
	if (!o)
		o = &none;
	for (size_t i = 0; name && pi_demo_names[i]; i++) {
		if (!strcmp(name, pi_demo_names[i])) {
			int rc = run[i](o);
			fflush(stdout);
			return rc;
		}
	}
	kit_error("no demo named '%s'; the demos are:", name ? name : "");
	for (size_t i = 0; pi_demo_names[i]; i++)
		fprintf(stderr, "  %s\n", pi_demo_names[i]);
	return KIT_EXIT_USAGE;
}
