/* admin.c -- admin API dispatch, argument checking, and the status, param and em commands. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin/admin.h"
#include "admin/admin_int.h"
#include "core/clock.h"
#include "em/em.h"
#include "em/params.h"
#include "store/store.h"

/* ---- errors ------------------------------------------------------------------------------- */

int admin_fail(struct admin_err *e, int status, const char *field, const char *fmt, ...)
{
	va_list ap;

	e->status = status;
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
	return status;
}

int admin_store_fail(struct admin_err *e, int rc, const char *field, const char *what)
{
	switch (rc) {
	case ENOENT: return admin_fail(e, 404, field, "%s: not found", what);
	case EEXIST: return admin_fail(e, 409, field, "%s: already exists", what);
	case EINVAL: return admin_fail(e, 400, field, "%s: invalid value", what);
	case EBUSY: return admin_fail(e, 503, NULL, "%s: database busy, try again", what);
	default: return admin_fail(e, 500, NULL, "%s: database error (%s)", what, strerror(rc));
	}
}

/* ---- argument checking --------------------------------------------------------------------- */

static const char *type_name(int type)
{
	switch (type) {
	case ADMIN_T_STR: return "a string";
	case ADMIN_T_INT: return "an integer";
	case ADMIN_T_BOOL: return "true or false";
	case ADMIN_T_ARRAY: return "an array";
	case ADMIN_T_SCALAR: return "a string, number or boolean";
	case ADMIN_T_MINUTES: return "minutes (integer) or \"HHH:MM\"";
	default: return "?";
	}
}

static int type_ok(int type, json_t *v)
{
	switch (type) {
	case ADMIN_T_STR: return json_is_string(v);
	case ADMIN_T_INT: return json_is_integer(v);
	case ADMIN_T_BOOL: return json_is_boolean(v);
	case ADMIN_T_ARRAY: return json_is_array(v);
	case ADMIN_T_SCALAR: return json_is_string(v) || json_is_integer(v) || json_is_boolean(v);
	case ADMIN_T_MINUTES: return json_is_string(v) || json_is_integer(v);
	default: return 0;
	}
}

int admin_check_args(json_t *obj, const struct admin_arg *defs, const char *prefix,
		     struct admin_err *e)
{
	const char *key;
	json_t *v;
	const struct admin_arg *d;

	if (!prefix)
		prefix = "";
	json_object_foreach (obj, key, v) {
		for (d = defs; d->name; d++)
			if (strcmp(d->name, key) == 0)
				break;
		if (!d->name) {
			char field[96];
			snprintf(field, sizeof(field), "%s%s", prefix, key);
			return admin_fail(e, 400, field, "unknown argument '%s'", field);
		}
		if (json_is_null(v) && d->nullable)
			continue;
		if (!type_ok(d->type, v)) {
			char field[96];
			snprintf(field, sizeof(field), "%s%s", prefix, key);
			return admin_fail(e, 400, field, "'%s' must be %s", field,
					  type_name(d->type));
		}
	}
	for (d = defs; d->name; d++) {
		if (d->required && !json_object_get(obj, d->name)) {
			char field[96];
			snprintf(field, sizeof(field), "%s%s", prefix, d->name);
			return admin_fail(e, 400, field, "missing argument '%s'", field);
		}
	}
	return 0;
}

int admin_check_text(const char *s, const char *field, size_t dstlen, struct admin_err *e)
{
	size_t n = strlen(s);
	const unsigned char *p;

	if (n >= dstlen)
		return admin_fail(e, 400, field, "'%s' is too long (at most %zu bytes)", field,
				  dstlen - 1);
	/* Control characters would break the XML and config files these values end up in. */
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return admin_fail(e, 400, field, "'%s' contains a control character",
					  field);
	return 0;
}

