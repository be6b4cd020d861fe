/* test_phonexml.c -- px_render's exact bytes and limits, px_parse's hardening, and round trips. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emapp/phonexml.h"

/* px_object is large (100 menu items): keep them off the stack. */
static struct px_object *o, *p;
static struct buf b;
static char why[256];

static int setup(void **state)
{
	o = calloc(1, sizeof(*o));
	p = calloc(1, sizeof(*p));
	buf_init(&b);
	return o && p ? 0 : -1;
}

static int teardown(void **state)
{
	free(o);
	free(p);
	buf_free(&b);
	return 0;
}

static void reset(void)
{
	memset(o, 0, sizeof(*o));
	memset(p, 0, sizeof(*p));
	buf_reset(&b);
	why[0] = '\0';
}

static int parse(const char *xml)
{
	return px_parse(xml, strlen(xml), p, why, sizeof(why));
}

static void refused(const char *xml, const char *what)
{
	int rc = parse(xml);
	if (rc != EINVAL || !strstr(why, what))
		fail_msg("expected EINVAL with \"%s\"; got rc=%d why=\"%s\" for %s", what, rc, why,
			 xml);
	assert_int_equal(p->kind, 0);
}

static void add_softkey(struct px_object *x, const char *name, const char *url, int pos)
{
	struct px_softkey *k = &x->softkeys[x->nsoftkeys++];
	snprintf(k->name, sizeof(k->name), "%s", name);
	snprintf(k->url, sizeof(k->url), "%s", url);
	k->position = pos;
}

static void login_form(struct px_object *x)
{
	x->kind = PX_INPUT;
	strcpy(x->title, "Extension Mobility");
	strcpy(x->prompt, "Enter User ID and PIN");
	strcpy(x->url, "http://127.0.0.1:8080/emapp/EMAppServlet?device=SEPC80084AA8743&EMCC=true");
	x->ninputs = 2;
	strcpy(x->inputs[0].display_name, "User ID");
	strcpy(x->inputs[0].query_param, "userid");
	strcpy(x->inputs[0].default_value, "adgjm");
	strcpy(x->inputs[0].flags, "A");
	strcpy(x->inputs[1].display_name, "PIN");
	strcpy(x->inputs[1].query_param, "seq");
	strcpy(x->inputs[1].flags, "NP");
	add_softkey(x, "Submit", "SoftKey:Submit", 1);
	add_softkey(x, "<<", "SoftKey:<<", 2);
	add_softkey(x, "Exit", "SoftKey:Exit", 3);
}

/* ---- rendering ---- */

static void test_render_input(void **state)
{
	reset();
	login_form(o);
	assert_int_equal(px_render(&b, o), 0);
	assert_string_equal(
	    b.data,
	    "<CiscoIPPhoneInput><Title>Extension Mobility</Title><Prompt>Enter User ID and PIN"
	    "</Prompt><URL>http://127.0.0.1:8080/emapp/EMAppServlet?device=SEPC80084AA8743&amp;"
	    "EMCC=true</URL><InputItem><DisplayName>User ID</DisplayName><QueryStringParam>userid"
	    "</QueryStringParam><DefaultValue>adgjm</DefaultValue><InputFlags>A</InputFlags>"
	    "</InputItem><InputItem><DisplayName>PIN</DisplayName><QueryStringParam>seq"
	    "</QueryStringParam><DefaultValue></DefaultValue><InputFlags>NP</InputFlags>"
	    "</InputItem><SoftKeyItem><Name>Submit</Name><URL>SoftKey:Submit</URL><Position>1"
	    "</Position></SoftKeyItem><SoftKeyItem><Name>&lt;&lt;</Name><URL>SoftKey:&lt;&lt;"
	    "</URL><Position>2</Position></SoftKeyItem><SoftKeyItem><Name>Exit</Name><URL>"
	    "SoftKey:Exit</URL><Position>3</Position></SoftKeyItem></CiscoIPPhoneInput>");
}

