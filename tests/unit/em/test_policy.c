/* test_policy.c -- EM policy: appInfo authentication, login, logout, logoutAll and queries. */
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

#include "fixture.h"

/* ---- authentication ------------------------------------------------------------------- */

static void test_auth_app_user(void **state)
{
	struct lab *l = *state;
	struct em_caller c;
	struct em_result res;

	assert_int_equal(em_authenticate(&l->ctx, LAB_APP, LAB_APP_PW, &c, &res), 0);
	assert_string_equal(c.id, LAB_APP);
	assert_true(c.is_app_user);
	assert_true(c.proxy_rights);
	assert_false(c.from_cache);

	/* Second time within the window: through the cache, with the time left. */
	l->ctx.now_ms = LAB_NOW_MS + 11766;
	assert_int_equal(em_authenticate(&l->ctx, LAB_APP, LAB_APP_PW, &c, &res), 0);
	assert_true(c.from_cache);
	assert_int_equal(c.cache_left_ms, 108234);
	assert_true(c.proxy_rights);

	/* After the window: verified again (and cached again). */
	l->ctx.now_ms = LAB_NOW_MS + 120000;
	assert_int_equal(em_authenticate(&l->ctx, LAB_APP, LAB_APP_PW, &c, &res), 0);
	assert_false(c.from_cache);

	/* App user IDs are case-sensitive. */
	assert_int_equal(em_authenticate(&l->ctx, "ccmsysuser", LAB_APP_PW, &c, &res), EPERM);
	assert_int_equal(res.code, EM_INVALID_APP_USER);

	assert_int_equal(em_authenticate(&l->ctx, LAB_NOPROXY_APP, LAB_APP_PW, &c, &res), 0);
	assert_true(c.is_app_user);
	assert_false(c.proxy_rights);
}

static void test_auth_failures(void **state)
{
	struct lab *l = *state;
	struct em_caller c;
	struct em_result res;

	assert_int_equal(em_authenticate(&l->ctx, LAB_APP, "wrong", &c, &res), EPERM);
	assert_int_equal(res.code, EM_INVALID_APP_USER);
	assert_string_equal(res.text, "Could not authenticate 'CCMSysUser'");
	assert_false(c.proxy_rights);

	/* Unknown user: the same answer as a wrong password (no oracle). */
	assert_int_equal(em_authenticate(&l->ctx, "nobody", "wrong", &c, &res), EPERM);
	assert_int_equal(res.code, EM_INVALID_APP_USER);
	assert_string_equal(res.text, "Could not authenticate 'nobody'");

	/* A user without a stored password cannot use the API. */
	assert_int_equal(em_authenticate(&l->ctx, "bob", "", &c, &res), EPERM);
	assert_int_equal(res.code, EM_AUTH_ERROR);
	assert_int_equal(em_authenticate(&l->ctx, "bob", "anything", &c, &res), EPERM);
	assert_int_equal(res.code, EM_INVALID_APP_USER);

	/* Blank appID or certificate: 2. */
	assert_int_equal(em_authenticate(&l->ctx, "", LAB_APP_PW, &c, &res), EPERM);
	assert_int_equal(res.code, EM_AUTH_ERROR);
	assert_int_equal(em_authenticate(&l->ctx, LAB_APP, "", &c, &res), EPERM);
	assert_int_equal(res.code, EM_AUTH_ERROR);
	assert_int_equal(em_authenticate(&l->ctx, NULL, NULL, &c, &res), EPERM);
	assert_int_equal(res.code, EM_AUTH_ERROR);

	/* A wrong password is never cached. */
	assert_int_equal(em_authenticate(&l->ctx, LAB_APP, "wrong", &c, &res), EPERM);
	assert_int_equal(res.code, EM_INVALID_APP_USER);
}

static void test_auth_end_user(void **state)
{
	struct lab *l = *state;
	struct em_caller c;
	struct em_result res;

	/* End users authenticate with their (lowercased) ID. */
	assert_int_equal(em_authenticate(&l->ctx, "ADGJM", LAB_USER_PW, &c, &res), 0);
	assert_string_equal(c.id, LAB_USER);
	assert_false(c.is_app_user);
	assert_false(c.proxy_rights);
	assert_int_equal(em_authenticate(&l->ctx, LAB_USER, "nope", &c, &res), EPERM);
	assert_int_equal(res.code, EM_INVALID_APP_USER);
}

static void test_auth_cache_off(void **state)
{
	struct lab *l = *state;
	struct em_caller c;
	struct em_result res;

	l->params.credential_cache_seconds = 0;
	assert_int_equal(em_authenticate(&l->ctx, LAB_APP, LAB_APP_PW, &c, &res), 0);
	assert_int_equal(em_authenticate(&l->ctx, LAB_APP, LAB_APP_PW, &c, &res), 0);
	assert_false(c.from_cache);
	/* No cache at all. */
	l->ctx.cache = NULL;
	l->params.credential_cache_seconds = 120;
	assert_int_equal(em_authenticate(&l->ctx, LAB_APP, LAB_APP_PW, &c, &res), 0);
	assert_false(c.from_cache);
}

