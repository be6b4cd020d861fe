/* test_record.c -- the one login record and the stamps told after a commit: every kind of login
 * (EM API, phone PIN, EMCC home, EMCC visiting record) writes the same rows; every login and
 * logout tells on_change the versionStamp its transaction wrote; a refusal tells nothing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

#define PHONE "SEPAAAAAAAAAAAA" /* a visiting cluster's phone, at home: no device of ours */

/* ---- helpers ---- */

/* 1 when device has a scheduled logout due at or before t. */
static int due_by(struct lab *l, const char *device, int64_t t)
{
	char names[16][LIM_ID_MAX];
	size_t n = 0;

	assert_int_equal(store_logout_due(l->st, t, names, 16, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], device) == 0)
			return 1;
	return 0;
}

/* What a device had before a login: an old stamp (before gets it), a logged-out row naming a
 * previous user, a stale deadline. The login must replace all three. */
static void prepare(struct lab *l, const char *device, char before[LIM_STAMP_MAX])
{
	struct store_em_state s;

	memset(&s, 0, sizeof(s));
	snprintf(s.device, sizeof(s.device), "%s", device);
	snprintf(s.last_user_id, sizeof(s.last_user_id), "previous");
	assert_int_equal(store_begin(l->st), 0);
	assert_int_equal(store_config_bump(l->st, device, LAB_NOW_MS - 1000, before, LIM_STAMP_MAX),
			 0);
	assert_int_equal(store_em_state_put(l->st, &s), 0);
	assert_int_equal(store_logout_schedule(l->st, device, LAB_NOW_MS / 1000 + 5), 0);
	assert_int_equal(store_commit(l->st), 0);
}

/* What one login must have written. */
struct shape {
	const char *device, *user, *profile;
	int64_t duration;
	int role;
	const char *remote_cluster;
	const char *remote_ip; /* the em_state row's (the audit row has ctx->remote_ip) */
	const char *source, *detail;
	int timer; /* a scheduled logout at login time + duration; else none */
};

/* The rows of the login that just succeeded, after n0 changes told before it; before is the
 * device's stamp before it. */
static void assert_login_rows(struct lab *l, const struct shape *e, size_t n0, const char *before)
{
	int64_t now_s = l->ctx.now_ms / 1000;
	struct store_em_state s = lab_state(l, e->device);
	struct store_audit a = lab_audit_last(l);
	char stamp[LIM_STAMP_MAX];

	assert_string_equal(s.user_id, e->user);
	assert_string_equal(s.profile, e->profile);
	assert_int_equal(s.login_time, now_s);
	assert_int_equal(s.login_duration, e->duration);
	assert_string_equal(s.last_user_id, l->params.remember_last_user ? e->user : "");
	assert_int_equal(s.emcc_role, e->role);
	assert_string_equal(s.remote_cluster, e->remote_cluster);
	assert_string_equal(s.remote_ip, e->remote_ip);

	assert_string_equal(a.action, "login");
	assert_string_equal(a.user_id, e->user);
	assert_string_equal(a.device, e->device);
	assert_string_equal(a.source, e->source);
	assert_string_equal(a.remote_ip, l->ctx.remote_ip);
	assert_int_equal(a.code, 0);
	assert_int_equal(a.time_ms, l->ctx.now_ms);
	assert_int_equal(a.reqno, l->ctx.reqno);
	assert_string_equal(a.detail, e->detail);

	if (e->timer) {
		assert_false(due_by(l, e->device, now_s + e->duration - 1));
		assert_true(due_by(l, e->device, now_s + e->duration));
	} else {
		assert_false(due_by(l, e->device, INT64_MAX));
	}

	lab_stamp(l, e->device, stamp);
	assert_true(stamp[0] != '\0');
	assert_string_not_equal(stamp, before);
	assert_int_equal(l->nchanges, n0 + 1);
	assert_string_equal(l->changes[n0].device, e->device);
	assert_int_equal(l->changes[n0].what, EM_CHANGE_LOGIN);
	assert_string_equal(l->changes[n0].version, stamp);
}

