/* test_msg.c -- EMCC messages: exact renderings, round trips, the guide's reply, refusals. */
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
#include "emcc/msg.h"

#define NONCE "0123456789abcdef0123456789abcdef"
/* clang-format off */
#define REQ_HEAD                                                                                  \
	"<emccRequest version=\"1\"><cluster>ClusterOne</cluster><requestNumber>3</requestNumber>" \
	"<sent>1700000000123</sent><nonce>" NONCE "</nonce>"
/* clang-format on */
#define REQ_TAIL "</emccRequest>"
/* clang-format off */
#define RESP_HEAD                                                                                \
	"<emccResponse version=\"1\"><cluster>ClusterTwo</cluster><requestNumber>3</requestNumber>"
/* clang-format on */
#define RESP_TAIL "</emccResponse>"

/* The guide's reply as CUCM logged it (shared/seed, home-emservice.log). */
/* clang-format off */
#define GUIDE_REPLY                                                                         \
	"<emccResponse><checkUser><user id=\"adgjm\"><numProfiles>1</numProfiles><exists/>" \
	"<deviceProfile1>test_emcc_udp</deviceProfile1></user></checkUser></emccResponse>"
/* clang-format on */

static struct emcc_msg msg, msg2;
static struct emcc_msg_error err;

static int parse(const char *xml)
{
	return emcc_msg_parse(xml, strlen(xml), &msg, &err);
}

static void set(char *dst, size_t size, const char *s)
{
	assert_true(strlen(s) < size);
	memcpy(dst, s, strlen(s) + 1);
}
#define SET(field, s) set((field), sizeof(field), (s))

/* A message of each kind with the lab's values. */
static void sample(struct emcc_msg *m, enum emcc_msg_kind kind)
{
	emcc_msg_init(m, kind);
	m->request_number = 3;
	if (emcc_msg_is_request(kind)) {
		SET(m->cluster, "ClusterOne");
		m->sent_ms = 1700000000123;
		SET(m->nonce, NONCE);
	} else {
		SET(m->cluster, "ClusterTwo");
	}
	switch (kind) {
	case EMCC_REQ_CHECK_USER: SET(m->user_id, "adgjm"); break;
	case EMCC_REQ_HOME_LOGIN:
		SET(m->user_id, "adgjm");
		SET(m->pin, "12345");
		SET(m->device_name, "SEPC80084AA8743");
		SET(m->model, "7821");
		m->model_enum = 621;
		SET(m->protocol, "SIP");
		m->security_mode = 1;
		SET(m->login_type, "UID");
		SET(m->device_profile, "test_emcc_udp");
		SET(m->remote_ip, "127.0.7.104");
		break;
	case EMCC_REQ_HOME_LOGOUT:
	case EMCC_REQ_VISITING_LOGOUT:
		SET(m->device_name, "SEPC80084AA8743");
		SET(m->user_id, "adgjm");
		SET(m->reason, kind == EMCC_REQ_HOME_LOGOUT ? "phone" : "timer");
		break;
	case EMCC_RESP_CHECK_USER:
		SET(m->user_id, "adgjm");
		m->user_exists = 1;
		m->nprofiles = 1;
		SET(m->profiles[0], "test_emcc_udp");
		break;
	case EMCC_RESP_HOME_LOGIN:
		SET(m->device_profile, "test_emcc_udp");
		m->login_duration = 36000;
		SET(m->tftp_server, "127.0.7.200:6970");
		SET(m->call_manager, "127.0.7.200:5060");
		SET(m->tvs, "127.0.7.200:2445");
		SET(m->config_version, "1552156347-145cec2d-3b45-430f-acaf-d79657a15c58");
		break;
	case EMCC_RESP_CLUSTER_INFO:
		SET(m->cluster_version, "0.1.0");
		m->emcc = 1;
		break;
	case EMCC_RESP_FAILURE:
		m->error_code = EM_EMCC_NOT_ACTIVATED_FOR_USER;
		SET(m->error_text, "EMCC Not Activated for the user");
		break;
	default: break;
	}
}

/* Renders m, checks the bytes (when expect is not NULL), parses them back and compares. */
static void round_trip(const struct emcc_msg *m, const char *expect)
{
	struct buf b;
	buf_init(&b);
	assert_int_equal(emcc_msg_render(&b, m), 0);
	if (expect)
		assert_string_equal(b.data, expect);
	int rc = emcc_msg_parse(b.data, b.len, &msg2, &err);
	if (rc)
		fail_msg("re-parse failed (%d: %s) for %s", rc, err.text, b.data);
	if (!emcc_msg_equal(m, &msg2))
		fail_msg("round trip changed the message: %s", b.data);
	buf_free(&b);
}

/* Refused with rc, and for parse errors a reason containing what. */
static void refused(const char *xml, int want, const char *what)
{
	int rc = parse(xml);
	if (rc != want || (what && !strstr(err.text, what)))
		fail_msg("expected rc %d with \"%s\"; got rc=%d code=%d text=\"%s\" for %s", want,
			 what ? what : "", rc, err.code, err.text, xml);
	assert_int_equal(msg.kind, EMCC_MSG_NONE); /* nothing half-filled */
	assert_int_equal(err.code, want == EMCC_MSG_E_UNKNOWN_OP ? EM_QUERY_TYPE_UNDETERMINED
								 : EM_PARSE_ERROR);
}

#define BAD(xml, what) refused((xml), EMCC_MSG_E_PARSE, (what))

/* ---- exact documents ---- */

