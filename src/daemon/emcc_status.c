/* emcc_status.c -- Remote Cluster Update (clusterInfo to every remote cluster, periodically and
 * on demand), GET /emcc/bundle, and the admin commands for trust and remote clusters.
 *
 * The store is only touched on workers and the network only from the loop thread, so a
 * command that needs both runs as a relay: a worker job reads or checks, the loop thread talks
 * to the other clusters, a second worker job writes, and the loop thread answers. */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin/admin.h"
#include "core/addr.h"
#include "core/clock.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/str.h"
#include "core/vec.h"
#include "core/workq.h"
#include "daemon/emcc_lookup.h"
#include "daemon/emcc_status.h"
#include "daemon/job.h"
#include "daemon/node.h"
#include "daemon/servlet.h"
#include "emcc/client.h"
#include "emcc/msg.h"
#include "emcc/peer.h"
#include "emcc/trust.h"
#include "store/store.h"

#define MAX_CLUSTERS 10000 /* one update covers at most this many remote clusters */
#define RETRY_SECONDS 60   /* next try when an update could not even start */
#define BUNDLE_PATH "/emcc/bundle"

struct emcc_status {
	struct event *timer;
	char https_address[CONFIG_STR + 8]; /* node_address:https port, "" without HTTPS */
	char *bundle;			    /* our trust bundle, "" when we cannot make one */
	size_t bundle_len;
};

/* ---- shared: an admin context for a worker -------------------------------------------- */

static void admin_run(struct worker *w, struct em_ctx *ctx, const char *command, json_t *args,
		      int *status, char **answer)
{
	struct node *n = w->node;
	ctx->cache = n->cred_cache;
	struct admin_ctx actx = {
	    .em = ctx,
	    .cluster_id = w->cfg->cluster_id,
	    .params_changed = node_params_changed,
	    .params_changed_arg = n,
	    .tls_cert_path = w->cfg->tls_cert,
	    .https_address = n->emcc_status ? n->emcc_status->https_address : "",
	};
	json_t *out = NULL;
	*status = admin_dispatch(&actx, command, args, &out);
	*answer = json_dumps(out, JSON_COMPACT);
	json_decref(out);
}

static void reply_json(struct node *n, struct evhttp_request *req, int status, const char *answer)
{
	const char *a = answer ? answer : "{\"error\":\"out of memory\"}";
	http_reply(n, req, answer ? status : 500, "application/json", a, strlen(a));
}

static void log_admin(uint64_t reqno, const char *command, int status, const char *answer)
{
	if (status == 200) {
		log_info(LOGS_ADMIN, reqno, "%s: ok", command);
		return;
	}
	json_t *o = answer ? json_loads(answer, 0, NULL) : NULL;
	log_warnx(LOGS_ADMIN, reqno, "%s: %d %s", command, status,
		  json_string_value(json_object_get(o, "error")) ?: "");
	json_decref(o);
}

/* ---- Remote Cluster Update ------------------------------------------------------------- */

struct target {
	struct update *run;
	char id[LIM_ID_MAX];
	char address[LIM_TEXT_MAX];
	char sha256[LIM_SHA256_HEX];
	char old_status[16];
	char old_error[LIM_TEXT_MAX];
	uint64_t reqno; /* the clusterInfo's request number, echoed by the answer */
	/* the outcome */
	char status[16];
	char version[LIM_TEXT_MAX];
	char error[LIM_TEXT_MAX];
	int64_t when_ms;
};

struct update {
	struct job base;       /* first; req: the admin request to answer, NULL for the timer's */
	int phase;	       /* 1: read the clusters, 2: write their statuses */
	char only[LIM_ID_MAX]; /* "" = every remote cluster */
	int timeout_ms, interval_min;
	int status; /* HTTP status for the admin answer */
	char error[256];
	size_t pending;
	struct vec targets; /* struct target; the address of one is stable once the reads end */
};

static struct target *target_at(struct update *u, size_t i)
{
	return &((struct target *)u->targets.data)[i];
}

static void update_arm(struct node *n, int seconds)
{
	struct timeval tv = {seconds, 0};
	if (n->emcc_status && n->emcc_status->timer)
		event_add(n->emcc_status->timer, &tv);
}

static int collect(void *arg, const struct store_remote_cluster *rc)
{
	struct update *u = arg;
	struct target *t = vec_push(&u->targets, sizeof(*t));
	if (!t)
		return ENOMEM;
	t->run = u;
	str_copy(t->id, sizeof(t->id), rc->id);
	str_copy(t->address, sizeof(t->address), rc->address);
	str_copy(t->sha256, sizeof(t->sha256), rc->cert_sha256);
	str_copy(t->old_status, sizeof(t->old_status), rc->status);
	str_copy(t->old_error, sizeof(t->old_error), rc->last_error);
	return 0;
}

