/* test_emcc.c -- the EMCC policy: home-side login and logouts, visiting-side checks and records,
 * the outbox rows. */
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

#define PHONE "SEPAAAAAAAAAAAA" /* a visiting cluster's phone: no device of ours */
#define PHONE2 "SEPBBBBBBBBBBBB"

static int home_login(struct lab *l, const char *from, const char *device, const char *pin,
		      int secmode, struct em_emcc_home_login_out *out, struct em_result *res)
{
	struct em_emcc_home_login_req r = {
	    .visiting_cluster = from,
	    .visiting_reqno = 3,
	    .user_id = LAB_USER,
	    .pin = pin,
	    .device = device,
	    .model = "7821",
	    .protocol = "SIP",
	    .login_type = "UID",
	    .profile = "",
	    .remote_ip = "127.0.7.104",
	    .model_enum = 621,
	    .security_mode = secmode,
	};
	return em_emcc_home_login(&l->ctx, &r, out, res);
}

static long outbox_count(struct lab *l)
{
	long n = -1;
	assert_int_equal(store_emcc_outbox_count(l->st, &n), 0);
	return n;
}

static int first_outbox(void *arg, const struct store_emcc_outbox *o)
{
	*(struct store_emcc_outbox *)arg = *o;
	return 1;
}

static struct store_emcc_outbox outbox_first(struct lab *l)
{
	struct store_emcc_outbox o;
	memset(&o, 0, sizeof(o));
	store_emcc_outbox_due(l->st, INT64_MAX, 1, first_outbox, &o);
	return o;
}

static void test_home_login_success(void **state)
{
	struct lab *l = *state;
	struct em_emcc_home_login_out out;
	struct em_result res;
	struct store_emcc_home_device hd;
	struct store_em_state s;
	int64_t due = 0;

	assert_int_equal(home_login(l, "ClusterOne", PHONE, "12345", 1, &out, &res), 0);
	assert_string_equal(out.profile, LAB_PROFILE);
	assert_int_equal(out.login_duration, 36000);
	assert_true(out.config_version[0] != '\0');
	assert_int_equal(store_emcc_home_device_get(l->st, PHONE, &hd), 0);
	assert_string_equal(hd.visiting_cluster, "ClusterOne");
	assert_int_equal(hd.login_duration, 36000);
	s = lab_state(l, PHONE);
	assert_string_equal(s.user_id, LAB_USER);
	assert_int_equal(s.emcc_role, STORE_EMCC_HOME);
	assert_string_equal(s.remote_cluster, "ClusterOne");
	assert_int_equal(store_logout_next(l->st, &due), 0);
	assert_int_equal(due, LAB_NOW_MS / 1000 + 36000);
	assert_string_equal(lab_audit_last(l).source, "emcc");
	assert_non_null(strstr(lab_audit_last(l).detail, "EMCC from ClusterOne request 3"));
	assert_int_equal(l->nchanges, 1);
	/* the EM API sees it at home as an EMCC device */
	struct em_device_status ds;
	assert_int_equal(em_query_device(&l->ctx, &l->app, PHONE, &ds, &res), 0);
	assert_int_equal(ds.state, EM_DEVICE_LOGGED_IN);
	assert_int_equal(ds.emcc_role, STORE_EMCC_HOME);
}

static void test_home_login_codes(void **state)
{
	struct lab *l = *state;
	struct em_emcc_home_login_out out;
	struct em_result res;
	struct store_user u;

	l->params.emcc_active = 0;
	assert_int_equal(home_login(l, "ClusterOne", PHONE, "12345", 1, &out, &res), EPERM);
	assert_int_equal(res.code, EM_EMCC_NOT_ALLOWED);
	l->params.emcc_active = 1;

	assert_int_equal(home_login(l, "ClusterOne", PHONE, "99999", 1, &out, &res), EPERM);
	assert_int_equal(res.code, EM_AUTH_ERROR);
	assert_int_equal(store_user_get(l->st, LAB_USER, &u), 0);
	assert_int_equal(u.failed_logons, 1); /* counted as a phone login counts it */
	assert_int_equal(lab_audit_last(l).code, EMAPP_AUTH_ERROR);
	assert_non_null(strstr(lab_audit_last(l).detail, "EMCC from ClusterOne request 3"));

	assert_int_equal(home_login(l, "ClusterOne", LAB_DEVICE, "12345", 1, &out, &res), EPERM);
	assert_int_equal(res.code, EM_DUPLICATE_DEVICE_NAME);
	assert_int_equal(home_login(l, "ClusterOne", PHONE, "12345", 3, &out, &res), EPERM);
	assert_int_equal(res.code, EM_DEVICE_SECURITY_MODE);
	l->params.max_emcc_devices = 0;
	assert_int_equal(home_login(l, "ClusterOne", PHONE, "12345", 1, &out, &res), EPERM);
	assert_int_equal(res.code, EM_NO_FREE_EMCC_DEVICE);
	l->params.max_emcc_devices = 10;

	u.emcc_enabled = 0;
	assert_int_equal(store_begin(l->st), 0);
	assert_int_equal(store_user_update(l->st, &u), 0);
	assert_int_equal(store_commit(l->st), 0);
	assert_int_equal(home_login(l, "ClusterOne", PHONE, "12345", 1, &out, &res), EPERM);
	assert_int_equal(res.code, EM_EMCC_NOT_ACTIVATED_FOR_USER);
	assert_int_equal(lab_state(l, PHONE).user_id[0], '\0');
	assert_int_equal(outbox_count(l), 0);
}

