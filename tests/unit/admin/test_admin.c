/* test_admin.c -- admin_dispatch against an in-memory store: CRUD, validation, imports, EM. */
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
#include <jansson.h>

#include "admin/admin.h"
#include "em/credentials.h"
#include "em/em.h"
#include "em/params.h"
#include "store/store.h"

struct fixture {
	struct store *st;
	struct em_params params;
	struct cred_pepper pepper;
	struct em_ctx em;
	struct admin_ctx admin;
	int params_changed;
	char dir[64];
};

static void on_params_changed(void *arg)
{
	struct fixture *f = arg;
	f->params_changed++;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[128];

	assert_non_null(f);
	assert_int_equal(cred_init(), 0);
	snprintf(f->dir, sizeof(f->dir), "/tmp/emcc-admin-test-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof(path), "%s/pepper", f->dir);
	assert_int_equal(cred_pepper_load(&f->pepper, path), 0);
	assert_int_equal(store_open(&f->st, ":memory:"), 0);
	em_params_defaults(&f->params);
	f->em.st = f->st;
	f->em.params = &f->params;
	f->em.pepper = &f->pepper;
	f->em.now_ms = 1700000000000LL;
	f->em.source = "test";
	f->em.remote_ip = "";
	f->admin.em = &f->em;
	f->admin.cluster_id = "ClusterOne";
	f->admin.params_changed = on_params_changed;
	f->admin.params_changed_arg = f;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char path[128];

	store_close(f->st);
	snprintf(path, sizeof(path), "%s/pepper", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Runs a command with args given as JSON text (NULL = no args); returns the status. */
static int run(struct fixture *f, const char *cmd, const char *args_json, json_t **out)
{
	json_error_t err;
	json_t *args = NULL;
	int status;

	if (args_json) {
		args = json_loads(args_json, 0, &err);
		if (!args)
			fail_msg("bad test JSON %s: %s", args_json, err.text);
	}
	status = admin_dispatch(&f->admin, cmd, args, out);
	json_decref(args);
	assert_non_null(*out);
	return status;
}

/* Runs a command that must answer `expect`; returns the answer (caller frees). */
static json_t *expect(struct fixture *f, int status, const char *cmd, const char *args_json)
{
	json_t *out;
	int got = run(f, cmd, args_json, &out);

	if (got != status) {
		char *s = json_dumps(out, 0);
		fail_msg("%s %s: expected %d, got %d: %s", cmd, args_json ? args_json : "", status,
			 got, s);
	}
	return out;
}

/* The command fails with status and names field. */
static void expect_fail(struct fixture *f, int status, const char *field, const char *cmd,
			const char *args_json)
{
	json_t *out = expect(f, status, cmd, args_json);

	assert_non_null(json_string_value(json_object_get(out, "error")));
	if (field)
		assert_string_equal(json_string_value(json_object_get(out, "field")), field);
	json_decref(out);
}

static const char *sget(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	if (!s)
		fail_msg("no string member '%s'", key);
	return s;
}

static void add_profile(struct fixture *f, const char *name)
{
	char args[256];

	snprintf(args, sizeof(args), "{\"name\": \"%s\", \"model\": \"7821\"}", name);
	json_decref(expect(f, 200, "profile/add", args));
}

static int user_exists(struct fixture *f, const char *id)
{
	struct store_user u;
	return store_user_get(f->st, id, &u) == 0;
}

/* ---- users ---- */

static void test_user_crud(void **state)
{
	struct fixture *f = *state;
	json_t *out;
	char *dump;

	add_profile(f, "test_emcc_udp");
	out = expect(f, 200, "user/add",
		     "{\"id\": \"ADGJM\", \"name\": \"A User\", \"pin\": \"12345\", "
		     "\"password\": \"secret\", \"emcc_enabled\": true, "
		     "\"profiles\": [\"test_emcc_udp\"]}");
	assert_string_equal(sget(out, "id"), "adgjm"); /* normalised */
	json_decref(out);

	out = expect(f, 200, "user/show", "{\"id\": \"adgjm\"}");
	assert_string_equal(sget(out, "name"), "A User");
	assert_true(json_is_true(json_object_get(out, "has_pin")));
	assert_true(json_is_true(json_object_get(out, "has_password")));
	assert_true(json_is_true(json_object_get(out, "emcc_enabled")));
	assert_true(json_is_false(json_object_get(out, "locked")));
	assert_int_equal(json_integer_value(json_object_get(out, "max_login_minutes")), -1);
	assert_int_equal(json_array_size(json_object_get(out, "profiles")), 1);
	assert_string_equal(sget(json_array_get(json_object_get(out, "profiles"), 0), "name"),
			    "test_emcc_udp");
	assert_true(json_is_true(
	    json_object_get(json_array_get(json_object_get(out, "profiles"), 0), "default")));
	/* never a hash, under any name */
	dump = json_dumps(out, 0);
	assert_null(strstr(dump, "hash"));
	assert_null(strstr(dump, "argon2"));
	assert_null(strstr(dump, "pin1$"));
	free(dump);
	json_decref(out);

	/* partial update: name and max login only */
	out = expect(f, 200, "user/set",
		     "{\"id\": \"adgjm\", \"name\": \"Renamed\", \"max_login_minutes\": \"8:00\"}");
	assert_string_equal(sget(out, "name"), "Renamed");
	assert_int_equal(json_integer_value(json_object_get(out, "max_login_minutes")), 480);
	assert_true(json_is_true(json_object_get(out, "has_pin")));
	json_decref(out);

	/* the PIN is rehashed: the new one verifies, the old one does not */
	{
		struct store_user u;
		json_decref(
		    expect(f, 200, "user/set-pin", "{\"id\": \"adgjm\", \"pin\": \"54321\"}"));
		assert_int_equal(store_user_get(f->st, "adgjm", &u), 0);
		assert_int_equal(cred_pin_verify(&f->pepper, u.pin_hash, "54321"), 0);
		assert_int_not_equal(cred_pin_verify(&f->pepper, u.pin_hash, "12345"), 0);
		assert_int_equal(cred_password_verify(u.password_hash, "secret"), 0);
	}

	json_decref(expect(f, 409, "user/add", "{\"id\": \"adgjm\"}"));

	out = expect(f, 200, "user/list", NULL);
	assert_int_equal(json_array_size(json_object_get(out, "users")), 1);
	json_decref(out);

	out = expect(f, 200, "user/del", "{\"id\": \"AdGjM\"}");
	json_decref(out);
	expect_fail(f, 404, "id", "user/show", "{\"id\": \"adgjm\"}");
	expect_fail(f, 404, "id", "user/del", "{\"id\": \"adgjm\"}");
	/* the profile link went with the user, the profile stays */
	json_decref(expect(f, 200, "profile/show", "{\"name\": \"test_emcc_udp\"}"));
}

static void test_user_list_paging(void **state)
{
	struct fixture *f = *state;
	json_t *out;

	json_decref(expect(f, 200, "user/add", "{\"id\": \"a\"}"));
	json_decref(expect(f, 200, "user/add", "{\"id\": \"b\"}"));
	json_decref(expect(f, 200, "user/add", "{\"id\": \"c\"}"));
	out = expect(f, 200, "user/list", "{\"limit\": 2}");
	assert_int_equal(json_array_size(json_object_get(out, "users")), 2);
	assert_string_equal(sget(out, "next"), "b");
	json_decref(out);
	out = expect(f, 200, "user/list", "{\"after\": \"b\", \"limit\": 2}");
	assert_int_equal(json_array_size(json_object_get(out, "users")), 1);
	assert_string_equal(sget(json_array_get(json_object_get(out, "users"), 0), "id"), "c");
	assert_null(json_object_get(out, "next"));
	json_decref(out);
	expect_fail(f, 400, "limit", "user/list", "{\"limit\": 0}");
}

static void test_user_validation(void **state)
{
	struct fixture *f = *state;
	json_t *out;

	expect_fail(f, 400, "pin", "user/add", "{\"id\": \"u1\", \"pin\": \"12a45\"}");
	expect_fail(f, 400, "pin", "user/add", "{\"id\": \"u1\", \"pin\": \"12\"}");
	expect_fail(f, 400, "bogus", "user/add", "{\"id\": \"u1\", \"bogus\": 1}");
	expect_fail(f, 400, "id", "user/add", "{\"id\": 5}");
	expect_fail(f, 400, "id", "user/add", "{\"name\": \"no id\"}");
	expect_fail(f, 400, "emcc_enabled", "user/add",
		    "{\"id\": \"u1\", \"emcc_enabled\": \"yes\"}");
	expect_fail(f, 400, "max_login_minutes", "user/add",
		    "{\"id\": \"u1\", \"max_login_minutes\": \"200:00\"}");
	expect_fail(f, 400, "max_login_minutes", "user/add",
		    "{\"id\": \"u1\", \"max_login_minutes\": true}");
	expect_fail(f, 400, "name", "user/add", "{\"id\": \"u1\", \"name\": \"a\\nb\"}");
	expect_fail(f, 404, "profiles", "user/add", "{\"id\": \"u1\", \"profiles\": [\"nope\"]}");
	expect_fail(f, 400, "profiles", "user/add", "{\"id\": \"u1\", \"profiles\": [1]}");
	expect_fail(f, 404, "id", "user/set", "{\"id\": \"ghost\", \"name\": \"x\"}");
	/* none of these left anything behind */
	assert_false(user_exists(f, "u1"));

	/* arguments that are not an object */
	{
		json_t *arr = json_array();
		assert_int_equal(admin_dispatch(&f->admin, "user/add", arr, &out), 400);
		json_decref(out);
		json_decref(arr);
	}

	/* unknown command: 404 with the list */
	out = expect(f, 404, "user/frobnicate", "{}");
	assert_true(json_array_size(json_object_get(out, "commands")) > 10);
	json_decref(out);
	{
		const char *const *names = admin_commands();
		int found = 0;
		for (; *names; names++)
			found |= strcmp(*names, "user/import") == 0;
		assert_true(found);
	}

	/* Alphanumeric User ID = False refuses non-numeric IDs */
	f->params.alphanumeric_user_id = 0;
	expect_fail(f, 400, "id", "user/add", "{\"id\": \"abc\"}");
	json_decref(expect(f, 200, "user/add", "{\"id\": \"12345\"}"));
	f->params.alphanumeric_user_id = 1;
}

static void test_user_unlock(void **state)
{
	struct fixture *f = *state;
	struct store_user u;
	json_t *out;

	json_decref(expect(f, 200, "user/add", "{\"id\": \"locked\", \"pin\": \"1234\"}"));
	assert_int_equal(store_user_get(f->st, "locked", &u), 0);
	u.failed_logons = 5;
	u.locked_until = f->em.now_ms / 1000 + 3600;
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(store_user_update(f->st, &u), 0);
	assert_int_equal(store_commit(f->st), 0);

	out = expect(f, 200, "user/show", "{\"id\": \"locked\"}");
	assert_true(json_is_true(json_object_get(out, "locked")));
	assert_int_equal(json_integer_value(json_object_get(out, "failed_logons")), 5);
	json_decref(out);

	out = expect(f, 200, "user/unlock", "{\"id\": \"locked\"}");
	assert_true(json_is_false(json_object_get(out, "locked")));
	assert_int_equal(json_integer_value(json_object_get(out, "failed_logons")), 0);
	json_decref(out);
	assert_int_equal(store_user_get(f->st, "locked", &u), 0);
	assert_int_equal(u.locked_until, 0);
}

/* ---- application users ---- */

static void test_appuser_crud(void **state)
{
	struct fixture *f = *state;
	struct store_app_user a;
	json_t *out;
	char *dump;

	expect_fail(f, 400, "password", "appuser/add", "{\"id\": \"EMApp\"}");
	out = expect(f, 200, "appuser/add",
		     "{\"id\": \"EMApp\", \"password\": \"pw1\", \"proxy_rights\": true}");
	assert_string_equal(sget(out, "id"), "EMApp"); /* case kept */
	json_decref(out);
	json_decref(expect(f, 409, "appuser/add", "{\"id\": \"EMApp\", \"password\": \"x\"}"));

	out = expect(f, 200, "appuser/show", "{\"id\": \"EMApp\"}");
	assert_true(json_is_true(json_object_get(out, "has_password")));
	assert_true(json_is_true(json_object_get(out, "proxy_rights")));
	dump = json_dumps(out, 0);
	assert_null(strstr(dump, "argon2"));
	free(dump);
	json_decref(out);

	out = expect(f, 200, "appuser/set",
		     "{\"id\": \"EMApp\", \"password\": \"pw2\", \"proxy_rights\": false}");
	assert_true(json_is_false(json_object_get(out, "proxy_rights")));
	json_decref(out);
	assert_int_equal(store_app_user_get(f->st, "EMApp", &a), 0);
	assert_int_equal(cred_password_verify(a.password_hash, "pw2"), 0);

	out = expect(f, 200, "appuser/list", NULL);
	assert_int_equal(json_array_size(json_object_get(out, "appusers")), 1);
	json_decref(out);
	json_decref(expect(f, 200, "appuser/del", "{\"id\": \"EMApp\"}"));
	expect_fail(f, 404, "id", "appuser/show", "{\"id\": \"EMApp\"}");
}

/* ---- devices ---- */

static void test_device_crud(void **state)
{
	struct fixture *f = *state;
	json_t *out, *lines;

	out =
	    expect(f, 200, "device/add",
		   "{\"name\": \"SEPc80084aa8743\", \"model\": \"7821\", \"description\": \"lab\","
		   " \"lines\": [{\"dn\": \"1000\", \"label\": \"Line1\"},"
		   " {\"index\": 2, \"dn\": \"1001\", \"display\": \"Second\"}]}");
	assert_string_equal(sget(out, "name"), "SEPC80084AA8743");
	assert_string_equal(sget(out, "protocol"), "SIP");
	assert_true(json_is_true(json_object_get(out, "em_enabled")));
	assert_true(json_is_false(json_object_get(out, "emcc_enabled")));
	assert_int_equal(json_integer_value(json_object_get(out, "security_mode")), 1);
	json_decref(out);

	out = expect(f, 200, "device/show", "{\"name\": \"sepc80084aa8743\"}");
	lines = json_object_get(out, "lines");
	assert_int_equal(json_array_size(lines), 2);
	assert_string_equal(sget(json_array_get(lines, 0), "dn"), "1000");
	assert_string_equal(sget(json_array_get(lines, 0), "label"), "Line1");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(lines, 1), "index")), 2);
	assert_string_equal(sget(out, "logged_in_user"), "");
	json_decref(out);

	out =
	    expect(f, 200, "device/set",
		   "{\"name\": \"SEPC80084AA8743\", \"em_enabled\": false, \"protocol\": \"sccp\","
		   " \"security_mode\": 3}");
	assert_true(json_is_false(json_object_get(out, "em_enabled")));
	assert_string_equal(sget(out, "protocol"), "SCCP");
	assert_int_equal(json_integer_value(json_object_get(out, "security_mode")), 3);
	assert_int_equal(json_array_size(json_object_get(out, "lines")), 2); /* kept */
	assert_string_equal(sget(out, "description"), "lab");
	json_decref(out);

	json_decref(
	    expect(f, 409, "device/add", "{\"name\": \"SEPC80084AA8743\", \"model\": \"7821\"}"));
	out = expect(f, 200, "device/list", NULL);
	assert_int_equal(json_array_size(json_object_get(out, "devices")), 1);
	json_decref(out);
	json_decref(expect(f, 200, "device/del", "{\"name\": \"SEPC80084AA8743\"}"));
	expect_fail(f, 404, "name", "device/show", "{\"name\": \"SEPC80084AA8743\"}");
}

