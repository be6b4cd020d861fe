/* test_tlv.c -- the TLV primitives, and the signed header byte for byte against hand-built
 * vectors: .sgn (VERSION 1.0, no SIGNER_VERSION) and ITL (1.2 with SIGNER_VERSION, padding at
 * TLV 15 as the 7821 logs it), padding to 4, SHA-1 and SHA-512. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/buf.h"
#include "prov/itl.h"
#include "prov/sgn.h"
#include "prov/tlv.h"
#include "tlvtest.h"

#define TS 1552156360u /* 0x5c8406c8: the lab phone's endDownloadCTL-time, in seconds */

static struct signer S1024; /* CN=T, serial 0x0102, RSA-1024: a 128-byte signature */

static int group_setup(void **state)
{
	(void)state;
	S1024 = tt_signer(1024, "T", 0x0102);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	tt_signer_free(&S1024);
	return 0;
}

static void test_reader(void **state)
{
	/* VERSION 1.0, a lone PADDING, FILENAME "ab" */
	static const uint8_t b[] = {1, 0, 2, 1, 0, 13, 14, 0, 3, 'a', 'b', 0};
	struct tlv_reader r;
	struct tlv_elem e;
	char s[8];

	(void)state;
	tlv_reader_init(&r, b, sizeof(b));
	assert_int_equal(tlv_next(&r, TLV_H_PADDING, &e), 0);
	assert_int_equal(e.tag, 1);
	assert_int_equal(e.len, 2);
	assert_int_equal(e.off, 0);
	assert_int_equal(tlv_next(&r, TLV_H_PADDING, &e), 0);
	assert_int_equal(e.tag, 13);
	assert_int_equal(e.len, 0);
	assert_null(e.value);
	assert_int_equal(tlv_next(&r, TLV_H_PADDING, &e), 0);
	assert_int_equal(e.tag, 14);
	assert_int_equal(e.off, 6);
	assert_int_equal(tlv_string(&e, s, sizeof(s)), 0);
	assert_string_equal(s, "ab");
	assert_int_equal(tlv_string(&e, s, 2), EBADMSG); /* does not fit: refused, not cut */
	assert_int_equal(tlv_next(&r, TLV_H_PADDING, &e), ENODATA);

	/* Without a lone tag, 13 is an element like any other: here it runs past the end. */
	tlv_reader_init(&r, b + 5, sizeof(b) - 5);
	assert_int_equal(tlv_next(&r, 0, &e), EBADMSG);
	assert_int_equal(r.off, 0);
}

static void test_reader_truncated(void **state)
{
	static const uint8_t len_cut[] = {1, 0};	  /* the length itself cut */
	static const uint8_t val_cut[] = {1, 0, 3, 1, 2}; /* says 3, has 2 */
	static const uint8_t big[] = {1, 0xff, 0xff, 0};  /* says 65535 */
	struct tlv_reader r;
	struct tlv_elem e;

	(void)state;
	tlv_reader_init(&r, len_cut, sizeof(len_cut));
	assert_int_equal(tlv_next(&r, 0, &e), EBADMSG);
	tlv_reader_init(&r, val_cut, sizeof(val_cut));
	assert_int_equal(tlv_next(&r, 0, &e), EBADMSG);
	tlv_reader_init(&r, big, sizeof(big));
	assert_int_equal(tlv_next(&r, 0, &e), EBADMSG);
	tlv_reader_init(&r, big, 0);
	assert_int_equal(tlv_next(&r, 0, &e), ENODATA);
}

