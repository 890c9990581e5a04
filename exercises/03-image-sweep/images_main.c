/*
 * NAME
 *   images_main.c - the driver of exercise 03, processes x threads over a
 *   set of images (shared by the skeleton and the reference build; students
 *   do not edit it).
 *
 * PURPOSE
 *   Per image: read the PNG as Pillow + numpy see it, m = the per-pixel
 *   median over its channels (the student's image_median for RGB, step 1),
 *   signature = floor(mean(m m^T)) through BLAS, in blocks (images_set.c);
 *   an image without a channel axis has signature -1, as in the Python
 *   version of this lesson. pool_run (step 2) runs the images in P worker
 *   processes of T threads each. This file sweeps (P, T), times each cell
 *   (repeated, median), checks every signature of every run, keeps finished
 *   cells in a results file (resumable), draws heat maps of time and
 *   speed-up, and compares one core with the Python version. Check modes
 *   (--validate, --expect-children, --expect-parallel) are what ./kit check
 *   runs: each ends with one line "PASS: ..." or "FAIL: ...; hint", and the
 *   exit status is the verdict (0 pass, 1 fail, 2 usage, 77 cannot check
 *   here).
 *
 * USAGE
 *   images --help
 *   images                                  the sweep, 1 ... cpus+1 squared
 *   images --procs 2 --threads 1 --validate --expect-children
 *   images --images ~/photos --procs 1-4 --threads 1,2
 *   images --photos --compare;  images --demo sweep;  images --bench
 *
 * NOTES
 *   The reference signatures are computed in the parent, serially and in
 *   integers (images_set.c); a right answer is equal, not close.
 *   The parent never runs OpenMP or BLAS before a pool (a fork after a
 *   parallel region can hang a libgomp child): the one in-process parallel
 *   check (--expect-parallel) runs last.
 *   Flops per colour image: about h^2 w multiply-adds (the blocks on and
 *   right of the diagonal of m m^T), counted as h(h+1)w.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "images_driver.h"
#include "kit.h"
#include "opt.h"
#include "ptsweep.h"

#define SIZE_DEFAULT_W 2048	/* one image: about 0.3 s on one thread here */
#define SIZE_DEFAULT_H 1536
#define SIZE_CHECK_W 640	/* check modes: quick */
#define SIZE_CHECK_H 480
#define SIZE_QUICK_W 256	/* --quick demo and benchmark */
#define SIZE_QUICK_H 192
#define SIZE_MAX_SIDE 16384
#define MAX_COUNT 256		/* processes or threads in one cell */
#define REPEAT_DEFAULT 3
#define BUSY_SPAN 0.3
#define SCHEMA "ompkit-image-sweep/1"

/* ------------------------------------------------------------------------
 * Options
 */



/* ------------------------------------------------------------------------
 * One run of the pool, checked
 */


/* Runs the pool once at (P, T) and checks every image; CHILDREN adds the
 * checks on processes. Returns 0, or 1 with R->why set. *SECONDS gets the
 * pool's wall time. */
int run_pool(struct run *r, int p, int t, bool children, double *seconds)
{
	const struct imageset *s = r->set;
	struct shared *sh = r->ctx.sh;
	memset(sh->e, 0, sizeof(sh->e[0]) * (size_t)s->n);
	for (int i = 0; i < s->n; i++)
		r->results[i] = (pool_result){ .status = -1, .signature = -2 };
	int saved = kit_omp_max_threads();
	fflush(NULL);
	double t0 = kit_wtime();
	int rc = pool_run(p, t, s->n, work, &r->ctx, r->results);
	*seconds = kit_wtime() - t0;
	kit_omp_set_threads(saved);	/* the skeleton sets this process's threads */
	r->why[0] = '\0';

	int lost = 0, wrong = 0, twice = 0, first = -1;
	for (int i = 0; i < s->n; i++) {
		const pool_result *x = &r->results[i];
		const struct log_entry *e = &sh->e[i];
		if (e->calls > 1)
			twice++;
		if (x->status == POOL_LOST || x->status == -1) {
			lost++;
			continue;
		}
		bool ok = s->kind[i] == REF_BAD ? x->status == POOL_FAILED
			: x->status == POOL_DONE && x->signature == s->sig[i];
		if (!ok && wrong++ == 0)
			first = i;
	}
	if (twice) {
		snprintf(r->why, sizeof(r->why), "%d image%s worked on more than once at "
			 "P=%d T=%d: hand each index to one worker only", twice,
			 twice == 1 ? " was" : "s were", p, t);
		return 1;
	}
	if (lost || rc) {
		snprintf(r->why, sizeof(r->why), "%d of %d images not reported at P=%d T=%d "
			 "(pool_run returned %d): a worker died, or results[] was not filled "
			 "(a worker killed by signal 9 may also have run out of memory: see "
			 "--mem)", lost, s->n, p, t, rc);
		return 1;
	}
	if (wrong) {
		const pool_result *x = &r->results[first];
		if (s->kind[first] == REF_BAD)
			snprintf(r->why, sizeof(r->why), "'%s' cannot be read, yet results[%d] "
				 "says status %d: pass work()'s failure on as POOL_FAILED",
				 s->names[first], first, x->status);
		else
			snprintf(r->why, sizeof(r->why), "%d wrong signature%s at P=%d T=%d; "
				 "first '%s' (results[%d]): %lld with status %d, expected %lld",
				 wrong, wrong == 1 ? "" : "s", p, t, s->names[first], first,
				 x->signature, x->status, s->sig[first]);
		return 1;
	}
	if (!children)
		return 0;

	/* Processes: each image once, in a worker with T threads, none left. */
	int self = (int)getpid(), st;
	errno = 0;
	pid_t left = waitpid(-1, &st, WNOHANG);
	if (left != -1 || errno != ECHILD) {
		snprintf(r->why, sizeof(r->why), "a worker was left %s after pool_run "
			 "returned at P=%d T=%d: waitpid every worker",
			 left > 0 ? "as a zombie" : "running", p, t);
		if (left == 0)
			while (waitpid(-1, &st, 0) > 0)
				;
		return 1;
	}
	int pids[MAX_COUNT + 1], npids = 0;
	for (int i = 0; i < s->n; i++) {
		const struct log_entry *e = &sh->e[i];
		if (e->calls != 1) {
			snprintf(r->why, sizeof(r->why), "image %d ('%s') was worked on %d times",
				 i, s->names[i], e->calls);
			return 1;
		}
		if (e->pid == self) {
			snprintf(r->why, sizeof(r->why), "image %d ran in the parent process "
				 "(pid %d), not in a worker", i, self);
			return 1;
		}
		if (e->threads != (kit_omp_enabled() ? t : 1)) {	/* serial build: 1 */
			snprintf(r->why, sizeof(r->why), "image %d ran with %d thread%s, not "
				 "T=%d: set the worker's threads (kit_omp_set_threads) before "
				 "any work", i, e->threads, e->threads == 1 ? "" : "s", t);
			return 1;
		}
		if (r->results[i].pid != e->pid) {
			snprintf(r->why, sizeof(r->why), "results[%d].pid is %d, but pid %d did "
				 "image %d", i, r->results[i].pid, e->pid, i);
			return 1;
		}
		bool seen = false;
		for (int k = 0; k < npids; k++)
			seen |= pids[k] == e->pid;
		if (!seen && npids <= MAX_COUNT)
			pids[npids++] = e->pid;
	}
	if (npids > p) {
		snprintf(r->why, sizeof(r->why), "%d worker processes did the images, more "
			 "than P=%d", npids, p);
		return 1;
	}
	for (int k = 0; k < npids; k++)
		if (kill(pids[k], 0) == 0 || errno != ESRCH) {
			snprintf(r->why, sizeof(r->why), "worker pid %d still exists after "
				 "pool_run returned", pids[k]);
			return 1;
		}
	return 0;
}