static void test_device_validation(void **state)
{
	struct fixture *f = *state;
	json_t *out;

	/* a SEP model needs SEP + 12 hex digits */
	expect_fail(f, 400, "name", "device/add", "{\"name\": \"SEP123\", \"model\": \"7821\"}");
	expect_fail(f, 400, "name", "device/add", "{\"name\": \"phone1\", \"model\": \"7821\"}");
	/* unknown model: the answer lists known ones */
	out = expect(f, 400, "device/add", "{\"name\": \"SEPC80084AA8743\", \"model\": \"9999\"}");
	assert_string_equal(sget(out, "field"), "model");
	assert_non_null(strstr(sget(out, "error"), "7821"));
	json_decref(out);
	expect_fail(f, 400, "model", "device/add", "{\"name\": \"SEPC80084AA8743\"}");
	expect_fail(f, 400, "protocol", "device/add",
		    "{\"name\": \"SEPC80084AA8743\", \"model\": \"7821\", \"protocol\": \"H323\"}");
	expect_fail(f, 400, "security_mode", "device/add",
		    "{\"name\": \"SEPC80084AA8743\", \"model\": \"7821\", \"security_mode\": 4}");
	expect_fail(
	    f, 400, "security_mode", "device/add",
	    "{\"name\": \"SEPC80084AA8743\", \"model\": \"7821\", \"security_mode\": \"1\"}");
	expect_fail(f, 400, "lines[0].dn", "device/add",
		    "{\"name\": \"SEPC80084AA8743\", \"model\": \"7821\", \"lines\": [{\"label\": "
		    "\"x\"}]}");
	expect_fail(f, 400, "lines[1].colour", "device/add",
		    "{\"name\": \"SEPC80084AA8743\", \"model\": \"7821\", \"lines\": "
		    "[{\"dn\": \"1\"}, {\"dn\": \"2\", \"colour\": \"red\"}]}");
	expect_fail(f, 400, "lines[1].index", "device/add",
		    "{\"name\": \"SEPC80084AA8743\", \"model\": \"7821\", \"lines\": "
		    "[{\"dn\": \"1\", \"index\": 1}, {\"dn\": \"2\", \"index\": 1}]}");
	expect_fail(f, 400, "lines[0]", "device/add",
		    "{\"name\": \"SEPC80084AA8743\", \"model\": \"7821\", \"lines\": [\"1000\"]}");
	expect_fail(f, 404, "name", "device/set",
		    "{\"name\": \"SEPC80084AA8744\", \"em_enabled\": true}");
	{
		struct store_device d;
		assert_int_equal(store_device_get(f->st, "SEPC80084AA8743", &d), ENOENT);
	}
}

