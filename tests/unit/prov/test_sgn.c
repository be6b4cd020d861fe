/* test_sgn.c -- .sgn files: round trips with SHA-1 and SHA-512, and every way a phone refuses
 * one, each with its own code: tampered body, tampered header, tampered signature, wrong key,
 * signer not in the ITL, signer's role not TFTP, no ITL, another file's name, truncated files,
 * lengths past the end, a header length beyond the file, unsupported algorithms. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "prov/itl.h"
#include "prov/sgn.h"
#include "prov/tlv.h"
#include "tlvtest.h"

#define TS 1552156360u
#define NAME "SEPC80084AA8743.cnf.xml.sgn"
#define BODY "<device><fullConfig>true</fullConfig></device>\n"

static struct signer SAST, TFTP, OTHER, FORGED;
static struct itl *ITL; /* SAST, TFTP as CCM+TFTP, OTHER as TVS */

static int group_setup(void **state)
{
	(void)state;
	SAST = tt_signer(2048, "ITLRECOVERY_ClusterTwo", 0x1001);
	TFTP = tt_signer(2048, "ClusterTwo", 0x2002);
	OTHER = tt_signer(2048, "tvs.ClusterTwo", 0x3003);
	/* Another key under a certificate with TFTP's serial number: the wrong key. */
	FORGED = tt_signer_with(&OTHER, "ClusterTwo", 0x2002);
	const struct signer *o[] = {&TFTP, &OTHER};
	const uint16_t roles[] = {ITL_ROLE_CCM_TFTP, ITL_ROLE_TVS};
	ITL = tt_itl_parsed(&SAST, o, roles, 2);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	itl_free(ITL);
	tt_signer_free(&SAST);
	tt_signer_free(&TFTP);
	tt_signer_free(&OTHER);
	tt_signer_free(&FORGED);
	return 0;
}

/* A .sgn of BODY named NAME, signed by s with digest. */
static void make(struct buf *b, const struct signer *s, uint8_t digest)
{
	char err[256];

	buf_init(b);
	assert_int_equal(
	    sgn_build(b, NAME, digest, TS, s->key, s->cert, BODY, strlen(BODY), err, sizeof(err)),
	    0);
}

static int verify(const struct buf *b, const struct itl *itl, char *why, size_t whylen)
{
	return sgn_verify(b->data, b->len, itl, NAME, NULL, why, whylen);
}

static void test_round_trip(void **state)
{
	static const uint8_t digests[] = {TLV_DIGEST_SHA1, TLV_DIGEST_SHA512};
	struct buf b;
	struct sgn s;
	char why[512] = "";
	uint8_t serial[TLV_SERIAL_MAX];
	size_t nserial = tlv_cert_serial(TFTP.cert, serial);

	(void)state;
	for (int i = 0; i < 2; i++) {
		make(&b, &TFTP, digests[i]);
		assert_int_equal(sgn_verify(b.data, b.len, ITL, NAME, &s, why, sizeof(why)), 0);
		assert_int_equal(s.hdr.version[0], 1);
		assert_int_equal(s.hdr.version[1], 0);
		assert_false(s.hdr.has_signer_version);
		assert_int_equal(s.hdr.digest, digests[i]);
		assert_int_equal(s.hdr.sig_len, 256);
		assert_int_equal(s.hdr.sig_modulus, 2);
		assert_int_equal(s.hdr.length % 4, 0);
		assert_string_equal(s.hdr.filename, NAME);
		assert_string_equal(s.hdr.signer_name, "CN=ClusterTwo,O=emcc");
		assert_memory_equal(s.hdr.serial, serial, nserial);
		assert_int_equal(s.hdr.timestamp, TS);
		assert_int_equal(s.body_len, strlen(BODY));
		assert_memory_equal(s.body, BODY, strlen(BODY));
		/* No name asked: the file's own goes into the texts. */
		assert_int_equal(sgn_verify(b.data, b.len, ITL, NULL, NULL, why, sizeof(why)), 0);
		buf_free(&b);
	}
}

static void test_empty_body(void **state)
{
	struct buf b;
	struct sgn s;
	char err[256];

	(void)state;
	buf_init(&b);
	assert_int_equal(
	    sgn_build(&b, NAME, TLV_DIGEST_SHA1, TS, TFTP.key, TFTP.cert, "", 0, err, sizeof(err)),
	    0);
	assert_int_equal(sgn_verify(b.data, b.len, ITL, NAME, &s, err, sizeof(err)), 0);
	assert_int_equal(s.body_len, 0);
	buf_free(&b);
}