static void test_requests_exact(void **state)
{
	struct emcc_msg m;
	sample(&m, EMCC_REQ_CHECK_USER);
	round_trip(&m, REQ_HEAD "<checkUser><userID>adgjm</userID></checkUser>" REQ_TAIL);

	sample(&m, EMCC_REQ_HOME_LOGIN);
	round_trip(&m, REQ_HEAD
		   "<homeLogin><userID>adgjm</userID><pin>12345</pin><deviceName>"
		   "SEPC80084AA8743</deviceName><model>7821</model><modelEnum>621"
		   "</modelEnum><protocol>SIP</protocol><securityMode>1</securityMode>"
		   "<loginType>UID</loginType><deviceProfile>test_emcc_udp"
		   "</deviceProfile><remoteIPAddr>127.0.7.104</remoteIPAddr></homeLogin>" REQ_TAIL);
	/* the optional fields are left out when empty */
	m.device_profile[0] = m.remote_ip[0] = '\0';
	round_trip(&m, REQ_HEAD "<homeLogin><userID>adgjm</userID><pin>12345</pin><deviceName>"
				"SEPC80084AA8743</deviceName><model>7821</model><modelEnum>621"
				"</modelEnum><protocol>SIP</protocol><securityMode>1</securityMode>"
				"<loginType>UID</loginType></homeLogin>" REQ_TAIL);

	sample(&m, EMCC_REQ_HOME_LOGOUT);
	round_trip(&m, REQ_HEAD "<homeLogout><deviceName>SEPC80084AA8743</deviceName><userID>adgjm"
				"</userID><reason>phone</reason></homeLogout>" REQ_TAIL);
	sample(&m, EMCC_REQ_VISITING_LOGOUT);
	round_trip(&m, REQ_HEAD "<visitingLogout><deviceName>SEPC80084AA8743</deviceName><userID>"
				"adgjm</userID><reason>timer</reason></visitingLogout>" REQ_TAIL);
	sample(&m, EMCC_REQ_CLUSTER_INFO);
	round_trip(&m, REQ_HEAD "<clusterInfo/>" REQ_TAIL);
}

static void test_responses_exact(void **state)
{
	struct emcc_msg m;
	sample(&m, EMCC_RESP_CHECK_USER);
	round_trip(&m, RESP_HEAD "<checkUser><user id=\"adgjm\"><numProfiles>1</numProfiles>"
				 "<exists/><deviceProfile1>test_emcc_udp</deviceProfile1></user>"
				 "</checkUser>" RESP_TAIL);
	m.user_exists = 0;
	m.nprofiles = 0;
	memset(m.profiles, 0, sizeof(m.profiles));
	SET(m.user_id, "x");
	round_trip(&m, RESP_HEAD
		   "<checkUser><user id=\"x\"><doesNotExist/></user></checkUser>" RESP_TAIL);

	sample(&m, EMCC_RESP_HOME_LOGIN);
	round_trip(&m, RESP_HEAD "<homeLogin><success/><deviceProfile>test_emcc_udp</deviceProfile>"
				 "<loginDuration>36000</loginDuration><tftpServer>127.0.7.200:6970"
				 "</tftpServer><callManager>127.0.7.200:5060</callManager><tvs>"
				 "127.0.7.200:2445</tvs><configVersion>1552156347-145cec2d-3b45-"
				 "430f-acaf-d79657a15c58</configVersion></homeLogin>" RESP_TAIL);
	sample(&m, EMCC_RESP_SUCCESS);
	round_trip(&m, RESP_HEAD "<success/>" RESP_TAIL);
	sample(&m, EMCC_RESP_CLUSTER_INFO);
	round_trip(&m,
		   RESP_HEAD "<clusterInfo><version>0.1.0</version><emcc>true</emcc><pstnAccess>"
			     "false</pstnAccess><tftp>false</tftp></clusterInfo>" RESP_TAIL);
	m.pstn_access = m.tftp = 1;
	m.emcc = 0;
	round_trip(&m, RESP_HEAD
		   "<clusterInfo><version>0.1.0</version><emcc>false</emcc>"
		   "<pstnAccess>true</pstnAccess><tftp>true</tftp></clusterInfo>" RESP_TAIL);
	sample(&m, EMCC_RESP_FAILURE);
	round_trip(&m, RESP_HEAD "<failure><error code=\"31\">EMCC Not Activated for the user"
				 "</error></failure>" RESP_TAIL);
}

/* Many profiles, the cap exactly, limits of every number. */
static void test_round_trip_limits(void **state)
{
	struct emcc_msg m;
	sample(&m, EMCC_RESP_CHECK_USER);
	m.nprofiles = EMCC_MAX_PROFILES;
	for (size_t i = 0; i < EMCC_MAX_PROFILES; i++) {
		memset(m.profiles[i], '"', LIM_ID_MAX - 1); /* worst case for escaping */
		m.profiles[i][LIM_ID_MAX - 1] = '\0';
		m.profiles[i][0] = (char)('A' + i % 26);
	}
	round_trip(&m, NULL);
	m.nprofiles = 0; /* a user who exists with no profile */
	memset(m.profiles, 0, sizeof(m.profiles));
	round_trip(&m, RESP_HEAD "<checkUser><user id=\"adgjm\"><numProfiles>0</numProfiles>"
				 "<exists/></user></checkUser>" RESP_TAIL);

	sample(&m, EMCC_REQ_HOME_LOGIN);
	m.request_number = UINT64_MAX;
	m.sent_ms = INT64_MAX;
	m.model_enum = 2147483647;
	m.security_mode = 0;
	memset(m.user_id, 'u', sizeof(m.user_id) - 1);
	memset(m.pin, '9', sizeof(m.pin) - 1);
	memset(m.cluster, 'c', sizeof(m.cluster) - 1);
	round_trip(&m, NULL);

	sample(&m, EMCC_RESP_HOME_LOGIN);
	m.login_duration = EMCC_DURATION_MAX;
	m.request_number = 0;
	m.config_version[0] = '\0'; /* empty values are values */
	round_trip(&m, NULL);
	sample(&m, EMCC_RESP_FAILURE);
	m.error_code = EMCC_CODE_MAX;
	m.error_text[0] = '\0';
	round_trip(&m, NULL);
}

