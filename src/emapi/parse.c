/* parse.c -- EM API <request>/<query> documents (Cisco's DTDs) parsed into struct emapi_request.
 *
 * The document comes from an unauthenticated client, so libxml2 is held on a short leash:
 * the bytes are checked (size, strict UTF-8, declared encoding) before libxml2 sees them; the
 * parser runs without NOENT/DTDLOAD/HUGE and with NONET; and any markup declaration in a DTD
 * (entities above all: billion laughs, SYSTEM "file:///etc/passwd") stops the parse from the
 * SAX callback, before libxml2 does any work on it. libxml2 is initialised once through
 * pthread_once, so callers need no init function; its error reports are captured per thread
 * (the structured handler is thread-local and restored afterwards), never printed. */
#include "emapi/emapi.h"

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
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "em/codes.h"

#define DURATION_MAX_MINUTES 1000000L /* about 694 days: anything longer is a client bug */
#define MSG_NAME_MAX 64               /* element names quoted in error texts are cut here */

/* Per-parse state reachable from libxml2's callbacks through ctxt->_private. */
struct pstate {
	int refused;       /* a DTD declaration stopped the parser; why is in reason */
	char reason[160];  /* refusal reason, or libxml2's first error message */
	int have_xml_error;
};

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
	xmlInitParser();
}

/* Cuts s so that it does not end inside a multi-byte UTF-8 sequence (texts go back to the
 * client inside XML, so a truncated message must stay valid UTF-8). */
static void utf8_trim_tail(char *s)
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

