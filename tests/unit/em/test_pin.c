/* test_pin.c -- em_login_pin (phone logins with PIN, credential policy) and em_logout_device. */
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

static struct em_pin_login_out out;

static int pin_login(struct lab *l, const char *device, const char *id, const char *pin,
		     const char *profile, struct em_result *res)
{
	struct em_pin_login_req r = {device, id, pin, EM_LOGIN_TYPE_UID, profile, 0};

	memset(res, 0, sizeof(*res));
	return em_login_pin(&l->ctx, &r, &out, res);
}

static int dn_login(struct lab *l, const char *device, const char *dn, const char *pin,
		    struct em_result *res)
{
	struct em_pin_login_req r = {device, dn, pin, EM_LOGIN_TYPE_DN, NULL, 0};

	memset(res, 0, sizeof(*res));
	return em_login_pin(&l->ctx, &r, &out, res);
}

static struct store_user user(struct lab *l, const char *id)
{
	struct store_user u;

	assert_int_equal(store_user_get(l->st, id, &u), 0);
	return u;
}

static void set_extension(struct lab *l, const char *id, const char *dn)
{
	struct store_user u = user(l, id);

	snprintf(u.primary_extension, sizeof(u.primary_extension), "%s", dn);
	assert_int_equal(store_begin(l->st), 0);
	assert_int_equal(store_user_update(l->st, &u), 0);
	assert_int_equal(store_commit(l->st), 0);
}

/* What `emcc user unlock` does. */
static void admin_unlock(struct lab *l, const char *id)
{
	struct store_user u = user(l, id);

	u.failed_logons = 0;
	u.locked_until = 0;
	assert_int_equal(store_begin(l->st), 0);
	assert_int_equal(store_user_update(l->st, &u), 0);
	assert_int_equal(store_commit(l->st), 0);
}

static int phone_setup(void **state)
{
	int rc = lab_setup(state);
	struct lab *l = *state;

	if (rc == 0) {
		l->ctx.source = "phone";
		l->params.failed_logon_threshold = 3;
		l->params.lockout_minutes = 30;
	}
	return rc;
}

/* ---- success paths ---- */

static void test_success_single_profile(void **state)
{
	struct lab *l = *state;
	struct em_result res;
	struct store_audit a;

	assert_int_equal(pin_login(l, LAB_DEVICE, "Bob", "12345", NULL, &res), 0);
	assert_string_equal(out.user_id, "bob");
	assert_string_equal(out.profile, "bob_udp");
	assert_int_equal(out.real_code, EM_OK);
	assert_string_equal(lab_state(l, LAB_DEVICE).user_id, "bob");
	assert_string_equal(lab_state(l, LAB_DEVICE).remote_ip, "127.0.7.104");
	assert_int_equal(l->nchanges, 1);
	assert_string_equal(l->changes[0].device, LAB_DEVICE);
	assert_int_equal(l->changes[0].what, EM_CHANGE_LOGIN);
	a = lab_audit_last(l);
	assert_string_equal(a.action, "login");
	assert_string_equal(a.source, "phone");
	assert_string_equal(a.user_id, "bob");
	assert_int_equal(a.code, 0);
	assert_string_equal(a.detail, "bob_udp");
}

