/*
 * NAME
 *   etl_io.c - what exercise 04 adds to the kit's WAV files (wav.h): per-file
 *   errors, the outputs' record of how they were made, the output checks and
 *   the plain copy. Shared; students do not edit it.
 *
 * NOTES
 *   Every file this writes goes through kit_atomic_open/commit (a temporary
 *   file beside the target, synced, then renamed), like the ETL's outputs.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "etl_io.h"
#include "etl_noise.h"
#include "safeio.h"
#include "wav.h"

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

int etl_open_input(const char *path, etl_result *r)
{
	char why[200];
	int fd = kit_wav_open(path, why, sizeof(why));
	if (fd < 0)
		etl_fail(r, "cannot read '%s': %s", path, why);
	return fd;
}

int etl_check_input(const char *path, int fd, const SF_INFO *info, etl_result *r)
{
	char why[200];
	if (kit_wav_check_info(fd, info, why, sizeof(why)) == 0)
		return 0;
	etl_fail(r, "cannot read '%s': %s%s", path, why,
		 (info->format & SF_FORMAT_TYPEMASK) != SF_FORMAT_WAV ?
		 "; this ETL reads WAV only" : "");
	return -1;
}

int etl_check_output(const char *in, const char *out, const etl_params *p, etl_check *c)
{
	SF_INFO ii, oi;
	float *x, *y;
	memset(c, 0, sizeof(*c));
	if (kit_wav_read(in, &ii, &x, NULL, 0, c->why, sizeof(c->why)))
		return -1;
	if (kit_wav_read(out, &oi, &y, NULL, 0, c->why, sizeof(c->why))) {
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
	char why[sizeof(r->error)];
	memset(r, 0, sizeof(*r));
	r->pid = (int)getpid();
	double t0 = kit_wtime();
	if (kit_copy_file(in, out, &r->t_read, why, sizeof(why))) {
		etl_fail(r, "%s", why);
		return -1;
	}
	r->t_write = kit_wtime() - t0 - r->t_read;
	r->status = ETL_DONE;
	return 0;
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
		kit_printable(tmp, out, olen);
		return true;
	}
	return false;
}

int etl_compare_output(const char *want, const char *got, int channels, char *why, size_t len)
{
	size_t nw = 0, ng = 0;
	char w2[200];
	unsigned char *a = kit_slurp(want, (size_t)1 << 34, &nw, w2, sizeof(w2));
	if (!a) {
		snprintf(why, len, "the reference's own output '%s' %s", want, w2);
		return -1;
	}
	unsigned char *b = kit_slurp(got, nw, &ng, w2, sizeof(w2));
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
	if (kit_wav_read(out, &oi, &y, tag, sizeof(tag), w, sizeof(w))) {
		const char *reason = strstr(w, "': ");	/* w names OUT: the reason alone */
		snprintf(why, len, "it cannot be read as a WAV: %s", reason ? reason + 3 : w);
		return 0;
	}
	if (kit_wav_read(in, &ii, &x, NULL, 0, w, sizeof(w))) {
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

