/* emcc_visiting.c -- the visiting side of an EMCC login on the loop thread, the outbox sender, and
 * the EMCC timers.
 *
 * A login (emcc_visiting_login) after the phone passed the visiting checks on a worker:
 *  1. the home: the user -> home cache, else checkUser to every EMCC-enabled remote cluster at
 *     once, "down" ones too (a stale status never fails a login; they are probed right away).
 *     The answer is the first claiming cluster in cluster-id order once every cluster before it
 *     in that order has answered or failed: deterministic when two claim the user (logged),
 *     and as fast as the first claim when the claimer comes first;
 *  2. homeLogin to the home;
 *  3. the visit recorded on a worker (em_emcc_visit_record), then the phone's restart NOTIFY
 *     (node_changes_flush) and the success page.
 * Codes for the phone: nobody answered at all -> 208 (the visiting EMService cannot reach a
 * home EMService; also when the cached home does not answer); every cluster answered and none
 * has the user -> 23; the home answered checkUser but not homeLogin -> 40; the home's refusal
 * -> its code, except 2 (wrong PIN, no PIN oracle) -> 201. When homeLogin got no answer, or the
 * visit could not be recorded, a homeLogout goes into the outbox: the home may have logged the
 * user in, and the outbox makes sure both sides end clean.
 *
 * One EMCC login per phone at a time: a second one for the same phone while one is in flight
 * answers 18 at once, so two concurrent logins never both reach the home.
 *
 * The outbox: logouts the other cluster has not acknowledged (store_emcc_outbox_*), written in
 * the transaction of the logout itself (em_logout_locked). A timer (every second, and at once
 * when a logout committed) sends the due rows; an acknowledged row is deleted, a failed one is
 * retried after 1, 2, 4 ... 60 s. */
#include "daemon/emcc_visiting.h"

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/clock.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/log.h"
#include "core/workq.h"
#include "daemon/job.h"
#include "daemon/node.h"
#include "emcc/client.h"
#include "emcc/msg.h"
#include "emcc/replay.h"

#define SERVICE_PATH "/emservice/EMServiceServlet"
#define HOME_CACHE_MAX 1024
#define OUTBOX_BATCH 32
#define OUTBOX_BACKOFF_MAX_MS 60000
#define MAINT_TICK_S 60
#define MAINT_GRACE_S 60 /* the auto logout sweep runs every second: give it that much first */
#define REPLAY_CAPACITY 65536

struct home_entry {
	char user[LIM_ID_MAX];
	char cluster[LIM_ID_MAX];
	int64_t expires_ms;
};

struct emcc_visiting {
	struct home_entry cache[HOME_CACHE_MAX];
	size_t ncache;
	char (*busy)[LIM_ID_MAX]; /* phones with an EMCC login in flight */
	size_t nbusy, capbusy;
	struct event *outbox_timer, *maint_timer;
	int outbox_running, maint_running;
	int64_t maint_last_ms;
	uint64_t records; /* visit records finished (emcc_visiting_records) */
};

/* ---- the home cache and the busy phones (loop thread) ---- */

static const char *cache_get(struct emcc_visiting *v, const char *user, int64_t now)
{
	for (size_t i = 0; i < v->ncache; i++)
		if (strcmp(v->cache[i].user, user) == 0)
			return v->cache[i].expires_ms > now ? v->cache[i].cluster : NULL;
	return NULL;
}

static void cache_drop(struct emcc_visiting *v, const char *user)
{
	for (size_t i = 0; i < v->ncache; i++)
		if (strcmp(v->cache[i].user, user) == 0) {
			v->cache[i] = v->cache[--v->ncache];
			return;
		}
}

static void cache_put(struct emcc_visiting *v, const char *user, const char *cluster,
		      int64_t expires)
{
	struct home_entry *e = NULL;

	cache_drop(v, user);
	if (v->ncache < HOME_CACHE_MAX) {
		e = &v->cache[v->ncache++];
	} else {
		/* full: the entry closest to expiry goes */
		e = &v->cache[0];
		for (size_t i = 1; i < v->ncache; i++)
			if (v->cache[i].expires_ms < e->expires_ms)
				e = &v->cache[i];
	}
	snprintf(e->user, sizeof(e->user), "%s", user);
	snprintf(e->cluster, sizeof(e->cluster), "%s", cluster);
	e->expires_ms = expires;
}

static int busy_take(struct emcc_visiting *v, const char *device)
{
	for (size_t i = 0; i < v->nbusy; i++)
		if (strcmp(v->busy[i], device) == 0)
			return EBUSY;
	if (v->nbusy == v->capbusy) {
		size_t cap = v->capbusy ? v->capbusy * 2 : 16;
		char(*b)[LIM_ID_MAX] = realloc(v->busy, cap * sizeof(*b));
		if (!b)
			return ENOMEM;
		v->busy = b;
		v->capbusy = cap;
	}
	snprintf(v->busy[v->nbusy++], LIM_ID_MAX, "%s", device);
	return 0;
}

