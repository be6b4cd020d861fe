/* em_internal.h -- what the policy files of src/em share; not part of the module's contract.
 *
 * The shape every login and logout follows: one store transaction with a check phase (reads
 * only; decides the EM code and the real reason) and a record phase (the writes, which fail only
 * on store errors); the changes the record phase wrote are collected in a struct em_changes and
 * told to ctx->on_change once the transaction committed. */
#ifndef EMCC_EM_EM_INTERNAL_H
#define EMCC_EM_EM_INTERNAL_H

#include "core/vec.h"
#include "em/em.h"

/* ---- results and transactions (em.c) ---- */

/* res (may be NULL) gets code and the code's own text. Returns EPERM: a policy refusal. */
int em_refuse(struct em_result *res, int code);
/* As em_refuse, with a text of its own. */
int em_refusef(struct em_result *res, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A store error: res gets 26 for EBUSY (the writer lock could not be had), else 6. Returns err. */
int em_store_error(struct em_result *res, int err);
/* The EM code for a store error (26 or 6), with *serr = err: for the check phases, which
 * return codes. */
int em_store_code(int err, int *serr);

/* Ends the caller's transaction: commits when rc is 0, else rolls back. Returns rc, or the
 * commit's error (then rolled back too). */
int em_tx_close(struct em_ctx *ctx, int rc);

/* Adds one audit row (inside the caller's transaction). source NULL = ctx->source. */
int em_audit_write(struct em_ctx *ctx, const char *action, const char *user_id, const char *device,
		   const char *source, int code, const char *detail);
/* A refused request's audit row (res's code and text), in a transaction of its own after the
 * caller rolled back. Best effort: the answer matters more than the trail when the database is
 * down. */
void em_audit_failure(struct em_ctx *ctx, const char *action, const char *user_id,
		      const char *device, const struct em_result *res);

/* caller may act for user uid (NULL: no valid user ID): proxy rights, or an end user itself. */
int em_may_act_for(const struct em_caller *caller, const char *uid);
/* 1 when s is all ASCII digits (Alphanumeric User ID = False). */
int em_all_digits(const char *s);
/* 1 when a phone going between these locales must reset (new fonts and prompts), not just
 * restart; "" is "the phone's own", no change. */
int em_locale_changes(const char *a, const char *b);

/* ---- the changes told after the commit (em.c) ---- */

struct em_change_item {
	char device[LIM_ID_MAX];
	enum em_change what;
	int locale_changed;
	char version[LIM_STAMP_MAX]; /* the versionStamp the change wrote */
};
struct em_changes {
	struct vec items; /* struct em_change_item, in the order they were written */
};
/* Inside the transaction: remembers one change. Returns 0 or ENOMEM. */
int em_change_add(struct em_changes *c, const char *device, enum em_change what, int locale_changed,
		  const char *version);
/* After the transaction: tells ctx->on_change of each change if it committed; frees them. */
void em_changes_finish(struct em_ctx *ctx, struct em_changes *c, int committed);

/* ---- EM state rows (em.c) ---- */

/* EM state rows collected from a store walk (em_state_list_add as its callback); the caller
 * frees rows (vec_free). skip: a device left out, or NULL. */
struct em_state_list {
	struct vec rows; /* struct store_em_state */
	const char *skip;
};
int em_state_list_add(void *arg, const struct store_em_state *s);
static inline struct store_em_state *em_state_rows(const struct em_state_list *l)
{
	return l->rows.data;
}

/* ---- the record phase: a login's and a logout's rows (record.c) ---- */

/* A new login, as every kind of login records it. */
struct em_login_rec {
	const char *device, *user_id, *profile;
	int64_t duration;	    /* seconds; 0 = no limit */
	int own_timer;		    /* 1: our scheduled logout ends it after duration */
	int emcc_role;		    /* enum store_emcc_role */
	const char *remote_cluster; /* the other cluster of an EMCC login, else "" */
	const char *remote_ip;	    /* where the login came from */
	int locale_changed;	    /* told with the change */
	const char *source;	    /* the audit row's; NULL = ctx->source */
	const char *detail;	    /* the audit row's */
};
/* Inside the caller's transaction: the em_state row (last user per Remember the Last User
 * Logged In), a new config versionStamp, the scheduled logout (cancelled when there is no own
 * timer or no limit, so a stale row cannot end this login), the audit row, and the change for
 * changes. version (NULL, or len bytes) gets the stamp. Returns 0 or a store error. */
int em_login_record(struct em_ctx *ctx, const struct em_login_rec *r, struct em_changes *changes,
		    char *version, size_t len);

/* Inside the caller's transaction: clears the login in s (keeping last_user_id), a new config
 * versionStamp, cancels the device's scheduled logout and writes the audit row (source NULL =
 * ctx->source). For EMCC rows it also removes the home EMCC device or the visit record and,
 * with tell_remote (0 when the other cluster itself asked), queues the other cluster's message
 * in the outbox. The change, with whether the phone goes back to a different locale of its own,
 * goes to changes (NULL: not told, another change of the device is). Returns 0 or a store
 * error. */
int em_logout_locked(struct em_ctx *ctx, const struct store_em_state *s, const char *action,
		     const char *source, const char *detail, int tell_remote,
		     struct em_changes *changes);
/* em_logout_locked for each row of l, telling the other clusters. */
int em_logout_list(struct em_ctx *ctx, const struct em_state_list *l, const char *action,
		   const char *source, const char *detail, struct em_changes *changes);

/* ---- checks every login shares (login.c), read only ---- */

/* The profile a login uses: want, which must be one of the user's, or (NULL or "") the user's
 * default. Returns EM_OK with profile set, EM_PROFILE_NOT_FOUND, or a store's code with *serr
 * set. */
int em_profile_pick(struct em_ctx *ctx, const char *uid, const char *want, char profile[LIM_ID_MAX],
		    int *serr);

/* Multiple Login Behavior: others gets the user's logins (others->skip left out) that this
 * login ends -- Auto Logout: all of them, Allowed: none. Returns EM_OK,
 * EM_USER_LOGGED_IN_ELSEWHERE (Not Allowed; others holds them), or a store's code with *serr
 * set. */
int em_multiple_login_check(struct em_ctx *ctx, const char *uid, struct em_state_list *others,
			    int *serr);

/* ---- the PIN check every phone login shares (pin.c), also EMCC's homeLogin ---- */
enum pin_update { PIN_UPD_NONE = 0, PIN_UPD_FAILED, PIN_UPD_RESET };

/* A phone login's extra state through the login. */
struct pin_step {
	const struct em_pin_login_req *req;
	struct em_pin_login_out *out; /* real_code and reason: what the audit trail says */
	enum pin_update upd; /* the failed-logon count change, committed whatever the outcome */
	int need_choice;     /* several profiles, none chosen */
	const char *note;    /* NULL, or appended to the audit detail of a refusal (EMCC) */
};
/* Sets the real code and reason of ps's login. Returns code. */
int em_pin_reason(struct pin_step *ps, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Inside the login transaction: resolves req->id to a user and checks the PIN under the
 * credential policy. Returns EM_OK with *user and uid set, or the phone code (201...); a store
 * error's code with *serr set. */
int em_pin_authenticate(struct em_ctx *ctx, struct pin_step *ps, struct store_user *user,
			char uid[LIM_ID_MAX], int *serr);
/* Inside a transaction: applies ps->upd to the user's failed-logon count and lockout. */
int em_pin_counter_apply(struct em_ctx *ctx, struct pin_step *ps, const char *uid);
/* After a refused login rolled back: the count change and the audit row, own transaction. */
void em_pin_failure_record(struct em_ctx *ctx, struct pin_step *ps, const char *uid,
			   const char *device);

#endif
