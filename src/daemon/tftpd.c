/* tftpd.c -- TFTP read requests on UDP (RFC 1350; options: RFC 2347 OACK, 2348 blksize, 2349
 * timeout and tsize, 7440 windowsize), served by the file service, on the loop thread.
 *
 * The listening socket takes requests only. A read request for a name the file service has not
 * is answered there (error 1) and leaves nothing behind; a malformed one gets error 4, a bad
 * option value error 8, a write request error 2 (read only). A file found gets its transfer:
 * its own socket on an ephemeral port (RFC 1350's transfer identifier), connected to the
 * client, so packets from anyone else never reach it. The transfer sends a window of blocks
 * (one without windowsize), waits for the acknowledgement of the window's last block, and
 * sends the next window from the block after the highest acknowledged one. Nothing is ever
 * sent again because an acknowledgement came twice (the Sorcerer's Apprentice bug, RFC 1123
 * 4.2.3.1): an acknowledgement that does not move the window on is ignored, and only a timeout
 * retransmits, TFTPD_RETRIES times, before the transfer ends without a word. The state is
 * bounded: TFTPD_MAX_TRANSFERS in all, TFTPD_MAX_PER_SOURCE per client address, each at most
 * TFTPD_LIFETIME_MS. */
#include "daemon/tftpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "daemon/fileserv.h"
#include "daemon/metrics.h"
#include "daemon/node.h"
#include "prov/tftp.h"

/* Datagrams read per wake-up of a socket before the loop serves the others. */
#define READ_BATCH 64

struct xfer {
	struct xfer *prev, *next;
	struct tftpd *d;
	uint64_t reqno;
	struct timespec t0;
	struct sockaddr_storage peer, local; /* the client; the address its request came to */
	socklen_t peer_len, local_len;
	char ip[INET6_ADDRSTRLEN];
	char shown[100]; /* the name for the log: controls and non-ASCII as '?', cut */
	struct tftp_request rq;
	int pending; /* the file service is looking the name up */

	/* the transfer, once the file is found */
	int fd;
	struct event *ev;
	struct fileserv_body *body; /* the bytes sent (netascii: the encoded copy) */
	struct tftp_options opt;
	int cached;
	char version[LIM_STAMP_MAX];
	uint32_t last;	/* number of the last block: len / blksize + 1 */
	uint32_t acked; /* highest block acknowledged; 0 also for the OACK */
	uint32_t sent;	/* highest block sent */
	int oack;	/* the OACK waits for its acknowledgement (block 0) */
	int retries;	/* left for the packets in flight */
	unsigned timeout_ms;
	unsigned resent; /* packets sent again after a timeout */
	int64_t deadline_ms, expires_ms;
};

struct tftpd {
	struct node *node;
	int fd;
	int family;
	int wildcard; /* bound to 0.0.0.0 or ::: each request says which address it came to */
	struct sockaddr_storage bound; /* the listening socket's address */
	socklen_t bound_len;
	struct event *ev;
	struct xfer *xfers;
	unsigned nxfers;
	uint8_t rx[TFTP_BLKSIZE_MAX + 8];
	uint8_t tx[TFTP_BLKSIZE_MAX + 4];
};

static void set_gauge(struct tftpd *d)
{
	metrics_tftp_transfers_set(d->node->metrics, (long)d->nxfers);
}

static void xfer_free(struct xfer *x)
{
	struct tftpd *d = x->d;

	if (x->prev)
		x->prev->next = x->next;
	else
		d->xfers = x->next;
	if (x->next)
		x->next->prev = x->prev;
	d->nxfers--;
	set_gauge(d);
	if (x->ev)
		event_free(x->ev);
	if (x->fd >= 0)
		close(x->fd);
	fileserv_body_unref(x->body);
	free(x);
}

/* A name from the network, fit for a log line: nothing in it can start a line of its own. */
static void show_name(const char *name, char *out, size_t len)
{
	size_t i = 0;

	for (; *name && i + 1 < len; name++)
		out[i++] =
		    (unsigned char)*name >= 0x20 && (unsigned char)*name < 0x7f ? *name : '?';
	out[i] = '\0';
}

