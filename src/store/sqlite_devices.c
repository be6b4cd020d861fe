/* sqlite_devices.c -- the SQLite backend for devices, device profiles, the user <-> profile links
 * and the features (lines, speed dials, services) profiles and devices carry. */
#include "store/sqlite_int.h"

#include <errno.h>

/* ---- features ------------------------------------------------------------------------------- */

static int kind_ok(enum store_owner_kind kind)
{
	return kind == STORE_OWNER_PROFILE || kind == STORE_OWNER_DEVICE;
}

static int owner_exists(struct store *st, enum store_owner_kind kind, const char *owner)
{
	return sqlite_exists(st, kind == STORE_OWNER_PROFILE ? S_PROFILE_EXISTS : S_DEVICE_EXISTS,
			     "t", owner);
}

/* Reads the current row of the feature table that id walks into entry n of out. */
static int row_feature(sqlite3_stmt *s, enum stmt_id id, struct features *out, size_t n)
{
	int err;

	if (id == S_LINES_GET) {
		struct feature_line *l = &out->lines[n];

		l->index = sqlite3_column_int(s, 0);
		if ((err = sqlite_col_text(s, 1, l->dn, sizeof(l->dn))) ||
		    (err = sqlite_col_text(s, 2, l->label, sizeof(l->label))) ||
		    (err = sqlite_col_text(s, 3, l->display, sizeof(l->display))))
			return err;
	} else if (id == S_SD_GET) {
		struct feature_speed_dial *d = &out->speed_dials[n];

		d->index = sqlite3_column_int(s, 0);
		if ((err = sqlite_col_text(s, 1, d->number, sizeof(d->number))) ||
		    (err = sqlite_col_text(s, 2, d->label, sizeof(d->label))))
			return err;
	} else {
		struct feature_service *v = &out->services[n];

		if ((err = sqlite_col_text(s, 0, v->name, sizeof(v->name))) ||
		    (err = sqlite_col_text(s, 1, v->url, sizeof(v->url))))
			return err;
	}
	return 0;
}

/* Walks one feature table into out; more rows than the array holds means foreign writes. */
static int features_read(struct store *st, enum stmt_id id, int kind, const char *owner,
			 struct features *out)
{
	struct sqlite_query q;
	size_t n = 0, max;
	int err;

	max = id == S_LINES_GET ? LIM_LINES : id == S_SD_GET ? LIM_SPEED_DIALS : LIM_SERVICES;
	err = sqlite_query_open(&q, st, id, "it", kind, owner);
	while (!err && sqlite_query_next(&q, &err))
		err = n < max ? row_feature(q.s, id, out, n++) : EIO;
	if (!err) {
		if (id == S_LINES_GET)
			out->nlines = n;
		else if (id == S_SD_GET)
			out->nspeed_dials = n;
		else
			out->nservices = n;
	}
	return sqlite_query_close(&q, err);
}

int store_features_get(struct store *st, enum store_owner_kind kind, const char *owner,
		       struct features *out)
{
	int err;

	if (!st || !out || !kind_ok(kind) || !sqlite_key_ok(owner))
		return EINVAL;
	out->nlines = out->nspeed_dials = out->nservices = 0;
	if ((err = features_read(st, S_LINES_GET, kind, owner, out)) ||
	    (err = features_read(st, S_SD_GET, kind, owner, out)) ||
	    (err = features_read(st, S_SVC_GET, kind, owner, out)))
		out->nlines = out->nspeed_dials = out->nservices = 0;
	return err;
}

static int features_valid(const struct features *f)
{
	size_t i;

	if (!f || f->nlines > LIM_LINES || f->nspeed_dials > LIM_SPEED_DIALS ||
	    f->nservices > LIM_SERVICES)
		return 0;
	for (i = 0; i < f->nlines; i++) {
		const struct feature_line *l = &f->lines[i];

		if (l->index < 1 || !sqlite_fits(l->dn, sizeof(l->dn)) ||
		    !sqlite_fits(l->label, sizeof(l->label)) ||
		    !sqlite_fits(l->display, sizeof(l->display)))
			return 0;
	}
	for (i = 0; i < f->nspeed_dials; i++) {
		const struct feature_speed_dial *d = &f->speed_dials[i];

		if (d->index < 1 || !sqlite_fits(d->number, sizeof(d->number)) ||
		    !sqlite_fits(d->label, sizeof(d->label)))
			return 0;
	}
	for (i = 0; i < f->nservices; i++) {
		const struct feature_service *v = &f->services[i];

		if (!sqlite_fits(v->name, sizeof(v->name)) || !sqlite_fits(v->url, sizeof(v->url)))
			return 0;
	}
	return 1;
}