int emcc_visiting_busy(struct node *n, const char *device)
{
	if (!n->emcc_vis)
		return 0;
	for (size_t i = 0; i < n->emcc_vis->nbusy; i++)
		if (strcmp(n->emcc_vis->busy[i], device) == 0)
			return 1;
	return 0;
}

uint64_t emcc_visiting_records(struct node *n)
{
	return n->emcc_vis ? n->emcc_vis->records : 0;
}

static void busy_release(struct emcc_visiting *v, const char *device)
{
	for (size_t i = 0; i < v->nbusy; i++)
		if (strcmp(v->busy[i], device) == 0) {
			memcpy(v->busy[i], v->busy[--v->nbusy], LIM_ID_MAX);
			return;
		}
}

/* ---- sending one message ---- */

/* m: the answer when it is one (kind checked by the caller), else NULL and why. */
typedef void (*send_cb)(void *arg, const struct emcc_msg *m, const char *why);

struct send {
	send_cb cb;
	void *arg;
	char cluster[LIM_ID_MAX];
	uint64_t reqno;
};

static void on_answer(void *arg, enum emcc_client_error err, int status, const char *body,
		      size_t len, const char *why)
{
	struct send *s = arg;
	struct emcc_msg *m = NULL;
	struct emcc_msg_error perr = {0};
	char reason[320];

	if (err != EMCC_CLIENT_OK) {
		snprintf(reason, sizeof(reason), "%s: %s", emcc_client_error_name(err),
			 why ? why : "");
		goto fail;
	}
	m = malloc(sizeof(*m));
	if (!m) {
		snprintf(reason, sizeof(reason), "out of memory");
		goto fail;
	}
	if (emcc_msg_parse(body, len, m, &perr) != 0) {
		snprintf(reason, sizeof(reason), "unusable answer (HTTP %d, %zu bytes): %s", status,
			 len, perr.text);
		goto fail;
	}
	if (emcc_msg_is_request(m->kind) || m->version != EMCC_MSG_VERSION) {
		snprintf(reason, sizeof(reason), "unusable answer: %s%s",
			 emcc_msg_kind_name(m->kind),
			 m->version != EMCC_MSG_VERSION ? " without our version" : " (a request)");
		goto fail;
	}
	if (strcmp(m->cluster, s->cluster) != 0 || m->request_number != s->reqno) {
		snprintf(reason, sizeof(reason),
			 "answer claims cluster %.64s request %llu, expected %.64s request %llu",
			 m->cluster, (unsigned long long)m->request_number, s->cluster,
			 (unsigned long long)s->reqno);
		goto fail;
	}
	s->cb(s->arg, m, NULL);
	explicit_bzero(m, sizeof(*m));
	free(m);
	free(s);
	return;
fail:
	free(m);
	s->cb(s->arg, NULL, reason);
	free(s);
}

/* Sends m (cluster, request number, stamp and nonce are filled here) to c. Returns 0 (cb will
 * run once) or an errno value (it will not). */
static int send_msg(struct node *n, const struct em_emcc_cluster *c, struct emcc_msg *m,
		    uint64_t reqno, int timeout_ms, send_cb cb, void *arg)
{
	struct emcc_peer peer;
	struct buf doc, form;
	struct send *s = NULL;
	int rc;

	memset(&peer, 0, sizeof(peer));
	if (!*c->fingerprint)
		return EPERM; /* no certificate imported: we cannot trust any answer */
	struct addr a;
	if (addr_parse(&a, c->address, ADDR_PORT_OPTIONAL, 8443) != 0)
		return EINVAL;
	snprintf(peer.host, sizeof(peer.host), "%s", a.host);
	peer.port = a.port;
	snprintf(peer.cluster, sizeof(peer.cluster), "%s", c->id);
	snprintf(peer.fingerprint, sizeof(peer.fingerprint), "%s", c->fingerprint);
	snprintf(m->cluster, sizeof(m->cluster), "%s", n->cfg.cluster_id);
	m->request_number = reqno;
	m->sent_ms = clock_now_ms();
	if (emcc_replay_nonce(m->nonce) != 0)
		return EIO;
	buf_init(&doc);
	buf_init(&form);
	rc = emcc_msg_render(&doc, m);
	if (rc == 0) {
		buf_puts(&form, "xml=");
		buf_url_escape(&form, doc.data);
		if (form.oom || doc.oom)
			rc = ENOMEM;
	}
	if (rc == 0 && !(s = calloc(1, sizeof(*s))))
		rc = ENOMEM;
	if (rc == 0) {
		s->cb = cb;
		s->arg = arg;
		s->reqno = reqno;
		snprintf(s->cluster, sizeof(s->cluster), "%s", c->id);
		rc = emcc_client_post(n->emcc_client, &peer, SERVICE_PATH, form.data, form.len,
				      timeout_ms, on_answer, s);
		if (rc)
			free(s);
	}
	/* a homeLogin document holds the PIN */
	if (doc.data)
		explicit_bzero(doc.data, doc.len);
	if (form.data)
		explicit_bzero(form.data, form.len);
	buf_free(&doc);
	buf_free(&form);
	return rc;
}

/* ---- the login ---- */