static void test_multiple_login(void **state)
{
	struct lab *l = *state;
	struct em_emcc_home_login_out out;
	struct em_result res;
	struct store_emcc_outbox o;

	/* not allowed: logged in locally -> 25 */
	assert_int_equal(lab_login(l, &l->app, LAB_DEVICE2, LAB_USER, &res), 0);
	assert_int_equal(home_login(l, "ClusterOne", PHONE, "12345", 1, &out, &res), EPERM);
	assert_int_equal(res.code, EM_USER_LOGGED_IN_ELSEWHERE);
	assert_int_equal(em_logout(&l->ctx, &l->app, LAB_DEVICE2, &res), 0);

	/* at one visiting cluster, then another: not allowed -> 25 */
	assert_int_equal(home_login(l, "ClusterOne", PHONE, "12345", 1, &out, &res), 0);
	assert_int_equal(home_login(l, "ClusterThree", PHONE2, "12345", 1, &out, &res), EPERM);
	assert_int_equal(res.code, EM_USER_LOGGED_IN_ELSEWHERE);
	assert_int_equal(outbox_count(l), 0);

	/* auto logout: the first EMCC login ends, and its visiting cluster is told (outbox row
	 * written in the same transaction as the new login) */
	l->params.multiple_login_behavior = EM_MULTI_AUTO_LOGOUT;
	assert_int_equal(home_login(l, "ClusterThree", PHONE2, "12345", 1, &out, &res), 0);
	assert_string_equal(lab_state(l, PHONE).user_id, "");
	struct store_emcc_home_device hd;
	assert_int_equal(store_emcc_home_device_get(l->st, PHONE, &hd), ENOENT);
	assert_int_equal(outbox_count(l), 1);
	o = outbox_first(l);
	assert_string_equal(o.cluster, "ClusterOne");
	assert_string_equal(o.kind, "visitingLogout");
	assert_string_equal(o.device, PHONE);
	assert_string_equal(o.user_id, LAB_USER);
	/* the same phone name from another visiting cluster is a duplicate name */
	assert_int_equal(home_login(l, "ClusterOne", PHONE2, "12345", 1, &out, &res), EPERM);
	assert_int_equal(res.code, EM_DUPLICATE_DEVICE_NAME);
}

/* Free EMCC devices (33) are counted after the logins this one ends, which free theirs: the
 * check phase reads only, so it must count them without ending them. */
static void test_free_devices_after_ended_logins(void **state)
{
	struct lab *l = *state;
	struct em_emcc_home_login_out out;
	struct em_result res;
	struct em_emcc_home_login_req r = {.visiting_cluster = "ClusterThree",
					   .visiting_reqno = 4,
					   .user_id = "bob",
					   .pin = "12345",
					   .device = PHONE2,
					   .security_mode = 1};
	struct store_emcc_home_device hd;

	l->params.max_emcc_devices = 1;
	assert_int_equal(home_login(l, "ClusterOne", PHONE, "12345", 1, &out, &res), 0);
	/* the same phone from the same cluster again: the older login's device is freed */
	assert_int_equal(home_login(l, "ClusterOne", PHONE, "12345", 1, &out, &res), 0);
	assert_true(out.superseded);
	/* another user: nothing freed, no device left */
	assert_int_equal(em_emcc_home_login(&l->ctx, &r, &out, &res), EPERM);
	assert_int_equal(res.code, EM_NO_FREE_EMCC_DEVICE);
	assert_int_equal(out.real_code, EM_NO_FREE_EMCC_DEVICE);
	/* the same user elsewhere under Auto Logout: its other EMCC login frees the device */
	l->params.multiple_login_behavior = EM_MULTI_AUTO_LOGOUT;
	assert_int_equal(home_login(l, "ClusterThree", PHONE2, "12345", 1, &out, &res), 0);
	assert_int_equal(store_emcc_home_device_get(l->st, PHONE, &hd), ENOENT);
	assert_int_equal(store_emcc_home_device_get(l->st, PHONE2, &hd), 0);
}

