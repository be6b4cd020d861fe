/* admin_users.c -- admin commands for end users, application users and user-profile links. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin_int.h"
#include "em/credentials.h"
#include "em/em.h"
#include "store/store.h"

const struct admin_arg admin_user_add_args[] = {
    {"id", ADMIN_T_STR, 1, 0},
    {"name", ADMIN_T_STR, 0, 0},
    {"pin", ADMIN_T_STR, 0, 0},
    {"password", ADMIN_T_STR, 0, 0},
    {"primary_extension", ADMIN_T_STR, 0, 0},
    {"emcc_enabled", ADMIN_T_BOOL, 0, 0},
    {"proxy_rights", ADMIN_T_BOOL, 0, 0},
    {"max_login_minutes", ADMIN_T_MINUTES, 0, 1},
    {"profiles", ADMIN_T_ARRAY, 0, 0}, /* names; the first becomes the default */
    ADMIN_ARGS_END};

/* ---- JSON views ------------------------------------------------------------------------------ */

static int profile_link_collect(void *arg, const struct store_user_profile *up)
{
	json_t *o = json_pack("{s:s, s:b}", "name", up->profile, "default", up->is_default);

	return json_array_append_new(arg, o) ? ENOMEM : 0;
}

static int device_name_collect(void *arg, const struct store_em_state *s)
{
	return json_array_append_new(arg, json_string(s->device)) ? ENOMEM : 0;
}

/* Never includes the hashes: only whether a PIN and a password are set. */
static json_t *user_json(struct admin_ctx *ctx, const struct store_user *u, int details)
{
	long long now_s = admin_now_ms(ctx) / 1000;
	json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:b, s:i, s:b, s:b, s:b, s:i}", "id", u->id,
			      "name", u->name, "primary_extension", u->primary_extension,
			      "emcc_enabled", u->emcc_enabled, "proxy_rights", u->em_proxy_rights,
			      "max_login_minutes", u->max_login_minutes, "has_pin",
			      u->pin_hash[0] != 0, "has_password", u->password_hash[0] != 0,
			      "locked", u->locked_until > now_s, "failed_logons", u->failed_logons);

	if (!o || !details)
		return o;
	json_object_set_new(o, "locked_until", json_integer(u->locked_until));
	json_object_set_new(o, "profiles", json_array());
	json_object_set_new(o, "logged_in_on", json_array());
	store_user_profile_list(ctx->em->st, u->id, profile_link_collect,
				json_object_get(o, "profiles"));
	store_em_state_by_user(ctx->em->st, u->id, device_name_collect,
			       json_object_get(o, "logged_in_on"));
	return o;
}

/* ---- shared validation ---------------------------------------------------------------------- */

/* Applies the optional user fields of args onto u. *password_changed tells the caller to drop
 * cached credentials. */
static int user_apply(struct admin_ctx *ctx, json_t *args, struct store_user *u,
		      int *password_changed, struct admin_err *e)
{
	json_t *v;
	int rc;

	*password_changed = 0;
	if ((rc = admin_get_str(args, "name", NULL, u->name, sizeof(u->name), NULL, e)) ||
	    (rc = admin_get_str(args, "primary_extension", NULL, u->primary_extension,
				sizeof(u->primary_extension), NULL, e)))
		return rc;
	admin_get_bool(args, "emcc_enabled", &u->emcc_enabled);
	admin_get_bool(args, "proxy_rights", &u->em_proxy_rights);
	if ((v = json_object_get(args, "max_login_minutes")) &&
	    (rc = admin_parse_minutes(v, "max_login_minutes", &u->max_login_minutes, e)))
		return rc;
	if ((v = json_object_get(args, "pin"))) {
		if (json_is_null(v)) {
			u->pin_hash[0] = 0;
		} else {
			const char *why = NULL;
			const char *pin = json_string_value(v);
			if (strlen(pin) != json_string_length(v) || cred_pin_check(pin, &why))
				return admin_fail(e, 400, "pin", "bad PIN: %s",
						  why ? why : "digits only");
			if (cred_pin_hash(ctx->em->pepper, pin, u->pin_hash, sizeof(u->pin_hash)))
				return admin_fail(e, 500, NULL, "could not hash the PIN");
		}
	}
	if ((v = json_object_get(args, "password"))) {
		if (json_is_null(v)) {
			u->password_hash[0] = 0;
		} else {
			const char *pw = json_string_value(v);
			if (!*pw || strlen(pw) != json_string_length(v))
				return admin_fail(e, 400, "password",
						  "bad password: empty or contains a NUL byte");
			rc = cred_password_hash(pw, u->password_hash, sizeof(u->password_hash));
			if (rc == EINVAL)
				return admin_fail(e, 400, "password",
						  "bad password: at most 256 bytes");
			if (rc)
				return admin_fail(e, 500, NULL, "could not hash the password");
		}
		*password_changed = 1;
	}
	return 0;
}