/* Change i tells what for device with the stamp the store has now, which is not before. */
static void assert_told(struct lab *l, size_t i, const char *device, enum em_change what,
			const char *before)
{
	char stamp[LIM_STAMP_MAX];

	assert_true(i < l->nchanges);
	assert_string_equal(l->changes[i].device, device);
	assert_int_equal(l->changes[i].what, what);
	lab_stamp(l, device, stamp);
	assert_true(stamp[0] != '\0');
	assert_string_equal(l->changes[i].version, stamp);
	assert_string_not_equal(stamp, before);
}

static int home_login(struct lab *l, const char *from, const char *device, const char *user,
		      const char *pin, struct em_emcc_home_login_out *out)
{
	struct em_emcc_home_login_req r = {
	    .visiting_cluster = from,
	    .visiting_reqno = 3,
	    .user_id = user,
	    .pin = pin,
	    .device = device,
	    .model = "7821",
	    .protocol = "SIP",
	    .login_type = "UID",
	    .profile = "",
	    .remote_ip = "127.0.7.104", /* the phone; ctx->remote_ip is the visiting node */
	    .model_enum = 621,
	    .security_mode = 1,
	};
	struct em_result res;

	return em_emcc_home_login(&l->ctx, &r, out, &res);
}

static const struct em_emcc_visit_record visit = {
    .device = LAB_DEVICE,
    .user_id = "Remote",
    .profile = "remote_udp",
    .home_cluster = "ClusterThree",
    .home_tftp = "127.0.7.200:6970",
    .home_call_manager = "127.0.7.200:5060",
    .home_tvs = "127.0.7.200:2445",
    .login_duration = 36000,
    .home_reqno = 9,
};

static int forget_setup(void **state)
{
	int rc = lab_emcc_setup(state);

	if (rc == 0)
		((struct lab *)*state)->params.remember_last_user = 0;
	return rc;
}

/* ---- every kind of login writes the same rows ---- */

static void test_api_rows(void **state)
{
	struct lab *l = *state;
	struct em_login_req req = {LAB_DEVICE, "ADGJM", NULL, EM_DURATION_MINUTES, 90};
	struct shape e = {LAB_DEVICE, LAB_USER,	     LAB_PROFILE, 5400,	       STORE_EMCC_NONE,
			  "",	      "127.0.7.104", "api",	  LAB_PROFILE, 1};
	struct em_result res;
	char before[LIM_STAMP_MAX];

	prepare(l, LAB_DEVICE, before);
	assert_int_equal(em_login(&l->ctx, &l->app, &req, &res), 0);
	assert_login_rows(l, &e, 0, before);
}

/* No limit: the stale deadline must go, or it would end this login. */
static void test_api_indefinite_rows(void **state)
{
	struct lab *l = *state;
	struct em_login_req req = {LAB_DEVICE, LAB_USER, NULL, EM_DURATION_INDEFINITE, 0};
	struct shape e = {LAB_DEVICE, LAB_USER,	     LAB_PROFILE, 0,	       STORE_EMCC_NONE,
			  "",	      "127.0.7.104", "api",	  LAB_PROFILE, 0};
	struct em_result res;
	char before[LIM_STAMP_MAX];

	prepare(l, LAB_DEVICE, before);
	assert_int_equal(em_login(&l->ctx, &l->app, &req, &res), 0);
	assert_login_rows(l, &e, 0, before);
}

static void test_pin_rows(void **state)
{
	struct lab *l = *state;
	struct em_pin_login_req req = {LAB_DEVICE2, "Bob", "12345", EM_LOGIN_TYPE_UID, NULL, 0};
	struct shape e = {LAB_DEVICE2, "bob",	      "bob_udp", 8 * 3600,  STORE_EMCC_NONE,
			  "",	       "127.0.7.104", "phone",	 "bob_udp", 1};
	struct em_pin_login_out *out = calloc(1, sizeof(*out));
	struct em_result res;
	char before[LIM_STAMP_MAX];

	assert_non_null(out);
	l->ctx.source = "phone";
	l->params.enforce_intra_cluster_max = 1; /* 8:00 */
	prepare(l, LAB_DEVICE2, before);
	assert_int_equal(em_login_pin(&l->ctx, &req, out, &res), 0);
	assert_login_rows(l, &e, 0, before);
	free(out);
}

