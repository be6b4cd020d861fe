/* emcc.c -- EMCC policy: the visiting side's checks and records, the home side's login and logouts.
 *
 * Decisions where Cisco's documents leave room (shared/reference/cisco-em-emcc.md section 3):
 *  - homeLogin checks the PIN before anything about the user (31 "EMCC not activated for the
 *    user" would otherwise tell a caller without the PIN which users exist and have EMCC); every
 *    PIN failure answers 2 on the wire, whatever the cause, and the audit row at home says why.
 *  - The home's EMCC device must be non-secure (securityMode 1): anything else is 43. The
 *    secure-phone matrix (45/46) is not implemented: we never offer a secure EMCC device.
 *  - A homeLogin for a phone that already has a login at home FROM THE SAME visiting cluster
 *    ends that older login without telling the visiting cluster: the visiting cluster checked
 *    its phone is free, so the older login is one whose homeLogout is still on its way.
 *    The same phone name logged in from ANOTHER visiting cluster is 37 (two phones, one name).
 *  - An Inter-cluster Maximum Login Time of 0 means no limit (no scheduled logout).
 *  - The visiting side schedules no logout of its own: the home's timer ends the login and
 *    tells us (visitingLogout); the expired EMCC device maintenance is the safety net. */
#include "em/em.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/str.h"
#include "em/em_internal.h"
#include "em/models.h"

__attribute__((format(printf, 3, 4))) static void res_set(struct em_result *res, int code,
							  const char *fmt, ...)
{
	va_list ap;

	res->code = code;
	if (!fmt) {
		str_copy(res->text, sizeof(res->text), em_code_text(code));
		return;
	}
	va_start(ap, fmt);
	vsnprintf(res->text, sizeof(res->text), fmt, ap);
	va_end(ap);
}

static int store_err(struct em_result *res, int rc)
{
	em_result_store_error(res, rc);
	return rc;
}

int em_emcc_is_local_user(struct em_ctx *ctx, const char *user_id, int *local)
{
	char uid[LIM_ID_MAX];
	struct store_user u;
	int rc;

	*local = 0;
	if (em_user_id_normalize(user_id, uid, sizeof(uid)) != 0)
		return 0;
	rc = store_user_get(ctx->st, uid, &u);
	if (rc == 0)
		*local = 1;
	return rc == ENOENT ? 0 : rc;
}

struct cluster_walk {
	struct em_emcc_visit_check *out;
};

static int cluster_collect(void *arg, const struct store_remote_cluster *rc)
{
	struct em_emcc_visit_check *out = arg;
	struct em_emcc_cluster *c;

	if (!rc->emcc_enabled || !*rc->address || out->nclusters >= EM_EMCC_MAX_CLUSTERS)
		return 0;
	c = &out->clusters[out->nclusters++];
	str_copy(c->id, sizeof(c->id), rc->id);
	str_copy(c->address, sizeof(c->address), rc->address);
	str_copy(c->fingerprint, sizeof(c->fingerprint), rc->cert_sha256);
	str_copy(c->status, sizeof(c->status), rc->status);
	return 0;
}

int em_emcc_visit_check(struct em_ctx *ctx, const char *device, struct em_emcc_visit_check *out,
			struct em_result *res)
{
	const struct em_model *m;
	struct store_device dev;
	struct store_em_state s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!device || !*device || strlen(device) >= LIM_ID_MAX) {
		res_set(res, EM_DEVICE_NOT_FOUND, NULL);
		return EPERM;
	}
	rc = store_device_get(ctx->st, device, &dev);
	if (rc == ENOENT) {
		res_set(res, EM_DEVICE_NOT_FOUND, NULL);
		return EPERM;
	}
	if (rc)
		return store_err(res, rc);
	if (!dev.em_enabled) {
		res_set(res, EM_DEVICE_LOGON_DISABLED, NULL);
		return EPERM;
	}
	m = em_model_find(dev.model);
	if (!dev.emcc_enabled || !m || !m->supports_emcc) {
		res_set(res, EMAPP_DEVICE_NO_EMCC, "%s (32): %s", em_code_text(EM_DEVICE_NO_EMCC),
			!dev.emcc_enabled ? "EMCC is not enabled on the device"
					  : "the phone model does not support EMCC");
		return EPERM;
	}
	rc = store_em_state_get(ctx->st, device, &s);
	if (rc == 0 && *s.user_id) {
		res_set(res, EM_ANOTHER_USER_LOGGED_IN, NULL);
		return EPERM;
	}
	if (rc && rc != ENOENT)
		return store_err(res, rc);
	if (!ctx->params->emcc_active) {
		res_set(res, EMAPP_EMCC_NOT_ACTIVATED,
			"EMCC is not active in the Intercluster Service Profile");
		return EPERM;
	}
	rc = store_remote_cluster_list(ctx->st, "", 0, cluster_collect, out);
	if (rc)
		return store_err(res, rc);
	if (out->nclusters == 0) {
		res_set(res, EM_NO_REMOTE_CLUSTER, NULL);
		return EPERM;
	}
	str_copy(out->model, sizeof(out->model), dev.model);
	out->model_enum = m->model_enum;
	str_copy(out->protocol, sizeof(out->protocol), *dev.protocol ? dev.protocol : "SIP");
	out->security_mode = dev.security_mode ? dev.security_mode : 1;
	return 0;
}

