/* admin_devices.c -- admin commands for devices and device profiles, with their lines,
 * speed dials and services. */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "admin/admin_int.h"
#include "em/models.h"
#include "store/store.h"

/* The fields of a device and of a profile; "add" needs the model, "set" keeps the stored one. */
/* clang-format off */
#define DEVICE_ARGS(model_required)                                                                \
	{ "name", ADMIN_T_STR, 1, 0 }, { "model", ADMIN_T_STR, model_required, 0 },               \
	    { "protocol", ADMIN_T_STR, 0, 0 }, { "description", ADMIN_T_STR, 0, 0 },             \
	    { "em_enabled", ADMIN_T_BOOL, 0, 0 }, { "emcc_enabled", ADMIN_T_BOOL, 0, 0 },        \
	    { "security_mode", ADMIN_T_INT, 0, 0 }, { "user_locale", ADMIN_T_STR, 0, 0 },        \
	    { "lines", ADMIN_T_ARRAY, 0, 0 }
/* clang-format on */
/* clang-format off */
#define PROFILE_ARGS(model_required)                                                               \
	{ "name", ADMIN_T_STR, 1, 0 }, { "model", ADMIN_T_STR, model_required, 0 },               \
	    { "description", ADMIN_T_STR, 0, 0 }, { "user_locale", ADMIN_T_STR, 0, 0 },          \
	    { "softkey_template", ADMIN_T_STR, 0, 0 }, { "lines", ADMIN_T_ARRAY, 0, 0 },         \
	    { "speed_dials", ADMIN_T_ARRAY, 0, 0 }, { "services", ADMIN_T_ARRAY, 0, 0 }
/* clang-format on */

const struct admin_arg admin_device_add_args[] = {DEVICE_ARGS(1), ADMIN_ARGS_END};
const struct admin_arg admin_device_set_args[] = {DEVICE_ARGS(0), ADMIN_ARGS_END};
const struct admin_arg admin_profile_add_args[] = {PROFILE_ARGS(1), ADMIN_ARGS_END};
const struct admin_arg admin_profile_set_args[] = {PROFILE_ARGS(0), ADMIN_ARGS_END};

static const struct admin_arg line_args[] = {{"index", ADMIN_T_INT, 0, 0},
					     {"dn", ADMIN_T_STR, 1, 0},
					     {"label", ADMIN_T_STR, 0, 0},
					     {"display", ADMIN_T_STR, 0, 0},
					     ADMIN_ARGS_END};
static const struct admin_arg speed_dial_args[] = {{"index", ADMIN_T_INT, 0, 0},
						   {"number", ADMIN_T_STR, 1, 0},
						   {"label", ADMIN_T_STR, 0, 0},
						   ADMIN_ARGS_END};
static const struct admin_arg service_args[] = {
    {"name", ADMIN_T_STR, 1, 0}, {"url", ADMIN_T_STR, 1, 0}, ADMIN_ARGS_END};

/* ---- features: lines, speed dials, services ---------------------------------------------------
 */

/* Element i of the JSON array `key` being read; errors name its fields ("lines[2].dn"). */
struct item {
	json_t *o;
	const char *key;
	size_t i, max;
	int used[LIM_SPEED_DIALS]; /* indexes taken so far; the largest of the three lists */
	char field[96];
	struct admin_err *e;
};
_Static_assert(LIM_SPEED_DIALS >= LIM_LINES && LIM_SPEED_DIALS >= LIM_SERVICES,
	       "struct item's used[] must hold every feature list");

/* Names member `name` of the element in it->field ("lines[2].dn"), or the element itself. */
static const char *item_field(struct item *it, const char *name)
{
	if (name)
		snprintf(it->field, sizeof(it->field), "%s[%zu].%s", it->key, it->i, name);
	else
		snprintf(it->field, sizeof(it->field), "%s[%zu]", it->key, it->i);
	return it->field;
}

/* Index of the element: given, or its position (1-based); unique and within 1..max. */
static int item_index(struct item *it, int *index)
{
	json_t *v = json_object_get(it->o, "index");
	long long idx = v ? json_integer_value(v) : (long long)it->i + 1;
	const char *field = item_field(it, "index");

	if (idx < 1 || idx > (long long)it->max)
		return admin_fail(it->e, 400, field, "'%s' must be 1..%zu", field, it->max);
	if (it->used[idx - 1])
		return admin_fail(it->e, 400, field, "index %lld used twice", idx);
	it->used[idx - 1] = 1;
	*index = (int)idx;
	return 0;
}

