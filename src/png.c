/*
 * png.c - reads a PNG file with libpng, as Pillow + numpy see it
 * (kit_png.h says what each kind of PNG becomes); exercise 03 reads its
 * images with it.
 *
 * libpng reports errors by longjmp from its error callback: every libpng
 * call below runs under one setjmp, so a broken file costs one message and
 * no crash, and the next file is read as if nothing happened. The locals
 * that live across the setjmp are volatile (C11 7.13.2.1). libpng's warnings
 * ("Image width is zero in IHDR") are kept and joined to its final error
 * ("Invalid IHDR data"): the warning says why.
 */
#include <errno.h>
#include <fcntl.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kit_png.h"
#include "png_fast.h"

#define DEFLATE_RATIO 1032		/* deflate's best: 258 bytes from ~2 bits */

struct reader {
	FILE *f;
	int truncated;
	char warnings[200];		/* libpng's warnings, joined */
	char msg[200];			/* libpng's error */
	jmp_buf jb;
};

static void on_error(png_structp png, png_const_charp msg)
{
	struct reader *r = png_get_error_ptr(png);
	snprintf(r->msg, sizeof(r->msg), "%s", msg);
	longjmp(r->jb, 1);
}

/* Keeps the first warnings: some (IHDR's) say why the error that follows
 * happened. Harmless ones ("iCCP: known incorrect sRGB profile") are shown
 * only if an error follows. */
static void on_warning(png_structp png, png_const_charp msg)
{
	struct reader *r = png_get_error_ptr(png);
	size_t n = strlen(r->warnings);
	if (n + 3 < sizeof(r->warnings))
		snprintf(r->warnings + n, sizeof(r->warnings) - n, "%s; ", msg);
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

char *kit_png_bytes_text(uint64_t n, char *buf, size_t len)
{
	double x = (double)n;
	if (x >= 1024.0 * 1024 * 1024)
		snprintf(buf, len, "%.1f GiB", x / (1024.0 * 1024 * 1024));
	else if (x >= 1024.0 * 1024)
		snprintf(buf, len, "%.0f MiB", x / (1024.0 * 1024));
	else if (x >= 1024.0)
		snprintf(buf, len, "%.0f KiB", x / 1024.0);
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)n);
	return buf;
}

/* The channels of numpy.asarray(Image.open(f)) for a PNG of COLOUR_TYPE and
 * DEPTH (Pillow's PngImagePlugin modes), and the kind's name. */
static int pillow_channels(int colour_type, int depth, char *kind, size_t len)
{
	static const struct { int type; const char *name; } names[] = {
		{ PNG_COLOR_TYPE_GRAY, "gray" }, { PNG_COLOR_TYPE_RGB, "RGB" },
		{ PNG_COLOR_TYPE_PALETTE, "palette" }, { PNG_COLOR_TYPE_GRAY_ALPHA, "gray+alpha" },
		{ PNG_COLOR_TYPE_RGB_ALPHA, "RGBA" },
	};
	const char *name = "unknown";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].type == colour_type)
			name = names[i].name;
	snprintf(kind, len, "%s %d-bit", name, depth);
	switch (colour_type) {
	case PNG_COLOR_TYPE_RGB:
		return 3;
	case PNG_COLOR_TYPE_RGB_ALPHA:
		return 4;
	case PNG_COLOR_TYPE_GRAY_ALPHA:
		return depth == 16 ? 4 : 2;	/* Pillow: 16-bit LA opens as RGBA */
	default:
		return 0;			/* gray, palette: a 2-D array */
	}
}

/* The transformations that give Pillow's bytes: 16-bit samples keep their
 * high byte (png_set_strip_16 drops the low one, as Pillow's "RGB;16B"
 * unpacker does); 16-bit gray + alpha becomes L, L, L, A. Nothing else: no
 * palette expansion, no tRNS to alpha, no gamma. */
static void set_transforms(png_structp png, int colour_type, int depth)
{
	if (depth == 16)
		png_set_strip_16(png);
	if (colour_type == PNG_COLOR_TYPE_GRAY_ALPHA && depth == 16)
		png_set_gray_to_rgb(png);
}

/* The bytes libpng's raw rows take: a row and the previous one, filter byte
 * included. */
static uint64_t raw_row_bytes(uint64_t w, int colour_type, int depth)
{
	int samples = colour_type == PNG_COLOR_TYPE_RGB ? 3
		: colour_type == PNG_COLOR_TYPE_RGB_ALPHA ? 4
		: colour_type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2 : 1;
	return (w * (uint64_t)samples * (uint64_t)depth + 7) / 8 + 1;
}

/* Checks the declared size against the file (can deflate hold it?) and the
 * budget. 0, or -1 with WHY. */
