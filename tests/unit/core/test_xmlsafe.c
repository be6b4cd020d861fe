/* test_xmlsafe.c -- the shared XML hardening: UTF-8 rules, prechecks, DTD refusals, error capture.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <libxml/globals.h>
#include <libxml/xmlerror.h>

#include "core/xmlsafe.h"

#define U(s) ((const unsigned char *)(s))

static void test_utf8_check(void **state)
{
	(void)state;
	assert_int_equal(xmlsafe_utf8_check(U("abc"), 3), 3);
	assert_int_equal(xmlsafe_utf8_check(U("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"), 9), 9);
	assert_int_equal(xmlsafe_utf8_check(U("a\0b"), 3), 1);		   /* NUL */
	assert_int_equal(xmlsafe_utf8_check(U("a\xC0\x80"), 3), 1);	   /* overlong NUL */
	assert_int_equal(xmlsafe_utf8_check(U("\xE0\x80\xAF"), 3), 0);	   /* overlong '/' */
	assert_int_equal(xmlsafe_utf8_check(U("\xED\xA0\x80"), 3), 0);	   /* surrogate */
	assert_int_equal(xmlsafe_utf8_check(U("\xF4\x90\x80\x80"), 4), 0); /* > U+10FFFF */
	assert_int_equal(xmlsafe_utf8_check(U("\xF5\x80\x80\x80"), 4), 0);
	assert_int_equal(xmlsafe_utf8_check(U("ab\xE2\x82"), 4), 2);	 /* cut short */
	assert_int_equal(xmlsafe_utf8_check(U("ab\xE2\x28\xA1"), 5), 2); /* bad continuation */
	assert_int_equal(xmlsafe_utf8_check(U("\x80"), 1), 0);
	assert_int_equal(xmlsafe_utf8_check(U(""), 0), 0);
}

static void test_utf8_trim_tail_and_chars(void **state)
{
	(void)state;
	char a[] = "ab\xC3";
	xmlsafe_utf8_trim_tail(a);
	assert_string_equal(a, "ab");
	char b[] = "ab\xE2\x82";
	xmlsafe_utf8_trim_tail(b);
	assert_string_equal(b, "ab");
	char c[] = "ab\xE2\x82\xAC";
	xmlsafe_utf8_trim_tail(c);
	assert_string_equal(c, "ab\xE2\x82\xAC");
	char d[] = "\xF0\x9F\x98";
	xmlsafe_utf8_trim_tail(d);
	assert_string_equal(d, "");
	char e[] = "";
	xmlsafe_utf8_trim_tail(e);
	assert_string_equal(e, "");
	assert_int_equal(xmlsafe_utf8_chars("a\xC3\xA9\xE2\x82\xAC"), 3);
	assert_int_equal(xmlsafe_utf8_chars(""), 0);
}

static void test_chars_ok_and_trim(void **state)
{
	(void)state;
	assert_true(xmlsafe_chars_ok("plain \xC3\xA9", 8, 0));
	assert_false(xmlsafe_chars_ok("a\tb", 3, 0));
	assert_true(xmlsafe_chars_ok("a\tb\r\n", 5, 1));
	assert_false(xmlsafe_chars_ok("a\x01", 2, 1));
	assert_false(xmlsafe_chars_ok("\xEF\xBF\xBE", 3, 1)); /* U+FFFE */
	assert_false(xmlsafe_chars_ok("\xEF\xBF\xBF", 3, 0)); /* U+FFFF */
	assert_true(xmlsafe_chars_ok("\xEF\xBF\xBD", 3, 0));  /* U+FFFD is fine */
	assert_false(xmlsafe_chars_ok("\xC0\x80", 2, 0));

	const char *s = " \t\r\nab c\n ";
	size_t len = strlen(s);
	xmlsafe_trim(&s, &len);
	assert_int_equal(len, 4);
	assert_memory_equal(s, "ab c", 4);
	s = "   ";
	len = 3;
	xmlsafe_trim(&s, &len);
	assert_int_equal(len, 0);
	assert_true(xmlsafe_is_space('\t'));
	assert_false(xmlsafe_is_space('\v'));
}