/* ---- login ---------------------------------------------------------------------------- */

static void test_login_ok(void **state)
{
	struct lab *l = *state;
	struct em_result res;
	struct store_em_state s;
	struct store_audit a;
	long n = -1;

	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, "AdGjM", &res), 0);
	s = lab_state(l, LAB_DEVICE);
	assert_string_equal(s.user_id, LAB_USER);
	assert_string_equal(s.profile, LAB_PROFILE);
	assert_int_equal(s.login_time, LAB_NOW_MS / 1000);
	assert_int_equal(s.login_duration, 0); /* Enforce is off by default: indefinite */
	assert_string_equal(s.last_user_id, LAB_USER);
	assert_int_equal(s.emcc_role, STORE_EMCC_NONE);
	assert_string_equal(s.remote_ip, "127.0.7.104");
	assert_int_equal(store_logout_count(l->st, &n), 0);
	assert_int_equal(n, 0);

	a = lab_audit_last(l);
	assert_string_equal(a.action, "login");
	assert_string_equal(a.user_id, LAB_USER);
	assert_string_equal(a.device, LAB_DEVICE);
	assert_string_equal(a.source, "api");
	assert_string_equal(a.remote_ip, "127.0.7.104");
	assert_int_equal(a.code, 0);
	assert_int_equal(a.reqno, 7);
	assert_int_equal(a.time_ms, LAB_NOW_MS);

	assert_int_equal(l->nchanges, 1);
	assert_string_equal(l->changes[0].device, LAB_DEVICE);
	assert_int_equal(l->changes[0].what, EM_CHANGE_LOGIN);
	assert_int_equal(l->changes[0].locale_changed, 0);
}

static void test_login_own_rights(void **state)
{
	struct lab *l = *state;
	struct em_result res;

	/* An end user may log themselves in, and no one else. */
	assert_int_equal(lab_login(l, &l->bob, LAB_DEVICE, LAB_USER, &res), EPERM);
	assert_int_equal(res.code, EM_NO_PROXY_RIGHTS);
	assert_string_equal(res.text, "User lacks app proxy rights");
	assert_int_equal(lab_login(l, &l->noproxy, LAB_DEVICE, LAB_USER, &res), EPERM);
	assert_int_equal(res.code, EM_NO_PROXY_RIGHTS);
	/* An application user named like an end user is still not that user. */
	struct em_caller fake = l->noproxy;
	snprintf(fake.id, sizeof(fake.id), "adgjm");
	assert_int_equal(lab_login(l, &fake, LAB_DEVICE, LAB_USER, &res), EPERM);
	assert_int_equal(res.code, EM_NO_PROXY_RIGHTS);
	assert_int_equal(l->nchanges, 0);
	assert_int_equal(lab_audit_count(l, "login", EM_NO_PROXY_RIGHTS), 3);
	assert_string_equal(lab_state(l, LAB_DEVICE).user_id, "");

	assert_int_equal(lab_login(l, &l->adgjm, LAB_DEVICE, "ADGJM", &res), 0);
	assert_string_equal(lab_state(l, LAB_DEVICE).user_id, LAB_USER);
	assert_int_equal(l->nchanges, 1);
}

static void test_login_device_errors(void **state)
{
	struct lab *l = *state;
	struct em_result res;
	struct store_audit a;

	assert_int_equal(lab_login(l, &l->app, "SEP000000000000", LAB_USER, &res), EPERM);
	assert_int_equal(res.code, EM_DEVICE_NOT_FOUND);
	assert_string_equal(res.text, "Device does not exist");
	a = lab_audit_last(l);
	assert_string_equal(a.action, "login");
	assert_int_equal(a.code, EM_DEVICE_NOT_FOUND);
	assert_string_equal(a.device, "SEP000000000000");
	assert_string_equal(a.user_id, LAB_USER);

	assert_int_equal(lab_login(l, &l->app, "", LAB_USER, &res), EPERM);
	assert_int_equal(res.code, EM_DEVICE_NOT_FOUND);
	assert_int_equal(lab_login(l, &l->app, NULL, LAB_USER, &res), EPERM);
	assert_int_equal(res.code, EM_DEVICE_NOT_FOUND);
	/* Device names are exact (uppercase hex). */
	assert_int_equal(lab_login(l, &l->app, "sepc80084aa8743", LAB_USER, &res), EPERM);
	assert_int_equal(res.code, EM_DEVICE_NOT_FOUND);

	/* Device checks come before user checks (CUCM's order). */
	assert_int_equal(lab_login(l, &l->app, "SEP000000000000", "nobody", &res), EPERM);
	assert_int_equal(res.code, EM_DEVICE_NOT_FOUND);

	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE_NOEM, LAB_USER, &res), EPERM);
	assert_int_equal(res.code, EM_DEVICE_LOGON_DISABLED);
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE_NOEM, "nobody", &res), EPERM);
	assert_int_equal(res.code, EM_DEVICE_LOGON_DISABLED);
	assert_string_equal(lab_state(l, LAB_DEVICE_NOEM).user_id, "");
	assert_int_equal(l->nchanges, 0);
}

