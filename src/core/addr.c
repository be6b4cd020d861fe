/* addr.c -- host:port addresses: one parser and formatter (rules in addr.h). */
#include "core/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "core/str.h"

#define ZONE_MAX 15 /* IFNAMSIZ - 1 */

/* A DNS name in letter-digit-hyphen form (RFC 1123), no trailing dot. */
static int dns_name_ok(const char *s, size_t n)
{
	size_t label = 0;

	if (n < 1 || n > ADDR_HOST_MAX - 1)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return 0;
		if (c == '-' && label == 0)
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && s[n - 1] != '-';
}

/* An IPv6 literal, with "%zone" when zone_ok (an interface name: letters, digits, - _ .). */
static int v6_ok(const char *host, int zone_ok)
{
	unsigned char bin[16];
	char lit[INET6_ADDRSTRLEN];
	const char *pct = strchr(host, '%');
	size_t n = pct ? (size_t)(pct - host) : strlen(host);

	if (n == 0 || n >= sizeof(lit))
		return 0;
	if (pct) {
		size_t zn = strlen(pct + 1);
		if (!zone_ok || zn < 1 || zn > ZONE_MAX)
			return 0;
		for (const char *z = pct + 1; *z; z++)
			if (!((*z >= 'A' && *z <= 'Z') || (*z >= 'a' && *z <= 'z') ||
			      (*z >= '0' && *z <= '9') || strchr("-_.", *z)))
				return 0;
	}
	memcpy(lit, host, n);
	lit[n] = '\0';
	return inet_pton(AF_INET6, lit, bin) == 1;
}

/* "1".."65535" (or "0" when zero_ok), 1 to 5 digits: 0 or EINVAL. */
static int port_parse(const char *p, int zero_ok, int *port)
{
	size_t n = strlen(p);
	long v = 0;

	if (n < 1 || n > 5)
		return EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return EINVAL;
		v = v * 10 + (p[i] - '0');
	}
	if (v > 65535 || (v == 0 && !zero_ok))
		return EINVAL;
	*port = (int)v;
	return 0;
}

static int parse(struct addr *a, const char *s, unsigned flags, int default_port)
{
	const char *h = s, *hend, *p = NULL;
	unsigned char bin[4];
	size_t hn;

	if (!s || strlen(s) >= ADDR_MAX)
		return EINVAL;
	if (s[0] == '[') {
		h = s + 1;
		hend = strchr(h, ']');
		if (!hend || (hend[1] && hend[1] != ':'))
			return EINVAL;
		if (hend[1] == ':')
			p = hend + 2;
	} else {
		hend = strchr(s, ':');
		if (hend && strchr(hend + 1, ':'))
			return EINVAL; /* a bare IPv6 literal: it needs brackets */
		if (hend)
			p = hend + 1;
		else
			hend = s + strlen(s);
	}
	hn = (size_t)(hend - h);
	if (hn == 0 || hn >= sizeof(a->host))
		return EINVAL;
	memcpy(a->host, h, hn);
	a->host[hn] = '\0';
	if (p) {
		if (port_parse(p, (flags & ADDR_LISTEN) != 0, &a->port))
			return EINVAL;
	} else if (flags & ADDR_PORT_OPTIONAL) {
		a->port = default_port;
	} else {
		return EINVAL;
	}
	if (h != s) {
		a->ip = 6;
		return v6_ok(a->host, (flags & ADDR_LISTEN) != 0) ? 0 : EINVAL;
	}
	if (inet_pton(AF_INET, a->host, bin) == 1) {
		a->ip = 4;
		return 0;
	}
	return dns_name_ok(a->host, hn) ? 0 : EINVAL;
}

int addr_parse(struct addr *a, const char *s, unsigned flags, int default_port)
{
	int rc;

	memset(a, 0, sizeof(*a));
	rc = parse(a, s, flags, default_port);
	if (rc)
		memset(a, 0, sizeof(*a));
	return rc;
}

int addr_format(char *out, size_t len, const char *host, int port)
{
	return str_printf(out, len, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
}

int addr_format_host(char *out, size_t len, const char *host)
{
	return str_printf(out, len, strchr(host, ':') ? "[%s]" : "%s", host);
}
