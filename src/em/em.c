/* em.c -- Extension Mobility policy: appInfo authentication, login, logout and the queries.
 *
 * Decisions where CUCM's documents leave room:
 *  - A login on a device where the SAME user is already logged in with the SAME profile
 *    succeeds without changing anything (no restart, the login time and auto logout stay as
 *    they were), so an integration that retries after a lost answer does not get 18. Any
 *    other login on an occupied device gets 18, as CUCM does.
 *  - Remember the Last User Logged In = false: a login stores an empty last_user_id, so the
 *    database keeps no "last user" of a phone (the audit trail still has the history).
 *    Logout always keeps the last_user_id the login stored. Queries show it only when the
 *    parameter is true.
 *  - Store errors answer 6 "Database Error", except EBUSY (the writer lock could not be had),
 *    which answers 26 "Busy, please try again" so the client retries.
 *  - Policy failures return EPERM; store failures return the store's errno.
 *  - An unknown appID costs the same Argon2id verification as a wrong password, so neither
 *    the answer nor its timing tells whether the user exists.
 *  - Phone (PIN) logins share em_login's checks and recording (login_core). The device checks
 *    (11, 22) come before the PIN because they say nothing about users; everything about the
 *    user (exists, PIN, locked, has a PIN) answers 201 alike, and an unknown user costs the same
 *    PIN verification as a known one. The failed-logon count changes in the request's own
 *    transaction, or, when the login fails, in the transaction that records the failure, so a
 *    refused login still counts. A lockout that has run out starts the count again. */
#include "em/em.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/str.h"
#include "em/em_internal.h"

#define EXCLUSIVE_MINUTES_MAX (366L * 24 * 60) /* an explicit duration longer is a typo */

static void res_code(struct em_result *res, int code)
{
	if (!res)
		return;
	res->code = code;
	str_copy(res->text, sizeof(res->text), em_code_text(code));
}

__attribute__((format(printf, 3, 4))) static void res_fmt(struct em_result *res, int code,
							  const char *fmt, ...)
{
	va_list ap;

	if (!res)
		return;
	res->code = code;
	va_start(ap, fmt);
	vsnprintf(res->text, sizeof(res->text), fmt, ap);
	va_end(ap);
}

void em_result_store_error(struct em_result *res, int err)
{
	res_code(res, err == EBUSY ? EM_BUSY : EM_DATABASE_ERROR);
}

int em_user_id_normalize(const char *in, char *out, size_t outlen)
{
	size_t len;

	if (!in || !out)
		return EINVAL;
	len = strlen(in);
	if (len == 0 || len >= LIM_ID_MAX || len >= outlen)
		return EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c < 0x20 || c == 0x7f)
			return EINVAL;
		/* ASCII only: UTF-8 bytes pass through unchanged. */
		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : (char)c;
	}
	out[len] = '\0';
	return 0;
}

int em_audit_write(struct em_ctx *ctx, const char *action, const char *user_id, const char *device,
		   const char *source, int code, const char *detail)
{
	struct store_audit a;

	memset(&a, 0, sizeof(a));
	a.time_ms = ctx->now_ms;
	str_copy(a.action, sizeof(a.action), action);
	str_copy(a.user_id, sizeof(a.user_id), user_id);
	str_copy(a.device, sizeof(a.device), device);
	str_copy(a.source, sizeof(a.source), source ? source : ctx->source);
	str_copy(a.remote_ip, sizeof(a.remote_ip), ctx->remote_ip);
	a.code = code;
	str_copy(a.detail, sizeof(a.detail), detail);
	a.reqno = ctx->reqno;
	return store_audit_add(ctx->st, &a);
}

/* Records a refused request in its own transaction, after the caller rolled back. Best
 * effort: the answer to the client matters more than the trail when the database is down. */
static void audit_failure(struct em_ctx *ctx, const char *action, const char *user_id,
			  const char *device, const struct em_result *res)
{
	if (store_begin(ctx->st) != 0)
		return;
	if (em_audit_write(ctx, action, user_id, device, NULL, res->code, res->text) != 0 ||
	    store_commit(ctx->st) != 0)
		store_rollback(ctx->st);
}

static int locale_differs(const char *a, const char *b)
{
	return *a && *b && strcmp(a, b) != 0;
}

int em_logout_locked(struct em_ctx *ctx, const struct store_em_state *s, const char *action,
		     const char *source, const char *detail, int *locale_changed)
{
	return em_logout_locked_ex(ctx, s, action, source, detail, locale_changed, 1);
}

/* An EMCC row's other half: the home's EMCC device or our visit record goes with the login,
 * and unless the other cluster itself asked, a message for it goes into the outbox in this
 * same transaction (delivered and retried by the daemon). */
