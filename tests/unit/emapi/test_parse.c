/* test_parse.c -- emapi_parse on the guide's documents and on everything it must refuse. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/em_codes.h"
#include "emapi/emapi.h"

#define APPINFO                                                                                    \
	"<appInfo><appID>CCMSysUser</appID><appCertificate>secret</appCertificate></appInfo>"

static struct emapi_request req;
static struct emapi_error err;

static int parse(const char *xml)
{
	return emapi_parse(xml, strlen(xml), &req, &err);
}

/* Refused with code and a text containing what. */
static void refused(const char *xml, int code, const char *what)
{
	int rc = parse(xml);
	if (rc != EINVAL || err.code != code || !strstr(err.text, what))
		fail_msg("expected code %d containing \"%s\"; got rc=%d code=%d text=\"%s\" for %s",
			 code, what, rc, err.code, err.text, xml);
	assert_int_equal(req.kind, 0); /* nothing half-filled */
}

/* ---- the documented examples ---- */

static void test_login_example(void **state)
{
	assert_int_equal(
	    parse("<request><appInfo><appID>CCMSysUser</appID><appCertificate>12345"
		  "</appCertificate></appInfo><login><deviceName>SEP003094C25B15"
		  "</deviceName><userID>john</userID><deviceProfile>UserDevProf"
		  "</deviceProfile><exclusiveDuration><time>60</time></exclusiveDuration>"
		  "</login></request>"),
	    0);
	assert_int_equal(req.kind, EMAPI_LOGIN);
	assert_string_equal(req.app_id, "CCMSysUser");
	assert_string_equal(req.app_secret, "12345");
	assert_int_equal(req.app_secret_encrypted, 0);
	assert_string_equal(req.device_name, "SEP003094C25B15");
	assert_string_equal(req.user_id, "john");
	assert_string_equal(req.device_profile, "UserDevProf");
	assert_int_equal(req.duration_kind, EMAPI_DURATION_TIME);
	assert_int_equal(req.duration_minutes, 60);
	assert_int_equal(req.via_header_set, 0);
	assert_string_equal(req.remote_ip, "");
}

/* Pretty-printed, with a declaration, comments, whitespace around values and every option. */
static void test_login_full_pretty(void **state)
{
	assert_int_equal(
	    parse("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<!DOCTYPE request>\n"
		  "<request>\n  <!-- a client comment -->\n"
		  "  <appInfo>\n    <appID> app </appID>\n"
		  "    <appEncryptedCertificate>\n  AbC==\n</appEncryptedCertificate>\n"
		  "  </appInfo>\n  <login>\n"
		  "    <deviceName>SEP0011</deviceName>\n    <userID>John.Doe</userID>\n"
		  "    <exclusiveDuration> <indefinite/> </exclusiveDuration>\n"
		  "    <remoteIPAddr>192.0.2.7</remoteIPAddr>\n"
		  "    <isViaHeaderSet>true</isViaHeaderSet>\n  </login>\n</request>\n"),
	    0);
	assert_int_equal(req.kind, EMAPI_LOGIN);
	assert_string_equal(req.app_id, "app");
	assert_string_equal(req.app_secret, "AbC==");
	assert_int_equal(req.app_secret_encrypted, 1);
	assert_string_equal(req.user_id, "John.Doe"); /* case kept: the policy lowercases */
	assert_string_equal(req.device_profile, "");
	assert_int_equal(req.duration_kind, EMAPI_DURATION_INDEFINITE);
	assert_string_equal(req.remote_ip, "192.0.2.7");
	assert_int_equal(req.via_header_set, 1);
}

static void test_login_no_duration(void **state)
{
	assert_int_equal(parse("<request>" APPINFO "<login><userID>a</userID><deviceName>d"
			       "</deviceName></login></request>"),
			 0);
	assert_int_equal(req.duration_kind, EMAPI_DURATION_DEFAULT);
	assert_string_equal(req.device_name, "d");
}