/* Reads the "id" argument into a normalised user ID. */
static int arg_user_id(struct admin_call *c, char *id, size_t len)
{
	return admin_user_id(c->ctx, json_string_value(json_object_get(c->args, "id")), "id", id,
			     len, &c->err);
}

static int load_user(struct admin_call *c, char *id, size_t len, struct store_user *u)
{
	int rc;

	if ((rc = arg_user_id(c, id, len)))
		return rc;
	rc = store_user_get(c->ctx->em->st, id, u);
	if (rc == ENOENT)
		return admin_fail(&c->err, 404, "id", "no such user '%s'", id);
	if (rc)
		return admin_store_fail(&c->err, rc, "id", "user");
	return 0;
}

/* ---- user commands ----------------------------------------------------------------------------
 */

int admin_user_create(struct admin_ctx *ctx, json_t *args, struct admin_err *e, json_t **shown)
{
	struct store *st = ctx->em->st;
	struct store_user u;
	json_t *profiles = json_object_get(args, "profiles"), *v;
	char names[LIM_LINES][LIM_ID_MAX];
	size_t i, n = 0;
	int changed, rc, began = 0;

	memset(&u, 0, sizeof(u));
	u.max_login_minutes = -1;
	if ((rc = admin_user_id(ctx, json_string_value(json_object_get(args, "id")), "id", u.id,
				sizeof(u.id), e)))
		return rc;
	if ((rc = user_apply(ctx, args, &u, &changed, e)))
		return rc;
	if (profiles) {
		if (json_array_size(profiles) > LIM_LINES)
			return admin_fail(e, 400, "profiles", "too many profiles (at most %d)",
					  LIM_LINES);
		json_array_foreach (profiles, i, v) {
			size_t j;
			if (!json_is_string(v))
				return admin_fail(e, 400, "profiles",
						  "'profiles' must be an array of names");
			if ((rc =
				 admin_check_text(json_string_value(v), "profiles", LIM_ID_MAX, e)))
				return rc;
			if (!*json_string_value(v))
				return admin_fail(e, 400, "profiles", "empty profile name");
			for (j = 0; j < n; j++)
				if (strcmp(names[j], json_string_value(v)) == 0)
					return admin_fail(e, 400, "profiles",
							  "profile '%s' listed twice", names[j]);
			snprintf(names[n++], LIM_ID_MAX, "%s", json_string_value(v));
		}
	}
	if ((rc = store_begin(st)))
		return admin_store_fail(e, rc, NULL, "user");
	began = 1;
	rc = store_user_insert(st, &u);
	if (rc == EEXIST) {
		rc = admin_fail(e, 409, "id", "user '%s' already exists", u.id);
		goto out;
	}
	if (rc) {
		rc = admin_store_fail(e, rc, "id", "user");
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct store_profile p;
		rc = store_profile_get(st, names[i], &p);
		if (rc == ENOENT) {
			rc = admin_fail(e, 404, "profiles", "no such profile '%s'", names[i]);
			goto out;
		}
		if (!rc)
			rc = store_user_profile_add(st, u.id, names[i], i == 0);
		if (rc) {
			rc = admin_store_fail(e, rc, "profiles", names[i]);
			goto out;
		}
	}
	rc = store_commit(st);
	began = 0;
	if (rc) {
		rc = admin_store_fail(e, rc, NULL, "user");
		goto out;
	}
	if (shown)
		*shown = user_json(ctx, &u, 1);
out:
	if (began)
		store_rollback(st);
	return rc;
}

int admin_cmd_user_add(struct admin_call *c)
{
	int rc = admin_user_create(c->ctx, c->args, &c->err, &c->out);

	return rc ? rc : 200;
}

struct list_state {
	struct admin_ctx *ctx;
	json_t *arr;
	char last[LIM_ID_MAX];
};

