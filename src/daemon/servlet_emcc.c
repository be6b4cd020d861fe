/* servlet_emcc.c -- incoming inter-cluster EMCC requests: authenticate the calling cluster, guard
 * against replays, run the policy.
 *
 * The loop thread takes the client certificate's fingerprint (only it may touch the TLS
 * connection) and hands the body to a worker, which parses the <emccRequest>, finds the
 * remote cluster by that fingerprint, checks it is the cluster the message claims to come from,
 * admits the (cluster, nonce) once within REPLAY_WINDOW_MS of its sent time, and runs the
 * operation. Every refusal is answered with an <emccResponse><failure> and logged with the
 * real reason: 35 for a caller we cannot tie to a remote cluster (no certificate, unknown
 * certificate, a certificate of another cluster), 1 for a malformed, wrong-version, stale or
 * replayed message. Log lines carry "<visiting request number>:<visiting cluster>:" so one
 * login can be followed in both clusters' emcc.log. */
#include <event2/buffer.h>
#include <event2/http.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/addr.h"
#include "core/clock.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/log.h"
#include "core/str.h"
#include "core/workq.h"
#include "daemon/emcc_visiting.h"
#include "daemon/job.h"
#include "daemon/node.h"
#include "daemon/servlet.h"
#include "em/em.h"
#include "emapi/emapi.h"
#include "emcc/msg.h"
#include "emcc/replay.h"

#ifndef EMCC_DAEMON_VERSION
#define EMCC_DAEMON_VERSION "0.1.0"
#endif

#define REPLAY_WINDOW_MS (5 * 60 * 1000)

struct emcc_job {
	struct job base;	     /* first */
	char cluster_id[LIM_ID_MAX]; /* ours, copied on the loop thread: every answer carries it */
	char *xml;
	size_t xml_len;
	char fingerprint[65]; /* "" = no client certificate (or plain HTTP) */
	struct buf out;
	int logout_changed;
	/* a visitingLogout that found no visit: when a login of that phone is still in flight
	 * here, its visit may not be committed yet (see emcc_job_done) */
	int vlogout_nothing;
	uint64_t records_at_arrival; /* emcc_visiting_records() when the request came in */
	uint64_t their_reqno;
	char vlogout_device[LIM_ID_MAX];
};

static void store_error_res(struct em_result *res, int err)
{
	res->code = err == EBUSY ? EM_BUSY : EM_DATABASE_ERROR;
	snprintf(res->text, sizeof(res->text), "%s", em_code_text(res->code));
}

/* Our answer's frame: our cluster id and the sender's request number. */
static void answer_init(struct emcc_job *j, struct emcc_msg *a, enum emcc_msg_kind kind,
			uint64_t their_reqno)
{
	emcc_msg_init(a, kind);
	str_copy(a->cluster, sizeof(a->cluster), j->cluster_id);
	a->request_number = their_reqno;
}

static void answer(struct emcc_job *j, const struct emcc_msg *a)
{
	buf_reset(&j->out);
	if (emcc_msg_render(&j->out, a) != 0) {
		/* a value we cannot send (cannot happen with our own texts): a bare failure */
		struct emcc_msg f;
		answer_init(j, &f, EMCC_RESP_FAILURE, a->request_number);
		f.error_code = EM_UNKNOWN_ERROR;
		snprintf(f.error_text, sizeof(f.error_text), "Unknown Error");
		buf_reset(&j->out);
		emcc_msg_render(&j->out, &f);
	}
}

static void failure(struct emcc_job *j, struct emcc_msg *a, uint64_t their_reqno, int code,
		    const char *text)
{
	answer_init(j, a, EMCC_RESP_FAILURE, their_reqno);
	a->error_code = code;
	snprintf(a->error_text, sizeof(a->error_text), "%s",
		 text && *text ? text : em_code_text(code));
	answer(j, a);
}

/* host:port of one of our services for the phone: node_address and port, unless the
 * listener names its own host. */