static void test_logout(void **state)
{
	assert_int_equal(parse("<request>" APPINFO
			       "<logout><deviceName>SEP003094C25B15</deviceName>"
			       "</logout></request>"),
			 0);
	assert_int_equal(req.kind, EMAPI_LOGOUT);
	assert_string_equal(req.device_name, "SEP003094C25B15");
}

static void test_logout_all(void **state)
{
	assert_int_equal(parse("<request>" APPINFO "<logoutAll></logoutAll></request>"), 0);
	assert_int_equal(req.kind, EMAPI_LOGOUT_ALL);
	assert_int_equal(parse("<request>" APPINFO "<logoutAll/></request>"), 0);
	assert_int_equal(req.kind, EMAPI_LOGOUT_ALL);
}

static void test_device_user_query(void **state)
{
	assert_int_equal(parse("<query>" APPINFO "<deviceUserQuery><deviceName>SEP402CF4915265"
			       "</deviceName><deviceName>SEP003094C25B15</deviceName><deviceName>"
			       "SEPFFFFFFFFFFFF</deviceName><remoteIPAddr>10.0.0.1</remoteIPAddr>"
			       "</deviceUserQuery></query>"),
			 0);
	assert_int_equal(req.kind, EMAPI_DEVICE_USER_QUERY);
	assert_int_equal(req.nnames, 3);
	assert_string_equal(req.names[0], "SEP402CF4915265");
	assert_string_equal(req.names[1], "SEP003094C25B15");
	assert_string_equal(req.names[2], "SEPFFFFFFFFFFFF");
	assert_string_equal(req.remote_ip, "10.0.0.1");
}

static void test_user_devices_query(void **state)
{
	assert_int_equal(parse("<query>" APPINFO "<userDevicesQuery><userID>em@cisco.com</userID>"
			       "<userID>john</userID></userDevicesQuery></query>"),
			 0);
	assert_int_equal(req.kind, EMAPI_USER_DEVICES_QUERY);
	assert_int_equal(req.nnames, 2);
	assert_string_equal(req.names[0], "em@cisco.com");
	assert_string_equal(req.names[1], "john");
}

static void test_device_profile_query_both_names(void **state)
{
	assert_int_equal(parse("<query>" APPINFO "<deviceProfileQuery><userID>john</userID>"
			       "</deviceProfileQuery></query>"),
			 0);
	assert_int_equal(req.kind, EMAPI_DEVICE_PROFILE_QUERY);
	assert_int_equal(req.nnames, 1);
	assert_string_equal(req.names[0], "john");
	assert_int_equal(
	    parse("<query><appInfo><appID>a</appID><appEncryptedCertificate>x"
		  "</appEncryptedCertificate></appInfo><userDeviceProfileQuery><userID>"
		  "em@cisco.com</userID><isViaHeaderSet>f</isViaHeaderSet>"
		  "</userDeviceProfileQuery></query>"),
	    0);
	assert_int_equal(req.kind, EMAPI_DEVICE_PROFILE_QUERY);
	assert_int_equal(req.app_secret_encrypted, 1);
	assert_string_equal(req.names[0], "em@cisco.com");
}

static void test_check_user(void **state)
{
	assert_int_equal(
	    parse("<query>" APPINFO "<checkUser><userID>john</userID><remoteIPAddr>"
		  "10.1.1.1</remoteIPAddr><isViaHeaderSet>1</isViaHeaderSet></checkUser>"
		  "</query>"),
	    0);
	assert_int_equal(req.kind, EMAPI_CHECK_USER);
	assert_int_equal(req.nnames, 1);
	assert_int_equal(req.via_header_set, 1);
	assert_int_equal(parse("<query>" APPINFO "<checkUser><userID>j</userID><isViaHeaderSet>"
			       "FALSE</isViaHeaderSet></checkUser></query>"),
			 0);
	assert_int_equal(req.via_header_set, 0);
}

