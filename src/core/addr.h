/* addr.h -- host:port addresses: the one parser and formatter for listeners, remote clusters,
 * trust bundles and the addresses the home cluster hands out.
 *
 * One set of rules for every address:
 *  - "host:port" or "[v6]:port"; with ADDR_PORT_OPTIONAL also "host" and "[v6]" (the caller's
 *    default port then);
 *  - host: an IPv4 literal, or a DNS name in RFC 1123 form (letters, digits and '-', labels of
 *    1..63 that neither start nor end with '-', at most 253 bytes, no trailing dot); an IPv6
 *    literal only in brackets, and brackets only around an IPv6 literal;
 *  - port: 1 to 5 digits, 1..65535; ADDR_LISTEN allows 0 ("any free port") and an IPv6 zone
 *    ("[fe80::1%eth0]:5060"), which only mean something for an address we bind.
 * Before this module the listeners (config.c) also took '_' in names and anything inside
 * brackets, and cluster addresses (admin) took "-a" or "a..b" labels: both now follow the
 * trust bundle's stricter rules, which an address must pass anyway to reach a peer. */
#ifndef EMCC_CORE_ADDR_H
#define EMCC_CORE_ADDR_H

#include <stddef.h>

#define ADDR_HOST_MAX 254 /* a DNS name is at most 253 bytes; an IPv6 literal with zone less */
#define ADDR_MAX 264	  /* "[host]:port" and a NUL */

#define ADDR_PORT_OPTIONAL 0x1u /* no port: the default port */
#define ADDR_LISTEN 0x2u	/* an address we bind: port 0 and an IPv6 zone allowed */

struct addr {
	char host[ADDR_HOST_MAX]; /* without brackets */
	int port;		  /* 0..65535 */
	int ip;			  /* 4 or 6 for a literal, 0 for a name */
};

/* Parses s under flags into a (brackets removed). Returns 0, or EINVAL (a is then zeroed).
 * default_port is used only with ADDR_PORT_OPTIONAL when s names no port (any value: -1 lets
 * the caller see that none was given). */
int addr_parse(struct addr *a, const char *s, unsigned flags, int default_port);

/* "host:port", or "[host]:port" when host is an IPv6 literal (has a ':'). Returns 0, or ERANGE
 * when it did not fit (out then holds a cut copy, as str_printf). */
int addr_format(char *out, size_t len, const char *host, int port);

/* The host part of a URL or SIP URI: host, or "[host]" for an IPv6 literal. 0 or ERANGE. */
int addr_format_host(char *out, size_t len, const char *host);

#endif
