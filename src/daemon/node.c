/* node.c -- what every part of the daemon shares through struct node: request numbers, the
 * parameter generation workers reload on, and the changes a job tells the phones about once its
 * batch is durable. */
#include "daemon/node.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "daemon/emcc_visiting.h"
#include "em/em.h"
#include "sip/sipd.h"

uint64_t node_next_reqno(struct node *n)
{
	return atomic_fetch_add(&n->next_reqno, 1) + 1;
}

void node_worker_refresh_params(struct worker *w)
{
	unsigned gen = atomic_load(&w->node->params_gen);
	if (gen == w->params_gen)
		return;
	struct em_params p;
	if (em_params_load(w->st, &p) == 0) {
		w->params = p;
		w->params_gen = gen;
		atomic_store(&w->node->max_concurrent, p.max_concurrent_requests);
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
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 4;
		struct node_change *items = realloc(c->items, cap * sizeof(*items));
		if (!items)
			return; /* the phone keeps its old config until its next restart */
		c->items = items;
		c->cap = cap;
	}
	struct node_change *it = &c->items[c->n++];
	snprintf(it->device, sizeof(it->device), "%s", device);
	it->what = what;
	it->locale_changed = locale_changed;
	snprintf(it->version, sizeof(it->version), "%s", version ? version : "");
}

void node_changes_flush(struct node *n, struct node_changes *c, int batch_error, uint64_t reqno)
{
	for (size_t i = 0; i < c->n && !batch_error; i++) {
		const struct node_change *it = &c->items[i];
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
	for (size_t i = 0; i < c->n && !batch_error; i++)
		if (c->items[i].what == EM_CHANGE_LOGOUT) {
			emcc_outbox_kick(n);
			break;
		}
	free(c->items);
	c->items = NULL;
	c->n = c->cap = 0;
}
