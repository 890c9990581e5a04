/*
 * text.c - strings and files the grader's parts share (grade.h): lines of a
 * program's output, folders, copies, JSON files, captured runs of the kit's
 * own tools, fresh seeds. No grading logic lives here.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "grade.h"

bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* The line of TEXT that starts at P, without its newline, malloc'd. */
char *line_at(const char *p)
{
	size_t n = strcspn(p, "\n");
	char *s = kit_xcalloc(1, n + 1);
	memcpy(s, p, n);
	return s;
}

/* The last line of TEXT that starts with PREFIX (after blanks), or NULL. */
char *last_line_with_prefix(const char *text, const char *prefix)
{
	const char *found = NULL;
	for (const char *p = text; p && *p;) {
		const char *q = p;
		while (*q == ' ' || *q == '\t')
			q++;
		if (starts_with(q, prefix))
			found = q;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return found ? line_at(found) : NULL;
}

/* The first line of TEXT that contains NEEDLE, or NULL. */
char *first_line_containing(const char *text, const char *needle)
{
	const char *hit = text ? strstr(text, needle) : NULL;
	if (!hit)
		return NULL;
	while (hit > text && hit[-1] != '\n')
		hit--;
	return line_at(hit);
}

char *trimmed_last_line(const char *text)
{
	if (!text)
		return NULL;
	size_t n = strlen(text);
	while (n && isspace((unsigned char)text[n - 1]))
		n--;
	if (!n)
		return NULL;
	size_t start = n;
	while (start && text[start - 1] != '\n')
		start--;
	char *s = kit_xcalloc(1, n - start + 1);
	memcpy(s, text + start, n - start);
	return s;
}

int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double median_of(const double *x, size_t n)
{
	kit_stats s;
	return kit_stats_of(x, n, &s) ? NAN : s.median;
}

/* ------------------------------------------------------------------------
 * Files and folders
 */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP || flag == FTW_D)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* Removes PATH and everything under it, links not followed. */
void rm_rf(const char *path)
{
	if (path && *path)
		nftw(path, rm_entry, 32, FTW_DEPTH | FTW_PHYS);
}

bool is_file(const char *path)
{
	struct stat st;
	return !stat(path, &st) && S_ISREG(st.st_mode);
}

bool is_dir(const char *path)
{
	struct stat st;
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* Makes every folder of PATH's parent (mkdir -p of dirname). */
int mkdir_parents(const char *path)
{
	char *dir = kit_xstrdup(path), *slash = strrchr(dir, '/');
	int rc = 0;
	if (slash && slash != dir) {
		*slash = '\0';
		rc = kit_mkdirs(dir);
	}
	free(dir);
	return rc;
}

/* True when A and B are regular files with the same bytes. */
bool same_content(const char *a, const char *b)
{
	struct stat sa, sb;
	if (stat(a, &sa) || stat(b, &sb) || !S_ISREG(sa.st_mode) || !S_ISREG(sb.st_mode) ||
	    sa.st_size != sb.st_size)
		return false;
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	bool same = fa && fb;
	char x[8192], y[8192];
	size_t n;
	while (same && (n = fread(x, 1, sizeof(x), fa)) > 0)
		same = fread(y, 1, n, fb) == n && !memcmp(x, y, n);
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

/* Copies the regular file or link FROM to TO (parents made), keeping the mode. */
int copy_entry(const char *from, const char *to)
{
	struct stat st;
	if (lstat(from, &st))
		return 0;	/* listed by git but deleted: nothing to copy */
	if (mkdir_parents(to))
		return -1;
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlink(from, target, sizeof(target) - 1);
		if (n < 0)
			return 0;
		target[n] = 0;
		unlink(to);
		return symlink(target, to) ? -1 : 0;
	}
	if (!S_ISREG(st.st_mode))
		return 0;
	if (same_content(from, to))
		return 0;	/* unchanged: keep its time stamp, so ninja rebuilds nothing */
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		kit_error("cannot read '%s': %s", from, strerror(errno));
		return -1;
	}
	unlink(to);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st.st_mode & 0777);
	if (out < 0) {
		kit_error("cannot write '%s': %s", to, strerror(errno));
		close(in);
		return -1;
	}
	char buf[65536];
	ssize_t n;
	int rc = 0;
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, (size_t)n) != n) {
			kit_error("cannot write '%s': %s", to, strerror(errno));
			rc = -1;
			break;
		}
	}
	close(in);
	if (close(out))
		rc = -1;
	return rc;
}