static void test_values(void **state)
{
	static const uint8_t nonul[] = {4, 0, 2, 'a', 'b'};
	static const uint8_t inner[] = {4, 0, 3, 'a', 0, 0};
	static const uint8_t empty[] = {4, 0, 0};
	static const uint8_t u32[] = {15, 0, 4, 0x5c, 0x84, 0x06, 0xc8};
	struct tlv_reader r;
	struct tlv_elem e;
	char s[8];
	uint32_t v32;
	uint16_t v16;

	(void)state;
	tlv_reader_init(&r, nonul, sizeof(nonul));
	assert_int_equal(tlv_next(&r, 0, &e), 0);
	assert_int_equal(tlv_string(&e, s, sizeof(s)), EBADMSG);
	tlv_reader_init(&r, inner, sizeof(inner));
	assert_int_equal(tlv_next(&r, 0, &e), 0);
	assert_int_equal(tlv_string(&e, s, sizeof(s)), EBADMSG);
	tlv_reader_init(&r, empty, sizeof(empty));
	assert_int_equal(tlv_next(&r, 0, &e), 0);
	assert_int_equal(tlv_string(&e, s, sizeof(s)), EBADMSG);
	tlv_reader_init(&r, u32, sizeof(u32));
	assert_int_equal(tlv_next(&r, 0, &e), 0);
	assert_int_equal(tlv_u32(&e, &v32), 0);
	assert_int_equal(v32, TS);
	assert_int_equal(tlv_u16(&e, &v16), EBADMSG);
}

static void test_writer(void **state)
{
	static const uint8_t want[] = {1,    0,	   2, 1,    2,	2, 0, 2,   0x12, 0x34, 15, 0, 4,
				       0x5c, 0x84, 6, 0xc8, 14, 0, 2, 'x', 0,	 3,    0,  35};
	struct buf b;
	static char big[70000];

	(void)state;
	buf_init(&b);
	tlv_put(&b, 1, (const uint8_t[]){1, 2}, 2);
	tlv_put_u16(&b, 2, 0x1234);
	tlv_put_u32(&b, 15, TS);
	assert_int_equal(tlv_put_string(&b, 14, "x"), 0);
	tlv_put_open(&b, 3, 35);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	assert_int_equal(tlv_put(&b, 9, big, 65536), EINVAL);
	assert_int_equal(b.len, sizeof(want)); /* nothing appended */
	assert_int_equal(tlv_put(&b, 9, big, 65535), 0);
	buf_free(&b);
}

static void test_serial_equal(void **state)
{
	(void)state;
	assert_true(tlv_serial_equal((const uint8_t[]){0, 1, 2}, 3, (const uint8_t[]){1, 2}, 2));
	assert_false(tlv_serial_equal((const uint8_t[]){1, 2}, 2, (const uint8_t[]){1, 2, 0}, 3));
	assert_false(tlv_serial_equal((const uint8_t[]){1, 3}, 2, (const uint8_t[]){1, 2}, 2));
}

static void test_name(void **state)
{
	char s[64];

	(void)state;
	assert_int_equal(tlv_name(X509_get_subject_name(S1024.cert), s, sizeof(s)), 0);
	assert_string_equal(s, "CN=T,O=emcc");
	assert_int_equal(tlv_name(X509_get_subject_name(S1024.cert), s, 11), ERANGE);
}

/* Checks the signature of a signed file with OpenSSL directly: the file without its SIGNATURE
 * element (at sig_off, 3 + n bytes), digest md, the certificate's key. */
static void check_sig(const uint8_t *f, size_t len, size_t sig_off, size_t n, const EVP_MD *md,
		      X509 *cert)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, md, NULL, X509_get0_pubkey(cert)), 1);
	assert_int_equal(EVP_DigestVerifyUpdate(ctx, f, sig_off), 1);
	assert_int_equal(EVP_DigestVerifyUpdate(ctx, f + sig_off + 3 + n, len - sig_off - 3 - n),
			 1);
	assert_int_equal(EVP_DigestVerifyFinal(ctx, f + sig_off + 3, n), 1);
	EVP_MD_CTX_free(ctx);
}

/* The .sgn header, byte for byte: VERSION 1.0, no SIGNER_VERSION, names, serial, SHA-1,
 * modulus 1 (1024 bits), the signature after the modulus, FILENAME, TIMESTAMP, 3 PADDING. */
