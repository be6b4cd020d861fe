/* parse.c -- EM API <request>/<query> documents (Cisco's DTDs) parsed into struct emapi_request.
 *
 * The document comes from an unauthenticated client, so it goes through src/core/xmlsafe: the
 * bytes are checked (size, strict UTF-8, declared encoding) before libxml2 sees them, the parser
 * runs without NOENT/DTDLOAD/HUGE and with NONET, and any markup declaration in a DTD stops the
 * parse. A bare <!DOCTYPE request> passes: third-party clients send one. */
#include "emapi/emapi.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>

#include "core/xmlsafe.h"
#include "core/em_codes.h"

#define DURATION_MAX_MINUTES 1000000L /* about 694 days: anything longer is a client bug */

static void set_err(struct emapi_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(struct emapi_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	xmlsafe_utf8_trim_tail(err->text);
}

/* ---- tree walking ---- */

/* An element whose content is elements only: whitespace, comments and PIs between them are
 * fine, anything else (stray text, entity references) is a parse error. */
static int check_element_only(const xmlNode *el, struct emapi_error *err)
{
	char nm[XMLSAFE_NAME_MAX + 1];
	const xmlNode *bad = xmlsafe_stray(el);
	if (bad && (bad->type == XML_TEXT_NODE || bad->type == XML_CDATA_SECTION_NODE)) {
		set_err(err, EM_PARSE_ERROR, "Error on Parsing: unexpected text inside <%s>",
			xmlsafe_name(el->name, nm));
		return EINVAL;
	}
	if (bad) {
		set_err(err, EM_PARSE_ERROR, "Error on Parsing: unexpected content inside <%s>",
			xmlsafe_name(el->name, nm));
		return EINVAL;
	}
	return 0;
}

/* Copies the text of a text-only element, trimmed, into out. Over-long values are refused,
 * never truncated: a cut device name or password would silently act on something else. */
static int get_text(const xmlNode *el, char *out, size_t outsz, struct emapi_error *err)
{
	char nm[XMLSAFE_NAME_MAX + 1], nm2[XMLSAFE_NAME_MAX + 1];
	char *content = NULL;
	const xmlNode *bad;
	size_t len;

	/* Text and CDATA only: a comment inside a value (<userID>a<!-- x -->b</userID>) splits it
	 * into two text nodes, which join back into "ab". */
	int rc = xmlsafe_text(el, &content, &len, &bad);
	if (rc == EINVAL) {
		if (bad->type == XML_ELEMENT_NODE)
			set_err(err, EM_PARSE_ERROR,
				"Error on Parsing: <%s> must hold text, not <%s>",
				xmlsafe_name(el->name, nm), xmlsafe_name(bad->name, nm2));
		else
			set_err(err, EM_PARSE_ERROR,
				"Error on Parsing: unexpected content inside <%s>",
				xmlsafe_name(el->name, nm));
		return EINVAL;
	}
	if (rc) {
		set_err(err, EM_UNKNOWN_ERROR, "out of memory");
		return ENOMEM;
	}
	const char *s = content;
	xmlsafe_trim(&s, &len);
	if (len >= outsz) {
		set_err(err, EM_PARSE_ERROR,
			"Error on Parsing: value of <%s> is too long (%zu bytes, at most %zu)",
			xmlsafe_name(el->name, nm), len, outsz - 1);
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
	char nm[XMLSAFE_NAME_MAX + 1];
	int have_id = 0, have_secret = 0;
	int rc = check_element_only(el, err);
	if (rc)
		return rc;
	for (const xmlNode *c = el->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (xmlsafe_is_name(c, "appID")) {
			if (have_id++) {
				set_err(err, EM_PARSE_ERROR,
					"Error on Parsing: <appInfo> holds more than one <appID>");
				return EINVAL;
			}
			rc = get_text(c, req->app_id, sizeof(req->app_id), err);
		} else if (xmlsafe_is_name(c, "appCertificate") ||
			   xmlsafe_is_name(c, "appEncryptedCertificate")) {
			if (have_secret++) {
				set_err(
				    err, EM_PARSE_ERROR,
				    "Error on Parsing: <appInfo> holds more than one certificate");
				return EINVAL;
			}
			req->app_secret_encrypted = xmlsafe_is_name(c, "appEncryptedCertificate");
			rc = get_text(c, req->app_secret, sizeof(req->app_secret), err);
		} else {
			set_err(err, EM_PARSE_ERROR,
				"Error on Parsing: unexpected element <%s> in <appInfo>",
				xmlsafe_name(c->name, nm));
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
			"Error on Parsing: <appInfo> has no <appCertificate> or "
			"<appEncryptedCertificate>");
		return EINVAL;
	}
	return 0;
}

static int parse_duration(const xmlNode *el, struct emapi_request *req, struct emapi_error *err)
{
	char nm[XMLSAFE_NAME_MAX + 1], text[32];
	int n = 0, rc = check_element_only(el, err);
	if (rc)
		return rc;
	for (const xmlNode *c = el->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (n++) {
			set_err(
			    err, EM_PARSE_ERROR,
			    "Error on Parsing: <exclusiveDuration> holds more than one element");
			return EINVAL;
		}
		if (xmlsafe_is_name(c, "indefinite")) {
			rc = get_text(c, text, sizeof(text), err);
			if (rc)
				return rc;
			if (text[0]) {
				set_err(err, EM_PARSE_ERROR,
					"Error on Parsing: <indefinite> must be empty");
				return EINVAL;
			}
			req->duration_kind = EMAPI_DURATION_INDEFINITE;
		} else if (xmlsafe_is_name(c, "time")) {
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
				xmlsafe_name(c->name, nm));
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
	B_DEVICE = 1 << 0,	/* deviceName (single) */
	B_USER = 1 << 1,	/* userID (single) */
	B_PROFILE = 1 << 2,	/* deviceProfile */
	B_DURATION = 1 << 3,	/* exclusiveDuration */
	B_REMOTE_IP = 1 << 4,	/* remoteIPAddr */
	B_VIA = 1 << 5,		/* isViaHeaderSet */
	B_DEVICE_LIST = 1 << 6, /* deviceName+ */
	B_USER_LIST = 1 << 7,	/* userID+ */
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
		if (ops[i].is_query == is_query && xmlsafe_is_name(n, ops[i].name))
			return &ops[i];
	return NULL;
}

static int add_name(const xmlNode *c, struct emapi_request *req, struct emapi_error *err)
{
	char nm[XMLSAFE_NAME_MAX + 1];
	if (req->nnames >= EMAPI_MAX_NAMES) {
		set_err(err, EM_PARSE_ERROR, "Error on Parsing: more than %d <%s> entries",
			EMAPI_MAX_NAMES, xmlsafe_name(c->name, nm));
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
	char nm[XMLSAFE_NAME_MAX + 1], via[16];
	unsigned seen = 0;
	int rc = check_element_only(el, err);
	if (rc)
		return rc;
	req->kind = op->kind;
	for (const xmlNode *c = el->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		unsigned bit = 0;
		if (xmlsafe_is_name(c, "deviceName"))
			bit = (op->allowed & B_DEVICE_LIST) ? B_DEVICE_LIST : B_DEVICE;
		else if (xmlsafe_is_name(c, "userID"))
			bit = (op->allowed & B_USER_LIST) ? B_USER_LIST : B_USER;
		else if (xmlsafe_is_name(c, "deviceProfile"))
			bit = B_PROFILE;
		else if (xmlsafe_is_name(c, "exclusiveDuration"))
			bit = B_DURATION;
		else if (xmlsafe_is_name(c, "remoteIPAddr"))
			bit = B_REMOTE_IP;
		else if (xmlsafe_is_name(c, "isViaHeaderSet"))
			bit = B_VIA;
		if (!(bit & op->allowed)) {
			set_err(err, EM_PARSE_ERROR,
				"Error on Parsing: unexpected element <%s> in <%s>",
				xmlsafe_name(c->name, nm), op->name);
			return EINVAL;
		}
		if ((seen & bit) && !(bit & (B_DEVICE_LIST | B_USER_LIST))) {
			set_err(err, EM_PARSE_ERROR, "Error on Parsing: <%s> appears twice in <%s>",
				xmlsafe_name(c->name, nm), op->name);
			return EINVAL;
		}
		seen |= bit;
		switch (bit) {
		case B_DEVICE:
			rc = get_text(c, req->device_name, sizeof(req->device_name), err);
			break;
		case B_USER: rc = get_text(c, req->user_id, sizeof(req->user_id), err); break;
		case B_PROFILE:
			rc = get_text(c, req->device_profile, sizeof(req->device_profile), err);
			break;
		case B_DURATION: rc = parse_duration(c, req, err); break;
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
		default: /* B_DEVICE_LIST, B_USER_LIST */ rc = add_name(c, req, err); break;
		}
		if (rc)
			return rc;
	}
	unsigned missing = op->required & ~seen;
	if (missing) {
		const char *what = (missing & (B_DEVICE | B_DEVICE_LIST)) ? "deviceName" : "userID";
		set_err(err, EM_PARSE_ERROR, "Error on Parsing: <%s> requires <%s>", op->name,
			what);
		return EINVAL;
	}
	return 0;
}

/* The root: appInfo and exactly one operation. An unrecognised element where the operation
 * belongs is code 8 (Query type undetermined); when a known operation is there too, the extra
 * element is simply a document that does not match the DTD (code 1). */
static int parse_root(const xmlNode *root, struct emapi_request *req, struct emapi_error *err)
{
	char nm[XMLSAFE_NAME_MAX + 1];
	int is_query = xmlsafe_is_name(root, "query");
	const xmlNode *app = NULL, *opel = NULL, *unknown = NULL;
	const struct opdef *op = NULL;
	int rc = check_element_only(root, err);
	if (rc)
		return rc;
	for (const xmlNode *c = root->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (xmlsafe_is_name(c, "appInfo")) {
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
			set_err(err, EM_PARSE_ERROR,
				"Error on Parsing: <%s> holds more than one %s",
				is_query ? "query" : "request", is_query ? "query" : "operation");
			return EINVAL;
		}
		op = o;
		opel = c;
	}
	if (unknown && !op) {
		set_err(err, EM_QUERY_TYPE_UNDETERMINED, "Query type undetermined: unknown %s <%s>",
			is_query ? "query" : "request", xmlsafe_name(unknown->name, nm));
		return EINVAL;
	}
	if (unknown) {
		set_err(err, EM_PARSE_ERROR, "Error on Parsing: unexpected element <%s> in <%s>",
			xmlsafe_name(unknown->name, nm), is_query ? "query" : "request");
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
	xmlDocPtr doc = NULL;
	char reason[XMLSAFE_REASON_MAX];
	int rc;
	char nm[XMLSAFE_NAME_MAX + 1];

	memset(req, 0, sizeof(*req));
	memset(err, 0, sizeof(*err));
	rc = xmlsafe_read(xml, len, EMAPI_MAX_DOC, 0, &doc, reason, sizeof(reason));
	if (rc == ENOMEM) {
		set_err(err, EM_UNKNOWN_ERROR, "out of memory");
		return ENOMEM;
	}
	if (rc) {
		set_err(err, EM_PARSE_ERROR, "Error on Parsing: %s", reason);
		return EINVAL;
	}
	rc = EINVAL;
	xmlNodePtr root = xmlDocGetRootElement(doc);
	if (!root) {
		set_err(err, EM_PARSE_ERROR, "Error on Parsing: no root element");
		goto out;
	}
	if (!xmlsafe_is_name(root, "request") && !xmlsafe_is_name(root, "query")) {
		set_err(err, EM_PARSE_ERROR,
			"Error on Parsing: root element must be <request> or <query>, not <%s>",
			xmlsafe_name(root->name, nm));
		goto out;
	}
	rc = parse_root(root, req, err);
out:
	xmlFreeDoc(doc);
	if (rc)
		memset(req, 0, sizeof(*req)); /* no half-filled request for a careless caller */
	return rc;
}