static void set_err(struct emapi_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(struct emapi_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	utf8_trim_tail(err->text);
}

/* A copy of an element name short enough to quote in a message, cut on a UTF-8 boundary. */
static const char *msg_name(const xmlChar *name, char out[MSG_NAME_MAX + 1])
{
	snprintf(out, MSG_NAME_MAX + 1, "%s", name ? (const char *)name : "");
	utf8_trim_tail(out);
	return out;
}

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past U+10FFFF, and no NUL
 * (XML forbids it, and a NUL would cut our C strings short). Returns the offset of the first
 * bad byte, or len when all is well. */
static size_t utf8_check(const unsigned char *s, size_t len)
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

static int is_xml_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Finds the encoding pseudo-attribute of a leading XML declaration. Returns 0 and sets
 * *enc and *enclen (NULL when absent), or -1 when the declaration is too mangled to read (libxml2
 * then reports the syntax error itself). */
static int declared_encoding(const char *xml, size_t len, const char **enc, size_t *enclen)
{
	*enc = NULL;
	*enclen = 0;
	size_t i = 0;
	if (len >= 3 && memcmp(xml, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	if (len - i < 6 || memcmp(xml + i, "<?xml", 5) != 0 || !is_xml_space(xml[i + 5]))
		return 0;
	size_t start = i + 5, end = start;
	while (end + 1 < len && !(xml[end] == '?' && xml[end + 1] == '>'))
		end++;
	if (end + 1 >= len)
		return -1;
	for (size_t p = start; p + 8 <= end; p++) {
		if (memcmp(xml + p, "encoding", 8) != 0 || !is_xml_space(xml[p - 1]))
			continue;
		size_t q = p + 8;
		while (q < end && is_xml_space(xml[q]))
			q++;
		if (q >= end || xml[q] != '=')
			return -1;
		q++;
		while (q < end && is_xml_space(xml[q]))
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

/* ---- libxml2 callbacks ---- */

static void on_xml_error(void *data, xmlErrorPtr e)
{
	struct pstate *ps = data;
	if (!ps || ps->have_xml_error || !e || e->level < XML_ERR_ERROR || !e->message)
		return;
	ps->have_xml_error = 1;
	if (e->line > 0)
		snprintf(ps->reason, sizeof(ps->reason), "line %d: %s", e->line, e->message);
	else
		snprintf(ps->reason, sizeof(ps->reason), "%s", e->message);
	utf8_trim_tail(ps->reason);
	size_t n = strlen(ps->reason);
	while (n > 0 && is_xml_space(ps->reason[n - 1]))
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

static void on_internal_subset(void *ctx, const xmlChar *name, const xmlChar *external_id,
			       const xmlChar *system_id)
{
	/* A bare <!DOCTYPE request> is harmless; one that points elsewhere is not. No DTD node is
	 * built either way: nothing downstream needs it. */
	if (external_id || system_id)
		refuse(ctx, "DOCTYPE with an external identifier is not allowed");
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

static void on_external_subset(void *ctx, const xmlChar *name, const xmlChar *external_id,
			       const xmlChar *system_id)
{
	if (external_id || system_id)
		refuse(ctx, "DOCTYPE with an external identifier is not allowed");
}

static xmlParserInputPtr on_resolve_entity(void *ctx, const xmlChar *public_id,
					   const xmlChar *system_id)
{
	refuse(ctx, "external entities are not allowed");
	return NULL;
}

/* ---- tree walking ---- */

static int is_name(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* An element whose content is elements only: whitespace, comments and PIs between them are
 * fine, anything else (stray text, entity references) is a parse error. */
static int check_element_only(const xmlNode *el, struct emapi_error *err)
{
	char nm[MSG_NAME_MAX + 1];
	for (const xmlNode *c = el->children; c; c = c->next) {
		switch (c->type) {
		case XML_ELEMENT_NODE:
		case XML_COMMENT_NODE:
		case XML_PI_NODE:
			break;
		case XML_TEXT_NODE:
		case XML_CDATA_SECTION_NODE:
			for (const xmlChar *t = c->content; t && *t; t++) {
				if (!is_xml_space((char)*t)) {
					set_err(err, EM_PARSE_ERROR,
						"Error on Parsing: unexpected text inside <%s>",
						msg_name(el->name, nm));
					return EINVAL;
				}
			}
			break;
		default:
			set_err(err, EM_PARSE_ERROR, "Error on Parsing: unexpected content inside <%s>",
				msg_name(el->name, nm));
			return EINVAL;
		}
	}
	return 0;
}

/* Copies the text of a text-only element, trimmed, into out. Over-long values are refused,
 * never truncated: a cut device name or password would silently act on something else. */
static int get_text(const xmlNode *el, char *out, size_t outsz, struct emapi_error *err)
{
	char nm[MSG_NAME_MAX + 1], nm2[MSG_NAME_MAX + 1];
	int rc = 0;
	xmlChar *content = NULL;

	for (const xmlNode *c = el->children; c; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE ||
		    c->type == XML_COMMENT_NODE || c->type == XML_PI_NODE)
			continue;
		if (c->type == XML_ELEMENT_NODE)
			set_err(err, EM_PARSE_ERROR, "Error on Parsing: <%s> must hold text, not <%s>",
				msg_name(el->name, nm), msg_name(c->name, nm2));
		else
			set_err(err, EM_PARSE_ERROR, "Error on Parsing: unexpected content inside <%s>",
				msg_name(el->name, nm));
		return EINVAL;
	}
	/* Text and CDATA only: a comment inside a value (<userID>a<!-- x -->b</userID>) splits it
	 * into two text nodes, which join back into "ab". */
	size_t total = 0;
	for (const xmlNode *c = el->children; c; c = c->next)
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
			total += strlen((const char *)c->content);
	content = malloc(total + 1);
	if (!content) {
		set_err(err, EM_UNKNOWN_ERROR, "out of memory");
		return ENOMEM;
	}
	size_t n = 0;
	for (const xmlNode *c = el->children; c; c = c->next) {
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
			size_t l = strlen((const char *)c->content);
			memcpy(content + n, c->content, l);
			n += l;
		}
	}
	content[n] = '\0';

	const char *s = (const char *)content;
	while (is_xml_space(*s))
		s++;
	size_t len = strlen(s);
	while (len > 0 && is_xml_space(s[len - 1]))
		len--;
	if (len >= outsz) {
		set_err(err, EM_PARSE_ERROR,
			"Error on Parsing: value of <%s> is too long (%zu bytes, at most %zu)",
			msg_name(el->name, nm), len, outsz - 1);
		rc = EINVAL;
		goto out;
	}
	memcpy(out, s, len);
	out[len] = '\0';
out:
	free(content);
	return rc;
}

static int parse_bool(const char *s, int *v)
{
	static const char *const yes[] = {"true", "t", "1"}, *const no[] = {"false", "f", "0"};
	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*v = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*v = 0;
			return 0;
		}
	}
	return -1;
}

static int parse_app_info(const xmlNode *el, struct emapi_request *req, struct emapi_error *err)
{
	char nm[MSG_NAME_MAX + 1];
	int have_id = 0, have_secret = 0;
	int rc = check_element_only(el, err);
	if (rc)
		return rc;
	for (const xmlNode *c = el->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is_name(c, "appID")) {
			if (have_id++) {
				set_err(err, EM_PARSE_ERROR,
					"Error on Parsing: <appInfo> holds more than one <appID>");
				return EINVAL;
			}
			rc = get_text(c, req->app_id, sizeof(req->app_id), err);
		} else if (is_name(c, "appCertificate") || is_name(c, "appEncryptedCertificate")) {
			if (have_secret++) {
				set_err(err, EM_PARSE_ERROR,
					"Error on Parsing: <appInfo> holds more than one certificate");
				return EINVAL;
			}
			req->app_secret_encrypted = is_name(c, "appEncryptedCertificate");
			rc = get_text(c, req->app_secret, sizeof(req->app_secret), err);
		} else {
			set_err(err, EM_PARSE_ERROR, "Error on Parsing: unexpected element <%s> in <appInfo>",
				msg_name(c->name, nm));
			return EINVAL;
		}
		if (rc)
			return rc;
	}
	if (!have_id) {
		set_err(err, EM_PARSE_ERROR, "Error on Parsing: <appInfo> has no <appID>");
		return EINVAL;
	}
	if (!have_secret) {
		set_err(err, EM_PARSE_ERROR,
			"Error on Parsing: <appInfo> has no <appCertificate> or <appEncryptedCertificate>");
		return EINVAL;
	}
	return 0;
}

static int parse_duration(const xmlNode *el, struct emapi_request *req, struct emapi_error *err)
{
	char nm[MSG_NAME_MAX + 1], text[32];
	int n = 0, rc = check_element_only(el, err);
	if (rc)
		return rc;
	for (const xmlNode *c = el->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (n++) {
			set_err(err, EM_PARSE_ERROR,
				"Error on Parsing: <exclusiveDuration> holds more than one element");
			return EINVAL;
		}
		if (is_name(c, "indefinite")) {
			rc = get_text(c, text, sizeof(text), err);
			if (rc)
				return rc;
			if (text[0]) {
				set_err(err, EM_PARSE_ERROR, "Error on Parsing: <indefinite> must be empty");
				return EINVAL;
			}
			req->duration_kind = EMAPI_DURATION_INDEFINITE;
		} else if (is_name(c, "time")) {
			if (get_text(c, text, sizeof(text), err) != 0)
				goto bad_time;
			long v = 0;
			const char *p = text;
			if (!*p)
				goto bad_time;
			for (; *p; p++) {
				if (*p < '0' || *p > '9')
					goto bad_time;
				v = v * 10 + (*p - '0');
				if (v > DURATION_MAX_MINUTES)
					goto bad_time;
			}
			if (v < 1)
				goto bad_time;
			req->duration_kind = EMAPI_DURATION_TIME;
			req->duration_minutes = v;
		} else {
			set_err(err, EM_PARSE_ERROR,
				"Error on Parsing: unexpected element <%s> in <exclusiveDuration>",
				msg_name(c->name, nm));
			return EINVAL;
		}
	}
	if (!n) {
		set_err(err, EM_PARSE_ERROR,
			"Error on Parsing: <exclusiveDuration> needs <time> or <indefinite>");
		return EINVAL;
	}
	return 0;
bad_time:
	set_err(err, EM_PARSE_ERROR,
		"Error on Parsing: <time> must be a whole number of minutes from 1 to %ld",
		DURATION_MAX_MINUTES);
	return EINVAL;
}

/* What an operation element may hold. The DTD's sequence order is not enforced: clients
 * differ, and the order carries no meaning. */
enum {
	B_DEVICE = 1 << 0,      /* deviceName (single) */
	B_USER = 1 << 1,        /* userID (single) */
	B_PROFILE = 1 << 2,     /* deviceProfile */
	B_DURATION = 1 << 3,    /* exclusiveDuration */
	B_REMOTE_IP = 1 << 4,   /* remoteIPAddr */
	B_VIA = 1 << 5,         /* isViaHeaderSet */
	B_DEVICE_LIST = 1 << 6, /* deviceName+ */
	B_USER_LIST = 1 << 7,   /* userID+ */
};

struct opdef {
	const char *name;
	int is_query;
	enum emapi_kind kind;
	unsigned allowed, required;
};

static const struct opdef ops[] = {
	{"login", 0, EMAPI_LOGIN, B_DEVICE | B_USER | B_PROFILE | B_DURATION | B_REMOTE_IP | B_VIA,
	 B_DEVICE | B_USER},
	{"logout", 0, EMAPI_LOGOUT, B_DEVICE | B_REMOTE_IP | B_VIA, B_DEVICE},
	{"logoutAll", 0, EMAPI_LOGOUT_ALL, B_REMOTE_IP | B_VIA, 0},
	{"deviceUserQuery", 1, EMAPI_DEVICE_USER_QUERY, B_DEVICE_LIST | B_REMOTE_IP, B_DEVICE_LIST},
	{"userDevicesQuery", 1, EMAPI_USER_DEVICES_QUERY, B_USER_LIST | B_REMOTE_IP, B_USER_LIST},
	{"checkUser", 1, EMAPI_CHECK_USER, B_USER_LIST | B_REMOTE_IP | B_VIA, B_USER_LIST},
	{"deviceProfileQuery", 1, EMAPI_DEVICE_PROFILE_QUERY, B_USER_LIST | B_REMOTE_IP | B_VIA,
	 B_USER_LIST},
	/* the name used in Cisco's own example, against its DTD */
	{"userDeviceProfileQuery", 1, EMAPI_DEVICE_PROFILE_QUERY, B_USER_LIST | B_REMOTE_IP | B_VIA,
	 B_USER_LIST},
};

static const struct opdef *find_op(const xmlNode *n, int is_query)
{
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i].is_query == is_query && is_name(n, ops[i].name))
			return &ops[i];
	return NULL;
}

static int add_name(const xmlNode *c, struct emapi_request *req, struct emapi_error *err)
{
	char nm[MSG_NAME_MAX + 1];
	if (req->nnames >= EMAPI_MAX_NAMES) {
		set_err(err, EM_PARSE_ERROR, "Error on Parsing: more than %d <%s> entries",
			EMAPI_MAX_NAMES, msg_name(c->name, nm));
		return EINVAL;
	}
	int rc = get_text(c, req->names[req->nnames], sizeof(req->names[0]), err);
	if (rc == 0)
		req->nnames++;
	return rc;
}

static int parse_op(const xmlNode *el, const struct opdef *op, struct emapi_request *req,
		    struct emapi_error *err)
{
	char nm[MSG_NAME_MAX + 1], via[16];
	unsigned seen = 0;
	int rc = check_element_only(el, err);
	if (rc)
		return rc;
	req->kind = op->kind;
	for (const xmlNode *c = el->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		unsigned bit = 0;
		if (is_name(c, "deviceName"))
			bit = (op->allowed & B_DEVICE_LIST) ? B_DEVICE_LIST : B_DEVICE;
		else if (is_name(c, "userID"))
			bit = (op->allowed & B_USER_LIST) ? B_USER_LIST : B_USER;
		else if (is_name(c, "deviceProfile"))
			bit = B_PROFILE;
		else if (is_name(c, "exclusiveDuration"))
			bit = B_DURATION;
		else if (is_name(c, "remoteIPAddr"))
			bit = B_REMOTE_IP;
		else if (is_name(c, "isViaHeaderSet"))
			bit = B_VIA;
		if (!(bit & op->allowed)) {
			set_err(err, EM_PARSE_ERROR, "Error on Parsing: unexpected element <%s> in <%s>",
				msg_name(c->name, nm), op->name);
			return EINVAL;
		}
		if ((seen & bit) && !(bit & (B_DEVICE_LIST | B_USER_LIST))) {
			set_err(err, EM_PARSE_ERROR, "Error on Parsing: <%s> appears twice in <%s>",
				msg_name(c->name, nm), op->name);
			return EINVAL;
		}
		seen |= bit;
		switch (bit) {
		case B_DEVICE:
			rc = get_text(c, req->device_name, sizeof(req->device_name), err);
			break;
		case B_USER:
			rc = get_text(c, req->user_id, sizeof(req->user_id), err);
			break;
		case B_PROFILE:
			rc = get_text(c, req->device_profile, sizeof(req->device_profile), err);
			break;
		case B_DURATION:
			rc = parse_duration(c, req, err);
			break;
		case B_REMOTE_IP:
			rc = get_text(c, req->remote_ip, sizeof(req->remote_ip), err);
			break;
		case B_VIA:
			rc = get_text(c, via, sizeof(via), err);
			if (rc == 0 && parse_bool(via, &req->via_header_set) != 0) {
				set_err(err, EM_PARSE_ERROR,
					"Error on Parsing: <isViaHeaderSet> must be true or false");
				rc = EINVAL;
			}
			break;
		default: /* B_DEVICE_LIST, B_USER_LIST */
			rc = add_name(c, req, err);
			break;
		}
		if (rc)
			return rc;
	}
	unsigned missing = op->required & ~seen;
	if (missing) {
		const char *what = (missing & (B_DEVICE | B_DEVICE_LIST)) ? "deviceName" : "userID";
		set_err(err, EM_PARSE_ERROR, "Error on Parsing: <%s> requires <%s>", op->name, what);
		return EINVAL;
	}
	return 0;
}

/* The root: appInfo and exactly one operation. An unrecognised element where the operation
 * belongs is code 8 (Query type undetermined); when a known operation is there too, the extra
 * element is simply a document that does not match the DTD (code 1). */
static int parse_root(const xmlNode *root, struct emapi_request *req, struct emapi_error *err)
{
	char nm[MSG_NAME_MAX + 1];
	int is_query = is_name(root, "query");
	const xmlNode *app = NULL, *opel = NULL, *unknown = NULL;
	const struct opdef *op = NULL;
	int rc = check_element_only(root, err);
	if (rc)
		return rc;
	for (const xmlNode *c = root->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is_name(c, "appInfo")) {
			if (app) {
				set_err(err, EM_PARSE_ERROR,
					"Error on Parsing: <appInfo> appears twice");
				return EINVAL;
			}
			app = c;
			continue;
		}
		const struct opdef *o = find_op(c, is_query);
		if (!o) {
			if (!unknown)
				unknown = c;
			continue;
		}
		if (op) {
			set_err(err, EM_PARSE_ERROR, "Error on Parsing: <%s> holds more than one %s",
				is_query ? "query" : "request", is_query ? "query" : "operation");
			return EINVAL;
		}
		op = o;
		opel = c;
	}
	if (unknown && !op) {
		set_err(err, EM_QUERY_TYPE_UNDETERMINED, "Query type undetermined: unknown %s <%s>",
			is_query ? "query" : "request", msg_name(unknown->name, nm));
		return EINVAL;
	}
	if (unknown) {
		set_err(err, EM_PARSE_ERROR, "Error on Parsing: unexpected element <%s> in <%s>",
			msg_name(unknown->name, nm), is_query ? "query" : "request");
		return EINVAL;
	}
	if (!app) {
		set_err(err, EM_PARSE_ERROR, "Error on Parsing: <appInfo> is missing");
		return EINVAL;
	}
	if (!op) {
		set_err(err, EM_PARSE_ERROR, "Error on Parsing: <%s> holds no %s",
			is_query ? "query" : "request", is_query ? "query" : "operation");
		return EINVAL;
	}
	rc = parse_app_info(app, req, err);
	if (rc)
		return rc;
	return parse_op(opel, op, req, err);
}