static void test_render_menu_text_execute(void **state)
{
	reset();
	o->kind = PX_MENU;
	strcpy(o->title, "Services");
	o->nitems = 1;
	strcpy(o->items[0].name, "Extension Mobility");
	strcpy(o->items[0].url, "http://h:8080/emapp/EMAppServlet?device=#DEVICENAME#&EMCC=#EMCC#");
	assert_int_equal(px_render(&b, o), 0);
	assert_string_equal(b.data,
			    "<CiscoIPPhoneMenu><Title>Services</Title><MenuItem><Name>"
			    "Extension Mobility</Name><URL>http://h:8080/emapp/EMAppServlet?"
			    "device=#DEVICENAME#&amp;EMCC=#EMCC#</URL></MenuItem>"
			    "</CiscoIPPhoneMenu>");

	reset();
	o->kind = PX_TEXT;
	strcpy(o->title, "Extension Mobility");
	strcpy(o->text, "Please try to login again (201) <\"&\">");
	add_softkey(o, "Exit", "SoftKey:Exit", 0);
	assert_int_equal(px_render(&b, o), 0);
	assert_string_equal(b.data,
			    "<CiscoIPPhoneText><Title>Extension Mobility</Title><Text>"
			    "Please try to login again (201) &lt;&quot;&amp;&quot;&gt;</Text>"
			    "<SoftKeyItem><Name>Exit</Name><URL>SoftKey:Exit</URL>"
			    "</SoftKeyItem></CiscoIPPhoneText>");

	reset();
	o->kind = PX_EXECUTE;
	o->nexecute = 2;
	strcpy(o->execute[0].url, "http://h/x?a=1&b=\"2\"");
	o->execute[0].priority = 1;
	strcpy(o->execute[1].url, "Init:CallHistory");
	assert_int_equal(px_render(&b, o), 0);
	assert_string_equal(b.data, "<CiscoIPPhoneExecute><ExecuteItem Priority=\"1\" URL=\"http://"
				    "h/x?a=1&amp;b=&quot;2&quot;\"/><ExecuteItem Priority=\"0\" "
				    "URL=\"Init:CallHistory\"/></CiscoIPPhoneExecute>");
}

