/* test_itl.c -- ITL and CTL files: build and parse (RSA and EC records), trust on first use, an
 * update signed by a SAST of the ITL held, and the refusals: unknown SAST, a forged SAST
 * certificate, an ITL that does not list its own signer, tampered records, records that
 * contradict their certificate, truncated files, bad record lengths. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/x509.h>

#include "core/buf.h"
#include "prov/itl.h"
#include "prov/tlv.h"
#include "tlvtest.h"

#define TS 1552156360u

static struct signer SAST, SAST2, TFTP, TVS, HTTPS, FORGED;

static int group_setup(void **state)
{
	(void)state;
	SAST = tt_signer(2048, "ITLRECOVERY_ClusterTwo", 0x1001);
	SAST2 = tt_signer(2048, "ITLRECOVERY_ClusterOne", 0x1002);
	TFTP = tt_signer(2048, "ClusterTwo", 0x2002);
	TVS = tt_signer(1024, "tvs", 0x3003);
	HTTPS = tt_signer(0, "https", 0x4004); /* EC P-256, as the node's HTTPS certificate */
	FORGED = tt_signer_with(&SAST2, "ITLRECOVERY_ClusterTwo", 0x1001); /* SAST's serial */
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	tt_signer_free(&SAST);
	tt_signer_free(&SAST2);
	tt_signer_free(&TFTP);
	tt_signer_free(&TVS);
	tt_signer_free(&HTTPS);
	tt_signer_free(&FORGED);
	return 0;
}

/* The usual ITL: SAST signs, listing TFTP (CCM+TFTP), TVS and HTTPS. */
static void make(struct buf *b, const struct signer *sast, uint8_t digest)
{
	const struct signer *o[] = {&TFTP, &TVS, &HTTPS};
	const uint16_t roles[] = {ITL_ROLE_CCM_TFTP, ITL_ROLE_TVS, ITL_ROLE_HTTPS};

	buf_init(b);
	assert_int_equal(tt_itl(b, sast, o, roles, 3, digest, TS), 0);
}

static void test_round_trip(void **state)
{
	static const uint8_t digests[] = {TLV_DIGEST_SHA1, TLV_DIGEST_SHA512};
	const struct signer *all[] = {&SAST, &TFTP, &TVS, &HTTPS};
	const uint16_t roles[] = {ITL_ROLE_SAST, ITL_ROLE_CCM_TFTP, ITL_ROLE_TVS, ITL_ROLE_HTTPS};
	struct itl *itl;
	struct buf b;
	char why[512];

	(void)state;
	for (int d = 0; d < 2; d++) {
		make(&b, &SAST, digests[d]);
		assert_int_equal(itl_parse(b.data, b.len, &itl), 0);
		assert_int_equal(itl->hdr.version[0], 1);
		assert_int_equal(itl->hdr.version[1], 2);
		assert_true(itl->hdr.has_signer_version);
		assert_int_equal(itl->hdr.digest, digests[d]);
		assert_string_equal(itl->hdr.filename, "ITLFile.tlv");
		assert_string_equal(itl->hdr.signer_name, "CN=ITLRECOVERY_ClusterTwo,O=emcc");
		assert_int_equal(itl->hdr.length % 4, 0);
		if (itl->hdr.npad)
			assert_int_equal(itl->hdr.pad_tlv, 15);
		assert_int_equal(itl->nrecs, 4);
		for (size_t i = 0; i < 4; i++) {
			const struct itl_record *r = &itl->recs[i];
			char subject[128];
			unsigned char *pub = NULL;
			int npub = i2d_PublicKey(all[i]->key, &pub);
			assert_int_equal(r->role, roles[i]);
			assert_int_equal(X509_cmp(r->cert, all[i]->cert), 0);
			assert_int_equal(
			    tlv_name(X509_get_subject_name(all[i]->cert), subject, sizeof(subject)),
			    0);
			assert_string_equal(r->subject, subject);
			assert_string_equal(r->issuer, subject); /* self-signed */
			assert_int_equal(r->public_key.len, (size_t)npub);
			assert_memory_equal(r->public_key.p, pub, (size_t)npub);
			OPENSSL_free(pub);
		}
		/* The EC record: the X9.62 uncompressed point (0x04, X, Y) and an ECDSA signature;
		 * the RSA ones: PKCS#1 RSAPublicKey (a DER SEQUENCE). */
		assert_int_equal(itl->recs[3].public_key.len, 65);
		assert_int_equal(itl->recs[3].public_key.p[0], 0x04);
		assert_int_equal(itl->recs[0].public_key.p[0], 0x30);
		assert_ptr_equal(itl_signer(itl), &itl->recs[0]);
		assert_int_equal(itl_verify_self(itl, why, sizeof(why)), 0);
		itl_free(itl);
		buf_free(&b);
	}
}