/* ---- profiles and links ---- */

static void test_profile_crud_and_links(void **state)
{
	struct fixture *f = *state;
	const char *evil = "x'; DROP TABLE users;--";
	json_t *out, *args;

	/* SQL metacharacters are just characters */
	args = json_pack("{s:s, s:s, s:[{s:s, s:s}], s:[{s:s, s:s}], s:[{s:s, s:s}]}", "name", evil,
			 "model", "7821", "lines", "dn", "2000", "label", "adgjm", "speed_dials",
			 "number", "3000", "label", "Desk", "services", "name", "Dir", "url",
			 "http://127.0.7.100/dir");
	assert_int_equal(admin_dispatch(&f->admin, "profile/add", args, &out), 200);
	json_decref(args);
	assert_string_equal(sget(out, "name"), evil);
	assert_string_equal(sget(json_array_get(json_object_get(out, "speed_dials"), 0), "label"),
			    "Desk");
	assert_string_equal(sget(json_array_get(json_object_get(out, "services"), 0), "url"),
			    "http://127.0.7.100/dir");
	json_decref(out);

	args = json_pack("{s:s}", "name", evil);
	assert_int_equal(admin_dispatch(&f->admin, "profile/show", args, &out), 200);
	json_decref(args);
	assert_string_equal(sget(out, "name"), evil);
	assert_int_equal(json_array_size(json_object_get(out, "lines")), 1);
	json_decref(out);
	json_decref(expect(f, 200, "user/add", "{\"id\": \"still_here\"}"));
	assert_true(user_exists(f, "still_here"));

	expect_fail(f, 400, "services[0].url", "profile/add",
		    "{\"name\": \"p\", \"model\": \"7821\", \"services\": "
		    "[{\"name\": \"s\", \"url\": \"file:///etc/passwd\"}]}");
	expect_fail(f, 400, "model", "profile/add", "{\"name\": \"p\", \"model\": \"nokia\"}");

	/* profile/set replaces only the lists it is given */
	add_profile(f, "p1");
	out =
	    expect(f, 200, "profile/set",
		   "{\"name\": \"p1\", \"speed_dials\": [{\"number\": \"1\"}, {\"number\": \"2\"}],"
		   " \"softkey_template\": \"Standard User\"}");
	assert_int_equal(json_array_size(json_object_get(out, "speed_dials")), 2);
	assert_string_equal(sget(out, "softkey_template"), "Standard User");
	json_decref(out);

	/* links: the first profile becomes the default */
	add_profile(f, "p2");
	json_decref(expect(f, 200, "user/add", "{\"id\": \"adgjm\"}"));
	out = expect(f, 200, "user/profile-add", "{\"id\": \"adgjm\", \"profile\": \"p1\"}");
	assert_true(json_is_true(
	    json_object_get(json_array_get(json_object_get(out, "profiles"), 0), "default")));
	json_decref(out);
	json_decref(expect(f, 200, "user/profile-add", "{\"id\": \"adgjm\", \"profile\": \"p2\"}"));
	json_decref(expect(f, 409, "user/profile-add", "{\"id\": \"adgjm\", \"profile\": \"p2\"}"));
	expect_fail(f, 404, "profile", "user/profile-add",
		    "{\"id\": \"adgjm\", \"profile\": \"nope\"}");
	expect_fail(f, 404, "id", "user/profile-add", "{\"id\": \"ghost\", \"profile\": \"p1\"}");
	{
		char p[LIM_ID_MAX];
		assert_int_equal(store_user_default_profile(f->st, "adgjm", p, sizeof(p)), 0);
		assert_string_equal(p, "p1");
		json_decref(expect(f, 200, "user/profile-default",
				   "{\"id\": \"adgjm\", \"profile\": \"p2\"}"));
		assert_int_equal(store_user_default_profile(f->st, "adgjm", p, sizeof(p)), 0);
		assert_string_equal(p, "p2");
	}
	out = expect(f, 200, "user/profile-del", "{\"id\": \"adgjm\", \"profile\": \"p1\"}");
	assert_int_equal(json_array_size(json_object_get(out, "profiles")), 1);
	json_decref(out);
	expect_fail(f, 404, "profile", "user/profile-del",
		    "{\"id\": \"adgjm\", \"profile\": \"p1\"}");

	json_decref(expect(f, 200, "profile/del", "{\"name\": \"p2\"}"));
	out = expect(f, 200, "user/show", "{\"id\": \"adgjm\"}");
	assert_int_equal(json_array_size(json_object_get(out, "profiles")), 0);
	json_decref(out);
}

