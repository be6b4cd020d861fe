/* store_sqlite.c -- the SQLite backend of store.h: one connection per struct store, cached
 * prepared statements, and a writer mutex per database file shared by the whole process. */
#include "store/store.h"
#include "store/migrations.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest parameter value accepted; generous for trusted-address lists. */
#define PARAM_VALUE_MAX 65536
/* Backstop only: writers of this process queue on the writer mutex, so SQLite's busy handler
 * (which sleeps) is reached only when another process (the CLI, sqlite3) holds the file. */
#define BUSY_TIMEOUT_MS 5000

/* ---- writer locks: one mutex per database file, shared by every connection in the process -- */

struct wlock {
	struct wlock *next;
	char *path; /* canonical path; NULL for a private database (":memory:") */
	unsigned refs;
	pthread_mutex_t mu;
};

static pthread_mutex_t wlock_registry_mu = PTHREAD_MUTEX_INITIALIZER;
static struct wlock *wlock_registry;

static int wlock_acquire(const char *canon, struct wlock **out)
{
	pthread_mutexattr_t attr;
	struct wlock *w = NULL;
	int err = 0;

	pthread_mutex_lock(&wlock_registry_mu);
	for (w = canon ? wlock_registry : NULL; w; w = w->next) {
		if (strcmp(w->path, canon) == 0) {
			w->refs++;
			goto out;
		}
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		err = EIO;
		goto out;
	}
	if (canon && !(w->path = strdup(canon))) {
		free(w);
		w = NULL;
		err = EIO;
		goto out;
	}
	/* Error-checking, so a thread that already holds the lock through another connection to
	 * the same file gets EBUSY instead of hanging on itself. */
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&w->mu, &attr);
	pthread_mutexattr_destroy(&attr);
	w->refs = 1;
	if (canon) {
		w->next = wlock_registry;
		wlock_registry = w;
	}
out:
	pthread_mutex_unlock(&wlock_registry_mu);
	if (!err)
		*out = w;
	return err;
}

static int wlock_lock(struct wlock *w)
{
	int rc = pthread_mutex_lock(&w->mu);

	return rc == EDEADLK ? EBUSY : rc ? EIO : 0;
}

static void wlock_release(struct wlock *w)
{
	struct wlock **pp;

	if (!w)
		return;
	pthread_mutex_lock(&wlock_registry_mu);
	if (--w->refs == 0) {
		for (pp = &wlock_registry; w->path && *pp; pp = &(*pp)->next) {
			if (*pp == w) {
				*pp = w->next;
				break;
			}
		}
		pthread_mutex_destroy(&w->mu);
		free(w->path);
		free(w);
	}
	pthread_mutex_unlock(&wlock_registry_mu);
}

/* The registry key: the same file reached through "./", "..", symlinks or a relative path must
 * map to one mutex. The file may not exist yet, so fall back to resolving its directory. */
static int canonical_path(const char *path, char **out)
{
	const char *slash, *base;
	char *dirpart = NULL, *dir = NULL;
	int err = 0;

	if ((*out = realpath(path, NULL)))
		return 0;
	if (errno != ENOENT)
		return EIO;
	slash = strrchr(path, '/');
	base = slash ? slash + 1 : path;
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return EINVAL;
	if (!slash)
		dirpart = strdup(".");
	else if (slash == path)
		dirpart = strdup("/");
	else
		dirpart = strndup(path, (size_t)(slash - path));
	if (!dirpart) {
		err = EIO;
		goto out;
	}
	if (!(dir = realpath(dirpart, NULL))) {
		err = EIO; /* missing directory: SQLite could not create the file either */
		goto out;
	}
	if (asprintf(out, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, base) < 0) {
		*out = NULL;
		err = EIO;
	}
out:
	free(dirpart);
	free(dir);
	return err;
}

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

enum stmt_id {
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_SAVEPOINT,
	S_RELEASE,
	S_ROLLBACK_TO,
	S_USER_GET,
	S_USER_BY_EXT,
	S_USER_INSERT,
	S_USER_UPDATE,
	S_USER_DELETE,
	S_USER_LIST,
	S_USER_COUNT,
	S_APP_GET,
	S_APP_INSERT,
	S_APP_UPDATE,
	S_APP_DELETE,
	S_APP_LIST,
	S_PROFILE_EXISTS,
	S_DEVICE_EXISTS,
	S_LINES_GET,
	S_SD_GET,
	S_SVC_GET,
	S_LINES_DEL,
	S_SD_DEL,
	S_SVC_DEL,
	S_LINE_INS,
	S_SD_INS,
	S_SVC_INS,
	S_PROFILE_GET,
	S_PROFILE_INSERT,
	S_PROFILE_UPDATE,
	S_PROFILE_DELETE,
	S_PROFILE_LIST,
	S_UP_INSERT,
	S_UP_EXISTS,
	S_UP_CLEAR_DEFAULT,
	S_UP_SET_DEFAULT,
	S_UP_DELETE,
	S_UP_LIST,
	S_UP_DEFAULT,
	S_DEVICE_GET,
	S_DEVICE_INSERT,
	S_DEVICE_UPDATE,
	S_DEVICE_DELETE,
	S_DEVICE_LIST,
	S_DEVICE_COUNT,
	S_EM_GET,
	S_EM_PUT,
	S_EM_BY_USER,
	S_EM_LOGGED_IN,
	S_EM_COUNT,
	S_LO_SCHEDULE,
	S_LO_CANCEL,
	S_LO_DUE,
	S_LO_NEXT,
	S_LO_COUNT,
	S_AUDIT_ADD,
	S_AUDIT_ALL,
	S_AUDIT_USER,
	S_AUDIT_DEVICE,
	S_AUDIT_BOTH,
	S_PARAM_GET,
	S_PARAM_SET,
	S_PARAM_LIST,
	S_RC_GET,
	S_RC_INSERT,
	S_RC_UPDATE,
	S_RC_STATUS,
	S_RC_DELETE,
	S_RC_LIST,
	S_RC_COUNT,
	S_RC_BY_FP,
	S_HD_GET,
	S_HD_PUT,
	S_HD_DELETE,
	S_HD_LIST,
	S_HD_BY_USER,
	S_HD_COUNT,
	S_VISIT_GET,
	S_VISIT_PUT,
	S_VISIT_DELETE,
	S_VISIT_LIST,
	S_OB_ADD,
	S_OB_DUE,
	S_OB_ATTEMPTED,
	S_OB_DELETE,
	S_OB_DELETE_FOR,
	S_OB_COUNT,
	S_CV_GET,
	S_CV_SET,
	S_COUNT
};

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

struct store {
	sqlite3 *db;
	struct wlock *wl;
	int in_tx;    /* between store_begin and store_commit/rollback; wl->mu is held */
	int batch;    /* between store_batch_begin and store_batch_commit */
	int batch_tx; /* the batch's own transaction is open (and wl->mu held) */
	int version;
	sqlite3_stmt *stmts[S_COUNT]; /* prepared on first use, kept until store_close */
};

static int map_rc(int rc)
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
		return map_rc(rc);
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
	return map_rc(rc);
}

/* Runs a statement that returns no rows. */
static int step_done(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	return rc == SQLITE_DONE ? 0 : map_rc(rc);
}

/* Runs a single-row statement: 0 with the row ready, ENOENT if none. */
static int step_row(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return ENOENT;
	return map_rc(rc);
}

/* One use of a cached statement: query_open takes it and binds parameters per fmt (see vbindf),
 * query_close puts it back. query_close passes err through and is safe after a failed
 * query_open, so each function that runs a statement ends in "return query_close(&q, err);". */
struct query {
	struct store *st;
	enum stmt_id id;
	sqlite3_stmt *s;
};

