/* main.c -- emccd: one cluster node. Config, logs, store, worker pool, listeners, signals. */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <getopt.h>
#include <malloc.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/tls.h"
#include "core/workq.h"
#include "daemon/emcc_status.h"
#include "daemon/emcc_visiting.h"
#include "daemon/fileserv.h"
#include "daemon/job.h"
#include "daemon/metrics.h"
#include "daemon/node.h"
#include "daemon/servlet.h"
#include "daemon/tftpd.h"
#include "em/em.h"
#include "emcc/client.h"
#include "sip/sipd.h"
#include "store/store.h"

#define AUTOLOGOUT_BATCH 1000
/* Requests one durable commit may cover; bounds the latency a batch adds to its first member. */
#define WORKER_BATCH_MAX 64
/* How long SIGTERM waits for the requests in flight before it stops anyway. */
#define DRAIN_SECONDS 5

/* ---- worker threads ---- */

static void *worker_init(void *arg)
{
	return node_worker_new(arg);
}

/* Group commit: the jobs a worker takes together share one durable COMMIT. */
static void worker_batch_begin(void *ctx)
{
	struct worker *w = ctx;
	store_batch_begin(w->st);
}

static int worker_batch_end(void *ctx)
{
	struct worker *w = ctx;
	int rc = store_batch_commit(w->st);
	if (rc)
		log_errorc(LOGS_DAEMON, 0, rc,
			   "batch commit failed; its requests are answered with code 6");
	return rc;
}

static void worker_fini(void *ctx)
{
	node_worker_free(ctx);
}

/* ---- automatic logout: a sweep every second, at most one at a time ---- */

struct sweep_job {
	struct job base; /* first */
	size_t fired;
};

static void sweep_work(struct workq_job *job, void *thread_ctx)
{
	struct sweep_job *s = (struct sweep_job *)job;
	struct em_ctx ctx = job_begin(thread_ctx, &s->base, "timer", "");
	int rc = em_autologout_run(&ctx, AUTOLOGOUT_BATCH, &s->fired);
	if (rc)
		log_errorc(LOGS_EMSERVICE, ctx.reqno, rc, "automatic logout sweep failed");
	else if (s->fired)
		log_info(LOGS_EMSERVICE, ctx.reqno, "automatic logout: %zu device(s) logged out",
			 s->fired);
}

static void sweep_done(struct workq_job *job)
{
	struct sweep_job *s = (struct sweep_job *)job;
	s->base.node->autologout_running = 0;
	if (job->batch_error && s->fired)
		log_errorx(LOGS_EMSERVICE, s->base.reqno,
			   "automatic logout of %zu device(s) not committed; retried next sweep",
			   s->fired);
	job_answer(&s->base, job->batch_error, 0, NULL, NULL, 0); /* no request: the phones */
	free(s);
}

static void on_autologout_timer(evutil_socket_t fd, short what, void *arg)
{
	struct node *n = arg;
	if (n->autologout_running)
		return;
	struct sweep_job *s = job_new(n, NULL, sizeof(*s), node_next_reqno(n));
	if (!s)
		return;
	n->autologout_running = 1;
	job_submit(&s->base, sweep_work, sweep_done, 0);
}

/* ---- configuration ---- */

/* Checks [parameters] entries, naming the line of a bad one. */
static int check_params(const struct config *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < c->nparams; i++) {
		char why[256];
		if (em_params_check(c->params[i].name, c->params[i].value, NULL, 0, why,
				    sizeof(why)) != 0) {
			snprintf(err, errlen, "%s:%d: [parameters] %s: %s", c->path,
				 c->params[i].line, c->params[i].name, why);
			return EINVAL;
		}
	}
	return 0;
}

static int load_config(struct config *c, const char *path, char *err, size_t errlen)
{
	config_defaults(c);
	if (path) {
		int rc = config_load(c, path, err, errlen);
		if (rc)
			return rc;
	}
	config_finish(c);
	if (log_level_from_name(c->log_level) < 0) {
		snprintf(err, errlen, "%s: [log] level: unknown level '%s'", c->path, c->log_level);
		return EINVAL;
	}
	return check_params(c, err, errlen);
}