/* ---- home side ---- */

static int profile_linked(void *arg, const struct store_user_profile *up)
{
	const char *want = ((const char **)arg)[0];

	if (strcmp(up->profile, want) == 0)
		((const char **)arg)[1] = "yes";
	return 0;
}

/* Fails with code (goto out). */
#define HFAIL(c, ...)                                                                              \
	do {                                                                                       \
		res_set(res, (c), NULL);                                                           \
		out->real_code = (c);                                                              \
		snprintf(out->reason, sizeof(out->reason), __VA_ARGS__);                           \
		goto out;                                                                          \
	} while (0)
#define HSTORE(r)                                                                                  \
	do {                                                                                       \
		serr = (r);                                                                        \
		em_result_store_error(res, serr);                                                  \
		out->real_code = res->code;                                                        \
		snprintf(out->reason, sizeof(out->reason), "store: %s", strerror(serr));           \
		goto out;                                                                          \
	} while (0)

int em_emcc_home_login(struct em_ctx *ctx, const struct em_emcc_home_login_req *req,
		       struct em_emcc_home_login_out *out, struct em_result *res)
{
	struct store *st = ctx->st;
	struct em_pin_login_out *po = calloc(1, sizeof(*po));
	struct em_pin_login_req pr = {0};
	struct pin_step ps = {&pr, po, PIN_UPD_NONE, 0, NULL};
	struct store_user user;
	struct store_device dev;
	struct store_em_state cur, next;
	struct store_emcc_home_device hd;
	struct em_state_list others = {0}; /* skip: the device being logged in */
	char uid[LIM_ID_MAX] = "", detail[LIM_TEXT_MAX];
	const char *device = req->device ? req->device : "";
	int64_t now_s = ctx->now_ms / 1000;
	int in_tx = 0, serr = 0, rc, code, ok = 0;
	long used = 0;

	memset(out, 0, sizeof(*out));
	memset(res, 0, sizeof(*res));
	if (!po) {
		res_set(res, EM_UNKNOWN_ERROR, "out of memory");
		return ENOMEM;
	}
	pr.device = device;
	pr.id = req->user_id;
	pr.pin = req->pin;
	pr.type = req->login_type && strcasecmp(req->login_type, "DN") == 0 ? EM_LOGIN_TYPE_DN
									    : EM_LOGIN_TYPE_UID;
	pr.emcc = 1;
	po->real_code = EM_OK;

	if (!*device || strlen(device) >= LIM_ID_MAX)
		HFAIL(EM_DEVICE_NOT_FOUND, "no device name");
	rc = store_begin(st);
	if (rc)
		HSTORE(rc);
	in_tx = 1;
	if (!ctx->params->emcc_active)
		HFAIL(EM_EMCC_NOT_ALLOWED,
		      "EMCC is not active in our Intercluster Service Profile");
	if (!req->pin || !*req->pin || !req->user_id || !*req->user_id)
		HFAIL(EM_AUTH_ERROR, "blank user ID or PIN");
	code = em_pin_authenticate(ctx, &ps, &user, uid, &serr);
	if (code != EM_OK) {
		if (serr)
			HSTORE(serr);
		out->lockout_engaged = po->lockout_engaged;
		res_set(res, EM_AUTH_ERROR, NULL);
		out->real_code = po->real_code;
		str_copy(out->reason, sizeof(out->reason), po->reason);
		goto out;
	}
	str_copy(out->user_id, sizeof(out->user_id), uid);
	if (!user.emcc_enabled)
		HFAIL(EM_EMCC_NOT_ACTIVATED_FOR_USER, "EMCC is not enabled for user %s", uid);
	rc = store_device_get(st, device, &dev);
	if (rc == 0)
		HFAIL(EM_DUPLICATE_DEVICE_NAME, "%s is a device of this cluster", device);
	if (rc != ENOENT)
		HSTORE(rc);
	if (req->security_mode != 1)
		HFAIL(EM_DEVICE_SECURITY_MODE,
		      "security mode %d: the EMCC device must be non-secure", req->security_mode);

