/* http.c -- HTTP, HTTPS and admin-socket listeners and the URL router (libevent evhttp). */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/log.h"
#include "core/tls.h"
#include "daemon/emcc_status.h"
#include "daemon/fileserv.h"
#include "daemon/metrics.h"
#include "daemon/node.h"
#include "daemon/servlet.h"

const char *http_peer_ip(struct evhttp_request *req, char *buf, unsigned len)
{
	struct evhttp_connection *con = evhttp_request_get_connection(req);
	const struct sockaddr *sa = con ? evhttp_connection_get_addr(con) : NULL;
	buf[0] = '\0';
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, len);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, len);
	else
		snprintf(buf, len, "local");
	return buf;
}

int http_peer_fingerprint(struct evhttp_request *req, char hex[65])
{
	hex[0] = '\0';
	struct evhttp_connection *con = evhttp_request_get_connection(req);
	struct bufferevent *bev = con ? evhttp_connection_get_bufferevent(con) : NULL;
	SSL *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;
	if (!ssl)
		return ENOENT; /* plain HTTP */
	return tls_peer_fingerprint(ssl, hex);
}

void http_reply(struct node *n, struct evhttp_request *req, int status, const char *ctype,
		const char *body, unsigned long len)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Content-Type", ctype);
	evhttp_add_header(h, "Cache-Control", "no-store");
	struct evbuffer *out = evbuffer_new();
	if (out && len)
		evbuffer_add(out, body, len);
	const char *reason = status == 200   ? "OK"
			     : status == 400 ? "Bad Request"
			     : status == 404 ? "Not Found"
			     : status == 405 ? "Method Not Allowed"
			     : status == 409 ? "Conflict"
			     : status == 413 ? "Payload Too Large"
			     : status == 422 ? "Unprocessable Entity"
			     : status == 503 ? "Service Unavailable"
					     : "Error";
	metrics_count_http(n->metrics, status);
	evhttp_send_reply(req, status, reason, out);
	if (out)
		evbuffer_free(out);
}

/* Answers go out as a header write and a body write; with Nagle on, the body waits for the
 * client's delayed ACK (40 ms on Linux). Cheap enough to set on every request. */
static void set_nodelay(struct evhttp_request *req)
{
	struct evhttp_connection *con = evhttp_request_get_connection(req);
	struct bufferevent *bev = con ? evhttp_connection_get_bufferevent(con) : NULL;
	evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
	int one = 1;
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void route_public(struct evhttp_request *req, void *arg)
{
	struct node *n = arg;
	set_nodelay(req);
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (!path)
		path = "/";
	if (strcmp(path, "/emservice/EMServiceServlet") == 0)
		servlet_emservice(n, req);
	else if (strncmp(path, "/emapp/", 7) == 0)
		servlet_emapp(n, req);
	else if (strcmp(path, "/ccmcip/getservicesmenu.jsp") == 0)
		servlet_services_menu(n, req);
	else if (strcmp(path, "/metrics") == 0)
		servlet_metrics(n, req);
	else if (strcmp(path, "/emcc/bundle") == 0)
		emcc_status_bundle(
		    n, req); /* public: certificates are; the admin checks the fingerprint */
	else
		http_reply(n, req, 404, "text/plain", "not found\n", 10);
}

static void route_tftp(struct evhttp_request *req, void *arg)
{
	servlet_prov(arg, req, 0);
}

static void route_tftps(struct evhttp_request *req, void *arg)
{
	servlet_prov(arg, req, 1);
}

static void route_admin(struct evhttp_request *req, void *arg)
{
	servlet_admin(arg, req);
}

/* HTTPS: every accepted connection gets an OpenSSL bufferevent in accepting state. */
static struct bufferevent *https_bevcb(struct event_base *base, void *arg)
{
	struct node *n = arg;
	SSL *ssl = SSL_new(n->ssl_ctx);
	if (!ssl)
		return NULL;
	return bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
					      BEV_OPT_CLOSE_ON_FREE);
}

/* HTTPS provisioning: the node's certificate, and no client certificate asked (phones present
 * none there; CUCM's 6971 authenticates the server only). */
static struct bufferevent *tftps_bevcb(struct event_base *base, void *arg)
{
	struct node *n = arg;
	SSL *ssl = SSL_new(n->ssl_ctx);
	if (!ssl)
		return NULL;
	SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
	return bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
					      BEV_OPT_CLOSE_ON_FREE);
}