enum cstate { C_PENDING = 0, C_EXISTS, C_NOT_HERE, C_NO_ANSWER };

struct login_op {
	struct node *n;
	struct emcc_login *l; /* NULL once finished */
	int refs;
	int decided;
	int answered_any;
	int from_cache;
	size_t home;
	enum cstate *state;
	uint64_t reqno;
	char user[LIM_ID_MAX];
	char device[LIM_ID_MAX];
};

static void op_unref(struct login_op *op)
{
	if (--op->refs > 0)
		return;
	free(op->state);
	free(op);
}

static void finish(struct login_op *op, int code, const char *reason, const char *profile)
{
	struct emcc_login *l = op->l;

	if (!l)
		return;
	op->l = NULL;
	busy_release(op->n->emcc_vis, op->device);
	l->done(l->arg, code, reason ? reason : "", profile ? profile : "");
	explicit_bzero(l->pin, sizeof(l->pin));
	free(l->chk);
	free(l);
	op_unref(op);
}

/* ---- after the home said yes: the record on a worker ---- */

struct record_job {
	struct workq_job job;
	struct login_op *op; /* NULL: an undo only (no login waits) */
	struct node *node;
	uint64_t reqno;
	int undo_only;
	char device[LIM_ID_MAX], user[LIM_ID_MAX], home[LIM_ID_MAX];
	char profile[LIM_ID_MAX], remote_ip[64];
	char tftp[EMCC_ADDR_MAX], cm[EMCC_ADDR_MAX], tvs[EMCC_ADDR_MAX];
	int64_t duration;
	struct em_result res;
	int rc;
	int undo_queued;
	struct node_changes changes;
};

static void record_work(struct workq_job *job, void *thread_ctx)
{
	struct record_job *j = (struct record_job *)job;
	struct worker *w = thread_ctx;

	node_worker_refresh_params(w);
	j->changes.st = w->st;
	struct em_ctx ctx = job_em_ctx(w, j->reqno, "phone", j->remote_ip, &j->changes);
	if (!j->undo_only) {
		struct em_emcc_visit_record v = {
		    .device = j->device,
		    .user_id = j->user,
		    .profile = j->profile,
		    .home_cluster = j->home,
		    .home_tftp = j->tftp,
		    .home_call_manager = j->cm,
		    .home_tvs = j->tvs,
		    .login_duration = j->duration,
		    .home_reqno = j->reqno,
		};
		j->rc = em_emcc_visit_record(&ctx, &v, &j->res);
		if (j->rc == 0)
			return;
	}
	if (em_emcc_outbox_queue(&ctx, j->home, "homeLogout", j->device, j->user,
				 j->undo_only ? "undo: no answer" : "undo: not recorded") == 0)
		j->undo_queued = 1;
}

static void record_done(struct workq_job *job)
{
	struct record_job *j = (struct record_job *)job;
	struct node *n = j->node;

	if (job->batch_error) {
		j->rc = j->rc ? j->rc : EIO;
		j->res.code = EM_DATABASE_ERROR;
		snprintf(j->res.text, sizeof(j->res.text), "the commit failed");
		j->undo_queued = 0;
	}
	node_changes_flush(n, &j->changes, job->batch_error, j->reqno);
	n->emcc_vis->records++;
	if (!j->undo_only && j->rc)
		log_warnx(LOGS_EMCC, j->reqno, "%llu:%s: visit of %s on %s not recorded: %d %s",
			  (unsigned long long)j->reqno, n->cfg.cluster_id, j->user, j->device,
			  j->res.code, j->res.text);
	if (j->undo_only || j->rc) {
		if (j->undo_queued) {
			log_info(LOGS_EMCC, j->reqno,
				 "%llu:%s: homeLogout %s device=%s queued for %s (undo)",
				 (unsigned long long)j->reqno, n->cfg.cluster_id, j->user,
				 j->device, j->home);
			emcc_outbox_kick(n);
		} else {
			log_errorx(LOGS_EMCC, j->reqno,
				   "%llu:%s: undo homeLogout for %s device=%s NOT queued: %s keeps "
				   "the login until its expired EMCC device maintenance",
				   (unsigned long long)j->reqno, n->cfg.cluster_id, j->user,
				   j->device, j->home);
		}
	}
	if (j->op) {
		if (j->rc == 0)
			finish(j->op, 0, NULL, j->profile);
		else
			finish(j->op, j->res.code, j->res.text, NULL);
		op_unref(j->op);
	}
	free(j);
}

