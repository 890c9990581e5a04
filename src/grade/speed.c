/*
 * speed.c - speed and speed-up items (grade.h): the student's program and
 * the reference, interleaved (A B B A ...), each round on fresh inputs.
 *
 * Times are whole-process wall-clock seconds measured by the grader from
 * outside (and CPU seconds of the run and all its descendants, from wait4),
 * never a time the program reports. Every timed run of the student's program
 * writes its outputs (--emit) and the reference verifies them: a round whose
 * output is wrong earns nothing, and the item fails.
 *
 *   speed    ratio of medians, student / reference, at the item's thread
 *            count: full credit within SPEED_FULL, none at SPEED_ZERO,
 *            linear between.
 *   speedup  time at 1 thread over time at N threads, the baseline the faster
 *            of the two programs at 1 thread; full credit at the reference's
 *            speed-up / SPEED_FULL, none at 1.
 * Rounds that disagree by more than NOISY_SPREAD are measured again (up to
 * --retries times); the least noisy attempt counts.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "grade.h"

static double clamp01(double x)
{
	return x < 0 ? 0 : x > 1 ? 1 : x;
}

typedef struct timed {
	double wall, cpu;
} timed;

/* One timed run of PROG (the student's when STUDENT) at THREADS on fresh
 * inputs; the student's output verified. Returns 0, or -1 after failing IT
 * with what went wrong. */
static int time_once(session *s, const exercise *e, item *it, const char *prog, bool student,
		     int threads, int round, int rounds, timed *out)
{
	char *ref = reference_prog(s, e);
	size_t nargs;
	char **args = item_args(s, it, &nargs);
	uint64_t seed = fresh_seed();
	char *inputs = NULL, *err = NULL;
	int rc = -1;
	if (it->inputs && !(inputs = run_make_inputs(s, it, ref, seed, &err))) {
		free(((exercise *)e)->error);
		((exercise *)e)->error = err;
		item_fail(it, "the grader could not make input files");
		goto out;
	}
	say_doing(s, "%s: timing %s, round %d of %d (%d thread%s)", it->name,
		  student ? "your program" : "the reference", round + 1, rounds, threads,
		  threads == 1 ? "" : "s");
	run_spec rs = { .prog = prog, .args = args, .nargs = nargs, .threads = threads,
			.seed = seed, .inputs = inputs, .timeout = item_timeout(s, it) };
	run_out o;
	run_emit(s, &rs, &o);
	const char *who = student ? "your program" : "the reference";
	if (!o.ran_ok || !o.emitted) {
		char *why = kit_xasprintf("%s at %d thread%s, round %d: %s", who, threads,
					  threads == 1 ? "" : "s", round + 1,
					  o.problem ? o.problem : "no output");
		item_fail(it, why);
		kit_buf_printf(&it->out, "%s\n", why);
		free(why);
	} else if (student) {
		char *line = NULL;
		int v = run_verify(s, ref, args, nargs, threads, seed, inputs, &o.emitted, 1, false,
				   &line);
		if (v == 1) {
			rc = 0;
		} else {
			char *why = kit_xasprintf("round %d's output at %d thread%s is wrong, so it "
						  "earns no speed credit: %s", round + 1, threads,
						  threads == 1 ? "" : "s", line);
			item_fail(it, why);
			kit_buf_printf(&it->out, "%s\n", why);
			free(why);
			if (v < 0) {
				free(e->error);
				((exercise *)e)->error = kit_xstrdup(line);
			}
		}
		free(line);
	} else {
		rc = 0;
	}
	out->wall = o.wall;
	out->cpu = o.cpu;
	run_out_free(&o);
out:
	if (inputs)
		rm_rf(inputs);
	free(inputs);
	free(args);
	free(ref);
	return rc;
}

static double median_field(const timed *t, int n, bool cpu)
{
	double *v = kit_xcalloc((size_t)n + 1, sizeof(double));
	for (int i = 0; i < n; i++)
		v[i] = cpu ? t[i].cpu : t[i].wall;
	double m = median_of(v, (size_t)n);
	free(v);
	return m;
}