/* Writes the parameters the config file pins into the store, canonicalised. */
static int apply_pinned_params(const struct config *c, struct store *st)
{
	if (c->nparams == 0)
		return 0;
	int rc = store_begin(st);
	if (rc)
		return rc;
	for (size_t i = 0; i < c->nparams && rc == 0; i++) {
		char canon[256], why[256];
		rc = em_params_check(c->params[i].name, c->params[i].value, canon, sizeof(canon),
				     why, sizeof(why));
		if (rc == 0)
			rc = store_param_set(st, c->params[i].name, canon);
		char implied_value[16];
		const char *implied = rc ? NULL
					 : em_params_implied(c->params[i].name, canon,
							     implied_value, sizeof(implied_value));
		if (implied)
			rc = store_param_set(st, implied, implied_value);
	}
	if (rc) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st);
}

static int open_logs(const struct config *c)
{
	struct log_options lo = {
	    .dir = c->log_dir,
	    .cluster_id = c->cluster_id,
	    .level = (enum log_level)log_level_from_name(c->log_level),
	    .max_bytes = c->log_max_bytes,
	    .keep = c->log_keep,
	    .also_stderr = c->log_stderr,
	};
	int rc = log_open(&lo);
	for (int s = 0; s < LOGS_COUNT && rc == 0; s++)
		log_set_level((enum log_service)s, lo.level);
	return rc;
}

