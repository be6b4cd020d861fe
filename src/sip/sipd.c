/* sipd.c -- the node's SIP thread: libre's loop and listeners, the queue the node's threads feed,
 * and the service-control NOTIFY client transactions.
 *
 * libre is single-threaded: everything of libre's lives on the SIP thread, which runs re_main().
 * Other threads touch only the binding table (its own mutex) and a queue of NOTIFY jobs; they wake
 * the SIP thread through libre's mqueue. At most one wake-up sits in mqueue's pipe at a time (the
 * SIP thread drains the whole queue per wake-up), so a push never blocks the caller. */
#include "sip/sipd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <libxml/parser.h>

#include "core/addr.h"
#include "core/config.h"
#include "core/log.h"
#include "core/str.h"
#include "sip/binding.h"
#include "sip/sipd_int.h"
#include "sip/sipmsg.h"

enum { MQ_WAKE = 1, MQ_STOP = 2 };

/* Expired bindings are dropped this often (readers already ignore them). */
#define PURGE_MS 5000
/* libre's poll set is sized once; phones on TCP each hold a connection. */
#define SIPD_MAX_FDS 65536
/* Bytes asked for the UDP receive buffer: about 2000 REGISTERs of a 7821. */
#define SIPD_UDP_RCVBUF (4 * 1024 * 1024)

int64_t sipd_now(void)
{
	return (int64_t)time(NULL);
}

/* "host:port" -> sa; the host must be an IP literal (libre binds it as given). */
static int parse_listen(const char *s, struct sa *sa, char *host, size_t hostlen)
{
	struct addr a;
	if (addr_parse(&a, s, ADDR_LISTEN, 0) || str_copy(host, hostlen, a.host))
		return EINVAL;
	return sa_set_str(sa, host, (uint16_t)a.port) ? EINVAL : 0;
}

/* ---- service-control NOTIFY ---- */

static int notify_send(struct sipd *s, struct sipd_job *j);

static int notify_sendh(enum sip_transp tp, const struct sa *src, const struct sa *dst,
			struct mbuf *mb, void *arg)
{
	(void)dst;
	(void)arg;
	/* The Contact needs the local address libre picked, known only now. */
	return mbuf_printf(mb, "Contact: <sip:%J%s>\r\n", src,
			   tp == SIP_TRANSP_TCP ? ";transport=tcp" : "");
}

static void notify_resph(int err, const struct sip_msg *msg, void *arg)
{
	struct sipd_job *j = arg;
	struct sipd *s = j->s;

	if (!err && msg && msg->scode < 200)
		return; /* provisional; the final answer follows */
	if (err == ECONNABORTED) {
		log_warnx(LOGS_SIP, j->reqno,
			  "NOTIFY service-control action=%s to %s abandoned: node stopping",
			  j->action, j->device);
	} else if (err) {
		/* A phone on TCP is reached over the connection it registered on. When that is
		 * gone, try its Contact once, as a UA without that connection would be reached. */
		if (err != ETIMEDOUT && !j->via_contact && strcmp(j->b.transport, "tcp") == 0) {
			j->via_contact = 1;
			log_info(LOGS_SIP, j->reqno,
				 "NOTIFY to %s over %s failed (%s): trying its Contact", j->device,
				 j->target, strerror(err));
			if (notify_send(s, j) == 0)
				return;
		}
		log_warnc(LOGS_SIP, j->reqno, err,
			  "NOTIFY service-control action=%s to %s (%s): no answer", j->action,
			  j->device, j->target);
	} else {
		char reason[64];
		sipd_log_text(msg->reason.p, msg->reason.l, reason, sizeof(reason));
		if (msg->scode < 300)
			log_info(LOGS_SIP, j->reqno,
				 "NOTIFY service-control action=%s to %s (%s): %u %s", j->action,
				 j->device, j->target, msg->scode, reason);
		else
			log_warnx(LOGS_SIP, j->reqno,
				  "NOTIFY service-control action=%s to %s (%s): %u %s", j->action,
				  j->device, j->target, msg->scode, reason);
	}
	free(j);
}

