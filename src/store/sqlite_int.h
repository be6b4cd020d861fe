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

struct sqlite_wlock;

/* Prepared statements, kept from first use until store_close, one per SQL text: about a hundred
 * today, so the cache is a fixed table with room to spare (a statement that finds it full runs
 * uncached, just slower). */
#define STMT_CACHE_SLOTS 251 /* a prime, so aligned addresses spread over the table */
struct sqlite_cached {
	const char *sql; /* the key: the address of the statement's text */
	sqlite3_stmt *s;
};

struct store {
	sqlite3 *db;
	struct sqlite_wlock *wl;
	int in_tx;    /* between store_begin and store_commit/rollback; wl->mu is held */
	int batch;    /* between store_batch_begin and store_batch_commit */
	int batch_tx; /* the batch's own transaction is open (and wl->mu held) */
	int version;
	struct sqlite_cached stmts[STMT_CACHE_SLOTS]; /* see sqlite_stmt.c */
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
 * "return sqlite_query_close(&q, err);".
 *
 * sql, here and in every helper below, is a static array (each domain file keeps its statements
 * next to the functions that run them) or a string literal: its address is the cache key, so a
 * text built at run time could later meet another statement cached under the same address. */
struct sqlite_query {
	sqlite3_stmt *s;
	int private_copy; /* not the cached statement: finalized on close */
};
int sqlite_query_open(struct sqlite_query *q, struct store *st, const char *sql, const char *fmt,
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
 * when there is none, EINVAL for a NULL st or out or a key that is not sqlite_key_ok. */
int sqlite_get(struct store *st, const char *sql, const char *key, sqlite_row_reader *reader,
	       void *out);
/* The same for a statement whose first column is copied into the caller's buffer: EINVAL also
 * when buf is NULL or too small for the value. */
int sqlite_get_text(struct store *st, const char *sql, const char *key, char *buf, size_t len);
/* Opens one page of a walk in key order: sql is "... WHERE key > ?1 ORDER BY key LIMIT ?2", after
 * the last key of the previous page (NULL = "", from the start; EINVAL when it does not fit
 * LIM_ID_MAX), limit as sqlite_limit. */
int sqlite_page_open(struct sqlite_query *q, struct store *st, const char *sql, const char *after,
		     size_t limit);
/* Runs a statement bound per fmt: 0 when it returns a row, ENOENT when it returns none. */
int sqlite_exists(struct store *st, const char *sql, const char *fmt, ...);
/* Runs a "SELECT count(*)" statement without parameters. */
int sqlite_count(struct store *st, const char *sql, long *count);

/* What a statement that returns no rows must have done: WRITE_ANY for inserts, upserts and
 * deletes of whatever matches; WRITE_CHANGED for updates and deletes of one named row, which
 * are ENOENT when they changed nothing. */
enum write_check { WRITE_ANY, WRITE_CHANGED };
/* Prepares (or reuses), binds per fmt and runs a statement that returns no rows. */
int sqlite_write(struct store *st, const char *sql, enum write_check check, const char *fmt, ...);
/* Runs a statement keyed by one text parameter that must change a row (updates, deletes), inside
 * a transaction. */
int sqlite_delete(struct store *st, const char *sql, const char *key);

/* ---- sqlite_stmt.c: columns and keys -------------------------------------------------------- */

/* Copies a text column into a fixed field. Too long can only mean rows written by something
 * other than this code (the schema's CHECKs mirror the field sizes): report it (EIO), don't cut. */
int sqlite_col_text(sqlite3_stmt *s, int col, char *dst, size_t size);
#define COL_TEXT(s, col, field) sqlite_col_text((s), (col), (field), sizeof(field))
/* A string that fits a field of `size` bytes, NUL included. */
int sqlite_fits(const char *s, size_t size);
#define FIELD_FITS(field) sqlite_fits((field), sizeof(field))
/* A key: non-empty and fits LIM_ID_MAX. */
int sqlite_key_ok(const char *s);
/* User IDs are kept lowercase (CUCM's rule): the store folds ASCII letters itself on the way in,
 * so a caller that forgot to normalise still finds the row. UTF-8 bytes pass through. 0 or
 * EINVAL (too long, or "" unless allow_empty). */
int sqlite_user_key(const char *in, char out[LIM_ID_MAX], int allow_empty);
/* LIMIT for a walk: 0 = all (-1 in SQLite). */
int64_t sqlite_limit(size_t limit);

#endif
