/* tlv.c -- the TLV primitives of Cisco's signed files and the signed header they share. */
#include "prov/tlv.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <string.h>

#include "core/buf.h"
#include "core/str.h"

/* ---- primitives ---- */

void tlv_reader_init(struct tlv_reader *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
}

uint16_t tlv_get_u16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

uint32_t tlv_get_u32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

void tlv_set_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int tlv_next(struct tlv_reader *r, uint8_t lone_tag, struct tlv_elem *e)
{
	size_t left;

	if (r->off >= r->len)
		return ENODATA;
	left = r->len - r->off;
	e->off = r->off;
	e->tag = r->p[r->off];
	if (lone_tag && e->tag == lone_tag) {
		e->len = 0;
		e->value = NULL;
		r->off++;
		return 0;
	}
	if (left < 3)
		return EBADMSG;
	e->len = tlv_get_u16(r->p + r->off + 1);
	if (left - 3 < e->len)
		return EBADMSG;
	e->value = r->p + r->off + 3;
	r->off += 3 + (size_t)e->len;
	return 0;
}

int tlv_u8(const struct tlv_elem *e, uint8_t *v)
{
	if (e->len != 1)
		return EBADMSG;
	*v = e->value[0];
	return 0;
}

int tlv_u16(const struct tlv_elem *e, uint16_t *v)
{
	if (e->len != 2)
		return EBADMSG;
	*v = tlv_get_u16(e->value);
	return 0;
}

int tlv_u32(const struct tlv_elem *e, uint32_t *v)
{
	if (e->len != 4)
		return EBADMSG;
	*v = tlv_get_u32(e->value);
	return 0;
}

int tlv_string(const struct tlv_elem *e, char *dst, size_t dstlen)
{
	if (e->len < 1 || e->value[e->len - 1] != '\0' ||
	    memchr(e->value, '\0', e->len) != e->value + e->len - 1 || e->len > dstlen)
		return EBADMSG;
	memcpy(dst, e->value, e->len);
	return 0;
}

int tlv_put(struct buf *b, uint8_t tag, const void *value, size_t len)
{
	uint8_t h[3];

	if (len > UINT16_MAX)
		return EINVAL;
	h[0] = tag;
	tlv_set_u16(h + 1, (uint16_t)len);
	buf_append(b, (const char *)h, sizeof(h));
	if (len)
		buf_append(b, value, len);
	return 0;
}

void tlv_put_open(struct buf *b, uint8_t tag, uint16_t len)
{
	uint8_t h[3] = {tag, (uint8_t)(len >> 8), (uint8_t)len};

	buf_append(b, (const char *)h, sizeof(h));
}

void tlv_put_u8(struct buf *b, uint8_t tag, uint8_t v)
{
	(void)tlv_put(b, tag, &v, 1);
}

void tlv_put_u16(struct buf *b, uint8_t tag, uint16_t v)
{
	uint8_t p[2];

	tlv_set_u16(p, v);
	(void)tlv_put(b, tag, p, 2);
}

void tlv_put_u32(struct buf *b, uint8_t tag, uint32_t v)
{
	uint8_t p[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

	(void)tlv_put(b, tag, p, 4);
}

int tlv_put_string(struct buf *b, uint8_t tag, const char *s)
{
	return tlv_put(b, tag, s, strlen(s) + 1);
}

/* ---- names and serial numbers ---- */

int tlv_name(const X509_NAME *name, char *dst, size_t len)
{
	/* RFC 2253 flags are RFC 4514's output; without ESC_MSB, UTF-8 stays UTF-8 instead of
	 * becoming \XX escapes. */
	const unsigned long flags = XN_FLAG_RFC2253 & ~(unsigned long)ASN1_STRFLGS_ESC_MSB;
	BIO *bio = BIO_new(BIO_s_mem());
	char *p = NULL;
	long n;
	int rc = ENOMEM;

	if (!bio || X509_NAME_print_ex(bio, name, 0, flags) < 0)
		goto out;
	n = BIO_get_mem_data(bio, &p);
	if (n < 0)
		goto out;
	rc = ERANGE;
	if ((size_t)n >= len || memchr(p, '\0', (size_t)n))
		goto out;
	memcpy(dst, p, (size_t)n);
	dst[n] = '\0';
	rc = 0;
out:
	BIO_free(bio);
	ERR_clear_error();
	return rc;
}

size_t tlv_cert_serial(const X509 *cert, uint8_t out[TLV_SERIAL_MAX])
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	size_t n = 0;

	if (bn && !BN_is_negative(bn) && !BN_is_zero(bn) && BN_num_bytes(bn) <= TLV_SERIAL_MAX)
		n = (size_t)BN_bn2bin(bn, out);
	BN_free(bn);
	return n;
}

