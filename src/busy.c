/*
 * busy.c - which threads worked (kit.h): snapshots each thread's CPU time
 * from /proc/self/task/TID/stat (utime + stime, in clock ticks) and counts,
 * at the end, the threads that did a fair part of the CPU work done meanwhile.
 * This tells a student whether a parallel region really ran in parallel
 * (e.g. two threads busy) or one thread did all the work.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kit.h"

struct thread_ticks {
	long tid;
	unsigned long long ticks;
};

struct kit_busy {
	struct thread_ticks *t;
	size_t n;
};

/* utime + stime of one thread, or -1 (it may have exited meanwhile). */
static int read_ticks(long tid, unsigned long long *out)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/self/task/%ld/stat", tid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	/* The command name (field 2) may hold spaces and parentheses: fields
	 * are counted from the last ')'. utime and stime are fields 14, 15. */
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* Skip fields 3 (state) to 13 (cmajflt). */
	p++;
	for (int field = 3; field <= 13; field++) {
		while (*p == ' ')
			p++;
		while (*p && *p != ' ')
			p++;
	}
	unsigned long long utime, stime;
	if (sscanf(p, "%llu %llu", &utime, &stime) != 2)
		return -1;
	*out = utime + stime;
	return 0;
}

/* Every thread of this process and its ticks now; -1 when /proc is unreadable. */
static int snapshot(struct thread_ticks **out, size_t *n)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	struct thread_ticks *v = NULL;
	size_t nv = 0, cap = 0;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char *end;
		long tid = strtol(e->d_name, &end, 10);
		unsigned long long ticks;
		if (*end || tid <= 0 || read_ticks(tid, &ticks))
			continue;
		if (nv == cap) {
			cap = cap ? 2 * cap : 16;
			struct thread_ticks *nvp = kit_xrealloc(v, cap * sizeof(*v));
			v = nvp;
		}
		v[nv].tid = tid;
		v[nv].ticks = ticks;
		nv++;
	}
	closedir(d);
	if (nv == 0) {
		free(v);
		return -1;
	}
	*out = v;
	*n = nv;
	return 0;
}

kit_busy *kit_busy_begin(void)
{
	kit_busy *b = kit_xcalloc(1, sizeof(*b));
	if (snapshot(&b->t, &b->n)) {
		b->t = NULL;
		b->n = 0;
	}
	return b;
}

int kit_busy_end(kit_busy *b, double fraction)
{
	struct thread_ticks *t;
	size_t n;
	int busy = 0;

	if (!b->t || snapshot(&t, &n)) {
		free(b->t);
		free(b);
		return -1;
	}
	/* Each thread's ticks during the span; a thread created meanwhile counts from 0. */
	unsigned long long *d = kit_xcalloc(n, sizeof(*d)), total = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned long long before = 0;
		for (size_t j = 0; j < b->n; j++)
			if (b->t[j].tid == t[i].tid) {
				before = b->t[j].ticks;
				break;
			}
		d[i] = t[i].ticks >= before ? t[i].ticks - before : 0;
		total += d[i];
	}
	/* A share of what the process really got, not of the wall time: on a
	 * loaded machine every thread gets less, but the shares stay put. */
	double share = (double)total / (double)kit_omp_max_threads();
	for (size_t i = 0; i < n; i++)
		if (d[i] > 0 && (double)d[i] >= fraction * share)
			busy++;
	free(d);
	free(t);
	free(b->t);
	free(b);
	return busy;
}