/* String member `name` of the element into dst; a required one must not be empty. */
static int item_str(struct item *it, const char *name, char *dst, size_t len, int required)
{
	const char *field = item_field(it, name);
	int rc;

	if ((rc = admin_get_str(it->o, name, field, dst, len, NULL, it->e)))
		return rc;
	if (required && !dst[0])
		return admin_fail(it->e, 400, field, "'%s' is empty", field);
	return 0;
}

static int read_line(struct item *it, struct features *f)
{
	struct feature_line *l = &f->lines[f->nlines];
	int rc;

	memset(l, 0, sizeof(*l));
	if ((rc = item_index(it, &l->index)) ||
	    (rc = item_str(it, "dn", l->dn, sizeof(l->dn), 1)) ||
	    (rc = item_str(it, "label", l->label, sizeof(l->label), 0)) ||
	    (rc = item_str(it, "display", l->display, sizeof(l->display), 0)))
		return rc;
	f->nlines++;
	return 0;
}

static int read_speed_dial(struct item *it, struct features *f)
{
	struct feature_speed_dial *sd = &f->speed_dials[f->nspeed_dials];
	int rc;

	memset(sd, 0, sizeof(*sd));
	if ((rc = item_index(it, &sd->index)) ||
	    (rc = item_str(it, "number", sd->number, sizeof(sd->number), 1)) ||
	    (rc = item_str(it, "label", sd->label, sizeof(sd->label), 0)))
		return rc;
	f->nspeed_dials++;
	return 0;
}

static int read_service(struct item *it, struct features *f)
{
	struct feature_service *sv = &f->services[f->nservices];
	int rc;

	memset(sv, 0, sizeof(*sv));
	if ((rc = item_str(it, "name", sv->name, sizeof(sv->name), 1)) ||
	    (rc = item_str(it, "url", sv->url, sizeof(sv->url), 1)))
		return rc;
	/* Phones fetch these; anything but http(s) is a mistake or worse. */
	if (strncasecmp(sv->url, "http://", 7) != 0 && strncasecmp(sv->url, "https://", 8) != 0)
		return admin_fail(it->e, 400, it->field, "'%s' must be an http:// or https:// URL",
				  it->field);
	f->nservices++;
	return 0;
}

/* One feature list of the admin JSON: its member, its limit and how to read an element. */
struct feature_list {
	const char *key;
	const char *what; /* for "too many ..." */
	size_t max;
	const struct admin_arg *args;
	size_t count_at; /* offsetof its count (nlines, ...) in struct features */
	int (*read)(struct item *it, struct features *f);
};

/* Lines first: a device takes only those here (its speed dials and services are kept). */
static const struct feature_list feature_lists[] = {
    {"lines", "lines", LIM_LINES, line_args, offsetof(struct features, nlines), read_line},
    {"speed_dials", "speed dials", LIM_SPEED_DIALS, speed_dial_args,
     offsetof(struct features, nspeed_dials), read_speed_dial},
    {"services", "services", LIM_SERVICES, service_args, offsetof(struct features, nservices),
     read_service},
};

/* Replaces the list fl of f with the JSON array arr. */
static int parse_features(json_t *arr, const struct feature_list *fl, struct features *f,
			  struct admin_err *e)
{
	struct item it = {.key = fl->key, .max = fl->max, .e = e};
	int rc;

	if (json_array_size(arr) > fl->max)
		return admin_fail(e, 400, fl->key, "too many %s (at most %zu)", fl->what, fl->max);
	*(size_t *)((char *)f + fl->count_at) = 0; /* each read appends */
	json_array_foreach (arr, it.i, it.o) {
		if (!json_is_object(it.o))
			return admin_fail(e, 400, item_field(&it, NULL), "'%s' must be an object",
					  it.field);
		snprintf(it.field, sizeof(it.field), "%s[%zu].", fl->key, it.i);
		if ((rc = admin_check_args(it.o, fl->args, it.field, e)) || (rc = fl->read(&it, f)))
			return rc;
	}
	return 0;
}

