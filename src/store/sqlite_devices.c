/* sqlite_devices.c -- the SQLite backend for devices, device profiles, the user <-> profile links
 * and the features (lines, speed dials, services) profiles and devices carry. */
#include "store/sqlite_int.h"

#include <errno.h>

/* ---- features ------------------------------------------------------------------------------- */

/* The three feature tables, in the order a read walks them. */
enum feature_table { FT_LINES, FT_SPEED_DIALS, FT_SERVICES, FT_COUNT };

/* clang-format off */
static const char *const sql_feature_get[FT_COUNT] = {
	[FT_LINES] = "SELECT idx, dn, label, display FROM lines WHERE owner_kind = ?1 AND "
		     "owner = ?2 ORDER BY idx",
	[FT_SPEED_DIALS] = "SELECT idx, number, label FROM speed_dials WHERE owner_kind = ?1 AND "
			   "owner = ?2 ORDER BY idx",
	[FT_SERVICES] = "SELECT name, url FROM services WHERE owner_kind = ?1 AND owner = ?2 "
			"ORDER BY idx",
};
static const char *const sql_feature_del[FT_COUNT] = {
	[FT_LINES] = "DELETE FROM lines WHERE owner_kind = ?1 AND owner = ?2",
	[FT_SPEED_DIALS] = "DELETE FROM speed_dials WHERE owner_kind = ?1 AND owner = ?2",
	[FT_SERVICES] = "DELETE FROM services WHERE owner_kind = ?1 AND owner = ?2",
};
/* clang-format on */

static int kind_ok(enum store_owner_kind kind)
{
	return kind == STORE_OWNER_PROFILE || kind == STORE_OWNER_DEVICE;
}

/* Reads the current row of feature table ft into entry n of out. */
static int row_feature(sqlite3_stmt *s, enum feature_table ft, struct features *out, size_t n)
{
	int err;

	if (ft == FT_LINES) {
		struct feature_line *l = &out->lines[n];

		l->index = sqlite3_column_int(s, 0);
		if ((err = COL_TEXT(s, 1, l->dn)) || (err = COL_TEXT(s, 2, l->label)) ||
		    (err = COL_TEXT(s, 3, l->display)))
			return err;
	} else if (ft == FT_SPEED_DIALS) {
		struct feature_speed_dial *d = &out->speed_dials[n];

		d->index = sqlite3_column_int(s, 0);
		if ((err = COL_TEXT(s, 1, d->number)) || (err = COL_TEXT(s, 2, d->label)))
			return err;
	} else {
		struct feature_service *v = &out->services[n];

		if ((err = COL_TEXT(s, 0, v->name)) || (err = COL_TEXT(s, 1, v->url)))
			return err;
	}
	return 0;
}

/* Walks one feature table into out; more rows than the array holds means foreign writes. */
static int features_read(struct store *st, enum feature_table ft, int kind, const char *owner,
			 struct features *out)
{
	static const size_t max[FT_COUNT] = {LIM_LINES, LIM_SPEED_DIALS, LIM_SERVICES};
	size_t *count[FT_COUNT] = {&out->nlines, &out->nspeed_dials, &out->nservices};
	struct sqlite_query q;
	size_t n = 0;
	int err;

	err = sqlite_query_open(&q, st, sql_feature_get[ft], "it", kind, owner);
	while (!err && sqlite_query_next(&q, &err))
		err = n < max[ft] ? row_feature(q.s, ft, out, n++) : EIO;
	if (!err)
		*count[ft] = n;
	return sqlite_query_close(&q, err);
}

int store_features_get(struct store *st, enum store_owner_kind kind, const char *owner,
		       struct features *out)
{
	int ft, err = 0;

	if (!st || !out || !kind_ok(kind) || !sqlite_key_ok(owner))
		return EINVAL;
	out->nlines = out->nspeed_dials = out->nservices = 0;
	for (ft = 0; ft < FT_COUNT && !err; ft++)
		err = features_read(st, (enum feature_table)ft, kind, owner, out);
	if (err)
		out->nlines = out->nspeed_dials = out->nservices = 0;
	return err;
}

static int owner_exists(struct store *st, enum store_owner_kind kind, const char *owner)
{
	if (kind == STORE_OWNER_PROFILE)
		return sqlite_exists(st, "SELECT 1 FROM device_profiles WHERE name = ?1", "t",
				     owner);
	return sqlite_exists(st, "SELECT 1 FROM devices WHERE name = ?1", "t", owner);
}

