/* autologout.c -- fires the scheduled logouts (maximum login time) once each.
 *
 * The scheduler only asks "what is due?" and then handles each device in its own
 * transaction, re-checking inside it that the row is still due and that someone is still
 * logged in: between the two, a manual logout may have cancelled the row, or another node
 * may have fired it. The row is deleted in the same transaction as the logout, so a deadline
 * fires once even when two timers race. */
#include "em/em.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "em/em_internal.h"

/* True if device is among the rows due at now. The store has no single-row lookup for the
 * schedule, so ask for the due list again (inside the transaction) and search it. */
static int still_due(struct store *st, const char *device, int64_t now, char (*buf)[LIM_ID_MAX],
		     size_t max, int *due)
{
	size_t n = 0;
	int rc;

	*due = 0;
	rc = store_logout_due(st, now, buf, max, &n);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(buf[i], device) == 0) {
			*due = 1;
			break;
		}
	}
	return 0;
}

/* One device, in the caller's transaction: the logout when still due, its change to changes. */
static int fire_locked(struct em_ctx *ctx, const char *device, int64_t now, char (*buf)[LIM_ID_MAX],
		       size_t max, struct em_changes *changes)
{
	struct store_em_state s;
	int rc, due;

	rc = still_due(ctx->st, device, now, buf, max, &due);
	if (rc || !due)
		return rc;
	rc = store_em_state_get(ctx->st, device, &s);
	if (rc == ENOENT || (rc == 0 && !*s.user_id))
		/* A deadline without a login (device deleted, state cleared by hand): drop it. */
		return store_logout_cancel(ctx->st, device);
	if (rc)
		return rc;
	return em_logout_locked(ctx, &s, "autoLogout", "timer", "maximum login time", 1, changes);
}

/* One device in its own transaction: returns 0 and sets *fired, or a store error. */
static int fire_one(struct em_ctx *ctx, const char *device, int64_t now, char (*buf)[LIM_ID_MAX],
		    size_t max, int *fired)
{
	struct em_changes changes = {0};
	int rc = store_begin(ctx->st);

	*fired = 0;
	if (rc)
		return rc;
	rc = em_tx_close(ctx, fire_locked(ctx, device, now, buf, max, &changes));
	*fired = rc == 0 && changes.items.n > 0;
	em_changes_finish(ctx, &changes, rc == 0);
	return rc;
}

int em_autologout_run(struct em_ctx *ctx, size_t max, size_t *fired)
{
	char(*names)[LIM_ID_MAX] = NULL, (*buf)[LIM_ID_MAX] = NULL;
	int64_t now = ctx->now_ms / 1000;
	size_t n = 0;
	int rc, err = 0;

	if (fired)
		*fired = 0;
	if (max == 0)
		return 0;
	names = calloc(max, sizeof(*names));
	buf = calloc(max, sizeof(*buf));
	if (!names || !buf) {
		err = ENOMEM;
		goto out;
	}
	err = store_logout_due(ctx->st, now, names, max, &n);
	if (err)
		goto out;
	for (size_t i = 0; i < n; i++) {
		int one = 0;

		/* Earlier devices are gone from the list by now, so n rows always reach ours. */
		rc = fire_one(ctx, names[i], now, buf, n, &one);
		if (rc)
			err = rc; /* keep going: one bad row must not block the others */
		if (one && fired)
			(*fired)++;
	}
out:
	free(names);
	free(buf);
	return err;
}

int64_t em_autologout_next_ms(struct em_ctx *ctx)
{
	int64_t due;

	if (store_logout_next(ctx->st, &due) != 0)
		return -1;
	return due * 1000;
}