/* Values are data: SQL and shell metacharacters come through verbatim, entities decoded. */
static void test_metacharacters_verbatim(void **state)
{
	assert_int_equal(parse("<request><appInfo><appID>x' OR '1'='1</appID><appCertificate>"
			       "&lt;&amp;&gt;&quot;&apos;;--</appCertificate></appInfo><login>"
			       "<deviceName>SEP1; DROP TABLE devices;--</deviceName><userID>"
			       "<![CDATA[a\"b%40c$(id)]]></userID></login></request>"),
			 0);
	assert_string_equal(req.app_id, "x' OR '1'='1");
	assert_string_equal(req.app_secret, "<&>\"';--");
	assert_string_equal(req.device_name, "SEP1; DROP TABLE devices;--");
	assert_string_equal(req.user_id, "a\"b%40c$(id)"); /* %40 kept as sent */
}

static void test_utf8_values(void **state)
{
	assert_int_equal(parse("<query>" APPINFO "<userDevicesQuery><userID>j\xC3\xBCrgen&#x1F600;"
			       "</userID></userDevicesQuery></query>"),
			 0);
	assert_string_equal(req.names[0], "j\xC3\xBCrgen\xF0\x9F\x98\x80");
}

/* A comment inside a value splits the text; the pieces join back. */
static void test_comment_inside_value(void **state)
{
	assert_int_equal(parse("<query>" APPINFO
			       "<checkUser><userID> jo<!-- x -->hn <?pi?></userID>"
			       "</checkUser></query>"),
			 0);
	assert_string_equal(req.names[0], "john");
}

static void test_exact_limits_accepted(void **state)
{
	char xml[EMAPI_MAX_DOC];
	char dev[LIM_ID_MAX];
	memset(dev, 'D', LIM_ID_MAX - 1);
	dev[LIM_ID_MAX - 1] = '\0';
	snprintf(xml, sizeof(xml),
		 "<request>" APPINFO "<logout><deviceName>%s</deviceName>"
		 "</logout></request>",
		 dev);
	assert_int_equal(parse(xml), 0);
	assert_int_equal(strlen(req.device_name), LIM_ID_MAX - 1);

	/* EMAPI_MAX_NAMES names is fine */
	size_t n = (size_t)snprintf(xml, sizeof(xml), "<query>" APPINFO "<deviceUserQuery>");
	for (int i = 0; i < EMAPI_MAX_NAMES; i++)
		n += (size_t)snprintf(xml + n, sizeof(xml) - n, "<deviceName>S%d</deviceName>", i);
	snprintf(xml + n, sizeof(xml) - n, "</deviceUserQuery></query>");
	assert_int_equal(parse(xml), 0);
	assert_int_equal(req.nnames, EMAPI_MAX_NAMES);
	assert_string_equal(req.names[EMAPI_MAX_NAMES - 1], "S255");
}

/* ---- refusals ---- */

static void test_billion_laughs(void **state)
{
	refused("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
		" <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
		" <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
		" <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
		" <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
		" <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
		" <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
		" <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
		" <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
		"]>\n<request>" APPINFO "<login><deviceName>&lol9;</deviceName><userID>u</userID>"
		"</login></request>",
		EM_PARSE_ERROR, "entity declarations are not allowed");
}