/* ---- the guide's reply ---- */

static void test_guide_reply(void **state)
{
	assert_int_equal(parse(GUIDE_REPLY), 0);
	assert_int_equal(msg.kind, EMCC_RESP_CHECK_USER);
	assert_int_equal(msg.version, 0);
	assert_string_equal(msg.cluster, "");
	assert_int_equal(msg.request_number, 0);
	assert_string_equal(msg.user_id, "adgjm");
	assert_int_equal(msg.user_exists, 1);
	assert_int_equal(msg.nprofiles, 1);
	assert_string_equal(msg.profiles[0], "test_emcc_udp");

	/* and version 0 renders it back byte for byte */
	round_trip(&msg, GUIDE_REPLY);
	/* ours carries the same body behind the header */
	struct emcc_msg m = msg;
	m.version = EMCC_MSG_VERSION;
	SET(m.cluster, "ClusterTwo");
	m.request_number = 3;
	round_trip(&m, RESP_HEAD "<checkUser><user id=\"adgjm\"><numProfiles>1</numProfiles>"
				 "<exists/><deviceProfile1>test_emcc_udp</deviceProfile1></user>"
				 "</checkUser>" RESP_TAIL);

	/* the guide's doesNotExist form and other bodies parse bare too */
	assert_int_equal(parse("<emccResponse><checkUser><user id=\"zz\"><doesNotExist/></user>"
			       "</checkUser></emccResponse>"),
			 0);
	assert_int_equal(msg.version, 0);
	assert_int_equal(msg.user_exists, 0);
	assert_int_equal(parse("<emccResponse><success/></emccResponse>"), 0);
	assert_int_equal(msg.kind, EMCC_RESP_SUCCESS);
}

/* Whitespace, comments, a declaration and CDATA do not change the message. */
static void test_tolerated_forms(void **state)
{
	struct emcc_msg m;
	sample(&m, EMCC_REQ_HOME_LOGOUT);
	assert_int_equal(
	    parse("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<emccRequest version='1'>\n  <cluster> ClusterOne </cluster>\n"
		  "  <!-- why not -->\n  <requestNumber>0003</requestNumber>\n"
		  "  <sent>1700000000123</sent>\n  <nonce>" NONCE "</nonce>\n"
		  "  <homeLogout>\n    <deviceName><![CDATA[SEPC80084AA8743]]></deviceName>"
		  "\n    <userID>adg<!-- x -->jm</userID>\n    <reason>\tphone\r\n</reason>"
		  "\n  </homeLogout>\n</emccRequest>\n"),
	    0);
	assert_true(emcc_msg_equal(&m, &msg));
	assert_int_equal(parse(RESP_HEAD "<success></success>" RESP_TAIL), 0);
	assert_int_equal(parse(RESP_HEAD "<success> <!-- c --> </success>" RESP_TAIL), 0);
	assert_int_equal(parse(RESP_HEAD "<checkUser><user id=\" x \"><doesNotExist>"
					 "</doesNotExist></user></checkUser>" RESP_TAIL),
			 0);
	assert_string_equal(msg.user_id, "x");
}

/* ---- values are data ---- */

static void test_metacharacters_verbatim(void **state)
{
	assert_int_equal(parse(REQ_HEAD
			       "<homeLogin><userID>x' OR '1'='1</userID><pin>&lt;&amp;&gt;"
			       "&quot;&apos;;--</pin><deviceName>SEP1; DROP TABLE devices;--"
			       "</deviceName><model>$(id)`id`</model><modelEnum>1</modelEnum>"
			       "<protocol>%s%n</protocol><securityMode>0</securityMode>"
			       "<loginType>\\x00</loginType><deviceProfile><![CDATA[a\"b%40c]]>"
			       "</deviceProfile></homeLogin>" REQ_TAIL),
			 0);
	assert_string_equal(msg.user_id, "x' OR '1'='1");
	assert_string_equal(msg.pin, "<&>\"';--");
	assert_string_equal(msg.device_name, "SEP1; DROP TABLE devices;--");
	assert_string_equal(msg.model, "$(id)`id`");
	assert_string_equal(msg.protocol, "%s%n");
	assert_string_equal(msg.login_type, "\\x00");
	assert_string_equal(msg.device_profile, "a\"b%40c"); /* no URL decoding either */
	struct emcc_msg m = msg;
	round_trip(&m, NULL);

	/* user IDs go out plain, XML-escaped, never URL-escaped */
	sample(&m, EMCC_RESP_CHECK_USER);
	SET(m.user_id, "em@cisco.com<&\">'");
	SET(m.profiles[0], "p&q");
	round_trip(&m, RESP_HEAD "<checkUser><user id=\"em@cisco.com&lt;&amp;&quot;&gt;'\">"
				 "<numProfiles>1</numProfiles><exists/><deviceProfile1>p&amp;q"
				 "</deviceProfile1></user></checkUser>" RESP_TAIL);
	/* UTF-8 and character references */
	assert_int_equal(parse(RESP_HEAD "<failure><error code=\"0\">j\xC3\xBCrgen&#x1F600;</error>"
					 "</failure>" RESP_TAIL),
			 0);
	assert_string_equal(msg.error_text, "j\xC3\xBCrgen\xF0\x9F\x98\x80");
}

/* ---- refusals ---- */

