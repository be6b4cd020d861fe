/* record.c -- the record phase every login and logout shares: the em_state row, the new config
 * versionStamp, the scheduled logout and the audit row, in the caller's transaction.
 *
 * Decisions where CUCM's documents leave room:
 *  - Remember the Last User Logged In = false: a login stores an empty last_user_id, so the
 *    database keeps no "last user" of a phone (the audit trail still has the history).
 *    Logout always keeps the last_user_id the login stored. Queries show it only when the
 *    parameter is true (query.c).
 *  - Every login and logout writes a new versionStamp for the device's file in its own
 *    transaction, and that stamp is the one told to the node (em_ctx.on_change): the restart
 *    NOTIFY names the file the phone will get. */
#include "em/em.h"

#include <errno.h>
#include <string.h>

#include "core/str.h"
#include "em/em_internal.h"

int em_login_record(struct em_ctx *ctx, const struct em_login_rec *r, struct em_changes *changes,
		    char *version, size_t len)
{
	struct store *st = ctx->st;
	struct store_em_state s;
	char stamp[LIM_STAMP_MAX];
	int64_t now_s = ctx->now_ms / 1000;
	int rc;

	memset(&s, 0, sizeof(s));
	str_copy(s.device, sizeof(s.device), r->device);
	str_copy(s.user_id, sizeof(s.user_id), r->user_id);
	str_copy(s.profile, sizeof(s.profile), r->profile);
	s.login_time = now_s;
	s.login_duration = r->duration;
	if (ctx->params->remember_last_user)
		str_copy(s.last_user_id, sizeof(s.last_user_id), r->user_id);
	s.emcc_role = r->emcc_role;
	str_copy(s.remote_cluster, sizeof(s.remote_cluster), r->remote_cluster);
	str_copy(s.remote_ip, sizeof(s.remote_ip), r->remote_ip);
	rc = store_em_state_put(st, &s);
	if (rc == 0)
		rc = store_config_bump(st, r->device, ctx->now_ms, stamp, sizeof(stamp));
	/* Cancel too when there is no timer of ours: a stale row must not end the new login. */
	if (rc == 0)
		rc = r->own_timer && r->duration > 0
			 ? store_logout_schedule(st, r->device, now_s + r->duration)
			 : store_logout_cancel(st, r->device);
	if (rc == 0)
		rc = em_audit_write(ctx, "login", r->user_id, r->device, r->source, 0, r->detail);
	if (rc == 0)
		rc = em_change_add(changes, r->device, EM_CHANGE_LOGIN, r->locale_changed, stamp);
	if (rc == 0 && version && str_copy(version, len, stamp) != 0)
		rc = EINVAL;
	return rc;
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

int em_logout_locked(struct em_ctx *ctx, const struct store_em_state *s, const char *action,
		     const char *source, const char *detail, int tell_remote,
		     struct em_changes *changes)
{
	struct store_em_state n = *s;
	struct store_device dev;
	struct store_profile prof;
	char stamp[LIM_STAMP_MAX];
	int rc, locale_changed = 0;

	if (s->emcc_role == STORE_EMCC_HOME || s->emcc_role == STORE_EMCC_VISITOR) {
		rc = emcc_logout_locked(ctx, s, source, tell_remote);
		if (rc)
			return rc;
	}
	if (store_device_get(ctx->st, s->device, &dev) == 0 && *s->profile &&
	    store_profile_get(ctx->st, s->profile, &prof) == 0)
		locale_changed = em_locale_changes(dev.user_locale, prof.user_locale);
	n.user_id[0] = '\0';
	n.profile[0] = '\0';
	n.login_time = 0;
	n.login_duration = 0;
	n.emcc_role = STORE_EMCC_NONE;
	n.remote_cluster[0] = '\0';
	n.remote_ip[0] = '\0';
	rc = store_em_state_put(ctx->st, &n);
	if (rc == 0)
		rc = store_config_bump(ctx->st, s->device, ctx->now_ms, stamp, sizeof(stamp));
	if (rc == 0)
		rc = store_logout_cancel(ctx->st, s->device);
	if (rc == 0)
		rc = em_audit_write(ctx, action, s->user_id, s->device, source, 0, detail);
	if (rc == 0 && changes)
		rc = em_change_add(changes, s->device, EM_CHANGE_LOGOUT, locale_changed, stamp);
	return rc;
}

int em_logout_list(struct em_ctx *ctx, const struct em_state_list *l, const char *action,
		   const char *source, const char *detail, struct em_changes *changes)
{
	const struct store_em_state *v = em_state_rows(l);
	int rc = 0;

	for (size_t i = 0; i < l->rows.n && rc == 0; i++)
		rc = em_logout_locked(ctx, &v[i], action, source, detail, 1, changes);
	return rc;
}
