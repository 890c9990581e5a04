/*
 * pool.h - a process pool for students: split the work, say how many
 * workers, and get one fixed-size result record back from each.
 *
 *   struct job { uint64_t n, seed; };
 *   static int count_share(int w, int nw, void *arg, void *out)
 *   {
 *           const struct job *j = arg;
 *           *(uint64_t *)out = count_range(j->seed, w * j->n / nw, (w + 1) * j->n / nw);
 *           return 0;
 *   }
 *   uint64_t counts[4];
 *   if (kit_pool_run(4, count_share, &job, counts, sizeof(counts[0]), NULL))
 *           return -1;   // each failed worker was reported on stderr
 *
 * How it works: kit_pool_run forks NWORKERS children, each with its own
 * pipe. Worker W calls FN(W, NWORKERS, ARG, record) on its own copy of the
 * parent's memory, writes the RECORD_SIZE bytes of its record to the pipe and
 * leaves with _exit (never exit: the parent's stdio buffers are not flushed
 * twice). The parent reads every pipe as data arrives (poll), so large
 * records cannot deadlock, then reaps every child with waitpid. Every system
 * call is retried on EINTR. A worker killed by a signal, or one that exits
 * before sending its whole record, closes its pipe: the parent sees the end of
 * the file and reports it; nothing waits forever on a dead worker. A worker
 * dies with the thread that started it (PR_SET_PDEATHSIG): a parent stopped
 * by Ctrl-C leaves no worker computing on (so start pools from the main
 * thread, not from inside a parallel region).
 *
 * Rules for FN: it must not use OpenMP. libgomp's threads do not survive
 * fork(): a child that opens a parallel region after the parent has used one
 * can hang. Fork first (kit_pool_run before any parallel region in the
 * parent, or in a program that runs no OpenMP at all), or keep the workers
 * serial. FN's return value is the worker's verdict: 0 ok, else a failure
 * (its low 7 bits become the exit status, 1 when they are 0).
 */
#ifndef KIT_POOL_H
#define KIT_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* What became of one worker. */
typedef enum kit_pool_state {
	KIT_POOL_OK,		/* sent its whole record and exited 0 */
	KIT_POOL_FAILED,	/* FN returned non-zero: CODE is its exit status */
	KIT_POOL_KILLED,	/* killed by signal CODE */
	KIT_POOL_SHORT,		/* exited 0 but sent GOT bytes, not the whole record */
	KIT_POOL_NOT_STARTED,	/* fork failed (CODE is errno) */
} kit_pool_state;

typedef struct kit_pool_worker {
	pid_t pid;		/* 0 when not started */
	kit_pool_state state;
	int code;		/* exit status, signal number or errno (see state) */
	size_t got;		/* bytes of its record received */
} kit_pool_worker;

/* A worker's job: W in [0, NW), ARG as given to kit_pool_run, OUT the
 * worker's record (RECORD_SIZE bytes, zeroed). Returns 0 on success. */
typedef int (*kit_pool_fn)(int w, int nw, void *arg, void *out);

/* The most workers and the largest record kit_pool_run accepts. */
#define KIT_POOL_MAX_WORKERS 1024
#define KIT_POOL_MAX_RECORD (64u << 20)

/*
 * Runs FN in NWORKERS child processes (1..KIT_POOL_MAX_WORKERS) and stores
 * worker W's record at RECORDS + W * RECORD_SIZE (RECORD_SIZE in
 * 1..KIT_POOL_MAX_RECORD). REPORT (NWORKERS entries, may be NULL) gets what
 * became of each worker. Returns 0 when every worker sent its whole record
 * and exited 0; otherwise -1 after one line on stderr per failed worker
 * ("worker 2 of 4 (pid 1234) was killed by signal 9 (Killed)"). Every worker
 * started has been reaped when it returns, whatever happened; the records of
 * failed workers are left zeroed or partial.
 */
int kit_pool_run(int nworkers, kit_pool_fn fn, void *arg, void *records,
		 size_t record_size, kit_pool_worker *report);