static void test_sgn_header_bytes(void **state)
{
	static const uint8_t before[] = {
	    1,	0, 2,  1,   0,	 /* VERSION 1.0 */
	    2,	0, 2,  0,   216, /* HEADER_LENGTH 216 */
	    3,	0, 35,		 /* SIGNER_ID 3+12 + 3+2 + 3+12 */
	    4,	0, 12, 'C', 'N', '=', 'T', ',', 'O', '=', 'e', 'm', 'c', 'c', 0, 5, 0, 2,  1,
	    2, /* SERIAL_NUMBER 0x0102 */
	    6,	0, 12, 'C', 'N', '=', 'T', ',', 'O', '=', 'e', 'm', 'c', 'c', 0, 7, 0, 15, /* SIGNATURE_INFO
											    */
	    8,	0, 1,  1, /* DIGEST_ALGORITHM SHA-1 */
	    9,	0, 8,	  /* SIGNATURE_ALGORITHM_INFO */
	    10, 0, 1,  0, /* SIGNATURE_ALGORITHM RSA */
	    11, 0, 1,  1, /* SIGNATURE_MODULUS 1024 */
	};
	static const uint8_t after[] = {
	    14,	 0,   6,   'a',	 '.',  's',  'g',  'n', 0, /* FILENAME */
	    15,	 0,   4,   0x5c, 0x84, 0x06, 0xc8,	   /* TIMESTAMP */
	    13,	 13,  13,				   /* PADDING to 216 */
	    'h', 'e', 'l', 'l',	 'o',			   /* the original file */
	};
	struct buf b;
	struct sgn s;
	char err[256];
	const uint8_t *f;

	(void)state;
	buf_init(&b);
	assert_int_equal(sgn_build(&b, "a.sgn", TLV_DIGEST_SHA1, TS, S1024.key, S1024.cert, "hello",
				   5, err, sizeof(err)),
			 0);
	f = (const uint8_t *)b.data;
	assert_int_equal(b.len, sizeof(before) + 3 + 128 + sizeof(after));
	assert_memory_equal(f, before, sizeof(before));
	assert_int_equal(f[sizeof(before)], 12); /* SIGNATURE, 128 bytes */
	assert_int_equal(f[sizeof(before) + 1], 0);
	assert_int_equal(f[sizeof(before) + 2], 128);
	assert_memory_equal(f + sizeof(before) + 131, after, sizeof(after));
	check_sig(f, b.len, sizeof(before), 128, EVP_sha1(), S1024.cert);

	assert_int_equal(sgn_parse(b.data, b.len, &s), 0);
	assert_int_equal(s.hdr.version[0], 1);
	assert_int_equal(s.hdr.version[1], 0);
	assert_false(s.hdr.has_signer_version);
	assert_int_equal(s.hdr.length, 216);
	assert_int_equal(s.hdr.sig_off, sizeof(before));
	assert_int_equal(s.hdr.sig_len, 128);
	assert_int_equal(s.hdr.sig_modulus, 1);
	assert_int_equal(s.hdr.npad, 3);
	assert_int_equal(s.hdr.pad_tlv, 14); /* no SIGNER_VERSION: one element fewer */
	assert_string_equal(s.hdr.signer_name, "CN=T,O=emcc");
	assert_string_equal(s.hdr.ca_name, "CN=T,O=emcc");
	assert_string_equal(s.hdr.filename, "a.sgn");
	assert_int_equal(s.hdr.timestamp, TS);
	assert_int_equal(s.body_len, 5);
	assert_memory_equal(s.body, "hello", 5);
	assert_int_equal(tlv_header_verify(b.data, b.len, &s.hdr, S1024.key), 0);
	buf_free(&b);
}

/* The ITL header, byte for byte: VERSION 1.2 and SIGNER_VERSION 1.0, SHA-512, one PADDING byte
 * at TLV 15 (the 7821 reading a CUCM ITL: "start of pad ('T' 0x0d) at TLV 15", "skipping 1 trail
 * bytes"); then the record, element by element. */
