/* em_internal.h -- helpers shared by em.c, emcc.c and autologout.c; not part of the module's
 * contract. */
#ifndef EMCC_EM_EM_INTERNAL_H
#define EMCC_EM_EM_INTERNAL_H

#include "em/em.h"

/* Adds one audit row (inside the caller's transaction). source NULL = ctx->source. */
int em_audit_write(struct em_ctx *ctx, const char *action, const char *user_id, const char *device,
		   const char *source, int code, const char *detail);

/* Inside the caller's transaction: clears the login in s (keeping last_user_id), cancels the
 * device's scheduled logout and writes the audit row. *locale_changed tells whether the phone
 * goes from the profile's locale back to a different one of its own. Returns 0 or a store
 * error. */
int em_logout_locked(struct em_ctx *ctx, const struct store_em_state *s, const char *action,
		     const char *source, const char *detail, int *locale_changed);

/* As em_logout_locked; tell_remote 0 when the other cluster itself asked for this logout, so
 * no message goes back to it. For EMCC rows it also removes the home EMCC device or the visit
 * record and, with tell_remote, queues the other cluster's message in the outbox. */
int em_logout_locked_ex(struct em_ctx *ctx, const struct store_em_state *s, const char *action,
			const char *source, const char *detail, int *locale_changed,
			int tell_remote);

/* ---- the PIN check every phone login shares (em.c), also used by EMCC's homeLogin ---- */
enum pin_update { PIN_UPD_NONE = 0, PIN_UPD_FAILED, PIN_UPD_RESET };

/* A phone login's extra state through the login. */
struct pin_step {
	const struct em_pin_login_req *req;
	struct em_pin_login_out *out;
	enum pin_update upd; /* the failed-logon count change, committed whatever the outcome */
	int need_choice;     /* several profiles, none chosen */
	const char *note;    /* NULL, or appended to the audit detail of a refusal (EMCC) */
};
/* Inside the login transaction: resolves req->id to a user and checks the PIN under the
 * credential policy. Returns EM_OK with *user and uid set, or the phone code (201...). */
int em_pin_authenticate(struct em_ctx *ctx, struct pin_step *ps, struct store_user *user,
			char uid[LIM_ID_MAX], int *serr);
/* Inside a transaction: applies ps->upd to the user's failed-logon count and lockout. */
int em_pin_counter_apply(struct em_ctx *ctx, struct pin_step *ps, const char *uid);
/* After a refused login rolled back: the count change and the audit row, own transaction. */
void em_pin_failure_record(struct em_ctx *ctx, struct pin_step *ps, const char *uid,
			   const char *device);

/* EM state rows collected from a store walk (em_state_list_add as its callback); the caller
 * frees v. skip: a device left out, or NULL. */
struct em_state_list {
	size_t n, cap;
	struct store_em_state *v;
	const char *skip;
};
int em_state_list_add(void *arg, const struct store_em_state *s);

/* Multiple Login Behavior, inside a login's transaction: collects the user's other logins into
 * others (others->skip left out). Allowed: others is emptied. Auto logout: each one ends with
 * source and detail; with locale, *locale gets a calloc'd array (caller frees) of their locale
 * changes. Not allowed: *refuse = 1 (others->v[0] is one of them). Returns 0 or a store error. */
int em_multiple_login(struct em_ctx *ctx, const char *uid, struct em_state_list *others,
		      const char *source, const char *detail, int **locale, int *refuse);

/* Maps a store error to an EM result (EBUSY -> 26, anything else -> 6). */
void em_result_store_error(struct em_result *res, int err);

#endif