/* "sent its record", "failed with exit status 3", "was killed by signal 9
 * (Killed)", "exited after sending 4 of 8 bytes", "could not be started
 * (Resource temporarily unavailable)": W's state in words, in static storage
 * overwritten by the next call. Cannot fail. */
const char *kit_pool_describe(const kit_pool_worker *w, size_t record_size);



/* ------------------------------------------------------------------------
 * kit_pool_map: many small tasks, handed out in chunks (Python's
 * Pool.map(fn, range(ntasks), chunksize)), and memory the workers share.
 *
 *   static int square(size_t i, void *arg, void *out)
 *   {
 *           *(uint64_t *)out = (uint64_t)i * i;
 *           return 0;
 *   }
 *   uint64_t sq[1000];
 *   if (kit_pool_map(4, 1000, 50, square, NULL, sq, sizeof(sq[0]), NULL))
 *           return -1;   // what went wrong was reported on stderr
 *
 * How it works: kit_pool_map forks NWORKERS children, each joined to the
 * parent by a socket pair. The parent sends a worker the range of its next
 * CHUNK tasks (16 bytes) and gets back one record per task; a worker that
 * sends its chunk's last record is given the next chunk at once, so fast
 * workers take more chunks (dynamic scheduling). Each chunk costs one round
 * trip, a few microseconds: tasks much shorter than that want big chunks;
 * a few long tasks want chunks of 1 so that every worker gets some.
 *
 * Faults: a worker killed (or exiting) in the middle of a chunk is reported
 * on stderr and its chunk is given to another live worker, once; a chunk
 * that loses a second worker, a task whose FN returns non-zero, or running
 * out of workers ends the map with -1 and a message naming the tasks. The
 * parent never waits on a dead worker: its socket reads as end of file.
 * Every worker is reaped before kit_pool_map returns. The same rules as
 * kit_pool_run for FN: no OpenMP in the workers.
 */

/* One task: computes task I into OUT (RECORD_SIZE bytes, zeroed). Returns 0
 * on success; non-zero fails the map (the task is named on stderr). */
typedef int (*kit_pool_task_fn)(size_t i, void *arg, void *out);

/* What a map did (for demos and tests). */
typedef struct kit_pool_map_report {
	size_t chunks;		/* chunks handed out, redone ones included */
	size_t redone;		/* chunks given to a second worker */
	int lost;		/* workers that died in the middle of a chunk */
} kit_pool_map_report;

/*
 * Runs tasks 0..NTASKS-1 in NWORKERS (1..KIT_POOL_MAX_WORKERS) child
 * processes, CHUNK (>= 1) consecutive tasks per message, storing task I's
 * record at RECORDS + I * RECORD_SIZE (RECORD_SIZE in 1..KIT_POOL_MAX_RECORD;
 * NTASKS * RECORD_SIZE bytes). NTASKS may be 0 (nothing is forked). REPORT
 * may be NULL. Returns 0 when every task's record arrived; -1 after one line
 * on stderr per fault (see above), records of unfinished tasks undefined.
 */
int kit_pool_map(int nworkers, size_t ntasks, size_t chunk, kit_pool_task_fn fn, void *arg,
		 void *records, size_t record_size, kit_pool_map_report *report);

/*
 * SIZE bytes of zeroed memory shared with every process forked after this
 * call (mmap MAP_SHARED | MAP_ANONYMOUS): a worker's write there is seen by
 * the parent and the other workers, unlike a write to any other variable,
 * which only changes the worker's own copy. Nothing is left in /dev/shm,
 * whatever way the program ends. Never NULL: aborts with a message, as
 * kit_xmalloc does, when the system has no memory. Free with
 * kit_shared_free(P, SIZE).
 */
void *kit_shared_alloc(size_t size);

/* Unmaps what kit_shared_alloc(SIZE) returned; NULL is allowed. */
void kit_shared_free(void *p, size_t size);

#endif /* KIT_POOL_H */
