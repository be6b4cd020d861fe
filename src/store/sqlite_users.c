/* sqlite_users.c -- the SQLite backend for end users and application users. */
#include "store/sqlite_int.h"

#include <errno.h>

#define USER_COLS                                                                                  \
	"id, name, password_hash, pin_hash, primary_extension, em_proxy_rights, emcc_enabled, "    \
	"max_login_minutes, failed_logons, locked_until"
#define APP_COLS "id, password_hash, em_proxy_rights"

/* ---- end users ------------------------------------------------------------------------------ */

static int row_user(sqlite3_stmt *s, void *row)
{
	struct store_user *u = row;
	int err;

	if ((err = sqlite_col_text(s, 0, u->id, sizeof(u->id))) ||
	    (err = sqlite_col_text(s, 1, u->name, sizeof(u->name))) ||
	    (err = sqlite_col_text(s, 2, u->password_hash, sizeof(u->password_hash))) ||
	    (err = sqlite_col_text(s, 3, u->pin_hash, sizeof(u->pin_hash))) ||
	    (err = sqlite_col_text(s, 4, u->primary_extension, sizeof(u->primary_extension))))
		return err;
	u->em_proxy_rights = sqlite3_column_int(s, 5);
	u->emcc_enabled = sqlite3_column_int(s, 6);
	u->max_login_minutes = sqlite3_column_int(s, 7);
	u->failed_logons = sqlite3_column_int(s, 8);
	u->locked_until = sqlite3_column_int64(s, 9);
	return 0;
}

static const char sql_user_get[] = "SELECT " USER_COLS " FROM users WHERE id = ?1";

int store_user_get(struct store *st, const char *id, struct store_user *out)
{
	char key[LIM_ID_MAX];

	if (!st || !out || sqlite_user_key(id, key, 0))
		return EINVAL;
	return sqlite_get(st, sql_user_get, key, row_user, out);
}

/* Counts in the same statement so the answer is one consistent snapshot. */
static const char sql_user_by_ext[] =
    "SELECT " USER_COLS ", (SELECT count(*) FROM users WHERE "
    "primary_extension = ?1) FROM users WHERE primary_extension = ?1 ORDER BY id LIMIT 1";

int store_user_find_by_extension(struct store *st, const char *dn, struct store_user *out,
				 int *matches)
{
	struct sqlite_query q;
	int err;

	if (!st || !out || !sqlite_key_ok(dn))
		return EINVAL;
	if (matches)
		*matches = 0;
	if (!(err = sqlite_query_open(&q, st, sql_user_by_ext, "t", dn)) &&
	    !(err = sqlite_step_row(q.s)) && !(err = row_user(q.s, out)) && matches)
		*matches = sqlite3_column_int(q.s, 10);
	return sqlite_query_close(&q, err);
}

static int user_valid(const struct store_user *u)
{
	return u && sqlite_key_ok(u->id) && sqlite_fits(u->name, sizeof(u->name)) &&
	       sqlite_fits(u->password_hash, sizeof(u->password_hash)) &&
	       sqlite_fits(u->pin_hash, sizeof(u->pin_hash)) &&
	       sqlite_fits(u->primary_extension, sizeof(u->primary_extension)) &&
	       u->max_login_minutes >= -1 && u->failed_logons >= 0 && u->locked_until >= 0;
}

static int user_write(struct store *st, const char *sql, enum write_check check,
		      const struct store_user *u)
{
	char key[LIM_ID_MAX];

	if (!sqlite_write_ok(st) || !user_valid(u) || sqlite_user_key(u->id, key, 0))
		return EINVAL;
	return sqlite_write(st, sql, check, "tttttiiiil", key, u->name, u->password_hash,
			    u->pin_hash, u->primary_extension, !!u->em_proxy_rights,
			    !!u->emcc_enabled, u->max_login_minutes, u->failed_logons,
			    u->locked_until);
}

static const char sql_user_insert[] =
    "INSERT INTO users (" USER_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char sql_user_update[] =
    "UPDATE users SET name = ?2, password_hash = ?3, pin_hash = ?4, "
    "primary_extension = ?5, em_proxy_rights = ?6, emcc_enabled = ?7, "
    "max_login_minutes = ?8, failed_logons = ?9, locked_until = ?10 WHERE id = ?1";

