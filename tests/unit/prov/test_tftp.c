/* test_tftp.c -- TFTP packets: requests with and without options (RFC 1350, 2347-2349, 7440),
 * every refusal and the error it answers, negotiation against the server's limits, the builders
 * read back by the parsers, netascii. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "prov/tftp.h"

/* A packet from pieces: opcode, then NUL-terminated strings (a "\x01" piece adds no NUL: the
 * packet ends without one). */
static size_t pkt(uint8_t *out, int op, ...)
{
	va_list ap;
	size_t n = 2;
	const char *s;

	out[0] = (uint8_t)(op >> 8);
	out[1] = (uint8_t)op;
	va_start(ap, op);
	while ((s = va_arg(ap, const char *))) {
		if (strcmp(s, "\x01") == 0) {
			n--; /* drop the last NUL */
			continue;
		}
		memcpy(out + n, s, strlen(s) + 1);
		n += strlen(s) + 1;
	}
	va_end(ap);
	return n;
}

static void refused(const uint8_t *p, size_t n, int want_code)
{
	struct tftp_request rq;
	int code = -1;
	const char *why = NULL;

	assert_int_equal(tftp_parse_request(p, n, &rq, &code, &why), EINVAL);
	assert_int_equal(code, want_code);
	assert_non_null(why);
	assert_int_equal(rq.name_len, 0); /* nothing half-filled */
}

static void test_plain_rrq(void **state)
{
	(void)state;
	uint8_t p[600];
	struct tftp_request rq;
	size_t n = pkt(p, TFTP_RRQ, "SEPC80084AA8743.cnf.xml", "octet", NULL);

	assert_int_equal(tftp_parse_request(p, n, &rq, NULL, NULL), 0);
	assert_int_equal(rq.opcode, TFTP_RRQ);
	assert_string_equal(rq.name, "SEPC80084AA8743.cnf.xml");
	assert_int_equal(rq.name_len, 23);
	assert_int_equal(rq.mode, TFTP_MODE_OCTET);
	assert_int_equal(rq.options, 0);
	n = pkt(p, TFTP_RRQ, "x", "NetASCII", NULL); /* modes ignore case */
	assert_int_equal(tftp_parse_request(p, n, &rq, NULL, NULL), 0);
	assert_int_equal(rq.mode, TFTP_MODE_NETASCII);
	n = pkt(p, TFTP_WRQ, "x", "OCTET", NULL);
	assert_int_equal(tftp_parse_request(p, n, &rq, NULL, NULL), 0);
	assert_int_equal(rq.opcode, TFTP_WRQ);
}

static void test_options(void **state)
{
	(void)state;
	uint8_t p[600];
	struct tftp_request rq;
	size_t n = pkt(p, TFTP_RRQ, "f", "octet", "BLKSIZE", "1428", "tsize", "0", "timeout", "3",
		       "windowsize", "16", "multicast", "", "utimeout", "5000", NULL);

	assert_int_equal(tftp_parse_request(p, n, &rq, NULL, NULL), 0);
	assert_int_equal(rq.options, TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE | TFTP_OPT_TIMEOUT |
					 TFTP_OPT_WINDOWSIZE);
	assert_int_equal(rq.blksize, 1428);
	assert_int_equal(rq.tsize, 0);
	assert_int_equal(rq.timeout, 3);
	assert_int_equal(rq.windowsize, 16);
	/* The ranges' ends are taken. */
	n = pkt(p, TFTP_RRQ, "f", "octet", "blksize", "8", "timeout", "255", "windowsize", "65535",
		NULL);
	assert_int_equal(tftp_parse_request(p, n, &rq, NULL, NULL), 0);
	n = pkt(p, TFTP_RRQ, "f", "octet", "blksize", "65464", "timeout", "1", "windowsize", "1",
		NULL);
	assert_int_equal(tftp_parse_request(p, n, &rq, NULL, NULL), 0);
	assert_int_equal(rq.blksize, 65464);
}

