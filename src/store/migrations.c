/* migrations.c -- the schema as an ordered list of SQL scripts, tracked by PRAGMA user_version. */
#include "store/migrations.h"

#include <errno.h>
#include <stdio.h>

/*
 * Append-only: a released script is never edited, a change is a new script. Each one runs in a
 * single transaction together with the user_version bump, so a crash leaves either the old or
 * the new schema. foreign_keys is ON while they run; a script that rebuilds a table must turn
 * it off before the transaction (PRAGMA foreign_keys is a no-op inside one).
 *
 * Byte lengths are checked with length(CAST(x AS BLOB)): length() of TEXT counts characters, and
 * the limits mirror the fixed-size fields of store.h (size - 1 bytes).
 */
/* clang-format off */
static const char *const migrations[] = {
	/* 1: everything in store.h */
	"CREATE TABLE users ("
	" id TEXT NOT NULL PRIMARY KEY CHECK (length(CAST(id AS BLOB)) BETWEEN 1 AND 128),"
	" name TEXT NOT NULL DEFAULT '' CHECK (length(CAST(name AS BLOB)) <= 256),"
	" password_hash TEXT NOT NULL DEFAULT '' CHECK (length(CAST(password_hash AS BLOB)) <= 256),"
	" pin_hash TEXT NOT NULL DEFAULT '' CHECK (length(CAST(pin_hash AS BLOB)) <= 256),"
	" primary_extension TEXT NOT NULL DEFAULT ''"
	"  CHECK (length(CAST(primary_extension AS BLOB)) <= 128),"
	" em_proxy_rights INTEGER NOT NULL DEFAULT 0 CHECK (em_proxy_rights IN (0, 1)),"
	" emcc_enabled INTEGER NOT NULL DEFAULT 0 CHECK (emcc_enabled IN (0, 1)),"
	" max_login_minutes INTEGER NOT NULL DEFAULT -1 CHECK (max_login_minutes >= -1),"
	" failed_logons INTEGER NOT NULL DEFAULT 0 CHECK (failed_logons >= 0),"
	" locked_until INTEGER NOT NULL DEFAULT 0 CHECK (locked_until >= 0)"
	") STRICT;"
	"CREATE INDEX users_primary_extension ON users (primary_extension);"

	"CREATE TABLE app_users ("
	" id TEXT NOT NULL PRIMARY KEY CHECK (length(CAST(id AS BLOB)) BETWEEN 1 AND 128),"
	" password_hash TEXT NOT NULL DEFAULT '' CHECK (length(CAST(password_hash AS BLOB)) <= 256),"
	" em_proxy_rights INTEGER NOT NULL DEFAULT 0 CHECK (em_proxy_rights IN (0, 1))"
	") STRICT;"

	"CREATE TABLE device_profiles ("
	" name TEXT NOT NULL PRIMARY KEY CHECK (length(CAST(name AS BLOB)) BETWEEN 1 AND 128),"
	" description TEXT NOT NULL DEFAULT '' CHECK (length(CAST(description AS BLOB)) <= 256),"
	" model TEXT NOT NULL DEFAULT '' CHECK (length(CAST(model AS BLOB)) <= 256),"
	" user_locale TEXT NOT NULL DEFAULT '' CHECK (length(CAST(user_locale AS BLOB)) <= 256),"
	" softkey_template TEXT NOT NULL DEFAULT ''"
	"  CHECK (length(CAST(softkey_template AS BLOB)) <= 256)"
	") STRICT;"

	"CREATE TABLE devices ("
	" name TEXT NOT NULL PRIMARY KEY CHECK (length(CAST(name AS BLOB)) BETWEEN 1 AND 128),"
	" description TEXT NOT NULL DEFAULT '' CHECK (length(CAST(description AS BLOB)) <= 256),"
	" model TEXT NOT NULL DEFAULT '' CHECK (length(CAST(model AS BLOB)) <= 256),"
	" protocol TEXT NOT NULL DEFAULT '' CHECK (protocol IN ('', 'SIP', 'SCCP')),"
	" em_enabled INTEGER NOT NULL DEFAULT 0 CHECK (em_enabled IN (0, 1)),"
	" emcc_enabled INTEGER NOT NULL DEFAULT 0 CHECK (emcc_enabled IN (0, 1)),"
	" security_mode INTEGER NOT NULL DEFAULT 1 CHECK (security_mode BETWEEN 0 AND 3),"
	" user_locale TEXT NOT NULL DEFAULT '' CHECK (length(CAST(user_locale AS BLOB)) <= 256)"
	") STRICT;"

	/* Features belong to a profile (owner_kind 1) or a device (2); the owner is polymorphic, so
	 * the cascade on delete is done by the triggers below instead of a foreign key. */
	"CREATE TABLE lines ("
	" owner_kind INTEGER NOT NULL CHECK (owner_kind IN (1, 2)),"
	" owner TEXT NOT NULL CHECK (length(CAST(owner AS BLOB)) BETWEEN 1 AND 128),"
	" idx INTEGER NOT NULL CHECK (idx >= 1),"
	" dn TEXT NOT NULL DEFAULT '' CHECK (length(CAST(dn AS BLOB)) <= 128),"
	" label TEXT NOT NULL DEFAULT '' CHECK (length(CAST(label AS BLOB)) <= 256),"
	" display TEXT NOT NULL DEFAULT '' CHECK (length(CAST(display AS BLOB)) <= 256),"
	" PRIMARY KEY (owner_kind, owner, idx)"
	") WITHOUT ROWID, STRICT;"

	"CREATE TABLE speed_dials ("
	" owner_kind INTEGER NOT NULL CHECK (owner_kind IN (1, 2)),"
	" owner TEXT NOT NULL CHECK (length(CAST(owner AS BLOB)) BETWEEN 1 AND 128),"
	" idx INTEGER NOT NULL CHECK (idx >= 1),"
	" number TEXT NOT NULL DEFAULT '' CHECK (length(CAST(number AS BLOB)) <= 128),"
	" label TEXT NOT NULL DEFAULT '' CHECK (length(CAST(label AS BLOB)) <= 256),"
	" PRIMARY KEY (owner_kind, owner, idx)"
	") WITHOUT ROWID, STRICT;"

	/* Services have no index of their own: idx is the 1-based position in the owner's list. */
	"CREATE TABLE services ("
	" owner_kind INTEGER NOT NULL CHECK (owner_kind IN (1, 2)),"
	" owner TEXT NOT NULL CHECK (length(CAST(owner AS BLOB)) BETWEEN 1 AND 128),"
	" idx INTEGER NOT NULL CHECK (idx >= 1),"
	" name TEXT NOT NULL DEFAULT '' CHECK (length(CAST(name AS BLOB)) <= 256),"
	" url TEXT NOT NULL DEFAULT '' CHECK (length(CAST(url AS BLOB)) <= 1024),"
	" PRIMARY KEY (owner_kind, owner, idx)"
	") WITHOUT ROWID, STRICT;"

	"CREATE TABLE user_profiles ("
	" user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,"
	" profile TEXT NOT NULL REFERENCES device_profiles (name) ON DELETE CASCADE ON UPDATE CASCADE,"
	" is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),"
	" PRIMARY KEY (user_id, profile)"
	") WITHOUT ROWID, STRICT;"
	/* At most one default per user; the profile index serves the cascade from device_profiles. */
	"CREATE UNIQUE INDEX user_profiles_one_default ON user_profiles (user_id) WHERE is_default = 1;"
	"CREATE INDEX user_profiles_profile ON user_profiles (profile);"

	/* No foreign key to devices: EMCC home-side rows name a phone of a remote cluster. */
	"CREATE TABLE em_state ("
	" device TEXT NOT NULL PRIMARY KEY CHECK (length(CAST(device AS BLOB)) BETWEEN 1 AND 128),"
	" user_id TEXT NOT NULL DEFAULT '' CHECK (length(CAST(user_id AS BLOB)) <= 128),"
	" profile TEXT NOT NULL DEFAULT '' CHECK (length(CAST(profile AS BLOB)) <= 128),"
	" login_time INTEGER NOT NULL DEFAULT 0,"
	" login_duration INTEGER NOT NULL DEFAULT 0 CHECK (login_duration >= 0),"
	" last_user_id TEXT NOT NULL DEFAULT '' CHECK (length(CAST(last_user_id AS BLOB)) <= 128),"
	" emcc_role INTEGER NOT NULL DEFAULT 0 CHECK (emcc_role IN (0, 1, 2)),"
	" remote_cluster TEXT NOT NULL DEFAULT ''"
	"  CHECK (length(CAST(remote_cluster AS BLOB)) <= 128),"
	" remote_ip TEXT NOT NULL DEFAULT '' CHECK (length(CAST(remote_ip AS BLOB)) <= 63)"
	") WITHOUT ROWID, STRICT;"
	"CREATE INDEX em_state_user ON em_state (user_id);"

	"CREATE TABLE scheduled_logouts ("
	" device TEXT NOT NULL PRIMARY KEY CHECK (length(CAST(device AS BLOB)) BETWEEN 1 AND 128),"
	" due INTEGER NOT NULL"
	") WITHOUT ROWID, STRICT;"
	"CREATE INDEX scheduled_logouts_due ON scheduled_logouts (due, device);"

	"CREATE TABLE audit ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" time_ms INTEGER NOT NULL,"
	" action TEXT NOT NULL CHECK (length(CAST(action AS BLOB)) <= 31),"
	" user_id TEXT NOT NULL DEFAULT '' CHECK (length(CAST(user_id AS BLOB)) <= 128),"
	" device TEXT NOT NULL DEFAULT '' CHECK (length(CAST(device AS BLOB)) <= 128),"
	" source TEXT NOT NULL DEFAULT '' CHECK (length(CAST(source AS BLOB)) <= 31),"
	" remote_ip TEXT NOT NULL DEFAULT '' CHECK (length(CAST(remote_ip AS BLOB)) <= 63),"
	" code INTEGER NOT NULL DEFAULT 0,"
	" detail TEXT NOT NULL DEFAULT '' CHECK (length(CAST(detail AS BLOB)) <= 256),"
	" reqno INTEGER NOT NULL DEFAULT 0"
	") STRICT;"
	"CREATE INDEX audit_user ON audit (user_id, id);"
	"CREATE INDEX audit_device ON audit (device, id);"

	"CREATE TABLE parameters ("
	" name TEXT NOT NULL PRIMARY KEY CHECK (length(CAST(name AS BLOB)) BETWEEN 1 AND 128),"
	" value TEXT NOT NULL"
	") WITHOUT ROWID, STRICT;"

	"CREATE TRIGGER devices_delete AFTER DELETE ON devices BEGIN"
	" DELETE FROM em_state WHERE device = old.name;"
	" DELETE FROM scheduled_logouts WHERE device = old.name;"
	" DELETE FROM lines WHERE owner_kind = 2 AND owner = old.name;"
	" DELETE FROM speed_dials WHERE owner_kind = 2 AND owner = old.name;"
	" DELETE FROM services WHERE owner_kind = 2 AND owner = old.name;"
	"END;"
	"CREATE TRIGGER device_profiles_delete AFTER DELETE ON device_profiles BEGIN"
	" DELETE FROM lines WHERE owner_kind = 1 AND owner = old.name;"
	" DELETE FROM speed_dials WHERE owner_kind = 1 AND owner = old.name;"
	" DELETE FROM services WHERE owner_kind = 1 AND owner = old.name;"
	"END;",

	/* 2: EMCC -- remote clusters, home-side EMCC devices, visits, the logout outbox, and
	 * config versions. */
	/* A rowid table: rows carry a PEM certificate, too big for WITHOUT ROWID's B-tree cells. */
	"CREATE TABLE remote_clusters ("
	" id TEXT NOT NULL PRIMARY KEY CHECK (length(CAST(id AS BLOB)) BETWEEN 1 AND 128),"
	" address TEXT NOT NULL CHECK (length(CAST(address AS BLOB)) BETWEEN 1 AND 256),"
	" emcc_enabled INTEGER NOT NULL DEFAULT 0 CHECK (emcc_enabled IN (0, 1)),"
	" pstn_enabled INTEGER NOT NULL DEFAULT 0 CHECK (pstn_enabled IN (0, 1)),"
	" rsvp_enabled INTEGER NOT NULL DEFAULT 0 CHECK (rsvp_enabled IN (0, 1)),"
	" tftp_enabled INTEGER NOT NULL DEFAULT 0 CHECK (tftp_enabled IN (0, 1)),"
	" cert_pem TEXT NOT NULL DEFAULT '' CHECK (length(CAST(cert_pem AS BLOB)) <= 16384),"
	" cert_sha256 TEXT NOT NULL DEFAULT '' CHECK (cert_sha256 = '' OR"
	"  (length(cert_sha256) = 64 AND cert_sha256 NOT GLOB '*[^0-9a-f]*')),"
	" status TEXT NOT NULL DEFAULT 'unknown' CHECK (status IN ('unknown', 'up', 'down')),"
	" version TEXT NOT NULL DEFAULT '' CHECK (length(CAST(version AS BLOB)) <= 256),"
	" last_update_ms INTEGER NOT NULL DEFAULT 0 CHECK (last_update_ms >= 0),"
	" last_error TEXT NOT NULL DEFAULT '' CHECK (length(CAST(last_error AS BLOB)) <= 256),"
	" CHECK ((cert_pem = '') = (cert_sha256 = ''))"
	") STRICT;"
	/* Unique among the clusters that have a certificate: the TLS layer maps a peer's
	 * certificate to exactly one cluster. */
	"CREATE UNIQUE INDEX remote_clusters_cert ON remote_clusters (cert_sha256)"
	" WHERE cert_sha256 <> '';"

	/* No foreign keys: the device is a remote cluster's phone, and the row must outlive a
	 * deleted remote cluster until the policy has logged the user out. */
	"CREATE TABLE emcc_home_devices ("
	" device TEXT NOT NULL PRIMARY KEY CHECK (length(CAST(device AS BLOB)) BETWEEN 1 AND 128),"
	" user_id TEXT NOT NULL CHECK (length(CAST(user_id AS BLOB)) BETWEEN 1 AND 128),"
	" profile TEXT NOT NULL DEFAULT '' CHECK (length(CAST(profile AS BLOB)) <= 128),"
	" visiting_cluster TEXT NOT NULL"
	"  CHECK (length(CAST(visiting_cluster AS BLOB)) BETWEEN 1 AND 128),"
	" model TEXT NOT NULL DEFAULT '' CHECK (length(CAST(model AS BLOB)) <= 256),"
	" protocol TEXT NOT NULL DEFAULT '' CHECK (protocol IN ('', 'SIP', 'SCCP')),"
	" security_mode INTEGER NOT NULL DEFAULT 1 CHECK (security_mode BETWEEN 0 AND 3),"
	" login_time INTEGER NOT NULL DEFAULT 0,"
	" login_duration INTEGER NOT NULL DEFAULT 0 CHECK (login_duration >= 0),"
	" config_version TEXT NOT NULL DEFAULT ''"
	"  CHECK (length(CAST(config_version AS BLOB)) <= 128),"
	" created_ms INTEGER NOT NULL DEFAULT 0"
	") WITHOUT ROWID, STRICT;"
	"CREATE INDEX emcc_home_devices_user ON emcc_home_devices (user_id);"

	/* Our own phone, so a foreign key: a visit cannot name an unknown device, and deleting the
	 * device ends it. No key to remote_clusters, for the same reason as above. */
	"CREATE TABLE emcc_visits ("
	" device TEXT NOT NULL PRIMARY KEY REFERENCES devices (name) ON DELETE CASCADE"
	"  ON UPDATE CASCADE CHECK (length(CAST(device AS BLOB)) BETWEEN 1 AND 128),"
	" user_id TEXT NOT NULL CHECK (length(CAST(user_id AS BLOB)) BETWEEN 1 AND 128),"
	" home_cluster TEXT NOT NULL CHECK (length(CAST(home_cluster AS BLOB)) BETWEEN 1 AND 128),"
	" home_tftp TEXT NOT NULL DEFAULT '' CHECK (length(CAST(home_tftp AS BLOB)) <= 256),"
	" home_call_manager TEXT NOT NULL DEFAULT ''"
	"  CHECK (length(CAST(home_call_manager AS BLOB)) <= 256),"
	" home_tvs TEXT NOT NULL DEFAULT '' CHECK (length(CAST(home_tvs AS BLOB)) <= 256),"
	" login_time INTEGER NOT NULL DEFAULT 0,"
	" login_duration INTEGER NOT NULL DEFAULT 0 CHECK (login_duration >= 0),"
	" config_version TEXT NOT NULL DEFAULT ''"
	"  CHECK (length(CAST(config_version AS BLOB)) <= 128)"
	") WITHOUT ROWID, STRICT;"

	/* A message is owed to a cluster we know; once the cluster is gone, so is the debt. */
	"CREATE TABLE emcc_outbox ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" cluster TEXT NOT NULL REFERENCES remote_clusters (id) ON DELETE CASCADE"
	"  ON UPDATE CASCADE,"
	" kind TEXT NOT NULL CHECK (kind IN ('homeLogout', 'visitingLogout')),"
	" device TEXT NOT NULL CHECK (length(CAST(device AS BLOB)) BETWEEN 1 AND 128),"
	" user_id TEXT NOT NULL DEFAULT '' CHECK (length(CAST(user_id AS BLOB)) <= 128),"
	" reason TEXT NOT NULL DEFAULT '' CHECK (length(CAST(reason AS BLOB)) <= 256),"
	" attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),"
	" next_attempt_ms INTEGER NOT NULL DEFAULT 0,"
	" created_ms INTEGER NOT NULL DEFAULT 0"
	") STRICT;"
	"CREATE INDEX emcc_outbox_due ON emcc_outbox (next_attempt_ms);"
	/* Serves delete-for (cluster, device) and the cascade from remote_clusters. */
	"CREATE INDEX emcc_outbox_target ON emcc_outbox (cluster, device);"

	"CREATE TABLE device_config_versions ("
	" device TEXT NOT NULL PRIMARY KEY CHECK (length(CAST(device AS BLOB)) BETWEEN 1 AND 128),"
	" version TEXT NOT NULL CHECK (length(CAST(version AS BLOB)) BETWEEN 1 AND 128),"
	" updated_ms INTEGER NOT NULL DEFAULT 0"
	") WITHOUT ROWID, STRICT;",
};
/* clang-format on */

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