static void test_find(void **state)
{
	struct itl *itl;
	struct buf b;
	uint8_t s[TLV_SERIAL_MAX];
	size_t n = tlv_cert_serial(TFTP.cert, s);

	(void)state;
	make(&b, &SAST, TLV_DIGEST_SHA1);
	assert_int_equal(itl_parse(b.data, b.len, &itl), 0);
	assert_ptr_equal(itl_find(itl, s, n, 0), &itl->recs[1]);
	assert_ptr_equal(itl_find(itl, s, n, ITL_ROLES(ITL_ROLE_CCM_TFTP)), &itl->recs[1]);
	assert_null(itl_find(itl, s, n, ITL_ROLES(ITL_ROLE_TFTP) | ITL_ROLES(ITL_ROLE_SAST)));
	assert_null(itl_find(NULL, s, n, 0));
	assert_string_equal(itl_role_name(ITL_ROLE_CCM_TFTP), "CCM+TFTP");
	assert_string_equal(itl_role_name(ITL_ROLE_TVS), "TVS");
	assert_string_equal(itl_role_name(ITL_ROLE_HTTPS), "HTTPS");
	assert_null(itl_role_name(5));
	itl_free(itl);
	buf_free(&b);
}

/* First ITL: trusted as it is. A later one: only from a SAST of the one held. */
static void test_accept(void **state)
{
	struct itl *held = NULL, *before;
	struct buf first, again, stranger, forged;
	char why[512];

	(void)state;
	make(&first, &SAST, TLV_DIGEST_SHA1);
	make(&again, &SAST, TLV_DIGEST_SHA512);
	make(&stranger, &SAST2, TLV_DIGEST_SHA1);
	make(&forged, &FORGED, TLV_DIGEST_SHA1);

	/* A stranger's ITL is taken on first use as well as ours would be. */
	assert_int_equal(itl_accept(&held, stranger.data, stranger.len, why, sizeof(why)), 0);
	itl_free(held);
	held = NULL;
	assert_int_equal(itl_accept(&held, first.data, first.len, why, sizeof(why)), 0);
	assert_non_null(held);
	before = held;
	assert_int_equal(itl_accept(&held, again.data, again.len, why, sizeof(why)), 0);
	assert_ptr_not_equal(held, before);
	assert_int_equal(held->hdr.digest, TLV_DIGEST_SHA512);

	/* Unknown SAST: refused, the ITL held stays. */
	before = held;
	assert_int_equal(itl_accept(&held, stranger.data, stranger.len, why, sizeof(why)), ENOKEY);
	assert_ptr_equal(held, before);
	assert_non_null(strstr(why, "Trust List Update Failed: ITLFile.tlv"));
	assert_non_null(strstr(why, "is not a SAST of the ITL held"));

	/* A certificate with our SAST's serial, another key: checked with the certificate held,
	 * so it fails, although the file is consistent in itself. */
	struct itl *f = NULL;
	assert_int_equal(itl_parse(forged.data, forged.len, &f), 0);
	assert_int_equal(itl_verify_self(f, why, sizeof(why)), 0);
	itl_free(f);
	assert_int_equal(itl_accept(&held, forged.data, forged.len, why, sizeof(why)),
			 EKEYREJECTED);
	assert_ptr_equal(held, before);
	assert_non_null(strstr(why, "the SAST of the ITL held"));

	/* Garbage: malformed, held unchanged. */
	assert_int_equal(itl_accept(&held, "junk", 4, why, sizeof(why)), EBADMSG);
	assert_ptr_equal(held, before);
	assert_string_equal(why, "Trust List Update Failed: trust list: malformed");

	itl_free(held);
	buf_free(&first);
	buf_free(&again);
	buf_free(&stranger);
	buf_free(&forged);
}

