/* trust.h -- the trust bundle clusters exchange (instead of CUCM's SFTP certificate dance), and
 * certificate fingerprints.
 *
 * A bundle is a small UTF-8 text file that one cluster exports and the other imports:
 *
 *   # emcc trust bundle v1
 *   cluster: ClusterTwo
 *   address: 127.0.7.200:8443
 *   created: 2024-05-01T12:00:00Z
 *   role: https
 *   -----BEGIN CERTIFICATE-----
 *   ...
 *   -----END CERTIFICATE-----
 *
 * The header line comes first. Then each field once, in any order: `cluster` (the Cluster ID,
 * [A-Za-z0-9_.-]{1,50}), `address` (host:port of the HTTPS EM service; host a DNS name, an
 * IPv4 address or a bracketed IPv6 address), `created` (UTC, YYYY-MM-DDTHH:MM:SSZ). Then 1 to
 * TRUST_MAX_CERTS certificates, each a `role:` line (https, signing, tvs) followed by one PEM
 * CERTIFICATE block; at least one has role https. Blank lines and lines starting with '#' are
 * ignored; lines may end in CRLF. Nothing else is accepted: the parser reads a file that came
 * from another organisation, so it refuses rather than guesses.
 *
 * Fingerprints are SHA-256 over the certificate's DER: "hex" is 64 lowercase digits (what the
 * store keeps), "colon" is the uppercase AA:BB:... form `openssl x509 -fingerprint -sha256`
 * prints, for people comparing them over the phone. */
#ifndef EMCC_EMCC_TRUST_H
#define EMCC_EMCC_TRUST_H

#include <stddef.h>
#include <time.h>

struct buf;
typedef struct x509_st X509;

#define TRUST_BUNDLE_MAX (256 * 1024) /* bytes of bundle text */
#define TRUST_MAX_CERTS 8
#define TRUST_PEM_MAX 16384    /* one certificate's PEM; as store.h's LIM_PEM_MAX - 1 */
#define TRUST_CLUSTER_MAX 51   /* cluster id: 50 + NUL */
#define TRUST_ADDRESS_MAX 257  /* host:port + NUL */
#define TRUST_FP_HEX_SIZE 65   /* 64 lowercase hex digits + NUL */
#define TRUST_FP_COLON_SIZE 96 /* 32 "XX" joined by ':' + NUL */

enum trust_role {
	TRUST_ROLE_HTTPS = 1,	/* the cluster's HTTPS (EM service) certificate: mutual TLS */
	TRUST_ROLE_SIGNING = 2, /* signs config files and ITLs (later) */
	TRUST_ROLE_TVS = 3,	/* its TVS certificate (later) */
};

struct trust_cert {
	enum trust_role role;
	char *pem; /* the certificate re-encoded by OpenSSL; owned by the bundle */
	char sha256[TRUST_FP_HEX_SIZE]; /* fingerprint, hex form */
	char subject[256];		/* one-line subject, for the import report */
	time_t not_after;		/* expiry (unix seconds); shown, not enforced here */
};

struct trust_bundle {
	char cluster[TRUST_CLUSTER_MAX];
	char address[TRUST_ADDRESS_MAX];
	time_t created;
	size_t ncerts;
	struct trust_cert certs[TRUST_MAX_CERTS];
};

/* Appends a bundle for our cluster to out: cluster id, HTTPS address, creation time and the
 * PEM of our https certificate (role https). Inputs are checked as the parser checks them, so
 * what this writes always parses. Returns 0, EINVAL (reason in err), or ENOMEM. */
int trust_bundle_write(struct buf *out, const char *cluster, const char *address,
		       const char *https_pem, time_t created, char *err, size_t errlen);
/* The same into a file, created with mode 0644 (certificates are public) and renamed into
 * place, so a reader never sees half a bundle. Returns 0 or an errno value. */
int trust_bundle_write_file(const char *path, const char *cluster, const char *address,
			    const char *https_pem, time_t created, char *err, size_t errlen);

/* Parses len bytes of bundle text. On success *out is a new bundle (trust_bundle_free); on any
 * refusal *out is untouched and err says which line and why. Returns 0, EINVAL, EFBIG (over
 * TRUST_BUNDLE_MAX) or ENOMEM. */
int trust_bundle_parse(const char *text, size_t len, struct trust_bundle **out, char *err,
		       size_t errlen);
void trust_bundle_free(struct trust_bundle *b);
/* The first certificate with that role, NULL if none. */
const struct trust_cert *trust_bundle_cert(const struct trust_bundle *b, enum trust_role role);
const char *trust_role_name(enum trust_role role); /* "https", "signing", "tvs"; NULL if bad */

/* SHA-256 fingerprint of a PEM certificate (exactly one CERTIFICATE block). hex gets
 * TRUST_FP_HEX_SIZE bytes; colon, when not NULL, TRUST_FP_COLON_SIZE bytes. Returns 0 or
 * EINVAL (not a certificate OpenSSL can read). */
int trust_cert_fingerprint(const char *pem, char *hex, char *colon);
/* The same for a certificate already in memory (a TLS peer's). */
int trust_x509_fingerprint(X509 *cert, char *hex, char *colon);
/* 1 when a and b are the same fingerprint, each in either form (64 hex digits, or 32 pairs
 * joined by ':'), any case; 0 otherwise, and for anything malformed. The comparison takes the
 * same time wherever the two differ. */
int trust_fingerprint_equal(const char *a, const char *b);

/* Does the certificate's subjectAltName cover the host part of address ("host:port",
 * "[v6]:port" or a bare host)? IP addresses are matched against IP entries, names against DNS
 * entries (wildcards as RFC 6125); the subject CN is never used. Sets *matches to 1 or 0 and
 * returns 0, or EINVAL for an unreadable certificate or address. A mismatch is meant as a
 * warning at import: the peer is identified by its fingerprint, not its name. */
int trust_cert_matches_host(const char *pem, const char *address, int *matches);

#endif
