/*
 * NAME
 *   etl_probe.c - watches how many threads are inside sf_open at once, for
 *   the check --expect-serial-open (etl_probe.h). Shared; students do not edit it.
 *
 * NOTES
 *   The programs link with -Wl,--wrap=sf_open,--wrap=sf_open_fd: every call
 *   to sf_open in etl.c reaches __wrap_sf_open below, which counts the
 *   callers inside it, optionally lingers DELAY_US microseconds (so that two
 *   unguarded calls almost surely overlap), then calls the real one. With
 *   the opens in a critical section, no two callers are ever inside at once.
 *   It also keeps a descriptor etl.c passes with SF_FALSE open whatever
 *   libsndfile does (below).
 */
#include <fcntl.h>
#include <sndfile.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "etl_probe.h"

SNDFILE *__real_sf_open(const char *path, int mode, SF_INFO *info);
SNDFILE *__real_sf_open_fd(int fd, int mode, SF_INFO *info, int close_desc);
SNDFILE *__wrap_sf_open(const char *path, int mode, SF_INFO *info);
SNDFILE *__wrap_sf_open_fd(int fd, int mode, SF_INFO *info, int close_desc);

#define MAX_TIDS 64
static atomic_int inside, most, delay_us, ntids;
static atomic_long opens;
static atomic_int tids[MAX_TIDS];

void etl_probe_reset(int delay)
{
	atomic_store(&inside, 0);
	atomic_store(&most, 0);
	atomic_store(&opens, 0);
	atomic_store(&delay_us, delay);
	for (int i = 0; i < MAX_TIDS; i++)
		atomic_store(&tids[i], 0);
	atomic_store(&ntids, 0);
}

int etl_probe_threads(void)
{
	return atomic_load(&ntids);
}

/* Adds this thread to the set of openers (first MAX_TIDS threads). */
static void note_thread(void)
{
	int me = (int)gettid();
	for (int i = 0; i < MAX_TIDS; i++) {
		int t = atomic_load(&tids[i]);
		if (t == me)
			return;
		if (t == 0) {
			int zero = 0;
			if (atomic_compare_exchange_strong(&tids[i], &zero, me)) {
				atomic_fetch_add(&ntids, 1);
				return;
			}
			if (atomic_load(&tids[i]) == me)
				return;
		}
	}
}

int etl_probe_most(void)
{
	return atomic_load(&most);
}

long etl_probe_opens(void)
{
	return atomic_load(&opens);
}

static void enter(void)
{
	int now = atomic_fetch_add(&inside, 1) + 1, m = atomic_load(&most);
	while (now > m && !atomic_compare_exchange_weak(&most, &m, now))
		;
	atomic_fetch_add(&opens, 1);
	note_thread();
	int d = atomic_load(&delay_us);
	if (d > 0) {
		struct timespec ts = { 0, 1000L * d };
		nanosleep(&ts, NULL);
	}
}

SNDFILE *__wrap_sf_open(const char *path, int mode, SF_INFO *info)
{
	enter();
	SNDFILE *s = __real_sf_open(path, mode, info);
	atomic_fetch_sub(&inside, 1);
	return s;
}

/* With CLOSE_DESC false, libsndfile 1.2.0 still closes FD when the open
 * fails, and etl.c then closes it too: another thread's file, if the number
 * was given out again in between. The library gets a duplicate of its own
 * (kit_sf_open_fd's rule, src/wav.h), so that FD stays etl.c's to close. */
SNDFILE *__wrap_sf_open_fd(int fd, int mode, SF_INFO *info, int close_desc)
{
	enter();
	int own = close_desc ? fd : fcntl(fd, F_DUPFD_CLOEXEC, 0);
	SNDFILE *s = own < 0 ? NULL : __real_sf_open_fd(own, mode, info, SF_TRUE);
	atomic_fetch_sub(&inside, 1);
	return s;
}