static void test_several_profiles_menu(void **state)
{
	struct lab *l = *state;
	struct em_result res;
	int before = lab_audit_count(l, NULL, -1);

	assert_int_equal(pin_login(l, LAB_DEVICE, LAB_USER, "12345", NULL, &res), EAGAIN);
	assert_int_equal(out.nprofiles, 2);
	assert_string_equal(out.profiles[0], LAB_PROFILE); /* the default first */
	assert_string_equal(out.profiles[1], LAB_PROFILE_ALT);
	assert_string_equal(lab_state(l, LAB_DEVICE).user_id, "");
	assert_int_equal(l->nchanges, 0);
	assert_int_equal(lab_audit_count(l, NULL, -1), before);

	/* The menu item re-submits with the choice. */
	assert_int_equal(pin_login(l, LAB_DEVICE, LAB_USER, "12345", LAB_PROFILE_ALT, &res), 0);
	assert_string_equal(lab_state(l, LAB_DEVICE).profile, LAB_PROFILE_ALT);
	assert_int_equal(l->nchanges, 1);
	assert_int_equal(l->changes[0].locale_changed, 1); /* French profile on an English phone */

	/* A profile that is not the user's is refused like a missing one. */
	assert_int_equal(pin_login(l, LAB_DEVICE2, LAB_USER, "12345", "bob_udp", &res), EPERM);
	assert_int_equal(res.code, EMAPP_USER_PROFILE_ABSENT);
}

static void test_emcc_recorded(void **state)
{
	struct lab *l = *state;
	struct em_result res;
	struct em_pin_login_req r = {LAB_DEVICE, "bob", "12345", EM_LOGIN_TYPE_SP, NULL, 1};

	assert_int_equal(em_login_pin(&l->ctx, &r, &out, &res), 0); /* SP behaves like UID */
	assert_string_equal(lab_audit_last(l).detail, "bob_udp; EMCC=true");
}

/* ---- failures: one answer, the real reason in the trail ---- */

static void test_failures_look_alike(void **state)
{
	struct lab *l = *state;
	struct em_result res;
	struct store_audit a;

	/* wrong PIN */
	assert_int_equal(pin_login(l, LAB_DEVICE, "bob", "99999", NULL, &res), EPERM);
	assert_int_equal(res.code, EMAPP_AUTH_ERROR);
	assert_int_equal(out.real_code, EMAPP_AUTH_ERROR);
	assert_string_equal(out.reason, "wrong PIN (1 of 3 failed logons)");
	a = lab_audit_last(l);
	assert_int_equal(a.code, EMAPP_AUTH_ERROR);
	assert_string_equal(a.detail, "wrong PIN (1 of 3 failed logons)");
	assert_string_equal(a.user_id, "bob");
	assert_string_equal(a.source, "phone");
	assert_int_equal(user(l, "bob").failed_logons, 1);

	/* unknown user */
	assert_int_equal(pin_login(l, LAB_DEVICE, "nobody", "12345", NULL, &res), EPERM);
	assert_int_equal(res.code, EMAPP_AUTH_ERROR);
	assert_int_equal(out.real_code, EM_USER_NOT_FOUND);
	a = lab_audit_last(l);
	assert_int_equal(a.code, EM_USER_NOT_FOUND);
	assert_string_equal(a.detail, "unknown user");
	assert_string_equal(a.user_id, "nobody");

	/* no profile: with a wrong PIN it is just a wrong PIN... */
	assert_int_equal(pin_login(l, LAB_DEVICE, "noprofile", "1111", NULL, &res), EPERM);
	assert_int_equal(res.code, EMAPP_AUTH_ERROR);
	assert_int_equal(user(l, "noprofile").failed_logons, 1);
	/* ...with the right one the user may know (and the count is reset) */
	assert_int_equal(pin_login(l, LAB_DEVICE, "noprofile", "12345", NULL, &res), EPERM);
	assert_int_equal(res.code, EMAPP_USER_PROFILE_ABSENT);
	assert_string_equal(lab_audit_last(l).detail, "user has no device profile");
	assert_int_equal(lab_audit_last(l).code, EMAPP_USER_PROFILE_ABSENT);
	assert_int_equal(user(l, "noprofile").failed_logons, 0);

	/* a user without a PIN */
	struct store_user u = user(l, "forever");
	u.pin_hash[0] = '\0';
	assert_int_equal(store_begin(l->st), 0);
	assert_int_equal(store_user_update(l->st, &u), 0);
	assert_int_equal(store_commit(l->st), 0);
	assert_int_equal(pin_login(l, LAB_DEVICE, "forever", "12345", NULL, &res), EPERM);
	assert_int_equal(res.code, EMAPP_AUTH_ERROR);
	assert_string_equal(lab_audit_last(l).detail, "user has no PIN");

	/* Alphanumeric User ID = False: a name is no user */
	l->params.alphanumeric_user_id = 0;
	assert_int_equal(pin_login(l, LAB_DEVICE, "bob", "12345", NULL, &res), EPERM);
	assert_int_equal(res.code, EMAPP_AUTH_ERROR);
	assert_int_equal(out.real_code, EM_USER_NOT_FOUND);
	assert_int_equal(pin_login(l, LAB_DEVICE, "12345", "12345", NULL, &res), 0);
	assert_string_equal(lab_state(l, LAB_DEVICE).user_id, "12345");
}