static int emcc_logout_locked(struct em_ctx *ctx, const struct store_em_state *s,
			      const char *source, int tell_remote)
{
	struct store_emcc_outbox o;
	int rc;

	if (s->emcc_role == STORE_EMCC_HOME)
		rc = store_emcc_home_device_delete(ctx->st, s->device);
	else
		rc = store_emcc_visit_delete(ctx->st, s->device);
	if (rc && rc != ENOENT)
		return rc;
	if (!tell_remote || !*s->remote_cluster)
		return 0;
	memset(&o, 0, sizeof(o));
	str_copy(o.cluster, sizeof(o.cluster), s->remote_cluster);
	str_copy(o.kind, sizeof(o.kind),
		 s->emcc_role == STORE_EMCC_HOME ? "visitingLogout" : "homeLogout");
	str_copy(o.device, sizeof(o.device), s->device);
	str_copy(o.user_id, sizeof(o.user_id), s->user_id);
	str_copy(o.reason, sizeof(o.reason), source ? source : ctx->source);
	o.next_attempt_ms = ctx->now_ms;
	o.created_ms = ctx->now_ms;
	rc = store_emcc_outbox_add(ctx->st, &o, NULL);
	/* The cluster was deleted: nobody is left to tell. */
	return rc == ENOENT ? 0 : rc;
}

int em_logout_locked_ex(struct em_ctx *ctx, const struct store_em_state *s, const char *action,
			const char *source, const char *detail, int *locale_changed,
			int tell_remote)
{
	struct store_em_state n = *s;
	struct store_device dev;
	struct store_profile prof;
	int rc;

	if (s->emcc_role == STORE_EMCC_HOME || s->emcc_role == STORE_EMCC_VISITOR) {
		rc = emcc_logout_locked(ctx, s, source, tell_remote);
		if (rc)
			return rc;
	}

	*locale_changed = 0;
	if (store_device_get(ctx->st, s->device, &dev) == 0 && *s->profile &&
	    store_profile_get(ctx->st, s->profile, &prof) == 0)
		*locale_changed = locale_differs(dev.user_locale, prof.user_locale);
	n.user_id[0] = '\0';
	n.profile[0] = '\0';
	n.login_time = 0;
	n.login_duration = 0;
	n.emcc_role = STORE_EMCC_NONE;
	n.remote_cluster[0] = '\0';
	n.remote_ip[0] = '\0';
	rc = store_em_state_put(ctx->st, &n);
	if (rc == 0) /* the phone's file changes: a new versionStamp in the same transaction */
		rc = store_config_bump(ctx->st, s->device, ctx->now_ms, NULL, 0);
	if (rc == 0)
		rc = store_logout_cancel(ctx->st, s->device);
	if (rc == 0)
		rc = em_audit_write(ctx, action, s->user_id, s->device, source, 0, detail);
	return rc;
}

/* ---- authentication ------------------------------------------------------------------- */

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[CRED_HASH_MAX];

static void dummy_init(void)
{
	/* Any password will do; nobody can know it. */
	if (cred_password_hash("emcc-no-such-user-7f3a9c", dummy_hash, sizeof(dummy_hash)) != 0)
		dummy_hash[0] = '\0';
}

int em_authenticate(struct em_ctx *ctx, const char *app_id, const char *secret,
		    struct em_caller *caller, struct em_result *res)
{
	struct store_app_user app;
	struct store_user user;
	const char *hash = NULL;
	char uid[LIM_ID_MAX];
	int64_t left = 0;
	int rc;

	memset(caller, 0, sizeof(*caller));
	if (!app_id || !*app_id || !secret || !*secret) {
		res_fmt(res, EM_AUTH_ERROR,
			"Cannot authorize App user: appID or password is blank");
		return EPERM;
	}
	if (strlen(app_id) >= LIM_ID_MAX)
		goto denied;
	rc = store_app_user_get(ctx->st, app_id, &app);
	if (rc == 0) {
		hash = app.password_hash;
		str_copy(caller->id, sizeof(caller->id), app_id);
		caller->is_app_user = 1;
		caller->proxy_rights = app.em_proxy_rights;
	} else if (rc == ENOENT) {
		if (em_user_id_normalize(app_id, uid, sizeof(uid)) != 0)
			goto denied;
		rc = store_user_get(ctx->st, uid, &user);
		if (rc == 0) {
			hash = user.password_hash;
			str_copy(caller->id, sizeof(caller->id), uid);
			caller->proxy_rights = user.em_proxy_rights;
		} else if (rc != ENOENT && rc != EINVAL) {
			goto store_error;
		}
	} else if (rc != EINVAL) {
		goto store_error;
	}
	if (!hash || !*hash)
		goto denied;
	if (ctx->cache && cred_cache_check(ctx->cache, caller->id, secret, ctx->now_ms, &left)) {
		caller->from_cache = 1;
		caller->cache_left_ms = left;
		return 0;
	}
	if (cred_password_verify(hash, secret) != 0)
		goto denied_verified;
	if (ctx->cache && ctx->params->credential_cache_seconds > 0)
		cred_cache_put(ctx->cache, caller->id, secret,
			       ctx->now_ms + (int64_t)ctx->params->credential_cache_seconds * 1000);
	return 0;

denied:
	pthread_once(&dummy_once, dummy_init);
	if (*dummy_hash)
		cred_password_verify(dummy_hash, secret);
denied_verified:
	memset(caller, 0, sizeof(*caller));
	res_fmt(res, EM_INVALID_APP_USER, "Could not authenticate '%.200s'", app_id);
	return EPERM;
store_error:
	memset(caller, 0, sizeof(*caller));
	em_result_store_error(res, rc);
	return rc;
}

/* ---- login ---------------------------------------------------------------------------- */

static int may_act_for(const struct em_caller *caller, const char *uid)
{
	if (caller->proxy_rights)
		return 1;
	return !caller->is_app_user && uid && *caller->id && strcmp(caller->id, uid) == 0;
}