void do_speed(session *s, const exercise *e, item *it)
{
	if (s->cpus < 2) {
		item_skip(it, "speed is not judged on a 1-CPU machine");
		return;
	}
	int n = resolve_threads(s, it->threads[it->nthreads - 1]);
	if (n < 1) {
		item_fail(it, "the item's thread list is malformed (a grader set-up error)");
		return;
	}
	char *stu = student_prog(s, e), *ref = reference_prog(s, e);
	int rounds = s->rounds;
	timed *ts = kit_xcalloc((size_t)rounds, sizeof(timed)), *tr = kit_xcalloc((size_t)rounds, sizeof(timed));
	double *q = kit_xcalloc((size_t)rounds, sizeof(double));
	double best_spread = INFINITY;
	it->nthreads_used = n;
	bool hopeless = false;
	for (int attempt = 0; attempt <= s->retries && !hopeless; attempt++) {
		int nr = 0;
		for (int k = 0; k < rounds; k++) {
			bool stu_first = k % 2 == 0;
			for (int w = 0; w < 2; w++) {
				bool is_stu = (w == 0) == stu_first;
				if (time_once(s, e, it, is_stu ? stu : ref, is_stu, n, k, rounds,
					      is_stu ? &ts[k] : &tr[k]))
					goto out;
			}
			q[k] = ts[k].wall / tr[k].wall;
			nr = k + 1;
			/* twice past the no-credit line: more rounds cannot change the score */
			if (k == 0 && q[0] > 2 * SPEED_ZERO) {
				hopeless = true;
				break;
			}
		}
		double ratio = median_field(ts, nr, false) / median_field(tr, nr, false);
		qsort(q, (size_t)nr, sizeof(double), cmp_double);
		double spread = (q[nr - 1] - q[0]) / median_of(q, (size_t)nr);
		kit_buf_printf(&it->out, "attempt %d: %.2fx the reference's time (rounds %.2f-%.2fx; "
			       "wall %.3f s vs %.3f s, CPU %.3f s vs %.3f s)%s\n", attempt + 1, ratio,
			       q[0], q[nr - 1], median_field(ts, nr, false),
			       median_field(tr, nr, false), median_field(ts, nr, true),
			       median_field(tr, nr, true),
			       hopeless ? ", far past no credit: one round is enough" :
			       spread > NOISY_SPREAD ? ", too noisy" : "");
		if (hopeless || spread < best_spread) {
			best_spread = hopeless ? 0 : spread;
			it->ratio = ratio;
			it->lo = q[0];
			it->hi = q[nr - 1];
			it->rounds = nr;
			it->wall_stu = median_field(ts, nr, false);
			it->wall_ref = median_field(tr, nr, false);
			it->cpu_stu = median_field(ts, nr, true);
			it->cpu_ref = median_field(tr, nr, true);
			it->measured = true;
		}
		if (spread <= NOISY_SPREAD)
			break;
	}
	double frac = it->ratio <= SPEED_FULL ? 1
		      : clamp01((SPEED_ZERO - it->ratio) / (SPEED_ZERO - SPEED_FULL));
	it->score = it->points * frac;
	it->st = frac >= 1 ? ST_PASS : ST_FAIL;
	if (it->st == ST_FAIL)
		it->observed = kit_xasprintf("your program took %.2fx the reference's time on %d "
					     "threads (full credit within %.2fx, none at %.0fx)",
					     it->ratio, n, SPEED_FULL, SPEED_ZERO);
	if (best_spread > NOISY_SPREAD)
		kit_buf_printf(&it->out, "still noisy after %d attempts: the least noisy one counts; "
			       "close other programs and run again\n", s->retries + 1);
out:
	free(q);
	free(ts);
	free(tr);
	free(stu);
	free(ref);
}

