/* phone_sip.c -- the simulated phone's SIP side on libre: alarm REFER, REGISTER and refresh,
 * the service-control NOTIFY and the restart it causes (unregister, alarm, register anew). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "phone/phone_int.h"

#define ALARM_WAIT_MS 1000

static void register_resp(int err, const struct sip_msg *msg, void *arg);

/* A phone writes small messages back to back on one connection (the 200 for a NOTIFY, then the
 * un-REGISTER): with Nagle the second waits for the peer's delayed ACK, 40 ms on Linux. */
static void tcp_nodelay(const struct sip_msg *msg)
{
	struct tcp_conn *tc = msg ? sip_msg_tcpconn(msg) : NULL;
	int fd = tc ? tcp_conn_fd(tc) : -1, one = 1;

	if (fd >= 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}
static int send_register(struct phone *p);

static const char *tp_param(enum phone_transport tp)
{
	return tp == PHONE_TP_TCP ? "tcp" : "udp";
}

static void new_call_id(struct phone *p)
{
	/* A 7821's Call-ID starts with its MAC; the rest only has to be unique. */
	snprintf(p->call_id, sizeof(p->call_id), "%.8s-%.4s%04x-%08x-%08x@%s", p->id.mac,
		 p->id.mac + 8, (unsigned)(rand_u32() & 0xffff), rand_u32(), rand_u32(), p->cfg.ip);
	snprintf(p->from_tag, sizeof(p->from_tag), "%08x%04x", rand_u32(),
		 (unsigned)(rand_u32() & 0xffff));
	snprintf(p->session_id, sizeof(p->session_id), "%016llx%016llx",
		 (unsigned long long)rand_u64(), (unsigned long long)rand_u64());
	p->cseq = 101;
}

static void fill_msg(struct phone *p, struct phone_sip_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->server = p->target_host[0] ? p->target_host : p->cfg.server;
	m->aor_user = p->aor_user;
	m->ip = p->cfg.ip;
	m->port = p->cfg.local_sip_port;
	m->transport = p->cfg.transport;
	m->load = p->cfg.load;
	m->last = p->last;
	m->session_id = p->session_id;
	m->now = (int64_t)time(NULL);
	/* No trust lists: "Not Installed" / "N/A", and the lab phone's status code. The phone that
	 * follows the whole log will fill these from the ITL and CTL it fetched. */
	m->status_code = -1;
}

static int auth_h(char **user, char **pass, const char *realm, void *arg)
{
	struct phone *p = arg;
	int err;

	(void)realm;
	err = str_dup(user, p->cfg.sip_user ? p->cfg.sip_user : p->id.name);
	if (!err)
		err = str_dup(pass, p->cfg.sip_password ? p->cfg.sip_password : "");
	return err;
}

/* Sends one request; libre adds the request line, Via and Max-Forwards. */
static int send_request(struct phone *p, struct sip_request **reqp, const char *method,
			struct sip_auth *auth, const struct buf *hdrs, sip_resp_h *resph)
{
	struct uri route;
	struct pl pl;
	int err;

	if (hdrs->oom)
		return ENOMEM;
	pl_set_str(&pl, p->route);
	err = uri_decode(&route, &pl);
	if (err)
		return err;
	return sip_requestf(reqp, p->sip, true, method, p->ruri, &route, auth, NULL, resph, p, "%s",
			    hdrs->data);
}

static void trace_h(bool tx, enum sip_transp tp, const struct sa *src, const struct sa *dst,
		    const uint8_t *pkt, size_t len, void *arg)
{
	struct phone *p = arg;
	struct phone_step s = {.kind = PHONE_STEP_TRACE, .name = "trace", .ok = 1, .expires = -1};
	char head[160], *body;

	(void)tp;
	re_snprintf(head, sizeof(head), "%s %J %s %J (%zu bytes)", tx ? "sent" : "received",
		    tx ? src : dst, tx ? "->" : "<-", tx ? dst : src, len);
	body = malloc(len + 1);
	if (!body)
		return;
	memcpy(body, pkt, len);
	body[len] = '\0';
	s.text = head;
	s.body = body;
	phone_report(p, &s);
	free(body);
}

static void refresh_h(void *arg)
{
	struct phone *p = arg;

	if (p->reg != REG_OK || p->restarting)
		return;
	p->reg_kind = "refresh";
	p->reg = REG_SENT;
	p->cseq++;
	p->reg_auth_tried = false;
	if (send_register(p) != 0) {
		p->reg = REG_NONE;
		re_cancel();
	}
}

static int send_register(struct phone *p)
{
	struct phone_sip_msg m;
	struct buf b;
	int err;

	fill_msg(p, &m);
	m.call_id = p->call_id;
	m.from_tag = p->from_tag;
	m.cseq = p->cseq;
	m.expires = strcmp(p->reg_kind, "unregister") == 0 ? 0 : 3600;
	buf_init(&b);
	phone_register_render(&b, &p->id, &m);
	p->reg_sent_at = phone_clock_us();
	p->reg_req = mem_deref(p->reg_req);
	err = send_request(p, &p->reg_req, "REGISTER", p->reg_auth_tried ? p->auth : NULL, &b,
			   register_resp);
	buf_free(&b);
	return err;
}

/* The REGISTER that waited for the alarm's answer, as the phone in the capture waits. */
static void register_after_alarm(struct phone *p)
{
	if (!p->reg_after_alarm)
		return;
	p->reg_after_alarm = false;
	tmr_cancel(&p->alarm_tmr);
	if (send_register(p) != 0) {
		phone_fail(p, "REGISTER not sent");
		p->reg_err = EIO;
		p->reg = REG_NONE;
		if (p->restarting) {
			p->restart_err = EIO;
			p->restarting = false;
			p->restarts++;
		}
	}
}

static void alarm_wait_h(void *arg)
{
	register_after_alarm(arg);
	re_cancel();
}

static void refer_resp(int err, const struct sip_msg *msg, void *arg)
{
	struct phone *p = arg;
	struct phone_step s = {
	    .kind = PHONE_STEP_SIP, .name = "refer", .method = "REFER", .expires = -1};
	char text[256];

	tcp_nodelay(msg);
	if (msg && msg->scode < 200)
		return;
	s.ms = phone_since_ms(p->refer_sent_at);
	s.uri = p->ruri;
	if (err) {
		snprintf(text, sizeof(text), "REFER %s (DeviceTLInfo alarm) -> no answer: %s",
			 p->ruri, strerror(err));
	} else {
		s.status = msg->scode;
		s.ok = msg->scode < 300;
		re_snprintf(text, sizeof(text), "REFER %s (DeviceTLInfo alarm) -> %u %r", p->ruri,
			    msg->scode, &msg->reason);
	}
	s.text = text;
	phone_report(p, &s);
	/* The alarm is a report: the phone registers whatever the answer, as a real one does. */
	register_after_alarm(p);
	re_cancel();
}

static int send_alarm(struct phone *p)
{
	struct phone_sip_msg m;
	char call_id[96], tag[24], cid[64];
	struct buf b;
	int err;

	fill_msg(p, &m);
	snprintf(call_id, sizeof(call_id), "%08x-%08x-%08x@%s", rand_u32(), rand_u32(), rand_u32(),
		 p->cfg.ip);
	snprintf(tag, sizeof(tag), "%08x", rand_u32());
	snprintf(cid, sizeof(cid), "%010u@%s", rand_u32() % 1000000000u, p->cfg.ip);
	m.call_id = call_id;
	m.from_tag = tag;
	m.cseq = ++p->refer_cseq;
	m.content_id = cid;
	buf_init(&b);
	phone_alarm_render(&b, &p->id, &m);
	p->refer_sent_at = phone_clock_us();
	p->refer_req = mem_deref(p->refer_req);
	err = send_request(p, &p->refer_req, "REFER", NULL, &b, refer_resp);
	buf_free(&b);
	return err;
}

int phone_sip_send_register(struct phone *p, const char *kind, unsigned expires)
{
	int err;

	if (expires == 0) {
		p->reg_kind = "unregister";
		p->reg = REG_UNSENT;
		p->cseq++;
	} else {
		new_call_id(p);
		p->reg_kind = kind;
		p->reg = REG_SENT;
		/* As the phone in the capture: the trust-list alarm first, the REGISTER once it is
		 * answered (or after a second without an answer). */
		p->reg_auth_tried = false;
		if (send_alarm(p) == 0) {
			p->reg_after_alarm = true;
			tmr_start(&p->alarm_tmr, ALARM_WAIT_MS, alarm_wait_h, p);
			return 0;
		}
		/* An alarm that cannot go out does not keep the phone from registering. */
	}
	p->reg_auth_tried = false;
	err = send_register(p);
	if (err)
		p->reg = REG_NONE;
	return err;
}

void phone_sip_target(struct phone *p, const char *host, unsigned port, const char *aor_user)
{
	snprintf(p->route, sizeof(p->route), "sip:%s:%u;transport=%s", host, port,
		 tp_param(p->cfg.transport));
	/* The Request-URI is the bare server, as in the capture; a port shows when not 5060. */
	if (port == 5060)
		snprintf(p->ruri, sizeof(p->ruri), "sip:%s", host);
	else
		snprintf(p->ruri, sizeof(p->ruri), "sip:%s:%u", host, port);
	snprintf(p->aor_user, sizeof(p->aor_user), "%s", aor_user);
	snprintf(p->target_host, sizeof(p->target_host), "%s", host);
}

/* The restart a service-control NOTIFY asks for, after the un-REGISTER answered: a 7821
 * re-reads its configuration here (phone_cnf.c), then registers again with a new Call-ID
 * wherever the file sends it. */
static void restart_register(struct phone *p)
{
	if (phone_cnf_start(p, true) != 0)
		phone_sip_restart_register(p); /* no file: register where we were */
}

void phone_sip_restart_register(struct phone *p)
{
	int err;

	snprintf(p->last, sizeof(p->last), "reset-restart");
	err = phone_sip_send_register(p, "re-register", 3600);
	if (err) {
		phone_fail(p, "re-REGISTER not sent: %s", strerror(err));
		p->restart_err = err;
		p->restarting = false;
		p->restarts++;
	}
}

/* A 401/407 answered once with the digest credentials: true when that REGISTER went out. */
static bool retry_with_auth(struct phone *p, int err, const struct sip_msg *msg)
{
	if (err || (msg->scode != 401 && msg->scode != 407) || p->reg_auth_tried ||
	    !p->cfg.sip_password || sip_auth_authenticate(p->auth, msg) != 0)
		return false;
	p->reg_auth_tried = true;
	p->cseq++;
	return send_register(p) == 0;
}

/* The step to report for the final answer msg (or err), and p->reg_err from it. */
static void register_outcome(struct phone *p, int err, const struct sip_msg *msg, bool unreg,
			     struct phone_step *s, char *text, size_t len)
{
	const char *kind = p->reg_kind;
	unsigned bindings = 0;
	char what[64];

	if (strcmp(kind, "re-register") == 0)
		snprintf(what, sizeof(what), "re-REGISTER %s", p->ruri);
	else if (strcmp(kind, "refresh") == 0)
		snprintf(what, sizeof(what), "REGISTER %s (refresh)", p->ruri);
	else if (unreg)
		snprintf(what, sizeof(what), "un-REGISTER %s", p->ruri);
	else
		snprintf(what, sizeof(what), "REGISTER %s", p->ruri);

	s->name = kind;
	s->ms = phone_since_ms(p->reg_sent_at);
	s->uri = p->ruri;
	s->call_id = p->call_id;
	s->text = text;
	if (err) {
		snprintf(text, len, "%s -> no answer: %s", what, strerror(err));
		phone_fail(p, "%s", text);
		p->reg_err = err == ETIMEDOUT ? ETIMEDOUT : err;
	} else if (msg->scode >= 300) {
		re_snprintf(text, len, "%s -> %u %r", what, msg->scode, &msg->reason);
		phone_fail(p, "%s", text);
		s->status = msg->scode;
		p->reg_err = EACCES;
	} else {
		phone_sip_granted(msg, p->id.contact_user, &s->expires, &bindings);
		s->status = msg->scode;
		s->ok = 1;
		if (unreg)
			re_snprintf(text, len, "%s -> %u %r (%u binding%s)", what, msg->scode,
				    &msg->reason, bindings, bindings == 1 ? "" : "s");
		else if (s->expires >= 0)
			re_snprintf(text, len, "%s -> %u %r (expires %d)", what, msg->scode,
				    &msg->reason, s->expires);
		else
			re_snprintf(text, len, "%s -> %u %r (no expiry given)", what, msg->scode,
				    &msg->reason);
		p->reg_err = 0;
	}
}

static void register_state(struct phone *p, bool unreg, const struct phone_step *s)
{
	if (unreg) {
		/* Whatever the registrar said, this phone no longer counts on the binding. */
		p->reg = REG_NONE;
		tmr_cancel(&p->refresh_tmr);
	} else if (p->reg_err == 0) {
		p->reg = REG_OK;
		p->granted = s->expires > 0 ? (unsigned)s->expires : 3600;
		/* Refresh at half the granted time, as UAs usually do. */
		tmr_start(&p->refresh_tmr, (uint64_t)p->granted * 500, refresh_h, p);
	} else {
		p->reg = REG_NONE;
	}
}

static void register_resp(int err, const struct sip_msg *msg, void *arg)
{
	struct phone *p = arg;
	struct phone_step s = {.kind = PHONE_STEP_SIP, .method = "REGISTER", .expires = -1};
	bool unreg = strcmp(p->reg_kind, "unregister") == 0;
	char text[384];

	tcp_nodelay(msg);
	if (msg && msg->scode < 200)
		return;
	if (retry_with_auth(p, err, msg))
		return;
	register_outcome(p, err, msg, unreg, &s, text, sizeof(text));
	p->reg_exchanges++;
	register_state(p, unreg, &s);
	phone_report(p, &s);

	/* A restart goes on after its un-REGISTER and ends with its REGISTER. */
	if (p->restarting && unreg) {
		restart_register(p);
	} else if (p->restarting) {
		p->restart_err = p->reg_err;
		p->restarting = false;
		p->restarts++;
	}
	re_cancel();
}

static void on_notify(struct phone *p, const struct sip_msg *msg)
{
	struct phone_step s = {
	    .kind = PHONE_STEP_SIP, .name = "notify", .method = "NOTIFY", .expires = -1};
	const struct sip_hdr *ev = sip_msg_hdr(msg, SIP_HDR_EVENT);
	struct phone_notify n;
	char text[512];
	struct pl evname;
	bool restart;

	s.ms = phone_since_ms(p->last_step);
	if (!ev || re_regex(ev->val.p, ev->val.l, "[^;]+", &evname) ||
	    pl_strcasecmp(&evname, "service-control") != 0) {
		(void)sip_treply(NULL, p->sip, msg, 489, "Bad Event");
		re_snprintf(text, sizeof(text), "NOTIFY Event: %r <- answered 489 Bad Event",
			    ev ? &ev->val : &msg->met);
		s.text = text;
		s.status = 489;
		phone_report(p, &s);
		return;
	}
	if (phone_notify_parse((const char *)mbuf_buf(msg->mb), mbuf_get_left(msg->mb), &n) != 0) {
		(void)sip_treply(NULL, p->sip, msg, 400, "Bad Request");
		s.text = "NOTIFY service-control without action= <- answered 400";
		s.status = 400;
		phone_report(p, &s);
		return;
	}
	(void)sip_treply(NULL, p->sip, msg, 200, "OK");
	restart = strcasecmp(n.action, "restart") == 0 || strcasecmp(n.action, "reset") == 0;
	re_snprintf(text, sizeof(text),
		    "NOTIFY service-control action=%s ConfigVersionStamp=%s%s <- answered 200",
		    n.action, n.config_version[0] ? n.config_version : "{}",
		    !n.register_call_id[0] || strcmp(n.register_call_id, p->call_id) == 0
			? ""
			: " (RegisterCallId is not our Call-ID)");
	s.text = text;
	s.status = 200;
	s.ok = 1;
	s.notify = &n;
	s.call_id = n.register_call_id;
	phone_report(p, &s);

	/* reset (a reboot) and restart look the same from the registrar: the binding goes away
	 * and comes back with a new Call-ID. One restart at a time, like the phone. */
	if (restart && p->reg == REG_OK && !p->restarting) {
		p->restarting = true;
		p->restart_err = 0;
		if (phone_sip_send_register(p, "unregister", 0) != 0) {
			p->restarting = false;
			p->restarts++;
			p->restart_err = EIO;
		}
	}
	re_cancel();
}

static bool request_h(const struct sip_msg *msg, void *arg)
{
	struct phone *p = arg;
	struct phone_step s = {.kind = PHONE_STEP_SIP, .ok = 1, .expires = -1};
	char text[256];

	tcp_nodelay(msg);
	if (!pl_strcmp(&msg->met, "NOTIFY")) {
		on_notify(p, msg);
		return true;
	}
	if (!pl_strcmp(&msg->met, "ACK"))
		return true;
	if (!pl_strcmp(&msg->met, "OPTIONS")) {
		(void)sip_treplyf(NULL, NULL, p->sip, msg, false, 200, "OK",
				  "Allow: ACK,BYE,CANCEL,INVITE,NOTIFY,OPTIONS,REFER,REGISTER,"
				  "UPDATE,SUBSCRIBE\r\nContent-Length: 0\r\n\r\n");
		s.status = 200;
	} else if (!pl_strcmp(&msg->met, "REFER")) {
		/* The registrar's remotecc REFER after a registration: the phone in the capture
		 * answers it 200 OK. */
		(void)sip_treply(NULL, p->sip, msg, 200, "OK");
		s.status = 200;
	} else {
		(void)sip_treply(NULL, p->sip, msg, 501, "Not Implemented");
		s.status = 501;
		s.ok = 0;
	}
	s.name = "request";
	s.ms = phone_since_ms(p->last_step);
	re_snprintf(text, sizeof(text), "%r from %J <- answered %d", &msg->met, &msg->src,
		    s.status);
	s.text = text;
	phone_report(p, &s);
	re_cancel();
	return true;
}

int phone_sip_init(struct phone *p, char *why, size_t whylen)
{
	struct sa laddr;
	int err;

	phone_sip_target(p, p->cfg.server, p->cfg.sip_port, p->cfg.line ? p->cfg.line : p->id.name);
	snprintf(p->last, sizeof(p->last), "initialized");
	tmr_init(&p->refresh_tmr);
	tmr_init(&p->alarm_tmr);

	err = sa_set_str(&laddr, p->cfg.ip, (uint16_t)p->cfg.local_sip_port);
	if (err) {
		snprintf(why, whylen, "bad phone address %s", p->cfg.ip);
		return EINVAL;
	}
	/* libre hands the trace handler the arg given here. */
	err = sip_alloc(&p->sip, NULL, 32, 32, 32, p->id.user_agent, NULL, p);
	if (err)
		goto out;
	/* Listen on what the Contact names: the registrar sends the NOTIFY there (or down the
	 * TCP connection the REGISTER came in on). */
	err = sip_transp_add(
	    p->sip, p->cfg.transport == PHONE_TP_TCP ? SIP_TRANSP_TCP : SIP_TRANSP_UDP, &laddr);
	if (err) {
		snprintf(why, whylen, "cannot listen on %s:%u/%s: %s", p->cfg.ip,
			 p->cfg.local_sip_port, tp_param(p->cfg.transport), strerror(err));
		goto out;
	}
	err = sip_listen(&p->lsnr, p->sip, true, request_h, p);
	if (err)
		goto out;
	/* ref=false: the phone is not a libre object and outlives the auth state. */
	err = sip_auth_alloc(&p->auth, auth_h, p, false);
	if (err)
		goto out;
	if (p->cfg.trace)
		sip_set_trace_handler(p->sip, trace_h);
out:
	if (err && !why[0])
		snprintf(why, whylen, "SIP stack: %s", strerror(err));
	return err;
}

void phone_sip_close(struct phone *p)
{
	tmr_cancel(&p->refresh_tmr);
	tmr_cancel(&p->alarm_tmr);
	p->reg_req = mem_deref(p->reg_req);
	p->refer_req = mem_deref(p->refer_req);
	p->lsnr = mem_deref(p->lsnr);
	if (p->sip)
		sip_close(p->sip, true);
	p->sip = mem_deref(p->sip);
	p->auth = mem_deref(p->auth);
}
