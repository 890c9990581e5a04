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
#include "etl_wav.h"

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

/* pread(2) through the descriptor at CTX: etl_wav_check's reader. */
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

/* What a file of mode M is, when it is not a regular file. */
static const char *kind_of(mode_t m)
{
	return S_ISDIR(m) ? "a folder, not a file" : S_ISFIFO(m) ? "a FIFO (named pipe), not a file"
	     : S_ISCHR(m) ? "a character device, not a file" : S_ISBLK(m) ?
	       "a block device, not a file" : S_ISSOCK(m) ? "a socket, not a file" :
	       "not a regular file";
}

int etl_open_regular(const char *path, bool allow_empty, char *why, size_t len)
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

int etl_open_input(const char *path, etl_result *r)
{
	char why[200];
	etl_wav_facts f;
	struct stat st;
	int fd = etl_open_regular(path, false, why, sizeof(why));
	if (fd < 0) {
		etl_fail(r, "cannot read '%s': %s", path, why);
		return -1;
	}
	if (fstat(fd, &st) == 0 &&
	    etl_wav_check(fd_read_at, &fd, (long long)st.st_size, &f, why, sizeof(why)) < 0) {
		etl_fail(r, "cannot read '%s': %s", path, why);
		close(fd);
		return -1;
	}
	return fd;
}