int store_user_insert(struct store *st, const struct store_user *u)
{
	return user_write(st, sql_user_insert, WRITE_ANY, u);
}

int store_user_update(struct store *st, const struct store_user *u)
{
	return user_write(st, sql_user_update, WRITE_CHANGED, u);
}

static const char sql_user_delete[] = "DELETE FROM users WHERE id = ?1";

int store_user_delete(struct store *st, const char *id)
{
	char key[LIM_ID_MAX];

	if (sqlite_user_key(id, key, 0))
		return EINVAL;
	return sqlite_delete(st, sql_user_delete, key);
}

static const char sql_user_list[] =
    "SELECT " USER_COLS " FROM users WHERE id > ?1 ORDER BY id LIMIT ?2";

int store_user_list(struct store *st, const char *after, size_t limit,
		    int (*fn)(void *arg, const struct store_user *u), void *arg)
{
	char from[LIM_ID_MAX];
	struct store_user u;
	struct sqlite_query q;
	int err;

	if (!st || !fn || sqlite_user_key(after ? after : "", from, 1))
		return EINVAL;
	err = sqlite_query_open(&q, st, sql_user_list, "tl", from, sqlite_limit(limit));
	while (!err && sqlite_query_next(&q, &err) && !(err = row_user(q.s, &u)))
		err = fn(arg, &u);
	return sqlite_query_close(&q, err);
}

static const char sql_user_count[] = "SELECT count(*) FROM users";

int store_user_count(struct store *st, long *count)
{
	return sqlite_count(st, sql_user_count, count);
}

/* ---- application users ---------------------------------------------------------------------- */

static int row_app(sqlite3_stmt *s, void *row)
{
	struct store_app_user *a = row;
	int err;

	if ((err = sqlite_col_text(s, 0, a->id, sizeof(a->id))) ||
	    (err = sqlite_col_text(s, 1, a->password_hash, sizeof(a->password_hash))))
		return err;
	a->em_proxy_rights = sqlite3_column_int(s, 2);
	return 0;
}

static const char sql_app_get[] = "SELECT " APP_COLS " FROM app_users WHERE id = ?1";

int store_app_user_get(struct store *st, const char *id, struct store_app_user *out)
{
	if (!st || !out || !sqlite_key_ok(id))
		return EINVAL;
	return sqlite_get(st, sql_app_get, id, row_app, out);
}

static int app_write(struct store *st, const char *sql, enum write_check check,
		     const struct store_app_user *a)
{
	if (!sqlite_write_ok(st) || !a || !sqlite_key_ok(a->id) ||
	    !sqlite_fits(a->password_hash, sizeof(a->password_hash)))
		return EINVAL;
	return sqlite_write(st, sql, check, "tti", a->id, a->password_hash, !!a->em_proxy_rights);
}

static const char sql_app_insert[] = "INSERT INTO app_users (" APP_COLS ") VALUES (?1, ?2, ?3)";
static const char sql_app_update[] =
    "UPDATE app_users SET password_hash = ?2, em_proxy_rights = ?3 WHERE id = ?1";

int store_app_user_insert(struct store *st, const struct store_app_user *a)
{
	return app_write(st, sql_app_insert, WRITE_ANY, a);
}

int store_app_user_update(struct store *st, const struct store_app_user *a)
{
	return app_write(st, sql_app_update, WRITE_CHANGED, a);
}

static const char sql_app_delete[] = "DELETE FROM app_users WHERE id = ?1";

int store_app_user_delete(struct store *st, const char *id)
{
	return sqlite_delete(st, sql_app_delete, id);
}

static const char sql_app_list[] = "SELECT " APP_COLS " FROM app_users ORDER BY id";

int store_app_user_list(struct store *st, int (*fn)(void *arg, const struct store_app_user *a),
			void *arg)
{
	struct store_app_user a;
	struct sqlite_query q;
	int err;

	if (!st || !fn)
		return EINVAL;
	err = sqlite_query_open(&q, st, sql_app_list, "");
	while (!err && sqlite_query_next(&q, &err) && !(err = row_app(q.s, &a)))
		err = fn(arg, &a);
	return sqlite_query_close(&q, err);
}