static int vquery_open(struct query *q, struct store *st, enum stmt_id id, const char *fmt,
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

static int query_open(struct query *q, struct store *st, enum stmt_id id, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = vquery_open(q, st, id, fmt, ap);
	va_end(ap);
	return err;
}

static int query_close(struct query *q, int err)
{
	stmt_put(q->st, q->id, q->s);
	return err;
}

/* Steps a walk: 1 with the next row ready; 0 at its end, with *err 0 or the step's error. A walk
 * reads "while (!err && query_next(&q, &err) && !(err = read the row)) err = the callback;". */
static int query_next(struct query *q, int *err)
{
	int rc = sqlite3_step(q->s);

	if (rc == SQLITE_ROW)
		return 1;
	*err = map_rc(rc);
	return 0;
}

/* Fills the struct at row from the current row of a statement. */
typedef int row_reader(sqlite3_stmt *s, void *row);

/* Runs a statement bound to one text key that returns at most one row, read into out: ENOENT
 * when there is none. */
static int get_by_key(struct store *st, enum stmt_id id, const char *key, row_reader *reader,
		      void *out)
{
	struct query q;
	int err;

	if (!(err = query_open(&q, st, id, "t", key)) && !(err = step_row(q.s)))
		err = reader(q.s, out);
	return query_close(&q, err);
}

/* Runs a statement bound per fmt: 0 when it returns a row, ENOENT when it returns none. */
static int row_exists(struct store *st, enum stmt_id id, const char *fmt, ...)
{
	struct query q;
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = vquery_open(&q, st, id, fmt, ap);
	va_end(ap);
	if (!err)
		err = step_row(q.s);
	return query_close(&q, err);
}

/* What a statement that returns no rows must have done: WRITE_ANY for inserts, upserts and
 * deletes of whatever matches; WRITE_CHANGED for updates and deletes of one named row, which
 * are ENOENT when they changed nothing. */
enum write_check { WRITE_ANY, WRITE_CHANGED };

/* Prepares (or reuses), binds per fmt and runs a statement that returns no rows. */
static int exec_write(struct store *st, enum stmt_id id, enum write_check check, const char *fmt,
		      ...)
{
	struct query q;
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = vquery_open(&q, st, id, fmt, ap);
	va_end(ap);
	if (!err) {
		err = step_done(q.s);
		if (!err && check == WRITE_CHANGED && sqlite3_changes(st->db) == 0)
			err = ENOENT;
	}
	return query_close(&q, err);
}

/* Copies a text column into a fixed field. Too long can only mean rows written by something
 * other than this code (the schema's CHECKs mirror the field sizes): report it, don't cut. */
static int col_text(sqlite3_stmt *s, int col, char *dst, size_t size)
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

/* A string that fits a field of `size` bytes, NUL included. */
static int fits(const char *s, size_t size)
{
	return s && strnlen(s, size) < size;
}

/* A key: non-empty and fits LIM_ID_MAX. */
static int key_ok(const char *s)
{
	return fits(s, LIM_ID_MAX) && s[0] != '\0';
}

/* User IDs are kept lowercase (CUCM's rule): the store folds ASCII letters itself on the way in,
 * so a caller that forgot to normalise still finds the row. UTF-8 bytes pass through. */
static int user_key(const char *in, char out[LIM_ID_MAX], int allow_empty)
{
	size_t i;

	if (!fits(in, LIM_ID_MAX) || (!allow_empty && in[0] == '\0'))
		return EINVAL;
	for (i = 0; in[i]; i++)
		out[i] = (in[i] >= 'A' && in[i] <= 'Z') ? (char)(in[i] - 'A' + 'a') : in[i];
	out[i] = '\0';
	return 0;
}

/* LIMIT for a walk: 0 = all (-1 in SQLite). */
static int64_t sql_limit(size_t limit)
{
	return limit == 0 || limit > (size_t)INT64_MAX ? -1 : (int64_t)limit;
}

/* Writes need an open transaction; the autocommit check catches one SQLite ended on its own
 * (after an I/O error or a full disk), where a write would otherwise commit by itself. */
static int write_ok(struct store *st)
{
	return st && st->in_tx && !sqlite3_get_autocommit(st->db);
}

/* Runs BEGIN, COMMIT, a savepoint's statements and the like: no parameters, no rows. */
static int run_tx_stmt(struct store *st, enum stmt_id id)
{
	return exec_write(st, id, WRITE_ANY, "");
}

static int savepoint(struct store *st)
{
	return run_tx_stmt(st, S_SAVEPOINT);
}

/* Ends the savepoint: kept on err == 0, undone otherwise, so a multi-statement write that fails
 * half-way leaves the transaction as it was. Returns err, or the release's own error. */
static int savepoint_end(struct store *st, int err)
{
	int e2;

	if (err)
		run_tx_stmt(st, S_ROLLBACK_TO);
	e2 = run_tx_stmt(st, S_RELEASE);
	return err ? err : e2;
}

static int count_query(struct store *st, enum stmt_id id, long *count)
{
	struct query q;
	int err;

	if (!st || !count)
		return EINVAL;
	if (!(err = query_open(&q, st, id, "")) && !(err = step_row(q.s)))
		*count = (long)sqlite3_column_int64(q.s, 0);
	return query_close(&q, err);
}

/* Runs a statement keyed by one text parameter that must change a row (updates, deletes). */
static int delete_by_key(struct store *st, enum stmt_id id, const char *key)
{
	if (!write_ok(st) || !key_ok(key))
		return EINVAL;
	return exec_write(st, id, WRITE_CHANGED, "t", key);
}

/* Runs a statement bound to one text key whose first column is copied into the caller's buffer:
 * ENOENT without a row, EINVAL when the buffer is too small. */
static int get_text(struct store *st, enum stmt_id id, const char *key, char *buf, size_t len)
{
	struct query q;
	int err;

	if (!(err = query_open(&q, st, id, "t", key)) && !(err = step_row(q.s)) &&
	    col_text(q.s, 0, buf, len))
		err = EINVAL;
	return query_close(&q, err);
}

/* ---- open, close, transactions -------------------------------------------------------------- */

static int exec_simple(sqlite3 *db, const char *sql)
{
	return map_rc(sqlite3_exec(db, sql, NULL, NULL, NULL));
}

static int configure(sqlite3 *db, int is_file)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *mode;
	int err, rc;

	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
	if (rc != SQLITE_OK || (rc = sqlite3_step(s)) != SQLITE_ROW) {
		err = map_rc(rc);
		goto out;
	}
	/* A file that cannot do WAL (no shared memory on its filesystem) would silently fall back
	 * to a rollback journal, where readers block the writer: refuse instead. */
	mode = sqlite3_column_text(s, 0);
	if (is_file && (!mode || strcmp((const char *)mode, "wal") != 0)) {
		err = EIO;
		goto out;
	}
	/* FULL: in WAL mode NORMAL may lose the last commits on power loss; a login is only
	 * acknowledged once it survives that. */
	if ((err = exec_simple(db, "PRAGMA synchronous = FULL")))
		goto out;
	err = exec_simple(db, "PRAGMA foreign_keys = ON");
out:
	sqlite3_finalize(s);
	return err;
}

int store_open(struct store **stp, const char *path)
{
	struct store *st = NULL;
	char *canon = NULL;
	int err = 0, rc, locked = 0, is_file;

	if (!stp || !path || path[0] == '\0')
		return EINVAL;
	is_file = strcmp(path, ":memory:") != 0;
	if (!(st = calloc(1, sizeof(*st))))
		return EIO;
	if (is_file && (err = canonical_path(path, &canon)))
		goto out;
	if ((err = wlock_acquire(canon, &st->wl)))
		goto out;
	/* Hold the writer lock while setting up, so threads opening a fresh file together don't
	 * race on the journal mode or on the migrations. */
	if ((err = wlock_lock(st->wl)))
		goto out;
	locked = 1;
	rc =
	    sqlite3_open_v2(is_file ? canon : ":memory:", &st->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		err = map_rc(rc);
		goto out;
	}
	if ((err = configure(st->db, is_file)))
		goto out;
	err = store_migrate(st->db, &st->version);
out:
	if (locked)
		pthread_mutex_unlock(&st->wl->mu);
	free(canon);
	if (err)
		store_close(st);
	else
		*stp = st;
	return err;
}

