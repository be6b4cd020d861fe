/* phonexml.c -- Cisco IP Phone XML objects: px_render writes them for phones, px_parse reads them
 * back.
 *
 * Rendering: the phone's parser is small (reference 2.2), so the output has no XML declaration,
 * no whitespace between elements and only the defined tags; every text is XML-escaped (& as
 * &amp;). An object that breaks a documented limit is refused whole (EINVAL) and nothing is
 * appended: a phone shown half an object is worse off than one shown an error.
 *
 * Parsing: the bytes come from a network peer (the simulated phone reads whatever a server
 * sends), so the bytes go through src/core/xmlsafe like the EM API parser's: size and strict
 * UTF-8 checked before libxml2 sees them, no NOENT/DTDLOAD/HUGE, NONET, and any DTD declaration
 * stops the parse. Values that do not fit their field are refused, never truncated. */
#include "emapp/phonexml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>

#include "core/xmlsafe.h"

#define PX_MAX_DOC (64 * 1024)
#define PX_MENU_NAME_CHARS 64 /* characters (code points), not bytes */

/* ---------------------------------------------------------------------------------------- */
/* shared checks */

static void set_why(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;
	if (!why || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------------------------------- */
/* rendering */

/* A field a renderer may write: NUL-terminated inside its array, valid UTF-8, and free of the
 * control characters XML 1.0 cannot carry (tab, CR and LF are fine). */
static int field_ok(const char *s, size_t cap)
{
	size_t len = strnlen(s, cap);
	if (len == cap)
		return 0;
	/* The same character rules the parser applies, so whatever we render a phone can read. */
	return xmlsafe_chars_ok(s, len, 1);
}

#define FIELD_OK(f) field_ok((f), sizeof(f))

/* InputFlags: one of A T N E U L, optionally followed by the P (password) modifier. */
static int flags_ok(const char *f)
{
	if (!f[0] || !strchr("ATNEUL", f[0]))
		return 0;
	if (!f[1])
		return 1;
	return f[1] == 'P' && !f[2];
}

/* Internal URIs (SoftKey:Exit, Init:CallHistory, ...) against HTTP URLs: only the latter have a
 * scheme followed by "//". */
static int is_http_url(const char *u)
{
	return strncasecmp(u, "http://", 7) == 0 || strncasecmp(u, "https://", 8) == 0;
}

static int softkeys_ok(const struct px_object *o)
{
	if (o->nsoftkeys > PX_MAX_SOFTKEYS)
		return 0;
	for (size_t i = 0; i < o->nsoftkeys; i++) {
		const struct px_softkey *k = &o->softkeys[i];
		if (!FIELD_OK(k->name) || !FIELD_OK(k->url) || !k->name[0])
			return 0;
		if (k->position < 0 || k->position > PX_MAX_SOFTKEYS)
			return 0;
	}
	return 1;
}

static int validate(const struct px_object *o)
{
	if (o->kind != PX_EXECUTE) {
		if (!FIELD_OK(o->title) || !FIELD_OK(o->prompt) || !softkeys_ok(o))
			return 0;
	}
	switch (o->kind) {
	case PX_INPUT:
		if (!FIELD_OK(o->url) || !o->url[0])
			return 0;
		if (o->ninputs < 1 || o->ninputs > PX_MAX_INPUTS)
			return 0;
		for (size_t i = 0; i < o->ninputs; i++) {
			const struct px_input_item *it = &o->inputs[i];
			if (!FIELD_OK(it->display_name) || !FIELD_OK(it->query_param) ||
			    !FIELD_OK(it->default_value) || !FIELD_OK(it->flags))
				return 0;
			if (!it->query_param[0] || !flags_ok(it->flags))
				return 0;
		}
		return 1;
	case PX_MENU:
		if (o->nitems > PX_MAX_MENU)
			return 0;
		for (size_t i = 0; i < o->nitems; i++) {
			const struct px_menu_item *it = &o->items[i];
			if (!FIELD_OK(it->name) || !FIELD_OK(it->url))
				return 0;
			if (xmlsafe_utf8_chars(it->name) > PX_MENU_NAME_CHARS)
				return 0;
		}
		return 1;
	case PX_TEXT: return FIELD_OK(o->text);
	case PX_EXECUTE: {
		/* At most three items: one URL plus two URIs, or three URIs; SoftKey URIs are not
		 * allowed in an Execute object (reference 2.2). */
		size_t urls = 0;
		if (o->nexecute < 1 || o->nexecute > PX_MAX_EXECUTE)
			return 0;
		for (size_t i = 0; i < o->nexecute; i++) {
			const struct px_execute_item *it = &o->execute[i];
			if (!FIELD_OK(it->url) || !it->url[0])
				return 0;
			if (it->priority < 0 || it->priority > 2)
				return 0;
			if (strncasecmp(it->url, "SoftKey:", 8) == 0)
				return 0;
			if (is_http_url(it->url))
				urls++;
		}
		return urls <= 1;
	}
	}
	return 0;
}

/* buf_xml_escape's entities (& < > "), plus character references for the whitespace an XML
 * parser would otherwise normalise away: CR everywhere (line ends become LF), tab and LF inside
 * attributes (they become spaces). Our own texts never hold them; a caller's that do come back
 * from px_parse as they were. */
static void put_escaped(struct buf *b, const char *s, int attr)
{
	const char *run = s;
	for (; *s; s++) {
		const char *ref;
		switch (*s) {
		case '&': ref = "&amp;"; break;
		case '<': ref = "&lt;"; break;
		case '>': ref = "&gt;"; break;
		case '"': ref = "&quot;"; break;
		case '\r': ref = "&#13;"; break;
		case '\t': ref = attr ? "&#9;" : NULL; break;
		case '\n': ref = attr ? "&#10;" : NULL; break;
		default: ref = NULL; break;
		}
		if (!ref)
			continue;
		buf_append(b, run, (size_t)(s - run));
		buf_puts(b, ref);
		run = s + 1;
	}
	buf_append(b, run, (size_t)(s - run));
}

static void put_elem(struct buf *b, const char *tag, const char *text)
{
	buf_printf(b, "<%s>", tag);
	put_escaped(b, text, 0);
	buf_printf(b, "</%s>", tag);
}

/* Title and Prompt are optional on every object: written only when set, so a phone falls back
 * to its own heading instead of showing an empty one. */
static void put_heading(struct buf *b, const struct px_object *o)
{
	if (o->title[0])
		put_elem(b, "Title", o->title);
	if (o->prompt[0])
		put_elem(b, "Prompt", o->prompt);
}

static void put_softkeys(struct buf *b, const struct px_object *o)
{
	for (size_t i = 0; i < o->nsoftkeys; i++) {
		const struct px_softkey *k = &o->softkeys[i];
		buf_puts(b, "<SoftKeyItem>");
		put_elem(b, "Name", k->name);
		put_elem(b, "URL", k->url);
		if (k->position > 0)
			buf_printf(b, "<Position>%d</Position>", k->position);
		buf_puts(b, "</SoftKeyItem>");
	}
}

int px_render(struct buf *b, const struct px_object *o)
{
	if (!b || !o || !validate(o))
		return EINVAL;
	switch (o->kind) {
	case PX_INPUT:
		buf_puts(b, "<CiscoIPPhoneInput>");
		put_heading(b, o);
		put_elem(b, "URL", o->url);
		for (size_t i = 0; i < o->ninputs; i++) {
			const struct px_input_item *it = &o->inputs[i];
			buf_puts(b, "<InputItem>");
			put_elem(b, "DisplayName", it->display_name);
			put_elem(b, "QueryStringParam", it->query_param);
			put_elem(b, "DefaultValue", it->default_value);
			put_elem(b, "InputFlags", it->flags);
			buf_puts(b, "</InputItem>");
		}
		put_softkeys(b, o);
		buf_puts(b, "</CiscoIPPhoneInput>");
		break;
	case PX_MENU:
		buf_puts(b, "<CiscoIPPhoneMenu>");
		put_heading(b, o);
		for (size_t i = 0; i < o->nitems; i++) {
			buf_puts(b, "<MenuItem>");
			put_elem(b, "Name", o->items[i].name);
			put_elem(b, "URL", o->items[i].url);
			buf_puts(b, "</MenuItem>");
		}
		put_softkeys(b, o);
		buf_puts(b, "</CiscoIPPhoneMenu>");
		break;
	case PX_TEXT:
		buf_puts(b, "<CiscoIPPhoneText>");
		put_heading(b, o);
		put_elem(b, "Text", o->text);
		put_softkeys(b, o);
		buf_puts(b, "</CiscoIPPhoneText>");
		break;
	case PX_EXECUTE:
		buf_puts(b, "<CiscoIPPhoneExecute>");
		for (size_t i = 0; i < o->nexecute; i++) {
			buf_printf(b, "<ExecuteItem Priority=\"%d\" URL=\"",
				   o->execute[i].priority);
			put_escaped(b, o->execute[i].url, 1);
			buf_puts(b, "\"/>");
		}
		buf_puts(b, "</CiscoIPPhoneExecute>");
		break;
	}
	return b->oom ? ENOMEM : 0;
}

/* ---------------------------------------------------------------------------------------- */
/* parsing */

/* What a tree walk carries: the error text for the caller. */
struct walk {
	char *why;
	size_t whylen;
};

/* Element names quoted in messages are cut short (and may come from a hostile peer). */
static const char *nm(const xmlNode *n)
{
	return n && n->name ? (const char *)n->name : "";
}

/* A container element holds elements only (whitespace, comments and PIs in between are fine). */
static int element_only(const xmlNode *el, struct walk *w)
{
	const xmlNode *bad = xmlsafe_stray(el);
	if (bad && (bad->type == XML_TEXT_NODE || bad->type == XML_CDATA_SECTION_NODE)) {
		set_why(w->why, w->whylen, "unexpected text inside <%.64s>", nm(el));
		return EINVAL;
	}
	if (bad) {
		set_why(w->why, w->whylen, "unexpected content inside <%.64s>", nm(el));
		return EINVAL;
	}
	return 0;
}

/* Copies a text-only element into out; trims surrounding whitespace unless verbatim (the Text
 * body and DefaultValue keep what the server meant). Too long for out -> EINVAL. */
static int get_text(const xmlNode *el, char *out, size_t outsz, int verbatim, struct walk *w)
{
	char *content;
	size_t len;
	int rc = xmlsafe_text(el, &content, &len, NULL);
	if (rc == EINVAL) {
		set_why(w->why, w->whylen, "<%.64s> must hold text only", nm(el));
		return EINVAL;
	}
	if (rc) {
		set_why(w->why, w->whylen, "out of memory");
		return ENOMEM;
	}
	const char *s = content;
	if (!verbatim)
		xmlsafe_trim(&s, &len);
	if (len >= outsz) {
		set_why(w->why, w->whylen, "value of <%.64s> is too long (%zu bytes, at most %zu)",
			nm(el), len, outsz - 1);
		rc = EINVAL;
	} else {
		memcpy(out, s, len);
		out[len] = '\0';
	}
	free(content);
	return rc;
}

/* A small non-negative integer (Position, Priority) in [lo, hi]. */
static int get_int(const char *s, int lo, int hi, int *v)
{
	long n = 0;
	if (!*s)
		return EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return EINVAL;
		n = n * 10 + (*s - '0');
		if (n > hi)
			return EINVAL;
	}
	if (n < lo)
		return EINVAL;
	*v = (int)n;
	return 0;
}

/* A child that may appear at most once: seen tracks it. */
static int once(const xmlNode *c, const xmlNode *parent, int *seen, struct walk *w)
{
	if ((*seen)++) {
		set_why(w->why, w->whylen, "<%.64s> appears twice in <%.64s>", nm(c), nm(parent));
		return EINVAL;
	}
	return 0;
}

static int parse_softkey(const xmlNode *el, struct px_object *o, struct walk *w)
{
	int rc, s_name = 0, s_url = 0, s_down = 0, s_pos = 0;
	char tmp[PX_URL_MAX];
	if (o->nsoftkeys >= PX_MAX_SOFTKEYS) {
		set_why(w->why, w->whylen, "more than %d <SoftKeyItem> entries", PX_MAX_SOFTKEYS);
		return EINVAL;
	}
	struct px_softkey *k = &o->softkeys[o->nsoftkeys];
	memset(k, 0, sizeof(*k));
	if ((rc = element_only(el, w)))
		return rc;
	for (const xmlNode *c = el->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (xmlsafe_is_name(c, "Name")) {
			if (!(rc = once(c, el, &s_name, w)))
				rc = get_text(c, k->name, sizeof(k->name), 0, w);
		} else if (xmlsafe_is_name(c, "URL")) {
			if (!(rc = once(c, el, &s_url, w)))
				rc = get_text(c, k->url, sizeof(k->url), 0, w);
		} else if (xmlsafe_is_name(c, "URLDown")) {
			/* defined (internal URIs only) but nothing here uses it */
			if (!(rc = once(c, el, &s_down, w)))
				rc = get_text(c, tmp, sizeof(tmp), 0, w);
		} else if (xmlsafe_is_name(c, "Position")) {
			if (!(rc = once(c, el, &s_pos, w)))
				rc = get_text(c, tmp, 16, 0, w);
			if (!rc && get_int(tmp, 1, PX_MAX_SOFTKEYS, &k->position)) {
				set_why(w->why, w->whylen, "<Position> must be 1 to %d",
					PX_MAX_SOFTKEYS);
				rc = EINVAL;
			}
		} else {
			set_why(w->why, w->whylen, "unexpected element <%.64s> in <SoftKeyItem>",
				nm(c));
			rc = EINVAL;
		}
		if (rc)
			return rc;
	}
	if (!k->name[0]) {
		set_why(w->why, w->whylen, "<SoftKeyItem> has no <Name>");
		return EINVAL;
	}
	o->nsoftkeys++;
	return 0;
}

static int parse_input_item(const xmlNode *el, struct px_object *o, struct walk *w)
{
	int rc, s_dn = 0, s_q = 0, s_dv = 0, s_f = 0;
	if (o->ninputs >= PX_MAX_INPUTS) {
		set_why(w->why, w->whylen, "more than %d <InputItem> entries", PX_MAX_INPUTS);
		return EINVAL;
	}
	struct px_input_item *it = &o->inputs[o->ninputs];
	memset(it, 0, sizeof(*it));
	if ((rc = element_only(el, w)))
		return rc;
	for (const xmlNode *c = el->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (xmlsafe_is_name(c, "DisplayName")) {
			if (!(rc = once(c, el, &s_dn, w)))
				rc = get_text(c, it->display_name, sizeof(it->display_name), 0, w);
		} else if (xmlsafe_is_name(c, "QueryStringParam")) {
			if (!(rc = once(c, el, &s_q, w)))
				rc = get_text(c, it->query_param, sizeof(it->query_param), 0, w);
		} else if (xmlsafe_is_name(c, "DefaultValue")) {
			if (!(rc = once(c, el, &s_dv, w)))
				rc =
				    get_text(c, it->default_value, sizeof(it->default_value), 1, w);
		} else if (xmlsafe_is_name(c, "InputFlags")) {
			if (!(rc = once(c, el, &s_f, w)))
				rc = get_text(c, it->flags, sizeof(it->flags), 0, w);
			if (!rc && it->flags[0] && !flags_ok(it->flags)) {
				set_why(w->why, w->whylen,
					"<InputFlags> \"%s\" is not a known flag", it->flags);
				rc = EINVAL;
			}
		} else {
			set_why(w->why, w->whylen, "unexpected element <%.64s> in <InputItem>",
				nm(c));
			rc = EINVAL;
		}
		if (rc)
			return rc;
	}
	if (!it->query_param[0]) {
		set_why(w->why, w->whylen, "<InputItem> has no <QueryStringParam>");
		return EINVAL;
	}
	o->ninputs++;
	return 0;
}

static int parse_menu_item(const xmlNode *el, struct px_object *o, struct walk *w)
{
	int rc, s_name = 0, s_url = 0;
	if (o->nitems >= PX_MAX_MENU) {
		set_why(w->why, w->whylen, "more than %d <MenuItem> entries", PX_MAX_MENU);
		return EINVAL;
	}
	struct px_menu_item *it = &o->items[o->nitems];
	memset(it, 0, sizeof(*it));
	if ((rc = element_only(el, w)))
		return rc;
	for (const xmlNode *c = el->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (xmlsafe_is_name(c, "Name")) {
			if (!(rc = once(c, el, &s_name, w)))
				rc = get_text(c, it->name, sizeof(it->name), 0, w);
			if (!rc && xmlsafe_utf8_chars(it->name) > PX_MENU_NAME_CHARS) {
				set_why(w->why, w->whylen,
					"<MenuItem> name longer than %d characters",
					PX_MENU_NAME_CHARS);
				rc = EINVAL;
			}
		} else if (xmlsafe_is_name(c, "URL")) {
			if (!(rc = once(c, el, &s_url, w)))
				rc = get_text(c, it->url, sizeof(it->url), 0, w);
		} else {
			set_why(w->why, w->whylen, "unexpected element <%.64s> in <MenuItem>",
				nm(c));
			rc = EINVAL;
		}
		if (rc)
			return rc;
	}
	o->nitems++;
	return 0;
}

static int parse_execute_item(const xmlNode *el, struct px_object *o, struct walk *w)
{
	char tmp[16];
	if (o->nexecute >= PX_MAX_EXECUTE) {
		set_why(w->why, w->whylen, "more than %d <ExecuteItem> entries", PX_MAX_EXECUTE);
		return EINVAL;
	}
	struct px_execute_item *it = &o->execute[o->nexecute];
	memset(it, 0, sizeof(*it));
	int rc = element_only(el, w);
	if (rc)
		return rc;
	if (el->children && xmlFirstElementChild((xmlNodePtr)el)) {
		set_why(w->why, w->whylen, "<ExecuteItem> must be empty");
		return EINVAL;
	}
	for (const xmlAttr *a = el->properties; a; a = a->next) {
		const char *an = (const char *)a->name;
		xmlChar *v = xmlNodeGetContent((const xmlNode *)a);
		const char *sv = v ? (const char *)v : "";
		size_t vl = strlen(sv);
		if (strcmp(an, "URL") == 0) {
			if (vl >= sizeof(it->url)) {
				set_why(w->why, w->whylen,
					"<ExecuteItem> URL is too long (%zu bytes)", vl);
				rc = EINVAL;
			} else {
				memcpy(it->url, sv, vl + 1);
			}
		} else if (strcmp(an, "Priority") == 0) {
			if (vl >= sizeof(tmp) || get_int(sv, 0, 2, &it->priority)) {
				set_why(w->why, w->whylen,
					"<ExecuteItem> Priority must be 0, 1 or 2");
				rc = EINVAL;
			}
		} else {
			set_why(w->why, w->whylen, "unexpected attribute %.64s on <ExecuteItem>",
				an);
			rc = EINVAL;
		}
		xmlFree(v);
		if (rc)
			return rc;
	}
	if (!it->url[0]) {
		set_why(w->why, w->whylen, "<ExecuteItem> has no URL");
		return EINVAL;
	}
	o->nexecute++;
	return 0;
}

static int parse_root(const xmlNode *root, struct px_object *o, struct walk *w)
{
	int rc, s_title = 0, s_prompt = 0, s_url = 0, s_text = 0;
	if (xmlsafe_is_name(root, "CiscoIPPhoneInput"))
		o->kind = PX_INPUT;
	else if (xmlsafe_is_name(root, "CiscoIPPhoneMenu"))
		o->kind = PX_MENU;
	else if (xmlsafe_is_name(root, "CiscoIPPhoneText"))
		o->kind = PX_TEXT;
	else if (xmlsafe_is_name(root, "CiscoIPPhoneExecute"))
		o->kind = PX_EXECUTE;
	else {
		set_why(w->why, w->whylen, "root element <%.64s> is not a Cisco IP Phone object",
			nm(root));
		return EINVAL;
	}
	if ((rc = element_only(root, w)))
		return rc;
	for (const xmlNode *c = root->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		int k = o->kind;
		if (k != PX_EXECUTE && xmlsafe_is_name(c, "Title")) {
			if (!(rc = once(c, root, &s_title, w)))
				rc = get_text(c, o->title, sizeof(o->title), 0, w);
		} else if (k != PX_EXECUTE && xmlsafe_is_name(c, "Prompt")) {
			if (!(rc = once(c, root, &s_prompt, w)))
				rc = get_text(c, o->prompt, sizeof(o->prompt), 0, w);
		} else if (k != PX_EXECUTE && xmlsafe_is_name(c, "SoftKeyItem")) {
			rc = parse_softkey(c, o, w);
		} else if (k == PX_INPUT && xmlsafe_is_name(c, "URL")) {
			if (!(rc = once(c, root, &s_url, w)))
				rc = get_text(c, o->url, sizeof(o->url), 0, w);
		} else if (k == PX_INPUT && xmlsafe_is_name(c, "InputItem")) {
			rc = parse_input_item(c, o, w);
		} else if (k == PX_MENU && xmlsafe_is_name(c, "MenuItem")) {
			rc = parse_menu_item(c, o, w);
		} else if (k == PX_TEXT && xmlsafe_is_name(c, "Text")) {
			if (!(rc = once(c, root, &s_text, w)))
				rc = get_text(c, o->text, sizeof(o->text), 1, w);
		} else if (k == PX_EXECUTE && xmlsafe_is_name(c, "ExecuteItem")) {
			rc = parse_execute_item(c, o, w);
		} else {
			set_why(w->why, w->whylen, "unexpected element <%.64s> in <%.64s>", nm(c),
				nm(root));
			rc = EINVAL;
		}
		if (rc)
			return rc;
	}
	if (o->kind == PX_INPUT && !o->url[0]) {
		set_why(w->why, w->whylen, "<CiscoIPPhoneInput> has no <URL>");
		return EINVAL;
	}
	if (o->kind == PX_EXECUTE && o->nexecute == 0) {
		set_why(w->why, w->whylen, "<CiscoIPPhoneExecute> has no <ExecuteItem>");
		return EINVAL;
	}
	return 0;
}

int px_parse(const char *xml, size_t len, struct px_object *o, char *why, size_t whylen)
{
	struct walk w = {why, whylen};
	xmlDocPtr doc = NULL;
	char reason[XMLSAFE_REASON_MAX];
	int rc;

	if (why && whylen)
		why[0] = '\0';
	if (!o)
		return EINVAL;
	memset(o, 0, sizeof(*o));
	/* No encoding check: the bytes are read as UTF-8 whatever they declare. */
	rc = xmlsafe_read(xml, len, PX_MAX_DOC, XMLSAFE_FORCE_UTF8, &doc, reason, sizeof(reason));
	if (rc) {
		set_why(why, whylen, "%s", reason);
		return rc;
	}
	rc = EINVAL;
	xmlNodePtr root = xmlDocGetRootElement(doc);
	if (!root) {
		set_why(why, whylen, "no root element");
		goto out;
	}
	rc = parse_root(root, o, &w);
out:
	xmlFreeDoc(doc);
	if (rc)
		memset(o, 0, sizeof(*o));
	return rc;
}