static int check_size(uint64_t w, uint64_t h, int colour_type, int depth, int channels,
		      uint64_t file_size, const kit_png_budget *b, char *why, size_t whylen)
{
	char s1[32], s2[32];
	uint64_t raw = h * raw_row_bytes(w, colour_type, depth);
	if (file_size > 0 && raw / DEFLATE_RATIO > file_size + 1024) {
		snprintf(why, whylen, "declares %llux%llu pixels (%s of image data), more than "
			 "a file of %s can hold (deflate packs at most %d:1)",
			 (unsigned long long)w, (unsigned long long)h,
			 kit_png_bytes_text(raw, s1, sizeof(s1)),
			 kit_png_bytes_text(file_size, s2, sizeof(s2)), DEFLATE_RATIO);
		return -1;
	}
	if (!b || !b->bytes)
		return 0;
	uint64_t need = 2 * raw_row_bytes(w, colour_type, depth) + (64u << 10);
	need += channels ? w * h * (uint64_t)channels : w * 4;
	if (b->work_bytes)
		need += b->work_bytes((int)w, (int)h, channels);
	if (need > b->bytes) {
		snprintf(why, whylen, "%llux%llu pixels: needs %s, the budget is %s: --mem "
			 "to raise it", (unsigned long long)w, (unsigned long long)h,
			 kit_png_bytes_text(need, s1, sizeof(s1)),
			 kit_png_bytes_text(b->bytes, s2, sizeof(s2)));
		return -1;
	}
	return 0;
}

/* Reads every row: into OUT->px, or (no channel axis: only checked) through
 * one row buffer ROW. */
static void read_rows(png_structp png, kit_png_pixels *out, png_bytep *rows, png_bytep row,
		      int passes)
{
	if (out->px) {
		png_read_image(png, rows);
		return;
	}
	for (int p = 0; p < passes; p++)
		for (int y = 0; y < out->h; y++)
			png_read_row(png, row, NULL);
}

/* The fast path (png_fast.h), for F just past the signature: 0 when it read
 * the image into OUT; 1 when libpng is to read it, F back at byte 8. It
 * holds the whole file, its IDAT data, the inflated rows and the pixels at
 * once: only when the budget has room for all four (libpng needs two rows
 * and the pixels). */
static int read_fast(FILE *f, uint64_t size, const kit_png_budget *b, kit_png_pixels *out)
{
	unsigned char head[33] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	uint32_t w, h;
	int bpp;
	char why[8];
	if (fseek(f, 8, SEEK_SET) || size < 45 || fread(head + 8, 1, 25, f) != 25 ||
	    !kit_png_fast_header(head, &w, &h, &bpp))
		return fseek(f, 8, SEEK_SET), 1;
	int ct = bpp == 3 ? PNG_COLOR_TYPE_RGB : bpp == 4 ? PNG_COLOR_TYPE_RGB_ALPHA
		: PNG_COLOR_TYPE_GRAY_ALPHA;
	int channels = pillow_channels(ct, 8, out->kind, sizeof(out->kind));
	uint64_t px_n = (uint64_t)w * h * (uint64_t)bpp, raw_n = px_n + h;
	uint64_t need = 2 * size + raw_n + px_n;
	if (b && b->work_bytes)
		need += b->work_bytes((int)w, (int)h, channels);
	if (channels != bpp || size > raw_n + (64u << 20) ||
	    check_size(w, h, ct, 8, channels, size, b, why, sizeof(why)) ||
	    (b && b->bytes && need > b->bytes))
		return fseek(f, 8, SEEK_SET), 1;
	unsigned char *buf = malloc((size_t)size), *px = malloc((size_t)px_n);
	if (buf && px) {
		memcpy(buf, head, sizeof(head));
		if (fread(buf + sizeof(head), 1, (size_t)size - sizeof(head), f) ==
			    (size_t)size - sizeof(head) &&
		    !kit_png_fast_decode(buf, (size_t)size, w, h, bpp, px)) {
			free(buf);
			out->w = (int)w, out->h = (int)h, out->channels = channels;
			out->px = px;
			return 0;
		}
	}
	free(buf), free(px);
	return fseek(f, 8, SEEK_SET), 1;
}

