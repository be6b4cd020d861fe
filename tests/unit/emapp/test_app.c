/* test_app.c -- the EM phone app: query decoding, languages and charsets, and every page against
 * the lab store. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emapp/app.h"
#include "fixture.h"

#define BASE "http://127.0.7.100:8080"
#define SELF BASE "/emapp/EMAppServlet"

static struct emapp_request req;
static struct px_object *obj;
static struct emapp_outcome out;

/* ---- the query ---- */

static void test_parse_query(void **state)
{
	assert_int_equal(
	    emapp_parse_query("device=SEPC80084AA8743&EMCC=true&seq=134679&userid=adgjm", &req), 0);
	assert_true(req.has_device && req.has_emcc && req.has_pin && req.has_userid);
	assert_false(req.has_profile || req.has_login_type || req.has_do_logout || req.has_refresh);
	assert_string_equal(req.device, "SEPC80084AA8743");
	assert_string_equal(req.emcc, "true");
	assert_string_equal(req.pin, "134679");
	assert_string_equal(req.userid, "adgjm");

	assert_int_equal(
	    emapp_parse_query("refresh=SEPC80084AA8743%23Login&EMCC=true&x=%zz&=1&&junk", &req), 0);
	assert_string_equal(req.refresh, "SEPC80084AA8743#Login");

	/* the first of a repeated parameter counts; + is a space; blank is not absent */
	assert_int_equal(emapp_parse_query("userid=a+b&userid=c&seq=&profile=x%2Fy", &req), 0);
	assert_string_equal(req.userid, "a b");
	assert_true(req.has_pin);
	assert_string_equal(req.pin, "");
	assert_string_equal(req.profile, "x/y");

	assert_int_equal(emapp_parse_query(NULL, &req), 0);
	assert_false(req.has_device);
	assert_int_equal(emapp_parse_query("", &req), 0);
}

static void test_parse_query_refusals(void **state)
{
	char q[600];

	assert_int_equal(emapp_parse_query("device=SEP%zz", &req), EINVAL);
	assert_int_equal(req.error, 207);
	assert_string_equal(req.error_param, "device");
	assert_false(req.has_device);
	assert_int_equal(emapp_parse_query("device=a%00b", &req), EINVAL);
	assert_int_equal(req.error, 207);

	/* over-long values are refused, never cut */
	memset(q, 0, sizeof(q));
	strcpy(q, "device=SEPC80084AA8743&userid=");
	memset(q + strlen(q), 'u', LIM_ID_MAX);
	assert_int_equal(emapp_parse_query(q, &req), EINVAL);
	assert_int_equal(req.error, 202);
	assert_string_equal(req.error_param, "userid");
	assert_true(req.has_device); /* the rest is still decoded */

	assert_int_equal(emapp_parse_query("seq=12345678901234567", &req), EINVAL); /* 17 digits */
	assert_int_equal(req.error, 202);
	assert_int_equal(emapp_parse_query("seq=1234567890123456", &req), 0); /* 16 fit */
	assert_int_equal(emapp_parse_query("loginType=ABCDEFGHIJ", &req), EINVAL);
	assert_int_equal(req.error, 215);
	memset(q, 0, sizeof(q));
	strcpy(q, "device=");
	memset(q + 7, 'A', LIM_ID_MAX);
	assert_int_equal(emapp_parse_query(q, &req), EINVAL);
	assert_int_equal(req.error, 207);
	/* the first problem is reported */
	assert_int_equal(emapp_parse_query("EMCC=truetruetrue&userid=%", &req), EINVAL);
	assert_string_equal(req.error_param, "EMCC");
}

/* ---- languages and charsets ---- */