static void update_work(struct workq_job *job, void *thread_ctx)
{
	struct update *u = (struct update *)job;
	struct worker *w = thread_ctx;
	node_worker_refresh(w);
	if (u->phase == 1) {
		u->timeout_ms = w->params.emcc_request_timeout_ms;
		u->interval_min = w->params.remote_cluster_update_minutes;
		int rc;
		if (u->only[0]) {
			struct store_remote_cluster *one = calloc(1, sizeof(*one));
			rc = one ? store_remote_cluster_get(w->st, u->only, one) : ENOMEM;
			if (rc == 0)
				rc = collect(u, one);
			free(one);
		} else {
			rc = store_remote_cluster_list(w->st, NULL, MAX_CLUSTERS, collect, u);
		}
		if (rc == ENOENT) {
			u->status = 404;
			snprintf(u->error, sizeof(u->error), "no remote cluster '%s'", u->only);
		} else if (rc) {
			u->status = 500;
			str_printf(u->error, sizeof(u->error),
				   "cannot read the remote clusters: %s", strerror(rc));
		}
		return;
	}
	for (size_t i = 0; i < u->targets.n; i++) {
		struct target *t = target_at(u, i);
		if (store_begin(w->st) != 0)
			continue;
		int rc = store_remote_cluster_set_status(w->st, t->id, t->status, t->version,
							 t->when_ms, t->error);
		if (rc == 0)
			store_commit(w->st);
		else
			store_rollback(w->st); /* ENOENT: deleted meanwhile */
	}
}

static void update_free(struct update *u)
{
	vec_free(&u->targets);
	free(u);
}

static void update_answer(struct update *u)
{
	struct node *n = u->base.node;
	for (size_t i = 0; i < u->targets.n; i++) {
		const struct target *t = target_at(u, i);
		/* Log each change of status (and a new reason while down), not every poll. */
		if (strcmp(t->status, t->old_status) != 0 ||
		    (strcmp(t->status, "down") == 0 && strcmp(t->error, t->old_error) != 0)) {
			if (strcmp(t->status, "up") == 0)
				log_info(LOGS_EMCC, u->base.reqno,
					 "remote cluster %s (%s) is up, version %s", t->id,
					 t->address, t->version);
			else
				log_warnx(LOGS_EMCC, u->base.reqno,
					  "remote cluster %s (%s) is down: %s", t->id, t->address,
					  t->error);
		}
	}
	if (!u->base.req) {
		update_arm(n, (u->interval_min > 0 ? u->interval_min : 30) * 60);
		return;
	}
	json_t *arr = json_array();
	for (size_t i = 0; i < u->targets.n; i++) {
		const struct target *t = target_at(u, i);
		json_array_append_new(arr,
				      json_pack("{s:s, s:s, s:s, s:s, s:I, s:s}", "id", t->id,
						"address", t->address, "status", t->status,
						"version", t->version, "last_update_time_ms",
						(json_int_t)t->when_ms, "last_error", t->error));
	}
	json_t *o = json_pack("{s:o}", "clusters", arr);
	char *a = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	log_admin(u->base.reqno, "cluster/update", 200, a);
	reply_json(n, u->base.req, 200, a);
	free(a);
}