static void test_declared_encoding(void **state)
{
	(void)state;
	const char *enc;
	size_t n;
	const char *d1 = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>";
	assert_int_equal(xmlsafe_declared_encoding(d1, strlen(d1), &enc, &n), 0);
	assert_int_equal(n, 10);
	assert_memory_equal(enc, "ISO-8859-1", 10);
	const char *d2 = "\xEF\xBB\xBF<?xml version='1.0' encoding = 'utf-8' ?><a/>";
	assert_int_equal(xmlsafe_declared_encoding(d2, strlen(d2), &enc, &n), 0);
	assert_memory_equal(enc, "utf-8", 5);
	const char *d3 = "<?xml version=\"1.0\"?><a/>";
	assert_int_equal(xmlsafe_declared_encoding(d3, strlen(d3), &enc, &n), 0);
	assert_null(enc);
	const char *d4 = "<a/>";
	assert_int_equal(xmlsafe_declared_encoding(d4, strlen(d4), &enc, &n), 0);
	assert_null(enc);
	const char *d5 = "<?xml version=\"1.0\" encoding=\"UTF-8";
	assert_int_equal(xmlsafe_declared_encoding(d5, strlen(d5), &enc, &n), -1);
	const char *d6 = "<?xml version=\"1.0\" encoding=UTF-8?><a/>";
	assert_int_equal(xmlsafe_declared_encoding(d6, strlen(d6), &enc, &n), -1);
	/* "myencoding" is not the encoding pseudo-attribute */
	const char *d7 = "<?xml version=\"1.0\" myencoding=\"x\"?><a/>";
	assert_int_equal(xmlsafe_declared_encoding(d7, strlen(d7), &enc, &n), 0);
	assert_null(enc);
}

static void test_precheck(void **state)
{
	(void)state;
	char why[XMLSAFE_REASON_MAX];
	assert_int_equal(xmlsafe_precheck(NULL, 0, 100, 0, why, sizeof(why)), EINVAL);
	assert_string_equal(why, "empty document");
	assert_int_equal(xmlsafe_precheck("<a/>", 4, 3, 0, why, sizeof(why)), EINVAL);
	assert_string_equal(why, "document too large (4 bytes, at most 3)");
	assert_int_equal(xmlsafe_precheck("<a>\xFF</a>", 8, 100, 0, why, sizeof(why)), EINVAL);
	assert_string_equal(why, "document is not valid UTF-8 (byte 0xFF at offset 3)");
	const char *latin = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>";
	assert_int_equal(xmlsafe_precheck(latin, strlen(latin), 100, 0, why, sizeof(why)), EINVAL);
	assert_string_equal(why, "encoding \"ISO-8859-1\" is not supported (use UTF-8)");
	assert_int_equal(
	    xmlsafe_precheck(latin, strlen(latin), 100, XMLSAFE_FORCE_UTF8, why, sizeof(why)), 0);
	const char *ascii = "<?xml version=\"1.0\" encoding=\"us-ascii\"?><a/>";
	assert_int_equal(xmlsafe_precheck(ascii, strlen(ascii), 100, 0, why, sizeof(why)), 0);
	/* a long or odd encoding name is cut and shown as printable ASCII (found by fuzz_xmlsafe:
	 * the 40-byte cut split a UTF-8 character and a control byte went into the reason) */
	const char *odd =
	    "<?xml version=\"1.0\" encoding=\"UTF8->wwwwwwwwwwwwww\x02in<\xC3\xA9\xC3\xA9"
	    "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\"?><a/>";
	assert_int_equal(xmlsafe_precheck(odd, strlen(odd), 1000, 0, why, sizeof(why)), EINVAL);
	assert_string_equal(why, "encoding \"UTF8->wwwwwwwwwwwwww?in<????????????????\" is not "
				 "supported (use UTF-8)");
	/* a NULL reason buffer is allowed */
	assert_int_equal(xmlsafe_precheck("", 0, 100, 0, NULL, 0), EINVAL);
}

/* Parses doc with flags; returns the rc and leaves the reason in why. */
static int rd(const char *doc, unsigned flags, char *why, size_t whylen)
{
	xmlDocPtr d = NULL;
	int rc = xmlsafe_read(doc, strlen(doc), 64 * 1024, flags, &d, why, whylen);
	if (rc == 0) {
		assert_non_null(d);
		xmlFreeDoc(d);
	} else {
		assert_null(d);
	}
	return rc;
}