static void test_tampered_body(void **state)
{
	struct buf b;
	char why[512];

	(void)state;
	make(&b, &TFTP, TLV_DIGEST_SHA1);
	b.data[b.len - 2] ^= 0x01;
	assert_int_equal(verify(&b, ITL, why, sizeof(why)), EKEYREJECTED);
	assert_non_null(strstr(why, "invalid file " NAME ", authenticated fail"));
	assert_non_null(strstr(why, "signature does not match"));
	buf_free(&b);

	/* A byte more at the end is a change too. */
	make(&b, &TFTP, TLV_DIGEST_SHA1);
	buf_append(&b, "\n", 1);
	assert_int_equal(verify(&b, ITL, why, sizeof(why)), EKEYREJECTED);
	buf_free(&b);
}

static void test_tampered_header(void **state)
{
	struct buf b;
	struct sgn s;
	char why[512];

	(void)state;
	/* The timestamp's last byte, then the signature itself. */
	make(&b, &TFTP, TLV_DIGEST_SHA1);
	assert_int_equal(sgn_parse(b.data, b.len, &s), 0);
	size_t ts_at = s.hdr.length - s.hdr.npad - 1;
	b.data[ts_at] ^= 0x01;
	assert_int_equal(sgn_parse(b.data, b.len, &s), 0);
	assert_int_equal(s.hdr.timestamp, TS ^ 1);
	assert_int_equal(verify(&b, ITL, why, sizeof(why)), EKEYREJECTED);
	b.data[ts_at] ^= 0x01;
	assert_int_equal(verify(&b, ITL, why, sizeof(why)), 0);
	b.data[s.hdr.sig_off + 3 + 100] ^= 0x80;
	assert_int_equal(verify(&b, ITL, why, sizeof(why)), EKEYREJECTED);
	buf_free(&b);

	/* The digest switched to the other one we take. */
	make(&b, &TFTP, TLV_DIGEST_SHA1);
	assert_int_equal(sgn_parse(b.data, b.len, &s), 0);
	char *d = memchr(b.data, TLV_H_DIGEST_ALGORITHM, s.hdr.length);
	assert_non_null(d);
	while (!(d[0] == TLV_H_DIGEST_ALGORITHM && d[1] == 0 && d[2] == 1))
		d = memchr(d + 1, TLV_H_DIGEST_ALGORITHM, s.hdr.length);
	d[3] = TLV_DIGEST_SHA512;
	assert_int_equal(verify(&b, ITL, why, sizeof(why)), EKEYREJECTED);
	d[3] = 2; /* SHA-256: no such code here */
	assert_int_equal(verify(&b, ITL, why, sizeof(why)), ENOTSUP);
	buf_free(&b);
}

static void test_wrong_key(void **state)
{
	struct buf b;
	char why[512];

	(void)state;
	/* The header names TFTP's serial, another key signed it. */
	make(&b, &FORGED, TLV_DIGEST_SHA1);
	assert_int_equal(verify(&b, ITL, why, sizeof(why)), EKEYREJECTED);
	assert_non_null(strstr(why, "authenticated fail"));
	buf_free(&b);
}

static void test_unknown_signer(void **state)
{
	struct signer stranger = tt_signer(1024, "ClusterOne", 0x4004);
	struct buf b;
	char why[512];

	(void)state;
	make(&b, &stranger, TLV_DIGEST_SHA1);
	assert_int_equal(verify(&b, ITL, why, sizeof(why)), ENOKEY);
	assert_non_null(strstr(why, "not in the ITL"));
	assert_int_equal(verify(&b, NULL, why, sizeof(why)), ENOKEY);
	assert_non_null(strstr(why, "no trust list"));
	buf_free(&b);
	tt_signer_free(&stranger);
}

static void test_role_not_tftp(void **state)
{
	struct buf b;
	char why[512];

	(void)state;
	/* Listed, but as TVS; and the SAST itself may not sign a config file either. */
	make(&b, &OTHER, TLV_DIGEST_SHA1);
	assert_int_equal(verify(&b, ITL, why, sizeof(why)), EPERM);
	assert_non_null(strstr(why, "role TVS"));
	buf_free(&b);
	make(&b, &SAST, TLV_DIGEST_SHA1);
	assert_int_equal(verify(&b, ITL, why, sizeof(why)), EPERM);
	assert_non_null(strstr(why, "role SAST"));
	buf_free(&b);

	/* Role TFTP (3) is as good as CCM+TFTP. */
	const struct signer *o[] = {&TFTP};
	const uint16_t roles[] = {ITL_ROLE_TFTP};
	struct itl *itl = tt_itl_parsed(&SAST, o, roles, 1);
	make(&b, &TFTP, TLV_DIGEST_SHA512);
	assert_int_equal(verify(&b, itl, why, sizeof(why)), 0);
	buf_free(&b);
	itl_free(itl);
}

