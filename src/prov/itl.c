/* itl.c -- ITL and CTL trust lists: records, the builder, and the phone's acceptance rules. */
#include "prov/itl.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/str.h"

/* What a phone says when it refuses a trust list (the status message Cisco's ITL notes quote). */
#define PHONE_TL_FAIL "Trust List Update Failed"

const char *itl_role_name(unsigned role)
{
	switch (role) {
	case ITL_ROLE_SAST: return "SAST";
	case ITL_ROLE_CCM: return "CCM";
	case ITL_ROLE_CCM_TFTP: return "CCM+TFTP";
	case ITL_ROLE_TFTP: return "TFTP";
	case ITL_ROLE_CAPF: return "CAPF";
	case ITL_ROLE_HTTPS: return "HTTPS";
	case ITL_ROLE_TVS: return "TVS";
	default: return NULL;
	}
}

/* The public key as a record carries it (RSA: PKCS#1 RSAPublicKey DER; EC: the X9.62 point in
 * uncompressed form, OpenSSL's default), malloc'd. Returns its length, or 0. */
static size_t record_public_key(EVP_PKEY *key, unsigned char **out)
{
	int n;

	*out = NULL;
	if (!key)
		return 0;
	n = i2d_PublicKey(key, out);
	if (n <= 0) {
		*out = NULL;
		return 0;
	}
	return (size_t)n;
}

static int bytes_equal(const struct itl_bytes *a, const unsigned char *b, size_t blen)
{
	return a->len == blen && memcmp(a->p, b, blen) == 0;
}

/* One record's element. Returns 0 or EBADMSG. */
static int record_elem(struct itl_record *rec, const struct tlv_elem *e)
{
	struct itl_bytes bytes = {e->value, e->len};

	switch (e->tag) {
	case ITL_R_DNS_NAME: return tlv_string(e, rec->dns_name, sizeof(rec->dns_name));
	case ITL_R_SUBJECT_NAME: return tlv_string(e, rec->subject, sizeof(rec->subject));
	case ITL_R_ISSUER_NAME: return tlv_string(e, rec->issuer, sizeof(rec->issuer));
	case ITL_R_FUNCTION: return tlv_u16(e, &rec->role);
	case ITL_R_SERIAL_NUMBER:
		if (e->len < 1 || e->len > TLV_SERIAL_MAX)
			return EBADMSG;
		memcpy(rec->serial, e->value, e->len);
		rec->serial_len = e->len;
		return 0;
	case ITL_R_PUBLIC_KEY: rec->public_key = bytes; return 0;
	case ITL_R_SIGNATURE: rec->signature = bytes; return 0;
	case ITL_R_CERTIFICATE: rec->cert_der = bytes; return 0;
	case ITL_R_IP_ADDRESS: rec->ip_address = bytes; return 0;
	case ITL_R_CERTIFICATE_HASH: rec->cert_hash = bytes; return 0;
	case ITL_R_HASH_ALGORITHM:
		rec->has_hash_algorithm = 1;
		return tlv_u8(e, &rec->hash_algorithm);
	default: return EBADMSG;
	}
}

/* The certificate a record carries, checked against the record's serial and public key.
 * Returns 0, EBADMSG or ENOTSUP (a key the record format cannot carry). */
static int record_cert(struct itl_record *rec)
{
	const unsigned char *p = rec->cert_der.p;
	uint8_t serial[TLV_SERIAL_MAX];
	unsigned char *pub = NULL;
	size_t nserial, npub;
	int rc = EBADMSG;

	rec->cert = d2i_X509(NULL, &p, (long)rec->cert_der.len);
	if (!rec->cert || p != rec->cert_der.p + rec->cert_der.len)
		goto out;
	nserial = tlv_cert_serial(rec->cert, serial);
	if (!nserial || !tlv_serial_equal(serial, nserial, rec->serial, rec->serial_len))
		goto out;
	if (rec->public_key.p) {
		npub = record_public_key(X509_get0_pubkey(rec->cert), &pub);
		if (!npub) {
			rc = ENOTSUP;
			goto out;
		}
		if (!bytes_equal(&rec->public_key, pub, npub))
			goto out;
	}
	rc = 0;
out:
	OPENSSL_free(pub);
	ERR_clear_error();
	return rc;
}

