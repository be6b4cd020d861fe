/* test_sipd.c -- the SIP thread over real loopback sockets: REGISTER as a 7821 sends it, the
 * restart NOTIFY with its retransmission, UDP and TCP, digest authentication with a fixed HA1,
 * bad input, unregister. Uses 127.0.9.39 (the SIP tests' range is 127.0.9.31-39). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <re.h>

#include "core/log.h"
#include "sip/sipd.h"

#define ADDR "127.0.9.39"
#define PORT 5060      /* sipd, no authentication */
#define AUTH_PORT 5062 /* sipd with realm "emcc-test" */
#define PHONE_PORT 5071
#define DEVICE "SEPC80084AA8743"
#define WAIT_MS 10000

static char logdir[64];
static struct sipd *sd;

/* ---- small SIP client over plain sockets ---- */

static int t_udp_sock(int port)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, ADDR, &a.sin_addr);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static void t_udp_send(int fd, int port, const char *msg, size_t len)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, ADDR, &a.sin_addr);
	assert_int_equal(sendto(fd, msg, len, 0, (struct sockaddr *)&a, sizeof(a)), (ssize_t)len);
}

/* One datagram, or "" after WAIT_MS. */
static void t_udp_recv(int fd, char *buf, size_t len)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	buf[0] = '\0';
	if (poll(&p, 1, WAIT_MS) != 1)
		return;
	ssize_t n = recv(fd, buf, len - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
}

static int t_tcp_connect(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, ADDR, &a.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

/* One whole message (headers and Content-Length body) from a stream, or "" after WAIT_MS. */
static void t_tcp_recv(int fd, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	for (;;) {
		char *eoh = strstr(buf, "\r\n\r\n");
		if (eoh) {
			const char *cl = strcasestr(buf, "\nContent-Length:");
			size_t want =
			    (size_t)(eoh + 4 - buf) + (cl ? strtoul(cl + 16, NULL, 10) : 0);
			if (n >= want) {
				buf[want] = '\0';
				return;
			}
		}
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, WAIT_MS) != 1 || n + 1 >= len)
			return;
		ssize_t r = recv(fd, buf + n, len - 1 - n, 0);
		if (r <= 0)
			return;
		n += (size_t)r;
		buf[n] = '\0';
	}
}

/* The value of header name in msg ("" if absent). */
static const char *hdr(const char *msg, const char *name, char *out, size_t len)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\r\n%s:", name);
	const char *p = strcasestr(msg, pat);
	out[0] = '\0';
	if (!p)
		return out;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	size_t n = strcspn(p, "\r\n");
	if (n >= len)
		n = len - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return out;
}

static int status(const char *msg)
{
	return strncmp(msg, "SIP/2.0 ", 8) == 0 ? atoi(msg + 8) : -1;
}

/* Appended to the REGISTER's Contact parameters (make_register). */
static const char *contact_extra = "";

/* The 7821's REGISTER (reference 6.2), with its two-part remotecc body. */
static int make_register(char *out, size_t len, const char *tp, int port, const char *call_id,
			 int cseq, int expires, const char *auth)
{
	static const char body[] =
	    "--uniqueBoundary\r\n"
	    "Content-Type: application/x-cisco-remotecc-request+xml\r\n"
	    "Content-Disposition: session;handling=required\r\n\r\n"
	    "<?xml version=\"1.0\" "
	    "encoding=\"UTF-8\"?>\n<x-cisco-remotecc-request><bulkregisterreq>"
	    "<contact all=\"true\"><register></register></contact></bulkregisterreq>"
	    "</x-cisco-remotecc-request>\r\n"
	    "--uniqueBoundary\r\n"
	    "Content-Type: application/x-cisco-remotecc-request+xml\r\n"
	    "Content-Disposition: session;handling=required\r\n\r\n"
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<x-cisco-remotecc-request><optionsind>"
	    "<combine max=\"6\"><remotecc><status></status></remotecc><service-control>"
	    "</service-control></combine></optionsind></x-cisco-remotecc-request>\r\n"
	    "--uniqueBoundary--\r\n";
	return snprintf(
	    out, len,
	    "REGISTER sip:" ADDR " SIP/2.0\r\n"
	    "Via: SIP/2.0/%s " ADDR ":%d;branch=z9hG4bK%s%d\r\n"
	    "From: <sip:1000@" ADDR ">;tag=c80084aa87430001\r\n"
	    "To: <sip:1000@" ADDR ">\r\n"
	    "Call-ID: %s\r\n"
	    "Max-Forwards: 70\r\n"
	    "Date: Sat, 09 Mar 2019 13:32:40 GMT\r\n"
	    "CSeq: %d REGISTER\r\n"
	    "User-Agent: Cisco-CP7821/12.1.1\r\n"
	    "Contact: <sip:84984998-fe29-08c0-6d47-5993bf4ce06@" ADDR ":%d;transport=%s>"
	    ";+sip.instance=\"<urn:uuid:00000000-0000-0000-0000-c80084aa8743>\""
	    ";+u.sip!devicename.ccm.cisco.com=\"" DEVICE
	    "\";+u.sip!model.ccm.cisco.com=\"621\"%s\r\n"
	    "Supported: replaces,join,sdp-anat,norefersub,resource-priority,extended-refer,"
	    "X-cisco-callinfo,X-cisco-serviceuri,X-cisco-escapecodes,X-cisco-service-control\r\n"
	    "Reason: SIP;cause=200;text=\"cisco-alarm:23 Name=" DEVICE
	    " ActiveLoad=sip78xx.12-1-1-12 InactiveLoad=sip78xx.12-1-1-12 Last=reset-restart\"\r\n"
	    "Expires: %d\r\n"
	    "%s"
	    "Content-Type: multipart/mixed; boundary=uniqueBoundary\r\n"
	    "Mime-Version: 1.0\r\n"
	    "Content-Length: %zu\r\n\r\n%s",
	    strcmp(tp, "tcp") == 0 ? "TCP" : "UDP", port, call_id, cseq, call_id, cseq, port, tp,
	    contact_extra, expires, auth ? auth : "", strlen(body), body);
}

