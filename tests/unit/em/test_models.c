/* test_models.c -- the phone model table, lookups and the device naming rule. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "em/models.h"

static void test_find(void **state)
{
	const struct em_model *m;
	(void)state;
	m = em_model_find("7821");
	assert_non_null(m);
	assert_int_equal(m->model_enum, 621);
	assert_int_equal(m->lines, 2);
	assert_true(m->sep_name);
	assert_true(m->supports_emcc);
	assert_ptr_equal(em_model_find("Cisco 7821"), m);
	assert_ptr_equal(em_model_find("cisco 7821"), m);
	assert_ptr_equal(em_model_find("CP-7821"), m);
	assert_ptr_equal(em_model_find("cp-7821"), m);
	assert_ptr_equal(em_model_find("CP-7821-K9"), m);
	assert_null(em_model_find("78211"));
	assert_null(em_model_find("782"));
	assert_null(em_model_find("Cisco 9999"));
	assert_null(em_model_find(""));
	assert_null(em_model_find(NULL));

	assert_int_equal(em_model_find("7811")->model_enum, 36213);
	assert_int_equal(em_model_find("7841")->model_enum, 622);
	assert_int_equal(em_model_find("7861")->lines, 16);
	assert_int_equal(em_model_find("8811")->model_enum, 36217);
	assert_int_equal(em_model_find("8841")->model_enum, 683);
	assert_int_equal(em_model_find("8845")->model_enum, 36224);
	assert_int_equal(em_model_find("8851")->model_enum, 684);
	assert_int_equal(em_model_find("8861")->model_enum, 685);
	assert_int_equal(em_model_find("8865")->model_enum, 36225);
	assert_int_equal(em_model_find("7832")->model_enum, 36247);
	assert_int_equal(em_model_find("8832")->model_enum, 36258);
	assert_string_equal(em_model_find("CP-8865")->long_name, "Cisco 8865");

	m = em_model_find("Third-party SIP Device (Basic)");
	assert_non_null(m);
	assert_false(m->sep_name);
	assert_false(m->supports_emcc);
}

static void test_table(void **state)
{
	int n = 0;
	const struct em_model *t = em_models(&n);
	(void)state;
	assert_true(n >= 13);
	for (int i = 0; i < n; i++) {
		assert_ptr_equal(em_model_find(t[i].name), &t[i]);
		assert_ptr_equal(em_model_find(t[i].long_name), &t[i]);
		assert_true(t[i].lines >= 1);
	}
}

static void test_device_names(void **state)
{
	const struct em_model *sep = em_model_find("7821");
	const struct em_model *free_ = em_model_find("third-party-sip-basic");
	const char *why = NULL;
	char longname[200];
	(void)state;

	assert_int_equal(em_model_check_device_name(sep, "SEPC80084AA8743", &why), 0);
	assert_string_equal(why, "");
	assert_int_equal(em_model_check_device_name(sep, "SEPc80084aa8743", &why), EINVAL);
	assert_non_null(strstr(why, "SEPC80084AA8743"));
	assert_int_equal(em_model_check_device_name(sep, "SEPC80084AA874", &why), EINVAL);
	assert_int_equal(em_model_check_device_name(sep, "SEPC80084AA87430", &why), EINVAL);
	assert_int_equal(em_model_check_device_name(sep, "SEPC80084AA874G", &why), EINVAL);
	assert_int_equal(em_model_check_device_name(sep, "sepC80084AA8743", &why), EINVAL);
	assert_int_equal(em_model_check_device_name(sep, "alice-desk", &why), EINVAL);
	assert_int_equal(em_model_check_device_name(sep, "", &why), EINVAL);
	assert_int_equal(em_model_check_device_name(sep, NULL, &why), EINVAL);

	assert_int_equal(em_model_check_device_name(free_, "alice-desk.2_b", &why), 0);
	assert_int_equal(em_model_check_device_name(free_, "SEPC80084AA8743", &why), 0);
	assert_int_equal(em_model_check_device_name(free_, "bad name", &why), EINVAL);
	assert_int_equal(em_model_check_device_name(free_, "x'; DROP", &why), EINVAL);
	assert_int_equal(em_model_check_device_name(free_, "../etc", &why), EINVAL);
	memset(longname, 'a', 128);
	longname[128] = '\0';
	assert_int_equal(em_model_check_device_name(free_, longname, &why), 0);
	longname[128] = 'a';
	longname[129] = '\0';
	assert_int_equal(em_model_check_device_name(free_, longname, &why), EINVAL);
	/* Unknown model: the free-form rule. */
	assert_int_equal(em_model_check_device_name(NULL, "desk-7", &why), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_find),
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_device_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