static void service_addr(char *out, size_t len, const char *listen, const char *node_address,
			 int dflt_port)
{
	struct addr a;

	if (!listen || addr_parse(&a, listen, ADDR_LISTEN, 0) != 0)
		addr_format(out, len, node_address, dflt_port);
	else if (strcmp(a.host, "0.0.0.0") == 0 || strcmp(a.host, "::") == 0)
		addr_format(out, len, node_address, a.port);
	else
		addr_format(out, len, a.host, a.port);
}

/* One incoming request on the worker: the message, our answer, the log prefix
 * "<their request number>:<their cluster>". */
struct incoming {
	struct emcc_job *j;
	struct worker *w;
	struct em_ctx ctx;
	const struct emcc_msg *m;
	struct emcc_msg *a;
	char pfx[96];
};

/* Who is calling: the certificate decides, never the message's own claim; then the replay
 * guard. 0 = a known cluster's fresh message; else the failure is answered and logged. */
static int authenticate(struct incoming *in, struct store_remote_cluster *rc)
{
	struct emcc_job *j = in->j;
	const struct emcc_msg *m = in->m;
	const char *kind = emcc_msg_kind_name(m->kind), *ip = j->base.remote_ip;
	uint64_t reqno = j->base.reqno;
	struct em_result res = {0};
	int r;

	if (!*j->fingerprint) {
		log_warnx(LOGS_EMCC, reqno,
			  "%s: %s from %s refused (35): no client certificate (plain HTTP or none "
			  "sent); claimed cluster %s",
			  in->pfx, kind, ip, m->cluster);
		failure(j, in->a, m->request_number, EM_VISITING_CLUSTER_UNKNOWN, NULL);
		return EPERM;
	}
	r = store_remote_cluster_by_fingerprint(in->w->st, j->fingerprint, rc);
	if (r == ENOENT) {
		log_warnx(
		    LOGS_EMCC, reqno,
		    "%s: %s from %s refused (35): unknown certificate %s (claimed cluster %s)",
		    in->pfx, kind, ip, j->fingerprint, m->cluster);
		failure(j, in->a, m->request_number, EM_VISITING_CLUSTER_UNKNOWN, NULL);
		return EPERM;
	}
	if (r) {
		log_errorc(LOGS_EMCC, reqno, r, "%s: remote cluster lookup", in->pfx);
		store_error_res(&res, r);
		failure(j, in->a, m->request_number, res.code, res.text);
		return r;
	}
	if (strcmp(rc->id, m->cluster) != 0) {
		log_warnx(LOGS_EMCC, reqno,
			  "%s: %s from %s refused (35): the certificate of cluster %s used for "
			  "claimed cluster %s",
			  in->pfx, kind, ip, rc->id, m->cluster);
		failure(j, in->a, m->request_number, EM_VISITING_CLUSTER_UNKNOWN, NULL);
		return EPERM;
	}
	r = emcc_replay_check(j->base.node->emcc_replay, m->cluster, m->nonce, m->sent_ms,
			      clock_now_ms(), REPLAY_WINDOW_MS);
	if (r) {
		const char *why = r == EALREADY ? "replayed message (nonce seen before)"
				  : r == ETIME	? "stale message (sent time outside the window)"
				  : r == ENOSPC ? "replay table full"
						: "bad nonce";
		log_warnx(LOGS_EMCC, reqno, "%s: %s from %s refused: %s", in->pfx, kind, ip, why);
		failure(j, in->a, m->request_number, r == ENOSPC ? EM_BUSY : EM_PARSE_ERROR, why);
		return EPERM;
	}
	return 0;
}

static void do_check_user(struct incoming *in)
{
	const struct emcc_msg *m = in->m;
	struct emcc_msg *a = in->a;
	struct em_result res = {0};
	int exists = 0;
	size_t np = 0;

	answer_init(in->j, a, EMCC_RESP_CHECK_USER, m->request_number);
	str_copy(a->user_id, sizeof(a->user_id), m->user_id);
	int r =
	    em_emcc_check_user(&in->ctx, m->user_id, &exists, a->profiles, EMCC_MAX_PROFILES, &np);
	if (r) {
		store_error_res(&res, r);
		failure(in->j, a, m->request_number, res.code, res.text);
		return;
	}
	a->user_exists = exists;
	a->nprofiles = exists ? np : 0;
	log_info(LOGS_EMCC, in->j->base.reqno, "%s: checkUser %s: %s", in->pfx, m->user_id,
		 exists ? "exists" : "does not exist");
	answer(in->j, a);
}