static void on_drain_tick(evutil_socket_t fd, short what, void *arg)
{
	struct node *n = arg;
	(void)fd;
	(void)what;
	int idle = workq_pending(n->wq) == 0 && n->em_inflight == 0;
	if (!idle && clock_now_ms() < n->drain_deadline_ms)
		return;
	if (!idle)
		log_warnx(LOGS_DAEMON, 0, "still %zu job(s) in flight after %d s: stopping anyway",
			  workq_pending(n->wq), DRAIN_SECONDS);
	event_del(n->drain_timer);
	/* One more short turn of the loop writes the last answers out to their sockets. */
	struct timeval flush = {0, 100 * 1000};
	event_base_loopexit(n->base, &flush);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct node *n = arg;
	if (sig == SIGHUP) {
		struct config c;
		char err[512];
		if (load_config(&c, n->cfg.path[0] ? n->cfg.path : NULL, err, sizeof(err)) != 0) {
			log_errorx(LOGS_DAEMON, 0, "reload refused, keeping the running config: %s",
				   err);
			return;
		}
		/* Listeners, database and data directory stay as started; the rest applies now. */
		if (strcmp(c.http_listen, n->cfg.http_listen) ||
		    strcmp(c.https_listen, n->cfg.https_listen) ||
		    strcmp(c.database, n->cfg.database) ||
		    strcmp(c.admin_socket, n->cfg.admin_socket) ||
		    strcmp(c.sip_udp, n->cfg.sip_udp) || strcmp(c.sip_tcp, n->cfg.sip_tcp) ||
		    strcmp(c.sip_realm, n->cfg.sip_realm) ||
		    c.sip_max_expires != n->cfg.sip_max_expires)
			log_warnx(LOGS_DAEMON, 0,
				  "reload: listener, [sip] or database changes need a restart");
		if (strcmp(c.tftp_http, n->cfg.tftp_http) ||
		    strcmp(c.tftp_https, n->cfg.tftp_https) || strcmp(c.tftp_udp, n->cfg.tftp_udp))
			log_warnx(
			    LOGS_DAEMON, 0,
			    "reload: [server] tftp, tftp_http, tftp_https changes need a restart");
		memcpy(c.tftp_http, n->cfg.tftp_http, sizeof(c.tftp_http));
		memcpy(c.tftp_https, n->cfg.tftp_https, sizeof(c.tftp_https));
		memcpy(c.tftp_udp, n->cfg.tftp_udp, sizeof(c.tftp_udp));
		memcpy(c.sip_udp, n->cfg.sip_udp, sizeof(c.sip_udp));
		memcpy(c.sip_tcp, n->cfg.sip_tcp, sizeof(c.sip_tcp));
		memcpy(c.sip_realm, n->cfg.sip_realm, sizeof(c.sip_realm));
		c.sip_max_expires = n->cfg.sip_max_expires;
		memcpy(c.http_listen, n->cfg.http_listen, sizeof(c.http_listen));
		memcpy(c.https_listen, n->cfg.https_listen, sizeof(c.https_listen));
		memcpy(c.database, n->cfg.database, sizeof(c.database));
		memcpy(c.admin_socket, n->cfg.admin_socket, sizeof(c.admin_socket));
		n->cfg = c;
		if (node_config_publish(n) != 0)
			log_errorx(LOGS_DAEMON, 0,
				   "reload: out of memory: workers keep the old config");
		open_logs(&n->cfg);
		struct store *st;
		if (store_open(&st, n->cfg.database) == 0) {
			if (apply_pinned_params(&n->cfg, st) != 0)
				log_errorx(LOGS_DAEMON, 0, "reload: cannot store [parameters]");
			store_close(st);
		}
		node_params_changed(n);
		log_info(LOGS_DAEMON, 0, "configuration reloaded from %s",
			 n->cfg.path[0] ? n->cfg.path : "built-in defaults");
		return;
	}
	if (n->draining) {
		log_info(LOGS_DAEMON, 0, "%s again: stopping now",
			 sig == SIGTERM ? "SIGTERM" : "SIGINT");
		event_base_loopexit(n->base, NULL);
		return;
	}
	/* Drain: take no new connections, end the inter-cluster requests in flight (their logins
	 * answer at once), and let the loop run until every admitted request has been answered and
	 * its answer written, or DRAIN_SECONDS have passed. */
	n->draining = 1;
	n->drain_deadline_ms = clock_now_ms() + DRAIN_SECONDS * 1000;
	log_info(LOGS_DAEMON, 0, "%s: stopping, %zu job(s) and %u EM request(s) in flight",
		 sig == SIGTERM ? "SIGTERM" : "SIGINT", workq_pending(n->wq), n->em_inflight);
	http_stop_accepting(n);
	emcc_client_shutdown(n->emcc_client);
	n->drain_timer = event_new(n->base, -1, EV_PERSIST, on_drain_tick, n);
	struct timeval tick = {0, 20 * 1000};
	if (!n->drain_timer || event_add(n->drain_timer, &tick) != 0)
		event_base_loopexit(n->base, NULL);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: emccd [-c FILE] [-n] [-h]\n"
		"  -c FILE  configuration file (INI); without it the built-in defaults are used:\n"
		"           the seed lab's visiting cluster ClusterOne on 127.0.7.100\n"
		"  -n       check the configuration and exit (0 = good, 1 = names the bad line)\n"
		"  -h       this help\n"
		"Signals: SIGHUP reloads the configuration, SIGTERM stops cleanly.\n");
}

static int mkdir_p(const char *path, mode_t mode)
{
	char tmp[CONFIG_STR];
	if (strlen(path) >= sizeof(tmp))
		return ENAMETOOLONG;
	strcpy(tmp, path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) != 0 && errno != EEXIST)
			return errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) != 0 && errno != EEXIST)
		return errno;
	return 0;
}

/* The state that outlives the event loop: logs, the PIN key, the database migrated and the
 * pinned parameters stored before any worker opens it, the node's certificate. Exits on
 * failure, saying why. */
