/* sipd_uas.c -- what phones send the node: REGISTER (the registrar, with optional digest),
 * REFER alarms, OPTIONS; every other method is refused with the status RFC 3261 gives it.
 *
 * Every answer carries Date (RFC 3261 20.17), as CUCM's do: a SIP phone whose NTP servers do
 * not answer (or that has none) takes its clock from the Date of its REGISTER's 200 (CUCM
 * administration guide, "Phone NTP Reference Configuration").
 *
 * Refusals: a method we know but do not serve here (INVITE, BYE, MESSAGE, SUBSCRIBE, NOTIFY,
 * PUBLISH, INFO, UPDATE, PRACK) gets 405 Method Not Allowed with Allow (RFC 3261 8.2.1 and
 * 21.4.6: the method is understood, this server does not allow it); a method we do not know at
 * all gets 501 Not Implemented (21.5.2). ACK is never answered; a CANCEL that matches no
 * transaction gets 481. Malformed requests get 400 when they can be answered (they have a Via)
 * and are dropped otherwise; nothing is stored until the whole REGISTER has been checked. */
#include "sip/sipd_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "sip/sipmsg.h"

#define ALLOW "REGISTER, REFER, OPTIONS"
#define ACCEPT                                                                                     \
	"application/x-cisco-alarm+xml, application/x-cisco-remotecc-request+xml, multipart/mixed"
/* norefersub (RFC 4488): the phone's alarm REFER requires it, and we never send a NOTIFY for
 * a REFER. */
#define SUPPORTED "norefersub"
/* What CUCM 11.5 says it supports in a REGISTER's 200 (phone-console.log, end): SRTP fallback
 * and its SIS protocol version, against the 7821's X-cisco-sis-7.0.0. */
#define REGISTER_SUPPORTED "X-cisco-srtp-fallback,X-cisco-sis-8.0.0"
/* A REGISTER to a backup call manager: Expires 0 and this Contact parameter (Cisco TAC, "phone
 * unregistration" troubleshooting: "Contact: <...>;expires=0;cisco-keep-alive" to the
 * secondary) is a heartbeat, not an unregister. */
#define KEEP_ALIVE_PARAM "cisco-keep-alive"
#define MAX_CONTACTS 8
/* A nonce is good for this long; older ones get a fresh challenge with stale=true. */
#define NONCE_TTL 300
#define NONCE_HEX_LEN 36 /* 16 hex digits of time + 20 of HMAC */

static const char *const refused_405[] = {"INVITE",  "BYE",  "MESSAGE", "SUBSCRIBE", "NOTIFY",
					  "PUBLISH", "INFO", "UPDATE",	"PRACK"};

int sipd_pl_copy(const struct pl *pl, char *out, size_t outlen)
{
	if (!outlen)
		return ENOSPC;
	if (!pl || !pl->p) {
		out[0] = '\0';
		return 0;
	}
	if (pl->l >= outlen) {
		out[0] = '\0';
		return ENOSPC;
	}
	memcpy(out, pl->p, pl->l);
	out[pl->l] = '\0';
	return 0;
}

const char *sipd_transport_name(enum sip_transp tp)
{
	switch (tp) {
	case SIP_TRANSP_UDP: return "udp";
	case SIP_TRANSP_TCP: return "tcp";
	case SIP_TRANSP_TLS: return "tls";
	default: return "?";
	}
}

/* What we know of one request while handling it. */
struct req {
	struct sipd *s;
	const struct sip_msg *msg;
	char peer[80];	 /* "127.0.0.1:5060/udp", for logs */
	char method[24]; /* printable, for logs */
	const char *body;
	size_t body_len;
};

/* A stateless answer: Date, the extra headers (each ending in CRLF; may be ""), no body. */
static void answer(struct req *r, uint16_t code, const char *reason, const char *extra)
{
	char date[32];

	clock_http_date(date, sipd_now());
	(void)sip_replyf(r->s->sip, r->msg, code, reason, "Date: %s\r\n%sContent-Length: 0\r\n\r\n",
			 date, extra);
}

