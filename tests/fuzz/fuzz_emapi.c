/* fuzz_emapi.c -- libFuzzer target: raw bytes into emapi_parse, and a parsed request checked. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emapi/emapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct emapi_request req;
	struct emapi_error err;
	int rc = emapi_parse((const char *)data, size, &req, &err);

	/* Whatever came in, the outputs hold their invariants: NUL-terminated fields, bounded
	 * name count, a documented code on refusal. */
	if (rc == 0) {
		if (req.kind < EMAPI_LOGIN || req.kind > EMAPI_CHECK_USER)
			abort();
		if (req.nnames > EMAPI_MAX_NAMES)
			abort();
		if (strnlen(req.app_id, sizeof(req.app_id)) == sizeof(req.app_id) ||
		    strnlen(req.app_secret, sizeof(req.app_secret)) == sizeof(req.app_secret) ||
		    strnlen(req.device_name, sizeof(req.device_name)) == sizeof(req.device_name) ||
		    strnlen(req.user_id, sizeof(req.user_id)) == sizeof(req.user_id) ||
		    strnlen(req.remote_ip, sizeof(req.remote_ip)) == sizeof(req.remote_ip))
			abort();
		for (size_t i = 0; i < req.nnames; i++)
			if (strnlen(req.names[i], sizeof(req.names[i])) == sizeof(req.names[i]))
				abort();
		if (req.duration_kind == EMAPI_DURATION_TIME &&
		    (req.duration_minutes < 1 || req.duration_minutes > 1000000))
			abort();
	} else {
		if (err.code != 1 && err.code != 8 && err.code != 0)
			abort();
		if (strnlen(err.text, sizeof(err.text)) == sizeof(err.text))
			abort();
		/* the error text goes back to the client: render it as the servlet would */
		struct buf b;
		buf_init(&b);
		emapi_render_failure(&b, err.code, err.text);
		buf_free(&b);
	}
	return 0;
}
