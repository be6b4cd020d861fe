/* sipmsg.c -- Contact parameters, device names, Expires, the service-control body, alarm lines. */
#include "sip/sipmsg.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "core/xmlsafe.h"

/* An alarm body is a few hundred bytes; more is not an alarm. */
#define SIPD_ALARM_MAX 65536

/* One ";name[=value]" of a parameter list; raw spans point into the caller's text. */
struct param {
	const char *name;
	size_t nlen;
	const char *val; /* inside the quotes when quoted */
	size_t vlen;
	int quoted;
	const char *end; /* just after the value (after the closing quote) */
};

static int is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Reads the next parameter at *pp. 0, ENOENT (no more) or EINVAL (unterminated quote). */
static int next_param(const char **pp, const char *end, struct param *p)
{
	const char *s = *pp;
	while (s < end && (is_lws(*s) || *s == ';'))
		s++;
	if (s >= end)
		return ENOENT;
	memset(p, 0, sizeof(*p));
	p->name = s;
	while (s < end && *s != '=' && *s != ';' && !is_lws(*s))
		s++;
	p->nlen = (size_t)(s - p->name);
	while (s < end && is_lws(*s))
		s++;
	if (s < end && *s == '=') {
		s++;
		while (s < end && is_lws(*s))
			s++;
		if (s < end && *s == '"') {
			p->quoted = 1;
			p->val = ++s;
			while (s < end && *s != '"') {
				if (*s == '\\' && s + 1 < end)
					s++;
				s++;
			}
			if (s >= end)
				return EINVAL;
			p->vlen = (size_t)(s - p->val);
			s++;
		} else {
			p->val = s;
			while (s < end && *s != ';' && !is_lws(*s))
				s++;
			p->vlen = (size_t)(s - p->val);
		}
	}
	p->end = s;
	*pp = s;
	return 0;
}

static int name_is(const struct param *p, const char *name)
{
	return p->nlen == strlen(name) && strncasecmp(p->name, name, p->nlen) == 0;
}

int sipd_param_get(const char *params, size_t len, const char *name, char *out, size_t outlen)
{
	const char *s = params, *end = params + len;
	struct param p;
	int rc;

	while ((rc = next_param(&s, end, &p)) == 0) {
		if (!name_is(&p, name))
			continue;
		size_t n = 0;
		for (size_t i = 0; i < p.vlen; i++) {
			char c = p.val[i];
			if (p.quoted && c == '\\' && i + 1 < p.vlen)
				c = p.val[++i];
			if (n + 1 >= outlen)
				return ENOSPC;
			out[n++] = c;
		}
		if (outlen == 0)
			return ENOSPC;
		out[n] = '\0';
		return 0;
	}
	return rc;
}

int sipd_param_strip(const char *params, size_t len, const char *name, char *out, size_t outlen)
{
	const char *s = params, *end = params + len;
	struct param p;
	size_t n = 0;

	if (outlen == 0)
		return ENOSPC;
	while (next_param(&s, end, &p) == 0) {
		if (name_is(&p, name))
			continue;
		size_t raw = (size_t)(p.end - p.name);
		if (n + 1 + raw + 1 > outlen)
			return ENOSPC;
		out[n++] = ';';
		memcpy(out + n, p.name, raw);
		n += raw;
	}
	out[n] = '\0';
	return 0;
}

int sipd_device_name_valid(const char *s, size_t len)
{
	if (len < 1 || len > 128)
		return 0;
	for (size_t i = 0; i < len; i++)
		/* memchr, not strchr: strchr would match a NUL byte against the terminator. */
		if (!isalnum((unsigned char)s[i]) && !memchr("._-", s[i], 3))
			return 0;
	return 1;
}