static void test_itl_header_bytes(void **state)
{
	static const uint8_t before[] = {
	    1,	 0,   2,   1,	2,   /* VERSION 1.2 */
	    2,	 0,   2,   0,	236, /* HEADER_LENGTH 236 */
	    28,	 0,   2,   1,	0,   /* SIGNER_VERSION 1.0 */
	    3,	 0,   35,	     /* SIGNER_ID */
	    4,	 0,   12,  'C', 'N', '=', 'T', ',', 'O', '=', 'e', 'm', 'c', 'c', 0,
	    5,	 0,   2,   1,	2,   6,	  0,   12,  'C', 'N', '=', 'T', ',', 'O', '=',
	    'e', 'm', 'c', 'c', 0,   7,	  0,   15,  8,	 0,   1,   3, /* SIGNATURE_INFO, SHA-512 */
	    9,	 0,   8,   10,	0,   1,	  0,   11,  0,	 1,   1,      /* RSA, 1024 bits */
	};
	static const uint8_t after[] = {
	    14,	 0,   23,  'I', 'T', 'L',  'S',	 'E',  'P',  'C', '8', '0',
	    '0', '8', '4', 'A', 'A', '8',  '7',	 '4',  '3',  '.', 't', 'l',
	    'v', 0,   15,  0,	4,   0x5c, 0x84, 0x06, 0xc8, 13, /* PADDING: 235 -> 236 */
	};
	static const uint8_t rec[] = {
	    3, 0, 12, 'C', 'N', '=', 'T', ',', 'O', '=', 'e', 'm', 'c', 'c', 0, /* SUBJECT_NAME */
	    4, 0, 2,  0,   0,							/* FUNCTION SAST */
	    5, 0, 12, 'C', 'N', '=', 'T', ',', 'O', '=', 'e', 'm', 'c', 'c', 0, /* ISSUER_NAME */
	    6, 0, 2,  1,   2,							/* SERIAL_NUMBER */
	};
	const struct itl_build ib = {.name = "ITLSEPC80084AA8743.tlv",
				     .digest = TLV_DIGEST_SHA512,
				     .signer_version = {1, 0},
				     .timestamp = TS};
	const struct itl_entry e = {S1024.cert, ITL_ROLE_SAST};
	unsigned char *pub = NULL, *der = NULL;
	const ASN1_BIT_STRING *csig;
	struct itl *itl = NULL;
	struct buf b;
	char err[256];
	const uint8_t *f, *r;
	size_t o;

	(void)state;
	buf_init(&b);
	assert_int_equal(itl_build(&b, &ib, S1024.key, S1024.cert, &e, 1, err, sizeof(err)), 0);
	f = (const uint8_t *)b.data;
	assert_memory_equal(f, before, sizeof(before));
	assert_memory_equal(f + sizeof(before), ((const uint8_t[]){12, 0, 128}), 3);
	assert_memory_equal(f + sizeof(before) + 131, after, sizeof(after));
	assert_int_equal(sizeof(before) + 131 + sizeof(after), 236);
	check_sig(f, b.len, sizeof(before), 128, EVP_sha512(), S1024.cert);

	/* The record: RECORD_LENGTH (the whole record), names, FUNCTION, serial, then PUBLIC_KEY
	 * (PKCS#1), the certificate's signature and its DER. */
	r = f + 236;
	int npub = i2d_PublicKey(S1024.key, &pub);
	int nder = i2d_X509(S1024.cert, &der);
	X509_get0_signature(&csig, NULL, S1024.cert);
	size_t nsig = (size_t)ASN1_STRING_length(csig);
	size_t total = 5 + sizeof(rec) + 3 + (size_t)npub + 3 + nsig + 3 + (size_t)nder;
	assert_int_equal(b.len, 236 + total);
	assert_memory_equal(r, ((const uint8_t[]){1, 0, 2, (uint8_t)(total >> 8), (uint8_t)total}),
			    5);
	assert_memory_equal(r + 5, rec, sizeof(rec));
	o = 5 + sizeof(rec);
	assert_int_equal(r[o], 7);
	assert_int_equal(tlv_get_u16(r + o + 1), npub);
	assert_memory_equal(r + o + 3, pub, (size_t)npub);
	o += 3 + (size_t)npub;
	assert_int_equal(r[o], 8);
	assert_int_equal(tlv_get_u16(r + o + 1), nsig);
	assert_memory_equal(r + o + 3, ASN1_STRING_get0_data(csig), nsig);
	o += 3 + nsig;
	assert_int_equal(r[o], 9);
	assert_int_equal(tlv_get_u16(r + o + 1), nder);
	assert_memory_equal(r + o + 3, der, (size_t)nder);

	assert_int_equal(itl_parse(b.data, b.len, &itl), 0);
	assert_int_equal(itl->hdr.version[1], 2);
	assert_true(itl->hdr.has_signer_version);
	assert_int_equal(itl->hdr.signer_version[0], 1);
	assert_int_equal(itl->hdr.signer_version[1], 0);
	assert_int_equal(itl->hdr.pad_tlv, 15);
	assert_int_equal(itl->hdr.npad, 1);
	assert_int_equal(itl->hdr.digest, TLV_DIGEST_SHA512);
	assert_int_equal(itl_verify_self(itl, err, sizeof(err)), 0);
	itl_free(itl);
	OPENSSL_free(pub);
	OPENSSL_free(der);
	buf_free(&b);
}