/* ---- parameters ---- */

static void test_params(void **state)
{
	struct fixture *f = *state;
	char value[64];
	json_t *out, *p;
	size_t i;
	int found = 0;

	out = expect(f, 200, "param/list", NULL);
	json_array_foreach (json_object_get(out, "params"), i, p) {
		if (strcmp(sget(p, "name"), "multiple_login_behavior") == 0) {
			found = 1;
			assert_non_null(json_object_get(p, "default"));
			assert_non_null(json_object_get(p, "cucm"));
		}
	}
	assert_true(found);
	json_decref(out);

	out = expect(f, 200, "param/set",
		     "{\"name\": \"multiple_login_behavior\", \"value\": \"auto_logout\"}");
	json_decref(out);
	assert_int_equal(f->params_changed, 1);
	assert_int_equal(store_param_get(f->st, "multiple_login_behavior", value, sizeof(value)),
			 0);
	{
		struct em_params p2;
		em_params_defaults(&p2);
		assert_int_equal(em_params_apply(&p2, "multiple_login_behavior", value), 0);
		assert_int_equal(p2.multiple_login_behavior, EM_MULTI_AUTO_LOGOUT);
	}
	out = expect(f, 200, "param/show", "{\"name\": \"multiple_login_behavior\"}");
	assert_string_equal(sget(out, "value"), value);
	json_decref(out);

	expect_fail(f, 400, "value", "param/set",
		    "{\"name\": \"multiple_login_behavior\", \"value\": \"sometimes\"}");
	expect_fail(f, 404, "name", "param/set", "{\"name\": \"no_such_thing\", \"value\": \"1\"}");
	expect_fail(f, 400, "value", "param/set", "{\"name\": \"multiple_login_behavior\"}");
	expect_fail(f, 400, "value", "param/set",
		    "{\"name\": \"multiple_login_behavior\", \"value\": [1]}");
	assert_int_equal(f->params_changed, 1); /* failures changed nothing */
	/* booleans may come as JSON booleans */
	json_decref(
	    expect(f, 200, "param/set", "{\"name\": \"alphanumeric_user_id\", \"value\": false}"));
}