static void test_wrong_name(void **state)
{
	struct buf b;
	char why[512];

	(void)state;
	make(&b, &TFTP, TLV_DIGEST_SHA1);
	assert_int_equal(
	    sgn_verify(b.data, b.len, ITL, "SEP000000000001.cnf.xml.sgn", NULL, why, sizeof(why)),
	    ENOENT);
	assert_non_null(strstr(why, "names itself " NAME));
	buf_free(&b);
}

static void test_truncated(void **state)
{
	struct buf b;
	struct sgn s;
	char why[512];

	(void)state;
	make(&b, &TFTP, TLV_DIGEST_SHA1);
	assert_int_equal(sgn_parse(b.data, b.len, &s), 0);
	/* Cut inside the header: malformed. Cut in the body: the signature no longer matches. */
	for (size_t n = 0; n < b.len; n++) {
		int rc = verify(&(struct buf){.data = b.data, .len = n}, ITL, why, sizeof(why));
		assert_int_equal(rc, n < s.hdr.length ? EBADMSG : EKEYREJECTED);
	}
	buf_free(&b);
}

/* The FILENAME element's length byte, in a file made by make(). */
static size_t filename_len_at(const struct buf *b)
{
	struct sgn s;
	assert_int_equal(sgn_parse(b->data, b->len, &s), 0);
	return s.hdr.sig_off + 3 + s.hdr.sig_len + 1;
}

static void test_bad_lengths(void **state)
{
	struct buf b;
	char why[512];
	size_t at;

	(void)state;
	/* An element's length past the header's end, and past the file's. */
	make(&b, &TFTP, TLV_DIGEST_SHA1);
	at = filename_len_at(&b);
	b.data[at] = 0x01;
	assert_int_equal(verify(&b, ITL, why, sizeof(why)), EBADMSG);
	b.data[at] = (char)0xff;
	b.data[at + 1] = (char)0xff;
	assert_int_equal(verify(&b, ITL, why, sizeof(why)), EBADMSG);
	assert_non_null(strstr(why, "authenticated fail: malformed"));
	buf_free(&b);

	/* HEADER_LENGTH beyond the file, or shorter than the elements it must hold, or off the
	 * elements' boundaries. */
	make(&b, &TFTP, TLV_DIGEST_SHA1);
	uint16_t hl = tlv_get_u16((uint8_t *)b.data + 8);
	tlv_set_u16((uint8_t *)b.data + 8, (uint16_t)(b.len + 1));
	assert_int_equal(verify(&b, ITL, why, sizeof(why)), EBADMSG);
	tlv_set_u16((uint8_t *)b.data + 8, 10);
	assert_int_equal(verify(&b, ITL, why, sizeof(why)), EBADMSG);
	tlv_set_u16((uint8_t *)b.data + 8, 9);
	assert_int_equal(verify(&b, ITL, why, sizeof(why)), EBADMSG);
	/* One byte short: the timestamp cut, or a padding byte left out (that parses, and the
	 * signature, which covers HEADER_LENGTH, refuses it). */
	struct sgn s;
	tlv_set_u16((uint8_t *)b.data + 8, hl);
	assert_int_equal(sgn_parse(b.data, b.len, &s), 0);
	tlv_set_u16((uint8_t *)b.data + 8, (uint16_t)(hl - 1));
	assert_int_equal(verify(&b, ITL, why, sizeof(why)), s.hdr.npad ? EKEYREJECTED : EBADMSG);
	tlv_set_u16((uint8_t *)b.data + 8, (uint16_t)(hl + 4)); /* into the body */
	assert_int_equal(verify(&b, ITL, why, sizeof(why)), EBADMSG);
	buf_free(&b);

	/* Over what a phone downloads. */
	assert_int_equal(sgn_verify("x", TLV_FILE_MAX + 1, ITL, NAME, NULL, why, sizeof(why)),
			 EFBIG);
}

/* Replaces the byte at `at` and checks the parse's answer. */
static void expect_parse(struct buf *b, size_t at, uint8_t v, int want)
{
	struct sgn s;
	uint8_t old = (uint8_t)b->data[at];
	b->data[at] = (char)v;
	assert_int_equal(sgn_parse(b->data, b->len, &s), want);
	b->data[at] = (char)old;
}

