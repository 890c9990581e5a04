/*
 * test_poolmap.c - kit_pool_map and kit_shared_alloc (pool.h): every task's
 * record in its slot at any chunk size (1, odd, more than the tasks), no
 * tasks, more workers than tasks; a worker killed in the middle of a chunk
 * is reported and its chunk redone by another; a task that kills every
 * worker it meets, a task that fails and a pool whose workers all die end
 * with -1 and a message, never a hang (an alarm fails the test); every
 * worker reaped each time; shared memory seen by parent and workers.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kit.h"
#include "pool.h"
#include "tap.h"
#include "testutil.h"

/* What a task does, shared with the workers. */
typedef struct plan {
	_Atomic int kills;	/* workers killed so far */
	size_t kill_at;		/* the task that kills its worker */
	int kill_times;		/* ... this many times (then it computes) */
	size_t fail_at;		/* the task that returns 3 (SIZE_MAX: none) */
	_Atomic uint32_t pid_seen[64];
} plan;

static int task(size_t i, void *arg, void *out)
{
	plan *p = arg;
	if (i == p->kill_at && atomic_fetch_add(&p->kills, 1) < p->kill_times)
		raise(SIGKILL);
	if (i == p->fail_at)
		return 3;
	atomic_store(&p->pid_seen[i % 64], (uint32_t)getpid());
	((uint64_t *)out)[0] = i * i + 1;
	((uint64_t *)out)[1] = ~(uint64_t)i;
	return 0;
}

static bool no_children_left(void)
{
	return waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD;
}

static plan *new_plan(void)
{
	plan *p = kit_shared_alloc(sizeof(*p));
	p->kill_at = p->fail_at = SIZE_MAX;
	return p;
}

static bool all_right(const uint64_t (*r)[2], size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (r[i][0] != i * i + 1 || r[i][1] != ~(uint64_t)i)
			return false;
	return true;
}

static void on_alarm(int sig)
{
	(void)sig;
	static const char m[] = "Bail out! kit_pool_map hung for 60 s\n";
	if (write(1, m, sizeof(m) - 1) < 0)
		_exit(1);
	_exit(1);
}

int main(void)
{
	char *argv0[] = { "test_poolmap", NULL };
	kit_init(1, argv0);
	signal(SIGALRM, on_alarm);
	alarm(60);
	enum { N = 1000 };
	uint64_t (*r)[2] = calloc(N, sizeof(*r));
	plan *p = new_plan();
	kit_pool_map_report rep;

	static const size_t chunks[] = { 1, 7, 100, N, 5 * N };
	for (size_t c = 0; c < 5; c++) {
		memset(r, 0, N * sizeof(*r));
		char name[64];
		snprintf(name, sizeof(name), "1000 tasks, chunks of %zu", chunks[c]);
		ok(kit_pool_map(3, N, chunks[c], task, p, r, sizeof(r[0]), &rep) == 0 &&
		   all_right((const uint64_t (*)[2])r, N), name);
		ok(rep.chunks == (N + chunks[c] - 1) / chunks[c] && rep.redone == 0 && rep.lost == 0,
		   "... each chunk handed out once");
		ok(no_children_left(), "... every worker reaped");
	}
	bool others = true;
	for (int i = 0; i < 64; i++)
		others &= p->pid_seen[i] != 0 && p->pid_seen[i] != (uint32_t)getpid();
	ok(others, "the tasks ran in worker processes, which wrote to shared memory");
	ok(kit_pool_map(4, 0, 1, task, p, NULL, 16, &rep) == 0 && rep.chunks == 0,
	   "no tasks: nothing to do");
	memset(r, 0, N * sizeof(*r));
	ok(kit_pool_map(8, 3, 1, task, p, r, sizeof(r[0]), NULL) == 0 &&
	   all_right((const uint64_t (*)[2])r, 3), "more workers than tasks");

	/* A worker killed in the middle of a chunk: the chunk is done elsewhere. */
	p->kill_at = 555;
	p->kill_times = 1;
	memset(r, 0, N * sizeof(*r));
	capture_begin();
	int rc = kit_pool_map(3, N, 10, task, p, r, sizeof(r[0]), &rep);
	char *err = capture_end();
	ok(rc == 0 && all_right((const uint64_t (*)[2])r, N), "a killed worker's chunk is redone");
	ok(rep.lost == 1 && rep.redone == 1, "... reported: one worker lost, one chunk redone");
	ok(err && strstr(err, "was killed by signal 9 (Killed) during tasks 550-559") && strstr(err, "another worker"),
	   "... and said on stderr: which tasks, given to another worker");
	ok(no_children_left(), "... every worker reaped");
	free(err);

	/* A task that kills every worker: reported, not redone twice, no hang. */
	atomic_store(&p->kills, 0);
	p->kill_times = 1000;
	capture_begin();
	rc = kit_pool_map(3, N, 10, task, p, r, sizeof(r[0]), &rep);
	err = capture_end();
	ok(rc == -1 && rep.lost == 2, "a task that kills every worker: -1 after two losses");
	ok(err && strstr(err, "not redone"), "... 'not redone' said on stderr");
	ok(no_children_left(), "... every worker reaped");
	free(err);

	/* One worker, killed: nobody is left to redo its chunk. */
	atomic_store(&p->kills, 0);
	capture_begin();
	rc = kit_pool_map(1, N, 10, task, p, r, sizeof(r[0]), &rep);
	err = capture_end();
	ok(rc == -1 && err && strstr(err, "no worker is left"), "the only worker killed: -1, said");
	ok(no_children_left(), "... reaped");
	free(err);

	/* A task that fails: named, the map ends. */
	p->kill_at = SIZE_MAX;
	p->fail_at = 321;
	capture_begin();
	rc = kit_pool_map(2, N, 50, task, p, r, sizeof(r[0]), &rep);
	err = capture_end();
	ok(rc == -1 && err && strstr(err, "task 321 failed"), "a failing task is named: task 321");
	ok(no_children_left(), "... every worker reaped");
	free(err);

	capture_begin();
	rc = kit_pool_map(0, N, 1, task, p, r, sizeof(r[0]), NULL);
	err = capture_end();
	ok(rc == -1 && err && strstr(err, "use 1 to"), "0 workers: refused with a message");
	free(err);
	kit_shared_free(p, sizeof(*p));
	free(r);
	return tap_done();
}
