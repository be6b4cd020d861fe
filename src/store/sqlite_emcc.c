/* sqlite_emcc.c -- the SQLite backend for EMCC: remote clusters, home devices, visits and the
 * outbox. */
#include "store/sqlite_int.h"

#include <errno.h>
#include <stdlib.h>

/* A certificate fingerprint as the schema keeps it: 64 hex digits folded to lowercase, or ""
 * when allow_empty. Anything else (the colon form included) is EINVAL. */
static int sha256_key(const char *in, char out[LIM_SHA256_HEX], int allow_empty)
{
	size_t i;

	if (!sqlite_fits(in, LIM_SHA256_HEX))
		return EINVAL;
	if (in[0] == '\0') {
		out[0] = '\0';
		return allow_empty ? 0 : EINVAL;
	}
	for (i = 0; in[i]; i++) {
		char c = in[i];

		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return EINVAL;
		out[i] = c;
	}
	out[i] = '\0';
	return i == LIM_SHA256_HEX - 1 ? 0 : EINVAL;
}

/* "" means "unknown"; the schema's CHECK refuses the rest of the unknown words. */
static const char *rc_status(const char *status)
{
	return status[0] ? status : "unknown";
}

/* ---- remote clusters ------------------------------------------------------------------------ */

#define RC_COLS                                                                                    \
	"id, address, emcc_enabled, pstn_enabled, rsvp_enabled, tftp_enabled, cert_pem, "          \
	"cert_sha256, status, version, last_update_ms, last_error"

static int row_rc(sqlite3_stmt *s, void *row)
{
	struct store_remote_cluster *rc = row;
	int err;

	if ((err = COL_TEXT(s, 0, rc->id)) || (err = COL_TEXT(s, 1, rc->address)) ||
	    (err = COL_TEXT(s, 6, rc->cert_pem)) || (err = COL_TEXT(s, 7, rc->cert_sha256)) ||
	    (err = COL_TEXT(s, 8, rc->status)) || (err = COL_TEXT(s, 9, rc->version)) ||
	    (err = COL_TEXT(s, 11, rc->last_error)))
		return err;
	rc->emcc_enabled = sqlite3_column_int(s, 2);
	rc->pstn_enabled = sqlite3_column_int(s, 3);
	rc->rsvp_enabled = sqlite3_column_int(s, 4);
	rc->tftp_enabled = sqlite3_column_int(s, 5);
	rc->last_update_ms = sqlite3_column_int64(s, 10);
	return 0;
}

int store_remote_cluster_get(struct store *st, const char *id, struct store_remote_cluster *out)
{
	return sqlite_get(st, "SELECT " RC_COLS " FROM remote_clusters WHERE id = ?1", id, row_rc,
			  out);
}

/* The "<> ''" term repeats the partial index's WHERE, so the planner may use it. */
static const char sql_rc_by_fp[] =
    "SELECT " RC_COLS " FROM remote_clusters WHERE cert_sha256 = ?1 AND cert_sha256 <> ''";

int store_remote_cluster_by_fingerprint(struct store *st, const char *sha256,
					struct store_remote_cluster *out)
{
	char fp[LIM_SHA256_HEX];

	if (sha256_key(sha256, fp, 0))
		return EINVAL;
	return sqlite_get(st, sql_rc_by_fp, fp, row_rc, out);
}

static int rc_write(struct store *st, const char *sql, enum write_check check,
		    const struct store_remote_cluster *rc)
{
	char fp[LIM_SHA256_HEX];

	if (!sqlite_write_ok(st) || !rc || !sqlite_key_ok(rc->id) || !FIELD_FITS(rc->address) ||
	    !FIELD_FITS(rc->cert_pem) || sha256_key(rc->cert_sha256, fp, 1) ||
	    !FIELD_FITS(rc->status) || !FIELD_FITS(rc->version) || !FIELD_FITS(rc->last_error))
		return EINVAL;
	/* empty address, bad status, a pem without a fingerprint: EINVAL from the CHECKs */
	return sqlite_write(st, sql, check, "ttiiiittttlt", rc->id, rc->address, !!rc->emcc_enabled,
			    !!rc->pstn_enabled, !!rc->rsvp_enabled, !!rc->tftp_enabled,
			    rc->cert_pem, fp, rc_status(rc->status), rc->version,
			    rc->last_update_ms, rc->last_error);
}

