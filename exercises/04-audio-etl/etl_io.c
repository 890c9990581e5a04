/*
 * NAME
 *   etl_io.c - the plumbing of exercise 04 (etl_io.h): per-file errors, the
 *   input checks libsndfile does not make, the generated inputs, the output
 *   checks and the plain copy. Shared; students do not edit it.
 *
 * NOTES
 *   Every file this writes goes through kit_atomic_open/commit (a temporary
 *   file beside the target, synced, then renamed), like the ETL's outputs.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "etl_io.h"
#include "etl_noise.h"

void etl_fail(etl_result *r, const char *fmt, ...)
{
	if (r->status == ETL_FAILED && r->error[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	r->status = ETL_FAILED;
}

int etl_read_full(int fd, void *buf, size_t len)
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

int etl_write_full(int fd, const void *buf, size_t len)
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

long long etl_file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) ? -1 : (long long)st.st_size;
}

/* The name libsndfile gives the major format of FORMAT ("AIFF (Apple/SGI)"). */
static const char *format_name(int format)
{
	SF_FORMAT_INFO fi = { .format = format & SF_FORMAT_TYPEMASK };
	if (sf_command(NULL, SFC_GET_FORMAT_INFO, &fi, sizeof(fi)) || !fi.name)
		return "an unknown format";
	return fi.name;
}