static void test_version(void **state)
{
	int V = EMCC_MSG_E_VERSION;
	refused("<emccRequest><cluster>A</cluster></emccRequest>", V, "no version");
	refused("<emccRequest version=\"2\"><whatever/></emccRequest>", V,
		"\"2\" is not supported");
	refused("<emccRequest version=\"01\"/>", V, "\"01\"");
	refused("<emccRequest version=\" 1\"/>", V, "not supported");
	refused("<emccRequest version=\"\"/>", V, "not supported");
	refused("<emccResponse version=\"1.0\"><success/></emccResponse>", V, "not supported");
	/* a bare response that claims to be ours */
	refused("<emccResponse><cluster>B</cluster><requestNumber>1</requestNumber><success/>"
		"</emccResponse>",
		V, "no version");
	refused("<emccResponse><success/><requestNumber>1</requestNumber></emccResponse>", V,
		"no version");
	/* the reason quotes the version, and still renders as a failure text */
	refused("<emccRequest version=\"&#9;2\"/>", V, "EMCC version \" 2\" is not supported");
	struct emcc_msg f;
	struct buf b;
	emcc_msg_init(&f, EMCC_RESP_FAILURE);
	strcpy(f.cluster, "ClusterTwo");
	f.error_code = err.code;
	memcpy(f.error_text, err.text, sizeof(f.error_text));
	buf_init(&b);
	assert_int_equal(emcc_msg_render(&b, &f), 0);
	buf_free(&b);
	/* the version is read before anything else is judged */
	refused("<emccRequest version=\"2\" extra=\"x\">text</emccRequest>", V, "not supported");
	assert_int_equal(err.code, EM_PARSE_ERROR); /* CUCM answers a mismatch with code 1 */
}

static void test_unknown_op(void **state)
{
	int U = EMCC_MSG_E_UNKNOWN_OP;
	refused(REQ_HEAD "<fooBar/>" REQ_TAIL, U, "<fooBar>");
	refused(REQ_HEAD "<success/>" REQ_TAIL, U, "<success>"); /* a response body in a request */
	refused(RESP_HEAD "<homeLogout/>" RESP_TAIL, U, "<homeLogout>");
	refused("<emccResponse><login/></emccResponse>", U, "<login>");
	/* with a second element it is just a malformed document */
	BAD(REQ_HEAD "<fooBar/><checkUser><userID>a</userID></checkUser>" REQ_TAIL,
	    "unexpected <fooBar> in <emccRequest>");
	BAD(REQ_HEAD "<checkUser><userID>a</userID></checkUser><fooBar/>" REQ_TAIL,
	    "unexpected <fooBar> after <checkUser> in <emccRequest>");
	BAD(REQ_HEAD "<clusterInfo/><clusterInfo/>" REQ_TAIL, "unexpected <clusterInfo>");
	BAD(REQ_HEAD REQ_TAIL, "holds no operation");
	BAD(RESP_HEAD RESP_TAIL, "holds no body");
}

static void test_header(void **state)
{
	const char *op = "<clusterInfo/>";
	char doc[1024];
	/* missing, out of order, repeated */
	BAD("<emccRequest version=\"1\"><requestNumber>3</requestNumber><sent>1</sent><nonce>" NONCE
	    "</nonce><clusterInfo/></emccRequest>",
	    "unexpected <requestNumber> in <emccRequest> where <cluster> belongs");
	BAD("<emccRequest version=\"1\"><cluster>A</cluster><requestNumber>3</requestNumber>"
	    "<nonce>" NONCE "</nonce><sent>1</sent><clusterInfo/></emccRequest>",
	    "where <sent> belongs");
	BAD("<emccRequest version=\"1\"><cluster>A</cluster><requestNumber>3</requestNumber>"
	    "<sent>1</sent><clusterInfo/></emccRequest>",
	    "where <nonce> belongs");
	BAD("<emccRequest version=\"1\"><cluster>A</cluster></emccRequest>",
	    "<emccRequest> is missing <requestNumber>");
	BAD("<emccRequest version=\"1\"><cluster>A</cluster><cluster>A</cluster></emccRequest>",
	    "where <requestNumber> belongs");
	/* a response carries no freshness stamp */
	BAD(RESP_HEAD "<sent>1</sent><success/>" RESP_TAIL, "unexpected <sent>");
	/* empty cluster */
	BAD("<emccRequest version=\"1\"><cluster> </cluster><requestNumber>3</requestNumber>"
	    "<sent>1</sent><nonce>" NONCE "</nonce><clusterInfo/></emccRequest>",
	    "<cluster> is empty");
	/* bad numbers */
	static const char *const bad_numbers[] = {"",
						  "-1",
						  "+1",
						  "1a",
						  "0x10",
						  "1 2",
						  "1.0",
						  "18446744073709551616",
						  "99999999999999999999"};
	for (size_t i = 0; i < sizeof(bad_numbers) / sizeof(bad_numbers[0]); i++) {
		snprintf(doc, sizeof(doc),
			 "<emccRequest version=\"1\"><cluster>A</cluster><requestNumber>%s"
			 "</requestNumber><sent>1</sent><nonce>" NONCE "</nonce>%s</emccRequest>",
			 bad_numbers[i], op);
		BAD(doc, "<requestNumber> must be a whole number");
	}
	assert_int_equal(parse("<emccRequest version=\"1\"><cluster>A</cluster><requestNumber>"
			       "18446744073709551615</requestNumber><sent>9223372036854775807"
			       "</sent><nonce>" NONCE "</nonce><clusterInfo/></emccRequest>"),
			 0);
	assert_true(msg.request_number == UINT64_MAX);
	assert_true(msg.sent_ms == INT64_MAX);
	BAD("<emccRequest version=\"1\"><cluster>A</cluster><requestNumber>1</requestNumber><sent>"
	    "9223372036854775808</sent><nonce>" NONCE "</nonce><clusterInfo/></emccRequest>",
	    "<sent> must be a whole number");
	/* bad nonces */
	static const char *const bad_nonces[] = {"",
						 "0123456789abcdef0123456789abcde",
						 "0123456789abcdef0123456789abcdef0",
						 "0123456789ABCDEF0123456789ABCDEF",
						 "0123456789abcdeg0123456789abcdef",
						 "0123456789abcdef 123456789abcdef"};
	for (size_t i = 0; i < sizeof(bad_nonces) / sizeof(bad_nonces[0]); i++) {
		snprintf(doc, sizeof(doc),
			 "<emccRequest version=\"1\"><cluster>A</cluster><requestNumber>1"
			 "</requestNumber><sent>1</sent><nonce>%s</nonce>%s</emccRequest>",
			 bad_nonces[i], op);
		BAD(doc, "<nonce> must be 32 lowercase hex");
	}
}

