/*
 * fuzz_wav.c - a libFuzzer target for the kit's WAV header check
 * (src/wav_check.c, wav.h), the code that reads untrusted WAV
 * headers before libsndfile does. Built and run by fuzz.sh with clang
 * -fsanitize=fuzzer,address,undefined; the corpus starts from data/audio/
 * and generated inputs. Besides crashes, leaks and undefined behaviour, a
 * header the check accepts must keep its promises: the data inside the file,
 * whole frames, at least one channel. A finding becomes a fixture.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wav.h"

struct mem {
	const uint8_t *p;
	size_t n;
};

static long long mem_read_at(void *ctx, long long off, void *buf, size_t len)
{
	const struct mem *m = ctx;
	if (off < 0)
		abort();	/* the check never asks for a negative offset */
	if ((unsigned long long)off >= m->n)
		return 0;
	size_t k = m->n - (size_t)off < len ? m->n - (size_t)off : len;
	memcpy(buf, m->p + off, k);
	return (long long)k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem m = { data, size };
	kit_wav_facts f;
	char why[256];
	why[0] = 'x';
	int rc = kit_wav_check(mem_read_at, &m, (long long)size, &f, why, sizeof(why));
	if (rc == 0) {
		if (f.channels < 1 || f.block_align < 1 || f.data_offset < 12 ||
		    f.data_bytes < 0 || f.data_offset + f.data_bytes > (long long)size)
			abort();	/* accepted a header that lies */
		if (f.frames >= 0 && f.frames * f.block_align != f.data_bytes)
			abort();	/* frames that are not the data */
	} else if (rc < 0) {
		if (!memchr(why, '\0', sizeof(why)) || why[0] == '\0')
			abort();	/* a refusal says why */
	} else if (rc != 1) {
		abort();
	}
	return 0;
}
