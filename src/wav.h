/*
 * wav.h - WAV files through libsndfile, checked first: a header is a claim,
 * not a size to trust. Reading untrusted WAVs, writing them atomically, and
 * test signals for exercises that read audio.
 *
 *   char why[200];
 *   int fd = kit_wav_open(path, why, sizeof(why));     // regular, header holds
 *   SF_INFO info = {0};
 *   SNDFILE *s = fd < 0 ? NULL : kit_sf_open_fd(fd, SFM_READ, &info);
 *   if (s && kit_wav_check_info(fd, &info, why, sizeof(why)) == 0)
 *           ... sf_readf_float(s, x, info.frames) ...
 *   // sf_close(s), then close(fd)
 *
 * Link with kit_wav_dep (src/meson.build). Messages in WHY give the true
 * cause, with numbers, without the file's name: the caller adds it
 * ("cannot read 'x.wav': truncated: its header promises 8044 bytes, the file
 * has 4022 (...)"). Nothing here prints unless it says so.
 */
#ifndef KIT_WAV_H
#define KIT_WAV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------------
 * The header checked against its file, without libsndfile (wav_check.c)
 */

/* Reads up to LEN bytes at OFFSET of the file behind CTX into BUF: the bytes
 * read (fewer at the end of the file), or -1 on an error. */
typedef long long (*kit_wav_read_at_fn)(void *ctx, long long offset, void *buf, size_t len);

/* What a RIFF/RIFX WAVE header says. */
typedef struct kit_wav_facts {
	int format;		/* format tag: 1 PCM, 3 float (WAVE_FORMAT_EXTENSIBLE: its sub-format) */
	int channels, bits, block_align;
	long long rate;
	long long data_offset;	/* where the samples start */
	long long data_bytes;	/* the data chunk's length */
	long long frames;	/* data_bytes / block_align for PCM and float; -1 for codecs */
} kit_wav_facts;

/* The most chunks kit_wav_check walks before it gives up on a file. */
#define KIT_WAV_MAX_CHUNKS 4096

/*
 * Checks the header of a file of SIZE bytes read through READ(CTX, ...):
 * the RIFF length against the file's size (truncated), every chunk inside the
 * file, one fmt chunk (16 bytes or more, channels >= 1, a block size that
 * matches channels x bits for PCM and float), a data chunk inside the file
 * and holding whole frames. Returns 0 and fills *F when the header holds; 1
 * when the file is not a RIFF/RIFX WAVE file at all (nothing to check here:
 * libsndfile says what it is); -1 with WHY saying what the header claims
 * against what the file has, with the numbers ("its data chunk claims
 * 4294967040 bytes from byte 44; the file has 444"). Reads only the chunk
 * headers and the fmt chunk, never more than KIT_WAV_MAX_CHUNKS of them.
 * Cannot crash on any input (fuzzed).
 */
int kit_wav_check(kit_wav_read_at_fn read, void *ctx, long long size, kit_wav_facts *f,
		  char *why, size_t len);

/* ------------------------------------------------------------------------
 * Reading through libsndfile (wav.c). SF_INFO is <sndfile.h>'s.
 */
struct SF_INFO;

/*
 * sf_open_fd(FD, MODE, INFO, SF_FALSE) as it should behave: FD stays the
 * caller's, open, whatever happens. libsndfile 1.2.0 (Debian 12) closes the
 * descriptor when sf_open_fd fails, even when told not to, so a caller that
 * then closes it too closes a number the system may have given another
 * thread meanwhile (seen: a good output failing with "Bad file descriptor"
 * beside broken inputs). The library gets a duplicate of its own, which it
 * closes on failure and at sf_close. NULL as sf_open_fd (or when no
 * descriptor is left: errno EMFILE).
 */
struct sf_private_tag;	/* SNDFILE of <sndfile.h> */
struct sf_private_tag *kit_sf_open_fd(int fd, int mode, struct SF_INFO *info);

/*
 * Opens PATH for reading, safely: a regular file that is not empty (a FIFO,
 * a folder or a device is refused without ever waiting on it), whose WAV
 * header holds against the file (kit_wav_check). Returns the descriptor, for
 * sf_open_fd (close it after sf_close), or -1 with WHY.
 */
int kit_wav_open(const char *path, char *why, size_t len);

/*
 * What libsndfile accepts but a WAV reader must not, once sf_open_fd has
 * read INFO from FD: a file that is not a WAV (libsndfile reads AIFF, AU,
 * FLAC ... whatever the name says: WHY "not a WAV file (it holds AIFF
 * (Apple/SGI))"), no channels, or frames that disagree with the header's
 * data chunk. Returns 0, or -1 with WHY.
 */
int kit_wav_check_info(int fd, const struct SF_INFO *info, char *why, size_t len);

/* The name libsndfile gives the major format of FORMAT ("AIFF (Apple/SGI)"). */
const char *kit_wav_format_name(int format);

/*
 * Reads all of PATH (kit_wav_open's checks, then libsndfile) as floats:
 * *X a new array of frames x channels samples (caller frees), INFO its
 * header, COMMENT (CLEN bytes; may be NULL) its WAV comment or "". 0, or -1
 * with WHY naming PATH ("cannot read 'x.wav': ...") and *X NULL.
 */
int kit_wav_read(const char *path, struct SF_INFO *info, float **x, char *comment,
		 size_t clen, char *why, size_t len);

/* Reads PATH's header into *INFO (cleared first), with kit_wav_open's
 * checks: 0, or -1 (no message). Never blocks on a FIFO. */
int kit_wav_peek(const char *path, struct SF_INFO *info);

/* ------------------------------------------------------------------------
 * Writing (wav.c) and test signals (wav_make.c)
 */

/*
 * Writes FRAMES frames of X (CHANNELS interleaved, RATE Hz) at PATH as a WAV
 * of sample format SUBFORMAT (SF_FORMAT_FLOAT, SF_FORMAT_PCM_16 ...),
 * atomically (kit_atomic_open: a temporary file renamed when complete). No
 * PEAK chunk (it holds the time: the same samples give the same bytes);
 * integer formats clip at +-1, never wrap. 0, or -1 after a message.
 */
int kit_wav_write(const char *path, const float *x, int64_t frames, int channels, int rate,
		  int subformat);

/*
 * FILES mono float WAVs of SECONDS s at RATE Hz, a 440 Hz tone times
 * AMPLITUDE, named example0.wav ... in DIR (made if missing). A file already
 * there is kept when its header matches; the others are written atomically,
 * with a progress line (VERBOSE: "creating PATH" where there is no bar).
 * 0, or -1 after a message.
 */
int kit_wav_tones(const char *dir, int files, double seconds, int rate, double amplitude,
		  bool verbose);

/*
 * COUNT WAV files in DIR (made if missing), drawn from SEED, in turn of
 * every kind a WAV reader should take: 1, 2, 3, 6 and 8 channels; 8 to
 * 96 kHz; 16-bit, 24-bit and float samples; signals that reach +-1 and, in
 * float files, pass it (up to 2); every fifth file a few frames, the others
 * LENGTH / 20 to LENGTH seconds. COUNT >= 7 covers every kind. Named
 * inKK-CHch-RATEhz-FMT.wav. The same SEED gives the same bytes. 0, or -1
 * after a message.
 */
int kit_wav_make_inputs(const char *dir, uint64_t seed, int count, double length);

#endif /* KIT_WAV_H */