static void test_lang_charset(void **state)
{
	assert_int_equal(emapp_lang_pick(NULL), EMAPP_LANG_EN);
	assert_int_equal(emapp_lang_pick("en_US"), EMAPP_LANG_EN);
	assert_int_equal(emapp_lang_pick("de_DE"), EMAPP_LANG_DE);
	assert_int_equal(emapp_lang_pick("de-DE,de;q=0.9,en;q=0.5"), EMAPP_LANG_DE);
	assert_int_equal(emapp_lang_pick("fr;q=0.5, de;q=0.8"), EMAPP_LANG_DE);
	assert_int_equal(emapp_lang_pick("es, fr-CA;q=0.3"), EMAPP_LANG_FR);
	assert_int_equal(emapp_lang_pick("es"), EMAPP_LANG_EN);
	assert_int_equal(emapp_lang_pick("de;q=0"), EMAPP_LANG_EN);
	assert_int_equal(emapp_lang_pick("deu, dex"), EMAPP_LANG_EN);
	assert_int_equal(emapp_lang_pick(";;;,,,q=,"), EMAPP_LANG_EN);

	assert_int_equal(emapp_charset_pick(NULL), EMAPP_CHARSET_UTF8);
	assert_int_equal(emapp_charset_pick("utf-8,;q=0.8"), EMAPP_CHARSET_UTF8); /* the phone's */
	assert_int_equal(emapp_charset_pick("utf-8;;q=0.8"), EMAPP_CHARSET_UTF8);
	assert_int_equal(emapp_charset_pick("ISO-8859-1"), EMAPP_CHARSET_LATIN1);
	assert_int_equal(emapp_charset_pick("iso-8859-1, utf-8;q=0"), EMAPP_CHARSET_LATIN1);
	assert_int_equal(emapp_charset_pick("ISO-8859-1, utf-8;q=0.1"), EMAPP_CHARSET_UTF8);
	assert_int_equal(emapp_charset_pick("ISO-8859-1, *"), EMAPP_CHARSET_UTF8);
	assert_int_equal(emapp_charset_pick("koi8-r"), EMAPP_CHARSET_UTF8);
	assert_string_equal(emapp_charset_name(EMAPP_CHARSET_LATIN1), "ISO-8859-1");
}

static void test_texts(void **state)
{
	char t[160];

	emapp_code_text(EMAPP_LANG_EN, 201, 0, t, sizeof(t));
	assert_string_equal(t, "Please try to login again (201)");
	emapp_code_text(EMAPP_LANG_EN, 202, 0, t, sizeof(t));
	assert_string_equal(t, "Please try to login again (202)");
	emapp_code_text(EMAPP_LANG_EN, 207, 1, t, sizeof(t));
	assert_string_equal(t, "Login/Logout is unavailable(207)");
	emapp_code_text(EMAPP_LANG_EN, 22, 0, t, sizeof(t));
	assert_string_equal(t, "Login is unavailable(22)");
	emapp_code_text(EMAPP_LANG_EN, 23, 0, t, sizeof(t));
	assert_string_equal(t, "Login is unavailable (23)");
	emapp_code_text(EMAPP_LANG_EN, 25, 0, t, sizeof(t));
	assert_string_equal(t, "Multi-Login Not Allowed (25)");
	emapp_code_text(EMAPP_LANG_EN, 11, 0, t, sizeof(t));
	assert_string_equal(t, "Login is unavailable(11)");
	emapp_code_text(EMAPP_LANG_EN, 11, 1, t, sizeof(t));
	assert_string_equal(t, "Logout is unavailable(11)");
	emapp_code_text(EMAPP_LANG_EN, 26, 1, t, sizeof(t));
	assert_string_equal(t, "Busy, please try again (26)");
	emapp_code_text(EMAPP_LANG_EN, 215, 0, t, sizeof(t));
	assert_string_equal(t, "LoginType invalid(215)");
	emapp_code_text(EMAPP_LANG_EN, 216, 0, t, sizeof(t));
	assert_string_equal(t, "DN has multiple users(216)");
	emapp_code_text(EMAPP_LANG_DE, 216, 0, t, sizeof(t));
	assert_string_equal(t, "Durchwahl hat mehrere Benutzer(216)");
	emapp_code_text(EMAPP_LANG_FR, 18, 0, t, sizeof(t));
	assert_string_equal(t, "Connexion indisponible(18)");
	emapp_code_text(EMAPP_LANG_DE, 19, 1, t, sizeof(t));
	assert_string_equal(t, "Abmeldung nicht verfügbar(19)");
	static const int codes[] = {201, 202, 204, 205, 207, 208, 210, 211,
				    212, 213, 215, 216, 23,  25,  26};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		char en[160], de[160], fr[160];
		emapp_code_text(EMAPP_LANG_EN, codes[i], 0, en, sizeof(en));
		emapp_code_text(EMAPP_LANG_DE, codes[i], 0, de, sizeof(de));
		emapp_code_text(EMAPP_LANG_FR, codes[i], 0, fr, sizeof(fr));
		assert_string_not_equal(en, de); /* every phone text has its translations */
		assert_string_not_equal(en, fr);
	}
	/* every page text exists in every language; most differ from English */
	int differ = 0;
	for (int m = 0; m < EMAPP_MSG_COUNT; m++)
		for (int l = 0; l < EMAPP_LANG_COUNT; l++) {
			assert_true(emapp_msg(l, m)[0] != '\0');
			differ += strcmp(emapp_msg(l, m), emapp_msg(EMAPP_LANG_EN, m)) != 0;
		}
	assert_true(differ >= 2 * (EMAPP_MSG_COUNT - 3));
	assert_string_equal(emapp_msg(99, EMAPP_MSG_YES), "Yes");
}