static int user_collect(void *arg, const struct store_user *u)
{
	struct list_state *ls = arg;

	snprintf(ls->last, sizeof(ls->last), "%s", u->id);
	return json_array_append_new(ls->arr, user_json(ls->ctx, u, 0)) ? ENOMEM : 0;
}

/* after/limit for the list commands; limit defaults to 1000 so a big cluster pages. */
static int list_bounds(struct admin_call *c, char *after, size_t afterlen, size_t *limit)
{
	json_t *v = json_object_get(c->args, "limit");
	int rc;

	after[0] = 0;
	if ((rc = admin_get_str(c->args, "after", NULL, after, afterlen, NULL, &c->err)))
		return rc;
	*limit = 1000;
	if (v) {
		if (json_integer_value(v) < 1 || json_integer_value(v) > 100000)
			return admin_fail(&c->err, 400, "limit", "'limit' must be 1..100000");
		*limit = (size_t)json_integer_value(v);
	}
	return 0;
}

int admin_cmd_user_list(struct admin_call *c)
{
	struct list_state ls = {.ctx = c->ctx};
	char after[LIM_ID_MAX];
	size_t limit;
	int rc;

	if ((rc = list_bounds(c, after, sizeof(after), &limit)))
		return rc;
	ls.arr = json_array();
	rc = store_user_list(c->ctx->em->st, after, limit, user_collect, &ls);
	if (rc) {
		json_decref(ls.arr);
		return admin_store_fail(&c->err, rc, NULL, "users");
	}
	c->out = json_pack("{s:o}", "users", ls.arr);
	/* A full page means there may be more: "next" is the value for "after". */
	if (c->out && json_array_size(ls.arr) == limit)
		json_object_set_new(c->out, "next", json_string(ls.last));
	return 200;
}

int admin_cmd_user_show(struct admin_call *c)
{
	char id[LIM_ID_MAX];
	struct store_user u;
	int rc;

	if ((rc = load_user(c, id, sizeof(id), &u)))
		return rc;
	c->out = user_json(c->ctx, &u, 1);
	return 200;
}

/* Loads the user named by "id", lets fn change it, and writes it back in one transaction. */
static int user_modify(struct admin_call *c,
		       int (*fn)(struct admin_call *c, struct store_user *u, int *pw_changed))
{
	struct store *st = c->ctx->em->st;
	char id[LIM_ID_MAX];
	struct store_user u;
	int rc, changed = 0;

	if ((rc = arg_user_id(c, id, sizeof(id))))
		return rc;
	if ((rc = store_begin(st)))
		return admin_store_fail(&c->err, rc, NULL, "user");
	rc = store_user_get(st, id, &u);
	if (rc == ENOENT) {
		rc = admin_fail(&c->err, 404, "id", "no such user '%s'", id);
		goto fail;
	}
	if (rc) {
		rc = admin_store_fail(&c->err, rc, "id", "user");
		goto fail;
	}
	if ((rc = fn(c, &u, &changed)))
		goto fail;
	if ((rc = store_user_update(st, &u))) {
		rc = admin_store_fail(&c->err, rc, "id", "user");
		goto fail;
	}
	if ((rc = store_commit(st)))
		return admin_store_fail(&c->err, rc, NULL, "user");
	/* The old password must stop working now, not when the cache entry runs out. */
	if (changed && c->ctx->em->cache)
		cred_cache_forget(c->ctx->em->cache, u.id);
	c->out = user_json(c->ctx, &u, 1);
	return 200;
fail:
	store_rollback(st);
	return rc;
}

static int set_fields(struct admin_call *c, struct store_user *u, int *changed)
{
	return user_apply(c->ctx, c->args, u, changed, &c->err);
}

static int unlock_fields(struct admin_call *c, struct store_user *u, int *changed)
{
	u->failed_logons = 0;
	u->locked_until = 0;
	return 0;
}

int admin_cmd_user_set(struct admin_call *c)
{
	return user_modify(c, set_fields);
}

int admin_cmd_user_set_pin(struct admin_call *c)
{
	return user_modify(c, set_fields);
}

int admin_cmd_user_unlock(struct admin_call *c)
{
	return user_modify(c, unlock_fields);
}

static int count_state(void *arg, const struct store_em_state *s)
{
	(*(size_t *)arg)++;
	return 0;
}