void store_close(struct store *st)
{
	size_t i;

	if (!st)
		return;
	store_rollback(st);
	if (st->batch) {
		/* closing mid-batch: nothing of it was promised durable, undo it */
		if (st->batch_tx) {
			if (!sqlite3_get_autocommit(st->db))
				run_tx_stmt(st, S_ROLLBACK);
			pthread_mutex_unlock(&st->wl->mu);
		}
		st->batch = st->batch_tx = 0;
	}
	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->stmts[i]);
	sqlite3_close(st->db);
	wlock_release(st->wl);
	free(st);
}

int store_schema_version(struct store *st)
{
	return st ? st->version : 0;
}

static int exec_sql(struct store *st, const char *sql)
{
	return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : EIO;
}

/* Inside a batch every store_begin/commit pair is a savepoint in the batch's one transaction, so
 * many requests share a single durable COMMIT (one fsync) while each still succeeds or fails
 * as a whole. */
int store_batch_begin(struct store *st)
{
	if (!st || st->in_tx || st->batch)
		return EINVAL;
	st->batch = 1;
	return 0;
}

int store_batch_commit(struct store *st)
{
	int err = 0;

	if (!st || !st->batch)
		return EINVAL;
	if (st->in_tx) /* a request left its transaction open: undo it, keep the others */
		store_rollback(st);
	st->batch = 0;
	if (!st->batch_tx)
		return 0; /* nobody wrote: nothing to commit, the writer lock was never taken */
	err = run_tx_stmt(st, S_COMMIT);
	if (err && !sqlite3_get_autocommit(st->db))
		run_tx_stmt(st, S_ROLLBACK);
	st->batch_tx = 0;
	pthread_mutex_unlock(&st->wl->mu);
	return err;
}

int store_begin(struct store *st)
{
	int err;

	if (!st || st->in_tx)
		return EINVAL; /* no nesting */
	if (!st->batch_tx) {
		if ((err = wlock_lock(st->wl)))
			return err;
		if ((err = run_tx_stmt(st, S_BEGIN))) {
			pthread_mutex_unlock(&st->wl->mu);
			return err;
		}
		st->batch_tx = st->batch;
	}
	if (st->batch && (err = exec_sql(st, "SAVEPOINT request")))
		return err;
	st->in_tx = 1;
	return 0;
}

int store_commit(struct store *st)
{
	int err;

	if (!st || !st->in_tx)
		return EINVAL;
	if (st->batch) {
		st->in_tx = 0;
		if ((err = exec_sql(st, "RELEASE request"))) {
			exec_sql(st, "ROLLBACK TO request");
			exec_sql(st, "RELEASE request");
		}
		return err;
	}
	err = run_tx_stmt(st, S_COMMIT);
	/* A failed COMMIT may leave the transaction open; end it so the lock can be released. */
	if (err && !sqlite3_get_autocommit(st->db))
		run_tx_stmt(st, S_ROLLBACK);
	st->in_tx = 0;
	pthread_mutex_unlock(&st->wl->mu);
	return err;
}

void store_rollback(struct store *st)
{
	if (!st || !st->in_tx)
		return;
	st->in_tx = 0;
	if (st->batch) {
		exec_sql(st, "ROLLBACK TO request");
		exec_sql(st, "RELEASE request");
		return;
	}
	if (!sqlite3_get_autocommit(st->db))
		run_tx_stmt(st, S_ROLLBACK);
	pthread_mutex_unlock(&st->wl->mu);
}

/* ---- end users ------------------------------------------------------------------------------ */

static int row_user(sqlite3_stmt *s, void *row)
{
	struct store_user *u = row;
	int err;

	if ((err = col_text(s, 0, u->id, sizeof(u->id))) ||
	    (err = col_text(s, 1, u->name, sizeof(u->name))) ||
	    (err = col_text(s, 2, u->password_hash, sizeof(u->password_hash))) ||
	    (err = col_text(s, 3, u->pin_hash, sizeof(u->pin_hash))) ||
	    (err = col_text(s, 4, u->primary_extension, sizeof(u->primary_extension))))
		return err;
	u->em_proxy_rights = sqlite3_column_int(s, 5);
	u->emcc_enabled = sqlite3_column_int(s, 6);
	u->max_login_minutes = sqlite3_column_int(s, 7);
	u->failed_logons = sqlite3_column_int(s, 8);
	u->locked_until = sqlite3_column_int64(s, 9);
	return 0;
}

int store_user_get(struct store *st, const char *id, struct store_user *out)
{
	char key[LIM_ID_MAX];

	if (!st || !out || user_key(id, key, 0))
		return EINVAL;
	return get_by_key(st, S_USER_GET, key, row_user, out);
}

int store_user_find_by_extension(struct store *st, const char *dn, struct store_user *out,
				 int *matches)
{
	struct query q;
	int err;

	if (!st || !out || !key_ok(dn))
		return EINVAL;
	if (matches)
		*matches = 0;
	if (!(err = query_open(&q, st, S_USER_BY_EXT, "t", dn)) && !(err = step_row(q.s)) &&
	    !(err = row_user(q.s, out)) && matches)
		*matches = sqlite3_column_int(q.s, 10);
	return query_close(&q, err);
}

static int user_valid(const struct store_user *u)
{
	return u && key_ok(u->id) && fits(u->name, sizeof(u->name)) &&
	       fits(u->password_hash, sizeof(u->password_hash)) &&
	       fits(u->pin_hash, sizeof(u->pin_hash)) &&
	       fits(u->primary_extension, sizeof(u->primary_extension)) &&
	       u->max_login_minutes >= -1 && u->failed_logons >= 0 && u->locked_until >= 0;
}

static int user_write(struct store *st, enum stmt_id id, const struct store_user *u)
{
	char key[LIM_ID_MAX];

	if (!write_ok(st) || !user_valid(u) || user_key(u->id, key, 0))
		return EINVAL;
	return exec_write(st, id, id == S_USER_UPDATE ? WRITE_CHANGED : WRITE_ANY, "tttttiiiil",
			  key, u->name, u->password_hash, u->pin_hash, u->primary_extension,
			  !!u->em_proxy_rights, !!u->emcc_enabled, u->max_login_minutes,
			  u->failed_logons, u->locked_until);
}

int store_user_insert(struct store *st, const struct store_user *u)
{
	return user_write(st, S_USER_INSERT, u);
}

int store_user_update(struct store *st, const struct store_user *u)
{
	return user_write(st, S_USER_UPDATE, u);
}

int store_user_delete(struct store *st, const char *id)
{
	char key[LIM_ID_MAX];

	if (user_key(id, key, 0))
		return EINVAL;
	return delete_by_key(st, S_USER_DELETE, key);
}

int store_user_list(struct store *st, const char *after, size_t limit,
		    int (*fn)(void *arg, const struct store_user *u), void *arg)
{
	char from[LIM_ID_MAX];
	struct store_user u;
	struct query q;
	int err;

	if (!st || !fn || user_key(after ? after : "", from, 1))
		return EINVAL;
	err = query_open(&q, st, S_USER_LIST, "tl", from, sql_limit(limit));
	while (!err && query_next(&q, &err) && !(err = row_user(q.s, &u)))
		err = fn(arg, &u);
	return query_close(&q, err);
}

int store_user_count(struct store *st, long *count)
{
	return count_query(st, S_USER_COUNT, count);
}

/* ---- application users ---------------------------------------------------------------------- */

static int row_app(sqlite3_stmt *s, void *row)
{
	struct store_app_user *a = row;
	int err;

	if ((err = col_text(s, 0, a->id, sizeof(a->id))) ||
	    (err = col_text(s, 1, a->password_hash, sizeof(a->password_hash))))
		return err;
	a->em_proxy_rights = sqlite3_column_int(s, 2);
	return 0;
}

int store_app_user_get(struct store *st, const char *id, struct store_app_user *out)
{
	if (!st || !out || !key_ok(id))
		return EINVAL;
	return get_by_key(st, S_APP_GET, id, row_app, out);
}

static int app_write(struct store *st, enum stmt_id id, const struct store_app_user *a)
{
	if (!write_ok(st) || !a || !key_ok(a->id) ||
	    !fits(a->password_hash, sizeof(a->password_hash)))
		return EINVAL;
	return exec_write(st, id, id == S_APP_UPDATE ? WRITE_CHANGED : WRITE_ANY, "tti", a->id,
			  a->password_hash, !!a->em_proxy_rights);
}