static int same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		      &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr)) == 0;
}

static int port_of(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)a)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
}

static void show_addr(const struct sockaddr_storage *a, char *ip, size_t len)
{
	const void *src = a->ss_family == AF_INET
			      ? (const void *)&((const struct sockaddr_in *)a)->sin_addr
			      : (const void *)&((const struct sockaddr_in6 *)a)->sin6_addr;
	if (!inet_ntop(a->ss_family, src, ip, (socklen_t)len))
		snprintf(ip, len, "?");
}

/* ---- the listening socket ---------------------------------------------------------------- */

/* Sends pkt from the listening socket to peer, from the address the request came to. */
static void send_from_listener(struct tftpd *d, const struct sockaddr_storage *peer,
			       socklen_t peer_len, const struct sockaddr_storage *local,
			       const void *pkt, size_t len)
{
	struct iovec iov = {.iov_base = (void *)pkt, .iov_len = len};
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = {
	    .msg_name = (void *)peer, .msg_namelen = peer_len, .msg_iov = &iov, .msg_iovlen = 1};

	memset(&ctl, 0, sizeof(ctl));
	if (d->wildcard && local && local->ss_family == AF_INET) {
		struct cmsghdr *c;
		struct in_pktinfo pi = {0};
		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(pi));
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		pi.ipi_spec_dst = ((const struct sockaddr_in *)local)->sin_addr;
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	} else if (d->wildcard && local && local->ss_family == AF_INET6) {
		struct cmsghdr *c;
		struct in6_pktinfo pi = {0};
		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(pi));
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		pi.ipi6_addr = ((const struct sockaddr_in6 *)local)->sin6_addr;
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	}
	(void)sendmsg(d->fd, &msg, MSG_DONTWAIT);
}

static void send_error_from_listener(struct tftpd *d, const struct sockaddr_storage *peer,
				     socklen_t peer_len, const struct sockaddr_storage *local,
				     int code, const char *msg)
{
	uint8_t pkt[128];
	size_t n = tftp_build_error(pkt, sizeof(pkt), code, msg);

	if (n)
		send_from_listener(d, peer, peer_len, local, pkt, n);
}

/* ---- a transfer -------------------------------------------------------------------------- */

static int send_pkt(struct xfer *x, const void *pkt, size_t len)
{
	if (send(x->fd, pkt, len, MSG_DONTWAIT) >= 0)
		return 0;
	return errno;
}

/* Block b (1..last) of the file. */
static int send_block(struct xfer *x, uint32_t b)
{
	size_t off = (size_t)(b - 1) * x->opt.blksize;
	size_t len = off < x->body->len ? x->body->len - off : 0;

	if (len > x->opt.blksize)
		len = x->opt.blksize;
	size_t n =
	    tftp_build_data(x->d->tx, sizeof(x->d->tx), (uint16_t)b, x->body->data + off, len);
	return send_pkt(x, x->d->tx, n);
}

/* The window after the highest acknowledged block (or the OACK again). */
static int send_window(struct xfer *x)
{
	int rc = 0;

	x->deadline_ms = clock_now_ms() + x->timeout_ms;
	if (x->oack) {
		size_t n = tftp_build_oack(x->d->tx, sizeof(x->d->tx), &x->opt);
		rc = send_pkt(x, x->d->tx, n);
		return rc == EAGAIN || rc == ENOBUFS ? 0 : rc;
	}
	uint32_t end = x->acked + x->opt.windowsize;
	if (end > x->last)
		end = x->last;
	for (uint32_t b = x->acked + 1; b <= end; b++) {
		/* A full socket buffer ends the window early: the timeout sends it again. */
		if ((rc = send_block(x, b)) != 0)
			break;
		if (b > x->sent)
			x->sent = b;
	}
	return rc == EAGAIN || rc == ENOBUFS ? 0 : rc;
}

