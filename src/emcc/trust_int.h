/* trust_int.h -- what trust.c (bundles) and trust_cert.c (their certificates) share; not part
 * of the module's contract (trust.h). */
#ifndef EMCC_EMCC_TRUST_INT_H
#define EMCC_EMCC_TRUST_INT_H

#include <stddef.h>
#include <openssl/x509.h>

#include "emcc/trust.h"

#define SHA256_LEN 32

/* The first certificate of a PEM text (at most TRUST_BUNDLE_MAX bytes), or NULL. */
X509 *trust_first_cert(const char *pem);

/* Re-encodes x as PEM into a new string; fills the certificate's fingerprint, subject, expiry.
 * EFBIG when the PEM is over TRUST_PEM_MAX. */
int trust_cert_fill(X509 *x, struct trust_cert *c);

/* Decodes one PEM block (BEGIN line to END line) that must be exactly one X.509 certificate:
 * no encryption headers, no bytes after the DER. Returns the certificate or NULL with why. */
X509 *trust_decode_block(const char *text, size_t len, char *why, size_t whylen);

#endif