int store_app_user_insert(struct store *st, const struct store_app_user *a)
{
	return app_write(st, S_APP_INSERT, a);
}

int store_app_user_update(struct store *st, const struct store_app_user *a)
{
	return app_write(st, S_APP_UPDATE, a);
}

int store_app_user_delete(struct store *st, const char *id)
{
	return delete_by_key(st, S_APP_DELETE, id);
}

int store_app_user_list(struct store *st, int (*fn)(void *arg, const struct store_app_user *a),
			void *arg)
{
	struct store_app_user a;
	struct query q;
	int err;

	if (!st || !fn)
		return EINVAL;
	err = query_open(&q, st, S_APP_LIST, "");
	while (!err && query_next(&q, &err) && !(err = row_app(q.s, &a)))
		err = fn(arg, &a);
	return query_close(&q, err);
}

/* ---- features ------------------------------------------------------------------------------- */

static int kind_ok(enum store_owner_kind kind)
{
	return kind == STORE_OWNER_PROFILE || kind == STORE_OWNER_DEVICE;
}

static int owner_exists(struct store *st, enum store_owner_kind kind, const char *owner)
{
	return row_exists(st, kind == STORE_OWNER_PROFILE ? S_PROFILE_EXISTS : S_DEVICE_EXISTS, "t",
			  owner);
}

/* Reads the current row of the feature table that id walks into entry n of out. */
static int row_feature(sqlite3_stmt *s, enum stmt_id id, struct features *out, size_t n)
{
	int err;

	if (id == S_LINES_GET) {
		struct feature_line *l = &out->lines[n];

		l->index = sqlite3_column_int(s, 0);
		if ((err = col_text(s, 1, l->dn, sizeof(l->dn))) ||
		    (err = col_text(s, 2, l->label, sizeof(l->label))) ||
		    (err = col_text(s, 3, l->display, sizeof(l->display))))
			return err;
	} else if (id == S_SD_GET) {
		struct feature_speed_dial *d = &out->speed_dials[n];

		d->index = sqlite3_column_int(s, 0);
		if ((err = col_text(s, 1, d->number, sizeof(d->number))) ||
		    (err = col_text(s, 2, d->label, sizeof(d->label))))
			return err;
	} else {
		struct feature_service *v = &out->services[n];

		if ((err = col_text(s, 0, v->name, sizeof(v->name))) ||
		    (err = col_text(s, 1, v->url, sizeof(v->url))))
			return err;
	}
	return 0;
}

/* Walks one feature table into out; more rows than the array holds means foreign writes. */
static int features_read(struct store *st, enum stmt_id id, int kind, const char *owner,
			 struct features *out)
{
	struct query q;
	size_t n = 0, max;
	int err;

	max = id == S_LINES_GET ? LIM_LINES : id == S_SD_GET ? LIM_SPEED_DIALS : LIM_SERVICES;
	err = query_open(&q, st, id, "it", kind, owner);
	while (!err && query_next(&q, &err))
		err = n < max ? row_feature(q.s, id, out, n++) : EIO;
	if (!err) {
		if (id == S_LINES_GET)
			out->nlines = n;
		else if (id == S_SD_GET)
			out->nspeed_dials = n;
		else
			out->nservices = n;
	}
	return query_close(&q, err);
}

int store_features_get(struct store *st, enum store_owner_kind kind, const char *owner,
		       struct features *out)
{
	int err;

	if (!st || !out || !kind_ok(kind) || !key_ok(owner))
		return EINVAL;
	out->nlines = out->nspeed_dials = out->nservices = 0;
	if ((err = features_read(st, S_LINES_GET, kind, owner, out)) ||
	    (err = features_read(st, S_SD_GET, kind, owner, out)) ||
	    (err = features_read(st, S_SVC_GET, kind, owner, out)))
		out->nlines = out->nspeed_dials = out->nservices = 0;
	return err;
}

static int features_valid(const struct features *f)
{
	size_t i;

	if (!f || f->nlines > LIM_LINES || f->nspeed_dials > LIM_SPEED_DIALS ||
	    f->nservices > LIM_SERVICES)
		return 0;
	for (i = 0; i < f->nlines; i++) {
		const struct feature_line *l = &f->lines[i];

		if (l->index < 1 || !fits(l->dn, sizeof(l->dn)) ||
		    !fits(l->label, sizeof(l->label)) || !fits(l->display, sizeof(l->display)))
			return 0;
	}
	for (i = 0; i < f->nspeed_dials; i++) {
		const struct feature_speed_dial *d = &f->speed_dials[i];

		if (d->index < 1 || !fits(d->number, sizeof(d->number)) ||
		    !fits(d->label, sizeof(d->label)))
			return 0;
	}
	for (i = 0; i < f->nservices; i++) {
		const struct feature_service *v = &f->services[i];

		if (!fits(v->name, sizeof(v->name)) || !fits(v->url, sizeof(v->url)))
			return 0;
	}
	return 1;
}

int store_features_set(struct store *st, enum store_owner_kind kind, const char *owner,
		       const struct features *f)
{
	static const enum stmt_id dels[] = {S_LINES_DEL, S_SD_DEL, S_SVC_DEL};
	size_t i;
	int err;

	if (!write_ok(st) || !kind_ok(kind) || !key_ok(owner) || !features_valid(f))
		return EINVAL;
	if ((err = owner_exists(st, kind, owner)))
		return err;
	if ((err = savepoint(st)))
		return err;
	for (i = 0; i < sizeof(dels) / sizeof(dels[0]) && !err; i++)
		err = exec_write(st, dels[i], WRITE_ANY, "it", (int)kind, owner);
	for (i = 0; i < f->nlines && !err; i++) {
		const struct feature_line *l = &f->lines[i];

		err = exec_write(st, S_LINE_INS, WRITE_ANY, "itittt", (int)kind, owner, l->index,
				 l->dn, l->label, l->display);
	}
	for (i = 0; i < f->nspeed_dials && !err; i++) {
		const struct feature_speed_dial *d = &f->speed_dials[i];

		err = exec_write(st, S_SD_INS, WRITE_ANY, "ititt", (int)kind, owner, d->index,
				 d->number, d->label);
	}
	for (i = 0; i < f->nservices && !err; i++) {
		const struct feature_service *v = &f->services[i];

		err = exec_write(st, S_SVC_INS, WRITE_ANY, "itltt", (int)kind, owner,
				 (int64_t)(i + 1), v->name, v->url);
	}
	/* A duplicate line index fails half-way: undo the deletes too. */
	return savepoint_end(st, err);
}

/* ---- device profiles ------------------------------------------------------------------------ */

static int row_profile(sqlite3_stmt *s, void *row)
{
	struct store_profile *p = row;
	int err;

	if ((err = col_text(s, 0, p->name, sizeof(p->name))) ||
	    (err = col_text(s, 1, p->description, sizeof(p->description))) ||
	    (err = col_text(s, 2, p->model, sizeof(p->model))) ||
	    (err = col_text(s, 3, p->user_locale, sizeof(p->user_locale))) ||
	    (err = col_text(s, 4, p->softkey_template, sizeof(p->softkey_template))))
		return err;
	return 0;
}

int store_profile_get(struct store *st, const char *name, struct store_profile *out)
{
	if (!st || !out || !key_ok(name))
		return EINVAL;
	return get_by_key(st, S_PROFILE_GET, name, row_profile, out);
}

static int profile_write(struct store *st, enum stmt_id id, const struct store_profile *p)
{
	if (!write_ok(st) || !p || !key_ok(p->name) ||
	    !fits(p->description, sizeof(p->description)) || !fits(p->model, sizeof(p->model)) ||
	    !fits(p->user_locale, sizeof(p->user_locale)) ||
	    !fits(p->softkey_template, sizeof(p->softkey_template)))
		return EINVAL;
	return exec_write(st, id, id == S_PROFILE_UPDATE ? WRITE_CHANGED : WRITE_ANY, "ttttt",
			  p->name, p->description, p->model, p->user_locale, p->softkey_template);
}