/* Reads the first n of feature_lists that args has into f; *given says whether any was there. */
static int features_apply(json_t *args, size_t n, struct features *f, int *given,
			  struct admin_err *e)
{
	json_t *v;
	size_t k;
	int rc;

	*given = 0;
	for (k = 0; k < n; k++) {
		if (!(v = json_object_get(args, feature_lists[k].key)))
			continue;
		*given = 1;
		if ((rc = parse_features(v, &feature_lists[k], f, e)))
			return rc;
	}
	return 0;
}

static json_t *lines_json(const struct features *f)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < f->nlines; i++)
		json_array_append_new(a,
				      json_pack("{s:i, s:s, s:s, s:s}", "index", f->lines[i].index,
						"dn", f->lines[i].dn, "label", f->lines[i].label,
						"display", f->lines[i].display));
	return a;
}

static json_t *speed_dials_json(const struct features *f)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < f->nspeed_dials; i++)
		json_array_append_new(
		    a, json_pack("{s:i, s:s, s:s}", "index", f->speed_dials[i].index, "number",
				 f->speed_dials[i].number, "label", f->speed_dials[i].label));
	return a;
}

static json_t *services_json(const struct features *f)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < f->nservices; i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "name", f->services[i].name, "url",
						   f->services[i].url));
	return a;
}

/* ---- models and names -------------------------------------------------------------------------
 */

static int find_model(const char *name, const char *field, const struct em_model **mp,
		      struct admin_err *e)
{
	const struct em_model *all;
	char known[200] = "";
	size_t off = 0;
	int n = 0, i;

	*mp = em_model_find(name);
	if (*mp)
		return 0;
	all = em_models(&n);
	for (i = 0; all && i < n && i < 8; i++)
		off += (size_t)snprintf(known + off, sizeof(known) - off, "%s%s", i ? ", " : "",
					all[i].name);
	return admin_fail(e, 400, field, "unknown model '%s' (known: %s%s; see `emcc model list`)",
			  name, known[0] ? known : "none", n > 8 ? ", ..." : "");
}

/* Device names of SEP phones carry the MAC in uppercase hex; accept any case from the admin. */
static void device_name_canon(char *name)
{
	char *p;

	if (strncasecmp(name, "SEP", 3) == 0)
		for (p = name; *p; p++)
			*p = (char)toupper((unsigned char)*p);
}

static int arg_device_name(json_t *args, char *name, size_t len, struct admin_err *e)
{
	int rc = admin_get_str(args, "name", NULL, name, len, NULL, e);

	if (rc)
		return rc;
	if (!name[0])
		return admin_fail(e, 400, "name", "empty device name");
	device_name_canon(name);
	return 0;
}

/* ---- devices ----------------------------------------------------------------------------------
 */

static json_t *device_json(struct store *st, const struct store_device *d, int details)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:i, s:s}", "name", d->name, "model",
			      d->model, "protocol", d->protocol, "description", d->description,
			      "em_enabled", d->em_enabled, "emcc_enabled", d->emcc_enabled,
			      "security_mode", d->security_mode, "user_locale", d->user_locale);
	struct features *f;
	struct store_em_state s;

	if (!o || !details)
		return o;
	f = calloc(1, sizeof(*f));
	if (f && store_features_get(st, STORE_OWNER_DEVICE, d->name, f) == 0)
		json_object_set_new(o, "lines", lines_json(f));
	free(f);
	if (store_em_state_get(st, d->name, &s) == 0) {
		json_object_set_new(o, "logged_in_user", json_string(s.user_id));
		json_object_set_new(o, "profile", json_string(s.profile));
		json_object_set_new(o, "login_time", json_integer(s.login_time));
		json_object_set_new(o, "login_duration", json_integer(s.login_duration));
		json_object_set_new(o, "last_user", json_string(s.last_user_id));
		json_object_set_new(o, "emcc_role",
				    json_string(s.emcc_role == STORE_EMCC_VISITOR ? "visitor"
						: s.emcc_role == STORE_EMCC_HOME  ? "home"
										  : "none"));
	} else {
		json_object_set_new(o, "logged_in_user", json_string(""));
	}
	return o;
}

/* Applies the optional device fields of args onto d and checks the whole device. */
static int device_apply(json_t *args, struct store_device *d, struct features *f, int *lines_given,
			struct admin_err *e)
{
	const struct em_model *m;
	char model[LIM_TEXT_MAX] = "", proto[16] = "";
	const char *why = NULL;
	json_t *v;
	int present, rc;