/* Answers a request received from sipd with 200 OK, copying what RFC 3261 8.2.6 says. */
static int make_ok(const char *req, char *out, size_t len)
{
	char via[256], from[256], to[256], cid[256], cseq[64];
	return snprintf(out, len,
			"SIP/2.0 200 OK\r\nVia: %s\r\nFrom: %s\r\nTo: %s;tag=phone1\r\n"
			"Call-ID: %s\r\nCSeq: %s\r\nContent-Length: 0\r\n\r\n",
			hdr(req, "Via", via, sizeof(via)), hdr(req, "From", from, sizeof(from)),
			hdr(req, "To", to, sizeof(to)), hdr(req, "Call-ID", cid, sizeof(cid)),
			hdr(req, "CSeq", cseq, sizeof(cseq)));
}

/* Waits until sip.log holds needle. */
static int log_has(const char *needle)
{
	char path[128], buf[65536];
	snprintf(path, sizeof(path), "%s/sip.log", logdir);
	for (int i = 0; i < WAIT_MS / 20; i++) {
		FILE *f = fopen(path, "r");
		if (f) {
			size_t n = fread(buf, 1, sizeof(buf) - 1, f);
			buf[n] = '\0';
			fclose(f);
			if (strstr(buf, needle))
				return 1;
		}
		usleep(20000);
	}
	return 0;
}

/* ---- tests ---- */

static int setup(void **state)
{
	(void)state;
	snprintf(logdir, sizeof(logdir), "/tmp/emcc-sipd-XXXXXX");
	if (!mkdtemp(logdir))
		return -1;
	struct log_options lo = {.dir = logdir,
				 .cluster_id = "ClusterOne",
				 .level = LOG_LVL_DEBUG,
				 .max_bytes = 1 << 24,
				 .keep = 1};
	if (log_open(&lo))
		return -1;
	for (int s = 0; s < LOGS_COUNT; s++)
		log_set_level((enum log_service)s, LOG_LVL_DEBUG);
	struct sipd_config cfg = {.udp_listen = ADDR ":5060",
				  .tcp_listen = ADDR ":5060",
				  .cluster_id = "ClusterOne",
				  .max_expires = 600};
	return sipd_start(&sd, &cfg);
}