static void test_bad_elements(void **state)
{
	struct buf b;
	struct sgn s;

	(void)state;
	make(&b, &TFTP, TLV_DIGEST_SHA1);
	assert_int_equal(sgn_parse(b.data, b.len, &s), 0);
	expect_parse(&b, 0, 2, EBADMSG);			/* not VERSION first */
	expect_parse(&b, 3, 2, ENOTSUP);			/* VERSION 2.0 */
	expect_parse(&b, 5, 1, EBADMSG);			/* not HEADER_LENGTH second */
	expect_parse(&b, s.hdr.sig_off, 99, EBADMSG);		/* unknown tag */
	expect_parse(&b, 10, TLV_H_SIGNATURE_INFO, EBADMSG);	/* a repeated element */
	expect_parse(&b, s.hdr.sig_off - 1, 3, EBADMSG);	/* modulus 3: 512 bytes */
	expect_parse(&b, s.hdr.sig_off - 5, 1, ENOTSUP);	/* SIGNATURE_ALGORITHM 1 */
	expect_parse(&b, s.hdr.sig_off + 3 + 256, 99, EBADMSG); /* FILENAME's tag */
	if (s.hdr.npad >= 2)					/* a TLV after padding */
		expect_parse(&b, s.hdr.length - 1, TLV_H_SIGNER_VERSION, EBADMSG);
	/* The FILENAME's NUL: not a string any more. */
	expect_parse(&b, s.hdr.sig_off + 3 + 256 + 3 + strlen(NAME), 'x', EBADMSG);
	buf_free(&b);
}

static void test_build_refusals(void **state)
{
	struct signer ec = tt_signer(0, "ec", 5);
	struct buf b;
	char err[256];

	(void)state;
	buf_init(&b);
	/* An EC key, a key not of its certificate, no name, a name too long. */
	assert_int_equal(sgn_build(&b, NAME, 1, TS, ec.key, ec.cert, "x", 1, err, sizeof(err)),
			 EINVAL);
	assert_non_null(strstr(err, "RSA"));
	assert_int_equal(sgn_build(&b, NAME, 1, TS, TFTP.key, OTHER.cert, "x", 1, err, sizeof(err)),
			 EINVAL);
	assert_non_null(strstr(err, "does not match"));
	assert_int_equal(sgn_build(&b, "", 1, TS, TFTP.key, TFTP.cert, "x", 1, err, sizeof(err)),
			 EINVAL);
	char *longname = malloc(TLV_NAME_MAX + 1);
	memset(longname, 'a', TLV_NAME_MAX);
	longname[TLV_NAME_MAX] = '\0';
	assert_int_equal(
	    sgn_build(&b, longname, 1, TS, TFTP.key, TFTP.cert, "x", 1, err, sizeof(err)), EINVAL);
	free(longname);
	assert_int_equal(b.len, 0);
	buf_free(&b);
	tt_signer_free(&ec);
}

/* A key over 2048 bits neither signs nor verifies. */
static void test_key_over_2048(void **state)
{
	struct signer big = tt_signer(3072, "big", 6);
	struct buf b;
	struct sgn s;
	char err[256];

	(void)state;
	buf_init(&b);
	assert_int_equal(sgn_build(&b, NAME, 1, TS, big.key, big.cert, "x", 1, err, sizeof(err)),
			 EINVAL);
	make(&b, &TFTP, TLV_DIGEST_SHA1);
	assert_int_equal(sgn_parse(b.data, b.len, &s), 0);
	assert_int_equal(tlv_header_verify(b.data, b.len, &s.hdr, big.key), ENOTSUP);
	assert_int_equal(tlv_header_verify(b.data, b.len, &s.hdr, OTHER.key), EKEYREJECTED);
	assert_int_equal(tlv_header_verify(b.data, b.len, &s.hdr, TFTP.key), 0);
	buf_free(&b);
	tt_signer_free(&big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),	  cmocka_unit_test(test_empty_body),
	    cmocka_unit_test(test_tampered_body), cmocka_unit_test(test_tampered_header),
	    cmocka_unit_test(test_wrong_key),	  cmocka_unit_test(test_unknown_signer),
	    cmocka_unit_test(test_role_not_tftp), cmocka_unit_test(test_wrong_name),
	    cmocka_unit_test(test_truncated),	  cmocka_unit_test(test_bad_lengths),
	    cmocka_unit_test(test_bad_elements),  cmocka_unit_test(test_build_refusals),
	    cmocka_unit_test(test_key_over_2048),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