	if ((rc = admin_get_str(args, "model", NULL, model, sizeof(model), &present, e)))
		return rc;
	if ((rc = find_model(present ? model : d->model, "model", &m, e)))
		return rc;
	snprintf(d->model, sizeof(d->model), "%s", m->name);
	if ((rc = admin_get_str(args, "protocol", NULL, proto, sizeof(proto), &present, e)))
		return rc;
	if (present) {
		if (strcasecmp(proto, "SIP") && strcasecmp(proto, "SCCP"))
			return admin_fail(e, 400, "protocol", "'protocol' must be SIP or SCCP");
		snprintf(d->protocol, sizeof(d->protocol), "%s",
			 strcasecmp(proto, "SIP") == 0 ? "SIP" : "SCCP");
	}
	if ((rc = admin_get_str(args, "description", NULL, d->description, sizeof(d->description),
				NULL, e)) ||
	    (rc = admin_get_str(args, "user_locale", NULL, d->user_locale, sizeof(d->user_locale),
				NULL, e)))
		return rc;
	admin_get_bool(args, "em_enabled", &d->em_enabled);
	admin_get_bool(args, "emcc_enabled", &d->emcc_enabled);
	if ((v = json_object_get(args, "security_mode"))) {
		json_int_t sm = json_integer_value(v);
		if (sm < 1 || sm > 3)
			return admin_fail(e, 400, "security_mode",
					  "'security_mode' must be 1 (non-secure), 2 "
					  "(authenticated) or 3 (encrypted)");
		d->security_mode = (int)sm;
	}
	if (em_model_check_device_name(m, d->name, &why))
		return admin_fail(e, 400, "name", "bad device name '%s' for model %s: %s", d->name,
				  m->name, why ? why : "does not fit the naming rule");
	if (d->emcc_enabled && !m->supports_emcc)
		return admin_fail(e, 400, "emcc_enabled", "model %s does not support EMCC",
				  m->name);
	return features_apply(args, 1, f, lines_given, e);
}

int admin_device_create(struct admin_ctx *ctx, json_t *args, struct admin_err *e, json_t **shown)
{
	struct store *st = ctx->em->st;
	struct store_device d;
	struct features *f = calloc(1, sizeof(*f));
	int rc, lines, began = 0;

	if (!f)
		return admin_fail(e, 500, NULL, "out of memory");
	memset(&d, 0, sizeof(d));
	snprintf(d.protocol, sizeof(d.protocol), "SIP");
	d.em_enabled = 1;
	d.security_mode = 1;
	if ((rc = arg_device_name(args, d.name, sizeof(d.name), e)) ||
	    (rc = device_apply(args, &d, f, &lines, e)))
		goto out;
	if ((rc = store_begin(st))) {
		rc = admin_store_fail(e, rc, NULL, "device");
		goto out;
	}
	began = 1;
	rc = store_device_insert(st, &d);
	if (rc == EEXIST) {
		rc = admin_fail(e, 409, "name", "device '%s' already exists", d.name);
		goto out;
	}
	if (!rc && lines)
		rc = store_features_set(st, STORE_OWNER_DEVICE, d.name, f);
	/* A new stamp: a device made again under an old name must not get the old file. */
	if (!rc)
		rc = store_config_bump(st, d.name, admin_now_ms(ctx), NULL, 0);
	if (rc) {
		rc = admin_store_fail(e, rc, "name", "device");
		goto out;
	}
	began = 0;
	if ((rc = store_commit(st))) {
		rc = admin_store_fail(e, rc, NULL, "device");
		goto out;
	}
	if (shown)
		*shown = device_json(st, &d, 1);
out:
	if (began)
		store_rollback(st);
	free(f);
	return rc;
}

int admin_cmd_device_add(struct admin_call *c)
{
	int rc = admin_device_create(c->ctx, c->args, &c->err, &c->out);

	return rc ? rc : 200;
}

