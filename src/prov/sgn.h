/* sgn.h -- .sgn signed files (SEP<MAC>.cnf.xml.sgn, SK<uuid>.xml.sgn, ...): build, parse, and
 * verify them against an ITL as a phone does.
 *
 * A .sgn file is the signed header of tlv.h (VERSION 1.0, no SIGNER_VERSION) followed by the
 * original file's bytes unchanged. Its signer is the cluster's TFTP certificate, listed in the
 * ITL with role CCM+TFTP or TFTP. Pure code: no I/O, no logging. Refusal codes: tlv.h. */
#ifndef EMCC_PROV_SGN_H
#define EMCC_PROV_SGN_H

#include <stddef.h>
#include <stdint.h>

#include "prov/tlv.h"

struct itl;

/* A parsed .sgn file. body points into the bytes parsed: keep them while this is used. */
struct sgn {
	struct tlv_header hdr;
	const uint8_t *body; /* the original file */
	size_t body_len;
};

/* Appends name's .sgn to out: a header naming the file `name` (the .sgn's own name, e.g.
 * "SEPC80084AA8743.cnf.xml.sgn"), the digest (TLV_DIGEST_SHA1 or TLV_DIGEST_SHA512) and the time
 * given, signed with key (its certificate cert), then body. Returns 0, EINVAL or ENOMEM with a
 * reason in err (tlv_sign_file). */
int sgn_build(struct buf *out, const char *name, uint8_t digest, uint32_t timestamp, EVP_PKEY *key,
	      X509 *cert, const void *body, size_t body_len, char *err, size_t errlen);

/* Parses a .sgn file: header, then body. Does not check the signature. Returns 0, EBADMSG,
 * ENOTSUP or EFBIG (tlv_header_parse). */
int sgn_parse(const void *data, size_t len, struct sgn *out);

/* What a phone holding the trust list itl does with a downloaded .sgn file: parse it, find its
 * signer in the ITL (a record with the header's serial number and a certificate, role CCM+TFTP
 * or TFTP), check the signature with that certificate, and, when expect_name is not NULL, that
 * the file names itself so (a .sgn for another phone is refused).
 * Returns 0 with *out filled (out may be NULL), or a refusal code (tlv.h: EBADMSG, EFBIG,
 * ENOTSUP, ENOKEY for a signer not in the ITL or no ITL at all, EPERM for a signer whose role
 * is not TFTP, EKEYREJECTED, ENOENT) with why in the phone's words: "<name>, authenticated
 * fail: <reason>" (a phone's status log says "invalid file SEP...cnf.xml.sgn, authenticated
 * fail. Reason:14." for a file signed by another cluster). */
int sgn_verify(const void *data, size_t len, const struct itl *itl, const char *expect_name,
	       struct sgn *out, char *why, size_t whylen);

#endif