void do_speedup(session *s, const exercise *e, item *it)
{
	if (s->cores < 2) {
		item_skip(it, "speed-up is not judged on a 1-core machine");
		return;
	}
	int p1 = resolve_threads(s, it->threads[0]);
	int pn = resolve_threads(s, it->threads[it->nthreads - 1]);
	if (p1 < 1 || pn < 1 || pn <= p1) {
		if (pn == p1 && pn > 0)
			item_skip(it, "one thread count only on this machine: no speed-up to judge");
		else
			item_fail(it, "the item's thread list is malformed (a grader set-up error)");
		return;
	}
	char *stu = student_prog(s, e), *ref = reference_prog(s, e);
	int rounds = s->rounds;
	timed *t[4];		/* student 1, reference 1, student n, reference n */
	for (int k = 0; k < 4; k++)
		t[k] = kit_xcalloc((size_t)rounds, sizeof(timed));
	double *q = kit_xcalloc((size_t)rounds, sizeof(double));
	double best_spread = INFINITY, s_stu = 0, s_ref = 0;
	it->nthreads_used = pn;
	for (int attempt = 0; attempt <= s->retries; attempt++) {
		for (int k = 0; k < rounds; k++) {
			static const int fwd[4] = { 0, 1, 2, 3 }, rev[4] = { 3, 2, 1, 0 };
			const int *order = k % 2 ? rev : fwd;
			for (int w = 0; w < 4; w++) {
				int m = order[w];
				bool is_stu = m % 2 == 0;
				if (time_once(s, e, it, is_stu ? stu : ref, is_stu, m < 2 ? p1 : pn, k,
					      rounds, &t[m][k]))
					goto out;
			}
			q[k] = fmin(t[0][k].wall, t[1][k].wall) / t[2][k].wall;
		}
		double t1 = fmin(median_field(t[0], rounds, false), median_field(t[1], rounds, false));
		double a = t1 / median_field(t[2], rounds, false);
		double b = t1 / median_field(t[3], rounds, false);
		qsort(q, (size_t)rounds, sizeof(double), cmp_double);
		double spread = (q[rounds - 1] - q[0]) / median_of(q, (size_t)rounds);
		kit_buf_printf(&it->out, "attempt %d: speed-up %.2fx on %d threads (rounds %.2f-%.2fx), "
			       "reference %.2fx, baseline %.4f s at %d thread%s%s\n", attempt + 1, a,
			       pn, q[0], q[rounds - 1], b, t1, p1, p1 == 1 ? "" : "s",
			       spread > NOISY_SPREAD ? ", too noisy" : "");
		if (spread < best_spread) {
			best_spread = spread;
			s_stu = a;
			s_ref = b;
			it->lo = q[0];
			it->hi = q[rounds - 1];
			it->rounds = rounds;
		}
		if (spread <= NOISY_SPREAD)
			break;
	}
	it->measured = true;
	it->ratio = s_stu;
	it->ref_speedup = s_ref;
	double full = s_ref / SPEED_FULL;
	if (full <= 1.05) {
		it->measured = false;
		char *why = kit_xasprintf("the reference itself speeds up only %.2fx here (%d threads), "
					  "too little to judge yours", s_ref, pn);
		item_skip(it, why);
		free(why);
		goto out;
	}
	double frac = s_stu >= full ? 1 : clamp01((s_stu - 1) / (full - 1));
	it->score = it->points * frac;
	it->st = frac >= 1 ? ST_PASS : ST_FAIL;
	if (it->st == ST_FAIL)
		it->observed = kit_xasprintf("your speed-up on %d threads is %.2fx; the reference's is "
					     "%.2fx (full credit from %.2fx, none at 1x)", pn, s_stu,
					     s_ref, full);
	if (best_spread > NOISY_SPREAD)
		kit_buf_printf(&it->out, "still noisy after %d attempts: the least noisy one counts; "
			       "close other programs and run again\n", s->retries + 1);
out:
	for (int k = 0; k < 4; k++)
		free(t[k]);
	free(q);
	free(stu);
	free(ref);
}
