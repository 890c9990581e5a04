/*
 * test_png_fast.c - the fast PNG path (src/png_fast.h) against the pixels a
 * file was made from. The PNGs are built here by hand (filtered with the
 * PNG specification's predictors, compressed with libdeflate, cut into
 * chunks), so the expected bytes do not come from the code under test.
 *   - every filter (and a mix per row), 2, 3 and 4 bytes a pixel, widths 1
 *     to 333, pixels from 4 values (Paeth's ties) and from all 256;
 *   - files the fast path must hand to libpng (a CRC, a small zlib window,
 *     a filter byte of 5, data after the stream, IDATs apart, PLTE, a
 *     critical chunk it does not know) and what kit_png_load_stream then
 *     says;
 *   - every single-byte change of one file: the fast path gives the right
 *     pixels or steps aside, never other pixels (run under ASan in CI).
 */
#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>

#include "kit_png.h"
#include "png_fast.h"
#include "tap.h"

struct buf {
	unsigned char *p;
	size_t n;
};

static void put(struct buf *b, const void *src, size_t n)
{
	b->p = realloc(b->p, b->n + n);
	memcpy(b->p + b->n, src, n);
	b->n += n;
}

static void put32(struct buf *b, uint32_t v)
{
	unsigned char x[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 8), (unsigned char)v };
	put(b, x, 4);
}

static void chunk(struct buf *b, const char *type, const void *data, size_t n)
{
	put32(b, (uint32_t)n);
	size_t at = b->n;
	put(b, type, 4);
	if (n)
		put(b, data, n);
	put32(b, libdeflate_crc32(0, b->p + at, n + 4));
}

