/* servlet_admin.c -- the admin API over the Unix socket, and /metrics; both run on a worker. */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "admin/admin.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/str.h"
#include "core/vec.h"
#include "core/workq.h"
#include "daemon/emcc_status.h"
#include "daemon/job.h"
#include "daemon/metrics.h"
#include "daemon/node.h"
#include "daemon/servlet.h"
#include "sip/sipd.h"
#include "store/store.h"

struct admin_job {
	struct job base; /* first */
	char command[128];
	char *body;
	size_t body_len;
	int status;
	char *answer;
	int is_metrics;
	unsigned inflight;     /* n->em_inflight when the request came in (a loop-thread counter) */
	struct worker *worker; /* while admin_work runs: node_status reads its snapshot */
};

/* On the worker: the listeners from its config snapshot, never n->cfg. */
static json_t *node_status(void *arg)
{
	const struct admin_job *j = arg;
	const struct config *cfg = j->worker->cfg;
	struct node *n = j->base.node;
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:i, s:I}", "http",
			 cfg->http_listen, "https", cfg->https_listen, "sip_udp",
			 n->sipd ? cfg->sip_udp : "", "sip_tcp", n->sipd ? cfg->sip_tcp : "",
			 "tftp", cfg->tftp_udp, "tftp_http", cfg->tftp_http, "tftp_https",
			 cfg->tftp_https, "database", cfg->database, "sip_bindings",
			 (json_int_t)sipd_binding_count(n->sipd), "uptime_seconds",
			 (json_int_t)(time(NULL) - n->started), "em_inflight", (int)j->inflight,
			 "tftp_transfers", (json_int_t)metrics_tftp_transfers(n->metrics));
}

/* Bindings are copied out under the table's lock and turned into JSON after, so the SIP thread
 * is held up only by a memcpy per binding. */
static int binding_copy_one(void *arg, const struct sipd_binding *b)
{
	struct sipd_binding *slot = vec_push(arg, sizeof(*slot));
	if (!slot)
		return ENOMEM;
	*slot = *b;
	return 0;
}

static int binding_cmp(const void *a, const void *b)
{
	return strcasecmp(((const struct sipd_binding *)a)->device,
			  ((const struct sipd_binding *)b)->device);
}

static json_t *binding_json(const struct sipd_binding *b, time_t now)
{
	char when[32];
	struct tm tm;
	time_t t = (time_t)b->registered_at;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "device",
			 b->device, "model", b->model, "transport", b->transport, "source",
			 b->source, "expires_in", (json_int_t)(b->expires_at - now), "contact",
			 b->contact, "aor", b->aor, "call_id", b->call_id, "instance", b->instance,
			 "user_agent", b->user_agent, "registered_at", when, "cseq",
			 (json_int_t)b->cseq);
}

static json_t *node_sip_bindings(void *arg, const char *device)
{
	struct node *n = arg;
	struct vec c = {0};
	time_t now = time(NULL);
	if (!n->sipd)
		return NULL;
	json_t *arr = json_array();
	if (!arr)
		return NULL;
	if (device) {
		struct sipd_binding b;
		if (sipd_binding_get(n->sipd, device, &b) == 0)
			json_array_append_new(arr, binding_json(&b, now));
		return arr;
	}
	sipd_binding_list(n->sipd, binding_copy_one, &c);
	const struct sipd_binding *v = c.data;
	if (c.n) /* no bindings: c.data is NULL, which qsort must not get */
		qsort(c.data, c.n, sizeof(*v), binding_cmp);
	for (size_t i = 0; i < c.n; i++)
		json_array_append_new(arr, binding_json(&v[i], now));
	vec_free(&c);
	return arr;
}

