/*
 * NAME
 *   demos.c - the live-class demos of exercise 05 (demos.h: ipc_demo).
 *
 * PURPOSE
 *   pool         time per task against task size: serial, a pool with one
 *                task per message, the solution's chunks; the break-even
 *                size; fork and round-trip costs; a log-log plot
 *   messages     throughput of a pipe, a POSIX message queue and a
 *                shared-memory ring from 8 B to 8 MB beside memcpy, and the
 *                one-way latency of each; --kill-sender K: the sender dies
 *                after K messages and each receiver says so
 *   fork-memory  a child's write is not seen by its parent (unless the
 *                memory is shared); fork time against the parent's size;
 *                the cost of copy-on-write per page a child touches
 *   counter      the tomato count by several processes: no lock (lost
 *                updates, counted), a process-shared mutex, C11 atomics,
 *                partial counts
 *   fib          Fibonacci tasks serially, on threads and in processes
 *
 * USAGE
 *   ./kit demo pool        (ipc-demos --demo pool [--quick] [--out DIR])
 *
 * NOTES
 *   Every result that has a right answer is checked before a time is shown;
 *   the counter's unsynchronised row is the one allowed to be wrong.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "channel.h"
#include "demos.h"
#include "ipc.h"
#include "kit.h"
#include "pool.h"

const char *const ipc_demo_names[] = { "pool", "messages", "fork-memory", "counter", "fib",
				       NULL };

int ipc_out_open(ipc_out *o, const char *dir, const char *kind, const char *name, bool quiet)
{
	o->name = name;
	o->quiet = quiet;
	if (dir && *dir)
		snprintf(o->dir, sizeof(o->dir), "%s", dir);
	else
		snprintf(o->dir, sizeof(o->dir), "%s/results/%s/%s", kit_root(), kind, name);
	return kit_mkdirs(o->dir);
}

int ipc_out_write(const ipc_out *o, const kit_results *r, const kit_plot *plot)
{
	char csv[4200], json[4200], png[4200];
	snprintf(csv, sizeof(csv), "%s/%s.csv", o->dir, o->name);
	snprintf(json, sizeof(json), "%s/%s.json", o->dir, o->name);
	snprintf(png, sizeof(png), "%s/%s.png", o->dir, o->name);
	kit_results_print(r, stdout);
	if (kit_results_write_csv(r, csv) || kit_results_write_json(r, json))
		return -1;
	printf("\nWrote %s, %s", kit_shown_path(csv), kit_shown_path(json));
	if (plot && kit_plot_png(plot, png) == 0)
		printf(", %s", kit_shown_path(png));
	printf("\n");
	fflush(stdout);
	if (plot && !o->quiet && kit_plot_text(plot, stdout, 0, 0) == 0)
		printf("\n");
	return 0;
}

static void intro(const char *title, const char *notice)
{
	printf("\n== Demo: %s ==\n\nWhat to notice: %s\n\n", title, notice);
	kit_env_print(stdout);
	printf("\n");
	fflush(stdout);
}

/* ------------------------------------------------------------------------
 * pool: overhead against task size
 */

static double time_serial(const ipc_tasks *t, uint64_t *out)
{
	double t0 = kit_wtime();
	ipc_map_serial(t, out);
	return kit_wtime() - t0;
}

static int one_task(size_t i, void *arg, void *out)
{
	const ipc_tasks *t = arg;
	*(uint64_t *)out = ipc_task(t->seed, i, t->size);
	return 0;
}

/* Seconds of a chunk-1 map, or of the solution's chunks (CHUNK 0); -1 when
 * a value differs from REF. */
static double time_pool(const ipc_tasks *t, int procs, size_t chunk, const uint64_t *ref,
			uint64_t *out)
{
	memset(out, 0, t->n * sizeof(*out));
	double t0 = kit_wtime();
	int rc = chunk ? kit_pool_map(procs, t->n, chunk, one_task, (void *)t, out, 8, NULL)
		       : ipc_map_pool(t, procs, out);
	double s = kit_wtime() - t0;
	return rc || memcmp(out, ref, t->n * sizeof(*out)) ? -1 : s;
}