int sipd_device_name(const char *contact_params, size_t plen, const char *to_user, size_t ulen,
		     char *out, size_t outlen)
{
	char v[256];
	int rc = contact_params
		     ? sipd_param_get(contact_params, plen, SIPD_PARAM_DEVICENAME, v, sizeof(v))
		     : ENOENT;
	if (rc == 0) {
		if (!sipd_device_name_valid(v, strlen(v)) || strlen(v) >= outlen)
			return EINVAL;
		memcpy(out, v, strlen(v) + 1);
		return 0;
	}
	if (rc != ENOENT)
		return EINVAL;
	if (!to_user || ulen == 0)
		return ENOENT;
	if (!sipd_device_name_valid(to_user, ulen) || ulen >= outlen)
		return EINVAL;
	memcpy(out, to_user, ulen);
	out[ulen] = '\0';
	return 0;
}

int sipd_parse_u32(const char *s, size_t len, uint32_t *out)
{
	uint64_t v = 0;
	if (len == 0)
		return EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return EINVAL;
		if (v <= UINT32_MAX)
			v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	return 0;
}

uint32_t sipd_expires_grant(int has_param, uint32_t param, int has_header, uint32_t header,
			    uint32_t max)
{
	uint32_t e = has_param ? param : has_header ? header : SIPD_DEFAULT_EXPIRES;
	return e > max ? max : e;
}

/* Text that goes between braces in the NOTIFY body. */
static int stamp_ok(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '{' || *s == '}')
			return 0;
	return 1;
}

int sipd_notify_body(char *out, size_t outlen, const char *action, const char *register_call_id,
		     const char *config_version, size_t *lenp)
{
	static const char *const actions[] = {"restart", "reset", "check-version", "apply-config"};
	int known = 0;
	for (size_t i = 0; action && i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(action, actions[i]) == 0)
			known = 1;
	if (!known || !stamp_ok(register_call_id) || !stamp_ok(config_version))
		return EINVAL;
	int n = snprintf(out, outlen,
			 "action=%s\r\n"
			 "RegisterCallId={%s}\r\n"
			 "ConfigVersionStamp={%s}\r\n"
			 "DialplanVersionStamp={}\r\n"
			 "SoftkeyVersionStamp={}\r\n"
			 "%s",
			 action, register_call_id ? register_call_id : "",
			 config_version ? config_version : "",
			 SIPD_NOTIFY_FCP_STAMP ? "FeatureControlVersionStamp={}\r\n" : "");
	if (n < 0 || (size_t)n >= outlen)
		return ENOSPC;
	if (lenp)
		*lenp = (size_t)n;
	return 0;
}

void sipd_version_stamp(char out[64], int64_t now, const uint8_t rnd[16])
{
	uint8_t u[16];
	memcpy(u, rnd, 16);
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40); /* version 4 */
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, 64,
		 "%" PRId64 "-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 now, u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11],
		 u[12], u[13], u[14], u[15]);
}