int store_migrations_latest(void)
{
	return NMIGRATIONS;
}

const char *store_migration_sql(int version)
{
	return version >= 1 && version <= NMIGRATIONS ? migrations[version - 1] : NULL;
}

static int map_rc(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? EBUSY : EIO;
}

static int user_version(sqlite3 *db, int *version)
{
	sqlite3_stmt *s = NULL;
	int rc, err = 0;

	rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL);
	if (rc != SQLITE_OK) {
		err = map_rc(rc);
		goto out;
	}
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		err = map_rc(rc);
		goto out;
	}
	*version = sqlite3_column_int(s, 0);
out:
	sqlite3_finalize(s);
	return err;
}

int store_migrate(sqlite3 *db, int *version)
{
	char bump[64];
	int rc, err = 0, v = 0, in_tx = 0;

	/* The common case, an up-to-date database, needs no write lock. */
	if ((err = user_version(db, &v)))
		goto out;
	if (v > NMIGRATIONS) {
		err = EIO; /* written by a newer emcc: do not touch it */
		goto out;
	}
	if (v == NMIGRATIONS) {
		*version = v;
		goto out;
	}
	for (;;) {
		rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			err = map_rc(rc);
			goto out;
		}
		in_tx = 1;
		/* Read inside the write transaction: another process may have migrated meanwhile.
		 */
		if ((err = user_version(db, &v)))
			goto out;
		if (v > NMIGRATIONS) {
			err = EIO; /* written by a newer emcc: do not touch it */
			goto out;
		}
		if (v == NMIGRATIONS)
			break;
		rc = sqlite3_exec(db, migrations[v], NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			err = map_rc(rc);
			goto out;
		}
		/* PRAGMA takes no parameters; the value is our own integer. */
		snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", v + 1);
		rc = sqlite3_exec(db, bump, NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			err = map_rc(rc);
			goto out;
		}
		in_tx = 0;
	}
	/* Up to date: end the read-only check without writing anything. */
	rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		err = map_rc(rc);
		goto out;
	}
	in_tx = 0;
	*version = v;
out:
	if (in_tx && !sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return err;
}