/* fork, _exit and waitpid, per child. */
static double fork_cost(int reps)
{
	double t0 = kit_wtime();
	for (int i = 0; i < reps; i++) {
		pid_t p = fork();
		if (p == 0)
			_exit(0);
		while (p > 0 && waitpid(p, NULL, 0) < 0 && errno == EINTR)
			;
	}
	return (kit_wtime() - t0) / reps;
}

static int demo_pool(const ipc_demo_opts *o)
{
	static const uint64_t full[] = { 10, 100, 1000, 10000, 100000, 1000000 };
	static const uint64_t quick[] = { 10, 1000, 100000 };
	const uint64_t *sizes = o->quick ? quick : full;
	int ns = o->quick ? 3 : 6;
	double work = o->quick ? 2e7 : 3e8;
	size_t cap = o->quick ? 200000 : 2000000, cap1 = o->quick ? 2000 : 20000;
	intro("a process pool's cost against the size of a task",
	      "a pool pays for each message (a round trip between processes) and once for "
	      "starting its workers (fork). Tiny tasks one per message are far slower than "
	      "serial; in chunks they win; long tasks win either way. The break-even is "
	      "where the pool's line crosses the serial one.");
	double fork_s = fork_cost(o->quick ? 10 : 50);
	kit_buf why = { 0 };
	double one_way = ch_latency(CH_PIPE, o->quick ? 2000 : 20000, &why);
	printf("fork + exit + wait of a child: %.0f us; a pipe round trip: %.1f us\n\n",
	       fork_s * 1e6, 2 * one_way * 1e6);
	kit_results *r = kit_results_new("ipc-demos", "pool: microseconds per task");
	kit_results_config(r, "workers", "%d", o->procs);
	kit_results_config(r, "fork_us", "%.1f", fork_s * 1e6);
	kit_results_config(r, "pipe_round_trip_us", "%.2f", 2 * one_way * 1e6);
	double xs[6], ser[6], one[6], chk[6];
	int bad = 0, even1 = -1, evenc = -1;
	for (int i = 0; i < ns; i++) {
		size_t n = (size_t)(work / (double)sizes[i]);
		n = n < 64 ? 64 : n > cap ? cap : n;
		ipc_tasks t = { o->seed, sizes[i], n }, t1 = t;
		t1.n = n < cap1 ? n : cap1;
		uint64_t *ref = kit_xcalloc(n, 8), *out = kit_xcalloc(n, 8);
		double s = time_serial(&t, ref) / (double)n;
		double c1 = time_pool(&t1, o->procs, 1, ref, out) / (double)t1.n;
		double ch = time_pool(&t, o->procs, 0, ref, out) / (double)n;
		kit_results_row(r, "tasks");
		kit_results_num(r, "size", (double)sizes[i], "%.0f");
		kit_results_num(r, "tasks", (double)n, "%.0f");
		kit_results_num(r, "serial_us", s * 1e6, "%.3f");
		kit_results_num(r, "chunk1_us", c1 * 1e6, "%.3f");
		kit_results_num(r, "chunked_us", ch * 1e6, "%.3f");
		kit_results_num(r, "speedup_chunked", s / ch, "%.2f");
		kit_results_valid(r, c1 > 0 && ch > 0, "a pool's values differ from the serial ones");
		bad += !(c1 > 0 && ch > 0);
		xs[i] = (double)sizes[i];
		ser[i] = s * 1e6;
		one[i] = c1 * 1e6;
		chk[i] = ch * 1e6;
		if (even1 < 0 && c1 > 0 && c1 < s)
			even1 = i;
		if (evenc < 0 && ch > 0 && ch < s)
			evenc = i;
		free(ref);
		free(out);
	}
	kit_series se[] = { { "serial", xs, ser, (size_t)ns }, { "pool, 1 task a message", xs, one, (size_t)ns },
			    { "pool, chunks", xs, chk, (size_t)ns } };
	kit_plot p = { .title = "time per task against task size", .xlabel = "task size (rounds, ~ns)",
		       .ylabel = "microseconds per task", .series = se, .nseries = 3, .logx = true,
		       .logy = true };
	ipc_out out;
	int rc = ipc_out_open(&out, o->out_dir, "demos", "pool", o->quiet) ||
		 ipc_out_write(&out, r, &p);
	printf("break-even, one task a message: %s%llu rounds; in chunks: %s%llu rounds\n",
	       even1 < 0 ? "beyond " : "about ",
	       (unsigned long long)sizes[even1 < 0 ? ns - 1 : even1],
	       evenc < 0 ? "beyond " : "about ",
	       (unsigned long long)sizes[evenc < 0 ? ns - 1 : evenc]);
	kit_results_free(r);
	kit_buf_free(&why);
	return rc ? KIT_EXIT_USAGE : bad ? KIT_EXIT_INVALID : KIT_EXIT_OK;
}

