/* fileserv.c -- the provisioning file service: name -> (status, bytes), from the cache when the
 * file's version was built before, otherwise built on a worker (fileserv.h). */
#include "daemon/fileserv.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/str.h"
#include "core/workq.h"
#include "daemon/job.h"
#include "daemon/node.h"

/* Direct-mapped by a hash of the file name: bounded memory (a cnf is ~10 KB), and a collision
 * only costs a rebuild. */
#define CACHE_SLOTS 4096

struct slot {
	char name[PROV_FILE_NAME_MAX];
	char version[LIM_STAMP_MAX];
	struct fileserv_body *body; /* one reference, held by the cache */
};

struct fileserv {
	pthread_mutex_t mu; /* the slots: workers share them */
	struct slot slots[CACHE_SLOTS];
	unsigned inflight; /* lookups on a worker (loop thread) */
};

struct fs_job {
	struct job base; /* first */
	struct prov_file_req req;
	fileserv_done_fn *done;
	void *arg;
	int status;
	int cached;
	const char *why;
	char version[LIM_STAMP_MAX];
	struct fileserv_body *body;
};

void fileserv_body_ref(struct fileserv_body *b)
{
	atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
}

void fileserv_body_unref(struct fileserv_body *b)
{
	if (b && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
		free(b);
}

static struct fileserv_body *body_new(const char *data, size_t len)
{
	struct fileserv_body *b = malloc(sizeof(*b) + len + 1);

	if (!b)
		return NULL;
	atomic_init(&b->refs, 1);
	b->len = len;
	if (len)
		memcpy(b->data, data, len);
	b->data[len] = '\0';
	return b;
}

int fileserv_alloc(struct node *n)
{
	struct fileserv *fs;

	if (n->fileserv)
		return 0;
	if (!(fs = calloc(1, sizeof(*fs))))
		return ENOMEM;
	pthread_mutex_init(&fs->mu, NULL);
	n->fileserv = fs;
	return 0;
}

void fileserv_free(struct node *n)
{
	struct fileserv *fs = n->fileserv;

	if (!fs)
		return;
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		fileserv_body_unref(fs->slots[i].body);
	pthread_mutex_destroy(&fs->mu);
	free(fs);
	n->fileserv = NULL;
}

unsigned fileserv_inflight(const struct node *n)
{
	return n->fileserv ? n->fileserv->inflight : 0;
}

static size_t slot_of(const char *name)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h % CACHE_SLOTS;
}

/* A reference to the cached file for (name, version), or NULL. */
static struct fileserv_body *cache_get(struct fileserv *fs, const char *name, const char *version)
{
	struct slot *s = &fs->slots[slot_of(name)];
	struct fileserv_body *b = NULL;

	pthread_mutex_lock(&fs->mu);
	if (s->body && strcmp(s->name, name) == 0 && strcmp(s->version, version) == 0) {
		b = s->body;
		fileserv_body_ref(b);
	}
	pthread_mutex_unlock(&fs->mu);
	return b;
}

static void cache_put(struct fileserv *fs, const char *name, const char *version,
		      struct fileserv_body *b)
{
	struct slot *s = &fs->slots[slot_of(name)];
	struct fileserv_body *old;

	fileserv_body_ref(b);
	pthread_mutex_lock(&fs->mu);
	old = s->body;
	s->body = b;
	str_copy(s->name, sizeof(s->name), name);
	str_copy(s->version, sizeof(s->version), version);
	pthread_mutex_unlock(&fs->mu);
	fileserv_body_unref(old); /* outside the lock: it may free */
}

/* What the node says about itself in the files, from the worker's config snapshot. */
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

