/* tlv.h -- Cisco's signed-file TLVs (ITL, CTL, .sgn): the element primitives and the signed
 * header the three kinds of file share.
 *
 * An element is tag (u8), length (u16, big-endian), value; PADDING (tag 13) alone is one tag byte
 * without a length. A signed file is a header made of such elements, then a body: for .sgn the
 * original file unchanged (sgn.h), for ITL/CTL the certificate records (itl.h). The header, in
 * the order our builder writes it (the usecallmanager certutils order; a 7821 reading a real
 * CUCM ITL logs "start of pad ('T' 0x0d) at TLV 15", which is where this order puts it when
 * SIGNER_VERSION is present and elements are counted from 0):
 *
 *    0 VERSION           1.0 (.sgn), 1.2 (ITL/CTL)   8 DIGEST_ALGORITHM   1 SHA-1, 3 SHA-512
 *    1 HEADER_LENGTH     the whole header, u16        9 SIGNATURE_ALGORITHM_INFO  container, 8
 *    2 SIGNER_VERSION    ITL/CTL only                10 SIGNATURE_ALGORITHM  0 (RSA)
 *    3 SIGNER_ID         container of 4, 5, 6        11 SIGNATURE_MODULUS    0 512 .. 3 4096 bits
 *    4 SIGNER_NAME       RFC 4514, NUL-terminated    12 SIGNATURE            key-size bytes
 *    5 SERIAL_NUMBER     the signer certificate's    13 FILENAME             NUL-terminated
 *    6 CA_NAME           its issuer, RFC 4514        14 TIMESTAMP            u32 Unix time
 *    7 SIGNATURE_INFO    container, 15               15.. PADDING            to a multiple of 4
 *
 * HEADER_LENGTH counts the whole header: signature and padding included. A container's length
 * covers the elements nested in it, which follow it flat; SIGNATURE_INFO's 15 does not count the
 * SIGNATURE, which is inserted after SIGNATURE_MODULUS once the rest is signed (as the tools do).
 * The signature is RSA PKCS#1 v1.5 over the whole file with the SIGNATURE element (tag, length
 * and value) removed, so anyone holding the signer's certificate can check it with OpenSSL alone
 * (`openssl dgst -sha1 -verify pub.pem -signature sig.bin data.bin`). Signer keys are RSA of at
 * most 2048 bits.
 *
 * Pure code: no I/O, no logging; OpenSSL for the digests and signatures.
 *
 * Why a file is refused travels as an errno value, the same in every function here, sgn.h and
 * itl.h (tlv_refusal() names it):
 *   EBADMSG       the bytes are not a well-formed file of this kind (truncated, a length past
 *                 its end, a header length beyond the file, an unknown or repeated element)
 *   EFBIG         over TLV_FILE_MAX
 *   ENOTSUP       a digest, algorithm or key we do not take (not SHA-1/SHA-512, not RSA, over
 *                 2048 bits)
 *   EKEYREJECTED  the signature does not match: the file changed after it was signed (body or
 *                 header), or another key signed it
 *   ENOKEY        the signer is not in the trust list held (.sgn: no certificate of the ITL has
 *                 its serial; a new ITL: no SAST of the ITL held has it), or there is none
 *   EPERM         the signer is in the trust list but its role may not sign this file
 *   ENOENT        the file names itself as another file than the one asked for */
#ifndef EMCC_PROV_TLV_H
#define EMCC_PROV_TLV_H

#include <stddef.h>
#include <stdint.h>

struct buf;
typedef struct evp_pkey_st EVP_PKEY;
typedef struct x509_st X509;
typedef struct X509_name_st X509_NAME;
typedef struct evp_md_st EVP_MD;

/* A phone downloads at most 2048 KB (the 7821 logs "downdload will be limited to 2048 KB"). */
#define TLV_FILE_MAX (2048u * 1024u)
#define TLV_NAME_MAX 1024 /* a name or file name with its NUL; longer ones are refused */
#define TLV_SERIAL_MAX 32 /* serial number bytes (X.509 allows 20) */
#define TLV_RSA_BITS_MAX 2048