/* ------------------------------------------------------------------------
 * messages: pipe, queue, ring against memcpy
 */

static int kill_sender(const ipc_demo_opts *o)
{
	intro("a sender that dies", "each receiver notices within a fraction of a second "
	      "and says how far it got; none waits forever.");
	int missed = 0;
	for (int k = 0; k < CH_NKINDS; k++) {
		ch_stream s;
		double t0 = kit_wtime();
		if (ch_stream_run((ch_kind)k, 64, o->kill_sender + 1000, o->kill_sender, &s)) {
			printf("%-5s not available here: %s\n", ch_names[k], s.why);
			continue;
		}
		bool seen = !s.ok && s.received == o->kill_sender;
		printf("%-5s %s after %.2f s: %llu messages received; %s\n", ch_names[k],
		       seen ? "noticed" : "MISSED", kit_wtime() - t0,
		       (unsigned long long)s.received, s.ok ? "all arrived?" : s.why);
		missed += !seen;
	}
	return missed ? KIT_EXIT_INVALID : KIT_EXIT_OK;
}

static int demo_messages(const ipc_demo_opts *o)
{
	if (o->kill_sender)
		return kill_sender(o);
	static const size_t full[] = { 8, 64, 512, 4096, 32768, 262144, 2097152, 8388608 };
	static const size_t quick[] = { 8, 4096, 262144, 8388608 };
	const size_t *sizes = o->quick ? quick : full;
	int ns = o->quick ? 4 : 8;
	double total = o->quick ? 32e6 : 512e6;
	uint64_t most = o->quick ? 20000 : 200000;
	intro("messages between two processes, 8 B to 8 MB",
	      "small messages cost a system call or a wake-up each: the rate in messages/s "
	      "is what counts. Large ones are limited by copying: the ring copies each byte "
	      "twice (in and out) but with no system call and approaches memcpy; a pipe "
	      "goes through the kernel's 64 KiB buffer; a queue's messages are at most 8 KiB.");
	kit_results *r = kit_results_new("ipc-demos", "messages: throughput by channel and size");
	double xs[8], y[CH_NKINDS + 1][8];
	int bad = 0;
	for (int i = 0; i < ns; i++) {
		uint64_t count = (uint64_t)(total / (double)sizes[i]);
		count = count < 8 ? 8 : count > most ? most : count;
		double mc = ch_memcpy_time(sizes[i], count);
		xs[i] = (double)sizes[i];
		y[CH_NKINDS][i] = (double)sizes[i] / mc / 1e6;
		for (int k = 0; k < CH_NKINDS; k++) {
			ch_stream s;
			int rc = ch_stream_run((ch_kind)k, sizes[i], count, 0, &s);
			kit_results_row(r, ch_names[k]);
			kit_results_num(r, "bytes", (double)sizes[i], "%.0f");
			kit_results_num(r, "messages", (double)count, "%.0f");
			double mbs = s.ok ? (double)sizes[i] * (double)count / s.seconds / 1e6 : 0;
			kit_results_num(r, "msgs_per_s", s.ok ? (double)count / s.seconds : 0, "%.3g");
			kit_results_num(r, "MB_per_s", mbs, "%.1f");
			kit_results_num(r, "memcpy_MB_per_s", y[CH_NKINDS][i], "%.1f");
			kit_results_num(r, "frac_memcpy", mbs / y[CH_NKINDS][i], "%.2f");
			kit_results_valid(r, rc == 0 && s.ok, s.why);
			bad += rc == 0 && !s.ok;
			y[k][i] = mbs > 0 ? mbs : 1e-3;
		}
	}
	printf("one-way latency of an 8-byte message:");
	for (int k = 0; k < CH_NKINDS; k++) {
		kit_buf why = { 0 };
		double l = ch_latency((ch_kind)k, o->quick ? 2000 : 20000, &why);
		printf("  %s %.1f us", ch_names[k], l * 1e6);
		kit_results_config(r, k == CH_PIPE ? "latency_pipe_us" : k == CH_MQ ? "latency_mq_us"
						  : "latency_ring_us", "%.2f", l * 1e6);
		kit_buf_free(&why);
	}
	printf("\n\n");
	kit_series se[] = { { "pipe", xs, y[0], (size_t)ns }, { "message queue", xs, y[1], (size_t)ns },
			    { "shared-memory ring", xs, y[2], (size_t)ns },
			    { "memcpy (the limit)", xs, y[3], (size_t)ns } };
	kit_plot p = { .title = "throughput against message size", .xlabel = "message size (bytes)",
		       .ylabel = "MB/s", .series = se, .nseries = 4, .logx = true, .logy = true };
	ipc_out out;
	int rc = ipc_out_open(&out, o->out_dir, "demos", "messages", o->quiet) ||
		 ipc_out_write(&out, r, &p);
	kit_results_free(r);
	return rc ? KIT_EXIT_USAGE : bad ? KIT_EXIT_INVALID : KIT_EXIT_OK;
}

