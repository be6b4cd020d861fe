/* test_buf.c -- growable buffer: appends, printf growth, XML/URL escaping, form decoding. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"

static void test_append_printf(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "abc");
	buf_append(&b, "defXX", 3);
	assert_int_equal(b.len, 6);
	assert_string_equal(b.data, "abcdef");
	/* Grows past the first allocation. */
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "%04d", i);
	assert_int_equal(b.len, 6 + 4000);
	assert_memory_equal(b.data + b.len - 4, "0999", 4);
	assert_int_equal(b.data[b.len], '\0');
	assert_int_equal(b.oom, 0);

	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	buf_free(&b);
	assert_null(b.data);
	buf_free(&b); /* twice is fine */
}

static void test_xml_escape(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b);
	buf_xml_escape(&b, "<a href=\"x\">Tom & 'Jerry'</a>");
	assert_string_equal(b.data, "&lt;a href=&quot;x&quot;&gt;Tom &amp; 'Jerry'&lt;/a&gt;");
	buf_reset(&b);
	buf_xml_escape(&b, "");
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void test_url_escape(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b);
	buf_url_escape(&b, "em@cisco.com a-b_c.d~e/\xc3\xa9");
	assert_string_equal(b.data, "em%40cisco.com%20a-b_c.d~e%2F%C3%A9");
	buf_free(&b);
}

static void test_url_decode(void **state)
{
	(void)state;
	char out[64];
	size_t n = 0;
	const char *in = "xml=%3Crequest%3E+a%2bb";
	assert_int_equal(buf_url_decode(in, strlen(in), out, &n), 0);
	assert_string_equal(out, "xml=<request> a+b");
	assert_int_equal(n, strlen("xml=<request> a+b"));

	/* In place. */
	char inplace[] = "a%20b";
	assert_int_equal(buf_url_decode(inplace, strlen(inplace), inplace, NULL), 0);
	assert_string_equal(inplace, "a b");

	assert_int_equal(buf_url_decode("%zz", 3, out, NULL), EINVAL);
	assert_int_equal(buf_url_decode("%4", 2, out, NULL), EINVAL);
	assert_int_equal(buf_url_decode("a%", 2, out, NULL), EINVAL);
	assert_int_equal(buf_url_decode("a%00b", 5, out, NULL), EINVAL);
	assert_int_equal(buf_url_decode("a\0b", 3, out, NULL), EINVAL);
	assert_int_equal(buf_url_decode("%41", 3, out, NULL), 0);
	assert_string_equal(out, "A");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_append_printf),
	    cmocka_unit_test(test_xml_escape),
	    cmocka_unit_test(test_url_escape),
	    cmocka_unit_test(test_url_decode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
