/* em.c -- what the policy files share: results, transactions, audit rows, user IDs, and the
 * changes told to the node after a commit (em_internal.h).
 *
 * Decisions where CUCM's documents leave room:
 *  - Store errors answer 6 "Database Error", except EBUSY (the writer lock could not be had),
 *    which answers 26 "Busy, please try again" so the client retries.
 *  - Policy failures return EPERM; store failures return the store's errno. */
#include "em/em.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "core/str.h"
#include "em/em_internal.h"

int em_refuse(struct em_result *res, int code)
{
	if (res) {
		res->code = code;
		str_copy(res->text, sizeof(res->text), em_code_text(code));
	}
	return EPERM;
}

int em_refusef(struct em_result *res, int code, const char *fmt, ...)
{
	va_list ap;

	if (res) {
		res->code = code;
		va_start(ap, fmt);
		str_vprintf(res->text, sizeof(res->text), fmt, ap);
		va_end(ap);
	}
	return EPERM;
}

int em_store_code(int err, int *serr)
{
	*serr = err;
	return err == EBUSY ? EM_BUSY : EM_DATABASE_ERROR;
}

int em_store_error(struct em_result *res, int err)
{
	int serr;

	em_refuse(res, em_store_code(err, &serr));
	return err;
}

int em_tx_close(struct em_ctx *ctx, int rc)
{
	if (rc == 0)
		rc = store_commit(ctx->st);
	if (rc)
		store_rollback(ctx->st);
	return rc;
}

int em_user_id_normalize(const char *in, char *out, size_t outlen)
{
	size_t len;

	if (!in || !out)
		return EINVAL;
	len = strlen(in);
	if (len == 0 || len >= LIM_ID_MAX || len >= outlen)
		return EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c < 0x20 || c == 0x7f)
			return EINVAL;
		/* ASCII only: UTF-8 bytes pass through unchanged. */
		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : (char)c;
	}
	out[len] = '\0';
	return 0;
}

int em_audit_write(struct em_ctx *ctx, const char *action, const char *user_id, const char *device,
		   const char *source, int code, const char *detail)
{
	struct store_audit a;

	memset(&a, 0, sizeof(a));
	a.time_ms = ctx->now_ms;
	str_copy(a.action, sizeof(a.action), action);
	str_copy(a.user_id, sizeof(a.user_id), user_id);
	str_copy(a.device, sizeof(a.device), device);
	str_copy(a.source, sizeof(a.source), source ? source : ctx->source);
	str_copy(a.remote_ip, sizeof(a.remote_ip), ctx->remote_ip);
	a.code = code;
	str_copy(a.detail, sizeof(a.detail), detail);
	a.reqno = ctx->reqno;
	return store_audit_add(ctx->st, &a);
}

void em_audit_failure(struct em_ctx *ctx, const char *action, const char *user_id,
		      const char *device, const struct em_result *res)
{
	if (store_begin(ctx->st) != 0)
		return;
	em_tx_close(ctx, em_audit_write(ctx, action, user_id, device, NULL, res->code, res->text));
}

int em_may_act_for(const struct em_caller *caller, const char *uid)
{
	if (caller->proxy_rights)
		return 1;
	return !caller->is_app_user && uid && *caller->id && strcmp(caller->id, uid) == 0;
}

int em_all_digits(const char *s)
{
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int em_locale_changes(const char *a, const char *b)
{
	return *a && *b && strcmp(a, b) != 0;
}

int em_change_add(struct em_changes *c, const char *device, enum em_change what, int locale_changed,
		  const char *version)
{
	struct em_change_item *it = vec_push(&c->items, sizeof(*it));

	if (!it)
		return ENOMEM;
	str_copy(it->device, sizeof(it->device), device);
	it->what = what;
	it->locale_changed = locale_changed;
	str_copy(it->version, sizeof(it->version), version);
	return 0;
}

void em_changes_finish(struct em_ctx *ctx, struct em_changes *c, int committed)
{
	const struct em_change_item *it = c->items.data;

	for (size_t i = 0; committed && ctx->on_change && i < c->items.n; i++)
		ctx->on_change(ctx->on_change_arg, it[i].device, it[i].what, it[i].locale_changed,
			       it[i].version);
	vec_free(&c->items);
}

int em_state_list_add(void *arg, const struct store_em_state *s)
{
	struct em_state_list *l = arg;
	struct store_em_state *slot;

	if (l->skip && strcmp(s->device, l->skip) == 0)
		return 0;
	if (!(slot = vec_push(&l->rows, sizeof(*slot))))
		return ENOMEM;
	*slot = *s;
	return 0;
}