int store_profile_insert(struct store *st, const struct store_profile *p)
{
	return profile_write(st, S_PROFILE_INSERT, p);
}

int store_profile_update(struct store *st, const struct store_profile *p)
{
	return profile_write(st, S_PROFILE_UPDATE, p);
}

int store_profile_delete(struct store *st, const char *name)
{
	/* user_profiles go by ON DELETE CASCADE, features by the device_profiles_delete trigger */
	return delete_by_key(st, S_PROFILE_DELETE, name);
}

int store_profile_list(struct store *st, const char *after, size_t limit,
		       int (*fn)(void *arg, const struct store_profile *p), void *arg)
{
	struct store_profile p;
	struct query q;
	int err;

	if (!after)
		after = "";
	if (!st || !fn || !fits(after, LIM_ID_MAX))
		return EINVAL;
	err = query_open(&q, st, S_PROFILE_LIST, "tl", after, sql_limit(limit));
	while (!err && query_next(&q, &err) && !(err = row_profile(q.s, &p)))
		err = fn(arg, &p);
	return query_close(&q, err);
}

/* ---- user <-> profile ----------------------------------------------------------------------- */

/* Clears the user's default and makes profile the default; the link must exist. Two statements
 * because the one-default index is checked row by row during an UPDATE. */
static int up_make_default(struct store *st, const char *user, const char *profile)
{
	int err;

	if ((err = exec_write(st, S_UP_CLEAR_DEFAULT, WRITE_ANY, "t", user)))
		return err;
	return exec_write(st, S_UP_SET_DEFAULT, WRITE_CHANGED, "tt", user, profile);
}

int store_user_profile_add(struct store *st, const char *user_id, const char *profile,
			   int is_default)
{
	char user[LIM_ID_MAX];
	int err;

	if (!write_ok(st) || user_key(user_id, user, 0) || !key_ok(profile))
		return EINVAL;
	if ((err = savepoint(st)))
		return err;
	/* EEXIST if linked, ENOENT (foreign key) if the user or the profile is missing */
	err = exec_write(st, S_UP_INSERT, WRITE_ANY, "tt", user, profile);
	if (!err && is_default)
		err = up_make_default(st, user, profile);
	return savepoint_end(st, err);
}

int store_user_profile_set_default(struct store *st, const char *user_id, const char *profile)
{
	char user[LIM_ID_MAX];
	int err;

	if (!write_ok(st) || user_key(user_id, user, 0) || !key_ok(profile))
		return EINVAL;
	/* Check first, so a missing link leaves the current default alone. */
	if ((err = row_exists(st, S_UP_EXISTS, "tt", user, profile)))
		return err;
	if ((err = savepoint(st)))
		return err;
	return savepoint_end(st, up_make_default(st, user, profile));
}

int store_user_profile_del(struct store *st, const char *user_id, const char *profile)
{
	char user[LIM_ID_MAX];

	if (!write_ok(st) || user_key(user_id, user, 0) || !key_ok(profile))
		return EINVAL;
	return exec_write(st, S_UP_DELETE, WRITE_CHANGED, "tt", user, profile);
}

static int row_user_profile(sqlite3_stmt *s, struct store_user_profile *up)
{
	int err;

	if ((err = col_text(s, 0, up->user_id, sizeof(up->user_id))) ||
	    (err = col_text(s, 1, up->profile, sizeof(up->profile))))
		return err;
	up->is_default = sqlite3_column_int(s, 2);
	return 0;
}

int store_user_profile_list(struct store *st, const char *user_id,
			    int (*fn)(void *arg, const struct store_user_profile *up), void *arg)
{
	char user[LIM_ID_MAX];
	struct store_user_profile up;
	struct query q;
	int err;

	if (!st || !fn || user_key(user_id, user, 0))
		return EINVAL;
	err = query_open(&q, st, S_UP_LIST, "t", user);
	while (!err && query_next(&q, &err) && !(err = row_user_profile(q.s, &up)))
		err = fn(arg, &up);
	return query_close(&q, err);
}

int store_user_default_profile(struct store *st, const char *user_id, char *profile, size_t len)
{
	char user[LIM_ID_MAX];

	if (!st || !profile || len == 0 || user_key(user_id, user, 0))
		return EINVAL;
	return get_text(st, S_UP_DEFAULT, user, profile, len);
}

/* ---- devices -------------------------------------------------------------------------------- */

static int row_device(sqlite3_stmt *s, void *row)
{
	struct store_device *d = row;
	int err;

	if ((err = col_text(s, 0, d->name, sizeof(d->name))) ||
	    (err = col_text(s, 1, d->description, sizeof(d->description))) ||
	    (err = col_text(s, 2, d->model, sizeof(d->model))) ||
	    (err = col_text(s, 3, d->protocol, sizeof(d->protocol))) ||
	    (err = col_text(s, 7, d->user_locale, sizeof(d->user_locale))))
		return err;
	d->em_enabled = sqlite3_column_int(s, 4);
	d->emcc_enabled = sqlite3_column_int(s, 5);
	d->security_mode = sqlite3_column_int(s, 6);
	return 0;
}

int store_device_get(struct store *st, const char *name, struct store_device *out)
{
	if (!st || !out || !key_ok(name))
		return EINVAL;
	return get_by_key(st, S_DEVICE_GET, name, row_device, out);
}

static int device_write(struct store *st, enum stmt_id id, const struct store_device *d)
{
	if (!write_ok(st) || !d || !key_ok(d->name) ||
	    !fits(d->description, sizeof(d->description)) || !fits(d->model, sizeof(d->model)) ||
	    !fits(d->protocol, sizeof(d->protocol)) ||
	    !fits(d->user_locale, sizeof(d->user_locale)))
		return EINVAL;
	/* protocol and security_mode are checked by the schema: EINVAL from the CHECK */
	return exec_write(st, id, id == S_DEVICE_UPDATE ? WRITE_CHANGED : WRITE_ANY, "ttttiiit",
			  d->name, d->description, d->model, d->protocol, !!d->em_enabled,
			  !!d->emcc_enabled, d->security_mode, d->user_locale);
}

int store_device_insert(struct store *st, const struct store_device *d)
{
	return device_write(st, S_DEVICE_INSERT, d);
}

int store_device_update(struct store *st, const struct store_device *d)
{
	return device_write(st, S_DEVICE_UPDATE, d);
}

int store_device_delete(struct store *st, const char *name)
{
	/* em_state, the scheduled logout and the features go by the devices_delete trigger */
	return delete_by_key(st, S_DEVICE_DELETE, name);
}

int store_device_list(struct store *st, const char *after, size_t limit,
		      int (*fn)(void *arg, const struct store_device *d), void *arg)
{
	struct store_device d;
	struct query q;
	int err;

	if (!after)
		after = "";
	if (!st || !fn || !fits(after, LIM_ID_MAX))
		return EINVAL;
	err = query_open(&q, st, S_DEVICE_LIST, "tl", after, sql_limit(limit));
	while (!err && query_next(&q, &err) && !(err = row_device(q.s, &d)))
		err = fn(arg, &d);
	return query_close(&q, err);
}

int store_device_count(struct store *st, long *count)
{
	return count_query(st, S_DEVICE_COUNT, count);
}

/* ---- EM dynamic state ----------------------------------------------------------------------- */

static int row_em(sqlite3_stmt *s, void *row)
{
	struct store_em_state *e = row;
	int err;

	if ((err = col_text(s, 0, e->device, sizeof(e->device))) ||
	    (err = col_text(s, 1, e->user_id, sizeof(e->user_id))) ||
	    (err = col_text(s, 2, e->profile, sizeof(e->profile))) ||
	    (err = col_text(s, 5, e->last_user_id, sizeof(e->last_user_id))) ||
	    (err = col_text(s, 7, e->remote_cluster, sizeof(e->remote_cluster))) ||
	    (err = col_text(s, 8, e->remote_ip, sizeof(e->remote_ip))))
		return err;
	e->login_time = sqlite3_column_int64(s, 3);
	e->login_duration = sqlite3_column_int64(s, 4);
	e->emcc_role = sqlite3_column_int(s, 6);
	return 0;
}

