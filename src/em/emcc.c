/* emcc.c -- EMCC policy: the visiting side's checks and records, the logouts one cluster asks of
 * the other, the expired EMCC device maintenance. The home side's login is emcc_home.c.
 *
 * Decisions where Cisco's documents leave room (shared/reference/cisco-em-emcc.md section 3):
 *  - The visiting side schedules no logout of its own: the home's timer ends the login and
 *    tells us (visitingLogout); the expired EMCC device maintenance is the safety net. */
#include "em/em.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/str.h"
#include "em/em_internal.h"
#include "em/models.h"

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
	if (!device || !*device || strlen(device) >= LIM_ID_MAX)
		return em_refuse(res, EM_DEVICE_NOT_FOUND);
	rc = store_device_get(ctx->st, device, &dev);
	if (rc == ENOENT)
		return em_refuse(res, EM_DEVICE_NOT_FOUND);
	if (rc)
		return em_store_error(res, rc);
	if (!dev.em_enabled)
		return em_refuse(res, EM_DEVICE_LOGON_DISABLED);
	m = em_model_find(dev.model);
	if (!dev.emcc_enabled || !m || !m->supports_emcc)
		return em_refusef(res, EMAPP_DEVICE_NO_EMCC, "%s (32): %s",
				  em_code_text(EM_DEVICE_NO_EMCC),
				  !dev.emcc_enabled ? "EMCC is not enabled on the device"
						    : "the phone model does not support EMCC");
	rc = store_em_state_get(ctx->st, device, &s);
	if (rc == 0 && *s.user_id)
		return em_refuse(res, EM_ANOTHER_USER_LOGGED_IN);
	if (rc && rc != ENOENT)
		return em_store_error(res, rc);
	if (!ctx->params->emcc_active)
		return em_refusef(res, EMAPP_EMCC_NOT_ACTIVATED,
				  "EMCC is not active in the Intercluster Service Profile");
	rc = store_remote_cluster_list(ctx->st, "", 0, cluster_collect, out);
	if (rc)
		return em_store_error(res, rc);
	if (out->nclusters == 0)
		return em_refuse(res, EM_NO_REMOTE_CLUSTER);
	str_copy(out->model, sizeof(out->model), dev.model);
	out->model_enum = m->model_enum;
	str_copy(out->protocol, sizeof(out->protocol), *dev.protocol ? dev.protocol : "SIP");
	out->security_mode = dev.security_mode ? dev.security_mode : 1;
	return 0;
}

/* ---- the logouts one cluster asks of the other ---- */

/* An EMCC device at home without a login behind it, of the visiting cluster that asks: it goes,
 * and the device's file with it, so a new stamp in this transaction (a cached cnf.xml under
 * the old one is not served any more). */
static int orphan_home_device(struct em_ctx *ctx, const char *cluster, const char *device)
{
	struct store_emcc_home_device hd;
	int rc;

	if (store_emcc_home_device_get(ctx->st, device, &hd) != 0 ||
	    strcmp(hd.visiting_cluster, cluster) != 0)
		return 0;
	rc = store_emcc_home_device_delete(ctx->st, device);
	return rc ? rc : store_config_bump(ctx->st, device, ctx->now_ms, NULL, 0);
}

/* Inside the transaction: ends the EMCC login on device with role when it names cluster (and
 * uid, unless ""), without telling cluster back: it asked. */
static int remote_logout_locked(struct em_ctx *ctx, int role, const char *cluster,
				const char *device, const char *uid, const char *reason,
				struct em_changes *changes)
{
	struct store_em_state s;
	char detail[LIM_TEXT_MAX];
	int rc = store_em_state_get(ctx->st, device, &s), found;

	if (rc && rc != ENOENT)
		return rc;
	found = rc == 0 && *s.user_id && s.emcc_role == role;
	if (!found || strcmp(s.remote_cluster, cluster) != 0 || (*uid && strcmp(uid, s.user_id)))
		/* Nothing of that cluster's to end; an orphan EMCC device of its may be left. */
		return role == STORE_EMCC_HOME && !found ? orphan_home_device(ctx, cluster, device)
							 : 0;
	snprintf(detail, sizeof(detail), "EMCC: %s cluster %.64s ended it (%.64s)",
		 role == STORE_EMCC_HOME ? "visiting" : "home", cluster,
		 reason && *reason ? reason : "no reason given");
	return em_logout_locked(ctx, &s, "logout", "emcc", detail, 0, changes);
}