static void test_blank(void **state)
{
	struct lab *l = *state;
	struct em_result res;
	int before = lab_audit_count(l, NULL, -1);

	assert_int_equal(pin_login(l, LAB_DEVICE, "", "12345", NULL, &res), EPERM);
	assert_int_equal(res.code, EMAPP_BLANK_USER_OR_PIN);
	assert_int_equal(pin_login(l, LAB_DEVICE, "bob", "", NULL, &res), EPERM);
	assert_int_equal(res.code, EMAPP_BLANK_USER_OR_PIN);
	assert_int_equal(pin_login(l, LAB_DEVICE, "bob", NULL, NULL, &res), EPERM);
	assert_int_equal(res.code, EMAPP_BLANK_USER_OR_PIN);
	assert_int_equal(lab_audit_count(l, NULL, -1), before);
	assert_int_equal(user(l, "bob").failed_logons, 0);
}

/* Device checks come first and say nothing about the user: no PIN is counted. */
static void test_device_checks_first(void **state)
{
	struct lab *l = *state;
	struct em_result res;

	assert_int_equal(pin_login(l, "SEP000000000000", "bob", "99999", NULL, &res), EPERM);
	assert_int_equal(res.code, EM_DEVICE_NOT_FOUND);
	assert_int_equal(pin_login(l, LAB_DEVICE_NOEM, "bob", "99999", NULL, &res), EPERM);
	assert_int_equal(res.code, EM_DEVICE_LOGON_DISABLED);
	assert_int_equal(lab_audit_last(l).code, EM_DEVICE_LOGON_DISABLED);
	assert_int_equal(user(l, "bob").failed_logons, 0);
}

/* ---- the credential policy ---- */

static void test_lockout_expires(void **state)
{
	struct lab *l = *state;
	struct em_result res;
	int64_t now_s = LAB_NOW_MS / 1000;

	assert_int_equal(pin_login(l, LAB_DEVICE, "bob", "11111", NULL, &res), EPERM);
	assert_int_equal(pin_login(l, LAB_DEVICE, "bob", "22222", NULL, &res), EPERM);
	assert_false(out.lockout_engaged);
	assert_int_equal(user(l, "bob").locked_until, 0);
	assert_int_equal(pin_login(l, LAB_DEVICE, "bob", "33333", NULL, &res), EPERM);
	assert_true(out.lockout_engaged);
	assert_int_equal(res.code, EMAPP_AUTH_ERROR);
	assert_int_equal(user(l, "bob").failed_logons, 3);
	assert_int_equal(user(l, "bob").locked_until, now_s + 30 * 60);
	assert_non_null(
	    strstr(lab_audit_last(l).detail, "lockout engaged until 2023-11-14T22:43:20Z"));

	/* The right PIN is refused while locked, and does not count. */
	l->ctx.now_ms += 29 * 60 * 1000;
	assert_int_equal(pin_login(l, LAB_DEVICE, "bob", "12345", NULL, &res), EPERM);
	assert_int_equal(res.code, EMAPP_AUTH_ERROR);
	assert_false(out.lockout_engaged);
	assert_non_null(strstr(out.reason, "locked out until"));
	assert_non_null(strstr(lab_audit_last(l).detail, "locked out until"));
	assert_int_equal(user(l, "bob").failed_logons, 3);
	assert_string_equal(lab_state(l, LAB_DEVICE).user_id, "");

	/* Once it has run out, the count starts again; the right PIN resets it. */
	l->ctx.now_ms = LAB_NOW_MS + 30 * 60 * 1000;
	assert_int_equal(pin_login(l, LAB_DEVICE, "bob", "44444", NULL, &res), EPERM);
	assert_string_equal(out.reason, "wrong PIN (1 of 3 failed logons)");
	assert_int_equal(user(l, "bob").locked_until, 0);
	assert_int_equal(pin_login(l, LAB_DEVICE, "bob", "12345", NULL, &res), 0);
	assert_int_equal(user(l, "bob").failed_logons, 0);
	assert_int_equal(user(l, "bob").locked_until, 0);
}

