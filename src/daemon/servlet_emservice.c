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
	struct job base; /* first */
	char *body;
	size_t body_len;
	int via_header;
	struct buf out;
	enum metrics_type type;
	int code; /* -1 = success */
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

static int walk_devices(struct em_ctx *ctx, const struct em_caller *who, const char *user,
			int *exists, struct buf *one, struct em_result *res)
{
	return em_query_user_devices(ctx, who, user, exists, each_device, one, res);
}

static int walk_profiles(struct em_ctx *ctx, const struct em_caller *who, const char *user,
			 int *exists, struct buf *one, struct em_result *res)
{
	return em_query_user_profiles(ctx, who, user, exists, each_profile, one, res);
}

/* userDevicesQuery and deviceProfileQuery answer alike: per user "does not exist", "none", or
 * the user's list; only the list and what surrounds it differ. */
struct per_user_query {
	void (*begin)(struct buf *b), (*end)(struct buf *b);
	int (*walk)(struct em_ctx *ctx, const struct em_caller *who, const char *user, int *exists,
		    struct buf *one, struct em_result *res);
};

static const struct per_user_query user_devices = {emapi_render_user_devices_begin,
						   emapi_render_user_devices_end, walk_devices};
static const struct per_user_query user_profiles = {emapi_render_profiles_begin,
						    emapi_render_profiles_end, walk_profiles};

static int run_per_user(const struct per_user_query *q, struct em_ctx *ctx,
			const struct em_caller *who, const struct emapi_request *r, struct buf *b,
			struct em_result *res)
{
	q->begin(b);
	for (size_t i = 0; i < r->nnames; i++) {
		int exists = 0;
		struct buf one;
		buf_init(&one);
		int rc = q->walk(ctx, who, r->names[i], &exists, &one, res);
		if (rc == 0 && !exists) {
			emapi_render_user_state(b, r->names[i], EMAPI_USER_DOES_NOT_EXIST);
		} else if (rc == 0 && one.len == 0) {
			emapi_render_user_state(b, r->names[i], EMAPI_USER_NONE);
		} else if (rc == 0) {
			emapi_render_user_begin(b, r->names[i]);
			buf_append(b, one.data, one.len);
			emapi_render_user_end(b);
		}
		buf_free(&one);
		if (rc)
			return rc;
	}
	q->end(b);
	return 0;
}

static int run_device_user(struct em_ctx *ctx, const struct em_caller *who,
			   const struct emapi_request *r, struct buf *b, struct em_result *res)
{
	emapi_render_device_user_begin(b);
	for (size_t i = 0; i < r->nnames; i++) {
		struct em_device_status s;
		int rc = em_query_device(ctx, who, r->names[i], &s, res);
		if (rc)
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
}

static int run_check_user(struct em_ctx *ctx, const struct em_caller *who,
			  const struct emapi_request *r, struct buf *b, struct em_result *res)
{
	emapi_render_check_user_begin(b);
	for (size_t i = 0; i < r->nnames; i++) {
		int exists = 0;
		int rc = em_query_user_exists(ctx, who, r->names[i], &exists, res);
		if (rc)
			return rc;
		emapi_render_check_user(b, r->names[i], exists);
	}
	emapi_render_check_user_end(b);
	return 0;
}

/* Runs the queries, which answer per name; a failure on any name fails the whole query
 * (it can only be a rights or database problem, the same for every name). */
static int run_query(struct em_ctx *ctx, const struct em_caller *who, const struct emapi_request *r,
		     struct buf *b, struct em_result *res)
{
	switch (r->kind) {
	case EMAPI_DEVICE_USER_QUERY: return run_device_user(ctx, who, r, b, res);
	case EMAPI_USER_DEVICES_QUERY: return run_per_user(&user_devices, ctx, who, r, b, res);
	case EMAPI_DEVICE_PROFILE_QUERY: return run_per_user(&user_profiles, ctx, who, r, b, res);
	case EMAPI_CHECK_USER: return run_check_user(ctx, who, r, b, res);
	default: return 0;
	}
}

/* The form field and the XML in it: 0 with r filled, else the failure is rendered and logged. */
static int decode(struct em_job *j, char *xml, size_t *xml_len, struct emapi_request *r)
{
	const char *ip = j->base.remote_ip;
	struct emapi_error perr = {0};
	int frc = emapi_form_field(j->body, j->body_len, "xml", xml, EMAPI_MAX_DOC + 1, xml_len);

	if (frc) {
		fail(j, EM_PARSE_ERROR,
		     frc == ENOENT  ? "Error on Parsing: the request has no form field 'xml'"
		     : frc == E2BIG ? "Error on Parsing: the xml document is too large"
				    : "Error on Parsing: bad URL encoding in the form body");
		log_warnx(LOGS_EMSERVICE, j->base.reqno, "from %s: refused (1): %s", ip,
			  j->out.data);
		return EINVAL;
	}
	if (emapi_parse(xml, *xml_len, r, &perr)) {
		fail(j, perr.code, perr.text);
		log_warnx(LOGS_EMSERVICE, j->base.reqno, "from %s: refused (%d): %s", ip, perr.code,
			  perr.text);
		return EINVAL;
	}
	return 0;
}

/* The request itself, for an authenticated caller: 0 (queries rendered into j->out) or the
 * policy's refusal in res. */
static int run_request(struct em_job *j, struct em_ctx *ctx, const struct em_caller *who,
		       const struct emapi_request *r, struct em_result *res)
{
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
		return em_login(ctx, who, &lr, res);
	}
	case EMAPI_LOGOUT: return em_logout(ctx, who, r->device_name, res);
	case EMAPI_LOGOUT_ALL: {
		size_t count = 0;
		int rc = em_logout_all(ctx, who, &count, res);
		if (!rc)
			log_info(LOGS_EMSERVICE, j->base.reqno, "logoutAll: %zu devices logged out",
				 count);
		return rc;
	}
	default: return run_query(ctx, who, r, &j->out, res);
	}
}