static void submit_record(struct login_op *op, const struct em_emcc_cluster *home,
			  const struct emcc_msg *m, int undo_only)
{
	struct node *n = op->n;
	struct record_job *j = calloc(1, sizeof(*j));

	if (!j) {
		finish(op, EM_UNKNOWN_ERROR, "out of memory", NULL);
		return;
	}
	j->node = n;
	j->reqno = op->reqno;
	j->undo_only = undo_only;
	snprintf(j->device, sizeof(j->device), "%s", op->device);
	snprintf(j->user, sizeof(j->user), "%s", op->user);
	snprintf(j->home, sizeof(j->home), "%s", home->id);
	if (op->l)
		snprintf(j->remote_ip, sizeof(j->remote_ip), "%s", op->l->remote_ip);
	if (m) {
		snprintf(j->profile, sizeof(j->profile), "%s", m->device_profile);
		snprintf(j->tftp, sizeof(j->tftp), "%s", m->tftp_server);
		snprintf(j->cm, sizeof(j->cm), "%s", m->call_manager);
		snprintf(j->tvs, sizeof(j->tvs), "%s", m->tvs);
		j->duration = m->login_duration;
	}
	if (!undo_only) {
		j->op = op;
		op->refs++;
	}
	j->job.work = record_work;
	j->job.done = record_done;
	workq_submit(n->wq, &j->job);
}

/* ---- homeLogin ---- */

static void on_home_login(void *arg, const struct emcc_msg *m, const char *why)
{
	struct login_op *op = arg;
	struct node *n = op->n;
	const struct em_emcc_cluster *home = op->l ? &op->l->chk->clusters[op->home] : NULL;
	char reason[400], home_id[LIM_ID_MAX] = "";

	/* submit_record may finish the login on failure, which frees the cluster list: keep the
	 * home's id for the lines that follow it. */
	if (home)
		snprintf(home_id, sizeof(home_id), "%s", home->id);
	if (!op->l) { /* cannot happen: nothing finishes a login while homeLogin is out */
		op_unref(op);
		return;
	}
	if (!m) {
		log_warnx(LOGS_EMCC, op->reqno,
			  "%llu:%s: homeLogin %s device=%s: no answer from %s: %s",
			  (unsigned long long)op->reqno, n->cfg.cluster_id, op->user, op->device,
			  home->id, why);
		if (op->from_cache)
			cache_drop(n->emcc_vis, op->user);
		/* It may have logged the user in all the same: undo through the outbox. */
		submit_record(op, home, NULL, 1);
		snprintf(reason, sizeof(reason), "home %s did not answer homeLogin: %s", home_id,
			 why);
		finish(op,
		       op->from_cache ? EMAPP_EMSERVICE_CONNECTION_ERROR
				      : EM_NO_RESPONSE_FROM_REMOTE,
		       reason, NULL);
	} else if (m->kind == EMCC_RESP_HOME_LOGIN) {
		log_info(
		    LOGS_EMCC, op->reqno,
		    "%llu:%s: homeLogin %s device=%s accepted by %s: profile %s, duration %llds, "
		    "tftp %s, callManager %s, tvs %s",
		    (unsigned long long)op->reqno, n->cfg.cluster_id, op->user, op->device,
		    home->id, m->device_profile, (long long)m->login_duration, m->tftp_server,
		    m->call_manager, m->tvs);
		cache_put(n->emcc_vis, op->user, home->id,
			  clock_now_ms() + (int64_t)op->l->cache_seconds * 1000);
		submit_record(op, home, m, 0);
	} else if (m->kind == EMCC_RESP_FAILURE) {
		int code = m->error_code == EM_AUTH_ERROR ? EMAPP_AUTH_ERROR : m->error_code;
		log_info(LOGS_EMCC, op->reqno,
			 "%llu:%s: homeLogin %s device=%s refused by %s: %d %s",
			 (unsigned long long)op->reqno, n->cfg.cluster_id, op->user, op->device,
			 home->id, m->error_code, m->error_text);
		snprintf(reason, sizeof(reason), "home %s refused: %d %s", home->id, m->error_code,
			 m->error_text);
		if (m->error_code == EM_USER_NOT_FOUND)
			cache_drop(n->emcc_vis, op->user);
		finish(op, code, reason, NULL);
	} else {
		log_warnx(LOGS_EMCC, op->reqno, "%llu:%s: homeLogin: %s answered %s",
			  (unsigned long long)op->reqno, n->cfg.cluster_id, home->id,
			  emcc_msg_kind_name(m->kind));
		submit_record(op, home, NULL, 1);
		finish(op, EM_NO_RESPONSE_FROM_REMOTE, "unexpected answer to homeLogin", NULL);
	}
	op_unref(op);
}