static int teardown(void **state)
{
	(void)state;
	sipd_stop(sd);
	log_close();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", logdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_start_errors(void **state)
{
	(void)state;
	struct sipd *s2;
	struct sipd_config none = {.udp_listen = "", .tcp_listen = NULL};
	assert_int_equal(sipd_start(&s2, &none), EINVAL);
	/* The address is taken by sd: the error comes back, nothing is left running. */
	struct sipd_config busy = {.udp_listen = ADDR ":5060", .tcp_listen = ""};
	assert_int_equal(sipd_start(&s2, &busy), EADDRINUSE);
	struct sipd_config name = {.udp_listen = "localhost:5060"};
	assert_int_equal(sipd_start(&s2, &name), EINVAL);
}

static void test_register_notify_udp(void **state)
{
	(void)state;
	char msg[8192], resp[8192], v[512];
	int fd = t_udp_sock(PHONE_PORT);
	struct sipd_binding b;

	assert_int_equal(sipd_binding_get(sd, DEVICE, &b), ENOENT);
	assert_int_equal(sipd_notify_service_control(sd, DEVICE, "restart", NULL, 1), ENOENT);
	assert_true(log_has("NOTIFY service-control action=restart for " DEVICE
			    " not sent: device not registered"));

	int n =
	    make_register(msg, sizeof(msg), "udp", PHONE_PORT, "reg-udp-1@" ADDR, 101, 3600, NULL);
	t_udp_send(fd, PORT, msg, (size_t)n);
	t_udp_recv(fd, resp, sizeof(resp));
	assert_int_equal(status(resp), 200);
	/* As CUCM answers it: the granted expiry (capped at max_expires) in Expires, the Contact
	 * echoed with x-cisco-newreg (a binding new to this node), Date, Supported, and the
	 * remotecc answer to the phone's optionsind. */
	hdr(resp, "Contact", v, sizeof(v));
	assert_string_equal(v,
			    "<sip:84984998-fe29-08c0-6d47-5993bf4ce06@" ADDR ":5071;transport=udp>"
			    ";+sip.instance=\"<urn:uuid:00000000-0000-0000-0000-c80084aa8743>\""
			    ";+u.sip!devicename.ccm.cisco.com=\"" DEVICE
			    "\";+u.sip!model.ccm.cisco.com=\"621\";x-cisco-newreg");
	assert_string_equal(hdr(resp, "Expires", v, sizeof(v)), "600");
	assert_string_equal(hdr(resp, "Supported", v, sizeof(v)),
			    "X-cisco-srtp-fallback,X-cisco-sis-8.0.0");
	assert_string_equal(hdr(resp, "Content-Type", v, sizeof(v)),
			    "application/x-cisco-remotecc-response+xml");
	assert_non_null(strstr(resp, "\r\n\r\n<x-cisco-remotecc-response>\n<response>\n"
				     "<code>200</code>\n<optionsind>\n<combine max=\"6\">\n"
				     "<remotecc><status/></remotecc>\n<service-control/>\n"
				     "</combine>\n</optionsind>\n</response>\n"
				     "</x-cisco-remotecc-response>\n\r\n"));
	hdr(resp, "Date", v, sizeof(v));
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	assert_non_null(end);
	assert_int_equal(*end, '\0');
	time_t sent = timegm(&tm);
	assert_true(sent >= time(NULL) - 5 && sent <= time(NULL) + 1);
	assert_string_equal(hdr(resp, "Call-ID", v, sizeof(v)), "reg-udp-1@" ADDR);

	/* A refresh: the same, but not a new registration. */
	n = make_register(msg, sizeof(msg), "udp", PHONE_PORT, "reg-udp-1@" ADDR, 101, 3600, NULL);
	t_udp_send(fd, PORT, msg, (size_t)n);
	t_udp_recv(fd, resp, sizeof(resp));
	assert_int_equal(status(resp), 200);
	assert_null(strstr(hdr(resp, "Contact", v, sizeof(v)), "x-cisco-newreg"));
	assert_string_equal(hdr(resp, "Expires", v, sizeof(v)), "600");

	/* A backup call manager's keep-alive (expires=0;cisco-keep-alive) unbinds nothing. */
	contact_extra = ";expires=0;cisco-keep-alive";
	n = make_register(msg, sizeof(msg), "udp", PHONE_PORT, "keep-1@" ADDR, 7, 0, NULL);
	contact_extra = "";
	t_udp_send(fd, PORT, msg, (size_t)n);
	t_udp_recv(fd, resp, sizeof(resp));
	assert_int_equal(status(resp), 200);
	assert_string_equal(hdr(resp, "Contact", v, sizeof(v)), "");
	assert_true(hdr(resp, "Date", v, sizeof(v))[0] != '\0');

	assert_int_equal(sipd_binding_get(sd, DEVICE, &b), 0);
	assert_string_equal(b.device, DEVICE);
	assert_string_equal(b.aor, "sip:1000@" ADDR);
	assert_string_equal(b.contact,
			    "sip:84984998-fe29-08c0-6d47-5993bf4ce06@" ADDR ":5071;transport=udp");
	assert_string_equal(b.transport, "udp");
	assert_string_equal(b.source, ADDR ":5071");
	assert_string_equal(b.call_id, "reg-udp-1@" ADDR);
	assert_string_equal(b.instance, "<urn:uuid:00000000-0000-0000-0000-c80084aa8743>");
	assert_string_equal(b.model, "621");
	assert_string_equal(b.user_agent, "Cisco-CP7821/12.1.1");
	assert_int_equal(b.cseq, 101);
	assert_true(b.expires_at - b.registered_at == 600);
	assert_int_equal(sipd_binding_count(sd), 1);

	/* A REGISTER without Contact asks what is bound (RFC 3261 10.2.3): nothing changes. */
	n = snprintf(msg, sizeof(msg),
		     "REGISTER sip:" ADDR " SIP/2.0\r\nVia: SIP/2.0/UDP " ADDR
		     ":5071;branch=z9hG4bKq1\r\n"
		     "From: <sip:" DEVICE "@" ADDR ">;tag=1\r\nTo: <sip:" DEVICE "@" ADDR ">\r\n"
		     "Call-ID: query-1\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n");
	t_udp_send(fd, PORT, msg, (size_t)n);
	t_udp_recv(fd, resp, sizeof(resp));
	assert_int_equal(status(resp), 200);
	assert_non_null(strstr(hdr(resp, "Contact", v, sizeof(v)),
			       "<sip:84984998-fe29-08c0-6d47-5993bf4ce06@" ADDR
			       ":5071;transport=udp>"));
	assert_int_equal(sipd_binding_get(sd, DEVICE, &b), 0);
	assert_string_equal(b.call_id, "reg-udp-1@" ADDR);

	/* The restart NOTIFY reaches the contact. The first copy goes unanswered: the client
	 * transaction sends it again (Timer E), and the 200 to that copy ends it. */
	assert_int_equal(sipd_notify_service_control(sd, DEVICE, "restart", NULL, 42), 0);
	t_udp_recv(fd, msg, sizeof(msg));
	assert_true(strncmp(msg,
			    "NOTIFY sip:84984998-fe29-08c0-6d47-5993bf4ce06@" ADDR
			    ":5071;transport=udp SIP/2.0\r\n",
			    80) == 0);
	assert_string_equal(hdr(msg, "Event", v, sizeof(v)), "service-control");
	assert_string_equal(hdr(msg, "Subscription-State", v, sizeof(v)), "active");
	assert_string_equal(hdr(msg, "Content-Type", v, sizeof(v)), "text/plain");
	assert_string_equal(hdr(msg, "To", v, sizeof(v)), "<sip:1000@" ADDR ">");
	const char *body = strstr(msg, "\r\n\r\n");
	assert_non_null(body);
	body += 4;
	assert_true(strncmp(body,
			    "action=restart\r\nRegisterCallId={reg-udp-1@" ADDR "}\r\n"
			    "ConfigVersionStamp={",
			    strlen("action=restart\r\nRegisterCallId={reg-udp-1@" ADDR "}\r\n"
				   "ConfigVersionStamp={")) == 0);
	assert_non_null(strstr(body, "}\r\nDialplanVersionStamp={}\r\nSoftkeyVersionStamp={}\r\n"
				     "FeatureControlVersionStamp={}\r\n"));
	char via1[256], via2[256];
	hdr(msg, "Via", via1, sizeof(via1));
	t_udp_recv(fd, resp, sizeof(resp));
	assert_true(strncmp(resp, "NOTIFY ", 7) == 0);
	assert_string_equal(hdr(resp, "Via", via2, sizeof(via2)), via1); /* the same transaction */
	n = make_ok(resp, msg, sizeof(msg));
	t_udp_send(fd, PORT, msg, (size_t)n);
	assert_true(log_has("NOTIFY service-control action=restart to " DEVICE " (" ADDR
			    ":5071;transport=udp): 200 OK"));

	/* reset, and a given version stamp; a bad action or stamp is refused at once. */
	assert_int_equal(sipd_notify_service_control(sd, DEVICE, "reset", "1-abc", 43), 0);
	t_udp_recv(fd, msg, sizeof(msg));
	assert_non_null(strstr(msg, "\r\n\r\naction=reset\r\n"));
	assert_non_null(strstr(msg, "ConfigVersionStamp={1-abc}\r\n"));
	n = make_ok(msg, resp, sizeof(resp));
	t_udp_send(fd, PORT, resp, (size_t)n);
	assert_true(log_has("NOTIFY service-control action=reset to " DEVICE));
	assert_int_equal(sipd_notify_service_control(sd, DEVICE, "reboot", NULL, 44), EINVAL);
	assert_int_equal(sipd_notify_service_control(sd, DEVICE, "restart", "a}b", 44), EINVAL);

	/* A lower CSeq on the same Call-ID is out of order; the binding stays. */
	n = make_register(msg, sizeof(msg), "udp", PHONE_PORT, "reg-udp-1@" ADDR, 100, 3600, NULL);
	t_udp_send(fd, PORT, msg, (size_t)n);
	t_udp_recv(fd, resp, sizeof(resp));
	assert_int_equal(status(resp), 500);
	assert_int_equal(sipd_binding_get(sd, DEVICE, &b), 0);
	assert_int_equal(b.cseq, 101);

	/* Unregister (Expires: 0): 200 without Contact, binding gone. */
	n = make_register(msg, sizeof(msg), "udp", PHONE_PORT, "reg-udp-1@" ADDR, 102, 0, NULL);
	t_udp_send(fd, PORT, msg, (size_t)n);
	t_udp_recv(fd, resp, sizeof(resp));
	assert_int_equal(status(resp), 200);
	assert_string_equal(hdr(resp, "Contact", v, sizeof(v)), "");
	assert_string_equal(hdr(resp, "Expires", v, sizeof(v)), "");
	assert_string_equal(hdr(resp, "Content-Type", v, sizeof(v)), "");
	assert_int_equal(sipd_binding_get(sd, DEVICE, &b), ENOENT);
	assert_int_equal(sipd_binding_count(sd), 0);
	close(fd);
}

static void test_register_notify_tcp(void **state)
{
	(void)state;
	char msg[8192], resp[8192], v[256];
	int fd = t_tcp_connect(PORT);
	struct sipd_binding b;

	/* The phone's own listening port is not where the NOTIFY goes: it comes back over the
	 * connection the REGISTER used. */
	int n = make_register(msg, sizeof(msg), "tcp", 50600, "reg-tcp-1@" ADDR, 1, 3600, NULL);
	assert_int_equal(send(fd, msg, (size_t)n, 0), n);
	t_tcp_recv(fd, resp, sizeof(resp));
	assert_int_equal(status(resp), 200);
	assert_int_equal(sipd_binding_get(sd, DEVICE, &b), 0);
	assert_string_equal(b.transport, "tcp");

	assert_int_equal(sipd_notify_service_control(sd, DEVICE, "restart", NULL, 9), 0);
	t_tcp_recv(fd, msg, sizeof(msg));
	assert_true(strncmp(msg,
			    "NOTIFY sip:84984998-fe29-08c0-6d47-5993bf4ce06@" ADDR
			    ":50600;transport=tcp SIP/2.0\r\n",
			    60) == 0);
	assert_non_null(strstr(hdr(msg, "Via", v, sizeof(v)), "SIP/2.0/TCP "));
	assert_non_null(strstr(msg, "RegisterCallId={reg-tcp-1@" ADDR "}"));
	n = make_ok(msg, resp, sizeof(resp));
	assert_int_equal(send(fd, resp, (size_t)n, 0), n);
	assert_true(log_has("NOTIFY service-control action=restart to " DEVICE " (" ADDR));

	/* Contact: * with Expires: 0 removes it. */
	n = snprintf(msg, sizeof(msg),
		     "REGISTER sip:" ADDR " SIP/2.0\r\nVia: SIP/2.0/TCP " ADDR
		     ":50600;branch=z9hG4bKs1\r\n"
		     "From: <sip:" DEVICE "@" ADDR ">;tag=1\r\nTo: <sip:" DEVICE "@" ADDR ">\r\n"
		     "Call-ID: star-1\r\nCSeq: 1 REGISTER\r\nContact: *\r\nExpires: 0\r\n"
		     "Content-Length: 0\r\n\r\n");
	assert_int_equal(send(fd, msg, (size_t)n, 0), n);
	t_tcp_recv(fd, resp, sizeof(resp));
	assert_int_equal(status(resp), 200);
	assert_int_equal(sipd_binding_get(sd, DEVICE, &b), ENOENT);
	close(fd);
}

static void test_bad_input(void **state)
{
	(void)state;
	char msg[8192], resp[8192], v[256];
	int fd = t_udp_sock(PHONE_PORT + 1);
	struct sipd_binding b;

	int n = make_register(msg, sizeof(msg), "udp", PHONE_PORT + 1, "keep@" ADDR, 1, 3600, NULL);
	t_udp_send(fd, PORT, msg, (size_t)n);
	t_udp_recv(fd, resp, sizeof(resp));
	assert_int_equal(status(resp), 200);

	/* Garbage and a request without Via: dropped, no answer. */
	t_udp_send(fd, PORT, "\x00\x01garbage\r\n\r\n", 13);
	t_udp_send(fd, PORT, "REGISTER sip:x SIP/2.0\r\nContent-Length: 0\r\n\r\n", 45);
	/* Content-Length far past the datagram: 400. */
	const char *big =
	    "OPTIONS sip:" ADDR " SIP/2.0\r\nVia: SIP/2.0/UDP " ADDR
	    ":5072;branch=z9hG4bKcl\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\n"
	    "Call-ID: cl1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 4294967295\r\n\r\nxyz";
	t_udp_send(fd, PORT, big, strlen(big));
	t_udp_recv(fd, resp, sizeof(resp));
	assert_int_equal(status(resp), 400);
	/* Missing Call-ID; CSeq of another method. */
	const char *nocid = "OPTIONS sip:" ADDR " SIP/2.0\r\nVia: SIP/2.0/UDP " ADDR
			    ":5072;branch=z9hG4bKnc\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\n"
			    "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	t_udp_send(fd, PORT, nocid, strlen(nocid));
	t_udp_recv(fd, resp, sizeof(resp));
	assert_int_equal(status(resp), 400);
	/* A REGISTER whose device name would be unsafe to keep: 400, nothing stored. */
	n = make_register(msg, sizeof(msg), "udp", PHONE_PORT + 1, "evil@" ADDR, 1, 3600, NULL);
	char *dn = strstr(msg, "=\"" DEVICE "\"");
	assert_non_null(dn);
	memcpy(dn + 2, "SEP<script>AB", 13);
	t_udp_send(fd, PORT, msg, (size_t)n);
	t_udp_recv(fd, resp, sizeof(resp));
	assert_int_equal(status(resp), 400);
	assert_int_equal(sipd_binding_count(sd), 1);
	/* Require of an extension we lack: 420 with Unsupported. */
	const char *req = "OPTIONS sip:" ADDR " SIP/2.0\r\nVia: SIP/2.0/UDP " ADDR
			  ":5072;branch=z9hG4bKrq\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\n"
			  "Call-ID: rq1\r\nCSeq: 1 OPTIONS\r\nRequire: 100rel, norefersub\r\n"
			  "Content-Length: 0\r\n\r\n";
	t_udp_send(fd, PORT, req, strlen(req));
	t_udp_recv(fd, resp, sizeof(resp));
	assert_int_equal(status(resp), 420);
	assert_string_equal(hdr(resp, "Unsupported", v, sizeof(v)), "100rel");
	assert_true(hdr(resp, "Date", v, sizeof(v))[0] != '\0'); /* refusals carry Date too */

	/* Still answering, binding untouched. */
	const char *opt = "OPTIONS sip:" ADDR " SIP/2.0\r\nVia: SIP/2.0/UDP " ADDR
			  ":5072;branch=z9hG4bKok\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\n"
			  "Call-ID: ok1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	t_udp_send(fd, PORT, opt, strlen(opt));
	t_udp_recv(fd, resp, sizeof(resp));
	assert_int_equal(status(resp), 200);
	assert_string_equal(hdr(resp, "Allow", v, sizeof(v)), "REGISTER, REFER, OPTIONS");
	assert_non_null(strstr(hdr(resp, "Date", v, sizeof(v)), " GMT"));
	assert_int_equal(sipd_binding_get(sd, DEVICE, &b), 0);
	assert_string_equal(b.call_id, "keep@" ADDR);

	n = make_register(msg, sizeof(msg), "udp", PHONE_PORT + 1, "keep@" ADDR, 2, 0, NULL);
	t_udp_send(fd, PORT, msg, (size_t)n);
	t_udp_recv(fd, resp, sizeof(resp));
	assert_int_equal(status(resp), 200);
	assert_int_equal(sipd_binding_count(sd), 0);
	close(fd);
}

/* A REGISTER (no realm, so several devices may share it) with one Contact per device. */
static int make_multi(char *out, size_t len, const char *call_id, int cseq, const char *dev1,
		      const char *dev2)
{
	return snprintf(out, len,
			"REGISTER sip:" ADDR " SIP/2.0\r\n"
			"Via: SIP/2.0/UDP " ADDR ":%d;branch=z9hG4bKm%s%d\r\n"
			"From: <sip:1000@" ADDR ">;tag=m1\r\nTo: <sip:1000@" ADDR ">\r\n"
			"Call-ID: %s\r\nCSeq: %d REGISTER\r\n"
			"Contact: <sip:a@" ADDR ":%d>;+u.sip!devicename.ccm.cisco.com=\"%s\"\r\n"
			"Contact: <sip:b@" ADDR ":%d>;+u.sip!devicename.ccm.cisco.com=\"%s\"\r\n"
			"Expires: 600\r\nContent-Length: 0\r\n\r\n",
			PHONE_PORT + 3, call_id, cseq, call_id, cseq, PHONE_PORT + 3, dev1,
			PHONE_PORT + 3, dev2);
}

/* A REGISTER whose later Contact is refused (out of order) stores none of its Contacts: the 500
 * must not come after the first one was bound already. */
static void test_register_all_or_none(void **state)
{
	(void)state;
	char msg[4096], resp[4096];
	int fd = t_udp_sock(PHONE_PORT + 3);
	struct sipd_binding b;

	/* SEP00000000000B bound with CSeq 10 of Call-ID multi-1. */
	int n = make_multi(msg, sizeof(msg), "multi-1", 10, "SEP00000000000B", "SEP00000000000B");
	t_udp_send(fd, PORT, msg, (size_t)n);
	t_udp_recv(fd, resp, sizeof(resp));
	assert_int_equal(status(resp), 200);
	assert_int_equal(sipd_binding_get(sd, "SEP00000000000B", &b), 0);
	assert_int_equal(b.cseq, 10);

	/* CSeq 5 of the same Call-ID: SEP00000000000A comes first and is fine on its own, the B
	 * contact is out of order -> 500, and A is not bound either. */
	n = make_multi(msg, sizeof(msg), "multi-1", 5, "SEP00000000000A", "SEP00000000000B");
	t_udp_send(fd, PORT, msg, (size_t)n);
	t_udp_recv(fd, resp, sizeof(resp));
	assert_int_equal(status(resp), 500);
	assert_int_equal(sipd_binding_get(sd, "SEP00000000000A", &b), ENOENT);
	assert_int_equal(sipd_binding_get(sd, "SEP00000000000B", &b), 0);
	assert_int_equal(b.cseq, 10);
	assert_int_equal(sipd_binding_count(sd), 1);

	/* In order, both are bound in one go. */
	n = make_multi(msg, sizeof(msg), "multi-1", 11, "SEP00000000000A", "SEP00000000000B");
	t_udp_send(fd, PORT, msg, (size_t)n);
	t_udp_recv(fd, resp, sizeof(resp));
	assert_int_equal(status(resp), 200);
	assert_int_equal(sipd_binding_get(sd, "SEP00000000000A", &b), 0);
	assert_int_equal(sipd_binding_get(sd, "SEP00000000000B", &b), 0);
	assert_int_equal(b.cseq, 11);
	assert_int_equal(sipd_binding_count(sd), 2);

	/* Leave the table empty for the tests after this one. */
	n = snprintf(msg, sizeof(msg),
		     "REGISTER sip:" ADDR " SIP/2.0\r\nVia: SIP/2.0/UDP " ADDR
		     ":%d;branch=z9hG4bKmz1\r\nFrom: <sip:SEP00000000000A@" ADDR ">;tag=1\r\n"
		     "To: <sip:SEP00000000000A@" ADDR ">\r\nCall-ID: multi-z\r\n"
		     "CSeq: 1 REGISTER\r\nContact: *\r\nExpires: 0\r\nContent-Length: 0\r\n\r\n",
		     PHONE_PORT + 3);
	t_udp_send(fd, PORT, msg, (size_t)n);
	t_udp_recv(fd, resp, sizeof(resp));
	assert_int_equal(status(resp), 200);
	n = snprintf(msg, sizeof(msg),
		     "REGISTER sip:" ADDR " SIP/2.0\r\nVia: SIP/2.0/UDP " ADDR
		     ":%d;branch=z9hG4bKmz2\r\nFrom: <sip:SEP00000000000B@" ADDR ">;tag=1\r\n"
		     "To: <sip:SEP00000000000B@" ADDR ">\r\nCall-ID: multi-z\r\n"
		     "CSeq: 2 REGISTER\r\nContact: *\r\nExpires: 0\r\nContent-Length: 0\r\n\r\n",
		     PHONE_PORT + 3);
	t_udp_send(fd, PORT, msg, (size_t)n);
	t_udp_recv(fd, resp, sizeof(resp));
	assert_int_equal(status(resp), 200);
	assert_int_equal(sipd_binding_count(sd), 0);
	close(fd);
}

/* HA1 = MD5(SEPC80084AA8743:emcc-test:secret), as the daemon's credential source would give. */
static int fixed_ha1(void *arg, const char *device, char ha1_hex[33])
{
	(void)arg;
	uint8_t md[16];
	if (strcmp(device, DEVICE) != 0)
		return ENOENT;
	md5_printf(md, "%s:emcc-test:secret", device);
	for (int i = 0; i < 16; i++)
		snprintf(ha1_hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* The Authorization header a phone with password pw answers the challenge in resp with. */
static void make_auth(const char *resp, const char *pw, char *out, size_t len)
{
	char www[512], nonce[128];
	uint8_t ha1[16], ha2[16], r[16];
	char h1[33], h2[33], rh[33];
	hdr(resp, "WWW-Authenticate", www, sizeof(www));
	const char *p = strstr(www, "nonce=\"");
	assert_non_null(p);
	p += 7;
	size_t nl = strcspn(p, "\"");
	memcpy(nonce, p, nl);
	nonce[nl] = '\0';
	md5_printf(ha1, "%s:emcc-test:%s", DEVICE, pw);
	md5_printf(ha2, "REGISTER:sip:%s", ADDR);
	for (int i = 0; i < 16; i++) {
		snprintf(h1 + 2 * i, 3, "%02x", ha1[i]);
		snprintf(h2 + 2 * i, 3, "%02x", ha2[i]);
	}
	md5_printf(r, "%s:%s:00000001:0a4f113b:auth:%s", h1, nonce, h2);
	for (int i = 0; i < 16; i++)
		snprintf(rh + 2 * i, 3, "%02x", r[i]);
	snprintf(out, len,
		 "Authorization: Digest username=\"" DEVICE "\", realm=\"emcc-test\", "
		 "nonce=\"%s\", uri=\"sip:" ADDR "\", response=\"%s\", algorithm=MD5, qop=auth, "
		 "nc=00000001, cnonce=\"0a4f113b\"\r\n",
		 nonce, rh);
}

static void test_digest(void **state)
{
	(void)state;
	struct sipd *sa;
	struct sipd_config cfg = {.udp_listen = ADDR ":5062",
				  .tcp_listen = "",
				  .realm = "emcc-test",
				  .lookup_ha1 = fixed_ha1};
	char msg[8192], resp[8192], auth[512], v[512];
	struct sipd_binding b;
	assert_int_equal(sipd_start(&sa, &cfg), 0);
	int fd = t_udp_sock(PHONE_PORT + 2);

	int n = make_register(msg, sizeof(msg), "udp", PHONE_PORT + 2, "auth-1", 1, 3600, NULL);
	t_udp_send(fd, AUTH_PORT, msg, (size_t)n);
	t_udp_recv(fd, resp, sizeof(resp));
	assert_int_equal(status(resp), 401);
	hdr(resp, "WWW-Authenticate", v, sizeof(v));
	assert_true(strncmp(v, "Digest realm=\"emcc-test\", nonce=\"", 33) == 0);
	assert_int_equal(sipd_binding_get(sa, DEVICE, &b), ENOENT);

	/* Wrong password: 403, nothing stored. */
	make_auth(resp, "wrong", auth, sizeof(auth));
	n = make_register(msg, sizeof(msg), "udp", PHONE_PORT + 2, "auth-1", 2, 3600, auth);
	t_udp_send(fd, AUTH_PORT, msg, (size_t)n);
	t_udp_recv(fd, msg, sizeof(msg));
	assert_int_equal(status(msg), 403);
	assert_int_equal(sipd_binding_get(sa, DEVICE, &b), ENOENT);

	/* A nonce we never made: challenged again. */
	char forged[8192];
	snprintf(forged, sizeof(forged), "%s", resp);
	char *np = strstr(forged, "nonce=\"");
	np[7] = np[7] == '0' ? '1' : '0';
	make_auth(forged, "secret", auth, sizeof(auth));
	n = make_register(msg, sizeof(msg), "udp", PHONE_PORT + 2, "auth-1", 3, 3600, auth);
	t_udp_send(fd, AUTH_PORT, msg, (size_t)n);
	t_udp_recv(fd, msg, sizeof(msg));
	assert_int_equal(status(msg), 401);

	/* The right answer: 200 and a binding. */
	make_auth(resp, "secret", auth, sizeof(auth));
	n = make_register(msg, sizeof(msg), "udp", PHONE_PORT + 2, "auth-1", 4, 3600, auth);
	t_udp_send(fd, AUTH_PORT, msg, (size_t)n);
	t_udp_recv(fd, msg, sizeof(msg));
	assert_int_equal(status(msg), 200);
	assert_int_equal(sipd_binding_get(sa, DEVICE, &b), 0);
	assert_int_equal(b.cseq, 4);
	close(fd);
	sipd_stop(sa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_start_errors),	 cmocka_unit_test(test_register_notify_udp),
	    cmocka_unit_test(test_register_notify_tcp),	 cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_register_all_or_none), cmocka_unit_test(test_digest),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
