/* test_csv.c -- RFC 4180 reader: quoting, line ends, BOM, blank lines, limits, error resync. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/csv.h"

static struct csv_record *rec;

static int setup(void **state)
{
	(void)state;
	rec = malloc(sizeof(*rec)); /* 65 KiB: not on the test's stack */
	return rec ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(rec);
	return 0;
}

/* Reads one record and checks its line and fields ("|"-joined). */
static void expect_rec(struct csv_reader *r, size_t line, const char *joined)
{
	const char *why = "unset";
	int rc = csv_read(r, rec, &why);
	if (rc != 1)
		fail_msg("line %zu: want record %s, got %d (%s)", line, joined, rc, why ? why : "");
	assert_null(why);
	assert_int_equal(r->line, line);
	char buf[8192] = "";
	for (size_t i = 0; i < rec->nfields; i++) {
		if (i)
			strcat(buf, "|");
		strcat(buf, rec->fields[i]);
	}
	assert_string_equal(buf, joined);
}

static void expect_err(struct csv_reader *r, size_t line, int err, const char *why_want)
{
	const char *why = NULL;
	int rc = csv_read(r, rec, &why);
	assert_int_equal(rc, err);
	assert_int_equal(r->line, line);
	assert_non_null(why);
	assert_string_equal(why, why_want);
}

static void expect_end(struct csv_reader *r)
{
	assert_int_equal(csv_read(r, rec, NULL), 0);
	assert_int_equal(csv_read(r, rec, NULL), 0); /* stays at the end */
}

static void init(struct csv_reader *r, const char *s)
{
	csv_reader_init(r, s, strlen(s));
}

static void test_simple(void **state)
{
	(void)state;
	struct csv_reader r;
	init(&r, "userid,pin,profile\nadgjm,12345,test_emcc_udp\n");
	expect_rec(&r, 1, "userid|pin|profile");
	expect_rec(&r, 2, "adgjm|12345|test_emcc_udp");
	expect_end(&r);

	/* No final newline; empty fields anywhere. */
	init(&r, "a,,c\n,\n,x,");
	expect_rec(&r, 1, "a||c");
	assert_int_equal(rec->nfields, 3);
	expect_rec(&r, 2, "|");
	assert_int_equal(rec->nfields, 2);
	expect_rec(&r, 3, "|x|");
	assert_int_equal(rec->nfields, 3);
	expect_end(&r);

	init(&r, "");
	expect_end(&r);
}

static void test_quotes(void **state)
{
	(void)state;
	struct csv_reader r;
	init(&r, "\"a,b\",\"say \"\"hi\"\"\",\"\"\n"
		 "\"two\nlines\",x\n"
		 "next,\"\"\"\"\n");
	expect_rec(&r, 1, "a,b|say \"hi\"|");
	assert_int_equal(rec->nfields, 3);
	expect_rec(&r, 2, "two\nlines|x");
	expect_rec(&r, 4, "next|\""); /* line counts the newline inside quotes */
	expect_end(&r);

	/* A quote inside an unquoted field is kept as text (common in real exports). */
	init(&r, "5\" pipe,b\n");
	expect_rec(&r, 1, "5\" pipe|b");
}

static void test_line_ends_bom_blank(void **state)
{
	(void)state;
	struct csv_reader r;
	init(&r, "\xEF\xBB\xBF"
		 "id,name\r\n"
		 "\r\n"
		 "\n"
		 "1,\"x\r\ny\"\r\n"
		 "2,z\r");
	expect_rec(&r, 1, "id|name"); /* BOM not part of the first field */
	expect_rec(&r, 4, "1|x\r\ny");
	expect_rec(&r, 6, "2|z");
	expect_end(&r);

	/* A BOM in the middle is data. */
	init(&r, "a\n\xEF\xBB\xBF"
		 "b\n");
	expect_rec(&r, 1, "a");
	expect_rec(&r, 2,
		   "\xEF\xBB\xBF"
		   "b");
	/* A bare CR inside a line is data. */
	init(&r, "a\rb,c\n");
	expect_rec(&r, 1, "a\rb|c");
}

