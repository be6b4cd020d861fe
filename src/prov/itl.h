/* itl.h -- ITL and CTL trust lists: build, parse, and accept them as a phone does.
 *
 * An ITL (ITLFile.tlv, served as ITLSEP<MAC>.tlv) or a CTL (CTLFile.tlv) is the signed header of
 * tlv.h (VERSION 1.2, with SIGNER_VERSION) followed by records, one per certificate:
 *
 *   RECORD_LENGTH (1)  u16, the whole record, this element included
 *   SUBJECT_NAME  (3)  RFC 4514, NUL-terminated
 *   FUNCTION      (4)  u16 role: enum itl_role
 *   ISSUER_NAME   (5)  RFC 4514, NUL-terminated
 *   SERIAL_NUMBER (6)  big-endian bytes
 *   PUBLIC_KEY    (7)  RSA: the PKCS#1 RSAPublicKey DER; EC: the X9.62 uncompressed point
 *   SIGNATURE     (8)  the certificate's own signature bytes
 *   CERTIFICATE   (9)  DER
 *
 * (what usecallmanager certutils writes; a CTL may also carry DNS_NAME (2), IP_ADDRESS (10),
 * CERTIFICATE_HASH (11) and HASH_ALGORITHM (12), which are read and kept as bytes). The
 * signer is the record whose FUNCTION is SAST and whose serial number is the header's.
 *
 * A phone trusts the first ITL it gets as it is (trust on first use) and later ones only when a
 * SAST of the ITL it holds signed them. Pure code: no I/O, no logging. Refusal codes: tlv.h. */
#ifndef EMCC_PROV_ITL_H
#define EMCC_PROV_ITL_H

#include <stddef.h>
#include <stdint.h>

#include "prov/tlv.h"

/* FUNCTION codes (TVS uses the same numbers for its role bytes). */
enum itl_role {
	ITL_ROLE_SAST = 0, /* signs the ITL/CTL itself */
	ITL_ROLE_CCM = 1,
	ITL_ROLE_CCM_TFTP = 2, /* signs config files: the .sgn signer */
	ITL_ROLE_TFTP = 3,
	ITL_ROLE_CAPF = 4,
	ITL_ROLE_HTTPS = 7, /* "APP-SERVER" in certutils: an HTTPS server the phone talks to */
	ITL_ROLE_TVS = 21,
};

enum itl_record_tag {
	ITL_R_LENGTH = 1,
	ITL_R_DNS_NAME = 2,
	ITL_R_SUBJECT_NAME = 3,
	ITL_R_FUNCTION = 4,
	ITL_R_ISSUER_NAME = 5,
	ITL_R_SERIAL_NUMBER = 6,
	ITL_R_PUBLIC_KEY = 7,
	ITL_R_SIGNATURE = 8,
	ITL_R_CERTIFICATE = 9,
	ITL_R_IP_ADDRESS = 10,
	ITL_R_CERTIFICATE_HASH = 11,
	ITL_R_HASH_ALGORITHM = 12,
};

#define ITL_MAX_RECORDS 256

/* The version a new ITL is written with, and the SIGNER_VERSION our builder puts (certutils'
 * default; 1.1 would ask phones to fetch SEP<MAC>.cnf.xml over HTTPS on 6971, which we do not
 * serve yet). */
#define ITL_VERSION_MAJOR 1
#define ITL_VERSION_MINOR 2
#define ITL_SIGNER_VERSION_MAJOR 1
#define ITL_SIGNER_VERSION_MINOR 0

/* A bytes slice into the ITL's own copy of the file. */
struct itl_bytes {
	const uint8_t *p;
	size_t len;
};

