/* test_msg.c -- the simulated phone's messages: identity, REGISTER and alarm REFER (read back
 * with libre's SIP parser), the service-control NOTIFY body, and the EM pages' URLs and texts. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "phone/phone_int.h"

static struct phone_identity lab_id(void)
{
	struct phone_identity id;
	char why[128];

	assert_int_equal(phone_identity_init(&id, "SEPc80084aa8743", "7821", why, sizeof(why)), 0);
	return id;
}

static void test_identity(void **state)
{
	struct phone_identity id = lab_id(), id2;
	char why[128];

	(void)state;
	assert_string_equal(id.name, "SEPC80084AA8743");
	assert_string_equal(id.mac, "c80084aa8743");
	assert_int_equal(id.model_enum, 621);
	assert_string_equal(id.instance, "urn:uuid:00000000-0000-0000-0000-c80084aa8743");
	assert_string_equal(id.user_agent, "Cisco-CP7821/12.1.1");
	assert_int_equal(strlen(id.contact_user), 36);
	assert_int_equal(id.contact_user[8], '-');
	/* Stable per device, different between devices. */
	id2 = lab_id();
	assert_string_equal(id.contact_user, id2.contact_user);
	assert_int_equal(phone_identity_init(&id2, "SEP003094C25B15", "CP-8841", why, sizeof(why)),
			 0);
	assert_int_equal(id2.model_enum, 683);
	assert_string_not_equal(id.contact_user, id2.contact_user);

	assert_int_equal(phone_identity_init(&id2, "SEPC80084AA874", "7821", why, sizeof(why)),
			 EINVAL);
	assert_non_null(strstr(why, "12 hex digits"));
	assert_int_equal(phone_identity_init(&id2, "SEPC80084AA87G3", "7821", why, sizeof(why)),
			 EINVAL);
	assert_int_equal(phone_identity_init(&id2, "ABCC80084AA8743", "7821", why, sizeof(why)),
			 EINVAL);
	assert_int_equal(phone_identity_init(&id2, "SEPC80084AA8743", "9999", why, sizeof(why)),
			 EINVAL);
	assert_non_null(strstr(why, "unknown phone model"));
}

static void test_contact(void **state)
{
	struct phone_identity id = lab_id();
	struct buf b;
	char want[512];

	(void)state;
	buf_init(&b);
	phone_contact_render(&b, &id, "127.0.7.104", 5060, PHONE_TP_TCP);
	snprintf(want, sizeof(want),
		 "<sip:%s@127.0.7.104:5060;transport=tcp>;+sip.instance=\"<urn:uuid:00000000-0000-"
		 "0000-0000-c80084aa8743>\";+u.sip!devicename.ccm.cisco.com=\"SEPC80084AA8743\";"
		 "+u.sip!model.ccm.cisco.com=\"621\"",
		 id.contact_user);
	assert_string_equal(b.data, want);
	buf_reset(&b);
	phone_contact_render(&b, &id, "127.0.7.104", 5060, PHONE_TP_UDP);
	assert_non_null(strstr(b.data, ";transport=udp>"));
	buf_free(&b);
}

/* Prepends what libre adds (request line, Via, Max-Forwards) and parses the whole message. */
static struct sip_msg *decode_request(const char *method, const struct buf *b)
{
	struct mbuf *mb = mbuf_alloc(b->len + 256);
	struct sip_msg *msg = NULL;

	assert_non_null(mb);
	mbuf_printf(mb,
		    "%s sip:127.0.7.100 SIP/2.0\r\n"
		    "Via: SIP/2.0/UDP 127.0.7.104:5060;branch=z9hG4bK1234;rport\r\n"
		    "Max-Forwards: 70\r\n",
		    method);
	mbuf_write_mem(mb, (const uint8_t *)b->data, b->len);
	mb->pos = 0;
	assert_int_equal(sip_msg_decode(&msg, mb), 0);
	mem_deref(mb);
	return msg;
}

