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
	struct workq_job job; /* first: the queue hands us this pointer */
	struct node *node;
	struct evhttp_request *req;
	uint64_t reqno;
	char *xml;
	size_t xml_len;
	char fingerprint[65]; /* "" = no client certificate (or plain HTTP) */
	char remote_ip[64];
	struct timespec t0;
	struct buf out;
	struct node_changes changes;
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
	snprintf(a->cluster, sizeof(a->cluster), "%s", j->node->cfg.cluster_id);
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

static void emcc_job_work(struct workq_job *job, void *thread_ctx)
{
	struct emcc_job *j = (struct emcc_job *)job;
	struct worker *w = thread_ctx;
	struct node *n = j->node;
	struct emcc_msg *m = malloc(sizeof(*m)), *a = malloc(sizeof(*a));
	struct store_remote_cluster *rc = malloc(sizeof(*rc));
	struct emcc_msg_error perr = {0};
	struct em_result res = {0};
	char pfx[96];
	int r;

	node_worker_refresh_params(w);
	j->changes.st = w->st;
	if (!m || !a || !rc) {
		log_errorx(LOGS_EMCC, j->reqno, "out of memory");
		goto out;
	}
	if (emcc_msg_parse(j->xml, j->xml_len, m, &perr) != 0) {
		log_warnx(LOGS_EMCC, j->reqno, "from %s: refused (%d): %s", j->remote_ip, perr.code,
			  perr.text);
		failure(j, a, 0, perr.code, perr.text);
		goto out;
	}
	snprintf(pfx, sizeof(pfx), "%llu:%.64s", (unsigned long long)m->request_number, m->cluster);
	if (!emcc_msg_is_request(m->kind)) {
		log_warnx(LOGS_EMCC, j->reqno,
			  "%s: from %s: refused (1): a %s response is no request", pfx,
			  j->remote_ip, emcc_msg_kind_name(m->kind));
		failure(j, a, m->request_number, EM_PARSE_ERROR, "Error on Parsing: not a request");
		goto out;
	}
	/* Who is calling: the certificate decides, never the message's own claim. */
	if (!*j->fingerprint) {
		log_warnx(LOGS_EMCC, j->reqno,
			  "%s: %s from %s refused (35): no client certificate (plain HTTP or none "
			  "sent); claimed cluster %s",
			  pfx, emcc_msg_kind_name(m->kind), j->remote_ip, m->cluster);
		failure(j, a, m->request_number, EM_VISITING_CLUSTER_UNKNOWN, NULL);
		goto out;
	}
	r = store_remote_cluster_by_fingerprint(w->st, j->fingerprint, rc);
	if (r == ENOENT) {
		log_warnx(
		    LOGS_EMCC, j->reqno,
		    "%s: %s from %s refused (35): unknown certificate %s (claimed cluster %s)", pfx,
		    emcc_msg_kind_name(m->kind), j->remote_ip, j->fingerprint, m->cluster);
		failure(j, a, m->request_number, EM_VISITING_CLUSTER_UNKNOWN, NULL);
		goto out;
	}
	if (r) {
		log_errorc(LOGS_EMCC, j->reqno, r, "%s: remote cluster lookup", pfx);
		store_error_res(&res, r);
		failure(j, a, m->request_number, res.code, res.text);
		goto out;
	}
	if (strcmp(rc->id, m->cluster) != 0) {
		log_warnx(
		    LOGS_EMCC, j->reqno,
		    "%s: %s from %s refused (35): the certificate of cluster %s used for claimed "
		    "cluster %s",
		    pfx, emcc_msg_kind_name(m->kind), j->remote_ip, rc->id, m->cluster);
		failure(j, a, m->request_number, EM_VISITING_CLUSTER_UNKNOWN, NULL);
		goto out;
	}
	r = emcc_replay_check(n->emcc_replay, m->cluster, m->nonce, m->sent_ms, clock_now_ms(),
			      REPLAY_WINDOW_MS);
	if (r) {
		const char *why = r == EALREADY ? "replayed message (nonce seen before)"
				  : r == ETIME	? "stale message (sent time outside the window)"
				  : r == ENOSPC ? "replay table full"
						: "bad nonce";
		log_warnx(LOGS_EMCC, j->reqno, "%s: %s from %s refused: %s", pfx,
			  emcc_msg_kind_name(m->kind), j->remote_ip, why);
		failure(j, a, m->request_number, r == ENOSPC ? EM_BUSY : EM_PARSE_ERROR, why);
		goto out;
	}

	struct em_ctx ctx = job_em_ctx(w, j->reqno, "emcc", j->remote_ip, &j->changes);
	switch (m->kind) {
	case EMCC_REQ_CHECK_USER: {
		int exists = 0;
		size_t np = 0;
		answer_init(j, a, EMCC_RESP_CHECK_USER, m->request_number);
		snprintf(a->user_id, sizeof(a->user_id), "%s", m->user_id);
		r = em_emcc_check_user(&ctx, m->user_id, &exists, a->profiles, EMCC_MAX_PROFILES,
				       &np);
		if (r) {
			store_error_res(&res, r);
			failure(j, a, m->request_number, res.code, res.text);
			break;
		}
		a->user_exists = exists;
		a->nprofiles = exists ? np : 0;
		log_info(LOGS_EMCC, j->reqno, "%s: checkUser %s: %s", pfx, m->user_id,
			 exists ? "exists" : "does not exist");
		answer(j, a);
		break;
	}
	case EMCC_REQ_HOME_LOGIN: {
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
			ctx.remote_ip = m->remote_ip; /* the phone, as a local login records it */
		log_info(LOGS_EMCC, j->reqno,
			 "%s: homeLogin %s device=%s model=%s protocol=%s "
			 "securityMode=%d phone=%s",
			 pfx, m->user_id, m->device_name, m->model, m->protocol, m->security_mode,
			 m->remote_ip[0] ? m->remote_ip : "?");
		r = em_emcc_home_login(&ctx, &hr, &ho, &res);
		if (r) {
			log_info(LOGS_EMCC, j->reqno,
				 "%s: homeLogin %s device=%s: failure %d %s; real "
				 "%d: %s%s",
				 pfx, m->user_id, m->device_name, res.code, res.text, ho.real_code,
				 ho.reason, ho.lockout_engaged ? " (lockout engaged)" : "");
			failure(j, a, m->request_number, res.code, NULL);
			break;
		}
		answer_init(j, a, EMCC_RESP_HOME_LOGIN, m->request_number);
		snprintf(a->device_profile, sizeof(a->device_profile), "%s", ho.profile);
		a->login_duration = ho.login_duration;
		service_addr(a->tftp_server, sizeof(a->tftp_server), "", n->cfg.node_address, 6970);
		service_addr(a->call_manager, sizeof(a->call_manager), n->cfg.sip_udp,
			     n->cfg.node_address, 5060);
		service_addr(a->tvs, sizeof(a->tvs), "", n->cfg.node_address, 2445);
		snprintf(a->config_version, sizeof(a->config_version), "%s", ho.config_version);
		log_info(LOGS_EMCC, j->reqno,
			 "%s: homeLogin %s device=%s: success, EMCC device "
			 "created, profile %s, duration %llds, version %s%s",
			 pfx, ho.user_id, m->device_name, ho.profile, (long long)ho.login_duration,
			 ho.config_version, ho.superseded ? " (an older login of it ended)" : "");
		answer(j, a);
		break;
	}
	case EMCC_REQ_HOME_LOGOUT:
	case EMCC_REQ_VISITING_LOGOUT: {
		int ended = 0, home = m->kind == EMCC_REQ_HOME_LOGOUT;
		r = home ? em_emcc_home_logout(&ctx, m->cluster, m->device_name, m->user_id,
					       m->reason, &ended, &res)
			 : em_emcc_visiting_logout(&ctx, m->cluster, m->device_name, m->user_id,
						   m->reason, &ended, &res);
		if (r) {
			log_warnx(LOGS_EMCC, j->reqno, "%s: %s %s device=%s: failure %d %s", pfx,
				  emcc_msg_kind_name(m->kind), m->user_id, m->device_name, res.code,
				  res.text);
			failure(j, a, m->request_number, res.code, res.text);
			break;
		}
		if (!home && !ended) {
			j->vlogout_nothing = 1;
			j->their_reqno = m->request_number;
			snprintf(j->vlogout_device, sizeof(j->vlogout_device), "%s",
				 m->device_name);
		}
		log_info(LOGS_EMCC, j->reqno, "%s: %s %s device=%s (%s): %s", pfx,
			 emcc_msg_kind_name(m->kind), m->user_id, m->device_name, m->reason,
			 ended ? "logged out" : "nothing to do (already gone)");
		answer_init(j, a, EMCC_RESP_SUCCESS, m->request_number);
		answer(j, a);
		break;
	}
	case EMCC_REQ_CLUSTER_INFO:
		answer_init(j, a, EMCC_RESP_CLUSTER_INFO, m->request_number);
		snprintf(a->cluster_version, sizeof(a->cluster_version), "%s", EMCC_DAEMON_VERSION);
		a->emcc = w->params.emcc_active ? 1 : 0;
		a->pstn_access = w->params.pstn_access_active ? 1 : 0;
		a->tftp = 0;
		log_debug(LOGS_EMCC, j->reqno, "%s: clusterInfo", pfx);
		answer(j, a);
		break;
	default: failure(j, a, m->request_number, EM_QUERY_TYPE_UNDETERMINED, NULL); break;
	}
out:
	if (m)
		explicit_bzero(m, sizeof(*m)); /* a homeLogin holds the PIN */
	free(m);
	free(a);
	free(rc);
	if (j->xml)
		explicit_bzero(j->xml, j->xml_len);
}

