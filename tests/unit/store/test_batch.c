/* test_batch.c -- group commit: savepoints per request inside one durable transaction. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/store.h"

static char g_dir[64], g_path[128];

static int setup(void **state)
{
	snprintf(g_dir, sizeof(g_dir), "/tmp/emcc-batch-XXXXXX");
	if (!mkdtemp(g_dir))
		return -1;
	snprintf(g_path, sizeof(g_path), "%s/emcc.db", g_dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct store_app_user app(const char *id)
{
	struct store_app_user a;
	memset(&a, 0, sizeof(a));
	snprintf(a.id, sizeof(a.id), "%s", id);
	snprintf(a.password_hash, sizeof(a.password_hash), "h");
	return a;
}

static int add_app(struct store *st, const char *id, int commit)
{
	struct store_app_user a = app(id);
	int rc = store_begin(st);
	if (rc)
		return rc;
	rc = store_app_user_insert(st, &a);
	if (rc || !commit) {
		store_rollback(st);
		return rc ? rc : 0;
	}
	return store_commit(st);
}

/* Committed requests of a batch land together; a rolled-back one does not; nothing is visible
 * to another connection before the batch commits. */
static void test_batch_savepoints(void **state)
{
	struct store *st, *other;
	struct store_app_user got;
	assert_int_equal(store_open(&st, g_path), 0);
	assert_int_equal(store_open(&other, g_path), 0);

	assert_int_equal(store_batch_begin(st), 0);
	assert_int_equal(add_app(st, "one", 1), 0);
	assert_int_equal(add_app(st, "two", 0), 0);	 /* rolled back */
	assert_int_equal(add_app(st, "one", 1), EEXIST); /* sees its own batch */
	assert_int_equal(add_app(st, "three", 1), 0);
	assert_int_equal(store_app_user_get(st, "one", &got), 0);
	assert_int_equal(store_app_user_get(other, "one", &got), ENOENT); /* not yet durable */
	assert_int_equal(store_batch_commit(st), 0);

	assert_int_equal(store_app_user_get(other, "one", &got), 0);
	assert_int_equal(store_app_user_get(other, "two", &got), ENOENT);
	assert_int_equal(store_app_user_get(other, "three", &got), 0);
	store_close(other);
	store_close(st);
}

/* A batch where nobody writes takes no writer lock: another connection can write meanwhile. */
static void test_read_only_batch_takes_no_lock(void **state)
{
	struct store *st, *other;
	struct store_app_user got;
	assert_int_equal(store_open(&st, g_path), 0);
	assert_int_equal(store_open(&other, g_path), 0);
	assert_int_equal(store_batch_begin(st), 0);
	assert_int_equal(store_app_user_get(st, "nobody", &got), ENOENT);
	/* Same thread, other connection: would be EBUSY if the batch held the lock. */
	assert_int_equal(add_app(other, "four", 1), 0);
	assert_int_equal(store_batch_commit(st), 0);
	store_close(other);
	store_close(st);
}

/* Closing in the middle of a batch undoes it and releases the lock. */
static void test_close_mid_batch(void **state)
{
	struct store *st, *other;
	struct store_app_user got;
	assert_int_equal(store_open(&st, g_path), 0);
	assert_int_equal(store_batch_begin(st), 0);
	assert_int_equal(add_app(st, "five", 1), 0);
	store_close(st);
	assert_int_equal(store_open(&other, g_path), 0);
	assert_int_equal(store_app_user_get(other, "five", &got), ENOENT);
	assert_int_equal(add_app(other, "six", 1), 0);
	store_close(other);
}

static void test_batch_misuse(void **state)
{
	struct store *st;
	assert_int_equal(store_open(&st, ":memory:"), 0);
	assert_int_equal(store_batch_commit(st), EINVAL);
	assert_int_equal(store_batch_begin(st), 0);
	assert_int_equal(store_batch_begin(st), EINVAL);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_begin(st), EINVAL); /* no nesting inside a request either */
	/* A request left open is undone at batch commit. */
	struct store_app_user a = app("seven");
	assert_int_equal(store_app_user_insert(st, &a), 0);
	assert_int_equal(store_batch_commit(st), 0);
	struct store_app_user got;
	assert_int_equal(store_app_user_get(st, "seven", &got), ENOENT);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_batch_savepoints),
	    cmocka_unit_test(test_read_only_batch_takes_no_lock),
	    cmocka_unit_test(test_close_mid_batch),
	    cmocka_unit_test(test_batch_misuse),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