static void do_home_login(struct incoming *in)
{
	const struct emcc_msg *m = in->m;
	const struct config *cfg = in->w->cfg;
	struct emcc_msg *a = in->a;
	uint64_t reqno = in->j->base.reqno;
	struct em_result res = {0};
	struct em_emcc_home_login_req hr = {
	    .visiting_cluster = m->cluster,
	    .visiting_reqno = m->request_number,
	    .user_id = m->user_id,
	    .pin = m->pin,
	    .device = m->device_name,
	    .model = m->model,
	    .protocol = m->protocol,
	    .login_type = m->login_type,
	    .profile = m->device_profile,
	    .remote_ip = m->remote_ip,
	    .model_enum = m->model_enum,
	    .security_mode = m->security_mode,
	};
	struct em_emcc_home_login_out ho;

	if (m->remote_ip[0])
		in->ctx.remote_ip = m->remote_ip; /* the phone, as a local login records it */
	log_info(LOGS_EMCC, reqno,
		 "%s: homeLogin %s device=%s model=%s protocol=%s securityMode=%d phone=%s",
		 in->pfx, m->user_id, m->device_name, m->model, m->protocol, m->security_mode,
		 m->remote_ip[0] ? m->remote_ip : "?");
	if (em_emcc_home_login(&in->ctx, &hr, &ho, &res) != 0) {
		log_info(LOGS_EMCC, reqno,
			 "%s: homeLogin %s device=%s: failure %d %s; real %d: %s%s", in->pfx,
			 m->user_id, m->device_name, res.code, res.text, ho.real_code, ho.reason,
			 ho.lockout_engaged ? " (lockout engaged)" : "");
		failure(in->j, a, m->request_number, res.code, NULL);
		return;
	}
	answer_init(in->j, a, EMCC_RESP_HOME_LOGIN, m->request_number);
	str_copy(a->device_profile, sizeof(a->device_profile), ho.profile);
	a->login_duration = ho.login_duration;
	service_addr(a->tftp_server, sizeof(a->tftp_server), "", cfg->node_address, 6970);
	service_addr(a->call_manager, sizeof(a->call_manager), cfg->sip_udp, cfg->node_address,
		     5060);
	service_addr(a->tvs, sizeof(a->tvs), "", cfg->node_address, 2445);
	str_copy(a->config_version, sizeof(a->config_version), ho.config_version);
	log_info(LOGS_EMCC, reqno,
		 "%s: homeLogin %s device=%s: success, EMCC device created, profile %s, duration "
		 "%llds, version %s%s",
		 in->pfx, ho.user_id, m->device_name, ho.profile, (long long)ho.login_duration,
		 ho.config_version, ho.superseded ? " (an older login of it ended)" : "");
	answer(in->j, a);
}

/* homeLogout (we are the home) or visitingLogout (we are the visiting cluster). */
static void do_remote_logout(struct incoming *in)
{
	const struct emcc_msg *m = in->m;
	struct emcc_job *j = in->j;
	struct em_result res = {0};
	int ended = 0, home = m->kind == EMCC_REQ_HOME_LOGOUT;
	int r = home ? em_emcc_home_logout(&in->ctx, m->cluster, m->device_name, m->user_id,
					   m->reason, &ended, &res)
		     : em_emcc_visiting_logout(&in->ctx, m->cluster, m->device_name, m->user_id,
					       m->reason, &ended, &res);

	if (r) {
		log_warnx(LOGS_EMCC, j->base.reqno, "%s: %s %s device=%s: failure %d %s", in->pfx,
			  emcc_msg_kind_name(m->kind), m->user_id, m->device_name, res.code,
			  res.text);
		failure(j, in->a, m->request_number, res.code, res.text);
		return;
	}
	if (!home && !ended) {
		j->vlogout_nothing = 1;
		j->their_reqno = m->request_number;
		str_copy(j->vlogout_device, sizeof(j->vlogout_device), m->device_name);
	}
	log_info(LOGS_EMCC, j->base.reqno, "%s: %s %s device=%s (%s): %s", in->pfx,
		 emcc_msg_kind_name(m->kind), m->user_id, m->device_name, m->reason,
		 ended ? "logged out" : "nothing to do (already gone)");
	answer_init(j, in->a, EMCC_RESP_SUCCESS, m->request_number);
	answer(j, in->a);
}

