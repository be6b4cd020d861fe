/* emcc_login.c -- the visiting side of an EMCC login on the loop thread, and the checkUser fan-out
 * it shares with `emcc cluster lookup`.
 *
 * A login (emcc_visiting_login) after the phone passed the visiting checks on a worker:
 *  1. the home: the user -> home cache, else checkUser to every EMCC-enabled remote cluster at
 *     once, "down" ones too (a stale status never fails a login; they are probed right away).
 *     The answer is the first claiming cluster in cluster-id order once every cluster before it
 *     in that order has answered or failed (emcc_decide);
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
 * Lifetime: a struct login_op owns itself and the phone's request. It lives while the phone has
 * not been answered (finish) or a callback it started has not come back (op->pending counts the
 * checkUser answers, the homeLogin answer and the visit record). Each callback first takes its
 * own count back and then ends in exactly one next step, or in op_settle, which frees the op once
 * both are over. Nothing touches an op after handing it on: a peer call may answer before it
 * returns. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/str.h"
#include "core/workq.h"
#include "daemon/emcc_int.h"
#include "daemon/emcc_visiting.h"
#include "daemon/job.h"
#include "daemon/node.h"
#include "emcc/msg.h"
#include "emcc/replay.h"

#define REPLAY_CAPACITY 65536

#define LOGIN_FMT "%llu:%s: "
#define LOGIN_ARGS(op) (unsigned long long)(op)->reqno, (op)->n->cfg.cluster_id

struct login_op {
	struct node *n;
	struct emcc_login *l; /* the phone's request: answered by finish, freed with the op */
	uint64_t reqno;
	size_t pending; /* callbacks started and not come back */
	int answered;	/* finish ran */
	int decided, from_cache;
	size_t home;		   /* l->chk->clusters[home] once decided */
	enum emcc_answer *answers; /* checkUser, per cluster in l->chk's (cluster-id) order */
};

int emcc_send(struct node *n, const struct em_emcc_cluster *c, struct emcc_msg *m, uint64_t reqno,
	      int timeout_ms, emcc_peer_cb cb, void *arg)
{
	struct emcc_peer_call call = {.from = n->cfg.cluster_id,
				      .to = {c->id, c->address, c->fingerprint},
				      .reqno = reqno,
				      .timeout_ms = timeout_ms};

	return emcc_peer_call(n->emcc_client, &call, m, cb, arg);
}

/* ---- the op's life ---- */

static void login_free(struct emcc_login *l)
{
	explicit_bzero(l->pin, sizeof(l->pin));
	free(l->chk);
	free(l);
}

/* Answers a phone whose login never became an op, and frees its request. */
static void login_refuse(struct emcc_login *l, int code, const char *reason)
{
	l->done(l->arg, code, reason, "");
	login_free(l);
}

static void op_free(struct login_op *op)
{
	if (op->l)
		login_free(op->l);
	free(op->answers);
	free(op);
}

/* A login op for l; l becomes the op's only on success. Sets *opp only on success. */
static int op_alloc(struct login_op **opp, struct node *n, struct emcc_login *l)
{
	struct login_op *op = calloc(1, sizeof(*op));
	int rc = 0;

	if (!op)
		return ENOMEM;
	op->answers = calloc(l->chk->nclusters ? l->chk->nclusters : 1, sizeof(*op->answers));
	if (!op->answers) {
		rc = ENOMEM;
		goto out;
	}
	op->n = n;
	op->reqno = l->reqno;
	op->l = l;
out:
	if (rc)
		op_free(op);
	else
		*opp = op;
	return rc;
}

/* Answers the phone: code 0 = logged in with profile. Once per op. */
static void finish(struct login_op *op, int code, const char *reason, const char *profile)
{
	struct emcc_login *l = op->l;

	op->answered = 1;
	emcc_busy_release(&op->n->emcc_vis->busy, l->device);
	l->done(l->arg, code, reason ? reason : "", profile ? profile : "");
	explicit_bzero(l->pin, sizeof(l->pin));
}

/* The end of every step that starts nothing more: frees the op once the phone is answered and
 * every callback it started is back. */
static void op_settle(struct login_op *op)
{
	if (op->answered && op->pending == 0)
		op_free(op);
}

/* ---- the visit, recorded on a worker ---- */

