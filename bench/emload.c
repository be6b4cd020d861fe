/* emload.c -- closed-loop HTTP load for the EM API: C clients, each logging its own user in and
 * out of its own phone over a keep-alive connection, timing every request.
 *
 * usage: emload HOST PORT PATH CLIENTS SECONDS MODE [APPUSER PASSWORD | USERPREFIX PIN]
 *   MODE pairs:  client i posts login(bench<i>, SEP<i>) then logout(SEP<i>), repeatedly; every
 *                answer must be <success/>.
 *   MODE static: the same two POST bodies to PATH, for a peer (nginx) that answers a fixed body.
 *   MODE phone / phone-emcc: what a phone sends to the EM phone app (PATH = /emapp/EMAppServlet):
 *                client i GETs the guide's login `?device=SEP<i>&seq=PIN&userid=<USERPREFIX><i>`
 *                (phone-emcc adds EMCC=true) then `?device=SEP<i>&doLogout=true`; the answers
 *                must be "Login successful" and "Logout successful".
 * Prints one JSON object: requests, pairs, errors, seconds, rps, pairs_per_s, p50_ms, p99_ms
 * (every request), and login_p50_ms, login_p99_ms, logout_p50_ms (the login requests alone, what
 * a phone waits for after the user pressed Submit). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct lat {
	double *ms;
	size_t n, cap;
};

struct client {
	pthread_t tid;
	int index;
	struct lat all, login, logout;
	long errors, pairs;
};

static const char *g_host, *g_path, *g_mode, *g_app = "CCMSysUser", *g_pass = "Bench-Pass-1";
static int g_port, g_phone, g_emcc;
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
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.')
			out[o++] = (char)*p;
		else
			o += (size_t)snprintf(out + o, cap - o, "%%%02X", *p);
	}
	out[o] = '\0';
	return o;
}

/* Sends one request (body NULL: a GET of target) and reads one response; *ok = the body holds
 * expect. Returns 0, or -1 when the connection failed. */
static int exchange(int fd, const char *target, const char *body, size_t blen, const char *expect,
		    int *ok)
{
	char req[8192];
	int n =
	    body
		? snprintf(req, sizeof(req),
			   "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: "
			   "application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n%s",
			   target, g_host, blen, body)
		: snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, g_host);
	if (n <= 0 || (size_t)n >= sizeof(req) || write(fd, req, (size_t)n) != n)
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
	*ok = strstr(hdr_end, expect) != NULL;
	return 0;
}

static int post(int fd, const char *body, size_t blen, int *ok)
{
	return exchange(fd, g_path, body, blen, "<success/>", ok);
}

static void record(struct lat *l, double ms)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		double *v = realloc(l->ms, cap * sizeof(double));
		if (!v)
			return; /* out of memory: this sample is lost, the run goes on */
		l->ms = v;
		l->cap = cap;
	}
	l->ms[l->n++] = ms;
}

/* The phone's login and logout GETs, over one keep-alive connection, until the deadline. */
static void run_phone(struct client *c)
{
	char login[512], logout[512];
	snprintf(login, sizeof(login), "%s?device=SEP%012X%s&seq=%s&userid=%s%d", g_path,
		 0xBE0000 + c->index, g_emcc ? "&EMCC=true" : "", g_pass, g_app, c->index);
	snprintf(logout, sizeof(logout), "%s?device=SEP%012X%s&doLogout=true", g_path,
		 0xBE0000 + c->index, g_emcc ? "&EMCC=true" : "");
	int fd = connect_to();
	while (fd >= 0 && now_s() < g_deadline) {
		int ok1 = 0, ok2 = 0;
		double t0 = now_s();
		if (exchange(fd, login, NULL, 0, "Login successful", &ok1) != 0)
			break;
		double t1 = now_s();
		/* a refused login leaves nothing to log out: do not count a second failure */
		if (ok1 && exchange(fd, logout, NULL, 0, "Logout successful", &ok2) != 0)
			break;
		double t2 = now_s();
		record(&c->all, (t1 - t0) * 1e3);
		record(&c->login, (t1 - t0) * 1e3);
		if (ok1) {
			record(&c->all, (t2 - t1) * 1e3);
			record(&c->logout, (t2 - t1) * 1e3);
		}
		if (ok1 && ok2)
			c->pairs++;
		else
			c->errors++;
	}
	if (fd >= 0)
		close(fd);
	else
		c->errors++;
}

