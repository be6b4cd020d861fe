/* test_sipmsg.c -- Contact parameters, device names, Expires, the NOTIFY body, alarm lines. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/sipmsg.h"

/* The 7821's Contact parameters, as reference 6.2 shows them after the URI. */
static const char cisco_params[] =
    ";+sip.instance=\"<urn:uuid:00000000-0000-0000-0000-c80084aa8743>\""
    ";+u.sip!devicename.ccm.cisco.com=\"SEPC80084AA8743\""
    ";+u.sip!model.ccm.cisco.com=\"621\"";

static void test_param_get(void **state)
{
	(void)state;
	char v[128];
	size_t n = strlen(cisco_params);
	assert_int_equal(sipd_param_get(cisco_params, n, SIPD_PARAM_DEVICENAME, v, sizeof(v)), 0);
	assert_string_equal(v, "SEPC80084AA8743");
	assert_int_equal(sipd_param_get(cisco_params, n, SIPD_PARAM_MODEL, v, sizeof(v)), 0);
	assert_string_equal(v, "621");
	assert_int_equal(sipd_param_get(cisco_params, n, SIPD_PARAM_INSTANCE, v, sizeof(v)), 0);
	assert_string_equal(v, "<urn:uuid:00000000-0000-0000-0000-c80084aa8743>");
	/* Names compare without case; unknown ones are ENOENT. */
	assert_int_equal(
	    sipd_param_get(cisco_params, n, "+U.SIP!MODEL.CCM.CISCO.COM", v, sizeof(v)), 0);
	assert_int_equal(sipd_param_get(cisco_params, n, "expires", v, sizeof(v)), ENOENT);
	assert_int_equal(sipd_param_get("", 0, "expires", v, sizeof(v)), ENOENT);

	/* Token values, spaces around ; and =, a flag without value, escapes in quotes. */
	const char *p = " ; expires = 60 ;lr; q=0.5;x=\"a\\\"b;c\"";
	assert_int_equal(sipd_param_get(p, strlen(p), "expires", v, sizeof(v)), 0);
	assert_string_equal(v, "60");
	assert_int_equal(sipd_param_get(p, strlen(p), "lr", v, sizeof(v)), 0);
	assert_string_equal(v, "");
	assert_int_equal(sipd_param_get(p, strlen(p), "x", v, sizeof(v)), 0);
	assert_string_equal(v, "a\"b;c");
	assert_int_equal(sipd_param_get(p, strlen(p), "q", v, sizeof(v)), 0);
	assert_string_equal(v, "0.5");
	/* A ';' inside quotes is not a separator: "c\"" is no parameter. */
	assert_int_equal(sipd_param_get(p, strlen(p), "c", v, sizeof(v)), ENOENT);

	/* Too long for the caller; an unterminated quote. */
	assert_int_equal(sipd_param_get(cisco_params, n, SIPD_PARAM_DEVICENAME, v, 15), ENOSPC);
	assert_int_equal(sipd_param_get(cisco_params, n, SIPD_PARAM_DEVICENAME, v, 16), 0);
	const char *bad = ";a=\"open";
	assert_int_equal(sipd_param_get(bad, strlen(bad), "a", v, sizeof(v)), EINVAL);
	/* The length bounds the scan: nothing past len is read. */
	assert_int_equal(sipd_param_get(";a=1;b=2", 4, "b", v, sizeof(v)), ENOENT);
}

