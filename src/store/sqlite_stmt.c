/* sqlite_stmt.c -- the SQLite backend's statements: the per-connection cache of prepared
 * statements, binding, stepping, and the small query shapes every domain file uses. */
#include "store/sqlite_int.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

/* ---- statements ----------------------------------------------------------------------------- */

#define USER_COLS                                                                                  \
	"id, name, password_hash, pin_hash, primary_extension, em_proxy_rights, emcc_enabled, "    \
	"max_login_minutes, failed_logons, locked_until"
#define APP_COLS "id, password_hash, em_proxy_rights"
#define PROFILE_COLS "name, description, model, user_locale, softkey_template"
#define DEVICE_COLS                                                                                \
	"name, description, model, protocol, em_enabled, emcc_enabled, security_mode, user_locale"
#define EM_COLS                                                                                    \
	"device, user_id, profile, login_time, login_duration, last_user_id, emcc_role, "          \
	"remote_cluster, remote_ip"
#define AUDIT_COLS "id, time_ms, action, user_id, device, source, remote_ip, code, detail, reqno"
#define RC_COLS                                                                                    \
	"id, address, emcc_enabled, pstn_enabled, rsvp_enabled, tftp_enabled, cert_pem, "          \
	"cert_sha256, status, version, last_update_ms, last_error"
#define HD_COLS                                                                                    \
	"device, user_id, profile, visiting_cluster, model, protocol, security_mode, login_time, " \
	"login_duration, config_version, created_ms"
#define VISIT_COLS                                                                                 \
	"device, user_id, home_cluster, home_tftp, home_call_manager, home_tvs, login_time, "      \
	"login_duration, config_version"
#define OB_COLS "id, cluster, kind, device, user_id, reason, attempts, next_attempt_ms, created_ms"