static void test_errors_resync(void **state)
{
	(void)state;
	struct csv_reader r;
	init(&r, "ok,1\n"
		 "\"bad\"x,2\n"
		 "ok,3\n"
		 "\"open,4\n"
		 "ok,5\n");
	expect_rec(&r, 1, "ok|1");
	expect_err(&r, 2, -EINVAL, "text after a closing quote");
	expect_rec(&r, 3, "ok|3");
	/* The stray quote would swallow line 5 and end unterminated: restart at line 5. */
	expect_err(&r, 4, -EINVAL, "unterminated quoted field");
	expect_rec(&r, 5, "ok|5");
	expect_end(&r);

	static const char nul[] = "a,b\0c,d\ne,f\n";
	csv_reader_init(&r, nul, sizeof(nul) - 1);
	expect_err(&r, 1, -EINVAL, "NUL byte");
	expect_rec(&r, 2, "e|f");
	expect_end(&r);

	static const char qnul[] = "\"a\0\",b\ne\n";
	csv_reader_init(&r, qnul, sizeof(qnul) - 1);
	expect_err(&r, 1, -EINVAL, "NUL byte");
	expect_rec(&r, 2, "e");

	init(&r, "a,\"b\n");
	expect_err(&r, 1, -EINVAL, "unterminated quoted field");
	expect_end(&r);
}

static void test_limits(void **state)
{
	(void)state;
	struct csv_reader r;
	size_t cap = 200000;
	char *s = malloc(cap);
	size_t n = 0;

	/* Exactly 64 fields of exactly 1024 bytes: fits. */
	for (int i = 0; i < CSV_MAX_FIELDS; i++) {
		if (i)
			s[n++] = ',';
		memset(s + n, 'a' + i % 26, CSV_MAX_FIELD);
		n += CSV_MAX_FIELD;
	}
	s[n++] = '\n';
	/* 65 fields. */
	for (int i = 0; i <= CSV_MAX_FIELDS; i++)
		n += (size_t)snprintf(s + n, cap - n, "%s%d", i ? "," : "", i);
	s[n++] = '\n';
	/* A quoted field of 1025 bytes that spans lines: the whole record is consumed. */
	s[n++] = '"';
	memset(s + n, 'q', 600);
	n += 600;
	s[n++] = '\n';
	memset(s + n, 'q', 424);
	n += 424;
	memcpy(s + n, "\",tail\n", 7);
	n += 7;
	memcpy(s + n, "after,ok\n", 9);
	n += 9;

	csv_reader_init(&r, s, n);
	const char *why = NULL;
	assert_int_equal(csv_read(&r, rec, &why), 1);
	assert_int_equal(rec->nfields, CSV_MAX_FIELDS);
	for (int i = 0; i < CSV_MAX_FIELDS; i++) {
		assert_int_equal(strlen(rec->fields[i]), CSV_MAX_FIELD);
		assert_int_equal(rec->fields[i][0], 'a' + i % 26);
	}
	expect_err(&r, 2, -E2BIG, "more than 64 fields");
	expect_err(&r, 3, -E2BIG, "field longer than 1024 bytes");
	expect_rec(&r, 5, "after|ok");
	expect_end(&r);
	free(s);
}

static void test_many_records(void **state)
{
	(void)state;
	/* A typical import: header plus many rows, read to the end without surprises. */
	size_t cap = 1 << 20, n = 0;
	char *s = malloc(cap);
	n += (size_t)snprintf(s, cap, "userid,pin,\"device profile\"\n");
	for (int i = 0; i < 5000; i++)
		n += (size_t)snprintf(s + n, cap - n, "user%d,%05d,\"udp, %d\"\r\n", i, i, i);
	struct csv_reader r;
	csv_reader_init(&r, s, n);
	int rows = 0;
	while (csv_read(&r, rec, NULL) == 1) {
		assert_int_equal(rec->nfields, 3);
		rows++;
	}
	assert_int_equal(rows, 5001);
	assert_int_equal(r.line, 5001);
	assert_string_equal(rec->fields[2], "udp, 4999");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_simple),
	    cmocka_unit_test(test_quotes),
	    cmocka_unit_test(test_line_ends_bom_blank),
	    cmocka_unit_test(test_errors_resync),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_many_records),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
