/* msg.c -- EMCC inter-cluster messages: parser and renderer (the replay guard is replay.c).
 *
 * The documents come from another cluster over mutual TLS, but a peer can be misconfigured,
 * outdated or compromised, so the bytes go through src/core/xmlsafe (size, strict UTF-8 and
 * declared encoding checked first; no NOENT/DTDLOAD/HUGE, NONET; errors captured per thread) with
 * XMLSAFE_NO_DOCTYPE: only emccd peers write these documents, so any DOCTYPE is refused.
 *
 * One table per operation lists its fields in document order, and both the parser and the
 * renderer walk that table: the two cannot drift apart, and whatever the renderer accepts
 * parses back to the same struct (the fuzz target checks exactly that). */
#include "emcc/msg.h"

#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>

#include "core/xmlsafe.h"
#include "core/em_codes.h"

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

/* A value we can carry: valid UTF-8, no C0 control character (XML would turn a literal CR or
 * tab into something else on the way back), no U+FFFE/U+FFFF (not XML characters), and no
 * surrounding whitespace (the parser trims it). The renderer refuses anything else, so every
 * rendered value parses back unchanged. */
static int value_ok(const char *s, size_t len)
{
	if (!xmlsafe_chars_ok(s, len, 0))
		return 0;
	return len == 0 || (s[0] != ' ' && s[len - 1] != ' ');
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
	if (!value_ok(s, strlen(s)))
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
	if (!value_ok(s, len))
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

static int nonce_ok(const char *s)
{
	size_t i = 0;
	for (; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == EMCC_NONCE_LEN;
}

/* ---- the field tables ---- */

enum ftype {
	F_TEXT,	 /* char[] */
	F_U64,	 /* uint64_t */
	F_I64,	 /* int64_t, >= 0 */
	F_INT,	 /* int, >= 0 */
	F_BOOL,	 /* int 0/1 as false/true */
	F_NONCE, /* char[EMCC_NONCE_LEN + 1], lowercase hex */
	F_MARK,	 /* an empty element that must be there (<success/>); no struct member */
};

#define F_OPT 1u      /* may be absent; rendered only when not empty */
#define F_NONEMPTY 2u /* text that must not be empty */

struct field {
	const char *name;
	enum ftype type;
	unsigned flags;
	size_t off, size;
	uint64_t max;
};

#define MEMBER(m) offsetof(struct emcc_msg, m), sizeof(((struct emcc_msg *)0)->m)
#define TEXT(n, m, fl)                                                                             \
	{                                                                                          \
		n, F_TEXT, fl, MEMBER(m), 0                                                        \
	}
#define NUM(n, t, m, mx)                                                                           \
	{                                                                                          \
		n, t, 0, MEMBER(m), (uint64_t)(mx)                                                 \
	}
#define BOOL(n, m)                                                                                 \
	{                                                                                          \
		n, F_BOOL, 0, MEMBER(m), 1                                                         \
	}
#define MARK(n)                                                                                    \
	{                                                                                          \
		n, F_MARK, 0, 0, 0, 0                                                              \
	}
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct field req_head[] = {
    TEXT("cluster", cluster, F_NONEMPTY),
    NUM("requestNumber", F_U64, request_number, UINT64_MAX),
    NUM("sent", F_I64, sent_ms, INT64_MAX),
    {"nonce", F_NONCE, 0, MEMBER(nonce), 0},
};

static const struct field resp_head[] = {
    TEXT("cluster", cluster, F_NONEMPTY),
    NUM("requestNumber", F_U64, request_number, UINT64_MAX),
};

static const struct field f_check_user_req[] = {
    TEXT("userID", user_id, 0),
};

static const struct field f_home_login_req[] = {
    TEXT("userID", user_id, 0),
    TEXT("pin", pin, 0),
    TEXT("deviceName", device_name, 0),
    TEXT("model", model, 0),
    NUM("modelEnum", F_INT, model_enum, INT_MAX),
    TEXT("protocol", protocol, 0),
    NUM("securityMode", F_INT, security_mode, INT_MAX),
    TEXT("loginType", login_type, 0),
    TEXT("deviceProfile", device_profile, F_OPT),
    TEXT("remoteIPAddr", remote_ip, F_OPT),
};

static const struct field f_logout_req[] = {
    TEXT("deviceName", device_name, 0),
    TEXT("userID", user_id, 0),
    TEXT("reason", reason, 0),
};

static const struct field f_home_login_resp[] = {
    MARK("success"),
    TEXT("deviceProfile", device_profile, 0),
    NUM("loginDuration", F_I64, login_duration, EMCC_DURATION_MAX),
    TEXT("tftpServer", tftp_server, 0),
    TEXT("callManager", call_manager, 0),
    TEXT("tvs", tvs, 0),
    TEXT("configVersion", config_version, 0),
};

static const struct field f_cluster_info_resp[] = {
    TEXT("version", cluster_version, 0),
    BOOL("emcc", emcc),
    BOOL("pstnAccess", pstn_access),
    BOOL("tftp", tftp),
};

enum shape {
	S_FIELDS,     /* <op> holding the table's fields */
	S_EMPTY,      /* <op/> */
	S_CHECK_USER, /* the guide's checkUser reply */
	S_FAILURE,    /* <failure><error code="N">text</error></failure> */
};

struct opdef {
	enum emcc_msg_kind kind;
	const char *name;
	int is_request;
	enum shape shape;
	const struct field *fields;
	size_t nfields;
};

static const struct opdef ops[] = {
    {EMCC_REQ_CHECK_USER, "checkUser", 1, S_FIELDS, f_check_user_req, COUNT(f_check_user_req)},
    {EMCC_REQ_HOME_LOGIN, "homeLogin", 1, S_FIELDS, f_home_login_req, COUNT(f_home_login_req)},
    {EMCC_REQ_HOME_LOGOUT, "homeLogout", 1, S_FIELDS, f_logout_req, COUNT(f_logout_req)},
    {EMCC_REQ_VISITING_LOGOUT, "visitingLogout", 1, S_FIELDS, f_logout_req, COUNT(f_logout_req)},
    {EMCC_REQ_CLUSTER_INFO, "clusterInfo", 1, S_EMPTY, NULL, 0},
    {EMCC_RESP_CHECK_USER, "checkUser", 0, S_CHECK_USER, NULL, 0},
    {EMCC_RESP_HOME_LOGIN, "homeLogin", 0, S_FIELDS, f_home_login_resp, COUNT(f_home_login_resp)},
    {EMCC_RESP_SUCCESS, "success", 0, S_EMPTY, NULL, 0},
    {EMCC_RESP_CLUSTER_INFO, "clusterInfo", 0, S_FIELDS, f_cluster_info_resp,
     COUNT(f_cluster_info_resp)},
    {EMCC_RESP_FAILURE, "failure", 0, S_FAILURE, NULL, 0},
};

static const struct opdef *op_by_kind(enum emcc_msg_kind kind)
{
	for (size_t i = 0; i < COUNT(ops); i++)
		if (ops[i].kind == kind)
			return &ops[i];
	return NULL;
}

static const struct opdef *op_by_name(const xmlNode *n, int is_request)
{
	for (size_t i = 0; i < COUNT(ops); i++)
		if (ops[i].is_request == is_request && xmlsafe_is_name(n, ops[i].name))
			return &ops[i];
	return NULL;
}

static char *text_at(struct emcc_msg *m, const struct field *f)
{
	return (char *)m + f->off;
}

static const char *ctext_at(const struct emcc_msg *m, const struct field *f)
{
	return (const char *)m + f->off;
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
		if (rc == EMCC_MSG_E_PARSE || (rc == 0 && !nonce_ok(text_at(m, f))))
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
		rc = is_request ? parse_fields(&c, rname, req_head, COUNT(req_head), m, err)
				: parse_fields(&c, rname, resp_head, COUNT(resp_head), m, err);
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

/* ---- rendering ---- */

static int text_ok(const char *s, size_t size, int nonempty)
{
	size_t len = strnlen(s, size);
	return len < size && value_ok(s, len) && (!nonempty || len > 0);
}

static int fields_ok(const struct emcc_msg *m, const struct field *fields, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct field *f = &fields[i];
		const char *p = ctext_at(m, f);
		switch (f->type) {
		case F_TEXT:
			if (!text_ok(p, f->size, (f->flags & F_NONEMPTY) != 0))
				return 0;
			break;
		case F_NONCE:
			if (strnlen(p, f->size) >= f->size || !nonce_ok(p))
				return 0;
			break;
		case F_I64: {
			int64_t v = *(const int64_t *)(const void *)p;
			if (v < 0 || (uint64_t)v > f->max)
				return 0;
			break;
		}
		case F_INT: {
			int v = *(const int *)(const void *)p;
			if (v < 0 || (uint64_t)v > f->max)
				return 0;
			break;
		}
		case F_BOOL: {
			int v = *(const int *)(const void *)p;
			if (v != 0 && v != 1)
				return 0;
			break;
		}
		case F_U64:
		case F_MARK: break;
		}
	}
	return 1;
}

/* Whether m renders to a document that parses back to m. */
static int renderable(const struct emcc_msg *m, const struct opdef *op)
{
	if (m->version == EMCC_MSG_VERSION) {
		if (!fields_ok(m, op->is_request ? req_head : resp_head,
			       op->is_request ? COUNT(req_head) : COUNT(resp_head)))
			return 0;
	} else if (m->version != 0 || op->is_request || m->cluster[0] || m->request_number) {
		return 0; /* version 0 is CUCM's bare reply: nothing but the body */
	}
	switch (op->shape) {
	case S_FIELDS: return fields_ok(m, op->fields, op->nfields);
	case S_EMPTY: return 1;
	case S_CHECK_USER:
		if (!text_ok(m->user_id, sizeof(m->user_id), 0))
			return 0;
		if (m->user_exists != 0 && m->user_exists != 1)
			return 0;
		if (m->nprofiles > EMCC_MAX_PROFILES || (!m->user_exists && m->nprofiles))
			return 0;
		for (size_t i = 0; i < m->nprofiles; i++)
			if (!text_ok(m->profiles[i], sizeof(m->profiles[i]), 0))
				return 0;
		return 1;
	case S_FAILURE:
		return m->error_code >= 0 && m->error_code <= EMCC_CODE_MAX &&
		       text_ok(m->error_text, sizeof(m->error_text), 0);
	}
	return 0;
}

static void put_text(struct buf *b, const char *tag, const char *text)
{
	buf_printf(b, "<%s>", tag);
	buf_xml_escape(b, text);
	buf_printf(b, "</%s>", tag);
}

static void render_fields(struct buf *b, const struct emcc_msg *m, const struct field *fields,
			  size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct field *f = &fields[i];
		const char *p = ctext_at(m, f);
		switch (f->type) {
		case F_TEXT:
		case F_NONCE:
			if (!(f->flags & F_OPT) || p[0])
				put_text(b, f->name, p);
			break;
		case F_U64:
			buf_printf(b, "<%s>%" PRIu64 "</%s>", f->name,
				   *(const uint64_t *)(const void *)p, f->name);
			break;
		case F_I64:
			buf_printf(b, "<%s>%" PRId64 "</%s>", f->name,
				   *(const int64_t *)(const void *)p, f->name);
			break;
		case F_INT:
			buf_printf(b, "<%s>%d</%s>", f->name, *(const int *)(const void *)p,
				   f->name);
			break;
		case F_BOOL:
			buf_printf(b, "<%s>%s</%s>", f->name,
				   *(const int *)(const void *)p ? "true" : "false", f->name);
			break;
		case F_MARK: buf_printf(b, "<%s/>", f->name); break;
		}
	}
}

static void render_body(struct buf *b, const struct emcc_msg *m, const struct opdef *op)
{
	switch (op->shape) {
	case S_EMPTY: buf_printf(b, "<%s/>", op->name); break;
	case S_FIELDS:
		buf_printf(b, "<%s>", op->name);
		render_fields(b, m, op->fields, op->nfields);
		buf_printf(b, "</%s>", op->name);
		break;
	case S_CHECK_USER:
		/* The guide's reply, byte for byte: the id is plain, XML-escaped only. */
		buf_puts(b, "<checkUser><user id=\"");
		buf_xml_escape(b, m->user_id);
		buf_puts(b, "\">");
		if (m->user_exists) {
			buf_printf(b, "<numProfiles>%zu</numProfiles><exists/>", m->nprofiles);
			for (size_t i = 0; i < m->nprofiles; i++) {
				buf_printf(b, "<deviceProfile%zu>", i + 1);
				buf_xml_escape(b, m->profiles[i]);
				buf_printf(b, "</deviceProfile%zu>", i + 1);
			}
		} else {
			buf_puts(b, "<doesNotExist/>");
		}
		buf_puts(b, "</user></checkUser>");
		break;
	case S_FAILURE:
		buf_printf(b, "<failure><error code=\"%d\">", m->error_code);
		buf_xml_escape(b, m->error_text);
		buf_puts(b, "</error></failure>");
		break;
	}
}

int emcc_msg_render(struct buf *b, const struct emcc_msg *m)
{
	const struct opdef *op = op_by_kind(m->kind);
	if (!op || !renderable(m, op))
		return EINVAL;
	const char *root = op->is_request ? "emccRequest" : "emccResponse";
	if (m->version == 0) {
		buf_printf(b, "<%s>", root);
	} else {
		buf_printf(b, "<%s version=\"%d\">", root, EMCC_MSG_VERSION);
		if (op->is_request)
			render_fields(b, m, req_head, COUNT(req_head));
		else
			render_fields(b, m, resp_head, COUNT(resp_head));
	}
	render_body(b, m, op);
	buf_printf(b, "</%s>", root);
	return b->oom ? ENOMEM : 0;
}

/* ---- small helpers ---- */

void emcc_msg_init(struct emcc_msg *m, enum emcc_msg_kind kind)
{
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->version = EMCC_MSG_VERSION;
}

int emcc_msg_is_request(enum emcc_msg_kind kind)
{
	const struct opdef *op = op_by_kind(kind);
	return op && op->is_request;
}

const char *emcc_msg_kind_name(enum emcc_msg_kind kind)
{
	const struct opdef *op = op_by_kind(kind);
	return op ? op->name : "none";
}

#define SAME_STR(f) (strncmp(a->f, b->f, sizeof(a->f)) == 0)

int emcc_msg_equal(const struct emcc_msg *a, const struct emcc_msg *b)
{
	if (a->kind != b->kind || a->version != b->version || !SAME_STR(cluster) ||
	    a->request_number != b->request_number || a->sent_ms != b->sent_ms ||
	    !SAME_STR(nonce) || !SAME_STR(user_id) || !SAME_STR(device_name) || !SAME_STR(pin) ||
	    !SAME_STR(model) || a->model_enum != b->model_enum || !SAME_STR(protocol) ||
	    a->security_mode != b->security_mode || !SAME_STR(login_type) || !SAME_STR(remote_ip) ||
	    !SAME_STR(device_profile) || !SAME_STR(reason) || a->user_exists != b->user_exists ||
	    a->nprofiles != b->nprofiles || a->login_duration != b->login_duration ||
	    !SAME_STR(tftp_server) || !SAME_STR(call_manager) || !SAME_STR(tvs) ||
	    !SAME_STR(config_version) || !SAME_STR(cluster_version) || a->emcc != b->emcc ||
	    a->pstn_access != b->pstn_access || a->tftp != b->tftp ||
	    a->error_code != b->error_code || !SAME_STR(error_text))
		return 0;
	for (size_t i = 0; i < a->nprofiles && i < EMCC_MAX_PROFILES; i++)
		if (strncmp(a->profiles[i], b->profiles[i], sizeof(a->profiles[i])) != 0)
			return 0;
	return 1;
}

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
