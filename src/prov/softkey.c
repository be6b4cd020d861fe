/* softkey.c -- SK<uuid>.xml: the template's stable uuid, its file names, the default layout. */
#include "prov/softkey.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

/* Our namespace for the name-based uuids (RFC 4122 4.3): a random uuid chosen once. Changing it
 * changes every SK file name, so it never changes. */
static const uint8_t softkey_ns[16] = {0xb8, 0x3f, 0xc9, 0x1e, 0xc1, 0x9b, 0x4b, 0x5f,
				       0x84, 0x66, 0x46, 0xea, 0x87, 0xaa, 0x27, 0x1e};

/* The default layout's revision: part of the file's versionStamp, so a phone fetches the file
 * again when the layout below changes. Bump it with every change of the tables. */
#define LAYOUT_REV "1"

#define UUID_LEN 36
#define PREFIX "SK"
#define SUFFIX ".xml"
#define SUFFIX_SGN ".sgn"

/* Version 5 uuid of text (len bytes) in softkey_ns, lower-case. */
static int uuid_v5(const char *text, size_t len, char out[PROV_UUID_MAX])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 &&
		 EVP_DigestUpdate(ctx, softkey_ns, sizeof(softkey_ns)) == 1 &&
		 EVP_DigestUpdate(ctx, text, len) == 1 &&
		 EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen >= 16;

	EVP_MD_CTX_free(ctx);
	if (!ok)
		return EIO;
	md[6] = (uint8_t)((md[6] & 0x0f) | 0x50); /* version 5 */
	md[8] = (uint8_t)((md[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, PROV_UUID_MAX,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", md[0],
		 md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8], md[9], md[10], md[11],
		 md[12], md[13], md[14], md[15]);
	return 0;
}

static int name_ok(const char *name)
{
	return name && name[0] && strnlen(name, LIM_TEXT_MAX) < LIM_TEXT_MAX;
}

int prov_softkey_uuid(const char *name, char out[PROV_UUID_MAX])
{
	if (!name_ok(name) || !out)
		return EINVAL;
	return uuid_v5(name, strlen(name), out);
}

/* 8-4-4-4-12 lower-case hex digits. */
static int uuid_ok(const char *s, size_t len)
{
	if (len != UUID_LEN)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return 0;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			return 0;
		}
	}
	return 1;
}

int prov_softkey_file_name(char *out, size_t len, const char *uuid, int is_signed)
{
	if (!out || !uuid || !uuid_ok(uuid, strnlen(uuid, UUID_LEN + 1)))
		return EINVAL;
	int n = snprintf(out, len, PREFIX "%s" SUFFIX "%s", uuid, is_signed ? SUFFIX_SGN : "");
	if (n < 0 || (size_t)n >= len) {
		if (len)
			out[0] = '\0';
		return ERANGE;
	}
	return 0;
}

int prov_softkey_from_file_name(const char *name, size_t len, char out[PROV_UUID_MAX],
				int *is_signed)
{
	const size_t plain = strlen(PREFIX) + UUID_LEN + strlen(SUFFIX);
	int sgn;

	if (!name || !out)
		return EINVAL;
	if (len == plain)
		sgn = 0;
	else if (len == plain + strlen(SUFFIX_SGN) &&
		 memcmp(name + plain, SUFFIX_SGN, strlen(SUFFIX_SGN)) == 0)
		sgn = 1;
	else
		return EINVAL;
	if (memcmp(name, PREFIX, strlen(PREFIX)) != 0 ||
	    !uuid_ok(name + strlen(PREFIX), UUID_LEN) ||
	    memcmp(name + strlen(PREFIX) + UUID_LEN, SUFFIX, strlen(SUFFIX)) != 0)
		return EINVAL;
	memcpy(out, name + strlen(PREFIX), UUID_LEN);
	out[UUID_LEN] = '\0';
	if (is_signed)
		*is_signed = sgn;
	return 0;
}