int tlv_serial_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	while (alen && *a == 0) {
		a++;
		alen--;
	}
	while (blen && *b == 0) {
		b++;
		blen--;
	}
	return alen == blen && memcmp(a, b, alen) == 0;
}

const EVP_MD *tlv_digest_md(uint8_t code)
{
	switch (code) {
	case TLV_DIGEST_SHA1: return EVP_sha1();
	case TLV_DIGEST_SHA512: return EVP_sha512();
	default: return NULL;
	}
}

const char *tlv_digest_name(uint8_t code)
{
	switch (code) {
	case TLV_DIGEST_SHA1: return "SHA1";
	case TLV_DIGEST_SHA512: return "SHA512";
	default: return NULL;
	}
}

/* ---- the signed header ---- */

/* The elements a header must hold, as bits of (1u << tag). */
#define REQUIRED                                                                                   \
	((1u << TLV_H_SIGNER_NAME) | (1u << TLV_H_SERIAL_NUMBER) | (1u << TLV_H_CA_NAME) |         \
	 (1u << TLV_H_DIGEST_ALGORITHM) | (1u << TLV_H_SIGNATURE_ALGORITHM) |                      \
	 (1u << TLV_H_SIGNATURE_MODULUS) | (1u << TLV_H_SIGNATURE) | (1u << TLV_H_FILENAME) |      \
	 (1u << TLV_H_TIMESTAMP))

/* One element of the header after VERSION and HEADER_LENGTH. Returns 0, EBADMSG or ENOTSUP. */
static int header_elem(struct tlv_header *h, struct tlv_reader *r, const struct tlv_elem *e,
		       uint8_t *sig_alg)
{
	switch (e->tag) {
	case TLV_H_SIGNER_ID:
	case TLV_H_SIGNATURE_INFO:
	case TLV_H_SIGNATURE_ALGORITHM_INFO:
		/* A container: its elements follow flat, read them next. Its length is only
		 * checked to stay inside the header. */
		r->off = e->off + 3;
		return 0;
	case TLV_H_SIGNER_VERSION:
		if (e->len != 2)
			return EBADMSG;
		h->has_signer_version = 1;
		memcpy(h->signer_version, e->value, 2);
		return 0;
	case TLV_H_SIGNER_NAME: return tlv_string(e, h->signer_name, sizeof(h->signer_name));
	case TLV_H_CA_NAME: return tlv_string(e, h->ca_name, sizeof(h->ca_name));
	case TLV_H_FILENAME: return tlv_string(e, h->filename, sizeof(h->filename));
	case TLV_H_SERIAL_NUMBER:
		if (e->len < 1 || e->len > TLV_SERIAL_MAX)
			return EBADMSG;
		memcpy(h->serial, e->value, e->len);
		h->serial_len = e->len;
		return 0;
	case TLV_H_DIGEST_ALGORITHM:
		if (tlv_u8(e, &h->digest))
			return EBADMSG;
		return tlv_digest_md(h->digest) ? 0 : ENOTSUP;
	case TLV_H_SIGNATURE_ALGORITHM:
		if (tlv_u8(e, sig_alg))
			return EBADMSG;
		return *sig_alg == 0 ? 0 : ENOTSUP; /* 0 is RSA, the only one known */
	case TLV_H_SIGNATURE_MODULUS:
		if (tlv_u8(e, &h->sig_modulus) || h->sig_modulus > 3)
			return EBADMSG;
		return 0;
	case TLV_H_SIGNATURE:
		h->sig_off = e->off;
		h->sig_len = e->len;
		return 0;
	case TLV_H_TIMESTAMP: return tlv_u32(e, &h->timestamp);
	default: return EBADMSG;
	}
}