static void test_op_fields(void **state)
{
	/* missing field */
	BAD(REQ_HEAD "<checkUser/>" REQ_TAIL, "<checkUser> is missing <userID>");
	BAD(REQ_HEAD
	    "<homeLogout><deviceName>d</deviceName><userID>u</userID></homeLogout>" REQ_TAIL,
	    "<homeLogout> is missing <reason>");
	BAD(REQ_HEAD "<homeLogin><userID>a</userID><deviceName>d</deviceName></homeLogin>" REQ_TAIL,
	    "unexpected <deviceName> in <homeLogin> where <pin> belongs");
	/* forged extras: a PIN never rides on checkUser */
	BAD(REQ_HEAD "<checkUser><userID>a</userID><pin>1234</pin></checkUser>" REQ_TAIL,
	    "unexpected <pin> in <checkUser>");
	BAD(REQ_HEAD "<checkUser><userID>a</userID><userID>b</userID></checkUser>" REQ_TAIL,
	    "unexpected <userID> in <checkUser>");
	BAD(REQ_HEAD "<homeLogout><deviceName>d</deviceName><userID>u</userID><reason>r</reason>"
		     "<admin>1</admin></homeLogout>" REQ_TAIL,
	    "unexpected <admin> in <homeLogout>");
	BAD(REQ_HEAD "<homeLogin><userID>a</userID><pin>1</pin><deviceName>d</deviceName><model>m"
		     "</model><modelEnum>1</modelEnum><protocol>SIP</protocol><securityMode>1"
		     "</securityMode><loginType>UID</loginType><remoteIPAddr>1</remoteIPAddr>"
		     "<deviceProfile>p</deviceProfile></homeLogin>" REQ_TAIL,
	    "unexpected <deviceProfile> in <homeLogin>");
	BAD(REQ_HEAD "<clusterInfo><version>1</version></clusterInfo>" REQ_TAIL,
	    "<clusterInfo> must be empty");
	BAD(REQ_HEAD "<clusterInfo>x</clusterInfo>" REQ_TAIL, "<clusterInfo> must be empty");
	BAD(RESP_HEAD "<success><extra/></success>" RESP_TAIL, "<success> must be empty");
	BAD(RESP_HEAD "<homeLogin><deviceProfile>p</deviceProfile></homeLogin>" RESP_TAIL,
	    "where <success> belongs");
	BAD(RESP_HEAD "<homeLogin><success>yes</success></homeLogin>" RESP_TAIL,
	    "<success> must be empty");
	/* numbers inside operations */
	BAD(REQ_HEAD
	    "<homeLogin><userID>a</userID><pin>1</pin><deviceName>d</deviceName><model>m"
	    "</model><modelEnum>2147483648</modelEnum><protocol>SIP</protocol>"
	    "<securityMode>1</securityMode><loginType>UID</loginType></homeLogin>" REQ_TAIL,
	    "<modelEnum> must be a whole number from 0 to 2147483647");
	BAD(RESP_HEAD "<homeLogin><success/><deviceProfile>p</deviceProfile><loginDuration>-5"
		      "</loginDuration><tftpServer/><callManager/><tvs/><configVersion/>"
		      "</homeLogin>" RESP_TAIL,
	    "<loginDuration> must be a whole number");
	BAD(RESP_HEAD "<clusterInfo><version>1</version><emcc>yes</emcc><pstnAccess>false"
		      "</pstnAccess><tftp>false</tftp></clusterInfo>" RESP_TAIL,
	    "<emcc> must be true or false");
	BAD(RESP_HEAD "<clusterInfo><version>1</version><emcc>TRUE</emcc><pstnAccess>false"
		      "</pstnAccess><tftp>false</tftp></clusterInfo>" RESP_TAIL,
	    "<emcc> must be true or false");
	/* failure */
	BAD(RESP_HEAD "<failure><error>x</error></failure>" RESP_TAIL, "<error> has no code");
	BAD(RESP_HEAD "<failure><error code=\"1000\">x</error></failure>" RESP_TAIL,
	    "error code must be a whole number from 0 to 999");
	BAD(RESP_HEAD "<failure><error code=\"-1\">x</error></failure>" RESP_TAIL, "error code");
	BAD(RESP_HEAD "<failure><error code=\"1\" severity=\"high\">x</error></failure>" RESP_TAIL,
	    "unexpected attribute severity on <error>");
	BAD(RESP_HEAD
	    "<failure><error code=\"1\">x</error><error code=\"2\">y</error></failure>" RESP_TAIL,
	    "unexpected <error> in <failure>");
	BAD(RESP_HEAD "<failure/>" RESP_TAIL, "<failure> must hold one <error>");
	BAD(RESP_HEAD "<failure><error code=\"1\"><b>x</b></error></failure>" RESP_TAIL,
	    "<error> must hold text, not <b>");
}