struct record_job {
	struct job base;     /* first; remote_ip is the phone's */
	struct login_op *op; /* NULL: an undo only (no login waits) */
	int undo_only;
	char device[LIM_ID_MAX], user[LIM_ID_MAX], home[LIM_ID_MAX];
	char profile[LIM_ID_MAX];
	char tftp[EMCC_ADDR_MAX], cm[EMCC_ADDR_MAX], tvs[EMCC_ADDR_MAX];
	int64_t duration;
	struct em_result res;
	int rc;
	int undo_queued;
};

static void record_work(struct workq_job *job, void *thread_ctx)
{
	struct record_job *j = (struct record_job *)job;
	struct worker *w = thread_ctx;

	struct em_ctx ctx = job_begin(w, &j->base, "phone", j->base.remote_ip);
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
		    .home_reqno = j->base.reqno,
		};
		j->rc = em_emcc_visit_record(&ctx, &v, &j->res);
		if (j->rc == 0)
			return;
	}
	if (em_emcc_outbox_queue(&ctx, j->home, "homeLogout", j->device, j->user,
				 j->undo_only ? "undo: no answer" : "undo: not recorded") == 0)
		j->undo_queued = 1;
}

/* The log lines of an undo: queued, or not (then the home keeps the login until its
 * maintenance). */
static void log_undo(struct node *n, const struct record_job *j)
{
	uint64_t reqno = j->base.reqno;

	if (j->undo_queued) {
		log_info(LOGS_EMCC, reqno, "%llu:%s: homeLogout %s device=%s queued for %s (undo)",
			 (unsigned long long)reqno, n->cfg.cluster_id, j->user, j->device, j->home);
		emcc_outbox_kick(n);
	} else {
		log_errorx(LOGS_EMCC, reqno,
			   "%llu:%s: undo homeLogout for %s device=%s NOT queued: %s keeps "
			   "the login until its expired EMCC device maintenance",
			   (unsigned long long)reqno, n->cfg.cluster_id, j->user, j->device,
			   j->home);
	}
}

static void record_done(struct workq_job *job)
{
	struct record_job *j = (struct record_job *)job;
	struct node *n = j->base.node;
	struct login_op *op = j->op;
	uint64_t reqno = j->base.reqno;

	if (job->batch_error) {
		j->rc = j->rc ? j->rc : EIO;
		j->res.code = EM_DATABASE_ERROR;
		snprintf(j->res.text, sizeof(j->res.text), "the commit failed");
		j->undo_queued = 0;
	}
	job_answer(&j->base, job->batch_error, 0, NULL, NULL, 0); /* no request: the phones only */
	n->emcc_vis->records++;
	if (!j->undo_only && j->rc)
		log_warnx(LOGS_EMCC, reqno, "%llu:%s: visit of %s on %s not recorded: %d %s",
			  (unsigned long long)reqno, n->cfg.cluster_id, j->user, j->device,
			  j->res.code, j->res.text);
	if (j->undo_only || j->rc)
		log_undo(n, j);
	if (op) {
		op->pending--;
		if (j->rc == 0)
			finish(op, 0, NULL, j->profile);
		else
			finish(op, j->res.code, j->res.text, NULL);
		op_settle(op);
	}
	free(j);
}

/* A record job for op's login at its home, with the home's answer m (NULL for an undo). */
static struct record_job *record_job_new(const struct login_op *op, const struct emcc_msg *m)
{
	const struct emcc_login *l = op->l;
	struct record_job *j = job_new(op->n, NULL, sizeof(*j), op->reqno);

	if (!j)
		return NULL;
	snprintf(j->device, sizeof(j->device), "%s", l->device);
	snprintf(j->user, sizeof(j->user), "%s", l->user_id);
	snprintf(j->home, sizeof(j->home), "%s", l->chk->clusters[op->home].id);
	str_copy(j->base.remote_ip, sizeof(j->base.remote_ip), l->remote_ip);
	if (m) {
		snprintf(j->profile, sizeof(j->profile), "%s", m->device_profile);
		snprintf(j->tftp, sizeof(j->tftp), "%s", m->tftp_server);
		snprintf(j->cm, sizeof(j->cm), "%s", m->call_manager);
		snprintf(j->tvs, sizeof(j->tvs), "%s", m->tvs);
		j->duration = m->login_duration;
	}
	return j;
}

/* The home may have logged the user in although we cannot tell: a homeLogout through the
 * outbox makes sure. Nobody waits for it. */
static void undo(const struct login_op *op)
{
	struct record_job *j = record_job_new(op, NULL);

	if (!j)
		return;
	j->undo_only = 1;
	job_submit(&j->base, record_work, record_done, 0);
}

