/* msg_parse.c -- EMCC inter-cluster messages: the parser (msg.h), on the tables msg.c keeps.
 *
 * The documents come from another cluster over mutual TLS, but a peer can be misconfigured,
 * outdated or compromised, so the bytes go through src/core/xmlsafe (size, strict UTF-8 and
 * declared encoding checked first; no NOENT/DTDLOAD/HUGE, NONET; errors captured per thread) with
 * XMLSAFE_NO_DOCTYPE: only emccd peers write these documents, so any DOCTYPE is refused. */
#include "emcc/msg.h"

#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>

#include "core/em_codes.h"
#include "core/xmlsafe.h"
#include "emcc/msg_int.h"

/* ---- errors and UTF-8 ---- */

static void set_err(struct emcc_msg_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(struct emcc_msg_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	xmlsafe_utf8_trim_tail(err->text);
}

static int perr(struct emcc_msg_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Most refusals are "Error on Parsing" (EM code 1, the CUCM answer to a document it cannot
 * read); this keeps the call sites short. Returns EMCC_MSG_E_PARSE. */
static int perr(struct emcc_msg_error *err, const char *fmt, ...)
{
	static const char prefix[] = "Error on Parsing: ";
	va_list ap;
	err->code = EM_PARSE_ERROR;
	memcpy(err->text, prefix, sizeof(prefix));
	va_start(ap, fmt);
	vsnprintf(err->text + sizeof(prefix) - 1, sizeof(err->text) - (sizeof(prefix) - 1), fmt,
		  ap);
	va_end(ap);
	xmlsafe_utf8_trim_tail(err->text);
	return EMCC_MSG_E_PARSE;
}

/* The reason goes back to the peer inside <failure>: keep it something emcc_msg_render takes
 * (a quoted version attribute or a libxml2 message could carry a tab or a newline). */
static void tidy_reason(struct emcc_msg_error *err)
{
	char *s = err->text;
	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	size_t len = strlen(s), start = 0;
	while (start < len && s[start] == ' ')
		start++;
	while (len > start && s[len - 1] == ' ')
		len--;
	memmove(s, s + start, len - start);
	s[len - start] = '\0';
	if (!emcc_msg_value_ok(s, strlen(s)))
		snprintf(err->text, sizeof(err->text), "Error on Parsing: unreadable document");
}

/* ---- tree walking ---- */

static const xmlNode *next_elem(const xmlNode *n)
{
	while (n && n->type != XML_ELEMENT_NODE)
		n = n->next;
	return n;
}

static const xmlNode *first_child(const xmlNode *el)
{
	return next_elem(el->children);
}

static const xmlNode *next_sibling(const xmlNode *n)
{
	return next_elem(n->next);
}

/* An element of ours: no namespace, and no attribute outside allowed (NULL-terminated; NULL
 * for none). A prefixed <x:cluster> would otherwise pass for <cluster>. */
static int check_elem(const xmlNode *el, const char *const *allowed, struct emcc_msg_error *err)
{
	char nm[XMLSAFE_NAME_MAX + 1], an[XMLSAFE_NAME_MAX + 1];
	if (el->ns || el->nsDef)
		return perr(err, "<%s> uses an XML namespace", xmlsafe_name(el->name, nm));
	for (const xmlAttr *a = el->properties; a; a = a->next) {
		int ok = 0;
		for (size_t i = 0; allowed && allowed[i] && !ok; i++)
			ok = !a->ns && strcmp((const char *)a->name, allowed[i]) == 0;
		if (!ok)
			return perr(err, "unexpected attribute %s on <%s>",
				    xmlsafe_name(a->name, an), xmlsafe_name(el->name, nm));
	}
	return 0;
}

/* An element whose content is elements only: whitespace, comments and PIs between them are
 * fine, stray text is not. */
static int check_container(const xmlNode *el, const char *const *attrs, struct emcc_msg_error *err)
{
	char nm[XMLSAFE_NAME_MAX + 1];
	int rc = check_elem(el, attrs, err);
	if (rc)
		return rc;
	const xmlNode *bad = xmlsafe_stray(el);
	if (bad && (bad->type == XML_TEXT_NODE || bad->type == XML_CDATA_SECTION_NODE))
		return perr(err, "unexpected text inside <%s>", xmlsafe_name(el->name, nm));
	if (bad)
		return perr(err, "unexpected content inside <%s>", xmlsafe_name(el->name, nm));
	return 0;
}

/* Trims s[0..len) and copies it into out, or refuses it. Over-long values are refused, never
 * truncated: a cut device name or user ID would silently act on something else. */
static int take_value(const char *what, const xmlChar *name, const char *s, size_t len, char *out,
		      size_t outsz, struct emcc_msg_error *err)
{
	char nm[XMLSAFE_NAME_MAX + 1];
	xmlsafe_trim(&s, &len);
	if (len >= outsz)
		return perr(err, "%s <%s> is too long (%zu bytes, at most %zu)", what,
			    xmlsafe_name(name, nm), len, outsz - 1);
	if (!emcc_msg_value_ok(s, len))
		return perr(err, "%s <%s> holds a control character", what, xmlsafe_name(name, nm));
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

/* The text of a text-only element (attrs: those it may carry). Comments and PIs inside are
 * skipped, so <userID>a<!-- x -->b</userID> is "ab", as in the EM API parser. */
static int get_text(const xmlNode *el, const char *const *attrs, char *out, size_t outsz,
		    struct emcc_msg_error *err)
{
	char nm[XMLSAFE_NAME_MAX + 1], nm2[XMLSAFE_NAME_MAX + 1];
	char *content = NULL;
	int rc = check_elem(el, attrs, err);
	if (rc)
		return rc;
	size_t n;
	const xmlNode *bad;
	rc = xmlsafe_text(el, &content, &n, &bad);
	if (rc == EINVAL && bad->type == XML_ELEMENT_NODE)
		return perr(err, "<%s> must hold text, not <%s>", xmlsafe_name(el->name, nm),
			    xmlsafe_name(bad->name, nm2));
	if (rc == EINVAL)
		return perr(err, "unexpected content inside <%s>", xmlsafe_name(el->name, nm));
	if (rc) {
		set_err(err, EM_UNKNOWN_ERROR, "out of memory");
		return ENOMEM;
	}
	rc = take_value("value of", el->name, content, n, out, outsz, err);
	free(content);
	return rc;
}

/* A marker element such as <exists/>: nothing inside but whitespace, comments or PIs. */
static int get_empty(const xmlNode *el, struct emcc_msg_error *err)
{
	char nm[XMLSAFE_NAME_MAX + 1];
	int rc = check_elem(el, NULL, err);
	if (rc)
		return rc;
	for (const xmlNode *c = el->children; c; c = c->next) {
		if (c->type == XML_COMMENT_NODE || c->type == XML_PI_NODE)
			continue;
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			const xmlChar *t = c->content;
			while (t && *t && xmlsafe_is_space((char)*t))
				t++;
			if (!t || !*t)
				continue;
		}
		return perr(err, "<%s> must be empty", xmlsafe_name(el->name, nm));
	}
	return 0;
}

static int get_attr(const xmlNode *el, const char *attr, char *out, size_t outsz,
		    struct emcc_msg_error *err)
{
	char nm[XMLSAFE_NAME_MAX + 1];
	xmlChar *v = xmlGetNoNsProp(el, (const xmlChar *)attr);
	if (!v)
		return perr(err, "<%s> has no %s attribute", xmlsafe_name(el->name, nm), attr);
	char what[80];
	snprintf(what, sizeof(what), "attribute %s of", attr);
	int rc =
	    take_value(what, el->name, (const char *)v, strlen((const char *)v), out, outsz, err);
	xmlFree(v);
	return rc;
}

/* Decimal digits only (no sign, no space, at least one digit), at most max. */
static int parse_number(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		unsigned d = (unsigned)(*s - '0');
		if (x > (max - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

static const struct opdef *op_by_name(const xmlNode *n, int is_request)
{
	for (size_t i = 0; i < emcc_msg_nops; i++)
		if (emcc_msg_ops[i].is_request == is_request &&
		    xmlsafe_is_name(n, emcc_msg_ops[i].name))
			return &emcc_msg_ops[i];
	return NULL;
}

/* ---- parsing ---- */

static int parse_field(const xmlNode *el, const struct field *f, struct emcc_msg *m,
		       struct emcc_msg_error *err)
{
	char nm[XMLSAFE_NAME_MAX + 1], text[32];
	uint64_t v = 0;
	/* Attributes and namespaces first, so that the typed messages below are about values. */
	int rc = check_elem(el, NULL, err);
	if (rc)
		return rc;

	switch (f->type) {
	case F_TEXT:
		rc = get_text(el, NULL, text_at(m, f), f->size, err);
		if (rc == 0 && (f->flags & F_NONEMPTY) && !text_at(m, f)[0])
			return perr(err, "<%s> is empty", f->name);
		return rc;
	case F_NONCE:
		rc = get_text(el, NULL, text_at(m, f), f->size, err);
		if (rc == EMCC_MSG_E_PARSE || (rc == 0 && !emcc_msg_nonce_ok(text_at(m, f))))
			return perr(err, "<%s> must be %d lowercase hex characters", f->name,
				    EMCC_NONCE_LEN);
		return rc;
	case F_MARK: return get_empty(el, err);
	case F_BOOL:
		rc = get_text(el, NULL, text, sizeof(text), err);
		if (rc == ENOMEM)
			return rc;
		if (rc || (strcmp(text, "true") != 0 && strcmp(text, "false") != 0))
			return perr(err, "<%s> must be true or false", f->name);
		*(int *)(void *)text_at(m, f) = text[0] == 't';
		return 0;
	case F_U64:
	case F_I64:
	case F_INT:
		rc = get_text(el, NULL, text, sizeof(text), err);
		if (rc == ENOMEM)
			return rc;
		if (rc || parse_number(text, f->max, &v) != 0)
			return perr(err, "<%s> must be a whole number from 0 to %" PRIu64,
				    xmlsafe_name(el->name, nm), f->max);
		if (f->type == F_U64)
			*(uint64_t *)(void *)text_at(m, f) = v;
		else if (f->type == F_I64)
			*(int64_t *)(void *)text_at(m, f) = (int64_t)v;
		else
			*(int *)(void *)text_at(m, f) = (int)v;
		return 0;
	}
	return EMCC_MSG_E_PARSE;
}

/* Matches elements from *cur against the fields in order, skipping absent optional ones, and
 * leaves *cur at the first element not consumed. */
static int parse_fields(const xmlNode **cur, const char *where, const struct field *fields,
			size_t n, struct emcc_msg *m, struct emcc_msg_error *err)
{
	char nm[XMLSAFE_NAME_MAX + 1];
	const xmlNode *c = *cur;
	for (size_t i = 0; i < n; i++) {
		const struct field *f = &fields[i];
		if (!c || !xmlsafe_is_name(c, f->name)) {
			if (f->flags & F_OPT)
				continue;
			if (!c)
				return perr(err, "<%s> is missing <%s>", where, f->name);
			return perr(err, "unexpected <%s> in <%s> where <%s> belongs",
				    xmlsafe_name(c->name, nm), where, f->name);
		}
		int rc = parse_field(c, f, m, err);
		if (rc)
			return rc;
		c = next_sibling(c);
	}
	*cur = c;
	return 0;
}

/* "deviceProfile" followed by a decimal number without leading zero: returns it, else 0. */
static uint64_t profile_index(const xmlNode *n)
{
	const char *s = (const char *)n->name;
	uint64_t v = 0;
	if (n->type != XML_ELEMENT_NODE || strncmp(s, "deviceProfile", 13) != 0 || s[13] == '0')
		return 0;
	return parse_number(s + 13, UINT32_MAX, &v) == 0 ? v : 0;
}

/* <checkUser><user id="x"><numProfiles>N</numProfiles><exists/><deviceProfile1>..
 * </deviceProfile1>...</user></checkUser>, or <user id="x"><doesNotExist/></user>. */
static int parse_check_user_reply(const xmlNode *op, struct emcc_msg *m, struct emcc_msg_error *err)
{
	static const char *const user_attrs[] = {"id", NULL};
	char nm[XMLSAFE_NAME_MAX + 1], text[32];
	uint64_t declared = 0;
	int rc = check_container(op, NULL, err);
	if (rc)
		return rc;
	const xmlNode *user = first_child(op);
	if (!user || !xmlsafe_is_name(user, "user"))
		return perr(err, "<checkUser> must hold one <user>");
	if (next_sibling(user))
		return perr(err, "unexpected <%s> in <checkUser>",
			    xmlsafe_name(next_sibling(user)->name, nm));
	rc = check_container(user, user_attrs, err);
	if (rc == 0)
		rc = get_attr(user, "id", m->user_id, sizeof(m->user_id), err);
	if (rc)
		return rc;

	const xmlNode *c = first_child(user);
	if (c && xmlsafe_is_name(c, "doesNotExist")) {
		rc = get_empty(c, err);
		if (rc)
			return rc;
		if (next_sibling(c))
			return perr(err, "unexpected <%s> after <doesNotExist/>",
				    xmlsafe_name(next_sibling(c)->name, nm));
		m->user_exists = 0;
		return 0;
	}
	if (!c || !xmlsafe_is_name(c, "numProfiles"))
		return perr(err, "<user> must start with <numProfiles> or <doesNotExist/>");
	rc = get_text(c, NULL, text, sizeof(text), err);
	if (rc == ENOMEM)
		return rc;
	if (rc || parse_number(text, UINT64_MAX, &declared) != 0)
		return perr(err, "<numProfiles> must be a whole number");
	if (declared > EMCC_MAX_PROFILES)
		return perr(err, "%" PRIu64 " profiles is more than %d", declared,
			    EMCC_MAX_PROFILES);
	c = next_sibling(c);
	if (!c || !xmlsafe_is_name(c, "exists"))
		return perr(err, "<numProfiles> must be followed by <exists/>");
	rc = get_empty(c, err);
	if (rc)
		return rc;
	m->user_exists = 1;
	for (c = next_sibling(c); c; c = next_sibling(c)) {
		uint64_t idx = profile_index(c);
		if (!idx)
			return perr(err, "unexpected <%s> in <user>", xmlsafe_name(c->name, nm));
		if (idx != m->nprofiles + 1)
			return perr(err, "<%s> out of sequence (expected <deviceProfile%zu>)",
				    xmlsafe_name(c->name, nm), m->nprofiles + 1);
		if (m->nprofiles >= EMCC_MAX_PROFILES)
			return perr(err, "more than %d profiles", EMCC_MAX_PROFILES);
		rc = get_text(c, NULL, m->profiles[m->nprofiles], sizeof(m->profiles[0]), err);
		if (rc)
			return rc;
		m->nprofiles++;
	}
	if (m->nprofiles != declared)
		return perr(err, "<numProfiles> says %" PRIu64 " but %zu profiles follow", declared,
			    m->nprofiles);
	return 0;
}

static int parse_failure(const xmlNode *op, struct emcc_msg *m, struct emcc_msg_error *err)
{
	static const char *const error_attrs[] = {"code", NULL};
	char nm[XMLSAFE_NAME_MAX + 1], text[32];
	uint64_t v = 0;
	int rc = check_container(op, NULL, err);
	if (rc)
		return rc;
	const xmlNode *e = first_child(op);
	if (!e || !xmlsafe_is_name(e, "error"))
		return perr(err, "<failure> must hold one <error>");
	if (next_sibling(e))
		return perr(err, "unexpected <%s> in <failure>",
			    xmlsafe_name(next_sibling(e)->name, nm));
	rc = get_text(e, error_attrs, m->error_text, sizeof(m->error_text), err);
	if (rc)
		return rc;
	if (!xmlHasNsProp(e, (const xmlChar *)"code", NULL))
		return perr(err, "<error> has no code attribute");
	rc = get_attr(e, "code", text, sizeof(text), err);
	if (rc == ENOMEM)
		return rc;
	if (rc || parse_number(text, EMCC_CODE_MAX, &v) != 0)
		return perr(err, "error code must be a whole number from 0 to %d", EMCC_CODE_MAX);
	m->error_code = (int)v;
	return 0;
}

static int parse_op(const xmlNode *el, const struct opdef *op, struct emcc_msg *m,
		    struct emcc_msg_error *err)
{
	char nm[XMLSAFE_NAME_MAX + 1];
	const xmlNode *c;
	int rc;

	m->kind = op->kind;
	switch (op->shape) {
	case S_EMPTY: return get_empty(el, err);
	case S_CHECK_USER: return parse_check_user_reply(el, m, err);
	case S_FAILURE: return parse_failure(el, m, err);
	case S_FIELDS:
		rc = check_container(el, NULL, err);
		if (rc)
			return rc;
		c = first_child(el);
		rc = parse_fields(&c, op->name, op->fields, op->nfields, m, err);
		if (rc)
			return rc;
		if (c)
			return perr(err, "unexpected <%s> in <%s>", xmlsafe_name(c->name, nm),
				    op->name);
		return 0;
	}
	return EMCC_MSG_E_PARSE;
}

static int parse_root(const xmlNode *root, struct emcc_msg *m, struct emcc_msg_error *err)
{
	static const char *const root_attrs[] = {"version", NULL};
	char nm[XMLSAFE_NAME_MAX + 1], nm2[XMLSAFE_NAME_MAX + 1], ver[16];
	int is_request = xmlsafe_is_name(root, "emccRequest");
	const char *rname = is_request ? "emccRequest" : "emccResponse";
	int rc;

	/* The version comes first: a newer peer's document may differ in anything else, and it
	 * must get the version answer (EM code 1, as CUCM on a home/visiting mismatch). */
	xmlChar *v = xmlGetNoNsProp(root, (const xmlChar *)"version");
	if (v) {
		int ok = strcmp((const char *)v, "1") == 0;
		snprintf(ver, sizeof(ver), "%s", (const char *)v);
		xmlsafe_utf8_trim_tail(ver);
		xmlFree(v);
		if (!ok) {
			set_err(
			    err, EM_PARSE_ERROR,
			    "Error on Parsing: EMCC version \"%s\" is not supported (this cluster "
			    "speaks %d)",
			    ver, EMCC_MSG_VERSION);
			return EMCC_MSG_E_VERSION;
		}
		m->version = EMCC_MSG_VERSION;
	} else {
		int ours = is_request;
		for (const xmlNode *c = first_child(root); c && !ours; c = next_sibling(c))
			ours = xmlsafe_is_name(c, "cluster") || xmlsafe_is_name(c, "requestNumber");
		if (ours) {
			set_err(
			    err, EM_PARSE_ERROR,
			    "Error on Parsing: <%s> has no version attribute (this cluster speaks "
			    "%d)",
			    rname, EMCC_MSG_VERSION);
			return EMCC_MSG_E_VERSION;
		}
		m->version = 0; /* CUCM's bare reply, as the guide logged it */
	}

	rc = check_container(root, root_attrs, err);
	if (rc)
		return rc;
	const xmlNode *c = first_child(root);
	if (m->version) {
		size_t nhead;
		const struct field *head = emcc_msg_head(is_request, &nhead);
		rc = parse_fields(&c, rname, head, nhead, m, err);
		if (rc)
			return rc;
	}
	if (!c)
		return perr(err, "<%s> holds no %s", rname, is_request ? "operation" : "body");
	const struct opdef *op = op_by_name(c, is_request);
	const xmlNode *extra = next_sibling(c);
	if (extra && op)
		return perr(err, "unexpected <%s> after <%s> in <%s>",
			    xmlsafe_name(extra->name, nm), xmlsafe_name(c->name, nm2), rname);
	if (extra) /* an unknown operation with company is just a malformed document */
		return perr(err, "unexpected <%s> in <%s>", xmlsafe_name(c->name, nm), rname);
	if (!op) {
		set_err(err, EM_QUERY_TYPE_UNDETERMINED,
			"Query type undetermined: unknown EMCC %s <%s>",
			is_request ? "operation" : "response", xmlsafe_name(c->name, nm));
		return EMCC_MSG_E_UNKNOWN_OP;
	}
	return parse_op(c, op, m, err);
}

int emcc_msg_parse(const char *xml, size_t len, struct emcc_msg *m, struct emcc_msg_error *errp)
{
	struct emcc_msg_error err_local, *err = errp ? errp : &err_local;
	xmlDocPtr doc = NULL;
	char reason[XMLSAFE_REASON_MAX];
	int rc;
	char nm[XMLSAFE_NAME_MAX + 1];

	memset(m, 0, sizeof(*m));
	memset(err, 0, sizeof(*err));
	rc = xmlsafe_read(xml, len, EMCC_MSG_MAX_DOC, XMLSAFE_NO_DOCTYPE, &doc, reason,
			  sizeof(reason));
	if (rc == ENOMEM) {
		set_err(err, EM_UNKNOWN_ERROR, "out of memory");
		goto out;
	}
	rc = EMCC_MSG_E_PARSE;
	if (!doc) {
		perr(err, "%s", reason);
		goto out;
	}
	xmlNodePtr root = xmlDocGetRootElement(doc);
	if (!root) {
		perr(err, "no root element");
		goto out;
	}
	if (root->ns ||
	    (!xmlsafe_is_name(root, "emccRequest") && !xmlsafe_is_name(root, "emccResponse"))) {
		perr(err, "root element must be <emccRequest> or <emccResponse>, not <%s>",
		     xmlsafe_name(root->name, nm));
		goto out;
	}
	rc = parse_root(root, m, err);
out:
	if (doc)
		xmlFreeDoc(doc);
	if (rc) {
		memset(m, 0, sizeof(*m)); /* no half-filled message for a careless caller */
		tidy_reason(err);
	}
	return rc;
}

/* ---- sniffing ---- */

int emcc_msg_sniff(const char *xml, size_t len)
{
	size_t i = 0;
	if (!xml)
		return 0;
	if (len >= 3 && memcmp(xml, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	for (;;) {
		while (i < len && xmlsafe_is_space(xml[i]))
			i++;
		const char *end = NULL;
		if (len - i >= 2 && memcmp(xml + i, "<?", 2) == 0)
			end = memmem(xml + i + 2, len - i - 2, "?>", 2);
		else if (len - i >= 4 && memcmp(xml + i, "<!--", 4) == 0)
			end = memmem(xml + i + 4, len - i - 4, "-->", 3);
		else
			break;
		if (!end)
			return 0;
		i = (size_t)(end - xml) + (end[0] == '?' ? 2 : 3);
	}
	static const char *const roots[] = {"<emccRequest", "<emccResponse"};
	for (size_t r = 0; r < 2; r++) {
		size_t n = strlen(roots[r]);
		if (len - i > n && memcmp(xml + i, roots[r], n) == 0 &&
		    (xmlsafe_is_space(xml[i + n]) || xml[i + n] == '>' || xml[i + n] == '/'))
			return 1;
	}
	return 0;
}
