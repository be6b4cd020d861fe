/* node.h -- the daemon's context: one per emccd process, owned by the event loop thread. */
#ifndef EMCC_DAEMON_NODE_H
#define EMCC_DAEMON_NODE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "core/config.h"
#include "core/limits.h"
#include "core/vec.h"
#include "em/credentials.h"
#include "em/em.h"
#include "em/params.h"

struct event_base;
struct event;
struct evhttp;
struct workq;
struct metrics;
struct sipd;
struct emcc_client;
struct evconnlistener;
struct emcc_status;
struct emcc_replay;
struct emcc_visiting;
struct fileserv;
struct tftpd;
typedef struct ssl_ctx_st SSL_CTX;

/* The snapshot rule: the loop thread owns n->cfg and replaces it on SIGHUP; a worker never
 * reads it. Each worker holds a reference to an immutable copy (struct node_config) and swaps it
 * for the newest at the start of a job when the generation moved, as it does for parameters. A
 * copy is freed by whoever drops its last reference. */
struct node_config {
	atomic_int refs;
	unsigned gen;
	struct config cfg;
};

struct node {
	struct config cfg;	/* loop thread only; workers read their snapshot (w->cfg) */
	pthread_mutex_t cfg_mu; /* guards cfg_current while a reference is taken */
	struct node_config *cfg_current; /* the newest snapshot (one reference held here) */
	atomic_uint cfg_gen;		 /* its generation */
	struct event_base *base;
	struct workq *wq;
	struct metrics *metrics;
	struct cred_pepper pepper;
	struct cred_cache *cred_cache;
	SSL_CTX *ssl_ctx;

	struct evhttp *http, *https, *admin;
	/* Every accepting socket, so a stopping node can stop taking new connections. */
	struct evconnlistener *listeners[8];
	int nlisteners;
	struct event *drain_timer; /* SIGTERM: waits for the requests in flight */
	int64_t drain_deadline_ms;
	int draining;
	struct evhttp *tftp;	   /* provisioning over HTTP ([server] tftp_http), or NULL */
	struct evhttp *tftps;	   /* provisioning over HTTPS ([server] tftp_https), or NULL */
	struct fileserv *fileserv; /* the provisioning files and their cache (fileserv.h) */
	struct tftpd *tftpd;	   /* TFTP on UDP ([server] tftp), or NULL (tftpd.h) */
	struct sipd *sipd;	   /* NULL when [sip] has no listener */
	struct emcc_client *emcc_client; /* inter-cluster HTTPS (mutual TLS), loop thread only */
	struct emcc_status *emcc_status; /* remote cluster updates, our bundle (emcc_status.c) */
	struct emcc_replay *emcc_replay; /* (cluster, nonce) pairs seen: incoming EMCC messages */
	struct emcc_visiting *emcc_vis;	 /* EMCC logins in flight, home cache, outbox (loop) */
	struct event *sig_term, *sig_int, *sig_hup, *autologout_timer;

	atomic_uint_fast64_t next_reqno;
	atomic_uint params_gen;	   /* bumped when parameters change; workers reload */
	atomic_int max_concurrent; /* Maximum Concurrent Requests, read by the loop thread */
	unsigned em_inflight;	   /* EM API requests admitted and not answered (loop thread) */
	int autologout_running;	   /* one sweep at a time (loop thread) */
	time_t started;
};

/* Per worker thread: its own database connection, parameters and configuration snapshot. */
struct worker {
	struct node *node;
	struct store *st;
	struct em_params params;
	unsigned params_gen;
	struct node_config *conf; /* a reference: this worker's snapshot */
	const struct config *cfg; /* &conf->cfg, what worker code reads */
};

/* Logins and logouts a job committed, told to the phones only once its batch is durable. The
 * restart NOTIFY carries the versionStamp each change wrote (em_ctx.on_change), the one the
 * device's SEP<MAC>.cnf.xml shows (store_config_bump). */
struct node_change {
	char device[LIM_ID_MAX];
	enum em_change what;
	int locale_changed;
	char
	    version[LIM_STAMP_MAX]; /* config versionStamp for the NOTIFY; "" = let sipd make one */
};
struct node_changes {
	struct vec items; /* struct node_change */
};
/* em_ctx.on_change for jobs: records the change in the node_changes passed as arg (worker). */
void node_changes_add(void *changes, const char *device, enum em_change what, int locale_changed,
		      const char *version);
/* Loop thread, after the batch: acts on the changes unless the batch failed; frees them. */
void node_changes_flush(struct node *n, struct node_changes *c, int batch_error, uint64_t reqno);

/* Loop thread, at start and after every reload: makes n->cfg the snapshot workers take next.
 * Returns 0 or ENOMEM (the workers keep the one they have). */
int node_config_publish(struct node *n);
/* Drops a reference to a snapshot (any thread); NULL is fine. */
void node_config_release(struct node_config *c);

/* A worker's own state: its store and the newest snapshots. node_worker_new returns NULL when
 * the database cannot be opened or memory is short. */
struct worker *node_worker_new(struct node *n);
void node_worker_free(struct worker *w);
/* At the start of a job: reloads w->params from the store and takes the newest configuration
 * snapshot when their generations moved. */
void node_worker_refresh(struct worker *w);
/* Called when an admin command changed parameters (any thread). */
void node_params_changed(void *node);
uint64_t node_next_reqno(struct node *n);

#endif
