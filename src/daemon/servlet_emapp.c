/* servlet_emapp.c -- the EM phone app's HTTP edge: /emapp/EMAppServlet, its refresh pages, and the
 * services menu.
 *
 * Same life as an EM API request (servlet_emservice.c): the loop thread admits it or answers
 * 26 when Maximum Concurrent Requests are in flight (CUCM's EMApp goes through EMService, so
 * both count against the one limit), a worker runs the app against its own store connection
 * inside the worker's group-commit batch, and the loop thread answers once the batch is
 * durable -- only then are the phones told (node_changes_flush), so a restart never announces
 * a login that a failed commit took back. emapp.log gets one line per request with its
 * parameters as CUCM's EMApp logs them (the PIN never), then the outcome with the real reason. */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/addr.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/str.h"
#include "core/workq.h"
#include "daemon/emcc_visiting.h"
#include "daemon/job.h"
#include "daemon/node.h"
#include "daemon/servlet.h"
#include "em/em.h"
#include "emapp/app.h"
#include "emapp/phonexml.h"

#define HDR_LOG_MAX 64 /* header values quoted in the log are cut here */

enum emapp_what { W_APP = 1, W_MENU };

struct emapp_job {
	struct job base; /* first */
	enum emapp_what what;
	char *query;
	char accept_language[HDR_LOG_MAX + 1];
	char accept_charset[HDR_LOG_MAX + 1];
	int has_language, has_charset;
	int via_header;
	int https;
	char base_url[CONFIG_STR + 16];
	char http_base_url[CONFIG_STR + 16];
	enum emapp_lang lang;
	enum emapp_charset charset;
	struct buf out; /* the answer's bytes, in the phone's charset */
	char refresh_url[PX_URL_MAX];
	/* EMCC: the login that continues on the loop thread (emcc_visiting.c), and the request
	 * (PIN wiped) the final page is made from. NULL when the answer is ready. */
	struct emcc_login *emcc;
	struct emapp_request *emcc_req;
};

/* A value as the log shows it: "null" when absent (CUCM's Java does the same), control bytes
 * as '?', long values cut (the log line, not the value, is cut). */
