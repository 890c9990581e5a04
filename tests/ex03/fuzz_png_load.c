/*
 * fuzz_png_load.c - a libFuzzer target for the kit's PNG loading (kit_png.h),
 * which exercise 03 reads its images with
 * (kit_png_load_stream: its checks, libpng's limits, the memory budget, the
 * fast path). Every other input has its chunks' CRCs made right first:
 * random changes almost never keep a CRC, and without this the fuzzer would
 * not get past them into what they guard (the header's fields, the zlib
 * stream, the filter bytes).
 *
 * Built and run by tests/ex03/ex03.sh (case fuzz) with clang:
 *   clang -fsanitize=fuzzer,address,undefined -I src \
 *     src/png.c src/png_fast.c tests/ex03/fuzz_png_load.c -lpng -ldeflate
 *   ./fuzz -max_total_time=30 CORPUS
 * Any crash, leak, sanitizer report or timeout fails the test; a finding
 * belongs in data/images/broken/hostile/ as a fixture.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <libdeflate.h>
#include <string.h>

#include "kit_png.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Writes the right CRC into every whole chunk of D (N bytes). */
static void fix_crcs(uint8_t *d, size_t n)
{
	for (size_t pos = 8; n >= 12 && pos <= n - 12;) {
		uint32_t len = be32(d + pos);
		if (len > n - 12 - pos)
			return;
		uint32_t crc = libdeflate_crc32(0, d + pos + 4, (size_t)len + 4);
		uint8_t *c = d + pos + 8 + len;
		c[0] = (uint8_t)(crc >> 24), c[1] = (uint8_t)(crc >> 16);
		c[2] = (uint8_t)(crc >> 8), c[3] = (uint8_t)crc;
		pos += 12 + (size_t)len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char empty[1];
	static unsigned calls;
	uint8_t *copy = size ? malloc(size) : NULL;
	if (size && !copy)
		return 0;
	if (copy) {
		memcpy(copy, data, size);
		if (calls++ % 2)
			fix_crcs(copy, size);
	}
	FILE *f = fmemopen(copy ? (void *)copy : empty, size ? size : 1, "rb");
	if (!f) {
		free(copy);
		return 0;
	}
	if (!size)
		fgetc(f);	/* at end of file: an empty input */
	kit_png_budget budget = { .bytes = 64u << 20 };
	kit_png_pixels p;
	char why[256];
	if (kit_png_load_stream(f, size, &budget, &p, why, sizeof(why)) == 0) {
		size_t n = (size_t)p.w * (size_t)p.h * (size_t)p.channels;
		volatile unsigned sum = 0;	/* touch every byte: ASan sees overruns */
		for (size_t i = 0; i < n; i++)
			sum += p.px[i];
		free(p.px);
	}
	fclose(f);
	free(copy);
	return 0;
}