/* The same through a server transaction (retransmissions answered, an INVITE's final answer
 * resent until its ACK). */
static void answer_t(struct req *r, uint16_t code, const char *reason, const char *extra)
{
	char date[32];

	clock_http_date(date, sipd_now());
	(void)sip_treplyf(NULL, NULL, r->s->sip, r->msg, false, code, reason,
			  "Date: %s\r\n%sContent-Length: 0\r\n\r\n", date, extra);
}

static void reply(struct req *r, uint16_t code, const char *reason)
{
	answer(r, code, reason, "");
}

static void refuse(struct req *r, uint16_t code, const char *reason, const char *why)
{
	log_warnx(LOGS_SIP, 0, "%s from %s refused: %u %s (%s)", r->method, r->peer, code, reason,
		  why);
	reply(r, code, reason);
}

/* ---- checks every request passes before its method is looked at ---- */

struct require_state {
	char unsupported[256];
	size_t len;
};

static bool require_handler(const struct sip_hdr *hdr, const struct sip_msg *msg, void *arg)
{
	struct require_state *st = arg;
	(void)msg;
	if (pl_strcasecmp(&hdr->val, SUPPORTED) == 0)
		return false;
	char tag[64];
	if (sipd_pl_copy(&hdr->val, tag, sizeof(tag)) || !sipd_printable(tag, strlen(tag)))
		snprintf(tag, sizeof(tag), "?");
	int n = snprintf(st->unsupported + st->len, sizeof(st->unsupported) - st->len, "%s%s",
			 st->len ? ", " : "", tag);
	if (n > 0 && (size_t)n < sizeof(st->unsupported) - st->len)
		st->len += (size_t)n;
	return false;
}

/* 0: go on. Otherwise the request was answered (or dropped) here. */
static int check_request(struct req *r)
{
	const struct sip_msg *msg = r->msg;

	/* Without a Via there is nowhere to send an answer. */
	if (!pl_isset(&msg->via.sentby)) {
		log_warnx(LOGS_SIP, 0, "%s from %s without Via: dropped", r->method, r->peer);
		return -1;
	}
	if (!sip_msg_hdr(msg, SIP_HDR_FROM) || !sip_msg_hdr(msg, SIP_HDR_TO) ||
	    !pl_isset(&msg->callid) || !sip_msg_hdr(msg, SIP_HDR_CSEQ)) {
		refuse(r, 400, "Missing Mandatory Header",
		       "From, To, Call-ID and CSeq are required");
		return -1;
	}
	if (pl_cmp(&msg->cseq.met, &msg->met) != 0) {
		refuse(r, 400, "CSeq Method Mismatch", "CSeq names another method");
		return -1;
	}
	size_t avail = mbuf_get_left(msg->mb);
	r->body = (const char *)mbuf_buf(msg->mb);
	r->body_len = avail;
	if (pl_isset(&msg->clen)) {
		uint32_t clen;
		if (sipd_parse_u32(msg->clen.p, msg->clen.l, &clen)) {
			refuse(r, 400, "Bad Content-Length", "Content-Length is not a number");
			return -1;
		}
		/* RFC 3261 18.3: over UDP the datagram is the message; a Content-Length past its
		 * end means it was cut (ours reads up to 8 KB) or lies. Bytes past it are ignored.
		 */
		if (clen > avail) {
			refuse(r, 400, "Bad Content-Length",
			       "Content-Length larger than the datagram");
			return -1;
		}
		r->body_len = clen;
	}
	if (pl_strcmp(&msg->met, "CANCEL") != 0) {
		struct require_state st = {.len = 0};
		st.unsupported[0] = '\0';
		sip_msg_hdr_apply(msg, true, SIP_HDR_REQUIRE, require_handler, &st);
		if (st.len) {
			char extra[sizeof(st.unsupported) + 32];
			log_warnx(LOGS_SIP, 0, "%s from %s refused: 420 Bad Extension (%s)",
				  r->method, r->peer, st.unsupported);
			snprintf(extra, sizeof(extra), "Unsupported: %s\r\n", st.unsupported);
			answer(r, 420, "Bad Extension", extra);
			return -1;
		}
	}
	return 0;
}