/* ------------------------------------------------------------------------
 * fork-memory: separate copies; fork and copy-on-write costs
 */

static int answer = 1;

/* Touches one byte in each of PAGES pages of P. */
static void touch(char *p, size_t pages, char v)
{
	for (size_t i = 0; i < pages; i++)
		p[i * 4096] = v;
}

/* Forks a child that touches PAGES pages of P; seconds it took (in the child). */
static double cow_time(char *p, size_t pages, double *fork_s)
{
	double *t = kit_shared_alloc(sizeof(double));
	double t0 = kit_wtime();
	pid_t pid = fork();
	if (pid == 0) {
		double c0 = kit_wtime();
		touch(p, pages, 7);
		*t = kit_wtime() - c0;
		_exit(0);
	}
	while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	*fork_s = kit_wtime() - t0 - *t;
	double s = *t;
	kit_shared_free(t, sizeof(double));
	return s;
}

static int demo_fork_memory(const ipc_demo_opts *o)
{
	intro("memory after fork", "the child's write to a variable changes its own copy: the "
	      "parent still reads 1. Only memory mapped shared (kit_shared_alloc) is seen by "
	      "both. fork copies no data, only the page tables: its time grows with the "
	      "parent's size; each page a child then writes is copied (copy-on-write).");
	int *shared = kit_shared_alloc(sizeof(int));
	*shared = 1;
	pid_t pid = fork();
	if (pid == 0) {
		answer = 42;
		*shared = 42;
		printf("child  (pid %d): answer = %d, shared = %d\n", (int)getpid(), answer, *shared);
		fflush(stdout);
		_exit(0);
	}
	while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	printf("parent (pid %d): answer = %d, shared = %d\n\n", (int)getpid(), answer, *shared);
	bool right = answer == 1 && *shared == 42;
	kit_shared_free(shared, sizeof(int));
	size_t mb = o->quick ? 64 : 512, pages = mb << 8;
	char *big = kit_xmalloc(mb << 20);
	touch(big, pages, 1);
	kit_results *r = kit_results_new("ipc-demos", "fork-memory: fork and copy-on-write");
	kit_results_config(r, "parent_MB", "%zu", mb);
	const double fracs[] = { 0, 0.01, 0.1, 1.0 };
	double xs[4], ys[4];
	for (int i = 0; i < 4; i++) {
		size_t k = (size_t)(fracs[i] * (double)pages);
		double f, c = cow_time(big, k, &f);
		kit_results_row(r, "child touches");
		kit_results_num(r, "pages", (double)k, "%.0f");
		kit_results_num(r, "MB", (double)k / 256, "%.1f");
		kit_results_num(r, "fork_ms", f * 1e3, "%.2f");
		kit_results_num(r, "touch_ms", c * 1e3, "%.2f");
		kit_results_num(r, "us_per_page", k ? c * 1e6 / (double)k : 0, "%.3f");
		kit_results_valid(r, true, NULL);
		xs[i] = (double)k + 1;
		ys[i] = c * 1e3 + 1e-3;
	}
	free(big);
	printf("fork of a small parent: %.3f ms\n", fork_cost(20) * 1e3);
	kit_series se[] = { { "child writes k pages", xs, ys, 4 } };
	kit_plot p = { .title = "copy-on-write: time a child spends writing pages",
		       .xlabel = "pages written + 1", .ylabel = "ms", .series = se, .nseries = 1,
		       .logx = true, .logy = true };
	ipc_out out;
	int rc = ipc_out_open(&out, o->out_dir, "demos", "fork-memory", o->quiet) ||
		 ipc_out_write(&out, r, &p);
	kit_results_free(r);
	return rc ? KIT_EXIT_USAGE : right ? KIT_EXIT_OK : KIT_EXIT_INVALID;
}

