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
 *    the answer nor its timing tells whether the user exists. */
#include "em/em.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "em/em_internal.h"

#define EXCLUSIVE_MINUTES_MAX (366L * 24 * 60) /* an explicit duration longer is a typo */

static void copy_str(char *dst, size_t dstlen, const char *src)
{
	size_t len = src ? strlen(src) : 0;

	if (dstlen == 0)
		return;
	if (len >= dstlen)
		len = dstlen - 1;
	if (len)
		memcpy(dst, src, len);
	dst[len] = '\0';
}

static void res_code(struct em_result *res, int code)
{
	if (!res)
		return;
	res->code = code;
	copy_str(res->text, sizeof(res->text), em_code_text(code));
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
	if (len == 0 || len >= STORE_ID_MAX || len >= outlen)
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
	copy_str(a.action, sizeof(a.action), action);
	copy_str(a.user_id, sizeof(a.user_id), user_id);
	copy_str(a.device, sizeof(a.device), device);
	copy_str(a.source, sizeof(a.source), source ? source : ctx->source);
	copy_str(a.remote_ip, sizeof(a.remote_ip), ctx->remote_ip);
	a.code = code;
	copy_str(a.detail, sizeof(a.detail), detail);
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
	struct store_em_state n = *s;
	struct store_device dev;
	struct store_profile prof;
	int rc;

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
	char uid[STORE_ID_MAX];
	int64_t left = 0;
	int rc;

	memset(caller, 0, sizeof(*caller));
	if (!app_id || !*app_id || !secret || !*secret) {
		res_fmt(res, EM_AUTH_ERROR,
			"Cannot authorize App user: appID or password is blank");
		return EPERM;
	}
	if (strlen(app_id) >= STORE_ID_MAX)
		goto denied;
	rc = store_app_user_get(ctx->st, app_id, &app);
	if (rc == 0) {
		hash = app.password_hash;
		copy_str(caller->id, sizeof(caller->id), app_id);
		caller->is_app_user = 1;
		caller->proxy_rights = app.em_proxy_rights;
	} else if (rc == ENOENT) {
		if (em_user_id_normalize(app_id, uid, sizeof(uid)) != 0)
			goto denied;
		rc = store_user_get(ctx->st, uid, &user);
		if (rc == 0) {
			hash = user.password_hash;
			copy_str(caller->id, sizeof(caller->id), uid);
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

struct state_list {
	size_t n, cap;
	struct store_em_state *v;
};

static int collect_state(void *arg, const struct store_em_state *s)
{
	struct state_list *l = arg;

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

int em_login(struct em_ctx *ctx, const struct em_caller *caller, const struct em_login_req *req,
	     struct em_result *res)
{
	struct store *st = ctx->st;
	const char *device = req->device ? req->device : "";
	const char *raw_uid = req->user_id ? req->user_id : "";
	char uid[STORE_ID_MAX] = "";
	char profile[STORE_ID_MAX] = "";
	struct store_device dev;
	struct store_user user;
	struct store_profile prof;
	struct store_em_state cur, next;
	struct state_list others = {0};
	int64_t now_s = ctx->now_ms / 1000, duration;
	int code = EM_OK, serr = 0, in_tx = 0, norm_ok, rc, idempotent = 0;
	int *others_locale = NULL;

	norm_ok = em_user_id_normalize(raw_uid, uid, sizeof(uid)) == 0;
	if (!may_act_for(caller, norm_ok ? uid : NULL))
		FAIL(EM_NO_PROXY_RIGHTS);
	if (req->duration_kind == EM_DURATION_MINUTES &&
	    (req->duration_minutes < 1 || req->duration_minutes > EXCLUSIVE_MINUTES_MAX))
		FAIL(EM_POLICY_VALIDATION);

	rc = store_begin(st);
	if (rc)
		STORE_FAIL(rc);
	in_tx = 1;

	if (!*device || strlen(device) >= STORE_ID_MAX)
		FAIL(EM_DEVICE_NOT_FOUND);
	rc = store_device_get(st, device, &dev);
	if (rc == ENOENT)
		FAIL(EM_DEVICE_NOT_FOUND);
	if (rc)
		STORE_FAIL(rc);
	if (!dev.em_enabled)
		FAIL(EM_DEVICE_LOGON_DISABLED);

	if (!norm_ok || (!ctx->params->alphanumeric_user_id && !all_digits(uid)))
		FAIL(EM_USER_NOT_FOUND);
	rc = store_user_get(st, uid, &user);
	if (rc == ENOENT)
		FAIL(EM_USER_NOT_FOUND);
	if (rc)
		STORE_FAIL(rc);

	if (req->profile && *req->profile) {
		struct profile_find f = {req->profile, 0};

		if (strlen(req->profile) >= STORE_ID_MAX)
			FAIL(EM_PROFILE_NOT_FOUND);
		rc = store_user_profile_list(st, uid, find_profile, &f);
		if (rc)
			STORE_FAIL(rc);
		if (!f.found)
			FAIL(EM_PROFILE_NOT_FOUND);
		copy_str(profile, sizeof(profile), req->profile);
	} else {
		rc = store_user_default_profile(st, uid, profile, sizeof(profile));
		if (rc == ENOENT)
			FAIL(EM_PROFILE_NOT_FOUND);
		if (rc)
			STORE_FAIL(rc);
	}
	rc = store_profile_get(st, profile, &prof);
	if (rc == ENOENT)
		FAIL(EM_PROFILE_NOT_FOUND);
	if (rc)
		STORE_FAIL(rc);

	rc = store_em_state_get(st, device, &cur);
	if (rc == ENOENT)
		memset(&cur, 0, sizeof(cur));
	else if (rc)
		STORE_FAIL(rc);
	if (*cur.user_id) {
		if (strcmp(cur.user_id, uid) != 0 || strcmp(cur.profile, profile) != 0)
			FAIL(EM_ANOTHER_USER_LOGGED_IN);
		idempotent = 1;
		rc = em_audit_write(ctx, "login", uid, device, NULL, 0, "already logged in");
		if (rc)
			STORE_FAIL(rc);
		goto commit;
	}

	rc = store_em_state_by_user(st, uid, collect_state, &others);
	if (rc)
		STORE_FAIL(rc);
	if (others.n > 0) {
		switch (ctx->params->multiple_login_behavior) {
		case EM_MULTI_ALLOWED:
			others.n = 0;
			break;
		case EM_MULTI_AUTO_LOGOUT:
			others_locale = calloc(others.n, sizeof(*others_locale));
			if (!others_locale)
				STORE_FAIL(ENOMEM);
			for (size_t i = 0; i < others.n; i++) {
				rc = em_logout_locked(ctx, &others.v[i], "autoLogout", NULL,
						      "multiple login", &others_locale[i]);
				if (rc)
					STORE_FAIL(rc);
			}
			break;
		default:
			FAIL(EM_USER_LOGGED_IN_ELSEWHERE);
		}
	}

	switch (req->duration_kind) {
	case EM_DURATION_MINUTES:
		duration = (int64_t)req->duration_minutes * 60;
		break;
	case EM_DURATION_INDEFINITE:
		duration = 0;
		break;
	default:
		if (user.max_login_minutes >= 0)
			duration = (int64_t)user.max_login_minutes * 60;
		else
			duration = (int64_t)em_params_intra_max_minutes(ctx->params) * 60;
		break;
	}

	memset(&next, 0, sizeof(next));
	copy_str(next.device, sizeof(next.device), device);
	copy_str(next.user_id, sizeof(next.user_id), uid);
	copy_str(next.profile, sizeof(next.profile), profile);
	next.login_time = now_s;
	next.login_duration = duration;
	if (ctx->params->remember_last_user)
		copy_str(next.last_user_id, sizeof(next.last_user_id), uid);
	next.emcc_role = STORE_EMCC_NONE;
	copy_str(next.remote_ip, sizeof(next.remote_ip), ctx->remote_ip);
	rc = store_em_state_put(st, &next);
	if (rc)
		STORE_FAIL(rc);
	/* Cancel too when indefinite: a stale row must not log the new user out. */
	rc = duration > 0 ? store_logout_schedule(st, device, now_s + duration)
			  : store_logout_cancel(st, device);
	if (rc)
		STORE_FAIL(rc);
	rc = em_audit_write(ctx, "login", uid, device, NULL, 0, profile);
	if (rc)
		STORE_FAIL(rc);

commit:
	rc = store_commit(st);
	in_tx = 0;
	if (rc) {
		store_rollback(st);
		STORE_FAIL(rc);
	}
	if (ctx->on_change && !idempotent) {
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
		audit_failure(ctx, "login", norm_ok ? uid : raw_uid, device, res);
	}
	free(others.v);
	free(others_locale);
	if (code == EM_OK)
		return 0;
	return serr ? serr : EPERM;
}

/* ---- logout --------------------------------------------------------------------------- */

int em_logout(struct em_ctx *ctx, const struct em_caller *caller, const char *device,
	      struct em_result *res)
{
	struct store *st = ctx->st;
	struct store_device dev;
	struct store_em_state cur;
	int code = EM_OK, serr = 0, in_tx = 0, rc, locale_changed = 0;

	memset(&cur, 0, sizeof(cur));
	if (!device)
		device = "";
	if (!*device || strlen(device) >= STORE_ID_MAX)
		FAIL(EM_DEVICE_NOT_FOUND);
	rc = store_begin(st);
	if (rc)
		STORE_FAIL(rc);
	in_tx = 1;
	rc = store_device_get(st, device, &dev);
	if (rc == ENOENT)
		FAIL(EM_DEVICE_NOT_FOUND);
	if (rc)
		STORE_FAIL(rc);
	rc = store_em_state_get(st, device, &cur);
	if (rc == ENOENT || (rc == 0 && !*cur.user_id))
		FAIL(EM_NO_USER_LOGGED_IN);
	if (rc)
		STORE_FAIL(rc);
	if (!may_act_for(caller, cur.user_id))
		FAIL(EM_NO_PROXY_RIGHTS);
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

int em_logout_all(struct em_ctx *ctx, const struct em_caller *caller, size_t *count,
		  struct em_result *res)
{
	struct store *st = ctx->st;
	struct state_list all = {0};
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
	rc = store_em_state_logged_in(st, collect_state, &all);
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
	if (!device || !*device || strlen(device) >= STORE_ID_MAX)
		return 0;
	rc = store_device_get(ctx->st, device, &dev);
	if (rc == ENOENT)
		return 0;
	if (rc)
		return store_fail_query(res, rc);
	out->state = EM_DEVICE_LOGGED_OUT;
	rc = store_em_state_get(ctx->st, device, &s);
	if (rc == ENOENT)
		return 0;
	if (rc)
		return store_fail_query(res, rc);
	if (ctx->params->remember_last_user)
		copy_str(out->last_user_id, sizeof(out->last_user_id), s.last_user_id);
	if (!*s.user_id)
		return 0;
	out->state = EM_DEVICE_LOGGED_IN;
	copy_str(out->user_id, sizeof(out->user_id), s.user_id);
	copy_str(out->profile, sizeof(out->profile), s.profile);
	out->emcc_role = s.emcc_role;
	copy_str(out->remote_cluster, sizeof(out->remote_cluster), s.remote_cluster);
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
	norm_ok = em_user_id_normalize(user_id, uid, STORE_ID_MAX) == 0;
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

int em_query_user_devices(struct em_ctx *ctx, const struct em_caller *caller, const char *user_id,
			  int *exists, int (*fn)(void *arg, const char *device), void *arg,
			  struct em_result *res)
{
	char uid[STORE_ID_MAX];
	struct device_cb d = {fn, arg};
	struct stop_tracker t = {0, &d, device_cb, NULL};
	int rc;

	rc = user_query_start(ctx, caller, user_id, uid, exists, res);
	if (rc || !*exists)
		return rc;
	rc = store_em_state_by_user(ctx->st, uid, track_state, &t);
	return walk_result(res, rc, t.stopped);
}

int em_query_user_profiles(struct em_ctx *ctx, const struct em_caller *caller, const char *user_id,
			   int *exists, int (*fn)(void *arg, const char *profile, int is_default),
			   void *arg, struct em_result *res)
{
	char uid[STORE_ID_MAX];
	struct profile_cb p = {fn, arg};
	struct stop_tracker t = {0, &p, NULL, profile_cb};
	int rc;

	rc = user_query_start(ctx, caller, user_id, uid, exists, res);
	if (rc || !*exists)
		return rc;
	rc = store_user_profile_list(ctx->st, uid, track_profile, &t);
	return walk_result(res, rc, t.stopped);
}

int em_query_user_exists(struct em_ctx *ctx, const struct em_caller *caller, const char *user_id,
			 int *exists, struct em_result *res)
{
	char uid[STORE_ID_MAX];

	return user_query_start(ctx, caller, user_id, uid, exists, res);
}
