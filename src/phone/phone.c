/* phone.c -- the simulated phone object: set-up, libre's loop with timeouts and signals, steps,
 * HTTP fetches on a helper thread (so SIP is answered meanwhile), register/unregister/run. */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "phone/phone_int.h"

#define HTTP_BODY_MAX (256 * 1024)

/* libre's loop and its signal handling are per process, and so is the phone that runs it. */
static struct phone *loop_phone;

uint64_t phone_clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

double phone_now_ms(const struct phone *p)
{
	return (double)(phone_clock_us() - p->t0) / 1000.0;
}

double phone_since_ms(uint64_t t)
{
	return (double)(phone_clock_us() - t) / 1000.0;
}

void phone_report(struct phone *p, struct phone_step *s)
{
	s->at_ms = phone_now_ms(p);
	if (s->kind != PHONE_STEP_TRACE)
		p->last_step = phone_clock_us();
	if (p->steph)
		p->steph(s, p->steparg);
}

void phone_fail(struct phone *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->error, sizeof(p->error), fmt, ap);
	va_end(ap);
}

const char *phone_error(const struct phone *p)
{
	return p->error;
}

const struct phone_identity *phone_identity(const struct phone *p)
{
	return &p->id;
}

unsigned phone_restarts(const struct phone *p)
{
	return p->restarts;
}

/* ---- the loop ---- */

static void signal_h(int sig)
{
	(void)sig;
	if (loop_phone)
		loop_phone->signalled = 1;
	re_cancel();
}

static void wait_tmr_h(void *arg)
{
	struct phone *p = arg;

	p->timed_out = true;
	re_cancel();
}

int phone_loop(struct phone *p, bool (*done)(struct phone *p, const void *arg), const void *arg,
	       unsigned timeout_ms)
{
	int err = 0;

	p->timed_out = false;
	if (timeout_ms)
		tmr_start(&p->wait_tmr, timeout_ms, wait_tmr_h, p);
	for (;;) {
		if (done(p, arg)) {
			err = 0;
			break;
		}
		if (p->signalled) {
			err = EINTR;
			break;
		}
		if (p->timed_out) {
			err = ETIMEDOUT;
			break;
		}
		err = re_main(signal_h);
		if (err)
			break;
	}
	tmr_cancel(&p->wait_tmr);
	return err;
}

/* ---- set-up ---- */

int phone_alloc(struct phone **pp, const struct phone_config *cfg, int sip, phone_step_h *steph,
		void *arg, char *why, size_t whylen)
{
	struct phone *p;
	int err;

	why[0] = '\0';
	if (loop_phone) {
		snprintf(why, whylen, "one phone per process");
		return EBUSY;
	}
	if (!cfg->ip || !cfg->server || !*cfg->ip || !*cfg->server) {
		snprintf(why, whylen, "the phone needs --ip and --server");
		return EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return ENOMEM;
	p->cfg = *cfg;
	if (!p->cfg.http_port)
		p->cfg.http_port = 8080;
	if (!p->cfg.sip_port)
		p->cfg.sip_port = 5060;
	if (!p->cfg.lang)
		p->cfg.lang = "en_US";
	if (!p->cfg.load)
		p->cfg.load = "sip78xx.12-1-1-12";
	p->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 10000;
	/* A 7821 reads its configuration from its TFTP, by default the node (HTTP port 6970). */
	if (!cfg->tftp)
		snprintf(p->own_tftp, sizeof(p->own_tftp), "%s:6970", cfg->server);
	else
		snprintf(p->own_tftp, sizeof(p->own_tftp), "%s", cfg->tftp);
	p->steph = steph;
	p->steparg = arg;
	p->t0 = phone_clock_us();
	p->last_step = p->t0;
	err = phone_identity_init(&p->id, cfg->name, cfg->model ? cfg->model : "7821", why, whylen);
	if (err)
		goto out;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		snprintf(why, whylen, "libcurl did not initialise");
		err = EIO;
		goto out;
	}
	p->curl_up = true;
	err = libre_init();
	if (err) {
		snprintf(why, whylen, "libre did not initialise: %s", strerror(err));
		goto out;
	}
	p->re_up = true;
	tmr_init(&p->wait_tmr);
	loop_phone = p;
	if (sip)
		err = phone_sip_init(p, why, whylen);
out:
	if (err) {
		phone_free(p);
		return err;
	}
	*pp = p;
	return 0;
}