/* Whether text (a C string) is inside the len bytes at p. */
static int contains(const char *p, size_t len, const char *text)
{
	return memmem(p, len, text, strlen(text)) != NULL;
}

static struct phone_sip_msg lab_msg(void)
{
	struct phone_sip_msg m = {
	    .server = "127.0.7.100",
	    .aor_user = "1000",
	    .ip = "127.0.7.104",
	    .port = 5060,
	    .transport = PHONE_TP_TCP,
	    .call_id = "c80084aa-87430001-12345678-9abcdef0@127.0.7.104",
	    .from_tag = "abc123",
	    .cseq = 101,
	    .expires = 3600,
	    .last = "reset-restart",
	    .load = "sip78xx.12-1-1-12",
	    .session_id = "0123456789abcdef0123456789abcdef",
	    .content_id = "1234567890@127.0.7.104",
	    .now = 1552156365, /* Sat, 09 Mar 2019 18:32:45 GMT, as the lab's REGISTER */
	    .status_code = -1,
	};
	return m;
}

static void test_register(void **state)
{
	struct phone_identity id = lab_id();
	struct phone_sip_msg m = lab_msg();
	const struct sip_hdr *h;
	struct sip_msg *msg;
	struct buf b;
	const char *body;
	size_t blen;

	(void)state;
	buf_init(&b);
	phone_register_render(&b, &id, &m);
	assert_false(b.oom);
	msg = decode_request("REGISTER", &b);
	assert_int_equal(pl_strcmp(&msg->callid, m.call_id), 0);
	assert_int_equal(msg->cseq.num, 101);
	assert_int_equal(pl_strcmp(&msg->cseq.met, "REGISTER"), 0);
	assert_int_equal(pl_strcmp(&msg->from.tag, "abc123"), 0);
	assert_int_equal(pl_strcmp(&msg->to.uri.user, "1000"), 0);
	assert_int_equal(pl_u32(&msg->expires), 3600);
	h = sip_msg_hdr(msg, SIP_HDR_CONTACT);
	assert_non_null(h);
	assert_non_null(memmem(h->val.p, h->val.l, "+u.sip!model.ccm.cisco.com=\"621\"", 32));
	h = sip_msg_hdr(msg, SIP_HDR_USER_AGENT);
	assert_int_equal(pl_strcmp(&h->val, "Cisco-CP7821/12.1.1"), 0);
	assert_true(sip_msg_hdr_has_value(msg, SIP_HDR_SUPPORTED, "X-cisco-service-control"));
	h = sip_msg_hdr(msg, SIP_HDR_REASON);
	assert_int_equal(pl_strcmp(&h->val,
				   "SIP;cause=200;text=\"cisco-alarm:23 Name=SEPC80084AA8743 "
				   "ActiveLoad=sip78xx.12-1-1-12 InactiveLoad=sip78xx.12-1-1-12 "
				   "Last=reset-restart\""),
			 0);
	h = sip_msg_xhdr(msg, "Session-ID");
	assert_int_equal(
	    pl_strcmp(&h->val,
		      "0123456789abcdef0123456789abcdef;remote=00000000000000000000000000000000"),
	    0);
	assert_true(msg_ctype_cmp(&msg->ctyp, "multipart", "mixed"));
	/* Content-Length is the body's length, to the byte. */
	body = (const char *)mbuf_buf(msg->mb);
	blen = mbuf_get_left(msg->mb);
	assert_int_equal(pl_u32(&msg->clen), blen);
	assert_non_null(memmem(body, blen, "<bulkregisterreq>", 17));
	assert_non_null(memmem(body, blen, "<service-control></service-control>", 35));
	assert_non_null(memmem(body, blen, "application/x-cisco-remotecc-request+xml", 40));
	assert_true(contains(body, blen, "Content-Disposition: session;handling=optional\r\n"));
	assert_false(contains(body, blen, "handling=required"));
	assert_int_equal(memcmp(body + blen - 20, "--uniqueBoundary--\r\n", 20), 0);
	h = sip_msg_hdr(msg, SIP_HDR_DATE);
	assert_non_null(h);
	assert_int_equal(pl_strcmp(&h->val, "Sat, 09 Mar 2019 18:32:45 GMT"), 0);
	mem_deref(msg);

	/* Removing the binding: Expires 0. */
	m.expires = 0;
	buf_reset(&b);
	phone_register_render(&b, &id, &m);
	msg = decode_request("REGISTER", &b);
	assert_int_equal(pl_u32(&msg->expires), 0);
	mem_deref(msg);
	buf_free(&b);
}