static int features_valid(const struct features *f)
{
	size_t i;

	if (!f || f->nlines > LIM_LINES || f->nspeed_dials > LIM_SPEED_DIALS ||
	    f->nservices > LIM_SERVICES)
		return 0;
	for (i = 0; i < f->nlines; i++) {
		const struct feature_line *l = &f->lines[i];

		if (l->index < 1 || !FIELD_FITS(l->dn) || !FIELD_FITS(l->label) ||
		    !FIELD_FITS(l->display))
			return 0;
	}
	for (i = 0; i < f->nspeed_dials; i++) {
		const struct feature_speed_dial *d = &f->speed_dials[i];

		if (d->index < 1 || !FIELD_FITS(d->number) || !FIELD_FITS(d->label))
			return 0;
	}
	for (i = 0; i < f->nservices; i++) {
		if (!FIELD_FITS(f->services[i].name) || !FIELD_FITS(f->services[i].url))
			return 0;
	}
	return 1;
}

int store_features_set(struct store *st, enum store_owner_kind kind, const char *owner,
		       const struct features *f)
{
	size_t i;
	int ft, err;

	if (!sqlite_write_ok(st) || !kind_ok(kind) || !sqlite_key_ok(owner) || !features_valid(f))
		return EINVAL;
	if ((err = owner_exists(st, kind, owner)))
		return err;
	if ((err = sqlite_savepoint(st)))
		return err;
	for (ft = 0; ft < FT_COUNT && !err; ft++)
		err = sqlite_write(st, sql_feature_del[ft], WRITE_ANY, "it", (int)kind, owner);
	for (i = 0; i < f->nlines && !err; i++) {
		const struct feature_line *l = &f->lines[i];

		err = sqlite_write(st,
				   "INSERT INTO lines (owner_kind, owner, idx, dn, label, display) "
				   "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
				   WRITE_ANY, "itittt", (int)kind, owner, l->index, l->dn, l->label,
				   l->display);
	}
	for (i = 0; i < f->nspeed_dials && !err; i++) {
		const struct feature_speed_dial *d = &f->speed_dials[i];

		err = sqlite_write(
		    st,
		    "INSERT INTO speed_dials (owner_kind, owner, idx, number, label) "
		    "VALUES (?1, ?2, ?3, ?4, ?5)",
		    WRITE_ANY, "ititt", (int)kind, owner, d->index, d->number, d->label);
	}
	for (i = 0; i < f->nservices && !err; i++) {
		const struct feature_service *v = &f->services[i];

		err = sqlite_write(st,
				   "INSERT INTO services (owner_kind, owner, idx, name, url) "
				   "VALUES (?1, ?2, ?3, ?4, ?5)",
				   WRITE_ANY, "itltt", (int)kind, owner, (int64_t)(i + 1), v->name,
				   v->url);
	}
	/* A duplicate line index fails half-way: undo the deletes too. */
	return sqlite_savepoint_end(st, err);
}

/* ---- device profiles ------------------------------------------------------------------------ */

#define PROFILE_COLS "name, description, model, user_locale, softkey_template"

static int row_profile(sqlite3_stmt *s, void *row)
{
	struct store_profile *p = row;
	int err;

	if ((err = COL_TEXT(s, 0, p->name)) || (err = COL_TEXT(s, 1, p->description)) ||
	    (err = COL_TEXT(s, 2, p->model)) || (err = COL_TEXT(s, 3, p->user_locale)) ||
	    (err = COL_TEXT(s, 4, p->softkey_template)))
		return err;
	return 0;
}

int store_profile_get(struct store *st, const char *name, struct store_profile *out)
{
	return sqlite_get(st, "SELECT " PROFILE_COLS " FROM device_profiles WHERE name = ?1", name,
			  row_profile, out);
}

/* Insert and update bind the same parameters: ?1 is the name, the rest the columns in order. */
static int profile_write(struct store *st, const char *sql, enum write_check check,
			 const struct store_profile *p)
{
	if (!sqlite_write_ok(st) || !p || !sqlite_key_ok(p->name) || !FIELD_FITS(p->description) ||
	    !FIELD_FITS(p->model) || !FIELD_FITS(p->user_locale) ||
	    !FIELD_FITS(p->softkey_template))
		return EINVAL;
	return sqlite_write(st, sql, check, "ttttt", p->name, p->description, p->model,
			    p->user_locale, p->softkey_template);
}

