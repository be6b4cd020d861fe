/* identity.h -- the cluster's signing identities, and the ITL and .sgn files made with them.
 *
 * Made on first start in the node's data_dir, kept across restarts (RSA-2048 keys, mode 0600;
 * self-signed certificates, 0644):
 *
 *   itlrecovery.key/.crt   role SAST: signs the ITL (CUCM's ITLRecovery certificate)
 *   tftp.key/.crt          role CCM+TFTP: signs .sgn files (CUCM's CallManager certificate)
 *   tvs.key/.crt           role TVS: the TVS server's TLS identity on 2445
 *   itlrecovery-prev.key/.crt   the previous SAST, only while its rotation is under way
 *
 * A phone takes a new ITL only when a SAST of the ITL it holds signed it. So the ITLRecovery key
 * is the one that must outlive everything else: rotating the TFTP or TVS identity just lists the
 * new certificate in the next ITL, which the unchanged ITLRecovery key signs, and phones holding
 * the old ITL take it. Rotating the ITLRecovery key itself takes two steps:
 *   1. identity_rotate(IDENTITY_ITLRECOVERY) keeps the old key as itlrecovery-prev and makes a
 *      new one. While the previous one exists, identity_itl() signs with the OLD key and lists
 *      both SASTs: phones holding the old ITL take it (old signer) and from then on hold the new
 *      SAST; a phone seeing this ITL first takes it too (its signer is listed).
 *   2. Once every phone has fetched that ITL (after a restart of each, say),
 *      identity_retire_previous() deletes the old key: ITLs are signed with the new key from
 *      then on, listing only it. A phone that missed step 1 then refuses the new ITL and needs
 *      its ITL reset, as with CUCM.
 * A second rotation of the ITLRecovery key is refused while one is under way (EBUSY): chaining
 * them would leave phones two steps behind.
 *
 * Library code: file I/O, no logging; returns 0 or an errno value with a reason in err. Not
 * thread-safe: one owner rotates, and builds from the same struct are not concurrent with it. */
#ifndef EMCC_PROV_IDENTITY_H
#define EMCC_PROV_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

struct buf;
typedef struct evp_pkey_st EVP_PKEY;
typedef struct x509_st X509;

enum identity_role {
	IDENTITY_ITLRECOVERY = 0,
	IDENTITY_TFTP = 1,
	IDENTITY_TVS = 2,
};
#define IDENTITY_NROLES 3

#define IDENTITY_RSA_BITS 2048
/* The ITL's FILENAME. Phones ask for ITLSEP<MAC>.tlv and get the cluster's one ITLFile.tlv. */
#define IDENTITY_ITL_NAME "ITLFile.tlv"
#define IDENTITY_PATH_MAX 4096
#define IDENTITY_NAME_MAX 64 /* a cluster id, as config's */

struct identity {
	EVP_PKEY *key;
	X509 *cert;
};

struct identities {
	char dir[IDENTITY_PATH_MAX];
	char name[IDENTITY_NAME_MAX]; /* the certificates' CN ("ITLRECOVERY_<name>" for SAST) */
	char host[256];		      /* subjectAltName of the TFTP and TVS certificates, or "" */
	struct identity id[IDENTITY_NROLES];
	struct identity prev_sast; /* the old ITLRecovery during its rotation; key NULL else */
	/* DIGEST_ALGORITHM of the files built: TLV_DIGEST_SHA1 (what CUCM uses unless told
	 * otherwise, and what every phone checks) unless changed to TLV_DIGEST_SHA512. */
	uint8_t digest;
};

/* Loads the identities from data_dir, making each one that is missing (both files absent).
 * name: the CN base (the cluster id); host: the TFTP/TVS certificates' subjectAltName (the
 * node's address), NULL or "" for none. A key readable by group or others, a key without its
 * certificate (or the reverse), a key that does not match its certificate, or one that is not
 * RSA of at most 2048 bits is refused rather than replaced: phones trust these keys.
 * Returns 0 with *out set (identity_free), or ENOENT, EACCES, EINVAL, EIO, ENOMEM... */
int identity_load(struct identities **out, const char *data_dir, const char *name, const char *host,
		  char *err, size_t errlen);
void identity_free(struct identities *ids);

/* "itlrecovery", "tftp", "tvs". */
const char *identity_role_name(enum identity_role role);
/* The ITL FUNCTION for the role: SAST, CCM+TFTP, TVS. */
uint16_t identity_itl_role(enum identity_role role);
/* <dir>/<role>.key or .crt (prev: the itlrecovery-prev files). 0 or ENAMETOOLONG. */
int identity_path(const struct identities *ids, enum identity_role role, int key, int prev,
		  char *out, size_t len);

/* A new key and certificate for role, written in place of the old ones (atomically). For
 * IDENTITY_ITLRECOVERY the old one becomes itlrecovery-prev (see above; EBUSY while one is
 * there). Returns 0 or an errno value; on failure the identities are unchanged. */
int identity_rotate(struct identities *ids, enum identity_role role, char *err, size_t errlen);
/* Ends an ITLRecovery rotation: deletes itlrecovery-prev. 0 (also when there is none) or an
 * errno value. */
int identity_retire_previous(struct identities *ids, char *err, size_t errlen);

/* Reads a PEM certificate (the node's HTTPS certificate, another node's TVS certificate).
 * Returns 0 with *out set (X509_free), ENOENT/EACCES..., or EINVAL. */
int identity_read_cert(const char *path, X509 **out, char *err, size_t errlen);

/* Appends the cluster's ITL to out (FILENAME IDENTITY_ITL_NAME, time now): signed by the
 * ITLRecovery key (the previous one during its rotation), listing the signer (SAST; both SASTs
 * during a rotation), the TFTP signer (CCM+TFTP), our TVS certificate and more_tvs (TVS: the
 * cluster's other nodes), and https (role HTTPS; NULL for none). The HTTPS certificate is EC
 * P-256 today: its record carries the X9.62 point as PUBLIC_KEY and the ECDSA signature, as
 * certutils writes EC certificates. Returns 0, EINVAL or ENOMEM with err. */
int identity_itl(const struct identities *ids, X509 *https, X509 *const *more_tvs,
		 size_t n_more_tvs, uint32_t now, struct buf *out, char *err, size_t errlen);

/* Appends the .sgn of the file `name` (e.g. "SEPC80084AA8743.cnf.xml") to out: signed by the
 * TFTP identity at time now, its header naming itself name + ".sgn" (the file's own name, what
 * the phone asks for). Returns 0, EINVAL or ENOMEM with err. */
int identity_sgn(const struct identities *ids, const char *name, const void *body, size_t len,
		 uint32_t now, struct buf *out, char *err, size_t errlen);

#endif