int em_multiple_login(struct em_ctx *ctx, const char *uid, struct em_state_list *others,
		      const char *source, const char *detail, int **locale, int *refuse)
{
	int rc = store_em_state_by_user(ctx->st, uid, em_state_list_add, others);

	*refuse = 0;
	if (rc || others->n == 0)
		return rc;
	switch (ctx->params->multiple_login_behavior) {
	case EM_MULTI_ALLOWED: others->n = 0; return 0;
	case EM_MULTI_AUTO_LOGOUT:
		if (locale && !(*locale = calloc(others->n, sizeof(**locale))))
			return ENOMEM;
		for (size_t i = 0; i < others->n; i++) {
			int lc;
			rc = em_logout_locked(ctx, &others->v[i], "autoLogout", source, detail,
					      locale ? &(*locale)[i] : &lc);
			if (rc)
				return rc;
		}
		return 0;
	default: *refuse = 1; return 0;
	}
}

int em_state_list_add(void *arg, const struct store_em_state *s)
{
	struct em_state_list *l = arg;

	if (l->skip && strcmp(s->device, l->skip) == 0)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		struct store_em_state *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *s;
	return 0;
}

struct profile_find {
	const char *name;
	int found;
};

static int find_profile(void *arg, const struct store_user_profile *up)
{
	struct profile_find *f = arg;

	if (strcmp(up->profile, f->name) == 0)
		f->found = 1;
	return 0;
}

static int all_digits(const char *s)
{
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* Fails the current request with an EM code (goto out). */
#define FAIL(c)                                                                                    \
	do {                                                                                       \
		code = (c);                                                                        \
		goto out;                                                                          \
	} while (0)
/* Fails the current request because the store said rc (goto out). */
#define STORE_FAIL(r)                                                                              \
	do {                                                                                       \
		serr = (r);                                                                        \
		code = (serr == EBUSY) ? EM_BUSY : EM_DATABASE_ERROR;                              \
		goto out;                                                                          \
	} while (0)

/* ---- PIN logins: the credential policy ---- */

/* struct pin_step and enum pin_update live in em_internal.h: emcc.c's homeLogin checks the PIN
 * through the same code. */

__attribute__((format(printf, 3, 4))) static void pin_reason(struct pin_step *ps, int code,
							     const char *fmt, ...)
{
	va_list ap;

	ps->out->real_code = code;
	va_start(ap, fmt);
	vsnprintf(ps->out->reason, sizeof(ps->out->reason), fmt, ap);
	va_end(ap);
}

static void format_until(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t >= EM_LOCKED_UNTIL_UNLOCK || !gmtime_r(&tt, &tm) ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "an administrator unlocks");
}

/* Inside a transaction: applies the failed-logon count change to the user's row, re-read here
 * so that concurrent attempts (serialised by the writer lock) all count. */
int em_pin_counter_apply(struct em_ctx *ctx, struct pin_step *ps, const char *uid)
{
	struct store_user u;
	int64_t now_s = ctx->now_ms / 1000;
	int threshold = ctx->params->failed_logon_threshold, rc;
	char until[40];

	if (ps->upd == PIN_UPD_NONE || !*uid)
		return 0;
	rc = store_user_get(ctx->st, uid, &u);
	if (rc)
		return rc == ENOENT ? 0 : rc; /* deleted meanwhile: nothing to count */
	if (ps->upd == PIN_UPD_RESET) {
		if (u.failed_logons == 0 && u.locked_until == 0)
			return 0;
		u.failed_logons = 0;
		u.locked_until = 0;
		return store_user_update(ctx->st, &u);
	}
	if (u.locked_until != 0 && u.locked_until <= now_s) {
		u.failed_logons = 0;
		u.locked_until = 0;
	}
	if (u.failed_logons < INT_MAX)
		u.failed_logons++;
	if (threshold > 0 && u.failed_logons >= threshold && u.locked_until == 0) {
		u.locked_until = ctx->params->lockout_minutes > 0
				     ? now_s + (int64_t)ctx->params->lockout_minutes * 60
				     : EM_LOCKED_UNTIL_UNLOCK;
		ps->out->lockout_engaged = 1;
		format_until(u.locked_until, until, sizeof(until));
		pin_reason(ps, EMAPP_AUTH_ERROR,
			   "wrong PIN, %d failed logons: lockout engaged until %s", u.failed_logons,
			   until);
	} else if (threshold > 0) {
		pin_reason(ps, EMAPP_AUTH_ERROR, "wrong PIN (%d of %d failed logons)",
			   u.failed_logons, threshold);
	} else {
		pin_reason(ps, EMAPP_AUTH_ERROR, "wrong PIN (%d failed logons, no lockout)",
			   u.failed_logons);
	}
	return store_user_update(ctx->st, &u);
}

static pthread_once_t dummy_pin_once = PTHREAD_ONCE_INIT;
static char dummy_pin_hash[CRED_HASH_MAX];
static struct cred_pepper dummy_pepper;

static void dummy_pin_init(void)
{
	/* A fixed key will do: the hash only has to cost what a real verification costs. */
	memset(dummy_pepper.key, 0x42, sizeof(dummy_pepper.key));
	if (cred_pin_hash(&dummy_pepper, "0000", dummy_pin_hash, sizeof(dummy_pin_hash)) != 0)
		dummy_pin_hash[0] = '\0';
}