	if (req->profile && *req->profile) {
		const char *pf[2] = {req->profile, NULL};
		rc = strlen(req->profile) < LIM_ID_MAX
			 ? store_user_profile_list(st, uid, profile_linked, pf)
			 : 0;
		if (rc)
			HSTORE(rc);
		if (!pf[1])
			HFAIL(EM_PROFILE_NOT_FOUND, "profile %.128s is not one of the user's",
			      req->profile);
		str_copy(out->profile, sizeof(out->profile), req->profile);
	} else {
		rc = store_user_default_profile(st, uid, out->profile, sizeof(out->profile));
		if (rc == ENOENT)
			HFAIL(EM_PROFILE_NOT_FOUND, "user %s has no default device profile", uid);
		if (rc)
			HSTORE(rc);
	}

	/* The phone's own row at home: an older login from the same visiting cluster ends. */
	rc = store_em_state_get(st, device, &cur);
	if (rc && rc != ENOENT)
		HSTORE(rc);
	if (rc == 0 && *cur.user_id) {
		int lc;
		if (cur.emcc_role != STORE_EMCC_HOME ||
		    strcmp(cur.remote_cluster, req->visiting_cluster) != 0)
			HFAIL(EM_DUPLICATE_DEVICE_NAME,
			      "%s is logged in here already from cluster %s", device,
			      *cur.remote_cluster ? cur.remote_cluster : "(local)");
		rc = em_logout_locked_ex(ctx, &cur, "logout", "emcc",
					 "superseded by a new login from the visiting cluster", &lc,
					 0);
		if (rc)
			HSTORE(rc);
		out->superseded = 1;
	}

	others.skip = device;
	int refuse = 0;
	rc = em_multiple_login(ctx, uid, &others, "emcc", "multiple login (EMCC)", NULL, &refuse);
	if (rc)
		HSTORE(rc);
	if (refuse)
		HFAIL(EM_USER_LOGGED_IN_ELSEWHERE, "user %s is logged in on %s%s%s", uid,
		      others.v[0].device, *others.v[0].remote_cluster ? " at " : "",
		      others.v[0].remote_cluster);

	/* A visitingLogout still queued for this phone at that cluster is about an older login
	 * the visiting cluster already ended (it checked its phone is free): sent after this
	 * login it would end the new one there. */
	rc = store_emcc_outbox_delete_for(st, req->visiting_cluster, device, NULL);
	if (rc)
		HSTORE(rc);
	rc = store_emcc_home_device_count(st, &used);
	if (rc)
		HSTORE(rc);
	if (used >= ctx->params->max_emcc_devices)
		HFAIL(EM_NO_FREE_EMCC_DEVICE, "all %d EMCC devices are in use",
		      ctx->params->max_emcc_devices);

	out->login_duration = (int64_t)ctx->params->inter_cluster_max_minutes * 60;
	rc = store_config_bump(ctx->st, device, ctx->now_ms, out->config_version,
			       sizeof(out->config_version));
	if (rc)
		HSTORE(rc);
	memset(&hd, 0, sizeof(hd));
	str_copy(hd.device, sizeof(hd.device), device);
	str_copy(hd.user_id, sizeof(hd.user_id), uid);
	str_copy(hd.profile, sizeof(hd.profile), out->profile);
	str_copy(hd.visiting_cluster, sizeof(hd.visiting_cluster), req->visiting_cluster);
	str_copy(hd.model, sizeof(hd.model), req->model);
	str_copy(hd.protocol, sizeof(hd.protocol),
		 req->protocol &&
			 (strcmp(req->protocol, "SIP") == 0 || strcmp(req->protocol, "SCCP") == 0)
		     ? req->protocol
		     : "");
	hd.security_mode = req->security_mode;
	hd.login_time = now_s;
	hd.login_duration = out->login_duration;
	str_copy(hd.config_version, sizeof(hd.config_version), out->config_version);
	hd.created_ms = ctx->now_ms;
	rc = store_emcc_home_device_put(st, &hd);
	if (rc)
		HSTORE(rc);