void phone_free(struct phone *p)
{
	if (!p)
		return;
	/* A config fetch still running holds p: let it finish (its own timeout bounds this). */
	while (p->re_up && p->http_async && p->mq && re_main(NULL) == 0)
		;
	if (p->re_up) {
		phone_sip_close(p);
		tmr_cancel(&p->wait_tmr);
		p->mq = mem_deref(p->mq);
		libre_close();
	}
	if (p->curl_up)
		curl_global_cleanup();
	if (loop_phone == p)
		loop_phone = NULL;
	free(p);
}

/* ---- SIP: what the commands wait for ---- */

static bool reg_settled(struct phone *p, const void *arg)
{
	(void)arg;
	return p->reg != REG_SENT && p->reg != REG_UNSENT;
}

static bool cnf_settled(struct phone *p, const void *arg)
{
	(void)arg;
	return !p->cnf_busy;
}

int phone_register(struct phone *p)
{
	int err;

	if (!p->sip)
		return EINVAL;
	/* First the configuration file: it says where to register and which line. */
	if (phone_cnf_start(p, false) == 0) {
		err = phone_loop(p, cnf_settled, NULL, p->timeout_ms);
		if (err == EINTR)
			return err;
	}
	err = phone_sip_send_register(p, "register", 3600);
	if (err) {
		phone_fail(p, "REGISTER not sent: %s", strerror(err));
		return err;
	}
	/* libre's own transaction timer (64*T1) ends an unanswered REGISTER; ours is shorter. */
	err = phone_loop(p, reg_settled, NULL, p->timeout_ms);
	if (err == ETIMEDOUT)
		phone_fail(p, "REGISTER %s: no answer within %u ms", p->ruri, p->timeout_ms);
	if (err)
		return err;
	return p->reg == REG_OK ? 0 : (p->reg_err ? p->reg_err : EIO);
}

int phone_unregister(struct phone *p)
{
	int err;

	if (!p->sip || p->reg != REG_OK)
		return 0;
	err = phone_sip_send_register(p, "unregister", 0);
	if (err)
		return err;
	err = phone_loop(p, reg_settled, NULL, p->timeout_ms);
	if (err == ETIMEDOUT)
		phone_fail(p, "un-REGISTER %s: no answer within %u ms", p->ruri, p->timeout_ms);
	return err ? err : p->reg_err;
}

static bool never(struct phone *p, const void *arg)
{
	(void)p;
	(void)arg;
	return false;
}

int phone_run(struct phone *p, unsigned seconds)
{
	int err = phone_loop(p, never, NULL, seconds * 1000u);

	/* The signal ends the stay, not what follows: unregistering still has to happen (a
	 * second signal interrupts that too). */
	if (err == EINTR)
		p->signalled = 0;
	return err == EINTR || err == ETIMEDOUT ? 0 : err;
}

static bool restarts_reached(struct phone *p, const void *arg)
{
	return p->restarts >= *(const unsigned *)arg;
}

int phone_wait_restarts(struct phone *p, unsigned count)
{
	int err = phone_loop(p, restarts_reached, &count, p->timeout_ms);

	if (err == ETIMEDOUT) {
		if (p->restarting)
			phone_fail(p, "the restart did not finish within %u ms", p->timeout_ms);
		else
			phone_fail(p, "no NOTIFY service-control (restart) within %u ms",
				   p->timeout_ms);
	}
	if (err)
		return err;
	return p->restart_err;
}

/* ---- HTTP ---- */

struct http_job {
	struct phone *p;
	char url[PX_URL_MAX];
	struct buf body;
	long status;
	char refresh[PX_URL_MAX];
	char errbuf[CURL_ERROR_SIZE];
	CURLcode rc;
	volatile sig_atomic_t abort;
	bool done;
	/* phone_http_start: the thread to join and what to call once it finished */
	pthread_t th;
	phone_http_h *cb;
	void *cbarg;
	uint64_t start;
};

static size_t http_write(char *ptr, size_t size, size_t n, void *arg)
{
	struct http_job *j = arg;

	if (j->body.len + size * n > HTTP_BODY_MAX)
		return 0;
	buf_append(&j->body, ptr, size * n);
	return j->body.oom ? 0 : size * n;
}

/* Keeps the URL of a "Refresh: 0; url=..." header: the EM app's success page may use one to
 * send the phone on, as CUCM's phone_refresh.jsp appears to. */
