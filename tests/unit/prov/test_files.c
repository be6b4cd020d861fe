/* test_files.c -- the file-kind table: every name a phone asks for lands on its kind and key,
 * every path-like or odd name is refused, only the cnf has a builder today, and the cnf's
 * version and bytes come from the store (a name nobody has writes nothing). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/limits.h"
#include "prov/cnf.h"
#include "prov/files.h"

static void kind_is(const char *name, enum prov_file_kind kind, const char *key, int builder)
{
	struct prov_file_req r;
	const char *why = NULL;

	assert_int_equal(prov_file_parse(name, strlen(name), &r), 0);
	assert_int_equal(r.kind, kind);
	assert_string_equal(r.name, name);
	assert_string_equal(r.key, key);
	assert_int_equal(prov_file_has_builder(&r, &why), builder);
	assert_non_null(why);
	assert_non_null(prov_file_kind_label(kind));
}

static void refused(const char *name, size_t len)
{
	struct prov_file_req r;
	if (prov_file_parse(name, len, &r) != EINVAL)
		fail_msg("taken: \"%.*s\"", (int)len, name);
}
#define REFUSED(s) refused((s), sizeof(s) - 1)

static void test_kinds(void **state)
{
	(void)state;
	kind_is("SEPC80084AA8743.cnf.xml", PROV_FILE_CNF, "SEPC80084AA8743", 1);
	kind_is("SEPC80084AA8743.cnf.xml.sgn", PROV_FILE_CNF_SGN, "SEPC80084AA8743", 0);
	kind_is("ITLSEPC80084AA8743.tlv", PROV_FILE_ITL, "SEPC80084AA8743", 0);
	kind_is("ITLFile.tlv", PROV_FILE_ITL, "", 0);
	kind_is("CTLSEPC80084AA8743.tlv", PROV_FILE_CTL, "SEPC80084AA8743", 0);
	kind_is("CTLFile.tlv", PROV_FILE_CTL, "", 0);
	kind_is("SKb0ec918f-b9ee-994b-57ae-345883c1fde8.xml", PROV_FILE_SOFTKEY,
		"b0ec918f-b9ee-994b-57ae-345883c1fde8", 1);
	kind_is("SKb0ec918f-b9ee-994b-57ae-345883c1fde8.xml.sgn", PROV_FILE_SOFTKEY_SGN,
		"b0ec918f-b9ee-994b-57ae-345883c1fde8", 0);
	/* uuids are lower case, as the cnf writes them */
	REFUSED("SKB0EC918F-B9EE-994B-57AE-345883C1FDE8.xml");
	kind_is("XMLDefault.cnf.xml", PROV_FILE_DEFAULT, "", 0);
	kind_is("XmlDefault.cnf.xml", PROV_FILE_DEFAULT, "", 0); /* as the reference spells it */
	kind_is("XMLDefault.cnf.xml.sgn", PROV_FILE_DEFAULT_SGN, "", 0);
	kind_is("Ringlist-wb.xml", PROV_FILE_RINGLIST, "", 0);
	kind_is("Ringlist.xml", PROV_FILE_RINGLIST, "", 0);
	kind_is("dialplan.xml", PROV_FILE_DIALPLAN, "", 0);
	kind_is("English_United_States/be-sip.jar", PROV_FILE_LOCALE,
		"English_United_States/be-sip.jar", 0);
	/* A folder before a name is a locale file: never a cnf, and not found. */
	kind_is("x/SEPC80084AA8743.cnf.xml", PROV_FILE_LOCALE, "x/SEPC80084AA8743.cnf.xml", 0);
	/* Other device names than SEP<MAC> are device names too (the store decides). */
	kind_is("BOTADGJM.cnf.xml", PROV_FILE_CNF, "BOTADGJM", 1);
	/* A softkey name with a malformed uuid is no softkey file; it is not a cnf either. */
	REFUSED("SKb0ec918f-b9ee-994b-57ae-345883c1fde.xml");
	REFUSED("SKb0ec918fb9ee994b57ae345883c1fde8xxxx.xml");
	REFUSED("SKg0ec918f-b9ee-994b-57ae-345883c1fde8.xml");
}