int admin_get_str(json_t *obj, const char *name, const char *field, char *dst, size_t dstlen,
		  int *present, struct admin_err *e)
{
	json_t *v = json_object_get(obj, name);
	const char *s;
	int rc;

	if (present)
		*present = v != NULL;
	if (!v)
		return 0;
	s = json_is_string(v) ? json_string_value(v) : "";
	/* jansson strings may hold NUL bytes; a truncated value would be stored silently. */
	if (json_is_string(v) && strlen(s) != json_string_length(v))
		return admin_fail(e, 400, field ? field : name, "'%s' contains a NUL byte",
				  field ? field : name);
	rc = admin_check_text(s, field ? field : name, dstlen, e);
	if (rc)
		return rc;
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

void admin_get_bool(json_t *obj, const char *name, int *dst)
{
	json_t *v = json_object_get(obj, name);

	if (v && json_is_boolean(v))
		*dst = json_is_true(v);
}

int admin_parse_bool_text(const char *s, int *out)
{
	static const char *const yes[] = {"true", "t", "yes", "y", "1", "on", NULL};
	static const char *const no[] = {"false", "f", "no", "n", "0", "off", NULL};
	int i;

	for (i = 0; yes[i]; i++)
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
	for (i = 0; no[i]; i++)
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	return EINVAL;
}

int admin_parse_minutes(json_t *v, const char *field, int *minutes, struct admin_err *e)
{
	const char *s, *p;
	long n;
	char *end;

	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		if (i < -1 || i > 168 * 60)
			return admin_fail(e, 400, field,
					  "'%s' must be -1 (service parameter) or 0..10080 minutes",
					  field);
		*minutes = (int)i;
		return 0;
	}
	s = json_string_value(v);
	if (!s || !*s || strcasecmp(s, "default") == 0 || strcmp(s, "-1") == 0) {
		*minutes = -1;
		return 0;
	}
	for (p = s; *p; p++)
		if (*p == ':')
			break;
	if (*p == ':') {
		if (em_params_parse_hhmm(s, minutes) != 0)
			return admin_fail(e, 400, field,
					  "'%s' must be HHH:MM between 0:00 and 168:00", field);
		return 0;
	}
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || *end || end == s || n < 0 || n > 168 * 60)
		return admin_fail(e, 400, field,
				  "'%s' must be minutes (0..10080), HHH:MM or \"default\"", field);
	*minutes = (int)n;
	return 0;
}

long long admin_now_ms(struct admin_ctx *ctx)
{
	if (ctx->em && ctx->em->now_ms)
		return ctx->em->now_ms;
	return clock_now_ms();
}

int admin_user_id(struct admin_ctx *ctx, const char *in, const char *field, char *out,
		  size_t outlen, struct admin_err *e)
{
	const char *p;
	int rc;

	rc = admin_check_text(in, field, outlen, e);
	if (rc)
		return rc;
	if (em_user_id_normalize(in, out, outlen) != 0)
		return admin_fail(e, 400, field, "'%s' is not a valid user ID", field);
	if (ctx->em && ctx->em->params && !ctx->em->params->alphanumeric_user_id) {
		for (p = out; *p; p++)
			if (!isdigit((unsigned char)*p))
				return admin_fail(e, 400, field,
						  "user ID '%s' is not numeric and the parameter "
						  "alphanumeric_user_id is false",
						  out);
	}
	return 0;
}

/* ---- status ------------------------------------------------------------------------------- */