/* ------------------------------------------------------------------------
 * Check modes
 */

#define HINT_POOL "look at TODO(2) in images.c: fork the workers first, hand out " \
	"each index once through a pipe, set the threads in each worker, send " \
	"(index, status, signature, seconds, pid) back, waitpid every worker"
#define HINT_MEDIAN "look at TODO(1) in images.c: 'omp parallel for' on the row loop"

/* --expect-parallel: image_median keeps 2 or more threads busy (in this
 * process, so it runs after every pool). */
static void check_parallel(kit_checks *c, const struct imageset *s, int t)
{
	if (!kit_check_parallel_possible(c, t))
		return;
	int i = 0;
	while (i < s->n && s->channels[i] != 3)
		i++;
	kit_png_pixels p;
	char why[256];
	if (i == s->n || load_png(s->paths[i], &p, why, sizeof(why))) {
		kit_check(c, KIT_SKIP, "no RGB image to run the median on");
		return;
	}
	/* A small image is stacked on itself to 1M pixels or more: enough work
	 * per parallel region for the threads' CPU time to show. */
	int copies = (int)(1000000 / ((long)p.w * p.h)) + 1;
	unsigned char *px = malloc((size_t)p.w * (size_t)p.h * 3 * (size_t)copies);
	if (!px)
		abort();
	for (int k = 0; k < copies; k++)
		memcpy(px + (size_t)k * p.w * p.h * 3, p.px, (size_t)p.w * p.h * 3);
	free(p.px);
	p.px = px;
	p.h *= copies;
	double *m = malloc((size_t)p.w * (size_t)p.h * sizeof(double));
	if (!m)
		abort();
	/* The right m, pixel by pixel: a median of three bytes is exact in a
	 * double, so any difference is a bug (a race on a shared temporary). */
	size_t npx = (size_t)p.w * (size_t)p.h, wrong = 0;
	double *want = kit_xmalloc(npx * sizeof(double));
	for (size_t q = 0; q < npx; q++) {
		const unsigned char *c3 = p.px + 3 * q;
		int lo = c3[0] < c3[1] ? c3[0] : c3[1], hi = c3[0] < c3[1] ? c3[1] : c3[0];
		want[q] = c3[2] < lo ? lo : c3[2] > hi ? hi : c3[2];
	}
	kit_omp_set_threads(t);
	/* On a busy machine 0.3 s of wall time may give the threads only a few
	 * clock ticks of CPU: a loop that looks serial is run again, longer (up
	 * to 2.7 s). A serial loop never shows 2 busy threads, however long. */
	int runs = 0, busy = -1;
	double wall = 0;
	for (double span = BUSY_SPAN; span < 10 * BUSY_SPAN && busy < 2 && !wrong; span *= 3) {
		kit_busy *b = kit_busy_begin();
		double t0 = kit_wtime();
		do {
			image_median(p.px, p.h, p.w, m);
			runs++;
			for (size_t q = 0; q < npx; q++)
				wrong += m[q] != want[q];
		} while (kit_wtime() - t0 < span);
		wall = kit_wtime() - t0;
		busy = kit_busy_end(b, 0.25);
		if (busy < 0)
			break;
	}
	free(m), free(p.px), free(want);
	if (wrong)
		kit_check(c, KIT_FAIL, "observed %zu wrong pixels in the median over %d runs at "
			  "%d threads (right at 1 thread?): a race, e.g. a temporary shared by the "
			  "threads; %s", wrong, runs, t, HINT_MEDIAN);
	else if (busy < 0)
		kit_check(c, KIT_SKIP, "cannot see which threads worked (/proc/self/task "
			  "is not readable here)");
	else if (busy < 2)
		kit_check(c, KIT_FAIL, "observed %d busy thread of %d over %d medians "
			  "(%.2f s): the loop ran on one thread; %s", busy, t, runs, wall,
			  HINT_MEDIAN);
	else
		kit_check(c, KIT_PASS, "median: %d of %d threads busy over %d runs (%.2f s)",
			  busy, t, runs, wall);
}

/* --expect-lost: one worker dies (--kill-after); its image is lost, the
 * others are right, pool_run says so and leaves no worker behind. */
static void check_lost(kit_checks *c, struct run *r, int p, int t)
{
	const struct imageset *s = r->set;
	double sec;
	int bad = run_pool(r, p, t, false, &sec), lost = 0, wrong = 0, st;
	for (int i = 0; i < s->n; i++) {
		const pool_result *x = &r->results[i];
		if (x->status == POOL_LOST || x->status == -1)
			lost++;
		else if (s->kind[i] == REF_BAD ? x->status != POOL_FAILED
			 : x->status != POOL_DONE || x->signature != s->sig[i])
			wrong++;
	}
	errno = 0;
	pid_t left = waitpid(-1, &st, WNOHANG);
	if (left != -1 || errno != ECHILD) {
		if (left == 0)
			while (waitpid(-1, &st, 0) > 0)
				;
		kit_check(c, KIT_FAIL, "observed a worker left %s after a worker died at "
			  "P=%d T=%d; %s", left > 0 ? "as a zombie" : "running", p, t, HINT_POOL);
	} else if (!bad || lost != 1 || wrong) {
		kit_check(c, KIT_FAIL, "observed %d lost and %d wrong images after one worker "
			  "was killed at P=%d T=%d (expected 1 lost, 0 wrong, pool_run "
			  "returning -1); %s", lost, wrong, p, t, HINT_POOL);
	} else {
		kit_check(c, KIT_PASS, "P=%d T=%d: a worker killed midway, its image "
			  "reported lost, the other %d right, every worker reaped", p, t,
			  s->n - 1);
	}
}

