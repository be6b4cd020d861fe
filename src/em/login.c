/* login.c -- a login on one of our phones, the EM API's or the phone's own (PIN): a check phase
 * and a record phase in one transaction.
 *
 * Decisions where CUCM's documents leave room:
 *  - A login on a device where the SAME user is already logged in with the SAME profile
 *    succeeds without changing anything (no restart, the login time and auto logout stay as
 *    they were), so an integration that retries after a lost answer does not get 18. Any
 *    other login on an occupied device gets 18, as CUCM does.
 *  - Phone (PIN) logins share em_login's checks and recording. The device checks (11, 22) come
 *    before the PIN because they say nothing about users; the PIN's own rules are pin.c's. */
#include "em/em.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/str.h"
#include "em/em_internal.h"

#define EXCLUSIVE_MINUTES_MAX (366L * 24 * 60) /* an explicit duration longer is a typo */

/* A login under way: the request, what its checks found, what its record phase writes from. */
struct login {
	const struct em_login_req *req;
	struct pin_step *ps; /* the phone's PIN login; NULL for the EM API */
	const char *device;
	char uid[LIM_ID_MAX]; /* the user, normalised; "" while not known */
	char profile[LIM_ID_MAX];
	struct store_device dev;
	struct store_user user;
	struct store_profile prof;
	int already;		     /* this very login is on the device: nothing to write */
	struct em_state_list others; /* the user's logins Auto Logout ends */
	int serr;		     /* the store error behind a 6 or 26 */
};

int em_multiple_login_check(struct em_ctx *ctx, const char *uid, struct em_state_list *others,
			    int *serr)
{
	int rc = store_em_state_by_user(ctx->st, uid, em_state_list_add, others);

	if (rc)
		return em_store_code(rc, serr);
	if (others->rows.n == 0)
		return EM_OK;
	switch (ctx->params->multiple_login_behavior) {
	case EM_MULTI_ALLOWED: others->rows.n = 0; return EM_OK;
	case EM_MULTI_AUTO_LOGOUT: return EM_OK;
	default: return EM_USER_LOGGED_IN_ELSEWHERE;
	}
}

/* ---- the check phase: reads only, in CUCM's order ---- */

/* Before the transaction: the API caller's rights over the user (10), an explicit duration. */
static int check_request(const struct em_caller *caller, struct login *lg)
{
	const struct em_login_req *req = lg->req;

	if (!lg->ps) {
		if (em_user_id_normalize(req->user_id, lg->uid, sizeof(lg->uid)) != 0)
			lg->uid[0] = '\0';
		if (!em_may_act_for(caller, *lg->uid ? lg->uid : NULL))
			return EM_NO_PROXY_RIGHTS;
	}
	if (req->duration_kind == EM_DURATION_MINUTES &&
	    (req->duration_minutes < 1 || req->duration_minutes > EXCLUSIVE_MINUTES_MAX))
		return EM_POLICY_VALIDATION;
	return EM_OK;
}

/* The device exists (11) and allows EM (22). */
static int check_device(struct em_ctx *ctx, struct login *lg)
{
	int rc;

	if (!*lg->device || strlen(lg->device) >= LIM_ID_MAX)
		return EM_DEVICE_NOT_FOUND;
	rc = store_device_get(ctx->st, lg->device, &lg->dev);
	if (rc == ENOENT)
		return EM_DEVICE_NOT_FOUND;
	if (rc)
		return em_store_code(rc, &lg->serr);
	return lg->dev.em_enabled ? EM_OK : EM_DEVICE_LOGON_DISABLED;
}