int admin_cmd_user_del(struct admin_call *c)
{
	struct store *st = c->ctx->em->st;
	char id[LIM_ID_MAX];
	struct store_user u;
	size_t logged = 0;
	int rc;

	if ((rc = load_user(c, id, sizeof(id), &u)))
		return rc;
	if ((rc = store_em_state_by_user(st, id, count_state, &logged)))
		return admin_store_fail(&c->err, rc, NULL, "user");
	if (logged)
		return admin_fail(&c->err, 409, "id",
				  "user '%s' is logged in on %zu device(s); log out first", id,
				  logged);
	if ((rc = store_begin(st)))
		return admin_store_fail(&c->err, rc, NULL, "user");
	if ((rc = store_user_delete(st, id))) {
		store_rollback(st);
		return admin_store_fail(&c->err, rc, "id", "user");
	}
	if ((rc = store_commit(st)))
		return admin_store_fail(&c->err, rc, NULL, "user");
	if (c->ctx->em->cache)
		cred_cache_forget(c->ctx->em->cache, id);
	c->out = json_pack("{s:s}", "deleted", id);
	return 200;
}

int admin_cmd_user_import(struct admin_call *c)
{
	return admin_import(c, "user");
}

/* ---- user <-> profile links ------------------------------------------------------------------ */

enum link_op { LINK_ADD, LINK_DEL, LINK_DEFAULT };

static int has_default(struct store *st, const char *id)
{
	char p[LIM_ID_MAX];

	return store_user_default_profile(st, id, p, sizeof(p)) == 0;
}

static int link_op(struct admin_call *c, enum link_op op)
{
	struct store *st = c->ctx->em->st;
	char id[LIM_ID_MAX], profile[LIM_ID_MAX];
	struct store_user u;
	struct store_profile p;
	int rc, dflt;

	if ((rc = load_user(c, id, sizeof(id), &u)))
		return rc;
	if ((rc = admin_get_str(c->args, "profile", NULL, profile, sizeof(profile), NULL, &c->err)))
		return rc;
	rc = store_profile_get(st, profile, &p);
	if (rc == ENOENT)
		return admin_fail(&c->err, 404, "profile", "no such profile '%s'", profile);
	if (rc)
		return admin_store_fail(&c->err, rc, "profile", "profile");
	if ((rc = store_begin(st)))
		return admin_store_fail(&c->err, rc, NULL, "profile link");
	switch (op) {
	case LINK_ADD:
		/* A user's first profile is the default unless the caller says otherwise. */
		dflt = !has_default(st, id);
		admin_get_bool(c->args, "default", &dflt);
		rc = store_user_profile_add(st, id, profile, dflt);
		if (rc == EEXIST) {
			store_rollback(st);
			return admin_fail(&c->err, 409, "profile",
					  "user '%s' already has profile '%s'", id, profile);
		}
		break;
	case LINK_DEL: rc = store_user_profile_del(st, id, profile); break;
	case LINK_DEFAULT: rc = store_user_profile_set_default(st, id, profile); break;
	}
	if (rc == ENOENT) {
		store_rollback(st);
		return admin_fail(&c->err, 404, "profile", "user '%s' does not have profile '%s'",
				  id, profile);
	}
	if (rc) {
		store_rollback(st);
		return admin_store_fail(&c->err, rc, "profile", "profile link");
	}
	if ((rc = store_commit(st)))
		return admin_store_fail(&c->err, rc, NULL, "profile link");
	c->out = user_json(c->ctx, &u, 1);
	return 200;
}

int admin_cmd_user_profile_add(struct admin_call *c)
{
	return link_op(c, LINK_ADD);
}

int admin_cmd_user_profile_del(struct admin_call *c)
{
	return link_op(c, LINK_DEL);
}

int admin_cmd_user_profile_default(struct admin_call *c)
{
	return link_op(c, LINK_DEFAULT);
}

/* ---- application users ------------------------------------------------------------------------
 */

static json_t *appuser_json(const struct store_app_user *a)
{
	return json_pack("{s:s, s:b, s:b}", "id", a->id, "has_password", a->password_hash[0] != 0,
			 "proxy_rights", a->em_proxy_rights);
}

static int appuser_collect(void *arg, const struct store_app_user *a)
{
	return json_array_append_new(arg, appuser_json(a)) ? ENOMEM : 0;
}

/* Application user IDs are case-sensitive, as CUCM's; only checked, never lowercased. */
static int appuser_id(struct admin_call *c, char *id, size_t len)
{
	int rc = admin_get_str(c->args, "id", NULL, id, len, NULL, &c->err);

	if (!rc && !id[0])
		rc = admin_fail(&c->err, 400, "id", "empty application user ID");
	return rc;
}

