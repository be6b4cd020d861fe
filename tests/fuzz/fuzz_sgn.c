/* fuzz_sgn.c -- libFuzzer target: bytes into sgn_parse and sgn_verify (the TLV header reader);
 * what they accept must be consistent (every offset inside the file, strings terminated, the
 * signature where the header says), and the verdict one of the documented refusal codes. */
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "prov/itl.h"
#include "prov/sgn.h"
#include "prov/tlv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TERMINATED(f) (strnlen((f), sizeof(f)) < sizeof(f))

/* A TFTP signer listed in an ITL, made once: with serial 0x2002 the fuzzer can name it and reach
 * the signature check. */
static struct itl *trust_list(void)
{
	static struct itl *itl;
	if (itl)
		return itl;
	EVP_PKEY *key = EVP_RSA_gen(1024);
	X509 *cert = X509_new();
	struct buf b;
	char err[256];
	if (!key || !cert)
		abort();
	ASN1_INTEGER_set(X509_get_serialNumber(cert), 0x2002);
	X509_gmtime_adj(X509_getm_notBefore(cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_UTF8,
				   (const unsigned char *)"fuzz", -1, -1, 0);
	X509_set_issuer_name(cert, X509_get_subject_name(cert));
	X509_set_pubkey(cert, key);
	if (!X509_sign(cert, key, EVP_sha256()))
		abort();
	const struct itl_build ib = {.name = "ITLFile.tlv", .digest = 1, .signer_version = {1, 0}};
	const struct itl_entry e[] = {{cert, ITL_ROLE_SAST}, {cert, ITL_ROLE_CCM_TFTP}};
	buf_init(&b);
	if (itl_build(&b, &ib, key, cert, e, 2, err, sizeof(err)) != 0 ||
	    itl_parse(b.data, b.len, &itl) != 0)
		abort();
	buf_free(&b);
	X509_free(cert);
	EVP_PKEY_free(key);
	return itl;
}

static int refusal(int rc)
{
	return rc == EBADMSG || rc == EFBIG || rc == ENOTSUP || rc == EKEYREJECTED ||
	       rc == ENOKEY || rc == EPERM || rc == ENOENT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sgn s;
	char why[512];
	int rc = sgn_parse(data, size, &s);

	if (rc) {
		if (rc != EBADMSG && rc != ENOTSUP && rc != EFBIG)
			abort();
	} else {
		const struct tlv_header *h = &s.hdr;
		if (h->length > size || s.body != data + h->length ||
		    s.body_len != size - h->length)
			abort();
		if (h->sig_off + 3 + h->sig_len > h->length ||
		    h->sig_len != (size_t)64 << h->sig_modulus ||
		    data[h->sig_off] != TLV_H_SIGNATURE)
			abort();
		if (!TERMINATED(h->signer_name) || !TERMINATED(h->ca_name) ||
		    !TERMINATED(h->filename) || h->serial_len < 1 ||
		    h->serial_len > TLV_SERIAL_MAX || !tlv_digest_md(h->digest) ||
		    h->version[0] != 1)
			abort();
		for (size_t i = 0; i < h->npad; i++)
			if (data[h->length - 1 - i] != TLV_H_PADDING)
				abort();
	}
	why[0] = '\0';
	rc = sgn_verify(data, size, trust_list(), "SEPC80084AA8743.cnf.xml.sgn", NULL, why,
			sizeof(why));
	/* Nobody forges an RSA signature here: every file is refused, with a text. */
	if (!refusal(rc) || !why[0] || strnlen(why, sizeof(why)) == sizeof(why))
		abort();
	return 0;
}