static void test_home_rows(void **state)
{
	struct lab *l = *state;
	struct shape e = {PHONE,
			  LAB_USER,
			  LAB_PROFILE,
			  36000,
			  STORE_EMCC_HOME,
			  "ClusterOne",
			  "127.0.7.104",
			  "emcc",
			  "EMCC from ClusterOne request 3; test_emcc_udp; duration 36000s",
			  1};
	struct em_emcc_home_login_out out;
	struct store_emcc_home_device hd;
	char before[LIM_STAMP_MAX];

	l->ctx.source = "emcc";
	l->ctx.remote_ip = "127.0.7.100";
	prepare(l, PHONE, before);
	assert_int_equal(home_login(l, "ClusterOne", PHONE, LAB_USER, "12345", &out), 0);
	assert_login_rows(l, &e, 0, before);
	/* The answer and the EMCC device carry the same stamp. */
	assert_string_equal(out.config_version, l->changes[0].version);
	assert_int_equal(store_emcc_home_device_get(l->st, PHONE, &hd), 0);
	assert_string_equal(hd.config_version, l->changes[0].version);
}

/* The visiting side keeps no timer of its own: the stale deadline goes. */
static void test_visit_rows(void **state)
{
	struct lab *l = *state;
	struct shape e = {LAB_DEVICE,
			  "remote",
			  "remote_udp",
			  36000,
			  STORE_EMCC_VISITOR,
			  "ClusterThree",
			  "127.0.7.104",
			  "phone",
			  "EMCC home ClusterThree request 9; remote_udp; duration 36000s",
			  0};
	struct store_emcc_visit v;
	struct em_result res;
	char before[LIM_STAMP_MAX];

	l->ctx.source = "phone";
	prepare(l, LAB_DEVICE, before);
	assert_int_equal(em_emcc_visit_record(&l->ctx, &visit, &res), 0);
	assert_login_rows(l, &e, 0, before);
	assert_int_equal(store_emcc_visit_get(l->st, LAB_DEVICE, &v), 0);
	assert_string_equal(v.config_version, l->changes[0].version);
}

/* ---- every logout tells the stamp it wrote ---- */

static void test_logout_stamps(void **state)
{
	struct lab *l = *state;
	struct em_result res;
	char before[LIM_STAMP_MAX], before2[LIM_STAMP_MAX];
	size_t count = 0, first;

	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, LAB_USER, &res), 0);
	lab_stamp(l, LAB_DEVICE, before);
	assert_int_equal(em_logout(&l->ctx, &l->app, LAB_DEVICE, &res), 0);
	assert_told(l, 1, LAB_DEVICE, EM_CHANGE_LOGOUT, before);

	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, LAB_USER, &res), 0);
	lab_stamp(l, LAB_DEVICE, before);
	assert_int_equal(em_logout_device(&l->ctx, LAB_DEVICE, NULL, &res), 0);
	assert_told(l, 3, LAB_DEVICE, EM_CHANGE_LOGOUT, before);

	/* logoutAll: one change per device, each with its own stamp */
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, LAB_USER, &res), 0);
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE2, "bob", &res), 0);
	lab_stamp(l, LAB_DEVICE, before);
	lab_stamp(l, LAB_DEVICE2, before2);
	assert_int_equal(em_logout_all(&l->ctx, &l->app, &count, &res), 0);
	assert_int_equal(count, 2);
	assert_int_equal(l->nchanges, 8);
	first = strcmp(l->changes[6].device, LAB_DEVICE) == 0 ? 6 : 7; /* the store's order */
	assert_told(l, first, LAB_DEVICE, EM_CHANGE_LOGOUT, before);
	assert_told(l, 13 - first, LAB_DEVICE2, EM_CHANGE_LOGOUT, before2);
	assert_string_not_equal(l->changes[6].version, l->changes[7].version);
}