/* clang-format off */
static const char *const stmt_sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_SAVEPOINT] = "SAVEPOINT store_sp",
	[S_RELEASE] = "RELEASE store_sp",
	[S_ROLLBACK_TO] = "ROLLBACK TO store_sp",

	[S_USER_GET] = "SELECT " USER_COLS " FROM users WHERE id = ?1",
	/* Counts in the same statement so the answer is one consistent snapshot. */
	[S_USER_BY_EXT] = "SELECT " USER_COLS ", (SELECT count(*) FROM users WHERE "
			  "primary_extension = ?1) FROM users WHERE primary_extension = ?1 "
			  "ORDER BY id LIMIT 1",
	[S_USER_INSERT] = "INSERT INTO users (" USER_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
			  "?9, ?10)",
	[S_USER_UPDATE] = "UPDATE users SET name = ?2, password_hash = ?3, pin_hash = ?4, "
			  "primary_extension = ?5, em_proxy_rights = ?6, emcc_enabled = ?7, "
			  "max_login_minutes = ?8, failed_logons = ?9, locked_until = ?10 "
			  "WHERE id = ?1",
	[S_USER_DELETE] = "DELETE FROM users WHERE id = ?1",
	[S_USER_LIST] = "SELECT " USER_COLS " FROM users WHERE id > ?1 ORDER BY id LIMIT ?2",
	[S_USER_COUNT] = "SELECT count(*) FROM users",

	[S_APP_GET] = "SELECT " APP_COLS " FROM app_users WHERE id = ?1",
	[S_APP_INSERT] = "INSERT INTO app_users (" APP_COLS ") VALUES (?1, ?2, ?3)",
	[S_APP_UPDATE] = "UPDATE app_users SET password_hash = ?2, em_proxy_rights = ?3 WHERE id = ?1",
	[S_APP_DELETE] = "DELETE FROM app_users WHERE id = ?1",
	[S_APP_LIST] = "SELECT " APP_COLS " FROM app_users ORDER BY id",

	[S_PROFILE_EXISTS] = "SELECT 1 FROM device_profiles WHERE name = ?1",
	[S_DEVICE_EXISTS] = "SELECT 1 FROM devices WHERE name = ?1",
	[S_LINES_GET] = "SELECT idx, dn, label, display FROM lines WHERE owner_kind = ?1 AND "
			"owner = ?2 ORDER BY idx",
	[S_SD_GET] = "SELECT idx, number, label FROM speed_dials WHERE owner_kind = ?1 AND "
		     "owner = ?2 ORDER BY idx",
	[S_SVC_GET] = "SELECT name, url FROM services WHERE owner_kind = ?1 AND owner = ?2 "
		      "ORDER BY idx",
	[S_LINES_DEL] = "DELETE FROM lines WHERE owner_kind = ?1 AND owner = ?2",
	[S_SD_DEL] = "DELETE FROM speed_dials WHERE owner_kind = ?1 AND owner = ?2",
	[S_SVC_DEL] = "DELETE FROM services WHERE owner_kind = ?1 AND owner = ?2",
	[S_LINE_INS] = "INSERT INTO lines (owner_kind, owner, idx, dn, label, display) "
		       "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_SD_INS] = "INSERT INTO speed_dials (owner_kind, owner, idx, number, label) "
		     "VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_SVC_INS] = "INSERT INTO services (owner_kind, owner, idx, name, url) "
		      "VALUES (?1, ?2, ?3, ?4, ?5)",

	[S_PROFILE_GET] = "SELECT " PROFILE_COLS " FROM device_profiles WHERE name = ?1",
	[S_PROFILE_INSERT] = "INSERT INTO device_profiles (" PROFILE_COLS ") "
			     "VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_PROFILE_UPDATE] = "UPDATE device_profiles SET description = ?2, model = ?3, "
			     "user_locale = ?4, softkey_template = ?5 WHERE name = ?1",
	[S_PROFILE_DELETE] = "DELETE FROM device_profiles WHERE name = ?1",
	[S_PROFILE_LIST] = "SELECT " PROFILE_COLS " FROM device_profiles WHERE name > ?1 "
			   "ORDER BY name LIMIT ?2",

	[S_UP_INSERT] = "INSERT INTO user_profiles (user_id, profile, is_default) VALUES (?1, ?2, 0)",
	[S_UP_EXISTS] = "SELECT 1 FROM user_profiles WHERE user_id = ?1 AND profile = ?2",
	[S_UP_CLEAR_DEFAULT] = "UPDATE user_profiles SET is_default = 0 WHERE user_id = ?1 AND "
			       "is_default = 1",
	[S_UP_SET_DEFAULT] = "UPDATE user_profiles SET is_default = 1 WHERE user_id = ?1 AND "
			     "profile = ?2",
	[S_UP_DELETE] = "DELETE FROM user_profiles WHERE user_id = ?1 AND profile = ?2",
	[S_UP_LIST] = "SELECT user_id, profile, is_default FROM user_profiles WHERE user_id = ?1 "
		      "ORDER BY is_default DESC, profile",
	[S_UP_DEFAULT] = "SELECT profile FROM user_profiles WHERE user_id = ?1 AND is_default = 1",

	[S_DEVICE_GET] = "SELECT " DEVICE_COLS " FROM devices WHERE name = ?1",
	[S_DEVICE_INSERT] = "INSERT INTO devices (" DEVICE_COLS ") "
			    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[S_DEVICE_UPDATE] = "UPDATE devices SET description = ?2, model = ?3, protocol = ?4, "
			    "em_enabled = ?5, emcc_enabled = ?6, security_mode = ?7, "
			    "user_locale = ?8 WHERE name = ?1",
	[S_DEVICE_DELETE] = "DELETE FROM devices WHERE name = ?1",
	[S_DEVICE_LIST] = "SELECT " DEVICE_COLS " FROM devices WHERE name > ?1 ORDER BY name "
			  "LIMIT ?2",
	[S_DEVICE_COUNT] = "SELECT count(*) FROM devices",

	[S_EM_GET] = "SELECT " EM_COLS " FROM em_state WHERE device = ?1",
	[S_EM_PUT] = "INSERT INTO em_state (" EM_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
		     "ON CONFLICT (device) DO UPDATE SET user_id = excluded.user_id, "
		     "profile = excluded.profile, login_time = excluded.login_time, "
		     "login_duration = excluded.login_duration, "
		     "last_user_id = excluded.last_user_id, emcc_role = excluded.emcc_role, "
		     "remote_cluster = excluded.remote_cluster, remote_ip = excluded.remote_ip",
	[S_EM_BY_USER] = "SELECT " EM_COLS " FROM em_state WHERE user_id = ?1 ORDER BY device",
	[S_EM_LOGGED_IN] = "SELECT " EM_COLS " FROM em_state WHERE user_id <> '' ORDER BY device",
	/* "> ''" rather than "<> ''" so the user_id index answers it. */
	[S_EM_COUNT] = "SELECT count(*) FROM em_state WHERE user_id > ''",

	[S_LO_SCHEDULE] = "INSERT INTO scheduled_logouts (device, due) VALUES (?1, ?2) "
			  "ON CONFLICT (device) DO UPDATE SET due = excluded.due",
	[S_LO_CANCEL] = "DELETE FROM scheduled_logouts WHERE device = ?1",
	[S_LO_DUE] = "SELECT device FROM scheduled_logouts WHERE due <= ?1 ORDER BY due, device "
		     "LIMIT ?2",
	[S_LO_NEXT] = "SELECT due FROM scheduled_logouts ORDER BY due LIMIT 1",
	[S_LO_COUNT] = "SELECT count(*) FROM scheduled_logouts",

	[S_AUDIT_ADD] = "INSERT INTO audit (time_ms, action, user_id, device, source, remote_ip, "
			"code, detail, reqno) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	/* One statement per filter combination, so each can use its index. */
	[S_AUDIT_ALL] = "SELECT " AUDIT_COLS " FROM audit ORDER BY id DESC LIMIT ?3",
	[S_AUDIT_USER] = "SELECT " AUDIT_COLS " FROM audit WHERE user_id = ?1 ORDER BY id DESC "
			 "LIMIT ?3",
	[S_AUDIT_DEVICE] = "SELECT " AUDIT_COLS " FROM audit WHERE device = ?2 ORDER BY id DESC "
			   "LIMIT ?3",
	[S_AUDIT_BOTH] = "SELECT " AUDIT_COLS " FROM audit WHERE user_id = ?1 AND device = ?2 "
			 "ORDER BY id DESC LIMIT ?3",

	[S_PARAM_GET] = "SELECT value FROM parameters WHERE name = ?1",
	[S_PARAM_SET] = "INSERT INTO parameters (name, value) VALUES (?1, ?2) "
			"ON CONFLICT (name) DO UPDATE SET value = excluded.value",
	[S_PARAM_LIST] = "SELECT name, value FROM parameters ORDER BY name",

	[S_RC_GET] = "SELECT " RC_COLS " FROM remote_clusters WHERE id = ?1",
	[S_RC_INSERT] = "INSERT INTO remote_clusters (" RC_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
			"?7, ?8, ?9, ?10, ?11, ?12)",
	[S_RC_UPDATE] = "UPDATE remote_clusters SET address = ?2, emcc_enabled = ?3, "
			"pstn_enabled = ?4, rsvp_enabled = ?5, tftp_enabled = ?6, cert_pem = ?7, "
			"cert_sha256 = ?8, status = ?9, version = ?10, last_update_ms = ?11, "
			"last_error = ?12 WHERE id = ?1",
	[S_RC_STATUS] = "UPDATE remote_clusters SET status = ?2, version = ?3, last_update_ms = ?4, "
			"last_error = ?5 WHERE id = ?1",
	[S_RC_DELETE] = "DELETE FROM remote_clusters WHERE id = ?1",
	[S_RC_LIST] = "SELECT " RC_COLS " FROM remote_clusters WHERE id > ?1 ORDER BY id LIMIT ?2",
	[S_RC_COUNT] = "SELECT count(*) FROM remote_clusters",
	/* The "<> ''" term repeats the partial index's WHERE, so the planner may use it. */
	[S_RC_BY_FP] = "SELECT " RC_COLS " FROM remote_clusters WHERE cert_sha256 = ?1 AND "
		       "cert_sha256 <> ''",

	[S_HD_GET] = "SELECT " HD_COLS " FROM emcc_home_devices WHERE device = ?1",
	[S_HD_PUT] = "INSERT INTO emcc_home_devices (" HD_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
		     "?7, ?8, ?9, ?10, ?11) ON CONFLICT (device) DO UPDATE SET "
		     "user_id = excluded.user_id, profile = excluded.profile, "
		     "visiting_cluster = excluded.visiting_cluster, model = excluded.model, "
		     "protocol = excluded.protocol, security_mode = excluded.security_mode, "
		     "login_time = excluded.login_time, login_duration = excluded.login_duration, "
		     "config_version = excluded.config_version, created_ms = excluded.created_ms",
	[S_HD_DELETE] = "DELETE FROM emcc_home_devices WHERE device = ?1",
	[S_HD_LIST] = "SELECT " HD_COLS " FROM emcc_home_devices WHERE device > ?1 ORDER BY device "
		      "LIMIT ?2",
	[S_HD_BY_USER] = "SELECT " HD_COLS " FROM emcc_home_devices WHERE user_id = ?1 "
			 "ORDER BY device",
	[S_HD_COUNT] = "SELECT count(*) FROM emcc_home_devices",

	[S_VISIT_GET] = "SELECT " VISIT_COLS " FROM emcc_visits WHERE device = ?1",
	[S_VISIT_PUT] = "INSERT INTO emcc_visits (" VISIT_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
			"?7, ?8, ?9) ON CONFLICT (device) DO UPDATE SET "
			"user_id = excluded.user_id, home_cluster = excluded.home_cluster, "
			"home_tftp = excluded.home_tftp, "
			"home_call_manager = excluded.home_call_manager, "
			"home_tvs = excluded.home_tvs, login_time = excluded.login_time, "
			"login_duration = excluded.login_duration, "
			"config_version = excluded.config_version",
	[S_VISIT_DELETE] = "DELETE FROM emcc_visits WHERE device = ?1",
	[S_VISIT_LIST] = "SELECT " VISIT_COLS " FROM emcc_visits WHERE device > ?1 ORDER BY device "
			 "LIMIT ?2",

	[S_OB_ADD] = "INSERT INTO emcc_outbox (cluster, kind, device, user_id, reason, attempts, "
		     "next_attempt_ms, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[S_OB_DUE] = "SELECT " OB_COLS " FROM emcc_outbox WHERE next_attempt_ms <= ?1 ORDER BY id "
		     "LIMIT ?2",
	/* Saturates instead of tripping the CHECK after 2^31 tries of one message. */
	[S_OB_ATTEMPTED] = "UPDATE emcc_outbox SET attempts = min(attempts + 1, 2147483647), "
			   "next_attempt_ms = ?2 WHERE id = ?1",
	[S_OB_DELETE] = "DELETE FROM emcc_outbox WHERE id = ?1",
	[S_OB_DELETE_FOR] = "DELETE FROM emcc_outbox WHERE cluster = ?1 AND device = ?2",
	[S_OB_COUNT] = "SELECT count(*) FROM emcc_outbox",

	[S_CV_GET] = "SELECT version, updated_ms FROM device_config_versions WHERE device = ?1",
	[S_CV_SET] = "INSERT INTO device_config_versions (device, version, updated_ms) "
		     "VALUES (?1, ?2, ?3) ON CONFLICT (device) DO UPDATE SET "
		     "version = excluded.version, updated_ms = excluded.updated_ms",
};
/* clang-format on */