/* ---- the default layout ----
 *
 * The file's shape -- <softKeyCfg>, its <versionStamp>, <typeSoftKey> with one <softKeyDef
 * keyID=".."> per key (<tag>, <eventID>, <helpID>), <softKeySets> with one <softKeySet id="call
 * state"> per call state listing <softKey keyID=".."/> -- and each key's numbers are those of
 * usecallmanager.nz's "Soft Keys" page, which documents what Cisco phones take. Which keys each
 * call state shows is ours (no CUCM "Standard User" file is public): the keys a 7821 needs for
 * plain calls, transfer, conference and park, and an empty Remote In Use. */
static const struct {
	const char *id;
	int tag, event, help;
} keys[] = {
    {"Redial", 1, 1, 301},   {"NewCall", 2, 2, 302},  {"Hold", 3, 3, 303},
    {"Transfer", 4, 4, 304}, {"CFwdAll", 5, 5, 305},  {"<<", 8, 8, 308},
    {"EndCall", 9, 9, 309},  {"Resume", 10, 10, 310}, {"Answer", 11, 11, 311},
    {"Confrn", 13, 13, 313}, {"Park", 14, 14, 314},   {"iDivert", 80, 31, 331},
};

#define MAX_SET 6
static const struct {
	const char *state;
	const char *keys[MAX_SET]; /* NULL-ended */
} sets[] = {
    {"On Hook", {"Redial", "NewCall", "CFwdAll"}},
    {"Connected", {"Hold", "EndCall", "Transfer", "Confrn", "Park"}},
    {"On Hold", {"Resume", "NewCall"}},
    {"Ring In", {"Answer", "iDivert"}},
    {"Off Hook", {"Redial", "EndCall"}},
    {"Connected Transfer", {"EndCall", "Transfer"}},
    {"Digits After First", {"<<", "EndCall"}},
    {"Connected Conference", {"EndCall", "Confrn"}},
    {"Ring Out", {"EndCall"}},
    {"Off Hook With Feature", {"Redial", "EndCall"}},
    {"Connected No Feature", {"EndCall"}},
    {"Remote In Use", {NULL}},
};

int prov_softkey_render(struct buf *b, const char *name)
{
	char stamp[PROV_UUID_MAX], text[LIM_TEXT_MAX + 16];
	size_t start = b->len;
	int rc;

	if (!name_ok(name))
		return EINVAL;
	snprintf(text, sizeof(text), "%s\n" LAYOUT_REV, name);
	if ((rc = uuid_v5(text, strlen(text), stamp)) != 0)
		return rc;
	buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<softKeyCfg>\n");
	buf_printf(b, "<versionStamp>%s</versionStamp>\n<typeSoftKey>\n", stamp);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		buf_puts(b, "<softKeyDef keyID=\"");
		buf_xml_escape(b, keys[i].id);
		buf_printf(b,
			   "\">\n<tag>%d</tag>\n<eventID>%d</eventID>\n<helpID>%d</helpID>\n"
			   "</softKeyDef>\n",
			   keys[i].tag, keys[i].event, keys[i].help);
	}
	buf_puts(b, "</typeSoftKey>\n<softKeySets>\n");
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		buf_printf(b, "<softKeySet id=\"%s\">\n", sets[i].state);
		for (size_t k = 0; k < MAX_SET && sets[i].keys[k]; k++) {
			buf_puts(b, "<softKey keyID=\"");
			buf_xml_escape(b, sets[i].keys[k]);
			buf_puts(b, "\"/>\n");
		}
		buf_puts(b, "</softKeySet>\n");
	}
	buf_puts(b, "</softKeySets>\n</softKeyCfg>\n");
	if (b->oom) {
		if (b->data && start <= b->len) {
			b->len = start;
			b->data[start] = '\0';
		}
		return ENOMEM;
	}
	return 0;
}
