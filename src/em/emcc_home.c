/* emcc_home.c -- EMCC's homeLogin at the home cluster: a visiting cluster's phone logs in one of
 * our users; a check phase and a record phase in one transaction, as login.c's.
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
 *  - An Inter-cluster Maximum Login Time of 0 means no limit (no scheduled logout). */
#include "em/em.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/str.h"
#include "em/em_internal.h"

/* A homeLogin under way: the request, its PIN step, what the checks found. Every refusal's
 * real code and reason go to ps.out, as a phone login's do. */
struct home_login {
	const struct em_emcc_home_login_req *req;
	struct em_emcc_home_login_out *out;
	const char *device;
	struct em_pin_login_req pr;
	struct pin_step ps;
	char uid[LIM_ID_MAX];
	struct store_user user;
	struct store_em_state cur;   /* the phone's row here; a login in it is superseded */
	struct em_state_list others; /* the user's logins Auto Logout ends */
	int serr;		     /* the store error behind a 6 or 26 */
};

static int home_store(struct home_login *h, int rc)
{
	return em_pin_reason(&h->ps, em_store_code(rc, &h->serr), "store: %s", strerror(rc));
}

/* ---- the check phase: reads only ---- */

/* EMCC active here (38), then the PIN: 2 on the wire for every PIN failure. */
static int check_pin(struct em_ctx *ctx, struct home_login *h)
{
	const struct em_emcc_home_login_req *req = h->req;
	int code;

	if (!ctx->params->emcc_active)
		return em_pin_reason(&h->ps, EM_EMCC_NOT_ALLOWED,
				     "EMCC is not active in our Intercluster Service Profile");
	if (!req->pin || !*req->pin || !req->user_id || !*req->user_id)
		return em_pin_reason(&h->ps, EM_AUTH_ERROR, "blank user ID or PIN");
	code = em_pin_authenticate(ctx, &h->ps, &h->user, h->uid, &h->serr);
	if (code == EM_OK)
		str_copy(h->out->user_id, sizeof(h->out->user_id), h->uid);
	else if (h->serr)
		return home_store(h, h->serr);
	return code == EM_OK ? EM_OK : EM_AUTH_ERROR;
}

/* User EMCC enabled (31), the phone's name not one of our devices (37), non-secure (43). */
static int check_device(struct em_ctx *ctx, struct home_login *h)
{
	struct store_device dev;
	int rc;

	if (!h->user.emcc_enabled)
		return em_pin_reason(&h->ps, EM_EMCC_NOT_ACTIVATED_FOR_USER,
				     "EMCC is not enabled for user %s", h->uid);
	rc = store_device_get(ctx->st, h->device, &dev);
	if (rc == 0)
		return em_pin_reason(&h->ps, EM_DUPLICATE_DEVICE_NAME,
				     "%s is a device of this cluster", h->device);
	if (rc != ENOENT)
		return home_store(h, rc);
	if (h->req->security_mode != 1)
		return em_pin_reason(&h->ps, EM_DEVICE_SECURITY_MODE,
				     "security mode %d: the EMCC device must be non-secure",
				     h->req->security_mode);
	return EM_OK;
}

/* The profile asked for, one of the user's, or the user's default (12). */
static int check_profile(struct em_ctx *ctx, struct home_login *h)
{
	const char *want = h->req->profile;
	int code = em_profile_pick(ctx, h->uid, want, h->out->profile, &h->serr);

	if (h->serr)
		return home_store(h, h->serr);
	if (code == EM_OK)
		return EM_OK;
	if (want && *want)
		return em_pin_reason(&h->ps, code, "profile %.128s is not one of the user's", want);
	return em_pin_reason(&h->ps, code, "user %s has no default device profile", h->uid);
}

/* The phone's own row here: a login from another cluster is 37; one from the same cluster
 * is superseded (kept in h->cur for the record phase). */
static int check_phone(struct em_ctx *ctx, struct home_login *h)
{
	const struct store_em_state *cur = &h->cur;
	int rc = store_em_state_get(ctx->st, h->device, &h->cur);

	if (rc == ENOENT)
		memset(&h->cur, 0, sizeof(h->cur));
	else if (rc)
		return home_store(h, rc);
	if (*cur->user_id && (cur->emcc_role != STORE_EMCC_HOME ||
			      strcmp(cur->remote_cluster, h->req->visiting_cluster) != 0))
		return em_pin_reason(&h->ps, EM_DUPLICATE_DEVICE_NAME,
				     "%s is logged in here already from cluster %s", h->device,
				     *cur->remote_cluster ? cur->remote_cluster : "(local)");
	return EM_OK;
}

