/* test_params.c -- EM parameters: defaults, parsing, canonical text, errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "em/params.h"

static void test_defaults(void **state)
{
	struct em_params p;
	(void)state;
	em_params_defaults(&p);
	assert_int_equal(p.multiple_login_behavior, EM_MULTI_NOT_ALLOWED);
	assert_int_equal(p.enforce_intra_cluster_max, 0);
	assert_int_equal(p.intra_cluster_max_minutes, 480);
	assert_int_equal(p.inter_cluster_max_minutes, 480);
	assert_int_equal(p.alphanumeric_user_id, 1);
	assert_int_equal(p.remember_last_user, 1);
	assert_int_equal(p.max_concurrent_requests, 5);
	assert_int_equal(p.failed_logon_threshold, 3);
	assert_int_equal(p.lockout_minutes, 30);
	assert_int_equal(p.clear_call_logs, 1);
	assert_int_equal(p.credential_cache_seconds, 120);
	/* Enforce is false by default: no intra-cluster limit in force. */
	assert_int_equal(em_params_intra_max_minutes(&p), 0);
}

static void test_defs_table(void **state)
{
	size_t n = 0;
	const struct em_param_def *d = em_params_defs(&n);
	(void)state;
	assert_true(n >= 11);
	for (size_t i = 0; i < n; i++) {
		char canon[64], why[256];
		assert_non_null(d[i].name);
		assert_non_null(d[i].cucm);
		assert_non_null(d[i].help);
		/* Every default passes its own check and is already canonical. */
		assert_int_equal(
		    em_params_check(d[i].name, d[i].dflt, canon, sizeof(canon), why, sizeof(why)),
		    0);
		assert_string_equal(canon, d[i].dflt);
	}
}

static void test_hhmm(void **state)
{
	int m = -1;
	(void)state;
	assert_int_equal(em_params_parse_hhmm("8:00", &m), 0);
	assert_int_equal(m, 480);
	assert_int_equal(em_params_parse_hhmm(":30", &m), 0);
	assert_int_equal(m, 30);
	assert_int_equal(em_params_parse_hhmm("0", &m), 0);
	assert_int_equal(m, 0);
	assert_int_equal(em_params_parse_hhmm("0:00", &m), 0);
	assert_int_equal(m, 0);
	assert_int_equal(em_params_parse_hhmm("10:00", &m), 0);
	assert_int_equal(m, 600);
	assert_int_equal(em_params_parse_hhmm("168:00", &m), 0);
	assert_int_equal(m, 168 * 60);
	assert_int_equal(em_params_parse_hhmm("167:59", &m), 0);
	assert_int_equal(m, 167 * 60 + 59);
	assert_int_equal(em_params_parse_hhmm("007:05", &m), 0);
	assert_int_equal(m, 425);

	static const char *bad[] = {"",	     "8",     "30",    "168:01", "169:00", "1000:00",
				    "8:60",  "8:5",   "8:000", "8:0a",	 "a:00",   "-1:00",
				    " 8:00", "8:00 ", "8.00",  ":",	 "::",	   "1:2:3"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m = 12345;
		assert_int_equal(em_params_parse_hhmm(bad[i], &m), EINVAL);
		assert_int_equal(m, 12345);
	}
	assert_int_equal(em_params_parse_hhmm(NULL, &m), EINVAL);
}

static void check_ok(const char *name, const char *value, const char *want)
{
	char canon[64] = "x", why[256] = "x";
	assert_int_equal(em_params_check(name, value, canon, sizeof(canon), why, sizeof(why)), 0);
	assert_string_equal(canon, want);
}

static void check_bad(const char *name, const char *value, const char *reason_part)
{
	char canon[64] = "untouched", why[256] = "";
	assert_int_equal(em_params_check(name, value, canon, sizeof(canon), why, sizeof(why)),
			 EINVAL);
	assert_non_null(strstr(why, name));
	assert_non_null(strstr(why, reason_part));
}

static void test_check_canonical(void **state)
{
	(void)state;
	check_ok("multiple_login_behavior", "not_allowed", "not_allowed");
	check_ok("multiple_login_behavior", "Multiple Logins Not Allowed", "not_allowed");
	check_ok("multiple_login_behavior", "multiple logins allowed", "allowed");
	check_ok("multiple_login_behavior", "Auto Logout", "auto_logout");
	check_ok("multiple_login_behavior", "AUTO_LOGOUT", "auto_logout");

	static const char *yes[] = {"true", "t", "yes", "1", "TRUE", "Yes", "T"};
	static const char *no[] = {"false", "f", "no", "0", "FALSE", "No", "F"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		check_ok("alphanumeric_user_id", yes[i], "true");
		check_ok("remember_last_user", no[i], "false");
	}
	check_ok("enforce_intra_cluster_max_login_time", "yes", "true");
	check_ok("clear_call_logs", "0", "false");

	check_ok("intra_cluster_max_login_time", ":30", "0:30");
	check_ok("intra_cluster_max_login_time", "008:00", "8:00");
	check_ok("inter_cluster_max_login_time", "10:00", "10:00");
	check_ok("inter_cluster_max_login_time", "0", "0:00");

	check_ok("max_concurrent_requests", "1", "1");
	check_ok("max_concurrent_requests", "100000", "100000");
	check_ok("failed_logon_threshold", "0", "0");
	check_ok("lockout_minutes", "1440", "1440");
	check_ok("credential_cache_seconds", "0", "0");
}