/* ---- digest authentication (RFC 3261 22.4, RFC 2617) ---- */

/* Nonces carry their time and an HMAC of it, so no nonce table is kept: a forged or replayed-
 * after-expiry nonce fails the check without any state on our side. */
static void nonce_make(struct sipd *s, int64_t now, char out[NONCE_HEX_LEN + 1])
{
	char ts[17];
	uint8_t mac[20];
	snprintf(ts, sizeof(ts), "%016llx", (unsigned long long)now);
	hmac_sha1(s->nonce_key, sizeof(s->nonce_key), (const uint8_t *)ts, 16, mac, 10);
	int n = snprintf(out, NONCE_HEX_LEN + 1, "%s", ts);
	for (int i = 0; i < 10; i++)
		n += snprintf(out + n, (size_t)(NONCE_HEX_LEN + 1 - n), "%02x", mac[i]);
}

/* 0 = good and fresh, ETIMEDOUT = ours but old, EINVAL = not ours. */
static int nonce_check(struct sipd *s, const struct pl *nonce, int64_t now)
{
	char n[NONCE_HEX_LEN + 1], want[NONCE_HEX_LEN + 1];
	if (nonce->l != NONCE_HEX_LEN || sipd_pl_copy(nonce, n, sizeof(n)))
		return EINVAL;
	unsigned long long ts = 0;
	for (int i = 0; i < 16; i++) {
		char c = n[i];
		int v = (c >= '0' && c <= '9')	 ? c - '0'
			: (c >= 'a' && c <= 'f') ? c - 'a' + 10
						 : -1;
		if (v < 0)
			return EINVAL;
		ts = ts * 16 + (unsigned)v;
	}
	nonce_make(s, (int64_t)ts, want);
	if (strcmp(n, want) != 0)
		return EINVAL;
	if ((int64_t)ts > now + 5 || now - (int64_t)ts > NONCE_TTL)
		return ETIMEDOUT;
	return 0;
}

static void challenge(struct req *r, int stale)
{
	char nonce[NONCE_HEX_LEN + 1], extra[sizeof(r->s->realm) + 160];
	nonce_make(r->s, sipd_now(), nonce);
	snprintf(extra, sizeof(extra),
		 "WWW-Authenticate: Digest realm=\"%s\", nonce=\"%s\", algorithm=MD5, "
		 "qop=\"auth\"%s\r\n",
		 r->s->realm, nonce, stale ? ", stale=true" : "");
	answer(r, 401, "Unauthorized", extra);
}

/* 0: authorized. Otherwise the request has been answered (401 or 403). */
static int authorize(struct req *r, const char *device)
{
	struct sipd *s = r->s;
	const struct sip_hdr *h = sip_msg_hdr(r->msg, SIP_HDR_AUTHORIZATION);
	struct httpauth_digest_resp resp;

	if (!s->realm[0])
		return 0;
	if (!h) {
		log_debug(LOGS_SIP, 0, "REGISTER %s from %s: challenged", device, r->peer);
		challenge(r, 0);
		return -1;
	}
	if (httpauth_digest_response_decode(&resp, &h->val) ||
	    pl_strcmp(&resp.realm, s->realm) != 0) {
		log_warnx(LOGS_SIP, 0,
			  "REGISTER %s from %s: unusable Authorization, challenged again", device,
			  r->peer);
		challenge(r, 0);
		return -1;
	}
	int rc = nonce_check(s, &resp.nonce, sipd_now());
	if (rc) {
		log_info(LOGS_SIP, 0, "REGISTER %s from %s: %s nonce, challenged again", device,
			 r->peer, rc == ETIMEDOUT ? "stale" : "unknown");
		challenge(r, rc == ETIMEDOUT);
		return -1;
	}
	char hex[33] = "";
	uint8_t ha1[16];
	rc = s->lookup_ha1 ? s->lookup_ha1(s->lookup_arg, device, hex) : ENOENT;
	if (rc || strlen(hex) != 32 || str_hex(ha1, sizeof(ha1), hex)) {
		refuse(r, 403, "Forbidden", "no SIP credentials for this device");
		return -1;
	}
	if (httpauth_digest_response_auth(&resp, &r->msg->met, ha1) != 0) {
		refuse(r, 403, "Forbidden", "wrong digest response");
		return -1;
	}
	return 0;
}