	memset(&next, 0, sizeof(next));
	str_copy(next.device, sizeof(next.device), device);
	str_copy(next.user_id, sizeof(next.user_id), uid);
	str_copy(next.profile, sizeof(next.profile), out->profile);
	next.login_time = now_s;
	next.login_duration = out->login_duration;
	if (ctx->params->remember_last_user)
		str_copy(next.last_user_id, sizeof(next.last_user_id), uid);
	next.emcc_role = STORE_EMCC_HOME;
	str_copy(next.remote_cluster, sizeof(next.remote_cluster), req->visiting_cluster);
	str_copy(next.remote_ip, sizeof(next.remote_ip), req->remote_ip ? req->remote_ip : "");
	rc = store_em_state_put(st, &next);
	if (rc)
		HSTORE(rc);
	rc = out->login_duration > 0
		 ? store_logout_schedule(st, device, now_s + out->login_duration)
		 : store_logout_cancel(st, device);
	if (rc)
		HSTORE(rc);
	rc = em_pin_counter_apply(ctx, &ps, uid);
	if (rc)
		HSTORE(rc);
	snprintf(detail, sizeof(detail), "EMCC from %.64s request %llu; %s; duration %llds",
		 req->visiting_cluster, (unsigned long long)req->visiting_reqno, out->profile,
		 (long long)out->login_duration);
	rc = em_audit_write(ctx, "login", uid, device, "emcc", 0, detail);
	if (rc)
		HSTORE(rc);
	rc = store_commit(st);
	in_tx = 0;
	if (rc) {
		store_rollback(st);
		HSTORE(rc);
	}
	ok = 1;
	if (ctx->on_change) {
		for (size_t i = 0; i < others.n; i++)
			ctx->on_change(ctx->on_change_arg, others.v[i].device, EM_CHANGE_LOGOUT, 0);
		ctx->on_change(ctx->on_change_arg, device, EM_CHANGE_LOGIN, 0);
	}
out:
	if (!ok) {
		if (in_tx)
			store_rollback(st);
		/* The failed-logon count and the audit row with the real reason. */
		if (!*po->reason || po->real_code == EM_OK) {
			po->real_code = out->real_code;
			str_copy(po->reason, sizeof(po->reason), out->reason);
		}
		snprintf(detail, sizeof(detail), "EMCC from %.64s request %llu",
			 req->visiting_cluster ? req->visiting_cluster : "",
			 (unsigned long long)req->visiting_reqno);
		ps.note = detail;
		em_pin_failure_record(ctx, &ps, *uid ? uid : (req->user_id ? req->user_id : ""),
				      device);
	}
	explicit_bzero(po, sizeof(*po));
	free(po);
	free(others.v);
	if (ok)
		return 0;
	return serr ? serr : EPERM;
}

/* Ends the EMCC login on device with role (when it names cluster, and user when given),
 * without telling cluster back: it asked. */
static int emcc_remote_logout(struct em_ctx *ctx, int role, const char *cluster, const char *device,
			      const char *user_id, const char *reason, int *ended,
			      struct em_result *res)
{
	struct store_em_state s;
	char uid[LIM_ID_MAX] = "", detail[LIM_TEXT_MAX];
	int rc, lc = 0, found;