/* A login this one ends frees its EMCC device, if it is a home login with one: *freed counts. */
static int device_freed(struct em_ctx *ctx, const struct store_em_state *s, long *freed)
{
	struct store_emcc_home_device hd;
	int rc;

	if (!*s->user_id || s->emcc_role != STORE_EMCC_HOME)
		return 0;
	rc = store_emcc_home_device_get(ctx->st, s->device, &hd);
	if (rc == 0)
		(*freed)++;
	return rc == ENOENT ? 0 : rc;
}

/* Multiple Login Behavior across clusters (25), then a free EMCC device (33) once the logins
 * this one ends have freed theirs. */
static int check_others(struct em_ctx *ctx, struct home_login *h)
{
	const struct store_em_state *o;
	long used = 0, freed = 0;
	int code, rc;

	h->others.skip = h->device;
	code = em_multiple_login_check(ctx, h->uid, &h->others, &h->serr);
	if (h->serr)
		return home_store(h, h->serr);
	o = em_state_rows(&h->others);
	if (code != EM_OK)
		return em_pin_reason(&h->ps, code, "user %s is logged in on %s%s%s", h->uid,
				     o[0].device, *o[0].remote_cluster ? " at " : "",
				     o[0].remote_cluster);
	rc = device_freed(ctx, &h->cur, &freed);
	for (size_t i = 0; i < h->others.rows.n && rc == 0; i++)
		rc = device_freed(ctx, &o[i], &freed);
	if (rc == 0)
		rc = store_emcc_home_device_count(ctx->st, &used);
	if (rc)
		return home_store(h, rc);
	if (used - freed >= ctx->params->max_emcc_devices)
		return em_pin_reason(&h->ps, EM_NO_FREE_EMCC_DEVICE,
				     "all %d EMCC devices are in use",
				     ctx->params->max_emcc_devices);
	return EM_OK;
}

static int home_check(struct em_ctx *ctx, struct home_login *h)
{
	int code = check_pin(ctx, h);

	if (code == EM_OK)
		code = check_device(ctx, h);
	if (code == EM_OK)
		code = check_profile(ctx, h);
	if (code == EM_OK)
		code = check_phone(ctx, h);
	if (code == EM_OK)
		code = check_others(ctx, h);
	return code;
}

/* ---- the record phase ---- */

/* The EMCC device the phone gets its file from here, under the login's stamp. */
static int home_device_put(struct em_ctx *ctx, struct home_login *h, const char *version)
{
	const struct em_emcc_home_login_req *req = h->req;
	struct store_emcc_home_device hd;
	const char *proto = req->protocol ? req->protocol : "";

	memset(&hd, 0, sizeof(hd));
	str_copy(hd.device, sizeof(hd.device), h->device);
	str_copy(hd.user_id, sizeof(hd.user_id), h->uid);
	str_copy(hd.profile, sizeof(hd.profile), h->out->profile);
	str_copy(hd.visiting_cluster, sizeof(hd.visiting_cluster), req->visiting_cluster);
	str_copy(hd.model, sizeof(hd.model), req->model);
	str_copy(hd.protocol, sizeof(hd.protocol),
		 strcmp(proto, "SIP") == 0 || strcmp(proto, "SCCP") == 0 ? proto : "");
	hd.security_mode = req->security_mode;
	hd.login_time = ctx->now_ms / 1000;
	hd.login_duration = h->out->login_duration;
	str_copy(hd.config_version, sizeof(hd.config_version), version);
	hd.created_ms = ctx->now_ms;
	return store_emcc_home_device_put(ctx->st, &hd);
}

/* The superseded login, Auto Logout's, the outbox, the login with its EMCC device, the
 * failed-logon count's reset. */