/* Spends one PIN verification on nothing, so that "no such user" takes as long as "wrong PIN". */
static void pin_verify_dummy(const char *pin)
{
	pthread_once(&dummy_pin_once, dummy_pin_init);
	if (*dummy_pin_hash)
		cred_pin_verify(&dummy_pepper, dummy_pin_hash, pin);
}

/* Inside the login transaction: resolves the ID (or extension) to a user and checks the PIN
 * under the credential policy. Returns EM_OK with *user and uid set, or the code to answer;
 * *serr is set for store errors. */
int em_pin_authenticate(struct em_ctx *ctx, struct pin_step *ps, struct store_user *user,
			char uid[LIM_ID_MAX], int *serr)
{
	const struct em_pin_login_req *r = ps->req;
	const char *id = r->id ? r->id : "", *pin = r->pin ? r->pin : "";
	int64_t now_s = ctx->now_ms / 1000;
	int rc, matches = 0, found = 0;
	char until[40];

	if (r->type == EM_LOGIN_TYPE_DN) {
		rc = strlen(id) < LIM_ID_MAX
			 ? store_user_find_by_extension(ctx->st, id, user, &matches)
			 : ENOENT;
		if (rc == 0 && matches > 1) {
			pin_reason(ps, EMAPP_DN_MULTIPLE_USERS,
				   "extension %.128s is the primary extension of %d users", id,
				   matches);
			return EMAPP_DN_MULTIPLE_USERS;
		}
		if (rc == 0)
			found = 1;
		else if (rc != ENOENT && rc != EINVAL)
			goto store_error;
	} else if (em_user_id_normalize(id, uid, LIM_ID_MAX) == 0 &&
		   (ctx->params->alphanumeric_user_id || all_digits(uid))) {
		rc = store_user_get(ctx->st, uid, user);
		if (rc == 0)
			found = 1;
		else if (rc != ENOENT && rc != EINVAL)
			goto store_error;
	}
	if (!found) {
		pin_verify_dummy(pin);
		if (r->type == EM_LOGIN_TYPE_DN)
			pin_reason(ps, EM_USER_NOT_FOUND, "no user has primary extension %.128s",
				   id);
		else
			pin_reason(ps, EM_USER_NOT_FOUND, "unknown user");
		return EMAPP_AUTH_ERROR;
	}
	str_copy(uid, LIM_ID_MAX, user->id);
	str_copy(ps->out->user_id, sizeof(ps->out->user_id), user->id);
	if (user->locked_until > now_s) {
		/* Not even the right PIN gets in: checking it would make the lockout an oracle. */
		pin_verify_dummy(pin);
		format_until(user->locked_until, until, sizeof(until));
		pin_reason(ps, EMAPP_AUTH_ERROR, "locked out until %s after %d failed logons",
			   until, user->failed_logons);
		return EMAPP_AUTH_ERROR;
	}
	if (!*user->pin_hash) {
		pin_verify_dummy(pin);
		pin_reason(ps, EMAPP_AUTH_ERROR, "user has no PIN");
		return EMAPP_AUTH_ERROR;
	}
	rc = cred_pin_verify(ctx->pepper, user->pin_hash, pin);
	if (rc == 0) {
		ps->upd = PIN_UPD_RESET;
		return EM_OK;
	}
	if (rc == EINVAL) {
		pin_reason(ps, EMAPP_DIRECTORY_ERROR, "the stored PIN hash cannot be read");
		return EMAPP_DIRECTORY_ERROR;
	}
	ps->upd = PIN_UPD_FAILED;
	pin_reason(ps, EMAPP_AUTH_ERROR, "wrong PIN"); /* pin_counter_apply says more */
	return EMAPP_AUTH_ERROR;
store_error:
	*serr = rc;
	return rc == EBUSY ? EM_BUSY : EM_DATABASE_ERROR;
}

static int collect_profile(void *arg, const struct store_user_profile *up)
{
	struct em_pin_login_out *out = arg;

	/* More than a menu can hold: the rest cannot be offered (the API can still use them). */
	if (out->nprofiles < EM_PIN_MAX_PROFILES)
		str_copy(out->profiles[out->nprofiles++], LIM_ID_MAX, up->profile);
	return 0;
}

/* After a refused phone login rolled back: the failed-logon count change and the audit row
 * with the real code and reason, in one transaction of their own. Best effort like
 * audit_failure, but the count is what the lockout rests on, so it goes first. */
void em_pin_failure_record(struct em_ctx *ctx, struct pin_step *ps, const char *uid,
			   const char *device)
{
	char detail[LIM_TEXT_MAX];

	if (store_begin(ctx->st) != 0)
		return;
	if (em_pin_counter_apply(ctx, ps, ps->out->user_id) != 0)
		goto fail;
	snprintf(detail, sizeof(detail), "%s%s%s%s", ps->out->reason,
		 ps->req->emcc ? "; EMCC=true" : "", ps->note ? "; " : "",
		 ps->note ? ps->note : "");
	if (em_audit_write(ctx, "login", uid, device, NULL, ps->out->real_code, detail) != 0)
		goto fail;
	if (store_commit(ctx->st) == 0)
		return;
fail:
	store_rollback(ctx->st);
}

/* ---- login ---- */