static void test_external_entity(void **state)
{
	refused("<?xml version=\"1.0\"?><!DOCTYPE request [<!ENTITY xxe SYSTEM "
		"\"file:///etc/passwd\">]><request>" APPINFO
		"<logout><deviceName>&xxe;</deviceName>"
		"</logout></request>",
		EM_PARSE_ERROR, "entity declarations are not allowed");
	assert_null(strstr(err.text, "root:"));
	/* parameter entity pulling an external DTD */
	refused("<!DOCTYPE request [<!ENTITY % ext SYSTEM \"file:///etc/passwd\"> %ext;]>"
		"<request>" APPINFO "<logoutAll/></request>",
		EM_PARSE_ERROR, "not allowed");
	/* external DTD subset */
	refused("<!DOCTYPE request SYSTEM \"file:///etc/passwd\"><request>" APPINFO
		"<logoutAll/></request>",
		EM_PARSE_ERROR, "external identifier");
	refused(
	    "<!DOCTYPE request PUBLIC \"-//x//y\" \"http://127.0.0.1:1/x.dtd\"><request>" APPINFO
	    "<logoutAll/></request>",
	    EM_PARSE_ERROR, "external identifier");
	/* any other declaration */
	refused("<!DOCTYPE request [<!ATTLIST appID x CDATA \"y\">]><request>" APPINFO
		"<logoutAll/></request>",
		EM_PARSE_ERROR, "DTD declarations are not allowed");
	refused("<!DOCTYPE request [<!ATTLIST appID x (a|b) \"a\">]><request>" APPINFO
		"<logoutAll/></request>",
		EM_PARSE_ERROR, "DTD declarations are not allowed"); /* enumeration freed (ASan) */
	refused("<!DOCTYPE request [<!NOTATION n SYSTEM \"x\">]><request>" APPINFO
		"<logoutAll/></request>",
		EM_PARSE_ERROR, "DTD declarations are not allowed");
	refused("<!DOCTYPE request [<!ELEMENT request (appInfo,(login|logout))>]><request>" APPINFO
		"<logoutAll/></request>",
		EM_PARSE_ERROR, "DTD declarations are not allowed");
	refused("<!DOCTYPE request [<!ELEMENT request ANY>]><request>" APPINFO
		"<logoutAll/></request>",
		EM_PARSE_ERROR, "DTD declarations are not allowed");
	/* an undeclared entity is simply not well-formed */
	refused("<!DOCTYPE request><request>" APPINFO "<logout><deviceName>&xxe;</deviceName>"
		"</logout></request>",
		EM_PARSE_ERROR, "Error on Parsing");
	/* a bare DOCTYPE, even with an empty subset, is harmless */
	assert_int_equal(parse("<!DOCTYPE request []><request>" APPINFO "<logoutAll/></request>"),
			 0);
}

static void test_not_utf8(void **state)
{
	refused("<request>" APPINFO "<logout><deviceName>\xC3\x28</deviceName></logout></request>",
		EM_PARSE_ERROR, "not valid UTF-8");
	refused("<request>" APPINFO "<logout><deviceName>\xC0\xAF</deviceName></logout></request>",
		EM_PARSE_ERROR, "not valid UTF-8"); /* overlong '/' */
	refused("<request>" APPINFO
		"<logout><deviceName>\xED\xA0\x80</deviceName></logout></request>",
		EM_PARSE_ERROR, "not valid UTF-8"); /* surrogate */
	refused("<request>" APPINFO "<logout><deviceName>\xF4\x90\x80\x80</deviceName></logout>"
		"</request>",
		EM_PARSE_ERROR, "not valid UTF-8"); /* past U+10FFFF */
	refused("<request>" APPINFO
		"<logout><deviceName>ab\xE2\x82</deviceName></logout></request>",
		EM_PARSE_ERROR, "not valid UTF-8");
	/* an embedded NUL byte */
	static const char nul[] = "<request><appInfo>\0</appInfo></request>";
	assert_int_equal(emapi_parse(nul, sizeof(nul) - 1, &req, &err), EINVAL);
	assert_int_equal(err.code, EM_PARSE_ERROR);
	assert_non_null(strstr(err.text, "offset 18"));
	/* UTF-16 is not UTF-8 */
	static const char u16[] = "\xFF\xFE<\0r\0";
	assert_int_equal(emapi_parse(u16, sizeof(u16) - 1, &req, &err), EINVAL);
}