/* ---- imports ---- */

static void test_user_import(void **state)
{
	struct fixture *f = *state;
	json_t *out, *errors, *args;
	const char *csv = "id,name,pin,emcc_enabled,max_login_minutes,profiles\n"
			  "alice,Alice,1234,true,8:00,p1;p2\n" /* line 2: ok */
			  "bob,Bob,12x4,false,,\n"	       /* 3: bad pin */
			  "ALICE,Alice again,1234,,,\n"	       /* 4: duplicate in file */
			  "carol,Carol,5678,yes,,nope\n"       /* 5: unknown profile */
			  "dave,\"Dave, Jr.\",4321,no,,p2\n"   /* 6: ok (quoted comma) */
			  "erin,\"unterminated,1111,no,,\n";   /* 7+: CSV syntax error */
	size_t i;
	json_t *e;
	int lines[8] = {0};

	add_profile(f, "p1");
	add_profile(f, "p2");
	args = json_pack("{s:s}", "csv", csv);
	assert_int_equal(admin_dispatch(&f->admin, "user/import", args, &out), 200);
	json_decref(args);
	assert_int_equal(json_integer_value(json_object_get(out, "imported")), 2);
	assert_int_equal(json_integer_value(json_object_get(out, "failed")), 4);
	errors = json_object_get(out, "errors");
	assert_int_equal(json_array_size(errors), 4);
	json_array_foreach (errors, i, e) {
		json_int_t line = json_integer_value(json_object_get(e, "line"));
		assert_true(line >= 3 && line <= 7);
		lines[line] = 1;
		assert_non_null(json_string_value(json_object_get(e, "error")));
		if (line == 3)
			assert_string_equal(sget(e, "field"), "pin");
		if (line == 4)
			assert_string_equal(sget(e, "field"), "id");
		if (line == 5)
			assert_string_equal(sget(e, "field"), "profiles");
	}
	assert_true(lines[3] && lines[4] && lines[5] && lines[7]);
	json_decref(out);

	assert_true(user_exists(f, "alice"));
	assert_true(user_exists(f, "dave"));
	assert_false(user_exists(f, "bob"));
	/* carol's row failed on its profile link: the user row went too */
	assert_false(user_exists(f, "carol"));
	assert_false(user_exists(f, "erin"));

	out = expect(f, 200, "user/show", "{\"id\": \"alice\"}");
	assert_int_equal(json_integer_value(json_object_get(out, "max_login_minutes")), 480);
	assert_true(json_is_true(json_object_get(out, "emcc_enabled")));
	assert_int_equal(json_array_size(json_object_get(out, "profiles")), 2);
	json_decref(out);
	{
		char p[LIM_ID_MAX];
		struct store_user u;
		assert_int_equal(store_user_default_profile(f->st, "alice", p, sizeof(p)), 0);
		assert_string_equal(p, "p1");
		assert_int_equal(store_user_get(f->st, "dave", &u), 0);
		assert_string_equal(u.name, "Dave, Jr.");
		assert_int_equal(cred_pin_verify(&f->pepper, u.pin_hash, "4321"), 0);
	}

	/* a row for a user already in the store fails, the rest goes on */
	args = json_pack("{s:s}", "csv", "id,name\nalice,again\nfrank,Frank\n");
	assert_int_equal(admin_dispatch(&f->admin, "user/import", args, &out), 200);
	json_decref(args);
	assert_int_equal(json_integer_value(json_object_get(out, "imported")), 1);
	assert_int_equal(json_integer_value(json_object_get(out, "failed")), 1);
	assert_int_equal(json_integer_value(json_object_get(
			     json_array_get(json_object_get(out, "errors"), 0), "line")),
			 2);
	json_decref(out);
	assert_true(user_exists(f, "frank"));
}