int store_em_state_get(struct store *st, const char *device, struct store_em_state *out)
{
	if (!st || !out || !key_ok(device))
		return EINVAL;
	return get_by_key(st, S_EM_GET, device, row_em, out);
}

int store_em_state_put(struct store *st, const struct store_em_state *e)
{
	char user[LIM_ID_MAX], last[LIM_ID_MAX];

	if (!write_ok(st) || !e || !key_ok(e->device) || user_key(e->user_id, user, 1) ||
	    !fits(e->profile, sizeof(e->profile)) || user_key(e->last_user_id, last, 1) ||
	    !fits(e->remote_cluster, sizeof(e->remote_cluster)) ||
	    !fits(e->remote_ip, sizeof(e->remote_ip)) || e->login_duration < 0 ||
	    e->emcc_role < STORE_EMCC_NONE || e->emcc_role > STORE_EMCC_HOME)
		return EINVAL;
	return exec_write(st, S_EM_PUT, WRITE_ANY, "tttlltitt", e->device, user, e->profile,
			  e->login_time, e->login_duration, last, e->emcc_role, e->remote_cluster,
			  e->remote_ip);
}

static int em_walk(struct store *st, enum stmt_id id, const char *user,
		   int (*fn)(void *arg, const struct store_em_state *s), void *arg)
{
	struct store_em_state e;
	struct query q;
	int err;

	err = query_open(&q, st, id, user ? "t" : "", user);
	while (!err && query_next(&q, &err) && !(err = row_em(q.s, &e)))
		err = fn(arg, &e);
	return query_close(&q, err);
}

int store_em_state_by_user(struct store *st, const char *user_id,
			   int (*fn)(void *arg, const struct store_em_state *s), void *arg)
{
	char user[LIM_ID_MAX];

	/* "" would list the logged-out rows; store_em_state_logged_in is the walk for "anyone" */
	if (!st || !fn || user_key(user_id, user, 0))
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
	return count_query(st, S_EM_COUNT, count);
}

/* ---- scheduled logouts ---------------------------------------------------------------------- */

int store_logout_schedule(struct store *st, const char *device, int64_t due)
{
	if (!write_ok(st) || !key_ok(device))
		return EINVAL;
	return exec_write(st, S_LO_SCHEDULE, WRITE_ANY, "tl", device, due);
}

int store_logout_cancel(struct store *st, const char *device)
{
	if (!write_ok(st) || !key_ok(device))
		return EINVAL;
	return exec_write(st, S_LO_CANCEL, WRITE_ANY, "t", device);
}

int store_logout_due(struct store *st, int64_t now, char (*names)[LIM_ID_MAX], size_t max,
		     size_t *n)
{
	struct query q;
	size_t got = 0;
	int err;

	if (!st || !n || (max && !names))
		return EINVAL;
	*n = 0;
	if (max == 0)
		return 0;
	err = query_open(&q, st, S_LO_DUE, "ll", now, sql_limit(max));
	while (!err && got < max && query_next(&q, &err) &&
	       !(err = col_text(q.s, 0, names[got], LIM_ID_MAX)))
		got++;
	if (!err)
		*n = got;
	return query_close(&q, err);
}

int store_logout_next(struct store *st, int64_t *due)
{
	struct query q;
	int err;

	if (!st || !due)
		return EINVAL;
	if (!(err = query_open(&q, st, S_LO_NEXT, "")) && !(err = step_row(q.s)))
		*due = sqlite3_column_int64(q.s, 0);
	return query_close(&q, err);
}

int store_logout_count(struct store *st, long *count)
{
	return count_query(st, S_LO_COUNT, count);
}

/* ---- audit trail ---------------------------------------------------------------------------- */

int store_audit_add(struct store *st, const struct store_audit *a)
{
	if (!write_ok(st) || !a || !fits(a->action, sizeof(a->action)) ||
	    !fits(a->user_id, sizeof(a->user_id)) || !fits(a->device, sizeof(a->device)) ||
	    !fits(a->source, sizeof(a->source)) || !fits(a->remote_ip, sizeof(a->remote_ip)) ||
	    !fits(a->detail, sizeof(a->detail)))
		return EINVAL;
	/* reqno is stored in SQLite's signed 64-bit integer and cast back on read */
	return exec_write(st, S_AUDIT_ADD, WRITE_ANY, "ltttttitl", a->time_ms, a->action,
			  a->user_id, a->device, a->source, a->remote_ip, a->code, a->detail,
			  (int64_t)a->reqno);
}

static int row_audit(sqlite3_stmt *s, void *row)
{
	struct store_audit *a = row;
	int err;

	a->id = sqlite3_column_int64(s, 0);
	a->time_ms = sqlite3_column_int64(s, 1);
	if ((err = col_text(s, 2, a->action, sizeof(a->action))) ||
	    (err = col_text(s, 3, a->user_id, sizeof(a->user_id))) ||
	    (err = col_text(s, 4, a->device, sizeof(a->device))) ||
	    (err = col_text(s, 5, a->source, sizeof(a->source))) ||
	    (err = col_text(s, 6, a->remote_ip, sizeof(a->remote_ip))) ||
	    (err = col_text(s, 8, a->detail, sizeof(a->detail))))
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
	struct query q;
	int err;

	if (!user_id)
		user_id = "";
	if (!device)
		device = "";
	if (!st || !fn || !fits(user_id, LIM_ID_MAX) || !fits(device, LIM_ID_MAX))
		return EINVAL;
	id = user_id[0] ? (device[0] ? S_AUDIT_BOTH : S_AUDIT_USER)
			: (device[0] ? S_AUDIT_DEVICE : S_AUDIT_ALL);
	err = query_open(&q, st, id, "");
	/* bind by number: each variant uses only some of ?1..?3 */
	if (!err && user_id[0])
		err = map_rc(sqlite3_bind_text(q.s, 1, user_id, -1, SQLITE_STATIC));
	if (!err && device[0])
		err = map_rc(sqlite3_bind_text(q.s, 2, device, -1, SQLITE_STATIC));
	if (!err)
		err = map_rc(sqlite3_bind_int64(q.s, 3, sql_limit(limit)));
	while (!err && query_next(&q, &err) && !(err = row_audit(q.s, &a)))
		err = fn(arg, &a);
	return query_close(&q, err);
}

/* ---- parameters ----------------------------------------------------------------------------- */

int store_param_get(struct store *st, const char *name, char *value, size_t len)
{
	if (!st || !key_ok(name) || !value || len == 0)
		return EINVAL;
	return get_text(st, S_PARAM_GET, name, value, len);
}

int store_param_set(struct store *st, const char *name, const char *value)
{
	if (!write_ok(st) || !key_ok(name) || !fits(value, PARAM_VALUE_MAX))
		return EINVAL;
	return exec_write(st, S_PARAM_SET, WRITE_ANY, "tt", name, value);
}

int store_param_list(struct store *st, int (*fn)(void *arg, const char *name, const char *value),
		     void *arg)
{
	struct query q;
	int err;

	if (!st || !fn)
		return EINVAL;
	err = query_open(&q, st, S_PARAM_LIST, "");
	while (!err && query_next(&q, &err)) {
		const char *name = (const char *)sqlite3_column_text(q.s, 0);
		const char *value = (const char *)sqlite3_column_text(q.s, 1);

		err = name && value ? fn(arg, name, value) : EIO;
	}
	return query_close(&q, err);
}

/* ==== EMCC ==================================================================================== */

/* A certificate fingerprint as the schema keeps it: 64 hex digits folded to lowercase, or ""
 * when allow_empty. Anything else (the colon form included) is EINVAL. */
static int sha256_key(const char *in, char out[LIM_SHA256_HEX], int allow_empty)
{
	size_t i;

	if (!fits(in, LIM_SHA256_HEX))
		return EINVAL;
	if (in[0] == '\0') {
		out[0] = '\0';
		return allow_empty ? 0 : EINVAL;
	}
	for (i = 0; in[i]; i++) {
		char c = in[i];

		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return EINVAL;
		out[i] = c;
	}
	out[i] = '\0';
	return i == LIM_SHA256_HEX - 1 ? 0 : EINVAL;
}

