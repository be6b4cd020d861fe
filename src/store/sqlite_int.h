/* sqlite_int.h -- internals shared by the files of the SQLite backend: struct store, the statement
 * helpers every domain file runs its SQL through, column copies for row readers, key checks.
 *
 * Not part of the contract (store.h is); only src/store/sqlite*.c include this. */
#ifndef EMCC_STORE_SQLITE_INT_H
#define EMCC_STORE_SQLITE_INT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

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

struct sqlite_wlock;

struct store {
	sqlite3 *db;
	struct sqlite_wlock *wl;
	int in_tx;    /* between store_begin and store_commit/rollback; wl->mu is held */
	int batch;    /* between store_batch_begin and store_batch_commit */
	int batch_tx; /* the batch's own transaction is open (and wl->mu held) */
	int version;
	sqlite3_stmt *stmts[S_COUNT]; /* prepared on first use, kept until store_close */
};

/* ---- sqlite.c: transactions ---------------------------------------------------------------- */

/* Writes need an open transaction; the autocommit check catches one SQLite ended on its own
 * (after an I/O error or a full disk), where a write would otherwise commit by itself. */
int sqlite_write_ok(struct store *st);
/* A savepoint around a multi-statement write. sqlite_savepoint_end keeps it on err == 0 and
 * undoes it otherwise, so a write that fails half-way leaves the transaction as it was; it
 * returns err, or the release's own error. */
int sqlite_savepoint(struct store *st);
int sqlite_savepoint_end(struct store *st, int err);

/* ---- sqlite_stmt.c: statements -------------------------------------------------------------- */

/* An SQLite result code as a store.h error: 0, EEXIST, ENOENT, EINVAL, EBUSY or EIO. */
int sqlite_map_rc(int rc);

/* One use of a cached statement: sqlite_query_open takes it and binds parameters 1..n per fmt,
 * one letter each: 't' text (NUL-terminated, bound without a copy: the caller's string outlives
 * the statement's use), 'i' int, 'l' int64. sqlite_query_close puts it back; it passes err
 * through and is safe after a failed open, so each function that runs a statement ends in
 * "return sqlite_query_close(&q, err);". */
struct sqlite_query {
	struct store *st;
	enum stmt_id id;
	sqlite3_stmt *s;
};
int sqlite_query_open(struct sqlite_query *q, struct store *st, enum stmt_id id, const char *fmt,
		      ...);
/* Steps a walk: 1 with the next row ready; 0 at its end, with *err 0 or the step's error. A walk
 * reads "while (!err && sqlite_query_next(&q, &err) && !(err = read the row)) err = fn(...);". */
int sqlite_query_next(struct sqlite_query *q, int *err);
int sqlite_query_close(struct sqlite_query *q, int err);

/* Runs a statement that returns no rows. */
int sqlite_step_done(sqlite3_stmt *s);
/* Runs a single-row statement: 0 with the row ready, ENOENT if none. */
int sqlite_step_row(sqlite3_stmt *s);

/* Fills the struct at row from the current row of a statement. */
typedef int sqlite_row_reader(sqlite3_stmt *s, void *row);

/* Runs a statement bound to one text key that returns at most one row, read into out: ENOENT
 * when there is none. */
int sqlite_get(struct store *st, enum stmt_id id, const char *key, sqlite_row_reader *reader,
	       void *out);
/* Runs a statement bound to one text key whose first column is copied into the caller's buffer:
 * ENOENT without a row, EINVAL when the buffer is too small. */
int sqlite_get_text(struct store *st, enum stmt_id id, const char *key, char *buf, size_t len);
/* Runs a statement bound per fmt: 0 when it returns a row, ENOENT when it returns none. */
int sqlite_exists(struct store *st, enum stmt_id id, const char *fmt, ...);
/* Runs a "SELECT count(*)" statement without parameters. */
int sqlite_count(struct store *st, enum stmt_id id, long *count);

/* What a statement that returns no rows must have done: WRITE_ANY for inserts, upserts and
 * deletes of whatever matches; WRITE_CHANGED for updates and deletes of one named row, which
 * are ENOENT when they changed nothing. */
enum write_check { WRITE_ANY, WRITE_CHANGED };
/* Prepares (or reuses), binds per fmt and runs a statement that returns no rows. */
int sqlite_write(struct store *st, enum stmt_id id, enum write_check check, const char *fmt, ...);
/* Runs a statement keyed by one text parameter that must change a row (updates, deletes), inside
 * a transaction. */
int sqlite_delete(struct store *st, enum stmt_id id, const char *key);

/* ---- sqlite_stmt.c: columns and keys -------------------------------------------------------- */

/* Copies a text column into a fixed field. Too long can only mean rows written by something
 * other than this code (the schema's CHECKs mirror the field sizes): report it (EIO), don't cut. */
int sqlite_col_text(sqlite3_stmt *s, int col, char *dst, size_t size);
/* A string that fits a field of `size` bytes, NUL included. */
int sqlite_fits(const char *s, size_t size);
/* A key: non-empty and fits LIM_ID_MAX. */
int sqlite_key_ok(const char *s);
/* User IDs are kept lowercase (CUCM's rule): the store folds ASCII letters itself on the way in,
 * so a caller that forgot to normalise still finds the row. UTF-8 bytes pass through. 0 or
 * EINVAL (too long, or "" unless allow_empty). */
int sqlite_user_key(const char *in, char out[LIM_ID_MAX], int allow_empty);
/* LIMIT for a walk: 0 = all (-1 in SQLite). */
int64_t sqlite_limit(size_t limit);

#endif
