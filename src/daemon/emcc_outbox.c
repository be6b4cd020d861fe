/* emcc_outbox.c -- the EMCC outbox sender and the expired EMCC device maintenance, on timers.
 *
 * The outbox: logouts the other cluster has not acknowledged (store_emcc_outbox_*), written in
 * the transaction of the logout itself (em_logout_locked). A timer (every second, and at once
 * when a logout committed: emcc_outbox_kick) sends the due rows; an acknowledged row is
 * deleted, a failed one is retried after 1, 2, 4 ... 60 s (emcc_outbox_backoff_ms).
 *
 * The maintenance removes home EMCC devices and visits whose login ran out and whose timer did
 * not fire, and EMCC rows without a login (em_emcc_expire), every
 * expired_emcc_device_maintenance_interval.
 *
 * Each timer runs one job at a time: a run still going makes the next tick a no-op. */
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/vec.h"
#include "core/workq.h"
#include "daemon/emcc_int.h"
#include "daemon/emcc_visiting.h"
#include "daemon/job.h"
#include "daemon/node.h"
#include "emcc/msg.h"

#define OUTBOX_BATCH 32
#define MAINT_TICK_S 60
#define MAINT_GRACE_S 60 /* the auto logout sweep runs every second: give it that much first */

struct emcc_outbox {
	struct node *node;
	struct event *outbox_timer, *maint_timer;
	int outbox_running, maint_running;
	int64_t maint_last_ms;
};

/* ---- the outbox ---- */

struct outbox_item {
	struct store_emcc_outbox row;
	struct em_emcc_cluster c;
	int have_cluster;
	int ok;
	char why[256];
};

/* One run: read the due rows (phase 1, worker), send them (loop), apply the outcomes (phase 2,
 * worker). */
struct outbox_job {
	struct job base; /* first */
	struct emcc_outbox *ob;
	int phase;
	int timeout_ms;
	struct vec items; /* of struct outbox_item */
	size_t pending;	  /* sends not answered, plus one while sending */
};

static int outbox_row(void *arg, const struct store_emcc_outbox *o)
{
	struct outbox_job *j = arg;
	struct outbox_item *it = vec_push(&j->items, sizeof(*it));

	if (!it)
		return ENOMEM;
	it->row = *o;
	return 0;
}

/* Phase 1: the due rows and, for each, its remote cluster as it is configured now. */
static void outbox_read(struct outbox_job *j, struct store *st, int64_t now)
{
	struct store_remote_cluster *rc = malloc(sizeof(*rc)); /* a PEM inside: not on a stack */

	if (store_emcc_outbox_due(st, now, OUTBOX_BATCH, outbox_row, j) == 0 && rc) {
		struct outbox_item *items = j->items.data;
		for (size_t i = 0; i < j->items.n; i++) {
			struct em_emcc_cluster *c = &items[i].c;
			if (store_remote_cluster_get(st, items[i].row.cluster, rc) != 0)
				continue;
			snprintf(c->id, sizeof(c->id), "%s", rc->id);
			snprintf(c->address, sizeof(c->address), "%s", rc->address);
			snprintf(c->fingerprint, sizeof(c->fingerprint), "%s", rc->cert_sha256);
			items[i].have_cluster = 1;
		}
	}
	free(rc);
}

/* Phase 2: delivered rows go, the others wait their back-off. */
static void outbox_apply(struct outbox_job *j, struct store *st, int64_t now)
{
	const struct outbox_item *items = j->items.data;

	if (store_begin(st) != 0)
		return;
	for (size_t i = 0; i < j->items.n; i++) {
		if (items[i].ok)
			store_emcc_outbox_delete(st, items[i].row.id);
		else
			store_emcc_outbox_attempted(
			    st, items[i].row.id,
			    now + emcc_outbox_backoff_ms(items[i].row.attempts));
	}
	if (store_commit(st) != 0)
		store_rollback(st);
}

static void outbox_work(struct workq_job *job, void *thread_ctx)
{
	struct outbox_job *j = (struct outbox_job *)job;
	struct worker *w = thread_ctx;
	int64_t now = clock_now_ms();

	node_worker_refresh(w);
	j->timeout_ms = w->params.emcc_request_timeout_ms;
	if (j->phase == 1)
		outbox_read(j, w->st, now);
	else
		outbox_apply(j, w->st, now);
}

static void outbox_submit(struct outbox_job *j, int phase)
{
	j->phase = phase;
	j->base.wq.work = outbox_work;
	workq_submit(j->ob->node->wq, &j->base.wq);
}