static void test_auto_logout_stamps(void **state)
{
	struct lab *l = *state;
	struct em_login_req req = {LAB_DEVICE, LAB_USER, NULL, EM_DURATION_MINUTES, 1};
	struct em_result res;
	char before[LIM_STAMP_MAX], before2[LIM_STAMP_MAX];
	size_t fired = 0;

	/* Multiple Login Behavior = Auto Logout: the other device's logout and the login, each
	 * with its device's stamp, in the order they were written */
	assert_int_equal(em_login(&l->ctx, &l->app, &req, &res), 0);
	l->params.multiple_login_behavior = EM_MULTI_AUTO_LOGOUT;
	lab_stamp(l, LAB_DEVICE, before);
	lab_stamp(l, LAB_DEVICE2, before2);
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE2, LAB_USER, &res), 0);
	assert_int_equal(l->nchanges, 3);
	assert_told(l, 1, LAB_DEVICE, EM_CHANGE_LOGOUT, before);
	assert_told(l, 2, LAB_DEVICE2, EM_CHANGE_LOGIN, before2);

	/* the maximum login time */
	assert_int_equal(em_logout(&l->ctx, &l->app, LAB_DEVICE2, &res), 0);
	assert_int_equal(em_login(&l->ctx, &l->app, &req, &res), 0);
	lab_stamp(l, LAB_DEVICE, before);
	l->ctx.now_ms += 60000;
	assert_int_equal(em_autologout_run(&l->ctx, 16, &fired), 0);
	assert_int_equal(fired, 1);
	assert_int_equal(l->nchanges, 6);
	assert_told(l, 5, LAB_DEVICE, EM_CHANGE_LOGOUT, before);
}

static void test_emcc_logout_stamps(void **state)
{
	struct lab *l = *state;
	struct em_emcc_home_login_out out;
	struct em_result res;
	char before[LIM_STAMP_MAX];
	size_t removed = 0;
	int ended = 0;

	/* the visiting cluster's homeLogout */
	assert_int_equal(home_login(l, "ClusterOne", PHONE, LAB_USER, "12345", &out), 0);
	lab_stamp(l, PHONE, before);
	assert_int_equal(
	    em_emcc_home_logout(&l->ctx, "ClusterOne", PHONE, LAB_USER, "phone", &ended, &res), 0);
	assert_int_equal(ended, 1);
	assert_told(l, 1, PHONE, EM_CHANGE_LOGOUT, before);

	/* the home's visitingLogout */
	assert_int_equal(em_emcc_visit_record(&l->ctx, &visit, &res), 0);
	lab_stamp(l, LAB_DEVICE, before);
	assert_int_equal(em_emcc_visiting_logout(&l->ctx, "ClusterThree", LAB_DEVICE, "remote",
						 "timer", &ended, &res),
			 0);
	assert_int_equal(ended, 1);
	assert_int_equal(l->nchanges, 4);
	assert_told(l, 3, LAB_DEVICE, EM_CHANGE_LOGOUT, before);

	/* expired EMCC device maintenance */
	assert_int_equal(em_emcc_visit_record(&l->ctx, &visit, &res), 0);
	lab_stamp(l, LAB_DEVICE, before);
	l->ctx.now_ms += 40000LL * 1000;
	assert_int_equal(em_emcc_expire(&l->ctx, 60, &removed), 0);
	assert_int_equal(removed, 1);
	assert_int_equal(l->nchanges, 6);
	assert_told(l, 5, LAB_DEVICE, EM_CHANGE_LOGOUT, before);
}

/* A new homeLogin from the same cluster ends the older one in its transaction without telling
 * it: the one change told is the login's, with the stamp the phone's file has now. */
static void test_superseded_tells_last_stamp(void **state)
{
	struct lab *l = *state;
	struct em_emcc_home_login_out out;
	char before[LIM_STAMP_MAX];

	assert_int_equal(home_login(l, "ClusterOne", PHONE, LAB_USER, "12345", &out), 0);
	lab_stamp(l, PHONE, before);
	assert_int_equal(home_login(l, "ClusterOne", PHONE, LAB_USER, "12345", &out), 0);
	assert_true(out.superseded);
	assert_int_equal(l->nchanges, 2);
	assert_told(l, 1, PHONE, EM_CHANGE_LOGIN, before);
	assert_string_equal(out.config_version, l->changes[1].version);
}