static void home_login(struct login_op *op)
{
	struct node *n = op->n;
	struct emcc_login *l = op->l;
	const struct em_emcc_cluster *home = &l->chk->clusters[op->home];
	struct emcc_msg *m = malloc(sizeof(*m));
	int rc;

	if (!m) {
		finish(op, EM_UNKNOWN_ERROR, "out of memory", NULL);
		return;
	}
	emcc_msg_init(m, EMCC_REQ_HOME_LOGIN);
	snprintf(m->user_id, sizeof(m->user_id), "%s", l->user_id);
	snprintf(m->pin, sizeof(m->pin), "%s", l->pin);
	snprintf(m->device_name, sizeof(m->device_name), "%s", l->device);
	snprintf(m->model, sizeof(m->model), "%s", l->chk->model);
	m->model_enum = l->chk->model_enum;
	snprintf(m->protocol, sizeof(m->protocol), "%s", l->chk->protocol);
	m->security_mode = l->chk->security_mode;
	snprintf(m->login_type, sizeof(m->login_type), "%s",
		 l->login_type[0] ? l->login_type : "UID");
	snprintf(m->remote_ip, sizeof(m->remote_ip), "%s", l->remote_ip);
	log_info(LOGS_EMCC, op->reqno, "%llu:%s: homeLogin %s device=%s model=%s -> %s (%s)%s",
		 (unsigned long long)op->reqno, n->cfg.cluster_id, l->user_id, l->device,
		 l->chk->model, home->id, home->address, op->from_cache ? " (cached home)" : "");
	op->refs++;
	rc = send_msg(n, home, m, op->reqno, l->timeout_ms, on_home_login, op);
	explicit_bzero(m, sizeof(*m));
	free(m);
	if (rc) {
		op->refs--;
		log_warnc(LOGS_EMCC, op->reqno, rc, "%llu:%s: homeLogin to %s not sent",
			  (unsigned long long)op->reqno, n->cfg.cluster_id, home->id);
		finish(op, EMAPP_EMSERVICE_CONNECTION_ERROR, "homeLogin could not be sent", NULL);
	}
}

/* ---- finding the home ---- */

static void decide(struct login_op *op)
{
	struct node *n = op->n;
	size_t nc;

	if (op->decided || !op->l)
		return;
	nc = op->l->chk->nclusters;
	for (size_t i = 0; i < nc; i++) {
		if (op->state[i] == C_PENDING)
			return; /* an earlier cluster may still claim the user */
		if (op->state[i] == C_EXISTS) {
			op->decided = 1;
			op->home = i;
			log_info(LOGS_EMCC, op->reqno, "%llu:%s: home of %s is %s",
				 (unsigned long long)op->reqno, n->cfg.cluster_id, op->user,
				 op->l->chk->clusters[i].id);
			home_login(op);
			return;
		}
	}
	op->decided = 1;
	if (op->answered_any) {
		log_info(LOGS_EMCC, op->reqno, "%llu:%s: no remote cluster has user %s",
			 (unsigned long long)op->reqno, n->cfg.cluster_id, op->user);
		finish(op, EM_USER_NOT_FOUND, "no remote cluster has the user", NULL);
	} else {
		log_warnx(LOGS_EMCC, op->reqno, "%llu:%s: checkUser %s: no remote cluster answered",
			  (unsigned long long)op->reqno, n->cfg.cluster_id, op->user);
		finish(op, EMAPP_EMSERVICE_CONNECTION_ERROR, "no remote cluster answered", NULL);
	}
}

static void on_check_user(void *arg, size_t i, const struct emcc_msg *m, const char *why)
{
	struct login_op *op = arg;
	const char *id = op->l ? op->l->chk->clusters[i].id : "?";

	if (!m) {
		op->state[i] = C_NO_ANSWER;
		log_warnx(LOGS_EMCC, op->reqno, "%llu:%s: checkUser %s: no answer from %s: %s",
			  (unsigned long long)op->reqno, op->n->cfg.cluster_id, op->user, id, why);
	} else if (m->kind == EMCC_RESP_CHECK_USER) {
		op->answered_any = 1;
		op->state[i] = m->user_exists ? C_EXISTS : C_NOT_HERE;
		log_debug(LOGS_EMCC, op->reqno, "%llu:%s: checkUser %s: %s %s",
			  (unsigned long long)op->reqno, op->n->cfg.cluster_id, op->user, id,
			  m->user_exists ? "has the user" : "does not have the user");
		if (m->user_exists && op->decided && op->l && op->home != i)
			log_warnx(
			    LOGS_EMCC, op->reqno,
			    "%llu:%s: user %s is claimed by %s too; %s (first by cluster id) is "
			    "used",
			    (unsigned long long)op->reqno, op->n->cfg.cluster_id, op->user, id,
			    op->l->chk->clusters[op->home].id);
	} else {
		/* A failure (it does not trust us, busy...) counts as not answering. */
		op->state[i] = C_NO_ANSWER;
		log_warnx(LOGS_EMCC, op->reqno, "%llu:%s: checkUser %s: %s answered %s %d %s",
			  (unsigned long long)op->reqno, op->n->cfg.cluster_id, op->user, id,
			  emcc_msg_kind_name(m->kind), m->error_code, m->error_text);
	}
	decide(op);
	op_unref(op);
}

static void fan_out(struct login_op *op)
{
	struct emcc_login *l = op->l;

	/* one reference per cluster: on_check_user runs once for each */
	op->refs += (int)l->chk->nclusters;
	emcc_check_user_fan_out(op->n, l->chk->clusters, l->chk->nclusters, l->user_id, op->reqno,
				l->timeout_ms, on_check_user, op);
	decide(op);
}