enum tlv_header_tag {
	TLV_H_VERSION = 1,
	TLV_H_LENGTH = 2,
	TLV_H_SIGNER_ID = 3,
	TLV_H_SIGNER_NAME = 4,
	TLV_H_SERIAL_NUMBER = 5,
	TLV_H_CA_NAME = 6,
	TLV_H_SIGNATURE_INFO = 7,
	TLV_H_DIGEST_ALGORITHM = 8,
	TLV_H_SIGNATURE_ALGORITHM_INFO = 9,
	TLV_H_SIGNATURE_ALGORITHM = 10,
	TLV_H_SIGNATURE_MODULUS = 11,
	TLV_H_SIGNATURE = 12,
	TLV_H_PADDING = 13,
	TLV_H_FILENAME = 14,
	TLV_H_TIMESTAMP = 15,
	TLV_H_SIGNER_VERSION = 28,
};

/* DIGEST_ALGORITHM codes (certutils tlvfile and sgnfile agree since 2021); SHA-256 is not used
 * in these headers. */
enum tlv_digest {
	TLV_DIGEST_SHA1 = 1,
	TLV_DIGEST_SHA512 = 3,
};

/* ---- primitives ---- */

/* Reads elements from p[0..len). */
struct tlv_reader {
	const uint8_t *p;
	size_t len;
	size_t off; /* the next element's tag */
};

struct tlv_elem {
	uint8_t tag;
	uint16_t len;	      /* 0 for a lone tag */
	const uint8_t *value; /* into the reader's bytes; NULL for a lone tag */
	size_t off;	      /* where the element's tag is */
};

void tlv_reader_init(struct tlv_reader *r, const void *p, size_t len);
/* The next element into e. lone_tag: the tag that stands alone without a length
 * (TLV_H_PADDING in a header), 0 for none. Returns 0, ENODATA at the end, or EBADMSG when the
 * element does not fit in what is left (the reader then stays where it was). */
int tlv_next(struct tlv_reader *r, uint8_t lone_tag, struct tlv_elem *e);

/* An element's value as a number: its length must be exactly the size. 0 or EBADMSG. */
int tlv_u8(const struct tlv_elem *e, uint8_t *v);
int tlv_u16(const struct tlv_elem *e, uint16_t *v);
int tlv_u32(const struct tlv_elem *e, uint32_t *v);
/* An element's value as a string: at least one byte, NUL-terminated, no NUL before the end;
 * copied into dst. 0, or EBADMSG (not such a string, or longer than dstlen). */
int tlv_string(const struct tlv_elem *e, char *dst, size_t dstlen);

uint16_t tlv_get_u16(const uint8_t *p);
uint32_t tlv_get_u32(const uint8_t *p);
void tlv_set_u16(uint8_t *p, uint16_t v);

/* Appends one element. Returns 0, or EINVAL when len is over 65535 (nothing is appended).
 * Out of memory shows as b->oom, as everywhere buf is used. */
int tlv_put(struct buf *b, uint8_t tag, const void *value, size_t len);
/* A container's tag and length, its elements to follow. */
void tlv_put_open(struct buf *b, uint8_t tag, uint16_t len);
void tlv_put_u8(struct buf *b, uint8_t tag, uint8_t v);
void tlv_put_u16(struct buf *b, uint8_t tag, uint16_t v);
void tlv_put_u32(struct buf *b, uint8_t tag, uint32_t v);
/* s with its NUL. EINVAL when it is over 65534 bytes. */
int tlv_put_string(struct buf *b, uint8_t tag, const char *s);

/* ---- names and serial numbers of certificates, as the files carry them ---- */

