/* sqlite_em.c -- the SQLite backend for EM state, scheduled logouts, the audit trail, parameters
 * and config versions. */
#include "store/sqlite_int.h"

#include <errno.h>

/* ---- EM dynamic state ----------------------------------------------------------------------- */

#define EM_COLS                                                                                    \
	"device, user_id, profile, login_time, login_duration, last_user_id, emcc_role, "          \
	"remote_cluster, remote_ip"

static int row_em(sqlite3_stmt *s, void *row)
{
	struct store_em_state *e = row;
	int err;

	if ((err = COL_TEXT(s, 0, e->device)) || (err = COL_TEXT(s, 1, e->user_id)) ||
	    (err = COL_TEXT(s, 2, e->profile)) || (err = COL_TEXT(s, 5, e->last_user_id)) ||
	    (err = COL_TEXT(s, 7, e->remote_cluster)) || (err = COL_TEXT(s, 8, e->remote_ip)))
		return err;
	e->login_time = sqlite3_column_int64(s, 3);
	e->login_duration = sqlite3_column_int64(s, 4);
	e->emcc_role = sqlite3_column_int(s, 6);
	return 0;
}

int store_em_state_get(struct store *st, const char *device, struct store_em_state *out)
{
	return sqlite_get(st, "SELECT " EM_COLS " FROM em_state WHERE device = ?1", device, row_em,
			  out);
}

static const char sql_em_put[] =
    "INSERT INTO em_state (" EM_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
    "ON CONFLICT (device) DO UPDATE SET user_id = excluded.user_id, "
    "profile = excluded.profile, login_time = excluded.login_time, "
    "login_duration = excluded.login_duration, "
    "last_user_id = excluded.last_user_id, emcc_role = excluded.emcc_role, "
    "remote_cluster = excluded.remote_cluster, remote_ip = excluded.remote_ip";

int store_em_state_put(struct store *st, const struct store_em_state *e)
{
	char user[LIM_ID_MAX], last[LIM_ID_MAX];

	if (!sqlite_write_ok(st) || !e || !sqlite_key_ok(e->device) ||
	    sqlite_user_key(e->user_id, user, 1) || !FIELD_FITS(e->profile) ||
	    sqlite_user_key(e->last_user_id, last, 1) || !FIELD_FITS(e->remote_cluster) ||
	    !FIELD_FITS(e->remote_ip) || e->login_duration < 0 || e->emcc_role < STORE_EMCC_NONE ||
	    e->emcc_role > STORE_EMCC_HOME)
		return EINVAL;
	return sqlite_write(st, sql_em_put, WRITE_ANY, "tttlltitt", e->device, user, e->profile,
			    e->login_time, e->login_duration, last, e->emcc_role, e->remote_cluster,
			    e->remote_ip);
}

static int em_walk(struct store *st, const char *sql, const char *user,
		   int (*fn)(void *arg, const struct store_em_state *s), void *arg)
{
	struct store_em_state e;
	struct sqlite_query q;
	int err;

	err = sqlite_query_open(&q, st, sql, user ? "t" : "", user);
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
	return em_walk(st, "SELECT " EM_COLS " FROM em_state WHERE user_id = ?1 ORDER BY device",
		       user, fn, arg);
}

int store_em_state_logged_in(struct store *st, int (*fn)(void *arg, const struct store_em_state *s),
			     void *arg)
{
	if (!st || !fn)
		return EINVAL;
	return em_walk(st, "SELECT " EM_COLS " FROM em_state WHERE user_id <> '' ORDER BY device",
		       NULL, fn, arg);
}

/* "> ''" rather than "<> ''" so the user_id index answers it. */
static const char sql_em_count[] = "SELECT count(*) FROM em_state WHERE user_id > ''";

int store_em_state_count_logged_in(struct store *st, long *count)
{
	return sqlite_count(st, sql_em_count, count);
}

/* ---- scheduled logouts ---------------------------------------------------------------------- */

