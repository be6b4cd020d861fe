/* test_clock.c -- wall time in unix ms; elapsed time from the monotonic clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "core/clock.h"

static void test_now_is_unix_ms(void **state)
{
	(void)state;
	int64_t before = (int64_t)time(NULL) * 1000;
	int64_t now = clock_now_ms();
	int64_t after = (int64_t)time(NULL) * 1000 + 1000;
	assert_true(now >= before && now <= after);
}

static void test_elapsed(void **state)
{
	(void)state;
	struct timespec t0 = clock_start();
	struct timespec pause = {0, 20 * 1000 * 1000};
	nanosleep(&pause, NULL);
	double ms = clock_elapsed_ms(&t0);
	assert_true(ms >= 20.0); /* a lower bound only: the machine may be slow */
}

static void test_http_date(void **state)
{
	(void)state;
	char d[32];
	clock_http_date(d, 1552156366); /* the Date of CUCM's 200 in the lab's phone log */
	assert_string_equal(d, "Sat, 09 Mar 2019 18:32:46 GMT");
	clock_http_date(d, 0);
	assert_string_equal(d, "Thu, 01 Jan 1970 00:00:00 GMT");
	clock_http_date(d, 951782400); /* a leap day */
	assert_string_equal(d, "Tue, 29 Feb 2000 00:00:00 GMT");
	clock_http_date(d, INT64_MAX); /* beyond what gmtime shows */
	assert_string_equal(d, "Thu, 01 Jan 1970 00:00:00 GMT");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_now_is_unix_ms),
	    cmocka_unit_test(test_elapsed),
	    cmocka_unit_test(test_http_date),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