static void test_import_refused(void **state)
{
	struct fixture *f = *state;
	json_t *out, *args;

	/* unknown column: the whole file is refused, no row lands */
	args = json_pack("{s:s}", "csv", "id,name,shoe_size\nzed,Zed,44\n");
	assert_int_equal(admin_dispatch(&f->admin, "user/import", args, &out), 400);
	json_decref(args);
	assert_non_null(strstr(sget(out, "error"), "shoe_size"));
	json_decref(out);
	assert_false(user_exists(f, "zed"));

	args = json_pack("{s:s}", "csv", "id,name,name\nzed,Zed,Z\n");
	assert_int_equal(admin_dispatch(&f->admin, "user/import", args, &out), 400);
	json_decref(args);
	json_decref(out);
	assert_false(user_exists(f, "zed"));

	args = json_pack("{s:s}", "csv", "name,model\nSEPC80084AA8743,7821\n");
	assert_int_equal(admin_dispatch(&f->admin, "user/import", args, &out), 400);
	json_decref(args);
	json_decref(out);

	expect_fail(f, 400, "csv", "user/import", "{\"csv\": \"\"}");
	expect_fail(f, 400, "csv", "device/import", "{\"csv\": 42}");
	expect_fail(f, 400, "csv", "device/import", "{\"csv\": \"name\\nSEPC80084AA8743\\n\"}");
}