int store_logout_schedule(struct store *st, const char *device, int64_t due)
{
	if (!sqlite_write_ok(st) || !sqlite_key_ok(device))
		return EINVAL;
	return sqlite_write(st,
			    "INSERT INTO scheduled_logouts (device, due) VALUES (?1, ?2) "
			    "ON CONFLICT (device) DO UPDATE SET due = excluded.due",
			    WRITE_ANY, "tl", device, due);
}

int store_logout_cancel(struct store *st, const char *device)
{
	if (!sqlite_write_ok(st) || !sqlite_key_ok(device))
		return EINVAL;
	return sqlite_write(st, "DELETE FROM scheduled_logouts WHERE device = ?1", WRITE_ANY, "t",
			    device);
}

static const char sql_logout_due[] =
    "SELECT device FROM scheduled_logouts WHERE due <= ?1 ORDER BY due, device LIMIT ?2";

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
	err = sqlite_query_open(&q, st, sql_logout_due, "ll", now, sqlite_limit(max));
	while (!err && got < max && sqlite_query_next(&q, &err) &&
	       !(err = sqlite_col_text(q.s, 0, names[got], LIM_ID_MAX)))
		got++;
	if (!err)
		*n = got;
	return sqlite_query_close(&q, err);
}

static const char sql_logout_next[] = "SELECT due FROM scheduled_logouts ORDER BY due LIMIT 1";

int store_logout_next(struct store *st, int64_t *due)
{
	struct sqlite_query q;
	int err;

	if (!st || !due)
		return EINVAL;
	if (!(err = sqlite_query_open(&q, st, sql_logout_next, "")) &&
	    !(err = sqlite_step_row(q.s)))
		*due = sqlite3_column_int64(q.s, 0);
	return sqlite_query_close(&q, err);
}

int store_logout_count(struct store *st, long *count)
{
	return sqlite_count(st, "SELECT count(*) FROM scheduled_logouts", count);
}

/* ---- audit trail ---------------------------------------------------------------------------- */

#define AUDIT_COLS "id, time_ms, action, user_id, device, source, remote_ip, code, detail, reqno"

static const char sql_audit_add[] =
    "INSERT INTO audit (time_ms, action, user_id, device, source, remote_ip, "
    "code, detail, reqno) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

int store_audit_add(struct store *st, const struct store_audit *a)
{
	if (!sqlite_write_ok(st) || !a || !FIELD_FITS(a->action) || !FIELD_FITS(a->user_id) ||
	    !FIELD_FITS(a->device) || !FIELD_FITS(a->source) || !FIELD_FITS(a->remote_ip) ||
	    !FIELD_FITS(a->detail))
		return EINVAL;
	/* reqno is stored in SQLite's signed 64-bit integer and cast back on read */
	return sqlite_write(st, sql_audit_add, WRITE_ANY, "ltttttitl", a->time_ms, a->action,
			    a->user_id, a->device, a->source, a->remote_ip, a->code, a->detail,
			    (int64_t)a->reqno);
}

static int row_audit(sqlite3_stmt *s, void *row)
{
	struct store_audit *a = row;
	int err;

	a->id = sqlite3_column_int64(s, 0);
	a->time_ms = sqlite3_column_int64(s, 1);
	if ((err = COL_TEXT(s, 2, a->action)) || (err = COL_TEXT(s, 3, a->user_id)) ||
	    (err = COL_TEXT(s, 4, a->device)) || (err = COL_TEXT(s, 5, a->source)) ||
	    (err = COL_TEXT(s, 6, a->remote_ip)) || (err = COL_TEXT(s, 8, a->detail)))
		return err;
	a->code = sqlite3_column_int(s, 7);
	a->reqno = (uint64_t)sqlite3_column_int64(s, 9);
	return 0;
}

/* One statement per filter combination, so each can use its index. */
static const char sql_audit_all[] = "SELECT " AUDIT_COLS " FROM audit ORDER BY id DESC LIMIT ?3";
static const char sql_audit_user[] =
    "SELECT " AUDIT_COLS " FROM audit WHERE user_id = ?1 ORDER BY id DESC LIMIT ?3";
static const char sql_audit_device[] =
    "SELECT " AUDIT_COLS " FROM audit WHERE device = ?2 ORDER BY id DESC LIMIT ?3";
