/* auth.c -- appInfo authentication of EM API callers: application users and end users.
 *
 * Decisions where CUCM's documents leave room:
 *  - An unknown appID costs the same Argon2id verification as a wrong password, so neither
 *    the answer nor its timing tells whether the user exists. */
#include "em/em.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "core/str.h"
#include "em/em_internal.h"

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[CRED_HASH_MAX];

static void dummy_init(void)
{
	/* Any password will do; nobody can know it. */
	if (cred_password_hash("emcc-no-such-user-7f3a9c", dummy_hash, sizeof(dummy_hash)) != 0)
		dummy_hash[0] = '\0';
}

/* The stored hash of app_id (an application user, else an end user by normalised ID), with
 * caller filled in; *hash NULL when there is no such caller. Returns 0 or a store error. */
static int find_caller(struct em_ctx *ctx, const char *app_id, struct store_app_user *app,
		       struct store_user *user, struct em_caller *caller, const char **hash)
{
	char uid[LIM_ID_MAX];
	int rc = store_app_user_get(ctx->st, app_id, app);

	*hash = NULL;
	if (rc == 0) {
		*hash = app->password_hash;
		str_copy(caller->id, sizeof(caller->id), app_id);
		caller->is_app_user = 1;
		caller->proxy_rights = app->em_proxy_rights;
		return 0;
	}
	if (rc != ENOENT)
		return rc == EINVAL ? 0 : rc;
	if (em_user_id_normalize(app_id, uid, sizeof(uid)) != 0)
		return 0;
	rc = store_user_get(ctx->st, uid, user);
	if (rc == 0) {
		*hash = user->password_hash;
		str_copy(caller->id, sizeof(caller->id), uid);
		caller->proxy_rights = user->em_proxy_rights;
	}
	return rc == ENOENT || rc == EINVAL ? 0 : rc;
}

int em_authenticate(struct em_ctx *ctx, const char *app_id, const char *secret,
		    struct em_caller *caller, struct em_result *res)
{
	struct store_app_user app;
	struct store_user user;
	const char *hash = NULL;
	int64_t left = 0;
	int rc;

	memset(caller, 0, sizeof(*caller));
	if (!app_id || !*app_id || !secret || !*secret)
		return em_refusef(res, EM_AUTH_ERROR,
				  "Cannot authorize App user: appID or password is blank");
	if (strlen(app_id) < LIM_ID_MAX &&
	    (rc = find_caller(ctx, app_id, &app, &user, caller, &hash)) != 0) {
		memset(caller, 0, sizeof(*caller));
		return em_store_error(res, rc);
	}
	if (!hash || !*hash) {
		pthread_once(&dummy_once, dummy_init);
		if (*dummy_hash)
			cred_password_verify(dummy_hash, secret);
	} else if (ctx->cache &&
		   cred_cache_check(ctx->cache, caller->id, secret, ctx->now_ms, &left)) {
		caller->from_cache = 1;
		caller->cache_left_ms = left;
		return 0;
	} else if (cred_password_verify(hash, secret) == 0) {
		if (ctx->cache && ctx->params->credential_cache_seconds > 0)
			cred_cache_put(ctx->cache, caller->id, secret,
				       ctx->now_ms +
					   (int64_t)ctx->params->credential_cache_seconds * 1000);
		return 0;
	}
	memset(caller, 0, sizeof(*caller));
	return em_refusef(res, EM_INVALID_APP_USER, "Could not authenticate '%.200s'", app_id);
}