static void outbox_sent(struct outbox_job *j)
{
	if (--j->pending == 0)
		outbox_submit(j, 2);
}

struct outbox_send {
	struct outbox_job *j;
	size_t i;
};

static void on_outbox_answer(void *arg, const struct emcc_peer_result *r)
{
	struct outbox_send s = *(struct outbox_send *)arg;
	struct outbox_item *it = &((struct outbox_item *)s.j->items.data)[s.i];
	struct node *n = s.j->ob->node;
	const struct emcc_msg *m = r->outcome == EMCC_PEER_OK ? r->msg : NULL;

	free(arg);
	if (m && m->kind == EMCC_RESP_SUCCESS) {
		it->ok = 1;
		log_info(LOGS_EMCC, s.j->base.reqno, "%llu:%s: %s %s device=%s delivered to %s",
			 (unsigned long long)s.j->base.reqno, n->cfg.cluster_id, it->row.kind,
			 it->row.user_id, it->row.device, it->row.cluster);
	} else {
		if (m)
			snprintf(it->why, sizeof(it->why), "%s %d %s", emcc_msg_kind_name(m->kind),
				 m->error_code, m->error_text);
		else
			snprintf(it->why, sizeof(it->why), "%s", r->why);
		log_warnx(
		    LOGS_EMCC, s.j->base.reqno,
		    "%llu:%s: %s %s device=%s to %s failed (attempt %d): %s; retry in %lld ms",
		    (unsigned long long)s.j->base.reqno, n->cfg.cluster_id, it->row.kind,
		    it->row.user_id, it->row.device, it->row.cluster, it->row.attempts + 1, it->why,
		    (long long)emcc_outbox_backoff_ms(it->row.attempts));
	}
	outbox_sent(s.j);
}

/* Sends item i of j (on_outbox_answer runs once), or returns why not (an errno value). */
static int outbox_send_one(struct outbox_job *j, size_t i, struct emcc_msg *m)
{
	struct outbox_item *it = &((struct outbox_item *)j->items.data)[i];
	struct node *n = j->ob->node;
	struct outbox_send *s;
	int home = strcmp(it->row.kind, "homeLogout") == 0, rc;

	if (!it->have_cluster)
		return ENOENT;
	if (!(s = malloc(sizeof(*s))))
		return ENOMEM;
	*s = (struct outbox_send){j, i};
	emcc_msg_init(m, home ? EMCC_REQ_HOME_LOGOUT : EMCC_REQ_VISITING_LOGOUT);
	snprintf(m->device_name, sizeof(m->device_name), "%s", it->row.device);
	snprintf(m->user_id, sizeof(m->user_id), "%s", it->row.user_id);
	snprintf(m->reason, sizeof(m->reason), "%.64s",
		 it->row.reason[0] ? it->row.reason : "logout");
	log_info(LOGS_EMCC, j->base.reqno, "%llu:%s: %s %s device=%s -> %s (%s)",
		 (unsigned long long)j->base.reqno, n->cfg.cluster_id, it->row.kind,
		 it->row.user_id, it->row.device, it->c.id, it->c.address);
	rc = emcc_send(n, &it->c, m, j->base.reqno, j->timeout_ms, on_outbox_answer, s);
	if (rc)
		free(s);
	return rc;
}

static void outbox_job_free(struct outbox_job *j)
{
	j->ob->outbox_running = 0;
	vec_free(&j->items);
	free(j);
}

static void outbox_done(struct workq_job *job)
{
	struct outbox_job *j = (struct outbox_job *)job;
	struct emcc_msg *m;

	if (j->phase == 2 || j->items.n == 0) {
		outbox_job_free(j);
		return;
	}
	m = malloc(sizeof(*m));
	j->pending = 1; /* held while sending */
	for (size_t i = 0; i < j->items.n; i++) {
		struct outbox_item *it = &((struct outbox_item *)j->items.data)[i];
		int rc;

		j->pending++; /* before the send: its answer may come before it returns */
		rc = m ? outbox_send_one(j, i, m) : ENOMEM;
		if (rc == 0)
			continue;
		j->pending--;
		snprintf(it->why, sizeof(it->why), "not sent: %s", emcc_peer_strerror(rc));
		log_warnx(LOGS_EMCC, j->base.reqno, "%llu:%s: %s device=%s to %s %s",
			  (unsigned long long)j->base.reqno, j->ob->node->cfg.cluster_id,
			  it->row.kind, it->row.device, it->row.cluster, it->why);
	}
	free(m);
	outbox_sent(j);
}

