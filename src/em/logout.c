/* logout.c -- logouts asked for by the EM API, the phone or the administrator: one device, or
 * every device (logoutAll). The rows a logout writes are record.c's. */
#include "em/em.h"

#include <errno.h>
#include <string.h>

#include "core/str.h"
#include "em/em_internal.h"

/* The check phase, in the transaction: the device (11; an EMCC device at home counts), someone
 * logged in on it (19), the caller's rights over that login (10). cur gets the login. */
static int logout_check(struct em_ctx *ctx, const struct em_caller *caller, const char *device,
			struct store_em_state *cur, int *serr)
{
	struct store_device dev;
	int rc = store_device_get(ctx->st, device, &dev);

	if (rc == ENOENT) {
		/* An EMCC device at home bears a remote phone's name: it is no device of ours,
		 * yet its login may be ended here (admin, API). */
		rc = store_em_state_get(ctx->st, device, cur);
		if (rc == ENOENT ||
		    (rc == 0 && (!*cur->user_id || cur->emcc_role != STORE_EMCC_HOME)))
			return EM_DEVICE_NOT_FOUND;
	} else if (rc == 0) {
		rc = store_em_state_get(ctx->st, device, cur);
	}
	if (rc == ENOENT || (rc == 0 && !*cur->user_id))
		return EM_NO_USER_LOGGED_IN;
	if (rc)
		return em_store_code(rc, serr);
	if (caller && !em_may_act_for(caller, cur->user_id))
		return EM_NO_PROXY_RIGHTS;
	return EM_OK;
}

/* The check phase and, when it passed, the logout, in one transaction. user_id (may be NULL)
 * gets whose login it is once the checks passed. */
static int logout_tx(struct em_ctx *ctx, const struct em_caller *caller, const char *device,
		     char *user_id, struct store_em_state *cur, struct em_changes *changes,
		     int *serr)
{
	int rc = store_begin(ctx->st), code;

	if (rc)
		return em_store_code(rc, serr);
	code = logout_check(ctx, caller, device, cur, serr);
	if (code != EM_OK) {
		store_rollback(ctx->st);
		return code;
	}
	if (user_id)
		str_copy(user_id, LIM_ID_MAX, cur->user_id);
	rc = em_tx_close(ctx, em_logout_locked(ctx, cur, "logout", NULL, "", 1, changes));
	return rc ? em_store_code(rc, serr) : EM_OK;
}

/* caller NULL: the device itself asks (its Logout softkey), which may end whatever login it
 * has. user_id as logout_tx's. */
static int logout_core(struct em_ctx *ctx, const struct em_caller *caller, const char *device,
		       char *user_id, struct em_result *res)
{
	struct store_em_state cur;
	struct em_changes changes = {0};
	int code = EM_DEVICE_NOT_FOUND, serr = 0;

	memset(&cur, 0, sizeof(cur));
	if (!device)
		device = "";
	if (*device && strlen(device) < LIM_ID_MAX)
		code = logout_tx(ctx, caller, device, user_id, &cur, &changes, &serr);
	em_changes_finish(ctx, &changes, code == EM_OK);
	if (code == EM_OK)
		return 0;
	em_refuse(res, code);
	em_audit_failure(ctx, "logout", cur.user_id, device, res);
	return serr ? serr : EPERM;
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
	struct em_state_list all = {0};
	struct em_changes changes = {0};
	int rc;

	if (count)
		*count = 0;
	if (!caller->proxy_rights) {
		em_refuse(res, EM_NO_PROXY_RIGHTS);
		em_audit_failure(ctx, "logoutAll", "", "", res);
		return EPERM;
	}
	rc = store_begin(ctx->st);
	if (rc == 0) {
		rc = store_em_state_logged_in(ctx->st, em_state_list_add, &all);
		if (rc == 0)
			rc = em_logout_list(ctx, &all, "logoutAll", NULL, "", &changes);
		rc = em_tx_close(ctx, rc);
	}
	em_changes_finish(ctx, &changes, rc == 0);
	if (rc == 0 && count)
		*count = all.rows.n;
	vec_free(&all.rows);
	if (rc) {
		em_store_error(res, rc);
		em_audit_failure(ctx, "logoutAll", "", "", res);
	}
	return rc;
}