static void test_alarm(void **state)
{
	struct phone_identity id = lab_id();
	struct phone_sip_msg m = lab_msg();
	const struct sip_hdr *h;
	struct sip_msg *msg;
	struct buf b;
	const char *body;
	size_t blen;

	(void)state;
	buf_init(&b);
	phone_alarm_render(&b, &id, &m);
	msg = decode_request("REFER", &b);
	assert_int_equal(pl_strcmp(&msg->cseq.met, "REFER"), 0);
	assert_true(msg_ctype_cmp(&msg->ctyp, "application", "x-cisco-alarm+xml"));
	h = sip_msg_hdr(msg, SIP_HDR_REQUIRE);
	assert_int_equal(pl_strcmp(&h->val, "norefersub"), 0);
	h = sip_msg_hdr(msg, SIP_HDR_REFER_TO);
	assert_int_equal(pl_strcmp(&h->val, "cid:1234567890@127.0.7.104"), 0);
	body = (const char *)mbuf_buf(msg->mb);
	blen = mbuf_get_left(msg->mb);
	assert_int_equal(pl_u32(&msg->clen), blen);
	assert_non_null(memmem(body, blen, "<Alarm Name=\"DeviceTLInfo\">", 27));
	assert_non_null(
	    memmem(body, blen, "<String name=\"DeviceName\">SEPC80084AA8743</String>", 50));
	assert_non_null(
	    memmem(body, blen, "<String name=\"IPv4Address\">127.0.7.104</String>", 47));
	/* no trust lists: what the lab's phone says of its missing CTL, for both */
	assert_true(contains(body, blen,
			     "<String name=\"CTL_Signature\">Not Installed</String>\r\n"
			     "<String name=\"CTL_TFTP_Server\">N/A</String>\r\n"
			     "<String name=\"ITL_Signature\">Not Installed</String>\r\n"
			     "<String name=\"ITL_TFTP_Server\">N/A</String>\r\n"
			     "<String name=\"StatusCode\">3</String>\r\n"));
	/* the headers of the lab's REFER */
	h = sip_msg_hdr(msg, SIP_HDR_FROM);
	assert_int_equal(pl_strcmp(&msg->from.dname, "1000"), 0);
	h = sip_msg_hdr(msg, SIP_HDR_REFERRED_BY);
	assert_int_equal(pl_strcmp(&h->val, "\"1000\" <sip:1000@127.0.7.104>"), 0);
	h = sip_msg_hdr(msg, SIP_HDR_CONTACT);
	char want[256];
	snprintf(want, sizeof(want),
		 "<sip:%s@127.0.7.104:5060;transport=tcp>;+u.sip!devicename.ccm.cisco.com="
		 "\"SEPC80084AA8743\"",
		 id.contact_user);
	assert_int_equal(pl_strcmp(&h->val, want), 0);
	h = sip_msg_hdr(msg, SIP_HDR_DATE);
	assert_int_equal(pl_strcmp(&h->val, "Sat, 09 Mar 2019 18:32:45 GMT"), 0);
	h = sip_msg_xhdr(msg, "Session-ID");
	assert_non_null(h);
	h = sip_msg_hdr(msg, SIP_HDR_EXPIRES);
	assert_int_equal(pl_strcmp(&h->val, "10"), 0);
	mem_deref(msg);

	/* a phone with an ITL says so, with the lab's shape; the alarm the node reads back */
	m.itl_signature = "A3 6D CF 5D 1E 65 4D 76 CD E3 62 4B 22 BD 45 CF 85 75 44 A6 ";
	m.itl_tftp_server = "clstr-2-pub.home.lab";
	m.status_code = 0;
	buf_reset(&b);
	phone_alarm_render(&b, &id, &m);
	msg = decode_request("REFER", &b);
	body = (const char *)mbuf_buf(msg->mb);
	blen = mbuf_get_left(msg->mb);
	assert_true(contains(body, blen,
			     "<String name=\"ITL_Signature\">A3 6D CF 5D 1E 65 4D 76 CD E3 62 4B "
			     "22 BD 45 CF 85 75 44 A6 </String>"));
	assert_true(
	    contains(body, blen, "<String name=\"ITL_TFTP_Server\">clstr-2-pub.home.lab</String>"));
	assert_true(contains(body, blen, "<String name=\"StatusCode\">0</String>"));
	mem_deref(msg);
	buf_free(&b);
}