int etl_check_input(const char *path, const SF_INFO *info, etl_result *r)
{
	if ((info->format & SF_FORMAT_TYPEMASK) != SF_FORMAT_WAV) {
		etl_fail(r, "cannot read '%s': not a WAV file (it holds %s); this ETL "
			 "reads WAV only", path, format_name(info->format));
		return -1;
	}
	if (info->channels < 1 || info->frames < 0) {
		etl_fail(r, "cannot read '%s': its header says %d channels and %lld frames",
			 path, info->channels, (long long)info->frames);
		return -1;
	}
	/* RIFF: "RIFF", the length of what follows (little-endian), "WAVE". */
	unsigned char h[12];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		etl_fail(r, "cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	int got = etl_read_full(fd, h, sizeof(h));
	struct stat st;
	int serr = fstat(fd, &st);
	close(fd);
	if (got == 1 && !serr && !memcmp(h, "RIFF", 4)) {
		long long want = 8LL + ((long long)h[4] | (long long)h[5] << 8 |
					(long long)h[6] << 16 | (long long)h[7] << 24);
		if ((long long)st.st_size < want) {
			etl_fail(r, "cannot read '%s': truncated: its header promises %lld "
				 "bytes, the file has %lld (cut short while written or copied?)",
				 path, want, (long long)st.st_size);
			return -1;
		}
	}
	return 0;
}

int etl_peek(const char *path, SF_INFO *info)
{
	memset(info, 0, sizeof(*info));
	SNDFILE *s = sf_open(path, SFM_READ, info);
	if (!s)
		return -1;
	sf_close(s);
	return 0;
}

/* Writes N frames of X (mono, ETL_RATE) as a float WAV at PATH, atomically. */
static int write_wav(const char *path, const float *x, sf_count_t n)
{
	kit_atomic a;
	if (kit_atomic_open(&a, path))
		return -1;
	SF_INFO info = { .samplerate = ETL_RATE, .channels = 1,
			 .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT };
	SNDFILE *s = sf_open_fd(fileno(a.f), SFM_WRITE, &info, SF_FALSE);
	if (!s) {
		kit_error("cannot write '%s': %s", path, sf_strerror(NULL));
		kit_atomic_abort(&a);
		return -1;
	}
	sf_command(s, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);	/* no time stamp: same bytes */
	sf_count_t put = sf_writef_float(s, x, n);
	int err = sf_close(s);
	if (put != n || err) {
		kit_error("cannot write '%s': %s", path, err ? sf_error_number(err) : "short write");
		kit_atomic_abort(&a);
		return -1;
	}
	return kit_atomic_commit(&a);
}

int etl_generate(const char *dir, int files, double seconds, double amplitude, bool verbose)
{
	sf_count_t n = (sf_count_t)llround(seconds * ETL_RATE);
	float *x = NULL;
	kit_progress pr;
	int rc = 0;

	if (kit_mkdirs(dir))
		return -1;
	kit_progress_begin(&pr, "generating", (size_t)files);
	for (int k = 0; k < files && rc == 0; k++) {
		char path[4096];
		SF_INFO info;
		snprintf(path, sizeof(path), "%s/example%d.wav", dir, k);
		kit_progress_step(&pr, path);
		if (etl_peek(path, &info) == 0 && info.frames == n && info.channels == 1 &&
		    info.samplerate == ETL_RATE &&
		    info.format == (SF_FORMAT_WAV | SF_FORMAT_FLOAT))
			continue;
		if (!x) {
			x = malloc((size_t)n * sizeof(*x) + 1);
			if (!x) {
				kit_error("cannot generate %.0f s of audio: out of memory; use "
					  "fewer --seconds", seconds);
				rc = -1;
				break;
			}
			/* The seed: np.sin(2 pi f t) * 0.0, t = linspace(0, seconds, n). */
			for (sf_count_t i = 0; i < n; i++) {
				double t = n > 1 ? seconds * (double)i / (double)(n - 1) : 0.0;
				x[i] = (float)(amplitude * sin(2.0 * M_PI * 440.0 * t));
			}
		}
		if (verbose && !pr.on)
			printf("creating %s\n", path);
		rc = write_wav(path, x, n);
	}
	kit_progress_end(&pr);
	free(x);
	return rc;
}

/* Reads all of PATH into a new buffer; fills *INFO. 0, or -1 with WHY. */
static int read_all(const char *path, SF_INFO *info, float **x, char *why, size_t len)
{
	memset(info, 0, sizeof(*info));
	*x = NULL;
	SNDFILE *s = sf_open(path, SFM_READ, info);
	if (!s) {
		snprintf(why, len, "cannot read '%s': %s", path, sf_strerror(NULL));
		return -1;
	}
	size_t n = (size_t)info->frames * (size_t)info->channels;
	*x = malloc(n * sizeof(**x) + 1);
	if (!*x)
		abort();
	sf_count_t got = sf_readf_float(s, *x, info->frames);
	sf_close(s);
	if (got != info->frames) {
		snprintf(why, len, "cannot read '%s': %lld of %lld frames", path,
			 (long long)got, (long long)info->frames);
		free(*x);
		*x = NULL;
		return -1;
	}
	return 0;
}

int etl_check_output(const char *in, const char *out, const etl_params *p, etl_check *c)
{
	SF_INFO ii, oi;
	float *x, *y;
	memset(c, 0, sizeof(*c));
	if (read_all(in, &ii, &x, c->why, sizeof(c->why)))
		return -1;
	if (read_all(out, &oi, &y, c->why, sizeof(c->why))) {
		free(x);
		return 0;
	}
	c->frames = oi.frames;
	if (oi.frames != ii.frames || oi.channels != ii.channels ||
	    oi.samplerate != ii.samplerate) {
		snprintf(c->why, sizeof(c->why), "'%s' has %lld frames, %d channels at %d Hz; "
			 "its input has %lld, %d at %d Hz", out, (long long)oi.frames,
			 oi.channels, oi.samplerate, (long long)ii.frames, ii.channels,
			 ii.samplerate);
		goto out;
	}
	if ((oi.format & SF_FORMAT_TYPEMASK) != SF_FORMAT_WAV) {
		snprintf(c->why, sizeof(c->why), "'%s' is not a WAV file", out);
		goto out;
	}
	uint64_t key = etl_key_of(in), h = UINT64_C(0xCBF29CE484222325);
	size_t n = (size_t)oi.frames * (size_t)oi.channels;
	for (size_t i = 0; i < n; i++) {
		float v = y[i], want = etl_noisy(x[i], p->sigma, p->seed, key, i);
		uint32_t bits, wbits;
		memcpy(&bits, &v, sizeof(bits));
		memcpy(&wbits, &want, sizeof(wbits));
		h = (h ^ bits) * UINT64_C(0x100000001B3);
		if (!(v >= -1.0f && v <= 1.0f)) {
			snprintf(c->why, sizeof(c->why), "'%s': sample %zu is %g, outside [-1, 1]",
				 out, i, (double)v);
			goto out;
		}
		if (bits != wbits) {
			snprintf(c->why, sizeof(c->why), "'%s': sample %zu is %.9g, not the %.9g "
				 "of the definition (etl_noisy in etl_noise.h, sample i of the "
				 "file's own stream)", out, i, (double)v, (double)want);
			goto out;
		}
		if (v == 1.0f || v == -1.0f) {
			c->clipped++;
		} else {
			double d = (double)v - (double)x[i];
			c->sum_sq += d * d;
			c->count++;
		}
	}
	c->hash = h;
	c->ok = true;
	/* The noise's spread, when there are enough samples to tell (relative
	 * standard error 1 / sqrt(2 n): 0.2% at 1e5 samples, 2% is 10 of them). */
	if (c->count >= 20000 && p->sigma > 0) {
		double s = sqrt(c->sum_sq / (double)c->count);
		if (fabs(s / p->sigma - 1.0) > 0.02) {
			c->ok = false;
			snprintf(c->why, sizeof(c->why), "'%s': the noise's standard deviation "
				 "is %.5f, more than 2%% from sigma = %g", out, s, p->sigma);
		}
	}
out:
	free(x);
	free(y);
	return 0;
}

int etl_copy_file(const char *in, const char *out, etl_result *r)
{
	static const size_t chunk = 1 << 20;
	kit_atomic a;
	char *buf = NULL;
	memset(r, 0, sizeof(*r));
	r->pid = (int)getpid();
	double t0 = kit_wtime(), tr = 0;
	int fd = open(in, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		etl_fail(r, "cannot read '%s': %s", in, strerror(errno));
		return -1;
	}
	if (kit_atomic_open(&a, out)) {
		etl_fail(r, "cannot write '%s' (message above)", out);
		close(fd);
		return -1;
	}
	buf = malloc(chunk);
	if (!buf)
		abort();
	for (;;) {
		double s = kit_wtime();
		ssize_t got = read(fd, buf, chunk);
		tr += kit_wtime() - s;
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			etl_fail(r, "cannot read '%s': %s", in, strerror(errno));
			goto fail;
		}
		if (got == 0)
			break;
		if (etl_write_full(fileno(a.f), buf, (size_t)got)) {
			etl_fail(r, "cannot write '%s': %s", out, strerror(errno));
			goto fail;
		}
	}
	close(fd);
	free(buf);
	if (kit_atomic_commit(&a)) {
		etl_fail(r, "cannot write '%s' (message above)", out);
		return -1;
	}
	r->t_read = tr;
	r->t_write = kit_wtime() - t0 - tr;
	r->status = ETL_DONE;
	return 0;
fail:
	close(fd);
	free(buf);
	kit_atomic_abort(&a);
	return -1;
}