static void test_refusals(void **state)
{
	(void)state;
	char big[PROV_FILE_NAME_MAX + 8];

	REFUSED("");
	REFUSED("../etc/passwd");
	REFUSED("/etc/passwd");
	REFUSED("/SEPC80084AA8743.cnf.xml");
	REFUSED("x.y/SEPC80084AA8743.cnf.xml");
	REFUSED("SEP1/SEPC80084AA8743.cnf.xml");
	REFUSED("a/b/c.jar");
	REFUSED("../be-sip.jar");
	REFUSED("English_United_States/../be-sip.jar");
	REFUSED("English_United_States/");
	REFUSED("/be-sip.jar");
	REFUSED(".hidden/x.jar");
	REFUSED("SEPC80084AA8743.cnf.xml\0");
	REFUSED("SEPC80084AA8743\0.cnf.xml");
	REFUSED("%2e%2e%2fetc%2fpasswd");
	REFUSED("SEP%43.cnf.xml");
	REFUSED("..\\..\\boot.ini");
	REFUSED("SEP..1.cnf.xml");
	REFUSED(".cnf.xml");
	REFUSED("..cnf.xml");
	REFUSED("SEPC80084AA8743.CNF.XML"); /* suffixes are lower case */
	REFUSED("SEPC80084AA8743.cnf.xml.x");
	REFUSED("SEPC80084AA8743.cnf");
	REFUSED("SEP C.cnf.xml");
	REFUSED("SEP\xc3\xa9.cnf.xml");
	REFUSED("ITL.tlv");
	REFUSED("SK.xml");
	/* A device name longer than the store's is no device. */
	memset(big, 'A', sizeof(big));
	memcpy(big + LIM_ID_MAX, ".cnf.xml", 8);
	refused(big, LIM_ID_MAX + 8);
	refused(big, sizeof(big));
	assert_int_equal(prov_file_parse(NULL, 3, &(struct prov_file_req){0}), EINVAL);
}

static void test_no_builder(void **state)
{
	(void)state;
	struct prov_file_req r;
	char v[LIM_STAMP_MAX];
	struct buf b;

	assert_int_equal(prov_file_parse("CTLFile.tlv", 11, &r), 0);
	assert_int_equal(prov_file_version(NULL, &r, 0, v, sizeof(v)), ENOTSUP);
	buf_init(&b);
	assert_int_equal(prov_file_build(NULL, NULL, &r, "1", &b), ENOTSUP);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

/* The cnf row on a real store: no device, no row written; a device, a stamp and its file. */
static void test_cnf_from_store(void **state)
{
	(void)state;
	struct store *st;
	struct prov_file_req r;
	struct store_device dev = {0};
	struct prov_build_env env = {.node = "127.0.7.100"};
	char v[LIM_STAMP_MAX], v2[LIM_STAMP_MAX];
	struct buf b;

	assert_int_equal(store_open(&st, ":memory:"), 0);
	assert_int_equal(prov_file_parse("SEP000000000001.cnf.xml", 23, &r), 0);
	assert_int_equal(prov_file_version(st, &r, 1000, v, sizeof(v)), ENOENT);
	assert_int_equal(store_config_version_get(st, "SEP000000000001", v, sizeof(v), NULL),
			 ENOENT);
	strcpy(dev.name, "SEP000000000001");
	strcpy(dev.model, "7821");
	strcpy(dev.protocol, "SIP");
	dev.em_enabled = 1;
	dev.security_mode = 1;
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_device_insert(st, &dev), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(prov_file_version(st, &r, 1000, v, sizeof(v)), 0);
	assert_int_equal(prov_file_version(st, &r, 2000, v2, sizeof(v2)), 0);
	assert_string_equal(v, v2); /* made once, then read */
	buf_init(&b);
	assert_int_equal(prov_file_build(st, &env, &r, v, &b), 0);
	assert_non_null(strstr(b.data, v));
	assert_non_null(strstr(b.data, "<processNodeName>127.0.7.100</processNodeName>"));

	/* The softkey file the cnf names is served; a uuid no template has is not. */
	char uuid[PROV_UUID_MAX], name[64];
	const char *sk = strstr(b.data, "<softKeyFile>SK");
	assert_non_null(sk);
	memcpy(uuid, sk + strlen("<softKeyFile>SK"), 36);
	uuid[36] = '\0';
	snprintf(name, sizeof(name), "SK%s.xml", uuid);
	assert_int_equal(prov_file_parse(name, strlen(name), &r), 0);
	assert_int_equal(r.kind, PROV_FILE_SOFTKEY);
	assert_int_equal(prov_file_version(st, &r, 1000, v, sizeof(v)), 0);
	buf_reset(&b);
	assert_int_equal(prov_file_build(st, &env, &r, v, &b), 0);
	assert_non_null(strstr(b.data, "<softKeyCfg"));
	assert_int_equal(prov_file_parse("SK00000000-0000-5000-8000-000000000000.xml", 42, &r), 0);
	buf_reset(&b);
	assert_int_equal(prov_file_build(st, &env, &r, v, &b), ENOENT);
	buf_free(&b);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kinds),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_no_builder),
	    cmocka_unit_test(test_cnf_from_store),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
