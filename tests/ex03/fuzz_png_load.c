/*
 * fuzz_png_load.c - a libFuzzer target for the kit's PNG loading (kit_png.h),
 * which exercise 03 reads its images with
 * (kit_png_load_stream: its checks, libpng's limits, the memory budget).
 *
 * Built and run by tests/ex03/ex03.sh (case fuzz) with clang:
 *   clang -fsanitize=fuzzer,address,undefined -I src \
 *     src/png.c tests/ex03/fuzz_png_load.c -lpng
 *   ./fuzz -max_total_time=30 CORPUS
 * Any crash, leak, sanitizer report or timeout fails the test; a finding
 * belongs in data/images/broken/hostile/ as a fixture.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "kit_png.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char empty[1];
	FILE *f = fmemopen(size ? (void *)data : empty, size ? size : 1, "rb");
	if (!f)
		return 0;
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
	return 0;
}