int sqlite_map_rc(int rc)
{
	switch (rc) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY: return EEXIST;
	case SQLITE_CONSTRAINT_FOREIGNKEY: return ENOENT; /* the row it refers to is missing */
	case SQLITE_CONSTRAINT_CHECK:
	case SQLITE_CONSTRAINT_NOTNULL:
	case SQLITE_CONSTRAINT_DATATYPE: return EINVAL;
	default: break;
	}
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE: return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return EBUSY;
	default: return EIO;
	}
}

/* Returns the cached statement, preparing it on first use. If the cached one is in the middle
 * of a walk (a list callback re-entering the same query), a private copy is prepared instead
 * and stmt_put finalizes it. */
static int stmt_get(struct store *st, enum stmt_id id, sqlite3_stmt **out)
{
	sqlite3_stmt *s = st->stmts[id];
	int rc;

	if (s && !sqlite3_stmt_busy(s)) {
		*out = s;
		return 0;
	}
	rc = sqlite3_prepare_v3(st->db, stmt_sql[id], -1, s ? 0 : SQLITE_PREPARE_PERSISTENT, &s,
				NULL);
	if (rc != SQLITE_OK)
		return sqlite_map_rc(rc);
	if (!st->stmts[id])
		st->stmts[id] = s;
	*out = s;
	return 0;
}

