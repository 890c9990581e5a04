/*
 * omp.h - the OpenMP runtime's functions for a build without OpenMP.
 *
 * A build with -Dopenmp=disabled (build-serial/, run by ./kit test) compiles
 * every program without -fopenmp: the pragmas are ignored and the program runs
 * on one thread. Calls such as omp_get_thread_num() would still need the
 * OpenMP runtime; this header, found before the compiler's own <omp.h> in that
 * build only, gives them the serial answers the OpenMP specification gives for
 * its stub routines ("Stub Implementation for Runtime Library" in the OpenMP
 * 4.5 and 5.x specifications): one thread, numbered 0, in a team of 1, at
 * nesting level 0; locks that are set and unset, where setting a simple lock
 * that is already set would deadlock (the stub says so and exits). So the same
 * OpenMP code builds and runs both ways, with the same answer.
 *
 * KIT_OMP_STANDIN is defined when this header is the one in use.
 */
#ifndef KIT_SERIAL_OMP_H
#define KIT_SERIAL_OMP_H
#define KIT_OMP_STANDIN 1

#ifdef _OPENMP
#error "src/serial/omp.h is for builds without OpenMP; an OpenMP build uses the compiler's <omp.h>"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef enum omp_sched_t {
	omp_sched_static = 1, omp_sched_dynamic = 2, omp_sched_guided = 3, omp_sched_auto = 4
} omp_sched_t;

typedef enum omp_proc_bind_t {
	omp_proc_bind_false = 0, omp_proc_bind_true = 1, omp_proc_bind_master = 2,
	omp_proc_bind_close = 3, omp_proc_bind_spread = 4
} omp_proc_bind_t;

/* A simple lock: KIT_OMP_LOCK_UNINIT (or garbage) until omp_init_lock. */
typedef struct { int state; } omp_lock_t;
/* A nestable lock: its state and how many times its one owner set it. */
typedef struct { int state; int count; } omp_nest_lock_t;
enum { KIT_OMP_LOCK_UNINIT = 0, KIT_OMP_LOCK_UNSET = 0x6f6d70, KIT_OMP_LOCK_SET };

/* Setting threads changes nothing: there is one. */
static inline void omp_set_num_threads(int n) { (void)n; }
/* Threads in the current team: 1. */
static inline int omp_get_num_threads(void) { return 1; }
/* Threads the next parallel region would use: 1. */
static inline int omp_get_max_threads(void) { return 1; }
/* This thread's number: 0. */
static inline int omp_get_thread_num(void) { return 0; }
/* Processors available to the program: 1, as the specification's stub says. */
static inline int omp_get_num_procs(void) { return 1; }
/* In an active parallel region: never (0). */
static inline int omp_in_parallel(void) { return 0; }
static inline void omp_set_dynamic(int on) { (void)on; }
/* Dynamic adjustment of threads: off (0). */
static inline int omp_get_dynamic(void) { return 0; }
static inline void omp_set_nested(int on) { (void)on; }
/* Nested parallelism: off (0). */
static inline int omp_get_nested(void) { return 0; }
/* Most threads the program may use: 1. */
static inline int omp_get_thread_limit(void) { return 1; }
static inline void omp_set_max_active_levels(int n) { (void)n; }
/* Active levels allowed: 0, none can be active. */
static inline int omp_get_max_active_levels(void) { return 0; }
/* Nesting level of parallel regions, active ones: 0 and 0. */
static inline int omp_get_level(void) { return 0; }
static inline int omp_get_active_level(void) { return 0; }
/* Thread number at LEVEL: 0 at level 0, -1 at any other. */
static inline int omp_get_ancestor_thread_num(int level) { return level == 0 ? 0 : -1; }
/* Team size at LEVEL: 1 at level 0, -1 at any other. */
static inline int omp_get_team_size(int level) { return level == 0 ? 1 : -1; }
static inline void omp_set_schedule(omp_sched_t kind, int chunk) { (void)kind; (void)chunk; }
/* The run-time schedule: static, chunk 0 (the default). */
static inline void omp_get_schedule(omp_sched_t *kind, int *chunk)
{
	*kind = omp_sched_static;
	*chunk = 0;
}
/* Thread binding: none. */
static inline omp_proc_bind_t omp_get_proc_bind(void) { return omp_proc_bind_false; }
/* Cancellation: off (0). */
static inline int omp_get_cancellation(void) { return 0; }
/* Teams and devices: one team (number 0) on the host, no other device. */
static inline int omp_get_num_teams(void) { return 1; }
static inline int omp_get_team_num(void) { return 0; }
static inline int omp_get_num_devices(void) { return 0; }
static inline int omp_get_default_device(void) { return 0; }
static inline int omp_is_initial_device(void) { return 1; }

