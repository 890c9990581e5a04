/*
 * npy.c - the .npy header: parse it defensively, write it (npy.h).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "npy.h"

/* A cursor over the header text. */
typedef struct cur {
	const char *s, *end;
} cur;

static void skip_space(cur *c)
{
	while (c->s < c->end && (*c->s == ' ' || *c->s == '\t' || *c->s == '\n'))
		c->s++;
}

static bool eat(cur *c, char ch)
{
	skip_space(c);
	if (c->s < c->end && *c->s == ch) {
		c->s++;
		return true;
	}
	return false;
}

/* A quoted Python string ('...' or "...") of at most CAP-1 chars into OUT. */
static bool quoted(cur *c, char *out, size_t cap)
{
	skip_space(c);
	if (c->s >= c->end || (*c->s != '\'' && *c->s != '"'))
		return false;
	char q = *c->s++;
	size_t n = 0;
	while (c->s < c->end && *c->s != q) {
		if (n + 1 >= cap || !isprint((unsigned char)*c->s))
			return false;
		out[n++] = *c->s++;
	}
	if (c->s >= c->end)
		return false;
	c->s++;
	out[n] = 0;
	return true;
}

/* A whole number < 2^63 without sign. */
static bool number(cur *c, uint64_t *v)
{
	skip_space(c);
	if (c->s >= c->end || !isdigit((unsigned char)*c->s))
		return false;
	uint64_t x = 0;
	while (c->s < c->end && isdigit((unsigned char)*c->s)) {
		if (x > (UINT64_C(1) << 59))
			return false;
		x = x * 10 + (uint64_t)(*c->s++ - '0');
	}
	*v = x;
	return true;
}

/* The shape tuple: (R, C) or (R, C,); other lengths fail with MSG. */
static int shape(cur *c, kit_npy *out, kit_buf *msg)
{
	uint64_t dim[3];
	int n = 0;
	if (!eat(c, '('))
		goto bad;
	while (!eat(c, ')')) {
		if (n == 3 || !number(c, &dim[n++]))
			goto bad;
		if (!eat(c, ',')) {
			if (!eat(c, ')'))
				goto bad;
			break;
		}
	}
	if (n != 2) {
		kit_buf_printf(msg, "the array has %d dimension%s; this program reads a 2-D array "
			       "(rows, columns): save a.reshape(-1, 1) for one column", n,
			       n == 1 ? "" : "s");
		return -1;
	}
	out->rows = dim[0];
	out->cols = dim[1];
	return 0;
bad:
	kit_buf_add_str(msg, "the header's 'shape' is not a tuple of whole numbers");
	return -1;
}

/* Explains DESCR, which is not '<f8'. */
static void wrong_dtype(const char *descr, kit_buf *msg)
{
	const char *what = strcmp(descr, ">f8") == 0 ? "big-endian float64"
			 : strcmp(descr, "<f4") == 0 ? "float32"
			 : strstr(descr, "i") ? "integers" : "not float64";
	kit_buf_printf(msg, "dtype '%s' (%s); this program reads '<f8' (little-endian "
		       "float64): save a.astype('<f8')", descr, what);
}

/* The dict: its three keys in any order, each once. */
static int dict(cur *c, kit_npy *out, kit_buf *msg)
{
	bool seen_descr = false, seen_order = false, seen_shape = false;
	char key[32], descr[32];
	if (!eat(c, '{'))
		goto bad;
	while (!eat(c, '}')) {
		if (!quoted(c, key, sizeof(key)) || !eat(c, ':'))
			goto bad;
		if (strcmp(key, "descr") == 0 && !seen_descr) {
			if (!quoted(c, descr, sizeof(descr)))
				goto bad;
			if (strcmp(descr, "<f8") != 0) {
				wrong_dtype(descr, msg);
				return -1;
			}
			seen_descr = true;
		} else if (strcmp(key, "fortran_order") == 0 && !seen_order) {
			skip_space(c);
			if ((size_t)(c->end - c->s) >= 4 && memcmp(c->s, "True", 4) == 0) {
				kit_buf_add_str(msg, "the array is in Fortran order (column by "
						"column); this program reads C order: save "
						"np.ascontiguousarray(a)");
				return -1;
			}
			if ((size_t)(c->end - c->s) < 5 || memcmp(c->s, "False", 5) != 0)
				goto bad;
			c->s += 5;
			seen_order = true;
		} else if (strcmp(key, "shape") == 0 && !seen_shape) {
			if (shape(c, out, msg))
				return -1;
			seen_shape = true;
		} else {
			kit_buf_printf(msg, "the header has an unknown or repeated key '%s'", key);
			return -1;
		}
		if (!eat(c, ',')) {
			if (!eat(c, '}'))
				goto bad;
			break;
		}
	}
	if (seen_descr && seen_order && seen_shape)
		return 0;
	kit_buf_add_str(msg, "the header lacks one of 'descr', 'fortran_order', 'shape'");
	return -1;
bad:
	kit_buf_add_str(msg, "the header is not the dict NumPy writes ({'descr': '<f8', "
			"'fortran_order': False, 'shape': (rows, cols), })");
	return -1;
}

