/*
 * safeio.c - reading untrusted files (safeio.h): regular files only, no
 * blocking on FIFOs, bounded reads, printable names.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kit.h"
#include "safeio.h"

/* What a file of mode M is, when it is not a regular file. */
static const char *kind_of(mode_t m)
{
	return S_ISDIR(m) ? "a folder, not a file" : S_ISFIFO(m) ? "a FIFO (named pipe), not a file"
	     : S_ISCHR(m) ? "a character device, not a file" : S_ISBLK(m) ?
	       "a block device, not a file" : S_ISSOCK(m) ? "a socket, not a file" :
	       "not a regular file";
}

int kit_open_regular(const char *path, bool allow_empty, char *why, size_t len)
{
	/* Non-blocking: opening a FIFO for reading would wait for a writer. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	if (fd < 0) {
		snprintf(why, len, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st)) {
		snprintf(why, len, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (st.st_size == 0 && !allow_empty)) {
		snprintf(why, len, "it is %s", S_ISREG(st.st_mode) ? "empty (0 bytes)" :
			 kind_of(st.st_mode));
		close(fd);
		return -1;
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

int kit_read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;
	while (got < len) {
		ssize_t r = read(fd, p + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return got ? -1 : 0;
		got += (size_t)r;
	}
	return 1;
}

int kit_write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Opens PATH for kit_slurp: a regular file (no link) of at most LIMIT bytes;
 * *SIZE its size. The descriptor, or -1 with WHY. */
static int open_bounded(const char *path, size_t limit, size_t *size, char *why, size_t wlen)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0) {
		snprintf(why, wlen, "%s", errno == ENOENT ? "is missing" : errno == ELOOP ?
			 "is a symbolic link, not a file" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st)) {
		snprintf(why, wlen, "cannot be read: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > limit) {
		snprintf(why, wlen, "%s", S_ISDIR(st.st_mode) ? "is a folder, not a file" :
			 !S_ISREG(st.st_mode) ? "is not a regular file" : "is too large");
		close(fd);
		return -1;
	}
	*size = (size_t)st.st_size;
	return fd;
}

unsigned char *kit_slurp(const char *path, size_t limit, size_t *len, char *why, size_t wlen)
{
	size_t size;
	int fd = open_bounded(path, limit, &size, why, wlen);
	if (fd < 0)
		return NULL;
	unsigned char *b = malloc(size + 1);
	if (!b)
		abort();
	errno = 0;
	if (size > 0 && kit_read_full(fd, b, size) != 1) {
		snprintf(why, wlen, "cannot be read: %s", errno ? strerror(errno) :
			 "it shrank while read");
		free(b);
		close(fd);
		return NULL;
	}
	close(fd);
	b[size] = '\0';
	*len = size;
	return b;
}

/* Copies FD to the open atomic file A; *T_READ += seconds in read(2). 0, or
 * -1 with WHY naming IN or OUT. */
static int copy_fd(int fd, kit_atomic *a, const char *in, const char *out, double *t_read,
		   char *why, size_t len)
{
	static const size_t chunk = 1 << 20;
	char *buf = malloc(chunk);
	if (!buf)
		abort();
	for (;;) {
		double s = kit_wtime();
		ssize_t got = read(fd, buf, chunk);
		*t_read += kit_wtime() - s;
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			snprintf(why, len, "cannot read '%s': %s", in, strerror(errno));
		else if (got > 0 && kit_write_full(fileno(a->f), buf, (size_t)got))
			snprintf(why, len, "cannot write '%s': %s", out, strerror(errno));
		else if (got > 0)
			continue;
		free(buf);
		return got == 0 ? 0 : -1;
	}
}

int kit_copy_file(const char *in, const char *out, double *t_read, char *why, size_t len)
{
	kit_atomic a;
	double tr = 0;
	int fd = open(in, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "cannot read '%s': %s", in, strerror(errno));
		return -1;
	}
	if (kit_atomic_open(&a, out)) {
		snprintf(why, len, "cannot write '%s' (message above)", out);
		close(fd);
		return -1;
	}
	int rc = copy_fd(fd, &a, in, out, &tr, why, len);
	close(fd);
	if (rc) {
		kit_atomic_abort(&a);
		return -1;
	}
	if (kit_atomic_commit(&a)) {
		snprintf(why, len, "cannot write '%s' (message above)", out);
		return -1;
	}
	if (t_read)
		*t_read = tr;
	return 0;
}

long long kit_file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) ? -1 : (long long)st.st_size;
}

const char *kit_printable(const char *s, char *out, size_t len)
{
	size_t o = 0;
	if (!len)
		return out;
	for (const unsigned char *c = (const unsigned char *)s; *c && o + 5 < len; c++) {
		static const char esc[] = "\a\b\t\n\v\f\r";
		const char *e = *c && *c < 0x20 ? strchr(esc, *c) : NULL;
		if (*c == '\\') {
			out[o++] = '\\';
			out[o++] = '\\';
		} else if (e) {
			out[o++] = '\\';
			out[o++] = "abtnvfr"[e - esc];
		} else if (*c < 0x20 || *c == 0x7f) {
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", *c);
		} else {
			out[o++] = (char)*c;
		}
	}
	out[o] = '\0';
	return out;
}