static void xfer_end(struct xfer *x, enum metrics_tftp how, const char *what)
{
	struct node *n = x->d->node;

	metrics_count_tftp(n->metrics, how);
	if (how == MTFTP_SENT)
		log_info(LOGS_TFTP, x->reqno,
			 "%s TFTP RRQ %s (%s, blksize %u, windowsize %u, %zu bytes, version %s, "
			 "%s) sent in %.2f ms, %u resent",
			 x->ip, x->shown, x->rq.mode == TFTP_MODE_NETASCII ? "netascii" : "octet",
			 x->opt.blksize, x->opt.windowsize, x->body->len, x->version,
			 x->cached ? "cached" : "built", clock_elapsed_ms(&x->t0), x->resent);
	else
		log_info(LOGS_TFTP, x->reqno, "%s TFTP RRQ %s: %s after block %u of %u", x->ip,
			 x->shown, what, x->acked, x->last);
	xfer_free(x);
}

/* An acknowledgement: 1 when the transfer is over (x freed). */
static int on_ack(struct xfer *x, uint16_t block)
{
	int rc;

	if (x->oack) {
		if (block != 0)
			return 0;
		x->oack = 0;
	} else {
		/* The acknowledged block among those in flight: its distance from the highest
		 * acknowledged one, modulo 2^16 (block numbers wrap). 0 is a duplicate, beyond
		 * what was sent a stray: neither sends anything. */
		uint32_t ahead = (uint16_t)(block - (uint16_t)x->acked);
		if (ahead == 0 || x->acked + ahead > x->sent)
			return 0;
		x->acked += ahead;
		if (x->acked == x->last) {
			xfer_end(x, MTFTP_SENT, "sent");
			return 1;
		}
	}
	x->retries = TFTPD_RETRIES;
	if ((rc = send_window(x)) != 0) {
		xfer_end(x, MTFTP_ABORTED, "client gone");
		return 1;
	}
	return 0;
}

/* Packets from the client: 1 when the transfer is over (x freed). */
static int xfer_read(struct xfer *x)
{
	uint8_t pkt[TFTP_REQUEST_MAX];

	for (int i = 0; i < READ_BATCH; i++) {
		ssize_t n = recv(x->fd, pkt, sizeof(pkt), MSG_DONTWAIT);
		uint16_t block;
		int code;
		char msg[64];

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return 0;
		if (n < 0) { /* ECONNREFUSED: the client's port is closed */
			xfer_end(x, MTFTP_ABORTED, "client gone");
			return 1;
		}
		if (tftp_parse_ack(pkt, (size_t)n, &block) == 0) {
			if (on_ack(x, block))
				return 1;
		} else if (tftp_parse_error(pkt, (size_t)n, &code, msg, sizeof(msg)) == 0) {
			char what[96];
			snprintf(what, sizeof(what), "client sent error %d \"%s\"", code, msg);
			xfer_end(x, MTFTP_ABORTED, what);
			return 1;
		}
		/* Anything else from the client is ignored. */
	}
	return 0;
}

static void xfer_arm(struct xfer *x)
{
	int64_t now = clock_now_ms(), wait = x->deadline_ms - now;
	struct timeval tv;

	if (wait < 0)
		wait = 0;
	tv.tv_sec = (time_t)(wait / 1000);
	tv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
	event_add(x->ev, &tv);
}

static void on_xfer(evutil_socket_t fd, short what, void *arg)
{
	struct xfer *x = arg;

	(void)fd;
	if ((what & EV_READ) && xfer_read(x))
		return;
	int64_t now = clock_now_ms();
	if (now >= x->expires_ms) {
		xfer_end(x, MTFTP_TIMED_OUT, "too slow, given up");
		return;
	}
	if (now >= x->deadline_ms) {
		if (x->retries-- <= 0) {
			xfer_end(x, MTFTP_TIMED_OUT, "no answer, given up");
			return;
		}
		x->resent++;
		if (send_window(x) != 0) {
			xfer_end(x, MTFTP_ABORTED, "client gone");
			return;
		}
	}
	xfer_arm(x);
}