static void test_login_user_errors(void **state)
{
	struct lab *l = *state;
	struct em_result res;
	char longid[200];

	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, "nobody", &res), EPERM);
	assert_int_equal(res.code, EM_USER_NOT_FOUND);
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, "", &res), EPERM);
	assert_int_equal(res.code, EM_USER_NOT_FOUND);
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, NULL, &res), EPERM);
	assert_int_equal(res.code, EM_USER_NOT_FOUND);
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, "adg\njm", &res), EPERM);
	assert_int_equal(res.code, EM_USER_NOT_FOUND);
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, longid, &res), EPERM);
	assert_int_equal(res.code, EM_USER_NOT_FOUND);

	/* Alphanumeric User ID = False: only digits are user IDs. */
	l->params.alphanumeric_user_id = 0;
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, LAB_USER, &res), EPERM);
	assert_int_equal(res.code, EM_USER_NOT_FOUND);
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, "12345", &res), 0);
	assert_string_equal(lab_state(l, LAB_DEVICE).user_id, "12345");
	assert_int_equal(lab_audit_count(l, "login", EM_USER_NOT_FOUND), 6);
	assert_int_equal(l->nchanges, 1);
}

static void test_login_profiles(void **state)
{
	struct lab *l = *state;
	struct em_result res;
	struct em_login_req req = {LAB_DEVICE, LAB_USER, "unlinked_udp", EM_DURATION_DEFAULT, 0};

	/* A profile that exists but is not the user's. */
	assert_int_equal(em_login(&l->ctx, &l->app, &req, &res), EPERM);
	assert_int_equal(res.code, EM_PROFILE_NOT_FOUND);
	req.profile = "no_such_udp";
	assert_int_equal(em_login(&l->ctx, &l->app, &req, &res), EPERM);
	assert_int_equal(res.code, EM_PROFILE_NOT_FOUND);
	/* A user with no profile at all. */
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, "noprofile", &res), EPERM);
	assert_int_equal(res.code, EM_PROFILE_NOT_FOUND);
	assert_int_equal(l->nchanges, 0);

	/* The user's second profile, with another locale: the phone must reset. */
	req.profile = LAB_PROFILE_ALT;
	assert_int_equal(em_login(&l->ctx, &l->app, &req, &res), 0);
	assert_string_equal(lab_state(l, LAB_DEVICE).profile, LAB_PROFILE_ALT);
	assert_int_equal(l->nchanges, 1);
	assert_int_equal(l->changes[0].locale_changed, 1);
	/* Logging out goes back to the device's own locale. */
	assert_int_equal(em_logout(&l->ctx, &l->app, LAB_DEVICE, &res), 0);
	assert_int_equal(l->nchanges, 2);
	assert_int_equal(l->changes[1].what, EM_CHANGE_LOGOUT);
	assert_int_equal(l->changes[1].locale_changed, 1);
	/* An empty profile name means the default. */
	req.profile = "";
	assert_int_equal(em_login(&l->ctx, &l->app, &req, &res), 0);
	assert_string_equal(lab_state(l, LAB_DEVICE).profile, LAB_PROFILE);
	assert_int_equal(l->changes[2].locale_changed, 0);
}

static void test_login_occupied(void **state)
{
	struct lab *l = *state;
	struct em_result res;
	struct store_em_state before, after;
	struct em_login_req req = {LAB_DEVICE, LAB_USER, LAB_PROFILE_ALT, EM_DURATION_DEFAULT, 0};

	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, LAB_USER, &res), 0);
	before = lab_state(l, LAB_DEVICE);
	l->ctx.now_ms += 5000;

	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, "bob", &res), EPERM);
	assert_int_equal(res.code, EM_ANOTHER_USER_LOGGED_IN);
	assert_string_equal(res.text, "Another user logged in");
	/* The same user with another profile: also 18. */
	assert_int_equal(em_login(&l->ctx, &l->app, &req, &res), EPERM);
	assert_int_equal(res.code, EM_ANOTHER_USER_LOGGED_IN);
	assert_int_equal(lab_audit_count(l, "login", EM_ANOTHER_USER_LOGGED_IN), 2);

	/* The same user and profile again: succeeds and changes nothing (a retried request). */
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, LAB_USER, &res), 0);
	after = lab_state(l, LAB_DEVICE);
	assert_string_equal(after.user_id, before.user_id);
	assert_string_equal(after.profile, before.profile);
	assert_int_equal(after.login_time, before.login_time); /* not restarted at now + 5 s */
	assert_int_equal(after.login_duration, before.login_duration);
	assert_int_equal(l->nchanges, 1); /* no second restart */
	assert_int_equal(lab_audit_count(l, "login", 0), 2);
}

static void test_login_multiple_not_allowed(void **state)
{
	struct lab *l = *state;
	struct em_result res;

	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, LAB_USER, &res), 0);
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE2, LAB_USER, &res), EPERM);
	assert_int_equal(res.code, EM_USER_LOGGED_IN_ELSEWHERE);
	assert_string_equal(res.text, "User logged in elsewhere");
	assert_string_equal(lab_state(l, LAB_DEVICE2).user_id, "");
	assert_string_equal(lab_state(l, LAB_DEVICE).user_id, LAB_USER);
	assert_int_equal(l->nchanges, 1);
	assert_int_equal(lab_audit_count(l, "login", EM_USER_LOGGED_IN_ELSEWHERE), 1);
}