static void test_declared_encoding(void **state)
{
	refused("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><request>" APPINFO
		"<logoutAll/></request>",
		EM_PARSE_ERROR, "encoding \"ISO-8859-1\" is not supported");
	refused("<?xml version='1.0' encoding = 'UTF-16'?><request>" APPINFO
		"<logoutAll/></request>",
		EM_PARSE_ERROR, "UTF-16");
	assert_int_equal(parse("<?xml version='1.0' encoding='utf-8'?><request>" APPINFO
			       "<logoutAll/></request>"),
			 0);
	assert_int_equal(
	    parse("\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"US-ASCII\"?><request>" APPINFO
		  "<logoutAll/></request>"),
	    0);
	assert_int_equal(parse("<?xml version=\"1.0\"?><request>" APPINFO "<logoutAll/></request>"),
			 0);
}

static void test_malformed(void **state)
{
	refused("", EM_PARSE_ERROR, "empty document");
	refused("<request>" APPINFO "<logout><deviceName>SEP1</deviceName></logout>",
		EM_PARSE_ERROR, "Error on Parsing: line");
	refused("<request><appInfo><appID>a</appID></appInfo", EM_PARSE_ERROR, "Error on Parsing");
	refused("<request><a></b></request>", EM_PARSE_ERROR, "Error on Parsing");
	refused("not xml at all", EM_PARSE_ERROR, "Error on Parsing");
	refused("<request/><query/>", EM_PARSE_ERROR, "Error on Parsing");
}

static void test_too_large(void **state)
{
	size_t len = EMAPI_MAX_DOC + 1;
	char *xml = malloc(len);
	assert_non_null(xml);
	memset(xml, ' ', len);
	memcpy(xml, "<request>", 9);
	assert_int_equal(emapi_parse(xml, len, &req, &err), EINVAL);
	assert_int_equal(err.code, EM_PARSE_ERROR);
	assert_non_null(strstr(err.text, "too large"));
	free(xml);
}

static void test_wrong_root(void **state)
{
	refused("<response><success/></response>", EM_PARSE_ERROR,
		"root element must be <request> or <query>, not <response>");
	refused("<Request>" APPINFO "<logoutAll/></Request>", EM_PARSE_ERROR, "not <Request>");
}

static void test_unknown_operation(void **state)
{
	refused("<query>" APPINFO "<fooQuery><userID>a</userID></fooQuery></query>",
		EM_QUERY_TYPE_UNDETERMINED, "unknown query <fooQuery>");
	refused("<request>" APPINFO "<reboot/></request>", EM_QUERY_TYPE_UNDETERMINED,
		"unknown request <reboot>");
	/* an operation under the wrong root is unknown there */
	refused("<request>" APPINFO "<deviceUserQuery><deviceName>a</deviceName></deviceUserQuery>"
		"</request>",
		EM_QUERY_TYPE_UNDETERMINED, "<deviceUserQuery>");
	refused("<query>" APPINFO "<login><deviceName>a</deviceName><userID>u</userID></login>"
		"</query>",
		EM_QUERY_TYPE_UNDETERMINED, "unknown query <login>");
	/* with a known operation beside it, the extra element is a DTD mismatch */
	refused("<query>" APPINFO "<checkUser><userID>a</userID></checkUser><extra/></query>",
		EM_PARSE_ERROR, "unexpected element <extra> in <query>");
	refused("<query>" APPINFO "</query>", EM_PARSE_ERROR, "holds no query");
	refused("<query>" APPINFO "<checkUser><userID>a</userID></checkUser><checkUser><userID>b"
		"</userID></checkUser></query>",
		EM_PARSE_ERROR, "more than one");
}