static const char sql_audit_both[] =
    "SELECT " AUDIT_COLS " FROM audit WHERE user_id = ?1 AND device = ?2 ORDER BY id DESC LIMIT ?3";

int store_audit_list(struct store *st, const char *user_id, const char *device, size_t limit,
		     int (*fn)(void *arg, const struct store_audit *a), void *arg)
{
	struct store_audit a;
	const char *sql;
	struct sqlite_query q;
	int err;

	if (!user_id)
		user_id = "";
	if (!device)
		device = "";
	if (!st || !fn || !sqlite_fits(user_id, LIM_ID_MAX) || !sqlite_fits(device, LIM_ID_MAX))
		return EINVAL;
	sql = user_id[0] ? (device[0] ? sql_audit_both : sql_audit_user)
			 : (device[0] ? sql_audit_device : sql_audit_all);
	/* each variant uses only some of ?1..?3; binding one it does not use is harmless */
	err = sqlite_query_open(&q, st, sql, "ttl", user_id, device, sqlite_limit(limit));
	while (!err && sqlite_query_next(&q, &err) && !(err = row_audit(q.s, &a)))
		err = fn(arg, &a);
	return sqlite_query_close(&q, err);
}

/* ---- parameters ----------------------------------------------------------------------------- */

/* Longest parameter value accepted; generous for trusted-address lists. */
#define PARAM_VALUE_MAX 65536

int store_param_get(struct store *st, const char *name, char *value, size_t len)
{
	return sqlite_get_text(st, "SELECT value FROM parameters WHERE name = ?1", name, value,
			       len);
}

int store_param_set(struct store *st, const char *name, const char *value)
{
	if (!sqlite_write_ok(st) || !sqlite_key_ok(name) || !sqlite_fits(value, PARAM_VALUE_MAX))
		return EINVAL;
	return sqlite_write(st,
			    "INSERT INTO parameters (name, value) VALUES (?1, ?2) "
			    "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
			    WRITE_ANY, "tt", name, value);
}

int store_param_list(struct store *st, int (*fn)(void *arg, const char *name, const char *value),
		     void *arg)
{
	struct sqlite_query q;
	int err;

	if (!st || !fn)
		return EINVAL;
	err = sqlite_query_open(&q, st, "SELECT name, value FROM parameters ORDER BY name", "");
	while (!err && sqlite_query_next(&q, &err)) {
		const char *name = (const char *)sqlite3_column_text(q.s, 0);
		const char *value = (const char *)sqlite3_column_text(q.s, 1);

		err = name && value ? fn(arg, name, value) : EIO;
	}
	return sqlite_query_close(&q, err);
}

/* ---- config versions ------------------------------------------------------------------------ */

static const char sql_config_version_get[] =
    "SELECT version, updated_ms FROM device_config_versions WHERE device = ?1";

int store_config_version_get(struct store *st, const char *device, char *version, size_t len,
			     int64_t *updated_ms)
{
	struct sqlite_query q;
	int err;

	if (!st || !sqlite_key_ok(device) || !version || len == 0)
		return EINVAL;
	if (!(err = sqlite_query_open(&q, st, sql_config_version_get, "t", device)) &&
	    !(err = sqlite_step_row(q.s))) {
		if (sqlite_col_text(q.s, 0, version, len))
			err = EINVAL; /* the caller's buffer is too small */
		else if (updated_ms)
			*updated_ms = sqlite3_column_int64(q.s, 1);
	}
	return sqlite_query_close(&q, err);
}

static const char sql_config_version_set[] =
    "INSERT INTO device_config_versions (device, version, updated_ms) "
    "VALUES (?1, ?2, ?3) ON CONFLICT (device) DO UPDATE SET "
    "version = excluded.version, updated_ms = excluded.updated_ms";

int store_config_version_set(struct store *st, const char *device, const char *version,
			     int64_t updated_ms)
{
	if (!sqlite_write_ok(st) || !sqlite_key_ok(device) || !sqlite_key_ok(version))
		return EINVAL;
	return sqlite_write(st, sql_config_version_set, WRITE_ANY, "ttl", device, version,
			    updated_ms);
}