static const char sql_rc_insert[] =
    "INSERT INTO remote_clusters (" RC_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
    "?7, ?8, ?9, ?10, ?11, ?12)";
static const char sql_rc_update[] =
    "UPDATE remote_clusters SET address = ?2, emcc_enabled = ?3, "
    "pstn_enabled = ?4, rsvp_enabled = ?5, tftp_enabled = ?6, cert_pem = ?7, "
    "cert_sha256 = ?8, status = ?9, version = ?10, last_update_ms = ?11, "
    "last_error = ?12 WHERE id = ?1";

int store_remote_cluster_insert(struct store *st, const struct store_remote_cluster *rc)
{
	return rc_write(st, sql_rc_insert, WRITE_ANY, rc);
}

int store_remote_cluster_update(struct store *st, const struct store_remote_cluster *rc)
{
	return rc_write(st, sql_rc_update, WRITE_CHANGED, rc);
}

int store_remote_cluster_set_status(struct store *st, const char *id, const char *status,
				    const char *version, int64_t last_update_ms,
				    const char *last_error)
{
	if (!sqlite_write_ok(st) || !sqlite_key_ok(id) || !sqlite_fits(status, 16) ||
	    !sqlite_fits(version, LIM_TEXT_MAX) || !sqlite_fits(last_error, LIM_TEXT_MAX))
		return EINVAL;
	return sqlite_write(
	    st,
	    "UPDATE remote_clusters SET status = ?2, version = ?3, last_update_ms = ?4, "
	    "last_error = ?5 WHERE id = ?1",
	    WRITE_CHANGED, "tttlt", id, rc_status(status), version, last_update_ms, last_error);
}

int store_remote_cluster_delete(struct store *st, const char *id)
{
	/* its outbox rows go by ON DELETE CASCADE */
	return sqlite_delete(st, "DELETE FROM remote_clusters WHERE id = ?1", id);
}

int store_remote_cluster_list(struct store *st, const char *after, size_t limit,
			      int (*fn)(void *arg, const struct store_remote_cluster *rc),
			      void *arg)
{
	struct store_remote_cluster *rc = NULL;
	struct sqlite_query q;
	int err;

	if (!st || !fn)
		return EINVAL;
	err = sqlite_page_open(
	    &q, st, "SELECT " RC_COLS " FROM remote_clusters WHERE id > ?1 ORDER BY id LIMIT ?2",
	    after, limit);
	/* 17 KiB with its certificate: on the heap, list callbacks may run on small stacks */
	if (!err && !(rc = malloc(sizeof(*rc))))
		err = EIO;
	while (!err && sqlite_query_next(&q, &err) && !(err = row_rc(q.s, rc)))
		err = fn(arg, rc);
	free(rc);
	return sqlite_query_close(&q, err);
}

int store_remote_cluster_count(struct store *st, long *count)
{
	return sqlite_count(st, "SELECT count(*) FROM remote_clusters", count);
}

/* ---- EMCC home devices ---------------------------------------------------------------------- */

#define HD_COLS                                                                                    \
	"device, user_id, profile, visiting_cluster, model, protocol, security_mode, login_time, " \
	"login_duration, config_version, created_ms"

static int row_hd(sqlite3_stmt *s, void *row)
{
	struct store_emcc_home_device *hd = row;
	int err;

	if ((err = COL_TEXT(s, 0, hd->device)) || (err = COL_TEXT(s, 1, hd->user_id)) ||
	    (err = COL_TEXT(s, 2, hd->profile)) || (err = COL_TEXT(s, 3, hd->visiting_cluster)) ||
	    (err = COL_TEXT(s, 4, hd->model)) || (err = COL_TEXT(s, 5, hd->protocol)) ||
	    (err = COL_TEXT(s, 9, hd->config_version)))
		return err;
	hd->security_mode = sqlite3_column_int(s, 6);
	hd->login_time = sqlite3_column_int64(s, 7);
	hd->login_duration = sqlite3_column_int64(s, 8);
	hd->created_ms = sqlite3_column_int64(s, 10);
	return 0;
}