static void test_login_multiple_auto_logout(void **state)
{
	struct lab *l = *state;
	struct em_result res;
	struct em_login_req req = {LAB_DEVICE, LAB_USER, NULL, EM_DURATION_MINUTES, 60};
	struct store_em_state s;
	long n = -1;

	assert_int_equal(em_login(&l->ctx, &l->app, &req, &res), 0);
	assert_int_equal(store_logout_count(l->st, &n), 0);
	assert_int_equal(n, 1);
	l->params.multiple_login_behavior = EM_MULTI_AUTO_LOGOUT;
	l->ctx.now_ms += 60000;
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE2, LAB_USER, &res), 0);

	s = lab_state(l, LAB_DEVICE);
	assert_string_equal(s.user_id, "");
	assert_string_equal(s.profile, "");
	assert_string_equal(s.last_user_id, LAB_USER);
	assert_string_equal(lab_state(l, LAB_DEVICE2).user_id, LAB_USER);
	/* The first device's scheduled logout went with it. */
	assert_int_equal(store_logout_count(l->st, &n), 0);
	assert_int_equal(n, 0);

	assert_int_equal(lab_audit_count(l, "autoLogout", 0), 1);
	assert_int_equal(lab_audit_count(l, "login", 0), 2);
	/* The newest row is the login; the autoLogout row came before it. */
	assert_string_equal(lab_audit_last(l).action, "login");

	assert_int_equal(l->nchanges, 3);
	assert_string_equal(l->changes[1].device, LAB_DEVICE);
	assert_int_equal(l->changes[1].what, EM_CHANGE_LOGOUT);
	assert_string_equal(l->changes[2].device, LAB_DEVICE2);
	assert_int_equal(l->changes[2].what, EM_CHANGE_LOGIN);
}

static int find_auto(void *arg, const struct store_audit *a)
{
	struct store_audit *out = arg;

	if (strcmp(a->action, "autoLogout") == 0)
		*out = *a;
	return 0;
}

static void test_login_auto_logout_audit(void **state)
{
	struct lab *l = *state;
	struct em_result res;
	struct store_audit a;

	memset(&a, 0, sizeof(a));
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, LAB_USER, &res), 0);
	l->params.multiple_login_behavior = EM_MULTI_AUTO_LOGOUT;
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE2, LAB_USER, &res), 0);
	assert_int_equal(store_audit_list(l->st, LAB_USER, LAB_DEVICE, 0, find_auto, &a), 0);
	assert_string_equal(a.action, "autoLogout");
	assert_string_equal(a.detail, "multiple login");
	assert_string_equal(a.device, LAB_DEVICE);
	assert_int_equal(a.code, 0);
}

static void test_login_multiple_allowed(void **state)
{
	struct lab *l = *state;
	struct em_result res;

	l->params.multiple_login_behavior = EM_MULTI_ALLOWED;
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, LAB_USER, &res), 0);
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE2, LAB_USER, &res), 0);
	assert_string_equal(lab_state(l, LAB_DEVICE).user_id, LAB_USER);
	assert_string_equal(lab_state(l, LAB_DEVICE2).user_id, LAB_USER);
	assert_int_equal(l->nchanges, 2);
	assert_int_equal(lab_audit_count(l, "autoLogout", -1), 0);
}

static int64_t due_of(struct lab *l)
{
	int64_t due = -1;
	int rc = store_logout_next(l->st, &due);

	return rc == ENOENT ? -1 : due;
}