void emcc_visiting_login(struct node *n, struct emcc_login *l)
{
	struct login_op *op = calloc(1, sizeof(*op));
	const char *cached;
	int rc;

	if (!op ||
	    !(op->state = calloc(l->chk->nclusters ? l->chk->nclusters : 1, sizeof(*op->state)))) {
		free(op);
		l->done(l->arg, EM_UNKNOWN_ERROR, "out of memory", "");
		explicit_bzero(l->pin, sizeof(l->pin));
		free(l->chk);
		free(l);
		return;
	}
	op->n = n;
	op->l = l;
	/* one for the login until finish(), one held here while it starts */
	op->refs = 2;
	op->reqno = l->reqno;
	snprintf(op->user, sizeof(op->user), "%s", l->user_id);
	snprintf(op->device, sizeof(op->device), "%s", l->device);
	rc = busy_take(n->emcc_vis, l->device);
	if (rc) {
		/* not through finish: the phone is busy with the login that holds it */
		op->l = NULL;
		l->done(l->arg, rc == EBUSY ? EM_ANOTHER_USER_LOGGED_IN : EM_UNKNOWN_ERROR,
			rc == EBUSY ? "another EMCC login on this phone is in progress"
				    : "out of memory",
			"");
		explicit_bzero(l->pin, sizeof(l->pin));
		free(l->chk);
		free(l);
		free(op->state);
		free(op);
		return;
	}
	log_info(LOGS_EMCC, op->reqno, "%llu:%s: EMCC login %s device=%s: %zu remote cluster(s)",
		 (unsigned long long)op->reqno, n->cfg.cluster_id, l->user_id, l->device,
		 l->chk->nclusters);
	cached = cache_get(n->emcc_vis, l->user_id, clock_now_ms());
	if (cached) {
		for (size_t i = 0; i < l->chk->nclusters; i++) {
			if (strcmp(l->chk->clusters[i].id, cached) == 0) {
				op->decided = 1;
				op->from_cache = 1;
				op->home = i;
				home_login(op);
				op_unref(op);
				return;
			}
		}
		cache_drop(n->emcc_vis, l->user_id); /* that cluster is gone or disabled */
	}
	fan_out(op);
	op_unref(op);
}

/* ---- the outbox ---- */

struct outbox_item {
	struct store_emcc_outbox row;
	struct em_emcc_cluster c;
	int have_cluster;
	int ok;
	char why[256];
};

struct outbox_job {
	struct workq_job job;
	struct node *node;
	int phase; /* 1: read the due rows; 2: apply the outcomes */
	int timeout_ms;
	size_t n, cap, pending;
	struct outbox_item *items;
	uint64_t reqno;
};

struct outbox_collect {
	struct outbox_job *j;
	struct store *st;
};

static int outbox_row(void *arg, const struct store_emcc_outbox *o)
{
	struct outbox_job *j = arg;

	if (j->n == j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 8;
		struct outbox_item *v = realloc(j->items, cap * sizeof(*v));
		if (!v)
			return ENOMEM;
		j->items = v;
		j->cap = cap;
	}
	memset(&j->items[j->n], 0, sizeof(j->items[j->n]));
	j->items[j->n++].row = *o;
	return 0;
}

static int64_t backoff_ms(int attempts)
{
	int64_t ms = 1000;

	for (int i = 0; i < attempts && ms < OUTBOX_BACKOFF_MAX_MS; i++)
		ms *= 2;
	return ms < OUTBOX_BACKOFF_MAX_MS ? ms : OUTBOX_BACKOFF_MAX_MS;
}

static void outbox_work(struct workq_job *job, void *thread_ctx)
{
	struct outbox_job *j = (struct outbox_job *)job;
	struct worker *w = thread_ctx;
	int64_t now = clock_now_ms();

	node_worker_refresh_params(w);
	j->timeout_ms = w->params.emcc_request_timeout_ms;
	if (j->phase == 1) {
		if (store_emcc_outbox_due(w->st, now, OUTBOX_BATCH, outbox_row, j) != 0)
			return;
		for (size_t i = 0; i < j->n; i++) {
			struct store_remote_cluster *rc = malloc(sizeof(*rc));
			if (rc &&
			    store_remote_cluster_get(w->st, j->items[i].row.cluster, rc) == 0) {
				struct em_emcc_cluster *c = &j->items[i].c;
				snprintf(c->id, sizeof(c->id), "%s", rc->id);
				snprintf(c->address, sizeof(c->address), "%s", rc->address);
				snprintf(c->fingerprint, sizeof(c->fingerprint), "%s",
					 rc->cert_sha256);
				j->items[i].have_cluster = 1;
			}
			free(rc);
		}
		return;
	}
	if (store_begin(w->st) != 0)
		return;
	for (size_t i = 0; i < j->n; i++) {
		const struct outbox_item *it = &j->items[i];
		if (it->ok)
			store_emcc_outbox_delete(w->st, it->row.id);
		else
			store_emcc_outbox_attempted(w->st, it->row.id,
						    now + backoff_ms(it->row.attempts));
	}
	if (store_commit(w->st) != 0)
		store_rollback(w->st);
}

static void outbox_submit(struct outbox_job *j, int phase)
{
	j->phase = phase;
	j->job.work = outbox_work;
	workq_submit(j->node->wq, &j->job);
}

static void outbox_sent(struct outbox_job *j)
{
	if (--j->pending == 0)
		outbox_submit(j, 2);
}

struct outbox_send {
	struct outbox_job *j;
	size_t i;
};

