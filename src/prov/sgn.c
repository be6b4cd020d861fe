/* sgn.c -- .sgn signed files: header + the original bytes, and the phone's check of them. */
#include "prov/sgn.h"

#include <errno.h>
#include <openssl/x509.h>
#include <string.h>

#include "core/str.h"
#include "prov/itl.h"

/* What a phone's status log says of a .sgn it refuses: "invalid file <name>, authenticated
 * fail. Reason:14." (the number is the phone's own; we give the reason in words). */
#define PHONE_SGN_FAIL "authenticated fail"

int sgn_build(struct buf *out, const char *name, uint8_t digest, uint32_t timestamp, EVP_PKEY *key,
	      X509 *cert, const void *body, size_t body_len, char *err, size_t errlen)
{
	/* VERSION 1.0 and no SIGNER_VERSION: that is ITL/CTL only. */
	const struct tlv_sign s = {
	    .version = {1, 0},
	    .digest = digest,
	    .filename = name,
	    .timestamp = timestamp,
	};

	return tlv_sign_file(out, &s, key, cert, body, body_len, err, errlen);
}

int sgn_parse(const void *data, size_t len, struct sgn *out)
{
	int rc = tlv_header_parse(data, len, &out->hdr);

	if (rc)
		return rc;
	out->body = (const uint8_t *)data + out->hdr.length;
	out->body_len = len - out->hdr.length;
	return 0;
}

int sgn_verify(const void *data, size_t len, const struct itl *itl, const char *expect_name,
	       struct sgn *out, char *why, size_t whylen)
{
	const uint32_t tftp = ITL_ROLES(ITL_ROLE_CCM_TFTP) | ITL_ROLES(ITL_ROLE_TFTP);
	const struct itl_record *rec, *other;
	struct sgn local, *s = out ? out : &local;
	const char *name = expect_name ? expect_name : "file";
	int rc;

	if ((rc = sgn_parse(data, len, s)) != 0) {
		str_printf(why, whylen, "invalid file %s, " PHONE_SGN_FAIL ": %s", name,
			   tlv_refusal(rc));
		return rc;
	}
	if (!expect_name)
		name = s->hdr.filename;
	if (!itl) {
		str_printf(why, whylen, "invalid file %s, " PHONE_SGN_FAIL ": no trust list held",
			   name);
		return ENOKEY;
	}
	rec = itl_find(itl, s->hdr.serial, s->hdr.serial_len, tftp);
	if (!rec) {
		other = itl_find(itl, s->hdr.serial, s->hdr.serial_len, 0);
		if (other) {
			const char *role = itl_role_name(other->role);
			str_printf(why, whylen,
				   "invalid file %s, " PHONE_SGN_FAIL
				   ": signer %s has role %s in the ITL, not CCM+TFTP or TFTP",
				   name, s->hdr.signer_name, role ? role : "unknown");
			return EPERM;
		}
		str_printf(why, whylen,
			   "invalid file %s, " PHONE_SGN_FAIL ": signer %s is not in the ITL", name,
			   s->hdr.signer_name);
		return ENOKEY;
	}
	rc = tlv_header_verify(data, len, &s->hdr, X509_get0_pubkey(rec->cert));
	if (rc) {
		str_printf(why, whylen, "invalid file %s, " PHONE_SGN_FAIL ": %s (signer %s)", name,
			   rc == EKEYREJECTED ? "the signature does not match" : tlv_refusal(rc),
			   rec->subject);
		return rc;
	}
	/* Signed by our TFTP signer, but for another file (another phone's cnf, say). */
	if (expect_name && strcmp(s->hdr.filename, expect_name) != 0) {
		str_printf(why, whylen, "invalid file %s, " PHONE_SGN_FAIL ": it names itself %s",
			   name, s->hdr.filename);
		return ENOENT;
	}
	return 0;
}