/* Where the NOTIFY goes: a TCP phone over the connection its REGISTER came on (phones keep it
 * open; CUCM reaches them the same way), else the registered Contact. The route is always an IP
 * literal, so no DNS is involved. */
static int notify_route(struct sipd_job *j, char *route, size_t len)
{
	const char *tp = j->b.transport;
	if (strcmp(tp, "tcp") == 0 && !j->via_contact) {
		snprintf(route, len, "sip:%s;transport=tcp", j->b.source);
		return 0;
	}
	struct uri u;
	struct pl pl;
	struct sa sa;
	pl_set_str(&pl, j->b.contact);
	if (uri_decode(&u, &pl) == 0 && sa_set(&sa, &u.host, u.port ? u.port : SIP_PORT) == 0) {
		(void)re_snprintf(route, len, "sip:%J;transport=%s", &sa, tp);
		return 0;
	}
	/* A host name in the Contact: the address the phone registered from is as good. */
	snprintf(route, len, "sip:%s;transport=%s", j->b.source, tp);
	return 0;
}

static int notify_send(struct sipd *s, struct sipd_job *j)
{
	char body[1024], stamp[64], route[160];
	size_t blen = 0;
	struct uri ru;
	struct pl pl;
	int err;

	if (j->config_version[0]) {
		snprintf(stamp, sizeof(stamp), "%s", j->config_version);
	} else {
		uint8_t rnd[16];
		rand_bytes(rnd, sizeof(rnd));
		sipd_version_stamp(stamp, sipd_now(), rnd);
	}
	err = sipd_notify_body(body, sizeof(body), j->action, j->b.call_id, stamp, &blen);
	if (err == EINVAL) /* a Call-ID with braces cannot go between braces */
		err = sipd_notify_body(body, sizeof(body), j->action, NULL, stamp, &blen);
	if (err)
		return err;
	notify_route(j, route, sizeof(route));
	snprintf(j->target, sizeof(j->target), "%s", route + 4);
	pl_set_str(&pl, route);
	if ((err = uri_decode(&ru, &pl)) != 0)
		return err;
	err = sip_requestf(
	    NULL, s->sip, true, "NOTIFY", j->b.contact, &ru, NULL, notify_sendh, notify_resph, j,
	    "From: <sip:%s>;tag=%016llx\r\n"
	    "To: <%s>\r\n"
	    "Call-ID: %016llx@%s\r\n"
	    "CSeq: %u NOTIFY\r\n"
	    "Event: service-control\r\n"
	    "Subscription-State: active\r\n"
	    "User-Agent: emcc/" EMCC_SIP_VERSION "\r\n"
	    "Content-Type: text/plain\r\n"
	    "Content-Length: %zu\r\n"
	    "\r\n"
	    "%b",
	    s->from_host, (unsigned long long)rand_u64(), j->b.aor, (unsigned long long)rand_u64(),
	    s->from_host, ++s->notify_cseq, blen, body, blen);
	if (err == 0)
		log_debug(LOGS_SIP, j->reqno, "NOTIFY service-control action=%s to %s sent to %s",
			  j->action, j->device, j->target);
	return err;
}

static void notify_start(struct sipd *s, struct sipd_job *j)
{
	if (sipd_table_get(s->table, j->device, sipd_now(), &j->b) != 0) {
		log_info(LOGS_SIP, j->reqno,
			 "NOTIFY service-control action=%s for %s not sent: no longer registered",
			 j->action, j->device);
		free(j);
		return;
	}
	int err = notify_send(s, j);
	if (err && strcmp(j->b.transport, "tcp") == 0 && !j->via_contact) {
		j->via_contact = 1;
		err = notify_send(s, j);
	}
	if (err) {
		log_warnc(LOGS_SIP, j->reqno, err,
			  "NOTIFY service-control action=%s to %s not sent", j->action, j->device);
		free(j);
	}
}

/* ---- the SIP thread ---- */

static void on_mqueue(int id, void *data, void *arg)
{
	struct sipd *s = arg;
	(void)data;
	if (id == MQ_STOP) {
		re_cancel();
		return;
	}
	pthread_mutex_lock(&s->mu);
	struct sipd_job *j = s->qhead;
	s->qhead = s->qtail = NULL;
	s->qlen = 0;
	s->wake_pending = 0;
	pthread_mutex_unlock(&s->mu);
	while (j) {
		struct sipd_job *next = j->next;
		j->next = NULL;
		notify_start(s, j);
		j = next;
	}
}

