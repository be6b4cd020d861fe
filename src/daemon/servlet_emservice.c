/* servlet_emservice.c -- the EM service API edge: HTTP in, parser, policy, renderer, HTTP out.
 *
 * The loop thread admits a request (or answers 26 when Maximum Concurrent Requests are already
 * in flight), copies its body and hands it to a worker; the worker decodes, authenticates, runs
 * the policy against its own store connection and renders; the loop thread sends the answer.
 * Every valid HTTP request gets HTTP 200 with the XML answer, as CUCM does. */
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/workq.h"
#include "daemon/emcc_visiting.h"
#include "daemon/job.h"
#include "daemon/metrics.h"
#include "daemon/node.h"
#include "daemon/servlet.h"
#include "em/em.h"
#include "emapi/emapi.h"

struct em_job {
	struct workq_job job; /* first: the queue hands us this pointer */
	struct node *node;
	struct evhttp_request *req;
	uint64_t reqno;
	char *body;
	size_t body_len;
	char remote_ip[64];
	int via_header;
	struct timespec t0;
	struct buf out;
	enum metrics_type type;
	int code; /* -1 = success */
	struct node_changes changes;
};

static const char *kind_name(enum emapi_kind k)
{
	switch (k) {
	case EMAPI_LOGIN: return "login";
	case EMAPI_LOGOUT: return "logout";
	case EMAPI_LOGOUT_ALL: return "logoutAll";
	case EMAPI_DEVICE_USER_QUERY: return "deviceUserQuery";
	case EMAPI_USER_DEVICES_QUERY: return "userDevicesQuery";
	case EMAPI_DEVICE_PROFILE_QUERY: return "deviceProfileQuery";
	case EMAPI_CHECK_USER: return "checkUser";
	}
	return "unknown";
}

static void fail(struct em_job *j, int code, const char *text)
{
	j->code = code;
	buf_reset(&j->out);
	emapi_render_failure(&j->out, code, text);
}

static int each_device(void *arg, const char *device)
{
	emapi_render_user_devices_device(arg, device);
	return 0;
}

static int each_profile(void *arg, const char *profile, int is_default)
{
	emapi_render_profiles_profile(arg, profile, is_default);
	return 0;
}

/* Runs the queries, which answer per name; a failure on any name fails the whole query
 * (it can only be a rights or database problem, the same for every name). */
static int run_query(struct em_ctx *ctx, const struct em_caller *who, const struct emapi_request *r,
		     struct buf *b, struct em_result *res)
{
	int rc = 0;
	switch (r->kind) {
	case EMAPI_DEVICE_USER_QUERY:
		emapi_render_device_user_begin(b);
		for (size_t i = 0; i < r->nnames; i++) {
			struct em_device_status s;
			if ((rc = em_query_device(ctx, who, r->names[i], &s, res)))
				return rc;
			struct emapi_device_result d = {
			    .name = r->names[i],
			    .state = s.state == EM_DEVICE_LOGGED_IN    ? EMAPI_DEV_LOGGED_IN
				     : s.state == EM_DEVICE_LOGGED_OUT ? EMAPI_DEV_NONE
								       : EMAPI_DEV_DOES_NOT_EXIST,
			    .user_id = s.user_id,
			    .last_user = s.last_user_id,
			    .emcc_device = s.emcc_role != STORE_EMCC_NONE,
			};
			emapi_render_device_user(b, &d);
		}
		emapi_render_device_user_end(b);
		return 0;
	case EMAPI_USER_DEVICES_QUERY:
		emapi_render_user_devices_begin(b);
		for (size_t i = 0; i < r->nnames; i++) {
			int exists = 0;
			struct buf one;
			buf_init(&one);
			rc = em_query_user_devices(ctx, who, r->names[i], &exists, each_device,
						   &one, res);
			if (rc == 0) {
				if (!exists)
					emapi_render_user_devices_state(b, r->names[i],
									EMAPI_USER_DOES_NOT_EXIST);
				else if (one.len == 0)
					emapi_render_user_devices_state(b, r->names[i],
									EMAPI_USER_NONE);
				else {
					emapi_render_user_devices_user_begin(b, r->names[i]);
					buf_append(b, one.data, one.len);
					emapi_render_user_devices_user_end(b);
				}
			}
			buf_free(&one);
			if (rc)
				return rc;
		}
		emapi_render_user_devices_end(b);
		return 0;
	case EMAPI_DEVICE_PROFILE_QUERY:
		emapi_render_profiles_begin(b);
		for (size_t i = 0; i < r->nnames; i++) {
			int exists = 0;
			struct buf one;
			buf_init(&one);
			rc = em_query_user_profiles(ctx, who, r->names[i], &exists, each_profile,
						    &one, res);
			if (rc == 0) {
				if (!exists)
					emapi_render_profiles_state(b, r->names[i],
								    EMAPI_USER_DOES_NOT_EXIST);
				else if (one.len == 0)
					emapi_render_profiles_state(b, r->names[i],
								    EMAPI_USER_NONE);
				else {
					emapi_render_profiles_user_begin(b, r->names[i]);
					buf_append(b, one.data, one.len);
					emapi_render_profiles_user_end(b);
				}
			}
			buf_free(&one);
			if (rc)
				return rc;
		}
		emapi_render_profiles_end(b);
		return 0;
	case EMAPI_CHECK_USER:
		emapi_render_check_user_begin(b);
		for (size_t i = 0; i < r->nnames; i++) {
			int exists = 0;
			if ((rc = em_query_user_exists(ctx, who, r->names[i], &exists, res)))
				return rc;
			emapi_render_check_user(b, r->names[i], exists);
		}
		emapi_render_check_user_end(b);
		return 0;
	default: return 0;
	}
}

