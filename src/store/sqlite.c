/* sqlite.c -- the SQLite backend of store.h: opening and closing a connection (one per struct
 * store), transactions and group-commit batches, and a writer mutex per database file shared by
 * the whole process. */
#include "store/sqlite_int.h"
#include "store/migrations.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Backstop only: writers of this process queue on the writer mutex, so SQLite's busy handler
 * (which sleeps) is reached only when another process (the CLI, sqlite3) holds the file. */
#define BUSY_TIMEOUT_MS 5000

/* ---- writer locks: one mutex per database file, shared by every connection in the process -- */

struct sqlite_wlock {
	struct sqlite_wlock *next;
	char *path; /* canonical path; NULL for a private database (":memory:") */
	unsigned refs;
	pthread_mutex_t mu;
};

static pthread_mutex_t wlock_registry_mu = PTHREAD_MUTEX_INITIALIZER;
static struct sqlite_wlock *wlock_registry;

static int wlock_acquire(const char *canon, struct sqlite_wlock **out)
{
	pthread_mutexattr_t attr;
	struct sqlite_wlock *w = NULL;
	int err = 0;

	pthread_mutex_lock(&wlock_registry_mu);
	for (w = canon ? wlock_registry : NULL; w; w = w->next) {
		if (strcmp(w->path, canon) == 0) {
			w->refs++;
			goto out;
		}
	}
	if (!(w = calloc(1, sizeof(*w))) || (canon && !(w->path = strdup(canon)))) {
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

static int wlock_lock(struct sqlite_wlock *w)
{
	int rc = pthread_mutex_lock(&w->mu);

	return rc == EDEADLK ? EBUSY : rc ? EIO : 0;
}

static void wlock_unlock(struct sqlite_wlock *w)
{
	pthread_mutex_unlock(&w->mu);
}

static void wlock_release(struct sqlite_wlock *w)
{
	struct sqlite_wlock **pp;

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
	/* a missing directory is EIO too: SQLite could not create the file either */
	if (!dirpart || !(dir = realpath(dirpart, NULL))) {
		err = EIO;
	} else if (asprintf(out, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, base) < 0) {
		*out = NULL;
		err = EIO;
	}
	free(dirpart);
	free(dir);
	return err;
}

/* ---- transaction statements ----------------------------------------------------------------- */

static const char sql_begin[] = "BEGIN IMMEDIATE";
static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";
/* around one multi-statement write (sqlite_savepoint) */
static const char sql_savepoint[] = "SAVEPOINT store_sp";
static const char sql_release[] = "RELEASE store_sp";
static const char sql_rollback_to[] = "ROLLBACK TO store_sp";

/* Runs BEGIN, COMMIT, a savepoint's statements and the like: no parameters, no rows. */
static int run_tx_stmt(struct store *st, const char *sql)
{
	return sqlite_write(st, sql, WRITE_ANY, "");
}

/* Ends the transaction if SQLite still has one open (it ends some by itself on errors). */
static void rollback_open(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		run_tx_stmt(st, sql_rollback);
}

/* COMMIT, then releases the writer lock. A failed COMMIT may leave the transaction open: it is
 * rolled back, so the lock can be released. */
static int commit_unlock(struct store *st)
{
	int err = run_tx_stmt(st, sql_commit);

	if (err)
		rollback_open(st);
	wlock_unlock(st->wl);
	return err;
}

/* A request's savepoint inside a batch; sqlite3_exec, so any failure is EIO. */
static int exec_sql(struct store *st, const char *sql)
{
	return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : EIO;
}

static void request_undo(struct store *st)
{
	exec_sql(st, "ROLLBACK TO request");
	exec_sql(st, "RELEASE request");
}

int sqlite_write_ok(struct store *st)
{
	return st && st->in_tx && !sqlite3_get_autocommit(st->db);
}

int sqlite_savepoint(struct store *st)
{
	return run_tx_stmt(st, sql_savepoint);
}

int sqlite_savepoint_end(struct store *st, int err)
{
	int e2;

	if (err)
		run_tx_stmt(st, sql_rollback_to);
	e2 = run_tx_stmt(st, sql_release);
	return err ? err : e2;
}

/* ---- open and close -------------------------------------------------------------------------- */

static int exec_simple(sqlite3 *db, const char *sql)
{
	return sqlite_map_rc(sqlite3_exec(db, sql, NULL, NULL, NULL));
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
		err = sqlite_map_rc(rc);
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
		err = sqlite_map_rc(rc);
		goto out;
	}
	if ((err = configure(st->db, is_file)))
		goto out;
	err = store_migrate(st->db, &st->version);
out:
	if (locked)
		wlock_unlock(st->wl);
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
			rollback_open(st);
			wlock_unlock(st->wl);
		}
		st->batch = st->batch_tx = 0;
	}
	for (i = 0; i < STMT_CACHE_SLOTS; i++)
		sqlite3_finalize(st->stmts[i].s);
	sqlite3_close(st->db);
	wlock_release(st->wl);
	free(st);
}

int store_schema_version(struct store *st)
{
	return st ? st->version : 0;
}

/* ---- transactions and batches ---------------------------------------------------------------- */

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
	if (!st || !st->batch)
		return EINVAL;
	if (st->in_tx) /* a request left its transaction open: undo it, keep the others */
		store_rollback(st);
	st->batch = 0;
	if (!st->batch_tx)
		return 0; /* nobody wrote: nothing to commit, the writer lock was never taken */
	st->batch_tx = 0;
	return commit_unlock(st);
}

int store_begin(struct store *st)
{
	int err;

	if (!st || st->in_tx)
		return EINVAL; /* no nesting */
	if (!st->batch_tx) {
		if ((err = wlock_lock(st->wl)))
			return err;
		if ((err = run_tx_stmt(st, sql_begin))) {
			wlock_unlock(st->wl);
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
	st->in_tx = 0;
	if (!st->batch)
		return commit_unlock(st);
	if ((err = exec_sql(st, "RELEASE request")))
		request_undo(st);
	return err;
}

void store_rollback(struct store *st)
{
	if (!st || !st->in_tx)
		return;
	st->in_tx = 0;
	if (st->batch) {
		request_undo(st);
		return;
	}
	rollback_open(st);
	wlock_unlock(st->wl);
}