static void test_check_user_reply(void **state)
{
#define CU(body) RESP_HEAD "<checkUser><user id=\"a\">" body "</user></checkUser>" RESP_TAIL
	char doc[8192];
	size_t n;
	BAD(CU("<numProfiles>2</numProfiles><exists/><deviceProfile1>p</deviceProfile1>"),
	    "<numProfiles> says 2 but 1 profiles follow");
	BAD(CU("<numProfiles>0</numProfiles><exists/><deviceProfile1>p</deviceProfile1>"),
	    "says 0 but 1");
	BAD(CU("<numProfiles>2</numProfiles><exists/><deviceProfile2>p</deviceProfile2>"
	       "<deviceProfile1>q</deviceProfile1>"),
	    "<deviceProfile2> out of sequence (expected <deviceProfile1>)");
	BAD(CU("<numProfiles>2</numProfiles><exists/><deviceProfile1>p</deviceProfile1>"
	       "<deviceProfile1>q</deviceProfile1>"),
	    "<deviceProfile1> out of sequence (expected <deviceProfile2>)");
	BAD(CU("<numProfiles>1</numProfiles><exists/><deviceProfile01>p</deviceProfile01>"),
	    "unexpected <deviceProfile01> in <user>");
	BAD(CU("<numProfiles>1</numProfiles><exists/><deviceProfile>p</deviceProfile>"),
	    "unexpected <deviceProfile> in <user>");
	BAD(CU("<numProfiles>33</numProfiles><exists/>"), "33 profiles is more than 32");
	BAD(CU("<numProfiles>99999999999999999999999</numProfiles><exists/>"),
	    "<numProfiles> must be a whole number");
	/* 33 deviceProfileN elements under a cap of 32 */
	n = (size_t)snprintf(doc, sizeof(doc),
			     RESP_HEAD "<checkUser><user id=\"a\"><numProfiles>"
				       "32</numProfiles><exists/>");
	for (int i = 1; i <= 33; i++)
		n += (size_t)snprintf(doc + n, sizeof(doc) - n,
				      "<deviceProfile%d>p</deviceProfile%d>", i, i);
	snprintf(doc + n, sizeof(doc) - n, "</user></checkUser>" RESP_TAIL);
	BAD(doc, "more than 32 profiles");
	/* shape */
	BAD(CU("<exists/><numProfiles>0</numProfiles>"), "must start with <numProfiles>");
	BAD(CU("<numProfiles>0</numProfiles>"), "must be followed by <exists/>");
	BAD(CU("<numProfiles>0</numProfiles><doesNotExist/>"), "must be followed by <exists/>");
	BAD(CU("<doesNotExist/><numProfiles>0</numProfiles>"), "unexpected <numProfiles> after");
	BAD(CU("<doesNotExist/><exists/>"), "unexpected <exists> after <doesNotExist/>");
	BAD(CU(""), "must start with <numProfiles> or <doesNotExist/>");
	BAD(RESP_HEAD "<checkUser><user><doesNotExist/></user></checkUser>" RESP_TAIL,
	    "<user> has no id attribute");
	BAD(RESP_HEAD
	    "<checkUser><user id=\"a\" name=\"b\"><doesNotExist/></user></checkUser>" RESP_TAIL,
	    "unexpected attribute name on <user>");
	BAD(RESP_HEAD "<checkUser><user id=\"a\"><doesNotExist/></user><user id=\"b\">"
		      "<doesNotExist/></user></checkUser>" RESP_TAIL,
	    "unexpected <user> in <checkUser>");
	BAD(RESP_HEAD "<checkUser/>" RESP_TAIL, "<checkUser> must hold one <user>");
#undef CU
}

static void test_over_long_values(void **state)
{
	char big[512], doc[2048];
	/* exactly at the limit: accepted; one more: refused, never truncated */
	memset(big, 'c', LIM_ID_MAX - 1);
	big[LIM_ID_MAX - 1] = '\0';
	snprintf(doc, sizeof(doc), REQ_HEAD "<checkUser><userID>%s</userID></checkUser>" REQ_TAIL,
		 big);
	assert_int_equal(parse(doc), 0);
	assert_int_equal(strlen(msg.user_id), LIM_ID_MAX - 1);
	big[LIM_ID_MAX - 1] = 'c';
	big[LIM_ID_MAX] = '\0';
	snprintf(doc, sizeof(doc), REQ_HEAD "<checkUser><userID>%s</userID></checkUser>" REQ_TAIL,
		 big);
	BAD(doc, "value of <userID> is too long (129 bytes, at most 128)");
	snprintf(doc, sizeof(doc),
		 "<emccRequest version=\"1\"><cluster>%s</cluster><requestNumber>1</requestNumber>"
		 "<sent>1</sent><nonce>" NONCE "</nonce><clusterInfo/></emccRequest>",
		 big);
	BAD(doc, "value of <cluster> is too long");
	snprintf(doc, sizeof(doc),
		 RESP_HEAD
		 "<checkUser><user id=\"%s\"><doesNotExist/></user></checkUser>" RESP_TAIL,
		 big);
	BAD(doc, "attribute id of <user> is too long");
	memset(big, '1', EMCC_PIN_MAX);
	big[EMCC_PIN_MAX] = '\0';
	snprintf(doc, sizeof(doc),
		 REQ_HEAD "<homeLogin><userID>a</userID><pin>%s</pin></homeLogin>" REQ_TAIL, big);
	BAD(doc, "value of <pin> is too long (65 bytes, at most 64)");
	/* an entity-expanded value counts in bytes after expansion */
	doc[0] = '\0';
	strcat(doc, REQ_HEAD "<checkUser><userID>");
	for (int i = 0; i < 43; i++)
		strcat(doc, "&#x20AC;"); /* 3 bytes each: 129 */
	strcat(doc, "</userID></checkUser>" REQ_TAIL);
	BAD(doc, "too long (129 bytes");
}