int sipd_printable(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

char *sipd_log_text(const char *s, size_t len, char *out, size_t outlen)
{
	size_t n = 0;
	if (outlen == 0)
		return out;
	for (size_t i = 0; i < len && n + 1 < outlen; i++) {
		unsigned char c = (unsigned char)s[i];
		out[n++] = (c < 0x20 || c > 0x7e) ? '?' : (char)c;
	}
	out[n] = '\0';
	return out;
}

/* Appends to a log line; once it is full, ends it with "..." and reports that. */
struct line {
	char *p;
	size_t len, cap;
	int full;
};

static void line_add(struct line *l, const char *s, size_t n)
{
	if (l->full)
		return;
	if (l->len + n + 1 > l->cap) {
		size_t room = l->cap - l->len - 1;
		memcpy(l->p + l->len, s, room);
		l->len += room;
		if (l->cap >= 4)
			memcpy(l->p + l->cap - 4, "...", 3);
		l->p[l->cap - 1] = '\0';
		l->full = 1;
		return;
	}
	memcpy(l->p + l->len, s, n);
	l->len += n;
	l->p[l->len] = '\0';
}

static int elem_is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static void add_param_text(struct line *l, const char *key, const char *val)
{
	char k[64], v[256];
	sipd_log_text(key, strlen(key), k, sizeof(k));
	sipd_log_text(val, strlen(val), v, sizeof(v));
	/* Keys are names; a key with a space or '=' would make the line ambiguous. */
	for (char *q = k; *q; q++)
		if (*q == ' ' || *q == '=' || *q == '"')
			*q = '_';
	int quote = v[0] == '\0' || strpbrk(v, " \"=") != NULL;
	for (char *q = v; *q; q++)
		if (*q == '"')
			*q = '\'';
	if (l->len)
		line_add(l, " ", 1);
	line_add(l, k, strlen(k));
	line_add(l, "=", 1);
	if (quote)
		line_add(l, "\"", 1);
	line_add(l, v, strlen(v));
	if (quote)
		line_add(l, "\"", 1);
}

int sipd_alarm_summary(const char *xml, size_t len, char *name, size_t namelen, char *out,
		       size_t outlen)
{
	xmlDoc *doc = NULL;
	char reason[XMLSAFE_REASON_MAX];
	int rc = EINVAL;
	struct line l = {out, 0, outlen, 0};

	if (outlen == 0 || namelen == 0 || len == 0 || len > SIPD_ALARM_MAX)
		return EINVAL;
	out[0] = '\0';
	name[0] = '\0';
	/* A DTD is the only place entities can come from; an alarm never has one. Looking for
	 * the bytes "<!DOCTYPE" is not enough: libxml2 reads UTF-16 (and other encodings) by
	 * itself, where a DTD has no such bytes. xmlsafe_read takes strict UTF-8 only and stops
	 * at any DOCTYPE, as every other parser of peer XML here does. */
	if (xmlsafe_read(xml, len, SIPD_ALARM_MAX, XMLSAFE_NO_DOCTYPE, &doc, reason,
			 sizeof(reason)) != 0)
		goto out;
	xmlNode *root = xmlDocGetRootElement(doc);
	if (!root || !elem_is(root, "x-cisco-alarm"))
		goto out;
	xmlNode *alarm = NULL;
	for (xmlNode *c = root->children; c && !alarm; c = c->next)
		if (elem_is(c, "Alarm"))
			alarm = c;
	if (!alarm)
		goto out;
	xmlChar *an = xmlGetProp(alarm, (const xmlChar *)"Name");
	sipd_log_text(an ? (const char *)an : "", an ? strlen((const char *)an) : 0, name, namelen);
	xmlFree(an);
	for (xmlNode *c = alarm->children; c; c = c->next) {
		if (!elem_is(c, "ParameterList"))
			continue;
		for (xmlNode *p = c->children; p; p = p->next) {
			if (p->type != XML_ELEMENT_NODE)
				continue;
			xmlChar *k = xmlGetProp(p, (const xmlChar *)"name");
			xmlChar *v = xmlNodeGetContent(p);
			if (k)
				add_param_text(&l, (const char *)k, v ? (const char *)v : "");
			xmlFree(k);
			xmlFree(v);
		}
	}
	rc = 0;
out:
	xmlFreeDoc(doc);
	return rc;
}

/* Copies an attribute or element text into out for a field: as a log line shows it. */
static void field_copy(char *out, size_t outlen, const xmlChar *v)
{
	sipd_log_text(v ? (const char *)v : "", v ? strlen((const char *)v) : 0, out, outlen);
}

int sipd_alarm_parse(const char *xml, size_t len, struct sipd_alarm *a)
{
	static const struct {
		const char *key;
		size_t off, size;
	} fields[] = {
#define F(k, f) {k, offsetof(struct sipd_alarm, f), sizeof(((struct sipd_alarm *)0)->f)}
	    F("DeviceName", device_name),
	    F("IPv4Address", ipv4),
	    F("IPv6Address", ipv6),
	    F("CTL_Signature", ctl_signature),
	    F("CTL_TFTP_Server", ctl_tftp_server),
	    F("ITL_Signature", itl_signature),
	    F("ITL_TFTP_Server", itl_tftp_server),
#undef F
	};
	xmlDoc *doc = NULL;
	char reason[XMLSAFE_REASON_MAX];
	int rc = EINVAL;

	memset(a, 0, sizeof(*a));
	a->status_code = -1;
	if (len == 0 || len > SIPD_ALARM_MAX ||
	    xmlsafe_read(xml, len, SIPD_ALARM_MAX, XMLSAFE_NO_DOCTYPE, &doc, reason,
			 sizeof(reason)) != 0)
		goto out;
	xmlNode *root = xmlDocGetRootElement(doc), *alarm = NULL;
	if (!root || !elem_is(root, "x-cisco-alarm"))
		goto out;
	for (xmlNode *c = root->children; c && !alarm; c = c->next)
		if (elem_is(c, "Alarm"))
			alarm = c;
	if (!alarm)
		goto out;
	xmlChar *an = xmlGetProp(alarm, (const xmlChar *)"Name");
	field_copy(a->name, sizeof(a->name), an);
	xmlFree(an);
	for (xmlNode *c = alarm->children; c; c = c->next) {
		if (!elem_is(c, "ParameterList"))
			continue;
		for (xmlNode *p = c->children; p; p = p->next) {
			if (p->type != XML_ELEMENT_NODE)
				continue;
			xmlChar *k = xmlGetProp(p, (const xmlChar *)"name");
			xmlChar *v = k ? xmlNodeGetContent(p) : NULL;
			for (size_t i = 0; k && i < sizeof(fields) / sizeof(fields[0]); i++)
				if (strcmp((const char *)k, fields[i].key) == 0)
					field_copy((char *)a + fields[i].off, fields[i].size, v);
			if (k && strcmp((const char *)k, "StatusCode") == 0) {
				uint32_t code;
				const char *t = v ? (const char *)v : "";
				if (sipd_parse_u32(t, strlen(t), &code) == 0 && code <= 0xffff)
					a->status_code = (int)code;
			}
			xmlFree(k);
			xmlFree(v);
		}
	}
	rc = 0;
out:
	xmlFreeDoc(doc);
	if (rc) {
		memset(a, 0, sizeof(*a));
		a->status_code = -1;
	}
	return rc;
}

/* What CUCM acknowledges of a 7821's optionsind (phone-console.log, its REGISTER's 200): each
 * line is written when the request names the marker. The order and the one-element-per-line
 * layout are CUCM's; its Content-Length (381) counts a final "\n\r\n". */
static const struct {
	const char *marker; /* in the request; NULL = always (the framing) */
	const char *line;
} remotecc_lines[] = {
    {NULL, "<x-cisco-remotecc-response>"},
    {NULL, "<response>"},
    {NULL, "<code>200</code>"},
    {NULL, "<optionsind>"},
    {"<combine", "<combine max=\"6\">"},
    {"<remotecc>", "<remotecc><status/></remotecc>"},
    {"<service-control", "<service-control/>"},
    {"<combine", "</combine>"},
    {"\"hook status\"", "<dialog usage=\"hook status\"><unot/></dialog>"},
    {"\"shared line\"", "<dialog usage=\"shared line\"><unot/></dialog>"},
    {"\"blf speed dial\"", "<presence usage=\"blf speed dial\"><unot/></presence>"},
    {"<joinreq", "<joinreq></joinreq>"},
    {"<ix", "<ix/>"},
    {"<bfcp", "<bfcp/>"},
    {NULL, "</optionsind>"},
    {NULL, "</response>"},
    {NULL, "</x-cisco-remotecc-response>"},
};

int sipd_remotecc_response(char *out, size_t outlen, const char *req, size_t reqlen, size_t *lenp)
{
	size_t n = 0;

	if (!req || !memmem(req, reqlen, "<optionsind", 11))
		return ENOENT;
	for (size_t i = 0; i < sizeof(remotecc_lines) / sizeof(remotecc_lines[0]); i++) {
		const char *m = remotecc_lines[i].marker;
		if (m && !memmem(req, reqlen, m, strlen(m)))
			continue;
		size_t l = strlen(remotecc_lines[i].line);
		if (n + l + 1 >= outlen)
			return ENOSPC;
		memcpy(out + n, remotecc_lines[i].line, l);
		n += l;
		out[n++] = '\n';
	}
	if (n + 3 > outlen)
		return ENOSPC;
	memcpy(out + n, "\r\n", 3);
	n += 2;
	if (lenp)
		*lenp = n;
	return 0;
}