/* The transfer's own socket: an ephemeral port on the address the request came to, connected
 * to the client. */
static int xfer_socket(struct xfer *x)
{
	struct sockaddr_storage local = x->local;
	int fd = socket(local.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return errno;
	if (local.ss_family == AF_INET)
		((struct sockaddr_in *)&local)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&local)->sin6_port = 0;
	if (bind(fd, (struct sockaddr *)&local, x->local_len) != 0 ||
	    connect(fd, (struct sockaddr *)&x->peer, x->peer_len) != 0) {
		int e = errno;
		close(fd);
		return e;
	}
	x->fd = fd;
	return 0;
}

/* The body to send: the file itself, or its netascii form. */
static int xfer_body(struct xfer *x, struct fileserv_body *file)
{
	struct buf b;

	if (x->rq.mode != TFTP_MODE_NETASCII) {
		fileserv_body_ref(file);
		x->body = file;
		return 0;
	}
	buf_init(&b);
	int rc = tftp_netascii_encode(file->data, file->len, &b);
	if (rc == 0) {
		x->body = malloc(sizeof(*x->body) + b.len + 1);
		if (!x->body)
			rc = ENOMEM;
	}
	if (rc == 0) {
		atomic_init(&x->body->refs, 1);
		x->body->len = b.len;
		if (b.len)
			memcpy(x->body->data, b.data, b.len);
		x->body->data[b.len] = '\0';
	}
	buf_free(&b);
	return rc;
}

static int xfer_begin(struct xfer *x, const struct fileserv_result *r)
{
	struct tftp_limits lim = {TFTPD_BLKSIZE_MAX, TFTPD_WINDOW_MAX};
	struct tftpd *d = x->d;
	int rc;

	x->cached = r->cached;
	snprintf(x->version, sizeof(x->version), "%s", r->version);
	if ((rc = xfer_body(x, r->body)) != 0 || (rc = xfer_socket(x)) != 0)
		return rc;
	tftp_negotiate(&x->rq, &lim, x->body->len, &x->opt);
	x->last = (uint32_t)(x->body->len / x->opt.blksize) + 1;
	x->oack = x->opt.acked != 0;
	x->timeout_ms = x->opt.timeout ? x->opt.timeout * 1000u : TFTPD_TIMEOUT_MS;
	x->retries = TFTPD_RETRIES;
	x->expires_ms = clock_now_ms() + TFTPD_LIFETIME_MS;
	if (!(x->ev = event_new(d->node->base, x->fd, EV_READ, on_xfer, x)))
		return ENOMEM;
	if ((rc = send_window(x)) != 0)
		return rc;
	xfer_arm(x);
	return 0;
}

/* The file service's answer to a read request. */
static void on_file(void *arg, const struct fileserv_result *r)
{
	struct xfer *x = arg;
	struct tftpd *d = x->d;
	struct node *n = d->node;
	int rc;

	x->pending = 0;
	switch (r->status) {
	case 200:
		rc = xfer_begin(x, r);	      /* takes its own reference */
		fileserv_body_unref(r->body); /* the one the answer gave us */
		if (rc == 0)
			return;
		log_warnc(LOGS_TFTP, x->reqno, rc, "%s TFTP RRQ %s: cannot start the transfer",
			  x->ip, x->shown);
		send_error_from_listener(d, &x->peer, x->peer_len, &x->local, TFTP_ERR_UNDEF,
					 "Server error, try again");
		metrics_count_tftp(n->metrics, MTFTP_BUSY);
		break;
	case 404:
		log_info(LOGS_TFTP, x->reqno, "%s TFTP RRQ %s%s%s: %s (error 1)", x->ip, x->shown,
			 r->req ? " " : "", r->req ? prov_file_kind_label(r->req->kind) : "",
			 r->why);
		send_error_from_listener(d, &x->peer, x->peer_len, &x->local, TFTP_ERR_NOTFOUND,
					 NULL);
		metrics_count_tftp(n->metrics, MTFTP_NOT_FOUND);
		break;
	default:
		/* Busy: no answer, the client sends its request again after its timeout. */
		log_warnx(LOGS_TFTP, x->reqno, "%s TFTP RRQ %s: %s (%d), dropped", x->ip, x->shown,
			  r->why, r->status);
		metrics_count_tftp(n->metrics, MTFTP_BUSY);
		break;
	}
	xfer_free(x);
}