static void start_state(struct node *n, const char *config_path)
{
	char err[512], pepper_path[CONFIG_STR + 16];
	struct em_params params;
	struct store *st;
	int rc = mkdir_p(n->cfg.data_dir, 0750);

	if (rc) {
		fprintf(stderr, "emccd: cannot create %s: %s\n", n->cfg.data_dir, strerror(rc));
		exit(1);
	}
	if ((rc = open_logs(&n->cfg))) {
		fprintf(stderr, "emccd: cannot open logs in %s: %s\n", n->cfg.log_dir,
			strerror(rc));
		exit(1);
	}
	log_info(LOGS_DAEMON, 0, "emccd starting: cluster %s, node %s, config %s",
		 n->cfg.cluster_id, n->cfg.node_address, config_path ? config_path : "(built-in)");
	snprintf(pepper_path, sizeof(pepper_path), "%s/pin.key", n->cfg.data_dir);
	if (cred_init() != 0 || (rc = cred_pepper_load(&n->pepper, pepper_path)) != 0)
		fatalc(rc, "cannot load the PIN key %s", pepper_path);
	if ((rc = store_open(&st, n->cfg.database)) != 0)
		fatalc(rc, "cannot open database %s", n->cfg.database);
	if ((rc = apply_pinned_params(&n->cfg, st)) != 0 || (rc = em_params_load(st, &params)) != 0)
		fatalc(rc, "cannot store parameters");
	log_info(LOGS_DAEMON, 0, "database %s at schema version %d", n->cfg.database,
		 store_schema_version(st));
	store_close(st);
	atomic_store(&n->max_concurrent, params.max_concurrent_requests);
	/* The node's certificate exists even without an HTTPS listener: it is also the identity
	 * this cluster presents to other clusters (mutual TLS). */
	if (tls_server_ctx(n->cfg.tls_cert, n->cfg.tls_key, n->cfg.cluster_id, n->cfg.node_address,
			   &n->ssl_ctx, err, sizeof(err)) != 0)
		fatalx("HTTPS: %s", err);
	if (node_config_publish(n) != 0)
		fatalx("out of memory at start");
}

/* The event loop and what runs on it: the inter-cluster client, the workers, EMCC, the
 * listeners, SIP. Exits on failure. */
static void start_services(struct node *n)
{
	char err[512];
	int rc;

	signal(SIGPIPE, SIG_IGN);
	/* Workers allocate and free a request's buffers (64 KiB of XML, its parsed form, a page)
	 * for every request. By default glibc hands a freed top of a thread's arena back to the
	 * kernel (madvise) and the next request faults it in again: measured with bench/run.sh,
	 * up to a third of the EM API's throughput. What a node holds stays well under these. */
	mallopt(M_TRIM_THRESHOLD, 16 << 20);
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	evthread_use_pthreads();
	n->base = event_base_new();
	n->started = time(NULL);
	if (!n->base || metrics_alloc(&n->metrics) || cred_cache_alloc(&n->cred_cache, 4096))
		fatalx("out of memory at start");
	if (emcc_client_alloc(&n->emcc_client, n->base, n->cfg.tls_cert, n->cfg.tls_key, err,
			      sizeof(err)) != 0)
		fatalx("inter-cluster client: %s", err);
	/* Only an address literal can be a source; a DNS node_address leaves it to routing. */
	struct in6_addr a6;
	struct in_addr a4;
	if (inet_pton(AF_INET, n->cfg.node_address, &a4) == 1 ||
	    inet_pton(AF_INET6, n->cfg.node_address, &a6) == 1)
		emcc_client_set_source(n->emcc_client, n->cfg.node_address);
	if ((rc = workq_alloc(&n->wq, n->base, n->cfg.workers, worker_init, worker_fini, n)) != 0)
		fatalc(rc, "cannot start %d workers", n->cfg.workers);
	workq_set_batch(n->wq, WORKER_BATCH_MAX, worker_batch_begin, worker_batch_end);
	if ((rc = emcc_visiting_start(n)) != 0)
		fatalc(rc, "EMCC: cannot start");
	if (http_listen_all(n) != 0) {
		workq_free(n->wq);
		fatalx("cannot open listeners, see %s/emccd.log", n->cfg.log_dir);
	}
	if (tftpd_start(n) != 0) {
		http_close_all(n); /* the admin socket's file goes too */
		workq_free(n->wq);
		fatalx("cannot open the TFTP listener, see %s/emccd.log", n->cfg.log_dir);
	}
	if (!n->cfg.sip_udp[0] && !n->cfg.sip_tcp[0])
		return;
	/* No SIP credentials source yet: with a realm set, REGISTERs are refused (sipd says so
	 * in sip.log) rather than taken without authentication. */
	struct sipd_config sc = {
	    .udp_listen = n->cfg.sip_udp,
	    .tcp_listen = n->cfg.sip_tcp,
	    .realm = n->cfg.sip_realm,
	    .cluster_id = n->cfg.cluster_id,
	    .max_expires = (unsigned)n->cfg.sip_max_expires,
	};
	if ((rc = sipd_start(&n->sipd, &sc)) != 0) {
		http_close_all(n); /* the admin socket's file goes too */
		workq_free(n->wq);
		fatalc(rc, "cannot start SIP on udp %s, tcp %s (see %s/sip.log)",
		       n->cfg.sip_udp[0] ? n->cfg.sip_udp : "(off)",
		       n->cfg.sip_tcp[0] ? n->cfg.sip_tcp : "(off)", n->cfg.log_dir);
	}
}