/* Every documented limit refused, and nothing appended to the buffer. */
static void test_render_limits(void **state)
{
	reset();
	buf_puts(&b, "keep");
	login_form(o);
	o->ninputs = 6;
	assert_int_equal(px_render(&b, o), EINVAL);
	reset();
	buf_puts(&b, "keep");
	login_form(o);
	o->ninputs = 0;
	assert_int_equal(px_render(&b, o), EINVAL);
	o->ninputs = 2;
	strcpy(o->inputs[1].flags, "PN");
	assert_int_equal(px_render(&b, o), EINVAL);
	strcpy(o->inputs[1].flags, "NPX");
	assert_int_equal(px_render(&b, o), EINVAL);
	strcpy(o->inputs[1].flags, "NP");
	o->url[0] = '\0';
	assert_int_equal(px_render(&b, o), EINVAL);
	strcpy(o->url, "http://x/");
	memset(o->title, 'a', sizeof(o->title)); /* not NUL-terminated */
	assert_int_equal(px_render(&b, o), EINVAL);
	strcpy(o->title, "bad \x01 control");
	assert_int_equal(px_render(&b, o), EINVAL);
	strcpy(o->title, "bad \xC3 utf8");
	assert_int_equal(px_render(&b, o), EINVAL);
	strcpy(o->title, "ok");
	o->nsoftkeys = PX_MAX_SOFTKEYS + 1;
	assert_int_equal(px_render(&b, o), EINVAL);
	o->nsoftkeys = 1;
	o->softkeys[0].position = 9;
	assert_int_equal(px_render(&b, o), EINVAL);
	assert_string_equal(b.data, "keep");

	reset();
	o->kind = PX_MENU;
	o->nitems = PX_MAX_MENU;
	for (size_t i = 0; i < o->nitems; i++)
		snprintf(o->items[i].name, sizeof(o->items[i].name), "item %zu", i);
	assert_int_equal(px_render(&b, o), 0);
	o->nitems = PX_MAX_MENU + 1;
	assert_int_equal(px_render(&b, o), EINVAL);
	o->nitems = 1;
	memset(o->items[0].name, 'n', 64);
	o->items[0].name[64] = '\0';
	assert_int_equal(px_render(&b, o), 0);
	o->items[0].name[64] = 'n';
	o->items[0].name[65] = '\0';
	assert_int_equal(px_render(&b, o), EINVAL);
	/* 64 characters of two bytes each are still 64 characters */
	for (int i = 0; i < 64; i++)
		memcpy(o->items[0].name + 2 * i, "\xC3\xA9", 2);
	o->items[0].name[128] = '\0';
	assert_int_equal(px_render(&b, o), 0);

	reset();
	o->kind = PX_EXECUTE;
	assert_int_equal(px_render(&b, o), EINVAL); /* no items */
	for (int i = 0; i < PX_MAX_EXECUTE; i++)
		strcpy(o->execute[i].url, "Init:Services");
	o->nexecute = PX_MAX_EXECUTE + 1; /* refused on the count, before any item is read */
	assert_int_equal(px_render(&b, o), EINVAL);
	o->nexecute = 3;
	assert_int_equal(px_render(&b, o), 0);
	strcpy(o->execute[0].url, "http://a/");
	strcpy(o->execute[1].url, "https://b/");
	assert_int_equal(px_render(&b, o), EINVAL); /* two URLs */
	strcpy(o->execute[1].url, "SoftKey:Exit");
	assert_int_equal(px_render(&b, o), EINVAL); /* SoftKey URI in an Execute */
	strcpy(o->execute[1].url, "Init:CallHistory");
	o->execute[2].priority = 3;
	assert_int_equal(px_render(&b, o), EINVAL);

	reset();
	o->kind = 0;
	assert_int_equal(px_render(&b, o), EINVAL);
	assert_int_equal(b.len, 0);
}

/* ---- parsing ---- */

static void test_round_trips(void **state)
{
	reset();
	login_form(o);
	assert_int_equal(px_render(&b, o), 0);
	assert_int_equal(px_parse(b.data, b.len, p, why, sizeof(why)), 0);
	assert_memory_equal(o, p, sizeof(*o));

	reset();
	o->kind = PX_MENU;
	strcpy(o->title, "Select a profile");
	strcpy(o->prompt, "Profile");
	o->nitems = PX_MAX_MENU;
	for (size_t i = 0; i < o->nitems; i++) {
		snprintf(o->items[i].name, sizeof(o->items[i].name), "profile \xC3\xA9 %zu <&>", i);
		snprintf(o->items[i].url, sizeof(o->items[i].url), "http://x/?a=%zu&b=\"c\"", i);
	}
	add_softkey(o, "Select", "SoftKey:Select", 1);
	add_softkey(o, "Exit", "SoftKey:Exit", 3);
	assert_int_equal(px_render(&b, o), 0);
	assert_int_equal(px_parse(b.data, b.len, p, why, sizeof(why)), 0);
	assert_memory_equal(o, p, sizeof(*o));

	reset();
	o->kind = PX_TEXT;
	strcpy(o->text, "  Anmeldung erfolgreich\n\tzweite Zeile  ");
	add_softkey(o, "Beenden", "SoftKey:Exit", 0);
	assert_int_equal(px_render(&b, o), 0);
	assert_int_equal(px_parse(b.data, b.len, p, why, sizeof(why)), 0);
	assert_memory_equal(o, p, sizeof(*o));

	reset();
	o->kind = PX_EXECUTE;
	o->nexecute = 3;
	strcpy(o->execute[0].url, "http://x/?a=1&b=2");
	o->execute[0].priority = 2;
	strcpy(o->execute[1].url, "Init:CallHistory");
	strcpy(o->execute[2].url, "Init:Services");
	o->execute[2].priority = 1;
	assert_int_equal(px_render(&b, o), 0);
	assert_int_equal(px_parse(b.data, b.len, p, why, sizeof(why)), 0);
	assert_memory_equal(o, p, sizeof(*o));
}