/* Whatever the names' lengths, the header is a multiple of 4 and the padding is what makes it
 * so (0 to 3 bytes). */
static void test_padding_to_4(void **state)
{
	struct buf b;
	struct sgn s;
	char err[256], name[16];
	size_t seen[4] = {0};

	(void)state;
	for (int i = 1; i <= 8; i++) {
		memset(name, 'n', (size_t)i);
		name[i] = '\0';
		buf_init(&b);
		assert_int_equal(sgn_build(&b, name, TLV_DIGEST_SHA1, TS, S1024.key, S1024.cert,
					   "x", 1, err, sizeof(err)),
				 0);
		assert_int_equal(sgn_parse(b.data, b.len, &s), 0);
		assert_int_equal(s.hdr.length % 4, 0);
		assert_true(s.hdr.npad < 4);
		seen[s.hdr.npad]++;
		for (size_t k = 0; k < s.hdr.npad; k++)
			assert_int_equal((uint8_t)b.data[s.hdr.length - 1 - k], TLV_H_PADDING);
		buf_free(&b);
	}
	for (int k = 0; k < 4; k++)
		assert_true(seen[k] > 0); /* every amount of padding came up */
}

static void test_digests(void **state)
{
	static const uint8_t codes[] = {TLV_DIGEST_SHA1, TLV_DIGEST_SHA512};
	const EVP_MD *mds[] = {EVP_sha1(), EVP_sha512()};
	struct buf b;
	struct sgn s;
	char err[256];

	(void)state;
	assert_null(tlv_digest_md(2)); /* SHA-256 is not a code these headers use */
	assert_string_equal(tlv_digest_name(1), "SHA1");
	assert_string_equal(tlv_digest_name(3), "SHA512");
	for (int i = 0; i < 2; i++) {
		buf_init(&b);
		assert_int_equal(sgn_build(&b, "d.sgn", codes[i], TS, S1024.key, S1024.cert, "abc",
					   3, err, sizeof(err)),
				 0);
		assert_int_equal(sgn_parse(b.data, b.len, &s), 0);
		assert_int_equal(s.hdr.digest, codes[i]);
		check_sig((const uint8_t *)b.data, b.len, s.hdr.sig_off, s.hdr.sig_len, mds[i],
			  S1024.cert);
		buf_free(&b);
	}
	buf_init(&b);
	assert_int_equal(
	    sgn_build(&b, "d.sgn", 2, TS, S1024.key, S1024.cert, "abc", 3, err, sizeof(err)),
	    EINVAL);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void test_refusal_words(void **state)
{
	(void)state;
	assert_string_equal(tlv_refusal(EKEYREJECTED), "signature mismatch");
	assert_string_equal(tlv_refusal(ENOKEY), "signer not trusted");
	assert_string_equal(tlv_refusal(EPERM), "signer role not allowed");
	assert_string_equal(tlv_refusal(EBADMSG), "malformed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reader),	     cmocka_unit_test(test_reader_truncated),
	    cmocka_unit_test(test_values),	     cmocka_unit_test(test_writer),
	    cmocka_unit_test(test_serial_equal),     cmocka_unit_test(test_name),
	    cmocka_unit_test(test_sgn_header_bytes), cmocka_unit_test(test_itl_header_bytes),
	    cmocka_unit_test(test_padding_to_4),     cmocka_unit_test(test_digests),
	    cmocka_unit_test(test_refusal_words),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