static void test_login_durations(void **state)
{
	struct lab *l = *state;
	struct em_result res;
	struct em_login_req req = {LAB_DEVICE, LAB_USER, NULL, EM_DURATION_MINUTES, 60};
	int64_t now_s = LAB_NOW_MS / 1000;

	/* Explicit minutes. */
	assert_int_equal(em_login(&l->ctx, &l->app, &req, &res), 0);
	assert_int_equal(lab_state(l, LAB_DEVICE).login_duration, 3600);
	assert_int_equal(due_of(l), now_s + 3600);
	assert_int_equal(em_logout(&l->ctx, &l->app, LAB_DEVICE, &res), 0);
	assert_int_equal(due_of(l), -1);

	/* Default with Enforce on: the intra-cluster maximum. */
	l->params.enforce_intra_cluster_max = 1;
	l->params.intra_cluster_max_minutes = 120;
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, LAB_USER, &res), 0);
	assert_int_equal(lab_state(l, LAB_DEVICE).login_duration, 7200);
	assert_int_equal(due_of(l), now_s + 7200);
	assert_int_equal(em_logout(&l->ctx, &l->app, LAB_DEVICE, &res), 0);

	/* Explicit indefinite: no auto logout even when enforced. */
	req.duration_kind = EM_DURATION_INDEFINITE;
	assert_int_equal(em_login(&l->ctx, &l->app, &req, &res), 0);
	assert_int_equal(lab_state(l, LAB_DEVICE).login_duration, 0);
	assert_int_equal(due_of(l), -1);
	assert_int_equal(em_logout(&l->ctx, &l->app, LAB_DEVICE, &res), 0);

	/* The per-user maximum overrides the service parameter, and 0 there means none. */
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, "shortie", &res), 0);
	assert_int_equal(lab_state(l, LAB_DEVICE).login_duration, 1800);
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE2, "forever", &res), 0);
	assert_int_equal(lab_state(l, LAB_DEVICE2).login_duration, 0);
	assert_int_equal(due_of(l), now_s + 1800);

	/* 0:00 with Enforce on: no limit. */
	l->params.intra_cluster_max_minutes = 0;
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE_NOEM, LAB_USER, &res), EPERM);
	assert_int_equal(em_logout(&l->ctx, &l->app, LAB_DEVICE, &res), 0);
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, LAB_USER, &res), 0);
	assert_int_equal(lab_state(l, LAB_DEVICE).login_duration, 0);

	/* Nonsense explicit durations are refused. */
	assert_int_equal(em_logout(&l->ctx, &l->app, LAB_DEVICE, &res), 0);
	req.duration_kind = EM_DURATION_MINUTES;
	req.duration_minutes = 0;
	assert_int_equal(em_login(&l->ctx, &l->app, &req, &res), EPERM);
	assert_int_equal(res.code, EM_POLICY_VALIDATION);
	req.duration_minutes = -5;
	assert_int_equal(em_login(&l->ctx, &l->app, &req, &res), EPERM);
	assert_int_equal(res.code, EM_POLICY_VALIDATION);
}

static void test_remember_last_user(void **state)
{
	struct lab *l = *state;
	struct em_result res;
	struct em_device_status ds;

	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, LAB_USER, &res), 0);
	assert_int_equal(em_logout(&l->ctx, &l->app, LAB_DEVICE, &res), 0);
	assert_int_equal(em_query_device(&l->ctx, &l->app, LAB_DEVICE, &ds, &res), 0);
	assert_int_equal(ds.state, EM_DEVICE_LOGGED_OUT);
	assert_string_equal(ds.last_user_id, LAB_USER);

	/* Off: queries hide it, and new logins do not record it. */
	l->params.remember_last_user = 0;
	assert_int_equal(em_query_device(&l->ctx, &l->app, LAB_DEVICE, &ds, &res), 0);
	assert_string_equal(ds.last_user_id, "");
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, "bob", &res), 0);
	assert_string_equal(lab_state(l, LAB_DEVICE).last_user_id, "");
	assert_int_equal(em_logout(&l->ctx, &l->app, LAB_DEVICE, &res), 0);
	l->params.remember_last_user = 1;
	assert_int_equal(em_query_device(&l->ctx, &l->app, LAB_DEVICE, &ds, &res), 0);
	assert_string_equal(ds.last_user_id, "");
}

/* ---- logout --------------------------------------------------------------------------- */

static void test_logout(void **state)
{
	struct lab *l = *state;
	struct em_result res;
	struct em_login_req req = {LAB_DEVICE, LAB_USER, NULL, EM_DURATION_MINUTES, 30};
	struct store_em_state s;
	struct store_audit a;

	assert_int_equal(em_logout(&l->ctx, &l->app, "SEP000000000000", &res), EPERM);
	assert_int_equal(res.code, EM_DEVICE_NOT_FOUND);
	assert_int_equal(em_logout(&l->ctx, &l->app, "", &res), EPERM);
	assert_int_equal(res.code, EM_DEVICE_NOT_FOUND);
	assert_int_equal(em_logout(&l->ctx, &l->app, LAB_DEVICE, &res), EPERM);
	assert_int_equal(res.code, EM_NO_USER_LOGGED_IN);
	assert_string_equal(res.text, "No user logged in");
	assert_int_equal(lab_audit_count(l, "logout", EM_NO_USER_LOGGED_IN), 1);

	assert_int_equal(em_login(&l->ctx, &l->app, &req, &res), 0);
	/* Someone else's login: not without proxy rights. */
	assert_int_equal(em_logout(&l->ctx, &l->bob, LAB_DEVICE, &res), EPERM);
	assert_int_equal(res.code, EM_NO_PROXY_RIGHTS);
	assert_int_equal(em_logout(&l->ctx, &l->noproxy, LAB_DEVICE, &res), EPERM);
	assert_int_equal(res.code, EM_NO_PROXY_RIGHTS);
	assert_string_equal(lab_state(l, LAB_DEVICE).user_id, LAB_USER);
	assert_int_equal(l->nchanges, 1);

	/* Their own: yes. */
	l->ctx.source = "phone";
	assert_int_equal(em_logout(&l->ctx, &l->adgjm, LAB_DEVICE, &res), 0);
	s = lab_state(l, LAB_DEVICE);
	assert_string_equal(s.user_id, "");
	assert_string_equal(s.profile, "");
	assert_int_equal(s.login_time, 0);
	assert_int_equal(s.login_duration, 0);
	assert_string_equal(s.last_user_id, LAB_USER);
	assert_int_equal(due_of(l), -1);
	a = lab_audit_last(l);
	assert_string_equal(a.action, "logout");
	assert_string_equal(a.user_id, LAB_USER);
	assert_string_equal(a.source, "phone");
	assert_int_equal(a.code, 0);
	assert_int_equal(l->nchanges, 2);
	assert_int_equal(l->changes[1].what, EM_CHANGE_LOGOUT);

	/* Twice: 19. */
	assert_int_equal(em_logout(&l->ctx, &l->adgjm, LAB_DEVICE, &res), EPERM);
	assert_int_equal(res.code, EM_NO_USER_LOGGED_IN);
	assert_int_equal(l->nchanges, 2);
}