static void test_latin1(void **state)
{
	struct buf b;

	buf_init(&b);
	assert_int_equal(emapp_to_latin1("Connexion r\xC3\xA9ussie", 18, &b), 0);
	assert_string_equal(b.data, "Connexion r\xE9ussie");
	buf_reset(&b);
	assert_int_equal(emapp_to_latin1("M\xC3\xB6glich \xE6\x97\xA5!", 13, &b), 0);
	assert_string_equal(b.data, "M\xF6glich ?!");
	buf_reset(&b);
	assert_int_equal(emapp_to_latin1("bad \xC3(", 6, &b), EILSEQ);
	buf_reset(&b);
	assert_int_equal(emapp_to_latin1("cut \xC3", 5, &b), EILSEQ);
	buf_free(&b);
}

/* ---- the pages ---- */

static int app_setup(void **state)
{
	int rc = lab_setup(state);
	struct lab *l;

	if (rc)
		return rc;
	l = *state;
	l->ctx.source = "phone";
	obj = calloc(1, sizeof(*obj));
	return obj ? 0 : -1;
}

static int app_teardown(void **state)
{
	free(obj);
	return lab_teardown(state);
}

static struct emapp_env env_en = {BASE, "http://127.0.7.100:8080", EMAPP_LANG_EN};

/* Runs one GET and checks that the answer renders as a phone object. */
static int get(struct lab *l, const char *query)
{
	struct buf b;
	int rc;

	emapp_parse_query(query, &req);
	memset(obj, 0, sizeof(*obj));
	rc = emapp_handle(&l->ctx, &env_en, &req, obj, &out);
	if (rc == 0) {
		buf_init(&b);
		assert_int_equal(px_render(&b, obj), 0);
		buf_free(&b);
	}
	return rc;
}

static void error_is(int code, const char *text)
{
	assert_int_equal(out.page, EMAPP_PAGE_ERROR);
	assert_int_equal(out.code, code);
	assert_int_equal(obj->kind, PX_TEXT);
	assert_string_equal(obj->text, text);
	assert_string_equal(obj->softkeys[0].url, "SoftKey:Exit");
	assert_int_equal(obj->softkeys[0].position, 1);
}

static void test_login_form(void **state)
{
	struct lab *l = *state;

	assert_int_equal(get(l, "device=" LAB_DEVICE "&EMCC=true"), 0);
	assert_int_equal(out.page, EMAPP_PAGE_LOGIN_FORM);
	assert_int_equal(obj->kind, PX_INPUT);
	assert_string_equal(obj->url, SELF "?device=" LAB_DEVICE "&EMCC=true");
	assert_int_equal(obj->ninputs, 2);
	assert_string_equal(obj->inputs[0].query_param, "userid");
	assert_string_equal(obj->inputs[0].flags, "A");
	assert_string_equal(obj->inputs[0].default_value, "");
	assert_string_equal(obj->inputs[1].query_param, EMAPP_PIN_PARAM);
	assert_string_equal(obj->inputs[1].flags, "NP");
	assert_int_equal(obj->nsoftkeys, 3);
	assert_string_equal(obj->softkeys[0].url, "SoftKey:Submit");
	assert_string_equal(obj->softkeys[1].url, "SoftKey:<<");
	assert_string_equal(obj->softkeys[2].url, "SoftKey:Exit");

	/* Alphanumeric User ID off: numeric entry; the last user is remembered */
	assert_int_equal(get(l, "device=" LAB_DEVICE "&userid=bob&seq=12345"), 0);
	assert_int_equal(get(l, "device=" LAB_DEVICE "&doLogout=true"), 0);
	l->params.alphanumeric_user_id = 0;
	assert_int_equal(get(l, "device=" LAB_DEVICE "&loginType=UID"), 0);
	assert_string_equal(obj->inputs[0].flags, "N");
	assert_string_equal(obj->inputs[0].default_value, "bob");
	assert_string_equal(obj->url, SELF "?device=" LAB_DEVICE "&loginType=UID");
	l->params.remember_last_user = 0;
	assert_int_equal(get(l, "device=" LAB_DEVICE), 0);
	assert_string_equal(obj->inputs[0].default_value, "");

	assert_int_equal(get(l, "device=" LAB_DEVICE "&loginType=DN"), 0);
	assert_string_equal(obj->prompt, "Enter extension and PIN");
	assert_string_equal(obj->inputs[0].display_name, "Extension");
	assert_string_equal(obj->inputs[0].flags, "N");

	/* German */
	struct emapp_env de = {BASE, BASE, EMAPP_LANG_DE};
	emapp_parse_query("device=" LAB_DEVICE, &req);
	assert_int_equal(emapp_handle(&l->ctx, &de, &req, obj, &out), 0);
	assert_string_equal(obj->prompt, "Benutzer-ID und PIN eingeben");
	assert_string_equal(obj->softkeys[0].name, "Senden");
}

