/* fuzz_addr.c -- libFuzzer target for the host:port parser: no crash; an accepted address has a
 * terminated host and a port in range, is accepted by every looser mode too, and formatted back
 * it parses to the same host and port. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *s, unsigned flags)
{
	struct addr a, again, looser;
	char out[ADDR_MAX];
	int rc = addr_parse(&a, s, flags, 8443);

	if (rc != 0) {
		if (rc != EINVAL || a.host[0] || a.port)
			abort();
		return;
	}
	if (strnlen(a.host, sizeof(a.host)) == sizeof(a.host) || !a.host[0] || a.port < 0 ||
	    a.port > 65535 || (a.port == 0 && !(flags & ADDR_LISTEN)))
		abort();
	if ((a.ip == 6) != (strchr(a.host, ':') != NULL))
		abort();
	/* "host:port" is accepted wherever the port is optional, and where we bind */
	if (addr_parse(&looser, s, flags | ADDR_PORT_OPTIONAL | ADDR_LISTEN, 8443) != 0 ||
	    strcmp(looser.host, a.host) != 0 || looser.port != a.port)
		abort();
	if (addr_format(out, sizeof(out), a.host, a.port) != 0 ||
	    addr_parse(&again, out, flags | ADDR_LISTEN, 8443) != 0 ||
	    strcmp(again.host, a.host) != 0 || again.port != a.port)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check(s, 0);
	check(s, ADDR_PORT_OPTIONAL);
	check(s, ADDR_LISTEN);
	free(s);
	return 0;
}
