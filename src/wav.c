/*
 * wav.c - WAV files through libsndfile (wav.h): opening untrusted files
 * safely, what libsndfile accepts but must not be, reading whole files as
 * floats, writing atomically.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sndfile.h>

#include "kit.h"
#include "safeio.h"
#include "wav.h"

const char *kit_wav_format_name(int format)
{
	SF_FORMAT_INFO fi = { .format = format & SF_FORMAT_TYPEMASK };
	if (sf_command(NULL, SFC_GET_FORMAT_INFO, &fi, sizeof(fi)) || !fi.name)
		return "an unknown format";
	return fi.name;
}

/* pread(2) through the descriptor at CTX: kit_wav_check's reader. */
static long long fd_read_at(void *ctx, long long off, void *buf, size_t len)
{
	int fd = *(const int *)ctx;
	size_t got = 0;
	while (got < len) {
		ssize_t r = pread(fd, (char *)buf + got, len - got, (off_t)(off + (long long)got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (long long)got;
}

/* kit_wav_check on the open file FD. 0 or 1 as kit_wav_check, -1 with WHY. */
static int check_fd(int fd, kit_wav_facts *f, char *why, size_t len)
{
	struct stat st;
	if (fstat(fd, &st)) {
		snprintf(why, len, "%s", strerror(errno));
		return -1;
	}
	return kit_wav_check(fd_read_at, &fd, (long long)st.st_size, f, why, len);
}

int kit_wav_open(const char *path, char *why, size_t len)
{
	kit_wav_facts f;
	int fd = kit_open_regular(path, false, why, len);
	if (fd >= 0 && check_fd(fd, &f, why, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int kit_wav_check_info(int fd, const SF_INFO *info, char *why, size_t len)
{
	kit_wav_facts f;
	if ((info->format & SF_FORMAT_TYPEMASK) != SF_FORMAT_WAV) {
		snprintf(why, len, "not a WAV file (it holds %s)", kit_wav_format_name(info->format));
		return -1;
	}
	if (info->channels < 1 || info->frames < 0) {
		snprintf(why, len, "its header says %d channels and %lld frames", info->channels,
			 (long long)info->frames);
		return -1;
	}
	int c = check_fd(fd, &f, why, len);
	if (c < 0)
		return -1;
	/* Frames against bytes: what libsndfile will read against the data. */
	if (c == 0 && f.frames >= 0 && f.frames != (long long)info->frames) {
		snprintf(why, len, "libsndfile counts %lld frames, but its data chunk of %lld "
			 "bytes holds %lld frames of %d bytes", (long long)info->frames,
			 f.data_bytes, f.frames, f.block_align);
		return -1;
	}
	return 0;
}

SNDFILE *kit_sf_open_fd(int fd, int mode, SF_INFO *info)
{
	int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (own < 0)
		return NULL;
	return sf_open_fd(own, mode, info, SF_TRUE);
}

/* Opens the regular file PATH through libsndfile; *FD the descriptor to close
 * after sf_close. NULL with WHY. */
static SNDFILE *open_safely(const char *path, SF_INFO *info, int *fd, char *why, size_t len)
{
	memset(info, 0, sizeof(*info));
	*fd = kit_open_regular(path, false, why, len);
	if (*fd < 0)
		return NULL;
	SNDFILE *s = kit_sf_open_fd(*fd, SFM_READ, info);
	if (!s) {
		snprintf(why, len, "%s", errno == EMFILE ? strerror(errno) : sf_strerror(NULL));
		close(*fd);
		*fd = -1;
	}
	return s;
}

int kit_wav_peek(const char *path, SF_INFO *info)
{
	char why[160];
	int fd;
	SNDFILE *s = open_safely(path, info, &fd, why, sizeof(why));
	if (!s)
		return -1;
	sf_close(s);
	close(fd);
	return 0;
}

int kit_wav_read(const char *path, SF_INFO *info, float **x, char *comment, size_t clen,
		 char *why, size_t len)
{
	char w[160];
	int fd;
	*x = NULL;
	SNDFILE *s = open_safely(path, info, &fd, w, sizeof(w));
	if (!s) {
		snprintf(why, len, "cannot read '%s': %s", path, w);
		return -1;
	}
	if (comment) {
		const char *c = sf_get_string(s, SF_STR_COMMENT);
		snprintf(comment, clen, "%s", c ? c : "");
	}
	size_t n = (size_t)info->frames * (size_t)info->channels;
	*x = malloc(n * sizeof(**x) + 1);
	if (!*x)
		abort();
	sf_count_t got = sf_readf_float(s, *x, info->frames);
	sf_close(s);
	close(fd);
	if (got != info->frames) {
		snprintf(why, len, "cannot read '%s': %lld of %lld frames", path,
			 (long long)got, (long long)info->frames);
		free(*x);
		*x = NULL;
		return -1;
	}
	return 0;
}

int kit_wav_write(const char *path, const float *x, int64_t frames, int channels, int rate,
		  int subformat)
{
	kit_atomic a;
	if (kit_atomic_open(&a, path))
		return -1;
	SF_INFO info = { .samplerate = rate, .channels = channels,
			 .format = SF_FORMAT_WAV | subformat };
	SNDFILE *s = kit_sf_open_fd(fileno(a.f), SFM_WRITE, &info);
	if (!s) {
		kit_error("cannot write '%s': %s", path,
			  errno == EMFILE ? strerror(errno) : sf_strerror(NULL));
		kit_atomic_abort(&a);
		return -1;
	}
	sf_command(s, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);	/* no time stamp: same bytes */
	sf_command(s, SFC_SET_CLIPPING, NULL, SF_TRUE);
	sf_count_t put = sf_writef_float(s, x, (sf_count_t)frames);
	int err = sf_close(s);
	if (put != (sf_count_t)frames || err) {
		kit_error("cannot write '%s': %s", path, err ? sf_error_number(err) : "short write");
		kit_atomic_abort(&a);
		return -1;
	}
	return kit_atomic_commit(&a);
}