static void test_read_refusals(void **state)
{
	(void)state;
	char why[XMLSAFE_REASON_MAX];
	assert_int_equal(rd("<a><b>x</b></a>", 0, why, sizeof(why)), 0);
	assert_string_equal(why, "");

	assert_int_equal(rd("<!DOCTYPE a><a/>", 0, why, sizeof(why)), 0);
	assert_int_equal(rd("<!DOCTYPE a><a/>", XMLSAFE_NO_DOCTYPE, why, sizeof(why)), EINVAL);
	assert_string_equal(why, "DOCTYPE is not allowed");
	assert_int_equal(rd("<!DOCTYPE a SYSTEM \"file:///etc/passwd\"><a/>", 0, why, sizeof(why)),
			 EINVAL);
	assert_string_equal(why, "DOCTYPE with an external identifier is not allowed");

	const char *laughs = "<!DOCTYPE a [<!ENTITY l \"lol\"><!ENTITY l2 \"&l;&l;&l;&l;\">]>"
			     "<a>&l2;</a>";
	assert_int_equal(rd(laughs, 0, why, sizeof(why)), EINVAL);
	assert_string_equal(why, "entity declarations are not allowed");
	assert_int_equal(rd("<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>", 0,
			    why, sizeof(why)),
			 EINVAL);
	assert_string_equal(why, "entity declarations are not allowed");
	assert_int_equal(rd("<!DOCTYPE a [<!ELEMENT a (#PCDATA)>]><a/>", 0, why, sizeof(why)),
			 EINVAL);
	assert_string_equal(why, "DTD declarations are not allowed");
	assert_int_equal(rd("<!DOCTYPE a [<!ATTLIST a x (p|q) \"p\">]><a/>", 0, why, sizeof(why)),
			 EINVAL);
	assert_string_equal(why, "DTD declarations are not allowed");
	assert_int_equal(rd("<!DOCTYPE a [<!NOTATION n SYSTEM \"x\">]><a/>", 0, why, sizeof(why)),
			 EINVAL);
	assert_string_equal(why, "DTD declarations are not allowed");
	/* an undeclared entity is a plain well-formedness error: nothing is fetched */
	assert_int_equal(rd("<a>&nope;</a>", 0, why, sizeof(why)), EINVAL);
	assert_non_null(strstr(why, "nope"));
}

static void test_read_errors(void **state)
{
	(void)state;
	char why[XMLSAFE_REASON_MAX];
	assert_int_equal(rd("<a><b></a>", 0, why, sizeof(why)), EINVAL);
	assert_true(strncmp(why, "line 1: ", 8) == 0);
	assert_true(why[strlen(why) - 1] != '\n');
	/* found by fuzz_xmlsafe: libxml2 quoted the document's newline into its message */
	assert_int_equal(rd("<a><![CDATA[x\n\x01y</a>", 0, why, sizeof(why)), EINVAL);
	assert_true(xmlsafe_chars_ok(why, strlen(why), 0));
	assert_int_equal(rd("", 0, why, sizeof(why)), EINVAL);
	assert_string_equal(why, "empty document");

	/* An undeclared prefix is a namespace error, not a well-formedness one: the document reads
	 * either way, and with XMLSAFE_IGNORE_NS_ERRORS a later real error is the one reported. */
	const char *ns = "<a xsi:type=\"x\"><b></a>";
	assert_int_equal(rd(ns, 0, why, sizeof(why)), EINVAL);
	assert_non_null(strstr(why, "xsi"));
	assert_int_equal(rd(ns, XMLSAFE_IGNORE_NS_ERRORS, why, sizeof(why)), EINVAL);
	assert_null(strstr(why, "xsi"));
	assert_int_equal(rd("<a xsi:type=\"x\"/>", XMLSAFE_IGNORE_NS_ERRORS, why, sizeof(why)), 0);

	/* a declared ISO-8859-1 is refused, or ignored under XMLSAFE_FORCE_UTF8 */
	const char *latin = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xC3\xA9</a>";
	assert_int_equal(rd(latin, 0, why, sizeof(why)), EINVAL);
	xmlDocPtr d = NULL;
	assert_int_equal(
	    xmlsafe_read(latin, strlen(latin), 1000, XMLSAFE_FORCE_UTF8, &d, why, sizeof(why)), 0);
	xmlChar *t = xmlNodeGetContent(xmlDocGetRootElement(d));
	assert_string_equal((const char *)t, "\xC3\xA9"); /* not re-decoded into "Ã©" */
	xmlFree(t);
	xmlFreeDoc(d);
}