static int run_checks(const struct options *o, struct run *r)
{
	kit_checks c = { .quiet = o->quiet };
	const struct imageset *s = r->set;
	int nbad = count_kind(s, REF_BAD);
	if (o->expect_lost) {
		check_lost(&c, r, o->procs[0], o->threads[0]);
	} else if (o->validate || o->expect_children) {
		for (size_t i = 0; i < o->nprocs; i++) {
			for (size_t j = 0; j < o->nthreads; j++) {
				int p = o->procs[i], t = o->threads[j];
				double sec;
				if (run_pool(r, p, t, o->expect_children, &sec)) {
					kit_check(&c, KIT_FAIL, "observed %s; %s", r->why, HINT_POOL);
					continue;
				}
				kit_check(&c, KIT_PASS, "P=%d T=%d: %d signature%s right%s%s (%.2f s)",
					  p, t, s->n - nbad, s->n - nbad == 1 ? "" : "s",
					  nbad ? ", unreadable files failed cleanly" : "",
					  o->expect_children ? ", each image once in a worker, "
					  "none left" : "", sec);
			}
		}
	}
	if (o->expect_parallel) {
		/* at every T of 2 or more; a lone T=1 says why it cannot check */
		int many = 0;
		for (size_t j = 0; j < o->nthreads; j++)
			many += o->threads[j] > 1;
		for (size_t j = 0; j < o->nthreads; j++)
			if (o->threads[j] > 1 || !many)
				check_parallel(&c, s, o->threads[j]);
	}
	return kit_checks_finish(&c);
}

/* ------------------------------------------------------------------------
 * The sweep (the kit's ptsweep.h: resumable, live grid, heat maps)
 */

/* The extras of a cell: seconds per colour image of each part of work(). */
enum { X_READ, X_MEDIAN, X_BLAS, X_TOTAL };

/* kit_ptsweep's run: the pool once at (P, T), checked; EXTRA gets the mean
 * seconds per colour image of each part. */
static int cell_run(void *vr, int p, int t, double *extra)
{
	struct run *r = vr;
	double sec;
	if (run_pool(r, p, t, false, &sec))
		return -1;
	const struct imageset *s = r->set;
	int n = 0;
	for (int i = 0; i < s->n; i++) {
		const struct log_entry *e = &r->ctx.sh->e[i];
		if (s->kind[i] != REF_COLOUR)
			continue;
		extra[X_READ] += e->t_read, extra[X_MEDIAN] += e->t_median;
		extra[X_BLAS] += e->t_blas, extra[X_TOTAL] += e->t_total;
		n++;
	}
	for (int k = 0; n && k <= X_TOTAL; k++)
		extra[k] /= n;
	return 0;
}

static const char *cell_why(void *vr)
{
	return ((struct run *)vr)->why;
}

/* Where the sweep's files go: --results, else under results/ or OUT. */
static char *results_path(const struct options *o, const struct imageset *s)
{
	char *path = NULL;
	if (o->no_results)
		return NULL;
	if (o->results)
		path = strdup(o->results);
	else if (o->out && asprintf(&path, "%s/sweep.json", o->out) < 0)
		abort();
	else if (!o->out && asprintf(&path, "%s/results/image-sweep/sweep-%s.json",
				     kit_root(), s->tag) < 0)
		abort();
	return path;
}

/* Prints the breakdown of one image's time at 1 x 1: what threads can and
 * cannot speed up. */
static void print_breakdown(const kit_ptsweep_cell *x)
{
	if (!x || !x->done || !(x->extra[X_TOTAL] > 0))
		return;
	double tot = x->extra[X_TOTAL], rd = x->extra[X_READ], md = x->extra[X_MEDIAN];
	double bl = x->extra[X_BLAS], rest = tot - rd - md - bl;
	printf("one colour image at P=1 T=1: %.3f s = read PNG %.3f s (%.0f%%, serial: "
	       "libpng) + median %.3f s (%.0f%%) + BLAS m*m^T %.3f s (%.0f%%) + rest "
	       "%.3f s (%.0f%%)\n", tot, rd, 100 * rd / tot, md, 100 * md / tot, bl,
	       100 * bl / tot, rest, 100 * rest / tot);
}

/* ------------------------------------------------------------------------
 * Side by side with the Python version of this lesson, on one core
 */

#define PYTHON "/usr/bin/python3"
#define PHOTOS_SRC "/usr/share/backgrounds/mate/nature"

struct py_run {
	double total, read, median, product;	/* wall seconds */
	double cpu;				/* CPU seconds of the loop */
	char why[300];				/* why it did not run, or was wrong */
};

/* Runs the Python version (process_image.py) once over the files of S with
 * OMP_NUM_THREADS=1 and checks its signatures against the exact ones. 0, or
 * -1 with PY->why. */