static void test_login_logout_cycle(void **state)
{
	struct lab *l = *state;

	assert_int_equal(get(l, "device=" LAB_DEVICE "&EMCC=true&seq=12345&userid=Bob"), 0);
	assert_int_equal(out.page, EMAPP_PAGE_LOGIN_OK);
	assert_string_equal(obj->text, "Login successful");
	assert_string_equal(out.user_id, "bob");
	assert_string_equal(out.profile, "bob_udp");
	assert_string_equal(out.refresh_url, SELF "?refresh=" LAB_DEVICE "%23Login&EMCC=true");
	assert_int_equal(l->nchanges, 1);

	assert_int_equal(get(l, "refresh=" LAB_DEVICE "%23Login&EMCC=true"), 0);
	assert_int_equal(out.page, EMAPP_PAGE_REFRESH);
	assert_int_equal(obj->kind, PX_EXECUTE);
	assert_string_equal(obj->execute[0].url, BASE "/emapp/jsp/initservices.jsp");
	assert_int_equal(get(l, "refresh=" LAB_DEVICE "%23Nope"), 0);
	error_is(207, "Login/Logout is unavailable(207)");

	assert_int_equal(get(l, "device=" LAB_DEVICE "&EMCC=true"), 0);
	assert_int_equal(out.page, EMAPP_PAGE_LOGOUT_PROMPT);
	assert_string_equal(obj->softkeys[0].name, "Yes");
	assert_string_equal(obj->softkeys[0].url,
			    SELF "?device=" LAB_DEVICE "&EMCC=true&doLogout=true");

	assert_int_equal(get(l, "device=" LAB_DEVICE "&doLogout=true"), 0);
	assert_int_equal(out.page, EMAPP_PAGE_LOGOUT_OK);
	assert_string_equal(obj->text, "Logout successful");
	assert_string_equal(out.user_id, "bob");
	assert_string_equal(out.refresh_url, SELF "?refresh=" LAB_DEVICE "%23Logout");
	assert_int_equal(l->nchanges, 2);
	assert_int_equal(get(l, "device=" LAB_DEVICE "&doLogout=true"), 0);
	error_is(19, "Logout is unavailable(19)");
	/* doLogout=false is no logout */
	assert_int_equal(get(l, "device=" LAB_DEVICE "&doLogout=false"), 0);
	assert_int_equal(out.page, EMAPP_PAGE_LOGIN_FORM);
}

static void test_profile_menu(void **state)
{
	struct lab *l = *state;

	assert_int_equal(get(l, "device=" LAB_DEVICE "&EMCC=true&userid=adgjm&seq=12345"), 0);
	assert_int_equal(out.page, EMAPP_PAGE_PROFILE_MENU);
	assert_int_equal(obj->kind, PX_MENU);
	assert_int_equal(obj->nitems, 2);
	assert_string_equal(obj->items[0].name, LAB_PROFILE);
	assert_string_equal(obj->items[1].url,
			    SELF "?device=" LAB_DEVICE
				 "&EMCC=true&userid=adgjm&seq=12345&profile=" LAB_PROFILE_ALT);
	assert_int_equal(l->nchanges, 0);
	/* the item's URL is a login with the choice */
	char q[PX_URL_MAX];
	strcpy(q, strchr(obj->items[1].url, '?') + 1);
	assert_int_equal(get(l, q), 0);
	assert_int_equal(out.page, EMAPP_PAGE_LOGIN_OK);
	assert_string_equal(lab_state(l, LAB_DEVICE).profile, LAB_PROFILE_ALT);
}

