/*
 * kit_png.h - reads a PNG file as Python sees it (Pillow's Image.open,
 * then numpy.asarray), with one clear message per file it cannot read, and
 * a memory budget checked before any pixel is decoded. Exercise 03 reads its
 * images with it; imagegen.h writes test images. Built into the kit-png
 * library (src/meson.build: kit_png_dep, with libpng), apart from libkit,
 * which needs no libpng.
 */
#ifndef KIT_PNG_H
#define KIT_PNG_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct kit_png_pixels {
	int w, h;
	/* The channel axis Pillow + numpy give this image: 0 for none (gray
	 * of any depth, palette: a 2-D array), 2 (gray + alpha, 8-bit), 3 (RGB,
	 * 8- or 16-bit), 4 (RGBA 8- or 16-bit; and 16-bit gray + alpha, which
	 * Pillow turns into RGBA: L, L, L, A). */
	int channels;
	int interlaced;		/* Adam7 */
	char kind[32];		/* "RGB 8-bit", "palette 4-bit", ... */
	unsigned char *px;	/* h rows of w pixels, CHANNELS bytes each
				 * (16-bit samples: their high byte, as
				 * Pillow keeps); NULL when CHANNELS is 0.
				 * malloc'd, the caller frees */
} kit_png_pixels;

/*
 * What the caller may spend on one image. BYTES: the most the image may take
 * (decoded pixels, libpng's rows, and what WORK_BYTES says the caller adds),
 * 0 for no limit. WORK_BYTES (may be NULL): the bytes the caller will need
 * for an image of W x H pixels with CHANNELS channels, beyond the pixels.
 */
typedef struct kit_png_budget {
	uint64_t bytes;
	uint64_t (*work_bytes)(int w, int h, int channels);
} kit_png_budget;

/*
 * Reads the PNG file PATH into *OUT (see kit_png_pixels). Only a regular file is
 * opened (a folder, a named pipe or a device named *.png is refused before
 * any read that could block). The image's declared size is checked against
 * the file's size (deflate packs at most 1032:1) and against BUDGET before
 * anything is decoded. libpng's limits are set (65535 pixels a side, 8 MiB
 * for one ancillary chunk). Returns 0, or -1 with WHY (WHYLEN bytes) saying
 * what is wrong, in the user's words: "is a folder, not a file", "empty file
 * (0 bytes)", "not a PNG file ...", "truncated: ...", "corrupt PNG (libpng:
 * <libpng's own text>)", "needs 8.6 GiB, the budget is 1.0 GiB: --mem to
 * raise it". Prints nothing. Never blocks on a special file, never crashes
 * or leaks on a broken one. The kinds photographs come in are decoded by a
 * faster path (png_fast.h) that gives the same bytes and leaves every other
 * file, and every error, to libpng.
 */
int kit_png_load(const char *path, const kit_png_budget *budget, kit_png_pixels *out,
		 char *why, size_t whylen);

/*
 * The same, from the open stream F of SIZE bytes (what kit_png_load does after
 * its checks on the path; the fuzzing target feeds it memory). F is left
 * open.
 */
int kit_png_load_stream(FILE *f, uint64_t size, const kit_png_budget *budget,
			kit_png_pixels *out, char *why, size_t whylen);

/* Writes N bytes as "1.5 GiB", "12 MiB", "900 KiB" or "12 bytes" into BUF
 * (LEN bytes). Returns BUF. */
char *kit_png_bytes_text(uint64_t n, char *buf, size_t len);

#endif