int store_emcc_home_device_get(struct store *st, const char *device,
			       struct store_emcc_home_device *out)
{
	return sqlite_get(st, "SELECT " HD_COLS " FROM emcc_home_devices WHERE device = ?1", device,
			  row_hd, out);
}

static const char sql_hd_put[] =
    "INSERT INTO emcc_home_devices (" HD_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
    "?7, ?8, ?9, ?10, ?11) ON CONFLICT (device) DO UPDATE SET "
    "user_id = excluded.user_id, profile = excluded.profile, "
    "visiting_cluster = excluded.visiting_cluster, model = excluded.model, "
    "protocol = excluded.protocol, security_mode = excluded.security_mode, "
    "login_time = excluded.login_time, login_duration = excluded.login_duration, "
    "config_version = excluded.config_version, created_ms = excluded.created_ms";

int store_emcc_home_device_put(struct store *st, const struct store_emcc_home_device *hd)
{
	char user[LIM_ID_MAX];

	if (!sqlite_write_ok(st) || !hd || !sqlite_key_ok(hd->device) ||
	    sqlite_user_key(hd->user_id, user, 0) || !FIELD_FITS(hd->profile) ||
	    !sqlite_key_ok(hd->visiting_cluster) || !FIELD_FITS(hd->model) ||
	    !FIELD_FITS(hd->protocol) || !FIELD_FITS(hd->config_version) || hd->login_duration < 0)
		return EINVAL;
	/* protocol and security_mode are checked by the schema */
	return sqlite_write(st, sql_hd_put, WRITE_ANY, "ttttttilltl", hd->device, user, hd->profile,
			    hd->visiting_cluster, hd->model, hd->protocol, hd->security_mode,
			    hd->login_time, hd->login_duration, hd->config_version, hd->created_ms);
}

int store_emcc_home_device_delete(struct store *st, const char *device)
{
	return sqlite_delete(st, "DELETE FROM emcc_home_devices WHERE device = ?1", device);
}

int store_emcc_home_device_list(struct store *st, const char *after, size_t limit,
				int (*fn)(void *arg, const struct store_emcc_home_device *hd),
				void *arg)
{
	struct store_emcc_home_device hd;
	struct sqlite_query q;
	int err;

	if (!st || !fn)
		return EINVAL;
	err = sqlite_page_open(&q, st,
			       "SELECT " HD_COLS " FROM emcc_home_devices WHERE device > ?1 "
			       "ORDER BY device LIMIT ?2",
			       after, limit);
	while (!err && sqlite_query_next(&q, &err) && !(err = row_hd(q.s, &hd)))
		err = fn(arg, &hd);
	return sqlite_query_close(&q, err);
}

int store_emcc_home_device_by_user(struct store *st, const char *user_id,
				   int (*fn)(void *arg, const struct store_emcc_home_device *hd),
				   void *arg)
{
	char user[LIM_ID_MAX];
	struct store_emcc_home_device hd;
	struct sqlite_query q;
	int err;

	if (!st || !fn || sqlite_user_key(user_id, user, 0))
		return EINVAL;
	err = sqlite_query_open(
	    &q, st, "SELECT " HD_COLS " FROM emcc_home_devices WHERE user_id = ?1 ORDER BY device",
	    "t", user);
	while (!err && sqlite_query_next(&q, &err) && !(err = row_hd(q.s, &hd)))
		err = fn(arg, &hd);
	return sqlite_query_close(&q, err);
}

int store_emcc_home_device_count(struct store *st, long *count)
{
	return sqlite_count(st, "SELECT count(*) FROM emcc_home_devices", count);
}