static void do_cluster_info(struct incoming *in)
{
	struct emcc_msg *a = in->a;

	answer_init(in->j, a, EMCC_RESP_CLUSTER_INFO, in->m->request_number);
	str_copy(a->cluster_version, sizeof(a->cluster_version), EMCC_DAEMON_VERSION);
	a->emcc = in->w->params.emcc_active ? 1 : 0;
	a->pstn_access = in->w->params.pstn_access_active ? 1 : 0;
	a->tftp = 0;
	log_debug(LOGS_EMCC, in->j->base.reqno, "%s: clusterInfo", in->pfx);
	answer(in->j, a);
}

static void emcc_job_work(struct workq_job *job, void *thread_ctx)
{
	struct emcc_job *j = (struct emcc_job *)job;
	struct incoming in = {.j = j, .w = thread_ctx};
	struct emcc_msg *m = malloc(sizeof(*m));
	struct store_remote_cluster *rc = malloc(sizeof(*rc));
	struct emcc_msg_error perr = {0};

	in.ctx = job_begin(in.w, &j->base, "emcc", j->base.remote_ip);
	in.m = m;
	in.a = malloc(sizeof(*in.a));
	if (!m || !in.a || !rc) {
		log_errorx(LOGS_EMCC, j->base.reqno, "out of memory");
		goto out;
	}
	if (emcc_msg_parse(j->xml, j->xml_len, m, &perr) != 0) {
		log_warnx(LOGS_EMCC, j->base.reqno, "from %s: refused (%d): %s", j->base.remote_ip,
			  perr.code, perr.text);
		failure(j, in.a, 0, perr.code, perr.text);
		goto out;
	}
	str_printf(in.pfx, sizeof(in.pfx), "%llu:%.64s", (unsigned long long)m->request_number,
		   m->cluster);
	if (!emcc_msg_is_request(m->kind)) {
		log_warnx(LOGS_EMCC, j->base.reqno,
			  "%s: from %s: refused (1): a %s response is no request", in.pfx,
			  j->base.remote_ip, emcc_msg_kind_name(m->kind));
		failure(j, in.a, m->request_number, EM_PARSE_ERROR,
			"Error on Parsing: not a request");
		goto out;
	}
	if (authenticate(&in, rc) != 0)
		goto out;
	switch (m->kind) {
	case EMCC_REQ_CHECK_USER: do_check_user(&in); break;
	case EMCC_REQ_HOME_LOGIN: do_home_login(&in); break;
	case EMCC_REQ_HOME_LOGOUT:
	case EMCC_REQ_VISITING_LOGOUT: do_remote_logout(&in); break;
	case EMCC_REQ_CLUSTER_INFO: do_cluster_info(&in); break;
	default: failure(j, in.a, m->request_number, EM_QUERY_TYPE_UNDETERMINED, NULL); break;
	}
out:
	if (m)
		explicit_bzero(m, sizeof(*m)); /* a homeLogin holds the PIN */
	free(m);
	free(in.a);
	free(rc);
	if (j->xml)
		explicit_bzero(j->xml, j->xml_len);
}

