/* test_softkey.c -- SK<uuid>.xml: the template uuid against RFC 4122's version 5 computed
 * elsewhere (Python's uuid.uuid5), file names both ways, and the default layout's XML. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "prov/softkey.h"

/* uuid.uuid5(UUID("b83fc91e-c19b-4b5f-8466-46ea87aa271e"), name): the namespace in softkey.c */
#define UUID_STANDARD "acaaf441-f7ab-5a41-a60e-406d1a9b30c6"
#define UUID_HOT_DESK "a537ed2a-a071-5342-bbee-bed24c0f265e"
#define STAMP_STANDARD "9569372c-4cd9-53d6-824d-0fe423fcfa2b" /* "Standard User\n1" */

static void test_uuid(void **state)
{
	char u[PROV_UUID_MAX];
	char big[LIM_TEXT_MAX + 1];

	(void)state;
	assert_int_equal(prov_softkey_uuid(PROV_SOFTKEY_DEFAULT, u), 0);
	assert_string_equal(u, UUID_STANDARD);
	assert_int_equal(prov_softkey_uuid("Hot Desk", u), 0);
	assert_string_equal(u, UUID_HOT_DESK);
	/* the same name always gives the same uuid; another name another */
	assert_int_equal(prov_softkey_uuid("Hot Desk", u), 0);
	assert_string_equal(u, UUID_HOT_DESK);
	assert_int_equal(prov_softkey_uuid("hot desk", u), 0);
	assert_string_not_equal(u, UUID_HOT_DESK);
	assert_int_equal(prov_softkey_uuid("", u), EINVAL);
	assert_int_equal(prov_softkey_uuid(NULL, u), EINVAL);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(prov_softkey_uuid(big, u), EINVAL);
}

static void test_file_names(void **state)
{
	char name[64], u[PROV_UUID_MAX];
	int sgn = -1;

	(void)state;
	assert_int_equal(prov_softkey_file_name(name, sizeof(name), UUID_STANDARD, 0), 0);
	assert_string_equal(name, "SK" UUID_STANDARD ".xml");
	assert_int_equal(prov_softkey_file_name(name, sizeof(name), UUID_STANDARD, 1), 0);
	assert_string_equal(name, "SK" UUID_STANDARD ".xml.sgn");
	assert_int_equal(prov_softkey_file_name(name, 10, UUID_STANDARD, 0), ERANGE);
	assert_int_equal(prov_softkey_file_name(name, sizeof(name), "../etc", 0), EINVAL);
	assert_int_equal(
	    prov_softkey_file_name(name, sizeof(name), "ACAAF441-F7AB-5A41-A60E-406D1A9B30C6", 0),
	    EINVAL);

	static const char ok[] = "SK" UUID_HOT_DESK ".xml.sgn";
	assert_int_equal(prov_softkey_from_file_name(ok, strlen(ok), u, &sgn), 0);
	assert_string_equal(u, UUID_HOT_DESK);
	assert_int_equal(sgn, 1);
	static const char plain[] = "SK" UUID_HOT_DESK ".xml";
	assert_int_equal(prov_softkey_from_file_name(plain, strlen(plain), u, &sgn), 0);
	assert_int_equal(sgn, 0);
	assert_int_equal(prov_softkey_from_file_name(plain, strlen(plain), u, NULL), 0);

	static const char *const bad[] = {
	    "SK" UUID_HOT_DESK ".xml.sgn.sgn",
	    "SK" UUID_HOT_DESK ".XML",
	    "sk" UUID_HOT_DESK ".xml",
	    "SK" UUID_HOT_DESK,
	    "SKa537ed2a-a071-5342-bbee-bed24c0f265.xml",
	    "SKa537ed2a-a071-5342-bbee-bed24c0f265ee.xml",
	    "SKa537ed2aaa071-5342-bbee-bed24c0f265e.xml",
	    "SKA537ED2A-A071-5342-BBEE-BED24C0F265E.xml",
	    "SK../../../../etc/passwd/xxxxxxxxxxxxx.xml",
	    "SKa537ed2a-a071-5342-bbee-bed24c0f265e.xml/",
	    "/SKa537ed2a-a071-5342-bbee-bed24c0f265e.xml",
	    "SEPC80084AA8743.cnf.xml",
	    "",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (prov_softkey_from_file_name(bad[i], strlen(bad[i]), u, &sgn) == 0)
			fail_msg("accepted %s", bad[i]);
	/* a NUL inside the length */
	static const char nul[] = "SKa537ed2a-a071-5342-bbee-bed24c0f265e\0xml";
	assert_int_equal(prov_softkey_from_file_name(nul, sizeof(nul) - 1, u, &sgn), EINVAL);
}

/* The keys of the set for state, in order, joined with ','. */
static void set_keys(xmlNode *root, const char *state, char *out, size_t len)
{
	out[0] = '\0';
	for (xmlNode *n = root->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, "softKeySets"))
			continue;
		for (xmlNode *s = n->children; s; s = s->next) {
			xmlChar *id = xmlGetProp(s, (const xmlChar *)"id");
			int match = id && strcmp((const char *)id, state) == 0;
			xmlFree(id);
			if (!match)
				continue;
			for (xmlNode *k = s->children; k; k = k->next) {
				if (k->type != XML_ELEMENT_NODE)
					continue;
				xmlChar *key = xmlGetProp(k, (const xmlChar *)"keyID");
				snprintf(out + strlen(out), len - strlen(out), "%s%s",
					 out[0] ? "," : "", key ? (const char *)key : "?");
				xmlFree(key);
			}
		}
	}
}

