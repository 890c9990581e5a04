/*
 * ooc.h - exercise 07, larger than memory: the mean of every column of a
 * float64 array stored in a .npy file, read a chunk of rows at a time so that
 * the program never holds more than a memory budget (--mem) of the array.
 * The kernels, one per step, are yours in ooc.c; their signatures are fixed.
 *
 * Every kernel gets the open file F and fills MEANS[0..F->cols) with the
 * column means: MEANS[j] = (sum over rows i of x[i][j]) / F->rows, within
 * 64 u mean(|x[.][j]|) of the exact value (u = 2^-53, the rounding unit of
 * double). It allocates at most F->mem bytes of buffers in all. Returns 0, or
 * -1 after printing what went wrong (ooc_read_rows prints for you).
 */
#ifndef OOC_H
#define OOC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The most columns a file may have (the program refuses more). */
#define OOC_MAX_COLS 64

/* The array in the file: ROWS x COLS doubles, row after row, from OFFSET. */
typedef struct ooc_file {
	int fd;			/* open for reading */
	const char *name;	/* for messages */
	uint64_t rows, cols;	/* the shape */
	uint64_t offset;	/* the first byte of row 0 */
	size_t mem;		/* the memory budget for buffers, in bytes (--mem) */
} ooc_file;

/* Step 1: chunks read one after another with read (pread), summed serially. */
int ooc_serial(const ooc_file *f, double *means);
/* Step 2: the same, each chunk's rows shared by threads, an array reduction. */
int ooc_threads(const ooc_file *f, double *means);
/* Step 3: one thread reads chunk k+1 while another sums chunk k. */
int ooc_overlap(const ooc_file *f, double *means);
/* Step 4: the file mapped into memory (mmap) a window at a time. */
int ooc_mmap(const ooc_file *f, double *means);

/* Given (src/exercises/07-out-of-core/ooc_io.c): */

/* How many whole rows fit in BYTES (at least 1). */
uint64_t ooc_rows_in(const ooc_file *f, size_t bytes);

/*
 * Reads rows [FIRST, FIRST + N) of F into BUF (N * F->cols doubles) with
 * pread, going on after short reads and interruptions. 0, or -1 after printing
 * which rows could not be read and why (rows past F->rows are refused before
 * any read: the last chunk holds F->rows - FIRST rows).
 */
int ooc_read_rows(const ooc_file *f, uint64_t first, uint64_t n, double *buf);

/* Writes a .npy file of ROWS x COLS float64 for SEED to F (the exercise's
 * arrays: ooc_io.c says what the columns hold). 0, or -1 on a write error. */
int ooc_write_npy(FILE *f, uint64_t rows, uint64_t cols, uint64_t seed);

#endif /* OOC_H */
