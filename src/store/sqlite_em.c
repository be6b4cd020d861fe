/* sqlite_em.c -- the SQLite backend for EM state, scheduled logouts, the audit trail, parameters
 * and config versions. */
#include "store/sqlite_int.h"

#include <errno.h>

/* Longest parameter value accepted; generous for trusted-address lists. */
#define PARAM_VALUE_MAX 65536

/* ---- EM dynamic state ----------------------------------------------------------------------- */

static int row_em(sqlite3_stmt *s, void *row)
{
	struct store_em_state *e = row;
	int err;

	if ((err = sqlite_col_text(s, 0, e->device, sizeof(e->device))) ||
	    (err = sqlite_col_text(s, 1, e->user_id, sizeof(e->user_id))) ||
	    (err = sqlite_col_text(s, 2, e->profile, sizeof(e->profile))) ||
	    (err = sqlite_col_text(s, 5, e->last_user_id, sizeof(e->last_user_id))) ||
	    (err = sqlite_col_text(s, 7, e->remote_cluster, sizeof(e->remote_cluster))) ||
	    (err = sqlite_col_text(s, 8, e->remote_ip, sizeof(e->remote_ip))))
		return err;
	e->login_time = sqlite3_column_int64(s, 3);
	e->login_duration = sqlite3_column_int64(s, 4);
	e->emcc_role = sqlite3_column_int(s, 6);
	return 0;
}

int store_em_state_get(struct store *st, const char *device, struct store_em_state *out)
{
	if (!st || !out || !sqlite_key_ok(device))
		return EINVAL;
	return sqlite_get(st, S_EM_GET, device, row_em, out);
}

int store_em_state_put(struct store *st, const struct store_em_state *e)
{
	char user[LIM_ID_MAX], last[LIM_ID_MAX];

	if (!sqlite_write_ok(st) || !e || !sqlite_key_ok(e->device) ||
	    sqlite_user_key(e->user_id, user, 1) || !sqlite_fits(e->profile, sizeof(e->profile)) ||
	    sqlite_user_key(e->last_user_id, last, 1) ||
	    !sqlite_fits(e->remote_cluster, sizeof(e->remote_cluster)) ||
	    !sqlite_fits(e->remote_ip, sizeof(e->remote_ip)) || e->login_duration < 0 ||
	    e->emcc_role < STORE_EMCC_NONE || e->emcc_role > STORE_EMCC_HOME)
		return EINVAL;
	return sqlite_write(st, S_EM_PUT, WRITE_ANY, "tttlltitt", e->device, user, e->profile,
			    e->login_time, e->login_duration, last, e->emcc_role, e->remote_cluster,
			    e->remote_ip);
}

static int em_walk(struct store *st, enum stmt_id id, const char *user,
		   int (*fn)(void *arg, const struct store_em_state *s), void *arg)
{
	struct store_em_state e;
	struct sqlite_query q;
	int err;

	err = sqlite_query_open(&q, st, id, user ? "t" : "", user);
	while (!err && sqlite_query_next(&q, &err) && !(err = row_em(q.s, &e)))
		err = fn(arg, &e);
	return sqlite_query_close(&q, err);
}

int store_em_state_by_user(struct store *st, const char *user_id,
			   int (*fn)(void *arg, const struct store_em_state *s), void *arg)
{
	char user[LIM_ID_MAX];

	/* "" would list the logged-out rows; store_em_state_logged_in is the walk for "anyone" */
	if (!st || !fn || sqlite_user_key(user_id, user, 0))
		return EINVAL;
	return em_walk(st, S_EM_BY_USER, user, fn, arg);
}

int store_em_state_logged_in(struct store *st, int (*fn)(void *arg, const struct store_em_state *s),
			     void *arg)
{
	if (!st || !fn)
		return EINVAL;
	return em_walk(st, S_EM_LOGGED_IN, NULL, fn, arg);
}

int store_em_state_count_logged_in(struct store *st, long *count)
{
	return sqlite_count(st, S_EM_COUNT, count);
}

/* ---- scheduled logouts ---------------------------------------------------------------------- */

int store_logout_schedule(struct store *st, const char *device, int64_t due)
{
	if (!sqlite_write_ok(st) || !sqlite_key_ok(device))
		return EINVAL;
	return sqlite_write(st, S_LO_SCHEDULE, WRITE_ANY, "tl", device, due);
}

int store_logout_cancel(struct store *st, const char *device)
{
	if (!sqlite_write_ok(st) || !sqlite_key_ok(device))
		return EINVAL;
	return sqlite_write(st, S_LO_CANCEL, WRITE_ANY, "t", device);
}

int store_logout_due(struct store *st, int64_t now, char (*names)[LIM_ID_MAX], size_t max,
		     size_t *n)
{
	struct sqlite_query q;
	size_t got = 0;
	int err;

	if (!st || !n || (max && !names))
		return EINVAL;
	*n = 0;
	if (max == 0)
		return 0;
	err = sqlite_query_open(&q, st, S_LO_DUE, "ll", now, sqlite_limit(max));
	while (!err && got < max && sqlite_query_next(&q, &err) &&
	       !(err = sqlite_col_text(q.s, 0, names[got], LIM_ID_MAX)))
		got++;
	if (!err)
		*n = got;
	return sqlite_query_close(&q, err);
}

int store_logout_next(struct store *st, int64_t *due)
{
	struct sqlite_query q;
	int err;

	if (!st || !due)
		return EINVAL;
	if (!(err = sqlite_query_open(&q, st, S_LO_NEXT, "")) && !(err = sqlite_step_row(q.s)))
		*due = sqlite3_column_int64(q.s, 0);
	return sqlite_query_close(&q, err);
}

int store_logout_count(struct store *st, long *count)
{
	return sqlite_count(st, S_LO_COUNT, count);
}