static void fs_work(struct workq_job *job, void *thread_ctx)
{
	struct fs_job *j = (struct fs_job *)job;
	struct worker *w = thread_ctx;
	struct fileserv *fs = w->node->fileserv;
	const char *label = prov_file_kind_label(j->req.kind);
	struct prov_build_env env;
	struct buf out;
	int rc;

	j->status = 500;
	j->why = "cannot build the file";
	rc = prov_file_version(w->st, &j->req, clock_now_ms(), j->version, sizeof(j->version));
	if (rc == ENOENT) { /* nothing was written for the name */
		j->status = 404;
		j->why = j->req.kind == PROV_FILE_CNF ? "no such device" : "no such file";
		j->version[0] = '\0';
		return;
	}
	if (rc) {
		log_errorc(LOGS_TFTP, j->base.reqno, rc, "%s (%s): cannot read its version",
			   j->req.name, label);
		j->status = rc == EBUSY ? 503 : 500;
		j->why = "database busy";
		return;
	}
	if ((j->body = cache_get(fs, j->req.name, j->version))) {
		j->cached = 1;
		j->status = 200;
		return;
	}
	node_worker_refresh(w);
	fill_env(w->cfg, &env);
	buf_init(&out);
	rc = prov_file_build(w->st, &env, &j->req, j->version, &out);
	if (rc == 0 && out.oom)
		rc = ENOMEM;
	if (rc == 0 && !(j->body = body_new(out.data, out.len)))
		rc = ENOMEM;
	buf_free(&out);
	if (rc == ENOENT) {
		j->status = 404;
		j->why = j->req.kind == PROV_FILE_CNF ? "no such device" : "no such file";
		return;
	}
	if (rc) {
		log_errorc(LOGS_TFTP, j->base.reqno, rc, "%s (%s): cannot build it", j->req.name,
			   label);
		j->status = rc == EBUSY ? 503 : 500;
		return;
	}
	cache_put(fs, j->req.name, j->version, j->body);
	j->status = 200;
}

static void fs_done(struct workq_job *job)
{
	struct fs_job *j = (struct fs_job *)job;
	struct fileserv *fs = j->base.node->fileserv;
	struct fileserv_result r = {0};

	fs->inflight--;
	/* A stamp made for a device seen the first time may not have been committed: the file
	 * would name a version the next request does not find. */
	if (job->batch_error && j->status == 200 && !j->cached) {
		j->status = 503;
		j->why = "database commit failed";
	}
	r.status = j->status;
	r.req = &j->req;
	r.version = j->status == 200 ? j->version : "";
	r.cached = j->cached;
	r.why = j->why;
	if (j->status == 200) {
		r.body = j->body; /* the job's reference goes to the callback */
		j->body = NULL;
	}
	j->done(j->arg, &r);
	fileserv_body_unref(j->body);
	free(j);
}

static void answer_now(fileserv_done_fn *done, void *arg, const struct prov_file_req *req,
		       int status, const char *why)
{
	struct fileserv_result r = {.status = status, .req = req, .version = "", .why = why};

	done(arg, &r);
}

void fileserv_get(struct node *n, const char *name, size_t len, uint64_t reqno,
		  fileserv_done_fn *done, void *arg)
{
	struct fileserv *fs = n->fileserv;
	struct prov_file_req req;
	const char *why;

	if (!fs) {
		answer_now(done, arg, NULL, 500, "no file service");
		return;
	}
	if (prov_file_parse(name, len, &req) != 0) {
		answer_now(done, arg, NULL, 404, "not a file we serve");
		return;
	}
	if (!prov_file_has_builder(&req, &why)) {
		answer_now(done, arg, &req, 404, why);
		return;
	}
	if (fs->inflight >= FILESERV_INFLIGHT_MAX) {
		answer_now(done, arg, &req, 503, "busy");
		return;
	}
	struct fs_job *j = job_new(n, NULL, sizeof(*j), reqno);
	if (!j) {
		answer_now(done, arg, &req, 503, "out of memory");
		return;
	}
	j->req = req;
	j->done = done;
	j->arg = arg;
	fs->inflight++;
	job_submit(&j->base, fs_work, fs_done, 0);
}
