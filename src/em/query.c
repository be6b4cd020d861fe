/* query.c -- the EM API's read-only queries: deviceUserQuery, userDevicesQuery,
 * deviceProfileQuery and checkUser.
 *
 * Decisions where CUCM's documents leave room:
 *  - The last user of a device is shown only when Remember the Last User Logged In is true
 *    (record.c keeps the row's last_user_id as the login stored it). */
#include "em/em.h"

#include <errno.h>
#include <string.h>

#include "core/str.h"
#include "em/em_internal.h"

int em_query_device(struct em_ctx *ctx, const struct em_caller *caller, const char *device,
		    struct em_device_status *out, struct em_result *res)
{
	struct store_device dev;
	struct store_em_state s;
	int rc;

	memset(out, 0, sizeof(*out));
	out->state = EM_DEVICE_DOES_NOT_EXIST;
	if (!caller->proxy_rights)
		return em_refuse(res, EM_NO_PROXY_RIGHTS);
	if (!device || !*device || strlen(device) >= LIM_ID_MAX)
		return 0;
	rc = store_device_get(ctx->st, device, &dev);
	if (rc == ENOENT) {
		/* The home side's EMCC device: shown while its login lasts. */
		rc = store_em_state_get(ctx->st, device, &s);
		if (rc == ENOENT || (rc == 0 && (!*s.user_id || s.emcc_role != STORE_EMCC_HOME)))
			return 0;
		if (rc)
			return em_store_error(res, rc);
		rc = 0;
	} else if (rc) {
		return em_store_error(res, rc);
	} else {
		rc = store_em_state_get(ctx->st, device, &s);
	}
	out->state = EM_DEVICE_LOGGED_OUT;
	if (rc == ENOENT)
		return 0;
	if (rc)
		return em_store_error(res, rc);
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
	if (!em_may_act_for(caller, norm_ok ? uid : NULL))
		return em_refuse(res, EM_NO_PROXY_RIGHTS);
	if (!norm_ok)
		return 0;
	rc = store_user_get(ctx->st, uid, &u);
	if (rc == ENOENT)
		return 0;
	if (rc)
		return em_store_error(res, rc);
	*exists = 1;
	return 0;
}

/* A per-user walk: the caller's callback, and whether it stopped the walk (then the error is
 * the caller's own, not the store's). */
struct user_walk {
	int (*device_fn)(void *arg, const char *device);
	int (*profile_fn)(void *arg, const char *profile, int is_default);
	void *arg;
	int stopped;
};

static int device_cb(void *arg, const struct store_em_state *s)
{
	struct user_walk *w = arg;
	int rc = w->device_fn(w->arg, s->device);

	w->stopped = rc != 0;
	return rc;
}

static int profile_cb(void *arg, const struct store_user_profile *up)
{
	struct user_walk *w = arg;
	int rc = w->profile_fn(w->arg, up->profile, up->is_default);

	w->stopped = rc != 0;
	return rc;
}

static int walk_result(struct em_result *res, int rc, const struct user_walk *w)
{
	if (rc == 0)
		return 0;
	if (w->stopped) {
		em_refusef(res, EM_UNKNOWN_ERROR, "Unknown Error: query stopped");
		return rc;
	}
	return em_store_error(res, rc);
}

int em_query_user_devices(struct em_ctx *ctx, const struct em_caller *caller, const char *user_id,
			  int *exists, int (*fn)(void *arg, const char *device), void *arg,
			  struct em_result *res)
{
	struct user_walk w = {.device_fn = fn, .arg = arg};
	char uid[LIM_ID_MAX];
	int rc = user_query_start(ctx, caller, user_id, uid, exists, res);

	if (rc || !*exists)
		return rc;
	return walk_result(res, store_em_state_by_user(ctx->st, uid, device_cb, &w), &w);
}

int em_query_user_profiles(struct em_ctx *ctx, const struct em_caller *caller, const char *user_id,
			   int *exists, int (*fn)(void *arg, const char *profile, int is_default),
			   void *arg, struct em_result *res)
{
	struct user_walk w = {.profile_fn = fn, .arg = arg};
	char uid[LIM_ID_MAX];
	int rc = user_query_start(ctx, caller, user_id, uid, exists, res);

	if (rc || !*exists)
		return rc;
	return walk_result(res, store_user_profile_list(ctx->st, uid, profile_cb, &w), &w);
}

int em_query_user_exists(struct em_ctx *ctx, const struct em_caller *caller, const char *user_id,
			 int *exists, struct em_result *res)
{
	char uid[LIM_ID_MAX];

	return user_query_start(ctx, caller, user_id, uid, exists, res);
}
