/*
 * etl_io.h - what exercise 04 adds to the kit's WAV files (src/wav.h),
 * shared by the skeleton, the solution and the driver (students do not edit
 * it): per-file error messages, the input checks as per-file results, the
 * outputs' record of how they were made, the output checks and the plain
 * copy the benchmark compares with.
 */
#ifndef ETL_IO_H
#define ETL_IO_H
#include <sndfile.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etl.h"
#include "kit.h"
#include "safeio.h"
#include "wav.h"

/* ------------------------------------------------------------------------
 * For the kernels (etl.c)
 */

/* Marks R failed with a message (printf FMT). Keeps the first message when
 * called twice. Cannot fail. */
void etl_fail(etl_result *r, const char *fmt, ...) KIT_PRINTF(2, 3);

/*
 * Opens the input PATH for reading, safely (kit_wav_open, wav.h): only a
 * regular file that is not empty (a FIFO, a folder or a device gets its own
 * error, and opening never waits), whose WAV header holds against the file
 * (not truncated, no data chunk longer than the file, whole frames). Returns
 * the descriptor (the caller closes it after sf_close), or -1 after
 * etl_fail(R, ...) naming PATH and the true cause.
 */
int etl_open_input(const char *path, etl_result *r);

/*
 * What libsndfile accepts but this ETL must not, once sf_open_fd has read
 * INFO from FD: a file that is not a WAV (libsndfile reads AIFF, AU, FLAC ...
 * whatever the name says), no channels, or frames that disagree with the
 * header's data chunk. Returns 0, or -1 after etl_fail(R, ...) naming PATH.
 */
int etl_check_input(const char *path, int fd, const SF_INFO *info, etl_result *r);

/* A 64-bit hash of the N samples at X (their bits). Cannot fail. */
uint64_t etl_hash_samples(const float *x, size_t n);

/*
 * Records in the output OUT (opened for writing, before its samples are
 * written) how it was made: sigma, seed, the file's key, a hash of the
 * input's samples (IN_HASH) and of the N output samples at Y, as its WAV
 * comment. A later run skips the file only when the record and the samples
 * agree (etl_output_done). Cannot fail: without it a file is redone.
 */
void etl_sign_output(SNDFILE *out, const etl_params *p, uint64_t key, uint64_t in_hash,
		     const float *y, size_t n);

/*
 * True (1) when OUT is already IN's output for P: it carries this ETL's
 * record (etl_sign_output) with P's sigma and seed, the record's hashes match
 * the input's and the output's samples, and 257 samples spread over the file
 * are as defined. 0 otherwise, with WHY saying what is wrong ("" when OUT is
 * not there). Never blocks on a FIFO.
 */
int etl_output_done(const char *in, const char *out, const etl_params *p, char *why, size_t len);

/* ------------------------------------------------------------------------
 * For the driver
 */

/* The rate of the generated inputs (kit_wav_tones, wav.h). */
#define ETL_RATE 44100

/*
 * Compares GOT, an output a student's program wrote (untrusted: it must be a
 * regular file, not a link, of at most the reference's size), with WANT, the
 * reference's output for the same input, byte for byte. CHANNELS (of the
 * input) turns a differing byte into a frame and a channel. Returns 0 when
 * identical, 1 with WHY saying what differs with numbers, -1 with WHY when
 * WANT itself cannot be read.
 */
int etl_compare_output(const char *want, const char *got, int channels, char *why, size_t len);

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

/* The I/O limit: kit_copy_file (safeio.h), IN to OUT byte for byte through
 * the same temporary-file-and-rename as the ETL (fsync included). Returns 0,
 * or -1 after etl_fail(R, ...). Fills R's times (transform 0). */
int etl_copy_file(const char *in, const char *out, etl_result *r);

#endif