/* A PIN failure at home tells the visiting side's log what the phone login would: the counted
 * reason and whether the lockout engaged. */
static void test_home_lockout_reported(void **state)
{
	struct lab *l = *state;
	struct em_emcc_home_login_out out;
	struct em_result res;

	l->params.failed_logon_threshold = 2;
	assert_int_equal(home_login(l, "ClusterOne", PHONE, "99999", 1, &out, &res), EPERM);
	assert_int_equal(res.code, EM_AUTH_ERROR);
	assert_int_equal(out.real_code, EMAPP_AUTH_ERROR);
	assert_string_equal(out.reason, "wrong PIN (1 of 2 failed logons)");
	assert_false(out.lockout_engaged);
	assert_int_equal(home_login(l, "ClusterOne", PHONE, "99999", 1, &out, &res), EPERM);
	assert_true(out.lockout_engaged);
	assert_non_null(strstr(out.reason, "lockout engaged until"));
	assert_string_equal(lab_audit_last(l).detail, "wrong PIN, 2 failed logons: lockout engaged "
						      "until 2023-11-14T22:43:20Z; EMCC=true; EMCC "
						      "from ClusterOne request 3");
}

/* Auto Logout of a local login by a homeLogin: that phone goes back to its own locale (reset),
 * as when a local login ends it. */
static void test_home_auto_logout_locale(void **state)
{
	struct lab *l = *state;
	struct em_login_req req = {LAB_DEVICE, LAB_USER, LAB_PROFILE_ALT, EM_DURATION_DEFAULT, 0};
	struct em_emcc_home_login_out out;
	struct em_result res;

	assert_int_equal(em_login(&l->ctx, &l->app, &req, &res), 0); /* French on English */
	l->params.multiple_login_behavior = EM_MULTI_AUTO_LOGOUT;
	assert_int_equal(home_login(l, "ClusterOne", PHONE, "12345", 1, &out, &res), 0);
	assert_int_equal(l->nchanges, 3);
	assert_string_equal(l->changes[1].device, LAB_DEVICE);
	assert_int_equal(l->changes[1].what, EM_CHANGE_LOGOUT);
	assert_int_equal(l->changes[1].locale_changed, 1);
	assert_string_equal(l->changes[2].device, PHONE);
	assert_int_equal(l->changes[2].locale_changed, 0);
}

static void test_logouts(void **state)
{
	struct lab *l = *state;
	struct em_emcc_home_login_out out;
	struct em_result res;
	struct store_emcc_home_device hd;
	int ended = -1;
	size_t fired = 0;

	/* homeLogout from the visiting cluster: no message back; idempotent */
	assert_int_equal(home_login(l, "ClusterOne", PHONE, "12345", 1, &out, &res), 0);
	assert_int_equal(
	    em_emcc_home_logout(&l->ctx, "ClusterThree", PHONE, "", "phone", &ended, &res), 0);
	assert_int_equal(ended, 0); /* not that cluster's login */
	assert_int_equal(
	    em_emcc_home_logout(&l->ctx, "ClusterOne", PHONE, LAB_USER, "phone", &ended, &res), 0);
	assert_int_equal(ended, 1);
	assert_int_equal(store_emcc_home_device_get(l->st, PHONE, &hd), ENOENT);
	assert_int_equal(outbox_count(l), 0);
	assert_int_equal(
	    em_emcc_home_logout(&l->ctx, "ClusterOne", PHONE, LAB_USER, "phone", &ended, &res), 0);
	assert_int_equal(ended, 0);

	/* the admin at home: the visiting cluster gets a visitingLogout */
	assert_int_equal(home_login(l, "ClusterOne", PHONE, "12345", 1, &out, &res), 0);
	assert_int_equal(em_logout(&l->ctx, &l->app, PHONE, &res), 0);
	assert_int_equal(store_emcc_home_device_get(l->st, PHONE, &hd), ENOENT);
	assert_int_equal(outbox_count(l), 1);
	assert_string_equal(outbox_first(l).kind, "visitingLogout");
	assert_int_equal(store_begin(l->st), 0);
	assert_int_equal(store_emcc_outbox_delete(l->st, outbox_first(l).id), 0);
	assert_int_equal(store_commit(l->st), 0);

	/* the Inter-cluster Maximum Login Time fires: same clean-up, same message */
	assert_int_equal(home_login(l, "ClusterOne", PHONE, "12345", 1, &out, &res), 0);
	l->ctx.now_ms += 36000LL * 1000;
	assert_int_equal(em_autologout_run(&l->ctx, 10, &fired), 0);
	assert_int_equal(fired, 1);
	assert_int_equal(store_emcc_home_device_get(l->st, PHONE, &hd), ENOENT);
	assert_int_equal(outbox_count(l), 1);
	assert_string_equal(outbox_first(l).kind, "visitingLogout");
	assert_string_equal(outbox_first(l).reason, "timer");
}