static void stmt_put(struct store *st, enum stmt_id id, sqlite3_stmt *s)
{
	if (!s)
		return;
	if (s == st->stmts[id]) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
	} else {
		sqlite3_finalize(s);
	}
}

/* Binds parameters 1..n in order: 't' text (NUL-terminated, bound without a copy: the caller's
 * string outlives the statement's use), 'i' int, 'l' int64. */
static int vbindf(sqlite3_stmt *s, const char *fmt, va_list ap)
{
	int i, rc = SQLITE_OK;

	for (i = 1; *fmt && rc == SQLITE_OK; fmt++, i++) {
		switch (*fmt) {
		case 't':
			rc = sqlite3_bind_text(s, i, va_arg(ap, const char *), -1, SQLITE_STATIC);
			break;
		case 'i': rc = sqlite3_bind_int(s, i, va_arg(ap, int)); break;
		case 'l': rc = sqlite3_bind_int64(s, i, va_arg(ap, int64_t)); break;
		default: rc = SQLITE_MISUSE; break;
		}
	}
	return sqlite_map_rc(rc);
}

int sqlite_step_done(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	return rc == SQLITE_DONE ? 0 : sqlite_map_rc(rc);
}

int sqlite_step_row(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return ENOENT;
	return sqlite_map_rc(rc);
}