static void test_notify(void **state)
{
	struct phone_notify n;
	static const char wazo[] = "action=restart\r\n"
				   "RegisterCallId={c80084aa-0001@127.0.7.104}\r\n"
				   "ConfigVersionStamp={1552156347-145cec2d}\r\n"
				   "DialplanVersionStamp={}\r\n"
				   "SoftkeyVersionStamp={abc}\r\n"
				   "FeatureControlVersionStamp={fcp-1}\r\n";
	static const char loose[] = "  Action = reset \n"
				    "configversionstamp=42\n"
				    "junk line without equals\n"
				    "Other=ignored";

	(void)state;
	assert_int_equal(phone_notify_parse(wazo, strlen(wazo), &n), 0);
	assert_string_equal(n.action, "restart");
	assert_string_equal(n.register_call_id, "c80084aa-0001@127.0.7.104");
	assert_string_equal(n.config_version, "1552156347-145cec2d");
	assert_string_equal(n.dialplan_version, "");
	assert_string_equal(n.softkey_version, "abc");
	assert_string_equal(n.feature_control_version, "fcp-1");

	assert_int_equal(phone_notify_parse(loose, strlen(loose), &n), 0);
	assert_string_equal(n.action, "reset");
	assert_string_equal(n.config_version, "42");

	/* Only the length given is read. */
	assert_int_equal(phone_notify_parse(wazo, 8, &n), 0);
	assert_string_equal(n.action, "r");
	assert_int_equal(phone_notify_parse("", 0, &n), EINVAL);
	assert_int_equal(phone_notify_parse("ConfigVersionStamp={1}\r\n", 24, &n), EINVAL);
	assert_int_equal(phone_notify_parse("action=\r\n", 9, &n), EINVAL);
}

