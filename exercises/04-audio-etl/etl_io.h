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
 * Opens the input PATH for reading, safely: only a regular file that is not
 * empty (a FIFO, a folder or a device gets its own error, and opening never
 * waits: O_NONBLOCK), whose WAV header holds against the file (etl_wav.h: a
 * truncated file, a data chunk longer than the file, frames that are not
 * whole). Returns the descriptor (the caller closes it after sf_close), or -1
 * after etl_fail(R, ...) naming PATH and the true cause.
 */
int etl_open_input(const char *path, etl_result *r);

/*
 * What libsndfile accepts but this ETL must not, once sf_open_fd has read
 * INFO from FD: a file that is not a WAV (libsndfile reads AIFF, AU, FLAC ...
 * whatever the name says), no channels, or frames that disagree with the
 * header's data chunk. Returns 0, or -1 after etl_fail(R, ...) naming PATH.
 */
int etl_check_input(const char *path, int fd, const SF_INFO *info, etl_result *r);

/* Opens PATH read-only without ever blocking (O_NONBLOCK, cleared after):
 * the descriptor when it is a regular file (and not empty, unless
 * ALLOW_EMPTY); else -1 with WHY, the true cause without the name
 * ("No such file or directory", "it is a FIFO (named pipe), not a file",
 * "it is empty (0 bytes)"). */
int etl_open_regular(const char *path, bool allow_empty, char *why, size_t len);

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

/* S with its control characters and backslashes escaped (\n, \t, \x1b,
 * a doubled backslash), cut to fit LEN bytes: a file name, or a message that
 * names files, kept on one line of output. Returns OUT. Cannot fail. */
const char *etl_printable(const char *s, char *out, size_t len);

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

/*
 * The inputs of a grading run (--make-inputs DIR --seed S --count K): K WAV
 * files in DIR (made if missing), in turn of every kind the exercise
 * promises: 1, 2, 3, 6 and 8 channels; 8 to 96 kHz; 16-bit, 24-bit and float
 * samples; signals that reach +-1, and in float files pass it (up to 2);
 * lengths from 1 frame to LENGTH seconds, all drawn from S (every fifth file
 * a few frames, the others LENGTH / 20 to LENGTH). K >= 7 covers every kind.
 * Named inKK-CHch-RATEhz-FMT.wav. Returns 0, or -1 after a message.
 */
int etl_make_inputs(const char *dir, uint64_t seed, int count, double length);

/* Reads all of PATH, which must be a regular file (not a link, FIFO or
 * folder) of at most LIMIT bytes, into a new buffer (NUL-terminated; caller
 * frees); *LEN its length. NULL with WHY ("is missing", "is a folder, not a
 * file" ...), naming nothing: the caller adds the name. */
unsigned char *etl_slurp(const char *path, size_t limit, size_t *len, char *why, size_t wlen);

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

/* Reads PATH's header into *INFO (cleared first); 0, or -1 (no message).
 * Regular files only: never blocks on a FIFO. */
int etl_peek(const char *path, SF_INFO *info);

/* The I/O limit: copies IN to OUT byte for byte with read(2) and write(2),
 * through the same temporary-file-and-rename as the ETL (fsync included).
 * Returns 0, or -1 after etl_fail(R, ...). Fills R's times (transform 0). */
int etl_copy_file(const char *in, const char *out, etl_result *r);

/* Bytes of file PATH, or -1. */
long long etl_file_size(const char *path);

#endif