/* ---- REGISTER ---- */

struct contacts {
	struct sip_addr a[MAX_CONTACTS];
	size_t n;
	int star, bad, too_many;
};

static bool contact_handler(const struct sip_hdr *hdr, const struct sip_msg *msg, void *arg)
{
	struct contacts *c = arg;
	(void)msg;
	if (pl_strcmp(&hdr->val, "*") == 0) {
		c->star++;
		return false;
	}
	if (c->n == MAX_CONTACTS) {
		c->too_many = 1;
		return true;
	}
	if (sip_addr_decode(&c->a[c->n], &hdr->val)) {
		c->bad = 1;
		return true;
	}
	c->n++;
	return false;
}

/* One Contact of a REGISTER, checked and ready to store. */
struct reg_item {
	struct sipd_binding b;
	uint32_t granted;
	char params[512]; /* the Contact's parameters without expires, echoed in the 200 */
};

/* Fills it from contact a. 0, or answers 400 and returns -1. */
static int reg_item_fill(struct req *r, const struct sip_addr *a, int has_hdr_expires,
			 uint32_t hdr_expires, struct reg_item *it)
{
	const struct sip_msg *msg = r->msg;
	struct sipd_binding *b = &it->b;
	char v[64];
	int64_t now = sipd_now();

	memset(it, 0, sizeof(*it));
	int rc = sipd_device_name(a->params.p, a->params.l, msg->to.uri.user.p, msg->to.uri.user.l,
				  b->device, sizeof(b->device));
	if (rc) {
		refuse(r, 400, "Bad Device Name",
		       rc == ENOENT ? "no +u.sip!devicename.ccm.cisco.com and no To user"
				    : "device name is not 1..128 of A-Z a-z 0-9 . _ -");
		return -1;
	}
	uint32_t param_expires = 0;
	int has_param = 0;
	rc = sipd_param_get(a->params.p, a->params.l, "expires", v, sizeof(v));
	if (rc == 0) {
		if (sipd_parse_u32(v, strlen(v), &param_expires)) {
			refuse(r, 400, "Bad Expires", "Contact expires is not a number");
			return -1;
		}
		has_param = 1;
	}
	it->granted = sipd_expires_grant(has_param, param_expires, has_hdr_expires, hdr_expires,
					 r->s->max_expires);

	/* Every text we keep must fit and be printable: the table is never given a partial or
	 * binary value, and the same text goes into logs and the admin listing. */
	const struct sip_hdr *ua = sip_msg_hdr(msg, SIP_HDR_USER_AGENT);
	if (sipd_pl_copy(&a->auri, b->contact, sizeof(b->contact)) ||
	    sipd_pl_copy(&msg->to.auri, b->aor, sizeof(b->aor)) ||
	    sipd_pl_copy(&msg->callid, b->call_id, sizeof(b->call_id)) ||
	    sipd_param_strip(a->params.p, a->params.l, "expires", it->params, sizeof(it->params))) {
		refuse(r, 400, "Header Too Long", "Contact, To or Call-ID too long to keep");
		return -1;
	}
	if (ua && sipd_pl_copy(&ua->val, b->user_agent, sizeof(b->user_agent)))
		b->user_agent[0] = '\0'; /* only informative: a long one is left out */
	rc = sipd_param_get(a->params.p, a->params.l, SIPD_PARAM_INSTANCE, b->instance,
			    sizeof(b->instance));
	if (rc != 0 && rc != ENOENT) {
		refuse(r, 400, "Bad Contact", "+sip.instance too long or unterminated");
		return -1;
	}
	rc = sipd_param_get(a->params.p, a->params.l, SIPD_PARAM_MODEL, b->model, sizeof(b->model));
	if (rc != 0 && rc != ENOENT) {
		refuse(r, 400, "Bad Contact", "model parameter too long or unterminated");
		return -1;
	}
	if (!sipd_printable(b->contact, strlen(b->contact)) ||
	    !sipd_printable(b->aor, strlen(b->aor)) ||
	    !sipd_printable(b->call_id, strlen(b->call_id)) ||
	    !sipd_printable(b->instance, strlen(b->instance)) ||
	    !sipd_printable(b->model, strlen(b->model)) ||
	    !sipd_printable(b->user_agent, strlen(b->user_agent)) ||
	    !sipd_printable(it->params, strlen(it->params))) {
		refuse(r, 400, "Bad Contact", "control or non-ASCII characters");
		return -1;
	}
	if (pl_strcasecmp(&a->uri.scheme, "sip") != 0 || !pl_isset(&a->uri.host)) {
		refuse(r, 400, "Bad Contact", "Contact is not a sip: URI with a host");
		return -1;
	}
	snprintf(b->transport, sizeof(b->transport), "%s", sipd_transport_name(msg->tp));
	(void)re_snprintf(b->source, sizeof(b->source), "%J", &msg->src);
	b->cseq = msg->cseq.num;
	b->registered_at = now;
	b->expires_at = now + it->granted;
	return 0;
}