static void test_failures(void **state)
{
	struct lab *l = *state;

	assert_int_equal(get(l, ""), 0);
	error_is(207, "Login/Logout is unavailable(207)");
	assert_int_equal(get(l, "device="), 0);
	error_is(207, "Login/Logout is unavailable(207)");
	assert_int_equal(get(l, "device=SEPc80084aa8743"), 0);
	error_is(207, "Login/Logout is unavailable(207)");
	assert_int_equal(get(l, "device=SEP1234"), 0);
	error_is(207, "Login/Logout is unavailable(207)");
	assert_int_equal(get(l, "device=bad%20name"), 0);
	error_is(207, "Login/Logout is unavailable(207)");
	assert_int_equal(get(l, "device=SEP000000000001"), 0);
	error_is(11, "Login is unavailable(11)");
	assert_int_equal(get(l, "device=SEP000000000001&doLogout=true"), 0);
	error_is(11, "Logout is unavailable(11)");
	assert_int_equal(get(l, "device=" LAB_DEVICE_NOEM), 0);
	error_is(22, "Login is unavailable(22)");
	assert_int_equal(get(l, "device=" LAB_DEVICE "&loginType=XX"), 0);
	error_is(215, "LoginType invalid(215)");
	assert_int_equal(get(l, "device=" LAB_DEVICE "&userid=&seq=1"), 0);
	error_is(202, "Please try to login again (202)");
	assert_int_equal(get(l, "device=" LAB_DEVICE "&seq=1"), 0);
	error_is(202, "Please try to login again (202)");
	assert_int_equal(get(l, "device=" LAB_DEVICE "&userid=bob&seq=12345678901234567"), 0);
	error_is(202, "Please try to login again (202)");

	/* the policy's failures: one text for the phone, the reason for the log */
	assert_int_equal(get(l, "device=" LAB_DEVICE "&userid=bob&seq=999"), 0);
	error_is(201, "Please try to login again (201)");
	assert_string_equal(out.reason, "wrong PIN (1 of 3 failed logons)");
	assert_string_equal(out.user_id, "bob");
	assert_int_equal(get(l, "device=" LAB_DEVICE "&userid=ghost&seq=999"), 0);
	error_is(201, "Please try to login again (201)");
	assert_int_equal(out.real_code, EM_USER_NOT_FOUND);
	assert_int_equal(get(l, "device=" LAB_DEVICE "&userid=noprofile&seq=12345"), 0);
	error_is(205, "Login/Logout is unavailable (205)");
	assert_int_equal(get(l, "device=" LAB_DEVICE "&userid=bob&seq=12345"), 0);
	assert_int_equal(get(l, "device=" LAB_DEVICE2 "&userid=bob&seq=12345"), 0);
	error_is(25, "Multi-Login Not Allowed (25)");
	assert_int_equal(get(l, "device=" LAB_DEVICE "&userid=12345&seq=12345"), 0);
	error_is(18, "Login is unavailable(18)");
	assert_int_equal(get(l, "device=" LAB_DEVICE_NOEM "&userid=bob&seq=12345"), 0);
	error_is(22, "Login is unavailable(22)");

	/* the lockout, seen from the phone */
	l->params.failed_logon_threshold = 2;
	assert_int_equal(get(l, "device=" LAB_DEVICE2 "&userid=12345&seq=1"), 0);
	assert_false(out.lockout_engaged);
	assert_int_equal(get(l, "device=" LAB_DEVICE2 "&userid=12345&seq=1"), 0);
	assert_true(out.lockout_engaged);
	error_is(201, "Please try to login again (201)");
	assert_int_equal(get(l, "device=" LAB_DEVICE2 "&userid=12345&seq=12345"), 0);
	error_is(201, "Please try to login again (201)");
}