static struct evhttp *new_http(struct node *n, void (*router)(struct evhttp_request *, void *))
{
	struct evhttp *h = evhttp_new(n->base);
	if (!h)
		return NULL;
	/* Larger bodies are answered 413 by libevent before anything is parsed. */
	evhttp_set_max_body_size(h, (ev_ssize_t)n->cfg.max_body);
	/* Read an oversized body to its end before answering 413 and closing: a client still
	 * sending then gets the 413, not a reset (the body is discarded, never buffered). */
	evhttp_set_flags(h, EVHTTP_SERVER_LINGERING_CLOSE);
	evhttp_set_max_headers_size(h, 16384);
	evhttp_set_timeout(h, 30);
	evhttp_set_allowed_methods(h, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
	evhttp_set_gencb(h, router, n);
	return h;
}

static void remember_listener(struct node *n, struct evconnlistener *l)
{
	if (l && n->nlisteners < (int)(sizeof(n->listeners) / sizeof(n->listeners[0])))
		n->listeners[n->nlisteners++] = l;
}

void http_stop_accepting(struct node *n)
{
	for (int i = 0; i < n->nlisteners; i++)
		evconnlistener_disable(n->listeners[i]);
}

static int bind_hostport(struct node *n, struct evhttp *h, const char *what, const char *hostport)
{
	struct addr a;
	if (addr_parse(&a, hostport, ADDR_LISTEN, 0)) {
		log_errorx(LOGS_DAEMON, 0, "%s listener: bad address '%s'", what, hostport);
		return EINVAL;
	}
	struct evhttp_bound_socket *bound =
	    evhttp_bind_socket_with_handle(h, a.host, (ev_uint16_t)a.port);
	if (!bound) {
		int e = errno ? errno : EADDRINUSE;
		log_errorc(LOGS_DAEMON, 0, e, "%s listener: cannot bind %s", what, hostport);
		return e;
	}
	remember_listener(n, evhttp_bound_socket_get_listener(bound));
	log_info(LOGS_DAEMON, 0, "%s listening on %s", what, hostport);
	return 0;
}

static int bind_unix(struct node *n, struct evhttp *h, const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_errorx(LOGS_DAEMON, 0, "admin socket path too long: %s", path);
		return ENAMETOOLONG;
	}
	strcpy(sun.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	/* A socket file left by a killed daemon would make bind fail: only remove it if nobody
	 * answers on it, so two daemons never fight over one socket. */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 || errno == EAGAIN) {
		close(fd);
		log_errorx(LOGS_DAEMON, 0, "admin socket %s is in use by another emccd", path);
		return EADDRINUSE;
	}
	close(fd);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	mode_t old = umask(0117); /* socket 0660: root and the service group */
	int rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc != 0 || listen(fd, 64) != 0) {
		rc = errno;
		close(fd);
		log_errorc(LOGS_DAEMON, 0, rc, "admin socket %s", path);
		return rc;
	}
	struct evconnlistener *l = evconnlistener_new(
	    n->base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	remember_listener(n, l);
	if (!l || !evhttp_bind_listener(h, l)) {
		close(fd);
		return EIO;
	}
	log_info(LOGS_DAEMON, 0, "admin API listening on %s", path);
	return 0;
}

int http_listen_all(struct node *n)
{
	int rc;
	if (n->cfg.http_listen[0]) {
		if (!(n->http = new_http(n, route_public)))
			return ENOMEM;
		if ((rc = bind_hostport(n, n->http, "HTTP", n->cfg.http_listen)))
			return rc;
	}
	if (n->cfg.https_listen[0]) {
		if (!(n->https = new_http(n, route_public)))
			return ENOMEM;
		evhttp_set_bevcb(n->https, https_bevcb, n);
		if ((rc = bind_hostport(n, n->https, "HTTPS", n->cfg.https_listen)))
			return rc;
	}
	if ((rc = fileserv_alloc(n)) != 0)
		return rc;
	/* Phones send GET and HEAD only; anything else is answered 405 by servlet_prov. */
	if (n->cfg.tftp_http[0]) {
		if (!(n->tftp = new_http(n, route_tftp)))
			return ENOMEM;
		if ((rc = bind_hostport(n, n->tftp, "provisioning (TFTP over HTTP)",
					n->cfg.tftp_http)))
			return rc;
	}
	if (n->cfg.tftp_https[0]) {
		if (!(n->tftps = new_http(n, route_tftps)))
			return ENOMEM;
		evhttp_set_bevcb(n->tftps, tftps_bevcb, n);
		if ((rc = bind_hostport(n, n->tftps, "provisioning (TFTP over HTTPS)",
					n->cfg.tftp_https)))
			return rc;
	}
	if (!(n->admin = new_http(n, route_admin)))
		return ENOMEM;
	/* Bulk imports carry whole CSV files. */
	evhttp_set_max_body_size(n->admin, 64L * 1024 * 1024);
	return bind_unix(n, n->admin, n->cfg.admin_socket);
}

void http_close_all(struct node *n)
{
	if (n->http)
		evhttp_free(n->http);
	if (n->https)
		evhttp_free(n->https);
	if (n->tftp)
		evhttp_free(n->tftp);
	if (n->tftps)
		evhttp_free(n->tftps);
	n->tftp = n->tftps = NULL;
	if (n->admin) {
		evhttp_free(n->admin);
		unlink(n->cfg.admin_socket);
	}
	n->http = n->https = n->admin = NULL;
}