/* The REGISTER's 200 as CUCM sends it (phone-console.log, end; reference 6.2):
 *  - Date (every answer has it);
 *  - Expires with the expiry granted, the Contacts echoed with their parameters but expires:
 *    CUCM grants every Contact of a REGISTER the same and says so once. Contacts granted
 *    different expiries (never from a Cisco phone) each keep an expires parameter instead, and
 *    there is no Expires;
 *  - x-cisco-newreg on a Contact whose device had no binding here: SIPCC (Cisco's SIP stack,
 *    ccsip_messaging) reads it as "a new registration to the CCM", set "in the 200 OK response
 *    to the 1st line registration"; on a refresh it would tell the phone that the call manager
 *    restarted, so refreshes never carry it;
 *  - Supported as CUCM's, and the x-cisco-remotecc-response body when the REGISTER carried the
 *    phone's optionsind (sipd_remotecc_response).
 * created is NULL for a query (no binding is new). A REGISTER that leaves no binding gets the
 * bare 200. */
static void reply_bindings(struct req *r, const struct reg_item *items, const int *created,
			   size_t n)
{
	char contacts[MAX_CONTACTS * 720], body[1024], date[32], expires[40] = "";
	size_t len = 0, blen = 0, bound = 0;
	uint32_t first_grant = 0;
	int same = 1;

	contacts[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (!items[i].granted)
			continue;
		if (bound++ == 0)
			first_grant = items[i].granted;
		else if (items[i].granted != first_grant)
			same = 0;
	}
	for (size_t i = 0, first = 1; i < n; i++) {
		char exp[24] = "";
		if (!items[i].granted)
			continue;
		if (first) {
			first = 0;
			snprintf(expires, sizeof(expires), "Expires: %u\r\n", items[i].granted);
		}
		if (!same)
			snprintf(exp, sizeof(exp), ";expires=%u", items[i].granted);
		int w = snprintf(contacts + len, sizeof(contacts) - len, "Contact: <%s>%s%s%s\r\n",
				 items[i].b.contact, items[i].params, exp,
				 created && created[i] ? ";x-cisco-newreg" : "");
		if (w > 0 && (size_t)w < sizeof(contacts) - len)
			len += (size_t)w;
	}
	if (!same)
		expires[0] = '\0';
	clock_http_date(date, sipd_now());
	if (!bound) {
		answer(r, 200, "OK", "");
		return;
	}
	if (sipd_remotecc_response(body, sizeof(body), r->body, r->body_len, &blen) != 0)
		blen = 0;
	(void)sip_replyf(r->s->sip, r->msg, 200, "OK",
			 "Date: %s\r\n%s%sSupported: " REGISTER_SUPPORTED "\r\n"
			 "%sContent-Length: %zu\r\n\r\n%b",
			 date, expires, contacts,
			 blen ? "Content-Type: application/x-cisco-remotecc-response+xml\r\n" : "",
			 blen, body, blen);
}