/* What a server pretty-prints: declaration, whitespace, comments, CDATA, URLDown. */
static void test_parse_lenient_forms(void **state)
{
	reset();
	assert_int_equal(
	    parse("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<CiscoIPPhoneMenu>\n"
		  "  <Title> Services </Title>\n  <!-- one item -->\n  <MenuItem>\n"
		  "    <Name>Extension Mobility</Name>\n    <URL><![CDATA[http://h/?a=1&b=2]]>"
		  "</URL>\n  </MenuItem>\n  <SoftKeyItem><Name>Exit</Name><URL>SoftKey:Exit"
		  "</URL><URLDown>SoftKey:Exit</URLDown><Position> 3 </Position>"
		  "</SoftKeyItem>\n</CiscoIPPhoneMenu>\n"),
	    0);
	assert_int_equal(p->kind, PX_MENU);
	assert_string_equal(p->title, "Services");
	assert_int_equal(p->nitems, 1);
	assert_string_equal(p->items[0].url, "http://h/?a=1&b=2");
	assert_int_equal(p->nsoftkeys, 1);
	assert_int_equal(p->softkeys[0].position, 3);

	/* a mislabelled but ASCII declaration is read as the UTF-8 it is */
	reset();
	assert_int_equal(parse("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><CiscoIPPhoneText>"
			       "<Text>caf\xC3\xA9</Text></CiscoIPPhoneText>"),
			 0);
	assert_string_equal(p->text, "caf\xC3\xA9");

	reset();
	assert_int_equal(parse("<CiscoIPPhoneText/>"), 0);
	assert_int_equal(p->kind, PX_TEXT);
	assert_string_equal(p->text, "");
}

