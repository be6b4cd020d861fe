/* tls.h -- server TLS contexts, and the self-signed certificate a node makes on first start. */
#ifndef EMCC_CORE_TLS_H
#define EMCC_CORE_TLS_H

#include <stddef.h>

typedef struct ssl_ctx_st SSL_CTX;
typedef struct evp_pkey_st EVP_PKEY;
typedef struct x509_st X509;

/* What a self-signed certificate is made of: the node's HTTPS certificate, and the cluster's
 * signing identities (prov/identity.c). */
struct tls_cert_spec {
	const char *common_name;   /* CN */
	const char *org_unit;	   /* OU, or NULL; the subject is CN[, OU], O=emcc */
	const char *host;	   /* subjectAltName (IP or DNS), or NULL/"" for none */
	unsigned rsa_bits;	   /* 0: an EC P-256 key; else an RSA key of this many bits */
	const char *key_usage;	   /* X509v3 keyUsage value, or NULL for none */
	const char *ext_key_usage; /* extendedKeyUsage value, or NULL for none */
	long days;		   /* valid from an hour ago for this many days */
};

/* A new key and a certificate for it, self-signed with SHA-256 and a random positive 128-bit
 * serial, in memory; the caller frees both. Returns 0 or EIO with a reason in err. */
int tls_make_self_signed(const struct tls_cert_spec *spec, EVP_PKEY **keyp, X509 **certp, char *err,
			 size_t errlen);

/* Writes the key (mode 0600) and the certificate (0644) as PEM, each to a temporary name that is
 * synced and renamed into place. Returns 0 or an errno value with a reason in err. */
int tls_write_pem(const char *cert_path, const char *key_path, EVP_PKEY *key, X509 *cert, char *err,
		  size_t errlen);

/* Writes a new EC P-256 key (mode 0600) and a self-signed certificate valid for ten years, with
 * subject CN=common_name and a subjectAltName for host (IP address or DNS name).
 * Returns 0 or an errno value with a reason in err. */
int tls_generate_self_signed(const char *cert_path, const char *key_path, const char *common_name,
			     const char *host, char *err, size_t errlen);

/* A TLS 1.2+ server context from PEM files; generates them first when both are missing.
 * Returns 0 or an errno value with a reason in err. */
int tls_server_ctx(const char *cert_path, const char *key_path, const char *common_name,
		   const char *host, SSL_CTX **ctxp, char *err, size_t errlen);

/* Lowercase hex SHA-256 of the certificate the peer presented on this TLS connection.
 * Returns 0, ENOENT (no certificate) or EIO. */
typedef struct ssl_st SSL;
int tls_peer_fingerprint(SSL *ssl, char hex[65]);

#endif