int admin_cmd_device_set(struct admin_call *c)
{
	struct store *st = c->ctx->em->st;
	struct store_device d;
	struct features *f = calloc(1, sizeof(*f));
	char name[LIM_ID_MAX];
	int rc, lines, began = 0;

	if (!f)
		return admin_fail(&c->err, 500, NULL, "out of memory");
	if ((rc = arg_device_name(c->args, name, sizeof(name), &c->err)))
		goto out;
	if ((rc = store_begin(st))) {
		rc = admin_store_fail(&c->err, rc, NULL, "device");
		goto out;
	}
	began = 1;
	rc = store_device_get(st, name, &d);
	if (rc == ENOENT) {
		rc = admin_fail(&c->err, 404, "name", "no such device '%s'", name);
		goto out;
	}
	if (rc) {
		rc = admin_store_fail(&c->err, rc, "name", "device");
		goto out;
	}
	/* Keep the device's speed dials and services; only lines are set through here. */
	if ((rc = store_features_get(st, STORE_OWNER_DEVICE, name, f))) {
		rc = admin_store_fail(&c->err, rc, "name", "device");
		goto out;
	}
	if ((rc = device_apply(c->args, &d, f, &lines, &c->err)))
		goto out;
	rc = store_device_update(st, &d);
	if (!rc && lines)
		rc = store_features_set(st, STORE_OWNER_DEVICE, name, f);
	if (!rc) /* its SEP<MAC>.cnf.xml changes: a new versionStamp */
		rc = store_config_bump(st, name, admin_now_ms(c->ctx), NULL, 0);
	if (rc) {
		rc = admin_store_fail(&c->err, rc, "name", "device");
		goto out;
	}
	began = 0;
	if ((rc = store_commit(st))) {
		rc = admin_store_fail(&c->err, rc, NULL, "device");
		goto out;
	}
	c->out = device_json(st, &d, 1);
	rc = 200;
out:
	if (began)
		store_rollback(st);
	free(f);
	return rc;
}

int admin_cmd_device_show(struct admin_call *c)
{
	struct store_device d;
	char name[LIM_ID_MAX];
	int rc;

	if ((rc = arg_device_name(c->args, name, sizeof(name), &c->err)))
		return rc;
	rc = store_device_get(c->ctx->em->st, name, &d);
	if (rc == ENOENT)
		return admin_fail(&c->err, 404, "name", "no such device '%s'", name);
	if (rc)
		return admin_store_fail(&c->err, rc, "name", "device");
	c->out = device_json(c->ctx->em->st, &d, 1);
	return 200;
}

int admin_cmd_device_del(struct admin_call *c)
{
	struct store *st = c->ctx->em->st;
	struct store_em_state s;
	char name[LIM_ID_MAX];
	int rc;

	if ((rc = arg_device_name(c->args, name, sizeof(name), &c->err)))
		return rc;
	/* Deleting a phone under a login would leave a scheduled logout and a phone pointing at
	 * a profile nobody can log out of: the admin logs it out first (emcc device logout). */
	if (store_em_state_get(st, name, &s) == 0 && s.user_id[0])
		return admin_fail(&c->err, 409, "name",
				  "user '%s' is logged in on '%s'; log out first", s.user_id, name);
	if ((rc = store_begin(st)))
		return admin_store_fail(&c->err, rc, NULL, "device");
	rc = store_device_delete(st, name);
	if (!rc) /* no cached file may outlive the device */
		rc = store_config_bump(st, name, admin_now_ms(c->ctx), NULL, 0);
	if (rc) {
		store_rollback(st);
		if (rc == ENOENT)
			return admin_fail(&c->err, 404, "name", "no such device '%s'", name);
		return admin_store_fail(&c->err, rc, "name", "device");
	}
	if ((rc = store_commit(st)))
		return admin_store_fail(&c->err, rc, NULL, "device");
	c->out = json_pack("{s:s}", "deleted", name);
	return 200;
}

struct dev_list {
	struct store *st;
	json_t *arr;
	char last[LIM_ID_MAX];
};

static int device_collect(void *arg, const struct store_device *d)
{
	struct dev_list *dl = arg;

	snprintf(dl->last, sizeof(dl->last), "%s", d->name);
	return json_array_append_new(dl->arr, device_json(dl->st, d, 0)) ? ENOMEM : 0;
}

static int profile_collect(void *arg, const struct store_profile *p)
{
	struct dev_list *dl = arg;

	snprintf(dl->last, sizeof(dl->last), "%s", p->name);
	return json_array_append_new(dl->arr, json_pack("{s:s, s:s, s:s}", "name", p->name, "model",
							p->model, "description", p->description))
		   ? ENOMEM
		   : 0;
}