static void purge_gone(void *arg, const struct sipd_binding *b)
{
	(void)arg;
	log_info(LOGS_SIP, 0, "binding of %s expired (%s from %s)", b->device, b->contact,
		 b->source);
}

static void purge_tick(void *arg)
{
	struct sipd *s = arg;
	/* sipd_stop's fallback: when its MQ_STOP could not be queued, the loop ends here, on the
	 * SIP thread (re_cancel acts on the calling thread's loop only). */
	pthread_mutex_lock(&s->mu);
	int stopping = s->stopping;
	pthread_mutex_unlock(&s->mu);
	if (stopping) {
		re_cancel();
		return;
	}
	sipd_table_purge(s->table, sipd_now(), purge_gone, s);
	tmr_start(&s->purge_tmr, PURGE_MS, purge_tick, s);
}

/* libre 1.1.0 opens the UDP socket inside sip_transp_add and does not hand it out, so it keeps
 * the kernel's default receive buffer (about 200 KB): a burst of phones registering at once
 * (a site coming back after a power cut) overflows that and costs each dropped REGISTER a 500 ms
 * retransmission. Find the socket by its local address and ask for more (capped by
 * net.core.rmem_max). */
static void raise_udp_rcvbuf(const struct sa *laddr)
{
	struct rlimit rl;
	int maxfd = 1024;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		maxfd = rl.rlim_cur > 65536 ? 65536 : (int)rl.rlim_cur;
	for (int fd = 0; fd < maxfd; fd++) {
		int type = 0, size = SIPD_UDP_RCVBUF;
		socklen_t tl = sizeof(type);
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct sa local;
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 || type != SOCK_DGRAM)
			continue;
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
		    sa_set_sa(&local, (struct sockaddr *)&ss) != 0 ||
		    !sa_cmp(&local, laddr, SA_ALL))
			continue;
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	}
}

static int add_transport(struct sipd *s, enum sip_transp tp, const char *listen)
{
	struct sa sa;
	char host[CONFIG_STR];
	int err = parse_listen(listen, &sa, host, sizeof(host));
	if (err) {
		log_errorx(LOGS_SIP, 0, "SIP: %s listen address \"%s\" is not ip:port",
			   sipd_transport_name(tp), listen);
		return err;
	}
	err = sip_transp_add(s->sip, tp, &sa);
	if (err) {
		log_errorc(LOGS_SIP, 0, err, "SIP: cannot listen on %s %s", sipd_transport_name(tp),
			   listen);
		return err;
	}
	if (tp == SIP_TRANSP_UDP)
		raise_udp_rcvbuf(&sa);
	if (!s->from_host[0])
		addr_format_host(s->from_host, sizeof(s->from_host), host);
	return 0;
}

static int thread_setup(struct sipd *s)
{
	int err = re_thread_init();
	if (err) {
		log_errorc(LOGS_SIP, 0, err, "SIP: cannot set up libre for its thread");
		return err;
	}
	struct rlimit rl;
	int maxfds = SIPD_MAX_FDS;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < (rlim_t)maxfds)
		maxfds = rl.rlim_cur < 1024 ? 1024 : (int)rl.rlim_cur;
	(void)fd_setsize(maxfds);
	tmr_init(&s->purge_tmr);
	rand_bytes(s->nonce_key, sizeof(s->nonce_key));

	err = sip_alloc(&s->sip, NULL, 1024, 1024, 1024, "emcc/" EMCC_SIP_VERSION, NULL, NULL);
	if (err) {
		log_errorc(LOGS_SIP, 0, err, "SIP: cannot start the stack");
		return err;
	}
	if (s->udp_listen[0] && (err = add_transport(s, SIP_TRANSP_UDP, s->udp_listen)))
		return err;
	if (s->tcp_listen[0] && (err = add_transport(s, SIP_TRANSP_TCP, s->tcp_listen)))
		return err;
	if ((err = sip_listen(&s->lsnr, s->sip, true, sipd_uas_request, s))) {
		log_errorc(LOGS_SIP, 0, err, "SIP: cannot listen for requests");
		return err;
	}
	struct mqueue *mq = NULL;
	if ((err = mqueue_alloc(&mq, on_mqueue, s))) {
		log_errorc(LOGS_SIP, 0, err, "SIP: cannot make the queue");
		return err;
	}
	pthread_mutex_lock(&s->mu);
	s->mq = mq;
	pthread_mutex_unlock(&s->mu);
	tmr_start(&s->purge_tmr, PURGE_MS, purge_tick, s);
	return 0;
}