static void test_logout_all(void **state)
{
	struct lab *l = *state;
	struct em_result res;
	size_t n = 99;

	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, LAB_USER, &res), 0);
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE2, "bob", &res), 0);
	assert_int_equal(em_logout_all(&l->ctx, &l->adgjm, &n, &res), EPERM);
	assert_int_equal(res.code, EM_NO_PROXY_RIGHTS);
	assert_int_equal(n, 0);
	assert_string_equal(lab_state(l, LAB_DEVICE).user_id, LAB_USER);
	assert_int_equal(l->nchanges, 2);

	assert_int_equal(em_logout_all(&l->ctx, &l->app, &n, &res), 0);
	assert_int_equal(n, 2);
	assert_string_equal(lab_state(l, LAB_DEVICE).user_id, "");
	assert_string_equal(lab_state(l, LAB_DEVICE2).user_id, "");
	assert_int_equal(lab_audit_count(l, "logoutAll", 0), 2);
	assert_int_equal(l->nchanges, 4);
	assert_int_equal(l->changes[2].what, EM_CHANGE_LOGOUT);
	assert_int_equal(l->changes[3].what, EM_CHANGE_LOGOUT);

	/* Nobody left: 0 devices, success. */
	assert_int_equal(em_logout_all(&l->ctx, &l->app, &n, &res), 0);
	assert_int_equal(n, 0);
	assert_int_equal(l->nchanges, 4);
}

/* ---- queries -------------------------------------------------------------------------- */

struct names {
	char v[8][LIM_ID_MAX];
	int dflt[8];
	int n;
};

static int add_device_name(void *arg, const char *device)
{
	struct names *n = arg;

	snprintf(n->v[n->n++], LIM_ID_MAX, "%s", device);
	return 0;
}

static int add_profile_name(void *arg, const char *profile, int is_default)
{
	struct names *n = arg;

	n->dflt[n->n] = is_default;
	snprintf(n->v[n->n++], LIM_ID_MAX, "%s", profile);
	return 0;
}

static int stop_walk(void *arg, const char *device)
{
	(void)arg;
	(void)device;
	return ECANCELED;
}

static int stop_profiles(void *arg, const char *profile, int is_default)
{
	(void)arg;
	(void)profile;
	(void)is_default;
	return ECANCELED;
}

static void test_query_device(void **state)
{
	struct lab *l = *state;
	struct em_result res;
	struct em_device_status ds;

	assert_int_equal(em_query_device(&l->ctx, &l->adgjm, LAB_DEVICE, &ds, &res), EPERM);
	assert_int_equal(res.code, EM_NO_PROXY_RIGHTS);
	assert_int_equal(em_query_device(&l->ctx, &l->app, "SEP000000000000", &ds, &res), 0);
	assert_int_equal(ds.state, EM_DEVICE_DOES_NOT_EXIST);
	/* Never had a login. */
	assert_int_equal(em_query_device(&l->ctx, &l->app, LAB_DEVICE, &ds, &res), 0);
	assert_int_equal(ds.state, EM_DEVICE_LOGGED_OUT);
	assert_string_equal(ds.last_user_id, "");

	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, LAB_USER, &res), 0);
	assert_int_equal(em_query_device(&l->ctx, &l->app, LAB_DEVICE, &ds, &res), 0);
	assert_int_equal(ds.state, EM_DEVICE_LOGGED_IN);
	assert_string_equal(ds.user_id, LAB_USER);
	assert_string_equal(ds.profile, LAB_PROFILE);
	assert_string_equal(ds.last_user_id, LAB_USER);
	assert_int_equal(ds.emcc_role, STORE_EMCC_NONE);
	assert_int_equal(ds.login_time, LAB_NOW_MS / 1000);
}