/* name as an RFC 4514 string (most specific RDN first, "CN=x,OU=y,O=z"; UTF-8 kept as it is).
 * The certutils tools write each attribute's RFC 4514 form joined by ';' in certificate order
 * instead; what a CUCM writes is not public. Nothing verifies by name (signers are found by
 * serial number), so this is the one place to change if a phone turns out to care.
 * Returns 0, ERANGE (longer than len) or ENOMEM. */
int tlv_name(const X509_NAME *name, char *dst, size_t len);
/* The certificate's serial number as the files carry it: big-endian, without leading zero bytes.
 * Returns the number of bytes (1..TLV_SERIAL_MAX), or 0 when it does not fit or is not
 * positive. */
size_t tlv_cert_serial(const X509 *cert, uint8_t out[TLV_SERIAL_MAX]);
/* Two serial numbers as numbers (leading zero bytes do not count). 1 when equal. */
int tlv_serial_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* The digest a DIGEST_ALGORITHM code names, NULL for one we do not take. */
const EVP_MD *tlv_digest_md(uint8_t code);
const char *tlv_digest_name(uint8_t code); /* "SHA1", "SHA512", NULL */

/* ---- the signed header ---- */

struct tlv_header {
	uint8_t version[2]; /* major, minor */
	int has_signer_version;
	uint8_t signer_version[2];
	size_t length; /* HEADER_LENGTH: where the body starts */
	char signer_name[TLV_NAME_MAX];
	char ca_name[TLV_NAME_MAX];
	uint8_t serial[TLV_SERIAL_MAX];
	size_t serial_len;
	uint8_t digest;	     /* enum tlv_digest */
	uint8_t sig_modulus; /* 0 512 bits .. 3 4096 bits */
	size_t sig_off;	     /* where the SIGNATURE element starts (its tag) */
	size_t sig_len;	     /* signature bytes (the element is 3 more) */
	char filename[TLV_NAME_MAX];
	uint32_t timestamp;
	unsigned nelems;  /* elements before the padding, containers counted */
	unsigned pad_tlv; /* the first PADDING's index as the phone counts ("at TLV 15"), if npad */
	size_t npad;	  /* PADDING bytes ("skipping 1 trail bytes") */
};

/* Parses the header at the start of file[0..len). Every element but the containers and
 * SIGNER_VERSION is required, each at most once; VERSION and HEADER_LENGTH come first; once
 * PADDING starts only PADDING follows. Returns 0, EBADMSG, ENOTSUP (major version not 1, a
 * digest or algorithm we do not take) or EFBIG. */
int tlv_header_parse(const void *file, size_t len, struct tlv_header *h);

/* Checks the signature of a parsed file with the signer's public key. Returns 0, EKEYREJECTED
 * (not what was signed, or another key signed it) or ENOTSUP (not an RSA key of at most 2048
 * bits). */
int tlv_header_verify(const void *file, size_t len, const struct tlv_header *h, EVP_PKEY *pub);

/* What a signed file's header says besides the signer. */
struct tlv_sign {
	uint8_t version[2]; /* {1, 0} for .sgn, {1, 2} for ITL/CTL */
	int signer_version; /* write SIGNER_VERSION (ITL/CTL) */
	uint8_t signer_version_v[2];
	uint8_t digest;	      /* enum tlv_digest */
	const char *filename; /* the file's own name */
	uint32_t timestamp;
};

/* Appends a signed file to out: the header, then body[0..body_len). key signs (RSA, 512, 1024 or
 * 2048 bits) and cert is its certificate, whose subject, serial number and issuer name the
 * signer in the header. Returns 0, EINVAL (a key, digest or name we do not write; a header over
 * 65535 bytes) or ENOMEM, with a reason in err; out is unchanged on failure. */
int tlv_sign_file(struct buf *out, const struct tlv_sign *s, EVP_PKEY *key, X509 *cert,
		  const void *body, size_t body_len, char *err, size_t errlen);

/* A word for a refusal code from the table above ("signature mismatch"), "error" for others. */
const char *tlv_refusal(int rc);

#endif