/* Step: the home said yes; the visit is recorded, then the phone is answered. */
static void record(struct login_op *op, const struct emcc_msg *m)
{
	struct record_job *j = record_job_new(op, m);

	if (!j) {
		finish(op, EM_UNKNOWN_ERROR, "out of memory", NULL);
		op_settle(op);
		return;
	}
	j->op = op;
	op->pending++;
	job_submit(&j->base, record_work, record_done, 0);
}

/* ---- homeLogin ---- */

static void home_login_unanswered(struct login_op *op, const char *why)
{
	struct emcc_login *l = op->l;
	const struct em_emcc_cluster *home = &l->chk->clusters[op->home];
	char reason[400];

	log_warnx(LOGS_EMCC, op->reqno, LOGIN_FMT "homeLogin %s device=%s: no answer from %s: %s",
		  LOGIN_ARGS(op), l->user_id, l->device, home->id, why);
	if (op->from_cache)
		emcc_home_cache_drop(&op->n->emcc_vis->cache, l->user_id);
	undo(op);
	snprintf(reason, sizeof(reason), "home %s did not answer homeLogin: %s", home->id, why);
	finish(op, op->from_cache ? EMAPP_EMSERVICE_CONNECTION_ERROR : EM_NO_RESPONSE_FROM_REMOTE,
	       reason, NULL);
	op_settle(op);
}

static void home_login_accepted(struct login_op *op, const struct emcc_msg *m)
{
	struct emcc_login *l = op->l;
	const struct em_emcc_cluster *home = &l->chk->clusters[op->home];

	log_info(LOGS_EMCC, op->reqno,
		 LOGIN_FMT "homeLogin %s device=%s accepted by %s: profile %s, duration %llds, "
			   "tftp %s, callManager %s, tvs %s",
		 LOGIN_ARGS(op), l->user_id, l->device, home->id, m->device_profile,
		 (long long)m->login_duration, m->tftp_server, m->call_manager, m->tvs);
	emcc_home_cache_put(&op->n->emcc_vis->cache, l->user_id, home->id,
			    clock_now_ms() + (int64_t)l->cache_seconds * 1000);
	record(op, m);
}

static void home_login_refused(struct login_op *op, const struct emcc_msg *m)
{
	struct emcc_login *l = op->l;
	const struct em_emcc_cluster *home = &l->chk->clusters[op->home];
	/* a wrong PIN is the phone's 201 at home too: no PIN oracle */
	int code = m->error_code == EM_AUTH_ERROR ? EMAPP_AUTH_ERROR : m->error_code;
	char reason[400];

	log_info(LOGS_EMCC, op->reqno, LOGIN_FMT "homeLogin %s device=%s refused by %s: %d %s",
		 LOGIN_ARGS(op), l->user_id, l->device, home->id, m->error_code, m->error_text);
	snprintf(reason, sizeof(reason), "home %s refused: %d %s", home->id, m->error_code,
		 m->error_text);
	if (m->error_code == EM_USER_NOT_FOUND)
		emcc_home_cache_drop(&op->n->emcc_vis->cache, l->user_id);
	finish(op, code, reason, NULL);
	op_settle(op);
}

static void home_login_unexpected(struct login_op *op, const struct emcc_msg *m)
{
	log_warnx(LOGS_EMCC, op->reqno, LOGIN_FMT "homeLogin: %s answered %s", LOGIN_ARGS(op),
		  op->l->chk->clusters[op->home].id, emcc_msg_kind_name(m->kind));
	undo(op);
	finish(op, EM_NO_RESPONSE_FROM_REMOTE, "unexpected answer to homeLogin", NULL);
	op_settle(op);
}

static void on_home_login(void *arg, const struct emcc_peer_result *r)
{
	struct login_op *op = arg;
	const struct emcc_msg *m = r->outcome == EMCC_PEER_OK ? r->msg : NULL;

	op->pending--;
	if (!m)
		home_login_unanswered(op, r->why);
	else if (m->kind == EMCC_RESP_HOME_LOGIN)
		home_login_accepted(op, m);
	else if (m->kind == EMCC_RESP_FAILURE)
		home_login_refused(op, m);
	else
		home_login_unexpected(op, m);
}

