/* servlet_prov.c -- provisioning over HTTP (CUCM's TFTP-over-HTTP, port 6970): GET
 * SEP<MAC>.cnf.xml.
 *
 * The loop thread refuses every other name (prov_device_from_file_name: no paths, no "..", no
 * percent-encoding, no NUL ever reaches the store) and every method but GET and HEAD; a worker
 * reads the device's versionStamp (making one in a transaction when it has none), and answers
 * from the cache when the file for (device, stamp) was built before: every change of what the
 * file says bumps the stamp in the change's own transaction (store_config_bump, store.h), so a
 * cached file is exactly the file for its stamp. Otherwise it builds the file from the store
 * (prov_build) and renders it (prov_cnf_render). Headers as CUCM's TFTP sends them (reference 4.1):
 * Cache-Control: no-store, Content-Type: * / * (without the spaces). tftp.log gets one line per
 * request with its request number. */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/addr.h"
#include "core/clock.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/str.h"
#include "core/workq.h"
#include "daemon/job.h"
#include "daemon/node.h"
#include "daemon/servlet.h"
#include "prov/build.h"
#include "prov/cnf.h"
#include "store/store.h"

/* Direct-mapped by a hash of the device name: bounded memory (a file is ~10 KB), and a
 * collision only costs a rebuild. */
#define PROV_CACHE_SLOTS 4096
/* Requests admitted and not answered; beyond, 503 (phones retry, CUCM's TFTP does the same). */
#define PROV_INFLIGHT_MAX 1024

struct prov_slot {
	char device[LIM_ID_MAX];
	char stamp[LIM_STAMP_MAX];
	char *body;
	size_t len;
};

struct prov_cache {
	pthread_mutex_t mu;
	struct prov_slot slots[PROV_CACHE_SLOTS];
	unsigned long hits, builds;
};

struct prov_job {
	struct job base; /* first */
	char device[LIM_ID_MAX];
	int status;
	int cached;
	char stamp[LIM_STAMP_MAX];
	struct buf out;
};

int servlet_prov_alloc(struct node *n)
{
	struct prov_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return ENOMEM;
	pthread_mutex_init(&c->mu, NULL);
	n->prov_cache = c;
	return 0;
}

void servlet_prov_free(struct node *n)
{
	struct prov_cache *c = n->prov_cache;

	if (!c)
		return;
	for (size_t i = 0; i < PROV_CACHE_SLOTS; i++)
		free(c->slots[i].body);
	pthread_mutex_destroy(&c->mu);
	free(c);
	n->prov_cache = NULL;
}

static size_t slot_of(const char *device)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *device; device++)
		h = (h ^ (unsigned char)*device) * 16777619u;
	return h % PROV_CACHE_SLOTS;
}

/* Copies the cached file for (device, stamp) into out: 1 on a hit, 0 otherwise. */
static int cache_get(struct prov_cache *c, const char *device, const char *stamp, struct buf *out)
{
	struct prov_slot *s = &c->slots[slot_of(device)];
	int hit = 0;

	pthread_mutex_lock(&c->mu);
	if (s->body && strcmp(s->device, device) == 0 && strcmp(s->stamp, stamp) == 0) {
		buf_append(out, s->body, s->len);
		hit = !out->oom;
		c->hits++;
	}
	pthread_mutex_unlock(&c->mu);
	return hit;
}

static void cache_put(struct prov_cache *c, const char *device, const char *stamp,
		      const struct buf *b)
{
	struct prov_slot *s = &c->slots[slot_of(device)];
	char *copy = malloc(b->len ? b->len : 1);

	if (!copy)
		return; /* served anyway; built again next time */
	memcpy(copy, b->data, b->len);
	pthread_mutex_lock(&c->mu);
	free(s->body);
	s->body = copy;
	s->len = b->len;
	snprintf(s->device, sizeof(s->device), "%s", device);
	snprintf(s->stamp, sizeof(s->stamp), "%s", stamp);
	c->builds++;
	pthread_mutex_unlock(&c->mu);
}

/* The stamp, made in its own transaction when the device has none yet; ENOENT (nothing
 * written) when no device has that name. */
static int current_stamp(struct store *st, const char *device, char *out, size_t len)
{
	int rc = store_config_version_get(st, device, out, len, NULL);

	if (rc != ENOENT)
		return rc;
	if ((rc = store_begin(st)) != 0)
		return rc;
	rc = store_config_stamp_get(st, device, clock_now_ms(), out, len, NULL);
	if (rc) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st);
}

/* What the node says about itself in the file, from the worker's config snapshot. */
static void fill_env(const struct config *cfg, struct prov_build_env *env)
{
	struct addr a;

	memset(env, 0, sizeof(*env));
	env->node = cfg->node_address;
	if (addr_parse(&a, cfg->sip_udp, ADDR_LISTEN, 0) == 0 ||
	    addr_parse(&a, cfg->sip_tcp, ADDR_LISTEN, 0) == 0)
		env->sip_port = a.port;
	if (addr_parse(&a, cfg->http_listen, ADDR_LISTEN, 0) == 0)
		env->http_port = a.port;
	if (addr_parse(&a, cfg->https_listen, ADDR_LISTEN, 0) == 0)
		env->https_port = a.port;
}