static void test_check_errors(void **state)
{
	char why[256] = "";
	(void)state;
	check_bad("multiple_login_behavior", "sometimes", "auto_logout");
	check_bad("multiple_login_behavior", "", "not_allowed");
	check_bad("alphanumeric_user_id", "maybe", "digits only");
	check_bad("alphanumeric_user_id", "2", "'2' is not valid");
	check_bad("remember_last_user", "", "true or false");
	check_bad("intra_cluster_max_login_time", "169:00", "HHH:MM");
	check_bad("intra_cluster_max_login_time", "8", "HHH:MM");
	check_bad("inter_cluster_max_login_time", "10:75", "HHH:MM");
	check_bad("max_concurrent_requests", "0", "1 to 100000");
	check_bad("max_concurrent_requests", "100001", "1 to 100000");
	check_bad("max_concurrent_requests", "5x", "1 to 100000");
	check_bad("max_concurrent_requests", "", "1 to 100000");
	check_bad("max_concurrent_requests", "99999999999999999999", "1 to 100000");
	check_bad("failed_logon_threshold", "-1", "0");
	check_bad("lockout_minutes", "1441", "1440");
	check_bad("credential_cache_seconds", "3601", "3600");
	check_bad("credential_cache_seconds", " 5", "3600");

	assert_int_equal(em_params_check("no_such_param", "1", NULL, 0, why, sizeof(why)), ENOENT);
	assert_non_null(strstr(why, "no_such_param"));
	assert_int_equal(
	    em_params_check("max_concurrent_requests", NULL, NULL, 0, why, sizeof(why)), EINVAL);
	/* NULL canon and why are allowed. */
	assert_int_equal(em_params_check("clear_call_logs", "t", NULL, 0, NULL, 0), 0);
}

static void test_apply(void **state)
{
	struct em_params p;
	(void)state;
	em_params_defaults(&p);
	assert_int_equal(em_params_apply(&p, "multiple_login_behavior", "Auto Logout"), 0);
	assert_int_equal(p.multiple_login_behavior, EM_MULTI_AUTO_LOGOUT);
	assert_int_equal(em_params_apply(&p, "inter_cluster_max_login_time", "10:00"), 0);
	assert_int_equal(p.inter_cluster_max_minutes, 600);
	assert_int_equal(em_params_apply(&p, "max_concurrent_requests", "250"), 0);
	assert_int_equal(p.max_concurrent_requests, 250);

	/* A bad value changes nothing. */
	assert_int_equal(em_params_apply(&p, "max_concurrent_requests", "0"), EINVAL);
	assert_int_equal(p.max_concurrent_requests, 250);
	assert_int_equal(em_params_apply(&p, "bogus", "1"), ENOENT);

	/* Effective intra-cluster limit: only when enforced, and 0:00 means none. */
	assert_int_equal(em_params_apply(&p, "intra_cluster_max_login_time", "2:00"), 0);
	assert_int_equal(em_params_intra_max_minutes(&p), 0);
	assert_int_equal(em_params_apply(&p, "enforce_intra_cluster_max_login_time", "true"), 0);
	assert_int_equal(em_params_intra_max_minutes(&p), 120);
	assert_int_equal(em_params_apply(&p, "intra_cluster_max_login_time", "0"), 0);
	assert_int_equal(em_params_intra_max_minutes(&p), 0);
}

/* CUCM turns Enforce on when a non-zero Intra-cluster Maximum Login Time is set, off for 0:00. */
static void test_implied(void **state)
{
	(void)state;
	char v[16];
	assert_string_equal(em_params_implied("intra_cluster_max_login_time", "8:00", v, sizeof(v)),
			    "enforce_intra_cluster_max_login_time");
	assert_string_equal(v, "true");
	assert_non_null(em_params_implied("intra_cluster_max_login_time", "0:00", v, sizeof(v)));
	assert_string_equal(v, "false");
	assert_null(em_params_implied("inter_cluster_max_login_time", "8:00", v, sizeof(v)));
	assert_null(em_params_implied("remember_last_user", "true", v, sizeof(v)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_implied),	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_defs_table),	    cmocka_unit_test(test_hhmm),
	    cmocka_unit_test(test_check_canonical), cmocka_unit_test(test_check_errors),
	    cmocka_unit_test(test_apply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
