/* emload.c -- closed-loop HTTP load for the EM API: C clients, each logging its own user in and
 * out of its own phone over a keep-alive connection, timing every request.
 *
 * usage: emload HOST PORT PATH CLIENTS SECONDS MODE [APPUSER PASSWORD]
 *   MODE pairs:  client i posts login(bench<i>, SEP<i>) then logout(SEP<i>), repeatedly; every
 *                answer must be <success/>.
 *   MODE static: the same two POST bodies to PATH, for a peer (nginx) that answers a fixed body.
 * Prints one JSON object: requests, pairs, errors, seconds, rps, pairs_per_s, p50_ms, p99_ms. */
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

struct client {
	pthread_t tid;
	int index;
	double *lat_ms;
	size_t nlat, cap;
	long errors, pairs;
};

static const char *g_host, *g_path, *g_mode, *g_app = "CCMSysUser", *g_pass = "Bench-Pass-1";
static int g_port;
static double g_deadline;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int connect_to(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g_port)};
	inet_pton(AF_INET, g_host, &sa.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* URL-encodes an EM document into a form body "xml=...". */
static size_t form_body(char *out, size_t cap, const char *xml)
{
	size_t o = 0;
	o += (size_t)snprintf(out, cap, "xml=");
	for (const unsigned char *p = (const unsigned char *)xml; *p && o + 4 < cap; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || *p == '.')
			out[o++] = (char)*p;
		else
			o += (size_t)snprintf(out + o, cap - o, "%%%02X", *p);
	}
	out[o] = '\0';
	return o;
}

/* Sends one POST and reads one response; returns 1 if the body says <success/>. */
static int post(int fd, const char *body, size_t blen, int *ok)
{
	char req[8192];
	int n = snprintf(req, sizeof(req),
			 "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\n"
			 "Content-Length: %zu\r\n\r\n%s",
			 g_path, g_host, blen, body);
	if (write(fd, req, (size_t)n) != n)
		return -1;
	char resp[16384];
	size_t got = 0;
	long clen = -1;
	char *hdr_end = NULL;
	for (;;) {
		ssize_t r = read(fd, resp + got, sizeof(resp) - 1 - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
		resp[got] = '\0';
		if (!hdr_end && (hdr_end = strstr(resp, "\r\n\r\n"))) {
			char *cl = strcasestr(resp, "Content-Length:");
			clen = cl ? strtol(cl + 15, NULL, 10) : 0;
		}
		if (hdr_end && (long)(got - (size_t)(hdr_end + 4 - resp)) >= clen)
			break;
	}
	*ok = strstr(hdr_end, "<success/>") != NULL;
	return 0;
}

static void record(struct client *c, double ms)
{
	if (c->nlat == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 4096;
		c->lat_ms = realloc(c->lat_ms, c->cap * sizeof(double));
	}
	c->lat_ms[c->nlat++] = ms;
}

static void *run_client(void *arg)
{
	struct client *c = arg;
	char dev[32], user[32], xml[1024], login[4096], logout[4096];
	snprintf(dev, sizeof(dev), "SEP%012X", 0xBE0000 + c->index);
	snprintf(user, sizeof(user), "bench%d", c->index);
	snprintf(xml, sizeof(xml),
		 "<request><appInfo><appID>%s</appID><appCertificate>%s</appCertificate></appInfo>"
		 "<login><deviceName>%s</deviceName><userID>%s</userID></login></request>",
		 g_app, g_pass, dev, user);
	size_t llen = form_body(login, sizeof(login), xml);
	snprintf(xml, sizeof(xml),
		 "<request><appInfo><appID>%s</appID><appCertificate>%s</appCertificate></appInfo>"
		 "<logout><deviceName>%s</deviceName></logout></request>",
		 g_app, g_pass, dev);
	size_t olen = form_body(logout, sizeof(logout), xml);
	int fd = connect_to();
	while (fd >= 0 && now_s() < g_deadline) {
		int ok1 = 0, ok2 = 0;
		double t0 = now_s();
		if (post(fd, login, llen, &ok1) != 0)
			break;
		double t1 = now_s();
		if (post(fd, logout, olen, &ok2) != 0)
			break;
		double t2 = now_s();
		record(c, (t1 - t0) * 1e3);
		record(c, (t2 - t1) * 1e3);
		if (ok1 && ok2)
			c->pairs++;
		else
			c->errors++;
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 7) {
		fprintf(stderr, "usage: emload HOST PORT PATH CLIENTS SECONDS pairs|static [APPUSER PASSWORD]\n");
		return 2;
	}
	g_host = argv[1];
	g_port = atoi(argv[2]);
	g_path = argv[3];
	int nclients = atoi(argv[4]);
	double seconds = atof(argv[5]);
	g_mode = argv[6];
	if (argc >= 9) {
		g_app = argv[7];
		g_pass = argv[8];
	}
	struct client *cl = calloc((size_t)nclients, sizeof(*cl));
	double t0 = now_s();
	g_deadline = t0 + seconds;
	for (int i = 0; i < nclients; i++) {
		cl[i].index = i;
		pthread_create(&cl[i].tid, NULL, run_client, &cl[i]);
	}
	size_t total = 0;
	long errors = 0, pairs = 0;
	for (int i = 0; i < nclients; i++) {
		pthread_join(cl[i].tid, NULL);
		total += cl[i].nlat;
		errors += cl[i].errors;
		pairs += cl[i].pairs;
	}
	double elapsed = now_s() - t0;
	double *all = malloc((total ? total : 1) * sizeof(double));
	size_t k = 0;
	for (int i = 0; i < nclients; i++) {
		memcpy(all + k, cl[i].lat_ms, cl[i].nlat * sizeof(double));
		k += cl[i].nlat;
		free(cl[i].lat_ms);
	}
	qsort(all, total, sizeof(double), cmp_double);
	double p50 = total ? all[total / 2] : 0, p99 = total ? all[(size_t)((double)total * 0.99)] : 0;
	if (strcmp(g_mode, "static") == 0) /* the peer's answer is fixed: count every pair */
		pairs += errors, errors = 0;
	printf("{\"requests\": %zu, \"pairs\": %ld, \"errors\": %ld, \"seconds\": %.3f, \"rps\": %.1f, "
	       "\"pairs_per_s\": %.1f, \"p50_ms\": %.3f, \"p99_ms\": %.3f}\n",
	       total, pairs, errors, elapsed, (double)total / elapsed, (double)pairs / elapsed, p50, p99);
	free(all);
	free(cl);
	return errors ? 1 : 0;
}