/* Everything of libre's is let go on the thread that made it. */
static void thread_teardown(struct sipd *s)
{
	tmr_cancel(&s->purge_tmr);
	pthread_mutex_lock(&s->mu);
	struct mqueue *mq = s->mq;
	s->mq = NULL;
	struct sipd_job *j = s->qhead;
	s->qhead = s->qtail = NULL;
	s->qlen = 0;
	pthread_mutex_unlock(&s->mu);
	mem_deref(mq);
	while (j) {
		struct sipd_job *next = j->next;
		log_warnx(LOGS_SIP, j->reqno,
			  "NOTIFY service-control action=%s for %s not sent: node stopping",
			  j->action, j->device);
		free(j);
		j = next;
	}
	if (s->sip)
		sip_close(s->sip,
			  true); /* ends NOTIFY transactions; their handlers free the jobs */
	s->lsnr = mem_deref(s->lsnr);
	s->sip = mem_deref(s->sip);
	re_thread_close();
}

static void *sip_thread(void *arg)
{
	struct sipd *s = arg;
	int err = thread_setup(s);

	pthread_mutex_lock(&s->mu);
	s->start_err = err;
	s->ready = 1;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	if (!err) {
		err = re_main(NULL);
		if (err)
			log_errorc(LOGS_SIP, 0, err, "SIP: event loop ended");
	}
	thread_teardown(s);
	return NULL;
}