/* Signed by the SAST held, but not listing it: the phone could never take the next one. */
static void test_signer_not_listed(void **state)
{
	const struct tlv_sign s = {.version = {1, 2},
				   .signer_version = 1,
				   .signer_version_v = {1, 0},
				   .digest = TLV_DIGEST_SHA1,
				   .filename = "ITLFile.tlv",
				   .timestamp = TS};
	struct itl *held = NULL, *other = NULL, *next = NULL;
	struct buf a, b, c;
	char why[512], err[256];

	(void)state;
	make(&a, &SAST, TLV_DIGEST_SHA1);
	make(&b, &SAST2, TLV_DIGEST_SHA1);
	assert_int_equal(itl_parse(a.data, a.len, &held), 0);
	assert_int_equal(itl_parse(b.data, b.len, &other), 0);
	/* SAST2's records, signed by SAST. */
	buf_init(&c);
	assert_int_equal(tlv_sign_file(&c, &s, SAST.key, SAST.cert, other->data + other->hdr.length,
				       other->len - other->hdr.length, err, sizeof(err)),
			 0);
	assert_int_equal(itl_parse(c.data, c.len, &next), 0);
	assert_null(itl_signer(next));
	assert_int_equal(itl_verify_self(next, why, sizeof(why)), ENOKEY);
	assert_non_null(strstr(why, "no SAST record has the signer's serial"));
	assert_int_equal(itl_verify_update(held, next, why, sizeof(why)), ENOKEY);
	assert_int_equal(itl_verify_update(NULL, next, why, sizeof(why)), ENOKEY);
	itl_free(held);
	itl_free(other);
	itl_free(next);
	buf_free(&a);
	buf_free(&b);
	buf_free(&c);
}

