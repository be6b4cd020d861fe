/* phone_msg.c -- what the simulated phone writes and reads: its identity, the REGISTER and
 * alarm REFER a 7821 sends, the service-control NOTIFY body, and the EM pages' URLs and texts. */
#include "phone/phone.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "em/models.h"
#include "phone/phone_int.h"

/* The capability list a 7821 on 12.1.1 sends (reference 6.2). */
#define PHONE_SUPPORTED                                                                            \
	"replaces,join,sdp-anat,norefersub,resource-priority,extended-refer,X-cisco-callinfo,"     \
	"X-cisco-serviceuri,X-cisco-escapecodes,X-cisco-service-control,X-cisco-srtp-fallback,"    \
	"X-cisco-monrec,X-cisco-config,X-cisco-sis-7.0.0,X-cisco-xsi-8.5.1"

#define PHONE_BOUNDARY "uniqueBoundary"

static const char bulkregister_xml[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
				       "<x-cisco-remotecc-request>\r\n"
				       "<bulkregisterreq>\r\n"
				       "<contact all=\"true\">\r\n"
				       "<register></register>\r\n"
				       "</contact>\r\n"
				       "</bulkregisterreq>\r\n"
				       "</x-cisco-remotecc-request>\r\n";

/* <service-control/> is the capability that lets the registrar send the restart NOTIFY. */
static const char optionsind_xml[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
				     "<x-cisco-remotecc-request>\r\n"
				     "<optionsind>\r\n"
				     "<combine max=\"6\">\r\n"
				     "<remotecc>\r\n"
				     "<status></status>\r\n"
				     "</remotecc>\r\n"
				     "<service-control></service-control>\r\n"
				     "</combine>\r\n"
				     "<dialog usage=\"hook status\">\r\n"
				     "<unot></unot>\r\n"
				     "<sub></sub>\r\n"
				     "</dialog>\r\n"
				     "<dialog usage=\"shared line\">\r\n"
				     "<unot></unot>\r\n"
				     "<sub></sub>\r\n"
				     "</dialog>\r\n"
				     "<presence usage=\"blf speed dial\">\r\n"
				     "<unot></unot>\r\n"
				     "<sub></sub>\r\n"
				     "</presence>\r\n"
				     "<joinreq></joinreq>\r\n"
				     "<cfwdall-anyline></cfwdall-anyline>\r\n"
				     "<coaching></coaching>\r\n"
				     "<oosalarm></oosalarm>\r\n"
				     "<rpid-orig-called></rpid-orig-called>\r\n"
				     "<x-cisco-number></x-cisco-number>\r\n"
				     "<bfcp></bfcp>\r\n"
				     "<ix></ix>\r\n"
				     "<gatewayrecording></gatewayrecording>\r\n"
				     "<conferenceDisplayInstance></conferenceDisplayInstance>\r\n"
				     "</optionsind>\r\n"
				     "</x-cisco-remotecc-request>\r\n";

/* 64-bit FNV-1a: the contact uuid only has to be stable per device, not secret. */
static uint64_t fnv1a(const char *s, uint64_t h)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

int phone_identity_init(struct phone_identity *id, const char *name, const char *model, char *why,
			size_t whylen)
{
	const struct em_model *m;
	uint64_t a, b;
	size_t i;

	memset(id, 0, sizeof(*id));
	if (!name || strlen(name) != 15 || strncasecmp(name, "SEP", 3) != 0) {
		snprintf(why, whylen, "device name must be SEP and 12 hex digits: %s",
			 name ? name : "(none)");
		return EINVAL;
	}
	for (i = 3; i < 15; i++) {
		if (!isxdigit((unsigned char)name[i])) {
			snprintf(why, whylen, "device name must be SEP and 12 hex digits: %s",
				 name);
			return EINVAL;
		}
	}
	m = em_model_find(model);
	if (!m) {
		snprintf(why, whylen, "unknown phone model: %s", model ? model : "(none)");
		return EINVAL;
	}
	id->name[0] = 'S';
	id->name[1] = 'E';
	id->name[2] = 'P';
	for (i = 3; i < 15; i++) {
		id->name[i] = (char)toupper((unsigned char)name[i]);
		id->mac[i - 3] = (char)tolower((unsigned char)name[i]);
	}
	snprintf(id->model, sizeof(id->model), "%s", m->name);
	id->model_enum = m->model_enum;
	snprintf(id->instance, sizeof(id->instance), "urn:uuid:00000000-0000-0000-0000-%s",
		 id->mac);
	a = fnv1a(id->mac, 0xcbf29ce484222325ULL);
	b = fnv1a(id->mac, a ^ 0x9e3779b97f4a7c15ULL);
	snprintf(id->contact_user, sizeof(id->contact_user), "%08x-%04x-%04x-%04x-%012llx",
		 (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xffff,
		 (unsigned)(b >> 48), (unsigned long long)(b & 0xffffffffffffULL));
	snprintf(id->user_agent, sizeof(id->user_agent), "Cisco-CP%s/12.1.1", m->name);
	return 0;
}

static const char *tp_name(enum phone_transport tp)
{
	return tp == PHONE_TP_TCP ? "tcp" : "udp";
}

void phone_contact_render(struct buf *b, const struct phone_identity *id, const char *ip,
			  unsigned port, enum phone_transport tp)
{
	buf_printf(b,
		   "<sip:%s@%s:%u;transport=%s>;+sip.instance=\"<%s>\""
		   ";+u.sip!devicename.ccm.cisco.com=\"%s\";+u.sip!model.ccm.cisco.com=\"%d\"",
		   id->contact_user, ip, port, tp_name(tp), id->instance, id->name, id->model_enum);
}

/* The 7821 marks both parts of its REGISTER's body optional (phone-console.log). */
static void multipart_part(struct buf *b, const char *xml)
{
	buf_puts(b, "--" PHONE_BOUNDARY "\r\n"
		    "Content-Type: application/x-cisco-remotecc-request+xml\r\n"
		    "Content-Disposition: session;handling=optional\r\n"
		    "\r\n");
	buf_puts(b, xml);
}

static void date_hdr(struct buf *b, int64_t now)
{
	char d[32];

	if (now <= 0)
		return;
	clock_http_date(d, now);
	buf_printf(b, "Date: %s\r\n", d);
}

void phone_register_render(struct buf *b, const struct phone_identity *id,
			   const struct phone_sip_msg *m)
{
	struct buf body;

	buf_init(&body);
	multipart_part(&body, bulkregister_xml);
	multipart_part(&body, optionsind_xml);
	buf_puts(&body, "--" PHONE_BOUNDARY "--\r\n");

	buf_printf(b, "From: <sip:%s@%s>;tag=%s\r\n", m->aor_user, m->server, m->from_tag);
	buf_printf(b, "To: <sip:%s@%s>\r\n", m->aor_user, m->server);
	buf_printf(b, "Call-ID: %s\r\n", m->call_id);
	date_hdr(b, m->now);
	buf_printf(b, "CSeq: %u REGISTER\r\n", (unsigned)m->cseq);
	buf_printf(b, "User-Agent: %s\r\n", id->user_agent);
	buf_puts(b, "Contact: ");
	phone_contact_render(b, id, m->ip, m->port, m->transport);
	buf_puts(b, "\r\n");
	buf_puts(b, "Supported: " PHONE_SUPPORTED "\r\n");
	buf_printf(b,
		   "Reason: SIP;cause=200;text=\"cisco-alarm:23 Name=%s ActiveLoad=%s "
		   "InactiveLoad=%s Last=%s\"\r\n",
		   id->name, m->load, m->load, m->last ? m->last : "initialized");
	buf_printf(b, "Expires: %u\r\n", m->expires);
	buf_printf(b, "Session-ID: %s;remote=00000000000000000000000000000000\r\n", m->session_id);
	buf_puts(b, "Content-Type: multipart/mixed; boundary=" PHONE_BOUNDARY "\r\n");
	buf_puts(b, "Mime-Version: 1.0\r\n");
	buf_printf(b, "Content-Length: %zu\r\n\r\n", body.len);
	buf_append(b, body.data, body.len);
	if (body.oom)
		b->oom = 1;
	buf_free(&body);
}

static void alarm_string(struct buf *b, const char *name, const char *value)
{
	buf_printf(b, "<String name=\"%s\">", name);
	buf_xml_escape(b, value);
	buf_puts(b, "</String>\r\n");
}

void phone_alarm_render(struct buf *b, const struct phone_identity *id,
			const struct phone_sip_msg *m)
{
	struct buf body;

	char status[16];

	snprintf(status, sizeof(status), "%d", m->status_code >= 0 ? m->status_code : 3);
	buf_init(&body);
	buf_puts(&body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
			"<x-cisco-alarm>\r\n"
			"<Alarm Name=\"DeviceTLInfo\">\r\n"
			"<ParameterList>\r\n");
	alarm_string(&body, "DeviceName", id->name);
	alarm_string(&body, "IPv4Address", m->ip);
	alarm_string(&body, "IPv6Address", "");
	alarm_string(&body, "CTL_Signature", m->ctl_signature ? m->ctl_signature : "Not Installed");
	alarm_string(&body, "CTL_TFTP_Server", m->ctl_tftp_server ? m->ctl_tftp_server : "N/A");
	alarm_string(&body, "ITL_Signature", m->itl_signature ? m->itl_signature : "Not Installed");
	alarm_string(&body, "ITL_TFTP_Server", m->itl_tftp_server ? m->itl_tftp_server : "N/A");
	alarm_string(&body, "StatusCode", status);
	buf_puts(&body, "</ParameterList>\r\n</Alarm>\r\n</x-cisco-alarm>\r\n");

	buf_printf(b, "From: \"%s\" <sip:%s@%s>;tag=%s\r\n", m->aor_user, m->aor_user, m->ip,
		   m->from_tag);
	buf_printf(b, "To: <sip:%s>\r\n", m->server);
	buf_printf(b, "Call-ID: %s\r\n", m->call_id);
	if (m->session_id)
		buf_printf(b, "Session-ID: %s;remote=00000000000000000000000000000000\r\n",
			   m->session_id);
	date_hdr(b, m->now);
	buf_printf(b, "CSeq: %u REFER\r\n", (unsigned)m->cseq);
	buf_printf(b, "User-Agent: %s\r\n", id->user_agent);
	/* The alarm's Contact names the device only (no instance, no model). */
	buf_printf(
	    b, "Contact: <sip:%s@%s:%u;transport=%s>;+u.sip!devicename.ccm.cisco.com=\"%s\"\r\n",
	    id->contact_user, m->ip, m->port, tp_name(m->transport), id->name);
	buf_printf(b, "Referred-By: \"%s\" <sip:%s@%s>\r\n", m->aor_user, m->aor_user, m->ip);
	buf_printf(b, "Refer-To: cid:%s\r\n", m->content_id);
	buf_printf(b, "Content-Id: <%s>\r\n", m->content_id);
	buf_puts(b, "Require: norefersub\r\n");
	buf_puts(b,
		 "Allow: ACK,BYE,CANCEL,INVITE,NOTIFY,OPTIONS,REFER,REGISTER,UPDATE,SUBSCRIBE\r\n");
	buf_puts(b, "Expires: 10\r\n");
	buf_puts(b, "Content-Type: application/x-cisco-alarm+xml\r\n");
	buf_puts(b, "Content-Disposition: session;handling=required\r\n");
	buf_printf(b, "Content-Length: %zu\r\n\r\n", body.len);
	buf_append(b, body.data, body.len);
	if (body.oom)
		b->oom = 1;
	buf_free(&body);
}

/* Copies a value without surrounding blanks and one pair of braces: {abc} -> abc. */
static void notify_value(char *out, size_t outlen, const char *v, size_t vlen)
{
	while (vlen && isspace((unsigned char)*v)) {
		v++;
		vlen--;
	}
	while (vlen && isspace((unsigned char)v[vlen - 1]))
		vlen--;
	if (vlen >= 2 && v[0] == '{' && v[vlen - 1] == '}') {
		v++;
		vlen -= 2;
	}
	if (vlen >= outlen)
		vlen = outlen - 1;
	memcpy(out, v, vlen);
	out[vlen] = '\0';
}

/* The field a NOTIFY key fills (keys compare case-insensitively), or NULL for one we ignore. */
static char *notify_field(struct phone_notify *n, const char *k, size_t klen, size_t *size)
{
	static const struct {
		const char *key;
		size_t off, size;
	} keys[] = {
	    {"action", offsetof(struct phone_notify, action), sizeof(n->action)},
	    {"RegisterCallId", offsetof(struct phone_notify, register_call_id),
	     sizeof(n->register_call_id)},
	    {"ConfigVersionStamp", offsetof(struct phone_notify, config_version),
	     sizeof(n->config_version)},
	    {"DialplanVersionStamp", offsetof(struct phone_notify, dialplan_version),
	     sizeof(n->dialplan_version)},
	    {"SoftkeyVersionStamp", offsetof(struct phone_notify, softkey_version),
	     sizeof(n->softkey_version)},
	    {"FeatureControlVersionStamp", offsetof(struct phone_notify, feature_control_version),
	     sizeof(n->feature_control_version)},
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (klen == strlen(keys[i].key) && strncasecmp(k, keys[i].key, klen) == 0) {
			*size = keys[i].size;
			return (char *)n + keys[i].off;
		}
	}
	return NULL;
}

int phone_notify_parse(const char *body, size_t len, struct phone_notify *n)
{
	const char *p = body, *end = body + len;

	memset(n, 0, sizeof(*n));
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *lend = eol ? eol : end;
		const char *eq = memchr(p, '=', (size_t)(lend - p));
		const char *k = p;
		size_t klen, size;
		char *field;

		p = eol ? eol + 1 : end;
		if (!eq)
			continue;
		while (k < eq && isspace((unsigned char)*k))
			k++;
		klen = (size_t)(eq - k);
		while (klen && isspace((unsigned char)k[klen - 1]))
			klen--;
		if (lend > eq && lend[-1] == '\r')
			lend--;

		field = notify_field(n, k, klen, &size);
		if (field)
			notify_value(field, size, eq + 1, (size_t)(lend - eq - 1));
	}
	return n->action[0] ? 0 : EINVAL;
}

/* ---- EM pages ---- */

void phone_url_subst(struct buf *out, const char *tmpl, const char *device, int emcc)
{
	const char *p = tmpl;

	while (*p) {
		if (strncmp(p, "#DEVICENAME#", 12) == 0) {
			buf_puts(out, device);
			p += 12;
		} else if (strncmp(p, "#EMCC#", 6) == 0) {
			buf_puts(out, emcc ? "true" : "false");
			p += 6;
		} else {
			buf_append(out, p, 1);
			p++;
		}
	}
}

static int is_absolute(const char *u)
{
	return strncasecmp(u, "http://", 7) == 0 || strncasecmp(u, "https://", 8) == 0;
}

int phone_url_resolve(struct buf *out, const char *base, const char *href)
{
	const char *host, *path, *q;

	if (is_absolute(href)) {
		buf_puts(out, href);
		return 0;
	}
	if (!base || !is_absolute(base))
		return EINVAL;
	host = strstr(base, "://") + 3;
	path = strchr(host, '/');
	if (!path)
		path = host + strlen(host);
	if (href[0] == '/') {
		buf_append(out, base, (size_t)(path - base));
		buf_puts(out, href);
		return 0;
	}
	/* Relative: replace everything after the last '/' of the base's path (before its query). */
	q = path + strcspn(path, "?#");
	while (q > path && q[-1] != '/')
		q--;
	if (q == path) {
		buf_append(out, base, (size_t)(path - base));
		buf_puts(out, "/");
	} else {
		buf_append(out, base, (size_t)(q - base));
	}
	buf_puts(out, href);
	return 0;
}

int phone_input_answer(struct buf *out, const struct px_object *o, const char *user,
		       const char *pin)
{
	size_t i;
	int user_given = 0;
	char sep;

	if (o->kind != PX_INPUT || !o->url[0] || o->ninputs == 0)
		return EINVAL;
	buf_puts(out, o->url);
	sep = strchr(o->url, '?') ? '&' : '?';
	for (i = 0; i < o->ninputs; i++) {
		const struct px_input_item *it = &o->inputs[i];
		const char *value = it->default_value;

		if (!it->query_param[0])
			continue;
		if (strchr(it->flags, 'P')) {
			value = pin;
		} else if (!user_given) {
			/* The first plain item is the user ID (loginType=UID/SP) or the primary
			 * extension (loginType=DN): either way, what the user typed first. */
			value = user;
			user_given = 1;
		}
		buf_append(out, &sep, 1);
		buf_url_escape(out, it->query_param);
		buf_puts(out, "=");
		buf_url_escape(out, value);
		sep = '&';
	}
	return 0;
}

int phone_menu_find(const struct px_object *o, const char *name)
{
	size_t i;

	if (o->kind != PX_MENU || !name)
		return -1;
	for (i = 0; i < o->nitems; i++)
		if (strcasecmp(o->items[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int is_logout_url(const char *u)
{
	return strcasestr(u, "doLogout=true") != NULL;
}

const char *phone_logout_url(const struct px_object *o)
{
	size_t i;

	for (i = 0; i < o->nsoftkeys; i++)
		if (is_logout_url(o->softkeys[i].url))
			return o->softkeys[i].url;
	if (o->kind == PX_MENU)
		for (i = 0; i < o->nitems; i++)
			if (is_logout_url(o->items[i].url))
				return o->items[i].url;
	if (o->kind == PX_EXECUTE)
		for (i = 0; i < o->nexecute; i++)
			if (is_logout_url(o->execute[i].url))
				return o->execute[i].url;
	if (o->kind == PX_INPUT && is_logout_url(o->url))
		return o->url;
	return NULL;
}

int phone_text_error_code(const char *text)
{
	size_t n = strlen(text);
	size_t i;
	int code = 0;

	while (n && isspace((unsigned char)text[n - 1]))
		n--;
	if (n < 3 || text[n - 1] != ')')
		return 0;
	i = n - 1;
	while (i > 0 && isdigit((unsigned char)text[i - 1]))
		i--;
	if (i == n - 1 || i == 0 || text[i - 1] != '(' || n - 1 - i > 5)
		return 0;
	for (; i < n - 1; i++)
		code = code * 10 + (text[i] - '0');
	return code;
}

const char *phone_object_kind(enum px_kind k)
{
	switch (k) {
	case PX_INPUT: return "CiscoIPPhoneInput";
	case PX_MENU: return "CiscoIPPhoneMenu";
	case PX_TEXT: return "CiscoIPPhoneText";
	case PX_EXECUTE: return "CiscoIPPhoneExecute";
	}
	return "unknown";
}

void phone_object_summary(struct buf *b, const struct px_object *o)
{
	size_t i;

	buf_puts(b, phone_object_kind(o->kind));
	if (o->title[0])
		buf_printf(b, " \"%s\"", o->title);
	switch (o->kind) {
	case PX_INPUT:
		buf_puts(b, " [");
		for (i = 0; i < o->ninputs; i++)
			buf_printf(b, "%s%s", i ? ", " : "", o->inputs[i].display_name);
		buf_puts(b, "]");
		break;
	case PX_MENU:
		buf_puts(b, " [");
		for (i = 0; i < o->nitems; i++)
			buf_printf(b, "%s%s", i ? ", " : "", o->items[i].name);
		buf_puts(b, "]");
		break;
	case PX_TEXT: buf_printf(b, ": %s", o->text); break;
	case PX_EXECUTE:
		buf_puts(b, " [");
		for (i = 0; i < o->nexecute; i++)
			buf_printf(b, "%s%s", i ? ", " : "", o->execute[i].url);
		buf_puts(b, "]");
		break;
	}
}

void phone_object_print(struct buf *b, const struct px_object *o)
{
	size_t i;

	buf_printf(b, "%s\n", phone_object_kind(o->kind));
	if (o->title[0])
		buf_printf(b, "  Title:  %s\n", o->title);
	if (o->prompt[0])
		buf_printf(b, "  Prompt: %s\n", o->prompt);
	if (o->kind == PX_TEXT)
		buf_printf(b, "  Text:   %s\n", o->text);
	if (o->url[0])
		buf_printf(b, "  URL:    %s\n", o->url);
	for (i = 0; i < o->ninputs && o->kind == PX_INPUT; i++)
		buf_printf(b, "  InputItem %-12s %s=%s flags=%s\n", o->inputs[i].display_name,
			   o->inputs[i].query_param, o->inputs[i].default_value,
			   o->inputs[i].flags);
	for (i = 0; i < o->nitems && o->kind == PX_MENU; i++)
		buf_printf(b, "  MenuItem  %-24s %s\n", o->items[i].name, o->items[i].url);
	for (i = 0; i < o->nexecute && o->kind == PX_EXECUTE; i++)
		buf_printf(b, "  ExecuteItem priority=%d %s\n", o->execute[i].priority,
			   o->execute[i].url);
	for (i = 0; i < o->nsoftkeys; i++)
		buf_printf(b, "  SoftKey %d %-10s %s\n", o->softkeys[i].position,
			   o->softkeys[i].name, o->softkeys[i].url);
}

/* An expires value as seconds that fit an int: digits past INT_MAX stay INT_MAX (pl_u32 would
 * wrap, and a wrapped value turned negative reads as "none granted"); anything not all digits
 * is 0, as pl_u32 gives it. */
static int expires_secs(const struct pl *v)
{
	int64_t n = 0;

	if (!pl_isset(v))
		return 0;
	for (size_t i = 0; i < v->l; i++) {
		if (v->p[i] < '0' || v->p[i] > '9')
			return 0;
		n = n * 10 + (v->p[i] - '0');
		if (n > INT_MAX)
			n = INT_MAX; /* saturates: n * 10 stays far inside int64_t */
	}
	return (int)n;
}

/* The binding the registrar granted us: our Contact's expires parameter, else Expires. */
void phone_sip_granted(const struct sip_msg *msg, const char *contact_user, int *expires,
		       unsigned *bindings)
{
	struct le *le;

	*expires = -1;
	*bindings = 0;
	for (le = list_head(&msg->hdrl); le; le = le->next) {
		const struct sip_hdr *h = le->data;
		struct sip_addr addr;
		struct pl v;

		if (h->id != SIP_HDR_CONTACT)
			continue;
		if (sip_addr_decode(&addr, &h->val))
			continue;
		(*bindings)++;
		if (pl_strcmp(&addr.uri.user, contact_user) == 0 &&
		    msg_param_decode(&addr.params, "expires", &v) == 0)
			*expires = expires_secs(&v);
	}
	if (*expires < 0 && pl_isset(&msg->expires))
		*expires = expires_secs(&msg->expires);
}

int phone_refresh_url(const char *value, char *out, size_t outlen)
{
	const char *u = strcasestr(value, "url=");
	size_t n;

	if (!u)
		return ENOENT;
	u += 4;
	n = strcspn(u, "\r\n");
	while (n && isspace((unsigned char)u[n - 1]))
		n--;
	if (n >= 2 && (u[0] == '"' || u[0] == '\'') && u[n - 1] == u[0]) {
		u++;
		n -= 2;
	}
	if (n == 0 || n >= outlen)
		return EINVAL;
	memcpy(out, u, n);
	out[n] = '\0';
	return 0;
}
