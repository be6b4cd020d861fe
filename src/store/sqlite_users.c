/* sqlite_users.c -- the SQLite backend for end users and application users. */
#include "store/sqlite_int.h"

#include <errno.h>

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

int store_user_get(struct store *st, const char *id, struct store_user *out)
{
	char key[LIM_ID_MAX];

	if (!st || !out || sqlite_user_key(id, key, 0))
		return EINVAL;
	return sqlite_get(st, S_USER_GET, key, row_user, out);
}

int store_user_find_by_extension(struct store *st, const char *dn, struct store_user *out,
				 int *matches)
{
	struct sqlite_query q;
	int err;

	if (!st || !out || !sqlite_key_ok(dn))
		return EINVAL;
	if (matches)
		*matches = 0;
	if (!(err = sqlite_query_open(&q, st, S_USER_BY_EXT, "t", dn)) &&
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

static int user_write(struct store *st, enum stmt_id id, const struct store_user *u)
{
	char key[LIM_ID_MAX];

	if (!sqlite_write_ok(st) || !user_valid(u) || sqlite_user_key(u->id, key, 0))
		return EINVAL;
	return sqlite_write(st, id, id == S_USER_UPDATE ? WRITE_CHANGED : WRITE_ANY, "tttttiiiil",
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

	if (sqlite_user_key(id, key, 0))
		return EINVAL;
	return sqlite_delete(st, S_USER_DELETE, key);
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
	err = sqlite_query_open(&q, st, S_USER_LIST, "tl", from, sqlite_limit(limit));
	while (!err && sqlite_query_next(&q, &err) && !(err = row_user(q.s, &u)))
		err = fn(arg, &u);
	return sqlite_query_close(&q, err);
}

int store_user_count(struct store *st, long *count)
{
	return sqlite_count(st, S_USER_COUNT, count);
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

int store_app_user_get(struct store *st, const char *id, struct store_app_user *out)
{
	if (!st || !out || !sqlite_key_ok(id))
		return EINVAL;
	return sqlite_get(st, S_APP_GET, id, row_app, out);
}

static int app_write(struct store *st, enum stmt_id id, const struct store_app_user *a)
{
	if (!sqlite_write_ok(st) || !a || !sqlite_key_ok(a->id) ||
	    !sqlite_fits(a->password_hash, sizeof(a->password_hash)))
		return EINVAL;
	return sqlite_write(st, id, id == S_APP_UPDATE ? WRITE_CHANGED : WRITE_ANY, "tti", a->id,
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
	return sqlite_delete(st, S_APP_DELETE, id);
}

int store_app_user_list(struct store *st, int (*fn)(void *arg, const struct store_app_user *a),
			void *arg)
{
	struct store_app_user a;
	struct sqlite_query q;
	int err;

	if (!st || !fn)
		return EINVAL;
	err = sqlite_query_open(&q, st, S_APP_LIST, "");
	while (!err && sqlite_query_next(&q, &err) && !(err = row_app(q.s, &a)))
		err = fn(arg, &a);
	return sqlite_query_close(&q, err);
}