/* The checks and recording every login shares. caller NULL with ps set: the phone's PIN login,
 * which authenticates the user itself. */
static int login_core(struct em_ctx *ctx, const struct em_caller *caller,
		      const struct em_login_req *req, struct pin_step *ps, struct em_result *res)
{
	struct store *st = ctx->st;
	const char *device = req->device ? req->device : "";
	const char *raw_uid = req->user_id ? req->user_id : "";
	char uid[LIM_ID_MAX] = "";
	char profile[LIM_ID_MAX] = "";
	char detail[LIM_TEXT_MAX];
	struct store_device dev;
	struct store_user user;
	struct store_profile prof;
	struct store_em_state cur, next;
	struct em_state_list others = {0};
	int64_t now_s = ctx->now_ms / 1000, duration;
	int code = EM_OK, serr = 0, in_tx = 0, norm_ok = 0, rc, idempotent = 0;
	int *others_locale = NULL;

	if (!ps) {
		norm_ok = em_user_id_normalize(raw_uid, uid, sizeof(uid)) == 0;
		if (!may_act_for(caller, norm_ok ? uid : NULL))
			FAIL(EM_NO_PROXY_RIGHTS);
	}
	if (req->duration_kind == EM_DURATION_MINUTES &&
	    (req->duration_minutes < 1 || req->duration_minutes > EXCLUSIVE_MINUTES_MAX))
		FAIL(EM_POLICY_VALIDATION);

	rc = store_begin(st);
	if (rc)
		STORE_FAIL(rc);
	in_tx = 1;

	if (!*device || strlen(device) >= LIM_ID_MAX)
		FAIL(EM_DEVICE_NOT_FOUND);
	rc = store_device_get(st, device, &dev);
	if (rc == ENOENT)
		FAIL(EM_DEVICE_NOT_FOUND);
	if (rc)
		STORE_FAIL(rc);
	if (!dev.em_enabled)
		FAIL(EM_DEVICE_LOGON_DISABLED);

	if (ps) {
		code = em_pin_authenticate(ctx, ps, &user, uid, &serr);
		if (code != EM_OK)
			goto out;
		norm_ok = 1;
	} else {
		if (!norm_ok || (!ctx->params->alphanumeric_user_id && !all_digits(uid)))
			FAIL(EM_USER_NOT_FOUND);
		rc = store_user_get(st, uid, &user);
		if (rc == ENOENT)
			FAIL(EM_USER_NOT_FOUND);
		if (rc)
			STORE_FAIL(rc);
	}

	if (req->profile && *req->profile) {
		struct profile_find f = {req->profile, 0};

		if (strlen(req->profile) < LIM_ID_MAX) {
			rc = store_user_profile_list(st, uid, find_profile, &f);
			if (rc)
				STORE_FAIL(rc);
		}
		if (!f.found) {
			if (ps)
				pin_reason(ps, EMAPP_USER_PROFILE_ABSENT,
					   "profile %.128s is not one of the user's", req->profile);
			FAIL(ps ? EMAPP_USER_PROFILE_ABSENT : EM_PROFILE_NOT_FOUND);
		}
		str_copy(profile, sizeof(profile), req->profile);
	} else if (ps) {
		/* A phone lists the user's profiles when there are several (reference 2.1), default
		 * or not; one is simply used. */
		ps->out->nprofiles = 0;
		rc = store_user_profile_list(st, uid, collect_profile, ps->out);
		if (rc)
			STORE_FAIL(rc);
		if (ps->out->nprofiles == 0) {
			pin_reason(ps, EMAPP_USER_PROFILE_ABSENT, "user has no device profile");
			FAIL(EMAPP_USER_PROFILE_ABSENT);
		}
		if (ps->out->nprofiles > 1) {
			ps->need_choice = 1;
			rc = em_pin_counter_apply(ctx, ps, uid);
			if (rc)
				STORE_FAIL(rc);
			goto commit;
		}
		str_copy(profile, sizeof(profile), ps->out->profiles[0]);
	} else {
		rc = store_user_default_profile(st, uid, profile, sizeof(profile));
		if (rc == ENOENT)
			FAIL(EM_PROFILE_NOT_FOUND);
		if (rc)
			STORE_FAIL(rc);
	}
	rc = store_profile_get(st, profile, &prof);
	if (rc == ENOENT) {
		if (ps)
			pin_reason(ps, EMAPP_USER_PROFILE_ABSENT, "profile %.128s does not exist",
				   profile);
		FAIL(ps ? EMAPP_USER_PROFILE_ABSENT : EM_PROFILE_NOT_FOUND);
	}
	if (rc)
		STORE_FAIL(rc);
	if (ps)
		str_copy(ps->out->profile, sizeof(ps->out->profile), profile);

	rc = store_em_state_get(st, device, &cur);
	if (rc == ENOENT)
		memset(&cur, 0, sizeof(cur));
	else if (rc)
		STORE_FAIL(rc);
	if (*cur.user_id) {
		if (strcmp(cur.user_id, uid) != 0 || strcmp(cur.profile, profile) != 0)
			FAIL(EM_ANOTHER_USER_LOGGED_IN);
		idempotent = 1;
		if (ps && (rc = em_pin_counter_apply(ctx, ps, uid)))
			STORE_FAIL(rc);
		rc = em_audit_write(ctx, "login", uid, device, NULL, 0, "already logged in");
		if (rc)
			STORE_FAIL(rc);
		goto commit;
	}

	int refuse = 0;
	rc = em_multiple_login(ctx, uid, &others, NULL, "multiple login", &others_locale, &refuse);
	if (rc)
		STORE_FAIL(rc);
	if (refuse)
		FAIL(EM_USER_LOGGED_IN_ELSEWHERE);

	switch (req->duration_kind) {
	case EM_DURATION_MINUTES: duration = (int64_t)req->duration_minutes * 60; break;
	case EM_DURATION_INDEFINITE: duration = 0; break;
	default:
		if (user.max_login_minutes >= 0)
			duration = (int64_t)user.max_login_minutes * 60;
		else
			duration = (int64_t)em_params_intra_max_minutes(ctx->params) * 60;
		break;
	}

	memset(&next, 0, sizeof(next));
	str_copy(next.device, sizeof(next.device), device);
	str_copy(next.user_id, sizeof(next.user_id), uid);
	str_copy(next.profile, sizeof(next.profile), profile);
	next.login_time = now_s;
	next.login_duration = duration;
	if (ctx->params->remember_last_user)
		str_copy(next.last_user_id, sizeof(next.last_user_id), uid);
	next.emcc_role = STORE_EMCC_NONE;
	str_copy(next.remote_ip, sizeof(next.remote_ip), ctx->remote_ip);
	rc = store_em_state_put(st, &next);
	if (rc)
		STORE_FAIL(rc);
	/* The phone's file changes: a new versionStamp in the same transaction. */
	rc = store_config_bump(st, device, ctx->now_ms, NULL, 0);
	if (rc)
		STORE_FAIL(rc);
	/* Cancel too when indefinite: a stale row must not log the new user out. */
	rc = duration > 0 ? store_logout_schedule(st, device, now_s + duration)
			  : store_logout_cancel(st, device);
	if (rc)
		STORE_FAIL(rc);
	if (ps && (rc = em_pin_counter_apply(ctx, ps, uid)))
		STORE_FAIL(rc);
	/* The phone's EMCC=true is kept with the login: the EMCC path (next) decides on it. */
	snprintf(detail, sizeof(detail), "%s%s", profile, ps && ps->req->emcc ? "; EMCC=true" : "");
	rc = em_audit_write(ctx, "login", uid, device, NULL, 0, detail);
	if (rc)
		STORE_FAIL(rc);

commit:
	rc = store_commit(st);
	in_tx = 0;
	if (rc) {
		store_rollback(st);
		STORE_FAIL(rc);
	}
	if (ctx->on_change && !idempotent && !(ps && ps->need_choice)) {
		for (size_t i = 0; i < others.n; i++)
			ctx->on_change(ctx->on_change_arg, others.v[i].device, EM_CHANGE_LOGOUT,
				       others_locale ? others_locale[i] : 0);
		ctx->on_change(ctx->on_change_arg, device, EM_CHANGE_LOGIN,
			       locale_differs(dev.user_locale, prof.user_locale));
	}

out:
	if (code != EM_OK) {
		if (in_tx)
			store_rollback(st);
		res_code(res, code);
		if (ps) {
			if (ps->out->real_code == EM_OK || !*ps->out->reason)
				pin_reason(ps, code, "%s", em_code_text(code));
			em_pin_failure_record(ctx, ps, *uid ? uid : raw_uid, device);
		} else {
			audit_failure(ctx, "login", norm_ok ? uid : raw_uid, device, res);
		}
	}
	free(others.v);
	free(others_locale);
	if (code == EM_OK)
		return ps && ps->need_choice ? EAGAIN : 0;
	return serr ? serr : EPERM;
}