/* A datagram on the listening socket. */
static void on_request(struct tftpd *d, const uint8_t *pkt, size_t len,
		       const struct sockaddr_storage *peer, socklen_t peer_len,
		       const struct sockaddr_storage *local, socklen_t local_len)
{
	struct node *n = d->node;
	struct tftp_request rq;
	const char *why = "";
	char ip[INET6_ADDRSTRLEN];
	int code = TFTP_ERR_ILLEGAL, op = tftp_opcode(pkt, len), per_source = 0;

	/* Never answer an error (two servers would bounce them forever), nor an acknowledgement
	 * (tftp-hpa's client acknowledges the error that ends a request). */
	if (op == TFTP_ERROR || op == TFTP_ACK || port_of(peer) == 0)
		return;
	show_addr(peer, ip, sizeof(ip));
	if (tftp_parse_request(pkt, len, &rq, &code, &why) != 0 || rq.opcode == TFTP_WRQ) {
		uint64_t reqno = node_next_reqno(n);
		if (rq.opcode == TFTP_WRQ) {
			code = TFTP_ERR_ACCESS;
			why = "write request: this server is read only";
		}
		log_info(LOGS_TFTP, reqno, "%s TFTP: %s (error %d)", ip, why, code);
		send_error_from_listener(d, peer, peer_len, local, code,
					 code == TFTP_ERR_ACCESS ? "Access violation: read only"
								 : NULL);
		metrics_count_tftp(n->metrics, MTFTP_REFUSED);
		return;
	}
	for (struct xfer *x = d->xfers; x; x = x->next) {
		if (!same_host(&x->peer, peer))
			continue;
		if (port_of(&x->peer) == port_of(peer))
			return; /* the client sent its request again: its transfer is on */
		per_source++;
	}
	if (d->nxfers >= TFTPD_MAX_TRANSFERS || per_source >= TFTPD_MAX_PER_SOURCE) {
		metrics_count_tftp(n->metrics, MTFTP_BUSY);
		log_debug(LOGS_TFTP, 0, "%s TFTP RRQ: %u transfers, %d from this address: dropped",
			  ip, d->nxfers, per_source);
		return;
	}
	struct xfer *x = calloc(1, sizeof(*x));
	if (!x) {
		metrics_count_tftp(n->metrics, MTFTP_BUSY);
		return;
	}
	x->d = d;
	x->fd = -1;
	x->reqno = node_next_reqno(n);
	x->t0 = clock_start();
	memcpy(&x->peer, peer, peer_len);
	x->peer_len = peer_len;
	memcpy(&x->local, local, local_len);
	x->local_len = local_len;
	memcpy(x->ip, ip, sizeof(x->ip));
	x->rq = rq;
	show_name(rq.name, x->shown, sizeof(x->shown));
	x->pending = 1;
	x->next = d->xfers;
	if (d->xfers)
		d->xfers->prev = x;
	d->xfers = x;
	d->nxfers++;
	set_gauge(d);
	/* May answer (and free x) before it returns. */
	fileserv_get(n, x->rq.name, x->rq.name_len, x->reqno, on_file, x);
}

/* The address a datagram came to: the socket's own, or (bound to a wildcard) the packet's. */
static void local_of(struct tftpd *d, struct msghdr *msg, struct sockaddr_storage *local,
		     socklen_t *local_len)
{
	*local = d->bound;
	*local_len = d->bound_len;
	if (!d->wildcard)
		return;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		    local->ss_family == AF_INET) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			((struct sockaddr_in *)local)->sin_addr = pi.ipi_addr;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
			   local->ss_family == AF_INET6) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			((struct sockaddr_in6 *)local)->sin6_addr = pi.ipi6_addr;
		}
	}
}