/* ------------------------------------------------------------------------
 * counter: the tomato count by several processes
 */

typedef struct tally {
	uint64_t n, seed;
	volatile uint64_t *plain;	/* shared, no lock */
	pthread_mutex_t *lock;		/* process-shared */
	uint64_t *locked;
} tally;

static int count_plain(int w, int nw, void *arg, void *out)
{
	const tally *t = arg;
	(void)out;
	for (uint64_t i = t->n * (uint64_t)w / (uint64_t)nw; i < t->n * (uint64_t)(w + 1) / (uint64_t)nw; i++)
		if (ipc_is_ripe(t->seed, i))
			*t->plain = *t->plain + 1;	/* read, add, write: not one step */
	return 0;
}

static int count_locked(int w, int nw, void *arg, void *out)
{
	const tally *t = arg;
	(void)out;
	for (uint64_t i = t->n * (uint64_t)w / (uint64_t)nw; i < t->n * (uint64_t)(w + 1) / (uint64_t)nw; i++)
		if (ipc_is_ripe(t->seed, i)) {
			pthread_mutex_lock(t->lock);
			++*t->locked;
			pthread_mutex_unlock(t->lock);
		}
	return 0;
}

/* The Python version's list that several workers append to, in shared memory. */
typedef struct shared_list {
	pthread_mutex_t *lock;	/* NULL: no lock */
	volatile uint64_t *len;
	uint64_t *item;
	uint64_t per;		/* appends per worker */
} shared_list;

static int append_items(int w, int nw, void *arg, void *out)
{
	const shared_list *l = arg;
	(void)nw;
	(void)out;
	for (uint64_t i = 0; i < l->per; i++) {
		if (l->lock)
			pthread_mutex_lock(l->lock);
		l->item[*l->len] = (uint64_t)w;	/* two workers may write one slot */
		*l->len = *l->len + 1;
		if (l->lock)
			pthread_mutex_unlock(l->lock);
	}
	return 0;
}