static void test_parse_refusals(void **state)
{
	char big[PX_TEXT_MAX + 64];
	reset();
	refused("", "empty");
	refused("<CiscoIPPhoneText><Text>x</Text>", "");
	refused("<html/>", "not a Cisco IP Phone object");
	refused("<!DOCTYPE x [<!ENTITY a \"b\">]><CiscoIPPhoneText><Text>&a;</Text>"
		"</CiscoIPPhoneText>",
		"entity declarations are not allowed");
	refused("<!DOCTYPE x SYSTEM \"file:///etc/passwd\"><CiscoIPPhoneText/>", "DOCTYPE");
	refused("<!DOCTYPE x [<!ELEMENT x ANY>]><CiscoIPPhoneText/>", "DTD declarations");
	refused("<CiscoIPPhoneText><Text>caf\xE9</Text></CiscoIPPhoneText>", "not valid UTF-8");
	refused("<CiscoIPPhoneText><Text>a</Text><Text>b</Text></CiscoIPPhoneText>", "twice");
	refused("<CiscoIPPhoneText><Bogus/></CiscoIPPhoneText>", "unexpected element <Bogus>");
	refused("<CiscoIPPhoneText>stray<Text>b</Text></CiscoIPPhoneText>", "unexpected text");
	refused("<CiscoIPPhoneText><Text>a<b/></Text></CiscoIPPhoneText>", "text only");
	refused("<CiscoIPPhoneInput><InputItem><QueryStringParam>a</QueryStringParam></InputItem>"
		"</CiscoIPPhoneInput>",
		"no <URL>");
	refused("<CiscoIPPhoneInput><URL>u</URL><InputItem><DisplayName>a</DisplayName>"
		"</InputItem></CiscoIPPhoneInput>",
		"no <QueryStringParam>");
	refused("<CiscoIPPhoneInput><URL>u</URL><InputItem><QueryStringParam>a</QueryStringParam>"
		"<InputFlags>Z</InputFlags></InputItem></CiscoIPPhoneInput>",
		"not a known flag");
	refused("<CiscoIPPhoneText><SoftKeyItem><Name>a</Name><Position>9</Position></SoftKeyItem>"
		"</CiscoIPPhoneText>",
		"<Position> must be");
	refused("<CiscoIPPhoneText><SoftKeyItem><URL>a</URL></SoftKeyItem></CiscoIPPhoneText>",
		"no <Name>");
	refused("<CiscoIPPhoneExecute/>", "no <ExecuteItem>");
	refused(
	    "<CiscoIPPhoneExecute><ExecuteItem Priority=\"3\" URL=\"x\"/></CiscoIPPhoneExecute>",
	    "Priority");
	refused("<CiscoIPPhoneExecute><ExecuteItem Foo=\"3\" URL=\"x\"/></CiscoIPPhoneExecute>",
		"unexpected attribute");
	refused("<CiscoIPPhoneExecute><Title>x</Title></CiscoIPPhoneExecute>",
		"unexpected element");

	/* over-long values are refused, never cut */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	char *doc = NULL;
	assert_true(asprintf(&doc, "<CiscoIPPhoneText><Title>%s</Title></CiscoIPPhoneText>", big) >
		    0);
	refused(doc, "too long");
	free(doc);
	big[PX_TEXT_MAX - 1] = '\0';
	assert_true(asprintf(&doc, "<CiscoIPPhoneText><Title>%s</Title></CiscoIPPhoneText>", big) >
		    0);
	assert_int_equal(parse(doc), 0);
	free(doc);

	/* counts */
	struct buf d;
	buf_init(&d);
	buf_puts(&d, "<CiscoIPPhoneInput><URL>u</URL>");
	for (int i = 0; i < PX_MAX_INPUTS + 1; i++)
		buf_puts(&d, "<InputItem><QueryStringParam>a</QueryStringParam></InputItem>");
	buf_puts(&d, "</CiscoIPPhoneInput>");
	refused(d.data, "more than 5 <InputItem>");
	buf_reset(&d);
	buf_puts(&d, "<CiscoIPPhoneMenu>");
	for (int i = 0; i < PX_MAX_MENU + 1; i++)
		buf_puts(&d, "<MenuItem><Name>a</Name></MenuItem>");
	buf_puts(&d, "</CiscoIPPhoneMenu>");
	refused(d.data, "more than 100 <MenuItem>");
	buf_reset(&d);
	buf_puts(&d, "<CiscoIPPhoneMenu><MenuItem><Name>");
	for (int i = 0; i < 65; i++)
		buf_puts(&d, "\xC3\xA9");
	buf_puts(&d, "</Name></MenuItem></CiscoIPPhoneMenu>");
	refused(d.data, "longer than 64 characters");
	buf_reset(&d);

	/* the size cap is checked before libxml2 runs */
	buf_puts(&d, "<CiscoIPPhoneText><Text>");
	while (d.len <= 64 * 1024)
		buf_puts(&d, "<!-- padding padding padding padding padding padding padding -->");
	buf_puts(&d, "</Text></CiscoIPPhoneText>");
	refused(d.data, "too large");
	buf_free(&d);

	/* a billion-laughs attempt never gets to expand */
	refused("<!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
		"<CiscoIPPhoneText><Text>&b;</Text></CiscoIPPhoneText>",
		"entity");
	/* why may be NULL */
	assert_int_equal(px_parse("<x/>", 4, p, NULL, 0), EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_render_input),
	    cmocka_unit_test(test_render_menu_text_execute),
	    cmocka_unit_test(test_render_limits),
	    cmocka_unit_test(test_round_trips),
	    cmocka_unit_test(test_parse_lenient_forms),
	    cmocka_unit_test(test_parse_refusals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