static void test_granted(void **state)
{
	struct phone_identity id = lab_id();
	struct mbuf *mb = mbuf_alloc(1024);
	struct sip_msg *msg = NULL;
	unsigned bindings;
	int expires;

	(void)state;
	mbuf_printf(mb,
		    "SIP/2.0 200 OK\r\n"
		    "Via: SIP/2.0/UDP 127.0.7.104:5060;branch=z9hG4bK1\r\n"
		    "From: <sip:1000@127.0.7.100>;tag=a\r\nTo: <sip:1000@127.0.7.100>;tag=b\r\n"
		    "Call-ID: x\r\nCSeq: 101 REGISTER\r\n"
		    "Contact: <sip:other@127.0.7.105:5060>;expires=100\r\n"
		    "Contact: "
		    "<sip:%s@127.0.7.104:5060;transport=udp>;expires=1800;+sip.instance=\"<x>\"\r\n"
		    "Expires: 3600\r\nContent-Length: 0\r\n\r\n",
		    id.contact_user);
	mb->pos = 0;
	assert_int_equal(sip_msg_decode(&msg, mb), 0);
	phone_sip_granted(msg, id.contact_user, &expires, &bindings);
	assert_int_equal(expires, 1800);
	assert_int_equal(bindings, 2);
	mem_deref(msg);

	/* No Contact (bindings removed): Expires stands in. */
	mbuf_rewind(mb);
	mbuf_printf(mb,
		    "SIP/2.0 200 OK\r\n"
		    "Via: SIP/2.0/UDP 127.0.7.104:5060;branch=z9hG4bK1\r\n"
		    "From: <sip:1000@127.0.7.100>;tag=a\r\nTo: <sip:1000@127.0.7.100>;tag=b\r\n"
		    "Call-ID: x\r\nCSeq: 102 REGISTER\r\nExpires: 0\r\nContent-Length: 0\r\n\r\n");
	mb->pos = 0;
	msg = NULL;
	assert_int_equal(sip_msg_decode(&msg, mb), 0);
	phone_sip_granted(msg, id.contact_user, &expires, &bindings);
	assert_int_equal(expires, 0);
	assert_int_equal(bindings, 0);
	mem_deref(msg);

	/* Past INT_MAX: clamped, never negative (which would read as nothing granted and fall
	 * back to Expires) nor wrapped round to a small number. */
	static const char *const big[] = {"4294967295", "2147483648", "99999999999999999999999"};
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		mbuf_rewind(mb);
		mbuf_printf(
		    mb,
		    "SIP/2.0 200 OK\r\n"
		    "Via: SIP/2.0/UDP 127.0.7.104:5060;branch=z9hG4bK1\r\n"
		    "From: <sip:1000@127.0.7.100>;tag=a\r\nTo: <sip:1000@127.0.7.100>;tag=b\r\n"
		    "Call-ID: x\r\nCSeq: 103 REGISTER\r\n"
		    "Contact: <sip:%s@127.0.7.104:5060;transport=udp>;expires=%s\r\n"
		    "Expires: 3600\r\nContent-Length: 0\r\n\r\n",
		    id.contact_user, big[i]);
		mb->pos = 0;
		msg = NULL;
		assert_int_equal(sip_msg_decode(&msg, mb), 0);
		phone_sip_granted(msg, id.contact_user, &expires, &bindings);
		assert_int_equal(expires, INT_MAX);
		assert_int_equal(bindings, 1);
		mem_deref(msg);

		mbuf_rewind(mb);
		mbuf_printf(
		    mb,
		    "SIP/2.0 200 OK\r\n"
		    "Via: SIP/2.0/UDP 127.0.7.104:5060;branch=z9hG4bK1\r\n"
		    "From: <sip:1000@127.0.7.100>;tag=a\r\nTo: <sip:1000@127.0.7.100>;tag=b\r\n"
		    "Call-ID: x\r\nCSeq: 104 REGISTER\r\nExpires: %s\r\n"
		    "Content-Length: 0\r\n\r\n",
		    big[i]);
		mb->pos = 0;
		msg = NULL;
		assert_int_equal(sip_msg_decode(&msg, mb), 0);
		phone_sip_granted(msg, id.contact_user, &expires, &bindings);
		assert_int_equal(expires, INT_MAX);
		mem_deref(msg);
	}
	mem_deref(mb);
}

