/* test_addr.c -- host:port addresses: every form the four old parsers (config listeners, admin
 * cluster addresses, trust bundles, provisioning) accepted or refused, under the one rule set. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/addr.h"

static void expect_ok(const char *s, unsigned flags, int dflt, const char *host, int port, int ip)
{
	struct addr a;
	int rc = addr_parse(&a, s, flags, dflt);

	if (rc != 0)
		fail_msg("refused '%s' (flags %u): %d", s, flags, rc);
	if (strcmp(a.host, host) != 0 || a.port != port || a.ip != ip)
		fail_msg("'%s': host '%s' port %d ip %d, wanted '%s' %d %d", s, a.host, a.port,
			 a.ip, host, port, ip);
}

static void expect_bad(const char *s, unsigned flags)
{
	struct addr a;

	memset(&a, 'x', sizeof(a));
	if (addr_parse(&a, s, flags, 8443) != EINVAL)
		fail_msg("accepted '%s' (flags %u)", s, flags);
	/* nothing half-parsed is left behind */
	assert_string_equal(a.host, "");
	assert_int_equal(a.port, 0);
}

static void test_listeners(void **state)
{
	(void)state;
	/* config.c's cases: a port is required, 0 means any free port */
	expect_ok("127.0.7.100:8080", ADDR_LISTEN, 0, "127.0.7.100", 8080, 4);
	expect_ok("[::1]:8443", ADDR_LISTEN, 0, "::1", 8443, 6);
	expect_ok("[::]:5060", ADDR_LISTEN, 0, "::", 5060, 6);
	expect_ok("0.0.0.0:69", ADDR_LISTEN, 0, "0.0.0.0", 69, 4);
	expect_ok("localhost:0", ADDR_LISTEN, 0, "localhost", 0, 0);
	expect_ok("h:65535", ADDR_LISTEN, 0, "h", 65535, 0);
	expect_ok("h:00080", ADDR_LISTEN, 0, "h", 80, 0); /* five digits, leading zeros */
	expect_ok("[fe80::1%eth0]:5060", ADDR_LISTEN, 0, "fe80::1%eth0", 5060, 6);
	static const char *const bad[] = {
	    "",
	    "host",
	    "host:",
	    ":80",
	    "h:65536",
	    "h:-1",
	    "h:8x",
	    "::1:80",
	    "[::1]80",
	    "[::1",
	    "[]:80",
	    "h:000001",
	    "h :80",
	    "h:+80",
	    "[abc]:80",
	    "a_b:80",
	    "h.:80",
	    "[127.0.0.1]:1",
	    "[::1]:",
	    "[fe80::1%]:1",
	    "[fe80::1%a b]:1",
	    "[::1%toolonginterface0]:1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_bad(bad[i], ADDR_LISTEN);
}

static void test_peers(void **state)
{
	(void)state;
	/* admin's cases: the port may be left out (8443), 0 is not a port to call */
	expect_ok("example.org", ADDR_PORT_OPTIONAL, 8443, "example.org", 8443, 0);
	expect_ok("[fe80::1]:443", ADDR_PORT_OPTIONAL, 8443, "fe80::1", 443, 6);
	expect_ok("[fe80::1]", ADDR_PORT_OPTIONAL, 8443, "fe80::1", 8443, 6);
	expect_ok("127.0.7.200", ADDR_PORT_OPTIONAL, 8443, "127.0.7.200", 8443, 4);
	expect_ok("EMCC.Example.ORG:1", ADDR_PORT_OPTIONAL, 8443, "EMCC.Example.ORG", 1, 0);
	static const char *const bad_optional[] = {
	    "fe80::1", "h:0", "h:", ":80", "a b:80", "[fe80::1%eth0]:1", "[::1]x", "-a.example",
	};
	for (size_t i = 0; i < sizeof(bad_optional) / sizeof(bad_optional[0]); i++)
		expect_bad(bad_optional[i], ADDR_PORT_OPTIONAL);
	/* the trust bundle's cases: host:port, the port required */
	expect_ok("emcc.example.org:443", 0, 0, "emcc.example.org", 443, 0);
	expect_ok("[::1]:8443", 0, 0, "::1", 8443, 6);
	static const char *const bad[] = {
	    "127.0.7.200",   "127.0.7.200:0",  "127.0.7.200:65536",
	    "host:abc",	     "host:",	       "[::1]",
	    ":8443",	     "a b:1",	       "[::1]x:1",
	    "::1:8443",	     "-bad.example:1", "bad-.example:1",
	    "a..b:1",	     "x_y.example:1",  "h:123456",
	    "[127.0.0.1]:1", "h:+1",	       "h:1 2",
	    ".a:1",	     "a.:1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_bad(bad[i], 0);
	expect_bad(NULL, ADDR_PORT_OPTIONAL);
}

static void test_lengths(void **state)
{
	(void)state;
	char name[300], s[320];

	/* labels of 63 are fine, 64 is not */
	memset(name, 'a', 63);
	snprintf(name + 63, sizeof(name) - 63, ".org");
	snprintf(s, sizeof(s), "%s:1", name);
	expect_ok(s, 0, 0, name, 1, 0);
	memset(name, 'a', 64);
	snprintf(name + 64, sizeof(name) - 64, ".org");
	snprintf(s, sizeof(s), "%s:1", name);
	expect_bad(s, 0);
	/* 253 bytes of name fit, 254 do not: four labels of 63 dot-joined are 255 */
	memset(name, 'a', sizeof(name));
	for (size_t i = 63; i < 253; i += 64)
		name[i] = '.';
	name[253] = '\0';
	snprintf(s, sizeof(s), "%s:1", name);
	expect_ok(s, 0, 0, name, 1, 0);
	name[253] = 'a';
	name[254] = '\0';
	snprintf(s, sizeof(s), "%s:1", name);
	expect_bad(s, 0);
}

static void test_format(void **state)
{
	(void)state;
	char b[32];
	struct addr a;

	assert_int_equal(addr_format(b, sizeof(b), "127.0.7.200", 8443), 0);
	assert_string_equal(b, "127.0.7.200:8443");
	assert_int_equal(addr_format(b, sizeof(b), "::1", 5060), 0);
	assert_string_equal(b, "[::1]:5060");
	assert_int_equal(addr_format_host(b, sizeof(b), "fe80::1"), 0);
	assert_string_equal(b, "[fe80::1]");
	assert_int_equal(addr_format_host(b, sizeof(b), "h.example"), 0);
	assert_string_equal(b, "h.example");
	assert_int_equal(addr_format(b, 8, "h.example", 1), ERANGE);
	assert_string_equal(b, "h.examp");
	/* what the formatter writes parses back to the same host and port */
	assert_int_equal(addr_format(b, sizeof(b), "fe80::2", 65535), 0);
	assert_int_equal(addr_parse(&a, b, 0, 0), 0);
	assert_string_equal(a.host, "fe80::2");
	assert_int_equal(a.port, 65535);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_listeners),
	    cmocka_unit_test(test_peers),
	    cmocka_unit_test(test_lengths),
	    cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