static void target_result(struct target *t, const char *status, const char *version,
			  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void target_result(struct target *t, const char *status, const char *version,
			  const char *fmt, ...)
{
	snprintf(t->status, sizeof(t->status), "%s", status);
	snprintf(t->version, sizeof(t->version), "%s", version ? version : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->error, sizeof(t->error), fmt, ap);
	va_end(ap);
	t->when_ms = clock_now_ms();
}

static void target_done(struct target *t)
{
	struct update *u = t->run;
	if (--u->pending)
		return;
	u->phase = 2;
	workq_submit(u->base.node->wq, &u->base.wq);
}

/* A clusterInfo that got no answer: why, in the words `emcc cluster list` shows. */
static void transport_down(struct target *t, const struct emcc_peer_result *r)
{
	switch (r->client) {
	case EMCC_CLIENT_CONNECT: target_result(t, "down", NULL, "connect: %s", r->detail); break;
	case EMCC_CLIENT_TLS:
		/* The client's reason names both fingerprints when the peer's was not ours. */
		target_result(t, "down", NULL, "TLS: %s%s",
			      strstr(r->detail, "presented certificate") ? "certificate mismatch: "
									 : "",
			      r->detail[0] ? r->detail : "handshake failed");
		break;
	case EMCC_CLIENT_TIMEOUT:
		target_result(t, "down", NULL, "timeout: no answer within %d ms",
			      t->run->timeout_ms);
		break;
	case EMCC_CLIENT_HTTP:
	default: target_result(t, "down", NULL, "HTTP status %d", r->http_status); break;
	}
}

/* The answer to clusterInfo. It may be CUCM's bare reply (EMCC_PEER_ANY_VERSION): only an
 * answer of our version names a cluster and request number to check. */
static void on_cluster_info(void *arg, const struct emcc_peer_result *r)
{
	struct target *t = arg;
	const struct emcc_msg *m = r->msg;

	if (r->outcome == EMCC_PEER_TRANSPORT)
		transport_down(t, r);
	else if (!m)
		target_result(t, "down", NULL, "unparsable answer: %s", r->detail);
	else if (m->kind == EMCC_RESP_FAILURE)
		target_result(t, "down", NULL, "failure code %d: %s", m->error_code, m->error_text);
	else if (m->kind != EMCC_RESP_CLUSTER_INFO)
		target_result(t, "down", NULL, "unexpected answer <%s> to clusterInfo",
			      emcc_msg_kind_name(m->kind));
	else if (r->outcome == EMCC_PEER_MISADDRESSED && m->request_number != t->reqno)
		target_result(t, "down", NULL, "the answer is for request %llu, not %llu",
			      (unsigned long long)m->request_number, (unsigned long long)t->reqno);
	else if (r->outcome == EMCC_PEER_MISADDRESSED)
		target_result(t, "down", NULL, "the answer comes from cluster '%s', not '%s'",
			      m->cluster, t->id);
	else
		target_result(t, "up", m->cluster_version, "%s", "");
	target_done(t);
}

/* Sends clusterInfo to one remote cluster; the outcome arrives in on_cluster_info, or is
 * recorded at once when nothing could be sent. */
static void target_send(struct update *u, struct target *t)
{
	struct node *n = u->base.node;
	struct emcc_msg *m = malloc(sizeof(*m));
	struct emcc_peer_call call = {.from = n->cfg.cluster_id,
				      .to = {t->id, t->address, t->sha256},
				      .timeout_ms = u->timeout_ms,
				      .flags = EMCC_PEER_ANY_VERSION};
	int rc = ENOMEM;

	u->pending++;
	if (m) {
		emcc_msg_init(m, EMCC_REQ_CLUSTER_INFO);
		t->reqno = call.reqno = node_next_reqno(n);
		log_debug(LOGS_EMCC, t->reqno, "clusterInfo -> %s (%s)", t->id, t->address);
		rc = emcc_peer_call(n->emcc_client, &call, m, on_cluster_info, t);
		free(m);
	}
	if (rc == 0)
		return;
	/* Not through target_done: the caller submits phase 2 once every target is sent. */
	u->pending--;
	if (rc == EPERM)
		target_result(t, "down", NULL, "no certificate imported for this cluster");
	else if (rc == EINVAL)
		target_result(t, "down", NULL, "bad address '%s'", t->address);
	else if (rc == EBADMSG || rc == EIO)
		target_result(t, "down", NULL, "cannot build the clusterInfo request");
	else if (rc == ENOMEM)
		target_result(t, "down", NULL, "out of memory");
	else
		target_result(t, "down", NULL, "cannot send: %s", strerror(rc));
}

static void update_done(struct workq_job *job)
{
	struct update *u = (struct update *)job;
	struct node *n = u->base.node;
	if (u->phase == 2) {
		update_answer(u);
		update_free(u);
		return;
	}
	if (u->status && u->status != 200) {
		if (u->base.req) {
			json_t *o = json_pack("{s:s}", "error", u->error);
			char *a = json_dumps(o, JSON_COMPACT);
			json_decref(o);
			log_admin(u->base.reqno, "cluster/update", u->status, a);
			reply_json(n, u->base.req, u->status, a);
			free(a);
		} else {
			log_errorx(LOGS_EMCC, u->base.reqno, "remote cluster update: %s", u->error);
			update_arm(n, RETRY_SECONDS);
		}
		update_free(u);
		return;
	}
	u->status = 200;
	/* pending counts the sends not yet answered, plus one held here so that answers
	 * arriving while later targets are sent cannot finish the run early. */
	u->pending = 1;
	for (size_t i = 0; i < u->targets.n; i++)
		target_send(u, target_at(u, i));
	if (--u->pending == 0) {
		u->phase = 2;
		workq_submit(n->wq, &u->base.wq);
	}
}

static int update_start(struct node *n, struct evhttp_request *req, const char *only,
			uint64_t reqno)
{
	struct update *u = job_new(n, req, sizeof(*u), reqno);
	if (!u)
		return ENOMEM;
	u->phase = 1;
	str_copy(u->only, sizeof(u->only), only);
	job_submit(&u->base, update_work, update_done, 0);
	return 0;
}

static void on_update_timer(evutil_socket_t fd, short what, void *arg)
{
	struct node *n = arg;
	(void)fd;
	(void)what;
	if (update_start(n, NULL, NULL, node_next_reqno(n)) != 0)
		update_arm(n, RETRY_SECONDS);
}

/* ---- admin commands ------------------------------------------------------------------- */

struct admin_relay {
	struct job base; /* first */
	int phase; /* 1: run the command (or the fetch's checks), 2: cluster/add with the bundle */
	char command[64];
	json_t *args;
	int fetch; /* cluster/add --fetch */
	char host[LIM_TEXT_MAX];
	int port, timeout_ms;
	int status;
	char *answer;
};

static void relay_free(struct admin_relay *r)
{
	json_decref(r->args);
	free(r->answer);
	free(r);
}

static void relay_work(struct workq_job *job, void *thread_ctx)
{
	struct admin_relay *r = (struct admin_relay *)job;
	struct worker *w = thread_ctx;
	struct em_ctx ctx = job_begin(w, &r->base, "admin", "local");
	if (r->phase == 1 && r->fetch) {
		r->timeout_ms = w->params.emcc_request_timeout_ms;
		struct admin_ctx actx = {.em = &ctx, .cluster_id = w->cfg->cluster_id};
		json_t *out = NULL;
		r->status = admin_cluster_prefetch(&actx, r->args, r->host, sizeof(r->host),
						   &r->port, &out);
		if (out)
			r->answer = json_dumps(out, JSON_COMPACT);
		json_decref(out);
		return;
	}
	admin_run(w, &ctx, r->command, r->args, &r->status, &r->answer);
}

static void relay_finish(struct admin_relay *r)
{
	struct node *n = r->base.node;
	log_admin(r->base.reqno, r->command, r->status, r->answer);
	/* Connections pooled for a cluster whose address or certificate may have changed (or
	 * that is gone) must not be reused. */
	const char *id = json_string_value(json_object_get(r->args, "id"));
	if (r->status == 200 && id &&
	    (!strcmp(r->command, "cluster/add") || !strcmp(r->command, "cluster/set") ||
	     !strcmp(r->command, "cluster/del")))
		emcc_client_forget(n->emcc_client, id);
	reply_json(n, r->base.req, r->status, r->answer);
	relay_free(r);
}

static void relay_fail(struct admin_relay *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void relay_fail(struct admin_relay *r, int status, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	json_t *o = json_pack("{s:s}", "error", text);
	free(r->answer);
	r->answer = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	r->status = status;
	relay_finish(r);
}

static void on_bundle_fetched(void *arg, enum emcc_client_error err, int status, const char *body,
			      size_t len, const char *why)
{
	struct admin_relay *r = arg;
	if (err != EMCC_CLIENT_OK) {
		relay_fail(r, 502, "cannot fetch the trust bundle from https://%s:%d%s: %s%s%s",
			   r->host, r->port, BUNDLE_PATH, emcc_client_error_name(err),
			   why[0] ? ": " : "", why);
		return;
	}
	(void)status;
	json_t *text = json_stringn(body, len);
	if (!text) {
		relay_fail(r, 502, "the answer of https://%s:%d%s is not UTF-8 text", r->host,
			   r->port, BUNDLE_PATH);
		return;
	}
	json_object_set_new(r->args, "bundle", text);
	json_object_del(r->args, "fetch");
	log_info(LOGS_EMCC, r->base.reqno, "fetched a trust bundle from %s:%d (%zu bytes)", r->host,
		 r->port, len);
	r->phase = 2;
	free(r->answer);
	r->answer = NULL;
	workq_submit(r->base.node->wq, &r->base.wq);
}

static void relay_done(struct workq_job *job)
{
	struct admin_relay *r = (struct admin_relay *)job;
	if (job->batch_error) {
		relay_fail(r, 500, "database commit failed; nothing was changed");
		return;
	}
	if (r->phase == 1 && r->fetch && r->status == 200) {
		int rc = emcc_client_get_insecure(r->base.node->emcc_client, r->host, r->port,
						  BUNDLE_PATH, r->timeout_ms, on_bundle_fetched, r);
		if (rc)
			relay_fail(r, 500, "cannot fetch the bundle: %s", strerror(rc));
		return;
	}
	relay_finish(r);
}

int emcc_status_admin(struct node *n, struct evhttp_request *req, const char *command)
{
	if (strncmp(command, "cluster/", 8) != 0 && strncmp(command, "trust/", 6) != 0)
		return 0;
	size_t len = 0;
	uint64_t reqno = node_next_reqno(n);
	struct admin_relay *r = job_new(n, req, sizeof(*r), reqno);
	char *body = r ? job_take_body(req, &len) : NULL;
	json_error_t jerr;
	if (!body) {
		free(r);
		http_reply(n, req, 503, "text/plain", "out of memory\n", 14);
		return 1;
	}
	r->phase = 1;
	str_copy(r->command, sizeof(r->command), command);
	r->args = len ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr) : json_object();
	free(body);
	if (!r->args || !json_is_object(r->args)) {
		relay_fail(r, 400, "%s",
			   r->args ? "the request body must be a JSON object" : jerr.text);
		return 1;
	}
	if (strcmp(command, "cluster/lookup") == 0) { /* emcc_lookup.c: a fan-out, no write */
		emcc_lookup_admin(n, req, reqno, r->args);
		relay_free(r);
		return 1;
	}
	if (strcmp(command, "cluster/update") == 0) {
		json_t *id = json_object_get(r->args, "id");
		const char *key;
		json_t *v;
		json_object_foreach (r->args, key, v) {
			if (strcmp(key, "id") != 0) {
				relay_fail(r, 400, "unknown argument '%s'", key);
				return 1;
			}
		}
		if (id && (!json_is_string(id) || strlen(json_string_value(id)) >= LIM_ID_MAX)) {
			relay_fail(r, 400, "'id' must be a cluster id");
			return 1;
		}
		if (update_start(n, req, id ? json_string_value(id) : NULL, reqno) != 0) {
			relay_fail(r, 503, "out of memory");
			return 1;
		}
		relay_free(r);
		return 1;
	}
	r->fetch = strcmp(command, "cluster/add") == 0 &&
		   json_is_true(json_object_get(r->args, "fetch")) &&
		   !json_object_get(r->args, "bundle");
	job_submit(&r->base, relay_work, relay_done, 0);
	return 1;
}

/* ---- our bundle, start and stop ------------------------------------------------------- */

void emcc_status_bundle(struct node *n, struct evhttp_request *req)
{
	struct emcc_status *s = n->emcc_status;
	if (!s || !s->bundle || !s->bundle_len) {
		http_reply(n, req, 404, "text/plain", "no trust bundle: this node has no HTTPS\n",
			   40);
		return;
	}
	http_reply(n, req, 200, "text/plain; charset=utf-8", s->bundle, s->bundle_len);
}

static char *read_small_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *b = malloc(TRUST_PEM_MAX + 1);
	size_t len = b ? fread(b, 1, TRUST_PEM_MAX + 1, f) : 0;
	fclose(f);
	if (!b || len > TRUST_PEM_MAX) {
		free(b);
		return NULL;
	}
	b[len] = '\0';
	return b;
}