static void test_build_refusals(void **state)
{
	const struct itl_build ib = {.name = "ITLFile.tlv", .digest = 1, .signer_version = {1, 0}};
	const struct itl_entry not_sast[] = {{SAST.cert, ITL_ROLE_CCM_TFTP}, {TFTP.cert, 2}};
	const struct itl_entry other_sast[] = {{SAST2.cert, ITL_ROLE_SAST}};
	const struct itl_entry no_cert[] = {{SAST.cert, 0}, {NULL, 2}};
	struct buf b;
	char err[256];

	(void)state;
	buf_init(&b);
	assert_int_equal(itl_build(&b, &ib, SAST.key, SAST.cert, not_sast, 2, err, sizeof(err)),
			 EINVAL);
	assert_non_null(strstr(err, "listed with role SAST"));
	assert_int_equal(itl_build(&b, &ib, SAST.key, SAST.cert, other_sast, 1, err, sizeof(err)),
			 EINVAL);
	assert_int_equal(itl_build(&b, &ib, SAST.key, SAST.cert, no_cert, 2, err, sizeof(err)),
			 EINVAL);
	assert_int_equal(itl_build(&b, &ib, SAST.key, SAST.cert, NULL, 0, err, sizeof(err)),
			 EINVAL);
	/* An EC key cannot sign the ITL (it can be listed: HTTPS above). */
	const struct itl_entry ec[] = {{HTTPS.cert, ITL_ROLE_SAST}};
	assert_int_equal(itl_build(&b, &ib, HTTPS.key, HTTPS.cert, ec, 1, err, sizeof(err)),
			 EINVAL);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void test_tampered(void **state)
{
	struct itl *itl;
	struct buf b;
	char why[512];

	(void)state;
	make(&b, &SAST, TLV_DIGEST_SHA1);
	assert_int_equal(itl_parse(b.data, b.len, &itl), 0);
	/* A byte of the TVS record's certificate signature: still parses (nothing checks that
	 * signature), the file's signature refuses it. */
	const struct itl_record *r = &itl->recs[2];
	size_t at = (size_t)(r->signature.p - itl->data) + 4;
	itl_free(itl);
	b.data[at] ^= 0x01;
	assert_int_equal(itl_parse(b.data, b.len, &itl), 0);
	assert_int_equal(itl_verify_self(itl, why, sizeof(why)), EKEYREJECTED);
	assert_non_null(strstr(why, "does not match its own SAST record"));
	itl_free(itl);
	/* The FUNCTION of the TFTP record turned into SAST. */
	b.data[at] ^= 0x01;
	assert_int_equal(itl_parse(b.data, b.len, &itl), 0);
	r = &itl->recs[1];
	size_t fn = r->off + 5 + 3 + strlen(r->subject) + 1 + 4;
	assert_int_equal((uint8_t)b.data[fn], ITL_ROLE_CCM_TFTP);
	itl_free(itl);
	b.data[fn] = ITL_ROLE_SAST;
	assert_int_equal(itl_parse(b.data, b.len, &itl), 0);
	assert_int_equal(itl->recs[1].role, ITL_ROLE_SAST);
	assert_int_equal(itl_verify_self(itl, why, sizeof(why)), EKEYREJECTED);
	itl_free(itl);
	buf_free(&b);
}

/* Records that contradict their certificate are malformed, before any signature. */
static void test_record_vs_certificate(void **state)
{
	struct itl *itl;
	struct buf b;

	(void)state;
	make(&b, &SAST, TLV_DIGEST_SHA1);
	assert_int_equal(itl_parse(b.data, b.len, &itl), 0);
	size_t serial_at = (size_t)(itl->recs[1].public_key.p - itl->data) - 4; /* last byte */
	size_t key_at = (size_t)(itl->recs[1].public_key.p - itl->data) + 20;
	size_t cert_at = (size_t)(itl->recs[1].cert_der.p - itl->data);
	itl_free(itl);
	b.data[serial_at] ^= 0x01;
	assert_int_equal(itl_parse(b.data, b.len, &itl), EBADMSG);
	b.data[serial_at] ^= 0x01;
	b.data[key_at] ^= 0x01;
	assert_int_equal(itl_parse(b.data, b.len, &itl), EBADMSG);
	b.data[key_at] ^= 0x01;
	b.data[cert_at] = 0x31; /* not a DER SEQUENCE */
	assert_int_equal(itl_parse(b.data, b.len, &itl), EBADMSG);
	buf_free(&b);
}

static void test_truncated(void **state)
{
	struct itl *itl;
	struct buf b;
	char why[512];
	size_t ends[8], nends = 0;

	(void)state;
	make(&b, &SAST, TLV_DIGEST_SHA1);
	assert_int_equal(itl_parse(b.data, b.len, &itl), 0);
	for (size_t i = 0; i < itl->nrecs; i++)
		ends[nends++] = itl->recs[i].off + itl->recs[i].len;
	itl_free(itl);
	/* Cut on a record boundary: fewer records, a signature that no longer matches; anywhere
	 * else: malformed. */
	for (size_t n = 0; n < b.len; n++) {
		int boundary = 0;
		for (size_t k = 0; k < nends; k++)
			boundary |= ends[k] == n;
		int rc = itl_parse(b.data, n, &itl);
		if (!boundary) {
			assert_int_equal(rc, EBADMSG);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(itl_verify_self(itl, why, sizeof(why)), EKEYREJECTED);
		itl_free(itl);
	}
	buf_free(&b);
}

static void test_bad_records(void **state)
{
	struct itl *itl;
	struct buf b;
	size_t rec;

	(void)state;
	make(&b, &SAST, TLV_DIGEST_SHA1);
	assert_int_equal(itl_parse(b.data, b.len, &itl), 0);
	rec = itl->recs[3].off; /* the last record */
	size_t len = itl->recs[3].len, hl = itl->hdr.length;
	itl_free(itl);
	uint8_t *p = (uint8_t *)b.data + rec;
	/* RECORD_LENGTH past the file, short of its elements, shorter than itself. */
	tlv_set_u16(p + 3, (uint16_t)(len + 1));
	assert_int_equal(itl_parse(b.data, b.len, &itl), EBADMSG);
	tlv_set_u16(p + 3, (uint16_t)(len - 1));
	assert_int_equal(itl_parse(b.data, b.len, &itl), EBADMSG);
	tlv_set_u16(p + 3, 4);
	assert_int_equal(itl_parse(b.data, b.len, &itl), EBADMSG);
	tlv_set_u16(p + 3, (uint16_t)len);
	/* Not RECORD_LENGTH first; an unknown tag in a record; a repeated element. */
	p[0] = ITL_R_SUBJECT_NAME;
	assert_int_equal(itl_parse(b.data, b.len, &itl), EBADMSG);
	p[0] = ITL_R_LENGTH;
	p[5] = 13;
	assert_int_equal(itl_parse(b.data, b.len, &itl), EBADMSG);
	p[5] = ITL_R_ISSUER_NAME;
	assert_int_equal(itl_parse(b.data, b.len, &itl), EBADMSG);
	p[5] = ITL_R_SUBJECT_NAME;
	assert_int_equal(itl_parse(b.data, b.len, &itl), 0);
	itl_free(itl);
	/* A header and no record. */
	assert_int_equal(itl_parse(b.data, hl, &itl), EBADMSG);
	buf_free(&b);
}

/* A CTL carries more per record (DNS name, IP address, certificate hash): read and kept. */
static void test_ctl_fields(void **state)
{
	const struct tlv_sign s = {.version = {1, 2},
				   .signer_version = 1,
				   .signer_version_v = {1, 0},
				   .digest = TLV_DIGEST_SHA1,
				   .filename = "CTLFile.tlv",
				   .timestamp = TS};
	struct itl *itl, *tmp;
	struct buf b, body, out;
	char err[256], why[512];

	(void)state;
	make(&b, &SAST, TLV_DIGEST_SHA1);
	assert_int_equal(itl_parse(b.data, b.len, &tmp), 0);
	/* The SAST record, with DNS_NAME, IP_ADDRESS, CERTIFICATE_HASH and HASH_ALGORITHM
	 * added. */
	const struct itl_record *r = &tmp->recs[0];
	buf_init(&body);
	tlv_put_u16(&body, ITL_R_LENGTH, 0);
	buf_append(&body, (const char *)tmp->data + r->off + 5, r->len - 5);
	tlv_put_string(&body, ITL_R_DNS_NAME, "cucm-115.home.lab");
	tlv_put(&body, ITL_R_IP_ADDRESS, (const uint8_t[]){127, 0, 7, 200}, 4);
	tlv_put(&body, ITL_R_CERTIFICATE_HASH, "01234567890123456789", 20);
	tlv_put_u8(&body, ITL_R_HASH_ALGORITHM, 1);
	tlv_set_u16((uint8_t *)body.data + 3, (uint16_t)body.len);
	buf_init(&out);
	assert_int_equal(
	    tlv_sign_file(&out, &s, SAST.key, SAST.cert, body.data, body.len, err, sizeof(err)), 0);
	assert_int_equal(itl_parse(out.data, out.len, &itl), 0);
	assert_int_equal(itl->nrecs, 1);
	assert_string_equal(itl->recs[0].dns_name, "cucm-115.home.lab");
	assert_int_equal(itl->recs[0].ip_address.len, 4);
	assert_int_equal(itl->recs[0].ip_address.p[3], 200);
	assert_int_equal(itl->recs[0].cert_hash.len, 20);
	assert_true(itl->recs[0].has_hash_algorithm);
	assert_int_equal(itl_verify_self(itl, why, sizeof(why)), 0);
	itl_free(itl);
	itl_free(tmp);
	buf_free(&b);
	buf_free(&body);
	buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_find),
	    cmocka_unit_test(test_accept),
	    cmocka_unit_test(test_signer_not_listed),
	    cmocka_unit_test(test_build_refusals),
	    cmocka_unit_test(test_tampered),
	    cmocka_unit_test(test_record_vs_certificate),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_bad_records),
	    cmocka_unit_test(test_ctl_fields),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
