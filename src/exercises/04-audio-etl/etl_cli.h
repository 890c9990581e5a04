/*
 * etl_cli.h - what the program of exercise 04 (etl_main.c: options, the job,
 * grading) and its checks (etl_checks.c) share. Not for students.
 */
#ifndef ETL_CLI_H
#define ETL_CLI_H
#include <stdbool.h>
#include <stddef.h>

#include "etl.h"

#define MAX_WORKERS 256

/* The command line, parsed (etl_main.c). */
struct options {
	int mode;			/* enum etl_mode, or -1: all */
	bool mode_set;
	int *threads;			/* --threads; NULL: the current max threads */
	size_t nthreads;
	int procs;			/* --procs; 0: as many as threads */
	const char *dest;
	bool force, time, verify;
	int files;
	double seconds;
	etl_params p;
	bool validate, expect_parallel, expect_serial_open, expect_children;
	bool check_broken, check_kill;
	int *same_across;
	size_t nsame;
	const char *json, *csv, *png;
	bool chart, quiet, cold;
	const char *demo, *out;
	bool bench, quick;
	const char *emit;		/* --emit DIR */
	const char *verify_dirs;	/* --verify DIR[,DIR...] */
	const char *input;		/* --input DIR */
	const char *make_inputs;	/* --make-inputs DIR */
	int count;			/* --count K */
	double length;			/* --length S: --make-inputs' longest file */
	int passes;			/* --passes P: --emit runs the job P times */
	char **args;			/* input files and folders */
	size_t nargs;
};

/* What to look at when MODE fails a check, in the student's words. */
const char *etl_hint_of(int mode);

/* The workers of MODE: --procs for processes, else THREADS. */
int etl_workers_of(const struct options *o, int mode, int threads);

/* The inputs of this run: --input, the operands, or the generated set; N
 * their count; DEFAULT_DEST the generated set's output folder (else "").
 * NULL after a message. */
char **etl_inputs_of(const struct options *o, bool verbose, size_t *n, char *default_dest,
		     size_t len);

/* The base name of PATH (after the last '/'). */
const char *etl_base_of(const char *path);

/* The check modes (--validate, --expect-*, --same-across, --check-*): one
 * line each, the last PASS: or FAIL:. Returns the exit status. */
int etl_run_checks(const struct options *o);

#endif