struct itl_record {
	size_t off, len; /* where the record is in the file */
	uint16_t role;	 /* FUNCTION (every record has one): enum itl_role, or a newer number */
	char subject[TLV_NAME_MAX];
	char issuer[TLV_NAME_MAX];
	char dns_name[TLV_NAME_MAX];
	uint8_t serial[TLV_SERIAL_MAX];
	size_t serial_len;
	struct itl_bytes public_key, signature, cert_der, ip_address, cert_hash;
	int has_hash_algorithm;
	uint8_t hash_algorithm;
	X509 *cert; /* CERTIFICATE parsed; NULL when the record has none */
};

struct itl {
	uint8_t *data; /* the file, owned */
	size_t len;
	struct tlv_header hdr;
	struct itl_record *recs;
	size_t nrecs;
};

/* "SAST", "CCM", "CCM+TFTP", "TFTP", "CAPF", "HTTPS", "TVS"; NULL for another number. */
const char *itl_role_name(unsigned role);

/* Parses an ITL or CTL (a copy of data is kept). A record's SERIAL_NUMBER and PUBLIC_KEY, when
 * it has a CERTIFICATE, must be the certificate's: a signer is looked up by serial and checked
 * with the certificate's key, so they may not disagree. Does not check the signature.
 * Returns 0 with *out set (itl_free), EBADMSG, ENOTSUP, EFBIG or ENOMEM. */
int itl_parse(const void *data, size_t len, struct itl **out);
void itl_free(struct itl *itl);

/* The first record with this serial number, a certificate and, when roles is not 0, a role in
 * the set roles (bits 1u << role; roles over 31 never match). NULL when none. */
const struct itl_record *itl_find(const struct itl *itl, const uint8_t *serial, size_t serial_len,
				  uint32_t roles);
#define ITL_ROLES(r) (1u << (r))

/* The record that signed the file: SAST with the header's serial number. NULL when absent. */
const struct itl_record *itl_signer(const struct itl *itl);

/* Checks that itl is signed by its own signer record (what trust on first use rests on).
 * Returns 0, ENOKEY (no SAST record with the header's serial) or EKEYREJECTED/ENOTSUP, with
 * why in the phone's words ("Trust List Update Failed: ..."). */
int itl_verify_self(const struct itl *itl, char *why, size_t whylen);

/* Whether a phone holding `held` takes `next`: with no ITL held, next must verify on its own
 * (trust on first use); else a SAST record of held with next's header serial must have signed
 * it (checked with held's certificate, never with one next brings), and next must also verify
 * on its own, so that it can in turn accept the one after. Returns 0, ENOKEY (the signer is
 * not a SAST of the ITL held: an unknown SAST), EKEYREJECTED, ENOTSUP, with why. */
int itl_verify_update(const struct itl *held, const struct itl *next, char *why, size_t whylen);

/* The phone's step in one call: parse data and, when itl_verify_update passes, replace *held
 * with it (the old one freed). On refusal *held is unchanged. Returns 0 or a refusal code (and
 * ENOMEM), with why. */
int itl_accept(struct itl **held, const void *data, size_t len, char *why, size_t whylen);

/* One certificate to list, with its role. */
struct itl_entry {
	X509 *cert;
	uint16_t role;
};

/* Appends an ITL (or CTL) to out: header with VERSION 1.2, SIGNER_VERSION signer_version,
 * FILENAME name, the digest and time given, signed with key (RSA, at most 2048 bits; cert its
 * certificate), then one record per entry in order. The signer must be among the entries with
 * role SAST, so that every file built here verifies on its own. Certificates may have RSA or EC
 * keys. Returns 0, EINVAL or ENOMEM with a reason in err. */
struct itl_build {
	const char *name; /* FILENAME: "ITLFile.tlv" */
	uint8_t digest;	  /* TLV_DIGEST_SHA1 or TLV_DIGEST_SHA512 */
	uint8_t signer_version[2];
	uint32_t timestamp;
};
int itl_build(struct buf *out, const struct itl_build *b, EVP_PKEY *key, X509 *cert,
	      const struct itl_entry *entries, size_t n, char *err, size_t errlen);

#endif