static int cmd_status_show(struct admin_call *c)
{
	struct store *st = c->ctx->em->st;
	long users = 0, devices = 0, logged = 0, sched = 0;
	int rc;

	if ((rc = store_user_count(st, &users)) || (rc = store_device_count(st, &devices)) ||
	    (rc = store_em_state_count_logged_in(st, &logged)) ||
	    (rc = store_logout_count(st, &sched)))
		return admin_store_fail(&c->err, rc, NULL, "counting");
	c->out = json_pack("{s:s, s:i, s:{s:I, s:I, s:I, s:I}}", "cluster_id",
			   c->ctx->cluster_id ? c->ctx->cluster_id : "", "schema_version",
			   store_schema_version(st), "counts", "users", (json_int_t)users,
			   "devices", (json_int_t)devices, "logged_in", (json_int_t)logged,
			   "scheduled_logouts", (json_int_t)sched);
	if (c->out && c->ctx->status) {
		json_t *extra = c->ctx->status(c->ctx->status_arg);
		if (json_is_object(extra))
			json_object_update_missing(c->out, extra);
		json_decref(extra);
	}
	return 200;
}

/* ---- parameters ----------------------------------------------------------------------------- */

static json_t *param_json(struct store *st, const struct em_param_def *d)
{
	char value[LIM_TEXT_MAX];
	int set = store_param_get(st, d->name, value, sizeof(value)) == 0;

	return json_pack("{s:s, s:s, s:s, s:b, s:s, s:s}", "name", d->name, "value",
			 set ? value : d->dflt, "default", d->dflt, "set", set, "cucm",
			 d->cucm ? d->cucm : "", "help", d->help ? d->help : "");
}

static const struct em_param_def *param_find(const char *name)
{
	size_t n, i;
	const struct em_param_def *defs = em_params_defs(&n);

	for (i = 0; defs && i < n; i++)
		if (strcmp(defs[i].name, name) == 0)
			return &defs[i];
	return NULL;
}

static int cmd_param_list(struct admin_call *c)
{
	size_t n, i;
	const struct em_param_def *defs = em_params_defs(&n);
	json_t *arr = json_array();

	for (i = 0; defs && i < n; i++)
		json_array_append_new(arr, param_json(c->ctx->em->st, &defs[i]));
	c->out = json_pack("{s:o}", "params", arr);
	return 200;
}

static int cmd_param_show(struct admin_call *c)
{
	const char *name = json_string_value(json_object_get(c->args, "name"));
	const struct em_param_def *d = param_find(name);

	if (!d)
		return admin_fail(&c->err, 404, "name", "no such parameter '%s'", name);
	c->out = param_json(c->ctx->em->st, d);
	return 200;
}