static void test_refusals(void **state)
{
	(void)state;
	uint8_t p[1200] = {0};
	size_t n;
	char longname[300];

	refused(p, 0, TFTP_ERR_ILLEGAL);
	p[0] = 0;
	refused(p, 1, TFTP_ERR_ILLEGAL);
	refused(p, pkt(p, TFTP_ACK, "x", NULL), TFTP_ERR_ILLEGAL);
	refused(p, pkt(p, 9, "x", "octet", NULL), TFTP_ERR_ILLEGAL);
	refused(p, pkt(p, TFTP_RRQ, "x", "\x01", NULL), TFTP_ERR_ILLEGAL); /* name without NUL */
	refused(p, pkt(p, TFTP_RRQ, "x", NULL), TFTP_ERR_ILLEGAL);	   /* no mode */
	refused(p, pkt(p, TFTP_RRQ, "x", "octet", "\x01", NULL), TFTP_ERR_ILLEGAL);
	refused(p, pkt(p, TFTP_RRQ, "", "octet", NULL), TFTP_ERR_ILLEGAL);
	refused(p, pkt(p, TFTP_RRQ, "x", "mail", NULL), TFTP_ERR_ILLEGAL);
	refused(p, pkt(p, TFTP_RRQ, "x", "octets", NULL), TFTP_ERR_ILLEGAL);
	refused(p, pkt(p, TFTP_RRQ, "x", "", NULL), TFTP_ERR_ILLEGAL);
	/* NUL inside the name ends it; what follows is taken as the mode, which is wrong. */
	refused(p, pkt(p, TFTP_RRQ, "SEP1.cnf.xml", "junk", "octet", NULL), TFTP_ERR_ILLEGAL);
	memset(longname, 'a', 256);
	longname[256] = '\0';
	refused(p, pkt(p, TFTP_RRQ, longname, "octet", NULL), TFTP_ERR_ILLEGAL);
	/* options: a name without a value, an empty name, a value without its NUL */
	refused(p, pkt(p, TFTP_RRQ, "x", "octet", "blksize", NULL), TFTP_ERR_ILLEGAL);
	refused(p, pkt(p, TFTP_RRQ, "x", "octet", "", "1", NULL), TFTP_ERR_ILLEGAL);
	refused(p, pkt(p, TFTP_RRQ, "x", "octet", "blksize", "512", "\x01", NULL),
		TFTP_ERR_ILLEGAL);
	/* known options with bad values: error 8 */
	refused(p, pkt(p, TFTP_RRQ, "x", "octet", "blksize", "7", NULL), TFTP_ERR_OPTIONS);
	refused(p, pkt(p, TFTP_RRQ, "x", "octet", "blksize", "65465", NULL), TFTP_ERR_OPTIONS);
	refused(p, pkt(p, TFTP_RRQ, "x", "octet", "blksize", "", NULL), TFTP_ERR_OPTIONS);
	refused(p, pkt(p, TFTP_RRQ, "x", "octet", "blksize", "-512", NULL), TFTP_ERR_OPTIONS);
	refused(p, pkt(p, TFTP_RRQ, "x", "octet", "blksize", " 512", NULL), TFTP_ERR_OPTIONS);
	refused(p, pkt(p, TFTP_RRQ, "x", "octet", "blksize", "0x200", NULL), TFTP_ERR_OPTIONS);
	refused(p, pkt(p, TFTP_RRQ, "x", "octet", "timeout", "0", NULL), TFTP_ERR_OPTIONS);
	refused(p, pkt(p, TFTP_RRQ, "x", "octet", "timeout", "256", NULL), TFTP_ERR_OPTIONS);
	refused(p, pkt(p, TFTP_RRQ, "x", "octet", "windowsize", "0", NULL), TFTP_ERR_OPTIONS);
	refused(p, pkt(p, TFTP_RRQ, "x", "octet", "windowsize", "65536", NULL), TFTP_ERR_OPTIONS);
	refused(p, pkt(p, TFTP_RRQ, "x", "octet", "tsize", "99999999999999999999999", NULL),
		TFTP_ERR_OPTIONS);
	refused(p, pkt(p, TFTP_RRQ, "x", "octet", "tsize", "0", "TSIZE", "0", NULL),
		TFTP_ERR_OPTIONS);
	/* longer than RFC 2347's 512 bytes */
	n = pkt(p, TFTP_RRQ, "x", "octet", NULL);
	memset(p + n, 'a', 600);
	p[n + 300] = 0;
	p[n + 599] = 0;
	refused(p, n + 600, TFTP_ERR_ILLEGAL);
}