int em_login(struct em_ctx *ctx, const struct em_caller *caller, const struct em_login_req *req,
	     struct em_result *res)
{
	return login_core(ctx, caller, req, NULL, res);
}

int em_login_pin(struct em_ctx *ctx, const struct em_pin_login_req *req,
		 struct em_pin_login_out *out, struct em_result *res)
{
	struct em_login_req lr = {req->device, req->id, req->profile, EM_DURATION_DEFAULT, 0};
	struct pin_step ps = {req, out, PIN_UPD_NONE, 0, NULL};

	memset(out, 0, sizeof(*out));
	out->real_code = EM_OK;
	if (!req->id || !*req->id || !req->pin || !*req->pin) {
		/* Nothing to authenticate: not an attempt, and nothing is counted or recorded. */
		res_code(res, EMAPP_BLANK_USER_OR_PIN);
		out->real_code = EMAPP_BLANK_USER_OR_PIN;
		str_copy(out->reason, sizeof(out->reason), "blank user ID or PIN");
		return EPERM;
	}
	return login_core(ctx, NULL, &lr, &ps, res);
}

/* ---- logout --------------------------------------------------------------------------- */

/* caller NULL: the device itself asks (its Logout softkey), which may end whatever login it
 * has. user_id (may be NULL) gets who was logged out. */
