/* servlet.h -- the HTTP edges of a node: EM service API, metrics, admin API, listeners. */
#ifndef EMCC_DAEMON_SERVLET_H
#define EMCC_DAEMON_SERVLET_H

struct node;
struct evhttp_request;

/* POST /emservice/EMServiceServlet (form field xml). */
void servlet_emservice(struct node *n, struct evhttp_request *req);
/* GET /emapp/EMAppServlet (the EM phone app) and /emapp/jsp/... (its refresh pages). */
void servlet_emapp(struct node *n, struct evhttp_request *req);
/* GET /ccmcip/getservicesmenu.jsp?device=...: the phone's services menu. */
void servlet_services_menu(struct node *n, struct evhttp_request *req);
/* GET/HEAD /<file> on the provisioning listeners, HTTP 6970 (tls 0) and HTTPS 6971 (tls 1),
 * through the file service (servlet_prov.c, fileserv.h). */
void servlet_prov(struct node *n, struct evhttp_request *req, int tls);
/* GET /metrics */
void servlet_metrics(struct node *n, struct evhttp_request *req);
/* POST /v1/<noun>/<verb> on the admin socket. */
void servlet_admin(struct node *n, struct evhttp_request *req);

/* Opens the HTTP, HTTPS and admin listeners from n->cfg. Returns 0 or errno (logged). */
int http_listen_all(struct node *n);
void http_close_all(struct node *n);
/* Stops accepting new connections on every listener; open connections go on. */
void http_stop_accepting(struct node *n);

/* Helpers shared by the servlets (loop thread only). */
const char *http_peer_ip(struct evhttp_request *req, char *buf, unsigned len);
/* SHA-256 (lowercase hex) of the client certificate on an HTTPS request: 0, or ENOENT when the
 * request came over plain HTTP or without a certificate. Loop thread. */
int http_peer_fingerprint(struct evhttp_request *req, char hex[65]);
void http_reply(struct node *n, struct evhttp_request *req, int status, const char *ctype,
		const char *body, unsigned long len);

#endif