static void test_render(void **state)
{
	struct buf b, again;
	char keys[256];

	(void)state;
	buf_init(&b);
	buf_init(&again);
	assert_int_equal(prov_softkey_render(&b, PROV_SOFTKEY_DEFAULT), 0);
	assert_non_null(strstr(b.data, "<softKeyCfg>\n<versionStamp>" STAMP_STANDARD
				       "</versionStamp>\n<typeSoftKey>\n"));
	assert_non_null(strstr(b.data, "<softKeyDef keyID=\"Redial\">\n<tag>1</tag>\n"
				       "<eventID>1</eventID>\n<helpID>301</helpID>\n"
				       "</softKeyDef>\n"));
	assert_non_null(strstr(b.data, "<softKeyDef keyID=\"&lt;&lt;\">\n<tag>8</tag>\n"));
	assert_non_null(strstr(b.data, "<softKeyDef keyID=\"iDivert\">\n<tag>80</tag>\n"
				       "<eventID>31</eventID>\n<helpID>331</helpID>\n"));
	/* the same template, the same bytes; another template, another stamp */
	assert_int_equal(prov_softkey_render(&again, PROV_SOFTKEY_DEFAULT), 0);
	assert_int_equal(again.len, b.len);
	assert_memory_equal(again.data, b.data, b.len);
	buf_reset(&again);
	assert_int_equal(prov_softkey_render(&again, "Hot Desk"), 0);
	assert_null(strstr(again.data, STAMP_STANDARD));

	/* well-formed, and every set the phone's call states need, with its keys */
	xmlDoc *doc = xmlReadMemory(b.data, (int)b.len, NULL, "UTF-8", XML_PARSE_NONET);
	assert_non_null(doc);
	xmlNode *root = xmlDocGetRootElement(doc);
	assert_string_equal((const char *)root->name, "softKeyCfg");
	set_keys(root, "On Hook", keys, sizeof(keys));
	assert_string_equal(keys, "Redial,NewCall,CFwdAll");
	set_keys(root, "Connected", keys, sizeof(keys));
	assert_string_equal(keys, "Hold,EndCall,Transfer,Confrn,Park");
	set_keys(root, "Digits After First", keys, sizeof(keys));
	assert_string_equal(keys, "<<,EndCall");
	set_keys(root, "Ring In", keys, sizeof(keys));
	assert_string_equal(keys, "Answer,iDivert");
	set_keys(root, "On Hold", keys, sizeof(keys));
	assert_string_equal(keys, "Resume,NewCall");
	set_keys(root, "Remote In Use", keys, sizeof(keys));
	assert_string_equal(keys, "");
	int nsets = 0;
	for (xmlNode *n = root->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, "softKeySets"))
			for (xmlNode *s = n->children; s; s = s->next)
				nsets += s->type == XML_ELEMENT_NODE;
	assert_int_equal(nsets, 12);
	xmlFreeDoc(doc);

	/* refusals leave the buffer as it was */
	size_t len = b.len;
	assert_int_equal(prov_softkey_render(&b, ""), EINVAL);
	assert_int_equal(prov_softkey_render(&b, NULL), EINVAL);
	assert_int_equal(b.len, len);
	buf_free(&b);
	buf_free(&again);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_uuid),
	    cmocka_unit_test(test_file_names),
	    cmocka_unit_test(test_render),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