int store_features_set(struct store *st, enum store_owner_kind kind, const char *owner,
		       const struct features *f)
{
	static const enum stmt_id dels[] = {S_LINES_DEL, S_SD_DEL, S_SVC_DEL};
	size_t i;
	int err;

	if (!sqlite_write_ok(st) || !kind_ok(kind) || !sqlite_key_ok(owner) || !features_valid(f))
		return EINVAL;
	if ((err = owner_exists(st, kind, owner)))
		return err;
	if ((err = sqlite_savepoint(st)))
		return err;
	for (i = 0; i < sizeof(dels) / sizeof(dels[0]) && !err; i++)
		err = sqlite_write(st, dels[i], WRITE_ANY, "it", (int)kind, owner);
	for (i = 0; i < f->nlines && !err; i++) {
		const struct feature_line *l = &f->lines[i];

		err = sqlite_write(st, S_LINE_INS, WRITE_ANY, "itittt", (int)kind, owner, l->index,
				   l->dn, l->label, l->display);
	}
	for (i = 0; i < f->nspeed_dials && !err; i++) {
		const struct feature_speed_dial *d = &f->speed_dials[i];

		err = sqlite_write(st, S_SD_INS, WRITE_ANY, "ititt", (int)kind, owner, d->index,
				   d->number, d->label);
	}
	for (i = 0; i < f->nservices && !err; i++) {
		const struct feature_service *v = &f->services[i];

		err = sqlite_write(st, S_SVC_INS, WRITE_ANY, "itltt", (int)kind, owner,
				   (int64_t)(i + 1), v->name, v->url);
	}
	/* A duplicate line index fails half-way: undo the deletes too. */
	return sqlite_savepoint_end(st, err);
}

/* ---- device profiles ------------------------------------------------------------------------ */

static int row_profile(sqlite3_stmt *s, void *row)
{
	struct store_profile *p = row;
	int err;

	if ((err = sqlite_col_text(s, 0, p->name, sizeof(p->name))) ||
	    (err = sqlite_col_text(s, 1, p->description, sizeof(p->description))) ||
	    (err = sqlite_col_text(s, 2, p->model, sizeof(p->model))) ||
	    (err = sqlite_col_text(s, 3, p->user_locale, sizeof(p->user_locale))) ||
	    (err = sqlite_col_text(s, 4, p->softkey_template, sizeof(p->softkey_template))))
		return err;
	return 0;
}

int store_profile_get(struct store *st, const char *name, struct store_profile *out)
{
	if (!st || !out || !sqlite_key_ok(name))
		return EINVAL;
	return sqlite_get(st, S_PROFILE_GET, name, row_profile, out);
}

static int profile_write(struct store *st, enum stmt_id id, const struct store_profile *p)
{
	if (!sqlite_write_ok(st) || !p || !sqlite_key_ok(p->name) ||
	    !sqlite_fits(p->description, sizeof(p->description)) ||
	    !sqlite_fits(p->model, sizeof(p->model)) ||
	    !sqlite_fits(p->user_locale, sizeof(p->user_locale)) ||
	    !sqlite_fits(p->softkey_template, sizeof(p->softkey_template)))
		return EINVAL;
	return sqlite_write(st, id, id == S_PROFILE_UPDATE ? WRITE_CHANGED : WRITE_ANY, "ttttt",
			    p->name, p->description, p->model, p->user_locale, p->softkey_template);
}

int store_profile_insert(struct store *st, const struct store_profile *p)
{
	return profile_write(st, S_PROFILE_INSERT, p);
}

int store_profile_update(struct store *st, const struct store_profile *p)
{
	return profile_write(st, S_PROFILE_UPDATE, p);
}

int store_profile_delete(struct store *st, const char *name)
{
	/* user_profiles go by ON DELETE CASCADE, features by the device_profiles_delete trigger */
	return sqlite_delete(st, S_PROFILE_DELETE, name);
}

int store_profile_list(struct store *st, const char *after, size_t limit,
		       int (*fn)(void *arg, const struct store_profile *p), void *arg)
{
	struct store_profile p;
	struct sqlite_query q;
	int err;

	if (!after)
		after = "";
	if (!st || !fn || !sqlite_fits(after, LIM_ID_MAX))
		return EINVAL;
	err = sqlite_query_open(&q, st, S_PROFILE_LIST, "tl", after, sqlite_limit(limit));
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

	if ((err = sqlite_write(st, S_UP_CLEAR_DEFAULT, WRITE_ANY, "t", user)))
		return err;
	return sqlite_write(st, S_UP_SET_DEFAULT, WRITE_CHANGED, "tt", user, profile);
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
	err = sqlite_write(st, S_UP_INSERT, WRITE_ANY, "tt", user, profile);
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
	if ((err = sqlite_exists(st, S_UP_EXISTS, "tt", user, profile)))
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
	return sqlite_write(st, S_UP_DELETE, WRITE_CHANGED, "tt", user, profile);
}

