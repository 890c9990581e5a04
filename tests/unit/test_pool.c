/*
 * test_pool.c - the process pool (pool.h): records come back in worker
 * order, large records do not deadlock, a crashing worker, one that exits
 * early and one that fails are reported as such, signals (EINTR) during the
 * run change nothing, and no child is left unreaped.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kit.h"
#include "pool.h"
#include "tap.h"
#include "testutil.h"

/* Each worker sends (w, nw, its pid). */
static int identify(int w, int nw, void *arg, void *out)
{
	uint64_t *r = out;
	r[0] = (uint64_t)w;
	r[1] = (uint64_t)nw;
	r[2] = (uint64_t)getpid();
	r[3] = *(uint64_t *)arg;
	return 0;
}

/* A 1 MiB record filled with w: larger than any pipe buffer. */
#define BIG (1u << 20)
static int big(int w, int nw, void *arg, void *out)
{
	(void)nw;
	(void)arg;
	memset(out, 'a' + w, BIG);
	return 0;
}

/* Worker 1 crashes (abort), worker 2 exits early without a record, worker 3 fails. */
static int misbehave(int w, int nw, void *arg, void *out)
{
	(void)nw;
	(void)arg;
	*(uint64_t *)out = 42;
	if (w == 1)
		abort();	/* SIGABRT: ASan's SIGSEGV handler would turn a segfault into exit 1 */
	if (w == 2)
		_exit(0);
	if (w == 3)
		return 3;
	return 0;
}

/* Sleeps 50 ms (restarting after signals), then answers. */
static int slow(int w, int nw, void *arg, void *out)
{
	(void)nw;
	(void)arg;
	struct timespec t = { 0, 50000000 };
	while (nanosleep(&t, &t) && errno == EINTR)
		;
	*(uint64_t *)out = (uint64_t)w + 100;
	return 0;
}

static volatile sig_atomic_t ticks;
static void on_alarm(int sig)
{
	(void)sig;
	ticks++;
}

static bool no_children_left(void)
{
	return waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD;
}

int main(void)
{
	char *argv0[] = { "test_pool", NULL };
	kit_init(1, argv0);

	uint64_t tag = 77, rec[5][4];
	kit_pool_worker rep[5];
	ok(kit_pool_run(5, identify, &tag, rec, sizeof(rec[0]), rep) == 0, "5 workers succeed");
	bool order = true;
	for (int w = 0; w < 5; w++)
		order &= rec[w][0] == (uint64_t)w && rec[w][1] == 5 && rec[w][3] == 77 &&
			 rec[w][2] == (uint64_t)rep[w].pid && rep[w].state == KIT_POOL_OK &&
			 rep[w].pid != getpid();
	ok(order, "each record in its worker's slot, from another process, with ARG");
	ok(no_children_left(), "every worker reaped");

	char *bigrec = malloc(3 * (size_t)BIG);
	ok(kit_pool_run(3, big, NULL, bigrec, BIG, NULL) == 0, "three 1 MiB records");
	ok(bigrec[0] == 'a' && bigrec[BIG - 1] == 'a' && bigrec[BIG] == 'b' &&
	   bigrec[3 * (size_t)BIG - 1] == 'c', "... arrive whole, no deadlock");
	free(bigrec);

	uint64_t out[4];
	capture_begin();
	int rc = kit_pool_run(4, misbehave, NULL, out, sizeof(out[0]), rep);
	char *err = capture_end();
	ok(rc == -1, "a pool with failing workers returns -1");
	ok(rep[0].state == KIT_POOL_OK && out[0] == 42, "the good worker's record kept");
	ok(rep[1].state == KIT_POOL_KILLED && rep[1].code == SIGABRT, "a crash: killed by SIGABRT");
	ok(rep[2].state == KIT_POOL_SHORT && rep[2].got == 0, "an early exit: short record");
	ok(rep[3].state == KIT_POOL_FAILED && rep[3].code == 3, "a failure: exit status 3");
	ok(err && strstr(err, "worker 2 of 4") && strstr(err, "was killed by signal 6") &&
	   strstr(err, "worker 3 of 4") && strstr(err, "sending 0 of 8 bytes") &&
	   strstr(err, "worker 4 of 4") && strstr(err, "exit status 3") &&
	   !strstr(err, "worker 1 of 4"), "one line per failed worker, none for the good one");
	free(err);
	ok(no_children_left(), "every worker reaped after failures");

	/* Signals every millisecond, without SA_RESTART: every call sees EINTR. */
	struct sigaction sa = { .sa_handler = on_alarm };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	rc = kit_pool_run(4, slow, NULL, out, sizeof(out[0]), rep);
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	ok(ticks > 5, "signals arrived during the run");
	ok(rc == 0 && out[0] == 100 && out[3] == 103, "EINTR: the pool still succeeds");
	ok(no_children_left(), "every worker reaped under signals");

	capture_begin();
	rc = kit_pool_run(0, identify, &tag, rec, sizeof(rec[0]), NULL);
	err = capture_end();
	ok(rc == -1 && err && strstr(err, "use 1 to"), "0 workers: an error saying the range");
	free(err);
	kit_pool_worker k = { .pid = 9, .state = KIT_POOL_KILLED, .code = SIGKILL };
	ok(strstr(kit_pool_describe(&k, 8), "killed by signal 9") != NULL, "describe a killed worker");
	return tap_done();
}
