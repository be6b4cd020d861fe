/* tls.h -- server TLS contexts, and the self-signed certificate a node makes on first start. */
#ifndef EMCC_CORE_TLS_H
#define EMCC_CORE_TLS_H

#include <stddef.h>

typedef struct ssl_ctx_st SSL_CTX;

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