static void test_services_menu(void **state)
{
	struct lab *l = *state;
	struct features *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->nservices = 2;
	strcpy(f->services[0].name, "Phone Directory");
	strcpy(f->services[0].url, "http://127.0.7.9/dir?a=1&b=2");
	memset(f->services[1].name, 'n', 100); /* cut to 64 characters on the menu */
	strcpy(f->services[1].url, "http://127.0.7.9/long");
	assert_int_equal(store_begin(l->st), 0);
	assert_int_equal(store_features_set(l->st, STORE_OWNER_DEVICE, LAB_DEVICE, f), 0);
	memset(f, 0, sizeof(*f));
	f->nservices = 1;
	strcpy(f->services[0].name, "Bob's Voicemail");
	strcpy(f->services[0].url, "http://127.0.7.9/vm");
	assert_int_equal(store_features_set(l->st, STORE_OWNER_PROFILE, "bob_udp", f), 0);
	assert_int_equal(store_commit(l->st), 0);
	free(f);

	emapp_parse_query("device=" LAB_DEVICE, &req);
	assert_int_equal(emapp_services_menu(&l->ctx, &env_en, &req, obj, &out), 0);
	assert_int_equal(out.page, EMAPP_PAGE_SERVICES_MENU);
	assert_int_equal(obj->kind, PX_MENU);
	assert_string_equal(obj->title, "Services");
	assert_int_equal(obj->nitems, 3);
	assert_string_equal(obj->items[0].name, "Extension Mobility");
	assert_string_equal(
	    obj->items[0].url,
	    "http://127.0.7.100:8080/emapp/EMAppServlet?device=#DEVICENAME#&EMCC=#EMCC#");
	assert_string_equal(obj->items[1].name, "Phone Directory");
	assert_string_equal(obj->items[1].url, "http://127.0.7.9/dir?a=1&b=2");
	assert_int_equal(strlen(obj->items[2].name), 64);

	/* logged in: the profile's services */
	assert_int_equal(get(l, "device=" LAB_DEVICE "&userid=bob&seq=12345"), 0);
	emapp_parse_query("device=" LAB_DEVICE, &req);
	assert_int_equal(emapp_services_menu(&l->ctx, &env_en, &req, obj, &out), 0);
	assert_int_equal(obj->nitems, 2);
	assert_string_equal(obj->items[1].name, "Bob's Voicemail");

	emapp_parse_query("device=SEP000000000001", &req);
	assert_int_equal(emapp_services_menu(&l->ctx, &env_en, &req, obj, &out), 0);
	error_is(11, "Login is unavailable(11)");
	emapp_parse_query("", &req);
	assert_int_equal(emapp_services_menu(&l->ctx, &env_en, &req, obj, &out), 0);
	error_is(207, "Login/Logout is unavailable(207)");
}

/* A service name whose last character is cut short (a euro sign missing its last byte, then a
 * lone lead byte): the menu name ends before it, nothing past the name's end is read. */
static void test_menu_name_cut_utf8(void **state)
{
	struct lab *l = *state;
	struct features *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->nservices = 2;
	strcpy(f->services[0].name, "Mail \xE2\x82");
	strcpy(f->services[0].url, "http://127.0.7.9/mail");
	strcpy(f->services[1].name, "Caf\xC3\xA9 \xC3");
	strcpy(f->services[1].url, "http://127.0.7.9/cafe");
	assert_int_equal(store_begin(l->st), 0);
	assert_int_equal(store_features_set(l->st, STORE_OWNER_DEVICE, LAB_DEVICE, f), 0);
	assert_int_equal(store_commit(l->st), 0);
	free(f);

	emapp_parse_query("device=" LAB_DEVICE, &req);
	assert_int_equal(emapp_services_menu(&l->ctx, &env_en, &req, obj, &out), 0);
	assert_int_equal(obj->nitems, 3);
	assert_string_equal(obj->items[1].name, "Mail ");
	assert_string_equal(obj->items[2].name, "Caf\xC3\xA9 ");
}

static void test_init_services(void **state)
{
	struct px_object *o = calloc(1, sizeof(*o));
	struct buf b;

	assert_non_null(o);
	buf_init(&b);
	emapp_init_services(o);
	assert_int_equal(px_render(&b, o), 0);
	assert_string_equal(b.data, "<CiscoIPPhoneExecute><ExecuteItem Priority=\"0\" "
				    "URL=\"Init:Services\"/></CiscoIPPhoneExecute>");
	buf_free(&b);
	free(o);
}

#define T(f) cmocka_unit_test_setup_teardown(f, app_setup, app_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_query),
	    cmocka_unit_test(test_parse_query_refusals),
	    cmocka_unit_test(test_lang_charset),
	    cmocka_unit_test(test_texts),
	    cmocka_unit_test(test_latin1),
	    cmocka_unit_test(test_init_services),
	    T(test_login_form),
	    T(test_login_logout_cycle),
	    T(test_profile_menu),
	    T(test_failures),
	    T(test_services_menu),
	    T(test_menu_name_cut_utf8),
	};
	return cmocka_run_group_tests(tests, lab_group_setup, lab_group_teardown);
}