int emcc_status_start(struct node *n)
{
	struct emcc_status *s = calloc(1, sizeof(*s));
	if (!s)
		return ENOMEM;
	struct addr a;
	if (addr_parse(&a, n->cfg.https_listen, ADDR_LISTEN, 0) == 0)
		addr_format(s->https_address, sizeof(s->https_address), n->cfg.node_address,
			    a.port);
	if (s->https_address[0]) {
		char *pem = read_small_file(n->cfg.tls_cert), err[256] = "";
		struct buf b;
		buf_init(&b);
		if (!pem ||
		    trust_bundle_write(&b, n->cfg.cluster_id, s->https_address, pem, time(NULL),
				       err, sizeof(err)) != 0 ||
		    b.oom) {
			log_warnx(LOGS_EMCC, 0, "no trust bundle for %s: %s", BUNDLE_PATH,
				  pem ? err : "cannot read the certificate");
			buf_free(&b);
		} else {
			s->bundle = b.data; /* ownership moves */
			s->bundle_len = b.len;
		}
		free(pem);
	}
	s->timer = event_new(n->base, -1, 0, on_update_timer, n);
	if (!s->timer) {
		free(s->bundle);
		free(s);
		return ENOMEM;
	}
	n->emcc_status = s;
	update_arm(n, 0); /* our addition: an update at start-up, then every interval */
	return 0;
}

void emcc_status_stop(struct node *n)
{
	struct emcc_status *s = n->emcc_status;
	if (!s)
		return;
	event_free(s->timer);
	free(s->bundle);
	free(s);
	n->emcc_status = NULL;
}
