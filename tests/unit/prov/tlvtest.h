/* tlvtest.h -- helpers for the signed-file tests: signers with chosen names and serial numbers,
 * and an ITL made of them. */
#ifndef EMCC_TEST_PROV_TLVTEST_H
#define EMCC_TEST_PROV_TLVTEST_H

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "prov/itl.h"

struct signer {
	EVP_PKEY *key;
	X509 *cert;
};

/* A self-signed certificate "CN=cn,O=emcc" (in RFC 4514 form; O comes first in the DN) with
 * serial number `serial` for key. */
static inline X509 *tt_cert(EVP_PKEY *key, const char *cn, unsigned long serial)
{
	X509 *cert = X509_new();
	if (!cert)
		abort();
	X509_set_version(cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(cert), (long)serial);
	X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
	X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
	X509_NAME *name = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"emcc", -1, -1,
				   0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(cert, name);
	X509_set_pubkey(cert, key);
	if (!X509_sign(cert, key, EVP_sha256()))
		abort();
	return cert;
}

/* A new key (RSA of bits, or EC P-256 when bits is 0) and its tt_cert. */
static inline struct signer tt_signer(unsigned bits, const char *cn, unsigned long serial)
{
	struct signer s;
	s.key = bits ? EVP_RSA_gen(bits) : EVP_EC_gen("P-256");
	if (!s.key)
		abort();
	s.cert = tt_cert(s.key, cn, serial);
	return s;
}

/* The same key as `of` under another certificate. */
static inline struct signer tt_signer_with(const struct signer *of, const char *cn,
					   unsigned long serial)
{
	struct signer s;
	s.key = of->key;
	EVP_PKEY_up_ref(s.key);
	s.cert = tt_cert(s.key, cn, serial);
	return s;
}

static inline void tt_signer_free(struct signer *s)
{
	EVP_PKEY_free(s->key);
	X509_free(s->cert);
	s->key = NULL;
	s->cert = NULL;
}

/* An ITL signed by sast (listed as SAST) listing the others with their roles. */
static inline int tt_itl(struct buf *out, const struct signer *sast, const struct signer *const *o,
			 const uint16_t *roles, size_t n, uint8_t digest, uint32_t ts)
{
	struct itl_entry e[16];
	char err[256];
	const struct itl_build b = {
	    .name = "ITLFile.tlv", .digest = digest, .signer_version = {1, 0}, .timestamp = ts};
	e[0] = (struct itl_entry){sast->cert, ITL_ROLE_SAST};
	for (size_t i = 0; i < n; i++)
		e[i + 1] = (struct itl_entry){o[i]->cert, roles[i]};
	return itl_build(out, &b, sast->key, sast->cert, e, n + 1, err, sizeof(err));
}

/* The same, parsed. */
static inline struct itl *tt_itl_parsed(const struct signer *sast, const struct signer *const *o,
					const uint16_t *roles, size_t n)
{
	struct buf b;
	struct itl *itl = NULL;
	buf_init(&b);
	if (tt_itl(&b, sast, o, roles, n, 1, 1552156360) != 0 ||
	    itl_parse(b.data, b.len, &itl) != 0)
		abort();
	buf_free(&b);
	return itl;
}

#endif