static int list_page(struct admin_call *c, const char *key, int devices)
{
	struct dev_list dl = {.st = c->ctx->em->st};
	char after[LIM_ID_MAX] = "";
	json_t *v = json_object_get(c->args, "limit");
	size_t limit = 1000;
	int rc;

	if ((rc = admin_get_str(c->args, "after", NULL, after, sizeof(after), NULL, &c->err)))
		return rc;
	if (v) {
		if (json_integer_value(v) < 1 || json_integer_value(v) > 100000)
			return admin_fail(&c->err, 400, "limit", "'limit' must be 1..100000");
		limit = (size_t)json_integer_value(v);
	}
	dl.arr = json_array();
	rc = devices ? store_device_list(dl.st, after, limit, device_collect, &dl)
		     : store_profile_list(dl.st, after, limit, profile_collect, &dl);
	if (rc) {
		json_decref(dl.arr);
		return admin_store_fail(&c->err, rc, NULL, key);
	}
	c->out = json_pack("{s:o}", key, dl.arr);
	if (c->out && json_array_size(dl.arr) == limit)
		json_object_set_new(c->out, "next", json_string(dl.last));
	return 200;
}

int admin_cmd_device_list(struct admin_call *c)
{
	return list_page(c, "devices", 1);
}

int admin_cmd_device_import(struct admin_call *c)
{
	return admin_import(c, "device");
}

/* ---- profiles ------------------------------------------------------------------------------- */

static json_t *profile_json(struct store *st, const struct store_profile *p)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", p->name, "model", p->model,
			      "description", p->description, "user_locale", p->user_locale,
			      "softkey_template", p->softkey_template);
	struct features *f = calloc(1, sizeof(*f));

	if (o && f && store_features_get(st, STORE_OWNER_PROFILE, p->name, f) == 0) {
		json_object_set_new(o, "lines", lines_json(f));
		json_object_set_new(o, "speed_dials", speed_dials_json(f));
		json_object_set_new(o, "services", services_json(f));
	}
	free(f);
	return o;
}

/* Applies optional profile fields; *features_given says whether f must be written. */
static int profile_apply(json_t *args, struct store_profile *p, struct features *f,
			 int *features_given, struct admin_err *e)
{
	const struct em_model *m;
	char model[LIM_TEXT_MAX] = "";
	int present, rc;

	if ((rc = admin_get_str(args, "model", NULL, model, sizeof(model), &present, e)))
		return rc;
	if (present) {
		if ((rc = find_model(model, "model", &m, e)))
			return rc;
		snprintf(p->model, sizeof(p->model), "%s", m->name);
	}
	if ((rc = admin_get_str(args, "description", NULL, p->description, sizeof(p->description),
				NULL, e)) ||
	    (rc = admin_get_str(args, "user_locale", NULL, p->user_locale, sizeof(p->user_locale),
				NULL, e)) ||
	    (rc = admin_get_str(args, "softkey_template", NULL, p->softkey_template,
				sizeof(p->softkey_template), NULL, e)))
		return rc;
	return features_apply(args, sizeof(feature_lists) / sizeof(feature_lists[0]), f,
			      features_given, e);
}

static int arg_profile_name(json_t *args, char *name, size_t len, struct admin_err *e)
{
	int rc = admin_get_str(args, "name", NULL, name, len, NULL, e);

	if (!rc && !name[0])
		rc = admin_fail(e, 400, "name", "empty profile name");
	return rc;
}

int admin_profile_create(struct admin_ctx *ctx, json_t *args, struct admin_err *e, json_t **shown)
{
	struct store *st = ctx->em->st;
	struct store_profile p;
	struct features *f = calloc(1, sizeof(*f));
	int rc, feats, began = 0;

	if (!f)
		return admin_fail(e, 500, NULL, "out of memory");
	memset(&p, 0, sizeof(p));
	if ((rc = arg_profile_name(args, p.name, sizeof(p.name), e)) ||
	    (rc = profile_apply(args, &p, f, &feats, e)))
		goto out;
	if ((rc = store_begin(st))) {
		rc = admin_store_fail(e, rc, NULL, "profile");
		goto out;
	}
	began = 1;
	rc = store_profile_insert(st, &p);
	if (rc == EEXIST) {
		rc = admin_fail(e, 409, "name", "profile '%s' already exists", p.name);
		goto out;
	}
	if (!rc && feats)
		rc = store_features_set(st, STORE_OWNER_PROFILE, p.name, f);
	if (rc) {
		rc = admin_store_fail(e, rc, "name", "profile");
		goto out;
	}
	began = 0;
	if ((rc = store_commit(st))) {
		rc = admin_store_fail(e, rc, NULL, "profile");
		goto out;
	}
	if (shown)
		*shown = profile_json(st, &p);
out:
	if (began)
		store_rollback(st);
	free(f);
	return rc;
}