static int cmd_param_set(struct admin_call *c)
{
	const char *name = json_string_value(json_object_get(c->args, "name"));
	json_t *v = json_object_get(c->args, "value");
	char value[LIM_TEXT_MAX], canon[LIM_TEXT_MAX], why[256] = "";
	struct store *st = c->ctx->em->st;
	const struct em_param_def *d = param_find(name);
	int rc;

	if (!d)
		return admin_fail(&c->err, 404, "name", "no such parameter '%s'", name);
	if (json_is_string(v)) {
		if ((rc = admin_check_text(json_string_value(v), "value", sizeof(value), &c->err)))
			return rc;
		snprintf(value, sizeof(value), "%s", json_string_value(v));
	} else if (json_is_boolean(v)) {
		snprintf(value, sizeof(value), "%s", json_is_true(v) ? "true" : "false");
	} else {
		snprintf(value, sizeof(value), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	}
	rc = em_params_check(name, value, canon, sizeof(canon), why, sizeof(why));
	if (rc == ENOENT)
		return admin_fail(&c->err, 404, "name", "no such parameter '%s'", name);
	if (rc)
		return admin_fail(&c->err, 400, "value", "bad value for %s: %s", name,
				  why[0] ? why : "invalid");
	if ((rc = store_begin(st)))
		return admin_store_fail(&c->err, rc, NULL, "parameter");
	char implied_value[16];
	const char *implied = em_params_implied(name, canon, implied_value, sizeof(implied_value));
	if ((rc = store_param_set(st, name, canon)) ||
	    (implied && (rc = store_param_set(st, implied, implied_value)))) {
		store_rollback(st);
		return admin_store_fail(&c->err, rc, "name", "parameter");
	}
	if ((rc = store_commit(st)))
		return admin_store_fail(&c->err, rc, NULL, "parameter");
	if (c->ctx->params_changed)
		c->ctx->params_changed(c->ctx->params_changed_arg);
	c->out = param_json(st, d);
	return 200;
}

/* ---- EM state, logout, history ----------------------------------------------------------------
 */

static const char *role_name(int role)
{
	switch (role) {
	case STORE_EMCC_VISITOR: return "visitor";
	case STORE_EMCC_HOME: return "home";
	default: return "none";
	}
}

static json_t *state_json(const struct store_em_state *s)
{
	json_t *o =
	    json_pack("{s:s, s:b, s:s, s:s, s:I, s:I, s:s, s:s}", "device", s->device, "logged_in",
		      s->user_id[0] != 0, "user", s->user_id, "profile", s->profile, "login_time",
		      (json_int_t)s->login_time, "login_duration", (json_int_t)s->login_duration,
		      "last_user", s->last_user_id, "emcc", role_name(s->emcc_role));

	if (o && s->emcc_role != STORE_EMCC_NONE)
		json_object_set_new(o, "remote_cluster", json_string(s->remote_cluster));
	return o;
}

static int state_collect(void *arg, const struct store_em_state *s)
{
	return json_array_append_new(arg, state_json(s)) ? ENOMEM : 0;
}

static int cmd_em_state(struct admin_call *c)
{
	struct store *st = c->ctx->em->st;
	char device[LIM_ID_MAX] = "";
	int present, rc;

	if ((rc =
		 admin_get_str(c->args, "device", NULL, device, sizeof(device), &present, &c->err)))
		return rc;
	if (present) {
		struct store_device d;
		struct store_em_state s;

		if ((rc = store_device_get(st, device, &d)))
			return admin_store_fail(&c->err, rc, "device", device);
		rc = store_em_state_get(st, device, &s);
		if (rc == ENOENT) {
			memset(&s, 0, sizeof(s));
			snprintf(s.device, sizeof(s.device), "%s", device);
		} else if (rc) {
			return admin_store_fail(&c->err, rc, "device", device);
		}
		c->out = state_json(&s);
		return 200;
	}
	c->out = json_pack("{s:[]}", "devices");
	rc = store_em_state_logged_in(st, state_collect, json_object_get(c->out, "devices"));
	if (rc)
		return admin_store_fail(&c->err, rc, NULL, "EM state");
	return 200;
}

static int cmd_em_logout(struct admin_call *c)
{
	struct em_ctx *em = c->ctx->em;
	const char *device = json_string_value(json_object_get(c->args, "device"));
	struct em_caller caller;
	struct em_result res;
	const char *old_source = em->source;
	int rc;

	if ((rc = admin_check_text(device, "device", LIM_ID_MAX, &c->err)))
		return rc;
	/* The administrator acts as a proxy-rights application user of its own. */
	memset(&caller, 0, sizeof(caller));
	snprintf(caller.id, sizeof(caller.id), "admin");
	caller.is_app_user = 1;
	caller.proxy_rights = 1;
	memset(&res, 0, sizeof(res));
	em->source = "admin";
	rc = em_logout(em, &caller, device, &res);
	em->source = old_source;
	if (rc) {
		int status = res.code == EM_DEVICE_NOT_FOUND	? 404
			     : res.code == EM_NO_USER_LOGGED_IN ? 409
			     : res.code == EM_DATABASE_ERROR	? 500
								: 422;
		admin_fail(&c->err, status, "device", "%s",
			   res.text[0] ? res.text : em_code_text(res.code));
		c->err.extra = json_pack("{s:i}", "code", res.code);
		return status;
	}
	c->out = json_pack("{s:s, s:b}", "device", device, "logged_out", 1);
	return 200;
}

static int audit_collect(void *arg, const struct store_audit *a)
{
	json_t *o =
	    json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:I}", "id", (json_int_t)a->id,
		      "time_ms", (json_int_t)a->time_ms, "action", a->action, "user", a->user_id,
		      "device", a->device, "source", a->source, "remote_ip", a->remote_ip, "code",
		      a->code, "detail", a->detail, "reqno", (json_int_t)a->reqno);

	return json_array_append_new(arg, o) ? ENOMEM : 0;
}

