/*
 * png_load.h - reads a PNG file for exercise 03, one clear message per
 * unreadable file.
 */
#ifndef PNG_LOAD_H
#define PNG_LOAD_H
#include <stddef.h>

typedef struct png_pixels {
	int w, h;
	int colour;		/* 1: RGB (3 bytes per pixel); 0: gray (1 byte) */
	unsigned char *px;	/* h rows of w pixels; malloc'd, caller frees */
} png_pixels;

/*
 * Reads PATH into *OUT as 8-bit pixels: colour images (RGB, RGBA, palette,
 * 16-bit) as RGB, alpha dropped and 16-bit reduced to 8; gray ones (with or
 * without alpha) as gray. No gamma or colour-space conversion: the bytes as
 * stored, as Python's PIL and imageio give them. Returns 0, or -1 with WHY
 * (WHYLEN bytes) saying what is wrong with the file: "empty file", "not a
 * PNG file", "truncated: the file ends inside its image data", a libpng
 * message. Prints nothing: many files, one summary.
 */
int png_load(const char *path, png_pixels *out, char *why, size_t whylen);

#endif