static void on_outbox_answer(void *arg, const struct emcc_msg *m, const char *why)
{
	struct outbox_send *s = arg;
	struct outbox_item *it = &s->j->items[s->i];
	struct node *n = s->j->node;

	if (m && m->kind == EMCC_RESP_SUCCESS) {
		it->ok = 1;
		log_info(LOGS_EMCC, s->j->reqno, "%llu:%s: %s %s device=%s delivered to %s",
			 (unsigned long long)s->j->reqno, n->cfg.cluster_id, it->row.kind,
			 it->row.user_id, it->row.device, it->row.cluster);
	} else {
		if (m)
			snprintf(it->why, sizeof(it->why), "%s %d %s", emcc_msg_kind_name(m->kind),
				 m->error_code, m->error_text);
		else
			snprintf(it->why, sizeof(it->why), "%s", why);
		log_warnx(
		    LOGS_EMCC, s->j->reqno,
		    "%llu:%s: %s %s device=%s to %s failed (attempt %d): %s; retry in %lld ms",
		    (unsigned long long)s->j->reqno, n->cfg.cluster_id, it->row.kind,
		    it->row.user_id, it->row.device, it->row.cluster, it->row.attempts + 1, it->why,
		    (long long)backoff_ms(it->row.attempts));
	}
	outbox_sent(s->j);
	free(s);
}

static void outbox_done(struct workq_job *job)
{
	struct outbox_job *j = (struct outbox_job *)job;
	struct node *n = j->node;
	struct emcc_msg *m;

	if (j->phase == 2 || j->n == 0) {
		n->emcc_vis->outbox_running = 0;
		free(j->items);
		free(j);
		return;
	}
	m = malloc(sizeof(*m));
	j->pending = 1; /* held while sending */
	for (size_t i = 0; i < j->n; i++) {
		struct outbox_item *it = &j->items[i];
		struct outbox_send *s = malloc(sizeof(*s));
		int rc = ENOMEM;

		j->pending++;
		if (m && s && it->have_cluster) {
			int home = strcmp(it->row.kind, "homeLogout") == 0;
			emcc_msg_init(m, home ? EMCC_REQ_HOME_LOGOUT : EMCC_REQ_VISITING_LOGOUT);
			snprintf(m->device_name, sizeof(m->device_name), "%s", it->row.device);
			snprintf(m->user_id, sizeof(m->user_id), "%s", it->row.user_id);
			snprintf(m->reason, sizeof(m->reason), "%.64s",
				 it->row.reason[0] ? it->row.reason : "logout");
			s->j = j;
			s->i = i;
			log_info(LOGS_EMCC, j->reqno, "%llu:%s: %s %s device=%s -> %s (%s)",
				 (unsigned long long)j->reqno, n->cfg.cluster_id, it->row.kind,
				 it->row.user_id, it->row.device, it->c.id, it->c.address);
			rc = send_msg(n, &it->c, m, j->reqno, j->timeout_ms, on_outbox_answer, s);
		} else if (!it->have_cluster) {
			rc = ENOENT;
		}
		if (rc) {
			free(s);
			snprintf(it->why, sizeof(it->why), "not sent: %s",
				 rc == EPERM ? "no certificate imported" : strerror(rc));
			log_warnx(LOGS_EMCC, j->reqno, "%llu:%s: %s device=%s to %s %s",
				  (unsigned long long)j->reqno, n->cfg.cluster_id, it->row.kind,
				  it->row.device, it->row.cluster, it->why);
			j->pending--;
		}
	}
	free(m);
	outbox_sent(j);
}

/* A timer's run, one at a time: a zeroed job of size bytes and its request number, or NULL
 * while the last run is still going (or out of memory). Marks it running. */
static void *timer_job_new(struct node *n, int *running, size_t size, uint64_t *reqno)
{
	void *j;

	if (*running || !(j = calloc(1, size)))
		return NULL;
	*running = 1;
	*reqno = node_next_reqno(n);
	return j;
}

static void on_outbox_timer(evutil_socket_t fd, short what, void *arg)
{
	struct node *n = arg;
	uint64_t reqno;
	struct outbox_job *j = timer_job_new(n, &n->emcc_vis->outbox_running, sizeof(*j), &reqno);

	if (!j)
		return;
	j->node = n;
	j->reqno = reqno;
	j->job.done = outbox_done;
	outbox_submit(j, 1);
}

void emcc_outbox_kick(struct node *n)
{
	if (n->emcc_vis && n->emcc_vis->outbox_timer)
		event_active(n->emcc_vis->outbox_timer, EV_TIMEOUT, 0);
}

/* ---- expired EMCC device maintenance ---- */

struct maint_job {
	struct workq_job job;
	struct node *node;
	uint64_t reqno;
	int64_t last_ms;
	int ran;
	size_t removed;
	int rc;
	struct node_changes changes;
};