static void test_query_user(void **state)
{
	struct lab *l = *state;
	struct em_result res;
	struct names n;
	int exists = -1;

	l->params.multiple_login_behavior = EM_MULTI_ALLOWED;
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE2, LAB_USER, &res), 0);
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, LAB_USER, &res), 0);

	memset(&n, 0, sizeof(n));
	assert_int_equal(
	    em_query_user_devices(&l->ctx, &l->app, "ADGJM", &exists, add_device_name, &n, &res),
	    0);
	assert_int_equal(exists, 1);
	assert_int_equal(n.n, 2);
	assert_string_equal(n.v[0], LAB_DEVICE2); /* by device name */
	assert_string_equal(n.v[1], LAB_DEVICE);

	/* Own ID without proxy rights: allowed; someone else's: 10. */
	memset(&n, 0, sizeof(n));
	assert_int_equal(
	    em_query_user_devices(&l->ctx, &l->adgjm, LAB_USER, &exists, add_device_name, &n, &res),
	    0);
	assert_int_equal(n.n, 2);
	assert_int_equal(
	    em_query_user_devices(&l->ctx, &l->bob, LAB_USER, &exists, add_device_name, &n, &res),
	    EPERM);
	assert_int_equal(res.code, EM_NO_PROXY_RIGHTS);

	/* No such user. */
	memset(&n, 0, sizeof(n));
	assert_int_equal(
	    em_query_user_devices(&l->ctx, &l->app, "nobody", &exists, add_device_name, &n, &res),
	    0);
	assert_int_equal(exists, 0);
	assert_int_equal(n.n, 0);
	/* Existing user, no devices. */
	assert_int_equal(
	    em_query_user_devices(&l->ctx, &l->app, "bob", &exists, add_device_name, &n, &res), 0);
	assert_int_equal(exists, 1);
	assert_int_equal(n.n, 0);
	/* A callback that stops the walk: its own error, not the store's (6). */
	assert_int_equal(
	    em_query_user_devices(&l->ctx, &l->app, LAB_USER, &exists, stop_walk, NULL, &res),
	    ECANCELED);
	assert_int_equal(res.code, EM_UNKNOWN_ERROR);
	assert_string_equal(res.text, "Unknown Error: query stopped");
	memset(&res, 0, sizeof(res));
	assert_int_equal(
	    em_query_user_profiles(&l->ctx, &l->app, LAB_USER, &exists, stop_profiles, NULL, &res),
	    ECANCELED);
	assert_int_equal(res.code, EM_UNKNOWN_ERROR);

	memset(&n, 0, sizeof(n));
	assert_int_equal(
	    em_query_user_profiles(&l->ctx, &l->app, LAB_USER, &exists, add_profile_name, &n, &res),
	    0);
	assert_int_equal(exists, 1);
	assert_int_equal(n.n, 2);
	assert_string_equal(n.v[0], LAB_PROFILE);
	assert_int_equal(n.dflt[0], 1);
	assert_string_equal(n.v[1], LAB_PROFILE_ALT);
	assert_int_equal(n.dflt[1], 0);
	assert_int_equal(em_query_user_profiles(&l->ctx, &l->noproxy, LAB_USER, &exists,
						add_profile_name, &n, &res),
			 EPERM);
	assert_int_equal(res.code, EM_NO_PROXY_RIGHTS);
	assert_int_equal(
	    em_query_user_profiles(&l->ctx, &l->app, "nobody", &exists, add_profile_name, &n, &res),
	    0);
	assert_int_equal(exists, 0);

	assert_int_equal(em_query_user_exists(&l->ctx, &l->app, "AdGjM", &exists, &res), 0);
	assert_int_equal(exists, 1);
	assert_int_equal(em_query_user_exists(&l->ctx, &l->app, "nobody", &exists, &res), 0);
	assert_int_equal(exists, 0);
	assert_int_equal(em_query_user_exists(&l->ctx, &l->app, "", &exists, &res), 0);
	assert_int_equal(exists, 0);
	assert_int_equal(em_query_user_exists(&l->ctx, &l->bob, "bob", &exists, &res), 0);
	assert_int_equal(exists, 1);
	assert_int_equal(em_query_user_exists(&l->ctx, &l->bob, LAB_USER, &exists, &res), EPERM);
	assert_int_equal(res.code, EM_NO_PROXY_RIGHTS);
}

/* ---- odd input ------------------------------------------------------------------------ */

static void test_sql_metacharacters(void **state)
{
	struct lab *l = *state;
	struct em_result res;
	struct em_device_status ds;
	struct names n;
	int exists = 0;
	long count = 0;

	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, SQL_USER, &res), 0);
	assert_int_equal(em_query_device(&l->ctx, &l->app, LAB_DEVICE, &ds, &res), 0);
	assert_string_equal(ds.user_id, SQL_USER);
	memset(&n, 0, sizeof(n));
	assert_int_equal(
	    em_query_user_devices(&l->ctx, &l->app, SQL_USER, &exists, add_device_name, &n, &res),
	    0);
	assert_int_equal(n.n, 1);
	assert_int_equal(lab_login(l, &l->app, "SEP'; DROP TABLE devices;--", LAB_USER, &res),
			 EPERM);
	assert_int_equal(res.code, EM_DEVICE_NOT_FOUND);
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE2, "x' OR '1'='1", &res), EPERM);
	assert_int_equal(res.code, EM_USER_NOT_FOUND);
	assert_int_equal(store_user_count(l->st, &count), 0);
	assert_int_equal(count, 7);
	assert_int_equal(store_device_count(l->st, &count), 0);
	assert_int_equal(count, 3);
	assert_int_equal(em_logout(&l->ctx, &l->app, LAB_DEVICE, &res), 0);
}

