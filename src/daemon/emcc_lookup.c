/* emcc_lookup.c -- `emcc cluster lookup USER`: the home search of an EMCC login, answered to the
 * admin instead of a phone.
 *
 * An engineer asks "which cluster would a login of this user go to, and how fast does each
 * remote cluster answer?". The lookup runs the login's own fan-out (emcc_check_user_fan_out:
 * checkUser to every EMCC-enabled remote cluster at once, the same list and order) but never the
 * home cache, needs no PIN and changes nothing. Unlike a login it waits for every answer, so
 * that each remote's answer and time can be shown. A worker reads the clusters and parameters,
 * the loop thread talks to the clusters and answers. */
#include "daemon/emcc_lookup.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/str.h"
#include "core/workq.h"
#include "daemon/emcc_logic.h"
#include "daemon/emcc_visiting.h"
#include "daemon/job.h"
#include "daemon/node.h"
#include "daemon/servlet.h"
#include "em/em.h"
#include "emcc/msg.h"

struct remote {
	double ms;	  /* from the fan-out's start to this answer */
	char reason[400]; /* EMCC_ANSWER_NONE: why */
};

struct lookup {
	struct job base;       /* first */
	char user[LIM_ID_MAX]; /* as given, then normalised */
	/* read on the worker */
	int status; /* 200, or the HTTP status of error */
	char error[256];
	int local, emcc_active, timeout_ms;
	struct em_emcc_visit_check *chk;
	/* the fan-out, on the loop thread */
	struct remote *r;
	enum emcc_answer *answers; /* as a login keeps them, for emcc_decide */
	size_t pending;
	struct timespec t0;
};

/* Milliseconds with three decimals: microseconds are noise, but sub-millisecond is the range. */
static json_t *ms_json(double ms)
{
	return json_real((double)(long long)(ms * 1000.0 + 0.5) / 1000.0);
}

static void lookup_free(struct lookup *lk)
{
	free(lk->chk);
	free(lk->r);
	free(lk->answers);
	free(lk);
}

static void reply(struct lookup *lk, int status, json_t *o)
{
	char *a = o ? json_dumps(o, JSON_COMPACT) : NULL;
	const char *text = a ? a : "{\"error\":\"out of memory\"}";

	http_reply(lk->base.node, lk->base.req, a ? status : 500, "application/json", text,
		   strlen(text));
	free(a);
}

static void fail(struct lookup *lk, int status, const char *error)
{
	json_t *o = json_pack("{s:s}", "error", error);

	log_warnx(LOGS_ADMIN, lk->base.reqno, "cluster/lookup: %d %s", status, error);
	reply(lk, status, o);
	json_decref(o);
	lookup_free(lk);
}

static void lookup_work(struct workq_job *job, void *thread_ctx)
{
	struct lookup *lk = (struct lookup *)job;
	struct worker *w = thread_ctx;
	char uid[LIM_ID_MAX];
	int rc;

	struct em_ctx ctx = job_begin(w, &lk->base, "admin", "local");
	lk->emcc_active = w->params.emcc_active;
	lk->timeout_ms = w->params.emcc_request_timeout_ms;
	/* the login normalises the user ID the same way before it asks anyone */
	if (em_user_id_normalize(lk->user, uid, sizeof(uid)) != 0) {
		lk->status = 400;
		snprintf(lk->error, sizeof(lk->error), "'%s' is not a valid user ID", lk->user);
		return;
	}
	snprintf(lk->user, sizeof(lk->user), "%s", uid);
	lk->chk = calloc(1, sizeof(*lk->chk));
	rc = lk->chk ? em_emcc_is_local_user(&ctx, uid, &lk->local) : ENOMEM;
	if (rc == 0)
		rc = em_emcc_remote_clusters(&ctx, lk->chk);
	if (rc) {
		lk->status = 500;
		snprintf(lk->error, sizeof(lk->error), "cannot read the remote clusters: %s",
			 strerror(rc));
		return;
	}
	lk->status = 200;
}

static const char *answer_name(enum emcc_answer a)
{
	switch (a) {
	case EMCC_ANSWER_EXISTS: return "exists";
	case EMCC_ANSWER_NOT_HERE: return "doesNotExist";
	case EMCC_ANSWER_NONE: return "error";
	case EMCC_ANSWER_PENDING: break;
	}
	return "pending";
}

/* What a login would do, in the order the login checks (local user first, then 211, 36), and
 * then as the login decides (emcc_decide); *home is set for a homeLogin. */
static void login_would(const struct lookup *lk, char *out, size_t len, const char **home)
{
	const struct em_emcc_visit_check *chk = lk->chk;
	size_t h = 0;

	*home = NULL;
	if (lk->local) {
		snprintf(out, len, "local user: the phone logs in here, without EMCC");
		return;
	}
	if (!lk->emcc_active) {
		snprintf(out, len, "211: EMCC is not active in our Intercluster Service Profile");
		return;
	}
	if (!chk->nclusters) {
		snprintf(out, len, "36: no EMCC-enabled remote cluster");
		return;
	}
	switch (emcc_decide(lk->answers, chk->nclusters, &h)) {
	case EMCC_VERDICT_HOME:
		*home = chk->clusters[h].id;
		snprintf(out, len, "homeLogin to %s", *home);
		break;
	case EMCC_VERDICT_NOT_FOUND:
		snprintf(out, len, "23: no remote cluster has the user");
		break;
	case EMCC_VERDICT_NO_ANSWER:
	case EMCC_VERDICT_WAIT: /* every answer is in: cannot be */
		snprintf(out, len, "208: no remote cluster answered");
		break;
	}
}

