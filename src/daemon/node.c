/* node.c -- what every part of the daemon shares through struct node: request numbers, the
 * parameter and configuration snapshots workers take, and the changes a job tells the phones about
 * once its batch is durable. */
#include "daemon/node.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/str.h"
#include "daemon/emcc_visiting.h"
#include "em/em.h"
#include "sip/sipd.h"

uint64_t node_next_reqno(struct node *n)
{
	return atomic_fetch_add(&n->next_reqno, 1) + 1;
}

int node_config_publish(struct node *n)
{
	struct node_config *c = malloc(sizeof(*c)), *old;

	if (!c)
		return ENOMEM;
	atomic_init(&c->refs, 1); /* the node's */
	c->cfg = n->cfg;
	pthread_mutex_lock(&n->cfg_mu);
	old = n->cfg_current;
	c->gen = old ? old->gen + 1 : 1;
	n->cfg_current = c;
	atomic_store(&n->cfg_gen, c->gen);
	pthread_mutex_unlock(&n->cfg_mu);
	node_config_release(old);
	return 0;
}

void node_config_release(struct node_config *c)
{
	if (c && atomic_fetch_sub(&c->refs, 1) == 1)
		free(c);
}

/* The newest snapshot, with a reference for the caller. */
static struct node_config *config_acquire(struct node *n)
{
	struct node_config *c;

	pthread_mutex_lock(&n->cfg_mu);
	c = n->cfg_current;
	if (c)
		atomic_fetch_add(&c->refs, 1);
	pthread_mutex_unlock(&n->cfg_mu);
	return c;
}

struct worker *node_worker_new(struct node *n)
{
	struct worker *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->node = n;
	w->conf = config_acquire(n);
	if (!w->conf || store_open(&w->st, w->conf->cfg.database) != 0) {
		node_config_release(w->conf);
		free(w);
		return NULL;
	}
	w->cfg = &w->conf->cfg;
	if (em_params_load(w->st, &w->params) != 0)
		em_params_defaults(&w->params);
	w->params_gen = atomic_load(&n->params_gen);
	return w;
}

void node_worker_free(struct worker *w)
{
	if (!w)
		return;
	store_close(w->st);
	node_config_release(w->conf);
	free(w);
}

void node_worker_refresh(struct worker *w)
{
	struct node *n = w->node;
	unsigned gen = atomic_load(&n->params_gen);
	struct em_params p;

	if (gen != w->params_gen && em_params_load(w->st, &p) == 0) {
		w->params = p;
		w->params_gen = gen;
		atomic_store(&n->max_concurrent, p.max_concurrent_requests);
	}
	if (atomic_load(&n->cfg_gen) != w->conf->gen) {
		struct node_config *c = config_acquire(n);
		if (c) {
			node_config_release(w->conf);
			w->conf = c;
			w->cfg = &c->cfg;
		}
	}
}

void node_params_changed(void *arg)
{
	struct node *n = arg;
	atomic_fetch_add(&n->params_gen, 1);
}

void node_changes_add(void *arg, const char *device, enum em_change what, int locale_changed,
		      const char *version)
{
	struct node_changes *c = arg;
	struct node_change *it = vec_push(&c->items, sizeof(*it));

	if (!it)
		return; /* the phone keeps its old config until its next restart */
	str_copy(it->device, sizeof(it->device), device);
	it->what = what;
	it->locale_changed = locale_changed;
	str_copy(it->version, sizeof(it->version), version);
}

void node_changes_flush(struct node *n, struct node_changes *c, int batch_error, uint64_t reqno)
{
	const struct node_change *items = c->items.data;

	for (size_t i = 0; i < c->items.n && !batch_error; i++) {
		const struct node_change *it = &items[i];
		/* A locale change needs new fonts and prompts: the phone reboots (reset); otherwise
		 * it re-reads its configuration and registers again (restart). */
		const char *action = it->locale_changed ? "reset" : "restart";
		const char *what = it->what == EM_CHANGE_LOGIN ? "login" : "logout";
		if (!n->sipd) {
			log_info(LOGS_EMSERVICE, reqno,
				 "device %s: %s committed; SIP is off here: %s NOTIFY not sent",
				 it->device, what, action);
			continue;
		}
		int rc = sipd_notify_service_control(n->sipd, it->device, action,
						     it->version[0] ? it->version : NULL, reqno);
		if (rc == 0)
			log_info(
			    LOGS_EMSERVICE, reqno,
			    "device %s: %s committed; %s NOTIFY queued (ConfigVersionStamp %s)",
			    it->device, what, action, it->version[0] ? it->version : "new");
		else if (rc == ENOENT)
			log_info(LOGS_EMSERVICE, reqno,
				 "device %s not registered: %s NOTIFY not sent", it->device,
				 action);
		else
			log_warnc(LOGS_EMSERVICE, reqno, rc, "device %s: %s NOTIFY not sent",
				  it->device, action);
	}
	/* A committed logout may have queued a message for another cluster (EMCC): send now. */
	for (size_t i = 0; i < c->items.n && !batch_error; i++)
		if (items[i].what == EM_CHANGE_LOGOUT) {
			emcc_outbox_kick(n);
			break;
		}
	vec_free(&c->items);
}
