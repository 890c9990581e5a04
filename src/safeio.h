/*
 * safeio.h - reading files a program must not trust: only regular files,
 * never blocking on a FIFO, bounded sizes, names printed on one line.
 *
 *   char why[200];
 *   int fd = kit_open_regular(path, false, why, sizeof(why));
 *   if (fd < 0)
 *           kit_error("cannot read '%s': %s", path, why);   // "it is a FIFO ..."
 *
 * Every call retries EINTR. None prints: each says why in WHY (the true
 * cause, without the file's name), and the caller names the file.
 */
#ifndef KIT_SAFEIO_H
#define KIT_SAFEIO_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Opens PATH read-only without ever blocking (O_NONBLOCK, cleared after the
 * checks): the descriptor when PATH is a regular file, and not empty unless
 * ALLOW_EMPTY. Else -1 with WHY: strerror's text ("No such file or
 * directory"), "it is a FIFO (named pipe), not a file", "it is a folder, not
 * a file", "it is empty (0 bytes)" ...
 */
int kit_open_regular(const char *path, bool allow_empty, char *why, size_t len);

/* Reads exactly LEN bytes from FD, retrying short reads: 1 when it did, 0 at
 * the end of the file before the first byte, -1 on an error or an end of file
 * midway (errno set on an error). */
int kit_read_full(int fd, void *buf, size_t len);

/* Writes all LEN bytes of BUF to FD, retrying short writes: 0, or -1 with
 * errno set (EIO for a write that wrote nothing). */
int kit_write_full(int fd, const void *buf, size_t len);

/*
 * Reads all of PATH, which must be a regular file (not a link, FIFO or
 * folder) of at most LIMIT bytes, into a new buffer with a NUL after it
 * (caller frees); *LEN gets its length. NULL with WHY ("is missing", "is a
 * symbolic link, not a file", "is a folder, not a file", "is too large" ...),
 * to follow the file's name. Aborts when memory runs out.
 */
unsigned char *kit_slurp(const char *path, size_t limit, size_t *len, char *why, size_t wlen);

/*
 * Copies IN to OUT byte for byte with read(2) and write(2) in 1 MiB chunks,
 * atomically (kit_atomic_open: a temporary file beside OUT, synced, renamed
 * over OUT when complete): the I/O limit of a job that reads and writes
 * whole files. *T_READ (may be NULL) gets the seconds spent in read(2). 0, or
 * -1 with WHY naming the file ("cannot read 'a.wav': ...", or "cannot write
 * 'b.wav' (message above)" after kit_atomic's own line); OUT is untouched.
 */
int kit_copy_file(const char *in, const char *out, double *t_read, char *why, size_t len);

/* Bytes of PATH (following links), or -1 when it cannot be stat'ed. */
long long kit_file_size(const char *path);

/*
 * S with control characters and backslashes escaped (\n, \t, \x1b, a
 * doubled backslash) into OUT, cut to fit LEN bytes: a file name or a
 * message naming files stays on one line of output. Returns OUT.
 */
const char *kit_printable(const char *s, char *out, size_t len);

#endif /* KIT_SAFEIO_H */
