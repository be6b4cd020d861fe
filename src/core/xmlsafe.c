/* xmlsafe.c -- the one copy of the XML hardening every parser of untrusted documents uses.
 *
 * The EM API, EMCC, cnf.xml and phone XML parsers all read bytes from a network peer, so
 * libxml2 gets them only after size, strict UTF-8 and declared encoding are checked; it parses
 * without NOENT/DTDLOAD/HUGE and with NONET; any markup declaration (entities above all: billion
 * laughs, SYSTEM "file:///etc/passwd") stops the parse from the SAX callback before libxml2 does
 * any work on it. libxml2 is initialised once through pthread_once, so callers need no init
 * function; its error reports are captured per thread (the structured handler is thread-local
 * and restored afterwards), never printed. */
#include "core/xmlsafe.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

/* ---- bytes ---- */

size_t xmlsafe_utf8_check(const unsigned char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned char c = s[i];
		if (c == 0)
			return i;
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t n;
		unsigned char lo = 0x80, hi = 0xBF;
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			if (c == 0xE0)
				lo = 0xA0; /* overlong */
			else if (c == 0xED)
				hi = 0x9F; /* surrogates */
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			if (c == 0xF0)
				lo = 0x90; /* overlong */
			else if (c == 0xF4)
				hi = 0x8F; /* > U+10FFFF */
		} else {
			return i;
		}
		if (len - i - 1 < n)
			return i;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (size_t k = 2; k <= n; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return i;
		i += n + 1;
	}
	return len;
}

void xmlsafe_utf8_trim_tail(char *s)
{
	size_t len = strlen(s), j = len;
	while (j > 0 && len - j < 3 && ((unsigned char)s[j - 1] & 0xC0) == 0x80)
		j--;
	if (j == 0)
		return;
	unsigned char lead = (unsigned char)s[j - 1];
	size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
	if (len - (j - 1) < need)
		s[j - 1] = '\0';
}

size_t xmlsafe_utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

int xmlsafe_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int xmlsafe_chars_ok(const char *s, size_t len, int allow_ws)
{
	const unsigned char *u = (const unsigned char *)s;
	if (xmlsafe_utf8_check(u, len) != len)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (u[i] < 0x20 && !(allow_ws && (u[i] == '\t' || u[i] == '\r' || u[i] == '\n')))
			return 0;
		/* U+FFFE and U+FFFF are not XML characters */
		if (u[i] == 0xEF && i + 2 < len && u[i + 1] == 0xBF &&
		    (u[i + 2] == 0xBE || u[i + 2] == 0xBF))
			return 0;
	}
	return 1;
}

