/* provload.c -- closed-loop load for provisioning: C clients, each fetching one file again and
 * again, over TFTP (a new request from a new port each time, as a phone does) or HTTP (GET on a
 * keep-alive connection), checking every answer's size and timing every fetch.
 *
 * usage: provload tftp|http HOST PORT NAME CLIENTS SECONDS SIZE [BLKSIZE] [SOURCE]
 *   SIZE     the file's size in bytes: a fetch that gives another size is an error
 *   BLKSIZE  TFTP: ask this blksize (RFC 2348); 0 or absent: no options, 512-byte blocks
 *   SOURCE   TFTP: the loopback address requests come from (default 127.0.0.1)
 * Prints one JSON object: fetches, errors, seconds, per_s, p50_ms, p99_ms. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "prov/tftp.h"

struct client {
	pthread_t tid;
	double *ms;
	size_t n, cap;
	long errors;
};

static const char *g_host, *g_name, *g_source = "127.0.0.1";
static int g_port, g_http;
static unsigned g_blksize;
static size_t g_size;
static double g_deadline;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void record(struct client *c, double ms)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 4096;
		double *m = realloc(c->ms, cap * sizeof(*m));
		if (!m)
			return;
		c->ms = m;
		c->cap = cap;
	}
	c->ms[c->n++] = ms;
}

/* One TFTP fetch from a new socket: 0 when the whole file came, -1 otherwise. */
static int tftp_fetch(uint8_t *pkt, size_t cap)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g_port)};
	struct sockaddr_in src = {.sin_family = AF_INET}, from;
	struct tftp_request rq = {.opcode = TFTP_RRQ, .mode = TFTP_MODE_OCTET};
	struct timeval tv = {1, 0};
	uint8_t last[600];
	size_t lastlen, got = 0;
	unsigned bs = TFTP_BLKSIZE_DEFAULT;
	uint16_t expect = 1;
	int fd, tries = 0, pinned = 0, rc = -1;

	inet_pton(AF_INET, g_host, &to.sin_addr);
	inet_pton(AF_INET, g_source, &src.sin_addr);
	snprintf(rq.name, sizeof(rq.name), "%s", g_name);
	if (g_blksize) {
		rq.options = TFTP_OPT_BLKSIZE;
		rq.blksize = g_blksize;
	}
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0)
		goto out;
	lastlen = tftp_build_request(last, sizeof(last), &rq);
	sendto(fd, last, lastlen, 0, (struct sockaddr *)&to, sizeof(to));
	for (;;) {
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, pkt, cap, 0, (struct sockaddr *)&from, &fl);
		uint16_t block;
		const uint8_t *data;
		size_t dlen;

		if (n < 0) {
			if (++tries > 5)
				goto out;
			sendto(fd, last, lastlen, 0, (struct sockaddr *)&to, sizeof(to));
			continue;
		}
		if (!pinned) { /* the transfer's own port from now on */
			to = from;
			pinned = 1;
		}
		if (tftp_opcode(pkt, (size_t)n) == TFTP_OACK) {
			struct tftp_request o;
			if (tftp_parse_oack(pkt, (size_t)n, &o) != 0)
				goto out;
			if (o.options & TFTP_OPT_BLKSIZE)
				bs = o.blksize;
			lastlen = tftp_build_ack(last, sizeof(last), 0);
			sendto(fd, last, lastlen, 0, (struct sockaddr *)&to, sizeof(to));
			continue;
		}
		if (tftp_parse_data(pkt, (size_t)n, &block, &data, &dlen) != 0)
			goto out; /* an error, or garbage */
		if (block != expect)
			continue;
		got += dlen;
		expect++;
		lastlen = tftp_build_ack(last, sizeof(last), block);
		sendto(fd, last, lastlen, 0, (struct sockaddr *)&to, sizeof(to));
		tries = 0;
		if (dlen < bs) {
			rc = got == g_size ? 0 : -1;
			break;
		}
	}
out:
	close(fd);
	return rc;
}

