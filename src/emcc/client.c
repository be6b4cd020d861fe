/* client.c -- mutual-TLS HTTPS client for EMCC requests on libevent, with per-peer keep-alive. */
#include "emcc/client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Keep-alive connections per peer: enough that a burst of logins to one home cluster does not
 * queue behind a single connection. */
#define POOL_CONNS 4
#define ANSWER_MAX (1024 * 1024)

struct pool;

struct conn {
	struct evhttp_connection *evcon;
	struct pool *pool;
	unsigned pending;
	int broken;	/* closed or failed: replace before the next request */
	int tls_failed; /* the peer's certificate was not the one we trust */
	char tls_why[160];
};

struct pool {
	struct pool *next;
	struct emcc_peer peer;
	struct conn conns[POOL_CONNS];
	unsigned rr;
};

struct request;

struct emcc_client {
	struct event_base *base;
	SSL_CTX *ctx;
	struct pool *pools;
	struct request *active; /* requests whose callback has not run yet */
	int closing;		/* emcc_client_shutdown ran: new requests are refused */
	char source[64];	/* local address connections leave from; "" = any */
};

struct request {
	struct emcc_client *client;
	struct request *next, *prev; /* in client->active while linked */
	int linked;
	struct conn *conn; /* NULL for one-shot requests */
	struct evhttp_connection *oneshot;
	struct evhttp_request *req;
	struct event *timer;
	emcc_client_cb cb;
	void *arg;
	int finished;
};

static int conn_ex_index = -1;

const char *emcc_client_error_name(enum emcc_client_error e)
{
	switch (e) {
	case EMCC_CLIENT_OK: return "ok";
	case EMCC_CLIENT_CONNECT: return "connect";
	case EMCC_CLIENT_TLS: return "tls";
	case EMCC_CLIENT_TIMEOUT: return "timeout";
	case EMCC_CLIENT_HTTP: return "http";
	}
	return "unknown";
}

static void sha256_hex(X509 *cert, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	out[0] = '\0';
	if (X509_digest(cert, EVP_sha256(), md, &n) != 1)
		return;
	for (unsigned int i = 0; i < n && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Pins the leaf certificate: self-signed cluster certificates have no CA to chain to, so the
 * fingerprint the admin imported is the whole trust decision. */
static int verify_pinned(int preverify_ok, X509_STORE_CTX *xs)
{
	(void)preverify_ok;
	SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct conn *cn = ssl ? SSL_get_ex_data(ssl, conn_ex_index) : NULL;
	if (!cn)
		return 0;
	if (X509_STORE_CTX_get_error_depth(xs) != 0)
		return 1;
	/* The handshake is the first moment the socket exists: turn Nagle off before the request
	 * goes out in two writes (headers, body), or the body waits for a delayed ACK. */
	int fd = SSL_get_fd(ssl), one = 1;
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	char fp[65];
	sha256_hex(X509_STORE_CTX_get_current_cert(xs), fp);
	if (strcmp(fp, cn->pool->peer.fingerprint) == 0)
		return 1;
	cn->tls_failed = 1;
	snprintf(cn->tls_why, sizeof(cn->tls_why),
		 "cluster %s presented certificate %.16s..., trusted is %.16s...",
		 cn->pool->peer.cluster, fp, cn->pool->peer.fingerprint);
	return 0;
}

int emcc_client_alloc(struct emcc_client **cp, struct event_base *base, const char *cert_path,
		      const char *key_path, char *err, size_t errlen)
{
	struct emcc_client *c = calloc(1, sizeof(*c));
	if (!c)
		return ENOMEM;
	if (conn_ex_index < 0)
		conn_ex_index = SSL_get_ex_new_index(0, "emcc conn", NULL, NULL, NULL);
	c->base = base;
	c->ctx = SSL_CTX_new(TLS_client_method());
	if (!c->ctx)
		goto fail;
	SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(c->ctx, cert_path) != 1 ||
	    SSL_CTX_use_PrivateKey_file(c->ctx, key_path, SSL_FILETYPE_PEM) != 1) {
		snprintf(err, errlen, "cannot load %s / %s for inter-cluster TLS", cert_path,
			 key_path);
		goto fail;
	}
	*cp = c;
	return 0;
fail:
	ERR_clear_error();
	if (c->ctx)
		SSL_CTX_free(c->ctx);
	free(c);
	return EIO;
}

static void conn_close(struct conn *cn)
{
	if (cn->evcon)
		evhttp_connection_free(cn->evcon);
	cn->evcon = NULL;
	cn->broken = 0;
	cn->tls_failed = 0;
	cn->tls_why[0] = '\0';
}

static void on_conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct conn *cn = arg;
	(void)evcon;
	cn->broken = 1; /* freed later, never from inside its own callback */
}