static int logout_core(struct em_ctx *ctx, const struct em_caller *caller, const char *device,
		       char *user_id, struct em_result *res)
{
	struct store *st = ctx->st;
	struct store_device dev;
	struct store_em_state cur;
	int code = EM_OK, serr = 0, in_tx = 0, rc, locale_changed = 0;

	memset(&cur, 0, sizeof(cur));
	if (!device)
		device = "";
	if (!*device || strlen(device) >= LIM_ID_MAX)
		FAIL(EM_DEVICE_NOT_FOUND);
	rc = store_begin(st);
	if (rc)
		STORE_FAIL(rc);
	in_tx = 1;
	rc = store_device_get(st, device, &dev);
	if (rc == ENOENT) {
		/* An EMCC device at home bears a remote phone's name: it is no device of ours,
		 * yet its login may be ended here (admin, API). */
		rc = store_em_state_get(st, device, &cur);
		if (rc == ENOENT ||
		    (rc == 0 && (!*cur.user_id || cur.emcc_role != STORE_EMCC_HOME)))
			FAIL(EM_DEVICE_NOT_FOUND);
	} else if (rc == 0) {
		rc = store_em_state_get(st, device, &cur);
	}
	if (rc == ENOENT || (rc == 0 && !*cur.user_id))
		FAIL(EM_NO_USER_LOGGED_IN);
	if (rc)
		STORE_FAIL(rc);
	if (caller && !may_act_for(caller, cur.user_id))
		FAIL(EM_NO_PROXY_RIGHTS);
	if (user_id)
		str_copy(user_id, LIM_ID_MAX, cur.user_id);
	rc = em_logout_locked(ctx, &cur, "logout", NULL, "", &locale_changed);
	if (rc)
		STORE_FAIL(rc);
	rc = store_commit(st);
	in_tx = 0;
	if (rc) {
		store_rollback(st);
		STORE_FAIL(rc);
	}
	if (ctx->on_change)
		ctx->on_change(ctx->on_change_arg, device, EM_CHANGE_LOGOUT, locale_changed);
out:
	if (code != EM_OK) {
		if (in_tx)
			store_rollback(st);
		res_code(res, code);
		audit_failure(ctx, "logout", cur.user_id, device, res);
		return serr ? serr : EPERM;
	}
	return 0;
}

int em_logout(struct em_ctx *ctx, const struct em_caller *caller, const char *device,
	      struct em_result *res)
{
	return logout_core(ctx, caller, device, NULL, res);
}

int em_logout_device(struct em_ctx *ctx, const char *device, char *user_id, struct em_result *res)
{
	if (user_id)
		user_id[0] = '\0';
	return logout_core(ctx, NULL, device, user_id, res);
}

int em_logout_all(struct em_ctx *ctx, const struct em_caller *caller, size_t *count,
		  struct em_result *res)
{
	struct store *st = ctx->st;
	struct em_state_list all = {0};
	int *locale = NULL;
	int code = EM_OK, serr = 0, in_tx = 0, rc;

	if (count)
		*count = 0;
	if (!caller->proxy_rights)
		FAIL(EM_NO_PROXY_RIGHTS);
	rc = store_begin(st);
	if (rc)
		STORE_FAIL(rc);
	in_tx = 1;
	rc = store_em_state_logged_in(st, em_state_list_add, &all);
	if (rc)
		STORE_FAIL(rc);
	if (all.n) {
		locale = calloc(all.n, sizeof(*locale));
		if (!locale)
			STORE_FAIL(ENOMEM);
	}
	for (size_t i = 0; i < all.n; i++) {
		rc = em_logout_locked(ctx, &all.v[i], "logoutAll", NULL, "", &locale[i]);
		if (rc)
			STORE_FAIL(rc);
	}
	rc = store_commit(st);
	in_tx = 0;
	if (rc) {
		store_rollback(st);
		STORE_FAIL(rc);
	}
	if (count)
		*count = all.n;
	if (ctx->on_change)
		for (size_t i = 0; i < all.n; i++)
			ctx->on_change(ctx->on_change_arg, all.v[i].device, EM_CHANGE_LOGOUT,
				       locale[i]);
out:
	if (code != EM_OK) {
		if (in_tx)
			store_rollback(st);
		res_code(res, code);
		audit_failure(ctx, "logoutAll", "", "", res);
	}
	free(all.v);
	free(locale);
	if (code == EM_OK)
		return 0;
	return serr ? serr : EPERM;
}

/* ---- queries -------------------------------------------------------------------------- */

static int fail_query(struct em_result *res, int code, int err)
{
	res_code(res, code);
	return err ? err : EPERM;
}

static int store_fail_query(struct em_result *res, int err)
{
	em_result_store_error(res, err);
	return err;
}

int em_query_device(struct em_ctx *ctx, const struct em_caller *caller, const char *device,
		    struct em_device_status *out, struct em_result *res)
{
	struct store_device dev;
	struct store_em_state s;
	int rc;