static int appuser_password(struct admin_call *c, struct store_app_user *a)
{
	json_t *v = json_object_get(c->args, "password");
	const char *pw;
	int rc;

	if (!v)
		return 0;
	pw = json_string_value(v);
	if (!*pw || strlen(pw) != json_string_length(v))
		return admin_fail(&c->err, 400, "password",
				  "bad password: empty or contains a NUL byte");
	rc = cred_password_hash(pw, a->password_hash, sizeof(a->password_hash));
	if (rc == EINVAL)
		return admin_fail(&c->err, 400, "password", "bad password: at most 256 bytes");
	if (rc)
		return admin_fail(&c->err, 500, NULL, "could not hash the password");
	return 0;
}

int admin_cmd_appuser_list(struct admin_call *c)
{
	json_t *arr = json_array();
	int rc = store_app_user_list(c->ctx->em->st, appuser_collect, arr);

	if (rc) {
		json_decref(arr);
		return admin_store_fail(&c->err, rc, NULL, "application users");
	}
	c->out = json_pack("{s:o}", "appusers", arr);
	return 200;
}

int admin_cmd_appuser_show(struct admin_call *c)
{
	char id[LIM_ID_MAX];
	struct store_app_user a;
	int rc;

	if ((rc = appuser_id(c, id, sizeof(id))))
		return rc;
	rc = store_app_user_get(c->ctx->em->st, id, &a);
	if (rc == ENOENT)
		return admin_fail(&c->err, 404, "id", "no such application user '%s'", id);
	if (rc)
		return admin_store_fail(&c->err, rc, "id", "application user");
	c->out = appuser_json(&a);
	return 200;
}

/* add (create = 1) or set (create = 0) */
static int appuser_write(struct admin_call *c, int create)
{
	struct store *st = c->ctx->em->st;
	struct store_app_user a;
	int rc;

	memset(&a, 0, sizeof(a));
	if ((rc = appuser_id(c, a.id, sizeof(a.id))))
		return rc;
	if (!create) {
		rc = store_app_user_get(st, a.id, &a);
		if (rc == ENOENT)
			return admin_fail(&c->err, 404, "id", "no such application user '%s'",
					  a.id);
		if (rc)
			return admin_store_fail(&c->err, rc, "id", "application user");
	}
	admin_get_bool(c->args, "proxy_rights", &a.em_proxy_rights);
	if ((rc = appuser_password(c, &a)))
		return rc;
	if ((rc = store_begin(st)))
		return admin_store_fail(&c->err, rc, NULL, "application user");
	rc = create ? store_app_user_insert(st, &a) : store_app_user_update(st, &a);
	if (rc) {
		store_rollback(st);
		if (rc == EEXIST)
			return admin_fail(&c->err, 409, "id",
					  "application user '%s' already exists", a.id);
		return admin_store_fail(&c->err, rc, "id", "application user");
	}
	if ((rc = store_commit(st)))
		return admin_store_fail(&c->err, rc, NULL, "application user");
	if (c->ctx->em->cache)
		cred_cache_forget(c->ctx->em->cache, a.id);
	c->out = appuser_json(&a);
	return 200;
}

int admin_cmd_appuser_add(struct admin_call *c)
{
	return appuser_write(c, 1);
}

int admin_cmd_appuser_set(struct admin_call *c)
{
	return appuser_write(c, 0);
}

int admin_cmd_appuser_del(struct admin_call *c)
{
	struct store *st = c->ctx->em->st;
	char id[LIM_ID_MAX];
	int rc;

	if ((rc = appuser_id(c, id, sizeof(id))))
		return rc;
	if ((rc = store_begin(st)))
		return admin_store_fail(&c->err, rc, NULL, "application user");
	rc = store_app_user_delete(st, id);
	if (rc) {
		store_rollback(st);
		if (rc == ENOENT)
			return admin_fail(&c->err, 404, "id", "no such application user '%s'", id);
		return admin_store_fail(&c->err, rc, "id", "application user");
	}
	if ((rc = store_commit(st)))
		return admin_store_fail(&c->err, rc, NULL, "application user");
	if (c->ctx->em->cache)
		cred_cache_forget(c->ctx->em->cache, id);
	c->out = json_pack("{s:s}", "deleted", id);
	return 200;
}