static const char *logval(int has, const char *s, char *buf, size_t len)
{
	size_t i = 0;

	if (!has)
		return "null";
	for (; s[i] && i + 1 < len; i++)
		buf[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

/* Renders o in the phone's charset into b. A page that breaks a phone limit (a service name
 * from the database with a control character, say) falls back to a plain error text. */
static void render(struct buf *b, struct px_object *o, enum emapp_lang lang, enum emapp_charset cs,
		   uint64_t reqno)
{
	struct buf xml;

	buf_init(&xml);
	if (px_render(&xml, o) != 0) {
		log_errorx(LOGS_EMAPP, reqno,
			   "page does not fit a Cisco IP Phone object; sent error 0");
		emapp_error_page(o, lang, EM_UNKNOWN_ERROR, 0);
		buf_reset(&xml);
		px_render(&xml, o);
	}
	buf_reset(b);
	if (cs == EMAPP_CHARSET_LATIN1) {
		if (emapp_to_latin1(xml.data ? xml.data : "", xml.len, b) != 0) {
			buf_reset(b);
			buf_append(b, xml.data, xml.len); /* cannot happen: ours is UTF-8 */
		}
	} else {
		buf_append(b, xml.data ? xml.data : "", xml.len);
	}
	buf_free(&xml);
}

static const char *page_name(enum emapp_page p)
{
	switch (p) {
	case EMAPP_PAGE_ERROR: return "error page";
	case EMAPP_PAGE_LOGIN_FORM: return "login page";
	case EMAPP_PAGE_PROFILE_MENU: return "profile menu";
	case EMAPP_PAGE_LOGIN_OK: return "login success page";
	case EMAPP_PAGE_LOGOUT_PROMPT: return "logout page";
	case EMAPP_PAGE_LOGOUT_OK: return "logout success page";
	case EMAPP_PAGE_REFRESH: return "refresh page";
	case EMAPP_PAGE_INIT_SERVICES: return "init services page";
	case EMAPP_PAGE_SERVICES_MENU: return "services menu";
	case EMAPP_PAGE_EMCC_PENDING: return "EMCC login";
	}
	return "page";
}

static void log_request(const struct emapp_job *j, const struct emapp_request *r)
{
	char dev[80], uid[80], prof[80], refr[80], gci[16], logout[16], emcc[16], lt[16];
	char lang[HDR_LOG_MAX + 1], cs[HDR_LOG_MAX + 1];

	log_info(LOGS_EMAPP, j->base.reqno, "EMApp Request# ----->%llu",
		 (unsigned long long)j->base.reqno);
	log_info(LOGS_EMAPP, j->base.reqno, "EMAppServlet: Request protocol is :%s",
		 j->https ? "https" : "http");
	/* CUCM's own line, word for word where it has the field; LoginType and PIN are ours, the
	 * PIN only as whether it was sent. */
	log_info(LOGS_EMAPP, j->base.reqno,
		 "EMApp Request parameters: Logout=%s Device Name=%s User Id=%s Device Profile=%s "
		 "Refresh=%s Remote Host IP Address = %s Via Header Set = %s getClusterInfo = %s "
		 "Lang = %s Charset=%s Emcc = %s LoginType=%s PIN=%s",
		 logval(r->has_do_logout, r->do_logout, logout, sizeof(logout)),
		 logval(r->has_device, r->device, dev, sizeof(dev)),
		 logval(r->has_userid, r->userid, uid, sizeof(uid)),
		 logval(r->has_profile, r->profile, prof, sizeof(prof)),
		 logval(r->has_refresh, r->refresh, refr, sizeof(refr)), j->base.remote_ip,
		 j->via_header ? "true" : "false",
		 logval(r->has_get_cluster_info, r->get_cluster_info, gci, sizeof(gci)),
		 logval(j->has_language, j->accept_language, lang, sizeof(lang)),
		 logval(j->has_charset, j->accept_charset, cs, sizeof(cs)),
		 logval(r->has_emcc, r->emcc, emcc, sizeof(emcc)),
		 logval(r->has_login_type, r->login_type, lt, sizeof(lt)),
		 r->has_pin ? (r->pin[0] ? "sent" : "blank") : "null");
	if (r->error)
		log_warnx(LOGS_EMAPP, j->base.reqno,
			  "parameter %s is unusable (too long or badly encoded)", r->error_param);
}

static void log_outcome(const struct emapp_job *j, const struct emapp_request *r,
			const struct emapp_outcome *o)
{
	char dev[80], who[80];
	/* a refresh request names its device only inside the refresh value */
	const char *device = r->has_device || !r->has_refresh
				 ? logval(r->has_device, r->device, dev, sizeof(dev))
				 : logval(1, r->refresh, dev, sizeof(dev));
	const char *user = logval(1, o->user_id[0] ? o->user_id : r->userid, who, sizeof(who));

	switch (o->page) {
	case EMAPP_PAGE_LOGIN_OK:
		log_info(LOGS_EMAPP, j->base.reqno,
			 "Successfully performed Login for user %s at %s (profile %s)", user,
			 device, o->profile);
		break;
	case EMAPP_PAGE_LOGOUT_OK:
		log_info(LOGS_EMAPP, j->base.reqno,
			 "Successfully performed Logout for user %s at %s", user, device);
		break;
	case EMAPP_PAGE_ERROR:
		/* The phone saw only the code; the real reason stays here and in the audit. */
		log_warnx(LOGS_EMAPP, j->base.reqno,
			  "%s failed at %s for user %s: phone shows %d; real %d: %s",
			  (r->has_do_logout		 ? "Logout"
			   : r->has_userid || r->has_pin ? "Login"
							 : "Request"),
			  device, (r->has_userid || o->user_id[0]) ? user : "null", o->code,
			  o->real_code, o->reason[0] ? o->reason : em_code_text(o->real_code));
		if (o->lockout_engaged)
			log_warnx(LOGS_EMAPP, j->base.reqno, "user %s locked out: %s", user,
				  o->reason);
		break;
	default:
		log_info(LOGS_EMAPP, j->base.reqno, "Sent %s for device %s", page_name(o->page),
			 device);
		break;
	}
	log_info(LOGS_EMAPP, j->base.reqno, "my charset =%s, language %s (%.2f ms)",
		 emapp_charset_name(j->charset), emapp_lang_name(j->lang),
		 clock_elapsed_ms(&j->base.t0));
}

/* The user is not ours: the login goes on on the loop thread (emcc_visiting_login), which asks
 * the other clusters; j keeps the request (PIN wiped) to make the final page from. Takes
 * out->emcc. 0, or ENOMEM with nothing kept. */
static int hand_to_emcc(struct emapp_job *j, struct worker *w, const struct emapp_request *r,
			struct emapp_outcome *out)
{
	struct emcc_login *l = calloc(1, sizeof(*l));

	j->emcc_req = l ? malloc(sizeof(*r)) : NULL;
	if (!j->emcc_req) {
		free(l);
		return ENOMEM;
	}
	*j->emcc_req = *r;
	explicit_bzero(j->emcc_req->pin, sizeof(j->emcc_req->pin));
	l->reqno = j->base.reqno;
	str_copy(l->device, sizeof(l->device), r->device);
	str_copy(l->user_id, sizeof(l->user_id), out->user_id);
	str_copy(l->pin, sizeof(l->pin), r->pin);
	str_copy(l->login_type, sizeof(l->login_type),
		 r->has_login_type && r->login_type[0] ? r->login_type : "UID");
	str_copy(l->remote_ip, sizeof(l->remote_ip), j->base.remote_ip);
	l->timeout_ms = w->params.emcc_request_timeout_ms;
	l->cache_seconds = w->params.emcc_home_cache_seconds;
	l->chk = out->emcc;
	out->emcc = NULL;
	j->emcc = l;
	log_info(LOGS_EMAPP, j->base.reqno,
		 "user %s is not ours: EMCC login at %s, asking %zu remote cluster(s)", l->user_id,
		 l->device, l->chk->nclusters);
	return 0;
}

static void emapp_job_work(struct workq_job *job, void *thread_ctx)
{
	struct emapp_job *j = (struct emapp_job *)job;
	struct worker *w = thread_ctx;
	struct emapp_request *r = calloc(1, sizeof(*r));
	struct px_object *o = calloc(1, sizeof(*o));
	struct emapp_outcome out;
	int rc;

	memset(&out, 0, sizeof(out));
	struct em_ctx ctx = job_begin(w, &j->base, "phone", j->base.remote_ip);
	ctx.cache = w->node->cred_cache;
	if (!r || !o) {
		if (o) {
			emapp_error_page(o, j->lang, EM_UNKNOWN_ERROR, 0);
			render(&j->out, o, j->lang, j->charset, j->base.reqno);
		}
		log_errorx(LOGS_EMAPP, j->base.reqno, "out of memory");
		goto out;
	}
	if (emapp_parse_query(j->query, r) == ENOMEM) {
		emapp_error_page(o, j->lang, EM_UNKNOWN_ERROR, 0);
		render(&j->out, o, j->lang, j->charset, j->base.reqno);
		goto out;
	}
	log_request(j, r);

	struct emapp_env env = {j->base_url, j->http_base_url, j->lang};
	rc = j->what == W_MENU ? emapp_services_menu(&ctx, &env, r, o, &out)
			       : emapp_handle(&ctx, &env, r, o, &out);
	if (rc) {
		log_errorc(LOGS_EMAPP, j->base.reqno, rc, "no page could be made");
		out.page = EMAPP_PAGE_ERROR;
		out.code = out.real_code = EM_UNKNOWN_ERROR;
		emapp_error_page(o, j->lang, EM_UNKNOWN_ERROR, 0);
	}
	if (rc == 0 && out.page == EMAPP_PAGE_EMCC_PENDING) {
		if (hand_to_emcc(j, w, r, &out) == 0)
			goto out; /* answered when the other clusters have */
		log_errorx(LOGS_EMAPP, j->base.reqno, "out of memory");
		out.page = EMAPP_PAGE_ERROR;
		out.code = out.real_code = EM_UNKNOWN_ERROR;
		emapp_error_page(o, j->lang, EM_UNKNOWN_ERROR, 0);
	}
	snprintf(j->refresh_url, sizeof(j->refresh_url), "%s", out.refresh_url);
	render(&j->out, o, j->lang, j->charset, j->base.reqno);
	log_outcome(j, r, &out);
out:
	free(out.emcc);
	if (r)
		explicit_bzero(r, sizeof(*r)); /* it held the PIN */
	if (o)
		explicit_bzero(o, sizeof(*o)); /* a profile menu's URLs hold it too */
	free(r);
	free(o);
	if (j->query)
		explicit_bzero(j->query, strlen(j->query));
}

static void emapp_reply(struct emapp_job *j, int batch_error);

/* The EMCC login's end (loop thread): the page, then the answer the phone has waited for. */
static void emapp_emcc_done(void *arg, int code, const char *reason, const char *profile)
{
	struct emapp_job *j = arg;
	struct px_object *o = calloc(1, sizeof(*o));
	struct emapp_outcome out;
	struct emapp_env env = {j->base_url, j->http_base_url, j->lang};

	memset(&out, 0, sizeof(out));
	snprintf(out.user_id, sizeof(out.user_id), "%s", j->emcc_req->userid);
	snprintf(out.profile, sizeof(out.profile), "%s", profile);
	snprintf(out.reason, sizeof(out.reason), "%s", reason);
	out.real_code = code;
	if (o) {
		emapp_emcc_finish(&env, j->emcc_req, code, o, &out);
		render(&j->out, o, j->lang, j->charset, j->base.reqno);
		free(o);
	}
	snprintf(j->refresh_url, sizeof(j->refresh_url), "%s", out.refresh_url);
	log_outcome(j, j->emcc_req, &out);
	emapp_reply(j, 0);
}

static void emapp_job_done(struct workq_job *job)
{
	struct emapp_job *j = (struct emapp_job *)job;
	struct node *n = j->base.node;

	if (j->emcc && !job->batch_error) {
		/* Still counted in em_inflight (Maximum Concurrent Requests) until answered. */
		struct emcc_login *l = j->emcc;
		j->emcc = NULL;
		l->done = emapp_emcc_done;
		l->arg = j;
		emcc_visiting_login(n, l);
		return;
	}
	if (j->emcc) {
		explicit_bzero(j->emcc->pin, sizeof(j->emcc->pin));
		free(j->emcc->chk);
		free(j->emcc);
		j->emcc = NULL;
	}
	if (job->batch_error) {
		/* The page was made before the commit, which failed: nothing of it happened. */
		struct px_object *o = calloc(1, sizeof(*o));
		buf_reset(&j->out);
		if (o) {
			emapp_error_page(o, j->lang, EM_DATABASE_ERROR, 0);
			render(&j->out, o, j->lang, j->charset, j->base.reqno);
			free(o);
		}
		j->refresh_url[0] = '\0';
		log_errorx(LOGS_EMAPP, j->base.reqno, "not committed: the phone was sent error %d",
			   EM_DATABASE_ERROR);
	}
	emapp_reply(j, job->batch_error);
}

/* The answer the phone waits for; the phones are told of the job's changes unless its batch
 * failed, and the request leaves Maximum Concurrent Requests. */
static void emapp_reply(struct emapp_job *j, int batch_error)
{
	char ctype[64];
	snprintf(ctype, sizeof(ctype), "text/xml; charset=%s", emapp_charset_name(j->charset));
	if (j->refresh_url[0]) {
		/* How phone_refresh.jsp sends the phone on is not captured; an HTTP Refresh header
		 * is what Cisco phones follow from a Text object (reference section 2.1). */
		char hdr[PX_URL_MAX + 16];
		snprintf(hdr, sizeof(hdr), "1; url=%s", j->refresh_url);
		evhttp_add_header(evhttp_request_get_output_headers(j->base.req), "Refresh", hdr);
	}
	job_answer(&j->base, batch_error, 200, ctype, j->out.data, j->out.len);
	if (j->out.data)
		explicit_bzero(j->out.data, j->out.len); /* a profile menu carries the PIN */
	buf_free(&j->out);
	free(j->emcc_req);
	free(j->query);
	free(j);
}

/* http(s)://<node_address>:<port of the listener> */
static void base_url(char *out, size_t len, const char *scheme, const char *host,
		     const char *listen)
{
	struct addr a;
	char hostport[ADDR_MAX];

	if (addr_parse(&a, listen, ADDR_LISTEN, 0) != 0)
		a.port = strcmp(scheme, "https") == 0 ? 8443 : 8080;
	addr_format(hostport, sizeof(hostport), host, a.port);
	snprintf(out, len, "%s://%s", scheme, hostport);
}

static int is_https(struct evhttp_request *req)
{
	struct evhttp_connection *con = evhttp_request_get_connection(req);
	struct bufferevent *bev = con ? evhttp_connection_get_bufferevent(con) : NULL;
	return bev && bufferevent_openssl_get_ssl(bev) != NULL;
}

static void copy_header(struct evkeyvalq *h, const char *name, char *out, size_t len, int *has)
{
	const char *v = evhttp_find_header(h, name);
	*has = v != NULL;
	snprintf(out, len, "%s", v ? v : "");
}

static void admit(struct node *n, struct evhttp_request *req, enum emapp_what what)
{
	uint64_t reqno = node_next_reqno(n);
	struct timespec t0 = clock_start();
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	char ip[64];

	http_peer_ip(req, ip, sizeof(ip));
	/* Cisco IP Phone objects are always fetched with GET (Input objects included). HEAD is
	 * refused too: it must be safe, and a GET here may log someone in or out. */
	if (cmd != EVHTTP_REQ_GET) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET");
		http_reply(n, req, 405, "text/plain", "use GET\n", 8);
		return;
	}
	enum emapp_lang lang = emapp_lang_pick(evhttp_find_header(in, "Accept-Language"));
	enum emapp_charset cs = emapp_charset_pick(evhttp_find_header(in, "Accept-Charset"));

	if (!job_admit(n, LOGS_EMAPP, reqno, ip)) {
		struct px_object *o = calloc(1, sizeof(*o));
		struct buf b;
		char ctype[64];
		buf_init(&b);
		if (o) {
			emapp_error_page(o, lang, EM_BUSY, 0);
			render(&b, o, lang, cs, reqno);
			free(o);
		}
		log_warnx(LOGS_EMAPP, reqno, "sent error %d", EM_BUSY);
		snprintf(ctype, sizeof(ctype), "text/xml; charset=%s", emapp_charset_name(cs));
		http_reply(n, req, 200, ctype, b.data ? b.data : "", b.len);
		buf_free(&b);
		return;
	}

	struct emapp_job *j = job_new(n, req, sizeof(*j), reqno);
	const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	if (!j || !(j->query = strdup(q ? q : ""))) {
		free(j);
		http_reply(n, req, 503, "text/plain", "out of memory\n", 14);
		return;
	}
	j->base.t0 = t0;
	j->what = what;
	j->lang = lang;
	j->charset = cs;
	j->https = is_https(req);
	j->via_header = evhttp_find_header(in, "Via") != NULL;
	copy_header(in, "Accept-Language", j->accept_language, sizeof(j->accept_language),
		    &j->has_language);
	copy_header(in, "Accept-Charset", j->accept_charset, sizeof(j->accept_charset),
		    &j->has_charset);
	if (j->https)
		base_url(j->base_url, sizeof(j->base_url), "https", n->cfg.node_address,
			 n->cfg.https_listen);
	else
		base_url(j->base_url, sizeof(j->base_url), "http", n->cfg.node_address,
			 n->cfg.http_listen);
	base_url(j->http_base_url, sizeof(j->http_base_url), "http", n->cfg.node_address,
		 n->cfg.http_listen);
	buf_init(&j->out);
	job_submit(&j->base, emapp_job_work, emapp_job_done, 1);
}

void servlet_emapp(struct node *n, struct evhttp_request *req)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));

	if (path && strcmp(path, EMAPP_SERVLET_PATH) == 0) {
		admit(n, req, W_APP);
	} else if (path && strcmp(path, EMAPP_INITSERVICES_PATH) == 0) {
		/* No store, no worker: the same answer for every phone. */
		struct px_object *o = calloc(1, sizeof(*o));
		struct buf b;
		buf_init(&b);
		if (o) {
			emapp_init_services(o);
			px_render(&b, o);
			free(o);
		}
		log_info(LOGS_EMAPP, 0, "Sent init services page");
		http_reply(n, req, 200, "text/xml; charset=utf-8", b.data ? b.data : "", b.len);
		buf_free(&b);
	} else {
		http_reply(n, req, 404, "text/plain", "not found\n", 10);
	}
}

void servlet_services_menu(struct node *n, struct evhttp_request *req)
{
	admit(n, req, W_MENU);
}
