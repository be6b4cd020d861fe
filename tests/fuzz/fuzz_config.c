/* fuzz_config.c -- libFuzzer target for the INI config parser: no crash, errors name a line. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config c;
	char err[512];
	char *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	int rc = config_load_string(&c, "f", copy, size, err, sizeof(err));
	if (rc == 0) {
		/* Whatever parsed must satisfy the documented ranges. */
		if (c.workers < 1 || c.workers > 64 || c.max_body < 1024 || c.max_body > 16777216 ||
		    c.log_keep < 0 || c.log_keep > 100 || c.log_max_bytes < 4096 ||
		    c.nparams > CONFIG_MAX_PARAMS || !c.cluster_id[0] || !c.data_dir[0])
			abort();
		config_finish(&c);
		if (!c.database[0] || !c.log_dir[0])
			abort();
	} else if (rc != EINVAL || strncmp(err, "f:", 2) != 0) {
		abort();
	}
	free(copy);
	return 0;
}
