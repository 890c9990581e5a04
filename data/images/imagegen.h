/*
 * imagegen.h - the deterministic test images of exercise 03: gradients,
 * shapes and noise, as 8-bit RGB PNG.
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

#endif