static void sipd_free(struct sipd *s)
{
	sipd_table_free(s->table);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

int sipd_start(struct sipd **sp, const struct sipd_config *cfg)
{
	struct sipd *s = NULL;
	int rc;

	const char *udp = cfg->udp_listen ? cfg->udp_listen : "";
	const char *tcp = cfg->tcp_listen ? cfg->tcp_listen : "";
	if (!udp[0] && !tcp[0]) {
		log_errorx(LOGS_SIP, 0, "SIP: neither a UDP nor a TCP listener is configured");
		return EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return ENOMEM;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if ((rc = sipd_table_alloc(&s->table, SIPD_MAX_BINDINGS)) != 0) {
		sipd_free(s);
		return rc;
	}
	snprintf(s->udp_listen, sizeof(s->udp_listen), "%s", udp);
	snprintf(s->tcp_listen, sizeof(s->tcp_listen), "%s", tcp);
	snprintf(s->realm, sizeof(s->realm), "%s", cfg->realm ? cfg->realm : "");
	snprintf(s->cluster_id, sizeof(s->cluster_id), "%s",
		 cfg->cluster_id ? cfg->cluster_id : "");
	s->lookup_ha1 = cfg->lookup_ha1;
	s->lookup_arg = cfg->lookup_arg;
	s->max_expires = cfg->max_expires ? cfg->max_expires : SIPD_DEFAULT_EXPIRES;

	/* libxml2 reads alarm bodies on the SIP thread; its globals are set up here, once. */
	xmlInitParser();
	if ((rc = pthread_create(&s->thread, NULL, sip_thread, s)) != 0) {
		log_errorc(LOGS_SIP, 0, rc, "SIP: cannot start its thread");
		sipd_free(s);
		return rc;
	}
	pthread_mutex_lock(&s->mu);
	while (!s->ready)
		pthread_cond_wait(&s->cv, &s->mu);
	rc = s->start_err;
	pthread_mutex_unlock(&s->mu);
	if (rc) {
		pthread_join(s->thread, NULL);
		sipd_free(s);
		return rc;
	}
	log_info(LOGS_SIP, 0, "SIP registrar listening on udp %s, tcp %s; %s; max expires %u",
		 s->udp_listen[0] ? s->udp_listen : "(off)",
		 s->tcp_listen[0] ? s->tcp_listen : "(off)",
		 s->realm[0] ? "digest authentication" : "no authentication", s->max_expires);
	if (s->realm[0] && !s->lookup_ha1)
		log_warnx(LOGS_SIP, 0,
			  "SIP realm \"%s\" is set but no SIP credentials are: every REGISTER will "
			  "be refused (403)",
			  s->realm);
	*sp = s;
	return 0;
}

void sipd_stop(struct sipd *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stopping = 1;
	/* No mq: the SIP thread has left its loop already. A failed push (mqueue_push allocates)
	 * must not leave the join below waiting forever: the purge timer sees stopping and ends
	 * the loop from the SIP thread, so the stop then takes up to PURGE_MS instead. */
	int err = s->mq ? mqueue_push(s->mq, MQ_STOP, NULL) : 0;
	pthread_mutex_unlock(&s->mu);
	if (err)
		log_warnc(LOGS_SIP, 0, err, "SIP: stop request not queued; stopping within %d ms",
			  PURGE_MS);
	pthread_join(s->thread, NULL);
	log_info(LOGS_SIP, 0, "SIP registrar stopped");
	sipd_free(s);
}

static int stamp_ok(const char *v)
{
	if (strlen(v) >= sizeof(((struct sipd_job *)0)->config_version))
		return 0;
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || (unsigned char)*v > 0x7e || *v == '{' || *v == '}')
			return 0;
	return 1;
}

int sipd_notify_service_control(struct sipd *s, const char *device, const char *action,
				const char *config_version, uint64_t reqno)
{
	struct sipd_binding b;
	struct sipd_job *j;
	int rc = 0;

	if (!s || !device || !action || strlen(device) >= sizeof(j->device) ||
	    (strcmp(action, "restart") != 0 && strcmp(action, "reset") != 0) ||
	    (config_version && !stamp_ok(config_version)))
		return EINVAL;
	if (sipd_table_get(s->table, device, sipd_now(), &b) != 0) {
		log_info(LOGS_SIP, reqno,
			 "NOTIFY service-control action=%s for %s not sent: device not registered",
			 action, device);
		return ENOENT;
	}
	j = calloc(1, sizeof(*j));
	if (!j)
		return ENOMEM;
	j->s = s;
	j->reqno = reqno;
	snprintf(j->device, sizeof(j->device), "%s", device);
	snprintf(j->action, sizeof(j->action), "%s", action);
	snprintf(j->config_version, sizeof(j->config_version), "%s",
		 config_version ? config_version : "");

	pthread_mutex_lock(&s->mu);
	if (s->stopping || !s->mq) {
		rc = ESHUTDOWN;
		goto out;
	}
	if (s->qlen >= SIPD_MAX_QUEUED) {
		rc = EAGAIN;
		goto out;
	}
	if (!s->wake_pending) {
		/* Nothing is queued while no wake-up is pending: the SIP thread took it all. */
		rc = mqueue_push(s->mq, MQ_WAKE, NULL);
		if (rc)
			goto out;
		s->wake_pending = 1;
	}
	if (s->qtail)
		s->qtail->next = j;
	else
		s->qhead = j;
	s->qtail = j;
	s->qlen++;
	j = NULL;
out:
	pthread_mutex_unlock(&s->mu);
	free(j);
	if (rc)
		log_warnc(LOGS_SIP, reqno, rc, "NOTIFY service-control action=%s for %s not queued",
			  action, device);
	return rc;
}

int sipd_binding_get(struct sipd *s, const char *device, struct sipd_binding *out)
{
	if (!s || !device)
		return EINVAL;
	return sipd_table_get(s->table, device, sipd_now(), out);
}

int sipd_binding_list(struct sipd *s, int (*fn)(void *arg, const struct sipd_binding *b), void *arg)
{
	if (!s || !fn)
		return EINVAL;
	return sipd_table_list(s->table, sipd_now(), fn, arg);
}

size_t sipd_binding_count(struct sipd *s)
{
	return s ? sipd_table_count(s->table) : 0;
}