/* Every cluster answered (or failed): what a login would do, and the answer. */
static void lookup_answer(struct lookup *lk)
{
	struct node *n = lk->base.node;
	const struct em_emcc_visit_check *chk = lk->chk;
	double total = chk->nclusters ? clock_elapsed_ms(&lk->t0) : 0.0;
	json_t *clusters = json_array(), *claimed = json_array(), *o;
	const char *home;
	char login[160];

	for (size_t i = 0; i < chk->nclusters; i++) {
		const struct remote *r = &lk->r[i];
		json_t *row =
		    json_pack("{s:s, s:s, s:s, s:o, s:s}", "id", chk->clusters[i].id, "address",
			      chk->clusters[i].address, "answer", answer_name(lk->answers[i]), "ms",
			      ms_json(r->ms), "reason", r->reason);
		json_array_append_new(clusters, row);
		if (lk->answers[i] == EMCC_ANSWER_EXISTS)
			json_array_append_new(claimed, json_string(chk->clusters[i].id));
	}
	login_would(lk, login, sizeof(login), &home);
	o = json_pack("{s:s, s:b, s:s, s:s?, s:o, s:o, s:o}", "user", lk->user, "local_user",
		      lk->local, "login", login, "home", home, "claimed_by", claimed, "total_ms",
		      ms_json(total), "clusters", clusters);
	if (o && json_array_size(claimed) > 1)
		json_object_set_new(o, "warning",
				    json_string("more than one cluster claims the user: a login "
						"uses the first by cluster id"));
	log_info(LOGS_EMCC, lk->base.reqno,
		 "%llu:%s: lookup %s: %s (%zu remote cluster(s), %.3f ms)",
		 (unsigned long long)lk->base.reqno, n->cfg.cluster_id, lk->user, login,
		 chk->nclusters, total);
	log_info(LOGS_ADMIN, lk->base.reqno, "cluster/lookup: ok");
	reply(lk, 200, o);
	json_decref(o);
	lookup_free(lk);
}

static void on_answer(void *arg, size_t i, const struct emcc_msg *m, const char *why)
{
	struct lookup *lk = arg;
	struct remote *r = &lk->r[i];

	r->ms = clock_elapsed_ms(&lk->t0);
	if (!m) {
		lk->answers[i] = EMCC_ANSWER_NONE;
		snprintf(r->reason, sizeof(r->reason), "no answer: %s", why ? why : "");
	} else if (m->kind == EMCC_RESP_CHECK_USER) {
		lk->answers[i] = m->user_exists ? EMCC_ANSWER_EXISTS : EMCC_ANSWER_NOT_HERE;
	} else {
		lk->answers[i] = EMCC_ANSWER_NONE;
		snprintf(r->reason, sizeof(r->reason), "answered %s %d %s",
			 emcc_msg_kind_name(m->kind), m->error_code, m->error_text);
	}
	if (--lk->pending == 0)
		lookup_answer(lk);
}

static void lookup_done(struct workq_job *job)
{
	struct lookup *lk = (struct lookup *)job;
	size_t nc;

	if (job->batch_error && lk->status == 200) {
		lk->status = 500;
		snprintf(lk->error, sizeof(lk->error), "database error");
	}
	if (lk->status != 200) {
		fail(lk, lk->status, lk->error);
		return;
	}
	nc = lk->chk->nclusters;
	lk->r = calloc(nc ? nc : 1, sizeof(*lk->r));
	lk->answers = calloc(nc ? nc : 1, sizeof(*lk->answers));
	if (!lk->r || !lk->answers) {
		fail(lk, 500, "out of memory");
		return;
	}
	/* held while sending, so that answers cannot finish the lookup before the last send */
	lk->pending = nc + 1;
	lk->t0 = clock_start();
	emcc_check_user_fan_out(lk->base.node, lk->chk->clusters, nc, lk->user, lk->base.reqno,
				lk->timeout_ms, on_answer, lk);
	if (--lk->pending == 0)
		lookup_answer(lk);
}

static void refuse(struct node *n, struct evhttp_request *req, uint64_t reqno, int status,
		   const char *error)
{
	json_t *o = json_pack("{s:s}", "error", error);
	char *a = o ? json_dumps(o, JSON_COMPACT) : NULL;
	const char *text = a ? a : "{\"error\":\"out of memory\"}";

	log_warnx(LOGS_ADMIN, reqno, "cluster/lookup: %d %s", status, error);
	http_reply(n, req, a ? status : 500, "application/json", text, strlen(text));
	free(a);
	json_decref(o);
}

void emcc_lookup_admin(struct node *n, struct evhttp_request *req, uint64_t reqno, json_t *args)
{
	struct lookup *lk;
	json_t *user = json_object_get(args, "user");
	const char *key;
	json_t *v;

	json_object_foreach (args, key, v) {
		if (strcmp(key, "user") != 0) {
			char e[160];
			snprintf(e, sizeof(e), "unknown argument '%.64s'", key);
			refuse(n, req, reqno, 400, e);
			return;
		}
	}
	if (!json_is_string(user) || !json_string_length(user) ||
	    json_string_length(user) >= LIM_ID_MAX) {
		refuse(n, req, reqno, 400, "'user' must be a user ID");
		return;
	}
	lk = job_new(n, req, sizeof(*lk), reqno);
	if (!lk) {
		refuse(n, req, reqno, 503, "out of memory");
		return;
	}
	str_copy(lk->user, sizeof(lk->user), json_string_value(user));
	job_submit(&lk->base, lookup_work, lookup_done, 0);
}