/* Signals, the automatic logout sweep, remote cluster updates. */
static void start_timers(struct node *n)
{
	struct timeval one_second = {1, 0};
	int rc;

	n->sig_term = evsignal_new(n->base, SIGTERM, on_signal, n);
	n->sig_int = evsignal_new(n->base, SIGINT, on_signal, n);
	n->sig_hup = evsignal_new(n->base, SIGHUP, on_signal, n);
	event_add(n->sig_term, NULL);
	event_add(n->sig_int, NULL);
	event_add(n->sig_hup, NULL);
	n->autologout_timer = event_new(n->base, -1, EV_PERSIST, on_autologout_timer, n);
	event_add(n->autologout_timer, &one_second);
	on_autologout_timer(-1, 0, n); /* logouts that fell due while we were down fire now */
	if ((rc = emcc_status_start(n)) != 0)
		log_errorc(LOGS_DAEMON, 0, rc, "remote cluster updates not started");
}

/* After the loop: every HTTP request a job or an EMCC login still holds is answered before the
 * listeners (and with them the connections and their requests) are freed: first the
 * inter-cluster requests in flight fail, so their logins, lookups and outbox runs end (queuing
 * their last jobs); then the pool finishes every job, answering it; new inter-cluster requests
 * are refused meanwhile. Answers written now are sent only if the socket takes them. */
static void stop_node(struct node *n)
{
	emcc_client_shutdown(n->emcc_client);
	workq_free(n->wq); /* answers what is in flight, then joins */
	tftpd_stop(n);	   /* after the workers: no file lookup is left pending */
	http_close_all(n);
	event_free(n->autologout_timer);
	if (n->drain_timer)
		event_free(n->drain_timer);
	event_free(n->sig_term);
	event_free(n->sig_int);
	event_free(n->sig_hup);
	fileserv_free(n);   /* workers read the cache until they stopped */
	sipd_stop(n->sipd); /* after the workers: their last commits may still queue NOTIFYs */
	n->sipd = NULL;
	emcc_status_stop(n);
	emcc_client_free(n->emcc_client);
	emcc_visiting_stop(n); /* after the client and the pool: nothing ends a login any more */
	cred_cache_free(n->cred_cache);
	metrics_free(n->metrics);
	if (n->ssl_ctx)
		SSL_CTX_free(n->ssl_ctx);
	event_base_free(n->base);
	node_config_release(n->cfg_current);
}

int main(int argc, char **argv)
{
	static struct node node; /* large: keep it off the stack */
	struct node *n = &node;
	const char *config_path = NULL;
	int check_only = 0, opt;
	char err[512];

	while ((opt = getopt(argc, argv, "c:nh")) != -1) {
		switch (opt) {
		case 'c': config_path = optarg; break;
		case 'n': check_only = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (load_config(&n->cfg, config_path, err, sizeof(err)) != 0) {
		fprintf(stderr, "emccd: %s\n", err);
		return 1;
	}
	if (check_only) {
		printf("emccd: configuration %s is valid\n",
		       config_path ? config_path : "(built-in)");
		return 0;
	}
	pthread_mutex_init(&n->cfg_mu, NULL);
	start_state(n, config_path);
	start_services(n);
	start_timers(n);
	log_info(LOGS_DAEMON, 0, "emccd ready (%d workers)", n->cfg.workers);
	event_base_dispatch(n->base);
	stop_node(n);
	log_info(LOGS_DAEMON, 0, "emccd stopped");
	log_close();
	return 0;
}