/* cp -r FROM TO, leaving out build*, results and .git at the top (REL ""). */
int copy_tree(const char *from, const char *to, const char *rel)
{
	char *dir = *rel ? kit_xasprintf("%s/%s", from, rel) : kit_xstrdup(from);
	DIR *d = opendir(dir);
	if (!d) {
		kit_error("cannot read folder '%s': %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	while (!rc && (e = readdir(d))) {
		const char *n = e->d_name;
		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		if (!*rel && (starts_with(n, "build") || !strcmp(n, "results") || !strcmp(n, ".git")))
			continue;
		char *r = *rel ? kit_xasprintf("%s/%s", rel, n) : kit_xstrdup(n);
		char *src = kit_xasprintf("%s/%s", from, r);
		struct stat st;
		if (!lstat(src, &st) && S_ISDIR(st.st_mode)) {
			rc = copy_tree(from, to, r);
		} else {
			char *dst = kit_xasprintf("%s/%s", to, r);
			rc = copy_entry(src, dst);
			free(dst);
		}
		free(src);
		free(r);
	}
	closedir(d);
	free(dir);
	return rc;
}

int run_captured(char *const argv[], const char *const *env, double timeout,
			kit_proc_result *r)
{
	kit_proc_opts o = { .timeout = timeout, .setenv = env, .capture = true };
	memset(r, 0, sizeof(*r));
	return kit_proc_run(argv, &o, r);
}

/* Compiler output without ninja's progress lines. */
char *compiler_lines(const kit_proc_result *r)
{
	kit_buf b = { 0 };
	const char *streams[2] = { r->out, r->err };
	for (int s = 0; s < 2; s++) {
		for (const char *p = streams[s]; p && *p;) {
			size_t n = strcspn(p, "\n");
			bool skip = (p[0] == '[' && isdigit((unsigned char)p[1])) ||
				    starts_with(p, "ninja: Entering") ||
				    starts_with(p, "ninja: no work") || n == 0;
			if (!skip) {
				/* "../src/exercises/..." (grade), "../exercises/..." (check) */
				const char *l = p;
				size_t m = n;
				if (starts_with(l, "../src/exercises/") || starts_with(l, "../src/solutions/")) {
					l += 7;
					m -= 7;
				} else if (starts_with(l, "../exercises/") || starts_with(l, "../solutions/")) {
					l += 3;
					m -= 3;
				}
				kit_buf_printf(&b, "%.*s\n", (int)m, l);
			}
			p += n;
			if (*p)
				p++;
		}
	}
	return b.s ? b.s : kit_xstrdup("");
}

/* Up to MAX lines of TEXT from its first line containing NEEDLE (or its start). */
char *lines_from(const char *text, const char *needle, int max)
{
	const char *p = needle ? strstr(text, needle) : NULL;
	if (!p)
		p = text;
	while (p > text && p[-1] != '\n')
		p--;
	kit_buf b = { 0 };
	for (int i = 0; i < max && *p; i++) {
		size_t n = strcspn(p, "\n");
		kit_buf_printf(&b, "%.*s\n", (int)n, p);
		p += n;
		if (*p)
			p++;
	}
	return b.s ? b.s : kit_xstrdup("");
}

char *read_text(const char *path, size_t limit)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	kit_buf b = { 0 };
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (limit && b.len + n > limit) {
			kit_buf_free(&b);
			fclose(f);
			errno = EFBIG;
			return NULL;
		}
		kit_buf_add(&b, buf, n);
	}
	fclose(f);
	return b.s ? b.s : kit_xstrdup("");
}

cJSON *read_json(const char *path)
{
	char *text = read_text(path, 0);
	if (!text) {
		kit_error("cannot read '%s': %s", path, strerror(errno));
		return NULL;
	}
	cJSON *j = cJSON_Parse(text);
	if (!j)
		kit_error("'%s' is not valid JSON (near \"%.20s\"); fix it and run again", path,
			  cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() : "?");
	free(text);
	return j;
}
int write_json_file(cJSON *j, const char *path)
{
	char *text = cJSON_Print(j);
	if (!text)
		abort();
	int rc = 0;
	if (!strcmp(path, "-")) {
		fputs(text, stdout);
		fputc('\n', stdout);
	} else {
		kit_atomic a;
		if (kit_atomic_open(&a, path)) {
			rc = -1;
		} else {
			fputs(text, a.f);
			fputc('\n', a.f);
			rc = kit_atomic_commit(&a);
		}
	}
	free(text);
	return rc;
}

uint64_t fresh_seed(void)
{
	uint64_t v;
	if (getrandom(&v, sizeof(v), 0) == (ssize_t)sizeof(v))
		return v;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 40);
}

char *tail_lines(const char *text, int max)
{
	if (!text)
		return kit_xstrdup("");
	size_t n = strlen(text), i = n;
	int lines = 0;
	while (i > 0 && lines < max)
		if (text[--i] == '\n' && i + 1 < n)
			lines++;
	if (i > 0)
		i++;
	return kit_xstrdup(text + i);
}