int emapi_parse(const char *xml, size_t len, struct emapi_request *req, struct emapi_error *err)
{
	struct pstate ps = {0};
	xmlParserCtxtPtr ctxt = NULL;
	xmlDocPtr doc = NULL;
	int rc = EINVAL;
	char nm[MSG_NAME_MAX + 1];

	memset(req, 0, sizeof(*req));
	memset(err, 0, sizeof(*err));
	if (!xml || len == 0) {
		set_err(err, EM_PARSE_ERROR, "Error on Parsing: empty document");
		return EINVAL;
	}
	if (len > EMAPI_MAX_DOC) {
		set_err(err, EM_PARSE_ERROR, "Error on Parsing: document too large (%zu bytes, at most %d)",
			len, EMAPI_MAX_DOC);
		return EINVAL;
	}
	size_t bad = utf8_check((const unsigned char *)xml, len);
	if (bad != len) {
		set_err(err, EM_PARSE_ERROR,
			"Error on Parsing: document is not valid UTF-8 (byte 0x%02X at offset %zu)",
			(unsigned char)xml[bad], bad);
		return EINVAL;
	}
	const char *enc;
	size_t enclen;
	if (declared_encoding(xml, len, &enc, &enclen) == 0 && enc &&
	    !enc_is(enc, enclen, "UTF-8") && !enc_is(enc, enclen, "UTF8") &&
	    !enc_is(enc, enclen, "US-ASCII") && !enc_is(enc, enclen, "ASCII")) {
		set_err(err, EM_PARSE_ERROR,
			"Error on Parsing: encoding \"%.*s\" is not supported (use UTF-8)",
			(int)(enclen > 40 ? 40 : enclen), enc);
		return EINVAL;
	}

	pthread_once(&xml_once, xml_init);
	/* The structured handler is per thread in libxml2; keep whatever the thread had. */
	xmlStructuredErrorFunc saved_fn = xmlStructuredError;
	void *saved_ctx = xmlStructuredErrorContext;
	xmlSetStructuredErrorFunc(&ps, on_xml_error);

	ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		set_err(err, EM_UNKNOWN_ERROR, "out of memory");
		rc = ENOMEM;
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
	 * XML_PARSE_HUGE. Whitespace between elements is skipped while walking the tree. */
	doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
					XML_PARSE_NOCDATA);
	if (ps.refused) {
		set_err(err, EM_PARSE_ERROR, "Error on Parsing: %s", ps.reason);
		goto out;
	}
	if (!doc || !ctxt->wellFormed) {
		set_err(err, EM_PARSE_ERROR, "Error on Parsing: %s",
			ps.have_xml_error ? ps.reason : "document is not well-formed XML");
		goto out;
	}
	xmlNodePtr root = xmlDocGetRootElement(doc);
	if (!root) {
		set_err(err, EM_PARSE_ERROR, "Error on Parsing: no root element");
		goto out;
	}
	if (!is_name(root, "request") && !is_name(root, "query")) {
		set_err(err, EM_PARSE_ERROR,
			"Error on Parsing: root element must be <request> or <query>, not <%s>",
			msg_name(root->name, nm));
		goto out;
	}
	rc = parse_root(root, req, err);
out:
	xmlSetStructuredErrorFunc(saved_ctx, saved_fn);
	if (doc)
		xmlFreeDoc(doc);
	if (ctxt)
		xmlFreeParserCtxt(ctxt);
	if (rc)
		memset(req, 0, sizeof(*req)); /* no half-filled request for a careless caller */
	return rc;
}
