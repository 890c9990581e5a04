/*
 * png_fast.c - the fast path of kit_png_load: png_fast.h says what it takes
 * and why. In three steps: walk the chunks (every CRC checked, the IDAT data
 * moved together in place), inflate them in one call, unfilter the rows.
 *
 * Where it could differ from libpng it steps aside instead: libpng (through
 * zlib) honours the window size a zlib header declares, so only the 32 KiB
 * window every encoder writes is taken; libpng refuses an IDAT chunk longer
 * than the image could need, so is this; an ancillary chunk above libpng's
 * 8 MiB limit, any critical chunk but IHDR, IDAT and IEND, IDAT chunks that
 * are not consecutive, and a stream with bytes before or after the image go
 * to libpng. Ancillary chunks change nothing in the pixels kit_png_load
 * gives (no gamma, no tRNS), so the others are only CRC-checked.
 */
#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <smmintrin.h>	/* SSE2, and SSE4.1 where the CPU has it */
#endif

#include "png_fast.h"

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int kit_png_fast_header(const unsigned char head[33], uint32_t *w, uint32_t *h, int *bpp)
{
	if (be32(head + 8) != 13 || memcmp(head + 12, "IHDR", 4))
		return 0;
	*w = be32(head + 16), *h = be32(head + 20);
	int depth = head[24], type = head[25];
	if (*w < 1 || *w > KIT_PNG_SIDE_MAX || *h < 1 || *h > KIT_PNG_SIDE_MAX || depth != 8 ||
	    head[26] || head[27] || head[28])
		return 0;	/* compression, filter method, interlace: only 0 */
	*bpp = type == 2 ? 3 : type == 6 ? 4 : type == 4 ? 2 : 0;
	return *bpp != 0;
}

/* ------------------------------------------------------------------------
 * The chunks
 */

