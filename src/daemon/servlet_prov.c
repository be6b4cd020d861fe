/* servlet_prov.c -- provisioning over HTTP (CUCM's TFTP-over-HTTP, port 6970) and HTTPS (6971):
 * GET /<name> for every name the file service serves (daemon/fileserv.h, prov/files.h).
 *
 * The raw path goes to the file service as it is: percent-escapes are not decoded, so
 * "%2e%2e", "%2f" and "%00" are characters no file name has, and the name table refuses them
 * (as it refuses '/', "..", NUL), before anything reaches the store. Only GET and HEAD. Status
 * as the phone reads it: 200 with the file; 404 "File not found", final for the phone; 503
 * when the file service is over its in-flight limit, and the phone falls back to TFTP on UDP 69
 * (the lab phone's console log). Headers as CUCM's TFTP sends them (reference 4.1):
 * Cache-Control: no-store, Content-Type: * / * (without the spaces). The file's bytes go out by
 * reference, never copied. tftp.log gets one line per request with its request number. */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/str.h"
#include "daemon/fileserv.h"
#include "daemon/metrics.h"
#include "daemon/node.h"
#include "daemon/servlet.h"

/* One request between the router and the file service's answer. */
struct prov_http {
	struct node *node;
	struct evhttp_request *req;
	uint64_t reqno;
	struct timespec t0;
	int tls;
	char ip[64];
	char shown[96]; /* the path as the log shows it: controls replaced, cut */
};

static void drop_body(const void *data, size_t len, void *extra)
{
	(void)data;
	(void)len;
	fileserv_body_unref(extra);
}

/* 200 with the body by reference: the output buffer holds a reference until it is sent. */
static void reply_file(struct node *n, struct evhttp_request *req, struct fileserv_body *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *out = evbuffer_new();

	evhttp_add_header(h, "Content-Type", "*/*");
	evhttp_add_header(h, "Cache-Control", "no-store");
	fileserv_body_ref(body);
	if (!out || evbuffer_add_reference(out, body->data, body->len, drop_body, body) != 0) {
		fileserv_body_unref(body);
		if (out)
			evbuffer_free(out);
		http_reply(n, req, 503, "text/plain", "out of memory\n", 14);
		return;
	}
	metrics_count_http(n->metrics, 200);
	evhttp_send_reply(req, 200, "OK", out);
	evbuffer_free(out);
}

static void prov_http_done(void *arg, const struct fileserv_result *r)
{
	struct prov_http *p = arg;
	struct node *n = p->node;
	const char *proto = p->tls ? "HTTPS" : "HTTP";
	const char *label = r->req ? prov_file_kind_label(r->req->kind) : "";

	switch (r->status) {
	case 200:
		log_info(LOGS_TFTP, p->reqno,
			 "%s %s GET %s (%s, %zu bytes, version %s, %s) in %.2f ms", p->ip, proto,
			 r->req->name, label, r->body->len, r->version,
			 r->cached ? "cached" : "built", clock_elapsed_ms(&p->t0));
		reply_file(n, p->req, r->body);
		fileserv_body_unref(r->body);
		break;
	case 404:
		if (r->req)
			log_info(LOGS_TFTP, p->reqno, "%s %s GET %s (%s): %s (404)", p->ip, proto,
				 r->req->name, label, r->why);
		else
			log_info(LOGS_TFTP, p->reqno, "%s %s GET %s: %s (404)", p->ip, proto,
				 p->shown, r->why);
		http_reply(n, p->req, 404, "text/plain", "File not found\n", 15);
		break;
	default:
		log_warnx(LOGS_TFTP, p->reqno, "%s %s GET %s: %s, %u lookups in flight (%d)", p->ip,
			  proto, p->shown, r->why, fileserv_inflight(n), r->status);
		http_reply(n, p->req, r->status == 503 ? 503 : 500, "text/plain", "try again\n",
			   10);
		break;
	}
	free(p);
}

void servlet_prov(struct node *n, struct evhttp_request *req, int tls)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	struct prov_http *p;

	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
		http_reply(n, req, 405, "text/plain", "use GET\n", 8);
		return;
	}
	if (!(p = calloc(1, sizeof(*p)))) {
		http_reply(n, req, 503, "text/plain", "out of memory\n", 14);
		return;
	}
	p->node = n;
	p->req = req;
	p->reqno = node_next_reqno(n);
	p->t0 = clock_start();
	p->tls = tls;
	http_peer_ip(req, p->ip, sizeof(p->ip));
	if (!path)
		path = "";
	size_t i = 0;
	for (const char *c = path; *c && i + 1 < sizeof(p->shown); c++)
		p->shown[i++] = ((unsigned char)*c < 0x20 || *c == 0x7f) ? '?' : *c;
	p->shown[i] = '\0';
	if (path[0] != '/') {
		prov_http_done(p, &(struct fileserv_result){
				      .status = 404, .version = "", .why = "not a file we serve"});
		return;
	}
	fileserv_get(n, path + 1, strlen(path + 1), p->reqno, prov_http_done, p);
}