static void test_param_strip(void **state)
{
	(void)state;
	char out[512];
	const char *p = ";expires=3600;+u.sip!devicename.ccm.cisco.com=\"SEP1\";EXPIRES=1;x";
	assert_int_equal(sipd_param_strip(p, strlen(p), "expires", out, sizeof(out)), 0);
	assert_string_equal(out, ";+u.sip!devicename.ccm.cisco.com=\"SEP1\";x");
	assert_int_equal(sipd_param_strip("", 0, "expires", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(sipd_param_strip(p, strlen(p), "expires", out, 10), ENOSPC);
}

static void test_device_name(void **state)
{
	(void)state;
	char d[129];
	size_t n = strlen(cisco_params);
	assert_int_equal(sipd_device_name(cisco_params, n, "1000", 4, d, sizeof(d)), 0);
	assert_string_equal(d, "SEPC80084AA8743");
	/* No devicename parameter: the To user. */
	assert_int_equal(sipd_device_name(";expires=60", 11, "SEP001122334455", 15, d, sizeof(d)),
			 0);
	assert_string_equal(d, "SEP001122334455");
	assert_int_equal(sipd_device_name(NULL, 0, "1000", 4, d, sizeof(d)), 0);
	assert_string_equal(d, "1000");
	assert_int_equal(sipd_device_name(NULL, 0, NULL, 0, d, sizeof(d)), ENOENT);
	assert_int_equal(sipd_device_name(NULL, 0, "", 0, d, sizeof(d)), ENOENT);
	/* Names that would break logs or lookups are refused, from either source. */
	const char *evil = ";+u.sip!devicename.ccm.cisco.com=\"SEP1 x\"";
	assert_int_equal(sipd_device_name(evil, strlen(evil), "1000", 4, d, sizeof(d)), EINVAL);
	const char *empty = ";+u.sip!devicename.ccm.cisco.com=\"\"";
	assert_int_equal(sipd_device_name(empty, strlen(empty), "1000", 4, d, sizeof(d)), EINVAL);
	assert_int_equal(sipd_device_name(NULL, 0, "a%0d", 4, d, sizeof(d)), EINVAL);
	char longname[200];
	memset(longname, 'A', sizeof(longname));
	assert_int_equal(sipd_device_name(NULL, 0, longname, 129, d, sizeof(d)), EINVAL);
	assert_int_equal(sipd_device_name(NULL, 0, longname, 128, d, sizeof(d)), 0);
	assert_int_equal(strlen(d), 128);
	assert_true(sipd_device_name_valid("SEP-a_b.c", 9));
	assert_false(sipd_device_name_valid("SEP\n", 4));
	/* A NUL inside the name must not pass as one of "._-" (found by fuzz_sipmsg). */
	assert_false(sipd_device_name_valid("SEPC80084AA874\0"
					    "3",
					    16));
}

static void test_numbers_and_expires(void **state)
{
	(void)state;
	uint32_t v;
	assert_int_equal(sipd_parse_u32("3600", 4, &v), 0);
	assert_int_equal(v, 3600);
	assert_int_equal(sipd_parse_u32("0", 1, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(sipd_parse_u32("99999999999999999999", 20, &v), 0);
	assert_int_equal(v, UINT32_MAX);
	assert_int_equal(sipd_parse_u32("", 0, &v), EINVAL);
	assert_int_equal(sipd_parse_u32("-1", 2, &v), EINVAL);
	assert_int_equal(sipd_parse_u32("12x", 3, &v), EINVAL);
	assert_int_equal(sipd_parse_u32(" 1", 2, &v), EINVAL);

	/* Contact parameter over header over the default; capped; 0 stays 0. */
	assert_int_equal(sipd_expires_grant(1, 60, 1, 120, 3600), 60);
	assert_int_equal(sipd_expires_grant(0, 0, 1, 120, 3600), 120);
	assert_int_equal(sipd_expires_grant(0, 0, 0, 0, 7200), 3600);
	assert_int_equal(sipd_expires_grant(0, 0, 0, 0, 600), 600);
	assert_int_equal(sipd_expires_grant(1, 86400, 0, 0, 3600), 3600);
	assert_int_equal(sipd_expires_grant(1, 0, 1, 3600, 3600), 0);
	assert_int_equal(sipd_expires_grant(0, 0, 1, 0, 3600), 0);
}

static void test_notify_body(void **state)
{
	(void)state;
	char b[512];
	size_t n = 0;
	assert_int_equal(sipd_notify_body(b, sizeof(b), "restart", "abc123@127.0.0.1",
					  "1549896111-9f2b7c1e-0000-4000-8000-000000000000", &n),
			 0);
	const char *want =
	    "action=restart\r\n"
	    "RegisterCallId={abc123@127.0.0.1}\r\n"
	    "ConfigVersionStamp={1549896111-9f2b7c1e-0000-4000-8000-000000000000}\r\n"
	    "DialplanVersionStamp={}\r\n"
	    "SoftkeyVersionStamp={}\r\n"
	    "FeatureControlVersionStamp={}\r\n";
	assert_string_equal(b, want);
	assert_int_equal(n, strlen(want));

	assert_int_equal(sipd_notify_body(b, sizeof(b), "reset", NULL, NULL, &n), 0);
	assert_string_equal(b, "action=reset\r\nRegisterCallId={}\r\nConfigVersionStamp={}\r\n"
			       "DialplanVersionStamp={}\r\nSoftkeyVersionStamp={}\r\n"
			       "FeatureControlVersionStamp={}\r\n");
	/* Unknown actions, braces or line breaks in a value, and a short buffer are refused. */
	assert_int_equal(sipd_notify_body(b, sizeof(b), "reboot", NULL, NULL, &n), EINVAL);
	assert_int_equal(sipd_notify_body(b, sizeof(b), NULL, NULL, NULL, &n), EINVAL);
	assert_int_equal(sipd_notify_body(b, sizeof(b), "restart", "a}b", NULL, &n), EINVAL);
	assert_int_equal(sipd_notify_body(b, sizeof(b), "restart", "a", "x\r\nEvil=1", &n), EINVAL);
	assert_int_equal(sipd_notify_body(b, 40, "restart", "a", "b", &n), ENOSPC);
}

static void test_version_stamp(void **state)
{
	(void)state;
	char s[64];
	uint8_t rnd[16];
	memset(rnd, 0xff, sizeof(rnd));
	sipd_version_stamp(s, 1549896111, rnd);
	assert_string_equal(s, "1549896111-ffffffff-ffff-4fff-bfff-ffffffffffff");
	memset(rnd, 0, sizeof(rnd));
	sipd_version_stamp(s, 7, rnd);
	assert_string_equal(s, "7-00000000-0000-4000-8000-000000000000");
}

/* A DeviceTLInfo alarm as the 7821 sends it before registering (reference 6.2). */
static const char alarm[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			    "<x-cisco-alarm>\n"
			    "<Alarm Name=\"DeviceTLInfo\">\n"
			    "<ParameterList>\n"
			    "<String name=\"DeviceName\">SEPC80084AA8743</String>\n"
			    "<String name=\"IPv4Address\">127.0.7.104</String>\n"
			    "<String name=\"IPv6Address\"></String>\n"
			    "<String name=\"CTL_Signature\"></String>\n"
			    "<String name=\"CTL_TFTP_Server\"></String>\n"
			    "<String name=\"ITL_Signature\">A1 B2 C3 D4</String>\n"
			    "<String name=\"ITL_TFTP_Server\">127.0.7.100</String>\n"
			    "<String name=\"StatusCode\">0</String>\n"
			    "</ParameterList>\n"
			    "</Alarm>\n"
			    "</x-cisco-alarm>\n";

/* The two DeviceTLInfo alarms of the lab's 7821 at the home cluster (phone-console.log): the
 * visiting cluster's ITL, then the home's; no CTL. Tabs as the console log shows the lines. */
static const char alarm_visiting[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\t<x-cisco-alarm>\t<Alarm Name=\"DeviceTLInfo\">\t"
    "<ParameterList>\t<String name=\"DeviceName\">SEPC80084AA8743</String>\t"
    "<String name=\"IPv4Address\">192.168.7.104</String>\t<String name=\"IPv6Address\"></String>\t"
    "<String name=\"CTL_Signature\">Not Installed</String>\t"
    "<String name=\"CTL_TFTP_Server\">N/A</String>\t"
    "<String name=\"ITL_Signature\">1B A1 C9 07 E9 9E 4D 3C 53 9D C8 14 24 AF 6C 9F 7D CE 4D 6D "
    "</String>\t<String name=\"ITL_TFTP_Server\">cucm-115.home.lab</String>\t"
    "<String name=\"StatusCode\">3</String>\t</ParameterList>\t</Alarm>\t</x-cisco-alarm>";
static const char alarm_home[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\t<x-cisco-alarm>\t<Alarm Name=\"DeviceTLInfo\">\t"
    "<ParameterList>\t<String name=\"DeviceName\">SEPC80084AA8743</String>\t"
    "<String name=\"IPv4Address\">192.168.7.104</String>\t<String name=\"IPv6Address\"></String>\t"
    "<String name=\"CTL_Signature\">Not Installed</String>\t"
    "<String name=\"CTL_TFTP_Server\">N/A</String>\t"
    "<String name=\"ITL_Signature\">A3 6D CF 5D 1E 65 4D 76 CD E3 62 4B 22 BD 45 CF 85 75 44 A6 "
    "</String>\t<String name=\"ITL_TFTP_Server\">clstr-2-pub.home.lab</String>\t"
    "<String name=\"StatusCode\">3</String>\t</ParameterList>\t</Alarm>\t</x-cisco-alarm>";

static void test_alarm_parse(void **state)
{
	(void)state;
	struct sipd_alarm a;

	assert_int_equal(sipd_alarm_parse(alarm_visiting, strlen(alarm_visiting), &a), 0);
	assert_string_equal(a.name, "DeviceTLInfo");
	assert_string_equal(a.device_name, "SEPC80084AA8743");
	assert_string_equal(a.ipv4, "192.168.7.104");
	assert_string_equal(a.ipv6, "");
	assert_string_equal(a.ctl_signature, "Not Installed");
	assert_string_equal(a.ctl_tftp_server, "N/A");
	/* the signature as the phone writes it, its trailing space included */
	assert_string_equal(a.itl_signature,
			    "1B A1 C9 07 E9 9E 4D 3C 53 9D C8 14 24 AF 6C 9F 7D CE 4D 6D ");
	assert_string_equal(a.itl_tftp_server, "cucm-115.home.lab");
	assert_int_equal(a.status_code, 3);
	assert_int_equal(sipd_alarm_parse(alarm_home, strlen(alarm_home), &a), 0);
	assert_string_equal(a.itl_signature,
			    "A3 6D CF 5D 1E 65 4D 76 CD E3 62 4B 22 BD 45 CF 85 75 44 A6 ");
	assert_string_equal(a.itl_tftp_server, "clstr-2-pub.home.lab");

	/* the summary line keeps every field, in the phone's order */
	char name[64], line[1024];
	assert_int_equal(sipd_alarm_summary(alarm_home, strlen(alarm_home), name, sizeof(name),
					    line, sizeof(line)),
			 0);
	assert_string_equal(line, "DeviceName=SEPC80084AA8743 IPv4Address=192.168.7.104 "
				  "IPv6Address=\"\" CTL_Signature=\"Not Installed\" "
				  "CTL_TFTP_Server=N/A ITL_Signature=\"A3 6D CF 5D 1E 65 4D 76 CD "
				  "E3 62 4B 22 BD 45 CF 85 75 44 A6 \" "
				  "ITL_TFTP_Server=clstr-2-pub.home.lab StatusCode=3");

	/* other alarms parse with the fields they have; odd values are shown, never trusted */
	static const char other[] =
	    "<x-cisco-alarm><Alarm Name=\"Other\"><ParameterList><String name=\"StatusCode\">x"
	    "</String><String name=\"DeviceName\">A\x01B</String><String>nameless</String>"
	    "</ParameterList></Alarm></x-cisco-alarm>";
	assert_int_equal(sipd_alarm_parse(other, strlen(other) - 0, &a), EINVAL); /* \x01 */
	static const char other2[] =
	    "<x-cisco-alarm><Alarm Name=\"Other\"><ParameterList><String name=\"StatusCode\">99999"
	    "</String><String name=\"DeviceName\">A&#9;B</String><String>nameless</String>"
	    "</ParameterList></Alarm></x-cisco-alarm>";
	assert_int_equal(sipd_alarm_parse(other2, strlen(other2), &a), 0);
	assert_string_equal(a.name, "Other");
	assert_string_equal(a.device_name, "A?B");
	assert_int_equal(a.status_code, -1);
	assert_string_equal(a.itl_signature, "");

	/* not an alarm; a DTD; nothing */
	assert_int_equal(sipd_alarm_parse("<x/>", 4, &a), EINVAL);
	assert_int_equal(sipd_alarm_parse("<x-cisco-alarm/>", 16, &a), EINVAL);
	static const char dtd[] = "<!DOCTYPE x-cisco-alarm [<!ENTITY a \"b\">]><x-cisco-alarm>"
				  "<Alarm Name=\"&a;\"/></x-cisco-alarm>";
	assert_int_equal(sipd_alarm_parse(dtd, strlen(dtd), &a), EINVAL);
	assert_int_equal(sipd_alarm_parse("", 0, &a), EINVAL);
	assert_int_equal(a.status_code, -1);
}

/* The 7821's optionsind as its REGISTER carries it (phone-console.log). */
static const char optionsind[] =
    "--uniqueBoundary\r\nContent-Type: application/x-cisco-remotecc-request+xml\r\n\r\n"
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<x-cisco-remotecc-request>\n  <optionsind>\n"
    "    <combine max=\"6\">\n      <remotecc>\n        <status></status>\n      </remotecc>\n"
    "      <service-control></service-control>\n    </combine>\n"
    "    <dialog usage=\"hook status\">\n      <unot></unot>\n      <sub></sub>\n    </dialog>\n"
    "    <dialog usage=\"shared line\">\n      <unot></unot>\n      <sub></sub>\n    </dialog>\n"
    "    <presence usage=\"blf speed dial\">\n      <unot></unot>\n      <sub></sub>\n"
    "    </presence>\n    <joinreq></joinreq>\n    <cfwdall-anyline></cfwdall-anyline>\n"
    "    <coaching></coaching>\n    <oosalarm></oosalarm>\n"
    "    <rpid-orig-called></rpid-orig-called>\n    <x-cisco-number></x-cisco-number>\n"
    "    <bfcp></bfcp>\n    <ix></ix>\n    <gatewayrecording></gatewayrecording>\n"
    "    <conferenceDisplayInstance></conferenceDisplayInstance>\n  </optionsind>\n"
    "</x-cisco-remotecc-request>\r\n--uniqueBoundary--\r\n";

static void test_remotecc_response(void **state)
{
	(void)state;
	char b[1024];
	size_t n = 0;

	/* CUCM's answer in the lab, byte for byte: its Content-Length was 381 */
	assert_int_equal(sipd_remotecc_response(b, sizeof(b), optionsind, strlen(optionsind), &n),
			 0);
	static const char cucm[] = "<x-cisco-remotecc-response>\n<response>\n<code>200</code>\n"
				   "<optionsind>\n<combine max=\"6\">\n"
				   "<remotecc><status/></remotecc>\n<service-control/>\n"
				   "</combine>\n<dialog usage=\"hook status\"><unot/></dialog>\n"
				   "<dialog usage=\"shared line\"><unot/></dialog>\n"
				   "<presence usage=\"blf speed dial\"><unot/></presence>\n"
				   "<joinreq></joinreq>\n<ix/>\n<bfcp/>\n</optionsind>\n"
				   "</response>\n</x-cisco-remotecc-response>\n\r\n";
	assert_string_equal(b, cucm);
	assert_int_equal(n, 381);

	/* only what the phone offered */
	static const char small[] = "<optionsind><combine max=\"6\"><service-control/></combine>"
				    "</optionsind>";
	assert_int_equal(sipd_remotecc_response(b, sizeof(b), small, strlen(small), &n), 0);
	assert_string_equal(b, "<x-cisco-remotecc-response>\n<response>\n<code>200</code>\n"
			       "<optionsind>\n<combine max=\"6\">\n<service-control/>\n"
			       "</combine>\n</optionsind>\n</response>\n"
			       "</x-cisco-remotecc-response>\n\r\n");
	/* no optionsind, no body; too small a buffer */
	static const char bulk[] = "<bulkregisterreq><contact all=\"true\"><register/></contact>"
				   "</bulkregisterreq>";
	assert_int_equal(sipd_remotecc_response(b, sizeof(b), bulk, strlen(bulk), &n), ENOENT);
	assert_int_equal(sipd_remotecc_response(b, sizeof(b), NULL, 0, &n), ENOENT);
	assert_int_equal(sipd_remotecc_response(b, 100, optionsind, strlen(optionsind), &n),
			 ENOSPC);
	assert_int_equal(sipd_remotecc_response(b, 381, optionsind, strlen(optionsind), &n),
			 ENOSPC);
	assert_int_equal(sipd_remotecc_response(b, 382, optionsind, strlen(optionsind), &n), 0);
}

static void test_alarm(void **state)
{
	(void)state;
	char name[64], line[1024];
	assert_int_equal(
	    sipd_alarm_summary(alarm, strlen(alarm), name, sizeof(name), line, sizeof(line)), 0);
	assert_string_equal(name, "DeviceTLInfo");
	assert_string_equal(line, "DeviceName=SEPC80084AA8743 IPv4Address=127.0.7.104 "
				  "IPv6Address=\"\" CTL_Signature=\"\" CTL_TFTP_Server=\"\" "
				  "ITL_Signature=\"A1 B2 C3 D4\" ITL_TFTP_Server=127.0.7.100 "
				  "StatusCode=0");

	/* A short buffer cuts the line and says so. */
	assert_int_equal(sipd_alarm_summary(alarm, strlen(alarm), name, sizeof(name), line, 20), 0);
	assert_int_equal(strlen(line), 19);
	assert_string_equal(line + 16, "...");

	/* Line breaks and quotes from the phone cannot forge log lines or fields. */
	const char *sneaky = "<x-cisco-alarm><Alarm Name=\"X&#10;Y\"><ParameterList>"
			     "<String name=\"A B\">v&#13;&#10;ERROR \"x\"</String>"
			     "</ParameterList></Alarm></x-cisco-alarm>";
	assert_int_equal(
	    sipd_alarm_summary(sneaky, strlen(sneaky), name, sizeof(name), line, sizeof(line)), 0);
	assert_string_equal(name, "X?Y");
	assert_string_equal(line, "A_B=\"v??ERROR 'x'\"");

	/* Not an alarm, not XML, a DTD, empty. */
	const char *other = "<x-cisco-remotecc-request/>";
	assert_int_equal(
	    sipd_alarm_summary(other, strlen(other), name, sizeof(name), line, sizeof(line)),
	    EINVAL);
	assert_int_equal(sipd_alarm_summary("garbage<", 8, name, sizeof(name), line, sizeof(line)),
			 EINVAL);
	const char *dtd = "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><x-cisco-alarm><Alarm Name=\"&a;\"/>"
			  "</x-cisco-alarm>";
	assert_int_equal(
	    sipd_alarm_summary(dtd, strlen(dtd), name, sizeof(name), line, sizeof(line)), EINVAL);
	assert_int_equal(sipd_alarm_summary("", 0, name, sizeof(name), line, sizeof(line)), EINVAL);

	/* The same DTD in UTF-16 (libxml2 detects it from the byte order mark): no "<!DOCTYPE"
	 * byte string to find, but a DTD all the same, with entities xmlNodeGetContent expands. */
	const char *u8 = "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><x-cisco-alarm><Alarm Name=\"X\">"
			 "<ParameterList><String name=\"k\">&a;&a;</String></ParameterList>"
			 "</Alarm></x-cisco-alarm>";
	size_t n = strlen(u8);
	char *u16 = malloc(2 * n + 2);
	assert_non_null(u16);
	u16[0] = (char)0xff;
	u16[1] = (char)0xfe;
	for (size_t i = 0; i < n; i++) {
		u16[2 + 2 * i] = u8[i];
		u16[3 + 2 * i] = 0;
	}
	assert_int_equal(sipd_alarm_summary(u16, 2 * n + 2, name, sizeof(name), line, sizeof(line)),
			 EINVAL);
	free(u16);
}

static void test_log_text(void **state)
{
	(void)state;
	char out[8];
	assert_string_equal(sipd_log_text("ab\r\n\x80z", 6, out, sizeof(out)), "ab???z");
	assert_string_equal(sipd_log_text("0123456789", 10, out, sizeof(out)), "0123456");
	assert_true(sipd_printable("sip:a@b", 7));
	assert_false(sipd_printable("a\tb", 3));
	assert_false(sipd_printable("\xc3\xa9", 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_param_get),	cmocka_unit_test(test_param_strip),
	    cmocka_unit_test(test_device_name), cmocka_unit_test(test_numbers_and_expires),
	    cmocka_unit_test(test_notify_body), cmocka_unit_test(test_version_stamp),
	    cmocka_unit_test(test_alarm),	cmocka_unit_test(test_log_text),
	    cmocka_unit_test(test_alarm_parse), cmocka_unit_test(test_remotecc_response),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
