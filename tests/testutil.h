/*
 * testutil.h - helpers the C tests share (beside tap.h, on every test's include
 * path): capture stderr, read a file, count lines, make a private temporary
 * folder, count or remove the entries of a folder. All static inline: a test
 * pays only for what it uses.
 */
#ifndef TESTUTIL_H
#define TESTUTIL_H
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int saved_stderr = -1;
static char capture_path[256];

/* Sends stderr to a temporary file until capture_end(). */
static inline void capture_begin(void)
{
	snprintf(capture_path, sizeof(capture_path), "/tmp/ompkit-test-err.XXXXXX");
	int fd = mkstemp(capture_path);
	if (fd < 0)
		abort();
	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}

/* Reads all of PATH (malloc'd, NUL-terminated), or NULL. */
static inline char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	size_t got;
	while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (cap - n - 1 == 0)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* Restores stderr; returns what was written there (malloc'd) and echoes it
 * as TAP comments so a failure shows it. */
static inline char *capture_end(void)
{
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	char *s = slurp(capture_path);
	unlink(capture_path);
	for (char *p = s; p && *p;) {
		size_t n = strcspn(p, "\n");
		fprintf(stderr, "# stderr: %.*s\n", (int)n, p);
		p += n + (p[n] == '\n');
	}
	return s ? s : calloc(1, 1);
}

static inline int count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* A new private folder under /tmp, its path static per call site. */
static inline char *make_tmpdir(void)
{
	char *d = strdup("/tmp/ompkit-test.XXXXXX");
	if (!d || !mkdtemp(d))
		abort();
	return d;
}

/* Entries of DIR other than . and .., or -1. */
static inline int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

/* True when any entry of DIR has ".tmp." in its name. */
static inline int has_temp(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int found = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		found |= strstr(e->d_name, ".tmp.") != NULL;
	closedir(d);
	return found;
}

/* Removes DIR and the plain files in it. */
static inline void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *p;
		if (asprintf(&p, "%s/%s", dir, e->d_name) < 0)
			abort();
		if (unlink(p))
			remove_tree(p);
		free(p);
	}
	closedir(d);
	rmdir(dir);
}
#endif
