/* xmlsafe.h -- libxml2 on a short leash: byte checks, a hardened parse, and child-text helpers. */
#ifndef EMCC_CORE_XMLSAFE_H
#define EMCC_CORE_XMLSAFE_H

#include <stddef.h>

#include <libxml/tree.h>

/* Room for a reason text from xmlsafe_read: libxml2's messages are cut to this. */
#define XMLSAFE_REASON_MAX 160
/* Element names quoted in error texts are cut to this many bytes (xmlsafe_name). */
#define XMLSAFE_NAME_MAX 64

/* xmlsafe_read flags. */
#define XMLSAFE_NO_DOCTYPE 1u	    /* refuse any DOCTYPE, even a bare <!DOCTYPE x> */
#define XMLSAFE_IGNORE_NS_ERRORS 2u /* namespace errors (an undeclared xsi:) are no errors */
#define XMLSAFE_FORCE_UTF8 4u	    /* ignore the declared encoding and read the bytes as UTF-8 */

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past U+10FFFF, no NUL.
 * Returns the offset of the first bad byte, or len when all is well. */
size_t xmlsafe_utf8_check(const unsigned char *s, size_t len);

/* Cuts s so that it does not end inside a multi-byte UTF-8 sequence. */
void xmlsafe_utf8_trim_tail(char *s);

/* Code points in the NUL-terminated UTF-8 string s. */
size_t xmlsafe_utf8_chars(const char *s);

/* XML whitespace: space, tab, CR, LF. */
int xmlsafe_is_space(char c);

/* Valid UTF-8 that XML 1.0 carries unchanged: no C0 control (with allow_ws, tab, CR and LF
 * pass) and no U+FFFE/U+FFFF. Returns 1 or 0. */
int xmlsafe_chars_ok(const char *s, size_t len, int allow_ws);

/* Moves *s and shrinks *len past leading and trailing XML whitespace. */
void xmlsafe_trim(const char **s, size_t *len);

/* Finds the encoding pseudo-attribute of a leading XML declaration. Returns 0 and sets *enc
 * (NULL when absent), or -1 when the declaration is too mangled to read. */
int xmlsafe_declared_encoding(const char *xml, size_t len, const char **enc, size_t *enclen);

/* Checks made before libxml2 sees a byte: not empty, at most max_doc bytes, strict UTF-8,
 * and (unless XMLSAFE_FORCE_UTF8 is in flags) no declared encoding other than UTF-8/ASCII.
 * Returns 0, or EINVAL with the reason in reason[reasonlen]. */
int xmlsafe_precheck(const char *xml, size_t len, size_t max_doc, unsigned flags, char *reason,
		     size_t reasonlen);

/* xmlsafe_precheck, then a parse without NOENT/DTDLOAD/DTDATTR/HUGE, with NONET, where any
 * entity, notation, element or attribute declaration, an external DTD identifier (or any
 * DOCTYPE under XMLSAFE_NO_DOCTYPE) stops the parser from its SAX callback. libxml2's error
 * reports are captured for this thread only and never printed. Returns 0 with *doc (free it
 * with xmlFreeDoc), EINVAL with a reason, or ENOMEM ("out of memory"). */
int xmlsafe_read(const char *xml, size_t len, size_t max_doc, unsigned flags, xmlDocPtr *doc,
		 char *reason, size_t reasonlen);

/* 1 when n is an element called name (no namespace check). */
int xmlsafe_is_name(const xmlNode *n, const char *name);

/* The first child of an elements-only container that breaks the rule: non-whitespace text or
 * CDATA, or anything but elements, comments and PIs. NULL when el is clean. */
const xmlNode *xmlsafe_stray(const xmlNode *el);

/* Joins the text and CDATA children of a text-only element into a malloc'd string (comments
 * and PIs are skipped, so a<!-- x -->b is "ab"). Returns 0 with *out and *outlen, EINVAL with
 * *bad set to the first child that is neither text nor comment/PI, or ENOMEM. */
int xmlsafe_text(const xmlNode *el, char **out, size_t *outlen, const xmlNode **bad);

/* A copy of name cut to XMLSAFE_NAME_MAX bytes on a UTF-8 boundary, for error texts. */
const char *xmlsafe_name(const xmlChar *name, char out[XMLSAFE_NAME_MAX + 1]);

#endif