static int row_user_profile(sqlite3_stmt *s, struct store_user_profile *up)
{
	int err;

	if ((err = sqlite_col_text(s, 0, up->user_id, sizeof(up->user_id))) ||
	    (err = sqlite_col_text(s, 1, up->profile, sizeof(up->profile))))
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
	err = sqlite_query_open(&q, st, S_UP_LIST, "t", user);
	while (!err && sqlite_query_next(&q, &err) && !(err = row_user_profile(q.s, &up)))
		err = fn(arg, &up);
	return sqlite_query_close(&q, err);
}

int store_user_default_profile(struct store *st, const char *user_id, char *profile, size_t len)
{
	char user[LIM_ID_MAX];

	if (!st || !profile || len == 0 || sqlite_user_key(user_id, user, 0))
		return EINVAL;
	return sqlite_get_text(st, S_UP_DEFAULT, user, profile, len);
}

/* ---- devices -------------------------------------------------------------------------------- */

static int row_device(sqlite3_stmt *s, void *row)
{
	struct store_device *d = row;
	int err;

	if ((err = sqlite_col_text(s, 0, d->name, sizeof(d->name))) ||
	    (err = sqlite_col_text(s, 1, d->description, sizeof(d->description))) ||
	    (err = sqlite_col_text(s, 2, d->model, sizeof(d->model))) ||
	    (err = sqlite_col_text(s, 3, d->protocol, sizeof(d->protocol))) ||
	    (err = sqlite_col_text(s, 7, d->user_locale, sizeof(d->user_locale))))
		return err;
	d->em_enabled = sqlite3_column_int(s, 4);
	d->emcc_enabled = sqlite3_column_int(s, 5);
	d->security_mode = sqlite3_column_int(s, 6);
	return 0;
}

int store_device_get(struct store *st, const char *name, struct store_device *out)
{
	if (!st || !out || !sqlite_key_ok(name))
		return EINVAL;
	return sqlite_get(st, S_DEVICE_GET, name, row_device, out);
}

static int device_write(struct store *st, enum stmt_id id, const struct store_device *d)
{
	if (!sqlite_write_ok(st) || !d || !sqlite_key_ok(d->name) ||
	    !sqlite_fits(d->description, sizeof(d->description)) ||
	    !sqlite_fits(d->model, sizeof(d->model)) ||
	    !sqlite_fits(d->protocol, sizeof(d->protocol)) ||
	    !sqlite_fits(d->user_locale, sizeof(d->user_locale)))
		return EINVAL;
	/* protocol and security_mode are checked by the schema: EINVAL from the CHECK */
	return sqlite_write(st, id, id == S_DEVICE_UPDATE ? WRITE_CHANGED : WRITE_ANY, "ttttiiit",
			    d->name, d->description, d->model, d->protocol, !!d->em_enabled,
			    !!d->emcc_enabled, d->security_mode, d->user_locale);
}

int store_device_insert(struct store *st, const struct store_device *d)
{
	return device_write(st, S_DEVICE_INSERT, d);
}

int store_device_update(struct store *st, const struct store_device *d)
{
	return device_write(st, S_DEVICE_UPDATE, d);
}

int store_device_delete(struct store *st, const char *name)
{
	/* em_state, the scheduled logout and the features go by the devices_delete trigger */
	return sqlite_delete(st, S_DEVICE_DELETE, name);
}

int store_device_list(struct store *st, const char *after, size_t limit,
		      int (*fn)(void *arg, const struct store_device *d), void *arg)
{
	struct store_device d;
	struct sqlite_query q;
	int err;

	if (!after)
		after = "";
	if (!st || !fn || !sqlite_fits(after, LIM_ID_MAX))
		return EINVAL;
	err = sqlite_query_open(&q, st, S_DEVICE_LIST, "tl", after, sqlite_limit(limit));
	while (!err && sqlite_query_next(&q, &err) && !(err = row_device(q.s, &d)))
		err = fn(arg, &d);
	return sqlite_query_close(&q, err);
}

int store_device_count(struct store *st, long *count)
{
	return sqlite_count(st, S_DEVICE_COUNT, count);
}