static void *run_client(void *arg)
{
	struct client *c = arg;
	char dev[32], user[32], xml[1024], login[4096], logout[4096];
	if (g_phone) {
		run_phone(c);
		return NULL;
	}
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
		record(&c->all, (t1 - t0) * 1e3);
		record(&c->all, (t2 - t1) * 1e3);
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

/* Merges one kind of sample of every client and sorts it; *n = how many. */
static double *merged(struct client *cl, int nclients, size_t off, size_t *n)
{
	size_t total = 0, k = 0;
	for (int i = 0; i < nclients; i++)
		total += ((struct lat *)((char *)&cl[i] + off))->n;
	double *all = malloc((total ? total : 1) * sizeof(double));
	for (int i = 0; all && i < nclients; i++) {
		struct lat *l = (struct lat *)((char *)&cl[i] + off);
		if (l->n)
			memcpy(all + k, l->ms, l->n * sizeof(double));
		k += l->n;
	}
	if (all)
		qsort(all, total, sizeof(double), cmp_double);
	*n = all ? total : 0;
	return all;
}

static double pct(const double *v, size_t n, double p)
{
	return n ? v[(size_t)((double)n * p)] : 0.0;
}

int main(int argc, char **argv)
{
	if (argc < 7) {
		fprintf(
		    stderr,
		    "usage: emload HOST PORT PATH CLIENTS SECONDS pairs|static|phone|phone-emcc "
		    "[APPUSER PASSWORD | USERPREFIX PIN]\n");
		return 2;
	}
	g_host = argv[1];
	g_port = atoi(argv[2]);
	g_path = argv[3];
	int nclients = atoi(argv[4]);
	double seconds = atof(argv[5]);
	g_mode = argv[6];
	g_phone = strncmp(g_mode, "phone", 5) == 0;
	g_emcc = strcmp(g_mode, "phone-emcc") == 0;
	if (g_phone) { /* the user ID prefix and the PIN */
		g_app = "bench";
		g_pass = "1234";
	}
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
	long errors = 0, pairs = 0;
	for (int i = 0; i < nclients; i++) {
		pthread_join(cl[i].tid, NULL);
		errors += cl[i].errors;
		pairs += cl[i].pairs;
	}
	double elapsed = now_s() - t0;
	size_t total, nlogin, nlogout;
	double *all = merged(cl, nclients, offsetof(struct client, all), &total);
	double *lin = merged(cl, nclients, offsetof(struct client, login), &nlogin);
	double *lout = merged(cl, nclients, offsetof(struct client, logout), &nlogout);
	for (int i = 0; i < nclients; i++) {
		free(cl[i].all.ms);
		free(cl[i].login.ms);
		free(cl[i].logout.ms);
	}
	if (strcmp(g_mode, "static") == 0) /* the peer's answer is fixed: count every pair */
		pairs += errors, errors = 0;
	printf("{\"requests\": %zu, \"pairs\": %ld, \"errors\": %ld, \"seconds\": %.3f, \"rps\": "
	       "%.1f, "
	       "\"pairs_per_s\": %.1f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"login_p50_ms\": %.3f, "
	       "\"login_p99_ms\": %.3f, \"logout_p50_ms\": %.3f}\n",
	       total, pairs, errors, elapsed, (double)total / elapsed, (double)pairs / elapsed,
	       pct(all, total, 0.5), pct(all, total, 0.99), pct(lin, nlogin, 0.5),
	       pct(lin, nlogin, 0.99), pct(lout, nlogout, 0.5));
	free(all);
	free(lin);
	free(lout);
	free(cl);
	return errors ? 1 : 0;
}