	*ended = 0;
	memset(res, 0, sizeof(*res));
	if (!device || !*device || strlen(device) >= LIM_ID_MAX || !cluster || !*cluster) {
		res_set(res, EM_DEVICE_NOT_FOUND, NULL);
		return EPERM;
	}
	if (user_id && *user_id && em_user_id_normalize(user_id, uid, sizeof(uid)) != 0)
		return 0; /* no such login can exist */
	rc = store_begin(ctx->st);
	if (rc)
		return store_err(res, rc);
	rc = store_em_state_get(ctx->st, device, &s);
	if (rc && rc != ENOENT)
		goto fail;
	found = rc == 0 && *s.user_id && s.emcc_role == role;
	if (!found || strcmp(s.remote_cluster, cluster) != 0 ||
	    (*uid && strcmp(uid, s.user_id) != 0)) {
		/* Nothing of that cluster's to end; an orphan EMCC device of its may be left. */
		struct store_emcc_home_device hd;

		rc = 0;
		if (role == STORE_EMCC_HOME && !found &&
		    store_emcc_home_device_get(ctx->st, device, &hd) == 0 &&
		    strcmp(hd.visiting_cluster, cluster) == 0) {
			rc = store_emcc_home_device_delete(ctx->st, device);
			/* The device's file goes with the row: a new stamp in this transaction,
			 * so a cached cnf.xml under the old one is not served any more. */
			if (rc == 0)
				rc = store_config_bump(ctx->st, device, ctx->now_ms, NULL, 0);
		}
		goto commit;
	}
	snprintf(detail, sizeof(detail), "EMCC: %s cluster %.64s ended it (%.64s)",
		 role == STORE_EMCC_HOME ? "visiting" : "home", cluster,
		 reason && *reason ? reason : "no reason given");
	rc = em_logout_locked_ex(ctx, &s, "logout", "emcc", detail, &lc, 0);
	if (rc)
		goto fail;
	if (role == STORE_EMCC_VISITOR) {
		rc = store_config_bump(ctx->st, device, ctx->now_ms, NULL, 0);
		if (rc)
			goto fail;
	}
	*ended = 1;
commit:
	if (rc)
		goto fail;
	rc = store_commit(ctx->st);
	if (rc) {
		store_rollback(ctx->st);
		*ended = 0;
		return store_err(res, rc);
	}
	if (*ended && ctx->on_change)
		ctx->on_change(ctx->on_change_arg, device, EM_CHANGE_LOGOUT, lc);
	return 0;
fail:
	store_rollback(ctx->st);
	*ended = 0;
	return store_err(res, rc);
}

int em_emcc_home_logout(struct em_ctx *ctx, const char *visiting_cluster, const char *device,
			const char *user_id, const char *reason, int *ended, struct em_result *res)
{
	return emcc_remote_logout(ctx, STORE_EMCC_HOME, visiting_cluster, device, user_id, reason,
				  ended, res);
}

int em_emcc_visiting_logout(struct em_ctx *ctx, const char *home_cluster, const char *device,
			    const char *user_id, const char *reason, int *ended,
			    struct em_result *res)
{
	return emcc_remote_logout(ctx, STORE_EMCC_VISITOR, home_cluster, device, user_id, reason,
				  ended, res);
}

int em_emcc_visit_record(struct em_ctx *ctx, const struct em_emcc_visit_record *v,
			 struct em_result *res)
{
	struct store *st = ctx->st;
	struct store_em_state cur, next;
	struct store_emcc_visit visit;
	struct store_device dev;
	char uid[LIM_ID_MAX], detail[LIM_TEXT_MAX];
	int64_t now_s = ctx->now_ms / 1000;
	int rc;