static int paeth(int a, int b, int c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* The raw rows (filter byte + filtered bytes) of PX; FILTER -1: row y gets
 * filter y mod 5. */
static unsigned char *filtered(const unsigned char *px, int w, int h, int bpp, int filter)
{
	size_t rb = (size_t)w * (size_t)bpp;
	unsigned char *raw = malloc((size_t)h * (rb + 1));
	for (int y = 0; y < h; y++) {
		int f = filter < 0 ? y % 5 : filter;
		const unsigned char *row = px + (size_t)y * rb, *up = y ? row - rb : NULL;
		unsigned char *out = raw + (size_t)y * (rb + 1);
		out[0] = (unsigned char)f;
		for (size_t i = 0; i < rb; i++) {
			int a = i >= (size_t)bpp ? row[i - (size_t)bpp] : 0, b = up ? up[i] : 0;
			int c = up && i >= (size_t)bpp ? up[i - (size_t)bpp] : 0;
			int p = f == 1 ? a : f == 2 ? b : f == 3 ? (a + b) / 2 : f == 4 ? paeth(a, b, c) : 0;
			out[1 + i] = (unsigned char)(row[i] - p);
		}
	}
	return raw;
}

/* How a test file departs from a plain one. */
struct twist {
	int idat_pieces;	/* IDAT chunks (>= 1) */
	int text_between;	/* a tEXt chunk between the first two IDATs */
	int plte, unknown_critical, trailing_zlib, small_window, bad_filter;
};

static struct buf build(const unsigned char *px, int w, int h, int bpp, int filter,
			struct twist t)
{
	struct buf b = { 0 };
	put(&b, "\x89PNG\r\n\x1a\n", 8);
	unsigned char ihdr[13];
	for (int i = 0; i < 4; i++)
		ihdr[i] = (unsigned char)(w >> (24 - 8 * i)), ihdr[4 + i] = (unsigned char)(h >> (24 - 8 * i));
	ihdr[8] = 8, ihdr[9] = bpp == 3 ? 2 : bpp == 4 ? 6 : 4, ihdr[10] = ihdr[11] = ihdr[12] = 0;
	chunk(&b, "IHDR", ihdr, 13);
	if (t.plte)
		chunk(&b, "PLTE", "\0\0\0\xff\xff\xff", 6);
	if (t.unknown_critical)
		chunk(&b, "ABCD", "x", 1);
	chunk(&b, "tEXt", "Comment\0made by hand", 20);
	size_t rn = (size_t)h * ((size_t)w * (size_t)bpp + 1);
	unsigned char *raw = filtered(px, w, h, bpp, filter);
	if (t.bad_filter)
		raw[0] = 5;
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(6);
	size_t cap = libdeflate_zlib_compress_bound(c, rn) + 8;
	unsigned char *z = malloc(cap);
	size_t zn = libdeflate_zlib_compress(c, raw, rn, z, cap);
	libdeflate_free_compressor(c);
	if (t.small_window) {	/* CINFO 6, FCHECK made right again */
		z[0] = 0x68, z[1] = (unsigned char)(z[1] & 0xe0);
		z[1] = (unsigned char)(z[1] + (31 - (z[0] * 256 + z[1]) % 31) % 31);
	}
	if (t.trailing_zlib)
		z[zn++] = 0;
	int k = t.idat_pieces < 1 ? 1 : t.idat_pieces;
	for (int i = 0; i < k; i++) {
		size_t a = zn * (size_t)i / (size_t)k, e = zn * (size_t)(i + 1) / (size_t)k;
		chunk(&b, "IDAT", z + a, e - a);
		if (i == 0 && t.text_between)
			chunk(&b, "tEXt", "Comment\0between", 15);
	}
	chunk(&b, "IEND", NULL, 0);
	free(z), free(raw);
	return b;
}

static unsigned char *pixels(int w, int h, int bpp, int values, unsigned *seed)
{
	size_t n = (size_t)w * (size_t)h * (size_t)bpp;
	unsigned char *px = malloc(n);
	for (size_t i = 0; i < n; i++) {
		*seed = *seed * 1103515245u + 12345u;
		px[i] = (unsigned char)((*seed >> 16) % (unsigned)values);
	}
	return px;
}

/* The fast path on a copy of B: 0 and the pixels PX, or -1. -2: other
 * pixels (a failure whatever was expected). */
static int fast(const struct buf *b, const unsigned char *px, int w, int h, int bpp)
{
	unsigned char *copy = malloc(b->n), *out = malloc((size_t)w * (size_t)h * (size_t)bpp);
	memcpy(copy, b->p, b->n);
	uint32_t fw, fh;
	int fb, rc = -1;
	if (b->n >= 33 && kit_png_fast_header(copy, &fw, &fh, &fb) && (int)fw == w &&
	    (int)fh == h && fb == bpp && !kit_png_fast_decode(copy, b->n, fw, fh, fb, out))
		rc = memcmp(out, px, (size_t)w * (size_t)h * (size_t)bpp) ? -2 : 0;
	free(copy), free(out);
	return rc;
}

/* kit_png_load_stream on B: 0 with the pixels PX, 1 with an error, -2 other pixels. */
static int load(const struct buf *b, const unsigned char *px, char *why, size_t len)
{
	FILE *f = fmemopen(b->p, b->n, "rb");
	kit_png_pixels out;
	int rc = kit_png_load_stream(f, b->n, NULL, &out, why, len);
	fclose(f);
	if (rc)
		return 1;
	rc = memcmp(out.px, px, (size_t)out.w * (size_t)out.h * (size_t)out.channels) ? -2 : 0;
	free(out.px);
	return rc;
}

static void kinds(void)
{
	static const int widths[] = { 1, 2, 3, 5, 17, 64, 333 };
	unsigned seed = 7;
	int bad = 0, cases = 0;
	for (int bpp = 2; bpp <= 4; bpp++)
		for (int f = -1; f <= 4; f++)
			for (size_t wi = 0; wi < sizeof(widths) / sizeof(widths[0]); wi++)
				for (int values = 4; values <= 256; values *= 64) {
					int w = widths[wi], h = 1 + (int)(seed % 9);
					unsigned char *px = pixels(w, h, bpp, values, &seed);
					struct buf b = build(px, w, h, bpp, f, (struct twist){ .idat_pieces = 1 + w % 3 });
					char why[256];
					if (fast(&b, px, w, h, bpp) != 0 || load(&b, px, why, sizeof(why)) != 0) {
						bad++;
						fprintf(stderr, "#   wrong: %d bytes a pixel, filter %d, "
							"%dx%d\n", bpp, f, w, h);
					}
					cases++;
					free(px), free(b.p);
				}
	ok(bad == 0, "every filter, 2-4 bytes a pixel, widths 1-333: the fast path gives "
		     "the file's pixels, as kit_png_load_stream does");
	ok(cases == 3 * 6 * 7 * 2, "all 252 cases ran");
}

/* Files the fast path leaves to libpng, and libpng's verdict on each:
 * LOADS 0, the right pixels; 1, an error. */
static void aside(void)
{
	static const struct {
		const char *name;
		struct twist t;
		int loads;
	} cases[] = {
		{ "a small zlib window (16 KiB)", { .small_window = 1 }, 0 },
		{ "a byte after the zlib stream", { .trailing_zlib = 1 }, 0 },
		{ "a tEXt chunk between two IDATs", { .idat_pieces = 2, .text_between = 1 }, 1 },
		{ "a PLTE chunk in an RGB file", { .plte = 1 }, 0 },
		{ "an unknown critical chunk", { .unknown_critical = 1 }, 1 },
		{ "a filter byte of 5", { .bad_filter = 1 }, 1 },
	};
	unsigned seed = 11;
	int w = 40, h = 30;
	unsigned char *px = pixels(w, h, 3, 256, &seed);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = build(px, w, h, 3, 4, cases[i].t);
		char why[256] = "";
		int got = load(&b, px, why, sizeof(why));
		ok(fast(&b, px, w, h, 3) == -1, "the fast path leaves it to libpng");
		ok(got == cases[i].loads, cases[i].name);
		if (got != cases[i].loads)
			fprintf(stderr, "#   %s: load %d (%s)\n", cases[i].name, got, why);
		free(b.p);
	}
	struct buf b = build(px, w, h, 3, 4, (struct twist){ .idat_pieces = 3 });
	b.p[b.n - 16] ^= 1;	/* the last IDAT's CRC (IEND is the last 12 bytes) */
	char why[256] = "";
	ok(fast(&b, px, w, h, 3) == -1 && load(&b, px, why, sizeof(why)) == 1 &&
	   strstr(why, "CRC"), "a wrong CRC: libpng says so");
	fprintf(stderr, "#   a wrong CRC: %s\n", why);
	free(b.p);
	free(px);
}

/* Every single-byte change of one file: right pixels or -1, never others. */
static void flips(void)
{
	unsigned seed = 5;
	int w = 23, h = 9, wrong = 0, took = 0, n = 0;
	unsigned char *px = pixels(w, h, 4, 256, &seed);
	struct buf b = build(px, w, h, 4, -1, (struct twist){ .idat_pieces = 2 });
	for (size_t i = 8; i < b.n; i++) {
		for (int bit = 0; bit < 8; bit += 3, n++) {
			b.p[i] ^= (unsigned char)(1 << bit);
			int rc = fast(&b, px, w, h, 4);
			wrong += rc == -2, took += rc == 0;
			b.p[i] ^= (unsigned char)(1 << bit);
		}
	}
	ok(wrong == 0, "no single-bit change of the file gives other pixels");
	ok(took == 0, "every changed file is left to libpng (a CRC or the header catches it)");
	ok(fast(&b, px, w, h, 4) == 0, "the unchanged file is taken");
	fprintf(stderr, "#   %d changes tried\n", n);
	free(b.p), free(px);
}

int main(void)
{
	kinds();
	aside();
	flips();
	return tap_done();
}
