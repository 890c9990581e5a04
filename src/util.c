/*
 * util.c - start-up checks, messages, command-line numbers, the kit's root
 * folder and atomic files (kit.h). Warnings are also kept for the next
 * results file (kit_internal.h).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kit.h"
#include "kit_build.h"
#include "kit_internal.h"

static const char *progname = "kit";

const char *kit_progname(void)
{
	return progname;
}

static void vmessage(const char *kind, const char *fmt, va_list ap)
{
	char buf[1024];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	kit__progress_interrupt();
	fprintf(stderr, "%s: %s: %s\n", progname, kind, buf);
	if (!strcmp(kind, "warning"))
		kit__warning_record(buf);
}

void kit_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage("error", fmt, ap);
	va_end(ap);
}

void kit_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage("warning", fmt, ap);
	va_end(ap);
}

/* Warnings kept for the results file; bounded so a loop cannot grow it. */
#define MAX_WARNINGS 64
static char *warnings[MAX_WARNINGS];
static size_t nwarnings;

void kit__warning_record(const char *msg)
{
	if (nwarnings == MAX_WARNINGS)
		return;
	for (size_t i = 0; i < nwarnings; i++)
		if (!strcmp(warnings[i], msg))
			return;
	warnings[nwarnings] = strdup(msg);
	if (warnings[nwarnings])
		nwarnings++;
}

size_t kit__warnings(const char *const **list)
{
	*list = (const char *const *)warnings;
	return nwarnings;
}

/* OMP_NUM_THREADS is a list of positive integers ("4" or "4,2" for nesting). */
static int check_omp_num_threads(void)
{
	const char *v = getenv("OMP_NUM_THREADS");
	if (!v)
		return 0;
	const char *p = v;
	for (;;) {
		while (*p == ' ')
			p++;
		if (!isdigit((unsigned char)*p))
			goto bad;
		char *end;
		errno = 0;
		long n = strtol(p, &end, 10);
		if (errno || n < 1 || n > 4096)
			goto bad;
		p = end;
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return 0;
		if (*p++ != ',')
			goto bad;
	}
bad:
	kit_error("OMP_NUM_THREADS='%s' is not a thread count; set a whole number from 1 up "
		  "(e.g. OMP_NUM_THREADS=4) or unset it", v);
	return -1;
}

int kit_init(int argc, char **argv)
{
	(void)argc;
	if (argv && argv[0]) {
		const char *slash = strrchr(argv[0], '/');
		progname = slash ? slash + 1 : argv[0];
	}
	return check_omp_num_threads();
}

const char *kit_option_value(int argc, char **argv, int *i, const char *eq)
{
	if (eq)
		return eq + 1;
	if (*i + 1 >= argc) {
		kit_error("option '%s' needs a value; see %s --help", argv[*i], progname);
		return NULL;
	}
	return argv[++*i];
}

/* Reads "123", "1e9", "2.5e6", "10k", "5M", "2G" as an exact whole number. */
static int read_whole(const char *s, uint64_t *out)
{
	const char *p = s;
	while (isspace((unsigned char)*p))
		p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	/* decimal digits, '.', an exponent, then at most one suffix letter */
	size_t span = strspn(p, "0123456789.eE+-");
	if (p[span] != '\0' && (strchr("kMG", p[span]) == NULL || p[span + 1] != '\0'))
		return -1;
	char *end;
	errno = 0;
	if (strpbrk(p, ".eE")) {
		if (p[span] != '\0')
			return -1;	/* "1e9k": an exponent or a suffix, not both */
		locale_t old = kit__c_numbers_begin();
		double d = strtod(p, &end);
		kit__c_numbers_end(old);
		/* beyond 2^53 a double no longer holds every whole number */
		if (errno || d < 0 || d > 9007199254740992.0 || d != floor(d))
			return -1;
		*out = (uint64_t)d;
	} else {
		unsigned long long v = strtoull(p, &end, 10);
		if (errno)
			return -1;
		*out = v;
	}
	uint64_t mult = 1;
	switch (*end) {
	case 'k': mult = 1000ull; end++; break;
	case 'M': mult = 1000000ull; end++; break;
	case 'G': mult = 1000000000ull; end++; break;
	}
	if (*end != '\0')
		return -1;
	if (mult > 1 && *out > UINT64_MAX / mult)
		return -1;
	*out *= mult;
	return 0;
}

int kit_parse_u64(const char *s, const char *what, uint64_t min, uint64_t max,
		  uint64_t *out)
{
	uint64_t v;
	if (!s || read_whole(s, &v) || v < min || v > max) {
		kit_error("%s must be a whole number from %llu to %llu, not '%s'", what,
			  (unsigned long long)min, (unsigned long long)max, s ? s : "");
		return -1;
	}
	*out = v;
	return 0;
}

int kit_parse_double(const char *s, const char *what, double min, double max,
		     double *out)
{
	char *end = NULL;
	errno = 0;
	locale_t old = kit__c_numbers_begin();	/* "0.5" whatever the locale */
	double v = s ? strtod(s, &end) : NAN;
	kit__c_numbers_end(old);
	if (!s || end == s || *end != '\0' || errno || !isfinite(v) || v < min || v > max) {
		kit_error("%s must be a number from %g to %g, not '%s'", what, min, max,
			  s ? s : "");
		return -1;
	}
	*out = v;
	return 0;
}