static int cmd_em_history(struct admin_call *c)
{
	char user[LIM_ID_MAX] = "", device[LIM_ID_MAX] = "";
	json_t *lim = json_object_get(c->args, "limit");
	json_int_t limit = 50;
	int present, rc;

	if ((rc = admin_get_str(c->args, "user", NULL, user, sizeof(user), &present, &c->err)))
		return rc;
	if (present && user[0] &&
	    (rc = admin_user_id(c->ctx, json_string_value(json_object_get(c->args, "user")), "user",
				user, sizeof(user), &c->err)))
		return rc;
	if ((rc = admin_get_str(c->args, "device", NULL, device, sizeof(device), NULL, &c->err)))
		return rc;
	if (lim) {
		limit = json_integer_value(lim);
		if (limit < 1 || limit > 10000)
			return admin_fail(&c->err, 400, "limit", "'limit' must be 1..10000");
	}
	c->out = json_pack("{s:[]}", "history");
	rc = store_audit_list(c->ctx->em->st, user, device, (size_t)limit, audit_collect,
			      json_object_get(c->out, "history"));
	if (rc)
		return admin_store_fail(&c->err, rc, NULL, "audit trail");
	return 200;
}

/* ---- sip ---------------------------------------------------------------------------------- */

static int cmd_sip_bindings(struct admin_call *c)
{
	char device[LIM_ID_MAX] = "";
	int present = 0, rc;

	if ((rc =
		 admin_get_str(c->args, "device", NULL, device, sizeof(device), &present, &c->err)))
		return rc;
	json_t *arr = c->ctx->sip_bindings ? c->ctx->sip_bindings(c->ctx->sip_bindings_arg,
								  device[0] ? device : NULL)
					   : NULL;
	if (!arr)
		return admin_fail(&c->err, 404, NULL,
				  "SIP is not running on this node ([sip] udp and tcp are off)");
	c->out = json_pack("{s:o}", "bindings", arr);
	return 200;
}

/* ---- the command table ----------------------------------------------------------------------- */

static const struct admin_arg no_args[] = {ADMIN_ARGS_END};
static const struct admin_arg list_args[] = {
    {"after", ADMIN_T_STR, 0, 0}, {"limit", ADMIN_T_INT, 0, 0}, ADMIN_ARGS_END};
static const struct admin_arg id_args[] = {{"id", ADMIN_T_STR, 1, 0}, ADMIN_ARGS_END};
static const struct admin_arg name_args[] = {{"name", ADMIN_T_STR, 1, 0}, ADMIN_ARGS_END};
static const struct admin_arg csv_args[] = {{"csv", ADMIN_T_STR, 1, 0}, ADMIN_ARGS_END};
static const struct admin_arg user_set_args[] = {{"id", ADMIN_T_STR, 1, 0},
						 {"name", ADMIN_T_STR, 0, 0},
						 {"pin", ADMIN_T_STR, 0, 1},
						 {"password", ADMIN_T_STR, 0, 1},
						 {"primary_extension", ADMIN_T_STR, 0, 0},
						 {"emcc_enabled", ADMIN_T_BOOL, 0, 0},
						 {"proxy_rights", ADMIN_T_BOOL, 0, 0},
						 {"max_login_minutes", ADMIN_T_MINUTES, 0, 1},
						 ADMIN_ARGS_END};
static const struct admin_arg set_pin_args[] = {
    {"id", ADMIN_T_STR, 1, 0}, {"pin", ADMIN_T_STR, 1, 0}, ADMIN_ARGS_END};
