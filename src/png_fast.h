/*
 * png_fast.h - the fast path of kit_png_load (png.c): the PNGs that cameras
 * and image programs write most (8-bit RGB, RGBA and gray + alpha, not
 * interlaced, no palette) decoded in one piece: libdeflate inflates every
 * IDAT at once (zlib's inflate, which libpng calls, is about 4x slower), and
 * the rows are unfiltered with SSE2 and SSE4.1 (Debian's libpng unfilters byte by
 * byte). On the 12 mate-backgrounds photographs (37.5 million pixels) the
 * read took 0.75 s with libpng and 0.24 s here, one core of a Zen 5.
 *
 * It never rejects a file: anything it does not take (another kind, a chunk
 * it does not know to be harmless, a CRC, a stream that is not exactly the
 * image, a filter byte above 4, a budget too tight for the whole file in
 * memory) goes back to libpng, which reads it and says what is wrong. What
 * it does take gives the same bytes as libpng (tests/unit/test_png_fast.c).
 */
#ifndef KIT_PNG_FAST_H
#define KIT_PNG_FAST_H
#include <stddef.h>
#include <stdint.h>

#define KIT_PNG_SIDE_MAX 65535		/* libpng's user limit on width and height */
#define KIT_PNG_CHUNK_MAX (8u << 20)	/* the largest ancillary chunk libpng keeps */

/* The first 33 bytes of the file (signature + IHDR): whether the fast path
 * may take the image, and its width, height and bytes a pixel (2, 3, 4).
 * 1 when it may, 0 when libpng reads it. */
int kit_png_fast_header(const unsigned char head[33], uint32_t *w, uint32_t *h, int *bpp);

/*
 * Decodes the whole file BUF of N bytes (signature included) into PX, W x H
 * pixels of BPP bytes, rows packed. 0 when done; -1 when libpng is to read
 * the file instead (PX is then left in any state). Allocates and frees, at
 * once: the IDAT data (less than N bytes) and the inflated rows,
 * H (W BPP + 1) bytes.
 */
int kit_png_fast_decode(const unsigned char *buf, size_t n, uint32_t w, uint32_t h, int bpp,
			unsigned char *px);

#endif