static void em_job_work(struct workq_job *job, void *thread_ctx)
{
	struct em_job *j = (struct em_job *)job;
	struct worker *w = thread_ctx;
	struct emapi_request *r = malloc(sizeof(*r));
	char *xml = malloc(EMAPI_MAX_DOC + 1);
	size_t xml_len = 0;
	const char *ip = j->base.remote_ip;
	uint64_t reqno = j->base.reqno;

	j->type = MT_UNPARSED;
	if (!xml || !r) {
		fail(j, EM_UNKNOWN_ERROR, "Out of memory");
		goto out;
	}
	if (decode(j, xml, &xml_len, r) != 0)
		goto out;
	j->type = (enum metrics_type)r->kind;

	struct em_ctx ctx = job_begin(w, &j->base, "api", r->remote_ip[0] ? r->remote_ip : ip);
	ctx.cache = w->node->cred_cache;
	struct em_result res = {0};
	struct em_caller who;
	log_info(LOGS_EMSERVICE, reqno, "%s from %s by %s%s%s%s%s", kind_name(r->kind), ip,
		 r->app_id, r->device_name[0] ? " device=" : "", r->device_name,
		 r->user_id[0] ? " user=" : "", r->user_id);
	if (em_authenticate(&ctx, r->app_id, r->app_secret, &who, &res)) {
		fail(j, res.code, res.text);
	} else {
		if (who.from_cache)
			log_debug(LOGS_EMSERVICE, reqno,
				  "%s approved through credential cache, %lld ms remaining", who.id,
				  (long long)who.cache_left_ms);
		buf_reset(&j->out);
		if (run_request(j, &ctx, &who, r, &res) != 0) {
			fail(j, res.code, res.text);
		} else {
			j->code = -1;
			if (r->kind == EMAPI_LOGIN || r->kind == EMAPI_LOGOUT ||
			    r->kind == EMAPI_LOGOUT_ALL)
				emapi_render_success(&j->out);
		}
	}
	if (j->code < 0)
		log_info(LOGS_EMSERVICE, reqno, "%s: success (%.2f ms)", kind_name(r->kind),
			 clock_elapsed_ms(&j->base.t0));
	else
		log_info(LOGS_EMSERVICE, reqno, "%s: failure %d %s (%.2f ms)", kind_name(r->kind),
			 j->code, em_code_text(j->code), clock_elapsed_ms(&j->base.t0));
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
	struct node *n = j->base.node;
	if (job->batch_error) {
		/* The answer was rendered before the commit; the commit failed, so nothing of it
		 * happened. */
		fail(j, EM_DATABASE_ERROR, em_code_text(EM_DATABASE_ERROR));
	}
	metrics_observe(n->metrics, j->type, j->code, 1e-3 * clock_elapsed_ms(&j->base.t0));
	job_answer(&j->base, job->batch_error, 200, "text/xml; charset=utf-8", j->out.data,
		   j->out.len);
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
	if (!job_admit(n, LOGS_EMSERVICE, reqno, ip)) {
		struct buf b;
		buf_init(&b);
		emapi_render_failure(&b, EM_BUSY, em_code_text(EM_BUSY));
		metrics_observe(n->metrics, MT_UNPARSED, EM_BUSY, 1e-3 * clock_elapsed_ms(&t0));
		http_reply(n, req, 200, "text/xml; charset=utf-8", b.data, b.len);
		buf_free(&b);
		return;
	}

	struct em_job *j = job_new(n, req, sizeof(*j), reqno);
	if (!j || !(j->body = job_take_body(req, &j->body_len))) {
		free(j);
		http_reply(n, req, 503, "text/plain", "out of memory\n", 14);
		return;
	}
	j->base.t0 = t0;
	j->code = EM_UNKNOWN_ERROR;
	j->via_header = evhttp_find_header(evhttp_request_get_input_headers(req), "Via") != NULL;
	buf_init(&j->out);
	job_submit(&j->base, em_job_work, em_job_done, 1);
}
