/* emcc_int.h -- what the daemon's visiting-side files share (emcc_login.c, emcc_outbox.c): the
 * node's EMCC state and the one way they send to a remote cluster. Loop thread. */
#ifndef EMCC_DAEMON_EMCC_INT_H
#define EMCC_DAEMON_EMCC_INT_H

#include <stdint.h>

#include "daemon/emcc_logic.h"
#include "emcc/peer.h"

struct node;
struct em_emcc_cluster;
struct emcc_msg;
struct emcc_outbox;

/* n->emcc_vis: made by emcc_visiting_start, freed by emcc_visiting_stop (emcc_login.c). */
struct emcc_visiting {
	struct emcc_home_cache cache; /* user -> home cluster */
	struct emcc_busy busy;	      /* phones with an EMCC login in flight */
	uint64_t records;	      /* visit records finished (emcc_visiting_records) */
	struct emcc_outbox *outbox;   /* emcc_outbox.c */
};

/* emcc_peer_call from this node (its cluster id and client) to c. Returns as emcc_peer_call. */
int emcc_send(struct node *n, const struct em_emcc_cluster *c, struct emcc_msg *m, uint64_t reqno,
	      int timeout_ms, emcc_peer_cb cb, void *arg);

/* The outbox sender (every second, and at emcc_outbox_kick) and the expired EMCC device
 * maintenance (every minute; the first run is queued now, for rows that expired while we were
 * down). Sets *op only on success; 0 or ENOMEM. */
int emcc_outbox_alloc(struct emcc_outbox **op, struct node *n);
/* Stops both timers. Runs still in flight must have ended (the workers are stopped). */
void emcc_outbox_free(struct emcc_outbox *o);

#endif
