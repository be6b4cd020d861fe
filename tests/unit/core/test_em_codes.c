/* test_codes.c -- em_code_text: every code in codes.h has a readable text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/em_codes.h"

static void test_known_texts(void **state)
{
	(void)state;
	assert_string_equal(em_code_text(EM_UNKNOWN_ERROR), "Unknown Error");
	assert_string_equal(em_code_text(EM_INVALID_APP_USER), "Invalid App User");
	assert_string_equal(em_code_text(EM_NO_PROXY_RIGHTS), "User lacks app proxy rights");
	assert_string_equal(em_code_text(EM_DEVICE_NOT_FOUND), "Device does not exist");
	assert_string_equal(em_code_text(EM_ANOTHER_USER_LOGGED_IN), "Another user logged in");
	assert_string_equal(em_code_text(EM_USER_LOGGED_IN_ELSEWHERE), "User logged in elsewhere");
	assert_string_equal(em_code_text(EM_BUSY), "Busy, please try again");
	assert_string_equal(em_code_text(EMAPP_AUTH_ERROR), "Please try to login again");
	assert_string_equal(em_code_text(EM_DATABASE_ERROR), "Database Error");
}

static void test_every_code_has_text(void **state)
{
	static const int codes[] = {
	    0,	1,  2,	3,  4,	5,   6,	  7,   8,   9,	 10,  11,  12,	18,  19,  20,  21,  22,
	    23, 25, 26, 27, 28, 29,  30,  31,  32,  33,	 35,  36,  37,	38,  39,  40,  41,  42,
	    43, 44, 45, 46, 47, 201, 202, 204, 205, 207, 208, 210, 211, 212, 213, 215, 216,
	};
	(void)state;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const char *t = em_code_text(codes[i]);
		assert_non_null(t);
		assert_true(strlen(t) > 3);
		if (codes[i] != 0)
			assert_string_not_equal(t, "Unknown Error");
	}
}

static void test_unknown_code(void **state)
{
	(void)state;
	assert_string_equal(em_code_text(13), "Unknown Error");
	assert_string_equal(em_code_text(-5), "Unknown Error");
	assert_string_equal(em_code_text(9999), "Unknown Error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_known_texts),
	    cmocka_unit_test(test_every_code_has_text),
	    cmocka_unit_test(test_unknown_code),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