static int emcc_remote_logout(struct em_ctx *ctx, int role, const char *cluster, const char *device,
			      const char *user_id, const char *reason, int *ended,
			      struct em_result *res)
{
	struct em_changes changes = {0};
	char uid[LIM_ID_MAX] = "";
	int rc;

	*ended = 0;
	memset(res, 0, sizeof(*res));
	if (!device || !*device || strlen(device) >= LIM_ID_MAX || !cluster || !*cluster)
		return em_refuse(res, EM_DEVICE_NOT_FOUND);
	if (user_id && *user_id && em_user_id_normalize(user_id, uid, sizeof(uid)) != 0)
		return 0; /* no such login can exist */
	rc = store_begin(ctx->st);
	if (rc)
		return em_store_error(res, rc);
	rc = em_tx_close(ctx,
			 remote_logout_locked(ctx, role, cluster, device, uid, reason, &changes));
	*ended = rc == 0 && changes.items.n > 0;
	em_changes_finish(ctx, &changes, rc == 0);
	return rc ? em_store_error(res, rc) : 0;
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

/* ---- the visiting side's record of a login the home accepted ---- */

/* The check phase: our phone (11), still free (18: taken meanwhile). */
static int visit_check(struct em_ctx *ctx, const struct em_emcc_visit_record *v,
		       struct em_result *res)
{
	struct store_device dev;
	struct store_em_state cur;
	int rc = store_device_get(ctx->st, v->device, &dev);

	if (rc == ENOENT)
		return em_refuse(res, EM_DEVICE_NOT_FOUND);
	if (rc == 0)
		rc = store_em_state_get(ctx->st, v->device, &cur);
	if (rc == 0 && *cur.user_id)
		return em_refusef(res, EM_ANOTHER_USER_LOGGED_IN, "%s is logged in on %s meanwhile",
				  cur.user_id, v->device);
	return rc && rc != ENOENT ? em_store_error(res, rc) : 0;
}

/* The record phase: the login (no timer of ours), the visit row, the outbox. */
static int visit_write(struct em_ctx *ctx, const struct em_emcc_visit_record *v, const char *uid,
		       struct em_changes *changes)
{
	struct store_emcc_visit visit;
	char detail[LIM_TEXT_MAX];
	int rc;

	snprintf(detail, sizeof(detail), "EMCC home %.64s request %llu; %.64s; duration %llds",
		 v->home_cluster, (unsigned long long)v->home_reqno, v->profile,
		 (long long)v->login_duration);
	struct em_login_rec rec = {
	    .device = v->device,
	    .user_id = uid,
	    .profile = v->profile,
	    .duration = v->login_duration,
	    .own_timer = 0, /* the home's timer ends it (file header) */
	    .emcc_role = STORE_EMCC_VISITOR,
	    .remote_cluster = v->home_cluster,
	    .remote_ip = ctx->remote_ip,
	    .detail = detail,
	};
	memset(&visit, 0, sizeof(visit));
	rc =
	    em_login_record(ctx, &rec, changes, visit.config_version, sizeof(visit.config_version));
	if (rc)
		return rc;
	str_copy(visit.device, sizeof(visit.device), v->device);
	str_copy(visit.user_id, sizeof(visit.user_id), uid);
	str_copy(visit.home_cluster, sizeof(visit.home_cluster), v->home_cluster);
	str_copy(visit.home_tftp, sizeof(visit.home_tftp), v->home_tftp);
	str_copy(visit.home_call_manager, sizeof(visit.home_call_manager), v->home_call_manager);
	str_copy(visit.home_tvs, sizeof(visit.home_tvs), v->home_tvs);
	visit.login_time = ctx->now_ms / 1000;
	visit.login_duration = v->login_duration;
	rc = store_emcc_visit_put(ctx->st, &visit);
	/* A stale login of this phone may have a logout still queued for the home; the home
	 * ended that login when it took this one, so the message would only end the new one. */
	if (rc == 0)
		rc = store_emcc_outbox_delete_for(ctx->st, v->home_cluster, v->device, NULL);
	return rc;
}

int em_emcc_visit_record(struct em_ctx *ctx, const struct em_emcc_visit_record *v,
			 struct em_result *res)
{
	struct em_changes changes = {0};
	char uid[LIM_ID_MAX];
	int rc;