/* The record at itl->data[off..]: into rec, its end into *end. Returns 0, EBADMSG or ENOTSUP. */
static int parse_record(const struct itl *itl, size_t off, struct itl_record *rec, size_t *end)
{
	struct tlv_reader r;
	struct tlv_elem e;
	uint32_t seen = 0;
	uint16_t rl;
	int rc;

	tlv_reader_init(&r, itl->data + off, itl->len - off);
	if (tlv_next(&r, 0, &e) || e.tag != ITL_R_LENGTH || tlv_u16(&e, &rl))
		return EBADMSG;
	/* The record length counts RECORD_LENGTH itself and must stay inside the file. */
	if (rl < r.off || rl > itl->len - off)
		return EBADMSG;
	r.len = rl;
	rec->off = off;
	rec->len = rl;
	while ((rc = tlv_next(&r, 0, &e)) == 0) {
		if (e.tag >= 32 || (seen & (1u << e.tag)))
			return EBADMSG;
		seen |= 1u << e.tag;
		if (record_elem(rec, &e))
			return EBADMSG;
	}
	if (rc != ENODATA)
		return EBADMSG;
	/* Every record names a certificate by serial and says what it is for. */
	if (!(seen & (1u << ITL_R_FUNCTION)) || !(seen & (1u << ITL_R_SERIAL_NUMBER)))
		return EBADMSG;
	if (rec->cert_der.p && (rc = record_cert(rec)) != 0)
		return rc;
	*end = off + rl;
	return 0;
}

void itl_free(struct itl *itl)
{
	if (!itl)
		return;
	for (size_t i = 0; i < itl->nrecs; i++)
		X509_free(itl->recs[i].cert);
	free(itl->recs);
	free(itl->data);
	free(itl);
}

int itl_parse(const void *data, size_t len, struct itl **out)
{
	struct itl *itl = NULL;
	size_t off, cap = 0;
	int rc;

	*out = NULL;
	if (len > TLV_FILE_MAX)
		return EFBIG;
	if (!(itl = calloc(1, sizeof(*itl))))
		return ENOMEM;
	if ((rc = tlv_header_parse(data, len, &itl->hdr)) != 0)
		goto fail;
	rc = ENOMEM;
	if (!(itl->data = malloc(len)))
		goto fail;
	memcpy(itl->data, data, len);
	itl->len = len;
	for (off = itl->hdr.length; off < len;) {
		if (itl->nrecs == ITL_MAX_RECORDS) {
			rc = EFBIG;
			goto fail;
		}
		if (itl->nrecs == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct itl_record *n = realloc(itl->recs, ncap * sizeof(*n));
			if (!n) {
				rc = ENOMEM;
				goto fail;
			}
			itl->recs = n;
			cap = ncap;
		}
		struct itl_record *rec = &itl->recs[itl->nrecs];
		memset(rec, 0, sizeof(*rec));
		rc = parse_record(itl, off, rec, &off);
		itl->nrecs++; /* counted even when refused, so that itl_free frees its certificate
			       */
		if (rc)
			goto fail;
	}
	/* A trust list lists at least one certificate. */
	if (itl->nrecs == 0) {
		rc = EBADMSG;
		goto fail;
	}
	*out = itl;
	return 0;
fail:
	itl_free(itl);
	return rc;
}

const struct itl_record *itl_find(const struct itl *itl, const uint8_t *serial, size_t serial_len,
				  uint32_t roles)
{
	if (!itl)
		return NULL;
	for (size_t i = 0; i < itl->nrecs; i++) {
		const struct itl_record *rec = &itl->recs[i];
		if (!rec->cert ||
		    !tlv_serial_equal(rec->serial, rec->serial_len, serial, serial_len))
			continue;
		if (roles && (rec->role >= 32 || !(roles & (1u << rec->role))))
			continue;
		return rec;
	}
	return NULL;
}

