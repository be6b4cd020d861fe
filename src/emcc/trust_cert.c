/* trust_cert.c -- the certificates of trust bundles: SHA-256 fingerprints, the host check, one
 * PEM block decoded strictly. */
#include "emcc/trust.h"
#include "emcc/trust_int.h"

#include <errno.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/addr.h"
#include "core/str.h"

static void hex_forms(const unsigned char md[SHA256_LEN], char *hex, char *colon)
{
	static const char lower[] = "0123456789abcdef", upper[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < SHA256_LEN; i++) {
		hex[2 * i] = lower[md[i] >> 4];
		hex[2 * i + 1] = lower[md[i] & 15];
		if (colon) {
			colon[3 * i] = upper[md[i] >> 4];
			colon[3 * i + 1] = upper[md[i] & 15];
			colon[3 * i + 2] = i + 1 < SHA256_LEN ? ':' : '\0';
		}
	}
	hex[2 * SHA256_LEN] = '\0';
}

int trust_x509_fingerprint(X509 *cert, char *hex, char *colon)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!cert || !hex)
		return EINVAL;
	/* X509_digest hashes the DER encoding: the same bytes `openssl x509 -fingerprint` hashes */
	if (!X509_digest(cert, EVP_sha256(), md, &n) || n != SHA256_LEN) {
		ERR_clear_error();
		return EINVAL;
	}
	hex_forms(md, hex, colon);
	return 0;
}

/* The first certificate in a PEM text (a chain file gives its leaf). */
X509 *trust_first_cert(const char *pem)
{
	BIO *bio;
	X509 *x = NULL;

	if (!pem || strlen(pem) > TRUST_BUNDLE_MAX)
		return NULL;
	if ((bio = BIO_new_mem_buf(pem, -1))) {
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	ERR_clear_error();
	return x;
}

int trust_cert_fingerprint(const char *pem, char *hex, char *colon)
{
	X509 *x;
	int err;

	if (!hex || !(x = trust_first_cert(pem)))
		return EINVAL;
	err = trust_x509_fingerprint(x, hex, colon);
	X509_free(x);
	return err;
}

/* Decodes one fingerprint form into 32 bytes. Walks every character whatever it finds, and
 * decodes hex with masks instead of branches, so the time depends only on the length. */
static int fp_decode(const char *s, unsigned char out[SHA256_LEN])
{
	size_t n = strnlen(s, TRUST_FP_COLON_SIZE), i, k, step;
	unsigned bad = 0;

	if (n == 2 * SHA256_LEN)
		step = 2;
	else if (n == 3 * SHA256_LEN - 1)
		step = 3;
	else
		return EINVAL;
	for (i = 0; i < SHA256_LEN; i++) {
		unsigned v = 0;

		for (k = 0; k < 2; k++) {
			unsigned c = (unsigned char)s[i * step + k];
			unsigned d = c - '0';	       /* a digit when < 10 */
			unsigned l = (c | 0x20) - 'a'; /* a hex letter, either case, when < 6 */
			unsigned is_d = 0u - (unsigned)(d < 10), is_l = 0u - (unsigned)(l < 6);

			bad |= ~(is_d | is_l) & 1u;
			v = (v << 4) | (d & is_d) | ((l + 10) & is_l);
		}
		out[i] = (unsigned char)v;
		if (step == 3 && i + 1 < SHA256_LEN)
			bad |= (unsigned)(s[i * step + 2] != ':');
	}
	return bad ? EINVAL : 0;
}

int trust_fingerprint_equal(const char *a, const char *b)
{
	unsigned char da[SHA256_LEN], db[SHA256_LEN];
	int ea, eb;

	if (!a || !b)
		return 0;
	ea = fp_decode(a, da);
	eb = fp_decode(b, db);
	if (ea || eb)
		return 0;
	return CRYPTO_memcmp(da, db, SHA256_LEN) == 0;
}

int trust_cert_matches_host(const char *pem, const char *address, int *matches)
{
	struct addr a;
	X509 *x = NULL;
	int rc, err = 0;

	if (!matches || !address)
		return EINVAL;
	if (addr_parse(&a, address, ADDR_PORT_OPTIONAL, 0))
		return EINVAL;
	if (!(x = trust_first_cert(pem)))
		return EINVAL;
	/* NEVER_CHECK_SUBJECT: only subjectAltName counts, as browsers and RFC 6125 want;
	 * NO_PARTIAL_WILDCARDS: "*.example.org" yes, "w*.example.org" no. */
	if (a.ip)
		rc = X509_check_ip_asc(x, a.host, 0);
	else
		rc = X509_check_host(x, a.host, strlen(a.host),
				     X509_CHECK_FLAG_NEVER_CHECK_SUBJECT |
					 X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
				     NULL);
	if (rc < 0) {
		err = rc == -2 ? EINVAL : ENOMEM;
		goto out;
	}
	*matches = rc == 1;
out:
	ERR_clear_error();
	X509_free(x);
	return err;
}

int trust_cert_fill(X509 *x, struct trust_cert *c)
{
	const ASN1_TIME *na;
	struct tm tm;
	BIO *mem = NULL;
	char *data;
	long n;
	int err = 0;

	if ((err = trust_x509_fingerprint(x, c->sha256, NULL)))
		goto out;
	c->subject[0] = '\0';
	X509_NAME_oneline(X509_get_subject_name(x), c->subject, sizeof(c->subject));
	c->not_after = 0;
	na = X509_get0_notAfter(x);
	memset(&tm, 0, sizeof(tm));
	if (na && ASN1_TIME_to_tm(na, &tm) == 1)
		c->not_after = timegm(&tm);
	if (!(mem = BIO_new(BIO_s_mem())) || !PEM_write_bio_X509(mem, x)) {
		err = ENOMEM;
		goto out;
	}
	n = BIO_get_mem_data(mem, &data);
	if (n <= 0) {
		err = ENOMEM;
		goto out;
	}
	if (n > TRUST_PEM_MAX) {
		err = EFBIG;
		goto out;
	}
	if (!(c->pem = strndup(data, (size_t)n)))
		err = ENOMEM;
out:
	ERR_clear_error();
	BIO_free(mem);
	return err;
}

X509 *trust_decode_block(const char *text, size_t len, char *why, size_t whylen)
{
	BIO *bio = NULL;
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	const unsigned char *p;
	long dlen = 0;
	X509 *x = NULL;

	if (!(bio = BIO_new_mem_buf(text, (int)len))) {
		str_printf(why, whylen, "out of memory");
		goto out;
	}
	if (!PEM_read_bio(bio, &name, &header, &data, &dlen)) {
		str_printf(why, whylen, "the PEM block cannot be decoded");
		goto out;
	}
	if (strcmp(name, "CERTIFICATE") != 0) {
		str_printf(why, whylen, "a \"%.40s\" block is not an X.509 certificate", name);
		goto out;
	}
	if (header && header[0]) {
		str_printf(why, whylen, "a certificate block must not carry PEM headers");
		goto out;
	}
	p = data;
	x = d2i_X509(NULL, &p, dlen);
	if (!x) {
		str_printf(why, whylen, "OpenSSL cannot parse the certificate");
		goto out;
	}
	if (p != data + dlen) {
		str_printf(why, whylen, "bytes after the certificate's DER");
		X509_free(x);
		x = NULL;
		goto out;
	}
	if (!X509_get0_pubkey(x)) {
		str_printf(why, whylen, "OpenSSL cannot read the certificate's public key");
		X509_free(x);
		x = NULL;
	}
out:
	ERR_clear_error();
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	BIO_free(bio);
	return x;
}
