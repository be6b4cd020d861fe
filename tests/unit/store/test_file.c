/* test_file.c -- store.h on a file: migrations, reopening, WAL, concurrent writers. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/store.h"

struct fixture {
	char dir[64];
	char path[128];
};

static int setup_in(void **state, const char *base)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "%s/emcc-store-XXXXXX", base);
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/emcc.db", fx->dir);
	*state = fx;
	return 0;
}

static int setup(void **state)
{
	return setup_in(state, "/tmp");
}

/* The writer test is about queueing, not the disk: 1000 fsyncs on a real disk take seconds, so
 * it runs on tmpfs where there is one. */
static int setup_shm(void **state)
{
	return setup_in(state, access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char p[160];
	const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	size_t i;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", fx->path, suffixes[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/link.db", fx->dir);
	unlink(p);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static void add_user(struct store *st, const char *id)
{
	struct store_user u;

	memset(&u, 0, sizeof(u));
	snprintf(u.id, sizeof(u.id), "%s", id);
	u.max_login_minutes = -1;
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_user_insert(st, &u), 0);
	assert_int_equal(store_commit(st), 0);
}

/* Reads one integer PRAGMA through a separate raw connection. */
static long raw_pragma(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	long v = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static void test_migrate_and_reopen(void **state)
{
	struct fixture *fx = *state;
	struct store *st = NULL;
	struct store_user u;
	char v[32];

	assert_int_equal(store_open(&st, fx->path), 0);
	assert_int_equal(store_schema_version(st), 2);
	add_user(st, "persist");
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_param_set(st, "k", "v"), 0);
	assert_int_equal(store_commit(st), 0);
	/* an open transaction is rolled back by close */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_param_set(st, "uncommitted", "v"), 0);
	store_close(st);

	assert_int_equal(raw_pragma(fx->path, "PRAGMA user_version"), 2);

	/* reopening an up-to-date database applies nothing (re-running the CREATEs would fail) */
	st = NULL;
	assert_int_equal(store_open(&st, fx->path), 0);
	assert_int_equal(store_schema_version(st), 2);
	assert_int_equal(store_user_get(st, "persist", &u), 0);
	assert_int_equal(store_param_get(st, "k", v, sizeof(v)), 0);
	assert_string_equal(v, "v");
	assert_int_equal(store_param_get(st, "uncommitted", v, sizeof(v)), ENOENT);
	store_close(st);
	assert_int_equal(raw_pragma(fx->path, "PRAGMA user_version"), 2);

	/* the file is in WAL mode */
	{
		sqlite3 *db = NULL;
		sqlite3_stmt *s = NULL;

		assert_int_equal(sqlite3_open_v2(fx->path, &db, SQLITE_OPEN_READONLY, NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
		sqlite3_finalize(s);
		sqlite3_close(db);
	}
}

static void test_refuses_newer_schema(void **state)
{
	struct fixture *fx = *state;
	struct store *st = NULL;

	assert_int_equal(store_open(&st, fx->path), 0);
	store_close(st);
	raw_pragma(fx->path, "PRAGMA user_version = 99");
	assert_int_equal(raw_pragma(fx->path, "PRAGMA user_version"), 99);
	st = NULL;
	assert_int_equal(store_open(&st, fx->path), EIO);
	assert_null(st);
}

static void test_open_errors(void **state)
{
	struct fixture *fx = *state;
	struct store *st = NULL;
	char p[160];

	assert_int_equal(store_open(&st, NULL), EINVAL);
	assert_int_equal(store_open(&st, ""), EINVAL);
	snprintf(p, sizeof(p), "%s/no/such/dir/x.db", fx->dir);
	assert_int_equal(store_open(&st, p), EIO);
	assert_null(st);
}

/* Two in-memory stores are two databases. */
static void test_memory_private(void **state)
{
	struct store *a = NULL, *b = NULL;
	struct store_user u;

	assert_int_equal(store_open(&a, ":memory:"), 0);
	assert_int_equal(store_open(&b, ":memory:"), 0);
	add_user(a, "only-in-a");
	assert_int_equal(store_user_get(a, "only-in-a", &u), 0);
	assert_int_equal(store_user_get(b, "only-in-a", &u), ENOENT);
	/* separate writer locks: both can be in a transaction at once from one thread */
	assert_int_equal(store_begin(a), 0);
	assert_int_equal(store_begin(b), 0);
	store_rollback(b);
	store_rollback(a);
	store_close(a);
	store_close(b);
}

/* One thread, two connections to one file: the second writer cannot wait for the first (it
 * would wait for itself), so it is told EBUSY at once. */
static void test_same_thread_two_writers(void **state)
{
	struct fixture *fx = *state;
	struct store *a = NULL, *b = NULL, *c = NULL;

	assert_int_equal(store_open(&a, fx->path), 0);
	assert_int_equal(store_open(&b, fx->path), 0);
	assert_int_equal(store_begin(a), 0);
	assert_int_equal(store_begin(b), EBUSY);
	assert_int_equal(store_open(&c, fx->path), EBUSY);
	assert_int_equal(store_commit(a), 0);
	assert_int_equal(store_begin(b), 0);
	store_rollback(b);
	store_close(a);
	store_close(b);
}

#define PER_THREAD 500

struct writer {
	const char *path;
	int tag;
	int failures;
	int busy;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct store *st = NULL;
	struct store_user u, got;
	int i, err;

	if (store_open(&st, w->path) != 0) {
		w->failures = PER_THREAD;
		return NULL;
	}
	for (i = 0; i < PER_THREAD; i++) {
		memset(&u, 0, sizeof(u));
		snprintf(u.id, sizeof(u.id), "t%d-%04d", w->tag, i);
		u.max_login_minutes = -1;
		if ((err = store_begin(st)) == 0) {
			err = store_user_insert(st, &u);
			if (err == 0)
				err = store_commit(st);
			else
				store_rollback(st);
		}
		if (err == EBUSY)
			w->busy++;
		if (err)
			w->failures++;
		/* and a read outside any transaction, interleaved with the other writer */
		if (store_user_get(st, u.id, &got) != 0)
			w->failures++;
	}
	store_close(st);
	return NULL;
}

static void test_two_writer_threads(void **state)
{
	struct fixture *fx = *state;
	struct store *st = NULL;
	struct writer w[2];
	pthread_t th[2];
	char other[160];
	long n = -1;
	int i;

	/* open once first so both threads find the schema; the second thread reaches the same
	 * file through a symlink, which must still map to the same writer lock */
	assert_int_equal(store_open(&st, fx->path), 0);
	snprintf(other, sizeof(other), "%s/link.db", fx->dir);
	assert_int_equal(symlink(fx->path, other), 0);
	w[0] = (struct writer){.path = fx->path, .tag = 0};
	w[1] = (struct writer){.path = other, .tag = 1};
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, writer_main, &w[i]), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(w[i].busy, 0);
		assert_int_equal(w[i].failures, 0);
	}
	assert_int_equal(store_user_count(st, &n), 0);
	assert_int_equal(n, 2 * PER_THREAD);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_migrate_and_reopen, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refuses_newer_schema, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
	    cmocka_unit_test(test_memory_private),
	    cmocka_unit_test_setup_teardown(test_same_thread_two_writers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_two_writer_threads, setup_shm, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