static void em_job_work(struct workq_job *job, void *thread_ctx)
{
	struct em_job *j = (struct em_job *)job;
	struct worker *w = thread_ctx;
	struct emapi_request *r = NULL;
	char *xml = NULL;
	size_t xml_len = 0;
	struct emapi_error perr = {0};

	node_worker_refresh_params(w);
	j->type = MT_UNPARSED;

	xml = malloc(EMAPI_MAX_DOC + 1);
	r = malloc(sizeof(*r));
	if (!xml || !r) {
		fail(j, EM_UNKNOWN_ERROR, "Out of memory");
		goto out;
	}
	int frc = emapi_form_field(j->body, j->body_len, "xml", xml, EMAPI_MAX_DOC + 1, &xml_len);
	if (frc) {
		fail(j, EM_PARSE_ERROR,
		     frc == ENOENT  ? "Error on Parsing: the request has no form field 'xml'"
		     : frc == E2BIG ? "Error on Parsing: the xml document is too large"
				    : "Error on Parsing: bad URL encoding in the form body");
		log_warnx(LOGS_EMSERVICE, j->reqno, "from %s: refused (1): %s", j->remote_ip,
			  j->out.data);
		goto out;
	}
	if (emapi_parse(xml, xml_len, r, &perr)) {
		fail(j, perr.code, perr.text);
		log_warnx(LOGS_EMSERVICE, j->reqno, "from %s: refused (%d): %s", j->remote_ip,
			  perr.code, perr.text);
		goto out;
	}
	j->type = (enum metrics_type)r->kind;

	struct em_ctx ctx = job_em_ctx(w, j->reqno, "api",
				       r->remote_ip[0] ? r->remote_ip : j->remote_ip, &j->changes);
	ctx.cache = w->node->cred_cache;
	struct em_result res = {0};
	struct em_caller who;
	log_info(LOGS_EMSERVICE, j->reqno, "%s from %s by %s%s%s%s%s", kind_name(r->kind),
		 j->remote_ip, r->app_id, r->device_name[0] ? " device=" : "", r->device_name,
		 r->user_id[0] ? " user=" : "", r->user_id);
	if (em_authenticate(&ctx, r->app_id, r->app_secret, &who, &res)) {
		fail(j, res.code, res.text);
		goto logged;
	}
	if (who.from_cache)
		log_debug(LOGS_EMSERVICE, j->reqno,
			  "%s approved through credential cache, %lld ms remaining", who.id,
			  (long long)who.cache_left_ms);

	int rc = 0;
	buf_reset(&j->out);
	switch (r->kind) {
	case EMAPI_LOGIN: {
		struct em_login_req lr = {
		    .device = r->device_name,
		    .user_id = r->user_id,
		    .profile = r->device_profile,
		    .duration_kind = r->duration_kind == EMAPI_DURATION_TIME ? EM_DURATION_MINUTES
				     : r->duration_kind == EMAPI_DURATION_INDEFINITE
					 ? EM_DURATION_INDEFINITE
					 : EM_DURATION_DEFAULT,
		    .duration_minutes = r->duration_minutes,
		};
		rc = em_login(&ctx, &who, &lr, &res);
		break;
	}
	case EMAPI_LOGOUT: rc = em_logout(&ctx, &who, r->device_name, &res); break;
	case EMAPI_LOGOUT_ALL: {
		size_t count = 0;
		rc = em_logout_all(&ctx, &who, &count, &res);
		if (!rc)
			log_info(LOGS_EMSERVICE, j->reqno, "logoutAll: %zu devices logged out",
				 count);
		break;
	}
	default: rc = run_query(&ctx, &who, r, &j->out, &res); break;
	}
	if (rc) {
		fail(j, res.code, res.text);
	} else {
		j->code = -1;
		if (r->kind == EMAPI_LOGIN || r->kind == EMAPI_LOGOUT ||
		    r->kind == EMAPI_LOGOUT_ALL)
			emapi_render_success(&j->out);
	}
logged:
	if (j->code < 0)
		log_info(LOGS_EMSERVICE, j->reqno, "%s: success (%.2f ms)", kind_name(r->kind),
			 clock_elapsed_ms(&j->t0));
	else
		log_info(LOGS_EMSERVICE, j->reqno, "%s: failure %d %s (%.2f ms)",
			 kind_name(r->kind), j->code, em_code_text(j->code),
			 clock_elapsed_ms(&j->t0));
out:
	/* The secret is not needed any more: do not leave it in freed memory. */
	if (r)
		explicit_bzero(r->app_secret, sizeof(r->app_secret));
	if (xml)
		explicit_bzero(xml, xml_len);
	free(xml);
	free(r);
	if (j->body)
		explicit_bzero(j->body, j->body_len);
}