static void test_user_id_normalize(void **state)
{
	char out[LIM_ID_MAX], big[300];
	(void)state;
	assert_int_equal(em_user_id_normalize("AdGjM", out, sizeof(out)), 0);
	assert_string_equal(out, "adgjm");
	assert_int_equal(em_user_id_normalize(" Bob ", out, sizeof(out)), 0);
	assert_string_equal(out, " bob "); /* trims nothing */
	assert_int_equal(em_user_id_normalize("J\xc3\x96RG", out, sizeof(out)), 0);
	assert_string_equal(out, "j\xc3\x96rg"); /* ASCII only */
	assert_int_equal(em_user_id_normalize("", out, sizeof(out)), EINVAL);
	assert_int_equal(em_user_id_normalize(NULL, out, sizeof(out)), EINVAL);
	assert_int_equal(em_user_id_normalize("a\tb", out, sizeof(out)), EINVAL);
	assert_int_equal(em_user_id_normalize("a\x7f", out, sizeof(out)), EINVAL);
	assert_int_equal(em_user_id_normalize("abcdef", out, 4), EINVAL);
	memset(big, 'A', 128);
	big[128] = '\0';
	assert_int_equal(em_user_id_normalize(big, out, sizeof(out)), 0);
	big[128] = 'A';
	big[129] = '\0';
	assert_int_equal(em_user_id_normalize(big, out, sizeof(out)), EINVAL);
}

static void test_params_load(void **state)
{
	struct lab *l = *state;
	struct em_params p;

	assert_int_equal(store_begin(l->st), 0);
	assert_int_equal(store_param_set(l->st, "multiple_login_behavior", "auto_logout"), 0);
	assert_int_equal(store_param_set(l->st, "inter_cluster_max_login_time", "10:00"), 0);
	assert_int_equal(store_param_set(l->st, "max_concurrent_requests", "not-a-number"), 0);
	assert_int_equal(store_param_set(l->st, "from_a_newer_node", "42"), 0);
	assert_int_equal(store_commit(l->st), 0);
	memset(&p, 0xff, sizeof(p));
	assert_int_equal(em_params_load(l->st, &p), 0);
	assert_int_equal(p.multiple_login_behavior, EM_MULTI_AUTO_LOGOUT);
	assert_int_equal(p.inter_cluster_max_minutes, 600); /* the lab's 36000 s */
	assert_int_equal(p.max_concurrent_requests, 5);	    /* invalid: the default stays */
	assert_int_equal(p.remember_last_user, 1);
}

/* on_change must run after the commit: a second connection must already see the login. */
struct commit_probe {
	struct store *other;
	int saw_user;
	int calls;
};

static void probe_change(void *arg, const char *device, enum em_change what, int lc,
			 const char *version)
{
	struct commit_probe *p = arg;
	struct store_em_state s;

	(void)lc;
	(void)version;
	p->calls++;
	if (what == EM_CHANGE_LOGIN && store_em_state_get(p->other, device, &s) == 0 &&
	    strcmp(s.user_id, LAB_USER) == 0)
		p->saw_user = 1;
}

static void test_on_change_after_commit(void **state)
{
	struct lab *l = *state;
	char dir[] = "/tmp/emcc-em-XXXXXX", path[128];
	struct store *mem = l->st;
	struct commit_probe probe = {NULL, 0, 0};
	struct em_result res;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/em.db", dir);
	assert_int_equal(store_open(&l->st, path), 0);
	assert_int_equal(store_open(&probe.other, path), 0);
	lab_load(l);
	l->ctx.st = l->st;
	l->ctx.on_change = probe_change;
	l->ctx.on_change_arg = &probe;

	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, LAB_USER, &res), 0);
	assert_int_equal(probe.calls, 1);
	assert_true(probe.saw_user);
	/* A failed login calls nothing. */
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, "bob", &res), EPERM);
	assert_int_equal(probe.calls, 1);

	store_close(probe.other);
	store_close(l->st);
	l->st = mem;
	unlink(path);
	snprintf(path, sizeof(path), "%s/em.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/em.db-shm", dir);
	unlink(path);
	rmdir(dir);
}

#define T(f) cmocka_unit_test_setup_teardown(f, lab_setup, lab_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_auth_app_user),
	    T(test_auth_failures),
	    T(test_auth_end_user),
	    T(test_auth_cache_off),
	    T(test_login_ok),
	    T(test_login_own_rights),
	    T(test_login_device_errors),
	    T(test_login_user_errors),
	    T(test_login_profiles),
	    T(test_login_occupied),
	    T(test_login_multiple_not_allowed),
	    T(test_login_multiple_auto_logout),
	    T(test_login_auto_logout_audit),
	    T(test_login_multiple_allowed),
	    T(test_login_durations),
	    T(test_remember_last_user),
	    T(test_logout),
	    T(test_logout_all),
	    T(test_query_device),
	    T(test_query_user),
	    T(test_sql_metacharacters),
	    cmocka_unit_test(test_user_id_normalize),
	    T(test_params_load),
	    T(test_on_change_after_commit),
	};
	return cmocka_run_group_tests(tests, lab_group_setup, lab_group_teardown);
}