static void test_lockout_until_unlock(void **state)
{
	struct lab *l = *state;
	struct em_result res;

	l->params.lockout_minutes = 0;
	for (int i = 0; i < 3; i++)
		assert_int_equal(pin_login(l, LAB_DEVICE, "bob", "00000", NULL, &res), EPERM);
	assert_true(out.lockout_engaged);
	assert_int_equal(user(l, "bob").locked_until, EM_LOCKED_UNTIL_UNLOCK);
	assert_non_null(strstr(out.reason, "until an administrator unlocks"));
	l->ctx.now_ms += 10LL * 24 * 3600 * 1000;
	assert_int_equal(pin_login(l, LAB_DEVICE, "bob", "12345", NULL, &res), EPERM);
	admin_unlock(l, "bob");
	assert_int_equal(pin_login(l, LAB_DEVICE, "bob", "12345", NULL, &res), 0);
}

static void test_right_pin_resets_and_no_threshold(void **state)
{
	struct lab *l = *state;
	struct em_result res;

	assert_int_equal(pin_login(l, LAB_DEVICE, "bob", "1", NULL, &res), EPERM);
	assert_int_equal(pin_login(l, LAB_DEVICE, "bob", "abc", NULL, &res), EPERM);
	assert_int_equal(user(l, "bob").failed_logons, 2);
	/* A right PIN that still cannot log in (another user is on the phone) resets too. */
	assert_int_equal(pin_login(l, LAB_DEVICE2, "12345", "12345", NULL, &res), 0);
	assert_int_equal(pin_login(l, LAB_DEVICE2, "bob", "12345", NULL, &res), EPERM);
	assert_int_equal(res.code, EM_ANOTHER_USER_LOGGED_IN);
	assert_int_equal(lab_audit_last(l).code, EM_ANOTHER_USER_LOGGED_IN);
	assert_int_equal(user(l, "bob").failed_logons, 0);

	l->params.failed_logon_threshold = 0;
	for (int i = 0; i < 10; i++)
		assert_int_equal(pin_login(l, LAB_DEVICE, "bob", "00000", NULL, &res), EPERM);
	assert_int_equal(user(l, "bob").failed_logons, 10);
	assert_int_equal(user(l, "bob").locked_until, 0);
	assert_string_equal(out.reason, "wrong PIN (10 failed logons, no lockout)");
	assert_int_equal(pin_login(l, LAB_DEVICE, "bob", "12345", NULL, &res), 0);
}

static void test_multiple_login(void **state)
{
	struct lab *l = *state;
	struct em_result res;

	assert_int_equal(pin_login(l, LAB_DEVICE, "bob", "12345", NULL, &res), 0);
	/* the same user and profile again: nothing changes, no second restart */
	assert_int_equal(pin_login(l, LAB_DEVICE, "bob", "12345", NULL, &res), 0);
	assert_int_equal(l->nchanges, 1);
	assert_int_equal(pin_login(l, LAB_DEVICE2, "bob", "12345", NULL, &res), EPERM);
	assert_int_equal(res.code, EM_USER_LOGGED_IN_ELSEWHERE);
}

