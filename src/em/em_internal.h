/* em_internal.h -- helpers shared by em.c and autologout.c; not part of the module's contract. */
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

/* Maps a store error to an EM result (EBUSY -> 26, anything else -> 6). */
void em_result_store_error(struct em_result *res, int err);

#endif