static void test_unknown_child(void **state)
{
	refused("<request>" APPINFO "<login><deviceName>a</deviceName><userID>u</userID><pin>1"
		"</pin></login></request>",
		EM_PARSE_ERROR, "unexpected element <pin> in <login>");
	refused("<query>" APPINFO "<deviceUserQuery><deviceName>a</deviceName><userID>u</userID>"
		"</deviceUserQuery></query>",
		EM_PARSE_ERROR, "unexpected element <userID> in <deviceUserQuery>");
	refused("<request>" APPINFO "<logout><deviceName>a</deviceName><exclusiveDuration><time>"
		"1</time></exclusiveDuration></logout></request>",
		EM_PARSE_ERROR, "<exclusiveDuration> in <logout>");
	refused("<request><appInfo><appID>a</appID><appCertificate>b</appCertificate><x/>"
		"</appInfo><logoutAll/></request>",
		EM_PARSE_ERROR, "unexpected element <x> in <appInfo>");
	refused("<request>" APPINFO "<logout><deviceName>a<b/></deviceName></logout></request>",
		EM_PARSE_ERROR, "<deviceName> must hold text, not <b>");
	refused("<request>" APPINFO "<logout>stray<deviceName>a</deviceName></logout></request>",
		EM_PARSE_ERROR, "unexpected text inside <logout>");
	refused("<request>" APPINFO "<logout><deviceName>a</deviceName><deviceName>b</deviceName>"
		"</logout></request>",
		EM_PARSE_ERROR, "<deviceName> appears twice");
	refused("<request>" APPINFO "<logout></logout></request>", EM_PARSE_ERROR,
		"<logout> requires <deviceName>");
	refused("<request>" APPINFO "<login><deviceName>d</deviceName></login></request>",
		EM_PARSE_ERROR, "<login> requires <userID>");
	refused("<query>" APPINFO "<checkUser/></query>", EM_PARSE_ERROR,
		"<checkUser> requires <userID>");
}

static void test_app_info(void **state)
{
	refused("<request><logoutAll/></request>", EM_PARSE_ERROR, "<appInfo> is missing");
	refused("<request><appInfo><appCertificate>b</appCertificate></appInfo><logoutAll/>"
		"</request>",
		EM_PARSE_ERROR, "no <appID>");
	refused("<request><appInfo><appID>a</appID></appInfo><logoutAll/></request>",
		EM_PARSE_ERROR, "no <appCertificate> or <appEncryptedCertificate>");
	refused(
	    "<request><appInfo><appID>a</appID><appCertificate>b</appCertificate>"
	    "<appEncryptedCertificate>c</appEncryptedCertificate></appInfo><logoutAll/></request>",
	    EM_PARSE_ERROR, "more than one certificate");
	refused("<request>" APPINFO APPINFO "<logoutAll/></request>", EM_PARSE_ERROR,
		"<appInfo> appears twice");
	/* blank credentials parse: refusing them (code 2) is the policy's call */
	assert_int_equal(parse("<request><appInfo><appID></appID><appCertificate/></appInfo>"
			       "<logoutAll/></request>"),
			 0);
	assert_string_equal(req.app_id, "");
}