static void on_listen(evutil_socket_t fd, short what, void *arg)
{
	struct tftpd *d = arg;

	(void)what;
	for (int i = 0; i < READ_BATCH; i++) {
		struct sockaddr_storage peer, local;
		socklen_t local_len;
		union {
			char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = {.iov_base = d->rx, .iov_len = sizeof(d->rx)};
		struct msghdr msg = {.msg_name = &peer,
				     .msg_namelen = sizeof(peer),
				     .msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = ctl.buf,
				     .msg_controllen = sizeof(ctl.buf)};
		ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);

		if (n < 0)
			return; /* EAGAIN, or an ICMP error of an earlier answer */
		if (peer.ss_family != AF_INET && peer.ss_family != AF_INET6)
			continue;
		local_of(d, &msg, &local, &local_len);
		/* A datagram cut by the buffer is longer than any request: malformed. */
		on_request(d, d->rx, (msg.msg_flags & MSG_TRUNC) ? sizeof(d->rx) : (size_t)n, &peer,
			   msg.msg_namelen, &local, local_len);
	}
}

/* ---- start and stop ---------------------------------------------------------------------- */

static int open_listener(struct tftpd *d, const char *hostport)
{
	struct addr a;
	struct addrinfo hints = {0}, *res = NULL;
	char port[8];
	int one = 1, rc;

	if (addr_parse(&a, hostport, ADDR_LISTEN, 0) != 0)
		return EINVAL;
	snprintf(port, sizeof(port), "%d", a.port);
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(a.host, port, &hints, &res)) != 0)
		return rc == EAI_SYSTEM ? errno : EADDRNOTAVAIL;
	d->family = res->ai_family;
	d->fd = socket(res->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->fd < 0 || bind(d->fd, res->ai_addr, res->ai_addrlen) != 0) {
		rc = errno;
		freeaddrinfo(res);
		return rc;
	}
	if (res->ai_family == AF_INET)
		d->wildcard =
		    ((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr == htonl(INADDR_ANY);
	else
		d->wildcard =
		    IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr);
	freeaddrinfo(res);
	d->bound_len = sizeof(d->bound);
	if (getsockname(d->fd, (struct sockaddr *)&d->bound, &d->bound_len) != 0)
		return errno;
	if (d->wildcard && d->family == AF_INET)
		setsockopt(d->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	else if (d->wildcard)
		setsockopt(d->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	return 0;
}

int tftpd_start(struct node *n)
{
	struct tftpd *d;
	int rc;

	if (!n->cfg.tftp_udp[0])
		return 0;
	if ((rc = fileserv_alloc(n)) != 0)
		return rc;
	if (!(d = calloc(1, sizeof(*d))))
		return ENOMEM;
	d->node = n;
	d->fd = -1;
	if ((rc = open_listener(d, n->cfg.tftp_udp)) != 0) {
		log_errorc(LOGS_DAEMON, 0, rc, "TFTP listener: cannot bind udp %s",
			   n->cfg.tftp_udp);
		if (d->fd >= 0)
			close(d->fd);
		free(d);
		return rc;
	}
	if (!(d->ev = event_new(n->base, d->fd, EV_READ | EV_PERSIST, on_listen, d)) ||
	    event_add(d->ev, NULL) != 0) {
		if (d->ev)
			event_free(d->ev);
		close(d->fd);
		free(d);
		return ENOMEM;
	}
	n->tftpd = d;
	set_gauge(d);
	log_info(LOGS_DAEMON, 0, "TFTP listening on udp %s", n->cfg.tftp_udp);
	return 0;
}

void tftpd_stop(struct node *n)
{
	struct tftpd *d = n->tftpd;

	if (!d)
		return;
	/* The workers stopped first, so no lookup is pending: every entry is a transfer. */
	while (d->xfers)
		xfer_free(d->xfers);
	event_free(d->ev);
	close(d->fd);
	free(d);
	n->tftpd = NULL;
}
