/* node.h -- the daemon's context: one per emccd process, owned by the event loop thread. */
#ifndef EMCC_DAEMON_NODE_H
#define EMCC_DAEMON_NODE_H

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "core/config.h"
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
struct prov_cache;
typedef struct ssl_ctx_st SSL_CTX;

struct node {
	struct config cfg;
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
	struct evhttp *tftp; /* provisioning over HTTP ([server] tftp_http), or NULL */
	struct prov_cache
	    *prov_cache;   /* built cnf.xml files by (device, stamp); workers share it */
	struct sipd *sipd; /* NULL when [sip] has no listener */
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

/* Per worker thread: its own database connection and parameter snapshot. */
struct worker {
	struct node *node;
	struct store *st;
	struct em_params params;
	unsigned params_gen;
};

/* Logins and logouts a job committed, told to the phones only once its batch is durable. The
 * restart NOTIFY carries the versionStamp each change wrote (em_ctx.on_change), the one the
 * device's SEP<MAC>.cnf.xml shows (prov/build.h). */
struct node_changes {
	size_t n, cap;
	struct node_change {
		char device[129];
		int what; /* enum em_change */
		int locale_changed;
		char version[64]; /* config versionStamp for the NOTIFY; "" = let sipd make one */
	} * items;
};
/* em_ctx.on_change for jobs: records the change in the node_changes passed as arg (worker). */
void node_changes_add(void *changes, const char *device, enum em_change what, int locale_changed,
		      const char *version);
/* Loop thread, after the batch: acts on the changes unless the batch failed; frees them. */
void node_changes_flush(struct node *n, struct node_changes *c, int batch_error, uint64_t reqno);

/* Reloads w->params from the store if the node's generation moved. */
void node_worker_refresh_params(struct worker *w);
/* Called when an admin command changed parameters (any thread). */
void node_params_changed(void *node);
uint64_t node_next_reqno(struct node *n);

#endif