/* REGISTER without Contact: RFC 3261 10.2.3, the registrar lists what it holds. */
static void register_query(struct req *r)
{
	char device[129];
	struct reg_item it;
	const struct pl *user = &r->msg->to.uri.user;
	memset(&it, 0, sizeof(it));
	if (sipd_device_name(NULL, 0, user->p, user->l, device, sizeof(device)) == 0 &&
	    sipd_table_get(r->s->table, device, sipd_now(), &it.b) == 0) {
		int64_t left = it.b.expires_at - sipd_now();
		it.granted = left > 0 ? (uint32_t)left : 1;
		reply_bindings(r, &it, NULL, 1);
		return;
	}
	reply_bindings(r, NULL, NULL, 0);
}

/* Contact: * with Expires: 0 removes the device's binding (RFC 3261 10.2.2). */
static void register_star(struct req *r, const struct contacts *c, int has_exp, uint32_t exp)
{
	char device[129];
	const struct pl *user = &r->msg->to.uri.user;
	if (c->star != 1 || c->n != 0 || !has_exp || exp != 0) {
		refuse(r, 400, "Invalid Contact",
		       "Contact: * must be alone and come with Expires: 0");
		return;
	}
	if (sipd_device_name(NULL, 0, user->p, user->l, device, sizeof(device))) {
		refuse(r, 400, "Bad Device Name", "the To user is not a device name");
		return;
	}
	if (authorize(r, device))
		return;
	int rc = sipd_table_remove(r->s->table, device, NULL, NULL, 0, sipd_now());
	log_info(LOGS_SIP, 0, "REGISTER %s from %s: Contact * -> %s", device, r->peer,
		 rc == 0 ? "unregistered" : "nothing was registered");
	reply_bindings(r, NULL, NULL, 0);
}

/* The Expires header and the Contacts. 0, or answers 400 and returns -1. */
static int read_contacts(struct req *r, struct contacts *c, int *has_hdr_expires,
			 uint32_t *hdr_expires)
{
	const struct sip_msg *msg = r->msg;

	memset(c, 0, sizeof(*c));
	*has_hdr_expires = 0;
	*hdr_expires = 0;
	if (pl_isset(&msg->expires)) {
		if (sipd_parse_u32(msg->expires.p, msg->expires.l, hdr_expires)) {
			refuse(r, 400, "Bad Expires", "Expires is not a number");
			return -1;
		}
		*has_hdr_expires = 1;
	}
	sip_msg_hdr_apply(msg, true, SIP_HDR_CONTACT, contact_handler, c);
	if (c->too_many) {
		refuse(r, 400, "Too Many Contacts", "at most 8 Contacts in one REGISTER");
		return -1;
	}
	if (c->bad) {
		refuse(r, 400, "Bad Contact", "a Contact header could not be parsed");
		return -1;
	}
	return 0;
}

/* items from the contacts, the request authorized for their one device. 0, or answers (400,
 * 401, 403) and returns -1. */
static int check_items(struct req *r, const struct contacts *c, int has_hdr_expires,
		       uint32_t hdr_expires, struct reg_item *items)
{
	for (size_t i = 0; i < c->n; i++)
		if (reg_item_fill(r, &c->a[i], has_hdr_expires, hdr_expires, &items[i]))
			return -1;
	if (authorize(r, items[0].b.device))
		return -1;
	for (size_t i = 1; i < c->n; i++) {
		if (strcasecmp(items[i].b.device, items[0].b.device) != 0 && r->s->realm[0]) {
			/* The credentials checked were the first device's. */
			refuse(r, 403, "Forbidden",
			       "one authenticated REGISTER names several devices");
			return -1;
		}
	}
	return 0;
}

