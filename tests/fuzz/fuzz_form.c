/* fuzz_form.c -- libFuzzer target: a form body through emapi_form_field, then emapi_parse. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emapi/emapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char xml[EMAPI_MAX_DOC + 1];
	static struct emapi_request req;
	struct emapi_error err;
	size_t n = 0;

	/* The body is copied so ASan sees any read past size (libFuzzer's buffer is exact). */
	char *body = malloc(size ? size : 1);
	if (!body)
		return 0;
	memcpy(body, data, size);
	int rc = emapi_form_field(body, size, "xml", xml, sizeof(xml), &n);
	if (rc == 0) {
		if (n >= sizeof(xml) || xml[n] != '\0' || strlen(xml) != n)
			abort();
		emapi_parse(xml, n, &req, &err);
	} else if (rc != ENOENT && rc != EINVAL && rc != E2BIG) {
		abort();
	}
	free(body);
	return 0;
}
