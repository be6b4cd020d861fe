/* client.h -- HTTPS client for inter-cluster EMCC requests, on the node's event loop.
 *
 * Mutual TLS: we present our own certificate, and the peer must present exactly the certificate
 * the admin imported for that cluster (its SHA-256 fingerprint), or the handshake is refused.
 * A few keep-alive connections per peer are reused, so a login does not pay a handshake. Every
 * request has a deadline; the callback runs exactly once, on the loop thread. */
#ifndef EMCC_EMCC_CLIENT_H
#define EMCC_EMCC_CLIENT_H

#include <stddef.h>

struct event_base;
typedef struct ssl_ctx_st SSL_CTX;
struct emcc_client;

struct emcc_peer {
	char cluster[64];
	char host[256];
	int port;
	char fingerprint[65]; /* lowercase hex SHA-256 of the peer's certificate (DER) */
};

enum emcc_client_error {
	EMCC_CLIENT_OK = 0,
	EMCC_CLIENT_CONNECT, /* cannot connect, or the connection broke */
	EMCC_CLIENT_TLS,     /* handshake failed: not the certificate we trust, or TLS error */
	EMCC_CLIENT_TIMEOUT, /* no answer before the deadline */
	EMCC_CLIENT_HTTP,    /* an HTTP status other than 200 */
};

/* status: HTTP status (0 when none); body: the answer (NUL-terminated, owned by the client
 * until the callback returns); why: a readable reason when err != OK. */
typedef void (*emcc_client_cb)(void *arg, enum emcc_client_error err, int status, const char *body,
			       size_t len, const char *why);

/* cert/key: our node's certificate and key (PEM files). */
int emcc_client_alloc(struct emcc_client **cp, struct event_base *base, const char *cert_path,
		      const char *key_path, char *err, size_t errlen);
/* Frees the client; runs emcc_client_shutdown first if it has not run. */
void emcc_client_free(struct emcc_client *c);
/* Stopping: every request still waiting gets its callback now (EMCC_CLIENT_CONNECT, "emccd is
 * stopping"), and later requests are refused (ESHUTDOWN) without one. Callbacks may still send
 * (they are refused) and touch what their owners keep; so call it while those owners (the
 * worker pool, the HTTP requests they answer) are still alive. Loop thread. */
void emcc_client_shutdown(struct emcc_client *c);

/* POSTs an application/x-www-form-urlencoded body to https://peer/path. Returns 0 (the callback
 * will run) or ENOMEM/EINVAL/ESHUTDOWN (it will not). */
int emcc_client_post(struct emcc_client *c, const struct emcc_peer *peer, const char *path,
		     const char *body, size_t len, int timeout_ms, emcc_client_cb cb, void *arg);

/* GET without a client certificate and without checking the peer's certificate against a
 * fingerprint: used once, to fetch a remote cluster's trust bundle, whose certificate the admin
 * then checks against the fingerprint they were given. */
int emcc_client_get_insecure(struct emcc_client *c, const char *host, int port, const char *path,
			     int timeout_ms, emcc_client_cb cb, void *arg);

/* Makes inter-cluster connections leave from this address (the node's own, so the peer's logs
 * and firewalls see the node rather than whatever the routing table picks). NULL/"" = any. */
void emcc_client_set_source(struct emcc_client *c, const char *address);

/* Forgets the pooled connections to a cluster (after its certificate or address changed). */
void emcc_client_forget(struct emcc_client *c, const char *cluster);

const char *emcc_client_error_name(enum emcc_client_error e);

#endif