static void test_device_profile_import(void **state)
{
	struct fixture *f = *state;
	json_t *out, *args;
	struct features *feat = calloc(1, sizeof(*feat));

	assert_non_null(feat);
	args = json_pack("{s:s}", "csv",
			 "name,model,protocol,em_enabled,security_mode,lines\n"
			 "sepc80084aa8743,7821,SIP,true,1,1000:Line1;1001:Line2\n" /* ok */
			 "SEP123,7821,SIP,true,1,\n"				   /* bad name */
			 "SEPC80084AA8744,7821,SIP,maybe,1,\n"			   /* bad bool */
			 "SEPC80084AA8745,7821,SIP,true,x,\n"			   /* bad number */
			 "SEPC80084AA8743,7821,SIP,true,1,\n"			   /* duplicate */
			 "SEPC80084AA8746,7821,SIP\n"				   /* short row */
			 "SEPC80084AA8747,7821,SCCP,false,2,2000\n");		   /* ok */
	assert_int_equal(admin_dispatch(&f->admin, "device/import", args, &out), 200);
	json_decref(args);
	assert_int_equal(json_integer_value(json_object_get(out, "imported")), 2);
	assert_int_equal(json_integer_value(json_object_get(out, "failed")), 5);
	json_decref(out);
	assert_int_equal(store_features_get(f->st, STORE_OWNER_DEVICE, "SEPC80084AA8743", feat), 0);
	assert_int_equal(feat->nlines, 2);
	assert_string_equal(feat->lines[1].dn, "1001");
	assert_string_equal(feat->lines[1].label, "Line2");
	{
		struct store_device d;
		assert_int_equal(store_device_get(f->st, "SEPC80084AA8747", &d), 0);
		assert_string_equal(d.protocol, "SCCP");
		assert_int_equal(d.em_enabled, 0);
		assert_int_equal(d.security_mode, 2);
		assert_int_equal(store_device_get(f->st, "SEPC80084AA8744", &d), ENOENT);
	}

	args = json_pack("{s:s}", "csv",
			 "name,model,description,lines,speed_dials\n"
			 "test_emcc_udp,7821,EMCC UDP,2000:adgjm,3000:Desk;3001:Lab\n"
			 "bad_model,9999,,,\n"
			 "test_emcc_udp,7821,again,,\n");
	assert_int_equal(admin_dispatch(&f->admin, "profile/import", args, &out), 200);
	json_decref(args);
	assert_int_equal(json_integer_value(json_object_get(out, "imported")), 1);
	assert_int_equal(json_integer_value(json_object_get(out, "failed")), 2);
	json_decref(out);
	memset(feat, 0, sizeof(*feat));
	assert_int_equal(store_features_get(f->st, STORE_OWNER_PROFILE, "test_emcc_udp", feat), 0);
	assert_int_equal(feat->nlines, 1);
	assert_int_equal(feat->nspeed_dials, 2);
	assert_string_equal(feat->speed_dials[1].label, "Lab");
	free(feat);
}

/* ---- EM: state, history, admin logout ---- */