static const struct admin_arg link_args[] = {{"id", ADMIN_T_STR, 1, 0},
					     {"profile", ADMIN_T_STR, 1, 0},
					     {"default", ADMIN_T_BOOL, 0, 0},
					     ADMIN_ARGS_END};
static const struct admin_arg unlink_args[] = {
    {"id", ADMIN_T_STR, 1, 0}, {"profile", ADMIN_T_STR, 1, 0}, ADMIN_ARGS_END};
static const struct admin_arg appuser_add_args[] = {{"id", ADMIN_T_STR, 1, 0},
						    {"password", ADMIN_T_STR, 1, 0},
						    {"proxy_rights", ADMIN_T_BOOL, 0, 0},
						    ADMIN_ARGS_END};
static const struct admin_arg appuser_set_args[] = {{"id", ADMIN_T_STR, 1, 0},
						    {"password", ADMIN_T_STR, 0, 0},
						    {"proxy_rights", ADMIN_T_BOOL, 0, 0},
						    ADMIN_ARGS_END};
static const struct admin_arg param_set_args[] = {
    {"name", ADMIN_T_STR, 1, 0}, {"value", ADMIN_T_SCALAR, 1, 0}, ADMIN_ARGS_END};
static const struct admin_arg em_device_args[] = {{"device", ADMIN_T_STR, 1, 0}, ADMIN_ARGS_END};
static const struct admin_arg em_state_args[] = {{"device", ADMIN_T_STR, 0, 0}, ADMIN_ARGS_END};
static const struct admin_arg sip_bindings_args[] = {{"device", ADMIN_T_STR, 0, 0}, ADMIN_ARGS_END};
static const struct admin_arg em_history_args[] = {{"user", ADMIN_T_STR, 0, 0},
						   {"device", ADMIN_T_STR, 0, 0},
						   {"limit", ADMIN_T_INT, 0, 0},
						   ADMIN_ARGS_END};

struct command {
	const char *name;
	const struct admin_arg *args;
	int (*fn)(struct admin_call *c);
};