static int http_connect(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g_port)};
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, g_host, &sa.sin_addr);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One GET on fd: 0 when a 200 with SIZE bytes came, -1 otherwise (the caller reconnects). */
static int http_fetch(int fd, char *buf, size_t cap)
{
	char req[512];
	int n = snprintf(req, sizeof(req), "GET /%s HTTP/1.1\r\nHost: %s\r\n\r\n", g_name, g_host);
	size_t have = 0, body = 0, clen = 0;
	char *end = NULL;

	if (send(fd, req, (size_t)n, 0) != n)
		return -1;
	while (!end) {
		ssize_t r = recv(fd, buf + have, cap - have - 1, 0);
		if (r <= 0)
			return -1;
		have += (size_t)r;
		buf[have] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (!end && have + 1 >= cap)
			return -1;
	}
	if (strncmp(buf, "HTTP/1.1 200", 12) != 0)
		return -1;
	char *cl = strcasestr(buf, "\r\nContent-Length:");
	if (!cl || cl > end)
		return -1;
	clen = strtoul(cl + 17, NULL, 10);
	body = have - (size_t)(end + 4 - buf);
	while (body < clen) {
		ssize_t r = recv(fd, buf, cap, 0);
		if (r <= 0)
			return -1;
		body += (size_t)r;
	}
	return body == clen && clen == g_size ? 0 : -1;
}

static void *run(void *arg)
{
	struct client *c = arg;
	size_t cap = 70000;
	char *buf = malloc(cap);
	int fd = -1;

	if (!buf)
		return NULL;
	while (now_s() < g_deadline) {
		double t0 = now_s();
		int rc;
		if (g_http) {
			if (fd < 0 && (fd = http_connect()) < 0) {
				c->errors++;
				usleep(10000);
				continue;
			}
			rc = http_fetch(fd, buf, cap);
			if (rc != 0) {
				close(fd);
				fd = -1;
			}
		} else {
			rc = tftp_fetch((uint8_t *)buf, cap);
		}
		if (rc == 0)
			record(c, (now_s() - t0) * 1000.0);
		else
			c->errors++;
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 8) {
		fprintf(stderr, "usage: provload tftp|http HOST PORT NAME CLIENTS SECONDS SIZE "
				"[BLKSIZE] [SOURCE]\n");
		return 2;
	}
	g_http = strcmp(argv[1], "http") == 0;
	g_host = argv[2];
	g_port = atoi(argv[3]);
	g_name = argv[4];
	int nclients = atoi(argv[5]);
	double seconds = atof(argv[6]);
	g_size = strtoul(argv[7], NULL, 10);
	if (argc > 8)
		g_blksize = (unsigned)atoi(argv[8]);
	if (argc > 9)
		g_source = argv[9];
	if (nclients < 1 || nclients > 1024 || seconds <= 0)
		return 2;
	struct client *cl = calloc((size_t)nclients, sizeof(*cl));
	if (!cl)
		return 1;
	double t0 = now_s();
	g_deadline = t0 + seconds;
	for (int i = 0; i < nclients; i++)
		pthread_create(&cl[i].tid, NULL, run, &cl[i]);
	size_t total = 0;
	long errors = 0;
	for (int i = 0; i < nclients; i++) {
		pthread_join(cl[i].tid, NULL);
		total += cl[i].n;
		errors += cl[i].errors;
	}
	double el = now_s() - t0;
	double *all = malloc((total ? total : 1) * sizeof(*all));
	size_t k = 0;
	for (int i = 0; i < nclients; i++)
		for (size_t j = 0; j < cl[i].n && all; j++)
			all[k++] = cl[i].ms[j];
	if (all && total)
		qsort(all, total, sizeof(*all), cmp_double);
	double p50 = total && all ? all[total / 2] : 0,
	       p99 = total && all ? all[total * 99 / 100] : 0;
	printf("{\"fetches\": %zu, \"errors\": %ld, \"seconds\": %.2f, \"per_s\": %.1f, "
	       "\"p50_ms\": %.3f, \"p99_ms\": %.3f}\n",
	       total, errors, el, (double)total / el, p50, p99);
	return 0;
}