static void maint_work(struct workq_job *job, void *thread_ctx)
{
	struct maint_job *j = (struct maint_job *)job;
	struct worker *w = thread_ctx;
	int64_t now = clock_now_ms();

	node_worker_refresh_params(w);
	if (j->last_ms && now - j->last_ms < (int64_t)w->params.expired_emcc_device_minutes * 60000)
		return;
	j->ran = 1;
	j->changes.st = w->st;
	struct em_ctx ctx = job_em_ctx(w, j->reqno, "timer", "", &j->changes);
	ctx.now_ms = now;
	j->rc = em_emcc_expire(&ctx, MAINT_GRACE_S, &j->removed);
}

static void maint_done(struct workq_job *job)
{
	struct maint_job *j = (struct maint_job *)job;
	struct node *n = j->node;

	n->emcc_vis->maint_running = 0;
	if (j->ran) {
		n->emcc_vis->maint_last_ms = clock_now_ms();
		if (j->rc)
			log_errorc(LOGS_EMCC, j->reqno, j->rc, "expired EMCC device maintenance");
		else if (j->removed && !job->batch_error)
			log_info(LOGS_EMCC, j->reqno,
				 "expired EMCC device maintenance: %zu EMCC row(s) removed",
				 j->removed);
	}
	node_changes_flush(n, &j->changes, job->batch_error, j->reqno);
	if (j->removed)
		emcc_outbox_kick(n);
	free(j);
}

static void on_maint_timer(evutil_socket_t fd, short what, void *arg)
{
	struct node *n = arg;
	uint64_t reqno;
	struct maint_job *j = timer_job_new(n, &n->emcc_vis->maint_running, sizeof(*j), &reqno);

	if (!j)
		return;
	j->node = n;
	j->reqno = reqno;
	j->last_ms = n->emcc_vis->maint_last_ms;
	job_submit(n, &j->job, maint_work, maint_done, 0);
}

int emcc_visiting_start(struct node *n)
{
	struct timeval one = {1, 0}, tick = {MAINT_TICK_S, 0};
	int rc;

	n->emcc_vis = calloc(1, sizeof(*n->emcc_vis));
	if (!n->emcc_vis)
		return ENOMEM;
	rc = emcc_replay_alloc(&n->emcc_replay, REPLAY_CAPACITY);
	if (rc)
		return rc;
	n->emcc_vis->outbox_timer = event_new(n->base, -1, EV_PERSIST, on_outbox_timer, n);
	n->emcc_vis->maint_timer = event_new(n->base, -1, EV_PERSIST, on_maint_timer, n);
	if (!n->emcc_vis->outbox_timer || !n->emcc_vis->maint_timer)
		return ENOMEM;
	event_add(n->emcc_vis->outbox_timer, &one);
	event_add(n->emcc_vis->maint_timer, &tick);
	on_maint_timer(-1, 0, n); /* rows that expired while we were down go now */
	return 0;
}

void emcc_visiting_stop(struct node *n)
{
	if (!n->emcc_vis)
		return;
	if (n->emcc_vis->outbox_timer)
		event_free(n->emcc_vis->outbox_timer);
	if (n->emcc_vis->maint_timer)
		event_free(n->emcc_vis->maint_timer);
	free(n->emcc_vis->busy);
	free(n->emcc_vis);
	n->emcc_vis = NULL;
	emcc_replay_free(n->emcc_replay);
	n->emcc_replay = NULL;
}

/* ---- checkUser to every cluster at once: the login's home search and `emcc cluster lookup` ----
 */

struct check_one {
	emcc_check_user_cb cb;
	void *arg;
	size_t i;
};

static void on_check_one(void *arg, const struct emcc_msg *m, const char *why)
{
	struct check_one *c = arg;

	c->cb(c->arg, c->i, m, why);
	free(c);
}

void emcc_check_user_fan_out(struct node *n, const struct em_emcc_cluster *clusters,
			     size_t nclusters, const char *user_id, uint64_t reqno, int timeout_ms,
			     emcc_check_user_cb cb, void *arg)
{
	struct emcc_msg *m = malloc(sizeof(*m));
	char user[LIM_ID_MAX];

	/* the last callback may free clusters and user_id: nothing is read after it */
	snprintf(user, sizeof(user), "%s", user_id);
	for (size_t i = 0; i < nclusters; i++) {
		const struct em_emcc_cluster *c = &clusters[i];
		struct check_one *one = m ? malloc(sizeof(*one)) : NULL;
		char why[96];
		int rc = ENOMEM;

		if (one) {
			emcc_msg_init(m, EMCC_REQ_CHECK_USER);
			snprintf(m->user_id, sizeof(m->user_id), "%s", user);
			one->cb = cb;
			one->arg = arg;
			one->i = i;
			log_debug(LOGS_EMCC, reqno, "%llu:%s: checkUser %s -> %s (%s, %s)",
				  (unsigned long long)reqno, n->cfg.cluster_id, user, c->id,
				  c->address, c->status);
			rc = send_msg(n, c, m, reqno, timeout_ms, on_check_one, one);
			if (rc)
				free(one);
		}
		if (rc) {
			snprintf(why, sizeof(why), "not sent: %s",
				 rc == EPERM ? "no certificate imported" : strerror(rc));
			cb(arg, i, NULL, why);
		}
	}
	free(m);
}