int kit_png_load_stream(FILE *f, uint64_t size, const kit_png_budget *budget,
			kit_png_pixels *out, char *why, size_t whylen)
{
	memset(out, 0, sizeof(*out));
	struct reader r = { .f = f };
	unsigned char sig[8];
	size_t got = fread(sig, 1, sizeof(sig), f);
	if (got == 0) {
		snprintf(why, whylen, "empty file (0 bytes)");
		return -1;
	}
	if (got < sizeof(sig) || png_sig_cmp(sig, 0, sizeof(sig))) {
		snprintf(why, whylen, "not a PNG file (its first bytes are not the PNG signature)");
		return -1;
	}
	if (!read_fast(f, size, budget, out))
		return 0;
	png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &r, on_error, on_warning);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	unsigned char *volatile px = NULL;
	png_bytep *volatile rows = NULL;
	png_bytep volatile row = NULL;
	if (!png || !info) {
		snprintf(why, whylen, "out of memory in libpng");
		goto fail;
	}
	if (setjmp(r.jb)) {
		if (r.truncated)
			snprintf(why, whylen, "truncated: the file ends early (libpng: %s)", r.msg);
		else
			snprintf(why, whylen, "corrupt PNG (libpng: %s%s)", r.warnings, r.msg);
		goto fail;
	}
	png_set_read_fn(png, &r, on_read);
	png_set_sig_bytes(png, (int)sizeof(sig));
	png_set_user_limits(png, KIT_PNG_SIDE_MAX, KIT_PNG_SIDE_MAX);
	png_set_chunk_malloc_max(png, KIT_PNG_CHUNK_MAX);
	png_set_chunk_cache_max(png, 1000);
	png_read_info(png, info);
	r.warnings[0] = '\0';	/* harmless ones before the pixels */
	int ct = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
	png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
	out->channels = pillow_channels(ct, depth, out->kind, sizeof(out->kind));
	out->interlaced = png_get_interlace_type(png, info) != PNG_INTERLACE_NONE;
	if (check_size(w, h, ct, depth, out->channels, size, budget, why, whylen))
		goto fail;
	set_transforms(png, ct, depth);
	int passes = png_set_interlace_handling(png);
	png_read_update_info(png, info);
	size_t rowbytes = png_get_rowbytes(png, info);
	out->w = (int)w, out->h = (int)h;
	if (out->channels) {
		size_t want = (size_t)w * (size_t)out->channels;
		if (rowbytes != want) {
			snprintf(why, whylen, "unexpected PNG layout (%zu bytes per row, expected %zu)",
				 rowbytes, want);
			goto fail;
		}
		px = malloc(rowbytes * (size_t)h);
		rows = malloc(sizeof(*rows) * (size_t)h);
		if (!px || !rows) {
			snprintf(why, whylen, "out of memory for %ux%u pixels", w, h);
			goto fail;
		}
		for (png_uint_32 y = 0; y < h; y++)
			rows[y] = px + (size_t)y * rowbytes;
	} else if (!(row = malloc(rowbytes ? rowbytes : 1))) {
		snprintf(why, whylen, "out of memory for a row of %u pixels", w);
		goto fail;
	}
	out->px = px;
	read_rows(png, out, rows, row, passes);
	png_read_end(png, NULL);
	png_destroy_read_struct(&png, &info, NULL);
	free(rows);
	free(row);
	return 0;
fail:
	png_destroy_read_struct(&png, &info, NULL);
	free(px);
	free(rows);
	free(row);
	out->px = NULL;
	return -1;
}

/* Opens PATH without blocking and makes sure it is a regular file. The
 * descriptor, or -1 with WHY. */
static int open_regular(const char *path, uint64_t *size, char *why, size_t whylen)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(why, whylen, "cannot open: %s", strerror(errno));
		return -1;
	}
	struct stat st;
	const char *what = NULL;
	if (fstat(fd, &st))
		what = strerror(errno);
	else if (S_ISDIR(st.st_mode))
		what = "is a folder, not a file";
	else if (S_ISFIFO(st.st_mode))
		what = "is a named pipe (FIFO), not a file: reading it could wait forever";
	else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		what = "is a device, not a file";
	else if (S_ISSOCK(st.st_mode))
		what = "is a socket, not a file";
	else if (!S_ISREG(st.st_mode))
		what = "is not a regular file";
	if (what) {
		snprintf(why, whylen, "%s", what);
		close(fd);
		return -1;
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	*size = (uint64_t)st.st_size;
	return fd;
}

int kit_png_load(const char *path, const kit_png_budget *budget, kit_png_pixels *out,
		 char *why, size_t whylen)
{
	memset(out, 0, sizeof(*out));
	uint64_t size = 0;
	int fd = open_regular(path, &size, why, whylen);
	if (fd < 0)
		return -1;
	FILE *f = fdopen(fd, "rb");
	if (!f) {
		snprintf(why, whylen, "cannot open: %s", strerror(errno));
		close(fd);
		return -1;
	}
	int rc = kit_png_load_stream(f, size, budget, out, why, whylen);
	fclose(f);
	return rc;
}