static void test_duration(void **state)
{
	refused("<request>" APPINFO "<login><deviceName>d</deviceName><userID>u</userID>"
		"<exclusiveDuration><time>sixty</time></exclusiveDuration></login></request>",
		EM_PARSE_ERROR, "<time> must be a whole number");
	refused("<request>" APPINFO "<login><deviceName>d</deviceName><userID>u</userID>"
		"<exclusiveDuration><time>0</time></exclusiveDuration></login></request>",
		EM_PARSE_ERROR, "<time>");
	refused("<request>" APPINFO "<login><deviceName>d</deviceName><userID>u</userID>"
		"<exclusiveDuration><time>-5</time></exclusiveDuration></login></request>",
		EM_PARSE_ERROR, "<time>");
	refused("<request>" APPINFO "<login><deviceName>d</deviceName><userID>u</userID>"
		"<exclusiveDuration><time>1000001</time></exclusiveDuration></login></request>",
		EM_PARSE_ERROR, "<time>");
	refused("<request>" APPINFO "<login><deviceName>d</deviceName><userID>u</userID>"
		"<exclusiveDuration><time>99999999999999999999999999</time></exclusiveDuration>"
		"</login></request>",
		EM_PARSE_ERROR, "<time>");
	refused("<request>" APPINFO "<login><deviceName>d</deviceName><userID>u</userID>"
		"<exclusiveDuration></exclusiveDuration></login></request>",
		EM_PARSE_ERROR, "needs <time> or <indefinite>");
	refused("<request>" APPINFO "<login><deviceName>d</deviceName><userID>u</userID>"
		"<exclusiveDuration><time>5</time><indefinite/></exclusiveDuration></login>"
		"</request>",
		EM_PARSE_ERROR, "more than one element");
	refused("<request>" APPINFO "<login><deviceName>d</deviceName><userID>u</userID>"
		"<exclusiveDuration><indefinite>x</indefinite></exclusiveDuration></login>"
		"</request>",
		EM_PARSE_ERROR, "<indefinite> must be empty");
	assert_int_equal(
	    parse("<request>" APPINFO "<login><deviceName>d</deviceName><userID>u"
		  "</userID><exclusiveDuration><time> 1000000 </time></exclusiveDuration>"
		  "</login></request>"),
	    0);
	assert_int_equal(req.duration_minutes, 1000000);
}

static void test_via_header(void **state)
{
	refused("<request>" APPINFO "<logout><deviceName>d</deviceName><isViaHeaderSet>maybe"
		"</isViaHeaderSet></logout></request>",
		EM_PARSE_ERROR, "<isViaHeaderSet> must be true or false");
	assert_int_equal(parse("<request>" APPINFO "<logout><deviceName>d</deviceName>"
			       "<isViaHeaderSet>t</isViaHeaderSet></logout></request>"),
			 0);
	assert_int_equal(req.via_header_set, 1);
}

static void test_over_long_values(void **state)
{
	char xml[4096], big[LIM_ID_MAX + 1];
	memset(big, 'x', LIM_ID_MAX);
	big[LIM_ID_MAX] = '\0';
	snprintf(xml, sizeof(xml),
		 "<request>" APPINFO "<logout><deviceName>%s</deviceName></logout>"
		 "</request>",
		 big);
	refused(xml, EM_PARSE_ERROR, "value of <deviceName> is too long (129 bytes, at most 128)");
	snprintf(xml, sizeof(xml),
		 "<request><appInfo><appID>%s</appID><appCertificate>p"
		 "</appCertificate></appInfo><logoutAll/></request>",
		 big);
	refused(xml, EM_PARSE_ERROR, "<appID> is too long");
	char secret[EMAPI_SECRET_MAX + 1];
	memset(secret, 's', EMAPI_SECRET_MAX);
	secret[EMAPI_SECRET_MAX] = '\0';
	snprintf(xml, sizeof(xml),
		 "<request><appInfo><appID>a</appID><appCertificate>%s"
		 "</appCertificate></appInfo><logoutAll/></request>",
		 secret);
	refused(xml, EM_PARSE_ERROR, "<appCertificate> is too long");
	snprintf(xml, sizeof(xml),
		 "<query>" APPINFO "<checkUser><userID>%s</userID></checkUser>"
		 "</query>",
		 big);
	refused(xml, EM_PARSE_ERROR, "<userID> is too long");
	refused("<request>" APPINFO "<logout><deviceName>d</deviceName><remoteIPAddr>"
		"1111111111111111111111111111111111111111111111111111111111111111</remoteIPAddr>"
		"</logout></request>",
		EM_PARSE_ERROR, "<remoteIPAddr> is too long");
	/* whitespace does not count against the limit */
	big[LIM_ID_MAX - 1] = '\0';
	snprintf(xml, sizeof(xml),
		 "<request>" APPINFO "<logout><deviceName>\n   %s   \n"
		 "</deviceName></logout></request>",
		 big);
	assert_int_equal(parse(xml), 0);
}