const struct itl_record *itl_signer(const struct itl *itl)
{
	return itl_find(itl, itl->hdr.serial, itl->hdr.serial_len, ITL_ROLES(ITL_ROLE_SAST));
}

/* The header's serial number as hex, for the texts. */
static void serial_hex(const struct tlv_header *h, char *out, size_t len)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < h->serial_len && o + 3 <= len; i++, o += 2)
		str_printf(out + o, len - o, "%02x", h->serial[i]);
}

/* The ITL's name in a text: its FILENAME, or a generic word before it is parsed. */
static const char *tl_name(const struct itl *itl)
{
	return itl && itl->hdr.filename[0] ? itl->hdr.filename : "trust list";
}

/* The signature of next checked with rec's certificate, and the refusal text. */
static int check_with(const struct itl *next, const struct itl_record *rec, const char *whose,
		      char *why, size_t whylen)
{
	int rc = tlv_header_verify(next->data, next->len, &next->hdr, X509_get0_pubkey(rec->cert));

	if (rc == EKEYREJECTED)
		str_printf(why, whylen, PHONE_TL_FAIL ": %s: the signature does not match %s (%s)",
			   tl_name(next), whose, rec->subject);
	else if (rc)
		str_printf(why, whylen,
			   PHONE_TL_FAIL ": %s: %s (SHA-1 or SHA-512 with RSA up to 2048 bits)",
			   tl_name(next), tlv_refusal(rc));
	return rc;
}

int itl_verify_self(const struct itl *itl, char *why, size_t whylen)
{
	const struct itl_record *s = itl_signer(itl);
	char hex[2 * TLV_SERIAL_MAX + 1];

	if (!s) {
		serial_hex(&itl->hdr, hex, sizeof(hex));
		str_printf(why, whylen,
			   PHONE_TL_FAIL ": %s: no SAST record has the signer's serial %s (%s)",
			   tl_name(itl), hex, itl->hdr.signer_name);
		return ENOKEY;
	}
	return check_with(itl, s, "its own SAST record", why, whylen);
}

int itl_verify_update(const struct itl *held, const struct itl *next, char *why, size_t whylen)
{
	const struct itl_record *s;
	char hex[2 * TLV_SERIAL_MAX + 1];
	int rc;

	if (!held)
		return itl_verify_self(next, why, whylen);
	/* Checked with the certificate the phone already holds: a SAST record the new file brings
	 * along proves nothing. */
	s = itl_find(held, next->hdr.serial, next->hdr.serial_len, ITL_ROLES(ITL_ROLE_SAST));
	if (!s) {
		serial_hex(&next->hdr, hex, sizeof(hex));
		str_printf(why, whylen,
			   PHONE_TL_FAIL
			   ": %s: signer %s (serial %s) is not a SAST of the ITL held",
			   tl_name(next), next->hdr.signer_name, hex);
		return ENOKEY;
	}
	if ((rc = check_with(next, s, "the SAST of the ITL held", why, whylen)) != 0)
		return rc;
	/* And it must stand on its own, or the phone could not take the one after it. */
	return itl_verify_self(next, why, whylen);
}

int itl_accept(struct itl **held, const void *data, size_t len, char *why, size_t whylen)
{
	struct itl *next = NULL;
	int rc = itl_parse(data, len, &next);

	if (rc) {
		str_printf(why, whylen, PHONE_TL_FAIL ": trust list: %s", tlv_refusal(rc));
		return rc;
	}
	if ((rc = itl_verify_update(*held, next, why, whylen)) != 0) {
		itl_free(next);
		return rc;
	}
	itl_free(*held);
	*held = next;
	return 0;
}

