/*
 * fuzz_npy.c - libFuzzer target for the .npy header parser (src/npy.c):
 * any bytes, any claimed file size; kit_npy_parse must return 0 or -1 with a
 * message, never read outside the buffer, and when it accepts, its figures
 * must agree with each other and with the file size.
 *   clang -fsanitize=fuzzer,address,undefined fuzz_npy.c npy.c mem.c util.c ...
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the first 8 bytes pick the file size the parser is told */
	uint64_t file_size = size;
	if (size >= 8) {
		memcpy(&file_size, data, 8);
		data += 8;
		size -= 8;
		if (file_size % 3 == 0)
			file_size = size;	/* often the buffer is the whole file */
	}
	unsigned char *copy = malloc(size ? size : 1);	/* exact size: ASan sees overruns */
	memcpy(copy, data, size);
	kit_npy h;
	kit_buf msg = { 0 };
	int rc = kit_npy_parse(copy, size, file_size, &h, &msg);
	if (rc == 0 && (h.offset + h.bytes != file_size || h.bytes != h.rows * h.cols * 8 ||
			h.offset > size || h.offset % 8))
		abort();
	if (rc != 0 && (rc != -1 || !msg.s || !*msg.s))
		abort();
	kit_buf_free(&msg);
	free(copy);
	return 0;
}
