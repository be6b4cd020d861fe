/* pin.c -- the PIN policy of phone logins (and EMCC's homeLogin): who the ID or extension is,
 * the PIN check, the failed-logon count and the lockout.
 *
 * Decisions where CUCM's documents leave room:
 *  - Everything about the user (exists, PIN, locked, has a PIN) answers 201 alike, and an
 *    unknown user costs the same PIN verification as a known one.
 *  - The failed-logon count changes in the request's own transaction, or, when the login fails,
 *    in the transaction that records the failure, so a refused login still counts. A lockout
 *    that has run out starts the count again. */
#include "em/em.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/str.h"
#include "em/em_internal.h"

int em_pin_reason(struct pin_step *ps, int code, const char *fmt, ...)
{
	va_list ap;

	ps->out->real_code = code;
	va_start(ap, fmt);
	str_vprintf(ps->out->reason, sizeof(ps->out->reason), fmt, ap);
	va_end(ap);
	return code;
}

static void format_until(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t >= EM_LOCKED_UNTIL_UNLOCK || !gmtime_r(&tt, &tm) ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "an administrator unlocks");
}

/* One more failed logon on u, and the lockout when it reaches the threshold. */
static void count_failure(struct em_ctx *ctx, struct pin_step *ps, struct store_user *u)
{
	int64_t now_s = ctx->now_ms / 1000;
	int threshold = ctx->params->failed_logon_threshold;
	char until[40];

	if (u->locked_until != 0 && u->locked_until <= now_s) {
		u->failed_logons = 0;
		u->locked_until = 0;
	}
	if (u->failed_logons < INT_MAX)
		u->failed_logons++;
	if (threshold > 0 && u->failed_logons >= threshold && u->locked_until == 0) {
		u->locked_until = ctx->params->lockout_minutes > 0
				      ? now_s + (int64_t)ctx->params->lockout_minutes * 60
				      : EM_LOCKED_UNTIL_UNLOCK;
		ps->out->lockout_engaged = 1;
		format_until(u->locked_until, until, sizeof(until));
		em_pin_reason(ps, EMAPP_AUTH_ERROR,
			      "wrong PIN, %d failed logons: lockout engaged until %s",
			      u->failed_logons, until);
	} else if (threshold > 0) {
		em_pin_reason(ps, EMAPP_AUTH_ERROR, "wrong PIN (%d of %d failed logons)",
			      u->failed_logons, threshold);
	} else {
		em_pin_reason(ps, EMAPP_AUTH_ERROR, "wrong PIN (%d failed logons, no lockout)",
			      u->failed_logons);
	}
}

/* Inside a transaction: applies the failed-logon count change to the user's row, re-read here
 * so that concurrent attempts (serialised by the writer lock) all count. */
int em_pin_counter_apply(struct em_ctx *ctx, struct pin_step *ps, const char *uid)
{
	struct store_user u;
	int rc;

	if (ps->upd == PIN_UPD_NONE || !*uid)
		return 0;
	rc = store_user_get(ctx->st, uid, &u);
	if (rc)
		return rc == ENOENT ? 0 : rc; /* deleted meanwhile: nothing to count */
	if (ps->upd == PIN_UPD_RESET) {
		if (u.failed_logons == 0 && u.locked_until == 0)
			return 0;
		u.failed_logons = 0;
		u.locked_until = 0;
	} else {
		count_failure(ctx, ps, &u);
	}
	return store_user_update(ctx->st, &u);
}

static pthread_once_t dummy_pin_once = PTHREAD_ONCE_INIT;
static char dummy_pin_hash[CRED_HASH_MAX];
static struct cred_pepper dummy_pepper;

static void dummy_pin_init(void)
{
	/* A fixed key will do: the hash only has to cost what a real verification costs. */
	memset(dummy_pepper.key, 0x42, sizeof(dummy_pepper.key));
	if (cred_pin_hash(&dummy_pepper, "0000", dummy_pin_hash, sizeof(dummy_pin_hash)) != 0)
		dummy_pin_hash[0] = '\0';
}

/* Spends one PIN verification on nothing, so that "no such user" takes as long as "wrong PIN". */
static void pin_verify_dummy(const char *pin)
{
	pthread_once(&dummy_pin_once, dummy_pin_init);
	if (*dummy_pin_hash)
		cred_pin_verify(&dummy_pepper, dummy_pin_hash, pin);
}