static void emcc_job_done(struct workq_job *job)
{
	struct emcc_job *j = (struct emcc_job *)job;
	struct node *n = j->node;

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
		log_info(LOGS_EMCC, j->reqno,
			 "visitingLogout device=%s: a login of it is in "
			 "flight: answered busy, the home retries",
			 j->vlogout_device);
	}
	log_debug(LOGS_EMCC, j->reqno, "answered in %.2f ms", clock_elapsed_ms(&j->t0));
	job_answer(n, j->req, &j->changes, job->batch_error, j->reqno, 1, 200,
		   "text/xml; charset=utf-8", j->out.data, j->out.len);
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
	char ipbuf[64];
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
	const char *ip = http_peer_ip(req, ipbuf, sizeof(ipbuf));
	if (n->em_inflight >= (unsigned)atomic_load(&n->max_concurrent)) {
		struct buf b;
		struct emcc_msg a;
		emcc_msg_init(&a, EMCC_RESP_FAILURE);
		snprintf(a.cluster, sizeof(a.cluster), "%s", n->cfg.cluster_id);
		a.error_code = EM_BUSY;
		snprintf(a.error_text, sizeof(a.error_text), "%s", em_code_text(EM_BUSY));
		buf_init(&b);
		emcc_msg_render(&b, &a);
		log_warnx(LOGS_EMCC, reqno, "from %s: busy, %u requests in flight", ip,
			  n->em_inflight);
		http_reply(n, req, 200, "text/xml; charset=utf-8", b.data ? b.data : "", b.len);
		buf_free(&b);
		explicit_bzero(xml, xml_len);
		free(xml);
		return 1;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		free(xml);
		http_reply(n, req, 503, "text/plain", "out of memory\n", 14);
		return 1;
	}
	evbuffer_drain(in, len);
	j->t0 = clock_start();
	j->node = n;
	j->req = req;
	j->reqno = reqno;
	j->xml = xml;
	j->xml_len = xml_len;
	j->records_at_arrival = emcc_visiting_records(n);
	if (http_peer_fingerprint(req, j->fingerprint) != 0)
		j->fingerprint[0] = '\0';
	snprintf(j->remote_ip, sizeof(j->remote_ip), "%s", ip);
	buf_init(&j->out);
	job_submit(n, &j->job, emcc_job_work, emcc_job_done, 1);
	return 1;
}