static void em_job_done(struct workq_job *job)
{
	struct em_job *j = (struct em_job *)job;
	struct node *n = j->node;
	if (job->batch_error) {
		/* The answer was rendered before the commit; the commit failed, so nothing of it
		 * happened. */
		fail(j, EM_DATABASE_ERROR, em_code_text(EM_DATABASE_ERROR));
	}
	metrics_observe(n->metrics, j->type, j->code, 1e-3 * clock_elapsed_ms(&j->t0));
	job_answer(n, j->req, &j->changes, job->batch_error, j->reqno, 1, 200,
		   "text/xml; charset=utf-8", j->out.data, j->out.len);
	buf_free(&j->out);
	free(j->body);
	free(j);
}

void servlet_emservice(struct node *n, struct evhttp_request *req)
{
	char ipbuf[64];
	uint64_t reqno = node_next_reqno(n);
	struct timespec t0;
	t0 = clock_start();
	const char *ip = http_peer_ip(req, ipbuf, sizeof(ipbuf));

	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	if (cmd != EVHTTP_REQ_POST) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "POST");
		http_reply(n, req, 405, "text/plain", "use POST with form field xml\n", 29);
		return;
	}

	/* An inter-cluster <emccRequest> shares the URL: servlet_emcc.c takes it. */
	if (servlet_emcc_try(n, req))
		return;

	/* Over the limit: answer at once, never queue without bound (CUCM code 26). */
	if (n->em_inflight >= (unsigned)atomic_load(&n->max_concurrent)) {
		struct buf b;
		buf_init(&b);
		emapi_render_failure(&b, EM_BUSY, em_code_text(EM_BUSY));
		log_warnx(LOGS_EMSERVICE, reqno, "from %s: busy, %u requests in flight", ip,
			  n->em_inflight);
		metrics_observe(n->metrics, MT_UNPARSED, EM_BUSY, 1e-3 * clock_elapsed_ms(&t0));
		http_reply(n, req, 200, "text/xml; charset=utf-8", b.data, b.len);
		buf_free(&b);
		return;
	}

	struct em_job *j = calloc(1, sizeof(*j));
	if (!j || !(j->body = job_take_body(req, &j->body_len))) {
		free(j);
		http_reply(n, req, 503, "text/plain", "out of memory\n", 14);
		return;
	}
	j->node = n;
	j->req = req;
	j->reqno = reqno;
	j->t0 = t0;
	j->code = EM_UNKNOWN_ERROR;
	j->via_header = evhttp_find_header(evhttp_request_get_input_headers(req), "Via") != NULL;
	snprintf(j->remote_ip, sizeof(j->remote_ip), "%s", ip);
	buf_init(&j->out);
	job_submit(n, &j->job, em_job_work, em_job_done, 1);
}
