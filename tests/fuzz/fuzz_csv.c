/* fuzz_csv.c -- libFuzzer target for the CSV reader: every call makes progress, limits hold. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct csv_record rec; /* 65 KiB: keep it off the stack */
	struct csv_reader r;
	/* An exact-size copy so ASan sees any read past the end. */
	char *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	csv_reader_init(&r, copy, size);
	size_t last_line = 0;
	for (;;) {
		const char *before = r.p;
		const char *why = NULL;
		int rc = csv_read(&r, &rec, &why);
		if (rc == 0)
			break;
		/* Each record or error consumes input, so a bad file cannot loop forever. */
		if (r.p <= before || r.p > r.end)
			abort();
		if (r.line < 1 || r.line < last_line)
			abort();
		last_line = r.line;
		if (rc < 0) {
			if (!why)
				abort();
			continue;
		}
		if (rc != 1 || rec.nfields < 1 || rec.nfields > CSV_MAX_FIELDS)
			abort();
		for (size_t i = 0; i < rec.nfields; i++)
			if (strlen(rec.fields[i]) > CSV_MAX_FIELD)
				abort();
	}
	if (r.p != r.end)
		abort();
	free(copy);
	return 0;
}