static size_t http_header(char *ptr, size_t size, size_t n, void *arg)
{
	struct http_job *j = arg;
	size_t len = size * n;

	if (len > 8 && strncasecmp(ptr, "Refresh:", 8) == 0) {
		char line[PX_URL_MAX];
		size_t l = len - 8 < sizeof(line) - 1 ? len - 8 : sizeof(line) - 1;

		memcpy(line, ptr + 8, l);
		line[l] = '\0';
		if (phone_refresh_url(line, j->refresh, sizeof(j->refresh)) != 0)
			j->refresh[0] = '\0';
	}
	return len;
}

static int http_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	struct http_job *j = arg;

	(void)a;
	(void)b;
	(void)c;
	(void)d;
	return j->abort ? 1 : 0;
}

static void *http_thread(void *arg)
{
	struct http_job *j = arg;
	struct phone *p = j->p;
	struct curl_slist *h = NULL;
	char line[256], iface[80];
	CURL *c;

	c = curl_easy_init();
	if (!c) {
		j->rc = CURLE_OUT_OF_MEMORY;
		goto out;
	}
	/* What a 7821 sends; EMApp logs Lang and Charset from the last two. */
	h = curl_slist_append(h, "Accept: x-CiscoIPPhone/*;version=3.0, text/*, image/png, */*");
	snprintf(line, sizeof(line), "Accept-Language: %s", p->cfg.lang);
	h = curl_slist_append(h, line);
	h = curl_slist_append(h, "Accept-Charset: utf-8;q=0.8");
	snprintf(line, sizeof(line), "x-CiscoIPPhoneModelName: CP-%s", p->id.model);
	h = curl_slist_append(h, line);
	h = curl_slist_append(h, "x-CiscoIPPhoneSDKVersion: 12.1.1");
	curl_easy_setopt(c, CURLOPT_URL, j->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_USERAGENT, p->id.user_agent);
	/* The request leaves from the phone's own address: EMApp logs it as Remote Host IP. */
	snprintf(iface, sizeof(iface), "host!%s", p->cfg.ip);
	curl_easy_setopt(c, CURLOPT_INTERFACE, iface);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)p->timeout_ms);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, http_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, j);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, http_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, j);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, j->errbuf);
	/* A lab phone trusts the node through its ITL, which this phone does not have: an https
	 * service URL is fetched without checking the certificate. */
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	j->rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &j->status);
out:
	curl_slist_free_all(h);
	if (c)
		curl_easy_cleanup(c);
	(void)mqueue_push(p->mq, 0, j);
	return NULL;
}

static int curl_errno(CURLcode rc);

static void mq_h(int id, void *data, void *arg)
{
	struct http_job *j = data;

	(void)id;
	(void)arg;
	j->done = true;
	if (j->cb) {
		long status = j->status;
		int err = j->rc == CURLE_OK ? 0 : curl_errno(j->rc);

		pthread_join(j->th, NULL);
		j->p->http_async--;
		j->cb(j->p, err, err ? 0 : status, &j->body, phone_since_ms(j->start),
		      j->errbuf[0] ? j->errbuf : (err ? strerror(err) : ""), j->cbarg);
		buf_free(&j->body);
		free(j);
	}
	re_cancel();
}

static bool job_done(struct phone *p, const void *arg)
{
	const struct http_job *j = arg;

	(void)p;
	return j->done;
}

/* Runs the transfer on a thread while the loop keeps answering SIP. */
static int http_run(struct phone *p, struct http_job *j)
{
	sigset_t block, old;
	pthread_t th;
	int err;

	if (!p->mq) {
		err = mqueue_alloc(&p->mq, mq_h, p);
		if (err)
			return err;
	}
	/* Signals belong to the loop's thread, where they wake re_main. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	err = pthread_create(&th, NULL, http_thread, j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return err;
	err = phone_loop(p, job_done, j, 0);
	if (err) {
		/* A signal: stop the transfer and wait for the thread to say so. */
		j->abort = 1;
		while (!j->done && re_main(NULL) == 0)
			;
	}
	pthread_join(th, NULL);
	return err;
}