static int is_letters(const unsigned char *t)
{
	for (int i = 0; i < 4; i++)
		if (!((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z')))
			return 0;
	return 1;
}

/* libpng's limit on one IDAT chunk (pngrutil.c, png_check_chunk_length):
 * the raw image plus deflate's and zlib's overhead. */
static uint64_t idat_limit(uint64_t raw, uint64_t row)
{
	uint64_t rf = row > 32566 ? 32566 : row;
	uint64_t lim = raw + 6 + 5 * (raw / rf + 1);
	return lim < 0x7fffffffu ? lim : 0x7fffffffu;
}

/* Walks the chunks of BUF after the signature, checks each CRC and copies
 * the IDAT data into ZBUF (N bytes at most). The bytes of compressed data,
 * or 0 when libpng is to read the file. (Moving them together inside BUF
 * would save the copy, but memmove over a distance of a few bytes is slow
 * with AMD's rep movsb: 13% of the decoding's time here; the copy, under 2%.) */
static size_t gather_idat(const unsigned char *buf, size_t n, uint64_t raw, uint64_t row,
			  unsigned char *zbuf)
{
	size_t pos = 8, z = 0;
	int idats = 0, after = 0;	/* IDATs seen; a chunk seen after them */
	for (int first = 1;; first = 0) {
		if (n - pos < 12)
			return 0;
		uint32_t len = be32(buf + pos);
		const unsigned char *type = buf + pos + 4, *data = type + 4;
		if (len > 0x7fffffffu || n - pos - 12 < len || !is_letters(type) ||
		    libdeflate_crc32(0, type, (size_t)len + 4) != be32(data + len))
			return 0;
		if (first != !memcmp(type, "IHDR", 4))
			return 0;
		if (!memcmp(type, "IEND", 4))
			return len == 0 && idats ? z : 0;
		if (!memcmp(type, "IDAT", 4)) {
			if (after || len > idat_limit(raw, row))
				return 0;
			memcpy(zbuf + z, data, len);
			z += len, idats++;
		} else if (!first) {
			if (!(type[0] & 0x20) || (type[2] & 0x20) || len > KIT_PNG_CHUNK_MAX)
				return 0;	/* critical, reserved bit, or too large */
			after = idats > 0;
		}
		pos += 12 + (size_t)len;
	}
}

/* ------------------------------------------------------------------------
 * Unfiltering: OUT = the row RAW (filter byte F) decoded, PREV the row above
 * (zeros for the first). BPP bytes a pixel, RB bytes a row.
 */

static int paeth(int a, int b, int c)
{
	int pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c);
	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Any BPP, byte by byte: the definition. */
static void unfilter_bytes(int f, unsigned char *out, const unsigned char *raw,
			   const unsigned char *prev, size_t rb, int bpp)
{
	for (size_t i = 0; i < rb; i++) {
		int a = i >= (size_t)bpp ? out[i - (size_t)bpp] : 0, b = prev[i];
		int c = i >= (size_t)bpp ? prev[i - (size_t)bpp] : 0;
		int p = f == 1 ? a : f == 2 ? b : f == 3 ? (a + b) >> 1 : f == 4 ? paeth(a, b, c) : 0;
		out[i] = (unsigned char)(raw[i] + p);
	}
}

#if defined(__SSE2__)
/* One pixel of 3 or 4 bytes in and out of the low lanes of a vector,
 * assembled in a register (a memcpy of 3 bytes went through the stack, and
 * a load wider than the stores before it waits for them: 4x slower). */
static __m128i load_px(const unsigned char *p, int bpp)
{
	uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
	if (bpp == 4)
		v |= (uint32_t)p[3] << 24;
	return _mm_cvtsi32_si128((int)v);
}

static void store_px(unsigned char *p, __m128i x, int bpp)
{
	uint32_t v = (uint32_t)_mm_cvtsi128_si32(x);
	p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8), p[2] = (unsigned char)(v >> 16);
	if (bpp == 4)
		p[3] = (unsigned char)(v >> 24);
}

/* Sub and Average for 3 and 4 bytes a pixel: one pixel a step, its bytes
 * side by side (each depends on the pixel to its left). */
static void unfilter_sub_avg(int f, unsigned char *out, const unsigned char *raw,
			     const unsigned char *prev, size_t rb, int bpp)
{
	const __m128i one = _mm_set1_epi8(1);
	__m128i a = _mm_setzero_si128();
	for (size_t i = 0; i < rb; i += (size_t)bpp) {
		__m128i x = load_px(raw + i, bpp);
		if (f == 1) {
			a = _mm_add_epi8(a, x);
		} else {
			__m128i b = load_px(prev + i, bpp);
			__m128i avg = _mm_avg_epu8(a, b);	/* rounds up: take the odd bit off */
			avg = _mm_sub_epi8(avg, _mm_and_si128(_mm_xor_si128(a, b), one));
			a = _mm_add_epi8(avg, x);
		}
		store_px(out + i, a, bpp);
	}
}

/* Paeth for 3 and 4 bytes a pixel, in 16-bit lanes: the pixel whose raw
 * bytes are X, left of it A, above B, above left C. p - a = b - c (known
 * before A is), p - b = a - c, p - c = both summed. The chain from one pixel
 * to the next sets the speed: 8 operations (SSE4.1's pabsw and pblendvb; 4
 * more with SSE2's). The sum in bytes: the high ones stay 0. */
__attribute__((target("sse4.1"), always_inline)) static inline __m128i
paeth_px(__m128i x, __m128i a, __m128i b, __m128i c)
{
	__m128i bc = _mm_sub_epi16(b, c), ac = _mm_sub_epi16(a, c);
	__m128i pa = _mm_abs_epi16(bc), pb = _mm_abs_epi16(ac);
	__m128i pc = _mm_abs_epi16(_mm_add_epi16(ac, bc));
	__m128i not_a = _mm_or_si128(_mm_cmpgt_epi16(pa, pb), _mm_cmpgt_epi16(pa, pc));
	__m128i b_or_c = _mm_blendv_epi8(b, c, _mm_cmpgt_epi16(pb, pc));
	return _mm_add_epi8(x, _mm_blendv_epi8(a, b_or_c, not_a));
}

__attribute__((target("sse4.1"), always_inline)) static inline __m128i
load16(const unsigned char *p, int bpp)
{
	return _mm_cvtepu8_epi16(load_px(p, bpp));
}

__attribute__((target("sse4.1"), always_inline)) static inline void
store16(unsigned char *p, __m128i x, int bpp)
{
	store_px(p, _mm_packus_epi16(x, x), bpp);
}

__attribute__((target("sse4.1"))) static void
unfilter_paeth(unsigned char *out, const unsigned char *raw, const unsigned char *prev,
	       size_t rb, int bpp)
{
	__m128i a = _mm_setzero_si128(), c = a;
	for (size_t i = 0; i < rb; i += (size_t)bpp) {
		__m128i b = load16(prev + i, bpp);
		a = paeth_px(load16(raw + i, bpp), a, b, c);
		store16(out + i, a, bpp);
		c = b;
	}
}

/* Two Paeth rows at once, the second (RAW1 into OUT1) one pixel behind the
 * first: two chains side by side, twice the speed of one (most rows of a
 * photograph are Paeth). The second row's above and above left are the
 * first row's last two pixels, still in registers. */
__attribute__((target("sse4.1"))) static void
unfilter_paeth2(unsigned char *out0, const unsigned char *raw0, const unsigned char *prev,
		unsigned char *out1, const unsigned char *raw1, size_t rb, int bpp)
{
	__m128i a0 = _mm_setzero_si128(), c0 = a0, a1 = a0, c1 = a0;
	size_t k = (size_t)bpp;
	for (size_t i = 0; i < rb; i += k) {
		__m128i b0 = load16(prev + i, bpp);
		__m128i next0 = paeth_px(load16(raw0 + i, bpp), a0, b0, c0);
		if (i) {	/* pixel i - k of the second row: above it is a0 */
			a1 = paeth_px(load16(raw1 + i - k, bpp), a1, a0, c1);
			store16(out1 + i - k, a1, bpp);
			c1 = a0;
		}
		a0 = next0, c0 = b0;
		store16(out0 + i, a0, bpp);
	}
	a1 = paeth_px(load16(raw1 + rb - k, bpp), a1, a0, c1);
	store16(out1 + rb - k, a1, bpp);
}

static void unfilter_up(unsigned char *out, const unsigned char *raw,
			const unsigned char *prev, size_t rb)
{
	size_t i = 0;
	for (; i + 16 <= rb; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(raw + i));
		__m128i b = _mm_loadu_si128((const __m128i *)(prev + i));
		_mm_storeu_si128((__m128i *)(out + i), _mm_add_epi8(x, b));
	}
	for (; i < rb; i++)
		out[i] = (unsigned char)(raw[i] + prev[i]);
}
#endif

static void unfilter(int f, unsigned char *out, const unsigned char *raw,
		     const unsigned char *prev, size_t rb, int bpp)
{
	if (f == 0) {
		memcpy(out, raw, rb);
		return;
	}
#if defined(__SSE2__)
	if (f == 2) {
		unfilter_up(out, raw, prev, rb);
		return;
	}
	if (bpp >= 3 && f != 4) {
		unfilter_sub_avg(f, out, raw, prev, rb, bpp);
		return;
	}
	if (bpp >= 3 && __builtin_cpu_supports("sse4.1")) {
		unfilter_paeth(out, raw, prev, rb, bpp);
		return;
	}
#endif
	unfilter_bytes(f, out, raw, prev, rb, bpp);
}

/* Every row of RAW (H rows of a filter byte and RB bytes) into PX; two
 * Paeth rows in a row at once. 0, or -1 for a filter byte above 4 (libpng:
 * "bad adaptive filter value"). */
static int unfilter_rows(const unsigned char *raw, size_t h, size_t rb, int bpp,
			 const unsigned char *zeros, unsigned char *px)
{
#if defined(__SSE2__)
	int paeth2 = bpp >= 3 && __builtin_cpu_supports("sse4.1");
#endif
	for (size_t y = 0; y < h; y++) {
		const unsigned char *r = raw + y * (rb + 1), *prev = y ? px + (y - 1) * rb : zeros;
		if (r[0] > 4)
			return -1;
#if defined(__SSE2__)
		if (paeth2 && r[0] == 4 && y + 1 < h && r[rb + 1] == 4) {
			unfilter_paeth2(px + y * rb, r + 1, prev, px + (y + 1) * rb, r + rb + 2, rb, bpp);
			y++;
			continue;
		}
#endif
		unfilter(r[0], px + y * rb, r + 1, prev, rb, bpp);
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * The image
 */

int kit_png_fast_decode(const unsigned char *buf, size_t n, uint32_t w, uint32_t h, int bpp,
			unsigned char *px)
{
	size_t rb = (size_t)w * (size_t)bpp, raw_n = (size_t)h * (rb + 1);
	unsigned char *zbuf = malloc(n), *raw = malloc(raw_n), *zeros = calloc(rb, 1);
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	size_t z = zbuf ? gather_idat(buf, n, raw_n, rb + 1, zbuf) : 0;
	int rc = -1;
	size_t in_used = 0, out_used = 0;
	/* The zlib header: deflate (8), a 32 KiB window (7), no dictionary. */
	if (z >= 2 && zbuf[0] == 0x78 && !(zbuf[1] & 0x20) && raw && zeros && d &&
	    libdeflate_zlib_decompress_ex(d, zbuf, z, raw, raw_n, &in_used, &out_used) ==
		    LIBDEFLATE_SUCCESS && in_used == z && out_used == raw_n) {
		rc = unfilter_rows(raw, h, rb, bpp, zeros, px);
	}
	if (d)
		libdeflate_free_decompressor(d);
	free(zbuf), free(raw), free(zeros);
	return rc;
}