/* Appends PER items from each of PROCS workers, with or without LOCK; rows in R. */
static void append_rows(kit_results *r, int procs, uint64_t per, pthread_mutex_t *lock)
{
	uint64_t total = per * (uint64_t)procs;
	char *mem = kit_shared_alloc(64 + total * 8), *unused = kit_xcalloc((size_t)procs, 1);
	shared_list l = { lock, (volatile uint64_t *)mem, (uint64_t *)(mem + 64), per };
	for (int k = 0; k < 2; k++, l.lock = NULL) {
		*l.len = 0;
		double t0 = kit_wtime();
		int rc = kit_pool_run(procs, append_items, &l, unused, 1, NULL);
		double s = kit_wtime() - t0;
		kit_results_row(r, l.lock ? "list append, mutex" : "list append, no lock");
		kit_results_num(r, "count", (double)*l.len, "%.0f");
		kit_results_num(r, "lost", (double)total - (double)*l.len, "%.0f");
		kit_results_num(r, "seconds", s, "%.3f");
		kit_results_num(r, "ns_per_item", s * 1e9 / (double)total, "%.2f");
		kit_results_valid(r, rc == 0 && *l.len == total,
				  l.lock ? "entries lost with a lock" : "entries lost: no lock (expected)");
	}
	kit_shared_free(mem, 64 + total * 8);
	free(unused);
}

/* Runs variant V (0 plain, 1 mutex, 2 atomic, 3 partial); the count in *C. */
static double run_variant(int v, tally *t, int procs, uint64_t *c)
{
	char *unused = kit_xcalloc((size_t)procs, 1);
	double t0 = kit_wtime();
	int rc = 0;
	*t->plain = *t->locked = 0;
	if (v == 0)
		rc = kit_pool_run(procs, count_plain, t, unused, 1, NULL);
	else if (v == 1)
		rc = kit_pool_run(procs, count_locked, t, unused, 1, NULL);
	else if (v == 2)
		rc = ipc_count_shared(t->n, t->seed, procs, c);
	else
		rc = ipc_count_partial(t->n, t->seed, procs, c);
	double s = kit_wtime() - t0;
	if (v == 0)
		*c = *t->plain;
	if (v == 1)
		*c = *t->locked;
	free(unused);
	return rc ? -1 : s;
}

static int demo_counter(const ipc_demo_opts *o)
{
	intro("the tomato count, by several processes",
	      "without a lock, two processes read the same count, both add 1 and both "
	      "write it back: one increment is lost, more the longer they run side by "
	      "side. A process-shared mutex and an atomic add are right and slow: every "
	      "ripe tomato is a trip to a shared cache line. Partial counts share nothing "
	      "until the end: right and fastest. A list several workers append to without "
	      "a lock loses entries the same way (two write one slot).");
	tally t = { .n = o->quick ? 2000000 : 20000000, .seed = o->seed };
	char *mem = kit_shared_alloc(4096);
	t.plain = (volatile uint64_t *)mem;
	t.locked = (uint64_t *)(mem + 64);
	t.lock = (pthread_mutex_t *)(mem + 128);
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(t.lock, &a);
	uint64_t ref = 0;
	for (uint64_t i = 0; i < t.n; i++)
		ref += (uint64_t)ipc_is_ripe(t.seed, i);
	static const char *const names[] = { "no lock", "process-shared mutex", "C11 atomic",
					     "partial counts" };
	kit_results *r = kit_results_new("ipc-demos", "counter: the tomato count by processes");
	kit_results_config(r, "items", "%llu", (unsigned long long)t.n);
	kit_results_config(r, "ripe", "%llu", (unsigned long long)ref);
	kit_results_config(r, "processes", "%d", o->procs);
	int bad = 0;
	for (int v = 0; v < 4; v++) {
		uint64_t c = 0;
		double s = run_variant(v, &t, o->procs, &c);
		kit_results_row(r, names[v]);
		kit_results_num(r, "count", (double)c, "%.0f");
		kit_results_num(r, "lost", (double)ref - (double)c, "%.0f");
		kit_results_num(r, "seconds", s, "%.3f");
		kit_results_num(r, "ns_per_item", s * 1e9 / (double)t.n, "%.2f");
		kit_results_valid(r, s > 0 && c == ref, v == 0 ? "lost updates: no lock (expected)"
								: "the count is wrong");
		bad += v > 0 && !(s > 0 && c == ref);
		if (v == 0)
			printf("no lock: %llu of %llu increments lost%s\n",
			       (unsigned long long)(ref - c), (unsigned long long)ref,
			       c == ref ? " this time: the processes rarely ran at the same moment "
					  "(a busy machine); run it again" : "");
	}
	append_rows(r, o->procs, t.n / 20, t.lock);	/* the Python version's list */
	printf("\n");
	pthread_mutex_destroy(t.lock);
	kit_shared_free(mem, 4096);
	ipc_out out;
	int rc = ipc_out_open(&out, o->out_dir, "demos", "counter", o->quiet) ||
		 ipc_out_write(&out, r, NULL);
	kit_results_free(r);
	return rc ? KIT_EXIT_USAGE : bad ? KIT_EXIT_INVALID : KIT_EXIT_OK;
}