int tlv_header_parse(const void *file, size_t len, struct tlv_header *h)
{
	struct tlv_reader r;
	struct tlv_elem e;
	uint32_t seen = 0;
	uint16_t hl;
	uint8_t sig_alg = 0;
	int rc;

	memset(h, 0, sizeof(*h));
	if (len > TLV_FILE_MAX)
		return EFBIG;
	tlv_reader_init(&r, file, len);
	if (tlv_next(&r, 0, &e) || e.tag != TLV_H_VERSION || e.len != 2)
		return EBADMSG;
	memcpy(h->version, e.value, 2);
	if (h->version[0] != 1)
		return ENOTSUP;
	if (tlv_next(&r, 0, &e) || e.tag != TLV_H_LENGTH || tlv_u16(&e, &hl))
		return EBADMSG;
	/* A header length beyond the file, or inside what was just read, is a lie. */
	if (hl > len || hl < r.off)
		return EBADMSG;
	h->length = hl;
	r.len = hl;
	h->nelems = 2;
	while ((rc = tlv_next(&r, TLV_H_PADDING, &e)) == 0) {
		if (e.tag == TLV_H_PADDING) {
			if (!h->npad)
				h->pad_tlv = h->nelems;
			h->npad++;
			continue;
		}
		if (h->npad)
			return EBADMSG; /* only padding once padding has started */
		if (e.tag >= 32 || (seen & (1u << e.tag)))
			return EBADMSG;
		seen |= 1u << e.tag;
		if ((rc = header_elem(h, &r, &e, &sig_alg)) != 0)
			return rc;
		h->nelems++;
	}
	if (rc != ENODATA || (seen & REQUIRED) != REQUIRED)
		return EBADMSG;
	/* The modulus code says how long the signature is. */
	if (h->sig_len != (size_t)64 << h->sig_modulus)
		return EBADMSG;
	return 0;
}

