/* test_config_stamp.c -- config versionStamps: their shape, made once per device that has a file,
 * bumped by every change, and per profile. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/store.h"

#define NOW_MS 1700000000000LL
#define DEV "SEPC80084AA8743"

static int setup(void **state)
{
	struct store *st;
	struct store_device d = {.name = DEV, .model = "7821", .protocol = "SIP", .em_enabled = 1};
	struct store_profile p = {.name = "test_emcc_udp", .model = "7821"};

	assert_int_equal(store_open(&st, ":memory:"), 0);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_device_insert(st, &d), 0);
	assert_int_equal(store_profile_insert(st, &p), 0);
	assert_int_equal(store_commit(st), 0);
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	store_close(*state);
	return 0;
}

/* ---- versionStamp ---- */

static void check_stamp_shape(const char *s, const char *secs)
{
	size_t n = strlen(secs);
	assert_int_equal(strncmp(s, secs, n), 0);
	assert_int_equal(s[n], '-');
	const char *u = s + n + 1;
	assert_int_equal(strlen(u), 36);
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			assert_int_equal(u[i], '-');
		else
			assert_non_null(strchr("0123456789abcdef", u[i]));
	}
	assert_int_equal(u[14], '4');		/* version 4 */
	assert_non_null(strchr("89ab", u[19])); /* RFC 4122 variant */
}

static void test_stamp_shape(void **state)
{
	(void)state;
	char a[LIM_STAMP_MAX], b[LIM_STAMP_MAX];
	assert_int_equal(store_config_stamp_new(a, sizeof(a), 1555108264123LL), 0);
	assert_int_equal(store_config_stamp_new(b, sizeof(b), 1555108264999LL), 0);
	check_stamp_shape(a, "1555108264");
	check_stamp_shape(b, "1555108264");
	assert_string_not_equal(a, b);
	assert_int_equal(strlen(a), 47);
	assert_int_equal(store_config_stamp_new(a, sizeof(a), 0), 0);
	check_stamp_shape(a, "0");
	assert_int_equal(store_config_stamp_new(a, 47, 1555108264123LL), ERANGE);
	assert_string_equal(a, "");
	assert_int_equal(store_config_stamp_new(a, 48, 1555108264123LL), 0);
	assert_int_equal(store_config_stamp_new(a, sizeof(a), -1), EINVAL);
}

static void test_stamp_get_and_bump(void **state)
{
	struct store *st = *state;
	char a[LIM_STAMP_MAX], b[LIM_STAMP_MAX], c[LIM_STAMP_MAX];
	int created = 0;

	/* reading a missing stamp outside a transaction cannot create it */
	assert_int_equal(store_config_stamp_get(st, DEV, NOW_MS, a, sizeof(a), &created), EINVAL);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_config_stamp_get(st, DEV, NOW_MS, a, sizeof(a), &created), 0);
	assert_int_equal(created, 1);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(strncmp(a, "1700000000-", 11), 0);
	assert_int_equal(store_config_stamp_get(st, DEV, NOW_MS, b, sizeof(b), &created), 0);
	assert_int_equal(created, 0);
	assert_string_equal(a, b);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_config_bump(st, DEV, NOW_MS + 1000, c, sizeof(c)), 0);
	assert_int_equal(store_commit(st), 0);
	assert_string_not_equal(a, c);
	assert_int_equal(store_config_stamp_get(st, DEV, NOW_MS, b, sizeof(b), NULL), 0);
	assert_string_equal(b, c);
}

/* The provisioning listener asks for any name a client sends: a stamp is made only for a device
 * that has a file, so invented names never leave rows behind. */
static void test_stamp_only_for_known_devices(void **state)
{
	struct store *st = *state;
	struct store_emcc_home_device hd = {.device = "SEP00112233AABB",
					    .user_id = "adgjm",
					    .profile = "test_emcc_udp",
					    .visiting_cluster = "ClusterOne",
					    .model = "7821",
					    .protocol = "SIP",
					    .security_mode = 1};
	char a[LIM_STAMP_MAX], b[LIM_STAMP_MAX];
	int created = 1;

	assert_int_equal(store_begin(st), 0);
	assert_int_equal(
	    store_config_stamp_get(st, "SEP000000000001", NOW_MS, a, sizeof(a), &created), ENOENT);
	assert_int_equal(created, 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_config_version_get(st, "SEP000000000001", b, sizeof(b), NULL),
			 ENOENT);

	/* an EMCC device at home has no devices row but has a file: it gets a stamp */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_emcc_home_device_put(st, &hd), 0);
	assert_int_equal(
	    store_config_stamp_get(st, "SEP00112233AABB", NOW_MS, a, sizeof(a), &created), 0);
	assert_int_equal(created, 1);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_config_version_get(st, "SEP00112233AABB", b, sizeof(b), NULL), 0);
	assert_string_equal(a, b);
}

static void test_bump_profile(void **state)
{
	struct store *st = *state;
	struct store_em_state s = {.device = DEV,
				   .user_id = "adgjm",
				   .profile = "test_emcc_udp",
				   .login_time = 1700000000};
	char a[LIM_STAMP_MAX], b[LIM_STAMP_MAX];

	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_em_state_put(st, &s), 0);
	assert_int_equal(store_config_bump(st, DEV, NOW_MS, a, sizeof(a)), 0);
	assert_int_equal(store_config_bump_profile(st, "other", NOW_MS), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_config_stamp_get(st, DEV, NOW_MS, b, sizeof(b), NULL), 0);
	assert_string_equal(a, b); /* another profile: untouched */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_config_bump_profile(st, "test_emcc_udp", NOW_MS), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_config_stamp_get(st, DEV, NOW_MS, b, sizeof(b), NULL), 0);
	assert_string_not_equal(a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stamp_shape),
	    cmocka_unit_test_setup_teardown(test_stamp_get_and_bump, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stamp_only_for_known_devices, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bump_profile, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
