/*
 * NAME
 *   imagegen.c - the deterministic test images of exercise 03.
 *
 * PURPOSE
 *   Exercise 03 needs a dozen photo-sized images; committing them would put
 *   tens of megabytes in git, so the kit draws them the first time they are
 *   needed, into data/cache/images-WxH/ (ignored by git). Each image is a
 *   colour gradient (linear, radial, bands or a checker of ramps), a few
 *   filled circles and rectangles, and per-pixel noise: the three channels
 *   differ, so the median of the channels is a real median.
 *
 * NOTES
 *   Integer arithmetic only, with a counter-based hash (splitmix64) for the
 *   shapes and the noise: the same (index, w, h) gives the same bytes on
 *   every machine. Files are written atomically (kit_atomic), so a run that
 *   is interrupted, or two that make the same set at once, never leave a
 *   half-written image behind.
 */
#include <png.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imagegen.h"
#include "kit.h"

static uint64_t mix(uint64_t z)
{
	z += UINT64_C(0x9e3779b97f4a7c15);
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t hash3(uint64_t a, uint64_t b, uint64_t c)
{
	return mix(mix(mix(a) ^ b) ^ c);
}

static int clamp255(long v)
{
	return v < 0 ? 0 : v > 255 ? 255 : (int)v;
}

#define NSHAPES 8

struct shape {
	long cx, cy, r;		/* circle centre and radius, or rectangle corner and half size */
	int circle;
	int rgb[3];
};

/* The shapes of image INDEX, in pixel units of a W x H image. */
static void shapes_of(int index, int w, int h, struct shape *s)
{
	for (int k = 0; k < NSHAPES; k++) {
		uint64_t z = hash3((uint64_t)index, (uint64_t)k, 0x5ea9e5);
		s[k].cx = (long)(z % (uint64_t)w);
		s[k].cy = (long)((z >> 20) % (uint64_t)h);
		long rmax = (w < h ? w : h) / 5 + 1;
		s[k].r = rmax / 4 + (long)((z >> 40) % (uint64_t)rmax);
		s[k].circle = (int)((z >> 60) & 1) || k < 3;
		uint64_t c = mix(z);
		for (int j = 0; j < 3; j++)
			s[k].rgb[j] = (int)((c >> (8 * j)) & 0xff);
	}
}

/* One row of image INDEX into ROW (3 * W bytes). */
static void draw_row(int index, int w, int h, int y, const struct shape *s,
		     unsigned char *row)
{
	int kind = index % 4, amp = 4 + 6 * (index % 3);
	long cx = w / 2 + (index * 37) % (w / 4 + 1), cy = h / 2 - (index * 53) % (h / 4 + 1);
	long dmax = (long)w * w + (long)h * h;
	for (int x = 0; x < w; x++) {
		long g[3];
		long u = 255L * x / (w > 1 ? w - 1 : 1), v = 255L * y / (h > 1 ? h - 1 : 1);
		switch (kind) {
		case 0:		/* linear, a different direction per channel */
			g[0] = u, g[1] = v, g[2] = (u + v) / 2;
			break;
		case 1: {	/* radial from an off-centre point */
			long dx = x - cx, dy = y - cy;
			long d = 255L * 4 * (dx * dx + dy * dy) / dmax;
			g[0] = 255 - d, g[1] = d / 2 + 40, g[2] = 255 - u;
			break;
		}
		case 2: {	/* bands: triangle waves of different periods */
			long p = 64 + 16 * (index % 5);
			long t = (x + 2L * y) % (2 * p);
			long tri = 255L * (t < p ? t : 2 * p - t) / p;
			g[0] = tri, g[1] = 255 - tri / 2, g[2] = v;
			break;
		}
		default: {	/* a checker of ramps */
			long b = 96 + 32 * (index % 3);
			long cell = ((x / b) + (y / b)) & 1;
			long r = 255L * (x % b) / b;
			g[0] = cell ? r : 255 - r, g[1] = cell ? v : u, g[2] = 128;
			break;
		}
		}
		for (int k = 0; k < NSHAPES; k++) {
			long dx = x - s[k].cx, dy = y - s[k].cy;
			int in = s[k].circle ? dx * dx + dy * dy <= s[k].r * s[k].r
					     : labs(dx) <= s[k].r && labs(dy) <= s[k].r / 2;
			if (in)
				for (int j = 0; j < 3; j++)
					g[j] = (g[j] + 3L * s[k].rgb[j]) / 4;
		}
		uint64_t z = hash3((uint64_t)index, (uint64_t)y, (uint64_t)x);
		for (int j = 0; j < 3; j++) {
			long noise = (long)((z >> (16 * j)) % (uint64_t)(2 * amp + 1)) - amp;
			row[3 * x + j] = (unsigned char)clamp255(g[j] + noise);
		}
	}
}

struct png_err {
	char msg[256];
	jmp_buf jb;
};

static void on_error(png_structp png, png_const_charp msg)
{
	struct png_err *e = png_get_error_ptr(png);
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
	longjmp(e->jb, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
	(void)png, (void)msg;
}

int imagegen_write(const char *path, int w, int h, int index)
{
	if (w < 1 || h < 1) {
		kit_error("cannot make image '%s': size %dx%d is empty", path, w, h);
		return -1;
	}
	kit_atomic a;
	if (kit_atomic_open(&a, path))
		return -1;
	struct shape s[NSHAPES];
	shapes_of(index, w, h, s);
	unsigned char *row = malloc((size_t)w * 3);
	if (!row)
		abort();
	struct png_err e;
	memset(&e, 0, sizeof(e));
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &e, on_error, on_warning);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	if (!png || !info) {
		kit_error("cannot make image '%s': out of memory in libpng", path);
		goto fail;
	}
	if (setjmp(e.jb)) {
		kit_error("cannot write image '%s': libpng: %s", path, e.msg);
		goto fail;
	}
	png_init_io(png, a.f);
	png_set_compression_level(png, 3);	/* fast; decoding costs the same */
	png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (int y = 0; y < h; y++) {
		draw_row(index, w, h, y, s, row);
		png_write_row(png, row);
	}
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	free(row);
	return kit_atomic_commit(&a);
fail:
	png_destroy_write_struct(&png, &info);
	free(row);
	kit_atomic_abort(&a);
	return -1;
}

int imagegen_set(const char *dir, int w, int h, char **paths, int verbose)
{
	if (kit_mkdirs(dir))
		return -1;
	int made = 0;
	double t0 = kit_wtime();
	for (int i = 0; i < IMAGEGEN_COUNT; i++) {
		if (asprintf(&paths[i], "%s/img-%02d.png", dir, i + 1) < 0)
			abort();
		if (access(paths[i], R_OK) == 0)
			continue;
		if (verbose && !made)
			fprintf(stderr, "%s: making the %d test images %dx%d in %s (once)\n",
				kit_progname(), IMAGEGEN_COUNT, w, h, dir);
		if (imagegen_write(paths[i], w, h, i)) {
			for (int j = 0; j <= i; j++) {
				free(paths[j]);
				paths[j] = NULL;
			}
			return -1;
		}
		made++;
	}
	if (verbose && made)
		fprintf(stderr, "%s: made %d image%s in %.1f s\n", kit_progname(), made,
			made == 1 ? "" : "s", kit_wtime() - t0);
	return 0;
}

/* ------------------------------------------------------------------------
 * Every kind of PNG
 */

struct kind {
	const char *name;
	int type, depth, interlace, trns;
};

static const struct kind kinds[IMAGEGEN_KINDS] = {
	{ "rgb8", PNG_COLOR_TYPE_RGB, 8, 0, 0 },
	{ "rgba8", PNG_COLOR_TYPE_RGB_ALPHA, 8, 0, 0 },
	{ "gray8", PNG_COLOR_TYPE_GRAY, 8, 0, 0 },
	{ "graya8", PNG_COLOR_TYPE_GRAY_ALPHA, 8, 0, 0 },
	{ "palette8", PNG_COLOR_TYPE_PALETTE, 8, 0, 0 },
	{ "palette4-trns", PNG_COLOR_TYPE_PALETTE, 4, 0, 1 },
	{ "gray1", PNG_COLOR_TYPE_GRAY, 1, 0, 0 },
	{ "rgb16", PNG_COLOR_TYPE_RGB, 16, 0, 0 },
	{ "rgba16", PNG_COLOR_TYPE_RGB_ALPHA, 16, 0, 0 },
	{ "gray16", PNG_COLOR_TYPE_GRAY, 16, 0, 0 },
	{ "graya16", PNG_COLOR_TYPE_GRAY_ALPHA, 16, 0, 0 },
	{ "rgb8-trns", PNG_COLOR_TYPE_RGB, 8, 0, 1 },
	{ "rgb8-interlaced", PNG_COLOR_TYPE_RGB, 8, 1, 0 },
	{ "rgba16-interlaced", PNG_COLOR_TYPE_RGB_ALPHA, 16, 1, 0 },
	{ "graya8-interlaced", PNG_COLOR_TYPE_GRAY_ALPHA, 8, 1, 0 },
};

const char *imagegen_kind_name(int k)
{
	return kinds[((k % IMAGEGEN_KINDS) + IMAGEGEN_KINDS) % IMAGEGEN_KINDS].name;
}

/* Pixel X of the RGB row RGB as kind KD into OUT (packed samples; 16-bit
 * big-endian; palette and 1-bit gray as one index per byte, packed later). */
static size_t kind_pixel(const struct kind *kd, const unsigned char *rgb, uint64_t z,
			 unsigned char *out)
{
	int r = rgb[0], g = rgb[1], b = rgb[2], gray = (r + 2 * g + b) / 4;
	int a = (int)((z >> 24) & 0xff) | 0x20;	/* never fully transparent */
	int v[4], n = 0;
	switch (kd->type) {
	case PNG_COLOR_TYPE_RGB:
		v[0] = r, v[1] = g, v[2] = b, n = 3;
		break;
	case PNG_COLOR_TYPE_RGB_ALPHA:
		v[0] = r, v[1] = g, v[2] = b, v[3] = a, n = 4;
		break;
	case PNG_COLOR_TYPE_GRAY_ALPHA:
		v[0] = gray, v[1] = a, n = 2;
		break;
	case PNG_COLOR_TYPE_PALETTE:
		out[0] = (unsigned char)(kd->depth == 8 ? r / 43 * 36 + g / 43 * 6 + b / 43
				       : (r / 128) * 4 + (g / 128) * 2 + b / 128);
		return 1;
	default:
		if (kd->depth == 1) {
			out[0] = (unsigned char)(gray >= 128);
			return 1;
		}
		v[0] = gray, n = 1;
	}
	size_t at = 0;
	for (int i = 0; i < n; i++) {
		out[at++] = (unsigned char)v[i];
		if (kd->depth == 16)	/* a low byte that Pillow drops */
			out[at++] = (unsigned char)((z >> (8 * i)) & 0xff);
	}
	return at;
}

/* Packs W one-per-byte indices of DEPTH bits (1, 2, 4) in place. */
static void pack_bits(unsigned char *row, int w, int depth)
{
	int per = 8 / depth;
	for (int x = 0; x < w; x += per) {
		unsigned char byte = 0;
		for (int k = 0; k < per; k++)
			byte |= (unsigned char)((x + k < w ? row[x + k] : 0) << (8 - depth * (k + 1)));
		row[x / per] = byte;
	}
}

static void set_palette(png_structp png, png_infop info, const struct kind *kd)
{
	png_color pal[256];
	int n = kd->depth == 8 ? 216 : 8;
	for (int i = 0; i < n; i++) {
		if (kd->depth == 8)
			pal[i] = (png_color){ (png_byte)(i / 36 * 51), (png_byte)(i / 6 % 6 * 51),
					      (png_byte)(i % 6 * 51) };
		else
			pal[i] = (png_color){ (png_byte)(i & 4 ? 255 : 0), (png_byte)(i & 2 ? 255 : 0),
					      (png_byte)(i & 1 ? 255 : 0) };
	}
	png_set_PLTE(png, info, pal, n);
	if (kd->trns) {
		png_byte alpha[8] = { 0, 64, 128, 192, 255, 255, 255, 255 };
		png_set_tRNS(png, info, alpha, 8, NULL);
	}
}

/* The whole image of kind KD, rows packed as PNG stores them. */
static unsigned char *kind_image(const struct kind *kd, int w, int h, int index,
				 size_t *rowbytes)
{
	struct shape s[NSHAPES];
	shapes_of(index, w, h, s);
	*rowbytes = (size_t)w * 4 * 2 + 8;
	unsigned char *img = kit_xmalloc(*rowbytes * (size_t)h), *rgb = kit_xmalloc((size_t)w * 3);
	for (int y = 0; y < h; y++) {
		unsigned char *row = img + (size_t)y * *rowbytes;
		draw_row(index, w, h, y, s, rgb);
		size_t at = 0;
		for (int x = 0; x < w; x++)
			at += kind_pixel(kd, rgb + 3 * x, hash3((uint64_t)index + 99, (uint64_t)y,
								 (uint64_t)x), row + at);
		if (kd->depth < 8)
			pack_bits(row, w, kd->depth);
	}
	free(rgb);
	return img;
}

int imagegen_write_kind(const char *path, int w, int h, int index, int k)
{
	const struct kind *kd = &kinds[((k % IMAGEGEN_KINDS) + IMAGEGEN_KINDS) % IMAGEGEN_KINDS];
	if (w < 1 || h < 1) {
		kit_error("cannot make image '%s': size %dx%d is empty", path, w, h);
		return -1;
	}
	kit_atomic a;
	if (kit_atomic_open(&a, path))
		return -1;
	size_t rowbytes;
	unsigned char *volatile img = kind_image(kd, w, h, index, &rowbytes);
	png_bytep *volatile rows = kit_xmalloc(sizeof(png_bytep) * (size_t)h);
	for (int y = 0; y < h; y++)
		rows[y] = img + (size_t)y * rowbytes;
	struct png_err e;
	memset(&e, 0, sizeof(e));
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &e, on_error, on_warning);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	if (!png || !info) {
		kit_error("cannot make image '%s': out of memory in libpng", path);
		goto fail;
	}
	if (setjmp(e.jb)) {
		kit_error("cannot write image '%s': libpng: %s", path, e.msg);
		goto fail;
	}
	png_init_io(png, a.f);
	png_set_compression_level(png, 3);
	png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, kd->depth, kd->type,
		     kd->interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (kd->type == PNG_COLOR_TYPE_PALETTE)
		set_palette(png, info, kd);
	else if (kd->trns) {
		png_color_16 key = { .red = 128, .green = 128, .blue = 128, .gray = 128 };
		png_set_tRNS(png, info, NULL, 0, &key);
	}
	png_set_rows(png, info, rows);
	png_write_png(png, info, PNG_TRANSFORM_IDENTITY, NULL);
	png_destroy_write_struct(&png, &info);
	free(rows);
	free(img);
	return kit_atomic_commit(&a);
fail:
	png_destroy_write_struct(&png, &info);
	free(rows);
	free(img);
	kit_atomic_abort(&a);
	return -1;
}
