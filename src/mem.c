/*
 * mem.c - allocation that cannot fail, formatted strings and the growing
 * string kit_buf (kit.h, "Memory and strings").
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit.h"

static _Noreturn void out_of_memory(void)
{
	kit_error("out of memory");
	abort();
}

void *kit_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *kit_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *kit_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		out_of_memory();
	return q;
}

char *kit_xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		out_of_memory();
	return d;
}

char *kit_xvasprintf(const char *fmt, va_list ap)
{
	char *s;
	if (vasprintf(&s, fmt, ap) < 0)
		out_of_memory();
	return s;
}

char *kit_xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = kit_xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

/* Room for N more bytes and the NUL. */
static void buf_reserve(kit_buf *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + n + 1)
		cap *= 2;
	b->s = kit_xrealloc(b->s, cap);
	b->cap = cap;
}

void kit_buf_add(kit_buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	if (n)
		memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void kit_buf_add_str(kit_buf *b, const char *s)
{
	if (s)
		kit_buf_add(b, s, strlen(s));
}

void kit_buf_vprintf(kit_buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	buf_reserve(b, (size_t)n);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	b->len += (size_t)n;
}

void kit_buf_printf(kit_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kit_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

const char *kit_buf_str(const kit_buf *b)
{
	return b->s ? b->s : "";
}

char *kit_buf_take(kit_buf *b)
{
	char *s = b->s ? b->s : kit_xstrdup("");
	memset(b, 0, sizeof(*b));
	return s;
}

void kit_buf_free(kit_buf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}