static void test_ack_data_error(void **state)
{
	(void)state;
	uint8_t p[600];
	uint16_t block = 0;
	const uint8_t *data;
	size_t dlen;
	int code;
	char msg[16];

	assert_int_equal(tftp_build_ack(p, sizeof(p), 65535), 4);
	assert_int_equal(tftp_parse_ack(p, 4, &block), 0);
	assert_int_equal(block, 65535);
	assert_int_equal(tftp_parse_ack(p, 5, &block), EINVAL);
	assert_int_equal(tftp_parse_ack(p, 3, &block), EINVAL);
	assert_int_equal(tftp_build_data(p, sizeof(p), 7, "hello", 5), 9);
	assert_int_equal(tftp_parse_data(p, 9, &block, &data, &dlen), 0);
	assert_int_equal(block, 7);
	assert_int_equal(dlen, 5);
	assert_memory_equal(data, "hello", 5);
	assert_int_equal(tftp_parse_ack(p, 4, &block), EINVAL);		/* a DATA is no ACK */
	assert_int_equal(tftp_build_data(p, 8, 1, "hello", 5), 0);	/* does not fit */
	assert_int_equal(tftp_build_data(p, sizeof(p), 1, NULL, 0), 4); /* the empty last block */
	size_t n = tftp_build_error(p, sizeof(p), TFTP_ERR_NOTFOUND, NULL);
	assert_int_equal(n, 4 + strlen("File not found") + 1);
	assert_int_equal(tftp_parse_error(p, n, &code, msg, sizeof(msg)), 0);
	assert_int_equal(code, 1);
	assert_string_equal(msg, "File not found");
	assert_int_equal(tftp_parse_error(p, n, &code, msg, 5), 0); /* cut */
	assert_string_equal(msg, "File");
	p[5] = 0x07; /* controls are shown as '?' */
	assert_int_equal(tftp_parse_error(p, n, &code, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "F?le not found");
	assert_string_equal(tftp_error_text(8), "Option negotiation failed");
	assert_string_equal(tftp_error_text(99), "Not defined");
	assert_int_equal(tftp_opcode(p, 1), 0);
	assert_int_equal(tftp_opcode(p, 2), TFTP_ERROR);
}

static void test_negotiate(void **state)
{
	(void)state;
	struct tftp_request rq = {.opcode = TFTP_RRQ, .mode = TFTP_MODE_OCTET};
	struct tftp_limits lim = {1468, 64};
	struct tftp_options o;
	uint8_t p[600];
	struct tftp_request back;

	/* No options: no OACK, RFC 1350's 512-byte blocks one at a time. */
	tftp_negotiate(&rq, &lim, 7580, &o);
	assert_int_equal(o.acked, 0);
	assert_int_equal(o.blksize, 512);
	assert_int_equal(o.windowsize, 1);
	/* Every option asked is answered, capped at the limits. */
	rq.options = TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE | TFTP_OPT_TIMEOUT | TFTP_OPT_WINDOWSIZE;
	rq.blksize = 65464;
	rq.windowsize = 1000;
	rq.timeout = 2;
	tftp_negotiate(&rq, &lim, 7580, &o);
	assert_int_equal(o.acked, rq.options);
	assert_int_equal(o.blksize, 1468);
	assert_int_equal(o.windowsize, 64);
	assert_int_equal(o.timeout, 2);
	assert_int_equal(o.tsize, 7580);
	size_t n = tftp_build_oack(p, sizeof(p), &o);
	assert_int_equal(tftp_opcode(p, n), TFTP_OACK);
	assert_int_equal(tftp_parse_oack(p, n, &back), 0);
	assert_int_equal(back.options, o.acked);
	assert_int_equal(back.blksize, 1468);
	assert_int_equal(back.windowsize, 64);
	assert_int_equal(back.timeout, 2);
	assert_int_equal(back.tsize, 7580);
	/* Smaller asks are kept as they are. */
	rq.options = TFTP_OPT_BLKSIZE;
	rq.blksize = 8;
	tftp_negotiate(&rq, &lim, 0, &o);
	assert_int_equal(o.acked, TFTP_OPT_BLKSIZE);
	assert_int_equal(o.blksize, 8);
	assert_int_equal(o.windowsize, 1);
	assert_int_equal(
	    tftp_build_oack(p, 10,
			    &(struct tftp_options){.acked = TFTP_OPT_TSIZE, .tsize = 123456789}),
	    0); /* does not fit */
}

static void test_request_round_trip(void **state)
{
	(void)state;
	struct tftp_request rq = {.opcode = TFTP_RRQ,
				  .mode = TFTP_MODE_NETASCII,
				  .options =
				      TFTP_OPT_BLKSIZE | TFTP_OPT_WINDOWSIZE | TFTP_OPT_TSIZE,
				  .blksize = 1024,
				  .windowsize = 4};
	struct tftp_request back;
	uint8_t p[600];

	strcpy(rq.name, "ITLSEPC80084AA8743.tlv");
	size_t n = tftp_build_request(p, sizeof(p), &rq);
	assert_true(n > 0);
	assert_int_equal(tftp_parse_request(p, n, &back, NULL, NULL), 0);
	assert_string_equal(back.name, rq.name);
	assert_int_equal(back.mode, TFTP_MODE_NETASCII);
	assert_int_equal(back.options, rq.options);
	assert_int_equal(back.blksize, 1024);
	assert_int_equal(back.windowsize, 4);
	assert_int_equal(tftp_build_request(p, 20, &rq), 0);
}

static void test_netascii(void **state)
{
	(void)state;
	struct buf b;

	buf_init(&b);
	assert_int_equal(tftp_netascii_encode("a\nb\rc\r\n", 7, &b), 0);
	assert_int_equal(b.len, 11);
	assert_memory_equal(b.data, "a\r\nb\r\0c\r\0\r\n", 11);
	buf_reset(&b);
	assert_int_equal(tftp_netascii_encode("", 0, &b), 0);
	assert_int_equal(b.len, 0);
	assert_int_equal(tftp_netascii_encode("plain", 5, &b), 0);
	assert_string_equal(b.data, "plain");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_rrq), cmocka_unit_test(test_options),
	    cmocka_unit_test(test_refusals),  cmocka_unit_test(test_ack_data_error),
	    cmocka_unit_test(test_negotiate), cmocka_unit_test(test_request_round_trip),
	    cmocka_unit_test(test_netascii),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
