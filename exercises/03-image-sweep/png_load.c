/*
 * png_load.c - reads a PNG file for exercise 03 with libpng.
 *
 * libpng reports errors by longjmp from its error callback: every libpng
 * call below runs under one setjmp, so a broken file costs one message and
 * no crash, and the next file is read as if nothing happened. The locals
 * that live across the setjmp are volatile (C11 7.13.2.1).
 */
#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "png_load.h"

struct reader {
	FILE *f;
	int truncated;
	char msg[200];
	jmp_buf jb;
};

static void on_error(png_structp png, png_const_charp msg)
{
	struct reader *r = png_get_error_ptr(png);
	snprintf(r->msg, sizeof(r->msg), "%s", msg);
	longjmp(r->jb, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
	(void)png, (void)msg;	/* e.g. "iCCP: known incorrect sRGB profile" */
}

/* Our own read callback, so that a short file says "truncated". */
static void on_read(png_structp png, png_bytep data, size_t n)
{
	struct reader *r = png_get_io_ptr(png);
	if (fread(data, 1, n, r->f) != n) {
		r->truncated = 1;
		png_error(png, ferror(r->f) ? "read error" : "unexpected end of file");
	}
}

int png_load(const char *path, png_pixels *out, char *why, size_t whylen)
{
	memset(out, 0, sizeof(*out));
	struct reader r = { .f = fopen(path, "rb") };
	if (!r.f) {
		snprintf(why, whylen, "cannot open: %s", strerror(errno));
		return -1;
	}
	unsigned char sig[8];
	size_t got = fread(sig, 1, sizeof(sig), r.f);
	if (got == 0) {
		snprintf(why, whylen, "empty file");
		fclose(r.f);
		return -1;
	}
	if (got < sizeof(sig) || png_sig_cmp(sig, 0, sizeof(sig))) {
		snprintf(why, whylen, "not a PNG file (its first bytes are not the PNG signature)");
		fclose(r.f);
		return -1;
	}
	png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &r, on_error, on_warning);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	unsigned char *volatile px = NULL;
	png_bytep *volatile rows = NULL;
	if (!png || !info) {
		snprintf(why, whylen, "out of memory in libpng");
		goto fail;
	}
	if (setjmp(r.jb)) {
		if (r.truncated)
			snprintf(why, whylen, "truncated: the file ends early (libpng: %s)", r.msg);
		else
			snprintf(why, whylen, "corrupt PNG (libpng: %s)", r.msg);
		goto fail;
	}
	png_set_read_fn(png, &r, on_read);
	png_set_sig_bytes(png, (int)sizeof(sig));
	/* one image may be large, but not absurd: 32768 x 32768 pixels at most */
	png_set_user_limits(png, 32768, 32768);
	png_read_info(png, info);
	png_set_expand(png);		/* palette -> RGB, gray < 8 bits -> 8, tRNS -> alpha */
	png_set_strip_16(png);
	png_set_strip_alpha(png);
	png_set_interlace_handling(png);
	png_read_update_info(png, info);
	int w = (int)png_get_image_width(png, info), h = (int)png_get_image_height(png, info);
	int colour = (png_get_color_type(png, info) & PNG_COLOR_MASK_COLOR) != 0;
	size_t rowbytes = png_get_rowbytes(png, info), want = (size_t)w * (colour ? 3 : 1);
	if (rowbytes != want) {
		snprintf(why, whylen, "unexpected PNG layout (%zu bytes per row, expected %zu)",
			 rowbytes, want);
		goto fail;
	}
	px = malloc(rowbytes * (size_t)h);
	rows = malloc(sizeof(*rows) * (size_t)h);
	if (!px || !rows) {
		snprintf(why, whylen, "out of memory for %dx%d pixels", w, h);
		goto fail;
	}
	for (int y = 0; y < h; y++)
		rows[y] = px + (size_t)y * rowbytes;
	png_read_image(png, rows);
	png_read_end(png, NULL);
	png_destroy_read_struct(&png, &info, NULL);
	free(rows);
	fclose(r.f);
	*out = (png_pixels){ .w = w, .h = h, .colour = colour, .px = px };
	return 0;
fail:
	png_destroy_read_struct(&png, &info, NULL);
	free(px);
	free(rows);
	fclose(r.f);
	return -1;
}