/* ---- EMCC visits ---------------------------------------------------------------------------- */

#define VISIT_COLS                                                                                 \
	"device, user_id, home_cluster, home_tftp, home_call_manager, home_tvs, login_time, "      \
	"login_duration, config_version"

static int row_visit(sqlite3_stmt *s, void *row)
{
	struct store_emcc_visit *v = row;
	int err;

	if ((err = COL_TEXT(s, 0, v->device)) || (err = COL_TEXT(s, 1, v->user_id)) ||
	    (err = COL_TEXT(s, 2, v->home_cluster)) || (err = COL_TEXT(s, 3, v->home_tftp)) ||
	    (err = COL_TEXT(s, 4, v->home_call_manager)) || (err = COL_TEXT(s, 5, v->home_tvs)) ||
	    (err = COL_TEXT(s, 8, v->config_version)))
		return err;
	v->login_time = sqlite3_column_int64(s, 6);
	v->login_duration = sqlite3_column_int64(s, 7);
	return 0;
}

int store_emcc_visit_get(struct store *st, const char *device, struct store_emcc_visit *out)
{
	return sqlite_get(st, "SELECT " VISIT_COLS " FROM emcc_visits WHERE device = ?1", device,
			  row_visit, out);
}

static const char sql_visit_put[] =
    "INSERT INTO emcc_visits (" VISIT_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
    "?7, ?8, ?9) ON CONFLICT (device) DO UPDATE SET "
    "user_id = excluded.user_id, home_cluster = excluded.home_cluster, "
    "home_tftp = excluded.home_tftp, home_call_manager = excluded.home_call_manager, "
    "home_tvs = excluded.home_tvs, login_time = excluded.login_time, "
    "login_duration = excluded.login_duration, config_version = excluded.config_version";

int store_emcc_visit_put(struct store *st, const struct store_emcc_visit *v)
{
	char user[LIM_ID_MAX];

	if (!sqlite_write_ok(st) || !v || !sqlite_key_ok(v->device) ||
	    sqlite_user_key(v->user_id, user, 0) || !sqlite_key_ok(v->home_cluster) ||
	    !FIELD_FITS(v->home_tftp) || !FIELD_FITS(v->home_call_manager) ||
	    !FIELD_FITS(v->home_tvs) || !FIELD_FITS(v->config_version) || v->login_duration < 0)
		return EINVAL;
	/* ENOENT (foreign key) when the device is not one of ours */
	return sqlite_write(st, sql_visit_put, WRITE_ANY, "ttttttllt", v->device, user,
			    v->home_cluster, v->home_tftp, v->home_call_manager, v->home_tvs,
			    v->login_time, v->login_duration, v->config_version);
}

int store_emcc_visit_delete(struct store *st, const char *device)
{
	return sqlite_delete(st, "DELETE FROM emcc_visits WHERE device = ?1", device);
}

int store_emcc_visit_list(struct store *st, const char *after, size_t limit,
			  int (*fn)(void *arg, const struct store_emcc_visit *v), void *arg)
{
	struct store_emcc_visit v;
	struct sqlite_query q;
	int err;

	if (!st || !fn)
		return EINVAL;
	err = sqlite_page_open(&q, st,
			       "SELECT " VISIT_COLS " FROM emcc_visits WHERE device > ?1 "
			       "ORDER BY device LIMIT ?2",
			       after, limit);
	while (!err && sqlite_query_next(&q, &err) && !(err = row_visit(q.s, &v)))
		err = fn(arg, &v);
	return sqlite_query_close(&q, err);
}

/* ---- EMCC outbox ---------------------------------------------------------------------------- */

#define OB_COLS "id, cluster, kind, device, user_id, reason, attempts, next_attempt_ms, created_ms"