static void admin_work(struct workq_job *job, void *thread_ctx)
{
	struct admin_job *j = (struct admin_job *)job;
	struct worker *w = thread_ctx;
	struct em_ctx ctx = job_begin(w, &j->base, "admin", "local");

	if (j->is_metrics) {
		long logged_in = 0, scheduled = 0;
		store_em_state_count_logged_in(w->st, &logged_in);
		store_logout_count(w->st, &scheduled);
		struct buf b;
		buf_init(&b);
		metrics_render(j->base.node->metrics, &b, logged_in, scheduled, j->inflight);
		j->status = 200;
		j->answer = b.data; /* ownership moves to the job */
		return;
	}

	json_error_t jerr;
	json_t *args = NULL, *out = NULL;
	if (j->body_len) {
		args = json_loadb(j->body, j->body_len, JSON_REJECT_DUPLICATES, &jerr);
		if (!args || !json_is_object(args)) {
			out =
			    json_pack("{s:s}", "error",
				      args ? "the request body must be a JSON object" : jerr.text);
			j->status = 400;
			goto done;
		}
	}
	ctx.cache = w->node->cred_cache;
	j->worker = w;
	struct admin_ctx actx = {
	    .em = &ctx,
	    .cluster_id = w->cfg->cluster_id,
	    .params_changed = node_params_changed,
	    .params_changed_arg = w->node,
	    .status = node_status,
	    .status_arg = j,
	    .sip_bindings = node_sip_bindings,
	    .sip_bindings_arg = w->node,
	};
	j->status = admin_dispatch(&actx, j->command, args, &out);
done:
	if (j->status == 200)
		log_info(LOGS_ADMIN, j->base.reqno, "%s: ok", j->command);
	else
		log_warnx(LOGS_ADMIN, j->base.reqno, "%s: %d %s", j->command, j->status,
			  json_string_value(json_object_get(out, "error")) ?: "");
	j->answer = out ? json_dumps(out, JSON_COMPACT) : strdup("{}");
	json_decref(out);
	json_decref(args);
}

static void admin_done(struct workq_job *job)
{
	struct admin_job *j = (struct admin_job *)job;
	if (job->batch_error && !j->is_metrics) {
		free(j->answer);
		j->answer = strdup("{\"error\":\"database commit failed; nothing was changed\"}");
		j->status = 500;
	}
	job_answer(&j->base, job->batch_error, j->status,
		   j->is_metrics ? "text/plain; version=0.0.4" : "application/json", j->answer,
		   j->answer ? strlen(j->answer) : 0);
	free(j->answer);
	free(j->body);
	free(j);
}

void servlet_metrics(struct node *n, struct evhttp_request *req)
{
	struct admin_job *j = job_new(n, req, sizeof(*j), node_next_reqno(n));
	if (!j) {
		http_reply(n, req, 503, "text/plain", "out of memory\n", 14);
		return;
	}
	j->is_metrics = 1;
	j->inflight = n->em_inflight;
	job_submit(&j->base, admin_work, admin_done, 0);
}

void servlet_admin(struct node *n, struct evhttp_request *req)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (!path || strncmp(path, "/v1/", 4) != 0 || strlen(path + 4) >= 128) {
		const char *msg = "{\"error\":\"use POST /v1/<noun>/<verb>\"}";
		http_reply(n, req, 404, "application/json", msg, strlen(msg));
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		const char *msg = "{\"error\":\"use POST\"}";
		http_reply(n, req, 405, "application/json", msg, strlen(msg));
		return;
	}
	/* trust/... and cluster/...: some need the network between two worker steps. */
	if (emcc_status_admin(n, req, path + 4))
		return;
	struct admin_job *j = job_new(n, req, sizeof(*j), node_next_reqno(n));
	if (!j || !(j->body = job_take_body(req, &j->body_len))) {
		free(j);
		http_reply(n, req, 503, "text/plain", "out of memory\n", 14);
		return;
	}
	str_copy(j->command, sizeof(j->command), path + 4);
	j->inflight = n->em_inflight;
	job_submit(&j->base, admin_work, admin_done, 0);
}
