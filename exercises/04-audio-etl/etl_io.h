/*
 * etl_io.h - the plumbing of exercise 04, shared by the skeleton, the
 * solution and the driver (students do not edit it): per-file error
 * messages, the checks libsndfile does not make, the generated inputs, the
 * output checks and the plain copy the benchmark compares with.
 */
#ifndef ETL_IO_H
#define ETL_IO_H
#include <sndfile.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etl.h"
#include "kit.h"

/* ------------------------------------------------------------------------
 * For the kernels (etl.c)
 */

/* Marks R failed with a message (printf FMT). Keeps the first message when
 * called twice. Cannot fail. */
void etl_fail(etl_result *r, const char *fmt, ...) KIT_PRINTF(2, 3);

/*
 * What libsndfile accepts but this ETL must not: a file that is not a WAV
 * (libsndfile reads AIFF, AU, FLAC ... whatever the name says), no channels,
 * or a truncated WAV. libsndfile opens a truncated WAV without an error and
 * reads the frames that are there; the RIFF header says how long the file
 * should be, and this compares it with the file's size. Returns 0, or -1
 * after etl_fail(R, ...) naming PATH.
 */
int etl_check_input(const char *path, const SF_INFO *info, etl_result *r);

/* Reads exactly LEN bytes from FD, retrying short reads and EINTR: 1 when
 * it did, 0 at end of file before the first byte, -1 on an error or an end
 * of file midway. No message. */
int etl_read_full(int fd, void *buf, size_t len);

/* Writes all LEN bytes of BUF to FD, retrying short writes and EINTR: 0, or
 * -1 with errno set. No message. */
int etl_write_full(int fd, const void *buf, size_t len);

/* ------------------------------------------------------------------------
 * For the driver
 */

/* The generated inputs: FILES float WAVs of SECONDS s each, a 440 Hz tone
 * times AMPLITUDE (0.0, as the seed), 44.1 kHz, mono, named example0.wav ...
 * in DIR. Creates what is missing, each file atomically; a file already there
 * is trusted when its header matches. Returns 0, or -1 with a message. */
#define ETL_RATE 44100
int etl_generate(const char *dir, int files, double seconds, double amplitude, bool verbose);

/* The facts of one output check. */
typedef struct etl_check {
	bool ok;
	char why[256];		/* when !ok: what is wrong, naming the file */
	int64_t frames;
	double sum_sq;		/* sum of (out - in)^2 over unclipped samples ... */
	int64_t count;		/* ... and how many there were */
	int64_t clipped;	/* samples at exactly -1 or 1 */
	uint64_t hash;		/* FNV-1a of the output's samples: compares runs */
} etl_check;

/* Checks the output OUT of input IN: same frames, channels and rate; every
 * sample in [-1, 1]; every sample exactly etl_noisy(in[i], ...) (the
 * definition); the noise's statistics for the sigma test. Fills *C. Returns
 * 0 when it could check (C->ok the verdict), -1 if IN cannot be read. */
int etl_check_output(const char *in, const char *out, const etl_params *p, etl_check *c);

/* Reads PATH's header into *INFO (cleared first); 0, or -1 (no message). */
int etl_peek(const char *path, SF_INFO *info);

/* The I/O limit: copies IN to OUT byte for byte with read(2) and write(2),
 * through the same temporary-file-and-rename as the ETL (fsync included).
 * Returns 0, or -1 after etl_fail(R, ...). Fills R's times (transform 0). */
int etl_copy_file(const char *in, const char *out, etl_result *r);

/* Bytes of file PATH, or -1. */
long long etl_file_size(const char *path);

#endif