static void test_control_and_namespace(void **state)
{
	BAD(REQ_HEAD "<checkUser><userID>a&#9;b</userID></checkUser>" REQ_TAIL,
	    "value of <userID> holds a control character");
	BAD(REQ_HEAD "<checkUser><userID>a\nb</userID></checkUser>" REQ_TAIL, "control character");
	BAD(RESP_HEAD
	    "<checkUser><user id=\"a&#13;b\"><doesNotExist/></user></checkUser>" RESP_TAIL,
	    "attribute id of <user> holds a control character");
	BAD(REQ_HEAD "<checkUser xmlns=\"urn:x\"><userID>a</userID></checkUser>" REQ_TAIL,
	    "<checkUser> uses an XML namespace");
	BAD(REQ_HEAD "<x:checkUser xmlns:x=\"urn:x\"><userID>a</userID></x:checkUser>" REQ_TAIL,
	    "uses an XML namespace");
	BAD("<e:emccRequest xmlns:e=\"urn:e\" version=\"1\"/>", "root element must be");
	BAD(REQ_HEAD "<checkUser><userID x=\"1\">a</userID></checkUser>" REQ_TAIL,
	    "unexpected attribute x on <userID>");
	BAD("<emccRequest version=\"1\" id=\"1\"><cluster>A</cluster></emccRequest>",
	    "unexpected attribute id on <emccRequest>");
	BAD(REQ_HEAD "stray<clusterInfo/>" REQ_TAIL, "unexpected text inside <emccRequest>");
	BAD(REQ_HEAD "<checkUser>stray<userID>a</userID></checkUser>" REQ_TAIL,
	    "unexpected text inside <checkUser>");
}

static void test_dtd_and_entities(void **state)
{
	BAD("<!DOCTYPE emccRequest><emccRequest version=\"1\"/>", "DOCTYPE is not allowed");
	BAD("<!DOCTYPE emccRequest SYSTEM \"file:///etc/passwd\"><emccRequest version=\"1\"/>",
	    "DOCTYPE is not allowed");
	BAD("<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]>"
	    "<emccRequest version=\"1\">&b;</emccRequest>",
	    "not allowed");
	BAD(REQ_HEAD "<checkUser><userID>&undefined;</userID></checkUser>" REQ_TAIL, "line 1");
}

static void test_malformed(void **state)
{
	BAD("", "empty document");
	assert_int_equal(emcc_msg_parse(NULL, 0, &msg, &err), EMCC_MSG_E_PARSE);
	BAD("garbage", "Error on Parsing");
	BAD("<emccRequest version=\"1\">", "Error on Parsing");
	BAD("<request><appInfo/></request>",
	    "root element must be <emccRequest> or <emccResponse>, not <request>");
	BAD("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><emccRequest/>",
	    "encoding \"ISO-8859-1\" is not supported");
	const char *overlong = "<emccRequest version=\"1\">\xC0\xAF</emccRequest>";
	assert_int_equal(emcc_msg_parse(overlong, strlen(overlong), &msg, &err), EMCC_MSG_E_PARSE);
	assert_non_null(strstr(err.text, "not valid UTF-8"));
	char nul[] = "<emccResponse><success/></emccResponse>";
	nul[5] = '\0';
	assert_int_equal(emcc_msg_parse(nul, sizeof(nul) - 1, &msg, &err), EMCC_MSG_E_PARSE);

	/* every truncation of a valid document is refused, cleanly */
	struct emcc_msg m;
	struct buf b;
	sample(&m, EMCC_REQ_HOME_LOGIN);
	buf_init(&b);
	assert_int_equal(emcc_msg_render(&b, &m), 0);
	for (size_t len = 0; len < b.len; len++) {
		int rc = emcc_msg_parse(b.data, len, &msg, &err);
		if (rc != EMCC_MSG_E_PARSE)
			fail_msg("prefix of %zu bytes gave %d", len, rc);
	}
	assert_int_equal(emcc_msg_parse(b.data, b.len, &msg, NULL), 0); /* err may be NULL */
	/* random garbage never crashes and never half-fills */
	unsigned seed = 12345;
	char junk[256];
	for (int round = 0; round < 2000; round++) {
		size_t len = 1 + (size_t)(rand_r(&seed) % (int)sizeof(junk));
		for (size_t i = 0; i < len; i++)
			junk[i] = "<>/=\"a1 emccRequest"[rand_r(&seed) % 19];
		if (emcc_msg_parse(junk, len, &msg, &err) != 0)
			assert_int_equal(msg.kind, EMCC_MSG_NONE);
	}
	buf_free(&b);
}

static void test_too_large(void **state)
{
	size_t len = EMCC_MSG_MAX_DOC + 1;
	char *doc = malloc(len + 1);
	assert_non_null(doc);
	memset(doc, ' ', len);
	memcpy(doc, "<emccResponse>", 14);
	memcpy(doc + len - 15, "</emccResponse>", 15);
	doc[len] = '\0';
	assert_int_equal(emcc_msg_parse(doc, len, &msg, &err), EMCC_MSG_E_PARSE);
	assert_non_null(strstr(err.text, "too large"));
	free(doc);
}

/* ---- rendering refusals ---- */

static void render_refused(const struct emcc_msg *m)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "keep");
	assert_int_equal(emcc_msg_render(&b, m), EINVAL);
	assert_string_equal(b.data, "keep"); /* nothing appended */
	buf_free(&b);
}