/* The user: by PIN at a phone (pin.c), else the API's user ID must name one (23). */
static int check_user(struct em_ctx *ctx, struct login *lg)
{
	int rc;

	if (lg->ps)
		return em_pin_authenticate(ctx, lg->ps, &lg->user, lg->uid, &lg->serr);
	if (!*lg->uid || (!ctx->params->alphanumeric_user_id && !em_all_digits(lg->uid)))
		return EM_USER_NOT_FOUND;
	rc = store_user_get(ctx->st, lg->uid, &lg->user);
	if (rc == ENOENT)
		return EM_USER_NOT_FOUND;
	return rc ? em_store_code(rc, &lg->serr) : EM_OK;
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

int em_profile_pick(struct em_ctx *ctx, const char *uid, const char *want, char profile[LIM_ID_MAX],
		    int *serr)
{
	struct profile_find f = {want, 0};
	int rc;

	if (!want || !*want) {
		rc = store_user_default_profile(ctx->st, uid, profile, LIM_ID_MAX);
		if (rc)
			return rc == ENOENT ? EM_PROFILE_NOT_FOUND : em_store_code(rc, serr);
		return EM_OK;
	}
	if (strlen(want) < LIM_ID_MAX &&
	    (rc = store_user_profile_list(ctx->st, uid, find_profile, &f)) != 0)
		return em_store_code(rc, serr);
	if (!f.found)
		return EM_PROFILE_NOT_FOUND;
	str_copy(profile, LIM_ID_MAX, want);
	return EM_OK;
}

static int collect_profile(void *arg, const struct store_user_profile *up)
{
	struct em_pin_login_out *out = arg;

	/* More than a menu can hold: the rest cannot be offered (the API can still use them). */
	if (out->nprofiles < EM_PIN_MAX_PROFILES)
		str_copy(out->profiles[out->nprofiles++], LIM_ID_MAX, up->profile);
	return 0;
}

/* None asked for at a phone: a phone lists the user's profiles when there are several
 * (reference 2.1), default or not (need_choice); one is simply used. */
static int profile_phone(struct em_ctx *ctx, struct login *lg)
{
	struct em_pin_login_out *out = lg->ps->out;
	int rc;

	out->nprofiles = 0;
	rc = store_user_profile_list(ctx->st, lg->uid, collect_profile, out);
	if (rc)
		return em_store_code(rc, &lg->serr);
	if (out->nprofiles == 0)
		return em_pin_reason(lg->ps, EMAPP_USER_PROFILE_ABSENT,
				     "user has no device profile");
	if (out->nprofiles > 1)
		lg->ps->need_choice = 1;
	else
		str_copy(lg->profile, sizeof(lg->profile), out->profiles[0]);
	return EM_OK;
}

/* The profile: the phone's choice, or em_profile_pick's (12; 205 at a phone, which must exist). */
static int check_profile(struct em_ctx *ctx, struct login *lg)
{
	const char *want = lg->req->profile;
	int code, rc;

	if (lg->ps && (!want || !*want))
		code = profile_phone(ctx, lg);
	else
		code = em_profile_pick(ctx, lg->uid, want, lg->profile, &lg->serr);
	if (code == EM_PROFILE_NOT_FOUND && lg->ps)
		return em_pin_reason(lg->ps, EMAPP_USER_PROFILE_ABSENT,
				     "profile %.128s is not one of the user's", want);
	if (code != EM_OK || (lg->ps && lg->ps->need_choice))
		return code;
	rc = store_profile_get(ctx->st, lg->profile, &lg->prof);
	if (rc == ENOENT && lg->ps)
		return em_pin_reason(lg->ps, EMAPP_USER_PROFILE_ABSENT,
				     "profile %.128s does not exist", lg->profile);
	if (rc == ENOENT)
		return EM_PROFILE_NOT_FOUND;
	if (rc)
		return em_store_code(rc, &lg->serr);
	if (lg->ps)
		str_copy(lg->ps->out->profile, sizeof(lg->ps->out->profile), lg->profile);
	return EM_OK;
}

/* The device is free (18), or already has this very login. */
static int check_free(struct em_ctx *ctx, struct login *lg)
{
	struct store_em_state cur;
	int rc = store_em_state_get(ctx->st, lg->device, &cur);

	if (rc == ENOENT)
		return EM_OK;
	if (rc)
		return em_store_code(rc, &lg->serr);
	if (!*cur.user_id)
		return EM_OK;
	if (strcmp(cur.user_id, lg->uid) != 0 || strcmp(cur.profile, lg->profile) != 0)
		return EM_ANOTHER_USER_LOGGED_IN;
	lg->already = 1;
	return EM_OK;
}

static int login_check(struct em_ctx *ctx, struct login *lg)
{
	int code = check_device(ctx, lg);

	if (code == EM_OK)
		code = check_user(ctx, lg);
	if (code == EM_OK)
		code = check_profile(ctx, lg);
	if (code != EM_OK || (lg->ps && lg->ps->need_choice))
		return code;
	code = check_free(ctx, lg);
	if (code != EM_OK || lg->already)
		return code;
	return em_multiple_login_check(ctx, lg->uid, &lg->others, &lg->serr);
}

/* ---- the record phase ---- */

static int64_t login_duration(const struct em_ctx *ctx, const struct login *lg)
{
	switch (lg->req->duration_kind) {
	case EM_DURATION_MINUTES: return (int64_t)lg->req->duration_minutes * 60;
	case EM_DURATION_INDEFINITE: return 0;
	default: break;
	}
	if (lg->user.max_login_minutes >= 0)
		return (int64_t)lg->user.max_login_minutes * 60;
	return (int64_t)em_params_intra_max_minutes(ctx->params) * 60;
}

/* The failed-logon count's reset, Auto Logout's logouts, the login. */
static int login_write(struct em_ctx *ctx, struct login *lg, struct em_changes *changes)
{
	struct pin_step *ps = lg->ps;
	char detail[LIM_TEXT_MAX];
	int rc = ps ? em_pin_counter_apply(ctx, ps, lg->uid) : 0;

	if (rc || (ps && ps->need_choice))
		return rc;
	if (lg->already)
		return em_audit_write(ctx, "login", lg->uid, lg->device, NULL, 0,
				      "already logged in");
	rc = em_logout_list(ctx, &lg->others, "autoLogout", NULL, "multiple login", changes);
	if (rc)
		return rc;
	/* The phone's EMCC=true is kept with the login: the EMCC path (next) decides on it. */
	snprintf(detail, sizeof(detail), "%s%s", lg->profile,
		 ps && ps->req->emcc ? "; EMCC=true" : "");
	struct em_login_rec rec = {
	    .device = lg->device,
	    .user_id = lg->uid,
	    .profile = lg->profile,
	    .duration = login_duration(ctx, lg),
	    .own_timer = 1,
	    .emcc_role = STORE_EMCC_NONE,
	    .remote_cluster = "",
	    .remote_ip = ctx->remote_ip,
	    .locale_changed = em_locale_changes(lg->dev.user_locale, lg->prof.user_locale),
	    .detail = detail,
	};
	return em_login_record(ctx, &rec, changes, NULL, 0);
}

/* ---- the whole login ---- */

/* A refused login's answer, and its audit row (with the PIN count, at a phone) in a transaction
 * of its own: the refused one rolled back. */
static void login_refused(struct em_ctx *ctx, struct login *lg, int code, struct em_result *res)
{
	const char *who = *lg->uid ? lg->uid : (lg->req->user_id ? lg->req->user_id : "");
	struct pin_step *ps = lg->ps;

	em_refuse(res, code);
	if (!ps) {
		em_audit_failure(ctx, "login", who, lg->device, res);
		return;
	}
	if (ps->out->real_code == EM_OK || !*ps->out->reason)
		em_pin_reason(ps, code, "%s", em_code_text(code));
	em_pin_failure_record(ctx, ps, who, lg->device);
}

/* The check phase and, when it passed, the record phase, in one transaction. */
static int login_tx(struct em_ctx *ctx, struct login *lg, struct em_changes *changes)
{
	int rc = store_begin(ctx->st), code;

	if (rc)
		return em_store_code(rc, &lg->serr);
	code = login_check(ctx, lg);
	if (code != EM_OK) {
		store_rollback(ctx->st);
		return code;
	}
	rc = em_tx_close(ctx, login_write(ctx, lg, changes));
	return rc ? em_store_code(rc, &lg->serr) : EM_OK;
}

/* Every login of our phones. caller NULL with ps set: the phone's PIN login, which
 * authenticates the user itself. */
static int login_core(struct em_ctx *ctx, const struct em_caller *caller,
		      const struct em_login_req *req, struct pin_step *ps, struct em_result *res)
{
	struct login lg = {.req = req, .ps = ps, .device = req->device ? req->device : ""};
	struct em_changes changes = {0};
	int code = check_request(caller, &lg);

	if (code == EM_OK)
		code = login_tx(ctx, &lg, &changes);
	em_changes_finish(ctx, &changes, code == EM_OK);
	if (code != EM_OK)
		login_refused(ctx, &lg, code, res);
	vec_free(&lg.others.rows);
	if (code != EM_OK)
		return lg.serr ? lg.serr : EPERM;
	return ps && ps->need_choice ? EAGAIN : 0;
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
		em_refuse(res, EMAPP_BLANK_USER_OR_PIN);
		out->real_code = EMAPP_BLANK_USER_OR_PIN;
		str_copy(out->reason, sizeof(out->reason), "blank user ID or PIN");
		return EPERM;
	}
	return login_core(ctx, NULL, &lr, &ps, res);
}