static void test_urls(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	phone_url_subst(
	    &b, "http://127.0.7.100:8080/emapp/EMAppServlet?device=#DEVICENAME#&EMCC=#EMCC#",
	    "SEPC80084AA8743", 1);
	assert_string_equal(
	    b.data, "http://127.0.7.100:8080/emapp/EMAppServlet?device=SEPC80084AA8743&EMCC=true");
	buf_reset(&b);
	phone_url_subst(&b, "x?d=#DEVICENAME#&e=#EMCC#&f=#OTHER#", "SEP1", 0);
	assert_string_equal(b.data, "x?d=SEP1&e=false&f=#OTHER#");

	buf_reset(&b);
	assert_int_equal(
	    phone_url_resolve(&b, "http://h:8080/emapp/EMAppServlet?device=x", "https://o:8443/a"),
	    0);
	assert_string_equal(b.data, "https://o:8443/a");
	buf_reset(&b);
	assert_int_equal(
	    phone_url_resolve(&b, "http://h:8080/emapp/EMAppServlet?a=/b/c", "/ccmcip/x.jsp?y=1"),
	    0);
	assert_string_equal(b.data, "http://h:8080/ccmcip/x.jsp?y=1");
	buf_reset(&b);
	assert_int_equal(phone_url_resolve(&b, "http://h:8080/emapp/EMAppServlet?a=/b/c",
					   "jsp/initservices.jsp"),
			 0);
	assert_string_equal(b.data, "http://h:8080/emapp/jsp/initservices.jsp");
	buf_reset(&b);
	assert_int_equal(phone_url_resolve(&b, "http://h:8080", "x"), 0);
	assert_string_equal(b.data, "http://h:8080/x");
	buf_reset(&b);
	assert_int_equal(phone_url_resolve(&b, NULL, "/x"), EINVAL);
	buf_free(&b);
}

static void test_refresh(void **state)
{
	char u[64];

	(void)state;
	assert_int_equal(
	    phone_refresh_url(" 0; url=/emapp/EMAppServlet?refresh=SEP%23Login\r\n", u, sizeof(u)),
	    0);
	assert_string_equal(u, "/emapp/EMAppServlet?refresh=SEP%23Login");
	assert_int_equal(phone_refresh_url("1;URL='http://h/x'", u, sizeof(u)), 0);
	assert_string_equal(u, "http://h/x");
	assert_int_equal(phone_refresh_url(" 5", u, sizeof(u)), ENOENT);
	assert_int_equal(phone_refresh_url("0;url=", u, sizeof(u)), EINVAL);
	assert_int_equal(
	    phone_refresh_url("0;url=http://a-very-long-host-name/with/a/long/path/more", u, 16),
	    EINVAL);
}

static struct px_object *login_form(void)
{
	static struct px_object o;

	memset(&o, 0, sizeof(o));
	o.kind = PX_INPUT;
	snprintf(o.title, sizeof(o.title), "Extension Mobility");
	snprintf(o.url, sizeof(o.url),
		 "http://127.0.7.100:8080/emapp/EMAppServlet?device=SEPC80084AA8743&EMCC=true");
	o.ninputs = 2;
	snprintf(o.inputs[0].display_name, PX_TEXT_MAX, "PIN");
	snprintf(o.inputs[0].query_param, PX_TEXT_MAX, "seq");
	snprintf(o.inputs[0].flags, sizeof(o.inputs[0].flags), "NP");
	snprintf(o.inputs[1].display_name, PX_TEXT_MAX, "User ID");
	snprintf(o.inputs[1].query_param, PX_TEXT_MAX, "userid");
	snprintf(o.inputs[1].flags, sizeof(o.inputs[1].flags), "A");
	return &o;
}

static void test_input_answer(void **state)
{
	struct px_object *o = login_form();
	struct buf b;

	(void)state;
	buf_init(&b);
	/* The guide's second GET: ...&EMCC=true&seq=134679&userid=adgjm */
	assert_int_equal(phone_input_answer(&b, o, "adgjm", "134679"), 0);
	assert_string_equal(b.data, "http://127.0.7.100:8080/emapp/EMAppServlet?device="
				    "SEPC80084AA8743&EMCC=true&seq=134679&userid=adgjm");

	/* A URL without a query; values percent-encoded; a third item keeps its default. */
	snprintf(o->url, sizeof(o->url), "/emapp/EMAppServlet");
	o->ninputs = 3;
	snprintf(o->inputs[2].query_param, PX_TEXT_MAX, "loginType");
	snprintf(o->inputs[2].default_value, PX_TEXT_MAX, "UID");
	snprintf(o->inputs[2].flags, sizeof(o->inputs[2].flags), "A");
	buf_reset(&b);
	assert_int_equal(phone_input_answer(&b, o, "em@cisco.com", "1 2"), 0);
	assert_string_equal(b.data,
			    "/emapp/EMAppServlet?seq=1%202&userid=em%40cisco.com&loginType=UID");

	o->url[0] = '\0';
	assert_int_equal(phone_input_answer(&b, o, "u", "p"), EINVAL);
	o->kind = PX_TEXT;
	assert_int_equal(phone_input_answer(&b, o, "u", "p"), EINVAL);
	buf_free(&b);
}