/* "" means "unknown"; the schema's CHECK refuses the rest of the unknown words. */
static const char *rc_status(const char *status)
{
	return status[0] ? status : "unknown";
}

/* ---- remote clusters ------------------------------------------------------------------------ */

static int row_rc(sqlite3_stmt *s, void *row)
{
	struct store_remote_cluster *rc = row;
	int err;

	if ((err = col_text(s, 0, rc->id, sizeof(rc->id))) ||
	    (err = col_text(s, 1, rc->address, sizeof(rc->address))) ||
	    (err = col_text(s, 6, rc->cert_pem, sizeof(rc->cert_pem))) ||
	    (err = col_text(s, 7, rc->cert_sha256, sizeof(rc->cert_sha256))) ||
	    (err = col_text(s, 8, rc->status, sizeof(rc->status))) ||
	    (err = col_text(s, 9, rc->version, sizeof(rc->version))) ||
	    (err = col_text(s, 11, rc->last_error, sizeof(rc->last_error))))
		return err;
	rc->emcc_enabled = sqlite3_column_int(s, 2);
	rc->pstn_enabled = sqlite3_column_int(s, 3);
	rc->rsvp_enabled = sqlite3_column_int(s, 4);
	rc->tftp_enabled = sqlite3_column_int(s, 5);
	rc->last_update_ms = sqlite3_column_int64(s, 10);
	return 0;
}

int store_remote_cluster_get(struct store *st, const char *id, struct store_remote_cluster *out)
{
	if (!st || !out || !key_ok(id))
		return EINVAL;
	return get_by_key(st, S_RC_GET, id, row_rc, out);
}

int store_remote_cluster_by_fingerprint(struct store *st, const char *sha256,
					struct store_remote_cluster *out)
{
	char fp[LIM_SHA256_HEX];

	if (!st || !out || sha256_key(sha256, fp, 0))
		return EINVAL;
	return get_by_key(st, S_RC_BY_FP, fp, row_rc, out);
}

static int rc_write(struct store *st, enum stmt_id id, const struct store_remote_cluster *rc)
{
	char fp[LIM_SHA256_HEX];

	if (!write_ok(st) || !rc || !key_ok(rc->id) || !fits(rc->address, sizeof(rc->address)) ||
	    !fits(rc->cert_pem, sizeof(rc->cert_pem)) || sha256_key(rc->cert_sha256, fp, 1) ||
	    !fits(rc->status, sizeof(rc->status)) || !fits(rc->version, sizeof(rc->version)) ||
	    !fits(rc->last_error, sizeof(rc->last_error)))
		return EINVAL;
	/* empty address, bad status, a pem without a fingerprint: EINVAL from the CHECKs */
	return exec_write(st, id, id == S_RC_UPDATE ? WRITE_CHANGED : WRITE_ANY, "ttiiiittttlt",
			  rc->id, rc->address, !!rc->emcc_enabled, !!rc->pstn_enabled,
			  !!rc->rsvp_enabled, !!rc->tftp_enabled, rc->cert_pem, fp,
			  rc_status(rc->status), rc->version, rc->last_update_ms, rc->last_error);
}

int store_remote_cluster_insert(struct store *st, const struct store_remote_cluster *rc)
{
	return rc_write(st, S_RC_INSERT, rc);
}

int store_remote_cluster_update(struct store *st, const struct store_remote_cluster *rc)
{
	return rc_write(st, S_RC_UPDATE, rc);
}

int store_remote_cluster_set_status(struct store *st, const char *id, const char *status,
				    const char *version, int64_t last_update_ms,
				    const char *last_error)
{
	if (!write_ok(st) || !key_ok(id) || !fits(status, 16) || !fits(version, LIM_TEXT_MAX) ||
	    !fits(last_error, LIM_TEXT_MAX))
		return EINVAL;
	return exec_write(st, S_RC_STATUS, WRITE_CHANGED, "tttlt", id, rc_status(status), version,
			  last_update_ms, last_error);
}

int store_remote_cluster_delete(struct store *st, const char *id)
{
	/* its outbox rows go by ON DELETE CASCADE */
	return delete_by_key(st, S_RC_DELETE, id);
}

int store_remote_cluster_list(struct store *st, const char *after, size_t limit,
			      int (*fn)(void *arg, const struct store_remote_cluster *rc),
			      void *arg)
{
	struct store_remote_cluster *rc = NULL;
	struct query q;
	int err;

	if (!after)
		after = "";
	if (!st || !fn || !fits(after, LIM_ID_MAX))
		return EINVAL;
	/* 17 KiB with its certificate: on the heap, list callbacks may run on small stacks */
	if (!(rc = malloc(sizeof(*rc))))
		return EIO;
	err = query_open(&q, st, S_RC_LIST, "tl", after, sql_limit(limit));
	while (!err && query_next(&q, &err) && !(err = row_rc(q.s, rc)))
		err = fn(arg, rc);
	free(rc);
	return query_close(&q, err);
}

int store_remote_cluster_count(struct store *st, long *count)
{
	return count_query(st, S_RC_COUNT, count);
}

/* ---- EMCC home devices ---------------------------------------------------------------------- */

static int row_hd(sqlite3_stmt *s, void *row)
{
	struct store_emcc_home_device *hd = row;
	int err;

	if ((err = col_text(s, 0, hd->device, sizeof(hd->device))) ||
	    (err = col_text(s, 1, hd->user_id, sizeof(hd->user_id))) ||
	    (err = col_text(s, 2, hd->profile, sizeof(hd->profile))) ||
	    (err = col_text(s, 3, hd->visiting_cluster, sizeof(hd->visiting_cluster))) ||
	    (err = col_text(s, 4, hd->model, sizeof(hd->model))) ||
	    (err = col_text(s, 5, hd->protocol, sizeof(hd->protocol))) ||
	    (err = col_text(s, 9, hd->config_version, sizeof(hd->config_version))))
		return err;
	hd->security_mode = sqlite3_column_int(s, 6);
	hd->login_time = sqlite3_column_int64(s, 7);
	hd->login_duration = sqlite3_column_int64(s, 8);
	hd->created_ms = sqlite3_column_int64(s, 10);
	return 0;
}

int store_emcc_home_device_get(struct store *st, const char *device,
			       struct store_emcc_home_device *out)
{
	if (!st || !out || !key_ok(device))
		return EINVAL;
	return get_by_key(st, S_HD_GET, device, row_hd, out);
}

int store_emcc_home_device_put(struct store *st, const struct store_emcc_home_device *hd)
{
	char user[LIM_ID_MAX];

	if (!write_ok(st) || !hd || !key_ok(hd->device) || user_key(hd->user_id, user, 0) ||
	    !fits(hd->profile, sizeof(hd->profile)) || !key_ok(hd->visiting_cluster) ||
	    !fits(hd->model, sizeof(hd->model)) || !fits(hd->protocol, sizeof(hd->protocol)) ||
	    !fits(hd->config_version, sizeof(hd->config_version)) || hd->login_duration < 0)
		return EINVAL;
	/* protocol and security_mode are checked by the schema */
	return exec_write(st, S_HD_PUT, WRITE_ANY, "ttttttilltl", hd->device, user, hd->profile,
			  hd->visiting_cluster, hd->model, hd->protocol, hd->security_mode,
			  hd->login_time, hd->login_duration, hd->config_version, hd->created_ms);
}

int store_emcc_home_device_delete(struct store *st, const char *device)
{
	return delete_by_key(st, S_HD_DELETE, device);
}

static int hd_walk(struct store *st, enum stmt_id id, const char *key, size_t limit,
		   int (*fn)(void *arg, const struct store_emcc_home_device *hd), void *arg)
{
	struct store_emcc_home_device hd;
	struct query q;
	int err;

	/* only the list has a LIMIT */
	err = query_open(&q, st, id, id == S_HD_LIST ? "tl" : "t", key, sql_limit(limit));
	while (!err && query_next(&q, &err) && !(err = row_hd(q.s, &hd)))
		err = fn(arg, &hd);
	return query_close(&q, err);
}