/* One list element: a number or a word naming a count of this machine. */
static int count_word(const char *w, size_t len, long *out)
{
	kit_topo t;
	if (len == 5 && !strncmp(w, "cores", 5)) {
		kit_topo_get(&t);
		*out = t.cores;
	} else if (len == 4 && !strncmp(w, "cpus", 4)) {
		kit_topo_get(&t);
		*out = t.pus;
	} else if (len == 5 && !strncmp(w, "2cpus", 5)) {
		kit_topo_get(&t);
		*out = 2L * t.pus;
	} else {
		if (len == 0 || len > 9)
			return -1;
		for (size_t i = 0; i < len; i++)
			if (!isdigit((unsigned char)w[i]))
				return -1;
		*out = strtol(w, NULL, 10);
	}
	return 0;
}

int kit_parse_counts(const char *s, const char *what, int min, int max,
		     int **out, size_t *n)
{
	int *v = NULL;
	size_t nv = 0, cap = 0;
	const char *p = s ? s : "";
	if (!*p)
		goto bad;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		const char *dash = memchr(p, '-', len);
		long a, b;
		if (dash) {
			if (count_word(p, (size_t)(dash - p), &a) ||
			    count_word(dash + 1, len - (size_t)(dash - p) - 1, &b) || b < a)
				goto bad;
		} else {
			if (count_word(p, len, &a))
				goto bad;
			b = a;
		}
		if (a < min || b > max || b - a > 100000)
			goto bad;
		for (long x = a; x <= b; x++) {
			if (nv == cap) {
				cap = cap ? 2 * cap : 16;
				int *nvp = kit_xrealloc(v, cap * sizeof(*v));
				v = nvp;
			}
			v[nv++] = (int)x;
		}
		p += len;
		if (*p == ',') {
			p++;
			if (!*p)
				goto bad;
		}
	}
	*out = v;
	*n = nv;
	return 0;
bad:
	free(v);
	kit_error("%s must be a list of whole numbers from %d to %d such as '1,2,4' or "
		  "'1-8' (the words cores, cpus and 2cpus count this machine), not '%s'",
		  what, min, max, s ? s : "");
	return -1;
}

const char *kit_root(void)
{
	const char *r = getenv("KIT_ROOT");
	return r && *r ? r : KIT_SOURCE_ROOT;
}

const char *kit_shown_path(const char *path)
{
	const char *root = kit_root();
	size_t n = strlen(root);
	return !strncmp(path, root, n) && path[n] == '/' ? path + n + 1 : path;
}

int kit_atomic_open(kit_atomic *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	size_t len = strlen(path);
	a->path = kit_xstrdup(path);
	a->tmp = kit_xmalloc(len + 16);
	snprintf(a->tmp, len + 16, "%s.tmp.XXXXXX", path);
	/* close-on-exec: a child started while the file is open (gnuplot, a
	 * sweep's run, a worker) must not inherit it */
	int fd = mkostemp(a->tmp, O_CLOEXEC);
	if (fd < 0) {
		kit_error("cannot write '%s': %s; check that its folder exists and is writable, "
			  "or choose another path", path, strerror(errno));
		free(a->path);
		free(a->tmp);
		a->path = a->tmp = NULL;
		return -1;
	}
	(void)fchmod(fd, 0644); /* mkstemp makes 0600; results are for sharing */
	a->f = fdopen(fd, "w");
	if (!a->f)
		abort();
	return 0;
}

int kit_atomic_commit(kit_atomic *a)
{
	int err = 0;
	if (fflush(a->f) || fsync(fileno(a->f)))
		err = errno;
	else if (ferror(a->f))	/* an earlier write failed (its data is gone) */
		err = EIO;
	if (fclose(a->f) && !err)
		err = errno;
	a->f = NULL;
	if (!err && rename(a->tmp, a->path))
		err = errno;
	if (err) {
		kit_error("cannot write '%s': %s; nothing was written there", a->path,
			  strerror(err));
		unlink(a->tmp);
	}
	free(a->path);
	free(a->tmp);
	a->path = a->tmp = NULL;
	return err ? -1 : 0;
}

int kit_write_file(const char *path, const char *text)
{
	kit_atomic a;
	if (kit_atomic_open(&a, path))
		return -1;
	if (fputs(text, a.f) == EOF) {
		int err = errno;
		kit_atomic_abort(&a);
		kit_error("cannot write '%s': %s; nothing was written there", path,
			  strerror(err));
		return -1;
	}
	return kit_atomic_commit(&a);
}

/* The C locale for numbers, made once: '.' decimals whatever setlocale() did. */
static locale_t c_numeric;
static pthread_once_t c_numeric_once = PTHREAD_ONCE_INIT;

static void c_numeric_make(void)
{
	c_numeric = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

locale_t kit__c_numbers_begin(void)
{
	pthread_once(&c_numeric_once, c_numeric_make);
	return c_numeric ? uselocale(c_numeric) : (locale_t)0;
}

void kit__c_numbers_end(locale_t old)
{
	if (old)
		uselocale(old);
}

void kit_atomic_abort(kit_atomic *a)
{
	if (a->f)
		fclose(a->f);
	if (a->tmp)
		unlink(a->tmp);
	free(a->path);
	free(a->tmp);
	memset(a, 0, sizeof(*a));
}

int kit_mkdirs(const char *path)
{
	char *p = kit_xstrdup(path);
	for (char *s = *p ? p + 1 : p;; s++) {
		char c = *s;
		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, 0777) && errno != EEXIST) {
			kit_error("cannot make folder '%s': %s; choose a writable folder", p,
				  strerror(errno));
			free(p);
			return -1;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	struct stat st;
	if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
		kit_error("'%s' is not a folder; choose another folder", path);
		return -1;
	}
	return 0;
}