/* A timer's run, one at a time: a zeroed job of size bytes and its request number, or NULL
 * while the last run is still going (or out of memory). Marks it running. */
static void *timer_job_new(struct node *n, int *running, size_t size)
{
	void *j;

	if (*running || !(j = job_new(n, NULL, size, node_next_reqno(n))))
		return NULL;
	*running = 1;
	return j;
}

static void on_outbox_timer(evutil_socket_t fd, short what, void *arg)
{
	struct emcc_outbox *ob = arg;
	struct outbox_job *j = timer_job_new(ob->node, &ob->outbox_running, sizeof(*j));

	if (!j)
		return;
	j->ob = ob;
	j->base.wq.done = outbox_done;
	outbox_submit(j, 1);
}

void emcc_outbox_kick(struct node *n)
{
	if (n->emcc_vis && n->emcc_vis->outbox)
		event_active(n->emcc_vis->outbox->outbox_timer, EV_TIMEOUT, 0);
}

/* ---- expired EMCC device maintenance ---- */

struct maint_job {
	struct job base; /* first */
	struct emcc_outbox *ob;
	int64_t last_ms;
	int ran;
	size_t removed;
	int rc;
};

static void maint_work(struct workq_job *job, void *thread_ctx)
{
	struct maint_job *j = (struct maint_job *)job;
	struct worker *w = thread_ctx;
	int64_t now = clock_now_ms();

	struct em_ctx ctx = job_begin(w, &j->base, "timer", "");
	if (j->last_ms && now - j->last_ms < (int64_t)w->params.expired_emcc_device_minutes * 60000)
		return;
	j->ran = 1;
	ctx.now_ms = now;
	j->rc = em_emcc_expire(&ctx, MAINT_GRACE_S, &j->removed);
}

static void maint_done(struct workq_job *job)
{
	struct maint_job *j = (struct maint_job *)job;
	struct emcc_outbox *ob = j->ob;
	struct node *n = ob->node;
	uint64_t reqno = j->base.reqno;

	ob->maint_running = 0;
	if (j->ran) {
		ob->maint_last_ms = clock_now_ms();
		if (j->rc)
			log_errorc(LOGS_EMCC, reqno, j->rc, "expired EMCC device maintenance");
		else if (j->removed && !job->batch_error)
			log_info(LOGS_EMCC, reqno,
				 "expired EMCC device maintenance: %zu EMCC row(s) removed",
				 j->removed);
	}
	job_answer(&j->base, job->batch_error, 0, NULL, NULL, 0); /* no request: the phones only */
	if (j->removed)
		emcc_outbox_kick(n);
	free(j);
}

static void on_maint_timer(evutil_socket_t fd, short what, void *arg)
{
	struct emcc_outbox *ob = arg;
	struct maint_job *j = timer_job_new(ob->node, &ob->maint_running, sizeof(*j));

	if (!j)
		return;
	j->ob = ob;
	j->last_ms = ob->maint_last_ms;
	job_submit(&j->base, maint_work, maint_done, 0);
}

/* ---- start and stop ---- */

int emcc_outbox_alloc(struct emcc_outbox **op, struct node *n)
{
	struct timeval one = {1, 0}, tick = {MAINT_TICK_S, 0};
	struct emcc_outbox *ob = calloc(1, sizeof(*ob));
	int rc = 0;

	if (!ob)
		return ENOMEM;
	ob->node = n;
	ob->outbox_timer = event_new(n->base, -1, EV_PERSIST, on_outbox_timer, ob);
	ob->maint_timer = event_new(n->base, -1, EV_PERSIST, on_maint_timer, ob);
	if (!ob->outbox_timer || !ob->maint_timer) {
		rc = ENOMEM;
		goto out;
	}
	event_add(ob->outbox_timer, &one);
	event_add(ob->maint_timer, &tick);
	on_maint_timer(-1, 0, ob); /* rows that expired while we were down go now */
out:
	if (rc)
		emcc_outbox_free(ob);
	else
		*op = ob;
	return rc;
}

void emcc_outbox_free(struct emcc_outbox *ob)
{
	if (!ob)
		return;
	if (ob->outbox_timer)
		event_free(ob->outbox_timer);
	if (ob->maint_timer)
		event_free(ob->maint_timer);
	free(ob);
}