int store_emcc_home_device_list(struct store *st, const char *after, size_t limit,
				int (*fn)(void *arg, const struct store_emcc_home_device *hd),
				void *arg)
{
	if (!after)
		after = "";
	if (!st || !fn || !fits(after, LIM_ID_MAX))
		return EINVAL;
	return hd_walk(st, S_HD_LIST, after, limit, fn, arg);
}

int store_emcc_home_device_by_user(struct store *st, const char *user_id,
				   int (*fn)(void *arg, const struct store_emcc_home_device *hd),
				   void *arg)
{
	char user[LIM_ID_MAX];

	if (!st || !fn || user_key(user_id, user, 0))
		return EINVAL;
	return hd_walk(st, S_HD_BY_USER, user, 0, fn, arg);
}

int store_emcc_home_device_count(struct store *st, long *count)
{
	return count_query(st, S_HD_COUNT, count);
}

/* ---- EMCC visits ---------------------------------------------------------------------------- */

static int row_visit(sqlite3_stmt *s, void *row)
{
	struct store_emcc_visit *v = row;
	int err;

	if ((err = col_text(s, 0, v->device, sizeof(v->device))) ||
	    (err = col_text(s, 1, v->user_id, sizeof(v->user_id))) ||
	    (err = col_text(s, 2, v->home_cluster, sizeof(v->home_cluster))) ||
	    (err = col_text(s, 3, v->home_tftp, sizeof(v->home_tftp))) ||
	    (err = col_text(s, 4, v->home_call_manager, sizeof(v->home_call_manager))) ||
	    (err = col_text(s, 5, v->home_tvs, sizeof(v->home_tvs))) ||
	    (err = col_text(s, 8, v->config_version, sizeof(v->config_version))))
		return err;
	v->login_time = sqlite3_column_int64(s, 6);
	v->login_duration = sqlite3_column_int64(s, 7);
	return 0;
}

int store_emcc_visit_get(struct store *st, const char *device, struct store_emcc_visit *out)
{
	if (!st || !out || !key_ok(device))
		return EINVAL;
	return get_by_key(st, S_VISIT_GET, device, row_visit, out);
}

int store_emcc_visit_put(struct store *st, const struct store_emcc_visit *v)
{
	char user[LIM_ID_MAX];

	if (!write_ok(st) || !v || !key_ok(v->device) || user_key(v->user_id, user, 0) ||
	    !key_ok(v->home_cluster) || !fits(v->home_tftp, sizeof(v->home_tftp)) ||
	    !fits(v->home_call_manager, sizeof(v->home_call_manager)) ||
	    !fits(v->home_tvs, sizeof(v->home_tvs)) ||
	    !fits(v->config_version, sizeof(v->config_version)) || v->login_duration < 0)
		return EINVAL;
	/* ENOENT (foreign key) when the device is not one of ours */
	return exec_write(st, S_VISIT_PUT, WRITE_ANY, "ttttttllt", v->device, user, v->home_cluster,
			  v->home_tftp, v->home_call_manager, v->home_tvs, v->login_time,
			  v->login_duration, v->config_version);
}

int store_emcc_visit_delete(struct store *st, const char *device)
{
	return delete_by_key(st, S_VISIT_DELETE, device);
}

int store_emcc_visit_list(struct store *st, const char *after, size_t limit,
			  int (*fn)(void *arg, const struct store_emcc_visit *v), void *arg)
{
	struct store_emcc_visit v;
	struct query q;
	int err;

	if (!after)
		after = "";
	if (!st || !fn || !fits(after, LIM_ID_MAX))
		return EINVAL;
	err = query_open(&q, st, S_VISIT_LIST, "tl", after, sql_limit(limit));
	while (!err && query_next(&q, &err) && !(err = row_visit(q.s, &v)))
		err = fn(arg, &v);
	return query_close(&q, err);
}

/* ---- EMCC outbox ---------------------------------------------------------------------------- */

static int row_outbox(sqlite3_stmt *s, struct store_emcc_outbox *o)
{
	int err;

	o->id = sqlite3_column_int64(s, 0);
	if ((err = col_text(s, 1, o->cluster, sizeof(o->cluster))) ||
	    (err = col_text(s, 2, o->kind, sizeof(o->kind))) ||
	    (err = col_text(s, 3, o->device, sizeof(o->device))) ||
	    (err = col_text(s, 4, o->user_id, sizeof(o->user_id))) ||
	    (err = col_text(s, 5, o->reason, sizeof(o->reason))))
		return err;
	o->attempts = sqlite3_column_int(s, 6);
	o->next_attempt_ms = sqlite3_column_int64(s, 7);
	o->created_ms = sqlite3_column_int64(s, 8);
	return 0;
}

int store_emcc_outbox_add(struct store *st, const struct store_emcc_outbox *o, int64_t *id)
{
	char user[LIM_ID_MAX];
	int err;

	if (!write_ok(st) || !o || !key_ok(o->cluster) || !fits(o->kind, sizeof(o->kind)) ||
	    !key_ok(o->device) || user_key(o->user_id, user, 1) ||
	    !fits(o->reason, sizeof(o->reason)) || o->attempts < 0)
		return EINVAL;
	/* kind is checked by the schema; an unknown cluster is ENOENT (foreign key) */
	if ((err = exec_write(st, S_OB_ADD, WRITE_ANY, "tttttill", o->cluster, o->kind, o->device,
			      user, o->reason, o->attempts, o->next_attempt_ms, o->created_ms)))
		return err;
	if (id)
		*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_emcc_outbox_due(struct store *st, int64_t now_ms, size_t limit,
			  int (*fn)(void *arg, const struct store_emcc_outbox *o), void *arg)
{
	struct store_emcc_outbox o;
	struct query q;
	int err;

	if (!st || !fn)
		return EINVAL;
	err = query_open(&q, st, S_OB_DUE, "ll", now_ms, sql_limit(limit));
	while (!err && query_next(&q, &err) && !(err = row_outbox(q.s, &o)))
		err = fn(arg, &o);
	return query_close(&q, err);
}

int store_emcc_outbox_attempted(struct store *st, int64_t id, int64_t next_attempt_ms)
{
	if (!write_ok(st))
		return EINVAL;
	return exec_write(st, S_OB_ATTEMPTED, WRITE_CHANGED, "ll", id, next_attempt_ms);
}

int store_emcc_outbox_delete(struct store *st, int64_t id)
{
	if (!write_ok(st))
		return EINVAL;
	return exec_write(st, S_OB_DELETE, WRITE_CHANGED, "l", id);
}

int store_emcc_outbox_delete_for(struct store *st, const char *cluster, const char *device,
				 long *deleted)
{
	struct query q;
	int err;

	if (!write_ok(st) || !key_ok(cluster) || !key_ok(device))
		return EINVAL;
	if (!(err = query_open(&q, st, S_OB_DELETE_FOR, "tt", cluster, device)) &&
	    !(err = step_done(q.s)) && deleted)
		*deleted = (long)sqlite3_changes(st->db);
	return query_close(&q, err);
}

int store_emcc_outbox_count(struct store *st, long *count)
{
	return count_query(st, S_OB_COUNT, count);
}

/* ---- config versions ------------------------------------------------------------------------ */

int store_config_version_get(struct store *st, const char *device, char *version, size_t len,
			     int64_t *updated_ms)
{
	struct query q;
	int err;

	if (!st || !key_ok(device) || !version || len == 0)
		return EINVAL;
	if (!(err = query_open(&q, st, S_CV_GET, "t", device)) && !(err = step_row(q.s))) {
		if (col_text(q.s, 0, version, len))
			err = EINVAL; /* the caller's buffer is too small */
		else if (updated_ms)
			*updated_ms = sqlite3_column_int64(q.s, 1);
	}
	return query_close(&q, err);
}

int store_config_version_set(struct store *st, const char *device, const char *version,
			     int64_t updated_ms)
{
	if (!write_ok(st) || !key_ok(device) || !key_ok(version))
		return EINVAL;
	return exec_write(st, S_CV_SET, WRITE_ANY, "ttl", device, version, updated_ms);
}