/* Seconds since some fixed moment in the past (a monotonic clock). */
static inline double omp_get_wtime(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Seconds between ticks of omp_get_wtime's clock. */
static inline double omp_get_wtick(void)
{
	struct timespec ts;
	return clock_getres(CLOCK_MONOTONIC, &ts) == 0 ?
		(double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec : 1e-9;
}

/* What the specification's stubs do with a lock misused: say so, exit 1. */
static inline void kit_omp_lock_error(const char *what)
{
	fprintf(stderr, "error: %s (OpenMP lock, in a build without OpenMP)\n", what);
	exit(1);
}

static inline void omp_init_lock(omp_lock_t *l) { l->state = KIT_OMP_LOCK_UNSET; }
static inline void omp_destroy_lock(omp_lock_t *l) { l->state = KIT_OMP_LOCK_UNINIT; }

/* Sets L; setting it when it is already set can never return (one thread). */
static inline void omp_set_lock(omp_lock_t *l)
{
	if (l->state == KIT_OMP_LOCK_SET)
		kit_omp_lock_error("omp_set_lock of a lock already set: a deadlock");
	if (l->state != KIT_OMP_LOCK_UNSET)
		kit_omp_lock_error("omp_set_lock of a lock not initialized (omp_init_lock)");
	l->state = KIT_OMP_LOCK_SET;
}

static inline void omp_unset_lock(omp_lock_t *l)
{
	if (l->state == KIT_OMP_LOCK_UNSET)
		kit_omp_lock_error("omp_unset_lock of a lock not set");
	if (l->state != KIT_OMP_LOCK_SET)
		kit_omp_lock_error("omp_unset_lock of a lock not initialized (omp_init_lock)");
	l->state = KIT_OMP_LOCK_UNSET;
}

/* Sets L and returns 1 when it was unset; returns 0 when it was set. */
static inline int omp_test_lock(omp_lock_t *l)
{
	if (l->state == KIT_OMP_LOCK_SET)
		return 0;
	if (l->state != KIT_OMP_LOCK_UNSET)
		kit_omp_lock_error("omp_test_lock of a lock not initialized (omp_init_lock)");
	l->state = KIT_OMP_LOCK_SET;
	return 1;
}

static inline void omp_init_nest_lock(omp_nest_lock_t *l)
{
	l->state = KIT_OMP_LOCK_UNSET;
	l->count = 0;
}

static inline void omp_destroy_nest_lock(omp_nest_lock_t *l)
{
	l->state = KIT_OMP_LOCK_UNINIT;
	l->count = 0;
}

/* Sets L once more (its one possible owner is this thread). */
static inline void omp_set_nest_lock(omp_nest_lock_t *l)
{
	if (l->state != KIT_OMP_LOCK_UNSET && l->state != KIT_OMP_LOCK_SET)
		kit_omp_lock_error("omp_set_nest_lock of a lock not initialized (omp_init_nest_lock)");
	l->state = KIT_OMP_LOCK_SET;
	l->count++;
}

static inline void omp_unset_nest_lock(omp_nest_lock_t *l)
{
	if (l->state != KIT_OMP_LOCK_SET)
		kit_omp_lock_error("omp_unset_nest_lock of a lock not set");
	if (--l->count == 0)
		l->state = KIT_OMP_LOCK_UNSET;
}

/* Sets L once more and returns its new nesting count. */
static inline int omp_test_nest_lock(omp_nest_lock_t *l)
{
	omp_set_nest_lock(l);
	return l->count;
}

#endif /* KIT_SERIAL_OMP_H */