static void test_pages(void **state)
{
	static struct px_object o;
	struct buf b;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.kind = PX_MENU;
	snprintf(o.title, sizeof(o.title), "Services");
	o.nitems = 2;
	snprintf(o.items[0].name, PX_TEXT_MAX, "Corporate Directory");
	snprintf(o.items[1].name, PX_TEXT_MAX, "Extension Mobility");
	snprintf(o.items[1].url, PX_URL_MAX, "http://h/emapp/EMAppServlet?device=#DEVICENAME#");
	assert_int_equal(phone_menu_find(&o, "extension mobility"), 1);
	assert_int_equal(phone_menu_find(&o, "Extension"), -1);
	assert_null(phone_logout_url(&o));
	buf_init(&b);
	phone_object_summary(&b, &o);
	assert_string_equal(
	    b.data, "CiscoIPPhoneMenu \"Services\" [Corporate Directory, Extension Mobility]");

	/* The logout prompt: a Text whose softkey carries doLogout=true. */
	memset(&o, 0, sizeof(o));
	o.kind = PX_TEXT;
	snprintf(o.title, sizeof(o.title), "Extension Mobility");
	snprintf(o.text, sizeof(o.text), "Log out adgjm?");
	o.nsoftkeys = 2;
	snprintf(o.softkeys[0].name, PX_TEXT_MAX, "Exit");
	snprintf(o.softkeys[0].url, PX_URL_MAX, "SoftKey:Exit");
	snprintf(o.softkeys[1].name, PX_TEXT_MAX, "Yes");
	snprintf(o.softkeys[1].url, PX_URL_MAX,
		 "http://h/emapp/EMAppServlet?device=S&doLogout=true");
	assert_string_equal(phone_logout_url(&o), o.softkeys[1].url);
	buf_reset(&b);
	phone_object_summary(&b, &o);
	assert_string_equal(b.data, "CiscoIPPhoneText \"Extension Mobility\": Log out adgjm?");
	buf_reset(&b);
	phone_object_print(&b, &o);
	assert_non_null(strstr(b.data, "CiscoIPPhoneText\n  Title:  Extension Mobility\n"));
	assert_non_null(strstr(b.data, "doLogout=true"));

	buf_reset(&b);
	phone_object_summary(&b, login_form());
	assert_string_equal(b.data, "CiscoIPPhoneInput \"Extension Mobility\" [PIN, User ID]");
	buf_free(&b);
}

static void test_error_code(void **state)
{
	(void)state;
	assert_int_equal(phone_text_error_code("Please try to login again (201)"), 201);
	assert_int_equal(phone_text_error_code("Login is unavailable (23)  \n"), 23);
	assert_int_equal(phone_text_error_code("Busy, please try again (26)"), 26);
	assert_int_equal(phone_text_error_code("Login successful"), 0);
	assert_int_equal(phone_text_error_code("Logged in (as you)"), 0);
	assert_int_equal(phone_text_error_code("()"), 0);
	assert_int_equal(phone_text_error_code("(12)"), 12);
	assert_int_equal(phone_text_error_code("x (1234567)"), 0);
	assert_int_equal(phone_text_error_code(""), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_identity),	 cmocka_unit_test(test_contact),
	    cmocka_unit_test(test_register),	 cmocka_unit_test(test_alarm),
	    cmocka_unit_test(test_notify),	 cmocka_unit_test(test_granted),
	    cmocka_unit_test(test_urls),	 cmocka_unit_test(test_refresh),
	    cmocka_unit_test(test_input_answer), cmocka_unit_test(test_pages),
	    cmocka_unit_test(test_error_code),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