int admin_cmd_profile_add(struct admin_call *c)
{
	int rc = admin_profile_create(c->ctx, c->args, &c->err, &c->out);

	return rc ? rc : 200;
}

int admin_cmd_profile_set(struct admin_call *c)
{
	struct store *st = c->ctx->em->st;
	struct store_profile p;
	struct features *f = calloc(1, sizeof(*f));
	char name[LIM_ID_MAX];
	int rc, feats, began = 0;

	if (!f)
		return admin_fail(&c->err, 500, NULL, "out of memory");
	if ((rc = arg_profile_name(c->args, name, sizeof(name), &c->err)))
		goto out;
	if ((rc = store_begin(st))) {
		rc = admin_store_fail(&c->err, rc, NULL, "profile");
		goto out;
	}
	began = 1;
	rc = store_profile_get(st, name, &p);
	if (rc == ENOENT) {
		rc = admin_fail(&c->err, 404, "name", "no such profile '%s'", name);
		goto out;
	}
	if (!rc)
		rc = store_features_get(st, STORE_OWNER_PROFILE, name, f);
	if (rc) {
		rc = admin_store_fail(&c->err, rc, "name", "profile");
		goto out;
	}
	if ((rc = profile_apply(c->args, &p, f, &feats, &c->err)))
		goto out;
	rc = store_profile_update(st, &p);
	if (!rc && feats)
		rc = store_features_set(st, STORE_OWNER_PROFILE, name, f);
	if (!rc) /* the files of the phones logged in with it change */
		rc = store_config_bump_profile(st, name, admin_now_ms(c->ctx));
	if (rc) {
		rc = admin_store_fail(&c->err, rc, "name", "profile");
		goto out;
	}
	began = 0;
	if ((rc = store_commit(st))) {
		rc = admin_store_fail(&c->err, rc, NULL, "profile");
		goto out;
	}
	c->out = profile_json(st, &p);
	rc = 200;
out:
	if (began)
		store_rollback(st);
	free(f);
	return rc;
}

int admin_cmd_profile_show(struct admin_call *c)
{
	struct store_profile p;
	char name[LIM_ID_MAX];
	int rc;

	if ((rc = arg_profile_name(c->args, name, sizeof(name), &c->err)))
		return rc;
	rc = store_profile_get(c->ctx->em->st, name, &p);
	if (rc == ENOENT)
		return admin_fail(&c->err, 404, "name", "no such profile '%s'", name);
	if (rc)
		return admin_store_fail(&c->err, rc, "name", "profile");
	c->out = profile_json(c->ctx->em->st, &p);
	return 200;
}

int admin_cmd_profile_del(struct admin_call *c)
{
	struct store *st = c->ctx->em->st;
	char name[LIM_ID_MAX];
	int rc;

	if ((rc = arg_profile_name(c->args, name, sizeof(name), &c->err)))
		return rc;
	if ((rc = store_begin(st)))
		return admin_store_fail(&c->err, rc, NULL, "profile");
	rc = store_config_bump_profile(st, name, admin_now_ms(c->ctx));
	if (!rc)
		rc = store_profile_delete(st, name);
	if (rc) {
		store_rollback(st);
		if (rc == ENOENT)
			return admin_fail(&c->err, 404, "name", "no such profile '%s'", name);
		return admin_store_fail(&c->err, rc, "name", "profile");
	}
	if ((rc = store_commit(st)))
		return admin_store_fail(&c->err, rc, NULL, "profile");
	c->out = json_pack("{s:s}", "deleted", name);
	return 200;
}

int admin_cmd_profile_list(struct admin_call *c)
{
	return list_page(c, "profiles", 0);
}

int admin_cmd_profile_import(struct admin_call *c)
{
	return admin_import(c, "profile");
}
