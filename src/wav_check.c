/*
 * NAME
 *   wav_check.c - checks a WAV header against its file (wav.h,
 *   kit_wav_check): plain C, no libsndfile, fuzzed by tests/ex04/fuzz_wav.c.
 *
 * NOTES
 *   RIFF: "RIFF" (little-endian) or "RIFX" (big-endian), the length of what
 *   follows, "WAVE", then chunks: a 4-byte id, a 4-byte length, the bytes,
 *   one pad byte when the length is odd. All arithmetic is in 64 bits on
 *   values of at most 32 bits, so no sum overflows.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wav.h"

static uint32_t u32(const unsigned char *p, bool be)
{
	return be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
		  : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static unsigned u16(const unsigned char *p, bool be)
{
	return be ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0];
}

/* A chunk id as text for messages: printable characters, others as '?'. */
static void id_text(const unsigned char *p, char out[5])
{
	for (int i = 0; i < 4; i++)
		out[i] = p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\'' ? (char)p[i] : '?';
	out[4] = '\0';
}

/* Reads the fmt chunk's LEN bytes at OFF into *F. 0, or -1 with WHY. */
static int read_fmt(kit_wav_read_at_fn read, void *ctx, long long off, long long len, bool be,
		    kit_wav_facts *f, char *why, size_t wlen)
{
	unsigned char b[40];
	size_t want = len < (long long)sizeof(b) ? (size_t)len : sizeof(b);
	if (len < 16) {
		snprintf(why, wlen, "its fmt chunk is %lld bytes; a WAV's is 16 or more", len);
		return -1;
	}
	if (read(ctx, off, b, want) != (long long)want) {
		snprintf(why, wlen, "its fmt chunk at byte %lld cannot be read whole", off);
		return -1;
	}
	f->format = (int)u16(b, be);
	f->channels = (int)u16(b + 2, be);
	f->rate = u32(b + 4, be);
	f->block_align = (int)u16(b + 12, be);
	f->bits = (int)u16(b + 14, be);
	if (f->format == 0xFFFE && want >= 26)	/* extensible: the sub-format's tag */
		f->format = (int)u16(b + 24, be);
	if (f->channels < 1) {
		snprintf(why, wlen, "its fmt chunk says %d channels", f->channels);
		return -1;
	}
	if (f->block_align < 1) {
		snprintf(why, wlen, "its fmt chunk says %d bytes a frame", f->block_align);
		return -1;
	}
	if ((f->format == 1 || f->format == 3) &&
	    f->block_align != f->channels * ((f->bits + 7) / 8)) {
		snprintf(why, wlen, "its fmt chunk says %d channels of %d bits (%d bytes a "
			 "frame) but %d bytes a frame", f->channels, f->bits,
			 f->channels * ((f->bits + 7) / 8), f->block_align);
		return -1;
	}
	return 0;
}

int kit_wav_check(kit_wav_read_at_fn read, void *ctx, long long size, kit_wav_facts *f, char *why,
		  size_t len)
{
	unsigned char h[12];
	memset(f, 0, sizeof(*f));
	f->frames = -1;
	if (size < 12 || read(ctx, 0, h, sizeof(h)) != (long long)sizeof(h)) {
		if (size < 4 || read(ctx, 0, h, 4) != 4 || (memcmp(h, "RIFF", 4) && memcmp(h, "RIFX", 4)))
			return 1;
		snprintf(why, len, "it is cut short: %lld bytes, and a WAV header alone takes 44",
			 size);
		return -1;
	}
	bool be = !memcmp(h, "RIFX", 4);
	if ((!be && memcmp(h, "RIFF", 4)) || memcmp(h + 8, "WAVE", 4))
		return 1;
	long long end = 8LL + u32(h + 4, be);
	if (end > size) {
		snprintf(why, len, "truncated: its header promises %lld bytes, the file has %lld "
			 "(cut short while written or copied?)", end, size);
		return -1;
	}
	bool have_fmt = false;
	long long pos = 12;
	int n;
	for (n = 0; n < KIT_WAV_MAX_CHUNKS; n++) {
		unsigned char c[8];
		char id[5];
		if (pos + 8 > end)
			break;
		if (read(ctx, pos, c, sizeof(c)) != (long long)sizeof(c)) {
			snprintf(why, len, "the chunk at byte %lld cannot be read", pos);
			return -1;
		}
		long long clen = u32(c + 4, be), body = pos + 8;
		id_text(c, id);
		if (!memcmp(c, "data", 4)) {
			if (!have_fmt) {
				snprintf(why, len, "its data chunk comes before any fmt chunk");
				return -1;
			}
			if (body + clen > size) {
				snprintf(why, len, "its data chunk claims %lld bytes from byte %lld; "
					 "the file has %lld", clen, body, size);
				return -1;
			}
			f->data_offset = body;
			f->data_bytes = clen;
			if (f->format == 1 || f->format == 3) {
				if (clen % f->block_align) {
					snprintf(why, len, "its data chunk of %lld bytes is not a "
						 "whole number of %d-byte frames", clen,
						 f->block_align);
					return -1;
				}
				f->frames = clen / f->block_align;
			}
			return 0;
		}
		if (body + clen > end) {
			snprintf(why, len, "its chunk '%s' at byte %lld claims %lld bytes; the file "
				 "has %lld", id, pos, clen, size);
			return -1;
		}
		if (!memcmp(c, "fmt ", 4)) {
			if (have_fmt) {
				snprintf(why, len, "it has two fmt chunks");
				return -1;
			}
			if (read_fmt(read, ctx, body, clen, be, f, why, len))
				return -1;
			have_fmt = true;
		}
		pos = body + clen + (clen & 1);
	}
	if (n == KIT_WAV_MAX_CHUNKS)
		snprintf(why, len, "it has no data chunk in its first %d chunks", n);
	else
		snprintf(why, len, "it has %s", have_fmt ? "no data chunk" : "no fmt chunk");
	return -1;
}