static int conn_open(struct emcc_client *c, struct conn *cn)
{
	SSL *ssl = SSL_new(c->ctx);
	if (!ssl)
		return ENOMEM;
	SSL_set_ex_data(ssl, conn_ex_index, cn);
	SSL_set_verify(ssl, SSL_VERIFY_PEER, verify_pinned);
	struct in6_addr a6;
	struct in_addr a4;
	const char *host = cn->pool->peer.host;
	if (inet_pton(AF_INET, host, &a4) != 1 && inet_pton(AF_INET6, host, &a6) != 1)
		SSL_set_tlsext_host_name(ssl, host);
	struct bufferevent *bev =
	    bufferevent_openssl_socket_new(c->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
					   BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (!bev) {
		SSL_free(ssl);
		return ENOMEM;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	cn->evcon = evhttp_connection_base_bufferevent_new(c->base, NULL, bev, host,
							   (unsigned short)cn->pool->peer.port);
	if (!cn->evcon)
		return ENOMEM;
	/* libevent cannot re-handshake an OpenSSL bufferevent: a closed connection is replaced,
	 * never retried in place. */
	evhttp_connection_set_retries(cn->evcon, 0);
	if (c->source[0])
		evhttp_connection_set_local_address(cn->evcon, c->source);
	evhttp_connection_set_closecb(cn->evcon, on_conn_closed, cn);
	return 0;
}

static struct pool *pool_get(struct emcc_client *c, const struct emcc_peer *peer)
{
	for (struct pool *p = c->pools; p; p = p->next)
		if (strcmp(p->peer.cluster, peer->cluster) == 0) {
			if (strcmp(p->peer.host, peer->host) == 0 && p->peer.port == peer->port &&
			    strcmp(p->peer.fingerprint, peer->fingerprint) == 0)
				return p;
			/* Address or certificate changed: old connections must not be used. */
			for (int i = 0; i < POOL_CONNS; i++)
				if (p->conns[i].pending == 0)
					conn_close(&p->conns[i]);
				else
					p->conns[i].broken = 1;
			p->peer = *peer;
			return p;
		}
	struct pool *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->peer = *peer;
	for (int i = 0; i < POOL_CONNS; i++)
		p->conns[i].pool = p;
	p->next = c->pools;
	c->pools = p;
	return p;
}

/* The least busy usable connection, opening or replacing one if needed. */
static struct conn *pool_conn(struct emcc_client *c, struct pool *p)
{
	struct conn *best = NULL;
	for (int k = 0; k < POOL_CONNS; k++) {
		struct conn *cn = &p->conns[(p->rr + (unsigned)k) % POOL_CONNS];
		if (cn->broken && cn->pending == 0)
			conn_close(cn);
		if (cn->broken)
			continue;
		/* the least busy; at a tie an open connection, so that an idle pool does not
		 * open (and pay a handshake for) all its connections one request after another */
		if (!best || cn->pending < best->pending ||
		    (cn->pending == best->pending && cn->evcon && !best->evcon))
			best = cn;
	}
	p->rr++;
	if (!best)
		return NULL;
	if (!best->evcon && conn_open(c, best) != 0)
		return NULL;
	return best;
}

static void req_link(struct request *r)
{
	struct emcc_client *c = r->client;
	r->prev = NULL;
	r->next = c->active;
	if (c->active)
		c->active->prev = r;
	c->active = r;
	r->linked = 1;
}

static void req_unlink(struct request *r)
{
	if (!r->linked)
		return;
	if (r->prev)
		r->prev->next = r->next;
	else
		r->client->active = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->next = r->prev = NULL;
	r->linked = 0;
}

static void finish(struct request *r, enum emcc_client_error err, int status, const char *body,
		   size_t len, const char *why)
{
	if (r->finished)
		return;
	r->finished = 1;
	req_unlink(r);
	if (r->timer) {
		event_free(r->timer);
		r->timer = NULL;
	}
	if (r->conn) {
		r->conn->pending--;
		if (err == EMCC_CLIENT_CONNECT || err == EMCC_CLIENT_TLS ||
		    err == EMCC_CLIENT_TIMEOUT)
			r->conn->broken = 1;
	}
	r->cb(r->arg, err, status, body ? body : "", len, why ? why : "");
}

static void on_response(struct evhttp_request *req, void *arg)
{
	struct request *r = arg;
	int status = req ? evhttp_request_get_response_code(req) : 0;
	if (!req || status == 0) {
		if (r->conn && r->conn->tls_failed)
			finish(r, EMCC_CLIENT_TLS, 0, NULL, 0, r->conn->tls_why);
		else
			finish(r, EMCC_CLIENT_CONNECT, 0, NULL, 0,
			       "connection refused, reset or closed before an answer");
		free(r);
		return;
	}
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	if (len > ANSWER_MAX)
		len = ANSWER_MAX;
	char *body = malloc(len + 1);
	if (!body) {
		finish(r, EMCC_CLIENT_CONNECT, status, NULL, 0, "out of memory");
		free(r);
		return;
	}
	evbuffer_copyout(in, body, len);
	body[len] = '\0';
	if (status == 200)
		finish(r, EMCC_CLIENT_OK, status, body, len, NULL);
	else {
		char why[64];
		snprintf(why, sizeof(why), "HTTP %d", status);
		finish(r, EMCC_CLIENT_HTTP, status, body, len, why);
	}
	free(body);
	free(r);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct request *r = arg;
	(void)fd;
	(void)what;
	/* Cancel first: cancelling frees the request and never calls on_response. After the
	 * callback it could be too late: a callback that sends to the same peer may replace (free)
	 * this broken connection, and the request with it. */
	if (r->conn)
		r->conn->broken = 1; /* the connection is replaced */
	evhttp_cancel_request(r->req);
	r->req = NULL;
	finish(r, EMCC_CLIENT_TIMEOUT, 0, NULL, 0, "no answer before the deadline");
	free(r);
}

static int start(struct emcc_client *c, struct request *r, struct evhttp_connection *evcon,
		 enum evhttp_cmd_type type, const char *host, const char *path, const char *body,
		 size_t len, int timeout_ms)
{
	r->req = evhttp_request_new(on_response, r);
	if (!r->req)
		return ENOMEM;
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);
	evhttp_add_header(h, "Host", host);
	evhttp_add_header(h, "User-Agent", "emccd");
	if (type == EVHTTP_REQ_POST) {
		evhttp_add_header(h, "Content-Type", "application/x-www-form-urlencoded");
		evbuffer_add(evhttp_request_get_output_buffer(r->req), body, len);
	}
	r->timer = event_new(c->base, -1, 0, on_timeout, r);
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	if (!r->timer || event_add(r->timer, &tv) != 0) {
		evhttp_request_free(r->req);
		if (r->timer)
			event_free(r->timer);
		return ENOMEM;
	}
	if (evhttp_make_request(evcon, r->req, type, path) != 0) {
		/* evhttp_make_request frees the request on failure. */
		event_free(r->timer);
		return EIO;
	}
	return 0;
}

int emcc_client_post(struct emcc_client *c, const struct emcc_peer *peer, const char *path,
		     const char *body, size_t len, int timeout_ms, emcc_client_cb cb, void *arg)
{
	if (!c || !peer || !path || !cb || timeout_ms <= 0 || strlen(peer->fingerprint) != 64)
		return EINVAL;
	if (c->closing)
		return ESHUTDOWN;
	struct pool *p = pool_get(c, peer);
	struct conn *cn = p ? pool_conn(c, p) : NULL;
	if (!cn)
		return ENOMEM;
	struct request *r = calloc(1, sizeof(*r));
	if (!r)
		return ENOMEM;
	r->client = c;
	r->cb = cb;
	r->arg = arg;
	r->conn = cn;
	cn->pending++;
	req_link(r); /* before start: a connection that fails at once answers inside it */
	int rc = start(c, r, cn->evcon, EVHTTP_REQ_POST, peer->host, path, body, len, timeout_ms);
	if (rc) {
		req_unlink(r);
		cn->pending--;
		cn->broken = 1;
		free(r);
	}
	return rc;
}

int emcc_client_get_insecure(struct emcc_client *c, const char *host, int port, const char *path,
			     int timeout_ms, emcc_client_cb cb, void *arg)
{
	if (c->closing)
		return ESHUTDOWN;
	SSL *ssl = SSL_new(c->ctx);
	if (!ssl)
		return ENOMEM;
	SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
	struct bufferevent *bev =
	    bufferevent_openssl_socket_new(c->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
					   BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (!bev) {
		SSL_free(ssl);
		return ENOMEM;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	struct evhttp_connection *evcon =
	    evhttp_connection_base_bufferevent_new(c->base, NULL, bev, host, (unsigned short)port);
	struct request *r = calloc(1, sizeof(*r));
	if (!evcon || !r) {
		if (evcon)
			evhttp_connection_free(evcon);
		free(r);
		return ENOMEM;
	}
	evhttp_connection_set_retries(evcon, 0);
	if (c->source[0])
		evhttp_connection_set_local_address(evcon, c->source);
	evhttp_connection_free_on_completion(evcon);
	r->client = c;
	r->cb = cb;
	r->arg = arg;
	r->oneshot = evcon; /* freed by libevent once the request completes */
	req_link(r);
	int rc = start(c, r, evcon, EVHTTP_REQ_GET, host, path, NULL, 0, timeout_ms);
	if (rc) {
		req_unlink(r);
		evhttp_connection_free(evcon);
		free(r);
	}
	return rc;
}

void emcc_client_set_source(struct emcc_client *c, const char *address)
{
	snprintf(c->source, sizeof(c->source), "%s", address ? address : "");
}

void emcc_client_forget(struct emcc_client *c, const char *cluster)
{
	for (struct pool *p = c->pools; p; p = p->next)
		if (strcmp(p->peer.cluster, cluster) == 0)
			for (int i = 0; i < POOL_CONNS; i++) {
				if (p->conns[i].pending == 0)
					conn_close(&p->conns[i]);
				else
					p->conns[i].broken = 1;
			}
}

void emcc_client_shutdown(struct emcc_client *c)
{
	if (!c || c->closing)
		return;
	c->closing = 1;
	/* Freeing a connection frees its requests without calling on_response: the callbacks run
	 * below, once, with no libevent request left behind them. */
	for (struct pool *p = c->pools; p; p = p->next)
		for (int i = 0; i < POOL_CONNS; i++)
			conn_close(&p->conns[i]);
	for (struct request *r = c->active; r; r = r->next) {
		r->req = NULL;
		if (r->oneshot)
			evhttp_connection_free(r->oneshot);
		r->oneshot = NULL;
	}
	struct request *r;
	while ((r = c->active) != NULL) {
		finish(r, EMCC_CLIENT_CONNECT, 0, NULL, 0, "emccd is stopping");
		free(r);
	}
}

void emcc_client_free(struct emcc_client *c)
{
	if (!c)
		return;
	emcc_client_shutdown(c);
	struct pool *p = c->pools;
	while (p) {
		struct pool *next = p->next;
		for (int i = 0; i < POOL_CONNS; i++)
			conn_close(&p->conns[i]);
		free(p);
		p = next;
	}
	SSL_CTX_free(c->ctx);
	free(c);
}