static void emcc_job_done(struct workq_job *job)
{
	struct emcc_job *j = (struct emcc_job *)job;
	struct node *n = j->base.node;

	if (job->batch_error) {
		struct emcc_msg a;
		answer_init(j, &a, EMCC_RESP_FAILURE, 0);
		a.error_code = EM_DATABASE_ERROR;
		snprintf(a.error_text, sizeof(a.error_text), "%s", em_code_text(EM_DATABASE_ERROR));
		answer(j, &a);
	} else if (j->vlogout_nothing && (emcc_visiting_busy(n, j->vlogout_device) ||
					  emcc_visiting_records(n) != j->records_at_arrival)) {
		/* The home ended a login whose answer is still on its way to its visit record
		 * here (two logins of one user racing under auto logout): "already gone" now would
		 * leave the visit to be recorded after it. Busy: the home's outbox retries, and
		 * then finds the visit (or, if it was not recorded, nothing, not busy). A record
		 * that finished while we looked may have been missed by our read: retry too. */
		struct emcc_msg a;
		answer_init(j, &a, EMCC_RESP_FAILURE, j->their_reqno);
		a.error_code = EM_BUSY;
		snprintf(a.error_text, sizeof(a.error_text),
			 "an EMCC login of %.64s is in progress here; retry", j->vlogout_device);
		answer(j, &a);
		log_info(LOGS_EMCC, j->base.reqno,
			 "visitingLogout device=%s: a login of it is in "
			 "flight: answered busy, the home retries",
			 j->vlogout_device);
	}
	log_debug(LOGS_EMCC, j->base.reqno, "answered in %.2f ms", clock_elapsed_ms(&j->base.t0));
	job_answer(&j->base, job->batch_error, 200, "text/xml; charset=utf-8", j->out.data,
		   j->out.len);
	buf_free(&j->out);
	free(j->xml);
	free(j);
}

int servlet_emcc_try(struct node *n, struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in), xml_len = 0;
	const char *body = (const char *)evbuffer_pullup(in, -1);
	char *xml;
	struct emcc_job *j;
	char ip[64];
	uint64_t reqno;

	/* Cheap first look: both an encoded and a raw <emccRequest> contain "emcc". */
	if (!body || len == 0 || !memmem(body, len, "emcc", 4))
		return 0;
	xml = malloc(EMCC_MSG_MAX_DOC + 1);
	if (!xml)
		return 0;
	if (emapi_form_field(body, len, "xml", xml, EMCC_MSG_MAX_DOC + 1, &xml_len) != 0 ||
	    !emcc_msg_sniff(xml, xml_len)) {
		free(xml);
		return 0;
	}
	reqno = node_next_reqno(n);
	http_peer_ip(req, ip, sizeof(ip));
	if (!job_admit(n, LOGS_EMCC, reqno, ip)) {
		struct buf b;
		struct emcc_msg a;
		emcc_msg_init(&a, EMCC_RESP_FAILURE);
		str_copy(a.cluster, sizeof(a.cluster), n->cfg.cluster_id);
		a.error_code = EM_BUSY;
		str_copy(a.error_text, sizeof(a.error_text), em_code_text(EM_BUSY));
		buf_init(&b);
		emcc_msg_render(&b, &a);
		http_reply(n, req, 200, "text/xml; charset=utf-8", b.data ? b.data : "", b.len);
		buf_free(&b);
		explicit_bzero(xml, xml_len);
		free(xml);
		return 1;
	}
	j = job_new(n, req, sizeof(*j), reqno);
	if (!j) {
		free(xml);
		http_reply(n, req, 503, "text/plain", "out of memory\n", 14);
		return 1;
	}
	evbuffer_drain(in, len);
	str_copy(j->cluster_id, sizeof(j->cluster_id), n->cfg.cluster_id);
	j->xml = xml;
	j->xml_len = xml_len;
	j->records_at_arrival = emcc_visiting_records(n);
	if (http_peer_fingerprint(req, j->fingerprint) != 0)
		j->fingerprint[0] = '\0';
	buf_init(&j->out);
	job_submit(&j->base, emcc_job_work, emcc_job_done, 1);
	return 1;
}