static const struct command commands[] = {
    {"status/show", no_args, cmd_status_show},
    {"user/list", list_args, admin_cmd_user_list},
    {"user/show", id_args, admin_cmd_user_show},
    {"user/add", admin_user_add_args, admin_cmd_user_add},
    {"user/set", user_set_args, admin_cmd_user_set},
    {"user/del", id_args, admin_cmd_user_del},
    {"user/set-pin", set_pin_args, admin_cmd_user_set_pin},
    {"user/unlock", id_args, admin_cmd_user_unlock},
    {"user/import", csv_args, admin_cmd_user_import},
    {"user/profile-add", link_args, admin_cmd_user_profile_add},
    {"user/profile-del", unlink_args, admin_cmd_user_profile_del},
    {"user/profile-default", unlink_args, admin_cmd_user_profile_default},
    {"appuser/list", no_args, admin_cmd_appuser_list},
    {"appuser/show", id_args, admin_cmd_appuser_show},
    {"appuser/add", appuser_add_args, admin_cmd_appuser_add},
    {"appuser/set", appuser_set_args, admin_cmd_appuser_set},
    {"appuser/del", id_args, admin_cmd_appuser_del},
    {"device/list", list_args, admin_cmd_device_list},
    {"device/show", name_args, admin_cmd_device_show},
    {"device/add", admin_device_add_args, admin_cmd_device_add},
    {"device/set", admin_device_set_args, admin_cmd_device_set},
    {"device/del", name_args, admin_cmd_device_del},
    {"device/import", csv_args, admin_cmd_device_import},
    {"profile/list", list_args, admin_cmd_profile_list},
    {"profile/show", name_args, admin_cmd_profile_show},
    {"profile/add", admin_profile_add_args, admin_cmd_profile_add},
    {"profile/set", admin_profile_set_args, admin_cmd_profile_set},
    {"profile/del", name_args, admin_cmd_profile_del},
    {"profile/import", csv_args, admin_cmd_profile_import},
    {"param/list", no_args, cmd_param_list},
    {"param/show", name_args, cmd_param_show},
    {"param/set", param_set_args, cmd_param_set},
    {"em/logout", em_device_args, cmd_em_logout},
    {"em/state", em_state_args, cmd_em_state},
    {"em/history", em_history_args, cmd_em_history},
    {"sip/bindings", sip_bindings_args, cmd_sip_bindings},
    {"trust/show", no_args, admin_cmd_trust_show},
    {"trust/export", no_args, admin_cmd_trust_export},
    {"cluster/list", list_args, admin_cmd_cluster_list},
    {"cluster/show", id_args, admin_cmd_cluster_show},
    {"cluster/add", admin_cluster_add_args, admin_cmd_cluster_add},
    {"cluster/set", admin_cluster_set_args, admin_cmd_cluster_set},
    {"cluster/del", id_args, admin_cmd_cluster_del},
    {"cluster/update", admin_cluster_update_args, admin_cmd_cluster_update},
    {"cluster/emcc-devices", no_args, admin_cmd_cluster_emcc_devices},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

const char *const *admin_commands(void)
{
	static const char *names[NCOMMANDS + 1];
	size_t i;

	/* Filled on every call with the same pointers, so concurrent callers race harmlessly. */
	for (i = 0; i < NCOMMANDS; i++)
		names[i] = commands[i].name;
	names[NCOMMANDS] = NULL;
	return names;
}

static json_t *error_json(const struct admin_err *e)
{
	json_t *o = json_pack("{s:s}", "error", e->text[0] ? e->text : "failed");

	if (!o)
		return NULL;
	if (e->field[0])
		json_object_set_new(o, "field", json_string(e->field));
	if (e->extra)
		json_object_update(o, e->extra);
	return o;
}

int admin_dispatch(struct admin_ctx *ctx, const char *command, json_t *args, json_t **out)
{
	struct admin_call c;
	const struct command *cmd = NULL;
	int status;
	size_t i;
	int64_t saved_now;

	memset(&c, 0, sizeof(c));
	c.ctx = ctx;
	*out = NULL;
	for (i = 0; command && i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, command) == 0)
			cmd = &commands[i];
	if (!cmd) {
		json_t *list = json_array();
		for (i = 0; i < NCOMMANDS; i++)
			json_array_append_new(list, json_string(commands[i].name));
		admin_fail(&c.err, 404, NULL, "unknown command '%s'", command ? command : "");
		c.err.extra = json_pack("{s:o}", "commands", list);
		status = 404;
		goto out;
	}
	if (!ctx || !ctx->em || !ctx->em->st) {
		status = admin_fail(&c.err, 500, NULL, "the admin API has no database");
		goto out;
	}
	if (args && !json_is_object(args)) {
		status = admin_fail(&c.err, 400, NULL, "arguments must be a JSON object");
		goto out;
	}
	c.args = args ? json_incref(args) : json_object();
	if ((status = admin_check_args(c.args, cmd->args, NULL, &c.err)))
		goto out;
	/* Policy calls read the clock from the context; give them one when the edge did not. */
	saved_now = ctx->em->now_ms;
	if (!saved_now)
		ctx->em->now_ms = admin_now_ms(ctx);
	status = cmd->fn(&c);
	ctx->em->now_ms = saved_now;
	if (status == 200 && !c.out)
		status = admin_fail(&c.err, 500, NULL, "out of memory");
out:
	if (status == 200) {
		*out = c.out;
		c.out = NULL;
	} else {
		*out = error_json(&c.err);
	}
	json_decref(c.out);
	json_decref(c.err.extra);
	json_decref(c.args);
	if (!*out) {
		*out = json_object(); /* out of memory: best effort, status says it */
		status = 500;
	}
	return status;
}
