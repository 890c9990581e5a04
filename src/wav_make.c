/*
 * wav_make.c - test signals as WAV files (wav.h): the tone files of a demo
 * or benchmark, and the mixed inputs a grader draws from a seed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <sndfile.h>

#include "kit.h"
#include "wav.h"

#define GOLDEN UINT64_C(0x9E3779B97F4A7C15)

/* The splitmix64 finaliser. */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* The kinds of input kit_wav_make_inputs writes, in turn: every channel
 * count, rate and sample format; AMP is the peak, beyond 1 only where the
 * format can hold it (float). */
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

/* Fills FRAMES frames of KD's channels at X with two sines per channel drawn
 * from R, and the peaks +amp and -amp on the first channel. */
static void fill_signal(float *x, int64_t frames, const struct input_kind *kd, uint64_t r)
{
	for (int c = 0; c < kd->channels; c++) {
		uint64_t rc = mix64(r + (uint64_t)c + 1);
		double f1 = 50 + (double)(rc % 2000), f2 = 200 + (double)((rc >> 20) % 5000);
		double ph = (double)((rc >> 40) % 1000) / 1000.0 * 2 * M_PI;
		for (int64_t i = 0; i < frames; i++) {
			double t = (double)i / kd->rate;
			x[(size_t)i * (size_t)kd->channels + (size_t)c] = (float)(kd->amp *
				(0.6 * sin(2 * M_PI * f1 * t) + 0.4 * sin(2 * M_PI * f2 * t + ph)));
		}
	}
	x[0] = (float)kd->amp;
	if (frames > 1)
		x[kd->channels] = (float)-kd->amp;
}

int kit_wav_make_inputs(const char *dir, uint64_t seed, int count, double length)
{
	if (kit_mkdirs(dir))
		return -1;
	uint64_t base = mix64(seed ^ UINT64_C(0x5EED0F0E7A11D1E5));
	for (int k = 0; k < count; k++) {
		uint64_t r = mix64(base + (uint64_t)(k + 1) * GOLDEN);
		const struct input_kind *kd = &input_kinds[(seed + (uint64_t)k) % NKINDS];
		/* 0.05 to 1 times LENGTH; every fifth file a few frames only. */
		int64_t frames = k % 5 == 4 ? 1 + (int64_t)(r % 64)
				 : (int64_t)((0.05 + 0.95 * (double)(r >> 11) * 0x1p-53) * length *
					     kd->rate);
		frames = frames < 1 ? 1 : frames;
		float *x = malloc((size_t)frames * (size_t)kd->channels * sizeof(*x) + 1);
		if (!x) {
			kit_error("cannot make inputs: out of memory");
			return -1;
		}
		fill_signal(x, frames, kd, r);
		char path[4096];
		snprintf(path, sizeof(path), "%s/in%02d-%dch-%dhz-%s.wav", dir, k, kd->channels,
			 kd->rate, kd->fmt);
		int rc = kit_wav_write(path, x, frames, kd->channels, kd->rate, kd->subformat);
		free(x);
		if (rc)
			return -1;
	}
	return 0;
}

/* N samples of a 440 Hz tone over SECONDS times AMPLITUDE, as numpy's
 * np.sin(2 pi f t) * a, t = linspace(0, seconds, n). NULL when out of memory. */
static float *tone(int64_t n, double seconds, double amplitude)
{
	float *x = malloc((size_t)n * sizeof(*x) + 1);
	for (int64_t i = 0; x && i < n; i++) {
		double t = n > 1 ? seconds * (double)i / (double)(n - 1) : 0.0;
		x[i] = (float)(amplitude * sin(2.0 * M_PI * 440.0 * t));
	}
	return x;
}

int kit_wav_tones(const char *dir, int files, double seconds, int rate, double amplitude,
		  bool verbose)
{
	int64_t n = (int64_t)llround(seconds * rate);
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
		if (kit_wav_peek(path, &info) == 0 && info.frames == n && info.channels == 1 &&
		    info.samplerate == rate && info.format == (SF_FORMAT_WAV | SF_FORMAT_FLOAT))
			continue;
		if (!x && !(x = tone(n, seconds, amplitude))) {
			kit_error("cannot generate %.0f s of audio: out of memory; use fewer "
				  "seconds", seconds);
			rc = -1;
			break;
		}
		if (verbose && !pr.on)
			printf("creating %s\n", path);
		rc = kit_wav_write(path, x, n, 1, rate, SF_FORMAT_FLOAT);
	}
	kit_progress_end(&pr);
	free(x);
	return rc;
}
