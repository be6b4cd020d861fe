/* emcc_status.h -- remote cluster status updates and the admin commands that need the network. */
#ifndef EMCC_DAEMON_EMCC_STATUS_H
#define EMCC_DAEMON_EMCC_STATUS_H

#include <stddef.h>

struct node;
struct evhttp_request;

/* Loop thread, after the workers and the inter-cluster client exist: builds our trust bundle
 * for GET /emcc/bundle and starts the periodic Remote Cluster Update (first run now). Returns
 * 0 or an errno value (logged). */
int emcc_status_start(struct node *n);
/* Stops the timer and frees what start made. Updates still in flight finish harmlessly only
 * while the loop runs; call after the loop has stopped. */
void emcc_status_stop(struct node *n);

/* Admin socket: runs trust/... and cluster/... commands (1 = handled and answered later),
 * 0 for any other command. Loop thread. */
int emcc_status_admin(struct node *n, struct evhttp_request *req, const char *command);

/* GET /emcc/bundle on the public listeners: this cluster's trust bundle as text/plain. */
void emcc_status_bundle(struct node *n, struct evhttp_request *req);

#endif
