/* migrations.h -- versioned schema migrations for the SQLite store (internal to src/store). */
#ifndef EMCC_STORE_MIGRATIONS_H
#define EMCC_STORE_MIGRATIONS_H

#include <sqlite3.h>

/* Number of migrations, i.e. the schema version of an up-to-date database. */
int store_migrations_latest(void);

/* The script that takes a database from version - 1 to version, NULL outside 1..latest. For
 * tests that build an old database the way an older emcc left it. */
const char *store_migration_sql(int version);

/* Applies every migration above the database's PRAGMA user_version, each in its own
 * BEGIN IMMEDIATE transaction, and sets *version to the resulting schema version. The caller
 * holds the process-wide writer lock; other processes are kept out by BEGIN IMMEDIATE. Returns 0,
 * EIO (SQL error, or a database newer than this build), or EBUSY. */
int store_migrate(sqlite3 *db, int *version);

#endif