int store_profile_insert(struct store *st, const struct store_profile *p)
{
	return profile_write(st,
			     "INSERT INTO device_profiles (" PROFILE_COLS ") "
			     "VALUES (?1, ?2, ?3, ?4, ?5)",
			     WRITE_ANY, p);
}

int store_profile_update(struct store *st, const struct store_profile *p)
{
	return profile_write(st,
			     "UPDATE device_profiles SET description = ?2, model = ?3, "
			     "user_locale = ?4, softkey_template = ?5 WHERE name = ?1",
			     WRITE_CHANGED, p);
}

int store_profile_delete(struct store *st, const char *name)
{
	/* user_profiles go by ON DELETE CASCADE, features by the device_profiles_delete trigger */
	return sqlite_delete(st, "DELETE FROM device_profiles WHERE name = ?1", name);
}

int store_profile_list(struct store *st, const char *after, size_t limit,
		       int (*fn)(void *arg, const struct store_profile *p), void *arg)
{
	struct store_profile p;
	struct sqlite_query q;
	int err;

	if (!st || !fn)
		return EINVAL;
	err = sqlite_page_open(&q, st,
			       "SELECT " PROFILE_COLS " FROM device_profiles WHERE name > ?1 "
			       "ORDER BY name LIMIT ?2",
			       after, limit);
	while (!err && sqlite_query_next(&q, &err) && !(err = row_profile(q.s, &p)))
		err = fn(arg, &p);
	return sqlite_query_close(&q, err);
}

/* ---- user <-> profile ----------------------------------------------------------------------- */

/* Clears the user's default and makes profile the default; the link must exist. Two statements
 * because the one-default index is checked row by row during an UPDATE. */
static int up_make_default(struct store *st, const char *user, const char *profile)
{
	int err;

	if ((err = sqlite_write(st,
				"UPDATE user_profiles SET is_default = 0 WHERE user_id = ?1 AND "
				"is_default = 1",
				WRITE_ANY, "t", user)))
		return err;
	return sqlite_write(st,
			    "UPDATE user_profiles SET is_default = 1 WHERE user_id = ?1 AND "
			    "profile = ?2",
			    WRITE_CHANGED, "tt", user, profile);
}

int store_user_profile_add(struct store *st, const char *user_id, const char *profile,
			   int is_default)
{
	char user[LIM_ID_MAX];
	int err;

	if (!sqlite_write_ok(st) || sqlite_user_key(user_id, user, 0) || !sqlite_key_ok(profile))
		return EINVAL;
	if ((err = sqlite_savepoint(st)))
		return err;
	/* EEXIST if linked, ENOENT (foreign key) if the user or the profile is missing */
	err = sqlite_write(st,
			   "INSERT INTO user_profiles (user_id, profile, is_default) "
			   "VALUES (?1, ?2, 0)",
			   WRITE_ANY, "tt", user, profile);
	if (!err && is_default)
		err = up_make_default(st, user, profile);
	return sqlite_savepoint_end(st, err);
}

int store_user_profile_set_default(struct store *st, const char *user_id, const char *profile)
{
	char user[LIM_ID_MAX];
	int err;

	if (!sqlite_write_ok(st) || sqlite_user_key(user_id, user, 0) || !sqlite_key_ok(profile))
		return EINVAL;
	/* Check first, so a missing link leaves the current default alone. */
	if ((err = sqlite_exists(st,
				 "SELECT 1 FROM user_profiles WHERE user_id = ?1 AND profile = ?2",
				 "tt", user, profile)))
		return err;
	if ((err = sqlite_savepoint(st)))
		return err;
	return sqlite_savepoint_end(st, up_make_default(st, user, profile));
}

int store_user_profile_del(struct store *st, const char *user_id, const char *profile)
{
	char user[LIM_ID_MAX];

	if (!sqlite_write_ok(st) || sqlite_user_key(user_id, user, 0) || !sqlite_key_ok(profile))
		return EINVAL;
	return sqlite_write(st, "DELETE FROM user_profiles WHERE user_id = ?1 AND profile = ?2",
			    WRITE_CHANGED, "tt", user, profile);
}

static int row_user_profile(sqlite3_stmt *s, struct store_user_profile *up)
{
	int err;

	if ((err = COL_TEXT(s, 0, up->user_id)) || (err = COL_TEXT(s, 1, up->profile)))
		return err;
	up->is_default = sqlite3_column_int(s, 2);
	return 0;
}

