/* fuzz_xmlsafe.c -- libFuzzer target: bytes into the shared XML hardening; what xmlsafe_read
 * accepts is valid UTF-8 with no DTD left in the tree, and the UTF-8 and text helpers keep their
 * promises. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmlsafe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every element of an accepted tree: no entity or DTD node anywhere, and the joined text of a
 * text-only element is as long as it says and valid UTF-8. */
static void walk(const xmlNode *n, int depth)
{
	for (; n; n = n->next) {
		if (n->type == XML_ENTITY_REF_NODE || n->type == XML_ENTITY_NODE ||
		    n->type == XML_ENTITY_DECL || n->type == XML_DTD_NODE ||
		    n->type == XML_ELEMENT_DECL || n->type == XML_ATTRIBUTE_DECL)
			abort();
		if (n->type != XML_ELEMENT_NODE)
			continue;
		char *s;
		size_t len;
		const xmlNode *bad = NULL;
		int rc = xmlsafe_text(n, &s, &len, &bad);
		if (rc == 0) {
			if (strlen(s) != len ||
			    xmlsafe_utf8_check((const unsigned char *)s, len) != len)
				abort();
			const char *t = s;
			size_t tl = len;
			xmlsafe_trim(&t, &tl);
			if (t < s || t + tl > s + len)
				abort();
			free(s);
		} else if (rc != EINVAL || !bad || bad->parent != n) {
			abort();
		}
		const xmlNode *stray = xmlsafe_stray(n);
		if (stray && stray->parent != n)
			abort();
		char nm[XMLSAFE_NAME_MAX + 1];
		xmlsafe_name(n->name, nm);
		if (strlen(nm) > XMLSAFE_NAME_MAX ||
		    xmlsafe_utf8_check((const unsigned char *)nm, strlen(nm)) != strlen(nm))
			abort();
		if (depth < 256)
			walk(n->children, depth + 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned flags = data[0] & 7u;
	const char *xml = (const char *)data + 1;
	size_t len = size - 1;
	char why[XMLSAFE_REASON_MAX];

	size_t ok = xmlsafe_utf8_check((const unsigned char *)xml, len);
	if (ok > len)
		abort();
	/* Any prefix of valid UTF-8, trimmed at the tail, is valid UTF-8 again. */
	if (ok > 0) {
		char *cut = malloc(ok + 1);
		if (!cut)
			return 0;
		size_t k = data[0] % ok + 1;
		memcpy(cut, xml, k);
		cut[k] = '\0';
		xmlsafe_utf8_trim_tail(cut);
		if (xmlsafe_utf8_check((const unsigned char *)cut, strlen(cut)) != strlen(cut))
			abort();
		if (xmlsafe_utf8_chars(cut) > strlen(cut))
			abort();
		free(cut);
	}
	if (xmlsafe_chars_ok(xml, len, flags & 1) && ok != len)
		abort();

	const char *enc;
	size_t enclen;
	if (xmlsafe_declared_encoding(xml, len, &enc, &enclen) == 0 && enc &&
	    (enc < xml || enc + enclen > xml + len))
		abort();

	xmlDocPtr doc = (xmlDocPtr)1;
	int rc = xmlsafe_read(xml, len, 64 * 1024, flags, &doc, why, sizeof(why));
	/* The reason goes back to a peer inside XML: valid UTF-8 without control characters. */
	if (strnlen(why, sizeof(why)) == sizeof(why) || !xmlsafe_chars_ok(why, strlen(why), 0))
		abort();
	if (rc != 0) {
		if (doc != NULL || (rc != EINVAL && rc != ENOMEM) || why[0] == '\0')
			abort();
		return 0;
	}
	if (!doc || ok != len || doc->intSubset || doc->extSubset)
		abort();
	walk(doc->children, 0);
	xmlFreeDoc(doc);
	return 0;
}