	memset(res, 0, sizeof(*res));
	if (em_user_id_normalize(v->user_id, uid, sizeof(uid)) != 0 || !v->home_cluster ||
	    !*v->home_cluster)
		return em_refuse(res, EM_USER_NOT_FOUND);
	rc = store_begin(ctx->st);
	if (rc)
		return em_store_error(res, rc);
	rc = visit_check(ctx, v, res);
	if (rc) {
		store_rollback(ctx->st);
		return rc;
	}
	rc = em_tx_close(ctx, visit_write(ctx, v, uid, &changes));
	em_changes_finish(ctx, &changes, rc == 0);
	return rc ? em_store_error(res, rc) : 0;
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
	return rc ? rc : em_tx_close(ctx, store_emcc_outbox_add(ctx->st, &o, NULL));
}

/* ---- maintenance ---- */

static int name_add(struct vec *names, const char *name)
{
	char(*slot)[LIM_ID_MAX] = vec_push(names, sizeof(*slot));

	if (!slot)
		return ENOMEM;
	str_copy(*slot, sizeof(*slot), name);
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

/* Inside the transaction: one EMCC row expired -> logged out (the other side told through the
 * outbox); without a login behind it -> deleted. *changed when either. */
static int expire_locked(struct em_ctx *ctx, int role, const char *device, int64_t grace_s,
			 int *changed, struct em_changes *changes)
{
	struct store_em_state s;
	int rc = store_em_state_get(ctx->st, device, &s);

	if (rc && rc != ENOENT)
		return rc;
	if (rc == ENOENT || !*s.user_id || s.emcc_role != role) {
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
		*changed = rc == 0;
		return rc;
	}
	if (s.login_duration <= 0 ||
	    s.login_time + s.login_duration + grace_s >= ctx->now_ms / 1000)
		return 0;
	*changed = 1;
	return em_logout_locked(ctx, &s, "autoLogout", "timer", "expired EMCC device maintenance",
				1, changes);
}

/* One EMCC row in its own transaction. */
static int expire_one(struct em_ctx *ctx, int role, const char *device, int64_t grace_s,
		      size_t *removed)
{
	struct em_changes changes = {0};
	int rc = store_begin(ctx->st), changed = 0;

	if (rc)
		return rc;
	rc = em_tx_close(ctx, expire_locked(ctx, role, device, grace_s, &changed, &changes));
	if (rc == 0 && changed)
		(*removed)++;
	em_changes_finish(ctx, &changes, rc == 0);
	return rc;
}

/* Every row of names (one role's devices), each in its own transaction: one bad row must not
 * block the others. Returns 0 or the last error. */
static int expire_all(struct em_ctx *ctx, int role, const struct vec *names, int64_t grace_s,
		      size_t *removed)
{
	const char(*v)[LIM_ID_MAX] = names->data;
	int rc, err = 0;

	for (size_t i = 0; i < names->n; i++)
		if ((rc = expire_one(ctx, role, v[i], grace_s, removed)))
			err = rc;
	return err;
}

int em_emcc_expire(struct em_ctx *ctx, int64_t grace_s, size_t *removed)
{
	struct vec home = {0}, visits = {0};
	int rc, err;

	*removed = 0;
	rc = store_emcc_home_device_list(ctx->st, "", 0, hd_collect, &home);
	if (rc == 0)
		rc = store_emcc_visit_list(ctx->st, "", 0, visit_collect, &visits);
	if (rc == 0) {
		err = expire_all(ctx, STORE_EMCC_HOME, &home, grace_s, removed);
		rc = expire_all(ctx, STORE_EMCC_VISITOR, &visits, grace_s, removed);
		rc = rc ? rc : err;
	}
	vec_free(&home);
	vec_free(&visits);
	return rc;
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