/* Starts a GET on a thread and returns; cb runs on the loop once it is over. */
int phone_http_start(struct phone *p, const char *url, phone_http_h *cb, void *arg)
{
	struct http_job *j;
	sigset_t block, old;
	int err;

	if (strlen(url) >= sizeof(j->url))
		return EINVAL;
	if (!p->mq && (err = mqueue_alloc(&p->mq, mq_h, p)) != 0)
		return err;
	j = calloc(1, sizeof(*j));
	if (!j)
		return ENOMEM;
	snprintf(j->url, sizeof(j->url), "%s", url);
	j->p = p;
	j->cb = cb;
	j->cbarg = arg;
	j->start = phone_clock_us();
	buf_init(&j->body);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	err = pthread_create(&j->th, NULL, http_thread, j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		free(j);
		return err;
	}
	p->http_async++;
	return 0;
}

static void full_url(struct phone *p, struct buf *out, const char *path_or_url)
{
	if (strncasecmp(path_or_url, "http://", 7) == 0 ||
	    strncasecmp(path_or_url, "https://", 8) == 0) {
		buf_puts(out, path_or_url);
		return;
	}
	buf_printf(out, "http://%s:%u%s%s", p->cfg.server, p->cfg.http_port,
		   path_or_url[0] == '/' ? "" : "/", path_or_url);
}

/* The URL as the step shows it: the path when it is on our node, else the whole URL. */
static const char *shown_url(struct phone *p, const char *url)
{
	char prefix[128];
	size_t n;

	n = (size_t)snprintf(prefix, sizeof(prefix), "http://%s:%u/", p->cfg.server,
			     p->cfg.http_port);
	if (n < sizeof(prefix) && strncasecmp(url, prefix, n) == 0)
		return url + n - 1;
	return url;
}

static int curl_errno(CURLcode rc)
{
	if (rc == CURLE_OK)
		return 0;
	switch (rc) {
	case CURLE_COULDNT_CONNECT: return ECONNREFUSED;
	case CURLE_OPERATION_TIMEDOUT: return ETIMEDOUT;
	case CURLE_ABORTED_BY_CALLBACK: return EINTR;
	default: return EIO;
	}
}

int phone_get(struct phone *p, const char *path_or_url, struct px_object *o, struct buf *body)
{
	struct phone_step s = {
	    .kind = PHONE_STEP_HTTP, .name = "get", .method = "GET", .expires = -1};
	struct http_job *j;
	struct buf url, line;
	uint64_t start;
	char why[256];
	int err;

	j = calloc(1, sizeof(*j));
	if (!j)
		return ENOMEM;
	buf_init(&url);
	buf_init(&line);
	buf_init(&j->body);
	full_url(p, &url, path_or_url);
	if (url.oom || url.len >= sizeof(j->url)) {
		phone_fail(p, "URL too long");
		err = EINVAL;
		goto out;
	}
	memcpy(j->url, url.data, url.len + 1);
	j->p = p;
	if (o)
		memset(o, 0, sizeof(*o));

	start = phone_clock_us();
	err = http_run(p, j);
	s.ms = phone_since_ms(start);
	s.uri = j->url;
	s.status = (int)j->status;
	buf_printf(&line, "GET %s -> ", shown_url(p, j->url));
	if (err == 0 && j->rc != CURLE_OK)
		err = curl_errno(j->rc);
	if (err) {
		buf_printf(&line, "%s", j->errbuf[0] ? j->errbuf : strerror(err));
		phone_fail(p, "GET %s: %s", j->url, j->errbuf[0] ? j->errbuf : strerror(err));
	} else if (j->status != 200) {
		buf_printf(&line, "HTTP %ld", j->status);
		phone_fail(p, "GET %s: HTTP %ld", j->url, j->status);
		err = EPROTO;
	} else {
		s.ok = 1;
		snprintf(p->page_url, sizeof(p->page_url), "%s", j->url);
		snprintf(p->refresh, sizeof(p->refresh), "%s", j->refresh);
		if (o && px_parse(j->body.data ? j->body.data : "", j->body.len, o, why,
				  sizeof(why)) == 0) {
			phone_object_summary(&line, o);
			s.object = o;
		} else {
			if (o)
				o->kind = 0;
			buf_printf(&line, "%zu bytes, not phone XML", j->body.len);
			s.body = j->body.data ? j->body.data : "";
		}
		if (j->refresh[0])
			buf_printf(&line, " (Refresh: %s)", j->refresh);
	}
	if (body && !err)
		buf_append(body, j->body.data ? j->body.data : "", j->body.len);
	s.text = line.data ? line.data : "";
	phone_report(p, &s);
out:
	buf_free(&url);
	buf_free(&line);
	buf_free(&j->body);
	free(j);
	return err;
}