	memset(res, 0, sizeof(*res));
	if (em_user_id_normalize(v->user_id, uid, sizeof(uid)) != 0 || !v->home_cluster ||
	    !*v->home_cluster) {
		res_set(res, EM_USER_NOT_FOUND, NULL);
		return EPERM;
	}
	rc = store_begin(st);
	if (rc)
		return store_err(res, rc);
	rc = store_device_get(st, v->device, &dev);
	if (rc == ENOENT) {
		store_rollback(st);
		res_set(res, EM_DEVICE_NOT_FOUND, NULL);
		return EPERM;
	}
	if (rc)
		goto fail;
	rc = store_em_state_get(st, v->device, &cur);
	if (rc && rc != ENOENT)
		goto fail;
	if (rc == 0 && *cur.user_id) {
		store_rollback(st);
		res_set(res, EM_ANOTHER_USER_LOGGED_IN, "%s is logged in on %s meanwhile",
			cur.user_id, v->device);
		return EPERM;
	}
	memset(&visit, 0, sizeof(visit));
	str_copy(visit.device, sizeof(visit.device), v->device);
	str_copy(visit.user_id, sizeof(visit.user_id), uid);
	str_copy(visit.home_cluster, sizeof(visit.home_cluster), v->home_cluster);
	str_copy(visit.home_tftp, sizeof(visit.home_tftp), v->home_tftp);
	str_copy(visit.home_call_manager, sizeof(visit.home_call_manager), v->home_call_manager);
	str_copy(visit.home_tvs, sizeof(visit.home_tvs), v->home_tvs);
	visit.login_time = now_s;
	visit.login_duration = v->login_duration;
	rc = store_config_bump(ctx->st, v->device, ctx->now_ms, visit.config_version,
			       sizeof(visit.config_version));
	if (rc)
		goto fail;
	rc = store_emcc_visit_put(st, &visit);
	if (rc)
		goto fail;
	memset(&next, 0, sizeof(next));
	str_copy(next.device, sizeof(next.device), v->device);
	str_copy(next.user_id, sizeof(next.user_id), uid);
	str_copy(next.profile, sizeof(next.profile), v->profile);
	next.login_time = now_s;
	next.login_duration = v->login_duration;
	if (ctx->params->remember_last_user)
		str_copy(next.last_user_id, sizeof(next.last_user_id), uid);
	next.emcc_role = STORE_EMCC_VISITOR;
	str_copy(next.remote_cluster, sizeof(next.remote_cluster), v->home_cluster);
	str_copy(next.remote_ip, sizeof(next.remote_ip), ctx->remote_ip);
	rc = store_em_state_put(st, &next);
	if (rc)
		goto fail;
	/* A stale login of this phone may have a logout still queued for the home; the home
	 * ended that login when it took this one, so the message would only end the new one. */
	rc = store_logout_cancel(st, v->device);
	if (rc == 0)
		rc = store_emcc_outbox_delete_for(st, v->home_cluster, v->device, NULL);
	if (rc)
		goto fail;
	snprintf(detail, sizeof(detail), "EMCC home %.64s request %llu; %.64s; duration %llds",
		 v->home_cluster, (unsigned long long)v->home_reqno, v->profile,
		 (long long)v->login_duration);
	rc = em_audit_write(ctx, "login", uid, v->device, NULL, 0, detail);
	if (rc)
		goto fail;
	rc = store_commit(st);
	if (rc) {
		store_rollback(st);
		return store_err(res, rc);
	}
	if (ctx->on_change)
		ctx->on_change(ctx->on_change_arg, v->device, EM_CHANGE_LOGIN, 0);
	return 0;
fail:
	store_rollback(st);
	return store_err(res, rc);
}

int em_emcc_outbox_queue(struct em_ctx *ctx, const char *cluster, const char *kind,
			 const char *device, const char *user_id, const char *reason)
{
	struct store_emcc_outbox o;
	int rc;

	memset(&o, 0, sizeof(o));
	str_copy(o.cluster, sizeof(o.cluster), cluster);
	str_copy(o.kind, sizeof(o.kind), kind);
	str_copy(o.device, sizeof(o.device), device);
	if (user_id && em_user_id_normalize(user_id, o.user_id, sizeof(o.user_id)) != 0)
		o.user_id[0] = '\0';
	str_copy(o.reason, sizeof(o.reason), reason);
	o.next_attempt_ms = ctx->now_ms;
	o.created_ms = ctx->now_ms;
	rc = store_begin(ctx->st);
	if (rc)
		return rc;
	rc = store_emcc_outbox_add(ctx->st, &o, NULL);
	if (rc == 0)
		rc = store_commit(ctx->st);
	if (rc)
		store_rollback(ctx->st);
	return rc;
}

/* ---- maintenance ---- */

struct name_list {
	size_t n, cap;
	char (*v)[LIM_ID_MAX];
};

static int name_add(struct name_list *l, const char *name)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char(*v)[LIM_ID_MAX] = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	str_copy(l->v[l->n++], LIM_ID_MAX, name);
	return 0;
}

static int hd_collect(void *arg, const struct store_emcc_home_device *hd)
{
	return name_add(arg, hd->device);
}

static int visit_collect(void *arg, const struct store_emcc_visit *v)
{
	return name_add(arg, v->device);
}

/* One EMCC row: expired -> logged out (the other side told through the outbox); without a
 * login behind it -> deleted. In its own transaction. */