void xmlsafe_trim(const char **s, size_t *len)
{
	while (*len > 0 && xmlsafe_is_space(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && xmlsafe_is_space((*s)[*len - 1]))
		(*len)--;
}

int xmlsafe_declared_encoding(const char *xml, size_t len, const char **enc, size_t *enclen)
{
	*enc = NULL;
	*enclen = 0;
	size_t i = 0;
	if (len >= 3 && memcmp(xml, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	if (len - i < 6 || memcmp(xml + i, "<?xml", 5) != 0 || !xmlsafe_is_space(xml[i + 5]))
		return 0;
	size_t start = i + 5, end = start;
	while (end + 1 < len && !(xml[end] == '?' && xml[end + 1] == '>'))
		end++;
	if (end + 1 >= len)
		return -1;
	for (size_t p = start; p + 8 <= end; p++) {
		if (memcmp(xml + p, "encoding", 8) != 0 || !xmlsafe_is_space(xml[p - 1]))
			continue;
		size_t q = p + 8;
		while (q < end && xmlsafe_is_space(xml[q]))
			q++;
		if (q >= end || xml[q] != '=')
			return -1;
		q++;
		while (q < end && xmlsafe_is_space(xml[q]))
			q++;
		if (q >= end || (xml[q] != '"' && xml[q] != '\''))
			return -1;
		char quote = xml[q++];
		size_t v = q;
		while (q < end && xml[q] != quote)
			q++;
		if (q >= end)
			return -1;
		*enc = xml + v;
		*enclen = q - v;
		return 0;
	}
	return 0;
}

static int enc_is(const char *enc, size_t len, const char *name)
{
	return strlen(name) == len && strncasecmp(enc, name, len) == 0;
}

static int say(char *reason, size_t reasonlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes the reason (cut on a UTF-8 boundary: it may end up inside XML) and returns EINVAL. */
static int say(char *reason, size_t reasonlen, const char *fmt, ...)
{
	if (reason && reasonlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(reason, reasonlen, fmt, ap);
		va_end(ap);
		xmlsafe_utf8_trim_tail(reason);
	}
	return EINVAL;
}

int xmlsafe_precheck(const char *xml, size_t len, size_t max_doc, unsigned flags, char *reason,
		     size_t reasonlen)
{
	if (!xml || len == 0)
		return say(reason, reasonlen, "empty document");
	if (len > max_doc)
		return say(reason, reasonlen, "document too large (%zu bytes, at most %zu)", len,
			   max_doc);
	size_t bad = xmlsafe_utf8_check((const unsigned char *)xml, len);
	if (bad != len)
		return say(reason, reasonlen,
			   "document is not valid UTF-8 (byte 0x%02X at offset %zu)",
			   (unsigned char)xml[bad], bad);
	if (flags & XMLSAFE_FORCE_UTF8)
		return 0;
	const char *enc;
	size_t enclen;
	if (xmlsafe_declared_encoding(xml, len, &enc, &enclen) == 0 && enc &&
	    !enc_is(enc, enclen, "UTF-8") && !enc_is(enc, enclen, "UTF8") &&
	    !enc_is(enc, enclen, "US-ASCII") && !enc_is(enc, enclen, "ASCII")) {
		/* Encoding names are ASCII letters, digits and ._- : show anything else as '?', or
		 * a cut multi-byte character or a control byte would travel back inside XML. */
		char name[41];
		size_t n = enclen > 40 ? 40 : enclen;
		for (size_t k = 0; k < n; k++)
			name[k] = enc[k] > 0x20 && enc[k] < 0x7F ? enc[k] : '?';
		name[n] = '\0';
		return say(reason, reasonlen, "encoding \"%s\" is not supported (use UTF-8)", name);
	}
	return 0;
}

/* ---- libxml2 callbacks ---- */

/* Per-parse state reachable from libxml2's callbacks through ctxt->_private and the
 * structured error context. */
struct pstate {
	unsigned flags;
	int refused;			 /* a DTD construct stopped the parser; why is in reason */
	int have_xml_error;		 /* reason holds libxml2's first error message */
	char reason[XMLSAFE_REASON_MAX]; /* refusal reason, or libxml2's first error message */
};

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
	xmlInitParser();
}

static void on_xml_error(void *data, xmlErrorPtr e)
{
	struct pstate *ps = data;
	if (!ps || ps->have_xml_error || !e || e->level < XML_ERR_ERROR || !e->message)
		return;
	/* CUCM writes xsi:type without declaring xsi: a namespace error that is no error there. */
	if ((ps->flags & XMLSAFE_IGNORE_NS_ERRORS) && e->domain == XML_FROM_NAMESPACE)
		return;
	ps->have_xml_error = 1;
	if (e->line > 0)
		snprintf(ps->reason, sizeof(ps->reason), "line %d: %s", e->line, e->message);
	else
		snprintf(ps->reason, sizeof(ps->reason), "%s", e->message);
	xmlsafe_utf8_trim_tail(ps->reason);
	/* libxml2 quotes document text in some messages ("CData section not finished\n..."): the
	 * reason goes back inside XML, so no control character may survive. */
	for (char *p = ps->reason; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	size_t n = strlen(ps->reason);
	while (n > 0 && xmlsafe_is_space(ps->reason[n - 1]))
		ps->reason[--n] = '\0';
}

static void refuse(void *ctx, const char *why)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct pstate *ps = ctxt->_private;
	if (!ps->refused) {
		ps->refused = 1;
		snprintf(ps->reason, sizeof(ps->reason), "%s", why);
	}
	xmlStopParser(ctxt);
}

/* A bare <!DOCTYPE request> is harmless (third-party EM API clients send one); one that points
 * elsewhere is not. No DTD node is built either way: nothing downstream needs it. */
static void on_subset(void *ctx, const xmlChar *external_id, const xmlChar *system_id)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct pstate *ps = ctxt->_private;
	if (ps->flags & XMLSAFE_NO_DOCTYPE)
		refuse(ctx, "DOCTYPE is not allowed");
	else if (external_id || system_id)
		refuse(ctx, "DOCTYPE with an external identifier is not allowed");
}

static void on_internal_subset(void *ctx, const xmlChar *name, const xmlChar *external_id,
			       const xmlChar *system_id)
{
	on_subset(ctx, external_id, system_id);
}

static void on_external_subset(void *ctx, const xmlChar *name, const xmlChar *external_id,
			       const xmlChar *system_id)
{
	on_subset(ctx, external_id, system_id);
}

static void on_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
			   const xmlChar *system_id, xmlChar *content)
{
	refuse(ctx, "entity declarations are not allowed");
}

static void on_unparsed_entity_decl(void *ctx, const xmlChar *name, const xmlChar *public_id,
				    const xmlChar *system_id, const xmlChar *notation)
{
	refuse(ctx, "entity declarations are not allowed");
}

static void on_notation_decl(void *ctx, const xmlChar *name, const xmlChar *public_id,
			     const xmlChar *system_id)
{
	refuse(ctx, "DTD declarations are not allowed");
}

static void on_attribute_decl(void *ctx, const xmlChar *elem, const xmlChar *fullname, int type,
			      int def, const xmlChar *default_value, xmlEnumerationPtr tree)
{
	xmlFreeEnumeration(tree); /* the SAX contract hands ownership to the callback */
	refuse(ctx, "DTD declarations are not allowed");
}

static void on_element_decl(void *ctx, const xmlChar *name, int type, xmlElementContentPtr content)
{
	refuse(ctx, "DTD declarations are not allowed");
}

static xmlParserInputPtr on_resolve_entity(void *ctx, const xmlChar *public_id,
					   const xmlChar *system_id)
{
	refuse(ctx, "external entities are not allowed");
	return NULL;
}

int xmlsafe_read(const char *xml, size_t len, size_t max_doc, unsigned flags, xmlDocPtr *docp,
		 char *reason, size_t reasonlen)
{
	struct pstate ps = {.flags = flags};
	xmlParserCtxtPtr ctxt = NULL;
	xmlDocPtr doc = NULL;
	int rc;

	*docp = NULL;
	if (reason && reasonlen)
		reason[0] = '\0';
	if (max_doc > INT_MAX)
		max_doc = INT_MAX; /* xmlCtxtReadMemory takes an int length */
	rc = xmlsafe_precheck(xml, len, max_doc, flags, reason, reasonlen);
	if (rc)
		return rc;

	pthread_once(&xml_once, xml_init);
	/* The structured handler is per thread in libxml2; keep whatever the thread had. */
	xmlStructuredErrorFunc saved_fn = xmlStructuredError;
	void *saved_ctx = xmlStructuredErrorContext;
	xmlSetStructuredErrorFunc(&ps, on_xml_error);

	ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		rc = ENOMEM;
		say(reason, reasonlen, "out of memory");
		goto out;
	}
	ctxt->_private = &ps;
	ctxt->sax->internalSubset = on_internal_subset;
	ctxt->sax->externalSubset = on_external_subset;
	ctxt->sax->entityDecl = on_entity_decl;
	ctxt->sax->unparsedEntityDecl = on_unparsed_entity_decl;
	ctxt->sax->notationDecl = on_notation_decl;
	ctxt->sax->attributeDecl = on_attribute_decl;
	ctxt->sax->elementDecl = on_element_decl;
	ctxt->sax->resolveEntity = on_resolve_entity;

	/* Deliberately absent: XML_PARSE_NOENT, XML_PARSE_DTDLOAD, XML_PARSE_DTDATTR,
	 * XML_PARSE_HUGE. With XMLSAFE_FORCE_UTF8 the bytes (checked as UTF-8 above) are read as
	 * UTF-8 whatever they declare, so encoding="ISO-8859-1" cannot re-decode them. */
	doc = xmlCtxtReadMemory(
	    ctxt, xml, (int)len, NULL, (flags & XMLSAFE_FORCE_UTF8) ? "UTF-8" : NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (ps.refused) {
		rc = say(reason, reasonlen, "%s", ps.reason);
		goto out;
	}
	if (!doc || !ctxt->wellFormed) {
		rc = say(reason, reasonlen, "%s",
			 ps.have_xml_error ? ps.reason : "document is not well-formed XML");
		goto out;
	}
	*docp = doc;
	doc = NULL;
out:
	xmlSetStructuredErrorFunc(saved_ctx, saved_fn);
	if (doc)
		xmlFreeDoc(doc);
	if (ctxt)
		xmlFreeParserCtxt(ctxt);
	return rc;
}

/* ---- tree walking ---- */

int xmlsafe_is_name(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

const xmlNode *xmlsafe_stray(const xmlNode *el)
{
	for (const xmlNode *c = el->children; c; c = c->next) {
		switch (c->type) {
		case XML_ELEMENT_NODE:
		case XML_COMMENT_NODE:
		case XML_PI_NODE: break;
		case XML_TEXT_NODE:
		case XML_CDATA_SECTION_NODE:
			for (const xmlChar *t = c->content; t && *t; t++)
				if (!xmlsafe_is_space((char)*t))
					return c;
			break;
		default: return c;
		}
	}
	return NULL;
}

int xmlsafe_text(const xmlNode *el, char **out, size_t *outlen, const xmlNode **bad)
{
	size_t total = 0;
	*out = NULL;
	*outlen = 0;
	if (bad)
		*bad = NULL;
	for (const xmlNode *c = el->children; c; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			total += c->content ? strlen((const char *)c->content) : 0;
			continue;
		}
		if (c->type == XML_COMMENT_NODE || c->type == XML_PI_NODE)
			continue;
		if (bad)
			*bad = c;
		return EINVAL;
	}
	char *s = malloc(total + 1);
	if (!s)
		return ENOMEM;
	size_t n = 0;
	for (const xmlNode *c = el->children; c; c = c->next) {
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
			size_t l = strlen((const char *)c->content);
			memcpy(s + n, c->content, l);
			n += l;
		}
	}
	s[n] = '\0';
	*out = s;
	*outlen = n;
	return 0;
}

const char *xmlsafe_name(const xmlChar *name, char out[XMLSAFE_NAME_MAX + 1])
{
	snprintf(out, XMLSAFE_NAME_MAX + 1, "%s", name ? (const char *)name : "");
	xmlsafe_utf8_trim_tail(out);
	return out;
}