/* ---- audit trail ---------------------------------------------------------------------------- */

int store_audit_add(struct store *st, const struct store_audit *a)
{
	if (!sqlite_write_ok(st) || !a || !sqlite_fits(a->action, sizeof(a->action)) ||
	    !sqlite_fits(a->user_id, sizeof(a->user_id)) ||
	    !sqlite_fits(a->device, sizeof(a->device)) ||
	    !sqlite_fits(a->source, sizeof(a->source)) ||
	    !sqlite_fits(a->remote_ip, sizeof(a->remote_ip)) ||
	    !sqlite_fits(a->detail, sizeof(a->detail)))
		return EINVAL;
	/* reqno is stored in SQLite's signed 64-bit integer and cast back on read */
	return sqlite_write(st, S_AUDIT_ADD, WRITE_ANY, "ltttttitl", a->time_ms, a->action,
			    a->user_id, a->device, a->source, a->remote_ip, a->code, a->detail,
			    (int64_t)a->reqno);
}

static int row_audit(sqlite3_stmt *s, void *row)
{
	struct store_audit *a = row;
	int err;

	a->id = sqlite3_column_int64(s, 0);
	a->time_ms = sqlite3_column_int64(s, 1);
	if ((err = sqlite_col_text(s, 2, a->action, sizeof(a->action))) ||
	    (err = sqlite_col_text(s, 3, a->user_id, sizeof(a->user_id))) ||
	    (err = sqlite_col_text(s, 4, a->device, sizeof(a->device))) ||
	    (err = sqlite_col_text(s, 5, a->source, sizeof(a->source))) ||
	    (err = sqlite_col_text(s, 6, a->remote_ip, sizeof(a->remote_ip))) ||
	    (err = sqlite_col_text(s, 8, a->detail, sizeof(a->detail))))
		return err;
	a->code = sqlite3_column_int(s, 7);
	a->reqno = (uint64_t)sqlite3_column_int64(s, 9);
	return 0;
}

int store_audit_list(struct store *st, const char *user_id, const char *device, size_t limit,
		     int (*fn)(void *arg, const struct store_audit *a), void *arg)
{
	struct store_audit a;
	enum stmt_id id;
	struct sqlite_query q;
	int err;

	if (!user_id)
		user_id = "";
	if (!device)
		device = "";
	if (!st || !fn || !sqlite_fits(user_id, LIM_ID_MAX) || !sqlite_fits(device, LIM_ID_MAX))
		return EINVAL;
	id = user_id[0] ? (device[0] ? S_AUDIT_BOTH : S_AUDIT_USER)
			: (device[0] ? S_AUDIT_DEVICE : S_AUDIT_ALL);
	err = sqlite_query_open(&q, st, id, "");
	/* bind by number: each variant uses only some of ?1..?3 */
	if (!err && user_id[0])
		err = sqlite_map_rc(sqlite3_bind_text(q.s, 1, user_id, -1, SQLITE_STATIC));
	if (!err && device[0])
		err = sqlite_map_rc(sqlite3_bind_text(q.s, 2, device, -1, SQLITE_STATIC));
	if (!err)
		err = sqlite_map_rc(sqlite3_bind_int64(q.s, 3, sqlite_limit(limit)));
	while (!err && sqlite_query_next(&q, &err) && !(err = row_audit(q.s, &a)))
		err = fn(arg, &a);
	return sqlite_query_close(&q, err);
}

/* ---- parameters ----------------------------------------------------------------------------- */

int store_param_get(struct store *st, const char *name, char *value, size_t len)
{
	if (!st || !sqlite_key_ok(name) || !value || len == 0)
		return EINVAL;
	return sqlite_get_text(st, S_PARAM_GET, name, value, len);
}

int store_param_set(struct store *st, const char *name, const char *value)
{
	if (!sqlite_write_ok(st) || !sqlite_key_ok(name) || !sqlite_fits(value, PARAM_VALUE_MAX))
		return EINVAL;
	return sqlite_write(st, S_PARAM_SET, WRITE_ANY, "tt", name, value);
}

int store_param_list(struct store *st, int (*fn)(void *arg, const char *name, const char *value),
		     void *arg)
{
	struct sqlite_query q;
	int err;

	if (!st || !fn)
		return EINVAL;
	err = sqlite_query_open(&q, st, S_PARAM_LIST, "");
	while (!err && sqlite_query_next(&q, &err)) {
		const char *name = (const char *)sqlite3_column_text(q.s, 0);
		const char *value = (const char *)sqlite3_column_text(q.s, 1);

		err = name && value ? fn(arg, name, value) : EIO;
	}
	return sqlite_query_close(&q, err);
}

/* ---- config versions ------------------------------------------------------------------------ */

int store_config_version_get(struct store *st, const char *device, char *version, size_t len,
			     int64_t *updated_ms)
{
	struct sqlite_query q;
	int err;

	if (!st || !sqlite_key_ok(device) || !version || len == 0)
		return EINVAL;
	if (!(err = sqlite_query_open(&q, st, S_CV_GET, "t", device)) &&
	    !(err = sqlite_step_row(q.s))) {
		if (sqlite_col_text(q.s, 0, version, len))
			err = EINVAL; /* the caller's buffer is too small */
		else if (updated_ms)
			*updated_ms = sqlite3_column_int64(q.s, 1);
	}
	return sqlite_query_close(&q, err);
}

int store_config_version_set(struct store *st, const char *device, const char *version,
			     int64_t updated_ms)
{
	if (!sqlite_write_ok(st) || !sqlite_key_ok(device) || !sqlite_key_ok(version))
		return EINVAL;
	return sqlite_write(st, S_CV_SET, WRITE_ANY, "ttl", device, version, updated_ms);
}