int tlv_header_verify(const void *file, size_t len, const struct tlv_header *h, EVP_PKEY *pub)
{
	const uint8_t *p = file;
	const EVP_MD *md = tlv_digest_md(h->digest);
	EVP_MD_CTX *ctx = NULL;
	size_t after = h->sig_off + 3 + h->sig_len;
	int rc = ENOTSUP;

	if (!pub || EVP_PKEY_get_base_id(pub) != EVP_PKEY_RSA ||
	    EVP_PKEY_get_bits(pub) > TLV_RSA_BITS_MAX || !md)
		goto out;
	rc = EKEYREJECTED;
	if (after > len || (size_t)EVP_PKEY_get_size(pub) != h->sig_len)
		goto out;
	rc = ENOMEM;
	if (!(ctx = EVP_MD_CTX_new()))
		goto out;
	rc = EKEYREJECTED;
	/* RSA's default padding is PKCS#1 v1.5. The signed bytes are the file without the
	 * SIGNATURE element: what comes before it, then what comes after it. */
	if (EVP_DigestVerifyInit(ctx, NULL, md, NULL, pub) != 1 ||
	    EVP_DigestVerifyUpdate(ctx, p, h->sig_off) != 1 ||
	    EVP_DigestVerifyUpdate(ctx, p + after, len - after) != 1 ||
	    EVP_DigestVerifyFinal(ctx, p + h->sig_off + 3, h->sig_len) != 1)
		goto out;
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

/* SIGNATURE_MODULUS for a signature of n bytes, -1 for a size the field cannot say. */
static int modulus_code(int n)
{
	switch (n) {
	case 64: return 0;
	case 128: return 1;
	case 256: return 2;
	case 512: return 3;
	default: return -1;
	}
}

/* The header without its SIGNATURE into h; *sig_at is where it goes. Returns 0 or EINVAL. */
static int header_unsigned(struct buf *h, const struct tlv_sign *s, X509 *cert, size_t siglen,
			   size_t *sig_at, char *err, size_t errlen)
{
	char signer[TLV_NAME_MAX], ca[TLV_NAME_MAX];
	uint8_t serial[TLV_SERIAL_MAX];
	size_t nserial = tlv_cert_serial(cert, serial);
	size_t name_len, ca_len, total;

	if (tlv_name(X509_get_subject_name(cert), signer, sizeof(signer)) ||
	    tlv_name(X509_get_issuer_name(cert), ca, sizeof(ca)) || !nserial) {
		str_printf(err, errlen, "the signer certificate's names or serial do not fit");
		return EINVAL;
	}
	if (!s->filename || !s->filename[0] || strlen(s->filename) >= TLV_NAME_MAX) {
		str_printf(err, errlen, "a file name of 1 to %d bytes is needed", TLV_NAME_MAX - 1);
		return EINVAL;
	}
	name_len = strlen(signer) + 1;
	ca_len = strlen(ca) + 1;

	tlv_put(h, TLV_H_VERSION, s->version, 2);
	tlv_put_u16(h, TLV_H_LENGTH, 0); /* set once the length is known */
	if (s->signer_version)
		tlv_put(h, TLV_H_SIGNER_VERSION, s->signer_version_v, 2);
	tlv_put_open(h, TLV_H_SIGNER_ID, (uint16_t)(3 + name_len + 3 + nserial + 3 + ca_len));
	tlv_put(h, TLV_H_SIGNER_NAME, signer, name_len);
	tlv_put(h, TLV_H_SERIAL_NUMBER, serial, nserial);
	tlv_put(h, TLV_H_CA_NAME, ca, ca_len);
	tlv_put_open(h, TLV_H_SIGNATURE_INFO, 15); /* DIGEST (4) + SIGNATURE_ALGORITHM_INFO (11) */
	tlv_put_u8(h, TLV_H_DIGEST_ALGORITHM, s->digest);
	tlv_put_open(h, TLV_H_SIGNATURE_ALGORITHM_INFO, 8); /* ALGORITHM (4) + MODULUS (4) */
	tlv_put_u8(h, TLV_H_SIGNATURE_ALGORITHM, 0);
	tlv_put_u8(h, TLV_H_SIGNATURE_MODULUS, (uint8_t)modulus_code((int)siglen));
	*sig_at = h->len;
	tlv_put_string(h, TLV_H_FILENAME, s->filename);
	tlv_put_u32(h, TLV_H_TIMESTAMP, s->timestamp);
	/* PADDING makes the whole header, signature included, a multiple of 4. */
	while ((h->len + 3 + siglen) % 4)
		buf_append(h, (const char[]){TLV_H_PADDING}, 1);
	total = h->len + 3 + siglen;
	if (total > UINT16_MAX) {
		str_printf(err, errlen, "the header would be %zu bytes, over 65535", total);
		return EINVAL;
	}
	if (!h->oom)
		tlv_set_u16((uint8_t *)h->data + 8, (uint16_t)total);
	return 0;
}

int tlv_sign_file(struct buf *out, const struct tlv_sign *s, EVP_PKEY *key, X509 *cert,
		  const void *body, size_t body_len, char *err, size_t errlen)
{
	const EVP_MD *md = tlv_digest_md(s->digest);
	EVP_MD_CTX *ctx = NULL;
	struct buf h;
	uint8_t sig[512];
	size_t siglen = sizeof(sig), sig_at = 0, keylen;
	int rc = EINVAL;

	buf_init(&h);
	if (!md) {
		str_printf(err, errlen, "digest code %u is neither SHA-1 (1) nor SHA-512 (3)",
			   s->digest);
		goto out;
	}
	if (!key || !cert || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA ||
	    EVP_PKEY_get_bits(key) > TLV_RSA_BITS_MAX || modulus_code(EVP_PKEY_get_size(key)) < 0) {
		str_printf(err, errlen, "the signer key must be RSA of 512, 1024 or 2048 bits");
		goto out;
	}
	if (X509_check_private_key(cert, key) != 1) {
		str_printf(err, errlen, "the signer key does not match its certificate");
		goto out;
	}
	keylen = (size_t)EVP_PKEY_get_size(key);
	if ((rc = header_unsigned(&h, s, cert, keylen, &sig_at, err, errlen)) != 0)
		goto out;
	rc = ENOMEM;
	if (h.oom || !(ctx = EVP_MD_CTX_new())) {
		str_printf(err, errlen, "out of memory");
		goto out;
	}
	rc = EINVAL;
	if (EVP_DigestSignInit(ctx, NULL, md, NULL, key) != 1 ||
	    EVP_DigestSignUpdate(ctx, h.data, h.len) != 1 ||
	    EVP_DigestSignUpdate(ctx, body, body_len) != 1 ||
	    EVP_DigestSignFinal(ctx, sig, &siglen) != 1 || siglen != keylen) {
		str_printf(err, errlen, "cannot sign");
		goto out;
	}
	/* The signature goes in after SIGNATURE_MODULUS; what it signed is everything else. */
	size_t start = out->len;
	int oom0 = out->oom;
	buf_append(out, h.data, sig_at);
	tlv_put(out, TLV_H_SIGNATURE, sig, siglen);
	buf_append(out, h.data + sig_at, h.len - sig_at);
	buf_append(out, body, body_len);
	if (out->oom) {
		/* Leave out as it was: cut what was appended. */
		out->len = start;
		out->oom = oom0;
		if (out->data)
			out->data[start] = '\0';
		str_printf(err, errlen, "out of memory");
		rc = ENOMEM;
		goto out;
	}
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	buf_free(&h);
	ERR_clear_error();
	return rc;
}

const char *tlv_refusal(int rc)
{
	switch (rc) {
	case 0: return "ok";
	case EBADMSG: return "malformed";
	case EFBIG: return "too large";
	case ENOTSUP: return "unsupported algorithm";
	case EKEYREJECTED: return "signature mismatch";
	case ENOKEY: return "signer not trusted";
	case EPERM: return "signer role not allowed";
	case ENOENT: return "wrong file name";
	default: return "error";
	}
}
