/* test_str.c -- bounded copies and formatted texts: cuts are reported, NULL is "", no overrun. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/str.h"

static void test_copy_fits(void **state)
{
	(void)state;
	char b[8];
	assert_int_equal(str_copy(b, sizeof(b), "adgjm"), 0);
	assert_string_equal(b, "adgjm");
	assert_int_equal(str_copy(b, sizeof(b), "1234567"), 0); /* exactly len-1 */
	assert_string_equal(b, "1234567");
	assert_int_equal(str_copy(b, sizeof(b), NULL), 0);
	assert_string_equal(b, "");
}

static void test_copy_cut(void **state)
{
	(void)state;
	char b[8];
	memset(b, 'x', sizeof(b));
	assert_int_equal(str_copy(b, 4, "SEPC80084AA8743"), ERANGE);
	assert_string_equal(b, "SEP");
	assert_int_equal(b[4], 'x'); /* nothing written past len */
	assert_int_equal(str_copy(b, 0, "a"), ERANGE);
	assert_int_equal(b[0], 'S');
}

static void test_printf(void **state)
{
	(void)state;
	char b[16];
	assert_int_equal(str_printf(b, sizeof(b), "%s:%d", "127.0.7.1", 5), 0);
	assert_string_equal(b, "127.0.7.1:5");
	assert_int_equal(str_printf(b, sizeof(b), "%s:%d", "127.0.7.100", 8443), ERANGE);
	assert_string_equal(b, "127.0.7.100:844");
	assert_int_equal(str_printf(NULL, 10, "x"), ERANGE); /* no buffer: nothing written */
	assert_int_equal(str_printf(b, 0, "x"), ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_copy_fits),
	    cmocka_unit_test(test_copy_cut),
	    cmocka_unit_test(test_printf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