	memset(out, 0, sizeof(*out));
	out->state = EM_DEVICE_DOES_NOT_EXIST;
	if (!caller->proxy_rights)
		return fail_query(res, EM_NO_PROXY_RIGHTS, 0);
	if (!device || !*device || strlen(device) >= LIM_ID_MAX)
		return 0;
	rc = store_device_get(ctx->st, device, &dev);
	if (rc == ENOENT) {
		/* The home side's EMCC device: shown while its login lasts. */
		rc = store_em_state_get(ctx->st, device, &s);
		if (rc == ENOENT || (rc == 0 && (!*s.user_id || s.emcc_role != STORE_EMCC_HOME)))
			return 0;
		if (rc)
			return store_fail_query(res, rc);
		rc = 0;
	} else if (rc) {
		return store_fail_query(res, rc);
	} else {
		rc = store_em_state_get(ctx->st, device, &s);
	}
	out->state = EM_DEVICE_LOGGED_OUT;
	if (rc == ENOENT)
		return 0;
	if (rc)
		return store_fail_query(res, rc);
	if (ctx->params->remember_last_user)
		str_copy(out->last_user_id, sizeof(out->last_user_id), s.last_user_id);
	if (!*s.user_id)
		return 0;
	out->state = EM_DEVICE_LOGGED_IN;
	str_copy(out->user_id, sizeof(out->user_id), s.user_id);
	str_copy(out->profile, sizeof(out->profile), s.profile);
	out->emcc_role = s.emcc_role;
	str_copy(out->remote_cluster, sizeof(out->remote_cluster), s.remote_cluster);
	out->login_time = s.login_time;
	out->login_duration = s.login_duration;
	return 0;
}

/* Common start of the per-user queries: rights, then whether the user exists. Returns 0 and
 * sets *exists, or fails with res set. */
static int user_query_start(struct em_ctx *ctx, const struct em_caller *caller, const char *user_id,
			    char *uid, int *exists, struct em_result *res)
{
	struct store_user u;
	int norm_ok, rc;

	*exists = 0;
	norm_ok = em_user_id_normalize(user_id, uid, LIM_ID_MAX) == 0;
	if (!may_act_for(caller, norm_ok ? uid : NULL))
		return fail_query(res, EM_NO_PROXY_RIGHTS, 0);
	if (!norm_ok)
		return 0;
	rc = store_user_get(ctx->st, uid, &u);
	if (rc == ENOENT)
		return 0;
	if (rc)
		return store_fail_query(res, rc);
	*exists = 1;
	return 0;
}

struct device_cb {
	int (*fn)(void *arg, const char *device);
	void *arg;
};

static int device_cb(void *arg, const struct store_em_state *s)
{
	struct device_cb *d = arg;

	return d->fn(d->arg, s->device);
}

struct profile_cb {
	int (*fn)(void *arg, const char *profile, int is_default);
	void *arg;
};

static int profile_cb(void *arg, const struct store_user_profile *up)
{
	struct profile_cb *p = arg;

	return p->fn(p->arg, up->profile, up->is_default);
}

/* A callback that stopped the walk is the caller's own error; anything else is the store's. */
static int walk_result(struct em_result *res, int rc, int stopped)
{
	if (rc == 0)
		return 0;
	if (stopped) {
		res_fmt(res, EM_UNKNOWN_ERROR, "Unknown Error: query stopped");
		return rc;
	}
	return store_fail_query(res, rc);
}

struct stop_tracker {
	int stopped;
	void *inner;
	int (*inner_fn)(void *, const struct store_em_state *);
	int (*inner_pfn)(void *, const struct store_user_profile *);
};

static int track_state(void *arg, const struct store_em_state *s)
{
	struct stop_tracker *t = arg;
	int rc = t->inner_fn(t->inner, s);

	if (rc)
		t->stopped = 1;
	return rc;
}

static int track_profile(void *arg, const struct store_user_profile *up)
{
	struct stop_tracker *t = arg;
	int rc = t->inner_pfn(t->inner, up);

	if (rc)
		t->stopped = 1;
	return rc;
}

static int walk_states(struct store *st, const char *uid, struct stop_tracker *t)
{
	return store_em_state_by_user(st, uid, track_state, t);
}

static int walk_profiles(struct store *st, const char *uid, struct stop_tracker *t)
{
	return store_user_profile_list(st, uid, track_profile, t);
}

/* A per-user query: the caller's rights and the user's existence, then walk over its rows. */
static int user_query_walk(struct em_ctx *ctx, const struct em_caller *caller, const char *user_id,
			   int *exists,
			   int (*walk)(struct store *, const char *, struct stop_tracker *),
			   struct stop_tracker *t, struct em_result *res)
{
	char uid[LIM_ID_MAX];
	int rc = user_query_start(ctx, caller, user_id, uid, exists, res);

	if (rc || !*exists)
		return rc;
	rc = walk(ctx->st, uid, t);
	return walk_result(res, rc, t->stopped);
}

int em_query_user_devices(struct em_ctx *ctx, const struct em_caller *caller, const char *user_id,
			  int *exists, int (*fn)(void *arg, const char *device), void *arg,
			  struct em_result *res)
{
	struct device_cb d = {fn, arg};
	struct stop_tracker t = {0, &d, device_cb, NULL};

	return user_query_walk(ctx, caller, user_id, exists, walk_states, &t, res);
}

int em_query_user_profiles(struct em_ctx *ctx, const struct em_caller *caller, const char *user_id,
			   int *exists, int (*fn)(void *arg, const char *profile, int is_default),
			   void *arg, struct em_result *res)
{
	struct profile_cb p = {fn, arg};
	struct stop_tracker t = {0, &p, NULL, profile_cb};

	return user_query_walk(ctx, caller, user_id, exists, walk_profiles, &t, res);
}

int em_query_user_exists(struct em_ctx *ctx, const struct em_caller *caller, const char *user_id,
			 int *exists, struct em_result *res)
{
	char uid[LIM_ID_MAX];

	return user_query_start(ctx, caller, user_id, uid, exists, res);
}
