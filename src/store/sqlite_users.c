/* sqlite_users.c -- the SQLite backend for end users and application users. */
#include "store/sqlite_int.h"

#include <errno.h>

/* ---- end users ------------------------------------------------------------------------------ */

#define USER_COLS                                                                                  \
	"id, name, password_hash, pin_hash, primary_extension, em_proxy_rights, emcc_enabled, "    \
	"max_login_minutes, failed_logons, locked_until"

static int row_user(sqlite3_stmt *s, void *row)
{
	struct store_user *u = row;
	int err;

	if ((err = COL_TEXT(s, 0, u->id)) || (err = COL_TEXT(s, 1, u->name)) ||
	    (err = COL_TEXT(s, 2, u->password_hash)) || (err = COL_TEXT(s, 3, u->pin_hash)) ||
	    (err = COL_TEXT(s, 4, u->primary_extension)))
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

	if (sqlite_user_key(id, key, 0))
		return EINVAL;
	return sqlite_get(st, "SELECT " USER_COLS " FROM users WHERE id = ?1", key, row_user, out);
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

/* Insert and update bind the same parameters: ?1 is the id, the rest the columns in order. */
static const char sql_user_insert[] =
    "INSERT INTO users (" USER_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char sql_user_update[] =
    "UPDATE users SET name = ?2, password_hash = ?3, pin_hash = ?4, "
    "primary_extension = ?5, em_proxy_rights = ?6, emcc_enabled = ?7, "
    "max_login_minutes = ?8, failed_logons = ?9, locked_until = ?10 WHERE id = ?1";

static int user_write(struct store *st, const char *sql, enum write_check check,
		      const struct store_user *u)
{
	char key[LIM_ID_MAX];

	if (!sqlite_write_ok(st) || !u || sqlite_user_key(u->id, key, 0) || !FIELD_FITS(u->name) ||
	    !FIELD_FITS(u->password_hash) || !FIELD_FITS(u->pin_hash) ||
	    !FIELD_FITS(u->primary_extension) || u->max_login_minutes < -1 ||
	    u->failed_logons < 0 || u->locked_until < 0)
		return EINVAL;
	return sqlite_write(st, sql, check, "tttttiiiil", key, u->name, u->password_hash,
			    u->pin_hash, u->primary_extension, !!u->em_proxy_rights,
			    !!u->emcc_enabled, u->max_login_minutes, u->failed_logons,
			    u->locked_until);
}

int store_user_insert(struct store *st, const struct store_user *u)
{
	return user_write(st, sql_user_insert, WRITE_ANY, u);
}

int store_user_update(struct store *st, const struct store_user *u)
{
	return user_write(st, sql_user_update, WRITE_CHANGED, u);
}

int store_user_delete(struct store *st, const char *id)
{
	char key[LIM_ID_MAX];

	if (sqlite_user_key(id, key, 0))
		return EINVAL;
	return sqlite_delete(st, "DELETE FROM users WHERE id = ?1", key);
}

int store_user_list(struct store *st, const char *after, size_t limit,
		    int (*fn)(void *arg, const struct store_user *u), void *arg)
{
	char from[LIM_ID_MAX];
	struct store_user u;
	struct sqlite_query q;
	int err;

	if (!st || !fn || sqlite_user_key(after ? after : "", from, 1))
		return EINVAL;
	err = sqlite_page_open(&q, st,
			       "SELECT " USER_COLS " FROM users WHERE id > ?1 ORDER BY id LIMIT ?2",
			       from, limit);
	while (!err && sqlite_query_next(&q, &err) && !(err = row_user(q.s, &u)))
		err = fn(arg, &u);
	return sqlite_query_close(&q, err);
}

int store_user_count(struct store *st, long *count)
{
	return sqlite_count(st, "SELECT count(*) FROM users", count);
}

/* ---- application users ---------------------------------------------------------------------- */

#define APP_COLS "id, password_hash, em_proxy_rights"

static int row_app(sqlite3_stmt *s, void *row)
{
	struct store_app_user *a = row;
	int err;

	if ((err = COL_TEXT(s, 0, a->id)) || (err = COL_TEXT(s, 1, a->password_hash)))
		return err;
	a->em_proxy_rights = sqlite3_column_int(s, 2);
	return 0;
}

int store_app_user_get(struct store *st, const char *id, struct store_app_user *out)
{
	return sqlite_get(st, "SELECT " APP_COLS " FROM app_users WHERE id = ?1", id, row_app, out);
}

static int app_write(struct store *st, const char *sql, enum write_check check,
		     const struct store_app_user *a)
{
	if (!sqlite_write_ok(st) || !a || !sqlite_key_ok(a->id) || !FIELD_FITS(a->password_hash))
		return EINVAL;
	return sqlite_write(st, sql, check, "tti", a->id, a->password_hash, !!a->em_proxy_rights);
}

int store_app_user_insert(struct store *st, const struct store_app_user *a)
{
	return app_write(st, "INSERT INTO app_users (" APP_COLS ") VALUES (?1, ?2, ?3)", WRITE_ANY,
			 a);
}

int store_app_user_update(struct store *st, const struct store_app_user *a)
{
	return app_write(
	    st, "UPDATE app_users SET password_hash = ?2, em_proxy_rights = ?3 WHERE id = ?1",
	    WRITE_CHANGED, a);
}

int store_app_user_delete(struct store *st, const char *id)
{
	return sqlite_delete(st, "DELETE FROM app_users WHERE id = ?1", id);
}

int store_app_user_list(struct store *st, int (*fn)(void *arg, const struct store_app_user *a),
			void *arg)
{
	struct store_app_user a;
	struct sqlite_query q;
	int err;

	if (!st || !fn)
		return EINVAL;
	err = sqlite_query_open(&q, st, "SELECT " APP_COLS " FROM app_users ORDER BY id", "");
	while (!err && sqlite_query_next(&q, &err) && !(err = row_app(q.s, &a)))
		err = fn(arg, &a);
	return sqlite_query_close(&q, err);
}
