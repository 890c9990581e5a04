/*
 * etl_wav.h - the kit's own check of a WAV header against its file, before
 * libsndfile reads it: a header is a claim, not a size to trust. Shared;
 * students do not edit it. Fuzzed by tests/ex04/fuzz_wav.c.
 */
#ifndef ETL_WAV_H
#define ETL_WAV_H
#include <stddef.h>

/* Reads up to LEN bytes at OFFSET of the file behind CTX into BUF: the bytes
 * read (fewer at the end of the file), or -1 on an error. */
typedef long long (*etl_read_at_fn)(void *ctx, long long offset, void *buf, size_t len);

/* What a RIFF/RIFX WAVE header says. */
typedef struct etl_wav_facts {
	int format;		/* format tag: 1 PCM, 3 float (WAVE_FORMAT_EXTENSIBLE: its sub-format) */
	int channels, bits, block_align;
	long long rate;
	long long data_offset;	/* where the samples start */
	long long data_bytes;	/* the data chunk's length */
	long long frames;	/* data_bytes / block_align for PCM and float; -1 for codecs */
} etl_wav_facts;

/* The most chunks etl_wav_check walks before it gives up on a file. */
#define ETL_WAV_MAX_CHUNKS 4096

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
 * headers and the fmt chunk, never more than ETL_WAV_MAX_CHUNKS of them.
 * Cannot crash on any input (fuzzed).
 */
int etl_wav_check(etl_read_at_fn read, void *ctx, long long size, etl_wav_facts *f, char *why,
		  size_t len);

#endif