static int home_write(struct em_ctx *ctx, struct home_login *h, struct em_changes *changes)
{
	const struct em_emcc_home_login_req *req = h->req;
	struct em_emcc_home_login_out *out = h->out;
	char detail[LIM_TEXT_MAX];
	int rc = 0;

	if (*h->cur.user_id) {
		/* Not told: the new login on the same phone is. */
		rc = em_logout_locked(ctx, &h->cur, "logout", "emcc",
				      "superseded by a new login from the visiting cluster", 0,
				      NULL);
		if (rc)
			return rc;
		out->superseded = 1;
	}
	rc =
	    em_logout_list(ctx, &h->others, "autoLogout", "emcc", "multiple login (EMCC)", changes);
	/* A visitingLogout still queued for this phone at that cluster is about an older login
	 * the visiting cluster already ended (it checked its phone is free): sent after this
	 * login it would end the new one there. */
	if (rc == 0)
		rc = store_emcc_outbox_delete_for(ctx->st, req->visiting_cluster, h->device, NULL);
	if (rc)
		return rc;
	out->login_duration = (int64_t)ctx->params->inter_cluster_max_minutes * 60;
	snprintf(detail, sizeof(detail), "EMCC from %.64s request %llu; %s; duration %llds",
		 req->visiting_cluster, (unsigned long long)req->visiting_reqno, out->profile,
		 (long long)out->login_duration);
	struct em_login_rec rec = {
	    .device = h->device,
	    .user_id = h->uid,
	    .profile = out->profile,
	    .duration = out->login_duration,
	    .own_timer = 1,
	    .emcc_role = STORE_EMCC_HOME,
	    .remote_cluster = req->visiting_cluster,
	    .remote_ip = req->remote_ip ? req->remote_ip : "",
	    .source = "emcc",
	    .detail = detail,
	};
	rc = em_login_record(ctx, &rec, changes, out->config_version, sizeof(out->config_version));
	if (rc == 0)
		rc = home_device_put(ctx, h, out->config_version);
	if (rc == 0)
		rc = em_pin_counter_apply(ctx, &h->ps, h->uid);
	return rc;
}

/* ---- the whole homeLogin ---- */

static int home_tx(struct em_ctx *ctx, struct home_login *h, struct em_changes *changes)
{
	int rc, code;

	if (!*h->device || strlen(h->device) >= LIM_ID_MAX)
		return em_pin_reason(&h->ps, EM_DEVICE_NOT_FOUND, "no device name");
	if ((rc = store_begin(ctx->st)) != 0)
		return home_store(h, rc);
	code = home_check(ctx, h);
	if (code != EM_OK) {
		store_rollback(ctx->st);
		return code;
	}
	rc = em_tx_close(ctx, home_write(ctx, h, changes));
	return rc ? home_store(h, rc) : EM_OK;
}

/* A refused homeLogin: res gets the code; the failed-logon count and the audit row with the
 * real reason in a transaction of their own; out what really happened. */
static void home_refused(struct em_ctx *ctx, struct home_login *h, int code, struct em_result *res)
{
	const struct em_emcc_home_login_req *req = h->req;
	struct em_pin_login_out *po = h->ps.out;
	char note[LIM_TEXT_MAX];

	em_refuse(res, code);
	snprintf(note, sizeof(note), "EMCC from %.64s request %llu",
		 req->visiting_cluster ? req->visiting_cluster : "",
		 (unsigned long long)req->visiting_reqno);
	h->ps.note = note;
	em_pin_failure_record(ctx, &h->ps, *h->uid ? h->uid : (req->user_id ? req->user_id : ""),
			      h->device);
	h->out->real_code = po->real_code;
	str_copy(h->out->reason, sizeof(h->out->reason), po->reason);
	h->out->lockout_engaged = po->lockout_engaged;
}

int em_emcc_home_login(struct em_ctx *ctx, const struct em_emcc_home_login_req *req,
		       struct em_emcc_home_login_out *out, struct em_result *res)
{
	struct home_login h = {.req = req, .out = out, .device = req->device ? req->device : ""};
	struct em_changes changes = {0};
	int code;

	memset(out, 0, sizeof(*out));
	memset(res, 0, sizeof(*res));
	h.ps.out = calloc(1, sizeof(*h.ps.out));
	if (!h.ps.out) {
		em_refusef(res, EM_UNKNOWN_ERROR, "out of memory");
		return ENOMEM;
	}
	h.pr.device = h.device;
	h.pr.id = req->user_id;
	h.pr.pin = req->pin;
	h.pr.type = req->login_type && strcasecmp(req->login_type, "DN") == 0 ? EM_LOGIN_TYPE_DN
									      : EM_LOGIN_TYPE_UID;
	h.pr.emcc = 1;
	h.ps.req = &h.pr;
	code = home_tx(ctx, &h, &changes);
	em_changes_finish(ctx, &changes, code == EM_OK);
	if (code != EM_OK)
		home_refused(ctx, &h, code, res);
	explicit_bzero(h.ps.out, sizeof(*h.ps.out));
	free(h.ps.out);
	vec_free(&h.others.rows);
	if (code == EM_OK)
		return 0;
	return h.serr ? h.serr : EPERM;
}
