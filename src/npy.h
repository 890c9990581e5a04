/*
 * npy.h - NumPy's .npy file format, the part the kit uses: a 2-D array of
 * little-endian float64 in C order (rows one after another), as
 * np.save(path, a) writes it for a = np.zeros((rows, cols)).
 *
 * A .npy file is a 6-byte magic "\x93NUMPY", a version (1.0, 2.0 or 3.0), the
 * length of a header (2 bytes in version 1, 4 bytes after), the header (a
 * Python dict literal: {'descr': '<f8', 'fortran_order': False, 'shape':
 * (R, C), } padded with spaces and a newline) and the data, which starts at a
 * multiple of 64 bytes in files NumPy writes.
 */
#ifndef KIT_NPY_H
#define KIT_NPY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kit.h"

/* The most bytes of header kit_npy_parse reads (NumPy writes ~128). */
#define KIT_NPY_MAX_HEADER 65536

typedef struct kit_npy {
	uint64_t rows, cols;	/* shape (rows, cols) */
	uint64_t offset;	/* where the data starts in the file */
	uint64_t bytes;		/* rows * cols * 8 */
} kit_npy;

/*
 * Parses the start of a .npy file, BUF[0..LEN) (at least the whole header;
 * the data need not be there), into *OUT. FILE_SIZE is the whole file's size:
 * the shape must account for it exactly. Returns 0, or -1 with MSG saying
 * what is wrong and what was expected ("not a .npy file: it starts with
 * 'PK..', not \x93NUMPY", "dtype '<f4' (float32); this program reads '<f8'
 * (float64): save with a.astype(np.float64)", "Fortran order: save
 * np.ascontiguousarray(a)", "the file holds 800 bytes of data; shape (10, 20)
 * needs 1600: truncated?"). Never reads outside BUF.
 */
int kit_npy_parse(const void *buf, size_t len, uint64_t file_size, kit_npy *out,
		  kit_buf *msg);

/*
 * Reads and parses the header of the open file FD (NAME for messages; the
 * file offset is not used: pread). 0, or -1 with MSG naming NAME.
 */
int kit_npy_read_header(int fd, const char *name, kit_npy *out, kit_buf *msg);

/*
 * Writes a version 1.0 header for a (ROWS, COLS) float64 C-order array to F
 * (padded so that the data starts at byte 128). 0, or -1 on a write error.
 */
int kit_npy_write_header(FILE *f, uint64_t rows, uint64_t cols);

#endif /* KIT_NPY_H */