static int expire_one(struct em_ctx *ctx, int role, const char *device, int64_t grace_s,
		      size_t *removed)
{
	struct store_em_state s;
	int64_t now_s = ctx->now_ms / 1000;
	int rc, lc = 0, changed = 0, logged;

	rc = store_begin(ctx->st);
	if (rc)
		return rc;
	rc = store_em_state_get(ctx->st, device, &s);
	if (rc && rc != ENOENT)
		goto fail;
	logged = rc == 0 && *s.user_id && s.emcc_role == role;
	if (!logged) {
		rc = role == STORE_EMCC_HOME ? store_emcc_home_device_delete(ctx->st, device)
					     : store_emcc_visit_delete(ctx->st, device);
		/* Either row decides what the device's file says (prov/build.h): with it gone
		 * the file changes, so the stamp changes in this transaction too (no logout
		 * does it here), and the provisioning cache keyed by it cannot serve the old
		 * file. */
		if (rc == ENOENT)
			rc = 0; /* gone meanwhile: nothing changed here */
		else if (rc == 0)
			rc = store_config_bump(ctx->st, device, ctx->now_ms, NULL, 0);
		if (rc)
			goto fail;
		changed = 1;
	} else if (s.login_duration > 0 && s.login_time + s.login_duration + grace_s < now_s) {
		rc = em_logout_locked(ctx, &s, "autoLogout", "timer",
				      "expired EMCC device maintenance", &lc);
		if (rc)
			goto fail;
		changed = 2;
	}
	rc = store_commit(ctx->st);
	if (rc) {
		store_rollback(ctx->st);
		return rc;
	}
	if (changed)
		(*removed)++;
	if (changed == 2 && ctx->on_change)
		ctx->on_change(ctx->on_change_arg, device, EM_CHANGE_LOGOUT, lc);
	return 0;
fail:
	store_rollback(ctx->st);
	return rc;
}

int em_emcc_expire(struct em_ctx *ctx, int64_t grace_s, size_t *removed)
{
	struct name_list home = {0}, visits = {0};
	int rc, err = 0;

	*removed = 0;
	rc = store_emcc_home_device_list(ctx->st, "", 0, hd_collect, &home);
	if (rc == 0)
		rc = store_emcc_visit_list(ctx->st, "", 0, visit_collect, &visits);
	if (rc) {
		err = rc;
		goto out;
	}
	for (size_t i = 0; i < home.n; i++)
		if ((rc = expire_one(ctx, STORE_EMCC_HOME, home.v[i], grace_s, removed)))
			err = rc; /* one bad row must not block the others */
	for (size_t i = 0; i < visits.n; i++)
		if ((rc = expire_one(ctx, STORE_EMCC_VISITOR, visits.v[i], grace_s, removed)))
			err = rc;
out:
	free(home.v);
	free(visits.v);
	return err;
}

struct prof_fill {
	char (*v)[LIM_ID_MAX];
	size_t max, n;
};

static int prof_fill(void *arg, const struct store_user_profile *up)
{
	struct prof_fill *f = arg;

	if (f->n < f->max)
		str_copy(f->v[f->n++], LIM_ID_MAX, up->profile);
	return 0;
}

int em_emcc_check_user(struct em_ctx *ctx, const char *user_id, int *exists,
		       char (*profiles)[LIM_ID_MAX], size_t max, size_t *n)
{
	char uid[LIM_ID_MAX];
	struct store_user u;
	struct prof_fill f = {profiles, max, 0};
	int rc;

	*exists = 0;
	*n = 0;
	if (em_user_id_normalize(user_id, uid, sizeof(uid)) != 0)
		return 0;
	if (!ctx->params->alphanumeric_user_id) {
		for (const char *p = uid; *p; p++)
			if (*p < '0' || *p > '9')
				return 0;
	}
	rc = store_user_get(ctx->st, uid, &u);
	if (rc == ENOENT)
		return 0;
	if (rc)
		return rc;
	*exists = 1;
	rc = store_user_profile_list(ctx->st, uid, prof_fill, &f);
	*n = f.n;
	return rc;
}

/* The remote clusters a login asks, as em_emcc_visit_check lists them (EMCC enabled, with an
 * address, by id), without the phone's checks: for `emcc cluster lookup`. */
int em_emcc_remote_clusters(struct em_ctx *ctx, struct em_emcc_visit_check *out)
{
	out->nclusters = 0;
	return store_remote_cluster_list(ctx->st, "", 0, cluster_collect, out);
}