static int row_outbox(sqlite3_stmt *s, struct store_emcc_outbox *o)
{
	int err;

	o->id = sqlite3_column_int64(s, 0);
	if ((err = COL_TEXT(s, 1, o->cluster)) || (err = COL_TEXT(s, 2, o->kind)) ||
	    (err = COL_TEXT(s, 3, o->device)) || (err = COL_TEXT(s, 4, o->user_id)) ||
	    (err = COL_TEXT(s, 5, o->reason)))
		return err;
	o->attempts = sqlite3_column_int(s, 6);
	o->next_attempt_ms = sqlite3_column_int64(s, 7);
	o->created_ms = sqlite3_column_int64(s, 8);
	return 0;
}

static const char sql_outbox_add[] =
    "INSERT INTO emcc_outbox (cluster, kind, device, user_id, reason, attempts, "
    "next_attempt_ms, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

int store_emcc_outbox_add(struct store *st, const struct store_emcc_outbox *o, int64_t *id)
{
	char user[LIM_ID_MAX];
	int err;

	if (!sqlite_write_ok(st) || !o || !sqlite_key_ok(o->cluster) || !FIELD_FITS(o->kind) ||
	    !sqlite_key_ok(o->device) || sqlite_user_key(o->user_id, user, 1) ||
	    !FIELD_FITS(o->reason) || o->attempts < 0)
		return EINVAL;
	/* kind is checked by the schema; an unknown cluster is ENOENT (foreign key) */
	if ((err = sqlite_write(st, sql_outbox_add, WRITE_ANY, "tttttill", o->cluster, o->kind,
				o->device, user, o->reason, o->attempts, o->next_attempt_ms,
				o->created_ms)))
		return err;
	if (id)
		*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_emcc_outbox_due(struct store *st, int64_t now_ms, size_t limit,
			  int (*fn)(void *arg, const struct store_emcc_outbox *o), void *arg)
{
	struct store_emcc_outbox o;
	struct sqlite_query q;
	int err;

	if (!st || !fn)
		return EINVAL;
	err = sqlite_query_open(
	    &q, st,
	    "SELECT " OB_COLS " FROM emcc_outbox WHERE next_attempt_ms <= ?1 ORDER BY id LIMIT ?2",
	    "ll", now_ms, sqlite_limit(limit));
	while (!err && sqlite_query_next(&q, &err) && !(err = row_outbox(q.s, &o)))
		err = fn(arg, &o);
	return sqlite_query_close(&q, err);
}

/* Saturates instead of tripping the CHECK after 2^31 tries of one message. */
static const char sql_outbox_attempted[] =
    "UPDATE emcc_outbox SET attempts = min(attempts + 1, 2147483647), "
    "next_attempt_ms = ?2 WHERE id = ?1";

int store_emcc_outbox_attempted(struct store *st, int64_t id, int64_t next_attempt_ms)
{
	if (!sqlite_write_ok(st))
		return EINVAL;
	return sqlite_write(st, sql_outbox_attempted, WRITE_CHANGED, "ll", id, next_attempt_ms);
}

int store_emcc_outbox_delete(struct store *st, int64_t id)
{
	if (!sqlite_write_ok(st))
		return EINVAL;
	return sqlite_write(st, "DELETE FROM emcc_outbox WHERE id = ?1", WRITE_CHANGED, "l", id);
}

static const char sql_outbox_delete_for[] =
    "DELETE FROM emcc_outbox WHERE cluster = ?1 AND device = ?2";

int store_emcc_outbox_delete_for(struct store *st, const char *cluster, const char *device,
				 long *deleted)
{
	struct sqlite_query q;
	int err;

	if (!sqlite_write_ok(st) || !sqlite_key_ok(cluster) || !sqlite_key_ok(device))
		return EINVAL;
	if (!(err = sqlite_query_open(&q, st, sql_outbox_delete_for, "tt", cluster, device)) &&
	    !(err = sqlite_step_done(q.s)) && deleted)
		*deleted = (long)sqlite3_changes(st->db);
	return sqlite_query_close(&q, err);
}

int store_emcc_outbox_count(struct store *st, long *count)
{
	return sqlite_count(st, "SELECT count(*) FROM emcc_outbox", count);
}
