/* test_vec.c -- the growable array: pushes keep earlier elements, new ones are zeroed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/vec.h"

struct row {
	int id;
	char name[24];
};

static void test_push_grows(void **state)
{
	(void)state;
	struct vec v = {0};
	for (int i = 0; i < 1000; i++) {
		struct row *r = vec_push(&v, sizeof(*r));
		assert_non_null(r);
		assert_int_equal(r->id, 0); /* zeroed */
		assert_int_equal(r->name[0], '\0');
		r->id = i;
		snprintf(r->name, sizeof(r->name), "SEP%012d", i);
	}
	assert_int_equal(v.n, 1000);
	assert_true(v.cap >= 1000);
	const struct row *rows = v.data;
	for (int i = 0; i < 1000; i++) {
		char want[24];
		snprintf(want, sizeof(want), "SEP%012d", i);
		assert_int_equal(rows[i].id, i);
		assert_string_equal(rows[i].name, want);
	}
	vec_free(&v);
	assert_null(v.data);
	assert_int_equal(v.n, 0);
	assert_int_equal(v.cap, 0);
}

static void test_refuses_overflow(void **state)
{
	(void)state;
	struct vec v = {0};
	assert_null(vec_push(&v, 0));
	assert_null(vec_push(&v, SIZE_MAX / 4)); /* 8 elements of it cannot be counted */
	assert_int_equal(v.n, 0);
	vec_free(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_push_grows),
	    cmocka_unit_test(test_refuses_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