/* ------------------------------------------------------------------------
 * fib: threads vs processes
 */

static int demo_fib(const ipc_demo_opts *o)
{
	intro("Fibonacci on threads and in processes",
	      "the same answer three ways. In C both threads and processes use every core; "
	      "in Python only processes do (threads take turns holding the interpreter's "
	      "global lock): its authors measured 5 x fib(40) in 167 s on threads and 56 s "
	      "in processes. ./kit bench ipc times the Python version here.");
	size_t n = 5;
	int k[5], base = o->quick ? 33 : 36;
	for (size_t i = 0; i < n; i++)
		k[i] = base;
	uint64_t ref[5], got[5];
	kit_results *r = kit_results_new("ipc-demos", "fib: threads vs processes");
	kit_results_config(r, "tasks", "5 x fib(%d)", base);
	kit_results_config(r, "workers", "%d", o->procs);
	/* the faster of two serial runs: the first also wakes the CPU up */
	double serial = INFINITY, t0;
	for (int run = 0; run < 2; run++) {
		t0 = kit_wtime();
		for (size_t i = 0; i < n; i++)
			ref[i] = ipc_fib(k[i]);
		serial = fmin(serial, kit_wtime() - t0);
	}
	int bad = 0;
	for (int v = 0; v < 3; v++) {
		int before = kit_omp_max_threads(), rc = 0;
		t0 = kit_wtime();
		if (v == 0)
			memcpy(got, ref, sizeof(got));
		else if (v == 1) {
			kit_omp_set_threads(o->procs);
			ipc_fib_threads(k, n, got);
			kit_omp_set_threads(before);
		} else
			rc = ipc_fib_processes(k, n, o->procs, got);
		double s = v == 0 ? serial : kit_wtime() - t0;
		bool same = rc == 0 && !memcmp(got, ref, sizeof(ref));
		kit_results_row(r, v == 0 ? "serial" : v == 1 ? "threads (OpenMP)" : "processes");
		kit_results_num(r, "seconds", s, "%.3f");
		kit_results_num(r, "speedup", serial / s, "%.2f");
		kit_results_valid(r, same, "a value differs from the serial one");
		bad += !same;
	}
	printf("fib(%d) = %llu\n\n", base, (unsigned long long)ref[0]);
	ipc_out out;
	int rc = ipc_out_open(&out, o->out_dir, "demos", "fib", o->quiet) ||
		 ipc_out_write(&out, r, NULL);
	kit_results_free(r);
	return rc ? KIT_EXIT_USAGE : bad ? KIT_EXIT_INVALID : KIT_EXIT_OK;
}

int ipc_demo(const char *name, const ipc_demo_opts *o)
{
	int (*const fns[])(const ipc_demo_opts *) = { demo_pool, demo_messages,
						      demo_fork_memory, demo_counter, demo_fib };
	for (int i = 0; ipc_demo_names[i]; i++)
		if (!strcmp(name, ipc_demo_names[i]))
			return fns[i](o);
	kit_error("no demo '%s'; the demos are: pool, messages, fork-memory, counter, fib",
		  name);
	return KIT_EXIT_USAGE;
}