/* Everything in the request is checked; the table takes all contacts or none of them, so a 500
 * or 503 never follows a partial store (a later contact out of order, or no room). 0, or
 * answers and returns -1. */
static int store_items(struct req *r, struct reg_item *items, size_t n, struct sipd_table_op *ops,
		       int64_t now)
{
	memset(ops, 0, n * sizeof(*ops));
	for (size_t i = 0; i < n; i++) {
		ops[i].b = &items[i].b;
		ops[i].remove = items[i].granted == 0;
	}
	int rc = sipd_table_apply(r->s->table, ops, n, now);
	if (rc == ESTALE) {
		refuse(r, 500, "Out of Order CSeq", "an older REGISTER of this Call-ID");
		return -1;
	}
	if (rc) {
		log_errorx(LOGS_SIP, 0, "REGISTER %s from %s: not stored: %s", items[0].b.device,
			   r->peer, rc == ENOSPC ? "registrar full" : strerror(rc));
		answer(r, 503, "Service Unavailable", "Retry-After: 60\r\n");
		return -1;
	}
	return 0;
}

static void log_items(const struct req *r, const struct reg_item *items,
		      const struct sipd_table_op *ops, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct sipd_binding *b = &items[i].b;
		if (ops[i].remove)
			log_info(LOGS_SIP, 0, "REGISTER %s from %s: %s %s", b->device, r->peer,
				 ops[i].rc == 0 ? "unregistered"
						: "unregister of an unknown binding",
				 b->contact);
		else if (ops[i].created)
			log_info(LOGS_SIP, 0,
				 "REGISTER %s from %s: bound %s expires %u model %s call-id %s%s",
				 b->device, r->peer, b->contact, items[i].granted,
				 b->model[0] ? b->model : "-", b->call_id,
				 r->msg->ctyp.type.l ? " (with body)" : "");
		else
			log_debug(LOGS_SIP, 0, "REGISTER %s from %s: refreshed %s expires %u",
				  b->device, r->peer, b->contact, items[i].granted);
	}
}

/* Whether a Contact carries cisco-keep-alive. */
static int keep_alive(const struct contacts *c)
{
	char v[8];

	for (size_t i = 0; i < c->n; i++)
		if (sipd_param_get(c->a[i].params.p, c->a[i].params.l, KEEP_ALIVE_PARAM, v,
				   sizeof(v)) != ENOENT)
			return 1;
	return 0;
}

static void on_register(struct req *r)
{
	struct contacts c;
	struct reg_item items[MAX_CONTACTS];
	struct sipd_table_op ops[MAX_CONTACTS];
	int created[MAX_CONTACTS];
	uint32_t hdr_expires;
	int has_hdr_expires;
	int64_t now = sipd_now();

	if (read_contacts(r, &c, &has_hdr_expires, &hdr_expires))
		return;
	if (c.star) {
		register_star(r, &c, has_hdr_expires, hdr_expires);
		return;
	}
	if (c.n == 0) {
		register_query(r);
		return;
	}
	if (check_items(r, &c, has_hdr_expires, hdr_expires, items))
		return;
	if (keep_alive(&c)) {
		/* A heartbeat: whatever its expires says, no binding is made, refreshed or
		 * removed; the 200 tells the phone this node is up. */
		log_debug(LOGS_SIP, 0, "REGISTER %s from %s: " KEEP_ALIVE_PARAM ", bindings kept",
			  items[0].b.device, r->peer);
		reply(r, 200, "OK");
		return;
	}
	if (store_items(r, items, c.n, ops, now))
		return;
	log_items(r, items, ops, c.n);
	for (size_t i = 0; i < c.n; i++)
		created[i] = !ops[i].remove && ops[i].created;
	reply_bindings(r, items, created, c.n);
}

/* ---- REFER (alarms), OPTIONS, the rest ---- */