/* Appends one record for cert with role. Returns 0 or EINVAL with err. */
static int put_record(struct buf *b, X509 *cert, uint16_t role, char *err, size_t errlen)
{
	char subject[TLV_NAME_MAX], issuer[TLV_NAME_MAX];
	uint8_t serial[TLV_SERIAL_MAX];
	unsigned char *pub = NULL, *der = NULL;
	const ASN1_BIT_STRING *sig = NULL;
	size_t start = b->len, nserial, npub, total;
	int nder, rc = EINVAL;

	nserial = tlv_cert_serial(cert, serial);
	npub = record_public_key(X509_get0_pubkey(cert), &pub);
	nder = i2d_X509(cert, &der);
	X509_get0_signature(&sig, NULL, cert);
	if (tlv_name(X509_get_subject_name(cert), subject, sizeof(subject)) ||
	    tlv_name(X509_get_issuer_name(cert), issuer, sizeof(issuer)) || !nserial || !npub ||
	    nder <= 0 || !sig) {
		str_printf(err, errlen, "a certificate cannot be listed (names, serial or key)");
		goto out;
	}
	tlv_put_u16(b, ITL_R_LENGTH, 0); /* set below */
	tlv_put_string(b, ITL_R_SUBJECT_NAME, subject);
	tlv_put_u16(b, ITL_R_FUNCTION, role);
	tlv_put_string(b, ITL_R_ISSUER_NAME, issuer);
	tlv_put(b, ITL_R_SERIAL_NUMBER, serial, nserial);
	if (tlv_put(b, ITL_R_PUBLIC_KEY, pub, npub) ||
	    tlv_put(b, ITL_R_SIGNATURE, ASN1_STRING_get0_data(sig),
		    (size_t)ASN1_STRING_length(sig)) ||
	    tlv_put(b, ITL_R_CERTIFICATE, der, (size_t)nder)) {
		str_printf(err, errlen, "a certificate is too large for a record");
		goto out;
	}
	total = b->len - start;
	if (total > UINT16_MAX) {
		str_printf(err, errlen, "a record would be %zu bytes, over 65535", total);
		goto out;
	}
	if (!b->oom)
		tlv_set_u16((uint8_t *)b->data + start + 3, (uint16_t)total);
	rc = 0;
out:
	OPENSSL_free(pub);
	OPENSSL_free(der);
	ERR_clear_error();
	return rc;
}

int itl_build(struct buf *out, const struct itl_build *b, EVP_PKEY *key, X509 *cert,
	      const struct itl_entry *entries, size_t n, char *err, size_t errlen)
{
	const struct tlv_sign s = {
	    .version = {ITL_VERSION_MAJOR, ITL_VERSION_MINOR},
	    .signer_version = 1,
	    .signer_version_v = {b->signer_version[0], b->signer_version[1]},
	    .digest = b->digest,
	    .filename = b->name,
	    .timestamp = b->timestamp,
	};
	struct buf body;
	int listed = 0, rc = EINVAL;

	buf_init(&body);
	if (n == 0 || n > ITL_MAX_RECORDS || !cert) {
		str_printf(err, errlen, "an ITL lists 1 to %d certificates", ITL_MAX_RECORDS);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!entries[i].cert) {
			str_printf(err, errlen, "entry %zu has no certificate", i);
			rc = EINVAL;
			goto out;
		}
		if (entries[i].role == ITL_ROLE_SAST && X509_cmp(entries[i].cert, cert) == 0)
			listed = 1;
		if ((rc = put_record(&body, entries[i].cert, entries[i].role, err, errlen)) != 0)
			goto out;
	}
	rc = EINVAL;
	if (!listed) {
		str_printf(err, errlen, "the signer must be listed with role SAST");
		goto out;
	}
	if (body.oom) {
		str_printf(err, errlen, "out of memory");
		rc = ENOMEM;
		goto out;
	}
	rc = tlv_sign_file(out, &s, key, cert, body.data, body.len, err, errlen);
out:
	buf_free(&body);
	return rc;
}
