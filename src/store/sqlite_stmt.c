/* sqlite_stmt.c -- the SQLite backend's statements: the per-connection cache of prepared
 * statements, binding, stepping, and the small query shapes every domain file uses. */
#include "store/sqlite_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

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

/* The cache slot of sql: its own, a free one for it, or NULL when every slot is taken. The key is
 * the address of the SQL text (every statement's text is a static array or a string literal, the
 * same object at each use), so finding it needs no string compare. */
static struct sqlite_cached *slot_of(struct store *st, const char *sql)
{
	size_t i = (size_t)((uintptr_t)sql % STMT_CACHE_SLOTS), n;

	for (n = 0; n < STMT_CACHE_SLOTS; n++, i = (i + 1) % STMT_CACHE_SLOTS) {
		if (!st->stmts[i].sql || st->stmts[i].sql == sql)
			return &st->stmts[i];
	}
	return NULL;
}

/* Takes sql's cached statement into q, preparing it on first use. If the cached one is in the
 * middle of a walk (a list callback re-entering the same query), or the cache is full, a private
 * copy is prepared instead and sqlite_query_close finalizes it. */
static int stmt_get(struct store *st, const char *sql, struct sqlite_query *q)
{
	struct sqlite_cached *c = slot_of(st, sql);
	int rc, keep = c && !c->s;

	if (c && c->s && !sqlite3_stmt_busy(c->s)) {
		q->s = c->s;
		return 0;
	}
	rc = sqlite3_prepare_v3(st->db, sql, -1, keep ? SQLITE_PREPARE_PERSISTENT : 0, &q->s, NULL);
	if (rc != SQLITE_OK)
		return sqlite_map_rc(rc);
	if (keep) {
		c->sql = sql;
		c->s = q->s;
	} else {
		q->private_copy = 1;
	}
	return 0;
}

/* Binds parameters 1..n per fmt (the letters are in sqlite_int.h, at struct sqlite_query). */
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

static int vquery_open(struct sqlite_query *q, struct store *st, const char *sql, const char *fmt,
		       va_list ap)
{
	int err;

	q->s = NULL;
	q->private_copy = 0;
	if (!(err = stmt_get(st, sql, q)))
		err = vbindf(q->s, fmt, ap);
	return err;
}

int sqlite_query_open(struct sqlite_query *q, struct store *st, const char *sql, const char *fmt,
		      ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = vquery_open(q, st, sql, fmt, ap);
	va_end(ap);
	return err;
}

int sqlite_query_close(struct sqlite_query *q, int err)
{
	if (q->private_copy) {
		sqlite3_finalize(q->s);
	} else if (q->s) {
		sqlite3_reset(q->s);
		sqlite3_clear_bindings(q->s);
	}
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

int sqlite_get(struct store *st, const char *sql, const char *key, sqlite_row_reader *reader,
	       void *out)
{
	struct sqlite_query q;
	int err;

	if (!st || !out || !sqlite_key_ok(key))
		return EINVAL;
	if (!(err = sqlite_query_open(&q, st, sql, "t", key)) && !(err = sqlite_step_row(q.s)))
		err = reader(q.s, out);
	return sqlite_query_close(&q, err);
}

int sqlite_exists(struct store *st, const char *sql, const char *fmt, ...)
{
	struct sqlite_query q;
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = vquery_open(&q, st, sql, fmt, ap);
	va_end(ap);
	if (!err)
		err = sqlite_step_row(q.s);
	return sqlite_query_close(&q, err);
}

int sqlite_write(struct store *st, const char *sql, enum write_check check, const char *fmt, ...)
{
	struct sqlite_query q;
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = vquery_open(&q, st, sql, fmt, ap);
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

int sqlite_count(struct store *st, const char *sql, long *count)
{
	struct sqlite_query q;
	int err;

	if (!st || !count)
		return EINVAL;
	if (!(err = sqlite_query_open(&q, st, sql, "")) && !(err = sqlite_step_row(q.s)))
		*count = (long)sqlite3_column_int64(q.s, 0);
	return sqlite_query_close(&q, err);
}

int sqlite_delete(struct store *st, const char *sql, const char *key)
{
	if (!sqlite_write_ok(st) || !sqlite_key_ok(key))
		return EINVAL;
	return sqlite_write(st, sql, WRITE_CHANGED, "t", key);
}

int sqlite_get_text(struct store *st, const char *sql, const char *key, char *buf, size_t len)
{
	struct sqlite_query q;
	int err;

	if (!st || !sqlite_key_ok(key) || !buf || len == 0)
		return EINVAL;
	if (!(err = sqlite_query_open(&q, st, sql, "t", key)) && !(err = sqlite_step_row(q.s)) &&
	    sqlite_col_text(q.s, 0, buf, len))
		err = EINVAL;
	return sqlite_query_close(&q, err);
}

int sqlite_page_open(struct sqlite_query *q, struct store *st, const char *sql, const char *after,
		     size_t limit)
{
	if (!after)
		after = "";
	if (!sqlite_fits(after, LIM_ID_MAX)) {
		q->s = NULL;
		q->private_copy = 0;
		return EINVAL;
	}
	return sqlite_query_open(q, st, sql, "tl", after, sqlite_limit(limit));
}
