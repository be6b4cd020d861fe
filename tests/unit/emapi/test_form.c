/* test_form.c -- extracting and decoding one field of an x-www-form-urlencoded body. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "emapi/emapi.h"

static int field(const char *body, const char *name, char *out, size_t outlen, size_t *n)
{
	return emapi_form_field(body, strlen(body), name, out, outlen, n);
}

static void test_basic(void **state)
{
	char out[256];
	size_t n = 99;
	assert_int_equal(field("xml=%3Cquery%3E%3C%2Fquery%3E", "xml", out, sizeof(out), &n), 0);
	assert_string_equal(out, "<query></query>");
	assert_int_equal(n, 15);
}

static void test_plus_and_escapes(void **state)
{
	char out[256];
	size_t n;
	assert_int_equal(field("a=1&xml=a+b%2Bc%20d%26e%3d&b=2", "xml", out, sizeof(out), &n), 0);
	assert_string_equal(out, "a b+c d&e=");
	assert_int_equal(n, 10);
	/* lower-case hex is fine */
	assert_int_equal(field("xml=%c3%bc", "xml", out, sizeof(out), &n), 0);
	assert_string_equal(out, "\xC3\xBC");
}

static void test_first_wins_and_name_exact(void **state)
{
	char out[64];
	size_t n;
	assert_int_equal(field("xmlx=no&xm=no&xml=first&xml=second", "xml", out, sizeof(out), &n),
			 0);
	assert_string_equal(out, "first");
	/* an encoded field name still names the field */
	assert_int_equal(field("x%6Dl=enc", "xml", out, sizeof(out), &n), 0);
	assert_string_equal(out, "enc");
	/* empty and value-less fields */
	assert_int_equal(field("xml=", "xml", out, sizeof(out), &n), 0);
	assert_string_equal(out, "");
	assert_int_equal(n, 0);
	assert_int_equal(field("&&xml&y=1", "xml", out, sizeof(out), &n), 0);
	assert_string_equal(out, "");
}

static void test_missing(void **state)
{
	char out[64];
	size_t n;
	assert_int_equal(field("", "xml", out, sizeof(out), &n), ENOENT);
	assert_int_equal(field("a=1&b=2", "xml", out, sizeof(out), &n), ENOENT);
	assert_int_equal(field("XML=1", "xml", out, sizeof(out), &n), ENOENT);
	assert_int_equal(emapi_form_field(NULL, 0, "xml", out, sizeof(out), &n), ENOENT);
}

static void test_bad_escape(void **state)
{
	char out[64];
	size_t n;
	assert_int_equal(field("xml=%3", "xml", out, sizeof(out), &n), EINVAL);
	assert_int_equal(field("xml=%zz", "xml", out, sizeof(out), &n), EINVAL);
	assert_int_equal(field("xml=a%", "xml", out, sizeof(out), &n), EINVAL);
	assert_int_equal(field("xml=a%00b", "xml", out, sizeof(out), &n), EINVAL);
	/* a bad escape in another field does not matter */
	assert_int_equal(field("a=%zz&xml=ok", "xml", out, sizeof(out), &n), 0);
	assert_string_equal(out, "ok");
}

static void test_too_big(void **state)
{
	char out[4];
	size_t n;
	assert_int_equal(field("xml=abc", "xml", out, sizeof(out), &n), 0);
	assert_string_equal(out, "abc");
	assert_int_equal(field("xml=abcd", "xml", out, sizeof(out), &n), E2BIG);
	/* the decoded length counts, not the encoded one */
	assert_int_equal(field("xml=%41%42%43", "xml", out, sizeof(out), &n), 0);
	assert_string_equal(out, "ABC");
	assert_int_equal(field("xml=x", "xml", out, 0, &n), E2BIG);
}

/* The body need not be NUL-terminated: only len bytes are read. */
static void test_not_terminated(void **state)
{
	char body[] = {'x', 'm', 'l', '=', 'a', 'b', '%', '4', '1'};
	char out[16];
	size_t n;
	assert_int_equal(emapi_form_field(body, 6, "xml", out, sizeof(out), &n), 0);
	assert_string_equal(out, "ab");
	assert_int_equal(emapi_form_field(body, 8, "xml", out, sizeof(out), &n), EINVAL);
	assert_int_equal(emapi_form_field(body, sizeof(body), "xml", out, sizeof(out), &n), 0);
	assert_string_equal(out, "abA");
}

/* The full path the servlet takes: form field, then the XML parser. */
static void test_form_then_parse(void **state)
{
	static char out[EMAPI_MAX_DOC + 1];
	static struct emapi_request req;
	struct emapi_error err;
	size_t n;
	const char *body =
	    "xml=%3Cquery%3E%3CappInfo%3E%3CappID%3Eapp%3C%2FappID%3E%3CappCertificate"
	    "%3Ep%26amp%3Bss+word%3C%2FappCertificate%3E%3C%2FappInfo%3E%3CuserDevicesQuery"
	    "%3E%3CuserID%3Eem%40cisco.com%3C%2FuserID%3E%3C%2FuserDevicesQuery%3E%3C"
	    "%2Fquery%3E";
	assert_int_equal(field(body, "xml", out, sizeof(out), &n), 0);
	assert_int_equal(emapi_parse(out, n, &req, &err), 0);
	assert_int_equal(req.kind, EMAPI_USER_DEVICES_QUERY);
	assert_string_equal(req.app_secret, "p&ss word");
	assert_int_equal(req.nnames, 1);
	assert_string_equal(req.names[0], "em@cisco.com");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basic),
	    cmocka_unit_test(test_plus_and_escapes),
	    cmocka_unit_test(test_first_wins_and_name_exact),
	    cmocka_unit_test(test_missing),
	    cmocka_unit_test(test_bad_escape),
	    cmocka_unit_test(test_too_big),
	    cmocka_unit_test(test_not_terminated),
	    cmocka_unit_test(test_form_then_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