int etl_check_input(const char *path, int fd, const SF_INFO *info, etl_result *r)
{
	char why[200];
	etl_wav_facts f;
	struct stat st;
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
	if (fstat(fd, &st)) {
		etl_fail(r, "cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	int c = etl_wav_check(fd_read_at, &fd, (long long)st.st_size, &f, why, sizeof(why));
	if (c < 0) {
		etl_fail(r, "cannot read '%s': %s", path, why);
		return -1;
	}
	/* Frames against bytes: what libsndfile will read against the data. */
	if (c == 0 && f.frames >= 0 && f.frames != (long long)info->frames) {
		etl_fail(r, "cannot read '%s': libsndfile counts %lld frames, but its data chunk "
			 "of %lld bytes holds %lld frames of %d bytes", path,
			 (long long)info->frames, f.data_bytes, f.frames, f.block_align);
		return -1;
	}
	return 0;
}

/* Opens the regular file PATH through libsndfile; *FD the descriptor to close
 * after sf_close. NULL with WHY. */
static SNDFILE *open_safely(const char *path, SF_INFO *info, int *fd, char *why, size_t len)
{
	memset(info, 0, sizeof(*info));
	*fd = etl_open_regular(path, false, why, len);
	if (*fd < 0)
		return NULL;
	SNDFILE *s = sf_open_fd(*fd, SFM_READ, info, SF_FALSE);
	if (!s) {
		snprintf(why, len, "%s", sf_strerror(NULL));
		close(*fd);
		*fd = -1;
	}
	return s;
}

int etl_peek(const char *path, SF_INFO *info)
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

/* Writes N frames of X (CHANNELS interleaved, RATE Hz) as a WAV of sample
 * format SUBFORMAT (SF_FORMAT_FLOAT, SF_FORMAT_PCM_16 ...) at PATH,
 * atomically. Integer formats clip at +-1 (never wrap). 0, or -1 after a
 * message. */
static int write_wav_as(const char *path, const float *x, sf_count_t n, int channels, int rate,
			int subformat)
{
	kit_atomic a;
	if (kit_atomic_open(&a, path))
		return -1;
	SF_INFO info = { .samplerate = rate, .channels = channels,
			 .format = SF_FORMAT_WAV | subformat };
	SNDFILE *s = sf_open_fd(fileno(a.f), SFM_WRITE, &info, SF_FALSE);
	if (!s) {
		kit_error("cannot write '%s': %s", path, sf_strerror(NULL));
		kit_atomic_abort(&a);
		return -1;
	}
	sf_command(s, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);	/* no time stamp: same bytes */
	sf_command(s, SFC_SET_CLIPPING, NULL, SF_TRUE);
	sf_count_t put = sf_writef_float(s, x, n);
	int err = sf_close(s);
	if (put != n || err) {
		kit_error("cannot write '%s': %s", path, err ? sf_error_number(err) : "short write");
		kit_atomic_abort(&a);
		return -1;
	}
	return kit_atomic_commit(&a);
}

/* Writes N frames of X (mono, ETL_RATE) as a float WAV at PATH, atomically. */
static int write_wav(const char *path, const float *x, sf_count_t n)
{
	return write_wav_as(path, x, n, 1, ETL_RATE, SF_FORMAT_FLOAT);
}

/* The kinds of input --make-inputs writes, in turn: every channel count,
 * rate and sample format the exercise promises; AMP is the peak, beyond 1
 * only where the format can hold it (float). */
static const struct input_kind {
	int channels, rate, subformat;
	const char *fmt;
	double amp;
} input_kinds[] = {
	{ 1, 44100, SF_FORMAT_FLOAT, "f32", 1.6 },
	{ 2, 48000, SF_FORMAT_PCM_16, "s16", 1.0 },
	{ 6, 22050, SF_FORMAT_PCM_24, "s24", 1.0 },
	{ 3, 96000, SF_FORMAT_FLOAT, "f32", 1.25 },
	{ 1, 8000, SF_FORMAT_PCM_16, "s16", 0.5 },
	{ 2, 16000, SF_FORMAT_PCM_24, "s24", 1.0 },
	{ 8, 11025, SF_FORMAT_FLOAT, "f32", 2.0 },
};
#define NKINDS (sizeof(input_kinds) / sizeof(input_kinds[0]))

int etl_make_inputs(const char *dir, uint64_t seed, int count, double length)
{
	if (kit_mkdirs(dir))
		return -1;
	uint64_t base = etl_mix64(seed ^ UINT64_C(0x5EED0F0E7A11D1E5));
	for (int k = 0; k < count; k++) {
		uint64_t r = etl_mix64(base + (uint64_t)(k + 1) * ETL_GOLDEN);
		const struct input_kind *kd = &input_kinds[(seed + (uint64_t)k) % NKINDS];
		/* 0.05 to 1 times LENGTH; every fifth file a few frames only. */
		sf_count_t frames = k % 5 == 4 ? 1 + (sf_count_t)(r % 64)
				    : (sf_count_t)((0.05 + 0.95 * (double)(r >> 11) * 0x1p-53) *
						   length * kd->rate);
		frames = frames < 1 ? 1 : frames;
		size_t ns = (size_t)frames * (size_t)kd->channels;
		float *x = malloc(ns * sizeof(*x) + 1);
		if (!x) {
			kit_error("cannot make inputs: out of memory");
			return -1;
		}
		for (int c = 0; c < kd->channels; c++) {
			uint64_t rc = etl_mix64(r + (uint64_t)c + 1);
			double f1 = 50 + (double)(rc % 2000), f2 = 200 + (double)((rc >> 20) % 5000);
			double ph = (double)((rc >> 40) % 1000) / 1000.0 * 2 * M_PI;
			for (sf_count_t i = 0; i < frames; i++) {
				double t = (double)i / kd->rate;
				x[(size_t)i * (size_t)kd->channels + (size_t)c] = (float)(kd->amp *
					(0.6 * sin(2 * M_PI * f1 * t) + 0.4 * sin(2 * M_PI * f2 * t + ph)));
			}
		}
		/* The peaks themselves: +amp and -amp on the first channel. */
		x[0] = (float)kd->amp;
		if (frames > 1)
			x[kd->channels] = (float)-kd->amp;
		char path[4096];
		snprintf(path, sizeof(path), "%s/in%02d-%dch-%dhz-%s.wav", dir, k, kd->channels,
			 kd->rate, kd->fmt);
		int rc = write_wav_as(path, x, frames, kd->channels, kd->rate, kd->subformat);
		free(x);
		if (rc)
			return -1;
	}
	return 0;
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

/* Reads all of PATH into a new buffer; fills *INFO, and COMMENT (CLEN bytes,
 * may be NULL) with its comment string ("" when none). 0, or -1 with WHY. */
static int read_all(const char *path, SF_INFO *info, float **x, char *comment, size_t clen,
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

int etl_check_output(const char *in, const char *out, const etl_params *p, etl_check *c)
{
	SF_INFO ii, oi;
	float *x, *y;
	memset(c, 0, sizeof(*c));
	if (read_all(in, &ii, &x, NULL, 0, c->why, sizeof(c->why)))
		return -1;
	if (read_all(out, &oi, &y, NULL, 0, c->why, sizeof(c->why))) {
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

/* The offset of the data chunk's samples in the RIFF file BUF[0..LEN), or -1. */
static long long data_offset(const unsigned char *b, size_t len)
{
	size_t pos = 12;
	while (len >= 12 && pos + 8 <= len) {
		unsigned long long sz = (unsigned long long)b[pos + 4] | (unsigned long long)b[pos + 5] << 8 |
					(unsigned long long)b[pos + 6] << 16 |
					(unsigned long long)b[pos + 7] << 24;
		if (!memcmp(b + pos, "data", 4))
			return (long long)pos + 8;
		pos += 8 + sz + (sz & 1);
	}
	return -1;
}

/* The WAV comment (the ICMT chunk) in the first 64 KB of BUF, printable, in
 * OUT; false when there is none. */
static bool comment_of(const unsigned char *b, size_t len, char *out, size_t olen)
{
	size_t lim = len < 65536 ? len : 65536;
	for (size_t i = 0; i + 8 <= lim; i++) {
		if (memcmp(b + i, "ICMT", 4))
			continue;
		size_t n = (size_t)b[i + 4] | (size_t)b[i + 5] << 8 | (size_t)b[i + 6] << 16 |
			   (size_t)b[i + 7] << 24;
		if (n > lim - i - 8)
			n = lim - i - 8;
		char tmp[200];
		size_t k = n < sizeof(tmp) - 1 ? n : sizeof(tmp) - 1;
		memcpy(tmp, b + i + 8, k);
		tmp[k] = '\0';
		etl_printable(tmp, out, olen);
		return true;
	}
	return false;
}

unsigned char *etl_slurp(const char *path, size_t limit, size_t *len, char *why, size_t wlen)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0) {
		snprintf(why, wlen, "%s", errno == ENOENT ? "is missing" : errno == ELOOP ?
			 "is a symbolic link, not a file" : strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st)) {
		snprintf(why, wlen, "cannot be read: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > limit) {
		snprintf(why, wlen, "%s", S_ISDIR(st.st_mode) ? "is a folder, not a file" :
			 !S_ISREG(st.st_mode) ? "is not a regular file" : "is too large");
		close(fd);
		return NULL;
	}
	unsigned char *b = malloc((size_t)st.st_size + 1);
	if (!b)
		abort();
	errno = 0;
	if (st.st_size > 0 && etl_read_full(fd, b, (size_t)st.st_size) != 1) {
		snprintf(why, wlen, "cannot be read: %s", errno ? strerror(errno) :
			 "it shrank while read");
		free(b);
		close(fd);
		return NULL;
	}
	close(fd);
	b[st.st_size] = '\0';
	*len = (size_t)st.st_size;
	return b;
}

int etl_compare_output(const char *want, const char *got, int channels, char *why, size_t len)
{
	size_t nw = 0, ng = 0;
	char w2[200];
	unsigned char *a = etl_slurp(want, (size_t)1 << 34, &nw, w2, sizeof(w2));
	if (!a) {
		snprintf(why, len, "the reference's own output '%s' %s", want, w2);
		return -1;
	}
	unsigned char *b = etl_slurp(got, nw, &ng, w2, sizeof(w2));
	if (!b) {
		if (!strcmp(w2, "is too large"))
			snprintf(why, len, "'%s' holds more bytes than the reference's output "
				 "(%zu)", got, nw);
		else
			snprintf(why, len, "'%s' %s", got, w2);
		free(a);
		return 1;
	}
	int rc = 0;
	if (ng != nw) {
		snprintf(why, len, "'%s' holds %zu bytes; the reference's output for the same "
			 "input holds %zu", got, ng, nw);
		rc = 1;
	} else if (memcmp(a, b, nw)) {
		/* The samples first: the header's record holds a hash of them. */
		long long d = data_offset(a, nw);
		size_t off = d > 0 && (size_t)d < nw ? (size_t)d : 0;
		while (off < nw && a[off] == b[off])
			off++;
		if (off == nw) {
			off = 0;
			while (a[off] == b[off])
				off++;
		}
		char ra[160], rb[160];
		if (d < 0 || (long long)off < d) {
			if (comment_of(a, nw, ra, sizeof(ra)) && comment_of(b, ng, rb, sizeof(rb)) &&
			    strcmp(ra, rb))
				snprintf(why, len, "'%s': its record of how it was made says '%s'; "
					 "the reference's says '%s'", got, rb, ra);
			else
				snprintf(why, len, "'%s': its header differs from the reference's at "
					 "byte %zu (a float WAV as libsndfile writes it, no PEAK "
					 "chunk, etl_sign_output's record)", got, off);
		} else {
			size_t i = (off - (size_t)d) / 4, at = (size_t)d + 4 * i;
			float x, y;
			memcpy(&x, b + at, 4);
			memcpy(&y, a + at, 4);
			int ch = channels > 0 ? channels : 1;
			snprintf(why, len, "'%s': frame %zu, channel %zu is %.9g; the reference "
				 "writes %.9g (etl_noisy of sample %zu)", got, i / (size_t)ch,
				 i % (size_t)ch, (double)x, (double)y, i);
		}
		rc = 1;
	}
	free(a);
	free(b);
	return rc;
}

uint64_t etl_hash_samples(const float *x, size_t n)
{
	/* Eight independent FNV-1a lanes (sample i in lane i % 8), so that the
	 * loop vectorises instead of waiting on one chain of multiplies. */
	enum { LANES = 8 };
	uint64_t h[LANES];
	size_t i = 0;
	for (int k = 0; k < LANES; k++)
		h[k] = UINT64_C(0xCBF29CE484222325) + (uint64_t)k;
	for (; i + LANES <= n; i += LANES)
		for (int k = 0; k < LANES; k++) {
			uint32_t b;
			memcpy(&b, &x[i + (size_t)k], sizeof(b));
			h[k] = (h[k] ^ b) * UINT64_C(0x100000001B3);
		}
	for (; i < n; i++) {
		uint32_t b;
		memcpy(&b, &x[i], sizeof(b));
		h[i % LANES] = (h[i % LANES] ^ b) * UINT64_C(0x100000001B3);
	}
	uint64_t all = n;
	for (int k = 0; k < LANES; k++)
		all = etl_mix64(all ^ h[k]);
	return all;
}

/* The record an output carries of how it was made. */
#define TAG_FORMAT "ompkit etl 1: sigma %.17g, seed %llu, key %016llx, input %016llx, output %016llx"

void etl_sign_output(SNDFILE *out, const etl_params *p, uint64_t key, uint64_t in_hash,
		     const float *y, size_t n)
{
	char tag[200];
	snprintf(tag, sizeof(tag), TAG_FORMAT, p->sigma, (unsigned long long)p->seed,
		 (unsigned long long)key, (unsigned long long)in_hash,
		 (unsigned long long)etl_hash_samples(y, n));
	sf_set_string(out, SF_STR_COMMENT, tag);
}

int etl_output_done(const char *in, const char *out, const etl_params *p, char *why, size_t len)
{
	SF_INFO ii, oi;
	float *x = NULL, *y = NULL;
	char tag[256], w[300];
	struct stat st;
	int done = 0;
	why[0] = '\0';
	if (lstat(out, &st) && errno == ENOENT)
		return 0;
	if (read_all(out, &oi, &y, tag, sizeof(tag), w, sizeof(w))) {
		const char *reason = strstr(w, "': ");	/* w names OUT: the reason alone */
		snprintf(why, len, "it cannot be read as a WAV: %s", reason ? reason + 3 : w);
		return 0;
	}
	if (read_all(in, &ii, &x, NULL, 0, w, sizeof(w))) {
		free(y);
		return 0;	/* the kernel reports the input's problem */
	}
	double sigma;
	unsigned long long seed, key, ih, oh;
	size_t n = (size_t)ii.frames * (size_t)ii.channels;
	uint64_t want_key = etl_key_of(in);
	if (sscanf(tag, "ompkit etl 1: sigma %lg, seed %llu, key %llx, input %llx, output %llx",
		   &sigma, &seed, &key, &ih, &oh) != 5)
		snprintf(why, len, "it carries no record of how it was made (this ETL signs "
			 "its outputs); it may be another program's or a copy");
	else if (sigma != p->sigma || seed != p->seed || key != want_key)
		snprintf(why, len, "it was made with sigma %g, seed %llu (this run: sigma %g, "
			 "seed %llu)", sigma, seed, p->sigma, (unsigned long long)p->seed);
	else if (oi.frames != ii.frames || oi.channels != ii.channels ||
		 oi.samplerate != ii.samplerate)
		snprintf(why, len, "it has %lld frames of %d channels at %d Hz; the input has "
			 "%lld of %d at %d Hz", (long long)oi.frames, oi.channels, oi.samplerate,
			 (long long)ii.frames, ii.channels, ii.samplerate);
	else if (ih != etl_hash_samples(x, n))
		snprintf(why, len, "it was made from other input samples (the input changed)");
	else if (oh != etl_hash_samples(y, n))
		snprintf(why, len, "its samples changed after it was written");
	else
		done = 1;
	/* And the definition itself, on 257 samples spread over the file. */
	for (size_t k = 0; done && n && k <= 256; k++) {
		size_t i = (size_t)((double)(n - 1) * (double)k / 256.0);
		float want = etl_noisy(x[i], p->sigma, p->seed, want_key, i);
		if (memcmp(&want, &y[i], sizeof(want))) {
			snprintf(why, len, "its sample %zu is %.9g, not the %.9g of the definition",
				 i, (double)y[i], (double)want);
			done = 0;
		}
	}
	free(x);
	free(y);
	return done;
}

const char *etl_printable(const char *s, char *out, size_t len)
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