static int python_once(const struct imageset *s, struct py_run *py)
{
	char *script = kit_xasprintf("%s/demos/03-image-sweep/process_image.py", kit_root());
	char **argv = kit_xmalloc(sizeof(char *) * (size_t)(s->n + 3));
	argv[0] = PYTHON, argv[1] = script;
	for (int i = 0; i < s->n; i++)
		argv[2 + i] = s->paths[i];
	argv[2 + s->n] = NULL;
	const char *env[] = { "OMP_NUM_THREADS=1", NULL };
	kit_proc_opts po = { .timeout = 3600, .setenv = env, .capture = true };
	kit_proc_result r;
	int rc = -1;
	if (kit_proc_run(argv, &po, &r))
		snprintf(py->why, sizeof(py->why), "%s could not start", PYTHON);
	else if (r.exit_code == KIT_EXIT_SKIP)
		snprintf(py->why, sizeof(py->why), "%s lacks numpy or Pillow (apt install "
			 "python3-numpy python3-pil)", PYTHON);
	else if (r.signal || r.exit_code)
		snprintf(py->why, sizeof(py->why), "it failed: %s", kit_proc_describe(&r));
	else
		rc = 0;
	int line = 0, wrong = 0;
	for (char *save = NULL, *l = rc ? NULL : strtok_r(r.out, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save), line++) {
		long long sig;
		if (sscanf(l, "seconds %lf %lf %lf %lf %lf", &py->total, &py->read, &py->median,
			   &py->product, &py->cpu) == 5)
			break;
		if (line < s->n && s->kind[line] != REF_BAD &&
		    (sscanf(strrchr(l, ' ') ? strrchr(l, ' ') : l, "%lld", &sig) != 1 ||
		     sig != s->sig[line]))
			wrong++;
	}
	if (!rc && (wrong || !(py->total > 0))) {
		snprintf(py->why, sizeof(py->why), "its signatures differ from the exact ones "
			 "(%d of %d)", wrong, s->n);
		rc = -1;
	}
	kit_proc_result_free(&r);
	free(argv), free(script);
	return rc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* CPU seconds of the children waited for so far. */
static double children_cpu(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_CHILDREN, &ru))
		return 0;
	return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
	       (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

static double median_of(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ROUNDS paired runs, this program at P=1 T=1 then the Python version, on
 * the set of R; prints the medians and their ratio. */
static void side_by_side(struct run *r, const char *what, int rounds)
{
	const struct imageset *s = r->set;
	double c[9], py[9], ccpu[9], pycpu[9], parts[3] = { 0, 0, 0 }, cparts[3] = { 0, 0, 0 };
	struct py_run p = { 0 };
	int n = 0;
	for (int k = 0; k < rounds && k < 9; k++, n++) {
		double cpu0 = children_cpu();
		int bad = run_pool(r, 1, 1, false, &c[k]);
		ccpu[k] = children_cpu() - cpu0;
		if (bad) {
			printf("side by side: this program failed at P=1 T=1: %s\n", r->why);
			return;
		}
		for (int i = 0; i < s->n; i++) {
			cparts[0] += r->ctx.sh->e[i].t_read / rounds;
			cparts[1] += r->ctx.sh->e[i].t_median / rounds;
			cparts[2] += r->ctx.sh->e[i].t_blas / rounds;
		}
		if (python_once(s, &p)) {
			printf("side by side: the Python version of this lesson did not run: %s\n",
			       p.why);
			return;
		}
		py[k] = p.total, pycpu[k] = p.cpu;
		parts[0] += p.read / rounds, parts[1] += p.median / rounds;
		parts[2] += p.product / rounds;
	}
	double mc = median_of(c, n), mp = median_of(py, n);
	double cc = median_of(ccpu, n), cp = median_of(pycpu, n);
	printf("\none core, the same %d PNGs (%s), %d paired run%s, medians:\n", s->n, what, n,
	       n == 1 ? "" : "s");
	printf("  this program at P=1 T=1:       %8.3f s = read %.3f + median %.3f + product "
	       "%.3f + rest\n", mc, cparts[0], cparts[1], cparts[2]);
	printf("  the Python version of this lesson (Pillow + numpy, OMP_NUM_THREADS=1):\n"
	       "                                 %8.3f s = read %.3f + median %.3f + product "
	       "%.3f + rest\n", mp, parts[0], parts[1], parts[2]);
	printf("  ratio: this program is %.2fx as fast, with the same signatures; in CPU "
	       "time %.3f s against %.3f s: %.2fx (what a busy machine disturbs least)\n",
	       mp / mc, cc, cp, cp / cc);
}

/* The photos (data/cache/photos/, made once from mate-backgrounds with
 * Pillow): the folder, or NULL with WHY. malloc'd. */
static char *photos_dir(char *why, size_t len)
{
	char *dir = kit_xasprintf("%s/data/cache/photos", kit_root());
	char *script = kit_xasprintf("%s/data/images/photos.py", kit_root());
	char *argv[] = { PYTHON, script, PHOTOS_SRC, dir, NULL };
	kit_proc_opts po = { .timeout = 600, .capture = true };
	kit_proc_result r;
	int bad = kit_proc_run(argv, &po, &r) || r.signal || r.exit_code;
	if (bad)
		snprintf(why, len, "%s", r.started && r.exit_code == KIT_EXIT_SKIP
			 ? "Pillow is missing (apt install python3-pil)"
			 : "no photographs: install the mate-backgrounds package (its "
			   PHOTOS_SRC "/*.jpg)");
	kit_proc_result_free(&r);
	free(script);
	if (bad) {
		free(dir);
		return NULL;
	}
	return dir;
}

/* The table's columns of this exercise: images per second, GFLOP/s. */
static void sweep_columns(void *vs, kit_results *res, const kit_ptsweep_cell *x)
{
	const struct imageset *s = vs;
	kit_results_num(res, "images_per_s", s->n / x->median, "%.2f");
	kit_results_num(res, "gflops", s->flops / x->median * 1e-9, "%.2f");
}

/* The benchmark's lines: the rate at the fastest cell, against the machine. */
static void bench_summary(const struct imageset *s, const kit_ptsweep_cell *base,
			  const kit_ptsweep_cell *best)
{
	kit_machine mach;
	double gf = s->flops / best->median * 1e-9;
	if (kit_machine_load(&mach) == 0 && mach.peak_gflops_all > 0)
		printf("pipeline rate: %.1f GFLOP/s of m*m^T at the fastest cell, %.0f%% of "
		       "this machine's FMA peak on all CPUs (%.1f GFLOP/s, ./kit machine)\n",
		       gf, 100 * gf / mach.peak_gflops_all, mach.peak_gflops_all);
	else
		printf("pipeline rate: %.1f GFLOP/s of m*m^T at the fastest cell (run "
		       "./kit machine to compare with this machine's peak)\n", gf);
	if (base && base->done) {
		double x = base->median / best->median;
		printf("target on a 2-core machine: the fastest cell >= 1.7x faster than "
		       "1 x 1: %.2fx, %s\n", x, x >= 1.7 ? "met" : "not met (a loaded "
		       "machine? see the warnings above; run again)");
	}
}

/* The table of cells (printed, --json, --csv). 0, or -1 when a file failed. */
static int sweep_table(const struct options *o, const kit_ptsweep *w, const struct imageset *s)
{
	kit_results *res = kit_results_new("images", "processes x threads over a set of images");
	kit_results_config(res, "images", "%d (%s)", s->n, s->source);
	kit_results_config(res, "repeat", "%d", o->repeat);
	kit_ptsweep_table(w, res, sweep_columns, (void *)s);
	if (!o->quiet)
		kit_results_print(res, stdout);
	int rc = kit_results_write_json(res, o->json);	/* also ./kit sweep's copy */
	if (o->csv && kit_results_write_csv(res, o->csv))
		rc = -1;
	kit_results_free(res);
	return rc;
}

/* After the table: oversubscribed cells, the fastest, where one image's
 * time goes, the benchmark's lines (BENCH), the heat maps' files. */
static void sweep_summary(const struct options *o, const kit_ptsweep *w,
			  const struct imageset *s, bool bench, const char *prefix)
{
	int nover = 0;
	for (int q = 0; q < w->np * w->nt; q++)
		nover += w->cells[q].oversub;
	if (nover && !o->quiet)
		printf("\n%d cell%s oversubscribed: P x T above the %d logical CPUs, more "
		       "threads than CPUs to run them\n", nover, nover == 1 ? " is" : "s are",
		       w->cpus);
	const kit_ptsweep_cell *best = kit_ptsweep_best(w), *base = kit_ptsweep_at(w, 1, 1);
	bool have_base = base && base->done;
	if (best) {
		printf("\nfastest: P=%d x T=%d, %.3f s for %d images (%.2f images/s)", best->p,
		       best->t, best->median, s->n, s->n / best->median);
		if (have_base && best != base)
			printf(", %.2fx faster than P=1 x T=1 (%.3f s)", base->median / best->median,
			       base->median);
		printf("\n");
	}
	print_breakdown(base);
	if (bench && best)
		bench_summary(s, base, best);
	if (prefix && !o->quiet)
		printf("heat maps: %s-time.png%s%s%s\n", prefix, have_base ? ", " : "",
		       have_base ? prefix : "", have_base ? "-speedup.png" : "");
}

/* The sweep over O->procs x O->threads. BENCH adds the benchmark summary. */
static int run_sweep(const struct options *o, struct run *r, bool bench)
{
	const struct imageset *s = r->set;
	char *path = results_path(o, s);
	kit_ptsweep w = {
		.ps = o->procs, .np = (int)o->nprocs, .ts = o->threads, .nt = (int)o->nthreads,
		.repeat = o->repeat, .path = path, .force = o->force, .quiet = o->quiet,
		.schema = SCHEMA, .things = "images", .what = "the whole set",
		.source = s->source, .count = s->n, .fingerprint = fingerprint(s),
		.extras_key = "per_image_s", .extra_names = { "read", "median", "blas", "total" },
		.run = cell_run, .why = cell_why, .ctx = r,
	};
	if (kit_ptsweep_measure(&w)) {
		kit_ptsweep_free(&w), free(path);
		return KIT_EXIT_USAGE;
	}
	char *prefix = o->png ? kit_xstrdup(o->png) : o->out ? kit_xasprintf("%s/sweep", o->out) : NULL;
	bool png_bad = kit_ptsweep_heatmaps(&w, prefix, stdout) != 0;
	int wrc = sweep_table(o, &w, s);
	sweep_summary(o, &w, s, bench, png_bad ? NULL : prefix);
	int nfailed = w.nfailed, ncell = w.np * w.nt;
	kit_ptsweep_free(&w), free(path), free(prefix);
	if (nfailed) {
		printf("FAIL: %d of %d cells failed (above); the others are kept in the results "
		       "file; %s\n", nfailed, ncell, HINT_POOL);
		return KIT_EXIT_INVALID;
	}
	return wrc ? KIT_EXIT_USAGE : KIT_EXIT_OK;
}

/* ------------------------------------------------------------------------
 * Arguments and main
 */

static int parse_size(const char *s, int *w, int *h)
{
	char extra;
	if (sscanf(s, "%dx%d%c", w, h, &extra) != 2 || *w < 2 || *h < 2 ||
	    *w > SIZE_MAX_SIDE || *h > SIZE_MAX_SIDE) {
		kit_error("--size must be WIDTHxHEIGHT, each from 2 to %d, e.g. 2048x1536, not '%s'",
			  SIZE_MAX_SIDE, s);
		return -1;
	}
	return 0;
}

/* --mem SIZE: bytes, or a number with K, M, G or T (powers of 1024). */
static int parse_mem(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	double unit = 1;
	switch (*end) {
	case 'k': case 'K': unit = 1024.0, end++; break;
	case 'm': case 'M': unit = 1024.0 * 1024, end++; break;
	case 'g': case 'G': unit = 1024.0 * 1024 * 1024, end++; break;
	case 't': case 'T': unit = 1024.0 * 1024 * 1024 * 1024, end++; break;
	}
	if (*end == 'i' || *end == 'B')	/* 2GiB, 2GB */
		end += end[0] == 'i' && end[1] == 'B' ? 2 : 1;
	if (errno || end == s || *end || !(v > 0) || v * unit < 1024.0 * 1024 ||
	    v * unit > 1024.0 * 1024 * 1024 * 1024) {
		kit_error("--mem must be a size from 1M to 1T, e.g. 512M or 2G, not '%s'", s);
		return -1;
	}
	*out = (uint64_t)(v * unit);
	return 0;
}

#define USAGE \
	"images [--size WxH | --images DIR | --photos] [--procs LIST] [--threads LIST]\n" \
	"       [--repeat R] [--results FILE] [--force] [--json F] [--csv F]\n" \
	"       [--png PREFIX] [--mem SIZE] [-q]\n" \
	"images [--procs LIST] [--threads LIST] [check ...]   PASS: or FAIL:, exit 0 or 1\n" \
	"images [--images DIR | --photos] --compare [--repeat R]\n" \
	"images --make-inputs DIR --seed S [--count K] [--size WxH]\n" \
	"images [--kernel pool|median] [--input DIR] --emit DIR | --verify DIR[,DIR...]\n" \
	"images --demo sweep [--quick] [--out DIR]\n" \
	"images --bench [--quick] [--out DIR]"
#define ABOUT \
	"Processes x threads over a set of images (exercise 03). Per image, as the\n" \
	"Python version of this lesson (Pillow + numpy): m = the median over the\n" \
	"channels of each pixel, signature = the integer part of mean(m m^T), through\n" \
	"BLAS; -1 for an image without a channel axis (gray, palette). Runs\n" \
	"every image in P worker processes of T threads (pool_run) for each P and T\n" \
	"of the lists, checks every signature, and draws heat maps of time and\n" \
	"speed-up over (P, T).\n\n" \
	"exit status: 0 all done (checks: PASS), 1 some files failed or a check\n" \
	"failed, 2 nothing could run (bad arguments, no readable image, an output\n" \
	"that cannot be written), 77 a check that cannot run here\n"
#define EXAMPLES \
	"  images --procs 1-3 --threads 1-3 --png results/sweep\n" \
	"  OMP_NUM_THREADS=2 images --procs 2 --validate --expect-children\n" \
	"  images --images data/images/broken --procs 2 --threads 1\n" \
	"  images --size 4032x3024 --procs 1,2 --threads 1,2"

/* The values of --size, --mem, --kernel and --demo, checked after parsing. */
static int check_values(struct options *o, const char *size, const char *mem)
{
	if (size && parse_size(size, &o->w, &o->h))
		return -1;
	o->size_set = size != NULL;
	if (mem && parse_mem(mem, &o->mem))
		return -1;
	if (o->kernel && strcmp(o->kernel, "pool") && strcmp(o->kernel, "median")) {
		kit_error("unknown kernel '%s'; the kernels of exercise 03 are: pool "
			  "(step 2, the default), median (step 1, in one process)", o->kernel);
		return -1;
	}
	if (o->demo && strcmp(o->demo, "sweep")) {
		kit_error("unknown demo '%s'; the demo of exercise 03 is: sweep", o->demo);
		return -1;
	}
	return 0;
}

/* The command line into O (opt.h: --help, one error shape, did-you-mean).
 * 0, KIT_OPT_HELP, or -1 after a message. */
static int parse_args(int argc, char **argv, struct options *o)
{
	const char *size = NULL, *mem = NULL;
	kit_opt_counts procs = { 0 }, threads = { 0 };
	const kit_opt opts[] = {
		KIT_OPT_GROUP("the images and the sweep:"),
		KIT_OPT_STRING(0, "size", &size, "WxH", "the generated images' size (default "
			       "2048x1536; 640x480\nin check modes); a phone camera's photo is "
			       "4032x3024. Made\nonce into data/cache/images-WxH/"),
		KIT_OPT_STRING(0, "images", &o->dir, "DIR", "every *.png of DIR instead;\n"
			       "unreadable files are named, the others still run"),
		KIT_OPT_STRING(0, "input", &o->dir, "DIR", "the same as --images DIR"),
		KIT_OPT_BOOL(0, "photos", &o->photos, "real photographs: Debian's mate-backgrounds "
			     "JPEGs as PNG,\nmade once into data/cache/photos/ (needs python3-pil)"),
		KIT_OPT_STRING(0, "mem", &mem, "SIZE", "the memory one image may take in one "
			       "process (default\n1G; e.g. 512M, 4G): a bigger image is refused, "
			       "by name,\nbefore it is decoded"),
		KIT_OPT_COUNTS(0, "procs", &procs, "LIST", "processes, e.g. 1,2,4 or 1-3, cores, "
			       "cpus (default 1 to\ncpus+1; check modes: cpus)", 1, MAX_COUNT),
		KIT_OPT_COUNTS(0, "threads", &threads, "LIST", "threads per process (default 1 to "
			       "cpus+1; check modes:\nOMP_NUM_THREADS)", 1, MAX_COUNT),
		KIT_OPT_INT(0, "repeat", &o->repeat, "R", "timed runs per cell, the median is "
			    "kept (default 3)", 1, 1000),
		KIT_OPT_STRING(0, "results", &o->results, "FILE", "the sweep's resumable results "
			       "(default\nresults/image-sweep/sweep-SOURCE.json); cells already\n"
			       "there are not run again"),
		KIT_OPT_BOOL(0, "force", &o->force, "run every cell again"),
		KIT_OPT_BOOL(0, "no-results", &o->no_results, "keep no results file"),
		KIT_OPT_STRING(0, "json", &o->json, "F", "the table as JSON"),
		KIT_OPT_STRING(0, "csv", &o->csv, "F", "the table as CSV"),
		KIT_OPT_STRING(0, "png", &o->png, "PREFIX", "PREFIX-time.png, PREFIX-speedup.png"),
		KIT_OPT_BOOL('q', "quiet", &o->quiet, "only the grids (checks: only the verdict "
			     "line)"),
		KIT_OPT_GROUP("checks (at every P of --procs and T of --threads):"),
		KIT_OPT_BOOL(0, "validate", &o->validate, "every signature equals the exact one "
			     "(integers, computed\nhere), unreadable files are reported as failed"),
		KIT_OPT_BOOL(0, "expect-children", &o->expect_children, "each image ran exactly "
			     "once, in a worker process with\nT threads; no worker left running or "
			     "as a zombie"),
		KIT_OPT_BOOL(0, "expect-parallel", &o->expect_parallel, "the median loop keeps 2 "
			     "or more threads busy (77: only\n1 thread here)"),
		KIT_OPT_BOOL(0, "signatures", &o->signatures, "print each file's signature from "
			     "one pool run at the\nfirst P and T (what tests/ex03/signature.py "
			     "compares)"),
		KIT_OPT_BOOL(0, "expect-lost", &o->expect_lost, "with --kill-after: pool_run names "
			     "the one lost image,\nreturns -1, reaps every worker; the others are "
			     "right"),
		KIT_OPT_INT(0, "kill-after", &o->kill_after, "K", "(tests) the worker that takes "
			    "the K-th image since the\nprogram started kills itself: its image must "
			    "be reported\nlost, the pool end cleanly, the other cells be kept",
			    1, 1000000),
		KIT_OPT_GROUP("demo and benchmark:"),
		KIT_OPT_STRING(0, "demo", &o->demo, "sweep", "a small grid filling in live"),
		KIT_OPT_BOOL(0, "bench", &o->bench, "the full grid, then --compare on the\n"
			     "photographs where there are some"),
		KIT_OPT_BOOL(0, "compare", &o->compare, "one core, side by side: this program at "
			     "P=1 T=1 and the\nPython version of this lesson (Pillow + numpy) on "
			     "the same\nPNGs, --repeat paired runs, the ratio of the medians"),
		KIT_OPT_BOOL(0, "quick", &o->quick, "test-sized demo or benchmark"),
		KIT_OPT_STRING(0, "out", &o->out, "DIR", "where the demo or benchmark writes"),
		KIT_OPT_GROUP("the grader's protocol (the exercise's kernels: pool, median):"),
		KIT_OPT_STRING(0, "make-inputs", &o->make_inputs, "DIR", "K PNGs (--count, default "
			       "15, one of each kind:\nRGB, RGBA, gray, gray+alpha, palette, 1-bit, "
			       "16-bit,\na colour key, interlaced), sizes from --seed S"),
		{ 0, "seed", KIT_OPT_KIND_U64, &o->seed, "S", "the seed of --make-inputs",
		  0, UINT64_MAX, 0, 0, NULL, &o->seed_set },
		KIT_OPT_U64('n', "count", &o->count, "K", "how many PNGs --make-inputs writes",
			    1, POOL_MAX_IMAGES),
		KIT_OPT_STRING(0, "kernel", &o->kernel, "K", "pool (the default) or median"),
		KIT_OPT_STRING(0, "emit", &o->emit, "DIR", "run once (pool: P = --procs, T = "
			       "OMP_NUM_THREADS;\nmedian: every image in this process) and write\n"
			       "DIR/result.json: pool: each file's signature or error;\nmedian: a "
			       "hash of each RGB file's median image"),
		KIT_OPT_INT(0, "mpixels", &o->mpixels, "M", "--emit --kernel median: the median of "
			    "each image again\nuntil M million pixels are done (default: once), for "
			    "a\nrun long enough to watch", 1, 100000),
		KIT_OPT_STRING(0, "verify", &o->verify, "DIR[,DIR...]", "compare each DIR's "
			       "result.json with the exact\nsignatures: one line, PASS: or FAIL:"),
		KIT_OPT_END,
	};
	const kit_opt *tables[] = { opts, NULL };
	kit_opt_prog prog = { .name = "images", .usage = USAGE, .about = ABOUT,
			      .tables = tables, .examples = EXAMPLES };
	int rc = kit_opt_parse(&prog, argc, argv);
	o->procs = procs.v, o->nprocs = procs.n;
	o->threads = threads.v, o->nthreads = threads.n;
	if (rc)
		return rc;
	if (check_values(o, size, mem))
		return -1;
	if (o->expect_lost && !o->kill_after) {
		kit_error("--expect-lost needs --kill-after K (which image's worker dies)");
		return -1;
	}
	if (o->photos && (o->dir || o->make_inputs)) {
		kit_error("--photos reads the photographs: it takes no --images or --make-inputs");
		return -1;
	}
	if (o->dir && o->size_set) {
		kit_error("--size makes images and --images reads them: give one of the two");
		return -1;
	}
	if ((o->demo || o->bench) && (o->validate || o->expect_children || o->expect_parallel)) {
		kit_error("--demo and --bench take no check flags");
		return -1;
	}
	if (o->demo && o->bench) {
		kit_error("give --demo or --bench, not both");
		return -1;
	}
	if (o->quick && !o->demo && !o->bench) {
		kit_error("--quick goes with --demo or --bench");
		return -1;
	}
	int modes = !!o->emit + !!o->verify + !!o->make_inputs + !!o->demo + !!o->bench +
		    o->compare;
	if (modes > 1) {
		kit_error("give one of --emit, --verify, --make-inputs, --demo, --bench, --compare");
		return -1;
	}
	bool checks = o->validate || o->expect_children || o->expect_parallel ||
		      o->signatures || o->expect_lost;
	if ((o->emit || o->verify || o->make_inputs) && checks) {
		kit_error("--emit, --verify and --make-inputs take no check flags");
		return -1;
	}
	if (o->make_inputs && o->dir) {
		kit_error("--make-inputs DIR writes the images into DIR: it takes no --images");
		return -1;
	}

	return 0;
}

/* 1, 2, ..., N as a malloc'd list. */
static int *range(int n, size_t *count)
{
	int *v = malloc(sizeof(int) * (size_t)n);
	if (!v)
		abort();
	for (int i = 0; i < n; i++)
		v[i] = i + 1;
	*count = (size_t)n;
	return v;
}

/* The benchmark's comparison with the Python version on one core: on the
 * photographs where they can be had (a set of their own), else on the
 * benchmark's images. */
static void bench_side_by_side(const struct options *o, struct run *r, struct shared *sh)
{
	char why[300];
	char *dir = o->dir || o->quick ? NULL : photos_dir(why, sizeof(why));
	if (!dir) {
		if (!o->dir && !o->quick)
			printf("\n(%s: the comparison below is on the generated images)\n", why);
		side_by_side(r, r->set->source, o->quick ? 1 : 3);
		return;
	}
	struct options po = *o;
	po.dir = dir, po.quiet = true;
	struct imageset set;
	if (load_set(&po, &set) == 0) {
		pool_result *res = kit_xmalloc(sizeof(*res) * (size_t)set.n);
		struct run pr = { .set = &set, .ctx = { &set, sh }, .results = res };
		side_by_side(&pr, "photographs from Debian's mate-backgrounds", 3);
		free(res);
	}
	free_set(&set);
	free(dir);
}

/* Makes sure PATH (given to FLAG) can be written, before any work: its
 * folder made if missing, a file created there and removed. 0, or -1 with a
 * message. */
static int check_output(const char *path, const char *flag)
{
	if (!path)
		return 0;
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		kit_error("%s '%s' is a folder; give a file name", flag, path);
		return -1;
	}
	char *dir = kit_xstrdup(path), *slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		strcpy(dir, ".");
	int rc = kit_mkdirs(dir);
	if (!rc) {
		char *probe = kit_xasprintf("%s/.images-probe-XXXXXX", dir);
		int fd = mkstemp(probe);
		if (fd < 0) {
			kit_error("cannot write %s '%s': %s: %s", flag, path, dir, strerror(errno));
			rc = -1;
		} else {
			close(fd);
			unlink(probe);
		}
		free(probe);
	}
	free(dir);
	return rc;
}

/* Every file the run will write, checked before any work. */
static int check_outputs(const struct options *o)
{
	int rc = check_output(o->json, "--json") | check_output(o->csv, "--csv");
	if (o->png) {
		char *t = kit_xasprintf("%s-time.png", o->png);
		rc |= check_output(t, "--png");
		free(t);
	}
	if (o->results && !o->no_results)
		rc |= check_output(o->results, "--results");
	if (o->out) {
		char *t = kit_xasprintf("%s/sweep.json", o->out);
		rc |= check_output(t, "--out");
		free(t);
	} else if (!o->results && !o->no_results && !o->emit && !o->verify) {
		char *t = kit_xasprintf("%s/results/image-sweep/sweep.json", kit_root());
		rc |= check_output(t, "the results file (--results, --no-results)");
		free(t);
	}
	if (o->emit) {
		struct stat st;
		if (stat(o->emit, &st) || !S_ISDIR(st.st_mode)) {
			kit_error("--emit '%s' must be an existing folder", o->emit);
			return -1;
		}
		char *t = kit_xasprintf("%s/result.json", o->emit);
		rc |= check_output(t, "--emit");
		free(t);
	}
	return rc ? -1 : 0;
}

int main(int argc, char **argv)
{
	if (kit_init(argc, argv))
		return KIT_EXIT_USAGE;
	struct options o = { .w = SIZE_DEFAULT_W, .h = SIZE_DEFAULT_H, .repeat = 0 };
	int prc = parse_args(argc, argv, &o);
	if (prc)
		return prc == KIT_OPT_HELP ? KIT_EXIT_OK : KIT_EXIT_USAGE;
	kit_topo topo;
	kit_topo_get(&topo);
	int cpus = topo.pus > 0 ? topo.pus : 1;
	bool checks = o.validate || o.expect_children || o.expect_parallel || o.signatures ||
		      o.expect_lost || o.emit || o.verify;
	char *outdir = NULL;
	mem_budget = o.mem ? o.mem : MEM_DEFAULT;
	if (o.make_inputs)
		return make_inputs(&o);
	if (o.verify)
		o.quiet = true;	/* one line: the verdict */

	if (o.demo || o.bench) {
		int side = o.bench ? cpus + 1 : (cpus + 1 < 4 ? cpus + 1 : 4);
		if (o.quick)
			side = 2;
		if (!o.size_set && !o.dir && o.quick)
			o.w = SIZE_QUICK_W, o.h = SIZE_QUICK_H;
		if (!o.procs)
			o.procs = range(side, &o.nprocs);
		if (!o.threads)
			o.threads = range(side, &o.nthreads);
		if (!o.repeat)
			o.repeat = o.quick || o.demo ? 1 : REPEAT_DEFAULT;
		if (!o.out) {
			if (asprintf(&outdir, "%s/results/%s/sweep", kit_root(),
				     o.bench ? "bench" : "demos") < 0)
				abort();
			o.out = outdir;
		}
		if (!o.results)
			o.force = true;	/* a demo and a benchmark measure afresh */
	} else if (checks) {
		if (!o.size_set && !o.dir)
			o.w = SIZE_CHECK_W, o.h = SIZE_CHECK_H;
		if (!o.procs) {
			o.procs = malloc(sizeof(int));
			o.procs[0] = cpus, o.nprocs = 1;
		}
		if (!o.threads) {
			o.threads = malloc(sizeof(int));
			o.threads[0] = kit_omp_max_threads(), o.nthreads = 1;
		}
	} else {
		if (!o.procs)
			o.procs = range(cpus + 1, &o.nprocs);
		if (!o.threads)
			o.threads = range(cpus + 1, &o.nthreads);
	}
	if (!o.repeat)
		o.repeat = REPEAT_DEFAULT;
	if (check_outputs(&o)) {
		free(o.procs), free(o.threads), free(outdir);
		return KIT_EXIT_USAGE;
	}
	char *photos = NULL, why[300];
	if (o.photos && !(o.dir = photos = photos_dir(why, sizeof(why)))) {
		kit_error("--photos: %s; or give a folder of PNGs with --images", why);
		free(o.procs), free(o.threads), free(outdir);
		return KIT_EXIT_USAGE;
	}

	if (!o.quiet && !o.emit) {
		kit_env_print(stdout);
		printf("program   images (exercise 03: processes x threads over a set of images)\n");
	}
	/* Shared with the workers: what each call of work() did. */
	struct shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		kit_error("cannot map memory shared with the workers: %s", strerror(errno));
		return KIT_EXIT_USAGE;
	}
	sh->kill_after = o.kill_after;
	sh->parent = (int)getpid();
	struct imageset set;
	if (o.out && kit_mkdirs(o.out)) {
		munmap(sh, sizeof(*sh));
		free(o.procs), free(o.threads), free(outdir);
		return KIT_EXIT_USAGE;
	}
	if (load_set(&o, &set)) {
		munmap(sh, sizeof(*sh));
		free_set(&set);
		free(o.procs), free(o.threads), free(outdir);
		return KIT_EXIT_USAGE;
	}
	int nbad = count_kind(&set, REF_BAD), ngray = count_kind(&set, REF_GRAY);
	if (!o.quiet && !o.emit) {
		printf("images    %d from %s (%d with colour channels, %d without: gray or "
		       "palette, signature -1; %d unreadable), read here in %.2f s for the exact "
		       "signatures\n", set.n, set.source, count_kind(&set, REF_COLOUR), ngray, nbad,
		       set.read_s);
		printf("\n");
	}
	fflush(stdout);
	pool_result *results = calloc((size_t)set.n, sizeof(*results));
	struct run r = { .set = &set, .ctx = { &set, sh }, .results = results };
	char bad[1024] = "";
	size_t len = 0;
	for (int i = 0; i < set.n; i++)
		if (set.kind[i] == REF_BAD && len < sizeof(bad))
			len += (size_t)snprintf(bad + len, sizeof(bad) - len, "%s%s (%s)",
						len ? ", " : "", set.snames[i], set.why[i]);
	int rc;
	if (o.verify) {
		rc = verify(&o, &set);
	} else if (o.emit) {
		rc = emit(&o, &r, o.procs[0]);
	} else if (nbad == set.n) {
		kit_error("%s could be read, nothing ran: %s",
			  set.n == 1 ? "the one file" : "none of the files", bad);
		rc = KIT_EXIT_USAGE;
	} else if (o.compare) {
		side_by_side(&r, set.source, o.repeat);
		rc = nbad ? KIT_EXIT_INVALID : KIT_EXIT_OK;
	} else if (o.signatures) {
		double sec;
		rc = run_pool(&r, o.procs[0], o.threads[0], false, &sec) ? KIT_EXIT_INVALID : KIT_EXIT_OK;
		for (int i = 0; i < set.n; i++) {
			if (results[i].status == POOL_DONE)
				printf("%s %lld\n", set.snames[i], results[i].signature);
			else
				printf("%s error %s\n", set.snames[i], set.why[i] ? set.why[i] : "lost");
		}
		if (rc)
			printf("FAIL: %s\n", r.why);
		else if (nbad)
			rc = KIT_EXIT_INVALID;	/* some files failed */
	} else if (checks) {
		if (nbad && !o.quiet)	/* before the verdict, which stays the last line */
			printf("%d of %d files cannot be read: %s\n", nbad, set.n, bad);
		rc = run_checks(&o, &r);
	} else {
		rc = run_sweep(&o, &r, o.bench);
		if (o.bench && rc == KIT_EXIT_OK)
			bench_side_by_side(&o, &r, sh);
		if (nbad) {
			printf("%d of %d files could not be read, the other %d ran: %s\n", nbad,
			       set.n, set.n - nbad, bad);
			if (rc == KIT_EXIT_OK)
				rc = KIT_EXIT_INVALID;
		}
	}
	free(results);
	free_set(&set);
	munmap(sh, sizeof(*sh));
	free(o.procs), free(o.threads), free(outdir), free(photos);
	return rc;
}