static void test_em_history_and_logout(void **state)
{
	struct fixture *f = *state;
	struct em_caller caller;
	struct em_login_req req;
	struct em_result res;
	json_t *out, *hist, *e;
	size_t i;
	int saw_login = 0, saw_admin_logout = 0;

	add_profile(f, "test_emcc_udp");
	json_decref(
	    expect(f, 200, "device/add", "{\"name\": \"SEPC80084AA8743\", \"model\": \"7821\"}"));
	json_decref(
	    expect(f, 200, "user/add",
		   "{\"id\": \"adgjm\", \"pin\": \"12345\", \"profiles\": [\"test_emcc_udp\"]}"));

	memset(&caller, 0, sizeof(caller));
	snprintf(caller.id, sizeof(caller.id), "EMApp");
	caller.is_app_user = 1;
	caller.proxy_rights = 1;
	memset(&req, 0, sizeof(req));
	req.device = "SEPC80084AA8743";
	req.user_id = "adgjm";
	memset(&res, 0, sizeof(res));
	f->em.source = "api";
	if (em_login(&f->em, &caller, &req, &res) != 0)
		fail_msg("em_login: %d %s", res.code, res.text);

	out = expect(f, 200, "em/state", NULL);
	assert_int_equal(json_array_size(json_object_get(out, "devices")), 1);
	assert_string_equal(sget(json_array_get(json_object_get(out, "devices"), 0), "user"),
			    "adgjm");
	json_decref(out);
	out = expect(f, 200, "em/state", "{\"device\": \"SEPC80084AA8743\"}");
	assert_true(json_is_true(json_object_get(out, "logged_in")));
	assert_string_equal(sget(out, "profile"), "test_emcc_udp");
	json_decref(out);
	out = expect(f, 200, "device/show", "{\"name\": \"SEPC80084AA8743\"}");
	assert_string_equal(sget(out, "logged_in_user"), "adgjm");
	json_decref(out);
	out = expect(f, 200, "status/show", NULL);
	assert_string_equal(sget(out, "cluster_id"), "ClusterOne");
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(out, "counts"), "logged_in")), 1);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(out, "counts"), "users")), 1);
	json_decref(out);

	/* in use: neither the user nor the device can go while logged in */
	json_decref(expect(f, 409, "user/del", "{\"id\": \"adgjm\"}"));
	json_decref(expect(f, 409, "device/del", "{\"name\": \"SEPC80084AA8743\"}"));

	f->em.source = "test";
	json_decref(expect(f, 200, "em/logout", "{\"device\": \"SEPC80084AA8743\"}"));
	assert_string_equal(f->em.source, "test"); /* restored */
	out = expect(f, 409, "em/logout", "{\"device\": \"SEPC80084AA8743\"}");
	assert_int_equal(json_integer_value(json_object_get(out, "code")), 19);
	json_decref(out);
	out = expect(f, 404, "em/logout", "{\"device\": \"SEPC80084AA8799\"}");
	assert_int_equal(json_integer_value(json_object_get(out, "code")), 11);
	json_decref(out);

	out = expect(f, 200, "em/history", "{\"user\": \"ADGJM\"}");
	hist = json_object_get(out, "history");
	assert_true(json_array_size(hist) >= 2);
	json_array_foreach (hist, i, e) {
		assert_string_equal(sget(e, "user"), "adgjm");
		if (strcmp(sget(e, "action"), "login") == 0 &&
		    json_integer_value(json_object_get(e, "code")) == 0)
			saw_login = 1;
		if (strcmp(sget(e, "source"), "admin") == 0)
			saw_admin_logout = 1;
	}
	assert_true(saw_login);
	assert_true(saw_admin_logout);
	/* newest first: the admin logout comes before the login */
	assert_string_equal(sget(json_array_get(hist, 0), "source"), "admin");
	json_decref(out);

	out = expect(f, 200, "em/history", "{\"device\": \"SEPC80084AA8743\", \"limit\": 1}");
	assert_int_equal(json_array_size(json_object_get(out, "history")), 1);
	json_decref(out);
	expect_fail(f, 400, "limit", "em/history", "{\"limit\": -3}");
	expect_fail(f, 400, "user", "em/history", "{\"user\": 7}");

	out = expect(f, 200, "em/state", NULL);
	assert_int_equal(json_array_size(json_object_get(out, "devices")), 0);
	json_decref(out);
}

/* sip/bindings: the daemon's callback gives the array; without one the node runs no SIP. */
static json_t *fake_bindings(void *arg, const char *device)
{
	int *calls = arg;
	(*calls)++;
	if (device)
		return strcmp(device, "SEPC80084AA8743") == 0
			   ? json_pack("[{s:s, s:s}]", "device", device, "transport", "udp")
			   : json_array();
	return json_pack("[{s:s}, {s:s}]", "device", "SEP1", "device", "SEP2");
}

static void test_sip_bindings(void **state)
{
	struct fixture *f = *state;
	int calls = 0;
	json_t *out;

	out = expect(f, 404, "sip/bindings", NULL);
	assert_non_null(
	    strstr(json_string_value(json_object_get(out, "error")), "SIP is not running"));
	json_decref(out);

	f->admin.sip_bindings = fake_bindings;
	f->admin.sip_bindings_arg = &calls;
	out = expect(f, 200, "sip/bindings", NULL);
	assert_int_equal(json_array_size(json_object_get(out, "bindings")), 2);
	json_decref(out);
	out = expect(f, 200, "sip/bindings", "{\"device\": \"SEPC80084AA8743\"}");
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(out, "bindings"), 0), "transport")),
			    "udp");
	json_decref(out);
	out = expect(f, 200, "sip/bindings", "{\"device\": \"SEP000000000000\"}");
	assert_int_equal(json_array_size(json_object_get(out, "bindings")), 0);
	json_decref(out);
	assert_int_equal(calls, 3);
	expect_fail(f, 400, "device", "sip/bindings", "{\"device\": 7}");
	expect_fail(f, 400, "x", "sip/bindings", "{\"x\": 1}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_user_crud, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_user_list_paging, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_user_validation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_user_unlock, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_appuser_crud, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_device_crud, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_device_validation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_profile_crud_and_links, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_params, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_user_import, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_import_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_device_profile_import, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_em_history_and_logout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sip_bindings, setup, teardown),
	};
	return cmocka_run_group_tests_name("admin", tests, NULL, NULL);
}