/* ---- loginType=DN ---- */

static void test_dn_login(void **state)
{
	struct lab *l = *state;
	struct em_result res;

	set_extension(l, "bob", "2002");
	assert_int_equal(dn_login(l, LAB_DEVICE, "2002", "12345", &res), 0);
	assert_string_equal(out.user_id, "bob");
	assert_string_equal(lab_state(l, LAB_DEVICE).user_id, "bob");

	/* wrong PIN for the extension's user counts against that user */
	assert_int_equal(dn_login(l, LAB_DEVICE2, "2002", "99999", &res), EPERM);
	assert_int_equal(res.code, EMAPP_AUTH_ERROR);
	assert_int_equal(user(l, "bob").failed_logons, 1);

	/* no such extension: like an unknown user */
	assert_int_equal(dn_login(l, LAB_DEVICE2, "7777", "12345", &res), EPERM);
	assert_int_equal(res.code, EMAPP_AUTH_ERROR);
	assert_int_equal(out.real_code, EM_USER_NOT_FOUND);
	assert_string_equal(lab_audit_last(l).detail, "no user has primary extension 7777");

	/* an extension shared as primary by several users: 216, nobody's PIN is tried */
	set_extension(l, "shortie", "2001");
	set_extension(l, "forever", "2001");
	assert_int_equal(dn_login(l, LAB_DEVICE2, "2001", "12345", &res), EPERM);
	assert_int_equal(res.code, EMAPP_DN_MULTIPLE_USERS);
	assert_int_equal(lab_audit_last(l).code, EMAPP_DN_MULTIPLE_USERS);
	assert_string_equal(lab_audit_last(l).detail,
			    "extension 2001 is the primary extension of 2 users");
	assert_int_equal(user(l, "shortie").failed_logons, 0);
}

/* ---- the phone's own logout ---- */

static void test_logout_device(void **state)
{
	struct lab *l = *state;
	struct em_result res;
	char who[LIM_ID_MAX];

	assert_int_equal(em_logout_device(&l->ctx, LAB_DEVICE, who, &res), EPERM);
	assert_int_equal(res.code, EM_NO_USER_LOGGED_IN);
	assert_int_equal(em_logout_device(&l->ctx, "SEP000000000000", who, &res), EPERM);
	assert_int_equal(res.code, EM_DEVICE_NOT_FOUND);

	assert_int_equal(pin_login(l, LAB_DEVICE, "bob", "12345", NULL, &res), 0);
	l->nchanges = 0;
	assert_int_equal(em_logout_device(&l->ctx, LAB_DEVICE, who, &res), 0);
	assert_string_equal(who, "bob");
	assert_string_equal(lab_state(l, LAB_DEVICE).user_id, "");
	assert_string_equal(lab_state(l, LAB_DEVICE).last_user_id, "bob");
	assert_int_equal(l->nchanges, 1);
	assert_int_equal(l->changes[0].what, EM_CHANGE_LOGOUT);
	assert_string_equal(lab_audit_last(l).action, "logout");
	assert_string_equal(lab_audit_last(l).source, "phone");
	assert_int_equal(em_logout_device(&l->ctx, LAB_DEVICE, NULL, &res), EPERM);
}

#define T(f) cmocka_unit_test_setup_teardown(f, phone_setup, lab_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_success_single_profile),
	    T(test_several_profiles_menu),
	    T(test_emcc_recorded),
	    T(test_failures_look_alike),
	    T(test_blank),
	    T(test_device_checks_first),
	    T(test_lockout_expires),
	    T(test_lockout_until_unlock),
	    T(test_right_pin_resets_and_no_threshold),
	    T(test_multiple_login),
	    T(test_dn_login),
	    T(test_logout_device),
	};
	return cmocka_run_group_tests(tests, lab_group_setup, lab_group_teardown);
}