static int vquery_open(struct sqlite_query *q, struct store *st, enum stmt_id id, const char *fmt,
		       va_list ap)
{
	int err;

	q->st = st;
	q->id = id;
	q->s = NULL;
	if (!(err = stmt_get(st, id, &q->s)))
		err = vbindf(q->s, fmt, ap);
	return err;
}

int sqlite_query_open(struct sqlite_query *q, struct store *st, enum stmt_id id, const char *fmt,
		      ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = vquery_open(q, st, id, fmt, ap);
	va_end(ap);
	return err;
}

int sqlite_query_close(struct sqlite_query *q, int err)
{
	stmt_put(q->st, q->id, q->s);
	return err;
}

int sqlite_query_next(struct sqlite_query *q, int *err)
{
	int rc = sqlite3_step(q->s);

	if (rc == SQLITE_ROW)
		return 1;
	*err = sqlite_map_rc(rc);
	return 0;
}

int sqlite_get(struct store *st, enum stmt_id id, const char *key, sqlite_row_reader *reader,
	       void *out)
{
	struct sqlite_query q;
	int err;

	if (!(err = sqlite_query_open(&q, st, id, "t", key)) && !(err = sqlite_step_row(q.s)))
		err = reader(q.s, out);
	return sqlite_query_close(&q, err);
}

int sqlite_exists(struct store *st, enum stmt_id id, const char *fmt, ...)
{
	struct sqlite_query q;
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = vquery_open(&q, st, id, fmt, ap);
	va_end(ap);
	if (!err)
		err = sqlite_step_row(q.s);
	return sqlite_query_close(&q, err);
}

int sqlite_write(struct store *st, enum stmt_id id, enum write_check check, const char *fmt, ...)
{
	struct sqlite_query q;
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = vquery_open(&q, st, id, fmt, ap);
	va_end(ap);
	if (!err) {
		err = sqlite_step_done(q.s);
		if (!err && check == WRITE_CHANGED && sqlite3_changes(st->db) == 0)
			err = ENOENT;
	}
	return sqlite_query_close(&q, err);
}

int sqlite_col_text(sqlite3_stmt *s, int col, char *dst, size_t size)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	size_t n = (size_t)sqlite3_column_bytes(s, col);

	if (!t) {
		if (sqlite3_column_type(s, col) != SQLITE_NULL)
			return EIO; /* out of memory converting the value */
		dst[0] = '\0';
		return 0;
	}
	if (n >= size)
		return EIO;
	memcpy(dst, t, n);
	dst[n] = '\0';
	return 0;
}

int sqlite_fits(const char *s, size_t size)
{
	return s && strnlen(s, size) < size;
}

int sqlite_key_ok(const char *s)
{
	return sqlite_fits(s, LIM_ID_MAX) && s[0] != '\0';
}

int sqlite_user_key(const char *in, char out[LIM_ID_MAX], int allow_empty)
{
	size_t i;

	if (!sqlite_fits(in, LIM_ID_MAX) || (!allow_empty && in[0] == '\0'))
		return EINVAL;
	for (i = 0; in[i]; i++)
		out[i] = (in[i] >= 'A' && in[i] <= 'Z') ? (char)(in[i] - 'A' + 'a') : in[i];
	out[i] = '\0';
	return 0;
}

int64_t sqlite_limit(size_t limit)
{
	return limit == 0 || limit > (size_t)INT64_MAX ? -1 : (int64_t)limit;
}

int sqlite_count(struct store *st, enum stmt_id id, long *count)
{
	struct sqlite_query q;
	int err;

	if (!st || !count)
		return EINVAL;
	if (!(err = sqlite_query_open(&q, st, id, "")) && !(err = sqlite_step_row(q.s)))
		*count = (long)sqlite3_column_int64(q.s, 0);
	return sqlite_query_close(&q, err);
}

int sqlite_delete(struct store *st, enum stmt_id id, const char *key)
{
	if (!sqlite_write_ok(st) || !sqlite_key_ok(key))
		return EINVAL;
	return sqlite_write(st, id, WRITE_CHANGED, "t", key);
}

int sqlite_get_text(struct store *st, enum stmt_id id, const char *key, char *buf, size_t len)
{
	struct sqlite_query q;
	int err;

	if (!(err = sqlite_query_open(&q, st, id, "t", key)) && !(err = sqlite_step_row(q.s)) &&
	    sqlite_col_text(q.s, 0, buf, len))
		err = EINVAL;
	return sqlite_query_close(&q, err);
}