/* Magic, version and header length: *HDR and *HLEN, or -1 with MSG. */
static int preamble(const unsigned char *b, size_t len, size_t *hdr, size_t *hlen,
		    kit_buf *msg)
{
	if (len < 10 || memcmp(b, "\x93NUMPY", 6) != 0) {
		kit_buf_add_str(msg, "not a .npy file: it does not start with \\x93NUMPY "
				"(write it with numpy.save)");
		return -1;
	}
	if (b[6] == 1 && b[7] == 0) {
		*hdr = 10;
		*hlen = (size_t)b[8] | (size_t)b[9] << 8;
	} else if ((b[6] == 2 || b[6] == 3) && b[7] == 0 && len >= 12) {
		*hdr = 12;
		*hlen = (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 |
			(size_t)b[11] << 24;
	} else {
		kit_buf_printf(msg, ".npy version %d.%d; this program reads 1.0, 2.0 and 3.0",
			       b[6], b[7]);
		return -1;
	}
	if (*hlen > KIT_NPY_MAX_HEADER || *hdr + *hlen > len) {
		kit_buf_printf(msg, "the header claims %zu bytes; the file is shorter or the "
			       "header longer than %d bytes: truncated or not a .npy file",
			       *hlen, KIT_NPY_MAX_HEADER);
		return -1;
	}
	return 0;
}

int kit_npy_parse(const void *buf, size_t len, uint64_t file_size, kit_npy *out,
		  kit_buf *msg)
{
	const unsigned char *b = buf;
	size_t hdr, hlen;
	memset(out, 0, sizeof(*out));
	if (preamble(b, len, &hdr, &hlen, msg))
		return -1;
	cur c = { (const char *)b + hdr, (const char *)b + hdr + hlen };
	if (dict(&c, out, msg))
		return -1;
	skip_space(&c);
	if (c.s != c.end) {
		kit_buf_add_str(msg, "the header has text after its dict");
		return -1;
	}
	out->offset = hdr + hlen;
	if (out->offset % 8) {
		kit_buf_printf(msg, "the data starts at byte %llu, not a multiple of 8: not a "
			       "file numpy.save writes", (unsigned long long)out->offset);
		return -1;
	}
	if (out->cols == 0 || out->rows > UINT64_MAX / 8 / out->cols) {
		kit_buf_printf(msg, "shape (%llu, %llu): this program needs at least one "
			       "column and fewer than 2^61 values", (unsigned long long)out->rows,
			       (unsigned long long)out->cols);
		return -1;
	}
	out->bytes = out->rows * out->cols * 8;
	if (file_size < out->offset) {
		kit_buf_printf(msg, "the file holds %llu bytes, less than its %llu-byte header: "
			       "truncated?", (unsigned long long)file_size,
			       (unsigned long long)out->offset);
		return -1;
	}
	uint64_t have = file_size - out->offset;
	if (have != out->bytes) {
		kit_buf_printf(msg, "the file holds %llu bytes of data; shape (%llu, %llu) "
			       "needs %llu: %s", (unsigned long long)have,
			       (unsigned long long)out->rows, (unsigned long long)out->cols,
			       (unsigned long long)out->bytes,
			       have < out->bytes ? "truncated?" : "extra bytes at the end");
		return -1;
	}
	return 0;
}

int kit_npy_read_header(int fd, const char *name, kit_npy *out, kit_buf *msg)
{
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		kit_buf_printf(msg, "%s: not a regular file", name);
		return -1;
	}
	size_t cap = 12 + KIT_NPY_MAX_HEADER;
	unsigned char *buf = kit_xmalloc(cap);
	ssize_t got = pread(fd, buf, cap, 0);
	if (got < 0) {
		kit_buf_printf(msg, "%s: cannot read it", name);
		free(buf);
		return -1;
	}
	kit_buf why = { 0 };
	int rc = kit_npy_parse(buf, (size_t)got, (uint64_t)st.st_size, out, &why);
	if (rc)
		kit_buf_printf(msg, "%s: %s", name, kit_buf_str(&why));
	kit_buf_free(&why);
	free(buf);
	return rc;
}

int kit_npy_write_header(FILE *f, uint64_t rows, uint64_t cols)
{
	char dict[118];
	int n = snprintf(dict, sizeof(dict),
			 "{'descr': '<f8', 'fortran_order': False, 'shape': (%llu, %llu), }",
			 (unsigned long long)rows, (unsigned long long)cols);
	if (n < 0 || n > 117)
		return -1;
	memset(dict + n, ' ', (size_t)(117 - n));
	dict[117] = '\n';
	if (fwrite("\x93NUMPY\x01\x00\x76\x00", 1, 10, f) != 10 || fwrite(dict, 1, 118, f) != 118)
		return -1;
	return 0;
}
