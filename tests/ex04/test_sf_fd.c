/*
 * test_sf_fd.c - a descriptor handed to libsndfile stays the caller's.
 *
 * libsndfile 1.2.0 (Debian 12) closes the descriptor when sf_open_fd fails,
 * even with close_desc SF_FALSE: a caller that then closes it too, in a
 * threaded program, closes a number another thread may have opened in the
 * meantime (exercise 04's reference once failed a good output with "Bad file
 * descriptor" beside broken inputs). For each broken fixture of data/audio
 * that libsndfile refuses, and for a good file: kit_sf_open_fd leaves the
 * caller's descriptor open and usable, on failure and after sf_close, and
 * the library's own descriptor is closed (no descriptor leaks). The first
 * check shows the library's behaviour the rule works around, as measured
 * here (a note, not a failure, where a later libsndfile keeps it open).
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sndfile.h>

#include "tap.h"
#include "wav.h"

/* ok() with a printf name (tap.h prints the name as given). */
static char tap_name[320];
#define okf(cond, ...) (snprintf(tap_name, sizeof(tap_name), __VA_ARGS__), \
			ok((cond), tap_name))

/* How many descriptors this process has open. */
static int open_fds(void)
{
	int n = 0;
	for (int fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) != -1;
	return n;
}

int main(int argc, char **argv)
{
	const char *audio = argc > 1 ? argv[1] : "data/audio";
	static const char *refused[] = { "text.wav", "unsupported-codec.wav", "empty.wav",
					 "lies/no-data.wav", "lies/zero-channels.wav" };
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", audio, refused[0]);
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		printf("1..0 # SKIP %s is missing\n", path);
		return 0;
	}
	SF_INFO info;
	memset(&info, 0, sizeof(info));
	SNDFILE *s = sf_open_fd(fd, SFM_READ, &info, SF_FALSE);
	bool closed = fcntl(fd, F_GETFD) == -1;
	if (s)
		sf_close(s);
	if (!closed)
		close(fd);
	printf("# libsndfile %s: a failed sf_open_fd(fd, ..., SF_FALSE) %s the descriptor\n",
	       sf_version_string(), closed ? "closes" : "keeps");
	ok(!s, "libsndfile refuses text.wav");

	int before = open_fds();
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", audio, refused[i]);
		fd = open(path, O_RDONLY);
		memset(&info, 0, sizeof(info));
		s = fd < 0 ? NULL : kit_sf_open_fd(fd, SFM_READ, &info);
		char c;
		bool usable = fd >= 0 && fcntl(fd, F_GETFD) != -1 && pread(fd, &c, 1, 0) >= 0;
		okf(fd >= 0 && !s && usable, "%s refused; the caller's descriptor still open", refused[i]);
		if (s)
			sf_close(s);
		if (fd >= 0)
			close(fd);
	}
	snprintf(path, sizeof(path), "%s/%s", audio, "aiff-named.wav");
	fd = open(path, O_RDONLY);
	memset(&info, 0, sizeof(info));
	s = fd < 0 ? NULL : kit_sf_open_fd(fd, SFM_READ, &info);
	ok(s != NULL, "a file libsndfile reads opens");
	if (s)
		sf_close(s);
	ok(fd >= 0 && fcntl(fd, F_GETFD) != -1, "after sf_close the caller's descriptor is open");
	if (fd >= 0)
		close(fd);
	okf(open_fds() == before, "no descriptor left open (%d before, %d after)", before, open_fds());
	return tap_done();
}