static void on_refer(struct req *r)
{
	const struct msg_ctype *ct = &r->msg->ctyp;
	char name[64], line[1024];

	if (msg_ctype_cmp(ct, "application", "x-cisco-alarm+xml")) {
		if (sipd_alarm_summary(r->body, r->body_len, name, sizeof(name), line,
				       sizeof(line))) {
			refuse(r, 400, "Bad Alarm", "the body is not an x-cisco-alarm document");
			return;
		}
		log_info(LOGS_SIP, 0, "alarm %s from %s: %s", name[0] ? name : "(unnamed)", r->peer,
			 line);
		if (strcmp(name, "DeviceTLInfo") == 0) {
			struct sipd_alarm a;
			if (sipd_alarm_parse(r->body, r->body_len, &a) == 0)
				log_debug(LOGS_SIP, 0,
					  "trust lists of %s (%s): CTL \"%s\" from %s, ITL \"%s\" "
					  "from %s, status %d",
					  a.device_name[0] ? a.device_name : "?", r->peer,
					  a.ctl_signature, a.ctl_tftp_server, a.itl_signature,
					  a.itl_tftp_server, a.status_code);
		}
		answer_t(r, 202, "Accepted", "");
		return;
	}
	if (pl_strcasecmp(&ct->type, "application") == 0 && ct->subtype.l >= 16 &&
	    strncasecmp(ct->subtype.p, "x-cisco-remotecc", 16) == 0) {
		char sub[64];
		sipd_log_text(ct->subtype.p, ct->subtype.l, sub, sizeof(sub));
		log_info(LOGS_SIP, 0, "REFER application/%s from %s: %zu bytes, accepted", sub,
			 r->peer, r->body_len);
		answer_t(r, 202, "Accepted", "");
		return;
	}
	log_warnx(LOGS_SIP, 0, "REFER from %s refused: 415 (only phone alarms are taken)", r->peer);
	answer(r, 415, "Unsupported Media Type", "Accept: " ACCEPT "\r\n");
}

static void on_options(struct req *r)
{
	log_debug(LOGS_SIP, 0, "OPTIONS from %s", r->peer);
	answer(r, 200, "OK",
	       "Allow: " ALLOW "\r\nAccept: " ACCEPT "\r\nSupported: " SUPPORTED "\r\n");
}

bool sipd_uas_request(const struct sip_msg *msg, void *arg)
{
	struct req r;

	memset(&r, 0, sizeof(r));
	r.s = arg;
	r.msg = msg;
	if (pl_strcmp(&msg->met, "ACK") == 0)
		return true; /* an ACK for a final answer of ours: nothing to do */
	sipd_log_text(msg->met.p, msg->met.l, r.method, sizeof(r.method));
	(void)re_snprintf(r.peer, sizeof(r.peer), "%J/%s", &msg->src, sipd_transport_name(msg->tp));
	if (check_request(&r))
		return true;

	if (pl_strcmp(&msg->met, "REGISTER") == 0) {
		on_register(&r);
	} else if (pl_strcmp(&msg->met, "REFER") == 0) {
		on_refer(&r);
	} else if (pl_strcmp(&msg->met, "OPTIONS") == 0) {
		on_options(&r);
	} else if (pl_strcmp(&msg->met, "CANCEL") == 0) {
		/* Matching CANCELs were answered by libre's transaction layer already. */
		reply(&r, 481, "Call/Transaction Does Not Exist");
	} else {
		for (size_t i = 0; i < sizeof(refused_405) / sizeof(refused_405[0]); i++) {
			if (pl_strcmp(&msg->met, refused_405[i]) == 0) {
				log_info(LOGS_SIP, 0, "%s from %s refused: 405 Method Not Allowed",
					 r.method, r.peer);
				/* Stateful for INVITE: its final answer is resent until the ACK. */
				answer_t(&r, 405, "Method Not Allowed", "Allow: " ALLOW "\r\n");
				return true;
			}
		}
		log_info(LOGS_SIP, 0, "%s from %s refused: 501 Not Implemented", r.method, r.peer);
		reply(&r, 501, "Not Implemented");
	}
	return true;
}