/* ---- a refusal tells nothing and leaves the stamp ---- */

static void assert_nothing_told(struct lab *l, size_t n0, const char *device, const char *stamp)
{
	char now[LIM_STAMP_MAX];

	assert_int_equal(l->nchanges, n0);
	lab_stamp(l, device, now);
	assert_string_equal(now, stamp);
}

static void test_refusals_tell_nothing(void **state)
{
	struct lab *l = *state;
	struct em_pin_login_req pin = {LAB_DEVICE2, "bob", "99999", EM_LOGIN_TYPE_UID, NULL, 0};
	struct em_pin_login_out *po = calloc(1, sizeof(*po));
	struct em_emcc_home_login_out out;
	struct em_result res;
	char s1[LIM_STAMP_MAX], s2[LIM_STAMP_MAX];

	assert_non_null(po);
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, LAB_USER, &res), 0);
	lab_stamp(l, LAB_DEVICE, s1);
	lab_stamp(l, LAB_DEVICE2, s2);

	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, "bob", &res), EPERM); /* 18 */
	assert_nothing_told(l, 1, LAB_DEVICE, s1);
	assert_int_equal(em_login_pin(&l->ctx, &pin, po, &res), EPERM); /* wrong PIN */
	assert_nothing_told(l, 1, LAB_DEVICE2, s2);
	assert_int_equal(home_login(l, "ClusterOne", LAB_DEVICE, "bob", "12345", &out), EPERM);
	assert_int_equal(out.real_code, EM_DUPLICATE_DEVICE_NAME); /* a device of ours */
	assert_nothing_told(l, 1, LAB_DEVICE, s1);
	assert_int_equal(em_emcc_visit_record(&l->ctx, &visit, &res), EPERM); /* 18 */
	assert_nothing_told(l, 1, LAB_DEVICE, s1);
	assert_int_equal(em_logout(&l->ctx, &l->app, LAB_DEVICE2, &res), EPERM); /* 19 */
	assert_nothing_told(l, 1, LAB_DEVICE2, s2);
	assert_string_equal(lab_state(l, LAB_DEVICE).user_id, LAB_USER);
	free(po);
}

/* A record phase that fails after it wrote a logout (Auto Logout, then a login row the store
 * refuses: a negative duration breaks em_state's CHECK) rolls back and tells nothing at all. */
static void test_failed_record_tells_nothing(void **state)
{
	struct lab *l = *state;
	struct em_emcc_home_login_out out;
	struct em_result res;
	char s1[LIM_STAMP_MAX];

	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE, LAB_USER, &res), 0);
	lab_stamp(l, LAB_DEVICE, s1);
	l->params.multiple_login_behavior = EM_MULTI_AUTO_LOGOUT;
	l->params.inter_cluster_max_minutes = -1;
	assert_int_not_equal(home_login(l, "ClusterOne", PHONE, LAB_USER, "12345", &out), 0);
	assert_int_equal(out.real_code, EM_DATABASE_ERROR);
	assert_nothing_told(l, 1, LAB_DEVICE, s1);
	assert_string_equal(lab_state(l, LAB_DEVICE).user_id, LAB_USER);
	assert_string_equal(lab_state(l, PHONE).user_id, "");
}

#define T(f) cmocka_unit_test_setup_teardown(f, lab_emcc_setup, lab_teardown)
/* Remember the Last User Logged In = false: every kind stores no last user. */
#define F(f) cmocka_unit_test_setup_teardown(f, forget_setup, lab_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_api_rows),
	    T(test_api_indefinite_rows),
	    T(test_pin_rows),
	    T(test_home_rows),
	    T(test_visit_rows),
	    F(test_api_rows),
	    F(test_pin_rows),
	    F(test_home_rows),
	    F(test_visit_rows),
	    T(test_logout_stamps),
	    T(test_auto_logout_stamps),
	    T(test_emcc_logout_stamps),
	    T(test_superseded_tells_last_stamp),
	    T(test_refusals_tell_nothing),
	    T(test_failed_record_tells_nothing),
	};
	return cmocka_run_group_tests(tests, lab_group_setup, lab_group_teardown);
}