/* Step: homeLogin to the home (op->home). */
static void home_login(struct login_op *op)
{
	struct emcc_login *l = op->l;
	const struct em_emcc_cluster *home = &l->chk->clusters[op->home];
	struct emcc_msg *m = malloc(sizeof(*m));
	int rc;

	if (!m) {
		finish(op, EM_UNKNOWN_ERROR, "out of memory", NULL);
		op_settle(op);
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
	log_info(LOGS_EMCC, op->reqno, LOGIN_FMT "homeLogin %s device=%s model=%s -> %s (%s)%s",
		 LOGIN_ARGS(op), l->user_id, l->device, l->chk->model, home->id, home->address,
		 op->from_cache ? " (cached home)" : "");
	op->pending++;
	rc = emcc_send(op->n, home, m, op->reqno, l->timeout_ms, on_home_login, op);
	explicit_bzero(m, sizeof(*m)); /* the PIN */
	free(m);
	if (rc == 0)
		return; /* on_home_login has the op now */
	op->pending--;
	log_warnc(LOGS_EMCC, op->reqno, rc, LOGIN_FMT "homeLogin to %s not sent", LOGIN_ARGS(op),
		  home->id);
	finish(op, EMAPP_EMSERVICE_CONNECTION_ERROR, "homeLogin could not be sent", NULL);
	op_settle(op);
}

/* ---- finding the home ---- */

/* Step: the home, once the answers so far allow it. */
static void decide(struct login_op *op)
{
	struct emcc_login *l = op->l;

	switch (emcc_decide(op->answers, l->chk->nclusters, &op->home)) {
	case EMCC_VERDICT_WAIT: break;
	case EMCC_VERDICT_HOME:
		op->decided = 1;
		log_info(LOGS_EMCC, op->reqno, LOGIN_FMT "home of %s is %s", LOGIN_ARGS(op),
			 l->user_id, l->chk->clusters[op->home].id);
		home_login(op);
		return;
	case EMCC_VERDICT_NOT_FOUND:
		op->decided = 1;
		log_info(LOGS_EMCC, op->reqno, LOGIN_FMT "no remote cluster has user %s",
			 LOGIN_ARGS(op), l->user_id);
		finish(op, EM_USER_NOT_FOUND, "no remote cluster has the user", NULL);
		break;
	case EMCC_VERDICT_NO_ANSWER:
		op->decided = 1;
		log_warnx(LOGS_EMCC, op->reqno,
			  LOGIN_FMT "checkUser %s: no remote cluster answered", LOGIN_ARGS(op),
			  l->user_id);
		finish(op, EMAPP_EMSERVICE_CONNECTION_ERROR, "no remote cluster answered", NULL);
		break;
	}
	op_settle(op);
}

static void on_check_user(void *arg, size_t i, const struct emcc_msg *m, const char *why)
{
	struct login_op *op = arg;
	const struct em_emcc_cluster *clusters = op->l->chk->clusters;
	const char *user = op->l->user_id, *id = clusters[i].id;

	op->pending--;
	if (!m) {
		op->answers[i] = EMCC_ANSWER_NONE;
		log_warnx(LOGS_EMCC, op->reqno, LOGIN_FMT "checkUser %s: no answer from %s: %s",
			  LOGIN_ARGS(op), user, id, why);
	} else if (m->kind == EMCC_RESP_CHECK_USER) {
		op->answers[i] = m->user_exists ? EMCC_ANSWER_EXISTS : EMCC_ANSWER_NOT_HERE;
		log_debug(LOGS_EMCC, op->reqno, LOGIN_FMT "checkUser %s: %s %s", LOGIN_ARGS(op),
			  user, id, m->user_exists ? "has the user" : "does not have the user");
		if (m->user_exists && op->decided && op->home != i)
			log_warnx(LOGS_EMCC, op->reqno,
				  LOGIN_FMT "user %s is claimed by %s too; %s (first by cluster "
					    "id) is used",
				  LOGIN_ARGS(op), user, id, clusters[op->home].id);
	} else {
		/* A failure (it does not trust us, busy...) counts as not answering. */
		op->answers[i] = EMCC_ANSWER_NONE;
		log_warnx(LOGS_EMCC, op->reqno, LOGIN_FMT "checkUser %s: %s answered %s %d %s",
			  LOGIN_ARGS(op), user, id, emcc_msg_kind_name(m->kind), m->error_code,
			  m->error_text);
	}
	if (op->decided)
		op_settle(op);
	else
		decide(op);
}

/* Step: checkUser to every cluster; on_check_user runs once for each. */
static void find_home(struct login_op *op)
{
	struct emcc_login *l = op->l;

	if (!l->chk->nclusters) {
		decide(op); /* nobody to ask: 208 */
		return;
	}
	op->pending += l->chk->nclusters;
	emcc_check_user_fan_out(op->n, l->chk->clusters, l->chk->nclusters, l->user_id, op->reqno,
				l->timeout_ms, on_check_user, op);
}

/* The cached home's index in chk, or 0 when it is no longer an EMCC-enabled remote cluster. */
static int cached_home(const struct em_emcc_visit_check *chk, const char *id, size_t *home)
{
	for (size_t i = 0; i < chk->nclusters; i++) {
		if (strcmp(chk->clusters[i].id, id) == 0) {
			*home = i;
			return 1;
		}
	}
	return 0;
}

void emcc_visiting_login(struct node *n, struct emcc_login *l)
{
	struct emcc_visiting *v = n->emcc_vis;
	struct login_op *op = NULL;
	const char *cached;
	int rc;

	rc = emcc_busy_take(&v->busy, l->device);
	if (rc) {
		/* the phone is busy with the login that holds it */
		login_refuse(l, rc == EBUSY ? EM_ANOTHER_USER_LOGGED_IN : EM_UNKNOWN_ERROR,
			     rc == EBUSY ? "another EMCC login on this phone is in progress"
					 : "out of memory");
		return;
	}
	if (op_alloc(&op, n, l) != 0) {
		emcc_busy_release(&v->busy, l->device);
		login_refuse(l, EM_UNKNOWN_ERROR, "out of memory");
		return;
	}
	log_info(LOGS_EMCC, op->reqno, LOGIN_FMT "EMCC login %s device=%s: %zu remote cluster(s)",
		 LOGIN_ARGS(op), l->user_id, l->device, l->chk->nclusters);
	cached = emcc_home_cache_get(&v->cache, l->user_id, clock_now_ms());
	if (cached && cached_home(l->chk, cached, &op->home)) {
		op->decided = 1;
		op->from_cache = 1;
		home_login(op);
		return;
	}
	if (cached)
		emcc_home_cache_drop(&v->cache, l->user_id); /* that cluster is gone or disabled */
	find_home(op);
}

/* ---- checkUser to every cluster at once: the login's home search and `emcc cluster lookup` */

struct check_one {
	emcc_check_user_cb cb;
	void *arg;
	size_t i;
};

static void on_check_one(void *arg, const struct emcc_peer_result *r)
{
	struct check_one c = *(struct check_one *)arg;

	free(arg);
	c.cb(c.arg, c.i, r->outcome == EMCC_PEER_OK ? r->msg : NULL, r->why);
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
			*one = (struct check_one){cb, arg, i};
			log_debug(LOGS_EMCC, reqno, "%llu:%s: checkUser %s -> %s (%s, %s)",
				  (unsigned long long)reqno, n->cfg.cluster_id, user, c->id,
				  c->address, c->status);
			rc = emcc_send(n, c, m, reqno, timeout_ms, on_check_one, one);
			if (rc)
				free(one);
		}
		if (rc) {
			snprintf(why, sizeof(why), "not sent: %s", emcc_peer_strerror(rc));
			cb(arg, i, NULL, why);
		}
	}
	free(m);
}

/* ---- the node's visiting side ---- */

int emcc_visiting_start(struct node *n)
{
	struct emcc_visiting *v = calloc(1, sizeof(*v));
	int rc;

	if (!v)
		return ENOMEM;
	n->emcc_vis = v; /* emcc_visiting_stop frees what a failed start made */
	rc = emcc_replay_alloc(&n->emcc_replay, REPLAY_CAPACITY);
	if (rc == 0)
		rc = emcc_outbox_alloc(&v->outbox, n);
	return rc;
}

void emcc_visiting_stop(struct node *n)
{
	struct emcc_visiting *v = n->emcc_vis;

	if (!v)
		return;
	emcc_outbox_free(v->outbox);
	emcc_busy_free(&v->busy);
	free(v);
	n->emcc_vis = NULL;
	emcc_replay_free(n->emcc_replay);
	n->emcc_replay = NULL;
}

int emcc_visiting_busy(struct node *n, const char *device)
{
	return n->emcc_vis ? emcc_busy_has(&n->emcc_vis->busy, device) : 0;
}

uint64_t emcc_visiting_records(struct node *n)
{
	return n->emcc_vis ? n->emcc_vis->records : 0;
}