int store_user_profile_list(struct store *st, const char *user_id,
			    int (*fn)(void *arg, const struct store_user_profile *up), void *arg)
{
	char user[LIM_ID_MAX];
	struct store_user_profile up;
	struct sqlite_query q;
	int err;

	if (!st || !fn || sqlite_user_key(user_id, user, 0))
		return EINVAL;
	err = sqlite_query_open(&q, st,
				"SELECT user_id, profile, is_default FROM user_profiles "
				"WHERE user_id = ?1 ORDER BY is_default DESC, profile",
				"t", user);
	while (!err && sqlite_query_next(&q, &err) && !(err = row_user_profile(q.s, &up)))
		err = fn(arg, &up);
	return sqlite_query_close(&q, err);
}

int store_user_default_profile(struct store *st, const char *user_id, char *profile, size_t len)
{
	char user[LIM_ID_MAX];

	if (sqlite_user_key(user_id, user, 0))
		return EINVAL;
	return sqlite_get_text(st,
			       "SELECT profile FROM user_profiles WHERE user_id = ?1 AND "
			       "is_default = 1",
			       user, profile, len);
}

/* ---- devices -------------------------------------------------------------------------------- */

#define DEVICE_COLS                                                                                \
	"name, description, model, protocol, em_enabled, emcc_enabled, security_mode, user_locale"

static int row_device(sqlite3_stmt *s, void *row)
{
	struct store_device *d = row;
	int err;

	if ((err = COL_TEXT(s, 0, d->name)) || (err = COL_TEXT(s, 1, d->description)) ||
	    (err = COL_TEXT(s, 2, d->model)) || (err = COL_TEXT(s, 3, d->protocol)) ||
	    (err = COL_TEXT(s, 7, d->user_locale)))
		return err;
	d->em_enabled = sqlite3_column_int(s, 4);
	d->emcc_enabled = sqlite3_column_int(s, 5);
	d->security_mode = sqlite3_column_int(s, 6);
	return 0;
}

int store_device_get(struct store *st, const char *name, struct store_device *out)
{
	return sqlite_get(st, "SELECT " DEVICE_COLS " FROM devices WHERE name = ?1", name,
			  row_device, out);
}

/* Insert and update bind the same parameters: ?1 is the name, the rest the columns in order. */
static int device_write(struct store *st, const char *sql, enum write_check check,
			const struct store_device *d)
{
	if (!sqlite_write_ok(st) || !d || !sqlite_key_ok(d->name) || !FIELD_FITS(d->description) ||
	    !FIELD_FITS(d->model) || !FIELD_FITS(d->protocol) || !FIELD_FITS(d->user_locale))
		return EINVAL;
	/* protocol and security_mode are checked by the schema: EINVAL from the CHECK */
	return sqlite_write(st, sql, check, "ttttiiit", d->name, d->description, d->model,
			    d->protocol, !!d->em_enabled, !!d->emcc_enabled, d->security_mode,
			    d->user_locale);
}

int store_device_insert(struct store *st, const struct store_device *d)
{
	return device_write(st,
			    "INSERT INTO devices (" DEVICE_COLS ") "
			    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
			    WRITE_ANY, d);
}

int store_device_update(struct store *st, const struct store_device *d)
{
	return device_write(st,
			    "UPDATE devices SET description = ?2, model = ?3, protocol = ?4, "
			    "em_enabled = ?5, emcc_enabled = ?6, security_mode = ?7, "
			    "user_locale = ?8 WHERE name = ?1",
			    WRITE_CHANGED, d);
}

int store_device_delete(struct store *st, const char *name)
{
	/* em_state, the scheduled logout and the features go by the devices_delete trigger */
	return sqlite_delete(st, "DELETE FROM devices WHERE name = ?1", name);
}

int store_device_list(struct store *st, const char *after, size_t limit,
		      int (*fn)(void *arg, const struct store_device *d), void *arg)
{
	struct store_device d;
	struct sqlite_query q;
	int err;

	if (!st || !fn)
		return EINVAL;
	err = sqlite_page_open(
	    &q, st, "SELECT " DEVICE_COLS " FROM devices WHERE name > ?1 ORDER BY name LIMIT ?2",
	    after, limit);
	while (!err && sqlite_query_next(&q, &err) && !(err = row_device(q.s, &d)))
		err = fn(arg, &d);
	return sqlite_query_close(&q, err);
}

int store_device_count(struct store *st, long *count)
{
	return sqlite_count(st, "SELECT count(*) FROM devices", count);
}