static int other_calls;

static void other_handler(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
	other_calls++;
}

/* The thread's own structured handler is put back, and never sees our parse errors. */
static void test_read_restores_handler(void **state)
{
	(void)state;
	char why[XMLSAFE_REASON_MAX];
	int marker;
	xmlSetStructuredErrorFunc(&marker, other_handler);
	assert_int_equal(rd("<a><b></a>", 0, why, sizeof(why)), EINVAL);
	assert_int_equal(other_calls, 0);
	assert_ptr_equal(xmlStructuredError, other_handler);
	assert_ptr_equal(xmlStructuredErrorContext, &marker);
	xmlSetStructuredErrorFunc(NULL, NULL);
}

static xmlDocPtr must_read(const char *doc)
{
	char why[XMLSAFE_REASON_MAX];
	xmlDocPtr d = NULL;
	if (xmlsafe_read(doc, strlen(doc), 4096, 0, &d, why, sizeof(why)))
		fail_msg("%s: %s", doc, why);
	return d;
}

static void test_tree_helpers(void **state)
{
	(void)state;
	xmlDocPtr d = must_read("<r>\n <a>x<!-- c -->y<![CDATA[<z>]]><?pi q?></a>\n <b> t </b>"
				"<c><e/></c><!-- ok --></r>");
	xmlNodePtr r = xmlDocGetRootElement(d);
	assert_true(xmlsafe_is_name(r, "r"));
	assert_false(xmlsafe_is_name(r, "a"));
	assert_null(xmlsafe_stray(r));

	const xmlNode *a = r->children->next; /* after the whitespace text */
	assert_true(xmlsafe_is_name(a, "a"));
	char *s;
	size_t n;
	const xmlNode *bad = (const xmlNode *)1;
	assert_int_equal(xmlsafe_text(a, &s, &n, &bad), 0);
	assert_null(bad);
	assert_int_equal(n, 5);
	assert_string_equal(s, "xy<z>");
	free(s);

	const xmlNode *b = a->next->next;
	assert_true(xmlsafe_is_name(b, "b"));
	assert_non_null(xmlsafe_stray(b)); /* text where elements belong */
	assert_int_equal(xmlsafe_stray(b)->type, XML_TEXT_NODE);

	const xmlNode *c = b->next;
	assert_true(xmlsafe_is_name(c, "c"));
	assert_int_equal(xmlsafe_text(c, &s, &n, &bad), EINVAL);
	assert_null(s);
	assert_true(xmlsafe_is_name(bad, "e"));
	assert_int_equal(xmlsafe_text(c, &s, &n, NULL), EINVAL);
	xmlFreeDoc(d);

	d = must_read("<e></e>");
	assert_int_equal(xmlsafe_text(xmlDocGetRootElement(d), &s, &n, NULL), 0);
	assert_string_equal(s, "");
	assert_int_equal(n, 0);
	free(s);
	xmlFreeDoc(d);
}

static void test_name(void **state)
{
	(void)state;
	char out[XMLSAFE_NAME_MAX + 1];
	assert_string_equal(xmlsafe_name((const xmlChar *)"abc", out), "abc");
	assert_string_equal(xmlsafe_name(NULL, out), "");
	char longname[200];
	memset(longname, 'a', 63);
	memcpy(longname + 63, "\xC3\xA9\xC3\xA9", 5); /* the é straddles the 64-byte cut */
	xmlsafe_name((const xmlChar *)longname, out);
	assert_int_equal(strlen(out), 63);
	assert_int_equal(xmlsafe_utf8_check(U(out), 63), 63);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_utf8_check),
	    cmocka_unit_test(test_utf8_trim_tail_and_chars),
	    cmocka_unit_test(test_chars_ok_and_trim),
	    cmocka_unit_test(test_declared_encoding),
	    cmocka_unit_test(test_precheck),
	    cmocka_unit_test(test_read_refusals),
	    cmocka_unit_test(test_read_errors),
	    cmocka_unit_test(test_read_restores_handler),
	    cmocka_unit_test(test_tree_helpers),
	    cmocka_unit_test(test_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