static void prov_job_work(struct workq_job *job, void *thread_ctx)
{
	struct prov_job *j = (struct prov_job *)job;
	struct worker *w = thread_ctx;
	struct node *n = w->node;
	struct prov_cnf *c = NULL;
	int rc;

	j->status = 500;
	rc = current_stamp(w->st, j->device, j->stamp, sizeof(j->stamp));
	if (rc == ENOENT) { /* no such device: nothing was written for the name */
		j->status = 404;
		goto out;
	}
	if (rc) {
		log_errorc(LOGS_TFTP, j->base.reqno, rc, "%s: cannot read its version stamp",
			   j->device);
		j->status = rc == EBUSY ? 503 : 500;
		goto out;
	}
	if (cache_get(n->prov_cache, j->device, j->stamp, &j->out)) {
		j->cached = 1;
		j->status = 200;
		goto out;
	}
	buf_reset(&j->out);
	c = malloc(sizeof(*c));
	if (!c) {
		rc = ENOMEM;
		goto out;
	}
	struct prov_build_env env;
	node_worker_refresh(w);
	fill_env(w->cfg, &env);
	rc = prov_build(w->st, j->device, &env, j->stamp, c);
	if (rc == ENOENT) {
		j->status = 404;
		goto out;
	}
	if (rc == 0)
		rc = prov_cnf_render(&j->out, c);
	if (rc) {
		log_errorc(LOGS_TFTP, j->base.reqno, rc, "%s: cannot build its config file",
			   j->device);
		j->status = rc == EBUSY ? 503 : 500;
		goto out;
	}
	cache_put(n->prov_cache, j->device, j->stamp, &j->out);
	j->status = 200;
out:
	free(c);
}

static void prov_job_done(struct workq_job *job)
{
	struct prov_job *j = (struct prov_job *)job;
	struct node *n = j->base.node;

	n->prov_inflight--;
	/* A stamp made for a device seen the first time may not have been committed. */
	if (job->batch_error && j->status == 200 && !j->cached)
		j->status = 503;
	if (j->status == 200) {
		log_info(LOGS_TFTP, j->base.reqno,
			 "%s SEP file %s.cnf.xml (%zu bytes, versionStamp %s, %s) "
			 "in %.2f ms",
			 j->base.remote_ip, j->device, j->out.len, j->stamp,
			 j->cached ? "cached" : "built", clock_elapsed_ms(&j->base.t0));
		http_reply(n, j->base.req, 200, "*/*", j->out.data ? j->out.data : "", j->out.len);
	} else if (j->status == 404) {
		log_info(LOGS_TFTP, j->base.reqno, "%s %s.cnf.xml: no such device (404)",
			 j->base.remote_ip, j->device);
		http_reply(n, j->base.req, 404, "text/plain", "File not found\n", 15);
	} else {
		http_reply(n, j->base.req, j->status, "text/plain", "try again\n", 10);
	}
	buf_free(&j->out);
	free(j);
}

static void route_prov(struct evhttp_request *req, void *arg)
{
	struct node *n = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	uint64_t reqno = node_next_reqno(n);
	char ip[64], device[LIM_ID_MAX];
	int is_signed = 0;

	http_peer_ip(req, ip, sizeof(ip));
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
		http_reply(n, req, 405, "text/plain", "use GET\n", 8);
		return;
	}
	/* The raw path: percent-escapes are not decoded, so "%2e%2e", "%2f" and "%00" are
	 * characters a file name never has, and the name check refuses them. */
	if (!path || path[0] != '/' ||
	    prov_device_from_file_name(path + 1, strlen(path + 1), device, sizeof(device),
				       &is_signed) != 0 ||
	    is_signed) {
		/* Signed files need the TFTP's signing key, which this node has not; the phone
		 * falls back to the plain file. */
		char shown[80];
		size_t i = 0;
		for (const char *p = path ? path : ""; *p && i + 1 < sizeof(shown); p++)
			shown[i++] = ((unsigned char)*p < 0x20 || *p == 0x7f) ? '?' : *p;
		shown[i] = '\0';
		log_info(LOGS_TFTP, reqno, "%s %s: not a file we serve (404)", ip, shown);
		http_reply(n, req, 404, "text/plain", "File not found\n", 15);
		return;
	}
	if (n->prov_inflight >= PROV_INFLIGHT_MAX) {
		log_warnx(LOGS_TFTP, reqno, "%s %s: busy, %u requests in flight (503)", ip, device,
			  n->prov_inflight);
		http_reply(n, req, 503, "text/plain", "busy\n", 5);
		return;
	}
	struct prov_job *j = job_new(n, req, sizeof(*j), reqno);
	if (!j) {
		http_reply(n, req, 503, "text/plain", "out of memory\n", 14);
		return;
	}
	str_copy(j->device, sizeof(j->device), device);
	buf_init(&j->out);
	n->prov_inflight++;
	job_submit(&j->base, prov_job_work, prov_job_done, 0);
}

void servlet_prov(struct node *n, struct evhttp_request *req)
{
	route_prov(req, n);
}