/* The user req->id names (by user ID, or by primary extension for DN). Returns EM_OK with
 * *found, or a code (216: an extension of several users; a store error's with *serr). */
static int pin_find_user(struct em_ctx *ctx, struct pin_step *ps, struct store_user *user,
			 char uid[LIM_ID_MAX], int *found, int *serr)
{
	const char *id = ps->req->id ? ps->req->id : "";
	int rc = ENOENT, matches = 0;

	*found = 0;
	if (ps->req->type == EM_LOGIN_TYPE_DN) {
		if (strlen(id) < LIM_ID_MAX)
			rc = store_user_find_by_extension(ctx->st, id, user, &matches);
		if (rc == 0 && matches > 1)
			return em_pin_reason(
			    ps, EMAPP_DN_MULTIPLE_USERS,
			    "extension %.128s is the primary extension of %d users", id, matches);
	} else if (em_user_id_normalize(id, uid, LIM_ID_MAX) == 0 &&
		   (ctx->params->alphanumeric_user_id || em_all_digits(uid))) {
		rc = store_user_get(ctx->st, uid, user);
	}
	if (rc == 0)
		*found = 1;
	else if (rc != ENOENT && rc != EINVAL)
		return em_store_code(rc, serr);
	return EM_OK;
}

int em_pin_authenticate(struct em_ctx *ctx, struct pin_step *ps, struct store_user *user,
			char uid[LIM_ID_MAX], int *serr)
{
	const struct em_pin_login_req *r = ps->req;
	const char *pin = r->pin ? r->pin : "";
	char until[40];
	int code, found, rc;

	code = pin_find_user(ctx, ps, user, uid, &found, serr);
	if (code != EM_OK)
		return code;
	if (!found) {
		pin_verify_dummy(pin);
		if (r->type == EM_LOGIN_TYPE_DN)
			em_pin_reason(ps, EM_USER_NOT_FOUND, "no user has primary extension %.128s",
				      r->id ? r->id : "");
		else
			em_pin_reason(ps, EM_USER_NOT_FOUND, "unknown user");
		return EMAPP_AUTH_ERROR;
	}
	str_copy(uid, LIM_ID_MAX, user->id);
	str_copy(ps->out->user_id, sizeof(ps->out->user_id), user->id);
	if (user->locked_until > ctx->now_ms / 1000) {
		/* Not even the right PIN gets in: checking it would make the lockout an oracle. */
		pin_verify_dummy(pin);
		format_until(user->locked_until, until, sizeof(until));
		em_pin_reason(ps, EMAPP_AUTH_ERROR, "locked out until %s after %d failed logons",
			      until, user->failed_logons);
		return EMAPP_AUTH_ERROR;
	}
	if (!*user->pin_hash) {
		pin_verify_dummy(pin);
		return em_pin_reason(ps, EMAPP_AUTH_ERROR, "user has no PIN");
	}
	rc = cred_pin_verify(ctx->pepper, user->pin_hash, pin);
	if (rc == 0) {
		ps->upd = PIN_UPD_RESET;
		return EM_OK;
	}
	if (rc == EINVAL)
		return em_pin_reason(ps, EMAPP_DIRECTORY_ERROR,
				     "the stored PIN hash cannot be read");
	ps->upd = PIN_UPD_FAILED;
	/* em_pin_counter_apply says more */
	return em_pin_reason(ps, EMAPP_AUTH_ERROR, "wrong PIN");
}

/* After a refused phone login rolled back: the failed-logon count change and the audit row
 * with the real code and reason, in one transaction of their own. Best effort like
 * em_audit_failure, but the count is what the lockout rests on, so it goes first. */
void em_pin_failure_record(struct em_ctx *ctx, struct pin_step *ps, const char *uid,
			   const char *device)
{
	char detail[LIM_TEXT_MAX];
	int rc;

	if (store_begin(ctx->st) != 0)
		return;
	rc = em_pin_counter_apply(ctx, ps, ps->out->user_id);
	snprintf(detail, sizeof(detail), "%s%s%s%s", ps->out->reason,
		 ps->req->emcc ? "; EMCC=true" : "", ps->note ? "; " : "",
		 ps->note ? ps->note : "");
	if (rc == 0)
		rc = em_audit_write(ctx, "login", uid, device, NULL, ps->out->real_code, detail);
	em_tx_close(ctx, rc);
}
