/*
 * imagegen.h - deterministic test images (exercise 03's sets and the
 * grader's --make-inputs): gradients, shapes and noise, as PNG of every kind
 * kit_png.h reads. In the kit-png library (kit_png_dep).
 */
#ifndef IMAGEGEN_H
#define IMAGEGEN_H

/* How many images a generated set holds (the seed's 12 photos). */
#define IMAGEGEN_COUNT 12

/*
 * Writes image INDEX (0 ... IMAGEGEN_COUNT-1, any int works) of size W x H
 * to PATH as an 8-bit RGB PNG, atomically (a temporary file, then rename).
 * The same (INDEX, W, H) gives the same pixels on every machine: integer
 * arithmetic only. Returns 0, or -1 after printing why.
 */
int imagegen_write(const char *path, int w, int h, int index);

/*
 * Makes the set of IMAGEGEN_COUNT images W x H in DIR (created if missing),
 * named img-01.png ... img-12.png, writing only those not there yet, and
 * fills PATHS[i] (malloc'd; caller frees) with their paths. VERBOSE prints a
 * line when it has to make any. Returns 0, or -1 after printing why.
 */
int imagegen_set(const char *dir, int w, int h, char **paths, int verbose);

/* The kinds of PNG imagegen_write_kind makes: every kind exercise 03 reads
 * (8-bit and 16-bit RGB, RGBA, gray, gray + alpha; palette; 1-bit gray; a
 * colour key (tRNS); interlaced). */
#define IMAGEGEN_KINDS 15

/* Kind K's short name ("rgb8", "palette4-trns", "rgb8-interlaced", ...), K
 * taken modulo IMAGEGEN_KINDS. Cannot fail. */
const char *imagegen_kind_name(int k);

/*
 * Writes image INDEX of size W x H to PATH as a PNG of kind K (modulo
 * IMAGEGEN_KINDS): the same picture as imagegen_write, turned into that
 * kind (gray = (r + 2g + b) / 4, alpha and the low bytes of 16-bit samples
 * drawn from the same hash, a 6x6x6 palette). Deterministic, atomic.
 * Returns 0, or -1 after printing why.
 */
int imagegen_write_kind(const char *path, int w, int h, int index, int k);

#endif