static void test_too_many_names(void **state)
{
	static char xml[EMAPI_MAX_DOC];
	size_t n = (size_t)snprintf(xml, sizeof(xml), "<query>" APPINFO "<userDevicesQuery>");
	for (int i = 0; i <= EMAPI_MAX_NAMES; i++)
		n += (size_t)snprintf(xml + n, sizeof(xml) - n, "<userID>u%d</userID>", i);
	snprintf(xml + n, sizeof(xml) - n, "</userDevicesQuery></query>");
	refused(xml, EM_PARSE_ERROR, "more than 256 <userID> entries");
}

static void test_error_text_stays_utf8(void **state)
{
	/* a long multi-byte element name is cut on a character boundary in the message */
	char xml[1024];
	size_t n = (size_t)snprintf(xml, sizeof(xml), "<query>" APPINFO "<x");
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(xml + n, sizeof(xml) - n, "\xC3\xA9");
	snprintf(xml + n, sizeof(xml) - n, "/></query>");
	assert_int_equal(parse(xml), EINVAL);
	assert_int_equal(err.code, EM_QUERY_TYPE_UNDETERMINED);
	assert_true(strlen(err.text) < sizeof(err.text));
	/* the truncated name is whole characters: the byte before the closing '>' is the last
	 * byte of a two-byte sequence */
	const char *gt = strrchr(err.text, '>');
	assert_non_null(gt);
	assert_int_equal((unsigned char)gt[-1], 0xA9);
}

/* libxml2 parses separate documents from several threads at once. */
static void *worker(void *arg)
{
	struct emapi_request *r = malloc(sizeof(*r));
	struct emapi_error e;
	const char *ok =
	    "<request>" APPINFO "<login><deviceName>SEP1</deviceName><userID>u</userID>"
	    "</login></request>";
	const char *bad = "<!DOCTYPE r [<!ENTITY a \"b\">]><request/>";
	intptr_t fails = 0;
	for (int i = 0; i < 300; i++) {
		if (emapi_parse(ok, strlen(ok), r, &e) != 0 || strcmp(r->user_id, "u") != 0)
			fails++;
		if (emapi_parse(bad, strlen(bad), r, &e) != EINVAL || e.code != 1)
			fails++;
	}
	free(r);
	return (void *)fails;
}

static void test_threads(void **state)
{
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker, NULL), 0);
	for (int i = 0; i < 4; i++) {
		void *res;
		assert_int_equal(pthread_join(t[i], &res), 0);
		assert_int_equal((intptr_t)res, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_login_example),
	    cmocka_unit_test(test_login_full_pretty),
	    cmocka_unit_test(test_login_no_duration),
	    cmocka_unit_test(test_logout),
	    cmocka_unit_test(test_logout_all),
	    cmocka_unit_test(test_device_user_query),
	    cmocka_unit_test(test_user_devices_query),
	    cmocka_unit_test(test_device_profile_query_both_names),
	    cmocka_unit_test(test_check_user),
	    cmocka_unit_test(test_metacharacters_verbatim),
	    cmocka_unit_test(test_utf8_values),
	    cmocka_unit_test(test_comment_inside_value),
	    cmocka_unit_test(test_exact_limits_accepted),
	    cmocka_unit_test(test_billion_laughs),
	    cmocka_unit_test(test_external_entity),
	    cmocka_unit_test(test_not_utf8),
	    cmocka_unit_test(test_declared_encoding),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_too_large),
	    cmocka_unit_test(test_wrong_root),
	    cmocka_unit_test(test_unknown_operation),
	    cmocka_unit_test(test_unknown_child),
	    cmocka_unit_test(test_app_info),
	    cmocka_unit_test(test_duration),
	    cmocka_unit_test(test_via_header),
	    cmocka_unit_test(test_over_long_values),
	    cmocka_unit_test(test_too_many_names),
	    cmocka_unit_test(test_error_text_stays_utf8),
	    cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
