/* test_migrate.c -- upgrading a version-1 database file (as emcc 0.1 left it) to the current
 * schema: data survives, the EMCC tables appear, a failed migration changes nothing. */
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
#include <sqlite3.h>

#include "store/migrations.h"
#include "store/store.h"

struct fixture {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/emcc-migrate-XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/emcc.db", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	char p[160];
	size_t i;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", fx->path, suffixes[i]);
		unlink(p);
	}
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static void raw_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
	sqlite3_free(msg);
}

/* A database exactly as a version-1 emcc leaves it: WAL, migration 1, user_version 1, and rows
 * in most tables. `extra` runs last (a test's own twist). */
static void make_v1(const char *path, const char *extra)
{
	sqlite3 *db = NULL;

	assert_non_null(store_migration_sql(1));
	assert_int_equal(
	    sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
	    SQLITE_OK);
	raw_exec(db, "PRAGMA journal_mode = WAL");
	raw_exec(db, "PRAGMA foreign_keys = ON");
	raw_exec(db, "BEGIN IMMEDIATE");
	raw_exec(db, store_migration_sql(1));
	raw_exec(db, "PRAGMA user_version = 1");
	raw_exec(db, "COMMIT");
	raw_exec(
	    db,
	    "INSERT INTO users (id, name, pin_hash, emcc_enabled) VALUES "
	    " ('adgjm', 'A. User', 'pinhash', 1);"
	    "INSERT INTO device_profiles (name, model) VALUES ('test_emcc_udp', '7821');"
	    "INSERT INTO user_profiles (user_id, profile, is_default) VALUES "
	    " ('adgjm', 'test_emcc_udp', 1);"
	    "INSERT INTO devices (name, model, protocol, em_enabled, emcc_enabled) VALUES "
	    " ('SEPC80084AA8743', '7821', 'SIP', 1, 1), ('SEP000000000001', '8845', 'SIP', 1, 0);"
	    "INSERT INTO lines (owner_kind, owner, idx, dn, label) VALUES "
	    " (1, 'test_emcc_udp', 1, '2001', 'line one');"
	    "INSERT INTO em_state (device, user_id, profile, login_time, login_duration) VALUES "
	    " ('SEP000000000001', 'adgjm', 'test_emcc_udp', 1700000000, 3600);"
	    "INSERT INTO scheduled_logouts (device, due) VALUES ('SEP000000000001', 1700003600);"
	    "INSERT INTO audit (time_ms, action, user_id, device, source) VALUES "
	    " (1700000000000, 'login', 'adgjm', 'SEP000000000001', 'api');"
	    "INSERT INTO parameters (name, value) VALUES ('clusterId', 'ClusterTwo');");
	if (extra)
		raw_exec(db, extra);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static long raw_long(const char *path, const char *sql)
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

static void check_v1_data(struct store *st)
{
	struct store_user u;
	struct store_device d;
	struct store_em_state e;
	struct features *f = calloc(1, sizeof(*f));
	char v[64];
	long n = -1;
	int64_t due = 0;

	assert_non_null(f);
	assert_int_equal(store_user_get(st, "adgjm", &u), 0);
	assert_string_equal(u.name, "A. User");
	assert_int_equal(u.emcc_enabled, 1);
	assert_int_equal(store_user_default_profile(st, "adgjm", v, sizeof(v)), 0);
	assert_string_equal(v, "test_emcc_udp");
	assert_int_equal(store_device_get(st, "SEPC80084AA8743", &d), 0);
	assert_int_equal(d.emcc_enabled, 1);
	assert_int_equal(store_device_count(st, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_features_get(st, STORE_OWNER_PROFILE, "test_emcc_udp", f), 0);
	assert_int_equal(f->nlines, 1);
	assert_string_equal(f->lines[0].dn, "2001");
	assert_int_equal(store_em_state_get(st, "SEP000000000001", &e), 0);
	assert_string_equal(e.user_id, "adgjm");
	assert_int_equal(e.login_duration, 3600);
	assert_int_equal(store_logout_next(st, &due), 0);
	assert_int_equal(due, 1700003600);
	assert_int_equal(store_param_get(st, "clusterId", v, sizeof(v)), 0);
	assert_string_equal(v, "ClusterTwo");
	free(f);
}

static void test_v1_to_latest(void **state)
{
	struct fixture *fx = *state;
	struct store *st = NULL;
	struct store_remote_cluster *rc = calloc(1, sizeof(*rc));
	struct store_emcc_visit v;
	struct store_emcc_outbox o;
	long n = -1;

	assert_non_null(rc);
	make_v1(fx->path, NULL);
	assert_int_equal(raw_long(fx->path, "PRAGMA user_version"), 1);
	assert_int_equal(raw_long(fx->path, "SELECT count(*) FROM sqlite_schema WHERE name IN "
					    "('remote_clusters', 'emcc_outbox')"),
			 0);

	assert_int_equal(store_open(&st, fx->path), 0);
	assert_int_equal(store_schema_version(st), store_migrations_latest());
	assert_int_equal(store_schema_version(st), 2);
	check_v1_data(st);

	/* the new tables work, foreign keys to v1 tables included */
	strcpy(rc->id, "ClusterOne");
	strcpy(rc->address, "127.0.7.100:8443");
	rc->emcc_enabled = 1;
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_remote_cluster_insert(st, rc), 0);
	memset(&v, 0, sizeof(v));
	strcpy(v.device, "SEPC80084AA8743"); /* a device from version 1 */
	strcpy(v.user_id, "visitor");
	strcpy(v.home_cluster, "ClusterOne");
	assert_int_equal(store_emcc_visit_put(st, &v), 0);
	memset(&o, 0, sizeof(o));
	strcpy(o.cluster, "ClusterOne");
	strcpy(o.kind, "visitingLogout");
	strcpy(o.device, "SEPC80084AA8743");
	assert_int_equal(store_emcc_outbox_add(st, &o, NULL), 0);
	assert_int_equal(store_config_version_set(st, "SEPC80084AA8743", "1-x", 1), 0);
	assert_int_equal(store_commit(st), 0);
	store_close(st);

	/* on disk: version 2, consistent, and reopening applies nothing */
	assert_int_equal(raw_long(fx->path, "PRAGMA user_version"), 2);
	assert_int_equal(raw_long(fx->path, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	assert_int_equal(raw_long(fx->path, "SELECT count(*) FROM pragma_integrity_check WHERE "
					    "integrity_check <> 'ok'"),
			 0);
	assert_int_equal(raw_long(fx->path, "SELECT count(*) FROM sqlite_schema WHERE type = "
					    "'table' AND name IN ('remote_clusters', "
					    "'emcc_home_devices', 'emcc_visits', 'emcc_outbox', "
					    "'device_config_versions')"),
			 5);
	st = NULL;
	assert_int_equal(store_open(&st, fx->path), 0);
	assert_int_equal(store_schema_version(st), 2);
	check_v1_data(st);
	assert_int_equal(store_remote_cluster_get(st, "ClusterOne", rc), 0);
	assert_string_equal(rc->status, "unknown");

	/* cascades across versions: a v1 device ends its v2 visit */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_device_delete(st, "SEPC80084AA8743"), 0);
	assert_int_equal(store_remote_cluster_delete(st, "ClusterOne"), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_emcc_visit_get(st, "SEPC80084AA8743", &v), ENOENT);
	assert_int_equal(store_emcc_outbox_count(st, &n), 0);
	assert_int_equal(n, 0);
	store_close(st);
	free(rc);
}

/* A migration that fails half-way leaves the version-1 schema and data as they were. */
static void test_failed_migration_changes_nothing(void **state)
{
	struct fixture *fx = *state;
	struct store *st = NULL;

	/* a stray table in the way of migration 2's first CREATE... placed so that the failure
	 * comes after some of migration 2 has already run */
	make_v1(fx->path, "CREATE TABLE emcc_outbox (x INTEGER);");
	assert_int_equal(store_open(&st, fx->path), EIO);
	assert_null(st);
	assert_int_equal(raw_long(fx->path, "PRAGMA user_version"), 1);
	assert_int_equal(raw_long(fx->path, "SELECT count(*) FROM sqlite_schema WHERE name IN "
					    "('remote_clusters', 'emcc_home_devices', "
					    "'emcc_visits', 'device_config_versions')"),
			 0);
	assert_int_equal(raw_long(fx->path, "SELECT count(*) FROM users"), 1);

	/* once the obstacle is gone, the same file upgrades */
	{
		sqlite3 *db = NULL;

		assert_int_equal(sqlite3_open_v2(fx->path, &db, SQLITE_OPEN_READWRITE, NULL),
				 SQLITE_OK);
		raw_exec(db, "DROP TABLE emcc_outbox");
		sqlite3_close(db);
	}
	assert_int_equal(store_open(&st, fx->path), 0);
	assert_int_equal(store_schema_version(st), 2);
	check_v1_data(st);
	store_close(st);
}

static void test_migration_sql_bounds(void **state)
{
	(void)state;
	assert_null(store_migration_sql(0));
	assert_null(store_migration_sql(-1));
	assert_non_null(store_migration_sql(store_migrations_latest()));
	assert_null(store_migration_sql(store_migrations_latest() + 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_v1_to_latest, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failed_migration_changes_nothing, setup, teardown),
	    cmocka_unit_test(test_migration_sql_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