static void test_visiting_side(void **state)
{
	struct lab *l = *state;
	struct em_emcc_visit_check chk;
	struct em_result res;
	struct store_emcc_visit v;
	int local = 0, ended = 0;
	size_t removed = 0;

	assert_int_equal(em_emcc_is_local_user(&l->ctx, "Someone", &local), 0);
	assert_int_equal(local, 0);
	assert_int_equal(em_emcc_is_local_user(&l->ctx, "ADGJM", &local), 0);
	assert_int_equal(local, 1);
	assert_int_equal(em_emcc_visit_check(&l->ctx, LAB_DEVICE, &chk, &res), 0);
	assert_int_equal(chk.nclusters, 2);
	assert_string_equal(chk.clusters[0].id, "ClusterOne");
	assert_int_equal(chk.model_enum, 621);
	assert_int_equal(em_emcc_visit_check(&l->ctx, LAB_DEVICE_NOEM, &chk, &res), EPERM);
	assert_int_equal(res.code, EM_DEVICE_LOGON_DISABLED);
	assert_int_equal(em_emcc_visit_check(&l->ctx, "SEP000000000000", &chk, &res), EPERM);
	assert_int_equal(res.code, EM_DEVICE_NOT_FOUND);
	l->params.emcc_active = 0;
	assert_int_equal(em_emcc_visit_check(&l->ctx, LAB_DEVICE, &chk, &res), EPERM);
	assert_int_equal(res.code, EMAPP_EMCC_NOT_ACTIVATED);
	l->params.emcc_active = 1;

	struct em_emcc_visit_record rec = {
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
	assert_int_equal(em_emcc_visit_record(&l->ctx, &rec, &res), 0);
	assert_int_equal(store_emcc_visit_get(l->st, LAB_DEVICE, &v), 0);
	assert_string_equal(v.user_id, "remote");
	assert_int_equal(lab_state(l, LAB_DEVICE).emcc_role, STORE_EMCC_VISITOR);
	assert_int_equal(em_emcc_visit_check(&l->ctx, LAB_DEVICE, &chk, &res), EPERM);
	assert_int_equal(res.code, EM_ANOTHER_USER_LOGGED_IN);
	assert_int_equal(em_emcc_visit_record(&l->ctx, &rec, &res), EPERM);
	assert_int_equal(res.code, EM_ANOTHER_USER_LOGGED_IN);

	/* the phone logs out: the visit goes, the home is told in the same transaction */
	assert_int_equal(em_logout_device(&l->ctx, LAB_DEVICE, NULL, &res), 0);
	assert_int_equal(store_emcc_visit_get(l->st, LAB_DEVICE, &v), ENOENT);
	assert_int_equal(outbox_count(l), 1);
	assert_string_equal(outbox_first(l).kind, "homeLogout");
	assert_string_equal(outbox_first(l).cluster, "ClusterThree");
	/* a new login of the phone at the same home supersedes the pending logout */
	assert_int_equal(em_emcc_visit_record(&l->ctx, &rec, &res), 0);
	assert_int_equal(outbox_count(l), 0);
	/* the home ends it: no message back; idempotent */
	assert_int_equal(em_emcc_visiting_logout(&l->ctx, "ClusterThree", LAB_DEVICE, "remote",
						 "timer", &ended, &res),
			 0);
	assert_int_equal(ended, 1);
	assert_int_equal(outbox_count(l), 0);
	assert_int_equal(em_emcc_visiting_logout(&l->ctx, "ClusterThree", LAB_DEVICE, "remote",
						 "timer", &ended, &res),
			 0);
	assert_int_equal(ended, 0);

	/* maintenance: a visit long over is logged out */
	assert_int_equal(em_emcc_visit_record(&l->ctx, &rec, &res), 0);
	l->ctx.now_ms += 40000LL * 1000;
	assert_int_equal(em_emcc_expire(&l->ctx, 60, &removed), 0);
	assert_int_equal(removed, 1);
	assert_string_equal(lab_state(l, LAB_DEVICE).user_id, "");
	assert_int_equal(store_emcc_visit_get(l->st, LAB_DEVICE, &v), ENOENT);
}

/* The login behind an EMCC row is gone, the row is left (what maintenance and an orphan
 * homeLogout clean up). */
static void orphan(struct lab *l, const char *device)
{
	struct store_em_state s = lab_state(l, device);

	s.user_id[0] = '\0';
	s.profile[0] = '\0';
	s.emcc_role = STORE_EMCC_NONE;
	s.remote_cluster[0] = '\0';
	assert_int_equal(store_begin(l->st), 0);
	assert_int_equal(store_em_state_put(l->st, &s), 0);
	assert_int_equal(store_commit(l->st), 0);
}

/* Deleting an EMCC row without a logout changes the device's file, so its stamp changes in the
 * same transaction: the provisioning cache (device + stamp) must not keep the old file. */
static void test_orphan_rows_new_stamp(void **state)
{
	struct lab *l = *state;
	struct em_emcc_home_login_out out;
	struct em_result res;
	struct store_emcc_home_device hd;
	struct store_emcc_visit v;
	char before[LIM_STAMP_MAX], after[LIM_STAMP_MAX];
	int ended = -1;
	size_t removed = 0;

	/* the visiting cluster's homeLogout finds only the orphan EMCC device */
	assert_int_equal(home_login(l, "ClusterOne", PHONE, "12345", 1, &out, &res), 0);
	orphan(l, PHONE);
	lab_stamp(l, PHONE, before);
	assert_true(before[0] != '\0');
	assert_int_equal(
	    em_emcc_home_logout(&l->ctx, "ClusterOne", PHONE, "", "phone", &ended, &res), 0);
	assert_int_equal(ended, 0);
	assert_int_equal(store_emcc_home_device_get(l->st, PHONE, &hd), ENOENT);
	lab_stamp(l, PHONE, after);
	assert_string_not_equal(after, before);

	/* maintenance deletes an orphan EMCC device */
	assert_int_equal(home_login(l, "ClusterOne", PHONE2, "12345", 1, &out, &res), 0);
	orphan(l, PHONE2);
	lab_stamp(l, PHONE2, before);
	assert_true(before[0] != '\0');
	assert_int_equal(em_emcc_expire(&l->ctx, 60, &removed), 0);
	assert_int_equal(removed, 1);
	assert_int_equal(store_emcc_home_device_get(l->st, PHONE2, &hd), ENOENT);
	lab_stamp(l, PHONE2, after);
	assert_string_not_equal(after, before);

	/* and an orphan visit of our phone */
	struct em_emcc_visit_record rec = {
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
	assert_int_equal(em_emcc_visit_record(&l->ctx, &rec, &res), 0);
	orphan(l, LAB_DEVICE);
	lab_stamp(l, LAB_DEVICE, before);
	assert_true(before[0] != '\0');
	removed = 0;
	assert_int_equal(em_emcc_expire(&l->ctx, 60, &removed), 0);
	assert_int_equal(removed, 1);
	assert_int_equal(store_emcc_visit_get(l->st, LAB_DEVICE, &v), ENOENT);
	lab_stamp(l, LAB_DEVICE, after);
	assert_string_not_equal(after, before);
}

#define T(f) cmocka_unit_test_setup_teardown(f, lab_emcc_setup, lab_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_home_login_success),
	    T(test_home_login_codes),
	    T(test_multiple_login),
	    T(test_logouts),
	    T(test_visiting_side),
	    T(test_orphan_rows_new_stamp),
	    T(test_free_devices_after_ended_logins),
	    T(test_home_lockout_reported),
	    T(test_home_auto_logout_locale),
	};
	return cmocka_run_group_tests(tests, lab_group_setup, lab_group_teardown);
}