static void test_render_refusals(void **state)
{
	struct emcc_msg m;
	sample(&m, EMCC_MSG_NONE);
	render_refused(&m);
	sample(&m, EMCC_REQ_CHECK_USER);
	m.kind = (enum emcc_msg_kind)99;
	render_refused(&m);

	sample(&m, EMCC_REQ_CHECK_USER);
	m.cluster[0] = '\0';
	render_refused(&m);
	sample(&m, EMCC_REQ_CHECK_USER);
	m.version = 2;
	render_refused(&m);
	sample(&m, EMCC_REQ_CHECK_USER);
	m.version = 0; /* bare form is for responses only */
	m.cluster[0] = '\0';
	m.request_number = 0;
	render_refused(&m);
	sample(&m, EMCC_RESP_SUCCESS);
	m.version = 0; /* bare form with a cluster would not parse back */
	render_refused(&m);
	sample(&m, EMCC_REQ_CHECK_USER);
	SET(m.nonce, "0123456789ABCDEF0123456789abcdef");
	render_refused(&m);
	sample(&m, EMCC_REQ_CHECK_USER);
	m.sent_ms = -1;
	render_refused(&m);
	sample(&m, EMCC_REQ_CHECK_USER);
	SET(m.user_id, "a\tb");
	render_refused(&m);
	sample(&m, EMCC_REQ_CHECK_USER);
	SET(m.user_id, " a");
	render_refused(&m);
	sample(&m, EMCC_REQ_CHECK_USER);
	SET(m.user_id, "\xC3");
	render_refused(&m);
	sample(&m, EMCC_REQ_CHECK_USER);
	SET(m.user_id, "a\xEF\xBF\xBE");
	render_refused(&m);
	sample(&m, EMCC_REQ_CHECK_USER);
	memset(m.user_id, 'a', sizeof(m.user_id)); /* no NUL */
	render_refused(&m);
	sample(&m, EMCC_REQ_HOME_LOGIN);
	m.model_enum = -1;
	render_refused(&m);
	sample(&m, EMCC_RESP_HOME_LOGIN);
	m.login_duration = (int64_t)EMCC_DURATION_MAX + 1;
	render_refused(&m);
	sample(&m, EMCC_RESP_CLUSTER_INFO);
	m.tftp = 2;
	render_refused(&m);
	sample(&m, EMCC_RESP_FAILURE);
	m.error_code = 1000;
	render_refused(&m);
	sample(&m, EMCC_RESP_CHECK_USER);
	m.nprofiles = EMCC_MAX_PROFILES + 1;
	render_refused(&m);
	sample(&m, EMCC_RESP_CHECK_USER);
	m.user_exists = 0; /* doesNotExist with a profile */
	render_refused(&m);
	sample(&m, EMCC_RESP_CHECK_USER);
	SET(m.profiles[0], "p\r");
	render_refused(&m);
}

/* ---- helpers ---- */

static void test_helpers(void **state)
{
	assert_true(emcc_msg_is_request(EMCC_REQ_CHECK_USER));
	assert_true(emcc_msg_is_request(EMCC_REQ_CLUSTER_INFO));
	assert_false(emcc_msg_is_request(EMCC_RESP_CHECK_USER));
	assert_false(emcc_msg_is_request(EMCC_MSG_NONE));
	assert_string_equal(emcc_msg_kind_name(EMCC_REQ_VISITING_LOGOUT), "visitingLogout");
	assert_string_equal(emcc_msg_kind_name(EMCC_RESP_FAILURE), "failure");
	assert_string_equal(emcc_msg_kind_name((enum emcc_msg_kind)77), "none");

	static const char *const yes[] = {REQ_HEAD, "<emccResponse>",
					  "\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- c -->\n"
					  "<emccRequest version=\"1\">",
					  "  <emccResponse\nversion=\"1\">", "<emccResponse/>"};
	static const char *const no[] = {
	    "<request>", "<query>",	   "<emccRequestX>",
	    "",		 "<emccRe",	   "<!-- <emccRequest> ",
	    "<?pi",	 "x<emccRequest>", "<!DOCTYPE emccRequest><emccRequest>"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!emcc_msg_sniff(yes[i], strlen(yes[i])))
			fail_msg("sniff missed %s", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (emcc_msg_sniff(no[i], strlen(no[i])))
			fail_msg("sniff took %s", no[i]);
	assert_false(emcc_msg_sniff(NULL, 0));

	/* equal compares strings as strings */
	struct emcc_msg a, b;
	sample(&a, EMCC_REQ_CHECK_USER);
	sample(&b, EMCC_REQ_CHECK_USER);
	b.user_id[10] = 'z'; /* after the NUL: same message */
	assert_true(emcc_msg_equal(&a, &b));
	b.user_id[0] = 'z';
	assert_false(emcc_msg_equal(&a, &b));
}

static void *parse_thread(void *arg)
{
	const char *doc = arg;
	struct emcc_msg m;
	struct emcc_msg_error e;
	for (int i = 0; i < 300; i++) {
		if (emcc_msg_parse(doc, strlen(doc), &m, &e) != 0 || m.nprofiles != 1)
			return (void *)1;
		if (emcc_msg_parse("<emccRequest version=\"1\"><oops>", 31, &m, &e) !=
		    EMCC_MSG_E_PARSE)
			return (void *)1;
	}
	return NULL;
}

static void test_threads(void **state)
{
	pthread_t t[8];
	for (int i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&t[i], NULL, parse_thread, (void *)GUIDE_REPLY), 0);
	for (int i = 0; i < 8; i++) {
		void *res;
		pthread_join(t[i], &res);
		assert_null(res);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_requests_exact),
	    cmocka_unit_test(test_responses_exact),
	    cmocka_unit_test(test_round_trip_limits),
	    cmocka_unit_test(test_guide_reply),
	    cmocka_unit_test(test_tolerated_forms),
	    cmocka_unit_test(test_metacharacters_verbatim),
	    cmocka_unit_test(test_version),
	    cmocka_unit_test(test_unknown_op),
	    cmocka_unit_test(test_header),
	    cmocka_unit_test(test_op_fields),
	    cmocka_unit_test(test_check_user_reply),
	    cmocka_unit_test(test_over_long_values),
	    cmocka_unit_test(test_control_and_namespace),
	    cmocka_unit_test(test_dtd_and_entities),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_too_large),
	    cmocka_unit_test(test_render_refusals),
	    cmocka_unit_test(test_helpers),
	    cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
